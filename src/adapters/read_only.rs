//! A read-only view of an order platform, for runs that must leave the shop exactly as it is
//! (`deskbot replay`). Reads pass through; every write is refused here, before it can reach
//! the vendor, and counted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;

use super::{AdapterError, OrderPlatform};
use crate::respond::facts::Order;

/// An [`OrderPlatform`] that reads through `inner` and refuses every write with
/// [`AdapterError::PermissionDenied`].
///
/// A trait method added later without a default body will not compile here until it is
/// sorted into "read" or "refused", so a new write cannot slip through unnoticed.
pub struct ReadOnlyPlatform {
    inner: Arc<dyn OrderPlatform>,
    refused: AtomicUsize,
}

impl ReadOnlyPlatform {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn OrderPlatform>) -> Self {
        ReadOnlyPlatform {
            inner,
            refused: AtomicUsize::new(0),
        }
    }

    /// How many writes were refused so far.
    pub fn refused_writes(&self) -> usize {
        self.refused.load(Ordering::Relaxed)
    }

    fn refuse(&self, what: String) -> AdapterError {
        self.refused.fetch_add(1, Ordering::Relaxed);
        AdapterError::PermissionDenied {
            message: format!(
                "read-only run: {what} was refused before reaching {}",
                self.inner.name()
            ),
        }
    }
}

#[async_trait]
impl OrderPlatform for ReadOnlyPlatform {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
        self.inner.order_by_number(number).await
    }

    async fn recent_orders_by_email(
        &self,
        email: &str,
        limit: usize,
    ) -> Result<Vec<Order>, AdapterError> {
        self.inner.recent_orders_by_email(email, limit).await
    }

    async fn cancel_order(&self, number: &str, _at: Timestamp) -> Result<Order, AdapterError> {
        Err(self.refuse(format!("cancelling order #{number}")))
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        self.inner.check_connection().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::respond::demo::DemoShop;

    #[tokio::test]
    async fn reads_pass_through_and_a_cancel_never_reaches_the_platform() {
        let inner: Arc<dyn OrderPlatform> = Arc::new(DemoShop::bundled_orders().unwrap());
        let read_only = ReadOnlyPlatform::new(inner.clone());
        let before = inner.order_by_number("1002").await.unwrap();
        assert!(
            !before.is_cancelled(),
            "order 1002 is open in the demo shop"
        );

        let error = read_only
            .cancel_order("1002", Timestamp::UNIX_EPOCH)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), "permission_denied");
        assert!(error.to_string().contains("#1002"), "{error}");
        assert_eq!(read_only.refused_writes(), 1);
        // The order as the platform itself holds it is untouched.
        assert_eq!(inner.order_by_number("1002").await.unwrap(), before);

        assert_eq!(read_only.order_by_number("#1002").await.unwrap(), before);
        let orders = read_only
            .recent_orders_by_email("omar@example.com", 5)
            .await
            .unwrap();
        assert_eq!(orders.len(), 1);
        assert_eq!(read_only.name(), inner.name());
    }
}
