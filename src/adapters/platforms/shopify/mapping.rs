//! Shopify GraphQL Admin order JSON → deskbot facts: serde types shaped like the documented
//! `Order`, `Fulfillment` and connection objects, and pure functions from them to [`Order`].
//!
//! Everything the vendor may omit or null is an `Option` (or a list that null turns empty);
//! unknown fields are ignored; enums are read as strings so a value added in a later API
//! version maps to "unknown" instead of failing the whole answer. Only what a reply cannot do
//! without — the order number, its e-mail and when it was placed — is required: missing or
//! malformed, it is a [`AdapterError::BadResponse`] naming the field.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

use crate::adapters::platforms::{lines_left, shared_carrier};
use crate::adapters::AdapterError;
use crate::respond::facts::{
    shipped_units, Destination, FinancialStatus, FulfilledItem, Fulfillment, FulfillmentStatus,
    LineItem, Money, Order, ReturnStatus, TrackingStatus,
};

/// The vendor's name in errors and logs.
pub(crate) const VENDOR: &str = "shopify";

/// Null or missing → the type's default (an empty list, `false`).
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A GraphQL connection, read either way Shopify documents it: `nodes`, or `edges { node }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    /// The items, when the query asks for `nodes`.
    pub nodes: Option<Vec<T>>,
    /// The items, when the query asks for `edges { node }`.
    pub edges: Option<Vec<Edge<T>>>,
    /// Where the next page starts.
    pub page_info: Option<PageInfo>,
}

impl<T> Default for Connection<T> {
    fn default() -> Self {
        Connection {
            nodes: None,
            edges: None,
            page_info: None,
        }
    }
}

impl<T> Connection<T> {
    /// The items with their JSON paths relative to the connection (`nodes[0]`,
    /// `edges[1].node`), so errors can name the field.
    pub fn into_items(self) -> Vec<(String, T)> {
        let mut items: Vec<(String, T)> = self
            .nodes
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, node)| (format!("nodes[{i}]"), node))
            .collect();
        let edges = self.edges.unwrap_or_default().into_iter().enumerate();
        items.extend(edges.filter_map(|(i, edge)| Some((format!("edges[{i}].node"), edge.node?))));
        items
    }

    /// The cursor of the next page, if there is one.
    pub fn next_page(&self) -> Option<String> {
        let info = self.page_info.as_ref()?;
        if info.has_next_page {
            info.end_cursor.clone().filter(|cursor| !cursor.is_empty())
        } else {
            None
        }
    }
}

/// One edge of a connection.
#[derive(Debug, Clone, Deserialize)]
pub struct Edge<T> {
    /// The item.
    pub node: Option<T>,
}

/// `pageInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PageInfo {
    /// More items after this page.
    #[serde(deserialize_with = "nullable")]
    pub has_next_page: bool,
    /// The cursor to pass as `after`.
    pub end_cursor: Option<String>,
}

/// `data` of an `orders(...)` query.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrdersData {
    /// The connection; null when the vendor could not resolve it.
    pub orders: Option<Connection<OrderNode>>,
}

/// `data` of an `order(id:)` query: null for an unknown id.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrderData {
    /// The order.
    pub order: Option<OrderNode>,
}

/// An `Order` as deskbot queries it (`DeskbotOrder` fragment).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderNode {
    /// `gid://shopify/Order/…`.
    pub id: Option<String>,
    /// `#1001`, with the shop's prefix and suffix.
    pub name: Option<String>,
    /// The number inside `name`.
    pub number: Option<i64>,
    /// The customer's e-mail as entered at checkout.
    pub email: Option<String>,
    /// ISO 8601 time.
    pub created_at: Option<String>,
    /// ISO 8601 time, null unless cancelled.
    pub cancelled_at: Option<String>,
    /// `OrderDisplayFinancialStatus`.
    pub display_financial_status: Option<String>,
    /// `OrderDisplayFulfillmentStatus`.
    pub display_fulfillment_status: Option<String>,
    /// `OrderReturnStatus`.
    pub return_status: Option<String>,
    /// Total in the shop's currency.
    pub total_price_set: Option<MoneyBag>,
    /// Where it goes.
    pub shipping_address: Option<Address>,
    /// The shipping method chosen at checkout.
    pub shipping_line: Option<ShippingLine>,
    /// Products.
    pub line_items: Option<Connection<LineItemNode>>,
    /// Shipments.
    #[serde(deserialize_with = "nullable")]
    pub fulfillments: Vec<FulfillmentNode>,
}

