//! `jitgate validate`: load, check limits and consistency, report.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use jitgate::{Diagnostic, ValidateOptions, load_report_with, validate};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    tenant: String,
    usable: bool,
    strict: bool,
    errors: usize,
    warnings: usize,
    counts: &'a jitgate::unstable::TenantCounts,
    application_groups: &'a [jitgate::AppGroupReport],
    findings: &'a [Diagnostic],
}

/// Runs the subcommand and returns its exit status.
pub fn run(
    load: &crate::LoadArgs,
    options: ValidateOptions,
    as_json: bool,
    list_app_groups: bool,
) -> ExitCode {
    let strict = options.strict;
    let path = load.tenant.as_path();
    let loaded = match load_report_with(path, &load.options()) {
        Ok(r) => r,
        Err(e) => {
            note!("jitgate: {e}");
            return ExitCode::from(2);
        }
    };
    let report = validate(&loaded.tenant, options);
    let mut findings = loaded.diagnostics;
    // Under --strict, limit warnings were already raised to errors by `validate`; load warnings stay.
    findings.extend(report.findings.iter().cloned());
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    let failed = errors > 0 || (strict && warnings > 0);
    let mut out = std::io::stdout().lock();
    let written = if as_json {
        let doc = JsonReport {
            tenant: path.display().to_string(),
            usable: errors == 0,
            strict,
            errors,
            warnings,
            counts: &report.counts,
            application_groups: &report.application_groups,
            findings: &findings,
        };
        serde_json::to_writer_pretty(&mut out, &doc)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        write_text(&mut out, path, &report, list_app_groups, &findings)
    };
    if let Err(e) = written {
        note!("jitgate: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn write_text(
    out: &mut impl Write,
    path: &Path,
    report: &jitgate::ValidationReport,
    list_app_groups: bool,
    findings: &[Diagnostic],
) -> std::io::Result<()> {
    let c = &report.counts;
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    writeln!(out, "Tenant {}", path.display())?;
    writeln!(
        out,
        "  {} policies ({} enabled, {} report-only, {} disabled), {} named locations, {} authentication strengths, {} authentication contexts",
        c.policies,
        c.enabled,
        c.report_only,
        c.disabled,
        c.named_locations,
        c.authentication_strengths,
        c.authentication_contexts
    )?;
    writeln!(
        out,
        "  {} users, {} groups, {} role assignments, {} PIM eligibilities, {} PIM policy assignments",
        c.users, c.groups, c.role_assignments, c.pim_eligibilities, c.pim_policy_assignments
    )?;
    for g in &report.application_groups {
        let source = if g.source == "bundle" {
            "from the bundle's applicationGroups"
        } else {
            "built-in list of Microsoft's documented members"
        };
        writeln!(
            out,
            "  {}: {} app(s), {source}{}",
            g.group,
            g.members.len(),
            if list_app_groups {
                ":"
            } else {
                " (--app-groups lists them)"
            }
        )?;
        if list_app_groups {
            for m in &g.members {
                writeln!(
                    out,
                    "    {}  {}",
                    m.app_id,
                    m.name.as_deref().unwrap_or("(name unknown)")
                )?;
            }
        }
    }
    for (title, want_error) in [("Errors", true), ("Warnings", false)] {
        let list: Vec<&Diagnostic> = findings
            .iter()
            .filter(|f| f.is_error() == want_error)
            .collect();
        if list.is_empty() {
            continue;
        }
        writeln!(out, "\n{title} ({}):", list.len())?;
        for f in list {
            writeln!(out, "  {f}")?;
        }
    }
    writeln!(out)?;
    if errors > 0 {
        writeln!(
            out,
            "Result: not usable: {errors} error(s), {warnings} warning(s)"
        )
    } else {
        writeln!(out, "Result: usable with {warnings} warning(s)")
    }
}
