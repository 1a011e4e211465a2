//! The worked example of SEMANTICS §5.5 and §7: five policies, the §5.5 request, and the §7
//! response, checked field by field.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::signin::*;
use serde_json::{Map, Value, json};

const CA001: &str = "7c1e0b52-1f3a-4c8d-9e6b-2a4d5f8c0e11";
const CA002: &str = "c1acdef5-cfc8-470b-a7db-1f71ba4be1fb";
const CA100: &str = "5d3f8a10-2c4b-4e6d-b7a9-0e1f2a3b4c5d";
const CA205: &str = "9b6e2f47-8a1c-4d3e-a5f0-6c7d8e9f0a1b";
const CA102: &str = "e2a9c4d1-6b7f-4e30-8d15-3f9a0c7b2e44";
const USER: &str = "4f0d2a57-8c1e-4b6a-9d3e-7a2b1c5e9f10";

fn tenant_json() -> Value {
    json!({
        "conditionalAccessPolicies": [
            {
                "id": CA001, "displayName": "CA001 Require MFA for all users", "state": "enabled",
                "conditions": {
                    "users": { "includeUsers": ["All"] },
                    "applications": { "includeApplications": ["All"] },
                    "clientAppTypes": ["all"]
                },
                "grantControls": { "operator": "OR", "builtInControls": ["mfa"] }
            },
            {
                "id": CA002, "displayName": "CA002 Block legacy authentication", "state": "enabled",
                "conditions": {
                    "users": { "includeUsers": ["All"] },
                    "applications": { "includeApplications": ["All"] },
                    "clientAppTypes": ["exchangeActiveSync", "other"]
                },
                "grantControls": { "operator": "OR", "builtInControls": ["block"] }
            },
            {
                "id": CA100, "displayName": "CA100 Admins phishing-resistant MFA", "state": "enabled",
                "conditions": {
                    "users": { "includeRoles": ["62e90394-69f5-4237-9190-012177145e10"] },
                    "applications": { "includeApplications": ["All"] }
                },
                "grantControls": {
                    "operator": "OR",
                    "authenticationStrength": { "id": "00000000-0000-0000-0000-000000000004" }
                }
            },
            {
                "id": CA205, "displayName": "CA205 Windows compliant or hybrid joined",
                "state": "enabledForReportingButNotEnforced",
                "conditions": {
                    "users": { "includeUsers": ["All"] },
                    "applications": { "includeApplications": ["All"] },
                    "platforms": { "includePlatforms": ["windows"] }
                },
                "grantControls": {
                    "operator": "OR",
                    "builtInControls": ["compliantDevice", "domainJoinedDevice"]
                }
            },
            {
                "id": CA102, "displayName": "CA102 Sign-in frequency 12 hours", "state": "enabled",
                "conditions": {
                    "users": { "includeUsers": ["All"] },
                    "applications": { "includeApplications": ["All"] }
                },
                "grantControls": null,
                "sessionControls": { "signInFrequency": {
                    "isEnabled": true, "value": 12, "type": "hours",
                    "authenticationType": "primaryAndSecondaryAuthentication",
                    "frequencyInterval": "timeBased"
                } }
            }
        ],
        "directory": { "users": [ { "id": USER, "userType": "Member" } ] }
    })
}

/// The request of §5.5, verbatim.
const REQUEST: &str = r##"{
  "signInIdentity": { "@odata.type": "#microsoft.graph.userSignIn",
                      "userId": "4f0d2a57-8c1e-4b6a-9d3e-7a2b1c5e9f10" },
  "signInContext": { "@odata.type": "#microsoft.graph.applicationContext",
                     "includeApplications": ["00000003-0000-0ff1-ce00-000000000000"] },
  "signInConditions": {
    "devicePlatform": "windows", "clientAppType": "browser",
    "ipAddress": "203.0.113.24", "country": "NL",
    "signInRiskLevel": "none", "userRiskLevel": "low", "insiderRiskLevel": "none",
    "authenticationFlow": { "transferMethod": "none" },
    "deviceInfo": { "deviceId": "a1d7c3e2-5b64-4f0e-8c2a-91e3d7b4f605", "operatingSystem": "Windows",
                    "isCompliant": false, "trustType": "Workplace" }
  },
  "appliedPoliciesOnly": false,
  "session": {
    "time": "2025-03-03T09:15:00Z",
    "authenticationMethods": ["password"],
    "lastAuthenticatedDateTime": "2025-03-03T09:14:40Z",
    "lastMfaDateTime": null,
    "acceptedTermsOfUse": [], "satisfiedAuthenticationContexts": [],
    "passwordChanged": false, "customFactors": []
  }
}"##;

