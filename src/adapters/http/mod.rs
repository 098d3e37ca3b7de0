//! The one HTTP stack every vendor adapter shares: reqwest over rustls, a per-request timeout
//! and a deadline per operation, retries with backoff ([`RetryConfig`]), per-vendor limits
//! ([`LimitConfig`]), a read-through cache ([`cache`]), and a log line per call.
//!
//! A vendor module builds [`Call`]s and maps bodies; everything about moving bytes and deciding
//! whether to try again lives here, so every vendor fails the same way.
//!
//! Logs (`tracing`, target `deskbot::http`) carry the vendor, the endpoint *template*
//! (`orders/{id}`), the status, the latency and the attempt, never the URL with its values, a
//! header, or a body: those hold e-mails, addresses and tokens.

pub mod cache;
mod clock;
mod limit;
mod oauth;
mod retry;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

pub use cache::{CacheConfig, CachedPlatform};
pub use clock::{Clock, RecordingClock, TokioClock};
pub use limit::LimitConfig;
pub use oauth::{OAuthApi, OAuthClient, TokenRequest};
pub use retry::RetryConfig;

use super::{AdapterError, Secret};
use limit::Limiter;
use retry::parse_retry_after;

/// How a vendor authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Nothing (a local stand-in).
    None,
    /// A header carrying the token (`X-Shopify-Access-Token`, `X-Auth-Token`).
    Header {
        /// The header name.
        name: HeaderName,
        /// The token.
        value: Secret,
    },
    /// `Authorization: Bearer …`.
    Bearer(Secret),
    /// HTTP Basic.
    Basic {
        /// User (consumer key, e-mail…).
        user: String,
        /// Password (consumer secret, API token…).
        password: Secret,
    },
    /// OAuth 2 client credentials: a bearer token fetched, cached until shortly before it
    /// expires, shared by concurrent calls, and refreshed once on a 401.
    OAuth(Arc<OAuthClient>),
}

/// Everything one vendor client needs.
#[derive(Debug, Clone, Default)]
pub struct HttpConfig {
    /// Retries, timeouts, deadline.
    pub retry: RetryConfig,
    /// Concurrency and rate.
    pub limits: LimitConfig,
}

impl From<&crate::config::HttpSettings> for HttpConfig {
    fn from(settings: &crate::config::HttpSettings) -> Self {
        HttpConfig {
            retry: RetryConfig {
                max_retries: settings.max_retries,
                initial_backoff: settings.initial_backoff,
                max_backoff: settings.max_backoff,
                request_timeout: settings.request_timeout,
                deadline: settings.deadline,
            },
            limits: LimitConfig {
                max_concurrency: settings.max_concurrency,
                requests_per_second: settings
                    .requests_per_second
                    .and_then(std::num::NonZeroU32::new),
            },
        }
    }
}

/// A vendor's answer to a 2xx response that still says "slow down" (Shopify's `THROTTLED`):
/// how long to wait, if the body says so.
pub type ThrottleCheck = fn(&[u8]) -> Option<Duration>;

/// Whether a 404's body is the vendor's own "no such item" answer. A 404 without it came from
/// something else at that address (a proxy, a wrong `base_url`), not from the vendor.
pub type NotFoundCheck = fn(&[u8]) -> bool;

/// One operation against a vendor.
#[derive(Debug, Clone)]
pub struct Call {
    method: Method,
    /// The path template for logs: `orders/{id}`.
    endpoint: &'static str,
    /// The path with values filled in, relative to the client's base URL.
    path: String,
    query: Vec<(String, String)>,
    /// Extra request headers the vendor asks for (UPS's `transId`); never credentials, which
    /// belong in [`Auth`].
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Body>,
    idempotent: bool,
    throttled: Option<ThrottleCheck>,
    not_found: Option<NotFoundCheck>,
}

impl Call {
    /// A GET (idempotent).
    pub fn get(endpoint: &'static str, path: impl Into<String>) -> Self {
        Call::new(Method::GET, endpoint, path, true)
    }

