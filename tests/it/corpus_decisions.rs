//! The public j0eyv baseline decides sign-ins: a few hand-checked requests, and a batch across
//! apps, platforms, clients, countries and sessions decided without error by both engines.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use jitgate::{Decision, Explain, ReferenceEvaluator, SignInRequest, Snapshot};

fn baseline() -> Option<jitgate::Tenant> {
    let corpus = std::env::var("JITGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
        });
    let dir = corpus.join("j0eyv-baseline");
    if !dir.is_dir() {
        eprintln!("corpus not found at {}; skipping", dir.display());
        return None;
    }
    Some(jitgate::load(&dir).unwrap())
}

fn request(
    app: &str,
    platform: &str,
    client: &str,
    country: &str,
    methods: &[&str],
) -> jitgate::SignInRequest {
    let text = serde_json::json!({
        "signInIdentity": { "@odata.type": "#microsoft.graph.userSignIn", "userId": "00000000-0000-4000-8000-000000000001" },
        "signInContext": { "@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [app] },
        "signInConditions": { "devicePlatform": platform, "clientAppType": client, "ipAddress": "203.0.113.5",
                              "country": country, "deviceInfo": { "isCompliant": true, "trustType": "AzureAD" } },
        "session": { "time": "2026-03-02T09:00:00Z", "authenticationMethods": methods,
                     "lastAuthenticatedDateTime": "2026-03-02T08:00:00Z" }
    })
    .to_string();
    SignInRequest::from_json(&text).unwrap()
}

const CA000: &str = "809741fe-fb1b-4746-9ff0-83a978a4c891";

#[test]
fn hand_checked_baseline_decisions() {
    let Some(tenant) = baseline() else { return };
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(&tenant);
    let spo = "00000003-0000-0ff1-ce00-000000000000";
    let exo = "00000002-0000-0ff1-ce00-000000000000";
    let push = ["password", "microsoftAuthenticatorPush"];
    let cases = [
        // CA002 blocks legacy clients (Exchange ActiveSync) for everyone.
        (
            request(exo, "windows", "exchangeActiveSync", "NL", &push),
            Decision::Deny,
            Some("CA002"),
        ),
        // CA001 allows only BE, LU and NL.
        (
            request(spo, "windows", "browser", "US", &push),
            Decision::Deny,
            Some("CA001"),
        ),
        // CA000 requires MFA for all users: password alone steps up with exactly [mfa].
        (
            request(spo, "windows", "browser", "NL", &["password"]),
            Decision::StepUp,
            None,
        ),
        (
            request(spo, "windows", "browser", "NL", &push),
            Decision::Allow,
            None,
        ),
    ];
    for (req, expected, blocker) in cases {
        let a = snapshot.evaluate(&req, Explain::Policies);
        let b = reference.evaluate(&req, Explain::Policies);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        assert_eq!(a.decision, expected);
        match blocker {
            Some(name) => {
                let v = serde_json::to_value(&a.deny_reasons).unwrap();
                assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
                assert_eq!(v[0]["type"], "blockedByPolicy");
                assert!(
                    v[0]["displayName"].as_str().unwrap().starts_with(name),
                    "{v}"
                );
                assert!(a.requirements.is_empty());
            }
            None if expected == Decision::StepUp => {
                let v = serde_json::to_value(&a.requirements).unwrap();
                assert_eq!(
                    v,
                    serde_json::json!([{ "anyOf": [{ "type": "mfa" }], "policyIds": [CA000] }])
                );
            }
            None => assert!(a.requirements.is_empty() && a.deny_reasons.is_empty()),
        }
        let ca000 = a
            .policies
            .as_ref()
            .unwrap()
            .iter()
            .find(|p| p.id == CA000)
            .unwrap();
        assert!(
            ca000.policy_applies,
            "CA000 (All users, All apps) applies to every user sign-in"
        );
    }
}

#[test]
fn baseline_decides_a_batch_with_both_engines() {
    let Some(tenant) = baseline() else { return };
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(&tenant);
    let apps = [
        "00000003-0000-0ff1-ce00-000000000000",
        "00000002-0000-0ff1-ce00-000000000000",
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        "d4ebce55-015a-49b5-a083-c84d1797ae8c",
        "00000003-0000-0000-c000-000000000000",
    ];
    let platforms = ["windows", "macOS", "iOS", "android", "linux", "all"];
    let clients = [
        "browser",
        "mobileAppsAndDesktopClients",
        "exchangeActiveSync",
        "other",
    ];
    let countries = ["NL", "BE", "US", "unknown"];
    let sessions: [&[&str]; 3] = [
        &["password"],
        &["password", "microsoftAuthenticatorPush"],
        &["fido2"],
    ];
    let mut seen = std::collections::HashSet::new();
    let mut n = 0;
    for app in apps {
        for platform in platforms {
            for client in clients {
                for country in countries {
                    for methods in sessions {
                        let req = request(app, platform, client, country, methods);
                        let a = snapshot.evaluate(&req, Explain::Policies);
                        let b = reference.evaluate(&req, Explain::Policies);
                        assert_eq!(
                            serde_json::to_string(&a).unwrap(),
                            serde_json::to_string(&b).unwrap()
                        );
                        assert_eq!(
                            snapshot
                                .compiled()
                                .decide(&snapshot.compiled().prepare(&req)),
                            a.decision
                        );
                        seen.insert(a.decision);
                        n += 1;
                    }
                }
            }
        }
    }
    assert_eq!(n, 1440);
    assert_eq!(seen.len(), 3, "the batch covers allow, stepUp and deny");
}
