//! The compiled policy table: [`Tenant`] → immutable [`CompiledPolicies`].
//!
//! Every condition dimension is precomputed as policy bitsets: for each distinct value a request
//! can carry (a user class, an app, a platform, a location class, a risk level, ...) the set of
//! policies whose condition that value satisfies. A request's applicable set is the AND of a
//! handful of bitsets; only the survivors' grant controls, sign-in frequencies and device filters
//! are looked at. Strings are hashed when the snapshot is built and once per request for the
//! request's own ids ([`CompiledPolicies::prepare`]), never per policy.

pub mod bits;
pub mod locations;
pub mod users;

pub use bits::Bits;

use ahash::AHashMap;
use jiff::{SignedDuration, Timestamp};
use smallvec::SmallVec;

use crate::diag::Diagnostics;
use crate::model::directory::CsaAttributes;
use crate::model::enums::{
    ClientAppType, FilterMode, FrequencyAuthType, FrequencyInterval, GrantControl, GrantOperator,
    InsiderRiskLevel, Platform, RiskLevel, TransferMethod, UserAction,
};
use crate::model::ids::{IdRef, Keyword};
use crate::model::policy::{
    ApplicationCondition, ClientApplicationCondition, Filter, SignInFrequency,
};
use crate::model::request::{Identity, SignInContext, SignInRequest};
use crate::model::strength::{AuthStrength, MFA_STRENGTH_ID, MethodSet};
use crate::model::{AppObject, Policy, Tenant};
use crate::signin::combine::{Grant, PolicyVerdict, render, sorted};
use crate::signin::decision::{Decision, RequirementItem, SignInDecision, reasons};

use locations::{LocationTable, compile_locations};
use users::{UserTable, compile_users};

const SKEW: SignedDuration = SignedDuration::from_mins(5);

/// The request platforms, in table order; the last slot is "unknown".
const PLATFORMS: [Platform; 6] = [
    Platform::Android,
    Platform::IOs,
    Platform::Windows,
    Platform::WindowsPhone,
    Platform::MacOs,
    Platform::Linux,
];
const CLIENTS: [ClientAppType; 4] = [
    ClientAppType::Browser,
    ClientAppType::MobileAppsAndDesktopClients,
    ClientAppType::ExchangeActiveSync,
    ClientAppType::Other,
];
const RISKS: [RiskLevel; 5] = [
    RiskLevel::Low,
    RiskLevel::Medium,
    RiskLevel::High,
    RiskLevel::Hidden,
    RiskLevel::None,
];
const INSIDER: [InsiderRiskLevel; 4] = [
    InsiderRiskLevel::None,
    InsiderRiskLevel::Minor,
    InsiderRiskLevel::Moderate,
    InsiderRiskLevel::Elevated,
];

/// One grant control, compiled.
#[derive(Debug, Clone)]
enum Ctl {
    Mfa,
    /// Index into [`CompiledPolicies::strengths`]; `None` when the id cannot be resolved.
    Strength(Option<usize>),
    TermsOfUse(u32),
    Custom(u32),
    PasswordChange,
    RiskRemediation,
    Compliant,
    DomainJoined,
    Approved,
    AppProtection,
    Never,
}

/// Request facts a grant control can be satisfied by, as bits: the fixed ones below, then one bit
/// per strength, terms-of-use agreement and custom control.
mod atom {
    pub const MFA: u32 = 0;
    pub const PASSWORD_CHANGED: u32 = 1;
    pub const COMPLIANT: u32 = 2;
    pub const HYBRID: u32 = 3;
    pub const APPROVED_APP: u32 = 4;
    pub const APP_PROTECTION: u32 = 5;
    /// Never satisfied (unknown controls, unresolvable strengths).
    pub const NEVER: u32 = 6;
    pub const FIRST_STRENGTH: u32 = 7;
}

/// Atoms that no prompt can provide.
const NON_INTERACTIVE_ATOMS: u64 = (1 << atom::COMPLIANT)
    | (1 << atom::HYBRID)
    | (1 << atom::APPROVED_APP)
    | (1 << atom::APP_PROTECTION)
    | (1 << atom::NEVER);

/// Grant controls as policy sets per request atom, so a decision is a few bitset operations
/// instead of a loop over the applicable policies.
#[derive(Debug, Clone)]
struct GrantTable {
    /// Policies that block.
    block: Bits,
    /// Policies with controls (a service principal can satisfy none of them).
    controls: Bits,
    /// OR policies.
    or_policies: Bits,
    /// OR policies none of whose controls a prompt can provide.
    or_non_interactive: Bits,
    /// Per atom: the OR policies it satisfies.
    or_by_atom: Vec<Bits>,
    /// Atoms some OR policy uses.
    or_atoms: u64,
    /// Per atom: the AND policies that require it.
    and_by_atom: Vec<Bits>,
    /// Atoms some AND policy uses.
    and_atoms: u64,
}

fn bit_indices(mut word: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if word == 0 {
            return None;
        }
        let i = word.trailing_zeros() as usize;
        word &= word - 1;
        Some(i)
    })
}

#[derive(Debug, Clone)]
enum CompiledGrant {
    None,
    Block,
    Controls {
        and: bool,
        controls: Vec<(Ctl, String)>,
    },
}

/// An immutable, compiled tenant. Cheap to share (`Arc`) and safe to read from many threads.
#[derive(Debug)]
pub struct CompiledPolicies {
    tenant: Tenant,
    revision: String,
    n: usize,
    evaluated: Bits,
    users: UserTable,
    users_configured: Bits,
    workload_configured: Bits,
    sp_by_app: AHashMap<String, usize>,
    sp_by_object: AHashMap<String, usize>,
    /// Per service principal: match sets when named by appId and by object id.
    sp_sets: Vec<Bits>,
    sp_literal: AHashMap<String, (Bits, Bits)>,
    sp_unknown: (Bits, Bits),
    has_target: Bits,
    apps: AHashMap<String, Bits>,
    app_unknown: Bits,
    actions: [Bits; 2],
    contexts: AHashMap<String, Bits>,
    platforms: [Bits; 7],
    clients: [Bits; 5],
    device_free: Bits,
    locations: LocationTable,
    sign_in_risk: [Bits; 6],
    user_risk: [Bits; 6],
    sp_risk: [Bits; 6],
    insider_risk: [Bits; 5],
    flows: [Bits; 4],
    grants: Vec<CompiledGrant>,
    /// Grant controls as atom tables for the hot path; `None` when a tenant needs more atoms
    /// than fit in 64 bits (then [`CompiledPolicies::controls`] decides, policy by policy).
    grant_table: Option<GrantTable>,
    enforced: Bits,
    has_sif: Bits,
    strengths: Vec<AuthStrength>,
    mfa: Option<usize>,
    terms: AHashMap<String, u32>,
    customs: AHashMap<String, u32>,
}

