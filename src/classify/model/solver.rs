//! Multinomial logistic regression on a sparse design matrix, solved with argmin's L-BFGS.
//!
//! The objective is linfa-logistic's — `Σᵢ sᵢ·(−log softmax(xᵢW + b)[yᵢ]) + α/2·‖W‖²`, intercept
//! unpenalised — but evaluated on CSR rows instead of a dense matrix, which is what makes
//! training on 200k messages fit in memory and seconds. Cost and gradient come from one pass
//! over the data; the line search asks for both at the same point, so the last evaluation is
//! cached.
//!
//! The pass is split into a fixed number of row chunks (independent of the thread count) whose
//! partial sums are added in chunk order, so the result is bit-for-bit reproducible on any
//! machine: the same data always gives the same model file.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{
    CostFunction, Executor, Gradient, State, TerminationReason, TerminationStatus, KV,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use rayon::prelude::*;

use crate::classify::sparse::SparseRows;

/// Rows per chunk below which splitting the pass is not worth a task.
const MIN_CHUNK_ROWS: usize = 512;
/// Upper bound on chunks; fixed so results do not depend on the number of cores.
const MAX_CHUNKS: usize = 8;
/// Most classes the specialised kernels cover (deskbot has five intents).
pub const MAX_CLASSES: usize = 8;
/// L-BFGS history length (linfa-logistic uses the same).
const LBFGS_MEMORY: usize = 10;

/// Called after every L-BFGS iteration with the iteration number and the current cost.
pub type IterationCallback = Arc<dyn Fn(u64, f64) + Send + Sync>;

/// Solver settings. Validated by the caller (see `TrainParams::check`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverSettings {
    /// L2 penalty α on the weights.
    pub alpha: f64,
    /// Iteration cap.
    pub max_iterations: u64,
    /// Stop when ‖∇‖ falls below this times the number of rows (the loss is a sum over rows).
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
    /// Why the solver stopped, as argmin reports it.
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
    /// argmin reported an error, or the problem is outside what the solver handles.
    #[error("L-BFGS failed: {0}")]
    Failed(String),
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

/// Fits the model. `labels[i]` is the class of row `i`, below `n_classes` (2 to
/// [`MAX_CLASSES`]); `class_weights` scales each row's loss by its class's weight.
pub fn fit_softmax(
    x: &SparseRows,
    labels: &[usize],
    n_classes: usize,
    class_weights: &[f64],
    settings: SolverSettings,
    on_iteration: Option<IterationCallback>,
) -> Result<SoftmaxFit, SolverError> {
    assert_eq!(x.n_rows(), labels.len(), "one label per row");
    assert_eq!(class_weights.len(), n_classes, "one weight per class");
    if !(2..=MAX_CLASSES).contains(&n_classes) {
        return Err(SolverError::Failed(format!(
            "{n_classes} classes; the solver handles 2 to {MAX_CLASSES}"
        )));
    }
    debug_assert!(labels.iter().all(|&label| label < n_classes));

    let n_params = x.n_columns() * n_classes + n_classes;
    // Outside the objective: when the line search fails, argmin drops the objective with it.
    let saw_non_finite = AtomicBool::new(false);
    let objective = SoftmaxObjective {
        x,
        labels,
        n_classes,
        class_weights,
        alpha: settings.alpha,
        last: Mutex::new(None),
        chunk_gradients: Mutex::new(Vec::new()),
        saw_non_finite: &saw_non_finite,
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), LBFGS_MEMORY)
        .with_tolerance_grad(settings.gradient_tolerance * x.n_rows().max(1) as f64)
        .and_then(|solver| solver.with_tolerance_cost(0.0))
        .map_err(|e| SolverError::Failed(e.to_string()))?;
    let mut executor = Executor::new(objective, solver)
        .configure(|state| {
            state
                .param(Array1::zeros(n_params))
                .max_iters(settings.max_iterations)
        })
        .timer(false);
    if let Some(callback) = on_iteration {
        executor = executor.add_observer(ProgressObserver(callback), ObserverMode::Always);
    }
    let result = executor
        .run()
        .map_err(|e| SolverError::Failed(e.to_string()))?;
    let state = result.state();
    let non_finite = SolverError::NonFinite {
        iterations: state.get_iter(),
        alpha: settings.alpha,
    };
    // Any NaN or infinity met on the way fails the fit, even if the best point kept is finite:
    // the line search gives up on such a point, so the "best" one is wherever it stood.
    if saw_non_finite.load(Ordering::Relaxed) {
        return Err(non_finite);
    }
    let params = state
        .get_best_param()
        .ok_or_else(|| SolverError::Failed("no parameters were produced".into()))?;
    if !(params.iter().all(|p| p.is_finite()) && state.get_best_cost().is_finite()) {
        return Err(non_finite);
    }
    let split = x.n_columns() * n_classes;
    let params = params.as_slice().expect("contiguous");
    let termination = state.get_termination_status();
    Ok(SoftmaxFit {
        layer: LinearSoftmax {
            weights: params[..split].to_vec(),
            intercepts: params[split..].to_vec(),
            n_classes,
        },
        iterations: state.get_iter(),
        cost: state.get_best_cost(),
        termination: termination.to_string(),
        converged: matches!(
            termination,
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        ),
    })
}

