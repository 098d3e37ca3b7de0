//! Loading labelled files: quoting, encodings, headers, line numbers, duplicates and conflicts.

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
    let plain = load_bytes(b"text,intent\n\"where, is it\",tracking\ncancel it,cancel\n").unwrap();
    let excel =
        load_bytes(b"\xEF\xBB\xBFtext,intent\r\n\"where, is it\",tracking\r\ncancel it,cancel\r\n")
            .unwrap();
    assert_eq!(plain.messages, excel.messages);
    assert_eq!(plain.messages[0].text, "where, is it");
    assert_eq!(
        plain.rows_per_label().into_values().collect::<Vec<_>>(),
        [1, 0, 0, 1, 0]
    );
}

#[test]
fn columns_may_come_in_any_order_with_extras() {
    let data = load_bytes(b"id,intent,text\n7,return,send it back\n").unwrap();
    assert_eq!(data.messages[0].label.intent(), Intent::Return);
}

#[test]
fn missing_header_is_reported_with_what_was_found() {
    let err = load_bytes(b"where is my order,tracking\n").unwrap_err();
    let message = err.to_string();
    assert!(matches!(
        err,
        DataError::MissingColumn { ref column, .. } if column == "text"
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
    let err = load_bytes(b"text,intent\nok,tracking\nrefund pls,retrun\n").unwrap_err();
    assert!(
        err.to_string().contains("data.csv:3: field `intent`"),
        "{err}"
    );
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(cause.contains("\"retrun\""), "{cause}");
}

#[test]
fn broken_quoting_and_wrong_field_counts_are_errors_with_lines() {
    let err =
        load_bytes(b"text,intent\nfine,tracking\n\"unclosed,cancel\nmore,return\n").unwrap_err();
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
    let err =
        load_bytes(b"text,intent\nCancel it,cancel\nhi,other\ncancel   IT,return\n").unwrap_err();
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

#[test]
fn read_messages_in_reads_named_columns_and_requires_a_named_id() {
    let dir = tempfile::tempdir().unwrap();
    let export = write(
        dir.path(),
        "export.csv",
        b"Ticket ID,Body,text,id\n41,where is it,ignored,x\n42,cancel it,ignored,y\n",
    );
    let messages = read_messages_in(&export, "body", Some("ticket id")).unwrap();
    let read: Vec<(&str, Option<&str>)> = messages
        .iter()
        .map(|m| (m.text.as_str(), m.id.as_deref()))
        .collect();
    assert_eq!(
        read,
        [("where is it", Some("41")), ("cancel it", Some("42"))]
    );

    let error = read_messages_in(&export, "body", Some("number"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("export.csv:1") && error.contains("`number`"),
        "{error}"
    );
    let error = read_messages_in(&export, "message", None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("`message`"), "{error}");
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
        message.contains("data.csv:1: column `text` appears twice in the header (columns 1 and 3)"),
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
fn line_numbers_are_the_same_for_lf_crlf_bom_crlf_and_cr() {
    let bodies: [(&[u8], &str); 5] = [
        (b"  ,cancel", "field `text` is empty"),
        (b"refund pls,retrun", "field `intent`"),
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
        // Excel for Mac's "CSV (Macintosh)" ends lines with `\r` alone.
        let cr: Vec<u8> = lf
            .iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect();
        for (name, bytes) in [
            ("LF", &lf),
            ("CRLF", &crlf),
            ("BOM+CRLF", &bom_crlf),
            ("CR", &cr),
        ] {
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

/// Writes each `(name, bytes)` into a fresh directory and loads them all, in order.
fn load_files(
    files: &[(&str, &[u8])],
    options: &DatasetOptions,
) -> (tempfile::TempDir, Result<Dataset, DataError>) {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, bytes)| write(dir.path(), name, bytes))
        .collect();
    let loaded = Dataset::load_many(&paths, options);
    (dir, loaded)
}

#[test]
fn several_files_are_one_set_and_errors_name_the_file_they_are_in() {
    let (_dir, data) = load_files(
        &[
            ("a.csv", b"text,intent\nwhere is it,tracking\n"),
            (
                "b.csv",
                b"text,intent\ncancel it,cancel\nWhere is  it,tracking\n",
            ),
        ],
        &DatasetOptions::default(),
    );
    let data = data.unwrap();
    let texts: Vec<_> = data.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["where is it", "cancel it"]);
    assert_eq!((data.rows_read, data.duplicates_dropped), (3, 1));
    assert_eq!(data.files.len(), 2);

    let (_dir, err) = load_files(
        &[
            ("a.csv", b"text,intent\nwhere is it,tracking\nok,other\n"),
            ("b.csv", b"text,intent\ncancel it,cancel\n\nhm,Refund!\n"),
        ],
        &DatasetOptions::default(),
    );
    let message = err.unwrap_err().to_string();
    assert!(message.contains("b.csv:4: field `intent`"), "{message}");
}

#[test]
fn fingerprint_covers_every_file_and_only_non_default_options() {
    let files: [(&str, &[u8]); 2] = [
        ("a.csv", b"text,intent\nwhere is it,tracking\n"),
        ("b.csv", b"text,intent\ncancel it,cancel\n"),
    ];
    let (_dir, both) = load_files(&files, &DatasetOptions::default());
    let (_dir, first) = load_files(&files[..1], &DatasetOptions::default());
    let (_dir, skipping) = load_files(&files, &DatasetOptions::default().unmapped(Unmapped::Skip));
    let (both, first, skipping) = (both.unwrap(), first.unwrap(), skipping.unwrap());
    assert_ne!(both.sha256, first.sha256);
    assert_ne!(both.sha256, skipping.sha256);
    // One file through load_many is the same as Dataset::load.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.csv", files[0].1);
    assert_eq!(Dataset::load(&path).unwrap().sha256, first.sha256);
}

#[test]
fn other_column_names_are_read_and_named_in_errors() {
    let options = DatasetOptions::default()
        .text_column("Body")
        .intent_column("tags");
    let (_dir, data) = load_files(
        &[("desk.csv", b"id,body,tags\n1,where is it,tracking\n")],
        &options,
    );
    assert_eq!(data.unwrap().messages[0].label.intent(), Intent::Tracking);
    let (_dir, err) = load_files(
        &[("desk.csv", b"id,body,tags\n1,where is it,WISMO\n")],
        &options,
    );
    let message = err.unwrap_err().to_string();
    assert!(message.contains("desk.csv:2: field `tags`"), "{message}");
    let (_dir, err) = load_files(&[("desk.csv", b"id,body,tags\n1, ,tracking\n")], &options);
    let message = err.unwrap_err().to_string();
    assert!(
        message.contains("desk.csv:2: field `Body` is empty"),
        "{message}"
    );
    let (_dir, err) = load_files(&[("plain.csv", b"text,intent\nhi,other\n")], &options);
    let message = err.unwrap_err().to_string();
    assert!(
        message.contains("plain.csv:1: missing column `Body`")
            && message.contains("e.g. `Body,tags`"),
        "{message}"
    );
    let same = DatasetOptions::default().intent_column("TEXT");
    let (_dir, err) = load_files(&[("plain.csv", b"text,intent\nhi,other\n")], &same);
    assert!(matches!(err, Err(DataError::Columns { .. })));
}

#[test]
fn label_map_and_unmapped_rules_translate_count_or_stop() {
    let dir = tempfile::tempdir().unwrap();
    let map_path = write(
        dir.path(),
        "map.csv",
        b"from,to\nWISMO,tracking\nrefund,return\n",
    );
    let map = LabelMap::load(&map_path).unwrap();
    let desk: &[u8] =
        b"body,tag\nwhere is it,wismo\nmoney back,Refund\nnew card please,billing\ncancel pls,cancel\n";
    let base = DatasetOptions::default()
        .text_column("body")
        .intent_column("tag")
        .label_map(map);

    let (_dir, err) = load_files(&[("desk.csv", desk)], &base);
    let message = err.unwrap_err().to_string();
    assert!(
        message.contains("desk.csv:4: field `tag`: label \"billing\" is neither in the label map")
            && message.contains("map.csv"),
        "{message}"
    );

    let (_dir, data) = load_files(
        &[("desk.csv", desk)],
        &base.clone().unmapped(Unmapped::Other),
    );
    let data = data.unwrap();
    let intents: Vec<_> = data.messages.iter().map(|m| m.label.intent()).collect();
    assert_eq!(
        intents,
        [
            Intent::Tracking,
            Intent::Return,
            Intent::Other,
            Intent::Cancel
        ]
    );
    assert_eq!(
        data.labels,
        LabelStats {
            mapped: 2,
            unmapped_as_other: 1,
            unmapped_skipped: 0
        }
    );

    let (_dir, data) = load_files(
        &[("desk.csv", desk)],
        &base.clone().unmapped(Unmapped::Skip),
    );
    let data = data.unwrap();
    assert_eq!(data.messages.len(), 3);
    assert_eq!(data.labels.unmapped_skipped, 1);

    let (_dir, err) = load_files(
        &[("desk.csv", b"body,tag\nnew card,billing\n")],
        &base.unmapped(Unmapped::Skip),
    );
    let message = err.unwrap_err().to_string();
    assert!(
        message.contains("no data rows (all 1 were skipped"),
        "{message}"
    );
}

/// Two conflicting texts in one file and four in another: four named, with every label, the
/// rows that give it and the first place.
const CONFLICTS_A: &[u8] = b"text,intent\nCancel it,cancel\nwhere is it,tracking\ncancel  it,return\ncancel it,cancel\nbye,other\n";
const CONFLICTS_B: &[u8] = b"text,intent\nWhere is it,missing_item\nbye,cancel\nx1,tracking\nx1,other\nx2,return\nx2,cancel\nhello,other\nx3,cancel\nx3,other\nx3,other\n";

#[test]
fn conflicts_are_counted_and_the_first_few_shown_with_every_label() {
    let (_dir, err) = load_files(
        &[("a.csv", CONFLICTS_A), ("b.csv", CONFLICTS_B)],
        &DatasetOptions::default(),
    );
    let err = err.unwrap_err();
    let DataError::ConflictingLabels { count, first } = &err else {
        panic!("{err}");
    };
    assert_eq!(*count, 6);
    assert_eq!(first.len(), 5);
    assert_eq!(first[0].text, "Cancel it");
    assert_eq!(
        first[0]
            .labels
            .iter()
            .map(|l| (l.label.intent(), l.rows))
            .collect::<Vec<_>>(),
        [(Intent::Cancel, 2), (Intent::Return, 1)]
    );
    assert!(first[0].labels[0].first.to_string().ends_with("a.csv:2"));
    assert!(first[0].labels[1].first.to_string().ends_with("a.csv:4"));
    let message = err.to_string();
    assert!(
        message
            .starts_with("6 texts are labelled differently in different rows (the first 5 shown):"),
        "{message}"
    );
    assert!(
        message.contains("\"Cancel it\": `cancel` at ")
            && message.contains("a.csv:2 (2 rows), `return` at ")
            && message.contains("\"where is it\": `tracking` at ")
            && message.contains("b.csv:2"),
        "{message}"
    );
    // The sixth (x3) is counted, not shown.
    assert!(!message.contains("\"x3\""), "{message}");
}

#[test]
fn conflicts_can_be_skipped_or_settled_by_majority() {
    let files: [(&str, &[u8]); 2] = [("a.csv", CONFLICTS_A), ("b.csv", CONFLICTS_B)];
    let (_dir, skipped) = load_files(
        &files,
        &DatasetOptions::default().on_conflict(OnConflict::Skip),
    );
    let skipped = skipped.unwrap();
    let texts: Vec<_> = skipped.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["hello"]);
    assert_eq!(
        skipped.conflicts,
        ConflictStats {
            texts: 6,
            resolved: 0,
            rows_dropped: 14
        }
    );
    assert_eq!((skipped.rows_read, skipped.duplicates_dropped), (15, 0));

    let (_dir, majority) = load_files(
        &files,
        &DatasetOptions::default().on_conflict(OnConflict::Majority),
    );
    let majority = majority.unwrap();
    let kept: Vec<_> = majority
        .messages
        .iter()
        .map(|m| (m.text.as_str(), m.label.intent()))
        .collect();
    // "Cancel it" 2:1 and x3 2:1 have a majority; the others are ties and are left out.
    assert_eq!(
        kept,
        [
            ("Cancel it", Intent::Cancel),
            ("hello", Intent::Other),
            ("x3", Intent::Other)
        ]
    );
    assert_eq!(
        majority.conflicts,
        ConflictStats {
            texts: 6,
            resolved: 2,
            rows_dropped: 10
        }
    );
    assert_eq!(majority.duplicates_dropped, 2);
    // Every row is accounted for.
    assert_eq!(
        majority.rows_read,
        majority.messages.len() + majority.duplicates_dropped + majority.conflicts.rows_dropped
    );
}
