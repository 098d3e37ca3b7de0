//! UPS Track API v1 bodies → [`Tracking`]: serde types for the documented JSON, every field
//! optional because UPS leaves out what it does not know, and pure functions from them to facts.
//!
//! - **Status** comes from the package's `currentStatus` (else its newest activity) through
//!   [`STATUS_TABLE`]: the 3-digit package status code first (`statusCode` on activities, `code`
//!   on `currentStatus`), then the 2-letter activity `code`, then the activity status `type`, so
//!   a specific code overrules its broad type (a customs release is typed `X` but is no
//!   exception; out for delivery is typed `I`). The type `D` alone proves nothing: UPS gives it
//!   to loading on the delivery vehicle and out for delivery as well as to deliveries.
//! - **Times**: an activity gives its local `date` (`YYYYMMDD`) and `time` (`HHMMSS`) and,
//!   apart, `gmtOffset` (`-05:00`) and `gmtDate` + `gmtTime` (`74700` or `07:47:00`). The
//!   local time with its offset is the instant; failing the offset, the GMT date and time. An
//!   activity with neither is left out of the events rather than read as UTC; when that is the
//!   newest one, the latest event is unknown.
//! - **Estimate**: the rescheduled delivery date (`deliveryDate[].type` `RDD`), else the
//!   scheduled one (`SDD`). UPS's windows (`deliveryTime` `EDW`/`CDW`/`IDW`) are hours within
//!   that day, which the facts do not carry.
//! - **Delivery**: the time of the newest delivery activity, `deliveryInformation.location`
//!   ("Front Door") and `receivedBy`.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;
use jiff::Timestamp;
use serde::Deserialize;

use crate::adapters::carriers::shared_mapping::{self, null_as_empty, parse_offset, row, text};
use crate::adapters::AdapterError;
use crate::carrier::{normalize, Carrier};
use crate::respond::facts::{ExceptionReason, Tracking, TrackingEvent, TrackingStatus};

/// The vendor name in logs and errors.
pub(super) const VENDOR: &str = "ups";

/// The activity status types UPS documents: the Tracking developer guide's "Status Type"
/// values (D, I, M, MV, P, X, RS, DO, DD, W, NA, O), which the Track API appendix keeps.
const TYPES_DOC: &str = "UPS Track API appendix, activity status types \
    (https://developer.ups.com/api/reference/tracking/appendix)";
/// UPS's own example response for the Track API.
const SAMPLE_DOC: &str = "UPS Track API sample response \
    (https://github.com/UPS-API/java-api-examples/blob/main/track/readme.md)";
/// The Track API OpenAPI description's `Status` example.
const OPENAPI_DOC: &str = "UPS Track API OpenAPI, Status example \
    (https://github.com/UPS-API/api-documentation/blob/main/Tracking.yaml)";
/// The Track Alert API's list of status types, which adds `U`.
const TRACK_ALERT_DOC: &str = "UPS Track Alert API, FAQ on status types \
    (https://github.com/UPS-API/api-documentation/blob/main/UPSTrackAlert.yaml)";
/// The Track API's package status codes. UPS sends them as `statusCode` on activities and as
/// `code` on `currentStatus`.
const CODES_DOC: &str = "UPS Track API package status codes \
    (https://developer.ups.com/api/reference/tracking/api-code)";

/// Which field of a UPS `status` a row matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// A package status code, three digits ("011"): `statusCode`, or `code` on
    /// `currentStatus`.
    StatusCode,
    /// `code`, two letters ("MP", "SR").
    Code,
    /// `type`, the activity status type ("D", "X").
    Type,
}

/// A row of [`STATUS_TABLE`].
pub(super) type StatusRow = shared_mapping::StatusRow<Field>;

// Short names for the table.
use ExceptionReason as Why;
use Field::{Code, StatusCode, Type};
use TrackingStatus as S;

