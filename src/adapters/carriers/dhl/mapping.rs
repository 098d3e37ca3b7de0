//! Shipment Tracking – Unified bodies → [`Tracking`]: serde types for the documented JSON
//! (every field optional, unknown fields ignored) and pure functions over them. Statuses come
//! from the tables in [`super::status`].

use serde::Deserialize;

use super::status::{status_row, wording_row};
use crate::adapters::carriers::local_time::{self, ScanPlace};
use crate::carrier::{normalize, Carrier};
use crate::respond::facts::{ExceptionReason, Tracking, TrackingEvent, TrackingStatus};

/// The answer to `GET /track/shipments`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentsResponse {
    /// One per shipment found under the number (several services may know it).
    pub shipments: Option<Vec<Shipment>>,
}

/// `shipments[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shipment {
    /// The tracking number.
    pub id: Option<String>,
    /// `express`, `parcel-de`, `ecommerce`, …
    pub service: Option<String>,
    /// The current status, an event like those in `events`.
    pub status: Option<Event>,
    /// Estimated time of delivery.
    pub estimated_time_of_delivery: Option<String>,
    /// Estimated delivery window.
    pub estimated_delivery_time_frame: Option<TimeFrame>,
    /// DHL's tracking page for this shipment.
    pub service_url: Option<String>,
    /// Whether the shipment is going back to the sender (newer API versions).
    pub return_flag: Option<bool>,
    /// Pieces, proof of delivery.
    pub details: Option<Details>,
    /// Every event, newest first.
    pub events: Option<Vec<Event>>,
}

/// A status or an event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// When: with an offset, or local time without one (DHL Express).
    pub timestamp: Option<String>,
    /// Where.
    pub location: Option<Location>,
    /// `pre-transit`, `transit`, `delivered`, `failure`, `unknown`.
    pub status_code: Option<String>,
    /// A short title.
    pub status: Option<String>,
    /// A finer status, in newer API versions.
    pub status_detailed: Option<String>,
    /// Words.
    pub description: Option<String>,
    /// A remark ("The shipment is pending completion of customs inspection.").
    pub remark: Option<String>,
}

/// `location`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The address.
    pub address: Option<Address>,
}

/// `location.address`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// City, or "CITY - COUNTRY" for DHL Express.
    pub address_locality: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
}

/// `estimatedDeliveryTimeFrame`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeFrame {
    /// From.
    pub estimated_from: Option<String>,
    /// Until.
    pub estimated_through: Option<String>,
}

/// `details`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    /// Proof of delivery.
    pub proof_of_delivery: Option<ProofOfDelivery>,
}

/// `details.proofOfDelivery`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProofOfDelivery {
    /// When it was signed for.
    pub timestamp: Option<String>,
    /// Who signed: a person or an organisation.
    pub signed: Option<Party>,
    /// Who signed, as some services name it; a name or a party.
    pub signee: Option<serde_json::Value>,
}

/// A person or an organisation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// Full name.
    pub name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Organisation.
    pub organization_name: Option<String>,
}

/// Why a number has no [`Tracking`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// DHL does not know the number (an empty `shipments`).
    #[error("DHL has no shipment {number}")]
    NotFound {
        /// The number.
        number: String,
    },
    /// A field cannot be read.
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

/// The service family DHL names for `carrier`'s shipments, preferred when several services
/// know a number equally recently.
pub fn service_for(carrier: Carrier) -> Option<&'static str> {
    match carrier {
        Carrier::Dhl => Some("express"),
        Carrier::DhlEcommerce => Some("ecommerce"),
        _ => None,
    }
}

