//! The WooCommerce adapter against a loopback stand-in of the WooCommerce REST API v3 and the
//! Shipment Tracking extension (wiremock): the shared conformance suite, each failure class with
//! a virtual clock, and every demo-shop story end to end through `connect()` and a `Responder`.
//! Nothing here reaches the internet.

#![cfg(feature = "woocommerce")]

mod common;
#[path = "platform_woocommerce/stand_in.rs"]
mod stand_in;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::conformance;
use deskbot::adapters::http::{HttpConfig, RecordingClock, RetryConfig};
use deskbot::adapters::platforms::woocommerce::WooCommerce;
use deskbot::adapters::{AdapterError, MemoryCarrierTracker, OrderPlatform, Secret};
use deskbot::config::{Config, PlatformSettings};
use deskbot::respond::demo::{outcome_label, DEMO_CASES};
use deskbot::respond::facts::Order;
use deskbot::respond::policy::Policy;
use deskbot::respond::scripts::HandoffReason;
use deskbot::{Customer, Intent, Prediction, Responder};
use jiff::Timestamp;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{model, root, templates};
use stand_in::{render, stand_in, woo_error};

const KEY: &str = "ck_test";
const SECRET: &str = "cs_test";

fn settings(server: &MockServer) -> PlatformSettings {
    PlatformSettings::WooCommerce {
        base_url: server.uri(),
        consumer_key: Secret::new(KEY),
        consumer_secret: Secret::new(SECRET),
    }
}

/// The adapter for `server`, with a recording clock and `retry`.
fn woocommerce(server: &MockServer, retry: RetryConfig) -> (WooCommerce, Arc<RecordingClock>) {
    let clock = Arc::new(RecordingClock::default());
    let config = HttpConfig {
        retry,
        ..HttpConfig::default()
    };
    let platform = WooCommerce::new(
        url::Url::parse(&server.uri()).unwrap(),
        &settings(server),
        &config,
    )
    .unwrap()
    .with_clock(clock.clone());
    (platform, clock)
}

/// Quick retries for failure tests: 3 retries, 10–50 ms backoff, a short request timeout.
fn quick() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        request_timeout: Duration::from_millis(200),
        deadline: Duration::from_secs(30),
    }
}

