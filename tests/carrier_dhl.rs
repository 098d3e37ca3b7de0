//! The DHL tracker against a loopback stand-in of Shipment Tracking – Unified, serving bodies in
//! DHL's documented shape (`tests/fixtures/dhl/`, sources in its `SOURCES.md`): the conformance
//! suite, each kind of parcel, every failure class on a recording clock (429 with `Retry-After`
//! above all: DHL limits calls per key), and the demo shop's stories end to end through
//! `deskbot.toml`.

#![cfg(feature = "dhl")]

#[path = "carrier_support_fd/mod.rs"]
mod carrier_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use carrier_support::{
    assert_carrier_exception, base, demo_config, demo_responder, fixture, quick, script, where_is,
};
use deskbot::adapters::carriers::DhlTracker;
use deskbot::adapters::http::RecordingClock;
use deskbot::adapters::{conformance, AdapterError, CarrierTracker, Secret};
use deskbot::carrier::Carrier;
use deskbot::jiff::Timestamp;
use deskbot::respond::facts::{ExceptionReason, TrackingStatus};
use deskbot::respond::scripts::HandoffReason;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SHIPMENTS: &str = "/track/shipments";
const KEY: &str = "demo-dhl-api-key";

/// Shipment Tracking – Unified: the fixtures it holds by `trackingNumber`, 404 problem+json
/// for the others, 401 without the right `DHL-API-Key`.
struct Unified {
    known: HashMap<String, Value>,
}

impl Unified {
    fn serving(fixtures: &[&str]) -> Self {
        let mut known = HashMap::new();
        for name in fixtures {
            let body = fixture("dhl", name);
            let id = body["shipments"][0]["id"].as_str().unwrap().to_owned();
            known.insert(id, body);
        }
        Unified { known }
    }
}

fn asked_number(request: &Request) -> String {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == "trackingNumber")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

impl Respond for Unified {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let key = request
            .headers
            .get("dhl-api-key")
            .and_then(|v| v.to_str().ok());
        if key != Some(KEY) {
            return ResponseTemplate::new(401)
                .insert_header("content-type", "application/problem+json")
                .set_body_json(
                    json!({"title": "Unauthorized", "status": 401, "detail": "Invalid API key"}),
                );
        }
        match self.known.get(&asked_number(request)) {
            Some(body) => ResponseTemplate::new(200).set_body_json(body.clone()),
            None => ResponseTemplate::new(404)
                .insert_header("content-type", "application/problem+json")
                .set_body_json(fixture("dhl", "not_found")),
        }
    }
}

async fn stand_in(fixtures: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SHIPMENTS))
        .respond_with(Unified::serving(fixtures))
        .mount(&server)
        .await;
    server
}

