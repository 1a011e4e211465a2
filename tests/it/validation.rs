//! Tenant validation (docs/SEMANTICS.md §11): one test per limit and consistency rule, through the
//! public API, plus the `jitgate validate` command line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::{TempDir, validate_cli};
use jitgate::{Diagnostic, Severity, Tenant, validate};
use serde_json::{Value, json};

const P1: &str = "11111111-1111-1111-1111-111111111111";
const P2: &str = "22222222-2222-2222-2222-222222222222";
const LOC: &str = "33333333-3333-3333-3333-333333333333";
const GROUP_A: &str = "aaaaaaaa-0000-0000-0000-000000000001";
const GROUP_B: &str = "aaaaaaaa-0000-0000-0000-000000000002";
const GROUP_C: &str = "aaaaaaaa-0000-0000-0000-000000000003";
const USER: &str = "55555555-5555-5555-5555-555555555555";
const ROLE: &str = "62e90394-69f5-4237-9190-012177145e10";

fn guid(prefix: &str, i: usize) -> String {
    format!("{prefix}-0000-0000-0000-{i:012}")
}

fn tenant(bundle: &Value) -> Tenant {
    crate::common::lenient_bytes("t.json", &serde_json::to_vec(bundle).unwrap())
        .unwrap_or_else(|e| panic!("bundle must load: {e:#?}"))
}

fn findings(bundle: &Value, strict: bool) -> Vec<Diagnostic> {
    validate(&tenant(bundle), strict).findings
}

fn codes(found: &[Diagnostic]) -> Vec<&'static str> {
    found.iter().map(|f| f.code).collect()
}

/// A policy for all users and all resources, with extra members merged in.
fn policy(id: &str, extra: Value) -> Value {
    let mut p = json!({
        "id": id,
        "displayName": "P",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]}
        },
        // Enforced policies need a control to load (§1.6a); `extra` may replace it.
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
    });
    if let (Some(p), Value::Object(extra)) = (p.as_object_mut(), extra) {
        for (k, v) in extra {
            p.insert(k, v);
        }
    }
    p
}

/// `p` with one excluded account (an emergency account), so blocking it is no lockout (§11.1).
fn break_glass(mut p: Value) -> Value {
    p["conditions"]["users"]["excludeUsers"] = json!([USER]);
    p
}

fn at(id: &str) -> String {
    format!("conditionalAccessPolicies[{id}]")
}

/// Exactly one finding, with this code, severity and path.
fn assert_one(found: &[Diagnostic], code: &str, severity: Severity, path: &str) -> Diagnostic {
    assert_eq!(codes(found), [code], "{found:#?}");
    let f = &found[0];
    assert_eq!(f.severity, severity, "{f}");
    assert_eq!(f.path, path, "{f}");
    assert!(!f.message.is_empty());
    f.clone()
}

/// A limit: no finding at the limit, a warning above it, an error above it under strict.
fn assert_limit(at_limit: &Value, over: &Value, code: &str, path: &str, message: &str) {
    assert_eq!(findings(at_limit, false), [], "at the limit");
    assert_eq!(findings(at_limit, true), [], "at the limit, strict");
    let w = assert_one(&findings(over, false), code, Severity::Warning, path);
    assert!(w.message.contains(message), "{w}");
    let e = assert_one(&findings(over, true), code, Severity::Error, path);
    assert_eq!(e.message, w.message);
}

// ---------------------------------------------------------------------------------------------
// Limits

