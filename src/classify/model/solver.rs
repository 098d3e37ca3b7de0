//! Multinomial logistic regression on a sparse design matrix, solved with our own in-place
//! L-BFGS ([`super::lbfgs`]).
//!
//! The objective is linfa-logistic's — `Σᵢ sᵢ·(−log softmax(xᵢW + b)[yᵢ]) + α/2·‖W‖²`, intercept
//! unpenalised — but evaluated on CSR rows instead of a dense matrix, which is what makes
//! training on 200k messages fit in memory and seconds. Cost and gradient come from one pass
//! over the data.
//!
//! The pass is split into at most two row chunks, at a boundary that depends only on the row
//! count, whose partial sums are added in a fixed order: the result is bit-for-bit reproducible
//! on any number of cores, so the same data always gives the same model file.

use std::sync::Arc;

use crate::classify::model::lbfgs::{self, LbfgsSettings, Termination};
use crate::classify::sparse::SparseRows;

/// Rows below which the pass is not split: a second task would cost more than it saves.
const MIN_CHUNK_ROWS: usize = 1024;
/// L-BFGS correction pairs kept. Five converge in as few iterations as ten on deskbot's data
/// and halve the history's memory (each pair is two vectors of every weight).
const LBFGS_MEMORY: usize = 5;

/// Where the preconditioner's damping sets in, in units of a feature's weighted sum of squared
/// values (see [`preconditioner`]). Measured on a 50k long-tail set: iterations of one fit fall
/// from 48 / 78 / 89 to 24 / 25 / 35 at α = 0.01 / 0.1 / 1, where a knee of 10 or 100 does worse
/// at one α or another.
const PRECONDITIONER_KNEE: f64 = 30.0;

/// Called after every L-BFGS iteration with the iteration number and the current cost.
pub type IterationCallback = Arc<dyn Fn(u64, f64) + Send + Sync>;

/// Solver settings. Validated by the caller (see `TrainParams::check`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverSettings {
    /// L2 penalty α on the weights.
    pub alpha: f64,
    /// Iteration cap.
    pub max_iterations: u64,
    /// Stop when every component of the gradient of the per-row mean loss is at most this in
    /// absolute value (scikit-learn's rule for lbfgs, `tol`). The objective is a sum over rows,
    /// so its gradient is compared with this times the number of rows.
    pub gradient_tolerance: f64,
}

/// A linear softmax layer: row-major weights (`n_features × n_classes`) and intercepts.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSoftmax {
    /// `weights[feature * n_classes + class]`.
    pub weights: Vec<f64>,
    /// One intercept per class.
    pub intercepts: Vec<f64>,
    /// Number of classes.
    pub n_classes: usize,
}

impl LinearSoftmax {
    /// All-zero weights and intercepts: where a cold fit starts.
    pub fn zeros(n_features: usize, n_classes: usize) -> Self {
        LinearSoftmax {
            weights: start_weights(n_features, n_classes),
            intercepts: vec![0.0; n_classes],
            n_classes,
        }
    }

    /// Writes class probabilities for one sparse row into `out` (`n_classes` long).
    pub fn probabilities_into(&self, features: &[(u32, f64)], out: &mut [f64]) {
        // deskbot's five intents get a loop the compiler unrolls; other counts (tests) the
        // general one. Both add in the same order, so they give the same bits.
        match out.len() {
            5 => self.logits_into::<5>(features, out),
            _ => {
                out.copy_from_slice(&self.intercepts);
                for &(column, value) in features {
                    let row = &self.weights[column as usize * self.n_classes..][..self.n_classes];
                    out.iter_mut().zip(row).for_each(|(z, w)| *z += value * w);
                }
            }
        }
        softmax_in_place(out);
    }

    fn logits_into<const K: usize>(&self, features: &[(u32, f64)], out: &mut [f64]) {
        let (rows, _) = self.weights.as_chunks::<K>();
        let mut logits: [f64; K] = self.intercepts[..K].try_into().expect("K intercepts");
        for &(column, value) in features {
            let row = &rows[column as usize];
            for class in 0..K {
                logits[class] += value * row[class];
            }
        }
        out.copy_from_slice(&logits);
    }

    /// The weights of one feature, one per class.
    pub fn feature_weights(&self, feature: u32) -> &[f64] {
        &self.weights[feature as usize * self.n_classes..][..self.n_classes]
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.weights.len() / self.n_classes.max(1)
    }
}

