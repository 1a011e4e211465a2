//! `diff`: every region whose decision changes between two tenants (docs/SEMANTICS.md §13.3).

use std::rc::Rc;

use ahash::AHashMap;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value as Json, json};

use super::build;
use super::gaps::{Classification, DEFAULT_MAX_NODES, locate};
use super::region::{IdentityKind, Picks, RegionDimension, consolidate};
use super::space::{Dimension, Space, Spaces};
use crate::Snapshot;
use crate::model::request::SignInRequest;
use crate::signin::compiled::{Bits, CompiledPolicies};
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
    /// Nodes visited before the walk stops (and says so).
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
    pub before_revision: String,
    /// The second tenant's revision.
    pub after_revision: String,
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
    interner: &mut AHashMap<Vec<u8>, u64>,
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

/// Drops every policy id and name from a decision's JSON, so equivalent policies compare equal.
fn strip(v: &mut Json) {
    match v {
        Json::Object(o) => {
            for k in [
                "policyIds",
                "policyId",
                "displayName",
                "source",
                "policies",
                "revision",
            ] {
                o.remove(k);
            }
            for x in o.values_mut() {
                strip(x);
            }
        }
        Json::Array(a) => a.iter_mut().for_each(strip),
        _ => {}
    }
}

/// Where dimension `d` is among `space`'s axes (`usize::MAX`: absent).
fn axis_of(space: &Space, d: Dimension) -> usize {
    space
        .axes
        .iter()
        .position(|a| a.dimension == d)
        .unwrap_or(usize::MAX)
}

/// The comparable part of a decision, as text: the decision, the status, the requirements and
/// the deny reasons as sets (two policies asking the same thing ask it once), the session
/// controls and the claims challenge, with no policy named.
pub fn outcome(d: &SignInDecision) -> String {
    let sorted = |mut items: Vec<String>| {
        items.sort_unstable();
        items.dedup();
        items.join(";")
    };
    let requirements = sorted(
        d.requirements
            .iter()
            .map(|r| serde_json::to_string(&r.any_of).unwrap_or_default())
            .collect(),
    );
    let deny = sorted(
        d.deny_reasons
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or(Json::Null);
                strip(&mut v);
                v.to_string()
            })
            .collect(),
    );
    let mut controls = serde_json::to_value(&d.session_controls).unwrap_or(Json::Null);
    strip(&mut controls);
    format!(
        "{}|{}|{requirements}|{deny}|{controls}|{}",
        d.decision.as_str(),
        d.conditional_access_status.as_str(),
        d.claims_challenge.as_deref().unwrap_or("")
    )
}

/// The changed cells below a node, as a shared tree: a leaf is a cell's outcome pair; a node
/// lists, per group of classes of its dimension, what lies below them. Equal subtrees are one
/// allocation, and classes whose subtrees are equal share an entry, so the tree stays within
/// the walk's node budget however many cells it stands for.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Below {
    Leaf(u64),
    Node(Vec<(Vec<usize>, Rc<Below>)>),
}

/// A subtree's identity: a leaf's outcome pair, or (`u64::MAX`) a node's entries with their
/// children's addresses.
type SubtreeKey = (u64, Vec<(Vec<usize>, usize)>);
/// A changed cell: the classes chosen per dimension, and its outcome pair.
type Path = (Vec<Vec<usize>>, u64);

impl Below {
    fn is_empty(&self) -> bool {
        matches!(self, Below::Node(v) if v.is_empty())
    }
}
/// A node: depth, both policy sets, device code flow, device facts, context target.
type NodeKey = (usize, [Bits; 2], bool, u8, usize);

struct Walk<'a> {
    before: &'a Snapshot,
    after: &'a Snapshot,
    space: &'a Space,
    kind: IdentityKind,
    sig: [&'a [u64]; 2],
    nodes: u64,
    cells: u64,
    max_nodes: u64,
    truncated: bool,
    /// Walked nodes and what was found below them.
    subtrees: AHashMap<NodeKey, Rc<Below>>,
    /// Every distinct subtree, so equal ones are shared (keyed by leaf id or by entries with
    /// their children's addresses).
    interned: AHashMap<SubtreeKey, Rc<Below>>,
    /// The empty subtree.
    empty: Rc<Below>,
    /// Where the device dimension is in `space`.
    device_axis: usize,
    /// Where the target dimension is in `space`.
    target_axis: usize,
    /// Per side: (applying policies, device facts, context target) → outcome id. A side's
    /// outcome depends on nothing else, so each is decided once.
    sides: [AHashMap<(Bits, u8, usize), u32>; 2],
    /// Distinct outcomes, by their JSON text.
    outcome_ids: AHashMap<String, u32>,
    /// Target classes that are authentication contexts (their id shows in the outcome).
    context_targets: Vec<usize>,
    /// Cells that could not be decided (never expected).
    errors: Vec<String>,
}

