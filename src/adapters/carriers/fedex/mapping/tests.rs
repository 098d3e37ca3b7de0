//! Mapping FedEx bodies: every row of the status tables, and FedEx's own example plus realistic
//! bodies from `tests/fixtures/fedex/`.

use serde_json::json;

use super::super::status::{ANCILLARY_REASONS, DELAY_TYPES, STATUS_CODES};
use super::*;
use jiff::civil::Date;
use jiff::Timestamp;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn parse(body: &str) -> TrackResponse {
    serde_json::from_str(body).unwrap()
}

fn fixture(name: &str) -> TrackResponse {
    let path = format!(
        "{}/tests/fixtures/fedex/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    parse(&std::fs::read_to_string(path).unwrap())
}

fn one(response: &TrackResponse, number: &str) -> Result<Tracking, MappingError> {
    answers(response, &[number.to_owned()], Carrier::Fedex)
        .pop()
        .unwrap()
}

/// A one-number answer whose latest status detail is `detail`, with one scan.
fn with_detail(detail: serde_json::Value) -> TrackResponse {
    serde_json::from_value(json!({"output": {"completeTrackResults": [{
        "trackingNumber": "123456789012",
        "trackResults": [{
            "latestStatusDetail": detail,
            "scanEvents": [{
                "date": "2026-11-19T10:00:00-05:00",
                "eventType": detail["code"],
                "eventDescription": "A scan",
                "scanLocation": {"city": "MEMPHIS", "stateOrProvinceCode": "TN", "countryCode": "US"}
            }]
        }]
    }]}}))
    .unwrap()
}

#[test]
fn every_status_code_maps_as_its_row_says() {
    for row in STATUS_CODES {
        let tracking = one(&with_detail(json!({"code": row.code})), "123456789012").unwrap();
        assert_eq!(
            tracking.status, row.status,
            "{} ({})",
            row.code, row.fedex_says
        );
        assert_eq!(tracking.exception, row.reason, "{}", row.code);
    }
}

#[test]
fn every_ancillary_reason_refines_an_exception_as_its_row_says() {
    for row in ANCILLARY_REASONS {
        let detail = json!({
            "code": "DE",
            "ancillaryDetails": [{"reason": row.reason, "reasonDescription": row.fedex_says}]
        });
        let tracking = one(&with_detail(detail), "123456789012").unwrap();
        assert_eq!(tracking.status, row.status, "reason {}", row.reason);
        assert_eq!(tracking.exception, row.exception, "reason {}", row.reason);
    }
}

#[test]
fn every_delay_type_names_the_reason_of_a_delay() {
    for row in DELAY_TYPES {
        let detail = json!({
            "code": "DD",
            "delayDetail": {"type": row.delay_type, "subType": "SNOW", "status": "DELAYED"}
        });
        let tracking = one(&with_detail(detail), "123456789012").unwrap();
        assert_eq!(tracking.status, TrackingStatus::Exception);
        assert_eq!(
            tracking.exception,
            Some(row.exception),
            "{}",
            row.delay_type
        );
    }
    // A delay type on a parcel that is on time is no reason.
    let on_time = json!({"code": "DD", "delayDetail": {"type": "WEATHER", "status": "ON_TIME"}});
    assert_eq!(
        one(&with_detail(on_time), "123456789012")
            .unwrap()
            .exception,
        None
    );
}

#[test]
fn an_exception_with_an_unlisted_reason_is_other_and_without_one_has_none() {
    let unlisted = json!({"code": "SE", "ancillaryDetails": [{"reason": "042", "reasonDescription": "Package sorted to wrong route"}]});
    assert_eq!(
        one(&with_detail(unlisted), "123456789012")
            .unwrap()
            .exception,
        Some(ExceptionReason::Other)
    );
    let bare = json!({"code": "SE"});
    assert_eq!(
        one(&with_detail(bare), "123456789012").unwrap().exception,
        None
    );
}

#[test]
fn an_unknown_code_falls_back_to_the_derived_code_then_the_newest_scan() {
    let derived = json!({"code": "ZZ", "derivedCode": "OD"});
    assert_eq!(
        one(&with_detail(derived), "123456789012").unwrap().status,
        TrackingStatus::OutForDelivery
    );
    let only_scan = json!({"code": "DL"});
    let mut response = with_detail(only_scan);
    let result = &mut response
        .output
        .as_mut()
        .unwrap()
        .complete_track_results
        .as_mut()
        .unwrap()[0]
        .track_results
        .as_mut()
        .unwrap()[0];
    result.latest_status_detail = None;
    assert_eq!(
        one(&response, "123456789012").unwrap().status,
        TrackingStatus::Delivered
    );
    let nothing_known = json!({"code": "ZZ"});
    assert_eq!(
        one(&with_detail(nothing_known), "123456789012")
            .unwrap()
            .status,
        TrackingStatus::Unknown
    );
}

#[test]
fn fedex_own_example_reads_with_its_offsets_window_and_per_number_not_found() {
    let response = fixture("official_example");
    let asked = ["123456789012".to_owned(), "39936862321".to_owned()];
    let mut answers = answers(&response, &asked, Carrier::Fedex).into_iter();
    let tracking = answers.next().unwrap().unwrap();
    assert_eq!(tracking.number, "123456789012");
    // PU: picked up, in transit. The example's ancillary "customer not available" belongs to
    // no exception, so it changes nothing.
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(tracking.exception, None);
    let event = tracking.latest_event.as_ref().unwrap();
    assert_eq!(event.time, at("2018-02-02T19:01:00Z"));
    assert_eq!(event.place.as_deref(), Some("Seattle, WA"));
    assert_eq!(
        event.description,
        "Picked Up: Package available for clearance"
    );
    assert_eq!(tracking.estimated_delivery, Some(day("2021-10-01")));
    assert_eq!(tracking.estimated_delivery_end, Some(day("2021-10-15")));
    assert_eq!(
        tracking.url.as_deref(),
        Some("https://www.fedex.com/fedextrack/?trknbr=123456789012")
    );
    assert_eq!(
        answers.next().unwrap(),
        Err(MappingError::NotFound {
            number: "39936862321".to_owned()
        })
    );
}

#[test]
fn in_transit_keeps_every_scan_oldest_first_and_the_estimate() {
    let tracking = one(&fixture("in_transit"), "714015965560").unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(tracking.estimated_delivery, Some(day("2026-11-21")));
    assert_eq!(tracking.estimated_delivery_end, None);
    let times: Vec<Timestamp> = tracking.events.iter().map(|e| e.time).collect();
    assert_eq!(times.len(), 5);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert_eq!(
        tracking.events[0].description,
        "Shipment information sent to FedEx"
    );
    let latest = tracking.latest_event.unwrap();
    assert_eq!(latest.time, at("2026-11-20T11:12:00Z"));
    assert_eq!(latest.place.as_deref(), Some("Denver, CO"));
}

#[test]
fn delivered_keeps_when_who_and_where() {
    let tracking = one(&fixture("delivered"), "750328078642").unwrap();
    assert_eq!(tracking.status, TrackingStatus::Delivered);
    assert_eq!(tracking.delivered_at, Some(at("2026-11-02T20:15:00Z")));
    assert_eq!(tracking.signed_by.as_deref(), Some("M.RIVERA"));
    assert_eq!(tracking.delivered_place.as_deref(), Some("Front Door"));
    assert_eq!(tracking.estimated_delivery, None);
}

#[test]
fn a_delivery_time_without_an_offset_yields_to_the_delivery_scan() {
    let body = json!({"output": {"completeTrackResults": [{
        "trackingNumber": "123456789012",
        "trackResults": [{
            "latestStatusDetail": {"code": "DL"},
            "dateAndTimes": [{"type": "ACTUAL_DELIVERY", "dateTime": "2026-11-02T15:15:00"}],
            "scanEvents": [{"date": "2026-11-02T15:15:00-05:00", "eventType": "DL", "eventDescription": "Delivered"}]
        }]
    }]}});
    let tracking = one(&serde_json::from_value(body).unwrap(), "123456789012").unwrap();
    assert_eq!(tracking.delivered_at, Some(at("2026-11-02T20:15:00Z")));
}

#[test]
fn an_exception_keeps_fedex_reason_and_words() {
    let tracking = one(&fixture("exception_address"), "714015965560").unwrap();
    assert_eq!(tracking.status, TrackingStatus::Exception);
    assert_eq!(tracking.exception, Some(ExceptionReason::AddressProblem));
    let latest = tracking.latest_event.unwrap();
    assert_eq!(
        latest.description,
        "Delivery exception: Incorrect address - Apartment number missing or incorrect"
    );
}

#[test]
fn out_for_delivery_has_a_window_within_the_day() {
    let tracking = one(&fixture("out_for_delivery"), "714015965560").unwrap();
    assert_eq!(tracking.status, TrackingStatus::OutForDelivery);
    assert_eq!(tracking.estimated_delivery, Some(day("2026-11-20")));
    assert_eq!(tracking.estimated_delivery_end, None);
}

#[test]
fn of_several_shipments_under_one_number_the_newest_is_the_customers() {
    let tracking = one(&fixture("duplicate_number"), "713062653486").unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(tracking.estimated_delivery, Some(day("2026-11-22")));
}

#[test]
fn results_are_matched_by_number_whatever_their_order() {
    let response = fixture("multi_piece");
    let asked = [
        "39936862321".to_owned(),
        "794953555582".to_owned(),
        "794953555571".to_owned(),
    ];
    let statuses: Vec<Result<TrackingStatus, MappingError>> =
        answers(&response, &asked, Carrier::Fedex)
            .into_iter()
            .map(|a| a.map(|t| t.status))
            .collect();
    assert_eq!(
        statuses,
        [
            Err(MappingError::NotFound {
                number: "39936862321".to_owned()
            }),
            Ok(TrackingStatus::LabelCreated),
            Ok(TrackingStatus::InTransit)
        ]
    );
    let missing = answers(&response, &["111111111111".to_owned()], Carrier::Fedex);
    assert!(
        matches!(&missing[0], Err(MappingError::BadField { field, .. }) if field == "output.completeTrackResults")
    );
}

#[test]
fn request_errors_apply_to_every_number() {
    let response = parse(
        r#"{"transactionId": "x", "errors": [{"code": "TRACKING.TRACKINGNUMBER.NOTFOUND", "message": "Tracking number cannot be found."}]}"#,
    );
    let asked = ["1".to_owned(), "2".to_owned()];
    assert!(answers(&response, &asked, Carrier::Fedex)
        .iter()
        .all(|a| matches!(a, Err(MappingError::NotFound { .. }))));
    let invalid = parse(
        r#"{"errors": [{"code": "TRACKING.TRACKINGNUMBER.INVALID", "message": "Invalid tracking number."}]}"#,
    );
    assert!(matches!(
        &answers(&invalid, &asked, Carrier::Fedex)[0],
        Err(MappingError::Refused { code, .. }) if code == "TRACKING.TRACKINGNUMBER.INVALID"
    ));
}

#[test]
fn an_unreadable_date_names_its_field() {
    let body = json!({"output": {"completeTrackResults": [{
        "trackingNumber": "123456789012",
        "trackResults": [{"latestStatusDetail": {"code": "IT"}, "scanEvents": [
            {"date": "2026-11-19T10:00:00-05:00", "eventType": "IT"},
            {"date": "yesterday", "eventType": "PU"}
        ]}]
    }]}});
    match one(&serde_json::from_value(body).unwrap(), "123456789012") {
        Err(MappingError::BadField { field, .. }) => assert_eq!(
            field,
            "output.completeTrackResults[0].trackResults[0].scanEvents[1].date"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn places_are_title_cased_only_when_fedex_shouts() {
    let address = |city: &str, state: Option<&str>, country: Option<&str>| Address {
        city: Some(city.to_owned()),
        state_or_province_code: state.map(str::to_owned),
        country_code: country.map(str::to_owned),
    };
    assert_eq!(
        place_name(&address("ST. LOUIS", Some("MO"), Some("US"))).as_deref(),
        Some("St. Louis, MO")
    );
    assert_eq!(
        place_name(&address("WINSTON-SALEM", Some("NC"), None)).as_deref(),
        Some("Winston-Salem, NC")
    );
    assert_eq!(
        place_name(&address("Paris", None, Some("FR"))).as_deref(),
        Some("Paris, FR")
    );
    assert_eq!(place_name(&Address::default()), None);
}