/// A request resolved against one snapshot: ids looked up, address classified, sets chosen.
#[derive(Debug, Clone)]
pub struct Prepared<'r> {
    req: &'r SignInRequest,
    t: Timestamp,
    is_user: bool,
    unknown_user: bool,
    /// The user's transitive group count, when above the 2048 Entra may block (§3.4.8).
    too_many_groups: Option<usize>,
    identity: Bits,
    target: Bits,
    context_flag: u32,
    platform: usize,
    client: usize,
    location: Bits,
    location_missing: Bits,
    identity_missing: Bits,
    sign_in_risk: usize,
    user_risk: usize,
    sp_risk: usize,
    insider_risk: usize,
    flow: usize,
    terms: SmallVec<[u32; 4]>,
    customs: SmallVec<[u32; 4]>,
    atoms: u64,
    /// Evaluated policies whose non-device conditions all match.
    candidates: Bits,
    /// Time since the last full sign-in and since the last MFA; `None` when not proven (§3.14).
    since_sign_in: Option<SignedDuration>,
    since_mfa: Option<SignedDuration>,
}

fn arr<const N: usize>(n: usize) -> [Bits; N] {
    std::array::from_fn(|_| Bits::empty(n))
}

fn index_of<T: PartialEq>(list: &[T], v: &T) -> Option<usize> {
    list.iter().position(|x| x == v)
}

fn listed(list: &[IdRef], ids: &[&str]) -> bool {
    list.iter().filter_map(IdRef::id).any(|x| ids.contains(&x))
}

fn sp_match(c: &ClientApplicationCondition, ids: &[&str], object: Option<&AppObject>) -> bool {
    let mut included = c
        .include_service_principals
        .iter()
        .any(|r| r.is(Keyword::ServicePrincipalsInMyTenant))
        || listed(&c.include_service_principals, ids);
    let mut excluded = listed(&c.exclude_service_principals, ids);
    if let Some(f) = &c.filter {
        let hit = f.rule.evaluate(&CsaAttributes(object));
        match f.mode {
            FilterMode::Include => included |= hit,
            _ => excluded |= hit,
        }
    }
    included && !excluded
}

impl CompiledPolicies {
    /// Compiles a tenant.
    pub fn compile(tenant: Tenant) -> CompiledPolicies {
        let n = tenant.policies.len();
        let revision = tenant.revision();
        let mut evaluated = Bits::empty(n);
        let mut enforced = Bits::empty(n);
        let mut has_sif = Bits::empty(n);
        let mut users_configured = Bits::empty(n);
        let mut workload_configured = Bits::empty(n);
        let mut has_target = Bits::empty(n);
        let mut device_free = Bits::empty(n);
        for (i, p) in tenant.policies.iter().enumerate() {
            if p.is_evaluated() {
                evaluated.insert(i);
            }
            if p.is_enforced() {
                enforced.insert(i);
            }
            if p.session.sign_in_frequency.is_some() {
                has_sif.insert(i);
            }
            if p.conditions.users.is_some() {
                users_configured.insert(i);
            }
            if p.conditions.client_applications.is_some() {
                workload_configured.insert(i);
            }
            if p.conditions
                .applications
                .as_ref()
                .is_some_and(|a| a.target_kinds() > 0)
            {
                has_target.insert(i);
            }
            if p.conditions.devices.is_none() {
                device_free.insert(i);
            }
        }
        let users = compile_users(&tenant);
        let locations = compile_locations(&tenant);
        let mut s = CompiledPolicies {
            n,
            revision,
            evaluated,
            enforced,
            has_sif,
            users,
            users_configured,
            workload_configured,
            sp_by_app: AHashMap::new(),
            sp_by_object: AHashMap::new(),
            sp_sets: Vec::new(),
            sp_literal: AHashMap::new(),
            sp_unknown: (Bits::empty(n), Bits::empty(n)),
            has_target,
            apps: AHashMap::new(),
            app_unknown: Bits::empty(n),
            actions: arr(n),
            contexts: AHashMap::new(),
            platforms: arr(n),
            clients: arr(n),
            device_free,
            locations,
            sign_in_risk: arr(n),
            user_risk: arr(n),
            sp_risk: arr(n),
            insider_risk: arr(n),
            flows: arr(n),
            grants: Vec::new(),
            grant_table: None,
            strengths: Vec::new(),
            mfa: None,
            terms: AHashMap::new(),
            customs: AHashMap::new(),
            tenant: Tenant::default(),
        };
        s.compile_workloads(&tenant);
        s.compile_targets(&tenant);
        s.compile_simple_dimensions(&tenant);
        s.compile_grants(&tenant);
        s.grant_table = s.compile_grant_table();
        s.tenant = tenant;
        s
    }

    fn compile_workloads(&mut self, t: &Tenant) {
        let n = self.n;
        for (k, sp) in t.service_principals.iter().enumerate() {
            if let Some(app) = &sp.app_id {
                self.sp_by_app.entry(app.clone()).or_insert(k);
            }
            self.sp_by_object.entry(sp.id.clone()).or_insert(k);
            // A known service principal is matched by its object id only (§3.5).
            let mut set = Bits::empty(n);
            for (i, p) in t.policies.iter().enumerate() {
                let Some(c) = &p.conditions.client_applications else {
                    continue;
                };
                if sp_match(c, &[sp.id.as_str()], Some(sp)) {
                    set.insert(i);
                }
            }
            self.sp_sets.push(set);
        }
        for (i, p) in t.policies.iter().enumerate() {
            let Some(c) = &p.conditions.client_applications else {
                continue;
            };
            let base = sp_match(c, &[], None);
            if base {
                self.sp_unknown.0.insert(i);
            }
            let filter_excludes = c.filter.as_ref().is_some_and(|f| {
                f.mode != FilterMode::Include && f.rule.evaluate(&CsaAttributes(None))
            });
            if filter_excludes {
                self.sp_unknown.1.insert(i);
            }
            for (list, include) in [
                (&c.include_service_principals, true),
                (&c.exclude_service_principals, false),
            ] {
                for id in list.iter().filter_map(IdRef::id) {
                    let e = self
                        .sp_literal
                        .entry(id.to_owned())
                        .or_insert_with(|| (Bits::empty(n), Bits::empty(n)));
                    if include {
                        e.0.insert(i)
                    } else {
                        e.1.insert(i)
                    }
                }
            }
        }
    }

