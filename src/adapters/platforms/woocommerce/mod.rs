//! WooCommerce as an order platform, through its REST API v3 ([`API_VERSION`]) and the Shipment
//! Tracking extension's API ([`TRACKING_API_VERSION`]), on the shared HTTP stack.
//!
//! Covered:
//! - the order by number: `GET orders/{id}` when the number is numeric and the order found there
//!   carries that `number`; otherwise (a sequential-order-number plugin makes `number` differ
//!   from `id`) `GET orders?search={number}`, matching `number` exactly, page by page;
//! - a customer's recent orders: `GET orders?search={e-mail}&orderby=date&order=desc`, page by
//!   page (`page`, `per_page`, `X-WP-TotalPages`), keeping only orders whose `billing.email` is
//!   the address (search also matches substrings, names and other fields); guest orders
//!   (`customer_id` 0) are found the same way;
//! - tracking numbers: `GET /wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings`;
//!   when the extension is not installed (404), the order's `meta_data`
//!   (`_wc_shipment_tracking_items`, `_tracking_number`), then `GET orders/{id}/notes`;
//! - cancel: the state is checked first, then `PUT orders/{id}` with `{"status":"cancelled"}`;
//! - `deskbot doctor`: `GET orders?per_page=1`.
//!
//! What the answers mean in deskbot's facts is in [`mapping`] and [`shipments`].
//!
//! Docs followed: <https://woocommerce.github.io/woocommerce-rest-api-docs/> (orders, order
//! notes, authentication, pagination), <https://woocommerce.com/document/shipment-tracking/>
//! (the extension's REST API), and the Advanced Shipment Tracking plugin's, which serves the same
//! endpoint (<https://docs.zorem.com/docs/ast-free/add-tracking-to-orders/shipment-tracking-api/>).
//!
//! Permissions: a REST API key (WooCommerce → Settings → Advanced → REST API) for a user who can
//! manage WooCommerce (a Shop manager or an Administrator), with **Read** access, or
//! **Read/Write** for deskbot to cancel orders (`[cancellation] mode = "perform"`). The key is
//! sent with HTTP Basic auth, so the site must be served over HTTPS (http:// is accepted only for
//! a loopback stand-in), with pretty permalinks so `/wp-json/` resolves.
//!
//! Not used yet: refunds (`orders/{id}/refunds`: amounts and reasons), customers
//! (`customers?email=`), adding order notes (`POST orders/{id}/notes`, for a note on handoff),
//! adding tracking numbers, webhooks (order updated/created, signed `X-WC-Webhook-Signature`;
//! their bodies are the same order JSON [`mapping`] reads), the `_order_number_formatted` meta of
//! sequential-number plugins, and the site timezone (`date_created` in local time is not read).

pub mod mapping;
pub mod shipments;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_trait::async_trait;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::json;

use super::{search_too_broad, OrderPlatform};
use crate::adapters::http::{
    as_folder, parse_base_url, Auth, Call, Clock, HttpClient, HttpConfig, Response,
};
use crate::adapters::{normalize_order_number, AdapterError};
use crate::config::PlatformSettings;
use crate::respond::facts::{FulfillmentStatus, Order};
use crate::respond::verify::same_email;
use mapping::WcOrder;
use shipments::{Parcel, WcNote, WcTrackingItem};

/// The vendor's short name, in errors and logs.
const VENDOR: &str = "woocommerce";

/// The WooCommerce REST API namespace this adapter speaks (`/wp-json/wc/v3/…`).
pub const API_VERSION: &str = "wc/v3";

/// The Shipment Tracking extension's namespace (`/wp-json/wc-shipment-tracking/v3/…`).
pub const TRACKING_API_VERSION: &str = "wc-shipment-tracking/v3";

/// Orders per page when searching (WooCommerce allows up to 100).
const PAGE_SIZE: usize = 50;

/// Pages read per search before giving up: a search term that matches more than
/// `PAGE_SIZE × MAX_PAGES` orders is not narrowing anything.
const MAX_PAGES: usize = 10;

/// A WooCommerce shop.
#[derive(Debug, Clone)]
pub struct WooCommerce {
    client: HttpClient,
    /// The shop's time zone: where a shipping date without a time is read (UTC until told).
    zone: TimeZone,
}