/// `number`'s [`Tracking`] from DHL's answer. Several services may know a number: of the
/// shipments whose id is the number (all of them if none is), the one with the newest news is
/// the customer's, and on a tie the one of `carrier`'s service.
pub fn tracking(
    carrier: Carrier,
    number: &str,
    response: &ShipmentsResponse,
) -> Result<Tracking, MappingError> {
    let shipments = response.shipments.as_deref().unwrap_or_default();
    let own: Vec<usize> = (0..shipments.len())
        .filter(|&i| {
            shipments[i]
                .id
                .as_deref()
                .is_some_and(|id| normalize(id) == number)
        })
        .collect();
    let candidates = if own.is_empty() {
        (0..shipments.len()).collect()
    } else {
        own
    };
    let fits = |shipment: &Shipment| {
        service_for(carrier).is_some_and(|family| {
            shipment
                .service
                .as_deref()
                .is_some_and(|service| service.to_ascii_lowercase().starts_with(family))
        })
    };
    let mut best: Option<(Tracking, bool)> = None;
    for index in candidates {
        let shipment = &shipments[index];
        let mapped = shipment_tracking(carrier, number, shipment, &format!("shipments[{index}]"))?;
        let fit = fits(shipment);
        let better = best.as_ref().is_none_or(|(current, current_fit)| {
            mapped.last_scan_at() > current.last_scan_at()
                || (mapped.last_scan_at() == current.last_scan_at() && fit && !current_fit)
        });
        if better {
            best = Some((mapped, fit));
        }
    }
    best.map(|(tracking, _)| tracking)
        .ok_or_else(|| MappingError::NotFound {
            number: number.to_owned(),
        })
}

fn present(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

fn place_of(event: &Event) -> ScanPlace<'_> {
    let address = event.location.as_ref().and_then(|l| l.address.as_ref());
    ScanPlace {
        country_code: address.and_then(|a| present(&a.country_code)),
        locality: address.and_then(|a| present(&a.address_locality)),
    }
}

/// `event` as a [`TrackingEvent`], or `None` without a timestamp.
fn event(event: &Event, field: &str) -> Result<Option<TrackingEvent>, MappingError> {
    let Some(timestamp) = present(&event.timestamp) else {
        return Ok(None);
    };
    let place = place_of(event);
    let (time, _) = local_time::instant(timestamp, place).map_err(|message| bad(field, message))?;
    let description = present(&event.description)
        .or(present(&event.status))
        .or(present(&event.status_detailed))
        .or(present(&event.status_code))
        .unwrap_or("DHL scan")
        .to_owned();
    Ok(Some(TrackingEvent {
        time,
        place: place.locality.map(str::to_owned),
        description,
    }))
}

/// One shipment's [`Tracking`].
pub fn shipment_tracking(
    carrier: Carrier,
    number: &str,
    shipment: &Shipment,
    path: &str,
) -> Result<Tracking, MappingError> {
    let raw_events = shipment.events.as_deref().unwrap_or_default();
    let mut events = Vec::with_capacity(raw_events.len());
    // DHL lists events newest first; oldest first here, equal times in DHL's order reversed.
    for (index, raw) in raw_events.iter().enumerate().rev() {
        if let Some(event) = event(raw, &format!("{path}.events[{index}].timestamp"))? {
            events.push(event);
        }
    }
    events.sort_by_key(|event| event.time);
    let current = shipment.status.as_ref().or(raw_events.first());
    let latest = match &shipment.status {
        Some(status) => event(status, &format!("{path}.status.timestamp"))?,
        None => None,
    }
    .or_else(|| events.last().cloned());

    let code = current
        .and_then(|c| present(&c.status_code))
        .unwrap_or("unknown");
    let mut status = status_row(code).map_or(TrackingStatus::Unknown, |row| row.status);
    let mut reason = None;
    let words = current
        .map(|c| {
            [&c.description, &c.status, &c.status_detailed, &c.remark]
                .into_iter()
                .filter_map(present)
                .collect::<Vec<&str>>()
        })
        .unwrap_or_default();
    if let Some(row) = wording_row(code, words.iter().copied()) {
        status = row.status;
        reason = row.reason;
    }
    if shipment.return_flag == Some(true) {
        status = TrackingStatus::ReturnedToSender;
    }
    // DHL's words beyond the bare group title name a reason, even one no row knows.
    let explained = current.is_some_and(|c| {
        [&c.description, &c.status_detailed, &c.remark]
            .into_iter()
            .any(|text| present(text).is_some())
    });
    if status == TrackingStatus::Exception && reason.is_none() && explained {
        reason = Some(ExceptionReason::Other);
    }

    let mut tracking = Tracking::new(carrier, number, status);
    tracking.exception = reason.filter(|_| status == TrackingStatus::Exception);
    tracking.latest_event = latest;
    tracking.url = Some(present(&shipment.service_url).map_or_else(
        || format!("https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}"),
        str::to_owned,
    ));
    if status == TrackingStatus::Delivered {
        delivery(&mut tracking, shipment, current, path)?;
    } else {
        estimate(&mut tracking, shipment, path)?;
    }
    tracking.events = events;
    Ok(tracking)
}

