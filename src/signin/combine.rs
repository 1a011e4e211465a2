//! Turning per-policy verdicts into the decision (docs/SEMANTICS.md §6 steps 10–14, §3.14).
//!
//! Both evaluators decide each policy their own way (the reference reads the model, the compiled
//! engine reads bitsets) and hand the same [`PolicyVerdict`]s to [`render`], which merges
//! requirements, lists deny reasons, merges session controls and writes per-policy results.

use jiff::Timestamp;
use smallvec::SmallVec;

use crate::diag::Diagnostic;
use crate::json::Json;
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
        evaluated_at: t,
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
    let message = message::text(&MissingDataMessage {
        mask: fields,
        count: policy_ids.len(),
    });
    Some(Diagnostic {
        severity: crate::diag::Severity::Warning,
        code: "missingData",
        file: "request".to_owned(),
        path: "$.signInConditions".to_owned(),
        message,
        fields: crate::signin::decision::missing::names(fields),
        policy_ids,
    })
}

/// The `missingData` message: the data (a [`crate::signin::decision::missing`] mask) and how
/// many policies it could have made apply.
pub(crate) struct MissingDataMessage {
    /// The data.
    pub mask: u8,
    /// The policies.
    pub count: usize,
}

impl std::fmt::Display for MissingDataMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, name) in crate::signin::decision::missing::iter_names(self.mask).enumerate() {
            if k > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        write!(
            f,
            " absent or unknown: {} polic{} could apply with some value of it and would deny or require more (assume-worst decides as if they applied)",
            self.count,
            if self.count == 1 { "y" } else { "ies" }
        )
    }
}

/// The evaluation warnings' messages, written once for the rendered and the borrowed decision.
pub(crate) mod message {
    use std::fmt::{Display, Formatter, Result};

    /// `message` as a `String`, allocated once as a rule: written into a string that starts
    /// empty, a message of some 200 bytes (`missingData`'s, with a few fields) grew it five
    /// times. A longer one (many fields, a long user id) grows it again.
    pub fn text(message: &dyn Display) -> String {
        use std::fmt::Write as _;
        let mut out = String::with_capacity(256);
        // Writing to a String cannot fail.
        let _ = write!(out, "{message}");
        out
    }

    /// `unknownUser`.
    pub struct UnknownUser<'a>(pub &'a str);
    /// `tooManyGroups`.
    pub struct TooManyGroups(pub usize);
    /// `authenticationInFuture`.
    pub struct AuthenticationInFuture;
    /// `unresolvedStrength`.
    pub struct UnresolvedStrength<'a>(pub &'a str);

    impl Display for UnknownUser<'_> {
        fn fmt(&self, f: &mut Formatter<'_>) -> Result {
            write!(
                f,
                "user {} is not in the tenant's users; matched by its id and by All, its groups and roles are unknown",
                self.0
            )
        }
    }

    impl Display for TooManyGroups {
        fn fmt(&self, f: &mut Formatter<'_>) -> Result {
            write!(
                f,
                "user is in {} groups; Entra may block users in more than {}",
                self.0,
                crate::validate::limits::GROUPS_PER_USER
            )
        }
    }

    impl Display for AuthenticationInFuture {
        fn fmt(&self, f: &mut Formatter<'_>) -> Result {
            f.write_str("the session's last authentication lies more than five minutes after the evaluation time; it is not accepted as proof")
        }
    }

    impl Display for UnresolvedStrength<'_> {
        fn fmt(&self, f: &mut Formatter<'_>) -> Result {
            write!(
                f,
                "authentication strength {} cannot be resolved; the control can never be satisfied",
                self.0
            )
        }
    }
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
    let result = result_kind(p, outcome);
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

/// Graph's result for a policy with this outcome (a report-only policy's own results).
pub(crate) fn result_kind(p: &Policy, outcome: Outcome) -> PolicyResultKind {
    let report_only = p.state == PolicyState::ReportOnly;
    match (p.is_evaluated(), report_only, outcome) {
        (false, _, _) => PolicyResultKind::NotEnabled,
        (true, false, Outcome::NotApplied) => PolicyResultKind::NotApplied,
        (true, false, Outcome::Satisfied) => PolicyResultKind::Success,
        (true, false, _) => PolicyResultKind::Failure,
        (true, true, Outcome::NotApplied) => PolicyResultKind::ReportOnlyNotApplied,
        (true, true, Outcome::Satisfied) => PolicyResultKind::ReportOnlySuccess,
        (true, true, Outcome::StepUp) => PolicyResultKind::ReportOnlyInterrupted,
        (true, true, _) => PolicyResultKind::ReportOnlyFailure,
    }
}

