//! The learning loop through the binary: decision log or files → `review export` → a person's
//! labels → `review import` → `train` on several sources; and `train`'s layout, label-map and
//! conflict options.

#![cfg(all(feature = "cli", feature = "store"))]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use deskbot::jiff::Timestamp;
use deskbot::store::{DecisionRecord, SqliteStore, Store};

fn deskbot(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deskbot"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("binary runs")
}

/// Runs and expects success, returning stdout.
fn ok(args: &[&str], cwd: &Path) -> String {
    let out = deskbot(args, cwd);
    assert!(
        out.status.success(),
        "deskbot {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs and expects exit code 1, returning stderr.
fn fails(args: &[&str], cwd: &Path) -> String {
    let out = deskbot(args, cwd);
    assert_eq!(
        out.status.code(),
        Some(1),
        "deskbot {args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// One sheet row, by column name.
type Row = BTreeMap<String, String>;

fn read_sheet(path: &Path) -> Vec<Row> {
    let bytes = std::fs::read(path).unwrap();
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "text",
            "predicted",
            "confidence",
            "reason",
            "count",
            "ticket",
            "intent"
        ]
    );
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn write_sheet(path: &Path, rows: &[Row]) {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer
        .write_record([
            "text",
            "predicted",
            "confidence",
            "reason",
            "count",
            "ticket",
            "intent",
        ])
        .unwrap();
    for row in rows {
        writer
            .write_record(
                [
                    "text",
                    "predicted",
                    "confidence",
                    "reason",
                    "count",
                    "ticket",
                    "intent",
                ]
                .map(|c| row[c].as_str()),
            )
            .unwrap();
    }
    writer.flush().unwrap();
}

/// `(text, reason, count)` of each row.
fn shape(rows: &[Row]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| (r["text"].clone(), r["reason"].clone(), r["count"].clone()))
        .collect()
}

/// A small real training set (every eighth bundled message) as `data/train.csv`; its size.
fn training_set(dir: &Path) -> usize {
    let data = common::sample(8);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let rows: Vec<(&str, &str)> = data
        .messages
        .iter()
        .map(|m| (m.text.as_str(), m.label.as_str()))
        .collect();
    common::write_csv(&dir.join("data/train.csv"), &rows);
    rows.len()
}

/// Training rows per intent recorded in a model file.
fn rows_per_intent(model: &Path) -> BTreeMap<String, u64> {
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(model).unwrap()).unwrap();
    model["training"]["rows_per_intent"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

fn record(
    text: &str,
    cleaned: &str,
    intent: &str,
    scores: &[f64],
    decision: &str,
    ticket: &str,
    second: i64,
) -> DecisionRecord {
    let labels = ["tracking", "return", "missing_item", "cancel", "other"];
    let mut others = labels.iter().filter(|l| **l != intent);
    let scores: Vec<(String, f64)> = scores
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let label = if i == 0 {
                intent
            } else {
                others.next().unwrap()
            };
            (label.to_owned(), p)
        })
        .collect();
    DecisionRecord {
        job_id: None,
        source: "zendesk".to_owned(),
        ticket_id: Some(ticket.to_owned()),
        customer_email: Some("ann@example.com".to_owned()),
        text: text.to_owned(),
        cleaned_text: cleaned.to_owned(),
        scores: scores.clone(),
        intent: intent.to_owned(),
        confidence: scores[0].1,
        decision: decision.to_owned(),
        outcome: if decision == "automate" {
            "reply"
        } else {
            "handoff"
        }
        .to_owned(),
        situation: None,
        handoff_reason: None,
        model: "sha256:test".to_owned(),
        timings_ms: vec![],
        delivery: "delivered".to_owned(),
        created_at: Timestamp::from_second(1_760_000_000 + second).unwrap(),
    }
}

/// A decision log as `deskbot serve` would leave it, and the config naming it.
fn decision_log(dir: &Path) {
    let low = [0.5, 0.3, 0.1, 0.05, 0.05];
    let mut records = vec![
        // Three near-duplicates: uncertainty 0.8 × 3 = 2.4.
        record(
            "Where is my order #1001?",
            "Where is my order #1001?",
            "tracking",
            &low,
            "escalate:low_confidence",
            "101",
            1,
        ),
        record(
            "where is my order #1002",
            "where is my order #1002",
            "tracking",
            &low,
            "escalate:low_confidence",
            "102",
            2,
        ),
        // 0.85 × 1.
        record(
            "the parcel says delivered but nothing is here",
            "the parcel says delivered but nothing is here",
            "missing_item",
            &[0.55, 0.4, 0.05],
            "escalate:low_confidence",
            "103",
            3,
        ),
        // 0.97 × 1; the sheet shows the text the model read, not the HTML.
        record(
            "<p>i want my money back or a new one</p>",
            "i want my money back or a new one",
            "return",
            &[0.45, 0.42, 0.13],
            "escalate:ambiguous",
            "104",
            4,
        ),
        record(
            "do you sell gift cards (Ann, Leeds)",
            "do you sell gift cards (Ann, Leeds)",
            "other",
            &[0.9, 0.1],
            "escalate:out_of_scope",
            "105",
            5,
        ),
        record(
            "WHERE IS MY ORDER #1003!!",
            "WHERE IS MY ORDER #1003!!",
            "tracking",
            &low,
            "escalate:low_confidence",
            "106",
            6,
        ),
    ];
    // Signed, so that no bundled training message is the same text.
    let automated = [
        ("please cancel my order (Ann, Leeds)", "cancel"),
        ("where is my parcel (Ann, Leeds)", "tracking"),
        ("I need to return these shoes (Ann, Leeds)", "return"),
        ("cancel it now (Ann, Leeds)", "cancel"),
        ("when will my package arrive (Ann, Leeds)", "tracking"),
        ("how do I send this back (Ann, Leeds)", "return"),
        ("stop my order please (Ann, Leeds)", "cancel"),
        ("has my order shipped yet (Ann, Leeds)", "tracking"),
        ("return label please (Ann, Leeds)", "return"),
        ("I would like to cancel (Ann, Leeds)", "cancel"),
    ];
    for (i, (text, intent)) in automated.iter().enumerate() {
        records.push(record(
            text,
            text,
            intent,
            &[0.97, 0.02, 0.01],
            "automate",
            &format!("2{i:02}"),
            10 + i as i64,
        ));
    }
    let path = dir.join("deskbot.db");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = SqliteStore::open(&path).await.unwrap();
            for record in &records {
                store.record_decision(record).await.unwrap();
            }
            store.close().await;
        });
    std::fs::write(
        dir.join("deskbot.toml"),
        "[store]\nkind = \"sqlite\"\npath = \"deskbot.db\"\n",
    )
    .unwrap();
}

