//! Zendesk Support API v2 bodies → deskbot's [`Ticket`], and deskbot's deliveries → request
//! bodies. Pure functions, tested on the documented examples in `fixtures/`; `mod.rs` fetches.
//!
//! What the mapping decides, and why:
//! - **Author.** A comment's `author_id` equal to the API user's id (`users/me`) is
//!   [`Author::Deskbot`], even when that user is also the requester; equal to the ticket's
//!   `requester_id` is the [`Author::Requester`]; a sideloaded user whose `role` is `agent` or
//!   `admin` is an [`Author::Agent`]; anyone else (a CC, a light agent without a role we know, a
//!   deleted user) is [`Author::Other`].
//! - **Latest public comment.** Among a page's comments with `public: true`, the newest by
//!   `created_at`, then by id (ids grow with time); private notes are never "the latest".
//! - **Closed tickets.** None has a latest comment to answer: Zendesk refuses updates to them.
//! - **A person's ticket.** A comment by an agent (not deskbot) among those read, public or a
//!   note, means a person is on the ticket.
//! - **Outside recipients.** A public comment is e-mailed to the requester and the ticket's
//!   CCs: `email_cc_ids` and `collaborator_ids` (the older name; it lists followers too where
//!   CCs and followers are on) count, less the requester, deskbot, `follower_ids` (agents
//!   only) and users sideloaded as agents or admins.
//! - **Body.** `plain_body` when present (no HTML to strip), else `body`.
//! - **Deliveries.** The [`DeliveryMark`] goes in `additional_tags` of the same `PUT` that adds
//!   the comment, so the mark exists exactly when the comment does. `additional_tags` adds
//!   without replacing the ticket's other tags.

use serde::Deserialize;
use serde_json::{json, Value};

use super::VENDOR;
use crate::adapters::helpdesk::{numeric_id, Author, Comment, DeliveryMark, HandoffNote, Ticket};
use crate::adapters::AdapterError;

/// `GET /api/v2/tickets/{id}.json?include=users`.
#[derive(Debug, Clone, Deserialize)]
pub struct ZdTicketEnvelope {
    /// The ticket.
    pub ticket: ZdTicket,
    /// Sideloaded users (the requester among them).
    #[serde(default)]
    pub users: Vec<ZdUser>,
}

/// A ticket (the fields deskbot reads).
#[derive(Debug, Clone, Deserialize)]
pub struct ZdTicket {
    /// Ticket id.
    pub id: u64,
    /// The requester's user id.
    #[serde(default)]
    pub requester_id: Option<u64>,
    /// Subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `new`, `open`, `pending`, `hold`, `solved` or `closed`.
    #[serde(default)]
    pub status: Option<String>,
    /// Users CC'd on the ticket's e-mail (agents or end users), where CCs and followers are on.
    #[serde(default)]
    pub email_cc_ids: Option<Vec<u64>>,
    /// The older name for CCs: end users CC'd and, where CCs and followers are on, the
    /// followers too.
    #[serde(default)]
    pub collaborator_ids: Option<Vec<u64>>,
    /// Agents following the ticket (never end users).
    #[serde(default)]
    pub follower_ids: Option<Vec<u64>>,
}

/// A user (`users/{id}.json`, `users/me.json`, or sideloaded).
#[derive(Debug, Clone, Deserialize)]
pub struct ZdUser {
    /// User id.
    pub id: u64,
    /// Primary e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// `end-user`, `agent` or `admin`.
    #[serde(default)]
    pub role: Option<String>,
}

/// `GET /api/v2/users/{id}.json` and `users/me.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct ZdUserEnvelope {
    /// The user.
    pub user: ZdUser,
}

/// `GET /api/v2/users/me.json`: the API user, or — when the credentials were not accepted as
/// anyone — Zendesk's anonymous user, whose `id` is `null`.
#[derive(Debug, Clone, Deserialize)]
pub struct ZdSelfEnvelope {
    /// The user.
    pub user: ZdSelf,
}

/// The API user as `users/me` shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct ZdSelf {
    /// `null` for the anonymous user.
    #[serde(default)]
    pub id: Option<u64>,
}

