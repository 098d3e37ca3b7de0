//! Fail closed on the respond side: no order facts without a verified sender, no platform action
//! on an unverified order, no reply from facts that cannot be true now, and no reply that a
//! template failed to fill.

#![cfg(feature = "respond")]

mod common;

use std::sync::Arc;

use common::{answer, block_on, demo, demo_policy_with, demo_responder, model, templates};
use deskbot::adapters::OrderPlatform;
use deskbot::respond::scripts::HandoffReason;
use deskbot::respond::Templates;
use deskbot::{Intent, Outcome, Responder};
use jiff::Timestamp;

fn responder_with(policy: deskbot::respond::policy::Policy) -> (Responder, Arc<dyn OrderPlatform>) {
    let shop = demo();
    let platform: Arc<dyn OrderPlatform> = Arc::new(shop.platform);
    let responder = Responder::new(
        model(),
        platform.clone(),
        Arc::new(shop.carriers),
        policy,
        templates(),
    );
    (responder, platform)
}

/// The demo policy with each `(from, to)` change made.
fn demo_policy_with_all(changes: &[(&str, &str)]) -> deskbot::respond::policy::Policy {
    let mut text =
        std::fs::read_to_string(common::root().join("examples/demo-shop/deskbot.toml")).unwrap();
    for (from, to) in changes {
        assert!(text.contains(from), "the demo policy has {from:?}");
        text = text.replace(from, to);
    }
    deskbot::respond::policy::Policy::from_toml(std::path::Path::new("changed.toml"), &text)
        .unwrap()
}

/// Things a reply about chen's order #1006 would give away.
const CHEN_FACTS: [&str; 4] = [
    "Portland",
    "1ZE7V2180355089359",
    "Chunky Knit Throw",
    "#1006",
];

fn assert_tells_nothing(outcome: &Outcome) {
    match outcome {
        Outcome::Reply {
            text,
            situation,
            facts,
            ..
        } => {
            assert_eq!(situation, "common/verify_identity", "{text}");
            for secret in CHEN_FACTS {
                assert!(!text.contains(secret), "leaked {secret}:\n{text}");
            }
            assert!(facts.orders.is_empty() && facts.order_number.is_none());
        }
        other => panic!("expected a request to verify, got {other:?}"),
    }
}

#[test]
fn no_sender_gets_no_order_facts_by_default() {
    let (responder, now) = demo_responder();
    for message in [
        "where is order #1006",
        "Hi, I am chen@example.com, where is order #1006?",
        "Hi, I am chen@example.com, where is my order?",
        "order 1006, zip 97205, where is it?",
    ] {
        let outcome = answer(&responder, Intent::Tracking, message, None, now);
        assert_tells_nothing(&outcome);
    }
    // A blank sender is no sender.
    let outcome = answer(&responder, Intent::Tracking, "#1006", Some("  "), now);
    assert_tells_nothing(&outcome);
}

#[test]
fn the_sender_address_matches_trimmed_and_case_folded() {
    let (responder, now) = demo_responder();
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is order #1006",
        Some("  CHEN@Example.com "),
        now,
    );
    assert_eq!(
        outcome.situation(),
        Some("tracking/delivered"),
        "{outcome:?}"
    );
}

#[test]
fn postcode_proves_the_order_only_where_the_policy_allows() {
    let policy = demo_policy_with(
        "verify = \"sender_email\"",
        "verify = \"sender_email_or_postcode\"",
    );
    let now = policy.now();
    let (responder, _) = responder_with(policy);
    let right = answer(
        &responder,
        Intent::Tracking,
        "order 1006, zip 97205, where is it?",
        None,
        now,
    );
    assert_eq!(right.situation(), Some("tracking/delivered"), "{right:?}");
    let wrong = answer(
        &responder,
        Intent::Tracking,
        "order 1006, zip 97206, where is it?",
        None,
        now,
    );
    assert_tells_nothing(&wrong);
    assert!(wrong.reply_text().unwrap().contains("postcode"));
    // With no order number there is nothing to check a postcode against: ask for it.
    let vague = answer(&responder, Intent::Tracking, "where is my order", None, now);
    assert_eq!(vague.situation(), Some("common/need_order_number"));
}

