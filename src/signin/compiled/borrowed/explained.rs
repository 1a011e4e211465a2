//! The explained decision's per-policy results (`policies`), written straight from the policy
//! sets: each policy's fixed parts (its id, name and state; its enforced controls; the tenant
//! warnings about it) are JSON written once when the snapshot is compiled, and only what the
//! request decides (applies, reasons, result, outcome, unsatisfied controls) is worked out per
//! decision. The bytes are those [`SignInDecision::write_json`] writes for the explained
//! decision, which the differential suite checks against the reference evaluator.

use super::*;
use crate::signin::combine::enforced_grant_controls;
use crate::signin::compiled::explain::Reasons;
use crate::signin::decision::reasons;

/// The parts of a policy's result that do not depend on the request, as JSON.
#[derive(Debug, Clone, Default)]
pub(in crate::signin::compiled) struct PolicyJson {
    /// `,{"id":…,"displayName":…,"state":…,"policyApplies":true,"analysisReasons":"notSet"`:
    /// it starts with the comma that separates it from the policy before, which the writer
    /// leaves out for the first policy listed.
    applies: Box<[u8]>,
    /// `,"enforcedGrantControls":[…],"enforcedSessionControls":[…]`: for a policy that applies.
    controls: Box<[u8]>,
    /// `,{"id":…,"displayName":…,"state":…,"policyApplies":false,"analysisReasons":"`: the
    /// reasons follow (the comma as in `applies`).
    not_applying: Box<[u8]>,
    /// `","result":…,"outcome":…}` after a non-applying policy's reasons, closing it: a policy
    /// that does not apply has one result and outcome, whatever the request. Its warnings, when
    /// it has them to show, go before the closing brace.
    not_applying_tail: Box<[u8]>,
    /// `,"warnings":[…]` with the tenant warnings about the policy, or nothing when there are
    /// none: for a policy that applies or that missing data kept out (§1.6).
    warnings: Box<[u8]>,
    /// `not_applying_tail` and then the next policy's `not_applying`: when both policies do not
    /// apply (most of an explained line's policies), one copy closes this one and opens that.
    /// Empty for the last policy.
    tail_then_next: Box<[u8]>,
}

/// Each policy's [`PolicyJson`], in policy order.
pub(in crate::signin::compiled) fn policy_json(t: &Tenant) -> Vec<PolicyJson> {
    let about = warnings_by_policy(t);
    let mut out = t
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut head = Vec::with_capacity(p.id.len() + p.display_name.len() + 96);
            head.extend_from_slice(b",{\"id\":");
            out::string(&mut head, &p.id);
            head.extend_from_slice(b",\"displayName\":");
            out::string(&mut head, &p.display_name);
            head.extend_from_slice(b",\"state\":");
            out::string(&mut head, p.state.as_str());
            let mut not_applying = head.clone();
            not_applying.extend_from_slice(b",\"policyApplies\":false,\"analysisReasons\":\"");
            head.extend_from_slice(b",\"policyApplies\":true,\"analysisReasons\":\"notSet\"");
            let outcome = if p.is_evaluated() {
                Outcome::NotApplied
            } else {
                Outcome::NotEnabled
            };
            let mut tail = Vec::new();
            tail.extend_from_slice(b"\",\"result\":");
            out::name(&mut tail, result_kind(p, outcome).as_str());
            tail.extend_from_slice(b",\"outcome\":");
            out::name(&mut tail, outcome.as_str());
            tail.push(b'}');
            let mut controls = Vec::new();
            controls.extend_from_slice(b",\"enforcedGrantControls\":");
            out::str_list(
                &mut controls,
                enforced_grant_controls(p).iter().map(String::as_str),
            );
            controls.extend_from_slice(b",\"enforcedSessionControls\":");
            out::str_list(&mut controls, p.session.names());
            let mut warnings = Vec::new();
            if let Some(list) = about.get(i).filter(|l| !l.is_empty()) {
                warnings.extend_from_slice(b",\"warnings\":");
                out::value(&mut warnings, list);
            }
            PolicyJson {
                applies: head.into_boxed_slice(),
                controls: controls.into_boxed_slice(),
                not_applying: not_applying.into_boxed_slice(),
                not_applying_tail: tail.into_boxed_slice(),
                warnings: warnings.into_boxed_slice(),
                tail_then_next: Box::default(),
            }
        })
        .collect::<Vec<_>>();
    let bridges: Vec<Box<[u8]>> = out
        .windows(2)
        .map(|pair| match pair {
            [this, next] => [this.not_applying_tail.as_ref(), next.not_applying.as_ref()]
                .concat()
                .into_boxed_slice(),
            _ => Box::default(),
        })
        .collect();
    for (policy, bridge) in out.iter_mut().zip(bridges) {
        policy.tail_then_next = bridge;
    }
    out
}

