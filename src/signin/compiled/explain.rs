//! The full decision: per-policy verdicts rendered as the reference evaluator renders them,
//! with analysis reasons when explain is on.

use super::*;
use crate::signin::combine::message;

/// Analysis-reason bits by policy (see [`CompiledPolicies::reasons_of`]).
pub(super) type Reasons = SmallVec<[u32; 256]>;

impl CompiledPolicies {
    /// The full decision considering only the policies in `selected`.
    pub fn evaluate_selected(
        &self,
        p: &Prepared<'_>,
        explain: bool,
        selected: &Bits,
    ) -> SignInDecision {
        let explain = if explain {
            Explain::Policies
        } else {
            Explain::None
        };
        self.evaluate_with(p, EvaluationOptions::from(explain), selected)
    }

    /// The full decision with `options`, considering only the policies in `selected`.
    pub fn evaluate_with(
        &self,
        p: &Prepared<'_>,
        options: EvaluationOptions,
        selected: &Bits,
    ) -> SignInDecision {
        let explain = options.explain_level().policies();
        // Named after the source only if a warning is recorded: most decisions have none, and
        // the name would be an allocation per decision.
        let mut warnings = Diagnostics::new(String::new());
        if p.unknown_user
            && let Identity::User { user_id, .. } = &p.req.identity
        {
            w_unknown_user(&mut warnings, user_id);
        }
        if let Some(n) = p.too_many_groups {
            w_too_many_groups(&mut warnings, n);
        }
        let mut applicable = self.applicable(p);
        applicable.and(selected);
        // Only policies with a sign-in frequency that apply: a few, kept on the stack.
        let mut sif: SmallVec<[(usize, bool); 16]> = SmallVec::new();
        let mut future = false;
        for i in applicable.iter() {
            let (failed, fut) = self.sif_failed(i, p);
            future |= fut;
            sif.push((i, failed));
        }
        let mut methods = self.method_set(p, &sif);
        let missing = self.missing_data(p, selected, &applicable, methods);
        if options.assumes_worst() && !missing.is_empty() {
            for (i, _) in &missing {
                applicable.insert(*i);
                let (failed, fut) = self.sif_failed(*i, p);
                future |= fut;
                sif.push((*i, failed));
            }
            methods = self.method_set(p, &sif);
        }
        if future {
            w_future(&mut warnings);
        }
        // Without explain only the policies that apply or that missing data kept out matter:
        // walk their bits, not every policy of the tenant.
        let visit = if explain {
            selected.clone()
        } else {
            let mut v = applicable.clone();
            for (i, _) in &missing {
                v.insert(*i);
            }
            v.and(selected);
            v
        };
        // Reasons are read only with explain.
        let why = if explain {
            let mut not_applying = visit.clone();
            not_applying.and_not(&applicable);
            let mut why = Reasons::new();
            self.reasons_of(p, &not_applying, &mut why);
            why
        } else {
            Reasons::new()
        };
        let mut sif_failed = Bits::empty(self.n);
        for (i, failed) in &sif {
            if *failed {
                sif_failed.insert(*i);
            }
        }
        let mut verdicts = Vec::with_capacity(if explain { self.n } else { 8 });
        // Both `visit` and `missing` (see `missing_data`) run in policy order: one walk pairs them.
        debug_assert!(missing.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)));
        let mut kept_out = missing.iter().peekable();
        for i in visit.iter() {
            let Some(policy) = self.tenant.policies.get(i) else {
                continue;
            };
            let applies = applicable.contains(i);
            let mut missing = 0;
            while let Some(&&(k, fields)) = kept_out.peek() {
                if k > i {
                    break;
                }
                if k == i {
                    missing = fields;
                }
                kept_out.next();
            }
            if !applies && !explain && missing == 0 {
                continue;
            }
            let reasons = why.get(i).copied().unwrap_or(0);
            let mut verdict = PolicyVerdict {
                policy,
                reasons,
                applies,
                sif_failed: sif_failed.contains(i),
                grant: Grant::Satisfied,
                unsatisfied: Vec::new(),
                missing,
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
        for w in &mut warnings.items {
            "request".clone_into(&mut w.file);
        }
        let mut decision = render(
            p.req,
            p.t,
            explain,
            verdicts,
            &self.tenant.warnings,
            warnings.items,
        );
        decision.revision = Some(self.revision);
        decision
    }

    /// The methods the grants see: none when an enforced policy's frequency failed (§6 step 7).
    fn method_set(&self, p: &Prepared<'_>, sif: &[(usize, bool)]) -> MethodSet {
        let stale = sif
            .iter()
            .any(|(i, failed)| *failed && self.policy(*i).is_some_and(Policy::is_enforced));
        if stale {
            MethodSet::default()
        } else {
            p.req.session.methods
        }
    }

    /// Missing data (§7): each enforced, selected policy that does not apply only because
    /// request data is absent or unknown, and that would deny or require something if it
    /// applied, with the data (a [`missing`] mask), in policy order. Bit operations narrow the
    /// candidates; the few left are checked one by one.
    pub(super) fn missing_data(
        &self,
        p: &Prepared<'_>,
        selected: &Bits,
        applicable: &Bits,
        methods: MethodSet,
    ) -> SmallVec<[(usize, u8); 4]> {
        if !self.may_miss_data(p) {
            return SmallVec::new();
        }
        self.missing_data_of(p, selected, applicable, methods)
    }

    /// Whether any policy can be kept out for want of data: only a policy whose identity or
    /// location could not be told, or a request whose platform or client app is unknown, can
    /// be (the masks `missing_data_of` sets need one of these).
    fn may_miss_data(&self, p: &Prepared<'_>) -> bool {
        let known = |slot: usize, unknown: usize, table: &[Bits]| {
            slot != unknown && table.get(slot).is_some()
        };
        !p.identity_missing.is_empty()
            || !p.location_missing.is_empty()
            || !known(p.platform, PLATFORMS.len(), &self.platforms)
            || !known(p.client, CLIENTS.len(), &self.clients)
    }

    /// [`CompiledPolicies::missing_data`] worked out in full.
    fn missing_data_of(
        &self,
        p: &Prepared<'_>,
        selected: &Bits,
        applicable: &Bits,
        methods: MethodSet,
    ) -> SmallVec<[(usize, u8); 4]> {
        let mut set = self.enforced.clone();
        set.and(&self.evaluated);
        set.and(selected);
        set.and_not(applicable);
        let mut identity = p.identity.clone();
        identity.or(&p.identity_missing);
        set.and(&identity);
        set.and(&p.target);
        let mut location = p.location.clone();
        location.or(&p.location_missing);
        set.and(&location);
        let fixed: [(&[Bits], usize, bool); 3] = [
            (
                &self.platforms[..],
                p.platform,
                p.platform == PLATFORMS.len(),
            ),
            (&self.clients[..], p.client, p.client == CLIENTS.len()),
            (&self.flows[..], p.flow, false),
        ];
        for (table, slot, unknown) in fixed {
            if let (false, Some(b)) = (unknown, table.get(slot)) {
                set.and(b);
            }
        }
        self.narrow_by_risk(p, &mut set);
        let mut out = SmallVec::new();
        if set.is_empty() {
            return out;
        }
        let c = &p.req.conditions;
        let excluded = self.device_excluded(p.req, &set);
        for i in set.iter() {
            if excluded.contains(i) {
                continue;
            }
            let mut fields = 0u8;
            if !p.identity.contains(i) {
                if (p.unknown_user && self.users.include_by_group.contains(i))
                    || (!p.unknown_user && self.users.include_dangling_group.contains(i))
                {
                    fields |= missing::GROUP_MEMBERSHIP;
                }
                if p.unknown_user && self.users.include_by_role.contains(i) {
                    fields |= missing::ROLE_MEMBERSHIP;
                }
                if p.home_unknown_enumerated.contains(i) {
                    fields |= missing::EXTERNAL_TENANT_ID;
                }
            }
            if !self
                .platforms
                .get(p.platform)
                .is_some_and(|b| b.contains(i))
            {
                fields |= missing::DEVICE_PLATFORM;
            }
            if !self.clients.get(p.client).is_some_and(|b| b.contains(i)) {
                fields |= missing::CLIENT_APP_TYPE;
            }
            if !p.location.contains(i) {
                if c.ip_address.is_none() && self.locations.needs_ip.contains(i) {
                    fields |= missing::IP_ADDRESS;
                }
                if c.country.as_deref().is_none_or(|x| x == "unknown")
                    && self.locations.needs_country.contains(i)
                {
                    fields |= missing::COUNTRY;
                }
            }
            if fields != 0 && (self.sif_required(i, p) || self.grant_kind(i, p, methods) != 0) {
                out.push((i, fields));
            }
        }
        out
    }

    /// Analysis-reason bits (§6 step 5) of every policy in `of` (those that do not apply), all
    /// at once, into `out` (indexed by policy; zero outside `of`). The sets are read 64 policies
    /// (one word) at a time: each dimension's left-out policies are one word operation, and
    /// only their set bits are visited, so a decision listing every policy of a large tenant
    /// visits each failed condition once instead of testing every condition of every policy.
    /// `out` holds 256 policies inline, so tenants of up to 256 policies allocate nothing.
    pub(super) fn reasons_of(&self, p: &Prepared<'_>, of: &Bits, out: &mut Reasons) {
        out.clear();
        out.resize(self.n, 0);
        let id_flag = if p.is_user {
            reasons::USERS
        } else {
            reasons::WORKLOAD_IDENTITIES
        };
        // The risk dimensions: a user's three, or a service principal's own (flag 0: unused).
        let [r0, r1, r2] = if p.is_user {
            [
                (self.sign_in_risk.get(p.sign_in_risk), reasons::SIGN_IN_RISK),
                (self.user_risk.get(p.user_risk), reasons::USER_RISK),
                (self.insider_risk.get(p.insider_risk), reasons::INSIDER_RISK),
            ]
        } else {
            [
                (self.sp_risk.get(p.sp_risk), reasons::WORKLOAD_IDENTITIES),
                (None, 0),
                (None, 0),
            ]
        };
        // Each dimension: the policies it admits (`None`: a slot past the table, which admits
        // none), its flag, and whether failing it is for want of request data.
        let dims: [(Option<&Bits>, u32, bool); 7] = [
            (
                self.platforms.get(p.platform),
                reasons::DEVICE_PLATFORM,
                p.platform == PLATFORMS.len(),
            ),
            (
                self.clients.get(p.client),
                reasons::CLIENT_APPS,
                p.client == CLIENTS.len(),
            ),
            (Some(&p.location), reasons::LOCATION, false),
            (r0.0, r0.1, false),
            (r1.0, r1.1, false),
            (r2.0, r2.1, false),
            (self.flows.get(p.flow), reasons::AUTHENTICATION_FLOW, false),
        ];
        let device_missing = p.req.conditions.device.is_none();
        let mut filtered = of.clone();
        filtered.and(&self.evaluated);
        filtered.and_not(&self.device_free);
        let device_excluded = self.device_excluded(p.req, &filtered);
        for k in 0..self.n.div_ceil(64) {
            let of = of.word(k);
            if of == 0 {
                continue;
            }
            let base = k * 64;
            let mut add = |mask: u64, flag: u32| {
                let mut m = mask;
                while m != 0 {
                    if let Some(r) = out.get_mut(base + m.trailing_zeros() as usize) {
                        *r |= flag;
                    }
                    m &= m - 1;
                }
            };
            let evaluated = self.evaluated.word(k);
            add(of & !evaluated, reasons::POLICY_NOT_ENABLED);
            let live = of & evaluated;
            // The live policies `set` leaves out (`None` admits none).
            let left_out = |set: Option<&Bits>| live & !set.map_or(0, |s| s.word(k));
            // Configuring neither users nor workload identities makes a policy empty, whatever
            // the identity.
            let neither =
                live & !(self.users_configured.word(k) | self.workload_configured.word(k));
            add(neither, reasons::EMPTY_POLICY);
            let identity = left_out(Some(&p.identity));
            // Policies whose failure of a dimension was for want of request data.
            let mut missing = identity & p.identity_missing.word(k);
            add(identity & !neither, id_flag);
            add(left_out(Some(&self.has_target)), reasons::EMPTY_POLICY);
            add(
                left_out(Some(&p.target)) & self.has_target.word(k),
                p.context_flag,
            );
            missing |= left_out(Some(&p.location)) & p.location_missing.word(k);
            let devices = device_excluded.word(k);
            add(devices, reasons::DEVICES);
            if device_missing {
                missing |= devices;
            }
            for &(set, flag, is_missing) in &dims {
                if flag == 0 {
                    continue;
                }
                let failed = left_out(set);
                add(failed, flag);
                if is_missing {
                    missing |= failed;
                }
            }
            let mut m = missing;
            while m != 0 {
                if let Some(r) = out.get_mut(base + m.trailing_zeros() as usize)
                    && *r != 0
                {
                    *r |= reasons::NOT_ENOUGH_INFORMATION;
                }
                m &= m - 1;
            }
        }
    }

    pub(super) fn render_grant(
        &self,
        i: usize,
        p: &Prepared<'_>,
        methods: MethodSet,
        w: &mut Diagnostics,
    ) -> (Grant, Vec<String>) {
        let (and, list, items) = match self.grants.get(i) {
            None | Some(CompiledGrant::None) => return (Grant::Satisfied, Vec::new()),
            Some(CompiledGrant::Block) => return (Grant::Block, vec!["block".to_owned()]),
            Some(CompiledGrant::Controls {
                and,
                controls,
                items,
                ..
            }) => (*and, controls, items),
        };
        if let Some(policy) = self.policy(i) {
            for (ctl, _) in list {
                if let (Ctl::Strength(None), Some(id)) =
                    (ctl, policy.grant.as_ref().and_then(|g| g.strength.as_ref()))
                {
                    w.warn(
                        "unresolvedStrength",
                        &policy.id,
                        message::text(&message::UnresolvedStrength(id)),
                    );
                }
            }
        }
        let flags = self.controls(i, p, methods);
        // Satisfied (any control under OR, every one under AND): nothing to list, nothing to build.
        let satisfied = if and {
            flags.iter().all(|(s, _)| *s)
        } else {
            flags.iter().any(|(s, _)| *s)
        };
        if satisfied {
            return (Grant::Satisfied, Vec::new());
        }
        let item = |j: usize| {
            items
                .get(j)
                .and_then(Option::as_ref)
                .and_then(|c| c.items.first())
                .cloned()
        };
        let entries: Vec<(&String, bool, Option<RequirementItem>)> = list
            .iter()
            .zip(flags.iter())
            .enumerate()
            .map(|(j, ((_, name), (sat, int)))| (name, *sat, if *int { item(j) } else { None }))
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
            // The items were built for this decision: moved into it, not copied.
            let items: Vec<RequirementItem> = entries.into_iter().filter_map(|e| e.2).collect();
            if items.is_empty() {
                Grant::Unsatisfied(unsatisfied.clone())
            } else {
                Grant::Clauses(vec![sorted(items)])
            }
        } else {
            let failed: Vec<(&String, bool, Option<RequirementItem>)> =
                entries.into_iter().filter(|e| !e.1).collect();
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
                        .into_iter()
                        .filter_map(|e| e.2)
                        .map(|x| vec![x])
                        .collect(),
                )
            }
        };
        (grant, unsatisfied)
    }
}

