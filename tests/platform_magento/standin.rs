//! A loopback Magento 2 REST stand-in for the adapter tests: orders and shipments in the
//! vendor's documented JSON shape (rendered from deskbot facts), the `searchCriteria` searches
//! deskbot sends (`eq`, `like`, `in`; sorted; paged, with Magento's habit of repeating the last
//! page past the end), bearer-token checks, and a stateful `POST orders/{id}/cancel`.
//!
//! Simplifications, on purpose: any order not shipped, cancelled, closed or on hold cancels
//! (real Magento also refuses invoiced orders); a missing resource is not modelled (real
//! Magento answers 401 for it too).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use deskbot::carrier::Carrier;
use deskbot::jiff::Timestamp;
use deskbot::respond::facts::{FinancialStatus, FulfillmentStatus, Order};
use serde_json::{json, Value};
use wiremock::{Request, Respond, ResponseTemplate};

/// The token the stand-in accepts.
pub const TOKEN: &str = "magento-test-token";

/// What the store holds.
#[derive(Debug, Default)]
pub struct Shop {
    /// `sales-data-order-interface` bodies.
    pub orders: Vec<Value>,
    /// `sales-data-shipment-interface` bodies.
    pub shipments: Vec<Value>,
}

/// Magento's time format: UTC, no offset.
pub fn magento_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// A decimal string as the JSON number Magento sends.
fn number(decimal: &str) -> Value {
    serde_json::from_str(decimal).expect("a decimal amount")
}

/// Magento's shipping method code for a demo method code.
fn method_code(method: &str) -> (&str, &str) {
    match method {
        "standard" => ("flatrate_flatrate", "Flat Rate - Fixed"),
        "express" => ("tablerate_bestway", "Best Way - Table Rate"),
        other => (other, other),
    }
}

/// `carrier_code` and `title` of a track for a carrier name as the facts give it.
fn carrier_fields(name: Option<&str>) -> (&'static str, Value) {
    let Some(name) = name else {
        return ("custom", Value::Null);
    };
    let code = match Carrier::from_platform_name(name) {
        Some(Carrier::Usps) => "usps",
        Some(Carrier::Ups) => "ups",
        Some(Carrier::Fedex) => "fedex",
        Some(Carrier::Dhl) => "dhl",
        _ => "custom",
    };
    (code, json!(name))
}

