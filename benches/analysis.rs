//! Condition-space analysis (`gaps`, `diff`) on the example tenant, the public baseline and the
//! tenant at Entra's limits. Each run prints the regions found and the nodes walked, for the
//! README's table.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use jitgate::unstable::model::PolicyState;
use jitgate::{DiffOptions, GapOptions, Snapshot, Tenant};

fn at() -> jiff::Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

/// `tenant` with the state of the policy whose name starts with `name` (or policy `index`)
/// flipped between enabled and disabled: a realistic one-policy change.
fn flipped(tenant: &Tenant, pick: impl Fn(usize, &str) -> bool) -> Tenant {
    let mut t = tenant.clone();
    for (i, p) in t.policies.iter_mut().enumerate() {
        if pick(i, &p.display_name) {
            p.state = if p.state == PolicyState::Disabled {
                PolicyState::Enabled
            } else {
                PolicyState::Disabled
            };
        }
    }
    t
}

fn analysis(c: &mut Criterion) {
    let mut group = c.benchmark_group("analysis");
    group.sample_size(10);
    let mut tenants = vec![("example", common::example().0)];
    if let Some((baseline, _)) = common::baseline() {
        tenants.push(("baseline", baseline));
    }
    tenants.push(("limits", common::limits(1).0));
    for (name, tenant) in &tenants {
        let snapshot = Snapshot::compile(tenant.clone());
        let report = snapshot.gaps(&GapOptions::new(at()));
        eprintln!(
            "gaps/{name}: {} regions, {} nodes",
            report.regions.len(),
            report.nodes_visited
        );
        group.bench_function(format!("gaps/{name}"), |b| {
            b.iter(|| snapshot.gaps(&GapOptions::new(at())))
        });
        // The change: the example's disabled pilot (NL017) switched on; elsewhere the sixth
        // policy switched off.
        let after = Snapshot::compile(flipped(tenant, |i, n| {
            if *name == "example" {
                n.starts_with("NL017")
            } else {
                i == 5
            }
        }));
        let report = jitgate::diff(&snapshot, &after, &DiffOptions::new(at()));
        eprintln!(
            "diff/{name}: {} regions, {} nodes, {} cells",
            report.regions.len(),
            report.nodes_visited,
            report.cells_compared
        );
        group.bench_function(format!("diff/{name}"), |b| {
            b.iter(|| jitgate::diff(&snapshot, &after, &DiffOptions::new(at())))
        });
    }
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
