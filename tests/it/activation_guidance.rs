#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Entra's own guidance for protecting PIM activation with an authentication context, as one
//! scenario, plus the §10.5 example of docs/SEMANTICS.md. Expectations come from docs/SEMANTICS.md §6 and
//! §10; both engines decide every request and must agree (`activation_common::decide`).
//!
//! The scenario: an admin is eligible for a role whose activation lasts up to 8 hours and
//! requires authentication context `c1`. The CA policy for `c1` demands phishing-resistant MFA
//! (strength …0004) from a privileged access workstation (device filter include
//! `device.extensionAttribute1 -eq "PAW"`) and re-authentication every hour. As Entra's
//! "filter for devices" guidance does for PAW-only access, a companion policy for `c1` blocks
//! every other device (device filter exclude PAW, block): an include-mode filter on a grant
//! policy only says where the policy applies, so on its own it lets other devices through
//! (see `scenario_c_include_filter_alone_does_not_gate_other_devices`).
//! A further all-apps MFA policy must not take part in the `authContext` evaluation (§3.6 rule
//! 3, §12 #18). The admin can also activate membership of a PIM for Groups group.

use crate::activation_common::*;
use serde_json::{Value, json};

const ADMIN: &str = ALICE;
const ELIG: &str = "e1000000-0000-4000-8000-0000000000f1";
const P_ALL_APPS_MFA: &str = "ca000000-0000-4000-8000-0000000000f0";
const P_C1_PAW: &str = "ca000000-0000-4000-8000-0000000000f1";
const P_C1_BLOCK_OTHERS: &str = "ca000000-0000-4000-8000-0000000000f2";

fn paw_filter(mode: &str) -> Value {
    json!({"deviceFilter": {"mode": mode, "rule": "device.extensionAttribute1 -eq \"PAW\""}})
}

/// "PIM c1: phishing-resistant MFA on a PAW, re-authenticate hourly".
fn c1_paw_policy() -> Value {
    let mut p = ca_policy(
        P_C1_PAW,
        "PIM c1: phishing-resistant MFA on a PAW, hourly",
        "enabled",
        "c1",
        grant_strength(PHISHING_RESISTANT),
    );
    p["conditions"]["devices"] = paw_filter("include");
    p["sessionControls"] = json!({"signInFrequency": {
        "isEnabled": true, "value": 1, "type": "hours",
        "authenticationType": "primaryAndSecondaryAuthentication",
        "frequencyInterval": "timeBased"}});
    p
}

/// "PIM c1: block every device but a PAW".
fn c1_block_others_policy() -> Value {
    let mut p = ca_policy(
        P_C1_BLOCK_OTHERS,
        "PIM c1: block non-PAW devices",
        "enabled",
        "c1",
        block(),
    );
    p["conditions"]["devices"] = paw_filter("exclude");
    p
}

/// All users, all apps, MFA: must not take part in the c1 evaluation.
fn all_apps_mfa_policy() -> Value {
    let mut p = ca_policy(P_ALL_APPS_MFA, "All apps MFA", "enabled", "c1", grant_mfa());
    p["conditions"]["applications"] = json!({"includeApplications": ["All"],
        "excludeApplications": [], "includeUserActions": [],
        "includeAuthenticationContextClassReferences": []});
    p
}

fn role_rules() -> Rules {
    Rules::default()
        .max("PT8H")
        .enabled(&["Justification"])
        .auth_context(json!("c1"))
}

