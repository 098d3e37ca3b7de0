//! The facts deskbot may state: orders, fulfillments and shipment tracking, in one vocabulary
//! for every vendor. Adapters translate vendor payloads into these types; scripts and templates
//! see nothing else.
//!
//! Optional facts are `Option`s on purpose: a reply may only mention what was actually fetched,
//! and a template that needs a missing fact fails instead of printing a blank.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::carrier::Carrier;

/// Payment state of an order, as the platform reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinancialStatus {
    /// Awaiting payment or authorisation.
    Pending,
    /// Authorised, not captured.
    Authorized,
    /// Paid in full.
    Paid,
    /// Part of the payment refunded.
    PartiallyRefunded,
    /// Fully refunded.
    Refunded,
    /// Authorisation voided.
    Voided,
    /// Anything the platform reports that we do not map.
    Unknown,
}

/// Shipping state of an order as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentStatus {
    /// Nothing shipped yet.
    Unfulfilled,
    /// Nothing shipped yet, but the order is no longer simply waiting: it is being packed at a
    /// fulfilment service, packed and waiting for the carrier, on hold, scheduled, or held for a
    /// manual check. "Not shipped yet" is true; whether a cancel can still stop it is not
    /// known, so cancelling is for a person.
    InProgress,
    /// Some items shipped.
    PartiallyFulfilled,
    /// Everything shipped.
    Fulfilled,
    /// Anything else.
    Unknown,
}

/// Where a return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// The customer asked; nothing sent back yet.
    Requested,
    /// The return is open: approved or under way. Whether the parcel has been sent back yet is
    /// not known (Shopify's `IN_PROGRESS` says no more), so it is not said.
    #[serde(alias = "in_transit")]
    InProgress,
    /// The shop has it.
    Received,
    /// Money returned.
    Refunded,
}

/// An amount of money as the platform reports it: a decimal string (never a float, so cents
/// are exact) and an ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Decimal amount, e.g. `"1234.50"`.
    pub amount: String,
    /// ISO 4217 code, e.g. `"USD"`.
    pub currency: String,
}

/// One product line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineItem {
    /// Platform id of the line.
    pub id: String,
    /// Product title as the customer saw it.
    pub title: String,
    /// Units ordered and still due to the customer: platforms leave out units cancelled,
    /// removed or refunded before they shipped.
    pub quantity: u32,
}

/// Where an order goes (only what replies may mention).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// City.
    pub city: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Postal code. Replies never state it; with `[orders] verify = "sender_email_or_postcode"`
    /// a customer may prove an order is theirs by writing it.
    #[serde(default)]
    pub postcode: Option<String>,
}

/// Units of one line item in a fulfillment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FulfilledItem {
    /// The order's line item id.
    pub line_item_id: String,
    /// Units in this fulfillment.
    pub quantity: u32,
}

/// One shipment of (part of) an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fulfillment {
    /// Platform id.
    pub id: String,
    /// What is in this shipment.
    pub items: Vec<FulfilledItem>,
    /// Tracking numbers, as the platform gives them.
    pub tracking_numbers: Vec<String>,
    /// Carrier name as the platform gives it ("UPS", "United States Postal Service", …).
    #[serde(default)]
    pub carrier: Option<String>,
    /// Tracking page links from the platform.
    #[serde(default)]
    pub tracking_urls: Vec<String>,
    /// When it was handed to the carrier.
    #[serde(default)]
    pub shipped_at: Option<Timestamp>,
    /// The platform's own view of delivery, if it tracks one (Shopify `shipment_status`).
    #[serde(default)]
    pub platform_status: Option<TrackingStatus>,
    /// Whether `items` is what this shipment holds. False where the platform ties tracking
    /// numbers to the order rather than to its items (WooCommerce): `items` is then the whole
    /// order, and which of them this shipment holds is not known, unless it is the order's only
    /// shipment and the order has shipped in full.
    #[serde(default = "known", skip_serializing_if = "is_known")]
    pub items_known: bool,
}

fn known() -> bool {
    true
}

fn is_known(items_known: &bool) -> bool {
    *items_known
}

/// An order, as every platform adapter reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Platform id.
    pub id: String,
    /// The number the customer sees, without `#` ("1001").
    pub number: String,
    /// Customer e-mail.
    pub email: String,
    /// When it was placed.
    pub created_at: Timestamp,
    /// Payment state.
    pub financial_status: FinancialStatus,
    /// Shipping state.
    pub fulfillment_status: FulfillmentStatus,
    /// When it was cancelled, if it was.
    #[serde(default)]
    pub cancelled_at: Option<Timestamp>,
    /// Products.
    pub line_items: Vec<LineItem>,
    /// Shipping method code, matched against the shop policy ("standard", "express").
    #[serde(default)]
    pub shipping_method: Option<String>,
    /// Where it goes.
    #[serde(default)]
    pub destination: Option<Destination>,
    /// Shipments so far.
    #[serde(default)]
    pub fulfillments: Vec<Fulfillment>,
    /// Return in progress or done, if any.
    #[serde(default)]
    pub return_status: Option<ReturnStatus>,
    /// Order total, if the platform gives it.
    #[serde(default)]
    pub total: Option<Money>,
}

