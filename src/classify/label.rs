//! What a model can predict: one of deskbot's five [`Intent`]s, or a label of the shop's own.
//!
//! A shop trains on its help desk's categories (`exchange`, `address_change`, `wholesale`, …).
//! Those are learnt like any intent, but deskbot has no script for them: a message whose most
//! likely label is a shop's own is always escalated, with the reason `custom:<label>`, and routed
//! by the config like any other reason.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::classify::intent::Intent;

/// Most labels one model may have, built-in intents included. A dataset with more is almost
/// always the wrong column (a subject line, a ticket id) read as the label.
pub const MAX_LABELS: usize = 16;

/// Longest label of a shop's own, in bytes.
pub const MAX_CUSTOM_LABEL_LEN: usize = 40;

/// A label a model learnt: a built-in intent, or one of the shop's own.
///
/// `Copy`: a shop's labels are interned (see [`CustomLabel`]), so predictions and decisions stay
/// plain values. Ordered built-ins first, in [`Intent::ALL`] order, then the shop's own by name:
/// the column order of every model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// One of deskbot's intents; every one but `other` has a script.
    Intent(Intent),
    /// A shop's own label: learnt, reported, always escalated.
    Custom(CustomLabel),
}

/// A shop's own label: lowercase ASCII letters, digits, `_` and `-`, starting with a letter or
/// digit, at most [`MAX_CUSTOM_LABEL_LEN`] bytes, and neither a built-in intent nor one edit
/// away from one (`trackng`, `returns`: those are typos, and training on them would silently
/// split an intent in two).
///
/// The name is interned once per process, so the label is `Copy` and hands out a `&'static str`.
/// The set of names is bounded by the labels of the models and data a process reads.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomLabel(
    /// `custom:<name>`, the reason code: the name is its tail, and since every one shares the
    /// prefix, comparing these compares the names.
    &'static str,
);

/// What [`CustomLabel::reason_code`] puts before the name.
const REASON_PREFIX: &str = "custom:";

/// Why a label was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LabelError {
    /// Nothing but whitespace.
    #[error("the label is empty")]
    Empty,
    /// Longer than [`MAX_CUSTOM_LABEL_LEN`].
    #[error("label {label:?} is longer than {MAX_CUSTOM_LABEL_LEN} bytes")]
    TooLong {
        /// The label as written.
        label: String,
    },
    /// Characters outside `a-z 0-9 _ -`.
    #[error(
        "label {label:?} may use only lowercase letters, digits, `_` and `-`{}",
        suggestion.as_ref().map(|s| format!(" (write {s:?})")).unwrap_or_default()
    )]
    BadCharacters {
        /// The label as written.
        label: String,
        /// The label in the allowed characters, when there is an obvious one.
        suggestion: Option<String>,
    },
    /// Close to a built-in intent: almost certainly a typo.
    #[error(
        "label {label:?} looks like a misspelling of the intent `{intent}`; fix it, or rename \
         it with --label-map if it really is a label of your own"
    )]
    LooksLikeIntent {
        /// The label as written.
        label: String,
        /// The intent it resembles.
        intent: Intent,
    },
}

impl Label {
    /// Parses a label as written in a CSV, a label map or a model file (surrounding whitespace
    /// ignored).
    pub fn parse(text: &str) -> Result<Label, LabelError> {
        let text = text.trim();
        if let Ok(intent) = text.parse::<Intent>() {
            return Ok(Label::Intent(intent));
        }
        CustomLabel::parse(text).map(Label::Custom)
    }

    /// The label as written in files and output.
    pub fn as_str(&self) -> &'static str {
        match self {
            Label::Intent(intent) => intent.as_str(),
            Label::Custom(custom) => custom.as_str(),
        }
    }

    /// The intent deskbot acts on: the built-in intent, or `other` for a shop's own label
    /// (no script answers it).
    pub fn intent(&self) -> Intent {
        match self {
            Label::Intent(intent) => *intent,
            Label::Custom(_) => Intent::Other,
        }
    }

    /// Whether a script can answer it: a built-in intent other than `other`.
    pub fn is_in_scope(&self) -> bool {
        matches!(self, Label::Intent(intent) if intent.is_in_scope())
    }

    /// The shop's own label, if it is one.
    pub fn custom(&self) -> Option<CustomLabel> {
        match self {
            Label::Custom(custom) => Some(*custom),
            Label::Intent(_) => None,
        }
    }
}

