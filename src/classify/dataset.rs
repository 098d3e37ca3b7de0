//! Labelled message files (`text,intent` CSV): loading, validation and fingerprinting.
//!
//! Every problem names the file and line it was found on, and nothing is returned until every
//! file has been read, so a caller never writes a model from half the data.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::classify::intent::Intent;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where a row came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// 1-based line where the row starts.
    pub line: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}

/// Problems with a data file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file or directory could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// What was being read.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A directory was given but holds no `.csv` file.
    #[error("no .csv files in {}", path.display())]
    NoCsvFiles {
        /// The directory.
        path: PathBuf,
    },
    /// The CSV itself is malformed: broken quoting, a row with the wrong number of fields,
    /// invalid UTF-8.
    #[error("{location}: {message}")]
    Malformed {
        /// Where the bad row starts.
        location: Location,
        /// What the CSV reader reported.
        message: String,
    },
    /// The header lacks a required column.
    #[error("{}:1: missing column `{column}` in the header (found: {found}); the first line must name the columns, e.g. `text,intent`", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column that is missing.
        column: &'static str,
        /// The header as read.
        found: String,
    },
    /// A row's `text` field is empty or whitespace.
    #[error("{location}: field `text` is empty")]
    EmptyText {
        /// Where.
        location: Location,
    },
    /// A row's `intent` field is not a known intent.
    #[error("{location}: field `intent`")]
    UnknownLabel {
        /// Where.
        location: Location,
        /// Which label.
        source: crate::classify::intent::UnknownIntent,
    },
    /// The same message appears under two different intents.
    #[error("the same text is labelled `{first_intent}` at {first} and `{second_intent}` at {second}: {text:?}")]
    ConflictingLabels {
        /// The message.
        text: String,
        /// First occurrence.
        first: Location,
        /// Its label.
        first_intent: Intent,
        /// Conflicting occurrence.
        second: Location,
        /// Its label.
        second_intent: Intent,
    },
    /// The files hold no data row.
    #[error("{}: no data rows", path.display())]
    NoRows {
        /// File or directory.
        path: PathBuf,
    },
}

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledMessage {
    /// The message as written.
    pub text: String,
    /// Its label.
    pub intent: Intent,
}

/// A set of labelled messages read from one file or a directory of files.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Unique messages, in file order.
    pub messages: Vec<LabelledMessage>,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// Rows dropped because the same text (ignoring case and spacing) appeared earlier with the
    /// same label.
    pub duplicates_dropped: usize,
    /// SHA-256 over the bytes of every file, in order.
    pub sha256: String,
}

impl Dataset {
    /// Reads `path`: a CSV file, or every `*.csv` directly inside a directory, in name order
    /// (subdirectories such as `holdout/` are not read).
    pub fn load(path: &Path) -> Result<Self, DataError> {
        let files = csv_files(path)?;
        let mut hasher = Sha256::new();
        let mut messages = Vec::new();
        let mut duplicates_dropped = 0;
        // Digest of the normalised text → (label, file index, line) where first seen. A digest
        // instead of the text keeps memory flat on large sets; 128 bits make a false match
        // practically impossible.
        let mut seen: HashMap<[u8; 16], (Intent, usize, u64)> = HashMap::new();
        for (file_index, file) in files.iter().enumerate() {
            let bytes = read_file(file)?;
            hasher.update(&bytes);
            for_each_row(file, &bytes, &["text", "intent"], |location, fields| {
                let text = fields[0];
                if text.trim().is_empty() {
                    return Err(DataError::EmptyText { location });
                }
                let intent: Intent =
                    fields[1]
                        .parse()
                        .map_err(|source| DataError::UnknownLabel {
                            location: location.clone(),
                            source,
                        })?;
                let key = dedup_digest(text);
                match seen.get(&key) {
                    Some(&(first_intent, first_file, first_line)) if first_intent != intent => {
                        Err(DataError::ConflictingLabels {
                            text: text.to_owned(),
                            first: Location {
                                path: files[first_file].clone(),
                                line: first_line,
                            },
                            first_intent,
                            second: location,
                            second_intent: intent,
                        })
                    }
                    Some(_) => {
                        duplicates_dropped += 1;
                        Ok(())
                    }
                    None => {
                        seen.insert(key, (intent, file_index, location.line));
                        messages.push(LabelledMessage {
                            text: text.to_owned(),
                            intent,
                        });
                        Ok(())
                    }
                }
            })?;
        }
        if messages.is_empty() {
            return Err(DataError::NoRows {
                path: path.to_owned(),
            });
        }
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Dataset {
            messages,
            files,
            duplicates_dropped,
            sha256,
        })
    }

    /// Rows per intent, in [`Intent::ALL`] order.
    pub fn rows_per_intent(&self) -> [usize; Intent::COUNT] {
        let mut counts = [0; Intent::COUNT];
        for message in &self.messages {
            counts[message.intent.index()] += 1;
        }
        counts
    }

    /// How many messages of `self` also appear in `other` (ignoring case and spacing).
    pub fn overlap_with(&self, other: &Dataset) -> usize {
        let keys: std::collections::HashSet<[u8; 16]> = other
            .messages
            .iter()
            .map(|m| dedup_digest(&m.text))
            .collect();
        self.messages
            .iter()
            .filter(|m| keys.contains(&dedup_digest(&m.text)))
            .count()
    }
}

