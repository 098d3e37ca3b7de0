//! An order platform held in memory: the demo shop, tests, and the reference for the contract.

use std::sync::Mutex;

use async_trait::async_trait;
use jiff::Timestamp;

use super::OrderPlatform;
use crate::adapters::{normalize_order_number, AdapterError};
use crate::respond::facts::{FulfillmentStatus, Order};
use crate::respond::verify::same_email;

/// Orders in memory. Optionally fails every call with a given error, to test handoffs.
#[derive(Debug, Default)]
pub struct MemoryOrderPlatform {
    orders: Mutex<Vec<Order>>,
    failure: Mutex<Option<AdapterError>>,
}

impl MemoryOrderPlatform {
    /// A platform holding `orders`.
    pub fn new(orders: Vec<Order>) -> Self {
        MemoryOrderPlatform {
            orders: Mutex::new(orders),
            failure: Mutex::new(None),
        }
    }

    /// Makes every later call fail with `error` (or succeed again with `None`).
    pub fn set_failure(&self, error: Option<AdapterError>) {
        *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = error;
    }

    fn check_failure(&self) -> Result<(), AdapterError> {
        match &*self.failure.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl OrderPlatform for MemoryOrderPlatform {
    fn name(&self) -> &str {
        "memory"
    }

    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
        self.check_failure()?;
        let wanted = normalize_order_number(number);
        self.orders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|order| order.number == wanted)
            .cloned()
            .ok_or_else(|| AdapterError::not_found(format!("order #{wanted}")))
    }

    async fn recent_orders_by_email(
        &self,
        email: &str,
        limit: usize,
    ) -> Result<Vec<Order>, AdapterError> {
        self.check_failure()?;
        let mut orders: Vec<Order> = self
            .orders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|order| same_email(&order.email, email))
            .cloned()
            .collect();
        // Newest first; ties by number so the order never depends on storage order.
        orders.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.number.cmp(&a.number))
        });
        orders.truncate(limit);
        Ok(orders)
    }

    async fn cancel_order(&self, number: &str, at: Timestamp) -> Result<Order, AdapterError> {
        self.check_failure()?;
        let wanted = normalize_order_number(number);
        let mut orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        let order = orders
            .iter_mut()
            .find(|order| order.number == wanted)
            .ok_or_else(|| AdapterError::not_found(format!("order #{wanted}")))?;
        if order.is_cancelled() || order.fulfillment_status != FulfillmentStatus::Unfulfilled {
            return Err(AdapterError::Invalid {
                message: format!("order #{wanted} is shipped or already cancelled"),
            });
        }
        order.cancelled_at = Some(at);
        Ok(order.clone())
    }
}
