//! A limited-memory BFGS minimiser that works in place: every vector it needs is allocated once,
//! before the first iteration, so an iteration costs only the objective and a few passes over
//! the parameters.
//!
//! The line search looks for a step satisfying the strong Wolfe conditions by bracketing and
//! zooming with safeguarded cubic interpolation (Nocedal & Wright, *Numerical Optimization*,
//! 2nd ed., algorithms 3.5 and 3.6). Everything runs in a fixed order, so the same objective
//! gives the same bits on any machine.

/// Sufficient-decrease constant of the Wolfe conditions (the usual choice).
const WOLFE_DECREASE: f64 = 1e-4;
/// Curvature constant of the Wolfe conditions (the usual choice for quasi-Newton methods).
const WOLFE_CURVATURE: f64 = 0.9;
/// Objective evaluations one line search may spend before it settles or gives up.
const LINE_SEARCH_EVALUATIONS: usize = 20;

/// Settings of one minimisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsSettings {
    /// Correction pairs kept (the "limited memory").
    pub memory: usize,
    /// Iteration cap.
    pub max_iterations: u64,
    /// Stop when the gradient's largest absolute component is at most this.
    pub gradient_max_norm: f64,
}

/// Why a minimisation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// The gradient tolerance was met.
    Converged,
    /// The iteration cap was reached first.
    MaxIterations,
    /// No step along the search direction lowered the objective.
    LineSearchFailed,
    /// The objective or its gradient was NaN or infinite at a point it was asked about.
    NonFinite,
}

impl std::fmt::Display for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Termination::Converged => "Solver converged",
            Termination::MaxIterations => "Maximum number of iterations reached",
            Termination::LineSearchFailed => "Line search found no lower point",
            Termination::NonFinite => "Objective became NaN or infinite",
        })
    }
}

/// Where a minimisation ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsOutcome {
    /// Iterations completed.
    pub iterations: u64,
    /// Objective at the returned point.
    pub cost: f64,
    /// Why it stopped.
    pub termination: Termination,
}

/// One point on the search line: step, objective, directional derivative.
#[derive(Debug, Clone, Copy)]
struct LinePoint {
    step: f64,
    cost: f64,
    slope: f64,
}

/// The vectors a minimisation works in. Kept from one minimisation to the next (as a run of
/// fits does), they are allocated and faulted in once: a fit's dozens of megabytes of fresh
/// pages otherwise cost more kernel time than some of its iterations.
#[derive(Debug, Default)]
pub struct Workspace {
    gradient: Vec<f64>,
    direction: Vec<f64>,
    trial: Vec<f64>,
    trial_gradient: Vec<f64>,
    s_history: Vec<Vec<f64>>,
    y_history: Vec<Vec<f64>>,
}

impl Workspace {
    /// Room for minimisations of up to `n` parameters with `memory` pairs, made before the
    /// first: fits of growing size would otherwise move every vector to fresh pages each time.
    pub fn reserve(&mut self, n: usize, memory: usize) {
        for vector in self.vectors(memory) {
            vector.reserve(n.saturating_sub(vector.len()));
        }
    }

    /// Every vector `n` zeros long, `memory` of each history.
    fn prepare(&mut self, n: usize, memory: usize) {
        for vector in self.vectors(memory) {
            vector.clear();
            vector.resize(n, 0.0);
        }
    }

    /// Every vector, with `memory` of each history.
    fn vectors(&mut self, memory: usize) -> impl Iterator<Item = &mut Vec<f64>> {
        self.s_history.resize_with(memory, Vec::new);
        self.y_history.resize_with(memory, Vec::new);
        let singles = [
            &mut self.gradient,
            &mut self.direction,
            &mut self.trial,
            &mut self.trial_gradient,
        ];
        let history = self.s_history.iter_mut().chain(&mut self.y_history);
        singles.into_iter().chain(history)
    }
}

