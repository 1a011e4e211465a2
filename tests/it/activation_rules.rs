#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! PIM activation rules (docs/SEMANTICS.md §8–§10), one test per rule and per combination of rules
//! Graph reports together. Every expectation is derived from docs/SEMANTICS.md, not from the engine.
//! Every decision is made by both `activate_reference` and `activate_compiled`, and their JSON
//! must be identical (`activation_common::decide`).
//!
//! Unless a test says otherwise: t = 2026-03-02T09:00:00Z; Alice is directly eligible for
//! Security Administrator at `/` and for `member` of a PIM for Groups group (2026-01-01 →
//! 2026-12-31); both policies require an end, allow PT8H and require a justification; the
//! request starts now (no `startDateTime`) and lasts PT2H; the session has password +
//! Authenticator push.

use crate::activation_common::*;
use serde_json::{Value, json};

fn std_tenant() -> jitgate::Tenant {
    Bundle::standard(&Rules::default(), &Rules::default()).load()
}

fn with_role_rules(rules: &Rules) -> jitgate::Tenant {
    Bundle::standard(rules, &Rules::default()).load()
}

fn with_group_rules(rules: &Rules) -> jitgate::Tenant {
    Bundle::standard(&Rules::default(), rules).load()
}

fn alice() -> Req {
    Req::role(ALICE, ROLE)
}

fn alice_group() -> Req {
    Req::group(ALICE, PIM_GROUP, "member")
}

/// The default request window, 09:00–11:00.
fn two_hours(e: Expect) -> Expect {
    e.window("09:00", "11:00", json!("PT2H"))
}

const ELIG: &str = "e1000000-0000-4000-8000-000000000001";

// ---------------------------------------------------------------------------------------------
// Baseline
// ---------------------------------------------------------------------------------------------

#[test]
fn baseline_request_is_provisioned() {
    let out = run(&std_tenant(), &alice());
    two_hours(Expect::allow("Provisioned"))
        .eligibility(ELIG, "Direct")
        .field("policyAssignmentId", json!(role_policy_assignment_id(ROLE)))
        .field(
            "target",
            json!({"kind": "directoryRole", "roleDefinitionId": ROLE, "directoryScopeId": "/"}),
        )
        .field("evaluatedAt", json!(T))
        .field("isValidationOnly", json!(false))
        .field("warnings", json!([]))
        .check(&out);
}

#[test]
fn baseline_group_request_is_provisioned() {
    let out = run(&std_tenant(), &alice_group());
    two_hours(Expect::allow("Provisioned"))
        .eligibility("e2000000-0000-4000-8000-000000000001", "Direct")
        .field(
            "policyAssignmentId",
            json!(group_policy_assignment_id(PIM_GROUP, "member")),
        )
        .field(
            "target",
            json!({"kind": "group", "groupId": PIM_GROUP, "accessId": "member"}),
        )
        .field("warnings", json!([]))
        .check(&out);
}

// ---------------------------------------------------------------------------------------------
// §10.2 step 2: the action gate
// ---------------------------------------------------------------------------------------------

/// A deny from step 2 or 3. Step 1 (normalise: the window) comes before both, and §10.5 says
/// "`schedule` is present whenever the window could be computed", so these denies still carry
/// the request's window (09:00–11:00). This is the one place that encodes that reading.
fn early_deny(code: &'static str) -> Expect {
    two_hours(Expect::deny(code, &[]))
}

#[test]
fn action_admin_assign_is_not_supported() {
    let out = run(&std_tenant(), &alice().action("adminAssign"));
    early_deny("ActionNotSupported").check(&out);
}

#[test]
fn action_self_extend_is_not_supported() {
    let out = run(&std_tenant(), &alice().action("selfExtend"));
    early_deny("ActionNotSupported").check(&out);
}

#[test]
fn action_every_other_action_is_not_supported() {
    let tenant = std_tenant();
    let mut cases = Cases::new();
    for action in [
        "adminUpdate",
        "adminRemove",
        "adminExtend",
        "adminRenew",
        "selfRenew",
    ] {
        cases.case(
            action,
            &tenant,
            &alice().action(action),
            &early_deny("ActionNotSupported"),
        );
    }
    cases.finish();
}

#[test]
fn action_gate_comes_before_the_principal_check() {
    let out = run(
        &std_tenant(),
        &alice().action("adminAssign").principal(CAROL),
    );
    early_deny("ActionNotSupported").check(&out);
}

// ---------------------------------------------------------------------------------------------
// §10.2 step 3: the principal
// ---------------------------------------------------------------------------------------------

#[test]
fn principal_that_is_a_directory_group_is_not_allowed() {
    let tenant = Bundle::standard(&Rules::default(), &Rules::default())
        .group(ELIGIBLE_GROUP, &[ALICE], true)
        .load();
    let out = run(&tenant, &alice().principal(ELIGIBLE_GROUP));
    early_deny("GroupPrincipalNotAllowed").check(&out);
}