/// The outcome of a fit: the layer and how the solver got there.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxFit {
    /// The fitted layer.
    pub layer: LinearSoftmax,
    /// L-BFGS iterations run.
    pub iterations: u64,
    /// Objective value at the solution.
    pub cost: f64,
    /// Why the solver stopped, in words.
    pub termination: String,
    /// Whether it stopped because the gradient tolerance was met, rather than at the iteration
    /// cap or because the line search gave up.
    pub converged: bool,
}

/// Numerically stable softmax.
pub fn softmax_in_place(logits: &mut [f64]) {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for z in logits.iter_mut() {
        *z = (*z - max).exp();
        sum += *z;
    }
    logits.iter_mut().for_each(|z| *z /= sum);
}

/// The solver failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SolverError {
    /// A softmax needs two classes at least.
    #[error("{n_classes} class(es); training needs at least 2")]
    TooFewClasses {
        /// Classes given.
        n_classes: usize,
    },
    /// The objective or its gradient became NaN or infinite: the numbers overflowed, so the
    /// weights mean nothing.
    #[error("the training objective became NaN or infinite after {iterations} iteration(s) (alpha = {alpha:e}); lower --alpha or check the data")]
    NonFinite {
        /// Iterations run before the solver stopped.
        iterations: u64,
        /// The L2 penalty in use (a huge one overflows first).
        alpha: f64,
    },
}

/// Fits the model from zero weights. `labels[i]` is the class of row `i`, below `n_classes`
/// (at least 2); `class_weights` scales each row's loss by its class's weight.
pub fn fit_softmax(
    x: &SparseRows,
    labels: &[usize],
    n_classes: usize,
    class_weights: &[f64],
    settings: SolverSettings,
    on_iteration: Option<IterationCallback>,
) -> Result<SoftmaxFit, SolverError> {
    let start = LinearSoftmax::zeros(x.n_columns(), n_classes);
    fit_softmax_from(
        x,
        labels,
        class_weights,
        settings,
        start,
        StartScale::AsGiven,
        on_iteration,
    )
}

/// What a warm-started fit does with its start's weights before L-BFGS takes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartScale {
    /// Start exactly there.
    AsGiven,
    /// First scale the weights (not the intercepts) by the factor that minimises the objective
    /// along them, found by one secant step between two gradients. For a start that is shrunk
    /// as a whole, such as the average of models each fitted on fewer rows under the same
    /// penalty, this takes two evaluations and saves several iterations (12 → 6 for the final
    /// fit on 50k long-tail messages, measured); where the start is off in other ways it
    /// saves about nothing, so fits that start from a parent's solution keep it as given.
    Fitted,
}

/// Zero weights for a fit's start, with room for the intercepts, which the solver appends to
/// them (a vector grown past its capacity is copied whole into fresh pages).
pub fn start_weights(n_features: usize, n_classes: usize) -> Vec<f64> {
    let mut weights = Vec::with_capacity((n_features + 1) * n_classes);
    weights.resize(n_features * n_classes, 0.0);
    weights
}

/// The buffers a fit works in. A run of fits (cross-validation's) that passes the same one from
/// fit to fit allocates and faults in their memory once (see [`lbfgs::Workspace`]).
#[derive(Debug, Default)]
pub struct Workspace {
    lbfgs: lbfgs::Workspace,
    /// See [`SoftmaxObjective::second_chunk`].
    second_chunk: Vec<f64>,
    /// The preconditioner (see [`preconditioner`]).
    diagonal: Vec<f64>,
}

impl Workspace {
    /// A workspace with room for fits of up to `n_features` features and `n_classes` classes.
    pub fn for_fits_up_to(n_features: usize, n_classes: usize) -> Self {
        let n = (n_features + 1) * n_classes;
        let mut workspace = Workspace::default();
        workspace.lbfgs.reserve(n, LBFGS_MEMORY);
        workspace.second_chunk.reserve(n);
        workspace.diagonal.reserve(n);
        workspace
    }
}

