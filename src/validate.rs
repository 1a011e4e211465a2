//! Tenant limits and consistency checks (docs/SEMANTICS.md §11).
//!
//! Limit checks are warnings by default and errors under `strict`; shape checks (what Graph or the
//! admin centre would reject but the engine evaluates as written) are always warnings. Load errors
//! (malformed JSON, placeholders, unparsable filters, bad CIDRs) are reported by [`crate::load`].

use std::collections::{HashMap, HashSet};

use jiff::SignedDuration;
use serde::Serialize;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::directory::is_valid_auth_context_id;
use crate::model::enums::{
    CaeMode, GrantControl, GrantOperator, PolicyState, StrengthPolicyType, UserAction,
};
use crate::model::ids::{IdRef, Keyword};
use crate::model::location::LocationKind;
use crate::model::pim::{PimSchedule, PimTarget, PolicyRule};
use crate::model::{Group, Policy, Tenant};

/// Entra's documented limits.
pub mod limits {
    /// Conditional Access policies per tenant, counting every state.
    pub const POLICIES: usize = 195;
    /// Named locations per tenant.
    pub const NAMED_LOCATIONS: usize = 195;
    /// IP ranges per named location.
    pub const RANGES_PER_LOCATION: usize = 2000;
    /// A CIDR prefix must be longer than this.
    pub const MIN_PREFIX_EXCLUSIVE: u8 = 8;
    /// MFA trusted IP ranges.
    pub const MFA_TRUSTED_IPS: usize = 50;
    /// Authentication contexts.
    pub const AUTH_CONTEXTS: usize = 99;
    /// Filter rule length in characters.
    pub const FILTER_RULE_CHARS: usize = 3072;
    /// Custom authentication strengths.
    pub const CUSTOM_STRENGTHS: usize = 15;
    /// Role-assignable groups.
    pub const ROLE_ASSIGNABLE_GROUPS: usize = 500;
    /// Groups a user can be in before Entra may block sign-in.
    pub const GROUPS_PER_USER: usize = 2048;
}

/// Counts of what the tenant holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantCounts {
    /// CA policies (every state).
    pub policies: usize,
    /// Enabled policies.
    pub enabled: usize,
    /// Report-only policies.
    pub report_only: usize,
    /// Disabled or soft-deleted policies.
    pub disabled: usize,
    /// Named locations.
    pub named_locations: usize,
    /// Authentication strengths (including built-ins).
    pub authentication_strengths: usize,
    /// Authentication contexts.
    pub authentication_contexts: usize,
    /// Users.
    pub users: usize,
    /// Groups.
    pub groups: usize,
    /// Active role assignments.
    pub role_assignments: usize,
    /// PIM eligibilities (roles and groups).
    pub pim_eligibilities: usize,
    /// PIM policy assignments.
    pub pim_policy_assignments: usize,
}

/// The result of validating a tenant.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    /// What the tenant holds.
    pub counts: TenantCounts,
    /// Findings: errors and warnings, each with file, JSON path and message.
    pub findings: Vec<Diagnostic>,
}

impl ValidationReport {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

struct Checker<'t> {
    tenant: &'t Tenant,
    strict: bool,
    d: Diagnostics,
    /// Groups by id: looked up per reference and per role holder, so never scanned linearly.
    groups: HashMap<&'t str, &'t Group>,
}

impl Checker<'_> {
    /// A §11 limit: warning, or error under strict.
    fn limit(&mut self, code: &'static str, path: &str, message: String) {
        if self.strict {
            self.d.error(code, path, message);
        } else {
            self.d.warn(code, path, message);
        }
    }
}

/// Validates a loaded tenant. Under `strict`, each limit warning becomes an error.
pub fn validate(tenant: &Tenant, strict: bool) -> ValidationReport {
    let mut c = Checker {
        tenant,
        strict,
        d: Diagnostics::new(""),
        groups: tenant.groups.iter().map(|g| (g.id.as_str(), g)).collect(),
    };
    check_limits(&mut c);
    check_locations(&mut c);
    for p in &tenant.policies {
        check_policy(&mut c, p);
    }
    check_groups(&mut c);
    check_pim(&mut c);
    ValidationReport {
        counts: counts(tenant),
        findings: c.d.items,
    }
}