/// deskbot's own user id, or `Unauthenticated` when Zendesk took the call as anonymous.
pub fn own_id(me: &ZdSelfEnvelope) -> Result<u64, AdapterError> {
    me.user.id.ok_or_else(|| AdapterError::Unauthenticated {
        message: format!(
            "{VENDOR} users/me answered as the anonymous user: check the agent e-mail and API token"
        ),
    })
}

/// `GET /api/v2/tickets/{id}/comments.json?include=users` (offset pagination).
#[derive(Debug, Clone, Deserialize)]
pub struct ZdCommentPage {
    /// Comments on this page.
    pub comments: Vec<ZdComment>,
    /// Sideloaded authors.
    #[serde(default)]
    pub users: Vec<ZdUser>,
    /// URL of the next page, `null` on the last.
    #[serde(default)]
    pub next_page: Option<String>,
}

/// A ticket comment.
#[derive(Debug, Clone, Deserialize)]
pub struct ZdComment {
    /// Comment id.
    pub id: u64,
    /// Author's user id.
    #[serde(default)]
    pub author_id: Option<u64>,
    /// Text (may hold Markdown-ish formatting).
    #[serde(default)]
    pub body: Option<String>,
    /// Text without formatting.
    #[serde(default)]
    pub plain_body: Option<String>,
    /// Whether the requester can see it.
    pub public: bool,
    /// When it was written (ISO 8601, UTC).
    #[serde(default)]
    pub created_at: Option<String>,
}

/// Who wrote `comment`.
pub fn author(comment: &ZdComment, requester: Option<u64>, me: u64, users: &[ZdUser]) -> Author {
    let Some(id) = comment.author_id else {
        return Author::Other;
    };
    // deskbot first: a ticket whose requester is deskbot's own agent (one it or a person
    // opened under that account) would otherwise have its replies read as the customer's, and
    // each reply would be answered again.
    if id == me {
        return Author::Deskbot;
    }
    if Some(id) == requester {
        return Author::Requester;
    }
    let role = users
        .iter()
        .find(|u| u.id == id)
        .and_then(|u| u.role.as_deref());
    match role {
        Some("agent" | "admin") => Author::Agent,
        _ => Author::Other,
    }
}

/// The newest public comment of `page`, as deskbot's [`Comment`].
pub fn latest_public(page: &ZdCommentPage, requester: Option<u64>, me: u64) -> Option<Comment> {
    let newest = page.comments.iter().filter(|c| c.public).max_by(|a, b| {
        // RFC 3339 UTC strings of one format order as their times do.
        a.created_at
            .as_deref()
            .unwrap_or("")
            .cmp(b.created_at.as_deref().unwrap_or(""))
            .then(a.id.cmp(&b.id))
    })?;
    Some(Comment {
        id: newest.id.to_string(),
        body: newest
            .plain_body
            .clone()
            .or_else(|| newest.body.clone())
            .unwrap_or_default(),
        author: author(newest, requester, me, &page.users),
        public: true,
    })
}

/// The requester's e-mail from sideloaded `users`, if there.
pub fn requester_email(ticket: &ZdTicket, users: &[ZdUser]) -> Option<String> {
    let id = ticket.requester_id?;
    users
        .iter()
        .find(|u| u.id == id)
        .and_then(|u| u.email.clone())
        .filter(|e| !e.trim().is_empty())
}

/// Whether a comment on `page` is by a person on the shop's team: an author whose sideloaded
/// role is `agent` or `admin`, other than deskbot itself.
pub fn agent_wrote(page: &ZdCommentPage, requester: Option<u64>, me: u64) -> bool {
    page.comments
        .iter()
        .any(|c| author(c, requester, me, &page.users) == Author::Agent)
}

/// How many people a public reply on `raw` reaches besides the requester and the shop's team:
/// the e-mail CCs and collaborators, less the requester, deskbot, the followers (agents all)
/// and anyone the sideloaded `users` show as an agent or admin. A CC whose role is not shown
/// counts: deskbot cannot tell them from an outsider.
pub fn outside_recipients(raw: &ZdTicket, users: &[ZdUser], me: u64) -> usize {
    let followers = raw.follower_ids.as_deref().unwrap_or_default();
    let team = |id: u64| {
        Some(id) == raw.requester_id
            || id == me
            || followers.contains(&id)
            || users
                .iter()
                .any(|u| u.id == id && matches!(u.role.as_deref(), Some("agent" | "admin")))
    };
    let copied = [&raw.email_cc_ids, &raw.collaborator_ids]
        .into_iter()
        .flat_map(|ids| ids.as_deref().unwrap_or_default())
        .copied()
        .filter(|&id| !team(id))
        .collect::<std::collections::BTreeSet<u64>>();
    copied.len()
}

