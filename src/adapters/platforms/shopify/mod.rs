//! Shopify: orders through the GraphQL Admin API, the only Shopify API deskbot uses (the REST
//! Admin API is legacy since 2024-10 and closed to new public apps since 2025-04).
//!
//! Every call is `POST {base_url}/admin/api/{api_version}/graphql.json` with the header
//! `X-Shopify-Access-Token`, through the shared [`HttpClient`] (retries, `Retry-After`,
//! deadline, limits, logs). The API version is pinned in [`SHOPIFY_API_VERSION`] (`2025-10`)
//! and may be overridden per shop with `api_version` in `deskbot.toml`.
//!
//! # What is covered
//! - **Order by number** ([`OrderPlatform::order_by_number`]): `orders(first: 3, query:
//!   "name:#1001")`, keeping the order whose `number` (or `name` without `#`) is the one asked
//!   for, since `name` carries the `#` and any prefix or suffix the shop configured.
//! - **Order by id** (after a cancel): `order(id: "gid://shopify/Order/…")`.
//! - **A customer's recent orders** ([`OrderPlatform::recent_orders_by_email`]): `orders(first:
//!   N, query: "email:…", sortKey: CREATED_AT, reverse: true)`, following `pageInfo.endCursor`
//!   page by page (5 orders a page, so a page stays under the 1000-point query cost limit),
//!   and keeping only orders whose e-mail is the customer's, trimmed and case folded.
//! - **Per order**: `displayFinancialStatus`, `displayFulfillmentStatus`, `cancelledAt`,
//!   `returnStatus`, `totalPriceSet` (the customer's `presentmentMoney`, else `shopMoney`),
//!   line items, `shippingAddress { city countryCodeV2 zip }`, `shippingLine { code title }`,
//!   and fulfillments with `trackingInfo { company number url }`, `displayStatus`,
//!   `createdAt`, `inTransitAt`, `deliveredAt` and their line items (mapping in `mapping.rs`).
//! - **Cancel** ([`OrderPlatform::cancel_order`]): the order's state is read first (unknown →
//!   `NotFound`; shipped or already cancelled → `Invalid`), then `orderCancel` (reason
//!   `CUSTOMER`, refund to the original payment methods, restock, notify the customer), its
//!   `orderCancelUserErrors` read, and the order read back until `cancelledAt` shows, since
//!   Shopify cancels in a background job. The mutation is not marked idempotent: once sent, it
//!   is never repeated.
//! - **`deskbot doctor`** ([`OrderPlatform::check_connection`]): `orders(first: 1) { nodes {
//!   id } }`, which needs the same `read_orders` scope as every lookup.
//! - **Errors**: HTTP statuses as the shared stack maps them; in a 200 body, `THROTTLED` is
//!   waited out at the restore rate (`extensions.cost.throttleStatus`), `ACCESS_DENIED` is
//!   `PermissionDenied`, any other GraphQL error is `Invalid`, `userErrors` are `Invalid`.
//!
//! # Scopes the app needs
//! `read_orders` for every lookup (and `read_all_orders` for orders older than 60 days, which
//! Shopify otherwise hides); `write_orders` to cancel. Returns are read through
//! `Order.returnStatus`, part of the order, so `read_returns` is not asked for.
//!
//! # Docs followed
//! - <https://shopify.dev/docs/api/admin-graphql/2025-10/queries/orders>
//! - <https://shopify.dev/docs/api/admin-graphql/2025-10/queries/order>
//! - <https://shopify.dev/docs/api/admin-graphql/2025-10/objects/Order>
//! - <https://shopify.dev/docs/api/admin-graphql/2025-10/objects/Fulfillment>
//! - <https://shopify.dev/docs/api/admin-graphql/2025-10/mutations/orderCancel>
//! - <https://shopify.dev/docs/api/usage/limits> (cost-based throttling)
//! - <https://shopify.dev/docs/api/usage/pagination-graphql>,
//!   <https://shopify.dev/docs/api/usage/search-syntax>
//! - <https://shopify.dev/docs/api/usage/access-scopes>
//!
//! # Not used yet
//! The `returns` connection (each return's own status and line items), fulfillment `events`
//! and `estimatedDeliveryAt` (the carrier's own estimate is used instead), `fulfillmentOrders`
//! (holds, scheduled and in-progress work before anything ships), refunds and transactions,
//! the customer object, `orderCancel`'s store-credit refunds and the job query, order edits,
//! webhooks (`orders/updated`, `fulfillments/update`) that could replace polling, and bulk
//! operations. Orders carry at most 20 line items and 5 shipments of 10 items and 5 tracking
//! numbers each (`LINE_ITEMS` and friends in `graphql.rs`); more are not paged.

mod graphql;
mod mapping;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::header::HeaderName;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{json, Value};

