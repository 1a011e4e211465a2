//! jitgate versus Cedar on the generated tenant at Entra's limits: `cargo bench -p
//! jitgate-cedar-bench`.
//!
//! Before timing, every request is decided by both engines and the bench panics if Cedar's
//! Allow/Deny differs from (jitgate decision == allow) on any of them. Then, on the same requests,
//! one decision per iteration, cycling through them:
//!
//! - `cedar_is_authorized`: `Authorizer::is_authorized`, Cedar request built beforehand;
//! - `cedar_build_and_authorize`: building the Cedar request from the parsed sign-in, then
//!   `is_authorized`;
//! - `jitgate_prepare_decide`: `Snapshot::prepare` + `Snapshot::decide`;
//! - `jitgate_decide`: `Snapshot::decide` on a request prepared beforehand;
//! - `jitgate_evaluate`: `Snapshot::evaluate` without explain, the typed decision an embedder
//!   gets (requirements, deny reasons, session controls), not only allow or deny.
//!
//! The ratios read criterion's median estimates back and are printed at the end. The headline is
//! `cedar_is_authorized / jitgate_prepare_decide` (Cedar gets its request for free, jitgate pays
//! for its own preparation). `CEDAR_BENCH_RANGES` (default 2000) and `CEDAR_BENCH_REQUESTS`
//! (default 5000, at least 2000) size the run.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::Criterion;
use jitgate::unstable::generate::TenantSize;
use jitgate_cedar_bench::{DEFAULT_REQUESTS, Fixture, limits_with_ranges};

const GROUP: &str = "cedar_vs_jitgate";
const IDS: [&str; 5] = [
    "cedar_is_authorized",
    "cedar_build_and_authorize",
    "jitgate_prepare_decide",
    "jitgate_decide",
    "jitgate_evaluate",
];

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn bench(c: &mut Criterion, f: &Fixture) {
    let snapshot = &f.snapshot;
    let cedar = &f.cedar;
    let prepared: Vec<_> = f
        .requests
        .iter()
        .map(|r| snapshot.compiled().prepare(r))
        .collect();
    let n = f.requests.len();
    let mut g = c.benchmark_group(GROUP);
    // Cedar takes about a millisecond per decision here: fewer, longer samples.
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    let mut i = 0usize;
    g.bench_function(IDS[0], |b| {
        b.iter(|| {
            i = (i + 1) % n;
            black_box(cedar.authorize(black_box(&f.cedar_requests[i])).decision())
        })
    });
    let mut i = 0usize;
    g.bench_function(IDS[1], |b| {
        b.iter(|| {
            i = (i + 1) % n;
            let r = cedar.request(black_box(&f.requests[i])).unwrap();
            black_box(cedar.authorize(&r).decision())
        })
    });
    let mut i = 0usize;
    g.bench_function(IDS[2], |b| {
        b.iter(|| {
            i = (i + 1) % n;
            let p = snapshot.compiled().prepare(black_box(&f.requests[i]));
            black_box(snapshot.compiled().decide(&p))
        })
    });
    let mut i = 0usize;
    g.bench_function(IDS[3], |b| {
        b.iter(|| {
            i = (i + 1) % n;
            black_box(snapshot.compiled().decide(black_box(&prepared[i])))
        })
    });
    let mut i = 0usize;
    g.bench_function(IDS[4], |b| {
        b.iter(|| {
            i = (i + 1) % n;
            black_box(snapshot.evaluate(black_box(&f.requests[i]), jitgate::Explain::None))
        })
    });
    g.finish();
}

/// Where criterion wrote its estimates (its own rule: `CRITERION_HOME`, else the target
/// directory's `criterion`).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("criterion")
}

/// The median point estimate (ns) of one benchmark of this run.
fn median(id: &str) -> Option<f64> {
    let path = criterion_dir()
        .join(GROUP)
        .join(id)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("median")?.get("point_estimate")?.as_f64()
}

fn main() {
    let size = limits_with_ranges(env_or(
        "CEDAR_BENCH_RANGES",
        TenantSize::LIMITS.ranges_per_location,
    ));
    let n = env_or("CEDAR_BENCH_REQUESTS", DEFAULT_REQUESTS).max(2000);
    let f = Fixture::build(size, n).expect("the tenant translates to Cedar");
    println!(
        "tenant: {} policies, {} IP locations x {} ranges, {} users, {} groups; Cedar: {} forbid policies, {} isInRange terms, {} entities",
        size.policies,
        size.ip_locations,
        size.ranges_per_location,
        size.users,
        size.groups,
        f.cedar.stats.forbids,
        f.cedar.stats.range_checks,
        f.cedar.stats.entities
    );
    // Agreement first: nothing is timed unless both engines decide every request alike.
    for (what, agreement) in [
        ("timed sign-ins", f.check_agreement(n)),
        ("varied sign-ins", f.check_varied_agreement()),
    ] {
        println!("{what}: {agreement}");
        if !agreement.all_agree() {
            for d in &agreement.disagreements {
                eprintln!("  {d}");
            }
            panic!("Cedar and jitgate disagree; fix the translation before timing anything");
        }
    }

    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &f);
    c.final_summary();

    // In `--test` / `--list` mode nothing was measured: old estimates would mislead.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let m: Vec<Option<f64>> = IDS.iter().map(|id| median(id)).collect();
    if let [
        Some(cedar),
        Some(cedar_full),
        Some(jit),
        Some(decide),
        Some(evaluate),
    ] = m[..]
    {
        println!("medians (ns/decision):");
        for (id, v) in IDS.iter().zip([cedar, cedar_full, jit, decide, evaluate]) {
            println!("  {id:<28} {v:>12.1}");
        }
        println!(
            "ratio (headline): cedar_is_authorized / jitgate_prepare_decide = {:.0}x",
            cedar / jit
        );
        println!(
            "ratio (end to end): cedar_build_and_authorize / jitgate_prepare_decide = {:.0}x",
            cedar_full / jit
        );
        println!(
            "ratio (engines alone): cedar_is_authorized / jitgate_decide = {:.0}x",
            cedar / decide
        );
        println!(
            "ratio (full path): cedar_build_and_authorize / jitgate_evaluate = {:.0}x",
            cedar_full / evaluate
        );
    } else {
        println!("(no criterion estimates to compare: run `cargo bench -p jitgate-cedar-bench`)");
    }
}