#[test]
fn a_message_listing_every_postcode_proves_no_order() {
    let policy = demo_policy_with_all(&[
        (
            "verify = \"sender_email\"",
            "verify = \"sender_email_or_postcode\"",
        ),
        ("mode = \"request\"", "mode = \"perform\""),
    ]);
    let now = policy.now();
    let (responder, platform) = responder_with(policy);
    // chen's ZIP code is 97205: somewhere in the list.
    let zips: Vec<String> = (97200..97300).map(|zip| zip.to_string()).collect();
    let message = format!("where is order #1006? my zip is one of {}", zips.join(" "));
    let outcome = answer(&responder, Intent::Tracking, &message, None, now);
    assert_tells_nothing(&outcome);
    // Nor can it cancel omar's order (ZIP 80202) in perform mode.
    let zips: Vec<String> = (80000..81000).map(|zip| zip.to_string()).collect();
    let message = format!("please cancel order #1002, zip {}", zips.join(" "));
    let outcome = answer(&responder, Intent::Cancel, &message, None, now);
    assert_eq!(
        outcome.situation(),
        Some("common/verify_identity"),
        "{outcome:?}"
    );
    let order = block_on(platform.order_by_number("1002")).unwrap();
    assert_eq!(order.cancelled_at, None);
    // The right ZIP code alone still proves it.
    let outcome = answer(
        &responder,
        Intent::Cancel,
        "please cancel order #1002, zip 80202",
        None,
        now,
    );
    assert_eq!(outcome.situation(), Some("cancel/cancelled"), "{outcome:?}");
}

#[test]
fn without_a_sender_the_reply_does_not_tell_which_order_numbers_exist() {
    let policy = demo_policy_with(
        "verify = \"sender_email\"",
        "verify = \"sender_email_or_postcode\"",
    );
    let now = policy.now();
    let (responder, _) = responder_with(policy);
    let real = answer(
        &responder,
        Intent::Tracking,
        "where is order #1006, zip 11111",
        None,
        now,
    );
    let made_up = answer(
        &responder,
        Intent::Tracking,
        "where is order #9999, zip 11111",
        None,
        now,
    );
    assert_tells_nothing(&real);
    assert_tells_nothing(&made_up);
    assert_eq!(real.reply_text(), made_up.reply_text());
}

#[test]
fn trusted_channels_answer_an_order_number_alone() {
    let policy = demo_policy_with("verify = \"sender_email\"", "verify = \"none\"");
    let now = policy.now();
    let (responder, _) = responder_with(policy);
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is order #1006",
        None,
        now,
    );
    assert_eq!(
        outcome.situation(),
        Some("tracking/delivered"),
        "{outcome:?}"
    );
}

#[test]
fn an_unverified_sender_cannot_cancel_someone_elses_order() {
    let policy = demo_policy_with("mode = \"request\"", "mode = \"perform\"");
    let now = policy.now();
    let (responder, platform) = responder_with(policy);
    for (email, message) in [
        (None, "Please cancel order #1002"),
        (None, "I am omar@example.com, please cancel order #1002"),
        (Some("jane@example.com"), "Please cancel order #1002"),
    ] {
        let outcome = answer(&responder, Intent::Cancel, message, email, now);
        assert_ne!(outcome.situation(), Some("cancel/cancelled"), "{outcome:?}");
        if let Outcome::Reply { follow_up, .. } = &outcome {
            assert_eq!(
                follow_up, &None,
                "no follow-up task for an unverified order"
            );
        }
        let order = block_on(platform.order_by_number("1002")).unwrap();
        assert_eq!(
            order.cancelled_at, None,
            "{email:?} {message:?} cancelled it"
        );
    }
    // Its owner can.
    let outcome = answer(
        &responder,
        Intent::Cancel,
        "Please cancel order #1002",
        Some("omar@example.com"),
        now,
    );
    assert_eq!(outcome.situation(), Some("cancel/cancelled"));
}

