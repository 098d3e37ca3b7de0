//! Help-desk calls are logged (vendor, endpoint template, status, attempt) without the API
//! token, the agent's e-mail, a customer's e-mail or a message body. Its own test binary:
//! `tracing` caches which call sites are interesting per process, so a subscriber set by one
//! test among many can miss events.

// tracing-subscriber comes with `serve` (which builds both help desks).
#![cfg(all(feature = "zendesk", feature = "gorgias", feature = "serve"))]

#[path = "helpdesk_gorgias/stand_in.rs"]
mod gorgias_stand_in;
#[path = "helpdesk_zendesk/stand_in.rs"]
mod zendesk_stand_in;

use std::sync::Arc;

use deskbot::adapters::helpdesk::gorgias::Gorgias;
use deskbot::adapters::helpdesk::zendesk::Zendesk;
use deskbot::adapters::helpdesk::{DeliveryMark, HandoffNote, HelpDesk};
use deskbot::adapters::http::HttpConfig;
use deskbot::adapters::Secret;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

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

async fn exercise(desk: &dyn HelpDesk, ticket: &str) {
    desk.check_connection().await.unwrap();
    desk.ticket(ticket).await.unwrap();
    desk.post_public_reply(ticket, "SECRET-REPLY-TEXT", &DeliveryMark::new("job-1"))
        .await
        .unwrap();
    let mut note = HandoffNote::new("SECRET-NOTE-TEXT", vec!["deskbot".into()]);
    note.group = Some("42".into());
    desk.hand_off(ticket, &note, &DeliveryMark::new("job-2"))
        .await
        .unwrap();
}

#[test]
fn help_desk_calls_are_logged_without_secrets_or_customer_data() {
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
            let config = HttpConfig::default();

            let zendesk_fake = zendesk_stand_in::FakeZendesk::new();
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(zendesk_fake.clone())
                .mount(&server)
                .await;
            let base = url::Url::parse(&server.uri()).unwrap();
            let zendesk = Zendesk::new(
                base.clone(),
                zendesk_stand_in::EMAIL,
                Secret::new(zendesk_stand_in::TOKEN),
                &config,
            )
            .unwrap();
            exercise(&zendesk, zendesk_stand_in::TICKET).await;
            // A refused token is logged too, and must not be.
            let refused = Zendesk::new(
                base,
                zendesk_stand_in::EMAIL,
                Secret::new("zd-WRONG"),
                &config,
            )
            .unwrap();
            assert!(refused.check_connection().await.is_err());

            let gorgias_fake = gorgias_stand_in::FakeGorgias::new();
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(gorgias_fake.clone())
                .mount(&server)
                .await;
            let gorgias = Gorgias::new(
                url::Url::parse(&format!("{}/api", server.uri())).unwrap(),
                gorgias_stand_in::EMAIL,
                Secret::new(gorgias_stand_in::KEY),
                &config,
            )
            .unwrap();
            exercise(&gorgias, gorgias_stand_in::TICKET).await;
        });
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // Something was logged for both vendors, with endpoint templates and statuses.
    for wanted in [
        "vendor=\"zendesk\"",
        "vendor=\"gorgias\"",
        "endpoint=\"tickets/{id}\"",
        "endpoint=\"tickets/{id} update\"",
        "endpoint=\"tickets/{id}/messages\"",
        "status=unauthenticated",
        "status=200",
    ] {
        assert!(logs.contains(wanted), "{wanted} missing from:\n{logs}");
    }
    for secret in [
        zendesk_stand_in::TOKEN,
        "zd-WRONG",
        gorgias_stand_in::KEY,
        zendesk_stand_in::AUTHORIZATION,
        gorgias_stand_in::AUTHORIZATION,
        "bot@acme.example",
        "johnny@example.com",
        "john@example.com",
        "support@acme.example",
        "SECRET-REPLY-TEXT",
        "SECRET-NOTE-TEXT",
        "35436",
    ] {
        assert!(!logs.contains(secret), "{secret} leaked into:\n{logs}");
    }
}
