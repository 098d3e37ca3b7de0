//! Evaluation: accuracy, macro-F1, per-intent precision/recall/F1 (from linfa's confusion
//! matrix), escalation rate, and the precision/coverage of automated answers.

use std::collections::BTreeMap;

use linfa::metrics::ToConfusionMatrix;
use ndarray::Array1;
use serde::Serialize;

use crate::classify::dataset::Dataset;
use crate::classify::decision::{EscalationReason, Thresholds};
use crate::classify::intent::Intent;
use crate::classify::label::{with_intents, Label};
use crate::classify::model::IntentModel;
use crate::classify::review::Proportion;
use crate::classify::tune::{automation_stats, tune_thresholds, AutomationStats, CalibrationPoint};

/// Precision targets of the trade-off table: what each would buy on the evaluated messages.
pub const TRADE_OFF_TARGETS: [f64; 6] = [0.90, 0.95, 0.97, 0.98, 0.99, 0.995];

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntentMetrics {
    /// The label: a built-in intent or one of the shop's own.
    #[serde(rename = "intent")]
    pub label: Label,
    /// Of messages predicted as this label, the share that are.
    pub precision: f64,
    /// Of messages that are this label, the share predicted so.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// Messages whose true label this is.
    pub support: usize,
}

/// Label-level metrics of a set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationMetrics {
    /// Share of messages with the right top label.
    pub accuracy: f64,
    /// Mean of the per-label F1 scores.
    pub macro_f1: f64,
    /// The rows and columns of the tables below: the five built-in intents, then every label
    /// of the shop's own that the truth or the predictions name, in model column order.
    pub labels: Vec<Label>,
    /// Per label, in `labels` order.
    pub per_intent: Vec<IntentMetrics>,
    /// `confusion[truth][predicted]` counts, in `labels` order.
    pub confusion: Vec<Vec<usize>>,
}

impl ClassificationMetrics {
    /// Computes the metrics. Labels absent from both `truth` and `predicted` get zeros and do
    /// not count towards macro-F1.
    pub fn compute(truth: &[Label], predicted: &[Label]) -> Self {
        assert_eq!(truth.len(), predicted.len(), "one prediction per truth");
        let labels = with_intents(truth.iter().chain(predicted).copied());
        let index = |label: &Label| labels.binary_search(label).expect("listed above");
        let k = labels.len();
        let mut confusion = vec![vec![0usize; k]; k];
        for (t, p) in truth.iter().zip(predicted) {
            confusion[index(t)][index(p)] += 1;
        }
        let truth_ids = Array1::from_iter(truth.iter().map(index));
        let predicted_ids = Array1::from_iter(predicted.iter().map(index));
        // linfa orders its classes by id; ours are positions in `labels`, so the k-th binary
        // matrix belongs to the k-th label present.
        let present: Vec<usize> = (0..k)
            .filter(|&i| {
                confusion[i].iter().any(|&n| n > 0) || confusion.iter().any(|row| row[i] > 0)
            })
            .collect();
        let mut per_intent: Vec<IntentMetrics> = labels
            .iter()
            .zip(&confusion)
            .map(|(&label, row)| IntentMetrics {
                label,
                precision: 0.0,
                recall: 0.0,
                f1: 0.0,
                support: row.iter().sum(),
            })
            .collect();
        let mut accuracy = 0.0;
        if present.len() >= 2 {
            // linfa's one-vs-all split reads rows as the actual class, so build the matrix from
            // the truth's side; the hand-computed test below pins this orientation.
            let matrix = truth_ids
                .confusion_matrix(&predicted_ids)
                .expect("equal lengths checked above");
            accuracy = finite_or_zero(matrix.accuracy());
            for (&label, binary) in present.iter().zip(matrix.split_one_vs_all()) {
                let metrics = &mut per_intent[label];
                metrics.precision = finite_or_zero(binary.precision());
                metrics.recall = finite_or_zero(binary.recall());
                metrics.f1 = finite_or_zero(binary.f1_score());
            }
        } else if let Some(&only) = present.first() {
            // One class only: every prediction is right; linfa needs two classes.
            accuracy = 1.0;
            let metrics = &mut per_intent[only];
            (metrics.precision, metrics.recall, metrics.f1) = (1.0, 1.0, 1.0);
        }
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|&i| per_intent[i].f1).sum::<f64>() / present.len() as f64
        };
        ClassificationMetrics {
            accuracy,
            macro_f1,
            labels,
            per_intent,
            confusion,
        }
    }

    /// The metrics of `label`, when it is one of [`ClassificationMetrics::labels`].
    pub fn of(&self, label: impl Into<Label>) -> Option<&IntentMetrics> {
        let label = label.into();
        self.per_intent.iter().find(|m| m.label == label)
    }
}