fn demo_orders() -> Vec<Order> {
    let text = std::fs::read_to_string(root().join("examples/demo-shop/orders.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Conformance.

#[tokio::test(flavor = "multi_thread")]
async fn passes_the_order_platform_conformance_suite() {
    // Ids differ from numbers, as with a sequential-order-number plugin: lookups by number must
    // fall back from `orders/{id}` to the search.
    let (server, state) = stand_in(&conformance::fixture_orders(), |o| {
        7000 + o.number.parse::<u64>().unwrap()
    })
    .await;
    let (platform, _) = woocommerce(&server, RetryConfig::default());
    assert_eq!(platform.name(), "woocommerce");
    conformance::order_platform(&platform).await;
    let shop = state.0.lock().unwrap();
    let cancelled = shop.orders.iter().find(|o| o["number"] == "500").unwrap();
    assert_eq!(
        cancelled["status"], "cancelled",
        "the stand-in holds the cancel"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_makes_one_authenticated_read() {
    let (server, _) = stand_in(&conformance::fixture_orders(), |o| {
        o.number.parse().unwrap()
    })
    .await;
    let (platform, _) = woocommerce(&server, quick());
    platform.check_connection().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.path(), "/wp-json/wc/v3/orders");
    assert_eq!(requests[0].url.query(), Some("per_page=1"));
    let wrong = PlatformSettings::WooCommerce {
        base_url: server.uri(),
        consumer_key: Secret::new(KEY),
        consumer_secret: Secret::new("wrong"),
    };
    let platform = WooCommerce::new(
        url::Url::parse(&server.uri()).unwrap(),
        &wrong,
        &HttpConfig::default(),
    )
    .unwrap();
    assert!(matches!(
        platform.check_connection().await,
        Err(AdapterError::Unauthenticated { .. })
    ));
}

#[test]
fn refuses_basic_auth_over_plain_http_to_a_remote_site() {
    let settings = PlatformSettings::WooCommerce {
        base_url: "http://shop.example".into(),
        consumer_key: Secret::new(KEY),
        consumer_secret: Secret::new(SECRET),
    };
    let result = WooCommerce::new(
        url::Url::parse("http://shop.example").unwrap(),
        &settings,
        &HttpConfig::default(),
    );
    assert!(matches!(result, Err(AdapterError::Invalid { .. })));
}

// ---------------------------------------------------------------------------------------------
// Transport: numbers, e-mails, pagination, tracking fallbacks.

#[tokio::test(flavor = "multi_thread")]
async fn an_id_that_belongs_to_another_order_falls_back_to_the_search() {
    let mut orders = demo_orders();
    orders.truncate(2);
    // Order "1001" has id 1002 and order "1002" has id 1001.
    let (server, _) = stand_in(&orders, |o| if o.number == "1001" { 1002 } else { 1001 }).await;
    let (platform, _) = woocommerce(&server, quick());
    let order = platform.order_by_number("#1001").await.unwrap();
    assert_eq!((order.number.as_str(), order.id.as_str()), ("1001", "1002"));
    assert_eq!(order.email, "jane@example.com");
}

#[tokio::test(flavor = "multi_thread")]
async fn e_mail_lookups_trim_keep_exact_matches_and_page_through() {
    let base = demo_orders().remove(0);
    let mut orders = Vec::new();
    // 60 orders of "ana@…" pages past the first 50, and look-alikes the search also finds.
    for n in 0..60u32 {
        let mut order = base.clone();
        order.number = (5000 + n).to_string();
        order.email = if n % 2 == 0 {
            "Ana@Example.com"
        } else {
            "hana@example.com"
        }
        .into();
        order.created_at = Timestamp::from_second(1_780_000_000 + i64::from(n) * 3600).unwrap();
        orders.push(order);
    }
    let (server, _) = stand_in(&orders, |o| o.number.parse().unwrap()).await;
    let (platform, _) = woocommerce(&server, quick());
    let found = platform
        .recent_orders_by_email("  ana@example.COM ", 40)
        .await
        .unwrap();
    assert_eq!(found.len(), 30, "only the exact address, across pages");
    assert!(found.iter().all(|o| o.email == "Ana@Example.com"));
    assert_eq!(found[0].number, "5058", "newest first");
    assert!(found.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let searches: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/wp-json/wc/v3/orders")
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(searches.len(), 2, "{searches:?}");
    assert!(searches[0].starts_with("search=ana%40example.COM&orderby=date&order=desc"));
    assert!(searches[1].ends_with("page=2"));
    let limited = platform
        .recent_orders_by_email("ana@example.com", 3)
        .await
        .unwrap();
    let numbers: Vec<&str> = limited.iter().map(|o| o.number.as_str()).collect();
    assert_eq!(numbers, ["5058", "5056", "5054"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn look_alikes_past_the_pages_read_make_an_error_not_a_short_list() {
    // Ana's one order lies under 10 pages of hana's newer ones: "no orders" would be false.
    let base = demo_orders().remove(0);
    let orders: Vec<Order> = (0..=500u32)
        .map(|n| {
            let mut order = base.clone();
            order.number = (5000 + n).to_string();
            order.email = if n == 0 {
                "ana@example.com"
            } else {
                "hana@example.com"
            }
            .into();
            order.created_at = Timestamp::from_second(1_780_000_000 + i64::from(n) * 60).unwrap();
            order
        })
        .collect();
    let (server, _) = stand_in(&orders, |o| o.number.parse().unwrap()).await;
    let (platform, _) = woocommerce(&server, quick());
    let error = platform
        .recent_orders_by_email("ana@example.com", 5)
        .await
        .unwrap_err();
    assert!(matches!(error, AdapterError::Invalid { .. }), "{error:?}");
    assert!(error.to_string().contains("500 orders"), "{error}");
    assert_eq!(
        requests_to(&server, "GET", "/wp-json/wc/v3/orders").await,
        10
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_tracking_extension_numbers_come_from_meta_data_then_notes() {
    let orders = demo_orders();
    let pick = |n: &str| orders.iter().find(|o| o.number == n).unwrap().clone();
    let (server, state) = stand_in(&[pick("1001"), pick("1004"), pick("1013")], |o| {
        o.number.parse().unwrap()
    })
    .await;
    {
        let mut shop = state.0.lock().unwrap();
        shop.tracking_plugin = false;
        // #1001 keeps the extension's items in meta data (Unix-time dates).
        shop.orders[0]["meta_data"] = json!([{"id": 1, "key": "_wc_shipment_tracking_items", "value": [
            {"tracking_provider": "usps", "custom_tracking_provider": "", "custom_tracking_link": "",
             "tracking_number": "9400111798643261622439", "date_shipped": "1794528000",
             "tracking_id": "5d2c"}
        ]}]);
        // #1004 has its number only in a note.
        shop.notes.insert(1004, vec![json!({
            "id": 77, "author": "shop", "date_created": "2026-11-04T16:10:00",
            "date_created_gmt": "2026-11-04T21:10:00", "customer_note": true,
            "note": "Your order has shipped! UPS tracking: <a href=\"https://www.ups.com/track?tracknum=1ZE7V2180375529845\">1ZE7V2180375529845</a>"
        })]);
    }
    let (platform, _) = woocommerce(&server, quick());
    let jane = platform.order_by_number("1001").await.unwrap();
    assert_eq!(jane.fulfillments.len(), 1);
    assert_eq!(jane.fulfillments[0].carrier.as_deref(), Some("usps"));
    assert_eq!(
        jane.fulfillments[0].tracking_numbers,
        ["9400111798643261622439"]
    );
    // Stored as midnight of the shipping date: read as that date.
    assert_eq!(
        jane.fulfillments[0].shipped_at,
        Some("2026-11-13T12:00:00Z".parse().unwrap())
    );
    let raj = platform.order_by_number("1004").await.unwrap();
    assert_eq!(raj.fulfillments[0].tracking_numbers, ["1ZE7V2180375529845"]);
    assert_eq!(
        raj.fulfillments[0].shipped_at,
        Some("2026-11-04T21:10:00Z".parse().unwrap())
    );
    // A cancelled order costs no notes call.
    let noah = platform.order_by_number("1013").await.unwrap();
    assert!(noah.fulfillments.is_empty() && noah.is_cancelled());
    let notes_calls: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.url.path().to_owned())
        .filter(|p| p.ends_with("/notes"))
        .collect();
    assert_eq!(notes_calls, ["/wp-json/wc/v3/orders/1004/notes"]);
}

// ---------------------------------------------------------------------------------------------
// Failures, one class each, on a virtual clock: waits are recorded, never slept.

const ORDER_PATH: &str = "/wp-json/wc/v3/orders/1001";
const TRACKING_PATH: &str = "/wp-json/wc-shipment-tracking/v3/orders/1001/shipment-trackings";

/// Demo order `number` as WooCommerce JSON, and its tracking items.
fn rendered(number: &str) -> (Value, Vec<Value>) {
    let order = demo_orders()
        .into_iter()
        .find(|o| o.number == number)
        .unwrap();
    render(&order, number.parse().unwrap())
}

/// A server answering `GET orders/1001` with `first` once (or always, if `times` is `None`), then
/// with the order; its tracking items are always there.
async fn server_answering(first: ResponseTemplate, times: Option<u64>) -> MockServer {
    let server = MockServer::start().await;
    let (body, trackings) = rendered("1001");
    let failing = Mock::given(method("GET")).and(path(ORDER_PATH));
    match times {
        Some(n) => failing.respond_with(first).up_to_n_times(n),
        None => failing.respond_with(first),
    }
    .with_priority(1)
    .mount(&server)
    .await;
    Mock::given(method("GET"))
        .and(path(ORDER_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(TRACKING_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(trackings))
        .mount(&server)
        .await;
    server
}

async fn requests_to(server: &MockServer, verb: &str, wanted: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == wanted)
        .count()
}

fn assert_backoff_waits(waits: &[Duration], count: usize) {
    assert_eq!(waits.len(), count, "{waits:?}");
    // 10 ms doubling to 50 ms, plus up to one more delay of jitter.
    for wait in waits {
        assert!(
            *wait >= Duration::from_millis(10) && *wait <= Duration::from_millis(100),
            "{waits:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_is_retried_then_unavailable() {
    let (body, _) = rendered("1001");
    let slow = ResponseTemplate::new(200)
        .set_body_json(body)
        .set_delay(Duration::from_secs(2));
    let server = server_answering(slow, None).await;
    let (platform, clock) = woocommerce(&server, quick());
    let error = platform.order_by_number("1001").await.unwrap_err();
    assert!(
        matches!(error, AdapterError::Unavailable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("timed out"), "{error}");
    assert_eq!(requests_to(&server, "GET", ORDER_PATH).await, 4);
    assert_backoff_waits(&clock.waits(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let limited =
        woo_error(429, "too_many_requests", "Slow down.").insert_header("Retry-After", "2");
    let server = server_answering(limited, Some(1)).await;
    let (platform, clock) = woocommerce(&server, quick());
    let order = platform.order_by_number("1001").await.unwrap();
    assert_eq!(
        order.fulfillments[0].tracking_numbers,
        ["9400111798643261622439"]
    );
    assert_eq!(requests_to(&server, "GET", ORDER_PATH).await, 2);
    assert_eq!(clock.waits(), [Duration::from_secs(2)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_500_is_retried_once_then_succeeds() {
    let failing = woo_error(
        500,
        "internal_server_error",
        "There has been a critical error.",
    );
    let server = server_answering(failing, Some(1)).await;
    let (platform, clock) = woocommerce(&server, quick());
    platform.order_by_number("1001").await.unwrap();
    assert_eq!(requests_to(&server, "GET", ORDER_PATH).await, 2);
    assert_backoff_waits(&clock.waits(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_is_unauthenticated_and_not_retried() {
    let refused = woo_error(
        401,
        "woocommerce_rest_authentication_error",
        "Consumer key is invalid.",
    );
    let server = server_answering(refused, None).await;
    let (platform, clock) = woocommerce(&server, quick());
    let error = platform.order_by_number("1001").await.unwrap_err();
    assert!(
        matches!(error, AdapterError::Unauthenticated { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("Consumer key is invalid"),
        "{error}"
    );
    assert_eq!(requests_to(&server, "GET", ORDER_PATH).await, 1);
    assert!(clock.waits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_403_is_permission_denied_and_not_retried() {
    let refused = woo_error(
        403,
        "woocommerce_rest_cannot_view",
        "Sorry, you cannot view this resource.",
    );
    let server = server_answering(refused, None).await;
    let (platform, clock) = woocommerce(&server, quick());
    let error = platform.order_by_number("1001").await.unwrap_err();
    assert!(
        matches!(error, AdapterError::PermissionDenied { .. }),
        "{error:?}"
    );
    assert_eq!(requests_to(&server, "GET", ORDER_PATH).await, 1);
    assert!(clock.waits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_and_wrong_types_are_bad_responses_naming_the_field() {
    let broken =
        ResponseTemplate::new(200).set_body_raw(r#"{"id": 1001, "number": "#, "application/json");
    let server = server_answering(broken, None).await;
    let (platform, clock) = woocommerce(&server, quick());
    match platform.order_by_number("1001").await {
        Err(AdapterError::BadResponse { vendor, .. }) => assert_eq!(vendor, "woocommerce"),
        other => panic!("expected BadResponse, got {other:?}"),
    }
    assert_eq!(requests_to(&server, "GET", ORDER_PATH).await, 1);
    assert!(clock.waits().is_empty());

    let (mut body, _) = rendered("1001");
    body["date_created_gmt"] = json!(1794528000);
    let server = server_answering(ResponseTemplate::new(200).set_body_json(body), None).await;
    let (platform, _) = woocommerce(&server, quick());
    match platform.order_by_number("1001").await {
        Err(AdapterError::BadResponse { field, .. }) => assert_eq!(field, "date_created_gmt"),
        other => panic!("expected BadResponse, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_failure_becomes_an_adapter_failure_handoff_never_a_reply() {
    let (body, _) = rendered("1001");
    let mut wrong_type = body.clone();
    wrong_type["billing"]["email"] = json!(42);
    let scenarios = [
        (
            ResponseTemplate::new(200)
                .set_body_json(body)
                .set_delay(Duration::from_secs(2)),
            "unavailable",
        ),
        (
            woo_error(429, "too_many_requests", "Slow down.").insert_header("Retry-After", "2"),
            "rate_limited",
        ),
        (
            woo_error(500, "internal_server_error", "Critical error."),
            "unavailable",
        ),
        (
            woo_error(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature.",
            ),
            "unauthenticated",
        ),
        (
            woo_error(403, "woocommerce_rest_cannot_view", "Sorry."),
            "permission_denied",
        ),
        (
            ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html"),
            "bad_response",
        ),
        (
            ResponseTemplate::new(200).set_body_json(wrong_type),
            "bad_response",
        ),
        // Not WooCommerce's "no such order": a wrong base_url, or a site without the REST API.
        (
            ResponseTemplate::new(404).set_body_raw("<html>Not Found</html>", "text/html"),
            "invalid",
        ),
        (
            woo_error(
                404,
                "rest_no_route",
                "No route was found matching the URL and request method.",
            ),
            "invalid",
        ),
    ];
    let policy = Policy::load(&root().join("examples/demo-shop/deskbot.toml")).unwrap();
    let now = policy.now();
    for (answer, kind) in scenarios {
        let server = server_answering(answer, None).await;
        let (platform, _) = woocommerce(&server, quick());
        let responder = Responder::new(
            model(),
            Arc::new(platform),
            Arc::new(MemoryCarrierTracker::new(Vec::new())),
            policy.clone(),
            templates(),
        );
        let customer = Customer {
            email: Some("jane@example.com".into()),
        };
        let outcome = responder
            .respond_to(
                Prediction::certain(Intent::Tracking),
                "where is order #1001?",
                &customer,
                now,
            )
            .await;
        match outcome.handoff_reason() {
            Some(HandoffReason::AdapterFailure {
                kind: got, adapter, ..
            }) => {
                assert_eq!((*got, adapter.as_str()), (kind, "woocommerce"));
            }
            other => panic!("{kind}: expected an adapter failure handoff, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_that_gets_a_500_is_retried_because_setting_cancelled_is_idempotent() {
    // WooCommerce applies a status it already has as no change (no second transition, restock
    // or e-mail), so the adapter marks the PUT idempotent and the shared stack retries it.
    let server = MockServer::start().await;
    let (body, _) = rendered("1002");
    let mut cancelled = body.clone();
    cancelled["status"] = json!("cancelled");
    cancelled["date_modified_gmt"] = json!("2026-11-20T15:00:00");
    let order_path = "/wp-json/wc/v3/orders/1002";
    Mock::given(method("GET"))
        .and(path(order_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/wp-json/wc-shipment-tracking/v3/orders/1002/shipment-trackings",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(order_path))
        .respond_with(woo_error(500, "internal_server_error", "Critical error."))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(order_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(cancelled))
        .with_priority(2)
        .mount(&server)
        .await;
    let (platform, clock) = woocommerce(&server, quick());
    let at: Timestamp = "2026-11-20T15:00:00Z".parse().unwrap();
    let order = platform.cancel_order("#1002", at).await.unwrap();
    assert_eq!(order.cancelled_at, Some(at));
    assert_eq!(requests_to(&server, "PUT", order_path).await, 2);
    assert_backoff_waits(&clock.waits(), 1);
    let puts: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .map(|r| r.body_json().unwrap())
        .collect();
    assert!(puts.iter().all(|b| *b == json!({"status": "cancelled"})));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_with_a_read_only_key_is_permission_denied() {
    let server = MockServer::start().await;
    let (body, _) = rendered("1002");
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/1002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/wp-json/wc-shipment-tracking/v3/orders/1002/shipment-trackings",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/orders/1002"))
        .respond_with(woo_error(
            401,
            "woocommerce_rest_authentication_error",
            "The API key provided does not have write permissions.",
        ))
        .mount(&server)
        .await;
    let (platform, clock) = woocommerce(&server, quick());
    let error = platform
        .cancel_order("1002", Timestamp::now())
        .await
        .unwrap_err();
    assert!(
        matches!(error, AdapterError::PermissionDenied { .. }),
        "{error:?}"
    );
    assert_eq!(
        requests_to(&server, "PUT", "/wp-json/wc/v3/orders/1002").await,
        1
    );
    assert!(clock.waits().is_empty());
}

// ---------------------------------------------------------------------------------------------
// End to end: the demo shop's 16 orders served as WooCommerce, every story through connect().

/// The config a shop would write: the demo policy, `[platform]` pointing at the stand-in, the
/// demo carrier for tracking; the keys come from the (here, fake) environment.
fn config_for(server: &MockServer) -> Config {
    let dir: PathBuf = root().join("examples/demo-shop");
    let policy = std::fs::read_to_string(dir.join("deskbot.toml")).unwrap();
    let text = format!(
        "{policy}\n[platform]\nkind = \"woocommerce\"\nbase_url = \"{}\"\n\n[carriers.demo]\ndir = '{}'\n",
        server.uri(),
        dir.display()
    );
    let env = |name: &str| match name {
        "WOOCOMMERCE_CONSUMER_KEY" => Some(KEY.to_owned()),
        "WOOCOMMERCE_CONSUMER_SECRET" => Some(SECRET.to_owned()),
        _ => None,
    };
    Config::from_toml(&dir.join("deskbot.toml"), &text, &env).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_demo_story_ends_as_expected_against_a_woocommerce_stand_in() {
    let (server, _) = stand_in(&demo_orders(), |o| o.number.parse().unwrap()).await;
    let config = config_for(&server);
    let connections = deskbot::adapters::connect::connect(&config).unwrap();
    assert_eq!(connections.platform.name(), "woocommerce");
    let now = config.policy.now();
    let responder = Responder::new(
        model(),
        connections.platform,
        connections.carriers,
        config.policy,
        templates(),
    );
    let mut failures = Vec::new();
    for case in DEMO_CASES {
        let customer = Customer {
            email: case.email.map(str::to_owned),
        };
        let outcome = responder
            .respond_to(
                Prediction::certain(case.intent),
                case.message,
                &customer,
                now,
            )
            .await;
        let label = outcome_label(&outcome);
        if label != case.expect {
            failures.push(format!(
                "{:?} {:?} as {}: expected {}, got {label}: {outcome:?}",
                case.email, case.message, case.intent, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_orders_read_back_as_the_facts_woocommerce_can_hold() {
    let orders = demo_orders();
    let (server, _) = stand_in(&orders, |o| o.number.parse().unwrap()).await;
    let (platform, _) = woocommerce(&server, quick());
    for expected in &orders {
        let got = platform.order_by_number(&expected.number).await.unwrap();
        let n = &expected.number;
        assert_eq!(got.email, expected.email, "#{n}");
        assert_eq!(got.created_at, expected.created_at, "#{n}");
        assert_eq!(got.financial_status, expected.financial_status, "#{n}");
        assert_eq!(got.fulfillment_status, expected.fulfillment_status, "#{n}");
        assert_eq!(got.cancelled_at, expected.cancelled_at, "#{n}");
        assert_eq!(got.return_status, expected.return_status, "#{n}");
        assert_eq!(got.shipping_method, expected.shipping_method, "#{n}");
        assert_eq!(got.destination, expected.destination, "#{n}");
        // Every WooCommerce order has a total; the stand-in renders a missing one as 0.00.
        if expected.total.is_some() {
            assert_eq!(got.total, expected.total, "#{n}");
        }
        let titles = |o: &Order| -> Vec<(String, u32)> {
            o.line_items
                .iter()
                .map(|i| (i.title.clone(), i.quantity))
                .collect()
        };
        assert_eq!(titles(&got), titles(expected), "#{n}");
        assert_eq!(got.fulfillments.len(), expected.fulfillments.len(), "#{n}");
        for (g, e) in got.fulfillments.iter().zip(&expected.fulfillments) {
            assert_eq!(g.tracking_numbers, e.tracking_numbers, "#{n}");
            assert_eq!(g.carrier, e.carrier, "#{n}");
            assert_eq!(g.tracking_urls, e.tracking_urls, "#{n}");
            assert_eq!(g.platform_status, e.platform_status, "#{n}");
            // WooCommerce keeps the date shipped, not the time: noon of that date in the
            // shop's zone (UTC for this client).
            let day = |t: Option<Timestamp>| t.map(|t| t.strftime("%Y-%m-%d").to_string());
            assert_eq!(day(g.shipped_at), day(e.shipped_at), "#{n}");
        }
    }
}