/// UPS status values → deskbot's status, most specific field first. Each row names its source.
#[rustfmt::skip]
pub(super) const STATUS_TABLE: &[StatusRow] = &[
    // Package status codes.
    row(StatusCode, "003", S::LabelCreated, None, "Shipper created a label, UPS has not received the package yet", SAMPLE_DOC),
    row(StatusCode, "005", S::InTransit, None, "In Transit", CODES_DOC),
    row(StatusCode, "011", S::Delivered, None, "Delivered", SAMPLE_DOC),
    // Sent with type I and code OT: the type alone would say "in transit".
    row(StatusCode, "021", S::OutForDelivery, None, "Out For Delivery Today", CODES_DOC),
    // Activity status codes.
    row(Code, "MP", S::LabelCreated, None, "Shipper created a label, UPS has not received the package yet", SAMPLE_DOC),
    row(Code, "SR", S::InTransit, None, "Your package was released by the customs agency", OPENAPI_DOC),
    // Activity status types.
    row(Type, "M", S::LabelCreated, None, "Billing Information Received", TYPES_DOC),
    row(Type, "MV", S::Exception, Some(Why::Other), "Billing Information Voided", TYPES_DOC),
    row(Type, "P", S::InTransit, None, "Pickup", TYPES_DOC),
    row(Type, "I", S::InTransit, None, "In Transit", TYPES_DOC),
    row(Type, "O", S::OutForDelivery, None, "Out for Delivery", TYPES_DOC),
    // No row for type `D`: UPS types as `D` all "delivery information (loaded on delivery
    // vehicle, out for delivery, delivered)" (TRACK_ALERT_DOC), so only a delivery's own code
    // (`011` above) says delivered; `D` with a code not in this table is unknown.
    row(Type, "X", S::Exception, Some(Why::Other), "Exception", TYPES_DOC),
    row(Type, "RS", S::ReturnedToSender, None, "Returned to Shipper", TYPES_DOC),
    row(Type, "DO", S::InTransit, None, "Delivered Origin CFS (Freight Only)", TYPES_DOC),
    row(Type, "DD", S::InTransit, None, "Delivered Destination CFS (Freight Only)", TYPES_DOC),
    row(Type, "W", S::InTransit, None, "Warehousing (Freight Only)", TYPES_DOC),
    row(Type, "NA", S::Unknown, None, "Not Available", TYPES_DOC),
    row(Type, "U", S::InTransit, None, "Update (usually a new scheduled delivery date)", TRACK_ALERT_DOC),
];

/// The row for a UPS status: its package status code (`statusCode`, or a 3-digit `code`), else
/// its 2-letter `code`, else its `type`.
pub(super) fn status_row(status: &Status) -> Option<&'static StatusRow> {
    let find = |field: Field, value: &Option<String>| {
        shared_mapping::find(STATUS_TABLE, field, value.as_deref()?)
    };
    find(StatusCode, &status.status_code)
        .or_else(|| find(StatusCode, &status.code))
        .or_else(|| find(Code, &status.code))
        .or_else(|| find(Type, &status.kind))
}

/// `GET /api/track/v1/details/{inquiryNumber}` → 200.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TrackApiResponse {
    pub track_response: Option<TrackResponse>,
}

/// `trackResponse`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct TrackResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub shipment: Vec<Shipment>,
}

/// `trackResponse.shipment[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Shipment {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub package: Vec<Package>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub warnings: Vec<Warning>,
}

/// `shipment[].warnings[]`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Warning {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// `shipment[].package[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Package {
    pub tracking_number: Option<String>,
    pub current_status: Option<Status>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub activity: Vec<Activity>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub delivery_date: Vec<DeliveryDate>,
    pub delivery_information: Option<DeliveryInformation>,
}

/// `package[].activity[]`, newest first.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Activity {
    pub date: Option<String>,
    pub time: Option<String>,
    pub gmt_date: Option<String>,
    pub gmt_time: Option<String>,
    pub gmt_offset: Option<String>,
    pub location: Option<Location>,
    pub status: Option<Status>,
}

/// `activity[].location`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Location {
    pub address: Option<Address>,
}

/// `location.address`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Address {
    pub city: Option<String>,
    pub state_province: Option<String>,
    pub country_code: Option<String>,
}

/// `currentStatus` and `activity[].status`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Status {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub code: Option<String>,
    pub status_code: Option<String>,
    pub description: Option<String>,
    pub simplified_text_description: Option<String>,
}

/// `package[].deliveryDate[]`: `SDD` scheduled, `RDD` rescheduled, `DEL` delivered.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DeliveryDate {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub date: Option<String>,
}

/// `package[].deliveryInformation`, present once delivered.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeliveryInformation {
    pub location: Option<String>,
    pub received_by: Option<String>,
}

