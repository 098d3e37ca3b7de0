//! The campaign driver: runs a target on N generated inputs across threads, catching panics per
//! input, and reports throughput and every distinct failure with what reproduces it.
//!
//! Input `i` of a target under seed `S` comes from an RNG seeded with `(S, target, i)` alone,
//! so a run gives the same inputs whatever the thread count, and one input can be replayed.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{Shared, Target};

/// Inputs a thread claims at a time.
const CHUNK: u64 = 64;

/// Characters of an input shown in a report; longer inputs are cut (the CLI saves them whole).
const SHOWN_CHARS: usize = 3000;

/// Failures already filed and being fixed elsewhere: `(start of the violation, where)`. They
/// are still found and reported, but do not fail the run. Remove an entry when its fix lands.
pub const KNOWN_ISSUES: &[(&str, &str)] = &[];

/// What went wrong on one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The code under test panicked: the panic message with its location.
    Panic(String),
    /// An invariant did not hold.
    Violation(String),
}

impl Problem {
    /// The known issue this is, if any.
    pub fn known_issue(&self) -> Option<&'static str> {
        match self {
            Problem::Violation(message) => KNOWN_ISSUES
                .iter()
                .find(|(start, _)| message.starts_with(start))
                .map(|(_, issue)| *issue),
            Problem::Panic(_) => None,
        }
    }

    /// What identifies the bug, so one bug hit a thousand times is reported once: the panic
    /// location, or the first words of the violation.
    fn signature(&self) -> String {
        match self {
            Problem::Panic(message) => message.lines().next().unwrap_or("").to_owned(),
            Problem::Violation(message) => message
                .split([' ', '\n'])
                .take(4)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// One failing input.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The target.
    pub target: Target,
    /// The campaign seed.
    pub seed: u64,
    /// The input's index under that seed.
    pub index: u64,
    /// The input.
    pub input: Vec<u8>,
    /// The input as the target reads it (sender, message, …).
    pub decoded: String,
    /// What happened.
    pub problem: Problem,
    /// How many inputs failed the same way.
    pub count: u64,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, message) = match (&self.problem, self.problem.known_issue()) {
            (Problem::Panic(message), _) => ("PANIC".to_owned(), message),
            (Problem::Violation(message), None) => ("INVARIANT VIOLATED".to_owned(), message),
            (Problem::Violation(message), Some(issue)) => {
                (format!("KNOWN ISSUE, {issue}:"), message)
            }
        };
        writeln!(
            f,
            "{kind} in target {} (seed {}, input {}, {} input(s) failed this way)",
            self.target.name(),
            self.seed,
            self.index,
            self.count
        )?;
        writeln!(f, "  {}", message.replace('\n', "\n  "))?;
        writeln!(
            f,
            "  input ({} bytes): {}",
            self.input.len(),
            escape(&self.input)
        )?;
        writeln!(f, "  read as: {}", self.decoded)?;
        write!(
            f,
            "  replay: cargo run --release --example fuzz -- --target {} --seed {} --replay {}",
            self.target.name(),
            self.seed,
            self.index
        )
    }
}

/// `bytes` as a Rust literal: a string when it is UTF-8, else a byte string; cut when long.
pub fn escape(bytes: &[u8]) -> String {
    let escaped = match std::str::from_utf8(bytes) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!("b\"{}\"", bytes.escape_ascii()),
    };
    match escaped.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}… (cut)", &escaped[..cut]),
        None => escaped,
    }
}

/// What one target's run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target.
    pub target: Target,
    /// Inputs run.
    pub inputs: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// The slowest input: (time, index).
    pub slowest: (Duration, u64),
    /// The first failure of each kind.
    pub failures: Vec<Failure>,
    /// What the inputs reached, over every thread.
    pub tally: super::Tally,
}

impl Report {
    /// Inputs per second.
    pub fn rate(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Failing inputs, known issues left out.
    pub fn failed_inputs(&self) -> u64 {
        self.new_failures().map(|f| f.count).sum()
    }

    /// Inputs that hit a known issue.
    pub fn known_inputs(&self) -> u64 {
        self.failures
            .iter()
            .filter(|f| f.problem.known_issue().is_some())
            .map(|f| f.count)
            .sum()
    }

    /// Failures that are not known issues.
    pub fn new_failures(&self) -> impl Iterator<Item = &Failure> {
        self.failures
            .iter()
            .filter(|f| f.problem.known_issue().is_none())
    }
}

/// The RNG that makes input `index` of `target` under `seed`.
pub fn input_rng(seed: u64, target: Target, index: u64) -> StdRng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(target as u64).to_le_bytes());
    key[16..24].copy_from_slice(&index.to_le_bytes());
    StdRng::from_seed(key)
}

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic into its message and location. While inside, panics print
/// nothing: the report says what matters. Panics elsewhere (other tests) print as usual.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.get() {
                LAST_PANIC.set(Some(info.to_string()));
            } else {
                default(info);
            }
        }));
    });
    let was = CAPTURING.replace(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CAPTURING.set(was);
    result.map_err(|payload| {
        LAST_PANIC.take().unwrap_or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic with a non-text payload".into())
        })
    })
}

