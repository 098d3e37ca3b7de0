//! Order platforms (Shopify, WooCommerce, Magento, BigCommerce): where orders and their
//! fulfillments come from.

#[cfg(feature = "bigcommerce")]
pub mod bigcommerce;
#[cfg(feature = "magento")]
pub mod magento;
mod memory;
#[cfg(feature = "shopify")]
pub mod shopify;
#[cfg(feature = "woocommerce")]
pub mod woocommerce;

use async_trait::async_trait;

pub use memory::MemoryOrderPlatform;

use jiff::Timestamp;

use super::AdapterError;
#[cfg(any(feature = "bigcommerce", feature = "magento", feature = "shopify"))]
use crate::respond::facts::LineItem;
use crate::respond::facts::Order;

/// Reads orders from a shop platform.
///
/// Contract (checked by [`crate::adapters::conformance::order_platform`]):
/// - `order_by_number` accepts the number with or without `#` and surrounding spaces, and
///   answers [`AdapterError::NotFound`] for an unknown number;
/// - `recent_orders_by_email` matches e-mail case-insensitively, returns at most `limit`
///   orders newest first, and an empty list (not an error) for an unknown customer. Fewer
///   than `limit` orders means the customer has no more: a search whose pages run out before
///   it is done is an error ([`search_too_broad`]), never a short list.
#[async_trait]
pub trait OrderPlatform: Send + Sync {
    /// Short name for handoff notes and logs ("shopify", "memory").
    fn name(&self) -> &str;

    /// The order with this customer-facing number.
    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError>;

    /// The customer's most recent orders, newest first.
    async fn recent_orders_by_email(
        &self,
        email: &str,
        limit: usize,
    ) -> Result<Vec<Order>, AdapterError>;

    /// Cancels an unfulfilled order as of `at`, returning it as it now stands. Answers
    /// [`AdapterError::NotFound`] for an unknown number and [`AdapterError::Invalid`] for an
    /// order that is shipped or already cancelled. A vendor may record its own time of
    /// cancellation rather than `at`.
    async fn cancel_order(&self, number: &str, at: Timestamp) -> Result<Order, AdapterError>;

    /// One cheap authenticated call, for `deskbot doctor`: proves the address, the credentials
    /// and the read permission work. In-memory platforms have nothing to check.
    async fn check_connection(&self) -> Result<(), AdapterError> {
        Ok(())
    }
}

/// A vendor search that still had pages to read after the most deskbot reads for one
/// question. What it did not read may hold what was asked for, so "no such order" or "these
/// are all your orders" would be a guess: the question goes to a person instead.
#[cfg(any(
    feature = "bigcommerce",
    feature = "magento",
    feature = "shopify",
    feature = "woocommerce"
))]
pub(crate) fn search_too_broad(vendor: &str, what: &str, read: usize) -> AdapterError {
    AdapterError::Invalid {
        message: format!(
            "{vendor}'s search for {what} matched more than the {read} orders deskbot reads for one question, and those did not settle it"
        ),
    }
}

/// The one carrier a shipment's tracking entries name, for a platform that lists a carrier
/// per number: the first name when every entry names the same carrier ("UPS" and "United
/// Parcel Service" do), none when they name different ones, so that each number's carrier is
/// then told from its own format rather than one entry's name applied to all.
#[cfg(any(feature = "magento", feature = "shopify"))]
pub(crate) fn shared_carrier<'a>(mut names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    use crate::carrier::Carrier;
    let first = names.next()?;
    let same = |a: &str, b: &str| match (
        Carrier::from_platform_name(a),
        Carrier::from_platform_name(b),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    };
    names.all(|name| same(first, name)).then_some(first)
}

/// An order's lines, each with the units the customer is still to receive (ordered, less what
/// was cancelled, removed or refunded, never fewer than have shipped), as facts: lines left
/// with none are dropped, so no such unit is ever "not shipped yet" or counted in a reply. An
/// order with nothing left at all (cancelled, or refunded in full) keeps its lines as ordered.
#[cfg(any(feature = "bigcommerce", feature = "magento", feature = "shopify"))]
pub(crate) fn lines_left(lines: Vec<(LineItem, u32)>) -> Vec<LineItem> {
    if lines.iter().all(|(_, left)| *left == 0) {
        return lines.into_iter().map(|(line, _)| line).collect();
    }
    lines
        .into_iter()
        .filter(|(_, left)| *left > 0)
        .map(|(line, left)| LineItem {
            quantity: left,
            ..line
        })
        .collect()
}

/// A boxed platform is a platform (vendor clients are chosen at run time from the config).
#[async_trait]
impl OrderPlatform for Box<dyn OrderPlatform> {
    fn name(&self) -> &str {
        (**self).name()
    }

    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
        (**self).order_by_number(number).await
    }

    async fn recent_orders_by_email(
        &self,
        email: &str,
        limit: usize,
    ) -> Result<Vec<Order>, AdapterError> {
        (**self).recent_orders_by_email(email, limit).await
    }

    async fn cancel_order(&self, number: &str, at: Timestamp) -> Result<Order, AdapterError> {
        (**self).cancel_order(number, at).await
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        (**self).check_connection().await
    }
}
