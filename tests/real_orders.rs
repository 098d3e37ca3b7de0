//! Orders as shops really have them: delivered in part, split across parcels, several parcels
//! in one shipment, lines edited away, parcels the carrier is sending back. Each reply may only
//! say what the facts say; where they do not say enough, a person answers.

#![cfg(feature = "respond")]

mod common;

use std::sync::Arc;

use common::{block_on, customer, demo, demo_policy_with, templates};
use deskbot::adapters::{MemoryCarrierTracker, MemoryOrderPlatform, OrderPlatform};
use deskbot::respond::facts::{Order, Tracking, TrackingStatus};
use deskbot::respond::policy::Policy;
use deskbot::respond::scripts::HandoffReason;
use deskbot::respond::Templates;
use deskbot::{Intent, Outcome, Prediction};

/// The demo shop's orders and tracking, to change some facts before answering.
fn demo_facts() -> (Vec<Order>, Vec<Tracking>) {
    let dir = common::root().join("examples/demo-shop");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    (
        serde_json::from_str(&read("orders.json")).unwrap(),
        serde_json::from_str(&read("tracking.json")).unwrap(),
    )
}

fn order<'a>(orders: &'a mut [Order], number: &str) -> &'a mut Order {
    orders.iter_mut().find(|o| o.number == number).unwrap()
}

fn parcel<'a>(tracking: &'a mut [Tracking], number: &str) -> &'a mut Tracking {
    tracking.iter_mut().find(|t| t.number == number).unwrap()
}

/// What the demo shop, with these facts, policy and templates, does with `message`.
fn answer_from(
    platform: Arc<MemoryOrderPlatform>,
    tracking: Vec<Tracking>,
    policy: Policy,
    templates: Templates,
    intent: Intent,
    message: &str,
    email: Option<&str>,
) -> Outcome {
    let now = policy.now();
    let answerer = deskbot::respond::Answerer::new(
        platform,
        Arc::new(MemoryCarrierTracker::new(tracking)),
        policy,
        templates,
    );
    block_on(answerer.respond_to(Prediction::certain(intent), message, &customer(email), now))
}

fn answer(
    orders: Vec<Order>,
    tracking: Vec<Tracking>,
    intent: Intent,
    message: &str,
    email: &str,
) -> Outcome {
    answer_from(
        Arc::new(MemoryOrderPlatform::new(orders)),
        tracking,
        demo().policy,
        templates(),
        intent,
        message,
        Some(email),
    )
}

/// What the demo shop, with these facts, answers `email` for each of `asks`.
fn answer_each(
    orders: &[Order],
    tracking: &[Tracking],
    email: &str,
    asks: &[(Intent, &str)],
) -> Vec<(Intent, Outcome)> {
    let answer_one = |&(intent, message): &(Intent, &str)| {
        let outcome = answer(orders.to_vec(), tracking.to_vec(), intent, message, email);
        (intent, outcome)
    };
    asks.iter().map(answer_one).collect()
}

fn handoff_name(outcome: &Outcome) -> Option<&'static str> {
    outcome.handoff_reason().map(HandoffReason::name)
}

fn text(outcome: &Outcome) -> &str {
    outcome
        .reply_text()
        .unwrap_or_else(|| panic!("expected a reply, got {outcome:?}"))
}

/// Lucas's #1011: the jacket and overshirt delivered by UPS, the belt in transit with USPS.
const BELT: &str = "9400111104639405802109";

#[test]
fn a_return_for_an_order_delivered_in_part_is_handed_off() {
    let (orders, tracking) = demo_facts();
    let outcome = answer(
        orders.clone(),
        tracking.clone(),
        Intent::Return,
        "I want to return the jacket",
        "lucas@example.com",
    );
    // "Order #1011 hasn't been delivered yet" would be false for the jacket.
    assert_eq!(
        handoff_name(&outcome),
        Some("partly_delivered"),
        "{outcome:?}"
    );
    // Every parcel delivered, but a line never shipped: not "not shipped yet" either.
    let (mut orders, mut tracking) = (orders, tracking);
    let belt = parcel(&mut tracking, BELT);
    belt.status = TrackingStatus::Delivered;
    belt.delivered_at = Some("2026-11-19T18:00:00Z".parse().unwrap());
    order(&mut orders, "1011")
        .line_items
        .push(deskbot::respond::facts::LineItem {
            id: "li-1011-4".into(),
            title: "Wool Scarf".into(),
            quantity: 1,
        });
    let outcome = answer(
        orders,
        tracking,
        Intent::Return,
        "return please",
        "lucas@example.com",
    );
    assert_eq!(
        handoff_name(&outcome),
        Some("partly_delivered"),
        "{outcome:?}"
    );
}

