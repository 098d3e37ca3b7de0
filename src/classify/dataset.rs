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

mod raw_csv;

pub use raw_csv::QuoteProblem;

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
    /// The file has no bytes (or only a byte-order mark and line ends).
    #[error("{}: the file is empty ({}); expected a header line such as `{expected_header}`", path.display(), if *size == 0 { "0 bytes".to_owned() } else { format!("{size} bytes, but only a byte-order mark and line ends") })]
    Empty {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: usize,
        /// The columns the file needs, as a header line.
        expected_header: String,
    },
    /// The file is UTF-16, which spreadsheets offer as "Unicode text".
    #[error("{}: looks like UTF-16 ({}); save it as UTF-8", path.display(), if *bom { "it starts with a UTF-16 byte-order mark" } else { "NUL bytes every other byte" })]
    Utf16 {
        /// The file.
        path: PathBuf,
        /// Whether it starts with a UTF-16 byte-order mark.
        bom: bool,
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
    /// A field's quotes are broken, which the CSV reader would silently accept.
    #[error("{location}: field {field}: {problem}; a field with quotes in it must be quoted whole, with each inner quote doubled: \"say \"\"hi\"\"\"")]
    BrokenQuoting {
        /// Where the problem is (the line of the quote, not of the record's start).
        location: Location,
        /// The field: its column name in backticks, or its number in the header.
        field: String,
        /// What is wrong.
        problem: QuoteProblem,
    },
    /// The header names a required column twice, so which one holds the data is unclear.
    #[error("{}:1: column `{column}` appears twice in the header (columns {first} and {second}); keep one", path.display())]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated column.
        column: &'static str,
        /// 1-based position of its first occurrence.
        first: usize,
        /// 1-based position of its second occurrence.
        second: usize,
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
            for_each_row(
                file,
                &bytes,
                &["text", "intent"],
                &[],
                |location, fields, _| {
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
                },
            )?;
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

/// One message of a file to classify, with what joins its result back to its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputMessage {
    /// The row's `id` column, as written (possibly empty), when the header has one.
    pub id: Option<String>,
    /// 1-based number of the row among the data rows (the header is not counted).
    pub row: usize,
    /// The `text` column.
    pub text: String,
}

/// Reads the `text` column, and the `id` column when there is one, of a CSV file, or of
/// standard input when `path` is `-`. Empty texts are kept: classifying them yields an
/// escalation, not an error.
pub fn read_messages(path: &Path) -> Result<Vec<InputMessage>, DataError> {
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
    let mut messages = Vec::new();
    for_each_row(path, &bytes, &["text"], &["id"], |_, fields, optional| {
        messages.push(InputMessage {
            id: optional[0].map(str::to_owned),
            row: messages.len() + 1,
            text: fields[0].to_owned(),
        });
        Ok(())
    })?;
    Ok(messages)
}

