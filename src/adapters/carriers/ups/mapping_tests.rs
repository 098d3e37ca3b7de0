//! The UPS mapping on documented bodies (`tests/fixtures/ups/`, sources in `SOURCES.md`) and on
//! every row of the status table.

use super::*;
use crate::adapters::http::parse_json;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/ups/",
            $name
        ))
    };
}

fn body(text: &str) -> TrackApiResponse {
    parse_json(VENDOR, text.as_bytes()).expect("the fixture reads")
}

fn track(number: &str, text: &str) -> Tracking {
    tracking(number, body(text)).unwrap_or_else(|e| panic!("{number}: {e}"))
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn status(field: Field, value: &str) -> Status {
    let mut status = Status::default();
    let slot = match field {
        StatusCode => &mut status.status_code,
        Code => &mut status.code,
        Type => &mut status.kind,
    };
    *slot = Some(value.to_owned());
    status
}

#[test]
fn every_row_of_the_status_table_maps_its_own_value_and_cites_a_ups_document() {
    for row in STATUS_TABLE {
        assert!(
            row.source.contains("UPS") && row.source.contains("https://"),
            "{row:?} cites no UPS document"
        );
        for written in [
            row.value.to_owned(),
            row.value.to_ascii_lowercase(),
            format!(" {} ", row.value),
        ] {
            let found = status_row(&status(row.field, &written));
            assert_eq!(found, Some(row), "{written:?}");
        }
        if row.field == StatusCode {
            // `currentStatus` carries the package status code in `code`.
            assert_eq!(status_row(&status(Code, row.value)), Some(row));
        }
        if row.status == TrackingStatus::Exception {
            assert!(
                row.exception.is_some(),
                "{row:?}: an exception keeps a reason"
            );
        } else {
            assert!(
                row.exception.is_none(),
                "{row:?}: only exceptions have reasons"
            );
        }
    }
    let values: Vec<(Field, &str)> = STATUS_TABLE.iter().map(|r| (r.field, r.value)).collect();
    for (index, value) in values.iter().enumerate() {
        assert!(!values[..index].contains(value), "{value:?} twice");
    }
}

#[test]
fn a_specific_code_overrules_its_broad_type() {
    let customs_release = Status {
        kind: Some("X".into()),
        code: Some("SR".into()),
        ..Status::default()
    };
    assert_eq!(
        status_row(&customs_release).unwrap().status,
        TrackingStatus::InTransit
    );
    let out_for_delivery = Status {
        kind: Some("I".into()),
        code: Some("OT".into()),
        status_code: Some("021".into()),
        ..Status::default()
    };
    assert_eq!(
        status_row(&out_for_delivery).unwrap().status,
        TrackingStatus::OutForDelivery
    );
    let unknown = Status {
        kind: Some("Q".into()),
        code: Some("ZZ".into()),
        status_code: Some("999".into()),
        ..Status::default()
    };
    assert_eq!(status_row(&unknown), None);
}

#[test]
fn a_delivered_parcel_keeps_time_place_and_every_scan_in_order() {
    let t = track("1ZE7V2180355089359", fixture!("delivered.json"));
    assert_eq!(t.carrier, Carrier::Ups);
    assert_eq!(t.status, TrackingStatus::Delivered);
    // 13:47 at -08:00.
    assert_eq!(t.delivered_at, Some(at("2026-11-19T21:47:00Z")));
    assert_eq!(t.delivered_place.as_deref(), Some("Front Door"));
    assert_eq!(t.signed_by, None, "an empty receivedBy is nobody");
    assert_eq!(t.estimated_delivery, None);
    let latest = t.latest_event.as_ref().unwrap();
    assert_eq!(latest.description, "DELIVERED");
    assert_eq!(latest.place.as_deref(), Some("PORTLAND, OR"));
    assert_eq!(t.events.len(), 6);
    assert_eq!(t.events.last(), t.latest_event.as_ref());
    assert_eq!(t.events[0].time, at("2026-11-14T16:18:00Z"));
    assert_eq!(t.events[0].place, None, "a label has no place");
    assert!(t.events.windows(2).all(|w| w[0].time <= w[1].time));
    assert_eq!(t.events[2].place.as_deref(), Some("Hodgkins, IL"));
    assert_eq!(
        t.url.as_deref(),
        Some("https://www.ups.com/track?tracknum=1ZE7V2180355089359")
    );
}

#[test]
fn a_parcel_in_transit_has_its_scheduled_day() {
    let t = track("1ZE7V2180388685590", fixture!("in_transit.json"));
    assert_eq!(t.status, TrackingStatus::InTransit);
    assert_eq!(t.estimated_delivery, Some(Date::constant(2026, 11, 23)));
    assert_eq!(t.estimated_delivery_end, None);
    let latest = t.latest_event.unwrap();
    assert_eq!(latest.time, at("2026-11-20T09:25:00Z"));
    assert_eq!(latest.place.as_deref(), Some("Hodgkins, IL"));
    assert_eq!(latest.description, "Arrived at Facility");
    assert_eq!(t.delivered_at, None);
}

#[test]
fn an_exception_is_held_up_with_the_rescheduled_day() {
    let t = track("1ZE7V2180374041202", fixture!("exception.json"));
    assert_eq!(t.status, TrackingStatus::Exception);
    assert_eq!(t.exception, Some(ExceptionReason::Other));
    assert_eq!(
        t.estimated_delivery,
        Some(Date::constant(2026, 11, 23)),
        "RDD over SDD"
    );
    assert!(t
        .latest_event
        .unwrap()
        .description
        .starts_with("The address is incomplete"));
}

#[test]
fn out_for_delivery_is_told_by_the_status_code_not_the_type() {
    let t = track("1ZE7V2180390227317", fixture!("out_for_delivery.json"));
    assert_eq!(t.status, TrackingStatus::OutForDelivery);
    assert_eq!(t.estimated_delivery, Some(Date::constant(2026, 11, 20)));
    assert_eq!(t.latest_event.unwrap().time, at("2026-11-20T13:10:00Z"));
    assert_eq!(t.events[2].description, "Loaded on Delivery Vehicle");
}

#[test]
fn each_piece_of_a_shipment_is_its_own_parcel() {
    let lead = track("1ZE7V2180391865010", fixture!("multi_piece.json"));
    assert_eq!(lead.status, TrackingStatus::Delivered);
    assert_eq!(lead.signed_by.as_deref(), Some("MORALES"));
    assert_eq!(lead.delivered_place.as_deref(), Some("Front Desk"));
    assert_eq!(lead.delivered_at, Some(at("2026-11-19T17:30:00Z")));
    let second = track("1ZE7V2180391865029", fixture!("multi_piece.json"));
    assert_eq!(second.number, "1ZE7V2180391865029");
    assert_eq!(second.status, TrackingStatus::InTransit);
    assert_eq!(
        second.estimated_delivery,
        Some(Date::constant(2026, 11, 21))
    );
    let neither = tracking("1ZE7V2180391865038", body(fixture!("multi_piece.json")));
    assert!(
        matches!(&neither, Err(AdapterError::BadResponse { field, .. }) if field == "trackResponse.shipment"),
        "{neither:?}"
    );
}

#[test]
fn ups_own_sample_reads_but_its_times_without_offsets_are_not_guessed() {
    let t = track("1Z023E2X0214323462", fixture!("ups_sample.json"));
    assert_eq!(t.status, TrackingStatus::Delivered);
    assert!(
        t.events.is_empty(),
        "no offset and no GMT time: {:?}",
        t.events
    );
    assert_eq!(t.latest_event, None);
    assert_eq!(t.delivered_at, None);
}

#[test]
fn a_warning_without_a_package_is_an_unknown_number() {
    let answer = tracking("1ZE7V2180399999997", body(fixture!("warning_only.json")));
    match answer {
        Err(AdapterError::NotFound { what }) => {
            assert!(what.contains("Tracking Information Not Found"), "{what}")
        }
        other => panic!("{other:?}"),
    }
    let empty = tracking("1ZE7V2180399999997", body("{}"));
    assert!(
        matches!(empty, Err(AdapterError::NotFound { .. })),
        "{empty:?}"
    );
}

#[test]
fn missing_lists_and_statuses_are_tolerated() {
    let text = r#"{"trackResponse":{"shipment":[{"package":[{"trackingNumber":"1ZE7V2180388685590",
        "activity":null,"deliveryDate":null,"currentStatus":{"type":"I"}}],"warnings":null}]}}"#;
    let t = track("1ZE7V2180388685590", text);
    assert_eq!(t.status, TrackingStatus::InTransit);
    assert!(t.events.is_empty() && t.latest_event.is_none());
    let bare = r#"{"trackResponse":{"shipment":[{"package":[{}]}]}}"#;
    assert_eq!(
        track("1ZE7V2180388685590", bare).status,
        TrackingStatus::Unknown
    );
    // An unknown current code: the newest scan decides.
    let unknown_current = r#"{"trackResponse":{"shipment":[{"package":[{
        "currentStatus":{"code":"999"},"activity":[{"status":{"type":"D","statusCode":"011"}}]}]}]}}"#;
    assert_eq!(
        track("1ZE7V2180388685590", unknown_current).status,
        TrackingStatus::Delivered
    );
}