#[test]
fn the_loop_runs_from_the_decision_log_to_a_new_model() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let base = training_set(dir);
    decision_log(dir);

    let summary = ok(
        &[
            "review",
            "export",
            "--config",
            "deskbot.toml",
            "--audit",
            "3",
            "--seed",
            "7",
            "--out",
            "sheet.csv",
        ],
        dir,
    );
    assert!(
        summary.contains("read 16 messages (16 from the decision log"),
        "{summary}"
    );
    assert!(
        summary
            .contains("escalated: 4 low confidence, 1 ambiguous, 1 out of scope (1 sampled, seed 7); 0 for other reasons (not picked)"),
        "{summary}"
    );
    assert!(
        summary.contains("automated: 10, of which 3 sampled for the audit (seed 7)"),
        "{summary}"
    );
    let mut rows = read_sheet(&dir.join("sheet.csv"));
    let picked = shape(&rows[..3]);
    assert_eq!(
        picked,
        [
            (
                "Where is my order #1001?".into(),
                "low_confidence".into(),
                "3".into()
            ),
            (
                "i want my money back or a new one".into(),
                "ambiguous".into(),
                "1".into()
            ),
            (
                "the parcel says delivered but nothing is here".into(),
                "low_confidence".into(),
                "1".into()
            ),
        ]
    );
    assert_eq!(rows[0]["ticket"], "101");
    assert_eq!(rows[0]["confidence"], "0.5000");
    assert_eq!(rows.len(), 7);
    assert_eq!(
        shape(&rows[3..4]),
        [(
            "do you sell gift cards (Ann, Leeds)".into(),
            "out_of_scope".into(),
            "1".into()
        )]
    );
    assert!(rows[4..]
        .iter()
        .all(|r| r["reason"] == "audit" && r["count"] == "1"));
    assert!(rows.iter().all(|r| r["intent"].is_empty()));

    // The person's labels: the escalations as they are meant, the missing-item one left for
    // later, the out-of-scope one rightly `other`, two audit answers right and one wrong.
    rows[0].insert("intent".into(), "tracking".into());
    rows[1].insert("intent".into(), "return".into());
    rows[3].insert("intent".into(), "other".into());
    for row in &mut rows[4..6] {
        let predicted = row["predicted"].clone();
        row.insert("intent".into(), predicted);
    }
    rows[6].insert("intent".into(), "other".into());
    assert_ne!(rows[6]["predicted"], "other");
    write_sheet(&dir.join("sheet.csv"), &rows);

    let summary = ok(
        &[
            "review",
            "import",
            "--input",
            "sheet.csv",
            "--out",
            "labelled.csv",
        ],
        dir,
    );
    assert!(
        summary.contains("read 7 rows\n  1 rows with an empty intent skipped"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "live precision of automated answers: 66.7% (2 of 3 audited messages labelled as predicted), 95% interval 20.8%–93.9% (Wilson)"
        ),
        "{summary}"
    );
    assert!(
        summary.contains(
            "out-of-scope escalations that were in scope: 0.0% (0 of 1 sampled messages)"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("wrote 6 rows to labelled.csv"),
        "{summary}"
    );
    let labelled = std::fs::read_to_string(dir.join("labelled.csv")).unwrap();
    assert!(labelled.starts_with("text,intent\n"), "{labelled}");
    assert!(
        labelled.contains("i want my money back or a new one,return\n"),
        "{labelled}"
    );
    assert!(!labelled.contains("nothing is here"), "{labelled}");

    let summary = ok(
        &[
            "train",
            "--data",
            "data/train.csv",
            "--data",
            "labelled.csv",
            "--out",
            "new.json",
            "--no-tune",
            "-q",
        ],
        dir,
    );
    assert!(
        summary.contains(&format!("trained on {} messages from 2 file(s)", base + 6)),
        "{summary}"
    );
    let trained: u64 = rows_per_intent(&dir.join("new.json")).values().sum();
    assert_eq!(trained, base as u64 + 6);

    let out = ok(
        &[
            "classify",
            "--model",
            "new.json",
            "--format",
            "jsonl",
            "where is my parcel, order #1234?",
        ],
        dir,
    );
    let prediction: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(prediction["intent"], "tracking", "{out}");
}