/// Minimises `evaluate` from `x`, leaving the best point found in `x`.
///
/// `evaluate(point, gradient)` returns the objective at `point` and writes its gradient.
/// `on_iteration(iteration, cost)` runs after every completed iteration.
///
/// `diagonal` preconditions the search: when not empty, it holds one positive entry per
/// parameter, an estimate of the inverse Hessian's diagonal, and each two-loop recursion
/// starts from it (scaled by `sᵀy / yᵀDy`, the diagonal form of the usual `sᵀy / yᵀy`) instead
/// of from the identity. Empty means the identity.
pub fn minimize(
    x: &mut Vec<f64>,
    settings: LbfgsSettings,
    diagonal: &[f64],
    evaluate: impl FnMut(&[f64], &mut [f64]) -> f64,
    on_iteration: impl FnMut(u64, f64),
) -> LbfgsOutcome {
    let mut workspace = Workspace::default();
    minimize_in(
        &mut workspace,
        x,
        settings,
        diagonal,
        evaluate,
        on_iteration,
    )
}

/// [`minimize`] in `workspace`'s vectors.
pub fn minimize_in(
    workspace: &mut Workspace,
    x: &mut Vec<f64>,
    settings: LbfgsSettings,
    diagonal: &[f64],
    mut evaluate: impl FnMut(&[f64], &mut [f64]) -> f64,
    mut on_iteration: impl FnMut(u64, f64),
) -> LbfgsOutcome {
    let n = x.len();
    assert!(
        diagonal.is_empty() || diagonal.len() == n,
        "one diagonal entry per parameter"
    );
    let memory = settings.memory.max(1);
    workspace.prepare(n, memory);
    let Workspace {
        mut gradient,
        mut direction,
        mut trial,
        mut trial_gradient,
        mut s_history,
        mut y_history,
    } = std::mem::take(workspace);
    // Correction pairs in a ring: s = x_{k+1} − x_k, y = g_{k+1} − g_k, ρ = 1 / (y·s).
    let mut rho = vec![0.0; memory];
    // The newest pair's (y·s) / (y·D·y): the scale of the initial inverse Hessian.
    let mut newest_scale = 1.0;
    let mut two_loop_alpha = vec![0.0; memory];
    let mut stored = 0usize;
    let mut newest = memory - 1;

    let mut cost = evaluate(x, &mut gradient);
    let mut iterations = 0;
    let outcome = |iterations, cost, termination| LbfgsOutcome {
        iterations,
        cost,
        termination,
    };
    let result = 'run: {
        if !is_finite(cost, &gradient) {
            break 'run outcome(0, cost, Termination::NonFinite);
        }
        loop {
            if max_abs(&gradient) <= settings.gradient_max_norm {
                break 'run outcome(iterations, cost, Termination::Converged);
            }
            if iterations >= settings.max_iterations {
                break 'run outcome(iterations, cost, Termination::MaxIterations);
            }

            // Two-loop recursion: direction = −H·gradient. Each dot product is taken in the same
            // pass as the updates before it (see `update_then_dot`): 11 passes over the parameters
            // instead of 25 with 5 pairs, and the same bits.
            let order = |i: usize| (newest + memory - i) % memory;
            let mut pending = Update::Negate;
            for i in 0..stored {
                let slot = order(i);
                let s_dot =
                    update_then_dot(&mut direction, &gradient, pending, None, &s_history[slot]);
                two_loop_alpha[slot] = rho[slot] * s_dot;
                pending = Update::Axpy(-two_loop_alpha[slot], &y_history[slot]);
            }
            // The initial inverse Hessian: the preconditioner, scaled by the newest pair.
            let scale = if stored > 0 { newest_scale } else { 1.0 };
            let mut initial = Some((scale, diagonal));
            for i in (0..stored).rev() {
                let slot = order(i);
                let y_dot = update_then_dot(
                    &mut direction,
                    &gradient,
                    pending,
                    initial.take(),
                    &y_history[slot],
                );
                let beta = rho[slot] * y_dot;
                pending = Update::Axpy(two_loop_alpha[slot] - beta, &s_history[slot]);
            }
            let mut slope = update_then_dot(
                &mut direction,
                &gradient,
                pending,
                initial.take(),
                &gradient,
            );
            // `slope >= 0.0` alone would let a NaN slope through.
            if slope.is_nan() || slope >= 0.0 {
                // Rounding made the quasi-Newton direction useless: restart from steepest descent.
                stored = 0;
                direction
                    .iter_mut()
                    .zip(&gradient)
                    .for_each(|(d, g)| *d = -g);
                slope = -dot(&gradient, &gradient);
            }
            // The very first step is a plain unit step along −g, as argmin's was: on a problem
            // whose penalty overflows it reaches the overflow at once and the fit fails as
            // NaN/infinite, instead of creeping through tiny finite steps to a line-search
            // failure. After a restart the step is scaled to unit length instead.
            let first_step = if stored == 0 && iterations > 0 {
                (1.0 / dot(&gradient, &gradient).sqrt()).min(1.0)
            } else {
                1.0
            };

            let start = LinePoint {
                step: 0.0,
                cost,
                slope,
            };
            let mut probe = |step: f64, trial: &mut [f64], trial_gradient: &mut [f64]| {
                trial
                    .iter_mut()
                    .zip(x.iter().zip(&direction))
                    .for_each(|(t, (x, d))| *t = x + step * d);
                let cost = evaluate(trial, trial_gradient);
                let finite = is_finite(cost, trial_gradient);
                (
                    LinePoint {
                        step,
                        cost,
                        slope: dot(trial_gradient, &direction),
                    },
                    finite,
                )
            };
            let accepted = match line_search(start, first_step, |step| {
                probe(step, &mut trial, &mut trial_gradient)
            }) {
                LineSearch::Accepted(point) => point,
                LineSearch::NonFinite => {
                    break 'run outcome(iterations, cost, Termination::NonFinite);
                }
                LineSearch::Failed => {
                    break 'run outcome(iterations, cost, Termination::LineSearchFailed);
                }
            };

            // Record the correction pair in the next ring slot, then move to the new point.
            let slot = (newest + 1) % memory;
            let (s, y) = (&mut s_history[slot], &mut y_history[slot]);
            let (mut ys, mut yy, mut ydy) = (0.0, 0.0, -0.0);
            for i in 0..n {
                s[i] = trial[i] - x[i];
                y[i] = trial_gradient[i] - gradient[i];
                ys += y[i] * s[i];
                yy += y[i] * y[i];
                if let Some(d) = diagonal.get(i) {
                    ydy += y[i] * y[i] * d;
                }
            }
            // Pairs without positive curvature would break the update's positive definiteness.
            if ys > f64::EPSILON * yy {
                rho[slot] = 1.0 / ys;
                newest_scale = ys / if diagonal.is_empty() { yy } else { ydy };
                newest = slot;
                stored = (stored + 1).min(memory);
            }
            std::mem::swap(x, &mut trial);
            std::mem::swap(&mut gradient, &mut trial_gradient);
            cost = accepted.cost;
            iterations += 1;
            on_iteration(iterations, cost);
        }
    };
    *workspace = Workspace {
        gradient,
        direction,
        trial,
        trial_gradient,
        s_history,
        y_history,
    };
    result
}

