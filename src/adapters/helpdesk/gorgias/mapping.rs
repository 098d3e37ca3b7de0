//! Gorgias REST bodies → deskbot's [`Ticket`], and deskbot's deliveries → request bodies. Pure
//! functions, tested on the documented examples in `fixtures/`; `mod.rs` fetches.
//!
//! What the mapping decides, and why:
//! - **Public.** A message is public unless its channel is `internal-note` or `public` is
//!   `false`.
//! - **Author.** `from_agent: true` and a sender who is the API user (by id, else by e-mail) is
//!   [`Author::Deskbot`]; any other `from_agent: true` is an [`Author::Agent`] (rules and
//!   people alike); `from_agent: false` from the ticket's customer (id, else e-mail) is the
//!   [`Author::Requester`]; anything else (a CC, another customer) is [`Author::Other`].
//! - **A person's ticket.** A message from the shop's side that is not deskbot's and was not
//!   sent by a rule (`via: "rule"`, an automatic acknowledgement, say), public or a note,
//!   means a person is on the ticket. Other integrations count as people: when unsure,
//!   deskbot stays out.
//! - **Latest public message.** The newest public one by `created_datetime`, then id; none on
//!   a ticket marked `spam` or trashed (`trashed_datetime`), which has no customer to answer.
//! - **Body.** `body_text`, else `body_html` as is.
//! - **Deliveries.** The [`DeliveryMark`] is the message's `external_id`, a field Gorgias
//!   documents as free for integrations ("not used by Gorgias, feel free to set it as you
//!   wish"): the mark exists exactly when the message does. `delivered` looks for it among the
//!   ticket's messages.
//! - **Replies** go out by e-mail (`channel` and `source.type` `email`, `via` `api`), from the
//!   address the customer last wrote to (the shop's e-mail integration) and through that
//!   integration, to the customer's address.

use serde::Deserialize;
use serde_json::{json, Value};

use super::VENDOR;
use crate::adapters::helpdesk::{numeric_id, Author, Comment, DeliveryMark, Ticket};
use crate::adapters::AdapterError;

/// `GET /api/tickets/{id}` (the fields deskbot reads).
#[derive(Debug, Clone, Deserialize)]
pub struct GTicket {
    /// Ticket id.
    pub id: u64,
    /// The customer.
    #[serde(default)]
    pub customer: Option<GPerson>,
    /// Subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<GTag>,
    /// Messages, oldest first.
    #[serde(default)]
    pub messages: Vec<GMessage>,
    /// Whether Gorgias (or a person) marked the ticket as spam.
    #[serde(default)]
    pub spam: Option<bool>,
    /// When the ticket was moved to the trash, if it was.
    #[serde(default)]
    pub trashed_datetime: Option<String>,
}

/// A tag on a ticket.
#[derive(Debug, Clone, Deserialize)]
pub struct GTag {
    /// Its name (case-sensitive).
    pub name: String,
}

/// A customer or user as messages and tickets reference them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GPerson {
    /// Id.
    #[serde(default)]
    pub id: Option<u64>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

/// A ticket message.
#[derive(Debug, Clone, Deserialize)]
pub struct GMessage {
    /// Message id.
    pub id: u64,
    /// Free for integrations: deskbot's [`DeliveryMark`] on its own messages.
    #[serde(default)]
    pub external_id: Option<String>,
    /// `false` for internal notes.
    #[serde(default)]
    pub public: Option<bool>,
    /// `email`, `chat`, `internal-note`, …
    #[serde(default)]
    pub channel: Option<String>,
    /// Sent by the shop's side (a user or a rule).
    #[serde(default)]
    pub from_agent: bool,
    /// How it was sent or received: `helpdesk` (a person in Gorgias), `rule`, `api`, `email`, …
    #[serde(default)]
    pub via: Option<String>,
    /// Who sent it.
    #[serde(default)]
    pub sender: Option<GPerson>,
    /// Routing: addresses.
    #[serde(default)]
    pub source: Option<GSource>,
    /// The integration (e-mail account) that received or sent it.
    #[serde(default)]
    pub integration_id: Option<u64>,
    /// Text body.
    #[serde(default)]
    pub body_text: Option<String>,
    /// HTML body.
    #[serde(default)]
    pub body_html: Option<String>,
    /// When it was created (ISO 8601).
    #[serde(default)]
    pub created_datetime: Option<String>,
}