/// Runs input `index` of `target` once: the input and what it did.
pub fn run_one<'s>(
    shared: &'s Shared,
    harness: &mut Option<Box<dyn super::Harness + 's>>,
    target: Target,
    seed: u64,
    index: u64,
) -> (Vec<u8>, Result<(), Problem>) {
    let mut rng = input_rng(seed, target, index);
    let input = target.generate(shared, &mut rng);
    let outcome = catch(|| {
        harness
            .get_or_insert_with(|| target.harness(shared))
            .run(&input)
    });
    let result = match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(violation)) => Err(Problem::Violation(violation)),
        Err(panic) => {
            // State touched by a panic is not trusted: the next input gets a fresh harness.
            *harness = None;
            Err(Problem::Panic(panic))
        }
    };
    (input, result)
}

/// Runs `inputs` inputs of `target` under `seed` on `threads` threads. `on_new_failure` hears
/// of the first input failing in each new way as soon as it is found.
pub fn run_target(
    shared: &Shared,
    target: Target,
    seed: u64,
    inputs: u64,
    threads: usize,
    on_new_failure: &(dyn Fn(&Failure) + Sync),
) -> Report {
    let next = AtomicU64::new(0);
    let failures: Mutex<Vec<(String, Failure)>> = Mutex::new(Vec::new());
    let slowest = Mutex::new((Duration::ZERO, 0));
    let tally = Mutex::new(super::Tally::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let mut harness = None;
                let mut thread_slowest = (Duration::ZERO, 0);
                loop {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= inputs {
                        break;
                    }
                    for index in start..(start + CHUNK).min(inputs) {
                        let began = Instant::now();
                        let (input, result) = run_one(shared, &mut harness, target, seed, index);
                        thread_slowest = thread_slowest.max((began.elapsed(), index));
                        if let Err(problem) = result {
                            record(
                                &failures,
                                shared,
                                target,
                                seed,
                                index,
                                input,
                                problem,
                                on_new_failure,
                            );
                        }
                    }
                }
                let mut slowest = slowest.lock().expect("no panics while held");
                *slowest = (*slowest).max(thread_slowest);
                if let Some(harness) = &harness {
                    let mut tally = tally.lock().expect("no panics while held");
                    for (label, n) in harness.tally() {
                        *tally.entry(label).or_default() += n;
                    }
                }
            });
        }
    });
    let mut failures: Vec<Failure> = failures
        .into_inner()
        .expect("no panics while held")
        .into_iter()
        .map(|(_, failure)| failure)
        .collect();
    failures.sort_by_key(|f| f.index);
    Report {
        target,
        inputs,
        elapsed: started.elapsed(),
        slowest: slowest.into_inner().expect("no panics while held"),
        failures,
        tally: tally.into_inner().expect("no panics while held"),
    }
}

#[allow(clippy::too_many_arguments)]
fn record(
    failures: &Mutex<Vec<(String, Failure)>>,
    shared: &Shared,
    target: Target,
    seed: u64,
    index: u64,
    input: Vec<u8>,
    problem: Problem,
    on_new_failure: &(dyn Fn(&Failure) + Sync),
) {
    let signature = problem.signature();
    let mut failures = failures.lock().expect("no panics while held");
    if let Some((_, known)) = failures.iter_mut().find(|(s, _)| *s == signature) {
        known.count += 1;
        // Keep the earliest input, so the report does not depend on thread timing.
        if index < known.index {
            known.index = index;
            known.decoded = target.decode(shared, &input);
            known.input = input;
            known.problem = problem;
        }
        return;
    }
    let failure = Failure {
        target,
        seed,
        index,
        decoded: target.decode(shared, &input),
        input,
        problem,
        count: 1,
    };
    on_new_failure(&failure);
    failures.push((signature, failure));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_their_message_and_location() {
        let caught = catch(|| -> u8 { panic!("boom {}", 42) }).unwrap_err();
        assert!(caught.contains("boom 42"), "{caught}");
        assert!(caught.contains("driver.rs"), "{caught}");
        assert_eq!(catch(|| 7), Ok(7));
    }

    #[test]
    fn inputs_are_escaped_and_cut() {
        assert_eq!(escape(b"a\"\n"), r#""a\"\n""#);
        assert_eq!(escape(b"\xff{"), r#"b"\xff{""#);
        assert!(escape(&[b'x'; 10_000]).ends_with("… (cut)"));
    }
}