struct ProgressObserver(IterationCallback);

impl<I: State<Float = f64>> Observe<I> for ProgressObserver {
    fn observe_iter(&mut self, state: &I, _kv: &KV) -> Result<(), argmin::core::Error> {
        (self.0)(state.get_iter(), state.get_cost());
        Ok(())
    }
}

struct Evaluation {
    params: Array1<f64>,
    cost: f64,
    gradient: Array1<f64>,
}

struct SoftmaxObjective<'a> {
    x: &'a SparseRows,
    labels: &'a [usize],
    n_classes: usize,
    class_weights: &'a [f64],
    alpha: f64,
    last: Mutex<Option<Evaluation>>,
    chunk_gradients: Mutex<Vec<Vec<f64>>>,
    /// Set when any evaluation gave a NaN or infinite cost or gradient.
    saw_non_finite: &'a AtomicBool,
}

impl SoftmaxObjective<'_> {
    fn evaluate<T>(&self, params: &Array1<f64>, pick: impl FnOnce(&Evaluation) -> T) -> T {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(evaluation) = last.as_ref().filter(|e| e.params == *params) {
            return pick(evaluation);
        }
        let (cost, gradient) = self.cost_and_gradient(params.as_slice().expect("contiguous"));
        if !(cost.is_finite() && gradient.iter().all(|g| g.is_finite())) {
            self.saw_non_finite.store(true, Ordering::Relaxed);
        }
        let evaluation = last.insert(Evaluation {
            params: params.clone(),
            cost,
            gradient: Array1::from(gradient),
        });
        pick(evaluation)
    }

    fn cost_and_gradient(&self, params: &[f64]) -> (f64, Vec<f64>) {
        let k = self.n_classes;
        let split = self.x.n_columns() * k;
        let (weights, intercepts) = params.split_at(split);
        let n_rows = self.x.n_rows();
        let n_chunks = (n_rows / MIN_CHUNK_ROWS).clamp(1, MAX_CHUNKS);

        // Per-chunk gradient buffers live as long as the objective: allocating and faulting in
        // tens of megabytes on every evaluation cost a quarter of training time.
        let mut buffers = std::mem::take(
            &mut *self
                .chunk_gradients
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        buffers.resize_with(n_chunks, || vec![0.0; params.len()]);
        let costs: Vec<f64> = buffers
            .par_iter_mut()
            .enumerate()
            .map(|(chunk, gradient)| {
                gradient.fill(0.0);
                let rows = chunk * n_rows / n_chunks..(chunk + 1) * n_rows / n_chunks;
                match k {
                    2 => self.chunk_cost_and_gradient::<2>(rows, weights, intercepts, gradient),
                    3 => self.chunk_cost_and_gradient::<3>(rows, weights, intercepts, gradient),
                    4 => self.chunk_cost_and_gradient::<4>(rows, weights, intercepts, gradient),
                    5 => self.chunk_cost_and_gradient::<5>(rows, weights, intercepts, gradient),
                    6 => self.chunk_cost_and_gradient::<6>(rows, weights, intercepts, gradient),
                    7 => self.chunk_cost_and_gradient::<7>(rows, weights, intercepts, gradient),
                    8 => self.chunk_cost_and_gradient::<8>(rows, weights, intercepts, gradient),
                    _ => unreachable!("class count checked in fit_softmax"),
                }
            })
            .collect();

        // Add the chunks up along a tree whose shape depends only on the chunk count, so the
        // sum is the same whatever order the chunks finished in.
        let cost: f64 = costs.iter().sum();
        tree_sum(&mut buffers);
        let mut gradient = buffers[0].clone();
        *self
            .chunk_gradients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = buffers;
        let mut penalty = 0.0;
        for (g, &w) in gradient[..split].iter_mut().zip(weights) {
            penalty += w * w;
            *g += self.alpha * w;
        }
        (cost + 0.5 * self.alpha * penalty, gradient)
    }

    /// One chunk's cost and gradient, with the class count `K` known at compile time so the
    /// per-entry loops over classes unroll and vectorise.
    fn chunk_cost_and_gradient<const K: usize>(
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
            let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log_sum_exp = max + logits.iter().map(|z| (z - max).exp()).sum::<f64>().ln();
            let label = self.labels[row];
            let row_weight = self.class_weights[label];
            cost += row_weight * (log_sum_exp - logits[label]);
            // Residuals (p − y)·s, reusing the logits buffer.
            for (class, z) in logits.iter_mut().enumerate() {
                let target = if class == label { 1.0 } else { 0.0 };
                *z = row_weight * ((*z - log_sum_exp).exp() - target);
            }
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
}

/// Adds every buffer into `buffers[0]`, halves in parallel, along a fixed binary tree.
fn tree_sum(buffers: &mut [Vec<f64>]) {
    if buffers.len() < 2 {
        return;
    }
    let (left, right) = buffers.split_at_mut(buffers.len() / 2);
    rayon::join(|| tree_sum(left), || tree_sum(right));
    left[0]
        .par_chunks_mut(8192)
        .zip(right[0].par_chunks(8192))
        .for_each(|(into, from)| into.iter_mut().zip(from).for_each(|(a, b)| *a += b));
}

impl CostFunction for SoftmaxObjective<'_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, params: &Self::Param) -> Result<Self::Output, argmin::core::Error> {
        Ok(self.evaluate(params, |e| e.cost))
    }
}

