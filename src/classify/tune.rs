//! Threshold tuning: choose per-intent thresholds from cross-validated predictions so that
//! automated answers reach a target precision, and report the coverage that buys.

use serde::{Deserialize, Serialize};

use crate::classify::decision::Thresholds;
use crate::classify::intent::Intent;
use crate::classify::label::Label;

/// One cross-validated prediction, kept in the model file so `deskbot tune` can re-tune without
/// the training data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationPoint {
    /// The true label.
    pub truth: Label,
    /// The top predicted label.
    pub predicted: Label,
    /// Its probability.
    pub confidence: f64,
    /// Top minus runner-up probability.
    pub gap: f64,
}

/// Automation statistics of a set of predictions under some thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct AutomationStats {
    /// Messages whose true intent is in scope.
    pub in_scope: usize,
    /// Messages that would be answered automatically.
    pub automated: usize,
    /// Of those, answered with the right intent.
    pub correct: usize,
}

impl AutomationStats {
    /// Share of automated answers with the right intent (1 when nothing is automated).
    pub fn precision(&self) -> f64 {
        if self.automated == 0 {
            1.0
        } else {
            self.correct as f64 / self.automated as f64
        }
    }

    /// Share of in-scope messages answered automatically and correctly.
    pub fn coverage(&self) -> f64 {
        if self.in_scope == 0 {
            0.0
        } else {
            self.correct as f64 / self.in_scope as f64
        }
    }
}

/// Whether `point` is automated under `thresholds` (the same rule as
/// [`Thresholds::decide`], on stored top-1 confidence and gap).
pub fn is_automated(point: &CalibrationPoint, thresholds: &Thresholds) -> bool {
    point.predicted.is_in_scope()
        && point.confidence >= thresholds.for_intent(point.predicted.intent())
        && point.gap >= thresholds.ambiguity_margin
}

/// Automation statistics over `points`, overall or for one predicted intent.
pub fn automation_stats(
    points: &[CalibrationPoint],
    thresholds: &Thresholds,
    predicted: Option<Intent>,
) -> AutomationStats {
    let mut stats = AutomationStats::default();
    for point in points {
        if point.truth.is_in_scope() && predicted.is_none_or(|i| point.truth == i) {
            stats.in_scope += 1;
        }
        if predicted.is_some_and(|i| point.predicted != i) {
            continue;
        }
        if is_automated(point, thresholds) {
            stats.automated += 1;
            stats.correct += usize::from(point.truth == point.predicted);
        }
    }
    stats
}

/// Result of tuning one intent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntentTuning {
    /// The intent.
    pub intent: Intent,
    /// Chosen threshold (1.0 when the target cannot be met: the intent is then escalated).
    pub threshold: f64,
    /// Whether any threshold met the target.
    pub target_met: bool,
    /// Statistics at the chosen threshold.
    pub stats: AutomationStats,
}

/// Result of tuning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TuningReport {
    /// The precision asked for.
    pub target_precision: f64,
    /// Per in-scope intent.
    pub intents: Vec<IntentTuning>,
    /// All intents together.
    pub overall: AutomationStats,
}

/// Picks, for each in-scope intent, the lowest threshold whose automated answers reach
/// `target_precision` on `points`, keeping `base`'s default and margin.
pub fn tune_thresholds(
    points: &[CalibrationPoint],
    target_precision: f64,
    base: &Thresholds,
) -> (Thresholds, TuningReport) {
    let mut thresholds = base.clone();
    let mut intents = Vec::new();
    for intent in Intent::ALL.into_iter().filter(|i| i.is_in_scope()) {
        let mut candidates: Vec<&CalibrationPoint> = points
            .iter()
            .filter(|p| p.predicted == intent && p.gap >= base.ambiguity_margin)
            .collect();
        candidates.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        // Walk from the most confident down; a threshold can only sit at a group boundary so
        // that ties are automated together.
        let (mut automated, mut correct) = (0usize, 0usize);
        let mut chosen: Option<f64> = None;
        for (index, point) in candidates.iter().enumerate() {
            automated += 1;
            correct += usize::from(point.truth == intent);
            let group_ends = candidates
                .get(index + 1)
                .is_none_or(|next| next.confidence < point.confidence);
            if group_ends && correct as f64 >= target_precision * automated as f64 {
                chosen = Some(point.confidence);
            }
        }
        let threshold = chosen.unwrap_or(1.0);
        thresholds.per_intent.insert(intent, threshold);
        intents.push(IntentTuning {
            intent,
            threshold,
            target_met: chosen.is_some(),
            stats: automation_stats(points, &thresholds, Some(intent)),
        });
    }
    let overall = automation_stats(points, &thresholds, None);
    (
        thresholds,
        TuningReport {
            target_precision,
            intents,
            overall,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(truth: Intent, predicted: Intent, confidence: f64) -> CalibrationPoint {
        CalibrationPoint {
            truth: truth.into(),
            predicted: predicted.into(),
            confidence,
            gap: confidence - (1.0 - confidence) / 4.0,
        }
    }

    #[test]
    fn threshold_is_the_lowest_that_meets_the_target() {
        use Intent::*;
        // Cancel predictions: confident ones right, the 0.55 one wrong, the 0.5 one right.
        let points = [
            point(Cancel, Cancel, 0.99),
            point(Cancel, Cancel, 0.95),
            point(Cancel, Cancel, 0.9),
            point(Return, Cancel, 0.7),
            point(Cancel, Cancel, 0.6),
            point(Other, Cancel, 0.55),
        ];
        let (thresholds, report) = tune_thresholds(&points, 0.8, &Thresholds::default());
        // At 0.6: 4/5 = 0.8 meets the target; at 0.55: 4/6 does not.
        assert_eq!(thresholds.for_intent(Cancel), 0.6);
        let cancel = report.intents.iter().find(|t| t.intent == Cancel).unwrap();
        assert!(cancel.target_met);
        assert_eq!(cancel.stats.automated, 5);
        assert_eq!(cancel.stats.correct, 4);
        let (strict, _) = tune_thresholds(&points, 1.0, &Thresholds::default());
        assert_eq!(strict.for_intent(Cancel), 0.9);
    }

    #[test]
    fn unreachable_target_disables_the_intent() {
        use Intent::*;
        let points = [point(Other, Tracking, 0.9), point(Tracking, Tracking, 0.8)];
        let (thresholds, report) = tune_thresholds(&points, 0.97, &Thresholds::default());
        assert_eq!(thresholds.for_intent(Tracking), 1.0);
        let tracking = report
            .intents
            .iter()
            .find(|t| t.intent == Tracking)
            .unwrap();
        assert!(!tracking.target_met);
        assert_eq!(tracking.stats.automated, 0);
    }

    #[test]
    fn overall_stats_count_coverage_over_in_scope_truths() {
        use Intent::*;
        let points = [
            point(Tracking, Tracking, 0.9),
            point(Return, Return, 0.3),
            point(Other, Other, 0.9),
        ];
        let stats = automation_stats(&points, &Thresholds::default(), None);
        assert_eq!(stats.in_scope, 2);
        assert_eq!(stats.automated, 1);
        assert_eq!(stats.precision(), 1.0);
        assert_eq!(stats.coverage(), 0.5);
    }
}
