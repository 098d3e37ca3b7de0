//! The responder on the demo shop: every story's outcome, golden reply texts, adapter
//! failures, and the rule that no rendered reply ever shows a placeholder.

#![cfg(feature = "respond")]

mod common;

use std::sync::Arc;

use deskbot::adapters::{AdapterError, MemoryCarrierTracker, MemoryOrderPlatform};
use deskbot::respond::demo::{outcome_label, DEMO_CASES};
use deskbot::respond::policy::Policy;
use deskbot::respond::scripts::{HandoffReason, REPLY_SITUATIONS};
use deskbot::respond::Templates;
use deskbot::{Intent, Outcome, Prediction, Responder};
use jiff::Timestamp;

use common::{
    answer, block_on, customer, demo, demo_policy_with, demo_responder, model, templates,
};

#[test]
fn every_demo_story_ends_as_expected() {
    let (responder, now) = demo_responder();
    let mut failures = Vec::new();
    for case in DEMO_CASES {
        let outcome = answer(&responder, case.intent, case.message, case.email, now);
        let label = outcome_label(&outcome);
        if label != case.expect {
            failures.push(format!(
                "{:?} {:?} as {}: expected {}, got {label}",
                case.email, case.message, case.intent, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_reply_situation_is_reachable_from_the_demo_shop() {
    let (responder, now) = demo_responder();
    let mut reached: Vec<String> = DEMO_CASES
        .iter()
        .filter_map(|case| {
            let outcome = answer(&responder, case.intent, case.message, case.email, now);
            outcome.situation().map(str::to_owned)
        })
        .collect();
    // cancel/cancelled needs the "perform" policy: covered by its own test below.
    reached.push("cancel/cancelled".to_owned());
    for (group, name) in REPLY_SITUATIONS {
        let id = format!("{group}/{name}");
        assert!(reached.contains(&id), "no demo story reaches {id}");
    }
}

#[test]
fn golden_replies() {
    let (responder, now) = demo_responder();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("golden");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for case in DEMO_CASES {
            let outcome = answer(&responder, case.intent, case.message, case.email, now);
            let name = format!(
                "{}-{}-{}",
                case.email.unwrap_or("anonymous").split('@').next().unwrap(),
                case.intent,
                outcome_label(&outcome).replace('/', "-")
            );
            let shown = match &outcome {
                Outcome::Reply { text, .. } => text.clone(),
                Outcome::Handoff { reason, .. } => format!("HANDOFF {}: {reason}\n", reason.code()),
            };
            insta::assert_snapshot!(name, shown);
        }
    });
}

#[test]
fn the_readme_example_is_classified_and_answered() {
    let (responder, now) = demo_responder();
    let outcome = block_on(responder.respond_at(
        "I bought a dress last week and never got any shipping information — has it shipped?",
        &customer(Some("jane@example.com")),
        now,
    ));
    assert_eq!(
        outcome.situation(),
        Some("tracking/in_transit"),
        "{outcome:?}"
    );
    let text = outcome.reply_text().unwrap();
    assert!(text.contains("9400111798643261622439"));
    assert!(text.contains("USPS"));
}

#[test]
fn classifier_escalations_become_handoffs_without_touching_adapters() {
    let shop = demo();
    let now = shop.policy.now();
    let platform = Arc::new(shop.platform);
    platform.set_failure(Some(AdapterError::unavailable("must not be called")));
    let responder = Responder::new(
        model(),
        platform,
        Arc::new(shop.carriers),
        shop.policy,
        templates(),
    );
    for (message, code) in [
        ("do you sell gift cards?", "out_of_scope"),
        ("", "empty_message"),
        ("😡😡😡", "empty_message"),
    ] {
        let outcome =
            block_on(responder.respond_at(message, &customer(Some("jane@example.com")), now));
        assert_eq!(
            outcome.handoff_reason().map(|r| r.code()),
            Some(code),
            "{message:?}"
        );
    }
}

#[test]
fn platform_failures_hand_off_with_the_error_kind() {
    let errors = [
        AdapterError::not_found("customer"),
        AdapterError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(5)),
        },
        AdapterError::unavailable("503 from the platform"),
        AdapterError::Unauthenticated {
            message: "bad token".into(),
        },
    ];
    for error in errors {
        let shop = demo();
        let now = shop.policy.now();
        let platform = Arc::new(shop.platform);
        platform.set_failure(Some(error.clone()));
        let responder = Responder::new(
            model(),
            platform,
            Arc::new(shop.carriers),
            shop.policy,
            templates(),
        );
        for intent in [
            Intent::Tracking,
            Intent::Return,
            Intent::MissingItem,
            Intent::Cancel,
        ] {
            let outcome = answer(
                &responder,
                intent,
                "where is my order",
                Some("jane@example.com"),
                now,
            );
            match outcome.handoff_reason() {
                Some(HandoffReason::AdapterFailure { kind, .. }) => assert_eq!(*kind, error.kind()),
                other => panic!("{intent} with {error}: expected adapter failure, got {other:?}"),
            }
        }
    }
}

#[test]
fn carrier_failures_hand_off_and_keep_the_order_facts() {
    let shop = demo();
    let now = shop.policy.now();
    let orders = shop.platform;
    for error in [
        AdapterError::RateLimited { retry_after: None },
        AdapterError::unavailable("timeout"),
        AdapterError::not_found("shipment"),
    ] {
        let carriers = MemoryCarrierTracker::new(Vec::new())
            .with_failure("9400111798643261622439", error.clone());
        let responder = Responder::new(
            model(),
            Arc::new(MemoryOrderPlatform::new(block_on(async {
                use deskbot::adapters::OrderPlatform;
                orders
                    .recent_orders_by_email("jane@example.com", 5)
                    .await
                    .unwrap()
            }))),
            Arc::new(carriers),
            Policy::load(&common::root().join("examples/demo-shop/deskbot.toml")).unwrap(),
            templates(),
        );
        let outcome = answer(
            &responder,
            Intent::Tracking,
            "where is my dress",
            Some("jane@example.com"),
            now,
        );
        match &outcome {
            Outcome::Handoff {
                reason: HandoffReason::AdapterFailure { kind, .. },
                facts,
                note,
                ..
            } => {
                assert_eq!(*kind, error.kind());
                assert_eq!(
                    facts.order_number.as_deref(),
                    Some("1001"),
                    "the order found is kept"
                );
                assert!(note.contains("#1001"), "{note}");
            }
            other => panic!("expected adapter failure, got {other:?}"),
        }
    }
}

#[test]
fn perform_mode_cancels_through_the_platform() {
    let policy = demo_policy_with("mode = \"request\"", "mode = \"perform\"");
    let shop = demo();
    let now = policy.now();
    let platform = Arc::new(shop.platform);
    let responder = Responder::new(
        model(),
        platform.clone(),
        Arc::new(shop.carriers),
        policy,
        templates(),
    );
    let outcome = answer(
        &responder,
        Intent::Cancel,
        "cancel my order",
        Some("omar@example.com"),
        now,
    );
    assert_eq!(outcome.situation(), Some("cancel/cancelled"), "{outcome:?}");
    let order = block_on(async {
        use deskbot::adapters::OrderPlatform;
        platform.order_by_number("1002").await.unwrap()
    });
    assert_eq!(order.cancelled_at, Some(now), "the platform cancelled it");
    // Asking again: already cancelled.
    let again = answer(
        &responder,
        Intent::Cancel,
        "cancel my order",
        Some("omar@example.com"),
        now,
    );
    assert_eq!(again.situation(), Some("cancel/already_cancelled"));
}

#[test]
fn several_orders_hand_off_when_the_policy_says_so() {
    let policy = demo_policy_with(
        "several_open_orders = \"ask\"",
        "several_open_orders = \"handoff\"",
    );
    let shop = demo();
    let now = policy.now();
    let responder = Responder::new(
        model(),
        Arc::new(shop.platform),
        Arc::new(shop.carriers),
        policy,
        templates(),
    );
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is my order",
        Some("ana@example.com"),
        now,
    );
    match outcome.handoff_reason() {
        Some(HandoffReason::SeveralOrders { order_numbers }) => {
            assert_eq!(order_numbers, &["1010", "1009"])
        }
        other => panic!("expected several orders, got {other:?}"),
    }
}