/// About how many bytes the per-policy results of `policies` take, to reserve them at once.
pub(in crate::signin::compiled) fn explained_size(policies: &[PolicyJson]) -> usize {
    policies
        .iter()
        .map(|p| p.not_applying.len() + p.not_applying_tail.len() + 40)
        .sum()
}

/// The tenant warnings about each policy: those read at its place in the export (its file, and
/// its JSON path or a path below it), in the tenant's order, as the renderer finds them
/// (`combine::warnings_about`). One lookup per place a warning's path
/// could end a policy's path, not a scan of every warning per policy.
fn warnings_by_policy(t: &Tenant) -> Vec<Vec<&Diagnostic>> {
    let mut out: Vec<Vec<&Diagnostic>> = vec![Vec::new(); t.policies.len()];
    if t.warnings.is_empty() {
        return out;
    }
    let mut at: Map<(&str, &str), SmallVec<[usize; 1]>> =
        crate::hashing::map_with_capacity(t.policies.len());
    for (i, p) in t.policies.iter().enumerate() {
        at.entry(crate::model::read::split_source(&p.source))
            .or_default()
            .push(i);
    }
    for w in &t.warnings {
        let cuts = w
            .path
            .bytes()
            .enumerate()
            .filter(|(_, b)| matches!(b, b'.' | b'['))
            .map(|(k, _)| k)
            .chain(std::iter::once(w.path.len()));
        for cut in cuts {
            let Some(prefix) = w.path.get(..cut) else {
                continue;
            };
            for &i in at.get(&(w.file.as_str(), prefix)).into_iter().flatten() {
                if let Some(list) = out.get_mut(i) {
                    list.push(w);
                }
            }
        }
    }
    out
}

