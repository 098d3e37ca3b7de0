//! Reply latency: classify + facts from the in-memory demo shop + render, for a tracking
//! question and a handoff.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use deskbot::respond::demo::DemoShop;
use deskbot::respond::Templates;
use deskbot::{Customer, IntentModel, Responder};

fn reply(c: &mut Criterion) {
    let shop = DemoShop::load(Path::new("examples/demo-shop"), None)
        .expect("run from the repository root");
    let now = shop.policy.now();
    let responder = Responder::new(
        Arc::new(IntentModel::load("models/intent-model.json").unwrap()),
        Arc::new(shop.platform),
        Arc::new(shop.carriers),
        shop.policy,
        Templates::load(Path::new("templates")).unwrap(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let jane = Customer {
        email: Some("jane@example.com".to_owned()),
    };
    let lucas = Customer {
        email: Some("lucas@example.com".to_owned()),
    };
    let tom = Customer {
        email: Some("tom@example.com".to_owned()),
    };
    let mut group = c.benchmark_group("reply");
    group.bench_function("tracking_in_transit", |b| {
        b.iter(|| {
            runtime.block_on(responder.respond_at(black_box("Where is my dress?"), &jane, now))
        })
    });
    group.bench_function("tracking_two_parcels", |b| {
        b.iter(|| {
            runtime.block_on(responder.respond_at(black_box("where is my stuff"), &lucas, now))
        })
    });
    group.bench_function("handoff_carrier_exception", |b| {
        b.iter(|| runtime.block_on(responder.respond_at(black_box("where is my order"), &tom, now)))
    });
    group.finish();
}

criterion_group!(benches, reply);
criterion_main!(benches);
