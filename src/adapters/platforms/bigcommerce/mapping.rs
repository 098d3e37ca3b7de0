//! BigCommerce v2 order JSON as documented, and the pure mapping from it to deskbot's facts.
//!
//! The types read only the fields deskbot uses. Every one is optional, because BigCommerce
//! nulls or leaves out what an order does not have (and its own examples write `{}` for
//! absent values in fields deskbot does not read); unknown fields are ignored. Counts and
//! amounts are read whether they come as numbers or strings ("Float, Float-As-String,
//! Integer", as the reference puts it). Times are RFC 2822 (`Tue, 05 Mar 2019 21:32:05 +0000`).
//!
//! An order is four answers: `orders/{id}` (or one element of `orders`), its `products`, its
//! `shipping_addresses` and its `shipments`; [`to_order`] joins them. What a reply cannot do
//! without — the order number (`id`), the customer's e-mail (`billing_address.email`), the
//! time it was placed (`date_created`), and each line's id, name and quantity — missing or
//! malformed is an [`AdapterError::BadResponse`] naming the field. Everything else missing
//! simply leaves the fact out.

use std::fmt;

use jiff::fmt::rfc2822::DateTimeParser;
use jiff::Timestamp;
use serde::de::{self, DeserializeOwned, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};

use crate::adapters::http::parse_json;
use crate::adapters::platforms::lines_left;
use crate::adapters::AdapterError;
use crate::respond::facts::{
    shipped_units, Destination, FinancialStatus, FulfilledItem, Fulfillment, FulfillmentStatus,
    LineItem, Money, Order, ReturnStatus,
};

/// The vendor's name in errors and logs.
pub const VENDOR: &str = "bigcommerce";

/// `status_id` values, as `GET /order_statuses` lists them.
pub mod status {
    /// Shopper reached the payment page but did not finish.
    pub const INCOMPLETE: u32 = 0;
    /// Checkout started, not completed.
    pub const PENDING: u32 = 1;
    /// Shipped (the seller used "Ship Items").
    pub const SHIPPED: u32 = 2;
    /// Some items shipped.
    pub const PARTIALLY_SHIPPED: u32 = 3;
    /// Refunded.
    pub const REFUNDED: u32 = 4;
    /// Cancelled: what `cancel_order` sets.
    pub const CANCELLED: u32 = 5;
    /// Declined by the seller.
    pub const DECLINED: u32 = 6;
    /// Checkout done, payment not confirmed.
    pub const AWAITING_PAYMENT: u32 = 7;
    /// Waiting for the customer to pick it up.
    pub const AWAITING_PICKUP: u32 = 8;
    /// Packed, waiting for the carrier.
    pub const AWAITING_SHIPMENT: u32 = 9;
    /// Completed (documented for digital goods; shops also use it for finished orders).
    pub const COMPLETED: u32 = 10;
    /// Checkout done and payment confirmed.
    pub const AWAITING_FULFILLMENT: u32 = 11;
    /// On hold for a manual check.
    pub const MANUAL_VERIFICATION_REQUIRED: u32 = 12;
    /// PayPal dispute open.
    pub const DISPUTED: u32 = 13;
    /// Partly refunded.
    pub const PARTIALLY_REFUNDED: u32 = 14;
}

/// A count the reference types as `number`: `2`, `2.0` or `"2"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count(pub u32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        impl Visitor<'_> for CountVisitor {
            type Value = Count;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative whole number")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                u32::try_from(v)
                    .map(Count)
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                u64::try_from(v)
                    .map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
                    .and_then(|v| self.visit_u64(v))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
                    // Whole and in range: the cast is exact.
                    Ok(Count(v as u32))
                } else {
                    Err(E::invalid_value(Unexpected::Float(v), &self))
                }
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                let text = v.trim();
                match (text.parse::<u32>(), text.parse::<f64>()) {
                    (Ok(n), _) => Ok(Count(n)),
                    (Err(_), Ok(f)) => self.visit_f64(f),
                    _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

/// An amount the reference types as "Float, Float-As-String, Integer", kept as text so cents
/// stay exact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decimal(pub String);

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DecimalVisitor;
        impl Visitor<'_> for DecimalVisitor {
            type Value = Decimal;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount as a number or a string")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                Ok(Decimal(v.trim().to_owned()))
            }
        }
        deserializer.deserialize_any(DecimalVisitor)
    }
}

