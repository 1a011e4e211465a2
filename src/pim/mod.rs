//! PIM activation decisions (SEMANTICS.md §8–§10): self-activation and self-deactivation of
//! directory roles and PIM for Groups memberships and ownerships.
//!
//! [`PimIndex`] indexes eligibilities, active assignments, pending requests and role management
//! policies by target once per tenant, so an activation is a few lookups plus, when the role asks
//! for an authentication context, one Conditional Access evaluation of the policies that target it.
//! That evaluation is passed in as a closure, so the reference evaluator and the compiled engine
//! share this procedure.

pub mod decision;

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::activation::ActivationRequest;
use crate::model::enums::{AccessId, AssignmentType, ScheduleAction};
use crate::model::pim::{ApprovalSetting, Approver, PimSchedule, PimTarget, PolicyRule};
use crate::model::read::format_duration;
use crate::model::request::{Identity, SignInContext, SignInRequest};
use crate::model::strength::MFA_STRENGTH_ID;
use crate::model::{Policy, Tenant};
use crate::signin::decision::{
    Decision, Explain, PolicyResultKind, Requirement, RequirementItem, SignInDecision,
    claims_challenge,
};
use decision::{
    ActivationDecision, ActivationOutcome, ApproverOut, CodeReason, ConditionalAccessOut,
    EligibilityOut, ErrorOut, ScheduleOut, TargetOut,
};

/// Global Administrator and Privileged Role Administrator: the default approvers for roles.
pub const DEFAULT_APPROVER_ROLES: [&str; 2] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
];
const FIVE_MINUTES: SignedDuration = SignedDuration::from_mins(5);
const MAX_ACTIVATION: SignedDuration = SignedDuration::from_hours(24);
const OPEN_STATUSES: [&str; 4] = [
    "PendingApproval",
    "PendingAdminDecision",
    "PendingProvisioning",
    "PendingScheduleCreation",
];

/// The end-user rules that govern an activation, with the documented defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivationRules {
    /// The policy assignment they come from (`None`: defaults).
    pub assignment_id: Option<String>,
    /// An end is required.
    pub expiration_required: bool,
    /// Maximum length, capped at PT24H.
    pub maximum_duration: SignedDuration,
    /// `MultiFactorAuthentication`, `Justification`, `Ticketing`, ...
    pub enabled_rules: Vec<String>,
    /// Authentication context rule: on, and its claim value.
    pub auth_context: Option<Option<String>>,
    /// Approval setting.
    pub approval: ApprovalSetting,
    /// Warnings about the rules (caps, defaults, conflicts).
    pub warnings: Vec<Diagnostic>,
}

/// Lookups over a tenant's PIM objects.
#[derive(Debug, Clone)]
pub struct PimIndex {
    eligibilities: HashMap<PimTarget, Vec<usize>>,
    assignments: HashMap<PimTarget, Vec<usize>>,
    groups: HashSet<String>,
    rules: HashMap<PimTarget, ActivationRules>,
}

fn rule_key(target: &PimTarget) -> PimTarget {
    // Role settings belong to the role, not to the scope (§9.1).
    match target {
        PimTarget::Role {
            role_definition_id, ..
        } => PimTarget::Role {
            role_definition_id: role_definition_id.clone(),
            directory_scope_id: None,
            app_scope_id: None,
        },
        group => group.clone(),
    }
}

fn defaults(target: &PimTarget) -> ActivationRules {
    let is_role = matches!(target, PimTarget::Role { .. });
    ActivationRules {
        assignment_id: None,
        expiration_required: true,
        maximum_duration: SignedDuration::from_hours(8),
        enabled_rules: if is_role {
            vec![
                "MultiFactorAuthentication".to_owned(),
                "Justification".to_owned(),
            ]
        } else {
            vec!["Justification".to_owned()]
        },
        auth_context: None,
        approval: ApprovalSetting::default(),
        warnings: Vec::new(),
    }
}

