//! WooCommerce REST v3 orders → deskbot facts: the vendor's JSON as documented (every field
//! deskbot reads is optional or nullable, unknown fields are ignored) and a pure function from it
//! to an [`Order`]. Nothing here touches the network; `shipments.rs` reads tracking numbers and
//! `mod.rs` fetches.
//!
//! What the mapping decides, and why:
//! - **Times.** `*_gmt` fields are UTC without an offset (`2017-03-22T19:28:02`); a value with an
//!   offset is read as written. The site-local twins (`date_created`) carry no zone and are not
//!   read.
//! - **Status.** WooCommerce has one order status where deskbot has three facts:
//!   `pending`/`on-hold`/`failed`/`checkout-draft` are unpaid; `processing` is paid and not
//!   shipped (partly shipped once it has tracking numbers); `completed` is shipped; `cancelled`
//!   and `trash` are cancelled as of `date_modified_gmt` (WooCommerce keeps no cancellation
//!   time). `refunded` is a refund in full: of a shipped order deskbot reads it as a return
//!   refunded; of an order that never shipped, as cancelled and refunded. Partial refunds come
//!   from `refunds[]`. The Advanced Shipment Tracking plugin's `shipped`, `partial-shipped` and
//!   `delivered` statuses are understood; `delivered` is the platform's own view of delivery.
//! - **Shipments.** A tracking number in WooCommerce belongs to the order, not to line items, so
//!   every shipment lists all of the order's line items, marked as not known to be its own
//!   (`items_known: false`): a reply says such a parcel holds "part of" them unless it is the
//!   only one of an order shipped in full. A `completed` order without any tracking number still
//!   shipped: it gets one shipment with no tracking number, shipped at `date_completed_gmt`.
//! - **Shipping method.** The first shipping line's `method_id` (`flat_rate`, `free_shipping`,
//!   `local_pickup`, or a plugin's id) is the code matched against the policy's
//!   `[shipping] methods`.
//! - **Required.** An order without `number`, `billing.email` or a readable `date_created_gmt`
//!   is a [`AdapterError::BadResponse`] naming the field: deskbot cannot verify or date it.

use std::fmt;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::shipments::Parcel;
use super::VENDOR;
use crate::adapters::{normalize_order_number, AdapterError};
use crate::respond::facts::{
    Destination, FinancialStatus, FulfilledItem, Fulfillment, FulfillmentStatus, LineItem, Money,
    Order, ReturnStatus, TrackingStatus,
};

/// An order as `GET /wp-json/wc/v3/orders/{id}` returns it (the fields deskbot reads).
#[derive(Debug, Clone, Deserialize)]
pub struct WcOrder {
    /// Post / order id.
    pub id: u64,
    /// The number customers see; may differ from `id` with a sequential-number plugin.
    #[serde(default, deserialize_with = "text")]
    pub number: Option<String>,
    /// `pending`, `processing`, `on-hold`, `completed`, `cancelled`, `refunded`, `failed`,
    /// `trash`, or a plugin's own.
    #[serde(default)]
    pub status: Option<String>,
    /// ISO 4217.
    #[serde(default)]
    pub currency: Option<String>,
    /// Placed, UTC without offset.
    #[serde(default)]
    pub date_created_gmt: Option<String>,
    /// Last changed, UTC without offset.
    #[serde(default)]
    pub date_modified_gmt: Option<String>,
    /// Paid, UTC without offset.
    #[serde(default)]
    pub date_paid_gmt: Option<String>,
    /// Completed (shipped), UTC without offset.
    #[serde(default)]
    pub date_completed_gmt: Option<String>,
    /// Grand total, a decimal string.
    #[serde(default, deserialize_with = "text")]
    pub total: Option<String>,
    /// Billing address and e-mail.
    #[serde(default, deserialize_with = "nullable")]
    pub billing: WcAddress,
    /// Shipping address.
    #[serde(default, deserialize_with = "nullable")]
    pub shipping: WcAddress,
    /// Meta data, where plugins keep tracking numbers.
    #[serde(default, deserialize_with = "nullable")]
    pub meta_data: Vec<WcMeta>,
    /// Products.
    #[serde(default, deserialize_with = "nullable")]
    pub line_items: Vec<WcLineItem>,
    /// Shipping methods chosen.
    #[serde(default, deserialize_with = "nullable")]
    pub shipping_lines: Vec<WcShippingLine>,
    /// Refunds so far (totals are negative).
    #[serde(default, deserialize_with = "nullable")]
    pub refunds: Vec<WcRefund>,
}

