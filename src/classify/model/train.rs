//! Training: analyse once, cross-validate (for tuning and/or a report), fit the final model.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::classify::dataset::Dataset;
use crate::classify::eval::ClassificationMetrics;
use crate::classify::intent::Intent;
use crate::classify::label::Label;
use crate::classify::model::artifact::{CrossValidationSummary, TrainingMetadata, TuningSummary};
use crate::classify::model::classifier::IntentModel;
use crate::classify::model::params::{ClassWeight, TrainParams, ValidTrainParams};
use crate::classify::model::solver::{
    fit_softmax_in, start_weights, LinearSoftmax, SoftmaxFit, SolverError, SolverSettings,
    StartScale, Workspace,
};
use crate::classify::sparse::SparseRows;
use crate::classify::text::Analyzer;
use crate::classify::tune::{tune_thresholds, CalibrationPoint, TuningReport};
use crate::classify::vectorizer::{Corpus, InvalidVectorizerParts, SubsetVectorizer, Subsets};

/// Progress reported while training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrainEvent {
    /// Every message has been analysed.
    Analyzed {
        /// Messages.
        messages: usize,
    },
    /// A fit starts: cross-validation first (two fits at a time), the final model last.
    FitStarted {
        /// 1-based number of this fit, in the order fits started.
        fit: usize,
        /// Total fits.
        fits: usize,
        /// Which fit.
        name: FitName,
    },
    /// One L-BFGS iteration finished.
    Iteration {
        /// Iteration number within the fit.
        iteration: u64,
        /// Objective value.
        cost: f64,
    },
}

/// Receives [`TrainEvent`]s.
pub type TrainObserver = Arc<dyn Fn(TrainEvent) + Send + Sync>;

/// Why training failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// An intent has no training rows.
    #[error("the training data has no `{intent}` rows; every intent needs examples")]
    MissingIntent {
        /// Which.
        intent: Intent,
    },
    /// Too few rows of a label for k-fold cross-validation.
    #[error("`{label}` has {rows} rows, fewer than the {folds} cross-validation folds")]
    TooFewRows {
        /// Which.
        label: Label,
        /// How many.
        rows: usize,
        /// Folds asked for.
        folds: usize,
    },
    /// No feature survived `min_df` and the cap.
    #[error("no feature occurs in at least min_df={min_df} messages; lower --min-df or add data")]
    NoFeatures {
        /// The setting.
        min_df: usize,
    },
    /// The solver failed (including NaN or infinity in the objective).
    #[error("{fit} failed")]
    Solver {
        /// Which fit.
        fit: FitName,
        /// What went wrong.
        source: SolverError,
    },
    /// A fit stopped before converging and unconverged models were not allowed.
    #[error("{}; raise --max-iter, or pass --allow-unconverged to keep the model anyway", .0)]
    NotConverged(UnconvergedFit),
    /// The analysed text produced a term that cannot be stored as a feature.
    #[error(transparent)]
    Vocabulary(#[from] InvalidVectorizerParts),
}

/// Which of a training run's fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FitName {
    /// A cross-validation fold's model: every row but fold `fold`'s (1-based) of `folds`.
    Fold {
        /// Which fold.
        fold: usize,
        /// Of how many.
        folds: usize,
    },
    /// The shared start of folds `first..=last` (1-based) in cross-validation: every row but
    /// theirs (see how cross-validation warm-starts its folds in the `train` docs).
    Shared {
        /// First fold.
        first: usize,
        /// Last fold.
        last: usize,
        /// Of how many.
        folds: usize,
    },
    /// The model that is kept, on every row.
    Final,
}

impl std::fmt::Display for FitName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            FitName::Fold { fold, folds } => write!(f, "cross-validation fold {fold} of {folds}"),
            FitName::Shared { first, last, folds } => write!(
                f,
                "the shared start of cross-validation folds {first}-{last} of {folds}"
            ),
            FitName::Final => f.write_str("the final fit"),
        }
    }
}

/// A fit that stopped before its gradient tolerance was met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnconvergedFit {
    /// Which fit.
    pub fit: FitName,
    /// Iterations it ran.
    pub iterations: u64,
    /// Why it stopped, as the solver reports it.
    pub termination: String,
}

