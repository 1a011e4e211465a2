//! The hot path: a prepared request's decision from the bitsets, without rendering.

use super::*;

impl CompiledPolicies {
    /// Does policy `i`'s sign-in frequency require re-authentication? Also whether the
    /// reference instant lies too far in the future.
    pub(super) fn sif_failed(&self, i: usize, p: &Prepared<'_>) -> (bool, bool) {
        let Some(f) = self
            .policy(i)
            .and_then(|x| x.session.sign_in_frequency.as_ref())
        else {
            return (false, false);
        };
        sif_check(f, p.req, p.t)
    }

    pub(super) fn policy(&self, i: usize) -> Option<&Policy> {
        self.tenant.policies.get(i)
    }

    /// Does policy `i`'s sign-in frequency require re-authentication? Uses the elapsed times
    /// computed when the request was prepared.
    pub(super) fn sif_required(&self, i: usize, p: &Prepared<'_>) -> bool {
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
    pub(super) fn decide_slow(&self, p: &Prepared<'_>, enforced: &Bits, stale: bool) -> Decision {
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
}

/// Sign-in frequency check (§3.14): (re-authentication required, reference too far ahead).
fn sif_check(f: &SignInFrequency, req: &SignInRequest, t: Timestamp) -> (bool, bool) {
    let reference = match f.auth_type {
        Some(FrequencyAuthType::Secondary) => req.session.last_mfa,
        _ => req.session.last_authenticated,
    };
    let Some(reference) = reference else {
        return (true, false);
    };
    if !super::prepare::within_skew(t) {
        return (true, false);
    }
    if reference.duration_since(t) > SKEW {
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
