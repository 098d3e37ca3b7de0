//! USPS Tracking API v3 bodies → [`Tracking`]: serde types for the documented JSON, every field
//! optional because USPS leaves out (or sends `null` for) what it does not know, and pure
//! functions from them to facts.
//!
//! - **Status**: the newest event's two-character `eventCode` through [`STATUS_TABLE`] (the
//!   USPS event codes), else the body's `statusCategory` ("In Transit", "Delivery Attempt:
//!   Action Needed"), else unknown.
//! - **Times**: an event gives `eventTimestamp`, a local time usually without an offset
//!   (`2024-11-22T13:58:00`), with `GMTOffset` (`-05:00`, `-7:00`) and `GMTTimestamp` beside it.
//!   A timestamp carrying its own offset is taken as it is; a local one with `GMTOffset`; failing
//!   that, `GMTTimestamp`. An event with none of these is left out of the events rather than read
//!   as UTC.
//! - **Estimate**: `expectedDeliveryDate`, else the predicted, else the guaranteed date (top
//!   level or in `deliveryDateExpectation`; from a `…TimeStamp`, the date as written). The
//!   predicted window is hours within that day, which the facts do not carry.
//! - **Delivery**: the newest delivery event's time, the place after "Delivered, " in its
//!   `eventType` ("Parcel Locker"), and its `name` (who signed).

use jiff::civil::{Date, DateTime};
use jiff::Timestamp;
use serde::Deserialize;

use crate::adapters::carriers::shared_mapping::{self, null_as_empty, parse_offset, row, text};
use crate::adapters::AdapterError;
use crate::carrier::Carrier;
use crate::respond::facts::{ExceptionReason, Tracking, TrackingEvent, TrackingStatus};

/// The vendor name in logs and errors.
pub(super) const VENDOR: &str = "usps";

/// The event codes of USPS Product Tracking and Reporting, as Publication 199 lists them for
/// shipping partners' event files and the tracking APIs return them in `eventCode`.
const EVENT_CODES_DOC: &str = "USPS Publication 199 (IMpb Implementation Guide), tracking event \
    codes (https://postalpro.usps.com/mailing-and-shipping-services/publication-199)";
/// The status categories USPS.com and the Tracking API show for the newest event.
const CATEGORIES_DOC: &str = "USPS Tracking API v3, statusCategory \
    (https://developer.usps.com/trackingv3), USPS.com status categories";

/// Which field a row matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// `trackingEvents[].eventCode` of the newest event.
    EventCode,
    /// `statusCategory`, the part before any `:`.
    StatusCategory,
}

/// A row of [`STATUS_TABLE`].
pub(super) type StatusRow = shared_mapping::StatusRow<Field>;

// Short names for the table.
use ExceptionReason as Why;
use Field::{EventCode as Code, StatusCategory as Category};
use TrackingStatus as S;
const DOC: &str = EVENT_CODES_DOC;

