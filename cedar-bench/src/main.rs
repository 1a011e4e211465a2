//! Quick mode: `cargo run --release -p jitgate-cedar-bench [-- OPTIONS]`.
//!
//! Builds the generated tenant at Entra's limits in jitgate and in Cedar, checks that both decide
//! every request alike (and panics if not), then prints the median time per decision of each
//! engine and their ratios, without criterion.
//!
//! Options: `--ranges N` (ranges per IP named location; default 2000, Entra's limit, i.e. no
//! reduction), `--requests N` (default 5000, at least 2000; all are checked for agreement and all
//! are timed), `--cedar-passes N` (default 5) and `--jitgate-passes N` (default 101): timed
//! passes over all requests, the median pass is reported; `--dump-policies FILE` writes the Cedar
//! policy text. `CEDAR_BENCH_RANGES` and `CEDAR_BENCH_REQUESTS` set the first two as well;
//! `CEDAR_BENCH_UNFIRED=1` lists, by generated policy kind, the Cedar forbids that the agreement
//! samples never fired.
#![allow(clippy::panic)]

use std::hint::black_box;

use jitgate::unstable::generate::TenantSize;
use jitgate_cedar_bench::{DEFAULT_REQUESTS, Fixture, limits_with_ranges, median_ns_per_call};

