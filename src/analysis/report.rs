//! Readable reports for `gaps` and `diff`.

use std::fmt::Write as _;

use super::diff::{DiffReport, DiffSide};
use super::gaps::GapReport;
use super::region::{IdentityKind, RegionDimension};
use super::space::Dimension;

fn dimensions(out: &mut String, dims: &[RegionDimension]) {
    if dims.is_empty() {
        out.push_str("    every sign-in of this kind\n");
    }
    for d in dims {
        let mut values = d.values.join("; ");
        if d.more > 0 {
            let _ = write!(values, "; and {} more", d.more);
        }
        let _ = writeln!(
            out,
            "    {:<20} {}{}",
            d.dimension.as_str(),
            if d.except { "any except " } else { "" },
            values
        );
    }
}

/// What may be missing from a report: a walk cut at its budget, a partial device search,
/// internal errors.
fn cautions(out: &mut String, truncated: bool, search_limits: &[String], errors: &[String]) {
    if truncated {
        out.push_str(
            "  WARNING: the walk stopped at its node budget; regions may be missing (--max-nodes)\n",
        );
    }
    for limit in search_limits {
        let _ = writeln!(out, "  WARNING: {limit}");
    }
    for e in errors {
        let _ = writeln!(out, "  ERROR: {e}");
    }
}

fn classes(out: &mut String, title: &str, counts: &[(Dimension, usize)]) {
    let list: Vec<String> = counts
        .iter()
        .map(|(d, n)| format!("{} {n}", d.as_str()))
        .collect();
    let _ = writeln!(out, "  {title}: {}", list.join(", "));
}

/// The heading of a region: how many directory users or service principals it holds (the
/// identity line names them).
fn who(kind: IdentityKind, users: usize) -> String {
    match kind {
        IdentityKind::Users => format!("{users} directory user(s)"),
        IdentityKind::ServicePrincipals => format!("{users} exported service principal(s)"),
    }
}

impl GapReport {
    /// The report as text: largest regions first, each with its dimensions and witness.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let p = &self.protection;
        let counted: Vec<&str> = [
            (p.mfa, "mfa"),
            (p.strength, "strength"),
            (p.block, "block"),
            (p.compliant_device, "compliantDevice"),
            (p.domain_joined_device, "domainJoinedDevice"),
            (p.approved_application, "approvedApplication"),
            (p.compliant_application, "compliantApplication"),
            (p.password_change, "passwordChange"),
            (p.terms_of_use, "termsOfUse"),
            (p.custom, "custom"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        let _ = writeln!(
            out,
            "Gaps in tenant {} at {}: sign-ins that a password alone lets through",
            self.revision, self.at
        );
        let _ = writeln!(
            out,
            "  protection: {}; report-only policies {}",
            counted.join(", "),
            if self.include_report_only {
                "counted as enforced"
            } else {
                "not counted"
            }
        );
        classes(&mut out, "user classes", &self.user_classes);
        classes(
            &mut out,
            "service principal classes",
            &self.service_principal_classes,
        );
        let _ = writeln!(
            out,
            "  {} region(s), {} node(s) visited",
            self.regions.len(),
            self.nodes_visited
        );
        cautions(&mut out, self.truncated, &self.search_limits, &self.errors);
        if self.regions.is_empty() {
            out.push_str(if self.complete() {
                "\nNo gaps: every sign-in meets a policy that requires protection.\n"
            } else {
                "\nNo gap found in the part searched; see the warnings above.\n"
            });
        }
        for (k, r) in self.regions.iter().enumerate() {
            let _ = writeln!(out, "\nGap {}: {}", k + 1, who(r.kind, r.users));
            dimensions(&mut out, &r.dimensions);
            let applied = if r.applied_policies.is_empty() {
                "no policy applies".to_owned()
            } else {
                format!("applies: {}", r.applied_policies.join("; "))
            };
            let _ = writeln!(
                out,
                "    witness decision: {} ({applied})",
                r.decision.as_str()
            );
            if !r.missing_data.is_empty() {
                let _ = writeln!(
                    out,
                    "    only while the request leaves out: {} (see --assume-worst)",
                    r.missing_data.join(", ")
                );
            }
            let _ = writeln!(out, "    witness: {}", r.witness);
        }
        out
    }
}

fn side(out: &mut String, name: &str, s: &DiffSide) {
    let mut parts = vec![s.decision.as_str().to_owned()];
    if !s.requirements.is_empty() {
        parts.push(format!("requires {}", s.requirements.join(" and ")));
    }
    if !s.deny_reasons.is_empty() {
        parts.push(format!("denied: {}", s.deny_reasons.join("; ")));
    }
    if s.session_controls
        .as_object()
        .is_some_and(|o| !o.is_empty())
    {
        parts.push(format!("session {}", s.session_controls));
    }
    let _ = writeln!(out, "    {name:<7} {}", parts.join(", "));
    if !s.responsible.is_empty() {
        let _ = writeln!(out, "            because of: {}", s.responsible.join("; "));
    }
}

impl DiffReport {
    /// The report as text: largest changed regions first, each with both outcomes.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Changes from tenant {} to {} at {}, for sign-ins proving {}",
            self.before_revision,
            self.after_revision,
            self.at,
            self.session.methods.join(" + ")
        );
        let _ = writeln!(
            out,
            "  {} changed region(s); {} node(s) visited, {} cell(s) decided under both",
            self.regions.len(),
            self.nodes_visited,
            self.cells_compared
        );
        cautions(&mut out, self.truncated, &self.search_limits, &self.errors);
        if self.regions.is_empty() {
            out.push_str(if self.complete() {
                "\nNo change: every sign-in gets the same outcome from both tenants.\n"
            } else {
                "\nNo change found in the part searched; see the warnings above.\n"
            });
        }
        for (k, r) in self.regions.iter().enumerate() {
            let _ = writeln!(out, "\nChange {}: {}", k + 1, who(r.kind, r.users));
            dimensions(&mut out, &r.dimensions);
            side(&mut out, "before", &r.before);
            side(&mut out, "after", &r.after);
            let _ = writeln!(out, "    witness: {}", r.witness);
        }
        out
    }
}
