//! BigCommerce: orders through the v2 Orders REST API, which is where BigCommerce keeps order
//! records, their products, shipping addresses and shipments (v3 adds only transactions,
//! refunds and metafields around them).
//!
//! Every call goes to `{base_url}/stores/{store_hash}/v2/…` (the version pinned in
//! [`API_VERSION`]) with the API account's token in `X-Auth-Token`, through the shared
//! [`HttpClient`] (retries, `Retry-After`, deadline, limits, logs). BigCommerce's 429 carries
//! `X-Rate-Limit-Time-Reset-Ms` instead of `Retry-After`; the shared client waits for it.
//!
//! # What is covered
//! - **Order by number** ([`OrderPlatform::order_by_number`]): `GET orders/{id}`; the id *is*
//!   the number the customer sees. A number that is not all digits cannot exist and is
//!   `NotFound` without a call.
//! - **A customer's recent orders** ([`OrderPlatform::recent_orders_by_email`]): `GET
//!   orders?email={e}&sort=date_created:desc&limit={n}&page={p}`, the e-mail trimmed (an empty
//!   one is no customer: without the filter v2 would list every order). Pages of up to 250 are
//!   read until `limit` orders are found or a page comes back short; v2 answers `204 No
//!   Content` with no body when nothing matches, which is an empty list. Only orders whose
//!   billing e-mail is the customer's (trimmed, case folded) are kept, newest first.
//! - **Per order**: `GET orders/{id}/products` (line items, units shipped, refunds, returns),
//!   `GET orders/{id}/shipping_addresses` (city, postcode, country, the shipping method's
//!   name) and `GET orders/{id}/shipments` (one fulfillment each: tracking number, carrier,
//!   links, date, items), read together and paged (250 a page). The mapping is in
//!   `mapping.rs`.
//! - **Cancel** ([`OrderPlatform::cancel_order`]): the order is read first (unknown →
//!   `NotFound`; any unit or shipment shipped, a Shipped, Partially Shipped or Completed
//!   status, no status at all, or already Cancelled → `Invalid`), then `PUT orders/{id}` with `{"status_id": 5}`. BigCommerce has no
//!   cancellation time, so the answer's `date_modified` stamps it. Setting the status to what
//!   it already is changes nothing, so the write is marked idempotent and may be retried after
//!   a timeout or a 5xx.
//! - **`deskbot doctor`** ([`OrderPlatform::check_connection`]): `GET orders/count`, which
//!   needs the same Orders scope as every lookup.
//!
//! # Scopes the API account needs
//! Orders: **read-only** (`store_v2_orders_read_only`) for lookups and `deskbot doctor`;
//! **modify** (`store_v2_orders`) for `[cancellation] mode = "perform"`. Nothing else.
//!
//! # Docs followed
//! - <https://developer.bigcommerce.com/docs/rest-management/orders> (get, list, update, count)
//! - <https://developer.bigcommerce.com/docs/rest-management/orders/order-products>
//! - <https://developer.bigcommerce.com/docs/rest-management/orders/order-shipping-addresses>
//! - <https://developer.bigcommerce.com/docs/rest-management/orders/order-shipments>
//! - <https://developer.bigcommerce.com/docs/rest-management/orders/order-status> (`status_id`)
//! - <https://developer.bigcommerce.com/docs/start/authentication/api-accounts> (scopes)
//! - <https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits>
//! - the OpenAPI description behind them: `reference/orders.v2.oas2.yml` in
//!   <https://github.com/bigcommerce/api-specs>
//!
//! # Not used yet
//! Order messages and staff notes, coupons and taxes, `customer_id` and the Customers API,
//! the v3 transactions and refunds endpoints (refund amounts and dates, payment methods),
//! shipping quotes, pickup consignments (`consignments`, status 8 Awaiting Pickup is read
//! only as "not shipped"), custom status labels (`custom_status`), digital downloads, the
//! storefront's display currency, order metafields, and webhooks (`store/order/statusUpdated`,
//! `store/shipment/*`) that could replace polling. BigCommerce shipments carry no delivery
//! status, so a parcel's progress comes only from the carrier. A request cannot send
//! `Accept: application/json`, since the shared client takes no per-call headers; reqwest
//! sends `Accept: */*`, which BigCommerce answers with JSON, its default.

mod mapping;

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::header::HeaderName;
use serde::de::DeserializeOwned;
use serde_json::json;

pub use self::mapping::status;
use self::mapping::{
    parse_list, parse_time, prefix_field, to_order, BcOrder, BcProduct, BcShipment,
    BcShippingAddress, Count, VENDOR,
};
use super::{search_too_broad, OrderPlatform};
use crate::adapters::http::{parse_json, Auth, Call, Clock, HttpClient, HttpConfig};
use crate::adapters::{normalize_order_number, AdapterError, Secret};
use crate::respond::facts::{FulfillmentStatus, Order};
use crate::respond::verify::same_email;

