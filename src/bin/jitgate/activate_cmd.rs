//! `jitgate activate`: decide PIM activation requests from JSON Lines.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use jiff::Timestamp;
use jitgate::unstable::{Diagnostics, parse_activation};
use jitgate::{ActivationDecision, Explain};
use rayon::prelude::*;

use crate::eval_cmd::{EngineKind, Evaluator, Input, Loaded, Requests, load_tenant};

fn decide(
    eval: &Evaluator<'_>,
    input: &Input,
    now: Timestamp,
    explain: Explain,
) -> Result<ActivationDecision, String> {
    let doc = input.json()?;
    let mut d = Diagnostics::new(format!("line {}", input.line));
    let Some(req) = parse_activation(&mut d, &doc, Some(now)) else {
        return Err(input.errors(&d));
    };
    Ok(match eval {
        Evaluator::Compiled(s) => s.activate(&req, explain),
        Evaluator::Reference(r) => r.activate(&req, explain),
    })
}

/// `jitgate activate`.
pub fn run(
    load: &crate::LoadArgs,
    requests: &str,
    explain: bool,
    output: Option<&Path>,
    engine: EngineKind,
) -> ExitCode {
    let tenant = match load_tenant(load) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut requests = match Requests::open(requests) {
        Ok(r) => r,
        Err(e) => {
            note!("jitgate: {e}");
            return ExitCode::from(2);
        }
    };
    let sink: Box<dyn Write> = match output {
        Some(p) => match File::create(p) {
            Ok(f) => Box::new(f),
            Err(e) => {
                note!("jitgate: cannot create {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let loaded = Loaded::new(tenant, engine);
    let eval = loaded.evaluator();
    let now = Timestamp::now();
    let started = Instant::now();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failed = 0usize;
    let mut lines = 0usize;
    let explain = crate::eval_cmd::explain_level(explain);
    // Streamed in bounded blocks, like `eval` (§1.6b).
    loop {
        let block = match requests.next_block() {
            Ok(b) if b.is_empty() => break,
            Ok(b) => b,
            Err(e) => {
                note!("jitgate: {e}");
                return ExitCode::from(2);
            }
        };
        lines += block.len();
        let results: Vec<Result<ActivationDecision, String>> = block
            .par_iter()
            .with_min_len(64)
            .map(|i| decide(&eval, i, now, explain))
            .collect();
        for (input, result) in block.iter().zip(results) {
            let line = match result {
                Ok(d) => {
                    *counts.entry(d.decision.as_str()).or_default() += 1;
                    if let Some(e) = &d.error {
                        *codes.entry(e.code).or_default() += 1;
                    }
                    serde_json::to_string(&d).unwrap_or_else(|e| {
                        serde_json::json!({ "line": input.line, "error": format!("cannot serialise: {e}") }).to_string()
                    })
                }
                Err(message) => {
                    failed += 1;
                    serde_json::json!({ "line": input.line, "error": message }).to_string()
                }
            };
            if let Err(e) = writeln!(out, "{line}") {
                note!("jitgate: cannot write output: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Err(e) = out.flush() {
        note!("jitgate: cannot write output: {e}");
        return ExitCode::from(2);
    }
    let secs = started.elapsed().as_secs_f64();
    let decided: usize = counts.values().sum();
    let by: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
    note!(
        "jitgate: {decided} activations decided ({}), {failed} bad line(s), {:.0} lines/s",
        by.join(", "),
        if secs > 0.0 { lines as f64 / secs } else { 0.0 }
    );
    if !codes.is_empty() {
        let by: Vec<String> = codes.iter().map(|(k, v)| format!("{k} {v}")).collect();
        note!("  error codes: {}", by.join(", "));
    }
    drop(eval);
    loaded.leave_to_exit();
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
