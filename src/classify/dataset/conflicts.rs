//! Duplicates and conflicting labels across every file read: the same text (ignoring case and
//! spacing) once is a message, again under the same label a duplicate, under another label a
//! conflict, which [`OnConflict`] resolves or reports.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::{dedup_digest, DataError, LabelledMessage, Location};
use crate::classify::label::Label;

/// Conflicts shown in the error; the rest are counted.
const SHOWN: usize = 5;

/// What to do with a text that appears under more than one label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnConflict {
    /// Stop with an error that counts the conflicts and shows the first few. The default.
    #[default]
    Error,
    /// Leave every row of such a text out.
    Skip,
    /// Keep the label most rows give it; a tie leaves the text out, since no label wins.
    Majority,
}

impl OnConflict {
    /// `error`, `skip` or `majority`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OnConflict::Error => "error",
            OnConflict::Skip => "skip",
            OnConflict::Majority => "majority",
        }
    }
}

/// One text found under several labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The text as first written.
    pub text: String,
    /// Each label it was given, in the order first seen.
    pub labels: Vec<LabelUse>,
}

/// One of a conflicting text's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelUse {
    /// The label.
    pub label: Label,
    /// Rows that give it.
    pub rows: usize,
    /// The first of them.
    pub first: Location,
}

/// Conflicts found and what resolving them dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConflictStats {
    /// Texts found under more than one label.
    pub texts: usize,
    /// Of those, texts kept under the label most rows give ([`OnConflict::Majority`]).
    pub resolved: usize,
    /// Rows dropped: every row of a text left out, and the rows outvoted by a majority.
    pub rows_dropped: usize,
}

/// The error's text: the count, then the first few conflicts with every label and place.
pub(super) fn describe(count: usize, first: &[Conflict]) -> String {
    let mut text = if count == 1 {
        "1 text is labelled differently in different rows".to_owned()
    } else {
        format!("{count} texts are labelled differently in different rows")
    };
    if first.len() < count {
        text.push_str(&format!(" (the first {} shown)", first.len()));
    }
    text.push(':');
    for conflict in first {
        let shown: String = conflict.text.chars().take(80).collect();
        let ellipsis = if shown.len() < conflict.text.len() {
            "…"
        } else {
            ""
        };
        let labels: Vec<String> = conflict
            .labels
            .iter()
            .map(|label| {
                let rows = if label.rows > 1 {
                    format!(" ({} rows)", label.rows)
                } else {
                    String::new()
                };
                format!("`{}` at {}{rows}", label.label, label.first)
            })
            .collect();
        text.push_str(&format!(
            "\n  {:?}: {}",
            format!("{shown}{ellipsis}"),
            labels.join(", ")
        ));
    }
    text.push_str(
        "\ncorrect the labels, or resolve conflicts by skipping such texts or by majority vote",
    );
    text
}

/// Per label: rows that give it, and the first of them as (file, line).
type Tally = BTreeMap<Label, (usize, (usize, u64))>;

/// Where a text was first seen, and its labels once it has more than one.
struct Seen {
    /// Its index in the messages.
    message: usize,
    label: Label,
    file: usize,
    line: u64,
    /// Rows with this text so far, while it has one label.
    rows: usize,
    /// Per label: rows and first place; only for a text with several labels.
    tally: Option<Box<Tally>>,
}

/// Collects messages, dropping duplicates and noting conflicts, as rows are read.
#[derive(Default)]
pub(crate) struct Tracker {
    /// Digest of the text → where first seen. A digest instead of the text keeps memory flat on
    /// large sets; 128 bits make a false match practically impossible.
    seen: HashMap<[u8; 16], Seen>,
    duplicates: usize,
    /// Texts with several labels, in the order they became conflicts.
    conflicting: Vec<[u8; 16]>,
}

impl Tracker {
    /// Rows dropped so far as duplicates (same text, same label).
    pub(crate) fn duplicates(&self) -> usize {
        self.duplicates
    }