#[test]
fn the_loop_runs_from_classify_jsonl_and_from_a_plain_export() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(
        dir.join("tickets.csv"),
        "ticket,text\n1,where is my order #1234\n2,Where is my order #999?\n3,please cancel my order\n4,hi there\n",
    )
    .unwrap();
    // A threshold nothing reaches: every in-scope message escalates for low confidence.
    let out = deskbot(
        &[
            "classify",
            "--input",
            "tickets.csv",
            "--format",
            "jsonl",
            "--with-text",
            "--threshold",
            "1",
        ],
        dir,
    );
    assert!(out.status.success());
    std::fs::write(dir.join("classified.jsonl"), &out.stdout).unwrap();
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["text"], "where is my order #1234");
    // The file has no `id` column: the row number joins the result back.
    assert_eq!(first["id"], 1);

    ok(
        &[
            "review",
            "export",
            "--input",
            "classified.jsonl",
            "--audit",
            "0",
            "--out",
            "from-jsonl.csv",
        ],
        dir,
    );
    let rows = read_sheet(&dir.join("from-jsonl.csv"));
    // The file's predictions are used as they are: the bundled thresholds would automate these.
    assert_eq!(
        shape(&rows),
        [
            (
                "where is my order #1234".into(),
                "low_confidence".into(),
                "2".into()
            ),
            (
                "please cancel my order".into(),
                "low_confidence".into(),
                "1".into()
            ),
            ("hi there".into(), "out_of_scope".into(), "1".into()),
        ]
    );
    let confidence = first["confidence"].as_f64().unwrap();
    assert_eq!(rows[0]["confidence"], format!("{confidence:.4}"));

    // The plain export is classified here, with the bundled model: both in-scope messages are
    // automated, so only the audit sees them, with the tickets of the file; the greeting is
    // confidently out of scope, so only its sample does.
    ok(
        &[
            "review",
            "export",
            "--input",
            "tickets.csv",
            "--audit",
            "10",
            "--out",
            "from-csv.csv",
        ],
        dir,
    );
    let rows = read_sheet(&dir.join("from-csv.csv"));
    let reasons: Vec<_> = rows.iter().map(|r| r["reason"].as_str()).collect();
    assert_eq!(reasons, ["out_of_scope", "audit", "audit"], "{rows:?}");
    let tickets: Vec<_> = rows.iter().map(|r| r["ticket"].as_str()).collect();
    assert_eq!(tickets, ["4", "1", "3"]);
    assert_eq!(rows[1]["count"], "2");
}

/// JSONL lines as `classify --format jsonl --with-text` writes them.
fn jsonl_line(text: &str, intent: &str, scores: [f64; 2], decision: &str) -> String {
    let (decision, reason) = match decision.split_once(':') {
        Some((d, r)) => (d, serde_json::Value::from(r)),
        None => (decision, serde_json::Value::Null),
    };
    let runner_up = if intent == "other" { "cancel" } else { "other" };
    serde_json::json!({
        "intent": intent,
        "confidence": scores[0],
        "decision": decision,
        "reason": reason,
        "scores": { intent: scores[0], runner_up: scores[1] },
        "text": text,
    })
    .to_string()
}