/// A message's routing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GSource {
    /// Sender address.
    #[serde(default)]
    pub from: Option<GAddress>,
    /// Receivers.
    #[serde(default)]
    pub to: Vec<GAddress>,
}

/// A name and address.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GAddress {
    /// Address (an e-mail for the e-mail channel).
    #[serde(default)]
    pub address: Option<String>,
}

/// `GET /api/users/0`: the API user.
#[derive(Debug, Clone, Deserialize)]
pub struct GUser {
    /// User id.
    pub id: u64,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

/// Who deskbot is on this account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    /// The API user's id.
    pub id: u64,
    /// The API user's e-mail (the Basic-auth user name).
    pub email: String,
}

fn same_address(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn is_public(message: &GMessage) -> bool {
    message.channel.as_deref() != Some("internal-note") && message.public != Some(false)
}

/// Who wrote `message` on `ticket`.
pub fn author(message: &GMessage, ticket: &GTicket, me: &Me) -> Author {
    let sender = message.sender.clone().unwrap_or_default();
    let is = |person: &GPerson, id: Option<u64>, email: Option<&str>| match (person.id, id) {
        (Some(a), Some(b)) => a == b,
        _ => matches!((person.email.as_deref(), email), (Some(a), Some(b)) if same_address(a, b)),
    };
    if message.from_agent {
        if is(&sender, Some(me.id), Some(&me.email)) {
            Author::Deskbot
        } else {
            Author::Agent
        }
    } else {
        match &ticket.customer {
            Some(customer) if is(&sender, customer.id, customer.email.as_deref()) => {
                Author::Requester
            }
            _ => Author::Other,
        }
    }
}

/// Whether `raw` is spam or in the trash: nobody there is a customer to answer, and a reply
/// would confirm to a spammer (or whoever forged a sender) that the address is read.
fn discarded(raw: &GTicket) -> bool {
    raw.spam == Some(true)
        || raw
            .trashed_datetime
            .as_deref()
            .is_some_and(|at| !at.trim().is_empty())
}

/// deskbot's [`Ticket`], with the latest public message (none on a spam or trashed ticket).
pub fn ticket(raw: &GTicket, me: &Me) -> Ticket {
    let latest = raw
        .messages
        .iter()
        .filter(|m| is_public(m) && !discarded(raw))
        .max_by(|a, b| {
            // ISO 8601 strings of one format order as their times do.
            a.created_datetime
                .as_deref()
                .unwrap_or("")
                .cmp(b.created_datetime.as_deref().unwrap_or(""))
                .then(a.id.cmp(&b.id))
        })
        .map(|m| Comment {
            id: m.id.to_string(),
            body: m
                .body_text
                .clone()
                .filter(|b| !b.trim().is_empty())
                .or_else(|| m.body_html.clone())
                .unwrap_or_default(),
            author: author(m, raw, me),
            public: true,
        });
    Ticket {
        id: raw.id.to_string(),
        requester_email: raw
            .customer
            .as_ref()
            .and_then(|c| c.email.clone())
            .filter(|e| !e.trim().is_empty()),
        subject: raw.subject.clone().filter(|s| !s.trim().is_empty()),
        latest_comment: latest,
        tags: raw.tags.iter().map(|t| t.name.clone()).collect(),
        agent_involved: raw
            .messages
            .iter()
            .any(|m| author(m, raw, me) == Author::Agent && m.via.as_deref() != Some("rule")),
        // A reply goes to the customer's own address only (see `reply_body`), never to CCs.
        outside_recipients: 0,
    }
}

/// Whether a message on `raw` carries `mark`.
pub fn delivered(raw: &GTicket, mark: &DeliveryMark) -> bool {
    raw.messages
        .iter()
        .any(|m| m.external_id.as_deref() == Some(mark.as_str()))
}

/// The `POST /api/tickets/{id}/messages` body of a public e-mail reply to the customer,
/// carrying `mark` as its `external_id`.
pub fn reply_body(
    raw: &GTicket,
    me: &Me,
    body: &str,
    mark: &DeliveryMark,
) -> Result<Value, AdapterError> {
    let customer = raw
        .customer
        .as_ref()
        .and_then(|c| c.email.as_deref())
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| AdapterError::Invalid {
            message: format!(
                "{VENDOR}: ticket {} has no customer e-mail to reply to",
                raw.id
            ),
        })?;
    // The shop's address: where the customer's latest e-mail went. Only the customer's own:
    // a CC replying to all has the customer (or anyone) first in `to`, and a reply "from" that
    // address would speak in someone else's name.
    let inbound = raw
        .messages
        .iter()
        .filter(|m| {
            m.channel.as_deref() == Some("email") && author(m, raw, me) == Author::Requester
        })
        .max_by_key(|m| (m.created_datetime.clone(), m.id));
    let shop = inbound
        .and_then(|m| m.source.as_ref())
        .and_then(|s| s.to.first())
        .and_then(|a| a.address.as_deref())
        .ok_or_else(|| AdapterError::Invalid {
            message: format!(
                "{VENDOR}: ticket {} has no e-mail from the customer to say which address to \
                 reply from",
                raw.id
            ),
        })?;
    let mut message = json!({
        "channel": "email",
        "via": "api",
        "from_agent": true,
        "external_id": mark.as_str(),
        "body_text": body,
        "sender": { "id": me.id, "email": me.email },
        "receiver": { "email": customer },
        "source": {
            "type": "email",
            "from": { "address": shop },
            "to": [{ "address": customer }],
        },
    });
    if let Some(integration) = inbound.and_then(|m| m.integration_id) {
        message["integration_id"] = json!(integration);
    }
    Ok(message)
}

