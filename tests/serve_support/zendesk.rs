//! A Zendesk Support API v2 stand-in on loopback, with state: tickets, their comments and tags,
//! users. deskbot's updates (`PUT /api/v2/tickets/{id}.json`) add comments and tags as Zendesk
//! does, so a second look at the ticket sees them.
//!
//! Shapes follow Zendesk's developer reference (developer.zendesk.com/api-reference):
//! - Tickets › Show Ticket: `{"ticket": {id, requester_id, subject, tags, status, group_id,
//!   email_cc_ids, follower_ids, collaborator_ids, …}}`
//! - Ticket Comments › List Comments: `{"comments": [{id, type, author_id, body, html_body,
//!   plain_body, public, created_at}], "users", "next_page", "previous_page", "count"}`,
//!   `sort_order`; `include=users` sideloads the authors (Side-loading, developer.zendesk.com)
//! - Users › Show User / Show Self: `{"user": {id, email, role, …}}`
//! - Tickets › Update Ticket: `{"ticket": {"comment": {"body" | "html_body", "public"},
//!   "additional_tags", "tags", "group_id", "assignee_id", "status"}}`
//!
//! Failure injection: `fail_reads` answers 503 to that many ticket reads; `down` answers 503 to
//! everything; `update_delay` holds the response to an update *after* recording it (a crash
//! there leaves a posted reply the caller never heard of); `fail_after_update` answers 503 to
//! that many updates *after* recording them (a gateway that gave up on a slow Zendesk).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// deskbot's own agent account in the stand-in.
pub const DESKBOT_USER: u64 = 900;
/// The account a human agent uses.
pub const AGENT_USER: u64 = 901;
/// `{email}/token:{token}` as deskbot must send it.
pub const EMAIL: &str = "deskbot@juniper-oak.example";
pub const TOKEN: &str = "zd-token-0123456789";

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub author_id: u64,
    pub body: String,
    pub public: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Ticket {
    pub id: u64,
    pub requester_id: u64,
    pub subject: String,
    pub tags: Vec<String>,
    pub comments: Vec<Comment>,
    pub group_id: Option<u64>,
    pub assignee_id: Option<u64>,
    pub status: String,
    /// Users CC'd on the ticket's e-mail.
    pub email_cc_ids: Vec<u64>,
    /// Agents following the ticket.
    pub follower_ids: Vec<u64>,
}

#[derive(Default)]
struct Inner {
    tickets: BTreeMap<u64, Ticket>,
    users: BTreeMap<u64, String>,
    next_comment: u64,
    updates: Vec<(u64, Value)>,
}

/// The stand-in's state, shared with the test.
#[derive(Clone, Default)]
pub struct Zendesk {
    inner: Arc<Mutex<Inner>>,
    pub fail_reads: Arc<AtomicUsize>,
    pub fail_after_update: Arc<AtomicUsize>,
    pub down: Arc<AtomicBool>,
    update_delay_ms: Arc<AtomicUsize>,
    /// How long a ticket read takes after taking its snapshot (a vendor's latency).
    read_delay_ms: Arc<AtomicUsize>,
    pub requests: Arc<AtomicUsize>,
}

impl Zendesk {
    pub fn new() -> Self {
        let zendesk = Zendesk::default();
        {
            let mut inner = zendesk.inner.lock().unwrap();
            inner.next_comment = 5_000;
            inner.users.insert(DESKBOT_USER, EMAIL.to_owned());
            inner
                .users
                .insert(AGENT_USER, "agent@juniper-oak.example".to_owned());
        }
        zendesk
    }

    /// A ticket opened by `email` with one public comment `body`; returns the comment's id.
    pub fn open_ticket(&self, id: u64, email: &str, body: &str) -> u64 {
        let mut inner = self.inner.lock().unwrap();
        let requester = 20_000 + id;
        inner.users.insert(requester, email.to_owned());
        inner.next_comment += 1;
        let comment = inner.next_comment;
        inner.tickets.insert(
            id,
            Ticket {
                id,
                requester_id: requester,
                subject: "Help".to_owned(),
                tags: vec![],
                comments: vec![Comment {
                    id: comment,
                    author_id: requester,
                    body: body.to_owned(),
                    public: true,
                }],
                group_id: None,
                assignee_id: None,
                status: "new".to_owned(),
                ..Ticket::default()
            },
        );
        comment
    }

    /// CCs `email` (a new end user) on ticket `id`, as a customer's "reply all" does; returns
    /// the user's id.
    pub fn cc(&self, id: u64, email: &str) -> u64 {
        let mut inner = self.inner.lock().unwrap();
        let user = 30_000 + inner.users.len() as u64;
        inner.users.insert(user, email.to_owned());
        inner.tickets.get_mut(&id).unwrap().email_cc_ids.push(user);
        user
    }

