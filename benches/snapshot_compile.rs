//! Snapshot compile time on the tenant at Entra's limits (and the example, for scale).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jitgate::Snapshot;

fn snapshot_compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot_compile");
    group.sample_size(10);
    let (example, _) = common::example();
    group.bench_function("example", |b| {
        b.iter_batched(|| example.clone(), Snapshot::compile, BatchSize::LargeInput)
    });
    let (limits, _) = common::limits(1);
    group.bench_function("limits", |b| {
        b.iter_batched(|| limits.clone(), Snapshot::compile, BatchSize::LargeInput)
    });
    group.finish();
}

criterion_group!(benches, snapshot_compile);
criterion_main!(benches);
