//! Vendor calls are logged with the vendor, endpoint template, status, latency and attempt, and
//! never with a secret or a customer's data. Its own test binary: `tracing` caches which call
//! sites are interesting per process, so a subscriber set by one test among many can miss
//! events.

#![cfg(feature = "http")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::http::{Auth, Call, HttpClient, HttpConfig, RecordingClock, RetryConfig};
use deskbot::adapters::Secret;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn config() -> HttpConfig {
    HttpConfig {
        retry: RetryConfig {
            initial_backoff: Duration::from_millis(100),
            ..RetryConfig::default()
        },
        ..HttpConfig::default()
    }
}

/// Answers from a script, one per request, repeating the last.
struct Script(Vec<ResponseTemplate>, AtomicUsize);

impl Respond for Script {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.1.fetch_add(1, Ordering::SeqCst);
        self.0[n.min(self.0.len() - 1)].clone()
    }
}

/// Collects log output.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn every_call_is_logged_without_secrets_or_customer_data() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .finish();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(method("GET"))
                .respond_with(Script(
                    vec![
                        ResponseTemplate::new(500),
                        ResponseTemplate::new(200).set_body_string("{}"),
                    ],
                    AtomicUsize::new(0),
                ))
                .mount(&server)
                .await;
            let clock = Arc::new(RecordingClock::default());
            let base = url::Url::parse(&format!("{}/", server.uri())).unwrap();
            let http = HttpClient::new(
                "standin",
                base,
                Auth::Header {
                    name: "x-auth-token".parse().unwrap(),
                    value: Secret::new("sekret-token-123"),
                },
                &config(),
            )
            .unwrap()
            .with_clock(clock);
            http.send(
                &Call::get("orders?email={email}", "orders").query("email", "jane@example.com"),
            )
            .await
            .unwrap();
        })
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains("vendor call")).collect();
    assert_eq!(lines.len(), 2, "{logs}");
    for (line, (status, attempt)) in lines.iter().zip([("unavailable", 1), ("200", 2)]) {
        for expected in [
            "vendor=\"standin\"".to_owned(),
            "endpoint=\"orders?email={email}\"".to_owned(),
            format!("status={status}"),
            format!("attempt={attempt}"),
            "latency_ms=".to_owned(),
        ] {
            assert!(line.contains(&expected), "{expected} missing in {line}");
        }
    }
    for secret in ["sekret-token-123", "jane@example.com", "jane%40example.com"] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}