/// USPS event codes and status categories → deskbot's status. Each row names its source.
#[rustfmt::skip]
pub(super) const STATUS_TABLE: &[StatusRow] = &[
    // Before USPS has the item.
    row(Code, "MA", S::LabelCreated, None, "Manifest Acknowledgement", DOC),
    // Moving.
    row(Code, "03", S::InTransit, None, "Accept or Pickup", DOC),
    row(Code, "TM", S::InTransit, None, "Shipment Acceptance", DOC),
    row(Code, "PA", S::InTransit, None, "Shipment Acceptance (passive)", DOC),
    row(Code, "06", S::InTransit, None, "Forwarded", DOC),
    row(Code, "07", S::InTransit, None, "Arrival at Unit", DOC),
    row(Code, "08", S::InTransit, None, "Missent", DOC),
    row(Code, "10", S::InTransit, None, "Processed", DOC),
    row(Code, "15", S::InTransit, None, "Mis-shipped", DOC),
    row(Code, "19", S::InTransit, None, "DC eVS Arrive", DOC),
    row(Code, "41", S::InTransit, None, "Received at Opening Unit", DOC),
    row(Code, "42", S::InTransit, None, "USPS Handoff to Shipping Partner", DOC),
    row(Code, "71", S::InTransit, None, "Rescheduled to Next Delivery Day", DOC),
    row(Code, "80", S::InTransit, None, "Picked Up by Shipping Partner", DOC),
    row(Code, "81", S::InTransit, None, "Arrived Shipping Partner Facility", DOC),
    row(Code, "82", S::InTransit, None, "Departed Shipping Partner Facility", DOC),
    row(Code, "EF", S::InTransit, None, "Departed Sort Facility", DOC),
    row(Code, "PC", S::InTransit, None, "Sorting / Processing Complete", DOC),
    row(Code, "SF", S::InTransit, None, "Departed Post Office", DOC),
    // The last mile.
    row(Code, "OF", S::OutForDelivery, None, "Out for Delivery", DOC),
    row(Code, "01", S::Delivered, None, "Delivered", DOC),
    row(Code, "17", S::Delivered, None, "Picked Up By Agent", DOC),
    row(Code, "43", S::Delivered, None, "Picked Up", DOC),
    row(Code, "02", S::AttemptedDelivery, None, "Notice Left", DOC),
    row(Code, "30", S::AttemptedDelivery, None, "Delivery Attempted - No Access to Delivery Location", DOC),
    row(Code, "51", S::AttemptedDelivery, None, "Business Closed", DOC),
    row(Code, "52", S::AttemptedDelivery, None, "Notice Left", DOC),
    row(Code, "53", S::AttemptedDelivery, None, "Receptacle Blocked", DOC),
    row(Code, "54", S::AttemptedDelivery, None, "Receptacle Full / Item Oversized", DOC),
    row(Code, "55", S::AttemptedDelivery, None, "No Secure Location Available", DOC),
    row(Code, "56", S::AttemptedDelivery, None, "No Authorized Recipient Available", DOC),
    // Held up.
    row(Code, "05", S::Exception, Some(Why::AddressProblem), "Undeliverable as Addressed", DOC),
    row(Code, "14", S::Exception, Some(Why::HeldForPickup), "Arrival at Pickup Point", DOC),
    row(Code, "16", S::Exception, Some(Why::HeldForPickup), "Available for Pickup", DOC),
    row(Code, "11", S::Exception, Some(Why::Other), "Dead Letter", DOC),
    row(Code, "DX", S::Unknown, None, "Delivery Status Not Updated", DOC),
    // Going back.
    row(Code, "04", S::ReturnedToSender, None, "Refused", DOC),
    row(Code, "09", S::ReturnedToSender, None, "Return to Sender", DOC),
    row(Code, "21", S::ReturnedToSender, None, "Return to Sender: No Such Number", DOC),
    row(Code, "22", S::ReturnedToSender, None, "Return to Sender: Insufficient Address", DOC),
    row(Code, "23", S::ReturnedToSender, None, "Return to Sender: Moved, Left No Address", DOC),
    row(Code, "24", S::ReturnedToSender, None, "Return to Sender: Forward Expired", DOC),
    row(Code, "25", S::ReturnedToSender, None, "Return to Sender: Addressee Unknown", DOC),
    row(Code, "26", S::ReturnedToSender, None, "Return to Sender: Vacant", DOC),
    row(Code, "27", S::ReturnedToSender, None, "Return to Sender: Unclaimed", DOC),
    row(Code, "28", S::ReturnedToSender, None, "Return to Sender: Deceased", DOC),
    row(Code, "29", S::ReturnedToSender, None, "Return to Sender: Other", DOC),
    row(Code, "31", S::ReturnedToSender, None, "Return to Sender: Not Picked Up", DOC),
    row(Code, "44", S::ReturnedToSender, None, "Customer Recall", DOC),
    // Status categories, for events whose code is not above.
    row(Category, "Pre-Shipment", S::LabelCreated, None, "Pre-Shipment", CATEGORIES_DOC),
    row(Category, "Accepted", S::InTransit, None, "Accepted", CATEGORIES_DOC),
    row(Category, "In Transit", S::InTransit, None, "In Transit", CATEGORIES_DOC),
    row(Category, "Out for Delivery", S::OutForDelivery, None, "Out for Delivery", CATEGORIES_DOC),
    row(Category, "Delivered", S::Delivered, None, "Delivered", CATEGORIES_DOC),
    row(Category, "Delivery Attempt", S::AttemptedDelivery, None, "Delivery Attempt", CATEGORIES_DOC),
    row(Category, "Available for Pickup", S::Exception, Some(Why::HeldForPickup), "Available for Pickup", CATEGORIES_DOC),
    row(Category, "Alert", S::Exception, Some(Why::Other), "Alert", CATEGORIES_DOC),
];

/// The row for an event code.
pub(super) fn code_row(code: &str) -> Option<&'static StatusRow> {
    shared_mapping::find(STATUS_TABLE, Code, code)
}

/// The row for a status category ("Delivery Attempt: Action Needed" reads as "Delivery
/// Attempt").
pub(super) fn category_row(category: &str) -> Option<&'static StatusRow> {
    let category = category.split(':').next().unwrap_or_default();
    shared_mapping::find(STATUS_TABLE, Category, category)
}

