//! Resolving a request against the table once: ids hashed, address classified, the candidate
//! policies chosen. Nothing here runs per policy.

use super::*;

impl CompiledPolicies {
    /// Resolves a request against this snapshot. Ids are hashed here, once.
    pub fn prepare<'r>(&self, req: &'r SignInRequest) -> Prepared<'r> {
        let n = self.n;
        let t = req.time();
        let mut unknown_user = false;
        let mut too_many_groups = None;
        let mut identity_missing = Bits::empty(n);
        let mut home_unknown_enumerated = Bits::empty(n);
        let (is_user, identity) = match &req.identity {
            Identity::User {
                user_id,
                external_tenant_id,
                external_user_type,
            } => {
                let entry = self.users.users.get(user_id);
                unknown_user = entry.is_none();
                too_many_groups = entry.and_then(|e| e.too_many_groups_at(t));
                let class = match entry {
                    Some(e) => e.class_at(t),
                    None => self
                        .users
                        .listed
                        .get(user_id)
                        .copied()
                        .unwrap_or(self.users.unknown_class),
                };
                let guest_bits = external_user_type
                    .or_else(|| entry.map(|e| e.guest_bits()))
                    .unwrap_or(0);
                let home = external_tenant_id
                    .as_deref()
                    .or_else(|| entry.and_then(|e| e.home_tenant()));
                let mut include = Bits::empty(n);
                let mut exclude = Bits::empty(n);
                if let Some(c) = self.users.classes.get(class as usize) {
                    include.or(&c.include);
                    exclude.or(&c.exclude);
                }
                let (guest_include, guest_exclude) = self.users.guest_sets(guest_bits, home);
                include.or(&guest_include);
                exclude.or(&guest_exclude);
                if home.is_none()
                    && let Some(b) = self
                        .users
                        .enumerated_include
                        .get(usize::from(guest_bits & 63))
                {
                    home_unknown_enumerated.or(b);
                    home_unknown_enumerated.and_not(&exclude);
                    identity_missing.or(&home_unknown_enumerated);
                }
                // Outside the directory, a listed group or role could have included the user.
                // So could an included group the export lacks, for anyone (§1.6a).
                let mut membership = if unknown_user {
                    let mut m = self.users.include_by_group.clone();
                    m.or(&self.users.include_by_role);
                    m
                } else {
                    self.users.include_dangling_group.clone()
                };
                membership.and_not(&exclude);
                identity_missing.or(&membership);
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
        // `unknown` says the country could not be told: missing data too (§7).
        if c.country.as_deref().is_none_or(|x| x == "unknown") {
            location_missing.or(&loc.needs_country);
        }
        location_missing.and_not(&exclude);
        include.and_not(&exclude);
        let mut location = loc.unconfigured.clone();
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
        let risks = RiskSlots {
            is_user,
            sign_in: risk(&c.sign_in_risk),
            user: risk(&c.user_risk),
            insider: index_of(&INSIDER, &c.insider_risk).unwrap_or(INSIDER.len()),
            service_principal: risk(&c.service_principal_risk),
        };
        let candidates = self.candidates_of(
            [&identity, &target, &location],
            [platform, client, flow],
            risks,
        );
        // Built as the value returned, so that it is written in place, not copied out of a
        // local.
        Prepared {
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
            home_unknown_enumerated,
            sign_in_risk: risks.sign_in,
            user_risk: risks.user,
            sp_risk: risks.service_principal,
            insider_risk: risks.insider,
            flow,
            terms,
            customs,
            atoms,
            candidates,
            since_sign_in: since(req.session.last_authenticated, t),
            since_mfa: since(req.session.last_mfa, t),
        }
    }

    /// The policies of `of` whose device condition leaves the request's device out (§3.11):
    /// each filter rule evaluated once for every policy that has it.
    pub(super) fn device_excluded(&self, req: &SignInRequest, of: &Bits) -> Bits {
        let mut out = Bits::empty(self.n);
        let device = req.conditions.device.as_ref();
        for g in &self.filter_groups {
            if !g.members.intersects(of) {
                continue;
            }
            let Some(filter) = self
                .policy(g.policy)
                .and_then(|p| p.conditions.devices.as_ref())
                .and_then(|dc| dc.filter.as_ref())
            else {
                continue;
            };
            let hit = match device {
                Some(d) => filter.rule.evaluate(d),
                None => filter.rule.evaluate(&crate::model::request::NoDevice),
            };
            out.or_and(if hit { &g.exclude } else { &g.include }, of);
        }
        if self.device_each.intersects(of) {
            let mut each = self.device_each.clone();
            each.and(of);
            for i in each.iter() {
                if !self.device_ok(i, req) {
                    out.insert(i);
                }
            }
        }
        out
    }

    /// Does policy `i`'s device condition take the request's device in scope? One policy at a
    /// time: [`CompiledPolicies::device_excluded`] answers for many.
    pub(super) fn device_ok(&self, i: usize, req: &SignInRequest) -> bool {
        self.tenant
            .policies
            .get(i)
            .and_then(|p| p.conditions.devices.as_ref())
            .is_none_or(|dc| dc.matches(req.conditions.device.as_ref()))
    }

    /// Every evaluated policy whose non-device conditions all match: the AND of the request's
    /// sets in each dimension (its identity, target and location sets; its platform, client
    /// app and flow slots; its risk levels), computed once when the request is prepared.
    fn candidates_of(&self, sets: [&Bits; 3], slots: [usize; 3], risks: RiskSlots) -> Bits {
        let mut set = self.evaluated.clone();
        for s in sets {
            set.and(s);
        }
        let [platform, client, flow] = slots;
        for (table, slot) in [
            (&self.platforms[..], platform),
            (&self.clients[..], client),
            (&self.flows[..], flow),
        ] {
            if let Some(b) = table.get(slot) {
                set.and(b);
            }
        }
        self.narrow_by_risk_slots(risks, &mut set);
        set
    }

    /// Keeps in `set` only the policies whose risk conditions the request's levels meet (a
    /// user's sign-in, user and insider risk; a service principal's own risk).
    pub(super) fn narrow_by_risk(&self, p: &Prepared<'_>, set: &mut Bits) {
        let risks = RiskSlots {
            is_user: p.is_user,
            sign_in: p.sign_in_risk,
            user: p.user_risk,
            insider: p.insider_risk,
            service_principal: p.sp_risk,
        };
        self.narrow_by_risk_slots(risks, set);
    }

    /// [`CompiledPolicies::narrow_by_risk`] on the request's risk slots.
    fn narrow_by_risk_slots(&self, r: RiskSlots, set: &mut Bits) {
        let risks: [(&[Bits], usize); 3] = if r.is_user {
            [
                (&self.sign_in_risk[..], r.sign_in),
                (&self.user_risk[..], r.user),
                (&self.insider_risk[..], r.insider),
            ]
        } else {
            [
                (&self.sp_risk[..], r.service_principal),
                (&self.sp_risk[..], r.service_principal),
                (&self.sp_risk[..], r.service_principal),
            ]
        };
        for (table, slot) in risks {
            if let Some(b) = table.get(slot) {
                set.and(b);
            }
        }
    }

    /// The policies that apply to the prepared request (device filters run only on survivors).
    pub fn applicable(&self, p: &Prepared<'_>) -> Bits {
        let mut set = p.candidates.clone();
        let mut filtered = set.clone();
        filtered.and_not(&self.device_free);
        if !filtered.is_empty() {
            set.and_not(&self.device_excluded(p.req, &filtered));
        }
        set
    }
}

