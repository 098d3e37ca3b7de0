//! Magento 2 / Adobe Commerce REST bodies (the `V1` sales schemas) and their pure mapping into
//! [`crate::respond::facts`]. Unit-tested on documented bodies in `fixtures/` (see
//! `fixtures/SOURCES.md`).
//!
//! Every field read here is optional: Magento omits unset columns, extensions add or null them,
//! and `?fields=` filtering drops the rest. Only what a reply cannot do without (the order's
//! entity id, increment id, e-mail and creation time) is an [`AdapterError::BadResponse`] when
//! missing or malformed; anything else missing is simply not stated.

use std::collections::HashMap;

use jiff::Timestamp;

use crate::adapters::platforms::{lines_left, shared_carrier};
use crate::adapters::{normalize_order_number, AdapterError};
use crate::carrier::Carrier;
use crate::respond::facts::{
    shipped_units, Destination, FinancialStatus, FulfilledItem, Fulfillment, FulfillmentStatus,
    LineItem, Money, Order, ReturnStatus,
};

mod wire;
pub use wire::*;

/// The vendor's name in errors and logs.
pub const VENDOR: &str = "magento";

/// Amounts closer than this are equal (Magento keeps four decimals).
const MONEY_EPSILON: f64 = 0.005;

/// A Magento time: `YYYY-MM-DD HH:MM:SS` in UTC without an offset, as the REST API writes every
/// `created_at`/`updated_at`. RFC 3339 (with an offset) is accepted too. Empty, the MySQL zero
/// date and anything else unreadable are `None`.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0000-00-00") {
        return None;
    }
    if let Ok(civil) = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text) {
        return civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Some(timestamp);
    }
    // ISO 8601 without an offset: still Magento's UTC.
    text.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|civil| civil.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
}

/// Every order of a search result, each with the shipments whose `order_id` is its
/// `entity_id`. Errors name the field as `items[i].field`.
pub fn orders(
    result: &OrderSearchResult,
    shipments: &[MagentoShipment],
) -> Result<Vec<Order>, AdapterError> {
    let mut by_order: HashMap<&str, Vec<&MagentoShipment>> = HashMap::new();
    for shipment in shipments {
        if let Some(Id(order_id)) = &shipment.order_id {
            by_order
                .entry(order_id.as_str())
                .or_default()
                .push(shipment);
        }
    }
    result
        .items
        .iter()
        .flatten()
        .enumerate()
        .map(|(index, magento)| {
            let own = magento
                .entity_id
                .as_ref()
                .and_then(|id| by_order.get(id.0.as_str()))
                .map(Vec::as_slice)
                .unwrap_or_default();
            order(magento, own, &format!("items[{index}]"))
        })
        .collect()
}

/// One order with its shipments. `path` prefixes field names in errors (`items[0]`, or `""`
/// for a body that is the order itself).
pub fn order(
    magento: &MagentoOrder,
    shipments: &[&MagentoShipment],
    path: &str,
) -> Result<Order, AdapterError> {
    let field = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let missing = |name: &str| AdapterError::bad_response(VENDOR, field(name), "missing or empty");
    let id = magento
        .entity_id
        .as_ref()
        .map(|id| id.0.clone())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| missing("entity_id"))?;
    let number = magento
        .increment_id
        .as_deref()
        .map(normalize_order_number)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| missing("increment_id"))?;
    let email = non_empty(magento.customer_email.as_deref())
        .ok_or_else(|| missing("customer_email"))?
        .to_owned();
    let created_text =
        non_empty(magento.created_at.as_deref()).ok_or_else(|| missing("created_at"))?;
    let created_at = parse_time(created_text).ok_or_else(|| {
        AdapterError::bad_response(
            VENDOR,
            field("created_at"),
            format!("{created_text:?} is not a time like 2026-11-20 15:00:00"),
        )
    })?;

    let items: &[MagentoItem] = magento.items.as_deref().unwrap_or_default();
    let lines = Lines::new(items);
    let fulfillments: Vec<Fulfillment> = shipments
        .iter()
        .enumerate()
        .map(|(index, shipment)| fulfillment(shipment, index, &lines))
        .collect();
    let line_items = line_items(&lines, &fulfillments, &field)?;
    let state = state(magento);
    let shipped = !fulfillments.is_empty();
    let shipping = magento
        .extension_attributes
        .as_ref()
        .and_then(|e| e.shipping_assignments.as_ref())
        .and_then(|a| a.first())
        .and_then(|a| a.shipping.as_ref());
    Ok(Order {
        id,
        number,
        email,
        created_at,
        financial_status: financial_status(magento, &state),
        fulfillment_status: fulfillment_status(&lines, &state, shipped),
        cancelled_at: cancelled_at(magento, &state, shipped, &field("updated_at"))?,
        line_items,
        shipping_method: shipping
            .and_then(|s| non_empty(s.method.as_deref()))
            .map(str::to_owned),
        destination: shipping
            .and_then(|s| s.address.as_ref())
            .and_then(destination),
        fulfillments,
        // A closed order that shipped was refunded after it went out: what a return ends in.
        // Magento Open Source keeps no return status of its own (RMA is Adobe Commerce only).
        return_status: (state == "closed" && shipped).then_some(ReturnStatus::Refunded),
        total: total(magento),
    })
}

