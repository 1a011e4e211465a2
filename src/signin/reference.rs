//! The reference evaluator: a deliberately plain reading of docs/SEMANTICS.md §3–§7.
//!
//! It reads the [`Tenant`] model directly, one policy at a time, in the order of the
//! specification's decision procedure (§6). It is the oracle the compiled engine is tested
//! against, and users can select it with `--engine reference` to cross-check. Clarity wins over
//! speed here; nothing in this module is on a hot path.

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};

use crate::diag::Diagnostics;
use crate::model::directory::CsaAttributes;
use crate::model::enums::{
    ClientAppType, CountryLookupMethod, FilterMode, FrequencyAuthType, FrequencyInterval,
    GrantControl, GrantOperator, GuestType, InsiderRiskLevel, Platform, RiskLevel,
};
use crate::model::ids::{IdRef, Keyword};
use crate::model::location::{LocationKind, MFA_TRUSTED_IPS_ID};
use crate::model::pim::PimTarget;
use crate::model::policy::{
    ExternalTenants, Filter, GrantControls, GuestSelector, SignInFrequency,
};
use crate::model::request::{Identity, SignInContext, SignInRequest};
use crate::model::revision::Revision;
use crate::model::strength::{AuthStrength, MFA_STRENGTH_ID, MethodSet};
use crate::model::{AppObject, Policy, Tenant};
use crate::signin::combine::{Grant, PolicyVerdict, render, sorted};
use crate::signin::decision::{
    EvaluationOptions, RequirementItem, SignInDecision, missing, reasons,
};

/// How long a sign-in stays fresh for `everyTime`, and how far in the future a reference may lie.
const SKEW: SignedDuration = SignedDuration::from_mins(5);

/// The naive evaluator over a [`Tenant`].
#[derive(Debug, Clone)]
pub struct SignInReference<'t> {
    tenant: &'t Tenant,
    revision: Revision,
    /// member id -> the groups listing it in `members` (so a membership walk does not rescan
    /// every group at every step).
    parents: HashMap<&'t str, Vec<&'t str>>,
}

/// Who signs in, resolved against the directory at `t` (§6 step 2).
#[derive(Debug, Clone)]
enum Subject {
    User {
        id: String,
        /// In `directory.users`. A user outside it is matched by its id and by `All`; its groups
        /// and roles are unknown (§3.4 rule 9).
        known: bool,
        groups: HashSet<String>,
        roles: HashSet<String>,
        guest_bits: u8,
        home_tenant: Option<String>,
    },
    ServicePrincipal {
        /// The object id (translated from the appId where the bundle knows it) and the appId.
        ids: Vec<String>,
        object: Option<AppObject>,
    },
}

/// Result of one condition check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Match,
    Fail,
    /// Failed, and only because request data was missing: which data (a [`missing`] mask; 0
    /// for data with a documented default, such as an absent `deviceInfo`, which `missingData`
    /// does not report).
    FailMissing(u8),
}

/// One control under a policy's operator.
#[derive(Debug, Clone)]
struct Control {
    /// Graph name for `unsatisfiedControls`.
    name: String,
    satisfied: bool,
    /// The requirement item, if a prompt can satisfy it.
    interactive: Option<RequirementItem>,
}

impl<'t> SignInReference<'t> {
    /// An evaluator over `tenant`.
    pub fn new(tenant: &'t Tenant) -> Self {
        let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
        for g in &tenant.groups {
            for m in &g.members {
                parents.entry(m.as_str()).or_default().push(g.id.as_str());
            }
        }
        SignInReference {
            tenant,
            revision: tenant.revision(),
            parents,
        }
    }

