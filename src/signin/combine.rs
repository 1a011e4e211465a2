//! Turning per-policy verdicts into the decision (docs/SEMANTICS.md §6 steps 10–14, §3.14).
//!
//! Both evaluators decide each policy their own way (the reference reads the model, the compiled
//! engine reads bitsets) and hand the same [`PolicyVerdict`]s to [`render`], which merges
//! requirements, lists deny reasons, merges session controls and writes per-policy results.

use jiff::Timestamp;

use crate::diag::Diagnostic;
use crate::model::Policy;
use crate::model::enums::{
    CaeMode, CloudAppSecurityType, FrequencyAuthType, FrequencyInterval, FrequencyUnit,
    PersistentBrowserMode, PolicyState,
};
use crate::model::policy::SignInFrequency;
use crate::model::request::{SignInContext, SignInRequest};
use crate::signin::decision::{
    CaStatus, Decision, DenyReason, Effective, EffectiveFlag, EffectiveSessionControls,
    EffectiveSignInFrequency, Outcome, PassThrough, PolicyResult, PolicyResultKind, Requirement,
    RequirementItem, SignInDecision, claims_challenge,
};

/// A policy's grant verdict (§3.13).
#[derive(Debug, Clone, PartialEq)]
pub enum Grant {
    /// Nothing more is needed.
    Satisfied,
    /// Each inner list is one clause (`anyOf`); all clauses are required.
    Clauses(Vec<Vec<RequirementItem>>),
    /// The policy blocks.
    Block,
    /// Non-interactive controls failed (their names).
    Unsatisfied(Vec<String>),
}

/// What one evaluator concluded about one policy.
pub struct PolicyVerdict<'p> {
    /// The policy.
    pub policy: &'p Policy,
    /// What If analysis-reason bits (0 when it applies).
    pub reasons: u32,
    /// Every condition matched.
    pub applies: bool,
    /// Its own sign-in frequency requires re-authentication.
    pub sif_failed: bool,
    /// The grant verdict.
    pub grant: Grant,
    /// Graph names of unsatisfied controls.
    pub unsatisfied: Vec<String>,
    /// For an enforced policy that missing request data alone kept from applying (or, under
    /// assume-worst, made apply) and that would deny or require something: which data (a
    /// [`crate::signin::decision::missing`] mask). Zero otherwise.
    pub missing: u8,
}