impl std::fmt::Display for UnconvergedFit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} did not converge: it stopped after {} iteration(s) ({})",
            self.fit, self.iterations, self.termination
        )
    }
}

/// Cross-validation results.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossValidationReport {
    /// Folds.
    pub folds: usize,
    /// Metrics of the out-of-fold predictions.
    pub metrics: ClassificationMetrics,
}

/// What training produced.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The model.
    pub model: IntentModel,
    /// Threshold tuning, when run.
    pub tuning: Option<TuningReport>,
    /// Cross-validation report, when asked for.
    pub cross_validation: Option<CrossValidationReport>,
    /// Fits that did not converge (only ever non-empty with `allow_unconverged`): the model's
    /// probabilities and thresholds are not to be trusted.
    pub unconverged: Vec<UnconvergedFit>,
}

/// Trains a model on `data`.
///
/// Cross-validation (for tuning, and for `cross_validation_folds`) comes first, then the final
/// fit on every row, which starts from the average of the folds' models (see `FoldAverage`).
/// The folds' fits warm-start from each other without seeing their own held-out rows, two at
/// a time (see `CrossValidation`).
///
/// Takes the data by value: the texts are dropped once analysed, and the analysed corpus once
/// the final design matrix is built, which keeps peak memory down on large sets.
pub fn train(
    params: &ValidTrainParams,
    data: Dataset,
    observer: Option<TrainObserver>,
) -> Result<TrainOutcome, TrainError> {
    let params = params.get();
    let notify = |event| {
        if let Some(observer) = &observer {
            observer(event);
        }
    };
    let rows_per_label = data.rows_per_label();
    for intent in Intent::ALL {
        if rows_per_label[&intent.into()] == 0 {
            return Err(TrainError::MissingIntent { intent });
        }
    }
    // The model's columns: the built-in intents, then the shop's own labels by name.
    let model_labels: Vec<Label> = rows_per_label.keys().copied().collect();
    let class_rows: Vec<usize> = rows_per_label.values().copied().collect();
    let tuning_folds = params.tuning.map(|t| t.folds);
    let report_folds = params.cross_validation_folds;
    let mut fold_counts: Vec<usize> = tuning_folds.into_iter().chain(report_folds).collect();
    fold_counts.dedup();
    for &folds in &fold_counts {
        if let Some((&label, &rows)) = rows_per_label.iter().find(|(_, &rows)| rows < folds) {
            return Err(TrainError::TooFewRows { label, rows, folds });
        }
    }

    let analyzer = Analyzer::new(params.analyzer);
    let corpus = Corpus::analyze(
        &analyzer,
        data.messages.iter().map(|m| m.text.as_str()),
        params.vectorizer.char_ngrams,
    );
    notify(TrainEvent::Analyzed {
        messages: corpus.len(),
    });
    let labels: Vec<usize> = data
        .messages
        .iter()
        .map(|m| {
            model_labels
                .binary_search(&m.label)
                .expect("every label was counted")
        })
        .collect();
    let Dataset {
        messages,
        sha256: data_sha256,
        duplicates_dropped,
        ..
    } = data;
    drop(messages);

    let fits = fold_counts.iter().map(|&k| tree_fits(k)).sum::<usize>() + 1;
    // Every fit's vocabulary is a subset of the same corpus: its n-grams are numbered once.
    let subsets = Subsets::new(&corpus, params.vectorizer, params.analyzer, fits);
    // The final vocabulary comes first, so each fold's model can be carried onto it as soon as
    // the fold is done (see `FoldAverage`).
    let all_rows: Vec<usize> = (0..labels.len()).collect();
    let features = vocabulary(&subsets, &all_rows, params.vectorizer.min_df)?;
    let fitter = Fitter {
        params,
        labels: &labels,
        model_labels: &model_labels,
        class_weights: class_weights(params.class_weight, &class_rows),
        settings: SolverSettings {
            alpha: params.alpha,
            max_iterations: params.max_iterations,
            gradient_tolerance: params.gradient_tolerance,
        },
        observer: observer.as_ref(),
        fits,
        fits_started: AtomicUsize::new(0),
        unconverged: Mutex::new(Vec::new()),
        workspaces: Mutex::new(Vec::new()),
        max_features: features.n_features(),
    };
    let mut out_of_fold: BTreeMap<usize, Vec<CalibrationPoint>> = BTreeMap::new();
    let mut final_start: Option<LinearSoftmax> = None;
    for &folds in &fold_counts {
        let assignment = stratified_folds(&labels, model_labels.len(), folds);
        let cv = CrossValidation {
            fitter: &fitter,
            subsets: &subsets,
            assignment: &assignment,
            folds,
            final_features: &features,
        };
        let (rows_and_points, average) = cv.out_of_fold(0..folds, None)?;
        final_start = final_start.or(Some(average.into_layer()));
        let mut points = vec![None; labels.len()];
        for (row, point) in rows_and_points {
            points[row] = Some(point);
        }
        out_of_fold.insert(
            folds,
            points
                .into_iter()
                .map(|p| p.expect("every row held out once"))
                .collect(),
        );
    }

    let mut thresholds = params.thresholds.clone();
    let mut calibration = Vec::new();
    let mut tuning = None;
    if let (Some(tuning_params), Some(folds)) = (params.tuning, tuning_folds) {
        calibration = out_of_fold[&folds].clone();
        let (tuned, report) =
            tune_thresholds(&calibration, tuning_params.target_precision, &thresholds);
        thresholds = tuned;
        tuning = Some(report);
    }
    let cross_validation = report_folds.map(|folds| {
        let points = &out_of_fold[&folds];
        let truth: Vec<Label> = points.iter().map(|p| p.truth).collect();
        let predicted: Vec<Label> = points.iter().map(|p| p.predicted).collect();
        CrossValidationReport {
            folds,
            metrics: ClassificationMetrics::compute(&truth, &predicted),
        }
    });

    // Only the model needs the stem cache over its vocabulary: added last, it stays out of
    // memory while the folds fit.
    let x = subsets.transform(&features, &all_rows);
    let mut vectorizer = subsets.vectorizer(features)?;
    drop(subsets);
    vectorizer.learn_surface_forms(&corpus);
    drop(corpus);
    let n_features = vectorizer.n_features();
    let fit = fitter.solve(n_features, &x, &all_rows, final_start, FitName::Final)?;
    drop(x);
    let mut unconverged = fitter
        .unconverged
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    unconverged.sort_by_key(|stopped| stopped.fit);
    let metadata = TrainingMetadata {
        crate_version: env!("CARGO_PKG_VERSION").to_owned(),
        data_sha256,
        rows_per_intent: rows_per_label,
        duplicates_dropped,
        params: params.clone(),
        n_features: vectorizer.n_features(),
        iterations: fit.iterations,
        termination: fit.termination.clone(),
        cross_validation: cross_validation.as_ref().map(|cv| CrossValidationSummary {
            folds: cv.folds,
            accuracy: cv.metrics.accuracy,
            macro_f1: cv.metrics.macro_f1,
        }),
        tuning: tuning.as_ref().map(|report: &TuningReport| TuningSummary {
            target_precision: report.target_precision,
            precision: report.overall.precision(),
            coverage: report.overall.coverage(),
        }),
    };
    let model = IntentModel::from_parts(
        model_labels,
        vectorizer,
        fit.layer,
        thresholds,
        calibration,
        metadata,
    );
    Ok(TrainOutcome {
        model,
        tuning,
        cross_validation,
        unconverged,
    })
}

