//! Classification latency and throughput on the bundled model.
//!
//! `cargo bench --bench classify` reports criterion medians for a short, a ~16-word and a long
//! message on one thread, a pass over the 2,000 varied messages of `classify_latency` on one
//! thread, batch throughput on all cores, and model load time; it also prints
//! p50/p99 of single calls timed one by one, since criterion reports means and medians only.
//! With the `clean` feature (default) it also times cleaning plus classifying an HTML reply with
//! a quoted thread, and cleaning alone, as `deskbot classify` runs them on every message.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use deskbot::classify::dataset::Dataset;
use deskbot::IntentModel;

#[path = "support/varied_messages.rs"]
#[allow(dead_code)]
mod varied_messages;

const MODEL: &str = "models/intent-model.json";
const SHORT: &str = "where is my order?";
const SIXTEEN_WORDS: &str =
    "Hi, I ordered a blue dress last week and still have no tracking number. Where is it?";
const LONG: &str = "Hello team,\n\nI placed order #10442 on the 3rd of March and paid $89.99 for express \
shipping because I needed the jacket for a trip. The confirmation e-mail said it would ship within two \
business days, but the tracking link (1Z999AA10123456784) has said 'label created' for over a week now and \
nobody has answered my two previous e-mails. I am honestly starting to wonder whether it was ever sent. \
Could you please check what is going on and tell me when I can expect it to arrive? If it cannot arrive \
before the 20th I would like to know my options.\n\nThanks in advance,\nMaria Gonzalez\nSent from my iPhone";

/// The bundled model, or the one named by `DESKBOT_BENCH_MODEL` (e.g. a model trained with
/// `--char-ngrams 3-5`, to measure what they cost).
fn load() -> IntentModel {
    let path = std::env::var("DESKBOT_BENCH_MODEL").unwrap_or_else(|_| MODEL.to_owned());
    IntentModel::load(&path).expect("run benches from the repository root")
}

fn single_message(c: &mut Criterion) {
    let model = load();
    let mut group = c.benchmark_group("classify");
    for (name, text) in [
        ("short", SHORT),
        ("16_words", SIXTEEN_WORDS),
        ("long", LONG),
    ] {
        group.bench_function(name, |b| b.iter(|| model.classify(black_box(text))));
    }
    group.finish();

    // The 2,000 varied messages of `benches/classify_latency.rs`, one thread: criterion's
    // median of the time per message (that bench gives the p50/p99 of single calls).
    let varied = varied_messages::generate(2_000, varied_messages::SEED);
    let mut group = c.benchmark_group("classify_varied");
    group.throughput(Throughput::Elements(varied.len() as u64));
    group.bench_function("2000_messages_one_thread", |b| {
        b.iter(|| {
            for text in &varied {
                black_box(model.classify(black_box(text)));
            }
        })
    });
    group.finish();
}

/// A Gmail HTML reply: two lines of new text above a quoted thread, as help desks deliver it.
#[cfg(feature = "clean")]
const HTML_THREAD: &str = "<div dir=\"ltr\">Hi, I&#39;d like to cancel order #10442 please, I ordered the wrong size.<div><br></div><div>Maria</div></div><br>\
<div class=\"gmail_quote gmail_quote_container\"><div dir=\"ltr\" class=\"gmail_attr\">On Mon, 3 Jun 2024 at 10:12, Shop Support &lt;<a href=\"mailto:help@shop.example\">help@shop.example</a>&gt; wrote:<br></div>\
<blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex\"><div dir=\"ltr\">Hi Maria,<br><br>\
Thanks for your order #10442 (blue linen dress, size M). We will let you know as soon as it ships.<br><br>\
<div class=\"gmail_quote\">On Sun, 2 Jun 2024 at 18:40, Maria &lt;maria@example.com&gt; wrote:<br><blockquote class=\"gmail_quote\">Do you have the dress in M?</blockquote></div>\
Kind regards,<br>Shop Support</div></blockquote></div>";

#[cfg(feature = "clean")]
fn clean_then_classify(c: &mut Criterion) {
    use deskbot::classify::clean::clean_message;
    let model = load();
    let mut group = c.benchmark_group("clean");
    group.bench_function("html_thread_clean_only", |b| {
        b.iter(|| clean_message(black_box(HTML_THREAD)))
    });
    group.bench_function("html_thread_clean_and_classify", |b| {
        b.iter(|| model.classify(&clean_message(black_box(HTML_THREAD)).text))
    });
    group.bench_function("plain_long_clean_and_classify", |b| {
        b.iter(|| model.classify(&clean_message(black_box(LONG)).text))
    });
    group.finish();
}

#[cfg(not(feature = "clean"))]
fn clean_then_classify(_: &mut Criterion) {}

fn batch(c: &mut Criterion) {
    let model = load();
    let holdout = Dataset::load("training-data/holdout".as_ref()).expect("holdout loads");
    // 10k real messages: the holdout set repeated.
    let texts: Vec<&str> = holdout
        .messages
        .iter()
        .map(|m| m.text.as_str())
        .cycle()
        .take(10_000)
        .collect();
    let mut group = c.benchmark_group("classify_batch");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("10k_holdout_messages", |b| {
        b.iter(|| model.classify_batch(black_box(&texts)))
    });
    let sixteen = vec![SIXTEEN_WORDS; 10_000];
    group.bench_function("10k_16_word_messages", |b| {
        b.iter(|| model.classify_batch(black_box(&sixteen)))
    });
    group.finish();
}

fn model_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("model");
    group.sample_size(20);
    group.bench_function("load", |b| b.iter(load));
    group.finish();
}

/// Times `rounds` single calls one by one and prints p50/p99.
fn print_percentiles(model: &IntentModel, name: &str, text: &str, rounds: usize) {
    for _ in 0..1_000 {
        black_box(model.classify(text));
    }
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            black_box(model.classify(black_box(text)));
            start.elapsed()
        })
        .collect();
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "percentiles/{name}: p50 {:?}  p99 {:?}  (n={rounds}, one thread, Instant per call)",
        at(0.50),
        at(0.99)
    );
}

criterion_group!(
    benches,
    single_message,
    clean_then_classify,
    batch,
    model_load
);

fn main() {
    let model = load();
    for (name, text) in [
        ("short", SHORT),
        ("16_words", SIXTEEN_WORDS),
        ("long", LONG),
    ] {
        print_percentiles(&model, name, text, 200_000);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
