//! `diff`: every region whose decision changes between two tenants (docs/SEMANTICS.md §13.3).

use std::rc::Rc;

use crate::hashing::Map;
use crate::model::revision::Revision;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value as Json, json};

use super::build;
pub use super::diff_walk::outcome;
use super::diff_walk::{Below, Walk, expand, strip};
use super::gaps::{Classification, DEFAULT_MAX_NODES, locate};
use super::region::{IdentityKind, Picks, RegionDimension, consolidate};
use super::space::{Dimension, Space, Spaces};
use crate::Snapshot;
use crate::model::request::SignInRequest;
use crate::signin::compiled::CompiledPolicies;
use crate::signin::decision::{Decision, Explain, SignInDecision};

/// What the sign-ins of a diff have already proven.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionProfile {
    /// Method names (`password`, `microsoftAuthenticatorPush`, `fido2`, ...).
    pub methods: Vec<String>,
    /// Every terms of use agreement accepted.
    pub terms_accepted: bool,
    /// The password was just changed.
    pub password_changed: bool,
}

impl Default for SessionProfile {
    fn default() -> Self {
        SessionProfile {
            methods: vec!["password".to_owned()],
            terms_accepted: false,
            password_changed: false,
        }
    }
}

impl SessionProfile {
    /// Reads a comma-separated list: method names as What If's `authenticationMethods` spells
    /// them, `mfa` for `microsoftAuthenticatorPush`, `terms` (every agreement accepted) and
    /// `passwordChanged`.
    ///
    /// # Errors
    /// A name that is neither a method nor one of the words above.
    pub fn parse(list: &str) -> Result<SessionProfile, String> {
        let mut p = SessionProfile {
            methods: Vec::new(),
            terms_accepted: false,
            password_changed: false,
        };
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "mfa" => p.methods.push("microsoftAuthenticatorPush".to_owned()),
                "terms" => p.terms_accepted = true,
                "passwordChanged" => p.password_changed = true,
                m => {
                    let known = crate::model::enums::AuthMethod::parse(m);
                    if matches!(known, crate::model::enums::AuthMethod::Unknown(_)) {
                        return Err(format!(
                            "unknown session item {m:?}: expected authentication method names \
                             (password, microsoftAuthenticatorPush, fido2, ...), mfa, terms or \
                             passwordChanged"
                        ));
                    }
                    p.methods.push(known.as_str().to_owned());
                }
            }
        }
        Ok(p)
    }

    fn session(&self, snaps: &[&CompiledPolicies], at: Timestamp) -> Json {
        let mut s = json!({
            "time": at.to_string(),
            "authenticationMethods": self.methods,
            "lastAuthenticatedDateTime": at.to_string(),
        });
        if let Some(o) = s.as_object_mut() {
            if self.methods.iter().any(|m| m != "password") {
                o.insert("lastMfaDateTime".into(), json!(at.to_string()));
            }
            if self.password_changed {
                o.insert("passwordChanged".into(), json!(true));
            }
            if self.terms_accepted {
                let mut terms: Vec<String> = snaps.iter().flat_map(|s| s.grant_ids().0).collect();
                terms.sort_unstable();
                terms.dedup();
                o.insert("acceptedTermsOfUse".into(), json!(terms));
            }
        }
        s
    }
}

/// How `diff` runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DiffOptions {
    /// What the sign-ins have already proven.
    pub session: SessionProfile,
    /// The instant both directories are read at.
    pub at: Timestamp,
    /// Nodes visited before the walk stops, and class indices the changed cells found may list
    /// (each budget on its own); reaching either is reported as `truncated`.
    pub max_nodes: u64,
}

impl DiffOptions {
    /// A password-only session at `at`.
    pub fn new(at: Timestamp) -> DiffOptions {
        DiffOptions {
            session: SessionProfile::default(),
            at,
            max_nodes: DEFAULT_MAX_NODES,
        }
    }

    /// Sets the session profile.
    #[must_use]
    pub fn session(mut self, s: SessionProfile) -> DiffOptions {
        self.session = s;
        self
    }

