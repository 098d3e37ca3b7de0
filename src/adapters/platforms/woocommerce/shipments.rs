//! Where a WooCommerce order's tracking numbers are, read into [`Parcel`]s: core WooCommerce has
//! none, so they come from, in order of preference,
//! 1. the Shipment Tracking extension's endpoint
//!    (`GET /wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings`, also served by the
//!    Advanced Shipment Tracking plugin): [`from_tracking_items`];
//! 2. the order's `meta_data`, where the same extension keeps `_wc_shipment_tracking_items` and
//!    older shops keep `_tracking_number` / `_tracking_provider`: [`from_meta`];
//! 3. the order notes (`GET orders/{id}/notes`), for shops that paste the number into a note:
//!    [`from_notes`], which takes only numbers whose check digit a carrier format confirms.
//!
//! All pure; the transport in `mod.rs` decides which source to ask.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Deserialize;

use super::mapping::{decode_html, non_empty, noon_in, parse_gmt, text, WcMeta};
use crate::carrier;

/// One shipment's tracking as WooCommerce knows it (no line items: see `mapping.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parcel {
    /// `tracking_id`, or one made from the order id and the source.
    pub id: String,
    /// Tracking numbers; usually one, several when a shop typed them into one field.
    pub tracking_numbers: Vec<String>,
    /// The carrier as the shop named it (`USPS`, `dhl-express`, `Flybynight Courriers`).
    pub carrier: Option<String>,
    /// The tracking page the extension built.
    pub tracking_urls: Vec<String>,
    /// When it was handed over; a date-only value is noon of that date in the shop's zone.
    pub shipped_at: Option<Timestamp>,
}

/// One item of the Shipment Tracking extension, from its endpoint or from
/// `_wc_shipment_tracking_items`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WcTrackingItem {
    /// The extension's id of the item.
    #[serde(default, deserialize_with = "text")]
    pub tracking_id: Option<String>,
    /// The tracking number.
    #[serde(default, deserialize_with = "text")]
    pub tracking_number: Option<String>,
    /// The provider's name (endpoint) or slug (meta); empty for a custom provider in meta.
    #[serde(default, deserialize_with = "text")]
    pub tracking_provider: Option<String>,
    /// A custom provider's name.
    #[serde(default, deserialize_with = "text")]
    pub custom_tracking_provider: Option<String>,
    /// The tracking page (endpoint).
    #[serde(default, deserialize_with = "text")]
    pub tracking_link: Option<String>,
    /// A custom provider's link, `%1$s` standing for the number (meta).
    #[serde(default, deserialize_with = "text")]
    pub custom_tracking_link: Option<String>,
    /// `YYYY-MM-DD` (endpoint) or a Unix timestamp string (meta).
    #[serde(default, deserialize_with = "text")]
    pub date_shipped: Option<String>,
}

/// One order note as `GET /wp-json/wc/v3/orders/{id}/notes` returns it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WcNote {
    /// Note id.
    #[serde(default)]
    pub id: Option<u64>,
    /// When it was written, UTC without offset.
    #[serde(default)]
    pub date_created_gmt: Option<String>,
    /// The text, possibly with HTML.
    #[serde(default, deserialize_with = "text")]
    pub note: Option<String>,
}

/// Parcels from Shipment Tracking items; items without a number are skipped. A shipping date
/// without a time is read as noon in `zone`, the shop's.
pub fn from_tracking_items(
    order_id: u64,
    items: &[WcTrackingItem],
    zone: &TimeZone,
) -> Vec<Parcel> {
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let tracking_numbers = split_numbers(item.tracking_number.as_deref());
            let first = tracking_numbers.first()?.clone();
            let link = non_empty(item.tracking_link.as_deref())
                .or(non_empty(item.custom_tracking_link.as_deref()))
                .and_then(|link| tracking_url(link, &first));
            Some(Parcel {
                id: non_empty(item.tracking_id.as_deref())
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{order_id}-tracking-{}", index + 1)),
                tracking_numbers,
                carrier: non_empty(item.tracking_provider.as_deref())
                    .or(non_empty(item.custom_tracking_provider.as_deref()))
                    .map(decode_html),
                tracking_urls: link.into_iter().collect(),
                shipped_at: item
                    .date_shipped
                    .as_deref()
                    .and_then(|text| parse_shipped(text, zone)),
            })
        })
        .collect()
}

