//! User classes: users grouped by the CA-relevant facts that depend on the directory (SEMANTICS.md
//! §2, §3.4), so a request costs one hash lookup instead of a membership walk.
//!
//! A class holds two policy sets: the policies whose user include side names the user through
//! `All`, the user's id, a (transitive) group or an active role, and the policies whose exclude
//! side does. Guest selectors depend on the request (its `externalUserType` wins over the
//! directory's), so they are a separate table keyed by guest-type bits and home tenant.
//!
//! Group membership and active roles can change with time (PIM activations, time-bound role
//! assignments). Each user therefore carries the instants at which any of its facts can change,
//! and one class per segment between them; most users have no such instant and one class.

use std::collections::{HashMap, HashSet};

use ahash::AHashMap;
use jiff::Timestamp;

use super::bits::Bits;
use crate::model::Tenant;
use crate::model::enums::{AccessId, GuestType};
use crate::model::ids::{IdRef, Keyword};
use crate::model::pim::PimTarget;
use crate::model::policy::{ExternalTenants, GuestSelector, UserCondition};

/// Index of a user class.
pub type ClassId = u32;

/// The static user-side policy sets of one class.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserClass {
    /// Policies whose include side names the user (without guest selectors).
    pub include: Bits,
    /// Policies whose exclude side names the user (without guest selectors).
    pub exclude: Bits,
}

/// A directory user's classes over time and its directory guest facts.
#[derive(Debug, Clone)]
pub struct UserEntry {
    /// Instants where the class may change, ascending.
    pub breakpoints: Vec<Timestamp>,
    /// `breakpoints.len() + 1` classes: before the first breakpoint, between, after the last.
    pub classes: Vec<ClassId>,
    /// Transitive group count per segment, where it exceeds the 2048 Entra may block (§3.4.8);
    /// empty when no segment does.
    pub too_many_groups: Vec<usize>,
    /// Guest bits from the directory.
    pub guest_bits: u8,
    /// Home tenant index from the directory (see [`UserTable::tenant_index`]).
    pub home_tenant: Option<String>,
}

impl UserEntry {
    /// The class at `t`.
    pub fn class_at(&self, t: Timestamp) -> ClassId {
        let segment = self.breakpoints.partition_point(|b| *b <= t);
        self.classes.get(segment).copied().unwrap_or(0)
    }

    /// The user's transitive group count at `t` when it exceeds the 2048 groups Entra may block.
    pub fn too_many_groups_at(&self, t: Timestamp) -> Option<usize> {
        let segment = self.breakpoints.partition_point(|b| *b <= t);
        self.too_many_groups
            .get(segment)
            .copied()
            .filter(|n| *n > crate::validate::limits::GROUPS_PER_USER)
    }
}

/// Everything the users dimension needs.
#[derive(Debug, Clone)]
pub struct UserTable {
    /// Directory users by lowercased id.
    pub users: AHashMap<String, UserEntry>,
    /// The classes.
    pub classes: Vec<UserClass>,
    /// Class of a user that is not in the directory: only `All` includes it.
    pub unknown_class: ClassId,
    /// Interned home tenants named by enumerated `externalTenants` lists.
    pub tenant_index: AHashMap<String, usize>,
    /// Guest include/exclude sets, indexed by `guest_bits * (tenants + 1) + tenant slot`.
    guest_sets: Vec<(Bits, Bits)>,
    tenants: usize,
    /// Per guest-type bits: policies whose include selector matches those types but enumerates
    /// home tenants, so an unknown home tenant is missing data for them (§3.4.6).
    pub enumerated_include: Vec<Bits>,
}

impl UserTable {
    /// Guest-selector include and exclude sets for these guest bits and home tenant.
    pub fn guest_sets(&self, guest_bits: u8, home_tenant: Option<&str>) -> Option<&(Bits, Bits)> {
        let slot = home_tenant
            .and_then(|t| self.tenant_index.get(t).copied())
            .unwrap_or(self.tenants);
        self.guest_sets
            .get(usize::from(guest_bits & 63) * (self.tenants + 1) + slot)
    }
}

/// Time-bounded facts that can put a principal in a group or give it a role.
struct Windowed<'t> {
    /// (principal, group, start, end) for PIM group member assignments.
    group_edges: Vec<(&'t str, &'t str, Option<Timestamp>, Option<Timestamp>)>,
    /// (principal, role, start, end) for tenant-wide role assignments.
    roles: Vec<(&'t str, &'t str, Option<Timestamp>, Option<Timestamp>)>,
}

fn active(start: Option<Timestamp>, end: Option<Timestamp>, t: Timestamp) -> bool {
    start.is_none_or(|s| s <= t) && end.is_none_or(|e| t < e)
}

