//! `jitgate eval` and `jitgate whatif`: decide sign-ins from JSON Lines or one request.

use smallvec::SmallVec;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use jiff::Timestamp;
use jitgate::unstable::{Diagnostics, SignInReader, parse_sign_in};
use jitgate::{
    Decision, DenyReason, EvaluationOptions, Explain, ReferenceEvaluator, SignInDecision,
    SignInRequest, Snapshot, Tenant,
};
use rayon::prelude::*;

use crate::LoadArgs;

/// Lines a worker decides into one output buffer.
const CHUNK_LINES: usize = 256;

/// Loads the tenant or explains on stderr why it cannot be used. Tenant warnings are
/// summarised once here (a count and the most frequent codes), not repeated per decision.
pub fn load_tenant(args: &LoadArgs) -> Result<Tenant, ExitCode> {
    load_tenant_with(&args.tenant, &args.options())
}

/// [`load_tenant`] for a path and options.
pub fn load_tenant_with(path: &Path, options: &jitgate::LoadOptions) -> Result<Tenant, ExitCode> {
    match jitgate::load_with(path, options) {
        Ok(t) => {
            if !t.warnings.is_empty() {
                let mut by_code: Vec<(&str, usize)> = Vec::new();
                for w in &t.warnings {
                    match by_code.iter_mut().find(|(c, _)| *c == w.code) {
                        Some((_, n)) => *n += 1,
                        None => by_code.push((w.code, 1)),
                    }
                }
                by_code.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                let top: Vec<String> = by_code
                    .iter()
                    .take(3)
                    .map(|(c, n)| format!("{c} ×{n}"))
                    .collect();
                note!(
                    "jitgate: tenant loaded with {} warning(s) ({}); run `jitgate validate --tenant {}` to see them",
                    t.warnings.len(),
                    top.join(", "),
                    path.display()
                );
            }
            Ok(t)
        }
        Err(jitgate::LoadError::Invalid { diagnostics }) => {
            note!(
                "jitgate: the tenant at {} cannot be evaluated:",
                path.display()
            );
            for d in diagnostics.iter().filter(|d| d.is_error()).take(20) {
                note!("  {d}");
            }
            let n = diagnostics.iter().filter(|d| d.is_error()).count();
            if n > 20 {
                note!("  ... and {} more (run `jitgate validate`)", n - 20);
            }
            Err(ExitCode::from(2))
        }
        Err(e) => {
            note!("jitgate: {e}");
            Err(ExitCode::from(2))
        }
    }
}

pub use crate::input::{BLOCK_LINES, Body, Input, Requests, read_inputs};

/// Which evaluator decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineKind {
    /// The compiled policy table (fast; the default).
    Compiled,
    /// The reference evaluator (one policy at a time, for cross-checking).
    Reference,
}

/// The tenant in the form the chosen engine needs: compiled into a snapshot (which keeps the
/// tenant, so it is not copied), or as loaded for the reference evaluator.
pub enum Loaded {
    /// For the compiled engine.
    Compiled(Box<Snapshot>),
    /// For the reference evaluator.
    Reference(Box<Tenant>),
}

impl Loaded {
    /// Prepares `tenant` for the `kind` of engine.
    pub fn new(tenant: Tenant, kind: EngineKind) -> Loaded {
        match kind {
            EngineKind::Compiled => Loaded::Compiled(Box::new(Snapshot::compile(tenant))),
            EngineKind::Reference => Loaded::Reference(Box::new(tenant)),
        }
    }

    /// The tenant as loaded.
    pub fn tenant(&self) -> &Tenant {
        match self {
            Loaded::Compiled(s) => s.tenant(),
            Loaded::Reference(t) => t,
        }
    }

    /// The evaluator over it.
    pub fn evaluator(&self) -> Evaluator<'_> {
        match self {
            Loaded::Compiled(s) => Evaluator::Compiled(s),
            Loaded::Reference(t) => Evaluator::Reference(Box::new(ReferenceEvaluator::new(t))),
        }
    }

    /// Ends the process's use of it without freeing it object by object: the process is about
    /// to exit, and the operating system takes the memory back at once (at Entra's limits,
    /// freeing a tenant and its snapshot costs about 0.18G instructions).
    pub fn leave_to_exit(self) {
        std::mem::forget(self);
    }
}

/// An evaluator of either kind.
pub enum Evaluator<'t> {
    /// Compiled snapshot.
    Compiled(&'t Snapshot),
    /// Reference evaluator.
    Reference(Box<ReferenceEvaluator<'t>>),
}

impl Evaluator<'_> {
    fn evaluate(&self, req: &jitgate::SignInRequest, options: EvaluationOptions) -> SignInDecision {
        match self {
            Evaluator::Compiled(s) => s.evaluate(req, options),
            Evaluator::Reference(r) => r.evaluate(req, options),
        }
    }
}

