//! FedEx Track API v1 bodies → [`Tracking`]: serde types for the documented JSON (every field
//! optional, since FedEx leaves out what it does not know, and unknown fields ignored) and pure
//! functions over them. Statuses come from the tables in [`super::status`].

use serde::Deserialize;

use super::status::{delay_row, reason_row, status_row};
use crate::adapters::carriers::local_time::{self, Reading, ScanPlace};
use crate::carrier::{normalize, Carrier};
use crate::respond::facts::{ExceptionReason, Tracking, TrackingEvent, TrackingStatus};

/// The answer to `POST /track/v1/trackingnumbers`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResponse {
    /// The results.
    pub output: Option<Output>,
    /// Errors for the whole request (HTTP 200 can still carry them).
    pub errors: Option<Vec<ApiError>>,
}

/// `output`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// One entry per number asked.
    pub complete_track_results: Option<Vec<CompleteTrackResult>>,
}

/// `output.completeTrackResults[]`: what FedEx knows about one number asked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompleteTrackResult {
    /// The number as asked.
    pub tracking_number: Option<String>,
    /// One per shipment with that number (FedEx reuses numbers), or one carrying `error`.
    pub track_results: Option<Vec<TrackResult>>,
}

/// `trackResults[]`: one shipment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResult {
    /// The current status.
    pub latest_status_detail: Option<StatusDetail>,
    /// Scans, newest first.
    pub scan_events: Option<Vec<ScanEvent>>,
    /// `ESTIMATED_DELIVERY`, `ACTUAL_DELIVERY`, `SHIP`, …
    pub date_and_times: Option<Vec<DateAndTime>>,
    /// The estimated delivery window.
    pub estimated_delivery_time_window: Option<TimeWindow>,
    /// Who received it, where.
    pub delivery_details: Option<DeliveryDetails>,
    /// Set instead of the above when FedEx cannot answer for this number.
    pub error: Option<ApiError>,
}

/// `latestStatusDetail`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetail {
    /// Status code (`DL`, `OD`, `DE`, …).
    pub code: Option<String>,
    /// FedEx's simplified code.
    pub derived_code: Option<String>,
    /// Words in the requested locale.
    pub status_by_locale: Option<String>,
    /// Words.
    pub description: Option<String>,
    /// Reasons and actions for an exception.
    pub ancillary_details: Option<Vec<AncillaryDetail>>,
    /// Why it is late, if it is.
    pub delay_detail: Option<DelayDetail>,
}

/// `ancillaryDetails[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AncillaryDetail {
    /// Reason code (`007`, `03`, …).
    pub reason: Option<String>,
    /// Its words.
    pub reason_description: Option<String>,
}

/// `delayDetail`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelayDetail {
    /// `WEATHER`, `CUSTOMS`, `OPERATIONAL`, `LOCAL`, `GENERAL`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `DELAYED`, `ON_TIME`, `EARLY`.
    pub status: Option<String>,
}

/// `scanEvents[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanEvent {
    /// Local time with its offset (`2018-02-02T12:01:00-07:00`).
    pub date: Option<String>,
    /// Status code of the scan.
    pub event_type: Option<String>,
    /// Words.
    pub event_description: Option<String>,
    /// Simplified status code.
    pub derived_status_code: Option<String>,
    /// Simplified words.
    pub derived_status: Option<String>,
    /// Words about an exception at this scan.
    pub exception_description: Option<String>,
    /// Where.
    pub scan_location: Option<Address>,
}

/// An address (scan location, delivery address).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// City, often in capitals.
    pub city: Option<String>,
    /// State or province code.
    pub state_or_province_code: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
}

/// `dateAndTimes[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateAndTime {
    /// `ESTIMATED_DELIVERY`, `ACTUAL_DELIVERY`, …
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Local time, with an offset or without one.
    pub date_time: Option<String>,
}

/// `estimatedDeliveryTimeWindow`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeWindow {
    /// The window.
    pub window: Option<Window>,
}

/// `window`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    /// From.
    pub begins: Option<String>,
    /// Until.
    pub ends: Option<String>,
}