pub(super) fn w_unknown_user(w: &mut Diagnostics, user_id: &str) {
    w.warn(
        "unknownUser",
        "$.signInIdentity.userId",
        message::text(&message::UnknownUser(user_id)),
    );
}

pub(super) fn w_too_many_groups(w: &mut Diagnostics, n: usize) {
    w.warn(
        "tooManyGroups",
        "$.signInIdentity.userId",
        message::text(&message::TooManyGroups(n)),
    );
}

pub(super) fn w_future(w: &mut Diagnostics) {
    w.warn(
        "authenticationInFuture",
        "$.session",
        message::text(&message::AuthenticationInFuture),
    );
}

#[cfg(test)]
mod tests {
    #![expect(clippy::indexing_slicing, reason = "a test fails loudly")]
    use super::*;
    use crate::signin::compiled::test_tenants;
    use crate::unstable::generate::TenantSize;

    impl CompiledPolicies {
        /// Analysis-reason bits for one policy that does not apply (§6 step 5), condition by
        /// condition: what `reasons_of` computed before it worked set by set, kept as its oracle.
        fn reasons_one(&self, i: usize, p: &Prepared<'_>) -> u32 {
            if !self.evaluated.contains(i) {
                return reasons::POLICY_NOT_ENABLED;
            }
            let mut bits = 0u32;
            let mut missing = false;
            let neither =
                !self.users_configured.contains(i) && !self.workload_configured.contains(i);
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
    }

