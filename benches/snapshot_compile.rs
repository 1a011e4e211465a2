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
    // A nesting chain 20,000 groups deep: the group closure must stay near-linear (§1.6b).
    let chain = nested_chain(20_000);
    group.bench_function("nested_chain_20000", |b| {
        b.iter_batched(|| chain.clone(), Snapshot::compile, BatchSize::LargeInput)
    });
    group.finish();
}

/// One policy on the top group of a chain `depth` groups deep, with one user at the bottom.
fn nested_chain(depth: usize) -> jitgate::Tenant {
    let group = |i: usize| format!("aaaaaaaa-0000-4000-8000-{i:012}");
    let user = "bbbbbbbb-0000-4000-8000-000000000001";
    let groups: Vec<serde_json::Value> = (0..depth)
        .map(|i| {
            let member = if i + 1 < depth {
                group(i + 1)
            } else {
                user.to_owned()
            };
            serde_json::json!({ "id": group(i), "members": [member] })
        })
        .collect();
    let bundle = serde_json::json!({
        "conditionalAccessPolicies": [{
            "id": "11111111-1111-1111-1111-111111111111", "displayName": "chain", "state": "enabled",
            "conditions": {"users": {"includeGroups": [group(0)]},
                           "applications": {"includeApplications": ["All"]}},
            "grantControls": {"operator": "OR", "builtInControls": ["block"]}}],
        "directory": {"users": [{"id": user}], "groups": groups}
    });
    jitgate::load_bundle_bytes("chain.json", bundle.to_string().as_bytes()).unwrap()
}

criterion_group!(benches, snapshot_compile);
criterion_main!(benches);