#[test]
fn policies_per_tenant() {
    let bundle = |n: usize| {
        let states = ["enabled", "disabled", "enabledForReportingButNotEnforced"];
        let policies: Vec<Value> = (0..n)
            .map(|i| {
                json!({"id": guid("00000000", i), "displayName": format!("p{i}"),
                       "state": states[i % 3], "conditions": {},
                       "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}})
            })
            .collect();
        json!({ "conditionalAccessPolicies": policies })
    };
    assert_limit(
        &bundle(195),
        &bundle(196),
        "tooManyPolicies",
        "conditionalAccessPolicies",
        "196 policies; Entra allows 195",
    );
}

#[test]
fn named_locations_per_tenant() {
    let bundle = |n: usize| {
        let locations: Vec<Value> = (0..n)
            .map(|i| json!({"id": guid("33333333", i), "displayName": format!("l{i}"), "countriesAndRegions": ["FR"]}))
            .collect();
        json!({ "namedLocations": locations })
    };
    assert_limit(
        &bundle(195),
        &bundle(196),
        "tooManyNamedLocations",
        "namedLocations",
        "196 named locations; Entra allows 195",
    );
}

#[test]
fn ip_ranges_per_named_location() {
    let bundle = |n: usize| {
        let ranges: Vec<Value> = (0..n)
            .map(|i| json!({"cidrAddress": format!("10.{}.{}.0/24", i / 256, i % 256)}))
            .collect();
        json!({"namedLocations": [{"@odata.type": "#microsoft.graph.ipNamedLocation",
                                   "id": LOC, "displayName": "Big", "ipRanges": ranges}]})
    };
    assert_eq!(tenant(&bundle(2001)).named_locations.len(), 1);
    assert_limit(
        &bundle(2000),
        &bundle(2001),
        "tooManyRanges",
        &format!("namedLocations[{LOC}]"),
        "\"Big\" has 2001 IP ranges; Entra allows 2000",
    );
}

#[test]
fn cidr_prefix_must_be_longer_than_8() {
    let bundle = |ranges: &[&str]| {
        json!({"namedLocations": [{"id": LOC, "displayName": "L",
            "ipRanges": ranges.iter().map(|r| json!({"cidrAddress": r})).collect::<Vec<_>>()}]})
    };
    assert_eq!(
        findings(&bundle(&["11.0.0.0/9", "2001:db8::/9", "1.2.3.4/32"]), true),
        []
    );
    let path = format!("namedLocations[{LOC}]");
    let w = assert_one(
        &findings(&bundle(&["10.1.2.3/8"]), false),
        "prefixTooShort",
        Severity::Warning,
        &path,
    );
    assert!(
        w.message
            .contains("10.0.0.0/8 in \"L\": Entra requires a prefix longer than /8"),
        "{w}"
    );
    assert_one(
        &findings(&bundle(&["10.1.2.3/8"]), true),
        "prefixTooShort",
        Severity::Error,
        &path,
    );
    // IPv6 too, and /0.
    let found = findings(&bundle(&["2001:db8::/8", "0.0.0.0/0"]), false);
    assert_eq!(codes(&found), ["prefixTooShort", "prefixTooShort"]);
    assert!(found[0].message.starts_with("2000::/8"), "{}", found[0]);
    assert!(found[1].message.starts_with("0.0.0.0/0"), "{}", found[1]);
    // The range is still evaluated: it stays in the model.
    let t = tenant(&bundle(&["10.1.2.3/8"]));
    let jitgate::unstable::model::LocationKind::Ip { ranges, .. } = &t.named_locations[0].kind
    else {
        panic!()
    };
    assert_eq!(ranges.len(), 1);
}

#[test]
fn mfa_trusted_ips() {
    let bundle = |n: usize| {
        let ips: Vec<String> = (0..n).map(|i| format!("192.0.{i}.0/24")).collect();
        json!({ "mfaTrustedIps": ips })
    };
    assert_limit(
        &bundle(50),
        &bundle(51),
        "tooManyMfaTrustedIps",
        "mfaTrustedIps",
        "51 MFA trusted IP ranges; the service allows 50",
    );
    let v6 = json!({"mfaTrustedIps": ["192.0.2.0/24", {"cidrAddress": "2001:db8::/48"}]});
    let w = assert_one(
        &findings(&v6, false),
        "ipv6MfaTrustedIp",
        Severity::Warning,
        "mfaTrustedIps[1]",
    );
    assert!(w.message.contains("2001:db8::/48 is IPv6"), "{w}");
    assert_one(
        &findings(&v6, true),
        "ipv6MfaTrustedIp",
        Severity::Error,
        "mfaTrustedIps[1]",
    );
}

#[test]
fn authentication_context_ids() {
    let contexts = |ids: &[String]| -> Vec<Value> {
        ids.iter()
            .map(|id| json!({"id": id, "displayName": id, "isAvailable": true}))
            .collect()
    };
    let c1_to_c99: Vec<String> = (1..=99).map(|i| format!("c{i}")).collect();
    assert_eq!(
        findings(
            &json!({"authenticationContextClassReferences": contexts(&c1_to_c99)}),
            true
        ),
        []
    );
    let bad = json!({"authenticationContextClassReferences": contexts(&["c100".to_owned()])});
    let w = assert_one(
        &findings(&bad, false),
        "invalidAuthenticationContextId",
        Severity::Warning,
        "authenticationContextClassReferences[c100]",
    );
    assert!(w.message.contains("\"c100\" is outside c1..c99"), "{w}");
    assert_one(
        &findings(&bad, true),
        "invalidAuthenticationContextId",
        Severity::Error,
        "authenticationContextClassReferences[c100]",
    );
    // 100 contexts: too many, and the last id is out of range.
    let mut hundred = c1_to_c99.clone();
    hundred.push("c100".to_owned());
    let found = findings(
        &json!({"authenticationContextClassReferences": contexts(&hundred)}),
        false,
    );
    assert_eq!(
        codes(&found),
        [
            "tooManyAuthenticationContexts",
            "invalidAuthenticationContextId"
        ]
    );
    assert_eq!(found[0].path, "authenticationContextClassReferences");
    // A policy targeting c100 is flagged too, at its applications.
    let p = json!({
        "authenticationContextClassReferences": contexts(&["c100".to_owned()]),
        "conditionalAccessPolicies": [{"id": P1, "displayName": "P", "state": "enabled", "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}, "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeAuthenticationContextClassReferences": ["C100"]}}}]
    });
    let found = findings(&p, false);
    assert_eq!(
        codes(&found),
        [
            "invalidAuthenticationContextId",
            "invalidAuthenticationContextId"
        ]
    );
    assert_eq!(found[1].path, format!("{}.conditions.applications", at(P1)));
}

/// A device filter rule of exactly `chars` characters, padded with a non-ASCII letter so that
/// characters (not bytes) are what counts.
fn rule_of(chars: usize) -> String {
    let head = "device.model -eq \"";
    let pad = chars - head.chars().count() - 1;
    format!("{head}{}\"", "é".repeat(pad))
}

#[test]
fn filter_rule_length() {
    let bundle = |rule: String| {
        json!({"conditionalAccessPolicies": [policy(P1, json!({"conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
            "devices": {"deviceFilter": {"mode": "exclude", "rule": rule}}}}))]})
    };
    assert_eq!(rule_of(3072).chars().count(), 3072);
    assert!(rule_of(3072).len() > 3072);
    assert_limit(
        &bundle(rule_of(3072)),
        &bundle(rule_of(3073)),
        "filterRuleTooLong",
        &at(P1),
        "filter rule has 3073 characters; Entra allows 3072",
    );
    // Application filters count too.
    let app_rule = format!(
        "CustomSecurityAttribute.Set_Name -eq \"{}\"",
        "x".repeat(3100)
    );
    let app = json!({"conditionalAccessPolicies": [policy(P1, json!({"conditions": {
        "users": {"includeUsers": ["All"]},
        "applications": {"applicationFilter": {"mode": "include", "rule": app_rule}}}}))]});
    assert_one(
        &findings(&app, false),
        "filterRuleTooLong",
        Severity::Warning,
        &at(P1),
    );
}

#[test]
fn custom_authentication_strengths() {
    let bundle = |n: usize| {
        let strengths: Vec<Value> = (0..n)
            .map(|i| {
                json!({"id": guid("77777777", i), "displayName": format!("s{i}"),
                            "policyType": "custom", "allowedCombinations": ["password,sms"]})
            })
            .collect();
        json!({ "authenticationStrengthPolicies": strengths })
    };
    // Built-ins never count.
    assert_eq!(tenant(&bundle(16)).strengths.len(), 19);
    assert_limit(
        &bundle(15),
        &bundle(16),
        "tooManyCustomStrengths",
        "authenticationStrengthPolicies",
        "16 custom authentication strengths; Entra allows 15",
    );
}

#[test]
fn role_assignable_groups() {
    let bundle = |n: usize| {
        let mut groups: Vec<Value> = (0..n)
            .map(|i| json!({"id": guid("bbbbbbbb", i), "isAssignableToRole": true}))
            .collect();
        groups.push(json!({"id": GROUP_A, "isAssignableToRole": false}));
        json!({"directory": {"groups": groups}})
    };
    assert_limit(
        &bundle(500),
        &bundle(501),
        "tooManyRoleAssignableGroups",
        "directory.groups",
        "501 role-assignable groups; Entra allows 500",
    );
}

#[test]
fn group_nested_in_role_assignable_group() {
    let bundle = json!({"directory": {"groups": [
        {"id": GROUP_A, "isAssignableToRole": true, "members": [USER, GROUP_B]},
        {"id": GROUP_B, "members": [USER]},
        {"id": GROUP_C, "isAssignableToRole": false, "members": [GROUP_B]}
    ]}});
    let path = format!("directory.groups[{GROUP_A}]");
    let w = assert_one(
        &findings(&bundle, false),
        "groupInRoleAssignableGroup",
        Severity::Warning,
        &path,
    );
    assert!(
        w.message.contains(&format!(
            "group {GROUP_B} is a member of role-assignable group {GROUP_A}"
        )),
        "{w}"
    );
    assert_one(
        &findings(&bundle, true),
        "groupInRoleAssignableGroup",
        Severity::Error,
        &path,
    );
}

#[test]
fn cyclic_group_nesting_is_a_warning_even_under_strict() {
    let bundle = json!({"directory": {
    "users": [{"id": USER}],
    "groups": [
        {"id": GROUP_A, "members": [GROUP_B, USER]},
        {"id": GROUP_B, "members": [GROUP_A]},
        {"id": GROUP_C, "members": [GROUP_C]}
    ]}});
    for strict in [false, true] {
        let found = findings(&bundle, strict);
        assert_eq!(
            codes(&found),
            ["cyclicGroupNesting", "cyclicGroupNesting"],
            "{found:#?}"
        );
        assert!(found.iter().all(|f| f.severity == Severity::Warning));
        assert_eq!(found[0].path, format!("directory.groups[{GROUP_A}]"));
        assert_eq!(found[1].path, format!("directory.groups[{GROUP_C}]"));
        assert!(found[1].message.contains("contains itself"));
    }
}

#[test]
fn long_nesting_chain_does_not_overflow() {
    let n = 20_000;
    let groups: Vec<Value> = (0..n)
        .map(|i| json!({"id": guid("cccccccc", i), "members": [guid("cccccccc", (i + 1) % n)]}))
        .collect();
    let found = findings(&json!({"directory": {"groups": groups}}), false);
    assert_eq!(codes(&found), ["cyclicGroupNesting"]);
}

#[test]
fn dangling_references() {
    let bundle = json!({
        "directory": {"groups": [{"id": GROUP_A}]},
        "namedLocations": [{"id": LOC, "countriesAndRegions": ["FR"]}],
        "conditionalAccessPolicies": [policy(P1, json!({
            "conditions": {
                "users": {"includeUsers": ["All"], "includeGroups": [GROUP_A, GROUP_B], "excludeGroups": [GROUP_C]},
                "applications": {"includeApplications": ["Office365"], "excludeApplications": ["MicrosoftAdminPortals"]},
                "locations": {"includeLocations": [LOC, "22222222-0000-0000-0000-000000000000"],
                              "excludeLocations": ["00000000-0000-0000-0000-000000000000"]}
            },
            "grantControls": {"operator": "OR",
                              "authenticationStrength": {"id": "99999999-9999-9999-9999-999999999999"}}
        }))]
    });
    for strict in [false, true] {
        let found = findings(&bundle, strict);
        let got: Vec<(&str, Severity, String)> = found
            .iter()
            .map(|f| (f.code, f.severity, f.path.replace(&at(P1), "P")))
            .collect();
        let w = |path: &str| ("danglingReference", Severity::Warning, path.to_owned());
        assert_eq!(
            got,
            [
                w("P.conditions.users"),
                w("P.conditions.users"),
                w("P.conditions.locations"),
                w("P.grantControls.authenticationStrength"),
            ]
        );
        assert!(found[0].message.contains(GROUP_B), "{}", found[0]);
        assert!(found[1].message.contains(GROUP_C), "{}", found[1]);
        assert!(
            found[2].message.contains(
                "named location 22222222-0000-0000-0000-000000000000 is not in the tenant"
            )
        );
        // Office365 and MicrosoftAdminPortals always resolve: built-in members (§3.6 rule 4).
        assert!(found[3].message.contains("can never be satisfied"));
    }
    // Built-in strengths and defined application groups resolve.
    let resolved = json!({
        "applicationGroups": {"Office365": ["00000002-0000-0ff1-ce00-000000000000"]},
        "conditionalAccessPolicies": [policy(P1, json!({
            "conditions": {"users": {"includeUsers": ["All"]},
                           "applications": {"includeApplications": ["Office365"]}},
            "grantControls": {"operator": "OR",
                              "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"}}
        }))]
    });
    assert_eq!(findings(&resolved, true), []);
}

#[test]
fn dangling_authentication_context() {
    let bundle = json!({
        "authenticationContextClassReferences": [{"id": "c2", "isAvailable": false}],
        "conditionalAccessPolicies": [
            {"id": P1, "displayName": "P", "state": "enabled", "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}, "conditions": {
                "users": {"includeUsers": ["All"]},
                "applications": {"includeAuthenticationContextClassReferences": ["c1"]}}},
            {"id": P2, "displayName": "P", "state": "enabled", "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}, "conditions": {
                "users": {"includeUsers": ["All"]},
                "applications": {"includeAuthenticationContextClassReferences": ["c2"]}}}
        ]
    });
    let found = findings(&bundle, false);
    assert_eq!(
        codes(&found),
        ["danglingReference", "unavailableAuthenticationContext"]
    );
    assert_eq!(found[0].path, format!("{}.conditions.applications", at(P1)));
    assert_eq!(found[1].path, format!("{}.conditions.applications", at(P2)));
}

