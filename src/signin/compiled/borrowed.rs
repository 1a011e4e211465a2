//! The decision straight from the policy sets: it borrows every id, name and requirement option
//! from the snapshot (prepared when the snapshot was compiled) and the request, so building it,
//! reading it and writing it as JSON, with or without the per-policy results, allocate nothing in
//! the usual case. [`BorrowedDecision::to_decision`] gives the [`SignInDecision`] without explain
//! the rest of the library works with; the two agree byte for byte, and
//! [`BorrowedDecision::write_json_explained`] writes the explained decision's bytes.

use super::grants::GrantKind;
use super::*;
use crate::diag::{Diagnostic, Severity};
use crate::model::enums::Spelled;
use crate::signin::combine::{
    MissingDataMessage, SessionMerge, message, reauthentication_item, result_kind,
};
use crate::signin::decision::{
    CaStatus, ClaimsChallenge, DenyReason, Outcome, PolicyResultKind, Requirement,
};
use crate::signin::json_out as out;

pub(super) mod explained;

/// The options of one requirement: borrowed from the snapshot, or the re-authentication built
/// for this request.
#[derive(Debug, Clone)]
enum Options<'a> {
    Reauthentication(RequirementItem),
    /// A clause prepared at compile time.
    Prepared(&'a Clause),
}

impl Options<'_> {
    fn items(&self) -> &[RequirementItem] {
        match self {
            Options::Reauthentication(item) => std::slice::from_ref(item),
            Options::Prepared(clause) => &clause.items,
        }
    }

    /// The same options: two prepared clauses by their keys, else item by item.
    fn same(&self, other: &Options<'_>) -> bool {
        match (self, other) {
            (Options::Prepared(a), Options::Prepared(b)) => a.key == b.key,
            _ => self.items() == other.items(),
        }
    }
}

/// One requirement and the policies that asked for it (a set: they are listed in policy order,
/// the order they are added in).
#[derive(Debug, Clone)]
struct Need<'a> {
    any_of: Options<'a>,
    policies: Bits,
}

impl Need<'_> {
    fn rank(&self) -> u8 {
        self.any_of
            .items()
            .iter()
            .map(RequirementItem::rank)
            .min()
            .unwrap_or(u8::MAX)
    }
}

/// A sign-in decision borrowing from the snapshot and the request: the decision without explain,
/// whose per-policy results are worked out only when written
/// ([`BorrowedDecision::write_json_explained`]).
///
/// Building, reading and writing it allocate nothing in the usual case: a tenant of up to 256
/// policies, and lists within their inline room (up to 4 requirements, 4 policies that missing
/// data kept out, 8 controls in one policy, 4 policies sharing one session control's value).
/// Longer lists, pass-through session controls (copied as the export gave them), two unknown
/// values of one session control, and an unknown sign-in frequency unit allocate.
///
/// ```
/// # let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
/// let snapshot = jitgate::Snapshot::compile(jitgate::load(&root.join("examples/tenant"))?);
/// let line = std::fs::read_to_string(root.join("examples/signins.jsonl"))?;
/// let request = jitgate::SignInRequest::from_json(line.lines().next().unwrap_or_default())?;
/// let decision = snapshot.evaluate_borrowed(&request);
/// let mut json = Vec::new();
/// decision.write_json(&mut json);
/// // The bytes and the answer of the owned decision `Snapshot::evaluate` gives.
/// let owned = snapshot.evaluate(&request, jitgate::Explain::None);
/// assert_eq!(json, serde_json::to_vec(&owned)?);
/// assert_eq!(decision.decision(), owned.decision);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BorrowedDecision<'a> {
    policies: &'a CompiledPolicies,
    p: Prepared<'a>,
    decision: Decision,
    status: CaStatus,
    /// Every policy that applies (report-only ones too).
    applicable: Bits,
    /// The enforced policies that apply.
    enforced: Bits,
    /// The methods the grants saw (none when a frequency failed).
    methods: MethodSet,
    /// Applying policies (report-only ones too) whose sign-in frequency failed.
    sif_failed: Bits,
    /// Enforced policies that deny.
    denied: Bits,
    /// Requirements in prompt order (empty when denied).
    needs: SmallVec<[Need<'a>; 4]>,
    missing: SmallVec<[(usize, u8); 4]>,
    future: bool,
}