    fn app_object<'t>(t: &'t Tenant, app: &str) -> Option<&'t AppObject> {
        t.applications
            .iter()
            .chain(&t.service_principals)
            .find(|a| a.app_id.as_deref() == Some(app))
    }

    fn app_in_scope(t: &Tenant, a: &ApplicationCondition, app: Option<&str>) -> bool {
        let in_group = |k: Keyword| {
            let list = match k {
                Keyword::Office365 => &t.app_groups.office365,
                Keyword::MicrosoftAdminPortals => &t.app_groups.admin_portals,
                _ => return false,
            };
            app.is_some_and(|app| list.as_ref().is_some_and(|l| l.iter().any(|x| x == app)))
        };
        let side = |list: &[IdRef]| {
            list.iter().any(|r| match r {
                IdRef::Keyword(Keyword::All) => true,
                IdRef::Keyword(k @ (Keyword::Office365 | Keyword::MicrosoftAdminPortals)) => {
                    in_group(*k)
                }
                IdRef::Id(x) => Some(x.as_str()) == app,
                _ => false,
            })
        };
        let object = app.and_then(|a| Self::app_object(t, a));
        let filter_hit = a
            .filter
            .as_ref()
            .map(|f: &Filter| (f.mode.clone(), f.rule.evaluate(&CsaAttributes(object))));
        let included = side(&a.include_applications)
            || matches!(filter_hit, Some((FilterMode::Include, true)));
        let excluded = side(&a.exclude_applications)
            || matches!(filter_hit, Some((FilterMode::Exclude, true)));
        included && !excluded
    }

    fn compile_targets(&mut self, t: &Tenant) {
        let n = self.n;
        // Every appId anything names; all other apps share the "unknown app" set.
        let mut known: Vec<&str> = Vec::new();
        for p in &t.policies {
            if let Some(a) = &p.conditions.applications {
                known.extend(
                    a.include_applications
                        .iter()
                        .chain(&a.exclude_applications)
                        .filter_map(IdRef::id),
                );
            }
        }
        for list in [&t.app_groups.office365, &t.app_groups.admin_portals]
            .into_iter()
            .flatten()
        {
            known.extend(list.iter().map(String::as_str));
        }
        known.extend(
            t.applications
                .iter()
                .chain(&t.service_principals)
                .filter_map(|a| a.app_id.as_deref()),
        );
        known.sort_unstable();
        known.dedup();
        let targets_apps =
            |a: &ApplicationCondition| !a.include_applications.is_empty() || a.filter.is_some();
        for app in known {
            let mut set = Bits::empty(n);
            for (i, p) in t.policies.iter().enumerate() {
                if let Some(a) = &p.conditions.applications {
                    if targets_apps(a) && Self::app_in_scope(t, a, Some(app)) {
                        set.insert(i);
                    }
                }
            }
            self.apps.insert(app.to_owned(), set);
        }
        for (i, p) in t.policies.iter().enumerate() {
            let Some(a) = &p.conditions.applications else {
                continue;
            };
            if targets_apps(a) && Self::app_in_scope(t, a, None) {
                self.app_unknown.insert(i);
            }
            for (slot, action) in [
                UserAction::RegisterSecurityInformation,
                UserAction::RegisterOrJoinDevices,
            ]
            .iter()
            .enumerate()
            {
                if a.include_user_actions.contains(action) {
                    if let Some(b) = self.actions.get_mut(slot) {
                        b.insert(i);
                    }
                }
            }
            for cx in &a.include_auth_contexts {
                self.contexts
                    .entry(cx.clone())
                    .or_insert_with(|| Bits::empty(n))
                    .insert(i);
            }
        }
    }

    fn compile_simple_dimensions(&mut self, t: &Tenant) {
        for (i, p) in t.policies.iter().enumerate() {
            let c = &p.conditions;
            // Platforms (§3.7): slot 6 is an unknown platform.
            for slot in 0..7 {
                let value = PLATFORMS.get(slot);
                let ok = match &c.platforms {
                    None => true,
                    Some(pl) => {
                        let specific =
                            |list: &[Platform]| value.is_some_and(|v| list.iter().any(|y| y == v));
                        let included = pl.include.is_empty()
                            || pl.include.contains(&Platform::All)
                            || specific(&pl.include);
                        included && !specific(&pl.exclude)
                    }
                };
                if ok {
                    if let Some(b) = self.platforms.get_mut(slot) {
                        b.insert(i);
                    }
                }
            }
            // Client app types (§3.9): slot 4 is unknown.
            for slot in 0..5 {
                let list = &c.client_app_types;
                let ok = list.is_empty()
                    || list.contains(&ClientAppType::All)
                    || CLIENTS.get(slot).is_some_and(|v| list.contains(v));
                if ok {
                    if let Some(b) = self.clients.get_mut(slot) {
                        b.insert(i);
                    }
                }
            }
            // Risk levels (§3.10): the last slot is an unknown level.
            for slot in 0..6 {
                let level = RISKS.get(slot);
                let ok = |levels: &[RiskLevel]| {
                    levels.is_empty() || level.is_some_and(|l| levels.contains(l))
                };
                for (table, levels) in [
                    (&mut self.sign_in_risk, &c.sign_in_risk_levels),
                    (&mut self.user_risk, &c.user_risk_levels),
                    (&mut self.sp_risk, &c.service_principal_risk_levels),
                ] {
                    if ok(levels) {
                        if let Some(b) = table.get_mut(slot) {
                            b.insert(i);
                        }
                    }
                }
            }
            for slot in 0..5 {
                let level = INSIDER.get(slot);
                let levels = &c.insider_risk_levels;
                if levels.is_empty() || level.is_some_and(|l| levels.contains(l)) {
                    if let Some(b) = self.insider_risk.get_mut(slot) {
                        b.insert(i);
                    }
                }
            }
            // Authentication flows (§3.12): slot bits 1 = device code, 2 = transfer.
            for slot in 0..4usize {
                let has = |m: &TransferMethod| match m {
                    TransferMethod::DeviceCodeFlow => slot & 1 != 0,
                    TransferMethod::AuthenticationTransfer => slot & 2 != 0,
                    _ => false,
                };
                if c.transfer_methods.is_empty() || c.transfer_methods.iter().any(has) {
                    if let Some(b) = self.flows.get_mut(slot) {
                        b.insert(i);
                    }
                }
            }
        }
    }

    fn resolve_strength(
        &mut self,
        t: &Tenant,
        id: &str,
        embedded: Option<&AuthStrength>,
    ) -> Option<usize> {
        let all = t.strengths.iter().filter(|s| s.id == id);
        let bundle = all.clone().find(|s| !s.is_default);
        let default = all.clone().find(|s| s.is_default);
        let chosen = bundle.or(embedded.filter(|e| e.id == id)).or(default)?;
        if let Some(k) = self.strengths.iter().position(|s| s == chosen) {
            return Some(k);
        }
        self.strengths.push(chosen.clone());
        Some(self.strengths.len() - 1)
    }

    fn compile_grants(&mut self, t: &Tenant) {
        self.mfa = self.resolve_strength(t, MFA_STRENGTH_ID, None);
        for p in &t.policies {
            let grant = match p.grant.as_ref().filter(|g| !g.is_empty()) {
                None => CompiledGrant::None,
                Some(g) if g.built_in.contains(&GrantControl::Block) => CompiledGrant::Block,
                Some(g) => {
                    let mut controls = Vec::new();
                    for c in &g.built_in {
                        let ctl = match c {
                            GrantControl::Mfa => Ctl::Mfa,
                            GrantControl::PasswordChange => Ctl::PasswordChange,
                            GrantControl::RiskRemediation => Ctl::RiskRemediation,
                            GrantControl::CompliantDevice => Ctl::Compliant,
                            GrantControl::DomainJoinedDevice => Ctl::DomainJoined,
                            GrantControl::ApprovedApplication => Ctl::Approved,
                            GrantControl::CompliantApplication => Ctl::AppProtection,
                            GrantControl::Block | GrantControl::Unknown(_) => Ctl::Never,
                        };
                        controls.push((ctl, c.as_str().to_owned()));
                    }
                    if let Some(id) = &g.strength {
                        let k = self.resolve_strength(t, id, g.embedded_strength.as_ref());
                        controls.push((Ctl::Strength(k), "authenticationStrength".to_owned()));
                    }
                    for tou in &g.terms_of_use {
                        let next = u32::try_from(self.terms.len()).unwrap_or(u32::MAX);
                        let k = *self.terms.entry(tou.clone()).or_insert(next);
                        controls.push((Ctl::TermsOfUse(k), "termsOfUse".to_owned()));
                    }
                    for f in &g.custom_factors {
                        let next = u32::try_from(self.customs.len()).unwrap_or(u32::MAX);
                        let k = *self.customs.entry(f.clone()).or_insert(next);
                        controls.push((Ctl::Custom(k), "customAuthenticationFactor".to_owned()));
                    }
                    CompiledGrant::Controls {
                        and: g.operator != GrantOperator::Or,
                        controls,
                    }
                }
            };
            self.grants.push(grant);
        }
    }

    fn atom_of_strength(&self, k: usize) -> u32 {
        atom::FIRST_STRENGTH + k as u32
    }

    fn atom_of_term(&self, k: u32) -> u32 {
        atom::FIRST_STRENGTH + self.strengths.len() as u32 + k
    }

    fn atom_of_custom(&self, k: u32) -> u32 {
        self.atom_of_term(self.terms.len() as u32) + k
    }

    fn atom_count(&self) -> usize {
        atom::FIRST_STRENGTH as usize + self.strengths.len() + self.terms.len() + self.customs.len()
    }

    fn compile_grant_table(&self) -> Option<GrantTable> {
        if self.atom_count() > 64 {
            return None;
        }
        let n = self.n;
        let mut t = GrantTable {
            block: Bits::empty(n),
            controls: Bits::empty(n),
            or_policies: Bits::empty(n),
            or_non_interactive: Bits::empty(n),
            or_by_atom: vec![Bits::empty(n); 64],
            or_atoms: 0,
            and_by_atom: vec![Bits::empty(n); 64],
            and_atoms: 0,
        };
        for (i, g) in self.grants.iter().enumerate() {
            match g {
                CompiledGrant::None => {}
                CompiledGrant::Block => t.block.insert(i),
                CompiledGrant::Controls { and, controls } => {
                    t.controls.insert(i);
                    let mut atoms = 0u64;
                    for (ctl, _) in controls {
                        let a = match ctl {
                            Ctl::Mfa => atom::MFA,
                            Ctl::Strength(Some(k)) => self.atom_of_strength(*k),
                            Ctl::Strength(None) | Ctl::Never => atom::NEVER,
                            Ctl::TermsOfUse(k) => self.atom_of_term(*k),
                            Ctl::Custom(k) => self.atom_of_custom(*k),
                            Ctl::PasswordChange | Ctl::RiskRemediation => atom::PASSWORD_CHANGED,
                            Ctl::Compliant => atom::COMPLIANT,
                            Ctl::DomainJoined => atom::HYBRID,
                            Ctl::Approved => atom::APPROVED_APP,
                            Ctl::AppProtection => atom::APP_PROTECTION,
                        };
                        atoms |= 1u64 << a;
                    }
                    let (by_atom, used) = if *and {
                        (&mut t.and_by_atom, &mut t.and_atoms)
                    } else {
                        t.or_policies.insert(i);
                        if atoms & !NON_INTERACTIVE_ATOMS == 0 {
                            t.or_non_interactive.insert(i);
                        }
                        (&mut t.or_by_atom, &mut t.or_atoms)
                    };
                    *used |= atoms;
                    for a in bit_indices(atoms) {
                        if let Some(b) = by_atom.get_mut(a) {
                            b.insert(i);
                        }
                    }
                }
            }
        }
        Some(t)
    }

    /// The atoms a request satisfies with its own session methods (method atoms are dropped when
    /// the session turns out to be stale).
    fn request_atoms(&self, req: &SignInRequest, terms: &[u32], customs: &[u32]) -> u64 {
        if self.grant_table.is_none() {
            return 0;
        }
        let s = &req.session;
        let device = req.conditions.device.as_ref();
        let dcf = req.conditions.is_device_code_flow();
        let mut atoms = 0u64;
        let mut set = |a: u32, on: bool| {
            if on {
                atoms |= 1u64 << a;
            }
        };
        let methods = s.methods;
        set(
            atom::MFA,
            self.mfa
                .and_then(|k| self.strengths.get(k))
                .is_some_and(|st| req.session.satisfies(st, methods)),
        );
        set(atom::PASSWORD_CHANGED, s.password_changed);
        set(
            atom::COMPLIANT,
            !dcf && device.is_some_and(|d| d.is_compliant()),
        );
        set(
            atom::HYBRID,
            !dcf && device.is_some_and(|d| d.is_hybrid_joined()),
        );
        set(atom::APPROVED_APP, s.approved_client_app);
        set(atom::APP_PROTECTION, s.app_protection_policy);
        for (k, st) in self.strengths.iter().enumerate() {
            set(self.atom_of_strength(k), req.session.satisfies(st, methods));
        }
        for k in terms {
            set(self.atom_of_term(*k), true);
        }
        for k in customs {
            set(self.atom_of_custom(*k), true);
        }
        atoms
    }

    fn method_atoms(&self) -> u64 {
        let strengths = self.strengths.len().min(64 - atom::FIRST_STRENGTH as usize);
        let mut m = 1u64 << atom::MFA;
        for k in 0..strengths {
            m |= 1u64 << self.atom_of_strength(k);
        }
        m
    }

    /// The tenant this snapshot was compiled from.
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The content hash of the tenant this snapshot was compiled from.
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// Resolves a request against this snapshot. Ids are hashed here, once.
    pub fn prepare<'r>(&self, req: &'r SignInRequest) -> Prepared<'r> {
        let n = self.n;
        let t = req.time();
        let mut unknown_user = false;
        let mut too_many_groups = None;
        let mut identity_missing = Bits::empty(n);
        let (is_user, identity) = match &req.identity {
            Identity::User {
                user_id,
                external_tenant_id,
                external_user_type,
            } => {
                let entry = self.users.users.get(user_id);
                unknown_user = entry.is_none();
                too_many_groups = entry.and_then(|e| e.too_many_groups_at(t));
                let class = entry.map_or(self.users.unknown_class, |e| e.class_at(t));
                let guest_bits = external_user_type
                    .or_else(|| entry.map(|e| e.guest_bits))
                    .unwrap_or(0);
                let home = external_tenant_id
                    .as_deref()
                    .or_else(|| entry.and_then(|e| e.home_tenant.as_deref()));
                let mut include = Bits::empty(n);
                let mut exclude = Bits::empty(n);
                if let Some(c) = self.users.classes.get(class as usize) {
                    include.or(&c.include);
                    exclude.or(&c.exclude);
                }
                let (guest_include, guest_exclude) = self.users.guest_sets(guest_bits, home);
                include.or(&guest_include);
                exclude.or(&guest_exclude);
                if home.is_none() {
                    if let Some(b) = self
                        .users
                        .enumerated_include
                        .get(usize::from(guest_bits & 63))
                    {
                        identity_missing.or(b);
                        identity_missing.and_not(&exclude);
                    }
                }
                let mut set = self.users_configured.clone();
                set.and(&include);
                set.and_not(&exclude);
                (true, set)
            }
            Identity::ServicePrincipal {
                service_principal_id,
            } => {
                let found = self
                    .sp_by_app
                    .get(service_principal_id)
                    .or_else(|| self.sp_by_object.get(service_principal_id));
                let mut set = self.workload_configured.clone();
                match found.and_then(|k| self.sp_sets.get(*k)) {
                    Some(s) => set.and(s),
                    None => {
                        let mut include = self.sp_unknown.0.clone();
                        let mut exclude = self.sp_unknown.1.clone();
                        if let Some((li, le)) = self.sp_literal.get(service_principal_id) {
                            include.or(li);
                            exclude.or(le);
                        }
                        set.and(&include);
                        set.and_not(&exclude);
                    }
                }
                (false, set)
            }
        };
        let (target, context_flag) = match &req.context {
            SignInContext::Applications(apps) => {
                let mut set = Bits::empty(n);
                for app in apps {
                    set.or(self.apps.get(app).unwrap_or(&self.app_unknown));
                }
                (set, reasons::APPLICATION)
            }
            SignInContext::UserAction(a) => {
                let slot = match a {
                    UserAction::RegisterSecurityInformation => 0,
                    UserAction::RegisterOrJoinDevices => 1,
                    UserAction::Unknown(_) => 2,
                };
                (
                    self.actions
                        .get(slot)
                        .cloned()
                        .unwrap_or_else(|| Bits::empty(n)),
                    reasons::USER_ACTIONS,
                )
            }
            SignInContext::AuthContext(cx) => (
                self.contexts
                    .get(cx)
                    .cloned()
                    .unwrap_or_else(|| Bits::empty(n)),
                reasons::AUTHENTICATION_CONTEXT,
            ),
        };
        let c = &req.conditions;
        let platform = c
            .platform
            .as_ref()
            .and_then(|p| index_of(&PLATFORMS, p))
            .unwrap_or(PLATFORMS.len());
        let client = c
            .client_app_type
            .as_ref()
            .and_then(|p| index_of(&CLIENTS, p))
            .unwrap_or(CLIENTS.len());
        let loc = &self.locations;
        let mut include = loc.include_always.clone();
        let mut exclude = loc.exclude_always.clone();
        let mut trusted = false;
        if let Some(ip) = c.ip_address {
            let s = loc.for_ip(ip);
            include.or(&s.include);
            exclude.or(&s.exclude);
            trusted = s.trusted;
        }
        if let Some(country) = &c.country {
            let s = loc.for_country(country);
            include.or(&s.include);
            exclude.or(&s.exclude);
        }
        if let Some(gps) = &req.session.gps_country {
            let s = loc.for_gps(gps);
            include.or(&s.include);
            exclude.or(&s.exclude);
        }
        if trusted {
            include.or(&loc.include_trusted);
            exclude.or(&loc.exclude_trusted);
        }
        // Missing data explains a location failure only where the include side names something
        // the missing datum could have matched, and no present datum excluded the request.
        let mut location_missing = Bits::empty(n);
        if c.ip_address.is_none() {
            location_missing.or(&loc.needs_ip);
        }
        if c.country.is_none() {
            location_missing.or(&loc.needs_country);
        }
        location_missing.and_not(&exclude);
        include.and_not(&exclude);
        let mut location = Bits::full(n);
        location.and_not(&loc.configured);
        location.or(&include);
        let risk = |l: &RiskLevel| index_of(&RISKS, l).unwrap_or(RISKS.len());
        let flow = usize::from(c.transfer_methods.contains(&TransferMethod::DeviceCodeFlow))
            | (usize::from(
                c.transfer_methods
                    .contains(&TransferMethod::AuthenticationTransfer),
            ) << 1);
        let terms: SmallVec<[u32; 4]> = req
            .session
            .accepted_terms_of_use
            .iter()
            .filter_map(|x| self.terms.get(x).copied())
            .collect();
        let customs: SmallVec<[u32; 4]> = req
            .session
            .custom_factors
            .iter()
            .filter_map(|x| self.customs.get(x).copied())
            .collect();
        let atoms = self.request_atoms(req, &terms, &customs);
        let mut prepared = Prepared {
            req,
            t,
            is_user,
            unknown_user,
            too_many_groups,
            identity,
            target,
            context_flag,
            platform,
            client,
            location,
            location_missing,
            identity_missing,
            sign_in_risk: risk(&c.sign_in_risk),
            user_risk: risk(&c.user_risk),
            sp_risk: risk(&c.service_principal_risk),
            insider_risk: index_of(&INSIDER, &c.insider_risk).unwrap_or(INSIDER.len()),
            flow,
            terms,
            customs,
            atoms,
            candidates: Bits::default(),
            since_sign_in: since(req.session.last_authenticated, t),
            since_mfa: since(req.session.last_mfa, t),
        };
        prepared.candidates = self.candidates(&prepared);
        prepared
    }

    fn device_ok(&self, i: usize, req: &SignInRequest) -> bool {
        self.tenant
            .policies
            .get(i)
            .and_then(|p| p.conditions.devices.as_ref())
            .is_none_or(|dc| dc.matches(req.conditions.device.as_ref()))
    }

    /// The set of evaluated policies whose conditions all match, without device filters.
    /// Every evaluated policy whose non-device conditions all match: the AND of the request's
    /// sets in each dimension, computed once when the request is prepared.
    fn candidates(&self, p: &Prepared<'_>) -> Bits {
        let mut set = self.evaluated.clone();
        set.and(&p.identity);
        set.and(&p.target);
        for (table, slot) in [
            (&self.platforms[..], p.platform),
            (&self.clients[..], p.client),
            (&self.flows[..], p.flow),
        ] {
            if let Some(b) = table.get(slot) {
                set.and(b);
            }
        }
        set.and(&p.location);
        let risks: [(&[Bits], usize); 3] = if p.is_user {
            [
                (&self.sign_in_risk[..], p.sign_in_risk),
                (&self.user_risk[..], p.user_risk),
                (&self.insider_risk[..], p.insider_risk),
            ]
        } else {
            [
                (&self.sp_risk[..], p.sp_risk),
                (&self.sp_risk[..], p.sp_risk),
                (&self.sp_risk[..], p.sp_risk),
            ]
        };
        for (table, slot) in risks {
            if let Some(b) = table.get(slot) {
                set.and(b);
            }
        }
        set
    }

    /// The policies that apply to the prepared request (device filters run only on survivors).
    pub fn applicable(&self, p: &Prepared<'_>) -> Bits {
        let mut set = p.candidates.clone();
        let mut filtered = set.clone();
        filtered.and_not(&self.device_free);
        for i in filtered.iter() {
            if !self.device_ok(i, p.req) {
                set.remove(i);
            }
        }
        set
    }

    /// Does policy `i`'s sign-in frequency require re-authentication? Also whether the
    /// reference instant lies too far in the future.
    fn sif_failed(&self, i: usize, p: &Prepared<'_>) -> (bool, bool) {
        let Some(f) = self
            .policy(i)
            .and_then(|x| x.session.sign_in_frequency.as_ref())
        else {
            return (false, false);
        };
        sif_check(f, p.req, p.t)
    }

    fn policy(&self, i: usize) -> Option<&Policy> {
        self.tenant.policies.get(i)
    }

    /// Which of policy `i`'s controls are satisfied (and which could be prompted for).
    fn controls(
        &self,
        i: usize,
        p: &Prepared<'_>,
        methods: MethodSet,
    ) -> SmallVec<[(bool, bool); 8]> {
        let mut out = SmallVec::new();
        let Some(CompiledGrant::Controls { controls, .. }) = self.grants.get(i) else {
            return out;
        };
        let s = &p.req.session;
        let device = p.req.conditions.device.as_ref();
        let dcf = p.req.conditions.is_device_code_flow();
        let strength = |k: Option<usize>| {
            k.and_then(|k| self.strengths.get(k))
                .is_some_and(|st| p.req.session.satisfies(st, methods))
        };
        for (ctl, _) in controls {
            let (satisfied, interactive) = match ctl {
                Ctl::Mfa => (strength(self.mfa), true),
                Ctl::Strength(k) => (strength(*k), k.is_some()),
                Ctl::TermsOfUse(k) => (p.terms.contains(k), true),
                Ctl::Custom(k) => (p.customs.contains(k), true),
                Ctl::PasswordChange | Ctl::RiskRemediation => (s.password_changed, true),
                Ctl::Compliant => (!dcf && device.is_some_and(|d| d.is_compliant()), false),
                Ctl::DomainJoined => (!dcf && device.is_some_and(|d| d.is_hybrid_joined()), false),
                Ctl::Approved => (s.approved_client_app, false),
                Ctl::AppProtection => (s.app_protection_policy, false),
                Ctl::Never => (false, false),
            };
            // A service principal cannot be prompted and proves nothing.
            out.push(if p.is_user {
                (satisfied, interactive)
            } else {
                (false, false)
            });
        }
        out
    }

    /// Policy `i`'s grant: 0 satisfied, 1 needs interaction, 2 denies.
    fn grant_kind(&self, i: usize, p: &Prepared<'_>, methods: MethodSet) -> u8 {
        match self.grants.get(i) {
            None | Some(CompiledGrant::None) => 0,
            Some(CompiledGrant::Block) => 2,
            Some(CompiledGrant::Controls { and, .. }) => {
                let c = self.controls(i, p, methods);
                if *and {
                    if c.iter().any(|(s, int)| !s && !int) {
                        2
                    } else if c.iter().all(|(s, _)| *s) {
                        0
                    } else {
                        1
                    }
                } else if c.iter().any(|(s, _)| *s) {
                    0
                } else if c.iter().any(|(_, int)| *int) {
                    1
                } else {
                    2
                }
            }
        }
    }

    /// Does policy `i`'s sign-in frequency require re-authentication? Uses the elapsed times
    /// computed when the request was prepared.
    fn sif_required(&self, i: usize, p: &Prepared<'_>) -> bool {
        let Some(f) = self
            .policy(i)
            .and_then(|x| x.session.sign_in_frequency.as_ref())
        else {
            return false;
        };
        let elapsed = match f.auth_type {
            Some(FrequencyAuthType::Secondary) => p.since_mfa,
            _ => p.since_sign_in,
        };
        match (elapsed, &f.interval) {
            (None, _) | (_, FrequencyInterval::Unknown(_)) => true,
            (Some(e), FrequencyInterval::EveryTime) => e > SKEW,
            (Some(e), FrequencyInterval::TimeBased) => e >= SignedDuration::from_secs(f.seconds()),
        }
    }

    /// The decision alone, without allocating: the engine's hot path.
    pub fn decide(&self, p: &Prepared<'_>) -> Decision {
        let mut enforced = self.applicable(p);
        enforced.and(&self.enforced);
        let mut with_sif = enforced.clone();
        with_sif.and(&self.has_sif);
        let stale = with_sif.iter().any(|i| self.sif_required(i, p));
        let Some(g) = &self.grant_table else {
            return self.decide_slow(p, &enforced, stale);
        };
        let mut deny = g.block.clone();
        let mut step_up = Bits::empty(self.n);
        if p.is_user {
            let atoms = if stale {
                p.atoms & !self.method_atoms()
            } else {
                p.atoms
            };
            // OR: satisfied by any atom; otherwise a prompt, unless no control is interactive.
            let mut unsatisfied = g.or_policies.clone();
            for a in bit_indices(atoms & g.or_atoms) {
                if let Some(b) = g.or_by_atom.get(a) {
                    unsatisfied.and_not(b);
                }
            }
            let mut or_deny = unsatisfied.clone();
            or_deny.and(&g.or_non_interactive);
            deny.or(&or_deny);
            unsatisfied.and_not(&g.or_non_interactive);
            step_up.or(&unsatisfied);
            // AND: every missing atom fails the policies that need it.
            for a in bit_indices(g.and_atoms & !atoms) {
                if let Some(b) = g.and_by_atom.get(a) {
                    if NON_INTERACTIVE_ATOMS & (1u64 << a) != 0 {
                        deny.or(b);
                    } else {
                        step_up.or(b);
                    }
                }
            }
        } else {
            // A service principal can neither prove nor be prompted for any control.
            deny.or(&g.controls);
        }
        deny.and(&enforced);
        if !deny.is_empty() {
            return Decision::Deny;
        }
        step_up.and(&enforced);
        if stale || !step_up.is_empty() {
            Decision::StepUp
        } else {
            Decision::Allow
        }
    }

    /// [`CompiledPolicies::decide`] for tenants whose controls do not fit the atom tables.
    fn decide_slow(&self, p: &Prepared<'_>, enforced: &Bits, stale: bool) -> Decision {
        let methods = if stale {
            MethodSet::default()
        } else {
            p.req.session.methods
        };
        let mut step_up = stale;
        for i in enforced.iter() {
            match self.grant_kind(i, p, methods) {
                2 => return Decision::Deny,
                1 => step_up = true,
                _ => {}
            }
        }
        if step_up {
            Decision::StepUp
        } else {
            Decision::Allow
        }
    }

    /// The full decision, rendered as the reference evaluator renders it.
    pub fn evaluate(&self, req: &SignInRequest, explain: bool) -> SignInDecision {
        let p = self.prepare(req);
        self.evaluate_prepared(&p, explain)
    }

    /// The full decision for a prepared request.
    pub fn evaluate_prepared(&self, p: &Prepared<'_>, explain: bool) -> SignInDecision {
        self.evaluate_selected(p, explain, &Bits::full(self.n))
    }

    /// The full decision considering only the policies in `selected`.
    pub fn evaluate_selected(
        &self,
        p: &Prepared<'_>,
        explain: bool,
        selected: &Bits,
    ) -> SignInDecision {
        let mut warnings = Diagnostics::new("request");
        if p.unknown_user {
            if let Identity::User { user_id, .. } = &p.req.identity {
                w_unknown_user(&mut warnings, user_id);
            }
        }
        if let Some(n) = p.too_many_groups {
            w_too_many_groups(&mut warnings, n);
        }
        let mut applicable = self.applicable(p);
        applicable.and(selected);
        let mut sif: Vec<(usize, bool)> = Vec::new();
        let mut future = false;
        for i in applicable.iter() {
            let (failed, fut) = self.sif_failed(i, p);
            future |= fut;
            sif.push((i, failed));
        }
        if future {
            w_future(&mut warnings);
        }
        let stale = sif
            .iter()
            .any(|(i, failed)| *failed && self.policy(*i).is_some_and(Policy::is_enforced));
        let methods = if stale {
            MethodSet::default()
        } else {
            p.req.session.methods
        };
        let mut verdicts = Vec::new();
        for (i, policy) in self.tenant.policies.iter().enumerate() {
            if !selected.contains(i) {
                continue;
            }
            let applies = applicable.contains(i);
            if !applies && !explain {
                continue;
            }
            let reasons = if applies { 0 } else { self.reasons(i, p) };
            let mut verdict = PolicyVerdict {
                policy,
                reasons,
                applies,
                sif_failed: sif.iter().any(|(k, f)| *k == i && *f),
                grant: Grant::Satisfied,
                unsatisfied: Vec::new(),
            };
            if applies {
                let (grant, unsatisfied) = self.render_grant(i, p, methods, &mut warnings);
                verdict.grant = grant;
                verdict.unsatisfied = unsatisfied;
                if verdict.sif_failed {
                    verdict.unsatisfied.push("signInFrequency".to_owned());
                }
            }
            verdicts.push(verdict);
        }
        let mut decision = render(
            p.req,
            p.t,
            explain,
            verdicts,
            &self.tenant.warnings,
            warnings.items,
        );
        decision.revision = Some(self.revision.clone());
        decision
    }

    /// Analysis-reason bits for a policy that does not apply (§6 step 5).
    fn reasons(&self, i: usize, p: &Prepared<'_>) -> u32 {
        if !self.evaluated.contains(i) {
            return reasons::POLICY_NOT_ENABLED;
        }
        let mut bits = 0u32;
        let mut missing = false;
        let neither = !self.users_configured.contains(i) && !self.workload_configured.contains(i);
        if !p.identity.contains(i) {
            missing |= p.identity_missing.contains(i);
            bits |= if neither {
                reasons::EMPTY_POLICY
            } else if p.is_user {
                reasons::USERS
            } else {
                reasons::WORKLOAD_IDENTITIES
            };
        } else if neither {
            bits |= reasons::EMPTY_POLICY;
        }
        if !self.has_target.contains(i) {
            bits |= reasons::EMPTY_POLICY;
        } else if !p.target.contains(i) {
            bits |= p.context_flag;
        }
        let mut dim = |ok: bool, flag: u32, is_missing: bool| {
            if !ok {
                bits |= flag;
                missing |= is_missing;
            }
        };
        dim(
            self.platforms
                .get(p.platform)
                .is_some_and(|b| b.contains(i)),
            reasons::DEVICE_PLATFORM,
            p.platform == PLATFORMS.len(),
        );
        dim(
            self.device_ok(i, p.req),
            reasons::DEVICES,
            p.req.conditions.device.is_none(),
        );
        dim(
            self.clients.get(p.client).is_some_and(|b| b.contains(i)),
            reasons::CLIENT_APPS,
            p.client == CLIENTS.len(),
        );
        dim(
            p.location.contains(i),
            reasons::LOCATION,
            p.location_missing.contains(i),
        );
        let has = |table: &[Bits], slot: usize| table.get(slot).is_some_and(|b| b.contains(i));
        if p.is_user {
            dim(
                has(&self.sign_in_risk, p.sign_in_risk),
                reasons::SIGN_IN_RISK,
                false,
            );
            dim(has(&self.user_risk, p.user_risk), reasons::USER_RISK, false);
            dim(
                has(&self.insider_risk, p.insider_risk),
                reasons::INSIDER_RISK,
                false,
            );
        } else {
            dim(
                has(&self.sp_risk, p.sp_risk),
                reasons::WORKLOAD_IDENTITIES,
                false,
            );
        }
        dim(
            has(&self.flows, p.flow),
            reasons::AUTHENTICATION_FLOW,
            false,
        );
        if missing && bits != 0 {
            bits |= reasons::NOT_ENOUGH_INFORMATION;
        }
        bits
    }

    fn render_grant(
        &self,
        i: usize,
        p: &Prepared<'_>,
        methods: MethodSet,
        w: &mut Diagnostics,
    ) -> (Grant, Vec<String>) {
        let controls = match self.grants.get(i) {
            None | Some(CompiledGrant::None) => return (Grant::Satisfied, Vec::new()),
            Some(CompiledGrant::Block) => return (Grant::Block, vec!["block".to_owned()]),
            Some(CompiledGrant::Controls { and, controls }) => (*and, controls),
        };
        let (and, list) = controls;
        if let Some(policy) = self.policy(i) {
            for (ctl, _) in list {
                if let (Ctl::Strength(None), Some(id)) =
                    (ctl, policy.grant.as_ref().and_then(|g| g.strength.as_ref()))
                {
                    w.warn(
                        "unresolvedStrength",
                        &policy.id,
                        format!("authentication strength {id} cannot be resolved; the control can never be satisfied"),
                    );
                }
            }
        }
        let flags = self.controls(i, p, methods);
        let item = |ctl: &Ctl| -> Option<RequirementItem> {
            Some(match ctl {
                Ctl::Mfa => RequirementItem::Mfa,
                Ctl::Strength(Some(k)) => {
                    let s = self.strengths.get(*k)?;
                    RequirementItem::AuthenticationStrength {
                        id: s.id.clone(),
                        display_name: s.display_name.clone(),
                        allowed_combinations: s
                            .combinations
                            .iter()
                            .map(|c| c.text.clone())
                            .collect(),
                    }
                }
                Ctl::TermsOfUse(k) => RequirementItem::TermsOfUse {
                    agreement_id: self
                        .terms
                        .iter()
                        .find(|(_, v)| *v == k)
                        .map(|(s, _)| s.clone())?,
                },
                Ctl::Custom(k) => RequirementItem::CustomAuthenticationFactor {
                    id: self
                        .customs
                        .iter()
                        .find(|(_, v)| *v == k)
                        .map(|(s, _)| s.clone())?,
                },
                Ctl::PasswordChange => RequirementItem::PasswordChange,
                Ctl::RiskRemediation => RequirementItem::RiskRemediation,
                _ => return None,
            })
        };
        let entries: Vec<(&String, bool, Option<RequirementItem>)> = list
            .iter()
            .zip(flags.iter())
            .map(|((ctl, name), (sat, int))| (name, *sat, if *int { item(ctl) } else { None }))
            .collect();
        let unsatisfied: Vec<String> = entries
            .iter()
            .filter(|e| !e.1)
            .map(|e| e.0.clone())
            .collect();
        let grant = if !and {
            if entries.iter().any(|e| e.1) {
                return (Grant::Satisfied, Vec::new());
            }
            let items: Vec<RequirementItem> = entries.iter().filter_map(|e| e.2.clone()).collect();
            if items.is_empty() {
                Grant::Unsatisfied(unsatisfied.clone())
            } else {
                Grant::Clauses(vec![sorted(items)])
            }
        } else {
            let failed: Vec<&(&String, bool, Option<RequirementItem>)> =
                entries.iter().filter(|e| !e.1).collect();
            let non_interactive: Vec<String> = failed
                .iter()
                .filter(|e| e.2.is_none())
                .map(|e| e.0.clone())
                .collect();
            if !non_interactive.is_empty() {
                Grant::Unsatisfied(non_interactive)
            } else if failed.is_empty() {
                Grant::Satisfied
            } else {
                Grant::Clauses(
                    failed
                        .iter()
                        .filter_map(|e| e.2.clone())
                        .map(|x| vec![x])
                        .collect(),
                )
            }
        };
        (grant, unsatisfied)
    }
}

