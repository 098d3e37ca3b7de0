//! Helpers for the carrier tracker tests: fixture bodies, scripted answers, quick retries, and
//! the demo shop connected through `deskbot.toml` with live carriers on loopback stand-ins.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::connect::connect;
use deskbot::adapters::http::{HttpConfig, RetryConfig};
use deskbot::config::Config;
use deskbot::{Customer, Intent, Outcome, Prediction, Responder};
use wiremock::{Request, Respond, ResponseTemplate};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/{carrier}/{name}.json`.
pub fn fixture(carrier: &str, name: &str) -> serde_json::Value {
    let path = root()
        .join("tests/fixtures")
        .join(carrier)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
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

/// Retries that keep tests quick (waits are recorded, not slept, with a recording clock).
pub fn quick() -> HttpConfig {
    HttpConfig {
        retry: RetryConfig {
            max_retries: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            request_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
        },
        ..HttpConfig::default()
    }
}

/// The stand-in's origin as a base URL.
pub fn base(uri: &str) -> url::Url {
    url::Url::parse(uri).unwrap()
}

/// The demo shop's `deskbot.toml` plus `extra` (a `[carriers.*]` table), read with `env` as
/// the environment, and connected.
pub fn demo_config(extra: &str, env: &[(&str, &str)]) -> Config {
    let path = root().join("examples/demo-shop/deskbot.toml");
    let text = std::fs::read_to_string(&path).unwrap() + "\n" + extra;
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let lookup = move |name: &str| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    Config::from_toml(Path::new(&path), &text, &lookup).unwrap()
}

/// A responder on the demo orders with the carriers `config` names.
pub fn demo_responder(config: &Config) -> Responder {
    let connections = connect(config).unwrap();
    Responder::new(
        Arc::new(deskbot::IntentModel::load(root().join("models/intent-model.json")).unwrap()),
        connections.platform,
        connections.carriers,
        config.policy.clone(),
        deskbot::respond::Templates::load(&root().join("templates")).unwrap(),
    )
}

/// What `responder` says to `email` asking where order `number` is, at the demo's clock.
pub async fn where_is(responder: &Responder, email: &str, number: &str) -> Outcome {
    let customer = Customer {
        email: Some(email.to_owned()),
    };
    responder
        .respond_to(
            Prediction::certain(Intent::Tracking),
            &format!("Hi, where is my order #{number}?"),
            &customer,
            responder.policy().now(),
        )
        .await
}

/// The `carrier_exception` rule of a policy handoff, or a panic naming what came instead.
pub fn assert_carrier_exception(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Handoff {
            reason:
                deskbot::respond::scripts::HandoffReason::PolicyRequiresHuman {
                    rule: "carrier_exception",
                    detail,
                },
            ..
        } => detail.clone(),
        other => panic!("expected a carrier_exception handoff, got {other:?}"),
    }
}
