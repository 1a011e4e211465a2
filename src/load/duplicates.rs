//! Duplicate objects across files: identical copies warn, conflicting ones are errors.

use super::*;
use crate::hashing::{Map, Set, map_with_capacity, set_with_capacity};

/// Duplicate ids: policies are always an error (§1.4). Other objects that repeat with the same
/// evaluated content (an export that wrote one group under two file names) keep the first copy
/// with a warning; copies that disagree are an error, since either reading could be wrong.
pub(super) fn check_duplicates(d: &mut Diagnostics, t: &mut Tenant) {
    // Two role management policy assignments for one role (or group and access) make the role
    // settings ambiguous (§9.1, §11).
    let mut targets: Set<(String, String, String)> = Set::default();
    for a in &t.pim.policy_assignments {
        let kind = if a.scope_type.eq_ignore_ascii_case("Group") {
            "group"
        } else {
            "directory"
        };
        let key = (
            kind.to_owned(),
            a.scope_id.clone(),
            a.role_definition_id.clone(),
        );
        if !targets.insert(key) {
            at_source(d, &a.source).error(
                "ambiguousPolicyAssignment",
                split_source(&a.source).1,
                format!(
                    "a second role management policy assignment for {} at scope {}; the role settings are ambiguous",
                    a.role_definition_id, a.scope_id
                ),
            );
        }
    }
    let mut seen: Set<&str> = Set::default();
    for p in &t.policies {
        if !seen.insert(p.id.as_str()) {
            at_source(d, &p.source).error(
                "duplicateId",
                split_source(&p.source).1,
                format!("policy id \"{}\" appears more than once", p.id),
            );
        }
    }
    dedupe(
        d,
        "group",
        &mut t.groups,
        |g| &g.id,
        |g| g.source.clone(),
        |a, b| {
            a.members == b.members
                && a.is_assignable_to_role == b.is_assignable_to_role
                && a.membership_rule == b.membership_rule
                && a.on_premises_sync_enabled == b.on_premises_sync_enabled
        },
    );
    dedupe(
        d,
        "named location",
        &mut t.named_locations,
        |l| &l.id,
        |l| format!("namedLocations[{}]", l.id),
        |a, b| a.kind == b.kind,
    );
    dedupe(
        d,
        "user",
        &mut t.users,
        |u| &u.id,
        |u| format!("directory.users[{}]", u.id),
        |a, b| a == b,
    );
    dedupe(
        d,
        "authentication strength",
        &mut t.strengths,
        |s| &s.id,
        |s| format!("authenticationStrengthPolicies[{}]", s.id),
        |a, b| a == b,
    );
    dedupe(
        d,
        "authentication context",
        &mut t.auth_contexts,
        |s| &s.id,
        |s| format!("authenticationContextClassReferences[{}]", s.id),
        |a, b| a == b,
    );
}

pub(super) fn dedupe<T>(
    d: &mut Diagnostics,
    what: &str,
    items: &mut Vec<T>,
    id: impl Fn(&T) -> &String,
    at: impl Fn(&T) -> String,
    same: impl Fn(&T, &T) -> bool,
) {
    // Nearly every export repeats nothing: say so with one borrowed hash per id, and only
    // otherwise build each item's source and sort the copies out below.
    let mut ids: Set<&str> = set_with_capacity(items.len());
    if items.iter().all(|item| ids.insert(id(item).as_str())) {
        return;
    }
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    let mut first: Map<String, usize> = map_with_capacity(items.len());
    for item in items.drain(..) {
        let source = at(&item);
        let path = split_source(&source).1;
        match first.get(id(&item)).and_then(|&i| kept.get(i)) {
            Some(original) if same(original, &item) => at_source(d, &source).warn(
                "duplicateObject",
                path,
                format!("{what} {} appears more than once with the same content; the first copy is used", id(&item)),
            ),
            Some(_) => at_source(d, &source).error(
                "duplicateId",
                path,
                format!("{what} id \"{}\" appears more than once with different content", id(&item)),
            ),
            None => {
                first.insert(id(&item).clone(), kept.len());
                kept.push(item);
            }
        }
    }
    *items = kept;
}

/// The collector to report a duplicate in: `d`, attributed to the file the duplicate was read from.
pub(super) fn at_source<'d>(d: &'d mut Diagnostics, source: &str) -> &'d mut Diagnostics {
    d.file = split_source(source).0.to_owned();
    d
}