    /// The tenant this evaluator reads.
    pub fn tenant(&self) -> &'t Tenant {
        self.tenant
    }

    /// The tenant's content hash.
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// Decides a sign-in against only the policies `include` selects (PIM's auth-context step
    /// evaluates the policies that target the context, §10.2 step 7).
    pub fn evaluate_with(
        &self,
        req: &SignInRequest,
        explain: bool,
        include: impl Fn(&Policy) -> bool,
    ) -> SignInDecision {
        let options = EvaluationOptions::default().explain(if explain {
            crate::signin::decision::Explain::Policies
        } else {
            crate::signin::decision::Explain::None
        });
        self.evaluate_selected(req, options, include)
    }

    /// Decides a sign-in with `options`, against the policies `include` selects.
    pub fn evaluate_selected(
        &self,
        req: &SignInRequest,
        options: EvaluationOptions,
        include: impl Fn(&Policy) -> bool,
    ) -> SignInDecision {
        let t = req.time();
        let mut warnings = Diagnostics::new("request");
        let subject = self.subject(req, t, &mut warnings);
        let mut evals: Vec<PolicyVerdict<'_>> = Vec::new();
        // Per policy: the data whose absence alone kept it from applying (§7).
        let mut only_missing: Vec<u8> = Vec::new();
        for policy in self.tenant.policies.iter().filter(|p| include(p)) {
            let (applies, reasons, fields) = if policy.is_evaluated() {
                let (r, fields) = self.applicability(policy, req, &subject);
                (r == 0, r, fields)
            } else {
                (false, reasons::POLICY_NOT_ENABLED, 0)
            };
            only_missing.push(if policy.is_enforced() { fields } else { 0 });
            evals.push(PolicyVerdict {
                policy,
                reasons,
                applies,
                sif_failed: false,
                grant: Grant::Satisfied,
                unsatisfied: Vec::new(),
                missing: 0,
            });
        }
        // Step 6: sign-in frequency. Enforced failures make the whole session stale.
        for e in evals.iter_mut().filter(|e| e.applies) {
            e.sif_failed = sif_failed(e.policy, req, t, &mut warnings);
        }
        let methods = method_set(&evals, req);
        // Missing data (§7): a policy it alone kept out, which would deny or require something.
        for (e, fields) in evals.iter_mut().zip(&only_missing) {
            if *fields == 0 {
                continue;
            }
            let mut scratch = Diagnostics::new("request");
            let sif = sif_failed(e.policy, req, t, &mut scratch);
            let (grant, _) = self.grant(e.policy, req, &subject, methods, &mut scratch);
            if sif || grant != Grant::Satisfied {
                e.missing = *fields;
            }
        }
        // Assume-worst: those policies apply, with their own frequencies.
        let methods = if options.assumes_worst() && evals.iter().any(|e| e.missing != 0) {
            for e in evals.iter_mut().filter(|e| e.missing != 0) {
                e.applies = true;
                e.reasons = 0;
                e.sif_failed = sif_failed(e.policy, req, t, &mut warnings);
            }
            method_set(&evals, req)
        } else {
            methods
        };
        // Steps 7–9: grant with the (possibly emptied) method set.
        for e in &mut evals {
            if !e.applies {
                continue;
            }
            let (grant, unsatisfied) = self.grant(e.policy, req, &subject, methods, &mut warnings);
            e.grant = grant;
            e.unsatisfied = unsatisfied;
            if e.sif_failed {
                e.unsatisfied.push("signInFrequency".to_owned());
            }
        }
        let mut decision = render(
            req,
            t,
            options.explain_level().policies(),
            evals,
            &self.tenant.warnings,
            warnings.items,
        );
        decision.revision = Some(self.revision);
        decision
    }

    // ----- step 2: subject facts -------------------------------------------------------------

    fn subject(&self, req: &SignInRequest, t: Timestamp, w: &mut Diagnostics) -> Subject {
        match &req.identity {
            Identity::User {
                user_id,
                external_tenant_id,
                external_user_type,
            } => {
                let known = self.tenant.user(user_id);
                if known.is_none() {
                    w.warn(
                        "unknownUser",
                        "$.signInIdentity.userId",
                        format!("user {user_id} is not in the tenant's users; matched by its id and by All, its groups and roles are unknown"),
                    );
                }
                let (groups, roles) = if known.is_some() {
                    let groups = self.transitive_groups(user_id, t);
                    let roles = self.active_roles(user_id, &groups, t);
                    (groups, roles)
                } else {
                    (HashSet::new(), HashSet::new())
                };
                if groups.len() > crate::validate::limits::GROUPS_PER_USER {
                    w.warn(
                        "tooManyGroups",
                        "$.signInIdentity.userId",
                        format!(
                            "user is in {} groups; Entra may block users in more than 2048",
                            groups.len()
                        ),
                    );
                }
                let guest_bits = external_user_type
                    .or_else(|| known.map(|u| u.external_user_type))
                    .unwrap_or(0);
                let home_tenant = external_tenant_id
                    .clone()
                    .or_else(|| known.and_then(|u| u.external_tenant_id.clone()));
                Subject::User {
                    id: user_id.clone(),
                    known: known.is_some(),
                    groups,
                    roles,
                    guest_bits,
                    home_tenant,
                }
            }
            Identity::ServicePrincipal {
                service_principal_id,
            } => {
                let object = self
                    .tenant
                    .service_principals
                    .iter()
                    .find(|sp| sp.app_id.as_deref() == Some(service_principal_id.as_str()))
                    .or_else(|| {
                        self.tenant
                            .service_principals
                            .iter()
                            .find(|sp| &sp.id == service_principal_id)
                    })
                    .cloned();
                // The appId is translated to the object id when the bundle knows the service
                // principal, and matched literally only when it does not (§3.5).
                let ids = match &object {
                    Some(o) => vec![o.id.clone()],
                    None => vec![service_principal_id.clone()],
                };
                Subject::ServicePrincipal { ids, object }
            }
        }
    }

    /// Transitive group membership at `t`: `members` plus active PIM group member assignments;
    /// stops on cycles (§2.1).
    fn transitive_groups(&self, user: &str, t: Timestamp) -> HashSet<String> {
        let mut out: HashSet<String> = HashSet::new();
        let mut frontier = vec![user.to_owned()];
        while let Some(member) = frontier.pop() {
            for g in self.parents.get(member.as_str()).into_iter().flatten() {
                if out.insert((*g).to_owned()) {
                    frontier.push((*g).to_owned());
                }
            }
            for a in &self.tenant.pim.group_assignments {
                if let PimTarget::Group {
                    group_id,
                    access_id: crate::model::enums::AccessId::Member,
                } = &a.target
                    && a.principal_id == member
                    && a.active_at(t)
                    && out.insert(group_id.clone())
                {
                    frontier.push(group_id.clone());
                }
            }
        }
        out
    }

    /// Active, tenant-wide role definitions held directly or through groups at `t` (§2.2).
    fn active_roles(&self, user: &str, groups: &HashSet<String>, t: Timestamp) -> HashSet<String> {
        let holds = |principal: &str| principal == user || groups.contains(principal);
        let mut roles = HashSet::new();
        for a in &self.tenant.role_assignments {
            let active = a.start.is_none_or(|s| s <= t) && a.end.is_none_or(|e| t < e);
            if active && a.directory_scope_id == "/" && holds(&a.principal_id) {
                roles.insert(a.role_definition_id.clone());
            }
        }
        for a in &self.tenant.pim.role_assignments {
            if let PimTarget::Role {
                role_definition_id,
                directory_scope_id: Some(scope),
                ..
            } = &a.target
                && scope == "/"
                && a.active_at(t)
                && holds(&a.principal_id)
            {
                roles.insert(role_definition_id.clone());
            }
        }
        roles
    }

    // ----- step 5: applicability ---------------------------------------------------------------

    /// The analysis-reason bits of every failing condition; 0 when the policy applies.
    /// Also the data whose absence alone kept the policy from applying (a [`missing`] mask;
    /// 0 when it applies or some condition failed on data the request did state).
    fn applicability(&self, p: &Policy, req: &SignInRequest, s: &Subject) -> (u32, u8) {
        let c = &p.conditions;
        let mut bits = 0u32;
        let mut missing = false;
        let mut fields = 0u8;
        let mut definite = false;
        let mut record = |check: Check, flag: u32, bits: &mut u32| match check {
            Check::Match => {}
            Check::Fail => {
                *bits |= flag;
                definite = true;
            }
            Check::FailMissing(data) => {
                *bits |= flag;
                missing = true;
                fields |= data;
                definite |= data == 0;
            }
        };
        // Identity.
        let is_user = matches!(s, Subject::User { .. });
        match (is_user, &c.users, &c.client_applications) {
            (_, None, None) => record(Check::Fail, reasons::EMPTY_POLICY, &mut bits),
            (true, Some(users), _) => record(self.users_match(users, s), reasons::USERS, &mut bits),
            (true, None, Some(_)) => record(Check::Fail, reasons::USERS, &mut bits),
            (false, _, Some(apps)) => record(
                self.client_apps_match(apps, s),
                reasons::WORKLOAD_IDENTITIES,
                &mut bits,
            ),
            (false, Some(_), None) => record(Check::Fail, reasons::WORKLOAD_IDENTITIES, &mut bits),
        }
        // Target resource.
        match &c.applications {
            None => record(Check::Fail, reasons::EMPTY_POLICY, &mut bits),
            Some(apps) if apps.target_kinds() == 0 => {
                record(Check::Fail, reasons::EMPTY_POLICY, &mut bits)
            }
            Some(_) => {
                let flag = match &req.context {
                    SignInContext::Applications(_) => reasons::APPLICATION,
                    SignInContext::UserAction(_) => reasons::USER_ACTIONS,
                    SignInContext::AuthContext(_) => reasons::AUTHENTICATION_CONTEXT,
                };
                record(self.target_match(p, req), flag, &mut bits);
            }
        }
        record(platform_match(p, req), reasons::DEVICE_PLATFORM, &mut bits);
        record(device_match(p, req), reasons::DEVICES, &mut bits);
        record(client_app_match(p, req), reasons::CLIENT_APPS, &mut bits);
        record(self.location_match(p, req), reasons::LOCATION, &mut bits);
        // Risk: sign-in, user and insider risk apply to user sign-ins; SP risk to workload ones.
        if is_user {
            record(
                risk_match(&c.sign_in_risk_levels, &req.conditions.sign_in_risk),
                reasons::SIGN_IN_RISK,
                &mut bits,
            );
            record(
                risk_match(&c.user_risk_levels, &req.conditions.user_risk),
                reasons::USER_RISK,
                &mut bits,
            );
            record(
                insider_match(&c.insider_risk_levels, &req.conditions.insider_risk),
                reasons::INSIDER_RISK,
                &mut bits,
            );
        } else {
            record(
                risk_match(
                    &c.service_principal_risk_levels,
                    &req.conditions.service_principal_risk,
                ),
                reasons::WORKLOAD_IDENTITIES,
                &mut bits,
            );
        }
        if !c.transfer_methods.is_empty() {
            let hit = c
                .transfer_methods
                .iter()
                .any(|m| !m.is_unknown() && req.conditions.transfer_methods.contains(m));
            if !hit {
                record(Check::Fail, reasons::AUTHENTICATION_FLOW, &mut bits);
            }
        }
        if missing && bits != 0 {
            bits |= reasons::NOT_ENOUGH_INFORMATION;
        }
        (bits, if definite { 0 } else { fields })
    }

    fn users_match(&self, u: &crate::model::policy::UserCondition, s: &Subject) -> Check {
        let Subject::User {
            id,
            known,
            groups,
            roles,
            guest_bits,
            home_tenant,
        } = s
        else {
            return Check::Fail;
        };
        let guests = |sel: &Option<GuestSelector>| {
            sel.as_ref().is_some_and(|g| {
                g.types & guest_bits != 0
                    && match &g.tenants {
                        ExternalTenants::All => true,
                        ExternalTenants::Enumerated(list) => {
                            home_tenant.as_ref().is_some_and(|h| list.contains(h))
                        }
                    }
            })
        };
        let side = |users: &[IdRef], grp: &[IdRef], rls: &[IdRef], sel: &Option<GuestSelector>| {
            users.iter().any(|r| match r {
                IdRef::Keyword(Keyword::All) => true,
                IdRef::Keyword(Keyword::GuestsOrExternalUsers) => *guest_bits != 0,
                // Listing an object id needs no directory lookup (§3.4 rule 9).
                IdRef::Id(x) => x == id,
                _ => false,
            }) || grp.iter().filter_map(IdRef::id).any(|g| groups.contains(g))
                || rls.iter().filter_map(IdRef::id).any(|r| roles.contains(r))
                || guests(sel)
        };
        let included = side(
            &u.include_users,
            &u.include_groups,
            &u.include_roles,
            &u.include_guests,
        );
        let excluded = side(
            &u.exclude_users,
            &u.exclude_groups,
            &u.exclude_roles,
            &u.exclude_guests,
        );
        // An unknown home tenant cannot satisfy an enumerated tenant list (§3.4.6): when that is
        // the only thing between the user and the policy, the failure is missing data.
        let tenant_unknown = home_tenant.is_none()
            && u.include_guests.as_ref().is_some_and(|g| {
                // An internal guest has no other home tenant: nothing is missing for it.
                g.types & guest_bits & !GuestType::InternalGuest.bit() != 0
                    && matches!(g.tenants, ExternalTenants::Enumerated(_))
            });
        // A user outside the directory has unknown groups and roles (§3.4 rule 9): a listed
        // group or role could have included it.
        // So is membership of an included group the export lacks, for anyone (§1.6a).
        let mut membership = 0u8;
        if !*known {
            if u.include_groups.iter().any(|r| r.id().is_some()) {
                membership |= missing::GROUP_MEMBERSHIP;
            }
            if u.include_roles.iter().any(|r| r.id().is_some()) {
                membership |= missing::ROLE_MEMBERSHIP;
            }
        } else if u
            .include_groups
            .iter()
            .filter_map(IdRef::id)
            .any(|g| self.tenant.group(g).is_none())
        {
            membership |= missing::GROUP_MEMBERSHIP;
        }
        let unknown = membership
            | if tenant_unknown {
                missing::EXTERNAL_TENANT_ID
            } else {
                0
            };
        if included && !excluded {
            Check::Match
        } else if !excluded && unknown != 0 {
            Check::FailMissing(unknown)
        } else {
            Check::Fail
        }
    }

    fn client_apps_match(
        &self,
        a: &crate::model::policy::ClientApplicationCondition,
        s: &Subject,
    ) -> Check {
        let Subject::ServicePrincipal { ids, object } = s else {
            return Check::Fail;
        };
        let listed = |list: &[IdRef]| {
            list.iter()
                .filter_map(IdRef::id)
                .any(|x| ids.iter().any(|i| i == x))
        };
        let mut included = a
            .include_service_principals
            .iter()
            .any(|r| r.is(Keyword::ServicePrincipalsInMyTenant))
            || listed(&a.include_service_principals);
        let mut excluded = listed(&a.exclude_service_principals);
        if let Some(f) = &a.filter {
            let hit = f.rule.evaluate(&CsaAttributes(object.as_ref()));
            match f.mode {
                FilterMode::Include => included |= hit,
                _ => excluded |= hit,
            }
        }
        if included && !excluded {
            Check::Match
        } else {
            Check::Fail
        }
    }

    fn app_object(&self, app_id: &str) -> Option<&AppObject> {
        self.tenant
            .applications
            .iter()
            .chain(&self.tenant.service_principals)
            .find(|a| a.app_id.as_deref() == Some(app_id))
    }

    fn in_app_group(&self, keyword: Keyword, app: &str) -> bool {
        self.tenant.app_groups.contains(keyword, app)
    }

    fn target_match(&self, p: &Policy, req: &SignInRequest) -> Check {
        let Some(a) = &p.conditions.applications else {
            return Check::Fail;
        };
        let hit = match &req.context {
            SignInContext::Applications(apps) => {
                let targets_apps = !a.include_applications.is_empty() || a.filter.is_some();
                targets_apps
                    && apps
                        .iter()
                        .any(|app| self.app_in_scope(a, app, a.filter.as_ref()))
            }
            SignInContext::UserAction(action) => a.include_user_actions.contains(action),
            SignInContext::AuthContext(cx) => a.include_auth_contexts.iter().any(|c| c == cx),
        };
        if hit { Check::Match } else { Check::Fail }
    }

    fn app_in_scope(
        &self,
        a: &crate::model::policy::ApplicationCondition,
        app: &str,
        filter: Option<&Filter>,
    ) -> bool {
        let listed = |list: &[IdRef]| {
            list.iter().any(|r| match r {
                IdRef::Keyword(Keyword::All) => true,
                IdRef::Keyword(k @ (Keyword::Office365 | Keyword::MicrosoftAdminPortals)) => {
                    self.in_app_group(*k, app)
                }
                IdRef::Id(x) => x == app,
                _ => false,
            })
        };
        let filter_hit = filter.map(|f| {
            (
                f.mode.clone(),
                f.rule.evaluate(&CsaAttributes(self.app_object(app))),
            )
        });
        let included = listed(&a.include_applications)
            || matches!(filter_hit, Some((FilterMode::Include, true)));
        let excluded = listed(&a.exclude_applications)
            || matches!(filter_hit, Some((FilterMode::Exclude, true)));
        included && !excluded
    }

    fn location_match(&self, p: &Policy, req: &SignInRequest) -> Check {
        let Some(l) = &p.conditions.locations else {
            return Check::Match;
        };
        let ip = req.conditions.ip_address;
        let country = req.conditions.country.as_deref();
        // The request's location set (§3.8.1).
        let mut set: Vec<&str> = Vec::new();
        let mut trusted = false;
        for loc in &self.tenant.named_locations {
            let hit = match &loc.kind {
                LocationKind::Ip {
                    trusted: tr,
                    ranges,
                } => {
                    let hit = ip.is_some_and(|ip| ranges.iter().any(|r| r.contains(ip)));
                    trusted |= hit && *tr;
                    hit
                }
                LocationKind::Country {
                    countries,
                    include_unknown,
                    lookup,
                } => {
                    let value = match lookup {
                        CountryLookupMethod::ClientIpAddress => country,
                        CountryLookupMethod::AuthenticatorAppGps => {
                            req.session.gps_country.as_deref()
                        }
                        CountryLookupMethod::Unknown(_) => None,
                    };
                    match value {
                        Some(v) if v.eq_ignore_ascii_case("unknown") => *include_unknown,
                        Some(v) => countries.iter().any(|c| c == v),
                        None => false,
                    }
                }
                LocationKind::Unknown(_) => false,
            };
            if hit {
                set.push(&loc.id);
            }
        }
        if ip.is_some_and(|ip| self.tenant.mfa_trusted_ips.iter().any(|r| r.contains(ip))) {
            set.push(MFA_TRUSTED_IPS_ID);
            trusted = true;
        }
        let matches = |r: &IdRef| match r {
            IdRef::Keyword(Keyword::All) => true,
            IdRef::Keyword(Keyword::AllTrusted) => trusted,
            IdRef::Id(id) => set.contains(&id.as_str()),
            _ => false,
        };
        let included = l.include.is_empty() || l.include.iter().any(matches);
        let excluded = l.exclude.iter().any(matches);
        // Missing data explains the failure only when it is not excluded by present data and the
        // include side names something the missing datum could have matched.
        // GPS evidence is session proof, not request data (§4.1.5), so only the address and the
        // country count here.
        let needs = |r: &IdRef| -> (bool, bool) {
            match r {
                IdRef::Keyword(Keyword::AllTrusted) => (true, false),
                IdRef::Id(id) if id == MFA_TRUSTED_IPS_ID => (true, false),
                IdRef::Id(id) => match self.tenant.location(id).map(|l| &l.kind) {
                    Some(LocationKind::Ip { .. }) => (true, false),
                    Some(LocationKind::Country {
                        lookup: CountryLookupMethod::ClientIpAddress,
                        ..
                    }) => (false, true),
                    _ => (false, false),
                },
                _ => (false, false),
            }
        };
        let relevant_missing =
            l.include
                .iter()
                .map(needs)
                .fold(0u8, |acc, (needs_ip, needs_country)| {
                    let mut m = acc;
                    if needs_ip && ip.is_none() {
                        m |= missing::IP_ADDRESS;
                    }
                    // `unknown` says the country could not be told: missing data too (§7).
                    if needs_country && country.is_none_or(|c| c == "unknown") {
                        m |= missing::COUNTRY;
                    }
                    m
                });
        if included && !excluded {
            Check::Match
        } else if !excluded && relevant_missing != 0 {
            Check::FailMissing(relevant_missing)
        } else {
            Check::Fail
        }
    }

    // ----- step 8: grant -----------------------------------------------------------------------

    /// Resolves a strength id: the bundle's own copy, then the policy's embedded copy, then the
    /// built-in default (§4.2.5).
    fn strength<'a>(
        &'a self,
        id: &str,
        embedded: Option<&'a AuthStrength>,
    ) -> Option<&'a AuthStrength> {
        let all = self.tenant.strengths.iter().filter(|s| s.id == id);
        let bundle = all.clone().find(|s| !s.is_default);
        let default = all.clone().find(|s| s.is_default);
        bundle.or(embedded.filter(|e| e.id == id)).or(default)
    }

    fn grant(
        &self,
        p: &Policy,
        req: &SignInRequest,
        s: &Subject,
        methods: MethodSet,
        w: &mut Diagnostics,
    ) -> (Grant, Vec<String>) {
        let Some(g) = p.grant.as_ref().filter(|g| !g.is_empty()) else {
            return (Grant::Satisfied, Vec::new());
        };
        if g.built_in.contains(&GrantControl::Block) {
            return (Grant::Block, vec!["block".to_owned()]);
        }
        let workload = matches!(s, Subject::ServicePrincipal { .. });
        let controls = self.controls(p, g, req, methods, workload, w);
        let unsatisfied: Vec<String> = controls
            .iter()
            .filter(|c| !c.satisfied)
            .map(|c| c.name.clone())
            .collect();
        let grant = match g.operator {
            GrantOperator::Or => {
                if controls.iter().any(|c| c.satisfied) {
                    return (Grant::Satisfied, Vec::new());
                }
                let items: Vec<RequirementItem> = controls
                    .iter()
                    .filter_map(|c| c.interactive.clone())
                    .collect();
                if items.is_empty() {
                    Grant::Unsatisfied(unsatisfied.clone())
                } else {
                    Grant::Clauses(vec![sorted(items)])
                }
            }
            // AND, and an unknown operator read as AND (fail-closed).
            _ => {
                let failed: Vec<&Control> = controls.iter().filter(|c| !c.satisfied).collect();
                let non_interactive: Vec<String> = failed
                    .iter()
                    .filter(|c| c.interactive.is_none())
                    .map(|c| c.name.clone())
                    .collect();
                if !non_interactive.is_empty() {
                    Grant::Unsatisfied(non_interactive)
                } else if failed.is_empty() {
                    Grant::Satisfied
                } else {
                    Grant::Clauses(
                        failed
                            .iter()
                            .filter_map(|c| c.interactive.clone())
                            .map(|i| vec![i])
                            .collect(),
                    )
                }
            }
        };
        (grant, unsatisfied)
    }

    fn controls(
        &self,
        p: &Policy,
        g: &GrantControls,
        req: &SignInRequest,
        methods: MethodSet,
        workload: bool,
        w: &mut Diagnostics,
    ) -> Vec<Control> {
        let session = &req.session;
        let device = req.conditions.device.as_ref();
        let device_code = req.conditions.is_device_code_flow();
        let mut out = Vec::new();
        for c in &g.built_in {
            let name = c.as_str().to_owned();
            let control = match c {
                GrantControl::Mfa => {
                    let strength = self.strength(MFA_STRENGTH_ID, None);
                    Control {
                        name,
                        satisfied: strength.is_some_and(|s| req.session.satisfies(s, methods)),
                        interactive: Some(RequirementItem::Mfa),
                    }
                }
                GrantControl::PasswordChange => Control {
                    name,
                    satisfied: session.password_changed,
                    interactive: Some(RequirementItem::PasswordChange),
                },
                GrantControl::RiskRemediation => Control {
                    name,
                    satisfied: session.password_changed,
                    interactive: Some(RequirementItem::RiskRemediation),
                },
                GrantControl::CompliantDevice => Control {
                    name,
                    satisfied: !device_code && device.is_some_and(|d| d.is_compliant()),
                    interactive: None,
                },
                GrantControl::DomainJoinedDevice => Control {
                    name,
                    satisfied: !device_code && device.is_some_and(|d| d.is_hybrid_joined()),
                    interactive: None,
                },
                GrantControl::ApprovedApplication => Control {
                    name,
                    satisfied: session.approved_client_app,
                    interactive: None,
                },
                GrantControl::CompliantApplication => Control {
                    name,
                    satisfied: session.app_protection_policy,
                    interactive: None,
                },
                GrantControl::Block | GrantControl::Unknown(_) => Control {
                    name,
                    satisfied: false,
                    interactive: None,
                },
            };
            out.push(control);
        }
        if let Some(id) = &g.strength {
            match self.strength(id, g.embedded_strength.as_ref()) {
                Some(s) => out.push(Control {
                    name: "authenticationStrength".to_owned(),
                    satisfied: req.session.satisfies(s, methods),
                    interactive: Some(RequirementItem::AuthenticationStrength {
                        id: s.id.clone(),
                        display_name: s.display_name.clone(),
                        allowed_combinations: s
                            .combinations
                            .iter()
                            .map(|c| c.text.clone())
                            .collect(),
                    }),
                }),
                None => {
                    w.warn(
                        "unresolvedStrength",
                        &p.id,
                        format!("authentication strength {id} cannot be resolved; the control can never be satisfied"),
                    );
                    out.push(Control {
                        name: "authenticationStrength".to_owned(),
                        satisfied: false,
                        interactive: None,
                    });
                }
            }
        }
        for tou in &g.terms_of_use {
            out.push(Control {
                name: "termsOfUse".to_owned(),
                satisfied: session.accepted_terms_of_use.contains(tou),
                interactive: Some(RequirementItem::TermsOfUse {
                    agreement_id: tou.clone(),
                }),
            });
        }
        for f in &g.custom_factors {
            out.push(Control {
                name: "customAuthenticationFactor".to_owned(),
                satisfied: session.custom_factors.contains(f),
                interactive: Some(RequirementItem::CustomAuthenticationFactor { id: f.clone() }),
            });
        }
        if workload {
            // A service principal cannot prompt: every control other than block is non-interactive.
            for c in &mut out {
                c.interactive = None;
                c.satisfied = false;
            }
        }
        out
    }

    // ----- steps 10–14: results and the combined decision --------------------------------------
}