struct Options {
    ranges: usize,
    requests: usize,
    cedar_passes: usize,
    jitgate_passes: usize,
    dump: Option<String>,
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        ranges: env_or("CEDAR_BENCH_RANGES", TenantSize::LIMITS.ranges_per_location),
        requests: env_or("CEDAR_BENCH_REQUESTS", DEFAULT_REQUESTS),
        cedar_passes: 5,
        jitgate_passes: 101,
        dump: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{a}: {e}"));
        match a.as_str() {
            "--ranges" => o.ranges = number(value()?)?,
            "--requests" => o.requests = number(value()?)?,
            "--cedar-passes" => o.cedar_passes = number(value()?)?,
            "--jitgate-passes" => o.jitgate_passes = number(value()?)?,
            "--dump-policies" => o.dump = Some(value()?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.requests < 2000 {
        return Err("--requests must be at least 2000 (the agreement sample)".to_owned());
    }
    Ok(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options()?;
    let f = Fixture::build(limits_with_ranges(o.ranges), o.requests)?;
    let st = &f.cedar.stats;
    let sz = f.size;
    println!(
        "tenant: {} CA policies, {} IP named locations x {} ranges, {} users, {} groups; {} sign-ins",
        sz.policies,
        sz.ip_locations,
        sz.ranges_per_location,
        sz.users,
        sz.groups,
        f.requests.len()
    );
    println!(
        "cedar: {} policies (1 permit + {} forbid; left out: {} report-only, {} disabled, {} that never apply to a user's app sign-in, {} with nothing to forbid), {} isInRange terms, {} KiB of policy text, {} entities",
        st.forbids + 1,
        st.forbids,
        st.report_only,
        st.disabled,
        st.never_apply,
        st.nothing_to_forbid,
        st.range_checks,
        st.text_bytes / 1024,
        st.entities
    );
    let [generate, compile, translate, reqs] = f.setup_seconds;
    println!(
        "setup: generate+load {generate:.1} s, jitgate compile {compile:.1} s, Cedar translate+parse+entities {translate:.1} s, Cedar requests {reqs:.2} s"
    );
    if let Some(path) = &o.dump {
        std::fs::write(path, &f.cedar.text)?;
        println!("Cedar policies written to {path}");
    }

    for (what, agreement) in [
        ("timed sign-ins", f.check_agreement(f.requests.len())),
        ("varied sign-ins", f.check_varied_agreement()),
    ] {
        println!("{what}: {agreement}");
        if std::env::var_os("CEDAR_BENCH_UNFIRED").is_some() {
            let mut kinds = std::collections::BTreeMap::new();
            for id in f.cedar.policies.policies().map(|p| p.id().to_string()) {
                if id != "baseline" && !agreement.fired.contains(&id) {
                    let k = usize::from_str_radix(id.rsplit('-').next().unwrap_or("0"), 16)
                        .unwrap_or(0);
                    *kinds.entry(k % 12).or_insert(0) += 1;
                }
            }
            println!("  never fired, by generated kind (k % 12): {kinds:?}");
        }
        if !agreement.all_agree() {
            for d in &agreement.disagreements {
                eprintln!("  {d}");
            }
            panic!("Cedar and jitgate disagree; fix the translation before timing anything");
        }
    }

    let n = f.requests.len();
    let snapshot = &f.snapshot;
    let cedar = &f.cedar;
    let (reqs, creqs) = (&f.requests, &f.cedar_requests);
    let cedar_auth = median_ns_per_call(o.cedar_passes, n, |i| {
        if let Some(r) = creqs.get(i) {
            black_box(cedar.authorize(black_box(r)).decision());
        }
    });
    let cedar_full = median_ns_per_call(o.cedar_passes, n, |i| {
        if let Some(Ok(cr)) = reqs.get(i).map(|r| cedar.request(black_box(r))) {
            black_box(cedar.authorize(&cr).decision());
        }
    });
    let cedar_build = median_ns_per_call(o.cedar_passes, n, |i| {
        if let Some(r) = reqs.get(i) {
            black_box(cedar.request(black_box(r)).is_ok());
        }
    });
    let prepared: Vec<_> = reqs
        .iter()
        .map(|r| snapshot.compiled().prepare(r))
        .collect();
    let jit_full = median_ns_per_call(o.jitgate_passes, n, |i| {
        if let Some(r) = reqs.get(i) {
            let p = snapshot.compiled().prepare(black_box(r));
            black_box(snapshot.compiled().decide(&p));
        }
    });
    // The full path an embedder pays: the typed decision, and the borrowed decision written as
    // its JSON line into a reused buffer (as `jitgate eval` writes it).
    let jit_evaluate = median_ns_per_call(o.jitgate_passes, n, |i| {
        if let Some(r) = reqs.get(i) {
            black_box(snapshot.evaluate(black_box(r), jitgate::Explain::None));
        }
    });
    let mut line = Vec::with_capacity(4096);
    let jit_json = median_ns_per_call(o.jitgate_passes, n, |i| {
        if let Some(r) = reqs.get(i) {
            line.clear();
            snapshot
                .evaluate_borrowed(black_box(r))
                .write_json(&mut line);
            black_box(&line);
        }
    });
    let jit_decide = median_ns_per_call(o.jitgate_passes, n, |i| {
        if let Some(p) = prepared.get(i) {
            black_box(snapshot.compiled().decide(black_box(p)));
        }
    });
    let row = |what: &str, ns: f64, passes: usize| {
        println!("  {what:<48} {ns:>12.0} ns   (median of {passes} passes)");
    };
    println!("ns/decision, mean over the {n} sign-ins of one pass:");
    row(
        "cedar is_authorized (request built beforehand)",
        cedar_auth,
        o.cedar_passes,
    );
    row(
        "cedar build request + is_authorized",
        cedar_full,
        o.cedar_passes,
    );
    row("cedar build request only", cedar_build, o.cedar_passes);
    row("jitgate prepare + decide", jit_full, o.jitgate_passes);
    row(
        "jitgate decide (prepared beforehand)",
        jit_decide,
        o.jitgate_passes,
    );
    row(
        "jitgate evaluate (typed decision)",
        jit_evaluate,
        o.jitgate_passes,
    );
    row(
        "jitgate evaluate_borrowed + JSON line",
        jit_json,
        o.jitgate_passes,
    );
    println!(
        "ratio (headline): cedar is_authorized / jitgate prepare+decide = {:.0}x",
        cedar_auth / jit_full
    );
    println!(
        "ratio (end to end from a parsed sign-in): cedar build+is_authorized / jitgate prepare+decide = {:.0}x",
        cedar_full / jit_full
    );
    println!(
        "ratio (engines alone): cedar is_authorized / jitgate decide = {:.0}x",
        cedar_auth / jit_decide
    );
    println!(
        "ratio (full path): cedar build+is_authorized / jitgate evaluate = {:.0}x; / jitgate evaluate_borrowed + JSON line = {:.0}x",
        cedar_full / jit_evaluate,
        cedar_full / jit_json
    );
    Ok(())
}