    /// A POST. Not retried once sent unless marked [`Call::idempotent`].
    pub fn post(endpoint: &'static str, path: impl Into<String>, body: serde_json::Value) -> Self {
        Call::new(Method::POST, endpoint, path, false).body(body)
    }

    /// A PUT. Not retried once sent unless marked [`Call::idempotent`].
    pub fn put(endpoint: &'static str, path: impl Into<String>, body: serde_json::Value) -> Self {
        Call::new(Method::PUT, endpoint, path, false).body(body)
    }

    fn new(
        method: Method,
        endpoint: &'static str,
        path: impl Into<String>,
        idempotent: bool,
    ) -> Self {
        Call {
            method,
            endpoint,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idempotent,
            throttled: None,
            not_found: None,
        }
    }

    /// A POST of an HTML form (`application/x-www-form-urlencoded`), as OAuth token endpoints
    /// take. Not retried once sent.
    pub fn post_form(
        endpoint: &'static str,
        path: impl Into<String>,
        fields: Vec<(String, String)>,
    ) -> Self {
        let mut call = Call::new(Method::POST, endpoint, path, false);
        call.body = Some(Body::Form(fields));
        call
    }

    fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    /// Adds a query parameter (values are encoded).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a request header the vendor requires besides its credentials (a transaction id, a
    /// source name). Sent on every attempt of this call; never logged.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Marks a write as safe to repeat (setting a status to what it already is, say).
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Retries a 2xx answer that `check` reads as throttled, after the wait it gives.
    pub fn throttled_when(mut self, check: ThrottleCheck) -> Self {
        self.throttled = Some(check);
        self
    }

    /// Takes a 404 as "not found" only when `check` recognises its body as the vendor's; any
    /// other 404 is a configuration error (`Invalid`, "check base_url"), so that a wrong
    /// address is not read as every order or parcel unknown, and `deskbot doctor` says so.
    pub fn not_found_when(mut self, check: NotFoundCheck) -> Self {
        self.not_found = Some(check);
        self
    }

    /// For a call that answers "nothing" with an empty list (a search, a listing): no 404 is
    /// the vendor's answer, so every 404 is a configuration error (see
    /// [`Call::not_found_when`]).
    pub fn expects_no_404(self) -> Self {
        self.not_found_when(|_| false)
    }

    /// The endpoint template, for messages.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }
}

/// What a call sends.
#[derive(Debug, Clone)]
enum Body {
    Json(serde_json::Value),
    /// Form fields; they may hold secrets, so they are never logged.
    Form(Vec<(String, String)>),
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status (2xx).
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// Parses the body as `T`, naming the failing field (`orders[0].total`) in the error.
    pub fn json<T: DeserializeOwned>(&self, vendor: &str) -> Result<T, AdapterError> {
        parse_json(vendor, &self.body)
    }
}

/// Parses `body` as `T`; an error names the vendor and the JSON path of the field at fault.
pub fn parse_json<T: DeserializeOwned>(vendor: &str, body: &[u8]) -> Result<T, AdapterError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let field = error.path().to_string();
        AdapterError::bad_response(vendor, field, error.into_inner().to_string())
    })
}

/// One vendor's client: base URL, auth, retries, limits.
#[derive(Debug, Clone)]
pub struct HttpClient {
    vendor: &'static str,
    base: url::Url,
    http: reqwest::Client,
    auth: Auth,
    retry: RetryConfig,
    limiter: Limiter,
    clock: Arc<dyn Clock>,
}

/// A base URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("base_url {url:?}: {problem}")]
pub struct BaseUrlError {
    /// As given.
    pub url: String,
    /// What is wrong.
    pub problem: String,
}