fn scenario_bundle() -> Bundle {
    Bundle::new()
        .group(PIM_GROUP, &[], false)
        .role_eligibility(
            ELIG,
            ADMIN,
            ROLE,
            "/",
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .group_eligibility(
            "e2000000-0000-4000-8000-0000000000f1",
            ADMIN,
            PIM_GROUP,
            "member",
            "2026-01-01T00:00:00Z",
            Some("2026-12-31T00:00:00Z"),
        )
        .role_policy(ROLE, &role_rules())
        .group_policy(PIM_GROUP, "member", &Rules::default())
        .ca(all_apps_mfa_policy())
        .ca(c1_paw_policy())
}

fn scenario() -> jitgate::Tenant {
    scenario_bundle().ca(c1_block_others_policy()).load()
}

/// An 8-hour activation from the PAW, with a phishing-resistant sign-in a minute ago and a
/// token without c1.
fn from_paw() -> Req {
    Req::role(ADMIN, ROLE)
        .duration("PT8H")
        .methods(&["fido2"])
        .last_auth("08:59")
}

fn eight_hours(e: Expect) -> Expect {
    e.window("09:00", "17:00", json!("PT8H"))
}

#[test]
fn scenario_a_paw_fresh_phishing_resistant_sign_in_needs_only_the_c1_token() {
    let out = decide(&scenario(), &from_paw().json);
    // CA alone would allow (strength met, signed in 1 minute ago < 1 hour), but the token must
    // still carry c1 (§10.2 step 7.5, §12 #20): exactly one requirement.
    eight_hours(Expect::step_up(ACRS_FAILED, &[], vec![acrs_clause("c1")]))
        .claims("c1")
        .approval_required(false)
        .eligibility(ELIG, "Direct")
        .field(
            "requirements",
            json!([{"anyOf": [{"type": "authenticationContext", "value": "c1",
                               "claimsChallenge": challenge("c1")}],
                    "source": "AuthenticationContext_EndUser_Assignment"}]),
        )
        .field(
            "conditionalAccess",
            json!({"authenticationContext": "c1", "decision": "allow",
                   "conditionalAccessStatus": "success",
                   "policies": [
                       {"id": P_C1_PAW, "policyApplies": true, "analysisReasons": "notSet",
                        "result": "success", "outcome": "satisfied"},
                       {"id": P_C1_BLOCK_OTHERS, "policyApplies": false,
                        "result": "notApplied", "outcome": "notApplied"}]}),
        )
        .field("warnings", json!([]))
        .check(&out);
}

#[test]
fn scenario_b_token_with_c1_is_provisioned_for_eight_hours() {
    let out = decide(&scenario(), &from_paw().contexts(&["c1"]).json);
    eight_hours(Expect::allow("Provisioned"))
        .eligibility(ELIG, "Direct")
        .field("conditionalAccess", Value::Null)
        .field("warnings", json!([]))
        .check(&out);
}

#[test]
fn scenario_c_unmarked_device_is_denied() {
    let mut cases = Cases::new();
    let tenant = scenario();
    cases.case(
        "extensionAttribute1 = Workstation",
        &tenant,
        &from_paw().device(json!({"deviceId": "d0000000-0000-4000-8000-000000000002",
            "operatingSystem": "Windows", "extensionAttribute1": "Workstation",
            "isCompliant": true, "trustType": "AzureAD"})),
        &eight_hours(Expect::deny(ACRS_FAILED, &[])),
    );
    // Null rule (§3.11): an unregistered device has no extensionAttribute1, so the exclude
    // filter is false and the block applies.
    let mut no_device = from_paw();
    no_device.json["signInConditions"]
        .as_object_mut()
        .unwrap()
        .remove("deviceInfo");
    cases.case(
        "no deviceInfo",
        &tenant,
        &no_device,
        &eight_hours(Expect::deny(ACRS_FAILED, &[])),
    );
    cases.finish();
}

#[test]
fn scenario_c_include_filter_alone_does_not_gate_other_devices() {
    // Without the companion block policy, the only c1 policy does not apply to an unmarked
    // device (§3.11 include mode), so no policy in T is enabled and applies: "there is no
    // requirement" (§10.2 step 7.3), and nothing else is asked for.
    let tenant = scenario_bundle().load();
    let out = run(
        &tenant,
        &from_paw().device(json!({"deviceId": "d0000000-0000-4000-8000-000000000002",
            "operatingSystem": "Windows", "extensionAttribute1": "Workstation",
            "isCompliant": true, "trustType": "AzureAD"})),
    );
    eight_hours(Expect::allow("Provisioned")).check(&out);
}

#[test]
fn scenario_d_password_only_needs_c1_and_phishing_resistant_mfa() {
    let out = decide(&scenario(), &from_paw().methods(&["password"]).json);
    eight_hours(Expect::step_up(
        ACRS_FAILED,
        &[],
        vec![
            acrs_clause("c1"),
            json!({"anyOf": [phishing_resistant_item()], "policyIds": [P_C1_PAW]}),
        ],
    ))
    .claims("c1")
    .approval_required(false)
    .field(
        "conditionalAccess",
        json!({"authenticationContext": "c1", "decision": "stepUp",
               "conditionalAccessStatus": "failure",
               "policies": [
                   {"id": P_C1_PAW, "policyApplies": true, "result": "failure",
                    "outcome": "stepUp", "unsatisfiedControls": ["authenticationStrength"]},
                   {"id": P_C1_BLOCK_OTHERS, "policyApplies": false,
                    "result": "notApplied", "outcome": "notApplied"}]}),
    )
    .check(&out);
}

#[test]
fn scenario_d2_sign_in_older_than_an_hour_must_reauthenticate() {
    // 07:30 is 90 minutes ago: the hourly sign-in frequency makes the session stale, so the
    // fido2 proof no longer counts (§3.14 rules 2 and 6).
    let out = decide(&scenario(), &from_paw().last_auth("07:30").json);
    eight_hours(Expect::step_up(
        ACRS_FAILED,
        &[],
        vec![
            acrs_clause("c1"),
            json!({"anyOf": [{"type": "reauthentication",
                              "authenticationType": "primaryAndSecondaryAuthentication",
                              "frequencyInterval": "timeBased", "value": 1,
                              "reason": "signInFrequency"}],
                   "policyIds": [P_C1_PAW]}),
            json!({"anyOf": [phishing_resistant_item()], "policyIds": [P_C1_PAW]}),
        ],
    ))
    .claims("c1")
    .approval_required(false)
    .check(&out);
}

#[test]
fn scenario_e_nine_hours_fails_expiration() {
    let out = decide(
        &scenario(),
        &from_paw().contexts(&["c1"]).duration("PT9H").json,
    );
    Expect::deny_rules(&["ExpirationRule"])
        .window("09:00", "18:00", json!("PT9H"))
        .check(&out);
}

#[test]
fn scenario_f_four_minute_group_membership_fails_expiration() {
    let out = decide(
        &scenario(),
        &Req::group(ADMIN, PIM_GROUP, "member")
            .duration("PT4M")
            .methods(&["fido2"])
            .json,
    );
    Expect::deny_rules(&["ExpirationRule"])
        .window("09:00", "09:04", json!("PT4M"))
        .check(&out);
}

// ---------------------------------------------------------------------------------------------
// docs/SEMANTICS.md §10.5
// ---------------------------------------------------------------------------------------------

const EX_USER: &str = "4f0d2a57-8c1e-4b6a-9d3e-7a2b1c5e9f10";
const EX_APPROVER: &str = "5a1e3b68-9d2f-4c7b-8e4f-8b3c2d6f0a21";
const EX_POLICY: &str = "0a4f6c2e-9d1b-4e7a-b3c5-d8e9f0a1b2c3";
const EX_ASSIGNMENT: &str = "DirectoryRole_3c9e2b71-0f4a-4d8e-a6b5-7e1d2c3f4a5b_6f1e2d3c-4b5a-4697-8e8f-9a0b1c2d3e4f_62e90394-69f5-4237-9190-012177145e10";

/// The tenant §10.5 implies: the user is directly eligible for Global Administrator until
/// 2025-12-31; the role requires Justification, Ticketing, auth context c1 and approval; CA
/// policy "PIM c1" (enabled, all users) requires strength …0004 with an everyTime sign-in
/// frequency.
fn example_tenant() -> jitgate::Tenant {
    let mut pim_c1 = ca_policy(
        EX_POLICY,
        "PIM c1",
        "enabled",
        "c1",
        grant_strength(PHISHING_RESISTANT),
    );
    pim_c1["sessionControls"] = json!({"signInFrequency": {
        "isEnabled": true, "value": null, "type": null,
        "authenticationType": "primaryAndSecondaryAuthentication",
        "frequencyInterval": "everyTime"}});
    let mut b = Bundle::default()
        .user(EX_USER)
        .user(EX_APPROVER)
        .role_eligibility(
            "b7c4e1f0-3a2d-4c5b-9e8f-1a0b2c3d4e5f",
            EX_USER,
            GA,
            "/",
            "2025-01-01T00:00:00Z",
            Some("2025-12-31T00:00:00Z"),
        )
        .role_policy_with_ids(
            EX_ASSIGNMENT,
            "DirectoryRole_3c9e2b71-0f4a-4d8e-a6b5-7e1d2c3f4a5b_6f1e2d3c-4b5a-4697-8e8f-9a0b1c2d3e4f",
            GA,
            &Rules::default()
                .max("PT8H")
                .enabled(&["Justification", "Ticketing"])
                .auth_context(json!("c1"))
                .approval(vec![single_user(EX_APPROVER)]),
        )
        .ca(pim_c1);
    b.auth_contexts
        .push(json!({"id": "c1", "displayName": "PIM activation",
        "isAvailable": true}));
    b.load()
}

const EX_REQUEST: &str = r##"{
  "request": {
    "@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleRequest",
    "action": "selfActivate",
    "principalId": "4f0d2a57-8c1e-4b6a-9d3e-7a2b1c5e9f10",
    "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
    "directoryScopeId": "/",
    "justification": "Rotate the federation signing certificate for change CHG-2291",
    "scheduleInfo": {
      "startDateTime": "2025-03-03T09:15:00Z",
      "expiration": { "type": "afterDuration", "duration": "PT4H" }
    },
    "ticketInfo": { "ticketNumber": "CHG-2291", "ticketSystem": "ServiceNow" }
  },
  "signInIdentity": { "@odata.type": "#microsoft.graph.userSignIn",
                      "userId": "4f0d2a57-8c1e-4b6a-9d3e-7a2b1c5e9f10" },
  "signInConditions": { "devicePlatform": "windows", "clientAppType": "browser",
                        "ipAddress": "203.0.113.24", "country": "NL",
                        "deviceInfo": { "deviceId": "a1d7c3e2-5b64-4f0e-8c2a-91e3d7b4f605",
                                        "isCompliant": true, "trustType": "AzureAD" } },
  "session": {
    "time": "2025-03-03T09:15:00Z",
    "authenticationMethods": ["password", "microsoftAuthenticatorPush"],
    "lastAuthenticatedDateTime": "2025-03-03T09:14:40Z",
    "lastMfaDateTime": "2025-03-03T09:14:40Z",
    "satisfiedAuthenticationContexts": []
  }
}"##;

