//! The USPS tracker against a loopback stand-in of the Tracking API v3 and its OAuth endpoint,
//! serving bodies in USPS's documented shape (`tests/fixtures/usps/`, sources in `SOURCES.md`):
//! the conformance suite, every status the demo needs, every failure class on a recording
//! clock, and the demo shop end to end through `deskbot.toml` and `connect()`. Nothing here
//! reaches the internet.
#![cfg(feature = "usps")]

mod common;
#[path = "carrier_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::carriers::usps::UspsTracker;
use deskbot::adapters::conformance::{self, KnownParcel};
use deskbot::adapters::http::{parse_base_url, Clock, RecordingClock};
use deskbot::adapters::{AdapterError, CarrierTracker, Secret};
use deskbot::carrier::Carrier;
use deskbot::respond::facts::{ExceptionReason, TrackingStatus};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::{fixture, ok, quick, requests_to, script, CLIENT_ID, CLIENT_SECRET};

const TOKEN_PATH: &str = "/oauth2/v3/token";

/// The conformance parcel of `conformance.json`.
const KNOWN: KnownParcel<'static> = KnownParcel {
    carrier: Carrier::Usps,
    number: "9400111899223100000013",
    place: "LOUISVILLE, KY",
    unknown: "9400111899223100000020",
};

fn item(number: &str) -> String {
    format!("/tracking/v3/tracking/{number}")
}

fn token(value: &str, expires_in: u64) -> ResponseTemplate {
    let mut body = fixture("usps", "token.json");
    body["access_token"] = json!(value);
    body["expires_in"] = json!(expires_in);
    ResponseTemplate::new(200).set_body_json(body)
}

/// A stand-in whose token endpoint takes the test app's credentials as USPS documents (a JSON
/// body) and answers `tokens` in turn.
async fn stand_in(tokens: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_json(json!({
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        })))
        .respond_with(script(tokens))
        .mount(&server)
        .await;
    server
}

/// Serves `answer` for `number` to requests carrying `bearer`.
async fn serve(
    server: &MockServer,
    number: &str,
    bearer: &str,
    answer: impl wiremock::Respond + 'static,
) {
    Mock::given(method("GET"))
        .and(path(item(number)))
        .and(query_param("expand", "DETAIL"))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
        .respond_with(answer)
        .mount(server)
        .await;
}

async fn serve_fixture(server: &MockServer, number: &str, name: &str) {
    serve(server, number, "usps-token-1", ok("usps", name)).await;
}

