//! The WooCommerce mapping on documented bodies (see `fixtures/SOURCES.md` for where each comes
//! from), and on the odd shapes shops produce: nulls, numbers as strings, several tracking numbers
//! in one field, tracking kept in meta data or notes.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::mapping::{self, decode_html, WcMeta, WcOrder};
use super::shipments::{self, Parcel, WcNote, WcTrackingItem};
use crate::adapters::http::parse_json;
use crate::adapters::AdapterError;
use crate::respond::facts::{FinancialStatus, FulfillmentStatus, ReturnStatus, TrackingStatus};

const ORDER_727: &str = include_str!("fixtures/order-727.json");
const ORDERS_LIST: &str = include_str!("fixtures/orders-list.json");
const ORDERS_EMPTY: &str = include_str!("fixtures/orders-empty.json");
const ORDER_727_CANCELLED: &str = include_str!("fixtures/order-727-cancelled.json");
const ORDER_NOTES_723: &str = include_str!("fixtures/order-notes-723.json");
const IOS_FULLY_REFUNDED: &str = include_str!("fixtures/ios-order-fully-refunded.json");
const IOS_BROKEN_ORDER: &str = include_str!("fixtures/ios-broken-order.json");
const IOS_TRACKING_MULTIPLE: &str = include_str!("fixtures/ios-shipment-tracking-multiple.json");

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn parse<T: serde::de::DeserializeOwned>(body: &str) -> T {
    parse_json("woocommerce", body.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

/// The vendor body inside the iOS app's `{"data": …}` envelope.
fn unwrap_data(body: &str) -> String {
    let value: Value = serde_json::from_str(body).unwrap();
    value["data"].to_string()
}

fn field_of(error: AdapterError) -> String {
    match error {
        AdapterError::BadResponse { vendor, field, .. } => {
            assert_eq!(vendor, "woocommerce");
            field
        }
        other => panic!("expected BadResponse, got {other:?}"),
    }
}

fn tracking_items() -> Vec<WcTrackingItem> {
    parse(&unwrap_data(IOS_TRACKING_MULTIPLE))
}

#[test]
fn a_shipping_date_is_that_day_in_the_shops_time_zone() {
    // Auckland keeps UTC+13 in February: noon UTC would be the 16th there.
    let auckland = TimeZone::get("Pacific/Auckland").unwrap();
    let parcels = shipments::from_tracking_items(1, &tracking_items()[..1], &auckland);
    let shipped = parcels[0].shipped_at.unwrap();
    assert_eq!(shipped, at("2019-02-14T23:00:00Z"));
    assert_eq!(shipped.to_zoned(auckland).date().to_string(), "2019-02-15");
    // Honolulu, UTC-10.
    let honolulu = TimeZone::get("Pacific/Honolulu").unwrap();
    let parcels = shipments::from_tracking_items(1, &tracking_items()[..1], &honolulu);
    let shipped = parcels[0].shipped_at.unwrap().to_zoned(honolulu);
    assert_eq!(shipped.date().to_string(), "2019-02-15");
}

#[test]
fn a_documented_processing_order_maps_to_paid_and_unshipped() {
    let raw: WcOrder = parse(ORDER_727);
    let order = mapping::order(&raw, &[]).unwrap();
    assert_eq!(order.id, "727");
    assert_eq!(order.number, "727");
    assert_eq!(order.email, "john.doe@example.com");
    // date_created_gmt is UTC; date_created (site time, 3 hours behind) is not read.
    assert_eq!(order.created_at, at("2017-03-22T19:28:02Z"));
    assert_eq!(order.financial_status, FinancialStatus::Paid);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert_eq!(order.cancelled_at, None);
    let titles: Vec<(&str, u32)> = order
        .line_items
        .iter()
        .map(|i| (i.title.as_str(), i.quantity))
        .collect();
    assert_eq!(
        titles,
        [
            ("Woo Single #1", 2),
            ("Ship Your Idea – Color: Black, Size: M Test", 1)
        ]
    );
    assert_eq!(order.line_items[0].id, "315");
    assert_eq!(order.shipping_method.as_deref(), Some("flat_rate"));
    let destination = order.destination.unwrap();
    assert_eq!(
        (destination.city.as_str(), destination.country.as_str()),
        ("San Francisco", "US")
    );
    assert_eq!(destination.postcode.as_deref(), Some("94103"));
    let total = order.total.unwrap();
    assert_eq!(
        (total.amount.as_str(), total.currency.as_str()),
        ("29.35", "USD")
    );
    assert!(order.fulfillments.is_empty());
    assert_eq!(order.return_status, None);
}

#[test]
fn a_documented_list_maps_a_completed_partly_refunded_order() {
    let list: Vec<WcOrder> = parse(ORDERS_LIST);
    assert_eq!(list.len(), 2);
    let order = mapping::order(&list[1], &[]).unwrap();
    assert_eq!(order.number, "723");
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Fulfilled);
    // 10.00 + 9.00 of 39.00 refunded.
    assert_eq!(order.financial_status, FinancialStatus::PartiallyRefunded);
    assert_eq!(order.shipping_method.as_deref(), Some("flat_rate:25"));
    // Completed without a tracking number: one shipment, handed over on completion.
    assert_eq!(order.fulfillments.len(), 1);
    let shipment = &order.fulfillments[0];
    assert!(shipment.tracking_numbers.is_empty());
    assert_eq!(shipment.shipped_at, Some(at("2017-03-21T19:54:51Z")));
    assert_eq!(shipment.items.len(), 2);
    assert!(!shipment.items_known);
    assert_eq!(order.destination.unwrap().country, "BR");
}

#[test]
fn an_empty_list_is_no_orders() {
    let list: Vec<WcOrder> = parse(ORDERS_EMPTY);
    assert!(list.is_empty());
}

#[test]
fn documented_tracking_items_become_one_shipment_each() {
    let raw: WcOrder = parse(ORDER_727);
    let parcels = shipments::from_tracking_items(raw.id, &tracking_items(), &TimeZone::UTC);
    let order = mapping::order(&raw, &parcels).unwrap();
    // Tracking numbers on a processing order: shipping has started, not finished.
    assert_eq!(
        order.fulfillment_status,
        FulfillmentStatus::PartiallyFulfilled
    );
    let seen: Vec<(&str, Option<&str>, usize)> = order
        .fulfillments
        .iter()
        .map(|f| {
            (
                f.tracking_numbers[0].as_str(),
                f.carrier.as_deref(),
                f.tracking_urls.len(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("345645674567", Some("USPS"), 1),
            ("56734563456", Some("UPS"), 1),
            // A custom provider without a link.
            (
                "456345623453454352323452345235",
                Some("Flybynight Courriers"),
                0
            ),
        ]
    );
    let first = &order.fulfillments[0];
    assert_eq!(first.id, "b1b94eecb1eb1c1edf3fa041efffd015");
    // A date without a time is noon in the shop's time zone, UTC here.
    assert_eq!(first.shipped_at, Some(at("2019-02-15T12:00:00Z")));
    assert_eq!(
        first.tracking_urls[0],
        "https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=345645674567"
    );
    // A WooCommerce tracking number belongs to the whole order: each shipment lists all of it,
    // and says that is not known to be its own.
    assert!(order
        .fulfillments
        .iter()
        .all(|f| f.items.len() == 2 && !f.items_known));
}

#[test]
fn a_cancelled_order_is_cancelled_when_last_changed() {
    let raw: WcOrder = parse(ORDER_727_CANCELLED);
    let order = mapping::order(&raw, &[]).unwrap();
    assert_eq!(order.cancelled_at, Some(at("2017-03-22T19:30:35Z")));
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
    // Paid and not (yet) refunded.
    assert_eq!(order.financial_status, FinancialStatus::Paid);
    assert!(!mapping::may_have_shipped(&raw));
}

#[test]
fn a_refunded_order_that_never_shipped_is_cancelled_and_refunded() {
    let raw: WcOrder = parse(&unwrap_data(IOS_FULLY_REFUNDED));
    let order = mapping::order(&raw, &[]).unwrap();
    assert_eq!(order.number, "609");
    assert_eq!(order.financial_status, FinancialStatus::Refunded);
    assert_eq!(order.cancelled_at, Some(at("2017-09-20T20:27:11Z")));
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert_eq!(order.return_status, None);
    assert_eq!(order.shipping_method.as_deref(), Some("ups"));
    assert_eq!(order.line_items[0].title, "Yellow Pants (H&M)");
    assert_eq!(
        order.destination.unwrap().postcode.as_deref(),
        Some("90210")
    );
}

#[test]
fn a_refunded_order_that_shipped_is_a_refunded_return() {
    let raw: WcOrder = parse(&unwrap_data(IOS_FULLY_REFUNDED));
    let parcels = shipments::from_tracking_items(raw.id, &tracking_items()[..1], &TimeZone::UTC);
    let order = mapping::order(&raw, &parcels).unwrap();
    assert_eq!(order.return_status, Some(ReturnStatus::Refunded));
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Fulfilled);
    assert_eq!(order.cancelled_at, None);
}

#[test]
fn a_documented_broken_order_names_the_missing_field() {
    let raw: WcOrder = parse(&unwrap_data(IOS_BROKEN_ORDER));
    assert_eq!(
        field_of(mapping::order(&raw, &[]).unwrap_err()),
        "billing.email"
    );
    let mut raw = raw;
    raw.billing.email = Some("someone@example.com".into());
    assert_eq!(
        field_of(mapping::order(&raw, &[]).unwrap_err()),
        "date_created_gmt"
    );
    raw.date_created_gmt = Some("2017-03-22T19:28:02".into());
    // Empty strings everywhere else are just absent facts.
    let order = mapping::order(&raw, &[]).unwrap();
    assert!(order.line_items.is_empty() && order.destination.is_none());
    assert_eq!(order.shipping_method, None);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert_eq!(order.financial_status, FinancialStatus::Pending);
}

#[test]
fn required_fields_of_the_wrong_type_name_the_field() {
    let mut body: Value = serde_json::from_str(ORDER_727).unwrap();
    body["date_created_gmt"] = json!(1490210882);
    let error = parse_json::<WcOrder>("woocommerce", body.to_string().as_bytes()).unwrap_err();
    assert_eq!(field_of(error), "date_created_gmt");
    let mut body: Value = serde_json::from_str(ORDER_727).unwrap();
    body["billing"]["email"] = json!(["john.doe@example.com"]);
    let error = parse_json::<WcOrder>("woocommerce", body.to_string().as_bytes()).unwrap_err();
    assert_eq!(field_of(error), "billing.email");
    let mut body: Value = serde_json::from_str(ORDER_727).unwrap();
    body["date_created_gmt"] = json!("last tuesday");
    let raw: WcOrder = parse(&body.to_string());
    assert_eq!(
        field_of(mapping::order(&raw, &[]).unwrap_err()),
        "date_created_gmt"
    );
    let error = parse_json::<Vec<WcOrder>>("woocommerce", b"<html>Error</html>").unwrap_err();
    assert!(
        matches!(error, AdapterError::BadResponse { .. }),
        "{error:?}"
    );
}

#[test]
fn nulls_numbers_as_strings_and_odd_quantities_are_normal() {
    let body = json!({
        "id": 900,
        "number": 900,
        "status": "wc-processing",
        "currency": "eur",
        "date_created_gmt": "2026-11-12T18:24:00",
        "date_modified_gmt": null,
        "total": 12.5,
        "billing": {"email": " Mixed@Example.COM ", "city": null},
        "shipping": null,
        "meta_data": null,
        "refunds": null,
        "shipping_lines": null,
        "line_items": [
            {"id": 1, "name": "Fruits Basket", "quantity": 1.5},
            {"id": 2, "name": null, "quantity": "3"},
            {"id": null, "name": "Gift wrap", "quantity": null}
        ],
        "some_plugin_field": {"anything": [1, 2]}
    });
    let raw: WcOrder = parse(&body.to_string());
    let order = mapping::order(&raw, &[]).unwrap();
    assert_eq!(order.number, "900");
    assert_eq!(order.email, "Mixed@Example.COM");
    assert_eq!(order.financial_status, FinancialStatus::Paid);
    let quantities: Vec<u32> = order.line_items.iter().map(|i| i.quantity).collect();
    assert_eq!(quantities, [2, 3, 0]);
    assert_eq!(order.line_items[1].title, "an item");
    assert_eq!(order.destination, None);
    let total = order.total.unwrap();
    assert_eq!(
        (total.amount.as_str(), total.currency.as_str()),
        ("12.5", "EUR")
    );
}

#[test]
fn a_cancelled_order_without_a_change_time_is_unreadable() {
    let mut raw: WcOrder = parse(ORDER_727_CANCELLED);
    raw.date_modified_gmt = None;
    assert_eq!(
        field_of(mapping::order(&raw, &[]).unwrap_err()),
        "date_modified_gmt"
    );
}

#[test]
fn the_delivered_status_of_shipment_tracking_plugins_is_the_platform_view() {
    let mut raw: WcOrder = parse(ORDER_727);
    raw.status = Some("delivered".into());
    let parcels = shipments::from_tracking_items(raw.id, &tracking_items()[..1], &TimeZone::UTC);
    let order = mapping::order(&raw, &parcels).unwrap();
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Fulfilled);
    assert_eq!(
        order.fulfillments[0].platform_status,
        Some(TrackingStatus::Delivered)
    );
    raw.status = Some("partial-shipped".into());
    let order = mapping::order(&raw, &parcels).unwrap();
    assert_eq!(
        order.fulfillments[0].platform_status, None,
        "only delivered says delivered"
    );
    assert_eq!(
        order.fulfillment_status,
        FulfillmentStatus::PartiallyFulfilled
    );
}

fn meta(pairs: &[(&str, Value)]) -> Vec<WcMeta> {
    pairs
        .iter()
        .map(|(key, value)| WcMeta {
            key: Some((*key).to_owned()),
            value: value.clone(),
        })
        .collect()
}

#[test]
fn tracking_items_kept_in_meta_data_are_read() {
    // As the extension stores them: provider slugs, a custom provider, Unix-time dates.
    let meta = meta(&[(
        "_wc_shipment_tracking_items",
        json!([
            {"tracking_provider": "ups", "custom_tracking_provider": "", "custom_tracking_link": "",
             "tracking_number": "1Z999AA10123456784", "date_shipped": "1773014400",
             "tracking_id": "a1"},
            {"tracking_provider": "", "custom_tracking_provider": "Example Courier",
             "custom_tracking_link": "https://courier.example/t?n=%1$s",
             "tracking_number": "EC1, EC2", "date_shipped": 1773100800, "tracking_id": "a2"}
        ]),
    )]);
    let parcels = shipments::from_meta(55, &meta, &TimeZone::UTC);
    assert_eq!(parcels.len(), 2);
    assert_eq!(parcels[0].carrier.as_deref(), Some("ups"));
    // 2026-03-09 as stored by the extension (midnight UTC) reads as that date.
    assert_eq!(parcels[0].shipped_at, Some(at("2026-03-09T12:00:00Z")));
    assert_eq!(parcels[1].carrier.as_deref(), Some("Example Courier"));
    // Several numbers typed into one field: one shipment, several numbers.
    assert_eq!(parcels[1].tracking_numbers, ["EC1", "EC2"]);
    assert_eq!(
        parcels[1].tracking_urls,
        ["https://courier.example/t?n=EC1"]
    );
}

#[test]
fn the_older_single_tracking_meta_is_read() {
    let meta = meta(&[
        ("_tracking_provider", json!("usps")),
        ("_tracking_number", json!("9400111798643261622439")),
        ("_date_shipped", json!("1763942400")),
    ]);
    let parcels = shipments::from_meta(1001, &meta, &TimeZone::UTC);
    assert_eq!(
        parcels,
        [Parcel {
            id: "1001-meta".into(),
            tracking_numbers: vec!["9400111798643261622439".into()],
            carrier: Some("usps".into()),
            tracking_urls: Vec::new(),
            shipped_at: Some(at("2025-11-24T12:00:00Z")),
        }]
    );
    assert!(shipments::from_meta(1001, &[], &TimeZone::UTC).is_empty());
    // Unreadable meta is no tracking, not a failure.
    let odd = self::meta(&[("_wc_shipment_tracking_items", json!("a:1:{i:0;}"))]);
    assert!(shipments::from_meta(1001, &odd, &TimeZone::UTC).is_empty());
}

#[test]
fn notes_give_tracking_numbers_only_when_a_carrier_format_confirms_them() {
    let documented: Vec<WcNote> = parse(ORDER_NOTES_723);
    assert!(shipments::from_notes(723, &documented).is_empty());
    let notes: Vec<WcNote> = parse(
        &json!([
            {"id": 3, "date_created_gmt": "2026-03-05T10:00:00",
             "note": "Shipped again: <a href=\"https://www.ups.com/track?tracknum=1Z999AA10123456784\">1Z999AA10123456784</a>"},
            {"id": 2, "date_created_gmt": "2026-03-04T12:00:00",
             "note": "Order shipped with UPS, tracking 1Z999AA10123456784 &amp; box 2: 1Z999AA10123456785"},
            {"id": 1, "date_created_gmt": "2026-03-01T09:00:00",
             "note": "Payment 7465097080 received."}
        ])
        .to_string(),
    );
    let parcels = shipments::from_notes(502, &notes);
    // 1Z…785 fails the UPS check digit; 7465097080 is in a note not about shipping.
    assert_eq!(parcels.len(), 1, "{parcels:?}");
    assert_eq!(parcels[0].tracking_numbers, ["1Z999AA10123456784"]);
    assert_eq!(parcels[0].shipped_at, Some(at("2026-03-04T12:00:00Z")));
}

#[test]
fn html_entities_are_decoded() {
    assert_eq!(
        decode_html(
            "Ship Your Idea &ndash; Black &amp; White &#8211; &#x2014; 2 &times; &bogus; &"
        ),
        "Ship Your Idea – Black & White – — 2 × &bogus; &"
    );
}