impl Gradient for SoftmaxObjective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, params: &Self::Param) -> Result<Self::Gradient, argmin::core::Error> {
        Ok(self.evaluate(params, |e| e.gradient.clone()))
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, labels) = toy();
        let weights = [1.0, 2.0, 0.5];
        let objective = SoftmaxObjective {
            x: &x,
            labels: &labels,
            n_classes: 3,
            class_weights: &weights,
            alpha: 0.7,
            last: Mutex::new(None),
            chunk_gradients: Mutex::new(Vec::new()),
            saw_non_finite: &AtomicBool::new(false),
        };
        let params: Vec<f64> = (0..12).map(|i| (i as f64 * 0.37).sin()).collect();
        let (_, gradient) = objective.cost_and_gradient(&params);
        let h = 1e-6;
        for i in 0..params.len() {
            let mut up = params.clone();
            up[i] += h;
            let mut down = params.clone();
            down[i] -= h;
            let numeric = (objective.cost_and_gradient(&up).0
                - objective.cost_and_gradient(&down).0)
                / (2.0 * h);
            assert!(
                (numeric - gradient[i]).abs() < 1e-6,
                "param {i}: {numeric} vs {}",
                gradient[i]
            );
        }
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
        let (x, labels) = toy();
        let huge = SolverSettings {
            alpha: 1e308,
            ..settings()
        };
        let err = fit_softmax(&x, &labels, 3, &[1.0; 3], huge, None).unwrap_err();
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