/// Delivered: when (proof of delivery, else the delivered status) and who signed.
fn delivery(
    tracking: &mut Tracking,
    shipment: &Shipment,
    current: Option<&Event>,
    path: &str,
) -> Result<(), MappingError> {
    let proof = shipment
        .details
        .as_ref()
        .and_then(|d| d.proof_of_delivery.as_ref());
    let place = current.map(place_of).unwrap_or_default();
    tracking.delivered_at = match proof.and_then(|p| present(&p.timestamp)) {
        Some(text) => Some(
            local_time::instant(text, place)
                .map_err(|message| {
                    bad(format!("{path}.details.proofOfDelivery.timestamp"), message)
                })?
                .0,
        ),
        None => tracking.last_scan_at(),
    };
    tracking.signed_by = proof.and_then(signer).filter(|name| {
        // DHL Express fills the signer with the status word when nobody signed.
        !name.eq_ignore_ascii_case("delivered")
    });
    Ok(())
}

fn signer(proof: &ProofOfDelivery) -> Option<String> {
    let party_name = |party: &Party| {
        present(&party.name)
            .map(str::to_owned)
            .or_else(|| {
                let parts: Vec<&str> = [&party.given_name, &party.family_name]
                    .into_iter()
                    .filter_map(present)
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
            .or_else(|| present(&party.organization_name).map(str::to_owned))
    };
    proof
        .signed
        .as_ref()
        .and_then(party_name)
        .or_else(|| match proof.signee.as_ref()? {
            serde_json::Value::String(name) => {
                Some(name.trim().to_owned()).filter(|n| !n.is_empty())
            }
            other => serde_json::from_value::<Party>(other.clone())
                .ok()
                .as_ref()
                .and_then(party_name),
        })
}

/// Not delivered yet: the window's days, else the estimated day.
fn estimate(tracking: &mut Tracking, shipment: &Shipment, path: &str) -> Result<(), MappingError> {
    let day = |text: &Option<String>, field: &str| {
        present(text)
            .map(|t| {
                local_time::date_as_written(t)
                    .map_err(|message| bad(format!("{path}.{field}"), message))
            })
            .transpose()
    };
    let frame = shipment.estimated_delivery_time_frame.as_ref();
    let from = match frame {
        Some(f) => day(
            &f.estimated_from,
            "estimatedDeliveryTimeFrame.estimatedFrom",
        )?,
        None => None,
    };
    let through = match frame {
        Some(f) => day(
            &f.estimated_through,
            "estimatedDeliveryTimeFrame.estimatedThrough",
        )?,
        None => None,
    };
    let estimated = day(
        &shipment.estimated_time_of_delivery,
        "estimatedTimeOfDelivery",
    )?;
    tracking.estimated_delivery = from.or(estimated).or(through);
    tracking.estimated_delivery_end = match (tracking.estimated_delivery, through) {
        (Some(start), Some(end)) if end > start => Some(end),
        _ => None,
    };
    Ok(())
}

#[cfg(test)]
mod tests;
