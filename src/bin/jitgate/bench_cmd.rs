//! `jitgate generate` and `jitgate bench`: generated inputs at Entra's limits, and a timer for the
//! decision phase alone.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use jitgate::unstable::generate::{self, DEFAULT_SEED, TenantSize};
use jitgate::unstable::{self as json, Diagnostics, parse_sign_in};
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
    let compile_start = Instant::now();
    let snapshot = Snapshot::compile(tenant.clone());
    let compile_ms = compile_start.elapsed().as_secs_f64() * 1e3;
    let (decisions, secs) = match o.engine {
        EngineKind::Compiled => {
            let prep_start = Instant::now();
            let prepared: Vec<_> = requests
                .par_iter()
                .map(|r| snapshot.compiled().prepare(r))
                .collect();
            let prep_secs = prep_start.elapsed().as_secs_f64();
            note!(
                "  compile {compile_ms:.0} ms; prepare {:.0} ns/request",
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
        EngineKind::Reference => {
            let reference = ReferenceEvaluator::new(&tenant);
            time(o.seconds, requests.len(), || {
                requests
                    .par_iter()
                    .map(|r| reference.evaluate(r, jitgate::Explain::None).decision as usize)
                    .sum::<usize>()
            })
        }
    };
    let rate = decisions as f64 / secs;
    let line = format!(
        "engine={:?} decisions={decisions} seconds={secs:.3} decisions_per_second={rate:.0} ns_per_decision={:.1} threads={}",
        o.engine,
        1e9 / rate,
        rayon::current_num_threads()
    );
    let mut out = std::io::stdout().lock();
    // A closed stdout (`| true`) ends quietly with exit 2.
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
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