enum LineSearch {
    /// The last point probed is the one to take.
    Accepted(LinePoint),
    NonFinite,
    Failed,
}

/// Strong Wolfe line search from `start` (whose slope is negative), trying `first_step` first.
/// `probe(step)` evaluates the objective there; the point it probed last is the one accepted.
fn line_search(
    start: LinePoint,
    first_step: f64,
    mut probe: impl FnMut(f64) -> (LinePoint, bool),
) -> LineSearch {
    let sufficient = |p: &LinePoint| p.cost <= start.cost + WOLFE_DECREASE * p.step * start.slope;
    let curved = |p: &LinePoint| p.slope.abs() <= -WOLFE_CURVATURE * start.slope;
    let mut previous = start;
    let mut step = first_step;
    let mut evaluations = 0;
    // The step of the point the caller's buffers hold: the one probed last.
    let mut last_probed;
    // Bracketing: grow the step until an interval is known to hold an acceptable point.
    let (mut low, mut high) = loop {
        let (point, finite) = probe(step);
        evaluations += 1;
        last_probed = point.step;
        if !finite {
            return LineSearch::NonFinite;
        }
        if !sufficient(&point) || (evaluations > 1 && point.cost >= previous.cost) {
            break (previous, point);
        }
        if curved(&point) {
            return LineSearch::Accepted(point);
        }
        if point.slope >= 0.0 {
            break (point, previous);
        }
        if evaluations >= LINE_SEARCH_EVALUATIONS {
            return LineSearch::Accepted(point);
        }
        previous = point;
        step *= 4.0;
    };
    // Zoom: `low` always satisfies sufficient decrease and has the lowest cost seen; shrink the
    // interval between it and `high` until a point also meets the curvature condition.
    while evaluations < LINE_SEARCH_EVALUATIONS {
        let width = (high.step - low.step).abs();
        if width <= 1e-12 * high.step.abs().max(low.step.abs()) {
            break;
        }
        let step = safeguarded_cubic_minimum(&low, &high);
        let (point, finite) = probe(step);
        evaluations += 1;
        last_probed = point.step;
        if !finite {
            return LineSearch::NonFinite;
        }
        if !sufficient(&point) || point.cost >= low.cost {
            high = point;
        } else {
            if curved(&point) {
                return LineSearch::Accepted(point);
            }
            if point.slope * (high.step - low.step) >= 0.0 {
                high = low;
            }
            low = point;
        }
    }
    // Out of budget: a point with sufficient decrease is still progress (the curvature pair it
    // gives is skipped if unusable). Only a search that never left the start has failed.
    if low.step == 0.0 {
        return LineSearch::Failed;
    }
    if last_probed != low.step {
        let (point, finite) = probe(low.step);
        if !finite {
            return LineSearch::NonFinite;
        }
        return LineSearch::Accepted(point);
    }
    LineSearch::Accepted(low)
}