/// Fits the model starting from `start` (a warm start: a solution of a similar problem needs
/// far fewer iterations). `start` must have `x`'s column count and one intercept per class.
pub fn fit_softmax_from(
    x: &SparseRows,
    labels: &[usize],
    class_weights: &[f64],
    settings: SolverSettings,
    start: LinearSoftmax,
    scale: StartScale,
    on_iteration: Option<IterationCallback>,
) -> Result<SoftmaxFit, SolverError> {
    let mut workspace = Workspace::default();
    let fit = (x, labels, class_weights);
    fit_softmax_in(&mut workspace, fit, settings, start, scale, on_iteration)
}

/// [`fit_softmax_from`] in `workspace`'s buffers: the rows `x`, their labels and the class
/// weights.
pub fn fit_softmax_in(
    workspace: &mut Workspace,
    (x, labels, class_weights): (&SparseRows, &[usize], &[f64]),
    settings: SolverSettings,
    start: LinearSoftmax,
    scale: StartScale,
    on_iteration: Option<IterationCallback>,
) -> Result<SoftmaxFit, SolverError> {
    let n_classes = start.n_classes;
    assert_eq!(x.n_rows(), labels.len(), "one label per row");
    assert_eq!(class_weights.len(), n_classes, "one weight per class");
    assert_eq!(
        start.weights.len(),
        x.n_columns() * n_classes,
        "start shape"
    );
    assert_eq!(start.intercepts.len(), n_classes, "one intercept per class");
    if n_classes < 2 {
        return Err(SolverError::TooFewClasses { n_classes });
    }
    debug_assert!(labels.iter().all(|&label| label < n_classes));

    let split = start.weights.len();
    let mut params = start.weights;
    params.extend_from_slice(&start.intercepts);
    let mut objective = SoftmaxObjective {
        x,
        labels,
        n_classes,
        class_weights,
        alpha: settings.alpha,
        second_chunk: std::mem::take(&mut workspace.second_chunk),
    };
    let lbfgs_settings = LbfgsSettings {
        memory: LBFGS_MEMORY,
        max_iterations: settings.max_iterations,
        gradient_max_norm: settings.gradient_tolerance * x.n_rows().max(1) as f64,
    };
    if scale == StartScale::Fitted {
        scale_start(&mut params, split, &mut objective);
    }
    let mut diagonal = std::mem::take(&mut workspace.diagonal);
    preconditioner(
        &mut diagonal,
        x,
        labels,
        class_weights,
        settings.alpha,
        n_classes,
    );
    let outcome = lbfgs::minimize_in(
        &mut workspace.lbfgs,
        &mut params,
        lbfgs_settings,
        &diagonal,
        |point, gradient| objective.cost_and_gradient(point, gradient),
        |iteration, cost| {
            if let Some(callback) = &on_iteration {
                callback(iteration, cost);
            }
        },
    );
    workspace.second_chunk = std::mem::take(&mut objective.second_chunk);
    workspace.diagonal = diagonal;
    // Any NaN or infinity met on the way fails the fit: the line search stops at such a point,
    // so the point kept is wherever it stood, not a solution.
    if outcome.termination == Termination::NonFinite
        || !(outcome.cost.is_finite() && params.iter().all(|p| p.is_finite()))
    {
        return Err(SolverError::NonFinite {
            iterations: outcome.iterations,
            alpha: settings.alpha,
        });
    }
    let intercepts = params.split_off(split);
    Ok(SoftmaxFit {
        layer: LinearSoftmax {
            weights: params,
            intercepts,
            n_classes,
        },
        iterations: outcome.iterations,
        cost: outcome.cost,
        termination: outcome.termination.to_string(),
        converged: outcome.termination == Termination::Converged,
    })
}

