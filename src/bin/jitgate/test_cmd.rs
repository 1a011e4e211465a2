//! `jitgate test`: run expected-outcome test files against a tenant.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jitgate::{Snapshot, TestOptions, run_test_files};

/// What `jitgate test` was asked.
pub struct TestArgs<'a> {
    /// The tenant and how to read it.
    pub load: &'a crate::LoadArgs,
    /// Test files and directories.
    pub paths: &'a [PathBuf],
    /// Also decide with the reference evaluator.
    pub both_engines: bool,
    /// Only cases with this tag or name part.
    pub filter: Option<&'a str>,
    /// Print the report as JSON.
    pub json: bool,
    /// Also write JUnit XML here.
    pub junit: Option<&'a Path>,
    /// Print policy coverage.
    pub coverage: bool,
    /// Fail below this coverage (percent).
    pub min_coverage: Option<f64>,
}

/// Runs the subcommand and returns its exit status (0 all passed, 1 failures or coverage
/// below the minimum, 2 unusable tenant, file or case).
pub fn run(a: &TestArgs<'_>) -> ExitCode {
    if let Some(min) = a.min_coverage
        && !(0.0..=100.0).contains(&min)
    {
        note!("jitgate: --min-coverage must be a percentage between 0 and 100");
        return ExitCode::from(2);
    }
    let tenant = match crate::eval_cmd::load_tenant(a.load) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let snapshot = Snapshot::compile(tenant);
    let mut options = TestOptions::default().both_engines(a.both_engines);
    if let Some(f) = a.filter {
        options = options.filter(f);
    }
    let report = run_test_files(&snapshot, a.paths, &options);
    if report.cases.is_empty() && report.file_errors.is_empty() {
        note!(
            "jitgate: no test cases found in {}{}",
            a.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            if report.skipped > 0 {
                " that the filter selects"
            } else {
                " (test files end in .json, .yaml or .yml)"
            }
        );
        return ExitCode::from(2);
    }
    if let Some(path) = a.junit
        && let Err(e) = std::fs::write(path, report.to_junit())
    {
        note!("jitgate: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    let mut out = std::io::stdout().lock();
    let written = if a.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        out.write_all(report.render_text(a.coverage).as_bytes())
    };
    if written.and_then(|()| out.flush()).is_err() {
        return ExitCode::from(2);
    }
    let mut code = report.exit_code();
    if let Some(min) = a.min_coverage
        && report.coverage.percent() < min
    {
        note!(
            "jitgate: coverage {:.1}% is below --min-coverage {min}%",
            report.coverage.percent()
        );
        code = code.max(1);
    }
    ExitCode::from(code)
}
