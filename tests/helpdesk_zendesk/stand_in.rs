//! A tiny Zendesk Support API v2 that holds state: tickets (from the documented example), their
//! comments and tags, users. It checks the Basic credentials and the shape of every update, so a
//! reply really adds a comment and its mark, and `delivered` afterwards reads them back.

// Shared by several test binaries, each using part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::{Request, Respond, ResponseTemplate};

/// `Basic base64("bot@acme.example/token:zd-token")`.
pub const AUTHORIZATION: &str = "Basic Ym90QGFjbWUuZXhhbXBsZS90b2tlbjp6ZC10b2tlbg==";
pub const EMAIL: &str = "bot@acme.example";
pub const TOKEN: &str = "zd-token";
/// deskbot's own user id (`users/me`).
pub const ME: u64 = 87193;
/// The documented ticket.
pub const TICKET: &str = "35436";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/src/adapters/helpdesk/zendesk/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[derive(Debug)]
pub struct State {
    /// Ticket JSON by id (tags and status kept in it).
    pub tickets: BTreeMap<u64, Value>,
    /// Comments by ticket, oldest first.
    pub comments: BTreeMap<u64, Vec<Value>>,
    /// Users by id.
    pub users: BTreeMap<u64, Value>,
    /// Whether `tickets/{id}` sideloads users (Zendesk does with `include=users`).
    pub sideload: bool,
    /// Comments per page, at most.
    pub page_size: usize,
    /// Every PUT body, in order.
    pub updates: Vec<Value>,
    next_comment: u64,
}

#[derive(Clone)]
pub struct FakeZendesk(pub Arc<Mutex<State>>);