/// A request's slot in each risk table, and whether it is a user's (whose sign-in, user and
/// insider risk count) or a service principal's (whose own risk does).
#[derive(Clone, Copy)]
struct RiskSlots {
    is_user: bool,
    sign_in: usize,
    user: usize,
    insider: usize,
    service_principal: usize,
}

/// Time from `reference` to `t`, or `None` when there is no proof: no reference, or one more
/// than five minutes after `t` (§3.14.4).
pub(super) fn since(reference: Option<Timestamp>, t: Timestamp) -> Option<SignedDuration> {
    let reference = reference?;
    (within_skew(t) && reference.duration_since(t) <= SKEW).then(|| t.duration_since(reference))
}

/// Is `t` plus the allowed clock skew still an instant (`t.checked_add(SKEW)` succeeds)? Told by
/// subtracting instants, which is cheaper than jiff's general arithmetic, and exact: a
/// difference of two instants always fits a duration.
#[inline]
pub(super) fn within_skew(t: Timestamp) -> bool {
    const BEFORE: SignedDuration = SignedDuration::new(-SKEW.as_secs(), -SKEW.subsec_nanos());
    t.duration_since(Timestamp::MAX) <= BEFORE
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]
    use super::*;
    use crate::signin::compiled::test_tenants;
    use crate::unstable::generate::TenantSize;

    /// `device_excluded` over every policy and over a subset, against `device_ok` policy by
    /// policy; returns how many policies were left out.
    fn check(tenant: Tenant, requests: &[SignInRequest]) -> usize {
        let snapshot = crate::Snapshot::compile(tenant);
        let c = snapshot.compiled();
        let mut excluded = 0;
        for (k, req) in requests.iter().enumerate() {
            let mut subset = Bits::empty(c.n);
            for i in (0..c.n).filter(|i| (i * 5 + k) % 3 != 0) {
                subset.insert(i);
            }
            for of in [Bits::full(c.n), subset] {
                let out = c.device_excluded(req, &of);
                for i in 0..c.n {
                    let expected = of.contains(i) && !c.device_ok(i, req);
                    assert_eq!(out.contains(i), expected, "request {k}, policy {i}");
                    excluded += usize::from(expected);
                }
            }
        }
        excluded
    }

    #[test]
    fn within_skew_is_checked_add_of_the_skew() {
        let last = Timestamp::MAX.checked_sub(SKEW).unwrap();
        let one = jiff::SignedDuration::from_nanos(1);
        for t in [
            Timestamp::MIN,
            Timestamp::UNIX_EPOCH,
            last.checked_sub(one).unwrap(),
            last,
            last.checked_add(one).unwrap(),
            Timestamp::MAX,
        ] {
            assert_eq!(super::within_skew(t), t.checked_add(SKEW).is_ok(), "{t}");
        }
        // The reference may be up to the skew after `t`, to the nanosecond.
        let t = Timestamp::UNIX_EPOCH;
        let at = |d: jiff::SignedDuration| Some(t.checked_add(d).unwrap());
        assert_eq!(super::since(at(SKEW), t), Some(-SKEW));
        assert_eq!(super::since(at(SKEW + one), t), None);
        assert_eq!(super::since(at(-SKEW), t), Some(SKEW));
        assert_eq!(super::since(None, t), None);
        assert_eq!(super::since(Some(last), Timestamp::MAX), None);
        assert_eq!(
            super::since(Some(Timestamp::MIN), last),
            Some(last.duration_since(Timestamp::MIN))
        );
    }

    #[test]
    fn device_excluded_is_device_ok_policy_by_policy() {
        let (tenant, requests) = test_tenants::example();
        // The PAW rule serves two policies, one in each mode.
        let c = crate::Snapshot::compile(tenant.clone());
        let groups = &c.compiled().filter_groups;
        assert!(
            groups
                .iter()
                .any(|g| !g.include.is_empty() && !g.exclude.is_empty())
        );
        assert!(check(tenant.clone(), &requests) > 20);
        // Conditions checked one by one: legacy device states (with and without a filter), no
        // filter at all, and a rule whose text is another group's (only a hand-built tenant
        // holds one).
        let mut odd = tenant;
        let filtered: Vec<usize> = (0..odd.policies.len())
            .filter(|&i| {
                let devices = odd.policies[i].conditions.devices.as_ref();
                devices.is_some_and(|d| d.filter.is_some())
            })
            .collect();
        let (paw, other) = (filtered[0], filtered[1]);
        let filter_of = |p: &crate::model::policy::Policy| {
            p.conditions.devices.as_ref().and_then(|d| d.filter.clone())
        };
        let paw_text = filter_of(&odd.policies[paw]).unwrap().text;
        let states = |include: &[&str], exclude: &[&str]| {
            Some(crate::model::policy::DeviceCondition {
                filter: None,
                include_states: include.iter().map(|s| (*s).to_owned()).collect(),
                exclude_states: exclude.iter().map(|s| (*s).to_owned()).collect(),
            })
        };
        odd.policies[0].conditions.devices = states(&["All"], &["Compliant"]);
        odd.policies[1].conditions.devices = states(&["DomainJoined", "Compliant"], &[]);
        odd.policies[2].conditions.devices = states(&[], &[]);
        let mut disguised = odd.policies[other].clone();
        if let Some(d) = disguised.conditions.devices.as_mut()
            && let Some(f) = d.filter.as_mut()
        {
            f.text = paw_text;
        }
        disguised.id = "a1b2c3d4-0000-4000-8000-000000000001".to_owned();
        if let Some(d) = odd.policies[other].conditions.devices.as_mut() {
            d.exclude_states = vec!["DomainJoined".to_owned()];
        }
        odd.policies.push(disguised);
        let c = crate::Snapshot::compile(odd.clone());
        let each = &c.compiled().device_each;
        let last = odd.policies.len() - 1;
        assert!([0, 1, 2, other, last].iter().all(|&i| each.contains(i)));
        assert!(check(odd, &requests) > 20);
        for seed in [3, 7] {
            let (tenant, requests) = test_tenants::generated(TenantSize::SMALL, seed, 150);
            assert!(check(tenant, &requests) > 20);
        }
    }
}
