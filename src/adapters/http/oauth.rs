//! OAuth 2 client credentials (RFC 6749 §4.4), as UPS, USPS and FedEx use it: a bearer token
//! fetched from the vendor's token endpoint, cached until shortly before it expires, shared by
//! concurrent calls (one refresh, not a stampede), and fetched again once on a 401.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Mutex;

use super::{Auth, Call, Clock, HttpClient};
use crate::adapters::{AdapterError, Secret};

/// How long before its stated expiry a token is replaced, so a call never starts with a token
/// about to lapse.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// The lifetime assumed when the vendor states none.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// The future [`OAuthClient::token`] returns.
pub type TokenFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Secret, AdapterError>> + Send + 'a>>;

/// How a vendor wants the token request written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRequest {
    /// Form body `grant_type=client_credentials`, client id and secret in HTTP Basic (UPS).
    FormWithBasicAuth,
    /// Form body with `grant_type`, `client_id` and `client_secret` (FedEx).
    FormWithCredentials,
    /// JSON body with `grant_type`, `client_id` and `client_secret` (USPS).
    JsonWithCredentials,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: String,
    /// Seconds. USPS and FedEx send a number; UPS sends the number as a string.
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
}

fn seconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Seconds>::deserialize(deserializer)? {
        Some(Seconds::Number(n)) => Some(n),
        Some(Seconds::Text(text)) => text.trim().parse().ok(),
        None => None,
    })
}

#[derive(Debug, Clone)]
struct Token {
    value: Secret,
    /// On the token client's clock.
    renew_at: Duration,
}

/// A vendor API behind OAuth 2 client credentials: the client its calls go through, with the
/// bearer token attached, and the token source on the same origin, connection pool and clock.
#[derive(Debug, Clone)]
pub struct OAuthApi {
    /// Calls the API, token attached.
    client: HttpClient,
    token_source: Arc<OAuthClient>,
    /// The same origin without auth: the token endpoint's client, kept to rewire both on
    /// another clock.
    origin: HttpClient,
    token_path: &'static str,
    style: TokenRequest,
    client_id: String,
    client_secret: Secret,
}

impl OAuthApi {
    /// The API of `vendor` at `base` (an origin or a path prefix), whose tokens come from
    /// `token_path` on it in `style`.
    pub fn new(
        vendor: &'static str,
        base: url::Url,
        token_path: &'static str,
        style: TokenRequest,
        client_id: impl Into<String>,
        client_secret: Secret,
        http: &super::HttpConfig,
    ) -> Result<Self, AdapterError> {
        let origin = HttpClient::new(vendor, super::as_folder(base), Auth::None, http)?;
        Ok(Self::wire(
            origin,
            token_path,
            style,
            client_id.into(),
            client_secret,
        ))
    }

    /// Replaces the clock of every call, token requests and token expiry included (tests
    /// pass a [`super::RecordingClock`]). The token cache starts empty again.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self::wire(
            self.origin.with_clock(clock),
            self.token_path,
            self.style,
            self.client_id,
            self.client_secret,
        )
    }

    fn wire(
        origin: HttpClient,
        token_path: &'static str,
        style: TokenRequest,
        client_id: String,
        client_secret: Secret,
    ) -> Self {
        let token_source = Arc::new(OAuthClient::new(
            origin.clone(),
            token_path,
            style,
            client_id.clone(),
            client_secret.clone(),
        ));
        let client = origin.clone().with_auth(Auth::OAuth(token_source.clone()));
        OAuthApi {
            client,
            token_source,
            origin,
            token_path,
            style,
            client_id,
            client_secret,
        }
    }

    /// `call` with the token attached, once [`OAuthApi::ready`] has a token; a body parsed as
    /// `T`.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        call: &Call,
    ) -> Result<T, AdapterError> {
        self.ready().await?;
        self.client.json(call).await
    }

    /// Makes sure a token is at hand before a call. A token endpoint that answers 404 means
    /// `base_url` points at the wrong place: that is a configuration error, which must not
    /// reach the caller as the API's own 404 ("no such parcel").
    pub async fn ready(&self) -> Result<(), AdapterError> {
        match self.token_source.token().await {
            Ok(_) => Ok(()),
            Err(AdapterError::NotFound { .. }) => Err(AdapterError::Invalid {
                message: format!(
                    "{}: no OAuth token endpoint at {}{} (check base_url)",
                    self.origin.vendor, self.origin.base, self.token_path
                ),
            }),
            Err(other) => Err(other),
        }
    }
}

