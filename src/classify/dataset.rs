//! Labelled message files (`text,intent` CSV): loading, validation and fingerprinting.
//!
//! Every problem names the file and line it was found on, and nothing is returned until every
//! file has been read, so a caller never writes a model from half the data. [`DatasetOptions`]
//! reads other layouts too: other column names, a [`LabelMap`] from a help desk's tags to
//! intents, and a rule for a text that appears under two labels ([`OnConflict`]).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[cfg(feature = "clean")]
use crate::classify::clean::clean_message;
use crate::classify::intent::Intent;
use crate::classify::label::{Label, MAX_LABELS};

mod conflicts;
mod labels;
mod raw_csv;

pub(crate) use conflicts::Tracker as ConflictsTracker;
pub use conflicts::{Conflict, ConflictStats, LabelUse, OnConflict};
pub use labels::{LabelMap, LabelRules, LabelStats, Unmapped};
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
    /// No file was named at all.
    #[error("no data files given")]
    NoFiles,
    /// The settings name no usable columns.
    #[error("the text column and the label column must be two different, non-empty names (got `{text}` and `{intent}`)")]
    Columns {
        /// The text column as given.
        text: String,
        /// The label column as given.
        intent: String,
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
    /// The header names a column that is read twice, so which one holds the data is unclear.
    #[error("{}:1: column `{column}` appears twice in the header (columns {first} and {second}); keep one", path.display())]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated column.
        column: String,
        /// 1-based position of its first occurrence.
        first: usize,
        /// 1-based position of its second occurrence.
        second: usize,
    },
    /// The header lacks a required column.
    #[error("{}:1: missing column `{column}` in the header (found: {found}); the first line must name the columns, e.g. `{expected_header}`", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column that is missing.
        column: String,
        /// The header as read.
        found: String,
        /// The columns the file needs, as a header line.
        expected_header: String,
    },
    /// A required field is empty or whitespace.
    #[error("{location}: field `{field}` is empty")]
    EmptyField {
        /// Where.
        location: Location,
        /// The column.
        field: String,
    },
    /// A field holds something it cannot (a count that is no number, a JSON string that is
    /// a number, …).
    #[error("{location}: field `{field}`: {problem}")]
    InvalidField {
        /// Where.
        location: Location,
        /// The column or JSON field.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// A row's label is neither an intent nor a possible label of the shop's own (a typo of
    /// an intent, say), and no label map is in use.
    #[error("{location}: field `{field}`")]
    UnknownLabel {
        /// Where.
        location: Location,
        /// The column.
        field: String,
        /// What is wrong with the label.
        source: crate::classify::label::LabelError,
    },
    /// A row's label is neither in the label map nor an intent, and unmapped labels are errors.
    #[error("{location}: field `{field}`: label {label:?} is neither in the label map {} nor an intent (tracking, return, missing_item, cancel, other); add it to the map, or count unmapped labels as `other` or skip them", map.display())]
    UnmappedLabel {
        /// Where.
        location: Location,
        /// The column.
        field: String,
        /// The label as written.
        label: String,
        /// The label map's file.
        map: PathBuf,
    },
    /// A label map names one label twice, with different intents.
    #[error("{location}: label {label:?} is mapped to `{second}` here but to `{first}` on line {first_line}")]
    DuplicateMapping {
        /// The second mapping.
        location: Location,
        /// The label.
        label: String,
        /// The line of the first mapping.
        first_line: u64,
        /// The first mapping's label.
        first: Label,
        /// The second mapping's label.
        second: Label,
    },
    /// More distinct labels than a model may have: almost always the wrong column.
    #[error("{}: {count} distinct labels, more than the {MAX_LABELS} a model may have (the five intents and {} of your own); is `{field}` the label column? The rarest: {}", join_paths(paths), MAX_LABELS - Intent::COUNT, rarest.iter().map(|(label, rows)| format!("`{label}` ({rows} rows)")).collect::<Vec<_>>().join(", "))]
    TooManyLabels {
        /// The files or directories read.
        paths: Vec<PathBuf>,
        /// The label column.
        field: String,
        /// Distinct labels found.
        count: usize,
        /// The labels with the fewest rows, fewest first.
        rarest: Vec<(Label, usize)>,
    },
    /// Texts appear under different labels (compared ignoring case and spacing).
    #[error("{}", conflicts::describe(*count, first))]
    ConflictingLabels {
        /// How many texts have more than one label.
        count: usize,
        /// The first few of them, in file order.
        first: Vec<Conflict>,
    },
    /// The files hold no data row (or every row was skipped).
    #[error("{}: no data rows{}", join_paths(paths), if *skipped > 0 { format!(" (all {skipped} were skipped: their labels are not mapped to an intent)") } else { String::new() })]
    NoRows {
        /// The files or directories read.
        paths: Vec<PathBuf>,
        /// Rows skipped for an unmapped label.
        skipped: usize,
    },
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per label of `messages`: every built-in intent (zero when absent), then the shop's own
/// labels found, in model column order.
pub fn rows_per_label(messages: &[LabelledMessage]) -> BTreeMap<Label, usize> {
    let mut counts: BTreeMap<Label, usize> =
        Intent::ALL.into_iter().map(|i| (i.into(), 0)).collect();
    for message in messages {
        *counts.entry(message.label).or_default() += 1;
    }
    counts
}

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledMessage {
    /// The message as written.
    pub text: String,
    /// Its label.
    pub label: Label,
}

/// How labelled files are read. The defaults read `text,intent` files as they always were:
/// labels must be intents, and a text under two labels is an error.
#[derive(Debug, Clone)]
pub struct DatasetOptions {
    text_column: String,
    intent_column: String,
    labels: LabelRules,
    on_conflict: OnConflict,
}

impl Default for DatasetOptions {
    fn default() -> Self {
        DatasetOptions {
            text_column: "text".to_owned(),
            intent_column: "intent".to_owned(),
            labels: LabelRules::default(),
            on_conflict: OnConflict::Error,
        }
    }
}

impl DatasetOptions {
    /// The column holding the message (matched ignoring case and surrounding spaces).
    /// Default: `text`.
    pub fn text_column(mut self, name: impl Into<String>) -> Self {
        self.text_column = name.into();
        self
    }

    /// The column holding the label. Default: `intent`.
    pub fn intent_column(mut self, name: impl Into<String>) -> Self {
        self.intent_column = name.into();
        self
    }

    /// Labels to translate before they are read as intents (a help desk's tags, say).
    /// Default: none, labels must be intents.
    pub fn label_map(mut self, map: LabelMap) -> Self {
        self.labels.map = Some(map);
        self
    }

    /// What a label that is neither mapped nor an intent means. Default: [`Unmapped::Error`].
    pub fn unmapped(mut self, rule: Unmapped) -> Self {
        self.labels.unmapped = rule;
        self
    }

    /// What to do with a text that appears under several labels. Default:
    /// [`OnConflict::Error`].
    pub fn on_conflict(mut self, rule: OnConflict) -> Self {
        self.on_conflict = rule;
        self
    }

    /// The rules that turn labels into intents.
    pub fn labels(&self) -> &LabelRules {
        &self.labels
    }

    /// Checks the settings: two different, non-empty column names.
    pub fn check(&self) -> Result<(), DataError> {
        let (text, intent) = (self.text_column.trim(), self.intent_column.trim());
        if text.is_empty() || intent.is_empty() || text.eq_ignore_ascii_case(intent) {
            return Err(DataError::Columns {
                text: self.text_column.clone(),
                intent: self.intent_column.clone(),
            });
        }
        Ok(())
    }

    fn is_default(&self) -> bool {
        self.text_column == "text"
            && self.intent_column == "intent"
            && self.labels.map.is_none()
            && self.labels.unmapped == Unmapped::Error
            && self.on_conflict == OnConflict::Error
    }

    /// Adds what changes the data read beyond the files' bytes, so that the fingerprint of a
    /// set read through a label map differs from the same files read plainly. Nothing is added
    /// for the defaults: those fingerprints stay what they always were.
    fn fingerprint_into(&self, hasher: &mut Sha256) {
        if self.is_default() {
            return;
        }
        hasher.update(b"\0deskbot dataset options\0");
        for part in [
            self.text_column.as_str(),
            self.intent_column.as_str(),
            self.labels.unmapped.as_str(),
            self.on_conflict.as_str(),
        ] {
            hasher.update(part.as_bytes());
            hasher.update(b"\0");
        }
        if let Some(map) = &self.labels.map {
            hasher.update(map.sha256());
        }
    }
}

/// A set of labelled messages read from one or more files or directories of files.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Unique messages, in file order.
    pub messages: Vec<LabelledMessage>,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// Data rows read, before anything was dropped.
    pub rows_read: usize,
    /// Rows dropped because the same text (ignoring case and spacing) appeared earlier with the
    /// same label.
    pub duplicates_dropped: usize,
    /// Labels translated by the label map, read as `other`, or skipped.
    pub labels: LabelStats,
    /// Texts found under more than one label, and what resolving them dropped.
    pub conflicts: ConflictStats,
    /// SHA-256 over the bytes of every file, in order (and over the label map and the options
    /// when they are not the defaults).
    pub sha256: String,
}