/// The API version in every path: orders are a v2 resource.
pub const API_VERSION: &str = "v2";
/// The header carrying the API account's access token.
const ACCESS_TOKEN_HEADER: &str = "x-auth-token";
/// The most records v2 returns per page (its default is 50).
const PAGE_SIZE: usize = 250;
/// Pages read per collection at most, so a server that ignores `page` cannot keep us reading.
const MAX_PAGES: usize = 20;

/// A store's orders over the v2 Orders API.
#[derive(Debug, Clone)]
pub struct BigCommerce {
    http: HttpClient,
}

/// One order and its three sub-resources, as BigCommerce sent them.
struct Parts {
    order: BcOrder,
    products: Vec<BcProduct>,
    addresses: Vec<BcShippingAddress>,
    shipments: Vec<BcShipment>,
}

impl Parts {
    /// The facts; `at` prefixes the order's own fields in errors (`[2].`).
    fn to_order(&self, at: &str) -> Result<Order, AdapterError> {
        to_order(
            &self.order,
            &self.products,
            &self.addresses,
            &self.shipments,
            at,
        )
    }
}

impl BigCommerce {
    /// A client for the store `store_hash` at `base` (`https://api.bigcommerce.com`, or a
    /// stand-in; a path prefix is kept), with an API account's access token.
    pub fn new(
        base: url::Url,
        store_hash: &str,
        access_token: Secret,
        http: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        if store_hash.is_empty() || !store_hash.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(AdapterError::Invalid {
                message: format!(
                    "{VENDOR}: {store_hash:?} is not a store hash (letters and digits)"
                ),
            });
        }
        let mut base = base;
        let prefix = base.path().trim_end_matches('/').to_owned();
        base.set_path(&format!("{prefix}/stores/{store_hash}/{API_VERSION}/"));
        base.set_query(None);
        base.set_fragment(None);
        let auth = Auth::Header {
            name: HeaderName::from_static(ACCESS_TOKEN_HEADER),
            value: access_token,
        };
        Ok(BigCommerce {
            http: HttpClient::new(VENDOR, base, auth, http)?,
        })
    }

    /// Replaces the clock the retry loop waits with (tests use a `RecordingClock`). Default:
    /// the real one.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.http = self.http.with_clock(clock);
        self
    }

    /// `GET orders/{id}`; BigCommerce's 404 is the order not existing.
    async fn order(&self, id: &str) -> Result<BcOrder, AdapterError> {
        let call = Call::get("orders/{id}", format!("orders/{id}")).not_found_when(is_bc_404);
        self.http.json(&call).await.map_err(|error| match error {
            AdapterError::NotFound { .. } => AdapterError::not_found(format!("order #{id}")),
            other => other,
        })
    }

    /// Every element of a paged collection under an order.
    async fn collection<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        path: String,
        what: &str,
    ) -> Result<Vec<T>, AdapterError> {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let call = Call::get(endpoint, path.clone())
                .query("limit", PAGE_SIZE.to_string())
                .query("page", page.to_string());
            let response = self.http.send(&call).await?;
            let items: Vec<T> = parse_list(&response.body, what)?;
            let full = items.len() >= PAGE_SIZE;
            all.extend(items);
            if !full {
                break;
            }
        }
        Ok(all)
    }

    /// An order with its products, shipping addresses and shipments, read together.
    async fn parts(&self, order: BcOrder, at: &str) -> Result<Parts, AdapterError> {
        let id = order
            .id
            .ok_or_else(|| AdapterError::bad_response(VENDOR, format!("{at}id"), "missing"))?;
        let (products, addresses, shipments) = tokio::join!(
            self.collection::<BcProduct>(
                "orders/{id}/products",
                format!("orders/{id}/products"),
                "products",
            ),
            self.collection::<BcShippingAddress>(
                "orders/{id}/shipping_addresses",
                format!("orders/{id}/shipping_addresses"),
                "shipping_addresses",
            ),
            self.collection::<BcShipment>(
                "orders/{id}/shipments",
                format!("orders/{id}/shipments"),
                "shipments",
            ),
        );
        Ok(Parts {
            order,
            products: products?,
            addresses: addresses?,
            shipments: shipments?,
        })
    }

    /// The order with this number, as BigCommerce sent it.
    async fn parts_by_number(&self, number: &str) -> Result<Parts, AdapterError> {
        let wanted = normalize_order_number(number);
        // Order ids are integers: anything else names no order (and must not reach the path).
        if wanted.is_empty() || wanted.len() > 18 || !wanted.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AdapterError::not_found(format!("order #{wanted}")));
        }
        let order = self.order(&wanted).await?;
        self.parts(order, "").await
    }

    /// A page of the customer's orders, newest first; an empty body (204) is an empty page.
    async fn orders_page(
        &self,
        email: &str,
        page_size: usize,
        page: usize,
    ) -> Result<Vec<BcOrder>, AdapterError> {
        let call = Call::get("orders", "orders")
            .query("email", email)
            .query("sort", "date_created:desc")
            .query("limit", page_size.to_string())
            .query("page", page.to_string())
            // No orders is 204 No Content, never a 404.
            .expects_no_404();
        let response = self.http.send(&call).await?;
        let orders = parse_list::<BcOrder>(&response.body, "");
        if page == 1 {
            return orders;
        }
        // Name fields by page too, so `[3].date_created` is not looked for on page one.
        orders.map_err(|error| prefix_field(error, &format!("page {page} ")))
    }
}