/// An order: `GET orders/{id}`, one element of `GET orders`, or the answer to a `PUT`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BcOrder {
    /// The order id, which is also the number the customer sees.
    pub id: Option<u64>,
    /// When it was placed (RFC 2822).
    pub date_created: Option<String>,
    /// Last change (RFC 2822); BigCommerce has no cancellation time, so this stands in for it.
    pub date_modified: Option<String>,
    /// See [`status`].
    pub status_id: Option<Count>,
    /// `authorized`, `captured`, `capture pending`, `declined`, `held for review`, `paid`,
    /// `partially refunded`, `pending`, `refunded`, `void`, `void pending`, or empty.
    pub payment_status: Option<String>,
    /// The total, tax included.
    pub total_inc_tax: Option<Decimal>,
    /// The display currency (what the storefront showed).
    pub currency_code: Option<String>,
    /// The transactional currency (what the shopper paid in).
    pub default_currency_code: Option<String>,
    /// Units ordered.
    pub items_total: Option<Count>,
    /// Units shipped.
    pub items_shipped: Option<Count>,
    /// Holds the customer's e-mail.
    pub billing_address: Option<BcBillingAddress>,
}

/// The part of `billing_address` deskbot reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BcBillingAddress {
    /// The customer's e-mail.
    pub email: Option<String>,
}

/// One line of `GET orders/{id}/products`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BcProduct {
    /// The line's id (`order_product_id` in shipments).
    pub id: Option<u64>,
    /// Product name as ordered.
    pub name: Option<String>,
    /// Units ordered.
    pub quantity: Option<Count>,
    /// Units shipped so far.
    pub quantity_shipped: Option<Count>,
    /// Units refunded.
    pub quantity_refunded: Option<Count>,
    /// Whether the line was refunded.
    pub is_refunded: Option<bool>,
    /// The return this line belongs to; 0 for none.
    pub return_id: Option<Count>,
}

/// One element of `GET orders/{id}/shipping_addresses`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BcShippingAddress {
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country_iso2: Option<String>,
    /// The shipping method the customer chose, by its name in the shop ("Flat Rate").
    pub shipping_method: Option<String>,
}

/// One element of `GET orders/{id}/shipments`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BcShipment {
    /// Shipment id.
    pub id: Option<u64>,
    /// When the shipment was created (RFC 2822): the ship date.
    pub date_created: Option<String>,
    /// The tracking number (one per shipment; see [`tracking_numbers`]).
    pub tracking_number: Option<String>,
    /// The shipping module: `usps`, `ups`, `upsready`, `fedex`, `endicia`, `auspost`,
    /// `canadapost`, `royalmail`, `shipperhq`, `carrier_{id}`, or empty.
    pub shipping_provider: Option<String>,
    /// The carrier for tracking, from BigCommerce's tracking-carrier list, or empty.
    pub tracking_carrier: Option<String>,
    /// The provider's display name (read-only, newer stores).
    pub shipping_provider_display_name: Option<String>,
    /// A custom tracking link the merchant supplied.
    pub tracking_link: Option<String>,
    /// The link BigCommerce generated from the provider or carrier and the number.
    pub generated_tracking_link: Option<String>,
    /// What is in the parcel.
    pub items: Option<Vec<BcShipmentItem>>,
}

/// One element of a shipment's `items`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BcShipmentItem {
    /// The order product (line) id.
    pub order_product_id: Option<u64>,
    /// Units of it in the parcel.
    pub quantity: Option<Count>,
}

/// Parses a collection answer. An empty body is an empty collection: v2 answers `204 No
/// Content` when nothing matches. Error fields are prefixed with `what` (`products[2].name`).
pub fn parse_list<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<Vec<T>, AdapterError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    parse_json::<Option<Vec<T>>>(VENDOR, body)
        .map(Option::unwrap_or_default)
        .map_err(|error| prefix_field(error, what))
}

