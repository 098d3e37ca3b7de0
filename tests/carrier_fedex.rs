//! The FedEx tracker against a loopback stand-in of the Track API v1 and its OAuth endpoint,
//! serving bodies in FedEx's documented shape (`tests/fixtures/fedex/`, sources in its
//! `SOURCES.md`): the conformance suite, each kind of parcel, batching, every failure class on
//! a recording clock, and the demo shop's stories end to end through `deskbot.toml`.

#![cfg(feature = "fedex")]

#[path = "carrier_support_fd/mod.rs"]
mod carrier_support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use carrier_support::{
    assert_carrier_exception, base, demo_config, demo_responder, fixture, quick, script, where_is,
};
use deskbot::adapters::carriers::FedexTracker;
use deskbot::adapters::http::{Clock, RecordingClock};
use deskbot::adapters::{conformance, AdapterError, CarrierTracker, Secret};
use deskbot::carrier::Carrier;
use deskbot::jiff::Timestamp;
use deskbot::respond::facts::{ExceptionReason, TrackingStatus};
use deskbot::respond::scripts::HandoffReason;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TRACK: &str = "/track/v1/trackingnumbers";
const TOKEN: &str = "/oauth/token";

/// The Track API: answers each number asked from the fixtures it holds, in the order asked,
/// and `TRACKING.TRACKINGNUMBER.NOTFOUND` for the others; 401 without a bearer token.
struct TrackApi {
    known: HashMap<String, Value>,
}

impl TrackApi {
    fn serving(fixtures: &[&str]) -> Self {
        let mut known = HashMap::new();
        for name in fixtures {
            let body = fixture("fedex", name);
            for result in body["output"]["completeTrackResults"].as_array().unwrap() {
                if result["trackResults"][0].get("error").is_none() {
                    let number = result["trackingNumber"].as_str().unwrap().to_owned();
                    known.insert(number, result.clone());
                }
            }
        }
        TrackApi { known }
    }
}