/// BigCommerce's 404 body: `[{"status": 404, "message": …}]`, the v2 API's error list
/// (<https://developer.bigcommerce.com/docs/start/about/status-codes>). A 404 without it did
/// not come from BigCommerce's API (a wrong `base_url` or store hash).
fn is_bc_404(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|errors| {
        errors
            .get(0)
            .and_then(|error| error.get("status"))
            .and_then(|status| status.as_u64())
            == Some(404)
    })
}

#[async_trait]
impl OrderPlatform for BigCommerce {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
        self.parts_by_number(number).await?.to_order("")
    }

    async fn recent_orders_by_email(
        &self,
        email: &str,
        limit: usize,
    ) -> Result<Vec<Order>, AdapterError> {
        let email = email.trim();
        if email.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let page_size = limit.min(PAGE_SIZE);
        // The customer's orders with where each came from, for error messages.
        let mut listed: Vec<(String, BcOrder)> = Vec::new();
        let mut settled = false;
        for page in 1..=MAX_PAGES {
            let orders = self.orders_page(email, page_size, page).await?;
            let count = orders.len();
            for (i, order) in orders.into_iter().enumerate() {
                // The vendor's filter decides; this only keeps another customer's order out
                // should it ever match more loosely than deskbot does.
                let theirs = order
                    .billing_address
                    .as_ref()
                    .and_then(|address| address.email.as_deref())
                    .is_some_and(|stored| same_email(stored, email));
                if theirs {
                    let at = if page == 1 {
                        format!("[{i}].")
                    } else {
                        format!("page {page} [{i}].")
                    };
                    listed.push((at, order));
                }
            }
            if listed.len() >= limit || count < page_size {
                settled = true;
                break;
            }
        }
        if !settled {
            return Err(search_too_broad(
                VENDOR,
                "the customer's e-mail",
                page_size * MAX_PAGES,
            ));
        }
        // Newest first whatever order the pages came in; ties by number, as the contract's
        // reference implementation does.
        let created = |order: &BcOrder| order.date_created.as_deref().and_then(parse_time);
        listed.sort_by(|(_, a), (_, b)| created(b).cmp(&created(a)).then_with(|| b.id.cmp(&a.id)));
        listed.truncate(limit);
        let mut orders = Vec::with_capacity(listed.len());
        for (at, order) in listed {
            orders.push(self.parts(order, &at).await?.to_order(&at)?);
        }
        Ok(orders)
    }

    async fn cancel_order(&self, number: &str, _at: Timestamp) -> Result<Order, AdapterError> {
        let parts = self.parts_by_number(number).await?;
        let current = parts.to_order("")?;
        if current.is_cancelled() {
            return Err(AdapterError::Invalid {
                message: format!("order #{} is already cancelled", current.number),
            });
        }
        if !current.fulfillments.is_empty()
            || matches!(
                current.fulfillment_status,
                FulfillmentStatus::Fulfilled | FulfillmentStatus::PartiallyFulfilled
            )
        {
            return Err(AdapterError::Invalid {
                message: format!("order #{} has shipped", current.number),
            });
        }
        if current.fulfillment_status != FulfillmentStatus::Unfulfilled {
            return Err(AdapterError::Invalid {
                message: format!(
                    "order #{}: status_id {} is none that deskbot cancels (incomplete, pending, awaiting payment or awaiting fulfillment)",
                    current.number,
                    parts
                        .order
                        .status_id
                        .map_or("none".to_owned(), |id| id.0.to_string())
                ),
            });
        }
        let id = &current.number;
        // Cancelled twice is still cancelled: safe to repeat, so the shared client may retry
        // it after a timeout or a 5xx.
        let call = Call::put(
            "orders/{id}",
            format!("orders/{id}"),
            json!({ "status_id": status::CANCELLED }),
        )
        .idempotent();
        let updated: BcOrder = self.http.json(&call).await?;
        if updated.status_id != Some(Count(status::CANCELLED)) {
            return Err(AdapterError::bad_response(
                VENDOR,
                "status_id",
                format!("order #{id} is not Cancelled after the update"),
            ));
        }
        Parts {
            order: updated,
            ..parts
        }
        .to_order("")
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        let response = self
            .http
            .send(&Call::get("orders/count", "orders/count"))
            .await?;
        // Proof it is BigCommerce's API answering, not a login page or a proxy.
        parse_json::<serde_json::Value>(VENDOR, &response.body).map(drop)
    }
}
