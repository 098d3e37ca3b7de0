//! A loopback stand-in for BigCommerce's v2 Orders API: order facts rendered into the
//! documented JSON shapes (`reference/orders.v2.oas2.yml` in github.com/bigcommerce/api-specs)
//! and served statefully, so a cancel sticks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deskbot::adapters::http::{HttpConfig, RecordingClock, RetryConfig};
use deskbot::adapters::platforms::bigcommerce::BigCommerce;
use deskbot::adapters::Secret;

use deskbot::respond::facts::{FinancialStatus, FulfillmentStatus, Order, ReturnStatus};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The store hash in every path.
pub const STORE: &str = "abc123";
/// The access token the stand-in accepts.
pub const TOKEN: &str = "bc-test-token";

/// A time as BigCommerce writes it: `Tue, 05 Mar 2019 21:32:05 +0000`.
pub fn rfc2822(time: Timestamp) -> String {
    time.to_zoned(TimeZone::UTC)
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

/// BigCommerce's integer id for a line item: its position, under the order number.
fn line_id(order: &Order, line_item_id: &str) -> u64 {
    let position = order
        .line_items
        .iter()
        .position(|l| l.id == line_item_id)
        .expect("fulfilled items are order lines");
    order_id(order) * 100 + position as u64 + 1
}

fn order_id(order: &Order) -> u64 {
    order
        .number
        .parse()
        .expect("stand-in orders have numeric numbers")
}

/// `"128.00"` → `"128.0000"`, as v2 writes amounts.
fn amount(value: &str) -> String {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    format!("{whole}.{fraction:0<4}")
}

/// `GET orders/{id}` (and one element of `GET orders`).
pub fn order_json(order: &Order) -> Value {
    let id = order_id(order);
    let status_id = if order.is_cancelled() {
        5
    } else if order.financial_status == FinancialStatus::Refunded {
        4
    } else {
        match (order.fulfillment_status, order.financial_status) {
            (FulfillmentStatus::Fulfilled, _) => 2,
            (FulfillmentStatus::PartiallyFulfilled, _) => 3,
            (FulfillmentStatus::InProgress, _) => 9,
            (_, FinancialStatus::Pending) => 7,
            _ => 11,
        }
    };
    let payment_status = match order.financial_status {
        FinancialStatus::Paid => "captured",
        FinancialStatus::Authorized => "authorized",
        FinancialStatus::Pending => "pending",
        FinancialStatus::PartiallyRefunded => "partially refunded",
        FinancialStatus::Refunded => "refunded",
        FinancialStatus::Voided => "void",
        FinancialStatus::Unknown => "",
    };
    let ordered: u32 = order.line_items.iter().map(|l| l.quantity).sum();
    let shipped: u32 = order
        .fulfillments
        .iter()
        .flat_map(|f| &f.items)
        .map(|i| i.quantity)
        .sum();
    let (total, currency) = order
        .total
        .as_ref()
        .map_or(("0.0000".to_owned(), "USD".to_owned()), |m| {
            (amount(&m.amount), m.currency.clone())
        });
    json!({
        "id": id,
        "customer_id": 0,
        "date_created": rfc2822(order.created_at),
        // BigCommerce keeps no cancellation time; the last change is the cancellation.
        "date_modified": rfc2822(order.cancelled_at.unwrap_or(order.created_at)),
        "date_shipped": order.fulfillments.iter().filter_map(|f| f.shipped_at).min().map(rfc2822).unwrap_or_default(),
        "status_id": status_id,
        "status": "",
        "total_ex_tax": total,
        "total_inc_tax": total,
        "items_total": ordered,
        "items_shipped": shipped,
        "payment_method": "Credit Card",
        "payment_provider_id": null,
        "payment_status": payment_status,
        "currency_code": currency,
        "default_currency_code": currency,
        "external_source": null,
        "billing_address": {
            "first_name": "Pat",
            "last_name": "Doe",
            "city": "",
            "zip": "",
            "country_iso2": "",
            "email": order.email,
            "form_fields": []
        },
        "products": {
            "url": format!("https://api.bigcommerce.com/stores/{STORE}/v2/orders/{id}/products"),
            "resource": format!("/orders/{id}/products")
        }
    })
}

/// `GET orders/{id}/products`.
pub fn products_json(order: &Order) -> Vec<Value> {
    let refunded = order.return_status == Some(ReturnStatus::Refunded);
    order
        .line_items
        .iter()
        .map(|line| {
            let shipped: u32 = order
                .fulfillments
                .iter()
                .flat_map(|f| &f.items)
                .filter(|i| i.line_item_id == line.id)
                .map(|i| i.quantity)
                .sum();
            json!({
                "id": line_id(order, &line.id),
                "order_id": order_id(order),
                "product_id": 0,
                "name": line.title,
                "type": "physical",
                "quantity": line.quantity,
                "quantity_shipped": shipped,
                "is_refunded": refunded,
                "quantity_refunded": if refunded { line.quantity } else { 0 },
                // A line on a return names it; the demo's returns are whole orders.
                "return_id": if order.return_status.is_some() { 1 } else { 0 },
                "event_name": null,
                "parent_order_product_id": null
            })
        })
        .collect()
}

/// `GET orders/{id}/shipping_addresses`.
pub fn addresses_json(order: &Order) -> Vec<Value> {
    if order.destination.is_none() && order.shipping_method.is_none() {
        return Vec::new();
    }
    let destination = order.destination.as_ref();
    vec![json!({
        "id": 1,
        "order_id": order_id(order),
        "city": destination.map_or("", |d| d.city.as_str()),
        "zip": destination.and_then(|d| d.postcode.as_deref()).unwrap_or(""),
        "country_iso2": destination.map_or("", |d| d.country.as_str()),
        "email": order.email,
        "shipping_method": order.shipping_method.as_deref().unwrap_or(""),
        "items_total": order.line_items.iter().map(|l| l.quantity).sum::<u32>()
    })]
}

/// `GET orders/{id}/shipments`: one per fulfillment. The carrier's name goes where v2 shows
/// a name (`shipping_provider_display_name`); the module code is set for the carriers that
/// have one. A platform-side delivery status has no field in v2 and is dropped.
pub fn shipments_json(order: &Order) -> Vec<Value> {
    order
        .fulfillments
        .iter()
        .enumerate()
        .map(|(j, fulfillment)| {
            let carrier = fulfillment.carrier.as_deref().unwrap_or("");
            let provider = match carrier.to_ascii_lowercase().as_str() {
                code @ ("usps" | "ups" | "fedex") => code.to_owned(),
                _ => String::new(),
            };
            json!({
                "id": order_id(order) * 10 + j as u64 + 1,
                "order_id": order_id(order),
                "order_address_id": 1,
                "date_created": fulfillment.shipped_at.map(rfc2822).unwrap_or_default(),
                "tracking_number": fulfillment.tracking_numbers.join(", "),
                "shipping_method": order.shipping_method.as_deref().unwrap_or(""),
                "shipping_provider": provider,
                "tracking_carrier": "",
                "shipping_provider_display_name": carrier,
                "tracking_link": fulfillment.tracking_urls.first().cloned().unwrap_or_default(),
                "generated_tracking_link": "",
                "comments": "",
                "items": fulfillment.items.iter().map(|item| json!({
                    "order_product_id": line_id(order, &item.line_item_id),
                    "product_id": 0,
                    "quantity": item.quantity
                })).collect::<Vec<_>>()
            })
        })
        .collect()
}

/// The stand-in's state: the orders, and the time its clock stamps a cancellation with.
#[derive(Clone)]
pub struct StandIn {
    pub orders: Arc<Mutex<Vec<Order>>>,
    pub now: Timestamp,
}

fn json_answer(body: impl serde::Serialize) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// A collection: 204 and no body when empty, as v2 answers.
fn collection(items: Vec<Value>) -> ResponseTemplate {
    if items.is_empty() {
        ResponseTemplate::new(204)
    } else {
        json_answer(items)
    }
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!([
        {"status": 404, "message": "The requested resource was not found."}
    ]))
}

