//! A help desk held in memory: tickets, and a record of what was done to which ticket.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Author, Comment, DeliveryMark, HandoffNote, HelpDesk, Ticket};
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

#[derive(Debug, Default)]
struct State {
    tickets: BTreeMap<String, Ticket>,
    actions: Vec<HelpDeskAction>,
    next_comment: u64,
}

/// Tickets in memory.
#[derive(Debug, Default)]
pub struct MemoryHelpDesk {
    state: Mutex<State>,
}

impl MemoryHelpDesk {
    /// A help desk with these open tickets, each with no comment yet.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(tickets: I) -> Self {
        let desk = MemoryHelpDesk::default();
        for id in tickets {
            let id = id.into();
            desk.state().tickets.insert(
                id.clone(),
                Ticket {
                    id,
                    requester_email: None,
                    subject: None,
                    latest_comment: None,
                    tags: Vec::new(),
                    agent_involved: false,
                    outside_recipients: 0,
                },
            );
        }
        desk
    }

    /// Adds (or replaces) a ticket.
    pub fn with_ticket(self, ticket: Ticket) -> Self {
        self.state().tickets.insert(ticket.id.clone(), ticket);
        self
    }

    /// Everything done so far, in order.
    pub fn actions(&self) -> Vec<HelpDeskAction> {
        self.state().actions.clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn record(
        &self,
        ticket: &str,
        action: HelpDeskAction,
        public: Option<&str>,
        tags: &[String],
        mark: &DeliveryMark,
    ) -> Result<(), AdapterError> {
        let mut state = self.state();
        state.next_comment += 1;
        let id = state.next_comment;
        let Some(found) = state.tickets.get_mut(ticket) else {
            return Err(AdapterError::not_found(format!("ticket {ticket}")));
        };
        // The mark goes in with the delivery, in one step, as on a real help desk.
        found.tags.extend(tags.iter().cloned());
        found.tags.push(mark.as_str().to_owned());
        if let Some(body) = public {
            found.latest_comment = Some(Comment {
                id: format!("c{id}"),
                body: body.to_owned(),
                author: Author::Deskbot,
                public: true,
            });
        }
        state.actions.push(action);
        Ok(())
    }
}

#[async_trait]
impl HelpDesk for MemoryHelpDesk {
    fn name(&self) -> &str {
        "memory"
    }

    async fn ticket(&self, ticket: &str) -> Result<Ticket, AdapterError> {
        self.state()
            .tickets
            .get(ticket)
            .cloned()
            .ok_or_else(|| AdapterError::not_found(format!("ticket {ticket}")))
    }

    async fn delivered(&self, ticket: &str, mark: &DeliveryMark) -> Result<bool, AdapterError> {
        Ok(self
            .ticket(ticket)
            .await?
            .tags
            .iter()
            .any(|t| t == mark.as_str()))
    }

    async fn post_public_reply(
        &self,
        ticket: &str,
        body: &str,
        mark: &DeliveryMark,
    ) -> Result<(), AdapterError> {
        self.record(
            ticket,
            HelpDeskAction::Reply {
                ticket: ticket.to_owned(),
                body: body.to_owned(),
            },
            Some(body),
            &[],
            mark,
        )
    }

    async fn hand_off(
        &self,
        ticket: &str,
        note: &HandoffNote,
        mark: &DeliveryMark,
    ) -> Result<(), AdapterError> {
        self.record(
            ticket,
            HelpDeskAction::Handoff {
                ticket: ticket.to_owned(),
                note: note.clone(),
            },
            None,
            &note.tags,
            mark,
        )
    }
}
