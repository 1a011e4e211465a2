//! User classes: users grouped by the CA-relevant facts that depend on the directory (docs/SEMANTICS.md
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

use crate::hashing::{Map, Set};

use jiff::Timestamp;
use rayon::prelude::*;
use smallvec::SmallVec;

use super::bits::Bits;
use super::directory::{DirectoryUsers, Timeline, UserFacts};
use crate::model::Tenant;
use crate::model::enums::{AccessId, GuestType};
use crate::model::ids::{IdRef, Keyword};
use crate::model::pim::PimTarget;
use crate::model::policy::{ExternalTenants, GuestSelector, UserCondition};

pub use super::directory::ClassId;

mod runs;
use runs::{Run, USERS_PER_RUN, static_run};

/// The static user-side policy sets of one class.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserClass {
    /// Policies whose include side names the user (without guest selectors).
    pub include: Bits,
    /// Policies whose exclude side names the user (without guest selectors).
    pub exclude: Bits,
}

/// Everything the users dimension needs.
#[derive(Debug, Clone)]
pub struct UserTable {
    /// Directory users by lowercased id.
    pub users: DirectoryUsers,
    /// The classes.
    pub classes: Vec<UserClass>,
    /// Class of a user that is not in the directory and that no policy lists: only `All`
    /// includes it.
    pub unknown_class: ClassId,
    /// Classes of user ids that policies list but the directory does not hold: matched by the
    /// id and by `All`, with no groups or roles (§3.4 rule 9).
    pub listed: Map<String, ClassId>,
    /// Policies whose include side lists a group: for a user outside the directory, whose
    /// groups are unknown, missing data (§7).
    pub include_by_group: Bits,
    /// Policies whose include side lists a role: likewise.
    pub include_by_role: Bits,
    /// Policies whose include side lists a group the export lacks: membership unknown for
    /// everyone (§1.6a).
    pub include_dangling_group: Bits,
    /// Guest include/exclude sets per guest-type bits, for selectors that accept every home
    /// tenant and for the legacy `GuestsOrExternalUsers` keyword.
    guest_any_tenant: Vec<(Bits, Bits)>,
    /// Selectors that enumerate home tenants: tenant -> (policy, guest-type bits, include side).
    guest_by_tenant: Map<String, Vec<(usize, u8, bool)>>,
    /// Per guest-type bits: policies whose include selector matches those types but enumerates
    /// home tenants, so an unknown home tenant is missing data for them (§3.4.6).
    pub enumerated_include: Vec<Bits>,
}

impl UserTable {
    /// Home tenant ids some guest selector names, sorted.
    pub fn named_home_tenants(&self) -> Vec<String> {
        let mut v: Vec<String> = self.guest_by_tenant.keys().cloned().collect();
        v.sort_unstable();
        v
    }

    /// The stored spelling of `tenant` when some guest selector names it.
    pub fn named_home_tenant(&self, tenant: &str) -> Option<&str> {
        self.guest_by_tenant
            .get_key_value(tenant)
            .map(|(k, _)| k.as_str())
    }

    /// Guest-selector include and exclude sets for these guest bits and home tenant.
    pub fn guest_sets(&self, guest_bits: u8, home_tenant: Option<&str>) -> (Bits, Bits) {
        let (mut include, mut exclude) = self
            .guest_any_tenant
            .get(usize::from(guest_bits & 63))
            .cloned()
            .unwrap_or_default();
        if let Some(entries) = home_tenant.and_then(|h| self.guest_by_tenant.get(h)) {
            for (policy, types, include_side) in entries {
                if types & guest_bits != 0 {
                    if *include_side {
                        include.insert(*policy);
                    } else {
                        exclude.insert(*policy);
                    }
                }
            }
        }
        (include, exclude)
    }
}

/// A time-bounded fact: (principal, group or role, start, end).
type Fact<'t> = (&'t str, &'t str, Option<Timestamp>, Option<Timestamp>);

fn active(start: Option<Timestamp>, end: Option<Timestamp>, t: Timestamp) -> bool {
    start.is_none_or(|s| s <= t) && end.is_none_or(|e| t < e)
}