impl CompiledPolicies {
    /// The decision for a prepared request, without allocating in the usual case (see
    /// [`BorrowedDecision`]): what [`CompiledPolicies::evaluate_prepared`] renders, borrowed, with
    /// the request's own warnings first; its per-policy results are written on demand.
    pub fn evaluate_borrowed<'a>(&'a self, p: Prepared<'a>) -> BorrowedDecision<'a> {
        let applicable = self.applicable(&p);
        let mut with_sif = applicable.clone();
        with_sif.and(&self.has_sif);
        let mut future = false;
        let mut stale = Bits::empty(self.n);
        for i in with_sif.iter() {
            let (failed, fut) = self.sif_failed(i, &p);
            future |= fut;
            if failed {
                stale.insert(i);
            }
        }
        let sif_failed = stale.clone();
        stale.and(&self.enforced);
        let methods = if stale.is_empty() {
            p.req.session.methods
        } else {
            MethodSet::default()
        };
        let missing = self.missing_data(&p, &self.evaluated, &applicable, methods);
        let mut enforced = applicable.clone();
        enforced.and(&self.enforced);
        let mut needs: SmallVec<[Need<'a>; 4]> = SmallVec::new();
        if !stale.is_empty() {
            let item = reauthentication_item(stale.iter().filter_map(|i| self.policy(i)));
            needs.push(Need {
                any_of: Options::Reauthentication(item),
                policies: stale.clone(),
            });
        }
        let mut denied = Bits::empty(self.n);
        // Failure: a policy denies or still needs something, or its session is stale (§6 step
        // 13; `stale` holds enforced policies only).
        let mut failed = !stale.is_empty();
        // A satisfied grant adds no need: only the others are visited, one by one.
        let mut unsatisfied = enforced.clone();
        if !enforced.is_empty()
            && let Some(satisfied) = self.satisfied_grants(&p, methods)
        {
            unsatisfied.and_not(&satisfied);
        }
        for i in unsatisfied.iter() {
            let grant = self.add_needs(i, &p, methods, &mut needs);
            failed |= grant != GrantKind::Satisfied;
            if grant == GrantKind::Deny {
                denied.insert(i);
            }
        }
        let decision = if !denied.is_empty() {
            needs.clear();
            Decision::Deny
        } else if !needs.is_empty() {
            insertion_sort_by_rank(&mut needs);
            Decision::StepUp
        } else {
            Decision::Allow
        };
        let status = if failed {
            CaStatus::Failure
        } else if enforced.is_empty() {
            CaStatus::NotApplied
        } else {
            CaStatus::Success
        };
        BorrowedDecision {
            policies: self,
            p,
            decision,
            status,
            applicable,
            enforced,
            methods,
            sif_failed,
            denied,
            needs,
            missing,
            future,
        }
    }

    /// Adds policy `i`'s unmet grant clauses to `needs`, merging identical ones (§6 step 11.2);
    /// says what the grant came to.
    fn add_needs<'a>(
        &'a self,
        i: usize,
        p: &Prepared<'_>,
        methods: MethodSet,
        needs: &mut SmallVec<[Need<'a>; 4]>,
    ) -> GrantKind {
        self.grant_of(i, p, methods, |clause| {
            self.add_need(needs, Options::Prepared(clause), i);
        })
    }

    fn add_need<'a>(&self, needs: &mut SmallVec<[Need<'a>; 4]>, any_of: Options<'a>, i: usize) {
        let id = |k: usize| self.policy(k).map(|p| p.id.as_str());
        if let Some(existing) = needs.iter_mut().find(|n| n.any_of.same(&any_of)) {
            if self.ids_unique || !existing.policies.iter().any(|k| id(k) == id(i)) {
                existing.policies.insert(i);
            }
        } else {
            let mut policies = Bits::empty(self.n);
            policies.insert(i);
            needs.push(Need { any_of, policies });
        }
    }
}

