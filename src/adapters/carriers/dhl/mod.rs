//! DHL: Shipment Tracking – Unified, one number per call, for DHL Express, DHL eCommerce and
//! the other DHL services it covers.
//!
//! Followed:
//! - `GET {base}/track/shipments?trackingNumber={n}&language=en` with the header
//!   `DHL-API-Key`; optional `service` hint. Reference:
//!   <https://developer.dhl.com/api-reference/shipment-tracking> and its OpenAPI document
//!   <https://developer.dhl.com/sites/default/files/2022-12/utapi-traking-api-1.4.1.yaml>
//!   (the path is not versioned; [`API_VERSION`] pins the document read).
//! - A number DHL does not know is HTTP 404 with an RFC 7807 `application/problem+json` body:
//!   `NotFound`. A 404 without that body did not come from DHL (a wrong `base_url`): it is
//!   `Invalid`, so `deskbot doctor` fails instead of passing on "unknown number". DHL limits
//!   calls per key and answers 429 with `Retry-After`, which the HTTP stack waits for.
//!
//! Covered: the status (`statusCode` through [`status::STATUS_CODES`], refined by DHL's own
//! words through [`status::WORDING`] for out-for-delivery, attempts, returns and the reason of
//! a failure; `returnFlag` means returned), every event oldest first (DHL lists them newest
//! first), the latest event from `status`, the estimated day or window
//! (`estimatedTimeOfDelivery`, `estimatedDeliveryTimeFrame`), and once delivered the proof of
//! delivery time and signer. Of several shipments under one number (several services may know
//! it), the one whose id is the number and whose news is newest is kept; on a tie, the one of
//! the carrier asked (`express` for DHL Express, `ecommerce…` for DHL eCommerce).
//!
//! Times: DHL Express writes local times without an offset (`2021-05-05T15:42:00`); they are
//! placed in the zone of the event's country (`countryCode`, or the country named at the end
//! of an Express locality) when that country keeps one clock, else read as UTC and logged
//! (`deskbot::carriers`). Estimated days are taken as written.
//!
//! Not used: `origin`/`destination`, `details.pieceIds`/weights/dimensions/references/
//! `product`, `proofOfDelivery` documents and signature images, `rerouteUrl`,
//! `estimatedTimeOfDeliveryRemark`, `nextSteps`, `possibleAdditionalShipmentsUrl` and
//! pagination (`offset`, `limit`), `requesterCountryCode`, `originCountryCode`,
//! `recipientPostalCode` (parcel-de shows more with it), DGF routes, and DHL's push API.

pub mod mapping;
pub mod status;

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::HeaderName;

use crate::adapters::carriers::CarrierTracker;
use crate::adapters::http::{as_folder, Auth, Call, Clock, HttpClient, HttpConfig};
use crate::adapters::{AdapterError, Secret};
use crate::carrier::{normalize, Carrier};
use crate::respond::facts::Tracking;
use mapping::{MappingError, ShipmentsResponse};

/// The version of the Shipment Tracking – Unified OpenAPI document this module follows.
pub const API_VERSION: &str = "1.4.1";
/// The documented sample number (the OpenAPI default of `trackingNumber`): tracking it proves
/// the key, whether DHL knows it or not.
pub const CHECK_NUMBER: &str = "00340434292135100186";

/// Tracks DHL parcels.
#[derive(Debug, Clone)]
pub struct DhlTracker {
    api: HttpClient,
    service: Option<String>,
}

impl DhlTracker {
    /// A tracker for the DHL API at `base_url` (`https://api-eu.dhl.com`, the test environment
    /// `https://api-test.dhl.com`, or a stand-in) with an API key.
    pub fn new(
        base_url: url::Url,
        api_key: Secret,
        config: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        let auth = Auth::Header {
            name: HeaderName::from_static("dhl-api-key"),
            value: api_key,
        };
        Ok(DhlTracker {
            api: HttpClient::new("dhl", as_folder(base_url), auth, config)?,
            service: None,
        })
    }

    /// Replaces the clock (tests use a [`crate::adapters::http::RecordingClock`]). Default:
    /// Tokio's.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.api = self.api.with_clock(clock);
        self
    }

    /// Sends DHL's `service` hint (`express`, `parcel-de`, `ecommerce`, …) with every call, for
    /// a shop that ships with one DHL service only. Default: none, so DHL searches every
    /// service and the shipment fitting the carrier asked is picked.
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }
}

/// DHL's answer for a number it does not know: an RFC 7807 problem body with `"status": 404`.
fn is_problem_404(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|problem| problem.get("status").and_then(|s| s.as_u64()) == Some(404))
}

fn is_dhl(carrier: &Carrier) -> bool {
    matches!(carrier, Carrier::Dhl | Carrier::DhlEcommerce)
}

#[async_trait]
impl CarrierTracker for DhlTracker {
    fn name(&self) -> &str {
        "dhl"
    }

    fn supports(&self, carrier: &Carrier) -> bool {
        is_dhl(carrier)
    }

    async fn track(&self, carrier: &Carrier, number: &str) -> Result<Tracking, AdapterError> {
        let number = normalize(number);
        let not_found =
            || AdapterError::not_found(format!("{} shipment {number}", carrier.display_name()));
        if !is_dhl(carrier) || number.is_empty() {
            return Err(not_found());
        }
        let mut call = Call::get("track/shipments", "track/shipments")
            .query("trackingNumber", number.as_str())
            .query("language", "en")
            .not_found_when(is_problem_404);
        if let Some(service) = &self.service {
            call = call.query("service", service.as_str());
        }
        let response: ShipmentsResponse = match self.api.json(&call).await {
            Err(AdapterError::NotFound { .. }) => return Err(not_found()),
            other => other?,
        };
        mapping::tracking(*carrier, &number, &response).map_err(|error| match error {
            MappingError::NotFound { .. } => not_found(),
            MappingError::BadField { field, message } => {
                AdapterError::bad_response("dhl", field, message)
            }
        })
    }

    /// Tracks one documented sample number ([`CHECK_NUMBER`]): `NotFound` still proves the key.
    async fn check_connection(&self) -> Result<(), AdapterError> {
        match self.track(&Carrier::Dhl, CHECK_NUMBER).await {
            Ok(_) | Err(AdapterError::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