fn counts(t: &Tenant) -> TenantCounts {
    TenantCounts {
        policies: t.policies.len(),
        enabled: t.policies.iter().filter(|p| p.is_enforced()).count(),
        report_only: t
            .policies
            .iter()
            .filter(|p| p.is_evaluated() && p.state == PolicyState::ReportOnly)
            .count(),
        disabled: t.policies.iter().filter(|p| !p.is_evaluated()).count(),
        named_locations: t.named_locations.len(),
        authentication_strengths: t.strengths.len(),
        authentication_contexts: t.auth_contexts.len(),
        users: t.users.len(),
        groups: t.groups.len(),
        role_assignments: t.role_assignments.len(),
        pim_eligibilities: t.pim.role_eligibilities.len() + t.pim.group_eligibilities.len(),
        pim_policy_assignments: t.pim.policy_assignments.len(),
    }
}

fn check_limits(c: &mut Checker<'_>) {
    let t = c.tenant;
    if t.policies.len() > limits::POLICIES {
        c.limit(
            "tooManyPolicies",
            "conditionalAccessPolicies",
            format!(
                "{} policies; Entra allows {}",
                t.policies.len(),
                limits::POLICIES
            ),
        );
    }
    if t.named_locations.len() > limits::NAMED_LOCATIONS {
        c.limit(
            "tooManyNamedLocations",
            "namedLocations",
            format!(
                "{} named locations; Entra allows {}",
                t.named_locations.len(),
                limits::NAMED_LOCATIONS
            ),
        );
    }
    if t.auth_contexts.len() > limits::AUTH_CONTEXTS {
        c.limit(
            "tooManyAuthenticationContexts",
            "authenticationContextClassReferences",
            format!(
                "{} authentication contexts; Entra allows {}",
                t.auth_contexts.len(),
                limits::AUTH_CONTEXTS
            ),
        );
    }
    for ctx in &t.auth_contexts {
        if !is_valid_auth_context_id(&ctx.id) {
            c.limit(
                "invalidAuthenticationContextId",
                &format!("authenticationContextClassReferences[{}]", ctx.id),
                format!(
                    "\"{}\" is outside c1..c99; it is still matched as written",
                    ctx.id
                ),
            );
        }
    }
    let custom = t
        .strengths
        .iter()
        .filter(|s| s.policy_type != StrengthPolicyType::BuiltIn)
        .count();
    if custom > limits::CUSTOM_STRENGTHS {
        c.limit(
            "tooManyCustomStrengths",
            "authenticationStrengthPolicies",
            format!(
                "{custom} custom authentication strengths; Entra allows {}",
                limits::CUSTOM_STRENGTHS
            ),
        );
    }
    let assignable = t.groups.iter().filter(|g| g.is_assignable_to_role).count();
    if assignable > limits::ROLE_ASSIGNABLE_GROUPS {
        c.limit(
            "tooManyRoleAssignableGroups",
            "directory.groups",
            format!(
                "{assignable} role-assignable groups; Entra allows {}",
                limits::ROLE_ASSIGNABLE_GROUPS
            ),
        );
    }
    if t.mfa_trusted_ips.len() > limits::MFA_TRUSTED_IPS {
        c.limit(
            "tooManyMfaTrustedIps",
            "mfaTrustedIps",
            format!(
                "{} MFA trusted IP ranges; the service allows {}",
                t.mfa_trusted_ips.len(),
                limits::MFA_TRUSTED_IPS
            ),
        );
    }
    for (i, r) in t.mfa_trusted_ips.iter().enumerate() {
        if r.is_v6() {
            c.limit(
                "ipv6MfaTrustedIp",
                &format!("mfaTrustedIps[{i}]"),
                format!("{r} is IPv6; MFA trusted IPs take IPv4 ranges only (still evaluated)"),
            );
        }
    }
}

fn check_locations(c: &mut Checker<'_>) {
    for loc in &c.tenant.named_locations {
        let LocationKind::Ip { ranges, .. } = &loc.kind else {
            continue;
        };
        let at = format!("namedLocations[{}]", loc.id);
        if ranges.len() > limits::RANGES_PER_LOCATION {
            c.limit(
                "tooManyRanges",
                &at,
                format!(
                    "\"{}\" has {} IP ranges; Entra allows {}",
                    loc.display_name,
                    ranges.len(),
                    limits::RANGES_PER_LOCATION
                ),
            );
        }
        for r in ranges {
            if r.prefix() <= limits::MIN_PREFIX_EXCLUSIVE {
                c.limit(
                    "prefixTooShort",
                    &at,
                    format!("{r} in \"{}\": Entra requires a prefix longer than /8 (the range is still evaluated)", loc.display_name),
                );
            }
        }
    }
}

