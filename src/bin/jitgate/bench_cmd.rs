//! `jitgate generate` and `jitgate bench`: generated inputs at Entra's limits, and a timer for the
//! decision phase alone.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use jitgate::unstable::generate::{self, DEFAULT_SEED, TenantSize};
use jitgate::unstable::{self as json, Diagnostics, SignInReader, parse_sign_in};
use jitgate::{ReferenceEvaluator, SignInRequest, Snapshot, Tenant};
use rayon::prelude::*;

use crate::eval_cmd::{EngineKind, Input, load_tenant_with, read_inputs};

/// Generated tenant sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Size {
    /// Entra's limits: 195 policies, 195 IP locations x 2,000 ranges, 100,000 users, 5,000 groups.
    Limits,
    /// A small tenant for quick runs.
    Small,
}

impl Size {
    fn tenant_size(self) -> TenantSize {
        match self {
            Size::Limits => TenantSize::LIMITS,
            Size::Small => TenantSize::SMALL,
        }
    }
}

fn write_to(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> ExitCode {
    let result = match output {
        Some(p) => File::create(p).and_then(|f| {
            let mut w = BufWriter::new(f);
            write(&mut w)?;
            w.flush()
        }),
        None => {
            let mut w = BufWriter::new(std::io::stdout().lock());
            write(&mut w).and_then(|()| w.flush())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            note!("jitgate: cannot write: {e}");
            ExitCode::from(2)
        }
    }
}

/// `jitgate generate tenant`.
pub fn generate_tenant(size: Size, seed: u64, output: Option<&Path>) -> ExitCode {
    let bundle = generate::tenant(size.tenant_size(), seed);
    write_to(output, |w| {
        serde_json::to_writer(&mut *w, &bundle).map_err(std::io::Error::other)?;
        writeln!(w)
    })
}

/// `jitgate generate requests`.
pub fn generate_requests(size: Size, count: usize, seed: u64, output: Option<&Path>) -> ExitCode {
    let requests = generate::requests(size.tenant_size(), count, seed);
    write_to(output, |w| {
        for r in &requests {
            serde_json::to_writer(&mut *w, r).map_err(std::io::Error::other)?;
            writeln!(w)?;
        }
        Ok(())
    })
}

/// `jitgate generate signinlogs`: Graph sign-in records for a tenant (a generated small one by
/// default), JSON Lines, with the reference evaluator's per-policy results.
pub fn generate_sign_in_logs(
    tenant: Option<&Path>,
    count: usize,
    seed: u64,
    output: Option<&Path>,
) -> ExitCode {
    let tenant = match tenant {
        Some(path) => {
            match crate::eval_cmd::load_tenant_with(path, &jitgate::LoadOptions::default()) {
                Ok(t) => t,
                Err(code) => return code,
            }
        }
        None => {
            let bundle = generate::tenant(Size::Small.tenant_size(), seed);
            match jitgate::load_bundle_bytes("generated.json", bundle.to_string().as_bytes()) {
                Ok(t) => t,
                Err(e) => {
                    note!("jitgate: the generated tenant does not load: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    write_to(output, |w| {
        jitgate::unstable::signinlogs::each_sign_in_log(&tenant, count, seed, |record| {
            serde_json::to_writer(&mut *w, &record).map_err(std::io::Error::other)?;
            writeln!(w)
        })
    })
}

/// What `jitgate bench` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Stage {
    /// The decision alone, on requests prepared beforehand.
    Decide,
    /// Prepare and the typed decision without explain (an embedder's `evaluate`).
    Full,
    /// The typed decision with per-policy results, written as JSON.
    Json,
    /// A text line parsed, decided and written as JSON (what `eval` does per line, without I/O).
    Cli,
    /// Reader latency percentiles, with and without a publisher swapping 100 times a second.
    Swap,
}

/// Options of `jitgate bench`.
pub struct BenchOptions {
    /// A tenant to load; without one, a tenant is generated.
    pub tenant: Option<PathBuf>,
    /// Size of the generated tenant.
    pub size: Size,
    /// Requests file; without one, requests are generated.
    pub requests: Option<String>,
    /// Generated request count.
    pub count: usize,
    /// Evaluator.
    pub engine: EngineKind,
    /// Minimum seconds to time the decision phase.
    pub seconds: f64,
    /// Seed for generated inputs.
    pub seed: u64,
    /// What to time.
    pub stage: Stage,
}

fn parse_all(texts: &[String]) -> Vec<SignInRequest> {
    let now = jiff::Timestamp::now();
    texts
        .par_iter()
        .filter_map(|t| {
            let doc = json::parse_str(t).ok()?;
            parse_sign_in(&mut Diagnostics::new("bench"), &doc, Some(now))
        })
        .collect()
}

/// `jitgate bench`: times the decision phase alone and prints decisions/s and ns/decision.
pub fn run(o: &BenchOptions) -> ExitCode {
    let started = Instant::now();
    let tenant: Tenant = match &o.tenant {
        Some(p) => match load_tenant_with(p, &jitgate::LoadOptions::default()) {
            Ok(t) => t,
            Err(code) => return code,
        },
        None => {
            let bundle = generate::tenant(o.size.tenant_size(), o.seed);
            match jitgate::load_bundle_bytes("generated.json", bundle.to_string().as_bytes()) {
                Ok(t) => t,
                Err(e) => {
                    note!("jitgate: the generated tenant does not load: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    let texts: Vec<String> = match &o.requests {
        Some(src) => match read_inputs(src) {
            Ok(inputs) => inputs.iter().filter_map(Input::text).collect(),
            Err(e) => {
                note!("jitgate: {e}");
                return ExitCode::from(2);
            }
        },
        None => generate::requests(o.size.tenant_size(), o.count, o.seed)
            .iter()
            .map(|v| v.to_string())
            .collect(),
    };
    let requests = parse_all(&texts);
    if requests.is_empty() {
        note!("jitgate: no request could be parsed");
        return ExitCode::from(2);
    }
    note!(
        "jitgate bench: {} policies, {} users, {} requests, {} thread(s); setup {:.1} s",
        tenant.policies.len(),
        tenant.users.len(),
        requests.len(),
        rayon::current_num_threads(),
        started.elapsed().as_secs_f64()
    );
    // The copy is made before the clock starts: compile is what is timed.
    let copy = tenant.clone();
    let compile_start = Instant::now();
    let snapshot = Snapshot::compile(copy);
    let compile_ms = compile_start.elapsed().as_secs_f64() * 1e3;
    note!("  compile {compile_ms:.0} ms");
    if o.stage == Stage::Swap {
        return swap_latency(&tenant, &requests, o.seconds);
    }
    let reference = ReferenceEvaluator::new(&tenant);
    let evaluate = |r: &SignInRequest, explain: jitgate::Explain| match o.engine {
        EngineKind::Compiled => snapshot.evaluate(r, explain),
        EngineKind::Reference => reference.evaluate(r, explain),
    };
    let now = jiff::Timestamp::now();
    let (items, secs) = match (o.stage, o.engine) {
        (Stage::Decide, EngineKind::Compiled) => {
            let prep_start = Instant::now();
            let prepared: Vec<_> = requests
                .par_iter()
                .map(|r| snapshot.compiled().prepare(r))
                .collect();
            let prep_secs = prep_start.elapsed().as_secs_f64();
            note!(
                "  prepare {:.0} ns/request",
                prep_secs * 1e9 / prepared.len() as f64
            );
            time(o.seconds, prepared.len(), || {
                prepared
                    .par_iter()
                    .with_min_len(1024)
                    .map(|p| snapshot.compiled().decide(p) as usize)
                    .sum::<usize>()
            })
        }
        (Stage::Decide | Stage::Full, _) => time(o.seconds, requests.len(), || {
            requests
                .par_iter()
                .with_min_len(256)
                .map(|r| evaluate(r, jitgate::Explain::None).decision as usize)
                .sum::<usize>()
        }),
        (Stage::Json, _) => time(o.seconds, requests.len(), || {
            requests
                .par_iter()
                .with_min_len(256)
                .map_init(Vec::new, |buf, r| {
                    buf.clear();
                    evaluate(r, jitgate::Explain::Policies).write_json(buf);
                    buf.len()
                })
                .sum::<usize>()
        }),
        (Stage::Cli, _) => time(o.seconds, texts.len(), || {
            texts
                .par_iter()
                .with_min_len(256)
                .map_init(
                    || (Vec::new(), SignInReader::new()),
                    |(buf, reader), t| {
                        buf.clear();
                        // As `eval` reads a line: in one pass into the worker's reused request when
                        // it is in the common form, else through the JSON tree and the tolerant
                        // reader.
                        let mut d = Diagnostics::new("line");
                        let read = match reader.read_common(&mut d, t, Some(now)) {
                            Some(read) => read.map(Cow::Borrowed),
                            None => json::parse_str(t)
                                .ok()
                                .and_then(|doc| parse_sign_in(&mut d, &doc, Some(now)))
                                .map(Cow::Owned),
                        };
                        match (read, o.engine) {
                            // As `eval` writes a decision without explain.
                            (Some(r), EngineKind::Compiled) => {
                                snapshot.evaluate_borrowed(&r).write_json(buf);
                                buf.len()
                            }
                            (Some(r), EngineKind::Reference) => {
                                evaluate(&r, jitgate::Explain::None).write_json(buf);
                                buf.len()
                            }
                            (None, _) => 0,
                        }
                    },
                )
                .sum::<usize>()
        }),
        (Stage::Swap, _) => (0, 0.0),
    };
    let rate = items as f64 / secs;
    let line = format!(
        "stage={:?} engine={:?} items={items} seconds={secs:.3} per_second={rate:.0} ns_per_item={:.1} threads={}",
        o.stage,
        o.engine,
        1e9 / rate,
        rayon::current_num_threads()
    );
    print_line(&line)
}

fn print_line(line: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    // A closed stdout (`| true`) ends quietly with exit 2.
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

/// Reader latency (one reader evaluating, no explain) with no publisher, then with a publisher
/// swapping in a freshly compiled snapshot every 10 ms: p50, p99, p99.9 and max per decision.
fn swap_latency(tenant: &Tenant, requests: &[SignInRequest], seconds: f64) -> ExitCode {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let engine = Arc::new(jitgate::Engine::new(tenant.clone()));
    let measure = |engine: &jitgate::Engine| {
        let mut samples = Vec::new();
        let start = Instant::now();
        let mut i = 0usize;
        while start.elapsed().as_secs_f64() < seconds {
            let Some(r) = requests.get(i % requests.len()) else {
                break;
            };
            let t = Instant::now();
            std::hint::black_box(engine.evaluate(r, jitgate::Explain::None));
            samples.push(t.elapsed().as_nanos());
            i += 1;
        }
        samples.sort_unstable();
        let at = |q: f64| {
            let k = ((samples.len() as f64 - 1.0) * q).round() as usize;
            samples.get(k).copied().unwrap_or(0)
        };
        format!(
            "decisions={} p50_ns={} p99_ns={} p999_ns={} max_ns={}",
            samples.len(),
            at(0.5),
            at(0.99),
            at(0.999),
            samples.last().copied().unwrap_or(0)
        )
    };
    let quiet = measure(&engine);
    let stop = Arc::new(AtomicBool::new(false));
    let publisher = {
        let (engine, stop, tenant) = (engine.clone(), stop.clone(), tenant.clone());
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                if engine.publish(tenant.clone()).is_ok() {
                    swaps += 1;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            swaps
        })
    };
    let busy = measure(&engine);
    stop.store(true, Ordering::Relaxed);
    let swaps = publisher.join().unwrap_or(0);
    let code = print_line(&format!("stage=swap publisher=none {quiet}"));
    if code != ExitCode::SUCCESS {
        return code;
    }
    print_line(&format!(
        "stage=swap publisher=every_10ms swaps={swaps} {busy}"
    ))
}

/// Runs `round` until `seconds` have passed (at least once); returns decisions made and time.
fn time(seconds: f64, per_round: usize, round: impl Fn() -> usize) -> (usize, f64) {
    let start = Instant::now();
    let mut decisions = 0usize;
    let mut checksum = 0usize;
    loop {
        checksum = checksum.wrapping_add(round());
        decisions += per_round;
        if start.elapsed().as_secs_f64() >= seconds {
            break;
        }
    }
    std::hint::black_box(checksum);
    (decisions, start.elapsed().as_secs_f64())
}

/// The default seed, for the CLI's `--seed` default.
pub const SEED: u64 = DEFAULT_SEED;
