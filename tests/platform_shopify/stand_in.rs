//! A loopback stand-in for the Shopify GraphQL Admin API: a stateful shop answering the
//! operations deskbot sends, in the documented shape, plus scripted answers for failures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use deskbot::respond::facts::{
    FinancialStatus, FulfillmentStatus, Order, ReturnStatus, TrackingStatus,
};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The Admin API token the stand-in accepts.
pub const TOKEN: &str = "shpat_stand_in_0123456789";
/// Where deskbot posts its GraphQL.
pub const GRAPHQL_PATH: &str = "/admin/api/2025-10/graphql.json";
/// When the stand-in's shop records a cancellation.
pub const CANCELLED_AT: &str = "2026-03-06T10:00:05Z";

/// `extensions` as Shopify sends with every answer.
fn cost() -> Value {
    json!({"cost": {"requestedQueryCost": 847, "actualQueryCost": 12,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1988, "restoreRate": 100.0}}})
}

fn stamp(time: jiff::Timestamp) -> String {
    time.to_string()
}

/// An order as the `DeskbotOrder` fragment returns it.
pub fn render(order: &Order) -> Value {
    let financial = match order.financial_status {
        FinancialStatus::Pending => "PENDING",
        FinancialStatus::Authorized => "AUTHORIZED",
        FinancialStatus::Paid => "PAID",
        FinancialStatus::PartiallyRefunded => "PARTIALLY_REFUNDED",
        FinancialStatus::Refunded => "REFUNDED",
        FinancialStatus::Voided => "VOIDED",
        FinancialStatus::Unknown => "PARTIALLY_PAID",
    };
    let fulfillment = match order.fulfillment_status {
        FulfillmentStatus::Unfulfilled => "UNFULFILLED",
        FulfillmentStatus::InProgress => "IN_PROGRESS",
        FulfillmentStatus::PartiallyFulfilled => "PARTIALLY_FULFILLED",
        FulfillmentStatus::Fulfilled => "FULFILLED",
        FulfillmentStatus::Unknown => "FULFILLMENT_NOT_REQUIRED",
    };
    // Shopify has no "refunded" return: a return that came back on a refunded order.
    let returned = match order.return_status {
        None => "NO_RETURN",
        Some(ReturnStatus::Requested) => "RETURN_REQUESTED",
        Some(ReturnStatus::InProgress) => "IN_PROGRESS",
        Some(ReturnStatus::Received | ReturnStatus::Refunded) => "RETURNED",
    };
    let fulfillments: Vec<Value> = order
        .fulfillments
        .iter()
        .map(|f| {
            let display = match f.platform_status {
                Some(TrackingStatus::Delivered) => "DELIVERED",
                Some(TrackingStatus::InTransit) => "IN_TRANSIT",
                Some(TrackingStatus::OutForDelivery) => "OUT_FOR_DELIVERY",
                Some(TrackingStatus::AttemptedDelivery) => "ATTEMPTED_DELIVERY",
                Some(TrackingStatus::LabelCreated) => "LABEL_PRINTED",
                Some(TrackingStatus::Exception) => "DELAYED",
                _ => "FULFILLED",
            };
            let tracking: Vec<Value> = f
                .tracking_numbers
                .iter()
                .enumerate()
                .map(|(i, number)| {
                    json!({"company": f.carrier, "number": number, "url": f.tracking_urls.get(i)})
                })
                .collect();
            let items: Vec<Value> = f
                .items
                .iter()
                .map(|item| json!({"quantity": item.quantity, "lineItem": {"id": item.line_item_id}}))
                .collect();
            json!({
                "id": f.id,
                "status": "SUCCESS",
                "displayStatus": display,
                "createdAt": f.shipped_at.map(stamp),
                "inTransitAt": null,
                "deliveredAt": null,
                "estimatedDeliveryAt": null,
                "trackingInfo": tracking,
                "fulfillmentLineItems": {"nodes": items},
            })
        })
        .collect();
    let line_items: Vec<Value> = order
        .line_items
        .iter()
        .map(|l| json!({"id": l.id, "title": l.title, "name": l.title, "quantity": l.quantity}))
        .collect();
    json!({
        "id": order.id,
        "name": format!("#{}", order.number),
        "number": order.number.parse::<i64>().expect("numeric order numbers"),
        "email": order.email,
        "createdAt": stamp(order.created_at),
        "cancelledAt": order.cancelled_at.map(stamp),
        "displayFinancialStatus": financial,
        "displayFulfillmentStatus": fulfillment,
        "returnStatus": returned,
        "totalPriceSet": order.total.as_ref().map(|m| json!({"shopMoney": {"amount": m.amount, "currencyCode": m.currency}})),
        "shippingAddress": order.destination.as_ref().map(|d| json!({"city": d.city, "countryCodeV2": d.country, "zip": d.postcode})),
        "shippingLine": order.shipping_method.as_ref().map(|m| json!({"code": m, "title": format!("{m} shipping")})),
        "lineItems": {"nodes": line_items},
        "fulfillments": fulfillments,
    })
}

