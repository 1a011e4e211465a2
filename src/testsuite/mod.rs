//! Expected-outcome tests for a tenant (`jitgate test`, docs/TESTING.md): files of named cases,
//! each a sign-in or an activation and what its decision must be, run on the compiled engine
//! (and on the reference evaluator too, if asked), with a per-case diff, policy coverage and
//! JUnit output.
//!
//! ```
//! let tenant = jitgate::load("examples/tenant".as_ref())?;
//! let snapshot = jitgate::Snapshot::compile(tenant);
//! let report = jitgate::run_test_files(&snapshot, &["examples/tests"], &jitgate::TestOptions::default());
//! assert!(report.all_passed(), "{}", report.render_text(false));
//! # Ok::<(), jitgate::LoadError>(())
//! ```

mod build;
mod expect;
mod format;
mod names;
mod report;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::{ActivationRequest, Explain, ReferenceEvaluator, SignInRequest, Snapshot};
pub use format::TestSyntax;
use format::{CaseSpec, ExpectSpec, Resolved, Shorthand};

/// The largest test file read (bytes): far above any hand-written suite.
pub const MAX_TEST_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// The most files one run reads from the paths given.
pub const MAX_TEST_FILES: usize = 10_000;
/// How deep directories are searched for test files.
const MAX_DEPTH: usize = 16;

/// A test file that could not be read or parsed; nothing in it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TestFileError {
    /// The file (or directory) as given.
    pub file: String,
    /// What is wrong: for a parse error, the line, column and path of the value, e.g.
    /// `line 12, column 7: cases[3].expect: unknown field `decison`, expected one of ...`.
    pub message: String,
}

impl std::fmt::Display for TestFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for TestFileError {}

/// Sign-in or activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CaseKind {
    /// A Conditional Access sign-in.
    SignIn,
    /// A PIM activation.
    Activation,
}

#[derive(Debug)]
enum Input {
    Shorthand(Box<Resolved>),
    Body(Value),
}

/// One case of a test file.
#[derive(Debug)]
pub struct TestCase {
    name: String,
    description: Option<String>,
    tags: Vec<String>,
    kind: CaseKind,
    input: Input,
    expect: ExpectSpec,
    /// Where the case stands in its file, for messages (`cases[3]`).
    position: usize,
}

impl TestCase {
    /// The case's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its description, if the file gives one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Its tags (the file's, then its own).
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// Sign-in or activation.
    pub fn kind(&self) -> CaseKind {
        self.kind
    }

    /// Does `filter` select this case: one of its tags, or part of its name (case-insensitive)?
    pub fn matches(&self, filter: &str) -> bool {
        self.tags.iter().any(|t| t.eq_ignore_ascii_case(filter))
            || self.name.to_lowercase().contains(&filter.to_lowercase())
    }
}

/// A parsed test file.
#[derive(Debug)]
pub struct TestSuite {
    file: String,
    cases: Vec<TestCase>,
}

impl TestSuite {
    /// Parses a test file's text; `file` names it in messages.
    pub fn parse(file: &str, text: &str, syntax: TestSyntax) -> Result<TestSuite, TestFileError> {
        let err = |message: String| TestFileError {
            file: file.to_owned(),
            message,
        };
        let spec = format::parse_file(text, syntax).map_err(err)?;
        let mut cases = Vec::with_capacity(spec.cases.len());
        for (position, case) in spec.cases.into_iter().enumerate() {
            cases.push(
                TestCase::from_spec(case, &spec.defaults, &spec.tags.0, position)
                    .map_err(|m| err(format!("cases[{position}].{m}")))?,
            );
        }
        let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, case) in cases.iter().enumerate() {
            if let Some(first) = first_of.insert(&case.name, case.position) {
                return Err(err(format!(
                    "cases[{i}].name: \"{}\" is also the name of cases[{first}]; names must be unique",
                    case.name
                )));
            }
        }
        Ok(TestSuite {
            file: file.to_owned(),
            cases,
        })
    }

    /// Reads and parses a file: `.json` as JSON, `.yaml`/`.yml` as YAML; UTF-8 or UTF-16 with a
    /// BOM; at most [`MAX_TEST_FILE_BYTES`].
    pub fn from_file(path: &Path) -> Result<TestSuite, TestFileError> {
        let file = path.display().to_string();
        let err = |message: String| TestFileError {
            file: file.clone(),
            message,
        };
        let syntax = syntax_of(path).ok_or_else(|| {
            err("not a test file: the name must end in .json, .yaml or .yml".to_owned())
        })?;
        let bytes = crate::load::read_bounded(path, MAX_TEST_FILE_BYTES).map_err(err)?;
        let text = crate::json::decode(&bytes).map_err(|e| err(e.to_string()))?;
        TestSuite::parse(&file, &text, syntax)
    }

    /// The file, as given.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Its cases, in file order.
    pub fn cases(&self) -> &[TestCase] {
        &self.cases
    }
}