impl BorrowedDecision<'_> {
    /// Appends the explained decision as one line of JSON (no newline): the bytes
    /// [`SignInDecision::write_json`] writes for the decision with [`crate::Explain::Policies`]
    /// (this decision and every policy's result, outcome and analysis reasons), without building
    /// it or allocating in the usual case.
    ///
    /// ```
    /// # let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    /// let snapshot = jitgate::Snapshot::compile(jitgate::load(&root.join("examples/tenant"))?);
    /// let line = std::fs::read_to_string(root.join("examples/signins.jsonl"))?;
    /// let request = jitgate::SignInRequest::from_json(line.lines().next().unwrap_or_default())?;
    /// let mut json = Vec::new();
    /// snapshot.evaluate_borrowed(&request).write_json_explained(&mut json);
    /// let owned = snapshot.evaluate(&request, jitgate::Explain::Policies);
    /// assert_eq!(json, serde_json::to_vec(&owned)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_json_explained(&self, o: &mut Vec<u8>) {
        self.write(o, true);
    }

    /// Appends `,"policies":[…]`: the result of every policy the explained decision lists.
    pub(super) fn write_policies(&self, o: &mut Vec<u8>) {
        o.reserve(self.policies.explained_size + 16);
        o.extend_from_slice(b",\"policies\":[");
        // Under `appliedPoliciesOnly` no policy that does not apply is listed.
        let mut not_applying = Bits::empty(self.policies.n);
        if !self.p.req.applied_policies_only {
            not_applying = Bits::full(self.policies.n);
            not_applying.and_not(&self.applicable);
        }
        let mut why = Reasons::new();
        self.policies.reasons_of(&self.p, &not_applying, &mut why);
        let why: &[u32] = &why;
        let mut kept_out = Bits::empty(self.policies.n);
        for (i, _) in &self.missing {
            kept_out.insert(*i);
        }
        // The first policy's JSON skips the comma the others start with.
        let mut from = 1;
        // The policy before wrote this one's opening with its close (`tail_then_next`).
        let mut opened = false;
        // A word of 64 policies at a time: those listed, in policy order.
        for k in 0..self.policies.n.div_ceil(64) {
            let applying = self.applicable.word(k);
            let kept_out = kept_out.word(k);
            let mut listed = applying | not_applying.word(k);
            while listed != 0 {
                let bit = listed.trailing_zeros();
                listed &= listed - 1;
                let i = k * 64 + bit as usize;
                let Some(json) = self.policies.explain_json.get(i) else {
                    continue;
                };
                if applying & (1 << bit) != 0 {
                    let Some(policy) = self.policies.policy(i) else {
                        continue;
                    };
                    o.extend_from_slice(json.applies.get(from..).unwrap_or_default());
                    let sif_failed = self.sif_failed.contains(i);
                    let flags = self.policies.controls(i, &self.p, self.methods);
                    let outcome = self.outcome(i, policy, &flags);
                    o.extend_from_slice(b",\"result\":");
                    out::name(o, result_kind(policy, outcome).as_str());
                    o.extend_from_slice(b",\"outcome\":");
                    out::name(o, outcome.as_str());
                    o.extend_from_slice(&json.controls);
                    self.write_unsatisfied(o, i, &flags, sif_failed);
                    o.extend_from_slice(&json.warnings);
                    o.push(b'}');
                } else {
                    if !opened {
                        o.extend_from_slice(json.not_applying.get(from..).unwrap_or_default());
                    }
                    write_reason_names(o, why.get(i).copied().unwrap_or(0));
                    opened = false;
                    match json.not_applying_tail.split_last() {
                        Some((close, tail)) if kept_out & (1 << bit) != 0 => {
                            o.extend_from_slice(tail);
                            o.extend_from_slice(&json.warnings);
                            o.push(*close);
                        }
                        _ if not_applying.contains(i + 1) => {
                            o.extend_from_slice(&json.tail_then_next);
                            opened = true;
                        }
                        _ => o.extend_from_slice(&json.not_applying_tail),
                    }
                }
                from = 0;
            }
        }
        o.push(b']');
    }

    /// `,"unsatisfiedControls":[…]` for applying policy `i` (`flags`: its controls as checked):
    /// `block` for a block; the controls not met when the grant is not (none when it is); then
    /// `signInFrequency` when its frequency failed.
    fn write_unsatisfied(
        &self,
        o: &mut Vec<u8>,
        i: usize,
        flags: &[(bool, bool)],
        sif_failed: bool,
    ) {
        o.extend_from_slice(b",\"unsatisfiedControls\":[");
        let mut any = false;
        let mut item = |o: &mut Vec<u8>, s: &str| {
            if any {
                o.push(b',');
            }
            any = true;
            out::string(o, s);
        };
        match self.policies.grants.get(i) {
            Some(CompiledGrant::Block) => item(o, "block"),
            Some(CompiledGrant::Controls { and, controls, .. }) => {
                let met = if *and {
                    flags.iter().all(|(s, _)| *s)
                } else {
                    flags.iter().any(|(s, _)| *s)
                };
                if !met {
                    for ((_, name), _) in controls.iter().zip(flags).filter(|(_, (s, _))| !s) {
                        item(o, name);
                    }
                }
            }
            None | Some(CompiledGrant::None) => {}
        }
        if sif_failed {
            item(o, "signInFrequency");
        }
        o.push(b']');
    }
}

/// Each analysis reason's name (bit `k` at `k`, as in [`reasons::ALL`]) padded to a fixed width,
/// with its length: a name is written as one copy of known size and the padding cut off, which
/// is cheaper for names this short than a copy of unknown size.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const PADDED_NAMES: [([u8; NAME_WIDTH], usize); reasons::ALL.len()] = {
    let mut out = [([0u8; NAME_WIDTH], 0); reasons::ALL.len()];
    let mut k = 0;
    while k < reasons::ALL.len() {
        let name = reasons::ALL[k].1.as_bytes();
        assert!(name.len() <= NAME_WIDTH, "a reason's name fits the width");
        let mut i = 0;
        while i < name.len() {
            out[k].0[i] = name[i];
            i += 1;
        }
        out[k].1 = name.len();
        k += 1;
    }
    out
};

/// The longest reason name (`authenticationContext`, 21 bytes) and then some.
const NAME_WIDTH: usize = 24;

