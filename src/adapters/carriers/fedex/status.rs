//! FedEx's status codes in deskbot's words: three tables, one row per code FedEx documents, each
//! row naming the FedEx document it came from and FedEx's own definition.
//!
//! - [`STATUS_CODES`]: `latestStatusDetail.code` (and `derivedCode`, `scanEvents[].eventType`,
//!   which use the same codes) → status, with the sub-reason when the code itself names one.
//! - [`ANCILLARY_REASONS`]: `latestStatusDetail.ancillaryDetails[].reason` → a finer status or
//!   sub-reason for an exception.
//! - [`DELAY_TYPES`]: `delayDetail.type` → the sub-reason of a delay.

use crate::respond::facts::{ExceptionReason, TrackingStatus};

/// FedEx API reference guide, "Tracking Status Codes".
pub const STATUS_CODES_DOC: &str =
    "https://developer.fedex.com/api/en-us/guides/api-reference.html#trackingstatuscodes";
/// FedEx API reference guide, "Status Code and Statuses for Webhook Tracking Events" (codes the
/// Track API also returns, listed there with their group: Ship, In-Transit, Delivery,
/// Exceptions, EDD, CDO).
pub const WEBHOOK_CODES_DOC: &str = "https://developer.fedex.com/api/en-us/guides/api-reference.html#statuscodeandstatusesforwebhooktrackingevents";
/// FedEx API reference guide, "Mock Tracking Numbers for FedEx Express and FedEx Ground": each
/// sandbox number names its scan event and, for exceptions, the reason code.
pub const MOCK_NUMBERS_DOC: &str = "https://developer.fedex.com/api/en-us/guides/api-reference.html#mocktrackingnumbersforfedexexpressandfedexground";
/// FedEx Track API v1 OpenAPI document, response example of "Track by Tracking Number".
pub const OPENAPI_DOC: &str =
    "https://developer.fedex.com/wirc/json/api_groups/Track/TrackingNumbers-Resource.json";
/// FedEx Web Services Track WSDL, simple type `TrackDelayType` (CUSTOMS, GENERAL, LOCAL,
/// OPERATIONAL, WEATHER), the values the REST `delayDetail.type` carries; as generated in the
/// SDK file `src/FedEx/TrackService/SimpleType/TrackDelayType.php` of
/// github.com/JeremyDunn/php-fedex-api-wrapper.
pub const DELAY_TYPES_DOC: &str = "FedEx TrackService WSDL TrackDelayType (php-fedex-api-wrapper src/FedEx/TrackService/SimpleType/TrackDelayType.php)";

/// One FedEx status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRow {
    /// FedEx's code.
    pub code: &'static str,
    /// FedEx's definition, as the document words it.
    pub fedex_says: &'static str,
    /// deskbot's status.
    pub status: TrackingStatus,
    /// The sub-reason when the code itself names one.
    pub reason: Option<ExceptionReason>,
    /// The document the row comes from.
    pub source: &'static str,
}

const fn row(
    code: &'static str,
    fedex_says: &'static str,
    status: TrackingStatus,
    reason: Option<ExceptionReason>,
    source: &'static str,
) -> StatusRow {
    StatusRow {
        code,
        fedex_says,
        status,
        reason,
        source,
    }
}

use ExceptionReason as R;
use TrackingStatus as S;

