//! USPS: items through the Tracking API v3, behind OAuth 2 client credentials.
//!
//! Every lookup is `GET {base_url}/tracking/v3/tracking/{trackingNumber}?expand=DETAIL` with a
//! bearer token from `POST {base_url}/oauth2/v3/token` (a JSON body with `grant_type`
//! `client_credentials`, `client_id` and `client_secret`); the shared [`OAuthClient`] caches
//! the token until shortly before it expires (USPS issues them for eight hours), shares one
//! refresh among concurrent lookups and fetches a new one once on a 401. The API version is
//! pinned in [`USPS_TRACKING_API_VERSION`]; `base_url` is the origin
//! (`https://apis.usps.com`, the test environment `https://apis-tem.usps.com`, or a stand-in).
//!
//! # What is covered
//! - **One item** ([`CarrierTracker::track`]): `statusCategory`, the newest event's
//!   `eventCode` through the table in `mapping.rs` (each row citing its USPS document), every
//!   event with its time and offset, city and state and `eventType` (oldest first), the latest
//!   one, the expected (else predicted, else guaranteed) delivery date, and once delivered the
//!   delivery time, place ("Parcel Locker") and the name of who signed.
//! - **Unknown numbers**: USPS answers 404, or a body with an `error` or nothing in it; all are
//!   `NotFound`. A number that cannot be a USPS number (letters and digits, 10 to 40 of them)
//!   is `NotFound` without a call.
//! - **Several items** ([`CarrierTracker::track_many`]): one lookup each, in order; the API takes
//!   one number per call.
//! - **Failures** as the shared stack maps them (401 → one new token, then `Unauthenticated`;
//!   429 waits for `Retry-After`; 5xx and timeouts back off); an unreadable body is
//!   `BadResponse` naming the field.
//! - **`deskbot doctor`** ([`CarrierTracker::check_connection`]): a token. A test lookup would
//!   spend the app's small hourly quota (60 calls by default) for no more certainty.
//!
//! # Docs followed
//! - <https://developer.usps.com/trackingv3> (Tracking 3.0, OpenAPI `tracking-v3.yaml`)
//! - <https://developer.usps.com/oauth> (OAuth 2.0 client credentials, `oauth2/v3/token`)
//! - <https://github.com/USPS/api-examples> (USPS's examples and error inventory)
//! - USPS Publication 199, the IMpb implementation guide, for the event codes
//!   (<https://postalpro.usps.com/mailing-and-shipping-services/publication-199>)
//!
//! # Not used
//! `expand=SUMMARY`, the predicted delivery window (`predictedDeliveryWindowStartTime`/
//! `EndTime`, hours within the day), `statusSummary` (prose), mail class and services, origin
//! and destination, `eventZIP`, `firm` and `authorizedAgent`, `actionCode`/`reasonCode`,
//! proof of delivery and return receipt requests, notifications (`enabledNotificationRequests`,
//! the Tracking notifications endpoint) and the subscription webhooks that could replace
//! polling. Customs, weather and damage have no event code in the table above, so such alerts
//! keep reason `Other`.

mod mapping;

use std::sync::Arc;

use async_trait::async_trait;

use self::mapping::{TrackingResponse, VENDOR};
use super::CarrierTracker;
use crate::adapters::http::{Call, Clock, HttpConfig, OAuthApi, TokenRequest};
use crate::adapters::{AdapterError, Secret};
use crate::carrier::{normalize, Carrier};
use crate::respond::facts::Tracking;

/// The Tracking API version deskbot is written against.
pub const USPS_TRACKING_API_VERSION: &str = "v3";
/// The OAuth token endpoint, relative to the origin.
const TOKEN_PATH: &str = "oauth2/v3/token";

/// USPS items over the Tracking API.
#[derive(Debug, Clone)]
pub struct UspsTracker {
    api: OAuthApi,
}

impl UspsTracker {
    /// A tracker for the USPS origin `base` with an app's consumer key (client id) and secret.
    pub fn new(
        base: url::Url,
        client_id: Secret,
        client_secret: Secret,
        http: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        let api = OAuthApi::new(
            VENDOR,
            base,
            TOKEN_PATH,
            TokenRequest::JsonWithCredentials,
            client_id.expose(),
            client_secret,
            http,
        )?;
        Ok(UspsTracker { api })
    }

    /// Replaces the clock of retries and token expiry (tests pass a
    /// [`crate::adapters::http::RecordingClock`]). Default: real time. The token cache starts
    /// empty again.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        UspsTracker {
            api: self.api.with_clock(clock),
        }
    }

    async fn lookup(&self, number: &str) -> Result<Tracking, AdapterError> {
        if !(10..=40).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(AdapterError::not_found(format!(
                "USPS item {number} (not a USPS tracking number)"
            )));
        }
        let call = Call::get(
            "tracking/v3/tracking/{trackingNumber}",
            format!("tracking/{USPS_TRACKING_API_VERSION}/tracking/{number}"),
        )
        .query("expand", "DETAIL")
        .not_found_when(is_usps_error_404);
        let body: TrackingResponse = self.api.json(&call).await.map_err(|error| match error {
            AdapterError::NotFound { .. } => AdapterError::not_found(format!("USPS item {number}")),
            other => other,
        })?;
        mapping::tracking(number, body)
    }
}

/// Whether a 404 is USPS saying it has no such item: its error body, `{"error": {"code":
/// "404", …}}`. Any other 404 (a proxy's page, a wrong `base_url`) is a configuration error,
/// not every parcel unknown.
fn is_usps_error_404(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|body| body.get("error").is_some_and(|error| error.is_object()))
}

#[async_trait]
impl CarrierTracker for UspsTracker {
    fn name(&self) -> &str {
        VENDOR
    }

    fn supports(&self, carrier: &Carrier) -> bool {
        *carrier == Carrier::Usps
    }

    async fn track(&self, carrier: &Carrier, number: &str) -> Result<Tracking, AdapterError> {
        let number = normalize(number);
        if *carrier != Carrier::Usps {
            // USPS knows nothing of another carrier's numbers.
            return Err(AdapterError::not_found(format!(
                "{} shipment {number}",
                carrier.display_name()
            )));
        }
        self.lookup(&number).await
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        self.api.ready().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn impossible_numbers_are_unknown_without_a_call() {
        // Nothing listens on port 9: a call would fail as unreachable, not as not found.
        let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
        let tracker = UspsTracker::new(
            base,
            Secret::new("id"),
            Secret::new("secret"),
            &HttpConfig::default(),
        )
        .unwrap();
        for number in [
            "123",
            "9400/../../oauth2/v3/token",
            "9400111899223197428490?x=1",
        ] {
            let answer = tracker.track(&Carrier::Usps, number).await;
            assert!(
                matches!(answer, Err(AdapterError::NotFound { .. })),
                "{number}: {answer:?}"
            );
        }
        assert!(matches!(
            tracker.track(&Carrier::Ups, "1Z999AA10123456784").await,
            Err(AdapterError::NotFound { .. })
        ));
    }
}