#[test]
fn a_template_that_uses_an_unknown_fact_hands_off() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_templates(dir.path());
    std::fs::write(
        dir.path().join("tracking/in_transit.tera"),
        "Hi, your {{ shipment.colour }} parcel.\n",
    )
    .unwrap();
    let shop = demo();
    let now = shop.policy.now();
    let responder = Responder::new(
        model(),
        Arc::new(shop.platform),
        Arc::new(shop.carriers),
        shop.policy,
        Templates::load(dir.path()).unwrap(),
    );
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is my dress",
        Some("jane@example.com"),
        now,
    );
    match outcome.handoff_reason() {
        Some(HandoffReason::TemplateFailed { template, .. }) => {
            assert_eq!(template, "tracking/in_transit")
        }
        other => panic!("expected template failure, got {other:?}"),
    }
}

mod conformance {
    use super::*;
    use deskbot::adapters::{conformance, MemoryHelpDesk};

    #[test]
    fn memory_order_platform() {
        block_on(conformance::order_platform(&MemoryOrderPlatform::new(
            conformance::fixture_orders(),
        )));
    }

    #[test]
    fn memory_carrier_tracker() {
        block_on(conformance::carrier_tracker(&MemoryCarrierTracker::new(
            conformance::fixture_tracking(),
        )));
    }

    #[test]
    fn memory_help_desk() {
        let desk = MemoryHelpDesk::new(["4711"]);
        block_on(conformance::help_desk(&desk, "4711"));
        assert_eq!(
            desk.actions().len(),
            2,
            "one reply and one handoff recorded"
        );
    }