fn syntax_of(path: &Path) -> Option<TestSyntax> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some(TestSyntax::Json),
        "yaml" | "yml" => Some(TestSyntax::Yaml),
        _ => None,
    }
}

impl TestCase {
    fn from_spec(
        spec: CaseSpec,
        defaults: &Shorthand,
        file_tags: &[String],
        position: usize,
    ) -> Result<TestCase, String> {
        let given = [
            spec.sign_in.is_some(),
            spec.activation.is_some(),
            spec.sign_in_body.is_some(),
            spec.activation_body.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(
                "give exactly one of `signIn`, `activation`, `signInBody` or `activationBody`"
                    .to_owned(),
            );
        }
        let (kind, input) = match (
            spec.sign_in,
            spec.activation,
            spec.sign_in_body,
            spec.activation_body,
        ) {
            (Some(s), ..) => {
                build::check_keys(&s, CaseKind::SignIn)?;
                (
                    CaseKind::SignIn,
                    Input::Shorthand(Box::new(s.over(defaults))),
                )
            }
            (_, Some(s), ..) => {
                build::check_keys(&s, CaseKind::Activation)?;
                (
                    CaseKind::Activation,
                    Input::Shorthand(Box::new(s.over(defaults))),
                )
            }
            (_, _, Some(b), _) => (CaseKind::SignIn, Input::Body(b)),
            (_, _, _, Some(b)) => (CaseKind::Activation, Input::Body(b)),
            _ => return Err("no request".to_owned()),
        };
        expect::validate(&spec.expect, kind)?;
        let mut tags = file_tags.to_vec();
        tags.extend(spec.tags.0);
        Ok(TestCase {
            name: spec.name,
            description: spec.description,
            tags,
            kind,
            input,
            expect: spec.expect,
            position,
        })
    }

    /// The request body this case sends, exactly as `eval` (sign-ins) or `activate` reads it:
    /// the shorthand spelled out against `snapshot`'s tenant (names resolved to ids), or the
    /// body as written. The error says which key could not be resolved and why.
    pub fn request_body(&self, snapshot: &Snapshot) -> Result<Value, String> {
        let tenant = snapshot.tenant();
        match (&self.input, self.kind) {
            (Input::Body(b), _) => Ok(b.clone()),
            (Input::Shorthand(s), CaseKind::SignIn) => build::sign_in_body(tenant, s, "signIn"),
            (Input::Shorthand(s), CaseKind::Activation) => {
                build::activation_body(tenant, s, "activation")
            }
        }
    }
}

/// How [`run_tests`] runs.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TestOptions {
    /// Also decide every case with the [`ReferenceEvaluator`]; a case whose two decisions
    /// differ fails.
    pub both_engines: bool,
    /// Run only the cases this selects (a tag, or part of a name; see [`TestCase::matches`]).
    pub filter: Option<String>,
}

impl TestOptions {
    /// Sets [`TestOptions::both_engines`].
    pub fn both_engines(mut self, both: bool) -> Self {
        self.both_engines = both;
        self
    }