/// The store holding `orders`: each line a configurable product with its child row, shipments
/// pointing at the child rows (as the Adobe tutorial does), the state and totals Magento would
/// keep for each order's facts.
pub fn render(orders: &[Order]) -> Shop {
    let mut shop = Shop::default();
    let mut next_item = 1000u64;
    let mut next_shipment = 500u64;
    let mut next_track = 700u64;
    for (index, order) in orders.iter().enumerate() {
        let entity_id = 1 + index as u64;
        let created = magento_time(order.created_at);
        let refunded =
            order.return_status.is_some() || order.financial_status == FinancialStatus::Refunded;
        let mut items = Vec::new();
        let mut child_of: HashMap<&str, u64> = HashMap::new();
        for line in &order.line_items {
            let (parent, child) = (next_item, next_item + 1);
            next_item += 2;
            let shipped: u32 = order
                .fulfillments
                .iter()
                .flat_map(|f| &f.items)
                .filter(|i| i.line_item_id == line.id)
                .map(|i| i.quantity)
                .sum();
            let row = |id: u64, name: String, kind: &str| {
                json!({
                    "item_id": id,
                    "order_id": entity_id,
                    "name": name,
                    "sku": format!("SKU-{parent}"),
                    "product_type": kind,
                    "is_virtual": 0,
                    "created_at": created,
                    "qty_ordered": line.quantity,
                    "qty_shipped": shipped,
                    "qty_canceled": if order.is_cancelled() { line.quantity } else { 0 },
                    "qty_refunded": if refunded { line.quantity } else { 0 },
                })
            };
            items.push(row(parent, line.title.clone(), "configurable"));
            let mut child_row = row(child, format!("{}-M", line.title), "simple");
            child_row["parent_item_id"] = json!(parent);
            items.push(child_row);
            child_of.insert(line.id.as_str(), child);
        }
        let state = if order.is_cancelled() {
            "canceled"
        } else if order.return_status.is_some() {
            "closed"
        } else if order.fulfillment_status == FulfillmentStatus::Fulfilled {
            "complete"
        } else if order.fulfillment_status == FulfillmentStatus::InProgress {
            "holded"
        } else if order.financial_status == FinancialStatus::Pending {
            "new"
        } else {
            "processing"
        };
        let updated = order
            .cancelled_at
            .into_iter()
            .chain(order.fulfillments.iter().filter_map(|f| f.shipped_at))
            .max()
            .unwrap_or(order.created_at);
        let mut body = json!({
            "entity_id": entity_id,
            "increment_id": order.number,
            "customer_email": order.email,
            "customer_is_guest": 1,
            "created_at": created,
            "updated_at": magento_time(updated),
            "state": state,
            "status": if state == "new" { "pending" } else { state },
            "store_id": 1,
            "items": items,
            "status_histories": [],
            "payment": {"method": "checkmo", "account_status": null, "cc_last4": null},
        });
        if let Some(total) = &order.total {
            let grand = number(&total.amount);
            body["grand_total"] = grand.clone();
            body["base_grand_total"] = grand.clone();
            body["order_currency_code"] = json!(total.currency);
            match order.financial_status {
                FinancialStatus::Paid => {
                    body["total_paid"] = grand.clone();
                    body["total_invoiced"] = grand;
                    body["total_due"] = json!(0);
                }
                FinancialStatus::Refunded => {
                    body["total_paid"] = grand.clone();
                    body["total_refunded"] = grand;
                    body["total_due"] = json!(0);
                }
                FinancialStatus::Authorized => body["payment"]["amount_authorized"] = grand,
                _ => body["total_due"] = grand,
            }
        }
        let mut shipping = json!({"address": null, "method": null});
        if let Some(method) = &order.shipping_method {
            let (code, description) = method_code(method);
            shipping["method"] = json!(code);
            body["shipping_description"] = json!(description);
        }
        if let Some(to) = &order.destination {
            shipping["address"] = json!({
                "address_type": "shipping",
                "city": to.city,
                "country_id": to.country,
                "postcode": to.postcode,
                "email": order.email,
                "street": ["1 Main Street"],
            });
        }
        body["extension_attributes"] =
            json!({"shipping_assignments": [{"shipping": shipping, "items": []}]});
        shop.orders.push(body);

        for fulfillment in &order.fulfillments {
            let shipment_id = next_shipment;
            next_shipment += 1;
            let shipped = fulfillment.shipped_at.map(magento_time);
            let (code, title) = carrier_fields(fulfillment.carrier.as_deref());
            let tracks: Vec<Value> = fulfillment
                .tracking_numbers
                .iter()
                .map(|number| {
                    next_track += 1;
                    json!({
                        "entity_id": next_track,
                        "parent_id": shipment_id,
                        "order_id": entity_id,
                        "track_number": number,
                        "carrier_code": code,
                        "title": title,
                        "created_at": shipped,
                        "weight": null,
                        "qty": null,
                        "description": null,
                    })
                })
                .collect();
            let lines: Vec<Value> = fulfillment
                .items
                .iter()
                .map(|item| {
                    json!({
                        "order_item_id": child_of.get(item.line_item_id.as_str()),
                        "qty": item.quantity,
                        "parent_id": shipment_id,
                    })
                })
                .collect();
            shop.shipments.push(json!({
                "entity_id": shipment_id,
                "increment_id": format!("{shipment_id:09}"),
                "order_id": entity_id,
                "created_at": shipped,
                "total_qty": fulfillment.items.iter().map(|i| i.quantity).sum::<u32>(),
                "items": lines,
                "tracks": tracks,
                "comments": [],
                "packages": [],
            }));
        }
    }
    shop
}

/// The stand-in: serves `shop` under `/rest/default/V1/` to callers bearing [`TOKEN`].
#[derive(Debug, Clone)]
pub struct StandIn {
    shop: Arc<Mutex<Shop>>,
}

impl StandIn {
    pub fn new(shop: Shop) -> Self {
        StandIn {
            shop: Arc::new(Mutex::new(shop)),
        }
    }

    /// The order with this increment id, as stored now.
    pub fn order(&self, number: &str) -> Option<Value> {
        let shop = self.shop.lock().unwrap();
        shop.orders
            .iter()
            .find(|o| o["increment_id"] == json!(number))
            .cloned()
    }
}

/// Magento's error body.
fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
}

impl Respond for StandIn {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let authorized = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {TOKEN}"));
        if !authorized {
            return ResponseTemplate::new(401).set_body_json(json!({
                "message": "The consumer isn't authorized to access %resources.",
                "parameters": {"resources": "Magento_Sales::actions_view"}
            }));
        }
        let Some(route) = request.url.path().strip_prefix("/rest/default/V1/") else {
            return error(404, "Request does not match any route.");
        };
        let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let mut shop = self.shop.lock().unwrap();
        match (
            request.method.as_str(),
            route.split('/').collect::<Vec<_>>().as_slice(),
        ) {
            ("GET", ["orders"]) => {
                ResponseTemplate::new(200).set_body_json(search(&shop.orders, &query))
            }
            ("GET", ["shipments"]) => {
                ResponseTemplate::new(200).set_body_json(search(&shop.shipments, &query))
            }
            ("POST", ["orders", id, "cancel"]) => cancel(&mut shop, id),
            _ => error(404, "Request does not match any route."),
        }
    }
}