    #[test]
    #[should_panic(expected = "newest first")]
    fn the_suite_catches_a_platform_that_breaks_the_contract() {
        // Orders stored under reversed dates: the memory platform sorts correctly, so swap the
        // fixture's timestamps to make "newest first" observable as a failure of a broken
        // implementation that returns storage order.
        struct StorageOrder(MemoryOrderPlatform, Vec<deskbot::respond::facts::Order>);
        #[async_trait::async_trait]
        impl deskbot::adapters::OrderPlatform for StorageOrder {
            fn name(&self) -> &str {
                "broken"
            }
            async fn order_by_number(
                &self,
                n: &str,
            ) -> Result<deskbot::respond::facts::Order, AdapterError> {
                self.0.order_by_number(n).await
            }
            async fn recent_orders_by_email(
                &self,
                email: &str,
                limit: usize,
            ) -> Result<Vec<deskbot::respond::facts::Order>, AdapterError> {
                let mut orders: Vec<_> = self
                    .1
                    .iter()
                    .filter(|o| o.email.eq_ignore_ascii_case(email))
                    .cloned()
                    .collect();
                orders.truncate(limit);
                Ok(orders)
            }
            async fn cancel_order(
                &self,
                n: &str,
                at: Timestamp,
            ) -> Result<deskbot::respond::facts::Order, AdapterError> {
                self.0.cancel_order(n, at).await
            }
        }
        let orders = conformance::fixture_orders();
        block_on(conformance::order_platform(&StorageOrder(
            MemoryOrderPlatform::new(orders.clone()),
            orders,
        )));
    }
}

#[test]
fn outcomes_are_delivered_to_the_help_desk() {
    use deskbot::adapters::{HelpDeskAction, MemoryHelpDesk};
    let (responder, now) = demo_responder();
    let desk = MemoryHelpDesk::new(["t-1", "t-2", "t-3"]);
    let cases = [
        (
            "t-1",
            "jane@example.com",
            Intent::Tracking,
            "where is my dress",
        ),
        (
            "t-2",
            "tom@example.com",
            Intent::Tracking,
            "where is my order",
        ),
        ("t-3", "omar@example.com", Intent::Cancel, "cancel my order"),
    ];
    let routing = deskbot::respond::Routing {
        group: Some("Tier 2".to_owned()),
        ..Default::default()
    };
    for (ticket, email, intent, message) in cases {
        let outcome = answer(&responder, intent, message, Some(email), now);
        block_on(outcome.deliver(&desk, ticket, &routing, &format!("job-{ticket}"))).unwrap();
        // Delivering the same job again (a retry after a crash) changes nothing.
        block_on(outcome.deliver(&desk, ticket, &routing, &format!("job-{ticket}"))).unwrap();
    }
    let actions = desk.actions();
    assert!(
        matches!(&actions[0], HelpDeskAction::Reply { ticket, body } if ticket == "t-1" && body.contains("#1001"))
    );
    match &actions[1] {
        HelpDeskAction::Handoff { ticket, note } => {
            assert_eq!(ticket, "t-2");
            assert!(
                note.tags.contains(&"deskbot-carrier-exception".to_owned()),
                "{note:?}"
            );
            assert_eq!(note.group.as_deref(), Some("Tier 2"));
            assert!(
                note.internal_note.contains("Held at customs"),
                "facts travel with the handoff"
            );
        }
        other => panic!("expected a handoff, got {other:?}"),
    }
    // A cancellation request: the task for a person, then the reply.
    assert!(
        matches!(&actions[2], HelpDeskAction::Handoff { note, .. } if note.internal_note.contains("Cancel order #1002"))
    );
    assert!(matches!(&actions[3], HelpDeskAction::Reply { ticket, .. } if ticket == "t-3"));
    assert_eq!(actions.len(), 4);
    let missing = block_on(
        answer(
            &responder,
            Intent::Tracking,
            "x",
            Some("jane@example.com"),
            now,
        )
        .deliver(&desk, "no-such-ticket", &routing, "job-x"),
    );
    assert!(matches!(missing, Err(AdapterError::NotFound { .. })));
}

/// A help desk whose first internal note fails (a 5xx, a timeout, Zendesk's 409 on a
/// concurrent update), then works.
struct FirstNoteFails {
    desk: deskbot::adapters::MemoryHelpDesk,
    failed: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl deskbot::adapters::helpdesk::HelpDesk for FirstNoteFails {
    fn name(&self) -> &str {
        "first-note-fails"
    }
    async fn ticket(
        &self,
        ticket: &str,
    ) -> Result<deskbot::adapters::helpdesk::Ticket, AdapterError> {
        self.desk.ticket(ticket).await
    }
    async fn delivered(
        &self,
        ticket: &str,
        mark: &deskbot::adapters::helpdesk::DeliveryMark,
    ) -> Result<bool, AdapterError> {
        self.desk.delivered(ticket, mark).await
    }
    async fn post_public_reply(
        &self,
        ticket: &str,
        body: &str,
        mark: &deskbot::adapters::helpdesk::DeliveryMark,
    ) -> Result<(), AdapterError> {
        self.desk.post_public_reply(ticket, body, mark).await
    }
    async fn hand_off(
        &self,
        ticket: &str,
        note: &deskbot::adapters::HandoffNote,
        mark: &deskbot::adapters::helpdesk::DeliveryMark,
    ) -> Result<(), AdapterError> {
        if !self.failed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(AdapterError::Unavailable {
                message: "503 on the note".into(),
            });
        }
        self.desk.hand_off(ticket, note, mark).await
    }
}

