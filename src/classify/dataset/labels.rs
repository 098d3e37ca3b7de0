//! From a label as written to an intent: a label map (a help desk's tags → intents), then the
//! intent names, then a rule for everything else.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{for_each_row, read_file, Column, DataError, Location};
use crate::classify::intent::Intent;
use crate::classify::label::Label;

/// What a label that is neither in the label map nor an intent means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Unmapped {
    /// The default. With a label map, stop with an error naming the file, line and label: a
    /// tag nobody mapped is more likely a gap in the map than a message to ignore. Without
    /// one, a label that is not an intent is learnt as the shop's own (see
    /// [`Label`]), and only a label that cannot be one (a typo of an intent, bad characters)
    /// is an error.
    #[default]
    Error,
    /// Read it as `other` (handed to a person).
    Other,
    /// Leave the row out, and count it.
    Skip,
}

impl Unmapped {
    /// `error`, `other` or `skip`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unmapped::Error => "error",
            Unmapped::Other => "other",
            Unmapped::Skip => "skip",
        }
    }
}

/// Labels translated to intents, read from a two-column CSV `from,to`: `from` is a label as the
/// data writes it (compared ignoring case and surrounding spaces), `to` one of the intents or a
/// label of the shop's own.
#[derive(Debug, Clone)]
pub struct LabelMap {
    path: PathBuf,
    entries: HashMap<String, Label>,
    sha256: [u8; 32],
}

impl LabelMap {
    /// Reads a map file. Every problem names the map's file and line: a missing column, an
    /// empty `from`, a `to` that is not an intent, a label mapped twice to different intents.
    pub fn load(path: &Path) -> Result<Self, DataError> {
        let bytes = read_file(path)?;
        let mut entries: HashMap<String, (Label, u64)> = HashMap::new();
        let columns = [Column::required("from"), Column::required("to")];
        for_each_row(path, &bytes, &columns, |location, fields| {
            let from = fields[0].unwrap_or_default();
            if from.trim().is_empty() {
                return Err(DataError::EmptyField {
                    location,
                    field: "from".to_owned(),
                });
            }
            let to: Label = fields[1].unwrap_or_default().parse().map_err(|source| {
                DataError::UnknownLabel {
                    location: location.clone(),
                    field: "to".to_owned(),
                    source,
                }
            })?;
            match entries.get(&fold(from)) {
                Some(&(first, first_line)) if first != to => Err(DataError::DuplicateMapping {
                    location,
                    label: from.trim().to_owned(),
                    first_line,
                    first,
                    second: to,
                }),
                Some(_) => Ok(()),
                None => {
                    entries.insert(fold(from), (to, location.line));
                    Ok(())
                }
            }
        })?;
        Ok(LabelMap {
            path: path.to_owned(),
            entries: entries
                .into_iter()
                .map(|(label, (intent, _))| (label, intent))
                .collect(),
            sha256: Sha256::digest(&bytes).into(),
        })
    }

    /// The label `label` is mapped to, if any.
    pub fn get(&self, label: &str) -> Option<Label> {
        self.entries.get(&fold(label)).copied()
    }

    /// The file the map was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many labels it maps.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it maps no label at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }
}

/// A label as compared: trimmed and lowercased.
fn fold(label: &str) -> String {
    label.trim().to_lowercase()
}

/// How many labels took another way than being an intent's own name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelStats {
    /// Rows whose label the label map translated.
    pub mapped: usize,
    /// Rows with an unmapped label read as `other`.
    pub unmapped_as_other: usize,
    /// Rows with an unmapped label left out.
    pub unmapped_skipped: usize,
}

/// How a label becomes an intent: the map first (so it can also re-map an intent's name), then
/// the intent names, then [`Unmapped`] for the rest. An empty label is unmapped like any other.
#[derive(Debug, Clone, Default)]
pub struct LabelRules {
    /// Labels to translate. Default: none.
    pub map: Option<LabelMap>,
    /// What the rest means. Default: [`Unmapped::Error`].
    pub unmapped: Unmapped,
}

