//! The USPS mapping on documented bodies (`tests/fixtures/usps/`, sources in `SOURCES.md`) and
//! on every row of the status table.

use jiff::tz::Offset;

use super::*;
use crate::adapters::http::parse_json;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/usps/",
            $name
        ))
    };
}

fn body(text: &str) -> TrackingResponse {
    parse_json(VENDOR, text.as_bytes()).expect("the fixture reads")
}

fn track(number: &str, text: &str) -> Tracking {
    tracking(number, body(text)).unwrap_or_else(|e| panic!("{number}: {e}"))
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A body whose only event has `code`, or whose category is `category`.
fn one_event(code: Option<&str>, category: Option<&str>) -> TrackingResponse {
    let mut body = TrackingResponse {
        status_category: category.map(str::to_owned),
        ..TrackingResponse::default()
    };
    body.tracking_events.push(TrackingEventBody {
        event_type: Some("Scan".into()),
        event_timestamp: Some("2026-11-19T09:31:00".into()),
        gmt_offset: Some("-06:00".into()),
        event_code: code.map(str::to_owned),
        ..TrackingEventBody::default()
    });
    body
}

#[test]
fn every_row_of_the_status_table_maps_its_own_value_and_cites_a_usps_document() {
    for row in STATUS_TABLE {
        assert!(
            row.source.contains("USPS") && row.source.contains("https://"),
            "{row:?} cites no USPS document"
        );
        let answer = match row.field {
            Field::EventCode => {
                assert_eq!(code_row(row.value), Some(row));
                assert_eq!(
                    code_row(&format!(" {} ", row.value.to_ascii_lowercase())),
                    Some(row)
                );
                // The code decides even when the category says something else.
                tracking(
                    "9400111899223197428490",
                    one_event(Some(row.value), Some("In Transit")),
                )
            }
            Field::StatusCategory => {
                assert_eq!(category_row(row.value), Some(row));
                assert_eq!(category_row(&row.value.to_ascii_uppercase()), Some(row));
                tracking(
                    "9400111899223197428490",
                    one_event(Some("ZZ"), Some(row.value)),
                )
            }
        };
        let t = answer.unwrap_or_else(|e| panic!("{row:?}: {e}"));
        assert_eq!(t.status, row.status, "{row:?}");
        if row.status == TrackingStatus::Exception {
            assert_eq!(t.exception, row.exception, "{row:?}");
            assert!(
                row.exception.is_some(),
                "{row:?}: an exception keeps a reason"
            );
        } else {
            assert!(row.exception.is_none() && t.exception.is_none(), "{row:?}");
        }
    }
    let values: Vec<(Field, &str)> = STATUS_TABLE.iter().map(|r| (r.field, r.value)).collect();
    for (index, value) in values.iter().enumerate() {
        assert!(!values[..index].contains(value), "{value:?} twice");
    }
}

#[test]
fn a_category_with_a_subtitle_reads_as_the_category() {
    assert_eq!(
        category_row("Delivery Attempt: Action Needed").map(|r| r.status),
        Some(TrackingStatus::AttemptedDelivery)
    );
    assert_eq!(category_row("Moonwalking"), None);
    assert_eq!(code_row("ZZ"), None);
}

#[test]
fn a_delivered_item_keeps_time_place_signature_and_every_scan_in_order() {
    let t = track("9400111367065098857770", fixture!("delivered.json"));
    assert_eq!(t.carrier, Carrier::Usps);
    assert_eq!(t.status, TrackingStatus::Delivered);
    // 11:20 at -07:00; the GMT stamp's seconds are USPS's record time, not the scan's.
    assert_eq!(t.delivered_at, Some(at("2026-10-15T18:20:00Z")));
    assert_eq!(t.delivered_place.as_deref(), Some("In/At Mailbox"));
    assert_eq!(t.signed_by, None);
    assert_eq!(t.estimated_delivery, None);
    let latest = t.latest_event.as_ref().unwrap();
    assert_eq!(latest.description, "Delivered, In/At Mailbox");
    assert_eq!(latest.place.as_deref(), Some("SACRAMENTO, CA"));
    assert_eq!(t.events.len(), 8);
    assert_eq!(t.events.last(), t.latest_event.as_ref());
    assert_eq!(
        t.events[0].description,
        "Shipping Label Created, USPS Awaiting Item"
    );
    assert_eq!(t.events[0].time, at("2026-10-09T20:02:00Z"));
    assert_eq!(t.events[3].place, None, "no city, no place");
    assert!(t.events.windows(2).all(|w| w[0].time <= w[1].time));
    assert_eq!(
        t.url.as_deref(),
        Some("https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111367065098857770")
    );
}

#[test]
fn an_item_in_transit_has_its_expected_day_and_the_category_covers_unlisted_codes() {
    let t = track("9400111798643261622439", fixture!("in_transit.json"));
    assert_eq!(
        t.status,
        TrackingStatus::InTransit,
        "A1 is not in the table: the category"
    );
    assert_eq!(t.estimated_delivery, Some(Date::constant(2026, 11, 21)));
    let latest = t.latest_event.unwrap();
    assert_eq!(latest.time, at("2026-11-20T07:48:00Z"));
    assert_eq!(
        latest.place.as_deref(),
        Some("COLUMBUS OH DISTRIBUTION CENTER")
    );
}

#[test]
fn exceptions_keep_the_reason_usps_gives() {
    let address = track("9400111104639405802109", fixture!("exception.json"));
    assert_eq!(address.status, TrackingStatus::Exception);
    assert_eq!(address.exception, Some(ExceptionReason::AddressProblem));
    assert_eq!(
        address.latest_event.unwrap().description,
        "Undeliverable as Addressed"
    );
    let pickup = track(
        "9400111899223197428490",
        fixture!("available_for_pickup.json"),
    );
    assert_eq!(pickup.status, TrackingStatus::Exception);
    assert_eq!(pickup.exception, Some(ExceptionReason::HeldForPickup));
    assert_eq!(
        pickup.latest_event.unwrap().place.as_deref(),
        Some("CHICAGO, IL")
    );
}

#[test]
fn out_for_delivery_and_a_label_alone() {
    let out = track("9400111701811567352099", fixture!("out_for_delivery.json"));
    assert_eq!(out.status, TrackingStatus::OutForDelivery);
    assert_eq!(out.latest_event.unwrap().time, at("2026-11-20T14:05:00Z"));
    let label = track("9400111899223197428506", fixture!("pre_shipment.json"));
    assert_eq!(
        label.status,
        TrackingStatus::LabelCreated,
        "GX: the category"
    );
}

#[test]
fn the_documented_example_reads_and_its_placeholders_say_nothing() {
    let t = track("9400111899223197428490", fixture!("openapi_example.json"));
    assert_eq!(
        t.status,
        TrackingStatus::Unknown,
        "code and category are \"string\""
    );
    assert_eq!(t.estimated_delivery, Some(Date::constant(2019, 8, 24)));
    // A timestamp with its own offset is taken as it is.
    assert_eq!(t.latest_event.unwrap().time, at("2019-08-24T14:15:22Z"));
}

#[test]
fn an_error_or_an_empty_body_is_an_unknown_number() {
    for text in [
        fixture!("not_found.json"),
        "{}",
        r#"{"trackingEvents":null}"#,
    ] {
        let answer = tracking("9400111899223197428490", body(text));
        assert!(
            matches!(answer, Err(AdapterError::NotFound { .. })),
            "{text}: {answer:?}"
        );
    }
}

#[test]
fn gmt_time_is_used_when_the_local_time_has_no_offset() {
    let text = r#"{"statusCategory":"In Transit","trackingEvents":[
        {"eventTimestamp":"2024-11-22T08:59:00","GMTTimestamp":"2024-11-22T13:59:45Z","eventCode":"07"},
        {"eventTimestamp":"2024-11-21T08:00:00","eventCode":"10"}]}"#;
    let t = track("9400111899223197428490", text);
    assert_eq!(t.latest_event.unwrap().time, at("2024-11-22T13:59:45Z"));
    assert_eq!(
        t.events.len(),
        1,
        "a local time alone is not guessed into UTC"
    );
}

