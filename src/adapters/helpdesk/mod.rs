//! Help desks (Zendesk, Gorgias): where tickets come from, replies are posted and handoffs land.
//!
//! Exactly once: every delivery carries a [`DeliveryMark`] that the help desk stores with it
//! atomically (a ticket tag in the same update on Zendesk; the message's external id on
//! Gorgias). Before delivering, a worker asks [`HelpDesk::delivered`]; after a crash between
//! "posted" and "recorded as done", the mark is found and nothing is posted twice.
//!
//! Vendors: [`zendesk`] (feature `zendesk`) and [`gorgias`] (feature `gorgias`); their
//! webhooks are verified and read by the pure functions of [`webhook`].

#[cfg(feature = "gorgias")]
pub mod gorgias;
mod memory;
pub mod webhook;
#[cfg(feature = "zendesk")]
pub mod zendesk;

use async_trait::async_trait;
use serde::Serialize;

pub use memory::{HelpDeskAction, MemoryHelpDesk};

use super::AdapterError;

/// A help desk's id given as text (from `deskbot.toml`, a group or assignee, say): digits only.
/// Errors name the vendor, what the id is for, and the text.
#[cfg(any(feature = "zendesk", feature = "gorgias"))]
pub(crate) fn numeric_id(vendor: &str, what: &str, text: &str) -> Result<u64, AdapterError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AdapterError::Invalid {
            message: format!("{vendor}: the {what} {text:?} is not a numeric id"),
        });
    }
    trimmed.parse().map_err(|_| AdapterError::Invalid {
        message: format!("{vendor}: the {what} {text:?} is too large"),
    })
}

/// What a human needs when a message is handed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandoffNote {
    /// Internal (not customer-visible) note: why, and every fact gathered.
    pub internal_note: String,
    /// Tags to add, e.g. `deskbot`, `deskbot-no-order-found`.
    pub tags: Vec<String>,
    /// Group to route to, if the shop configured one.
    pub group: Option<String>,
    /// Agent to assign, if the shop configured one.
    pub assignee: Option<String>,
    /// Status to set (`open`, `pending`, …), if the shop configured one.
    pub status: Option<String>,
}

impl HandoffNote {
    /// A note with tags and nothing routed.
    pub fn new(internal_note: impl Into<String>, tags: Vec<String>) -> Self {
        HandoffNote {
            internal_note: internal_note.into(),
            tags,
            group: None,
            assignee: None,
            status: None,
        }
    }
}

/// Who wrote a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The customer who opened the ticket.
    Requester,
    /// deskbot itself (the account its credentials belong to): never answered.
    Deskbot,
    /// A person on the shop's team.
    Agent,
    /// Anyone else (a CC, a system).
    Other,
}

/// One message on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The help desk's id for it.
    pub id: String,
    /// Its text as the help desk gives it (may be HTML and hold quoted mail).
    pub body: String,
    /// Who wrote it.
    pub author: Author,
    /// Whether the customer can see it.
    pub public: bool,
}

/// A ticket as deskbot needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    /// The help desk's id.
    pub id: String,
    /// The requester's e-mail address: the channel's sender, which proves who is asking.
    pub requester_email: Option<String>,
    /// The subject, if any.
    pub subject: Option<String>,
    /// The latest public comment, whoever wrote it; none when the ticket has no customer to
    /// answer (a Gorgias ticket marked spam or trashed) or cannot be answered (a closed
    /// Zendesk ticket).
    pub latest_comment: Option<Comment>,
    /// Tags on the ticket.
    pub tags: Vec<String>,
    /// Whether a person on the shop's team (not deskbot, not an automatic rule) has written on
    /// the ticket, in public or in a note, among the comments read: the conversation is
    /// theirs, and deskbot leaves it to them.
    pub agent_involved: bool,
    /// How many people besides the requester and the shop's team a public reply would also
    /// reach (Zendesk's e-mail CCs). deskbot cannot tell who they are to the customer, so it
    /// answers no such ticket itself.
    pub outside_recipients: usize,
}

/// Identifies one delivery, so it can be recognised after a crash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DeliveryMark(String);

impl DeliveryMark {
    /// A mark made of letters, digits and dashes only (so it fits a tag or an external id),
    /// from `key` (a job id and the step, say).
    pub fn new(key: &str) -> Self {
        let cleaned: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        DeliveryMark(format!("deskbot-done-{cleaned}"))
    }

    /// The mark's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Reads tickets, posts replies and hands tickets to people.
///
/// Contract (checked by [`crate::adapters::conformance::help_desk`]):
/// - every call answers [`AdapterError::NotFound`] for an unknown ticket and has no effect then;
/// - a delivery with a mark is recorded atomically with its mark, and [`HelpDesk::delivered`]
///   reports it afterwards.
#[async_trait]
pub trait HelpDesk: Send + Sync {
    /// Short name ("zendesk", "memory").
    fn name(&self) -> &str;

    /// The ticket, with its requester and latest public comment.
    async fn ticket(&self, ticket: &str) -> Result<Ticket, AdapterError>;

    /// Whether a delivery with `mark` already reached `ticket`.
    async fn delivered(&self, ticket: &str, mark: &DeliveryMark) -> Result<bool, AdapterError>;

    /// Posts a public reply to the customer on `ticket`, recorded with `mark`.
    async fn post_public_reply(
        &self,
        ticket: &str,
        body: &str,
        mark: &DeliveryMark,
    ) -> Result<(), AdapterError>;

    /// Adds an internal note, tags and routing to `ticket` for a human, recorded with `mark`.
    async fn hand_off(
        &self,
        ticket: &str,
        note: &HandoffNote,
        mark: &DeliveryMark,
    ) -> Result<(), AdapterError>;

    /// One cheap authenticated call, for `deskbot doctor`.
    async fn check_connection(&self) -> Result<(), AdapterError> {
        Ok(())
    }
}

/// A ticket id as Zendesk and Gorgias have them (digits); anything else names no ticket of
/// `vendor`'s, and is `NotFound` without a call.
#[cfg(any(feature = "zendesk", feature = "gorgias"))]
fn numeric_ticket_id(vendor: &str, ticket: &str) -> Result<u64, AdapterError> {
    let trimmed = ticket.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(id) = trimmed.parse() {
            return Ok(id);
        }
    }
    Err(AdapterError::not_found(format!(
        "{vendor} ticket {ticket:?}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(feature = "zendesk", feature = "gorgias"))]
    #[test]
    fn only_digits_name_a_ticket() {
        assert_eq!(numeric_ticket_id("zendesk", " 42 ").unwrap(), 42);
        for not_an_id in [
            "",
            " ",
            "-1",
            "4 2",
            "42/../1",
            "0x2a",
            "99999999999999999999999",
        ] {
            let error = numeric_ticket_id("zendesk", not_an_id).unwrap_err();
            assert_eq!(error.kind(), "not_found", "{not_an_id:?}");
            assert!(error.to_string().contains("zendesk"), "{error}");
        }
    }

    #[test]
    fn marks_fit_in_a_tag() {
        let mark = DeliveryMark::new("Job 42/reply");
        assert_eq!(mark.as_str(), "deskbot-done-job-42-reply");
    }
}