/// A billing or shipping address.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WcAddress {
    /// Billing only.
    #[serde(default)]
    pub email: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Postcode.
    #[serde(default, deserialize_with = "text")]
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
}

/// One meta entry. Values are strings, numbers, arrays or objects, as plugins stored them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WcMeta {
    /// The meta key.
    #[serde(default)]
    pub key: Option<String>,
    /// The value, as stored.
    #[serde(default)]
    pub value: serde_json::Value,
}

/// One product line.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WcLineItem {
    /// Item id.
    #[serde(default)]
    pub id: Option<u64>,
    /// Product name, HTML-escaped (`&ndash;`).
    #[serde(default, deserialize_with = "text")]
    pub name: Option<String>,
    /// Quantity; documented as an integer, fractional for products sold by weight.
    #[serde(default, deserialize_with = "number")]
    pub quantity: Option<f64>,
}

/// One shipping line.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WcShippingLine {
    /// `flat_rate`, `free_shipping`, `local_pickup` or a plugin's id.
    #[serde(default, deserialize_with = "text")]
    pub method_id: Option<String>,
}

/// One refund as listed on the order.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WcRefund {
    /// The refunded amount, negative (`"-10.00"`).
    #[serde(default, deserialize_with = "text")]
    pub total: Option<String>,
}

/// WooCommerce order statuses, with the Advanced Shipment Tracking plugin's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Processing,
    OnHold,
    Completed,
    Cancelled,
    Refunded,
    Failed,
    Trash,
    Draft,
    Shipped,
    PartiallyShipped,
    Delivered,
    Other,
}

impl Status {
    fn read(text: Option<&str>) -> Status {
        let text = text.unwrap_or("").trim().to_ascii_lowercase();
        match text.strip_prefix("wc-").unwrap_or(&text) {
            "pending" => Status::Pending,
            "processing" => Status::Processing,
            "on-hold" => Status::OnHold,
            "completed" => Status::Completed,
            "cancelled" => Status::Cancelled,
            "refunded" => Status::Refunded,
            "failed" => Status::Failed,
            "trash" => Status::Trash,
            "checkout-draft" | "draft" | "auto-draft" => Status::Draft,
            "shipped" => Status::Shipped,
            "partial-shipped" => Status::PartiallyShipped,
            "delivered" => Status::Delivered,
            _ => Status::Other,
        }
    }
}

