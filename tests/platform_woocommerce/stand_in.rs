//! A loopback stand-in of a WooCommerce shop (REST API v3 and the Shipment Tracking extension)
//! for `tests/platform_woocommerce.rs`: stateful, so a cancel sticks, and answering in the
//! vendor's documented shapes, rendered from deskbot's own facts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use deskbot::respond::facts::{
    FinancialStatus, FulfillmentStatus, Order, ReturnStatus, TrackingStatus,
};
use jiff::Timestamp;
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// `Basic base64("ck_test:cs_test")`: the only key the stand-in accepts.
const AUTHORIZATION: &str = "Basic Y2tfdGVzdDpjc190ZXN0";

/// The shop's data.
#[derive(Debug, Default)]
pub struct Shop {
    /// Orders in the vendor's shape.
    pub orders: Vec<Value>,
    /// Shipment Tracking items by order id.
    pub trackings: HashMap<u64, Vec<Value>>,
    /// Order notes by order id.
    pub notes: HashMap<u64, Vec<Value>>,
    /// Whether the Shipment Tracking extension is installed.
    pub tracking_plugin: bool,
    /// What a status change stamps as `date_modified_gmt`.
    pub now: String,
}

/// The shop as a wiremock responder; the state is shared so tests can change or inspect it.
#[derive(Debug, Clone)]
pub struct StandIn(pub Arc<Mutex<Shop>>);

/// A WooCommerce error body (`code`, `message`, `data.status`).
pub fn woo_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"code": code, "message": message, "data": {"status": status}}))
}

fn no_route() -> ResponseTemplate {
    woo_error(
        404,
        "rest_no_route",
        "No route was found matching the URL and request method.",
    )
}

fn invalid_id() -> ResponseTemplate {
    woo_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
}

impl Shop {
    fn order_mut(&mut self, id: &str) -> Option<&mut Value> {
        let id: u64 = id.parse().ok()?;
        self.orders.iter_mut().find(|o| o["id"] == json!(id))
    }

    /// `orders?search=`: a case-insensitive substring of the e-mail, names or number (as
    /// WooCommerce searches), newest first, paged with `X-WP-TotalPages`.
    fn search(&self, url: &url::Url) -> ResponseTemplate {
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let term = param("search").unwrap_or_default().to_lowercase();
        let per_page: usize = param("per_page").and_then(|v| v.parse().ok()).unwrap_or(10);
        let page: usize = param("page").and_then(|v| v.parse().ok()).unwrap_or(1);
        let mut hits: Vec<&Value> = self
            .orders
            .iter()
            .filter(|order| {
                let fields = [
                    &order["billing"]["email"],
                    &order["billing"]["first_name"],
                    &order["billing"]["last_name"],
                    &order["number"],
                ];
                fields.iter().any(|f| {
                    f.as_str()
                        .is_some_and(|text| text.to_lowercase().contains(&term))
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            b["date_created_gmt"]
                .as_str()
                .cmp(&a["date_created_gmt"].as_str())
        });
        let total = hits.len();
        let body: Vec<&Value> = hits
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(body)
            .insert_header("X-WP-Total", total.to_string())
            .insert_header("X-WP-TotalPages", total.div_ceil(per_page).to_string())
    }
}

impl Respond for StandIn {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let authorized = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(AUTHORIZATION);
        if !authorized {
            return woo_error(
                401,
                "woocommerce_rest_authentication_error",
                "Consumer key is invalid.",
            );
        }
        let mut shop = self.0.lock().unwrap();
        let path = request.url.path().to_owned();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["wp-json", "wc", "v3", "orders"]) => shop.search(&request.url),
            ("GET", ["wp-json", "wc", "v3", "orders", id]) => match shop.order_mut(id) {
                Some(order) => ResponseTemplate::new(200).set_body_json(order.clone()),
                None => invalid_id(),
            },
            ("PUT", ["wp-json", "wc", "v3", "orders", id]) => {
                let Ok(change) = request.body_json::<Value>() else {
                    return woo_error(400, "rest_invalid_json", "Invalid JSON body passed.");
                };
                let now = shop.now.clone();
                match shop.order_mut(id) {
                    Some(order) => {
                        order["status"] = change["status"].clone();
                        order["date_modified_gmt"] = json!(now);
                        ResponseTemplate::new(200).set_body_json(order.clone())
                    }
                    None => invalid_id(),
                }
            }
            ("GET", ["wp-json", "wc", "v3", "orders", id, "notes"]) => {
                let notes = id
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| shop.notes.get(&id).cloned())
                    .unwrap_or_default();
                ResponseTemplate::new(200).set_body_json(notes)
            }
            (
                "GET",
                ["wp-json", "wc-shipment-tracking", "v3", "orders", id, "shipment-trackings"],
            ) if shop.tracking_plugin => {
                let items = id
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| shop.trackings.get(&id).cloned())
                    .unwrap_or_default();
                ResponseTemplate::new(200).set_body_json(items)
            }
            _ => no_route(),
        }
    }
}

