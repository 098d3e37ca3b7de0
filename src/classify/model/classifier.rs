//! The runtime intent classifier: text → probabilities → decision.

use std::cell::RefCell;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::classify::decision::{Decision, InvalidThreshold, LabelScore, Scores, Thresholds};
use crate::classify::intent::Intent;
use crate::classify::label::{Label, MAX_LABELS};
use crate::classify::model::artifact::{
    LoadOptions, ModelFile, ModelFileError, TrainingMetadata, TuningSummary, MODEL_FORMAT,
    MODEL_FORMAT_VERSION,
};
use crate::classify::model::params::{check_target_precision, ParamError};
use crate::classify::model::solver::LinearSoftmax;
use crate::classify::tune::{tune_thresholds, CalibrationPoint, TuningReport};
use crate::classify::vectorizer::{Scratch, TfidfVectorizer};

thread_local! {
    // One set of buffers per thread: classify allocates nothing once warm.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The outcome of classifying one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The intent deskbot acts on: the most likely label when it is a built-in intent, `other`
    /// when it is one of the shop's own (no script answers those).
    pub intent: Intent,
    /// The most likely label: a built-in intent or one of the shop's own.
    pub label: Label,
    /// Its probability.
    pub confidence: f64,
    /// Every label's probability, most likely first.
    pub scores: Scores,
    /// Automate or escalate, with the reason.
    pub decision: Decision,
}

/// One feature's push towards the predicted intent and away from the runner-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// Feature name (a stem, a bigram of stems, or a placeholder such as `__order_number__`).
    pub feature: String,
    /// `tfidf × (w_top − w_runner_up)`: positive pushes towards the prediction.
    pub weight: f64,
}

/// A prediction with the features that decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The prediction.
    pub prediction: Prediction,
    /// Features ordered by absolute contribution, largest first.
    pub contributions: Vec<Contribution>,
    /// The intercepts' share of the top-vs-runner-up margin.
    pub bias: f64,
}

/// A trained intent model, ready to classify. `Send + Sync`: share one across threads.
#[derive(Debug)]
pub struct IntentModel {
    /// Column order of the layer: the five built-in intents, then the shop's own labels.
    labels: Vec<Label>,
    vectorizer: TfidfVectorizer,
    layer: LinearSoftmax,
    thresholds: Thresholds,
    calibration: Vec<CalibrationPoint>,
    metadata: TrainingMetadata,
}

/// `deskbot tune` on a model trained without cross-validated predictions.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("this model has no cross-validated predictions to tune from (it was trained with --no-tune); retrain it without --no-tune")]
pub struct NothingToTune;