/// The tenant warnings read at this policy's place in the export (its file and JSON path).
pub(crate) fn warnings_about(p: &Policy, tenant_warnings: &[Diagnostic]) -> Vec<Diagnostic> {
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
    let policies = || failed.iter().map(|e| e.policy);
    Requirement {
        any_of: vec![reauthentication_item(policies())],
        policy_ids: policies()
            .filter(|p| p.session.sign_in_frequency.is_some())
            .map(|p| p.id.clone())
            .collect(),
        source: None,
    }
}

/// The reauthentication option for the enforced policies whose frequency failed: the shortest
/// interval, and the primary authentication if any of them measures it.
pub(crate) fn reauthentication_item<'p>(
    failed: impl Iterator<Item = &'p Policy>,
) -> RequirementItem {
    let mut shortest: Option<&SignInFrequency> = None;
    let mut primary = false;
    for f in failed.filter_map(|p| p.session.sign_in_frequency.as_ref()) {
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
    RequirementItem::Reauthentication {
        authentication_type: if primary {
            FrequencyAuthType::PrimaryAndSecondary
        } else {
            FrequencyAuthType::Secondary
        },
        frequency_interval: interval,
        value,
        frequency_type: unit,
        reason: "signInFrequency",
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
    SessionMerge::of(
        evals
            .iter()
            .filter(|e| e.applies && e.policy.is_enforced())
            .map(|e| e.policy),
    )
    .to_owned_controls()
}

/// Policy ids kept on the stack: most controls come from a few policies.
pub(crate) type Ids<'p> = SmallVec<[&'p str; 4]>;

/// Session controls merged over a set of policies (§3.14), borrowing the policies' values: both
/// the owned [`EffectiveSessionControls`] and the allocation-free decision are built from this.
#[derive(Debug, Default)]
pub(crate) struct SessionMerge<'p> {
    /// Every sign-in frequency, with its policy.
    pub frequencies: SmallVec<[(&'p Policy, &'p SignInFrequency); 4]>,
    /// Persistent browser: the winning mode and its policies.
    pub persistent_browser: Option<(&'p PersistentBrowserMode, Ids<'p>)>,
    /// Defender for Cloud Apps.
    pub cloud_app_security: Option<(&'p CloudAppSecurityType, Ids<'p>)>,
    /// Continuous access evaluation.
    pub continuous_access_evaluation: Option<(&'p CaeMode, Ids<'p>)>,
    /// App-enforced restrictions, token protection, resilience defaults disabled: their policies.
    pub flags: [Ids<'p>; 3],
    /// Pass-through controls (name, value, policy id), by name and value.
    pub passthrough: SmallVec<[(&'p str, &'p Json<'static>, &'p str); 2]>,
}

/// The effective sign-in frequency of a merge.
pub(crate) struct FrequencyMerge<'p> {
    /// The shortest interval.
    pub shortest: &'p SignInFrequency,
    /// Some policy measures the primary authentication.
    pub primary: bool,
}

impl<'p> SessionMerge<'p> {
    /// Merges the session controls of `policies` (enforced policies that apply, in order).
    pub fn of(policies: impl Iterator<Item = &'p Policy>) -> Self {
        let mut out = SessionMerge::default();
        for p in policies {
            let s = &p.session;
            if let Some(f) = &s.sign_in_frequency {
                out.frequencies.push((p, f));
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
            let [restrictions, secure, resilience] = &mut out.flags;
            for (on, ids) in [
                (s.application_enforced_restrictions, restrictions),
                (s.secure_sign_in_session, secure),
                (s.disable_resilience_defaults, resilience),
            ] {
                if on {
                    ids.push(p.id.as_str());
                }
            }
            for (name, value) in &s.passthrough {
                out.passthrough.push((name.as_str(), value, p.id.as_str()));
            }
        }
        // By control and value, not policy order (§3.14). Values are written out only to order
        // two of the same control: no allocation otherwise.
        out.passthrough.sort_by(|a, b| {
            a.0.cmp(b.0)
                .then_with(|| a.1.to_value().to_string().cmp(&b.1.to_value().to_string()))
        });
        out
    }

    /// The effective sign-in frequency, if any policy sets one.
    pub fn frequency(&self) -> Option<FrequencyMerge<'p>> {
        let (_, shortest) = self
            .frequencies
            .iter()
            .min_by_key(|(_, f)| frequency_order(f))?;
        Some(FrequencyMerge {
            shortest,
            primary: self
                .frequencies
                .iter()
                .any(|(_, f)| !matches!(f.auth_type, Some(FrequencyAuthType::Secondary))),
        })
    }