#[test]
fn a_failed_follow_up_note_is_not_lost_behind_the_reply() {
    use deskbot::adapters::helpdesk::{Author, Comment, HelpDesk, Ticket};
    use deskbot::adapters::HelpDeskAction;
    let (responder, now) = demo_responder();
    let desk = FirstNoteFails {
        desk: deskbot::adapters::MemoryHelpDesk::default().with_ticket(Ticket {
            id: "t-3".into(),
            requester_email: Some("omar@example.com".into()),
            subject: None,
            latest_comment: Some(Comment {
                id: "c-1".into(),
                body: "cancel my order".into(),
                author: Author::Requester,
                public: true,
            }),
            tags: Vec::new(),
            agent_involved: false,
            outside_recipients: 0,
        }),
        failed: Default::default(),
    };
    let outcome = answer(
        &responder,
        Intent::Cancel,
        "cancel my order",
        Some("omar@example.com"),
        now,
    );
    let routing = deskbot::respond::Routing::default();
    assert!(block_on(outcome.deliver(&desk, "t-3", &routing, "job-t-3")).is_err());
    // The worker's rerun answers only a customer's latest public comment: a reply already on
    // the ticket ends the job, so everything still owed must be on the ticket by then.
    let latest = block_on(desk.ticket("t-3"))
        .unwrap()
        .latest_comment
        .unwrap();
    if latest.author == Author::Requester {
        block_on(outcome.deliver(&desk, "t-3", &routing, "job-t-3")).unwrap();
    }
    let actions = desk.desk.actions();
    assert_eq!(
        actions
            .iter()
            .filter(|a| matches!(a, HelpDeskAction::Reply { .. }))
            .count(),
        1,
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, HelpDeskAction::Handoff { note, .. }
            if note.internal_note.contains("Cancel order #1002"))),
        "the person's task was lost: {actions:?}"
    );
}

#[test]
fn impossible_dates_from_a_feed_hand_off_instead_of_panicking() {
    use deskbot::adapters::conformance::fixture_orders;
    let far: Timestamp = "9999-12-30T12:00:00Z".parse().unwrap();
    let mut order = fixture_orders().remove(0); // unfulfilled
    order.created_at = far;
    let email = order.email.clone();
    let shop = demo();
    let responder = Responder::new(
        model(),
        Arc::new(MemoryOrderPlatform::new(vec![order])),
        Arc::new(shop.carriers),
        shop.policy,
        templates(),
    );
    for intent in [
        Intent::Tracking,
        Intent::MissingItem,
        Intent::Return,
        Intent::Cancel,
    ] {
        let outcome = block_on(responder.respond_to(
            Prediction::certain(intent),
            "about order #500",
            &customer(Some(&email)),
            far,
        ));
        if let Some(reason) = outcome.handoff_reason() {
            assert_ne!(reason.code(), "template_failed", "{intent}: {reason}");
        }
    }
    let tracking = block_on(responder.respond_to(
        Prediction::certain(Intent::Tracking),
        "about order #500",
        &customer(Some(&email)),
        far,
    ));
    assert_eq!(
        tracking.handoff_reason().map(|r| r.code()),
        Some("stale_facts")
    );
}

/// The demo shop's orders and tracking, to change one fact before answering.
fn demo_facts() -> (
    Vec<deskbot::respond::facts::Order>,
    Vec<deskbot::respond::facts::Tracking>,
) {
    let dir = common::root().join("examples/demo-shop");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    (
        serde_json::from_str(&read("orders.json")).unwrap(),
        serde_json::from_str(&read("tracking.json")).unwrap(),
    )
}

/// What the demo shop, with `orders` and `tracking` instead of its own, does with `message`.
fn answer_with(
    orders: Vec<deskbot::respond::facts::Order>,
    tracking: Vec<deskbot::respond::facts::Tracking>,
    policy: Policy,
    intent: Intent,
    message: &str,
    email: &str,
) -> Outcome {
    let now = policy.now();
    let answerer = deskbot::respond::Answerer::new(
        Arc::new(MemoryOrderPlatform::new(orders)),
        Arc::new(MemoryCarrierTracker::new(tracking)),
        policy,
        templates(),
    );
    block_on(answerer.respond_to(
        Prediction::certain(intent),
        message,
        &customer(Some(email)),
        now,
    ))
}

fn handoff_name(outcome: &Outcome) -> Option<&'static str> {
    outcome.handoff_reason().map(HandoffReason::name)
}