/// Why [`IntentModel::retune`] refused; the model is left unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RetuneError {
    /// No cross-validated predictions in the model.
    #[error(transparent)]
    NothingToTune(#[from] NothingToTune),
    /// The target precision is not in `(0, 1]`.
    #[error(transparent)]
    Param(#[from] ParamError),
}

/// Largest idf a model may hold. Fitted idf is `ln((1 + n) / (1 + df)) + 1`, under 40 for any
/// number of messages `n` a computer can count; a huge one would overflow the vector norm.
const MAX_IDF: f64 = 100.0;

/// Largest value any logit may reach, by the bound [`IntentModel::load`] computes from the
/// weights. Softmax subtracts the largest logit, so any finite logits give finite
/// probabilities; the danger is the sum itself overflowing to infinity (then ∞ − ∞ = NaN).
/// Trained models stay far below this (|logit| ≈ 10 already means a probability of 0.99995,
/// and the L2 penalty keeps weights small), so a bound past it means a corrupt or crafted file.
const MAX_LOGIT: f64 = 1e4;

impl Prediction {
    /// A prediction of `intent` with full confidence, automated: for driving the responder
    /// without a model (tests, `deskbot check-templates`).
    pub fn certain(intent: Intent) -> Prediction {
        let mut scores: Scores = Intent::ALL
            .into_iter()
            .map(|i| LabelScore {
                label: i.into(),
                probability: if i == intent { 1.0 } else { 0.0 },
            })
            .collect();
        scores.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        Prediction {
            intent,
            label: intent.into(),
            confidence: 1.0,
            scores,
            decision: Decision::Automate,
        }
    }
}

impl IntentModel {
    pub(crate) fn from_parts(
        labels: Vec<Label>,
        vectorizer: TfidfVectorizer,
        layer: LinearSoftmax,
        thresholds: Thresholds,
        calibration: Vec<CalibrationPoint>,
        metadata: TrainingMetadata,
    ) -> Self {
        debug_assert_eq!(labels.len(), layer.n_classes);
        IntentModel {
            labels,
            vectorizer,
            layer,
            thresholds,
            calibration,
            metadata,
        }
    }

    /// Loads and validates a model file, refusing files larger than
    /// [`DEFAULT_MAX_MODEL_BYTES`](crate::classify::model::artifact::DEFAULT_MAX_MODEL_BYTES).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelFileError> {
        Self::load_with(path, LoadOptions::default())
    }

    /// As [`IntentModel::load`], with `options` (e.g. a different size limit).
    pub fn load_with(path: impl AsRef<Path>, options: LoadOptions) -> Result<Self, ModelFileError> {
        let path = path.as_ref();
        Self::from_file(path, ModelFile::read_with(path, options)?)
    }

    /// Loads a model from bytes; `name` is used in error messages.
    pub fn from_slice(name: &str, bytes: &[u8]) -> Result<Self, ModelFileError> {
        Self::from_slice_at(Path::new(name), bytes)
    }

    /// As [`IntentModel::from_slice`], naming `path` in errors: the check after each write.
    pub(crate) fn from_slice_at(path: &Path, bytes: &[u8]) -> Result<Self, ModelFileError> {
        Self::from_file(path, ModelFile::from_slice(path, bytes)?)
    }

    fn from_file(path: &Path, file: ModelFile) -> Result<Self, ModelFileError> {
        let invalid = |problem: String| ModelFileError::Invalid {
            path: path.to_owned(),
            problem,
        };
        let labels = model_labels(&file).map_err(invalid)?;
        let k = labels.len();
        let n = file.features.len();
        if file.idf.len() != n || file.weights.len() != n {
            return Err(invalid(format!(
                "{n} features but {} idf values and {} weight rows",
                file.idf.len(),
                file.weights.len()
            )));
        }
        if file.intercepts.len() != k {
            return Err(invalid(format!(
                "{} intercepts, expected one per label ({k})",
                file.intercepts.len()
            )));
        }
        if let Some(row) = file.weights.iter().position(|w| w.len() != k) {
            return Err(invalid(format!(
                "weight row {row} (feature {:?}) has {} values, expected {k}",
                file.features[row],
                file.weights[row].len()
            )));
        }
        if let Some(row) = file
            .weights
            .iter()
            .position(|w| w.iter().any(|v| !v.is_finite()))
        {
            return Err(invalid(format!("weight row {row} is not finite")));
        }
        if file.intercepts.iter().any(|v| !v.is_finite()) {
            return Err(invalid("an intercept is not finite".into()));
        }
        let bounds = logit_bounds(&file.weights, &file.intercepts);
        if let Some((bound, label)) = bounds
            .into_iter()
            .zip(&file.labels)
            .find(|(bound, _)| bound.is_nan() || *bound > MAX_LOGIT)
        {
            return Err(invalid(format!(
                "the weights of `{label}` can push its score to {bound:e}, past the limit of \
                 {MAX_LOGIT:e}: the probabilities would overflow"
            )));
        }
        if let Some(i) = file.idf.iter().position(|v| !(*v > 0.0 && *v <= MAX_IDF)) {
            return Err(invalid(format!(
                "idf {i} is {}, expected a number in (0, {MAX_IDF}]",
                file.idf[i]
            )));
        }
        if file
            .calibration
            .iter()
            .any(|p| !(0.0..=1.0).contains(&p.confidence) || !(0.0..=1.0).contains(&p.gap))
        {
            return Err(invalid("a calibration point is outside [0, 1]".into()));
        }
        file.thresholds
            .check()
            .map_err(|e| invalid(e.to_string()))?;
        let params = file.training.params.clone();
        params.clone().check().map_err(|e| invalid(e.to_string()))?;
        if file.training.n_features != n {
            return Err(invalid(format!(
                "metadata says {} features, file has {n}",
                file.training.n_features
            )));
        }
        let vectorizer = TfidfVectorizer::from_parts(
            params.vectorizer,
            params.analyzer,
            file.features,
            file.idf,
            file.stem_cache,
        )
        .map_err(|e| invalid(e.to_string()))?;
        let layer = LinearSoftmax {
            weights: file.weights.into_iter().flatten().collect(),
            intercepts: file.intercepts,
            n_classes: k,
        };
        Ok(IntentModel {
            labels,
            vectorizer,
            layer,
            thresholds: file.thresholds,
            calibration: file.calibration,
            metadata: file.training,
        })
    }

    /// The on-disk form of this model.
    pub fn to_file(&self) -> ModelFile {
        let k = self.layer.n_classes;
        ModelFile {
            format: MODEL_FORMAT.to_owned(),
            format_version: MODEL_FORMAT_VERSION,
            labels: self.labels.iter().map(|l| l.as_str().to_owned()).collect(),
            training: self.metadata.clone(),
            thresholds: self.thresholds.clone(),
            intercepts: self.layer.intercepts.clone(),
            idf: self.vectorizer.idf().to_vec(),
            stem_cache: self.vectorizer.surface_forms(),
            features: self
                .vectorizer
                .feature_names()
                .iter()
                .map(|n| n.to_string())
                .collect(),
            weights: self.layer.weights.chunks(k).map(<[f64]>::to_vec).collect(),
            calibration: self.calibration.clone(),
        }
    }

    /// Writes the model to `path` safely (see [`ModelFile::write`]): validated before it
    /// replaces anything, through a symbolic link to its target.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelFileError> {
        self.to_file().write(path.as_ref())
    }

    /// Classifies one message.
    pub fn classify(&self, text: &str) -> Prediction {
        SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            let tokens = self.vectorizer.vectorize(text, scratch);
            self.predict(&scratch.features, tokens == 0)
        })
    }

    /// Classifies many messages on all cores, preserving order.
    pub fn classify_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Prediction> {
        texts
            .par_iter()
            .with_min_len(256)
            .map(|text| self.classify(text.as_ref()))
            .collect()
    }

    /// Classifies `text` and lists the features that pushed the decision, largest first.
    pub fn explain(&self, text: &str, top: usize) -> Explanation {
        let mut scratch = Scratch::default();
        let tokens = self.vectorizer.vectorize(text, &mut scratch);
        let prediction = self.predict(&scratch.features, tokens == 0);
        let (winner, runner_up) = (
            self.column(prediction.scores[0].label),
            self.column(prediction.scores[1].label),
        );
        let mut contributions: Vec<Contribution> = scratch
            .features
            .iter()
            .map(|&(feature, value)| {
                let w = self.layer.feature_weights(feature);
                Contribution {
                    feature: self.vectorizer.feature_names()[feature as usize].to_string(),
                    weight: value * (w[winner] - w[runner_up]),
                }
            })
            .collect();
        contributions.sort_by(|a, b| {
            b.weight
                .abs()
                .total_cmp(&a.weight.abs())
                .then_with(|| a.feature.cmp(&b.feature))
        });
        contributions.truncate(top);
        let bias = self.layer.intercepts[winner] - self.layer.intercepts[runner_up];
        Explanation {
            prediction,
            contributions,
            bias,
        }
    }

    fn predict(&self, features: &[(u32, f64)], empty: bool) -> Prediction {
        let mut probabilities = [0.0; MAX_LABELS];
        let probabilities = &mut probabilities[..self.labels.len()];
        self.layer.probabilities_into(features, probabilities);
        let mut scores: Scores = self
            .labels
            .iter()
            .zip(probabilities.iter())
            .map(|(&label, &probability)| LabelScore { label, probability })
            .collect();
        // Stable sort: ties keep the fixed label order, so output never flickers.
        scores.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        let decision = self.thresholds.decide(&scores, empty);
        Prediction {
            intent: scores[0].label.intent(),
            label: scores[0].label,
            confidence: scores[0].probability,
            scores,
            decision,
        }
    }

    /// The layer's column of `label`, one of this model's labels.
    fn column(&self, label: Label) -> usize {
        self.labels
            .iter()
            .position(|&l| l == label)
            .expect("scores name only the model's own labels")
    }

    /// The labels this model predicts: the five built-in intents, then the shop's own.
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// The thresholds in force.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// Replaces the thresholds (e.g. overrides given at load time).
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Result<Self, InvalidThreshold> {
        thresholds.check()?;
        self.thresholds = thresholds;
        Ok(self)
    }

    /// How the model was trained.
    pub fn metadata(&self) -> &TrainingMetadata {
        &self.metadata
    }

    /// Cross-validated predictions kept for re-tuning.
    pub fn calibration(&self) -> &[CalibrationPoint] {
        &self.calibration
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.vectorizer.n_features()
    }

    /// Re-tunes per-intent thresholds for another target precision (in `(0, 1]`) from the
    /// stored cross-validated predictions. On error the model is unchanged.
    pub fn retune(&mut self, target_precision: f64) -> Result<TuningReport, RetuneError> {
        check_target_precision(target_precision)?;
        if self.calibration.is_empty() {
            return Err(NothingToTune.into());
        }
        let base = Thresholds {
            per_intent: Default::default(),
            ..self.thresholds.clone()
        };
        let (thresholds, report) = tune_thresholds(&self.calibration, target_precision, &base);
        self.thresholds = thresholds;
        if let Some(tuning) = self.metadata.params.tuning.as_mut() {
            tuning.target_precision = target_precision;
        }
        self.metadata.tuning = Some(TuningSummary {
            target_precision,
            precision: report.overall.precision(),
            coverage: report.overall.coverage(),
        });
        Ok(report)
    }
}

