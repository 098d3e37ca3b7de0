//! A help desk held in memory that records what was done to which ticket.

use std::collections::HashSet;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{HandoffNote, HelpDesk};
use crate::adapters::AdapterError;

/// One thing done to a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpDeskAction {
    /// A public reply.
    Reply {
        /// Ticket.
        ticket: String,
        /// Body.
        body: String,
    },
    /// A handoff.
    Handoff {
        /// Ticket.
        ticket: String,
        /// The note.
        note: HandoffNote,
    },
}

/// Tickets in memory.
#[derive(Debug, Default)]
pub struct MemoryHelpDesk {
    tickets: HashSet<String>,
    actions: Mutex<Vec<HelpDeskAction>>,
}

impl MemoryHelpDesk {
    /// A help desk with these open tickets.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(tickets: I) -> Self {
        MemoryHelpDesk {
            tickets: tickets.into_iter().map(Into::into).collect(),
            actions: Mutex::new(Vec::new()),
        }
    }

    /// Everything done so far, in order.
    pub fn actions(&self) -> Vec<HelpDeskAction> {
        self.actions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn record(&self, ticket: &str, action: HelpDeskAction) -> Result<(), AdapterError> {
        if !self.tickets.contains(ticket) {
            return Err(AdapterError::not_found(format!("ticket {ticket}")));
        }
        self.actions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(action);
        Ok(())
    }
}

#[async_trait]
impl HelpDesk for MemoryHelpDesk {
    fn name(&self) -> &str {
        "memory"
    }

    async fn post_public_reply(&self, ticket: &str, body: &str) -> Result<(), AdapterError> {
        self.record(
            ticket,
            HelpDeskAction::Reply {
                ticket: ticket.to_owned(),
                body: body.to_owned(),
            },
        )
    }

    async fn hand_off(&self, ticket: &str, note: &HandoffNote) -> Result<(), AdapterError> {
        self.record(
            ticket,
            HelpDeskAction::Handoff {
                ticket: ticket.to_owned(),
                note: note.clone(),
            },
        )
    }
}