    /// Makes `agent` a follower of ticket `id`.
    pub fn follow(&self, id: u64, agent: u64) {
        let mut inner = self.inner.lock().unwrap();
        inner.tickets.get_mut(&id).unwrap().follower_ids.push(agent);
    }

    /// A public comment by `author` on ticket `id`; returns its id.
    pub fn comment(&self, id: u64, author: u64, body: &str) -> u64 {
        self.add_comment(id, author, body, true)
    }

    /// An internal note by `author` on ticket `id`; returns its id.
    pub fn internal_note(&self, id: u64, author: u64, body: &str) -> u64 {
        self.add_comment(id, author, body, false)
    }

    fn add_comment(&self, id: u64, author: u64, body: &str, public: bool) -> u64 {
        let mut inner = self.inner.lock().unwrap();
        inner.next_comment += 1;
        let comment = inner.next_comment;
        let ticket = inner.tickets.get_mut(&id).expect("ticket exists");
        ticket.comments.push(Comment {
            id: comment,
            author_id: author,
            body: body.to_owned(),
            public,
        });
        comment
    }

    pub fn ticket(&self, id: u64) -> Ticket {
        self.inner.lock().unwrap().tickets[&id].clone()
    }

    /// Comments deskbot posted on ticket `id`, in order: (public, body).
    pub fn posted(&self, id: u64) -> Vec<(bool, String)> {
        self.ticket(id)
            .comments
            .into_iter()
            .filter(|c| c.author_id == DESKBOT_USER)
            .map(|c| (c.public, c.body))
            .collect()
    }

    /// Every update body received, in order.
    pub fn updates(&self) -> Vec<(u64, Value)> {
        self.inner.lock().unwrap().updates.clone()
    }

    /// Ticket reads answer this long after reading the ticket, as a real help desk's latency
    /// does: a window in which two workers could both see a comment unanswered.
    /// Closes ticket `id`, as Zendesk does some days after it is solved: no update is taken
    /// after that.
    pub fn close(&self, id: u64) {
        let mut inner = self.inner.lock().unwrap();
        inner.tickets.get_mut(&id).expect("a ticket").status = "closed".to_owned();
    }

    pub fn set_read_delay(&self, delay: Duration) {
        self.read_delay_ms
            .store(delay.as_millis() as usize, Ordering::SeqCst);
    }

    pub fn set_update_delay(&self, delay: Duration) {
        self.update_delay_ms
            .store(delay.as_millis() as usize, Ordering::SeqCst);
    }

    /// Serves on a fresh loopback port until the runtime ends; returns the base URL.
    pub async fn serve(&self) -> String {
        let app = Router::new()
            .route("/api/v2/users/me.json", get(me))
            .route("/api/v2/users/{file}", get(user))
            .route(
                "/api/v2/tickets/{file}",
                get(show_ticket).put(update_ticket),
            )
            .route("/api/v2/tickets/{id}/comments.json", get(comments))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        format!("http://{address}")
    }

    fn gate(&self, headers: &HeaderMap) -> Option<Response> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Some(unavailable());
        }
        use base64::Engine;
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}/token:{TOKEN}"))
        );
        let presented = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        (presented != expected).then(|| {
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "Couldn't authenticate you"})),
            )
                .into_response()
        })
    }
}

fn user_json(id: u64, email: &str) -> Value {
    let role = if id == DESKBOT_USER || id == AGENT_USER {
        "agent"
    } else {
        "end-user"
    };
    json!({"id": id, "url": format!("https://juniper-oak.zendesk.com/api/v2/users/{id}.json"),
        "name": email.split('@').next().unwrap_or_default(), "email": email, "role": role,
        "active": true, "verified": true, "time_zone": "Eastern Time (US & Canada)"})
}

/// Counts one failure down from `left`; false once none is left.
fn take_one(left: &AtomicUsize) -> bool {
    left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"error": "ServiceUnavailable"})),
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "RecordNotFound", "description": "Not found"})),
    )
        .into_response()
}

fn id_of(file: &str) -> Option<u64> {
    file.strip_suffix(".json")?.parse().ok()
}

async fn me(State(z): State<Zendesk>, headers: HeaderMap) -> Response {
    if let Some(refused) = z.gate(&headers) {
        return refused;
    }
    Json(json!({"user": user_json(DESKBOT_USER, EMAIL)})).into_response()
}

async fn user(State(z): State<Zendesk>, headers: HeaderMap, Path(file): Path<String>) -> Response {
    if let Some(refused) = z.gate(&headers) {
        return refused;
    }
    let inner = z.inner.lock().unwrap();
    match id_of(&file).and_then(|id| inner.users.get(&id).map(|email| (id, email))) {
        Some((id, email)) => Json(json!({"user": user_json(id, email)})).into_response(),
        None => not_found(),
    }
}

