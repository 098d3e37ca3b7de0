//! The Zendesk adapter against a loopback stand-in of the Support API v2 that holds state
//! (wiremock): the shared help-desk conformance suite, what deskbot reads and writes, and each
//! failure class with a virtual clock. Nothing here reaches the internet.

#![cfg(feature = "zendesk")]

#[path = "helpdesk_zendesk/stand_in.rs"]
mod stand_in;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::conformance;
use deskbot::adapters::helpdesk::zendesk::Zendesk;
use deskbot::adapters::helpdesk::{Author, DeliveryMark, HandoffNote, HelpDesk};
use deskbot::adapters::http::{HttpConfig, RecordingClock, RetryConfig};
use deskbot::adapters::{AdapterError, Secret};
use deskbot::config::Config;
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use stand_in::{FakeZendesk, EMAIL, ME, TICKET, TOKEN};

const TICKET_PATH: &str = "/api/v2/tickets/35436.json";

/// Quick retries for failure tests: 3 retries, 10–50 ms backoff, a short request timeout.
fn quick() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        request_timeout: Duration::from_millis(500),
        deadline: Duration::from_secs(30),
    }
}

/// A server playing Zendesk (`fake`), under any mocks mounted later with a higher priority.
async fn serve(fake: &FakeZendesk) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(fake.clone())
        .with_priority(10)
        .mount(&server)
        .await;
    server
}

