//! The end-to-end scenarios of `deskbot serve`, run as a process against loopback stand-ins for
//! Zendesk, Shopify and UPS: a signed webhook in, exactly one reply out — through duplicates,
//! bad requests, SIGKILL at the worst moments, vendor outages and load. Each scenario runs on
//! SQLite (tests/serve_sqlite.rs) and on PostgreSQL with two replicas (tests/serve_postgres.rs).

use std::sync::Mutex;
use std::time::Duration;

use deskbot::respond::facts::Order;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::zendesk::{Zendesk, AGENT_USER, EMAIL, TOKEN};
use super::*;
use crate::shopify;

/// One `#[tokio::test]` per scenario of this suite, each run on `$backend` (an expression making
/// a [`Backend`], evaluated per test).
#[macro_export]
macro_rules! serve_suite {
    ($backend:expr) => {
        #[tokio::test(flavor = "multi_thread")]
        async fn a_signed_webhook_gets_exactly_one_reply_with_the_facts() {
            serve_support::suite::a_signed_webhook_gets_exactly_one_reply_with_the_facts($backend).await
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn a_handoff_is_an_internal_note_with_tags_and_the_routed_group() {
            serve_support::suite::a_handoff_is_an_internal_note_with_tags_and_the_routed_group($backend).await
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn the_same_webhook_five_times_gives_one_reply() {
            serve_support::suite::the_same_webhook_five_times_gives_one_reply($backend).await
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn two_messages_at_once_on_one_ticket_get_one_reply() {
            serve_support::suite::two_messages_at_once_on_one_ticket_get_one_reply($backend).await
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn bad_signatures_stale_timestamps_and_oversize_bodies_are_refused_and_store_nothing() {
            serve_support::suite::bad_signatures_stale_timestamps_and_oversize_bodies_are_refused_and_store_nothing($backend).await
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn killed_after_posting_before_marking_done_it_does_not_post_again() {
            serve_support::suite::killed_after_posting_before_marking_done_it_does_not_post_again($backend).await
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn killed_while_a_job_is_queued_the_job_is_processed_after_restart() {
            serve_support::suite::killed_while_a_job_is_queued_the_job_is_processed_after_restart($backend).await
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn a_long_platform_outage_dead_letters_with_a_note_and_jobs_retry_recovers() {
            serve_support::suite::a_long_platform_outage_dead_letters_with_a_note_and_jobs_retry_recovers($backend).await
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn two_thousand_concurrent_webhooks_are_all_stored_and_answered_once() {
            serve_support::suite::two_thousand_concurrent_webhooks_are_all_stored_and_answered_once($backend).await
        }
    };
}

pub fn demo_orders() -> Vec<Order> {
    let text = std::fs::read_to_string(root().join("examples/demo-shop/orders.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A UPS stand-in: the token endpoint and one documented body per tracking number; UPS's
/// not-found body for any other.
pub async fn ups_stand_in() -> MockServer {
    let fixture = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(root().join("tests/fixtures/ups").join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/security/v1/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("token.json")))
        .mount(&server)
        .await;
    for (number, body) in [
        ("1ZE7V2180388685590", "in_transit.json"),
        ("1ZE7V2180375529845", "delayed.json"),
        ("1ZE7V2180355089359", "delivered.json"),
        ("1ZE7V2180374041202", "exception.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/api/track/v1/details/{number}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture(body)))
            .mount(&server)
            .await;
    }
    // Any other number: UPS's documented "no tracking information" answer, as UPS gives it
    // (a bare 404 would be a wrong base_url, not an unknown parcel).
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex("^/api/track/v1/details/"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("not_found.json")))
        .with_priority(10)
        .mount(&server)
        .await;
    server
}

const ENV: [(&str, &str); 5] = [
    ("ZENDESK_API_TOKEN", TOKEN),
    ("ZENDESK_WEBHOOK_SECRET", ZENDESK_SECRET),
    ("SHOPIFY_ACCESS_TOKEN", shopify::TOKEN),
    ("UPS_CLIENT_ID", "deskbot-test-client"),
    ("UPS_CLIENT_SECRET", "s3cret-value"),
];

/// Where the service under test keeps its queue.
pub enum Backend {
    /// The embedded default: one SQLite file in the test's folder; one `serve` process.
    Sqlite,
    /// A PostgreSQL database (its URL), shared by two `serve` processes competing for jobs.
    Postgres(String),
}

pub struct Setup {
    _dir: tempfile::TempDir,
    pub config: ConfigFile,
    pub zendesk: Zendesk,
    pub shop: MockServer,
    _ups: MockServer,
    replicated: bool,
    replicas: Mutex<Vec<Deskbot>>,
}

impl Setup {
    /// Starts `deskbot serve`; with PostgreSQL, a second replica runs beside it (started once)
    /// and competes for the same jobs.
    pub fn start(&self) -> Deskbot {
        let primary = Deskbot::start(&self.config.path, &self.config.env());
        let mut replicas = self.replicas.lock().unwrap();
        if self.replicated && replicas.is_empty() {
            replicas.push(Deskbot::start(&self.config.path, &self.config.env()));
        }
        primary
    }

    /// Every running process's URL, `primary`'s first.
    pub fn urls(&self, primary: &Deskbot) -> Vec<String> {
        let mut urls = vec![primary.url.clone()];
        urls.extend(self.replicas.lock().unwrap().iter().map(|r| r.url.clone()));
        urls
    }
}

/// The `[serve]` table of these tests: short leases and retries, with `overrides` (`key = value`
/// lines) replacing or adding keys.
fn serve_table(overrides: &str) -> String {
    let mut keys: Vec<(String, String)> = [
        ("lease_secs", "2"),
        ("retry_initial_secs", "0.2"),
        ("retry_max_secs", "0.5"),
        ("max_attempts", "3"),
        ("poll_interval_secs", "0.1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for line in overrides.lines().filter(|l| !l.trim().is_empty()) {
        let (key, value) = line.split_once('=').expect("key = value");
        let (key, value) = (key.trim().to_owned(), value.trim().to_owned());
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => keys.push((key, value)),
        }
    }
    keys.iter().map(|(k, v)| format!("{k} = {v}\n")).collect()
}

/// Stand-ins for Zendesk, Shopify and UPS, and a config naming them; `serve` overrides keys of
/// `[serve]`.
pub async fn setup(backend: Backend, serve: &str) -> Setup {
    let serve = serve_table(serve);
    let zendesk = Zendesk::new();
    let zendesk_url = zendesk.serve().await;
    let shop = shopify::Shop::new(&demo_orders()).serve().await;
    let ups = ups_stand_in().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
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
kind = "zendesk"
base_url = "{zendesk_url}"
email = "{EMAIL}"
api_token_env = "ZENDESK_API_TOKEN"
webhook_secret_env = "ZENDESK_WEBHOOK_SECRET"
max_body_bytes = 65536

{store}
[http]
max_retries = 1
initial_backoff_ms = 10
max_backoff_ms = 20

[serve]
{serve}

[routing]
group = "360001"

[routing.reasons.claim]
group = "360099"

[routing.intents.return]
group = "360042"
"#,
            shop = shop.uri(),
            ups = ups.uri(),
            store = match &backend {
                Backend::Sqlite => "[store]\nkind = \"sqlite\"\npath = \"deskbot.db\"\n",
                Backend::Postgres(_) =>
                    "[store]\nkind = \"postgres\"\nurl_env = \"DESKBOT_TEST_DATABASE_URL\"\n",
            },
        ),
    );
    let mut env: Vec<(String, String)> = ENV
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let Backend::Postgres(url) = &backend {
        env.push(("DESKBOT_TEST_DATABASE_URL".to_owned(), url.clone()));
    }
    Setup {
        _dir: dir,
        config: ConfigFile { path: config, env },
        zendesk,
        shop,
        _ups: ups,
        replicated: matches!(backend, Backend::Postgres(_)),
        replicas: Mutex::new(Vec::new()),
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Posts a Zendesk "comment added" webhook for `comment` on `ticket` to deskbot at `url`,
/// signed now with the test secret; returns the status code.
pub async fn post_comment(url: &str, ticket: u64, comment: u64) -> u16 {
    post_zendesk(
        client(),
        url.to_owned(),
        zendesk_event(ticket, comment),
        ZENDESK_SECRET,
        now_stamp(),
    )
    .await
}

pub fn job_states(config: &ConfigFile) -> Vec<String> {
    jobs(config)["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["state"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn a_signed_webhook_gets_exactly_one_reply_with_the_facts(backend: Backend) {
    let s = setup(backend, "").await;
    let comment = s
        .zendesk
        .open_ticket(1, "ivy@example.com", "Where is my order #1014?");
    let deskbot = s.start();
    let status = post_comment(&deskbot.url, 1, comment).await;
    assert_eq!(status, 202);
    let z = s.zendesk.clone();
    wait_for(
        "the reply",
        Duration::from_secs(30),
        || deskbot.log(),
        || !z.posted(1).is_empty(),
    )
    .await;
    let config = s.config.clone();
    wait_for(
        "the job to be done",
        Duration::from_secs(30),
        || deskbot.log(),
        || job_states(&config) == ["done"],
    )
    .await;
    let posted = s.zendesk.posted(1);
    assert_eq!(posted.len(), 1, "{posted:?}");
    let (public, body) = &posted[0];
    assert!(public, "a reply is public");
    // The facts come from the Shopify and UPS stand-ins.
    assert!(body.contains("1014"), "{body}");
    assert!(body.contains("1ZE7V2180388685590"), "{body}");
    let ticket = s.zendesk.ticket(1);
    assert!(
        ticket.tags.iter().any(|t| t.starts_with("deskbot-done-")),
        "the delivery mark is on the ticket: {:?}",
        ticket.tags
    );
    // deskbot does not answer its own comment when the help desk tells it about it.
    let own = s.zendesk.ticket(1).comments.last().unwrap().id;
    assert_eq!(post_comment(&deskbot.url, 1, own).await, 202);
    wait_for(
        "the second job",
        Duration::from_secs(30),
        || deskbot.log(),
        || job_states(&config) == ["done", "done"],
    )
    .await;
    assert_eq!(s.zendesk.posted(1).len(), 1);
    // The decision log has the message, the scores and the delivery.
    let metrics = client()
        .get(format!("{}/metrics", deskbot.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "deskbot_decisions_total{intent=\"tracking\",outcome=\"reply\",reason=\"\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("deskbot_vendor_calls_total{vendor=\"shopify\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("deskbot_queue_jobs{state=\"done\"} 2"),
        "{metrics}"
    );
    assert!(deskbot.terminate(), "a clean exit on SIGTERM");
}

pub async fn a_handoff_is_an_internal_note_with_tags_and_the_routed_group(backend: Backend) {
    let s = setup(backend, "").await;
    let first = s
        .zendesk
        .open_ticket(2, "chen@example.com", "the lamp shade wasn't in the box");
    let second = s.zendesk.open_ticket(
        3,
        "noah@example.com",
        "Can I get a discount code for my next purchase? And do you sell gift cards?",
    );
    let deskbot = s.start();
    for (ticket, comment) in [(2, first), (3, second)] {
        assert_eq!(post_comment(&deskbot.url, ticket, comment).await, 202);
    }
    let z = s.zendesk.clone();
    wait_for(
        "both outcomes",
        Duration::from_secs(30),
        || deskbot.log(),
        || !z.posted(2).is_empty() && !z.posted(3).is_empty(),
    )
    .await;
    let reason_tags = |ticket: u64| -> Vec<String> {
        s.zendesk
            .ticket(ticket)
            .tags
            .into_iter()
            .filter(|t| t.starts_with("deskbot-") && !t.starts_with("deskbot-done-"))
            .collect()
    };
    for ticket in [2, 3] {
        let posted = s.zendesk.posted(ticket);
        assert_eq!(posted.len(), 1, "{posted:?}");
        let (public, note) = &posted[0];
        assert!(!public, "a handoff is an internal note: {note}");
        assert!(note.contains("deskbot handed this over"), "{note}");
        assert!(s
            .zendesk
            .ticket(ticket)
            .tags
            .contains(&"deskbot".to_owned()));
        assert_eq!(
            reason_tags(ticket).len(),
            1,
            "{:?}",
            s.zendesk.ticket(ticket).tags
        );
    }
    // A claim goes to the claims group [routing.reasons.claim]; the rest to the default group.
    assert_eq!(reason_tags(2), ["deskbot-claim"]);
    assert_eq!(s.zendesk.ticket(2).group_id, Some(360099));
    assert!(
        [
            "deskbot-out-of-scope",
            "deskbot-low-confidence",
            "deskbot-ambiguous"
        ]
        .contains(&reason_tags(3)[0].as_str()),
        "{:?}",
        reason_tags(3)
    );
    assert_eq!(s.zendesk.ticket(3).group_id, Some(360001));
    // A person answering is not answered by deskbot.
    let agent = s.zendesk.comment(3, AGENT_USER, "We do sell gift cards!");
    assert_eq!(post_comment(&deskbot.url, 3, agent).await, 202);
    let config = s.config.clone();
    wait_for(
        "three jobs done",
        Duration::from_secs(30),
        || deskbot.log(),
        || job_states(&config) == ["done", "done", "done"],
    )
    .await;
    assert_eq!(s.zendesk.posted(3).len(), 1);
}

pub async fn the_same_webhook_five_times_gives_one_reply(backend: Backend) {
    let s = setup(backend, "").await;
    let comment = s.zendesk.open_ticket(
        4,
        "raj@example.com",
        "Where is my order #1004? It still hasn't come.",
    );
    let deskbot = s.start();
    let body = zendesk_event(4, comment);
    let stamp = now_stamp();
    let client = client();
    let sends = (0..5).map(|_| {
        post_zendesk(
            client.clone(),
            deskbot.url.clone(),
            body.clone(),
            ZENDESK_SECRET,
            stamp.clone(),
        )
    });
    let mut statuses = futures_statuses(sends).await;
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 202],
        "one new job, four duplicates"
    );
    let config = s.config.clone();
    wait_for(
        "the job",
        Duration::from_secs(30),
        || deskbot.log(),
        || job_states(&config) == ["done"],
    )
    .await;
    // And once more after it is done.
    assert_eq!(
        post_zendesk(
            client.clone(),
            deskbot.url.clone(),
            body,
            ZENDESK_SECRET,
            now_stamp()
        )
        .await,
        200
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(s.zendesk.posted(4).len(), 1);
}

/// A customer sends two messages in quick succession: two webhooks about two comments, two
/// jobs, and two workers free to take them (two replicas too, on PostgreSQL). Both jobs answer
/// the ticket's latest comment; side by side, with the help desk's read latency, both would see
/// it unanswered and post. One job runs per ticket at a time, so the customer gets one reply.
/// (Found by an audit: before, this posted two identical replies.)
pub async fn two_messages_at_once_on_one_ticket_get_one_reply(backend: Backend) {
    let s = setup(backend, "workers = 2").await;
    let first = s.zendesk.open_ticket(61, "raj@example.com", "Hi there");
    let requester = s.zendesk.ticket(61).requester_id;
    let second = s.zendesk.comment(
        61,
        requester,
        "Where is my order #1004? It still hasn't come.",
    );
    s.zendesk.set_read_delay(Duration::from_millis(300));
    let deskbot = s.start();
    let client = client();
    let urls = s.urls(&deskbot);
    let (a, b) = tokio::join!(
        post_zendesk(
            client.clone(),
            urls[0].clone(),
            zendesk_event(61, first),
            ZENDESK_SECRET,
            now_stamp()
        ),
        post_zendesk(
            client.clone(),
            urls[urls.len() - 1].clone(),
            zendesk_event(61, second),
            ZENDESK_SECRET,
            now_stamp()
        ),
    );
    assert_eq!((a, b), (202, 202), "two comments, two jobs");
    let config = s.config.clone();
    wait_for(
        "both jobs",
        Duration::from_secs(60),
        || deskbot.log(),
        || job_states(&config) == ["done", "done"],
    )
    .await;
    assert_eq!(s.zendesk.posted(61).len(), 1, "{:?}", s.zendesk.posted(61));
}

async fn futures_statuses(
    sends: impl Iterator<Item = impl std::future::Future<Output = u16> + Send + 'static>,
) -> Vec<u16> {
    let handles: Vec<_> = sends.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap());
    }
    statuses
}

pub async fn bad_signatures_stale_timestamps_and_oversize_bodies_are_refused_and_store_nothing(
    backend: Backend,
) {
    let s = setup(backend, "").await;
    let comment = s
        .zendesk
        .open_ticket(5, "ivy@example.com", "Where is my order #1014?");
    let deskbot = s.start();
    let client = client();
    let body = zendesk_event(5, comment);
    // Signed with another secret.
    assert_eq!(
        post_zendesk(
            client.clone(),
            deskbot.url.clone(),
            body.clone(),
            "not-the-secret",
            now_stamp()
        )
        .await,
        401
    );
    // Signed correctly, ten minutes ago (the window is five).
    let stale = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_secs(600))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert_eq!(
        post_zendesk(
            client.clone(),
            deskbot.url.clone(),
            body.clone(),
            ZENDESK_SECRET,
            stale.clone()
        )
        .await,
        401
    );
    // A signature for a different body.
    let signature = zendesk_signature(ZENDESK_SECRET, &now_stamp(), b"{}");
    let status = client
        .post(format!("{}/webhooks/zendesk", deskbot.url))
        .header("x-zendesk-webhook-signature", signature)
        .header("x-zendesk-webhook-signature-timestamp", now_stamp())
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    // No signature at all.
    let status = client
        .post(format!("{}/webhooks/zendesk", deskbot.url))
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    // Larger than max_body_bytes (64 KiB), however well signed.
    let mut big = serde_json::from_slice::<serde_json::Value>(&body).unwrap();
    big["padding"] = serde_json::json!("x".repeat(70_000));
    let big = serde_json::to_vec(&big).unwrap();
    assert_eq!(
        post_zendesk(
            client.clone(),
            deskbot.url.clone(),
            big,
            ZENDESK_SECRET,
            now_stamp()
        )
        .await,
        413
    );
    // Nothing was stored, nothing was answered.
    assert_eq!(jobs(&s.config)["jobs"].as_array().unwrap().len(), 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(s.zendesk.posted(5).is_empty());
}

pub async fn killed_after_posting_before_marking_done_it_does_not_post_again(backend: Backend) {
    let s = setup(backend, "").await;
    let comment = s
        .zendesk
        .open_ticket(6, "ivy@example.com", "Where is my order #1014?");
    // The reply is recorded at once, but its response takes 30 s: the kill lands in between.
    s.zendesk.set_update_delay(Duration::from_secs(30));
    let deskbot = s.start();
    assert_eq!(post_comment(&deskbot.url, 6, comment).await, 202);
    let z = s.zendesk.clone();
    wait_for(
        "the reply to be posted",
        Duration::from_secs(30),
        || deskbot.log(),
        || z.posted(6).len() == 1,
    )
    .await;
    assert_eq!(job_states(&s.config), ["running"]);
    deskbot.kill();
    s.zendesk.set_update_delay(Duration::ZERO);
    let deskbot = s.start();
    let config = s.config.clone();
    // The lease (2 s) runs out, the job is claimed again, the mark is found.
    wait_for(
        "the job to be done",
        Duration::from_secs(30),
        || deskbot.log(),
        || job_states(&config) == ["done"],
    )
    .await;
    assert_eq!(s.zendesk.posted(6).len(), 1, "no second reply");
}

pub async fn killed_while_a_job_is_queued_the_job_is_processed_after_restart(backend: Backend) {
    // The first ticket read fails; the retry is scheduled 5 s later, and deskbot is killed
    // while the job waits in the queue.
    let s = setup(backend, "retry_initial_secs = 5\nretry_max_secs = 5").await;
    let comment = s
        .zendesk
        .open_ticket(7, "ivy@example.com", "Where is my order #1014?");
    s.zendesk
        .fail_reads
        .store(2, std::sync::atomic::Ordering::SeqCst);
    let deskbot = s.start();
    assert_eq!(post_comment(&deskbot.url, 7, comment).await, 202);
    let config = s.config.clone();
    wait_for(
        "the failed attempt",
        Duration::from_secs(30),
        || deskbot.log(),
        || {
            let jobs = jobs(&config);
            let job = &jobs["jobs"][0];
            job["state"] == "queued" && job["attempt"] == 1
        },
    )
    .await;
    deskbot.kill();
    assert!(s.zendesk.posted(7).is_empty());
    let deskbot = s.start();
    let z = s.zendesk.clone();
    wait_for(
        "the reply after restart",
        Duration::from_secs(30),
        || deskbot.log(),
        || job_states(&config) == ["done"],
    )
    .await;
    assert_eq!(z.posted(7).len(), 1);
    assert!(z.posted(7)[0].0, "public reply");
}

pub async fn a_long_platform_outage_dead_letters_with_a_note_and_jobs_retry_recovers(
    backend: Backend,
) {
    let s = setup(backend, "").await;
    let comment = s
        .zendesk
        .open_ticket(8, "ivy@example.com", "Where is my order #1014?");
    // Shopify answers 503 to everything until it is mounted again.
    let shop = &s.shop;
    shop.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream down"))
        .mount(shop)
        .await;
    let service = s.start();
    assert_eq!(post_comment(&service.url, 8, comment).await, 202);
    let config = s.config.clone();
    wait_for(
        "the dead letter",
        Duration::from_secs(60),
        || service.log(),
        || job_states(&config) == ["dead"],
    )
    .await;
    let z = s.zendesk.clone();
    wait_for(
        "the dead-letter note",
        Duration::from_secs(10),
        || service.log(),
        || z.posted(8).len() == 1,
    )
    .await;
    let (public, note) = &s.zendesk.posted(8)[0];
    assert!(!public);
    assert!(note.contains("could not answer"), "{note}");
    assert!(s
        .zendesk
        .ticket(8)
        .tags
        .contains(&"deskbot-dead-letter".to_owned()));
    // Shopify recovers; a person retries the job.
    shop.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(shopify::Shop::new(&demo_orders()))
        .mount(shop)
        .await;
    let id = jobs(&s.config)["jobs"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let (ok, out, err) = deskbot(&s.config, &["jobs", "retry", &id]);
    assert!(ok, "{out}{err}");
    wait_for(
        "the reply after the retry",
        Duration::from_secs(30),
        || service.log(),
        || z.posted(8).iter().filter(|(public, _)| *public).count() == 1,
    )
    .await;
    wait_for(
        "done",
        Duration::from_secs(30),
        || service.log(),
        || job_states(&config) == ["done"],
    )
    .await;
    assert_eq!(s.zendesk.posted(8).len(), 2, "the note, then the reply");
}

pub async fn two_thousand_concurrent_webhooks_are_all_stored_and_answered_once(backend: Backend) {
    let s = setup(backend, "workers = 8").await;
    let mut comments = Vec::new();
    for ticket in 1..=2000u64 {
        let comment = s.zendesk.open_ticket(
            1000 + ticket,
            "noah@example.com",
            "Can I get a discount code for my next purchase?",
        );
        comments.push((1000 + ticket, comment));
    }
    let deskbot = s.start();
    let client = client();
    let stamp = now_stamp();
    let urls = s.urls(&deskbot);
    let sends = comments.iter().enumerate().map(|(i, (ticket, comment))| {
        post_zendesk(
            client.clone(),
            urls[i % urls.len()].clone(),
            zendesk_event(*ticket, *comment),
            ZENDESK_SECRET,
            stamp.clone(),
        )
    });
    let handles: Vec<_> = sends.map(tokio::spawn).collect();
    for handle in handles {
        assert_eq!(handle.await.unwrap(), 202);
    }
    let config = s.config.clone();
    wait_for(
        "all 2000 jobs done",
        Duration::from_secs(300),
        || deskbot.log(),
        || {
            let jobs = jobs(&config);
            jobs["counts"]["done"] == 2000
        },
    )
    .await;
    for (ticket, _) in &comments {
        assert_eq!(s.zendesk.posted(*ticket).len(), 1, "ticket {ticket}");
    }
    // With replicas, every process took a share of the jobs (their decisions add up to 2000).
    let mut decided = Vec::new();
    for url in &urls {
        let metrics = client
            .get(format!("{url}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let total: f64 = metrics
            .lines()
            .filter(|line| line.starts_with("deskbot_decisions_total{"))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        decided.push(total);
    }
    assert_eq!(decided.iter().sum::<f64>(), 2000.0, "{decided:?}");
    assert!(decided.iter().all(|&n| n > 0.0), "{decided:?}");
}