    /// The policies whose interval is the effective (shortest) one.
    pub fn frequency_ids(&self, shortest: &SignInFrequency) -> impl Iterator<Item = &'p str> + '_ {
        let seconds = shortest.seconds();
        self.frequencies
            .iter()
            .filter(move |(_, f)| f.seconds() == seconds)
            .map(|(p, _)| p.id.as_str())
    }

    /// Do the two merges come to the same [`EffectiveSessionControls`]? As comparing their
    /// [`SessionMerge::to_owned_controls`], without building them.
    pub fn same_controls(&self, other: &SessionMerge<'_>) -> bool {
        let frequency_agrees = match (self.frequency(), other.frequency()) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                let timed = a.shortest.interval == FrequencyInterval::TimeBased;
                timed == (b.shortest.interval == FrequencyInterval::TimeBased)
                    && (!timed
                        || (a.shortest.value == b.shortest.value
                            && a.shortest.unit == b.shortest.unit))
                    && a.primary == b.primary
                    && self
                        .frequency_ids(a.shortest)
                        .eq(other.frequency_ids(b.shortest))
            }
            _ => false,
        };
        frequency_agrees
            && same_mode(&self.persistent_browser, &other.persistent_browser)
            && same_mode(&self.cloud_app_security, &other.cloud_app_security)
            && same_mode(
                &self.continuous_access_evaluation,
                &other.continuous_access_evaluation,
            )
            && self
                .flags
                .iter()
                .zip(&other.flags)
                .all(|(a, b)| a.iter().eq(b.iter()))
            && self.passthrough.len() == other.passthrough.len()
            && self
                .passthrough
                .iter()
                .zip(&other.passthrough)
                .all(|(a, b)| {
                    // Objects compare by their members in any order once written out, as owned.
                    a.0 == b.0 && a.2 == b.2 && (a.1 == b.1 || a.1.to_value() == b.1.to_value())
                })
    }

    /// The owned form.
    pub fn to_owned_controls(&self) -> EffectiveSessionControls {
        let ids = |ids: &Ids<'_>| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let flag = |list: &Ids<'_>| {
            (!list.is_empty()).then(|| EffectiveFlag {
                is_enabled: true,
                policy_ids: ids(list),
            })
        };
        let [restrictions, secure, resilience] = &self.flags;
        EffectiveSessionControls {
            sign_in_frequency: self.frequency().map(|m| {
                let timed = m.shortest.interval == FrequencyInterval::TimeBased;
                EffectiveSignInFrequency {
                    frequency_interval: if timed {
                        FrequencyInterval::TimeBased
                    } else {
                        FrequencyInterval::EveryTime
                    },
                    value: if timed { m.shortest.value } else { None },
                    unit: if timed { m.shortest.unit.clone() } else { None },
                    authentication_type: if m.primary {
                        FrequencyAuthType::PrimaryAndSecondary
                    } else {
                        FrequencyAuthType::Secondary
                    },
                    policy_ids: self.frequency_ids(m.shortest).map(str::to_owned).collect(),
                }
            }),
            persistent_browser: owned_mode(&self.persistent_browser),
            cloud_app_security: owned_mode(&self.cloud_app_security),
            continuous_access_evaluation: owned_mode(&self.continuous_access_evaluation),
            application_enforced_restrictions: flag(restrictions),
            secure_sign_in_session: flag(secure),
            disable_resilience_defaults: flag(resilience),
            passthrough: self
                .passthrough
                .iter()
                .map(|(name, value, id)| PassThrough {
                    name: (*name).to_owned(),
                    value: value.to_value(),
                    policy_id: (*id).to_owned(),
                })
                .collect(),
        }
    }
}

/// Two merged controls with a value come to the same owned one. (A lifetime each: `Ids` is
/// invariant in its lifetime, so two merges of different tenants cannot meet in one.)
fn same_mode<T: PartialEq>(a: &Option<(&T, Ids<'_>)>, b: &Option<(&T, Ids<'_>)>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some((a, a_ids)), Some((b, b_ids))) => a == b && a_ids.iter().eq(b_ids.iter()),
        _ => false,
    }
}