    /// Sets [`TestOptions::filter`].
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CaseStatus {
    /// Every expectation held.
    Pass,
    /// Some expectation did not hold.
    Fail,
    /// The case could not run (its request is invalid, or names what the tenant lacks).
    Error,
}

/// One difference between what a case expected and what came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// What was compared: `decision`, `requirements`, `policies."NL002 ...".result`, ...
    pub what: String,
    /// What the case expected.
    pub expected: String,
    /// What the decision said (for lists, with what was missing or unexpected).
    pub actual: String,
}

/// The result of one case.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseReport {
    /// The test file.
    pub file: String,
    /// The case's name.
    pub name: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Sign-in or activation.
    pub kind: CaseKind,
    /// Pass, fail or error.
    pub status: CaseStatus,
    /// The decision it got (`allow`, `stepUp`, ...), if it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// Each expectation that did not hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<Mismatch>,
    /// Why the case could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What made the decision: an activation's failed PIM rules (`code: message`), then the
    /// policies that denied or asked for more, else those that applied, each as `name (result)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responsible: Vec<String>,
}

/// How one policy was exercised by the cases that ran.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyCoverage {
    /// Policy id.
    pub id: String,
    /// Policy name.
    pub display_name: String,
    /// `enabled`, `enabledForReportingButNotEnforced` or `disabled`.
    pub state: String,
    /// Counted in the percentage (disabled and deleted policies are not: no case can apply
    /// them).
    pub counted: bool,
    /// Cases in which it applied.
    pub applied_in: usize,
    /// Cases in which it decided the outcome: it denied, or asked for something not yet proven.
    pub decided_in: usize,
}

/// Which policies the cases exercised.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// Every policy of the tenant, in tenant order.
    pub policies: Vec<PolicyCoverage>,
}

impl Coverage {
    /// Policies that count (evaluated: not disabled, not deleted).
    pub fn counted(&self) -> usize {
        self.policies.iter().filter(|p| p.counted).count()
    }

    /// Counted policies that applied in at least one case.
    pub fn applied(&self) -> usize {
        self.policies
            .iter()
            .filter(|p| p.counted && p.applied_in > 0)
            .count()
    }

    /// Counted policies that decided the outcome of at least one case.
    pub fn decided(&self) -> usize {
        self.policies
            .iter()
            .filter(|p| p.counted && p.decided_in > 0)
            .count()
    }

    /// Applied ÷ counted, in percent (100 when no policy counts).
    pub fn percent(&self) -> f64 {
        let counted = self.counted();
        if counted == 0 {
            return 100.0;
        }
        #[expect(
            clippy::cast_precision_loss,
            reason = "policy counts are far below 2^52"
        )]
        let ratio = self.applied() as f64 / counted as f64;
        ratio * 100.0
    }
}

/// Everything one run found.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestReport {
    /// Files that could not be read or parsed (none of their cases ran).
    pub file_errors: Vec<TestFileError>,
    /// Each case that ran (or could not), in file order.
    pub cases: Vec<CaseReport>,
    /// Cases the filter left out.
    pub skipped: usize,
    /// Policy coverage over the cases that ran.
    pub coverage: Coverage,
}

impl TestReport {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.count(CaseStatus::Pass)
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.count(CaseStatus::Fail)
    }

    /// Cases that could not run.
    pub fn errors(&self) -> usize {
        self.count(CaseStatus::Error)
    }

    fn count(&self, status: CaseStatus) -> usize {
        self.cases.iter().filter(|c| c.status == status).count()
    }

    /// Every file read and every case passed.
    pub fn all_passed(&self) -> bool {
        self.file_errors.is_empty() && self.cases.iter().all(|c| c.status == CaseStatus::Pass)
    }

    /// `jitgate test`'s exit status: 0 all passed, 1 some case failed, 2 some file or case was
    /// unusable.
    pub fn exit_code(&self) -> u8 {
        if !self.file_errors.is_empty() || self.errors() > 0 {
            2
        } else if self.failed() > 0 {
            1
        } else {
            0
        }
    }
}