/// `deliveryDetails`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetails {
    /// Who took it.
    pub received_by_name: Option<String>,
    /// Who signed.
    pub signed_by_name: Option<String>,
    /// Where it was left ("Front Door", "Receptionist/Front Desk").
    pub location_description: Option<String>,
    /// The address it went to.
    pub actual_delivery_address: Option<Address>,
}

/// `errors[]` or `trackResults[].error`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    /// `TRACKING.TRACKINGNUMBER.NOTFOUND`, …
    pub code: Option<String>,
    /// Words.
    pub message: Option<String>,
}

/// Why a number has no [`Tracking`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// FedEx does not know the number.
    #[error("FedEx has no shipment {number}")]
    NotFound {
        /// The number.
        number: String,
    },
    /// FedEx refused the number for another reason (`TRACKING.TRACKINGNUMBER.INVALID`, …).
    #[error("FedEx refused {number}: {code}: {message}")]
    Refused {
        /// The number.
        number: String,
        /// FedEx's code.
        code: String,
        /// FedEx's words.
        message: String,
    },
    /// A field is missing or cannot be read.
    #[error("`{field}`: {message}")]
    BadField {
        /// The JSON path.
        field: String,
        /// What is wrong.
        message: String,
    },
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> MappingError {
    MappingError::BadField {
        field: field.into(),
        message: message.into(),
    }
}

/// The answer for each number in `asked` (normalised, no repeats), in that order. FedEx names
/// each result by the number asked; a result without a name is matched by its position.
pub fn answers(
    response: &TrackResponse,
    asked: &[String],
    carrier: Carrier,
) -> Vec<Result<Tracking, MappingError>> {
    let results = response
        .output
        .as_ref()
        .and_then(|output| output.complete_track_results.as_deref())
        .unwrap_or_default();
    if results.is_empty() {
        let error = response.errors.as_deref().and_then(<[ApiError]>::first);
        return asked
            .iter()
            .map(|number| match error {
                Some(error) => Err(refusal(number, error)),
                None => Err(bad("output.completeTrackResults", "missing")),
            })
            .collect();
    }
    asked
        .iter()
        .enumerate()
        .map(|(index, number)| {
            let named = results.iter().position(|result| {
                result
                    .tracking_number
                    .as_deref()
                    .is_some_and(|n| normalize(n) == *number)
            });
            let unnamed = results
                .get(index)
                .filter(|result| result.tracking_number.is_none())
                .map(|_| index);
            match named.or(unnamed) {
                Some(at) => tracking(
                    carrier,
                    number,
                    &results[at],
                    &format!("output.completeTrackResults[{at}]"),
                ),
                None => Err(bad(
                    "output.completeTrackResults",
                    format!("no result for {number}"),
                )),
            }
        })
        .collect()
}

fn refusal(number: &str, error: &ApiError) -> MappingError {
    let code = error.code.clone().unwrap_or_default();
    if code.to_ascii_uppercase().ends_with("NOTFOUND") {
        return MappingError::NotFound {
            number: number.to_owned(),
        };
    }
    MappingError::Refused {
        number: number.to_owned(),
        code,
        message: error.message.clone().unwrap_or_default(),
    }
}

/// One number's [`Tracking`]. When FedEx has several shipments under the number (it reuses
/// numbers), the one scanned most recently is the customer's.
pub fn tracking(
    carrier: Carrier,
    number: &str,
    result: &CompleteTrackResult,
    path: &str,
) -> Result<Tracking, MappingError> {
    let results = result.track_results.as_deref().unwrap_or_default();
    let mut best: Option<Tracking> = None;
    for (index, shipment) in results.iter().enumerate() {
        let has_data = shipment.latest_status_detail.is_some()
            || shipment.scan_events.as_ref().is_some_and(|e| !e.is_empty());
        if !has_data {
            continue;
        }
        let mapped = shipment_tracking(
            carrier,
            number,
            shipment,
            &format!("{path}.trackResults[{index}]"),
        )?;
        if best
            .as_ref()
            .is_none_or(|b| mapped.last_scan_at() > b.last_scan_at())
        {
            best = Some(mapped);
        }
    }
    if let Some(best) = best {
        return Ok(best);
    }
    match results.iter().find_map(|shipment| shipment.error.as_ref()) {
        Some(error) => Err(refusal(number, error)),
        None => Err(MappingError::NotFound {
            number: number.to_owned(),
        }),
    }
}