#[test]
fn a_return_or_cancel_for_a_parcel_in_trouble_is_handed_off() {
    for (status, rule) in [
        (TrackingStatus::ReturnedToSender, "returned_to_sender"),
        (TrackingStatus::Exception, "carrier_exception"),
        (TrackingStatus::Unknown, "unknown_carrier_status"),
    ] {
        let (orders, mut tracking) = demo_facts();
        // Jane's dress.
        parcel(&mut tracking, "9400111798643261622439").status = status;
        let asks = [
            (Intent::Return, "I want to return the dress"),
            (Intent::Cancel, "please cancel my order"),
        ];
        for (intent, outcome) in answer_each(&orders, &tracking, "jane@example.com", &asks) {
            assert_eq!(handoff_name(&outcome), Some(rule), "{intent}: {outcome:?}");
        }
    }
}

#[test]
fn cancelling_a_delivered_order_gives_the_return_answer_not_a_closed_return_path() {
    let (orders, tracking) = demo_facts();
    // Sofia's #1007 was delivered five weeks ago: its return window has closed.
    let outcome = answer(
        orders.clone(),
        tracking.clone(),
        Intent::Cancel,
        "please cancel my order",
        "sofia@example.com",
    );
    assert_eq!(
        outcome.situation(),
        Some("return/outside_window"),
        "{outcome:?}"
    );
    assert!(!text(&outcome).contains("Once it arrives"));
    // Chen's #1006, delivered yesterday: the window is open, with its real deadline.
    let outcome = answer(
        orders,
        tracking,
        Intent::Cancel,
        "please cancel my order",
        "chen@example.com",
    );
    assert_eq!(
        outcome.situation(),
        Some("return/within_window"),
        "{outcome:?}"
    );
}

#[test]
fn a_parcel_of_a_split_order_gives_no_estimate_that_has_passed() {
    let (orders, mut tracking) = demo_facts();
    parcel(&mut tracking, BELT).estimated_delivery = Some("2026-11-17".parse().unwrap());
    let asks = [
        (Intent::Tracking, "where is my stuff"),
        (Intent::MissingItem, "only part of my order came"),
    ];
    for (_, outcome) in answer_each(&orders, &tracking, "lucas@example.com", &asks) {
        let reply = text(&outcome);
        assert!(reply.contains("Leather Belt — in transit"), "{reply}");
        assert!(!reply.contains("November 17"), "{reply}");
    }
    // Asked about by number alone, from no known sender.
    let outcome = answer_from(
        Arc::new(MemoryOrderPlatform::new(orders)),
        tracking,
        demo().policy,
        templates(),
        Intent::Tracking,
        &format!("where is {BELT}"),
        None,
    );
    assert_eq!(outcome.situation(), Some("tracking/parcel_status"));
    assert!(!text(&outcome).contains("November 17"), "{outcome:?}");
}

#[test]
fn a_parcel_of_a_split_order_out_for_delivery_days_ago_is_stale() {
    let (orders, mut tracking) = demo_facts();
    let belt = parcel(&mut tracking, BELT);
    belt.status = TrackingStatus::OutForDelivery;
    belt.latest_event.as_mut().unwrap().time = "2026-11-17T06:55:00Z".parse().unwrap();
    let asks = [
        (Intent::Tracking, "where is my stuff"),
        (Intent::MissingItem, "only part of my order came"),
    ];
    for (intent, outcome) in answer_each(&orders, &tracking, "lucas@example.com", &asks) {
        assert_eq!(
            handoff_name(&outcome),
            Some("stale_facts"),
            "{intent}: {outcome:?}"
        );
    }
}

