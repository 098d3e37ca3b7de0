//! Conformance suites shared by every adapter implementation.
//!
//! Each suite takes an implementation seeded with the fixture from this module (the in-memory
//! adapters directly; the vendor adapters through a loopback server playing the vendor API) and
//! panics with a message naming the broken rule. Run them from tests:
//!
//! ```no_run
//! # async fn demo() {
//! use deskbot::adapters::{conformance, MemoryOrderPlatform};
//! conformance::order_platform(&MemoryOrderPlatform::new(conformance::fixture_orders())).await;
//! # }
//! ```

use jiff::Timestamp;

use super::helpdesk::DeliveryMark;
use super::{AdapterError, CarrierTracker, HandoffNote, HelpDesk, OrderPlatform};
use crate::carrier::Carrier;
use crate::respond::facts::{
    FinancialStatus, FulfilledItem, Fulfillment, FulfillmentStatus, LineItem, Order, Tracking,
    TrackingEvent, TrackingStatus,
};

/// Customer with two orders in the fixture.
pub const TWO_ORDER_CUSTOMER: &str = "pat@example.com";
/// A UPS number known to the fixture carrier.
pub const KNOWN_UPS_NUMBER: &str = "1Z999AA10123456784";

fn at(rfc3339: &str) -> Timestamp {
    rfc3339.parse().expect("fixture timestamps are valid")
}

fn order(number: &str, email: &str, created: &str) -> Order {
    Order {
        id: format!("id-{number}"),
        number: number.to_owned(),
        email: email.to_owned(),
        created_at: at(created),
        financial_status: FinancialStatus::Paid,
        fulfillment_status: FulfillmentStatus::Unfulfilled,
        cancelled_at: None,
        line_items: vec![LineItem {
            id: format!("li-{number}"),
            title: "Canvas Tote".to_owned(),
            quantity: 1,
        }],
        shipping_method: Some("standard".to_owned()),
        destination: None,
        fulfillments: Vec::new(),
        return_status: None,
        total: None,
    }
}

/// Orders every platform suite expects: two for [`TWO_ORDER_CUSTOMER`] (500 older than 501), one
/// shipped with [`KNOWN_UPS_NUMBER`] for another customer.
pub fn fixture_orders() -> Vec<Order> {
    // Stored as some platforms keep what customers typed: mixed case, a stray space.
    let mut shipped = order("502", " Kim@Example.com", "2026-03-03T09:00:00Z");
    shipped.fulfillment_status = FulfillmentStatus::Fulfilled;
    shipped.fulfillments.push(Fulfillment {
        id: "f-502".to_owned(),
        items: vec![FulfilledItem {
            line_item_id: "li-502".to_owned(),
            quantity: 1,
        }],
        tracking_numbers: vec![KNOWN_UPS_NUMBER.to_owned()],
        carrier: Some("UPS".to_owned()),
        tracking_urls: Vec::new(),
        shipped_at: Some(at("2026-03-04T12:00:00Z")),
        platform_status: None,
        items_known: true,
    });
    vec![
        order("500", TWO_ORDER_CUSTOMER, "2026-03-01T09:00:00Z"),
        order("501", TWO_ORDER_CUSTOMER, "2026-03-02T09:00:00Z"),
        shipped,
    ]
}

/// Shipments every carrier suite expects.
pub fn fixture_tracking() -> Vec<Tracking> {
    vec![Tracking {
        carrier: Carrier::Ups,
        number: KNOWN_UPS_NUMBER.to_owned(),
        status: TrackingStatus::InTransit,
        latest_event: Some(TrackingEvent {
            time: at("2026-03-05T08:00:00Z"),
            place: Some("Louisville, KY".to_owned()),
            description: "Departed from facility".to_owned(),
        }),
        estimated_delivery: Some("2026-03-07".parse().expect("valid date")),
        delivered_at: None,
        url: None,
        ..Tracking::new(Carrier::Ups, KNOWN_UPS_NUMBER, TrackingStatus::InTransit)
    }]
}