fn rules_from(
    target: &PimTarget,
    assignment_id: &str,
    rules: &[PolicyRule],
    source: &str,
) -> ActivationRules {
    let mut out = defaults(target);
    out.assignment_id = Some(assignment_id.to_owned());
    let mut d = Diagnostics::new("");
    let mut mfa = false;
    for rule in rules {
        let id = rule.id();
        let is = |name: &str| id.eq_ignore_ascii_case(name);
        match rule {
            PolicyRule::Expiration {
                is_expiration_required,
                maximum_duration,
                ..
            } if is("Expiration_EndUser_Assignment") => {
                out.expiration_required = *is_expiration_required;
                if let Some(max) = maximum_duration {
                    if *max > MAX_ACTIVATION {
                        d.warn(
                            "activationTooLong",
                            source,
                            format!(
                                "maximum activation {} is capped at PT24H",
                                format_duration(*max)
                            ),
                        );
                    }
                    out.maximum_duration = (*max).min(MAX_ACTIVATION);
                }
            }
            PolicyRule::Enablement { enabled_rules, .. } if is("Enablement_EndUser_Assignment") => {
                out.enabled_rules = enabled_rules.clone();
                mfa = enabled_rules
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case("MultiFactorAuthentication"));
            }
            PolicyRule::AuthenticationContext {
                is_enabled,
                claim_value,
                ..
            } if is("AuthenticationContext_EndUser_Assignment") => {
                out.auth_context = is_enabled.then(|| claim_value.clone());
            }
            PolicyRule::Approval { setting, .. } if is("Approval_EndUser_Assignment") => {
                out.approval = setting.clone();
            }
            _ => {}
        }
    }
    if mfa && out.auth_context.is_some() {
        d.warn(
            "mfaAndAuthContextRules",
            source,
            "both the MFA enablement rule and the auth-context rule are on; both are evaluated",
        );
    }
    out.warnings = d.items;
    out
}

impl PimIndex {
    /// Indexes a tenant's PIM objects.
    pub fn build(t: &Tenant) -> PimIndex {
        let mut eligibilities: HashMap<PimTarget, Vec<usize>> = HashMap::new();
        for (k, e) in t
            .pim
            .role_eligibilities
            .iter()
            .chain(&t.pim.group_eligibilities)
            .enumerate()
        {
            eligibilities.entry(e.target.clone()).or_default().push(k);
        }
        let mut assignments: HashMap<PimTarget, Vec<usize>> = HashMap::new();
        for (k, a) in t
            .pim
            .role_assignments
            .iter()
            .chain(&t.pim.group_assignments)
            .enumerate()
        {
            assignments.entry(a.target.clone()).or_default().push(k);
        }
        let mut groups: HashSet<String> = t.groups.iter().map(|g| g.id.clone()).collect();
        for s in t
            .pim
            .group_eligibilities
            .iter()
            .chain(&t.pim.group_assignments)
        {
            if let PimTarget::Group { group_id, .. } = &s.target {
                groups.insert(group_id.clone());
            }
        }
        // Principals that PIM objects hold "through a group" are groups too, as are the groups
        // CA policies and approvers name: "known as a group anywhere in the bundle" (§10.2 step 3).
        for s in t
            .pim
            .role_eligibilities
            .iter()
            .chain(&t.pim.role_assignments)
            .chain(&t.pim.group_eligibilities)
            .chain(&t.pim.group_assignments)
        {
            if s.member_type == Some(crate::model::enums::MemberType::Group) {
                groups.insert(s.principal_id.clone());
            }
        }
        for p in &t.policies {
            if let Some(u) = &p.conditions.users {
                groups.extend(
                    u.include_groups
                        .iter()
                        .chain(&u.exclude_groups)
                        .filter_map(crate::model::ids::IdRef::id)
                        .map(str::to_owned),
                );
            }
        }
        let mut rules = HashMap::new();
        for a in &t.pim.policy_assignments {
            let target = if a.scope_type.eq_ignore_ascii_case("Group") {
                PimTarget::Group {
                    group_id: a.scope_id.clone(),
                    access_id: AccessId::parse(&a.role_definition_id),
                }
            } else if a.scope_id == "/"
                && (a.scope_type.eq_ignore_ascii_case("DirectoryRole")
                    || a.scope_type.eq_ignore_ascii_case("Directory"))
            {
                PimTarget::Role {
                    role_definition_id: a.role_definition_id.clone(),
                    directory_scope_id: None,
                    app_scope_id: None,
                }
            } else {
                continue;
            };
            let policy = a.policy.as_ref().or_else(|| {
                a.policy_id.as_deref().and_then(|id| {
                    t.pim
                        .policies
                        .iter()
                        .find(|p| p.id.eq_ignore_ascii_case(id))
                })
            });
            let list = policy.map(|p| p.rules.as_slice()).unwrap_or(&[]);
            for rule in list {
                if let PolicyRule::Approval { setting, .. } = rule {
                    for stage in &setting.stages {
                        for approver in &stage.primary_approvers {
                            if let Approver::Group(g) = approver {
                                groups.insert(g.clone());
                            }
                        }
                    }
                }
            }
            let at = format!("pim.roleManagementPolicyAssignments[{}]", a.id);
            // An ambiguous assignment is a load error (see load.rs); the first one is used here.
            rules
                .entry(target.clone())
                .or_insert_with(|| rules_from(&target, &a.id, list, &at));
        }
        PimIndex {
            eligibilities,
            assignments,
            groups,
            rules,
        }
    }

