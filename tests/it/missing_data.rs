//! Missing request data is never a silent allow (docs/SEMANTICS.md §3.4 rule 9, §7): a decision
//! that absent or unknown data could change carries `missingData` in every output mode, and
//! assume-worst gives the decision the strictest value of that data would.

use std::path::PathBuf;

use jitgate::{
    Decision, Diagnostic, EvaluationOptions, Explain, ReferenceEvaluator, RequirementItem,
    SignInDecision, SignInRequest, Snapshot, Tenant, load_bundle_bytes,
};
use serde_json::{Value, json};

const CHLOE: &str = "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03";
const SHAREPOINT: &str = "00000003-0000-0ff1-ce00-000000000000";
const NL002: &str = "c4a10002-5d2e-4b6f-8a7c-0e1f2a3b4c02";
const NL003: &str = "c4a10003-5d2e-4b6f-8a7c-0e1f2a3b4c03";
const NL009: &str = "c4a10009-5d2e-4b6f-8a7c-0e1f2a3b4c09";

fn example() -> Tenant {
    jitgate::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/tenant")).unwrap()
}

/// Chloe opens SharePoint with MFA done; `conditions` replaces the sign-in conditions.
fn chloe(conditions: Value) -> SignInRequest {
    SignInRequest::from_json(
        &json!({
            "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": CHLOE},
            "signInContext": {"@odata.type": "#microsoft.graph.applicationContext",
                              "includeApplications": [SHAREPOINT]},
            "signInConditions": conditions,
            "session": {"time": "2026-03-02T09:00:00Z",
                        "authenticationMethods": ["password", "microsoftAuthenticatorPush"],
                        "lastAuthenticatedDateTime": "2026-03-02T08:59:00Z",
                        "lastMfaDateTime": "2026-03-02T08:59:00Z"}
        })
        .to_string(),
    )
    .unwrap()
}

/// Decides with both engines in both explain modes, requires byte-identical output, and returns
/// the explained decision.
fn decide(t: &Tenant, r: &SignInRequest, assume_worst: bool) -> SignInDecision {
    let snapshot = Snapshot::compile(t.clone());
    let reference = ReferenceEvaluator::new(t);
    let mut explained = None;
    for explain in [Explain::Policies, Explain::None] {
        let options = EvaluationOptions::default()
            .explain(explain)
            .assume_worst(assume_worst);
        let a = snapshot.evaluate(r, options);
        let b = reference.evaluate(r, options);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap(),
            "the engines disagree (explain {explain:?}, assume worst {assume_worst})"
        );
        explained.get_or_insert(a);
    }
    explained.unwrap()
}

fn missing_data(d: &SignInDecision) -> Option<&Diagnostic> {
    d.warnings.iter().find(|w| w.code == "missingData")
}

#[test]
fn a_missing_client_app_type_cannot_skip_the_legacy_block_silently() {
    let t = example();
    let r =
        chloe(json!({"devicePlatform": "windows", "ipAddress": "198.51.100.7", "country": "NL"}));
    let d = decide(&t, &r, false);
    assert_eq!(d.decision, Decision::Allow);
    let w = missing_data(&d).expect("missingData");
    assert_eq!(w.fields, ["clientAppType"]);
    // NL002 blocks legacy clients; NL009 wants a managed device from mobile and desktop apps.
    // NL001 would apply with a browser, but MFA is done: it would require nothing, so it is not
    // listed.
    assert_eq!(w.policy_ids, [NL002, NL009]);
    let nl002 = d
        .policies
        .as_ref()
        .unwrap()
        .iter()
        .find(|p| p.id == NL002)
        .unwrap();
    assert!(!nl002.policy_applies);
    let worst = decide(&t, &r, true);
    assert_eq!(worst.decision, Decision::Deny);
    let denying: Vec<&str> = worst.deny_reasons.iter().map(|x| x.policy_id()).collect();
    assert_eq!(denying, [NL002, NL009]);
    assert_eq!(missing_data(&worst).unwrap().policy_ids, [NL002, NL009]);
}

#[test]
fn a_missing_country_and_address_cannot_skip_a_country_block_silently() {
    let t = example();
    let r = chloe(json!({"devicePlatform": "windows", "clientAppType": "browser"}));
    let d = decide(&t, &r, false);
    let w = missing_data(&d).expect("missingData");
    assert!(w.policy_ids.iter().any(|p| p == NL003), "{w:?}");
    assert!(w.fields.contains(&"country"), "{w:?}");
    let worst = decide(&t, &r, true);
    assert_eq!(worst.decision, Decision::Deny);
    assert!(worst.deny_reasons.iter().any(|x| x.policy_id() == NL003));
}

#[test]
fn complete_data_carries_no_missing_data() {
    let t = example();
    let r = chloe(
        json!({"devicePlatform": "windows", "clientAppType": "browser",
                         "ipAddress": "198.51.100.7", "country": "NL"}),
    );
    let d = decide(&t, &r, false);
    assert_eq!(d.decision, Decision::Allow, "{d:?}");
    assert!(missing_data(&d).is_none(), "{:?}", d.warnings);
    assert_eq!(decide(&t, &r, true).decision, Decision::Allow);
}

const LISTED: &str = "5e0f0000-0000-4000-8000-000000000001";
const OTHER: &str = "5e0f0000-0000-4000-8000-000000000002";
const GROUP: &str = "6a0f0000-0000-4000-8000-000000000001";
const TERMS: &str = "7b0f0000-0000-4000-8000-000000000001";