/// The response of §7, verbatim.
const RESPONSE: &str = r#"{
  "decision": "stepUp",
  "evaluatedAt": "2025-03-03T09:15:00Z",
  "conditionalAccessStatus": "failure",
  "requirements": [
    { "anyOf": [ { "type": "mfa" } ],
      "policyIds": ["7c1e0b52-1f3a-4c8d-9e6b-2a4d5f8c0e11"] }
  ],
  "denyReasons": [],
  "sessionControls": {
    "signInFrequency": { "frequencyInterval": "timeBased", "value": 12, "type": "hours",
      "authenticationType": "primaryAndSecondaryAuthentication",
      "policyIds": ["e2a9c4d1-6b7f-4e30-8d15-3f9a0c7b2e44"] }
  },
  "policies": [
    { "id": "7c1e0b52-1f3a-4c8d-9e6b-2a4d5f8c0e11", "displayName": "CA001 Require MFA for all users",
      "state": "enabled", "policyApplies": true, "analysisReasons": "notSet",
      "result": "failure", "outcome": "stepUp",
      "enforcedGrantControls": ["mfa"], "enforcedSessionControls": [], "unsatisfiedControls": ["mfa"] },
    { "id": "c1acdef5-cfc8-470b-a7db-1f71ba4be1fb", "displayName": "CA002 Block legacy authentication",
      "state": "enabled", "policyApplies": false, "analysisReasons": "clientApps",
      "result": "notApplied", "outcome": "notApplied" },
    { "id": "5d3f8a10-2c4b-4e6d-b7a9-0e1f2a3b4c5d", "displayName": "CA100 Admins phishing-resistant MFA",
      "state": "enabled", "policyApplies": false, "analysisReasons": "users",
      "result": "notApplied", "outcome": "notApplied" },
    { "id": "9b6e2f47-8a1c-4d3e-a5f0-6c7d8e9f0a1b", "displayName": "CA205 Windows compliant or hybrid joined",
      "state": "enabledForReportingButNotEnforced", "policyApplies": true, "analysisReasons": "notSet",
      "result": "reportOnlyFailure", "outcome": "deny",
      "enforcedGrantControls": ["compliantDevice", "domainJoinedDevice"],
      "unsatisfiedControls": ["compliantDevice", "domainJoinedDevice"] },
    { "id": "e2a9c4d1-6b7f-4e30-8d15-3f9a0c7b2e44", "displayName": "CA102 Sign-in frequency 12 hours",
      "state": "enabled", "policyApplies": true, "analysisReasons": "notSet",
      "result": "success", "outcome": "satisfied",
      "enforcedGrantControls": [], "enforcedSessionControls": ["signInFrequency"] }
  ],
  "warnings": []
}"#;

#[test]
fn section_7_example_response() {
    let text = tenant_json().to_string();
    let t = crate::common::lenient_bytes("t.json", text.as_bytes()).unwrap();
    let request: Value = serde_json::from_str(REQUEST).unwrap();
    let out = eval(&t, &Req(request));
    let expected: Value = serde_json::from_str(RESPONSE).unwrap();
    let ctx = out.pretty();
    for key in [
        "decision",
        "evaluatedAt",
        "conditionalAccessStatus",
        "requirements",
        "denyReasons",
        "sessionControls",
        "warnings",
    ] {
        assert_eq!(out.json[key], expected[key], "{key}\n{ctx}");
    }
    // Each policy result, on the fields the example shows.
    let actual = out.json["policies"].as_array().unwrap();
    let wanted = expected["policies"].as_array().unwrap();
    assert_eq!(actual.len(), wanted.len(), "{ctx}");
    for (a, w) in actual.iter().zip(wanted) {
        let projected: Map<String, Value> = w
            .as_object()
            .unwrap()
            .keys()
            .map(|k| (k.clone(), a.get(k).cloned().unwrap_or(Value::Null)))
            .collect();
        assert_eq!(Value::Object(projected), *w, "{}\n{ctx}", w["id"]);
    }
    assert!(
        out.request_warnings.is_empty(),
        "{:#?}",
        out.request_warnings
    );
}
