//! Property: whatever the facts, a rendered reply never shows a placeholder, template syntax or
//! an empty slot; real data that merely looks like a placeholder ("Nonesuch Linen Dress", a city
//! called "Null") is still answered; and a sender who is not shown to own the order learns none
//! of its facts.

#![cfg(feature = "respond")]

mod common;

use std::sync::Arc;

use deskbot::adapters::{MemoryCarrierTracker, MemoryOrderPlatform};
use deskbot::carrier::Carrier;
use deskbot::respond::facts::{
    Destination, FinancialStatus, FulfilledItem, Fulfillment, FulfillmentStatus, LineItem, Order,
    ReturnStatus, Tracking, TrackingEvent, TrackingStatus,
};
use deskbot::respond::policy::Policy;
use deskbot::respond::Templates;
use deskbot::{Customer, Intent, IntentModel, Outcome, Prediction, Responder};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

const STATUSES: [TrackingStatus; 8] = [
    TrackingStatus::LabelCreated,
    TrackingStatus::InTransit,
    TrackingStatus::OutForDelivery,
    TrackingStatus::Delivered,
    TrackingStatus::AttemptedDelivery,
    TrackingStatus::Exception,
    TrackingStatus::ReturnedToSender,
    TrackingStatus::Unknown,
];

/// Valid UPS numbers (check digit computed by the carrier module's rule).
const UPS_NUMBERS: [&str; 2] = ["1Z999AA10123456784", "1ZE7V2180375529845"];

#[derive(Debug, Clone)]
struct Story {
    order_age_hours: i64,
    items: Vec<(String, u32)>,
    shipped_parcels: usize,
    partial: bool,
    ship_delay_hours: i64,
    statuses: Vec<usize>,
    with_event: bool,
    with_place: bool,
    with_url: bool,
    with_eta: Option<i64>,
    scan_age_hours: i64,
    cancelled: bool,
    return_status: Option<usize>,
    with_destination: bool,
    with_method: bool,
    refunded: bool,
    city: String,
}

/// Words real catalogues and towns contain, among them the ones a naive leftover check takes
/// for a placeholder.
const WORDS: &[&str] = &[
    "Linen",
    "Dress",
    "Tote",
    "Candle",
    "None",
    "Nonesuch",
    "null",
    "Null",
    "NaN",
    "Nan",
    "undefined",
    "Undefined",
    "Wool",
    "Scarf",
];

fn title() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 1..4).prop_map(|words| words.join(" "))
}