/// Reads the `text` column of a CSV file, or of standard input when `path` is `-`.
/// Empty texts are kept: classifying them yields an escalation, not an error.
pub fn read_texts(path: &Path) -> Result<Vec<String>, DataError> {
    let bytes = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|source| DataError::Io {
                path: path.to_owned(),
                source,
            })?;
        bytes
    } else {
        read_file(path)?
    };
    let mut texts = Vec::new();
    for_each_row(path, &bytes, &["text"], |_, fields| {
        texts.push(fields[0].to_owned());
        Ok(())
    })?;
    Ok(texts)
}

/// Identity of a message for duplicate detection: its words, lowercased, single-spaced.
fn dedup_digest(text: &str) -> [u8; 16] {
    let mut hasher = Sha256::new();
    for word in text.split_whitespace() {
        if word.is_ascii() {
            hasher.update(word.to_ascii_lowercase().as_bytes());
        } else {
            hasher.update(word.to_lowercase().as_bytes());
        }
        hasher.update(b" ");
    }
    let digest = hasher.finalize();
    digest[..16].try_into().expect("sha-256 is 32 bytes")
}

fn csv_files(path: &Path) -> Result<Vec<PathBuf>, DataError> {
    let io_error = |source| DataError::Io {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let file = entry.path();
        if file.is_file()
            && file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            files.push(file);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(DataError::NoCsvFiles {
            path: path.to_owned(),
        });
    }
    Ok(files)
}

fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Parses `bytes` as CSV with a header naming at least `columns`, calling `row` with each row's
/// location and the requested fields in `columns` order. A UTF-8 BOM and CRLF line ends are
/// accepted, since spreadsheet exports produce both.
fn for_each_row(
    path: &Path,
    bytes: &[u8],
    columns: &[&'static str],
    mut row: impl FnMut(Location, &[&str]) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let malformed = |line: u64, error: &csv::Error| DataError::Malformed {
        location: Location {
            path: path.to_owned(),
            line,
        },
        message: describe_csv_error(error),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header = reader.headers().map_err(|e| malformed(1, &e))?.clone();
    let mut indices = Vec::with_capacity(columns.len());
    for &column in columns {
        let index = header
            .iter()
            .position(|name| name.trim().eq_ignore_ascii_case(column))
            .ok_or_else(|| DataError::MissingColumn {
                path: path.to_owned(),
                column,
                found: header.iter().collect::<Vec<_>>().join(","),
            })?;
        indices.push(index);
    }
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(error) => {
                let line = error
                    .position()
                    .map_or_else(|| reader.position().line(), |p| p.line());
                return Err(malformed(line, &error));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let fields: Vec<&str> = indices
            .iter()
            .map(|&i| record.get(i).unwrap_or(""))
            .collect();
        row(
            Location {
                path: path.to_owned(),
                line,
            },
            &fields,
        )?;
    }
}

fn describe_csv_error(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("invalid UTF-8 in field {} (the file must be UTF-8)", err.field() + 1)
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "expected {expected_len} fields but found {len} (an unclosed quote or an unquoted comma?)"
        ),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn load_bytes(bytes: &[u8]) -> Result<Dataset, DataError> {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "data.csv", bytes);
        Dataset::load(&path)
    }

    #[test]
    fn good_file_loads_with_quoting_bom_and_crlf() {
        let plain =
            load_bytes(b"text,intent\n\"where, is it\",tracking\ncancel it,cancel\n").unwrap();
        let excel = load_bytes(
            b"\xEF\xBB\xBFtext,intent\r\n\"where, is it\",tracking\r\ncancel it,cancel\r\n",
        )
        .unwrap();
        assert_eq!(plain.messages, excel.messages);
        assert_eq!(plain.messages[0].text, "where, is it");
        assert_eq!(plain.rows_per_intent(), [1, 0, 0, 1, 0]);
    }

    #[test]
    fn columns_may_come_in_any_order_with_extras() {
        let data = load_bytes(b"id,intent,text\n7,return,send it back\n").unwrap();
        assert_eq!(data.messages[0].intent, Intent::Return);
    }

    #[test]
    fn missing_header_is_reported_with_what_was_found() {
        let err = load_bytes(b"where is my order,tracking\n").unwrap_err();
        let message = err.to_string();
        assert!(matches!(
            err,
            DataError::MissingColumn { column: "text", .. }
        ));
        assert!(message.contains("data.csv:1"), "{message}");
        assert!(message.contains("where is my order,tracking"), "{message}");
    }

    #[test]
    fn empty_text_and_unknown_label_name_file_line_and_field() {
        let err = load_bytes(b"text,intent\nok,tracking\n  ,cancel\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("data.csv:3: field `text` is empty"),
            "{err}"
        );
        let err = load_bytes(b"text,intent\nok,tracking\nrefund pls,refund\n").unwrap_err();
        assert!(
            err.to_string().contains("data.csv:3: field `intent`"),
            "{err}"
        );
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(cause.contains("\"refund\""), "{cause}");
    }

    #[test]
    fn broken_quoting_and_wrong_field_counts_are_errors_with_lines() {
        let err = load_bytes(b"text,intent\nfine,tracking\n\"unclosed,cancel\nmore,return\n")
            .unwrap_err();
        assert!(
            matches!(err, DataError::Malformed { ref location, .. } if location.line == 3),
            "{err}"
        );
        let err = load_bytes(b"text,intent\na,b,c\n").unwrap_err();
        assert!(err.to_string().contains(":2:"), "{err}");
    }

    #[test]
    fn invalid_utf8_is_an_error_with_line() {
        let err = load_bytes(b"text,intent\nok,tracking\nbad \xff byte,cancel\n").unwrap_err();
        assert!(err.to_string().contains("data.csv:3"), "{err}");
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }

    #[test]
    fn conflicting_labels_name_both_places_and_duplicates_are_dropped() {
        let err = load_bytes(b"text,intent\nCancel it,cancel\nhi,other\ncancel   IT,return\n")
            .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("data.csv:2") && message.contains("data.csv:4"),
            "{message}"
        );
        let data = load_bytes(b"text,intent\nCancel it,cancel\ncancel it,cancel\n").unwrap();
        assert_eq!(data.messages.len(), 1);
        assert_eq!(data.duplicates_dropped, 1);
    }

    #[test]
    fn directory_reads_csv_files_in_name_order_and_skips_subdirectories() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "b.csv", b"text,intent\nsecond,cancel\n");
        write(dir.path(), "a.csv", b"text,intent\nfirst,tracking\n");
        write(dir.path(), "notes.txt", b"ignored");
        std::fs::create_dir(dir.path().join("holdout")).unwrap();
        write(
            &dir.path().join("holdout"),
            "c.csv",
            b"text,intent\nheld,other\n",
        );
        let data = Dataset::load(dir.path()).unwrap();
        let texts: Vec<_> = data.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["first", "second"]);
        assert_eq!(data.sha256.len(), 64);
    }

    #[test]
    fn header_only_file_has_no_rows() {
        assert!(matches!(
            load_bytes(b"text,intent\n"),
            Err(DataError::NoRows { .. })
        ));
    }

    #[test]
    fn read_texts_keeps_empty_rows_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "in.csv", b"id,text\n1,hello\n2,\n3,bye\n");
        assert_eq!(read_texts(&path).unwrap(), ["hello", "", "bye"]);
    }
}