/// `error` with its field put under `prefix` (`[0].name` → `products[0].name`).
pub fn prefix_field(error: AdapterError, prefix: &str) -> AdapterError {
    match error {
        AdapterError::BadResponse {
            vendor,
            field,
            message,
        } if !prefix.is_empty() => {
            let field = match field.as_str() {
                "." | "" => prefix.trim_end_matches('.').to_owned(),
                rest if rest.starts_with('[') => format!("{}{rest}", prefix.trim_end_matches('.')),
                rest => format!("{prefix}{rest}"),
            };
            AdapterError::BadResponse {
                vendor,
                field,
                message,
            }
        }
        other => other,
    }
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> AdapterError {
    AdapterError::bad_response(VENDOR, field, message)
}

/// Text with surrounding space removed, or `None` when nothing is left.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// An RFC 2822 time as BigCommerce writes it; RFC 3339 is accepted too. A weekday that does
/// not fit the date is forgiven: the date is what counts.
pub fn parse_time(value: &str) -> Option<Timestamp> {
    let value = value.trim();
    DateTimeParser::new()
        .relaxed_weekday(true)
        .parse_timestamp(value)
        .ok()
        .or_else(|| value.parse::<Timestamp>().ok())
}

/// A required time: missing, empty or unreadable is a [`AdapterError::BadResponse`].
fn required_time(value: &Option<String>, field: String) -> Result<Timestamp, AdapterError> {
    let Some(raw) = text(value) else {
        return Err(bad(field, "missing or empty"));
    };
    parse_time(raw).ok_or_else(|| bad(field, format!("{raw:?} is not an RFC 2822 time")))
}

/// The facts of one order from its four answers. `at` prefixes the order's own fields in
/// errors: empty for `orders/{id}`, `[3].` for the fourth order of a list.
pub fn to_order(
    order: &BcOrder,
    products: &[BcProduct],
    addresses: &[BcShippingAddress],
    shipments: &[BcShipment],
    at: &str,
) -> Result<Order, AdapterError> {
    let number = order
        .id
        .ok_or_else(|| bad(format!("{at}id"), "missing"))?
        .to_string();
    let email = order
        .billing_address
        .as_ref()
        .and_then(|address| text(&address.email))
        .ok_or_else(|| bad(format!("{at}billing_address.email"), "missing or empty"))?
        .to_owned();
    let created_at = required_time(&order.date_created, format!("{at}date_created"))?;
    let status_id = order.status_id.map(|Count(id)| id);
    // BigCommerce records no cancellation time. The last modification is the closest it
    // has: for an order cancelled and left alone it is the cancellation, but a later change
    // (a note, a refund) moves it on.
    let cancelled_at = match status_id {
        Some(status::CANCELLED) => Some(required_time(
            &order.date_modified,
            format!("{at}date_modified"),
        )?),
        _ => None,
    };
    let fulfillments: Vec<Fulfillment> = shipments.iter().map(fulfillment).collect();
    let line_items = line_items(products, &fulfillments)?;
    Ok(Order {
        id: number.clone(),
        number,
        email,
        created_at,
        financial_status: financial_status(order.payment_status.as_deref(), status_id),
        fulfillment_status: fulfillment_status(order, products, &fulfillments, status_id),
        cancelled_at,
        line_items,
        shipping_method: addresses
            .first()
            .and_then(|a| text(&a.shipping_method))
            .map(str::to_owned),
        destination: addresses.iter().find_map(destination),
        fulfillments,
        return_status: return_status(order, products, status_id),
        total: total(order),
    })
}

/// The lines with the units the customer is to receive: ordered less refunded, never fewer
/// than have shipped (see [`lines_left`]).
fn line_items(
    products: &[BcProduct],
    fulfillments: &[Fulfillment],
) -> Result<Vec<LineItem>, AdapterError> {
    let count = |value: Option<Count>| value.map_or(0, |Count(n)| n);
    let mut lines = Vec::with_capacity(products.len());
    for (i, product) in products.iter().enumerate() {
        let line = line_item(product, i)?;
        let shipped = shipped_units(fulfillments, &line.id).max(count(product.quantity_shipped));
        let left = line
            .quantity
            .saturating_sub(count(product.quantity_refunded))
            .max(shipped);
        lines.push((line, left));
    }
    Ok(lines_left(lines))
}

fn line_item(product: &BcProduct, i: usize) -> Result<LineItem, AdapterError> {
    let field = |name: &str| format!("products[{i}].{name}");
    let id = product.id.ok_or_else(|| bad(field("id"), "missing"))?;
    let title = text(&product.name).ok_or_else(|| bad(field("name"), "missing or empty"))?;
    let Count(quantity) = product
        .quantity
        .ok_or_else(|| bad(field("quantity"), "missing"))?;
    Ok(LineItem {
        id: id.to_string(),
        title: title.to_owned(),
        quantity,
    })
}

/// Payment state from `payment_status`, or from the order status where the payment status is
/// empty (orders paid outside a gateway: cash, "Pay in Store", manual).
fn financial_status(payment_status: Option<&str>, status_id: Option<u32>) -> FinancialStatus {
    let payment = payment_status.map(|s| s.trim().to_ascii_lowercase());
    match payment.as_deref() {
        Some("captured" | "paid") => FinancialStatus::Paid,
        // Authorised; the capture is under way.
        Some("authorized" | "capture pending") => FinancialStatus::Authorized,
        Some("pending" | "held for review") => FinancialStatus::Pending,
        Some("partially refunded") => FinancialStatus::PartiallyRefunded,
        Some("refunded") => FinancialStatus::Refunded,
        Some("void" | "void pending") => FinancialStatus::Voided,
        _ => match status_id {
            Some(status::REFUNDED) => FinancialStatus::Refunded,
            Some(status::PARTIALLY_REFUNDED) => FinancialStatus::PartiallyRefunded,
            Some(status::INCOMPLETE | status::PENDING | status::AWAITING_PAYMENT) => {
                FinancialStatus::Pending
            }
            // Documented as "payment has been confirmed".
            Some(status::AWAITING_FULFILLMENT) => FinancialStatus::Paid,
            _ => FinancialStatus::Unknown,
        },
    }
}

/// Shipping state from the units shipped, or from the order status where no unit is recorded
/// as shipped (a merchant may set "Shipped" by hand, and digital orders go "Completed").
fn fulfillment_status(
    order: &BcOrder,
    products: &[BcProduct],
    fulfillments: &[Fulfillment],
    status_id: Option<u32>,
) -> FulfillmentStatus {
    let count = |value: Option<Count>| value.map_or(0, |Count(n)| n);
    let ordered = if products.is_empty() {
        count(order.items_total)
    } else {
        products.iter().map(|p| count(p.quantity)).sum()
    };
    let shipped = [
        products.iter().map(|p| count(p.quantity_shipped)).sum(),
        count(order.items_shipped),
        fulfillments
            .iter()
            .flat_map(|f| &f.items)
            .map(|item| item.quantity)
            .sum(),
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    if ordered > 0 && shipped >= ordered {
        return FulfillmentStatus::Fulfilled;
    }
    if shipped > 0 {
        return FulfillmentStatus::PartiallyFulfilled;
    }
    match status_id {
        Some(status::SHIPPED | status::COMPLETED) => FulfillmentStatus::Fulfilled,
        Some(status::PARTIALLY_SHIPPED) => FulfillmentStatus::PartiallyFulfilled,
        Some(
            status::INCOMPLETE
            | status::PENDING
            | status::AWAITING_PAYMENT
            | status::AWAITING_FULFILLMENT,
        ) => FulfillmentStatus::Unfulfilled,
        // Packed for the carrier, or held for a manual check: not shipped, but not simply
        // waiting either.
        Some(status::AWAITING_SHIPMENT | status::MANUAL_VERIFICATION_REQUIRED) => {
            FulfillmentStatus::InProgress
        }
        // Waiting for in-store pickup (never shipped), declined, disputed, refunded, or a
        // shop's own status: "not shipped yet" would mislead.
        Some(_) | None => FulfillmentStatus::Unknown,
    }
}

/// A return, where a line belongs to one (`return_id` other than 0): refunded once the lines
/// or the order are refunded, else requested. BigCommerce's v2 orders say nothing finer (in
/// transit, received).
fn return_status(
    order: &BcOrder,
    products: &[BcProduct],
    status_id: Option<u32>,
) -> Option<ReturnStatus> {
    let returned: Vec<&BcProduct> = products
        .iter()
        .filter(|p| p.return_id.is_some_and(|Count(id)| id != 0))
        .collect();
    if returned.is_empty() {
        return None;
    }
    let lines_refunded = returned
        .iter()
        .any(|p| p.is_refunded == Some(true) || p.quantity_refunded.is_some_and(|Count(n)| n > 0));
    let order_refunded = matches!(
        financial_status(order.payment_status.as_deref(), status_id),
        FinancialStatus::Refunded | FinancialStatus::PartiallyRefunded
    );
    Some(if lines_refunded || order_refunded {
        ReturnStatus::Refunded
    } else {
        ReturnStatus::Requested
    })
}

fn destination(address: &BcShippingAddress) -> Option<Destination> {
    Some(Destination {
        city: text(&address.city)?.to_owned(),
        country: text(&address.country_iso2)?.to_ascii_uppercase(),
        postcode: text(&address.zip).map(str::to_owned),
    })
}

/// The total with tax, in the currency the shopper paid (`default_currency_code`, the
/// transactional currency; `currency_code` is only the storefront's display currency and is
/// the fallback).
fn total(order: &BcOrder) -> Option<Money> {
    let amount = normalize_amount(&order.total_inc_tax.as_ref()?.0)?;
    let currency = text(&order.default_currency_code)
        .or_else(|| text(&order.currency_code))?
        .to_ascii_uppercase();
    Some(Money { amount, currency })
}

/// `"69.8400"` → `"69.84"`: trailing zeros past the cents go, so the amount reads as money.
/// Anything that is not a plain decimal gives `None`.
pub fn normalize_amount(amount: &str) -> Option<String> {
    let amount = amount.trim();
    let digits = amount.strip_prefix('-').unwrap_or(amount);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let sign = if amount.starts_with('-') { "-" } else { "" };
    if fraction.is_empty() {
        return Some(format!("{sign}{whole}"));
    }
    let kept = fraction.trim_end_matches('0');
    let kept = if kept.len() < 2 {
        &fraction[..2.min(fraction.len())]
    } else {
        kept
    };
    Some(format!("{sign}{whole}.{kept}"))
}

fn fulfillment(shipment: &BcShipment) -> Fulfillment {
    let mut tracking_urls: Vec<String> = Vec::new();
    for link in [&shipment.tracking_link, &shipment.generated_tracking_link] {
        if let Some(link) = text(link) {
            if !tracking_urls.iter().any(|l| l == link) {
                tracking_urls.push(link.to_owned());
            }
        }
    }
    Fulfillment {
        id: shipment.id.map(|id| id.to_string()).unwrap_or_default(),
        items: shipment
            .items
            .iter()
            .flatten()
            .filter_map(|item| {
                let Count(quantity) = item.quantity?;
                Some(FulfilledItem {
                    line_item_id: item.order_product_id?.to_string(),
                    quantity,
                })
            })
            .filter(|item| item.quantity > 0)
            .collect(),
        tracking_numbers: tracking_numbers(shipment.tracking_number.as_deref().unwrap_or("")),
        carrier: carrier_name(shipment),
        tracking_urls,
        shipped_at: shipment.date_created.as_deref().and_then(parse_time),
        // BigCommerce shipments carry no delivery status.
        platform_status: None,
        items_known: true,
    }
}

/// A shipment has one `tracking_number` field, but merchants type several numbers into it
/// ("1Z…, 1Z…"): split at commas, semicolons and line breaks, never at spaces, which some
/// carriers print inside one number ("1Z 999 AA1 01 2345 6784").
pub fn tracking_numbers(field: &str) -> Vec<String> {
    let mut numbers: Vec<String> = Vec::new();
    for number in field.split([',', ';', '\n', '\r']).map(str::trim) {
        if !number.is_empty() && !numbers.iter().any(|n| n == number) {
            numbers.push(number.to_owned());
        }
    }
    numbers
}

/// The carrier as BigCommerce names it: the tracking carrier (chosen for tracking), else the
/// provider's display name, else the shipping module's code, with the module codes that hide
/// their carrier spelled out (`upsready`, `upsonline` are UPS; `endicia` prints USPS labels).
fn carrier_name(shipment: &BcShipment) -> Option<String> {
    if let Some(name) =
        text(&shipment.tracking_carrier).or_else(|| text(&shipment.shipping_provider_display_name))
    {
        return Some(name.to_owned());
    }
    let code = text(&shipment.shipping_provider)?;
    Some(match code.to_ascii_lowercase().as_str() {
        "upsready" | "upsonline" => "UPS".to_owned(),
        "endicia" => "USPS".to_owned(),
        _ => code.to_owned(),
    })
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