/// Forty automated answers with distinct words (no digits, which are masked).
fn automated_lines() -> Vec<String> {
    let words = ["red", "green", "blue", "tall", "short", "old", "new", "big"];
    (0..40)
        .map(|i| {
            let text = format!("cancel the {} {} order", words[i % 8], words[i / 8 + 3]);
            jsonl_line(&text, "cancel", [0.97, 0.02], "automate")
        })
        .collect()
}

#[test]
fn the_audit_sample_is_the_same_for_a_seed_and_another_for_another_seed() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let lines = automated_lines();
    let distinct: std::collections::HashSet<_> = lines.iter().collect();
    assert_eq!(distinct.len(), 40);
    std::fs::write(dir.join("log.jsonl"), lines.join("\n")).unwrap();
    let export = |seed: &str, out: &str| {
        ok(
            &[
                "review",
                "export",
                "--input",
                "log.jsonl",
                "--audit",
                "10",
                "--seed",
                seed,
                "--out",
                out,
            ],
            dir,
        );
        std::fs::read(dir.join(out)).unwrap()
    };
    let first = export("11", "a.csv");
    assert_eq!(
        first,
        export("11", "b.csv"),
        "the same seed, the same sheet"
    );
    assert_ne!(first, export("12", "c.csv"), "another seed, another sample");
    let rows = read_sheet(&dir.join("a.csv"));
    assert_eq!(rows.len(), 10);
    assert!(rows
        .iter()
        .all(|r| r["reason"] == "audit" && r["predicted"] == "cancel"));
    // Without --seed the default seed is fixed: the sheet is reproducible too.
    let default = |out: &str| {
        ok(
            &[
                "review",
                "export",
                "--input",
                "log.jsonl",
                "--audit",
                "10",
                "--out",
                out,
            ],
            dir,
        );
        std::fs::read(dir.join(out)).unwrap()
    };
    assert_eq!(default("d.csv"), default("e.csv"));
}

#[test]
fn near_duplicates_are_counted_and_rows_ordered_by_uncertainty_times_count() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let lines = [
        // 1 − (0.46 − 0.44) = 0.98, once.
        jsonl_line(
            "refund or a new one?",
            "return",
            [0.46, 0.44],
            "escalate:ambiguous",
        ),
        // 1 − (0.5 − 0.3) = 0.8, three times: 2.4.
        jsonl_line(
            "Where is order #11?",
            "tracking",
            [0.5, 0.3],
            "escalate:low_confidence",
        ),
        jsonl_line(
            "where is ORDER 1012",
            "tracking",
            [0.5, 0.3],
            "escalate:low_confidence",
        ),
        // 0.9 twice: 1.8.
        jsonl_line(
            "my box never came",
            "missing_item",
            [0.4, 0.3],
            "escalate:low_confidence",
        ),
        jsonl_line(
            "My box never came!!",
            "missing_item",
            [0.4, 0.3],
            "escalate:low_confidence",
        ),
        jsonl_line(
            "where is order #13",
            "tracking",
            [0.5, 0.3],
            "escalate:low_confidence",
        ),
        // Not picked: no out-of-scope sample asked for.
        jsonl_line(
            "do you sell hats",
            "other",
            [0.9, 0.05],
            "escalate:out_of_scope",
        ),
    ];
    std::fs::write(dir.join("log.jsonl"), lines.join("\n")).unwrap();
    ok(
        &[
            "review",
            "export",
            "--input",
            "log.jsonl",
            "--audit",
            "0",
            "--out-of-scope",
            "0",
            "--out",
            "sheet.csv",
        ],
        dir,
    );
    assert_eq!(
        shape(&read_sheet(&dir.join("sheet.csv"))),
        [
            (
                "Where is order #11?".into(),
                "low_confidence".into(),
                "3".into()
            ),
            (
                "my box never came".into(),
                "low_confidence".into(),
                "2".into()
            ),
            (
                "refund or a new one?".into(),
                "ambiguous".into(),
                "1".into()
            ),
        ]
    );
}

