//! The REST bodies deskbot reads, as the Magento REST reference documents them
//! (`sales-data-order-interface`, `sales-data-shipment-interface`, …). Every field is optional
//! and unknown fields are ignored; ids, amounts and flags accept the number and string forms
//! Magento and its extensions send.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;

/// `GET /V1/orders?searchCriteria…`: `sales-data-order-search-result-interface`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderSearchResult {
    /// The page of orders.
    pub items: Option<Vec<MagentoOrder>>,
    /// Matches over all pages.
    pub total_count: Option<u64>,
}

/// `GET /V1/shipments?searchCriteria…`: `sales-data-shipment-search-result-interface`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShipmentSearchResult {
    /// The page of shipments.
    pub items: Option<Vec<MagentoShipment>>,
    /// Matches over all pages.
    pub total_count: Option<u64>,
}

/// Any search result, for `deskbot doctor`: an object with an `items` list, contents unread.
#[derive(Debug, Deserialize)]
pub struct SearchProbe {
    /// Present on every Magento search result, even an empty one.
    #[allow(dead_code)]
    pub items: Vec<IgnoredAny>,
}

/// `sales-data-order-interface`, the fields deskbot reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MagentoOrder {
    /// Internal id (`GET /V1/orders/{id}`, `order_id` of shipments).
    pub entity_id: Option<Id>,
    /// The customer-facing order number ("000000003").
    pub increment_id: Option<String>,
    /// The customer's e-mail (guests too).
    pub customer_email: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub created_at: Option<String>,
    /// Last change, same format.
    pub updated_at: Option<String>,
    /// new, pending_payment, payment_review, processing, complete, closed, canceled, holded.
    pub state: Option<String>,
    /// The shop's status label code within the state ("pending", "complete", custom ones).
    pub status: Option<String>,
    /// Total in the order currency.
    pub grand_total: Option<Amount>,
    /// Captured so far.
    pub total_paid: Option<Amount>,
    /// Refunded so far (credit memos).
    pub total_refunded: Option<Amount>,
    /// ISO 4217 code of the amounts above.
    pub order_currency_code: Option<String>,
    /// Products; child rows of configurable and bundle products carry `parent_item_id`.
    pub items: Option<Vec<MagentoItem>>,
    /// Payment; its authorised amount tells "authorised, not captured".
    pub payment: Option<Payment>,
    /// Comments and status changes.
    pub status_histories: Option<Vec<StatusHistory>>,
    /// Shipping address and method live here.
    pub extension_attributes: Option<OrderExtension>,
}

/// An order line (`sales-data-order-item-interface`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MagentoItem {
    /// Its id; shipments point at it with `order_item_id`.
    pub item_id: Option<Id>,
    /// Set on the child rows of configurable and bundle products.
    pub parent_item_id: Option<Id>,
    /// Product name as ordered.
    pub name: Option<String>,
    /// SKU, when the name is missing.
    pub sku: Option<String>,
    /// Units ordered.
    pub qty_ordered: Option<Amount>,
    /// Units shipped.
    pub qty_shipped: Option<Amount>,
    /// Units cancelled.
    pub qty_canceled: Option<Amount>,
    /// Units refunded (credit memos), shipped or not.
    pub qty_refunded: Option<Amount>,
    /// Downloadable and virtual products never ship.
    pub is_virtual: Option<Flag>,
}

/// `sales-data-order-payment-interface`, the part deskbot reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Payment {
    /// Authorised (not necessarily captured).
    pub amount_authorized: Option<Amount>,
}

/// `sales-data-order-status-history-interface`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusHistory {
    /// The status the order moved to.
    pub status: Option<String>,
    /// When.
    pub created_at: Option<String>,
}

/// `sales-data-order-extension-interface`, the part deskbot reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderExtension {
    /// One per shipping address (one in practice).
    pub shipping_assignments: Option<Vec<ShippingAssignment>>,
}