fn w_unknown_user(w: &mut Diagnostics, user_id: &str) {
    w.warn(
        "unknownUser",
        "$.signInIdentity.userId",
        format!("user {user_id} is not in the tenant's users; evaluated as a member with no groups and no roles"),
    );
}

fn w_too_many_groups(w: &mut Diagnostics, n: usize) {
    w.warn(
        "tooManyGroups",
        "$.signInIdentity.userId",
        format!(
            "user is in {n} groups; Entra may block users in more than {}",
            crate::validate::limits::GROUPS_PER_USER
        ),
    );
}

fn w_future(w: &mut Diagnostics) {
    w.warn(
        "authenticationInFuture",
        "$.session",
        "the session's last authentication lies more than five minutes after the evaluation time; it is not accepted as proof",
    );
}

/// Time from `reference` to `t`, or `None` when there is no proof: no reference, or one more
/// than five minutes after `t` (§3.14.4).
fn since(reference: Option<Timestamp>, t: Timestamp) -> Option<SignedDuration> {
    let reference = reference?;
    let limit = t.checked_add(SKEW).ok()?;
    (reference <= limit).then(|| t.duration_since(reference))
}

/// Sign-in frequency check (§3.14): (re-authentication required, reference too far ahead).
pub fn sif_check(f: &SignInFrequency, req: &SignInRequest, t: Timestamp) -> (bool, bool) {
    let reference = match f.auth_type {
        Some(FrequencyAuthType::Secondary) => req.session.last_mfa,
        _ => req.session.last_authenticated,
    };
    let Some(reference) = reference else {
        return (true, false);
    };
    let Ok(limit) = t.checked_add(SKEW) else {
        return (true, false);
    };
    if reference > limit {
        return (true, true);
    }
    let elapsed = t.duration_since(reference);
    let required = match f.interval {
        FrequencyInterval::EveryTime => elapsed > SKEW,
        FrequencyInterval::TimeBased => elapsed >= SignedDuration::from_secs(f.seconds()),
        FrequencyInterval::Unknown(_) => true,
    };
    (required, false)
}