/// What every fit of a training run shares, and its bookkeeping. Fits of different folds run
/// on different threads, so the counters are atomic.
struct Fitter<'a> {
    params: &'a TrainParams,
    labels: &'a [usize],
    model_labels: &'a [Label],
    class_weights: Vec<f64>,
    settings: SolverSettings,
    observer: Option<&'a TrainObserver>,
    fits: usize,
    fits_started: AtomicUsize,
    unconverged: Mutex<Vec<UnconvergedFit>>,
    /// Solver buffers between fits: as many as fits have run at once (two), instead of fresh
    /// ones per fit.
    workspaces: Mutex<Vec<Workspace>>,
    /// The final fit's feature count, which the workspaces are sized for: a subset of the rows
    /// has no more n-grams above the document-frequency floor (it may have one more feature,
    /// for unknown words, and then the buffers grow).
    max_features: usize,
}

/// A fitted layer with the vocabulary it was fitted on.
struct Fitted {
    features: SubsetVectorizer,
    fit: SoftmaxFit,
}

impl Fitted {
    /// Where a fit on the features `to` starts from this one: the weights of the features
    /// both vocabularies have, zero for the rest.
    fn start_for(&self, subsets: &Subsets, to: &SubsetVectorizer) -> LinearSoftmax {
        let layer = &self.fit.layer;
        let k = layer.n_classes;
        let mut weights = start_weights(to.n_features(), k);
        let shared = subsets.shared_columns(&self.features, to);
        for (row, column) in weights.chunks_exact_mut(k).zip(shared) {
            if let Some(column) = column {
                row.copy_from_slice(layer.feature_weights(column));
            }
        }
        LinearSoftmax {
            weights,
            intercepts: layer.intercepts.clone(),
            n_classes: k,
        }
    }
}