/// A model file's labels, checked: the five built-in intents in order, then (from format
/// version 2) the shop's own labels, sorted and distinct, [`MAX_LABELS`] in all at most.
fn model_labels(file: &ModelFile) -> Result<Vec<Label>, String> {
    let builtins: Vec<&str> = Intent::ALL.iter().map(|i| i.as_str()).collect();
    if file.labels.len() < builtins.len() || file.labels[..builtins.len()] != builtins[..] {
        return Err(format!(
            "labels are {:?}, expected {:?} first",
            file.labels, builtins
        ));
    }
    let custom = &file.labels[builtins.len()..];
    if file.format_version < 2 && !custom.is_empty() {
        return Err(format!(
            "format version {} has only the five built-in labels, but lists {custom:?}",
            file.format_version
        ));
    }
    if file.labels.len() > MAX_LABELS {
        return Err(format!(
            "{} labels, more than the {MAX_LABELS} a model may have",
            file.labels.len()
        ));
    }
    let mut labels: Vec<Label> = Intent::ALL.iter().map(|&i| i.into()).collect();
    for name in custom {
        let label = crate::classify::label::CustomLabel::parse(name)
            .map_err(|e| format!("label {name:?}: {e}"))?;
        if labels
            .last()
            .is_some_and(|last| last.custom().is_some_and(|l| l >= label))
        {
            return Err(format!(
                "the shop's own labels must be sorted and distinct; {name:?} is out of order"
            ));
        }
        labels.push(Label::Custom(label));
    }
    Ok(labels)
}