fn platform_match(p: &Policy, req: &SignInRequest) -> Check {
    let Some(pl) = &p.conditions.platforms else {
        return Check::Match;
    };
    let platform = req
        .conditions
        .platform
        .as_ref()
        .filter(|x| !matches!(x, Platform::All | Platform::Unknown(_)));
    let specific = |list: &[Platform]| {
        platform.is_some_and(|x| {
            list.iter()
                .any(|y| y == x && !matches!(y, Platform::All | Platform::Unknown(_)))
        })
    };
    // An exclude-only configuration reads as include all (§3.7).
    let included =
        pl.include.is_empty() || pl.include.contains(&Platform::All) || specific(&pl.include);
    let excluded = specific(&pl.exclude);
    if included && !excluded {
        Check::Match
    } else if platform.is_none() {
        Check::FailMissing(missing::DEVICE_PLATFORM)
    } else {
        Check::Fail
    }
}

fn device_match(p: &Policy, req: &SignInRequest) -> Check {
    let Some(dc) = &p.conditions.devices else {
        return Check::Match;
    };
    let device = req.conditions.device.as_ref();
    let applies = dc.matches(device);
    match (applies, device) {
        (true, _) => Check::Match,
        // An absent deviceInfo is an unregistered device (§3.11): not missing data for §7.
        (false, None) => Check::FailMissing(0),
        (false, Some(_)) => Check::Fail,
    }
}

