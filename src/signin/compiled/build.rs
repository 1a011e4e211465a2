//! Compiling a [`Tenant`] into the policy bitsets: identities, targets and the simple
//! dimensions (platform, client app, risk, flow). Grants are compiled in `grants.rs`.

use super::*;

impl CompiledPolicies {
    /// Compiles a tenant.
    pub fn compile(tenant: Tenant) -> CompiledPolicies {
        let n = tenant.policies.len();
        let mut evaluated = Bits::empty(n);
        let mut enforced = Bits::empty(n);
        let mut has_sif = Bits::empty(n);
        let mut has_session = Bits::empty(n);
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
            if p.session != crate::model::policy::SessionControls::default() {
                has_session.insert(i);
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
        let (filter_groups, device_each) = group_device_filters(&tenant);
        // The three large independent parts, on every core: at Entra's limits the user table and
        // the location intervals are most of the work.
        let (revision, (users, locations)) = rayon::join(
            || tenant.revision(),
            || rayon::join(|| compile_users(&tenant), || compile_locations(&tenant)),
        );
        let revision_json = {
            let mut out = b",\"revision\":".to_vec();
            crate::signin::json_out::string(&mut out, revision.as_str());
            out.push(b'}');
            out.into_boxed_slice()
        };
        let mut s = CompiledPolicies {
            n,
            revision,
            evaluated,
            enforced,
            has_sif,
            has_session,
            unresolved_strength: Bits::empty(n),
            users,
            users_configured,
            workload_configured,
            sp_by_app: Map::default(),
            sp_by_object: Map::default(),
            sp_sets: Vec::new(),
            sp_literal: Map::default(),
            sp_unknown: (Bits::empty(n), Bits::empty(n)),
            has_target,
            apps: Map::default(),
            app_unknown: Bits::empty(n),
            actions: arr(n),
            contexts: Map::default(),
            platforms: arr(n),
            clients: arr(n),
            device_free,
            filter_groups,
            device_each,
            locations,
            sign_in_risk: arr(n),
            user_risk: arr(n),
            sp_risk: arr(n),
            insider_risk: arr(n),
            flows: arr(n),
            grants: Vec::new(),
            grant_table: None,
            strengths: Vec::new(),
            strength_masks: Vec::new(),
            mfa: None,
            terms: Map::default(),
            customs: Map::default(),
            id_json: tenant
                .policies
                .iter()
                .map(|p| {
                    let mut out = Vec::with_capacity(p.id.len() + 2);
                    crate::signin::json_out::string(&mut out, &p.id);
                    out.into_boxed_slice()
                })
                .collect(),
            revision_json,
            ids_unique: {
                let mut seen = crate::hashing::Set::default();
                tenant.policies.iter().all(|p| seen.insert(p.id.as_str()))
            },
            explain_json: Vec::new(),
            explained_size: 0,
            tenant: Tenant::default(),
        };
        s.compile_workloads(&tenant);
        s.compile_targets(&tenant);
        s.compile_simple_dimensions(&tenant);
        s.compile_grants(&tenant);
        s.strength_masks = s.strengths.iter().map(strength_masks).collect();
        s.grant_table = s.compile_grant_table();
        for (i, g) in s.grants.iter().enumerate() {
            if let CompiledGrant::Controls { controls, .. } = g
                && controls
                    .iter()
                    .any(|(ctl, _)| matches!(ctl, Ctl::Strength(None)))
            {
                s.unresolved_strength.insert(i);
            }
        }
        s.explain_json = borrowed::explained::policy_json(&tenant);
        s.explained_size = borrowed::explained::explained_size(&s.explain_json);
        s.tenant = tenant;
        s
    }

    pub(super) fn compile_workloads(&mut self, t: &Tenant) {
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

    pub(super) fn app_object<'t>(t: &'t Tenant, app: &str) -> Option<&'t AppObject> {
        t.applications
            .iter()
            .chain(&t.service_principals)
            .find(|a| a.app_id.as_deref() == Some(app))
    }

