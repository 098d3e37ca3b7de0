//! A shop's own labels: learnt beside the five intents, always escalated with their own reason,
//! counted by `eval`, stored in model format version 2; version 1 files still load.

mod common;

use std::path::{Path, PathBuf};

use deskbot::classify::dataset::{DataError, Dataset};
use deskbot::classify::eval::evaluate;
use deskbot::classify::model::train::train;
use deskbot::classify::model::TrainParams;
use deskbot::{CustomLabel, Decision, EscalationReason, Intent, IntentModel, Label};

/// Messages of two labels the bundled intents do not have, varied enough to learn: every
/// opening with every request, so no two rows are the same text.
fn own_rows() -> Vec<(String, &'static str)> {
    let openings = [
        "Hi,",
        "Hello there.",
        "Good morning,",
        "Quick question:",
        "Hey team,",
        "Dear support,",
    ];
    let wholesale = [
        "do you offer wholesale pricing for 200 units?",
        "we run a boutique and want to stock your candles, what are your trade prices?",
        "can I open a trade account for bulk orders?",
        "is there a discount for buying in bulk, around 500 pieces?",
        "we'd like to become a reseller, please send your wholesale catalogue",
        "what is the minimum order quantity for wholesale?",
    ];
    let address_change = [
        "I moved last week, please update the delivery address on my account",
        "can you change the shipping address to 12 Park Lane before it ships?",
        "I typed the wrong street in my address, it should be Mill Road 4",
        "please send it to my office address instead of my home",
        "my postcode is wrong on the order, it is SW1A 1AA",
        "could you edit the address, the flat number is missing",
    ];
    let mut rows = Vec::new();
    for opening in openings {
        for text in wholesale {
            rows.push((format!("{opening} {text}"), "wholesale"));
        }
        for text in address_change {
            rows.push((format!("{opening} {text}"), "address_change"));
        }
    }
    rows
}

/// The bundled data's every third message plus the shop's own rows, as one CSV in `dir`.
fn training_csv(dir: &Path) -> PathBuf {
    let data = common::sample(3);
    let own = own_rows();
    let mut rows: Vec<(&str, &str)> = data
        .messages
        .iter()
        .map(|m| (m.text.as_str(), m.label.as_str()))
        .collect();
    rows.extend(own.iter().map(|(text, label)| (text.as_str(), *label)));
    let path = dir.join("train.csv");
    common::write_csv(&path, &rows);
    path
}

fn trained(dir: &Path) -> IntentModel {
    let data = Dataset::load(&training_csv(dir)).unwrap();
    let params = TrainParams::default().check().unwrap();
    train(&params, data, None).unwrap().model
}

fn label(name: &str) -> CustomLabel {
    CustomLabel::parse(name).unwrap()
}

#[test]
fn a_shops_own_labels_are_learnt_escalated_by_name_and_saved_as_version_2() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let names: Vec<&str> = model.labels().iter().map(Label::as_str).collect();
    assert_eq!(
        names,
        [
            "tracking",
            "return",
            "missing_item",
            "cancel",
            "other",
            "address_change",
            "wholesale"
        ]
    );

    // Unseen phrasings of the shop's own topics: predicted, never automated.
    for (text, own) in [
        (
            "Could we get wholesale pricing for our shop? We would buy 300 units",
            "wholesale",
        ),
        (
            "Please change the delivery address on my order, I moved",
            "address_change",
        ),
    ] {
        let prediction = model.classify(text);
        assert_eq!(prediction.label, Label::Custom(label(own)), "{text}");
        assert_eq!(prediction.intent, Intent::Other, "{text}");
        assert_eq!(
            prediction.decision,
            Decision::Escalate(EscalationReason::Custom { label: label(own) })
        );
        assert_eq!(
            prediction.decision.reason().unwrap().code(),
            format!("custom:{own}")
        );
        assert_eq!(prediction.scores.len(), 7);
        let total: f64 = prediction.scores.iter().map(|s| s.probability).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
    // The built-in intents still answer.
    let tracking = model.classify("Where is my parcel? It has not arrived yet, order #1042");
    assert_eq!(tracking.label, Intent::Tracking);

    // Saved and loaded back: the same labels and the same answers.
    let path = dir.path().join("own.json");
    model.save(&path).unwrap();
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file["format_version"], 2);
    assert_eq!(file["labels"][6], "wholesale");
    assert_eq!(file["training"]["rows_per_intent"]["wholesale"], 36);
    let loaded = IntentModel::load(&path).unwrap();
    assert_eq!(loaded.labels(), model.labels());
    let text = "we want to resell your products, what is the wholesale price?";
    assert_eq!(loaded.classify(text), model.classify(text));

    // Same data, same settings: the same bytes.
    let again = dir.path().join("again.json");
    trained(dir.path()).save(&again).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn eval_counts_a_shops_own_labels() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let holdout = dir.path().join("holdout.csv");
    common::write_csv(
        &holdout,
        &[
            (
                "Is wholesale pricing available if we buy 1000 units?",
                "wholesale",
            ),
            (
                "We are a reseller, can we open a trade account?",
                "wholesale",
            ),
            (
                "I need to fix the street name in my delivery address",
                "address_change",
            ),
            ("where is my order #1001", "tracking"),
        ],
    );
    let report = evaluate(&model, &Dataset::load(&holdout).unwrap());
    let wholesale = report.metrics.of(label("wholesale")).unwrap();
    assert_eq!(wholesale.support, 2);
    assert!(wholesale.recall > 0.9, "{wholesale:?}");
    assert_eq!(report.metrics.labels.len(), 7);
    assert_eq!(report.metrics.confusion.len(), 7);
    // A shop's own label is escalated, never automated, and has its own escalation code.
    assert!(report
        .escalations
        .keys()
        .any(|code| code.starts_with("custom:")));
    assert!(report.automation.automated <= 1);
}