/// The `text` column of a CSV file, or of standard input when `path` is `-`
/// ([`read_messages`] without the ids).
pub fn read_texts(path: &Path) -> Result<Vec<String>, DataError> {
    Ok(read_messages(path)?
        .into_iter()
        .map(|message| message.text)
        .collect())
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

/// Parses `bytes` as CSV with a header naming at least `columns`, once each, calling `row` with
/// each row's location, the requested fields in `columns` order, and the `optional` columns'
/// fields (`None` where the header lacks that column; named twice is an error too). A UTF-8 BOM
/// and CRLF line ends are accepted, since spreadsheet exports produce both; empty and UTF-16
/// files, stray quotes and invalid UTF-8 are errors.
fn for_each_row(
    path: &Path,
    bytes: &[u8],
    columns: &[&'static str],
    optional: &[&'static str],
    mut row: impl FnMut(Location, &[&str], &[Option<&str>]) -> Result<(), DataError>,
) -> Result<(), DataError> {
    match raw_csv::sniff(bytes, UTF8_BOM) {
        Some(raw_csv::NotText::Empty) => {
            return Err(DataError::Empty {
                path: path.to_owned(),
                size: bytes.len(),
                expected_header: columns.join(","),
            })
        }
        Some(raw_csv::NotText::Utf16 { bom }) => {
            return Err(DataError::Utf16 {
                path: path.to_owned(),
                bom,
            })
        }
        None => {}
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let mut records = Records {
        path,
        bytes,
        reader: csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .from_reader(bytes),
        lines: raw_csv::Lines::new(bytes),
    };
    let mut header = csv::StringRecord::new();
    records.next(&mut header, None)?;
    let position = |column: &'static str| -> Result<Option<usize>, DataError> {
        let mut positions = header
            .iter()
            .enumerate()
            .filter(|(_, name)| name.trim().eq_ignore_ascii_case(column))
            .map(|(index, _)| index);
        match (positions.next(), positions.next()) {
            (first, None) => Ok(first),
            (Some(first), Some(second)) => Err(DataError::DuplicateColumn {
                path: path.to_owned(),
                column,
                first: first + 1,
                second: second + 1,
            }),
            (None, Some(_)) => unreachable!("a second match implies a first"),
        }
    };
    let mut indices = Vec::with_capacity(columns.len());
    for &column in columns {
        match position(column)? {
            Some(index) => indices.push(index),
            None => {
                return Err(DataError::MissingColumn {
                    path: path.to_owned(),
                    column,
                    found: header.iter().collect::<Vec<_>>().join(","),
                })
            }
        }
    }
    let optional_indices: Vec<Option<usize>> = optional
        .iter()
        .map(|&c| position(c))
        .collect::<Result<_, _>>()?;
    let mut record = csv::StringRecord::new();
    while let Some(line) = records.next(&mut record, Some(&header))? {
        let fields: Vec<&str> = indices
            .iter()
            .map(|&i| record.get(i).unwrap_or(""))
            .collect();
        let optional_fields: Vec<Option<&str>> = optional_indices
            .iter()
            .map(|index| index.map(|i| record.get(i).unwrap_or("")))
            .collect();
        row(
            Location {
                path: path.to_owned(),
                line,
            },
            &fields,
            &optional_fields,
        )?;
    }
    Ok(())
}

/// The CSV reader with the checks it does not make itself.
struct Records<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    lines: raw_csv::Lines<'a>,
}

impl Records<'_> {
    /// Reads the next record into `record` and returns its 1-based line, or `None` at the end.
    /// `header` names the fields in errors; it is `None` while the header itself is read.
    fn next(
        &mut self,
        record: &mut csv::StringRecord,
        header: Option<&csv::StringRecord>,
    ) -> Result<Option<u64>, DataError> {
        let read = self.reader.read_record(record);
        let offset = match &read {
            Ok(false) => return Ok(None),
            Ok(true) => record.position().map(csv::Position::byte),
            Err(error) => error.position().map(csv::Position::byte),
        }
        .unwrap_or_else(|| self.reader.position().byte());
        let (start, line) = self.lines.record_start(offset);
        let field_name = |index: usize| match header.and_then(|h| h.get(index)) {
            Some(name) => format!("`{}`", name.trim()),
            None if header.is_none() => format!("{} of the header", index + 1),
            None => (index + 1).to_string(),
        };
        // Checked first, also when the reader failed: a stray quote is the likely cause of a
        // wrong field count, and the more precise report.
        if let Some(stray) = raw_csv::stray_quote(&self.bytes[start..]) {
            return Err(DataError::BrokenQuoting {
                location: self.location(line + stray.line_breaks),
                field: field_name(stray.field),
                problem: stray.problem,
            });
        }
        match read {
            Ok(_) => Ok(Some(line)),
            Err(error) => Err(DataError::Malformed {
                location: self.location(line),
                message: describe_csv_error(&error, field_name),
            }),
        }
    }

    fn location(&self, line: u64) -> Location {
        Location {
            path: self.path.to_owned(),
            line,
        }
    }
}

fn describe_csv_error(error: &csv::Error, field_name: impl Fn(usize) -> String) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "invalid UTF-8 in field {} (the file must be UTF-8)",
            field_name(err.field())
        ),
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
            matches!(
                err,
                DataError::BrokenQuoting { ref location, problem: QuoteProblem::Unclosed, .. }
                    if location.line == 3
            ),
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

    #[test]
    fn read_messages_passes_the_id_column_through_else_numbers_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let with_ids = write(
            dir.path(),
            "ids.csv",
            b"text,ID\r\nhello,A-7\r\n\"two\nlines\",\r\nbye,9\r\n",
        );
        let messages = read_messages(&with_ids).unwrap();
        let ids: Vec<Option<&str>> = messages.iter().map(|m| m.id.as_deref()).collect();
        assert_eq!(ids, [Some("A-7"), Some(""), Some("9")]);
        let rows: Vec<usize> = messages.iter().map(|m| m.row).collect();
        assert_eq!(rows, [1, 2, 3], "data rows, not file lines");
        assert_eq!(messages[1].text, "two\nlines");

        let without = write(dir.path(), "plain.csv", b"text\nhello\n\nbye\n");
        let messages = read_messages(&without).unwrap();
        assert!(messages.iter().all(|m| m.id.is_none()));
        assert_eq!(messages.iter().map(|m| m.row).collect::<Vec<_>>(), [1, 2]);

        let twice = write(dir.path(), "twice.csv", b"id,text,id\n1,hi,2\n");
        let error = read_messages(&twice).unwrap_err().to_string();
        assert!(error.contains("`id` appears twice"), "{error}");
    }

    fn read_texts_bytes(bytes: &[u8]) -> Result<Vec<String>, DataError> {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "in.csv", bytes);
        read_texts(&path)
    }

    fn error_of(bytes: &[u8]) -> String {
        load_bytes(bytes).unwrap_err().to_string()
    }

    #[test]
    fn stray_quotes_are_errors_naming_file_line_and_column() {
        let message = error_of(b"text,intent\nok,tracking\n\"cancel\"order,cancel\n");
        assert!(
            message.contains("data.csv:3: field `text`: text after the closing quote"),
            "{message}"
        );
        let message = error_of(b"text,intent\nok,tracking\nhi,canc\"el\n");
        assert!(
            message.contains("data.csv:3: field `intent`: a quote inside an unquoted field"),
            "{message}"
        );
        // The quote's own line, inside a record that spans lines.
        let message = error_of(b"text,intent\n\"one\ntwo\"x,other\n");
        assert!(message.contains("data.csv:3: field `text`"), "{message}");
        // A stray quote that also splits the row is reported as the quote, not the field count.
        let message = error_of(b"text,intent\nhe said \"no, thanks\",cancel\n");
        assert!(
            message.contains("data.csv:2: field `text`: a quote inside an unquoted field"),
            "{message}"
        );
        let message = error_of(b"\"text\"x,intent\nok,tracking\n");
        assert!(
            message.contains("data.csv:1: field 1 of the header"),
            "{message}"
        );
        let err = read_texts_bytes(b"text\n\"a\"b\n").unwrap_err().to_string();
        assert!(err.contains("in.csv:2: field `text`"), "{err}");
    }

    #[test]
    fn legitimate_quoting_still_loads() {
        let data = load_bytes(
            b"\xEF\xBB\xBFtext,intent\r\n\"she said \"\"cancel\"\" twice\",cancel\r\n\"a, b\r\nc\",other\r\n\"\"\"quoted\"\"\",return\r\n",
        )
        .unwrap();
        let texts: Vec<_> = data.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            ["she said \"cancel\" twice", "a, b\r\nc", "\"quoted\""]
        );
    }

    #[test]
    fn a_required_column_named_twice_is_an_error() {
        let message = error_of(b"text,intent,TEXT \nhi,other,bye\n");
        assert!(
            message.contains(
                "data.csv:1: column `text` appears twice in the header (columns 1 and 3)"
            ),
            "{message}"
        );
        let message = error_of(b"intent,text,intent\nother,hi,cancel\n");
        assert!(
            message.contains("`intent`") && message.contains("columns 1 and 3"),
            "{message}"
        );
        // Repeated columns nobody reads are left alone.
        assert!(load_bytes(b"id,id,text,intent\n1,2,hi,other\n").is_ok());
        let err = read_texts_bytes(b"text,text\na,b\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("column `text` appears twice"), "{err}");
        assert_eq!(
            read_texts_bytes(b"intent,intent,text\na,b,hi\n").unwrap(),
            ["hi"]
        );
    }

    #[test]
    fn empty_and_utf16_files_say_what_they_look_like() {
        let empty = "the file is empty (0 bytes); expected a header line such as `text,intent`";
        assert!(error_of(b"").contains(empty), "{}", error_of(b""));
        let message = read_texts_bytes(b"").unwrap_err().to_string();
        assert!(message.contains("the file is empty (0 bytes)"), "{message}");
        let utf16 = "looks like UTF-16 (NUL bytes every other byte); save it as UTF-8";
        let le = b"t\0e\0x\0t\0,\0i\0n\0t\0e\0n\0t\0\n\0h\0i\0,\0o\0t\0h\0e\0r\0\n\0";
        assert!(error_of(le).contains(utf16), "{}", error_of(le));
        let message = read_texts_bytes(le).unwrap_err().to_string();
        assert!(message.contains(utf16), "{message}");
        let mut with_bom = b"\xFF\xFE".to_vec();
        with_bom.extend_from_slice(le);
        let message = error_of(&with_bom);
        assert!(
            message.contains("looks like UTF-16") && message.contains("save it as UTF-8"),
            "{message}"
        );
    }

    /// The same errors on line 5 of a file saved with LF, CRLF and BOM + CRLF line ends.
    #[test]
    fn line_numbers_are_the_same_for_lf_crlf_and_bom_crlf() {
        let bodies: [(&[u8], &str); 5] = [
            (b"  ,cancel", "field `text` is empty"),
            (b"refund pls,refund", "field `intent`"),
            (b"a,b,c", "expected 2 fields"),
            (b"bad \xff,cancel", "UTF-8"),
            (b"\"stray\"x,cancel", "text after the closing quote"),
        ];
        for (body, expected) in bodies {
            let lf = [
                b"text,intent\nok,tracking\n\"two\nlines\",other\n",
                body,
                b"\n",
            ]
            .concat();
            let crlf: Vec<u8> = lf
                .iter()
                .flat_map(|&b| {
                    if b == b'\n' {
                        vec![b'\r', b'\n']
                    } else {
                        vec![b]
                    }
                })
                .collect();
            let bom_crlf = [UTF8_BOM, &crlf].concat();
            for (name, bytes) in [("LF", &lf), ("CRLF", &crlf), ("BOM+CRLF", &bom_crlf)] {
                let message = error_of(bytes);
                assert!(
                    message.contains("data.csv:5:") && message.contains(expected),
                    "{name}: {message}"
                );
            }
        }
        // A blank line counts as a line too.
        let message = error_of(b"text,intent\r\nok,tracking\r\n\r\n  ,cancel\r\n");
        assert!(message.contains("data.csv:4:"), "{message}");
    }
}