/// A whole `orders` answer holding `orders`, one page.
pub fn orders_body(orders: &[Order]) -> Value {
    let nodes: Vec<Value> = orders.iter().map(render).collect();
    json!({"data": {"orders": {"nodes": nodes, "pageInfo": {"hasNextPage": false, "endCursor": null}}},
        "extensions": cost()})
}

/// A value from Shopify's search syntax: bare, or quoted with `\` escapes.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::new();
    let mut escaped = false;
    for c in inner.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

/// A shop: its orders as the API returns them, changed by `orderCancel`.
#[derive(Clone, Default)]
pub struct Shop {
    orders: Arc<Mutex<Vec<Value>>>,
    /// `email:` matches any address containing the term, as a tokenised search can.
    loose_email_search: bool,
}

impl Shop {
    /// A shop holding `orders`.
    pub fn new(orders: &[Order]) -> Self {
        Shop {
            orders: Arc::new(Mutex::new(orders.iter().map(render).collect())),
            loose_email_search: false,
        }
    }

    /// Lets `email:` also find addresses that contain the term ("joann@…" for "ann@…"):
    /// Shopify documents its search as tokenised, not exact.
    pub fn with_loose_email_search(mut self) -> Self {
        self.loose_email_search = true;
        self
    }

    /// Serves this shop on a fresh loopback server.
    pub async fn serve(self) -> MockServer {
        serve(self).await
    }

