//! DHL's statuses in deskbot's words: two tables, each row naming its source.
//!
//! - [`STATUS_CODES`]: `status.statusCode`, the five groups DHL documents.
//! - [`WORDING`]: DHL gives no code finer than those groups, so out-for-delivery, attempts and
//!   the reasons of a `failure` are read from DHL's own words in `status.description` (also
//!   `status`, `statusDetailed`, `remark`). Each row is a phrase DHL uses, matched ignoring
//!   case, and applies only to the groups it lists; the first row that matches wins.

use crate::respond::facts::{ExceptionReason, TrackingStatus};

/// The Shipment Tracking – Unified OpenAPI document (1.4.1), schema
/// `supermodelIoLogisticsTrackingShipmentEvent`: `statusCode` is one of `pre-transit`,
/// `transit`, `delivered`, `failure`, `unknown`. Reference page:
/// <https://developer.dhl.com/api-reference/shipment-tracking>.
pub const OPENAPI_DOC: &str =
    "https://developer.dhl.com/sites/default/files/2022-12/utapi-traking-api-1.4.1.yaml";
/// DHL Express checkpoint wording as Shipment Tracking – Unified returns it for
/// `service=express` in `status.description` ("With delivery courier", "Returned to shipper",
/// "Clearance delay", …); the API reference says `statusCode` is only a high-level grouping and
/// the description carries the detail.
pub const EXPRESS_WORDING: &str = "https://developer.dhl.com/api-reference/shipment-tracking (service=express status.description: DHL Express checkpoint wording)";
/// The same OpenAPI document's own example of a held shipment: `status` "customs inspection",
/// `remark` "The shipment is pending completion of customs inspection.".
pub const OPENAPI_EXAMPLE: &str =
    "https://developer.dhl.com/sites/default/files/2022-12/utapi-traking-api-1.4.1.yaml (supermodelIoLogisticsTrackingShipmentEvent examples)";

/// One DHL status group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRow {
    /// `statusCode`.
    pub code: &'static str,
    /// deskbot's status.
    pub status: TrackingStatus,
    /// The document the row comes from.
    pub source: &'static str,
}

use ExceptionReason as R;
use TrackingStatus as S;

/// The five groups.
#[rustfmt::skip]
pub const STATUS_CODES: &[StatusRow] = &[
    StatusRow { code: "pre-transit", status: S::LabelCreated, source: OPENAPI_DOC },
    StatusRow { code: "transit", status: S::InTransit, source: OPENAPI_DOC },
    StatusRow { code: "delivered", status: S::Delivered, source: OPENAPI_DOC },
    StatusRow { code: "failure", status: S::Exception, source: OPENAPI_DOC },
    StatusRow { code: "unknown", status: S::Unknown, source: OPENAPI_DOC },
];

/// One phrase in DHL's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordingRow {
    /// Lower-case phrase, found anywhere in the words.
    pub phrase: &'static str,
    /// The `statusCode` groups it refines.
    pub within: &'static [&'static str],
    /// deskbot's status.
    pub status: TrackingStatus,
    /// The sub-reason.
    pub reason: Option<ExceptionReason>,
    /// The document the row comes from.
    pub source: &'static str,
}

const MOVING: &[&str] = &["transit", "failure"];
const TRANSIT: &[&str] = &["transit"];
const FAILURE: &[&str] = &["failure"];

/// DHL's words, most specific first.
#[rustfmt::skip]
pub const WORDING: &[WordingRow] = &[
    // Express: `failure` / "Returned to shipper".
    WordingRow { phrase: "returned to shipper", within: MOVING, status: S::ReturnedToSender, reason: None, source: EXPRESS_WORDING },
    // Express checkpoint WC.
    WordingRow { phrase: "with delivery courier", within: TRANSIT, status: S::OutForDelivery, reason: None, source: EXPRESS_WORDING },
    WordingRow { phrase: "out for delivery", within: TRANSIT, status: S::OutForDelivery, reason: None, source: EXPRESS_WORDING },
    // Express "Delivery attempted; recipient not home".
    WordingRow { phrase: "delivery attempted", within: MOVING, status: S::AttemptedDelivery, reason: None, source: EXPRESS_WORDING },
    // Express checkpoint CC.
    WordingRow { phrase: "awaiting collection by recipient", within: MOVING, status: S::Exception, reason: Some(R::HeldForPickup), source: EXPRESS_WORDING },
    // Express checkpoint CD.
    WordingRow { phrase: "clearance delay", within: MOVING, status: S::Exception, reason: Some(R::Customs), source: EXPRESS_WORDING },
    WordingRow { phrase: "customs", within: FAILURE, status: S::Exception, reason: Some(R::Customs), source: OPENAPI_EXAMPLE },
    // Express "Address information needed; contact DHL".
    WordingRow { phrase: "address", within: FAILURE, status: S::Exception, reason: Some(R::AddressProblem), source: EXPRESS_WORDING },
    WordingRow { phrase: "weather", within: FAILURE, status: S::Exception, reason: Some(R::Weather), source: EXPRESS_WORDING },
    WordingRow { phrase: "damage", within: FAILURE, status: S::Exception, reason: Some(R::Damaged), source: EXPRESS_WORDING },
];

/// The row for a `statusCode`, case and spaces aside.
pub fn status_row(code: &str) -> Option<&'static StatusRow> {
    let code = code.trim();
    STATUS_CODES
        .iter()
        .find(|row| row.code.eq_ignore_ascii_case(code))
}

/// The first row whose phrase is in one of `words` and that refines `code`.
pub fn wording_row<'a>(
    code: &str,
    words: impl IntoIterator<Item = &'a str>,
) -> Option<&'static WordingRow> {
    let code = code.trim().to_ascii_lowercase();
    let words: Vec<String> = words.into_iter().map(str::to_lowercase).collect();
    WORDING.iter().find(|row| {
        row.within.contains(&code.as_str()) && words.iter().any(|w| w.contains(row.phrase))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_cites_dhl_and_phrases_refine_real_groups() {
        for row in STATUS_CODES {
            assert!(
                row.source.starts_with("https://developer.dhl.com/"),
                "{row:?}"
            );
        }
        for row in WORDING {
            assert!(
                row.source.starts_with("https://developer.dhl.com/"),
                "{row:?}"
            );
            assert_eq!(row.phrase, row.phrase.to_lowercase());
            for group in row.within {
                assert!(status_row(group).is_some(), "{}: {group}", row.phrase);
            }
            assert!(
                row.reason.is_none() || row.status == S::Exception,
                "{row:?}"
            );
        }
    }

    #[test]
    fn phrases_apply_only_within_their_groups() {
        let courier = ["With delivery courier"];
        assert_eq!(
            wording_row("transit", courier).map(|r| r.status),
            Some(S::OutForDelivery)
        );
        assert!(wording_row("delivered", courier).is_none());
        // "Customs status updated" is routine while moving; only a failure is held in customs.
        assert!(wording_row("transit", ["Customs status updated"]).is_none());
        assert_eq!(
            wording_row("failure", ["Held at customs"]).and_then(|r| r.reason),
            Some(R::Customs)
        );
    }
}