/// The library's explain level for the CLI's `--explain` flag.
pub fn explain_level(explain: bool) -> Explain {
    if explain {
        Explain::Policies
    } else {
        Explain::None
    }
}

/// What a worker keeps from one line to the next of the chunks it decides (a chunk takes one
/// back from the chunks before): the request reader, whose buffers and learnt keys the next line
/// reuses, the line's diagnostics, and a request read the general way (kept here so that a read
/// returns a reference, not a request-sized value; dropped at the chunk's end).
struct LineReader {
    requests: SignInReader,
    d: Diagnostics,
    general: Option<SignInRequest>,
}

impl LineReader {
    fn new() -> LineReader {
        LineReader {
            requests: SignInReader::new(),
            d: Diagnostics::new(String::new()),
            general: None,
        }
    }

    /// Reads one request; the error names the line, the JSON path and the problem.
    fn read(&mut self, input: &Input, now: Timestamp) -> Result<&SignInRequest, String> {
        let LineReader {
            requests,
            d,
            general,
        } = self;
        d.items.clear();
        d.file.clear();
        d.file.push_str("line ");
        d.file.push_str(itoa::Buffer::new().format(input.line));
        // A line in the common form is read in one pass; any other goes through the JSON tree,
        // whose syntax errors keep their own wording.
        let common = match &input.body {
            Body::Text(text) => match text.text() {
                Ok(text) => requests.read_common(d, text, Some(now)),
                // `json` reports it.
                Err(_) => None,
            },
            _ => None,
        };
        let read = match common {
            Some(read) => read,
            None => {
                *general = parse_sign_in(d, &*input.json()?, Some(now));
                general.as_ref()
            }
        };
        read.ok_or_else(|| input.errors(d))
    }
}

/// What a worker makes of a chunk of lines: their JSON, one line each, and their counts.
struct Decided {
    text: Vec<u8>,
    counted: Summary,
}

/// Decides one line, appends its JSON to the chunk's text and counts it.
fn decide_line(
    eval: &Evaluator<'_>,
    reader: &mut LineReader,
    input: &Input,
    now: Timestamp,
    options: EvaluationOptions,
    policy_index: &HashMap<&str, usize>,
    out: &mut Decided,
) {
    let Decided {
        text,
        counted: summary,
    } = out;
    let req = match reader.read(input, now) {
        Ok(req) => req,
        Err(message) => {
            let error = serde_json::json!({ "line": input.line, "error": message });
            text.extend_from_slice(error.to_string().as_bytes());
            summary.failed += 1;
            return;
        }
    };
    match eval {
        // The compiled engine's decision, with or without explain, is written straight from the
        // policy sets, never built.
        Evaluator::Compiled(s) if !options.assumes_worst() => {
            let decision = s.evaluate_borrowed(req);
            if options.explain_level().policies() {
                decision.write_json_explained(text);
            } else {
                decision.write_json(text);
            }
            summary.count(decision.decision(), decision.has_missing_data());
            decision.for_each_acting_policy(|i| summary.hit(i));
        }
        _ => {
            let decision = eval.evaluate(req, options);
            decision.write_json(text);
            summary.count_owned(&decision, policy_index);
        }
    }
}

/// Options of `jitgate eval`.
pub struct EvalOptions<'a> {
    /// Tenant path and load options.
    pub load: &'a LoadArgs,
    /// Requests source (`-` for stdin).
    pub requests: &'a str,
    /// Per-policy results.
    pub explain: bool,
    /// Decide missing data as its strictest value.
    pub assume_worst: bool,
    /// Output file (stdout when absent).
    pub output: Option<&'a Path>,
    /// Which evaluator.
    pub engine: EngineKind,
}

/// Where a command's lines go: `path`, or standard output; buffered. The error has been
/// reported.
pub fn output_sink(path: Option<&Path>) -> Result<BufWriter<Box<dyn Write>>, ExitCode> {
    let sink: Box<dyn Write> = match path {
        Some(p) => match File::create(p) {
            Ok(f) => Box::new(f),
            Err(e) => {
                note!("jitgate: cannot create {}: {e}", p.display());
                return Err(ExitCode::from(2));
            }
        },
        None => Box::new(std::io::stdout().lock()),
    };
    Ok(BufWriter::with_capacity(1 << 20, sink))
}

