//! Training time on 50k generated messages (one fit, no tuning: what `deskbot train --no-tune`
//! does). Peak memory and the 200k run are measured by `benches/train_scale.sh`.

use criterion::{criterion_group, criterion_main, Criterion};
use deskbot::classify::dataset::Dataset;
use deskbot::classify::model::train::train;
use deskbot::TrainParams;

#[path = "../examples/generate_corpus.rs"]
mod generate_corpus;

fn fifty_thousand(c: &mut Criterion) {
    let source = Dataset::load("training-data".as_ref()).expect("run from the repository root");
    let mut data = source.clone();
    data.messages = generate_corpus::generate(&source, 50_000);
    let params = TrainParams::default().tuning(None).check().unwrap();
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    group.bench_function("50k_messages_no_tune", |b| {
        b.iter_batched(
            || data.clone(),
            |data| train(&params, data, None).unwrap(),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, fifty_thousand);
criterion_main!(benches);
