//! Adapters to the outside world: order platforms, carriers and help desks.
//!
//! One trait per family, each with an in-memory implementation and one shared conformance
//! suite ([`conformance`]) that every implementation — in-memory or vendor HTTP — must pass.
//! All of them speak the vocabulary of [`crate::respond::facts`] and fail with [`AdapterError`].

pub mod carriers;
pub mod conformance;
pub mod helpdesk;
pub mod platforms;

use std::time::Duration;

pub use carriers::{CarrierTracker, MemoryCarrierTracker};
pub use helpdesk::{HandoffNote, HelpDesk, HelpDeskAction, MemoryHelpDesk};
pub use platforms::{MemoryOrderPlatform, OrderPlatform};

/// Why an adapter call failed, in terms every vendor maps onto.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// The thing asked for does not exist (HTTP 404).
    #[error("not found: {what}")]
    NotFound {
        /// What was looked up.
        what: String,
    },
    /// Credentials missing, wrong or lacking permission (HTTP 401/403).
    #[error("not authenticated: {message}")]
    Unauthenticated {
        /// The vendor's explanation.
        message: String,
    },
    /// Too many requests (HTTP 429); retry after the given time, if the vendor said.
    #[error("rate limited{}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// How long the vendor asked us to wait.
        retry_after: Option<Duration>,
    },
    /// The vendor is down, timing out or answering 5xx.
    #[error("unavailable: {message}")]
    Unavailable {
        /// What happened.
        message: String,
    },
    /// The request or the response was malformed (HTTP 400/422, or a body we cannot read).
    #[error("invalid: {message}")]
    Invalid {
        /// What was wrong.
        message: String,
    },
}

impl AdapterError {
    /// Stable machine-readable kind (`not_found`, `unauthenticated`, `rate_limited`,
    /// `unavailable`, `invalid`).
    pub fn kind(&self) -> &'static str {
        match self {
            AdapterError::NotFound { .. } => "not_found",
            AdapterError::Unauthenticated { .. } => "unauthenticated",
            AdapterError::RateLimited { .. } => "rate_limited",
            AdapterError::Unavailable { .. } => "unavailable",
            AdapterError::Invalid { .. } => "invalid",
        }
    }

    /// Shorthand for [`AdapterError::NotFound`].
    pub fn not_found(what: impl Into<String>) -> Self {
        AdapterError::NotFound { what: what.into() }
    }

    /// Shorthand for [`AdapterError::Unavailable`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        AdapterError::Unavailable {
            message: message.into(),
        }
    }
}

/// An order number as customers write it (`#1001`, ` 1001 `) → as platforms store it (`1001`).
pub fn normalize_order_number(number: &str) -> String {
    number.trim().trim_start_matches('#').trim().to_owned()
}
