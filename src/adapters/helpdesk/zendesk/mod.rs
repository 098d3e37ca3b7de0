//! Zendesk Support as a help desk, through its REST API v2 ([`API_VERSION`]) on the shared HTTP
//! stack.
//!
//! Covered:
//! - the ticket: `GET /api/v2/tickets/{id}.json?include=users` (the requester's e-mail from the
//!   sideloaded users, else `GET /api/v2/users/{requester_id}.json`), and its latest public
//!   comment: `GET /api/v2/tickets/{id}/comments.json?sort_order=desc&include=users`, page by
//!   page until a public one;
//! - who deskbot is: `GET /api/v2/users/me.json`, once per client (also `deskbot doctor`);
//! - a reply: `PUT /api/v2/tickets/{id}.json` with a public comment and the [`DeliveryMark`] in
//!   `additional_tags` — one update, so the mark exists exactly when the comment does;
//! - a handoff: the same `PUT` with a private note, the note's tags and the mark, `group_id`,
//!   `assignee_id` (numeric ids) and a status (the note's, else `handoff_status`);
//! - `delivered`: the ticket's tags hold the mark.
//!
//! A write is not retried after it may have reached Zendesk (a 5xx or a timeout): the worker
//! asks [`HelpDesk::delivered`] before trying again, which is what makes a retry safe. 429s
//! (refused, not acted on) wait for `Retry-After` and are retried.
//!
//! Docs followed: <https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/>
//! (show, update, `additional_tags`), `.../tickets/ticket_comments/` (list comments,
//! `sort_order`, sideloads), `.../users/users/` (show user, show self),
//! <https://developer.zendesk.com/api-reference/introduction/security-and-auth/> (API token:
//! Basic `{email}/token:{token}`), `.../introduction/rate-limits/` (429 + `Retry-After`).
//!
//! Permissions: an API token (Admin Center → Apps and integrations → Zendesk API) used with the
//! e-mail of an **agent** who can see and update the tickets deskbot answers. Replies appear
//! under that agent's name, which is how deskbot recognises its own comments.

pub mod mapping;
pub mod webhook;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OnceCell;

use crate::adapters::helpdesk::{DeliveryMark, HandoffNote, HelpDesk, Ticket};
use crate::adapters::http::{parse_base_url, Auth, Call, Clock, HttpClient, HttpConfig};
use crate::adapters::{AdapterError, Secret};
use mapping::{ZdCommentPage, ZdSelfEnvelope, ZdTicketEnvelope, ZdUserEnvelope};

/// The vendor's short name, in errors and logs.
const VENDOR: &str = "zendesk";

/// The Support API version this adapter speaks (`/api/v2/…`).
pub const API_VERSION: &str = "v2";

/// Comments per page (Zendesk allows up to 100).
const PAGE_SIZE: usize = 100;

/// Pages of comments read looking for a public one: 1 000 private notes in a row is not a
/// conversation deskbot should answer anyway.
const MAX_PAGES: usize = 10;

/// A Zendesk Support account.
#[derive(Debug)]
pub struct Zendesk {
    client: HttpClient,
    /// The API user's id, asked once.
    me: OnceCell<u64>,
    /// Status set on a handoff whose note names none.
    handoff_status: Option<String>,
}

impl Zendesk {
    /// A client for the account at `base` (`https://{subdomain}.zendesk.com`, or a loopback
    /// stand-in), authenticating as `email` with `api_token`.
    pub fn new(
        base: url::Url,
        email: &str,
        api_token: Secret,
        http: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        // Basic auth in clear text would give the token away: https, or a loopback stand-in.
        let mut base = parse_base_url(base.as_str()).map_err(|e| AdapterError::Invalid {
            message: format!("{VENDOR}: {e}"),
        })?;
        base.set_query(None);
        base.set_fragment(None);
        base.set_path("/");
        let email = email.trim();
        if email.is_empty() || !email.contains('@') {
            return Err(AdapterError::Invalid {
                message: format!("{VENDOR}: the agent e-mail is not an address"),
            });
        }
        let auth = Auth::Basic {
            user: format!("{email}/token"),
            password: api_token,
        };
        Ok(Zendesk {
            client: HttpClient::new(VENDOR, base, auth, http)?,
            me: OnceCell::new(),
            handoff_status: None,
        })
    }

    /// The status a handoff sets when its note names none (`[helpdesk] handoff_status`).
    /// Default: none (the status is left as it is).
    pub fn with_handoff_status(mut self, status: Option<String>) -> Self {
        self.handoff_status = status;
        self
    }

