//! The Shopify adapter against a loopback stand-in of the GraphQL Admin API
//! (`tests/platform_shopify/stand_in.rs`): the conformance suite, every failure class with a
//! virtual clock, the write that must not be repeated, and every demo story end to end through
//! `deskbot.toml` and `connect()`. Nothing here reaches the internet.
#![cfg(feature = "shopify")]

mod common;
#[path = "platform_shopify/stand_in.rs"]
mod stand_in;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::conformance::{self, fixture_orders, TWO_ORDER_CUSTOMER};
use deskbot::adapters::http::{parse_base_url, Clock, HttpConfig, RecordingClock, RetryConfig};
use deskbot::adapters::platforms::shopify::Shopify;
use deskbot::adapters::{AdapterError, OrderPlatform, Secret};
use deskbot::config::Config;
use deskbot::respond::demo::{outcome_label, DEMO_CASES};
use deskbot::respond::facts::Order;
use deskbot::respond::scripts::HandoffReason;
use deskbot::{Customer, Intent, Prediction, Responder};
use jiff::Timestamp;
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use common::{demo, model, root, templates};
use stand_in::{orders_body, requests_for, serve, FailingWrites, Script, Shop, TOKEN};

/// Retries quick enough for tests; the waits are recorded, not slept.
fn retry() -> RetryConfig {
    RetryConfig {
        max_retries: 2,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(400),
        request_timeout: Duration::from_secs(5),
        deadline: Duration::from_secs(30),
    }
}

fn connect_with(
    server: &MockServer,
    token: &str,
    retry: RetryConfig,
) -> (Shopify, Arc<RecordingClock>) {
    let clock = Arc::new(RecordingClock::default());
    let config = HttpConfig {
        retry,
        ..HttpConfig::default()
    };
    let base = parse_base_url(&server.uri()).unwrap();
    let shopify = Shopify::new(base, "2025-10", Secret::new(token), &config)
        .unwrap()
        .with_clock(clock.clone() as Arc<dyn Clock>);
    (shopify, clock)
}

fn connect(server: &MockServer) -> (Shopify, Arc<RecordingClock>) {
    connect_with(server, TOKEN, retry())
}