    pub(super) fn app_in_scope(t: &Tenant, a: &ApplicationCondition, app: Option<&str>) -> bool {
        let in_group = |k: Keyword| app.is_some_and(|app| t.app_groups.contains(k, app));
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

    pub(super) fn compile_targets(&mut self, t: &Tenant) {
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
        for (_, group) in t.app_groups.iter() {
            known.extend(group.app_ids.iter().map(String::as_str));
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
                if let Some(a) = &p.conditions.applications
                    && targets_apps(a)
                    && Self::app_in_scope(t, a, Some(app))
                {
                    set.insert(i);
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
                if a.include_user_actions.contains(action)
                    && let Some(b) = self.actions.get_mut(slot)
                {
                    b.insert(i);
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

    pub(super) fn compile_simple_dimensions(&mut self, t: &Tenant) {
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
                if ok && let Some(b) = self.platforms.get_mut(slot) {
                    b.insert(i);
                }
            }
            // Client app types (§3.9): slot 4 is unknown.
            for slot in 0..5 {
                let list = &c.client_app_types;
                let ok = list.is_empty()
                    || list.contains(&ClientAppType::All)
                    || CLIENTS.get(slot).is_some_and(|v| list.contains(v));
                if ok && let Some(b) = self.clients.get_mut(slot) {
                    b.insert(i);
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
                    if ok(levels)
                        && let Some(b) = table.get_mut(slot)
                    {
                        b.insert(i);
                    }
                }
            }
            for slot in 0..5 {
                let level = INSIDER.get(slot);
                let levels = &c.insider_risk_levels;
                if (levels.is_empty() || level.is_some_and(|l| levels.contains(l)))
                    && let Some(b) = self.insider_risk.get_mut(slot)
                {
                    b.insert(i);
                }
            }
            // Authentication flows (§3.12): slot bits 1 = device code, 2 = transfer.
            for slot in 0..4usize {
                let has = |m: &TransferMethod| match m {
                    TransferMethod::DeviceCodeFlow => slot & 1 != 0,
                    TransferMethod::AuthenticationTransfer => slot & 2 != 0,
                    _ => false,
                };
                if (c.transfer_methods.is_empty() || c.transfer_methods.iter().any(has))
                    && let Some(b) = self.flows.get_mut(slot)
                {
                    b.insert(i);
                }
            }
        }
    }
}

pub(super) fn listed(list: &[IdRef], ids: &[&str]) -> bool {
    list.iter().filter_map(IdRef::id).any(|x| ids.contains(&x))
}

pub(super) fn sp_match(
    c: &ClientApplicationCondition,
    ids: &[&str],
    object: Option<&AppObject>,
) -> bool {
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

/// The tenant's device conditions that are one filter rule and nothing more, grouped by the
/// rule's text (a hash map keeps this linear; a rule that differs from its group's though the
/// text is the same, which only a hand-built tenant can hold, is checked alone). The policies
/// whose condition has legacy device states, or no filter, go to the second set, to be checked
/// one by one.
fn group_device_filters(t: &Tenant) -> (Vec<FilterGroup>, Bits) {
    let n = t.policies.len();
    let mut groups: Vec<FilterGroup> = Vec::new();
    let mut each = Bits::empty(n);
    let mut by_rule: Map<&str, usize> = Map::default();
    for (i, p) in t.policies.iter().enumerate() {
        let Some(dc) = &p.conditions.devices else {
            continue;
        };
        let filter = match &dc.filter {
            Some(f) if dc.include_states.is_empty() && dc.exclude_states.is_empty() => f,
            _ => {
                each.insert(i);
                continue;
            }
        };
        let k = *by_rule.entry(filter.text.as_str()).or_insert_with(|| {
            groups.push(FilterGroup {
                policy: i,
                members: Bits::empty(n),
                include: Bits::empty(n),
                exclude: Bits::empty(n),
            });
            groups.len() - 1
        });
        let same_rule = groups
            .get(k)
            .and_then(|g| t.policies.get(g.policy))
            .and_then(|p| p.conditions.devices.as_ref())
            .and_then(|dc| dc.filter.as_ref())
            .is_some_and(|f| f.rule == filter.rule);
        if !same_rule {
            each.insert(i);
            continue;
        }
        if let Some(g) = groups.get_mut(k) {
            g.members.insert(i);
            // Any mode but include excludes, as `DeviceCondition::matches` reads it.
            if filter.mode == FilterMode::Include {
                g.include.insert(i);
            } else {
                g.exclude.insert(i);
            }
        }
    }
    (groups, each)
}

/// What [`CompiledPolicies::strength_masks`] keeps for `s`.
fn strength_masks(s: &AuthStrength) -> Option<Box<[u32]>> {
    s.configurations.is_empty().then(|| {
        s.combinations
            .iter()
            .filter(|c| c.satisfiable)
            .map(|c| c.methods.0)
            .collect()
    })
}
