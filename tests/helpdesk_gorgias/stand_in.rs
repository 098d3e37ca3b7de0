//! A tiny Gorgias REST API that holds state: the documented ticket, its messages and tags, the
//! API user. It checks the Basic credentials and the shape of every message, tag and update, so
//! a reply really adds a message with its `external_id`, and `delivered` reads it back.

// Shared by several test binaries, each using part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::{Request, Respond, ResponseTemplate};

/// `Basic base64("bot@acme.example:gg-key")`.
pub const AUTHORIZATION: &str = "Basic Ym90QGFjbWUuZXhhbXBsZTpnZy1rZXk=";
pub const EMAIL: &str = "bot@acme.example";
pub const KEY: &str = "gg-key";
/// deskbot's user id (`users/0`).
pub const ME: u64 = 7;
/// The documented ticket.
pub const TICKET: &str = "123";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/src/adapters/helpdesk/gorgias/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[derive(Debug)]
pub struct State {
    /// Tickets by id, messages and tags inside.
    pub tickets: BTreeMap<u64, Value>,
    /// The API user.
    pub me: Value,
    /// Every write: (method, path, body).
    pub writes: Vec<(String, String, Value)>,
    next_message: u64,
}

#[derive(Clone)]
pub struct FakeGorgias(pub Arc<Mutex<State>>);

impl FakeGorgias {
    pub fn new() -> Self {
        let ticket = fixture("ticket.json");
        let mut me = fixture("user_me.json");
        me["id"] = json!(ME);
        me["email"] = json!(EMAIL);
        FakeGorgias(Arc::new(Mutex::new(State {
            tickets: BTreeMap::from([(ticket["id"].as_u64().unwrap(), ticket)]),
            me,
            writes: Vec::new(),
            next_message: 5000,
        })))
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    /// A new e-mail ticket `id` from `email` holding one customer message, shaped like the
    /// documented one; returns the message's id.
    pub fn open_ticket(&self, id: u64, email: &str, text: &str) -> u64 {
        let mut ticket = fixture("ticket.json");
        let mut message = ticket["messages"][0].clone();
        let mut state = self.state();
        state.next_message += 1;
        let message_id = state.next_message;
        let customer = 30_000 + id;
        message["id"] = json!(message_id);
        message["ticket_id"] = json!(id);
        message["uri"] = json!(format!("/api/tickets/{id}/messages/{message_id}/"));
        message["sender"] = json!({"id": customer, "email": email, "name": "Customer"});
        message["source"]["from"] = json!({"name": "Customer", "address": email});
        message["body_text"] = json!(text);
        message["body_html"] = json!(format!("<div>{text}</div>"));
        ticket["id"] = json!(id);
        ticket["uri"] = json!(format!("/api/tickets/{id}/"));
        ticket["customer"]["id"] = json!(customer);
        ticket["customer"]["email"] = json!(email);
        ticket["tags"] = json!([]);
        ticket["assignee_team"] = Value::Null;
        ticket["assignee_user"] = Value::Null;
        ticket["messages"] = json!([message]);
        state.tickets.insert(id, ticket);
        message_id
    }

    /// The messages deskbot posted on ticket `id`, in order.
    pub fn posted(&self, id: u64) -> Vec<Value> {
        self.state().tickets[&id]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["sender"]["id"] == ME)
            .cloned()
            .collect()
    }
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": {"msg": message}}))
}

/// Why a message body is not one Gorgias would take, if it is not.
fn invalid_message(body: &Value) -> Option<&'static str> {
    let channel = body["channel"].as_str()?;
    if body["from_agent"].as_bool().is_none() {
        return Some("from_agent is required");
    }
    if body["via"].as_str().is_none() {
        return Some("via is required");
    }
    if body["sender"].get("id").is_none() && body["sender"].get("email").is_none() {
        return Some("sender is required");
    }
    if body["external_id"].as_str().is_some_and(|e| e.len() > 255) {
        return Some("external_id is too long");
    }
    match channel {
        "internal-note" => None,
        "email" => {
            let to = body["source"]["to"].as_array();
            if body["receiver"]["email"].as_str().is_none()
                || body["source"]["from"]["address"].as_str().is_none()
                || to.is_none_or(|to| to.is_empty())
            {
                Some("an e-mail needs a receiver, source.from and source.to")
            } else {
                None
            }
        }
        _ => Some("unsupported channel"),
    }
}

impl Respond for FakeGorgias {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let authorised = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(AUTHORIZATION);
        if !authorised {
            return error(401, "Unauthorized");
        }
        let path = request.url.path().to_owned();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut state = self.state();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let id = parts.get(2).and_then(|p| p.parse::<u64>().ok());
        match (request.method.as_str(), parts.as_slice()) {
            ("GET", ["api", "users", "0"]) => ResponseTemplate::new(200).set_body_json(&state.me),
            ("GET", ["api", "tickets", _]) => match id.and_then(|id| state.tickets.get(&id)) {
                Some(ticket) => ResponseTemplate::new(200).set_body_json(ticket),
                None => error(404, "Resource not found"),
            },
            ("POST", ["api", "tickets", _, "messages"]) => {
                let Some(id) = id.filter(|id| state.tickets.contains_key(id)) else {
                    return error(404, "Resource not found");
                };
                if let Some(problem) = invalid_message(&body) {
                    return error(400, problem);
                }
                state
                    .writes
                    .push(("POST".into(), path.clone(), body.clone()));
                state.next_message += 1;
                let mut message = body.clone();
                message["id"] = json!(state.next_message);
                message["ticket_id"] = json!(id);
                message["public"] = json!(body["channel"] != "internal-note");
                message["sender"] = json!({"id": ME, "email": EMAIL});
                message["created_datetime"] = json!("2026-11-28T12:00:00.000000");
                state.tickets.get_mut(&id).unwrap()["messages"]
                    .as_array_mut()
                    .unwrap()
                    .push(message.clone());
                ResponseTemplate::new(201).set_body_json(message)
            }
            ("POST", ["api", "tickets", _, "tags"]) => {
                let Some(id) = id.filter(|id| state.tickets.contains_key(id)) else {
                    return error(404, "Resource not found");
                };
                let Some(names) = body["names"].as_array() else {
                    return error(400, "names is required");
                };
                let names: Vec<String> = names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect();
                state
                    .writes
                    .push(("POST".into(), path.clone(), body.clone()));
                let tags = state.tickets.get_mut(&id).unwrap()["tags"]
                    .as_array_mut()
                    .unwrap();
                for name in names {
                    if !tags.iter().any(|t| t["name"] == name.as_str()) {
                        tags.push(json!({"name": name}));
                    }
                }
                ResponseTemplate::new(201).set_body_json(json!({"data": tags.clone()}))
            }
            ("PUT", ["api", "tickets", _]) => {
                let Some(id) = id.filter(|id| state.tickets.contains_key(id)) else {
                    return error(404, "Resource not found");
                };
                for field in ["assignee_team", "assignee_user"] {
                    if body.get(field).is_some_and(|v| !v["id"].is_u64()) {
                        return error(400, "assignees are {\"id\": n}");
                    }
                }
                state
                    .writes
                    .push(("PUT".into(), path.clone(), body.clone()));
                let ticket = state.tickets.get_mut(&id).unwrap();
                for field in ["assignee_team", "assignee_user", "status"] {
                    if let Some(value) = body.get(field) {
                        ticket[field] = value.clone();
                    }
                }
                ResponseTemplate::new(200).set_body_json(ticket.clone())
            }
            _ => error(404, "Resource not found"),
        }
    }
}
