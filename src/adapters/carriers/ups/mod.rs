//! UPS: parcels through the Track API v1, behind OAuth 2 client credentials.
//!
//! Every lookup is `GET {base_url}/api/track/v1/details/{inquiryNumber}?locale=en_US&
//! returnSignature=false` with a bearer token and the headers the API requires: `transId` (32
//! characters at most, unique per lookup; retries of one lookup reuse it) and `transactionSrc`
//! (`deskbot`). The token comes from `POST {base_url}/security/v1/oauth/token` with the client
//! id and secret in HTTP Basic and the form `grant_type=client_credentials`; the shared
//! [`OAuthClient`] caches it until shortly before it expires, shares one refresh among
//! concurrent lookups and fetches a new one once on a 401. The API version is pinned in
//! [`UPS_TRACK_API_VERSION`]; `base_url` is the origin (`https://onlinetools.ups.com`, the
//! sandbox `https://wwwcie.ups.com`, or a stand-in).
//!
//! # What is covered
//! - **One parcel** ([`CarrierTracker::track`]): the package whose `trackingNumber` is the one
//!   asked for (a multi-piece shipment lists every piece), its status through the table in
//!   `mapping.rs` (each row citing its UPS document), every activity with its local time and
//!   offset, place and description (oldest first), the latest one, the scheduled or
//!   rescheduled delivery date, and once delivered the delivery time, place ("Front Door") and
//!   who received it.
//! - **Unknown numbers**: UPS answers 404 (`response.errors[].code` 151018 or 151044), or a
//!   shipment with a warning and no package; both are `NotFound`. A number that cannot be a
//!   UPS inquiry number (7 to 34 letters and digits) is `NotFound` without a call.
//! - **Failures** as the shared stack maps them (401 → one new token, then `Unauthenticated`;
//!   429 waits for `Retry-After`; 5xx and timeouts back off); an unreadable body is
//!   `BadResponse` naming the field.
//! - **`deskbot doctor`** ([`CarrierTracker::check_connection`]): a token, then a lookup of
//!   the number UPS's API description uses as its example, where `NotFound` proves the
//!   credentials and the Track API product are good.
//!
//! # Docs followed
//! - <https://developer.ups.com/api/reference/tracking/business-rules> and the OpenAPI
//!   description <https://github.com/UPS-API/api-documentation/blob/main/Tracking.yaml>
//! - <https://developer.ups.com/api/reference/tracking/appendix> (activity status types),
//!   <https://developer.ups.com/api/reference/tracking/api-code>
//! - <https://developer.ups.com/api/reference/oauth/client-credentials> and
//!   <https://github.com/UPS-API/api-documentation/blob/main/OAuthClientCredentials.yaml>
//! - UPS's sample client and response:
//!   <https://github.com/UPS-API/java-api-examples/tree/main/track>
//!
//! # Not used
//! Tracking by reference number (`/track/v1/reference/details/{referenceNumber}`), milestones
//! (`returnMilestones`), proof of delivery and signature images (`returnPOD`,
//! `returnSignature`), delivery photos, the delivery time windows (`deliveryTime` EDW/CDW/IDW,
//! hours within the day), package addresses, weight, dimensions, service, reference numbers,
//! alternate tracking numbers (a SurePost parcel's USPS number), COD payment information,
//! access point pickup-by dates, other locales, and the Track Alert webhooks that could replace
//! polling. Exceptions keep reason `Other`: UPS gives the reason only in codes and words this
//! adapter does not have a documented table for.

mod mapping;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use reqwest::header::{HeaderName, HeaderValue};

use self::mapping::{TrackApiResponse, VENDOR};
use super::CarrierTracker;
use crate::adapters::http::{Call, Clock, HttpConfig, OAuthApi, TokenRequest};
use crate::adapters::{AdapterError, Secret};
use crate::carrier::{normalize, Carrier};
use crate::respond::facts::Tracking;