/// The [`OrderPlatform`] contract, on a platform holding [`fixture_orders`].
pub async fn order_platform(platform: &dyn OrderPlatform) {
    let name = platform.name();
    for written in ["501", "#501", " #501 "] {
        let found = platform
            .order_by_number(written)
            .await
            .unwrap_or_else(|e| panic!("{name}: order_by_number({written:?}) failed: {e}"));
        assert_eq!(found.number, "501", "{name}: number is stored without '#'");
    }
    match platform.order_by_number("999999").await {
        Err(AdapterError::NotFound { .. }) => {}
        other => panic!("{name}: an unknown order must be NotFound, got {other:?}"),
    }
    let orders = platform
        .recent_orders_by_email(TWO_ORDER_CUSTOMER, 10)
        .await
        .unwrap_or_else(|e| panic!("{name}: recent_orders_by_email failed: {e}"));
    let numbers: Vec<&str> = orders.iter().map(|o| o.number.as_str()).collect();
    assert_eq!(numbers, ["501", "500"], "{name}: newest first");
    let limited = platform
        .recent_orders_by_email(TWO_ORDER_CUSTOMER, 1)
        .await
        .unwrap();
    assert_eq!(limited.len(), 1, "{name}: at most `limit` orders");
    assert_eq!(
        limited[0].number, "501",
        "{name}: the limit keeps the newest"
    );
    let shouted = platform
        .recent_orders_by_email(" KIM@example.COM ", 10)
        .await
        .unwrap();
    assert_eq!(
        shouted.len(),
        1,
        "{name}: e-mail matches ignoring case and surrounding spaces"
    );
    let shipped = &shouted[0];
    assert_eq!(
        shipped.fulfillments.len(),
        1,
        "{name}: fulfillments come with the order"
    );
    assert_eq!(
        shipped.fulfillments[0].tracking_numbers,
        [KNOWN_UPS_NUMBER],
        "{name}: tracking numbers come with the fulfillment"
    );
    let nobody = platform
        .recent_orders_by_email("nobody@example.com", 10)
        .await
        .unwrap_or_else(|e| panic!("{name}: an unknown customer is no error: {e}"));
    assert!(
        nobody.is_empty(),
        "{name}: an unknown customer has no orders"
    );

    let at = at("2026-03-06T10:00:00Z");
    let cancelled = platform
        .cancel_order("#500", at)
        .await
        .unwrap_or_else(|e| panic!("{name}: cancel_order of an unfulfilled order failed: {e}"));
    // The vendor's own clock may stamp the cancellation; it must be stamped.
    assert!(
        cancelled.cancelled_at.is_some(),
        "{name}: cancelled_at is set"
    );
    let again = platform.order_by_number("500").await.unwrap();
    assert!(again.is_cancelled(), "{name}: the cancellation sticks");
    for (number, rule) in [
        ("500", "already cancelled"),
        ("502", "shipped"),
        ("999999", "unknown"),
    ] {
        match platform.cancel_order(number, at).await {
            Err(AdapterError::Invalid { .. }) if rule != "unknown" => {}
            Err(AdapterError::NotFound { .. }) if rule == "unknown" => {}
            other => panic!("{name}: cancelling a {rule} order must fail, got {other:?}"),
        }
    }
}

/// A parcel a carrier's tracker is expected to know, for [`carrier_tracker_for`]: in transit,
/// its latest scan at `place`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownParcel<'a> {
    /// Its carrier.
    pub carrier: Carrier,
    /// Its number, normalised.
    pub number: &'a str,
    /// Where its latest scan was.
    pub place: &'a str,
    /// A number of the same carrier the tracker does not know.
    pub unknown: &'a str,
}

/// The UPS parcel of [`fixture_tracking`].
pub const KNOWN_UPS_PARCEL: KnownParcel<'static> = KnownParcel {
    carrier: Carrier::Ups,
    number: KNOWN_UPS_NUMBER,
    place: "Louisville, KY",
    unknown: "1Z999AA10000000000",
};

/// The [`CarrierTracker`] contract, on a tracker knowing [`fixture_tracking`].
pub async fn carrier_tracker(tracker: &dyn CarrierTracker) {
    carrier_tracker_for(tracker, &KNOWN_UPS_PARCEL).await
}