    fn search(&self, variables: &Value) -> Value {
        let search = variables["query"].as_str().unwrap_or_default();
        let (field, value) = search.split_once(':').unwrap_or(("", search));
        let value = unquote(value);
        let value = if field == "name" {
            value.trim_start_matches('#').to_owned()
        } else {
            value
        };
        let orders = self.orders.lock().unwrap();
        let mut found: Vec<&Value> = orders
            .iter()
            .filter(|o| match field {
                "name" => {
                    o["name"]
                        .as_str()
                        .unwrap_or_default()
                        .trim_start_matches('#')
                        == value
                        || o["number"].as_i64().is_some_and(|n| n.to_string() == value)
                }
                "email" => {
                    let stored = o["email"].as_str().unwrap_or_default().trim();
                    let (stored, term) = (
                        stored.to_ascii_lowercase(),
                        value.trim().to_ascii_lowercase(),
                    );
                    if self.loose_email_search {
                        stored.contains(&term)
                    } else {
                        stored == term
                    }
                }
                _ => true,
            })
            .collect();
        // sortKey: CREATED_AT, reverse: true. The times are all in the same format.
        found.sort_by(|a, b| b["createdAt"].as_str().cmp(&a["createdAt"].as_str()));
        let start: usize = variables["after"]
            .as_str()
            .and_then(|c| c.strip_prefix("cursor-"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let first = variables["first"].as_u64().unwrap_or(10) as usize;
        let end = (start + first).min(found.len());
        let page: Vec<Value> = found[start.min(end)..end]
            .iter()
            .map(|o| (*o).clone())
            .collect();
        json!({"orders": {"nodes": page, "pageInfo": {
            "hasNextPage": end < found.len(),
            "endCursor": (end > 0).then(|| format!("cursor-{end}")),
        }}})
    }

    fn cancel(&self, id: &str) -> Value {
        let mut orders = self.orders.lock().unwrap();
        let refuse = |code: &str, message: &str| {
            json!({"orderCancel": {"job": null, "userErrors": [],
                "orderCancelUserErrors": [{"field": ["orderId"], "message": message, "code": code}]}})
        };
        let Some(order) = orders.iter_mut().find(|o| o["id"] == id) else {
            return refuse("NOT_FOUND", "Order does not exist");
        };
        if !order["cancelledAt"].is_null() {
            return refuse("INVALID", "Order has already been cancelled");
        }
        if order["fulfillments"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
        {
            return refuse("INVALID", "Cannot cancel an order with fulfillments");
        }
        order["cancelledAt"] = json!(CANCELLED_AT);
        order["displayFinancialStatus"] = json!("REFUNDED");
        json!({"orderCancel": {"job": {"id": "gid://shopify/Job/1fb9ff6d-d99c-49cf-80c5-6f915f0735ad", "done": false},
            "orderCancelUserErrors": [], "userErrors": []}})
    }
}

/// The operation a request carries (`DeskbotOrders`, `DeskbotOrderCancel`, …).
pub fn operation(request: &Request) -> String {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
    let query = body["query"].as_str().unwrap_or_default();
    query
        .split(['(', '{', ' ', '\n'])
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

/// The variables a request carries.
pub fn variables(request: &Request) -> Value {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
    body["variables"].clone()
}

impl Respond for Shop {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = request.headers.get("x-shopify-access-token");
        if token.is_none_or(|t| t.as_bytes() != TOKEN.as_bytes()) {
            return ResponseTemplate::new(401).set_body_json(json!({
                "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
            }));
        }
        let vars = variables(request);
        let data = match operation(request).as_str() {
            "DeskbotOrders" => self.search(&vars),
            "DeskbotOrder" => {
                let orders = self.orders.lock().unwrap();
                let order = orders.iter().find(|o| o["id"] == vars["id"]).cloned();
                json!({ "order": order })
            }
            "DeskbotOrderCancel" => self.cancel(vars["orderId"].as_str().unwrap_or_default()),
            "DeskbotCheck" => {
                let orders = self.orders.lock().unwrap();
                let first: Vec<Value> = orders
                    .iter()
                    .take(1)
                    .map(|o| json!({"id": o["id"]}))
                    .collect();
                json!({"orders": {"nodes": first}})
            }
            other => {
                return ResponseTemplate::new(200).set_body_json(json!({"errors": [{
                    "message": format!("unknown operation {other:?}"),
                    "extensions": {"code": "undefinedField"}}]}))
            }
        };
        ResponseTemplate::new(200).set_body_json(json!({"data": data, "extensions": cost()}))
    }
}

/// Answers in turn, the last one again and again.
pub struct Script {
    answers: Vec<ResponseTemplate>,
    next: AtomicUsize,
}

impl Script {
    /// These answers, in this order.
    pub fn new(answers: Vec<ResponseTemplate>) -> Self {
        Script {
            answers,
            next: AtomicUsize::new(0),
        }
    }
}

impl Respond for Script {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        self.answers[i.min(self.answers.len() - 1)].clone()
    }
}

/// The shop's reads, but every mutation answers 500.
pub struct FailingWrites(pub Shop);

impl Respond for FailingWrites {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if operation(request) == "DeskbotOrderCancel" {
            ResponseTemplate::new(500).set_body_json(json!({"errors": "Internal Server Error"}))
        } else {
            self.0.respond(request)
        }
    }
}

/// A loopback server answering deskbot's GraphQL with `responder`.
pub async fn serve(responder: impl Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GRAPHQL_PATH))
        .respond_with(responder)
        .mount(&server)
        .await;
    server
}

/// The requests the server received for `op`.
pub async fn requests_for(server: &MockServer, op: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| operation(r) == op)
        .collect()
}

/// The shop's reads, and an `orderCancel` that is accepted but whose job never finishes.
pub struct StuckJob(pub Shop);

impl Respond for StuckJob {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if operation(request) == "DeskbotOrderCancel" {
            ResponseTemplate::new(200).set_body_json(json!({"data": {"orderCancel": {
                "job": {"id": "gid://shopify/Job/stuck", "done": false},
                "orderCancelUserErrors": [], "userErrors": []}}}))
        } else {
            self.0.respond(request)
        }
    }
}