    /// The end-user rules for a target (the documented defaults when no policy is assigned).
    pub fn rules(&self, target: &PimTarget) -> ActivationRules {
        match self.rules.get(&rule_key(target)) {
            Some(r) => r.clone(),
            None => {
                let mut r = defaults(target);
                let mut d = Diagnostics::new("");
                d.warn(
                    "defaultRoleSettings",
                    "pim.roleManagementPolicyAssignments",
                    "no role management policy is assigned to this target; the documented defaults apply",
                );
                r.warnings = d.items;
                r
            }
        }
    }
}

/// The schedules behind indices into `first` followed by `second`.
fn schedules<'t>(
    first: &'t [PimSchedule],
    second: &'t [PimSchedule],
    ids: Option<&Vec<usize>>,
) -> Vec<&'t PimSchedule> {
    ids.into_iter()
        .flatten()
        .filter_map(|k| {
            first
                .get(*k)
                .or_else(|| k.checked_sub(first.len()).and_then(|j| second.get(j)))
        })
        .collect()
}

/// Is `user` a direct active member of `group` at `at` (static members or an active PIM
/// group member assignment)?
fn direct_member(t: &Tenant, user: &str, group: &str, at: Timestamp) -> bool {
    t.group(group).is_some_and(|g| g.members.iter().any(|m| m == user))
        || t.pim.group_assignments.iter().any(|a| {
            a.principal_id == user
                && a.active_at(at)
                && matches!(&a.target, PimTarget::Group { group_id, access_id: AccessId::Member } if group_id == group)
        })
}

/// Every user transitively in `group` (static members only).
fn transitive_users(t: &Tenant, group: &str) -> HashSet<String> {
    let mut users = HashSet::new();
    let mut seen = HashSet::new();
    let mut stack = vec![group.to_owned()];
    while let Some(g) = stack.pop() {
        if !seen.insert(g.clone()) {
            continue;
        }
        for m in t.group(&g).map(|g| g.members.as_slice()).unwrap_or(&[]) {
            if t.group(m).is_some() {
                stack.push(m.clone());
            } else {
                users.insert(m.clone());
            }
        }
    }
    users
}

/// What the procedure recorded (§10.2 steps 4–8).
#[derive(Default)]
struct Record {
    failed_rules: Vec<&'static str>,
    codes: Vec<&'static str>,
    reasons: Vec<CodeReason>,
    requirements: Vec<Requirement>,
    acrs_step_up: Option<&'static str>,
    claims: Option<String>,
    conditional_access: Option<ConditionalAccessOut>,
}

