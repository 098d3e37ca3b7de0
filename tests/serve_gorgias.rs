//! `deskbot serve` end to end with Gorgias: a stateful Gorgias stand-in (tickets, messages,
//! tags, users/0, in the documented shapes of tests/helpdesk_gorgias/stand_in.rs) fires the HTTP
//! integration's webhook with the shared secret, Shopify and UPS stand-ins answer the lookups,
//! and the ticket gets exactly one e-mail reply — or a handoff (tags, team, internal note).

#![cfg(all(
    feature = "cli",
    feature = "serve",
    feature = "gorgias",
    feature = "shopify",
    feature = "ups"
))]

#[path = "helpdesk_gorgias/stand_in.rs"]
mod gorgias;
mod serve_support;
#[path = "platform_shopify/stand_in.rs"]
#[allow(dead_code)]
mod shopify;

use std::time::Duration;

use serde_json::{json, Value};
use serve_support::suite::{client, demo_orders, ups_stand_in};
use serve_support::*;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use gorgias::{FakeGorgias, EMAIL, KEY, ME};

struct Setup {
    _dir: tempfile::TempDir,
    config: ConfigFile,
    gorgias: FakeGorgias,
    _servers: Vec<MockServer>,
}

async fn setup() -> Setup {
    let gorgias = FakeGorgias::new();
    let desk = MockServer::start().await;
    Mock::given(any())
        .respond_with(gorgias.clone())
        .mount(&desk)
        .await;
    let shop = shopify::Shop::new(&demo_orders()).serve().await;
    let ups = ups_stand_in().await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        &format!(
            r#"
[platform]
kind = "shopify"
shop = "juniper-oak"
base_url = "{shop}"

[carriers.ups]
base_url = "{ups}"

[helpdesk]
kind = "gorgias"
base_url = "{desk}/api"
email = "{EMAIL}"
handoff_status = "open"

[http]
max_retries = 1
initial_backoff_ms = 10
max_backoff_ms = 20

[serve]
lease_secs = 2
retry_initial_secs = 0.2
retry_max_secs = 0.5
poll_interval_secs = 0.1

[routing]
group = "12"

[routing.reasons.claim]
group = "99"
"#,
            shop = shop.uri(),
            ups = ups.uri(),
            desk = desk.uri(),
        ),
    );
    let env = [
        ("GORGIAS_API_KEY", KEY),
        ("GORGIAS_WEBHOOK_SECRET", GORGIAS_SECRET),
        ("SHOPIFY_ACCESS_TOKEN", shopify::TOKEN),
        ("UPS_CLIENT_ID", "deskbot-test-client"),
        ("UPS_CLIENT_SECRET", "s3cret-value"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Setup {
        _dir: dir,
        config: ConfigFile { path, env },
        gorgias,
        _servers: vec![desk, shop, ups],
    }
}

/// Posts the HTTP integration's body for `message` on `ticket` with `secret` in the header.
async fn post_gorgias(url: &str, ticket: u64, message: u64, secret: Option<&str>) -> u16 {
    let mut request = client()
        .post(format!("{url}/webhooks/gorgias"))
        .json(&json!({"ticket_id": ticket.to_string(), "message_id": message.to_string()}));
    if let Some(secret) = secret {
        request = request.header("X-Deskbot-Secret", secret);
    }
    request.send().await.unwrap().status().as_u16()
}

fn done(config: &ConfigFile) -> u64 {
    jobs(config)["counts"]["done"].as_u64().unwrap()
}

fn tag_names(ticket: &Value) -> Vec<String> {
    ticket["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gorgias_ticket_gets_one_email_reply_with_the_facts() {
    let s = setup().await;
    let message = s
        .gorgias
        .open_ticket(501, "ivy@example.com", "Where is my order #1014?");
    let deskbot = Deskbot::start(&s.config.path, &s.config.env());
    // Delivered three times, as a retrying integration might: stored once (202), then
    // recognised as duplicates (200).
    for expected in [202, 200, 200] {
        assert_eq!(
            post_gorgias(&deskbot.url, 501, message, Some(GORGIAS_SECRET)).await,
            expected
        );
    }
    let config = s.config.clone();
    wait_for(
        "the reply",
        Duration::from_secs(30),
        || deskbot.log(),
        || done(&config) == 1,
    )
    .await;
    let posted = s.gorgias.posted(501);
    assert_eq!(posted.len(), 1, "{posted:?}");
    let reply = &posted[0];
    assert_eq!(reply["channel"], "email");
    assert_eq!(reply["receiver"]["email"], "ivy@example.com");
    let body = reply["body_text"].as_str().unwrap();
    assert!(body.contains("1014"), "{body}");
    assert!(body.contains("1ZE7V2180388685590"), "{body}");
    assert!(
        reply["external_id"]
            .as_str()
            .is_some_and(|mark| mark.contains("deskbot")),
        "the delivery mark travels with the message: {reply}"
    );
    // Its own message, announced by the integration, is not answered.
    let own = reply["id"].as_u64().unwrap();
    assert_eq!(
        post_gorgias(&deskbot.url, 501, own, Some(GORGIAS_SECRET)).await,
        202
    );
    wait_for(
        "the second job",
        Duration::from_secs(30),
        || deskbot.log(),
        || done(&config) == 2,
    )
    .await;
    assert_eq!(s.gorgias.posted(501).len(), 1);
    assert_eq!(
        s.gorgias.state().tickets[&501]["messages"][0]["sender"]["id"],
        30_501
    );
    assert_ne!(ME, 30_501);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gorgias_handoff_tags_routes_and_leaves_an_internal_note() {
    let s = setup().await;
    let message =
        s.gorgias
            .open_ticket(502, "chen@example.com", "the lamp shade wasn't in the box");
    let deskbot = Deskbot::start(&s.config.path, &s.config.env());
    assert_eq!(
        post_gorgias(&deskbot.url, 502, message, Some(GORGIAS_SECRET)).await,
        202
    );
    let config = s.config.clone();
    wait_for(
        "the handoff",
        Duration::from_secs(30),
        || deskbot.log(),
        || done(&config) == 1,
    )
    .await;
    let posted = s.gorgias.posted(502);
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(posted[0]["channel"], "internal-note");
    let note = posted[0]["body_text"].as_str().unwrap();
    assert!(note.contains("deskbot handed this over"), "{note}");
    let ticket = s.gorgias.state().tickets[&502].clone();
    let tags = tag_names(&ticket);
    assert!(tags.contains(&"deskbot".to_owned()), "{tags:?}");
    assert!(tags.contains(&"deskbot-claim".to_owned()), "{tags:?}");
    assert_eq!(ticket["assignee_team"]["id"], 99, "[routing.reasons.claim]");
    assert_eq!(ticket["status"], "open");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gorgias_webhook_without_the_shared_secret_is_refused_and_stores_nothing() {
    let s = setup().await;
    let message = s
        .gorgias
        .open_ticket(503, "ivy@example.com", "Where is my order #1014?");
    let deskbot = Deskbot::start(&s.config.path, &s.config.env());
    assert_eq!(post_gorgias(&deskbot.url, 503, message, None).await, 401);
    assert_eq!(
        post_gorgias(
            &deskbot.url,
            503,
            message,
            Some("gorgias-shared-secret-012345678")
        )
        .await,
        401
    );
    let big = client()
        .post(format!("{}/webhooks/gorgias", deskbot.url))
        .header("X-Deskbot-Secret", GORGIAS_SECRET)
        .header("content-type", "application/json")
        .body(format!(
            "{{\"ticket_id\": \"503\", \"pad\": \"{}\"}}",
            "x".repeat(2 << 20)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status().as_u16(), 413);
    assert_eq!(jobs(&s.config)["jobs"].as_array().unwrap().len(), 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(s.gorgias.posted(503).is_empty());
}