impl Order {
    /// Title of a line item by id.
    pub fn line_item(&self, id: &str) -> Option<&LineItem> {
        self.line_items.iter().find(|item| item.id == id)
    }

    /// The lines still on the order: a line edited down to nothing is no longer ordered.
    pub fn ordered_items(&self) -> impl Iterator<Item = &LineItem> {
        self.line_items.iter().filter(|item| item.quantity > 0)
    }

    /// Every line as "title ×quantity", for notes to people.
    pub fn describe_items(&self) -> String {
        self.line_items
            .iter()
            .map(|item| format!("{} ×{}", item.title, item.quantity))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the order has been cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }
}

/// Units of line item `line_item_id` in `fulfillments`.
pub fn shipped_units(fulfillments: &[Fulfillment], line_item_id: &str) -> u32 {
    fulfillments
        .iter()
        .flat_map(|f| &f.items)
        .filter(|item| item.line_item_id == line_item_id)
        .map(|item| item.quantity)
        .sum()
}

/// A carrier's normalised shipment status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingStatus {
    /// Label printed, not yet scanned by the carrier.
    LabelCreated,
    /// Moving.
    InTransit,
    /// On the van today.
    OutForDelivery,
    /// Delivered.
    Delivered,
    /// A delivery attempt failed.
    AttemptedDelivery,
    /// Held, damaged, delayed by the carrier.
    Exception,
    /// On its way back to the shop.
    ReturnedToSender,
    /// The carrier says something we cannot map.
    Unknown,
}

impl TrackingStatus {
    /// Words for a customer ("in transit").
    pub fn describe(self) -> &'static str {
        match self {
            TrackingStatus::LabelCreated => "label created, waiting for the carrier to pick it up",
            TrackingStatus::InTransit => "in transit",
            TrackingStatus::OutForDelivery => "out for delivery",
            TrackingStatus::Delivered => "delivered",
            TrackingStatus::AttemptedDelivery => "delivery attempted",
            TrackingStatus::Exception => "held up by the carrier",
            TrackingStatus::ReturnedToSender => "being returned to us",
            TrackingStatus::Unknown => "unknown",
        }
    }
}

/// One carrier scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingEvent {
    /// When.
    pub time: Timestamp,
    /// Where, if the carrier says.
    #[serde(default)]
    pub place: Option<String>,
    /// The carrier's description.
    pub description: String,
}

/// What a carrier says about one tracking number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tracking {
    /// Who carries it.
    pub carrier: Carrier,
    /// The tracking number.
    pub number: String,
    /// Normalised status.
    pub status: TrackingStatus,
    /// The latest scan.
    #[serde(default)]
    pub latest_event: Option<TrackingEvent>,
    /// The carrier's delivery estimate.
    #[serde(default)]
    pub estimated_delivery: Option<Date>,
    /// When it was delivered.
    #[serde(default)]
    pub delivered_at: Option<Timestamp>,
    /// The carrier's public tracking page.
    #[serde(default)]
    pub url: Option<String>,
    /// Why the parcel is held up, when the status is an exception and the carrier says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionReason>,
    /// The last day of the carrier's delivery window, when it gives a window rather than a day
    /// (`estimated_delivery` is then the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_delivery_end: Option<Date>,
    /// Where it was delivered ("Front door", "Parcel locker"), if the carrier says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_place: Option<String>,
    /// Who signed for it, if anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    /// Every scan the carrier reports, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<TrackingEvent>,
}

/// Why a parcel is held up, as far as the carrier says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionReason {
    /// The address is wrong, incomplete or undeliverable.
    AddressProblem,
    /// Held in customs.
    Customs,
    /// Weather or a natural disaster.
    Weather,
    /// The parcel is damaged.
    Damaged,
    /// Waiting at a depot or pickup point for the customer to collect.
    HeldForPickup,
    /// Something else the carrier names.
    Other,
}

impl ExceptionReason {
    /// Words for a note to a person ("customs").
    pub fn describe(self) -> &'static str {
        match self {
            ExceptionReason::AddressProblem => "address problem",
            ExceptionReason::Customs => "held in customs",
            ExceptionReason::Weather => "weather delay",
            ExceptionReason::Damaged => "damaged",
            ExceptionReason::HeldForPickup => "held for pickup",
            ExceptionReason::Other => "other problem",
        }
    }
}

impl Tracking {
    /// What a carrier says with nothing but a status: every optional fact absent.
    pub fn new(carrier: Carrier, number: impl Into<String>, status: TrackingStatus) -> Self {
        Tracking {
            carrier,
            number: number.into(),
            status,
            latest_event: None,
            estimated_delivery: None,
            delivered_at: None,
            url: None,
            exception: None,
            estimated_delivery_end: None,
            delivered_place: None,
            signed_by: None,
            events: Vec::new(),
        }
    }

    /// Time of the latest scan.
    pub fn last_scan_at(&self) -> Option<Timestamp> {
        self.latest_event.as_ref().map(|event| event.time)
    }
}