/// One shipment's [`Tracking`].
pub fn shipment_tracking(
    carrier: Carrier,
    number: &str,
    shipment: &TrackResult,
    path: &str,
) -> Result<Tracking, MappingError> {
    let scans = scans(shipment, path)?;
    let detail = shipment.latest_status_detail.as_ref();
    let newest_scan = scans.last().map(|(_, scan)| *scan);
    let row = detail
        .and_then(|d| d.code.as_deref().and_then(status_row))
        .or_else(|| detail.and_then(|d| d.derived_code.as_deref().and_then(status_row)))
        .or_else(|| newest_scan.and_then(|s| s.event_type.as_deref().and_then(status_row)))
        .or_else(|| {
            newest_scan.and_then(|s| s.derived_status_code.as_deref().and_then(status_row))
        });
    let (mut status, mut reason) = row.map_or((TrackingStatus::Unknown, None), |row| {
        (row.status, row.reason)
    });
    if status == TrackingStatus::Exception && reason.is_none() {
        (status, reason) = exception_detail(detail);
    }
    let delivered_scan = scans
        .iter()
        .rev()
        .find(|(_, scan)| scan_is(scan, "DL"))
        .map(|(event, _)| event.time);
    let events: Vec<TrackingEvent> = scans.into_iter().map(|(event, _)| event).collect();
    let mut tracking = Tracking::new(carrier, number, status);
    tracking.exception = reason.filter(|_| status == TrackingStatus::Exception);
    tracking.latest_event = events.last().cloned();
    tracking.url = Some(format!("https://www.fedex.com/fedextrack/?trknbr={number}"));
    if status == TrackingStatus::Delivered {
        delivery(&mut tracking, shipment, delivered_scan, path)?;
    } else {
        estimate(&mut tracking, shipment, path)?;
    }
    tracking.events = events;
    Ok(tracking)
}

/// An exception's finer status and sub-reason: the ancillary reason FedEx gives, else the
/// delay type, else "other" when FedEx gives a reason not in the tables.
fn exception_detail(detail: Option<&StatusDetail>) -> (TrackingStatus, Option<ExceptionReason>) {
    let ancillary = detail
        .and_then(|d| d.ancillary_details.as_deref())
        .unwrap_or_default();
    if let Some(row) = ancillary
        .iter()
        .find_map(|a| a.reason.as_deref().and_then(reason_row))
    {
        return (row.status, row.exception);
    }
    let delay = detail
        .and_then(|d| d.delay_detail.as_ref())
        .filter(|delay| {
            delay
                .status
                .as_deref()
                .is_none_or(|s| s.eq_ignore_ascii_case("DELAYED"))
        });
    if let Some(row) = delay.and_then(|d| d.kind.as_deref().and_then(delay_row)) {
        return (TrackingStatus::Exception, Some(row.exception));
    }
    let named = ancillary
        .iter()
        .any(|a| a.reason.is_some() || a.reason_description.is_some());
    (
        TrackingStatus::Exception,
        named.then_some(ExceptionReason::Other),
    )
}

/// Scans with a date, oldest first (FedEx lists them newest first; equal times keep FedEx's
/// order).
fn scans<'a>(
    shipment: &'a TrackResult,
    path: &str,
) -> Result<Vec<(TrackingEvent, &'a ScanEvent)>, MappingError> {
    let mut scans = Vec::new();
    let raw = shipment.scan_events.as_deref().unwrap_or_default();
    for (index, scan) in raw.iter().enumerate().rev() {
        let Some(date) = scan.date.as_deref() else {
            continue;
        };
        let location = scan.scan_location.as_ref();
        let place = ScanPlace {
            country_code: location.and_then(|l| l.country_code.as_deref()),
            locality: None,
        };
        let (time, _) = local_time::instant(date, place)
            .map_err(|message| bad(format!("{path}.scanEvents[{index}].date"), message))?;
        let event = TrackingEvent {
            time,
            place: location.and_then(place_name),
            description: scan_description(scan),
        };
        scans.push((event, scan));
    }
    scans.sort_by_key(|(event, _)| event.time);
    Ok(scans)
}

