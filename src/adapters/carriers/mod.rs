//! Carriers (USPS, UPS, FedEx, DHL): where shipment status comes from.

#[cfg(feature = "dhl")]
pub mod dhl;
#[cfg(feature = "fedex")]
pub mod fedex;
#[cfg(any(feature = "fedex", feature = "dhl"))]
mod local_time;
mod memory;
mod router;
#[cfg(any(feature = "ups", feature = "usps"))]
mod shared_mapping;
#[cfg(feature = "ups")]
pub mod ups;
#[cfg(feature = "usps")]
pub mod usps;

use async_trait::async_trait;

#[cfg(feature = "dhl")]
pub use dhl::DhlTracker;
#[cfg(feature = "fedex")]
pub use fedex::FedexTracker;
pub use memory::MemoryCarrierTracker;
pub use router::CarrierRouter;

use super::AdapterError;
use crate::carrier::Carrier;
use crate::respond::facts::Tracking;

/// Tracks shipments with one or more carriers.
///
/// Contract (checked by [`crate::adapters::conformance::carrier_tracker`]): the number may carry
/// spaces or dashes; the answer's `number` is the normalised number and its `carrier` the one
/// asked for; an unknown number is [`AdapterError::NotFound`].
#[async_trait]
pub trait CarrierTracker: Send + Sync {
    /// Short name for handoff notes and logs ("ups", "memory").
    fn name(&self) -> &str;

    /// Whether this tracker can track `carrier`'s parcels.
    fn supports(&self, carrier: &Carrier) -> bool;

    /// The current status of `number` with `carrier`.
    async fn track(&self, carrier: &Carrier, number: &str) -> Result<Tracking, AdapterError>;

    /// One cheap authenticated call, for `deskbot doctor`. Trackers with nothing to check
    /// (in memory) are fine.
    async fn check_connection(&self) -> Result<(), AdapterError> {
        Ok(())
    }

    /// Every parcel of an order at once, answers in the order asked. Carriers whose API takes
    /// several numbers per call (FedEx: 30) override this to batch; the default asks one by one.
    async fn track_many(
        &self,
        parcels: &[(Carrier, String)],
    ) -> Vec<Result<Tracking, AdapterError>> {
        let mut answers = Vec::with_capacity(parcels.len());
        for (carrier, number) in parcels {
            answers.push(self.track(carrier, number).await);
        }
        answers
    }
}