/// `Some(trimmed)` unless empty.
fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// The order's state, lower case; the status stands in where a filtered body has no state.
fn state(magento: &MagentoOrder) -> String {
    non_empty(magento.state.as_deref())
        .or(non_empty(magento.status.as_deref()))
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The order lines and who is whose child.
struct Lines<'a> {
    /// Top-level lines with their index in `items[]`: what the customer ordered.
    top: Vec<(usize, &'a MagentoItem)>,
    /// Each child row's parent, so a shipment of a configurable's child counts for the product.
    parent_of: HashMap<&'a str, &'a str>,
    /// Children of each top-level line.
    children: HashMap<&'a str, Vec<&'a MagentoItem>>,
}

impl<'a> Lines<'a> {
    fn new(items: &'a [MagentoItem]) -> Self {
        let mut lines = Lines {
            top: Vec::new(),
            parent_of: HashMap::new(),
            children: HashMap::new(),
        };
        for (index, item) in items.iter().enumerate() {
            match (&item.item_id, &item.parent_item_id) {
                (Some(Id(id)), Some(Id(parent))) => {
                    lines.parent_of.insert(id, parent);
                    lines.children.entry(parent).or_default().push(item);
                }
                (None, Some(Id(parent))) => lines.children.entry(parent).or_default().push(item),
                (_, None) => lines.top.push((index, item)),
            }
        }
        lines
    }

    /// The top-level line an `order_item_id` belongs to.
    fn top_level<'b>(&self, id: &'b str) -> &'b str
    where
        'a: 'b,
    {
        self.parent_of.get(id).copied().unwrap_or(id)
    }
}

/// The top-level lines with the units the customer is to receive: ordered, less cancelled and
/// refunded, never fewer than have shipped (see [`lines_left`]).
fn line_items(
    lines: &Lines<'_>,
    fulfillments: &[Fulfillment],
    field: &dyn Fn(&str) -> String,
) -> Result<Vec<LineItem>, AdapterError> {
    let units = |a: &Option<Amount>| a.as_ref().map_or(0, Amount::units);
    let mut kept = Vec::with_capacity(lines.top.len());
    for (index, item) in &lines.top {
        let line = line_item(item, *index, &field(&format!("items[{index}]")))?;
        let shipped = shipped_units(fulfillments, &line.id).max(units(&item.qty_shipped));
        let left = line
            .quantity
            .saturating_sub(units(&item.qty_canceled))
            .saturating_sub(units(&item.qty_refunded))
            .max(shipped);
        kept.push((line, left));
    }
    Ok(lines_left(kept))
}

fn line_item(item: &MagentoItem, index: usize, path: &str) -> Result<LineItem, AdapterError> {
    let quantity = item.qty_ordered.as_ref().ok_or_else(|| {
        AdapterError::bad_response(VENDOR, format!("{path}.qty_ordered"), "missing")
    })?;
    let title = non_empty(item.name.as_deref())
        .or(non_empty(item.sku.as_deref()))
        .ok_or_else(|| {
            AdapterError::bad_response(VENDOR, format!("{path}.name"), "no name and no sku")
        })?;
    Ok(LineItem {
        id: item
            .item_id
            .as_ref()
            .map_or_else(|| format!("line-{index}"), |id| id.0.clone()),
        title: title.to_owned(),
        quantity: quantity.units(),
    })
}

