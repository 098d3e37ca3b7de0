//! Many carriers behind one [`CarrierTracker`]: each parcel goes to the live tracker for its
//! carrier, else to the file-backed one if configured, else nowhere, and the caller is told the
//! carrier is not configured (the parcel stays untracked; nothing is made up).

use std::sync::Arc;

use async_trait::async_trait;

use super::CarrierTracker;
use crate::adapters::AdapterError;
use crate::carrier::Carrier;
use crate::respond::facts::Tracking;

/// Routes each parcel to the tracker for its carrier.
#[derive(Clone, Default)]
pub struct CarrierRouter {
    live: Vec<Arc<dyn CarrierTracker>>,
    fallback: Option<Arc<dyn CarrierTracker>>,
}

impl CarrierRouter {
    /// A router over `live` trackers (first match wins) and an optional catch-all.
    pub fn new(
        live: Vec<Arc<dyn CarrierTracker>>,
        fallback: Option<Arc<dyn CarrierTracker>>,
    ) -> Self {
        CarrierRouter { live, fallback }
    }

    /// The live trackers, for `deskbot doctor`.
    pub fn live(&self) -> &[Arc<dyn CarrierTracker>] {
        &self.live
    }

    fn route(&self, carrier: &Carrier) -> Option<&Arc<dyn CarrierTracker>> {
        self.live
            .iter()
            .find(|tracker| tracker.supports(carrier))
            .or(self.fallback.as_ref())
    }
}

#[async_trait]
impl CarrierTracker for CarrierRouter {
    fn name(&self) -> &str {
        "carriers"
    }

    fn supports(&self, carrier: &Carrier) -> bool {
        self.route(carrier).is_some()
    }

    async fn track(&self, carrier: &Carrier, number: &str) -> Result<Tracking, AdapterError> {
        match self.route(carrier) {
            Some(tracker) => tracker.track(carrier, number).await,
            None => Err(AdapterError::NotConfigured {
                what: format!("{} tracking", carrier.display_name()),
            }),
        }
    }

    /// Each tracker gets its own parcels in one go (FedEx batches them), and the answers come
    /// back in the order asked.
    async fn track_many(
        &self,
        parcels: &[(Carrier, String)],
    ) -> Vec<Result<Tracking, AdapterError>> {
        let mut answers: Vec<Option<Result<Tracking, AdapterError>>> =
            (0..parcels.len()).map(|_| None).collect();
        let mut groups: Vec<(Arc<dyn CarrierTracker>, Vec<usize>)> = Vec::new();
        for (index, (carrier, _)) in parcels.iter().enumerate() {
            let Some(tracker) = self.route(carrier) else {
                answers[index] = Some(Err(AdapterError::NotConfigured {
                    what: format!("{} tracking", carrier.display_name()),
                }));
                continue;
            };
            match groups.iter_mut().find(|(t, _)| Arc::ptr_eq(t, tracker)) {
                Some((_, indices)) => indices.push(index),
                None => groups.push((tracker.clone(), vec![index])),
            }
        }
        for (tracker, indices) in groups {
            let asked: Vec<(Carrier, String)> =
                indices.iter().map(|&i| parcels[i].clone()).collect();
            let results = tracker.track_many(&asked).await;
            for (index, result) in indices.into_iter().zip(results) {
                answers[index] = Some(result);
            }
        }
        answers
            .into_iter()
            .map(|answer| {
                answer.unwrap_or_else(|| {
                    Err(AdapterError::unavailable(
                        "the carrier gave no answer for this parcel",
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::conformance::fixture_tracking;
    use crate::adapters::MemoryCarrierTracker;
    use crate::respond::facts::TrackingStatus;

    /// Knows only one carrier.
    struct Only(Carrier, MemoryCarrierTracker);

    #[async_trait]
    impl CarrierTracker for Only {
        fn name(&self) -> &str {
            "only"
        }
        fn supports(&self, carrier: &Carrier) -> bool {
            *carrier == self.0
        }
        async fn track(&self, carrier: &Carrier, number: &str) -> Result<Tracking, AdapterError> {
            self.1.track(carrier, number).await
        }
    }

    #[tokio::test]
    async fn parcels_go_to_their_carrier_and_unconfigured_ones_say_so() {
        let dhl_parcel = Tracking::new(Carrier::Dhl, "7465097080", TrackingStatus::InTransit);
        let mut known = fixture_tracking();
        known.push(dhl_parcel);
        let router = CarrierRouter::new(
            vec![Arc::new(Only(
                Carrier::Ups,
                MemoryCarrierTracker::new(known),
            ))],
            None,
        );
        let ups = fixture_tracking()[0].clone();
        let answers = router
            .track_many(&[
                (Carrier::Dhl, "7465097080".to_owned()),
                (Carrier::Ups, ups.number.clone()),
            ])
            .await;
        assert!(
            matches!(&answers[0], Err(AdapterError::NotConfigured { what }) if what.contains("DHL")),
            "{answers:?}"
        );
        assert_eq!(answers[1].as_ref().unwrap(), &ups);
        assert!(router.supports(&Carrier::Ups) && !router.supports(&Carrier::Dhl));
    }

    #[tokio::test]
    async fn the_fallback_takes_what_no_live_tracker_does() {
        let router = CarrierRouter::new(
            Vec::new(),
            Some(Arc::new(MemoryCarrierTracker::new(fixture_tracking()))),
        );
        crate::adapters::conformance::carrier_tracker(&router).await;
    }
}