    /// Sets the node budget.
    #[must_use]
    pub fn max_nodes(mut self, n: u64) -> DiffOptions {
        self.max_nodes = n;
        self
    }
}

/// One side of a changed region: what the witness gets from that tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiffSide {
    /// allow, stepUp or deny.
    pub decision: Decision,
    /// What must still be proven, one entry per requirement (alternatives joined by ` or `).
    pub requirements: Vec<String>,
    /// Why access is refused, by reason type.
    pub deny_reasons: Vec<String>,
    /// Effective session controls.
    pub session_controls: Json,
    /// Enforced policies that apply to the witness.
    pub policies: Vec<String>,
    /// Of those, the ones with no equivalent applying on the other side: the change.
    pub responsible: Vec<String>,
}

/// A region whose outcome differs between the two tenants.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiffRegion {
    /// Users or service principals.
    pub kind: IdentityKind,
    /// The constrained dimensions.
    pub dimensions: Vec<RegionDimension>,
    /// Directory users (service principals) in the region.
    pub users: usize,
    /// A few of their ids.
    pub sample_users: Vec<String>,
    /// A What If body in the region.
    pub witness: Json,
    /// The outcome under the first tenant.
    pub before: DiffSide,
    /// The outcome under the second tenant.
    pub after: DiffSide,
    #[serde(skip)]
    pub(crate) picks: Picks,
}

/// The result of [`diff`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiffReport {
    /// The first tenant's revision.
    pub before_revision: Revision,
    /// The second tenant's revision.
    pub after_revision: Revision,
    /// The session profile.
    pub session: SessionProfile,
    /// The instant both directories were read at.
    pub at: String,
    /// Changed regions, most users first, then the fewest constrained dimensions.
    pub regions: Vec<DiffRegion>,
    /// Nodes of the walk.
    pub nodes_visited: u64,
    /// Cells decided under both tenants to compare them.
    pub cells_compared: u64,
    /// The walk stopped at its node budget: regions may be missing.
    pub truncated: bool,
    /// Value searches that stopped at a cap, each said in a sentence: values (and so regions)
    /// of those dimensions may be missing.
    pub search_limits: Vec<String>,
    /// Internal errors; never expected.
    pub errors: Vec<String>,
    #[serde(skip)]
    spaces: Spaces,
}

/// A policy's behaviour, without its id, name or position: its grant and session controls
/// and, for every class of every dimension, whether the class keeps it in scope. Two policies
/// with equal signatures make the same contribution to every cell. Signatures are small ids
/// from `interner`, shared by both tenants, so equal means equal (no hash).
fn signatures(
    s: &CompiledPolicies,
    snapshot_index: usize,
    spaces: &Spaces,
    interner: &mut Map<Vec<u8>, u64>,
) -> Vec<u64> {
    let tenant = s.tenant();
    (0..s.len())
        .map(|i| {
            let mut key: Vec<u8> = Vec::new();
            if let Some(p) = tenant.policies.get(i) {
                key.extend(format!("{:?}|{:?}|", p.grant, p.session).bytes());
                let strength = p.grant.as_ref().and_then(|g| g.strength.as_deref());
                if let Some(id) = strength {
                    let st = tenant.strengths.iter().find(|x| x.id == id);
                    key.extend(format!("{st:?}|").bytes());
                }
            }
            for space in [&spaces.users, &spaces.workloads] {
                for axis in &space.axes {
                    for c in &axis.classes {
                        let inside = c.bits.get(snapshot_index).is_some_and(|b| b.contains(i));
                        key.push(u8::from(inside));
                    }
                }
            }
            let next = interner.len() as u64;
            *interner.entry(key).or_insert(next)
        })
        .collect()
}

/// Where dimension `d` is among `space`'s axes (`usize::MAX`: absent).
fn axis_of(space: &Space, d: Dimension) -> usize {
    space
        .axes
        .iter()
        .position(|a| a.dimension == d)
        .unwrap_or(usize::MAX)
}