fn query(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

impl StandIn {
    pub fn new(orders: Vec<Order>) -> Self {
        StandIn {
            orders: Arc::new(Mutex::new(orders)),
            now: "2026-03-06T10:00:05Z".parse().unwrap(),
        }
    }

    fn list(&self, request: &Request) -> ResponseTemplate {
        let email = query(request, "email").unwrap_or_default();
        let limit: usize = query(request, "limit").map_or(50, |l| l.parse().unwrap());
        let page: usize = query(request, "page").map_or(1, |p| p.parse().unwrap());
        assert_eq!(
            query(request, "sort").as_deref(),
            Some("date_created:desc"),
            "orders are asked for newest first"
        );
        let mut orders: Vec<Order> = self
            .orders
            .lock()
            .unwrap()
            .iter()
            // BigCommerce's filter, as the stand-in plays it: case-insensitive, and blind to
            // spaces a checkout stored around the address.
            .filter(|o| o.email.trim().eq_ignore_ascii_case(email.trim()))
            .cloned()
            .collect();
        orders.sort_by_key(|o| std::cmp::Reverse(o.created_at));
        collection(
            orders
                .iter()
                .skip((page - 1) * limit)
                .take(limit)
                .map(order_json)
                .collect(),
        )
    }

    fn find(&self, id: &str) -> Option<Order> {
        self.orders
            .lock()
            .unwrap()
            .iter()
            .find(|o| o.number == id)
            .cloned()
    }

    fn update(&self, id: &str, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().expect("a JSON body");
        assert_eq!(body, json!({"status_id": 5}), "deskbot only ever cancels");
        let mut orders = self.orders.lock().unwrap();
        let Some(order) = orders.iter_mut().find(|o| o.number == id) else {
            return not_found();
        };
        order.cancelled_at.get_or_insert(self.now);
        json_answer(order_json(order))
    }
}

impl Respond for StandIn {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = request
            .headers
            .get("x-auth-token")
            .and_then(|v| v.to_str().ok());
        if token != Some(TOKEN) {
            return ResponseTemplate::new(401).set_body_json(json!([
                {"status": 401, "message": "You are not authorized to access this resource."}
            ]));
        }
        let prefix = format!("/stores/{STORE}/v2/");
        let Some(rest) = request.url.path().strip_prefix(&prefix) else {
            return not_found();
        };
        let segments: Vec<&str> = rest.split('/').collect();
        let order = |id: &str| self.find(id);
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["orders"]) => self.list(request),
            ("GET", ["orders", "count"]) => json_answer(json!({
                "statuses": [],
                "count": self.orders.lock().unwrap().len()
            })),
            ("GET", ["orders", id]) => {
                order(id).map_or_else(not_found, |o| json_answer(order_json(&o)))
            }
            ("PUT", ["orders", id]) => self.update(id, request),
            ("GET", ["orders", id, "products"]) => {
                order(id).map_or_else(not_found, |o| collection(products_json(&o)))
            }
            ("GET", ["orders", id, "shipping_addresses"]) => {
                order(id).map_or_else(not_found, |o| collection(addresses_json(&o)))
            }
            ("GET", ["orders", id, "shipments"]) => {
                order(id).map_or_else(not_found, |o| collection(shipments_json(&o)))
            }
            _ => not_found(),
        }
    }
}

