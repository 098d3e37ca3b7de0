//! The Gorgias adapter against a loopback stand-in of its REST API that holds state (wiremock):
//! the shared help-desk conformance suite, what deskbot reads and writes, and each failure class
//! with a virtual clock. Nothing here reaches the internet.

#![cfg(feature = "gorgias")]

#[path = "helpdesk_gorgias/stand_in.rs"]
mod stand_in;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::conformance;
use deskbot::adapters::helpdesk::gorgias::Gorgias;
use deskbot::adapters::helpdesk::{Author, DeliveryMark, HandoffNote, HelpDesk};
use deskbot::adapters::http::{HttpConfig, RecordingClock, RetryConfig};
use deskbot::adapters::{AdapterError, Secret};
use deskbot::config::Config;
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use stand_in::{FakeGorgias, EMAIL, KEY, ME, TICKET};

const TICKET_PATH: &str = "/api/tickets/123";
const MESSAGES_PATH: &str = "/api/tickets/123/messages";

fn quick() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        request_timeout: Duration::from_millis(500),
        deadline: Duration::from_secs(30),
    }
}

async fn serve(fake: &FakeGorgias) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(fake.clone())
        .with_priority(10)
        .mount(&server)
        .await;
    server
}

fn gorgias(server: &MockServer, key: &str) -> (Gorgias, Arc<RecordingClock>) {
    let clock = Arc::new(RecordingClock::default());
    let config = HttpConfig {
        retry: quick(),
        ..HttpConfig::default()
    };
    let desk = Gorgias::new(
        url::Url::parse(&format!("{}/api", server.uri())).unwrap(),
        EMAIL,
        Secret::new(key),
        &config,
    )
    .unwrap()
    .with_clock(clock.clone());
    (desk, clock)
}

async fn requests(server: &MockServer, verb: &str, wanted: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == wanted)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn passes_the_help_desk_conformance_suite() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    let (desk, _) = gorgias(&server, KEY);
    conformance::help_desk(&desk, TICKET).await;
    let state = fake.state();
    let writes: Vec<(&str, &str)> = state
        .writes
        .iter()
        .map(|(verb, path, _)| (verb.as_str(), path.as_str()))
        .collect();
    // The reply; then the handoff: tags, routing, and the marked note last.
    assert_eq!(
        writes,
        [
            ("POST", MESSAGES_PATH),
            ("POST", "/api/tickets/123/tags"),
            ("PUT", TICKET_PATH),
            ("POST", MESSAGES_PATH),
        ]
    );
    let reply = &state.writes[0].2;
    assert_eq!(reply["external_id"], "deskbot-done-conformance-reply");
    assert_eq!(reply["channel"], "email");
    assert_eq!(reply["source"]["from"]["address"], "support@acme.example");
    assert_eq!(reply["receiver"]["email"], "john@example.com");
    assert_eq!(state.writes[1].2, json!({"names": ["deskbot"]}));
    assert_eq!(
        state.writes[2].2,
        json!({"assignee_team": {"id": 360000001}})
    );
    let note = &state.writes[3].2;
    assert_eq!(note["channel"], "internal-note");
    assert_eq!(note["external_id"], "deskbot-done-conformance-note");
}