/// deskbot's [`Ticket`]. A closed ticket has no message to answer: Zendesk refuses every
/// update to it (422), and a customer who writes again opens a follow-up ticket, which is
/// answered instead.
pub fn ticket(
    raw: &ZdTicket,
    requester_email: Option<String>,
    latest: Option<Comment>,
    agent_involved: bool,
    outside_recipients: usize,
) -> Ticket {
    let closed = raw
        .status
        .as_deref()
        .is_some_and(|status| status.trim().eq_ignore_ascii_case("closed"));
    Ticket {
        id: raw.id.to_string(),
        requester_email,
        subject: raw.subject.clone().filter(|s| !s.trim().is_empty()),
        latest_comment: latest.filter(|_| !closed),
        tags: raw.tags.clone(),
        agent_involved,
        outside_recipients,
    }
}

/// The `PUT tickets/{id}.json` body of a public reply, its mark in the same update.
pub fn reply_body(body: &str, mark: &DeliveryMark) -> Value {
    json!({
        "ticket": {
            "comment": { "body": body, "public": true },
            "additional_tags": [mark.as_str()],
        }
    })
}

/// The `PUT tickets/{id}.json` body of a handoff: a private note, tags and the mark, routing,
/// and `note.status` (else `default_status`). Group and assignee must be numeric ids.
pub fn handoff_body(
    note: &HandoffNote,
    mark: &DeliveryMark,
    default_status: Option<&str>,
) -> Result<Value, AdapterError> {
    let mut tags: Vec<&str> = note.tags.iter().map(String::as_str).collect();
    tags.push(mark.as_str());
    let mut ticket = json!({
        "comment": { "body": note.internal_note, "public": false },
        "additional_tags": tags,
    });
    if let Some(group) = &note.group {
        ticket["group_id"] = json!(numeric_id(VENDOR, "group", group)?);
    }
    if let Some(assignee) = &note.assignee {
        ticket["assignee_id"] = json!(numeric_id(VENDOR, "assignee", assignee)?);
    }
    if let Some(status) = note.status.as_deref().or(default_status) {
        if !STATUSES.contains(&status) {
            return Err(AdapterError::Invalid {
                message: format!(
                    "{VENDOR}: status {status:?} is not one of {}",
                    STATUSES.join(", ")
                ),
            });
        }
        ticket["status"] = json!(status);
    }
    Ok(json!({ "ticket": ticket }))
}

