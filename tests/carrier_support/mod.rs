//! What the UPS and USPS stand-in tests share: fixture bodies, scripted answers, quick retries on
//! a recording clock, and the demo shop answered through `deskbot.toml` and `connect()`.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::connect::connect;
use deskbot::adapters::http::{HttpConfig, RecordingClock, RetryConfig};
use deskbot::config::Config;
use deskbot::respond::demo::outcome_label;
use deskbot::{Customer, Intent, Outcome, Prediction, Responder};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use super::common::{model, root, templates};

/// The client id every stand-in expects.
pub const CLIENT_ID: &str = "deskbot-test-client";
/// The client secret every stand-in expects.
pub const CLIENT_SECRET: &str = "s3cret-value";

/// A fixture body from `tests/fixtures/{carrier}/{name}`.
pub fn fixture(carrier: &str, name: &str) -> serde_json::Value {
    let path = root().join("tests/fixtures").join(carrier).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A 200 answer with a fixture body.
pub fn ok(carrier: &str, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture(carrier, name))
}

/// Answers from a script, one per request, repeating the last.
pub struct Script(Vec<ResponseTemplate>, AtomicUsize);

impl Respond for Script {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.1.fetch_add(1, Ordering::SeqCst);
        self.0[n.min(self.0.len() - 1)].clone()
    }
}

/// A scripted responder.
pub fn script(answers: Vec<ResponseTemplate>) -> Script {
    Script(answers, AtomicUsize::new(0))
}

/// Retries quick enough for tests; the waits are recorded, not slept.
pub fn quick() -> (HttpConfig, Arc<RecordingClock>) {
    let config = HttpConfig {
        retry: RetryConfig {
            max_retries: 2,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
            request_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
        },
        ..HttpConfig::default()
    };
    (config, Arc::new(RecordingClock::default()))
}

/// Requests the stand-in received on `path`.
pub async fn requests_to(server: &MockServer, path: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == path)
        .collect()
}

/// The demo shop's `deskbot.toml` with `[carriers.{slug}]` at the stand-in, secrets from a
/// fake environment, connected, and a responder over it.
pub fn demo_responder(server: &MockServer, slug: &str, prefix: &str) -> (Responder, Config) {
    let path = root().join("examples/demo-shop/deskbot.toml");
    let policy = std::fs::read_to_string(&path).unwrap();
    let text = format!(
        "{policy}\n[carriers.{slug}]\nbase_url = \"{}\"\n",
        server.uri()
    );
    let id_var = format!("{prefix}_CLIENT_ID");
    let secret_var = format!("{prefix}_CLIENT_SECRET");
    let env = move |name: &str| {
        if name == id_var {
            Some(CLIENT_ID.to_owned())
        } else if name == secret_var {
            Some(CLIENT_SECRET.to_owned())
        } else {
            None
        }
    };
    let config = Config::from_toml(&path, &text, &env).unwrap();
    assert_eq!(config.carriers.configured(), [slug]);
    let connections = connect(&config).unwrap();
    assert_eq!(
        connections
            .carriers
            .live()
            .iter()
            .map(|t| t.name().to_owned())
            .collect::<Vec<_>>(),
        [slug]
    );
    let responder = Responder::new(
        model(),
        connections.platform,
        connections.carriers,
        config.policy.clone(),
        templates(),
    );
    (responder, config)
}

/// What `responder` does with a tracking question from `email`, as a label
/// (`tracking/in_transit`, `handoff/policy_requires_human/carrier_exception`).
pub async fn tracking_answer(
    responder: &Responder,
    config: &Config,
    message: &str,
    email: &str,
) -> (String, Outcome) {
    let customer = Customer {
        email: Some(email.to_owned()),
    };
    let outcome = responder
        .respond_to(
            Prediction::certain(Intent::Tracking),
            message,
            &customer,
            config.policy.now(),
        )
        .await;
    (outcome_label(&outcome), outcome)
}