/// linfa computes in `f32`; widening one bit for bit prints float noise (0.9009009003639221).
/// Going through the `f32`'s shortest decimal form keeps what `f32` actually knows: 0.9009009.
fn finite_or_zero(value: f32) -> f64 {
    if value.is_finite() {
        value.to_string().parse().unwrap_or(0.0)
    } else {
        0.0
    }
}

/// One point of the coverage-vs-precision curve: every in-scope intent held to `threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// The threshold applied to every intent.
    pub threshold: f64,
    /// Precision of automated answers.
    pub precision: f64,
    /// Share of in-scope messages answered automatically and correctly.
    pub coverage: f64,
}

/// Everything `deskbot eval` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// Messages evaluated.
    pub messages: usize,
    /// Label-level metrics.
    pub metrics: ClassificationMetrics,
    /// Share of messages escalated to a human.
    pub escalation_rate: f64,
    /// Escalations by reason code.
    pub escalations: BTreeMap<&'static str, usize>,
    /// Automated answers under the model's thresholds.
    pub automation: AutomationStats,
    /// `other` messages, and how many of them were escalated (never answered automatically).
    pub other_escalated: OtherEscalated,
    /// Coverage-vs-precision as one global threshold sweeps from 0 to 1.
    pub curve: Vec<CurvePoint>,
    /// For each of [`TRADE_OFF_TARGETS`], the thresholds tuned for it on the model's stored
    /// cross-validated predictions, applied to these messages. Empty when the model stores none
    /// (trained with `--no-tune`).
    pub trade_off: Vec<TargetOutcome>,
}

/// How many `other` messages were kept away from automated answers.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct OtherEscalated {
    /// Messages whose true intent is `other`.
    pub messages: usize,
    /// Of those, escalated.
    pub escalated: usize,
}

impl OtherEscalated {
    /// The share escalated (1 when there is no `other` message).
    pub fn share(&self) -> f64 {
        if self.messages == 0 {
            1.0
        } else {
            self.escalated as f64 / self.messages as f64
        }
    }
}

/// What one tuning target buys on evaluated messages: a point of the precision–coverage
/// trade-off, each share with its 95% Wilson interval, since a few hundred messages leave
/// precision uncertain by a point or more.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TargetOutcome {
    /// The precision asked of the cross-validated predictions.
    pub target_precision: f64,
    /// Automated answers and how many were right.
    pub stats: AutomationStats,
    /// Precision of the automated answers; `None` when nothing is automated.
    pub precision: Option<Proportion>,
    /// Share of in-scope messages answered automatically and right; `None` without one.
    pub coverage: Option<Proportion>,
}

/// Evaluates `model` on `data`.
pub fn evaluate(model: &IntentModel, data: &Dataset) -> EvalReport {
    let texts: Vec<&str> = data.messages.iter().map(|m| m.text.as_str()).collect();
    let predictions = model.classify_batch(&texts);
    let truth: Vec<Label> = data.messages.iter().map(|m| m.label).collect();
    let predicted: Vec<Label> = predictions.iter().map(|p| p.label).collect();
    let mut escalations = BTreeMap::new();
    for prediction in &predictions {
        if let Some(reason) = prediction.decision.reason() {
            *escalations.entry(reason.code()).or_insert(0) += 1;
        }
    }
    let escalated: usize = escalations.values().sum();
    let points: Vec<CalibrationPoint> = truth
        .iter()
        .zip(&predictions)
        .map(|(&truth, p)| {
            // An empty message is never automated, whatever its scores; counting it as an
            // `other` prediction keeps it out of every threshold's automated answers.
            let empty = p.decision.reason() == Some(EscalationReason::EmptyMessage);
            CalibrationPoint {
                truth,
                predicted: if empty { Intent::Other.into() } else { p.label },
                confidence: p.confidence,
                gap: p.confidence - p.scores[1].probability,
            }
        })
        .collect();
    // Empty messages never automate whatever their scores; count them as escalated.
    let automation = {
        let mut stats = AutomationStats {
            in_scope: truth.iter().filter(|i| i.is_in_scope()).count(),
            ..AutomationStats::default()
        };
        for (&truth, prediction) in truth.iter().zip(&predictions) {
            if prediction.decision.is_automate() {
                stats.automated += 1;
                stats.correct += usize::from(prediction.label == truth);
            }
        }
        stats
    };
    EvalReport {
        messages: data.messages.len(),
        metrics: ClassificationMetrics::compute(&truth, &predicted),
        escalation_rate: escalated as f64 / data.messages.len().max(1) as f64,
        escalations,
        automation,
        other_escalated: OtherEscalated {
            messages: truth.iter().filter(|i| !i.is_in_scope()).count(),
            escalated: truth
                .iter()
                .zip(&predictions)
                .filter(|(truth, p)| !truth.is_in_scope() && !p.decision.is_automate())
                .count(),
        },
        curve: coverage_curve(&points, model.thresholds().ambiguity_margin),
        trade_off: trade_off(model.calibration(), model.thresholds(), &points),
    }
}