/// The public tracking page of `number`.
pub(super) fn tracking_url(number: &str) -> String {
    format!("https://www.ups.com/track?tracknum={number}")
}

fn bad(field: String, message: impl Into<String>) -> AdapterError {
    AdapterError::bad_response(VENDOR, field, message)
}

/// What UPS says about `number` (normalised), from a 200 body.
///
/// A body with no package for it is `NotFound` (UPS then sends a warning instead); several
/// packages none of which is `number` are a `BadResponse`.
pub(super) fn tracking(number: &str, body: TrackApiResponse) -> Result<Tracking, AdapterError> {
    let shipments = body.track_response.unwrap_or_default().shipment;
    let mut packages = Vec::new();
    for (s, shipment) in shipments.iter().enumerate() {
        for (p, package) in shipment.package.iter().enumerate() {
            packages.push((format!("trackResponse.shipment[{s}].package[{p}]"), package));
        }
    }
    let asked = packages.iter().position(|(_, package)| {
        text(&package.tracking_number).map(normalize).as_deref() == Some(number)
    });
    let chosen = match (asked, packages.len()) {
        (Some(index), _) => index,
        // One package under another number (an InfoNotice or reference asked for): it is the one.
        (None, 1) => 0,
        (None, 0) => {
            let warnings: Vec<&str> = shipments
                .iter()
                .flat_map(|s| &s.warnings)
                .filter_map(|w| text(&w.message).or(text(&w.code)))
                .collect();
            let why = if warnings.is_empty() {
                String::new()
            } else {
                format!(" ({})", warnings.join("; "))
            };
            return Err(AdapterError::not_found(format!(
                "UPS shipment {number}{why}"
            )));
        }
        (None, n) => {
            return Err(bad(
                "trackResponse.shipment".to_owned(),
                format!("{n} packages and none is {number}"),
            ))
        }
    };
    let (path, package) = &packages[chosen];
    package_tracking(number, path, package)
}

fn package_tracking(number: &str, path: &str, package: &Package) -> Result<Tracking, AdapterError> {
    let mut events: Vec<(usize, TrackingEvent)> = Vec::new();
    for (index, activity) in package.activity.iter().enumerate() {
        let Some(time) = activity_time(activity, &format!("{path}.activity[{index}]"))? else {
            continue;
        };
        events.push((
            index,
            TrackingEvent {
                time,
                place: activity.location.as_ref().and_then(place),
                description: describe(activity.status.as_ref()),
            },
        ));
    }
    let latest_event = events
        .iter()
        .find(|(index, _)| *index == 0)
        .map(|(_, event)| event.clone());
    // `currentStatus` may carry only a code deskbot does not know; the newest scan then decides.
    let row = package
        .current_status
        .as_ref()
        .and_then(status_row)
        .or_else(|| {
            package
                .activity
                .first()?
                .status
                .as_ref()
                .and_then(status_row)
        });
    let status = row.map_or(TrackingStatus::Unknown, |row| row.status);

    let mut tracking = Tracking::new(Carrier::Ups, number, status);
    tracking.latest_event = latest_event;
    tracking.url = Some(tracking_url(number));
    if status == TrackingStatus::Exception {
        tracking.exception = Some(
            row.and_then(|r| r.exception)
                .unwrap_or(ExceptionReason::Other),
        );
    }
    if status == TrackingStatus::Delivered {
        // The newest activity that is itself a delivery.
        tracking.delivered_at = events
            .iter()
            .find(|(index, _)| {
                package.activity[*index]
                    .status
                    .as_ref()
                    .and_then(status_row)
                    .is_some_and(|r| r.status == TrackingStatus::Delivered)
            })
            .map(|(_, event)| event.time);
        if let Some(info) = &package.delivery_information {
            tracking.delivered_place = text(&info.location).map(str::to_owned);
            tracking.signed_by = text(&info.received_by).map(str::to_owned);
        }
    } else {
        tracking.estimated_delivery = estimate(path, &package.delivery_date)?;
    }
    // UPS lists the newest first; the facts keep the oldest first, in time order.
    events.reverse();
    let mut events: Vec<TrackingEvent> = events.into_iter().map(|(_, e)| e).collect();
    events.sort_by_key(|event| event.time);
    tracking.events = events;
    Ok(tracking)
}