impl Fitter<'_> {
    /// Fits `rows`, starting from `start` (zero without one). Every fit, folds included, is
    /// checked as soon as it returns: a fold that overflowed or stopped early would skew the
    /// calibration the thresholds are tuned on.
    fn solve(
        &self,
        n_features: usize,
        x: &SparseRows,
        rows: &[usize],
        start: Option<LinearSoftmax>,
        name: FitName,
    ) -> Result<SoftmaxFit, TrainError> {
        let fit = self.fits_started.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(observer) = self.observer {
            observer(TrainEvent::FitStarted {
                fit,
                fits: self.fits,
                name,
            });
        }
        let y: Vec<usize> = rows.iter().map(|&r| self.labels[r]).collect();
        let callback = self.observer.cloned().map(|observer| {
            Arc::new(move |iteration, cost| observer(TrainEvent::Iteration { iteration, cost }))
                as Arc<dyn Fn(u64, f64) + Send + Sync>
        });
        let n_classes = self.model_labels.len();
        let start = start.unwrap_or_else(|| LinearSoftmax::zeros(n_features, n_classes));
        // The final fit starts from the folds' average, shrunk as a whole: each fold fitted
        // fewer rows under the same penalty.
        let scale = if name == FitName::Final {
            StartScale::Fitted
        } else {
            StartScale::AsGiven
        };
        let mut workspace = self
            .workspaces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(|| Workspace::for_fits_up_to(self.max_features, n_classes));
        let rows_to_fit = (x, y.as_slice(), self.class_weights.as_slice());
        let result = fit_softmax_in(
            &mut workspace,
            rows_to_fit,
            self.settings,
            start,
            scale,
            callback,
        );
        self.workspaces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(workspace);
        let result = result.map_err(|source| TrainError::Solver { fit: name, source })?;
        if !result.converged {
            let stopped = UnconvergedFit {
                fit: name,
                iterations: result.iterations,
                termination: result.termination.clone(),
            };
            if !self.params.allow_unconverged {
                return Err(TrainError::NotConverged(stopped));
            }
            self.unconverged
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(stopped);
        }
        Ok(result)
    }
}

/// A vocabulary fitted on `rows` (see
/// [`VectorizerConfig::fit_for_transform`](crate::classify::vectorizer::VectorizerConfig::fit_for_transform)),
/// which must have a feature.
fn vocabulary(
    subsets: &Subsets,
    rows: &[usize],
    min_df: usize,
) -> Result<SubsetVectorizer, TrainError> {
    let features = subsets.fit(rows)?;
    if features.n_features() == 0 {
        return Err(TrainError::NoFeatures { min_df });
    }
    Ok(features)
}

/// How many fits `folds`-fold cross-validation takes: one per node of the fold tree but its
/// root (see [`CrossValidation`]).
fn tree_fits(folds: usize) -> usize {
    2 * folds - 2
}

/// K-fold cross-validation by a tree of warm starts (TreeCV; Izbicki, "Efficient
/// cross-validation for incremental learners", 2013).
///
/// Each fold's model must never have seen that fold's rows, not even through its starting
/// point: a solver stopped at a tolerance keeps some of where it started, and out-of-fold
/// predictions (and the thresholds tuned on them) would come out optimistic. So folds cannot
/// start from each other. Instead the folds are split in two halves; each half's shared start
/// is a fit on the other half's rows, which every fold of this half trains on anyway. Halves
/// split again, each fit starting from its parent's and adding the sibling's rows, down to
/// one fold, whose fit has all rows but its own. Every ancestor of a fold's fit trained on a
/// subset of that fold's training rows, so nothing leaks, while all but the top two fits start
/// close to their answer. The two halves run on separate threads.
struct CrossValidation<'a> {
    fitter: &'a Fitter<'a>,
    subsets: &'a Subsets<'a>,
    /// Each row's fold.
    assignment: &'a [usize],
    folds: usize,
    /// The vocabulary of the final fit, which the folds' models are averaged on.
    final_features: &'a SubsetVectorizer,
}

