//! The shared HTTP stack against loopback stand-ins: which failures are retried, how long it
//! waits (a recording clock: no real sleeps), what it gives up with, and OAuth token handling.

#![cfg(feature = "http")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::http::{
    Auth, Call, HttpClient, HttpConfig, OAuthClient, RecordingClock, RetryConfig, TokenRequest,
};
use deskbot::adapters::{AdapterError, Secret};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn config(retry: RetryConfig) -> HttpConfig {
    HttpConfig {
        retry,
        ..HttpConfig::default()
    }
}

fn quick() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(1),
        request_timeout: Duration::from_millis(500),
        deadline: Duration::from_secs(30),
    }
}

fn client(server: &MockServer, retry: RetryConfig, clock: &Arc<RecordingClock>) -> HttpClient {
    let base = url::Url::parse(&format!("{}/", server.uri())).unwrap();
    HttpClient::new("standin", base, Auth::None, &config(retry))
        .unwrap()
        .with_clock(clock.clone())
}

/// Answers from a script, one per request, repeating the last.
struct Script(Vec<ResponseTemplate>, AtomicUsize);

impl Respond for Script {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.1.fetch_add(1, Ordering::SeqCst);
        self.0[n.min(self.0.len() - 1)].clone()
    }
}

fn script(answers: Vec<ResponseTemplate>) -> Script {
    Script(answers, AtomicUsize::new(0))
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true}))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(script(vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "2"),
            ok(),
        ]))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let answer: serde_json::Value = client(&server, quick(), &clock)
        .json(&Call::get("things", "things"))
        .await
        .unwrap();
    assert_eq!(answer["ok"], true);
    assert_eq!(clock.waits(), [Duration::from_secs(2)]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_past_the_deadline_gives_up_at_once_with_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let error = client(&server, quick(), &clock)
        .send(&Call::get("things", "things"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        AdapterError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert!(clock.waits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_is_retried_with_backoff_but_a_write_that_reached_the_vendor_is_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(script(vec![ResponseTemplate::new(503), ok()]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let http = client(&server, quick(), &clock);
    http.send(&Call::get("things", "things")).await.unwrap();
    let waits = clock.waits();
    assert_eq!(waits.len(), 1);
    assert!(waits[0] >= Duration::from_millis(100) && waits[0] <= Duration::from_millis(200));
    let error = http
        .send(&Call::post("cancel", "cancel", serde_json::json!({})))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "unavailable");
    let posts = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(
        posts, 1,
        "a write the vendor may have acted on is not repeated"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_503_with_retry_after_waits_that_long_and_one_past_the_deadline_gives_up_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/soon"))
        .respond_with(script(vec![
            ResponseTemplate::new(503).insert_header("Retry-After", "4"),
            ok(),
        ]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/later"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let http = client(&server, quick(), &clock);
    http.send(&Call::get("soon", "soon")).await.unwrap();
    assert_eq!(clock.waits(), [Duration::from_secs(4)]);
    let error = http.send(&Call::get("later", "later")).await.unwrap_err();
    assert_eq!(error.kind(), "unavailable");
    assert_eq!(clock.waits().len(), 1, "no wait for an hour's maintenance");
    let later = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/later")
        .count();
    assert_eq!(later, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_are_bounded_and_timeouts_count_as_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let retry = RetryConfig {
        max_retries: 2,
        request_timeout: Duration::from_millis(150),
        ..quick()
    };
    let error = client(&server, retry, &clock)
        .send(&Call::get("slow", "slow"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "unavailable", "{error}");
    assert!(error.to_string().contains("timed out"), "{error}");
    assert_eq!(clock.waits().len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_errors_are_final_and_mapped() {
    let server = MockServer::start().await;
    for (status, kind) in [
        (401, "unauthenticated"),
        (403, "permission_denied"),
        (404, "not_found"),
        (422, "invalid"),
        (400, "invalid"),
    ] {
        server.reset().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let clock = Arc::new(RecordingClock::default());
        let error = client(&server, quick(), &clock)
            .send(&Call::get("things/{id}", "things/7"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "HTTP {status}: {error}");
        assert!(clock.waits().is_empty(), "HTTP {status} is not retried");
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_unreachable_and_even_a_write_is_retried() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let clock = Arc::new(RecordingClock::default());
    let http = HttpClient::new("standin", base, Auth::None, &config(quick()))
        .unwrap()
        .with_clock(clock.clone());
    let error = http
        .send(&Call::post("cancel", "cancel", serde_json::json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AdapterError::Unreachable { tls: false, .. }),
        "{error:?}"
    );
    assert_eq!(
        clock.waits().len(),
        3,
        "nothing was sent, so the write was retried"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_body_names_the_vendor_and_the_field() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Order {
        id: u64,
        total: String,
    }
    let server = MockServer::start().await;
    Mock::given(path("/orders/1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 1, "total": 12})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/orders/2"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let http = client(&server, quick(), &clock);
    match http
        .json::<Order>(&Call::get("orders/{id}", "orders/1"))
        .await
    {
        Err(AdapterError::BadResponse { vendor, field, .. }) => {
            assert_eq!((vendor.as_str(), field.as_str()), ("standin", "total"))
        }
        other => panic!("{other:?}"),
    }
    let error = http
        .json::<Order>(&Call::get("orders/{id}", "orders/2"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "bad_response");
}

/// A token endpoint handing out numbered tokens that last `lifetime` seconds.
struct Tokens {
    issued: AtomicUsize,
    lifetime: u64,
}

impl Respond for Tokens {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": format!("token-{n}"),
            "token_type": "Bearer",
            // UPS writes it as a string.
            "expires_in": self.lifetime.to_string(),
        }))
    }
}

async fn oauth_client(
    server: &MockServer,
    lifetime: u64,
    clock: &Arc<RecordingClock>,
) -> (HttpClient, Arc<OAuthClient>) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(Tokens {
            issued: AtomicUsize::new(0),
            lifetime,
        })
        .mount(server)
        .await;
    let base = url::Url::parse(&format!("{}/", server.uri())).unwrap();
    let endpoint = HttpClient::new("standin", base.clone(), Auth::None, &config(quick()))
        .unwrap()
        .with_clock(clock.clone());
    let oauth = Arc::new(OAuthClient::new(
        endpoint,
        "oauth/token",
        TokenRequest::FormWithBasicAuth,
        "client-id",
        Secret::new("client-secret"),
    ));
    let api = HttpClient::new(
        "standin",
        base,
        Auth::OAuth(oauth.clone()),
        &config(quick()),
    )
    .unwrap()
    .with_clock(clock.clone());
    (api, oauth)
}

#[tokio::test(flavor = "multi_thread")]
async fn oauth_tokens_are_cached_shared_and_refreshed_before_expiry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(ok())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer token-2"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let (api, oauth) = oauth_client(&server, 3600, &clock).await;
    // Ten calls at once: one token request, not ten.
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.send(&Call::get("things", "things")).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(oauth.fetches(), 1);
    let token_requests: Vec<Request> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .collect();
    let body = String::from_utf8(token_requests[0].body.clone()).unwrap();
    assert_eq!(body, "grant_type=client_credentials");
    assert!(token_requests[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("Basic "));
    // An hour later (minus the margin) the next call fetches a new token.
    use deskbot::adapters::http::Clock;
    clock.sleep(Duration::from_secs(3600 - 30)).await;
    api.send(&Call::get("things", "things")).await.unwrap();
    assert_eq!(oauth.fetches(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_fetches_a_new_token_once_then_succeeds() {
    let server = MockServer::start().await;
    // The first token is revoked; the second works.
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer token-2"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let (api, oauth) = oauth_client(&server, 3600, &clock).await;
    api.send(&Call::get("things", "things")).await.unwrap();
    assert_eq!(oauth.fetches(), 2);
    assert!(clock.waits().is_empty(), "a refresh needs no backoff");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_keeps_failing_is_unauthenticated_after_one_refresh() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let (api, oauth) = oauth_client(&server, 3600, &clock).await;
    let error = api.send(&Call::get("things", "things")).await.unwrap_err();
    assert_eq!(error.kind(), "unauthenticated");
    assert_eq!(oauth.fetches(), 2, "one refresh, no loop");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_request_is_bad_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"error": "invalid_client"})),
        )
        .mount(&server)
        .await;
    let clock = Arc::new(RecordingClock::default());
    let base = url::Url::parse(&format!("{}/", server.uri())).unwrap();
    let endpoint = HttpClient::new("standin", base.clone(), Auth::None, &config(quick()))
        .unwrap()
        .with_clock(clock.clone());
    let oauth = Arc::new(OAuthClient::new(
        endpoint,
        "oauth/token",
        TokenRequest::JsonWithCredentials,
        "id",
        Secret::new("wrong"),
    ));
    let api = HttpClient::new("standin", base, Auth::OAuth(oauth), &config(quick())).unwrap();
    let error = api.send(&Call::get("things", "things")).await.unwrap_err();
    assert_eq!(error.kind(), "unauthenticated", "{error}");
}