/// The rescheduled delivery date, else the scheduled one.
fn estimate(path: &str, dates: &[DeliveryDate]) -> Result<Option<Date>, AdapterError> {
    let mut scheduled = None;
    let mut rescheduled = None;
    for (index, entry) in dates.iter().enumerate() {
        let slot = match text(&entry.kind).map(str::to_ascii_uppercase).as_deref() {
            Some("RDD") => &mut rescheduled,
            Some("SDD") => &mut scheduled,
            _ => continue,
        };
        let Some(value) = text(&entry.date) else {
            continue;
        };
        let date = parse_date(value).ok_or_else(|| {
            bad(
                format!("{path}.deliveryDate[{index}].date"),
                format!("{value:?} is not a YYYYMMDD date"),
            )
        })?;
        *slot = Some(date);
    }
    Ok(rescheduled.or(scheduled))
}

/// "City, ST", with the country when it is not the US.
fn place(location: &Location) -> Option<String> {
    let address = location.address.as_ref()?;
    let country = text(&address.country_code).filter(|c| !c.eq_ignore_ascii_case("US"));
    let parts: Vec<&str> = [text(&address.city), text(&address.state_province), country]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// UPS's words for a scan (trimmed: UPS pads some), else its table meaning.
fn describe(status: Option<&Status>) -> String {
    let Some(status) = status else {
        return "UPS scan".to_owned();
    };
    text(&status.description)
        .or(text(&status.simplified_text_description))
        .map(str::to_owned)
        .or_else(|| status_row(status).map(|row| row.meaning.to_owned()))
        .unwrap_or_else(|| "UPS scan".to_owned())
}

/// When an activity happened: local time with its offset, else GMT, else unknown.
fn activity_time(activity: &Activity, path: &str) -> Result<Option<Timestamp>, AdapterError> {
    let local = match (text(&activity.date), text(&activity.time)) {
        (Some(date), Some(time)) => Some(civil(date, time, path, "date", "time")?),
        _ => None,
    };
    if let (Some(local), Some(offset)) = (local, text(&activity.gmt_offset)) {
        let offset = parse_offset(offset).ok_or_else(|| {
            bad(
                format!("{path}.gmtOffset"),
                format!("{offset:?} is not an offset like -05:00"),
            )
        })?;
        return offset
            .to_timestamp(local)
            .map(Some)
            .map_err(|e| bad(format!("{path}.gmtOffset"), e.to_string()));
    }
    if let (Some(date), Some(time)) = (text(&activity.gmt_date), text(&activity.gmt_time)) {
        let utc = civil(date, time, path, "gmtDate", "gmtTime")?;
        return Offset::UTC
            .to_timestamp(utc)
            .map(Some)
            .map_err(|e| bad(format!("{path}.gmtDate"), e.to_string()));
    }
    Ok(None)
}

fn civil(
    date: &str,
    time: &str,
    path: &str,
    date_field: &str,
    time_field: &str,
) -> Result<DateTime, AdapterError> {
    let day = parse_date(date).ok_or_else(|| {
        bad(
            format!("{path}.{date_field}"),
            format!("{date:?} is not a YYYYMMDD date"),
        )
    })?;
    let clock = parse_time(time).ok_or_else(|| {
        bad(
            format!("{path}.{time_field}"),
            format!("{time:?} is not an HHMMSS time"),
        )
    })?;
    Ok(day.to_datetime(clock))
}

/// `YYYYMMDD`.
pub(super) fn parse_date(text: &str) -> Option<Date> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = text[..4].parse().ok()?;
    let month = text[4..6].parse().ok()?;
    let day = text[6..].parse().ok()?;
    Date::new(year, month, day).ok()
}

/// `HHMMSS`, `HHMM`, `HMMSS` (UPS drops the leading zero of GMT times) or `HH:MM:SS`.
pub(super) fn parse_time(text: &str) -> Option<Time> {
    let digits: String = text.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = match digits.len() {
        5 | 3 => format!("0{digits}"),
        _ => digits,
    };
    let (hour, minute, second) = match digits.len() {
        6 => (&digits[..2], &digits[2..4], &digits[4..]),
        4 => (&digits[..2], &digits[2..], "0"),
        _ => return None,
    };
    Time::new(
        hour.parse().ok()?,
        minute.parse().ok()?,
        second.parse().ok()?,
        0,
    )
    .ok()
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