fn tracker(server: &MockServer, clock: &Arc<RecordingClock>) -> DhlTracker {
    DhlTracker::new(base(&server.uri()), Secret::new(KEY), &quick())
        .unwrap()
        .with_clock(clock.clone())
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dhl_tracker_passes_the_conformance_suite() {
    let server = stand_in(&["conformance"]).await;
    let clock = Arc::new(RecordingClock::default());
    let tracker = tracker(&server, &clock);
    let parcel = conformance::KnownParcel {
        carrier: Carrier::Dhl,
        number: "00340434292135100186",
        place: "Louisville, KY",
        unknown: "0000000000",
    };
    conformance::carrier_tracker_for(&tracker, &parcel).await;
    assert!(tracker.supports(&Carrier::DhlEcommerce));
    assert!(!tracker.supports(&Carrier::Fedex) && !tracker.supports(&Carrier::Ups));
    assert_eq!(tracker.name(), "dhl");
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_follow_dhl_documented_shape() {
    let server = stand_in(&["in_transit"]).await;
    let clock = Arc::new(RecordingClock::default());
    tracker(&server, &clock)
        .track(&Carrier::Dhl, "74 6509 7080")
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(request.url.path(), SHIPMENTS);
    assert_eq!(request.headers["dhl-api-key"], KEY);
    assert!(request.headers.get("authorization").is_none());
    let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
    assert_eq!(query["trackingNumber"], "7465097080");
    assert_eq!(query["language"], "en");
    assert!(!query.contains_key("service"), "no hint unless configured");

    let hinted = tracker(&server, &clock).with_service("express");
    hinted.track(&Carrier::Dhl, "7465097080").await.unwrap();
    let request = server.received_requests().await.unwrap().pop().unwrap();
    assert!(request.url.query().unwrap().contains("service=express"));
}

#[tokio::test(flavor = "multi_thread")]
async fn each_kind_of_parcel_reads_through_the_stand_in() {
    let clock = Arc::new(RecordingClock::default());
    let cases = [
        ("in_transit", "7465097080", TrackingStatus::InTransit, None),
        (
            "out_for_delivery",
            "7465097080",
            TrackingStatus::OutForDelivery,
            None,
        ),
        ("delivered", "7465097080", TrackingStatus::Delivered, None),
        (
            "exception_customs",
            "7465097080",
            TrackingStatus::Exception,
            Some(ExceptionReason::Customs),
        ),
        (
            "returned",
            "7837361350",
            TrackingStatus::ReturnedToSender,
            None,
        ),
        (
            "multi_piece",
            "00340434161094015902",
            TrackingStatus::InTransit,
            None,
        ),
    ];
    for (name, number, status, reason) in cases {
        let server = stand_in(&[name]).await;
        let tracking = tracker(&server, &clock)
            .track(&Carrier::Dhl, number)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (tracking.status, tracking.exception),
            (status, reason),
            "{name}"
        );
        assert_eq!(tracking.number, number);
        assert!(!tracking.events.is_empty(), "{name}: events kept");
    }
    let server = stand_in(&["in_transit"]).await;
    let moving = tracker(&server, &clock)
        .track(&Carrier::Dhl, "7465097080")
        .await
        .unwrap();
    assert_eq!(
        moving.estimated_delivery,
        Some("2026-11-21".parse().unwrap())
    );
    assert_eq!(
        moving.latest_event.unwrap().time,
        at("2026-11-20T11:40:00Z")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_number_is_not_found_from_the_problem_json_404() {
    let server = stand_in(&[]).await;
    let clock = Arc::new(RecordingClock::default());
    match tracker(&server, &clock)
        .track(&Carrier::Dhl, "1234567890")
        .await
    {
        Err(AdapterError::NotFound { what }) => {
            assert!(
                what.contains("DHL") && what.contains("1234567890"),
                "{what}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(clock.waits().is_empty(), "a 404 is final");
}

/// A `base_url` that points somewhere other than DHL answers 404 without DHL's problem body:
/// that is a configuration error, not an unknown parcel, and `doctor` must not pass it.
#[tokio::test(flavor = "multi_thread")]
async fn a_404_that_is_not_dhls_problem_body_is_a_configuration_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let dhl = tracker(&server, &clock);
    let answer = dhl.track(&Carrier::Dhl, "1234567890").await;
    assert!(
        matches!(&answer, Err(AdapterError::Invalid { message }) if message.contains("check base_url")),
        "{answer:?}"
    );
    let doctor = dhl.check_connection().await;
    assert!(
        matches!(doctor, Err(AdapterError::Invalid { .. })),
        "{doctor:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SHIPMENTS))
        .respond_with(script(vec![
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "2")
                .insert_header("content-type", "application/problem+json")
                .set_body_json(json!({"title": "Too Many Requests", "status": 429, "detail": "Too many requests."})),
            ResponseTemplate::new(200).set_body_json(fixture("dhl", "in_transit")),
        ]))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let tracking = tracker(&server, &clock)
        .track(&Carrier::Dhl, "7465097080")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(clock.waits(), [Duration::from_secs(2)]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_asking_to_wait_past_the_deadline_is_rate_limited_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SHIPMENTS))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let error = tracker(&server, &clock)
        .track(&Carrier::Dhl, "7465097080")
        .await
        .unwrap_err();
    assert_eq!(
        error,
        AdapterError::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        }
    );
    assert!(clock.waits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_backs_off_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SHIPMENTS))
        .respond_with(script(vec![
            ResponseTemplate::new(502),
            ResponseTemplate::new(200).set_body_json(fixture("dhl", "delivered")),
        ]))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let tracking = tracker(&server, &clock)
        .track(&Carrier::Dhl, "7465097080")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::Delivered);
    let waits = clock.waits();
    assert_eq!(waits.len(), 1);
    assert!(waits[0] >= Duration::from_millis(100) && waits[0] <= Duration::from_millis(200));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_is_unauthenticated_and_not_retried() {
    let server = stand_in(&["in_transit"]).await;
    let clock = Arc::new(RecordingClock::default());
    let wrong = DhlTracker::new(base(&server.uri()), Secret::new("not-the-key"), &quick())
        .unwrap()
        .with_clock(clock.clone());
    let error = wrong.check_connection().await.unwrap_err();
    assert_eq!(error.kind(), "unauthenticated", "{error}");
    assert!(!error.to_string().contains("not-the-key"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // The right key passes the doctor's check even though DHL does not know the sample number.
    tracker(&server, &clock).check_connection().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_body_is_a_bad_response_naming_the_field() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SHIPMENTS))
        .respond_with(script(vec![
            ResponseTemplate::new(200).set_body_string("<!DOCTYPE html><title>Maintenance</title>"),
            ResponseTemplate::new(200).set_body_json(
                json!({"shipments": [{"id": "7465097080", "events": {"oops": true}}]}),
            ),
        ]))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let dhl = tracker(&server, &clock);
    let error = dhl.track(&Carrier::Dhl, "7465097080").await.unwrap_err();
    assert!(
        matches!(&error, AdapterError::BadResponse { vendor, .. } if vendor == "dhl"),
        "{error:?}"
    );
    match dhl.track(&Carrier::Dhl, "7465097080").await {
        Err(AdapterError::BadResponse { field, .. }) => assert_eq!(field, "shipments[0].events"),
        other => panic!("{other:?}"),
    }
}

fn dhl_table(uri: &str) -> String {
    format!("[carriers.dhl]\nbase_url = \"{uri}\"\n")
}

const DHL_ENV: [(&str, &str); 1] = [("DHL_API_KEY", KEY)];

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_stories_end_to_end_through_deskbot_toml() {
    // tom's DHL Express parcel, as DHL tells it on four different days.
    for (body, situation) in [
        ("in_transit", "tracking/in_transit"),
        ("delayed", "tracking/delayed"),
        ("delivered", "tracking/delivered"),
    ] {
        let server = stand_in(&[body]).await;
        let config = demo_config(&dhl_table(&server.uri()), &DHL_ENV);
        assert_eq!(config.carriers.configured(), ["dhl"]);
        let outcome = where_is(&demo_responder(&config), "tom@example.com", "1008").await;
        assert_eq!(outcome.situation(), Some(situation), "{body}: {outcome:?}");
        if body == "in_transit" {
            let text = outcome.reply_text().unwrap();
            assert!(
                text.contains("estimates delivery by Saturday, November 21"),
                "{text}"
            );
        }
    }
    let server = stand_in(&["exception_customs"]).await;
    let config = demo_config(&dhl_table(&server.uri()), &DHL_ENV);
    let outcome = where_is(&demo_responder(&config), "tom@example.com", "1008").await;
    let detail = assert_carrier_exception(&outcome);
    assert!(
        detail.contains("DHL") && detail.contains("Clearance delay"),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dhl_failure_to_answer_goes_to_a_person() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SHIPMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"shipments\": [{"))
        .mount(&server)
        .await;
    let config = demo_config(&dhl_table(&server.uri()), &DHL_ENV);
    let outcome = where_is(&demo_responder(&config), "tom@example.com", "1008").await;
    match outcome.handoff_reason() {
        Some(HandoffReason::AdapterFailure { kind, .. }) => assert_eq!(*kind, "bad_response"),
        other => panic!("{other:?}"),
    }
}