fn fulfillment(shipment: &MagentoShipment, index: usize, lines: &Lines<'_>) -> Fulfillment {
    // Quantities per top-level line: the line's own row when listed, else its largest child
    // (bundles shipped separately list children only).
    let mut own: Vec<(String, u32)> = Vec::new();
    let mut from_children: Vec<(String, u32)> = Vec::new();
    for item in shipment.items.iter().flatten() {
        let (Some(Id(id)), Some(qty)) = (&item.order_item_id, &item.qty) else {
            continue;
        };
        let top = lines.top_level(id);
        let list = if top == id {
            &mut own
        } else {
            &mut from_children
        };
        match list.iter_mut().find(|(line, _)| line == top) {
            Some((_, units)) => *units = (*units).max(qty.units()),
            None => list.push((top.to_owned(), qty.units())),
        }
    }
    for (line, units) in from_children {
        if !own.iter().any(|(l, _)| *l == line) {
            own.push((line, units));
        }
    }
    let tracks: Vec<&Track> = shipment
        .tracks
        .iter()
        .flatten()
        .filter(|t| non_empty(t.track_number.as_deref()).is_some())
        .collect();
    let mut tracking_numbers: Vec<String> = Vec::new();
    for track in &tracks {
        let number = non_empty(track.track_number.as_deref()).unwrap_or_default();
        if !tracking_numbers.iter().any(|n| n == number) {
            tracking_numbers.push(number.to_owned());
        }
    }
    let shipped_at = shipment
        .created_at
        .as_deref()
        .and_then(parse_time)
        .or_else(|| {
            tracks
                .iter()
                .filter_map(|t| t.created_at.as_deref().and_then(parse_time))
                .min()
        });
    Fulfillment {
        id: shipment
            .entity_id
            .as_ref()
            .map(|id| id.0.clone())
            .or_else(|| non_empty(shipment.increment_id.as_deref()).map(str::to_owned))
            .unwrap_or_else(|| format!("shipment-{index}")),
        items: own
            .into_iter()
            .map(|(line_item_id, quantity)| FulfilledItem {
                line_item_id,
                quantity,
            })
            .collect(),
        tracking_numbers,
        carrier: shipment_carrier(&tracks),
        // Magento keeps no tracking links: the carrier adapter supplies them.
        tracking_urls: Vec::new(),
        shipped_at,
        // Magento has no delivered state for a shipment.
        platform_status: None,
        items_known: true,
    }
}

/// The carrier name of one track: the title when it names a known carrier, else the carrier
/// code when that does ("ups" under the title "Ground"), else whatever title there is. The
/// code "custom" means "typed by hand" and names nobody.
pub fn track_carrier(track: &Track) -> Option<String> {
    let title = non_empty(track.title.as_deref());
    let code =
        non_empty(track.carrier_code.as_deref()).filter(|c| !c.eq_ignore_ascii_case("custom"));
    fn known(name: Option<&str>) -> Option<&str> {
        name.filter(|n| Carrier::from_platform_name(n).is_some())
    }
    known(title)
        .or(known(code))
        .or(title)
        .or(code)
        .map(str::to_owned)
}

/// One carrier for the shipment when its tracks agree (see [`shared_carrier`]).
fn shipment_carrier(tracks: &[&Track]) -> Option<String> {
    let names: Vec<String> = tracks.iter().filter_map(|t| track_carrier(t)).collect();
    shared_carrier(names.iter().map(String::as_str)).map(str::to_owned)
}

fn destination(address: &Address) -> Option<Destination> {
    Some(Destination {
        city: non_empty(address.city.as_deref())?.to_owned(),
        country: non_empty(address.country_id.as_deref())?.to_ascii_uppercase(),
        postcode: non_empty(address.postcode.as_deref()).map(str::to_owned),
    })
}

fn total(magento: &MagentoOrder) -> Option<Money> {
    Some(Money {
        amount: magento.grand_total.as_ref()?.decimal(),
        currency: non_empty(magento.order_currency_code.as_deref())?.to_ascii_uppercase(),
    })
}