#[tokio::test(flavor = "multi_thread")]
async fn connects_from_the_config_and_passes_the_suite() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    let demo = include_str!("../examples/demo-shop/deskbot.toml");
    let text = format!(
        "{demo}\n[helpdesk]\nkind = \"gorgias\"\nbase_url = \"{}/api\"\nemail = \"{EMAIL}\"\nhandoff_status = \"open\"\n",
        server.uri()
    );
    let env = |name: &str| match name {
        "GORGIAS_API_KEY" => Some(KEY.to_owned()),
        "GORGIAS_WEBHOOK_SECRET" => Some("hook-0123456789abcdef".to_owned()),
        _ => None,
    };
    let config = Config::from_toml(Path::new("deskbot.toml"), &text, &env).unwrap();
    let desk = deskbot::adapters::connect::help_desk(&config).unwrap();
    assert_eq!(desk.name(), "gorgias");
    desk.check_connection().await.unwrap();
    conformance::help_desk(desk.as_ref(), TICKET).await;
    assert_eq!(fake.state().tickets[&123]["status"], "open");
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_the_customer_and_latest_public_message_then_its_own_reply() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    let (desk, _) = gorgias(&server, KEY);
    let ticket = desk.ticket(TICKET).await.unwrap();
    assert_eq!(ticket.requester_email.as_deref(), Some("john@example.com"));
    assert_eq!(ticket.tags, ["urgent", "shipping"]);
    let latest = ticket.latest_comment.unwrap();
    assert_eq!(
        (latest.id.as_str(), latest.author),
        ("1001", Author::Requester)
    );
    let mark = DeliveryMark::new("job-1/reply");
    desk.post_public_reply(TICKET, "Your order left on Monday.", &mark)
        .await
        .unwrap();
    let latest = desk.ticket(TICKET).await.unwrap().latest_comment.unwrap();
    assert_eq!(latest.author, Author::Deskbot);
    assert_eq!(latest.body, "Your order left on Monday.");
    assert_eq!(requests(&server, "GET", "/api/users/0").await, 1);
    let state = fake.state();
    let sent = &state.tickets[&123]["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(sent["sender"]["id"], ME);
    assert_eq!(sent["integration_id"], 18);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handoff_checks_routing_before_writing_anything() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    let (desk, _) = gorgias(&server, KEY);
    let mark = DeliveryMark::new("job-2/handoff");
    let mut note = HandoffNote::new("Refund asked.", vec!["deskbot-refund".into()]);
    note.assignee = Some("ann".into());
    assert!(matches!(
        desk.hand_off(TICKET, &note, &mark).await,
        Err(AdapterError::Invalid { .. })
    ));
    assert!(fake.state().writes.is_empty());
    note.assignee = Some("4".into());
    note.status = Some("closed".into());
    desk.hand_off(TICKET, &note, &mark).await.unwrap();
    assert!(desk.delivered(TICKET, &mark).await.unwrap());
    let state = fake.state();
    let ticket = &state.tickets[&123];
    assert_eq!(ticket["assignee_user"], json!({"id": 4}));
    assert_eq!(ticket["status"], "closed");
    assert!(ticket["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "deskbot-refund"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_tag_write_stops_the_handoff_before_the_note() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    Mock::given(method("POST"))
        .and(path("/api/tickets/123/tags"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&server)
        .await;
    let (desk, clock) = gorgias(&server, KEY);
    let mark = DeliveryMark::new("job-3/handoff");
    let note = HandoffNote::new("n", vec!["deskbot".into()]);
    assert!(matches!(
        desk.hand_off(TICKET, &note, &mark).await,
        Err(AdapterError::Unavailable { .. })
    ));
    // Adding tags is safe to repeat: retried, then given up; no note without its tags.
    assert_eq!(requests(&server, "POST", "/api/tickets/123/tags").await, 4);
    assert_eq!(clock.waits().len(), 3);
    assert_eq!(requests(&server, "POST", MESSAGES_PATH).await, 0);
    assert!(!desk.delivered(TICKET, &mark).await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_is_unauthenticated_and_not_retried() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    let (desk, clock) = gorgias(&server, "wrong-key");
    match desk.check_connection().await {
        Err(AdapterError::Unauthenticated { message }) => {
            assert!(!message.contains("wrong-key"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests(&server, "GET", "/api/users/0").await, 1);
    assert!(clock.waits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_tickets_are_not_found() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    let (desk, _) = gorgias(&server, KEY);
    let mark = DeliveryMark::new("x");
    assert!(matches!(
        desk.ticket("999").await,
        Err(AdapterError::NotFound { .. })
    ));
    assert!(matches!(
        desk.post_public_reply("999", "x", &mark).await,
        Err(AdapterError::NotFound { .. })
    ));
    assert!(matches!(
        desk.hand_off("999", &HandoffNote::new("n", vec![]), &mark)
            .await,
        Err(AdapterError::NotFound { .. })
    ));
    assert!(fake.state().writes.is_empty());
}

/// A `base_url` that reaches something other than Gorgias answers 404 without Gorgias's error
/// body. That must not read as "the ticket was deleted": the service would drop the job as
/// nothing to answer, and the customer would never hear back.
#[tokio::test(flavor = "multi_thread")]
async fn a_404_that_is_not_gorgiass_error_is_a_configuration_error_not_a_deleted_ticket() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&server)
        .await;
    let (gorgias, _) = gorgias(&server, KEY);
    let answer = gorgias.ticket("42").await;
    assert!(
        matches!(&answer, Err(AdapterError::Invalid { message }) if message.contains("check base_url")),
        "{answer:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    Mock::given(method("GET"))
        .and(path(TICKET_PATH))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let (desk, clock) = gorgias(&server, KEY);
    assert!(!desk
        .delivered(TICKET, &DeliveryMark::new("x"))
        .await
        .unwrap());
    assert_eq!(requests(&server, "GET", TICKET_PATH).await, 2);
    assert_eq!(clock.waits(), [Duration::from_secs(3)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_read_is_retried_until_the_budget_is_spent_then_unavailable() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    Mock::given(method("GET"))
        .and(path(TICKET_PATH))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&server)
        .await;
    let (desk, clock) = gorgias(&server, KEY);
    assert!(matches!(
        desk.ticket(TICKET).await,
        Err(AdapterError::Unavailable { .. })
    ));
    assert_eq!(requests(&server, "GET", TICKET_PATH).await, 4);
    assert_eq!(clock.waits().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_message_post_is_not_repeated_blindly() {
    let fake = FakeGorgias::new();
    let server = serve(&fake).await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(1)
        .mount(&server)
        .await;
    let (desk, _) = gorgias(&server, KEY);
    assert!(matches!(
        desk.post_public_reply(TICKET, "x", &DeliveryMark::new("y"))
            .await,
        Err(AdapterError::Unavailable { .. })
    ));
    assert_eq!(requests(&server, "POST", MESSAGES_PATH).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_are_bad_responses_naming_the_field() {
    for (body, field) in [
        (
            json!({"id": 123, "messages": [{"id": 1}, {"id": "two"}]}),
            "messages[1].id",
        ),
        (json!({"id": 123, "tags": [{"id": 1}]}), "tags[0]"),
        (
            json!({"id": 123, "customer": {"email": 5}}),
            "customer.email",
        ),
    ] {
        let fake = FakeGorgias::new();
        let server = serve(&fake).await;
        Mock::given(method("GET"))
            .and(path(TICKET_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
            .with_priority(1)
            .mount(&server)
            .await;
        let (desk, _) = gorgias(&server, KEY);
        match desk.ticket(TICKET).await {
            Err(AdapterError::BadResponse {
                vendor, field: got, ..
            }) => {
                assert_eq!(vendor, "gorgias");
                assert_eq!(got, field, "{body}");
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}