#[test]
fn a_carrier_problem_with_one_parcel_of_several_is_handed_off() {
    use deskbot::respond::facts::TrackingStatus;
    for (status, rule) in [
        (TrackingStatus::Exception, "carrier_exception"),
        (TrackingStatus::ReturnedToSender, "returned_to_sender"),
        (TrackingStatus::Unknown, "unknown_carrier_status"),
    ] {
        let (orders, mut tracking) = demo_facts();
        // Lucas's #1011: parcel 1 delivered, parcel 2 (the belt) in trouble.
        tracking
            .iter_mut()
            .find(|t| t.number == "9400111104639405802109")
            .unwrap()
            .status = status;
        for (intent, message) in [
            (Intent::Tracking, "where is my stuff"),
            (Intent::MissingItem, "only part of my order came"),
        ] {
            let outcome = answer_with(
                orders.clone(),
                tracking.clone(),
                demo().policy,
                intent,
                message,
                "lucas@example.com",
            );
            assert_eq!(
                handoff_name(&outcome),
                Some(rule),
                "{status:?} {intent}: {outcome:?}"
            );
        }
    }
}

#[test]
fn only_an_unfulfilled_order_without_shipments_is_called_unshipped() {
    use deskbot::respond::facts::FulfillmentStatus;
    for (status, rule) in [
        // BigCommerce "Shipped" set by hand, with no shipment.
        (FulfillmentStatus::Fulfilled, "shipped_without_tracking"),
        // WooCommerce partial-shipped with no tracking note.
        (FulfillmentStatus::PartiallyFulfilled, "partly_shipped"),
        // Shopify FULFILLMENT_NOT_REQUIRED and the like.
        (FulfillmentStatus::Unknown, "unknown_fulfillment_status"),
    ] {
        let (mut orders, tracking) = demo_facts();
        let omar = orders.iter_mut().find(|o| o.number == "1002").unwrap();
        assert!(omar.fulfillments.is_empty());
        omar.fulfillment_status = status;
        for (intent, message) in [
            (Intent::Tracking, "has my order shipped?"),
            (Intent::MissingItem, "my order never came"),
            (Intent::Cancel, "cancel my order please"),
            (Intent::Return, "how do I return this"),
        ] {
            let outcome = answer_with(
                orders.clone(),
                tracking.clone(),
                demo().policy,
                intent,
                message,
                "omar@example.com",
            );
            assert_eq!(
                handoff_name(&outcome),
                Some(rule),
                "{status:?} {intent}: {outcome:?}"
            );
        }
    }
}

#[test]
fn an_order_being_prepared_has_not_shipped_but_only_a_person_cancels_it() {
    use deskbot::respond::facts::FulfillmentStatus;
    let (mut orders, tracking) = demo_facts();
    let omar = orders.iter_mut().find(|o| o.number == "1002").unwrap();
    assert!(omar.fulfillments.is_empty());
    omar.fulfillment_status = FulfillmentStatus::InProgress;
    let answer = |policy, intent, message| {
        answer_with(
            orders.clone(),
            tracking.clone(),
            policy,
            intent,
            message,
            "omar@example.com",
        )
    };
    let shipped = answer(demo().policy, Intent::Tracking, "has my order shipped?");
    assert_eq!(
        shipped.situation(),
        Some("tracking/not_shipped_yet"),
        "{shipped:?}"
    );
    for policy in [
        demo().policy,
        demo_policy_with("mode = \"request\"", "mode = \"perform\""),
    ] {
        let cancel = answer(policy, Intent::Cancel, "cancel my order please");
        assert_eq!(
            handoff_name(&cancel),
            Some("fulfillment_in_progress"),
            "{cancel:?}"
        );
    }
    // A return before delivery offers no cancel either.
    let early = answer(demo().policy, Intent::Return, "how do I return this");
    let text = early.reply_text().unwrap_or_default().to_lowercase();
    assert!(!text.contains("cancel"), "{early:?}");
}

#[test]
fn a_return_for_a_shipment_without_tracking_is_handed_off() {
    use deskbot::respond::facts::{FulfilledItem, Fulfillment, FulfillmentStatus};
    let (mut orders, tracking) = demo_facts();
    let omar = orders.iter_mut().find(|o| o.number == "1002").unwrap();
    omar.fulfillment_status = FulfillmentStatus::Fulfilled;
    omar.fulfillments.push(Fulfillment {
        id: "ful-1002-1".into(),
        items: omar
            .line_items
            .iter()
            .map(|item| FulfilledItem {
                line_item_id: item.id.clone(),
                quantity: item.quantity,
            })
            .collect(),
        tracking_numbers: Vec::new(),
        carrier: None,
        tracking_urls: Vec::new(),
        shipped_at: Some("2026-11-19T15:00:00Z".parse().unwrap()),
        platform_status: None,
        items_known: true,
    });
    let outcome = answer_with(
        orders,
        tracking,
        demo().policy,
        Intent::Return,
        "how do I return this",
        "omar@example.com",
    );
    assert_eq!(
        handoff_name(&outcome),
        Some("shipped_without_tracking"),
        "{outcome:?}"
    );
}

