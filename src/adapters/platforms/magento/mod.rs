//! Magento 2 / Adobe Commerce (PaaS) order platform over the REST API
//! (`{base_url}/rest/{store_code}/V1/…`, [`API_VERSION`]).
//!
//! # What is covered
//! - **Order by number**: `GET orders` with `searchCriteria` on `increment_id` (`eq`) — the
//!   customer-facing number; `GET orders/{id}` takes the internal `entity_id` instead.
//! - **Recent orders by e-mail**: `GET orders` with `customer_email` `like %e-mail%`, newest
//!   first (`sortOrders` on `created_at` DESC), paged with `pageSize`/`currentPage`. `like`
//!   rather than `eq` so an address stored with stray spaces still matches (MySQL compares
//!   case-insensitively either way); the superset it returns is filtered here to the same
//!   address, trimmed and case-folded, paging on (50 a page) until `limit` orders are found.
//!   Look-alike addresses can fill every page deskbot reads; then the search is an error, not
//!   a short list.
//! - **Shipments and tracking**: `GET shipments` with `order_id` `eq`/`in` (one call for a whole
//!   list of orders): `items[]` (`order_item_id`, `qty`) and `tracks[]` (`track_number`,
//!   `carrier_code`, `title`, `created_at`), one [`Fulfillment`](crate::respond::facts::Fulfillment)
//!   per shipment.
//! - **Cancel**: `POST orders/{entity_id}/cancel`, after reading the order (unknown →
//!   `NotFound`, cancelled or shipped → `Invalid`). Magento answers `true`, or `false` when it
//!   refuses — notably for an order already invoiced (captured payments are invoiced), on hold or
//!   in payment review — which becomes `Invalid`. Not retried once sent: repeating a cancel that
//!   went through answers `false`, which would read as a refusal.
//! - **Connection check** (`deskbot doctor`): `GET orders?searchCriteria[pageSize]=1`.
//!
//! Magento sends times as `YYYY-MM-DD HH:MM:SS` in UTC and stamps no cancellation time, has no
//! payment status (it follows from `state` and the totals), no delivered status, no tracking
//! links and (in Open Source) no returns: see [`mapping`] for how each fact is derived.
//! Search pages past the last one repeat the last page, so paging stops on `total_count`.
//!
//! Docs followed: REST reference <https://developer.adobe.com/commerce/webapi/rest/quick-reference/>
//! (generated: <https://adobe-commerce.redoc.ly/2.4.6-admin/tag/orders>), searches
//! <https://developer.adobe.com/commerce/webapi/rest/use-rest/performing-searches/>, the order
//! tutorial <https://developer.adobe.com/commerce/webapi/rest/tutorials/orders/>, tokens
//! <https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-token/>.
//!
//! # Access
//! An integration (System › Extensions › Integrations) or admin token, sent as
//! `Authorization: Bearer …`; integration tokens used as bearer tokens need
//! "Allow OAuth Access Tokens to be used as standalone Bearer tokens" (Stores › Configuration ›
//! Services › OAuth › Consumer Settings) on 2.4.4 and later. Resources: Sales › Operations ›
//! Orders › Actions › View (`Magento_Sales::actions_view`, under `Magento_Sales::sales`) and
//! Cancel (`Magento_Sales::cancel`), and Sales › Operations › Shipments
//! (`Magento_Sales::shipment`). Older releases check `Magento_Sales::sales` alone for all of
//! these. Magento answers HTTP 401 both for a bad token and for a missing resource ("The
//! consumer isn't authorized to access %resources"), so `deskbot doctor` reports either as bad
//! credentials.
//!
//! # Not used yet
//! Invoices and credit memos (`GET invoices`, `GET creditmemos`: refund amounts and dates),
//! order comments (`GET orders/{id}/comments`, `POST orders/{id}/comments` — a note of what
//! deskbot told the customer), hold/unhold, `POST order/{id}/refund`, Adobe Commerce returns
//! (`GET returns`, RMA), `GET orders/items`, `?fields=` to trim the large order bodies, and the
//! asynchronous and bulk endpoints.

pub mod mapping;

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;

use super::{search_too_broad, OrderPlatform};
use crate::adapters::http::{as_folder, Auth, Call, Clock, HttpClient, HttpConfig};
use crate::adapters::{normalize_order_number, AdapterError, Secret};
use crate::respond::facts::{FulfillmentStatus, Order};
use crate::respond::verify::same_email;
use mapping::{MagentoShipment, OrderSearchResult, SearchProbe, ShipmentSearchResult, VENDOR};

/// The REST API version in every path (`/rest/{store_code}/V1/…`); every core Magento route is `V1`.
pub const API_VERSION: &str = "V1";

/// Most pages read for one question; a customer's orders are rarely more than a few pages.
const MAX_PAGES: usize = 5;

/// Orders per page of an e-mail search.
const EMAIL_SEARCH_PAGE_SIZE: usize = 50;