fn zendesk(server: &MockServer, token: &str) -> (Zendesk, Arc<RecordingClock>) {
    let clock = Arc::new(RecordingClock::default());
    let config = HttpConfig {
        retry: quick(),
        ..HttpConfig::default()
    };
    let desk = Zendesk::new(
        url::Url::parse(&server.uri()).unwrap(),
        EMAIL,
        Secret::new(token),
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
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    let (desk, _) = zendesk(&server, TOKEN);
    conformance::help_desk(&desk, TICKET).await;
    // Each delivery was one update holding both the comment and its mark.
    let state = fake.state();
    assert_eq!(state.updates.len(), 2, "{:?}", state.updates);
    let reply = &state.updates[0]["ticket"];
    assert_eq!(reply["comment"]["public"], true);
    assert_eq!(
        reply["additional_tags"],
        json!(["deskbot-done-conformance-reply"])
    );
    let note = &state.updates[1]["ticket"];
    assert_eq!(note["comment"]["public"], false);
    assert_eq!(
        note["additional_tags"],
        json!(["deskbot", "deskbot-done-conformance-note"])
    );
    assert_eq!(note["group_id"], 360000001);
}

#[tokio::test(flavor = "multi_thread")]
async fn connects_from_the_config_and_passes_the_suite() {
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    let demo = include_str!("../examples/demo-shop/deskbot.toml");
    let text = format!(
        "{demo}\n[helpdesk]\nkind = \"zendesk\"\nbase_url = \"{}\"\nemail = \"{EMAIL}\"\nhandoff_status = \"pending\"\n",
        server.uri()
    );
    let env = |name: &str| match name {
        "ZENDESK_API_TOKEN" => Some(TOKEN.to_owned()),
        "ZENDESK_WEBHOOK_SECRET" => Some("hook".to_owned()),
        _ => None,
    };
    let config = Config::from_toml(Path::new("deskbot.toml"), &text, &env).unwrap();
    let desk = deskbot::adapters::connect::help_desk(&config).unwrap();
    assert_eq!(desk.name(), "zendesk");
    desk.check_connection().await.unwrap();
    conformance::help_desk(desk.as_ref(), TICKET).await;
    // handoff_status applies when the note names no status.
    assert_eq!(fake.state().tickets[&35436]["status"], "pending");
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_the_requester_and_the_latest_public_comment_then_its_own_reply() {
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    let (desk, _) = zendesk(&server, TOKEN);
    let ticket = desk.ticket(TICKET).await.unwrap();
    assert_eq!(
        ticket.requester_email.as_deref(),
        Some("johnny@example.com")
    );
    assert_eq!(
        ticket.subject.as_deref(),
        Some("Help, my printer is on fire!")
    );
    let latest = ticket.latest_comment.unwrap();
    // The newer private note (1276) is skipped.
    assert_eq!(
        (latest.id.as_str(), latest.author, latest.body.as_str()),
        ("1274", Author::Requester, "Thanks for your help!")
    );
    let mark = DeliveryMark::new("job-1/reply");
    desk.post_public_reply(TICKET, "Your parcel left today.", &mark)
        .await
        .unwrap();
    let latest = desk.ticket(TICKET).await.unwrap().latest_comment.unwrap();
    assert_eq!(latest.author, Author::Deskbot);
    assert_eq!(latest.body, "Your parcel left today.");
    // `users/me` was asked once, however many tickets were read.
    assert_eq!(requests(&server, "GET", "/api/v2/users/me.json").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn its_own_reply_is_never_the_customers_even_on_a_ticket_it_requested() {
    // A ticket opened under deskbot's agent account (requester_id = users/me): after deskbot
    // replies, the latest public comment is its own, not a new message to answer.
    let fake = FakeZendesk::new();
    fake.state().tickets.get_mut(&35436).unwrap()["requester_id"] = json!(ME);
    let server = serve(&fake).await;
    let (desk, _) = zendesk(&server, TOKEN);
    desk.post_public_reply(
        TICKET,
        "Your parcel left today.",
        &DeliveryMark::new("job-9/reply"),
    )
    .await
    .unwrap();
    let latest = desk.ticket(TICKET).await.unwrap().latest_comment.unwrap();
    assert_eq!(
        (latest.author, latest.body.as_str()),
        (Author::Deskbot, "Your parcel left today.")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_requester_is_fetched_when_not_sideloaded_and_comments_are_paged() {
    let fake = FakeZendesk::new();
    fake.state().sideload = false;
    fake.state().page_size = 2;
    fake.add_private_notes(35436, 3);
    let server = serve(&fake).await;
    let (desk, _) = zendesk(&server, TOKEN);
    let ticket = desk.ticket(TICKET).await.unwrap();
    assert_eq!(
        ticket.requester_email.as_deref(),
        Some("johnny@example.com")
    );
    assert_eq!(
        requests(&server, "GET", "/api/v2/users/20978392.json").await,
        1
    );
    // 4 private notes, newest first, 2 a page: the public comment is on page 3.
    assert_eq!(ticket.latest_comment.unwrap().id, "1274");
    assert_eq!(
        requests(&server, "GET", "/api/v2/tickets/35436/comments.json").await,
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handoff_routes_by_id_and_refuses_names_before_writing() {
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    let (desk, _) = zendesk(&server, TOKEN);
    let mark = DeliveryMark::new("job-2/handoff");
    let mut note = HandoffNote::new("Refund asked for #1001.", vec!["deskbot-refund".into()]);
    note.group = Some("support".into());
    match desk.hand_off(TICKET, &note, &mark).await {
        Err(AdapterError::Invalid { message }) => assert!(message.contains("support")),
        other => panic!("{other:?}"),
    }
    assert!(fake.state().updates.is_empty());
    note.group = Some("98738".into());
    note.assignee = Some("235323".into());
    note.status = Some("open".into());
    desk.hand_off(TICKET, &note, &mark).await.unwrap();
    assert!(desk.delivered(TICKET, &mark).await.unwrap());
    let state = fake.state();
    let ticket = &state.tickets[&35436];
    assert_eq!(ticket["group_id"], 98738);
    assert_eq!(ticket["assignee_id"], 235323);
    assert!(ticket["tags"]
        .as_array()
        .unwrap()
        .contains(&json!("deskbot-refund")));
    let note = state.comments[&35436].last().unwrap();
    assert_eq!(
        (note["public"].as_bool(), note["author_id"].as_u64()),
        (Some(false), Some(ME))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_is_unauthenticated_and_not_retried() {
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    let (desk, clock) = zendesk(&server, "wrong-token");
    match desk.check_connection().await {
        Err(AdapterError::Unauthenticated { message }) => {
            assert!(!message.contains("wrong-token"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        desk.ticket(TICKET).await,
        Err(AdapterError::Unauthenticated { .. })
    ));
    assert_eq!(requests(&server, "GET", "/api/v2/users/me.json").await, 1);
    assert!(clock.waits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_anonymous_answer_to_users_me_is_unauthenticated() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/me.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(include_str!(
            "../src/adapters/helpdesk/zendesk/fixtures/user_me_anonymous.json"
        )))
        .mount(&server)
        .await;
    let (desk, _) = zendesk(&server, TOKEN);
    assert!(matches!(
        desk.check_connection().await,
        Err(AdapterError::Unauthenticated { .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_tickets_are_not_found_with_or_without_a_request() {
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    let (desk, _) = zendesk(&server, TOKEN);
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
        desk.delivered("999", &mark).await,
        Err(AdapterError::NotFound { .. })
    ));
    assert_eq!(
        requests(&server, "GET", "/api/v2/tickets/999.json").await,
        2
    );
    // Not a Zendesk id at all: nothing to ask.
    let before = server.received_requests().await.unwrap().len();
    assert!(matches!(
        desk.ticket("../users/me").await,
        Err(AdapterError::NotFound { .. })
    ));
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}

/// A `base_url` that reaches something other than Zendesk answers 404 without Zendesk's error
/// body. That must not read as "the ticket was deleted": the service would drop the job as
/// nothing to answer, and the customer would never hear back.
#[tokio::test(flavor = "multi_thread")]
async fn a_404_that_is_not_zendesks_error_is_a_configuration_error_not_a_deleted_ticket() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&server)
        .await;
    let (zendesk, _) = zendesk(&server, TOKEN);
    let answer = zendesk.ticket("42").await;
    assert!(
        matches!(&answer, Err(AdapterError::Invalid { message }) if message.contains("check base_url")),
        "{answer:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    Mock::given(method("GET"))
        .and(path(TICKET_PATH))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "2")
                .set_body_json(json!({"error": "TooManyRequests"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let (desk, clock) = zendesk(&server, TOKEN);
    let ticket = desk.ticket(TICKET).await.unwrap();
    assert_eq!(ticket.id, TICKET);
    assert_eq!(requests(&server, "GET", TICKET_PATH).await, 2);
    assert_eq!(clock.waits(), [Duration::from_secs(2)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_read_is_retried_until_the_budget_is_spent_then_unavailable() {
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    Mock::given(method("GET"))
        .and(path(TICKET_PATH))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(1)
        .mount(&server)
        .await;
    let (desk, clock) = zendesk(&server, TOKEN);
    match desk.delivered(TICKET, &DeliveryMark::new("x")).await {
        Err(AdapterError::Unavailable { message }) => assert!(message.contains("503"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(requests(&server, "GET", TICKET_PATH).await, 4);
    assert_eq!(clock.waits().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_reply_is_not_repeated_blindly() {
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    Mock::given(method("PUT"))
        .and(path(TICKET_PATH))
        .respond_with(ResponseTemplate::new(502))
        .with_priority(1)
        .mount(&server)
        .await;
    let (desk, clock) = zendesk(&server, TOKEN);
    let mark = DeliveryMark::new("job-3/reply");
    assert!(matches!(
        desk.post_public_reply(TICKET, "x", &mark).await,
        Err(AdapterError::Unavailable { .. })
    ));
    // It may have landed: one attempt, and the worker asks `delivered` before another.
    assert_eq!(requests(&server, "PUT", TICKET_PATH).await, 1);
    assert!(clock.waits().is_empty());
    assert!(!desk.delivered(TICKET, &mark).await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_are_bad_responses_naming_the_field() {
    for (body, field) in [
        (
            json!({"ticket": {"id": 35436, "requester_id": 20978392, "tags": "vip"}}),
            "ticket.tags",
        ),
        (json!({"ticket": {"id": "35436"}}), "ticket.id"),
        (json!({"tickets": []}), "."),
    ] {
        let fake = FakeZendesk::new();
        let server = serve(&fake).await;
        Mock::given(method("GET"))
            .and(path(TICKET_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
            .with_priority(1)
            .mount(&server)
            .await;
        let (desk, _) = zendesk(&server, TOKEN);
        match desk.ticket(TICKET).await {
            Err(AdapterError::BadResponse {
                vendor, field: got, ..
            }) => {
                assert_eq!(vendor, "zendesk");
                assert_eq!(got, field, "{body}");
            }
            other => panic!("{body}: {other:?}"),
        }
    }
    let fake = FakeZendesk::new();
    let server = serve(&fake).await;
    Mock::given(method("GET"))
        .and(path(TICKET_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"ticket\": {", "application/json"))
        .with_priority(1)
        .mount(&server)
        .await;
    let (desk, _) = zendesk(&server, TOKEN);
    assert!(matches!(
        desk.ticket(TICKET).await,
        Err(AdapterError::BadResponse { .. })
    ));
}

#[test]
fn refuses_basic_auth_over_plain_http_to_a_remote_host() {
    let result = Zendesk::new(
        url::Url::parse("http://acme.zendesk.com").unwrap(),
        EMAIL,
        Secret::new(TOKEN),
        &HttpConfig::default(),
    );
    assert!(matches!(result, Err(AdapterError::Invalid { .. })));
}