fn demo_orders() -> Vec<Order> {
    let text = std::fs::read_to_string(root().join("examples/demo-shop/orders.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn demo_order(number: &str) -> Order {
    demo_orders()
        .into_iter()
        .find(|o| o.number == number)
        .unwrap()
}

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shopify_adapter_keeps_the_order_platform_contract() {
    let server = Shop::new(&fixture_orders()).serve().await;
    let (shopify, _) = connect(&server);
    conformance::order_platform(&shopify).await;
    shopify.check_connection().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_demo_order_reads_back_as_the_same_facts() {
    let orders = demo_orders();
    let server = Shop::new(&orders).serve().await;
    let (shopify, _) = connect(&server);
    for order in &orders {
        let read = shopify.order_by_number(&order.number).await.unwrap();
        assert_eq!(&read, order, "#{}", order.number);
    }
    let ana = shopify
        .recent_orders_by_email("ana@example.com", 5)
        .await
        .unwrap();
    let numbers: Vec<&str> = ana.iter().map(|o| o.number.as_str()).collect();
    assert_eq!(numbers, ["1010", "1009"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customers_orders_are_read_page_by_page_newest_first() {
    let mut orders = Vec::new();
    for day in 1..=7 {
        let mut order = fixture_orders().remove(0);
        order.number = format!("{}", 600 + day);
        order.id = format!("gid://shopify/Order/{}", 600 + day);
        order.created_at = format!("2026-03-{day:02}T09:00:00Z").parse().unwrap();
        orders.push(order);
    }
    let server = Shop::new(&orders).serve().await;
    let (shopify, _) = connect(&server);
    let found = shopify
        .recent_orders_by_email(TWO_ORDER_CUSTOMER, 7)
        .await
        .unwrap();
    let numbers: Vec<&str> = found.iter().map(|o| o.number.as_str()).collect();
    assert_eq!(numbers, ["607", "606", "605", "604", "603", "602", "601"]);
    let pages = requests_for(&server, "DeskbotOrders").await;
    assert_eq!(pages.len(), 2, "5 orders a page");
    let (first, second) = (
        stand_in::variables(&pages[0]),
        stand_in::variables(&pages[1]),
    );
    assert_eq!(first["first"], 5);
    assert_eq!(first["after"], json!(null));
    assert_eq!(first["query"], "email:pat@example.com");
    assert_eq!(second["first"], 2);
    assert_eq!(second["after"], "cursor-5");
    // A limit within the first page costs one request.
    let three = shopify
        .recent_orders_by_email(TWO_ORDER_CUSTOMER, 3)
        .await
        .unwrap();
    assert_eq!(three.len(), 3);
    assert_eq!(requests_for(&server, "DeskbotOrders").await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn look_alikes_past_the_pages_read_make_an_error_not_a_short_list() {
    let template = fixture_orders().remove(0);
    let orders: Vec<Order> = (0..=60u32)
        .map(|n| {
            let mut order = template.clone();
            order.number = format!("{}", 700 + n);
            order.id = format!("gid://shopify/Order/{}", 700 + n);
            order.email = if n == 0 {
                "ann@example.com"
            } else {
                "joann@example.com"
            }
            .into();
            order.created_at = Timestamp::from_second(1_772_355_600 + i64::from(n) * 60).unwrap();
            order
        })
        .collect();
    let server = Shop::new(&orders).with_loose_email_search().serve().await;
    let (shopify, _) = connect(&server);
    let error = shopify
        .recent_orders_by_email("ann@example.com", 1)
        .await
        .unwrap_err();
    // Ten pages of one order each, all joann's: Ann's order lies beyond. "No orders" would be
    // false.
    assert!(matches!(error, AdapterError::Invalid { .. }), "{error:?}");
    assert!(error.to_string().contains("10 orders"), "{error}");
    assert_eq!(requests_for(&server, "DeskbotOrders").await.len(), 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_is_retried_then_unavailable() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(orders_body(&[demo_order("1001")]))
        .set_delay(Duration::from_secs(3));
    let server = serve(slow).await;
    let quick = RetryConfig {
        request_timeout: Duration::from_millis(300),
        ..retry()
    };
    let (shopify, clock) = connect_with(&server, TOKEN, quick);
    match shopify.order_by_number("1001").await {
        Err(AdapterError::Unavailable { message }) => {
            assert!(message.contains("timed out"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(received(&server).await, 3, "the first try and two retries");
    let waits = clock.waits();
    assert_eq!(waits.len(), 2, "{waits:?}");
    assert!(waits
        .iter()
        .all(|w| *w >= Duration::from_millis(100) && *w <= Duration::from_millis(800)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let server = serve(Script::new(vec![
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "2")
            .set_body_json(json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})),
        ResponseTemplate::new(200).set_body_json(orders_body(&[demo_order("1001")])),
    ]))
    .await;
    let (shopify, clock) = connect(&server);
    let order = shopify.order_by_number("#1001").await.unwrap();
    assert_eq!(order.number, "1001");
    assert_eq!(received(&server).await, 2);
    assert_eq!(clock.waits(), [Duration::from_secs(2)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_200_waits_for_the_restore_rate_then_succeeds() {
    let throttled: serde_json::Value = serde_json::from_str(include_str!(
        "../src/adapters/platforms/shopify/fixtures/throttled.json"
    ))
    .unwrap();
    let server = serve(Script::new(vec![
        ResponseTemplate::new(200).set_body_json(throttled),
        ResponseTemplate::new(200).set_body_json(orders_body(&[demo_order("1001")])),
    ]))
    .await;
    let (shopify, clock) = connect(&server);
    shopify.order_by_number("1001").await.unwrap();
    assert_eq!(received(&server).await, 2);
    // (752 asked − 666 available) / 50 restored a second.
    assert_eq!(clock.waits(), [Duration::from_millis(1720)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_500_is_retried_once_then_succeeds() {
    let server = serve(Script::new(vec![
        ResponseTemplate::new(500).set_body_json(json!({"errors": "Internal Server Error"})),
        ResponseTemplate::new(200).set_body_json(orders_body(&[demo_order("1001")])),
    ]))
    .await;
    let (shopify, clock) = connect(&server);
    shopify.order_by_number("1001").await.unwrap();
    assert_eq!(received(&server).await, 2);
    let waits = clock.waits();
    assert_eq!(waits.len(), 1);
    assert!(waits[0] >= Duration::from_millis(100) && waits[0] <= Duration::from_millis(200));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_is_unauthenticated_and_not_retried() {
    let server = Shop::new(&demo_orders()).serve().await;
    let (shopify, clock) = connect_with(&server, "shpat_wrong", retry());
    match shopify.order_by_number("1001").await {
        Err(AdapterError::Unauthenticated { message }) => {
            assert!(message.contains("401"), "{message}");
            assert!(
                !message.contains("shpat_wrong"),
                "no token in messages: {message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        shopify.check_connection().await,
        Err(AdapterError::Unauthenticated { .. })
    ));
    assert_eq!(received(&server).await, 2, "one request each");
    assert!(clock.waits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_403_and_access_denied_are_permission_denied() {
    let server = serve(ResponseTemplate::new(403).set_body_json(
        json!({"errors": "This action requires merchant approval for read_orders scope."}),
    ))
    .await;
    let (shopify, clock) = connect(&server);
    assert!(matches!(
        shopify.recent_orders_by_email("jane@example.com", 5).await,
        Err(AdapterError::PermissionDenied { .. })
    ));
    assert_eq!(received(&server).await, 1);
    assert!(clock.waits().is_empty());
    // GraphQL's own "access denied" comes in a 200.
    let denied: serde_json::Value = serde_json::from_str(include_str!(
        "../src/adapters/platforms/shopify/fixtures/access_denied.json"
    ))
    .unwrap();
    let server = serve(ResponseTemplate::new(200).set_body_json(denied)).await;
    let (shopify, _) = connect(&server);
    match shopify.check_connection().await {
        Err(AdapterError::PermissionDenied { message }) => {
            assert!(message.contains("read_orders"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_answers_are_bad_responses_naming_the_field() {
    let server =
        serve(ResponseTemplate::new(200).set_body_string("{\"data\": {\"orders\": ")).await;
    let (shopify, clock) = connect(&server);
    match shopify.order_by_number("1001").await {
        Err(AdapterError::BadResponse { vendor, .. }) => assert_eq!(vendor, "shopify"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        received(&server).await,
        1,
        "an unreadable answer is not retried"
    );
    assert!(clock.waits().is_empty());

    let mut body = orders_body(&[demo_order("1001")]);
    body["data"]["orders"]["nodes"][0]["createdAt"] = json!(1_763_000_000);
    let server = serve(ResponseTemplate::new(200).set_body_json(body)).await;
    let (shopify, _) = connect(&server);
    match shopify.order_by_number("1001").await {
        Err(AdapterError::BadResponse { field, .. }) => {
            assert_eq!(field, "data.orders.nodes[0].createdAt")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_that_gets_a_500_is_not_sent_again() {
    // orderCancel refunds and notifies the customer: repeating it is not harmless, so the
    // mutation is not idempotent and a 5xx after sending it is final.
    let server = serve(FailingWrites(Shop::new(&fixture_orders()))).await;
    let (shopify, clock) = connect(&server);
    let at: Timestamp = "2026-03-06T10:00:00Z".parse().unwrap();
    assert!(matches!(
        shopify.cancel_order("500", at).await,
        Err(AdapterError::Unavailable { .. })
    ));
    assert_eq!(requests_for(&server, "DeskbotOrderCancel").await.len(), 1);
    assert!(clock.waits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_is_confirmed_by_reading_the_order_back() {
    let server = Shop::new(&fixture_orders()).serve().await;
    let (shopify, _) = connect(&server);
    let at: Timestamp = "2026-03-06T10:00:00Z".parse().unwrap();
    let cancelled = shopify.cancel_order("#501", at).await.unwrap();
    assert_eq!(
        cancelled.cancelled_at,
        Some(stand_in::CANCELLED_AT.parse().unwrap())
    );
    let lookup = stand_in::variables(&requests_for(&server, "DeskbotOrders").await[0]);
    assert_eq!(
        lookup["query"], "name:#501",
        "the state is read first, by name"
    );
    let sent = requests_for(&server, "DeskbotOrderCancel").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(stand_in::variables(&sent[0])["orderId"], "id-501");
    assert_eq!(
        requests_for(&server, "DeskbotOrder").await.len(),
        1,
        "one read-back"
    );
}

/// What the responder does with "where is order #1001" from jane when the platform fails.
async fn outcome_with(shopify: Shopify) -> deskbot::Outcome {
    let shop = demo();
    let now = shop.policy.now();
    let responder = Responder::new(
        model(),
        Arc::new(shopify),
        Arc::new(shop.carriers),
        shop.policy,
        templates(),
    );
    let customer = Customer {
        email: Some("jane@example.com".to_owned()),
    };
    responder
        .respond_to(
            Prediction::certain(Intent::Tracking),
            "where is order #1001?",
            &customer,
            now,
        )
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_failure_becomes_an_adapter_failure_handoff() {
    let quick = RetryConfig {
        request_timeout: Duration::from_millis(300),
        ..retry()
    };
    let cases: Vec<(&str, ResponseTemplate, &str)> = vec![
        (
            "timeout",
            ResponseTemplate::new(200)
                .set_body_json(orders_body(&[demo_order("1001")]))
                .set_delay(Duration::from_secs(3)),
            "unavailable",
        ),
        (
            "429 past the deadline",
            ResponseTemplate::new(429).insert_header("Retry-After", "3600"),
            "rate_limited",
        ),
        ("500 for good", ResponseTemplate::new(500), "unavailable"),
        ("401", ResponseTemplate::new(401), "unauthenticated"),
        ("403", ResponseTemplate::new(403), "permission_denied"),
        (
            "malformed",
            ResponseTemplate::new(200).set_body_string("<html>oops</html>"),
            "bad_response",
        ),
    ];
    for (name, answer, kind) in cases {
        let server = serve(answer).await;
        let (shopify, _) = connect_with(&server, TOKEN, quick);
        let outcome = outcome_with(shopify).await;
        match outcome.handoff_reason() {
            Some(HandoffReason::AdapterFailure { kind: got, .. }) => {
                assert_eq!(*got, kind, "{name}")
            }
            other => panic!("{name}: expected an adapter-failure handoff, got {other:?}"),
        }
        assert_eq!(outcome_label(&outcome), "handoff/adapter_failure", "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_demo_story_ends_as_expected_against_the_shopify_stand_in() {
    let server = Shop::new(&demo_orders()).serve().await;
    let shop_dir = root().join("examples/demo-shop");
    let policy = std::fs::read_to_string(shop_dir.join("deskbot.toml")).unwrap();
    let text = format!(
        "{policy}\n[platform]\nkind = \"shopify\"\nshop = \"juniper-oak\"\nbase_url = \"{}\"\n\n[carriers.demo]\ndir = {:?}\n",
        server.uri(),
        shop_dir.display().to_string()
    );
    let env = |name: &str| (name == "SHOPIFY_ACCESS_TOKEN").then(|| TOKEN.to_owned());
    let config = Config::from_toml(Path::new("/etc/deskbot/deskbot.toml"), &text, &env).unwrap();
    let connections = deskbot::adapters::connect::connect(&config).unwrap();
    assert_eq!(connections.platform.name(), "shopify");
    connections.platform.check_connection().await.unwrap();
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
                "{:?} {:?} as {}: expected {}, got {label}",
                case.email, case.message, case.intent, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(
        requests_for(&server, "DeskbotOrders").await.len() > 1,
        "the stories were answered from the stand-in"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn perform_mode_cancels_through_shopify_and_replies_only_once_confirmed() {
    let server = Shop::new(&demo_orders()).serve().await;
    let shop_dir = root().join("examples/demo-shop");
    let policy = std::fs::read_to_string(shop_dir.join("deskbot.toml"))
        .unwrap()
        .replace("mode = \"request\"", "mode = \"perform\"");
    let text = format!(
        "{policy}\n[platform]\nkind = \"shopify\"\nshop = \"juniper-oak\"\nbase_url = \"{}\"\n",
        server.uri()
    );
    let env = |name: &str| (name == "SHOPIFY_ACCESS_TOKEN").then(|| TOKEN.to_owned());
    let config = Config::from_toml(&shop_dir.join("deskbot.toml"), &text, &env).unwrap();
    let connections = deskbot::adapters::connect::connect(&config).unwrap();
    let platform = connections.platform.clone();
    let now = config.policy.now();
    let responder = Responder::new(
        model(),
        connections.platform,
        connections.carriers,
        config.policy,
        templates(),
    );
    let omar = Customer {
        email: Some("omar@example.com".to_owned()),
    };
    let ask = |message: &'static str| {
        responder.respond_to(Prediction::certain(Intent::Cancel), message, &omar, now)
    };
    // Read (and cache) the order first: the cancel must not be answered from the cache.
    assert!(!platform
        .order_by_number("1002")
        .await
        .unwrap()
        .is_cancelled());
    let outcome = ask("cancel my order please").await;
    assert_eq!(outcome.situation(), Some("cancel/cancelled"), "{outcome:?}");
    assert_eq!(requests_for(&server, "DeskbotOrderCancel").await.len(), 1);
    assert!(platform
        .order_by_number("1002")
        .await
        .unwrap()
        .is_cancelled());
    let again = ask("cancel my order please").await;
    assert_eq!(
        again.situation(),
        Some("cancel/already_cancelled"),
        "{again:?}"
    );
    assert_eq!(requests_for(&server, "DeskbotOrderCancel").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_that_never_shows_is_not_claimed() {
    let server = serve(stand_in::StuckJob(Shop::new(&fixture_orders()))).await;
    let (shopify, clock) = connect(&server);
    let at: Timestamp = "2026-03-06T10:00:00Z".parse().unwrap();
    match shopify.cancel_order("500", at).await {
        Err(AdapterError::Unavailable { message }) => {
            assert!(message.contains("not confirmed"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests_for(&server, "DeskbotOrder").await.len(), 4);
    assert_eq!(
        clock.waits(),
        [500, 1000, 2000].map(Duration::from_millis),
        "read-backs spaced out on the virtual clock"
    );
}
