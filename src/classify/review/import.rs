//! Labelled review sheets → training messages, and the live precision their audit rows measure.
//!
//! A row with an empty `intent` is skipped and counted. Labels go through the same
//! [`LabelRules`] as training data. The audit rows (`reason` = `audit`) are a random sample of
//! automated answers: the share of their messages (each row counts `count` times) whose label
//! is the `predicted` intent is the precision of automated answers in production, reported
//! with a Wilson 95% interval. The out-of-scope rows (`reason` = `out_of_scope`) are a random
//! sample of messages escalated as `other`: the share labelled with an in-scope intent is the
//! share of those escalations deskbot should have answered.

use std::path::{Path, PathBuf};

use super::sheet::from_cell;
use crate::classify::dataset::{
    for_each_row, read_file, Column, ConflictsTracker, DataError, LabelRules, LabelStats,
    LabelledMessage, OnConflict,
};
use crate::classify::label::Label;

/// The normal quantile for a two-sided 95% interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// What the sheets held.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The labelled messages, in sheet order, without duplicates (of each other, or of the
    /// file they are to be appended to).
    pub messages: Vec<LabelledMessage>,
    /// Data rows read.
    pub rows: usize,
    /// Rows skipped because their `intent` is empty.
    pub unlabelled: usize,
    /// Labelled rows dropped as duplicates: the same text (ignoring case and spacing) with the
    /// same label, earlier on the sheets or in the file appended to.
    pub duplicates: usize,
    /// Labels translated by a label map, read as `other`, or skipped.
    pub labels: LabelStats,
    /// The audit rows.
    pub audit: AuditTally,
    /// The sampled out-of-scope escalations; `correct` counts those labelled `other`.
    pub out_of_scope: AuditTally,
}

/// A sample's rows (the audit, or the out-of-scope escalations), by what the person said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditTally {
    /// Rows of the sample on the sheets.
    pub rows: usize,
    /// Of those, rows left unlabelled (or whose label was skipped); not in the precision.
    pub unlabelled_rows: usize,
    /// Messages the labelled audit rows stand for (each row counts `count` times).
    pub messages: usize,
    /// Of those, labelled with the intent the model predicted.
    pub correct: usize,
}

/// Which sample a row belongs to, from its `reason`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sample {
    Audit,
    OutOfScope,
}

impl AuditTally {
    /// The live precision of automated answers, with its 95% interval; `None` without a
    /// labelled audit row.
    pub fn live_precision(&self) -> Option<Proportion> {
        Proportion::wilson(self.correct, self.messages)
    }

    /// Of the sampled out-of-scope escalations, the share a person labelled in scope (the model
    /// predicted `other`): what deskbot should have answered, with its 95% interval.
    pub fn missed(&self) -> Option<Proportion> {
        Proportion::wilson(self.messages - self.correct, self.messages)
    }
}

/// A share of successes with a 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Proportion {
    /// Successes.
    pub successes: usize,
    /// Trials.
    pub trials: usize,
    /// `successes / trials`.
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl Proportion {
    /// The Wilson score interval (Wilson 1927): unlike the normal approximation it stays inside
    /// [0, 1] and is honest for small samples and shares near 0 or 1, which is where a precision
    /// audit lives. `None` for no trials, or more successes than trials.
    pub fn wilson(successes: usize, trials: usize) -> Option<Self> {
        if trials == 0 || successes > trials {
            return None;
        }
        let n = trials as f64;
        let p = successes as f64 / n;
        let z2 = Z_95 * Z_95;
        let denominator = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denominator;
        let half = Z_95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        // At the ends the bound is exactly 0 or 1; computed, it would miss by a rounding error.
        Some(Proportion {
            successes,
            trials,
            estimate: p,
            low: if successes == 0 {
                0.0
            } else {
                (centre - half).max(0.0)
            },
            high: if successes == trials {
                1.0
            } else {
                (centre + half).min(1.0)
            },
        })
    }
}

