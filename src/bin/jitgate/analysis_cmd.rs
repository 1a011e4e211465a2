//! `jitgate gaps` and `jitgate diff`: condition-space analysis (docs/SEMANTICS.md §13).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use jiff::Timestamp;
use serde_json::json;

use jitgate::{
    Classification, DiffOptions, GapOptions, Protection, SessionProfile, SignInRequest, Snapshot,
};

use crate::input::Requests;

/// What `jitgate gaps` was asked.
pub struct GapArgs<'a> {
    pub load: &'a crate::LoadArgs,
    pub strong: &'a str,
    pub include_report_only: bool,
    pub at: Option<&'a str>,
    pub json: bool,
    pub classify: Option<&'a str>,
    pub max_nodes: u64,
}

/// What `jitgate diff` was asked.
pub struct DiffArgs<'a> {
    pub before: &'a Path,
    pub after: &'a Path,
    pub options: jitgate::LoadOptions,
    pub session: &'a str,
    pub at: Option<&'a str>,
    pub json: bool,
    pub classify: Option<&'a str>,
    pub max_nodes: u64,
}

fn instant(at: Option<&str>) -> Result<Timestamp, ExitCode> {
    match at {
        None => Ok(Timestamp::now()),
        Some(text) => text.parse().map_err(|e| {
            note!("jitgate: --at {text:?} is not an RFC 3339 instant: {e}");
            ExitCode::from(2)
        }),
    }
}

fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

/// Prints a report as pretty JSON or as text.
fn emit<T: serde::Serialize>(json: bool, report: &T, text: impl FnOnce() -> String) -> ExitCode {
    if !json {
        return print(&text());
    }
    match serde_json::to_string_pretty(report) {
        Ok(text) => print(&(text + "\n")),
        Err(e) => {
            note!("jitgate: {e}");
            ExitCode::from(2)
        }
    }
}

/// Reads each request of `source` and prints one JSON line with the region it falls in.
fn classify(
    source: &str,
    at: Timestamp,
    region_of: &dyn Fn(&SignInRequest) -> Classification,
) -> ExitCode {
    let mut requests = match Requests::open(source) {
        Ok(r) => r,
        Err(e) => {
            note!("jitgate: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut inside, mut outside, mut bad, mut unclassified) = (0usize, 0usize, 0usize, 0usize);
    loop {
        let block = match requests.next_block() {
            Ok(b) => b,
            Err(e) => {
                note!("jitgate: {e}");
                return ExitCode::from(2);
            }
        };
        if block.is_empty() {
            break;
        }
        for input in block {
            let line = match input.text().map(|t| SignInRequest::from_json_at(&t, at)) {
                None => {
                    bad += 1;
                    json!({"line": input.line, "error": "unreadable line"})
                }
                Some(Err(e)) => {
                    bad += 1;
                    json!({"line": input.line, "error": e.to_string()})
                }
                Some(Ok(req)) => {
                    let id = req.id().cloned();
                    let mut v = match region_of(&req) {
                        Classification::Region(k) => {
                            inside += 1;
                            json!({"line": input.line, "region": k + 1})
                        }
                        Classification::NoRegion => {
                            outside += 1;
                            json!({"line": input.line, "region": null})
                        }
                        Classification::Unclassified(d) => {
                            unclassified += 1;
                            json!({"line": input.line, "region": null,
                                   "unclassified": d.as_str()})
                        }
                        _ => json!({"line": input.line, "region": null}),
                    };
                    if let (Some(id), Some(o)) = (id, v.as_object_mut()) {
                        o.insert("id".into(), id);
                    }
                    v
                }
            };
            if writeln!(out, "{line}").is_err() {
                return ExitCode::from(2);
            }
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    note!(
        "jitgate: {inside} request(s) in a region, {outside} in none, {unclassified} outside the \
         enumerated classes, {bad} unreadable"
    );
    if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs `jitgate gaps`.
pub fn run_gaps(a: &GapArgs<'_>) -> ExitCode {
    let protection = match Protection::parse(a.strong) {
        Ok(p) => p,
        Err(e) => {
            note!("jitgate: --strong: {e}");
            return ExitCode::from(2);
        }
    };
    let at = match instant(a.at) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let tenant = match crate::eval_cmd::load_tenant(a.load) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let snapshot = Snapshot::compile(tenant);
    let started = Instant::now();
    let report = snapshot.gaps(
        &GapOptions::new(at)
            .protection(protection)
            .include_report_only(a.include_report_only)
            .max_nodes(a.max_nodes),
    );
    note!(
        "jitgate: {} gap region(s) in {:.1} ms ({} nodes)",
        report.regions.len(),
        started.elapsed().as_secs_f64() * 1e3,
        report.nodes_visited
    );
    if let Some(source) = a.classify {
        return classify(source, at, &|req| report.classify(&snapshot, req));
    }
    emit(a.json, &report, || report.render_text())
}

/// Runs `jitgate diff`.
pub fn run_diff(a: &DiffArgs<'_>) -> ExitCode {
    let session = match SessionProfile::parse(a.session) {
        Ok(s) if !s.methods.is_empty() => s,
        Ok(_) => {
            note!("jitgate: --session names no authentication method");
            return ExitCode::from(2);
        }
        Err(e) => {
            note!("jitgate: --session: {e}");
            return ExitCode::from(2);
        }
    };
    let at = match instant(a.at) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let before = match crate::eval_cmd::load_tenant_with(a.before, &a.options) {
        Ok(t) => Snapshot::compile(t),
        Err(c) => return c,
    };
    let after = match crate::eval_cmd::load_tenant_with(a.after, &a.options) {
        Ok(t) => Snapshot::compile(t),
        Err(c) => return c,
    };
    let started = Instant::now();
    let report = jitgate::diff(
        &before,
        &after,
        &DiffOptions::new(at).session(session).max_nodes(a.max_nodes),
    );
    note!(
        "jitgate: {} changed region(s) in {:.1} ms ({} nodes, {} cells compared)",
        report.regions.len(),
        started.elapsed().as_secs_f64() * 1e3,
        report.nodes_visited,
        report.cells_compared
    );
    if let Some(source) = a.classify {
        return classify(source, at, &|req| report.classify(&before, &after, req));
    }
    emit(a.json, &report, || report.render_text())
}
