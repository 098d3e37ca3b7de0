//! Help desks (Zendesk): where replies are posted and handoffs land.

mod memory;

use async_trait::async_trait;
use serde::Serialize;

pub use memory::{HelpDeskAction, MemoryHelpDesk};

use super::AdapterError;

/// What a human needs when a message is handed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandoffNote {
    /// Internal (not customer-visible) note: why, and every fact gathered.
    pub internal_note: String,
    /// Tags to add, e.g. `deskbot`, `deskbot-no-order-found`.
    pub tags: Vec<String>,
    /// Group to route to, if the shop configured one.
    pub group: Option<String>,
}

/// Posts replies and hands tickets to people.
///
/// Contract (checked by [`crate::adapters::conformance::help_desk`]): both calls answer
/// [`AdapterError::NotFound`] for an unknown ticket and have no effect then.
#[async_trait]
pub trait HelpDesk: Send + Sync {
    /// Short name ("zendesk", "memory").
    fn name(&self) -> &str;

    /// Posts a public reply to the customer on `ticket`.
    async fn post_public_reply(&self, ticket: &str, body: &str) -> Result<(), AdapterError>;

    /// Adds an internal note, tags and routing to `ticket` for a human to take over.
    async fn hand_off(&self, ticket: &str, note: &HandoffNote) -> Result<(), AdapterError>;
}
