//! FedEx: the Track API v1 ("Basic Integrated Visibility"), up to 30 numbers per call.
//!
//! Followed:
//! - Track by Tracking Number, `POST {base}/track/v1/trackingnumbers` with
//!   `{"includeDetailedScans": true, "trackingInfo": [{"trackingNumberInfo": {"trackingNumber":
//!   …}}]}`; its OpenAPI document and response example:
//!   <https://developer.fedex.com/wirc/json/api_groups/Track/TrackingNumbers-Resource.json>
//!   (catalog page <https://developer.fedex.com/api/en-us/catalog/track.html>).
//! - OAuth 2 client credentials, `POST {base}/oauth/token` with a form body holding
//!   `grant_type`, `client_id` and `client_secret`
//!   (<https://developer.fedex.com/api/en-us/catalog/authorization/docs.html>); the token is
//!   cached, shared and refreshed by the HTTP stack, and fetched before the track call, so a
//!   token endpoint that answers 404 (a wrong `base_url`) is a configuration error, not every
//!   parcel unknown.
//! - Status codes, reason codes and sandbox numbers: the API reference guide,
//!   <https://developer.fedex.com/api/en-us/guides/api-reference.html> (see [`status`]).
//!
//! Covered: the latest status (normalised through the tables in [`status`], with the exception
//! sub-reason from the status code, the ancillary reason code or the delay type), every scan
//! oldest first (time with its offset, place, words), the estimated delivery day or window,
//! and, once delivered, when (`ACTUAL_DELIVERY`, else the delivery scan), who received it and
//! where it was left. An unknown number (`TRACKING.TRACKINGNUMBER.NOTFOUND`, per number) is
//! `NotFound` for that number only; other per-number errors are `Invalid`. Several shipments
//! under one number (FedEx reuses numbers): the most recently scanned is kept.
//!
//! Times: scan dates carry an offset; a local time without one is placed in its country's zone
//! when the country keeps one clock, else read as UTC and logged (`deskbot::carriers`).
//!
//! Not used: tracking by reference, door tag or TCN, associated shipments, `packageDetails`,
//! weights and dimensions, `shipperInformation`/`recipientInformation`, `serviceDetail`,
//! `standardTransitTimeWindow`, `customDeliveryOptions`, `availableImages` and signature proof
//! of delivery, `informationNotes`, `specialHandlings`, the `x-locale` and
//! `x-customer-transaction-id` headers (FedEx's default locale, en_US, is what the status
//! words assume), and the "Advanced Integrated Visibility" webhooks.

pub mod mapping;
pub mod status;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use crate::adapters::carriers::CarrierTracker;
use crate::adapters::http::{Call, Clock, HttpConfig, OAuthApi, TokenRequest};
use crate::adapters::{AdapterError, Secret};
use crate::carrier::{normalize, Carrier};
use crate::respond::facts::Tracking;
use mapping::{MappingError, TrackResponse};

/// The Track API version in every path.
pub const API_VERSION: &str = "v1";
/// FedEx answers for at most this many numbers per call.
pub const MAX_NUMBERS_PER_CALL: usize = 30;
/// The token endpoint, relative to the base URL.
const TOKEN_PATH: &str = "oauth/token";
/// A number from FedEx's sandbox list ("Delivered", API reference guide, mock tracking
/// numbers): tracking it proves the credentials and the Track API entitlement; production may
/// not know it, which proves the same.
pub const CHECK_NUMBER: &str = "122816215025810";

/// Tracks FedEx parcels.
#[derive(Debug, Clone)]
pub struct FedexTracker {
    api: OAuthApi,
}

impl FedexTracker {
    /// A tracker for the FedEx API at `base_url` (`https://apis.fedex.com`, the sandbox
    /// `https://apis-sandbox.fedex.com`, or a stand-in) with a project's API key and secret.
    pub fn new(
        base_url: url::Url,
        client_id: impl Into<String>,
        client_secret: Secret,
        config: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        let api = OAuthApi::new(
            "fedex",
            base_url,
            TOKEN_PATH,
            TokenRequest::FormWithCredentials,
            client_id,
            client_secret,
            config,
        )?;
        Ok(FedexTracker { api })
    }