#[test]
fn import_counts_skipped_rows_and_reports_live_precision_with_its_interval() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut sheet = String::from("text,predicted,confidence,reason,count,ticket,intent\n");
    // 18 audited messages labelled as predicted (one row stands for three), 2 not.
    for i in 0..15 {
        sheet.push_str(&format!(
            "cancel order {},cancel,0.97,audit,1,,cancel\n",
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o"][i]
        ));
    }
    sheet.push_str("stop my order,cancel,0.96,audit,3,,cancel\n");
    sheet.push_str("where is the refund,tracking,0.95,audit,1,,return\n");
    sheet.push_str("lost my card,missing_item,0.95,audit,1,,other\n");
    // Left empty: one audit row, two escalations.
    sheet.push_str("parcel late,tracking,0.95,audit,1,,\n");
    sheet.push_str("hm,other,0.41,low_confidence,4,,\n");
    sheet.push_str("hmm?,other,0.41,low_confidence,1,, \n");
    // Labelled escalation.
    sheet.push_str("swap for a bigger size,return,0.5,ambiguous,1,,return\n");
    std::fs::write(dir.join("sheet.csv"), &sheet).unwrap();

    let summary = ok(
        &[
            "review",
            "import",
            "--input",
            "sheet.csv",
            "--out",
            "labelled.csv",
        ],
        dir,
    );
    assert!(
        summary.contains("read 22 rows\n  3 rows with an empty intent skipped"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "live precision of automated answers: 90.0% (18 of 20 audited messages labelled as predicted), 95% interval 69.9%–97.2% (Wilson)"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("warning: 1 of 19 audit rows are not labelled"),
        "{summary}"
    );
    assert!(
        summary.contains("labelled 19: tracking 0, return 2, missing_item 0, cancel 16, other 1"),
        "{summary}"
    );

    let json = ok(
        &[
            "review",
            "import",
            "--input",
            "sheet.csv",
            "--out",
            "labelled2.csv",
            "--format",
            "json",
        ],
        dir,
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["unlabelled"], 3);
    assert_eq!(report["audit"]["messages"], 20);
    assert_eq!(report["audit"]["correct"], 18);
    let precision = &report["live_precision"];
    assert_eq!(precision["estimate"], 0.9);
    assert!(
        (precision["low"].as_f64().unwrap() - 0.698966).abs() < 1e-5,
        "{precision}"
    );
    assert!(
        (precision["high"].as_f64().unwrap() - 0.972134).abs() < 1e-5,
        "{precision}"
    );

    // A sheet nobody labelled writes nothing.
    std::fs::write(
        dir.join("blank.csv"),
        "text,predicted,reason,intent\na,cancel,audit,\n",
    )
    .unwrap();
    let err = fails(
        &[
            "review",
            "import",
            "--input",
            "blank.csv",
            "--out",
            "none.csv",
        ],
        dir,
    );
    assert!(
        err.contains("nothing to import: of 1 rows, 1 have an empty `intent`"),
        "{err}"
    );
    assert!(!dir.join("none.csv").exists());
}

#[test]
fn import_appends_to_a_training_file_only_when_asked_and_only_new_rows() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("train.csv"), "text,intent\nwhere is it,tracking\n").unwrap();
    std::fs::write(
        dir.join("sheet.csv"),
        "text,predicted,reason,count,intent\nWhere is  it,tracking,low_confidence,1,tracking\nswap it,return,ambiguous,1,return\n",
    )
    .unwrap();
    // Neither --out nor --append-to: a usage error, nothing written.
    let out = deskbot(&["review", "import", "--input", "sheet.csv"], dir);
    assert_eq!(out.status.code(), Some(2));
    let summary = ok(
        &[
            "review",
            "import",
            "--input",
            "sheet.csv",
            "--append-to",
            "train.csv",
        ],
        dir,
    );
    assert!(
        summary.contains("1 rows already labelled the same way dropped"),
        "{summary}"
    );
    assert!(
        summary.contains("appended 1 rows to train.csv"),
        "{summary}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("train.csv")).unwrap(),
        "text,intent\nwhere is it,tracking\nswap it,return\n"
    );
    // Again: nothing new, nothing written.
    let err = fails(
        &[
            "review",
            "import",
            "--input",
            "sheet.csv",
            "--append-to",
            "train.csv",
        ],
        dir,
    );
    assert!(err.contains("2 repeat rows already labelled"), "{err}");
    // A label that contradicts the file is refused, naming both places.
    std::fs::write(dir.join("sheet.csv"), "text,intent\nswap  IT,cancel\n").unwrap();
    let err = fails(
        &[
            "review",
            "import",
            "--input",
            "sheet.csv",
            "--append-to",
            "train.csv",
        ],
        dir,
    );
    assert!(
        err.contains("train.csv:3") && err.contains("sheet.csv:2"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("train.csv")).unwrap(),
        "text,intent\nwhere is it,tracking\nswap it,return\n"
    );
}