use self::graphql::{CancelData, Envelope};
use self::mapping::{OrderData, OrderNode, OrdersData, VENDOR};
use super::{search_too_broad, OrderPlatform};
use crate::adapters::http::{
    as_folder, parse_json, Auth, Call, Clock, HttpClient, HttpConfig, TokioClock,
};
use crate::adapters::{normalize_order_number, AdapterError, Secret};
pub use crate::config::SHOPIFY_API_VERSION;
use crate::respond::facts::{FulfillmentStatus, Order};
use crate::respond::verify::same_email;

/// The header carrying the Admin API access token.
const ACCESS_TOKEN_HEADER: &str = "x-shopify-access-token";
/// Reads of the order after `orderCancel`, waiting 0.5, 1 and 2 s between them, before
/// deskbot stops claiming the cancellation happened.
const CANCEL_CHECKS: u32 = 4;
/// Pages of a customer's orders read at most, whatever the limit.
const MAX_PAGES: usize = 10;
/// Orders fetched when looking for one number (the search may match near names).
const NUMBER_MATCHES: usize = 3;
/// What Shopify shows staff about the cancellation.
const STAFF_NOTE: &str = "Cancelled by deskbot at the customer's request.";

/// A shop's orders over the GraphQL Admin API.
#[derive(Debug, Clone)]
pub struct Shopify {
    client: HttpClient,
    /// `admin/api/{version}/graphql.json`, relative to the base URL.
    path: String,
    clock: Arc<dyn Clock>,
}

/// `YYYY-MM` (a stable release) or `unstable`.
fn is_api_version(version: &str) -> bool {
    let bytes = version.as_bytes();
    version == "unstable"
        || (bytes.len() == 7
            && bytes[4] == b'-'
            && bytes[..4].iter().all(u8::is_ascii_digit)
            && bytes[5..].iter().all(u8::is_ascii_digit))
}

impl Shopify {
    /// A client for the shop at `base` (`https://{shop}.myshopify.com`, or a stand-in),
    /// speaking `api_version` (see [`SHOPIFY_API_VERSION`]) with an Admin API access token.
    pub fn new(
        base: url::Url,
        api_version: &str,
        access_token: Secret,
        http: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        if !is_api_version(api_version) {
            return Err(AdapterError::Invalid {
                message: format!(
                    "{VENDOR}: api_version {api_version:?} is not like {SHOPIFY_API_VERSION}"
                ),
            });
        }
        let base = as_folder(base);
        let auth = Auth::Header {
            name: HeaderName::from_static(ACCESS_TOKEN_HEADER),
            value: access_token,
        };
        Ok(Shopify {
            client: HttpClient::new(VENDOR, base, auth, http)?,
            path: format!("admin/api/{api_version}/graphql.json"),
            clock: Arc::new(TokioClock::default()),
        })
    }

    /// Replaces the clock for retries and for waiting on a cancellation (tests pass a
    /// [`crate::adapters::http::RecordingClock`]). Default: real time.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.client = self.client.with_clock(clock.clone());
        self.clock = clock;
        self
    }

    /// Sends one GraphQL operation and returns its `data`. Reads are safe to repeat; a
    /// mutation is sent once. An HTTP 404 here means there is no GraphQL endpoint at all.
    async fn graphql<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        query: &str,
        variables: Value,
        write: bool,
    ) -> Result<T, AdapterError> {
        let body = json!({ "query": query, "variables": variables });
        let mut call =
            Call::post(operation, self.path.clone(), body).throttled_when(graphql::throttle_wait);
        if !write {
            call = call.idempotent();
        }
        let response = self.client.send(&call).await.map_err(|error| match error {
            AdapterError::NotFound { .. } => AdapterError::NotFound {
                what: format!(
                    "{VENDOR}: no GraphQL endpoint at {} (check shop, base_url and api_version)",
                    self.path
                ),
            },
            other => other,
        })?;
        let envelope: Envelope<T> = parse_json(VENDOR, &response.body)?;
        graphql::into_data(envelope, operation)
    }

    /// [`Shopify::graphql`] for order calls, where "not found" must only ever mean the order:
    /// a missing endpoint is a configuration problem.
    async fn order_call<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        query: &str,
        variables: Value,
        write: bool,
    ) -> Result<T, AdapterError> {
        self.graphql(operation, query, variables, write)
            .await
            .map_err(|error| match error {
                AdapterError::NotFound { what } => AdapterError::Invalid { message: what },
                other => other,
            })
    }

    /// One page of orders matching `search`.
    async fn orders_page(
        &self,
        search: &str,
        first: usize,
        after: Option<&str>,
    ) -> Result<mapping::Connection<OrderNode>, AdapterError> {
        let variables = json!({ "first": first, "query": search, "after": after });
        let data: OrdersData = self
            .order_call(
                "graphql DeskbotOrders",
                &graphql::orders_query(),
                variables,
                false,
            )
            .await?;
        data.orders
            .ok_or_else(|| AdapterError::bad_response(VENDOR, "data.orders", "missing"))
    }

    /// The order with this global id, if it exists.
    async fn order_by_id(&self, id: &str) -> Result<Option<Order>, AdapterError> {
        let data: OrderData = self
            .order_call(
                "graphql DeskbotOrder",
                &graphql::order_query(),
                json!({ "id": id }),
                false,
            )
            .await?;
        data.order
            .map(|node| mapping::order(node, "data.order"))
            .transpose()
    }
}

