//! The closed set of intents deskbot knows, and their stable string labels.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a customer message asks for.
///
/// The set is closed on purpose: every intent but [`Intent::Other`] has a script that can answer
/// it, and `Other` is always handed to a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Where is my order, has it shipped, when will it arrive.
    Tracking,
    /// Return or exchange an item.
    Return,
    /// Something did not arrive: lost parcel, item missing from the box.
    MissingItem,
    /// Cancel an order or subscription.
    Cancel,
    /// Everything else; always escalated.
    Other,
}

impl Intent {
    /// Every intent, in the order used for model columns.
    pub const ALL: [Intent; 5] = [
        Intent::Tracking,
        Intent::Return,
        Intent::MissingItem,
        Intent::Cancel,
        Intent::Other,
    ];

    /// Number of intents (columns of the model).
    pub const COUNT: usize = Self::ALL.len();

    /// The label used in CSV files, model files and JSON output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Intent::Tracking => "tracking",
            Intent::Return => "return",
            Intent::MissingItem => "missing_item",
            Intent::Cancel => "cancel",
            Intent::Other => "other",
        }
    }

    /// Column index of this intent in [`Intent::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether deskbot has a script for this intent (everything but `other`).
    pub const fn is_in_scope(self) -> bool {
        !matches!(self, Intent::Other)
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A label that is not one of [`Intent::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown intent {label:?}; expected one of: tracking, return, missing_item, cancel, other")]
pub struct UnknownIntent {
    /// The label as written.
    pub label: String,
}

impl FromStr for Intent {
    type Err = UnknownIntent;

    fn from_str(label: &str) -> Result<Self, Self::Err> {
        Intent::ALL
            .into_iter()
            .find(|intent| intent.as_str() == label.trim())
            .ok_or_else(|| UnknownIntent {
                label: label.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_index_matches_position() {
        for (position, intent) in Intent::ALL.into_iter().enumerate() {
            assert_eq!(intent.as_str().parse::<Intent>().unwrap(), intent);
            assert_eq!(intent.index(), position);
        }
    }

    #[test]
    fn unknown_label_is_rejected_with_the_label() {
        let err = "refund".parse::<Intent>().unwrap_err();
        assert_eq!(err.label, "refund");
        assert!(err.to_string().contains("missing_item"));
    }

    #[test]
    fn only_other_is_out_of_scope() {
        let out: Vec<_> = Intent::ALL
            .into_iter()
            .filter(|i| !i.is_in_scope())
            .collect();
        assert_eq!(out, vec![Intent::Other]);
    }
}