fn cancel(shop: &mut Shop, id: &str) -> ResponseTemplate {
    let shipped = shop
        .shipments
        .iter()
        .any(|s| text(&s["order_id"]).as_deref() == Some(id));
    let Some(order) = shop
        .orders
        .iter_mut()
        .find(|o| text(&o["entity_id"]).as_deref() == Some(id))
    else {
        return error(
            404,
            "The entity that was requested doesn't exist. Verify the entity and try again.",
        );
    };
    let state = order["state"].as_str().unwrap_or_default();
    if shipped || matches!(state, "canceled" | "complete" | "closed" | "holded") {
        return ResponseTemplate::new(200).set_body_json(false);
    }
    order["state"] = json!("canceled");
    order["status"] = json!("canceled");
    order["updated_at"] = json!(magento_time(Timestamp::now()));
    for item in order["items"].as_array_mut().into_iter().flatten() {
        item["qty_canceled"] = item["qty_ordered"].clone();
    }
    ResponseTemplate::new(200).set_body_json(true)
}

/// A field's value as MySQL compares it.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `eq` under a case-insensitive, trailing-space-insensitive collation.
fn equal(stored: &str, wanted: &str) -> bool {
    stored.trim_end().to_lowercase() == wanted.trim_end().to_lowercase()
}

/// SQL `LIKE` (`%`, `_`), case-insensitive.
fn like(stored: &str, pattern: &str) -> bool {
    fn matches(s: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('%', rest)) => (0..=s.len()).any(|i| matches(&s[i..], rest)),
            Some(('_', rest)) => !s.is_empty() && matches(&s[1..], rest),
            Some((c, rest)) => s.first() == Some(c) && matches(&s[1..], rest),
        }
    }
    let s: Vec<char> = stored.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    matches(&s, &p)
}

/// `GET orders` / `GET shipments`: filter groups ANDed, filters within a group ORed, one sort
/// order, `pageSize`/`currentPage`.
fn search(records: &[Value], query: &HashMap<String, String>) -> Value {
    let mut groups: Vec<Vec<(String, String, String)>> = Vec::new();
    for g in 0.. {
        let mut filters = Vec::new();
        for f in 0.. {
            let key =
                |part: &str| format!("searchCriteria[filter_groups][{g}][filters][{f}][{part}]");
            let Some(field) = query.get(&key("field")) else {
                break;
            };
            let value = query.get(&key("value")).cloned().unwrap_or_default();
            let condition = query
                .get(&key("condition_type"))
                .cloned()
                .unwrap_or_else(|| "eq".to_owned());
            filters.push((field.clone(), value, condition));
        }
        if filters.is_empty() {
            break;
        }
        groups.push(filters);
    }
    let mut found: Vec<&Value> = records
        .iter()
        .filter(|record| {
            groups.iter().all(|group| {
                group.iter().any(|(field, value, condition)| {
                    let Some(stored) = text(&record[field.as_str()]) else {
                        return false;
                    };
                    match condition.as_str() {
                        "eq" => equal(&stored, value),
                        "like" => like(&stored, value),
                        "in" => value.split(',').any(|v| equal(&stored, v)),
                        other => panic!("the stand-in has no condition {other:?}"),
                    }
                })
            })
        })
        .collect();
    if let Some(field) = query.get("searchCriteria[sortOrders][0][field]") {
        let descending = query
            .get("searchCriteria[sortOrders][0][direction]")
            .is_some_and(|d| d.eq_ignore_ascii_case("DESC"));
        found.sort_by_key(|r| text(&r[field.as_str()]).unwrap_or_default());
        if descending {
            found.reverse();
        }
    }
    let total = found.len();
    let page_size: Option<usize> = query
        .get("searchCriteria[pageSize]")
        .and_then(|s| s.parse().ok());
    let current: usize = query
        .get("searchCriteria[currentPage]")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let page: Vec<&Value> = match page_size {
        Some(size) if size > 0 => {
            // Past the last page, Magento answers the last page again.
            let pages = total.div_ceil(size).max(1);
            let page = current.clamp(1, pages);
            found
                .into_iter()
                .skip((page - 1) * size)
                .take(size)
                .collect()
        }
        _ => found,
    };
    json!({
        "items": page,
        "search_criteria": {
            "filter_groups": groups.iter().map(|g| json!({
                "filters": g.iter().map(|(field, value, condition)| json!({
                    "field": field, "value": value, "condition_type": condition
                })).collect::<Vec<_>>()
            })).collect::<Vec<_>>(),
            "page_size": page_size,
            "current_page": current,
        },
        "total_count": total,
    })
}

/// A scripted answer for the first request `when` accepts; later requests go to the store.
pub struct Scripted {
    pub when: fn(&Request) -> bool,
    pub answer: ResponseTemplate,
}

impl Scripted {
    /// For any request.
    pub fn any(answer: ResponseTemplate) -> Self {
        Scripted {
            when: |_| true,
            answer,
        }
    }
}

/// The store behind a script of failures, each used once.
pub struct Flaky {
    script: Mutex<Vec<Scripted>>,
    store: StandIn,
}

impl Flaky {
    pub fn new(store: StandIn, script: Vec<Scripted>) -> Self {
        Flaky {
            script: Mutex::new(script),
            store,
        }
    }
}

impl Respond for Flaky {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut script = self.script.lock().unwrap();
        match script.iter().position(|s| (s.when)(request)) {
            Some(at) => script.remove(at).answer,
            None => self.store.respond(request),
        }
    }
}