#[async_trait]
impl OrderPlatform for Shopify {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
        let wanted = normalize_order_number(number);
        let not_found = || AdapterError::not_found(format!("order #{wanted}"));
        if wanted.is_empty() {
            return Err(not_found());
        }
        // Shopify's names carry the `#` (`name:#1001`); a shop's own prefix or suffix is
        // searched as the customer wrote it.
        let name = if wanted.bytes().all(|b| b.is_ascii_digit()) {
            format!("#{wanted}")
        } else {
            wanted.clone()
        };
        let search = format!("name:{}", graphql::search_value(&name));
        let page = self.orders_page(&search, NUMBER_MATCHES, None).await?;
        let found = page
            .into_items()
            .into_iter()
            .find(|(_, node)| mapping::has_number(node, &wanted));
        match found {
            Some((path, node)) => mapping::order(node, &format!("data.orders.{path}")),
            None => Err(not_found()),
        }
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
        let search = format!("email:{}", graphql::search_value(email));
        let mut orders: Vec<Order> = Vec::new();
        let mut after: Option<String> = None;
        let mut read = 0;
        let mut settled = false;
        for _ in 0..MAX_PAGES {
            let first = limit
                .saturating_sub(orders.len())
                .clamp(1, graphql::ORDERS_PAGE);
            let page = self.orders_page(&search, first, after.as_deref()).await?;
            let next = page.next_page();
            read += first;
            // Shopify's search is fuzzy; only the customer's own orders may come back.
            let theirs = mapping::orders(page, "data.orders")?
                .into_iter()
                .filter(|order| same_email(&order.email, email));
            orders.extend(theirs);
            match next {
                Some(cursor) if orders.len() < limit => after = Some(cursor),
                _ => {
                    settled = true;
                    break;
                }
            }
        }
        if !settled {
            return Err(search_too_broad(VENDOR, "the customer's e-mail", read));
        }
        // Newest first; ties by number so the order never depends on the vendor's.
        orders.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.number.cmp(&a.number))
        });
        orders.truncate(limit);
        Ok(orders)
    }

    async fn cancel_order(&self, number: &str, _at: Timestamp) -> Result<Order, AdapterError> {
        let order = self.order_by_number(number).await?;
        if order.is_cancelled() {
            return Err(AdapterError::Invalid {
                message: format!("order #{} is already cancelled", order.number),
            });
        }
        if !order.fulfillments.is_empty()
            || matches!(
                order.fulfillment_status,
                FulfillmentStatus::Fulfilled | FulfillmentStatus::PartiallyFulfilled
            )
        {
            return Err(AdapterError::Invalid {
                message: format!("order #{} has shipped, in part or in full", order.number),
            });
        }
        if order.fulfillment_status != FulfillmentStatus::Unfulfilled {
            return Err(AdapterError::Invalid {
                message: format!(
                    "order #{}: Shopify does not show it as unfulfilled",
                    order.number
                ),
            });
        }
        if order.id.is_empty() {
            return Err(AdapterError::bad_response(
                VENDOR,
                "data.orders.nodes.id",
                "missing",
            ));
        }
        let variables = json!({ "orderId": order.id, "staffNote": STAFF_NOTE });
        let data: CancelData = self
            .order_call(
                "graphql DeskbotOrderCancel",
                graphql::CANCEL_MUTATION,
                variables,
                true,
            )
            .await?;
        let payload = data
            .order_cancel
            .ok_or_else(|| AdapterError::bad_response(VENDOR, "data.orderCancel", "missing"))?;
        if let Some(refusal) = payload.refusal() {
            return Err(refusal);
        }
        // The cancellation runs as a background job: say it happened only once it shows.
        let mut wait = Duration::from_millis(500);
        for check in 1..=CANCEL_CHECKS {
            match self.order_by_id(&order.id).await? {
                Some(now) if now.is_cancelled() => return Ok(now),
                Some(_) => {}
                None => return Err(AdapterError::not_found(format!("order #{}", order.number))),
            }
            if check < CANCEL_CHECKS {
                self.clock.sleep(wait).await;
                wait *= 2;
            }
        }
        let job = payload.job.and_then(|job| job.id).unwrap_or_default();
        Err(AdapterError::unavailable(format!(
            "{VENDOR} accepted the cancellation of order #{} (job {job}) but has not confirmed it yet",
            order.number
        )))
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        let _: IgnoredAny = self
            .graphql(
                "graphql DeskbotCheck",
                graphql::CHECK_QUERY,
                json!({}),
                false,
            )
            .await?;
        Ok(())
    }
}