/// Reads labelled sheets (any CSV with `text` and `intent` columns; `predicted`, `reason` and
/// `count` as `review export` writes them). With `append_to`, that training file's rows are read
/// first, so rows it already has are dropped as duplicates and a row it labels differently is a
/// conflict. A text labelled differently in two rows is an error listing the conflicts.
pub fn import<P: AsRef<Path>>(
    sheets: &[P],
    rules: &LabelRules,
    append_to: Option<&Path>,
) -> Result<Imported, DataError> {
    if sheets.is_empty() {
        return Err(DataError::NoFiles);
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut tracker = ConflictsTracker::default();
    let mut messages = Vec::new();
    if let Some(path) = append_to {
        let bytes = read_file(path)?;
        let columns = [Column::required("text"), Column::required("intent")];
        for_each_row(path, &bytes, &columns, |location, fields| {
            let text = fields[0].unwrap_or_default();
            if text.trim().is_empty() {
                return Err(DataError::EmptyField {
                    location,
                    field: "text".to_owned(),
                });
            }
            let intent: Label = fields[1].unwrap_or_default().parse().map_err(|source| {
                DataError::UnknownLabel {
                    location: location.clone(),
                    field: "intent".to_owned(),
                    source,
                }
            })?;
            tracker.add(text, intent, 0, location.line, &mut messages);
            Ok(())
        })?;
        files.push(path.to_owned());
    }
    let existing = messages.len();
    let duplicates_before = tracker.duplicates();
    let mut imported = Imported {
        messages: Vec::new(),
        rows: 0,
        unlabelled: 0,
        duplicates: 0,
        labels: LabelStats::default(),
        audit: AuditTally::default(),
        out_of_scope: AuditTally::default(),
    };
    let columns = [
        Column::required("text"),
        Column::required("intent"),
        Column::optional("predicted"),
        Column::optional("reason"),
        Column::optional("count"),
    ];
    for sheet in sheets {
        let path = sheet.as_ref();
        let file_index = files.len();
        files.push(path.to_owned());
        let bytes = read_file(path)?;
        for_each_row(path, &bytes, &columns, |location, fields| {
            imported.rows += 1;
            let sample = match fields[3].map(str::trim) {
                Some(r) if r.eq_ignore_ascii_case("audit") => Some(Sample::Audit),
                Some(r) if r.eq_ignore_ascii_case("out_of_scope") => Some(Sample::OutOfScope),
                _ => None,
            };
            let tally = |imported: &mut Imported, update: &dyn Fn(&mut AuditTally)| match sample {
                Some(Sample::Audit) => update(&mut imported.audit),
                Some(Sample::OutOfScope) => update(&mut imported.out_of_scope),
                None => {}
            };
            tally(&mut imported, &|t| t.rows += 1);
            let label = fields[1].unwrap_or_default();
            if label.trim().is_empty() {
                imported.unlabelled += 1;
                tally(&mut imported, &|t| t.unlabelled_rows += 1);
                return Ok(());
            }
            let text = from_cell(fields[0].unwrap_or_default());
            if text.trim().is_empty() {
                return Err(DataError::EmptyField {
                    location,
                    field: "text".to_owned(),
                });
            }
            let Some(intent) = rules.resolve(label, &location, "intent", &mut imported.labels)?
            else {
                tally(&mut imported, &|t| t.unlabelled_rows += 1);
                return Ok(());
            };
            match sample {
                Some(Sample::Audit) => {
                    let (predicted, count) = audit_fields(&location, fields[2], fields[4])?;
                    imported.audit.messages += count;
                    if intent == predicted {
                        imported.audit.correct += count;
                    }
                }
                Some(Sample::OutOfScope) => {
                    let count = count_field(&location, fields[4])?;
                    imported.out_of_scope.messages += count;
                    if !intent.is_in_scope() {
                        imported.out_of_scope.correct += count;
                    }
                }
                None => {}
            }
            tracker.add(text, intent, file_index, location.line, &mut messages);
            Ok(())
        })?;
    }
    imported.duplicates = tracker.duplicates() - duplicates_before;
    tracker.resolve(OnConflict::Error, &files, &mut messages)?;
    imported.messages = messages.split_off(existing);
    Ok(imported)
}

/// An audit row's `predicted` intent and its `count` (1 when the column is absent or empty).
fn audit_fields(
    location: &crate::classify::dataset::Location,
    predicted: Option<&str>,
    count: Option<&str>,
) -> Result<(Label, usize), DataError> {
    let invalid = |field: &str, problem: String| DataError::InvalidField {
        location: location.clone(),
        field: field.to_owned(),
        problem,
    };
    let predicted = match predicted.map(str::trim) {
        None | Some("") => {
            return Err(invalid(
                "predicted",
                "an audit row needs the intent the model predicted".to_owned(),
            ))
        }
        Some(label) => label.parse().map_err(|source| DataError::UnknownLabel {
            location: location.clone(),
            field: "predicted".to_owned(),
            source,
        })?,
    };
    Ok((predicted, count_field(location, count)?))
}

/// A sampled row's `count` (1 when the column is absent or empty).
fn count_field(
    location: &crate::classify::dataset::Location,
    count: Option<&str>,
) -> Result<usize, DataError> {
    match count.map(str::trim) {
        None | Some("") => Ok(1),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(DataError::InvalidField {
                location: location.clone(),
                field: "count".to_owned(),
                problem: format!("{text:?} is not a whole number of messages (1 or more)"),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::dataset::{LabelMap, Unmapped};
    use crate::classify::intent::Intent;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-5
    }

    #[test]
    fn out_of_scope_rows_measure_the_escalations_that_were_in_scope() {
        let dir = tempfile::tempdir().unwrap();
        let sheet = dir.path().join("sheet.csv");
        std::fs::write(
            &sheet,
            "text,predicted,confidence,reason,count,ticket,intent\n\
             do you sell hats,other,0.9,out_of_scope,3,1,other\n\
             waar is mijn pakket,other,0.8,out_of_scope,2,2,tracking\n\
             hola,other,0.7,out_of_scope,,3,\n\
             ou est mon colis,other,0.8,out_of_scope,1,4,tracking\n",
        )
        .unwrap();
        let imported = import(&[&sheet], &LabelRules::default(), None).unwrap();
        assert_eq!(
            imported.out_of_scope,
            AuditTally {
                rows: 4,
                unlabelled_rows: 1,
                messages: 6,
                correct: 3,
            }
        );
        let missed = imported.out_of_scope.missed().unwrap();
        assert_eq!((missed.successes, missed.trials), (3, 6));
        assert_eq!(imported.audit, AuditTally::default());
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            "text,reason,count,intent\nhi,out_of_scope,many,other\n",
        )
        .unwrap();
        let err = import(&[&bad], &LabelRules::default(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.csv:2: field `count`"), "{err}");
    }

    #[test]
    fn wilson_matches_published_intervals() {
        // Newcombe (1998), Table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605.
        let p = Proportion::wilson(81, 263).unwrap();
        assert!(close(p.low, 0.2553) && close(p.high, 0.3662), "{p:?}");
        let p = Proportion::wilson(15, 148).unwrap();
        assert!(close(p.low, 0.0624) && close(p.high, 0.1605), "{p:?}");
        // 0/10 and 10/10 stay inside [0, 1]: 0–0.2775 and 0.7225–1.
        let p = Proportion::wilson(0, 10).unwrap();
        assert!(p.low == 0.0 && close(p.high, 0.2775), "{p:?}");
        let p = Proportion::wilson(10, 10).unwrap();
        assert!(close(p.low, 0.7225) && p.high == 1.0, "{p:?}");
        assert_eq!(Proportion::wilson(0, 0), None);
        assert_eq!(Proportion::wilson(3, 2), None);
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    const SHEET: &[u8] = b"\xEF\xBB\xBFtext,predicted,confidence,reason,count,ticket,intent\r\n\
where is it,tracking,0.51,low_confidence,4,1,tracking\r\n\
refund or swap,return,0.45,ambiguous,1,2,\r\n\
'=cancel it,cancel,0.98,audit,3,3,cancel\r\n\
stop my order,cancel,0.97,audit,1,4,cancel\r\n\
where's my stuff,missing_item,0.96,audit,2,5,tracking\r\n\
lost box,missing_item,0.95,audit,1,6,\r\n";

    #[test]
    fn labelled_rows_become_messages_and_audit_rows_measure_precision() {
        let dir = tempfile::tempdir().unwrap();
        let sheet = write(dir.path(), "sheet.csv", SHEET);
        let imported = import(&[&sheet], &LabelRules::default(), None).unwrap();
        let messages: Vec<_> = imported
            .messages
            .iter()
            .map(|m| (m.text.as_str(), m.label.intent()))
            .collect();
        assert_eq!(
            messages,
            [
                ("where is it", Intent::Tracking),
                ("=cancel it", Intent::Cancel),
                ("stop my order", Intent::Cancel),
                ("where's my stuff", Intent::Tracking),
            ]
        );
        assert_eq!((imported.rows, imported.unlabelled), (6, 2));
        assert_eq!(
            imported.audit,
            AuditTally {
                rows: 4,
                unlabelled_rows: 1,
                messages: 6,
                correct: 4
            }
        );
        let precision = imported.audit.live_precision().unwrap();
        assert!(close(precision.estimate, 4.0 / 6.0));
        // Wilson for 4/6: 0.3000–0.9032.
        assert!(
            close(precision.low, 0.3000) && close(precision.high, 0.9032),
            "{precision:?}"
        );
    }

    #[test]
    fn bad_rows_name_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&[u8], &str); 5] = [
            (
                b"text,intent\nok,tracking\nhm,retrun\n",
                "sheet.csv:3: field `intent`",
            ),
            (
                b"text,intent\n ,cancel\n",
                "sheet.csv:2: field `text` is empty",
            ),
            (
                b"text,predicted,reason,count,intent\na,cancel,audit,0,cancel\n",
                "sheet.csv:2: field `count`: \"0\" is not a whole number",
            ),
            (
                b"text,predicted,reason,intent\na,retrun,audit,cancel\n",
                "sheet.csv:2: field `predicted`",
            ),
            (
                b"text,reason,intent\na,audit,cancel\n",
                "sheet.csv:2: field `predicted`: an audit row needs",
            ),
        ];
        for (bytes, expected) in cases {
            let sheet = write(dir.path(), "sheet.csv", bytes);
            let err = import(&[&sheet], &LabelRules::default(), None)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{expected}\n{err}");
        }
    }

    #[test]
    fn labels_go_through_the_map_and_the_unmapped_rule() {
        let dir = tempfile::tempdir().unwrap();
        let map = write(dir.path(), "map.csv", b"from,to\nwismo,tracking\n");
        let sheet = write(
            dir.path(),
            "sheet.csv",
            b"text,predicted,reason,intent\nwhere,tracking,audit,WISMO\nnew card,cancel,audit,billing\n",
        );
        let rules = LabelRules {
            map: Some(LabelMap::load(&map).unwrap()),
            unmapped: Unmapped::Skip,
        };
        let imported = import(&[&sheet], &rules, None).unwrap();
        assert_eq!(imported.messages.len(), 1);
        assert_eq!(imported.labels.mapped, 1);
        assert_eq!(imported.labels.unmapped_skipped, 1);
        // The skipped audit row is not in the precision.
        assert_eq!(
            (
                imported.audit.messages,
                imported.audit.correct,
                imported.audit.unlabelled_rows
            ),
            (1, 1, 1)
        );
    }

    #[test]
    fn rows_the_training_file_has_are_dropped_and_conflicts_with_it_refused() {
        let dir = tempfile::tempdir().unwrap();
        let train = write(
            dir.path(),
            "train.csv",
            b"text,intent\nWhere is it,tracking\n",
        );
        let sheet = write(
            dir.path(),
            "sheet.csv",
            b"text,intent\nwhere is  it,tracking\ncancel,cancel\n",
        );
        let imported = import(&[&sheet], &LabelRules::default(), Some(&train)).unwrap();
        assert_eq!(imported.messages.len(), 1);
        assert_eq!(imported.duplicates, 1);
        let sheet = write(
            dir.path(),
            "sheet.csv",
            b"text,intent\nwhere is it,missing_item\n",
        );
        let err = import(&[&sheet], &LabelRules::default(), Some(&train))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("train.csv:2") && err.contains("sheet.csv:2"),
            "{err}"
        );
    }
}
