//! A carrier held in memory: tracking histories by number, with per-number failures.

use std::collections::HashMap;

use async_trait::async_trait;

use super::CarrierTracker;
use crate::adapters::AdapterError;
use crate::carrier::{normalize, Carrier};
use crate::respond::facts::Tracking;

/// Tracking records in memory, for every carrier.
#[derive(Debug, Default)]
pub struct MemoryCarrierTracker {
    shipments: HashMap<String, Tracking>,
    failures: HashMap<String, AdapterError>,
}

impl MemoryCarrierTracker {
    /// A tracker that knows `shipments`.
    pub fn new(shipments: Vec<Tracking>) -> Self {
        MemoryCarrierTracker {
            shipments: shipments
                .into_iter()
                .map(|tracking| (normalize(&tracking.number), tracking))
                .collect(),
            failures: HashMap::new(),
        }
    }

    /// Makes tracking `number` fail with `error`.
    pub fn with_failure(mut self, number: &str, error: AdapterError) -> Self {
        self.failures.insert(normalize(number), error);
        self
    }
}

#[async_trait]
impl CarrierTracker for MemoryCarrierTracker {
    fn name(&self) -> &str {
        "memory"
    }

    fn supports(&self, _carrier: &Carrier) -> bool {
        true
    }

    async fn track(&self, carrier: &Carrier, number: &str) -> Result<Tracking, AdapterError> {
        let number = normalize(number);
        if let Some(error) = self.failures.get(&number) {
            return Err(error.clone());
        }
        match self.shipments.get(&number) {
            Some(tracking) if tracking.carrier == *carrier => Ok(tracking.clone()),
            // A real carrier API knows nothing of another carrier's numbers.
            _ => Err(AdapterError::not_found(format!(
                "{} shipment {number}",
                carrier.display_name()
            ))),
        }
    }
}