/// Parcels from the order's meta data: `_wc_shipment_tracking_items`, else the single
/// `_tracking_number` older shops keep. Dates as in [`from_tracking_items`].
pub fn from_meta(order_id: u64, meta: &[WcMeta], zone: &TimeZone) -> Vec<Parcel> {
    let value = |key: &str| {
        meta.iter()
            .find(|m| m.key.as_deref() == Some(key))
            .map(|m| &m.value)
    };
    if let Some(items) = value("_wc_shipment_tracking_items") {
        // Stored as an array; some importers store the JSON text of one.
        let items = match items {
            serde_json::Value::String(json) => serde_json::from_str(json).ok(),
            other => serde_json::from_value::<Vec<WcTrackingItem>>(other.clone()).ok(),
        };
        if let Some(items) = items {
            let parcels = from_tracking_items(order_id, &items, zone);
            if !parcels.is_empty() {
                return parcels;
            }
        }
    }
    let text_of = |key: &str| value(key).and_then(value_text);
    let legacy = WcTrackingItem {
        tracking_id: Some(format!("{order_id}-meta")),
        tracking_number: text_of("_tracking_number"),
        tracking_provider: text_of("_tracking_provider"),
        custom_tracking_provider: text_of("_custom_tracking_provider"),
        tracking_link: None,
        custom_tracking_link: text_of("_custom_tracking_link"),
        date_shipped: text_of("_date_shipped"),
    };
    from_tracking_items(order_id, &[legacy], zone)
}

/// Parcels from order notes that talk about shipping and hold a number a carrier format
/// confirms by its check digit; one parcel per number, dated by its first note.
pub fn from_notes(order_id: u64, notes: &[WcNote]) -> Vec<Parcel> {
    let mut parcels: Vec<Parcel> = Vec::new();
    // The API lists newest first; the first mention dates the parcel.
    let mut notes: Vec<&WcNote> = notes.iter().collect();
    notes.sort_by_key(|n| n.date_created_gmt.as_deref().and_then(parse_gmt));
    for note in notes {
        let Some(text) = non_empty(note.note.as_deref()) else {
            continue;
        };
        let text = decode_html(&strip_tags(text));
        let lower = text.to_lowercase();
        let about_shipping = [
            "track", "ship", "parcel", "package", "carrier", "courier", "dispatch",
        ]
        .iter()
        .any(|word| lower.contains(word));
        if !about_shipping {
            continue;
        }
        for token in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            let number = carrier::normalize(token);
            let plausible = (8..=40).contains(&number.len())
                && number.bytes().any(|b| b.is_ascii_digit())
                && carrier::detect(&number)
                    .iter()
                    .any(|c| c.check_digit_valid == Some(true));
            let known = parcels.iter().any(|p| p.tracking_numbers.contains(&number));
            if plausible && !known {
                parcels.push(Parcel {
                    id: format!(
                        "{order_id}-note-{}-{}",
                        note.id.unwrap_or_default(),
                        parcels.len() + 1
                    ),
                    tracking_numbers: vec![number],
                    carrier: None,
                    tracking_urls: Vec::new(),
                    shipped_at: note.date_created_gmt.as_deref().and_then(parse_gmt),
                });
            }
        }
    }
    parcels
}

/// One field holding `"1Z…, 1Z…"`: each number once, in order.
fn split_numbers(field: Option<&str>) -> Vec<String> {
    let mut numbers: Vec<String> = Vec::new();
    for part in field.unwrap_or("").split([',', ';', '\n', '|']) {
        let part = part.trim();
        if !part.is_empty() && !numbers.iter().any(|n| n == part) {
            numbers.push(part.to_owned());
        }
    }
    numbers
}

/// A tracking link with `%1$s` filled in; `None` unless it is http(s) with no placeholder left
/// (`%2$s` postcode and `%3$s` country are filled by the extension's endpoint, not by meta).
fn tracking_url(link: &str, number: &str) -> Option<String> {
    let url = link.replace("%1$s", number);
    let web = url.starts_with("https://") || url.starts_with("http://");
    (web && !url.contains("$s")).then_some(url)
}

/// `date_shipped`: `YYYY-MM-DD` from the endpoint, Unix seconds from meta (midnight of the
/// shipping date when the extension stored it), or a full date-time.
fn parse_shipped(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let seconds: i64 = text.parse().ok()?;
        if seconds % 86_400 == 0 {
            // A date stored as its midnight: the same reading as a date from the endpoint.
            let date = Timestamp::from_second(seconds)
                .ok()?
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date();
            return noon_in(date, zone);
        }
        return Timestamp::from_second(seconds).ok();
    }
    if let Ok(date) = text.parse::<Date>() {
        return noon_in(date, zone);
    }
    parse_gmt(text)
}

/// A meta value as text (strings and numbers).
fn value_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// HTML tags replaced by spaces (notes link tracking pages).
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