#[test]
fn a_tracking_number_from_another_customers_order_is_not_answered_as_ones_own() {
    let (responder, now) = demo_responder();
    // 1ZE7V2180355089359 is chen's parcel; jane has her own parcel in transit.
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is my parcel 1ZE7V2180355089359?",
        Some("jane@example.com"),
        now,
    );
    assert_eq!(outcome.situation(), Some("common/unknown_tracking_number"));
    let text = outcome.reply_text().unwrap();
    assert!(text.contains("1ZE7V2180355089359"), "{text}");
    assert!(
        !text.contains("9400111798643261622439"),
        "jane's own parcel: {text}"
    );
    // Named with an order number it is not on, the same.
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "order #1001, parcel 1ZE7V2180355089359",
        Some("jane@example.com"),
        now,
    );
    assert_eq!(outcome.situation(), Some("common/unknown_tracking_number"));
    // A parcel of a split order is answered on its own.
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "any news on 9400111104639405802109?",
        Some("lucas@example.com"),
        now,
    );
    assert_eq!(outcome.situation(), Some("tracking/in_transit"));
    let text = outcome.reply_text().unwrap();
    assert!(
        text.contains("Leather Belt") && !text.contains("Denim Chore Jacket"),
        "{text}"
    );
}

#[test]
fn a_parcel_is_only_called_not_on_the_senders_orders_when_all_of_them_were_read() {
    use deskbot::adapters::{MemoryCarrierTracker, MemoryOrderPlatform};
    let shop = demo();
    let now = shop.policy.now();
    let policy = demo_policy_with("lookback = 5", "lookback = 1");
    // jane's order #1001 holds parcel 9400111798643261622439; she has a newer one now.
    let older = block_on(shop.platform.order_by_number("1001")).unwrap();
    let mut newer = block_on(shop.platform.order_by_number("1002")).unwrap();
    newer.id = "ord-1030".into();
    newer.number = "1030".into();
    newer.email = older.email.clone();
    let responder = Responder::new(
        model(),
        Arc::new(MemoryOrderPlatform::new(vec![older, newer])),
        Arc::new(MemoryCarrierTracker::new(Vec::new())),
        policy,
        templates(),
    );
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is 9400111798643261622439",
        Some("jane@example.com"),
        now,
    );
    // Only #1030 was read: the parcel may well be on #1001, so ask which order it is.
    assert_eq!(
        outcome.situation(),
        Some("common/need_order_number"),
        "{outcome:?}"
    );
    let text = outcome.reply_text().unwrap();
    assert!(!text.contains("couldn't find"), "{text}");
}

#[test]
fn facts_from_impossible_times_hand_off_as_stale() {
    let (responder, _) = demo_responder();
    let stale = |now: &str, email: &str, message: &str| {
        let now: Timestamp = now.parse().unwrap();
        let outcome = answer(&responder, Intent::Tracking, message, Some(email), now);
        match outcome.handoff_reason() {
            Some(HandoffReason::StaleFacts { detail }) => detail.clone(),
            _ => panic!("{now}: expected stale facts, got {outcome:?}"),
        }
    };
    // Before the order was placed and its parcel scanned.
    let detail = stale(
        "2026-10-01T12:00:00Z",
        "jane@example.com",
        "Where is my dress?",
    );
    assert!(detail.contains("after the current time"), "{detail}");
    // After shipping but before its latest scan: that scan is from the future.
    stale(
        "2026-11-10T00:00:00Z",
        "raj@example.com",
        "where is my parcel",
    );
    // Long after the last scan, a parcel "on its way" is not news anyone can repeat.
    let detail = stale(
        "2027-06-01T12:00:00Z",
        "jane@example.com",
        "Where is my dress?",
    );
    assert!(detail.contains("no carrier news"), "{detail}");
    // Delivered long ago is still a true fact.
    let now: Timestamp = "2027-06-01T12:00:00Z".parse().unwrap();
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is it",
        Some("chen@example.com"),
        now,
    );
    assert_eq!(
        outcome.situation(),
        Some("tracking/delivered"),
        "{outcome:?}"
    );
}