/// The facts of `raw`, whose tracking numbers were found as `parcels` (see `shipments.rs`).
pub fn order(raw: &WcOrder, parcels: &[Parcel]) -> Result<Order, AdapterError> {
    let number = non_empty(raw.number.as_deref())
        .map(normalize_order_number)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| AdapterError::bad_response(VENDOR, "number", "missing or empty"))?;
    let email = non_empty(raw.billing.email.as_deref())
        .ok_or_else(|| AdapterError::bad_response(VENDOR, "billing.email", "missing or empty"))?
        .to_owned();
    let created_at = match non_empty(raw.date_created_gmt.as_deref()) {
        None => {
            return Err(AdapterError::bad_response(
                VENDOR,
                "date_created_gmt",
                "missing or null",
            ))
        }
        Some(text) => parse_gmt(text).ok_or_else(|| {
            AdapterError::bad_response(
                VENDOR,
                "date_created_gmt",
                format!("{text:?} is not a date-time"),
            )
        })?,
    };
    let status = Status::read(raw.status.as_deref());
    let completed_at = raw.date_completed_gmt.as_deref().and_then(parse_gmt);
    let shipped = !parcels.is_empty() || completed_at.is_some();
    let closed = match status {
        Status::Cancelled | Status::Trash => true,
        Status::Refunded => !shipped,
        _ => false,
    };
    // WooCommerce keeps no cancellation time; the last change is the closest it documents.
    // Without it deskbot would have to invent the date it tells the customer.
    let cancelled_at = if closed {
        Some(
            raw.date_modified_gmt
                .as_deref()
                .and_then(parse_gmt)
                .ok_or_else(|| {
                    AdapterError::bad_response(
                        VENDOR,
                        "date_modified_gmt",
                        "a cancelled order needs the time it was last changed",
                    )
                })?,
        )
    } else {
        None
    };
    let fulfillment_status = match status {
        Status::Completed | Status::Shipped | Status::Delivered => FulfillmentStatus::Fulfilled,
        Status::PartiallyShipped => FulfillmentStatus::PartiallyFulfilled,
        Status::Refunded | Status::Trash if shipped => FulfillmentStatus::Fulfilled,
        Status::Other => FulfillmentStatus::Unknown,
        _ if parcels.is_empty() => FulfillmentStatus::Unfulfilled,
        _ => FulfillmentStatus::PartiallyFulfilled,
    };
    let line_items: Vec<LineItem> = raw.line_items.iter().map(line_item).collect();
    let mut fulfillments: Vec<Fulfillment> = parcels
        .iter()
        .map(|parcel| Fulfillment {
            id: parcel.id.clone(),
            items: all_items(&line_items),
            tracking_numbers: parcel.tracking_numbers.clone(),
            carrier: parcel.carrier.clone(),
            tracking_urls: parcel.tracking_urls.clone(),
            shipped_at: parcel.shipped_at,
            platform_status: None,
            items_known: false,
        })
        .collect();
    if fulfillments.is_empty() && fulfillment_status == FulfillmentStatus::Fulfilled {
        // Shipped without a tracking number: still a shipment, handed over on completion.
        fulfillments.push(Fulfillment {
            id: format!("{}-completed", raw.id),
            items: all_items(&line_items),
            tracking_numbers: Vec::new(),
            carrier: None,
            tracking_urls: Vec::new(),
            shipped_at: completed_at,
            platform_status: None,
            items_known: false,
        });
    }
    if status == Status::Delivered {
        for fulfillment in &mut fulfillments {
            fulfillment.platform_status = Some(TrackingStatus::Delivered);
        }
    }
    Ok(Order {
        id: raw.id.to_string(),
        number,
        email,
        created_at,
        financial_status: financial_status(raw, status),
        fulfillment_status,
        cancelled_at,
        line_items,
        shipping_method: raw
            .shipping_lines
            .iter()
            .find_map(|line| non_empty(line.method_id.as_deref()))
            .map(str::to_owned),
        destination: destination(&raw.shipping),
        fulfillments,
        return_status: (status == Status::Refunded && shipped).then_some(ReturnStatus::Refunded),
        total: money(raw),
    })
}

/// Whether an order in this status may have shipped, so its notes are worth reading for a
/// tracking number: not when it is unpaid, failed, a draft or cancelled.
pub(super) fn may_have_shipped(raw: &WcOrder) -> bool {
    !matches!(
        Status::read(raw.status.as_deref()),
        Status::Pending | Status::Failed | Status::Draft | Status::Cancelled | Status::Trash
    )
}

/// Whether `raw` carries the number a customer wrote (already without `#`).
pub(super) fn has_number(raw: &WcOrder, wanted: &str) -> bool {
    raw.number
        .as_deref()
        .is_some_and(|number| normalize_order_number(number).eq_ignore_ascii_case(wanted))
}

