//! `jitgate whatif` for people: one sign-in explained in plain lines, wrapped to the terminal,
//! with policies named in full and colour on a terminal.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use jitgate::{Decision, DenyReason, Outcome, RequirementItem, SignInDecision};
use serde::Serialize;

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// How the report is laid out.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Line width in columns.
    pub width: usize,
    /// ANSI colour on.
    pub color: bool,
    /// List only the policies that applied.
    pub applied_only: bool,
}

impl Layout {
    /// The layout for standard output: `width` or `COLUMNS` or 100; colour per `choice`.
    pub fn for_stdout(width: Option<usize>, choice: ColorChoice, applied_only: bool) -> Layout {
        let width = width
            .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
            .unwrap_or(100)
            .clamp(40, 400);
        let color = color_on(
            choice,
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        );
        Layout {
            width,
            color,
            applied_only,
        }
    }
}

/// Colour under `auto` only on a terminal and only when `NO_COLOR` is unset or empty
/// (<https://no-color.org>).
fn color_on(choice: ColorChoice, terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

const BOLD: &str = "1";
const DIM: &str = "2";
const RED: &str = "31";
const GREEN: &str = "32";
const YELLOW: &str = "33";

struct Printer<'w, W: Write> {
    out: &'w mut W,
    layout: Layout,
}

impl<W: Write> Printer<'_, W> {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.layout.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Writes `text` wrapped at word boundaries: the first line after `first` (already written,
    /// `first_width` columns wide), the rest indented by `indent` spaces.
    fn wrapped(
        &mut self,
        first: &str,
        first_width: usize,
        indent: usize,
        text: &str,
    ) -> std::io::Result<()> {
        self.styled(first, first_width, indent, text, None)
    }

    /// [`Printer::wrapped`], each line painted with `style` (so wrapping counts only the text).
    fn styled(
        &mut self,
        first: &str,
        first_width: usize,
        indent: usize,
        text: &str,
        style: Option<&str>,
    ) -> std::io::Result<()> {
        let width = self.layout.width;
        let lines = wrap(
            text,
            width.saturating_sub(first_width),
            width.saturating_sub(indent),
        );
        for (i, line) in lines.iter().enumerate() {
            let line = match style {
                Some(code) => self.paint(code, line),
                None => line.clone(),
            };
            if i == 0 {
                writeln!(self.out, "{first}{line}")?;
            } else {
                writeln!(self.out, "{:indent$}{line}", "")?;
            }
        }
        Ok(())
    }
}