#[test]
fn an_empty_template_becomes_a_handoff() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_templates(dir.path());
    std::fs::write(
        dir.path().join("tracking/in_transit.tera"),
        "{% if shipment %}\n   \n{% endif %}",
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
        Some(HandoffReason::TemplateFailed { template, detail }) => {
            assert_eq!(template, "tracking/in_transit");
            assert!(detail.contains("empty"), "{detail}");
        }
        other => panic!("expected a template failure, got {other:?}"),
    }
}

#[test]
fn a_bare_tracking_number_gets_the_carriers_status_and_nothing_about_the_order() {
    let (responder, now) = demo_responder();
    // jane's parcel, asked about by number from nobody in particular.
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is parcel 9400111798643261622439?",
        None,
        now,
    );
    match &outcome {
        Outcome::Reply {
            text,
            situation,
            facts,
            ..
        } => {
            assert_eq!(situation, "tracking/parcel_status");
            assert!(
                text.contains("in transit") && text.contains("USPS"),
                "{text}"
            );
            for order_fact in ["#1001", "Linen Wrap Dress", "jane@example.com"] {
                assert!(!text.contains(order_fact), "told {order_fact}:\n{text}");
            }
            assert!(facts.orders.is_empty() && facts.shipments.is_empty());
            assert_eq!(facts.parcels.len(), 1);
        }
        other => panic!("expected the parcel's status, got {other:?}"),
    }
    // Other intents still need the sender.
    let outcome = answer(
        &responder,
        Intent::Return,
        "return parcel 9400111798643261622439",
        None,
        now,
    );
    assert_eq!(outcome.situation(), Some("common/verify_identity"));
    // A carrier exception on a bare number goes to a person, like any other. (A bare 10-digit
    // run is phone-shaped, so the message has to say it is a tracking number.)
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is my DHL tracking number 7465097080",
        None,
        now,
    );
    assert_eq!(
        outcome.handoff_reason().map(|r| r.code()),
        Some("policy_requires_human")
    );
}

#[test]
fn a_shipment_without_a_tracking_number_is_never_called_not_shipped() {
    use deskbot::adapters::{MemoryCarrierTracker, MemoryOrderPlatform};
    use deskbot::respond::facts::{FulfilledItem, Fulfillment, FulfillmentStatus};
    let shop = demo();
    let now = shop.policy.now();
    let mut order = block_on(shop.platform.order_by_number("1002")).unwrap(); // omar, unshipped
    order.fulfillment_status = FulfillmentStatus::Fulfilled;
    order.fulfillments.push(Fulfillment {
        id: "f-no-tracking".into(),
        items: order
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
        shipped_at: Some(now),
        platform_status: None,
        items_known: true,
    });
    let responder = Responder::new(
        model(),
        Arc::new(MemoryOrderPlatform::new(vec![order])),
        Arc::new(MemoryCarrierTracker::new(Vec::new())),
        shop.policy,
        templates(),
    );
    for intent in [Intent::Tracking, Intent::MissingItem] {
        let outcome = answer(
            &responder,
            intent,
            "where is it",
            Some("omar@example.com"),
            now,
        );
        assert_eq!(
            outcome.handoff_reason().map(|r| r.name()),
            Some("shipped_without_tracking"),
            "{intent}: {outcome:?}"
        );
    }
}

#[test]
fn a_parcel_whose_carrier_is_not_configured_is_handed_off_as_untracked() {
    use deskbot::adapters::CarrierRouter;
    let shop = demo();
    let now = shop.policy.now();
    let responder = Responder::new(
        model(),
        Arc::new(shop.platform),
        Arc::new(CarrierRouter::new(Vec::new(), None)),
        shop.policy,
        templates(),
    );
    let outcome = answer(
        &responder,
        Intent::Tracking,
        "where is my dress",
        Some("jane@example.com"),
        now,
    );
    match outcome.handoff_reason() {
        Some(HandoffReason::UntrackedCarrier {
            carrier,
            tracking_number,
        }) => {
            assert_eq!(
                (carrier.as_str(), tracking_number.as_str()),
                ("USPS", "9400111798643261622439")
            );
        }
        other => panic!("expected untracked_carrier, got {other:?}"),
    }
    assert!(outcome.reply_text().is_none(), "no reply is made up");
}
