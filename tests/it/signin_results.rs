//! Sign-in scenarios for policy states and results (§3.1, §6 steps 5, 10, 11, 13): report-only,
//! disabled, soft-deleted and unknown states, `conditionalAccessStatus`, `appliedPoliciesOnly`,
//! and warnings travelling with the decision (§1.6).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::signin::*;
use serde_json::{Value, json};

const USER: u32 = 1;

fn bundle() -> Value {
    json!({ "directory": { "users": [{ "id": uid(USER), "userType": "Member" }] } })
}

fn user() -> Req {
    Req::user(&uid(USER))
}

fn excluding_user(p: Pol) -> Pol {
    p.users(json!({ "includeUsers": ["All"], "excludeUsers": [uid(USER)] }))
}

// ----- report-only --------------------------------------------------------------------------------

#[test]
fn report_only_never_changes_the_decision() {
    let t = tenant(
        &[
            Pol::new(1).report_only().block(),
            Pol::new(2).report_only().mfa(),
            Pol::new(3).report_only().grant("OR", &["compliantDevice"]),
            excluding_user(Pol::new(4).report_only().block()),
            Pol::new(5)
                .report_only()
                .session(json!({ "persistentBrowser": { "isEnabled": true, "mode": "never" } })),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &user()
            .password_only()
            .cond("deviceInfo", json!({ "isCompliant": true })),
        &allow("notApplied").policies(vec![
            ro_failure(1),
            ro_interrupted(2),
            ro_success(3),
            ro_not_applied(4, "users"),
            ro_success(5),
        ]),
    );
    assert_eq!(out.json["sessionControls"], json!({}), "{}", out.pretty());
}

#[test]
fn report_only_failure_beside_an_enforced_success() {
    let t = tenant(
        &[Pol::new(1).report_only().block(), Pol::new(2).mfa()],
        bundle(),
    );
    check(
        &t,
        &user().mfa_done(),
        &allow("success").policies(vec![ro_failure(1), success(2)]),
    );
}

// ----- disabled, soft-deleted, unknown state --------------------------------------------------------

#[test]
fn disabled_policy_is_not_enabled() {
    let t = tenant(
        &[
            Pol::new(1).disabled().block(),
            // Even a disabled policy that would not match reports only policyNotEnabled.
            excluding_user(Pol::new(2).disabled().block()),
        ],
        bundle(),
    );
    check(
        &t,
        &user().password_only(),
        &allow("notApplied").policies(vec![not_enabled(1), not_enabled(2)]),
    );
}

#[test]
fn soft_deleted_policy_is_not_enabled_and_warned() {
    let t = tenant(
        &[
            Pol::new(1)
                .block()
                .set("deletedDateTime", json!("2025-01-10T08:00:00Z")),
            Pol::new(2)
                .report_only()
                .mfa()
                .set("deletedDateTime", json!("2025-01-10T08:00:00Z")),
            // A null deletedDateTime is not a deletion.
            Pol::new(3).mfa().set("deletedDateTime", Value::Null),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &user().password_only(),
        &stepup().req(clause(vec![mfa()], &[3])).policies(vec![
            not_enabled(1),
            not_enabled(2),
            step_up(3),
        ]),
    );
    assert!(
        warned_about(&t, &out, "deletedDateTime"),
        "a warning about the soft-deleted policies is expected\n{:#?}",
        tenant_warnings(&t)
    );
}

#[test]
fn tenant_warnings_are_reported_once_not_on_every_decision() {
    // §1.6 (amended): a tenant warning belongs to the tenant (validate, the CLI summary,
    // Snapshot::warnings), not to each decision, where it would bury what concerns the request.
    let t = tenant(
        &[Pol::new(1)
            .block()
            .set("deletedDateTime", json!("2025-01-10T08:00:00Z"))],
        bundle(),
    );
    let out = check(
        &t,
        &user().password_only(),
        &allow("notApplied").policies(vec![not_enabled(1)]),
    );
    let deleted = |w: &jitgate::Diagnostic| w.path.contains("deletedDateTime");
    assert!(
        !out.decision.warnings.iter().any(deleted),
        "{}",
        out.pretty()
    );
    assert!(t.warnings.iter().any(deleted), "{:#?}", t.warnings);
    let snapshot = jitgate::Snapshot::compile(t.clone());
    assert!(snapshot.warnings().iter().any(deleted));
}

#[test]
fn under_explain_a_policys_own_tenant_warnings_sit_on_its_entry() {
    // §1.6: each tenant warning about a policy that applied is attached to that policy's
    // result, so the one warning that matters is next to what it changed.
    let t = tenant(
        &[
            Pol::new(1)
                .cond("times", json!({ "included": "weekdays" }))
                .mfa(),
            Pol::new(2)
                .cond("clientAppTypes", json!(["exchangeActiveSync"]))
                .cond("devicesOfTheFuture", json!({ "mode": "x" }))
                .block(),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &user()
            .cond("clientAppType", json!("browser"))
            .password_only(),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .policies(vec![step_up(1), not_applied(2, "clientApps")]),
    );
    let policies = out.json["policies"].as_array().unwrap();
    let codes = |i: usize| -> Vec<String> {
        policies[i]["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| w["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(codes(0), ["unsupportedCondition"]);
    assert_eq!(
        policies[0]["warnings"][0]["path"],
        "$.conditionalAccessPolicies[0].conditions.times"
    );
    // Policy 2 did not apply: its warning stays with the tenant.
    assert!(codes(1).is_empty());
    assert!(
        !out.warning_codes().contains(&"unsupportedCondition"),
        "{}",
        out.pretty()
    );
}

#[test]
fn unknown_state_is_enforced() {
    let t = tenant(&[Pol::new(1).state("enabledSometimes").block()], bundle());
    let out = check(
        &t,
        &user().password_only(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    assert!(
        warned_about(&t, &out, "enabledSometimes"),
        "a warning about the unknown state is expected\n{:#?}",
        tenant_warnings(&t)
    );
}

#[test]
fn states_are_matched_case_insensitively_and_written_canonically() {
    let t = tenant(
        &[
            Pol::new(1).state("Enabled").mfa(),
            Pol::new(2)
                .state("ENABLEDFORREPORTINGBUTNOTENFORCED")
                .block(),
            Pol::new(3).state("Disabled").block(),
        ],
        bundle(),
    );
    check(
        &t,
        &user().password_only(),
        &stepup().req(clause(vec![mfa()], &[1])).policies(vec![
            with(step_up(1), "state", json!("enabled")),
            with(
                ro_failure(2),
                "state",
                json!("enabledForReportingButNotEnforced"),
            ),
            with(not_enabled(3), "state", json!("disabled")),
        ]),
    );
}

// ----- §6 step 13: conditionalAccessStatus ----------------------------------------------------------

#[test]
fn status_not_applied_when_no_enforced_policy_applies() {
    let t = tenant(
        &[
            excluding_user(Pol::new(1).mfa()),
            Pol::new(2).report_only().mfa(),
            Pol::new(3).disabled().mfa(),
        ],
        bundle(),
    );
    check(
        &t,
        &user().mfa_done(),
        &allow("notApplied").policies(vec![not_applied(1, "users"), ro_success(2), not_enabled(3)]),
    );
}

#[test]
fn status_success_when_every_applying_enforced_policy_is_satisfied() {
    let t = tenant(
        &[
            Pol::new(1).mfa(),
            Pol::new(2)
                .session(json!({ "persistentBrowser": { "isEnabled": true, "mode": "never" } })),
            excluding_user(Pol::new(3).block()),
        ],
        bundle(),
    );
    check(
        &t,
        &user().mfa_done(),
        &allow("success").policies(vec![success(1), success(2), not_applied(3, "users")]),
    );
}

#[test]
fn status_failure_for_step_up_and_for_deny() {
    let t = tenant(&[Pol::new(1).mfa(), Pol::new(2).mfa()], bundle());
    check(
        &t,
        &user().password_only(),
        &stepup()
            .req(clause(vec![mfa()], &[1, 2]))
            .policies(vec![step_up(1), step_up(2)]),
    );
    let t2 = tenant(&[Pol::new(1).mfa(), Pol::new(2).block()], bundle());
    check(
        &t2,
        &user().mfa_done(),
        &deny()
            .reason(blocked(2))
            .policies(vec![success(1), denied(2)]),
    );
}

// ----- §5.3 appliedPoliciesOnly ----------------------------------------------------------------------

#[test]
fn applied_policies_only_lists_only_applying_policies() {
    let t = tenant(
        &[
            excluding_user(Pol::new(1).block()),
            Pol::new(2).mfa(),
            Pol::new(3).disabled().block(),
            Pol::new(4).report_only().block(),
        ],
        bundle(),
    );
    let req = user()
        .password_only()
        .set_top("appliedPoliciesOnly", json!(true));
    let out = check(
        &t,
        &req,
        &stepup()
            .req(clause(vec![mfa()], &[2]))
            .policies(vec![step_up(2), ro_failure(4)]),
    );
    // The compiled engine's per-policy results from its policy sets list the same two.
    let explained: Vec<(String, jitgate::PolicyResultKind)> = out
        .decision
        .policies
        .iter()
        .flatten()
        .map(|p| (p.id.clone(), p.result))
        .collect();
    assert_eq!(explained.len(), 2);
    let parsed = jitgate::SignInRequest::from_json(&req.0.to_string()).unwrap();
    let snapshot = jitgate::Snapshot::compile(t.clone());
    let from_sets: Vec<(String, jitgate::PolicyResultKind)> = snapshot
        .evaluate_borrowed(&parsed)
        .policy_results()
        .map(|(id, r)| (id.to_owned(), r))
        .collect();
    assert_eq!(from_sets, explained);
}

trait SetTop {
    fn set_top(self, key: &str, value: Value) -> Self;
}

impl SetTop for Req {
    fn set_top(mut self, key: &str, value: Value) -> Self {
        self.0[key] = value;
        self
    }
}