/// The [`CarrierTracker`] contract for any carrier, on a tracker knowing `parcel`.
pub async fn carrier_tracker_for(tracker: &dyn CarrierTracker, parcel: &KnownParcel<'_>) {
    let name = tracker.name();
    let carrier = parcel.carrier;
    assert!(
        tracker.supports(&carrier),
        "{name}: the parcel is {}",
        carrier.display_name()
    );
    for written in written_forms(parcel.number) {
        let tracking = tracker
            .track(&carrier, &written)
            .await
            .unwrap_or_else(|e| panic!("{name}: track({written:?}) failed: {e}"));
        assert_eq!(tracking.number, parcel.number, "{name}: normalised number");
        assert_eq!(tracking.carrier, carrier, "{name}: carrier as asked");
        assert_eq!(tracking.status, TrackingStatus::InTransit, "{name}: status");
        let event = tracking.latest_event.as_ref().expect("latest event");
        assert_eq!(event.place.as_deref(), Some(parcel.place), "{name}: place");
    }
    match tracker.track(&carrier, parcel.unknown).await {
        Err(AdapterError::NotFound { .. }) => {}
        other => panic!("{name}: an unknown number must be NotFound, got {other:?}"),
    }
}

/// `number` as people write it: as is, in groups of four with spaces, in groups of three with
/// dashes, in lower case.
fn written_forms(number: &str) -> Vec<String> {
    let grouped = |size: usize, separator: &str| {
        number
            .as_bytes()
            .chunks(size)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>()
            .join(separator)
    };
    vec![
        number.to_owned(),
        grouped(4, " "),
        grouped(3, "-"),
        number.to_ascii_lowercase(),
    ]
}

/// The [`HelpDesk`] contract, on a desk where `open_ticket` exists and `"no-such-ticket"` does
/// not.
pub async fn help_desk(desk: &dyn HelpDesk, open_ticket: &str) {
    let name = desk.name();
    let ticket = desk
        .ticket(open_ticket)
        .await
        .unwrap_or_else(|e| panic!("{name}: ticket({open_ticket}) failed: {e}"));
    assert_eq!(ticket.id, open_ticket, "{name}: the ticket's id");
    let reply_mark = DeliveryMark::new("conformance-reply");
    let note_mark = DeliveryMark::new("conformance-note");
    for mark in [&reply_mark, &note_mark] {
        assert!(
            !desk.delivered(open_ticket, mark).await.unwrap(),
            "{name}: nothing is delivered yet"
        );
    }
    desk.post_public_reply(open_ticket, "Hello from the conformance suite", &reply_mark)
        .await
        .unwrap_or_else(|e| panic!("{name}: post_public_reply failed: {e}"));
    assert!(
        desk.delivered(open_ticket, &reply_mark).await.unwrap(),
        "{name}: a delivered reply is found by its mark"
    );
    assert!(
        !desk.delivered(open_ticket, &note_mark).await.unwrap(),
        "{name}: another mark is not found"
    );
    let mut note = HandoffNote::new("conformance handoff", vec!["deskbot".to_owned()]);
    // Zendesk and Gorgias route by numeric group/team id (`[routing]` is checked for it).
    note.group = Some("360000001".to_owned());
    desk.hand_off(open_ticket, &note, &note_mark)
        .await
        .unwrap_or_else(|e| panic!("{name}: hand_off failed: {e}"));
    assert!(
        desk.delivered(open_ticket, &note_mark).await.unwrap(),
        "{name}: a delivered note is found by its mark"
    );
    let unknown = "no-such-ticket";
    match desk.ticket(unknown).await {
        Err(AdapterError::NotFound { .. }) => {}
        other => panic!("{name}: an unknown ticket must be NotFound, got {other:?}"),
    }
    for result in [
        desk.post_public_reply(unknown, "x", &reply_mark).await,
        desk.hand_off(unknown, &note, &note_mark).await,
    ] {
        match result {
            Err(AdapterError::NotFound { .. }) => {}
            other => panic!("{name}: an unknown ticket must be NotFound, got {other:?}"),
        }
    }
}