/// A policies-and-groups export (no users): P1 steps up `c3` for users listed by id with terms of
/// use, P2 blocks a group, P3 requires MFA for a role.
fn partial_export() -> Tenant {
    let bundle = json!({
        "conditionalAccessPolicies": [
            {"id": "11111111-1111-1111-1111-111111111111", "displayName": "P1 c3 terms for listed users",
             "state": "enabled",
             "conditions": {"users": {"includeUsers": [LISTED]},
                            "applications": {"includeAuthenticationContextClassReferences": ["c3"]}},
             "grantControls": {"operator": "OR", "builtInControls": [], "termsOfUse": [TERMS]}},
            {"id": "22222222-2222-2222-2222-222222222222", "displayName": "P2 block a group",
             "state": "enabled",
             "conditions": {"users": {"includeGroups": [GROUP]},
                            "applications": {"includeApplications": ["All"]}},
             "grantControls": {"operator": "OR", "builtInControls": ["block"]}},
            {"id": "33333333-3333-3333-3333-333333333333", "displayName": "P3 MFA for a role",
             "state": "enabled",
             "conditions": {"users": {"includeRoles": ["62e90394-69f5-4237-9190-012177145e10"]},
                            "applications": {"includeApplications": ["All"]}},
             "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}
        ],
        "authenticationContextClassReferences": [{"id": "c3", "displayName": "c3", "isAvailable": true}],
        "directory": {"groups": [{"id": GROUP, "members": []}]}
    });
    load_bundle_bytes("partial.json", bundle.to_string().as_bytes()).unwrap()
}

fn user_request(user: &str, context: Value) -> SignInRequest {
    SignInRequest::from_json(
        &json!({
            "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": user},
            "signInContext": context,
            "signInConditions": {"devicePlatform": "windows", "clientAppType": "browser",
                                 "ipAddress": "198.51.100.7", "country": "NL"},
            "session": {"time": "2026-03-02T09:00:00Z", "authenticationMethods": ["password"]}
        })
        .to_string(),
    )
    .unwrap()
}

#[test]
fn a_user_listed_by_id_but_not_exported_is_still_that_user() {
    let t = partial_export();
    let r = user_request(
        LISTED,
        json!({"@odata.type": "#microsoft.graph.authContext", "authenticationContextValue": "c3"}),
    );
    let d = decide(&t, &r, false);
    assert_eq!(d.decision, Decision::StepUp, "{d:?}");
    assert_eq!(d.requirements.len(), 1);
    assert_eq!(
        d.requirements[0].any_of,
        [RequirementItem::TermsOfUse {
            agreement_id: TERMS.to_owned()
        }]
    );
    assert_eq!(
        d.requirements[0].policy_ids,
        ["11111111-1111-1111-1111-111111111111"]
    );
    assert!(d.claims_challenge.is_some());
    assert_eq!(d.warnings[0].code, "unknownUser");
    // Another user outside the directory is not matched by that id.
    let other = user_request(
        OTHER,
        json!({"@odata.type": "#microsoft.graph.authContext", "authenticationContextValue": "c3"}),
    );
    assert_eq!(decide(&t, &other, false).decision, Decision::Allow);
}

#[test]
fn unknown_group_and_role_membership_is_missing_data() {
    let t = partial_export();
    let r = user_request(
        OTHER,
        json!({"@odata.type": "#microsoft.graph.applicationContext",
               "includeApplications": [SHAREPOINT]}),
    );
    let d = decide(&t, &r, false);
    assert_eq!(d.decision, Decision::Allow);
    let w = missing_data(&d).expect("missingData");
    assert_eq!(w.fields, ["groupMembership", "roleMembership"]);
    assert_eq!(
        w.policy_ids,
        [
            "22222222-2222-2222-2222-222222222222",
            "33333333-3333-3333-3333-333333333333"
        ]
    );
    let p2 = &d.policies.as_ref().unwrap()[1];
    assert_eq!(
        jitgate::unstable::reasons::to_graph(p2.analysis_reasons),
        "notEnoughInformation,users"
    );
    let worst = decide(&t, &r, true);
    assert_eq!(worst.decision, Decision::Deny);
    assert_eq!(
        worst.deny_reasons[0].policy_id(),
        "22222222-2222-2222-2222-222222222222"
    );
}

#[test]
fn an_included_group_the_export_lacks_is_missing_data_for_everyone() {
    // §1.6a: a referenced group that is not in the bundle matches nobody, and a decision it
    // could change says so, even for a user the directory holds.
    let bundle = json!({
        "conditionalAccessPolicies": [
            {"id": "22222222-2222-2222-2222-222222222222", "displayName": "P2 block a lost group",
             "state": "enabled",
             "conditions": {"users": {"includeGroups": ["6a0f0000-0000-4000-8000-0000000000ff"]},
                            "applications": {"includeApplications": ["All"]}},
             "grantControls": {"operator": "OR", "builtInControls": ["block"]}}
        ],
        "directory": {"users": [{"id": LISTED}], "groups": [{"id": GROUP, "members": [LISTED]}]}
    });
    let t = load_bundle_bytes("lost-group.json", bundle.to_string().as_bytes()).unwrap();
    let r = user_request(
        LISTED,
        json!({"@odata.type": "#microsoft.graph.applicationContext",
               "includeApplications": [SHAREPOINT]}),
    );
    let d = decide(&t, &r, false);
    assert_eq!(d.decision, Decision::Allow);
    let w = missing_data(&d).expect("missingData");
    assert_eq!(w.fields, ["groupMembership"]);
    assert_eq!(w.policy_ids, ["22222222-2222-2222-2222-222222222222"]);
    assert!(d.warnings.iter().all(|w| w.code != "unknownUser"));
    assert_eq!(decide(&t, &r, true).decision, Decision::Deny);
}
