//! Checks of one policy at a time: references, conditions, grant and session controls.

use super::*;

pub(super) fn policy_at(p: &Policy) -> String {
    format!("conditionalAccessPolicies[{}]", p.id)
}

pub(super) fn check_policy(c: &mut Checker<'_>, p: &Policy) {
    let at = policy_at(p);
    let t = c.tenant;
    let cond = &p.conditions;
    // Dangling references match nothing, include and exclude alike (§2.4). Without any group
    // export they are summarised once by `check_no_directory` instead (§1.6a).
    if let Some(u) = &cond.users {
        for g in u
            .include_groups
            .iter()
            .chain(&u.exclude_groups)
            .filter_map(IdRef::id)
        {
            if !t.groups.is_empty() && !c.groups.contains_key(g) {
                c.d.warn(
                    "danglingReference",
                    &format!("{at}.conditions.users"),
                    format!("group {g} is not in the tenant's groups; it matches nobody"),
                );
            }
        }
        let legacy_guests = u
            .include_users
            .iter()
            .chain(&u.exclude_users)
            .any(|r| r.is(Keyword::GuestsOrExternalUsers));
        if legacy_guests && (u.include_guests.is_some() || u.exclude_guests.is_some()) {
            c.d.warn(
                "mixedGuestSelectors",
                &format!("{at}.conditions.users"),
                "GuestsOrExternalUsers together with the typed guest selector (Graph returns such pairs for policies made with the legacy keyword and refuses them only in new writes); both are unioned",
            );
        }
    }
    if cond.users.is_some() && cond.client_applications.is_some() {
        c.d.warn(
            "usersAndWorkloadIdentities",
            &format!("{at}.conditions"),
            "policy configures both users and clientApplications; it is matched by the sign-in's kind",
        );
    }
    let user_risk = !cond.sign_in_risk_levels.is_empty()
        || !cond.user_risk_levels.is_empty()
        || !cond.insider_risk_levels.is_empty();
    if cond.users.is_some()
        && cond.client_applications.is_none()
        && !cond.service_principal_risk_levels.is_empty()
    {
        c.d.warn(
            "riskConditionIgnored",
            &format!("{at}.conditions.servicePrincipalRiskLevels"),
            "service principal risk on a user policy is ignored",
        );
    }
    if cond.client_applications.is_some() && cond.users.is_none() && user_risk {
        c.d.warn(
            "riskConditionIgnored",
            &format!("{at}.conditions"),
            "sign-in, user and insider risk on a workload-identity policy are ignored",
        );
    }
    if let Some(l) = &cond.locations {
        for id in l.include.iter().chain(&l.exclude).filter_map(IdRef::id) {
            if id != crate::model::location::MFA_TRUSTED_IPS_ID && t.location(id).is_none() {
                c.d.warn(
                    "danglingReference",
                    &format!("{at}.conditions.locations"),
                    format!("named location {id} is not in the tenant; it matches nothing"),
                );
            }
        }
        if l.include.is_empty() {
            c.d.warn(
                "excludeOnlyCondition",
                &format!("{at}.conditions.locations"),
                "locations are only excluded; read as include All (fail-closed)",
            );
        }
    }
    if let Some(pl) = &cond.platforms
        && pl.include.is_empty()
    {
        c.d.warn(
            "excludeOnlyCondition",
            &format!("{at}.conditions.platforms"),
            "platforms are only excluded; read as include all (fail-closed)",
        );
    }
    if let Some(apps) = &cond.applications {
        if apps.target_kinds() > 1 {
            c.d.warn(
                "multipleTargetKinds",
                &format!("{at}.conditions.applications"),
                "policy targets more than one kind of resource (apps, user actions, auth contexts); it matches if any matches",
            );
        }
        for ctx in &apps.include_auth_contexts {
            if !is_valid_auth_context_id(ctx) {
                c.limit(
                    "invalidAuthenticationContextId",
                    &format!("{at}.conditions.applications"),
                    format!("\"{ctx}\" is outside c1..c99; it is still matched as written"),
                );
            }
            match t.auth_contexts.iter().find(|a| &a.id == ctx) {
                None => c.d.warn(
                    "danglingReference",
                    &format!("{at}.conditions.applications"),
                    format!("authentication context {ctx} is not in the tenant"),
                ),
                Some(a) if !a.is_available => c.d.warn(
                    "unavailableAuthenticationContext",
                    &format!("{at}.conditions.applications"),
                    format!("authentication context {ctx} is not published (isAvailable false)"),
                ),
                Some(_) => {}
            }
        }
        if p.state == PolicyState::ReportOnly && !apps.include_user_actions.is_empty() {
            c.d.warn(
                "reportOnlyUserAction",
                &at,
                "Entra cannot run user-action policies in report-only mode",
            );
        }
        if apps
            .include_user_actions
            .contains(&UserAction::RegisterOrJoinDevices)
        {
            let other_controls = p.grant.as_ref().is_some_and(|g| {
                g.built_in.iter().any(|b| *b != GrantControl::Mfa)
                    || !g.terms_of_use.is_empty()
                    || !g.custom_factors.is_empty()
            });
            let client_apps = !cond.client_app_types.is_empty()
                && !cond
                    .client_app_types
                    .contains(&crate::model::enums::ClientAppType::All);
            if other_controls || client_apps || cond.devices.is_some() {
                c.d.warn(
                    "registerDeviceShape",
                    &at,
                    "register-device policies allow only mfa or a strength and no client-app or device conditions; evaluated as written",
                );
            }
        }
        if cond.client_applications.is_some() && !apps.include_auth_contexts.is_empty() {
            c.d.warn(
                "authContextWithWorkloadIdentities",
                &at,
                "authentication contexts do not apply to workload identities",
            );
        }
    }
    for filter in [
        cond.devices.as_ref().and_then(|dv| dv.filter.as_ref()),
        cond.applications.as_ref().and_then(|a| a.filter.as_ref()),
        cond.client_applications
            .as_ref()
            .and_then(|a| a.filter.as_ref()),
    ]
    .into_iter()
    .flatten()
    {
        let len = filter.text.chars().count();
        if len > limits::FILTER_RULE_CHARS {
            c.limit(
                "filterRuleTooLong",
                &at,
                format!(
                    "filter rule has {len} characters; Entra allows {}",
                    limits::FILTER_RULE_CHARS
                ),
            );
        }
    }
    check_grant(c, p, &at);
    check_session(c, p, &at);
}