impl Walk<'_> {
    fn equivalent(&self, a: &Bits, b: &Bits) -> bool {
        // Multiset hashes first: unequal sums or counts settle most nodes without sorting.
        // Ids are mixed so that different multisets rarely share a sum; equal sums still go
        // on to the exact comparison below.
        let mix = |id: u64| {
            id.wrapping_add(1)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(31)
        };
        let sum = |set: &Bits, sig: &[u64]| {
            set.iter().fold((0u64, 0usize), |(h, n), i| {
                (h.wrapping_add(mix(sig.get(i).copied().unwrap_or(0))), n + 1)
            })
        };
        if sum(a, self.sig[0]) != sum(b, self.sig[1]) {
            return false;
        }
        let mut x: Vec<u64> = a
            .iter()
            .filter_map(|i| self.sig[0].get(i).copied())
            .collect();
        let mut y: Vec<u64> = b
            .iter()
            .filter_map(|i| self.sig[1].get(i).copied())
            .collect();
        if x.len() != y.len() {
            return false;
        }
        x.sort_unstable();
        y.sort_unstable();
        x == y
    }

    /// Decides one cell under both tenants; `Some` when they differ. A cell's outcome depends
    /// only on the policies that apply on each side, the target (an authentication context
    /// names itself in the claims challenge) and the device facts grants read, so cells that
    /// share those are decided once.
    fn compare(
        &mut self,
        picks: &[Vec<usize>],
        sets: &[Bits; 2],
        device_code: bool,
    ) -> Option<u64> {
        let (state, target) = self.context(picks, device_code);
        let mut ids = [0u32; 2];
        let mut req = None;
        for (side, id) in ids.iter_mut().enumerate() {
            let set = sets.get(side)?;
            let key = (set.clone(), state, target);
            if let Some(known) = self.sides.get(side).and_then(|m| m.get(&key)) {
                *id = *known;
                continue;
            }
            if req.is_none() {
                self.cells += 1;
                let p = Picks {
                    kind: self.kind,
                    classes: picks.to_vec(),
                };
                match p.request(self.space) {
                    Some(r) => req = Some(r),
                    None => {
                        // Never expected: every class holds a parsed sample.
                        self.errors
                            .push("a cell of the diff walk has no request".to_owned());
                        return None;
                    }
                }
            }
            let snapshot = if side == 0 { self.before } else { self.after };
            let decision = snapshot.evaluate(req.as_ref()?, Explain::None);
            let text = outcome(&decision);
            let next = u32::try_from(self.outcome_ids.len()).unwrap_or(u32::MAX);
            *id = *self.outcome_ids.entry(text).or_insert(next);
            if let Some(m) = self.sides.get_mut(side) {
                m.insert(key, *id);
            }
        }
        let [a, b] = ids;
        (a != b).then_some(u64::from(a) << 32 | u64::from(b))
    }

    /// What besides the policy sets a cell's outcome depends on, as far as `picks` has chosen:
    /// the device facts grants read (under the flow) and the target if it is an
    /// authentication context.
    fn context(&self, picks: &[Vec<usize>], device_code: bool) -> (u8, usize) {
        let state = picks
            .get(self.device_axis)
            .and_then(|ks| ks.first())
            .and_then(|k| self.space.axes.get(self.device_axis)?.classes.get(*k))
            .map_or(0, |c| c.state.under_flow(device_code).bits());
        let target = picks
            .get(self.target_axis)
            .and_then(|ks| ks.first())
            .copied()
            .filter(|k| self.context_targets.contains(k))
            .unwrap_or(usize::MAX);
        (state, target)
    }

    /// The one shared copy of `b`.
    fn intern(&mut self, b: Below) -> Rc<Below> {
        let key = match &b {
            Below::Leaf(id) => (*id, Vec::new()),
            Below::Node(entries) => (
                u64::MAX,
                entries
                    .iter()
                    .map(|(ks, child)| (ks.clone(), Rc::as_ptr(child) as usize))
                    .collect(),
            ),
        };
        Rc::clone(self.interned.entry(key).or_insert_with(|| Rc::new(b)))
    }

    /// The changed cells below a node. A node's result depends only on its depth, the policy
    /// sets, the flow and [`Self::context`], so equal nodes reached by different paths are
    /// walked once.
    fn walk(
        &mut self,
        depth: usize,
        sets: &[Bits; 2],
        picks: &mut Vec<Vec<usize>>,
        device_code: bool,
    ) -> Rc<Below> {
        if self.equivalent(&sets[0], &sets[1]) {
            return Rc::clone(&self.empty);
        }
        let Some(axis) = self.space.axes.get(depth) else {
            return match self.compare(picks, sets, device_code) {
                Some(id) => self.intern(Below::Leaf(id)),
                None => Rc::clone(&self.empty),
            };
        };
        let (state, target) = self.context(picks, device_code);
        let key = (depth, sets.clone(), device_code, state, target);
        if let Some(known) = self.subtrees.get(&key) {
            return Rc::clone(known);
        }
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            self.truncated = true;
            return Rc::clone(&self.empty);
        }
        let mut groups: Vec<([Bits; 2], bool, Vec<usize>)> = Vec::new();
        let mut index: AHashMap<([Bits; 2], u8, bool), usize> = AHashMap::new();
        // Device state and flow change grants even where the sets agree: keep them apart.
        let tagged = matches!(axis.dimension, Dimension::Device | Dimension::Flow);
        for (k, c) in axis.classes.iter().enumerate() {
            let mut next = sets.clone();
            for (s, b) in next.iter_mut().zip(&c.bits) {
                s.and(b);
            }
            let tag = if tagged {
                (c.state.under_flow(device_code).bits(), c.device_code)
            } else {
                (0, false)
            };
            match index.get(&(next.clone(), tag.0, tag.1)) {
                Some(&g) => {
                    if let Some(g) = groups.get_mut(g) {
                        g.2.push(k);
                    }
                }
                None => {
                    index.insert((next.clone(), tag.0, tag.1), groups.len());
                    let dc = if axis.dimension == Dimension::Flow {
                        c.device_code
                    } else {
                        device_code
                    };
                    groups.push((next, dc, vec![k]));
                }
            }
        }
        let mut entries: Vec<(Vec<usize>, Rc<Below>)> = Vec::new();
        for (next, dc, ks) in groups {
            picks.push(ks);
            let below = self.walk(depth + 1, &next, picks, dc);
            let ks = picks.pop().unwrap_or_default();
            if below.is_empty() {
                continue;
            }
            // Classes with the same cells below them are one entry.
            match entries.iter_mut().find(|(_, c)| Rc::ptr_eq(c, &below)) {
                Some((shared, _)) => {
                    shared.extend(ks);
                    shared.sort_unstable();
                }
                None => entries.push((ks, below)),
            }
        }
        let out = if entries.is_empty() {
            Rc::clone(&self.empty)
        } else {
            self.intern(Below::Node(entries))
        };
        self.subtrees.insert(key, Rc::clone(&out));
        out
    }
}

