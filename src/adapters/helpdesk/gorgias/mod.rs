//! Gorgias as a help desk, through its REST API (`https://{account}.gorgias.com/api/…`) on the
//! shared HTTP stack.
//!
//! Covered:
//! - the ticket and its messages: `GET /api/tickets/{id}` (the customer's e-mail, the tags, the
//!   messages; the latest public one is the one deskbot answers);
//! - who deskbot is: `GET /api/users/0` (0 = the API user), once per client (also
//!   `deskbot doctor`);
//! - a reply: `POST /api/tickets/{id}/messages`, an e-mail (`channel` `email`, `via` `api`,
//!   `from_agent: true`) from the shop's address to the customer, the [`DeliveryMark`] in the
//!   message's `external_id` — one request, so the mark exists exactly when the message does;
//! - a handoff, in three steps, the marked one last: tags (`POST /api/tickets/{id}/tags` with
//!   `names`), team, assignee and status (`PUT /api/tickets/{id}`), then the internal note
//!   (`channel` `internal-note`) carrying the mark. Tags and routing are safe to repeat, so a
//!   crash before the note repeats them harmlessly and the note is still posted once;
//! - `delivered`: one of the ticket's messages carries the mark as its `external_id`.
//!
//! Docs followed: <https://developers.gorgias.com/reference/the-ticket-object>,
//! `.../the-ticketmessage-object` (`external_id`: "not used by Gorgias, feel free to set it as
//! you wish"), `.../create-ticket-message`, `.../update-ticket`, `.../create-ticket-tags`,
//! `.../get-user` (id 0), <https://developers.gorgias.com/docs/create-a-new-message-in-ticket-via-api>
//! and the 2019-05-13 API change note on `from_agent` (its payload example), rate limits
//! (429 + `Retry-After`). Where the reference is unclear, `fixtures/SOURCES.md` says so.
//!
//! Permissions: a REST API key (Settings → REST API) used with the e-mail of the account it
//! belongs to (HTTP Basic `{email}:{api_key}`), able to read and write tickets. Replies appear
//! as that user, which is how deskbot recognises its own messages.

pub mod mapping;
pub mod webhook;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;
use tokio::sync::OnceCell;

use crate::adapters::helpdesk::{DeliveryMark, HandoffNote, HelpDesk, Ticket};
use crate::adapters::http::{as_folder, parse_base_url, Auth, Call, Clock, HttpClient, HttpConfig};
use crate::adapters::{AdapterError, Secret};
use mapping::{GTicket, GUser, Me};

/// The vendor's short name, in errors and logs.
const VENDOR: &str = "gorgias";

/// A Gorgias account.
#[derive(Debug)]
pub struct Gorgias {
    client: HttpClient,
    email: String,
    /// The API user, asked once.
    me: OnceCell<Me>,
    /// Status set on a handoff whose note names none.
    handoff_status: Option<String>,
}

impl Gorgias {
    /// A client for the API at `base` (`https://{account}.gorgias.com/api`, or a loopback
    /// stand-in), authenticating as `email` with `api_key`.
    pub fn new(
        base: url::Url,
        email: &str,
        api_key: Secret,
        http: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        // Basic auth in clear text would give the key away: https, or a loopback stand-in.
        let mut base = parse_base_url(base.as_str()).map_err(|e| AdapterError::Invalid {
            message: format!("{VENDOR}: {e}"),
        })?;
        base.set_query(None);
        base.set_fragment(None);
        let base = as_folder(base);
        let email = email.trim();
        if email.is_empty() || !email.contains('@') {
            return Err(AdapterError::Invalid {
                message: format!("{VENDOR}: the API user's e-mail is not an address"),
            });
        }
        let auth = Auth::Basic {
            user: email.to_owned(),
            password: api_key,
        };
        Ok(Gorgias {
            client: HttpClient::new(VENDOR, base, auth, http)?,
            email: email.to_owned(),
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

    async fn fetch_me(&self) -> Result<Me, AdapterError> {
        let user: GUser = self
            .client
            .json(&Call::get("users/{id}", "users/0"))
            .await?;
        Ok(Me {
            id: user.id,
            email: user
                .email
                .filter(|e| !e.trim().is_empty())
                .unwrap_or_else(|| self.email.clone()),
        })
    }

    /// The API user, fetched on first use.
    async fn me(&self) -> Result<&Me, AdapterError> {
        self.me.get_or_try_init(|| self.fetch_me()).await
    }

    async fn fetch(&self, id: u64) -> Result<GTicket, AdapterError> {
        self.client
            .json(
                &Call::get("tickets/{id}", format!("tickets/{id}"))
                    .not_found_when(is_gorgias_error),
            )
            .await
    }

    async fn post_message(&self, id: u64, body: serde_json::Value) -> Result<(), AdapterError> {
        let call = Call::post(
            "tickets/{id}/messages",
            format!("tickets/{id}/messages"),
            body,
        );
        let _: serde::de::IgnoredAny = self.client.json(&call).await?;
        Ok(())
    }
}

/// Gorgias's error answers carry an `error` attribute (<https://developers.gorgias.com/reference/errors>).
/// A 404 without it comes from somewhere else (a wrong `base_url`), and must not read as "the
/// ticket was deleted, nothing to answer".
fn is_gorgias_error(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|answer| answer.get("error").is_some())
}

fn ticket_id(ticket: &str) -> Result<u64, AdapterError> {
    super::numeric_ticket_id(VENDOR, ticket)
}

#[async_trait]
impl HelpDesk for Gorgias {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn ticket(&self, ticket: &str) -> Result<Ticket, AdapterError> {
        let raw = self.fetch(ticket_id(ticket)?).await?;
        let me = self.me().await?;
        Ok(mapping::ticket(&raw, me))
    }

    async fn delivered(&self, ticket: &str, mark: &DeliveryMark) -> Result<bool, AdapterError> {
        let raw = self.fetch(ticket_id(ticket)?).await?;
        Ok(mapping::delivered(&raw, mark))
    }

    async fn post_public_reply(
        &self,
        ticket: &str,
        body: &str,
        mark: &DeliveryMark,
    ) -> Result<(), AdapterError> {
        let id = ticket_id(ticket)?;
        let raw = self.fetch(id).await?;
        let me = self.me().await?;
        let message = mapping::reply_body(&raw, me, body, mark)?;
        self.post_message(id, message).await
    }

    async fn hand_off(
        &self,
        ticket: &str,
        note: &HandoffNote,
        mark: &DeliveryMark,
    ) -> Result<(), AdapterError> {
        let id = ticket_id(ticket)?;
        // Checked before anything is written: a bad id in the config changes nothing.
        let routing = mapping::routing_body(
            note.group.as_deref(),
            note.assignee.as_deref(),
            note.status.as_deref().or(self.handoff_status.as_deref()),
        )?;
        let me = self.me().await?.clone();
        if !note.tags.is_empty() {
            // Adding a tag a ticket already has changes nothing: safe to retry.
            let call = Call::post(
                "tickets/{id}/tags",
                format!("tickets/{id}/tags"),
                json!({ "names": note.tags }),
            )
            .idempotent();
            self.client.send(&call).await?;
        }
        if let Some(routing) = routing {
            // Setting the same team, assignee and status again changes nothing.
            let call =
                Call::put("tickets/{id} update", format!("tickets/{id}"), routing).idempotent();
            self.client.send(&call).await?;
        }
        self.post_message(id, mapping::note_body(&me, &note.internal_note, mark))
            .await
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        // Not cached: doctor wants a live answer.
        let me = self.fetch_me().await?;
        let _ = self.me.set(me);
        Ok(())
    }
}
