//! Champion / challenger: two models on the same labelled messages, side by side, with a paired
//! bootstrap confidence interval for each difference.
//!
//! Both models classify every message once. The bootstrap then draws `resamples` samples of the
//! messages with replacement — the *same* draw for both models, so what differs between them is
//! the model and not the luck of the draw — and computes each metric's difference (B − A) on
//! each. The 2.5th and 97.5th percentiles of those differences are the 95% interval. A metric is
//! *better* or *worse* only when its whole interval lies on one side of zero; otherwise the two
//! models are not distinguishable on it with this much data.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::dataset::Dataset;
use super::label::{with_intents, Label};
use super::model::IntentModel;

/// Bootstrap resamples unless told otherwise: enough for stable 2.5/97.5 percentiles.
pub const DEFAULT_RESAMPLES: usize = 2000;
/// The seed unless told otherwise, so the same models and data give the same intervals.
pub const DEFAULT_SEED: u64 = 0x5eed_deb0;

/// How one model did on one message.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    /// Position of the predicted label in the comparison's label list.
    predicted: usize,
    automated: bool,
}

/// One metric for both models and their difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricComparison {
    /// `macro_f1`, `automated_precision`, `automated_coverage` or `f1_<intent>`.
    pub metric: String,
    /// Model A's value on all messages. NaN (`null` in JSON) where it is undefined: the
    /// precision of a model that automates nothing.
    pub a: f64,
    /// Model B's value on all messages, NaN where undefined.
    pub b: f64,
    /// `b − a`, NaN when either is.
    pub difference: f64,
    /// The 95% bootstrap interval of the difference, (low, high), over the resamples where it
    /// is defined; NaN when it is defined on none.
    pub interval: (f64, f64),
    /// What the interval says.
    pub verdict: Verdict,
}

/// Whether B beats A on a metric, or on the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The interval lies above zero.
    Better,
    /// The interval lies below zero.
    Worse,
    /// Better on some headline metric and worse on another.
    Mixed,
    /// The interval holds zero.
    NotDistinguishable,
}

impl Verdict {
    /// Words for a report.
    pub fn describe(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Mixed => "mixed",
            Verdict::NotDistinguishable => "not distinguishable",
        }
    }

    fn of(interval: (f64, f64)) -> Verdict {
        if interval.0 > 0.0 {
            Verdict::Better
        } else if interval.1 < 0.0 {
            Verdict::Worse
        } else {
            Verdict::NotDistinguishable
        }
    }
}

/// The comparison of two models on one data set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Messages compared.
    pub messages: usize,
    /// Bootstrap resamples drawn.
    pub resamples: usize,
    /// The seed of the draws.
    pub seed: u64,
    /// The headline metrics: macro-F1, then precision and coverage of automated answers.
    pub headline: Vec<MetricComparison>,
    /// F1 of each intent present in the data.
    pub per_intent: Vec<MetricComparison>,
    /// B against A on the headline metrics: better when better on at least one and worse on
    /// none, worse the other way round, mixed when both, else not distinguishable.
    pub verdict: Verdict,
}