#[test]
fn role_held_by_non_role_assignable_group() {
    let bundle = |assignable: bool| {
        json!({
            "directory": {
                "groups": [{"id": GROUP_A, "isAssignableToRole": assignable, "members": [USER]}],
                "roleAssignments": [{"principalId": GROUP_A, "roleDefinitionId": ROLE, "directoryScopeId": "/"}]
            },
            "pim": {"roleEligibilityScheduleInstances": [
                {"id": "elig-1", "principalId": GROUP_A, "roleDefinitionId": ROLE, "directoryScopeId": "/"},
                {"id": "elig-2", "principalId": USER, "roleDefinitionId": ROLE, "directoryScopeId": "/"}
            ]}
        })
    };
    assert_eq!(findings(&bundle(true), true), []);
    let path = format!("directory.groups[{GROUP_A}]");
    for (strict, severity) in [(false, Severity::Warning), (true, Severity::Error)] {
        let found = findings(&bundle(false), strict);
        assert_eq!(
            codes(&found),
            [
                "roleHeldByNonAssignableGroup",
                "roleHeldByNonAssignableGroup"
            ]
        );
        for f in &found {
            assert_eq!(f.severity, severity);
            assert_eq!(f.path, path);
            assert!(f.message.contains("is not role-assignable"), "{f}");
        }
        assert!(found[0].message.contains("elig-1"), "{}", found[0]);
        assert!(found[1].message.contains(ROLE), "{}", found[1]);
    }
}