fn client_app_match(p: &Policy, req: &SignInRequest) -> Check {
    let list = &p.conditions.client_app_types;
    if list.is_empty() || list.contains(&ClientAppType::All) {
        return Check::Match;
    }
    match req
        .conditions
        .client_app_type
        .as_ref()
        .filter(|c| !matches!(c, ClientAppType::All | ClientAppType::Unknown(_)))
    {
        None => Check::FailMissing(missing::CLIENT_APP_TYPE),
        Some(c) if list.contains(c) => Check::Match,
        Some(_) => Check::Fail,
    }
}

fn risk_match(levels: &[RiskLevel], request: &RiskLevel) -> Check {
    if levels.is_empty() {
        return Check::Match;
    }
    if !request.is_unknown() && levels.contains(request) {
        Check::Match
    } else {
        Check::Fail
    }
}

fn insider_match(levels: &[InsiderRiskLevel], request: &InsiderRiskLevel) -> Check {
    if levels.is_empty() {
        return Check::Match;
    }
    if !request.is_unknown() && levels.contains(request) {
        Check::Match
    } else {
        Check::Fail
    }
}

/// Does the policy's own sign-in frequency require re-authentication (§6 step 6)?
fn sif_failed(p: &Policy, req: &SignInRequest, t: Timestamp, w: &mut Diagnostics) -> bool {
    p.session
        .sign_in_frequency
        .as_ref()
        .is_some_and(|f| reauthentication_required(f, req, t, w))
}