/// Compares challenger `b` with champion `a` on `data`: see the [module documentation](self).
///
/// # Panics
/// If `resamples` is zero.
pub fn compare(
    a: &IntentModel,
    b: &IntentModel,
    data: &Dataset,
    resamples: usize,
    seed: u64,
) -> Comparison {
    assert!(resamples > 0, "at least one bootstrap resample");
    let texts: Vec<&str> = data.messages.iter().map(|m| m.text.as_str()).collect();
    let (predicted_a, predicted_b) = (a.classify_batch(&texts), b.classify_batch(&texts));
    // Every label either side knows, built-in intents first: the two models may have learnt
    // different labels of the shop's own.
    let labels = with_intents(
        data.messages
            .iter()
            .map(|m| m.label)
            .chain(predicted_a.iter().chain(&predicted_b).map(|p| p.label)),
    );
    let index = |label: Label| labels.binary_search(&label).expect("listed above");
    let truth: Vec<usize> = data.messages.iter().map(|m| index(m.label)).collect();
    let outcomes = |predictions: Vec<crate::classify::model::Prediction>| -> Vec<Outcome> {
        predictions
            .into_iter()
            .map(|p| Outcome {
                predicted: index(p.label),
                automated: p.decision.is_automate(),
            })
            .collect()
    };
    let (of_a, of_b) = (outcomes(predicted_a), outcomes(predicted_b));
    let present: Vec<usize> = (0..labels.len()).filter(|i| truth.contains(i)).collect();

    let all = vec![1u32; truth.len()];
    let full_a = Metrics::weighted(&labels, &truth, &of_a, &all);
    let full_b = Metrics::weighted(&labels, &truth, &of_b, &all);

    // Each resample as counts per message: draw n indices with replacement.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = truth.len();
    let mut counts = vec![0u32; n];
    let mut differences: Vec<Vec<f64>> = Vec::new();
    for _ in 0..resamples {
        counts.iter_mut().for_each(|c| *c = 0);
        for _ in 0..n {
            // Modulo bias is below n / 2^64: nothing next to the bootstrap's own noise.
            counts[(rng.next_u64() % n as u64) as usize] += 1;
        }
        let on_a = Metrics::weighted(&labels, &truth, &of_a, &counts);
        let on_b = Metrics::weighted(&labels, &truth, &of_b, &counts);
        let row: Vec<f64> = on_b
            .values(&present)
            .iter()
            .zip(on_a.values(&present))
            .map(|(b, a)| b - a)
            .collect();
        differences.push(row);
    }
    let names = Metrics::names(&labels, &present);
    let (values_a, values_b) = (full_a.values(&present), full_b.values(&present));
    let mut metrics: Vec<MetricComparison> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            // Resamples on which either model automates nothing have no precision difference.
            let mut column: Vec<f64> = differences
                .iter()
                .map(|row| row[k])
                .filter(|d| !d.is_nan())
                .collect();
            column.sort_by(f64::total_cmp);
            let interval = (percentile(&column, 2.5), percentile(&column, 97.5));
            MetricComparison {
                metric: name.clone(),
                a: values_a[k],
                b: values_b[k],
                difference: values_b[k] - values_a[k],
                interval,
                verdict: if n == 0 {
                    Verdict::NotDistinguishable
                } else {
                    Verdict::of(interval)
                },
            }
        })
        .collect();
    let per_intent = metrics.split_off(HEADLINE.len());
    let better = metrics.iter().any(|m| m.verdict == Verdict::Better);
    let worse = metrics.iter().any(|m| m.verdict == Verdict::Worse);
    let verdict = match (better, worse) {
        (true, false) => Verdict::Better,
        (false, true) => Verdict::Worse,
        (true, true) => Verdict::Mixed,
        (false, false) => Verdict::NotDistinguishable,
    };
    Comparison {
        messages: n,
        resamples,
        seed,
        headline: metrics,
        per_intent,
        verdict,
    }
}

const HEADLINE: [&str; 3] = ["macro_f1", "automated_precision", "automated_coverage"];

/// Linear interpolation between the two nearest ranks of sorted `values`.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

/// The metrics of one model on messages weighted by how often a resample drew them. Labels are
/// positions in the comparison's label list.
struct Metrics {
    confusion: Vec<Vec<u64>>,
    automated: u64,
    automated_correct: u64,
    in_scope: u64,
}

impl Metrics {
    fn weighted(
        labels: &[Label],
        truth: &[usize],
        outcomes: &[Outcome],
        weights: &[u32],
    ) -> Metrics {
        let mut metrics = Metrics {
            confusion: vec![vec![0; labels.len()]; labels.len()],
            automated: 0,
            automated_correct: 0,
            in_scope: 0,
        };
        for ((&truth, outcome), &weight) in truth.iter().zip(outcomes).zip(weights) {
            let weight = u64::from(weight);
            metrics.confusion[truth][outcome.predicted] += weight;
            if labels[truth].is_in_scope() {
                metrics.in_scope += weight;
            }
            if outcome.automated {
                metrics.automated += weight;
                if outcome.predicted == truth {
                    metrics.automated_correct += weight;
                }
            }
        }
        metrics
    }

    fn names(labels: &[Label], present: &[usize]) -> Vec<String> {
        HEADLINE
            .iter()
            .map(|name| (*name).to_owned())
            .chain(present.iter().map(|&i| format!("f1_{}", labels[i])))
            .collect()
    }

    /// Macro-F1, automated precision and coverage, then the F1 of each label in `present`.
    fn values(&self, present: &[usize]) -> Vec<f64> {
        let k = self.confusion.len();
        let f1: Vec<f64> = (0..k).map(|i| self.f1(i)).collect();
        // Macro-F1 over the labels the truth or the predictions hold, as `eval` computes it.
        let counted: Vec<usize> = (0..k)
            .filter(|&i| {
                self.confusion[i].iter().sum::<u64>() > 0
                    || self.confusion.iter().map(|row| row[i]).sum::<u64>() > 0
            })
            .collect();
        let macro_f1 = if counted.is_empty() {
            0.0
        } else {
            counted.iter().map(|&i| f1[i]).sum::<f64>() / counted.len() as f64
        };
        // Undefined when nothing is automated: a model that answers nothing is not precise,
        // and a 1.0 here would call it better than one that answers well.
        let precision = if self.automated == 0 {
            f64::NAN
        } else {
            self.automated_correct as f64 / self.automated as f64
        };
        let coverage = if self.in_scope == 0 {
            0.0
        } else {
            self.automated_correct as f64 / self.in_scope as f64
        };
        [macro_f1, precision, coverage]
            .into_iter()
            .chain(present.iter().map(|&i| f1[i]))
            .collect()
    }