pub(super) fn check_grant(c: &mut Checker<'_>, p: &Policy, at: &str) {
    let Some(g) = &p.grant else { return };
    let t = c.tenant;
    let has = |x: GrantControl| g.built_in.contains(&x);
    if has(GrantControl::Mfa) && g.strength.is_some() {
        c.d.warn("mfaWithStrength", at, "mfa together with an authentication strength (Entra does not allow it); both are evaluated");
    }
    let controls = g.built_in.len()
        + usize::from(g.strength.is_some())
        + g.terms_of_use.len()
        + g.custom_factors.len();
    if has(GrantControl::Block) && controls > 1 {
        c.d.warn(
            "blockWithOtherControls",
            at,
            "block together with other controls; block wins",
        );
    }
    if has(GrantControl::PasswordChange)
        && !has(GrantControl::Mfa)
        && g.operator == GrantOperator::And
    {
        c.d.warn(
            "passwordChangeWithoutMfa",
            at,
            "passwordChange without mfa under AND (Entra requires both)",
        );
    }
    if p.conditions.client_applications.is_some()
        && g.built_in.iter().any(|b| *b != GrantControl::Block)
    {
        c.d.warn(
            "workloadIdentityGrant",
            at,
            "workload-identity policies can only block; other controls can never be satisfied by a service principal",
        );
    }
    if let Some(id) = &g.strength {
        let bundle = t.strength(id).filter(|s| !s.is_default);
        let default = t.strength(id).filter(|s| s.is_default);
        match (bundle, &g.embedded_strength) {
            (None, None) if default.is_none() => c.d.warn(
                "danglingReference",
                &format!("{at}.grantControls.authenticationStrength"),
                format!("authentication strength {id} is not in the tenant; the control can never be satisfied"),
            ),
            (Some(bundle), Some(embedded)) if bundle.combinations != embedded.combinations => c.d.warn(
                "strengthMismatch",
                &format!("{at}.grantControls.authenticationStrength"),
                format!("the embedded copy of strength {id} differs from the tenant's; the tenant's wins"),
            ),
            _ => {}
        }
    }
}

pub(super) fn check_session(c: &mut Checker<'_>, p: &Policy, at: &str) {
    let targets_all = p
        .conditions
        .applications
        .as_ref()
        .is_some_and(|a| a.include_applications.iter().any(|r| r.is(Keyword::All)));
    let s = &p.session;
    let sensitive =
        s.persistent_browser.is_some() || s.continuous_access_evaluation == Some(CaeMode::Disabled);
    if sensitive && !targets_all {
        c.d.warn(
            "sessionControlNeedsAllResources",
            at,
            "persistent browser and disabled CAE are honoured only on policies that target all resources",
        );
    }
}

/// A policies-only export: one summary line per missing directory collection that policies
/// need (`directory.groups`, role assignments) instead of a warning per reference (§1.6a).
pub(super) fn check_no_directory(c: &mut Checker<'_>) {
    let t = c.tenant;
    let count = |pick: fn(&crate::model::policy::UserCondition) -> [&Vec<IdRef>; 2]| {
        t.policies
            .iter()
            .filter_map(|p| p.conditions.users.as_ref())
            .flat_map(|u| pick(u).into_iter().flatten())
            .filter(|r| r.id().is_some())
            .count()
    };
    let groups = count(|u| [&u.include_groups, &u.exclude_groups]);
    if t.groups.is_empty() && groups > 0 {
        c.d.warn(
            "noDirectory",
            "directory.groups",
            format!(
                "no directory: {groups} group reference(s) unresolved; decisions for users in those groups will carry missingData (groupMembership), and group-based exclusions exempt nobody; export directory.groups to decide them"
            ),
        );
    }
    let roles = count(|u| [&u.include_roles, &u.exclude_roles]);
    if t.role_assignments.is_empty() && t.pim.role_assignments.is_empty() && roles > 0 {
        c.d.warn(
            "noRoleAssignments",
            "directory.roleAssignments",
            format!(
                "no role assignments: {roles} role reference(s) unresolved; users outside the export carry missingData (roleMembership), exported users are taken to hold no role; export directory.roleAssignments or PIM roleAssignmentScheduleInstances to decide them"
            ),
        );
    }
}