/// `GET /tracking/v3/tracking/{trackingNumber}?expand=DETAIL` → 200.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TrackingResponse {
    pub status: Option<String>,
    pub status_category: Option<String>,
    pub expected_delivery_date: Option<String>,
    #[serde(rename = "expectedDeliveryTimeStamp")]
    pub expected_delivery_timestamp: Option<String>,
    pub predicted_delivery_date: Option<String>,
    #[serde(rename = "predictedDeliveryTimeStamp")]
    pub predicted_delivery_timestamp: Option<String>,
    #[serde(rename = "guaranteedDeliveryTimeStamp")]
    pub guaranteed_delivery_timestamp: Option<String>,
    pub delivery_date_expectation: Option<DeliveryDateExpectation>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tracking_events: Vec<TrackingEventBody>,
    /// An error in a 200 body.
    pub error: Option<ErrorBody>,
}

/// `deliveryDateExpectation` (Tracking v3r2).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeliveryDateExpectation {
    pub expected_delivery_date: Option<String>,
    pub predicted_delivery_date: Option<String>,
    pub guaranteed_delivery_date: Option<String>,
}

/// `trackingEvents[]`, newest first.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TrackingEventBody {
    pub event_type: Option<String>,
    pub event_timestamp: Option<String>,
    #[serde(rename = "GMTTimestamp")]
    pub gmt_timestamp: Option<String>,
    #[serde(rename = "GMTOffset")]
    pub gmt_offset: Option<String>,
    pub event_country: Option<String>,
    pub event_city: Option<String>,
    pub event_state: Option<String>,
    pub name: Option<String>,
    pub event_code: Option<String>,
}

/// `error` of the documented error body.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// The public tracking page of `number`.
pub(super) fn tracking_url(number: &str) -> String {
    format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={number}")
}

fn bad(field: String, message: impl Into<String>) -> AdapterError {
    AdapterError::bad_response(VENDOR, field, message)
}

/// What USPS says about `number` (normalised), from a 200 body.
///
/// An `error` in the body, or a body with neither a status nor an event, is `NotFound`.
pub(super) fn tracking(number: &str, body: TrackingResponse) -> Result<Tracking, AdapterError> {
    if let Some(error) = &body.error {
        let said = text(&error.message)
            .or(text(&error.code))
            .unwrap_or("an error");
        return Err(AdapterError::not_found(format!(
            "USPS item {number} (USPS says: {said})"
        )));
    }
    if body.tracking_events.is_empty()
        && text(&body.status_category).is_none()
        && text(&body.status).is_none()
    {
        return Err(AdapterError::not_found(format!("USPS item {number}")));
    }

    let mut placed: Vec<(usize, TrackingEvent)> = Vec::new();
    for (index, event) in body.tracking_events.iter().enumerate() {
        let Some(time) = event_time(event, &format!("trackingEvents[{index}]"))? else {
            continue;
        };
        placed.push((
            index,
            TrackingEvent {
                time,
                place: place(event),
                description: describe(event),
            },
        ));
    }
    // USPS lists the newest first; trust the times where there are some.
    let newest = placed
        .iter()
        .max_by(|(a_index, a), (b_index, b)| a.time.cmp(&b.time).then(b_index.cmp(a_index)))
        .map_or(0, |(index, _)| *index);
    let row = body
        .tracking_events
        .get(newest)
        .and_then(|event| text(&event.event_code))
        .and_then(code_row)
        .or_else(|| text(&body.status_category).and_then(category_row));
    let status = row.map_or(TrackingStatus::Unknown, |row| row.status);

    let mut tracking = Tracking::new(Carrier::Usps, number, status);
    tracking.latest_event = placed
        .iter()
        .find(|(index, _)| *index == newest)
        .map(|(_, event)| event.clone());
    tracking.url = Some(tracking_url(number));
    if status == TrackingStatus::Exception {
        tracking.exception = Some(
            row.and_then(|r| r.exception)
                .unwrap_or(ExceptionReason::Other),
        );
    }
    if status == TrackingStatus::Delivered {
        let is_delivery = |index: usize| {
            text(&body.tracking_events[index].event_code)
                .and_then(code_row)
                .is_some_and(|r| r.status == TrackingStatus::Delivered)
        };
        let delivery = placed
            .iter()
            .filter(|(index, _)| is_delivery(*index))
            .max_by(|(a_index, a), (b_index, b)| a.time.cmp(&b.time).then(b_index.cmp(a_index)))
            .map(|(index, event)| (*index, event.time))
            // A delivery whose code is not in the table: the category speaks of the newest event.
            .or_else(|| {
                placed
                    .iter()
                    .find(|(index, _)| *index == newest)
                    .map(|(index, event)| (*index, event.time))
            });
        if let Some((index, at)) = delivery {
            let event = &body.tracking_events[index];
            tracking.delivered_at = Some(at);
            tracking.delivered_place = text(&event.event_type).and_then(delivered_place);
            tracking.signed_by = text(&event.name).map(str::to_owned);
        }
    } else {
        tracking.estimated_delivery = estimate(&body)?;
    }
    let mut events: Vec<TrackingEvent> = placed.into_iter().rev().map(|(_, e)| e).collect();
    events.sort_by_key(|event| event.time);
    tracking.events = events;
    Ok(tracking)
}