impl Record {
    fn rule(&mut self, rule: &'static str, message: String) {
        if !self.failed_rules.contains(&rule) {
            self.failed_rules.push(rule);
        }
        self.reasons.push(CodeReason {
            code: rule,
            message,
        });
    }

    fn code(&mut self, code: &'static str, message: String) {
        if !self.codes.contains(&code) {
            self.codes.push(code);
        }
        self.reasons.push(CodeReason { code, message });
    }

    fn require(
        &mut self,
        any_of: Vec<RequirementItem>,
        policy_ids: &[String],
        source: Option<&str>,
    ) {
        if let Some(r) = self.requirements.iter_mut().find(|r| r.any_of == any_of) {
            for p in policy_ids {
                if !r.policy_ids.contains(p) {
                    r.policy_ids.push(p.clone());
                }
            }
            if r.source.is_none() {
                r.source = source.map(str::to_owned);
            }
        } else {
            self.requirements.push(Requirement {
                any_of,
                policy_ids: policy_ids.to_vec(),
                source: source.map(str::to_owned),
            });
        }
    }

    /// Deny-type failures: anything but `MfaRule` and an auth-context step-up.
    fn denies(&self) -> bool {
        self.failed_rules.iter().any(|r| *r != "MfaRule") || !self.codes.is_empty()
    }
}

/// Error codes in §10.4's table order (after the policy-validation row).
const CODE_ORDER: [&str; 11] = [
    "RoleAssignmentExists",
    "PendingRoleAssignmentRequest",
    "ActiveDurationTooShort",
    "RoleAssignmentDoesNotExist",
    "RoleAssignmentRequestAcrsValidationFailed",
    "GroupAssignmentRequestAcrsValidationFailed",
    "ActionNotSupported",
    "GroupPrincipalNotAllowed",
    "PrincipalMismatch",
    "UnsupportedPolicyRule",
    "NoApproverAvailable",
];

fn first_code(failed_rules: &[&'static str], codes: &[&'static str]) -> &'static str {
    if !failed_rules.is_empty() {
        return "RoleAssignmentRequestPolicyValidationFailed";
    }
    CODE_ORDER
        .iter()
        .find(|c| codes.contains(c))
        .copied()
        .unwrap_or("RoleAssignmentRequestPolicyValidationFailed")
}

/// Evaluates CA for an authentication context: the caller passes the evaluator and a filter
/// selecting the policies that target the context.
pub type CaEvaluate<'a> = dyn Fn(&SignInRequest, &dyn Fn(&Policy) -> bool) -> SignInDecision + 'a;