/// The Track API version deskbot is written against.
pub const UPS_TRACK_API_VERSION: &str = "v1";
/// The OAuth token endpoint, relative to the origin.
const TOKEN_PATH: &str = "security/v1/oauth/token";
/// What deskbot calls itself in `transactionSrc`.
const TRANSACTION_SOURCE: &str = "deskbot";
/// The inquiry number in UPS's API description (`Shipment.inquiryNumber` example), looked up
/// by `check_connection`.
const SAMPLE_NUMBER: &str = "1Z023E2X0214323462";

/// UPS parcels over the Track API.
#[derive(Debug, Clone)]
pub struct UpsTracker {
    api: OAuthApi,
}

impl UpsTracker {
    /// A tracker for the UPS origin `base` with an app's client id and secret.
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
            TokenRequest::FormWithBasicAuth,
            client_id.expose(),
            client_secret,
            http,
        )?;
        Ok(UpsTracker { api })
    }

    /// Replaces the clock of retries and token expiry (tests pass a
    /// [`crate::adapters::http::RecordingClock`]). Default: real time. The token cache starts
    /// empty again.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        UpsTracker {
            api: self.api.with_clock(clock),
        }
    }

    async fn lookup(&self, number: &str) -> Result<Tracking, AdapterError> {
        if !(7..=34).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(AdapterError::not_found(format!(
                "UPS shipment {number} (not a UPS inquiry number)"
            )));
        }
        let trans_id =
            HeaderValue::from_str(&transaction_id()).map_err(|e| AdapterError::Invalid {
                message: format!("{VENDOR}: transId: {e}"),
            })?;
        let call = Call::get(
            "track/v1/details/{inquiryNumber}",
            format!("api/track/{UPS_TRACK_API_VERSION}/details/{number}"),
        )
        .not_found_when(is_ups_error_404)
        .query("locale", "en_US")
        .query("returnSignature", "false")
        .header(HeaderName::from_static("transid"), trans_id)
        .header(
            HeaderName::from_static("transactionsrc"),
            HeaderValue::from_static(TRANSACTION_SOURCE),
        );
        let body: TrackApiResponse = self.api.json(&call).await.map_err(|error| match error {
            AdapterError::NotFound { .. } => {
                AdapterError::not_found(format!("UPS shipment {number}"))
            }
            other => other,
        })?;
        mapping::tracking(number, body)
    }
}

/// Whether a 404 is UPS saying it has no such shipment: its error body,
/// `{"response": {"errors": [{"code": "151044", …}]}}`. Any other 404 (a proxy's page, a
/// wrong `base_url`) is a configuration error, not every parcel unknown.
fn is_ups_error_404(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|body| {
        body.pointer("/response/errors")
            .and_then(|errors| errors.as_array())
            .is_some_and(|errors| !errors.is_empty())
    })
}

/// A `transId`: 32 characters at most, unique per lookup of this process (time and a counter).
fn transaction_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("deskbot{nanos:016x}{:08x}", count as u32)
}

#[async_trait]
impl CarrierTracker for UpsTracker {
    fn name(&self) -> &str {
        VENDOR
    }

    fn supports(&self, carrier: &Carrier) -> bool {
        *carrier == Carrier::Ups
    }

    async fn track(&self, carrier: &Carrier, number: &str) -> Result<Tracking, AdapterError> {
        let number = normalize(number);
        if *carrier != Carrier::Ups {
            // UPS knows nothing of another carrier's numbers.
            return Err(AdapterError::not_found(format!(
                "{} shipment {number}",
                carrier.display_name()
            )));
        }
        self.lookup(&number).await
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        match self.lookup(SAMPLE_NUMBER).await {
            Ok(_) | Err(AdapterError::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_ids_are_short_and_unique() {
        let first = transaction_id();
        let second = transaction_id();
        assert!(first.len() <= 32, "{first}");
        assert!(first.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(first, second);
    }
}