/// A running stand-in serving `orders`, and its state.
pub async fn serve(orders: Vec<Order>) -> (MockServer, StandIn) {
    let server = MockServer::start().await;
    let stand_in = StandIn::new(orders);
    Mock::given(any())
        .respond_with(stand_in.clone())
        .mount(&server)
        .await;
    (server, stand_in)
}

/// Requests the stand-in received for `method` `path` (relative to `/stores/{STORE}/v2/`).
pub async fn received(server: &MockServer, method: &str, path: &str) -> usize {
    let full = format!("/stores/{STORE}/v2/{path}");
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == method && r.url.path() == full)
        .count()
}

/// The 16 demo-shop orders (`examples/demo-shop/orders.json`).
pub fn demo_orders() -> Vec<Order> {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-shop/orders.json"
    );
    let text = std::fs::read_to_string(file).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Jane's order #1001: shipped, in transit.
pub fn order_1001() -> Order {
    demo_orders().remove(0)
}

/// The path of `orders/{id}`.
pub fn order_path(id: &str) -> String {
    format!("/stores/{STORE}/v2/orders/{id}")
}

/// A stand-in whose `orders/1001` answers `first` once, then behaves.
pub async fn failing_once(first: ResponseTemplate) -> (MockServer, StandIn) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(order_path("1001")))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let stand_in = StandIn::new(vec![order_1001()]);
    Mock::given(any())
        .respond_with(stand_in.clone())
        .mount(&server)
        .await;
    (server, stand_in)
}

/// A stand-in answering everything with `answer`.
pub async fn always(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(answer).mount(&server).await;
    server
}

/// Retries that keep the tests short: two retries, small backoffs, a 300 ms request timeout.
pub fn quick_retries() -> HttpConfig {
    HttpConfig {
        retry: RetryConfig {
            max_retries: 2,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
            request_timeout: Duration::from_millis(300),
            deadline: Duration::from_secs(30),
        },
        ..HttpConfig::default()
    }
}

/// The adapter on `server` with `token` and `config`, waiting on a recording clock.
pub fn platform_at(
    server: &MockServer,
    token: &str,
    config: &HttpConfig,
) -> (BigCommerce, Arc<RecordingClock>) {
    let clock = Arc::new(RecordingClock::default());
    let base = url::Url::parse(&server.uri()).unwrap();
    let platform = BigCommerce::new(base, STORE, Secret::new(token), config)
        .unwrap()
        .with_clock(clock.clone());
    (platform, clock)
}

/// The adapter on `server`, with the right token and [`quick_retries`].
pub fn client(server: &MockServer) -> (BigCommerce, Arc<RecordingClock>) {
    platform_at(server, TOKEN, &quick_retries())
}
