//! The cost of explain: full rendered decisions with and without per-policy results.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use jitgate::Snapshot;
use std::hint::black_box;

fn explain(c: &mut Criterion) {
    for (name, (tenant, requests)) in [
        ("example", common::example()),
        ("limits", common::limits(1_000)),
    ] {
        let snapshot = Snapshot::compile(tenant);
        let prepared: Vec<_> = requests
            .iter()
            .map(|r| snapshot.compiled().prepare(r))
            .collect();
        let mut group = c.benchmark_group(format!("explain/{name}"));
        for on in [false, true] {
            let mut i = 0usize;
            group.bench_function(if on { "explain_on" } else { "explain_off" }, |b| {
                b.iter(|| {
                    i = (i + 1) % prepared.len();
                    black_box(snapshot.compiled().evaluate_prepared(&prepared[i], on))
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, explain);
criterion_main!(benches);