/// Runs every case of `suites` on `snapshot`.
pub fn run_tests(snapshot: &Snapshot, suites: &[TestSuite], options: &TestOptions) -> TestReport {
    let tenant = snapshot.tenant();
    let reference = options
        .both_engines
        .then(|| ReferenceEvaluator::new(tenant));
    let mut report = TestReport {
        coverage: Coverage {
            policies: tenant
                .policies
                .iter()
                .map(|p| PolicyCoverage {
                    id: p.id.clone(),
                    display_name: p.display_name.clone(),
                    state: p.state.as_str().to_owned(),
                    counted: p.is_evaluated(),
                    applied_in: 0,
                    decided_in: 0,
                })
                .collect(),
        },
        ..TestReport::default()
    };
    for suite in suites {
        for case in &suite.cases {
            if options.filter.as_deref().is_some_and(|f| !case.matches(f)) {
                report.skipped += 1;
                continue;
            }
            let result = run_case(snapshot, reference.as_ref(), case, &mut report.coverage);
            report.cases.push(CaseReport {
                file: suite.file.clone(),
                name: case.name.clone(),
                tags: case.tags.clone(),
                kind: case.kind,
                ..result
            });
        }
    }
    report
}

/// Finds the test files under `paths` (files as given; directories searched for `.json`,
/// `.yaml` and `.yml`, in name order), parses them and runs them. Files that cannot be read or
/// parsed are listed in [`TestReport::file_errors`]; the others still run.
pub fn run_test_files<P: AsRef<Path>>(
    snapshot: &Snapshot,
    paths: &[P],
    options: &TestOptions,
) -> TestReport {
    let mut file_errors = Vec::new();
    let files = discover(paths, &mut file_errors);
    let mut suites = Vec::new();
    for file in files {
        match TestSuite::from_file(&file) {
            Ok(s) => suites.push(s),
            Err(e) => file_errors.push(e),
        }
    }
    let mut report = run_tests(snapshot, &suites, options);
    report.file_errors = file_errors;
    report
}

/// The test files under `paths`, bounded by [`MAX_TEST_FILES`] and a depth of 16.
fn discover<P: AsRef<Path>>(paths: &[P], errors: &mut Vec<TestFileError>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        let p = p.as_ref();
        if p.is_dir() {
            walk(p, 0, &mut out, errors);
        } else if p.exists() {
            out.push(p.to_path_buf());
        } else {
            errors.push(TestFileError {
                file: p.display().to_string(),
                message: "no such file or directory".to_owned(),
            });
        }
    }
    if out.len() > MAX_TEST_FILES {
        errors.push(TestFileError {
            file: out
                .get(MAX_TEST_FILES)
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            message: format!("more than {MAX_TEST_FILES} test files; the rest were not read"),
        });
        out.truncate(MAX_TEST_FILES);
    }
    out
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>, errors: &mut Vec<TestFileError>) {
    if depth > MAX_DEPTH || out.len() > MAX_TEST_FILES {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(TestFileError {
                file: dir.display().to_string(),
                message: format!("cannot list: {e}"),
            });
            return;
        }
    };
    // Symbolic links to folders are not followed: a link loop cannot multiply the walk.
    let mut paths: Vec<(PathBuf, bool)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let is_dir = e.file_type().ok()?.is_dir();
            Some((e.path(), is_dir))
        })
        .collect();
    paths.sort();
    for (path, is_dir) in paths {
        if is_dir {
            walk(&path, depth + 1, out, errors);
        } else if syntax_of(&path).is_some() && path.is_file() {
            out.push(path);
        }
    }
}