#[test]
fn existing_files_are_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("log.jsonl"), automated_lines().join("\n")).unwrap();
    std::fs::write(dir.join("sheet.csv"), "keep me").unwrap();
    let err = fails(
        &[
            "review",
            "export",
            "--input",
            "log.jsonl",
            "--out",
            "sheet.csv",
        ],
        dir,
    );
    assert!(
        err.contains("sheet.csv already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("sheet.csv")).unwrap(),
        "keep me"
    );
    ok(
        &[
            "review",
            "export",
            "--input",
            "log.jsonl",
            "--out",
            "sheet.csv",
            "--force",
        ],
        dir,
    );
    assert_eq!(read_sheet(&dir.join("sheet.csv")).len(), 40);

    std::fs::write(dir.join("labelled.csv"), "keep me").unwrap();
    std::fs::write(dir.join("done.csv"), "text,intent\nstop it,cancel\n").unwrap();
    let err = fails(
        &[
            "review",
            "import",
            "--input",
            "done.csv",
            "--out",
            "labelled.csv",
        ],
        dir,
    );
    assert!(
        err.contains("labelled.csv already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("labelled.csv")).unwrap(),
        "keep me"
    );
    ok(
        &[
            "review",
            "import",
            "--input",
            "done.csv",
            "--out",
            "labelled.csv",
            "--force",
        ],
        dir,
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("labelled.csv")).unwrap(),
        "text,intent\nstop it,cancel\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `--force` overwrites an earlier output, never a file the command reads; `--append-to`
/// never appends to a sheet being imported.
#[test]
fn no_output_is_written_over_a_file_being_read_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let export = "id,body\n1,where is my parcel\n2,cancel my order\n";
    std::fs::write(dir.join("tickets.csv"), export).unwrap();
    let err = fails(
        &[
            "review",
            "export",
            "--input",
            "tickets.csv",
            "--text-column",
            "body",
            "--out",
            "./tickets.csv",
            "--force",
        ],
        dir,
    );
    assert!(
        err.contains("--out ./tickets.csv is the input tickets.csv"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("tickets.csv")).unwrap(),
        export
    );

    let sheet = "text,intent\nstop it,cancel\nwhere is it,tracking\n";
    std::fs::write(dir.join("sheet.csv"), sheet).unwrap();
    for destination in [
        &["--out", "sheet.csv", "--force"][..],
        &["--append-to", "sheet.csv"],
    ] {
        let mut args = vec!["review", "import", "--input", "sheet.csv"];
        args.extend_from_slice(destination);
        let err = fails(&args, dir);
        assert!(err.contains("which this command reads"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.join("sheet.csv")).unwrap(),
            sheet
        );
    }
}

#[test]
fn train_reads_a_help_desk_export_through_a_label_map() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let data = common::sample(8);
    let tag = |intent: deskbot::Intent| match intent.as_str() {
        "tracking" => "Where Is My Order",
        "return" => "returns",
        "missing_item" => "lost parcel",
        "cancel" => "cancellation",
        _ => "general",
    };
    let mut desk = csv::Writer::from_path(dir.join("desk.csv")).unwrap();
    desk.write_record(["id", "body", "tags"]).unwrap();
    for (i, message) in data.messages.iter().enumerate() {
        desk.write_record([&i.to_string(), &message.text, tag(message.label.intent())])
            .unwrap();
    }
    let billing = [
        "my card was charged twice",
        "update my billing address",
        "send an invoice",
    ];
    for text in billing {
        desk.write_record(["b", text, "billing"]).unwrap();
    }
    desk.flush().unwrap();
    std::fs::write(
        dir.join("map.csv"),
        "from,to\nwhere is my order,tracking\nreturns,return\nlost parcel,missing_item\ncancellation,cancel\ngeneral,other\n",
    )
    .unwrap();
    let base = |mode: &str, out: &str| {
        deskbot(
            &[
                "train",
                "--data",
                "desk.csv",
                "--text-column",
                "body",
                "--intent-column",
                "tags",
                "--label-map",
                "map.csv",
                "--unmapped",
                mode,
                "--out",
                out,
                "--no-tune",
                "-q",
            ],
            dir,
        )
    };
    let out = base("error", "error.json");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    // The line of the first billing row (some bundled messages span lines).
    let written = std::fs::read_to_string(dir.join("desk.csv")).unwrap();
    let line = written[..written.find("\nb,my card").unwrap()]
        .matches('\n')
        .count()
        + 2;
    assert!(
        err.contains(&format!(
            "desk.csv:{line}: field `tags`: label \"billing\" is neither in the label map map.csv"
        )),
        "{err}"
    );
    assert!(!dir.join("error.json").exists());

    let expected: Vec<usize> = data.rows_per_label().into_values().collect();
    let out = base("other", "other.json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains(&format!(
            "{} labels translated by the label map",
            data.messages.len()
        )),
        "{summary}"
    );
    assert!(
        summary.contains("3 rows with an unmapped label read as `other`"),
        "{summary}"
    );
    let rows = rows_per_intent(&dir.join("other.json"));
    assert_eq!(rows["tracking"], expected[0] as u64);
    assert_eq!(rows["other"], expected[4] as u64 + 3);

    let out = base("skip", "skip.json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 rows with an unmapped label skipped"));
    assert_eq!(
        rows_per_intent(&dir.join("skip.json"))["other"],
        expected[4] as u64
    );
}