/// Shipments per page: a page of orders rarely has more.
const SHIPMENT_PAGE_SIZE: usize = 50;

/// A Magento 2 / Adobe Commerce store, read through its REST API.
#[derive(Debug, Clone)]
pub struct Magento {
    client: HttpClient,
    /// `{base_url}/rest/{store_code}/V1/`.
    api: url::Url,
}

impl Magento {
    /// A client for the store view `store_code` (`default` unless the shop has several) of
    /// the Magento site at `base_url` (its origin, or the folder Magento is installed in).
    pub fn new(
        base_url: url::Url,
        store_code: &str,
        access_token: Secret,
        http: &HttpConfig,
    ) -> Result<Self, AdapterError> {
        if store_code.is_empty()
            || !store_code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(AdapterError::Invalid {
                message: format!("{store_code:?} is not a Magento store code (letters, digits, _)"),
            });
        }
        let mut base = base_url;
        base.set_query(None);
        base.set_fragment(None);
        let base = as_folder(base);
        let api = base
            .join(&format!("rest/{store_code}/{API_VERSION}/"))
            .map_err(|e| AdapterError::Invalid {
                message: format!("magento base_url {base}: {e}"),
            })?;
        let client = HttpClient::new(VENDOR, api.clone(), Auth::Bearer(access_token), http)?;
        Ok(Magento { client, api })
    }

    /// The REST root every call is relative to: `{base_url}/rest/{store_code}/V1/`.
    pub fn api_root(&self) -> &url::Url {
        &self.api
    }

    /// Replaces the clock the retries wait on (tests pass a
    /// [`RecordingClock`](crate::adapters::http::RecordingClock)). Default: real time.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.client = self.client.with_clock(clock);
        self
    }

    /// One page of orders matching one filter, newest first.
    async fn order_page(
        &self,
        filter: Filter<'_>,
        page: usize,
        page_size: usize,
    ) -> Result<OrderSearchResult, AdapterError> {
        let call = filter
            .apply(Call::get("orders", "orders"))
            .query("searchCriteria[sortOrders][0][field]", "created_at")
            .query("searchCriteria[sortOrders][0][direction]", "DESC")
            .query("searchCriteria[pageSize]", page_size.to_string())
            .query("searchCriteria[currentPage]", page.to_string())
            // A search that finds nothing is an empty `items`; a 404 is not Magento's answer.
            .expects_no_404();
        self.client.json(&call).await
    }

    /// Every shipment of the orders with these entity ids.
    async fn shipments(&self, order_ids: &[&str]) -> Result<Vec<MagentoShipment>, AdapterError> {
        let (value, condition) = match order_ids {
            [] => return Ok(Vec::new()),
            [one] => ((*one).to_owned(), "eq"),
            many => (many.join(","), "in"),
        };
        let filter = Filter {
            field: "order_id",
            value: &value,
            condition,
        };
        let mut shipments = Vec::new();
        for page in 1..=MAX_PAGES {
            let call = filter
                .apply(Call::get("shipments", "shipments"))
                .query("searchCriteria[pageSize]", SHIPMENT_PAGE_SIZE.to_string())
                .query("searchCriteria[currentPage]", page.to_string())
                .expects_no_404();
            let result: ShipmentSearchResult = self.client.json(&call).await?;
            let items = result.items.unwrap_or_default();
            let last = is_last_page(page, SHIPMENT_PAGE_SIZE, items.len(), result.total_count);
            shipments.extend(items);
            if last {
                break;
            }
        }
        Ok(shipments)
    }

    /// Orders of a search result with their shipments, as facts.
    async fn with_shipments(&self, result: OrderSearchResult) -> Result<Vec<Order>, AdapterError> {
        let ids: Vec<&str> = result
            .items
            .iter()
            .flatten()
            .filter_map(|o| o.entity_id.as_ref().map(|id| id.0.as_str()))
            .collect();
        let shipments = self.shipments(&ids).await?;
        mapping::orders(&result, &shipments)
    }
}

/// One `searchCriteria` filter (Magento ANDs filter groups and ORs filters within a group;
/// deskbot needs one).
#[derive(Debug, Clone, Copy)]
struct Filter<'a> {
    field: &'a str,
    value: &'a str,
    condition: &'a str,
}

impl Filter<'_> {
    fn apply(&self, call: Call) -> Call {
        const AT: &str = "searchCriteria[filter_groups][0][filters][0]";
        call.query(format!("{AT}[field]"), self.field)
            .query(format!("{AT}[value]"), self.value)
            .query(format!("{AT}[condition_type]"), self.condition)
    }
}

/// Whether page `page` was the last: by `total_count` when given (Magento repeats the last
/// page for any page past it), else by a short page.
fn is_last_page(page: usize, page_size: usize, got: usize, total: Option<u64>) -> bool {
    match total {
        Some(total) => (page as u64).saturating_mul(page_size as u64) >= total,
        None => got < page_size,
    }
}