#[test]
fn principal_that_is_a_pim_for_groups_group_is_not_allowed() {
    // The group is known only from a PIM for Groups eligibility, not from directory.groups.
    let only_pim = "9e000000-0000-4000-8000-0000000000b9";
    let tenant = Bundle::standard(&Rules::default(), &Rules::default())
        .group_eligibility(
            "e2000000-0000-4000-8000-0000000000b9",
            BOB,
            only_pim,
            "member",
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .load();
    let out = run(&tenant, &alice().principal(only_pim));
    early_deny("GroupPrincipalNotAllowed").check(&out);
}

#[test]
fn principal_that_holds_a_group_type_role_eligibility_is_a_group() {
    // §10.2 step 4 reads a `Group` eligibility's principal as a group, so the bundle knows this
    // id as a group even though directory.groups does not list it ("known as a group anywhere
    // in the bundle").
    let hidden_group = "9e000000-0000-4000-8000-0000000000c1";
    let mut b = Bundle::standard(&Rules::default(), &Rules::default());
    b.role_eligibilities.push(json!({
        "id": "e1000000-0000-4000-8000-0000000000c1", "principalId": hidden_group,
        "roleDefinitionId": ROLE, "directoryScopeId": "/", "appScopeId": null,
        "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-12-31T00:00:00Z",
        "memberType": "Group", "roleEligibilityScheduleId": "e1000000-0000-4000-8000-0000000000c1"}));
    let out = run(&b.load(), &alice().principal(hidden_group));
    early_deny("GroupPrincipalNotAllowed").check(&out);
}

#[test]
fn principal_other_than_the_caller_is_a_mismatch() {
    let out = run(&std_tenant(), &alice().principal(BOB));
    early_deny("PrincipalMismatch").check(&out);
}

// ---------------------------------------------------------------------------------------------
// §10.2 step 4: EligibilityRule
// ---------------------------------------------------------------------------------------------

#[test]
fn eligibility_missing() {
    let out = run(&std_tenant(), &Req::role(CAROL, ROLE));
    two_hours(Expect::deny_rules(&["EligibilityRule"]))
        .field("eligibility", Value::Null)
        .check(&out);
}

#[test]
fn eligibility_not_yet_started() {
    let tenant = Bundle::new()
        .role_eligibility(
            ELIG,
            ALICE,
            ROLE,
            "/",
            "2026-04-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .role_policy(ROLE, &Rules::default())
        .load();
    let mut cases = Cases::new();
    cases.case(
        "starts now, eligibility starts 2026-04-01",
        &tenant,
        &alice(),
        &two_hours(Expect::deny_rules(&["EligibilityRule"])),
    );
    // The eligibility must be active at effectiveStart, so a request that starts once it is
    // active is fine (and Granted, as the start is in the future).
    cases.case(
        "starts 2026-04-01T10:00",
        &tenant,
        &alice().start("2026-04-01T10:00:00Z"),
        &Expect::allow("Granted")
            .window(
                "2026-04-01T10:00:00Z",
                "2026-04-01T12:00:00Z",
                json!("PT2H"),
            )
            .eligibility(ELIG, "Direct"),
    );
    cases.finish();
}

#[test]
fn eligibility_scope_must_match_exactly() {
    let au = "/administrativeUnits/x";
    let au_tenant = Bundle::new()
        .role_eligibility(
            ELIG,
            ALICE,
            ROLE,
            au,
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .role_policy(ROLE, &Rules::default())
        .load();
    let mut cases = Cases::new();
    cases.case(
        "AU eligibility, tenant-wide request",
        &au_tenant,
        &alice(),
        &two_hours(Expect::deny_rules(&["EligibilityRule"])),
    );
    // The role's single policy applies at an AU scope too (§9.1).
    cases.case(
        "AU eligibility, AU request",
        &au_tenant,
        &alice().scope(au),
        &two_hours(Expect::allow("Provisioned"))
            .eligibility(ELIG, "Direct")
            .field("policyAssignmentId", json!(role_policy_assignment_id(ROLE))),
    );
    // A narrower scope is not derived from a tenant-wide eligibility (§12 #23).
    cases.case(
        "tenant-wide eligibility, AU request",
        &std_tenant(),
        &alice().scope(au),
        &two_hours(Expect::deny_rules(&["EligibilityRule"])),
    );
    cases.finish();
}

#[test]
fn eligibility_through_a_group_the_user_is_a_direct_member_of() {
    let group_elig = "e1000000-0000-4000-8000-0000000000a2";
    let tenant = Bundle::new()
        .group(ELIGIBLE_GROUP, &[ALICE], true)
        .role_eligibility(
            group_elig,
            ELIGIBLE_GROUP,
            ROLE,
            "/",
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .role_policy(ROLE, &Rules::default())
        .load();
    let out = run(&tenant, &alice());
    two_hours(Expect::allow("Provisioned"))
        .eligibility(group_elig, "Group")
        .check(&out);
}

#[test]
fn eligibility_through_an_active_pim_group_membership() {
    // §2.1: active PIM for Groups `member` assignments are group membership, and that
    // membership is direct (§10.2 step 4 "direct active member").
    let group_elig = "e1000000-0000-4000-8000-0000000000a2";
    let tenant = Bundle::new()
        .group(ELIGIBLE_GROUP, &[], true)
        .group_assignment(
            "a2000000-0000-4000-8000-0000000000a2",
            ALICE,
            ELIGIBLE_GROUP,
            "member",
            "08:00",
            Some("12:00"),
            "activated",
        )
        .role_eligibility(
            group_elig,
            ELIGIBLE_GROUP,
            ROLE,
            "/",
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .role_policy(ROLE, &Rules::default())
        .load();
    let out = run(&tenant, &alice());
    two_hours(Expect::allow("Provisioned"))
        .eligibility(group_elig, "Group")
        .check(&out);
}

#[test]
fn eligibility_not_through_a_nested_group() {
    let outer = "9e000000-0000-4000-8000-0000000000d1";
    let inner = "9e000000-0000-4000-8000-0000000000d2";
    let tenant = Bundle::new()
        .group(inner, &[ALICE], false)
        .group(outer, &[inner], true)
        .role_eligibility(
            "e1000000-0000-4000-8000-0000000000d1",
            outer,
            ROLE,
            "/",
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .role_policy(ROLE, &Rules::default())
        .load();
    let out = run(&tenant, &alice());
    two_hours(Expect::deny_rules(&["EligibilityRule"])).check(&out);
}

#[test]
fn eligibility_and_expiration_fail_together() {
    let out = run(&std_tenant(), &Req::role(CAROL, ROLE).duration("PT9H"));
    Expect::deny_rules(&["EligibilityRule", "ExpirationRule"])
        .window("09:00", "18:00", json!("PT9H"))
        .check(&out);
}

// ---------------------------------------------------------------------------------------------
// §10.2 steps 4–5: ExpirationRule
// ---------------------------------------------------------------------------------------------

#[test]
fn expiration_longer_than_the_maximum() {
    let tenant = std_tenant();
    let mut cases = Cases::new();
    cases.case(
        "PT9H > PT8H",
        &tenant,
        &alice().duration("PT9H"),
        &Expect::deny_rules(&["ExpirationRule"]).window("09:00", "18:00", json!("PT9H")),
    );
    cases.case(
        "PT8H == PT8H",
        &tenant,
        &alice().duration("PT8H"),
        &Expect::allow("Provisioned").window("09:00", "17:00", json!("PT8H")),
    );
    cases.case(
        "afterDateTime 17:01",
        &tenant,
        &alice().until("17:01"),
        &Expect::deny_rules(&["ExpirationRule"]).window("09:00", "17:01", json!("PT8H1M")),
    );
    cases.finish();
}

#[test]
fn expiration_shorter_than_five_minutes() {
    let tenant = std_tenant();
    let mut cases = Cases::new();
    cases.case(
        "role PT4M",
        &tenant,
        &alice().duration("PT4M"),
        &Expect::deny_rules(&["ExpirationRule"]).window("09:00", "09:04", json!("PT4M")),
    );
    cases.case(
        "role PT5M",
        &tenant,
        &alice().duration("PT5M"),
        &Expect::allow("Provisioned").window("09:00", "09:05", json!("PT5M")),
    );
    // Groups report the role-named code (§10.2 step 8's project decision).
    cases.case(
        "group membership PT4M",
        &tenant,
        &alice_group().duration("PT4M"),
        &Expect::deny_rules(&["ExpirationRule"]).window("09:00", "09:04", json!("PT4M")),
    );
    cases.case(
        "group membership PT5M",
        &tenant,
        &alice_group().duration("PT5M"),
        &Expect::allow("Provisioned").window("09:00", "09:05", json!("PT5M")),
    );
    cases.finish();
}

#[test]
fn expiration_required_but_no_end() {
    // A permanent eligibility, so only the Expiration rule can fail.
    let tenant = Bundle::new()
        .role_eligibility(ELIG, ALICE, ROLE, "/", "2026-01-01T00:00:00Z", None)
        .role_policy(ROLE, &Rules::default())
        .load();
    let mut cases = Cases::new();
    cases.case(
        "noExpiration",
        &tenant,
        &alice().no_expiration(),
        &Expect::deny_rules(&["ExpirationRule"]).open_window("09:00"),
    );
    let mut not_specified = alice();
    not_specified.json["request"]["scheduleInfo"]["expiration"] = json!({"type": "notSpecified"});
    cases.case(
        "notSpecified",
        &tenant,
        &not_specified,
        &Expect::deny_rules(&["ExpirationRule"]).open_window("09:00"),
    );
    cases.case(
        "no scheduleInfo",
        &tenant,
        &alice().no_schedule(),
        &Expect::deny_rules(&["ExpirationRule"]).open_window("09:00"),
    );
    cases.finish();
}

#[test]
fn expiration_not_required_allows_an_open_window() {
    let tenant = Bundle::new()
        .role_eligibility(ELIG, ALICE, ROLE, "/", "2026-01-01T00:00:00Z", None)
        .role_policy(ROLE, &Rules::default().expiration_required(false))
        .load();
    let out = run(&tenant, &alice().no_expiration());
    Expect::allow("Provisioned")
        .open_window("09:00")
        .eligibility(ELIG, "Direct")
        .check(&out);
}

#[test]
fn expiration_activation_outlasting_the_eligibility() {
    let ends_at_ten = Bundle::new()
        .role_eligibility(
            ELIG,
            ALICE,
            ROLE,
            "/",
            "2026-01-01T00:00:00Z",
            Some("10:00"),
        )
        .role_policy(ROLE, &Rules::default().expiration_required(false))
        .load();
    let mut cases = Cases::new();
    cases.case(
        "ends 11:00, eligibility ends 10:00",
        &ends_at_ten,
        &alice(),
        &two_hours(Expect::deny_rules(&["ExpirationRule"])),
    );
    cases.case(
        "ends 10:00, with the eligibility",
        &ends_at_ten,
        &alice().duration("PT1H"),
        &Expect::allow("Provisioned")
            .window("09:00", "10:00", json!("PT1H"))
            .eligibility(ELIG, "Direct"),
    );
    cases.case(
        "open-ended (not required), eligibility ends",
        &ends_at_ten,
        &alice().no_expiration(),
        &Expect::deny_rules(&["ExpirationRule"]).open_window("09:00"),
    );
    cases.finish();
}

#[test]
fn expiration_maximum_above_24_hours_is_capped() {
    let tenant = with_role_rules(&Rules::default().max("PT30H"));
    let mut cases = Cases::new();
    cases.case(
        "PT25H",
        &tenant,
        &alice().duration("PT25H"),
        &Expect::deny_rules(&["ExpirationRule"]).window(
            "09:00",
            "2026-03-03T10:00:00Z",
            json!({"$anyOf": ["PT25H", "P1DT1H"]}),
        ),
    );
    cases.case(
        "PT24H",
        &tenant,
        &alice().duration("PT24H"),
        &Expect::allow("Provisioned").window(
            "09:00",
            "2026-03-03T09:00:00Z",
            json!({"$anyOf": ["PT24H", "P1D"]}),
        ),
    );
    cases.case(
        "PT23H",
        &tenant,
        &alice().duration("PT23H"),
        &Expect::allow("Provisioned").window("09:00", "2026-03-03T08:00:00Z", json!("PT23H")),
    );
    cases.finish();
    // §9.4: the cap "produces a limit warning".
    assert_warned(&tenant, &run(&tenant, &alice()), "maximumDuration PT30H");
}

// ---------------------------------------------------------------------------------------------
// §10.2 step 1: the window
// ---------------------------------------------------------------------------------------------

#[test]
fn future_start_is_granted() {
    let out = run(&std_tenant(), &alice().start("18:00"));
    Expect::allow("Granted")
        .window("18:00", "20:00", json!("PT2H"))
        .check(&out);
}

#[test]
fn past_start_does_not_lengthen_the_window() {
    let tenant = std_tenant();
    let mut cases = Cases::new();
    cases.case(
        "08:00 + PT2H",
        &tenant,
        &alice().start("08:00"),
        &Expect::allow("Provisioned").window("09:00", "10:00", json!("PT1H")),
    );
    cases.case(
        "08:00 until 10:00",
        &tenant,
        &alice().start("08:00").until("10:00"),
        &Expect::allow("Provisioned").window("09:00", "10:00", json!("PT1H")),
    );
    // The length is end − effectiveStart: 16:00 − 09:00 = PT7H ≤ PT8H.
    cases.case(
        "06:00 + PT10H",
        &tenant,
        &alice().start("06:00").duration("PT10H"),
        &Expect::allow("Provisioned").window("09:00", "16:00", json!("PT7H")),
    );
    // 09:03 − 09:00 = PT3M < PT5M.
    cases.case(
        "08:00 + PT1H3M",
        &tenant,
        &alice().start("08:00").duration("PT1H3M"),
        &Expect::deny_rules(&["ExpirationRule"]).window("09:00", "09:03", json!("PT3M")),
    );
    cases.finish();
}

// ---------------------------------------------------------------------------------------------
// §10.2 step 6: enablement
// ---------------------------------------------------------------------------------------------

#[test]
fn justification_empty_or_whitespace() {
    let tenant = std_tenant();
    let mut cases = Cases::new();
    for (label, j) in [
        ("empty", Some("")),
        ("whitespace", Some("  \t \n ")),
        ("absent", None),
    ] {
        cases.case(
            label,
            &tenant,
            &alice().justification(j),
            &two_hours(Expect::deny_rules(&["JustificationRule"])),
        );
    }
    cases.finish();
}

#[test]
fn justification_required_by_the_approval_setting() {
    let required = with_role_rules(&Rules::default().enabled(&[]).requestor_justification(true));
    let not_required =
        with_role_rules(&Rules::default().enabled(&[]).requestor_justification(false));
    let mut cases = Cases::new();
    cases.case(
        "isRequestorJustificationRequired, none given",
        &required,
        &alice().justification(None),
        &two_hours(Expect::deny_rules(&["JustificationRule"])),
    );
    cases.case(
        "isRequestorJustificationRequired, whitespace",
        &required,
        &alice().justification(Some("   ")),
        &two_hours(Expect::deny_rules(&["JustificationRule"])),
    );
    cases.case(
        "not required anywhere",
        &not_required,
        &alice().justification(None),
        &two_hours(Expect::allow("Provisioned")),
    );
    cases.finish();
}

#[test]
fn ticketing_needs_number_and_system() {
    let tenant = with_role_rules(&Rules::default().enabled(&["Justification", "Ticketing"]));
    let mut cases = Cases::new();
    cases.case(
        "number without system",
        &tenant,
        &alice().ticket(Some("CHG-1"), None),
        &two_hours(Expect::deny_rules(&["TicketingRule"])),
    );
    cases.case(
        "system without number",
        &tenant,
        &alice().ticket(None, Some("ServiceNow")),
        &two_hours(Expect::deny_rules(&["TicketingRule"])),
    );
    cases.case(
        "number with empty system",
        &tenant,
        &alice().ticket(Some("CHG-1"), Some("")),
        &two_hours(Expect::deny_rules(&["TicketingRule"])),
    );
    cases.case(
        "no ticketInfo",
        &tenant,
        &alice(),
        &two_hours(Expect::deny_rules(&["TicketingRule"])),
    );
    cases.case(
        "both",
        &tenant,
        &alice().ticket(Some("CHG-1"), Some("ServiceNow")),
        &two_hours(Expect::allow("Provisioned")),
    );
    cases.finish();
}

#[test]
fn justification_and_ticketing_fail_together() {
    let tenant = with_role_rules(&Rules::default().enabled(&["Justification", "Ticketing"]));
    let out = run(&tenant, &alice().justification(Some("   ")));
    two_hours(Expect::deny_rules(&["JustificationRule", "TicketingRule"])).check(&out);
}

fn mfa_rules() -> Rules {
    Rules::default().enabled(&["MultiFactorAuthentication", "Justification"])
}

#[test]
fn mfa_rule_alone_is_a_step_up() {
    let out = run(
        &with_role_rules(&mfa_rules()),
        &alice().methods(&["password"]),
    );
    two_hours(Expect::step_up(
        POLICY_FAILED,
        &["MfaRule"],
        vec![mfa_clause()],
    ))
    .approval_required(false)
    .eligibility(ELIG, "Direct")
    .check(&out);
}

#[test]
fn mfa_rule_met_by_any_mfa_combination_without_freshness() {
    let tenant = with_role_rules(&mfa_rules());
    let mut cases = Cases::new();
    cases.case(
        "fido2",
        &tenant,
        &alice().methods(&["fido2"]),
        &two_hours(Expect::allow("Provisioned")),
    );
    // PIM asks for MFA once per session: an MFA from yesterday still counts.
    cases.case(
        "password + push yesterday",
        &tenant,
        &alice().last_auth("2026-03-01T07:00:00Z"),
        &two_hours(Expect::allow("Provisioned")),
    );
    cases.finish();
}

#[test]
fn mfa_rule_with_expiration_rule_is_a_deny() {
    let out = run(
        &with_role_rules(&mfa_rules()),
        &alice().methods(&["password"]).duration("PT9H"),
    );
    Expect::deny_rules(&["ExpirationRule", "MfaRule"])
        .window("09:00", "18:00", json!("PT9H"))
        .check(&out);
}

#[test]
fn mfa_rule_with_justification_rule_is_a_deny() {
    let out = run(
        &with_role_rules(&mfa_rules()),
        &alice().methods(&["password"]).justification(None),
    );
    two_hours(Expect::deny_rules(&["JustificationRule", "MfaRule"])).check(&out);
}

#[test]
fn unsupported_policy_rule() {
    let tenant = with_role_rules(&Rules::default().enabled(&["Justification", "RequireFaceScan"]));
    let mut cases = Cases::new();
    cases.case(
        "alone",
        &tenant,
        &alice(),
        &two_hours(Expect::deny("UnsupportedPolicyRule", &[])),
    );
    // error.code is the first row of §10.4's table that applies: the policy-validation row.
    cases.case(
        "with JustificationRule",
        &tenant,
        &alice().justification(None),
        &two_hours(Expect::deny_rules(&["JustificationRule"]))
            .also_denied(&["UnsupportedPolicyRule"]),
    );
    cases.finish();
}

// ---------------------------------------------------------------------------------------------
// §10.2 step 8: duplicates
// ---------------------------------------------------------------------------------------------

const ACTIVE: &str = "a1000000-0000-4000-8000-000000000001";

#[test]
fn role_assignment_exists() {
    let activated = Bundle::standard(&Rules::default(), &Rules::default())
        .role_assignment(
            ACTIVE,
            ALICE,
            ROLE,
            "/",
            "08:00",
            Some("16:00"),
            "Activated",
        )
        .load();
    let assigned = Bundle::standard(&Rules::default(), &Rules::default())
        .role_assignment(
            ACTIVE,
            ALICE,
            ROLE,
            "/",
            "2025-01-01T00:00:00Z",
            None,
            "Assigned",
        )
        .load();
    let mut cases = Cases::new();
    cases.case(
        "activated 08:00–16:00",
        &activated,
        &alice(),
        &two_hours(Expect::deny("RoleAssignmentExists", &[])),
    );
    cases.case(
        "assigned permanently",
        &assigned,
        &alice(),
        &two_hours(Expect::deny("RoleAssignmentExists", &[])),
    );
    // Active at effectiveStart only: a window that starts after the activation ends is fine.
    cases.case(
        "starting 16:30, after the activation ended",
        &activated,
        &alice().start("16:30"),
        &Expect::allow("Granted").window("16:30", "18:30", json!("PT2H")),
    );
    cases.finish();
}

#[test]
fn role_assignment_exists_only_for_the_same_target_and_principal() {
    let tenant = Bundle::standard(&Rules::default(), &Rules::default())
        .group(ELIGIBLE_GROUP, &[ALICE], true)
        .role_assignment(
            ACTIVE,
            ALICE,
            ROLE,
            "/administrativeUnits/x",
            "08:00",
            Some("16:00"),
            "Activated",
        )
        .role_assignment(
            "a1000000-0000-4000-8000-000000000002",
            ELIGIBLE_GROUP,
            ROLE,
            "/",
            "08:00",
            Some("16:00"),
            "Assigned",
        )
        .load();
    // An AU-scoped activation is another target; a group's assignment is not the principal's
    // own (`Direct`) assignment.
    let out = run(&tenant, &alice());
    two_hours(Expect::allow("Provisioned")).check(&out);
}

#[test]
fn role_assignment_exists_with_expiration_rule() {
    let tenant = Bundle::standard(&Rules::default(), &Rules::default())
        .role_assignment(
            ACTIVE,
            ALICE,
            ROLE,
            "/",
            "08:00",
            Some("16:00"),
            "Activated",
        )
        .load();
    let out = run(&tenant, &alice().duration("PT9H"));
    Expect::deny_rules(&["ExpirationRule"])
        .also_denied(&["RoleAssignmentExists"])
        .window("09:00", "18:00", json!("PT9H"))
        .check(&out);
}

const EARLIER: &str = "4b000000-0000-4000-8000-000000000001";

fn with_request(status: &str, start: &str) -> jitgate::Tenant {
    Bundle::standard(&Rules::default(), &Rules::default())
        .role_request(EARLIER, ALICE, ROLE, status, start)
        .load()
}

#[test]
fn pending_request_pending_approval() {
    let out = run(&with_request("PendingApproval", "08:40"), &alice());
    two_hours(Expect::deny("PendingRoleAssignmentRequest", &[])).check(&out);
}

#[test]
fn pending_request_granted_with_a_future_start() {
    let out = run(&with_request("Granted", "12:00"), &alice());
    two_hours(Expect::deny("PendingRoleAssignmentRequest", &[])).check(&out);
}

#[test]
fn pending_request_other_open_and_closed_statuses() {
    let mut cases = Cases::new();
    for status in [
        "PendingAdminDecision",
        "PendingProvisioning",
        "PendingScheduleCreation",
    ] {
        cases.case(
            status,
            &with_request(status, "08:40"),
            &alice(),
            &two_hours(Expect::deny("PendingRoleAssignmentRequest", &[])),
        );
    }
    for (status, start) in [
        ("Granted", "08:00"),
        ("Provisioned", "08:00"),
        ("Denied", "08:40"),
        ("Canceled", "08:40"),
        ("Revoked", "08:00"),
    ] {
        cases.case(
            &format!("{status} (not open)"),
            &with_request(status, start),
            &alice(),
            &two_hours(Expect::allow("Provisioned")),
        );
    }
    cases.finish();
}

#[test]
fn assignment_exists_and_pending_request_together() {
    let tenant = Bundle::standard(&Rules::default(), &Rules::default())
        .role_assignment(
            ACTIVE,
            ALICE,
            ROLE,
            "/",
            "08:00",
            Some("16:00"),
            "Activated",
        )
        .role_request(EARLIER, ALICE, ROLE, "PendingApproval", "08:40")
        .load();
    let out = run(&tenant, &alice());
    two_hours(Expect::deny("RoleAssignmentExists", &[]))
        .also_denied(&["PendingRoleAssignmentRequest"])
        .check(&out);
}

// ---------------------------------------------------------------------------------------------
// §10.2 step 9 / §9.5: approval
// ---------------------------------------------------------------------------------------------

#[test]
fn approval_role_pending_with_requester_dropped() {
    let tenant =
        with_role_rules(&Rules::default().approval(vec![single_user(ALICE), single_user(BOB)]));
    let out = run(&tenant, &alice());
    two_hours(Expect::pending(
        json!([{"type": "user", "id": BOB}]),
        "2026-03-03T09:00:00Z",
    ))
    .eligibility(ELIG, "Direct")
    .check(&out);
}

#[test]
fn approval_role_group_approver() {
    let tenant = Bundle::standard(
        &Rules::default().approval(vec![group_members(APPROVER_GROUP)]),
        &Rules::default(),
    )
    .group(APPROVER_GROUP, &[BOB, CAROL], false)
    .load();
    let out = run(&tenant, &alice());
    two_hours(Expect::pending(
        json!([{"type": "group", "id": APPROVER_GROUP}]),
        "2026-03-03T09:00:00Z",
    ))
    .check(&out);
}

#[test]
fn approval_group_deadline_uses_the_stage_timeout() {
    let tenant = with_group_rules(
        &Rules::default()
            .approval(vec![single_user(BOB)])
            .timeout_days(3),
    );
    let out = run(&tenant, &alice_group());
    two_hours(Expect::pending(
        json!([{"type": "user", "id": BOB}]),
        "2026-03-05T09:00:00Z",
    ))
    .check(&out);
}

#[test]
fn approval_role_deadline_is_24_hours_whatever_the_timeout() {
    let tenant = with_role_rules(
        &Rules::default()
            .approval(vec![single_user(BOB)])
            .timeout_days(3),
    );
    let out = run(&tenant, &alice());
    two_hours(Expect::pending(
        json!([{"type": "user", "id": BOB}]),
        "2026-03-03T09:00:00Z",
    ))
    .check(&out);
}

#[test]
fn approval_empty_list_role_uses_default_approvers() {
    let tenant = with_role_rules(&Rules::default().approval(vec![]));
    let out = run(&tenant, &alice());
    two_hours(Expect::pending(
        json!([{"type": "role", "id": GA}, {"type": "role", "id": PRA}]),
        "2026-03-03T09:00:00Z",
    ))
    .check(&out);
}

#[test]
fn approval_empty_list_group_has_no_approver() {
    let tenant = with_group_rules(&Rules::default().approval(vec![]));
    let out = run(&tenant, &alice_group());
    two_hours(Expect::deny("NoApproverAvailable", &[])).check(&out);
}

#[test]
fn approval_only_approver_is_the_requester() {
    let inner = "9e000000-0000-4000-8000-0000000000e2";
    let only_alice = Bundle::standard(
        &Rules::default().approval(vec![group_members(APPROVER_GROUP)]),
        &Rules::default().approval(vec![single_user(ALICE)]),
    )
    .group(inner, &[ALICE], false)
    .group(APPROVER_GROUP, &[inner], false)
    .load();
    let mut cases = Cases::new();
    cases.case(
        "group whose only transitive member is the requester",
        &only_alice,
        &alice(),
        &two_hours(Expect::deny("NoApproverAvailable", &[])),
    );
    cases.case(
        "singleUser requester (group membership)",
        &only_alice,
        &alice_group(),
        &two_hours(Expect::deny("NoApproverAvailable", &[])),
    );
    cases.case(
        "singleUser requester (role)",
        &with_role_rules(&Rules::default().approval(vec![single_user(ALICE)])),
        &alice(),
        &two_hours(Expect::deny("NoApproverAvailable", &[])),
    );
    cases.finish();
}

#[test]
fn approval_follows_an_mfa_step_up() {
    let tenant = with_role_rules(&mfa_rules().approval(vec![single_user(BOB)]));
    let out = run(&tenant, &alice().methods(&["password"]));
    two_hours(Expect::step_up(
        POLICY_FAILED,
        &["MfaRule"],
        vec![mfa_clause()],
    ))
    .approval_required(true)
    .check(&out);
}

#[test]
fn approval_is_not_reached_after_a_deny() {
    let tenant = with_role_rules(&Rules::default().approval(vec![single_user(BOB)]));
    let out = run(&tenant, &alice().duration("PT9H"));
    Expect::deny_rules(&["ExpirationRule"])
        .window("09:00", "18:00", json!("PT9H"))
        .check(&out);
}

// ---------------------------------------------------------------------------------------------
// §10.3: selfDeactivate
// ---------------------------------------------------------------------------------------------

// §10.3 defines no window for a deactivation, so `schedule` is not asserted here.

fn deactivation_tenant(start: &str, assignment_type: &str) -> jitgate::Tenant {
    // Strict rules that a deactivation must skip: MFA, auth context, approval.
    let strict = mfa_rules()
        .auth_context(json!("c1"))
        .approval(vec![single_user(BOB)]);
    Bundle::standard(&strict, &strict)
        .ca(ca_policy(
            "ca000000-0000-4000-8000-0000000000f1",
            "c1 block",
            "enabled",
            "c1",
            block(),
        ))
        .role_assignment(
            ACTIVE,
            ALICE,
            ROLE,
            "/",
            start,
            Some("16:00"),
            assignment_type,
        )
        .group_assignment(
            "a2000000-0000-4000-8000-000000000001",
            ALICE,
            PIM_GROUP,
            "member",
            start,
            Some("16:00"),
            &assignment_type.to_ascii_lowercase(),
        )
        .load()
}

fn deactivate() -> Req {
    alice()
        .action("selfDeactivate")
        .no_schedule()
        .justification(None)
        .methods(&["password"])
}

#[test]
fn deactivate_is_revoked() {
    let tenant = deactivation_tenant("08:00", "Activated");
    let mut cases = Cases::new();
    cases.case(
        "role, started 08:00",
        &tenant,
        &deactivate(),
        &Expect::allow("Revoked"),
    );
    let group = alice_group()
        .action("selfDeactivate")
        .no_schedule()
        .justification(None)
        .methods(&["password"]);
    cases.case(
        "group membership, started 08:00",
        &tenant,
        &group,
        &Expect::allow("Revoked"),
    );
    cases.case(
        "role, started exactly 5 minutes ago",
        &deactivation_tenant("08:55", "Activated"),
        &deactivate(),
        &Expect::allow("Revoked"),
    );
    cases.finish();
}

#[test]
fn deactivate_within_five_minutes_is_too_short() {
    let out = run(&deactivation_tenant("08:57", "Activated"), &deactivate());
    Expect::deny("ActiveDurationTooShort", &[]).check(&out);
}

#[test]
fn deactivate_without_an_active_activation() {
    let mut cases = Cases::new();
    cases.case(
        "nothing active",
        &with_role_rules(&mfa_rules()),
        &deactivate(),
        &Expect::deny("RoleAssignmentDoesNotExist", &[]),
    );
    cases.case(
        "only an Assigned (not Activated) instance",
        &deactivation_tenant("08:00", "Assigned"),
        &deactivate(),
        &Expect::deny("RoleAssignmentDoesNotExist", &[]),
    );
    cases.finish();
}

// ---------------------------------------------------------------------------------------------
// §9.1 / §9.4: no policy assignment
// ---------------------------------------------------------------------------------------------

#[test]
fn defaults_for_a_role_without_a_policy_assignment() {
    let tenant = Bundle::new()
        .role_eligibility(
            ELIG,
            ALICE,
            ROLE_NO_POLICY,
            "/",
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .load();
    let req = || Req::role(ALICE, ROLE_NO_POLICY);
    let mut cases = Cases::new();
    cases.case(
        "password only: MFA is a default rule",
        &tenant,
        &req().methods(&["password"]),
        &two_hours(Expect::step_up(
            POLICY_FAILED,
            &["MfaRule"],
            vec![mfa_clause()],
        ))
        .approval_required(false)
        .field("policyAssignmentId", Value::Null)
        .warning("defaultRoleSettings"),
    );
    cases.case(
        "MFA, PT8H",
        &tenant,
        &req().duration("PT8H"),
        &Expect::allow("Provisioned")
            .window("09:00", "17:00", json!("PT8H"))
            .field("policyAssignmentId", Value::Null)
            .warning("defaultRoleSettings"),
    );
    cases.case(
        "MFA, PT9H",
        &tenant,
        &req().duration("PT9H"),
        &Expect::deny_rules(&["ExpirationRule"])
            .window("09:00", "18:00", json!("PT9H"))
            .warning("defaultRoleSettings"),
    );
    cases.case(
        "MFA, no justification",
        &tenant,
        &req().justification(None),
        &two_hours(Expect::deny_rules(&["JustificationRule"])).warning("defaultRoleSettings"),
    );
    cases.finish();
}

#[test]
fn defaults_for_a_group_without_a_policy_assignment() {
    let tenant = Bundle::new()
        .group(PIM_GROUP, &[], false)
        .group_eligibility(
            "e2000000-0000-4000-8000-000000000001",
            ALICE,
            PIM_GROUP,
            "member",
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .load();
    let mut cases = Cases::new();
    cases.case(
        "password only, PT8H: no MFA by default for groups",
        &tenant,
        &alice_group().methods(&["password"]).duration("PT8H"),
        &Expect::allow("Provisioned")
            .window("09:00", "17:00", json!("PT8H"))
            .field("policyAssignmentId", Value::Null)
            .warning("defaultRoleSettings"),
    );
    cases.case(
        "PT9H",
        &tenant,
        &alice_group().duration("PT9H"),
        &Expect::deny_rules(&["ExpirationRule"])
            .window("09:00", "18:00", json!("PT9H"))
            .warning("defaultRoleSettings"),
    );
    cases.case(
        "no justification",
        &tenant,
        &alice_group().justification(None),
        &two_hours(Expect::deny_rules(&["JustificationRule"])).warning("defaultRoleSettings"),
    );
    cases.finish();
}

// ---------------------------------------------------------------------------------------------
// §10.2 step 7: authentication context
// ---------------------------------------------------------------------------------------------

const CA1: &str = "ca000000-0000-4000-8000-000000000001";
const CA2: &str = "ca000000-0000-4000-8000-000000000002";
const CA3: &str = "ca000000-0000-4000-8000-000000000003";
const CA4: &str = "ca000000-0000-4000-8000-000000000004";

fn c1_rules() -> Rules {
    Rules::default().auth_context(json!("c1"))
}

#[test]
fn auth_context_already_in_the_token_is_met() {
    // The only c1 policy blocks: CA must not be re-evaluated when the token carries c1.
    let block_c1 = ca_policy(CA1, "c1 block", "enabled", "c1", block());
    let lower = Bundle::standard(&c1_rules(), &Rules::default())
        .ca(block_c1.clone())
        .load();
    let upper = Bundle::standard(
        &Rules::default().auth_context(json!("C1")),
        &Rules::default(),
    )
    .ca(block_c1)
    .load();
    let mut cases = Cases::new();
    let expect = two_hours(Expect::allow("Provisioned")).field("conditionalAccess", Value::Null);
    cases.case("claimValue c1", &lower, &alice().contexts(&["c1"]), &expect);
    cases.case(
        "claimValue C1 (lowercased)",
        &upper,
        &alice().contexts(&["c1"]),
        &expect,
    );
    cases.finish();
}

#[test]
fn auth_context_without_a_targeting_policy_falls_back_to_mfa() {
    // The rule asks for c3; the only CA policy targets c1.
    let tenant = Bundle::standard(
        &Rules::default().auth_context(json!("c3")),
        &Rules::default(),
    )
    .ca(ca_policy(CA1, "c1 block", "enabled", "c1", block()))
    .load();
    let mut cases = Cases::new();
    cases.case(
        "password only",
        &tenant,
        &alice().methods(&["password"]),
        &two_hours(Expect::step_up(
            POLICY_FAILED,
            &["MfaRule"],
            vec![mfa_clause()],
        ))
        .approval_required(false),
    );
    cases.case(
        "password + push",
        &tenant,
        &alice(),
        &two_hours(Expect::allow("Provisioned")),
    );
    cases.finish();
}

#[test]
fn auth_context_empty_claim_value_falls_back_to_mfa() {
    let tenant = with_role_rules(&Rules::default().auth_context(Value::Null));
    let out = run(&tenant, &alice().methods(&["password"]));
    two_hours(Expect::step_up(
        POLICY_FAILED,
        &["MfaRule"],
        vec![mfa_clause()],
    ))
    .approval_required(false)
    .check(&out);
    // §10.2 step 7.6: an empty claimValue "produces a warning".
    assert_warned(&tenant, &out, "isEnabled with an empty claimValue");
}

#[test]
fn auth_context_targeting_policies_that_do_not_enforce_on_the_caller() {
    let mut excluding = ca_policy(CA3, "c2 block except Alice", "enabled", "c2", block());
    excluding["conditions"]["users"]["excludeUsers"] = json!([ALICE]);
    let mut bob_only = ca_policy(CA4, "c2 block Bob", "enabled", "c2", block());
    bob_only["conditions"]["users"]["includeUsers"] = json!([BOB]);
    let tenant = Bundle::standard(
        &Rules::default().auth_context(json!("c2")),
        &Rules::default(),
    )
    .ca(ca_policy(
        CA1,
        "c2 report-only block",
        "enabledForReportingButNotEnforced",
        "c2",
        block(),
    ))
    .ca(ca_policy(
        CA2,
        "c2 disabled block",
        "disabled",
        "c2",
        block(),
    ))
    .ca(excluding)
    .ca(bob_only)
    .load();
    let out = run(&tenant, &alice().methods(&["password"]));
    two_hours(Expect::allow("Provisioned")).check(&out);
}

#[test]
fn auth_context_ca_deny_is_an_acrs_deny() {
    let tenant = Bundle::standard(&c1_rules(), &Rules::default())
        .ca(ca_policy(CA1, "c1 block", "enabled", "c1", block()))
        .load();
    let out = run(&tenant, &alice());
    two_hours(Expect::deny(ACRS_FAILED, &[])).check(&out);
}

#[test]
fn auth_context_ca_deny_for_a_group_uses_the_group_code() {
    let tenant = Bundle::standard(&Rules::default(), &c1_rules())
        .ca(ca_policy(CA1, "c1 block", "enabled", "c1", block()))
        .load();
    let out = run(&tenant, &alice_group());
    two_hours(Expect::deny(GROUP_ACRS_FAILED, &[])).check(&out);
}

#[test]
fn auth_context_step_up_carries_the_claims_challenge() {
    let tenant = Bundle::standard(&c1_rules(), &c1_rules())
        .ca(ca_policy(CA1, "c1 mfa", "enabled", "c1", grant_mfa()))
        .load();
    let mut cases = Cases::new();
    let clauses = vec![
        acrs_clause("c1"),
        json!({"anyOf": [{"type": "mfa"}], "policyIds": [CA1]}),
    ];
    cases.case(
        "role",
        &tenant,
        &alice().methods(&["password"]),
        &two_hours(Expect::step_up(ACRS_FAILED, &[], clauses.clone()))
            .claims("c1")
            .approval_required(false),
    );
    cases.case(
        "group",
        &tenant,
        &alice_group().methods(&["password"]),
        &two_hours(Expect::step_up(GROUP_ACRS_FAILED, &[], clauses))
            .claims("c1")
            .approval_required(false),
    );
    cases.finish();
}

#[test]
fn auth_context_step_up_with_expiration_rule_is_a_deny() {
    let tenant = Bundle::standard(&c1_rules(), &Rules::default())
        .ca(ca_policy(CA1, "c1 mfa", "enabled", "c1", grant_mfa()))
        .load();
    let out = run(&tenant, &alice().methods(&["password"]).duration("PT9H"));
    // Step 9.1: deny, listing every recorded code (the step-up acrs code included).
    Expect::deny_rules(&["ExpirationRule"])
        .also_denied(&[ACRS_FAILED])
        .window("09:00", "18:00", json!("PT9H"))
        .check(&out);
}

#[test]
fn auth_context_deny_with_mfa_rule() {
    let tenant = Bundle::standard(&mfa_rules().auth_context(json!("c1")), &Rules::default())
        .ca(ca_policy(CA1, "c1 block", "enabled", "c1", block()))
        .load();
    let out = run(&tenant, &alice().methods(&["password"]));
    two_hours(Expect::deny_rules(&["MfaRule"]))
        .also_denied(&[ACRS_FAILED])
        .check(&out);
    // §10.2 step 7.6: both rules on is a load warning.
    assert_warned(&tenant, &out, "MFA and auth-context rules both on");
}

#[test]
fn auth_context_and_mfa_rule_merge_their_mfa_clauses() {
    let tenant = Bundle::standard(&mfa_rules().auth_context(json!("c1")), &Rules::default())
        .ca(ca_policy(CA1, "c1 mfa", "enabled", "c1", grant_mfa()))
        .load();
    let out = run(&tenant, &alice().methods(&["password"]));
    // failedRules = [MfaRule], so the first row of §10.4 (policy validation) is the code.
    two_hours(Expect::step_up(
        POLICY_FAILED,
        &["MfaRule"],
        vec![acrs_clause("c1"), mfa_clause()],
    ))
    .claims("c1")
    .approval_required(false)
    .check(&out);
    assert_warned(&tenant, &out, "MFA and auth-context rules both on");
}

// ---------------------------------------------------------------------------------------------
// Further rules: isValidationOnly, group duplicates, group-held group eligibility, approval
// modes and stages, effectiveRules, policy lookup, schedules, rule id case, time boundaries
// ---------------------------------------------------------------------------------------------

#[test]
fn validation_only_is_echoed() {
    let mut req = alice();
    req.json["request"]["isValidationOnly"] = json!(true);
    let out = run(&std_tenant(), &req);
    two_hours(Expect::allow("Provisioned"))
        .field("isValidationOnly", json!(true))
        .check(&out);
}

#[test]
fn group_duplicates_use_the_role_named_codes() {
    let active = Bundle::standard(&Rules::default(), &Rules::default())
        .group_assignment(
            "a2000000-0000-4000-8000-000000000001",
            ALICE,
            PIM_GROUP,
            "member",
            "08:00",
            Some("16:00"),
            "activated",
        )
        .load();
    let pending = Bundle::standard(&Rules::default(), &Rules::default())
        .group_request(EARLIER, ALICE, PIM_GROUP, "PendingApproval", "08:40")
        .load();
    let mut cases = Cases::new();
    cases.case(
        "active membership",
        &active,
        &alice_group(),
        &two_hours(Expect::deny("RoleAssignmentExists", &[])),
    );
    cases.case(
        "pending membership request",
        &pending,
        &alice_group(),
        &two_hours(Expect::deny("PendingRoleAssignmentRequest", &[])),
    );
    // An active `owner` assignment is another target than `member`.
    let owner = Bundle::standard(&Rules::default(), &Rules::default())
        .group_assignment(
            "a2000000-0000-4000-8000-000000000002",
            ALICE,
            PIM_GROUP,
            "owner",
            "08:00",
            Some("16:00"),
            "assigned",
        )
        .load();
    cases.case(
        "active ownership, member requested",
        &owner,
        &alice_group(),
        &two_hours(Expect::allow("Provisioned")),
    );
    cases.finish();
}

#[test]
fn group_membership_through_an_eligible_group() {
    // §9.6: a user who is an active member of group A, where A is an eligible member of B, may
    // activate their own membership of B.
    let team_a = "9e000000-0000-4000-8000-0000000000aa";
    let elig = "e2000000-0000-4000-8000-0000000000aa";
    let tenant = Bundle::new()
        .group(team_a, &[ALICE], false)
        .group(PIM_GROUP, &[], false)
        .group_eligibility(
            elig,
            team_a,
            PIM_GROUP,
            "member",
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .group_policy(PIM_GROUP, "member", &Rules::default())
        .load();
    let mut cases = Cases::new();
    cases.case(
        "Alice, a direct member of A",
        &tenant,
        &alice_group(),
        &two_hours(Expect::allow("Provisioned")).field("eligibility", json!({"id": elig})),
    );
    cases.case(
        "Bob, not a member of A",
        &tenant,
        &Req::group(BOB, PIM_GROUP, "member"),
        &two_hours(Expect::deny_rules(&["EligibilityRule"])),
    );
    cases.finish();
}

#[test]
fn approval_required_with_no_approval_mode_still_requires_approval() {
    let mut b = Bundle::standard(
        &Rules::default().approval(vec![single_user(BOB)]),
        &Rules::default(),
    );
    b.rule_mut(0, "Approval_EndUser_Assignment")["setting"]["approvalMode"] = json!("NoApproval");
    let tenant = b.load();
    let out = run(&tenant, &alice());
    two_hours(Expect::pending(
        json!([{"type": "user", "id": BOB}]),
        "2026-03-03T09:00:00Z",
    ))
    .check(&out);
    assert_warned(
        &tenant,
        &out,
        "isApprovalRequired with approvalMode NoApproval",
    );
}

#[test]
fn approval_uses_only_the_first_stage() {
    let mut b = Bundle::standard(
        &Rules::default(),
        &Rules::default()
            .approval(vec![single_user(BOB)])
            .timeout_days(2),
    );
    let second = json!({"approvalStageTimeOutInDays": 5, "isApproverJustificationRequired": true,
        "escalationTimeInMinutes": 0, "isEscalationEnabled": false,
        "primaryApprovers": [single_user(CAROL)], "escalationApprovers": []});
    let setting = &mut b.rule_mut(1, "Approval_EndUser_Assignment")["setting"];
    setting["approvalMode"] = json!("Serial");
    setting["approvalStages"]
        .as_array_mut()
        .unwrap()
        .push(second);
    let tenant = b.load();
    let out = run(&tenant, &alice_group());
    two_hours(Expect::pending(
        json!([{"type": "user", "id": BOB}]),
        "2026-03-04T09:00:00Z",
    ))
    .check(&out);
    assert_warned(&tenant, &out, "a second approval stage");
}

#[test]
fn approval_group_approver_with_the_requester_and_others_is_kept() {
    let tenant = Bundle::standard(
        &Rules::default().approval(vec![group_members(APPROVER_GROUP)]),
        &Rules::default(),
    )
    .group(APPROVER_GROUP, &[ALICE, BOB], false)
    .load();
    let out = run(&tenant, &alice());
    two_hours(Expect::pending(
        json!([{"type": "group", "id": APPROVER_GROUP}]),
        "2026-03-03T09:00:00Z",
    ))
    .check(&out);
}

#[test]
fn effective_rules_win_over_rules() {
    // §9.1: evaluate effectiveRules when present, otherwise rules.
    let mut b = Bundle::standard(&Rules::default(), &Rules::default());
    b.policy_assignments[0]["policy"]["effectiveRules"] =
        json!(Rules::default().max("PT1H").json());
    let tenant = b.load();
    let out = run(&tenant, &alice());
    two_hours(Expect::deny_rules(&["ExpirationRule"])).check(&out);
}

#[test]
fn policy_from_role_management_policies_when_not_embedded() {
    // §8.6: roleManagementPolicies is used when an assignment does not embed its policy.
    let mut b = Bundle::standard(&Rules::default(), &Rules::default());
    let policy = b.policy_assignments[0]
        .as_object_mut()
        .unwrap()
        .remove("policy")
        .unwrap();
    let mut policy = policy;
    policy["rules"] = json!(Rules::default().max("PT1H").json());
    b.management_policies.push(policy);
    let tenant = b.load();
    let out = run(&tenant, &alice());
    two_hours(Expect::deny_rules(&["ExpirationRule"]))
        .field("policyAssignmentId", json!(role_policy_assignment_id(ROLE)))
        .check(&out);
}

#[test]
fn policy_assignment_with_scope_type_directory() {
    // §9.1: a role's policy is found with scopeType DirectoryRole or Directory.
    let mut b = Bundle::standard(&Rules::default().max("PT1H"), &Rules::default());
    b.policy_assignments[0]["scopeType"] = json!("Directory");
    let out = run(&b.load(), &alice());
    two_hours(Expect::deny_rules(&["ExpirationRule"]))
        .field("policyAssignmentId", json!(role_policy_assignment_id(ROLE)))
        .check(&out);
}

#[test]
fn rule_ids_match_case_insensitively() {
    let mut b = Bundle::standard(&Rules::default().max("PT1H"), &Rules::default());
    for rule in b.policy_assignments[0]["policy"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        let id = rule["id"].as_str().unwrap().to_ascii_lowercase();
        rule["id"] = json!(id);
    }
    let out = run(&b.load(), &alice());
    two_hours(Expect::deny_rules(&["ExpirationRule"])).check(&out);
}

#[test]
fn eligibility_schedules_when_instances_are_absent() {
    // §8.4: schedules count only when the family's instance collection is absent, and then
    // only with status Provisioned.
    let schedule = |status: &str| {
        json!({"id": ELIG, "principalId": ALICE, "roleDefinitionId": ROLE,
               "directoryScopeId": "/", "appScopeId": null, "memberType": "Direct",
               "status": status, "createdUsing": ELIG,
               "scheduleInfo": {"startDateTime": "2026-01-01T00:00:00Z",
                                "expiration": {"type": "afterDateTime",
                                               "endDateTime": "2026-12-31T00:00:00Z"}}})
    };
    let tenant_with = |status: &str, keep_instances: bool| {
        let mut bundle = Bundle::new().role_policy(ROLE, &Rules::default()).json();
        let pim = bundle["pim"].as_object_mut().unwrap();
        if keep_instances {
            // A non-empty instance collection (Bob, another role): §1.4 reads `[]` like an
            // absent key, so only a populated collection is unambiguously present.
            pim.insert(
                "roleEligibilityScheduleInstances".into(),
                json!([{"id": "e1000000-0000-4000-8000-0000000000bb", "principalId": BOB,
                        "roleDefinitionId": ROLE_NO_POLICY, "directoryScopeId": "/",
                        "startDateTime": "2026-01-01T00:00:00Z",
                        "endDateTime": "2026-12-31T00:00:00Z", "memberType": "Direct"}]),
            );
        } else {
            pim.remove("roleEligibilityScheduleInstances");
        }
        pim.insert("roleEligibilitySchedules".into(), json!([schedule(status)]));
        load_json(&bundle)
    };
    let mut cases = Cases::new();
    cases.case(
        "Provisioned schedule, no instances",
        &tenant_with("Provisioned", false),
        &alice(),
        &two_hours(Expect::allow("Provisioned")).field("eligibility", json!({"id": ELIG})),
    );
    cases.case(
        "Revoked schedule, no instances",
        &tenant_with("Revoked", false),
        &alice(),
        &two_hours(Expect::deny_rules(&["EligibilityRule"])),
    );
    cases.case(
        "Provisioned schedule, instance collection present",
        &tenant_with("Provisioned", true),
        &alice(),
        &two_hours(Expect::deny_rules(&["EligibilityRule"])),
    );
    cases.finish();
}

#[test]
fn eligibility_end_is_exclusive() {
    // "Active at t" means start ≤ t < end: an eligibility that ended at 09:00 is not active.
    let tenant = Bundle::new()
        .role_eligibility(
            ELIG,
            ALICE,
            ROLE,
            "/",
            "2026-01-01T00:00:00Z",
            Some("09:00"),
        )
        .role_policy(ROLE, &Rules::default())
        .load();
    let starts_now = Bundle::new()
        .role_eligibility(
            ELIG,
            ALICE,
            ROLE,
            "/",
            "09:00",
            Some("2026-12-31T00:00:00Z"),
        )
        .role_policy(ROLE, &Rules::default())
        .load();
    let mut cases = Cases::new();
    cases.case(
        "ended 09:00",
        &tenant,
        &alice(),
        &two_hours(Expect::deny_rules(&["EligibilityRule"])),
    );
    cases.case(
        "starts 09:00",
        &starts_now,
        &alice(),
        &two_hours(Expect::allow("Provisioned")),
    );
    cases.finish();
}

#[test]
fn auth_context_report_only_clauses_do_not_count() {
    // T = {enforced MFA (met by password + push), report-only phishing-resistant}: the
    // evaluation allows, so only the c1 token is required (§6 step 11, §10.2 step 7.5).
    let tenant = Bundle::standard(&c1_rules(), &Rules::default())
        .ca(ca_policy(CA1, "c1 mfa", "enabled", "c1", grant_mfa()))
        .ca(ca_policy(
            CA2,
            "c1 report-only phishing-resistant",
            "enabledForReportingButNotEnforced",
            "c1",
            grant_strength(PHISHING_RESISTANT),
        ))
        .load();
    let out = run(&tenant, &alice());
    two_hours(Expect::step_up(ACRS_FAILED, &[], vec![acrs_clause("c1")]))
        .claims("c1")
        .approval_required(false)
        .check(&out);
}