/// Builds the user table for the policies (in order) of `tenant`.
pub fn compile_users(tenant: &Tenant) -> UserTable {
    let n = tenant.policies.len();
    let conds: Vec<Option<&UserCondition>> = tenant
        .policies
        .iter()
        .map(|p| p.conditions.users.as_ref())
        .collect();
    // Inverted index: which policies name each id on each side.
    let mut all_inc = Bits::empty(n);
    let mut by_id_inc: HashMap<(u8, &str), Bits> = HashMap::new();
    let mut by_id_exc: HashMap<(u8, &str), Bits> = HashMap::new();
    for (i, c) in conds.iter().enumerate() {
        let Some(c) = c else { continue };
        if c.include_users.iter().any(|r| r.is(Keyword::All)) {
            all_inc.insert(i);
        }
        // Keyed by (kind, id): 0 user, 1 group, 2 role, so ids of different kinds never mix.
        let sides = [
            (0u8, &c.include_users, &c.exclude_users),
            (1, &c.include_groups, &c.exclude_groups),
            (2, &c.include_roles, &c.exclude_roles),
        ];
        for (kind, inc, exc) in sides {
            for id in inc.iter().filter_map(IdRef::id) {
                by_id_inc
                    .entry((kind, id))
                    .or_insert_with(|| Bits::empty(n))
                    .insert(i);
            }
            for id in exc.iter().filter_map(IdRef::id) {
                by_id_exc
                    .entry((kind, id))
                    .or_insert_with(|| Bits::empty(n))
                    .insert(i);
            }
        }
    }
    // Static parent edges (member -> groups) and time-bounded facts.
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    for g in &tenant.groups {
        for m in &g.members {
            parents.entry(m.as_str()).or_default().push(g.id.as_str());
        }
    }
    let mut windowed = Windowed {
        group_edges: Vec::new(),
        roles: Vec::new(),
    };
    for a in &tenant.pim.group_assignments {
        if let PimTarget::Group {
            group_id,
            access_id: AccessId::Member,
        } = &a.target
        {
            windowed
                .group_edges
                .push((a.principal_id.as_str(), group_id.as_str(), a.start, a.end));
        }
    }
    for a in &tenant.role_assignments {
        if a.directory_scope_id == "/" {
            windowed.roles.push((
                a.principal_id.as_str(),
                a.role_definition_id.as_str(),
                a.start,
                a.end,
            ));
        }
    }
    for a in &tenant.pim.role_assignments {
        if let PimTarget::Role {
            role_definition_id,
            directory_scope_id: Some(scope),
            ..
        } = &a.target
        {
            if scope == "/" {
                windowed.roles.push((
                    a.principal_id.as_str(),
                    role_definition_id.as_str(),
                    a.start,
                    a.end,
                ));
            }
        }
    }
    let mut edges_by_principal: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, (p, ..)) in windowed.group_edges.iter().enumerate() {
        edges_by_principal.entry(p).or_default().push(k);
    }
    let mut roles_by_principal: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, (p, ..)) in windowed.roles.iter().enumerate() {
        roles_by_principal.entry(p).or_default().push(k);
    }

    let mut classes: Vec<UserClass> = Vec::new();
    let mut class_ids: HashMap<UserClass, ClassId> = HashMap::new();
    let mut intern = |c: UserClass| -> ClassId {
        if let Some(id) = class_ids.get(&c) {
            return *id;
        }
        let id = ClassId::try_from(classes.len()).unwrap_or(ClassId::MAX);
        classes.push(c.clone());
        class_ids.insert(c, id);
        id
    };
    let unknown_class = intern(UserClass {
        include: all_inc.clone(),
        exclude: Bits::empty(n),
    });

    let mut users = AHashMap::with_capacity(tenant.users.len());
    for u in &tenant.users {
        // Every principal the user can ever reach, to find the instants that matter.
        let reach = closure(&u.id, &parents, &windowed, &edges_by_principal, None);
        let mut breakpoints: Vec<Timestamp> = Vec::new();
        for p in reach
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(u.id.as_str()))
        {
            for k in edges_by_principal.get(p).into_iter().flatten() {
                if let Some((_, _, s, e)) = windowed.group_edges.get(*k) {
                    breakpoints.extend(s.iter().chain(e.iter()));
                }
            }
            for k in roles_by_principal.get(p).into_iter().flatten() {
                if let Some((_, _, s, e)) = windowed.roles.get(*k) {
                    breakpoints.extend(s.iter().chain(e.iter()));
                }
            }
        }
        breakpoints.sort_unstable();
        breakpoints.dedup();
        let mut class_list = Vec::with_capacity(breakpoints.len() + 1);
        let mut group_counts = Vec::with_capacity(breakpoints.len() + 1);
        let representatives = std::iter::once(Timestamp::MIN).chain(breakpoints.iter().copied());
        for at in representatives {
            let groups = closure(&u.id, &parents, &windowed, &edges_by_principal, Some(at));
            group_counts.push(groups.len());
            let mut include = all_inc.clone();
            let mut exclude = Bits::empty(n);
            let mut names = |kind: u8, id: &str| {
                if let Some(b) = by_id_inc.get(&(kind, id)) {
                    include.or(b);
                }
                if let Some(b) = by_id_exc.get(&(kind, id)) {
                    exclude.or(b);
                }
            };
            names(0, &u.id);
            for g in &groups {
                names(1, g);
            }
            for (principal, role, s, e) in &windowed.roles {
                if active(*s, *e, at) && (*principal == u.id || groups.contains(*principal)) {
                    names(2, role);
                }
            }
            class_list.push(intern(UserClass { include, exclude }));
        }
        if group_counts
            .iter()
            .all(|n| *n <= crate::validate::limits::GROUPS_PER_USER)
        {
            group_counts.clear();
        }
        users.insert(
            u.id.clone(),
            UserEntry {
                breakpoints,
                classes: class_list,
                too_many_groups: group_counts,
                guest_bits: u.external_user_type,
                home_tenant: u.external_tenant_id.clone(),
            },
        );
    }

    // Guest selector table.
    let mut tenant_index: AHashMap<String, usize> = AHashMap::new();
    for c in conds.iter().flatten() {
        for sel in [&c.include_guests, &c.exclude_guests].into_iter().flatten() {
            if let ExternalTenants::Enumerated(list) = &sel.tenants {
                for t in list {
                    let next = tenant_index.len();
                    tenant_index.entry(t.clone()).or_insert(next);
                }
            }
        }
    }
    let tenants = tenant_index.len();
    let mut by_slot: Vec<Option<&str>> = vec![None; tenants + 1];
    for (t, i) in &tenant_index {
        if let Some(slot) = by_slot.get_mut(*i) {
            *slot = Some(t.as_str());
        }
    }
    let mut guest_sets = Vec::with_capacity(64 * (tenants + 1));
    for bits in 0u8..64 {
        for home in &by_slot {
            let mut inc = Bits::empty(n);
            let mut exc = Bits::empty(n);
            for (i, c) in conds.iter().enumerate() {
                let Some(c) = c else { continue };
                let legacy = |list: &[IdRef]| {
                    bits != 0 && list.iter().any(|r| r.is(Keyword::GuestsOrExternalUsers))
                };
                if legacy(&c.include_users) || selector(&c.include_guests, bits, *home) {
                    inc.insert(i);
                }
                if legacy(&c.exclude_users) || selector(&c.exclude_guests, bits, *home) {
                    exc.insert(i);
                }
            }
            guest_sets.push((inc, exc));
        }
    }
    let enumerated_include = (0u8..64)
        .map(|bits| {
            let mut set = Bits::empty(n);
            for (i, c) in conds.iter().enumerate() {
                let hit = c.and_then(|c| c.include_guests.as_ref()).is_some_and(|g| {
                    // An internal guest has no other home tenant: nothing is missing for it.
                    g.types & bits & !GuestType::InternalGuest.bit() != 0
                        && matches!(g.tenants, ExternalTenants::Enumerated(_))
                });
                if hit {
                    set.insert(i);
                }
            }
            set
        })
        .collect();
    UserTable {
        enumerated_include,
        users,
        classes,
        unknown_class,
        tenant_index,
        guest_sets,
        tenants,
    }
}

