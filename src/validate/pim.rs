//! PIM objects: role settings, eligibilities and assignments against their rules.

use super::*;

pub(super) const MAX_ACTIVATION: SignedDuration = SignedDuration::from_hours(24);

/// The `Expiration_Admin_*` rule of the policy assigned to a target, as (required, maximum).
pub(super) fn admin_expiration(
    t: &Tenant,
    target: &PimTarget,
    rule_id: &str,
) -> Option<(bool, Option<SignedDuration>)> {
    let (scope, role) = match target {
        PimTarget::Role {
            role_definition_id, ..
        } => ("/", role_definition_id.as_str()),
        PimTarget::Group {
            group_id,
            access_id,
        } => (group_id.as_str(), access_id.as_str()),
    };
    let is_group = matches!(target, PimTarget::Group { .. });
    let assignment = t.pim.policy_assignments.iter().find(|a| {
        a.scope_id == scope
            && a.role_definition_id.eq_ignore_ascii_case(role)
            && a.scope_type.eq_ignore_ascii_case("Group") == is_group
    })?;
    let policy = assignment.policy.as_ref().or_else(|| {
        let id = assignment.policy_id.as_deref()?;
        t.pim
            .policies
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(id))
    })?;
    policy.rules.iter().find_map(|r| match r {
        PolicyRule::Expiration {
            id,
            is_expiration_required,
            maximum_duration,
        } if id.eq_ignore_ascii_case(rule_id) => Some((*is_expiration_required, *maximum_duration)),
        _ => None,
    })
}

/// Eligibilities and assignments must fit their `Expiration_Admin_*` rule (§11).
pub(super) fn check_admin_expiration(c: &mut Checker<'_>) {
    let t = c.tenant;
    let families = [
        (
            &t.pim.role_eligibilities,
            "Expiration_Admin_Eligibility",
            "eligibility",
        ),
        (
            &t.pim.group_eligibilities,
            "Expiration_Admin_Eligibility",
            "eligibility",
        ),
        (
            &t.pim.role_assignments,
            "Expiration_Admin_Assignment",
            "assignment",
        ),
        (
            &t.pim.group_assignments,
            "Expiration_Admin_Assignment",
            "assignment",
        ),
    ];
    for (list, rule, what) in families {
        for s in list.iter() {
            // Activations are governed by the end-user rule, not the admin one.
            if s.assignment_type == Some(crate::model::enums::AssignmentType::Activated) {
                continue;
            }
            let Some((required, maximum)) = admin_expiration(t, &s.target, rule) else {
                continue;
            };
            let at = format!("pim.{what}[{}]", s.id);
            match (s.start, s.end) {
                (_, None) if required => c.limit(
                    "permanentNotAllowed",
                    &at,
                    format!(
                        "permanent {what} for {} while {rule} requires an end",
                        s.principal_id
                    ),
                ),
                (Some(start), Some(end)) => {
                    if let Some(max) = maximum.filter(|m| start.duration_until(end) > *m) {
                        c.limit(
                            "windowTooLong",
                            &at,
                            format!(
                                "{what} for {} lasts longer than the {} {rule} allows",
                                s.principal_id,
                                crate::model::read::format_duration(max)
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

pub(super) fn check_pim(c: &mut Checker<'_>) {
    check_admin_expiration(c);
    let t = c.tenant;
    let holders = |v: &[PimSchedule]| -> Vec<(String, String)> {
        v.iter()
            .map(|s| (s.principal_id.clone(), s.id.clone()))
            .collect()
    };
    let mut role_holders = holders(&t.pim.role_eligibilities);
    role_holders.extend(holders(&t.pim.role_assignments));
    role_holders.extend(
        t.role_assignments
            .iter()
            .map(|r| (r.principal_id.clone(), r.role_definition_id.clone())),
    );
    for (principal, what) in role_holders {
        if let Some(g) = c.groups.get(principal.as_str())
            && !g.is_assignable_to_role
        {
            c.limit(
                    "roleHeldByNonAssignableGroup",
                    &format!("directory.groups[{}]", g.id),
                    format!("group {} holds a role ({what}) but is not role-assignable; evaluated as written", g.id),
                );
        }
    }
    for e in &t.pim.group_eligibilities {
        if let crate::model::pim::PimTarget::Group { group_id, .. } = &e.target
            && let Some(g) = c.groups.get(group_id.as_str())
            && (g.membership_rule.is_some() || g.on_premises_sync_enabled)
        {
            c.d.warn(
                "unmanageableGroup",
                &format!("directory.groups[{}]", g.id),
                "dynamic or on-premises-synchronised groups cannot be managed by PIM for Groups",
            );
        }
    }
    let policies = t
        .pim
        .policy_assignments
        .iter()
        .filter_map(|a| {
            a.policy
                .as_ref()
                .map(|p| (format!("pim.roleManagementPolicyAssignments[{}]", a.id), p))
        })
        .chain(
            t.pim
                .policies
                .iter()
                .map(|p| (format!("pim.roleManagementPolicies[{}]", p.id), p)),
        );
    for (at, policy) in policies {
        let mut mfa = false;
        let mut acrs = false;
        for rule in &policy.rules {
            match rule {
                PolicyRule::Expiration {
                    id,
                    maximum_duration: Some(max),
                    ..
                } if id.eq_ignore_ascii_case("Expiration_EndUser_Assignment")
                    && *max > MAX_ACTIVATION =>
                {
                    c.limit(
                        "activationTooLong",
                        &at,
                        format!(
                            "maximum activation {} exceeds PT24H; capped at PT24H",
                            crate::model::read::format_duration(*max)
                        ),
                    );
                }
                PolicyRule::Enablement { id, enabled_rules }
                    if id.eq_ignore_ascii_case("Enablement_EndUser_Assignment") =>
                {
                    mfa = enabled_rules
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case("MultiFactorAuthentication"));
                }
                PolicyRule::AuthenticationContext {
                    is_enabled: true,
                    claim_value,
                    ..
                } => {
                    acrs = true;
                    if claim_value.is_none() {
                        c.d.warn("emptyClaimValue", &at, "authentication context rule is on without a claimValue; MFA is required instead");
                    }
                }
                PolicyRule::Approval { setting, .. } => {
                    if setting.stages.len() > 1 {
                        c.d.warn(
                            "multiStageApproval",
                            &at,
                            "only the first approval stage is used",
                        );
                    }
                    if setting.is_approval_required
                        && setting.approval_mode
                            == Some(crate::model::enums::ApprovalMode::NoApproval)
                    {
                        c.d.warn("approvalModeConflict", &at, "approval is required but approvalMode is NoApproval; approval is required");
                    }
                }
                _ => {}
            }
        }
        if mfa && acrs {
            c.d.warn(
                "mfaAndAuthContextRules",
                &at,
                "both the MFA enablement rule and the auth-context rule are on; both are evaluated",
            );
        }
    }
}