    fn f1(&self, k: usize) -> f64 {
        let tp = self.confusion[k][k] as f64;
        let actual: u64 = self.confusion[k].iter().sum();
        let predicted: u64 = self.confusion.iter().map(|row| row[k]).sum();
        if tp == 0.0 {
            return 0.0;
        }
        let precision = tp / predicted as f64;
        let recall = tp / actual as f64;
        2.0 * precision * recall / (precision + recall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::eval::ClassificationMetrics;
    use crate::classify::intent::Intent;

    fn builtins() -> Vec<Label> {
        Intent::ALL.into_iter().map(Label::from).collect()
    }

    fn outcomes(predicted: &[Intent], automated: bool) -> Vec<Outcome> {
        predicted
            .iter()
            .map(|&predicted| Outcome {
                predicted: predicted.index(),
                automated,
            })
            .collect()
    }

    fn indices(intents: &[Intent]) -> Vec<usize> {
        intents.iter().map(|i| i.index()).collect()
    }

    #[test]
    fn unweighted_metrics_agree_with_eval() {
        // A deterministic mix of right and wrong predictions over every intent.
        let truth: Vec<Intent> = (0..200).map(|i| Intent::ALL[i % Intent::COUNT]).collect();
        let predicted: Vec<Intent> = (0..200)
            .map(|i| Intent::ALL[(i * 7 / 5 + i / 3) % Intent::COUNT])
            .collect();
        let ours = Metrics::weighted(
            &builtins(),
            &indices(&truth),
            &outcomes(&predicted, false),
            &[1; 200],
        );
        let present: Vec<Intent> = Intent::ALL.to_vec();
        let values = ours.values(&indices(&present));
        let label =
            |intents: &[Intent]| intents.iter().map(|&i| Label::from(i)).collect::<Vec<_>>();
        let eval = ClassificationMetrics::compute(&label(&truth), &label(&predicted));
        assert!(
            (values[0] - eval.macro_f1).abs() < 1e-6,
            "{values:?} {eval:?}"
        );
        for (k, intent) in present.iter().enumerate() {
            let theirs = eval.of(*intent).unwrap().f1;
            assert!((values[3 + k] - theirs).abs() < 1e-6, "{intent:?}");
        }
    }

    #[test]
    fn weights_count_a_message_as_often_as_drawn() {
        let truth = [Intent::Tracking, Intent::Return, Intent::Other];
        let predicted = [Intent::Tracking, Intent::Tracking, Intent::Other];
        let metrics = Metrics::weighted(
            &builtins(),
            &indices(&truth),
            &outcomes(&predicted, true),
            &[3, 1, 0],
        );
        // Automated: 4 weighted answers, 3 right; in scope: tracking ×3 + return ×1.
        let values = metrics.values(&indices(&[Intent::Tracking, Intent::Return]));
        assert_eq!(values[1], 0.75);
        assert_eq!(values[2], 0.75);
        // Tracking: precision 3/4, recall 1 → F1 6/7; return: 0.
        assert!((values[3] - 6.0 / 7.0).abs() < 1e-12);
        assert_eq!(values[4], 0.0);
    }

    #[test]
    fn a_model_that_automates_nothing_has_no_precision_and_is_not_better_on_it() {
        let truth = [Intent::Tracking, Intent::Return, Intent::Other];
        let right = [Intent::Tracking, Intent::Return, Intent::Other];
        let present = indices(&[Intent::Tracking, Intent::Return]);
        let silent = Metrics::weighted(
            &builtins(),
            &indices(&truth),
            &outcomes(&right, false),
            &[1; 3],
        );
        let values = silent.values(&present);
        assert!(
            values[1].is_nan(),
            "precision with nothing automated: {values:?}"
        );
        assert_eq!(values[2], 0.0, "and nothing answered");
        // Every resample's precision difference is then undefined: no interval, no verdict.
        let interval = (percentile(&[], 2.5), percentile(&[], 97.5));
        assert!(interval.0.is_nan() && interval.1.is_nan());
        assert_eq!(Verdict::of(interval), Verdict::NotDistinguishable);
    }

    #[test]
    fn percentiles_interpolate() {
        let sorted = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&sorted, 0.0), 0.0);
        assert_eq!(percentile(&sorted, 50.0), 2.0);
        assert_eq!(percentile(&sorted, 100.0), 4.0);
        assert!((percentile(&sorted, 2.5) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn verdicts_read_the_interval() {
        assert_eq!(Verdict::of((0.01, 0.2)), Verdict::Better);
        assert_eq!(Verdict::of((-0.2, -0.01)), Verdict::Worse);
        assert_eq!(Verdict::of((-0.01, 0.2)), Verdict::NotDistinguishable);
        assert_eq!(Verdict::of((0.0, 0.0)), Verdict::NotDistinguishable);
    }
}
