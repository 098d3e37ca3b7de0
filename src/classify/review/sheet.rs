//! The files of the loop: the review sheet a person labels, and the training CSV it becomes.
//!
//! Files are written to a temporary file beside the destination, synced and renamed over it,
//! so a failed run never leaves half a file; without `overwrite` an existing destination is
//! refused, also when it appears while the file is being written.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use super::{ReviewError, ReviewRow};
use crate::classify::dataset::{for_each_row, read_file, Column, DataError, LabelledMessage};

/// The sheet's columns, in order. `intent` is left empty for the person to fill in.
pub const COLUMNS: [&str; 7] = [
    "text",
    "predicted",
    "confidence",
    "reason",
    "count",
    "ticket",
    "intent",
];

/// The most a spreadsheet cell holds: 32,767 characters in Excel (its "Specifications and
/// limits" page) and in LibreOffice Calc. Excel cuts a longer cell when it opens the sheet, and
/// saving keeps only the cut text, so such a message comes back shortened.
pub const CELL_LIMIT: usize = 32_767;

/// How many of `rows` have a text cell longer than [`CELL_LIMIT`], counted as Excel counts
/// (UTF-16 code units, so an emoji takes two).
pub fn over_cell_limit(rows: &[ReviewRow]) -> usize {
    rows.iter()
        .filter(|row| to_cell(&row.text).encode_utf16().count() > CELL_LIMIT)
        .count()
}

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet shows as text: a leading `'` when the field would start a formula
/// (`=HYPERLINK(…)` in a customer's message must not run). [`from_cell`] takes it off again.
/// A field that already starts the way a guarded cell does (`'=…`, `''…`) gets one too, so
/// every field comes back as it was.
pub fn to_cell(field: &str) -> Cow<'_, str> {
    if field.starts_with(FORMULA_STARTS) || unguarded(field).is_some() {
        Cow::Owned(format!("'{field}"))
    } else {
        Cow::Borrowed(field)
    }
}

/// The field [`to_cell`] protected, as it was.
pub fn from_cell(cell: &str) -> &str {
    unguarded(cell).unwrap_or(cell)
}

/// A guarded cell without its guard: the `'` before a formula's start or before another `'`.
fn unguarded(cell: &str) -> Option<&str> {
    cell.strip_prefix('\'')
        .filter(|rest| rest.starts_with(FORMULA_STARTS) || rest.starts_with('\''))
}

/// A probability with four decimals, never rounded up to 1 when it is not 1.
fn probability_cell(p: f64) -> String {
    let shown = format!("{p:.4}");
    if shown == "1.0000" && p < 1.0 {
        "0.9999".to_owned()
    } else {
        shown
    }
}