    /// Replaces the retry loop's clock (tests use a recording one).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.client = self.client.with_clock(clock);
        self
    }

    /// The API user's id, fetched on first use.
    async fn me(&self) -> Result<u64, AdapterError> {
        self.me
            .get_or_try_init(|| async {
                let call = Call::get("users/me", "api/v2/users/me.json");
                let me: ZdSelfEnvelope = self.client.json(&call).await?;
                mapping::own_id(&me)
            })
            .await
            .copied()
    }

    async fn show(&self, id: u64) -> Result<ZdTicketEnvelope, AdapterError> {
        let call = Call::get("tickets/{id}", format!("api/v2/tickets/{id}.json"))
            .query("include", "users")
            .not_found_when(is_record_not_found);
        self.client.json(&call).await
    }

    async fn update(&self, id: u64, body: serde_json::Value) -> Result<(), AdapterError> {
        let call = Call::put(
            "tickets/{id} update",
            format!("api/v2/tickets/{id}.json"),
            body,
        );
        let _: serde::de::IgnoredAny = self.client.json(&call).await?;
        Ok(())
    }
}

/// Zendesk's 404 for a ticket that does not exist (or no longer does): `{"error":
/// "RecordNotFound", …}`. A 404 without it comes from somewhere else (a wrong `subdomain` or
/// `base_url`), and must not read as "the ticket was deleted, nothing to answer".
fn is_record_not_found(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|error| error.get("error").and_then(|e| e.as_str()) == Some("RecordNotFound"))
}

fn ticket_id(ticket: &str) -> Result<u64, AdapterError> {
    super::numeric_ticket_id(VENDOR, ticket)
}

#[async_trait]
impl HelpDesk for Zendesk {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn ticket(&self, ticket: &str) -> Result<Ticket, AdapterError> {
        let id = ticket_id(ticket)?;
        let envelope = self.show(id).await?;
        let me = self.me().await?;
        let requester = envelope.ticket.requester_id;
        let mut email = mapping::requester_email(&envelope.ticket, &envelope.users);
        if email.is_none() {
            if let Some(requester) = requester {
                let call = Call::get("users/{id}", format!("api/v2/users/{requester}.json"));
                match self.client.json::<ZdUserEnvelope>(&call).await {
                    Ok(user) => email = user.user.email.filter(|e| !e.trim().is_empty()),
                    // A deleted requester: the ticket stands, without an address.
                    Err(AdapterError::NotFound { .. }) => {}
                    Err(error) => return Err(error),
                }
            }
        }
        let mut latest = None;
        let mut agent_involved = false;
        for page in 1..=MAX_PAGES {
            let call = Call::get(
                "tickets/{id}/comments",
                format!("api/v2/tickets/{id}/comments.json"),
            )
            .query("sort_order", "desc")
            .query("include", "users")
            .query("per_page", PAGE_SIZE.to_string())
            .query("page", page.to_string());
            let comments: ZdCommentPage = self.client.json(&call).await?;
            latest = mapping::latest_public(&comments, requester, me);
            agent_involved |= mapping::agent_wrote(&comments, requester, me);
            if latest.is_some() || comments.next_page.is_none() {
                break;
            }
        }
        let outside = mapping::outside_recipients(&envelope.ticket, &envelope.users, me);
        Ok(mapping::ticket(
            &envelope.ticket,
            email,
            latest,
            agent_involved,
            outside,
        ))
    }

    async fn delivered(&self, ticket: &str, mark: &DeliveryMark) -> Result<bool, AdapterError> {
        let envelope = self.show(ticket_id(ticket)?).await?;
        Ok(envelope.ticket.tags.iter().any(|t| t == mark.as_str()))
    }

    async fn post_public_reply(
        &self,
        ticket: &str,
        body: &str,
        mark: &DeliveryMark,
    ) -> Result<(), AdapterError> {
        let id = ticket_id(ticket)?;
        self.update(id, mapping::reply_body(body, mark)).await
    }

    async fn hand_off(
        &self,
        ticket: &str,
        note: &HandoffNote,
        mark: &DeliveryMark,
    ) -> Result<(), AdapterError> {
        let id = ticket_id(ticket)?;
        let body = mapping::handoff_body(note, mark, self.handoff_status.as_deref())?;
        self.update(id, body).await
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        // Not cached: doctor wants a live answer.
        let call = Call::get("users/me", "api/v2/users/me.json");
        let me: ZdSelfEnvelope = self.client.json(&call).await?;
        let _ = self.me.set(mapping::own_id(&me)?);
        Ok(())
    }
}