#[test]
fn maximum_activation_duration_is_capped_at_24_hours() {
    let bundle = |max: &str| {
        json!({"pim": {"roleManagementPolicies": [{"id": "pol-1", "scopeId": "/", "scopeType": "DirectoryRole",
            "rules": [{"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
                       "id": "Expiration_EndUser_Assignment", "isExpirationRequired": true,
                       "maximumDuration": max}]}]}})
    };
    assert_limit(
        &bundle("PT24H"),
        &bundle("PT30H"),
        "activationTooLong",
        "pim.roleManagementPolicies[pol-1]",
        "maximum activation P1DT6H exceeds PT24H; capped at PT24H",
    );
    // The admin rules are not limited to 24 hours.
    let admin = json!({"pim": {"roleManagementPolicies": [{"id": "pol-2",
        "rules": [{"id": "Expiration_Admin_Eligibility", "isExpirationRequired": false,
                   "maximumDuration": "P365D"}]}]}});
    assert_eq!(findings(&admin, true), []);
}

#[test]
fn maximum_activation_in_a_policy_assignment() {
    let bundle = json!({"pim": {"roleManagementPolicyAssignments": [{
        "id": "Directory_tenant_pol-1_role", "policyId": "pol-1", "scopeId": "/", "scopeType": "DirectoryRole",
        "roleDefinitionId": ROLE,
        "policy": {"id": "pol-1", "rules": [{"id": "Expiration_EndUser_Assignment", "maximumDuration": "P2D"}]}
    }]}});
    let w = assert_one(
        &findings(&bundle, false),
        "activationTooLong",
        Severity::Warning,
        "pim.roleManagementPolicyAssignments[Directory_tenant_pol-1_role]",
    );
    assert!(w.message.contains("maximum activation P2D exceeds PT24H"));
}

// ---------------------------------------------------------------------------------------------
// Shapes Graph would reject: always warnings

#[test]
fn mfa_with_strength_and_block_with_others() {
    let bundle = json!({"conditionalAccessPolicies": [
        policy(P1, json!({"grantControls": {"operator": "OR", "builtInControls": ["mfa"],
            "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000002"}}})),
        break_glass(policy(P2, json!({"grantControls": {"operator": "OR", "builtInControls": ["block", "compliantDevice"]}})))
    ]});
    for strict in [false, true] {
        let found = findings(&bundle, strict);
        let got: Vec<(&str, Severity, &str)> = found
            .iter()
            .map(|f| (f.code, f.severity, f.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("mfaWithStrength", Severity::Warning, at(P1).as_str()),
                ("blockWithOtherControls", Severity::Warning, at(P2).as_str()),
            ]
        );
    }
    // Block alone, or mfa alone, is fine.
    let fine = json!({"conditionalAccessPolicies": [
        break_glass(policy(P1, json!({"grantControls": {"operator": "OR", "builtInControls": ["block"]}}))),
        policy(P2, json!({"grantControls": {"operator": "AND", "builtInControls": ["mfa", "passwordChange"]}}))
    ]});
    assert_eq!(findings(&fine, true), []);
}

#[test]
fn password_change_without_mfa_under_and() {
    let bundle = json!({"conditionalAccessPolicies": [policy(P1, json!({
        "grantControls": {"operator": "AND", "builtInControls": ["passwordChange", "compliantDevice"]}}))]});
    assert_one(
        &findings(&bundle, true),
        "passwordChangeWithoutMfa",
        Severity::Warning,
        &at(P1),
    );
}

