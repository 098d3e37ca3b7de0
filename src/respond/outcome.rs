//! What deskbot does with a message: reply or hand off, with every fact gathered, and how an
//! outcome is put on a help-desk ticket.

use serde::Serialize;

use crate::adapters::helpdesk::DeliveryMark;
use crate::adapters::{AdapterError, HandoffNote, HelpDesk};
use crate::classify::intent::Intent;
use crate::respond::facts::Order;
use crate::respond::policy::Policy;
use crate::respond::scripts::{HandoffReason, Shipment};
use jiff::Timestamp;

/// Who wrote the message, as far as the channel knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customer {
    /// The sender's e-mail address, if the channel provides one. When set, an order number in the
    /// message must belong to this address before its facts are shared.
    pub email: Option<String>,
}

/// Every fact gathered while handling one message.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    /// What the message itself said.
    pub order_numbers_in_message: Vec<String>,
    /// Tracking numbers in the message.
    pub tracking_numbers_in_message: Vec<String>,
    /// The e-mail used to look orders up.
    pub email: Option<String>,
    /// Orders fetched.
    pub orders: Vec<Order>,
    /// The order the reply is about.
    pub order_number: Option<String>,
    /// Its shipments with carrier tracking.
    pub shipments: Vec<Shipment>,
    /// Parcels tracked by number alone, with no order (a tracking number from an unknown
    /// sender): what the carrier says, nothing about an order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parcels: Vec<crate::respond::facts::Tracking>,
}

/// What deskbot does with a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Send this reply.
    Reply {
        /// The reply text.
        text: String,
        /// The intent answered.
        intent: Intent,
        /// Classifier confidence.
        confidence: f64,
        /// `group/name` of the situation.
        situation: String,
        /// Something a person must still do (e.g. cancel the order), if anything.
        follow_up: Option<String>,
        /// The facts the reply rests on.
        facts: Facts,
    },
    /// Hand to a human.
    Handoff {
        /// Why.
        reason: HandoffReason,
        /// The label as classified: an intent, or one of the shop's own.
        intent: crate::classify::label::Label,
        /// Classifier confidence.
        confidence: f64,
        /// An internal note for the person taking over.
        note: String,
        /// Every fact gathered before handing off.
        facts: Facts,
    },
}

impl Outcome {
    /// The reply text, if this is a reply.
    pub fn reply_text(&self) -> Option<&str> {
        match self {
            Outcome::Reply { text, .. } => Some(text),
            Outcome::Handoff { .. } => None,
        }
    }

    /// The handoff reason, if handed off.
    pub fn handoff_reason(&self) -> Option<&HandoffReason> {
        match self {
            Outcome::Reply { .. } => None,
            Outcome::Handoff { reason, .. } => Some(reason),
        }
    }

    /// `group/name` of the reply situation, if a reply.
    pub fn situation(&self) -> Option<&str> {
        match self {
            Outcome::Reply { situation, .. } => Some(situation),
            Outcome::Handoff { .. } => None,
        }
    }

    /// Puts this outcome on a help-desk ticket, at most once per step however often it is
    /// called with the same `key` (a job id): a reply is posted publicly (after an internal note
    /// when a person still has something to do); a handoff becomes an internal note tagged
    /// `deskbot` and `deskbot-<reason>`, routed as `routing` says.
    ///
    /// Each step carries a [`DeliveryMark`] made from `key`; a step whose mark the help desk
    /// already holds (a crash after posting, before recording it) is skipped.
    pub async fn deliver(
        &self,
        desk: &dyn HelpDesk,
        ticket: &str,
        routing: &Routing,
        key: &str,
    ) -> Result<(), AdapterError> {
        let note = |internal_note: String, tag: String| HandoffNote {
            internal_note,
            tags: vec!["deskbot".to_owned(), tag],
            group: routing.group.clone(),
            assignee: routing.assignee.clone(),
            status: routing.status.clone(),
        };
        match self {
            Outcome::Reply {
                text, follow_up, ..
            } => {
                // The person's task goes first, the public reply last: once the reply is on
                // the ticket it is the latest public comment, and a rerun (the reply's call
                // timed out after it went through, or the note's call failed) finds nothing
                // of the customer's to answer and stops; a note meant to follow the reply
                // would never be posted, and the task (cancel the order) would be lost.
                if let Some(task) = follow_up {
                    let mark = DeliveryMark::new(&format!("{key}-follow-up"));
                    if !desk.delivered(ticket, &mark).await? {
                        let internal = format!(
                            "deskbot is replying to the customer (its public reply follows \
                             this note). Still to do: {task}"
                        );
                        desk.hand_off(
                            ticket,
                            &note(internal, "deskbot-follow-up".to_owned()),
                            &mark,
                        )
                        .await?;
                    }
                }
                let mark = DeliveryMark::new(&format!("{key}-reply"));
                if !desk.delivered(ticket, &mark).await? {
                    desk.post_public_reply(ticket, text, &mark).await?;
                }
                Ok(())
            }
            Outcome::Handoff {
                reason, note: text, ..
            } => {
                let mark = DeliveryMark::new(&format!("{key}-handoff"));
                if desk.delivered(ticket, &mark).await? {
                    return Ok(());
                }
                desk.hand_off(
                    ticket,
                    &note(text.clone(), format!("deskbot-{}", reason.tag())),
                    &mark,
                )
                .await
            }
        }
    }
}

/// Where a handoff goes on the help desk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    /// Group.
    pub group: Option<String>,
    /// Agent.
    pub assignee: Option<String>,
    /// Status to set.
    pub status: Option<String>,
}

/// The internal note a person reads when taking over.
pub(crate) fn handoff_note(
    reason: &HandoffReason,
    intent: crate::classify::label::Label,
    confidence: f64,
    facts: &Facts,
    policy: &Policy,
    now: Timestamp,
) -> String {
    let today = policy.local_date(now);
    let mut note = format!(
        "deskbot handed this over: {reason}.\nClassified as {intent} ({:.0}% confident).\n",
        confidence * 100.0
    );
    if let Some(email) = &facts.email {
        note.push_str(&format!("Customer e-mail: {email}\n"));
    }
    if !facts.order_numbers_in_message.is_empty() {
        note.push_str(&format!(
            "Order numbers in the message: #{}\n",
            facts.order_numbers_in_message.join(", #")
        ));
    }
    for order in &facts.orders {
        note.push_str(&format!(
            "Order #{} placed {}: {:?}, {:?}{}; items: {}\n",
            order.number,
            policy.format_date(policy.local_date(order.created_at), today),
            order.financial_status,
            order.fulfillment_status,
            order
                .cancelled_at
                .map(|c| format!(
                    ", cancelled {}",
                    policy.format_date(policy.local_date(c), today)
                ))
                .unwrap_or_default(),
            order.describe_items()
        ));
    }
    for shipment in &facts.shipments {
        let tracking = &shipment.tracking;
        note.push_str(&format!(
            "Shipment {} {}: {}{}\n",
            tracking.carrier.display_name(),
            tracking.number,
            tracking.status.describe(),
            tracking
                .latest_event
                .as_ref()
                .map(|e| format!(
                    " (latest: {} {}{})",
                    policy.format_date(policy.local_date(e.time), today),
                    e.description,
                    e.place
                        .as_ref()
                        .map(|p| format!(", {p}"))
                        .unwrap_or_default()
                ))
                .unwrap_or_default()
        ));
    }
    note
}
