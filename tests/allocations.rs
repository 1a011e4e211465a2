//! Allocation counts on the request path, with a counting global allocator. This is its own test
//! binary (not in `tests/it`) because the counter is process-wide: one test, run alone, so no
//! other test's allocations land in the counts.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::alloc::System;
use std::hint::black_box;

use jitgate::unstable::generate::{self, TenantSize};
use jitgate::{Explain, SignInRequest, Snapshot, Tenant};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn example() -> (Tenant, Vec<SignInRequest>) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tenant = jitgate::load(&root.join("examples/tenant")).unwrap();
    let text = std::fs::read_to_string(root.join("examples/signins.jsonl")).unwrap();
    let requests = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| SignInRequest::from_json(l).unwrap())
        .collect();
    (tenant, requests)
}

fn generated() -> (Tenant, Vec<SignInRequest>) {
    let bundle = generate::tenant(TenantSize::SMALL, 11);
    let tenant = jitgate::load_bundle_bytes("g.json", bundle.to_string().as_bytes()).unwrap();
    let now = jiff::Timestamp::from_second(1_780_000_000).unwrap();
    let requests = generate::requests(TenantSize::SMALL, 300, 11)
        .iter()
        .filter_map(|v| SignInRequest::from_json_at(&v.to_string(), now).ok())
        .collect();
    (tenant, requests)
}

/// Allocations made by `f`, with everything it returns dropped inside the region.
fn allocations(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    let change = region.change();
    change.allocations + change.reallocations
}

#[test]
fn the_decision_path_does_not_allocate_and_evaluate_stays_within_its_budget() {
    // Budgets: the counts measured when this test was last tightened (14.2 and 23.0), rounded up.
    for (name, (tenant, requests), budget) in [
        ("example", example(), 15.0),
        ("generated", generated(), 24.0),
    ] {
        let snapshot = Snapshot::compile(tenant);
        let prepared: Vec<_> = requests
            .iter()
            .map(|r| snapshot.compiled().prepare(r))
            .collect();
        // `decide` on a prepared request: no allocation at all.
        let n = allocations(|| {
            for p in &prepared {
                black_box(snapshot.compiled().decide(p));
            }
        });
        assert_eq!(n, 0, "{name}: decide allocated {n} times");
        // `prepare`: no allocation either (sets are inline, ids are looked up, not copied).
        let n = allocations(|| {
            for r in &requests {
                black_box(snapshot.compiled().prepare(r));
            }
        });
        assert_eq!(n, 0, "{name}: prepare allocated {n} times");
        // The typed decision without explain still allocates (strings and lists it owns); this
        // budget keeps it from growing while issue 12's allocation-free decision is open.
        let n = allocations(|| {
            for r in &requests {
                black_box(snapshot.evaluate(r, Explain::None));
            }
        });
        let per = n as f64 / requests.len() as f64;
        eprintln!("{name}: evaluate without explain: {per:.1} allocations per decision");
        assert!(
            per <= budget,
            "{name}: {per:.1} allocations per decision, over the budget of {budget}"
        );
    }
}