/// Writes the sheet: a UTF-8 byte-order mark (so spreadsheets read UTF-8), the header, one
/// line per row.
pub fn write_sheet(rows: &[ReviewRow], out: impl Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(COLUMNS)?;
    for row in rows {
        let ticket = row.ticket.as_deref().unwrap_or_default();
        writer.write_record([
            to_cell(&row.text).as_ref(),
            row.predicted.as_str(),
            &probability_cell(row.confidence),
            row.reason.as_str(),
            &row.count.to_string(),
            to_cell(ticket).as_ref(),
            "",
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes a training CSV `text,intent`.
pub fn write_training(messages: &[LabelledMessage], out: impl Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["text", "intent"])?;
    for message in messages {
        writer.write_record([message.text.as_str(), message.label.as_str()])?;
    }
    writer.flush()?;
    Ok(())
}

/// Checks, before any work, that `path` may be written: its folder exists, and it does not
/// exist unless `overwrite`.
pub fn check_destination(path: &Path, overwrite: bool) -> Result<(), ReviewError> {
    let dir = crate::classify::files::folder_of(path);
    if !dir.is_dir() {
        return Err(ReviewError::NoFolder {
            path: path.to_owned(),
            dir,
        });
    }
    if !overwrite && std::fs::symlink_metadata(path).is_ok() {
        return Err(ReviewError::Exists {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// Writes `path` through a temporary file beside it: `write` fills it, then it is synced and
/// renamed into place. Without `overwrite`, an existing `path` is left alone and refused
/// (atomically: the rename itself refuses).
pub fn write_atomically(
    path: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), ReviewError> {
    check_destination(path, overwrite)?;
    let failed = |source| ReviewError::Write {
        path: path.to_owned(),
        source,
    };
    // A symbolic link is written through, as the model writer does: renamed over, the link
    // would become a plain file and its target (a shared training file) miss the new rows.
    let destination = crate::classify::files::follow_links(path)
        .map_err(failed)?
        .ok_or_else(|| failed(std::io::Error::other("too many levels of symbolic links")))?;
    let mut temporary =
        crate::classify::files::temporary_for(&destination, ".deskbot-").map_err(failed)?;
    write(temporary.as_file_mut()).map_err(failed)?;
    temporary.as_file().sync_all().map_err(failed)?;
    let persisted = if overwrite {
        temporary.persist(destination)
    } else {
        temporary.persist_noclobber(destination)
    };
    match persisted {
        Ok(_) => Ok(()),
        Err(e) if !overwrite && e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(ReviewError::Exists {
                path: path.to_owned(),
            })
        }
        Err(e) => Err(failed(e.error)),
    }
}

/// Appends `messages` to the training CSV at `path`, in its own column order and line ends,
/// through a temporary file: the file as it was, then the new rows. The file must have `text`
/// and `intent` columns.
pub fn append_training(path: &Path, messages: &[LabelledMessage]) -> Result<(), ReviewError> {
    let existing = read_file(path)?;
    // The whole file through the same checks as every data file (encoding, quoting, columns),
    // so nothing is appended to a file that does not read.
    for_each_row(
        path,
        &existing,
        &[Column::required("text"), Column::required("intent")],
        |_, _| Ok::<_, DataError>(()),
    )?;
    let body = existing.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&existing);
    let header: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .next()
        .and_then(Result::ok)
        .map(|record| {
            record
                .iter()
                .map(|f| f.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let position = |column: &'static str| {
        header
            .iter()
            .position(|name| name == column)
            .ok_or_else(|| ReviewError::NotTrainingFile {
                path: path.to_owned(),
                column,
            })
    };
    let (text_at, intent_at) = (position("text")?, position("intent")?);
    let crlf = existing.windows(2).any(|w| w == b"\r\n");
    let mut rows = Vec::new();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(if crlf {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .from_writer(&mut rows);
        let mut record = vec![String::new(); header.len()];
        for message in messages {
            record[text_at] = message.text.clone();
            record[intent_at] = message.label.as_str().to_owned();
            writer
                .write_record(&record)
                .map_err(|e| ReviewError::Write {
                    path: path.to_owned(),
                    source: e.into(),
                })?;
        }
        writer.flush().map_err(|source| ReviewError::Write {
            path: path.to_owned(),
            source,
        })?;
    }
    write_atomically(path, true, |file| {
        file.write_all(&existing)?;
        if !existing.ends_with(b"\n") {
            file.write_all(if crlf { b"\r\n" } else { b"\n" })?;
        }
        file.write_all(&rows)
    })
}

#[cfg(test)]
mod tests {
    use super::super::ReviewReason;
    use super::*;
    use crate::classify::intent::Intent;

    #[test]
    fn texts_a_spreadsheet_cell_cannot_hold_are_counted_as_excel_counts() {
        let row = |text: String| ReviewRow {
            text,
            predicted: Intent::Other.into(),
            confidence: 0.5,
            reason: ReviewReason::LowConfidence,
            count: 1,
            ticket: None,
            uncertainty: 0.5,
        };
        let rows = [
            row("a".repeat(CELL_LIMIT)),
            row("a".repeat(CELL_LIMIT + 1)),
            // 16,384 emoji are 32,768 UTF-16 units.
            row("😀".repeat(16_384)),
            // The formula guard's quote is part of the cell.
            row(format!("={}", "a".repeat(CELL_LIMIT - 1))),
        ];
        assert_eq!(over_cell_limit(&rows), 3);
    }

    #[test]
    fn formulas_are_defused_and_restored() {
        for field in ["=HYPERLINK(\"x\")", "+1", "-", "@sum", "\tx"] {
            let cell = to_cell(field);
            assert_eq!(cell, format!("'{field}"));
            assert_eq!(from_cell(&cell), field);
        }
        assert_eq!(to_cell("where is it"), "where is it");
        assert_eq!(from_cell("'quoted' text"), "'quoted' text");
    }

    #[test]
    fn fields_that_look_guarded_come_back_as_they_were() {
        let fields = [
            "'=x", "''=x", "''", "'''", "'", "'quoted'", "'+1", "'\tx", "it's",
        ];
        for field in fields {
            assert_eq!(from_cell(&to_cell(field)), field, "{field:?}");
        }
        assert_eq!(to_cell("'=x"), "''=x");
        assert_eq!(to_cell("'quoted'"), "'quoted'");
    }

    #[test]
    fn the_sheet_has_the_columns_and_an_empty_intent() {
        let rows = [ReviewRow {
            text: "=cmd, \"quoted\"\nline".to_owned(),
            predicted: Intent::Cancel.into(),
            confidence: 0.999_99,
            reason: ReviewReason::Audit,
            count: 3,
            ticket: Some("4711".to_owned()),
            uncertainty: 0.1,
        }];
        let mut out = Vec::new();
        write_sheet(&rows, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "\u{feff}text,predicted,confidence,reason,count,ticket,intent\r\n\"'=cmd, \"\"quoted\"\"\nline\",cancel,0.9999,audit,3,4711,\r\n"
        );
    }

    #[test]
    fn an_existing_file_is_refused_unless_overwriting_and_a_failure_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sheet.csv");
        write_atomically(&path, false, |f| f.write_all(b"one")).unwrap();
        let err = write_atomically(&path, false, |f| f.write_all(b"two")).unwrap_err();
        assert!(matches!(err, ReviewError::Exists { .. }), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_atomically(&path, true, |f| f.write_all(b"three")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        let err =
            write_atomically(&path, true, |_| Err(std::io::Error::other("disk full"))).unwrap_err();
        assert!(matches!(err, ReviewError::Write { .. }), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        let err = check_destination(&dir.path().join("no/such/sheet.csv"), false).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn written_files_get_the_usual_permissions_and_replaced_ones_keep_theirs() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let reference = dir.path().join("reference");
        std::fs::File::create(&reference).unwrap();
        let sheet = dir.path().join("sheet.csv");
        write_atomically(&sheet, false, |f| f.write_all(b"text\n")).unwrap();
        assert_eq!(mode(&sheet), mode(&reference), "as File::create makes it");
        let train = dir.path().join("train.csv");
        std::fs::write(&train, b"text,intent\nstop it,cancel\n").unwrap();
        std::fs::set_permissions(&train, std::fs::Permissions::from_mode(0o664)).unwrap();
        let new = [LabelledMessage {
            text: "where is it".to_owned(),
            label: Intent::Tracking.into(),
        }];
        append_training(&train, &new).unwrap();
        assert_eq!(mode(&train), 0o664);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("shared")).unwrap();
        let target = dir.path().join("shared/train.csv");
        std::fs::write(&target, b"text,intent\nstop it,cancel\n").unwrap();
        let link = dir.path().join("train.csv");
        std::os::unix::fs::symlink("shared/train.csv", &link).unwrap();
        let new = [LabelledMessage {
            text: "where is it".to_owned(),
            label: Intent::Tracking.into(),
        }];
        append_training(&link, &new).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read(&target).unwrap(),
            b"text,intent\nstop it,cancel\nwhere is it,tracking\n"
        );
        write_atomically(&link, true, |f| f.write_all(b"forced")).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"forced");
        let leftovers = std::fs::read_dir(dir.path().join("shared"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn appending_keeps_the_file_its_column_order_and_line_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("train.csv");
        std::fs::write(&path, b"\xEF\xBB\xBFid,intent,text\r\n1,cancel,stop it").unwrap();
        let new = [LabelledMessage {
            text: "where, oh where".to_owned(),
            label: Intent::Tracking.into(),
        }];
        append_training(&path, &new).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"\xEF\xBB\xBFid,intent,text\r\n1,cancel,stop it\r\n,tracking,\"where, oh where\"\r\n"
        );
        let loaded = crate::classify::dataset::Dataset::load(&path).unwrap();
        assert_eq!(loaded.messages.len(), 2);

        std::fs::write(&path, b"words,label\nhi,other\n").unwrap();
        let err = append_training(&path, &new).unwrap_err();
        assert!(err.to_string().contains("missing column `text`"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"words,label\nhi,other\n");
    }
}