/// Decides one case and checks it; the report's file, name, tags and kind are filled by the
/// caller.
fn run_case(
    snapshot: &Snapshot,
    reference: Option<&ReferenceEvaluator<'_>>,
    case: &TestCase,
    coverage: &mut Coverage,
) -> CaseReport {
    let mut report = CaseReport {
        file: String::new(),
        name: String::new(),
        tags: Vec::new(),
        kind: case.kind,
        status: CaseStatus::Error,
        decision: None,
        mismatches: Vec::new(),
        error: None,
        responsible: Vec::new(),
    };
    let decided = case
        .request_body(snapshot)
        .and_then(|body| decide(snapshot, reference, case.kind, &body));
    let (decision, other) = match decided {
        Ok(d) => d,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    expect::check(
        snapshot.tenant(),
        case.kind,
        &case.expect,
        &decision,
        &mut report.mismatches,
    );
    if let Some(other) = other
        && let Some((path, compiled, reference)) = expect::first_difference(&decision, &other, "$")
    {
        report.mismatches.push(Mismatch {
            what: format!("engines disagree at {path}"),
            expected: format!("compiled: {compiled}"),
            actual: format!("reference: {reference}"),
        });
    }
    let policies = policy_results(case.kind, &decision);
    count_coverage(coverage, policies);
    report.responsible = pim_reasons(&decision);
    report.responsible.extend(responsible(policies));
    report.decision = decision
        .get("decision")
        .and_then(Value::as_str)
        .map(str::to_owned);
    report.status = if report.mismatches.is_empty() {
        CaseStatus::Pass
    } else {
        CaseStatus::Fail
    };
    report
}

/// The decision's JSON, and the reference evaluator's when asked for.
fn decide(
    snapshot: &Snapshot,
    reference: Option<&ReferenceEvaluator<'_>>,
    kind: CaseKind,
    body: &Value,
) -> Result<(Value, Option<Value>), String> {
    let text = body.to_string();
    let to_value = |d: Result<Value, serde_json::Error>| d.map_err(|e| e.to_string());
    match kind {
        CaseKind::SignIn => {
            let request = SignInRequest::from_json(&text).map_err(|e| format!("request {e}"))?;
            let compiled = to_value(serde_json::to_value(
                snapshot.evaluate(&request, Explain::Policies),
            ))?;
            let other = reference
                .map(|r| {
                    to_value(serde_json::to_value(
                        r.evaluate(&request, Explain::Policies),
                    ))
                })
                .transpose()?;
            Ok((compiled, other))
        }
        CaseKind::Activation => {
            let request =
                ActivationRequest::from_json(&text).map_err(|e| format!("request {e}"))?;
            let compiled = to_value(serde_json::to_value(
                snapshot.activate(&request, Explain::Policies),
            ))?;
            let other = reference
                .map(|r| {
                    to_value(serde_json::to_value(
                        r.activate(&request, Explain::Policies),
                    ))
                })
                .transpose()?;
            Ok((compiled, other))
        }
    }
}

fn policy_results(kind: CaseKind, decision: &Value) -> &[Value] {
    let holder = match kind {
        CaseKind::SignIn => Some(decision),
        CaseKind::Activation => decision.get("conditionalAccess"),
    };
    holder
        .and_then(|h| h.get("policies"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn count_coverage(coverage: &mut Coverage, results: &[Value]) {
    for r in results {
        let Some(id) = r.get("id").and_then(Value::as_str) else {
            continue;
        };
        let Some(p) = coverage.policies.iter_mut().find(|p| p.id == id) else {
            continue;
        };
        if r.get("policyApplies").and_then(Value::as_bool) == Some(true) {
            p.applied_in += 1;
        }
        if matches!(
            r.get("outcome").and_then(Value::as_str),
            Some("stepUp" | "deny")
        ) {
            p.decided_in += 1;
        }
    }
}

/// An activation's own reasons (PIM rules that failed), each as `code: message`.
fn pim_reasons(decision: &Value) -> Vec<String> {
    decision
        .get("denyReasons")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|r| {
            let code = r.get("code")?.as_str()?;
            let message = r.get("message").and_then(Value::as_str).unwrap_or_default();
            Some(format!("{code}: {message}"))
        })
        .collect()
}

fn responsible(results: &[Value]) -> Vec<String> {
    let describe = |r: &Value| {
        format!(
            "{} ({})",
            r.get("displayName").and_then(Value::as_str).unwrap_or("?"),
            r.get("result").and_then(Value::as_str).unwrap_or("?")
        )
    };
    let deciding: Vec<String> = results
        .iter()
        .filter(|r| {
            matches!(
                r.get("outcome").and_then(Value::as_str),
                Some("stepUp" | "deny")
            )
        })
        .map(describe)
        .collect();
    if !deciding.is_empty() {
        return deciding;
    }
    results
        .iter()
        .filter(|r| r.get("policyApplies").and_then(Value::as_bool) == Some(true))
        .map(describe)
        .collect()
}
