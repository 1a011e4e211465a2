//! [`PimIndex`]: a tenant's PIM objects by target, and the end-user rules of each role or group
//! with the documented defaults filled in (§9).

use super::*;

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
    /// Per target: indices into role then group eligibility schedules.
    pub(super) eligibilities: HashMap<PimTarget, Vec<usize>>,
    /// Per target: indices into role then group assignment schedules.
    pub(super) assignments: HashMap<PimTarget, Vec<usize>>,
    /// Every group id the tenant knows (a group may not self-activate).
    pub(super) groups: HashSet<String>,
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
pub(super) fn schedules<'t>(
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
pub(super) fn direct_member(t: &Tenant, user: &str, group: &str, at: Timestamp) -> bool {
    t.group(group).is_some_and(|g| g.members.iter().any(|m| m == user))
        || t.pim.group_assignments.iter().any(|a| {
            a.principal_id == user
                && a.active_at(at)
                && matches!(&a.target, PimTarget::Group { group_id, access_id: AccessId::Member } if group_id == group)
        })
}

/// Every user transitively in `group` (static members only).
pub(super) fn transitive_users(t: &Tenant, group: &str) -> HashSet<String> {
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