/// `sales-data-shipping-assignment-interface`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShippingAssignment {
    /// Address and method.
    pub shipping: Option<Shipping>,
}

/// `sales-data-shipping-interface`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Shipping {
    /// Where the order goes.
    pub address: Option<Address>,
    /// `carrier_method` code ("flatrate_flatrate", "tablerate_bestway", "ups_GND").
    pub method: Option<String>,
}

/// `sales-data-order-address-interface`, the part replies may use.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Address {
    /// City.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country_id: Option<String>,
    /// Postal code.
    pub postcode: Option<String>,
}

/// `sales-data-shipment-interface`, the fields deskbot reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MagentoShipment {
    /// Internal id.
    pub entity_id: Option<Id>,
    /// Shipment number.
    pub increment_id: Option<String>,
    /// The order's `entity_id`.
    pub order_id: Option<Id>,
    /// When the shipment was created (handed over, as Magento knows it).
    pub created_at: Option<String>,
    /// What it holds.
    pub items: Option<Vec<ShipmentItem>>,
    /// Tracking numbers, several allowed.
    pub tracks: Option<Vec<Track>>,
}

/// `sales-data-shipment-item-interface`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShipmentItem {
    /// The order line (sometimes the child row of a configurable product).
    pub order_item_id: Option<Id>,
    /// Units.
    pub qty: Option<Amount>,
}

/// `sales-data-shipment-track-interface`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Track {
    /// The number.
    pub track_number: Option<String>,
    /// "ups", "usps", "fedex", "dhl", or "custom" for a carrier typed in by hand.
    pub carrier_code: Option<String>,
    /// The carrier's title ("United Parcel Service") or, for "custom", whatever was typed.
    pub title: Option<String>,
    /// When the number was added.
    pub created_at: Option<String>,
}

/// An id Magento sends as a number (or, through some extensions, a string).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer id")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.trim().to_owned()))
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}

/// A decimal Magento sends as a JSON number (or a numeric string): its text, exact, and its
/// value for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    text: String,
    value: f64,
}

impl Amount {
    /// The value, for comparisons.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The amount as a decimal string with at least two decimals ("165" → "165.00").
    pub fn decimal(&self) -> String {
        match self.text.split_once('.') {
            None => format!("{}.00", self.text),
            Some((_, fraction)) if fraction.len() < 2 => format!("{}0", self.text),
            Some(_) => self.text.clone(),
        }
    }

    /// Whole units, rounded (quantities are decimals in Magento: `1.0000`).
    pub(super) fn units(&self) -> u32 {
        self.value.round().clamp(0.0, f64::from(u32::MAX)) as u32
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AmountVisitor;
        impl Visitor<'_> for AmountVisitor {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount {
                    text: v.to_string(),
                    value: v as f64,
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount {
                    text: v.to_string(),
                    value: v as f64,
                })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                if !v.is_finite() {
                    return Err(E::invalid_value(de::Unexpected::Float(v), &self));
                }
                // Display is the shortest text that reads back as `v`: 86.5 → "86.5".
                Ok(Amount {
                    text: v.to_string(),
                    value: v,
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                let text = v.trim();
                let valid = !text.is_empty()
                    && text.bytes().filter(|&b| b == b'.').count() <= 1
                    && text
                        .trim_start_matches('-')
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b == b'.');
                match text.parse::<f64>() {
                    Ok(value) if valid && value.is_finite() => Ok(Amount {
                        text: text.to_owned(),
                        value,
                    }),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(AmountVisitor)
    }
}

/// Magento's yes/no columns: `0`/`1`, sometimes `true`/`false` or `"1"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FlagVisitor;
        impl Visitor<'_> for FlagVisitor {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("0, 1, true or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Flag, E> {
                Ok(Flag(v != 0))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Flag, E> {
                Ok(Flag(v != 0))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
                match v.trim() {
                    "1" | "true" => Ok(Flag(true)),
                    "0" | "false" | "" => Ok(Flag(false)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(FlagVisitor)
    }
}