/// The cells of `tree` as class-set paths with their outcome pair, at most `budget` of them
/// (the flag says some were left out).
fn expand(tree: &Below, budget: u64) -> (Vec<Path>, bool) {
    fn go(
        tree: &Below,
        prefix: &mut Vec<Vec<usize>>,
        out: &mut Vec<Path>,
        budget: u64,
    ) -> bool {
        match tree {
            Below::Leaf(id) => {
                if out.len() as u64 >= budget {
                    return false;
                }
                out.push((prefix.clone(), *id));
                true
            }
            Below::Node(entries) => {
                for (ks, child) in entries {
                    prefix.push(ks.clone());
                    let complete = go(child, prefix, out, budget);
                    prefix.pop();
                    if !complete {
                        return false;
                    }
                }
                true
            }
        }
    }
    let mut out = Vec::new();
    let complete = go(tree, &mut Vec::new(), &mut out, budget);
    (out, !complete)
}

/// Every region of the condition space whose outcome (decision, requirements, deny reasons,
/// session controls) differs between `before` and `after` for sign-ins with `options.session`
/// (§13.3). Policies that differ only in id, name or order make no difference.
pub fn diff(before: &Snapshot, after: &Snapshot, options: &DiffOptions) -> DiffReport {
    let snaps = [before.compiled(), after.compiled()];
    let session = options.session.session(&snaps, options.at);
    let spaces = build::build(&snaps, options.at, session.clone());
    let mut interner = AHashMap::new();
    let sig_a = signatures(before.compiled(), 0, &spaces, &mut interner);
    let sig_b = signatures(after.compiled(), 1, &spaces, &mut interner);
    drop(interner);
    let mut found = Vec::new();
    let mut errors = spaces.errors.clone();
    let mut nodes = 0;
    // Nodes walked and cells found, against the budget.
    let mut spent = 0;
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
            subtrees: AHashMap::new(),
            interned: AHashMap::new(),
            empty: Rc::new(Below::Node(Vec::new())),
            errors: Vec::new(),
            device_axis: axis_of(space, Dimension::Device),
            target_axis,
            sides: [AHashMap::new(), AHashMap::new()],
            outcome_ids: AHashMap::new(),
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
        // The cells found count against the same budget as the nodes walked.
        spent += w.nodes;
        errors.append(&mut w.errors);
        let (paths, cut) = expand(&below, options.max_nodes.saturating_sub(spent));
        spent += paths.len() as u64;
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
        before_revision: before.revision().to_owned(),
        after_revision: after.revision().to_owned(),
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