/// UPS types "delivery information (loaded on delivery vehicle, out for delivery, delivered)"
/// all as `D`: the Track Alert API's FAQ on status types,
/// <https://github.com/UPS-API/api-documentation/blob/main/UPSTrackAlert.yaml>. Shape from the
/// Track API's OpenAPI (`Status`: `type`, `code`, `statusCode`, `description`),
/// <https://github.com/UPS-API/api-documentation/blob/main/Tracking.yaml>; the codes of a
/// loading scan are left out, as UPS's code list is not in those sources.
#[test]
fn the_delivery_type_alone_is_not_a_delivery() {
    let loaded = r#"{"trackResponse":{"shipment":[{"package":[{
        "trackingNumber":"1ZE7V2180388685590",
        "currentStatus":{"type":"D","description":"Loaded on Delivery Vehicle "},
        "activity":[{"date":"20261120","time":"071356","gmtOffset":"-05:00",
            "status":{"type":"D","description":"Loaded on Delivery Vehicle "}}]}]}]}}"#;
    let t = track("1ZE7V2180388685590", loaded);
    assert_eq!(
        t.status,
        TrackingStatus::Unknown,
        "never \"delivered\" on a type alone"
    );
    assert_eq!(t.delivered_at, None);
    assert_eq!(
        t.latest_event.unwrap().description,
        "Loaded on Delivery Vehicle"
    );
    // The delivery's own code still says delivered.
    let delivered = r#"{"trackResponse":{"shipment":[{"package":[{
        "trackingNumber":"1ZE7V2180388685590",
        "activity":[{"date":"20261120","time":"163000","gmtOffset":"-05:00",
            "status":{"type":"D","description":"DELIVERED ","code":"F4","statusCode":"011"}}]}]}]}}"#;
    let t = track("1ZE7V2180388685590", delivered);
    assert_eq!(t.status, TrackingStatus::Delivered);
    assert_eq!(t.delivered_at, Some(at("2026-11-20T21:30:00Z")));
}