/// A subtree's out-of-fold points (row, point), and its folds' models summed on the final
/// vocabulary.
type OutOfFold = (Vec<(usize, CalibrationPoint)>, FoldAverage);

impl CrossValidation<'_> {
    /// Out-of-fold predictions for the folds in `group`, given `model`: a fit on exactly the
    /// rows outside `group` (`None` at the root, where that is no rows).
    fn out_of_fold(
        &self,
        group: Range<usize>,
        model: Option<Fitted>,
    ) -> Result<OutOfFold, TrainError> {
        if group.len() == 1 {
            let model = model.expect("the root has every fold, so a one-fold group has a fit");
            let fold = group.start;
            let held_out = self.rows(|row_fold| row_fold == fold);
            let x = self.subsets.transform(&model.features, &held_out);
            let labels = self.fitter.labels;
            let points = held_out
                .iter()
                .enumerate()
                .map(|(i, &row)| {
                    let point = calibration_point(
                        &model.fit,
                        &x.row_features(i),
                        self.fitter.model_labels,
                        labels[row],
                    );
                    (row, point)
                })
                .collect();
            let average = FoldAverage::of(&model, self.subsets, self.final_features);
            return Ok((points, average));
        }
        let middle = group.start + group.len() / 2;
        let half = |half: Range<usize>| {
            let name = if half.len() == 1 {
                FitName::Fold {
                    fold: half.start + 1,
                    folds: self.folds,
                }
            } else {
                FitName::Shared {
                    first: half.start + 1,
                    last: half.end,
                    folds: self.folds,
                }
            };
            let rows = self.rows(|row_fold| !half.contains(&row_fold));
            let min_df = self.fitter.params.vectorizer.min_df;
            let features = vocabulary(self.subsets, &rows, min_df)?;
            let x = self.subsets.transform(&features, &rows);
            let start = model
                .as_ref()
                .map(|parent| parent.start_for(self.subsets, &features));
            let fit = self
                .fitter
                .solve(features.n_features(), &x, &rows, start, name)?;
            drop(x);
            self.out_of_fold(half, Some(Fitted { features, fit }))
        };
        let (left, right) = rayon::join(|| half(group.start..middle), || half(middle..group.end));
        let (mut points, mut average) = left?;
        let (right_points, right_average) = right?;
        points.extend(right_points);
        average.add(right_average);
        Ok((points, average))
    }

    fn rows(&self, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        (0..self.assignment.len())
            .filter(|&row| keep(self.assignment[row]))
            .collect()
    }
}

/// The folds' models averaged on the final fit's vocabulary: where the final fit starts.
///
/// Each fold's model is the solution without one fold's rows; their average is much closer to
/// the solution on all rows than any one of them (to first order it is off only by the
/// penalty's pull, divided by the number of folds), so the final fit converges in a few
/// iterations instead of tens. A feature is averaged over the folds whose vocabulary has it.
/// Sums are added in the fold tree's fixed order, so the result does not depend on which
/// thread finished first.
#[derive(Debug)]
struct FoldAverage {
    weight_sums: Vec<f64>,
    /// Per feature, how many folds' vocabularies have it.
    counts: Vec<u32>,
    intercept_sums: Vec<f64>,
    folds: u32,
}

impl FoldAverage {
    fn of(fold: &Fitted, subsets: &Subsets, final_features: &SubsetVectorizer) -> Self {
        let layer = &fold.fit.layer;
        let k = layer.n_classes;
        let mut weight_sums = vec![0.0; final_features.n_features() * k];
        let mut counts = vec![0; final_features.n_features()];
        let rows = weight_sums.chunks_exact_mut(k).zip(&mut counts);
        let shared = subsets.shared_columns(&fold.features, final_features);
        for ((row, count), column) in rows.zip(shared) {
            if let Some(column) = column {
                row.copy_from_slice(layer.feature_weights(column));
                *count = 1;
            }
        }
        FoldAverage {
            weight_sums,
            counts,
            intercept_sums: layer.intercepts.clone(),
            folds: 1,
        }
    }

