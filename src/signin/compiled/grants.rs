//! Grant controls: compiled per policy, then as per-atom policy sets so a decision is a few bit
//! operations instead of a loop over the applicable policies.

use super::*;

impl CompiledPolicies {
    pub(super) fn resolve_strength(
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

    pub(super) fn compile_grants(&mut self, t: &Tenant) {
        self.mfa = self.resolve_strength(t, MFA_STRENGTH_ID, None);
        let mut keys = Map::default();
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
                    let items: Vec<Option<RequirementItem>> = controls
                        .iter()
                        .map(|(ctl, _)| self.requirement_item(ctl))
                        .collect();
                    let or_clause =
                        Clause::new(sorted(items.iter().flatten().cloned().collect()), &mut keys);
                    CompiledGrant::Controls {
                        and: g.operator != GrantOperator::Or,
                        controls,
                        items: items
                            .into_iter()
                            .map(|item| item.map(|i| Clause::new(vec![i], &mut keys)))
                            .collect(),
                        or_clause,
                    }
                }
            };
            self.grants.push(grant);
        }
    }

    /// What a user can do to meet `ctl`; `None` when no prompt can (device and app state, an
    /// unresolvable strength, an unknown control).
    fn requirement_item(&self, ctl: &Ctl) -> Option<RequirementItem> {
        Some(match ctl {
            Ctl::Mfa => RequirementItem::Mfa,
            Ctl::Strength(Some(k)) => {
                let s = self.strengths.get(*k)?;
                RequirementItem::AuthenticationStrength {
                    id: s.id.clone(),
                    display_name: s.display_name.clone(),
                    allowed_combinations: s.combinations.iter().map(|c| c.text.clone()).collect(),
                }
            }
            Ctl::TermsOfUse(k) => RequirementItem::TermsOfUse {
                agreement_id: key_of(&self.terms, *k)?,
            },
            Ctl::Custom(k) => RequirementItem::CustomAuthenticationFactor {
                id: key_of(&self.customs, *k)?,
            },
            Ctl::PasswordChange => RequirementItem::PasswordChange,
            Ctl::RiskRemediation => RequirementItem::RiskRemediation,
            Ctl::Strength(None)
            | Ctl::Compliant
            | Ctl::DomainJoined
            | Ctl::Approved
            | Ctl::AppProtection
            | Ctl::Never => return None,
        })
    }

    /// The atom that satisfies `ctl`.
    fn atom_of(&self, ctl: &Ctl) -> u32 {
        match ctl {
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
        }
    }

    pub(super) fn atom_of_strength(&self, k: usize) -> u32 {
        atom::FIRST_STRENGTH + k as u32
    }

    pub(super) fn atom_of_term(&self, k: u32) -> u32 {
        atom::FIRST_STRENGTH + self.strengths.len() as u32 + k
    }

    pub(super) fn atom_of_custom(&self, k: u32) -> u32 {
        self.atom_of_term(self.terms.len() as u32) + k
    }

    pub(super) fn atom_count(&self) -> usize {
        atom::FIRST_STRENGTH as usize + self.strengths.len() + self.terms.len() + self.customs.len()
    }

    pub(super) fn compile_grant_table(&self) -> Option<GrantTable> {
        if self.atom_count() > 64 {
            return None;
        }
        let n = self.n;
        let mut t = GrantTable {
            block: Bits::empty(n),
            controls: Bits::empty(n),
            or_policies: Bits::empty(n),
            not_block_nor_or: Bits::empty(n),
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
                CompiledGrant::Controls { and, controls, .. } => {
                    t.controls.insert(i);
                    let mut atoms = 0u64;
                    for (ctl, _) in controls {
                        atoms |= 1u64 << self.atom_of(ctl);
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
        t.not_block_nor_or = Bits::full(n);
        t.not_block_nor_or.and_not(&t.block);
        t.not_block_nor_or.and_not(&t.or_policies);
        Some(t)
    }

    /// The atoms a request satisfies with its own session methods (method atoms are dropped when
    /// the session turns out to be stale).
    pub(super) fn request_atoms(&self, req: &SignInRequest, terms: &[u32], customs: &[u32]) -> u64 {
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
        // The MFA control is the built-in strength's atom, read after the strengths.
        let mut mfa = false;
        for (k, st) in self.strengths.iter().enumerate() {
            let met = match self.strength_masks.get(k) {
                Some(Some(masks)) => masks.iter().any(|m| methods.0 & m == *m),
                _ => req.session.satisfies(st, methods),
            };
            mfa |= met && self.mfa == Some(k);
            set(self.atom_of_strength(k), met);
        }
        set(atom::MFA, mfa);
        for k in terms {
            set(self.atom_of_term(*k), true);
        }
        for k in customs {
            set(self.atom_of_custom(*k), true);
        }
        atoms
    }

    pub(super) fn method_atoms(&self) -> u64 {
        let strengths = self.strengths.len().min(64 - atom::FIRST_STRENGTH as usize);
        let mut m = 1u64 << atom::MFA;
        for k in 0..strengths {
            m |= 1u64 << self.atom_of_strength(k);
        }
        m
    }

    /// The policies whose grant a user's request satisfies with `methods`, from the atom
    /// tables in a few set operations: no block, and no controls, or an OR policy with one
    /// control met, or an AND policy with all met. `None` where the tables do not answer (no
    /// table, a service principal, methods other than the session's or none): the caller then
    /// asks [`CompiledPolicies::grant_of`] policy by policy, as it does for every policy not in
    /// the set. The set is exactly the policies `grant_of` finds `Satisfied`, held equal by a
    /// test on the example and three generated tenants (and by the differential suite's
    /// decisions on every generated one).
    pub(super) fn satisfied_grants(&self, p: &Prepared<'_>, methods: MethodSet) -> Option<Bits> {
        let g = self.grant_table.as_ref()?;
        if !p.is_user {
            return None;
        }
        let atoms = if methods == p.req.session.methods {
            p.atoms
        } else if methods == MethodSet::default() {
            p.atoms & !self.method_atoms()
        } else {
            return None;
        };
        let mut satisfied = g.not_block_nor_or.clone();
        // AND: a missing atom fails every policy that needs it.
        for a in bit_indices(g.and_atoms & !atoms) {
            if let Some(b) = g.and_by_atom.get(a) {
                satisfied.and_not(b);
            }
        }
        // OR: any atom met satisfies.
        for a in bit_indices(g.or_atoms & atoms) {
            if let Some(b) = g.or_by_atom.get(a) {
                satisfied.or(b);
            }
        }
        Some(satisfied)
    }

    /// Which of policy `i`'s controls are satisfied (and which could be prompted for). Read from
    /// the request's atoms where the tenant has an atom table and `methods` are those the atoms
    /// were worked out from (the session's, or none when its frequency failed); checked one by
    /// one otherwise.
    pub(super) fn controls(
        &self,
        i: usize,
        p: &Prepared<'_>,
        methods: MethodSet,
    ) -> SmallVec<[(bool, bool); 8]> {
        let mut out = SmallVec::new();
        let Some(CompiledGrant::Controls { controls, .. }) = self.grants.get(i) else {
            return out;
        };
        let atoms = match self.grant_table {
            None => None,
            Some(_) if methods == p.req.session.methods => Some(p.atoms),
            // No methods: as `decide` reads a stale session, no method atom holds (a combination
            // is satisfiable only with at least one method, so none is met by no methods).
            Some(_) if methods == MethodSet::default() => Some(p.atoms & !self.method_atoms()),
            Some(_) => None,
        };
        let Some(atoms) = atoms else {
            return self.controls_checked(i, p, methods);
        };
        for (ctl, _) in controls {
            let satisfied = atoms & 1u64.checked_shl(self.atom_of(ctl)).unwrap_or(0) != 0;
            // A service principal cannot be prompted and proves nothing.
            out.push(if p.is_user {
                (satisfied, ctl.interactive())
            } else {
                (false, false)
            });
        }
        out
    }

    /// [`CompiledPolicies::controls`], each control checked against the request.
    pub(super) fn controls_checked(
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
            let satisfied = match ctl {
                Ctl::Mfa => strength(self.mfa),
                Ctl::Strength(k) => strength(*k),
                Ctl::TermsOfUse(k) => p.terms.contains(k),
                Ctl::Custom(k) => p.customs.contains(k),
                Ctl::PasswordChange | Ctl::RiskRemediation => s.password_changed,
                Ctl::Compliant => !dcf && device.is_some_and(|d| d.is_compliant()),
                Ctl::DomainJoined => !dcf && device.is_some_and(|d| d.is_hybrid_joined()),
                Ctl::Approved => s.approved_client_app,
                Ctl::AppProtection => s.app_protection_policy,
                Ctl::Never => false,
            };
            let interactive = ctl.interactive();
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
    pub(super) fn grant_kind(&self, i: usize, p: &Prepared<'_>, methods: MethodSet) -> u8 {
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
}

/// The id numbered `k` (terms of use and custom controls are numbered as they are first seen).
fn key_of(numbers: &Map<String, u32>, k: u32) -> Option<String> {
    numbers
        .iter()
        .find(|(_, v)| **v == k)
        .map(|(s, _)| s.clone())
}

/// What one policy's grant came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GrantKind {
    Satisfied,
    Clauses,
    Deny,
}

impl CompiledPolicies {
    /// What policy `i`'s grant comes to for `p`, handing each unmet clause a prompt could
    /// satisfy to `unmet`.
    pub(super) fn grant_of<'a>(
        &'a self,
        i: usize,
        p: &Prepared<'_>,
        methods: MethodSet,
        unmet: impl FnMut(&'a Clause),
    ) -> GrantKind {
        self.grant_with(i, &self.controls(i, p, methods), unmet)
    }

    /// [`CompiledPolicies::grant_of`] with policy `i`'s controls already checked (`flags`, as
    /// [`CompiledPolicies::controls`] gives them).
    pub(super) fn grant_with<'a>(
        &'a self,
        i: usize,
        flags: &[(bool, bool)],
        mut unmet: impl FnMut(&'a Clause),
    ) -> GrantKind {
        let (and, items, or_clause) = match self.grants.get(i) {
            None | Some(CompiledGrant::None) => return GrantKind::Satisfied,
            Some(CompiledGrant::Block) => return GrantKind::Deny,
            Some(CompiledGrant::Controls {
                and,
                items,
                or_clause,
                ..
            }) => (*and, items, or_clause),
        };
        if and {
            if flags.iter().any(|(s, int)| !s && !int) {
                return GrantKind::Deny;
            }
            let mut kind = GrantKind::Satisfied;
            for (j, (s, _)) in flags.iter().enumerate() {
                if !s {
                    kind = GrantKind::Clauses;
                    if let Some(Some(clause)) = items.get(j) {
                        unmet(clause);
                    }
                }
            }
            kind
        } else if flags.iter().any(|(s, _)| *s) {
            GrantKind::Satisfied
        } else if flags.iter().any(|(_, int)| *int) && !or_clause.items.is_empty() {
            unmet(or_clause);
            GrantKind::Clauses
        } else {
            GrantKind::Deny
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signin::compiled::test_tenants;
    use crate::unstable::generate::TenantSize;

    /// `controls` read from the atoms gives what checking each control gives, with the session's
    /// methods and with none; returns how many controls held and how many did not.
    fn check(tenant: Tenant, requests: &[SignInRequest]) -> (usize, usize) {
        let snapshot = crate::Snapshot::compile(tenant);
        let c = snapshot.compiled();
        assert!(c.grant_table.is_some());
        let (mut held, mut failed) = (0, 0);
        for (k, req) in requests.iter().enumerate() {
            let p = c.prepare(req);
            for methods in [req.session.methods, MethodSet::default()] {
                for i in 0..c.n {
                    let flags = c.controls(i, &p, methods);
                    assert_eq!(
                        flags,
                        c.controls_checked(i, &p, methods),
                        "request {k}, policy {i}"
                    );
                    held += flags.iter().filter(|(s, _)| *s).count();
                    failed += flags.iter().filter(|(s, _)| !*s).count();
                }
            }
        }
        (held, failed)
    }

    /// `satisfied_grants` is exactly the policies `grant_of` finds satisfied, wherever it
    /// answers; returns how many policies it held satisfied and how many not.
    fn check_satisfied(tenant: Tenant, requests: &[SignInRequest]) -> (usize, usize) {
        let snapshot = crate::Snapshot::compile(tenant);
        let c = snapshot.compiled();
        let (mut yes, mut no) = (0, 0);
        for (k, req) in requests.iter().enumerate() {
            let p = c.prepare(req);
            for methods in [req.session.methods, MethodSet::default()] {
                let Some(set) = c.satisfied_grants(&p, methods) else {
                    assert!(!p.is_user, "request {k}: a user's request is answered");
                    continue;
                };
                for i in 0..c.n {
                    let kind = c.grant_of(i, &p, methods, |_| {});
                    assert_eq!(
                        set.contains(i),
                        kind == GrantKind::Satisfied,
                        "request {k}, policy {i}, {kind:?}"
                    );
                    if set.contains(i) {
                        yes += 1;
                    } else {
                        no += 1;
                    }
                }
            }
        }
        (yes, no)
    }

    /// Runs `check` on the example tenant and three generated ones, each of which must give
    /// more than 50 of both counts (so neither side of the comparison goes untested).
    fn on_test_tenants(check: fn(Tenant, &[SignInRequest]) -> (usize, usize)) {
        let (tenant, requests) = test_tenants::example();
        let (yes, no) = check(tenant, &requests);
        assert!(yes > 50 && no > 50, "example: {yes} {no}");
        for seed in [3, 7, 11] {
            let (tenant, requests) = test_tenants::generated(TenantSize::SMALL, seed, 150);
            let (yes, no) = check(tenant, &requests);
            assert!(yes > 50 && no > 50, "seed {seed}: {yes} {no}");
        }
    }

    #[test]
    fn satisfied_grants_are_the_grants_found_satisfied_one_by_one() {
        on_test_tenants(check_satisfied);
    }

    #[test]
    fn controls_from_atoms_are_the_controls_checked() {
        on_test_tenants(check);
    }

    /// Every clause of a snapshot's grants; returns how many pairs had equal keys and how many
    /// did not, having checked that the keys are equal exactly when the items are.
    fn check_clause_keys(tenant: Tenant) -> (usize, usize) {
        let snapshot = crate::Snapshot::compile(tenant);
        let clauses: Vec<&Clause> = snapshot
            .compiled()
            .grants
            .iter()
            .flat_map(|g| match g {
                CompiledGrant::Controls {
                    items, or_clause, ..
                } => items.iter().flatten().chain([or_clause]).collect(),
                _ => Vec::new(),
            })
            .collect();
        let (mut same, mut different) = (0, 0);
        for (k, a) in clauses.iter().enumerate() {
            for b in clauses.iter().skip(k + 1) {
                assert_eq!(a.key == b.key, a.items == b.items, "{a:?} / {b:?}");
                if a.key == b.key {
                    same += 1;
                } else {
                    different += 1;
                }
            }
        }
        (same, different)
    }

    #[test]
    fn clause_keys_are_equal_exactly_when_items_are() {
        let (same, different) = check_clause_keys(test_tenants::example().0);
        assert!(same > 5 && different > 50, "example: {same} {different}");
        for seed in [3, 7, 11] {
            let (same, different) =
                check_clause_keys(test_tenants::generated(TenantSize::SMALL, seed, 0).0);
            assert!(
                same > 5 && different > 50,
                "seed {seed}: {same} {different}"
            );
        }
    }
}