/// `jitgate eval`.
pub fn run_eval(o: &EvalOptions<'_>) -> ExitCode {
    let tenant = match load_tenant(o.load) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut requests = match Requests::open(o.requests) {
        Ok(r) => r,
        Err(e) => {
            note!("jitgate: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = match output_sink(o.output) {
        Ok(out) => out,
        Err(code) => return code,
    };
    let loaded = Loaded::new(tenant, o.engine);
    let (eval, tenant) = (loaded.evaluator(), loaded.tenant());
    let now = Timestamp::now();
    let started = Instant::now();
    let options = EvaluationOptions::default()
        .explain(explain_level(o.explain))
        .assume_worst(o.assume_worst);
    let progress = std::io::stderr().is_terminal();
    let policy_index: HashMap<&str, usize> = tenant
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let mut summary = Summary::for_policies(tenant.policies.len());
    // Parse, decide, serialise and count in the workers, each into one buffer and one summary
    // per chunk of lines (no buffer per line to grow and free); the main thread only writes, in
    // input order, and adds up the chunks' summaries. Written buffers come back for the next
    // chunks: a run uses about one block's worth, not fresh memory (and fresh pages) for every
    // chunk.
    let buffers: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    // Readers come back too: a reader keeps the keys of the bodies it read (and their
    // buffers), which a fresh one for every chunk would learn again. One per chunk in flight.
    let readers: Mutex<Vec<LineReader>> = Mutex::new(Vec::new());
    let policy_count = tenant.policies.len();
    let decide_block = |block: &[Input]| -> Vec<Decided> {
        block
            .par_chunks(CHUNK_LINES)
            .map(|chunk| {
                let mut text = buffers
                    .lock()
                    .ok()
                    .and_then(|mut b| b.pop())
                    .unwrap_or_default();
                text.clear();
                // Counted here, in the worker; the writer adds the chunks' counts up.
                let mut out = Decided {
                    text,
                    counted: Summary::for_policies(policy_count),
                };
                let mut reader = readers
                    .lock()
                    .ok()
                    .and_then(|mut r| r.pop())
                    .unwrap_or_else(LineReader::new);
                for (k, input) in chunk.iter().enumerate() {
                    decide_line(
                        &eval,
                        &mut reader,
                        input,
                        now,
                        options,
                        &policy_index,
                        &mut out,
                    );
                    let text = &mut out.text;
                    text.push(b'\n');
                    // The buffer is sized from the first line, once (an explained line is
                    // several times a plain one), not grown and copied as the chunk fills; that
                    // first reservation is at most 16 MiB a chunk, whatever that line was.
                    if k == 0 {
                        text.reserve(
                            text.len()
                                .saturating_add(64)
                                .saturating_mul(chunk.len())
                                .min(16 << 20),
                        );
                    }
                }
                // A request read the general way is not kept past its chunk (a line can be
                // 16 MiB); at most a block's chunks' readers are kept.
                reader.general = None;
                if let Ok(mut kept) = readers.lock()
                    && kept.len() < BLOCK_LINES / CHUNK_LINES
                {
                    kept.push(reader);
                }
                out
            })
            .collect()
    };
    let mut write_block = |decided: Vec<Decided>, summary: &mut Summary| {
        for Decided { text, counted } in decided {
            summary.add(&counted);
            // A chunk's text goes out as it is, not copied into the buffer first.
            out.flush().and_then(|()| out.get_mut().write_all(&text))?;
            // Kept for reuse: at most a block's chunks, none grown past 16 MiB by an odd line.
            if let Ok(mut kept) = buffers.lock()
                && kept.len() < BLOCK_LINES / CHUNK_LINES
                && text.capacity() <= 16 << 20
            {
                kept.push(text);
            }
        }
        out.flush()?;
        if progress {
            note_inline!("\r  {} requests", summary.total());
        }
        Ok::<(), std::io::Error>(())
    };
    // Streamed: bounded blocks are read, decided in parallel and written in order; output
    // begins before the input ends and memory does not grow with it (§1.6b). A reader thread
    // reads the next block while this one's are decided, at most one block ahead; each block is
    // written as soon as it is decided, so a line typed on standard input (which ends a block
    // there) is answered at once.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<Input>, String>>(1);
    let reader = std::thread::Builder::new()
        .name("jitgate-read".into())
        .spawn(move || {
            loop {
                let block = requests.next_block();
                let last = !matches!(&block, Ok(b) if !b.is_empty());
                if tx.send(block).is_err() || last {
                    return;
                }
            }
        });
    if let Err(e) = reader {
        note!("jitgate: cannot start the reader thread: {e}");
        return ExitCode::from(2);
    }
    // A closed channel (the reader gone without saying why) ends the run as an error.
    let mut failure = Some("the reader of the requests stopped unexpectedly".to_owned());
    for block in rx {
        let block = match block {
            Ok(b) if b.is_empty() => {
                failure = None;
                break;
            }
            Ok(b) => b,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        if let Err(e) = write_block(decide_block(&block), &mut summary) {
            note!("jitgate: cannot write output: {e}");
            return ExitCode::from(2);
        }
    }
    if let Some(e) = failure {
        note!("jitgate: {e}");
        return ExitCode::from(2);
    }
    if progress {
        note!();
    }
    summary.print(tenant, started.elapsed().as_secs_f64());
    drop(eval);
    loaded.leave_to_exit();
    if summary.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[derive(Default)]
struct Summary {
    allow: usize,
    step_up: usize,
    deny: usize,
    failed: usize,
    missing_data: usize,
    /// Per policy (tenant order): decisions it prompted or denied.
    hits: Vec<usize>,
}

impl Summary {
    /// Nothing counted yet, for a tenant of `n` policies.
    fn for_policies(n: usize) -> Summary {
        Summary {
            hits: vec![0; n],
            ..Summary::default()
        }
    }

    /// Lines seen so far.
    fn total(&self) -> usize {
        self.allow + self.step_up + self.deny + self.failed
    }

    /// Counts one decision.
    fn count(&mut self, decision: Decision, missing_data: bool) {
        match decision {
            Decision::Allow => self.allow += 1,
            Decision::StepUp => self.step_up += 1,
            // A decision this version cannot name is counted with the denials.
            _ => self.deny += 1,
        }
        if missing_data {
            self.missing_data += 1;
        }
    }

    /// Counts a decision policy `i` (tenant order) prompted or denied.
    fn hit(&mut self, i: usize) {
        if let Some(n) = self.hits.get_mut(i) {
            *n += 1;
        }
    }

    /// Counts an owned decision, its policies found by id (each once).
    fn count_owned(&mut self, d: &SignInDecision, index: &HashMap<&str, usize>) {
        self.count(
            d.decision,
            d.warnings.iter().any(|w| w.code == "missingData"),
        );
        let mut policies: SmallVec<[usize; 4]> = d
            .requirements
            .iter()
            .flat_map(|r| r.policy_ids.iter())
            .map(String::as_str)
            .chain(d.deny_reasons.iter().map(DenyReason::policy_id))
            .filter_map(|id| index.get(id).copied())
            .collect();
        policies.sort_unstable();
        policies.dedup();
        for i in policies {
            self.hit(i);
        }
    }

    /// Adds the counts of `other` (a chunk's, for the same tenant).
    fn add(&mut self, other: &Summary) {
        debug_assert_eq!(self.hits.len(), other.hits.len());
        self.allow += other.allow;
        self.step_up += other.step_up;
        self.deny += other.deny;
        self.failed += other.failed;
        self.missing_data += other.missing_data;
        for (n, m) in self.hits.iter_mut().zip(&other.hits) {
            *n += m;
        }
    }

    fn print(&self, tenant: &Tenant, secs: f64) {
        let decided = self.allow + self.step_up + self.deny;
        let total = decided + self.failed;
        let rate = if secs > 0.0 { total as f64 / secs } else { 0.0 };
        note!(
            "jitgate: {decided} decided ({} allow, {} stepUp, {} deny), {} bad line(s), {:.0} lines/s",
            self.allow,
            self.step_up,
            self.deny,
            self.failed,
            rate
        );
        if self.missing_data > 0 {
            note!(
                "  {} decision(s) carry missingData: absent or unknown request data could make them stricter (see --assume-worst)",
                self.missing_data
            );
        }
        let mut top: Vec<(&str, usize)> = tenant
            .policies
            .iter()
            .zip(&self.hits)
            .filter(|(_, n)| **n > 0)
            .map(|(p, n)| (p.id.as_str(), *n))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        if !top.is_empty() {
            note!("  policies that prompted or denied most:");
            for (id, n) in top.into_iter().take(5) {
                let name = tenant
                    .policies
                    .iter()
                    .find(|p| p.id == id)
                    .map_or(id, |p| p.display_name.as_str());
                note!("    {n:>8}  {name}");
            }
        }
    }
}

/// `jitgate whatif`: one request, explained for a person.
pub fn run_whatif(
    load: &LoadArgs,
    request: &str,
    as_json: bool,
    layout: crate::whatif::Layout,
) -> ExitCode {
    let tenant = match load_tenant(load) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let inputs = match read_inputs(request) {
        Ok(i) => i,
        Err(e) => {
            note!("jitgate: {e}");
            return ExitCode::from(2);
        }
    };
    let [input] = inputs.as_slice() else {
        note!(
            "jitgate: whatif takes exactly one request; {request} holds {}",
            inputs.len()
        );
        return ExitCode::from(2);
    };
    let loaded = Loaded::new(tenant, EngineKind::Reference);
    let eval = loaded.evaluator();
    let decision = match LineReader::new().read(input, Timestamp::now()) {
        Ok(req) => eval.evaluate(req, Explain::Policies.into()),
        Err(e) => {
            note!("jitgate: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let written = if as_json {
        serde_json::to_writer_pretty(&mut out, &decision)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        crate::whatif::write_report(&mut out, &decision, layout)
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            note!("jitgate: cannot write: {e}");
            ExitCode::from(2)
        }
    }
}