/// Decides one activation request (§10.2–§10.3).
pub fn activate(
    t: &Tenant,
    index: &PimIndex,
    req: &ActivationRequest,
    ca: &CaEvaluate<'_>,
) -> ActivationDecision {
    let now = req.time();
    let target = match &req.target {
        PimTarget::Role {
            role_definition_id,
            directory_scope_id,
            app_scope_id,
        } => TargetOut::DirectoryRole {
            role_definition_id: role_definition_id.clone(),
            directory_scope_id: directory_scope_id.clone(),
            app_scope_id: app_scope_id.clone(),
        },
        PimTarget::Group {
            group_id,
            access_id,
        } => TargetOut::Group {
            group_id: group_id.clone(),
            access_id: access_id.as_str().to_owned(),
        },
    };
    let mut out = ActivationDecision {
        id: req.id.clone(),
        decision: ActivationOutcome::Deny,
        evaluated_at: now.to_string(),
        target,
        status: None,
        schedule: None,
        eligibility: None,
        policy_assignment_id: None,
        error: None,
        claims_challenge: None,
        requirements: Vec::new(),
        approval_required: None,
        deny_reasons: Vec::new(),
        conditional_access: None,
        approvers: None,
        approval_deadline: None,
        is_validation_only: req.is_validation_only,
        warnings: Vec::new(),
        revision: None,
    };
    let deny_now = |out: &mut ActivationDecision, code: &'static str, message: String| {
        out.decision = ActivationOutcome::Deny;
        out.error = Some(ErrorOut {
            code,
            failed_rules: Vec::new(),
        });
        out.deny_reasons.push(CodeReason { code, message });
    };
    // Step 1: the window (a deactivation has none).
    let requested_start = req.schedule.start.unwrap_or(now);
    let start = requested_start.max(now);
    let end = req.schedule.end_from(requested_start);
    let length = end.map(|e| start.duration_until(e));
    if req.action != ScheduleAction::SelfDeactivate {
        out.schedule = Some(ScheduleOut {
            start_date_time: start.to_string(),
            end_date_time: end.map(|e| e.to_string()),
            duration: length.map(format_duration),
        });
    }
    // Step 2: the action gate.
    if !matches!(
        req.action,
        ScheduleAction::SelfActivate | ScheduleAction::SelfDeactivate
    ) {
        deny_now(
            &mut out,
            "ActionNotSupported",
            format!(
                "action {} is not decided here; only selfActivate and selfDeactivate are",
                req.action
            ),
        );
        return out;
    }
    // Step 3: the principal.
    if index.groups.contains(&req.principal_id) {
        deny_now(
            &mut out,
            "GroupPrincipalNotAllowed",
            format!(
                "principal {} is a group; a self-activation is made by a user for themselves",
                req.principal_id
            ),
        );
        return out;
    }
    if req.principal_id != req.caller {
        deny_now(
            &mut out,
            "PrincipalMismatch",
            format!(
                "principal {} is not the signed-in caller {}",
                req.principal_id, req.caller
            ),
        );
        return out;
    }
    if req.action == ScheduleAction::SelfDeactivate {
        deactivate(t, index, req, now, &mut out);
        return out;
    }
    let is_group = matches!(req.target, PimTarget::Group { .. });
    let rules = index.rules(&req.target);
    out.policy_assignment_id = rules.assignment_id.clone();
    out.warnings.extend(rules.warnings.iter().cloned());
    let mut rec = Record::default();
    // Step 4: eligibility.
    let candidates = schedules(
        &t.pim.role_eligibilities,
        &t.pim.group_eligibilities,
        index.eligibilities.get(&req.target),
    );
    let eligible: Vec<&PimSchedule> = candidates
        .into_iter()
        .filter(|e| {
            e.active_at(start)
                && (e.principal_id == req.caller
                    || direct_member(t, &req.caller, &e.principal_id, start))
        })
        .collect();
    let covers = |e: &PimSchedule| match (e.end, end) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(ee), Some(re)) => re <= ee,
    };
    match eligible.iter().find(|e| covers(e)).or(eligible.first()) {
        None => rec.rule(
            "EligibilityRule",
            "no eligibility for this principal and target is active at the start of the window"
                .to_owned(),
        ),
        Some(e) => {
            out.eligibility = Some(EligibilityOut {
                id: e.id.clone(),
                member_type: if e.principal_id == req.caller {
                    "Direct"
                } else {
                    "Group"
                }
                .to_owned(),
                end_date_time: e.end.map(|x| x.to_string()),
            });
            if !covers(e) {
                rec.rule(
                    "ExpirationRule",
                    "the activation would outlast the eligibility".to_owned(),
                );
            }
        }
    }
    // Step 5: expiration.
    match length {
        None if rules.expiration_required => rec.rule(
            "ExpirationRule",
            "the role settings require an end, and the request has none".to_owned(),
        ),
        Some(len) if len > rules.maximum_duration => rec.rule(
            "ExpirationRule",
            format!(
                "the activation lasts {}, more than the maximum {}",
                format_duration(len),
                format_duration(rules.maximum_duration)
            ),
        ),
        Some(len) if len < FIVE_MINUTES => rec.rule(
            "ExpirationRule",
            format!(
                "the activation lasts {}, less than the 5-minute minimum",
                format_duration(len.max(SignedDuration::ZERO))
            ),
        ),
        _ => {}
    }
    // Step 6: enablement.
    let enabled = |name: &str| {
        rules
            .enabled_rules
            .iter()
            .any(|r| r.eq_ignore_ascii_case(name))
    };
    let needs_justification =
        enabled("Justification") || rules.approval.is_requestor_justification_required;
    if needs_justification
        && req
            .justification
            .as_deref()
            .is_none_or(|j| j.trim().is_empty())
    {
        rec.rule(
            "JustificationRule",
            "a justification is required".to_owned(),
        );
    }
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|x| x.trim().is_empty());
    if enabled("Ticketing") && (blank(&req.ticket_number) || blank(&req.ticket_system)) {
        rec.rule(
            "TicketingRule",
            "ticket information (ticketNumber and ticketSystem) is required".to_owned(),
        );
    }
    let mfa_met = t
        .strengths
        .iter()
        .filter(|s| s.id == MFA_STRENGTH_ID)
        .min_by_key(|s| s.is_default)
        .is_some_and(|s| req.session.satisfies(s, req.session.methods));
    let require_mfa = |rec: &mut Record, source: &str| {
        if !mfa_met {
            rec.rule(
                "MfaRule",
                "multifactor authentication is required to activate".to_owned(),
            );
            rec.require(vec![RequirementItem::Mfa], &[], Some(source));
        }
    };
    if enabled("MultiFactorAuthentication") {
        require_mfa(&mut rec, "Enablement_EndUser_Assignment");
    }
    for r in &rules.enabled_rules {
        if !["MultiFactorAuthentication", "Justification", "Ticketing"]
            .iter()
            .any(|k| r.eq_ignore_ascii_case(k))
        {
            rec.code(
                "UnsupportedPolicyRule",
                format!("enablement rule {r} is not supported (fail-closed)"),
            );
        }
    }
    // Step 7: authentication context.
    if let Some(claim) = &rules.auth_context {
        let acrs_code = if is_group {
            "GroupAssignmentRequestAcrsValidationFailed"
        } else {
            "RoleAssignmentRequestAcrsValidationFailed"
        };
        match claim.as_deref().map(str::to_ascii_lowercase) {
            None => {
                let mut d = Diagnostics::new("");
                d.warn(
                    "emptyClaimValue",
                    "pim.roleManagementPolicyAssignments",
                    "the authentication context rule is on without a claimValue; MFA is required instead",
                );
                out.warnings.extend(d.items);
                require_mfa(&mut rec, "AuthenticationContext_EndUser_Assignment");
            }
            Some(cx) if req.session.satisfied_auth_contexts.contains(&cx) => {}
            Some(cx) => {
                let targets = |p: &Policy| {
                    p.conditions
                        .applications
                        .as_ref()
                        .is_some_and(|a| a.include_auth_contexts.contains(&cx))
                };
                if !t.policies.iter().any(targets) {
                    require_mfa(&mut rec, "AuthenticationContext_EndUser_Assignment");
                } else {
                    let sign_in = as_sign_in(req, cx.clone());
                    let result = ca(&sign_in, &targets);
                    let enforced_applies = result.policies.iter().flatten().any(|p| {
                        p.policy_applies
                            && matches!(
                                p.result,
                                PolicyResultKind::Success | PolicyResultKind::Failure
                            )
                    });
                    rec.conditional_access = Some(ConditionalAccessOut {
                        authentication_context: cx.clone(),
                        decision: result.decision,
                        conditional_access_status: result.conditional_access_status,
                        policies: result.policies.clone().unwrap_or_default(),
                    });
                    out.warnings.extend(result.warnings.iter().cloned());
                    if enforced_applies {
                        if result.decision == Decision::Deny {
                            let names: Vec<String> = result
                                .deny_reasons
                                .iter()
                                .map(|r| serde_json::to_string(r).unwrap_or_default())
                                .collect();
                            rec.code(
                                acrs_code,
                                format!(
                                    "Conditional Access for {cx} denies this sign-in: {}",
                                    names.join("; ")
                                ),
                            );
                        } else {
                            let challenge = claims_challenge(&cx);
                            rec.acrs_step_up = Some(acrs_code);
                            rec.claims = Some(challenge.clone());
                            rec.require(
                                vec![RequirementItem::AuthenticationContext {
                                    value: cx.clone(),
                                    claims_challenge: challenge,
                                }],
                                &[],
                                Some("AuthenticationContext_EndUser_Assignment"),
                            );
                            for r in &result.requirements {
                                rec.require(r.any_of.clone(), &r.policy_ids, None);
                            }
                        }
                    }
                }
            }
        }
    }
    // Step 8: duplicates.
    let active = schedules(
        &t.pim.role_assignments,
        &t.pim.group_assignments,
        index.assignments.get(&req.target),
    );
    if active
        .iter()
        .any(|a| a.principal_id == req.caller && a.active_at(start))
    {
        rec.code(
            "RoleAssignmentExists",
            "the principal already holds an active assignment for this target".to_owned(),
        );
    }
    let pending = t.pim.schedule_requests.iter().any(|r| {
        r.principal_id == req.caller
            && r.target == req.target
            && r.status.as_deref().is_some_and(|s| {
                OPEN_STATUSES.iter().any(|o| o.eq_ignore_ascii_case(s))
                    || (s.eq_ignore_ascii_case("Granted")
                        && r.schedule.start.is_some_and(|st| st > now))
            })
    });
    if pending {
        rec.code(
            "PendingRoleAssignmentRequest",
            "an open request for this principal and target already exists".to_owned(),
        );
    }
    // Step 9: decide.
    out.claims_challenge = rec.claims.clone();
    out.conditional_access = rec.conditional_access.take();
    let mut codes = rec.codes.clone();
    if rec.denies() {
        if let Some(acrs) = rec.acrs_step_up {
            codes.push(acrs);
            rec.reasons.push(CodeReason {
                code: acrs,
                message: "a token carrying the authentication context is also required".to_owned(),
            });
        }
        out.decision = ActivationOutcome::Deny;
        out.error = Some(ErrorOut {
            code: first_code(&rec.failed_rules, &codes),
            failed_rules: rec.failed_rules.clone(),
        });
        out.deny_reasons = rec.reasons;
        out.claims_challenge = None;
        return out;
    }
    if !rec.requirements.is_empty() {
        if let Some(acrs) = rec.acrs_step_up {
            codes.push(acrs);
        }
        out.decision = ActivationOutcome::StepUp;
        out.error = Some(ErrorOut {
            code: first_code(&rec.failed_rules, &codes),
            failed_rules: rec.failed_rules.clone(),
        });
        rec.requirements.sort_by_key(|r| {
            r.any_of
                .iter()
                .map(RequirementItem::rank)
                .min()
                .unwrap_or(u8::MAX)
        });
        out.requirements = rec.requirements;
        out.approval_required = Some(rules.approval.is_approval_required);
        return out;
    }
    if rules.approval.is_approval_required {
        approve(t, req, &rules, is_group, now, &mut out);
        return out;
    }
    out.decision = ActivationOutcome::Allow;
    out.status = Some(if start == now {
        "Provisioned"
    } else {
        "Granted"
    });
    out
}