fn ticket_json(ticket: &Ticket) -> Value {
    json!({"id": ticket.id, "url": format!("https://juniper-oak.zendesk.com/api/v2/tickets/{}.json", ticket.id),
        "type": "question", "subject": ticket.subject, "raw_subject": ticket.subject,
        "description": ticket.comments.first().map(|c| c.body.clone()).unwrap_or_default(),
        "status": ticket.status, "requester_id": ticket.requester_id, "submitter_id": ticket.requester_id,
        "assignee_id": ticket.assignee_id, "group_id": ticket.group_id, "tags": ticket.tags,
        // With CCs and followers on, `collaborator_ids` lists both.
        "email_cc_ids": ticket.email_cc_ids, "follower_ids": ticket.follower_ids,
        "collaborator_ids": ticket.email_cc_ids.iter().chain(&ticket.follower_ids).collect::<Vec<_>>(),
        "via": {"channel": "email"}, "created_at": "2026-11-20T14:00:00Z", "updated_at": "2026-11-20T14:00:00Z"})
}

async fn show_ticket(
    State(z): State<Zendesk>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    if let Some(refused) = z.gate(&headers) {
        return refused;
    }
    if take_one(&z.fail_reads) {
        return unavailable();
    }
    let response = {
        let inner = z.inner.lock().unwrap();
        match id_of(&file).and_then(|id| inner.tickets.get(&id)) {
            Some(ticket) => Json(json!({"ticket": ticket_json(ticket)})).into_response(),
            None => not_found(),
        }
    };
    let delay = z.read_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    response
}

async fn comments(
    State(z): State<Zendesk>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = z.gate(&headers) {
        return refused;
    }
    let inner = z.inner.lock().unwrap();
    let Some(ticket) = inner.tickets.get(&id) else {
        return not_found();
    };
    let mut list: Vec<Value> = ticket
        .comments
        .iter()
        .map(|c| {
            json!({"id": c.id, "type": "Comment", "author_id": c.author_id, "body": c.body,
                "html_body": format!("<div class=\"zd-comment\"><p>{}</p></div>", c.body),
                "plain_body": c.body, "public": c.public, "attachments": [],
                "via": {"channel": "email"}, "created_at": "2026-11-20T14:00:00Z"})
        })
        .collect();
    if query.get("sort_order").map(String::as_str) == Some("desc") {
        list.reverse();
    }
    let count = list.len();
    // `include=users` sideloads the comments' authors.
    let mut users: Vec<Value> = Vec::new();
    if query.get("include").map(String::as_str) == Some("users") {
        let authors: std::collections::BTreeSet<u64> =
            ticket.comments.iter().map(|c| c.author_id).collect();
        users = authors
            .into_iter()
            .filter_map(|id| inner.users.get(&id).map(|email| user_json(id, email)))
            .collect();
    }
    Json(
        json!({"comments": list, "users": users, "next_page": null, "previous_page": null,
        "count": count}),
    )
    .into_response()
}

async fn update_ticket(
    State(z): State<Zendesk>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = z.gate(&headers) {
        return refused;
    }
    let Some(id) = id_of(&file) else {
        return not_found();
    };
    let response = {
        let mut inner = z.inner.lock().unwrap();
        inner.next_comment += 1;
        let comment_id = inner.next_comment;
        let Some(ticket) = inner.tickets.get_mut(&id) else {
            return not_found();
        };
        if ticket.status == "closed" {
            // Zendesk's answer to any update of a closed ticket (422 RecordInvalid, in the
            // error shape of the API reference's "Errors" section).
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"error": "RecordInvalid", "description": "Record validation errors",
                    "details": {"status": [{"description": "Status: closed prevents ticket update"}]}})),
            )
                .into_response();
        }
        let update = &body["ticket"];
        if let Some(comment) = update.get("comment") {
            let text = comment["body"]
                .as_str()
                .or(comment["html_body"].as_str())
                .unwrap_or_default();
            ticket.comments.push(Comment {
                id: comment_id,
                author_id: DESKBOT_USER,
                body: text.to_owned(),
                public: comment["public"].as_bool().unwrap_or(true),
            });
        }
        if let Some(tags) = update["tags"].as_array() {
            ticket.tags = tags
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
        }
        if let Some(tags) = update["additional_tags"].as_array() {
            for tag in tags.iter().filter_map(Value::as_str) {
                if !ticket.tags.iter().any(|t| t == tag) {
                    ticket.tags.push(tag.to_owned());
                }
            }
        }
        if let Some(group) = update["group_id"].as_u64() {
            ticket.group_id = Some(group);
        }
        if let Some(assignee) = update["assignee_id"].as_u64() {
            ticket.assignee_id = Some(assignee);
        }
        if let Some(status) = update["status"].as_str() {
            ticket.status = status.to_owned();
        }
        let shown = ticket_json(ticket);
        inner.updates.push((id, body.clone()));
        shown
    };
    let delay = z.update_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    if take_one(&z.fail_after_update) {
        return unavailable();
    }
    Json(json!({"ticket": response, "audit": {"events": []}})).into_response()
}