    fn add(&mut self, other: FoldAverage) {
        let pairs = [
            (&mut self.weight_sums, &other.weight_sums),
            (&mut self.intercept_sums, &other.intercept_sums),
        ];
        for (sums, more) in pairs {
            sums.iter_mut()
                .zip(more)
                .for_each(|(sum, more)| *sum += more);
        }
        let counts = self.counts.iter_mut().zip(&other.counts);
        counts.for_each(|(count, more)| *count += more);
        self.folds += other.folds;
    }

    fn into_layer(self) -> LinearSoftmax {
        let k = self.intercept_sums.len();
        let mut weights = self.weight_sums;
        for (row, &count) in weights.chunks_exact_mut(k).zip(&self.counts) {
            if count > 1 {
                row.iter_mut().for_each(|w| *w /= f64::from(count));
            }
        }
        let folds = f64::from(self.folds);
        LinearSoftmax {
            weights,
            intercepts: self.intercept_sums.iter().map(|b| b / folds).collect(),
            n_classes: k,
        }
    }
}

fn calibration_point(
    fit: &SoftmaxFit,
    features: &[(u32, f64)],
    labels: &[Label],
    label: usize,
) -> CalibrationPoint {
    let mut probabilities = vec![0.0; labels.len()];
    fit.layer.probabilities_into(features, &mut probabilities);
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|&a, &b| probabilities[b].total_cmp(&probabilities[a]));
    CalibrationPoint {
        truth: labels[label],
        predicted: labels[order[0]],
        confidence: probabilities[order[0]],
        gap: probabilities[order[0]] - probabilities[order[1]],
    }
}

fn class_weights(weighting: ClassWeight, rows_per_class: &[usize]) -> Vec<f64> {
    let total: usize = rows_per_class.iter().sum();
    let classes = rows_per_class.len() as f64;
    rows_per_class
        .iter()
        .map(|&rows| match weighting {
            ClassWeight::Uniform => 1.0,
            ClassWeight::Balanced => total as f64 / (classes * rows.max(1) as f64),
        })
        .collect()
}