fn financial_status(raw: &WcOrder, status: Status) -> FinancialStatus {
    let paid = raw.date_paid_gmt.as_deref().and_then(parse_gmt).is_some();
    match status {
        Status::Refunded => return FinancialStatus::Refunded,
        // A failed payment can be retried from the order's pay link: still awaiting payment.
        Status::Pending | Status::OnHold | Status::Draft | Status::Failed => {
            return FinancialStatus::Pending
        }
        _ => {}
    }
    let refunded: i128 = raw
        .refunds
        .iter()
        .filter_map(|r| r.total.as_deref().and_then(minor_units))
        .map(i128::abs)
        .sum();
    if refunded > 0 {
        let total = raw.total.as_deref().and_then(minor_units).unwrap_or(0);
        return if total > 0 && refunded >= total {
            FinancialStatus::Refunded
        } else {
            FinancialStatus::PartiallyRefunded
        };
    }
    match status {
        Status::Processing
        | Status::Completed
        | Status::Shipped
        | Status::PartiallyShipped
        | Status::Delivered => FinancialStatus::Paid,
        Status::Cancelled if !paid => FinancialStatus::Voided,
        _ if paid => FinancialStatus::Paid,
        _ => FinancialStatus::Unknown,
    }
}

fn line_item(raw: &WcLineItem) -> LineItem {
    let quantity = match raw.quantity {
        Some(q) if q.is_finite() && q > 0.0 => q.round().clamp(1.0, f64::from(u32::MAX)) as u32,
        _ => 0,
    };
    let title = non_empty(raw.name.as_deref())
        .map(decode_html)
        .unwrap_or_else(|| "an item".to_owned());
    LineItem {
        id: raw.id.map(|id| id.to_string()).unwrap_or_default(),
        title,
        quantity,
    }
}

/// Every line item, in full: what a WooCommerce tracking number is attached to.
fn all_items(items: &[LineItem]) -> Vec<FulfilledItem> {
    items
        .iter()
        .map(|item| FulfilledItem {
            line_item_id: item.id.clone(),
            quantity: item.quantity,
        })
        .collect()
}

fn destination(shipping: &WcAddress) -> Option<Destination> {
    let city = non_empty(shipping.city.as_deref())?;
    let country = non_empty(shipping.country.as_deref())?;
    Some(Destination {
        city: decode_html(city),
        country: country.to_ascii_uppercase(),
        postcode: non_empty(shipping.postcode.as_deref()).map(str::to_owned),
    })
}

fn money(raw: &WcOrder) -> Option<Money> {
    let amount = non_empty(raw.total.as_deref())?;
    let currency = non_empty(raw.currency.as_deref())?;
    minor_units(amount)?;
    Some(Money {
        amount: amount.to_owned(),
        currency: currency.to_ascii_uppercase(),
    })
}

/// A decimal string in ten-thousandths (`"-10.5"` → -105000); `None` if it is not one.
fn minor_units(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 20 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let mut value: i128 = whole.parse().ok()?;
    for position in 0..4 {
        let digit = fraction.as_bytes().get(position).map_or(0, |b| b - b'0');
        value = value * 10 + i128::from(digit);
    }
    Some(if negative { -value } else { value })
}

/// Trimmed, or `None` when empty.
pub(super) fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A WooCommerce `*_gmt` time: UTC without an offset, or with one.
pub fn parse_gmt(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Some(timestamp);
    }
    let civil: DateTime = text.parse().ok()?;
    civil.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// A calendar date without a time (`date_shipped`), as a moment: noon of that date in the
/// shop's time zone, so a reply in that zone shows the date the shop entered. (Noon UTC would
/// show the next day in New Zealand's summer, UTC+13.)
pub(super) fn noon_in(date: Date, zone: &TimeZone) -> Option<Timestamp> {
    date.at(12, 0, 0, 0)
        .to_zoned(zone.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// Text as WooCommerce stores it for HTML (`Ship Your Idea &ndash; Black`) → plain text.
pub fn decode_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let decoded = after
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| entity(&after[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out.trim().to_owned()
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "times" => '×',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "trade" => '™',
        "reg" => '®',
        "copy" => '©',
        _ => return None,
    })
}

/// `null` reads as the type's default (an empty list, an empty address).
pub(super) fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A string, or a number written as one (`"number": 727`, `"postcode": 94103`); `null` is `None`.
pub(super) fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct Text;
    impl<'de> Visitor<'de> for Text {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    deserializer.deserialize_any(Text)
}

/// A number, or a numeric string; `null` is `None`.
fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    struct Number;
    impl<'de> Visitor<'de> for Number {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.trim()
                .parse()
                .map(Some)
                .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    deserializer.deserialize_any(Number)
}