#[async_trait]
impl OrderPlatform for Magento {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
        let wanted = normalize_order_number(number);
        if wanted.is_empty() {
            return Err(AdapterError::not_found("order #"));
        }
        let filter = Filter {
            field: "increment_id",
            value: &wanted,
            condition: "eq",
        };
        // Two, to notice a number used twice (store views can keep separate sequences).
        let result = self.order_page(filter, 1, 2).await?;
        match result.items.as_deref().unwrap_or_default().len() {
            0 => return Err(AdapterError::not_found(format!("order #{wanted}"))),
            1 => {}
            n => {
                return Err(AdapterError::Invalid {
                    message: format!("{n} Magento orders have the number {wanted}"),
                })
            }
        }
        let mut orders = self.with_shipments(result).await?;
        Ok(orders.remove(0))
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
        let pattern = format!("%{wanted}%");
        let filter = Filter {
            field: "customer_email",
            value: &pattern,
            condition: "like",
        };
        // Whole pages: other customers' look-alike addresses ("joann@…" for "ann@…") share
        // them, and a page is one call however few of its orders are the customer's.
        let page_size = EMAIL_SEARCH_PAGE_SIZE;
        let mut found = OrderSearchResult::default();
        let kept = found.items.get_or_insert_with(Vec::new);
        let mut settled = false;
        for page in 1..=MAX_PAGES {
            let result = self.order_page(filter, page, page_size).await?;
            let items = result.items.unwrap_or_default();
            let last = is_last_page(page, page_size, items.len(), result.total_count);
            // `like` also finds "jo.ann@…" for "ann@…": keep the same address only.
            kept.extend(items.into_iter().filter(|o| {
                o.customer_email
                    .as_deref()
                    .is_some_and(|stored| same_email(stored, wanted))
            }));
            if kept.len() >= limit || last {
                settled = true;
                break;
            }
        }
        if !settled {
            return Err(search_too_broad(
                VENDOR,
                "the customer's e-mail",
                MAX_PAGES * page_size,
            ));
        }
        kept.truncate(limit);
        let mut orders = self.with_shipments(found).await?;
        // Newest first whatever the store's sort did; ties by number, as every platform does.
        orders.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.number.cmp(&a.number))
        });
        Ok(orders)
    }

    async fn cancel_order(&self, number: &str, at: Timestamp) -> Result<Order, AdapterError> {
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
                message: format!("order #{} has shipped", order.number),
            });
        }
        if order.fulfillment_status != FulfillmentStatus::Unfulfilled {
            return Err(AdapterError::Invalid {
                message: format!(
                    "order #{} is on hold or in payment review, which Magento does not cancel",
                    order.number
                ),
            });
        }
        if !order.id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(AdapterError::bad_response(
                VENDOR,
                "entity_id",
                format!("{:?} is not an order id", order.id),
            ));
        }
        // Not `.idempotent()`: see the module documentation.
        let call = Call::post(
            "orders/{id}/cancel",
            format!("orders/{}/cancel", order.id),
            serde_json::json!({}),
        );
        let cancelled: bool = self.client.json(&call).await?;
        if !cancelled {
            return Err(AdapterError::Invalid {
                message: format!(
                    "Magento refused to cancel order #{} (invoiced, on hold or in payment review)",
                    order.number
                ),
            });
        }
        let mut now = self.order_by_number(&order.number).await?;
        if now.cancelled_at.is_none() {
            // Magento said it cancelled; a replica may not show it yet.
            now.cancelled_at = Some(at);
        }
        Ok(now)
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        let call = Call::get("orders", "orders")
            .query("searchCriteria[pageSize]", "1")
            .query("searchCriteria[currentPage]", "1")
            .expects_no_404();
        let _: SearchProbe = self.client.json(&call).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_code_and_version_follow_the_site_folder() {
        let http = HttpConfig::default();
        for (base, expected) in [
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/rest/default/V1/",
            ),
            (
                "https://shop.example/magento",
                "https://shop.example/magento/rest/default/V1/",
            ),
            (
                "https://shop.example/m2/?x=1",
                "https://shop.example/m2/rest/default/V1/",
            ),
        ] {
            let magento =
                Magento::new(base.parse().unwrap(), "default", Secret::new("t"), &http).unwrap();
            assert_eq!(magento.api_root().as_str(), expected);
        }
        for bad in ["", "de-fr", "a/b"] {
            let error = Magento::new(
                "https://shop.example".parse().unwrap(),
                bad,
                Secret::new("t"),
                &http,
            )
            .unwrap_err();
            assert_eq!(error.kind(), "invalid", "{bad:?}");
        }
    }

    #[test]
    fn paging_stops_on_the_total_or_a_short_page() {
        assert!(!is_last_page(1, 5, 5, Some(12)));
        assert!(is_last_page(3, 5, 5, Some(12)));
        assert!(is_last_page(1, 5, 5, Some(5)));
        assert!(!is_last_page(1, 5, 5, None));
        assert!(is_last_page(2, 5, 3, None));
    }
}