/// A merged control with a value, owned.
fn owned_mode<T: Clone>(merged: &Option<(&T, Ids<'_>)>) -> Option<Effective<T>> {
    merged.as_ref().map(|(mode, ids)| Effective {
        mode: (*mode).clone(),
        policy_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
    })
}

fn merge_ranked<'p, T: PartialEq + std::fmt::Debug>(
    slot: &mut Option<(&'p T, Ids<'p>)>,
    mode: &'p T,
    id: &'p str,
    rank: impl Fn(&T) -> u8,
) {
    match slot {
        Some((cur, _)) if rank(cur) > rank(mode) => {}
        Some((cur, ids)) if *cur == mode => ids.push(id),
        // Two values of equal rank (values this version does not know): the one that sorts
        // first wins, whatever the policy order.
        Some((cur, _)) if rank(cur) == rank(mode) && format!("{cur:?}") < format!("{mode:?}") => {}
        _ => {
            let mut ids = Ids::new();
            ids.push(id);
            *slot = Some((mode, ids));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::SessionMerge;
    use crate::model::Policy;

    /// Policies whose session controls meet in every way a merge compares: frequencies that tie
    /// or not, modes that win or join, flags, and pass-through values equal in another order.
    fn policies() -> Vec<Policy> {
        let sessions = [
            r#"{"signInFrequency": {"isEnabled": true, "value": 4, "type": "hours", "frequencyInterval": "timeBased", "authenticationType": "primaryAndSecondaryAuthentication"}, "persistentBrowser": {"isEnabled": true, "mode": "never"}}"#,
            r#"{"signInFrequency": {"isEnabled": true, "value": 4, "type": "hours", "frequencyInterval": "timeBased", "authenticationType": "secondaryAuthentication"}, "cloudAppSecurity": {"isEnabled": true, "cloudAppSecurityType": "monitorOnly"}}"#,
            r#"{"signInFrequency": {"isEnabled": true, "frequencyInterval": "everyTime"}, "continuousAccessEvaluation": {"mode": "strictLocation"}, "secureSignInSession": {"isEnabled": true}}"#,
            r#"{"persistentBrowser": {"isEnabled": true, "mode": "always"}, "cloudAppSecurity": {"isEnabled": true, "cloudAppSecurityType": "blockDownloads"}, "applicationEnforcedRestrictions": {"isEnabled": true}, "disableResilienceDefaults": true}"#,
            r#"{"networkAccessSecurity": {"a": 1, "b": [2]}}"#,
            // The same policy in a proposed tenant, its value written in another order.
            r#"{"networkAccessSecurity": {"b": [2], "a": 1}}"#,
            r#"{"signInFrequency": {"isEnabled": true, "value": 1, "type": "days", "frequencyInterval": "timeBased"}}"#,
        ];
        sessions
            .iter()
            .enumerate()
            .map(|(i, session)| {
                let i = if i == 5 { 4 } else { i };
                let text = format!(
                    r#"{{"id": "p{i}", "displayName": "p{i}", "state": "enabled", "conditions": {{}}, "sessionControls": {session}}}"#
                );
                let json = crate::json::parse_str(&text).unwrap();
                let mut d = crate::diag::Diagnostics::new("test");
                let policy = crate::model::policy::parse_policy(&mut d, &json, "$", "x");
                assert!(!d.has_errors(), "{text}");
                policy.expect("a policy")
            })
            .collect()
    }

    #[test]
    fn same_controls_is_equality_of_the_owned_controls_for_every_pair_of_subsets() {
        let policies = policies();
        let subsets: Vec<SessionMerge<'_>> = (0..1u32 << policies.len())
            .map(|mask| {
                SessionMerge::of(
                    policies
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| mask & (1 << i) != 0)
                        .map(|(_, p)| p),
                )
            })
            .collect();
        let owned: Vec<_> = subsets
            .iter()
            .map(SessionMerge::to_owned_controls)
            .collect();
        let mut equal_pairs = 0;
        for (a, owned_a) in subsets.iter().zip(&owned) {
            for (b, owned_b) in subsets.iter().zip(&owned) {
                let same = owned_a == owned_b;
                assert_eq!(a.same_controls(b), same, "{owned_a:?}\n{owned_b:?}");
                equal_pairs += usize::from(same);
            }
        }
        // Beyond each subset with itself, some distinct subsets meet (a tie, a losing mode,
        // a pass-through value written in another order).
        assert!(equal_pairs > subsets.len(), "{equal_pairs}");
    }
}