/// The `POST /api/tickets/{id}/messages` body of an internal note carrying `mark`.
pub fn note_body(me: &Me, note: &str, mark: &DeliveryMark) -> Value {
    json!({
        "channel": "internal-note",
        "via": "api",
        "from_agent": true,
        "external_id": mark.as_str(),
        "body_text": note,
        "sender": { "id": me.id, "email": me.email },
        "source": { "type": "internal-note" },
    })
}

/// The `PUT /api/tickets/{id}` body routing a handoff, or `None` when there is nothing to set.
/// Team and assignee are numeric ids.
pub fn routing_body(
    team: Option<&str>,
    assignee: Option<&str>,
    status: Option<&str>,
) -> Result<Option<Value>, AdapterError> {
    let mut body = serde_json::Map::new();
    if let Some(team) = team {
        body.insert(
            "assignee_team".into(),
            json!({ "id": numeric_id(VENDOR, "team", team)? }),
        );
    }
    if let Some(user) = assignee {
        body.insert(
            "assignee_user".into(),
            json!({ "id": numeric_id(VENDOR, "assignee", user)? }),
        );
    }
    if let Some(status) = status {
        if !STATUSES.contains(&status) {
            return Err(AdapterError::Invalid {
                message: format!(
                    "{VENDOR}: status {status:?} is not one of {}",
                    STATUSES.join(", ")
                ),
            });
        }
        body.insert("status".into(), json!(status));
    }
    Ok((!body.is_empty()).then_some(Value::Object(body)))
}