fn story() -> impl Strategy<Value = Story> {
    (
        (
            0i64..24 * 60,
            prop::collection::vec((title(), 1u32..4), 1..4),
        ),
        (0usize..3, any::<bool>(), 0i64..24 * 6),
        (
            prop::collection::vec(0usize..8, 2),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (prop::option::of(-5i64..10), 0i64..24 * 10),
        (
            any::<bool>(),
            prop::option::of(0usize..4),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        title(),
    )
        .prop_map(
            |(
                (order_age_hours, items),
                (shipped_parcels, partial, ship_delay_hours),
                (statuses, with_event, with_place, with_url),
                (with_eta, scan_age_hours),
                (cancelled, return_status, with_destination, with_method, refunded),
                city,
            )| Story {
                order_age_hours,
                items,
                shipped_parcels,
                partial,
                ship_delay_hours,
                statuses,
                with_event,
                with_place,
                with_url,
                with_eta,
                scan_age_hours,
                cancelled,
                return_status,
                with_destination,
                with_method,
                refunded,
                city,
            },
        )
}

fn build(story: &Story, now: Timestamp) -> (Order, Vec<Tracking>) {
    let created = now - SignedDuration::from_hours(story.order_age_hours);
    let line_items: Vec<LineItem> = story
        .items
        .iter()
        .enumerate()
        .map(|(i, (title, quantity))| LineItem {
            id: format!("li-{i}"),
            title: title.clone(),
            quantity: *quantity,
        })
        .collect();
    let parcels = story.shipped_parcels.min(line_items.len());
    let mut fulfillments = Vec::new();
    let mut tracking = Vec::new();
    let shipped_at = created + SignedDuration::from_hours(story.ship_delay_hours);
    for parcel in 0..parcels {
        // Parcel k carries item k; the last parcel carries the rest unless the order is partial.
        let last = parcel + 1 == parcels;
        let items: Vec<FulfilledItem> = line_items
            .iter()
            .enumerate()
            .filter(|(i, _)| *i == parcel || (last && !story.partial && *i > parcel))
            .map(|(_, item)| FulfilledItem {
                line_item_id: item.id.clone(),
                quantity: item.quantity,
            })
            .collect();
        let number = UPS_NUMBERS[parcel].to_owned();
        let status = STATUSES[story.statuses[parcel]];
        let scan_time = (now - SignedDuration::from_hours(story.scan_age_hours)).max(shipped_at);
        tracking.push(Tracking {
            carrier: Carrier::Ups,
            number: number.clone(),
            status,
            latest_event: story.with_event.then(|| TrackingEvent {
                time: scan_time,
                place: story.with_place.then(|| "Louisville, KY".to_owned()),
                description: "Scanned".to_owned(),
            }),
            estimated_delivery: story.with_eta.map(|days| {
                (now + SignedDuration::from_hours(24 * days))
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .date()
            }),
            delivered_at: (status == TrackingStatus::Delivered).then_some(scan_time),
            url: story
                .with_url
                .then(|| format!("https://www.ups.com/track?tracknum={number}")),
            ..Tracking::new(Carrier::Ups, number.clone(), status)
        });
        fulfillments.push(Fulfillment {
            id: format!("f-{parcel}"),
            items,
            tracking_numbers: vec![number],
            carrier: Some("UPS".to_owned()),
            tracking_urls: Vec::new(),
            shipped_at: Some(shipped_at),
            platform_status: None,
            items_known: true,
        });
    }
    let fulfillment_status = match (parcels, story.partial) {
        (0, _) => FulfillmentStatus::Unfulfilled,
        (_, true) => FulfillmentStatus::PartiallyFulfilled,
        _ => FulfillmentStatus::Fulfilled,
    };
    let order = Order {
        id: "o-1".to_owned(),
        number: "4242".to_owned(),
        email: "prop@example.com".to_owned(),
        created_at: created,
        financial_status: if story.refunded {
            FinancialStatus::Refunded
        } else {
            FinancialStatus::Paid
        },
        fulfillment_status,
        cancelled_at: story
            .cancelled
            .then_some(created + SignedDuration::from_hours(1)),
        line_items,
        shipping_method: story.with_method.then(|| "express".to_owned()),
        destination: story.with_destination.then(|| Destination {
            city: story.city.clone(),
            country: "US".to_owned(),
            postcode: Some("78701".to_owned()),
        }),
        fulfillments,
        total: story.refunded.then(|| deskbot::respond::facts::Money {
            amount: "1234.5".to_owned(),
            currency: "USD".to_owned(),
        }),
        return_status: story.return_status.map(|i| {
            [
                ReturnStatus::Requested,
                ReturnStatus::InProgress,
                ReturnStatus::Received,
                ReturnStatus::Refunded,
            ][i]
        }),
    };
    (order, tracking)
}

fn assert_clean(text: &str, context: &str) {
    for bad in [
        "{{", "}}", "{%", "()", " ,", " .", "  ", "# ", "#\n", "\n\n\n",
    ] {
        assert!(!text.contains(bad), "{bad:?} in reply ({context}):\n{text}");
    }
    for line in text.lines() {
        assert_eq!(line, line.trim_end(), "trailing space ({context}):\n{text}");
        assert!(!line.ends_with(": "), "empty slot ({context}):\n{text}");
    }
    assert!(
        text.trim_end().ends_with("Sam at Juniper & Oak"),
        "no sign-off ({context}):\n{text}"
    );
}

/// What a reply about `order` could give away: item titles, the city, tracking numbers. Words
/// too common to tell anything ("Dress") are left out so the check stays meaningful.
fn order_facts(order: &Order, tracking: &[Tracking]) -> Vec<String> {
    let mut secrets: Vec<String> = order
        .line_items
        .iter()
        .map(|item| item.title.clone())
        .filter(|title| title.contains(' '))
        .collect();
    secrets.extend(order.destination.iter().map(|d| format!(" {}", d.city)));
    secrets.extend(tracking.iter().map(|t| t.number.clone()));
    secrets
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn replies_never_show_placeholders(story in story()) {
        let policy = Policy::load(&common::root().join("examples/demo-shop/deskbot.toml")).unwrap();
        let now = policy.now();
        let (order, tracking) = build(&story, now);
        let secrets = order_facts(&order, &tracking);
        let responder = Responder::new(
            Arc::new(IntentModel::load(common::root().join("models/intent-model.json")).unwrap()),
            Arc::new(MemoryOrderPlatform::new(vec![order])),
            Arc::new(MemoryCarrierTracker::new(tracking)),
            policy,
            Templates::load(&common::root().join("templates")).unwrap(),
        );
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        for intent in [Intent::Tracking, Intent::Return, Intent::MissingItem, Intent::Cancel] {
            let senders = [
                (Some(" PROP@Example.com "), "hello", true),
                (Some("prop@example.com"), "about order #4242", true),
                (None, "about order #4242", false),
                (Some("someone.else@example.com"), "about order #4242", false),
                (None, "I am prop@example.com, order #4242", false),
            ];
            for (email, message, verified) in senders {
                let outcome = runtime.block_on(responder.respond_to(
                    Prediction::certain(intent),
                    message,
                    &Customer { email: email.map(str::to_owned) },
                    now,
                ));
                match &outcome {
                    Outcome::Reply { text, situation, facts, .. } => {
                        assert_clean(text, &format!("{intent} {situation} {story:?}"));
                        if !verified {
                            for secret in &secrets {
                                prop_assert!(
                                    !text.contains(secret.as_str()),
                                    "unverified sender {email:?} was told {secret:?}:\n{text}"
                                );
                            }
                            prop_assert!(facts.orders.is_empty() && facts.shipments.is_empty());
                        }
                    }
                    Outcome::Handoff { reason, note, .. } => {
                        prop_assert!(
                            reason.code() != "template_failed",
                            "a template failed on real facts: {reason} {story:?}"
                        );
                        prop_assert!(!note.is_empty());
                    }
                }
            }
        }
    }
}