/// "Parcel Locker" from "Delivered, Parcel Locker".
fn delivered_place(event_type: &str) -> Option<String> {
    let (head, place) = event_type.split_once(',')?;
    let place = place.trim();
    (head.trim().eq_ignore_ascii_case("delivered") && !place.is_empty()).then(|| place.to_owned())
}

/// The expected delivery date, else the predicted, else the guaranteed one.
fn estimate(body: &TrackingResponse) -> Result<Option<Date>, AdapterError> {
    let nested = body.delivery_date_expectation.as_ref();
    let candidates = [
        ("expectedDeliveryDate", text(&body.expected_delivery_date)),
        (
            "deliveryDateExpectation.expectedDeliveryDate",
            nested.and_then(|n| text(&n.expected_delivery_date)),
        ),
        (
            "expectedDeliveryTimeStamp",
            text(&body.expected_delivery_timestamp),
        ),
        ("predictedDeliveryDate", text(&body.predicted_delivery_date)),
        (
            "deliveryDateExpectation.predictedDeliveryDate",
            nested.and_then(|n| text(&n.predicted_delivery_date)),
        ),
        (
            "predictedDeliveryTimeStamp",
            text(&body.predicted_delivery_timestamp),
        ),
        (
            "guaranteedDeliveryTimeStamp",
            text(&body.guaranteed_delivery_timestamp),
        ),
        (
            "deliveryDateExpectation.guaranteedDeliveryDate",
            nested.and_then(|n| text(&n.guaranteed_delivery_date)),
        ),
    ];
    let Some((field, value)) = candidates
        .into_iter()
        .find_map(|(field, value)| Some((field, value?)))
    else {
        return Ok(None);
    };
    value
        .get(..10)
        .and_then(|day| day.parse::<Date>().ok())
        .map(Some)
        .ok_or_else(|| {
            bad(
                field.to_owned(),
                format!("{value:?} does not start with a date"),
            )
        })
}

/// "HERNANDO, FL", with the country when it is not the US.
fn place(event: &TrackingEventBody) -> Option<String> {
    let country = text(&event.event_country).filter(|c| {
        !["US", "USA", "UNITED STATES"]
            .iter()
            .any(|us| c.eq_ignore_ascii_case(us))
    });
    let parts: Vec<&str> = [text(&event.event_city), text(&event.event_state), country]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// USPS's words for the event, else its table meaning.
fn describe(event: &TrackingEventBody) -> String {
    text(&event.event_type)
        .map(str::to_owned)
        .or_else(|| {
            text(&event.event_code)
                .and_then(code_row)
                .map(|row| row.meaning.to_owned())
        })
        .unwrap_or_else(|| "USPS scan".to_owned())
}

/// When an event happened: its own offset, else `GMTOffset`, else `GMTTimestamp`, else unknown.
fn event_time(event: &TrackingEventBody, path: &str) -> Result<Option<Timestamp>, AdapterError> {
    if let Some(stamp) = text(&event.event_timestamp) {
        if let Ok(at) = stamp.parse::<Timestamp>() {
            return Ok(Some(at));
        }
        let local: DateTime = stamp.parse().map_err(|_| {
            bad(
                format!("{path}.eventTimestamp"),
                format!("{stamp:?} is not a date and time"),
            )
        })?;
        if let Some(offset) = text(&event.gmt_offset) {
            let offset = parse_offset(offset).ok_or_else(|| {
                bad(
                    format!("{path}.GMTOffset"),
                    format!("{offset:?} is not an offset like -05:00"),
                )
            })?;
            return offset
                .to_timestamp(local)
                .map(Some)
                .map_err(|e| bad(format!("{path}.GMTOffset"), e.to_string()));
        }
    }
    match text(&event.gmt_timestamp) {
        Some(stamp) => stamp.parse::<Timestamp>().map(Some).map_err(|_| {
            bad(
                format!("{path}.GMTTimestamp"),
                format!("{stamp:?} is not a UTC timestamp"),
            )
        }),
        None => Ok(None),
    }
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
