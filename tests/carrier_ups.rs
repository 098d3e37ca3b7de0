//! The UPS tracker against a loopback stand-in of the Track API v1 and its OAuth endpoint,
//! serving bodies in UPS's documented shape (`tests/fixtures/ups/`, sources in `SOURCES.md`):
//! the conformance suite, every status the demo needs, every failure class on a recording
//! clock, and the demo shop end to end through `deskbot.toml` and `connect()`. Nothing here
//! reaches the internet.
#![cfg(feature = "ups")]

mod common;
#[path = "carrier_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::carriers::ups::UpsTracker;
use deskbot::adapters::conformance;
use deskbot::adapters::http::{parse_base_url, Clock, HttpConfig, RecordingClock};
use deskbot::adapters::{AdapterError, CarrierTracker, Secret};
use deskbot::carrier::Carrier;
use deskbot::respond::facts::{ExceptionReason, TrackingStatus};
use serde_json::json;
use wiremock::matchers::{body_string, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::{fixture, ok, quick, requests_to, script, CLIENT_ID, CLIENT_SECRET};

const TOKEN_PATH: &str = "/security/v1/oauth/token";
/// HTTP Basic for `CLIENT_ID:CLIENT_SECRET`.
const BASIC: &str = "Basic ZGVza2JvdC10ZXN0LWNsaWVudDpzM2NyZXQtdmFsdWU=";

fn details(number: &str) -> String {
    format!("/api/track/v1/details/{number}")
}

fn token(value: &str, expires_in: &str) -> ResponseTemplate {
    let mut body = fixture("ups", "token.json");
    body["access_token"] = json!(value);
    body["expires_in"] = json!(expires_in);
    ResponseTemplate::new(200).set_body_json(body)
}

/// A stand-in whose token endpoint takes the test app's credentials the way UPS documents
/// (HTTP Basic, a form with `grant_type`) and answers `tokens` in turn.
async fn stand_in(tokens: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("authorization", BASIC))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(script(tokens))
        .mount(&server)
        .await;
    server
}

/// Serves `answer` for `number` to requests carrying `bearer` and the headers UPS requires.
async fn serve(
    server: &MockServer,
    number: &str,
    bearer: &str,
    answer: impl wiremock::Respond + 'static,
) {
    Mock::given(method("GET"))
        .and(path(details(number)))
        .and(query_param("locale", "en_US"))
        .and(query_param("returnSignature", "false"))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
        .and(header_exists("transid"))
        .and(header("transactionsrc", "deskbot"))
        .respond_with(answer)
        .mount(server)
        .await;
}

async fn serve_fixture(server: &MockServer, number: &str, name: &str) {
    serve(server, number, "ups-token-1", ok("ups", name)).await;
}

fn tracker_with(
    server: &MockServer,
    config: &HttpConfig,
    clock: &Arc<RecordingClock>,
) -> UpsTracker {
    UpsTracker::new(
        parse_base_url(&server.uri()).unwrap(),
        Secret::new(CLIENT_ID),
        Secret::new(CLIENT_SECRET),
        config,
    )
    .unwrap()
    .with_clock(clock.clone() as Arc<dyn Clock>)
}

