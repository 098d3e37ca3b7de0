//! Training time on 50k generated messages (one fit, no tuning: what `deskbot train --no-tune`
//! does), on the pairs set and on the long-tail set whose vocabulary keeps growing. Peak memory,
//! the 200k sets and scikit-learn side by side are measured by `benches/train_scale.sh`.

use criterion::{criterion_group, criterion_main, Criterion};
use deskbot::classify::dataset::Dataset;
use deskbot::classify::model::train::train;
use deskbot::TrainParams;

#[path = "../examples/generate_corpus.rs"]
mod generate_corpus;

fn fifty_thousand(c: &mut Criterion) {
    let source = Dataset::load("training-data".as_ref()).expect("run from the repository root");
    let params = TrainParams::default().tuning(None).check().unwrap();
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    let sets = [
        (
            "50k_messages_no_tune",
            generate_corpus::generate(&source, 50_000),
        ),
        (
            "50k_long_tail_no_tune",
            generate_corpus::generate_long_tail(&source, 50_000, generate_corpus::LONG_TAIL_SEED),
        ),
    ];
    for (name, messages) in sets {
        let mut data = source.clone();
        data.messages = messages;
        group.bench_function(name, |b| {
            b.iter_batched(
                || data.clone(),
                |data| train(&params, data, None).unwrap(),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, fifty_thousand);
criterion_main!(benches);