impl WooCommerce {
    /// A client for the shop at `base` (its site address, `https://shop.example` or
    /// `https://example.com/shop`), with the consumer key and secret from `settings`, which must
    /// be [`PlatformSettings::WooCommerce`].
    pub fn new(
        base: url::Url,
        settings: &PlatformSettings,
        http: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        let PlatformSettings::WooCommerce {
            consumer_key,
            consumer_secret,
            ..
        } = settings
        else {
            return Err(AdapterError::Invalid {
                message: format!("{VENDOR}: given the settings of {}", settings.kind()),
            });
        };
        // Basic auth in clear text would give the key away: https, or a loopback stand-in.
        let mut base = parse_base_url(base.as_str()).map_err(|e| AdapterError::Invalid {
            message: format!("{VENDOR}: {e}"),
        })?;
        base.set_query(None);
        base.set_fragment(None);
        let base = as_folder(base);
        let auth = Auth::Basic {
            user: consumer_key.expose().to_owned(),
            password: consumer_secret.clone(),
        };
        Ok(WooCommerce {
            client: HttpClient::new(VENDOR, base, auth, http)?,
            zone: TimeZone::UTC,
        })
    }

    /// Reads shipping dates without a time as days in `zone`, the shop's: WooCommerce keeps
    /// the day a parcel shipped, and the reply must say that day.
    pub fn in_time_zone(mut self, zone: TimeZone) -> Self {
        self.zone = zone;
        self
    }

