//! Tracking-number detection speed on the carrier specification.
//!
//! `cargo bench --bench carrier` reports criterion medians for detecting a batch of 40 mixed
//! numbers (every courier, valid, invalid, with spaces and dashes, and non-numbers) and for one
//! number at a time; the per-number figure is the batch median divided by 40. The spec's
//! regexes are compiled before timing starts, as they are once per process in use.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use deskbot::carrier::{detect, is_tracking_number, resolve};

/// A mix as a support inbox sees it: common carriers most, every courier of the spec, typos
/// and things that are not tracking numbers at all.
const NUMBERS: [&str; 40] = [
    "1Z999AA10123456784",
    "1Z 5R8 939 0357 5671 27",
    "1Z999AA10123456785",
    "K1506235620",
    "9400111201080805483016",
    "9400 1112 0108 0805 4830 16",
    "4201002334249200190132607600833457",
    "9261292700768711948021",
    "0307 1790 0005 2348 3741",
    "7196 9010 7560 0307 7385",
    "123456789012",
    "0414 4176 0228 964",
    "9611020987654312345672",
    "1001921334250001000300779017972697",
    "9622001560001234567100794808390594",
    "32971514560102447849175802862014",
    "3318810025",
    "JJD0099999999",
    "GM2951173225174494",
    "60120172242323",
    "TBA502887274000",
    "C11031500001879",
    "LX17635036",
    "1LS7119013618127-1",
    "0073938000549297",
    "RB123456785GB",
    "rb-123-456-785-de",
    "0081 827 0998 0000 0200 45 327 276 N",
    "320595463938",
    "D576002440000001718010",
    "JJD0002257639032011",
    "YT2229521272164446",
    "SP029692510000920746",
    "GFUS01011884214464",
    "LTN74207623N1",
    "07209562763",
    "jane@example.com",
    "#1001",
    "5551234567",
    "where is my parcel",
];

fn batch(c: &mut Criterion) {
    // Load and compile the spec outside the timing.
    assert!(!detect(NUMBERS[0]).is_empty());
    let mut group = c.benchmark_group("carrier");
    group.throughput(Throughput::Elements(NUMBERS.len() as u64));
    group.bench_function("detect_40_mixed", |b| {
        b.iter(|| {
            for number in NUMBERS {
                black_box(detect(black_box(number)));
            }
        })
    });
    group.bench_function("resolve_40_mixed", |b| {
        b.iter(|| {
            for number in NUMBERS {
                black_box(resolve(None, black_box(number)));
            }
        })
    });
    group.bench_function("is_tracking_number_40_mixed", |b| {
        b.iter(|| {
            for number in NUMBERS {
                black_box(is_tracking_number(black_box(number)));
            }
        })
    });
    group.finish();
}

fn single(c: &mut Criterion) {
    let mut group = c.benchmark_group("carrier_one");
    for (name, number) in [
        ("ups", "1Z999AA10123456784"),
        ("usps_routed", "4201002334249200190132607600833457"),
        ("s10", "RB123456785GB"),
        ("no_match", "where is my parcel"),
    ] {
        group.bench_function(name, |b| b.iter(|| detect(black_box(number))));
    }
    group.finish();
}

criterion_group!(benches, batch, single);
criterion_main!(benches);
