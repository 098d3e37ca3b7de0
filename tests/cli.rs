//! The `deskbot` binary as a user runs it.

#![cfg(feature = "cli")]

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn deskbot(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deskbot"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A small labelled set drawn from the bundled data, written as one CSV.
fn small_training_dir(dir: &Path) {
    let data = common::sample(4);
    let rows: Vec<(&str, &str)> = data
        .messages
        .iter()
        .map(|m| (m.text.as_str(), m.label.as_str()))
        .collect();
    std::fs::create_dir_all(dir.join("data/holdout")).unwrap();
    common::write_csv(&dir.join("data/train.csv"), &rows);
    let holdout = common::sample(9);
    let rows: Vec<(&str, &str)> = holdout
        .messages
        .iter()
        .skip(1)
        .step_by(5)
        .map(|m| (m.text.as_str(), m.label.as_str()))
        .collect();
    common::write_csv(&dir.join("data/holdout/h.csv"), &rows);
}

/// `train` cleans messages as the service does, and says how many it changed.
#[test]
fn train_reports_how_many_messages_cleaning_changed() {
    let dir = tempfile::tempdir().unwrap();
    small_training_dir(dir.path());
    let before = summary_of_train(dir.path(), &[]);
    std::fs::write(
        dir.path().join("data/mail.csv"),
        "text,intent\n\
         \"<p>Where is my <b>parcel</b> from last week?</p>\",tracking\n\
         \"Please cancel my order.\n\nOn Mon, 3 Jun 2024, Shop <help@shop.example> wrote:\n> Your order has shipped\",cancel\n",
    )
    .unwrap();
    let after = summary_of_train(dir.path(), &[]);
    let cleaned = |summary: &str| -> usize {
        summary
            .lines()
            .find_map(|line| line.trim().strip_suffix(CLEANED_SUFFIX))
            .map_or(0, |count| count.parse().unwrap())
    };
    assert_eq!(cleaned(&after), cleaned(&before) + 2, "{after}");
    let raw = summary_of_train(dir.path(), &["--no-clean"]);
    assert_eq!(cleaned(&raw), 0, "{raw}");
}

const CLEANED_SUFFIX: &str = " messages cleaned of HTML, quoted replies or signatures, as the service cleans what it classifies (--no-clean trains on them as written)";

/// Runs `train --no-tune` on `dir/data` with `extra` arguments; its summary.
fn summary_of_train(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "train",
        "--data",
        "data",
        "--out",
        "m.json",
        "--no-tune",
        "-q",
    ];
    args.extend_from_slice(extra);
    let out = deskbot(&args, dir);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn train_then_classify_eval_and_tune() {
    let dir = tempfile::tempdir().unwrap();
    small_training_dir(dir.path());
    let out = deskbot(
        &[
            "train", "--data", "data", "--out", "m.json", "--folds", "3", "--cv", "3", "-q",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    for expected in [
        "tracking",
        "features",
        "iterations",
        "3-fold cross-validation",
        "macro-F1",
        "holdout data/holdout",
        "wrote m.json",
    ] {
        assert!(
            summary.contains(expected),
            "missing {expected:?} in:\n{summary}"
        );
    }

    let out = deskbot(
        &[
            "classify",
            "--model",
            "m.json",
            "--format",
            "jsonl",
            "where is my parcel",
            "",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["intent"], "tracking");
    assert!(lines[0]["scores"].as_object().unwrap().len() == 5);
    assert_eq!(lines[1]["decision"], "escalate");
    assert_eq!(lines[1]["reason"], "empty_message");

    let out = deskbot(
        &[
            "eval",
            "--model",
            "m.json",
            "--data",
            "data/holdout",
            "--format",
            "json",
            "--plot",
            "charts",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(report["metrics"]["macro_f1"].as_f64().unwrap() > 0.5);
    assert_eq!(report["metrics"]["per_intent"].as_array().unwrap().len(), 5);
    for chart in ["confusion-matrix.svg", "coverage-precision.svg"] {
        let svg = std::fs::read_to_string(dir.path().join("charts").join(chart)).unwrap();
        assert!(svg.starts_with("<svg"), "{chart}");
    }
    // The model was tuned for the default target, which the curve shows as a labelled line.
    let curve = std::fs::read_to_string(dir.path().join("charts/coverage-precision.svg")).unwrap();
    assert!(curve.contains("target precision 97.0%"), "no target line");

    let before = std::fs::read(dir.path().join("m.json")).unwrap();
    let out = deskbot(
        &[
            "tune",
            "--model",
            "m.json",
            "--target-precision",
            "0.8",
            "--out",
            "m2.json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("overall"));
    assert_eq!(
        std::fs::read(dir.path().join("m.json")).unwrap(),
        before,
        "--out leaves the input alone"
    );
    let tuned = std::fs::read_to_string(dir.path().join("m2.json")).unwrap();
    assert!(tuned.contains("\"target_precision\": 0.8"));
}

#[test]
fn classify_reads_csv_from_stdin_in_order() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_deskbot"))
        .args(["classify", "--input", "-", "--format", "jsonl"])
        .current_dir(common::root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"id,text\n1,please cancel my order\n2,\"\"\n3,\"where, oh where, is my parcel\"\n",
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let intents: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["intent"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(intents.len(), 3);
    assert_eq!(intents[0], "cancel");
    assert_eq!(intents[2], "tracking");
}

#[test]
fn classify_json_carries_each_rows_id_or_row_number() {
    let dir = tempfile::tempdir().unwrap();
    // Out-of-order ids, one with a comma, an empty id, and a quoted text spanning two lines
    // (so row numbers differ from line numbers).
    std::fs::write(
        dir.path().join("with-ids.csv"),
        "text,id\r\n\"please cancel\r\nmy order\",Z-9\r\nwhere is my parcel,\"A,1\"\r\nhello,\r\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("no-ids.csv"),
        "ticket,text\n\"T-1\",\"where, oh where, is my parcel\"\nT-2,please cancel my order\nT-3,\n",
    )
    .unwrap();
    let ids = |file: &str, format: &str| -> Vec<serde_json::Value> {
        let out = deskbot(
            &["classify", "--input", file, "--format", format],
            dir.path(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let objects: Vec<serde_json::Value> = match format {
            "jsonl" => stdout(&out)
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            _ => serde_json::from_str::<Vec<serde_json::Value>>(&stdout(&out)).unwrap(),
        };
        for object in &objects {
            assert!(object["intent"].is_string(), "{object}");
        }
        objects.iter().map(|o| o["id"].clone()).collect()
    };
    for format in ["jsonl", "json"] {
        assert_eq!(
            ids("with-ids.csv", format),
            [
                serde_json::json!("Z-9"),
                serde_json::json!("A,1"),
                serde_json::json!("")
            ],
            "{format}"
        );
        assert_eq!(
            ids("no-ids.csv", format),
            [
                serde_json::json!(1),
                serde_json::json!(2),
                serde_json::json!(3)
            ],
            "{format}"
        );
    }
    // `id` comes first on each line, so a person can read the join key.
    let out = deskbot(
        &["classify", "--input", "with-ids.csv", "--format", "jsonl"],
        dir.path(),
    );
    assert!(
        stdout(&out).starts_with("{\"id\":\"Z-9\","),
        "{}",
        stdout(&out)
    );
    // Messages given as arguments come back in order, with no id.
    let out = deskbot(&["classify", "--format", "jsonl", "hi", "bye"], dir.path());
    for line in stdout(&out).lines() {
        let object: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(object.get("id").is_none(), "{line}");
    }
}

#[test]
fn bad_training_data_fails_with_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "noheader.csv",
            b"where is it,tracking\n",
            "noheader.csv:1: missing column `text`",
        ),
        (
            "label.csv",
            b"text,intent\nok,tracking\nhm,retrun\n",
            "label.csv:3: field `intent`",
        ),
        (
            "empty.csv",
            b"text,intent\n\"  \",cancel\n",
            "empty.csv:2: field `text` is empty",
        ),
        (
            "quote.csv",
            b"text,intent\na,tracking\n\"open,cancel\nb,other\n",
            "quote.csv:3",
        ),
        (
            "utf8.csv",
            b"text,intent\n\xff\xfe,cancel\n",
            "utf8.csv:2: invalid UTF-8",
        ),
        (
            "dup.csv",
            b"text,intent\nstop it,cancel\nStop  it,other\n",
            "dup.csv:2",
        ),
    ];
    for (name, bytes, expected) in cases {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let out = deskbot(
            &["train", "--data", name, "--out", "model.json", "-q"],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(stderr(&out).contains(expected), "{name}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{name}");
        assert!(
            !dir.path().join("model.json").exists(),
            "{name} wrote a model"
        );
    }
}

/// Files that are not CSV text, or whose quoting or header is broken, say what is wrong, for
/// `train` and for `classify --input` alike.
#[test]
fn broken_csv_files_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let utf16 = b"t\0e\0x\0t\0,\0i\0n\0t\0e\0n\0t\0\r\0\n\0h\0i\0,\0o\0t\0h\0e\0r\0";
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "empty.csv",
            b"",
            "the file is empty (0 bytes); expected a header line such as `text,intent`",
        ),
        (
            "utf16.csv",
            utf16,
            "looks like UTF-16 (NUL bytes every other byte); save it as UTF-8",
        ),
        (
            "stray.csv",
            b"text,intent\r\nok,tracking\r\n\"cancel\"order,cancel\r\n",
            "stray.csv:3: field `text`: text after the closing quote",
        ),
        (
            "twice.csv",
            b"text,intent,text\nhi,other,bye\n",
            "column `text` appears twice in the header (columns 1 and 3)",
        ),
        (
            "crlf.csv",
            b"\xEF\xBB\xBFtext,intent\r\nok,tracking\r\n\r\nhm,retrun\r\n",
            "crlf.csv:4: field `intent`",
        ),
    ];
    for (name, bytes, expected) in cases {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let out = deskbot(
            &["train", "--data", name, "--out", "model.json", "-q"],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(stderr(&out).contains(expected), "{name}: {}", stderr(&out));
        assert!(!dir.path().join("model.json").exists(), "{name}");
    }
    let input = dir.path().join("utf16.csv");
    let out = deskbot(
        &["classify", "--input", input.to_str().unwrap()],
        &common::root(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("utf16.csv: looks like UTF-16"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn eval_plot_into_a_file_says_it_expects_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("charts.svg");
    std::fs::write(&file, "not a directory").unwrap();
    for plot in [file.clone(), file.join("sub")] {
        let out = deskbot(
            &[
                "eval",
                "--data",
                "training-data/holdout",
                "--plot",
                plot.to_str().unwrap(),
            ],
            &common::root(),
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("--plot expects a directory"), "{err}");
        assert!(err.contains("charts.svg is a file"), "{err}");
        assert!(!err.contains("os error"), "{err}");
        // The check comes before the evaluation, so nothing else is printed.
        assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");
}

#[test]
fn bad_model_and_arguments_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("half.json"),
        "{\"format\": \"deskbot-intent-model\", \"lab",
    )
    .unwrap();
    let out = deskbot(&["classify", "--model", "half.json", "hi"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("truncated or corrupt"),
        "{}",
        stderr(&out)
    );

    let out = deskbot(&["classify", "--model", "missing.json", "hi"], dir.path());
    assert!(stderr(&out).contains("missing.json"), "{}", stderr(&out));

    let out = deskbot(
        &["classify", "--intent-threshold", "refund=0.5", "hi"],
        &common::root(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown intent"), "{}", stderr(&out));

    let out = deskbot(&["classify", "--threshold", "1.5", "hi"], &common::root());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("must be a number in [0, 1]"),
        "{}",
        stderr(&out)
    );

    let out = deskbot(&["train", "--alpha=-1"], dir.path());
    assert!(stderr(&out).contains("alpha"), "{}", stderr(&out));

    let out = deskbot(&["frobnicate"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn classify_explain_shows_features() {
    let out = deskbot(
        &["classify", "--explain", "cancel order #4412 please"],
        &common::root(),
    );
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("intent    cancel"), "{text}");
    assert!(text.contains("why"), "{text}");
    assert!(text.contains("cancel"), "{text}");
}

#[test]
fn carrier_command_prints_candidates_as_json() {
    let out = deskbot(
        &[
            "carrier",
            "--format",
            "json",
            "1Z999AA10123456784",
            "not-a-number",
        ],
        &common::root(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // `json` is one document: an array with one object per number.
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let numbers = doc.as_array().unwrap();
    assert_eq!(numbers.len(), 2);
    assert_eq!(numbers[0]["number"], "1Z999AA10123456784");
    assert_eq!(numbers[0]["candidates"][0]["carrier"], "ups");
    assert_eq!(numbers[0]["candidates"][0]["check_digit_valid"], true);
    assert_eq!(numbers[1]["candidates"].as_array().unwrap().len(), 0);
}

#[test]
fn carrier_command_jsonl_prints_one_object_per_line() {
    let out = deskbot(
        &[
            "carrier",
            "--format",
            "jsonl",
            "1Z999AA10123456784",
            "TBA502887274000",
            "not-a-number",
        ],
        &common::root(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[1]["number"], "TBA502887274000");
    assert_eq!(lines[2]["candidates"], serde_json::json!([]));
}

#[test]
fn carrier_command_reports_spec_fields() {
    let out = deskbot(
        &[
            "carrier",
            "--format",
            "json",
            "9611 0209 8765 4312 3456 72",
            "TBA-5028-8727-4000",
            "RB 123 456 785 DE",
            "LX17635036",
            "3318810024",
        ],
        &common::root(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let first = |i: usize| doc[i]["candidates"][0].clone();
    // FedEx Ground 96, written with spaces.
    assert_eq!(first(0)["carrier"], "fedex");
    assert_eq!(first(0)["service"], "FedEx Ground 96");
    assert_eq!(first(0)["valid"], true);
    assert_eq!(first(0)["check_digit_valid"], true);
    // Amazon, written with dashes: no check digit, still valid.
    assert_eq!(first(1)["carrier"], "amazon");
    assert_eq!(first(1)["check_digit_valid"], serde_json::Value::Null);
    assert_eq!(first(1)["valid"], true);
    // S10: the postal operator of the country code.
    assert_eq!(first(2)["carrier"], "s10");
    assert_eq!(first(2)["postal_operator"]["name"], "Deutsche Post");
    assert_eq!(first(2)["tracked_by"], "deutsche_post");
    // LaserShip keeps its courier code; OnTrac tracks it.
    assert_eq!(first(3)["carrier"], "lasership");
    assert_eq!(first(3)["tracked_by"], "ontrac");
    // A wrong check digit: still a candidate, not valid.
    assert_eq!(first(4)["carrier"], "dhl");
    assert_eq!(first(4)["check_digit_valid"], false);
    assert_eq!(first(4)["valid"], false);
}

#[test]
fn carrier_help_describes_each_format() {
    let out = deskbot(&["carrier", "--help"], &common::root());
    assert!(out.status.success(), "{}", stderr(&out));
    let help = stdout(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(help.contains("`json`, one JSON array"), "{help}");
    assert!(help.contains("`jsonl`, one such object per line"), "{help}");
}

#[test]
fn carrier_command_rejects_s10_numbers_from_no_country() {
    let out = deskbot(
        &["carrier", "RR123456785ZZ", "RR123456785GB"],
        &common::root(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("RR123456785ZZ: no known carrier format"),
        "{text}"
    );
    assert!(
        text.contains("RR123456785GB: Royal Mail (royal_mail; check digit valid)"),
        "{text}"
    );
}

#[test]
fn readme_main_command_answers_from_the_demo_shop() {
    let out = deskbot(
        &["reply", "--from", "jane@example.com", "Where is my dress?"],
        &common::root(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("reply     tracking/in_transit"), "{text}");
    assert!(text.contains("9400111798643261622439"), "{text}");
    assert!(text.trim_end().ends_with("Sam at Juniper & Oak"), "{text}");

    let out = deskbot(
        &[
            "reply",
            "--format",
            "json",
            "--from",
            "tom@example.com",
            "where is my order?",
        ],
        &common::root(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let outcome: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(outcome["outcome"], "handoff");
    assert_eq!(outcome["reason"]["code"], "policy_requires_human");
    assert_eq!(outcome["reason"]["rule"], "carrier_exception");
    assert_eq!(outcome["facts"]["order_number"], "1008");
    assert_eq!(
        outcome["facts"]["shipments"][0]["tracking"]["status"],
        "exception"
    );
}

#[test]
fn check_templates_passes_on_the_bundled_templates_and_fails_on_gaps() {
    let out = deskbot(&["check-templates"], &common::root());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("all 22 situations"),
        "{}",
        stdout(&out)
    );

    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &Path, to: &Path| {
        for group in std::fs::read_dir(from).unwrap() {
            let group = group.unwrap().path();
            let target = to.join(group.file_name().unwrap());
            if group.is_file() {
                std::fs::copy(&group, &target).unwrap();
                continue;
            }
            std::fs::create_dir_all(&target).unwrap();
            for file in std::fs::read_dir(&group).unwrap() {
                let file = file.unwrap().path();
                std::fs::copy(&file, target.join(file.file_name().unwrap())).unwrap();
            }
        }
    };
    copy(&common::root().join("templates"), dir.path());
    std::fs::remove_file(dir.path().join("return/outside_window.tera")).unwrap();
    std::fs::write(dir.path().join("tracking/teleported.tera"), "Hi\n").unwrap();
    std::fs::write(
        dir.path().join("tracking/delivered.tera"),
        "Hi, it was delivered to {{ shipment.porch_colour }}.\n",
    )
    .unwrap();
    let templates = dir.path().to_str().unwrap();
    let out = deskbot(
        &["check-templates", "--templates", templates],
        &common::root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(
        report.contains("MISSING   return/outside_window"),
        "{report}"
    );
    assert!(report.contains("ORPHAN    tracking/teleported"), "{report}");
    assert!(report.contains("porch_colour"), "{report}");
    // Three demo stories reach the broken template: it is reported once, as failed.
    let lines: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("tracking/delivered"))
        .collect();
    assert_eq!(lines.len(), 1, "{report}");
    // ... and named once in that line, not again by each layer of Tera's message.
    assert_eq!(
        lines[0],
        "FAILED    tracking/delivered: Variable `shipment.porch_colour` not found in context",
        "{report}"
    );

    // A template that renders only whitespace is reported, not sent.
    std::fs::write(
        dir.path().join("tracking/delivered.tera"),
        "{% if shipment %}  {% endif %}\n",
    )
    .unwrap();
    let out = deskbot(
        &["check-templates", "--templates", templates],
        &common::root(),
    );
    let report = stdout(&out);
    assert!(
        report.contains("FAILED    tracking/delivered") && report.contains("empty reply"),
        "{report}"
    );
}

#[test]
fn check_templates_needs_no_model_and_survives_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let root = common::root();
    let (templates, shop) = (root.join("templates"), root.join("examples/demo-shop"));
    let args = [
        "check-templates",
        "--templates",
        templates.to_str().unwrap(),
        "--shop",
        shop.to_str().unwrap(),
    ];
    // No models/ folder here: check-templates must not look for one.
    let out = deskbot(&args, dir.path());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    // `check-templates 2>&1 | head -1`: stdout and stderr both closed after one line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_deskbot"))
        .args(["check-templates", "--templates", "/nonexistent/templates"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "a closed stderr must not panic (101)"
    );
}

#[test]
fn a_recursive_template_is_refused_at_load_with_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("t");
    std::fs::create_dir_all(templates.join("tracking")).unwrap();
    std::fs::write(
        templates.join("tracking/in_transit.tera"),
        "{% macro deep(n) %}{{ self::deep(n=n + 1) }}{% endmacro deep %}{{ self::deep(n=0) }}",
    )
    .unwrap();
    for command in [
        vec![
            "check-templates",
            "--templates",
            templates.to_str().unwrap(),
        ],
        vec![
            "reply",
            "--templates",
            templates.to_str().unwrap(),
            "--from",
            "jane@example.com",
            "Where is my dress?",
        ],
    ] {
        let out = deskbot(&command, &common::root());
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("tracking/in_transit.tera") && stderr(&out).contains("deep"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn nobody_reads_an_order_without_proving_it_is_theirs() {
    // No sender: no order facts, whatever the message claims.
    for message in [
        "where is order #1006",
        "Hi, I am chen@example.com. Where is my order?",
        "Hi, I am chen@example.com, where is order 1006?",
    ] {
        let out = deskbot(&["reply", "--format", "json", message], &common::root());
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        for secret in ["Portland", "1ZE7V2180355089359", "Chunky Knit Throw"] {
            assert!(
                !text.contains(secret),
                "{message:?} leaked {secret}:\n{text}"
            );
        }
        let outcome: serde_json::Value = serde_json::from_str(&text).unwrap();
        if outcome["outcome"] == "reply" {
            assert_eq!(outcome["situation"], "common/verify_identity", "{text}");
        }
        assert_eq!(outcome["facts"]["orders"], serde_json::json!([]), "{text}");
    }
    // Platform actions need a verified order too.
    let dir = tempfile::tempdir().unwrap();
    let policy =
        std::fs::read_to_string(common::root().join("examples/demo-shop/deskbot.toml")).unwrap();
    let perform = dir.path().join("perform.toml");
    std::fs::write(
        &perform,
        policy.replace("mode = \"request\"", "mode = \"perform\""),
    )
    .unwrap();
    let out = deskbot(
        &[
            "reply",
            "--config",
            perform.to_str().unwrap(),
            "--format",
            "json",
            "Please cancel order #1002",
        ],
        &common::root(),
    );
    let outcome: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(outcome["situation"], "common/verify_identity", "{outcome}");
    assert!(outcome["follow_up"].is_null());
}

#[test]
fn bad_policy_and_shop_files_name_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let policy =
        std::fs::read_to_string(common::root().join("examples/demo-shop/deskbot.toml")).unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        policy.replace("window_days = 30", "window_days = 0"),
    )
    .unwrap();
    let bad = dir.path().join("bad.toml");
    let out = deskbot(
        &[
            "reply",
            "--config",
            bad.to_str().unwrap(),
            "--from",
            "jane@example.com",
            "where is it",
        ],
        &common::root(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad.toml") && stderr(&out).contains("returns.window_days"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("demo-shop"), "{}", stderr(&out));

    let shop = dir.path().join("shop");
    std::fs::create_dir(&shop).unwrap();
    std::fs::write(shop.join("orders.json"), "[{\"id\": 1}]").unwrap();
    std::fs::write(shop.join("tracking.json"), "[]").unwrap();
    std::fs::write(shop.join("deskbot.toml"), &policy).unwrap();
    let out = deskbot(
        &[
            "reply",
            "--shop",
            shop.to_str().unwrap(),
            "--from",
            "jane@example.com",
            "where is it",
        ],
        &common::root(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("orders.json") && stderr(&out).contains("line 1"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn lookup_and_doctor_on_the_demo_shop() {
    let out = deskbot(
        &["lookup", "order", "--number", "#1006", "--format", "json"],
        &common::root(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let found: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(found["orders"][0]["number"], "1006");
    // The same shape as facts.orders[] in `reply --format json`.
    let reply = deskbot(
        &[
            "reply",
            "--format",
            "json",
            "--from",
            "chen@example.com",
            "where is order #1006?",
        ],
        &common::root(),
    );
    let reply: serde_json::Value = serde_json::from_str(&stdout(&reply)).unwrap();
    assert_eq!(found["orders"][0], reply["facts"]["orders"][0]);

    let out = deskbot(
        &[
            "lookup",
            "order",
            "--email",
            "ANA@example.com",
            "--format",
            "json",
        ],
        &common::root(),
    );
    let found: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let numbers: Vec<&str> = found["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["1010", "1009"]);
    let out = deskbot(&["lookup", "order", "--number", "9999"], &common::root());
    assert!(out.status.success());
    assert_eq!(stdout(&out).trim(), "no orders");
    let out = deskbot(&["lookup", "order"], &common::root());
    assert_eq!(
        out.status.code(),
        Some(2),
        "--number or --email is required"
    );

    let out = deskbot(&["doctor"], &common::root());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("demo") && stdout(&out).contains("OK"));
}

#[test]
fn a_config_naming_a_platform_without_its_secret_is_a_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let policy =
        std::fs::read_to_string(common::root().join("examples/demo-shop/deskbot.toml")).unwrap();
    let config = dir.path().join("deskbot.toml");
    std::fs::write(
        &config,
        format!("{policy}\n[platform]\nkind = \"bigcommerce\"\nstore_hash = \"abc123\"\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_deskbot"))
        .args(["doctor", "--config", config.to_str().unwrap()])
        .env_remove("BIGCOMMERCE_ACCESS_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("BIGCOMMERCE_ACCESS_TOKEN") && stderr(&out).contains("deskbot.toml"),
        "{}",
        stderr(&out)
    );
}

/// Names in `dir`, sorted: shows leftover temporary files.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn training_that_failed_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    small_training_dir(dir.path());
    let train = |extra: &[&str]| {
        let mut args = vec!["train", "--data", "data", "--out", "m.json", "-q"];
        args.extend_from_slice(extra);
        deskbot(&args, dir.path())
    };

    let out = train(&["--alpha", "1e308"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--alpha"), "{}", stderr(&out));
    assert!(!dir.path().join("m.json").exists());

    for extra in [&["--max-iter", "1"][..], &["--max-iter", "1", "--no-tune"]] {
        let out = train(extra);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("did not converge")
                && stderr(&out).contains("--allow-unconverged"),
            "{extra:?}: {}",
            stderr(&out)
        );
        assert!(!dir.path().join("m.json").exists(), "{extra:?}");
    }

    let out = train(&["--max-iter", "1", "--no-tune", "--allow-unconverged"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning") && stderr(&out).contains("did not converge"),
        "{}",
        stderr(&out)
    );
    assert!(dir.path().join("m.json").exists());
    assert_eq!(names_in(dir.path()), ["data", "m.json"]);
}

/// `train` overwrites `--out` by design, so `--out` naming a file it reads (a slip between two
/// paths) is refused before training, and the data is left as it was.
#[test]
fn train_refuses_to_write_the_model_over_a_file_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    small_training_dir(dir.path());
    std::fs::write(dir.path().join("map.csv"), "from,to\nwismo,tracking\n").unwrap();
    let inputs = ["data/train.csv", "data/holdout/h.csv", "map.csv"];
    let before: Vec<Vec<u8>> = inputs
        .iter()
        .map(|p| std::fs::read(dir.path().join(p)).unwrap())
        .collect();
    for out in [
        "data/train.csv",
        "./data/../data/train.csv",
        "data/holdout/h.csv",
        "map.csv",
    ] {
        let args = [
            "train",
            "--data",
            "data",
            "--label-map",
            "map.csv",
            "--out",
            out,
            "-q",
            "--no-tune",
        ];
        let output = deskbot(&args, dir.path());
        assert_eq!(output.status.code(), Some(1), "{out}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!("--out {out} is"))
                && stderr(&output).contains("which this command reads"),
            "{out}: {}",
            stderr(&output)
        );
    }
    for (path, bytes) in inputs.iter().zip(&before) {
        assert_eq!(
            &std::fs::read(dir.path().join(path)).unwrap(),
            bytes,
            "{path}"
        );
    }
}

/// A help desk's export trains through its own columns and a label map, and its `holdout/`,
/// in the same layout, is read the same way: not refused for lacking `text`, nor its tags
/// taken for labels of the shop's own.
#[test]
fn the_holdout_is_read_with_the_data_layout_and_label_map() {
    let dir = tempfile::tempdir().unwrap();
    let tag = |intent: &str| match intent {
        "tracking" => "WISMO",
        "return" => "Refund",
        "missing_item" => "lost",
        "cancel" => "cancel-req",
        _ => "general",
    };
    let write = |path: &Path, data: &deskbot::classify::dataset::Dataset, step: usize| {
        let mut writer = csv::Writer::from_path(path).unwrap();
        writer.write_record(["body", "tags"]).unwrap();
        for m in data.messages.iter().step_by(step) {
            writer
                .write_record([m.text.as_str(), tag(m.label.as_str())])
                .unwrap();
        }
        writer.flush().unwrap();
    };
    std::fs::create_dir_all(dir.path().join("export/holdout")).unwrap();
    write(
        &dir.path().join("export/tickets.csv"),
        &common::sample(4),
        1,
    );
    write(
        &dir.path().join("export/holdout/h.csv"),
        &common::sample(9),
        5,
    );
    std::fs::write(
        dir.path().join("map.csv"),
        "from,to\nwismo,tracking\nrefund,return\nlost,missing_item\ncancel-req,cancel\ngeneral,other\n",
    )
    .unwrap();
    let args = [
        "train",
        "--data",
        "export",
        "--text-column",
        "body",
        "--intent-column",
        "tags",
        "--label-map",
        "map.csv",
        "--out",
        "m.json",
        "-q",
        "--no-tune",
    ];
    let out = deskbot(&args, dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    let holdout = &report[report
        .find("holdout export/holdout")
        .expect("a holdout report")..];
    for tag in ["WISMO", "wismo", "general", "cancel-req"] {
        assert!(!holdout.contains(tag), "{tag} read as a label: {holdout}");
    }
    let accuracy: f64 = holdout
        .lines()
        .find_map(|l| l.strip_prefix("accuracy"))
        .and_then(|rest| rest.trim().strip_suffix('%'))
        .expect("an accuracy line")
        .parse()
        .unwrap();
    assert!(accuracy > 60.0, "{holdout}");
}

/// A model that automates nothing has no precision to show: "100.0%" would read as "every
/// answer was right".
#[test]
fn eval_with_nothing_automated_shows_no_precision() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("h.csv"),
        "text,intent\nwhere is my parcel,tracking\nplease cancel my order,cancel\n",
    )
    .unwrap();
    let out = deskbot(&["eval", "--data", "h.csv", "--threshold", "1"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report
            .contains("automated       0 answers, precision — (nothing automated), coverage 0.0%"),
        "{report}"
    );
    assert!(!report.contains("precision 100.0%"), "{report}");
}

/// A temporary directory holding a copy of the committed model as `m.json`.
fn dir_with_model() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::root().join("models/intent-model.json"),
        dir.path().join("m.json"),
    )
    .unwrap();
    dir
}

#[test]
fn oversized_model_files_are_refused_before_reading() {
    let dir = dir_with_model();
    let out = deskbot(
        &[
            "classify",
            "--model",
            "m.json",
            "--max-model-bytes",
            "1000",
            "hi",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let size = std::fs::metadata(dir.path().join("m.json")).unwrap().len();
    for expected in ["m.json", &size.to_string(), "1000"] {
        assert!(
            stderr(&out).contains(expected),
            "{expected}: {}",
            stderr(&out)
        );
    }

    // A sparse file far over the default cap: refused at once, without reading it.
    let huge = std::fs::File::create(dir.path().join("huge.json")).unwrap();
    huge.set_len(4 << 30).unwrap();
    let started = std::time::Instant::now();
    let out = deskbot(&["classify", "--model", "huge.json", "hi"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("huge.json") && stderr(&out).contains(&(4u64 << 30).to_string()),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn tune_rejects_bad_precision_and_margin_and_writes_nothing() {
    let dir = dir_with_model();
    let before = std::fs::read(dir.path().join("m.json")).unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["--target-precision", "0"], "--target-precision"),
        (&["--target-precision=-0.5"], "--target-precision"),
        (&["--target-precision", "2"], "--target-precision"),
        (&["--target-precision", "NaN"], "--target-precision"),
        (&["--target-precision", "inf"], "--target-precision"),
        (
            &["--target-precision", "0.9", "--margin", "NaN"],
            "--margin",
        ),
        (&["--target-precision", "0.9", "--margin", "2"], "--margin"),
    ];
    for (case, flag) in cases {
        let mut args = vec!["tune", "--model", "m.json", "--out", "t.json"];
        args.extend_from_slice(case);
        let out = deskbot(&args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{case:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(flag), "{case:?}: {}", stderr(&out));
        assert_eq!(names_in(dir.path()), ["m.json"], "{case:?} wrote a file");
    }
    assert_eq!(std::fs::read(dir.path().join("m.json")).unwrap(), before);
}

#[test]
fn bad_option_values_are_usage_errors_that_name_the_flag() {
    let dir = dir_with_model();
    let cases: [&[&str]; 19] = [
        &["train", "--ngrams", "3"],
        &["train", "--target-precision", "2"],
        &["train", "--folds", "1"],
        &["train", "--cv", "1"],
        &["train", "--min-df", "0"],
        &["train", "--max-features", "0"],
        &["train", "--max-iter", "0"],
        &["train", "--alpha", "nan"],
        &["train", "--gradient-tolerance", "0"],
        &["train", "--threshold", "2"],
        &["train", "--margin", "1"],
        &["train", "--char-ngrams", "0-3"],
        &["train", "--language", "klingon"],
        &["classify", "--model", "m.json", "--threshold", "2", "hi"],
        &["classify", "--model", "m.json", "--margin", "inf", "hi"],
        &[
            "classify",
            "--model",
            "m.json",
            "--intent-threshold",
            "cancel=2",
            "hi",
        ],
        &[
            "classify",
            "--model",
            "m.json",
            "--intent-threshold",
            "other=0.5",
            "hi",
        ],
        &[
            "classify",
            "--model",
            "m.json",
            "--max-model-bytes",
            "0",
            "hi",
        ],
        &[
            "tune",
            "--model",
            "m.json",
            "--target-precision",
            "2",
            "--out",
            "t.json",
        ],
    ];
    for case in cases {
        let out = deskbot(case, dir.path());
        assert_eq!(out.status.code(), Some(2), "{case:?}: {}", stderr(&out));
        let flag = case
            .iter()
            .rev()
            .find(|a| a.starts_with("--") && **a != "--out" && **a != "--model")
            .unwrap();
        assert!(stderr(&out).contains(flag), "{case:?}: {}", stderr(&out));
    }
    let out = deskbot(
        &[
            "classify",
            "--model",
            "m.json",
            "--intent-threshold",
            "other=0.5",
            "hi",
        ],
        dir.path(),
    );
    assert!(
        stderr(&out).contains("`other` is never automated"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn option_mistakes_found_after_parsing_are_usage_errors_too() {
    let dir = dir_with_model();
    // (arguments, what stderr must name); each is a mistake on the command line, so exit 2
    // with the usage line, and nothing is written.
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &["tune", "--target-precision", "0.9", "--in-place"],
            &["--in-place", "--model", "Usage: deskbot tune"],
        ),
        (
            &["classify"],
            &["nothing to classify", "Usage: deskbot classify"],
        ),
        (&["classify", "--format", "jsonl"], &["nothing to classify"]),
        (
            &["train", "--no-tune", "--target-precision", "0.9"],
            &["--no-tune", "--target-precision"],
        ),
        (
            &["train", "--no-tune", "--folds", "3"],
            &["--no-tune", "--folds"],
        ),
        (
            &["reply", "--now", "yesterday", "hi"],
            &["--now", "RFC 3339"],
        ),
        (
            &[
                "lookup",
                "tracking",
                "--carrier",
                "zzz",
                "1Z999AA10123456784",
            ],
            &["--carrier", "not a carrier slug"],
        ),
        (&["train", "--max-iter", "0"], &["--max-iter", "at least 1"]),
    ];
    for (case, expected) in cases {
        let out = deskbot(case, dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{case:?}: {err}");
        for needle in expected {
            assert!(err.contains(needle), "{case:?}: no {needle:?} in {err}");
        }
        assert_eq!(names_in(dir.path()), ["m.json"], "{case:?} wrote a file");
    }
    // The same options, used rightly, still work.
    let out = deskbot(
        &[
            "reply",
            "--now",
            "2026-11-20T15:00:00Z",
            "--from",
            "jane@example.com",
            "Where is my dress?",
        ],
        &common::root(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn tune_writes_in_place_only_when_asked() {
    let dir = dir_with_model();
    let before = std::fs::read(dir.path().join("m.json")).unwrap();
    let out = deskbot(
        &["tune", "--model", "m.json", "--target-precision", "0.9"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--out") && stderr(&out).contains("--in-place"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(dir.path().join("m.json")).unwrap(), before);

    let out = deskbot(
        &[
            "tune",
            "--model",
            "m.json",
            "--target-precision",
            "0.9",
            "--in-place",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let after = std::fs::read_to_string(dir.path().join("m.json")).unwrap();
    assert!(after.contains("\"target_precision\": 0.9"));
    assert_eq!(
        names_in(dir.path()),
        ["m.json"],
        "a temporary file was left"
    );
}

#[cfg(unix)]
#[test]
fn model_writes_go_through_a_symlinked_out() {
    let dir = dir_with_model();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::fs::write(dir.path().join("real/tuned.json"), "old").unwrap();
    std::os::unix::fs::symlink("real/tuned.json", dir.path().join("link.json")).unwrap();
    let out = deskbot(
        &[
            "tune",
            "--model",
            "m.json",
            "--target-precision",
            "0.9",
            "--out",
            "link.json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let link = dir.path().join("link.json");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let written = std::fs::read_to_string(dir.path().join("real/tuned.json")).unwrap();
    assert!(written.contains("\"target_precision\": 0.9"));
    assert_eq!(names_in(&dir.path().join("real")), ["tuned.json"]);
}

#[test]
fn an_out_that_cannot_be_written_fails_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    small_training_dir(dir.path());
    std::fs::write(dir.path().join("a.json"), "not a directory").unwrap();
    std::fs::create_dir(dir.path().join("models")).unwrap();
    // The data does not exist: the --out check must come first.
    let out = deskbot(
        &["train", "--data", "missing", "--out", "a.json/b.json", "-q"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("cannot write the model to a.json/b.json: a.json is a file, not a directory"),
        "{}",
        stderr(&out)
    );
    let out = deskbot(
        &["train", "--data", "data", "--out", "models", "-q"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot write the model to models: it is a directory"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("trained"), "{}", stdout(&out));

    std::fs::copy(
        common::root().join("models/intent-model.json"),
        dir.path().join("m.json"),
    )
    .unwrap();
    let out = deskbot(
        &[
            "tune",
            "--model",
            "m.json",
            "--target-precision",
            "0.9",
            "--out",
            "a.json/b.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("a.json is a file, not a directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_is_one_document_and_jsonl_is_offered_only_for_many_results() {
    for command in [
        vec!["reply", "--format", "jsonl", "where is it"],
        vec!["eval", "--format", "jsonl"],
        vec!["lookup", "order", "--number", "1001", "--format", "jsonl"],
    ] {
        let out = deskbot(&command, &common::root());
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", stderr(&out));
    }
    let out = deskbot(
        &[
            "classify",
            "--format",
            "json",
            "where is my order",
            "cancel it",
        ],
        &common::root(),
    );
    let all: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let out = deskbot(
        &[
            "classify",
            "--format",
            "jsonl",
            "where is my order",
            "cancel it",
        ],
        &common::root(),
    );
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
}

#[test]
fn an_installed_deskbot_works_from_any_directory_with_its_bundled_files() {
    let empty = tempfile::tempdir().unwrap();
    let out = deskbot(
        &["reply", "--from", "jane@example.com", "Where is my dress?"],
        empty.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("reply     tracking/in_transit"),
        "{}",
        stdout(&out)
    );
    for command in [
        vec!["classify", "where is my parcel"],
        vec!["check-templates"],
        vec!["lookup", "order", "--number", "1001"],
        vec!["doctor"],
    ] {
        let out = deskbot(&command, empty.path());
        assert!(out.status.success(), "{command:?}: {}", stderr(&out));
    }
    // A file named on the command line replaces the bundled one, and a missing one says which
    // flag to leave out.
    let out = deskbot(&["classify", "--model", "nope.json", "hi"], empty.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("leave out --model"),
        "{}",
        stderr(&out)
    );
    let out = deskbot(&["reply", "--shop", "nowhere", "hi"], empty.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--config"), "{}", stderr(&out));
}

/// The two shapes from the bug report: a cancel request above a quoted Gmail thread, and an
/// HTML question.
const QUOTED_CANCEL: &str = "I'd like to cancel please.\n\nOn Mon, 3 Jun 2024 at 10:12, Shop Support <help@shop.example> wrote:\n\n> Hi Maria,\n>\n> Thanks for your order #10442. We will let you know as soon as it ships.\n>\n> Kind regards,\n> Shop Support\n";
const HTML_QUESTION: &str = "<p>Where is my <b>dress</b>?</p>";

fn classify_json(extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["classify", "--format", "json"];
    args.extend_from_slice(extra);
    args.extend([QUOTED_CANCEL, HTML_QUESTION, "where is my parcel"]);
    let out = deskbot(&args, &common::root());
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn classify_cleans_messages_by_default_and_says_so_only_when_it_changed_them() {
    let cleaned = classify_json(&[]);
    assert_eq!(cleaned[0]["intent"], "cancel", "{:#}", cleaned[0]);
    assert_eq!(cleaned[0]["cleaned"]["text"], "I'd like to cancel please.");
    assert_eq!(cleaned[0]["cleaned"]["removed_quote"], true);
    assert_eq!(cleaned[1]["intent"], "tracking", "{:#}", cleaned[1]);
    assert_eq!(cleaned[1]["cleaned"]["text"], "Where is my dress?");
    assert_eq!(cleaned[1]["cleaned"]["was_html"], true);
    assert!(cleaned[2].get("cleaned").is_none(), "{:#}", cleaned[2]);

    let raw = classify_json(&["--no-clean"]);
    for (with, without) in cleaned.iter().zip(&raw) {
        assert!(without.get("cleaned").is_none(), "{without:#}");
        let confidence = |v: &serde_json::Value| v["confidence"].as_f64().unwrap();
        assert!(
            confidence(with) >= confidence(without),
            "{with:#} {without:#}"
        );
    }
    // The plain message is classified identically either way.
    assert_eq!(cleaned[2], raw[2]);
    assert!(
        cleaned[1]["confidence"].as_f64() > raw[1]["confidence"].as_f64(),
        "markup costs confidence: {:#} {:#}",
        cleaned[1],
        raw[1]
    );

    let out = deskbot(&["classify", HTML_QUESTION], &common::root());
    let text = stdout(&out);
    assert!(text.starts_with("message   Where is my dress?\n"), "{text}");
    assert!(
        text.contains("\ncleaned   HTML rendered as text\n"),
        "{text}"
    );
    let out = deskbot(&["classify", "--no-clean", HTML_QUESTION], &common::root());
    let text = stdout(&out);
    assert!(
        text.starts_with("message   <p>Where is my <b>dress</b>?</p>\n"),
        "{text}"
    );
    assert!(!text.contains("cleaned"), "{text}");
}

#[test]
fn reply_answers_the_new_text_not_the_quoted_thread() {
    // The quoted thread names Chen's order; only Jane's own words should be answered.
    let message = "<div dir=\"ltr\">Where is my dress?</div><br><div class=\"gmail_quote\">\
        <div class=\"gmail_attr\">On Mon, 3 Jun 2024 at 10:12, Shop &lt;help@shop.example&gt; wrote:<br></div>\
        <blockquote class=\"gmail_quote\">Your order #1006 (Chunky Knit Throw) has shipped.</blockquote></div>";
    let reply = |extra: &[&str]| {
        let mut args = vec!["reply", "--format", "json", "--from", "jane@example.com"];
        args.extend_from_slice(extra);
        args.push(message);
        let out = deskbot(&args, &common::root());
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()
    };
    let cleaned = reply(&[]);
    assert_eq!(cleaned["outcome"], "reply", "{cleaned:#}");
    assert_eq!(cleaned["situation"], "tracking/in_transit", "{cleaned:#}");
    assert_eq!(cleaned["cleaned"]["text"], "Where is my dress?");
    assert_eq!(cleaned["cleaned"]["was_html"], true);
    assert_eq!(cleaned["cleaned"]["removed_quote"], true);

    let raw = reply(&["--no-clean"]);
    assert!(raw.get("cleaned").is_none(), "{raw:#}");
    assert_ne!(raw["situation"], "tracking/in_transit", "{raw:#}");

    let out = deskbot(
        &["reply", "--from", "jane@example.com", message],
        &common::root(),
    );
    let text = stdout(&out);
    assert!(text.starts_with("reply     tracking/in_transit"), "{text}");
    assert!(
        text.contains("\ncleaned   HTML rendered as text, quoted thread removed\n---\n"),
        "{text}"
    );
}

/// `eval` reads a help desk's export as `train` does: its own columns, its tags mapped to
/// intents, unmapped tags left out. The report is the one for the same rows as `text,intent`.
#[test]
fn eval_reads_an_export_through_the_layout_options() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        ("where is my parcel?", "WISMO", Some("tracking")),
        ("I want to send these shoes back", "Refund", Some("return")),
        ("please cancel my order", "cancel", Some("cancel")),
        (
            "the charger was not in the box",
            "missing",
            Some("missing_item"),
        ),
        ("do you sell gift cards?", "spam", None),
        ("what are your opening hours", "general", Some("other")),
    ];
    let mut export = csv::Writer::from_path(dir.path().join("export.csv")).unwrap();
    export.write_record(["Id", "Body", "Tags"]).unwrap();
    for (id, (text, tag, _)) in rows.iter().enumerate() {
        export
            .write_record([id.to_string().as_str(), text, tag])
            .unwrap();
    }
    export.flush().unwrap();
    std::fs::write(
        dir.path().join("map.csv"),
        "from,to\nwismo,tracking\nrefund,return\nmissing,missing_item\ngeneral,other\n",
    )
    .unwrap();
    let plain: Vec<(&str, &str)> = rows
        .iter()
        .filter_map(|(text, _, intent)| intent.map(|intent| (*text, intent)))
        .collect();
    common::write_csv(&dir.path().join("plain.csv"), &plain);

    let eval = |extra: &[&str]| {
        let root = common::root();
        let model = root.join("models/intent-model.json");
        let mut args = vec![
            "eval",
            "--model",
            model.to_str().unwrap(),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = deskbot(&args, dir.path());
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()
    };
    let mapped = eval(&[
        "--data",
        "export.csv",
        "--text-column",
        "body",
        "--intent-column",
        "Tags",
        "--label-map",
        "map.csv",
        "--unmapped",
        "skip",
    ]);
    assert_eq!(mapped["messages"], 5, "{mapped}");
    assert_eq!(mapped, eval(&["--data", "plain.csv"]));

    // Without the options the export's columns are missing, and the error says which.
    let out = deskbot(&["eval", "--data", "export.csv"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("export.csv:1: missing column `text`"),
        "{}",
        stderr(&out)
    );
}

/// `classify --input` reads an export's own columns, and JSON output carries the named id.
#[test]
fn classify_reads_an_exports_columns_and_passes_its_id_through() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("export.csv"),
        "Ticket ID,Body,id\n41,please cancel my order,x\n42,,y\n",
    )
    .unwrap();
    let out = deskbot(
        &[
            "classify",
            "--input",
            "export.csv",
            "--text-column",
            "Body",
            "--id-column",
            "ticket id",
            "--format",
            "jsonl",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let read: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["id"].as_str().unwrap(), l["intent"].as_str().unwrap()))
        .collect();
    assert_eq!(read, [("41", "cancel"), ("42", "other")]);
    assert_eq!(lines[1]["reason"], "empty_message");

    // The options belong to --input: with messages as arguments they are a usage error.
    let out = deskbot(&["classify", "--text-column", "Body", "hello"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = deskbot(&["classify", "hello"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
}
