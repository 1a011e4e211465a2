//! Group nesting: cycles, depth and transitive membership counts.

use super::*;

/// Every group that the group `id` (transitively) contains, and whether a cycle was met.
pub(super) fn group_graph(t: &Tenant) -> HashMap<&str, Vec<&str>> {
    let ids: HashSet<&str> = t.groups.iter().map(|g| g.id.as_str()).collect();
    t.groups
        .iter()
        .map(|g| {
            (
                g.id.as_str(),
                g.members
                    .iter()
                    .map(String::as_str)
                    .filter(|m| ids.contains(m))
                    .collect(),
            )
        })
        .collect()
}

pub(super) fn check_groups(c: &mut Checker<'_>) {
    let t = c.tenant;
    let graph = group_graph(t);
    // Cycle detection with an explicit stack (no recursion on hostile nesting).
    let mut state: HashMap<&str, u8> = HashMap::new(); // 1 = on stack, 2 = done
    let mut reported: HashSet<&str> = HashSet::new();
    for g in &t.groups {
        if state.contains_key(g.id.as_str()) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(g.id.as_str(), 0)];
        state.insert(g.id.as_str(), 1);
        while let Some((node, next)) = stack.last().copied() {
            let children = graph.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(child) = children.get(next) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                match state.get(child) {
                    None => {
                        state.insert(child, 1);
                        stack.push((child, 0));
                    }
                    Some(1) if reported.insert(child) => {
                        c.d.warn(
                            "cyclicGroupNesting",
                            &format!("directory.groups[{child}]"),
                            format!("group {child} contains itself through nesting; membership stops at the cycle"),
                        );
                    }
                    _ => {}
                }
            } else {
                state.insert(node, 2);
                stack.pop();
            }
        }
    }
    for g in t.groups.iter().filter(|g| g.is_assignable_to_role) {
        for m in &g.members {
            if graph.contains_key(m.as_str()) {
                c.limit(
                    "groupInRoleAssignableGroup",
                    &format!("directory.groups[{}]", g.id),
                    format!("group {m} is a member of role-assignable group {}; Entra does not allow this", g.id),
                );
            }
        }
    }
    // Groups by index, each with the groups that list it directly, and every other member with
    // the groups that list it: built once, so that each user's walk below costs the size of the
    // user's own closure (integer steps), not the size of the directory.
    let index: HashMap<&str, usize> = t
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); t.groups.len()];
    let mut direct: HashMap<&str, Vec<usize>> = HashMap::new();
    for (gi, g) in t.groups.iter().enumerate() {
        for m in &g.members {
            match index.get(m.as_str()).and_then(|&mi| parents.get_mut(mi)) {
                Some(list) => list.push(gi),
                None => direct.entry(m.as_str()).or_default().push(gi),
            }
        }
    }
    // stamp[g] == the user (plus one) whose walk last reached group g.
    let mut stamp: Vec<usize> = vec![0; t.groups.len()];
    for (ui, u) in t.users.iter().enumerate() {
        let mark = ui + 1;
        let mut count = 0usize;
        let mut frontier: Vec<usize> = direct.get(u.id.as_str()).cloned().unwrap_or_default();
        frontier.retain(|&g| match stamp.get_mut(g) {
            Some(s) if *s != mark => {
                *s = mark;
                count += 1;
                true
            }
            _ => false,
        });
        while let Some(g) = frontier.pop() {
            for &p in parents.get(g).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(s) = stamp.get_mut(p)
                    && *s != mark
                {
                    *s = mark;
                    count += 1;
                    frontier.push(p);
                }
            }
        }
        if count > limits::GROUPS_PER_USER {
            c.d.warn(
                "tooManyGroups",
                &format!("directory.users[{}]", u.id),
                format!(
                    "user is in {count} groups; Entra may block users in more than {}",
                    limits::GROUPS_PER_USER
                ),
            );
        }
    }
}