impl Dataset {
    /// Reads `path`: a CSV file, or every `*.csv` directly inside a directory, in name order
    /// (subdirectories such as `holdout/` are not read).
    pub fn load(path: &Path) -> Result<Self, DataError> {
        Self::load_many(&[path], &DatasetOptions::default())
    }

    /// Reads every path in turn, as [`Dataset::load`] reads one, into one set, with `options`.
    ///
    /// Duplicates and conflicting labels are found across all files; errors name the file and
    /// line they come from.
    pub fn load_many<P: AsRef<Path>>(
        paths: &[P],
        options: &DatasetOptions,
    ) -> Result<Self, DataError> {
        options.check()?;
        if paths.is_empty() {
            return Err(DataError::NoFiles);
        }
        let mut files = Vec::new();
        for path in paths {
            files.extend(csv_files(path.as_ref())?);
        }
        let mut hasher = Sha256::new();
        let mut messages = Vec::new();
        let mut tracker = conflicts::Tracker::default();
        let mut labels = LabelStats::default();
        let mut rows_read = 0;
        let columns = [
            Column::required(&options.text_column),
            Column::required(&options.intent_column),
        ];
        for (file_index, file) in files.iter().enumerate() {
            let bytes = read_file(file)?;
            hasher.update(&bytes);
            for_each_row(file, &bytes, &columns, |location, fields| {
                rows_read += 1;
                let text = fields[0].unwrap_or_default();
                if text.trim().is_empty() {
                    return Err(DataError::EmptyField {
                        location,
                        field: options.text_column.trim().to_owned(),
                    });
                }
                let label = fields[1].unwrap_or_default();
                let field = options.intent_column.trim();
                if let Some(label) = options
                    .labels
                    .resolve(label, &location, field, &mut labels)?
                {
                    tracker.add(text, label, file_index, location.line, &mut messages);
                }
                Ok(())
            })?;
        }
        options.fingerprint_into(&mut hasher);
        let (duplicates_dropped, conflicts) =
            tracker.resolve(options.on_conflict, &files, &mut messages)?;
        if messages.is_empty() {
            return Err(DataError::NoRows {
                paths: paths.iter().map(|p| p.as_ref().to_owned()).collect(),
                skipped: labels.unmapped_skipped,
            });
        }
        let dataset_paths = || paths.iter().map(|p| p.as_ref().to_owned()).collect();
        // The model's columns: the five intents, found or not, and every label of the shop's.
        let columns = rows_per_label(&messages);
        if columns.len() > MAX_LABELS {
            let mut rarest: Vec<(Label, usize)> =
                columns.into_iter().filter(|&(_, rows)| rows > 0).collect();
            rarest.sort_by_key(|&(label, rows)| (rows, label));
            return Err(DataError::TooManyLabels {
                paths: dataset_paths(),
                field: options.intent_column.trim().to_owned(),
                count: rarest.len(),
                rarest: rarest.into_iter().take(5).collect(),
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
            rows_read,
            duplicates_dropped,
            labels,
            conflicts,
            sha256,
        })
    }

    /// Rows per label: every built-in intent (zero when absent), then the shop's own labels
    /// found, in model column order.
    pub fn rows_per_label(&self) -> BTreeMap<Label, usize> {
        rows_per_label(&self.messages)
    }

    /// Replaces each text with what the classifier sees at run time: HTML rendered as text,
    /// quoted replies, forwarded mail and signatures dropped ([`clean_message`]). Training and
    /// evaluating on cleaned text keeps both on the service's input. Returns how many texts
    /// changed. Duplicates and conflicts were found on the texts as written.
    #[cfg(feature = "clean")]
    pub fn clean_messages(&mut self) -> usize {
        let mut changed = 0;
        for message in &mut self.messages {
            let cleaned = clean_message(&message.text);
            if cleaned.changed() {
                message.text = cleaned.text;
                changed += 1;
            }
        }
        changed
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
    read_messages_in(path, "text", None)
}

/// [`read_messages`] with the message in `text_column`, and the id in `id_column` (which the
/// header must then have) instead of an optional `id`: a help desk's export as it is.
pub fn read_messages_in(
    path: &Path,
    text_column: &str,
    id_column: Option<&str>,
) -> Result<Vec<InputMessage>, DataError> {
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
    let columns = [
        Column::required(text_column),
        id_column.map_or(Column::optional("id"), Column::required),
    ];
    for_each_row(path, &bytes, &columns, |_, fields| {
        messages.push(InputMessage {
            id: fields[1].map(str::to_owned),
            row: messages.len() + 1,
            text: fields[0].unwrap_or_default().to_owned(),
        });
        Ok::<_, DataError>(())
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

/// A column [`for_each_row`] reads.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// Its name in the header (compared ignoring case and surrounding spaces).
    pub name: &'a str,
    /// Whether a header without it is an error; an optional column that is absent reads as
    /// `None` on every row.
    pub required: bool,
}

impl<'a> Column<'a> {
    /// A column the header must have.
    pub fn required(name: &'a str) -> Self {
        Column {
            name: name.trim(),
            required: true,
        }
    }

    /// A column read when the header has it.
    pub fn optional(name: &'a str) -> Self {
        Column {
            name: name.trim(),
            required: false,
        }
    }
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Parses `bytes` as CSV with a header naming each required column once, calling `row` with
/// each row's location and the fields of `columns`, in order (`None` for an optional column the
/// header lacks). A UTF-8 BOM and CRLF line ends are accepted, since spreadsheet exports produce
/// both; empty and UTF-16 files, stray quotes and invalid UTF-8 are errors.
pub fn for_each_row<E: From<DataError>>(
    path: &Path,
    bytes: &[u8],
    columns: &[Column<'_>],
    mut row: impl FnMut(Location, &[Option<&str>]) -> Result<(), E>,
) -> Result<(), E> {
    let expected_header = || {
        columns
            .iter()
            .filter(|c| c.required)
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(",")
    };
    match raw_csv::sniff(bytes, UTF8_BOM) {
        Some(raw_csv::NotText::Empty) => {
            return Err(DataError::Empty {
                path: path.to_owned(),
                size: bytes.len(),
                expected_header: expected_header(),
            }
            .into())
        }
        Some(raw_csv::NotText::Utf16 { bom }) => {
            return Err(DataError::Utf16 {
                path: path.to_owned(),
                bom,
            }
            .into())
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
    let mut indices = Vec::with_capacity(columns.len());
    for column in columns {
        let mut positions = header
            .iter()
            .enumerate()
            .filter(|(_, name)| name.trim().eq_ignore_ascii_case(column.name))
            .map(|(index, _)| index);
        match (positions.next(), positions.next()) {
            (Some(index), None) => indices.push(Some(index)),
            (Some(first), Some(second)) => {
                return Err(DataError::DuplicateColumn {
                    path: path.to_owned(),
                    column: column.name.to_owned(),
                    first: first + 1,
                    second: second + 1,
                }
                .into())
            }
            (None, _) if !column.required => indices.push(None),
            (None, _) => {
                return Err(DataError::MissingColumn {
                    path: path.to_owned(),
                    column: column.name.to_owned(),
                    found: header.iter().collect::<Vec<_>>().join(","),
                    expected_header: expected_header(),
                }
                .into())
            }
        }
    }
    let mut record = csv::StringRecord::new();
    while let Some(line) = records.next(&mut record, Some(&header))? {
        let fields: Vec<Option<&str>> = indices
            .iter()
            .map(|index| index.map(|i| record.get(i).unwrap_or("")))
            .collect();
        row(
            Location {
                path: path.to_owned(),
                line,
            },
            &fields,
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
mod tests;