    /// `reasons_of` over every policy and over a subset, against `reasons_one` policy by policy.
    fn check(tenant: Tenant, requests: &[SignInRequest]) -> usize {
        let snapshot = crate::Snapshot::compile(tenant);
        let c = snapshot.compiled();
        let mut flagged = 0;
        for (k, req) in requests.iter().enumerate() {
            let p = c.prepare(req);
            let mut subset = Bits::empty(c.n);
            for i in (0..c.n).filter(|i| (i * 7 + k) % 3 != 0) {
                subset.insert(i);
            }
            for of in [Bits::full(c.n), subset] {
                let mut all = Reasons::new();
                c.reasons_of(&p, &of, &mut all);
                for i in 0..c.n {
                    let expected = if of.contains(i) {
                        c.reasons_one(i, &p)
                    } else {
                        0
                    };
                    assert_eq!(all[i], expected, "request {k}, policy {i}");
                    flagged += usize::from(expected != 0);
                }
            }
        }
        flagged
    }

    #[test]
    fn no_missing_data_is_found_where_none_can_be() {
        // Cases where data could be missing, those where some was, and those where none could be.
        let (mut knowable, mut found, mut unknowable) = (0, 0, 0);
        let mut check = |tenant: Tenant, requests: &[SignInRequest]| {
            let snapshot = crate::Snapshot::compile(tenant);
            let c = snapshot.compiled();
            // Each request as it is, and without each piece of data it may lack.
            let variants = requests.iter().flat_map(|req| {
                let mut without = [req.clone(), req.clone(), req.clone(), req.clone()];
                let [address, platform, client, _] = &mut without;
                address.conditions.ip_address = None;
                address.conditions.country = None;
                platform.conditions.platform = None;
                client.conditions.client_app_type = None;
                without
            });
            for (k, req) in variants.enumerate() {
                let p = c.prepare(&req);
                let applicable = c.applicable(&p);
                for methods in [req.session.methods, MethodSet::default()] {
                    let full = c.missing_data_of(&p, &c.evaluated, &applicable, methods);
                    if c.may_miss_data(&p) {
                        knowable += 1;
                        found += usize::from(!full.is_empty());
                    } else {
                        assert!(full.is_empty(), "request {k}: {full:?}");
                        unknowable += 1;
                    }
                    assert_eq!(c.missing_data(&p, &c.evaluated, &applicable, methods), full);
                }
            }
        };
        let (tenant, requests) = test_tenants::example();
        check(tenant, &requests);
        for seed in [3, 7, 11] {
            let (tenant, requests) = test_tenants::generated(TenantSize::SMALL, seed, 150);
            check(tenant, &requests);
        }
        assert!(
            unknowable > 50 && knowable > 50 && found > 20,
            "{unknowable} {knowable} {found}"
        );
    }

    #[test]
    fn reasons_of_gives_each_policy_the_reasons_it_would_alone() {
        let (tenant, requests) = test_tenants::example();
        assert!(check(tenant, &requests) > 100);
        // Small tenants (one word of policies), then three words and more than the inline four.
        let sized = |policies| TenantSize {
            policies,
            ..TenantSize::SMALL
        };
        for (size, seed) in [
            (TenantSize::SMALL, 3),
            (TenantSize::SMALL, 7),
            (TenantSize::SMALL, 11),
            (sized(150), 5),
            (sized(300), 9),
        ] {
            let (tenant, requests) = test_tenants::generated(size, seed, 150);
            assert!(requests.len() > 100, "{}", requests.len());
            assert!(check(tenant, &requests) > 1000);
        }
    }
}