    /// Replaces the retry loop's clock (tests use a recording one).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.client = self.client.with_clock(clock);
        self
    }

    fn orders_path() -> String {
        format!("wp-json/{API_VERSION}/orders")
    }

    fn order_path(id: u64) -> String {
        format!("wp-json/{API_VERSION}/orders/{id}")
    }

    /// One page of `orders?search=…`, newest first, and whether more pages follow.
    async fn search_page(
        &self,
        term: &str,
        page: usize,
    ) -> Result<(Vec<WcOrder>, bool), AdapterError> {
        let call = Call::get("orders?search", Self::orders_path())
            .query("search", term)
            .query("orderby", "date")
            .query("order", "desc")
            .query("per_page", PAGE_SIZE.to_string())
            .query("page", page.to_string())
            .expects_no_404();
        let response = self.client.send(&call).await?;
        let orders: Vec<WcOrder> = response.json(VENDOR)?;
        let more = match total_pages(&response) {
            Some(pages) => page < pages,
            None => orders.len() >= PAGE_SIZE,
        };
        Ok((orders, more))
    }

    /// The order a customer means by `number`, as WooCommerce sent it.
    async fn find_by_number(&self, number: &str) -> Result<WcOrder, AdapterError> {
        let wanted = normalize_order_number(number);
        let not_found = || AdapterError::not_found(format!("order #{wanted}"));
        if wanted.is_empty() {
            return Err(not_found());
        }
        if let Ok(id) = wanted.parse::<u64>() {
            let call =
                Call::get("orders/{id}", Self::order_path(id)).not_found_when(is_invalid_order_id);
            match self.client.json::<WcOrder>(&call).await {
                Ok(raw) if mapping::has_number(&raw, &wanted) => return Ok(raw),
                // That id is another order, or none: the number is not the id here.
                Ok(_) | Err(AdapterError::NotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        for page in 1..=MAX_PAGES {
            let (orders, more) = self.search_page(&wanted, page).await?;
            if let Some(raw) = orders
                .into_iter()
                .find(|raw| mapping::has_number(raw, &wanted))
            {
                return Ok(raw);
            }
            if !more {
                return Err(not_found());
            }
        }
        Err(search_too_broad(
            VENDOR,
            &format!("order #{wanted}"),
            PAGE_SIZE * MAX_PAGES,
        ))
    }

    /// Where `raw`'s tracking numbers are: the Shipment Tracking endpoint, or, when the
    /// extension is not installed, the order's meta data and then its notes.
    async fn parcels(&self, raw: &WcOrder) -> Result<Vec<Parcel>, AdapterError> {
        let call = Call::get(
            "orders/{id}/shipment-trackings",
            format!(
                "wp-json/{TRACKING_API_VERSION}/orders/{}/shipment-trackings",
                raw.id
            ),
        );
        match self.client.json::<Vec<WcTrackingItem>>(&call).await {
            Ok(items) => return Ok(shipments::from_tracking_items(raw.id, &items, &self.zone)),
            // `rest_no_route`: the extension is not installed.
            Err(AdapterError::NotFound { .. }) => {}
            Err(error) => return Err(error),
        }
        let parcels = shipments::from_meta(raw.id, &raw.meta_data, &self.zone);
        if !parcels.is_empty() || !mapping::may_have_shipped(raw) {
            return Ok(parcels);
        }
        let call = Call::get(
            "orders/{id}/notes",
            format!("{}/notes", Self::order_path(raw.id)),
        );
        let notes: Vec<WcNote> = self.client.json(&call).await?;
        Ok(shipments::from_notes(raw.id, &notes))
    }

    /// `raw` with its tracking numbers, as facts.
    async fn complete(&self, raw: &WcOrder) -> Result<Order, AdapterError> {
        let parcels = self.parcels(raw).await?;
        mapping::order(raw, &parcels)
    }
}

#[async_trait]
impl OrderPlatform for WooCommerce {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
        let raw = self.find_by_number(number).await?;
        self.complete(&raw).await
    }

    async fn recent_orders_by_email(
        &self,
        email: &str,
        limit: usize,
    ) -> Result<Vec<Order>, AdapterError> {
        let wanted = email.trim();
        if wanted.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        // Search matches substrings of names, addresses and other fields: keep exact e-mails.
        let mut found: Vec<(usize, WcOrder)> = Vec::new();
        let mut settled = false;
        for page in 1..=MAX_PAGES {
            let (orders, more) = self.search_page(wanted, page).await?;
            let offset = (page - 1) * PAGE_SIZE;
            found.extend(
                orders
                    .into_iter()
                    .enumerate()
                    .filter(|(_, raw)| {
                        raw.billing
                            .email
                            .as_deref()
                            .is_some_and(|e| same_email(e, wanted))
                    })
                    .map(|(index, raw)| (offset + index, raw)),
            );
            if found.len() >= limit || !more {
                settled = true;
                break;
            }
        }
        if !settled {
            return Err(search_too_broad(
                VENDOR,
                "the customer's e-mail",
                PAGE_SIZE * MAX_PAGES,
            ));
        }
        let mut orders = Vec::with_capacity(found.len().min(limit));
        for (index, raw) in found.iter().take(limit) {
            let order = self.complete(raw).await.map_err(|error| match error {
                AdapterError::BadResponse {
                    vendor,
                    field,
                    message,
                } => AdapterError::BadResponse {
                    vendor,
                    field: format!("[{index}].{field}"),
                    message,
                },
                other => other,
            })?;
            orders.push(order);
        }
        // The search asked for newest first; sorting again keeps the contract if a plugin
        // changes the order.
        orders.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.number.cmp(&a.number))
        });
        Ok(orders)
    }

    async fn cancel_order(&self, number: &str, at: Timestamp) -> Result<Order, AdapterError> {
        let raw = self.find_by_number(number).await?;
        let parcels = self.parcels(&raw).await?;
        let current = mapping::order(&raw, &parcels)?;
        if current.is_cancelled()
            || current.return_status.is_some()
            || current.fulfillment_status != FulfillmentStatus::Unfulfilled
        {
            return Err(AdapterError::Invalid {
                message: format!("order #{} is shipped or already cancelled", current.number),
            });
        }
        // Idempotent: setting the status an order already has changes nothing in WooCommerce
        // (no second transition, no second restock or e-mail), so a lost answer may be retried.
        let call = Call::put(
            "orders/{id}",
            Self::order_path(raw.id),
            json!({ "status": "cancelled" }),
        )
        .idempotent();
        let mut updated: WcOrder = self
            .client
            .json(&call)
            .await
            .map_err(write_permission_denied)?;
        if updated
            .date_modified_gmt
            .as_deref()
            .and_then(mapping::parse_gmt)
            .is_none()
        {
            // It was cancelled just now, whatever the answer left out.
            updated.date_modified_gmt = Some(at.to_string());
        }
        let order = mapping::order(&updated, &parcels)?;
        if !order.is_cancelled() {
            return Err(AdapterError::bad_response(
                VENDOR,
                "status",
                format!(
                    "the order is {:?} after setting it to cancelled",
                    updated.status.as_deref().unwrap_or("")
                ),
            ));
        }
        Ok(order)
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        // Needs the same read permission as every order lookup.
        let call = Call::get("orders?per_page", Self::orders_path())
            .query("per_page", "1")
            .expects_no_404();
        let _: Vec<serde::de::IgnoredAny> = self.client.json(&call).await?;
        Ok(())
    }
}

/// WooCommerce's 404 for an order id it does not have
/// (`{"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data":
/// {"status": 404}}`: `woocommerce_rest_{post_type}_invalid_id` in `get_item` of WooCommerce's
/// `WC_REST_CRUD_Controller`, errors shaped as in the REST API docs' "Errors" section). Any
/// other 404, WordPress's `rest_no_route` included, means the REST API is not at this address.
fn is_invalid_order_id(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|error| {
        error.get("code").and_then(|c| c.as_str()) == Some("woocommerce_rest_shop_order_invalid_id")
    })
}

/// `X-WP-TotalPages`, as WordPress REST collections send it.
fn total_pages(response: &Response) -> Option<usize> {
    response
        .headers
        .get("x-wp-totalpages")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// WooCommerce answers a write with a read-only key by 401 "The API key provided does not have
/// write permissions": the key is good, the permission is missing.
fn write_permission_denied(error: AdapterError) -> AdapterError {
    match error {
        AdapterError::Unauthenticated { message } if message.contains("write permission") => {
            AdapterError::PermissionDenied { message }
        }
        other => other,
    }
}