fn present(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

fn scan_description(scan: &ScanEvent) -> String {
    let base = present(&scan.event_description)
        .or(present(&scan.derived_status))
        .or(present(&scan.event_type))
        .unwrap_or("FedEx scan");
    match present(&scan.exception_description) {
        Some(why) if !base.to_lowercase().contains(&why.to_lowercase()) => {
            format!("{base}: {why}")
        }
        _ => base.to_owned(),
    }
}

/// "Seattle, WA": the city (in capitals from FedEx, so put in title case) and the state, or
/// the country code when there is no state.
fn place_name(address: &Address) -> Option<String> {
    let city = present(&address.city)?;
    let city = if city.chars().any(char::is_lowercase) {
        city.to_owned()
    } else {
        title_case(city)
    };
    Some(
        match present(&address.state_or_province_code).or(present(&address.country_code)) {
            Some(region) => format!("{city}, {region}"),
            None => city,
        },
    )
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, ' ' | '-' | '\'' | '.' | '/');
    }
    out
}

fn date_time<'a>(shipment: &'a TrackResult, kind: &str) -> Option<(usize, &'a str)> {
    shipment
        .date_and_times
        .iter()
        .flatten()
        .enumerate()
        .find(|(_, d)| {
            d.kind
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(kind))
        })
        .and_then(|(index, d)| present(&d.date_time).map(|t| (index, t)))
}

/// Whether FedEx's code for `scan` is `code`.
fn scan_is(scan: &ScanEvent, code: &str) -> bool {
    [&scan.event_type, &scan.derived_status_code]
        .into_iter()
        .any(|c| present(c).is_some_and(|c| c.eq_ignore_ascii_case(code)))
}

/// Delivered: when (FedEx's actual delivery time, else the delivery scan), who took it, where
/// it was left.
fn delivery(
    tracking: &mut Tracking,
    shipment: &TrackResult,
    delivered_scan: Option<jiff::Timestamp>,
    path: &str,
) -> Result<(), MappingError> {
    let details = shipment.delivery_details.as_ref();
    let actual = match date_time(shipment, "ACTUAL_DELIVERY") {
        Some((index, text)) => {
            let address = details.and_then(|d| d.actual_delivery_address.as_ref());
            let place = ScanPlace {
                country_code: address.and_then(|a| a.country_code.as_deref()),
                locality: None,
            };
            Some(local_time::instant(text, place).map_err(|message| {
                bad(format!("{path}.dateAndTimes[{index}].dateTime"), message)
            })?)
        }
        None => None,
    };
    tracking.delivered_at = match (actual, delivered_scan) {
        (Some((time, Reading::Offset)), _) => Some(time),
        (_, Some(scan)) => Some(scan),
        (Some((time, _)), None) => Some(time),
        (None, None) => tracking.last_scan_at(),
    };
    if let Some(details) = details {
        tracking.signed_by = present(&details.received_by_name)
            .or(present(&details.signed_by_name))
            .map(str::to_owned);
        tracking.delivered_place = present(&details.location_description).map(str::to_owned);
    }
    Ok(())
}

/// Not delivered yet: the estimated window's days, else the estimated delivery day.
fn estimate(
    tracking: &mut Tracking,
    shipment: &TrackResult,
    path: &str,
) -> Result<(), MappingError> {
    let window = shipment
        .estimated_delivery_time_window
        .as_ref()
        .and_then(|w| w.window.as_ref());
    let day = |text: &str, field: &str| {
        local_time::date_as_written(text).map_err(|message| bad(format!("{path}.{field}"), message))
    };
    let begins = window
        .and_then(|w| present(&w.begins))
        .map(|t| day(t, "estimatedDeliveryTimeWindow.window.begins"))
        .transpose()?;
    let ends = window
        .and_then(|w| present(&w.ends))
        .map(|t| day(t, "estimatedDeliveryTimeWindow.window.ends"))
        .transpose()?;
    let estimated = match date_time(shipment, "ESTIMATED_DELIVERY") {
        Some((index, text)) => Some(day(text, &format!("dateAndTimes[{index}].dateTime"))?),
        None => None,
    };
    tracking.estimated_delivery = begins.or(ends).or(estimated);
    tracking.estimated_delivery_end = match (begins, ends) {
        (Some(from), Some(until)) if until > from => Some(until),
        _ => None,
    };
    Ok(())
}

#[cfg(test)]
mod tests;