/// The minimiser of the cubic matching both points' costs and slopes, kept at least a tenth of
/// the interval away from either end (bisection when the cubic has no usable minimum).
fn safeguarded_cubic_minimum(a: &LinePoint, b: &LinePoint) -> f64 {
    let (lo, hi) = (a.step.min(b.step), a.step.max(b.step));
    let margin = 0.1 * (hi - lo);
    let d1 = a.slope + b.slope - 3.0 * (a.cost - b.cost) / (a.step - b.step);
    let discriminant = d1 * d1 - a.slope * b.slope;
    let step = if discriminant >= 0.0 {
        let d2 = (b.step - a.step).signum() * discriminant.sqrt();
        b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2.0 * d2)
    } else {
        f64::NAN
    };
    if step.is_finite() && step >= lo + margin && step <= hi - margin {
        step
    } else if step.is_finite() {
        step.clamp(lo + margin, hi - margin)
    } else {
        0.5 * (lo + hi)
    }
}

/// What a pass of the two-loop recursion does to the direction before its dot product.
#[derive(Clone, Copy)]
enum Update<'a> {
    /// `d ← −g`: the recursion's start.
    Negate,
    /// `d ← d + a·v`.
    Axpy(f64, &'a [f64]),
}

/// Applies `update` to `direction`, then `initial` (`d ← d·scale·D`, or `d·scale` with no
/// diagonal `D`) when given, and returns `w·d`: separate passes fused into one over memory.
/// Each element sees the same operations in the same order, and the sum runs in the same order
/// from the same `-0.0` as `dot`'s, so the result is the same, bit for bit.
fn update_then_dot(
    direction: &mut [f64],
    gradient: &[f64],
    update: Update,
    initial: Option<(f64, &[f64])>,
    w: &[f64],
) -> f64 {
    let n = direction.len();
    assert!(
        gradient.len() == n && w.len() == n,
        "one entry per parameter"
    );
    let updated = |i: usize, d: f64| match update {
        Update::Negate => -gradient[i],
        Update::Axpy(a, v) => d + a * v[i],
    };
    let mut sum = -0.0;
    match initial {
        None => {
            for (i, (d, w)) in direction.iter_mut().zip(w).enumerate() {
                *d = updated(i, *d);
                sum += w * *d;
            }
        }
        Some((scale, [])) => {
            for (i, (d, w)) in direction.iter_mut().zip(w).enumerate() {
                *d = updated(i, *d) * scale;
                sum += w * *d;
            }
        }
        Some((scale, diagonal)) => {
            let entries = direction.iter_mut().zip(w).zip(diagonal);
            for (i, ((d, w), q)) in entries.enumerate() {
                *d = updated(i, *d) * (scale * q);
                sum += w * *d;
            }
        }
    }
    sum
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn is_finite(cost: f64, gradient: &[f64]) -> bool {
    cost.is_finite() && gradient.iter().all(|g| g.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(tolerance: f64) -> LbfgsSettings {
        LbfgsSettings {
            memory: 5,
            max_iterations: 500,
            gradient_max_norm: tolerance,
        }
    }

    #[test]
    fn a_fused_pass_gives_the_bits_of_separate_passes() {
        // Values over many magnitudes and both signs, zeros of both signs among them, so that
        // any change in the order of operations would show in the last bits.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut draw = |len: usize| -> Vec<f64> {
            (0..len)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let unit = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                    match i % 7 {
                        0 => 0.0,
                        1 => -0.0,
                        _ => unit * 10f64.powi((state % 9) as i32 - 4),
                    }
                })
                .collect()
        };
        let n = 1_001;
        let (gradient, v, w, diagonal, start) = (draw(n), draw(n), draw(n), draw(n), draw(n));
        let diagonal: Vec<f64> = diagonal.iter().map(|d| d.abs() + 1e-3).collect();
        let separate_dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>();
        for update in [Update::Negate, Update::Axpy(-0.37, &v)] {
            for initial in [None, Some((1.7, &[][..])), Some((0.3, &diagonal[..]))] {
                let mut separate = start.clone();
                match update {
                    Update::Negate => separate
                        .iter_mut()
                        .zip(&gradient)
                        .for_each(|(d, g)| *d = -g),
                    Update::Axpy(a, v) => separate.iter_mut().zip(v).for_each(|(d, v)| *d += a * v),
                }
                match initial {
                    None => {}
                    Some((scale, [])) => separate.iter_mut().for_each(|d| *d *= scale),
                    Some((scale, diagonal)) => separate
                        .iter_mut()
                        .zip(diagonal)
                        .for_each(|(d, q)| *d *= scale * q),
                }
                let expected = separate_dot(&w, &separate);
                let mut fused = start.clone();
                let got = update_then_dot(&mut fused, &gradient, update, initial, &w);
                assert_eq!(got.to_bits(), expected.to_bits());
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fused), bits(&separate));
            }
        }
    }

    /// The Rosenbrock function in `n` dimensions: a curved valley that defeats naive steps.
    fn rosenbrock(x: &[f64], gradient: &mut [f64]) -> f64 {
        gradient.fill(0.0);
        let mut cost = 0.0;
        for i in 0..x.len() - 1 {
            let (a, b) = (x[i], x[i + 1]);
            cost += 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2);
            gradient[i] += -400.0 * a * (b - a * a) - 2.0 * (1.0 - a);
            gradient[i + 1] += 200.0 * (b - a * a);
        }
        cost
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let mut x = vec![-1.2, 1.0, -1.2, 1.0, 0.5, -0.3];
        let outcome = minimize(&mut x, settings(1e-8), &[], rosenbrock, |_, _| {});
        assert_eq!(outcome.termination, Termination::Converged, "{outcome:?}");
        for (i, v) in x.iter().enumerate() {
            assert!((v - 1.0).abs() < 1e-6, "x[{i}] = {v}");
        }
        assert!(outcome.cost < 1e-12, "{outcome:?}");
    }

    #[test]
    fn a_quadratic_converges_in_few_iterations_and_reports_each() {
        // f = Σ cᵢ (xᵢ − i)², condition number 100.
        let quadratic = |x: &[f64], g: &mut [f64]| {
            let mut cost = 0.0;
            for i in 0..x.len() {
                let c = 1.0 + 99.0 * i as f64 / (x.len() - 1) as f64;
                let r = x[i] - i as f64;
                cost += c * r * r;
                g[i] = 2.0 * c * r;
            }
            cost
        };
        let mut x = vec![0.0; 10];
        let mut seen = Vec::new();
        let outcome = minimize(&mut x, settings(1e-10), &[], quadratic, |i, c| {
            seen.push((i, c))
        });
        assert_eq!(outcome.termination, Termination::Converged);
        assert!(outcome.iterations < 60, "{outcome:?}");
        assert_eq!(seen.len() as u64, outcome.iterations);
        assert!(
            seen.windows(2).all(|w| w[1].1 <= w[0].1),
            "costs never rise"
        );
        assert!(x
            .iter()
            .enumerate()
            .all(|(i, v)| (v - i as f64).abs() < 1e-8));
    }

    #[test]
    fn a_diagonal_preconditioner_undoes_bad_scaling() {
        // f = Σ cᵢ (xᵢ − 1)², with curvatures spread over four orders of magnitude: the exact
        // inverse diagonal turns it into a round bowl, which the first step crosses.
        let curvature = |i: usize| 10f64.powf(4.0 * i as f64 / 199.0);
        let scaled = |x: &[f64], g: &mut [f64]| {
            let mut cost = 0.0;
            for (i, (x, g)) in x.iter().zip(g.iter_mut()).enumerate() {
                cost += curvature(i) * (x - 1.0) * (x - 1.0);
                *g = 2.0 * curvature(i) * (x - 1.0);
            }
            cost
        };
        let inverse: Vec<f64> = (0..200).map(|i| 1.0 / (2.0 * curvature(i))).collect();
        let mut plain = vec![0.0; 200];
        let unconditioned = minimize(&mut plain, settings(1e-8), &[], scaled, |_, _| {});
        let mut x = vec![0.0; 200];
        let preconditioned = minimize(&mut x, settings(1e-8), &inverse, scaled, |_, _| {});
        assert_eq!(preconditioned.termination, Termination::Converged);
        assert!(preconditioned.iterations <= 2, "{preconditioned:?}");
        assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-9), "{x:?}");
        // Without it, the same problem takes many times as long (or hits the cap).
        assert!(
            unconditioned.iterations > 5 * preconditioned.iterations,
            "{unconditioned:?} vs {preconditioned:?}"
        );
    }

    #[test]
    fn the_iteration_cap_is_reported() {
        let mut x = vec![-1.2, 1.0];
        let capped = LbfgsSettings {
            max_iterations: 3,
            ..settings(1e-12)
        };
        let outcome = minimize(&mut x, capped, &[], rosenbrock, |_, _| {});
        assert_eq!(outcome.termination, Termination::MaxIterations);
        assert_eq!(outcome.iterations, 3);
    }

    #[test]
    fn a_non_finite_objective_is_reported() {
        // Finite at the start, infinite at any step away from it.
        let cliff = |x: &[f64], g: &mut [f64]| {
            g[0] = 1.0;
            if x[0] == 0.0 {
                0.0
            } else {
                f64::INFINITY
            }
        };
        let mut x = vec![0.0];
        let outcome = minimize(&mut x, settings(1e-9), &[], cliff, |_, _| {});
        assert_eq!(outcome.termination, Termination::NonFinite);
    }

    #[test]
    fn a_function_that_never_decreases_fails_the_line_search() {
        // The gradient claims descent, but every step raises the cost.
        let liar = |x: &[f64], g: &mut [f64]| {
            g[0] = 1.0;
            x[0].abs()
        };
        let mut x = vec![0.0];
        let outcome = minimize(&mut x, settings(1e-9), &[], liar, |_, _| {});
        assert_eq!(outcome.termination, Termination::LineSearchFailed);
        assert_eq!(x, vec![0.0], "the start is kept");
    }

    #[test]
    fn the_cubic_step_stays_inside_the_interval() {
        let a = LinePoint {
            step: 0.0,
            cost: 1.0,
            slope: -1.0,
        };
        let b = LinePoint {
            step: 1.0,
            cost: 2.0,
            slope: 5.0,
        };
        let step = safeguarded_cubic_minimum(&a, &b);
        assert!((0.1..=0.9).contains(&step), "{step}");
        // The exact minimiser of a quadratic is found: (s − 0.25)² sampled at 0 and 1.
        let a = LinePoint {
            step: 0.0,
            cost: 0.0625,
            slope: -0.5,
        };
        let b = LinePoint {
            step: 1.0,
            cost: 0.5625,
            slope: 1.5,
        };
        assert!((safeguarded_cubic_minimum(&a, &b) - 0.25).abs() < 1e-12);
    }
}