/// The ids of the policies that deny `d`, sorted.
fn sorted_ids<'a>(d: &BorrowedDecision<'a>) -> SmallVec<[&'a str; 8]> {
    let mut ids: SmallVec<[&'a str; 8]> = d.denying_policy_ids().collect();
    ids.sort_unstable();
    ids
}

/// Stable, in place, without the scratch buffer a library sort may take.
fn insertion_sort_by_rank(needs: &mut [Need<'_>]) {
    for k in 1..needs.len() {
        let mut j = k;
        while j > 0 && needs.get(j - 1).map(Need::rank) > needs.get(j).map(Need::rank) {
            needs.swap(j - 1, j);
            j -= 1;
        }
    }
}

impl<'a> BorrowedDecision<'a> {
    /// Allow, step-up or deny.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// The aggregate `conditionalAccessStatus`.
    pub fn conditional_access_status(&self) -> CaStatus {
        self.status
    }

    /// The ids of the enforced policies that deny, in policy order.
    pub fn denying_policy_ids(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.denied.iter().filter_map(|i| self.id(i))
    }

    /// The requirements in prompt order: each one's options and the ids of the policies that
    /// asked for it.
    pub fn requirements(
        &self,
    ) -> impl Iterator<Item = (&[RequirementItem], impl Iterator<Item = &'a str> + '_)> + '_ {
        self.needs.iter().map(|n| {
            (
                n.any_of.items(),
                n.policies.iter().filter_map(|i| self.id(i)),
            )
        })
    }

    /// The policies (their indices in the tenant's policy list) that required something or
    /// denied: a summary can count them without hashing their ids.
    /// Each is visited once, in policy order.
    pub fn for_each_acting_policy(&self, mut f: impl FnMut(usize)) {
        let mut all = self.denied.clone();
        for n in &self.needs {
            all.or(&n.policies);
        }
        all.iter().for_each(&mut f);
    }

    /// Did missing request data keep an enforced policy that would deny or require more from
    /// applying (the `missingData` warning)?
    pub fn has_missing_data(&self) -> bool {
        !self.missing.is_empty()
    }

    /// Each policy's result as a sign-in log records it (Graph's `result`), in the tenant's
    /// policy order: the policies and results the explained decision lists
    /// ([`crate::Explain::Policies`]: every policy, or the applying ones when the request asks for
    /// `appliedPoliciesOnly`), computed from the policy sets without building the per-policy
    /// results.
    pub fn policy_results(&self) -> impl Iterator<Item = (&'a str, PolicyResultKind)> + '_ {
        (0..self.policies.n)
            .filter(|&i| self.lists(i))
            .filter_map(|i| Some((self.id(i)?, self.policy_result(i)?)))
    }

    /// Does the explained decision list policy `i`?
    pub(crate) fn lists(&self, i: usize) -> bool {
        !self.p.req.applied_policies_only || self.applicable.contains(i)
    }

    /// Policy `i`'s result (see [`BorrowedDecision::policy_results`]).
    pub(crate) fn policy_result(&self, i: usize) -> Option<PolicyResultKind> {
        let policy = self.policies.policy(i)?;
        if !self.applicable.contains(i) {
            // No controls to check.
            return Some(result_kind(policy, self.outcome(i, policy, &[])));
        }
        let flags = self.policies.controls(i, &self.p, self.methods);
        Some(result_kind(policy, self.outcome(i, policy, &flags)))
    }

    /// What policy `i` alone comes to (`flags`: its controls as checked, for one that applies),
    /// as the renderer's per-policy outcome.
    pub(crate) fn outcome(&self, i: usize, policy: &Policy, flags: &[(bool, bool)]) -> Outcome {
        if !policy.is_evaluated() {
            return Outcome::NotEnabled;
        }
        if !self.applicable.contains(i) {
            return Outcome::NotApplied;
        }
        match self.policies.grant_with(i, flags, |_| {}) {
            GrantKind::Deny => Outcome::Deny,
            GrantKind::Clauses => Outcome::StepUp,
            GrantKind::Satisfied if self.sif_failed.contains(i) => Outcome::StepUp,
            GrantKind::Satisfied => Outcome::Satisfied,
        }
    }

    /// The tenant's policy count (indices of [`BorrowedDecision::policy_result`] run below it).
    pub(crate) fn policy_count(&self) -> usize {
        self.policies.n
    }

    /// Do this decision and `other` (the same sign-in, typically under two tenants) come to the
    /// same thing for the user: the same decision, the same requirements (their options, in
    /// prompt order; not which policies asked), the same denying policies (by id, in any order)
    /// and the same session controls, including the policies that set them? Impact analysis
    /// reports nothing for a sign-in where they do. Allocates only when more than eight
    /// policies deny, or to order and compare pass-through session controls.
    pub fn same_outcome(&self, other: &BorrowedDecision<'_>) -> bool {
        if self.decision != other.decision {
            return false;
        }
        let needs = self.needs.iter().map(|n| n.any_of.items());
        if !needs.eq(other.needs.iter().map(|n| n.any_of.items())) {
            return false;
        }
        if sorted_ids(self) != sorted_ids(other) {
            return false;
        }
        self.merge().same_controls(&other.merge())
    }

    /// The request fields whose absence kept a policy from applying (the `missingData`
    /// warning's `fields`), in the warning's order.
    pub fn missing_data_fields(&self) -> impl Iterator<Item = &'static str> {
        missing::iter_names(self.missing_mask())
    }

    /// Every field missing data names (a [`missing`] mask).
    fn missing_mask(&self) -> u8 {
        self.missing.iter().fold(0u8, |m, (_, f)| m | f)
    }

    /// Policy `i`'s id.
    pub(crate) fn id(&self, i: usize) -> Option<&'a str> {
        self.policies.policy(i).map(|p| p.id.as_str())
    }

    fn merge(&self) -> SessionMerge<'a> {
        if self.decision == Decision::Deny {
            return SessionMerge::default();
        }
        // Policies without session controls add nothing: their records are not read.
        let mut with_controls = self.enforced.clone();
        with_controls.and(&self.policies.has_session);
        SessionMerge::of(with_controls.iter().filter_map(|i| self.policies.policy(i)))
    }

    /// The claims challenge's authentication context, for a step-up to one.
    fn auth_context(&self) -> Option<&'a str> {
        match (&self.p.req.context, self.decision) {
            (SignInContext::AuthContext(cx), Decision::StepUp) => Some(cx),
            _ => None,
        }
    }

    /// Applied policies whose authentication strength cannot be resolved, with that strength,
    /// in policy order.
    fn for_each_unresolved_strength(&self, mut f: impl FnMut(&'a Policy, &'a str)) {
        // The policies with such a strength are known at compile: no other policy's record is
        // read.
        let mut unresolved = self.applicable.clone();
        unresolved.and(&self.policies.unresolved_strength);
        for i in unresolved.iter() {
            if let Some(policy) = self.policies.policy(i)
                && let Some(id) = policy.grant.as_ref().and_then(|g| g.strength.as_deref())
            {
                f(policy, id);
            }
        }
    }

    /// The owned decision: equal to what [`CompiledPolicies::evaluate_prepared`] renders without
    /// explain, with the request's own warnings first.
    pub fn to_decision(&self) -> SignInDecision {
        let requirements = self
            .needs
            .iter()
            .map(|n| {
                // Sized once: a requirement of many policies would otherwise grow its list.
                let mut policy_ids = Vec::with_capacity(n.policies.count());
                policy_ids.extend(
                    n.policies
                        .iter()
                        .filter_map(|i| self.id(i))
                        .map(str::to_owned),
                );
                Requirement {
                    any_of: n.any_of.items().to_vec(),
                    policy_ids,
                    source: None,
                }
            })
            .collect();
        let deny_reasons = self
            .denied
            .iter()
            .filter_map(|i| {
                let p = self.policies.policy(i)?;
                Some(if self.blocks(i) {
                    DenyReason::BlockedByPolicy {
                        policy_id: p.id.clone(),
                        display_name: p.display_name.clone(),
                    }
                } else {
                    DenyReason::UnsatisfiedNonInteractiveControls {
                        policy_id: p.id.clone(),
                        display_name: p.display_name.clone(),
                        controls: self.denying_controls(i).map(str::to_owned).collect(),
                    }
                })
            })
            .collect();
        // Empty when denied: `merge` merges nothing then.
        let session_controls = self.merge().to_owned_controls();
        let mut warnings = self.p.req.warnings.clone();
        self.each_warning(|w| {
            warnings.push(Diagnostic {
                severity: Severity::Warning,
                code: w.code,
                file: "request".to_owned(),
                path: w.path.to_owned(),
                message: crate::signin::combine::message::text(w.message),
                fields: w.fields.map(missing::names).unwrap_or_default(),
                policy_ids: w
                    .fields
                    .map(|_| self.missing.iter().filter_map(|(i, _)| self.id(*i)))
                    .into_iter()
                    .flatten()
                    .map(str::to_owned)
                    .collect(),
            });
        });
        SignInDecision {
            id: self.p.req.id.clone(),
            decision: self.decision,
            evaluated_at: self.p.t,
            conditional_access_status: self.status,
            requirements,
            deny_reasons,
            claims_challenge: self
                .auth_context()
                .map(|cx| ClaimsChallenge(cx).to_string()),
            session_controls,
            policies: None,
            warnings,
            revision: Some(self.policies.revision),
        }
    }

    fn blocks(&self, i: usize) -> bool {
        matches!(self.policies.grants.get(i), Some(CompiledGrant::Block))
    }

    /// The controls a denying policy failed that no prompt can provide; none for a block.
    fn denying_controls(&self, i: usize) -> impl Iterator<Item = &'a str> + '_ {
        let (and, controls) = match self.policies.grants.get(i) {
            Some(CompiledGrant::Controls { and, controls, .. }) => (*and, &controls[..]),
            _ => (false, &[][..]),
        };
        let flags = if controls.is_empty() {
            SmallVec::new()
        } else {
            self.policies.controls(i, &self.p, self.methods)
        };
        controls
            .iter()
            .zip(flags)
            // Under AND the failed controls no prompt can provide; under OR every control (none
            // was satisfied).
            .filter(move |(_, (s, int))| !(*s || (and && *int)))
            .map(|((_, name), _)| name.as_str())
    }

    /// The evaluation's warnings in the order the renderer reports them (§1.6), `missingData`
    /// last.
    fn each_warning(&self, mut f: impl FnMut(Warning<'_>)) {
        let p = &self.p;
        if p.unknown_user
            && let Identity::User { user_id, .. } = &p.req.identity
        {
            f(Warning {
                code: "unknownUser",
                path: "$.signInIdentity.userId",
                message: &message::UnknownUser(user_id),
                fields: None,
            });
        }
        if let Some(n) = p.too_many_groups {
            f(Warning {
                code: "tooManyGroups",
                path: "$.signInIdentity.userId",
                message: &message::TooManyGroups(n),
                fields: None,
            });
        }
        if self.future {
            f(Warning {
                code: "authenticationInFuture",
                path: "$.session",
                message: &message::AuthenticationInFuture,
                fields: None,
            });
        }
        let mut previous: Option<(&str, &str)> = None;
        self.for_each_unresolved_strength(|policy, strength| {
            // Consecutive duplicates are reported once, as the renderer's dedup does.
            if previous == Some((policy.id.as_str(), strength)) {
                return;
            }
            previous = Some((policy.id.as_str(), strength));
            f(Warning {
                code: "unresolvedStrength",
                path: &policy.id,
                message: &message::UnresolvedStrength(strength),
                fields: None,
            });
        });
        if !self.missing.is_empty() {
            let mask = self.missing_mask();
            let count = self.missing.len();
            f(Warning {
                code: "missingData",
                path: "$.signInConditions",
                message: &MissingDataMessage { mask, count },
                fields: Some(mask),
            });
        }
    }

    /// Appends this decision as one line of JSON (no newline): the bytes
    /// [`SignInDecision::write_json`] writes for [`BorrowedDecision::to_decision`], without building
    /// it.
    pub fn write_json(&self, o: &mut Vec<u8>) {
        self.write(o, false);
    }

    /// The decision's JSON, with the per-policy results when `explain` is set.
    fn write(&self, o: &mut Vec<u8>, explain: bool) {
        // Every fixed key goes out with its separators as one literal run.
        if let Some(id) = &self.p.req.id {
            o.extend_from_slice(b"{\"id\":");
            out::echo_id(o, id);
            o.extend_from_slice(b",\"decision\":");
        } else {
            o.extend_from_slice(b"{\"decision\":");
        }
        out::name(o, self.decision.as_str());
        o.extend_from_slice(b",\"evaluatedAt\":");
        crate::model::time::write_json_timestamp(o, self.p.t);
        o.extend_from_slice(b",\"conditionalAccessStatus\":");
        out::name(o, self.status.as_str());
        o.extend_from_slice(b",\"requirements\":[");
        for (k, need) in self.needs.iter().enumerate() {
            if k > 0 {
                o.push(b',');
            }
            o.extend_from_slice(b"{\"anyOf\":[");
            match &need.any_of {
                Options::Reauthentication(item) => out::requirement_item(o, item),
                Options::Prepared(clause) => o.extend_from_slice(&clause.json),
            }
            o.push(b']');
            if !need.policies.is_empty() {
                o.extend_from_slice(b",\"policyIds\":[");
                for (j, i) in need.policies.iter().enumerate() {
                    if j > 0 {
                        o.push(b',');
                    }
                    if let Some(id) = self.policies.id_json.get(i) {
                        o.extend_from_slice(id);
                    }
                }
                o.push(b']');
            }
            o.push(b'}');
        }
        o.extend_from_slice(b"],\"denyReasons\":[");
        let mut any = false;
        for (i, p) in self
            .denied
            .iter()
            .filter_map(|i| Some((i, self.policies.policy(i)?)))
        {
            if any {
                o.push(b',');
            }
            any = true;
            let block = self.blocks(i);
            o.extend_from_slice(if block {
                b"{\"type\":\"blockedByPolicy\",\"policyId\":".as_slice()
            } else {
                b"{\"type\":\"unsatisfiedNonInteractiveControls\",\"policyId\":".as_slice()
            });
            if let Some(id) = self.policies.id_json.get(i) {
                o.extend_from_slice(id);
            }
            o.extend_from_slice(b",\"displayName\":");
            out::string(o, &p.display_name);
            if !block {
                o.extend_from_slice(b",\"controls\":");
                out::str_list(o, self.denying_controls(i));
            }
            o.push(b'}');
        }
        o.push(b']');
        if let Some(cx) = self.auth_context() {
            o.extend_from_slice(b",\"claimsChallenge\":");
            out::claims_challenge(o, cx);
        }
        o.extend_from_slice(b",\"sessionControls\":");
        session_controls(o, &self.merge());
        if explain {
            self.write_policies(o);
        }
        o.extend_from_slice(b",\"warnings\":[");
        any = false;
        for w in &self.p.req.warnings {
            if any {
                o.push(b',');
            }
            any = true;
            out::value(o, w);
        }
        self.each_warning(|w| {
            if any {
                o.push(b',');
            }
            any = true;
            o.extend_from_slice(b"{\"severity\":\"warning\",\"code\":");
            out::name(o, w.code);
            o.extend_from_slice(b",\"file\":\"request\",\"path\":");
            out::string(o, w.path);
            o.extend_from_slice(b",\"message\":");
            out::value(o, &format_args!("{}", w.message));
            if let Some(mask) = w.fields {
                o.extend_from_slice(b",\"fields\":");
                out::str_list(o, missing::iter_names(mask));
                o.extend_from_slice(b",\"policyIds\":");
                out::str_list(o, self.missing.iter().filter_map(|(i, _)| self.id(*i)));
            }
            o.push(b'}');
        });
        o.push(b']');
        o.extend_from_slice(&self.policies.revision_json);
    }
}