const EX_RESPONSE: &str = r##"{
  "decision": "stepUp",
  "evaluatedAt": "2025-03-03T09:15:00Z",
  "target": { "kind": "directoryRole", "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
              "directoryScopeId": "/" },
  "schedule": { "startDateTime": "2025-03-03T09:15:00Z", "endDateTime": "2025-03-03T13:15:00Z",
                "duration": "PT4H" },
  "eligibility": { "id": "b7c4e1f0-3a2d-4c5b-9e8f-1a0b2c3d4e5f", "memberType": "Direct",
                   "endDateTime": "2025-12-31T00:00:00Z" },
  "policyAssignmentId": "DirectoryRole_3c9e2b71-0f4a-4d8e-a6b5-7e1d2c3f4a5b_6f1e2d3c-4b5a-4697-8e8f-9a0b1c2d3e4f_62e90394-69f5-4237-9190-012177145e10",
  "error": { "code": "RoleAssignmentRequestAcrsValidationFailed", "failedRules": [] },
  "claimsChallenge": "{\"access_token\":{\"acrs\":{\"essential\":true,\"value\":\"c1\"}}}",
  "requirements": [
    { "anyOf": [ { "type": "authenticationContext", "value": "c1",
                   "claimsChallenge": "{\"access_token\":{\"acrs\":{\"essential\":true,\"value\":\"c1\"}}}" } ],
      "source": "AuthenticationContext_EndUser_Assignment" },
    { "anyOf": [ { "type": "authenticationStrength", "id": "00000000-0000-0000-0000-000000000004",
                   "displayName": "Phishing-resistant MFA",
                   "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"] } ],
      "policyIds": ["0a4f6c2e-9d1b-4e7a-b3c5-d8e9f0a1b2c3"] }
  ],
  "approvalRequired": true,
  "denyReasons": [],
  "conditionalAccess": {
    "authenticationContext": "c1", "decision": "stepUp", "conditionalAccessStatus": "failure",
    "policies": [ { "id": "0a4f6c2e-9d1b-4e7a-b3c5-d8e9f0a1b2c3", "displayName": "PIM c1",
                    "state": "enabled", "policyApplies": true, "analysisReasons": "notSet",
                    "result": "failure", "outcome": "stepUp",
                    "unsatisfiedControls": ["authenticationStrength"] } ]
  },
  "isValidationOnly": false,
  "warnings": []
}"##;