/// Word-wraps `text`: the first line at most `first` columns, the others at most `rest`. A word
/// longer than a line (an id, a URL) stands alone on its line rather than being cut.
fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut limit = first.max(1);
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > limit {
            lines.push(std::mem::take(&mut line));
            limit = rest.max(1);
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A serde enum's wire name (`"primaryAndSecondaryAuthentication"`).
fn wire<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn describe(item: &RequirementItem) -> String {
    match item {
        RequirementItem::Reauthentication {
            authentication_type,
            frequency_interval,
            value,
            frequency_type,
            ..
        } => match (value, frequency_type) {
            (Some(v), Some(u)) => format!("sign in again ({authentication_type}, every {v} {u})"),
            _ => format!("sign in again ({authentication_type}, {frequency_interval})"),
        },
        RequirementItem::Mfa => "multifactor authentication".to_owned(),
        RequirementItem::AuthenticationStrength {
            display_name,
            allowed_combinations,
            ..
        } => format!(
            "authentication strength \"{display_name}\" (one of: {})",
            allowed_combinations.join(" | ")
        ),
        RequirementItem::PasswordChange => "change password".to_owned(),
        RequirementItem::RiskRemediation => {
            "remediate user risk (secure password change)".to_owned()
        }
        RequirementItem::TermsOfUse { agreement_id } => {
            format!("accept terms of use {agreement_id}")
        }
        RequirementItem::CustomAuthenticationFactor { id } => {
            format!("complete custom control {id}")
        }
        RequirementItem::AuthenticationContext { value, .. } => {
            format!("obtain a token with authentication context {value}")
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// Writes the report for one decision (made with explain on).
pub fn write_report(
    out: &mut impl Write,
    d: &SignInDecision,
    layout: Layout,
) -> std::io::Result<()> {
    let mut p = Printer { out, layout };
    let names: HashMap<&str, &str> = d
        .policies
        .iter()
        .flatten()
        .map(|r| (r.id.as_str(), r.display_name.as_str()))
        .collect();
    let by_name = |ids: &[String]| -> String {
        ids.iter()
            .map(|id| match names.get(id.as_str()) {
                Some(name) => format!("\"{name}\" ({id})"),
                None => id.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (verdict, colour) = match d.decision {
        Decision::Allow => ("ALLOW", GREEN),
        Decision::StepUp => ("STEP UP", YELLOW),
        _ => ("DENY", RED),
    };
    let verdict = p.paint(&format!("{BOLD};{colour}"), verdict);
    writeln!(
        p.out,
        "Decision: {verdict}   (evaluated at {})",
        d.evaluated_at
    )?;

    if !d.requirements.is_empty() {
        writeln!(p.out, "\n{}", p.paint(BOLD, "The user must still:"))?;
        for (i, r) in d.requirements.iter().enumerate() {
            let options: Vec<String> = r.any_of.iter().map(describe).collect();
            let text = if options.len() == 1 {
                options.join("")
            } else {
                format!("one of: {}", options.join("; or "))
            };
            let head = format!("  {}. ", i + 1);
            let w = head.chars().count();
            p.wrapped(&head, w, w, &text)?;
            let source = match (&r.source, r.policy_ids.is_empty()) {
                (Some(rule), true) => format!("required by PIM rule {rule}"),
                _ => format!("required by {}", by_name(&r.policy_ids)),
            };
            let pad = " ".repeat(w);
            p.wrapped(&pad, w, w, &source)?;
        }
    }
    if let Some(c) = &d.claims_challenge {
        writeln!(p.out, "\nClaims challenge: {c}")?;
    }
    if !d.deny_reasons.is_empty() {
        writeln!(p.out, "\n{}", p.paint(BOLD, "Denied because:"))?;
        for r in &d.deny_reasons {
            let who = format!("\"{}\" ({})", r.display_name(), r.policy_id());
            let text = match r {
                DenyReason::BlockedByPolicy { .. } => format!("{who} blocks access"),
                DenyReason::UnsatisfiedNonInteractiveControls { controls, .. } => format!(
                    "{who} requires {} (no prompt can satisfy it)",
                    controls.join(" and ")
                ),
                _ => format!("{who} denies access"),
            };
            p.wrapped("  - ", 4, 4, &text)?;
        }
    }
    let session = session_lines(d);
    if !session.is_empty() {
        writeln!(p.out, "\n{}", p.paint(BOLD, "Session controls:"))?;
        for (what, ids) in session {
            p.wrapped("  - ", 4, 4, &format!("{what}, set by {}", by_name(&ids)))?;
        }
    }
    if let Some(policies) = &d.policies {
        let applied = policies.iter().filter(|r| r.policy_applies).count();
        let title = if layout.applied_only {
            format!("Policies that applied ({applied} of {}):", policies.len())
        } else {
            format!("Policies ({applied} of {} applied):", policies.len())
        };
        writeln!(p.out, "\n{}", p.paint(BOLD, &title))?;
        for r in policies {
            if layout.applied_only && !r.policy_applies {
                continue;
            }
            let state = match wire(&r.state).as_str() {
                "enabledForReportingButNotEnforced" => "report-only".to_owned(),
                s => s.to_owned(),
            };
            let (mark, colour) = match (r.policy_applies, r.outcome) {
                (false, _) => ("-", DIM),
                (true, Outcome::Deny) => ("deny", RED),
                (true, Outcome::StepUp) => ("step up", YELLOW),
                (true, _) => ("applies", GREEN),
            };
            let head = format!("  {}  ", p.paint(colour, &format!("{mark:<7}")));
            p.styled(&head, 11, 11, &r.display_name, Some(BOLD))?;
            let mut detail = vec![state];
            if r.policy_applies {
                detail.push(format!("result {}", wire(&r.result)));
                match r.unsatisfied_controls.as_deref() {
                    Some([only]) if only == "block" => detail.push("blocks".to_owned()),
                    Some(u) if !u.is_empty() => {
                        detail.push(format!("still needs {}", u.join(", ")))
                    }
                    _ => {}
                }
                if let Some(s) = r
                    .enforced_session_controls
                    .as_ref()
                    .filter(|s| !s.is_empty())
                {
                    detail.push(format!("session {}", s.join(", ")));
                }
            } else {
                detail.push(format!(
                    "not applied: {}",
                    jitgate::unstable::reasons::to_graph(r.analysis_reasons).replace(',', ", ")
                ));
            }
            detail.push(format!("({})", r.id));
            let pad = " ".repeat(11);
            let style = (!r.policy_applies).then_some(DIM);
            p.styled(&pad, 11, 11, &detail.join(" · "), style)?;
            for w in &r.warnings {
                p.wrapped(&pad, 11, 11, &format!("warning {}: {}", w.code, w.message))?;
            }
        }
    }
    if !d.warnings.is_empty() {
        writeln!(p.out, "\n{}", p.paint(BOLD, "Warnings:"))?;
        for w in &d.warnings {
            p.wrapped("  - ", 4, 4, &w.to_string())?;
        }
    }
    Ok(())
}

/// The session controls in force, one readable line each, with the policies that set them.
fn session_lines(d: &SignInDecision) -> Vec<(String, Vec<String>)> {
    let s = &d.session_controls;
    let mut lines = Vec::new();
    if let Some(f) = &s.sign_in_frequency {
        let every = match (f.value, &f.unit) {
            (Some(v), Some(u)) => format!("every {v} {}", wire(u)),
            _ => "every time".to_owned(),
        };
        lines.push((
            format!(
                "Sign-in frequency: {every} ({})",
                wire(&f.authentication_type)
            ),
            f.policy_ids.clone(),
        ));
    }
    if let Some(b) = &s.persistent_browser {
        lines.push((
            format!("Persistent browser session: {}", wire(&b.mode)),
            b.policy_ids.clone(),
        ));
    }
    if let Some(c) = &s.cloud_app_security {
        lines.push((
            format!("Defender for Cloud Apps (app control): {}", wire(&c.mode)),
            c.policy_ids.clone(),
        ));
    }
    if let Some(c) = &s.continuous_access_evaluation {
        lines.push((
            format!("Continuous access evaluation: {}", wire(&c.mode)),
            c.policy_ids.clone(),
        ));
    }
    if let Some(f) = &s.application_enforced_restrictions {
        lines.push((
            "App-enforced restrictions: on".to_owned(),
            f.policy_ids.clone(),
        ));
    }
    if let Some(f) = &s.secure_sign_in_session {
        lines.push((
            "Token protection (secure sign-in session): on".to_owned(),
            f.policy_ids.clone(),
        ));
    }
    if let Some(f) = &s.disable_resilience_defaults {
        lines.push((
            "Resilience defaults: disabled".to_owned(),
            f.policy_ids.clone(),
        ));
    }
    for t in &s.passthrough {
        lines.push((
            format!("{}: {}", t.name, t.value),
            vec![t.policy_id.clone()],
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, color_on, wrap};

    #[test]
    fn colour_follows_the_terminal_and_no_color() {
        let set = Some(std::ffi::OsStr::new("1"));
        let empty = Some(std::ffi::OsStr::new(""));
        assert!(color_on(ColorChoice::Auto, true, None));
        assert!(color_on(ColorChoice::Auto, true, empty));
        assert!(!color_on(ColorChoice::Auto, true, set));
        assert!(!color_on(ColorChoice::Auto, false, None));
        assert!(color_on(ColorChoice::Always, false, set));
        assert!(!color_on(ColorChoice::Never, true, None));
    }

    #[test]
    fn wrap_breaks_at_words_and_never_cuts_a_long_word() {
        assert_eq!(wrap("a bb ccc dddd", 6, 6), ["a bb", "ccc", "dddd"]);
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(wrap(&format!("x {id} y"), 12, 12), ["x", id, "y"]);
        assert_eq!(wrap("", 10, 10), [""]);
    }
}
