//! Mapping DHL bodies: every row of the status tables, and bodies from `tests/fixtures/dhl/`.

use serde_json::json;

use super::super::status::{STATUS_CODES, WORDING};
use super::*;
use jiff::civil::Date;
use jiff::Timestamp;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn fixture(name: &str) -> ShipmentsResponse {
    let path = format!(
        "{}/tests/fixtures/dhl/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A one-shipment answer whose status is `code` with `description`.
fn with_status(code: &str, description: &str) -> ShipmentsResponse {
    serde_json::from_value(json!({"shipments": [{
        "id": "7777777770",
        "service": "express",
        "status": {
            "timestamp": "2026-11-19T10:00:00+01:00",
            "location": {"address": {"addressLocality": "Bonn", "countryCode": "DE"}},
            "statusCode": code,
            "status": code,
            "description": description
        }
    }]}))
    .unwrap()
}

fn track(response: &ShipmentsResponse, number: &str) -> Result<Tracking, MappingError> {
    tracking(Carrier::Dhl, number, response)
}

#[test]
fn every_status_code_maps_as_its_row_says() {
    for row in STATUS_CODES {
        let tracking = track(&with_status(row.code, ""), "7777777770").unwrap();
        assert_eq!(tracking.status, row.status, "{}", row.code);
        assert_eq!(
            tracking.exception, None,
            "{}: no words, no reason",
            row.code
        );
    }
}

#[test]
fn every_wording_row_refines_each_group_it_names() {
    for row in WORDING {
        // DHL's words as they come: capitalised, inside a longer sentence.
        let words = format!(
            "Shipment update: {} at the facility",
            row.phrase.to_uppercase()
        );
        for group in row.within {
            let tracking = track(&with_status(group, &words), "7777777770").unwrap();
            assert_eq!(
                tracking.status, row.status,
                "{:?} within {group}",
                row.phrase
            );
            assert_eq!(
                tracking.exception, row.reason,
                "{:?} within {group}",
                row.phrase
            );
        }
    }
}

#[test]
fn a_failure_in_words_no_row_knows_is_an_other_exception() {
    let tracking = track(
        &with_status("failure", "Recipient refused delivery"),
        "7777777770",
    );
    assert_eq!(tracking.unwrap().exception, Some(ExceptionReason::Other));
}

#[test]
fn the_return_flag_means_returned() {
    let mut response = with_status("transit", "Shipment on its way");
    response.shipments.as_mut().unwrap()[0].return_flag = Some(true);
    assert_eq!(
        track(&response, "7777777770").unwrap().status,
        TrackingStatus::ReturnedToSender
    );
    let returned = track(&fixture("returned"), "7837361350").unwrap();
    assert_eq!(returned.status, TrackingStatus::ReturnedToSender);
}

#[test]
fn in_transit_keeps_events_oldest_first_and_the_window() {
    let tracking = track(&fixture("in_transit"), "7465097080").unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(tracking.estimated_delivery, Some(day("2026-11-21")));
    assert_eq!(
        tracking.estimated_delivery_end, None,
        "the window is one day"
    );
    assert_eq!(tracking.events.len(), 6);
    assert!(tracking.events.windows(2).all(|w| w[0].time <= w[1].time));
    assert_eq!(tracking.events[0].description, "Shipment picked up");
    assert_eq!(tracking.events[0].time, at("2026-11-16T18:55:00Z"));
    let latest = tracking.latest_event.unwrap();
    assert_eq!(latest.time, at("2026-11-20T11:40:00Z"));
    assert_eq!(latest.place.as_deref(), Some("BOSTON, MA - USA"));
    assert!(tracking.url.unwrap().contains("tracking-id=7465097080"));
}

#[test]
fn with_delivery_courier_is_out_for_delivery() {
    let tracking = track(&fixture("out_for_delivery"), "7465097080").unwrap();
    assert_eq!(tracking.status, TrackingStatus::OutForDelivery);
    assert_eq!(tracking.estimated_delivery, Some(day("2026-11-20")));
}

#[test]
fn a_clearance_delay_is_a_customs_exception() {
    let tracking = track(&fixture("exception_customs"), "7465097080").unwrap();
    assert_eq!(tracking.status, TrackingStatus::Exception);
    assert_eq!(tracking.exception, Some(ExceptionReason::Customs));
    assert_eq!(
        tracking.latest_event.unwrap().description,
        "Clearance delay"
    );
}

#[test]
fn delivered_keeps_the_proof_time_and_signer() {
    let tracking = track(&fixture("delivered"), "7465097080").unwrap();
    assert_eq!(tracking.status, TrackingStatus::Delivered);
    assert_eq!(tracking.delivered_at, Some(at("2026-11-19T16:42:00Z")));
    assert_eq!(tracking.signed_by.as_deref(), Some("T WALKER"));
    assert_eq!(tracking.estimated_delivery, None);
}

#[test]
fn express_local_times_take_the_zone_of_the_country_named() {
    let tracking = track(&fixture("express_local_times"), "1297318621").unwrap();
    assert_eq!(tracking.status, TrackingStatus::Delivered);
    // "BRUSSELS - BELGIUM": Central European Summer Time in April.
    let brussels = tracking
        .events
        .iter()
        .find(|e| e.description.starts_with("Departed Facility in BRUSSELS"))
        .unwrap();
    assert_eq!(brussels.time, at("2021-04-25T09:08:00Z"));
    // "KARACHI - PAKISTAN": UTC+5.
    assert_eq!(tracking.events[0].time, at("2021-04-22T11:41:00Z"));
    // "NEW YORK, NY - USA" spans several zones: read as UTC (and logged).
    let courier = tracking
        .events
        .iter()
        .find(|e| e.description == "With delivery courier")
        .unwrap();
    assert_eq!(courier.time, at("2021-04-26T10:10:00Z"));
    // DHL Express writes "Delivered" where nobody signed: no signer.
    assert_eq!(tracking.signed_by, None);
}

#[test]
fn of_several_services_the_newest_news_wins_and_pieces_share_the_events() {
    let tracking = track(&fixture("multi_piece"), "00340434161094015902").unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(tracking.estimated_delivery, Some(day("2026-11-21")));
    assert_eq!(tracking.estimated_delivery_end, Some(day("2026-11-23")));
    assert_eq!(tracking.events.len(), 4, "every piece's events");
    assert_eq!(
        tracking.latest_event.unwrap().place.as_deref(),
        Some("Bonn")
    );
    // The pre-transit event has no place; it is still an event.
    assert_eq!(tracking.events[0].place, None);
}

#[test]
fn no_shipment_is_not_found_and_a_bad_time_names_its_field() {
    let empty: ShipmentsResponse = serde_json::from_value(json!({"shipments": []})).unwrap();
    assert_eq!(
        track(&empty, "7777777770"),
        Err(MappingError::NotFound {
            number: "7777777770".to_owned()
        })
    );
    let bad: ShipmentsResponse = serde_json::from_value(json!({"shipments": [{
        "id": "7777777770",
        "status": {"statusCode": "transit", "timestamp": "2026-11-19T10:00:00Z"},
        "events": [{"timestamp": "last tuesday", "statusCode": "transit"}]
    }]}))
    .unwrap();
    match track(&bad, "7777777770") {
        Err(MappingError::BadField { field, .. }) => {
            assert_eq!(field, "shipments[0].events[0].timestamp")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn signers_come_from_a_person_an_organisation_or_a_plain_signee() {
    let proof =
        |value: serde_json::Value| -> ProofOfDelivery { serde_json::from_value(value).unwrap() };
    assert_eq!(
        signer(&proof(
            json!({"signed": {"givenName": "Ana", "familyName": "Silva"}})
        ))
        .as_deref(),
        Some("Ana Silva")
    );
    assert_eq!(
        signer(&proof(
            json!({"signed": {"@type": "Organization", "organizationName": "ACME GMBH"}})
        ))
        .as_deref(),
        Some("ACME GMBH")
    );
    assert_eq!(
        signer(&proof(json!({"signee": "JESSICA"}))).as_deref(),
        Some("JESSICA")
    );
    assert_eq!(signer(&proof(json!({}))), None);
}