#[test]
fn parcels_of_one_shipment_are_not_each_said_to_hold_all_its_items() {
    let (mut orders, mut tracking) = demo_facts();
    // Chen's shipment went out as two UPS boxes: one delivered, one still moving.
    let second = "1ZE7V2180375529845";
    order(&mut orders, "1006").fulfillments[0]
        .tracking_numbers
        .push(second.into());
    parcel(&mut tracking, second)
        .latest_event
        .as_mut()
        .unwrap()
        .time = "2026-11-19T06:55:00Z".parse().unwrap();
    let outcome = answer(
        orders,
        tracking,
        Intent::Tracking,
        "where is my order",
        "chen@example.com",
    );
    let reply = text(&outcome);
    assert!(
        !reply.contains("Parcel 1: Chunky Knit Throw and Linen Cushion Cover —"),
        "{reply}"
    );
    assert!(
        reply.contains("Parcel 2: part of Chunky Knit Throw and Linen Cushion Cover —"),
        "{reply}"
    );
}

#[test]
fn lines_edited_away_are_not_listed_and_an_order_of_none_is_handed_off() {
    let (mut orders, tracking) = demo_facts();
    // Omar's sweater was taken off the order; the beanies remain.
    order(&mut orders, "1002").line_items[0].quantity = 0;
    let asks = [
        (Intent::Tracking, "where is my order"),
        (Intent::Cancel, "cancel my order"),
    ];
    for (_, outcome) in answer_each(&orders, &tracking, "omar@example.com", &asks) {
        let reply = text(&outcome);
        assert!(!reply.contains("Merino Crew Sweater"), "{reply}");
        assert!(reply.contains("Ribbed Wool Beanie"), "{reply}");
    }
    for lines in [0, 1] {
        let mut orders = orders.clone();
        let omar = order(&mut orders, "1002");
        if lines == 0 {
            omar.line_items.clear();
        } else {
            omar.line_items[1].quantity = 0;
        }
        for intent in [Intent::Tracking, Intent::Cancel, Intent::Return] {
            let outcome = answer(
                orders.clone(),
                tracking.clone(),
                intent,
                "about my order",
                "omar@example.com",
            );
            assert_eq!(
                handoff_name(&outcome),
                Some("no_line_items"),
                "{intent}: {outcome:?}"
            );
        }
    }
}

#[test]
fn a_cancel_whose_reply_cannot_render_is_not_performed() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_templates(dir.path());
    std::fs::write(
        dir.path().join("cancel/cancelled.tera"),
        "Hi, order #{{ order_number }} is cancelled; {{ refund_amount }} is on its way back.\n",
    )
    .unwrap();
    let (orders, tracking) = demo_facts();
    let platform = Arc::new(MemoryOrderPlatform::new(orders));
    let outcome = answer_from(
        platform.clone(),
        tracking,
        demo_policy_with("mode = \"request\"", "mode = \"perform\""),
        Templates::load(dir.path()).unwrap(),
        Intent::Cancel,
        "cancel my order",
        Some("omar@example.com"),
    );
    assert_eq!(
        handoff_name(&outcome),
        Some("template_failed"),
        "{outcome:?}"
    );
    // The person taking over finds the order as the note describes it: not cancelled.
    let omar = block_on(platform.order_by_number("1002")).unwrap();
    assert_eq!(omar.cancelled_at, None);
}

#[test]
fn a_missing_item_from_an_order_delivered_in_several_parcels_is_a_claim() {
    let (orders, mut tracking) = demo_facts();
    // Lucas's belt arrived today; the jacket and overshirt two days ago.
    let belt = parcel(&mut tracking, BELT);
    belt.status = TrackingStatus::Delivered;
    belt.delivered_at = Some("2026-11-20T14:00:00Z".parse().unwrap());
    belt.latest_event.as_mut().unwrap().time = "2026-11-20T14:00:00Z".parse().unwrap();
    let outcome = answer(
        orders,
        tracking,
        Intent::MissingItem,
        "my jacket never came",
        "lucas@example.com",
    );
    // Not "UPS/USPS shows order #1011 (all three items) as delivered today": which parcel is
    // missing is not known, and each has its own date.
    assert_eq!(handoff_name(&outcome), Some("claim"), "{outcome:?}");
}