/// Scales the start's weights `params[..split]` by the `t` where `f(t·w)` is least, to one
/// secant step: `f` is convex, so along `w` its slope `∇f(t·w)·w` rises with `t`, and the
/// root of the line through the slopes at `t = 1` and `t = 1 + STEP` is close to where it
/// crosses zero: close for the few-percent shrinkage it is used on, short of it for a large
/// one (a start shrunk by 30% is scaled by 1.24, not 1.43), which L-BFGS then finishes. The
/// factor is kept within [½, 2], and anything non-finite (the solver then reports it from the
/// start point) or a slope that does not rise leaves the start as it was.
fn scale_start(params: &mut [f64], split: usize, objective: &mut SoftmaxObjective) {
    const STEP: f64 = 0.1;
    let start = params[..split].to_vec();
    if start.iter().all(|&w| w == 0.0) {
        return;
    }
    let scale_to = |t: f64, params: &mut [f64]| {
        let weights = params[..split].iter_mut().zip(&start);
        weights.for_each(|(p, &w)| *p = t * w);
    };
    let mut gradient = vec![0.0; params.len()];
    let mut slope_at = |t: f64, params: &mut [f64]| {
        scale_to(t, params);
        objective.cost_and_gradient(params, &mut gradient);
        let along = gradient[..split].iter().zip(&start);
        along.map(|(g, w)| g * w).sum::<f64>()
    };
    let at_one = slope_at(1.0, params);
    let at_step = slope_at(1.0 + STEP, params);
    let root = 1.0 - at_one * STEP / (at_step - at_one);
    let t = if root.is_finite() && at_step > at_one {
        root.clamp(0.5, 2.0)
    } else {
        1.0
    };
    scale_to(t, params);
}

/// A diagonal estimate of the inverse Hessian, one entry per parameter, for L-BFGS to start
/// each step from.
///
/// TF-IDF features are badly scaled against each other: a word in half the messages has a
/// curvature thousands of times a rare word's, which only feels the penalty α. Plain L-BFGS
/// spends most of its iterations learning that spread. Feature `j` gets `1 / (α + c·Sⱼ)`, where
/// `Sⱼ = Σᵢ sᵢ·xᵢⱼ²` is its weighted sum of squared values and `c = α / κ` (κ is
/// [`PRECONDITIONER_KNEE`]): rare features keep the penalty's scale, frequent ones are damped
/// in proportion to how often they occur. `c` stands for the softmax's curvature per row at the
/// solution, `p·(1 − p)`: small where the penalty is light and most rows end up confidently
/// classified, larger where it is heavy. (Its bound at the start, `p = 1/K`, converges slower,
/// measured.) The intercepts, unpenalised, get `1 / (c·Σᵢ sᵢ)`, the same rule for a feature
/// every row has. The solution is the same; only the path to it is shorter.
///
/// Written into `diagonal`, replacing whatever it held.
fn preconditioner(
    diagonal: &mut Vec<f64>,
    x: &SparseRows,
    labels: &[usize],
    class_weights: &[f64],
    alpha: f64,
    n_classes: usize,
) {
    let mut squares = vec![0.0; x.n_columns()];
    let mut row_weights = 0.0;
    for (row, &label) in labels.iter().enumerate() {
        let weight = class_weights[label];
        row_weights += weight;
        let (columns, values) = x.row(row);
        for (&column, &value) in columns.iter().zip(values) {
            let value = f64::from(value);
            squares[column as usize] += weight * value * value;
        }
    }
    // The data's curvature per unit of `Sⱼ`, never above the softmax's bound of 1/4 (which a
    // huge α would otherwise exceed, and which the unpenalised intercepts depend on).
    let curvature = (alpha / PRECONDITIONER_KNEE).min(0.25);
    diagonal.clear();
    diagonal.reserve_exact((x.n_columns() + 1) * n_classes);
    for sum in squares {
        let entry = 1.0 / (alpha + curvature * sum);
        diagonal.extend(std::iter::repeat_n(entry, n_classes));
    }
    let intercept = 1.0 / (curvature * row_weights);
    diagonal.extend(std::iter::repeat_n(intercept, n_classes));
}

struct SoftmaxObjective<'a> {
    x: &'a SparseRows,
    labels: &'a [usize],
    n_classes: usize,
    class_weights: &'a [f64],
    alpha: f64,
    /// The second row chunk's gradient; the first is summed straight into the caller's buffer.
    /// Kept across evaluations: allocating and faulting in megabytes each time costs.
    second_chunk: Vec<f64>,
}