impl LabelRules {
    /// The intent of `label`, read in column `field` at `location`; `None` when the row is to
    /// be skipped. Counts into `stats`.
    pub fn resolve(
        &self,
        label: &str,
        location: &Location,
        field: &str,
        stats: &mut LabelStats,
    ) -> Result<Option<Label>, DataError> {
        if let Some(mapped) = self.map.as_ref().and_then(|map| map.get(label)) {
            stats.mapped += 1;
            return Ok(Some(mapped));
        }
        // Intents' names ignore case as the map's labels do: a help desk's or a spreadsheet's
        // "Tracking" is `tracking`, never read as `other`, skipped or refused.
        if let Ok(intent) = label.trim().to_lowercase().parse::<Intent>() {
            return Ok(Some(intent.into()));
        }
        match (&self.map, self.unmapped) {
            (None, Unmapped::Error) => {
                Label::parse(label)
                    .map(Some)
                    .map_err(|source| DataError::UnknownLabel {
                        location: location.clone(),
                        field: field.to_owned(),
                        source,
                    })
            }
            (Some(map), Unmapped::Error) => Err(DataError::UnmappedLabel {
                location: location.clone(),
                field: field.to_owned(),
                label: label.to_owned(),
                map: map.path.clone(),
            }),
            (_, Unmapped::Other) => {
                stats.unmapped_as_other += 1;
                Ok(Some(Intent::Other.into()))
            }
            (_, Unmapped::Skip) => {
                stats.unmapped_skipped += 1;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(bytes: &[u8]) -> Result<LabelMap, DataError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map.csv");
        std::fs::write(&path, bytes).unwrap();
        LabelMap::load(&path)
    }

    fn here() -> Location {
        Location {
            path: "tickets.csv".into(),
            line: 7,
        }
    }

    #[test]
    fn map_translates_labels_ignoring_case_and_spaces() {
        let map = map(b"from,to\nShipping Status,tracking\nrefund ,return\n").unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map.get("  shipping status"), Some(Intent::Tracking.into()));
        assert_eq!(map.get("REFUND"), Some(Intent::Return.into()));
        assert_eq!(map.get("billing"), None);
    }

    #[test]
    fn map_errors_name_the_map_file_line_and_field() {
        let err = map(b"from,to\nrefund,return\nbilling,Invoice Query\n").unwrap_err();
        assert!(err.to_string().contains("map.csv:3: field `to`"), "{err}");
        let err = map(b"from,to\nrefund,return\n ,cancel\n").unwrap_err();
        assert!(
            err.to_string().contains("map.csv:3: field `from` is empty"),
            "{err}"
        );
        let err = map(b"from,to\nrefund,return\nRefund,cancel\n").unwrap_err();
        assert!(
            err.to_string().contains(
                "map.csv:3: label \"Refund\" is mapped to `cancel` here but to `return` on line 2"
            ),
            "{err}"
        );
        // The same mapping twice is harmless.
        assert_eq!(
            map(b"from,to\nrefund,return\nREFUND,return\n")
                .unwrap()
                .len(),
            1
        );
        let err = map(b"label,intent\nrefund,return\n").unwrap_err();
        assert!(
            err.to_string().contains("missing column `from`")
                && err.to_string().contains("e.g. `from,to`"),
            "{err}"
        );
    }

    #[test]
    fn rules_try_the_map_then_intent_names_then_the_unmapped_rule() {
        let map = map(b"from,to\nwismo,tracking\nother,cancel\n").unwrap();
        let mut stats = LabelStats::default();
        let mut rules = LabelRules {
            map: Some(map),
            unmapped: Unmapped::Error,
        };
        let resolve = |rules: &LabelRules, label: &str, stats: &mut LabelStats| {
            rules.resolve(label, &here(), "tags", stats)
        };
        assert_eq!(
            resolve(&rules, "WISMO", &mut stats).unwrap(),
            Some(Intent::Tracking.into())
        );
        // The map wins over an intent's own name.
        assert_eq!(
            resolve(&rules, "other", &mut stats).unwrap(),
            Some(Intent::Cancel.into())
        );
        assert_eq!(
            resolve(&rules, "return", &mut stats).unwrap(),
            Some(Intent::Return.into())
        );
        let err = resolve(&rules, "billing", &mut stats).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "tickets.csv:7: field `tags`: label \"billing\" is neither in the label map"
            ),
            "{err}"
        );
        rules.unmapped = Unmapped::Other;
        assert_eq!(
            resolve(&rules, "billing", &mut stats).unwrap(),
            Some(Intent::Other.into())
        );
        assert_eq!(
            resolve(&rules, "", &mut stats).unwrap(),
            Some(Intent::Other.into())
        );
        rules.unmapped = Unmapped::Skip;
        assert_eq!(resolve(&rules, "billing", &mut stats).unwrap(), None);
        assert_eq!(
            stats,
            LabelStats {
                mapped: 2,
                unmapped_as_other: 2,
                unmapped_skipped: 1
            }
        );
    }

    #[test]
    fn intent_names_ignore_case_under_every_rule() {
        let map = map(b"from,to\nwismo,tracking\n").unwrap();
        for map in [None, Some(map)] {
            for unmapped in [Unmapped::Error, Unmapped::Other, Unmapped::Skip] {
                let rules = LabelRules {
                    map: map.clone(),
                    unmapped,
                };
                let mut stats = LabelStats::default();
                for label in ["Tracking", " CANCEL ", "Missing_Item"] {
                    let resolved = rules.resolve(label, &here(), "intent", &mut stats);
                    assert_eq!(
                        resolved.unwrap(),
                        Some(
                            label
                                .trim()
                                .to_lowercase()
                                .parse::<Intent>()
                                .unwrap()
                                .into()
                        ),
                        "{label:?} with {unmapped:?}, map {}",
                        map.is_some()
                    );
                }
                assert_eq!(
                    stats,
                    LabelStats::default(),
                    "nothing mapped, other or skipped"
                );
            }
        }
    }

    #[test]
    fn without_a_map_other_labels_are_the_shops_own_unless_told_otherwise() {
        let mut stats = LabelStats::default();
        let own = LabelRules::default()
            .resolve("wholesale", &here(), "intent", &mut stats)
            .unwrap();
        assert_eq!(own, Some(Label::parse("wholesale").unwrap()));
        let as_other = LabelRules {
            map: None,
            unmapped: Unmapped::Other,
        }
        .resolve("wholesale", &here(), "intent", &mut stats)
        .unwrap();
        assert_eq!(as_other, Some(Intent::Other.into()));
        assert_eq!(stats.unmapped_as_other, 1);
    }

    #[test]
    fn without_a_map_an_unknown_label_names_the_intents() {
        let err = LabelRules::default()
            .resolve("retrun", &here(), "intent", &mut LabelStats::default())
            .unwrap_err();
        assert!(
            err.to_string().starts_with("tickets.csv:7: field `intent`"),
            "{err}"
        );
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(
            cause.contains("\"retrun\"") && cause.contains("the intent `return`"),
            "{cause}"
        );
    }
}