/// Ticket statuses.
pub const STATUSES: &[&str] = &["open", "closed"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::http::parse_json;

    fn fixture<T: serde::de::DeserializeOwned>(body: &str) -> T {
        parse_json(VENDOR, body.as_bytes()).unwrap()
    }

    fn raw() -> GTicket {
        fixture(include_str!("fixtures/ticket.json"))
    }

    fn me() -> Me {
        Me {
            id: 7,
            email: "deskbot@acme.example".into(),
        }
    }

    #[test]
    fn the_documented_ticket_reads_with_its_latest_public_message() {
        let ticket = ticket(&raw(), &me());
        assert_eq!(ticket.id, "123");
        assert_eq!(ticket.requester_email.as_deref(), Some("john@example.com"));
        assert_eq!(ticket.subject.as_deref(), Some("Where is my order?"));
        assert_eq!(ticket.tags, ["urgent", "shipping"]);
        let latest = ticket.latest_comment.unwrap();
        // The internal note is newer, and not public.
        assert_eq!(latest.id, "1001");
        assert_eq!(latest.author, Author::Requester);
        assert_eq!(latest.body, "Hi, I ordered #1001 a week ago. Where is it?");
    }

    #[test]
    fn a_spam_or_trashed_ticket_has_no_message_to_answer() {
        // The documented ticket, as a spam filter or a person would leave it.
        let mut spam = raw();
        spam.spam = Some(true);
        assert_eq!(ticket(&spam, &me()).latest_comment, None);
        let mut trashed = raw();
        trashed.trashed_datetime = Some("2019-11-16T16:20:00.000000".into());
        assert_eq!(ticket(&trashed, &me()).latest_comment, None);
        let mut kept = raw();
        kept.spam = Some(false);
        kept.trashed_datetime = None;
        assert!(ticket(&kept, &me()).latest_comment.is_some());
    }

    #[test]
    fn a_persons_message_or_note_makes_the_ticket_theirs_and_a_rules_does_not() {
        // The documented ticket: Steve's internal note, written in Gorgias.
        assert!(ticket(&raw(), &me()).agent_involved);
        let mut by_rule = raw();
        by_rule.messages[1].via = Some("rule".into());
        assert!(!ticket(&by_rule, &me()).agent_involved);
        let mut by_deskbot = raw();
        by_deskbot.messages[1].sender = Some(GPerson {
            id: Some(7),
            email: None,
        });
        assert!(!ticket(&by_deskbot, &me()).agent_involved);
        let mut customer_only = raw();
        customer_only.messages.truncate(1);
        assert!(!ticket(&customer_only, &me()).agent_involved);
        // Another integration's message from the shop's side counts, whatever it was.
        let mut integration = raw();
        integration.messages[1].via = Some("api".into());
        assert!(ticket(&integration, &me()).agent_involved);
    }

    #[test]
    fn authors_are_told_apart() {
        let mut ticket = raw();
        let created: GMessage = fixture(include_str!("fixtures/message_created.json"));
        assert_eq!(author(&created, &ticket, &me()), Author::Deskbot);
        let mut by_email = created.clone();
        by_email.sender = Some(GPerson {
            id: None,
            email: Some("DESKBOT@acme.example".into()),
        });
        assert_eq!(author(&by_email, &ticket, &me()), Author::Deskbot);
        assert_eq!(author(&ticket.messages[1], &ticket, &me()), Author::Agent);
        assert_eq!(
            author(&ticket.messages[0], &ticket, &me()),
            Author::Requester
        );
        ticket.customer = Some(GPerson {
            id: Some(1),
            email: None,
        });
        assert_eq!(author(&ticket.messages[0], &ticket, &me()), Author::Other);
    }

    #[test]
    fn delivered_means_a_message_carries_the_mark() {
        let mut ticket = raw();
        let mark = DeliveryMark::new("job-7/reply");
        assert!(!delivered(&ticket, &mark));
        ticket
            .messages
            .push(fixture(include_str!("fixtures/message_created.json")));
        assert!(delivered(&ticket, &mark));
        assert!(!delivered(&ticket, &DeliveryMark::new("job-8/reply")));
        // Our own reply is now the latest public message.
        let latest = super::ticket(&ticket, &me()).latest_comment.unwrap();
        assert_eq!(
            (latest.id.as_str(), latest.author),
            ("1003", Author::Deskbot)
        );
    }

    #[test]
    fn a_reply_goes_by_email_from_the_shop_address_with_its_mark() {
        let mark = DeliveryMark::new("job-7/reply");
        let body = reply_body(&raw(), &me(), "On its way.", &mark).unwrap();
        assert_eq!(
            body,
            json!({
                "channel": "email",
                "via": "api",
                "from_agent": true,
                "external_id": "deskbot-done-job-7-reply",
                "body_text": "On its way.",
                "sender": {"id": 7, "email": "deskbot@acme.example"},
                "receiver": {"email": "john@example.com"},
                "source": {
                    "type": "email",
                    "from": {"address": "support@acme.example"},
                    "to": [{"address": "john@example.com"}],
                },
                "integration_id": 18,
            })
        );
    }

    #[test]
    fn a_reply_goes_from_the_address_the_customer_wrote_to_not_a_ccs() {
        // A CC answers all after the customer (a TicketMessage in the documented shape): its
        // `to` starts with the customer, and its integration is another one.
        let mut ticket = raw();
        let mut cc = ticket.messages[0].clone();
        cc.id = 1004;
        cc.created_datetime = Some("2019-11-16T16:30:00.000000".into());
        cc.sender = Some(GPerson {
            id: Some(5151),
            email: Some("partner@example.net".into()),
        });
        cc.integration_id = Some(99);
        cc.source = Some(GSource {
            from: Some(GAddress {
                address: Some("partner@example.net".into()),
            }),
            to: vec![GAddress {
                address: Some("john@example.com".into()),
            }],
        });
        ticket.messages.push(cc);
        let body = reply_body(&ticket, &me(), "On its way.", &DeliveryMark::new("x")).unwrap();
        assert_eq!(body["source"]["from"]["address"], "support@acme.example");
        assert_eq!(body["integration_id"], 18);
    }

    #[test]
    fn a_reply_without_addresses_is_refused_not_guessed() {
        let mark = DeliveryMark::new("x");
        let mut ticket = raw();
        ticket.customer = None;
        assert!(matches!(
            reply_body(&ticket, &me(), "x", &mark),
            Err(AdapterError::Invalid { .. })
        ));
        let mut ticket = raw();
        ticket.messages.retain(|m| m.from_agent);
        let error = reply_body(&ticket, &me(), "x", &mark).unwrap_err();
        assert!(error.to_string().contains("which address"), "{error}");
    }

    #[test]
    fn a_note_is_internal_and_carries_the_mark() {
        let body = note_body(&me(), "Refund asked.", &DeliveryMark::new("job-7/handoff"));
        assert_eq!(body["channel"], "internal-note");
        assert_eq!(body["external_id"], "deskbot-done-job-7-handoff");
        assert_eq!(body["from_agent"], true);
        assert!(body.get("receiver").is_none());
    }

    #[test]
    fn routing_takes_numeric_ids_and_known_statuses() {
        assert_eq!(routing_body(None, None, None).unwrap(), None);
        assert_eq!(
            routing_body(Some("12"), Some(" 4 "), Some("open")).unwrap(),
            Some(
                json!({"assignee_team": {"id": 12}, "assignee_user": {"id": 4}, "status": "open"})
            )
        );
        assert!(routing_body(Some("support"), None, None).is_err());
        assert!(routing_body(None, None, Some("pending")).is_err());
    }

    #[test]
    fn the_api_user_reads() {
        let user: GUser = fixture(include_str!("fixtures/user_me.json"));
        assert_eq!(user.id, 3924);
        assert_eq!(user.email.as_deref(), Some("steve@company.com"));
    }

    #[test]
    fn a_message_without_an_id_names_the_field() {
        let error = parse_json::<GTicket>(
            VENDOR,
            br#"{"id":1,"messages":[{"id":2},{"from_agent":true}]}"#,
        )
        .unwrap_err();
        match error {
            AdapterError::BadResponse { field, .. } => assert_eq!(field, "messages[1]"),
            other => panic!("{other:?}"),
        }
    }
}