/// One evaluation warning, its message not yet formatted.
struct Warning<'w> {
    code: &'static str,
    path: &'w str,
    message: &'w dyn std::fmt::Display,
    /// For `missingData`: the fields mask.
    fields: Option<u8>,
}

/// Effective session controls as [`SignInDecision::write_json`] writes them.
fn session_controls(o: &mut Vec<u8>, m: &SessionMerge<'_>) {
    let mut first = true;
    o.push(b'{');
    if let Some(f) = m.frequency() {
        let timed = f.shortest.interval == FrequencyInterval::TimeBased;
        let interval = if timed {
            FrequencyInterval::TimeBased
        } else {
            FrequencyInterval::EveryTime
        };
        let authentication_type = if f.primary {
            FrequencyAuthType::PrimaryAndSecondary
        } else {
            FrequencyAuthType::Secondary
        };
        let shape = out::FrequencyJson {
            interval: &interval,
            value: f.shortest.value.filter(|_| timed),
            unit: f.shortest.unit.as_ref().filter(|_| timed),
            authentication_type: &authentication_type,
        };
        out::frequency(o, &mut first, &shape, m.frequency_ids(f.shortest));
    }
    let modes = [
        (
            b"persistentBrowser".as_slice(),
            m.persistent_browser
                .as_ref()
                .map(|(v, ids)| (*v as &dyn Spelled, ids)),
        ),
        (
            b"cloudAppSecurity".as_slice(),
            m.cloud_app_security
                .as_ref()
                .map(|(v, ids)| (*v as &dyn Spelled, ids)),
        ),
        (
            b"continuousAccessEvaluation".as_slice(),
            m.continuous_access_evaluation
                .as_ref()
                .map(|(v, ids)| (*v as &dyn Spelled, ids)),
        ),
    ];
    for (k, mode) in modes {
        if let Some((mode, ids)) = mode {
            out::effective(o, &mut first, k, mode, ids.iter().copied());
        }
    }
    let [restrictions, secure, resilience] = &m.flags;
    for (k, ids) in [
        (b"applicationEnforcedRestrictions".as_slice(), restrictions),
        (b"secureSignInSession".as_slice(), secure),
        (b"disableResilienceDefaults".as_slice(), resilience),
    ] {
        if !ids.is_empty() {
            out::flag(o, &mut first, k, true, ids.iter().copied());
        }
    }
    if !m.passthrough.is_empty() {
        out::key(o, &mut first, b"passthrough");
        o.push(b'[');
        for (k, (name, value, id)) in m.passthrough.iter().enumerate() {
            if k > 0 {
                o.push(b',');
            }
            o.extend_from_slice(b"{\"name\":");
            out::string(o, name);
            o.extend_from_slice(b",\"value\":");
            // The one part that allocates: such controls are rare and kept as given.
            out::value(o, &value.to_value());
            o.extend_from_slice(b",\"policyId\":");
            out::string(o, id);
            o.push(b'}');
        }
        o.push(b']');
    }
    o.push(b'}');
}