/// Tunes thresholds for each of [`TRADE_OFF_TARGETS`] on `calibration` (the model's
/// cross-validated predictions, as `train` does) and measures them on `points`.
pub fn trade_off(
    calibration: &[CalibrationPoint],
    base: &Thresholds,
    points: &[CalibrationPoint],
) -> Vec<TargetOutcome> {
    if calibration.is_empty() {
        return Vec::new();
    }
    let base = Thresholds {
        per_intent: BTreeMap::new(),
        ..base.clone()
    };
    TRADE_OFF_TARGETS
        .into_iter()
        .map(|target_precision| {
            let (thresholds, _) = tune_thresholds(calibration, target_precision, &base);
            let stats = automation_stats(points, &thresholds, None);
            TargetOutcome {
                target_precision,
                stats,
                precision: Proportion::wilson(stats.correct, stats.automated),
                coverage: Proportion::wilson(stats.correct, stats.in_scope),
            }
        })
        .collect()
}

/// Sweeps one threshold for every intent over `[0, 1]` in steps of 0.01.
pub fn coverage_curve(points: &[CalibrationPoint], margin: f64) -> Vec<CurvePoint> {
    (0..=100)
        .map(|step| {
            let threshold = f64::from(step) / 100.0;
            let thresholds = Thresholds {
                default: threshold,
                per_intent: BTreeMap::new(),
                ambiguity_margin: margin,
            };
            let stats = automation_stats(points, &thresholds, None);
            CurvePoint {
                threshold,
                precision: stats.precision(),
                coverage: stats.coverage(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Intent::*;

    fn labels<const N: usize>(intents: [Intent; N]) -> Vec<Label> {
        intents.into_iter().map(Label::from).collect()
    }

    #[test]
    fn metrics_match_hand_computation() {
        // tracking: 3 true; predicted tracking 3 times, 2 right → P = 2/3, R = 2/3.
        // cancel: 2 true, both predicted cancel, plus one false cancel → P = 2/3, R = 1.
        // other: 1 true, predicted tracking → P = 0 (never predicted), R = 0.
        let truth = labels([Tracking, Tracking, Tracking, Cancel, Cancel, Other]);
        let predicted = labels([Tracking, Tracking, Cancel, Cancel, Cancel, Tracking]);
        let m = ClassificationMetrics::compute(&truth, &predicted);
        let get = |i: Intent| *m.of(i).unwrap();
        assert!((m.accuracy - 4.0 / 6.0).abs() < 1e-6);
        assert!((get(Tracking).precision - 2.0 / 3.0).abs() < 1e-6);
        assert!((get(Tracking).recall - 2.0 / 3.0).abs() < 1e-6);
        assert!((get(Cancel).precision - 2.0 / 3.0).abs() < 1e-6);
        assert!((get(Cancel).recall - 1.0).abs() < 1e-6);
        assert!((get(Cancel).f1 - 0.8).abs() < 1e-6);
        assert_eq!(get(Other).f1, 0.0);
        assert_eq!(get(Return).support, 0);
        let expected_macro = (2.0 / 3.0 + 0.8 + 0.0) / 3.0;
        assert!((m.macro_f1 - expected_macro).abs() < 1e-6, "{}", m.macro_f1);
        assert_eq!(m.confusion[Tracking.index()][Cancel.index()], 1);
        assert_eq!(m.confusion[Other.index()][Tracking.index()], 1);
        assert_eq!(m.labels.len(), Intent::COUNT);
    }

    #[test]
    fn single_class_is_handled_without_linfa() {
        let m =
            ClassificationMetrics::compute(&labels([Cancel, Cancel]), &labels([Cancel, Cancel]));
        assert_eq!(m.accuracy, 1.0);
        assert_eq!(m.macro_f1, 1.0);
    }

    #[test]
    fn a_shops_own_labels_get_rows_columns_and_a_share_of_macro_f1() {
        let exchange = Label::parse("exchange").unwrap();
        let wholesale = Label::parse("wholesale").unwrap();
        let truth = vec![exchange, exchange, Tracking.into(), wholesale];
        let predicted = vec![exchange, Return.into(), Tracking.into(), exchange];
        let m = ClassificationMetrics::compute(&truth, &predicted);
        let names: Vec<_> = m.labels.iter().map(Label::as_str).collect();
        assert_eq!(
            names,
            [
                "tracking",
                "return",
                "missing_item",
                "cancel",
                "other",
                "exchange",
                "wholesale"
            ]
        );
        assert_eq!(m.confusion[5][5], 1);
        assert_eq!(m.confusion[5][1], 1);
        assert_eq!(m.confusion[6][5], 1);
        let of_exchange = m.of(exchange).unwrap();
        assert!((of_exchange.precision - 0.5).abs() < 1e-6);
        assert!((of_exchange.recall - 0.5).abs() < 1e-6);
        assert_eq!(m.of(wholesale).unwrap().f1, 0.0);
        // tracking 1, exchange 0.5, return 0, wholesale 0: four labels present.
        assert!((m.macro_f1 - 1.5 / 4.0).abs() < 1e-6, "{}", m.macro_f1);
    }

    fn point(truth: Intent, predicted: Intent, confidence: f64) -> CalibrationPoint {
        CalibrationPoint {
            truth: truth.into(),
            predicted: predicted.into(),
            confidence,
            gap: confidence,
        }
    }

    #[test]
    fn trade_off_tunes_on_calibration_and_measures_on_the_messages() {
        // Cross-validated: the most confident tracking answer (0.95) is wrong, the nine below it
        // (0.94 down to 0.86) right, so 90% is first met at 0.86 and 95% is never met.
        let mut calibration = vec![point(Other, Tracking, 0.95)];
        calibration.extend((86..=94).map(|c| point(Tracking, Tracking, f64::from(c) / 100.0)));
        // Evaluated: right at 0.88, wrong at 0.87, right but below every threshold at 0.5.
        let points = [
            point(Tracking, Tracking, 0.88),
            point(Other, Tracking, 0.87),
            point(Tracking, Tracking, 0.5),
            point(Return, Other, 0.9),
        ];
        let base = Thresholds::default();
        let outcomes = trade_off(&calibration, &base, &points);
        assert_eq!(outcomes.len(), TRADE_OFF_TARGETS.len());
        let at = |target: f64| {
            *outcomes
                .iter()
                .find(|o| (o.target_precision - target).abs() < 1e-12)
                .unwrap()
        };
        let lenient = at(0.90);
        assert_eq!((lenient.stats.automated, lenient.stats.correct), (2, 1));
        let precision = lenient.precision.unwrap();
        assert_eq!(precision.estimate, 0.5);
        assert!(
            precision.low < 0.1 && precision.high > 0.9,
            "two answers prove little"
        );
        let coverage = lenient.coverage.unwrap();
        assert_eq!((coverage.successes, coverage.trials), (1, 3));
        // A target no threshold meets automates nothing: no precision to show.
        let strict = at(0.95);
        assert_eq!(strict.stats.automated, 0);
        assert_eq!(strict.precision, None);
        assert_eq!(strict.coverage.unwrap().estimate, 0.0);
        assert!(trade_off(&[], &base, &points).is_empty());
    }

    #[test]
    fn curve_trades_coverage_for_precision() {
        let points = [
            CalibrationPoint {
                truth: Tracking.into(),
                predicted: Tracking.into(),
                confidence: 0.9,
                gap: 0.8,
            },
            CalibrationPoint {
                truth: Return.into(),
                predicted: Tracking.into(),
                confidence: 0.5,
                gap: 0.3,
            },
        ];
        let curve = coverage_curve(&points, 0.1);
        assert_eq!(curve.len(), 101);
        let at = |t: f64| {
            curve
                .iter()
                .find(|p| (p.threshold - t).abs() < 1e-9)
                .unwrap()
        };
        assert_eq!(at(0.4).precision, 0.5);
        assert_eq!(at(0.6).precision, 1.0);
        assert_eq!(at(0.6).coverage, 0.5);
        assert_eq!(at(0.95).coverage, 0.0);
    }
}