/// Analysis reasons inside a JSON string: `notSet`, or their names joined by commas, in bit
/// order.
#[inline]
fn write_reason_names(o: &mut Vec<u8>, bits: u32) {
    if bits == 0 {
        o.extend_from_slice(b"notSet");
        return;
    }
    let mut rest = bits;
    let mut first = true;
    while rest != 0 {
        let k = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        // Bits without a name are left out, as `reasons::iter_names` leaves them.
        if let Some((padded, len)) = PADDED_NAMES.get(k) {
            if !first {
                o.push(b',');
            }
            first = false;
            let at = o.len();
            o.extend_from_slice(padded);
            o.truncate(at + len);
        }
    }
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]
    use super::{warnings_by_policy, write_reason_names};
    use crate::diag::{Diagnostic, Severity};
    use crate::signin::combine::warnings_about;
    use crate::signin::decision::reasons;

    #[test]
    fn reason_names_are_written_as_graph_spells_them() {
        // Every combination of the named bits, and unnamed bits mixed in, after text already
        // in the buffer.
        let named = (1u32 << reasons::ALL.len()) - 1;
        for bits in (0..=named).chain([u32::MAX, 1 << 31, (1 << 31) | 4, 0xFFF8_0000 | 1]) {
            let mut o = b"x".to_vec();
            write_reason_names(&mut o, bits);
            let mut expected = b"x".to_vec();
            expected.extend_from_slice(reasons::to_graph(bits).as_bytes());
            assert_eq!(o, expected, "{bits:#x}");
        }
    }

    #[test]
    fn each_policy_gets_the_warnings_the_renderer_finds_for_it() {
        let policy = |k: usize| {
            serde_json::json!({"id": format!("00000000-0000-0000-0000-{k:012}"), "displayName": "p",
                "state": "enabled",
                "conditions": {"users": {"includeUsers": ["All"]},
                               "applications": {"includeApplications": ["All"]}},
                "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}})
        };
        let bundle = serde_json::json!({"conditionalAccessPolicies": (0..6).map(policy).collect::<Vec<_>>()});
        let mut t = crate::load_bundle_bytes("t.json", bundle.to_string().as_bytes()).unwrap();
        // Siblings whose paths share a prefix, a whole file, two policies read at one place, a
        // source without a file.
        let sources = [
            "a.json:$.conditionalAccessPolicies[1]",
            "a.json:$.conditionalAccessPolicies[10]",
            "b.json:$",
            "a.json:$.conditionalAccessPolicies[1]",
            "nofile",
            "c.json:$.x",
        ];
        for (p, source) in t.policies.iter_mut().zip(sources) {
            source.clone_into(&mut p.source);
        }
        let warning = |file: &str, path: &str| Diagnostic {
            severity: Severity::Warning,
            code: "unsupportedCondition",
            file: file.to_owned(),
            path: path.to_owned(),
            message: format!("{file} {path}"),
            fields: Vec::new(),
            policy_ids: Vec::new(),
        };
        t.warnings = [
            ("a.json", "$.conditionalAccessPolicies[1]"),
            ("a.json", "$.conditionalAccessPolicies[1].conditions.times"),
            ("a.json", "$.conditionalAccessPolicies[10].x"),
            ("a.json", "$.conditionalAccessPolicies[1]x"),
            ("a.json", "$.conditionalAccessPolicies[1][0]"),
            ("a.json", ""),
            ("b.json", "$"),
            ("b.json", "$[0]"),
            ("b.json", "$x"),
            ("c.json", "$.conditionalAccessPolicies[1]"),
            ("c.json", "$.x.y"),
            ("c.json", "$.xy"),
            ("", "nofile"),
            ("", "nofile.y"),
            ("", ""),
        ]
        .iter()
        .map(|(f, p)| warning(f, p))
        .collect();
        let found = warnings_by_policy(&t);
        let mut matched = 0;
        for (i, p) in t.policies.iter().enumerate() {
            let expected = warnings_about(p, &t.warnings);
            let got: Vec<Diagnostic> = found[i].iter().map(|w| (*w).clone()).collect();
            assert_eq!(got, expected, "policy {i} at {}", p.source);
            matched += got.len();
        }
        // Each policy above gets some, so the test compares more than empty lists.
        assert!(found.iter().all(|l| !l.is_empty()), "{found:#?}");
        assert_eq!(matched, 3 + 1 + 2 + 3 + 2 + 1);
    }
}