/// `MoneyBag`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MoneyBag {
    /// In the shop's currency.
    pub shop_money: Option<MoneyV2>,
    /// In the currency the customer chose and paid in.
    pub presentment_money: Option<MoneyV2>,
}

/// `MoneyV2`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MoneyV2 {
    /// Decimal string ("2000.0").
    pub amount: Option<String>,
    /// ISO 4217.
    pub currency_code: Option<String>,
}

/// `MailingAddress`, the parts replies may use.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    /// City.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country_code_v2: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
}

/// `ShippingLine`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ShippingLine {
    /// A reference to the shipping method.
    pub code: Option<String>,
    /// The method's title as the customer saw it.
    pub title: Option<String>,
}

/// `LineItem`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LineItemNode {
    /// `gid://shopify/LineItem/…`.
    pub id: Option<String>,
    /// Product title.
    pub title: Option<String>,
    /// Product and variant title ("Draft - 151cm"), used when `title` is absent.
    pub name: Option<String>,
    /// Units ordered, including refunded and removed units.
    pub quantity: Option<i64>,
    /// Units ordered, excluding refunded and removed units.
    pub current_quantity: Option<i64>,
}

/// `Fulfillment`: one shipment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FulfillmentNode {
    /// `gid://shopify/Fulfillment/…`.
    pub id: Option<String>,
    /// `FulfillmentStatus`: `SUCCESS`, `CANCELLED`, `ERROR`, `FAILURE`.
    pub status: Option<String>,
    /// `FulfillmentDisplayStatus`: `IN_TRANSIT`, `DELIVERED`, …
    pub display_status: Option<String>,
    /// When the fulfillment was created.
    pub created_at: Option<String>,
    /// When the carrier took it, if Shopify heard.
    pub in_transit_at: Option<String>,
    /// When it was delivered, if Shopify heard.
    pub delivered_at: Option<String>,
    /// The estimate Shopify has (not used yet: the carrier's own estimate is).
    pub estimated_delivery_at: Option<String>,
    /// Tracking numbers, one entry each.
    #[serde(deserialize_with = "nullable")]
    pub tracking_info: Vec<TrackingInfo>,
    /// What is in the parcel.
    pub fulfillment_line_items: Option<Connection<FulfillmentLineItemNode>>,
}

/// `FulfillmentTrackingInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TrackingInfo {
    /// Carrier name as the merchant or app wrote it.
    pub company: Option<String>,
    /// The tracking number.
    pub number: Option<String>,
    /// A tracking page.
    pub url: Option<String>,
}

/// `FulfillmentLineItem`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FulfillmentLineItemNode {
    /// Units of the line in this parcel.
    pub quantity: Option<i64>,
    /// The order's line item.
    pub line_item: Option<LineItemRef>,
}

/// A reference to a line item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LineItemRef {
    /// `gid://shopify/LineItem/…`.
    pub id: Option<String>,
}