#[test]
fn version_1_model_files_still_load_and_answer_the_same() {
    let bundled = std::fs::read_to_string(common::root().join("models/intent-model.json")).unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&bundled).unwrap();
    assert_eq!(file["format_version"], 2);
    file["format_version"] = 1.into();
    let v1 = IntentModel::from_slice("v1.json", file.to_string().as_bytes()).unwrap();
    let v2 = IntentModel::from_slice("v2.json", bundled.as_bytes()).unwrap();
    for text in [
        "where is my order",
        "cancel it please",
        "do you sell gift cards",
    ] {
        assert_eq!(v1.classify(text), v2.classify(text));
    }

    // Version 1 had the five intents only.
    let mut with_own = file.clone();
    add_label(&mut with_own, "wholesale");
    let err = IntentModel::from_slice("v1.json", with_own.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("format version 1"), "{err}");
    // Version 2 takes them, sorted and distinct, and refuses typos of the intents.
    with_own["format_version"] = 2.into();
    IntentModel::from_slice("v2.json", with_own.to_string().as_bytes()).unwrap();
    for (extra, problem) in [
        ("address_change", "out of order"),
        ("trackng", "misspelling"),
    ] {
        let mut bad = with_own.clone();
        add_label(&mut bad, extra);
        let err = IntentModel::from_slice("bad.json", bad.to_string().as_bytes()).unwrap_err();
        assert!(err.to_string().contains(problem), "{extra}: {err}");
    }
}

/// Appends a label column with zero weights to a model file.
fn add_label(file: &mut serde_json::Value, name: &str) {
    file["labels"].as_array_mut().unwrap().push(name.into());
    file["intercepts"]
        .as_array_mut()
        .unwrap()
        .push((-5.0).into());
    for row in file["weights"].as_array_mut().unwrap() {
        row.as_array_mut().unwrap().push(0.0.into());
    }
}

#[test]
fn label_problems_name_the_file_line_and_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.csv");
    std::fs::write(
        &path,
        "text,intent\nwhere is it,tracking\nwhere is my parcel,trackng\n",
    )
    .unwrap();
    let err = Dataset::load(&path).unwrap_err();
    let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
    assert!(chain.contains("typo.csv:3: field `intent`"), "{chain}");
    assert!(
        chain.contains("misspelling of the intent `tracking`"),
        "{chain}"
    );

    // A column of free text read as labels: far more labels than a model may have.
    let path = dir.path().join("wrong-column.csv");
    let mut csv = String::from("text,intent\n");
    for i in 0..20 {
        csv.push_str(&format!("message {i},subject-{i}\n"));
    }
    std::fs::write(&path, csv).unwrap();
    let err = Dataset::load(&path).unwrap_err();
    assert!(
        matches!(err, DataError::TooManyLabels { count: 20, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("is `intent` the label column?"),
        "{err}"
    );
}

/// The binary end to end: train on the shop's labels, then `reply` hands a message of one of
/// them over with its own reason, and `eval` lists it.
#[cfg(feature = "cli")]
#[test]
fn the_cli_trains_hands_over_and_evaluates_a_shops_own_labels() {
    use std::process::Command;

    let dir = tempfile::tempdir().unwrap();
    let data = training_csv(dir.path());
    let deskbot = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_deskbot"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    let summary = deskbot(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        "own.json",
    ]);
    assert!(
        summary.contains("wholesale") && summary.contains("your own label"),
        "{summary}"
    );

    let reply = deskbot(&[
        "reply",
        "Hi, do you offer wholesale pricing for 200 units?",
        "--model",
        "own.json",
        "--format",
        "json",
    ]);
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(reply["outcome"], "handoff");
    assert_eq!(reply["reason"]["code"], "custom");
    assert_eq!(reply["reason"]["label"], "wholesale");
    assert_eq!(reply["intent"], "wholesale");
    assert!(
        reply["note"]
            .as_str()
            .unwrap()
            .contains("Classified as wholesale"),
        "{reply}"
    );

    let holdout = dir.path().join("holdout.csv");
    common::write_csv(
        &holdout,
        &[
            (
                "Is wholesale pricing available if we buy 1000 units?",
                "wholesale",
            ),
            ("where is my order #1001", "tracking"),
        ],
    );
    let report = deskbot(&["eval", "--model", "own.json", "--data", "holdout.csv"]);
    let row = report
        .lines()
        .find(|line| line.starts_with("wholesale "))
        .unwrap_or_else(|| panic!("no wholesale row:\n{report}"));
    assert!(row.trim_end().ends_with('1'), "support 1: {row}");
    assert!(report.contains("custom:wholesale"), "{report}");
}