/// The sign-in this activation's CA evaluation is about: the caller, the auth context, the
/// envelope's conditions and session.
fn as_sign_in(req: &ActivationRequest, cx: String) -> SignInRequest {
    SignInRequest {
        id: None,
        identity: Identity::User {
            user_id: req.caller.clone(),
            external_tenant_id: None,
            external_user_type: None,
        },
        context: SignInContext::AuthContext(cx),
        conditions: req.conditions.clone(),
        applied_policies_only: false,
        session: req.session.clone(),
        time: req.time,
        // The envelope's warnings are the activation's; they are not repeated per CA step.
        warnings: Vec::new(),
    }
}

fn approve(
    t: &Tenant,
    req: &ActivationRequest,
    rules: &ActivationRules,
    is_group: bool,
    now: Timestamp,
    out: &mut ActivationDecision,
) {
    let stages = &rules.approval.stages;
    let configured: Vec<&Approver> = stages
        .first()
        .map(|s| {
            s.primary_approvers
                .iter()
                .filter(|a| !matches!(a, Approver::Unknown(_)))
                .collect()
        })
        .unwrap_or_default();
    let mut approvers: Vec<ApproverOut> = Vec::new();
    let no_approver = |out: &mut ActivationDecision, message: &str| {
        out.decision = ActivationOutcome::Deny;
        out.error = Some(ErrorOut {
            code: "NoApproverAvailable",
            failed_rules: Vec::new(),
        });
        out.deny_reasons.push(CodeReason {
            code: "NoApproverAvailable",
            message: message.to_owned(),
        });
    };
    if configured.is_empty() {
        if is_group {
            no_approver(
                out,
                "approval is required but no approver is configured for this group",
            );
            return;
        }
        approvers.extend(DEFAULT_APPROVER_ROLES.iter().map(|r| ApproverOut {
            kind: "role",
            id: (*r).to_owned(),
        }));
    } else {
        let requester_only = |a: &&Approver| match a {
            Approver::User(u) => *u == req.caller,
            Approver::Group(g) => {
                t.group(g).is_some() && {
                    let users = transitive_users(t, g);
                    users.len() == 1 && users.contains(&req.caller)
                }
            }
            Approver::Unknown(_) => true,
        };
        if configured.iter().all(requester_only) {
            no_approver(
                out,
                "the only approver is the requester, who cannot approve their own request",
            );
            return;
        }
        for a in configured.iter().filter(|a| !requester_only(a)) {
            match a {
                Approver::User(u) => approvers.push(ApproverOut {
                    kind: "user",
                    id: u.clone(),
                }),
                Approver::Group(g) => approvers.push(ApproverOut {
                    kind: "group",
                    id: g.clone(),
                }),
                Approver::Unknown(_) => {}
            }
        }
    }
    let deadline = if is_group {
        let days = stages
            .first()
            .and_then(|s| s.timeout_days)
            .unwrap_or(1)
            .clamp(1, 3650);
        now.checked_add(SignedDuration::from_hours(days * 24)).ok()
    } else {
        now.checked_add(SignedDuration::from_hours(24)).ok()
    };
    out.decision = ActivationOutcome::PendingApproval;
    out.status = Some("PendingApproval");
    out.approvers = Some(approvers);
    out.approval_deadline = deadline.map(|d| d.to_string());
}

