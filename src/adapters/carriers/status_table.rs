//! What UPS's and USPS's mappings share: a status table whose rows match one of several fields
//! of a vendor's status, each row naming the document it comes from, and the serde helper for
//! lists those APIs send as `null`.

use serde::{Deserialize, Deserializer};

use crate::respond::facts::{ExceptionReason, TrackingStatus};

/// One row of a status table: a vendor's value in field `F` and what deskbot makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StatusRow<F> {
    /// The field matched.
    pub field: F,
    /// Its value, compared ignoring case.
    pub value: &'static str,
    /// The normalised status.
    pub status: TrackingStatus,
    /// The exception's reason, for exception rows.
    pub exception: Option<ExceptionReason>,
    /// What the carrier calls it (UPS: used for events without a description).
    pub meaning: &'static str,
    /// The carrier's document the row comes from.
    pub source: &'static str,
}

/// A row, written on one line in a table.
pub(super) const fn row<F>(
    field: F,
    value: &'static str,
    status: TrackingStatus,
    exception: Option<ExceptionReason>,
    meaning: &'static str,
    source: &'static str,
) -> StatusRow<F> {
    StatusRow {
        field,
        value,
        status,
        exception,
        meaning,
        source,
    }
}

/// The first row of `table` for `field` whose value is `value`, trimmed, ignoring ASCII case.
pub(super) fn find<F: PartialEq>(
    table: &'static [StatusRow<F>],
    field: F,
    value: &str,
) -> Option<&'static StatusRow<F>> {
    let value = value.trim();
    table
        .iter()
        .find(|row| row.field == field && row.value.eq_ignore_ascii_case(value))
}

/// `null` reads as an empty list: these APIs send both `null` and nothing for "none".
pub(super) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}
