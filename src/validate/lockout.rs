//! Lockout lint (docs/SEMANTICS.md §11.1): an enforced policy that shuts every account out of
//! every resource, and a tenant whose blocks exempt nobody (no break-glass account).

use super::*;

/// Does `p` take every user sign-in in scope: all users with no account excluded, all resources,
/// and no condition that narrows where, how or from what the sign-in comes?
fn covers_every_sign_in(p: &Policy) -> bool {
    let cond = &p.conditions;
    let Some(users) = &cond.users else {
        return false;
    };
    let all = |list: &[IdRef]| list.iter().any(|r| r.is(Keyword::All));
    let all_users = all(&users.include_users) && !excludes_accounts(p);
    let all_apps = cond.applications.as_ref().is_some_and(|a| {
        all(&a.include_applications) && a.exclude_applications.is_empty() && a.filter.is_none()
    });
    let everywhere = cond
        .locations
        .as_ref()
        .is_none_or(|l| all(&l.include) && l.exclude.is_empty());
    let every_platform = cond.platforms.as_ref().is_none_or(|pl| {
        pl.include.contains(&crate::model::enums::Platform::All) && pl.exclude.is_empty()
    });
    let every_client = cond.client_app_types.is_empty()
        || cond
            .client_app_types
            .contains(&crate::model::enums::ClientAppType::All);
    let no_other_condition = cond.client_applications.is_none()
        && cond.sign_in_risk_levels.is_empty()
        && cond.user_risk_levels.is_empty()
        && cond.insider_risk_levels.is_empty()
        && cond.devices.is_none()
        && cond.transfer_methods.is_empty();
    all_users && all_apps && everywhere && every_platform && every_client && no_other_condition
}

/// Does the policy exclude at least one account by user, group or role? Excluding guest kinds
/// does not count: a tenant's emergency accounts are members.
fn excludes_accounts(p: &Policy) -> bool {
    p.conditions.users.as_ref().is_some_and(|u| {
        u.exclude_users
            .iter()
            .chain(&u.exclude_groups)
            .chain(&u.exclude_roles)
            .any(|r| r.id().is_some())
    })
}

/// Can no sign-in ever satisfy the grant: `block`, or (under AND any, under OR every) control that
/// is an authentication strength the tenant lacks or one that allows no combination.
fn never_satisfied(t: &Tenant, p: &Policy) -> bool {
    let Some(g) = &p.grant else { return false };
    if g.built_in.contains(&GrantControl::Block) {
        return true;
    }
    let strength_unsatisfiable = g.strength.as_ref().map(|id| {
        t.strength(id)
            .or(g.embedded_strength.as_ref())
            .is_none_or(|s| s.combinations.is_empty())
    });
    match (&g.operator, strength_unsatisfiable) {
        (_, None) => false,
        (GrantOperator::And, Some(u)) => u,
        (_, Some(u)) => {
            u && g.built_in.is_empty() && g.terms_of_use.is_empty() && g.custom_factors.is_empty()
        }
    }
}

/// Reports `lockout` for each enforced policy that denies every sign-in, and `noBreakGlass` when
/// enforced blocks exist and none of them excludes any account.
pub(super) fn check_lockout(c: &mut Checker<'_>) {
    let t = c.tenant;
    let denying: Vec<&Policy> = t
        .policies
        .iter()
        .filter(|p| p.is_enforced() && p.conditions.users.is_some() && never_satisfied(t, p))
        .collect();
    for p in &denying {
        if covers_every_sign_in(p) {
            let message = format!(
                "\"{}\" denies every user, every resource, everywhere, and excludes no account: it locks out everyone, emergency (break-glass) accounts included; exclude at least one emergency account",
                p.display_name
            );
            if c.options.lockout_is_error {
                c.d.error("lockout", &policy_at(p), message);
            } else {
                c.d.warn("lockout", &policy_at(p), message);
            }
        }
    }
    if !denying.is_empty() && !denying.iter().any(|p| excludes_accounts(p)) {
        c.d.warn(
            "noBreakGlass",
            "conditionalAccessPolicies",
            if denying.len() == 1 {
                "1 enforced policy blocks sign-ins and excludes no user, group or role: no emergency (break-glass) account is exempt".to_owned()
            } else {
                format!(
                    "{} enforced policies block sign-ins and none excludes any user, group or role: no emergency (break-glass) account is exempt",
                    denying.len()
                )
            },
        );
    }
}