/// Parses a vendor origin: `https://…`, or `http://` for loopback stand-ins only, since a
/// token sent in clear text over a network is a token given away.
pub fn parse_base_url(text: &str) -> Result<url::Url, BaseUrlError> {
    let problem = |problem: &str| BaseUrlError {
        url: text.to_owned(),
        problem: problem.to_owned(),
    };
    let url = url::Url::parse(text).map_err(|e| problem(&e.to_string()))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(problem("has no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(problem(
                "use https:// (http:// is only allowed for loopback addresses)",
            ))
        }
        other => return Err(problem(&format!("scheme {other:?} is not http(s)"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(problem(
            "credentials belong in environment variables, not the URL",
        ));
    }
    Ok(url)
}

/// `url` as a folder: with a trailing `/`, so that joining an endpoint to a path prefix
/// (`https://proxy.example/ups`) keeps the prefix's last segment instead of replacing it.
pub fn as_folder(mut url: url::Url) -> url::Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

/// What one attempt came to.
enum Attempt {
    Done(Response),
    /// Final: no retry.
    Fail(AdapterError),
    /// Worth another try: the error if we give up, a wait the vendor asked for, and whether
    /// the request may have reached the vendor.
    Retry {
        error: AdapterError,
        wait: Option<Duration>,
        sent: bool,
    },
}

impl HttpClient {
    /// A client for `vendor` at `base` (an origin or a path prefix ending in `/`).
    pub fn new(
        vendor: &'static str,
        base: url::Url,
        auth: Auth,
        config: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        let http = reqwest::Client::builder()
            .timeout(config.retry.request_timeout)
            .connect_timeout(config.retry.request_timeout)
            .user_agent(concat!("deskbot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AdapterError::Unreachable {
                message: format!("cannot build the HTTP client: {e}"),
                tls: true,
            })?;
        Ok(HttpClient {
            vendor,
            base,
            http,
            auth,
            retry: config.retry,
            limiter: Limiter::new(config.limits),
            clock: Arc::new(TokioClock::default()),
        })
    }

    /// Replaces the clock (tests use a [`RecordingClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same client with other credentials (a token endpoint beside the API, say).
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// The vendor's short name.
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// Sends `call`, retrying as [`RetryConfig`] says, and returns the 2xx answer.
    pub async fn send(&self, call: &Call) -> Result<Response, AdapterError> {
        let started = self.clock.now();
        let mut backoff = self.retry.backoff();
        let mut attempt = 0u32;
        let mut token_refreshed = false;
        loop {
            attempt += 1;
            let remaining = self
                .retry
                .deadline
                .saturating_sub(self.clock.now() - started);
            if remaining.is_zero() {
                return Err(AdapterError::unavailable(format!(
                    "{} {}: no answer within the {} s deadline",
                    self.vendor,
                    call.endpoint,
                    self.retry.deadline.as_secs_f64()
                )));
            }
            let token = match &self.auth {
                Auth::OAuth(oauth) => Some(oauth.token().await?),
                _ => None,
            };
            let outcome = self.attempt(call, attempt, remaining, token.as_ref()).await;
            let (error, wait, sent) = match outcome {
                Attempt::Done(response) => return Ok(response),
                Attempt::Fail(AdapterError::Unauthenticated { .. })
                    if token.is_some() && !token_refreshed =>
                {
                    // The token may have been revoked or expired early: fetch a new one,
                    // once, and try again at once.
                    if let (Auth::OAuth(oauth), Some(stale)) = (&self.auth, &token) {
                        oauth.forget(stale).await;
                    }
                    token_refreshed = true;
                    continue;
                }
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry { error, wait, sent } => (error, wait, sent),
            };
            if sent && !call.idempotent {
                // The vendor may have acted on it: repeating could act twice.
                return Err(error);
            }
            let Some(backoff_delay) = backoff.next() else {
                return Err(error);
            };
            let delay = wait.unwrap_or(backoff_delay);
            let elapsed = self.clock.now() - started;
            if elapsed + delay >= self.retry.deadline {
                return Err(match (error, wait) {
                    (AdapterError::RateLimited { .. }, Some(wait)) => AdapterError::RateLimited {
                        retry_after: Some(wait),
                    },
                    (error, _) => error,
                });
            }
            self.clock.sleep(delay).await;
        }
    }

    /// Sends `call` and parses the answer as `T`.
    pub async fn json<T: DeserializeOwned>(&self, call: &Call) -> Result<T, AdapterError> {
        self.send(call).await?.json(self.vendor)
    }

    fn url(&self, call: &Call) -> Result<url::Url, AdapterError> {
        let mut url = self
            .base
            .join(&call.path)
            .map_err(|e| AdapterError::Invalid {
                message: format!("{} {}: bad path: {e}", self.vendor, call.endpoint),
            })?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&call.query);
        }
        Ok(url)
    }

    async fn attempt(
        &self,
        call: &Call,
        attempt: u32,
        remaining: Duration,
        token: Option<&Secret>,
    ) -> Attempt {
        let url = match self.url(call) {
            Ok(url) => url,
            Err(error) => return Attempt::Fail(error),
        };
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .timeout(remaining.min(self.retry.request_timeout));
        for (name, value) in &call.headers {
            request = request.header(name.clone(), value.clone());
        }
        request = match &self.auth {
            Auth::None => request,
            Auth::Header { name, value } => match HeaderValue::from_str(value.expose()) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    request.header(name.clone(), value)
                }
                Err(_) => {
                    return Attempt::Fail(AdapterError::Unauthenticated {
                        message: format!("the {} token is not a valid header value", self.vendor),
                    })
                }
            },
            Auth::Bearer(token) => request.bearer_auth(token.expose()),
            Auth::Basic { user, password } => request.basic_auth(user, Some(password.expose())),
            Auth::OAuth(_) => match token {
                Some(token) => request.bearer_auth(token.expose()),
                None => request,
            },
        };
        request = match &call.body {
            Some(Body::Json(body)) => request.json(body),
            Some(Body::Form(fields)) => request.form(fields),
            None => request,
        };
        let _permit = self.limiter.acquire().await;
        let sent_at = Instant::now();
        let result = request.send().await;
        let outcome = match result {
            Ok(response) => self.read(call, response).await,
            Err(error) => self.transport_error(call, &error),
        };
        let status = match &outcome {
            Attempt::Done(response) => response.status.as_u16().to_string(),
            Attempt::Fail(error) | Attempt::Retry { error, .. } => error.kind().to_owned(),
        };
        tracing::info!(
            target: "deskbot::http",
            vendor = self.vendor,
            method = %call.method,
            endpoint = call.endpoint,
            status = %status,
            latency_ms = sent_at.elapsed().as_millis() as u64,
            attempt,
            "vendor call"
        );
        outcome
    }

    async fn read(&self, call: &Call, response: reqwest::Response) -> Attempt {
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body.to_vec(),
            Err(error) => return self.transport_error(call, &error),
        };
        let what = || format!("{} {}", self.vendor, call.endpoint);
        let vendor_says = || vendor_message(&body);
        if status.is_success() {
            if let Some(wait) = call.throttled.and_then(|check| check(&body)) {
                return Attempt::Retry {
                    error: AdapterError::RateLimited {
                        retry_after: Some(wait),
                    },
                    wait: Some(wait),
                    sent: false,
                };
            }
            return Attempt::Done(Response {
                status,
                headers,
                body,
            });
        }
        match status.as_u16() {
            401 => Attempt::Fail(AdapterError::Unauthenticated {
                message: format!("{} (HTTP 401){}", what(), vendor_says()),
            }),
            403 => Attempt::Fail(AdapterError::PermissionDenied {
                message: format!("{} (HTTP 403){}", what(), vendor_says()),
            }),
            404 if call.not_found.is_some_and(|vendors| !vendors(&body)) => {
                Attempt::Fail(AdapterError::Invalid {
                    message: format!(
                        "{} (HTTP 404 that is not {}'s own answer from {}: check base_url, or \
                         the subdomain or account it is made from){}",
                        what(),
                        self.vendor,
                        self.base,
                        vendor_says()
                    ),
                })
            }
            404 => Attempt::Fail(AdapterError::not_found(what())),
            429 => {
                let wait = retry_after(&headers)
                    // BigCommerce sends no Retry-After with its 429: the wait is in
                    // `X-Rate-Limit-Time-Reset-Ms` (milliseconds until the window resets).
                    // Retry-After wins when both are present.
                    .or_else(|| {
                        headers
                            .get("x-rate-limit-time-reset-ms")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(Duration::from_millis)
                    });
                Attempt::Retry {
                    error: AdapterError::RateLimited { retry_after: wait },
                    wait,
                    // A 429 was refused, not acted on: safe to send again.
                    sent: false,
                }
            }
            500..=599 => Attempt::Retry {
                error: AdapterError::unavailable(format!(
                    "{} (HTTP {}){}",
                    what(),
                    status.as_u16(),
                    vendor_says()
                )),
                // A vendor down for maintenance may say when to come back (RFC 9110 §10.2.3,
                // with 503): sooner would only fail again, and one past the deadline gives up
                // at once, leaving the job to try later.
                wait: retry_after(&headers),
                sent: true,
            },
            code => Attempt::Fail(AdapterError::Invalid {
                message: format!("{} (HTTP {code}){}", what(), vendor_says()),
            }),
        }
    }

    fn transport_error(&self, call: &Call, error: &reqwest::Error) -> Attempt {
        let what = format!("{} {}", self.vendor, call.endpoint);
        if error.is_connect() {
            let tls = error_chain_mentions_tls(error);
            return Attempt::Retry {
                error: AdapterError::Unreachable {
                    message: format!("{what}: {}", chain(error)),
                    tls,
                },
                wait: None,
                // Nothing reached the vendor: even a write may be tried again.
                sent: false,
            };
        }
        if error.is_timeout() {
            return Attempt::Retry {
                error: AdapterError::unavailable(format!("{what}: timed out")),
                wait: None,
                sent: true,
            };
        }
        Attempt::Retry {
            error: AdapterError::unavailable(format!("{what}: {}", chain(error))),
            wait: None,
            sent: true,
        }
    }
}