#[test]
fn train_lists_conflicts_across_files_or_resolves_them() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    training_set(dir);
    // Seven texts labelled differently in two files; "stop order zz" is 2 cancel : 1 other.
    std::fs::write(
        dir.join("a.csv"),
        "text,intent\nstop order zz,cancel\nwhere is box qq,tracking\nStop order ZZ,cancel\nk1 thing,return\nk2 thing,return\nk3 thing,return\nk4 thing,return\nk5 thing,return\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.csv"),
        "text,intent\nwhere is  box qq,missing_item\nstop order zz,other\nk1 thing,cancel\nk2 thing,cancel\nk3 thing,cancel\nk4 thing,cancel\nk5 thing,cancel\n",
    )
    .unwrap();
    let train = |extra: &[&str], out: &str| {
        let mut args = vec![
            "train",
            "--data",
            "data/train.csv",
            "--data",
            "a.csv",
            "--data",
            "b.csv",
            "--out",
            out,
            "--no-tune",
            "-q",
        ];
        args.extend_from_slice(extra);
        deskbot(&args, dir)
    };
    let out = train(&[], "error.json");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("7 texts are labelled differently in different rows (the first 5 shown):"),
        "{err}"
    );
    assert!(
        err.contains("\"stop order zz\": `cancel` at a.csv:2 (2 rows), `other` at b.csv:3"),
        "{err}"
    );
    assert!(
        err.contains("\"where is box qq\": `tracking` at a.csv:3, `missing_item` at b.csv:2"),
        "{err}"
    );
    assert!(err.contains("--on-conflict skip|majority"), "{err}");
    assert!(
        !err.contains("k5 thing"),
        "only the first five are shown: {err}"
    );
    assert!(!dir.join("error.json").exists());

    let out = train(&["--on-conflict", "skip"], "skip.json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains(
            "7 texts under conflicting labels: 0 kept under their majority label, 15 rows dropped"
        ),
        "{summary}"
    );
    let out = train(&["--on-conflict", "majority"], "majority.json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains(
            "7 texts under conflicting labels: 1 kept under their majority label, 13 rows dropped"
        ),
        "{summary}"
    );
    let (skip, majority) = (
        rows_per_intent(&dir.join("skip.json")),
        rows_per_intent(&dir.join("majority.json")),
    );
    assert_eq!(majority["cancel"], skip["cancel"] + 1);
    assert_eq!(majority["other"], skip["other"]);
}

#[test]
fn an_error_in_the_second_data_file_names_that_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    training_set(dir);
    std::fs::write(
        dir.join("more.csv"),
        "text,intent\nfine,other\n\nrefund now,retrun\n",
    )
    .unwrap();
    let err = fails(
        &[
            "train",
            "--data",
            "data/train.csv",
            "--data",
            "more.csv",
            "--out",
            "m.json",
            "-q",
        ],
        dir,
    );
    assert!(err.contains("more.csv:4: field `intent`"), "{err}");
    assert!(
        err.contains("label \"retrun\" looks like a misspelling of the intent `return`"),
        "{err}"
    );
    assert!(!dir.join("m.json").exists());
}