/// Builds the decision from per-policy verdicts in policy order.
pub fn render(
    req: &SignInRequest,
    t: Timestamp,
    explain: bool,
    mut evals: Vec<PolicyVerdict<'_>>,
    tenant_warnings: &[Diagnostic],
    eval_warnings: Vec<Diagnostic>,
) -> SignInDecision {
    // What this evaluation noticed; tenant warnings are reported once, not per decision (§1.6).
    let warnings = eval_warnings;
    let mut deny_reasons = Vec::new();
    let mut requirements: Vec<Requirement> = Vec::new();
    {
        let stale: smallvec::SmallVec<[&PolicyVerdict<'_>; 8]> = evals
            .iter()
            .filter(|e| e.applies && e.sif_failed && e.policy.is_enforced())
            .collect();
        if !stale.is_empty() {
            requirements.push(reauthentication_requirement(&stale));
        }
    }
    let mut status = CaStatus::NotApplied;
    let mut results = Vec::new();
    for e in &mut evals {
        let p = e.policy;
        let outcome = if !p.is_evaluated() {
            Outcome::NotEnabled
        } else if !e.applies {
            Outcome::NotApplied
        } else {
            match &e.grant {
                Grant::Block | Grant::Unsatisfied(_) => Outcome::Deny,
                Grant::Clauses(_) => Outcome::StepUp,
                Grant::Satisfied if e.sif_failed => Outcome::StepUp,
                Grant::Satisfied => Outcome::Satisfied,
            }
        };
        if p.is_enforced() && e.applies {
            match &mut e.grant {
                Grant::Block => deny_reasons.push(DenyReason::BlockedByPolicy {
                    policy_id: p.id.clone(),
                    display_name: p.display_name.clone(),
                }),
                Grant::Unsatisfied(controls) => {
                    deny_reasons.push(DenyReason::UnsatisfiedNonInteractiveControls {
                        policy_id: p.id.clone(),
                        display_name: p.display_name.clone(),
                        controls: controls.clone(),
                    })
                }
                Grant::Clauses(clauses) => {
                    // Moved, not cloned: nothing reads a verdict's clauses after this.
                    for clause in std::mem::take(clauses) {
                        add_clause(&mut requirements, clause, &p.id);
                    }
                }
                Grant::Satisfied => {}
            }
            status = match (status, outcome) {
                (_, Outcome::StepUp | Outcome::Deny) | (CaStatus::Failure, _) => CaStatus::Failure,
                _ => CaStatus::Success,
            };
        }
        if explain && (!req.applied_policies_only || e.applies) {
            let mut result = policy_result(e, outcome);
            if e.applies || e.missing != 0 {
                result.warnings = warnings_about(p, tenant_warnings);
            }
            results.push(result);
        }
    }
    let decision = if !deny_reasons.is_empty() {
        Decision::Deny
    } else if !requirements.is_empty() {
        Decision::StepUp
    } else {
        Decision::Allow
    };
    if decision == Decision::Deny {
        requirements.clear();
    } else {
        requirements.sort_by_key(|r| {
            r.any_of
                .iter()
                .map(RequirementItem::rank)
                .min()
                .unwrap_or(u8::MAX)
        });
    }
    let session_controls = if decision == Decision::Deny {
        EffectiveSessionControls::default()
    } else {
        merge_session_controls(&evals)
    };
    let claims = match (&req.context, decision) {
        (SignInContext::AuthContext(cx), Decision::StepUp) => Some(claims_challenge(cx)),
        _ => None,
    };
    let mut all_warnings: Vec<Diagnostic> = warnings;
    all_warnings.dedup();
    if let Some(w) = missing_data(&evals) {
        all_warnings.push(w);
    }
    SignInDecision {
        id: req.id.clone(),
        decision,
        evaluated_at: t.to_string(),
        conditional_access_status: status,
        requirements,
        deny_reasons,
        claims_challenge: claims,
        session_controls,
        policies: explain.then_some(results),
        warnings: all_warnings,
        revision: None,
    }
}

/// The `missingData` warning (§7): every enforced policy that absent or unknown request data
/// kept from applying and that would have denied or required something.
fn missing_data(evals: &[PolicyVerdict<'_>]) -> Option<Diagnostic> {
    let mut fields = 0u8;
    let mut policy_ids = Vec::new();
    for e in evals.iter().filter(|e| e.missing != 0) {
        fields |= e.missing;
        policy_ids.push(e.policy.id.clone());
    }
    if policy_ids.is_empty() {
        return None;
    }
    let fields = crate::signin::decision::missing::names(fields);
    Some(Diagnostic {
        severity: crate::diag::Severity::Warning,
        code: "missingData",
        file: "request".to_owned(),
        path: "$.signInConditions".to_owned(),
        message: format!(
            "{} absent or unknown: {} could apply with some value of it and would deny or require more (assume-worst decides as if they applied)",
            fields.join(", "),
            if policy_ids.len() == 1 {
                "1 policy".to_owned()
            } else {
                format!("{} policies", policy_ids.len())
            }
        ),
        fields,
        policy_ids,
    })
}

/// Orders a clause's options in prompt order, without duplicates.
pub fn sorted(mut items: Vec<RequirementItem>) -> Vec<RequirementItem> {
    items.sort_by_key(RequirementItem::rank);
    items.dedup();
    items
}

/// Adds a clause, merging it with an identical one (policy ids unioned, §6 step 11.2).
fn add_clause(list: &mut Vec<Requirement>, any_of: Vec<RequirementItem>, policy_id: &str) {
    if let Some(existing) = list.iter_mut().find(|r| r.any_of == any_of) {
        if !existing.policy_ids.iter().any(|p| p == policy_id) {
            existing.policy_ids.push(policy_id.to_owned());
        }
    } else {
        list.push(Requirement {
            any_of,
            policy_ids: vec![policy_id.to_owned()],
            source: None,
        });
    }
}

fn policy_result(e: &PolicyVerdict<'_>, outcome: Outcome) -> PolicyResult {
    let p = e.policy;
    let report_only = p.state == PolicyState::ReportOnly;
    let result = match (p.is_evaluated(), report_only, outcome) {
        (false, _, _) => PolicyResultKind::NotEnabled,
        (true, false, Outcome::NotApplied) => PolicyResultKind::NotApplied,
        (true, false, Outcome::Satisfied) => PolicyResultKind::Success,
        (true, false, _) => PolicyResultKind::Failure,
        (true, true, Outcome::NotApplied) => PolicyResultKind::ReportOnlyNotApplied,
        (true, true, Outcome::Satisfied) => PolicyResultKind::ReportOnlySuccess,
        (true, true, Outcome::StepUp) => PolicyResultKind::ReportOnlyInterrupted,
        (true, true, _) => PolicyResultKind::ReportOnlyFailure,
    };
    let (grant, session, unsatisfied) = if e.applies {
        (
            Some(enforced_grant_controls(p)),
            Some(p.session.names().into_iter().map(str::to_owned).collect()),
            Some(e.unsatisfied.clone()),
        )
    } else {
        (None, None, None)
    };
    PolicyResult {
        id: p.id.clone(),
        display_name: p.display_name.clone(),
        state: p.state.clone(),
        policy_applies: e.applies,
        analysis_reasons: e.reasons,
        result,
        outcome,
        enforced_grant_controls: grant,
        enforced_session_controls: session,
        unsatisfied_controls: unsatisfied,
        warnings: Vec::new(),
    }
}

/// The tenant warnings read at this policy's place in the export (its file and JSON path).
fn warnings_about(p: &Policy, tenant_warnings: &[Diagnostic]) -> Vec<Diagnostic> {
    let (file, path) = crate::model::read::split_source(&p.source);
    tenant_warnings
        .iter()
        .filter(|w| {
            w.file == file
                && w.path
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
        .cloned()
        .collect()
}

/// Graph names of a policy's grant controls; a strength appears as `authenticationStrength`.
pub fn enforced_grant_controls(p: &Policy) -> Vec<String> {
    let Some(g) = &p.grant else { return Vec::new() };
    let mut out: Vec<String> = g.built_in.iter().map(|c| c.as_str().to_owned()).collect();
    if g.strength.is_some() {
        out.push("authenticationStrength".to_owned());
    }
    if !g.terms_of_use.is_empty() {
        out.push("termsOfUse".to_owned());
    }
    if !g.custom_factors.is_empty() {
        out.push("customAuthenticationFactor".to_owned());
    }
    out
}

/// The single reauthentication requirement for the enforced policies whose frequency failed.
fn reauthentication_requirement(failed: &[&PolicyVerdict<'_>]) -> Requirement {
    let mut shortest: Option<&SignInFrequency> = None;
    let mut primary = false;
    let mut ids = Vec::new();
    for e in failed {
        let Some(f) = &e.policy.session.sign_in_frequency else {
            continue;
        };
        ids.push(e.policy.id.clone());
        primary |= !matches!(f.auth_type, Some(FrequencyAuthType::Secondary));
        if shortest.is_none_or(|s| frequency_order(f) < frequency_order(s)) {
            shortest = Some(f);
        }
    }
    let (interval, value, unit) = match shortest {
        Some(f) if f.interval == FrequencyInterval::TimeBased => {
            (FrequencyInterval::TimeBased, f.value, f.unit.clone())
        }
        _ => (FrequencyInterval::EveryTime, None, None),
    };
    Requirement {
        any_of: vec![RequirementItem::Reauthentication {
            authentication_type: if primary {
                FrequencyAuthType::PrimaryAndSecondary
            } else {
                FrequencyAuthType::Secondary
            },
            frequency_interval: interval,
            value,
            frequency_type: unit,
            reason: "signInFrequency",
        }],
        policy_ids: ids,
        source: None,
    }
}

/// Sign-in frequencies shortest first; of equal length (24 hours and 1 day), hours first, then
/// the smaller value (lengths saturate), so the effective one does not depend on policy order
/// (§3.14 rule 5).
fn frequency_order(f: &SignInFrequency) -> (i64, bool, Option<i64>) {
    (
        f.seconds(),
        !matches!(f.unit, Some(FrequencyUnit::Hours)),
        f.value,
    )
}

/// Merges session controls over the enforced policies that apply; strictest wins (§3.14).
fn merge_session_controls(evals: &[PolicyVerdict<'_>]) -> EffectiveSessionControls {
    let mut out = EffectiveSessionControls::default();
    let applied = evals.iter().filter(|e| e.applies && e.policy.is_enforced());
    let mut sif: Vec<(&Policy, &SignInFrequency)> = Vec::new();
    for e in applied {
        let p = e.policy;
        let s = &p.session;
        if let Some(f) = &s.sign_in_frequency {
            sif.push((p, f));
        }
        if let Some(mode) = &s.persistent_browser {
            let rank = |m: &PersistentBrowserMode| u8::from(*m == PersistentBrowserMode::Never);
            merge_ranked(&mut out.persistent_browser, mode, &p.id, rank);
        }
        if let Some(mode) = &s.cloud_app_security {
            let rank = |m: &CloudAppSecurityType| match m {
                CloudAppSecurityType::BlockDownloads => 3,
                CloudAppSecurityType::McasConfigured => 2,
                CloudAppSecurityType::MonitorOnly => 1,
                CloudAppSecurityType::Unknown(_) => 0,
            };
            merge_ranked(&mut out.cloud_app_security, mode, &p.id, rank);
        }
        if let Some(mode) = &s.continuous_access_evaluation {
            let rank = |m: &CaeMode| match m {
                CaeMode::StrictLocation => 3,
                CaeMode::StrictEnforcement => 2,
                CaeMode::Disabled => 1,
                CaeMode::Unknown(_) => 0,
            };
            merge_ranked(&mut out.continuous_access_evaluation, mode, &p.id, rank);
        }
        for (on, slot) in [
            (
                s.application_enforced_restrictions,
                &mut out.application_enforced_restrictions,
            ),
            (s.secure_sign_in_session, &mut out.secure_sign_in_session),
            (
                s.disable_resilience_defaults,
                &mut out.disable_resilience_defaults,
            ),
        ] {
            if on {
                slot.get_or_insert_with(|| EffectiveFlag {
                    is_enabled: true,
                    policy_ids: Vec::new(),
                })
                .policy_ids
                .push(p.id.clone());
            }
        }
        for (name, value) in &s.passthrough {
            out.passthrough.push(PassThrough {
                name: name.clone(),
                value: value.to_value(),
                policy_id: p.id.clone(),
            });
        }
    }
    // By control and value, not policy order (§3.14).
    // Values are written out only to order two of the same control: no allocation otherwise.
    out.passthrough.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.value.to_string().cmp(&b.value.to_string()))
    });
    if let Some((_, shortest)) = sif.iter().min_by_key(|(_, f)| frequency_order(f)) {
        let primary = sif
            .iter()
            .any(|(_, f)| !matches!(f.auth_type, Some(FrequencyAuthType::Secondary)));
        let timed = shortest.interval == FrequencyInterval::TimeBased;
        out.sign_in_frequency = Some(EffectiveSignInFrequency {
            frequency_interval: if timed {
                FrequencyInterval::TimeBased
            } else {
                FrequencyInterval::EveryTime
            },
            value: if timed { shortest.value } else { None },
            unit: if timed { shortest.unit.clone() } else { None },
            authentication_type: if primary {
                FrequencyAuthType::PrimaryAndSecondary
            } else {
                FrequencyAuthType::Secondary
            },
            // The policies whose interval is the effective (shortest) one.
            policy_ids: sif
                .iter()
                .filter(|(_, f)| f.seconds() == shortest.seconds())
                .map(|(p, _)| p.id.clone())
                .collect(),
        });
    }
    out
}

fn merge_ranked<T: Clone + PartialEq + std::fmt::Debug>(
    slot: &mut Option<Effective<T>>,
    mode: &T,
    id: &str,
    rank: impl Fn(&T) -> u8,
) {
    match slot {
        Some(cur) if rank(&cur.mode) > rank(mode) => {}
        Some(cur) if cur.mode == *mode => cur.policy_ids.push(id.to_owned()),
        // Two values of equal rank (values this version does not know): the one that sorts
        // first wins, whatever the policy order.
        Some(cur)
            if rank(&cur.mode) == rank(mode) && format!("{:?}", cur.mode) < format!("{mode:?}") => {
        }
        _ => {
            *slot = Some(Effective {
                mode: mode.clone(),
                policy_ids: vec![id.to_owned()],
            });
        }
    }
}
