//! Activation decisions on the example tenant, with each engine for the auth-context step.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use jitgate::unstable::{self as json, Diagnostics, parse_activation};
use jitgate::{Explain, ReferenceEvaluator, Snapshot};
use std::hint::black_box;

fn activation(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tenant = jitgate::load(&root.join("examples/tenant")).unwrap();
    let text = std::fs::read_to_string(root.join("examples/activations.jsonl")).unwrap();
    let requests: Vec<_> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            parse_activation(
                &mut Diagnostics::new("b"),
                &json::parse_str(l).unwrap(),
                None,
            )
            .unwrap()
        })
        .collect();
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(&tenant);
    let mut group = c.benchmark_group("activation/example");
    let mut i = 0usize;
    group.bench_function("compiled", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            black_box(snapshot.activate(&requests[i], Explain::Policies).decision)
        })
    });
    let mut j = 0usize;
    group.bench_function("reference", |b| {
        b.iter(|| {
            j = (j + 1) % requests.len();
            black_box(reference.activate(&requests[j], Explain::Policies).decision)
        })
    });
    group.finish();
}

criterion_group!(benches, activation);
criterion_main!(benches);