fn selector(sel: &Option<GuestSelector>, bits: u8, home: Option<&str>) -> bool {
    sel.as_ref().is_some_and(|g| {
        g.types & bits != 0
            && match &g.tenants {
                ExternalTenants::All => true,
                ExternalTenants::Enumerated(list) => {
                    home.is_some_and(|h| list.iter().any(|x| x == h))
                }
            }
    })
}

/// Groups `start` is a member of: static `members` edges plus PIM group member assignments, the
/// latter only when active at `at` (`None`: ever). Stops on cycles.
fn closure(
    start: &str,
    parents: &HashMap<&str, Vec<&str>>,
    windowed: &Windowed<'_>,
    edges_by_principal: &HashMap<&str, Vec<usize>>,
    at: Option<Timestamp>,
) -> HashSet<String> {
    let mut out: HashSet<String> = HashSet::new();
    let mut frontier: Vec<String> = vec![start.to_owned()];
    while let Some(member) = frontier.pop() {
        for g in parents.get(member.as_str()).into_iter().flatten() {
            if out.insert((*g).to_owned()) {
                frontier.push((*g).to_owned());
            }
        }
        for k in edges_by_principal
            .get(member.as_str())
            .into_iter()
            .flatten()
        {
            if let Some((_, g, s, e)) = windowed.group_edges.get(*k) {
                if at.is_none_or(|t| active(*s, *e, t)) && out.insert((*g).to_owned()) {
                    frontier.push((*g).to_owned());
                }
            }
        }
    }
    out
}