fn gmt(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

/// An order's facts rendered as WooCommerce would hold them: the order JSON (status, refunds,
/// addresses, lines) and its Shipment Tracking items. What WooCommerce cannot say is rendered as
/// its closest documented field: a platform-side "delivered" is the Advanced Shipment Tracking
/// plugin's `delivered` status, a refunded return is the `refunded` status of a shipped order,
/// a ship time is the date the extension keeps.
pub fn render(order: &Order, id: u64) -> (Value, Vec<Value>) {
    let fulfilled = order.fulfillment_status == FulfillmentStatus::Fulfilled;
    let delivered = !order.fulfillments.is_empty()
        && order
            .fulfillments
            .iter()
            .all(|f| f.platform_status == Some(TrackingStatus::Delivered));
    let refunded = order.financial_status == FinancialStatus::Refunded;
    let status = if order.cancelled_at.is_some() {
        "cancelled"
    } else if refunded || order.return_status == Some(ReturnStatus::Refunded) {
        "refunded"
    } else if fulfilled && delivered {
        "delivered"
    } else if fulfilled {
        "completed"
    } else if order.financial_status == FinancialStatus::Pending {
        "pending"
    } else {
        "processing"
    };
    let destination = order.destination.as_ref();
    let address = json!({
        "first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "",
        "city": destination.map_or("", |d| d.city.as_str()),
        "state": "",
        "postcode": destination.and_then(|d| d.postcode.as_deref()).unwrap_or(""),
        "country": destination.map_or("", |d| d.country.as_str()),
    });
    let mut billing = address.clone();
    billing["email"] = json!(order.email);
    billing["phone"] = json!("");
    let shipped_last = order.fulfillments.iter().filter_map(|f| f.shipped_at).max();
    let total = order.total.as_ref();
    let line_items: Vec<Value> = order
        .line_items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            json!({
                "id": id * 100 + index as u64 + 1, "name": item.title, "product_id": 90 + index,
                "variation_id": 0, "quantity": item.quantity, "tax_class": "", "subtotal": "0.00",
                "subtotal_tax": "0.00", "total": "0.00", "total_tax": "0.00", "taxes": [],
                "meta_data": [], "sku": "", "price": 0
            })
        })
        .collect();
    let body = json!({
        "id": id,
        "parent_id": 0,
        "number": order.number,
        "order_key": format!("wc_order_{id}"),
        "created_via": "checkout",
        "version": "9.4.0",
        "status": status,
        "currency": total.map_or("USD", |m| m.currency.as_str()),
        "date_created": gmt(order.created_at),
        "date_created_gmt": gmt(order.created_at),
        "date_modified_gmt": gmt(order.cancelled_at.or(shipped_last).unwrap_or(order.created_at)),
        "total": total.map_or("0.00", |m| m.amount.as_str()),
        "customer_id": 0,
        "billing": billing,
        "shipping": address,
        "payment_method": "stripe",
        "date_paid_gmt": (order.financial_status != FinancialStatus::Pending).then(|| gmt(order.created_at)),
        "date_completed_gmt": fulfilled.then(|| shipped_last.map(gmt)).flatten(),
        "meta_data": [],
        "line_items": line_items,
        "shipping_lines": order.shipping_method.as_ref().map(|code| vec![json!({
            "id": id * 100 + 99, "method_title": code, "method_id": code, "total": "0.00",
            "total_tax": "0.00", "taxes": [], "meta_data": []
        })]).unwrap_or_default(),
        "refunds": match (refunded, total) {
            (true, Some(money)) => vec![json!({"id": id * 100 + 98, "reason": "", "total": format!("-{}", money.amount)})],
            _ => Vec::new(),
        },
    });
    let trackings = order
        .fulfillments
        .iter()
        .map(|f| {
            json!({
                "tracking_id": f.id,
                "tracking_provider": f.carrier.as_deref().unwrap_or(""),
                "tracking_link": f.tracking_urls.first().map_or("", String::as_str),
                "tracking_number": f.tracking_numbers.join(", "),
                "date_shipped": f.shipped_at.map(|t| t.strftime("%Y-%m-%d").to_string()),
            })
        })
        .collect();
    (body, trackings)
}

/// A stand-in serving `orders` (ids from `id_of`) on a fresh loopback server.
pub async fn stand_in(orders: &[Order], id_of: impl Fn(&Order) -> u64) -> (MockServer, StandIn) {
    let mut shop = Shop {
        tracking_plugin: true,
        now: "2026-11-20T15:00:00".into(),
        ..Shop::default()
    };
    for order in orders {
        let id = id_of(order);
        let (body, trackings) = render(order, id);
        shop.orders.push(body);
        shop.trackings.insert(id, trackings);
    }
    let state = StandIn(Arc::new(Mutex::new(shop)));
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(state.clone())
        .mount(&server)
        .await;
    (server, state)
}