#[test]
fn semantics_10_5_example() {
    let tenant = example_tenant();
    assert!(
        tenant.warnings.is_empty(),
        "the §10.5 tenant loads without warnings: {:?}",
        tenant
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    let request: Value = serde_json::from_str(EX_REQUEST).unwrap();
    let expected: Value = serde_json::from_str(EX_RESPONSE).unwrap();
    let out = decide(&tenant, &request);

    let mut problems = Vec::new();
    // The top-level members are exactly the example's (`revision` is an engine extension that
    // §10.5 does not show).
    let got: std::collections::BTreeSet<&String> = out
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.as_str() != "revision")
        .collect();
    let want: std::collections::BTreeSet<&String> = expected.as_object().unwrap().keys().collect();
    if got != want {
        problems.push(format!(
            "top-level members: got {got:?}, §10.5 shows {want:?}"
        ));
    }
    // Every member the example shows has the example's value (nested objects may carry more
    // members, e.g. per-policy enforcedGrantControls; arrays have the same length).
    matches("$", Some(&out), &expected, &mut problems);
    // Requirements exactly as shown (no extra members such as policyIds on the first clause).
    if out["requirements"] != expected["requirements"] {
        problems.push(format!(
            "requirements: got {}, §10.5 shows {}",
            out["requirements"], expected["requirements"]
        ));
    }
    assert!(
        problems.is_empty(),
        "§10.5 example mismatches:\n  - {}\noutput: {}",
        problems.join("\n  - "),
        serde_json::to_string_pretty(&out).unwrap()
    );

    // "Once the caller re-submits with satisfiedAuthenticationContexts: ["c1"], the decision
    // becomes pendingApproval, with status PendingApproval and a deadline of +24 h."
    let mut again = request.clone();
    again["session"]["satisfiedAuthenticationContexts"] = json!(["c1"]);
    let out = decide(&tenant, &again);
    Expect::pending(
        json!([{"type": "user", "id": EX_APPROVER}]),
        "2025-03-04T09:15:00Z",
    )
    .window(
        "2025-03-03T09:15:00Z",
        "2025-03-03T13:15:00Z",
        json!("PT4H"),
    )
    .field("conditionalAccess", Value::Null)
    .field("warnings", json!([]))
    .check(&out);
}
