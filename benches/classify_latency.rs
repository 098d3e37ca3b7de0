//! Per-message classify latency on varied, realistic messages: p50 and p99 on one thread.
//!
//! `cargo bench --bench classify_latency`
//!
//! Not criterion: criterion times batches of calls and reports their mean and median, which hide
//! the slow tail a p99 is about. Here every call is timed on its own with `Instant` (the
//! timer's own cost is measured and printed beside the figures) over repeated passes of the same
//! 2,000 messages, and the percentiles come from all those samples. `cargo bench --bench classify`
//! keeps criterion's batch medians, for the same varied set included.
//!
//! Cases, each on the 2,000 varied messages of `support/varied_messages.rs` and on the README's
//! 16-word message:
//! - **bundled**: `models/intent-model.json`;
//! - **long_tail**: a model fitted here (one fit, no tuning, as `train --no-tune`) on 50,000
//!   long-tail messages from `examples/generate_corpus.rs`. Set `DESKBOT_LONG_TAIL_MESSAGES` for
//!   another size, or `DESKBOT_LONG_TAIL_MODEL=path` to load one trained beforehand:
//!   `cargo run --release --example generate_corpus -- --long-tail 50000 /tmp/lt.csv` then
//!   `cargo run --release -- train --no-tune --data /tmp/lt.csv --out /tmp/lt.json`.
//!
//! "repeat" figures time 25 passes over the set after 3 warm-up passes: the per-thread stem cache
//! then holds every word of the set. "first sight" times one pass over the set after warming on
//! 2,000 *other* messages of the same generator, so the cache only knows what that traffic taught
//! it, as in a service.

use std::hint::black_box;
use std::time::{Duration, Instant};

use deskbot::classify::dataset::Dataset;
use deskbot::classify::model::train::train;
use deskbot::{IntentModel, TrainParams};

#[path = "../examples/generate_corpus.rs"]
#[allow(dead_code)]
mod generate_corpus;
#[path = "support/varied_messages.rs"]
mod varied_messages;

const MODEL: &str = "models/intent-model.json";
const SIXTEEN_WORDS: &str =
    "Hi, I ordered a blue dress last week and still have no tracking number. Where is it?";
const MESSAGES: usize = 2_000;
const WARM_UP_PASSES: usize = 3;
const TIMED_PASSES: usize = 25;
/// The 16-word message alone: as many calls as the varied set's timed passes.
const SINGLE_MESSAGE_CALLS: usize = MESSAGES * TIMED_PASSES;

fn main() {
    // `cargo bench -- NAME` runs only the cases whose name contains NAME; cargo's own flags
    // (`--bench`) are not filters.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let wanted = |case: &str| filter.as_deref().is_none_or(|f| case.contains(f));

    let messages = varied_messages::generate(MESSAGES, varied_messages::SEED);
    let other_traffic = varied_messages::generate(MESSAGES, varied_messages::SEED + 1);
    println!("varied set: {}", varied_messages::describe(&messages));
    println!("timer overhead: {:?} per Instant pair", timer_overhead());

    if wanted("bundled") {
        let bundled = IntentModel::load(MODEL).expect("run benches from the repository root");
        report("bundled", &bundled, &messages, &other_traffic);
    }
    if wanted("long_tail") {
        let long_tail = long_tail_model();
        report("long_tail", &long_tail, &messages, &other_traffic);
    }
}

fn report(name: &str, model: &IntentModel, messages: &[String], other_traffic: &[String]) {
    println!("{name}: {} features", model.n_features());
    // First sight runs first, on a thread whose cache has seen only the other traffic.
    let first_sight = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                for text in other_traffic {
                    black_box(model.classify(text));
                }
                time_calls(model, messages, 1)
            })
            .join()
            .expect("the timing thread does not panic")
    });
    print_percentiles(&format!("{name}/varied_2000/first_sight"), first_sight);
    for _ in 0..WARM_UP_PASSES {
        for text in messages {
            black_box(model.classify(text));
        }
    }
    print_percentiles(
        &format!("{name}/varied_2000/repeat"),
        time_calls(model, messages, TIMED_PASSES),
    );
    let sixteen = [SIXTEEN_WORDS.to_owned()];
    for _ in 0..1_000 {
        black_box(model.classify(SIXTEEN_WORDS));
    }
    print_percentiles(
        &format!("{name}/16_words"),
        time_calls(model, &sixteen, SINGLE_MESSAGE_CALLS),
    );
}

/// Each call timed on its own, `passes` times over `messages` in order.
fn time_calls(model: &IntentModel, messages: &[String], passes: usize) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(messages.len() * passes);
    for _ in 0..passes {
        for text in messages {
            let start = Instant::now();
            black_box(model.classify(black_box(text)));
            samples.push(start.elapsed());
        }
    }
    samples
}

fn print_percentiles(case: &str, mut samples: Vec<Duration>) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{case:<36} p50 {:>9.2?}  p90 {:>9.2?}  p99 {:>9.2?}  mean {:>9.2?}  (n={})",
        at(0.50),
        at(0.90),
        at(0.99),
        mean,
        samples.len()
    );
}

/// The median cost of `Instant::now()` + `elapsed()` with nothing between: included in every
/// sample above.
fn timer_overhead() -> Duration {
    let mut samples: Vec<Duration> = (0..100_000)
        .map(|_| {
            let start = Instant::now();
            start.elapsed()
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn long_tail_model() -> IntentModel {
    if let Ok(path) = std::env::var("DESKBOT_LONG_TAIL_MODEL") {
        return IntentModel::load(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let count: usize = std::env::var("DESKBOT_LONG_TAIL_MESSAGES")
        .ok()
        .map(|n| n.parse().expect("DESKBOT_LONG_TAIL_MESSAGES is a number"))
        .unwrap_or(50_000);
    let source = Dataset::load("training-data".as_ref()).expect("run from the repository root");
    let mut data = source.clone();
    data.messages =
        generate_corpus::generate_long_tail(&source, count, generate_corpus::LONG_TAIL_SEED);
    let params = TrainParams::default().tuning(None).check().unwrap();
    let started = Instant::now();
    let model = train(&params, data, None)
        .expect("the long-tail set trains")
        .model;
    println!(
        "long_tail: trained on {count} long-tail messages in {:.1?} (one fit, no tuning)",
        started.elapsed()
    );
    model
}
