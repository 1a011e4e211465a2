//! The reference evaluator against the compiled engine on the same requests (full decision, no
//! explain): the ratio is the compiled table's reason to exist.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use jitgate::Explain;
use jitgate::{ReferenceEvaluator, SignInRequest, Snapshot, Tenant};
use std::hint::black_box;

fn pair(
    c: &mut Criterion,
    name: &str,
    tenant: &Tenant,
    requests: &[SignInRequest],
    samples: usize,
) {
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(tenant);
    let mut group = c.benchmark_group(format!("reference_vs_compiled/{name}"));
    group.sample_size(samples);
    let mut i = 0usize;
    group.bench_function("reference_evaluate", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            black_box(reference.evaluate(&requests[i], Explain::None).decision)
        })
    });
    let mut j = 0usize;
    group.bench_function("compiled_evaluate", |b| {
        b.iter(|| {
            j = (j + 1) % requests.len();
            black_box(snapshot.evaluate(&requests[j], Explain::None).decision)
        })
    });
    let mut k = 0usize;
    group.bench_function("compiled_decide", |b| {
        b.iter(|| {
            k = (k + 1) % requests.len();
            black_box(
                snapshot
                    .compiled()
                    .decide(&snapshot.compiled().prepare(&requests[k])),
            )
        })
    });
    group.finish();
}

fn reference_vs_compiled(c: &mut Criterion) {
    let (t, r) = common::example();
    pair(c, "example", &t, &r, 100);
    let (t, r) = common::limits(1_000);
    pair(c, "limits", &t, &r, 10);
}

criterion_group!(benches, reference_vs_compiled);
criterion_main!(benches);
