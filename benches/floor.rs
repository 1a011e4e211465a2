//! The floor: reading each prepared request and writing a constant decision into the output
//! buffer, next to the real decide() into the same buffer. The gap is what deciding costs beyond
//! touching the data.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jitgate::{Decision, Snapshot};
use std::hint::black_box;

fn floor(c: &mut Criterion) {
    let (tenant, requests) = common::limits(100_000);
    let snapshot = Snapshot::compile(tenant);
    let prepared: Vec<_> = requests
        .iter()
        .map(|r| snapshot.compiled().prepare(r))
        .collect();
    let mut out = vec![Decision::Allow; prepared.len()];
    let mut group = c.benchmark_group("floor/limits");
    group.throughput(Throughput::Elements(prepared.len() as u64));
    group.sample_size(10);
    group.bench_function("touch_and_write_constant", |b| {
        b.iter(|| {
            for (slot, p) in out.iter_mut().zip(&prepared) {
                black_box(p);
                *slot = Decision::Allow;
            }
            black_box(&out);
        })
    });
    group.bench_function("decide_into_buffer", |b| {
        b.iter(|| {
            for (slot, p) in out.iter_mut().zip(&prepared) {
                *slot = snapshot.compiled().decide(p);
            }
            black_box(&out);
        })
    });
    group.finish();
}

criterion_group!(benches, floor);
criterion_main!(benches);