#[test]
fn gmt_time_is_used_when_the_offset_is_missing() {
    let text = r#"{"trackResponse":{"shipment":[{"package":[{"activity":[{
        "date":"20210210","time":"024700","gmtDate":"20210210","gmtTime":"74700",
        "status":{"type":"I","description":"Departed from Facility"}}]}]}]}}"#;
    let t = track("1ZE7V2180388685590", text);
    assert_eq!(t.latest_event.unwrap().time, at("2021-02-10T07:47:00Z"));
}

#[test]
fn malformed_times_and_dates_name_their_field() {
    let cases = [
        (
            r#"{"date":"20261119","time":"134700","gmtOffset":"PST"}"#,
            "trackResponse.shipment[0].package[0].activity[0].gmtOffset",
        ),
        (
            r#"{"date":"2026-11-19","time":"134700","gmtOffset":"-08:00"}"#,
            "trackResponse.shipment[0].package[0].activity[0].date",
        ),
        (
            r#"{"date":"20261119","time":"25:00","gmtOffset":"-08:00"}"#,
            "trackResponse.shipment[0].package[0].activity[0].time",
        ),
    ];
    for (activity, field) in cases {
        let text = format!(
            r#"{{"trackResponse":{{"shipment":[{{"package":[{{"activity":[{activity}]}}]}}]}}}}"#
        );
        match tracking("1ZE7V2180388685590", body(&text)) {
            Err(AdapterError::BadResponse { field: at, .. }) => assert_eq!(at, field),
            other => panic!("{activity}: {other:?}"),
        }
    }
    let bad_date = r#"{"trackResponse":{"shipment":[{"package":[{"currentStatus":{"type":"I"},
        "deliveryDate":[{"type":"SDD","date":"Nov 23"}]}]}]}}"#;
    match tracking("1ZE7V2180388685590", body(bad_date)) {
        Err(AdapterError::BadResponse { field, .. }) => {
            assert_eq!(
                field,
                "trackResponse.shipment[0].package[0].deliveryDate[0].date"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn times_and_offsets_in_every_written_form() {
    assert_eq!(parse_time("071356"), Some(Time::constant(7, 13, 56, 0)));
    assert_eq!(parse_time("74700"), Some(Time::constant(7, 47, 0, 0)));
    assert_eq!(parse_time("20:04:35"), Some(Time::constant(20, 4, 35, 0)));
    assert_eq!(parse_time("1630"), Some(Time::constant(16, 30, 0, 0)));
    for bad in ["", "7", "2461", "12:3a:00", "1234567"] {
        assert_eq!(parse_time(bad), None, "{bad:?}");
    }
    let hours = |h: i32, m: i32| Offset::from_seconds(h * 3600 + m * 60).unwrap();
    assert_eq!(parse_offset("-05:00"), Some(hours(-5, 0)));
    assert_eq!(parse_offset("-7:00"), Some(hours(-7, 0)));
    assert_eq!(parse_offset("+0530"), Some(hours(5, 30)));
    assert_eq!(parse_offset("-05"), Some(hours(-5, 0)));
    for bad in ["05:00", "", "-", "-0a:00", "-05:60", "+123:00"] {
        assert_eq!(parse_offset(bad), None, "{bad:?}");
    }
    assert_eq!(parse_date("20260229"), None, "not a leap year");
    assert_eq!(parse_date("20240229"), Some(Date::constant(2024, 2, 29)));
}