#[test]
fn a_carrier_delivery_window_is_on_time_until_its_last_day() {
    let (orders, mut tracking) = demo_facts();
    let dress = tracking
        .iter_mut()
        .find(|t| t.number == "9400111798643261622439")
        .unwrap();
    // The demo's today is Friday, November 20: inside the window, past its first day.
    dress.estimated_delivery = Some("2026-11-19".parse().unwrap());
    dress.estimated_delivery_end = Some("2026-11-24".parse().unwrap());
    let outcome = answer_with(
        orders,
        tracking,
        demo().policy,
        Intent::Tracking,
        "Where is my dress?",
        "jane@example.com",
    );
    assert_eq!(
        outcome.situation(),
        Some("tracking/in_transit"),
        "{outcome:?}"
    );
    let text = outcome.reply_text().unwrap();
    assert!(
        text.contains("between Thursday, November 19 and Tuesday, November 24"),
        "{text}"
    );
}

#[test]
fn out_for_delivery_is_today_only_when_scanned_today() {
    let (orders, mut tracking) = demo_facts();
    let scarf = tracking
        .iter_mut()
        .find(|t| t.number == "714015965560")
        .unwrap();
    // Two days before the demo's today, and nothing since.
    scarf.latest_event.as_mut().unwrap().time = "2026-11-18T13:06:00Z".parse().unwrap();
    let outcome = answer_with(
        orders,
        tracking,
        demo().policy,
        Intent::Tracking,
        "when will it arrive",
        "mia@example.com",
    );
    assert_eq!(handoff_name(&outcome), Some("stale_facts"), "{outcome:?}");
}

#[test]
fn a_performed_cancel_promises_no_refund_and_leaves_the_payment_to_a_person() {
    let policy = demo_policy_with("mode = \"request\"", "mode = \"perform\"");
    let (orders, tracking) = demo_facts();
    let outcome = answer_with(
        orders,
        tracking,
        policy,
        Intent::Cancel,
        "cancel my order",
        "omar@example.com",
    );
    let Outcome::Reply {
        text,
        situation,
        follow_up,
        ..
    } = &outcome
    else {
        panic!("expected a reply, got {outcome:?}");
    };
    assert_eq!(situation, "cancel/cancelled");
    assert!(!text.contains("will be refunded"), "{text}");
    let task = follow_up
        .as_deref()
        .expect("a follow-up task for the payment");
    assert!(task.contains("#1002") && task.contains("refund"), "{task}");
}

#[test]
fn cancelling_a_partly_shipped_order_is_handed_off() {
    use deskbot::respond::facts::{FulfilledItem, Fulfillment, FulfillmentStatus};
    let (mut orders, tracking) = demo_facts();
    let omar = orders.iter_mut().find(|o| o.number == "1002").unwrap();
    omar.fulfillment_status = FulfillmentStatus::PartiallyFulfilled;
    // The beanies shipped; the sweater did not.
    omar.fulfillments.push(Fulfillment {
        id: "ful-1002-1".into(),
        items: vec![FulfilledItem {
            line_item_id: "li-1002-2".into(),
            quantity: 2,
        }],
        tracking_numbers: vec!["9400111798643261622439".into()],
        carrier: Some("USPS".into()),
        tracking_urls: Vec::new(),
        shipped_at: Some("2026-11-20T12:00:00Z".parse().unwrap()),
        platform_status: None,
        items_known: true,
    });
    let outcome = answer_with(
        orders,
        tracking,
        demo().policy,
        Intent::Cancel,
        "please cancel my order",
        "omar@example.com",
    );
    assert_eq!(
        handoff_name(&outcome),
        Some("partly_shipped"),
        "{outcome:?}"
    );
    let Some(HandoffReason::PolicyRequiresHuman { detail, .. }) = outcome.handoff_reason() else {
        unreachable!()
    };
    assert!(detail.contains("Merino Crew Sweater ×1"), "{detail}");
}

#[test]
fn a_parcel_with_only_a_label_is_not_called_on_its_way() {
    use deskbot::respond::facts::TrackingStatus;
    let (orders, mut tracking) = demo_facts();
    tracking
        .iter_mut()
        .find(|t| t.number == "9400111798643261622439")
        .unwrap()
        .status = TrackingStatus::LabelCreated;
    let outcome = answer_with(
        orders,
        tracking,
        demo().policy,
        Intent::Tracking,
        "Where is my dress?",
        "jane@example.com",
    );
    assert_eq!(handoff_name(&outcome), Some("label_created"), "{outcome:?}");
}

#[test]
fn card_and_phone_numbers_in_a_message_are_never_quoted_back() {
    let (responder, now) = demo_responder();
    for number in ["5200828282828210", "371449635398431", "650-555-0100"] {
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        for email in [Some("jane@example.com"), None] {
            let message = format!("where is parcel {number}? my tracking number is {number}");
            let outcome = answer(&responder, Intent::Tracking, &message, email, now);
            let shown = match &outcome {
                Outcome::Reply { text, .. } => text.clone(),
                Outcome::Handoff { reason, .. } => reason.to_string(),
            };
            let shown_digits: String = shown.chars().filter(char::is_ascii_digit).collect();
            assert!(
                !shown_digits.contains(&digits),
                "{email:?} {message:?} quoted the number: {shown}"
            );
        }
    }
}

