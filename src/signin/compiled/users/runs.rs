//! A user's class from static facts, read for a run of users in one task: the lookups miss the
//! cache (a user's node, its groups' summaries, its named sides), so at Entra's limits they are
//! done on every core, and each run's classes are interned within the run.

use super::{Bits, Graph, GroupSummary, Map, Names, Timestamp, UserClass};
use crate::model::directory::User;
use smallvec::SmallVec;

/// Users whose facts are read in one task: enough to amortise a task, few enough that a run's
/// own class table stays small.
pub(super) const USERS_PER_RUN: usize = 4096;

/// A run of users' static facts: the run's distinct classes in order of first appearance, and
/// per user its class among them and its group count where that is over Entra's limit, or
/// `None` when the user needs a timeline.
pub(super) struct Run {
    pub(super) classes: Vec<UserClass>,
    pub(super) users: Vec<Option<(usize, Option<usize>)>>,
}

/// [`Run`] for `users`.
pub(super) fn static_run<'t>(
    graph: &Graph<'t>,
    summaries: &Map<&'t str, GroupSummary>,
    names: &Names<'t>,
    users: &'t [User],
    n: usize,
) -> Run {
    let mut classes = Vec::new();
    let mut local: Map<UserClass, usize> = Map::default();
    let users = users
        .iter()
        .map(|u| {
            let (class, over) = static_facts(graph, summaries, names, &u.id, n)?;
            let next = local.len();
            let k = *local.entry(class).or_insert_with_key(|c| {
                classes.push(c.clone());
                next
            });
            Some((k, over))
        })
        .collect();
    Run { classes, users }
}

/// A user's class from its direct groups' summaries, its id and its permanent roles, and its
/// group count where that is over Entra's limit; `None` when a fact of the user or of a group
/// above it holds only for a while, so that the user needs a timeline.
fn static_facts<'t>(
    graph: &Graph<'t>,
    summaries: &Map<&'t str, GroupSummary>,
    names: &Names<'t>,
    user: &'t str,
    n: usize,
) -> Option<(UserClass, Option<usize>)> {
    let principal = graph.principal(user);
    // Each direct group's summary, looked up once.
    let above: SmallVec<[Option<&GroupSummary>; 4]> =
        principal.parents.iter().map(|g| summaries.get(g)).collect();
    if graph.is_windowed(principal) || !above.iter().all(|s| s.is_some_and(|s| !s.windowed)) {
        return None;
    }
    // Static facts only: the user's class is the OR of its direct groups' summaries.
    let mut include = names.all.clone();
    let mut exclude = Bits::empty(n);
    names.add(0, user, &mut include, &mut exclude);
    let mut upper_bound = 0usize;
    for s in above.iter().flatten() {
        include.or(&s.include);
        exclude.or(&s.exclude);
        // Summaries' bounds can saturate (a ladder of groups doubles them per level).
        upper_bound = upper_bound.saturating_add(s.closure);
    }
    for k in &principal.role_facts {
        if let Some((_, role, None, None)) = graph.role_facts.get(*k) {
            names.add(2, role, &mut include, &mut exclude);
        }
    }
    // The summaries' sum only bounds the count; the closure settles it.
    let groups_over_limit = (upper_bound > crate::validate::limits::GROUPS_PER_USER)
        .then(|| graph.closure(user, Some(Timestamp::MIN)).len())
        .filter(|c| *c > crate::validate::limits::GROUPS_PER_USER);
    Some((UserClass { include, exclude }, groups_over_limit))
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::super::compile_users_in_runs;
    use super::*;
    use crate::unstable::generate::{TenantSize, tenant};

    /// A generated tenant of several runs of users, some of whom hold a role for a while (so
    /// they need a timeline, read between the others).
    fn tenant_of_runs() -> crate::model::Tenant {
        let size = TenantSize {
            users: 3 * USERS_PER_RUN + 100,
            groups: 300,
            ..TenantSize::SMALL
        };
        let bytes = serde_json::to_vec(&tenant(size, 11)).unwrap();
        let mut t = crate::load_bundle_bytes("t.json", &bytes).unwrap();
        let role = t.role_assignments[0].clone();
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        for u in t.users.iter().step_by(997) {
            t.role_assignments
                .push(crate::model::directory::RoleAssignment {
                    principal_id: u.id.clone(),
                    start: Some(start),
                    end: Some(start + jiff::SignedDuration::from_hours(8)),
                    ..role.clone()
                });
        }
        t
    }

    #[test]
    fn users_read_in_runs_get_the_classes_of_one_user_after_another() {
        let t = tenant_of_runs();
        let in_runs = compile_users_in_runs(&t, USERS_PER_RUN);
        let one_run = compile_users_in_runs(&t, usize::MAX);
        assert!(
            in_runs.classes.len() > 20,
            "{} classes",
            in_runs.classes.len()
        );
        assert_eq!(in_runs.classes, one_run.classes);
        // Every user's row, timeline included, and the index over them.
        assert_eq!(
            format!("{:?}", in_runs.users),
            format!("{:?}", one_run.users)
        );
        // Some users needed a timeline, and kept it.
        let start: Timestamp = "2026-01-01T00:00:01Z".parse().unwrap();
        let windowed = t
            .users
            .iter()
            .step_by(997)
            .filter(|u| {
                let row = in_runs.users.get(&u.id).unwrap();
                row.class_at(start) != row.class_at(Timestamp::MIN)
            })
            .count();
        assert!(
            windowed > 5,
            "{windowed} users changed class with their role"
        );
    }

    #[test]
    fn classes_are_numbered_as_users_first_have_them() {
        let mut t = tenant_of_runs();
        // Static facts only, so that every user's class is interned by its run.
        t.role_assignments
            .retain(|a| a.start.is_none() && a.end.is_none());
        let table = compile_users_in_runs(&t, USERS_PER_RUN);
        // The unknown user's class first, then each class where a user first has it.
        assert_eq!(table.unknown_class, 0);
        let mut next = 1;
        for u in &t.users {
            let class = table.users.get(&u.id).unwrap().class_at(Timestamp::MIN);
            if class >= next {
                assert_eq!(class, next, "user {} opens class {class}", u.id);
                next += 1;
            }
        }
        // Each class once.
        for (i, c) in table.classes.iter().enumerate() {
            assert!(!table.classes[..i].contains(c), "class {i} repeats");
        }
    }
}
