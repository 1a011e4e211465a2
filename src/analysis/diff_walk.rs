//! The `diff` walk: depth first over the classes of both tenants, deciding each changed cell
//! under both, and keeping what it finds as a shared tree (docs/SEMANTICS.md §13.3).

use std::rc::Rc;

use crate::hashing::Map;

use super::region::{IdentityKind, Picks};
use super::space::{Dimension, Space};
use crate::Snapshot;
use crate::signin::compiled::Bits;
use serde_json::Value as Json;

use crate::signin::decision::{Explain, SignInDecision};

/// Drops every policy id and name from a decision's JSON, so equivalent policies compare equal.
pub(super) fn strip(v: &mut Json) {
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
pub(super) enum Below {
    Leaf(u64),
    Node(Vec<(Vec<usize>, Rc<Below>)>),
}

/// A subtree's identity: a leaf's outcome pair, or (`u64::MAX`) a node's entries with their
/// children's addresses.
type SubtreeKey = (u64, Vec<(Vec<usize>, usize)>);
/// A changed cell: the classes chosen per dimension, and its outcome pair.
pub(super) type Path = (Vec<Vec<usize>>, u64);

impl Below {
    fn is_empty(&self) -> bool {
        matches!(self, Below::Node(v) if v.is_empty())
    }
}
/// A node: depth, both policy sets, device code flow, device facts, context target.
type NodeKey = (usize, [Bits; 2], bool, u8, usize);

pub(super) struct Walk<'a> {
    pub(super) before: &'a Snapshot,
    pub(super) after: &'a Snapshot,
    pub(super) space: &'a Space,
    pub(super) kind: IdentityKind,
    pub(super) sig: [&'a [u64]; 2],
    pub(super) nodes: u64,
    pub(super) cells: u64,
    pub(super) max_nodes: u64,
    pub(super) truncated: bool,
    /// Walked nodes and what was found below them.
    pub(super) subtrees: Map<NodeKey, Rc<Below>>,
    /// Every distinct subtree, so equal ones are shared (keyed by leaf id or by entries with
    /// their children's addresses).
    pub(super) interned: Map<SubtreeKey, Rc<Below>>,
    /// The empty subtree.
    pub(super) empty: Rc<Below>,
    /// Where the device dimension is in `space`.
    pub(super) device_axis: usize,
    /// Where the target dimension is in `space`.
    pub(super) target_axis: usize,
    /// Per side: (applying policies, device facts, context target) → outcome id. A side's
    /// outcome depends on nothing else, so each is decided once.
    pub(super) sides: [Map<(Bits, u8, usize), u32>; 2],
    /// Distinct outcomes, by their JSON text.
    pub(super) outcome_ids: Map<String, u32>,
    /// Target classes that are authentication contexts (their id shows in the outcome).
    pub(super) context_targets: Vec<usize>,
    /// Cells that could not be decided (never expected).
    pub(super) errors: Vec<String>,
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
    pub(super) fn walk(
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
        if self.nodes >= self.max_nodes {
            self.truncated = true;
            return Rc::clone(&self.empty);
        }
        self.nodes += 1;
        let mut groups: Vec<([Bits; 2], bool, Vec<usize>)> = Vec::new();
        let mut index: Map<([Bits; 2], u8, bool), usize> = Map::default();
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
        // Classes with the same cells below them are one entry.
        let mut entry_of: Map<*const Below, usize> = Map::default();
        for (next, dc, ks) in groups {
            picks.push(ks);
            let below = self.walk(depth + 1, &next, picks, dc);
            let ks = picks.pop().unwrap_or_default();
            if below.is_empty() {
                continue;
            }
            match entry_of
                .get(&Rc::as_ptr(&below))
                .and_then(|k| entries.get_mut(*k))
            {
                Some((shared, _)) => shared.extend(ks),
                None => {
                    entry_of.insert(Rc::as_ptr(&below), entries.len());
                    entries.push((ks, below));
                }
            }
        }
        for (ks, _) in &mut entries {
            ks.sort_unstable();
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

/// The cells of `tree` as class-set paths with their outcome pair, listing at most `budget`
/// class indices in all (so memory is bounded however long each path's class lists are); the
/// flag says some were left out.
pub(super) fn expand(tree: &Below, budget: u64) -> (Vec<Path>, bool) {
    fn go(tree: &Below, prefix: &mut Vec<Vec<usize>>, out: &mut Vec<Path>, left: &mut u64) -> bool {
        match tree {
            Below::Leaf(id) => {
                let cost = prefix.iter().map(|ks| ks.len() as u64).sum::<u64>().max(1);
                if cost > *left {
                    return false;
                }
                *left -= cost;
                out.push((prefix.clone(), *id));
                true
            }
            Below::Node(entries) => {
                for (ks, child) in entries {
                    prefix.push(ks.clone());
                    let complete = go(child, prefix, out, left);
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
    let mut left = budget;
    let complete = go(tree, &mut Vec::new(), &mut out, &mut left);
    (out, !complete)
}