fn tracker(server: &MockServer) -> (UspsTracker, Arc<RecordingClock>) {
    let (config, clock) = quick();
    let usps = UspsTracker::new(
        parse_base_url(&server.uri()).unwrap(),
        Secret::new(CLIENT_ID),
        Secret::new(CLIENT_SECRET),
        &config,
    )
    .unwrap()
    .with_clock(clock.clone() as Arc<dyn Clock>);
    (usps, clock)
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(fixture("usps", "not_found.json"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_usps_tracker_keeps_the_carrier_tracker_contract() {
    let server = stand_in(vec![token("usps-token-1", 28799)]).await;
    serve_fixture(&server, KNOWN.number, "conformance.json").await;
    serve(&server, KNOWN.unknown, "usps-token-1", not_found()).await;
    let (usps, _) = tracker(&server);
    conformance::carrier_tracker_for(&usps, &KNOWN).await;
    assert_eq!(usps.name(), "usps");
    assert!(usps.supports(&Carrier::Usps) && !usps.supports(&Carrier::Ups));
    assert_eq!(
        requests_to(&server, TOKEN_PATH).await.len(),
        1,
        "one token for all"
    );
    usps.check_connection().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn delivered_in_transit_out_for_delivery_and_exception_bodies_read_as_facts() {
    let server = stand_in(vec![token("usps-token-1", 28799)]).await;
    for (number, name) in [
        ("9400111367065098857770", "delivered.json"),
        ("9400111798643261622439", "in_transit.json"),
        ("9400111701811567352099", "out_for_delivery.json"),
        ("9400111104639405802109", "exception.json"),
        ("9400111899223197428490", "available_for_pickup.json"),
    ] {
        serve_fixture(&server, number, name).await;
    }
    let (usps, _) = tracker(&server);

    let delivered = usps
        .track(&Carrier::Usps, "9400 1113 6706 5098 8577 70")
        .await
        .unwrap();
    assert_eq!(delivered.number, "9400111367065098857770");
    assert_eq!(delivered.status, TrackingStatus::Delivered);
    assert_eq!(
        delivered.delivered_at,
        Some("2026-10-15T18:20:00Z".parse().unwrap())
    );
    assert_eq!(delivered.delivered_place.as_deref(), Some("In/At Mailbox"));

    let moving = usps
        .track(&Carrier::Usps, "9400111798643261622439")
        .await
        .unwrap();
    assert_eq!(moving.status, TrackingStatus::InTransit);
    assert_eq!(
        moving.estimated_delivery,
        Some("2026-11-21".parse().unwrap())
    );
    assert_eq!(
        moving.latest_event.unwrap().time,
        "2026-11-20T07:48:00Z".parse().unwrap()
    );

    let out = usps
        .track(&Carrier::Usps, "9400111701811567352099")
        .await
        .unwrap();
    assert_eq!(out.status, TrackingStatus::OutForDelivery);

    let undeliverable = usps
        .track(&Carrier::Usps, "9400111104639405802109")
        .await
        .unwrap();
    assert_eq!(undeliverable.status, TrackingStatus::Exception);
    assert_eq!(
        undeliverable.exception,
        Some(ExceptionReason::AddressProblem)
    );

    let waiting = usps
        .track(&Carrier::Usps, "9400111899223197428490")
        .await
        .unwrap();
    assert_eq!(waiting.exception, Some(ExceptionReason::HeldForPickup));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_numbers_are_not_found_however_usps_says_it() {
    let server = stand_in(vec![token("usps-token-1", 28799)]).await;
    serve(
        &server,
        "9400111899223100000020",
        "usps-token-1",
        not_found(),
    )
    .await;
    serve(
        &server,
        "9400111899223100000037",
        "usps-token-1",
        ResponseTemplate::new(200).set_body_json(fixture("usps", "not_found.json")),
    )
    .await;
    let (usps, _) = tracker(&server);
    for number in [
        "9400111899223100000020",
        "9400111899223100000037",
        "94001/../token",
    ] {
        let answer = usps.track(&Carrier::Usps, number).await;
        assert!(
            matches!(&answer, Err(AdapterError::NotFound { what }) if what.contains("USPS")),
            "{number}: {answer:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn several_items_of_one_order_come_back_in_the_order_asked() {
    let server = stand_in(vec![token("usps-token-1", 28799)]).await;
    serve_fixture(&server, "9400111798643261622439", "in_transit.json").await;
    serve_fixture(&server, "9400111367065098857770", "delivered.json").await;
    serve(
        &server,
        "9400111899223100000020",
        "usps-token-1",
        not_found(),
    )
    .await;
    let (usps, _) = tracker(&server);
    let answers = usps
        .track_many(&[
            (Carrier::Usps, "9400111367065098857770".to_owned()),
            (Carrier::Usps, "9400111798643261622439".to_owned()),
            (Carrier::Usps, "9400111899223100000020".to_owned()),
        ])
        .await;
    assert_eq!(
        answers[0].as_ref().unwrap().status,
        TrackingStatus::Delivered
    );
    assert_eq!(
        answers[1].as_ref().unwrap().status,
        TrackingStatus::InTransit
    );
    assert!(matches!(answers[2], Err(AdapterError::NotFound { .. })));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_replaced_before_the_next_lookup() {
    let server = stand_in(vec![
        token("usps-token-1", 120),
        token("usps-token-2", 28799),
    ])
    .await;
    serve_fixture(&server, "9400111798643261622439", "in_transit.json").await;
    serve(
        &server,
        "9400111798643261622439",
        "usps-token-2",
        ok("usps", "in_transit.json"),
    )
    .await;
    let (usps, clock) = tracker(&server);
    usps.track(&Carrier::Usps, "9400111798643261622439")
        .await
        .unwrap();
    clock.sleep(Duration::from_secs(59)).await;
    usps.track(&Carrier::Usps, "9400111798643261622439")
        .await
        .unwrap();
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1, "cached");
    clock.sleep(Duration::from_secs(61)).await;
    usps.track(&Carrier::Usps, "9400111798643261622439")
        .await
        .unwrap();
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2, "renewed");
    let lookups = requests_to(&server, &item("9400111798643261622439")).await;
    assert_eq!(
        lookups[2].headers.get("authorization").unwrap(),
        "Bearer usps-token-2"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_fetches_a_new_token_once_then_succeeds() {
    let server = stand_in(vec![
        token("usps-token-1", 28799),
        token("usps-token-2", 28799),
    ])
    .await;
    serve(
        &server,
        "9400111798643261622439",
        "usps-token-1",
        ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_token", "error_description": "The access token expired"
        })),
    )
    .await;
    serve(
        &server,
        "9400111798643261622439",
        "usps-token-2",
        ok("usps", "in_transit.json"),
    )
    .await;
    let (usps, clock) = tracker(&server);
    let tracking = usps
        .track(&Carrier::Usps, "9400111798643261622439")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
    assert!(clock.waits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_usps_refuses_are_unauthenticated() {
    let refused = stand_in(vec![ResponseTemplate::new(401).set_body_json(json!({
        "error": "invalid_client",
        "error_description": "Client authentication failed.",
        "error_uri": "https://datatracker.ietf.org/doc/html/rfc6749#page-45"
    }))])
    .await;
    let (usps, _) = tracker(&refused);
    let answer = usps.track(&Carrier::Usps, "9400111798643261622439").await;
    assert!(
        matches!(answer, Err(AdapterError::Unauthenticated { .. })),
        "{answer:?}"
    );
    assert!(matches!(
        usps.check_connection().await,
        Err(AdapterError::Unauthenticated { .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let server = stand_in(vec![token("usps-token-1", 28799)]).await;
    serve(
        &server,
        "9400111798643261622439",
        "usps-token-1",
        script(vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "2"),
            ok("usps", "in_transit.json"),
        ]),
    )
    .await;
    let (usps, clock) = tracker(&server);
    let tracking = usps
        .track(&Carrier::Usps, "9400111798643261622439")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(clock.waits(), [Duration::from_secs(2)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_is_retried_after_a_backoff_then_succeeds() {
    let server = stand_in(vec![token("usps-token-1", 28799)]).await;
    serve(
        &server,
        "9400111798643261622439",
        "usps-token-1",
        script(vec![
            ResponseTemplate::new(500),
            ResponseTemplate::new(502),
            ok("usps", "in_transit.json"),
        ]),
    )
    .await;
    let (usps, clock) = tracker(&server);
    let tracking = usps
        .track(&Carrier::Usps, "9400111798643261622439")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(clock.waits().len(), 2);
    assert_eq!(
        requests_to(&server, &item("9400111798643261622439"))
            .await
            .len(),
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_body_is_a_bad_response_naming_the_field() {
    let server = stand_in(vec![token("usps-token-1", 28799)]).await;
    serve(
        &server,
        "9400111798643261622439",
        "usps-token-1",
        ResponseTemplate::new(200).set_body_string("{\"trackingNumber\": \"9400"),
    )
    .await;
    let mut wrong_type = fixture("usps", "delivered.json");
    wrong_type["trackingEvents"][2]["eventCode"] = json!(7);
    serve(
        &server,
        "9400111367065098857770",
        "usps-token-1",
        ResponseTemplate::new(200).set_body_json(wrong_type),
    )
    .await;
    let (usps, _) = tracker(&server);
    let answer = usps.track(&Carrier::Usps, "9400111798643261622439").await;
    assert!(
        matches!(&answer, Err(AdapterError::BadResponse { vendor, .. }) if vendor == "usps"),
        "{answer:?}"
    );
    match usps.track(&Carrier::Usps, "9400111367065098857770").await {
        Err(AdapterError::BadResponse { field, .. }) => {
            assert_eq!(field, "trackingEvents[2].eventCode")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_endpoint_is_a_configuration_problem_not_an_unknown_item() {
    let server = MockServer::start().await;
    let (usps, _) = tracker(&server);
    let answer = usps.track(&Carrier::Usps, "9400111798643261622439").await;
    assert!(
        matches!(&answer, Err(AdapterError::Invalid { message }) if message.contains("base_url")),
        "{answer:?}"
    );
    assert!(usps.check_connection().await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_orders_are_answered_from_usps_bodies_through_deskbot_toml() {
    let server = stand_in(vec![token("usps-token-1", 28799)]).await;
    for (number, name) in [
        ("9400111798643261622439", "in_transit.json"),
        ("9400111413921254562002", "delayed.json"),
        ("9400111367065098857770", "delivered.json"),
        ("9400111104639405802109", "exception.json"),
    ] {
        serve_fixture(&server, number, name).await;
    }
    let (responder, config) = support::demo_responder(&server, "usps", "USPS");
    for (message, email, expected, number) in [
        (
            "Where is my order #1001?",
            "jane@example.com",
            "tracking/in_transit",
            "9400111798643261622439",
        ),
        (
            "My order #1009 should be here by now, where is it?",
            "ana@example.com",
            "tracking/delayed",
            "9400111413921254562002",
        ),
        (
            "Has order #1007 been delivered?",
            "sofia@example.com",
            "tracking/delivered",
            "9400111367065098857770",
        ),
        (
            "Where is parcel 9400111104639405802109 of order #1011?",
            "lucas@example.com",
            "handoff/policy_requires_human/carrier_exception",
            "9400111104639405802109",
        ),
    ] {
        let (label, outcome) = support::tracking_answer(&responder, &config, message, email).await;
        assert_eq!(label, expected, "{message}: {outcome:?}");
        assert!(
            !requests_to(&server, &item(number)).await.is_empty(),
            "{number} was tracked at the stand-in"
        );
    }
    // The reply states USPS's facts, not the demo files': jane's item is at the Columbus
    // distribution center.
    let (_, outcome) = support::tracking_answer(
        &responder,
        &config,
        "Where is my order #1001?",
        "jane@example.com",
    )
    .await;
    let facts = serde_json::to_string(&outcome).unwrap();
    assert!(facts.contains("COLUMBUS OH DISTRIBUTION CENTER"), "{facts}");
}

/// A 404 without USPS's error body (a proxy's page, a wrong `base_url` path) is a
/// configuration error, not every parcel unknown. (Found by an audit: only DHL told the two
/// apart.) `doctor` checks USPS by its token endpoint, which a wrong path fails already.
#[tokio::test(flavor = "multi_thread")]
async fn a_404_that_is_not_usps_error_body_is_a_configuration_error() {
    let server = stand_in(vec![token("usps-token-1", 28_799)]).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&server)
        .await;
    let (usps, _) = tracker(&server);
    let answer = usps.track(&Carrier::Usps, "9400111798643261622439").await;
    assert!(
        matches!(&answer, Err(AdapterError::Invalid { message }) if message.contains("check base_url")),
        "{answer:?}"
    );
}