/// The five built-in intents and every label in `labels`, each once, in model column order:
/// the rows and columns of a table that must show every intent and any label of a shop's own.
pub fn with_intents(labels: impl IntoIterator<Item = Label>) -> Vec<Label> {
    Intent::ALL
        .into_iter()
        .map(Label::from)
        .chain(labels)
        .collect::<std::collections::BTreeSet<Label>>()
        .into_iter()
        .collect()
}

impl From<Intent> for Label {
    fn from(intent: Intent) -> Self {
        Label::Intent(intent)
    }
}

impl From<CustomLabel> for Label {
    fn from(label: CustomLabel) -> Self {
        Label::Custom(label)
    }
}

impl PartialEq<Intent> for Label {
    fn eq(&self, other: &Intent) -> bool {
        *self == Label::Intent(*other)
    }
}

impl FromStr for Label {
    type Err = LabelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Label::parse(text)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Label {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Label::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl CustomLabel {
    /// Parses and interns a shop's own label (see the type's rules).
    pub fn parse(text: &str) -> Result<CustomLabel, LabelError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(LabelError::Empty);
        }
        if text.len() > MAX_CUSTOM_LABEL_LEN {
            return Err(LabelError::TooLong {
                label: text.to_owned(),
            });
        }
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
        let starts_well = text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !starts_well || !text.chars().all(allowed) {
            return Err(LabelError::BadCharacters {
                label: text.to_owned(),
                suggestion: suggestion(text),
            });
        }
        if let Some(intent) = resembled_intent(text) {
            return Err(LabelError::LooksLikeIntent {
                label: text.to_owned(),
                intent,
            });
        }
        Ok(CustomLabel(intern(&format!("{REASON_PREFIX}{text}"))))
    }

    /// The label's name.
    pub fn as_str(&self) -> &'static str {
        &self.0[REASON_PREFIX.len()..]
    }

    /// The escalation reason code, `custom:<label>`.
    pub fn reason_code(&self) -> &'static str {
        self.0
    }
}

impl fmt::Debug for CustomLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomLabel({:?})", self.as_str())
    }
}