fn deactivate(
    t: &Tenant,
    index: &PimIndex,
    req: &ActivationRequest,
    now: Timestamp,
    out: &mut ActivationDecision,
) {
    let active = schedules(
        &t.pim.role_assignments,
        &t.pim.group_assignments,
        index.assignments.get(&req.target),
    );
    let instance = active.into_iter().find(|a| {
        a.principal_id == req.caller
            && a.active_at(now)
            && a.assignment_type == Some(AssignmentType::Activated)
    });
    let deny = |out: &mut ActivationDecision, code: &'static str, message: String| {
        out.decision = ActivationOutcome::Deny;
        out.error = Some(ErrorOut {
            code,
            failed_rules: Vec::new(),
        });
        out.deny_reasons.push(CodeReason { code, message });
    };
    match instance {
        None => deny(
            out,
            "RoleAssignmentDoesNotExist",
            "no active activation of this target exists for the principal".to_owned(),
        ),
        Some(a)
            if a.start
                .is_some_and(|s| s.duration_until(now) < FIVE_MINUTES) =>
        {
            deny(
                out,
                "ActiveDurationTooShort",
                "an activation cannot be deactivated within 5 minutes of its start".to_owned(),
            )
        }
        Some(_) => {
            out.decision = ActivationOutcome::Allow;
            out.status = Some("Revoked");
        }
    }
}

/// What every engine does after the procedure: without [`Explain::Policies`] the CA step's
/// per-policy results are dropped, and the request's own warnings lead the decision's.
pub fn finish(decision: &mut ActivationDecision, request: &ActivationRequest, explain: Explain) {
    if !explain.policies() {
        if let Some(ca) = &mut decision.conditional_access {
            ca.policies.clear();
        }
    }
    request.merge_warnings(&mut decision.warnings);
}