/// Which policies name each id, per side; keyed by (kind, id) with kind 0 user, 1 group, 2 role,
/// so ids of different kinds never mix.
struct Names<'t> {
    all: Bits,
    /// The include and the exclude side, found with one lookup.
    sides: Map<(u8, &'t str), [Bits; 2]>,
}

impl<'t> Names<'t> {
    fn add(&self, kind: u8, id: &str, include: &mut Bits, exclude: &mut Bits) {
        if let Some([inc, exc]) = self.sides.get(&(kind, id)) {
            include.or(inc);
            exclude.or(exc);
        }
    }

    /// The policies naming `id` on one side, to add to.
    fn side(&mut self, kind: u8, id: &'t str, n: usize, exclude: bool) -> &mut Bits {
        let [inc, exc] = self
            .sides
            .entry((kind, id))
            .or_insert_with(|| [Bits::empty(n), Bits::empty(n)]);
        if exclude { exc } else { inc }
    }
}

/// The directory graph: static membership edges, and the facts that depend on time.
struct Graph<'t> {
    /// Every principal the directory says something about, found with one lookup.
    principals: Map<&'t str, Principal<'t>>,
    /// PIM group member assignments: (principal, group, start, end).
    group_facts: Vec<Fact<'t>>,
    /// Tenant-wide role assignments: (principal, role, start, end).
    role_facts: Vec<Fact<'t>>,
    /// A principal the directory says nothing about.
    nobody: Principal<'t>,
    /// The groups with a static member, sorted and distinct (the loader already drops a
    /// repeated group, but a tenant built another way may repeat one).
    parent_groups: Vec<&'t str>,
}

/// What the directory says about one principal (user, group or service principal).
#[derive(Default)]
struct Principal<'t> {
    /// The groups it is a direct static member of; most principals are in one or two.
    parents: SmallVec<[&'t str; 2]>,
    /// Its PIM group member assignments (indices into `Graph::group_facts`).
    group_facts: Vec<usize>,
    /// Its role assignments (indices into `Graph::role_facts`).
    role_facts: Vec<usize>,
}