/// The wait a response's `Retry-After` asks for, if it has a readable one.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()))
}

/// The error and its causes on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn error_chain_mentions_tls(error: &reqwest::Error) -> bool {
    // rustls reports a failed handshake or a bad certificate as an `io::Error` of kind
    // `InvalidData` under the connect error; the words cover other TLS stacks' messages.
    // `io::Error::source` skips the error it wraps, so io errors are opened with `get_ref`.
    fn is_tls(cause: &(dyn std::error::Error + 'static)) -> bool {
        if cause.is::<rustls::Error>() {
            return true;
        }
        match cause.downcast_ref::<std::io::Error>() {
            Some(io) => {
                io.kind() == std::io::ErrorKind::InvalidData
                    || io.get_ref().is_some_and(|inner| is_tls(inner))
            }
            None => false,
        }
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if is_tls(cause) {
            return true;
        }
        source = cause.source();
    }
    let text = chain(error).to_ascii_lowercase();
    ["tls", "certificate", "handshake", "ssl"]
        .iter()
        .any(|word| text.contains(word))
}

/// A short excerpt of a vendor's error body for messages: its `message`/`error` field when it
/// is JSON, else nothing (bodies may hold customer data, so raw text is never quoted).
fn vendor_message(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return String::new();
    };
    let pick = |v: &serde_json::Value| -> Option<String> {
        ["message", "error", "title", "errors"]
            .iter()
            .find_map(|key| v.get(key))
            .map(|m| match m {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
    };
    let message = match &value {
        serde_json::Value::Array(items) => items.first().and_then(pick),
        other => pick(other),
    };
    message
        .map(|m| {
            let short: String = m.chars().take(200).collect();
            format!(": {short}")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_becomes_a_folder_that_endpoints_join_below() {
        let folder = |text: &str| as_folder(url::Url::parse(text).unwrap());
        let proxied = folder("https://proxy.example/ups");
        assert_eq!(proxied.as_str(), "https://proxy.example/ups/");
        assert_eq!(
            proxied.join("track/v1/details/1Z").unwrap().as_str(),
            "https://proxy.example/ups/track/v1/details/1Z"
        );
        assert_eq!(
            folder("https://proxy.example/ups/").as_str(),
            "https://proxy.example/ups/"
        );
        assert_eq!(
            folder("https://apis.fedex.com").as_str(),
            "https://apis.fedex.com/"
        );
    }
}
