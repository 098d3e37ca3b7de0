//! Champion / challenger: `classify::compare` on real models and the bundled held-out set, and
//! `deskbot eval --model A --model B` as a user runs it.

mod common;

use deskbot::classify::compare::{compare, Comparison, Verdict};
use deskbot::classify::dataset::Dataset;
use deskbot::classify::model::train::train;
use deskbot::classify::model::TrainParams;
use deskbot::IntentModel;

fn bundled() -> IntentModel {
    IntentModel::load(common::root().join("models/intent-model.json")).unwrap()
}

fn holdout() -> Dataset {
    Dataset::load(&common::root().join("training-data/holdout")).unwrap()
}

/// A deliberately weak champion: trained on every 12th bundled message, untuned.
fn weak() -> IntentModel {
    let params = TrainParams::default().tuning(None).check().unwrap();
    train(&params, common::sample(12), None).unwrap().model
}

fn metric<'a>(
    comparison: &'a Comparison,
    name: &str,
) -> &'a deskbot::classify::compare::MetricComparison {
    comparison
        .headline
        .iter()
        .chain(&comparison.per_intent)
        .find(|m| m.metric == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn a_model_against_itself_is_not_distinguishable() {
    let model = bundled();
    let comparison = compare(&model, &model, &holdout(), 300, 7);
    assert_eq!(comparison.verdict, Verdict::NotDistinguishable);
    for m in comparison.headline.iter().chain(&comparison.per_intent) {
        assert_eq!(m.a, m.b, "{}", m.metric);
        assert_eq!(m.interval, (0.0, 0.0), "{}", m.metric);
    }
    assert_eq!(
        comparison.per_intent.len(),
        5,
        "every intent of the holdout"
    );
}

#[test]
fn the_bundled_model_beats_a_weak_one_and_the_mirror_says_worse() {
    let (weak, strong, data) = (weak(), bundled(), holdout());
    let forward = compare(&weak, &strong, &data, 500, 1);
    let f1 = metric(&forward, "macro_f1");
    assert!(f1.b > f1.a, "{f1:?}");
    assert!(f1.interval.0 > 0.0, "{f1:?}");
    assert_eq!(f1.verdict, Verdict::Better);
    assert!(f1.interval.0 <= f1.difference && f1.difference <= f1.interval.1);
    // The same draws with the roles swapped: the differences and the verdicts mirror.
    let backward = compare(&strong, &weak, &data, 500, 1);
    let back = metric(&backward, "macro_f1");
    assert_eq!(back.verdict, Verdict::Worse);
    assert!((back.interval.0 + f1.interval.1).abs() < 1e-12);
    assert!((back.interval.1 + f1.interval.0).abs() < 1e-12);
    let mirrored = match forward.verdict {
        Verdict::Better => Verdict::Worse,
        Verdict::Worse => Verdict::Better,
        other => other,
    };
    assert_eq!(backward.verdict, mirrored);
}

/// The bundled model with thresholds no prediction reaches: it automates nothing.
fn never_automates() -> IntentModel {
    let model = bundled();
    let mut thresholds = model.thresholds().clone();
    thresholds.default = 1.0;
    thresholds.per_intent.clear();
    thresholds.ambiguity_margin = 0.999;
    model.with_thresholds(thresholds).unwrap()
}

#[test]
fn a_model_that_never_automates_has_no_precision_and_is_worse() {
    let model = bundled();
    let cautious = never_automates();
    let comparison = compare(&model, &cautious, &holdout(), 400, 3);
    let coverage = metric(&comparison, "automated_coverage");
    assert_eq!(coverage.b, 0.0);
    assert_eq!(coverage.verdict, Verdict::Worse);
    // Answering nothing is not precision: undefined, so it cannot make B better, and the
    // verdict is worse, not mixed.
    let precision = metric(&comparison, "automated_precision");
    assert!(precision.a > 0.9, "{precision:?}");
    assert!(
        precision.b.is_nan() && precision.difference.is_nan(),
        "{precision:?}"
    );
    assert!(precision.interval.0.is_nan(), "{precision:?}");
    assert_eq!(precision.verdict, Verdict::NotDistinguishable);
    assert_eq!(comparison.verdict, Verdict::Worse);
    assert_eq!(
        metric(&comparison, "macro_f1").verdict,
        Verdict::NotDistinguishable
    );
    // JSON shows the undefined values as null.
    let json = serde_json::to_value(precision).unwrap();
    assert!(
        json["b"].is_null() && json["interval"][0].is_null(),
        "{json}"
    );
}

#[test]
fn the_same_seed_gives_the_same_intervals() {
    let (weak, strong, data) = (weak(), bundled(), holdout());
    let first = compare(&weak, &strong, &data, 200, 42);
    let second = compare(&weak, &strong, &data, 200, 42);
    assert_eq!(first, second);
    let other = compare(&weak, &strong, &data, 200, 43);
    assert_ne!(
        metric(&first, "macro_f1").interval,
        metric(&other, "macro_f1").interval
    );
}

#[cfg(feature = "cli")]
mod cli {
    use std::process::Command;

    use super::*;

    #[test]
    fn eval_with_two_models_prints_both_side_by_side_and_a_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let weak_path = dir.path().join("weak.json");
        weak().save(&weak_path).unwrap();
        let root = common::root();
        let run = |format: &str| {
            Command::new(env!("CARGO_BIN_EXE_deskbot"))
                .args(["eval", "--model"])
                .arg(&weak_path)
                .args([
                    "--model",
                    "models/intent-model.json",
                    "--resamples",
                    "300",
                    "--format",
                    format,
                ])
                .current_dir(&root)
                .output()
                .unwrap()
        };
        let text = run("text");
        assert!(
            text.status.success(),
            "{}",
            String::from_utf8_lossy(&text.stderr)
        );
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(text.contains("A (champion)"), "{text}");
        assert!(text.contains("macro-F1"), "{text}");
        assert!(text.contains("F1 missing_item"), "{text}");
        assert!(text.contains("95% interval"), "{text}");
        assert!(
            text.lines().last().unwrap().starts_with("B is better")
                || text
                    .lines()
                    .last()
                    .unwrap()
                    .starts_with("B is better on some"),
            "{text}"
        );
        let json = run("json");
        assert!(json.status.success());
        let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let comparison = &value["comparison"];
        assert_eq!(comparison["resamples"], 300);
        assert_eq!(comparison["headline"][0]["metric"], "macro_f1");
        assert_eq!(comparison["headline"][0]["verdict"], "better");

        let three = Command::new(env!("CARGO_BIN_EXE_deskbot"))
            .args(["eval", "--model", "a", "--model", "b", "--model", "c"])
            .current_dir(&root)
            .output()
            .unwrap();
        assert_eq!(three.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&three.stderr).contains("--model is given 3 times"));
        let plot = Command::new(env!("CARGO_BIN_EXE_deskbot"))
            .args(["eval", "--model", "a", "--model", "b", "--plot", "charts"])
            .current_dir(&root)
            .output()
            .unwrap();
        assert_eq!(plot.status.code(), Some(2));
        assert!(!root.join("charts").exists());
    }

    #[test]
    fn a_challenger_that_automates_nothing_shows_no_precision() {
        let dir = tempfile::tempdir().unwrap();
        let silent = dir.path().join("silent.json");
        never_automates().save(&silent).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_deskbot"))
            .args([
                "eval",
                "--resamples",
                "100",
                "--model",
                "models/intent-model.json",
            ])
            .arg("--model")
            .arg(&silent)
            .current_dir(common::root())
            .output()
            .unwrap();
        assert!(output.status.success());
        let text = String::from_utf8(output.stdout).unwrap();
        let precision = text
            .lines()
            .find(|line| line.starts_with("automated precision"))
            .unwrap();
        let cells: Vec<&str> = precision.split_whitespace().collect();
        // metric (2 words), A, B, B − A, interval, verdict.
        assert!(cells[2].starts_with("0.9"), "{precision}");
        assert_eq!(&cells[3..6], ["—", "—", "—"], "{precision}");
        assert!(precision.ends_with("not distinguishable"), "{precision}");
        assert!(
            text.lines().last().unwrap().starts_with("B is worse"),
            "{text}"
        );
    }

    /// `--require` gates a challenger for scripts: status 3 when refused, after the report.
    #[test]
    fn eval_require_refuses_a_worse_challenger_with_status_3() {
        let dir = tempfile::tempdir().unwrap();
        let weak_path = dir.path().join("weak.json");
        weak().save(&weak_path).unwrap();
        let root = common::root();
        let bundled = root.join("models/intent-model.json");
        let gate = |champion: &std::path::Path, challenger: &std::path::Path, require: &str| {
            Command::new(env!("CARGO_BIN_EXE_deskbot"))
                .args([
                    "eval",
                    "--resamples",
                    "300",
                    "--require",
                    require,
                    "--model",
                ])
                .arg(champion)
                .arg("--model")
                .arg(challenger)
                .current_dir(&root)
                .output()
                .unwrap()
        };
        // The bundled model is better than the weak one on this holdout.
        for require in ["better", "no-worse"] {
            let promoted = gate(&weak_path, &bundled, require);
            assert_eq!(
                promoted.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&promoted.stderr)
            );
        }
        let refused = gate(&bundled, &weak_path, "no-worse");
        assert_eq!(refused.status.code(), Some(3));
        let stdout = String::from_utf8_lossy(&refused.stdout);
        assert!(
            stdout.contains("B is worse"),
            "the report comes first: {stdout}"
        );
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("--require no-worse: the challenger is worse"),
            "{stderr}"
        );
        // Against itself nothing is distinguishable: no worse, but not better either.
        assert_eq!(gate(&bundled, &bundled, "no-worse").status.code(), Some(0));
        assert_eq!(gate(&bundled, &bundled, "better").status.code(), Some(3));

        let alone = Command::new(env!("CARGO_BIN_EXE_deskbot"))
            .args(["eval", "--require", "better"])
            .current_dir(&root)
            .output()
            .unwrap();
        assert_eq!(alone.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&alone.stderr).contains("give --model twice"));
    }
}