/// `Some(trimmed)` unless missing or blank.
fn text(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn bad(at: &str, field: &str, message: impl Into<String>) -> AdapterError {
    AdapterError::bad_response(VENDOR, format!("{at}.{field}"), message)
}

/// A required time: missing, blank or not ISO 8601 is an error naming the field.
fn required_time(value: Option<&str>, at: &str, field: &str) -> Result<Timestamp, AdapterError> {
    let value = text(value).ok_or_else(|| bad(at, field, "missing"))?;
    value
        .parse()
        .map_err(|e| bad(at, field, format!("{value:?} is not a time: {e}")))
}

/// An optional time: missing or blank is `None`, malformed is an error naming the field.
fn optional_time(
    value: Option<&str>,
    at: &str,
    field: &str,
) -> Result<Option<Timestamp>, AdapterError> {
    text(value)
        .map(|value| {
            value
                .parse()
                .map_err(|e| bad(at, field, format!("{value:?} is not a time: {e}")))
        })
        .transpose()
}

/// The customer-facing number: `number` when queried, else the one run of digits in `name`
/// (`#1001`, `JO-1001-EU`).
fn order_number(node: &OrderNode, at: &str) -> Result<String, AdapterError> {
    if let Some(number) = node.number {
        return if number > 0 {
            Ok(number.to_string())
        } else {
            Err(bad(
                at,
                "number",
                format!("{number} is not an order number"),
            ))
        };
    }
    let name = text(node.name.as_deref()).ok_or_else(|| bad(at, "name", "missing"))?;
    let runs: Vec<&str> = name
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .collect();
    match runs.as_slice() {
        [digits] => Ok((*digits).to_owned()),
        _ => Err(bad(
            at,
            "name",
            format!("cannot tell the order number in {name:?}"),
        )),
    }
}

/// Whether `node` is the order a customer means by `wanted`: its `number`, or its whole `name`
/// without `#` (`JO-1001`) for shops that number with a prefix or suffix.
pub fn has_number(node: &OrderNode, wanted: &str) -> bool {
    if node.number.is_some_and(|n| n.to_string() == wanted) {
        return true;
    }
    let name = text(node.name.as_deref()).unwrap_or_default();
    let name = name.trim_start_matches('#').trim();
    if !name.is_empty() && name.eq_ignore_ascii_case(wanted) {
        return true;
    }
    node.number.is_none() && order_number(node, "").is_ok_and(|number| number == wanted)
}

/// Whether a fulfillment is a parcel on its way or delivered (not one that was cancelled, never
/// happened, or that a third-party fulfillment service has not finished: the legacy `PENDING`
/// and `OPEN` statuses, which Shopify still lists as valid).
fn is_shipment(node: &FulfillmentNode) -> bool {
    let status = text(node.status.as_deref()).map(str::to_ascii_uppercase);
    let display = text(node.display_status.as_deref()).map(str::to_ascii_uppercase);
    !matches!(
        status.as_deref(),
        Some("CANCELLED" | "CANCELED" | "ERROR" | "FAILURE" | "PENDING" | "OPEN")
    ) && !matches!(display.as_deref(), Some("CANCELED" | "LABEL_VOIDED"))
}

/// `OrderDisplayFinancialStatus` → facts.
pub fn financial_status(value: Option<&str>) -> FinancialStatus {
    match text(value).map(str::to_ascii_uppercase).as_deref() {
        Some("PENDING") => FinancialStatus::Pending,
        Some("AUTHORIZED") => FinancialStatus::Authorized,
        Some("PAID") => FinancialStatus::Paid,
        Some("PARTIALLY_REFUNDED") => FinancialStatus::PartiallyRefunded,
        Some("REFUNDED") => FinancialStatus::Refunded,
        Some("VOIDED") => FinancialStatus::Voided,
        // PARTIALLY_PAID, EXPIRED, anything newer.
        _ => FinancialStatus::Unknown,
    }
}

/// `OrderDisplayFulfillmentStatus` → facts. Statuses that speak only of the unshipped items
/// (on hold, scheduled, in progress at a fulfillment service, declined) say nothing about
/// whether some items already left: the shipments decide. With none, the order is not simply
/// waiting either, so it is `InProgress`: a cancel is for a person.
pub fn fulfillment_status(value: Option<&str>, shipments: usize) -> FulfillmentStatus {
    let nothing_shipped = if shipments == 0 {
        FulfillmentStatus::InProgress
    } else {
        FulfillmentStatus::PartiallyFulfilled
    };
    match text(value).map(str::to_ascii_uppercase).as_deref() {
        Some("FULFILLED") => FulfillmentStatus::Fulfilled,
        Some("PARTIALLY_FULFILLED") => FulfillmentStatus::PartiallyFulfilled,
        Some("UNFULFILLED" | "OPEN" | "RESTOCKED") => FulfillmentStatus::Unfulfilled,
        Some(
            "ON_HOLD" | "SCHEDULED" | "IN_PROGRESS" | "PENDING_FULFILLMENT" | "REQUEST_DECLINED",
        ) => nothing_shipped,
        // FULFILLMENT_NOT_REQUIRED, missing, anything newer.
        _ => FulfillmentStatus::Unknown,
    }
}

/// `OrderReturnStatus` → facts. Shopify says "returned" once the goods are back; whether the
/// money went back too is the order's financial status.
pub fn return_status(value: Option<&str>, financial: FinancialStatus) -> Option<ReturnStatus> {
    match text(value).map(str::to_ascii_uppercase).as_deref() {
        Some("RETURN_REQUESTED") => Some(ReturnStatus::Requested),
        Some("IN_PROGRESS") => Some(ReturnStatus::InProgress),
        Some("RETURNED" | "INSPECTION_COMPLETE") => Some(
            if matches!(
                financial,
                FinancialStatus::Refunded | FinancialStatus::PartiallyRefunded
            ) {
                ReturnStatus::Refunded
            } else {
                ReturnStatus::Received
            },
        ),
        // NO_RETURN; RETURN_FAILED (no return in progress or done); anything newer.
        _ => None,
    }
}

/// `FulfillmentDisplayStatus` → what the platform believes about delivery. Statuses that only
/// say the order was marked shipped carry no delivery knowledge and give `None`.
pub fn platform_status(display: Option<&str>, delivered: bool) -> Option<TrackingStatus> {
    let status = match text(display).map(str::to_ascii_uppercase).as_deref() {
        Some("DELIVERED" | "PICKED_UP") => Some(TrackingStatus::Delivered),
        Some("OUT_FOR_DELIVERY") => Some(TrackingStatus::OutForDelivery),
        Some("ATTEMPTED_DELIVERY") => Some(TrackingStatus::AttemptedDelivery),
        Some("IN_TRANSIT" | "CARRIER_PICKED_UP") => Some(TrackingStatus::InTransit),
        Some("LABEL_PRINTED" | "LABEL_PURCHASED") => Some(TrackingStatus::LabelCreated),
        Some("DELAYED" | "NOT_DELIVERED" | "FAILURE") => Some(TrackingStatus::Exception),
        // FULFILLED, MARKED_AS_FULFILLED, CONFIRMED, SUBMITTED, READY_FOR_PICKUP, newer.
        _ => None,
    };
    status.or(delivered.then_some(TrackingStatus::Delivered))
}

fn quantity(value: Option<i64>) -> u32 {
    value
        .map(|q| u32::try_from(q.max(0)).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

/// The amount in the currency the customer paid (`presentmentMoney`), which is what a reply
/// may quote; the shop's own currency only when a body lacks it.
fn money(bag: Option<&MoneyBag>) -> Option<Money> {
    let bag = bag?;
    let read = |money: Option<&MoneyV2>| {
        let money = money?;
        Some(Money {
            amount: text(money.amount.as_deref())?.to_owned(),
            currency: text(money.currency_code.as_deref())?.to_ascii_uppercase(),
        })
    };
    read(bag.presentment_money.as_ref()).or_else(|| read(bag.shop_money.as_ref()))
}

fn destination(address: Option<&Address>) -> Option<Destination> {
    let address = address?;
    Some(Destination {
        city: text(address.city.as_deref())?.to_owned(),
        country: text(address.country_code_v2.as_deref())?.to_ascii_uppercase(),
        postcode: text(address.zip.as_deref()).map(str::to_owned),
    })
}

fn shipping_method(line: Option<&ShippingLine>) -> Option<String> {
    let line = line?;
    text(line.code.as_deref())
        .or(text(line.title.as_deref()))
        .map(str::to_owned)
}

/// The order's lines with the units the customer is to receive: `currentQuantity` (refunded
/// and removed units left out), never fewer than `shipments` hold (see [`lines_left`]).
/// Without `currentQuantity`, `quantity` is all there is.
fn line_items(
    connection: Option<Connection<LineItemNode>>,
    shipments: &[Fulfillment],
) -> Vec<LineItem> {
    let lines = connection
        .unwrap_or_default()
        .into_items()
        .into_iter()
        .map(|(_, node)| {
            let id = text(node.id.as_deref()).unwrap_or_default().to_owned();
            let ordered = quantity(node.quantity);
            let left = node.current_quantity.map_or(ordered, |current| {
                quantity(Some(current)).max(shipped_units(shipments, &id))
            });
            let line = LineItem {
                id,
                title: text(node.title.as_deref())
                    .or(text(node.name.as_deref()))
                    .unwrap_or_default()
                    .to_owned(),
                quantity: ordered,
            };
            (line, left)
        })
        .collect();
    lines_left(lines)
}

/// One shipment as facts. `at` is its JSON path, for errors.
pub fn fulfillment(node: FulfillmentNode, at: &str) -> Result<Fulfillment, AdapterError> {
    let created_at = optional_time(node.created_at.as_deref(), at, "createdAt")?;
    let in_transit_at = optional_time(node.in_transit_at.as_deref(), at, "inTransitAt")?;
    let delivered_at = optional_time(node.delivered_at.as_deref(), at, "deliveredAt")?;
    let mut tracking_numbers: Vec<String> = Vec::new();
    let mut tracking_urls: Vec<String> = Vec::new();
    for info in &node.tracking_info {
        if let Some(number) = text(info.number.as_deref()) {
            if !tracking_numbers.iter().any(|n| n == number) {
                tracking_numbers.push(number.to_owned());
            }
        }
        if let Some(url) = text(info.url.as_deref()) {
            if !tracking_urls.iter().any(|u| u == url) {
                tracking_urls.push(url.to_owned());
            }
        }
    }
    let companies = node
        .tracking_info
        .iter()
        .filter_map(|info| text(info.company.as_deref()));
    let carrier = shared_carrier(companies).map(str::to_owned);
    let items = node
        .fulfillment_line_items
        .unwrap_or_default()
        .into_items()
        .into_iter()
        .filter_map(|(_, item)| {
            let id = text(item.line_item.as_ref()?.id.as_deref())?.to_owned();
            Some(FulfilledItem {
                line_item_id: id,
                quantity: quantity(item.quantity),
            })
        })
        .collect();
    Ok(Fulfillment {
        id: text(node.id.as_deref()).unwrap_or_default().to_owned(),
        items,
        tracking_numbers,
        carrier,
        tracking_urls,
        // Handed to the carrier: when Shopify heard it went into transit, else when the
        // shipment was recorded.
        shipped_at: in_transit_at.or(created_at),
        platform_status: platform_status(node.display_status.as_deref(), delivered_at.is_some()),
        items_known: true,
    })
}

/// One order as facts. `at` is its JSON path (`data.orders.nodes[0]`), for errors.
pub fn order(node: OrderNode, at: &str) -> Result<Order, AdapterError> {
    let number = order_number(&node, at)?;
    let email = text(node.email.as_deref())
        .ok_or_else(|| bad(at, "email", "missing"))?
        .to_owned();
    let created_at = required_time(node.created_at.as_deref(), at, "createdAt")?;
    let cancelled_at = optional_time(node.cancelled_at.as_deref(), at, "cancelledAt")?;
    let financial = financial_status(node.display_financial_status.as_deref());
    let mut fulfillments = Vec::new();
    for (i, shipment) in node.fulfillments.into_iter().enumerate() {
        if is_shipment(&shipment) {
            fulfillments.push(fulfillment(shipment, &format!("{at}.fulfillments[{i}]"))?);
        }
    }
    Ok(Order {
        id: text(node.id.as_deref()).unwrap_or_default().to_owned(),
        number,
        email,
        created_at,
        financial_status: financial,
        fulfillment_status: fulfillment_status(
            node.display_fulfillment_status.as_deref(),
            fulfillments.len(),
        ),
        cancelled_at,
        line_items: line_items(node.line_items, &fulfillments),
        shipping_method: shipping_method(node.shipping_line.as_ref()),
        destination: destination(node.shipping_address.as_ref()),
        fulfillments,
        return_status: return_status(node.return_status.as_deref(), financial),
        total: money(node.total_price_set.as_ref()),
    })
}

/// Every order of an `orders` connection, in the vendor's order. `at` is the connection's JSON
/// path (`data.orders`).
pub fn orders(connection: Connection<OrderNode>, at: &str) -> Result<Vec<Order>, AdapterError> {
    connection
        .into_items()
        .into_iter()
        .map(|(path, node)| order(node, &format!("{at}.{path}")))
        .collect()
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
