//! Writes N labelled messages for training benchmarks: each is a bundled training message
//! followed by the first third of another message of the same intent (deterministic, no
//! randomness crate needed).
//!
//! `cargo run --release --example generate_corpus -- 50000 /tmp/corpus-50k.csv`
//!
//! This is load-test data, not training data. Training time and memory depend on message length
//! and vocabulary; these messages average ~18 words against ~13.5 in the bundled data, so the
//! figures err on the slow side.

use std::path::Path;

use deskbot::classify::dataset::{Dataset, LabelledMessage};

/// `count` messages from pairs of `source` messages of the same intent.
pub fn generate(source: &Dataset, count: usize) -> Vec<LabelledMessage> {
    let messages = &source.messages;
    // A 64-bit LCG (Knuth's MMIX constants): reproducible without a dependency.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    (0..count)
        .map(|_| {
            let first = &messages[next() % messages.len()];
            let second = loop {
                let candidate = &messages[next() % messages.len()];
                if candidate.intent == first.intent {
                    break candidate;
                }
            };
            let words: Vec<&str> = second.text.split_whitespace().collect();
            let fragment = words[..words.len().div_ceil(3)].join(" ");
            LabelledMessage {
                text: format!("{} {fragment}", first.text),
                intent: first.intent,
            }
        })
        .collect()
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(count), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: generate_corpus COUNT OUT.csv".into());
    };
    let source = Dataset::load(Path::new("training-data"))?;
    let mut writer = csv::Writer::from_path(out)?;
    writer.write_record(["text", "intent"])?;
    for message in generate(&source, count.parse()?) {
        writer.write_record([message.text.as_str(), message.intent.as_str()])?;
    }
    writer.flush()?;
    Ok(())
}