impl FakeZendesk {
    /// The documented ticket with its documented comments; deskbot is user [`ME`].
    pub fn new() -> Self {
        let show = fixture("ticket_show.json");
        let comments = fixture("comments_desc.json");
        let mut me = fixture("user_me.json")["user"].clone();
        me["id"] = json!(ME);
        me["email"] = json!(EMAIL);
        let mut users: BTreeMap<u64, Value> = show["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["id"].as_u64().unwrap(), u.clone()))
            .collect();
        users.insert(ME, me);
        let mut ticket_comments: Vec<Value> = comments["comments"].as_array().unwrap().clone();
        ticket_comments.sort_by_key(|c| c["id"].as_u64());
        let id = show["ticket"]["id"].as_u64().unwrap();
        FakeZendesk(Arc::new(Mutex::new(State {
            tickets: BTreeMap::from([(id, show["ticket"].clone())]),
            comments: BTreeMap::from([(id, ticket_comments)]),
            users,
            sideload: true,
            page_size: 100,
            updates: Vec::new(),
            next_comment: 2000,
        })))
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    /// Adds `n` private notes by an agent after the existing comments.
    pub fn add_private_notes(&self, ticket: u64, n: usize) {
        let mut state = self.state();
        for _ in 0..n {
            state.next_comment += 1;
            let id = state.next_comment;
            state.comments.get_mut(&ticket).unwrap().push(json!({
                "id": id, "author_id": 235323, "body": "internal", "public": false,
                "created_at": "2009-07-21T10:00:00Z", "type": "Comment"
            }));
        }
    }
}

fn error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": error, "description": description}))
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(fixture("error_not_found.json"))
}

fn query(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl Respond for FakeZendesk {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let authorised = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(AUTHORIZATION);
        if !authorised {
            return error(401, "Couldn't authenticate you", "");
        }
        let path = request.url.path().to_owned();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut state = self.state();
        match (request.method.as_str(), parts.as_slice()) {
            ("GET", ["api", "v2", "users", "me.json"]) => {
                ResponseTemplate::new(200).set_body_json(json!({"user": state.users[&ME]}))
            }
            ("GET", ["api", "v2", "users", file]) => {
                let id = file.trim_end_matches(".json").parse::<u64>().ok();
                match id.and_then(|id| state.users.get(&id)) {
                    Some(user) => ResponseTemplate::new(200).set_body_json(json!({"user": user})),
                    None => not_found(),
                }
            }
            ("GET", ["api", "v2", "tickets", file]) if file.ends_with(".json") => {
                let id = file.trim_end_matches(".json").parse::<u64>().ok();
                let Some(ticket) = id.and_then(|id| state.tickets.get(&id)) else {
                    return not_found();
                };
                let mut body = json!({ "ticket": ticket });
                if state.sideload && query(request, "include").as_deref() == Some("users") {
                    let wanted = [
                        ticket["requester_id"].as_u64(),
                        ticket["assignee_id"].as_u64(),
                    ];
                    body["users"] = state
                        .users
                        .values()
                        .filter(|u| wanted.contains(&u["id"].as_u64()))
                        .cloned()
                        .collect();
                }
                ResponseTemplate::new(200).set_body_json(body)
            }
            ("GET", ["api", "v2", "tickets", id, "comments.json"]) => {
                let Some(comments) = id
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| state.comments.get(&id))
                else {
                    return not_found();
                };
                let mut comments = comments.clone();
                if query(request, "sort_order").as_deref() == Some("desc") {
                    comments.reverse();
                }
                let per_page = query(request, "per_page")
                    .and_then(|p| p.parse::<usize>().ok())
                    .unwrap_or(100)
                    .min(state.page_size);
                let page = query(request, "page")
                    .and_then(|p| p.parse::<usize>().ok())
                    .unwrap_or(1);
                let slice: Vec<Value> = comments
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .cloned()
                    .collect();
                let more = page * per_page < comments.len();
                let authors: Vec<Option<u64>> =
                    slice.iter().map(|c| c["author_id"].as_u64()).collect();
                let users: Vec<Value> = state
                    .users
                    .values()
                    .filter(|u| authors.contains(&u["id"].as_u64()))
                    .cloned()
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({
                    "comments": slice,
                    "users": users,
                    "next_page": if more {
                        json!(format!("https://company.zendesk.com/api/v2/tickets/{id}/comments.json?page={}", page + 1))
                    } else {
                        Value::Null
                    },
                    "previous_page": null,
                    "count": comments.len(),
                }))
            }
            ("PUT", ["api", "v2", "tickets", file]) if file.ends_with(".json") => {
                let Some(id) = file.trim_end_matches(".json").parse::<u64>().ok() else {
                    return not_found();
                };
                if !state.tickets.contains_key(&id) {
                    return not_found();
                }
                let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
                    return error(400, "InvalidJSON", "not JSON");
                };
                state.updates.push(body.clone());
                let update = &body["ticket"];
                if !update.is_object() {
                    return error(422, "RecordInvalid", "ticket is required");
                }
                if let Some(comment) = update.get("comment") {
                    let (Some(text), Some(public)) =
                        (comment["body"].as_str(), comment["public"].as_bool())
                    else {
                        return error(422, "RecordInvalid", "comment needs body and public");
                    };
                    state.next_comment += 1;
                    let comment_id = state.next_comment;
                    state.comments.get_mut(&id).unwrap().push(json!({
                        "id": comment_id, "author_id": ME, "body": text, "plain_body": text,
                        "public": public, "created_at": "2026-11-28T12:00:00Z", "type": "Comment"
                    }));
                }
                let ticket = state.tickets.get_mut(&id).unwrap();
                if let Some(tags) = update.get("additional_tags") {
                    let Some(tags) = tags.as_array() else {
                        return error(422, "RecordInvalid", "additional_tags must be an array");
                    };
                    for tag in tags {
                        let Some(tag) = tag.as_str() else {
                            return error(422, "RecordInvalid", "tags are strings");
                        };
                        let list = ticket["tags"].as_array_mut().unwrap();
                        if !list.iter().any(|t| t == tag) {
                            list.push(json!(tag));
                        }
                    }
                }
                for field in ["group_id", "assignee_id"] {
                    if let Some(value) = update.get(field) {
                        if !value.is_u64() {
                            return error(422, "RecordInvalid", &format!("{field} must be an id"));
                        }
                        ticket[field] = value.clone();
                    }
                }
                if let Some(status) = update.get("status") {
                    ticket["status"] = status.clone();
                }
                ResponseTemplate::new(200).set_body_json(json!({"ticket": ticket, "audit": {}}))
            }
            _ => not_found(),
        }
    }
}