#[test]
fn workload_identity_shapes() {
    let bundle = json!({"conditionalAccessPolicies": [
        {"id": P1, "displayName": "P", "state": "enabled",
         "conditions": {"users": {"includeUsers": ["All"]},
                        "clientApplications": {"includeServicePrincipals": ["ServicePrincipalsInMyTenant"]},
                        "applications": {"includeApplications": ["All"]}},
         "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}},
        // The shape Graph gives workload-identity policies: includeUsers None.
        {"id": P2, "displayName": "P", "state": "enabled",
         "conditions": {"users": {"includeUsers": ["None"]},
                        "clientApplications": {"includeServicePrincipals": ["ServicePrincipalsInMyTenant"]},
                        "applications": {"includeApplications": ["All"]}},
         "grantControls": {"operator": "OR", "builtInControls": ["block"]}}
    ]});
    let found = findings(&bundle, true);
    assert_eq!(
        codes(&found),
        ["usersAndWorkloadIdentities", "workloadIdentityGrant"]
    );
    assert_eq!(found[0].path, format!("{}.conditions", at(P1)));
    assert_eq!(found[1].path, at(P1));
    assert!(found.iter().all(|f| f.severity == Severity::Warning));
}

#[test]
fn target_kinds_guest_selectors_and_exclude_only_conditions() {
    let bundle = json!({"authenticationContextClassReferences": [{"id": "c1", "isAvailable": true}],
        "conditionalAccessPolicies": [
        {"id": P1, "displayName": "P", "state": "enabled", "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}, "conditions": {
            "users": {"includeUsers": ["GuestsOrExternalUsers"],
                      "includeGuestsOrExternalUsers": {"guestOrExternalUserTypes": "b2bCollaborationGuest",
                                                       "externalTenants": {"membershipKind": "all"}}},
            "applications": {"includeApplications": ["All"],
                             "includeAuthenticationContextClassReferences": ["c1"]},
            "platforms": {"excludePlatforms": ["iOS"]},
            "locations": {"excludeLocations": ["AllTrusted"]}}},
        {"id": P2, "displayName": "P", "state": "enabledForReportingButNotEnforced", "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}, "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeUserActions": ["urn:user:registersecurityinfo"]}},
         "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}
    ]});
    let found = findings(&bundle, true);
    let got: Vec<(&str, String)> = found
        .iter()
        .map(|f| (f.code, f.path.replace(&at(P1), "P1").replace(&at(P2), "P2")))
        .collect();
    let s = |code: &'static str, path: &str| (code, path.to_owned());
    assert_eq!(
        got,
        [
            s("mixedGuestSelectors", "P1.conditions.users"),
            s("excludeOnlyCondition", "P1.conditions.locations"),
            s("excludeOnlyCondition", "P1.conditions.platforms"),
            s("multipleTargetKinds", "P1.conditions.applications"),
            s("reportOnlyUserAction", "P2"),
        ]
    );
    assert!(found.iter().all(|f| f.severity == Severity::Warning));
}

#[test]
fn pim_rule_shapes() {
    let bundle = json!({"pim": {"roleManagementPolicies": [{"id": "pol-1", "rules": [
        {"id": "Enablement_EndUser_Assignment", "enabledRules": ["MultiFactorAuthentication", "Justification"]},
        {"id": "AuthenticationContext_EndUser_Assignment", "isEnabled": true, "claimValue": "c1"},
        {"id": "Approval_EndUser_Assignment", "setting": {"isApprovalRequired": true, "approvalMode": "NoApproval",
            "approvalStages": [{"primaryApprovers": []}, {"primaryApprovers": []}]}}
    ]}]}});
    let found = findings(&bundle, true);
    assert_eq!(
        codes(&found),
        [
            "multiStageApproval",
            "approvalModeConflict",
            "mfaAndAuthContextRules"
        ]
    );
    assert!(
        found
            .iter()
            .all(|f| f.severity == Severity::Warning
                && f.path == "pim.roleManagementPolicies[pol-1]")
    );
}

#[test]
fn counts_describe_the_tenant() {
    let mut deleted = policy(P2, json!({"deletedDateTime": "2025-01-01T00:00:00Z"}));
    deleted["state"] = json!("enabled");
    let bundle = json!({
        "conditionalAccessPolicies": [
            policy(P1, json!({})),
            deleted,
            policy("33333333-0000-0000-0000-000000000001", json!({"state": "enabledForReportingButNotEnforced"})),
            policy("33333333-0000-0000-0000-000000000002", json!({"state": "disabled"})),
        ],
        "namedLocations": [{"id": LOC, "countriesAndRegions": ["FR"]}],
        "directory": {"users": [{"id": USER}], "groups": [{"id": GROUP_A, "isAssignableToRole": true}],
                      "roleAssignments": [{"principalId": USER, "roleDefinitionId": ROLE}]},
        "pim": {"roleEligibilityScheduleInstances": [{"principalId": USER, "roleDefinitionId": ROLE, "directoryScopeId": "/"}],
                "groupEligibilityScheduleInstances": [{"principalId": USER, "groupId": GROUP_A, "accessId": "member"}]}
    });
    let t = tenant(&bundle);
    let c = validate(&t, false).counts;
    assert_eq!(
        (c.policies, c.enabled, c.report_only, c.disabled),
        (4, 1, 1, 2)
    );
    assert_eq!(c.named_locations, 1);
    assert_eq!(c.authentication_strengths, 3);
    assert_eq!((c.users, c.groups, c.role_assignments), (1, 1, 1));
    assert_eq!(c.pim_eligibilities, 2);
    assert_eq!(c.pim_policy_assignments, 0);
}

// ---------------------------------------------------------------------------------------------
// Command line

fn limit_only_tenant(dir: &TempDir) -> std::path::PathBuf {
    let policies: Vec<Value> = (0..196)
        .map(|i| json!({"id": guid("00000000", i), "displayName": format!("p{i}"), "state": "disabled", "conditions": {}}))
        .collect();
    dir.write(
        "tenant.json",
        serde_json::to_vec(&json!({ "conditionalAccessPolicies": policies })).unwrap(),
    )
}

#[test]
fn cli_strict_turns_a_limit_warning_into_failure() {
    let dir = TempDir::new("cli-limit");
    let file = limit_only_tenant(&dir);
    let out = validate_cli(&file, &[]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("196 policies"), "{stdout}");
    assert!(
        stdout.contains("warning[tooManyPolicies]: conditionalAccessPolicies: 196 policies"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Result: usable with 1 warning(s)"),
        "{stdout}"
    );

    let out = validate_cli(&file, &["--strict"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("error[tooManyPolicies]: conditionalAccessPolicies: 196 policies"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Result: not usable: 1 error(s)"),
        "{stdout}"
    );
}

#[test]
fn cli_strict_fails_on_any_warning() {
    let dir = TempDir::new("cli-warning");
    let file = dir.write(
        "tenant.json",
        serde_json::to_vec(&json!({"conditionalAccessPolicies": [policy(P1, json!({
            "conditions": {"users": {"includeGroups": [GROUP_A]}}}))]}))
        .unwrap(),
    );
    assert_eq!(validate_cli(&file, &[]).status.code(), Some(0));
    assert_eq!(validate_cli(&file, &["--strict"]).status.code(), Some(1));
}

#[test]
fn cli_unreadable_tenant_exits_2() {
    let dir = TempDir::new("cli-missing");
    let missing = dir.path().join("no such tenant");
    let out = validate_cli(&missing, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("cannot read tenant at {}", missing.display())),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(validate_cli(&missing, &["--json"]).status.code(), Some(2));
}

#[test]
fn cli_errors_exit_1() {
    let dir = TempDir::new("cli-errors");
    let file = dir.write("tenant.json", "{\"conditionalAccessPolicies\": [,]}");
    let out = validate_cli(&file, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("error[invalidJson]: tenant.json: $: invalid JSON at line 1"),
        "{stdout}"
    );
}

#[test]
fn cli_json_lists_findings() {
    let dir = TempDir::new("cli-json");
    let file = dir.write(
        "tenant.json",
        serde_json::to_vec(&json!({"conditionalAccessPolicies": [
            {"displayName": "template", "state": "enabled",
             "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}, "conditions": {
                "users": {"includeUsers": ["All"], "excludeGroups": [GROUP_A]},
                "applications": {"includeApplications": ["All"]}}}
        ]}))
        .unwrap(),
    );
    let out = validate_cli(&file, &["--json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["usable"], true);
    assert_eq!(doc["strict"], false);
    assert_eq!(doc["errors"], 0);
    assert_eq!(doc["warnings"], 2);
    assert_eq!(doc["counts"]["policies"], 1);
    assert_eq!(doc["tenant"], file.display().to_string());
    let findings = doc["findings"].as_array().unwrap();
    let load = &findings[0];
    assert_eq!(load["severity"], "warning");
    assert_eq!(load["code"], "syntheticId");
    assert_eq!(load["file"], "tenant.json");
    assert_eq!(load["path"], "$.conditionalAccessPolicies[0].id");
    assert!(
        load["message"]
            .as_str()
            .unwrap()
            .contains("\"file:tenant.json#0\"")
    );
    // A policies-only export: the group reference is summarised once (§1.6a).
    let dangling = &findings[1];
    assert_eq!(dangling["code"], "noDirectory");
    assert_eq!(dangling["path"], "directory.groups");
    assert!(dangling["file"].is_string());
    assert!(
        dangling["message"]
            .as_str()
            .unwrap()
            .starts_with("no directory: 1 group reference(s) unresolved")
    );

    let strict = validate_cli(&file, &["--json", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(doc["strict"], true);
}

#[test]
fn admin_expiration_rules_bound_eligibilities_and_assignments() {
    let role = "194ae4cb-b126-40b2-bd5b-6091b380977d";
    let bundle = format!(
        r#"{{"pim":{{
        "roleManagementPolicyAssignments":[{{"id":"a1","scopeId":"/","scopeType":"DirectoryRole","roleDefinitionId":"{role}",
          "policy":{{"id":"p1","rules":[
            {{"id":"Expiration_Admin_Eligibility","isExpirationRequired":true,"maximumDuration":"P365D"}},
            {{"id":"Expiration_Admin_Assignment","isExpirationRequired":false,"maximumDuration":"P180D"}}]}}}}],
        "roleEligibilityScheduleInstances":[
          {{"id":"permanent","principalId":"11111111-0000-0000-0000-000000000001","roleDefinitionId":"{role}","directoryScopeId":"/","startDateTime":"2025-01-01T00:00:00Z"}},
          {{"id":"fits","principalId":"11111111-0000-0000-0000-000000000002","roleDefinitionId":"{role}","directoryScopeId":"/","startDateTime":"2025-01-01T00:00:00Z","endDateTime":"2025-06-01T00:00:00Z"}}],
        "roleAssignmentScheduleInstances":[
          {{"id":"long","principalId":"11111111-0000-0000-0000-000000000003","roleDefinitionId":"{role}","directoryScopeId":"/","assignmentType":"Assigned","startDateTime":"2025-01-01T00:00:00Z","endDateTime":"2026-01-01T00:00:00Z"}},
          {{"id":"activation","principalId":"11111111-0000-0000-0000-000000000004","roleDefinitionId":"{role}","directoryScopeId":"/","assignmentType":"Activated","startDateTime":"2025-01-01T00:00:00Z","endDateTime":"2026-01-01T00:00:00Z"}}]
    }}}}"#
    );
    let tenant = crate::common::lenient_bytes("t.json", bundle.as_bytes()).unwrap();
    let report = jitgate::validate(&tenant, false);
    let found: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.code, f.path.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("permanentNotAllowed", "pim.eligibility[permanent]"),
            ("windowTooLong", "pim.assignment[long]")
        ]
    );
    assert!(report.findings.iter().all(|f| !f.is_error()));
    let strict = jitgate::validate(&tenant, true);
    assert_eq!(strict.findings.iter().filter(|f| f.is_error()).count(), 2);
}

// Lockout lint (§11.1)

/// A block for every user, resource and location, with `users` replaced.
fn block_all(id: &str, users: Value) -> Value {
    policy(
        id,
        json!({
            "conditions": {
                "users": users,
                "applications": {"includeApplications": ["All"]},
                "locations": {"includeLocations": ["All"]}
            },
            "grantControls": {"operator": "OR", "builtInControls": ["block"]}
        }),
    )
}

#[test]
fn a_block_on_everyone_everywhere_is_a_lockout_error() {
    let bundle =
        json!({"conditionalAccessPolicies": [block_all(P1, json!({"includeUsers": ["All"]}))]});
    for strict in [false, true] {
        let found = findings(&bundle, strict);
        assert_eq!(codes(&found), ["lockout", "noBreakGlass"], "{found:#?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].path, at(P1));
        assert!(
            found[0].message.contains("locks out everyone"),
            "{}",
            found[0]
        );
        assert_eq!(found[1].severity, Severity::Warning);
        assert_eq!(found[1].path, "conditionalAccessPolicies");
    }
    // Under the option it is a warning, and the engine still serves the tenant: it is what Entra
    // would enforce.
    let lenient = validate(
        &tenant(&bundle),
        jitgate::ValidateOptions::default().lockout_is_error(false),
    );
    assert_eq!(codes(&lenient.findings), ["lockout", "noBreakGlass"]);
    assert_eq!(lenient.errors(), 0);
    let engine = jitgate::Engine::new(tenant(&json!({"conditionalAccessPolicies": [
        policy(P2, json!({}))
    ]})));
    assert!(engine.publish(tenant(&bundle)).is_ok());
}

#[test]
fn a_control_nobody_can_satisfy_is_a_lockout_too() {
    let missing_strength = "99999999-9999-9999-9999-999999999999";
    for (grant, shape) in [
        (
            json!({"operator": "AND", "builtInControls": ["compliantDevice"], "authenticationStrength": {"id": missing_strength}}),
            None,
        ),
        (
            json!({"operator": "OR", "builtInControls": [], "authenticationStrength": {"id": missing_strength}}),
            None,
        ),
        (
            json!({"operator": "AND", "builtInControls": ["mfa"], "authenticationStrength": {"id": missing_strength}}),
            Some("mfaWithStrength"),
        ),
    ] {
        let bundle =
            json!({"conditionalAccessPolicies": [policy(P1, json!({"grantControls": grant}))]});
        let found = findings(&bundle, false);
        let expected: Vec<&str> = shape
            .into_iter()
            .chain(["danglingReference", "lockout", "noBreakGlass"])
            .collect();
        assert_eq!(codes(&found), expected, "{grant}: {found:#?}");
    }
    // Under OR, a satisfiable alternative (mfa) leaves a way in.
    let either = json!({"conditionalAccessPolicies": [policy(P1, json!({"grantControls":
        {"operator": "OR", "builtInControls": ["mfa"], "authenticationStrength": {"id": missing_strength}}}))]});
    assert_eq!(
        codes(&findings(&either, false)),
        ["mfaWithStrength", "danglingReference"]
    );
}

#[test]
fn any_exclusion_or_narrower_scope_is_no_lockout() {
    let excluded = [
        json!({"includeUsers": ["All"], "excludeUsers": [USER]}),
        json!({"includeUsers": ["All"], "excludeGroups": [GROUP_A]}),
        json!({"includeUsers": ["All"], "excludeRoles": [ROLE]}),
    ];
    for users in excluded {
        let bundle = json!({"conditionalAccessPolicies": [block_all(P1, users.clone())]});
        let found: Vec<Diagnostic> = findings(&bundle, false)
            .into_iter()
            .filter(|f| {
                !matches!(
                    f.code,
                    "danglingReference" | "noDirectory" | "noRoleAssignments"
                )
            })
            .collect();
        assert_eq!(codes(&found), Vec::<&str>::new(), "{users}");
    }
    // Excluding guests does not spare the tenant's own emergency accounts.
    let guests_only = json!({"conditionalAccessPolicies": [block_all(P1, json!({
        "includeUsers": ["All"], "excludeUsers": ["GuestsOrExternalUsers"]}))]});
    assert_eq!(
        codes(&findings(&guests_only, false)),
        ["lockout", "noBreakGlass"]
    );
    // Narrower scopes: one location excluded, one client app type, a platform, risk, report-only.
    let mut narrower = Vec::new();
    let mut p = block_all(P1, json!({"includeUsers": ["All"]}));
    p["conditions"]["locations"]["excludeLocations"] = json!(["AllTrusted"]);
    narrower.push(p);
    let mut p = block_all(P1, json!({"includeUsers": ["All"]}));
    p["conditions"]["clientAppTypes"] = json!(["exchangeActiveSync", "other"]);
    narrower.push(p);
    let mut p = block_all(P1, json!({"includeUsers": ["All"]}));
    p["conditions"]["platforms"] = json!({"includePlatforms": ["android"]});
    narrower.push(p);
    let mut p = block_all(P1, json!({"includeUsers": ["All"]}));
    p["conditions"]["signInRiskLevels"] = json!(["high"]);
    narrower.push(p);
    let mut p = block_all(P1, json!({"includeUsers": ["All"]}));
    p["conditions"]["applications"]["excludeApplications"] =
        json!(["c44b4083-3bb0-49c1-b47d-974e53cbdf3c"]);
    narrower.push(p);
    for p in narrower {
        let bundle = json!({"conditionalAccessPolicies": [p.clone()]});
        let found = findings(&bundle, false);
        assert!(!codes(&found).contains(&"lockout"), "{p}: {found:#?}");
        // Still a block that exempts no account.
        assert!(codes(&found).contains(&"noBreakGlass"), "{p}: {found:#?}");
    }
    let mut report_only = block_all(P1, json!({"includeUsers": ["All"]}));
    report_only["state"] = json!("enabledForReportingButNotEnforced");
    let found = findings(&json!({"conditionalAccessPolicies": [report_only]}), false);
    assert_eq!(codes(&found), Vec::<&str>::new());
}

#[test]
fn no_break_glass_needs_a_block_that_exempts_nobody() {
    // Two blocks, one of them exempting an emergency account: no warning.
    let mut legacy = block_all(P2, json!({"includeUsers": ["All"]}));
    legacy["conditions"]["clientAppTypes"] = json!(["other"]);
    let bundle = json!({"conditionalAccessPolicies": [
        block_all(P1, json!({"includeUsers": ["All"], "excludeUsers": [USER]})),
        legacy.clone()
    ]});
    assert_eq!(codes(&findings(&bundle, false)), Vec::<&str>::new());
    // Only the legacy block: it exempts nobody.
    let bundle = json!({"conditionalAccessPolicies": [legacy]});
    let found = findings(&bundle, false);
    assert_eq!(codes(&found), ["noBreakGlass"]);
    assert!(
        found[0].message.contains("1 enforced policy blocks"),
        "{}",
        found[0]
    );
    // No block at all: nothing to exempt anyone from.
    let mfa_only = json!({"conditionalAccessPolicies": [policy(P1, json!({}))]});
    assert_eq!(codes(&findings(&mfa_only, false)), Vec::<&str>::new());
}

#[test]
fn validate_cli_fails_on_a_lockout_unless_allowed() {
    let dir = TempDir::new("lockout");
    let file = dir.path().join("t.json");
    let bundle =
        json!({"conditionalAccessPolicies": [block_all(P1, json!({"includeUsers": ["All"]}))]});
    std::fs::write(&file, serde_json::to_vec(&bundle).unwrap()).unwrap();
    let out = validate_cli(&file, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("Errors (1):"), "{stdout}");
    assert!(stdout.contains("lockout"), "{stdout}");
    assert!(stdout.contains("noBreakGlass"), "{stdout}");
    let out = validate_cli(&file, &["--allow-lockout"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("Warnings (2):"), "{stdout}");
}

#[test]
fn the_example_tenant_has_no_lockout_and_a_break_glass_account() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let t = jitgate::load(&root.join("examples/tenant")).unwrap();
    let found = validate(&t, true).findings;
    assert_eq!(codes(&found), Vec::<&str>::new(), "{found:#?}");
}

#[test]
fn validate_prints_the_application_groups_in_use() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = root.join("examples/tenant");
    let out = validate_cli(&example, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("  Office365: 64 app(s), built-in list of Microsoft's documented members (--app-groups lists them)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  MicrosoftAdminPortals: 4 app(s), built-in list"),
        "{stdout}"
    );
    let out = validate_cli(&example, &["--app-groups"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("    00000002-0000-0ff1-ce00-000000000000  Office 365 Exchange Online"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    c44b4083-3bb0-49c1-b47d-974e53cbdf3c  Azure portal"),
        "{stdout}"
    );
    // A bundle list replaces the built-in one and says so, in text and JSON.
    let dir = TempDir::new("appgroups");
    let file = dir.path().join("t.json");
    let bundle = json!({
        "applicationGroups": {"MicrosoftAdminPortals": ["C44B4083-3BB0-49C1-B47D-974E53CBDF3C"]},
        "conditionalAccessPolicies": [break_glass(policy(P1, json!({})))]
    });
    std::fs::write(&file, serde_json::to_vec(&bundle).unwrap()).unwrap();
    let out = validate_cli(&file, &["--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["applicationGroups"][1],
        json!({"group": "MicrosoftAdminPortals", "source": "bundle", "members": [
            {"appId": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "name": "Azure portal (and Microsoft Entra admin center)"}
        ]})
    );
    assert_eq!(report["applicationGroups"][0]["source"], "builtIn");
    assert_eq!(report["applicationGroups"][0]["group"], "Office365");
}

#[test]
fn a_policies_only_export_gets_one_line_per_missing_collection() {
    let bundle = json!({"conditionalAccessPolicies": [
        break_glass(policy(P1, json!({"conditions": {
            "users": {"includeUsers": ["All"], "excludeUsers": [USER], "includeGroups": [GROUP_A, GROUP_B],
                      "excludeGroups": [GROUP_C], "includeRoles": [ROLE]},
            "applications": {"includeApplications": ["All"]}}}))),
        policy(P2, json!({"conditions": {
            "users": {"includeRoles": [ROLE], "excludeGroups": [GROUP_A]},
            "applications": {"includeApplications": ["All"]}}}))
    ]});
    let found = findings(&bundle, false);
    assert_eq!(
        codes(&found),
        ["noDirectory", "noRoleAssignments"],
        "{found:#?}"
    );
    assert_eq!(found[0].path, "directory.groups");
    assert!(
        found[0]
            .message
            .starts_with("no directory: 4 group reference(s) unresolved; decisions for users in those groups will carry missingData"),
        "{}",
        found[0]
    );
    assert_eq!(found[1].path, "directory.roleAssignments");
    assert!(
        found[1]
            .message
            .starts_with("no role assignments: 2 role reference(s) unresolved"),
        "{}",
        found[1]
    );
    // With the collections exported, neither line appears.
    let mut complete = bundle.clone();
    complete["directory"] = json!({
        "groups": [{"id": GROUP_A}, {"id": GROUP_B}, {"id": GROUP_C}],
        "roleAssignments": [{"principalId": USER, "roleDefinitionId": ROLE, "directoryScopeId": "/"}]
    });
    assert_eq!(codes(&findings(&complete, false)), Vec::<&str>::new());
}