/// Deals each class's rows round-robin over the folds, in file order: stratified and
/// deterministic without a random seed.
fn stratified_folds(labels: &[usize], classes: usize, folds: usize) -> Vec<usize> {
    let mut seen_per_class = vec![0usize; classes];
    labels
        .iter()
        .map(|&label| {
            let fold = seen_per_class[label] % folds;
            seen_per_class[label] += 1;
            fold
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_balanced() {
        let labels = [0, 0, 0, 1, 1, 1, 0, 1, 2, 2];
        let folds = stratified_folds(&labels, 3, 3);
        for class in 0..3 {
            let mut per_fold = [0; 3];
            for (row, &label) in labels.iter().enumerate() {
                if label == class {
                    per_fold[folds[row]] += 1;
                }
            }
            let (min, max) = (
                per_fold.iter().min().unwrap(),
                per_fold.iter().max().unwrap(),
            );
            assert!(max - min <= 1, "class {class}: {per_fold:?}");
        }
    }

    use crate::classify::text::AnalyzerConfig;
    use crate::classify::vectorizer::VectorizerConfig;

    /// Two messages about a late parcel and two asking for a refund.
    fn parcel_and_refund_corpus() -> Corpus {
        let analyzer = Analyzer::new(AnalyzerConfig::default());
        let texts = [
            "parcel late",
            "parcel late",
            "refund please",
            "refund please",
        ];
        Corpus::analyze(&analyzer, texts.iter().copied(), None)
    }

    /// A vocabulary of `rows` by `subsets`, and its feature names.
    fn vocabulary_and_names(subsets: &Subsets, rows: &[usize]) -> (SubsetVectorizer, Vec<String>) {
        let whole = subsets.vectorizer(subsets.fit(rows).unwrap()).unwrap();
        let names = whole
            .feature_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        (subsets.fit(rows).unwrap(), names)
    }

    fn fitted(features: SubsetVectorizer, layer: LinearSoftmax) -> Fitted {
        let fit = SoftmaxFit {
            layer,
            iterations: 0,
            cost: 0.0,
            termination: String::new(),
            converged: true,
        };
        Fitted { features, fit }
    }

    /// Both ways vocabularies are fitted: by name (for one fit) and by corpus key (for many).
    fn both_paths(corpus: &Corpus) -> [Subsets<'_>; 2] {
        let (config, analyzer) = (VectorizerConfig::default(), AnalyzerConfig::default());
        [1, 2].map(|fits| Subsets::new(corpus, config, analyzer, fits))
    }

    #[test]
    fn a_warm_start_carries_weights_over_by_feature_name() {
        let corpus = parcel_and_refund_corpus();
        for subsets in both_paths(&corpus) {
            let (both, both_names) = vocabulary_and_names(&subsets, &[0, 1, 2, 3]);
            let (refund_only, refund_names) = vocabulary_and_names(&subsets, &[2, 3]);
            let (one, _) = vocabulary_and_names(&subsets, &[0, 1]);
            assert!(refund_only.n_features() < both.n_features());
            // Every feature of the first fit gets its column number as weights.
            let k = 2;
            let layer = LinearSoftmax {
                weights: (0..both.n_features() * k).map(|i| (i / k) as f64).collect(),
                intercepts: vec![0.5, -0.5],
                n_classes: k,
            };
            let from_both = fitted(both, layer.clone());
            assert_eq!(from_both.start_for(&subsets, &from_both.features), layer);
            let start = from_both.start_for(&subsets, &refund_only);
            assert_eq!(start.intercepts, layer.intercepts);
            for (column, name) in refund_names.iter().enumerate() {
                let from = both_names.iter().position(|n| n == name).unwrap();
                assert_eq!(
                    start.feature_weights(column as u32),
                    &[from as f64; 2],
                    "{name}"
                );
            }
            // A feature the first fit never saw starts at zero.
            let start_of_one = from_both.start_for(&subsets, &one);
            let from_one = fitted(one, start_of_one);
            assert!(from_one
                .start_for(&subsets, &from_both.features)
                .weights
                .contains(&0.0));
            assert!(from_one
                .start_for(&subsets, &refund_only)
                .weights
                .iter()
                .all(|&w| w == 0.0));
        }
    }

    #[test]
    fn the_fold_average_counts_each_feature_over_the_folds_that_have_it() {
        let corpus = parcel_and_refund_corpus();
        for subsets in both_paths(&corpus) {
            let (all, all_names) = vocabulary_and_names(&subsets, &[0, 1, 2, 3]);
            let fold = |rows: &[usize], weight: f64, intercept: f64| {
                let features = subsets.fit(rows).unwrap();
                let layer = LinearSoftmax {
                    weights: vec![weight; features.n_features() * 2],
                    intercepts: vec![intercept, -intercept],
                    n_classes: 2,
                };
                fitted(features, layer)
            };
            let mut average = FoldAverage::of(&fold(&[0, 1, 2, 3], 1.0, 1.0), &subsets, &all);
            average.add(FoldAverage::of(&fold(&[2, 3], 3.0, 3.0), &subsets, &all));
            let layer = average.into_layer();
            assert_eq!(layer.intercepts, vec![2.0, -2.0]);
            let mut checked = 0;
            for (column, name) in all_names.iter().enumerate() {
                // Both folds know the refund features; only the first knows the parcel ones.
                let expected = if name.contains("refund") || name.contains("pleas") {
                    2.0
                } else if name.contains("parcel") || name.contains("late") {
                    1.0
                } else {
                    continue;
                };
                assert_eq!(
                    layer.feature_weights(column as u32),
                    &[expected; 2],
                    "{name}"
                );
                checked += 1;
            }
            assert!(checked >= 4, "{all_names:?}");
        }
    }

    #[test]
    fn balanced_weights_equalise_classes() {
        let weights = class_weights(ClassWeight::Balanced, &[10, 20, 10, 10, 50]);
        assert!((weights[0] * 10.0 - weights[4] * 50.0).abs() < 1e-9);
        assert_eq!(class_weights(ClassWeight::Uniform, &[1; 5]), vec![1.0; 5]);
    }
}