/// The loop on a shop whose customers write Dutch, which the bundled data never saw: the model
/// calls nearly every message confidently `other`, so only the out-of-scope sample finds them.
/// A person labels the sheet, the model is retrained with the labels, and `eval` with both
/// models on other Dutch messages shows the gain, with intervals.
#[test]
fn the_loop_learns_what_the_model_called_other_and_eval_shows_the_gain() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    training_set(dir);
    let fixtures = common::root().join("tests/fixtures/loop");
    for file in ["tickets-nl.csv", "holdout-nl.csv"] {
        std::fs::copy(fixtures.join(file), dir.join(file)).unwrap();
    }
    ok(
        &[
            "train",
            "--data",
            "data/train.csv",
            "--out",
            "old.json",
            "--no-tune",
            "-q",
        ],
        dir,
    );

    let summary = ok(
        &[
            "review",
            "export",
            "--input",
            "tickets-nl.csv",
            "--model",
            "old.json",
            "--out-of-scope",
            "100",
            "--out",
            "sheet.csv",
        ],
        dir,
    );
    let rows = read_sheet(&dir.join("sheet.csv"));
    let out_of_scope = rows
        .iter()
        .filter(|r| r["reason"] == "out_of_scope")
        .count();
    assert!(
        out_of_scope >= 25,
        "most Dutch messages are confidently `other`: {summary}"
    );
    assert!(
        summary.contains(&format!("out of scope ({out_of_scope} sampled")),
        "{summary}"
    );

    // The person: every row gets the label the fixture gives its ticket.
    let mut gold = BTreeMap::new();
    let mut reader = csv::Reader::from_path(dir.join("tickets-nl.csv")).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        gold.insert(record[0].to_owned(), record[2].to_owned());
    }
    let labelled: Vec<Row> = rows
        .into_iter()
        .map(|mut row| {
            let label = gold[&row["ticket"]].clone();
            row.insert("intent".into(), label);
            row
        })
        .collect();
    let in_scope = labelled
        .iter()
        .filter(|r| r["reason"] == "out_of_scope" && r["intent"] != "other")
        .count();
    write_sheet(&dir.join("sheet.csv"), &labelled);
    let summary = ok(
        &[
            "review",
            "import",
            "--input",
            "sheet.csv",
            "--out",
            "labelled.csv",
        ],
        dir,
    );
    assert!(
        summary.contains(&format!(
            "out-of-scope escalations that were in scope: {:.1}% ({in_scope} of {out_of_scope} sampled messages)",
            100.0 * in_scope as f64 / out_of_scope as f64
        )),
        "{summary}"
    );

    ok(
        &[
            "train",
            "--data",
            "data/train.csv",
            "--data",
            "labelled.csv",
            "--out",
            "new.json",
            "--no-tune",
            "-q",
        ],
        dir,
    );
    let out = ok(
        &[
            "eval",
            "--model",
            "old.json",
            "--model",
            "new.json",
            "--data",
            "holdout-nl.csv",
            "--resamples",
            "1000",
            "--seed",
            "3",
            "--format",
            "json",
        ],
        dir,
    );
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let macro_f1 = &value["comparison"]["headline"][0];
    assert_eq!(macro_f1["metric"], "macro_f1", "{out}");
    assert_eq!(macro_f1["verdict"], "better", "{out}");
    let text = ok(
        &[
            "eval",
            "--model",
            "old.json",
            "--model",
            "new.json",
            "--data",
            "holdout-nl.csv",
            "--resamples",
            "1000",
            "--seed",
            "3",
        ],
        dir,
    );
    assert!(
        text.lines().last().unwrap().starts_with("B is better"),
        "{text}"
    );
}

/// A message longer than a spreadsheet cell holds is still written whole, and the export says
/// that Excel would cut it.
#[test]
fn export_warns_of_messages_a_spreadsheet_cell_would_cut() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let long = "my order never came and nobody answers ".repeat(1_000);
    assert!(long.len() > 32_767);
    let lines = [
        jsonl_line(&long, "tracking", [0.55, 0.40], "escalate:low_confidence"),
        jsonl_line(
            "where is it",
            "tracking",
            [0.55, 0.40],
            "escalate:low_confidence",
        ),
    ];
    std::fs::write(dir.join("log.jsonl"), lines.join("\n")).unwrap();
    let out = deskbot(
        &[
            "review",
            "export",
            "--input",
            "log.jsonl",
            "--out",
            "sheet.csv",
        ],
        dir,
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: 1 message is longer than the 32767 characters"),
        "{err}"
    );
    let rows = read_sheet(&dir.join("sheet.csv"));
    assert!(rows.iter().any(|r| r["text"] == long), "written whole");

    std::fs::write(dir.join("short.jsonl"), &lines[1]).unwrap();
    let out = deskbot(
        &[
            "review",
            "export",
            "--input",
            "short.jsonl",
            "--out",
            "short.csv",
        ],
        dir,
    );
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
}

/// An input with a header and no message is a wrong file, not a shop with nothing to review:
/// export names it and writes no sheet.
#[test]
fn export_refuses_an_input_without_messages() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("empty.csv"), "ticket,text\n").unwrap();
    std::fs::write(dir.join("empty.jsonl"), "\n").unwrap();
    for input in ["empty.csv", "empty.jsonl"] {
        let err = fails(
            &["review", "export", "--input", input, "--out", "sheet.csv"],
            dir,
        );
        assert!(err.contains(&format!("{input}: no data rows")), "{err}");
        assert!(!dir.join("sheet.csv").exists());
    }
}