/// A token source for one vendor account.
#[derive(Debug)]
pub struct OAuthClient {
    /// Calls the token endpoint (its own auth: Basic for UPS, none for the others).
    endpoint: HttpClient,
    path: String,
    style: TokenRequest,
    client_id: String,
    client_secret: Secret,
    clock: Arc<dyn Clock>,
    /// Held while a token is fetched, so concurrent callers wait for that one fetch.
    current: Mutex<Option<Token>>,
    fetches: std::sync::atomic::AtomicUsize,
}

impl OAuthClient {
    /// A token source posting to `path` on `endpoint` (a client for the vendor's origin,
    /// built with [`super::Auth::None`]).
    pub fn new(
        endpoint: HttpClient,
        path: impl Into<String>,
        style: TokenRequest,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Self {
        let clock = endpoint.clock.clone();
        let client_id = client_id.into();
        let endpoint = match style {
            TokenRequest::FormWithBasicAuth => endpoint.with_auth(super::Auth::Basic {
                user: client_id.clone(),
                password: client_secret.clone(),
            }),
            _ => endpoint,
        };
        OAuthClient {
            endpoint,
            path: path.into(),
            style,
            client_id,
            client_secret,
            clock,
            current: Mutex::new(None),
            fetches: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// How many tokens were fetched so far (for tests and metrics).
    pub fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A token valid for a while yet: the cached one, or a fresh one.
    ///
    /// Boxed with `Send` spelled out: the token endpoint is called through
    /// [`HttpClient::send`], which itself asks for tokens, and the compiler cannot infer `Send`
    /// around that loop of types.
    pub fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let mut current = self.current.lock().await;
            if let Some(token) = current.as_ref() {
                if self.clock.now() < token.renew_at {
                    return Ok(token.value.clone());
                }
            }
            let token = self.fetch().await?;
            let value = token.value.clone();
            *current = Some(token);
            Ok(value)
        })
    }

    /// Drops `stale` if it is still the cached token (a 401 said it no longer works). A token
    /// another caller already replaced is left alone.
    pub async fn forget(&self, stale: &Secret) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|t| &t.value == stale) {
            *current = None;
        }
    }

    async fn fetch(&self) -> Result<Token, AdapterError> {
        let credentials = || {
            vec![
                ("grant_type".to_owned(), "client_credentials".to_owned()),
                ("client_id".to_owned(), self.client_id.clone()),
                (
                    "client_secret".to_owned(),
                    self.client_secret.expose().to_owned(),
                ),
            ]
        };
        let call = match self.style {
            TokenRequest::FormWithBasicAuth => Call::post_form(
                "oauth token",
                self.path.clone(),
                vec![("grant_type".to_owned(), "client_credentials".to_owned())],
            ),
            TokenRequest::FormWithCredentials => {
                Call::post_form("oauth token", self.path.clone(), credentials())
            }
            TokenRequest::JsonWithCredentials => Call::post(
                "oauth token",
                self.path.clone(),
                serde_json::Value::Object(
                    credentials()
                        .into_iter()
                        .map(|(k, v)| (k, serde_json::Value::String(v)))
                        .collect(),
                ),
            ),
        }
        // Asking for a token twice is harmless.
        .idempotent();
        let requested_at = self.clock.now();
        let answer: TokenAnswer = self
            .endpoint
            .json(&call)
            .await
            .map_err(|error| match error {
                // A refused token request is a credentials problem, whatever the status.
                AdapterError::Invalid { message } | AdapterError::PermissionDenied { message } => {
                    AdapterError::Unauthenticated { message }
                }
                other => other,
            })?;
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if answer.access_token.trim().is_empty() {
            return Err(AdapterError::bad_response(
                self.endpoint.vendor(),
                "access_token",
                "empty token",
            ));
        }
        let lifetime = answer
            .expires_in
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_LIFETIME);
        Ok(Token {
            value: Secret::new(answer.access_token),
            renew_at: requested_at + lifetime.saturating_sub(EXPIRY_MARGIN),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_under_a_path_prefix_keeps_the_prefix_for_calls_and_tokens() {
        let api = OAuthApi::new(
            "ups",
            url::Url::parse("http://127.0.0.1:9/ups").unwrap(),
            "security/v1/oauth/token",
            TokenRequest::FormWithBasicAuth,
            "id",
            Secret::new("secret"),
            &super::super::HttpConfig::default(),
        )
        .unwrap();
        assert_eq!(api.client.base.as_str(), "http://127.0.0.1:9/ups/");
        assert_eq!(
            api.token_source.endpoint.base.as_str(),
            "http://127.0.0.1:9/ups/"
        );
        let rewired = api.with_clock(Arc::new(super::super::RecordingClock::default()));
        assert_eq!(rewired.client.base.as_str(), "http://127.0.0.1:9/ups/");
    }
}