fn tracker(server: &MockServer) -> (UpsTracker, Arc<RecordingClock>) {
    let (config, clock) = quick();
    (tracker_with(server, &config, &clock), clock)
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(fixture("ups", "not_found.json"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ups_tracker_keeps_the_carrier_tracker_contract() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    serve_fixture(&server, conformance::KNOWN_UPS_NUMBER, "conformance.json").await;
    serve(&server, "1Z999AA10000000000", "ups-token-1", not_found()).await;
    let (ups, _) = tracker(&server);
    conformance::carrier_tracker(&ups).await;
    assert_eq!(ups.name(), "ups");
    assert!(ups.supports(&Carrier::Ups) && !ups.supports(&Carrier::Usps));

    // Every lookup carried its own transaction id, and one token served them all.
    let lookups = requests_to(&server, &details(conformance::KNOWN_UPS_NUMBER)).await;
    assert_eq!(lookups.len(), 4);
    let mut ids: Vec<String> = lookups
        .iter()
        .map(|r| {
            r.headers
                .get("transid")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        ids.iter().all(|id| !id.is_empty() && id.len() <= 32),
        "{ids:?}"
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "transId is unique per lookup");
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn delivered_in_transit_out_for_delivery_and_exception_bodies_read_as_facts() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    for (number, name) in [
        ("1ZE7V2180355089359", "delivered.json"),
        ("1ZE7V2180388685590", "in_transit.json"),
        ("1ZE7V2180390227317", "out_for_delivery.json"),
        ("1ZE7V2180374041202", "exception.json"),
    ] {
        serve_fixture(&server, number, name).await;
    }
    let (ups, _) = tracker(&server);

    let delivered = ups
        .track(&Carrier::Ups, "1ZE7V2180355089359")
        .await
        .unwrap();
    assert_eq!(delivered.status, TrackingStatus::Delivered);
    assert_eq!(
        delivered.delivered_at,
        Some("2026-11-19T21:47:00Z".parse().unwrap())
    );
    assert_eq!(delivered.delivered_place.as_deref(), Some("Front Door"));
    assert_eq!(delivered.events.len(), 6);

    let moving = ups
        .track(&Carrier::Ups, "1ze7v2180388685590")
        .await
        .unwrap();
    assert_eq!(moving.number, "1ZE7V2180388685590");
    assert_eq!(moving.status, TrackingStatus::InTransit);
    assert_eq!(
        moving.estimated_delivery,
        Some("2026-11-23".parse().unwrap())
    );
    let latest = moving.latest_event.unwrap();
    assert_eq!(latest.place.as_deref(), Some("Hodgkins, IL"));
    assert_eq!(latest.time, "2026-11-20T09:25:00Z".parse().unwrap());

    let out = ups
        .track(&Carrier::Ups, "1ZE7V2180390227317")
        .await
        .unwrap();
    assert_eq!(out.status, TrackingStatus::OutForDelivery);

    let held = ups
        .track(&Carrier::Ups, "1ZE7V2180374041202")
        .await
        .unwrap();
    assert_eq!(held.status, TrackingStatus::Exception);
    assert_eq!(held.exception, Some(ExceptionReason::Other));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_numbers_are_not_found_however_ups_says_it() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    serve(&server, "1ZE7V2180399999988", "ups-token-1", not_found()).await;
    serve_fixture(&server, "1ZE7V2180399999997", "warning_only.json").await;
    let (ups, _) = tracker(&server);
    for number in ["1ZE7V2180399999988", "1ZE7V2180399999997", "1Z!"] {
        match ups.track(&Carrier::Ups, number).await {
            Err(AdapterError::NotFound { what }) => assert!(what.contains("UPS"), "{what}"),
            other => panic!("{number}: {other:?}"),
        }
    }
    // Not a UPS number at all: no call.
    assert!(requests_to(&server, &details("1Z!")).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_piece_of_a_multi_piece_shipment_and_track_many_in_order() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    for number in ["1ZE7V2180391865010", "1ZE7V2180391865029"] {
        serve_fixture(&server, number, "multi_piece.json").await;
    }
    serve(&server, "1ZE7V2180399999988", "ups-token-1", not_found()).await;
    let (ups, _) = tracker(&server);
    let answers = ups
        .track_many(&[
            (Carrier::Ups, "1ZE7V2180391865029".to_owned()),
            (Carrier::Ups, "1ZE7V2180399999988".to_owned()),
            (Carrier::Ups, "1ZE7V2180391865010".to_owned()),
        ])
        .await;
    assert_eq!(
        answers[0].as_ref().unwrap().status,
        TrackingStatus::InTransit
    );
    assert!(matches!(answers[1], Err(AdapterError::NotFound { .. })));
    let lead = answers[2].as_ref().unwrap();
    assert_eq!(lead.status, TrackingStatus::Delivered);
    assert_eq!(lead.signed_by.as_deref(), Some("MORALES"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_replaced_before_the_next_lookup() {
    // 120 s of life: renewed a minute early, so after two minutes it is gone.
    let server = stand_in(vec![
        token("ups-token-1", "120"),
        token("ups-token-2", "14399"),
    ])
    .await;
    serve_fixture(&server, "1ZE7V2180388685590", "in_transit.json").await;
    serve(
        &server,
        "1ZE7V2180388685590",
        "ups-token-2",
        ok("ups", "in_transit.json"),
    )
    .await;
    let (ups, clock) = tracker(&server);
    ups.track(&Carrier::Ups, "1ZE7V2180388685590")
        .await
        .unwrap();
    ups.track(&Carrier::Ups, "1ZE7V2180388685590")
        .await
        .unwrap();
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1, "cached");
    clock.sleep(Duration::from_secs(120)).await;
    ups.track(&Carrier::Ups, "1ZE7V2180388685590")
        .await
        .unwrap();
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2, "renewed");
    let lookups = requests_to(&server, &details("1ZE7V2180388685590")).await;
    let bearer = lookups[2].headers.get("authorization").unwrap();
    assert_eq!(bearer, "Bearer ups-token-2");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_fetches_a_new_token_once_then_succeeds() {
    let server = stand_in(vec![
        token("ups-token-1", "14399"),
        token("ups-token-2", "14399"),
    ])
    .await;
    serve(
        &server,
        "1ZE7V2180388685590",
        "ups-token-1",
        ResponseTemplate::new(401),
    )
    .await;
    serve(
        &server,
        "1ZE7V2180388685590",
        "ups-token-2",
        ok("ups", "in_transit.json"),
    )
    .await;
    let (ups, clock) = tracker(&server);
    let tracking = ups
        .track(&Carrier::Ups, "1ZE7V2180388685590")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
    assert!(clock.waits().is_empty(), "a new token is tried at once");
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_ups_refuses_are_unauthenticated() {
    // The API refuses every token.
    let server = stand_in(vec![
        token("ups-token-1", "14399"),
        token("ups-token-2", "14399"),
    ])
    .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let (ups, _) = tracker(&server);
    let answer = ups.track(&Carrier::Ups, "1ZE7V2180388685590").await;
    assert!(
        matches!(answer, Err(AdapterError::Unauthenticated { .. })),
        "{answer:?}"
    );
    assert_eq!(
        requests_to(&server, TOKEN_PATH).await.len(),
        2,
        "one refresh, not more"
    );

    // The token endpoint refuses the client.
    let refused = stand_in(vec![ResponseTemplate::new(401).set_body_json(json!({
        "response": {"errors": [{"code": "10401", "message": "ClientId is Invalid"}]}
    }))])
    .await;
    let (ups, _) = tracker(&refused);
    let answer = ups.track(&Carrier::Ups, "1ZE7V2180388685590").await;
    assert!(
        matches!(answer, Err(AdapterError::Unauthenticated { .. })),
        "{answer:?}"
    );
    assert!(ups.check_connection().await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    serve(
        &server,
        "1ZE7V2180388685590",
        "ups-token-1",
        script(vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "3"),
            ok("ups", "in_transit.json"),
        ]),
    )
    .await;
    let (ups, clock) = tracker(&server);
    let tracking = ups
        .track(&Carrier::Ups, "1ZE7V2180388685590")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(clock.waits(), [Duration::from_secs(3)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_is_retried_after_a_backoff_then_succeeds() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    serve(
        &server,
        "1ZE7V2180388685590",
        "ups-token-1",
        script(vec![
            ResponseTemplate::new(503).set_body_json(json!({
                "response": {"errors": [{"code": "9999", "message": "Resource is not available"}]}
            })),
            ok("ups", "in_transit.json"),
        ]),
    )
    .await;
    let (ups, clock) = tracker(&server);
    let tracking = ups
        .track(&Carrier::Ups, "1ZE7V2180388685590")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(clock.waits().len(), 1);
    assert!(clock.waits()[0] <= Duration::from_millis(400));
    assert_eq!(
        requests_to(&server, &details("1ZE7V2180388685590"))
            .await
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_body_is_a_bad_response_naming_the_field() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    serve(
        &server,
        "1ZE7V2180388685590",
        "ups-token-1",
        ResponseTemplate::new(200).set_body_string("<html>Service Unavailable</html>"),
    )
    .await;
    let mut wrong_type = fixture("ups", "in_transit.json");
    wrong_type["trackResponse"]["shipment"][0]["package"][0]["activity"][1]["gmtOffset"] =
        json!(-5);
    serve(
        &server,
        "1ZE7V2180355089359",
        "ups-token-1",
        ResponseTemplate::new(200).set_body_json(wrong_type),
    )
    .await;
    let (ups, _) = tracker(&server);
    let answer = ups.track(&Carrier::Ups, "1ZE7V2180388685590").await;
    assert!(
        matches!(&answer, Err(AdapterError::BadResponse { vendor, .. }) if vendor == "ups"),
        "{answer:?}"
    );
    match ups.track(&Carrier::Ups, "1ZE7V2180355089359").await {
        Err(AdapterError::BadResponse { field, .. }) => assert_eq!(
            field,
            "trackResponse.shipment[0].package[0].activity[1].gmtOffset"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_endpoint_is_a_configuration_problem_not_an_unknown_parcel() {
    let server = MockServer::start().await;
    let (ups, _) = tracker(&server);
    let answer = ups.track(&Carrier::Ups, "1ZE7V2180388685590").await;
    assert!(
        matches!(&answer, Err(AdapterError::Invalid { message }) if message.contains("base_url")),
        "{answer:?}"
    );
    assert!(ups.check_connection().await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_takes_an_unknown_sample_number_as_proof_the_credentials_work() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    serve(&server, "1Z023E2X0214323462", "ups-token-1", not_found()).await;
    let (ups, _) = tracker(&server);
    ups.check_connection().await.unwrap();
    assert_eq!(
        requests_to(&server, &details("1Z023E2X0214323462"))
            .await
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_orders_are_answered_from_ups_bodies_through_deskbot_toml() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    for (number, name) in [
        ("1ZE7V2180388685590", "in_transit.json"),
        ("1ZE7V2180375529845", "delayed.json"),
        ("1ZE7V2180355089359", "delivered.json"),
        ("1ZE7V2180374041202", "exception.json"),
    ] {
        serve_fixture(&server, number, name).await;
    }
    let (responder, config) = support::demo_responder(&server, "ups", "UPS");
    for (message, email, expected, number) in [
        (
            "Where is my order #1014?",
            "ivy@example.com",
            "tracking/in_transit",
            "1ZE7V2180388685590",
        ),
        (
            "Order #1004 still hasn't come, where is it?",
            "raj@example.com",
            "tracking/delayed",
            "1ZE7V2180375529845",
        ),
        (
            "Has order #1006 arrived?",
            "chen@example.com",
            "tracking/delivered",
            "1ZE7V2180355089359",
        ),
        (
            "Where is parcel 1ZE7V2180374041202 of order #1011?",
            "lucas@example.com",
            "handoff/policy_requires_human/carrier_exception",
            "1ZE7V2180374041202",
        ),
    ] {
        let (label, outcome) = support::tracking_answer(&responder, &config, message, email).await;
        assert_eq!(label, expected, "{message}: {outcome:?}");
        assert!(
            !requests_to(&server, &details(number)).await.is_empty(),
            "{number} was tracked at the stand-in"
        );
    }
    // The reply states UPS's facts, not the demo files': ivy's parcel was last in Hodgkins.
    let (_, outcome) = support::tracking_answer(
        &responder,
        &config,
        "Where is my order #1014?",
        "ivy@example.com",
    )
    .await;
    let facts = serde_json::to_string(&outcome).unwrap();
    assert!(facts.contains("Hodgkins, IL"), "{facts}");
}

/// A 404 without UPS's error body (a proxy's page, a wrong `base_url` path) is a configuration
/// error, not every parcel unknown, and `deskbot doctor` fails on it. (Found by an audit: only
/// DHL told the two apart.)
#[tokio::test(flavor = "multi_thread")]
async fn a_404_that_is_not_ups_error_body_is_a_configuration_error() {
    let server = stand_in(vec![token("ups-token-1", "14399")]).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&server)
        .await;
    let (ups, _) = tracker(&server);
    let answer = ups.track(&Carrier::Ups, "1ZE7V2180399999988").await;
    assert!(
        matches!(&answer, Err(AdapterError::Invalid { message }) if message.contains("check base_url")),
        "{answer:?}"
    );
    let doctor = ups.check_connection().await;
    assert!(
        matches!(doctor, Err(AdapterError::Invalid { .. })),
        "{doctor:?}"
    );
}