/// The methods the grants see: none when an enforced, applying policy's frequency makes the
/// session stale (§6 step 7).
fn method_set(evals: &[PolicyVerdict<'_>], req: &SignInRequest) -> MethodSet {
    let stale = evals
        .iter()
        .any(|e| e.applies && e.sif_failed && e.policy.is_enforced());
    if stale {
        MethodSet::default()
    } else {
        req.session.methods
    }
}

/// Is re-authentication required by this sign-in frequency (§3.14)?
fn reauthentication_required(
    f: &SignInFrequency,
    req: &SignInRequest,
    t: Timestamp,
    w: &mut Diagnostics,
) -> bool {
    let reference = match f.auth_type {
        Some(FrequencyAuthType::Secondary) => req.session.last_mfa,
        _ => req.session.last_authenticated,
    };
    let Some(reference) = reference else {
        return true;
    };
    let Ok(limit) = t.checked_add(SKEW) else {
        return true;
    };
    if reference > limit {
        w.warn(
            "authenticationInFuture",
            "$.session",
            "the session's last authentication lies more than five minutes after the evaluation time; it is not accepted as proof",
        );
        return true;
    }
    let elapsed = t.duration_since(reference);
    match f.interval {
        FrequencyInterval::EveryTime => elapsed > SKEW,
        FrequencyInterval::TimeBased => elapsed >= SignedDuration::from_secs(f.seconds()),
        FrequencyInterval::Unknown(_) => true,
    }
}
