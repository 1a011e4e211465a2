//! Regressions found by the differential test (`tests/differential.rs`): each is a small tenant
//! and sign-in on which the compiled engine and the reference evaluator once disagreed.
//!
//! Every test checks the outcome docs/SEMANTICS.md prescribes (decision, requirements, per-policy
//! results) and that both evaluators render byte-identical decisions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::signin::*;
use serde_json::json;

use jitgate::Explain;
use jitgate::{Snapshot, Tenant};

/// Evaluates `req` with both evaluators, asserts they agree (JSON with explain, and
/// `Snapshot::decide`), then checks `expect` (written from docs/SEMANTICS.md).
fn check_both(tenant: &Tenant, req: &Req, expect: &Expect) -> Out {
    let out = eval(tenant, req);
    let parsed = jitgate::SignInRequest::from_json(&req.0.to_string()).unwrap();
    let snapshot = Snapshot::compile(tenant.clone());
    for explain in [Explain::Policies, Explain::None] {
        let reference = jitgate::ReferenceEvaluator::new(tenant).evaluate(&parsed, explain);
        let compiled = snapshot.evaluate(&parsed, explain);
        assert_eq!(
            serde_json::to_string(&reference).unwrap(),
            serde_json::to_string(&compiled).unwrap(),
            "the evaluators disagree (explain {explain:?})\n{}",
            out.pretty()
        );
    }
    let mut borrowed = Vec::new();
    snapshot
        .evaluate_borrowed(&parsed)
        .write_json(&mut borrowed);
    assert_eq!(
        String::from_utf8(borrowed).unwrap(),
        serde_json::to_string(
            &jitgate::ReferenceEvaluator::new(tenant).evaluate(&parsed, Explain::None)
        )
        .unwrap(),
        "the borrowed decision disagrees\n{}",
        out.pretty()
    );
    let explained = jitgate::ReferenceEvaluator::new(tenant).evaluate(&parsed, Explain::Policies);
    let explained: Vec<(String, jitgate::PolicyResultKind)> = explained
        .policies
        .iter()
        .flatten()
        .map(|p| (p.id.clone(), p.result))
        .collect();
    let from_sets: Vec<(String, jitgate::PolicyResultKind)> = snapshot
        .evaluate_borrowed(&parsed)
        .policy_results()
        .map(|(id, r)| (id.to_owned(), r))
        .collect();
    assert_eq!(from_sets, explained, "per-policy results\n{}", out.pretty());
    assert_eq!(
        snapshot
            .compiled()
            .decide(&snapshot.compiled().prepare(&parsed)),
        out.decision.decision,
        "decide() disagrees\n{}",
        out.pretty()
    );
    expect.check(&out);
    out
}

/// §3.4 rule 9 (amended): a user id that is not in `directory.users` is still that user: listing
/// the id in `includeUsers` includes it and in `excludeUsers` excludes it (real exports target
/// users by id whose objects are not exported). Both engines used to ignore the listed id.
#[test]
fn a_user_outside_the_directory_is_matched_by_its_listed_id() {
    let t = tenant(
        &[
            Pol::new(1)
                .users(json!({ "includeUsers": [uid(9)] }))
                .block(),
            Pol::new(2)
                .users(json!({ "includeUsers": ["All"], "excludeUsers": [uid(9)] }))
                .mfa(),
        ],
        json!({ "directory": { "users": [{ "id": uid(1) }] } }),
    );
    let out = check_both(
        &t,
        &Req::user(&uid(9)).password_only(),
        &deny()
            .reason(blocked(1))
            .policies(vec![denied(1), not_applied(2, "users")]),
    );
    assert!(out.warning_codes().contains(&"unknownUser"));
}

/// §3.4.8: a ladder of groups, each pair a member of both groups above it, doubles the compiled
/// engine's bound on a member's group count at every level (70 levels: past 2^64). The bound
/// saturates and the user's exact count (140 groups) is taken: no warning. The sum of two
/// saturated bounds used to overflow (a panic with overflow checks on, a wrong count without).
#[test]
fn a_ladder_of_groups_whose_bound_overflows_is_counted_exactly() {
    let levels = 70;
    let groups: Vec<serde_json::Value> = (0..2 * levels)
        .map(|n| {
            let level = n / 2;
            // Both groups of the level below are members of both groups of this level.
            let members: Vec<String> = if level == 0 {
                vec![uid(1)]
            } else {
                vec![gid(2 * (level - 1)), gid(2 * (level - 1) + 1)]
            };
            json!({ "id": gid(n), "members": members })
        })
        .collect();
    let top = gid(2 * levels - 1);
    let t = tenant(
        &[Pol::new(1).users(json!({ "includeGroups": [top] })).mfa()],
        json!({ "directory": { "users": [{ "id": uid(1) }], "groups": groups } }),
    );
    let out = check_both(
        &t,
        &Req::user(&uid(1)).mfa_done(),
        &allow("success").policies(vec![success(1)]),
    );
    assert!(!out.warning_codes().contains(&"tooManyGroups"));
}

/// §3.4.8, §11: a user in more than 2048 groups gets the evaluation warning `tooManyGroups`, and
/// the decision is unchanged. The compiled engine used to omit the warning.
#[test]
fn user_in_more_than_2048_groups_is_warned_about() {
    let groups: Vec<serde_json::Value> = (0..2049)
        .map(|n| json!({ "id": gid(n), "members": [uid(1)] }))
        .collect();
    let t = tenant(
        &[Pol::new(1).mfa()],
        json!({ "directory": { "users": [{ "id": uid(1) }, { "id": uid(2) }], "groups": groups } }),
    );
    let out = check_both(
        &t,
        &Req::user(&uid(1)).mfa_done(),
        &allow("success").policies(vec![success(1)]),
    );
    assert_eq!(
        out.warning_codes()
            .iter()
            .filter(|c| **c == "tooManyGroups")
            .count(),
        1
    );
    // A user in fewer groups is not warned about.
    let out = check_both(
        &t,
        &Req::user(&uid(2)).mfa_done(),
        &allow("success").policies(vec![success(1)]),
    );
    assert!(!out.warning_codes().contains(&"tooManyGroups"));
}