/// Ticket statuses an API update may set (`closed` is reached only through `solved`).
pub const STATUSES: &[&str] = &["new", "open", "pending", "hold", "solved"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::http::parse_json;

    fn fixture<T: serde::de::DeserializeOwned>(body: &str) -> T {
        parse_json(VENDOR, body.as_bytes()).unwrap()
    }

    fn show() -> ZdTicketEnvelope {
        fixture(include_str!("fixtures/ticket_show.json"))
    }

    fn comments() -> ZdCommentPage {
        fixture(include_str!("fixtures/comments_desc.json"))
    }

    #[test]
    fn a_closed_ticket_has_no_message_to_answer() {
        let latest = latest_public(&comments(), Some(35436), 87193);
        assert!(latest.is_some());
        let mut envelope = show();
        assert_eq!(envelope.ticket.status.as_deref(), Some("open"));
        let open = ticket(&envelope.ticket, None, latest.clone(), false, 0);
        assert_eq!(open.latest_comment, latest);
        for status in ["closed", "Closed"] {
            envelope.ticket.status = Some(status.into());
            assert_eq!(
                ticket(&envelope.ticket, None, latest.clone(), false, 0).latest_comment,
                None
            );
        }
        envelope.ticket.status = Some("solved".into());
        assert_eq!(
            ticket(&envelope.ticket, None, latest.clone(), false, 0).latest_comment,
            latest
        );
    }

    #[test]
    fn the_documented_ticket_reads_with_its_requester() {
        let envelope = show();
        let email = requester_email(&envelope.ticket, &envelope.users);
        let ticket = ticket(&envelope.ticket, email, None, false, 0);
        assert_eq!(ticket.id, "35436");
        assert_eq!(
            ticket.requester_email.as_deref(),
            Some("johnny@example.com")
        );
        assert_eq!(
            ticket.subject.as_deref(),
            Some("Help, my printer is on fire!")
        );
        assert_eq!(ticket.tags, ["enterprise", "other_tag"]);
    }

    #[test]
    fn the_latest_public_comment_skips_private_notes() {
        let envelope = show();
        let latest = latest_public(&comments(), envelope.ticket.requester_id, 87193).unwrap();
        assert_eq!(latest.id, "1274");
        assert_eq!(latest.body, "Thanks for your help!");
        assert_eq!(latest.author, Author::Requester);
        assert!(latest.public);
    }

    #[test]
    fn authors_are_told_apart() {
        let page = comments();
        let by = |author_id: Option<u64>| {
            let mut comment = page.comments[0].clone();
            comment.author_id = author_id;
            author(&comment, Some(20978392), 87193, &page.users)
        };
        assert_eq!(by(Some(20978392)), Author::Requester);
        assert_eq!(by(Some(87193)), Author::Deskbot);
        assert_eq!(by(Some(235323)), Author::Agent);
        assert_eq!(by(Some(555)), Author::Other);
        assert_eq!(by(None), Author::Other);
    }

    #[test]
    fn deskbots_own_comment_is_its_own_even_when_it_is_the_requester() {
        // A ticket opened under deskbot's agent account: its replies must not read as the
        // customer's, or each would be answered again.
        let page = comments();
        let mut comment = page.comments[0].clone();
        comment.author_id = Some(87193);
        assert_eq!(
            author(&comment, Some(87193), 87193, &page.users),
            Author::Deskbot
        );
    }

    #[test]
    fn an_agents_comment_public_or_a_note_makes_the_ticket_a_persons() {
        // The documented page: the assignee's private note above the requester's comment.
        let page = comments();
        assert!(agent_wrote(&page, Some(20978392), 87193));
        let mut only_requester = page.clone();
        only_requester.comments.retain(|c| c.public);
        assert!(!agent_wrote(&only_requester, Some(20978392), 87193));
        // deskbot's own notes and replies are not a person's.
        let mut deskbots = page.clone();
        deskbots.comments[0].author_id = Some(87193);
        assert!(!agent_wrote(&deskbots, Some(20978392), 87193));
        // An author whose role is not shown is not known to be an agent.
        let mut unknown = page;
        unknown.users.retain(|u| u.role.as_deref() != Some("agent"));
        assert!(!agent_wrote(&unknown, Some(20978392), 87193));
    }

    #[test]
    fn ccs_outside_the_team_are_counted_and_followers_are_not() {
        let envelope = show();
        let (raw, users) = (&envelope.ticket, &envelope.users);
        // The documented ticket: its collaborators are its followers.
        assert_eq!(outside_recipients(raw, users, 87193), 0);
        let with = |email_ccs: &[u64], collaborators: &[u64]| {
            let mut raw = raw.clone();
            raw.email_cc_ids = Some(email_ccs.to_vec());
            raw.collaborator_ids = Some(collaborators.to_vec());
            outside_recipients(&raw, users, 87193)
        };
        // An end user CC'd, listed under both names, is one person.
        assert_eq!(with(&[555], &[555, 35334]), 1);
        assert_eq!(with(&[555, 556], &[]), 2);
        // The requester, deskbot and the sideloaded agent are not outsiders.
        assert_eq!(with(&[20978392, 87193, 235323], &[234]), 0);
        // Absent or null lists are no CCs.
        let mut bare = raw.clone();
        (bare.email_cc_ids, bare.collaborator_ids, bare.follower_ids) = (None, None, None);
        assert_eq!(outside_recipients(&bare, users, 87193), 0);
        let nulls: ZdTicketEnvelope = fixture(
            r#"{"ticket":{"id":1,"email_cc_ids":null,"collaborator_ids":[7],"follower_ids":null}}"#,
        );
        assert_eq!(outside_recipients(&nulls.ticket, &[], 87193), 1);
    }

    #[test]
    fn a_page_of_private_notes_has_no_latest_public_comment() {
        let mut page = comments();
        page.comments.retain(|c| !c.public);
        assert_eq!(latest_public(&page, Some(1), 2), None);
    }

    #[test]
    fn the_newest_public_comment_wins_whatever_the_order() {
        let mut page = comments();
        let mut newer = page.comments[1].clone();
        newer.id = 1300;
        newer.created_at = Some("2009-07-22T10:00:00Z".into());
        newer.author_id = Some(87193);
        newer.plain_body = None;
        newer.body = Some("We are on it.".into());
        page.comments.push(newer);
        let latest = latest_public(&page, Some(20978392), 87193).unwrap();
        assert_eq!(
            (latest.id.as_str(), latest.body.as_str(), latest.author),
            ("1300", "We are on it.", Author::Deskbot)
        );
    }

    #[test]
    fn the_user_envelope_reads() {
        let me: ZdUserEnvelope = fixture(include_str!("fixtures/user_me.json"));
        assert_eq!(me.user.id, 87193);
        assert_eq!(me.user.role.as_deref(), Some("agent"));
        let me: ZdSelfEnvelope = fixture(include_str!("fixtures/user_me.json"));
        assert_eq!(own_id(&me), Ok(87193));
    }

    #[test]
    fn the_anonymous_user_means_the_credentials_were_not_taken() {
        let me: ZdSelfEnvelope = fixture(include_str!("fixtures/user_me_anonymous.json"));
        assert!(matches!(
            own_id(&me),
            Err(AdapterError::Unauthenticated { .. })
        ));
    }

    #[test]
    fn a_reply_carries_its_mark_in_the_same_update() {
        let mark = DeliveryMark::new("job-7/reply");
        assert_eq!(
            reply_body("Your parcel is on its way.", &mark),
            json!({"ticket": {
                "comment": {"body": "Your parcel is on its way.", "public": true},
                "additional_tags": ["deskbot-done-job-7-reply"],
            }})
        );
    }

    #[test]
    fn a_handoff_is_a_private_note_with_tags_routing_and_status() {
        let mark = DeliveryMark::new("job-7/handoff");
        let mut note = HandoffNote::new("Customer asks for a refund.", vec!["deskbot".into()]);
        note.group = Some("98738".into());
        note.assignee = Some(" 235323 ".into());
        let body = handoff_body(&note, &mark, Some("open")).unwrap();
        assert_eq!(
            body,
            json!({"ticket": {
                "comment": {"body": "Customer asks for a refund.", "public": false},
                "additional_tags": ["deskbot", "deskbot-done-job-7-handoff"],
                "group_id": 98738,
                "assignee_id": 235323,
                "status": "open",
            }})
        );
        note.status = Some("pending".into());
        let body = handoff_body(&note, &mark, Some("open")).unwrap();
        assert_eq!(body["ticket"]["status"], "pending");
        let plain = handoff_body(&HandoffNote::new("n", vec![]), &mark, None).unwrap();
        assert!(plain["ticket"].get("status").is_none());
        assert!(plain["ticket"].get("group_id").is_none());
    }

    #[test]
    fn names_where_ids_belong_and_unknown_statuses_are_refused() {
        let mark = DeliveryMark::new("x");
        let mut note = HandoffNote::new("n", vec![]);
        note.group = Some("support".into());
        let error = handoff_body(&note, &mark, None).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("\"support\" is not a numeric id"),
            "{error}"
        );
        let mut note = HandoffNote::new("n", vec![]);
        note.status = Some("escalated".into());
        assert!(matches!(
            handoff_body(&note, &mark, None),
            Err(AdapterError::Invalid { .. })
        ));
    }

    #[test]
    fn a_ticket_without_an_id_names_the_field() {
        let error =
            parse_json::<ZdTicketEnvelope>(VENDOR, br#"{"ticket":{"subject":"x"}}"#).unwrap_err();
        match error {
            AdapterError::BadResponse { field, message, .. } => {
                assert_eq!(field, "ticket");
                assert!(message.contains("id"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let error =
            parse_json::<ZdTicketEnvelope>(VENDOR, br#"{"ticket":{"id":"x"}}"#).unwrap_err();
        assert!(matches!(error, AdapterError::BadResponse { field, .. } if field == "ticket.id"));
    }
}
