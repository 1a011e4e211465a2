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
fn the_decision_path_and_the_borrowed_decision_do_not_allocate_and_evaluate_stays_within_its_budget()
 {
    // Budgets: the counts measured when this test was last tightened (9.2 and 10.6), rounded up.
    for (name, (tenant, requests), budget) in [
        ("example", example(), 10.0),
        ("generated", generated(), 11.0),
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
        // The borrowed decision, read and written as JSON into a buffer that is reused (sized
        // once, before counting): no allocation at all.
        let mut out = Vec::with_capacity(1 << 16);
        let n = allocations(|| {
            for r in &requests {
                out.clear();
                let d = snapshot.evaluate_borrowed(r);
                black_box(d.decision());
                black_box(d.requirements().count());
                d.write_json(&mut out);
                black_box(&out);
            }
        });
        assert_eq!(n, 0, "{name}: the borrowed decision allocated {n} times");
        // Explained as well: every policy's result written, still without allocating.
        let n = allocations(|| {
            for r in &requests {
                out.clear();
                snapshot.evaluate_borrowed(r).write_json_explained(&mut out);
                black_box(&out);
            }
        });
        assert_eq!(
            n, 0,
            "{name}: the borrowed decision, explained, allocated {n} times"
        );
        // The owned decision allocates what it owns (strings and lists); this budget keeps that
        // from growing.
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
