//! A run's report as people read it (per-case lines, a diff for each failure, a summary) and as
//! CI systems read it (JUnit XML).

use std::fmt::Write as _;

use super::{CaseReport, CaseStatus, TestReport};

impl TestReport {
    /// The readable report: one line per case (`ok`, `FAIL`, `ERROR`), under each failure what
    /// was expected and what came and the policies responsible, then the summary line; with
    /// `coverage`, the policies no case applied or decided.
    pub fn render_text(&self, coverage: bool) -> String {
        let mut out = String::new();
        for e in &self.file_errors {
            let _ = writeln!(out, "ERROR {e}");
        }
        let mut file: Option<&str> = None;
        for case in &self.cases {
            if file != Some(case.file.as_str()) {
                let _ = writeln!(out, "{}", case.file);
                file = Some(&case.file);
            }
            render_case(&mut out, case);
        }
        if coverage {
            self.render_coverage(&mut out);
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }

    /// The summary line: `jitgate test: 32 passed, 1 failed, 0 errors (33 cases, 2 files)`.
    pub fn summary(&self) -> String {
        let mut files: Vec<&str> = self.cases.iter().map(|c| c.file.as_str()).collect();
        files.dedup();
        let mut line = format!(
            "jitgate test: {} passed, {} failed, {} errors ({} cases in {} files",
            self.passed(),
            self.failed(),
            self.errors(),
            self.cases.len(),
            files.len()
        );
        if self.skipped > 0 {
            let _ = write!(line, "; {} skipped by the filter", self.skipped);
        }
        if !self.file_errors.is_empty() {
            let _ = write!(line, "; {} unreadable files", self.file_errors.len());
        }
        let _ = write!(
            line,
            "); coverage {:.0}% ({}/{} policies applied)",
            self.coverage.percent(),
            self.coverage.applied(),
            self.coverage.counted()
        );
        line
    }

    fn render_coverage(&self, out: &mut String) {
        let c = &self.coverage;
        let _ = writeln!(
            out,
            "coverage: {}/{} policies applied in some case ({:.1}%), {}/{} decided some outcome",
            c.applied(),
            c.counted(),
            c.percent(),
            c.decided(),
            c.counted()
        );
        let never_applied: Vec<&str> = c
            .policies
            .iter()
            .filter(|p| p.counted && p.applied_in == 0)
            .map(|p| p.display_name.as_str())
            .collect();
        let never_decided: Vec<&str> = c
            .policies
            .iter()
            .filter(|p| p.counted && p.applied_in > 0 && p.decided_in == 0)
            .map(|p| p.display_name.as_str())
            .collect();
        for (title, list) in [
            ("never applied", never_applied),
            ("applied but never decided an outcome", never_decided),
        ] {
            if !list.is_empty() {
                let _ = writeln!(out, "  {title}:");
                for name in list {
                    let _ = writeln!(out, "    {name}");
                }
            }
        }
        let not_counted = c.policies.iter().filter(|p| !p.counted).count();
        if not_counted > 0 {
            let _ = writeln!(
                out,
                "  ({not_counted} disabled or deleted policies are not counted)"
            );
        }
    }

    /// The report as JUnit XML: one `<testsuite>` per file, one `<testcase>` per case, a
    /// `<failure>` with the diff for each failure and an `<error>` for each case or file that
    /// could not run.
    pub fn to_junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"jitgate\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            self.cases.len() + self.file_errors.len(),
            self.failed(),
            self.errors() + self.file_errors.len(),
            self.skipped
        );
        for e in &self.file_errors {
            let _ = writeln!(
                out,
                "  <testsuite name=\"{f}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase name=\"(file)\" classname=\"{f}\">\n      <error message=\"{m}\">{m}</error>\n    </testcase>\n  </testsuite>",
                f = xml(&e.file),
                m = xml(&e.message)
            );
        }
        let mut start = 0;
        while let Some(first) = self.cases.get(start) {
            let end = self
                .cases
                .iter()
                .skip(start)
                .position(|c| c.file != first.file)
                .map_or(self.cases.len(), |n| start + n);
            let cases = self.cases.get(start..end).unwrap_or_default();
            let count = |s: CaseStatus| cases.iter().filter(|c| c.status == s).count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
                xml(&first.file),
                cases.len(),
                count(CaseStatus::Fail),
                count(CaseStatus::Error)
            );
            for case in cases {
                junit_case(&mut out, case);
            }
            out.push_str("  </testsuite>\n");
            start = end;
        }
        out.push_str("</testsuites>\n");
        out
    }
}

fn render_case(out: &mut String, case: &CaseReport) {
    match case.status {
        CaseStatus::Pass => {
            let _ = writeln!(out, "  ok     {}", case.name);
        }
        CaseStatus::Error => {
            let _ = writeln!(
                out,
                "  ERROR  {}\n         {}",
                case.name,
                case.error.as_deref().unwrap_or("could not run")
            );
        }
        CaseStatus::Fail => {
            let _ = writeln!(out, "  FAIL   {}", case.name);
            out.push_str(&failure_text(case, "         "));
        }
    }
}

/// The diff of a failed case, each line indented by `indent`.
fn failure_text(case: &CaseReport, indent: &str) -> String {
    let mut out = String::new();
    for m in &case.mismatches {
        let _ = writeln!(
            out,
            "{indent}{}:\n{indent}  expected {}\n{indent}  got      {}",
            m.what, m.expected, m.actual
        );
    }
    if !case.responsible.is_empty() {
        let _ = writeln!(
            out,
            "{indent}decision {} by: {}",
            case.decision.as_deref().unwrap_or("?"),
            case.responsible.join("; ")
        );
    } else if let Some(d) = &case.decision {
        let _ = writeln!(out, "{indent}decision {d}: no policy applied");
    }
    out
}

fn junit_case(out: &mut String, case: &CaseReport) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\"",
        xml(&case.name),
        xml(&case.file)
    );
    match case.status {
        CaseStatus::Pass => out.push_str("/>\n"),
        CaseStatus::Fail => {
            let first = case
                .mismatches
                .first()
                .map(|m| format!("{}: expected {}, got {}", m.what, m.expected, m.actual))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                xml(&first),
                xml(&failure_text(case, ""))
            );
        }
        CaseStatus::Error => {
            let message = case.error.as_deref().unwrap_or("could not run");
            let _ = writeln!(
                out,
                ">\n      <error message=\"{m}\">{m}</error>\n    </testcase>",
                m = xml(message)
            );
        }
    }
}

/// Escapes text for an XML attribute or element; characters XML 1.0 cannot hold become U+FFFD.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