/// The demo shop with chen's order #1006 delivered (the platform says so, as Shopify's
/// DELIVERED does) and a newer order of hers, #1020, not shipped yet, plus `more` orders.
fn chen_with_a_new_order(
    more: impl FnOnce(&deskbot::respond::facts::Order) -> Vec<deskbot::respond::facts::Order>,
) -> (Responder, Timestamp) {
    use deskbot::adapters::OrderPlatform;
    use deskbot::respond::facts::TrackingStatus;
    let shop = demo();
    let now = shop.policy.now();
    let mut delivered = block_on(shop.platform.order_by_number("1006")).unwrap();
    delivered.fulfillments[0].platform_status = Some(TrackingStatus::Delivered);
    let mut new = block_on(shop.platform.order_by_number("1002")).unwrap(); // unshipped sweater
    new.id = "ord-1020".into();
    new.number = "1020".into();
    new.email = delivered.email.clone();
    let mut orders = more(&delivered);
    orders.extend([delivered, new]);
    let responder = Responder::new(
        model(),
        Arc::new(MemoryOrderPlatform::new(orders)),
        Arc::new(shop.carriers),
        shop.policy,
        templates(),
    );
    (responder, now)
}

/// The order an outcome is about.
fn order_of(outcome: &Outcome) -> Option<&str> {
    match outcome {
        Outcome::Reply { facts, .. } | Outcome::Handoff { facts, .. } => {
            facts.order_number.as_deref()
        }
    }
}

#[test]
fn returns_and_missing_items_are_about_the_order_that_shipped_not_the_newest() {
    let (responder, now) = chen_with_a_new_order(|_| Vec::new());
    let chen = Some("chen@example.com");
    for (intent, message, expect) in [
        (
            Intent::Return,
            "I'd like to return the knit throw",
            "return/within_window",
        ),
        (
            Intent::Return,
            "I'd like to return it",
            "return/within_window",
        ),
        (
            Intent::MissingItem,
            "tracking says delivered but the parcel isn't here",
            "missing_item/delivered_recently",
        ),
    ] {
        let outcome = answer(&responder, intent, message, chen, now);
        assert_eq!(outcome.situation(), Some(expect), "{message}: {outcome:?}");
        assert_eq!(order_of(&outcome), Some("1006"), "{message}");
    }
    // Naming an item of the new order picks that one.
    let outcome = answer(
        &responder,
        Intent::Return,
        "can I return the sweater?",
        chen,
        now,
    );
    assert_eq!(outcome.situation(), Some("return/not_yet_delivered"));
    assert_eq!(order_of(&outcome), Some("1020"));
    // Where tracking is asked, the open order is still the one.
    let outcome = answer(&responder, Intent::Tracking, "where is my order", chen, now);
    assert_eq!(order_of(&outcome), Some("1020"), "{outcome:?}");
}

#[test]
fn a_return_with_two_shipped_orders_asks_which_unless_an_item_is_named() {
    // A second delivered order of chen's, with a rug in it.
    let (responder, now) = chen_with_a_new_order(|chen| {
        let mut older = chen.clone();
        older.id = "ord-0990".into();
        older.number = "990".into();
        older.created_at = "2026-11-01T10:00:00Z".parse().unwrap();
        older.line_items.truncate(1);
        older.line_items[0].title = "Handwoven Wool Rug".into();
        vec![older]
    });
    let chen = Some("chen@example.com");
    let outcome = answer(
        &responder,
        Intent::Return,
        "I'd like to return it",
        chen,
        now,
    );
    assert_eq!(
        outcome.situation(),
        Some("common/several_orders"),
        "{outcome:?}"
    );
    let outcome = answer(
        &responder,
        Intent::Return,
        "I'd like to return the rugs",
        chen,
        now,
    );
    assert_eq!(order_of(&outcome), Some("990"), "{outcome:?}");
    let outcome = answer(
        &responder,
        Intent::MissingItem,
        "the cushion cover never arrived",
        chen,
        now,
    );
    assert_eq!(order_of(&outcome), Some("1006"), "{outcome:?}");
}

/// The "which order?" list says each order's shipping status only when the platform gave one:
/// an order whose status is unknown is listed without one, not as "shipped". (Found by an
/// audit.)
#[test]
fn the_order_list_gives_no_status_the_platform_did_not() {
    use deskbot::respond::facts::FulfillmentStatus;
    let (mut orders, tracking) = demo_facts();
    let ana: Vec<usize> = (0..orders.len())
        .filter(|&i| orders[i].email == "ana@example.com")
        .collect();
    assert!(ana.len() > 1, "ana has several orders in the demo shop");
    orders[ana[0]].fulfillment_status = FulfillmentStatus::Unknown;
    orders[ana[0]].fulfillments.clear();
    let number = orders[ana[0]].number.clone();
    let outcome = answer_with(
        orders,
        tracking,
        demo().policy,
        Intent::Tracking,
        "where is my order",
        "ana@example.com",
    );
    let Outcome::Reply { text, .. } = &outcome else {
        panic!("{outcome:?}");
    };
    let line = text
        .lines()
        .find(|line| line.contains(&format!("Order #{number},")))
        .unwrap_or_else(|| panic!("no line for #{number}: {text}"));
    assert!(!line.contains(" — "), "{line}");
    assert!(
        text.lines()
            .filter(|l| l.starts_with("- Order #"))
            .any(|l| l.contains(" — ")),
        "the other orders keep theirs: {text}"
    );
}