#[test]
fn a_delivered_parcel_of_a_split_order_is_given_no_estimate() {
    let (orders, mut tracking) = demo_facts();
    // The jacket's parcel: delivered, no date given, an estimate left over.
    let jacket = parcel(&mut tracking, "1ZE7V2180374041202");
    jacket.delivered_at = None;
    jacket.estimated_delivery = Some("2026-11-23".parse().unwrap());
    let outcome = answer(
        orders,
        tracking,
        Intent::Tracking,
        "where is my stuff",
        "lucas@example.com",
    );
    let reply = text(&outcome);
    assert!(!reply.contains("delivered, estimated"), "{reply}");
}

#[test]
fn a_parcel_the_carrier_delivered_elsewhere_is_not_said_delivered_in_the_order_city() {
    let (orders, mut tracking) = demo_facts();
    // Chen's parcel: the order ships to Portland; UPS's delivery scan is in Vancouver, WA.
    parcel(&mut tracking, "1ZE7V2180355089359")
        .latest_event
        .as_mut()
        .unwrap()
        .place = Some("Vancouver, WA".into());
    let asks = [
        (Intent::Tracking, "where is my order"),
        (Intent::MissingItem, "it never arrived"),
    ];
    for (intent, outcome) in answer_each(&orders, &tracking, "chen@example.com", &asks) {
        let reply = text(&outcome);
        assert!(!reply.contains("Portland"), "{intent}: {reply}");
    }
    // Where the carrier's scan names the order's city, the city is said.
    let (orders, tracking) = demo_facts();
    let outcome = answer(
        orders,
        tracking,
        Intent::Tracking,
        "where is my order",
        "chen@example.com",
    );
    assert!(text(&outcome).contains("in Portland"), "{outcome:?}");
}

#[test]
fn a_message_naming_two_orders_is_handed_off_and_neither_is_cancelled() {
    let (orders, tracking) = demo_facts();
    let platform = Arc::new(MemoryOrderPlatform::new(orders));
    let ask = |message: &str| {
        answer_from(
            platform.clone(),
            tracking.clone(),
            demo_policy_with("mode = \"request\"", "mode = \"perform\""),
            templates(),
            Intent::Cancel,
            message,
            Some("omar@example.com"),
        )
    };
    // One reply answers for one order: "#1002 is cancelled" would read as if both were.
    let outcome = ask("please cancel #1002 and #1005, I ordered twice by mistake");
    assert_eq!(
        handoff_name(&outcome),
        Some("several_orders_named"),
        "{outcome:?}"
    );
    assert_eq!(
        block_on(platform.order_by_number("1002"))
            .unwrap()
            .cancelled_at,
        None
    );
    // The same request for one order goes ahead.
    let outcome = ask("please cancel #1002, I ordered twice by mistake");
    assert!(matches!(outcome, Outcome::Reply { .. }), "{outcome:?}");
    assert!(block_on(platform.order_by_number("1002"))
        .unwrap()
        .cancelled_at
        .is_some());
}

#[test]
fn a_return_for_an_order_refunded_without_a_return_goes_to_a_person() {
    let (mut orders, tracking) = demo_facts();
    // Emma's order, refunded in full; here with no return on record (a refund for a parcel
    // lost in the post, say).
    order(&mut orders, "1012").return_status = None;
    let outcome = answer(
        orders.clone(),
        tracking.clone(),
        Intent::Return,
        "how do I send back order #1012?",
        "emma@example.com",
    );
    // Not "start your return within 30 days": the money is already back.
    assert_eq!(
        handoff_name(&outcome),
        Some("refunded_order"),
        "{outcome:?}"
    );
    // Paid, the same order gets the return answer.
    order(&mut orders, "1012").financial_status = deskbot::respond::facts::FinancialStatus::Paid;
    let outcome = answer(
        orders,
        tracking,
        Intent::Return,
        "how do I send back order #1012?",
        "emma@example.com",
    );
    assert!(matches!(outcome, Outcome::Reply { .. }), "{outcome:?}");
}