impl Serialize for CustomLabel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for CustomLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Address Change` → `address_change`, when lowercasing and `_` for spaces make it valid.
fn suggestion(text: &str) -> Option<String> {
    let folded: String = text
        .trim()
        .chars()
        .map(|c| match c {
            ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    (folded != text && CustomLabel::parse(&folded).is_ok() || Intent::from_str(&folded).is_ok())
        .then_some(folded)
}

/// The built-in intent `label` is a likely typo of: one edit (insertion, deletion, substitution
/// or swap of neighbours) away, or the same once `_` and `-` are dropped (`missing-item`).
fn resembled_intent(label: &str) -> Option<Intent> {
    let squash = |s: &str| s.replace(['_', '-'], "");
    Intent::ALL.into_iter().find(|intent| {
        let name = intent.as_str();
        squash(label) == squash(name) || within_one_edit(label.as_bytes(), name.as_bytes())
    })
}

/// Optimal string alignment distance ≤ 1, without building a matrix.
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    match (a.len(), b.len()) {
        (0, 0) => true,
        (x, y) if x == y => {
            a[1..] == b[1..] || (x >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
        }
        (x, y) if x == y + 1 => a[1..] == *b,
        (x, y) if y == x + 1 => *a == b[1..],
        _ => false,
    }
}

/// One `&'static str` per distinct name, leaked once: labels are few (a model holds at most
/// [`MAX_LABELS`]) and live as long as the process that reads them.
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&name) = names.get(name) {
        return name;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_names_parse_as_intents_and_others_as_the_shops_own() {
        assert_eq!(
            Label::parse(" tracking "),
            Ok(Label::Intent(Intent::Tracking))
        );
        let exchange = Label::parse("exchange").unwrap();
        assert_eq!(exchange.as_str(), "exchange");
        assert_eq!(exchange.intent(), Intent::Other);
        assert!(!exchange.is_in_scope());
        assert!(Label::Intent(Intent::Cancel).is_in_scope());
        assert!(!Label::Intent(Intent::Other).is_in_scope());
        assert_eq!(exchange.custom().unwrap().reason_code(), "custom:exchange");
    }

    #[test]
    fn interned_labels_compare_by_name() {
        let a = CustomLabel::parse("address_change").unwrap();
        let b = CustomLabel::parse(&String::from("address_change")).unwrap();
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
    }

    #[test]
    fn built_ins_order_before_the_shops_own() {
        let mut labels = [
            Label::parse("wholesale").unwrap(),
            Label::parse("other").unwrap(),
            Label::parse("address_change").unwrap(),
            Label::parse("tracking").unwrap(),
        ];
        labels.sort();
        let names: Vec<_> = labels.iter().map(Label::as_str).collect();
        assert_eq!(names, ["tracking", "other", "address_change", "wholesale"]);
    }

    #[test]
    fn typos_of_intents_are_refused_and_name_the_intent() {
        for (typo, intent) in [
            ("trackng", Intent::Tracking),
            ("returns", Intent::Return),
            ("cancle", Intent::Cancel),
            ("missing-item", Intent::MissingItem),
            ("missingitem", Intent::MissingItem),
            ("othr", Intent::Other),
        ] {
            assert_eq!(
                Label::parse(typo),
                Err(LabelError::LooksLikeIntent {
                    label: typo.into(),
                    intent
                }),
                "{typo}"
            );
        }
        // Two edits away is a different word.
        assert!(Label::parse("retour").is_ok());
        assert!(Label::parse("cancel_subscription").is_ok());
    }

    #[test]
    fn bad_characters_are_refused_with_a_suggestion() {
        let err = Label::parse("Address Change").unwrap_err();
        assert_eq!(
            err,
            LabelError::BadCharacters {
                label: "Address Change".into(),
                suggestion: Some("address_change".into())
            }
        );
        assert!(err.to_string().contains("\"address_change\""), "{err}");
        let err = Label::parse("Tracking").unwrap_err();
        assert!(err.to_string().contains("\"tracking\""), "{err}");
        assert!(matches!(
            Label::parse("_x"),
            Err(LabelError::BadCharacters { .. })
        ));
        assert!(matches!(
            Label::parse("café"),
            Err(LabelError::BadCharacters { .. })
        ));
        assert_eq!(Label::parse("  "), Err(LabelError::Empty));
        assert!(matches!(
            Label::parse(&"x".repeat(41)),
            Err(LabelError::TooLong { .. })
        ));
    }

    #[test]
    fn labels_round_trip_through_serde() {
        let labels = vec![
            Label::Intent(Intent::MissingItem),
            Label::parse("wholesale").unwrap(),
        ];
        let json = serde_json::to_string(&labels).unwrap();
        assert_eq!(json, r#"["missing_item","wholesale"]"#);
        let back: Vec<Label> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, labels);
        assert!(serde_json::from_str::<Label>(r#""Trackng""#).is_err());
    }

    #[test]
    fn one_edit_means_one_edit() {
        assert!(within_one_edit(b"abc", b"abc"));
        assert!(within_one_edit(b"abc", b"abd"));
        assert!(within_one_edit(b"abc", b"acb"));
        assert!(within_one_edit(b"abc", b"ab"));
        assert!(within_one_edit(b"abc", b"xabc"));
        assert!(!within_one_edit(b"abc", b"bca"));
        assert!(!within_one_edit(b"abcd", b"ab"));
        assert!(!within_one_edit(b"abc", b"xyz"));
    }
}
