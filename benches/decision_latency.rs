//! Single-decision latency (prepare + decide, and decide alone) on the example tenant, the public
//! baseline and the tenant at Entra's limits. No explain.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use jitgate::{SignInRequest, Snapshot, Tenant};
use std::hint::black_box;

fn bench_tenant(c: &mut Criterion, name: &str, tenant: Tenant, requests: &[SignInRequest]) {
    let snapshot = Snapshot::compile(tenant);
    let prepared: Vec<_> = requests
        .iter()
        .map(|r| snapshot.compiled().prepare(r))
        .collect();
    let mut group = c.benchmark_group(format!("decision_latency/{name}"));
    let mut i = 0usize;
    group.bench_function("decide_prepared", |b| {
        b.iter(|| {
            i = (i + 1) % prepared.len();
            black_box(snapshot.compiled().decide(black_box(&prepared[i])))
        })
    });
    let mut j = 0usize;
    group.bench_function("prepare_and_decide", |b| {
        b.iter(|| {
            j = (j + 1) % requests.len();
            let p = snapshot.compiled().prepare(black_box(&requests[j]));
            black_box(snapshot.compiled().decide(&p))
        })
    });
    group.finish();
}

fn decision_latency(c: &mut Criterion) {
    let (t, r) = common::example();
    bench_tenant(c, "example", t, &r);
    if let Some((t, r)) = common::baseline() {
        bench_tenant(c, "baseline", t, &r);
    }
    let (t, r) = common::limits(10_000);
    bench_tenant(c, "limits", t, &r);
}

criterion_group!(benches, decision_latency);
criterion_main!(benches);