/// Magento has no payment status: it follows from the state and the order's totals.
fn financial_status(magento: &MagentoOrder, state: &str) -> FinancialStatus {
    let amount = |a: &Option<Amount>| a.as_ref().map_or(0.0, Amount::value);
    let paid = amount(&magento.total_paid);
    let refunded = amount(&magento.total_refunded);
    let full = magento.grand_total.as_ref().map_or(paid, Amount::value);
    if state == "closed" {
        // Closed is Magento's "fully refunded".
        return FinancialStatus::Refunded;
    }
    if refunded > MONEY_EPSILON {
        return if refunded + MONEY_EPSILON >= full {
            FinancialStatus::Refunded
        } else {
            FinancialStatus::PartiallyRefunded
        };
    }
    if matches!(state, "pending_payment" | "payment_review") {
        return FinancialStatus::Pending;
    }
    if paid > MONEY_EPSILON {
        // Part-paid (a partial invoice) is still waiting for the rest.
        return if paid + MONEY_EPSILON >= full {
            FinancialStatus::Paid
        } else {
            FinancialStatus::Pending
        };
    }
    if magento
        .grand_total
        .as_ref()
        .is_some_and(|g| g.value().abs() < MONEY_EPSILON)
    {
        return FinancialStatus::Paid;
    }
    if state == "canceled" {
        return FinancialStatus::Voided;
    }
    let authorized = magento
        .payment
        .as_ref()
        .map_or(0.0, |p| amount(&p.amount_authorized));
    if authorized > MONEY_EPSILON {
        return FinancialStatus::Authorized;
    }
    FinancialStatus::Pending
}

/// How far the physical lines are shipped. Virtual lines never ship; cancelled units need not.
fn fulfillment_status(lines: &Lines<'_>, state: &str, shipped: bool) -> FulfillmentStatus {
    let amount = |a: &Option<Amount>| a.as_ref().map_or(0.0, Amount::value);
    // (units still to ship, units shipped) of a row.
    let progress = |item: &MagentoItem| {
        let due = (amount(&item.qty_ordered) - amount(&item.qty_canceled)).max(0.0);
        (due, amount(&item.qty_shipped))
    };
    let mut any_shipped = false;
    let mut all_shipped = true;
    let mut any_due = false;
    for (_, item) in &lines.top {
        if item.is_virtual.is_some_and(|f| f.0) {
            continue;
        }
        let (due, done) = progress(item);
        if due < MONEY_EPSILON {
            continue;
        }
        any_due = true;
        // A bundle shipped separately counts its children instead.
        let children: Vec<(f64, f64)> = item
            .item_id
            .as_ref()
            .and_then(|id| lines.children.get(id.0.as_str()))
            .map(|c| c.iter().map(|child| progress(child)).collect())
            .unwrap_or_default();
        let full = done + MONEY_EPSILON >= due
            || (!children.is_empty()
                && children
                    .iter()
                    .all(|(due, done)| done + MONEY_EPSILON >= *due));
        let some = done > MONEY_EPSILON || children.iter().any(|(_, done)| *done > MONEY_EPSILON);
        any_shipped |= full || some;
        all_shipped &= full;
    }
    match (any_due, any_shipped, all_shipped) {
        (true, true, true) => FulfillmentStatus::Fulfilled,
        (true, true, false) => FulfillmentStatus::PartiallyFulfilled,
        // Nothing left to ship: all virtual or all cancelled.
        (false, _, _) if shipped => FulfillmentStatus::Fulfilled,
        (false, _, _) => FulfillmentStatus::Unfulfilled,
        // The lines say nothing shipped but shipments exist (a body without `qty_shipped`).
        (true, false, _) if shipped && state == "complete" => FulfillmentStatus::Fulfilled,
        (true, false, _) if shipped => FulfillmentStatus::PartiallyFulfilled,
        // On hold, or payment under review: nothing shipped, and Magento refuses a cancel.
        (true, false, _) if matches!(state, "holded" | "payment_review") => {
            FulfillmentStatus::InProgress
        }
        (true, false, _) => FulfillmentStatus::Unfulfilled,
    }
}

/// When the order was cancelled: `canceled`, or `closed` before anything shipped (refunded in
/// full without shipping, which a customer knows as cancelled). Magento stamps no cancellation
/// time: the latest history entry with that status gives it, else the last update.
fn cancelled_at(
    magento: &MagentoOrder,
    state: &str,
    shipped: bool,
    updated_field: &str,
) -> Result<Option<Timestamp>, AdapterError> {
    let status = match state {
        "canceled" => "canceled",
        "closed" if !shipped => "closed",
        _ => return Ok(None),
    };
    let from_history = magento
        .status_histories
        .iter()
        .flatten()
        .filter(|h| {
            h.status
                .as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case(status))
        })
        .filter_map(|h| h.created_at.as_deref().and_then(parse_time))
        .max();
    from_history
        .or_else(|| magento.updated_at.as_deref().and_then(parse_time))
        .map(Some)
        .ok_or_else(|| {
            AdapterError::bad_response(
                VENDOR,
                updated_field,
                format!("the order is {status} but no time of cancellation is given"),
            )
        })
}

#[cfg(test)]
mod tests;