/// Every FedEx status code deskbot reads. Choices worth knowing: pickup-stage codes (AP, DR, DS,
/// EP, PD) are "label created" since FedEx does not have the parcel yet; HL/HP are exceptions
/// held for pickup, since the parcel waits for the customer; SP (pieces in different states) is
/// unknown, so a person looks; DY ("Delay", listed by FedEx under EDD updates) stays in transit
/// and the new estimate decides whether the reply says it is late.
#[rustfmt::skip]
pub const STATUS_CODES: &[StatusRow] = &[
    row("AA", "At Airport", S::InTransit, None, STATUS_CODES_DOC),
    row("AC", "At Canada Post facility", S::InTransit, None, STATUS_CODES_DOC),
    row("AD", "At Delivery", S::InTransit, None, STATUS_CODES_DOC),
    row("AE", "Shipment arriving early", S::InTransit, None, WEBHOOK_CODES_DOC),
    row("AF", "At local FedEx Facility", S::InTransit, None, STATUS_CODES_DOC),
    row("AO", "Shipment arriving On-time", S::InTransit, None, STATUS_CODES_DOC),
    row("AP", "At Pickup", S::LabelCreated, None, STATUS_CODES_DOC),
    row("AR", "Arrived at FedEx location", S::InTransit, None, STATUS_CODES_DOC),
    row("AX", "At USPS facility", S::InTransit, None, STATUS_CODES_DOC),
    row("CA", "Shipment Cancelled", S::Exception, Some(R::Other), STATUS_CODES_DOC),
    row("CC", "Cleared Customs", S::InTransit, None, STATUS_CODES_DOC),
    row("CD", "Clearance Delay", S::Exception, Some(R::Customs), STATUS_CODES_DOC),
    row("CH", "Location Changed", S::InTransit, None, STATUS_CODES_DOC),
    row("CP", "Clearance in Progress", S::InTransit, None, STATUS_CODES_DOC),
    row("DD", "Delivery Delay", S::Exception, None, STATUS_CODES_DOC),
    row("DE", "Delivery Exception", S::Exception, None, STATUS_CODES_DOC),
    row("DL", "Delivered", S::Delivered, None, STATUS_CODES_DOC),
    row("DO", "Dropped Off", S::InTransit, None, WEBHOOK_CODES_DOC),
    row("DP", "Departed", S::InTransit, None, STATUS_CODES_DOC),
    row("DR", "Vehicle furnished but not used", S::LabelCreated, None, STATUS_CODES_DOC),
    row("DS", "Vehicle Dispatched", S::LabelCreated, None, STATUS_CODES_DOC),
    row("DY", "Delay", S::InTransit, None, STATUS_CODES_DOC),
    row("EA", "Enroute to Airport / Export Approved", S::InTransit, None, STATUS_CODES_DOC),
    row("ED", "Enroute to Delivery", S::InTransit, None, STATUS_CODES_DOC),
    row("EO", "Enroute to Origin Airport", S::InTransit, None, STATUS_CODES_DOC),
    row("EP", "Enroute to Pickup", S::LabelCreated, None, STATUS_CODES_DOC),
    row("FD", "At FedEx Destination", S::InTransit, None, STATUS_CODES_DOC),
    row("HL", "Hold at Location", S::Exception, Some(R::HeldForPickup), STATUS_CODES_DOC),
    row("HP", "Ready for Recipient Pickup", S::Exception, Some(R::HeldForPickup), STATUS_CODES_DOC),
    row("IP", "In FedEx possession", S::InTransit, None, WEBHOOK_CODES_DOC),
    row("IT", "In Transit", S::InTransit, None, STATUS_CODES_DOC),
    row("IX", "In transit (see Details)", S::InTransit, None, STATUS_CODES_DOC),
    row("LO", "Left Origin", S::InTransit, None, STATUS_CODES_DOC),
    row("LP", "Return label link cancelled by shipment originator", S::Exception, Some(R::Other), STATUS_CODES_DOC),
    row("OC", "Order Created", S::LabelCreated, None, STATUS_CODES_DOC),
    row("OD", "Out for Delivery", S::OutForDelivery, None, STATUS_CODES_DOC),
    row("OF", "At FedEx origin facility", S::InTransit, None, STATUS_CODES_DOC),
    row("OW", "On the way", S::InTransit, None, STATUS_CODES_DOC),
    row("OX", "Shipment information sent to USPS", S::InTransit, None, STATUS_CODES_DOC),
    row("PD", "Pickup Delay", S::LabelCreated, None, STATUS_CODES_DOC),
    row("PF", "Plane in Flight", S::InTransit, None, STATUS_CODES_DOC),
    row("PL", "Plane Landed", S::InTransit, None, STATUS_CODES_DOC),
    row("PM", "In Progress", S::InTransit, None, STATUS_CODES_DOC),
    row("PU", "Picked Up", S::InTransit, None, STATUS_CODES_DOC),
    row("PX", "Picked up (see Details)", S::InTransit, None, STATUS_CODES_DOC),
    row("RC", "CDO Cancelled", S::InTransit, None, STATUS_CODES_DOC),
    row("RD", "Return label link expired", S::Exception, Some(R::Other), STATUS_CODES_DOC),
    row("RG", "Return label link expiring soon", S::LabelCreated, None, STATUS_CODES_DOC),
    row("RM", "CDO Modified", S::InTransit, None, STATUS_CODES_DOC),
    row("RP", "Return label link emailed to return sender", S::LabelCreated, None, STATUS_CODES_DOC),
    row("RR", "CDO requested", S::InTransit, None, STATUS_CODES_DOC),
    row("RS", "Return to Shipper", S::ReturnedToSender, None, STATUS_CODES_DOC),
    row("SE", "Shipment Exception", S::Exception, None, STATUS_CODES_DOC),
    row("SF", "At Sort Facility", S::InTransit, None, STATUS_CODES_DOC),
    row("SP", "Split Status", S::Unknown, None, STATUS_CODES_DOC),
    row("TR", "Transfer", S::InTransit, None, STATUS_CODES_DOC),
];

/// One FedEx ancillary reason code (the reason FedEx gives for an exception).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonRow {
    /// FedEx's reason code, compared without leading zeros (`"007"` is `"7"`).
    pub reason: &'static str,
    /// FedEx's words for it.
    pub fedex_says: &'static str,
    /// deskbot's status for an exception with this reason.
    pub status: TrackingStatus,
    /// The sub-reason.
    pub exception: Option<ExceptionReason>,
    /// The document the row comes from.
    pub source: &'static str,
}

