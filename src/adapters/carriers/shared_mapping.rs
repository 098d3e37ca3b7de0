//! What UPS's and USPS's body mappings share: a status table whose rows match one of several
//! fields of a vendor's status, each row naming the document it comes from; the serde helper for
//! lists those APIs send as `null`; blank text as absent; and the UTC offsets they write beside
//! local times.

use jiff::tz::Offset;
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

/// A field's text, trimmed; `None` when absent or blank.
pub(super) fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A UTC offset as UPS and USPS write it: `-05:00`, `-5:00`, `+0530`, `-05`.
pub(super) fn parse_offset(text: &str) -> Option<Offset> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => (&rest[..2], &rest[2..]),
        None => (rest, "0"),
    };
    if hours.is_empty()
        || hours.len() > 2
        || minutes.len() > 2
        || !hours
            .bytes()
            .chain(minutes.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    if minutes >= 60 {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}