/// Every region of the condition space whose outcome (decision, requirements, deny reasons,
/// session controls) differs between `before` and `after` for sign-ins with `options.session`
/// (§13.3). Policies that differ only in id, name or order make no difference.
pub fn diff(before: &Snapshot, after: &Snapshot, options: &DiffOptions) -> DiffReport {
    let snaps = [before.compiled(), after.compiled()];
    let session = options.session.session(&snaps, options.at);
    let spaces = build::build(&snaps, options.at, session.clone());
    let mut interner = Map::default();
    let sig_a = signatures(before.compiled(), 0, &spaces, &mut interner);
    let sig_b = signatures(after.compiled(), 1, &spaces, &mut interner);
    drop(interner);
    let mut found = Vec::new();
    let mut errors = spaces.errors.clone();
    let mut nodes = 0;
    // Nodes walked, and class indices listed by the cells found, each against the budget.
    let mut spent = 0;
    let mut listed = 0u64;
    let mut cells = 0;
    let mut truncated = false;
    for (kind, space) in [
        (IdentityKind::Users, &spaces.users),
        (IdentityKind::ServicePrincipals, &spaces.workloads),
    ] {
        let target_axis = axis_of(space, Dimension::Target);
        let mut w = Walk {
            before,
            after,
            space,
            kind,
            sig: [&sig_a, &sig_b],
            nodes: 0,
            cells: 0,
            max_nodes: options.max_nodes.saturating_sub(spent),
            truncated: false,
            subtrees: Map::default(),
            interned: Map::default(),
            empty: Rc::new(Below::Node(Vec::new())),
            errors: Vec::new(),
            device_axis: axis_of(space, Dimension::Device),
            target_axis,
            sides: [Map::default(), Map::default()],
            outcome_ids: Map::default(),
            context_targets: space
                .axes
                .get(target_axis)
                .map(|a| {
                    a.classes
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.values.iter().any(|v| v.is_auth_context()))
                        .map(|(k, _)| k)
                        .collect()
                })
                .unwrap_or_default(),
        };
        let start = [
            before.compiled().enforced_set().clone(),
            after.compiled().enforced_set().clone(),
        ];
        let below = w.walk(0, &start, &mut Vec::new(), false);
        nodes += w.nodes;
        cells += w.cells;
        truncated |= w.truncated;
        spent += w.nodes;
        errors.append(&mut w.errors);
        // The cells found have a budget of their own, in class indices listed: a walk cut at
        // its node budget still reports what it found.
        let (paths, cut) = expand(&below, options.max_nodes.saturating_sub(listed));
        listed += paths
            .iter()
            .map(|(p, _)| p.iter().map(|ks| ks.len() as u64).sum::<u64>().max(1))
            .sum::<u64>();
        truncated |= cut;
        found.extend(
            paths
                .into_iter()
                .map(|(classes, id)| (Picks { kind, classes }, id)),
        );
    }
    let found: Vec<Picks> = consolidate(
        found,
        |k| spaces.get(k).axes.len(),
        |k, d| spaces.get(k).axes.get(d).map_or(0, |a| a.classes.len()),
    )
    .into_iter()
    .map(|(p, _)| p)
    .collect();
    let mut regions: Vec<DiffRegion> = found
        .into_iter()
        .filter_map(|picks| {
            let space = match picks.kind {
                IdentityKind::Users => &spaces.users,
                IdentityKind::ServicePrincipals => &spaces.workloads,
            };
            let witness = picks.witness(space, &session);
            let req = match SignInRequest::from_json(&witness.to_string()) {
                Ok(r) => r,
                Err(e) => {
                    // Never expected: the witness is built from parsed values.
                    errors.push(format!("a diff witness does not parse: {e}"));
                    return None;
                }
            };
            let a = before.evaluate(&req, Explain::Policies);
            let b = after.evaluate(&req, Explain::Policies);
            let (mut before_side, a_sigs) = side(&a, before, &sig_a);
            let (mut after_side, b_sigs) = side(&b, after, &sig_b);
            before_side.responsible = unmatched(&before_side.policies, &a_sigs, &b_sigs);
            after_side.responsible = unmatched(&after_side.policies, &b_sigs, &a_sigs);
            let (users, sample_users) = picks.users(space);
            Some(DiffRegion {
                kind: picks.kind,
                dimensions: picks.describe(space),
                users,
                sample_users,
                witness,
                before: before_side,
                after: after_side,
                picks,
            })
        })
        .collect();
    regions.sort_by(|a, b| {
        b.users
            .cmp(&a.users)
            .then(a.dimensions.len().cmp(&b.dimensions.len()))
    });
    DiffReport {
        before_revision: before.revision(),
        after_revision: after.revision(),
        session: options.session.clone(),
        at: options.at.to_string(),
        regions,
        nodes_visited: nodes,
        cells_compared: cells,
        truncated,
        search_limits: spaces.search_limits.clone(),
        errors,
        spaces,
    }
}