impl<'t> Graph<'t> {
    fn new(tenant: &'t Tenant) -> Graph<'t> {
        // Sized for every principal up front: a tenant at the limits has 100,000 members, and
        // growing the table step by step rehashes all of them several times.
        let mut principals: Map<&str, Principal<'t>> =
            crate::hashing::map_with_capacity(tenant.users.len() + tenant.groups.len());
        let mut parent_groups = Vec::with_capacity(tenant.groups.len());
        for g in &tenant.groups {
            if !g.members.is_empty() {
                parent_groups.push(g.id.as_str());
            }
            for m in &g.members {
                principals
                    .entry(m.as_str())
                    .or_default()
                    .parents
                    .push(g.id.as_str());
            }
        }
        let mut group_facts = Vec::new();
        for a in &tenant.pim.group_assignments {
            if let PimTarget::Group {
                group_id,
                access_id: AccessId::Member,
            } = &a.target
            {
                group_facts.push((a.principal_id.as_str(), group_id.as_str(), a.start, a.end));
            }
        }
        let mut role_facts = Vec::new();
        for a in &tenant.role_assignments {
            if a.directory_scope_id == "/" {
                role_facts.push((
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
                && scope == "/"
            {
                role_facts.push((
                    a.principal_id.as_str(),
                    role_definition_id.as_str(),
                    a.start,
                    a.end,
                ));
            }
        }
        for (k, (p, ..)) in group_facts.iter().enumerate() {
            principals.entry(*p).or_default().group_facts.push(k);
        }
        for (k, (p, ..)) in role_facts.iter().enumerate() {
            principals.entry(*p).or_default().role_facts.push(k);
        }
        parent_groups.sort_unstable();
        parent_groups.dedup();
        Graph {
            principals,
            group_facts,
            role_facts,
            nobody: Principal::default(),
            parent_groups,
        }
    }

    /// Groups `start` is a member of: static edges plus PIM group member assignments, the latter
    /// only when active at `at` (`None`: ever). Stops on cycles.
    fn closure(&self, start: &'t str, at: Option<Timestamp>) -> Set<&'t str> {
        let mut out: Set<&str> = Set::default();
        let mut frontier: Vec<&str> = vec![start];
        while let Some(member) = frontier.pop() {
            let p = self.principal(member);
            for g in &p.parents {
                if out.insert(g) {
                    frontier.push(g);
                }
            }
            for k in &p.group_facts {
                if let Some((_, g, s, e)) = self.group_facts.get(*k)
                    && at.is_none_or(|t| active(*s, *e, t))
                    && out.insert(g)
                {
                    frontier.push(g);
                }
            }
        }
        out
    }

    /// What the directory says about `id` (nothing for an id it does not know).
    fn principal(&self, id: &str) -> &Principal<'t> {
        self.principals.get(id).unwrap_or(&self.nobody)
    }

    /// Does `p` carry any fact that holds only for a while?
    fn is_windowed(&self, p: &Principal<'_>) -> bool {
        // A PIM group assignment, windowed or not, adds membership edges that the static
        // closure cannot see; a role assignment matters only when it has a window.
        !p.group_facts.is_empty()
            || p.role_facts.iter().any(|k| {
                self.role_facts
                    .get(*k)
                    .is_some_and(|(_, _, s, e)| s.is_some() || e.is_some())
            })
    }
}

/// Per group: what its members get from it and every group above it (static facts only).
struct GroupSummary {
    include: Bits,
    exclude: Bits,
    /// Size of the group's own static closure (itself and every group above it).
    closure: usize,
    /// The group or a group above it carries a time-bounded fact.
    windowed: bool,
}

/// Every group's summary, each computed once from the summaries of the groups directly above
/// it: groups in a cycle share one (strongly connected components, found iteratively so a
/// nesting chain 100,000 deep neither recurses nor goes quadratic, §1.6b).
fn summarize<'t>(graph: &Graph<'t>, names: &Names<'t>, n: usize) -> Map<&'t str, GroupSummary> {
    // The groups, numbered, and the groups directly above each (static edges, and PIM group
    // memberships in force since forever, as `Graph::closure` at `Timestamp::MIN` reads them).
    // The groups that are some principal's parent: those with a member, taken from the group
    // list rather than from every membership.
    let ids: &[&'t str] = &graph.parent_groups;
    let index: Map<&str, usize> = ids.iter().enumerate().map(|(i, g)| (*g, i)).collect();
    let above: Vec<Vec<usize>> = ids
        .iter()
        .map(|g| {
            let principal = graph.principal(g);
            let mut up: Vec<usize> = principal
                .parents
                .iter()
                .filter_map(|p| index.get(p).copied())
                .collect();
            for k in &principal.group_facts {
                if let Some((_, p, s, e)) = graph.group_facts.get(*k)
                    && active(*s, *e, Timestamp::MIN)
                {
                    up.extend(index.get(p).copied());
                }
            }
            up.sort_unstable();
            up.dedup();
            up
        })
        .collect();
    let components = strongly_connected(&above);
    // Tarjan emits a component after every component above it: one pass in that order.
    let mut component_of = vec![0usize; ids.len()];
    for (c, members) in components.iter().enumerate() {
        for m in members {
            if let Some(slot) = component_of.get_mut(*m) {
                *slot = c;
            }
        }
    }
    let mut summaries: Vec<GroupSummary> = Vec::with_capacity(components.len());
    for (c, members) in components.iter().enumerate() {
        let mut include = Bits::empty(n);
        let mut exclude = Bits::empty(n);
        let mut windowed = false;
        let mut closure = members.len();
        let mut seen_above: Vec<usize> = Vec::new();
        for m in members {
            let Some(g) = ids.get(*m) else { continue };
            names.add(1, g, &mut include, &mut exclude);
            let principal = graph.principal(g);
            windowed |= graph.is_windowed(principal);
            for k in &principal.role_facts {
                if let Some((_, role, None, None)) = graph.role_facts.get(*k) {
                    names.add(2, role, &mut include, &mut exclude);
                }
            }
            for up in above.get(*m).into_iter().flatten() {
                let uc = component_of.get(*up).copied().unwrap_or(c);
                if uc != c && !seen_above.contains(&uc) {
                    seen_above.push(uc);
                }
            }
        }
        for uc in seen_above {
            if let Some(s) = summaries.get(uc) {
                include.or(&s.include);
                exclude.or(&s.exclude);
                windowed |= s.windowed;
                // An upper bound (a group reached twice is counted twice): it only decides
                // whether the exact count is worth computing (§3.4.8).
                closure = closure.saturating_add(s.closure);
            }
        }
        summaries.push(GroupSummary {
            include,
            exclude,
            closure,
            windowed,
        });
    }
    let mut out = crate::hashing::map_with_capacity(ids.len());
    for (i, g) in ids.iter().enumerate() {
        let c = component_of.get(i).copied().unwrap_or(0);
        if let Some(s) = summaries.get(c) {
            out.insert(
                *g,
                GroupSummary {
                    include: s.include.clone(),
                    exclude: s.exclude.clone(),
                    closure: s.closure,
                    windowed: s.windowed,
                },
            );
        }
    }
    out
}

/// Tarjan's strongly connected components over `edges` (node → successors), iteratively. Each
/// component comes after every component its nodes reach.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut components = Vec::new();
    let mut next = 0usize;
    // (node, index of the next successor to visit)
    let mut work: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if order.get(root) != Some(&UNSEEN) {
            continue;
        }
        work.push((root, 0));
        while let Some((v, i)) = work.pop() {
            if i == 0 {
                if let (Some(o), Some(l)) = (order.get_mut(v), low.get_mut(v)) {
                    *o = next;
                    *l = next;
                }
                next += 1;
                stack.push(v);
                if let Some(s) = on_stack.get_mut(v) {
                    *s = true;
                }
            }
            let succ = edges.get(v).map_or(&[][..], Vec::as_slice);
            if let Some(&w) = succ.get(i) {
                work.push((v, i + 1));
                match order.get(w).copied() {
                    Some(UNSEEN) => work.push((w, 0)),
                    Some(ow) if on_stack.get(w) == Some(&true) => {
                        if let Some(l) = low.get_mut(v) {
                            *l = (*l).min(ow);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            // All successors done: fold their lows in, then maybe close a component.
            for &w in succ {
                if on_stack.get(w) == Some(&true) {
                    let lw = low.get(w).copied().unwrap_or(usize::MAX);
                    if let Some(l) = low.get_mut(v) {
                        *l = (*l).min(lw);
                    }
                }
            }
            if low.get(v) == order.get(v) {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    if let Some(s) = on_stack.get_mut(w) {
                        *s = false;
                    }
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

/// Builds the user table for the policies (in order) of `tenant`.
pub fn compile_users(tenant: &Tenant) -> UserTable {
    compile_users_in_runs(tenant, USERS_PER_RUN)
}

/// [`compile_users`], reading users' static facts in runs of `run` users (one run of every
/// user reads them as one user after another).
fn compile_users_in_runs(tenant: &Tenant, run: usize) -> UserTable {
    let n = tenant.policies.len();
    let conds: Vec<Option<&UserCondition>> = tenant
        .policies
        .iter()
        .map(|p| p.conditions.users.as_ref())
        .collect();
    let mut names = Names {
        all: Bits::empty(n),
        sides: Map::default(),
    };
    for (i, c) in conds.iter().enumerate() {
        let Some(c) = c else { continue };
        if c.include_users.iter().any(|r| r.is(Keyword::All)) {
            names.all.insert(i);
        }
        let sides = [
            (0u8, &c.include_users, &c.exclude_users),
            (1, &c.include_groups, &c.exclude_groups),
            (2, &c.include_roles, &c.exclude_roles),
        ];
        for (kind, inc, exc) in sides {
            for id in inc.iter().filter_map(IdRef::id) {
                names.side(kind, id, n, false).insert(i);
            }
            for id in exc.iter().filter_map(IdRef::id) {
                names.side(kind, id, n, true).insert(i);
            }
        }
    }
    let graph = Graph::new(tenant);
    let summaries = summarize(&graph, &names, n);

    let mut classes: Vec<UserClass> = Vec::new();
    let mut class_ids: Map<UserClass, ClassId> = Map::default();
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
        include: names.all.clone(),
        exclude: Bits::empty(n),
    });

    // Each user's static facts on every core (the lookups miss the cache: a user's node, its
    // groups' summaries, its named sides), with the classes of a run of users interned within
    // the run; then, one user after another in tenant order, each run's classes are interned
    // where they first appear, so that class ids are those of one user after another.
    let runs: Vec<Run> = tenant
        .users
        .par_chunks(run)
        .map(|run| static_run(&graph, &summaries, &names, run, n))
        .collect();
    let id_bytes = tenant.users.iter().map(|u| u.id.len()).sum();
    let mut users = DirectoryUsers::with_capacity(tenant.users.len(), id_bytes);
    for (run_users, run) in tenant.users.chunks(run).zip(runs) {
        // Each of the run's classes, interned where it first appears.
        let mut global: Vec<Option<ClassId>> = vec![None; run.classes.len()];
        for (u, facts) in run_users.iter().zip(run.users) {
            let (class, timeline) = match facts {
                Some((local, groups_over_limit)) => {
                    let class = match (global.get_mut(local), run.classes.get(local)) {
                        (Some(Some(id)), _) => *id,
                        (Some(slot), Some(c)) => *slot.insert(intern(c.clone())),
                        // A run's local ids index its own classes: not reached.
                        _ => unknown_class,
                    };
                    let timeline = groups_over_limit.map(|c| Timeline {
                        breakpoints: Vec::new(),
                        classes: vec![class],
                        too_many_groups: vec![c],
                    });
                    (class, timeline)
                }
                None => {
                    let mut timeline = segmented(&graph, &names, &u.id, n, &mut intern);
                    if timeline
                        .too_many_groups
                        .iter()
                        .all(|c| *c <= crate::validate::limits::GROUPS_PER_USER)
                    {
                        timeline.too_many_groups = Vec::new();
                    }
                    let class = timeline.classes.first().copied().unwrap_or(0);
                    (class, Some(timeline))
                }
            };
            users.insert(
                &u.id,
                UserFacts {
                    class,
                    timeline,
                    guest_bits: u.external_user_type,
                    home_tenant: u.external_tenant_id.clone(),
                },
            );
        }
    }

    // User ids that policies list but the directory lacks are still those users (§3.4 rule 9).
    let mut listed = Map::default();
    let mut include_by_group = Bits::empty(n);
    let mut include_by_role = Bits::empty(n);
    let mut include_dangling_group = Bits::empty(n);
    for (i, c) in conds.iter().enumerate() {
        let Some(c) = c else { continue };
        for id in c
            .include_users
            .iter()
            .chain(&c.exclude_users)
            .filter_map(IdRef::id)
        {
            if !users.contains(id) && !listed.contains_key(id) {
                let mut include = names.all.clone();
                let mut exclude = Bits::empty(n);
                names.add(0, id, &mut include, &mut exclude);
                listed.insert(id.to_owned(), intern(UserClass { include, exclude }));
            }
        }
        if c.include_groups.iter().any(|r| r.id().is_some()) {
            include_by_group.insert(i);
        }
        if c.include_groups
            .iter()
            .filter_map(IdRef::id)
            .any(|g| tenant.group(g).is_none())
        {
            include_dangling_group.insert(i);
        }
        if c.include_roles.iter().any(|r| r.id().is_some()) {
            include_by_role.insert(i);
        }
    }

    // Guest selectors: one table over guest-type bits for selectors that take any home tenant,
    // and a per-tenant list for enumerated ones.
    let legacy = |list: &[IdRef]| list.iter().any(|r| r.is(Keyword::GuestsOrExternalUsers));
    let flags: Vec<(bool, bool)> = conds
        .iter()
        .map(|c| {
            c.map_or((false, false), |c| {
                (legacy(&c.include_users), legacy(&c.exclude_users))
            })
        })
        .collect();
    let mut guest_any_tenant = Vec::with_capacity(64);
    for bits in 0u8..64 {
        let mut inc = Bits::empty(n);
        let mut exc = Bits::empty(n);
        for (i, c) in conds.iter().enumerate() {
            let Some(c) = c else { continue };
            let (legacy_inc, legacy_exc) = flags.get(i).copied().unwrap_or_default();
            if (bits != 0 && legacy_inc) || any_tenant(&c.include_guests, bits) {
                inc.insert(i);
            }
            if (bits != 0 && legacy_exc) || any_tenant(&c.exclude_guests, bits) {
                exc.insert(i);
            }
        }
        guest_any_tenant.push((inc, exc));
    }
    let mut guest_by_tenant: Map<String, Vec<(usize, u8, bool)>> = Map::default();
    for (i, c) in conds.iter().enumerate() {
        let Some(c) = c else { continue };
        for (sel, include_side) in [(&c.include_guests, true), (&c.exclude_guests, false)] {
            if let Some(GuestSelector {
                types,
                tenants: ExternalTenants::Enumerated(list),
            }) = sel
            {
                for t in list {
                    let entries = guest_by_tenant.entry(t.clone()).or_default();
                    if !entries.contains(&(i, *types, include_side)) {
                        entries.push((i, *types, include_side));
                    }
                }
            }
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
        users,
        classes,
        unknown_class,
        listed,
        include_by_group,
        include_by_role,
        include_dangling_group,
        guest_any_tenant,
        guest_by_tenant,
        enumerated_include,
    }
}

fn any_tenant(sel: &Option<GuestSelector>, bits: u8) -> bool {
    sel.as_ref()
        .is_some_and(|g| g.types & bits != 0 && matches!(g.tenants, ExternalTenants::All))
}

/// A user whose facts change over time: one class per segment between the instants where any
/// fact reachable from the user starts or ends.
fn segmented<'t>(
    graph: &Graph<'t>,
    names: &Names<'t>,
    user: &'t str,
    n: usize,
    intern: &mut impl FnMut(UserClass) -> ClassId,
) -> Timeline {
    let reach = graph.closure(user, None);
    let mut breakpoints: Vec<Timestamp> = Vec::new();
    for p in reach.iter().copied().chain(std::iter::once(user)) {
        let p = graph.principal(p);
        for k in &p.group_facts {
            if let Some((_, _, s, e)) = graph.group_facts.get(*k) {
                breakpoints.extend(s.iter().chain(e.iter()));
            }
        }
        for k in &p.role_facts {
            if let Some((_, _, s, e)) = graph.role_facts.get(*k) {
                breakpoints.extend(s.iter().chain(e.iter()));
            }
        }
    }
    breakpoints.sort_unstable();
    breakpoints.dedup();
    let mut classes = Vec::with_capacity(breakpoints.len() + 1);
    let mut counts = Vec::with_capacity(breakpoints.len() + 1);
    for at in std::iter::once(Timestamp::MIN).chain(breakpoints.iter().copied()) {
        let groups = graph.closure(user, Some(at));
        counts.push(groups.len());
        let mut include = names.all.clone();
        let mut exclude = Bits::empty(n);
        names.add(0, user, &mut include, &mut exclude);
        for g in &groups {
            names.add(1, g, &mut include, &mut exclude);
        }
        for p in groups.iter().copied().chain(std::iter::once(user)) {
            for k in &graph.principal(p).role_facts {
                if let Some((_, role, s, e)) = graph.role_facts.get(*k)
                    && active(*s, *e, at)
                {
                    names.add(2, role, &mut include, &mut exclude);
                }
            }
        }
        classes.push(intern(UserClass { include, exclude }));
    }
    Timeline {
        breakpoints,
        classes,
        too_many_groups: counts,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::strongly_connected;

    #[test]
    fn components_come_after_everything_they_reach() {
        // 0 -> 1 -> 2 -> 1 (a cycle), 2 -> 3; 4 alone.
        let edges = vec![vec![1], vec![2], vec![1, 3], vec![], vec![]];
        let mut components = strongly_connected(&edges);
        for c in &mut components {
            c.sort_unstable();
        }
        assert_eq!(components, [vec![3], vec![1, 2], vec![0], vec![4]]);
    }

    #[test]
    fn a_chain_100000_deep_neither_recurses_nor_goes_quadratic() {
        let n = 100_000;
        let edges: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let components = strongly_connected(&edges);
        assert_eq!(components.len(), n);
        assert_eq!(components[0], [n - 1]);
        assert_eq!(components[n - 1], [0]);
    }
}