    /// Notes one row, pushing its message when the text is new.
    pub(crate) fn add(
        &mut self,
        text: &str,
        label: Label,
        file: usize,
        line: u64,
        messages: &mut Vec<LabelledMessage>,
    ) {
        let key = dedup_digest(text);
        let seen = match self.seen.entry(key) {
            Entry::Vacant(entry) => {
                entry.insert(Seen {
                    message: messages.len(),
                    label,
                    file,
                    line,
                    rows: 1,
                    tally: None,
                });
                messages.push(LabelledMessage {
                    text: text.to_owned(),
                    label,
                });
                return;
            }
            Entry::Occupied(entry) => entry.into_mut(),
        };
        match &mut seen.tally {
            None if seen.label == label => {
                seen.rows += 1;
                self.duplicates += 1;
            }
            None => {
                // Its earlier rows were counted as duplicates; a conflict accounts for them.
                self.duplicates -= seen.rows - 1;
                let mut tally = Box::new(Tally::new());
                tally.insert(seen.label, (seen.rows, (seen.file, seen.line)));
                tally.insert(label, (1, (file, line)));
                seen.tally = Some(tally);
                self.conflicting.push(key);
            }
            Some(tally) => {
                tally.entry(label).or_insert((0, (file, line))).0 += 1;
            }
        }
    }

    /// Applies `rule` to the conflicts: the duplicates dropped and the conflict counts, or the
    /// error that lists them. `files` names the files by index.
    pub(crate) fn resolve(
        self,
        rule: OnConflict,
        files: &[PathBuf],
        messages: &mut Vec<LabelledMessage>,
    ) -> Result<(usize, ConflictStats), DataError> {
        let mut duplicates = self.duplicates;
        let mut stats = ConflictStats {
            texts: self.conflicting.len(),
            ..ConflictStats::default()
        };
        if self.conflicting.is_empty() {
            return Ok((duplicates, stats));
        }
        let mut conflicts: Vec<&Seen> = self.conflicting.iter().map(|k| &self.seen[k]).collect();
        conflicts.sort_by_key(|seen| seen.message);
        if rule == OnConflict::Error {
            let first = conflicts
                .iter()
                .take(SHOWN)
                .map(|seen| report(seen, files, messages))
                .collect();
            return Err(DataError::ConflictingLabels {
                count: conflicts.len(),
                first,
            });
        }
        let mut drop = vec![false; messages.len()];
        for seen in conflicts {
            let tally = seen.tally.as_deref().expect("a conflict has a tally");
            let total: usize = tally.values().map(|(rows, _)| rows).sum();
            let most = tally.values().map(|(rows, _)| *rows).max().unwrap_or(0);
            let mut winners = tally
                .iter()
                .filter(|(_, (rows, _))| *rows == most)
                .map(|(&label, _)| label);
            match (rule, winners.next(), winners.next()) {
                (OnConflict::Majority, Some(winner), None) => {
                    messages[seen.message].label = winner;
                    stats.resolved += 1;
                    duplicates += most - 1;
                    stats.rows_dropped += total - most;
                }
                _ => {
                    drop[seen.message] = true;
                    stats.rows_dropped += total;
                }
            }
        }
        let mut index = 0;
        messages.retain(|_| {
            index += 1;
            !drop[index - 1]
        });
        Ok((duplicates, stats))
    }
}

fn report(seen: &Seen, files: &[PathBuf], messages: &[LabelledMessage]) -> Conflict {
    let tally = seen.tally.as_deref().expect("a conflict has a tally");
    let mut uses: Vec<(usize, u64, Label, usize)> = tally
        .iter()
        .map(|(&label, &(rows, (file, line)))| (file, line, label, rows))
        .collect();
    // In the order first seen: files in reading order, then lines.
    uses.sort_unstable();
    Conflict {
        text: messages[seen.message].text.clone(),
        labels: uses
            .into_iter()
            .map(|(file, line, label, rows)| LabelUse {
                label,
                rows,
                first: Location {
                    path: files[file].clone(),
                    line,
                },
            })
            .collect(),
    }
}