#[test]
fn an_order_shipped_in_part_is_not_said_to_be_in_several_parcels() {
    // #1011 with only the UPS parcel (jacket and overshirt, delivered) sent: the belt has not
    // shipped, so there is one parcel, not several.
    let (mut orders, tracking) = demo_facts();
    order(&mut orders, "1011")
        .fulfillments
        .retain(|f| !f.tracking_numbers.iter().any(|n| n == BELT));
    for (intent, situation) in [
        (Intent::MissingItem, "missing_item/split_shipment"),
        (Intent::Tracking, "tracking/several_shipments"),
    ] {
        let outcome = answer(
            orders.clone(),
            tracking.clone(),
            intent,
            "only part of my order came, where is the rest?",
            "lucas@example.com",
        );
        assert_eq!(outcome.situation(), Some(situation), "{outcome:?}");
        let reply = text(&outcome);
        assert!(!reply.contains("several parcels"), "{reply}");
        assert!(
            reply.contains("Only part of your order #1011 has shipped so far"),
            "{reply}"
        );
        assert!(
            reply.contains("- Parcel 1: Denim Chore Jacket and Flannel Overshirt — delivered"),
            "{reply}"
        );
        assert!(reply.contains("- Not shipped yet: Leather Belt"), "{reply}");
        assert!(!reply.contains("Parcel 2"), "{reply}");
    }
    // Both parcels shipped: several parcels it is.
    let (orders, tracking) = demo_facts();
    let outcome = answer(
        orders,
        tracking,
        Intent::MissingItem,
        "only part of my order came",
        "lucas@example.com",
    );
    let reply = text(&outcome);
    assert!(
        reply.contains("Your order #1011 was split into several parcels"),
        "{reply}"
    );
    assert!(
        reply.contains("- Parcel 2: Leather Belt — in transit"),
        "{reply}"
    );
}

#[test]
fn an_order_not_paid_for_gets_no_ships_by_date() {
    use deskbot::respond::facts::FinancialStatus;
    // Omar's #1002, placed the day before and not shipped: paid, it "ships by Monday".
    let ask = |status: FinancialStatus, policy: Policy| {
        let (mut orders, tracking) = demo_facts();
        order(&mut orders, "1002").financial_status = status;
        answer_from(
            Arc::new(MemoryOrderPlatform::new(orders)),
            tracking,
            policy,
            templates(),
            Intent::Tracking,
            "where is my order?",
            Some("omar@example.com"),
        )
    };
    for status in [
        FinancialStatus::Paid,
        FinancialStatus::Authorized,
        FinancialStatus::PartiallyRefunded,
    ] {
        let outcome = ask(status, demo().policy);
        assert_eq!(
            outcome.situation(),
            Some("tracking/not_shipped_yet"),
            "{status:?}: {outcome:?}"
        );
    }
    // It ships once paid, and when that will be is not known.
    for (status, rule) in [
        (FinancialStatus::Pending, "unpaid_order"),
        (FinancialStatus::Voided, "unpaid_order"),
        (FinancialStatus::Unknown, "unpaid_order"),
        (FinancialStatus::Refunded, "refunded_order"),
    ] {
        let outcome = ask(status, demo().policy);
        assert_eq!(
            handoff_name(&outcome),
            Some(rule),
            "{status:?}: {outcome:?}"
        );
    }
    // A shop that ships before payment (cash on delivery) says so in its policy.
    let cash_on_delivery = demo_policy_with(
        "ships_awaiting_payment = false",
        "ships_awaiting_payment = true",
    );
    let outcome = ask(FinancialStatus::Pending, cash_on_delivery.clone());
    assert_eq!(
        outcome.situation(),
        Some("tracking/not_shipped_yet"),
        "{outcome:?}"
    );
    // Even then a voided payment is not one it ships on.
    let outcome = ask(FinancialStatus::Voided, cash_on_delivery);
    assert_eq!(handoff_name(&outcome), Some("unpaid_order"), "{outcome:?}");
}