#[test]
fn an_open_return_is_said_to_be_in_progress_not_on_its_way_back() {
    use deskbot::respond::facts::ReturnStatus;
    let (mut orders, tracking) = demo_facts();
    let emma = orders
        .iter_mut()
        .find(|o| o.email == "emma@example.com")
        .unwrap();
    // Shopify's IN_PROGRESS: the return is open, and nothing says the parcel left the customer.
    emma.return_status = Some(ReturnStatus::InProgress);
    let outcome = answer_with(
        orders,
        tracking,
        demo().policy,
        Intent::Return,
        "I want to return my order",
        "emma@example.com",
    );
    let text = outcome.reply_text().expect("a reply");
    assert!(text.contains("is in progress"), "{text}");
    assert!(!text.contains("on its way"), "{text}");
}

/// WooCommerce ties tracking numbers to the order, not to items: each parcel lists the whole
/// order, and a reply must not say that any one parcel holds all of it.
#[test]
fn parcels_whose_items_the_platform_does_not_know_hold_part_of_the_order() {
    use deskbot::respond::facts::{FulfilledItem, FulfillmentStatus};
    let as_woocommerce = |order: &mut deskbot::respond::facts::Order| {
        let everything: Vec<FulfilledItem> = order
            .line_items
            .iter()
            .map(|item| FulfilledItem {
                line_item_id: item.id.clone(),
                quantity: item.quantity,
            })
            .collect();
        for fulfillment in &mut order.fulfillments {
            fulfillment.items = everything.clone();
            fulfillment.items_known = false;
        }
    };
    let reply = |orders, tracking, intent, email| {
        let outcome = answer_with(
            orders,
            tracking,
            demo().policy,
            intent,
            "where is it",
            email,
        );
        match &outcome {
            Outcome::Reply {
                text, situation, ..
            } => (situation.clone(), text.clone()),
            other => panic!("expected a reply, got {other:?}"),
        }
    };

    // Two parcels, each said by the platform to hold all three items.
    let (mut orders, tracking) = demo_facts();
    as_woocommerce(orders.iter_mut().find(|o| o.number == "1011").unwrap());
    let (situation, text) = reply(orders, tracking, Intent::Tracking, "lucas@example.com");
    assert_eq!(situation, "tracking/several_shipments");
    assert_eq!(
        text.matches(": part of Denim Chore Jacket").count(),
        2,
        "{text}"
    );
    assert!(!text.contains("Not shipped yet"), "{text}");

    // One parcel of an order the platform calls partly shipped: which items it holds, and so
    // which are still to come, is not known.
    for intent in [Intent::Tracking, Intent::MissingItem] {
        let (mut orders, tracking) = demo_facts();
        let mia = orders.iter_mut().find(|o| o.number == "1005").unwrap();
        as_woocommerce(mia);
        mia.fulfillment_status = FulfillmentStatus::PartiallyFulfilled;
        let (situation, text) = reply(orders, tracking, intent, "mia@example.com");
        assert!(
            situation.ends_with("/several_shipments") || situation.ends_with("/split_shipment"),
            "{intent}: {situation}\n{text}"
        );
        assert!(text.contains("Only part of your order #1005"), "{text}");
        assert!(text.contains(": part of Cashmere Scarf"), "{text}");
    }

    // The only parcel of an order shipped in full holds all of it.
    let (mut orders, tracking) = demo_facts();
    as_woocommerce(orders.iter_mut().find(|o| o.number == "1005").unwrap());
    let (situation, text) = reply(orders, tracking, Intent::Tracking, "mia@example.com");
    assert!(
        !situation.ends_with("/several_shipments"),
        "{situation}\n{text}"
    );
    assert!(!text.contains("part of"), "{text}");
}

/// "Cancel my subscription" is a cancel by the bundled labels, but no order is what to cancel:
/// in perform mode the latest order would have been cancelled and the plan left running.
#[test]
fn a_subscription_cancel_goes_to_a_person_and_no_order_is_touched() {
    let policy = demo_policy_with("mode = \"request\"", "mode = \"perform\"");
    let (orders, tracking) = demo_facts();
    for message in [
        "Please cancel my monthly coffee subscription, I don't want next month's box",
        "cancel my membership",
    ] {
        let outcome = answer_with(
            orders.clone(),
            tracking.clone(),
            policy.clone(),
            Intent::Cancel,
            message,
            "omar@example.com",
        );
        assert_eq!(handoff_name(&outcome), Some("subscription"), "{outcome:?}");
        assert!(!format!("{outcome:?}").contains("#1002"), "{outcome:?}");
    }
    // "cancel my order" from the same sender is still cancelled: see
    // a_performed_cancel_promises_no_refund_and_leaves_the_payment_to_a_person.
}