/// One side's outcome, and the signatures of its applying enforced policies.
fn side(d: &SignInDecision, snap: &Snapshot, sigs: &[u64]) -> (DiffSide, Vec<u64>) {
    let mut policies = Vec::new();
    let mut applied = Vec::new();
    for (i, p) in snap.tenant().policies.iter().enumerate() {
        let applies = d
            .policies
            .iter()
            .flatten()
            .any(|r| r.id == p.id && r.policy_applies);
        if applies && p.is_enforced() {
            policies.push(p.display_name.clone());
            applied.push(sigs.get(i).copied().unwrap_or(0));
        }
    }
    let requirements = d
        .requirements
        .iter()
        .map(|r| {
            r.any_of
                .iter()
                .map(|item| {
                    let mut v = serde_json::to_value(item).unwrap_or(Json::Null);
                    strip(&mut v);
                    label(&v)
                })
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect();
    let deny_reasons = d
        .deny_reasons
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Json::Null);
            strip(&mut v);
            label(&v)
        })
        .collect();
    let mut session_controls = serde_json::to_value(&d.session_controls).unwrap_or(Json::Null);
    strip(&mut session_controls);
    (
        DiffSide {
            decision: d.decision,
            requirements,
            deny_reasons,
            session_controls,
            policies,
            responsible: Vec::new(),
        },
        applied,
    )
}

/// A compact label for a requirement item or deny reason: its `type`, then its other fields.
fn label(v: &Json) -> String {
    let Some(o) = v.as_object() else {
        return v.to_string();
    };
    let mut s = o
        .get("type")
        .and_then(Json::as_str)
        .unwrap_or("?")
        .to_owned();
    for (k, x) in o {
        if k == "type" {
            continue;
        }
        let text = x.as_str().map_or_else(|| x.to_string(), str::to_owned);
        s.push_str(&format!(" {k}={text}"));
    }
    s
}

/// The names among `names` (with signatures `mine`) that `theirs` has no equal of, counting
/// duplicates.
fn unmatched(names: &[String], mine: &[u64], theirs: &[u64]) -> Vec<String> {
    let mut left: Vec<u64> = theirs.to_vec();
    let mut out = Vec::new();
    for (name, sig) in names.iter().zip(mine) {
        match left.iter().position(|x| x == sig) {
            Some(k) => {
                left.swap_remove(k);
            }
            None => out.push(name.clone()),
        }
    }
    out
}

impl DiffReport {
    /// True when the report covers the whole space: the walk was not cut, no value search hit
    /// a cap, and no value failed to build.
    pub fn complete(&self) -> bool {
        !self.truncated && self.search_limits.is_empty() && self.errors.is_empty()
    }

    /// The changed region `req` falls in. The snapshots must be the ones compared.
    pub fn classify(
        &self,
        before: &Snapshot,
        after: &Snapshot,
        req: &SignInRequest,
    ) -> Classification {
        locate(
            &self.spaces,
            &[before.compiled(), after.compiled()],
            req,
            self.regions.iter().map(|r| &r.picks),
        )
    }
}