/// For each class, a bound on `|logit|` over every possible message: `|b| + ‖w‖₂`. Sound
/// because message vectors are L2-normalised (‖x‖₂ ≤ 1), so `|x·w| ≤ ‖w‖₂` by Cauchy–Schwarz.
/// Infinite when the weights are so large that the bound itself overflows.
fn logit_bounds(weights: &[Vec<f64>], intercepts: &[f64]) -> Vec<f64> {
    let mut squares = vec![0.0_f64; intercepts.len()];
    for row in weights {
        for (sum, w) in squares.iter_mut().zip(row) {
            *sum += w * w;
        }
    }
    squares
        .iter()
        .zip(intercepts)
        .map(|(sum, b)| b.abs() + sum.sqrt())
        .collect()
}

/// The JSON shape of a prediction, as `deskbot classify --format jsonl` writes it:
/// `{"intent", "confidence", "decision": "automate"|"escalate", "reason": code|null,
/// "scores": {label: probability, …}}` with scores most likely first.
impl Serialize for Prediction {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        struct Scores<'a>(&'a [LabelScore]);
        impl Serialize for Scores<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_map(self.0.iter().map(|s| (s.label.as_str(), s.probability)))
            }
        }

        let mut out = serializer.serialize_struct("Prediction", 5)?;
        // The label, a shop's own included: that is what a reader of the output wants to see;
        // the decision says it is escalated.
        out.serialize_field("intent", self.label.as_str())?;
        out.serialize_field("confidence", &self.confidence)?;
        out.serialize_field(
            "decision",
            if self.decision.is_automate() {
                "automate"
            } else {
                "escalate"
            },
        )?;
        out.serialize_field("reason", &self.decision.reason().map(|r| r.code()))?;
        out.serialize_field("scores", &Scores(&self.scores))?;
        out.end()
    }
}