fn asked_numbers(request: &Request) -> Vec<String> {
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    body["trackingInfo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|info| {
            info["trackingNumberInfo"]["trackingNumber"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

impl Respond for TrackApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let bearer = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer token-"));
        if !bearer {
            return ResponseTemplate::new(401).set_body_json(json!({"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "Access token expired. Please modify your request and try again."}]}));
        }
        let results: Vec<Value> = asked_numbers(request)
            .into_iter()
            .map(|number| {
                self.known.get(&number).cloned().unwrap_or_else(|| {
                    json!({"trackingNumber": number, "trackResults": [{
                        "trackingNumberInfo": {"trackingNumber": number, "trackingNumberUniqueId": "", "carrierCode": ""},
                        "error": {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND", "message": "Tracking number cannot be found. Please correct the tracking number and try again."}
                    }]})
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "transactionId": "624deea6-b709-470c-8c39-4b5511281492",
            "output": {"completeTrackResults": results}
        }))
    }
}

/// FedEx's token endpoint: numbered tokens lasting `lifetime` seconds.
struct Tokens {
    issued: AtomicUsize,
    lifetime: u64,
}

impl Respond for Tokens {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": format!("token-{n}"),
            "token_type": "bearer",
            "expires_in": self.lifetime,
            "scope": "CXS-TP"
        }))
    }
}

async fn mount_tokens(server: &MockServer, lifetime: u64) {
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(Tokens {
            issued: AtomicUsize::new(0),
            lifetime,
        })
        .mount(server)
        .await;
}

/// A stand-in serving `fixtures`, with tokens lasting an hour.
async fn stand_in(fixtures: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    mount_tokens(&server, 3600).await;
    Mock::given(method("POST"))
        .and(path(TRACK))
        .respond_with(TrackApi::serving(fixtures))
        .mount(&server)
        .await;
    server
}

fn tracker(server: &MockServer, clock: &Arc<RecordingClock>) -> FedexTracker {
    FedexTracker::new(
        base(&server.uri()),
        "l7xx-client-id",
        Secret::new("fedex-secret-value"),
        &quick(),
    )
    .unwrap()
    .with_clock(clock.clone())
}

async fn requests_to(server: &MockServer, to: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == to)
        .collect()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fedex_tracker_passes_the_conformance_suite() {
    let server = stand_in(&["conformance"]).await;
    let clock = Arc::new(RecordingClock::default());
    let tracker = tracker(&server, &clock);
    let parcel = conformance::KnownParcel {
        carrier: Carrier::Fedex,
        number: "122816215025810",
        place: "Louisville, KY",
        unknown: "000000000000",
    };
    conformance::carrier_tracker_for(&tracker, &parcel).await;
    assert!(!tracker.supports(&Carrier::Ups) && !tracker.supports(&Carrier::Dhl));
    assert_eq!(tracker.name(), "fedex");
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_follow_fedex_documented_shape() {
    let server = stand_in(&["in_transit"]).await;
    let clock = Arc::new(RecordingClock::default());
    tracker(&server, &clock)
        .track(&Carrier::Fedex, "7140 1596 5560")
        .await
        .unwrap();
    let token = &requests_to(&server, TOKEN).await[0];
    let form = String::from_utf8(token.body.clone()).unwrap();
    for field in [
        "grant_type=client_credentials",
        "client_id=l7xx-client-id",
        "client_secret=fedex-secret-value",
    ] {
        assert!(form.contains(field), "{form}");
    }
    assert!(token.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/x-www-form-urlencoded"));
    let track = &requests_to(&server, TRACK).await[0];
    assert_eq!(track.headers["authorization"], "Bearer token-1");
    let body: Value = serde_json::from_slice(&track.body).unwrap();
    assert_eq!(
        body,
        json!({"includeDetailedScans": true, "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": "714015965560"}}]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_kind_of_parcel_reads_through_the_stand_in() {
    let server = stand_in(&["in_transit", "delivered", "delayed"]).await;
    let clock = Arc::new(RecordingClock::default());
    let fedex = tracker(&server, &clock);

    let moving = fedex.track(&Carrier::Fedex, "714015965560").await.unwrap();
    assert_eq!(moving.status, TrackingStatus::InTransit);
    assert_eq!(
        moving.estimated_delivery,
        Some("2026-11-21".parse().unwrap())
    );
    assert_eq!(
        moving.latest_event.unwrap().time,
        at("2026-11-20T11:12:00Z")
    );
    assert_eq!(moving.events.len(), 5);

    let delivered = fedex.track(&Carrier::Fedex, "750328078642").await.unwrap();
    assert_eq!(delivered.status, TrackingStatus::Delivered);
    assert_eq!(delivered.delivered_at, Some(at("2026-11-02T20:15:00Z")));
    assert_eq!(delivered.signed_by.as_deref(), Some("M.RIVERA"));
    assert_eq!(delivered.delivered_place.as_deref(), Some("Front Door"));

    match fedex.track(&Carrier::Fedex, "999999999999").await {
        Err(AdapterError::NotFound { what }) => assert!(what.contains("999999999999"), "{what}"),
        other => panic!("{other:?}"),
    }
    // Another carrier's parcel is none of FedEx's business.
    assert!(matches!(
        fedex.track(&Carrier::Ups, "1Z999AA10123456784").await,
        Err(AdapterError::NotFound { .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn out_for_delivery_and_exceptions_read_through_the_stand_in() {
    let clock = Arc::new(RecordingClock::default());
    let server = stand_in(&["out_for_delivery"]).await;
    let tracking = tracker(&server, &clock)
        .track(&Carrier::Fedex, "714015965560")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::OutForDelivery);
    assert_eq!(
        tracking.estimated_delivery,
        Some("2026-11-20".parse().unwrap())
    );

    let server = stand_in(&["exception_address"]).await;
    let tracking = tracker(&server, &clock)
        .track(&Carrier::Fedex, "714015965560")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::Exception);
    assert_eq!(tracking.exception, Some(ExceptionReason::AddressProblem));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multi_piece_order_is_tracked_in_one_request_answered_in_order() {
    let server = stand_in(&["multi_piece"]).await;
    let clock = Arc::new(RecordingClock::default());
    let parcels = [
        (Carrier::Fedex, "794953555582".to_owned()),
        (Carrier::Fedex, "39936862321".to_owned()),
        (Carrier::Fedex, "7949-5355-5571".to_owned()),
        (Carrier::Fedex, "794953555582".to_owned()),
    ];
    let answers = tracker(&server, &clock).track_many(&parcels).await;
    let statuses: Vec<Option<TrackingStatus>> = answers
        .iter()
        .map(|a| a.as_ref().ok().map(|t| t.status))
        .collect();
    assert_eq!(
        statuses,
        [
            Some(TrackingStatus::LabelCreated),
            None,
            Some(TrackingStatus::InTransit),
            Some(TrackingStatus::LabelCreated)
        ]
    );
    assert!(matches!(answers[1], Err(AdapterError::NotFound { .. })));
    assert_eq!(answers[2].as_ref().unwrap().number, "794953555571");
    let requests = requests_to(&server, TRACK).await;
    assert_eq!(requests.len(), 1, "one request for the whole order");
    assert_eq!(
        asked_numbers(&requests[0]),
        ["794953555582", "39936862321", "794953555571"],
        "a number asked twice is sent once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn more_than_thirty_numbers_go_in_calls_of_thirty() {
    let server = stand_in(&["in_transit"]).await;
    let clock = Arc::new(RecordingClock::default());
    let mut parcels: Vec<(Carrier, String)> = (0..34)
        .map(|i| (Carrier::Fedex, format!("{:012}", 100_000_000_000u64 + i)))
        .collect();
    parcels.push((Carrier::Fedex, "714015965560".to_owned()));
    let answers = tracker(&server, &clock).track_many(&parcels).await;
    assert_eq!(answers.len(), 35);
    assert!(answers[..34]
        .iter()
        .all(|a| matches!(a, Err(AdapterError::NotFound { .. }))));
    assert_eq!(answers[34].as_ref().unwrap().number, "714015965560");
    let sizes: Vec<usize> = requests_to(&server, TRACK)
        .await
        .iter()
        .map(|r| asked_numbers(r).len())
        .collect();
    assert_eq!(sizes, [30, 5]);
    assert_eq!(
        requests_to(&server, TOKEN).await.len(),
        1,
        "one token for both"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_replaced_before_the_next_call() {
    let server = MockServer::start().await;
    mount_tokens(&server, 120).await;
    Mock::given(method("POST"))
        .and(path(TRACK))
        .respond_with(TrackApi::serving(&["in_transit"]))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let fedex = tracker(&server, &clock);
    fedex.track(&Carrier::Fedex, "714015965560").await.unwrap();
    fedex.track(&Carrier::Fedex, "714015965560").await.unwrap();
    assert_eq!(requests_to(&server, TOKEN).await.len(), 1, "cached");
    // Two minutes later the token has lapsed (it is replaced a minute before it expires).
    clock.sleep(Duration::from_secs(120)).await;
    fedex.track(&Carrier::Fedex, "714015965560").await.unwrap();
    assert_eq!(requests_to(&server, TOKEN).await.len(), 2);
    let last = requests_to(&server, TRACK).await.pop().unwrap();
    assert_eq!(last.headers["authorization"], "Bearer token-2");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_fetches_a_new_token_once_then_succeeds() {
    let server = MockServer::start().await;
    mount_tokens(&server, 3600).await;
    let body = fixture("fedex", "in_transit");
    Mock::given(method("POST"))
        .and(path(TRACK))
        .respond_with(script(vec![
            ResponseTemplate::new(401).set_body_json(json!({"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "Access token expired."}]})),
            ResponseTemplate::new(200).set_body_json(body),
        ]))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let tracking = tracker(&server, &clock)
        .track(&Carrier::Fedex, "714015965560")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    assert_eq!(requests_to(&server, TOKEN).await.len(), 2);
    let calls = requests_to(&server, TRACK).await;
    assert_eq!(calls[1].headers["authorization"], "Bearer token-2");
    assert!(
        clock.waits().is_empty(),
        "a refreshed token is used at once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_credentials_are_unauthenticated_and_doctor_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "The given client credentials were not valid."}]})))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let fedex = tracker(&server, &clock);
    let error = fedex.check_connection().await.unwrap_err();
    assert_eq!(error.kind(), "unauthenticated", "{error}");
    assert!(!error.to_string().contains("fedex-secret-value"));
    assert!(requests_to(&server, TRACK).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_accepts_a_sample_number_fedex_does_not_know() {
    let server = stand_in(&[]).await;
    let clock = Arc::new(RecordingClock::default());
    tracker(&server, &clock).check_connection().await.unwrap();
    assert_eq!(
        asked_numbers(&requests_to(&server, TRACK).await[0]),
        ["122816215025810"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_for_retry_after_and_a_5xx_backs_off_then_both_succeed() {
    let server = MockServer::start().await;
    mount_tokens(&server, 3600).await;
    let body = fixture("fedex", "in_transit");
    Mock::given(method("POST"))
        .and(path(TRACK))
        .respond_with(script(vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "3"),
            ResponseTemplate::new(503).set_body_json(json!({"errors": [{"code": "SERVICE.UNAVAILABLE.ERROR", "message": "The service is currently unavailable."}]})),
            ResponseTemplate::new(200).set_body_json(body),
        ]))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let tracking = tracker(&server, &clock)
        .track(&Carrier::Fedex, "714015965560")
        .await
        .unwrap();
    assert_eq!(tracking.status, TrackingStatus::InTransit);
    let waits = clock.waits();
    assert_eq!(waits.len(), 2, "{waits:?}");
    assert_eq!(waits[0], Duration::from_secs(3), "Retry-After");
    assert!(
        waits[1] >= Duration::from_millis(100) && waits[1] <= Duration::from_millis(400),
        "backoff with jitter: {waits:?}"
    );
    assert_eq!(requests_to(&server, TRACK).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_body_is_a_bad_response_naming_the_field() {
    let server = MockServer::start().await;
    mount_tokens(&server, 3600).await;
    Mock::given(method("POST"))
        .and(path(TRACK))
        .respond_with(script(vec![
            ResponseTemplate::new(200).set_body_string("<html>Service Unavailable</html>"),
            ResponseTemplate::new(200).set_body_json(json!({"output": {"completeTrackResults": [
                {"trackingNumber": "714015965560", "trackResults": [{"latestStatusDetail": {"code": 42}}]}
            ]}})),
        ]))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let fedex = tracker(&server, &clock);
    let error = fedex
        .track(&Carrier::Fedex, "714015965560")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, AdapterError::BadResponse { vendor, .. } if vendor == "fedex"),
        "{error:?}"
    );
    match fedex.track(&Carrier::Fedex, "714015965560").await {
        Err(AdapterError::BadResponse { field, .. }) => assert_eq!(
            field,
            "output.completeTrackResults[0].trackResults[0].latestStatusDetail.code"
        ),
        other => panic!("{other:?}"),
    }
}

fn fedex_table(uri: &str) -> String {
    format!("[carriers.fedex]\nbase_url = \"{uri}\"\n")
}

const FEDEX_ENV: [(&str, &str); 2] = [
    ("FEDEX_CLIENT_ID", "l7xx-client-id"),
    ("FEDEX_CLIENT_SECRET", "fedex-secret-value"),
];

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_stories_end_to_end_through_deskbot_toml() {
    // mia's parcel on its way, zoe's past FedEx's estimate, emma's delivered.
    let server = stand_in(&["in_transit", "delayed", "delivered"]).await;
    let config = demo_config(&fedex_table(&server.uri()), &FEDEX_ENV);
    assert_eq!(config.carriers.configured(), ["fedex"]);
    let responder = demo_responder(&config);
    for (email, order, situation) in [
        ("mia@example.com", "1005", "tracking/in_transit"),
        ("zoe@example.com", "1016", "tracking/delayed"),
        ("emma@example.com", "1012", "tracking/delivered"),
    ] {
        let outcome = where_is(&responder, email, order).await;
        assert_eq!(
            outcome.situation(),
            Some(situation),
            "#{order}: {outcome:?}"
        );
    }
    let in_transit = where_is(&responder, "mia@example.com", "1005").await;
    let text = in_transit.reply_text().unwrap();
    assert!(
        text.contains("FedEx currently estimates delivery by Saturday, November 21")
            && text.contains("Denver, CO"),
        "FedEx's estimate and latest scan: {text}"
    );
    // Three orders, one call each, one token.
    assert_eq!(requests_to(&server, TOKEN).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fedex_exception_goes_to_a_person_and_a_bad_body_too() {
    let server = stand_in(&["exception_address"]).await;
    let config = demo_config(&fedex_table(&server.uri()), &FEDEX_ENV);
    let responder = demo_responder(&config);
    let outcome = where_is(&responder, "mia@example.com", "1005").await;
    let detail = assert_carrier_exception(&outcome);
    assert!(
        detail.contains("FedEx") && detail.contains("Incorrect address"),
        "{detail}"
    );

    let broken = MockServer::start().await;
    mount_tokens(&broken, 3600).await;
    Mock::given(method("POST"))
        .and(path(TRACK))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"output\": "))
        .mount(&broken)
        .await;
    let config = demo_config(&fedex_table(&broken.uri()), &FEDEX_ENV);
    let outcome = where_is(&demo_responder(&config), "mia@example.com", "1005").await;
    match outcome.handoff_reason() {
        Some(HandoffReason::AdapterFailure { kind, .. }) => assert_eq!(*kind, "bad_response"),
        other => panic!("{other:?}"),
    }
}

/// A `base_url` that points at the wrong place answers the token request with 404. That must
/// not read as "FedEx does not know this parcel", which `doctor` would pass and a customer
/// would be told.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_endpoint_is_a_configuration_error_not_an_unknown_parcel() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TRACK))
        .respond_with(TrackApi::serving(&["delivered"]))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let fedex = tracker(&server, &clock);
    let error = fedex.check_connection().await.unwrap_err();
    assert_eq!(error.kind(), "invalid", "{error}");
    assert!(error.to_string().contains("check base_url"), "{error}");
    let error = fedex
        .track(&Carrier::Fedex, "122816215025810")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "invalid", "{error}");
    assert!(requests_to(&server, TRACK).await.is_empty());
}

/// FedEx answers an unknown number inside a 200, so any 404 (a proxy's page, a wrong
/// `base_url` path) is a configuration error, not every parcel unknown, and `deskbot doctor`
/// fails on it. (Found by an audit: only DHL told the two apart.)
#[tokio::test(flavor = "multi_thread")]
async fn a_404_is_a_configuration_error() {
    let server = MockServer::start().await;
    mount_tokens(&server, 3600).await;
    Mock::given(method("POST"))
        .and(path(TRACK))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let fedex = tracker(&server, &clock);
    let answer = fedex.track(&Carrier::Fedex, "123456789012").await;
    assert!(
        matches!(&answer, Err(AdapterError::Invalid { message }) if message.contains("check base_url")),
        "{answer:?}"
    );
    let doctor = fedex.check_connection().await;
    assert!(
        matches!(doctor, Err(AdapterError::Invalid { .. })),
        "{doctor:?}"
    );
}