fn policy_at(p: &Policy) -> String {
    format!("conditionalAccessPolicies[{}]", p.id)
}

fn check_policy(c: &mut Checker<'_>, p: &Policy) {
    let at = policy_at(p);
    let t = c.tenant;
    let cond = &p.conditions;
    // Dangling references match nothing, include and exclude alike (§2.4).
    if let Some(u) = &cond.users {
        for g in u
            .include_groups
            .iter()
            .chain(&u.exclude_groups)
            .filter_map(IdRef::id)
        {
            if !c.groups.contains_key(g) {
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
                "GuestsOrExternalUsers together with the typed guest selector (Graph rejects this); both are unioned",
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
    if let Some(pl) = &cond.platforms {
        if pl.include.is_empty() {
            c.d.warn(
                "excludeOnlyCondition",
                &format!("{at}.conditions.platforms"),
                "platforms are only excluded; read as include all (fail-closed)",
            );
        }
    }
    if let Some(apps) = &cond.applications {
        if apps.target_kinds() > 1 {
            c.d.warn(
                "multipleTargetKinds",
                &format!("{at}.conditions.applications"),
                "policy targets more than one kind of resource (apps, user actions, auth contexts); it matches if any matches",
            );
        }
        let groups_used = apps
            .include_applications
            .iter()
            .chain(&apps.exclude_applications);
        for r in groups_used {
            let missing = match r {
                IdRef::Keyword(Keyword::Office365) => t.app_groups.office365.is_none(),
                IdRef::Keyword(Keyword::MicrosoftAdminPortals) => {
                    t.app_groups.admin_portals.is_none()
                }
                _ => false,
            };
            if missing {
                c.d.warn(
                    "danglingReference",
                    &format!("{at}.conditions.applications"),
                    format!("application group {} is not defined in applicationGroups; it matches nothing", r.as_str()),
                );
            }
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

fn check_grant(c: &mut Checker<'_>, p: &Policy, at: &str) {
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

fn check_session(c: &mut Checker<'_>, p: &Policy, at: &str) {
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

/// Every group that the group `id` (transitively) contains, and whether a cycle was met.
fn group_graph(t: &Tenant) -> HashMap<&str, Vec<&str>> {
    let ids: HashSet<&str> = t.groups.iter().map(|g| g.id.as_str()).collect();
    t.groups
        .iter()
        .map(|g| {
            (
                g.id.as_str(),
                g.members
                    .iter()
                    .map(String::as_str)
                    .filter(|m| ids.contains(m))
                    .collect(),
            )
        })
        .collect()
}

fn check_groups(c: &mut Checker<'_>) {
    let t = c.tenant;
    let graph = group_graph(t);
    // Cycle detection with an explicit stack (no recursion on hostile nesting).
    let mut state: HashMap<&str, u8> = HashMap::new(); // 1 = on stack, 2 = done
    let mut reported: HashSet<&str> = HashSet::new();
    for g in &t.groups {
        if state.contains_key(g.id.as_str()) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(g.id.as_str(), 0)];
        state.insert(g.id.as_str(), 1);
        while let Some((node, next)) = stack.last().copied() {
            let children = graph.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(child) = children.get(next) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                match state.get(child) {
                    None => {
                        state.insert(child, 1);
                        stack.push((child, 0));
                    }
                    Some(1) if reported.insert(child) => {
                        c.d.warn(
                            "cyclicGroupNesting",
                            &format!("directory.groups[{child}]"),
                            format!("group {child} contains itself through nesting; membership stops at the cycle"),
                        );
                    }
                    _ => {}
                }
            } else {
                state.insert(node, 2);
                stack.pop();
            }
        }
    }
    for g in t.groups.iter().filter(|g| g.is_assignable_to_role) {
        for m in &g.members {
            if graph.contains_key(m.as_str()) {
                c.limit(
                    "groupInRoleAssignableGroup",
                    &format!("directory.groups[{}]", g.id),
                    format!("group {m} is a member of role-assignable group {}; Entra does not allow this", g.id),
                );
            }
        }
    }
    // Groups by index, each with the groups that list it directly, and every other member with
    // the groups that list it: built once, so that each user's walk below costs the size of the
    // user's own closure (integer steps), not the size of the directory.
    let index: HashMap<&str, usize> = t
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); t.groups.len()];
    let mut direct: HashMap<&str, Vec<usize>> = HashMap::new();
    for (gi, g) in t.groups.iter().enumerate() {
        for m in &g.members {
            match index.get(m.as_str()).and_then(|&mi| parents.get_mut(mi)) {
                Some(list) => list.push(gi),
                None => direct.entry(m.as_str()).or_default().push(gi),
            }
        }
    }
    // stamp[g] == the user (plus one) whose walk last reached group g.
    let mut stamp: Vec<usize> = vec![0; t.groups.len()];
    for (ui, u) in t.users.iter().enumerate() {
        let mark = ui + 1;
        let mut count = 0usize;
        let mut frontier: Vec<usize> = direct.get(u.id.as_str()).cloned().unwrap_or_default();
        frontier.retain(|&g| match stamp.get_mut(g) {
            Some(s) if *s != mark => {
                *s = mark;
                count += 1;
                true
            }
            _ => false,
        });
        while let Some(g) = frontier.pop() {
            for &p in parents.get(g).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(s) = stamp.get_mut(p) {
                    if *s != mark {
                        *s = mark;
                        count += 1;
                        frontier.push(p);
                    }
                }
            }
        }
        if count > limits::GROUPS_PER_USER {
            c.d.warn(
                "tooManyGroups",
                &format!("directory.users[{}]", u.id),
                format!(
                    "user is in {count} groups; Entra may block users in more than {}",
                    limits::GROUPS_PER_USER
                ),
            );
        }
    }
}

const MAX_ACTIVATION: SignedDuration = SignedDuration::from_hours(24);

/// The `Expiration_Admin_*` rule of the policy assigned to a target, as (required, maximum).
fn admin_expiration(
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
fn check_admin_expiration(c: &mut Checker<'_>) {
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

fn check_pim(c: &mut Checker<'_>) {
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
        if let Some(g) = c.groups.get(principal.as_str()) {
            if !g.is_assignable_to_role {
                c.limit(
                    "roleHeldByNonAssignableGroup",
                    &format!("directory.groups[{}]", g.id),
                    format!("group {} holds a role ({what}) but is not role-assignable; evaluated as written", g.id),
                );
            }
        }
    }
    for e in &t.pim.group_eligibilities {
        if let crate::model::pim::PimTarget::Group { group_id, .. } = &e.target {
            if let Some(g) = c.groups.get(group_id.as_str()) {
                if g.membership_rule.is_some() || g.on_premises_sync_enabled {
                    c.d.warn(
                        "unmanageableGroup",
                        &format!("directory.groups[{}]", g.id),
                        "dynamic or on-premises-synchronised groups cannot be managed by PIM for Groups",
                    );
                }
            }
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

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;
    use crate::load::load_bundle_bytes;

    fn report(bundle: &str, strict: bool) -> ValidationReport {
        let t = load_bundle_bytes("t.json", bundle.as_bytes()).unwrap();
        validate(&t, strict)
    }

    fn codes(r: &ValidationReport) -> Vec<&'static str> {
        r.findings.iter().map(|f| f.code).collect()
    }

    fn policy(body: &str) -> String {
        format!(
            r#"{{"conditionalAccessPolicies":[{{"id":"11111111-1111-1111-1111-111111111111","displayName":"P","state":"enabled","conditions":{body}}}]}}"#
        )
    }

    #[test]
    fn too_many_policies_is_a_limit() {
        let items: Vec<String> = (0..196)
            .map(|i| format!(r#"{{"id":"00000000-0000-0000-0000-{i:012}","state":"disabled","conditions":{{}},"displayName":"p"}}"#))
            .collect();
        let bundle = format!(r#"{{"conditionalAccessPolicies":[{}]}}"#, items.join(","));
        let lax = report(&bundle, false);
        assert_eq!(codes(&lax), ["tooManyPolicies"]);
        assert_eq!(lax.errors(), 0);
        let strict = report(&bundle, true);
        assert_eq!(strict.errors(), 1);
    }

    #[test]
    fn short_prefix_and_too_many_ranges() {
        let ranges: Vec<String> = (0..2001)
            .map(|i| format!(r#"{{"cidrAddress":"10.{}.{}.0/24"}}"#, i / 256, i % 256))
            .collect();
        let bundle = format!(
            r##"{{"namedLocations":[{{"@odata.type":"#microsoft.graph.ipNamedLocation","id":"22222222-2222-2222-2222-222222222222","displayName":"Big","ipRanges":[{},{{"cidrAddress":"10.0.0.0/8"}}]}}]}}"##,
            ranges.join(",")
        );
        assert_eq!(
            codes(&report(&bundle, false)),
            ["tooManyRanges", "prefixTooShort"]
        );
    }

    #[test]
    fn dangling_group_and_location() {
        let r = report(
            &policy(
                r#"{"users":{"includeUsers":["All"],"excludeGroups":["33333333-3333-3333-3333-333333333333"]},"applications":{"includeApplications":["All"]},"locations":{"includeLocations":["44444444-4444-4444-4444-444444444444"]}}"#,
            ),
            false,
        );
        assert_eq!(codes(&r), ["danglingReference", "danglingReference"]);
        assert_eq!(
            r.findings[0].path,
            "conditionalAccessPolicies[11111111-1111-1111-1111-111111111111].conditions.users"
        );
    }

    #[test]
    fn cyclic_nesting_and_group_in_role_assignable_group() {
        let bundle = r#"{"directory":{"groups":[
            {"id":"aaaaaaaa-0000-0000-0000-000000000001","members":["aaaaaaaa-0000-0000-0000-000000000002"]},
            {"id":"aaaaaaaa-0000-0000-0000-000000000002","members":["aaaaaaaa-0000-0000-0000-000000000001"]},
            {"id":"aaaaaaaa-0000-0000-0000-000000000003","isAssignableToRole":true,"members":["aaaaaaaa-0000-0000-0000-000000000002"]}
        ]}}"#;
        let r = report(bundle, false);
        assert_eq!(
            codes(&r),
            ["cyclicGroupNesting", "groupInRoleAssignableGroup"]
        );
        assert_eq!(report(bundle, true).errors(), 1);
    }

    #[test]
    fn long_filter_rule_is_a_limit_warning() {
        let values: Vec<String> = (0..400).map(|i| format!("\"v{i:04}\"")).collect();
        let rule = format!("device.model -in [{}]", values.join(","));
        assert!(rule.chars().count() > 3072);
        let r = report(
            &policy(&format!(
                r#"{{"users":{{"includeUsers":["All"]}},"applications":{{"includeApplications":["All"]}},"devices":{{"deviceFilter":{{"mode":"exclude","rule":"{}"}}}}}}"#,
                rule.replace('"', "\\\"")
            )),
            false,
        );
        assert_eq!(codes(&r), ["filterRuleTooLong"]);
    }

    #[test]
    fn shape_warnings() {
        let r = report(
            r#"{"conditionalAccessPolicies":[{"id":"11111111-1111-1111-1111-111111111111","displayName":"P","state":"enabled","conditions":{"users":{"includeUsers":["All"]},"applications":{"includeApplications":["All"]},"platforms":{"excludePlatforms":["iOS"]}},"grantControls":{"operator":"AND","builtInControls":["block","mfa","passwordChange"],"authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}}]}"#,
            false,
        );
        assert_eq!(
            codes(&r),
            [
                "excludeOnlyCondition",
                "mfaWithStrength",
                "blockWithOtherControls"
            ]
        );
    }

    #[test]
    fn auth_context_ids_and_pim_cap() {
        let bundle = r#"{"authenticationContextClassReferences":[{"id":"c100","isAvailable":true}],
          "pim":{"roleManagementPolicies":[{"id":"p1","rules":[{"id":"Expiration_EndUser_Assignment","isExpirationRequired":true,"maximumDuration":"PT30H"},{"id":"Enablement_EndUser_Assignment","enabledRules":["MultiFactorAuthentication"]},{"id":"AuthenticationContext_EndUser_Assignment","isEnabled":true,"claimValue":"c1"}]}]}}"#;
        assert_eq!(
            codes(&report(bundle, false)),
            [
                "invalidAuthenticationContextId",
                "activationTooLong",
                "mfaAndAuthContextRules"
            ]
        );
    }
}