    /// Replaces the clock of every call, token requests included (tests use a
    /// [`crate::adapters::http::RecordingClock`]). Default: Tokio's.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        FedexTracker {
            api: self.api.with_clock(clock),
        }
    }

    /// One call for up to [`MAX_NUMBERS_PER_CALL`] distinct normalised numbers.
    async fn track_chunk(
        &self,
        carrier: Carrier,
        numbers: &[String],
    ) -> Vec<Result<Tracking, AdapterError>> {
        let body = json!({
            "includeDetailedScans": true,
            "trackingInfo": numbers
                .iter()
                .map(|n| json!({"trackingNumberInfo": {"trackingNumber": n}}))
                .collect::<Vec<_>>(),
        });
        // Tracking reads; repeating it is harmless, so a 5xx is retried like a GET. FedEx
        // answers an unknown number inside a 200 (`trackResults[].error`), so a 404 is never
        // its answer about a parcel: a wrong `base_url` or a proxy, a configuration error.
        let call = Call::post(
            "track/v1/trackingnumbers",
            format!("track/{API_VERSION}/trackingnumbers"),
            body,
        )
        .idempotent()
        .expects_no_404();
        match self.api.json::<TrackResponse>(&call).await {
            Ok(response) => mapping::answers(&response, numbers, carrier)
                .into_iter()
                .map(|answer| answer.map_err(adapter_error))
                .collect(),
            Err(AdapterError::NotFound { .. }) => numbers
                .iter()
                .map(|n| Err(adapter_error(MappingError::NotFound { number: n.clone() })))
                .collect(),
            Err(error) => numbers.iter().map(|_| Err(error.clone())).collect(),
        }
    }
}

fn adapter_error(error: MappingError) -> AdapterError {
    match error {
        MappingError::NotFound { number } => {
            AdapterError::not_found(format!("FedEx shipment {number}"))
        }
        refused @ MappingError::Refused { .. } => AdapterError::Invalid {
            message: refused.to_string(),
        },
        MappingError::BadField { field, message } => {
            AdapterError::bad_response("fedex", field, message)
        }
    }
}

#[async_trait]
impl CarrierTracker for FedexTracker {
    fn name(&self) -> &str {
        "fedex"
    }

    fn supports(&self, carrier: &Carrier) -> bool {
        *carrier == Carrier::Fedex
    }

    async fn track(&self, carrier: &Carrier, number: &str) -> Result<Tracking, AdapterError> {
        let asked = [(*carrier, number.to_owned())];
        self.track_many(&asked)
            .await
            .pop()
            .unwrap_or_else(|| Err(AdapterError::unavailable("FedEx gave no answer")))
    }

    /// Fetches a token and tracks one documented sample number ([`CHECK_NUMBER`]): `NotFound`
    /// still proves the credentials and the Track API entitlement.
    async fn check_connection(&self) -> Result<(), AdapterError> {
        match self.track(&Carrier::Fedex, CHECK_NUMBER).await {
            Ok(_) | Err(AdapterError::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// FedEx parcels in calls of up to 30 distinct numbers, answers in the order asked; a
    /// number asked twice is sent once. Parcels of other carriers are `NotFound`, as FedEx
    /// would say.
    async fn track_many(
        &self,
        parcels: &[(Carrier, String)],
    ) -> Vec<Result<Tracking, AdapterError>> {
        let mut answers: Vec<Option<Result<Tracking, AdapterError>>> =
            (0..parcels.len()).map(|_| None).collect();
        let mut unique: Vec<String> = Vec::new();
        let mut asked_at: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, (carrier, number)) in parcels.iter().enumerate() {
            let number = normalize(number);
            if *carrier != Carrier::Fedex || number.is_empty() {
                answers[index] = Some(Err(AdapterError::not_found(format!(
                    "{} shipment {number}",
                    carrier.display_name()
                ))));
                continue;
            }
            let slots = asked_at.entry(number.clone()).or_default();
            if slots.is_empty() {
                unique.push(number);
            }
            slots.push(index);
        }
        for chunk in unique.chunks(MAX_NUMBERS_PER_CALL) {
            let results = self.track_chunk(Carrier::Fedex, chunk).await;
            for (number, result) in chunk.iter().zip(results) {
                for &index in &asked_at[number] {
                    answers[index] = Some(result.clone());
                }
            }
        }
        answers
            .into_iter()
            .map(|answer| {
                answer.unwrap_or_else(|| Err(AdapterError::unavailable("FedEx gave no answer")))
            })
            .collect()
    }
}