/// The reason codes FedEx documents. FedEx publishes no complete list; an exception with a
/// reason not listed here is an exception for an "other" reason.
pub const ANCILLARY_REASONS: &[ReasonRow] = &[
    ReasonRow {
        reason: "007",
        fedex_says: "Customer not available or business closed (Delivery Exception 007)",
        status: S::AttemptedDelivery,
        exception: None,
        source: MOCK_NUMBERS_DOC,
    },
    ReasonRow {
        reason: "15",
        fedex_says: "Customer not available or business closed",
        status: S::AttemptedDelivery,
        exception: None,
        source: OPENAPI_DOC,
    },
    ReasonRow {
        reason: "03",
        fedex_says: "Incorrect address (Delivery Exception 03)",
        status: S::Exception,
        exception: Some(R::AddressProblem),
        source: MOCK_NUMBERS_DOC,
    },
    ReasonRow {
        reason: "083",
        fedex_says: "Local delivery restriction (Delivery Exception 083)",
        status: S::Exception,
        exception: Some(R::Other),
        source: MOCK_NUMBERS_DOC,
    },
    ReasonRow {
        reason: "099",
        fedex_says: "Unable to deliver (Shipment Exception 099)",
        status: S::Exception,
        exception: Some(R::Other),
        source: MOCK_NUMBERS_DOC,
    },
];

/// One FedEx delay type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayRow {
    /// `delayDetail.type`.
    pub delay_type: &'static str,
    /// The sub-reason of an exception delayed this way.
    pub exception: ExceptionReason,
    /// The document the row comes from.
    pub source: &'static str,
}

/// The delay types FedEx names.
pub const DELAY_TYPES: &[DelayRow] = &[
    DelayRow {
        delay_type: "WEATHER",
        exception: R::Weather,
        source: DELAY_TYPES_DOC,
    },
    DelayRow {
        delay_type: "CUSTOMS",
        exception: R::Customs,
        source: DELAY_TYPES_DOC,
    },
    DelayRow {
        delay_type: "GENERAL",
        exception: R::Other,
        source: DELAY_TYPES_DOC,
    },
    DelayRow {
        delay_type: "LOCAL",
        exception: R::Other,
        source: DELAY_TYPES_DOC,
    },
    DelayRow {
        delay_type: "OPERATIONAL",
        exception: R::Other,
        source: DELAY_TYPES_DOC,
    },
];

/// The row for a status code, case and spaces aside.
pub fn status_row(code: &str) -> Option<&'static StatusRow> {
    let code = code.trim();
    STATUS_CODES
        .iter()
        .find(|row| row.code.eq_ignore_ascii_case(code))
}

/// The row for an ancillary reason code, leading zeros aside.
pub fn reason_row(reason: &str) -> Option<&'static ReasonRow> {
    let bare = |code: &str| code.trim().trim_start_matches('0').to_owned();
    let reason = bare(reason);
    if reason.is_empty() {
        return None;
    }
    ANCILLARY_REASONS
        .iter()
        .find(|row| bare(row.reason) == reason)
}

/// The row for a delay type.
pub fn delay_row(delay_type: &str) -> Option<&'static DelayRow> {
    let delay_type = delay_type.trim();
    DELAY_TYPES
        .iter()
        .find(|row| row.delay_type.eq_ignore_ascii_case(delay_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_cites_a_fedex_document_and_codes_are_unique() {
        for row in STATUS_CODES {
            assert!(
                row.source.starts_with("https://developer.fedex.com/"),
                "{row:?}"
            );
            assert!(!row.fedex_says.is_empty());
            assert_eq!(
                STATUS_CODES.iter().filter(|r| r.code == row.code).count(),
                1,
                "{} twice",
                row.code
            );
            assert!(
                row.reason.is_none() || row.status == S::Exception,
                "{}: a sub-reason belongs to an exception",
                row.code
            );
        }
        for row in ANCILLARY_REASONS {
            assert!(
                row.source.starts_with("https://developer.fedex.com/"),
                "{row:?}"
            );
        }
        for row in DELAY_TYPES {
            assert!(row.source.contains("TrackDelayType"), "{row:?}");
        }
    }

    #[test]
    fn lookups_ignore_case_spaces_and_leading_zeros() {
        assert_eq!(status_row(" od ").unwrap().status, S::OutForDelivery);
        assert!(status_row("ZZ").is_none());
        assert_eq!(reason_row("7").unwrap().status, S::AttemptedDelivery);
        assert_eq!(reason_row("3").unwrap().exception, Some(R::AddressProblem));
        assert!(reason_row("000").is_none() && reason_row("42").is_none());
        assert_eq!(delay_row("weather").unwrap().exception, R::Weather);
    }
}