#[test]
fn the_newest_event_is_found_by_time_when_usps_lists_them_otherwise() {
    let text = r#"{"statusCategory":"Delivered","trackingEvents":[
        {"eventType":"Out for Delivery","GMTTimestamp":"2024-11-22T14:10:45Z","eventCode":"OF"},
        {"eventType":"Delivered, Front Door/Porch","GMTTimestamp":"2024-11-22T18:58:40Z","eventCode":"01","name":"J SMITH"}]}"#;
    let t = track("9400111899223197428490", text);
    assert_eq!(t.status, TrackingStatus::Delivered);
    assert_eq!(t.delivered_at, Some(at("2024-11-22T18:58:40Z")));
    assert_eq!(t.delivered_place.as_deref(), Some("Front Door/Porch"));
    assert_eq!(t.signed_by.as_deref(), Some("J SMITH"));
}

#[test]
fn malformed_times_and_dates_name_their_field() {
    let cases = [
        (
            r#"{"trackingEvents":[{"eventTimestamp":"yesterday","eventCode":"07"}]}"#,
            "trackingEvents[0].eventTimestamp",
        ),
        (
            r#"{"trackingEvents":[{"eventTimestamp":"2024-11-22T08:59:00","GMTOffset":"EST"}]}"#,
            "trackingEvents[0].GMTOffset",
        ),
        (
            r#"{"trackingEvents":[{"GMTTimestamp":"2024-11-22 13:59"}]}"#,
            "trackingEvents[0].GMTTimestamp",
        ),
        (
            r#"{"statusCategory":"In Transit","expectedDeliveryDate":"soon"}"#,
            "expectedDeliveryDate",
        ),
    ];
    for (text, field) in cases {
        match tracking("9400111899223197428490", body(text)) {
            Err(AdapterError::BadResponse { field: at, .. }) => assert_eq!(at, field),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn offsets_in_every_written_form() {
    let hours = |h: i32, m: i32| Offset::from_seconds(h * 3600 + m * 60).unwrap();
    assert_eq!(parse_offset("-05:00"), Some(hours(-5, 0)));
    assert_eq!(parse_offset("-7:00"), Some(hours(-7, 0)));
    assert_eq!(parse_offset("+0530"), Some(hours(5, 30)));
    for bad in ["05:00", "", "-", "-0a:00", "-05:60"] {
        assert_eq!(parse_offset(bad), None, "{bad:?}");
    }
}
