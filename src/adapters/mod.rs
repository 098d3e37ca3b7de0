//! Adapters to the outside world: order platforms, carriers and help desks.
//!
//! One trait per family, each with an in-memory implementation and one shared conformance
//! suite ([`conformance`]) that every implementation — in-memory or vendor HTTP — must pass.
//! All of them speak the vocabulary of [`crate::respond::facts`] and fail with [`AdapterError`].

pub mod carriers;
pub mod conformance;
pub mod connect;
pub mod helpdesk;
#[cfg(feature = "http")]
pub mod http;
pub mod platforms;
pub mod read_only;
mod secret;

use std::time::Duration;

pub use carriers::{CarrierRouter, CarrierTracker, MemoryCarrierTracker};
pub use helpdesk::{HandoffNote, HelpDesk, HelpDeskAction, MemoryHelpDesk};
pub use platforms::{MemoryOrderPlatform, OrderPlatform};
pub use read_only::ReadOnlyPlatform;
pub use secret::Secret;

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
    /// Credentials missing or wrong (HTTP 401).
    #[error("not authenticated: {message}")]
    Unauthenticated {
        /// The vendor's explanation.
        message: String,
    },
    /// Credentials accepted but lacking a scope or permission (HTTP 403, or the vendor's own
    /// "access denied" in a 200 body).
    #[error("permission denied: {message}")]
    PermissionDenied {
        /// The vendor's explanation, naming the scope where it does.
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
    /// No connection could be made: DNS, refused, or a TLS handshake that failed.
    #[error("unreachable{}: {message}", if *tls { " (TLS)" } else { "" })]
    Unreachable {
        /// What happened.
        message: String,
        /// The TCP connection worked but TLS did not (certificate, protocol).
        tls: bool,
    },
    /// The vendor refused the request as invalid (HTTP 400/422), or an operation is not
    /// possible in the order's state.
    #[error("invalid: {message}")]
    Invalid {
        /// What was wrong.
        message: String,
    },
    /// Nothing is configured to do this (a carrier with no tracker in `deskbot.toml`).
    #[error("not configured: {what}")]
    NotConfigured {
        /// What is missing.
        what: String,
    },
    /// The vendor answered with a body deskbot cannot read: not JSON, or a field missing or
    /// of the wrong type.
    #[error("{vendor} sent an unreadable answer at `{field}`: {message}")]
    BadResponse {
        /// Which vendor.
        vendor: String,
        /// The JSON path of the field (`orders[0].total_price`), or `.` for the whole body.
        field: String,
        /// What was wrong.
        message: String,
    },
}

impl AdapterError {
    /// Stable machine-readable kind (`not_found`, `unauthenticated`, `permission_denied`,
    /// `rate_limited`, `unavailable`, `unreachable`, `invalid`, `bad_response`).
    pub fn kind(&self) -> &'static str {
        match self {
            AdapterError::NotFound { .. } => "not_found",
            AdapterError::Unauthenticated { .. } => "unauthenticated",
            AdapterError::PermissionDenied { .. } => "permission_denied",
            AdapterError::RateLimited { .. } => "rate_limited",
            AdapterError::Unavailable { .. } => "unavailable",
            AdapterError::Unreachable { .. } => "unreachable",
            AdapterError::Invalid { .. } => "invalid",
            AdapterError::BadResponse { .. } => "bad_response",
            AdapterError::NotConfigured { .. } => "not_configured",
        }
    }

    /// Shorthand for [`AdapterError::BadResponse`].
    pub fn bad_response(
        vendor: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        AdapterError::BadResponse {
            vendor: vendor.into(),
            field: field.into(),
            message: message.into(),
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