impl SoftmaxObjective<'_> {
    /// The objective at `params`; writes its gradient into `gradient`.
    fn cost_and_gradient(&mut self, params: &[f64], gradient: &mut [f64]) -> f64 {
        let split = self.x.n_columns() * self.n_classes;
        let (weights, intercepts) = params.split_at(split);
        let n_rows = self.x.n_rows();
        let cost = if n_rows >= 2 * MIN_CHUNK_ROWS {
            self.second_chunk.resize(params.len(), 0.0);
            let middle = n_rows / 2;
            let mut second = std::mem::take(&mut self.second_chunk);
            let this = &*self;
            let (first_cost, second_cost) = rayon::join(
                || this.chunk_cost_and_gradient(0..middle, weights, intercepts, gradient),
                || this.chunk_cost_and_gradient(middle..n_rows, weights, intercepts, &mut second),
            );
            gradient.iter_mut().zip(&second).for_each(|(g, s)| *g += s);
            self.second_chunk = second;
            first_cost + second_cost
        } else {
            self.chunk_cost_and_gradient(0..n_rows, weights, intercepts, gradient)
        };
        let mut penalty = 0.0;
        for (g, &w) in gradient[..split].iter_mut().zip(weights) {
            penalty += w * w;
            *g += self.alpha * w;
        }
        cost + 0.5 * self.alpha * penalty
    }

    /// One chunk's cost, with its gradient written over `gradient`.
    fn chunk_cost_and_gradient(
        &self,
        rows: std::ops::Range<usize>,
        weights: &[f64],
        intercepts: &[f64],
        gradient: &mut [f64],
    ) -> f64 {
        gradient.fill(0.0);
        // Up to eight classes get kernels with the class count known at compile time, so the
        // loops over classes unroll and vectorise; more classes take the general one.
        match self.n_classes {
            2 => self.chunk_kernel::<2>(rows, weights, intercepts, gradient),
            3 => self.chunk_kernel::<3>(rows, weights, intercepts, gradient),
            4 => self.chunk_kernel::<4>(rows, weights, intercepts, gradient),
            5 => self.chunk_kernel::<5>(rows, weights, intercepts, gradient),
            6 => self.chunk_kernel::<6>(rows, weights, intercepts, gradient),
            7 => self.chunk_kernel::<7>(rows, weights, intercepts, gradient),
            8 => self.chunk_kernel::<8>(rows, weights, intercepts, gradient),
            _ => self.chunk_kernel_any(rows, weights, intercepts, gradient),
        }
    }

    fn chunk_kernel<const K: usize>(
        &self,
        rows: std::ops::Range<usize>,
        weights: &[f64],
        intercepts: &[f64],
        gradient: &mut [f64],
    ) -> f64 {
        let (weights, _) = weights.as_chunks::<K>();
        let intercepts: [f64; K] = intercepts.try_into().expect("one intercept per class");
        let (weight_gradient, intercept_gradient) = gradient.split_at_mut(weights.len() * K);
        let (weight_gradient, _) = weight_gradient.as_chunks_mut::<K>();
        let mut cost = 0.0;
        for row in rows {
            let (columns, values) = self.x.row(row);
            let mut logits = intercepts;
            for (&column, &value) in columns.iter().zip(values) {
                let w = &weights[column as usize];
                let value = f64::from(value);
                for class in 0..K {
                    logits[class] += value * w[class];
                }
            }
            let label = self.labels[row];
            cost += self.residuals_in_place(&mut logits, label);
            for (&column, &value) in columns.iter().zip(values) {
                let g = &mut weight_gradient[column as usize];
                let value = f64::from(value);
                for class in 0..K {
                    g[class] += value * logits[class];
                }
            }
            for class in 0..K {
                intercept_gradient[class] += logits[class];
            }
        }
        cost
    }

    /// [`Self::chunk_kernel`] for any class count, with the same arithmetic in the same order.
    fn chunk_kernel_any(
        &self,
        rows: std::ops::Range<usize>,
        weights: &[f64],
        intercepts: &[f64],
        gradient: &mut [f64],
    ) -> f64 {
        let k = self.n_classes;
        let (weight_gradient, intercept_gradient) = gradient.split_at_mut(weights.len());
        let mut logits = vec![0.0; k];
        let mut cost = 0.0;
        for row in rows {
            let (columns, values) = self.x.row(row);
            logits.copy_from_slice(intercepts);
            for (&column, &value) in columns.iter().zip(values) {
                let w = &weights[column as usize * k..][..k];
                let value = f64::from(value);
                logits.iter_mut().zip(w).for_each(|(z, w)| *z += value * w);
            }
            let label = self.labels[row];
            cost += self.residuals_in_place(&mut logits, label);
            for (&column, &value) in columns.iter().zip(values) {
                let g = &mut weight_gradient[column as usize * k..][..k];
                let value = f64::from(value);
                g.iter_mut().zip(&logits).for_each(|(g, r)| *g += value * r);
            }
            intercept_gradient
                .iter_mut()
                .zip(&logits)
                .for_each(|(g, r)| *g += r);
        }
        cost
    }

    /// Turns one row's logits into its weighted residuals `sᵢ·(p − y)` and returns its weighted
    /// loss `sᵢ·(log Σ exp z − z_label)`, with one `exp` per class.
    #[inline(always)]
    fn residuals_in_place(&self, logits: &mut [f64], label: usize) -> f64 {
        let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let label_logit = logits[label];
        let mut sum = 0.0;
        for z in logits.iter_mut() {
            *z = (*z - max).exp();
            sum += *z;
        }
        let row_weight = self.class_weights[label];
        let scale = row_weight / sum;
        for z in logits.iter_mut() {
            *z *= scale;
        }
        logits[label] -= row_weight;
        row_weight * (max + sum.ln() - label_logit)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn toy() -> (SparseRows, Vec<usize>) {
        let mut x = SparseRows::new(3);
        let rows: [(&[(u32, f64)], usize); 6] = [
            (&[(0, 1.0)], 0),
            (&[(0, 0.8), (2, 0.2)], 0),
            (&[(1, 1.0)], 1),
            (&[(1, 0.9), (2, 0.1)], 1),
            (&[(2, 1.0)], 2),
            (&[(0, 0.3), (2, 0.7)], 2),
        ];
        let mut labels = Vec::new();
        for (entries, label) in rows {
            x.push_row(entries);
            labels.push(label);
        }
        (x, labels)
    }

    fn settings() -> SolverSettings {
        SolverSettings {
            alpha: 0.1,
            max_iterations: 200,
            gradient_tolerance: 1e-8,
        }
    }

    /// `n_classes` classes, one column per class plus a shared noisy one; row `i` is of class
    /// `i % n_classes`.
    fn many_classes(n_classes: usize, rows: usize) -> (SparseRows, Vec<usize>) {
        let mut x = SparseRows::new(n_classes + 1);
        let mut labels = Vec::new();
        for i in 0..rows {
            let class = i % n_classes;
            let noise = (i % 7) as f64 * 0.1;
            x.push_row(&[(class as u32, 1.0 - noise), (n_classes as u32, noise)]);
            labels.push(class);
        }
        (x, labels)
    }

    fn objective<'a>(
        x: &'a SparseRows,
        labels: &'a [usize],
        class_weights: &'a [f64],
    ) -> SoftmaxObjective<'a> {
        SoftmaxObjective {
            x,
            labels,
            n_classes: class_weights.len(),
            class_weights,
            alpha: 0.7,
            second_chunk: Vec::new(),
        }
    }

    /// `relative` bounds the error relative to the derivative's size (at least 1): finite
    /// differences of a sum over thousands of rows lose digits to rounding (a wrong term or a
    /// lost chunk is off by far more).
    fn assert_gradient_matches_finite_differences(objective: &mut SoftmaxObjective, relative: f64) {
        let n_params = (objective.x.n_columns() + 1) * objective.n_classes;
        let params: Vec<f64> = (0..n_params).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut gradient = vec![0.0; n_params];
        objective.cost_and_gradient(&params, &mut gradient);
        let mut scratch = vec![0.0; n_params];
        let h = 1e-6;
        for i in 0..params.len() {
            let mut up = params.clone();
            up[i] += h;
            let mut down = params.clone();
            down[i] -= h;
            let numeric = (objective.cost_and_gradient(&up, &mut scratch)
                - objective.cost_and_gradient(&down, &mut scratch))
                / (2.0 * h);
            assert!(
                (numeric - gradient[i]).abs() < relative * numeric.abs().max(1.0),
                "param {i}: {numeric} vs {}",
                gradient[i]
            );
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, labels) = toy();
        assert_gradient_matches_finite_differences(
            &mut objective(&x, &labels, &[1.0, 2.0, 0.5]),
            1e-6,
        );
    }

    #[test]
    fn gradient_matches_finite_differences_with_two_chunks_and_many_classes() {
        // Twelve classes take the general kernel; 2 500 rows are split into two chunks.
        let (x, labels) = many_classes(12, 2500);
        let weights: Vec<f64> = (0..12).map(|c| 0.5 + c as f64 * 0.1).collect();
        assert_gradient_matches_finite_differences(&mut objective(&x, &labels, &weights), 1e-4);
    }

    #[test]
    fn the_general_kernel_gives_the_same_bits_as_the_specialised_one() {
        let (x, labels) = many_classes(5, 300);
        let weights = [1.0, 0.8, 1.3, 0.9, 1.1];
        let objective = objective(&x, &labels, &weights);
        // Six columns (five classes and a noise column) by five classes, then the intercepts.
        let params: Vec<f64> = (0..35).map(|i| (i as f64 * 0.91).cos()).collect();
        let (w, b) = params.split_at(30);
        let mut specialised = vec![0.0; 35];
        let mut general = vec![0.0; 35];
        let a = objective.chunk_kernel::<5>(0..300, w, b, &mut specialised);
        let c = objective.chunk_kernel_any(0..300, w, b, &mut general);
        assert_eq!(a.to_bits(), c.to_bits());
        assert_eq!(specialised, general);
    }

    #[test]
    fn more_than_eight_classes_are_learned() {
        let (x, labels) = many_classes(12, 240);
        let fit = fit_softmax(&x, &labels, 12, &[1.0; 12], settings(), None).unwrap();
        assert!(fit.converged, "{}", fit.termination);
        let mut p = [0.0; 12];
        for (row, &label) in labels.iter().enumerate() {
            fit.layer.probabilities_into(&x.row_features(row), &mut p);
            let best = (0..12).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(best, label, "row {row}: {p:?}");
        }
    }

    #[test]
    fn one_class_is_a_typed_error() {
        let (x, _) = toy();
        let err = fit_softmax(&x, &[0; 6], 1, &[1.0], settings(), None).unwrap_err();
        assert_eq!(err, SolverError::TooFewClasses { n_classes: 1 });
    }

    #[test]
    fn a_warm_start_at_the_solution_needs_no_iterations() {
        let (x, labels) = toy();
        let cold = fit_softmax(&x, &labels, 3, &[1.0; 3], settings(), None).unwrap();
        assert!(cold.iterations > 5, "{}", cold.iterations);
        let warm = fit_softmax_from(
            &x,
            &labels,
            &[1.0; 3],
            settings(),
            cold.layer.clone(),
            StartScale::AsGiven,
            None,
        )
        .unwrap();
        assert!(warm.converged);
        assert_eq!(warm.iterations, 0);
        assert_eq!(warm.layer, cold.layer);
    }

    #[test]
    fn a_start_shrunk_as_a_whole_is_scaled_back_and_converges_sooner() {
        let (x, labels) = many_classes(3, 3000);
        let solution = fit_softmax(&x, &labels, 3, &[1.0; 3], settings(), None).unwrap();
        let mut shrunk = solution.layer.clone();
        // About how far the final fit's start is off on real data (it is scaled by 1.05–1.15).
        shrunk.weights.iter_mut().for_each(|w| *w *= 0.9);

        let split = shrunk.weights.len();
        let mut params = shrunk.weights.clone();
        params.extend_from_slice(&shrunk.intercepts);
        let mut objective = SoftmaxObjective {
            x: &x,
            labels: &labels,
            n_classes: 3,
            class_weights: &[1.0; 3],
            alpha: settings().alpha,
            second_chunk: Vec::new(),
        };
        scale_start(&mut params, split, &mut objective);
        let (column, _) = (0..split)
            .map(|i| (i, solution.layer.weights[i].abs()))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        let factor = params[column] / shrunk.weights[column];
        assert!(
            (factor * 0.9 - 1.0).abs() < 0.01,
            "scaled by {factor}, where 1/0.9 undoes the shrinking"
        );

        let fit = |scale| {
            let start = shrunk.clone();
            fit_softmax_from(&x, &labels, &[1.0; 3], settings(), start, scale, None).unwrap()
        };
        let (as_given, fitted) = (fit(StartScale::AsGiven), fit(StartScale::Fitted));
        assert!(as_given.converged && fitted.converged);
        assert!(
            fitted.iterations < as_given.iterations,
            "{} iterations scaled, {} as given",
            fitted.iterations,
            as_given.iterations
        );
        for (a, b) in fitted.layer.weights.iter().zip(&solution.layer.weights) {
            assert!((a - b).abs() < 1e-4, "{a} against {b}");
        }
    }

    #[test]
    fn the_stopping_rule_is_the_largest_gradient_component_per_row() {
        let (x, labels) = many_classes(3, 3000);
        let tolerance = 1e-4;
        let fit = fit_softmax(
            &x,
            &labels,
            3,
            &[1.0; 3],
            SolverSettings {
                gradient_tolerance: tolerance,
                ..settings()
            },
            None,
        )
        .unwrap();
        assert!(fit.converged);
        let mut objective = objective(&x, &labels, &[1.0; 3]);
        objective.alpha = settings().alpha;
        let mut largest_per_row = |layer: &LinearSoftmax| {
            let mut params = layer.weights.clone();
            params.extend_from_slice(&layer.intercepts);
            let mut gradient = vec![0.0; params.len()];
            objective.cost_and_gradient(&params, &mut gradient);
            gradient.iter().fold(0.0f64, |m, g| m.max(g.abs())) / 3000.0
        };
        let largest = largest_per_row(&fit.layer);
        assert!(largest <= tolerance, "{largest}");
        // Not a looser rule: one iteration fewer would not have met it.
        let earlier = fit_softmax(
            &x,
            &labels,
            3,
            &[1.0; 3],
            SolverSettings {
                max_iterations: fit.iterations - 1,
                gradient_tolerance: tolerance,
                ..settings()
            },
            None,
        )
        .unwrap();
        assert!(!earlier.converged);
        let largest = largest_per_row(&earlier.layer);
        assert!(largest > tolerance, "{largest}");
    }

    #[test]
    fn separable_toy_data_is_learned() {
        let (x, labels) = toy();
        let fit = fit_softmax(&x, &labels, 3, &[1.0; 3], settings(), None).unwrap();
        for (row, &label) in labels.iter().enumerate() {
            let features = x.row_features(row);
            let mut p = [0.0; 3];
            fit.layer.probabilities_into(&features, &mut p);
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(best, label, "row {row}: {p:?}");
        }
        assert!(fit.iterations > 0);
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        // Enough rows for several chunks; the fit must equal a re-run bit for bit.
        let mut x = SparseRows::new(4);
        let mut labels = Vec::new();
        for i in 0..3000u32 {
            let column = i % 4;
            x.push_row(&[(column, 1.0 - f64::from(i % 7) * 0.05)]);
            labels.push((i % 4) as usize % 3);
        }
        let a = fit_softmax(&x, &labels, 3, &[1.0; 3], settings(), None).unwrap();
        let b = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| fit_softmax(&x, &labels, 3, &[1.0; 3], settings(), None).unwrap());
        assert_eq!(a, b);
    }

    #[test]
    fn progress_callback_sees_every_iteration() {
        let (x, labels) = toy();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let fit = fit_softmax(
            &x,
            &labels,
            3,
            &[1.0; 3],
            settings(),
            Some(Arc::new(move |iteration, _| {
                sink.lock().unwrap().push(iteration)
            })),
        )
        .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len() as u64, fit.iterations);
    }

    #[test]
    fn overflow_in_the_objective_is_an_error() {
        // Weights so large that α·‖w‖² overflows at the start.
        let (x, labels) = many_classes(3, 3000);
        let start = LinearSoftmax {
            weights: vec![1e200; x.n_columns() * 3],
            intercepts: vec![0.0; 3],
            n_classes: 3,
        };
        let err = fit_softmax_from(
            &x,
            &labels,
            &[1.0; 3],
            settings(),
            start,
            StartScale::AsGiven,
            None,
        )
        .unwrap_err();
        assert!(matches!(err, SolverError::NonFinite { .. }), "{err}");
        assert!(err.to_string().contains("NaN or infinite"), "{err}");
    }

    #[test]
    fn stopping_at_the_iteration_cap_is_not_convergence() {
        let (x, labels) = toy();
        let capped = SolverSettings {
            max_iterations: 1,
            ..settings()
        };
        let fit = fit_softmax(&x, &labels, 3, &[1.0; 3], capped, None).unwrap();
        assert!(!fit.converged, "{}", fit.termination);
        let fit = fit_softmax(&x, &labels, 3, &[1.0; 3], settings(), None).unwrap();
        assert!(fit.converged, "{}", fit.termination);
    }
}
