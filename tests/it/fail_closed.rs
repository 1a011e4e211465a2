//! Fail-closed properties over random small tenants and sign-ins (docs/SEMANTICS.md §2.4, §3.2, §6).
//!
//! proptest builds tenants as JSON bundles (loaded with `load_bundle_bytes`) and requests as What
//! If bodies (parsed with `parse_sign_in`), and every decision is made by both the reference
//! evaluator and the compiled snapshot, which must agree. The properties:
//!
//! - (a) adding an enabled block policy never turns `deny` into anything else, and never turns
//!   anything into `allow`: the decision is either unchanged or `deny`;
//! - (b) removing any one entry from a policy's exclusions never narrows who it applies to;
//! - (c) adding, removing or changing a report-only or disabled policy never changes the
//!   decision, the requirements, the deny reasons or the session controls;
//! - (d) an unknown request attribute (platform, IP, country, client app) never matches a specific
//!   exclusion, and never a specific inclusion.
//!
//! Each property runs 256 cases by default; set `JITGATE_PROPTEST_CASES` for more.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jitgate::Explain;
use jitgate::unstable::Diagnostics;
use jitgate::{Decision, SignInDecision};
use jitgate::{ReferenceEvaluator, SignInRequest, Snapshot, Tenant, load_bundle_bytes};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------
// The pools every tenant and request draws from.

const USERS: [&str; 4] = [
    "aaaaaaaa-0000-0000-0000-000000000001",
    "aaaaaaaa-0000-0000-0000-000000000002",
    "aaaaaaaa-0000-0000-0000-000000000003",
    "aaaaaaaa-0000-0000-0000-000000000004",
];
/// Not in `directory.users`.
const UNKNOWN_USER: &str = "aaaaaaaa-0000-0000-0000-0000000000ff";
const GROUPS: [&str; 3] = [
    "bbbbbbbb-0000-0000-0000-000000000001",
    "bbbbbbbb-0000-0000-0000-000000000002",
    "bbbbbbbb-0000-0000-0000-000000000003",
];
const ROLES: [&str; 2] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
];
const APPS: [&str; 2] = [
    "00000003-0000-0ff1-ce00-000000000000",
    "00000002-0000-0ff1-ce00-000000000000",
];
const UNKNOWN_APP: &str = "cccccccc-0000-0000-0000-0000000000ff";
/// IP named locations.
const IP_LOCS: [&str; 2] = [
    "dddddddd-0000-0000-0000-000000000001",
    "dddddddd-0000-0000-0000-000000000002",
];
/// Country named location (client IP lookup).
const COUNTRY_LOC: &str = "dddddddd-0000-0000-0000-000000000003";
/// Country named location (Authenticator GPS lookup).
const GPS_LOC: &str = "dddddddd-0000-0000-0000-000000000004";
/// The MFA trusted IPs pseudo-location.
const MFA_IPS: &str = "00000000-0000-0000-0000-000000000000";
const TERMS: &str = "eeeeeeee-0000-0000-0000-000000000001";
const PHISHING_RESISTANT: &str = "00000000-0000-0000-0000-000000000004";

const PLATFORMS: [&str; 6] = [
    "android",
    "iOS",
    "windows",
    "windowsPhone",
    "macOS",
    "linux",
];
const CLIENT_APPS: [&str; 4] = [
    "browser",
    "mobileAppsAndDesktopClients",
    "exchangeActiveSync",
    "other",
];
const RISKS: [&str; 5] = ["low", "medium", "high", "hidden", "none"];

fn config() -> Config {
    let cases = std::env::var("JITGATE_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn policy_id(n: usize) -> String {
    format!("ffffffff-0000-0000-0000-{n:012}")
}

fn strs(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| json!(s)).collect())
}

// ---------------------------------------------------------------------------------------------
// Tenants

fn directory() -> impl Strategy<Value = Value> {
    let members = || subsequence([&USERS[..], &GROUPS[..]].concat(), 0..=3);
    (
        vec(members(), 3),
        option::weighted(0.5, select(USERS.to_vec())),
        any::<bool>(),
    )
        .prop_map(|(members, role_holder, trusted)| {
            let groups: Vec<Value> = GROUPS
                .iter()
                .zip(members)
                .map(|(id, m)| json!({"id": id, "members": m}))
                .collect();
            let role_assignments: Vec<Value> = role_holder
                .map(|u| json!({"principalId": u, "roleDefinitionId": ROLES[0], "directoryScopeId": "/"}))
                .into_iter()
                .collect();
            json!({
                "directory": {
                    "users": USERS.iter().map(|u| json!({"id": u})).collect::<Vec<_>>(),
                    "groups": groups,
                    "roleAssignments": role_assignments
                },
                "namedLocations": [
                    {"@odata.type": "#microsoft.graph.ipNamedLocation", "id": IP_LOCS[0], "displayName": "corp",
                     "isTrusted": trusted, "ipRanges": [{"cidrAddress": "10.0.0.0/8"}]},
                    {"@odata.type": "#microsoft.graph.ipNamedLocation", "id": IP_LOCS[1], "displayName": "lab",
                     "ipRanges": [{"cidrAddress": "192.168.0.0/16"}, {"cidrAddress": "2001:db8::/32"}]},
                    {"@odata.type": "#microsoft.graph.countryNamedLocation", "id": COUNTRY_LOC, "displayName": "benelux",
                     "countriesAndRegions": ["NL", "BE"], "includeUnknownCountriesAndRegions": !trusted},
                    {"@odata.type": "#microsoft.graph.countryNamedLocation", "id": GPS_LOC, "displayName": "gps",
                     "countriesAndRegions": ["NL"], "countryLookupMethod": "authenticatorAppGps"}
                ],
                "mfaTrustedIps": ["172.16.0.0/12"]
            })
        })
}

fn users_condition() -> impl Strategy<Value = Value> {
    // Exclusions are often empty and short, so that policies apply often enough to matter.
    let few = |pool: Vec<&'static str>| {
        option::weighted(0.5, subsequence(pool, 1..=2)).prop_map(Option::unwrap_or_default)
    };
    (
        prop_oneof![
            8 => Just(vec!["All"]),
            2 => subsequence(USERS.to_vec(), 1..=3),
            1 => Just(vec!["GuestsOrExternalUsers"]),
            1 => Just(Vec::new()),
        ],
        few(GROUPS.to_vec()),
        few(ROLES.to_vec()),
        few([&USERS[..], &[UNKNOWN_USER]].concat()),
        few(GROUPS.to_vec()),
        few(ROLES.to_vec()),
    )
        .prop_map(|(inc_u, inc_g, inc_r, exc_u, exc_g, exc_r)| {
            let mut inc_u = inc_u;
            if inc_u.is_empty() && inc_g.is_empty() && inc_r.is_empty() {
                inc_u = vec!["All"];
            }
            json!({
                "includeUsers": strs(&inc_u), "includeGroups": strs(&inc_g), "includeRoles": strs(&inc_r),
                "excludeUsers": strs(&exc_u), "excludeGroups": strs(&exc_g), "excludeRoles": strs(&exc_r)
            })
        })
}

fn applications_condition() -> impl Strategy<Value = Value> {
    (
        prop_oneof![4 => Just(vec!["All"]), 1 => subsequence(APPS.to_vec(), 1..=2)],
        option::weighted(0.3, subsequence(APPS.to_vec(), 1..=1)).prop_map(Option::unwrap_or_default),
    )
        .prop_map(|(inc, exc)| json!({"includeApplications": strs(&inc), "excludeApplications": strs(&exc)}))
}

fn platforms_condition() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            3 => Just(vec!["all"]),
            2 => subsequence(PLATFORMS.to_vec(), 1..=4),
            1 => Just(Vec::new()),
        ],
        subsequence(PLATFORMS.to_vec(), 0..=2),
    )
        .prop_map(|(inc, exc)| {
            let exc = if inc.is_empty() && exc.is_empty() {
                vec!["iOS"]
            } else {
                exc
            };
            json!({"includePlatforms": strs(&inc), "excludePlatforms": strs(&exc)})
        })
}

fn locations_condition() -> impl Strategy<Value = Value> {
    let specific = || {
        subsequence(
            vec![
                IP_LOCS[0],
                IP_LOCS[1],
                COUNTRY_LOC,
                GPS_LOC,
                MFA_IPS,
                "AllTrusted",
            ],
            0..=3,
        )
    };
    (
        prop_oneof![2 => Just(vec!["All"]), 2 => specific(), 1 => Just(Vec::new())],
        specific(),
    )
        .prop_map(|(inc, exc)| {
            let exc = if inc.is_empty() && exc.is_empty() {
                vec!["AllTrusted"]
            } else {
                exc
            };
            json!({"includeLocations": strs(&inc), "excludeLocations": strs(&exc)})
        })
}

fn device_filter() -> impl Strategy<Value = Value> {
    (
        select(vec!["include", "exclude"]),
        select(vec![
            r#"device.extensionAttribute1 -eq "SAW""#,
            r#"device.isCompliant -eq True"#,
            r#"device.trustType -ne "ServerAD""#,
            r#"device.operatingSystem -startsWith "Win" -or device.model -contains "Pro""#,
            r#"-not (device.extensionAttribute1 -in ["SAW","PAW"])"#,
        ]),
    )
        .prop_map(|(mode, rule)| json!({"deviceFilter": {"mode": mode, "rule": rule}}))
}

fn grant() -> impl Strategy<Value = Option<Value>> {
    option::weighted(
        0.85,
        prop_oneof![
            Just(json!({"operator": "OR", "builtInControls": ["block"]})),
            Just(json!({"operator": "OR", "builtInControls": ["mfa"]})),
            Just(
                json!({"operator": "OR", "builtInControls": ["compliantDevice", "domainJoinedDevice"]})
            ),
            Just(json!({"operator": "OR", "builtInControls": ["mfa", "compliantDevice"]})),
            Just(json!({"operator": "AND", "builtInControls": ["mfa", "compliantDevice"]})),
            Just(json!({"operator": "AND", "builtInControls": ["mfa", "passwordChange"]})),
            Just(
                json!({"operator": "OR", "builtInControls": [], "authenticationStrength": {"id": PHISHING_RESISTANT}})
            ),
            Just(json!({"operator": "OR", "builtInControls": [], "termsOfUse": [TERMS]})),
            Just(
                json!({"operator": "OR", "builtInControls": ["approvedApplication", "compliantApplication"]})
            ),
        ],
    )
}

fn session_controls() -> impl Strategy<Value = Option<Value>> {
    option::weighted(
        0.25,
        prop_oneof![
            Just(json!({"signInFrequency": {"isEnabled": true, "frequencyInterval": "everyTime"}})),
            Just(
                json!({"signInFrequency": {"isEnabled": true, "frequencyInterval": "timeBased", "value": 1, "type": "hours"}})
            ),
            Just(json!({"persistentBrowser": {"isEnabled": true, "mode": "never"}})),
            Just(
                json!({"cloudAppSecurity": {"isEnabled": true, "cloudAppSecurityType": "blockDownloads"}})
            ),
        ],
    )
}

/// A policy; `state` None draws one (mostly enabled).
fn policy(state: Option<&'static str>) -> impl Strategy<Value = Value> {
    let state = match state {
        Some(s) => Just(s).boxed(),
        None => prop_oneof![
            5 => Just("enabled"),
            2 => Just("enabledForReportingButNotEnforced"),
            1 => Just("disabled"),
        ]
        .boxed(),
    };
    (
        (
            state,
            users_condition(),
            applications_condition(),
            option::weighted(0.35, platforms_condition()),
            option::weighted(0.35, locations_condition()),
        ),
        (
            option::weighted(0.2, subsequence(CLIENT_APPS.to_vec(), 1..=3)),
            option::weighted(0.1, subsequence(RISKS.to_vec(), 1..=3)),
            option::weighted(0.25, device_filter()),
            grant(),
            session_controls(),
        ),
    )
        .prop_map(
            |(
                (state, users, apps, platforms, locations),
                (client_apps, risk, devices, grant, session),
            )| {
                let mut conditions = Map::new();
                conditions.insert("users".into(), users);
                conditions.insert("applications".into(), apps);
                if let Some(p) = platforms {
                    conditions.insert("platforms".into(), p);
                }
                if let Some(l) = locations {
                    conditions.insert("locations".into(), l);
                }
                if let Some(c) = client_apps {
                    conditions.insert("clientAppTypes".into(), strs(&c));
                }
                if let Some(r) = risk {
                    conditions.insert("signInRiskLevels".into(), strs(&r));
                }
                if let Some(d) = devices {
                    conditions.insert("devices".into(), d);
                }
                json!({
                    "id": "", "displayName": "generated", "state": state,
                    "conditions": conditions,
                    "grantControls": grant, "sessionControls": session
                })
            },
        )
}

/// A bundle: the directory, locations and 0..=5 policies with unique ids.
fn tenant() -> impl Strategy<Value = Value> {
    (directory(), vec(policy(None), 0..=5)).prop_map(|(mut bundle, policies)| {
        bundle["conditionalAccessPolicies"] = Value::Array(number(policies, 0));
        bundle
    })
}

/// Gives each policy an id, counting from `first`.
fn number(policies: Vec<Value>, first: usize) -> Vec<Value> {
    policies
        .into_iter()
        .enumerate()
        .map(|(i, mut p)| {
            p["id"] = json!(policy_id(first + i));
            p["displayName"] = json!(format!("P{}", first + i));
            p
        })
        .collect()
}

fn load(bundle: &Value) -> Tenant {
    load_bundle_bytes("t.json", bundle.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("a generated tenant must load: {e:#?}\n{bundle:#}"))
}

fn policies(bundle: &mut Value) -> &mut Vec<Value> {
    bundle["conditionalAccessPolicies"].as_array_mut().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Requests

fn request() -> impl Strategy<Value = Value> {
    (
        (
            select([&USERS[..], &[UNKNOWN_USER]].concat()),
            select(vec![APPS[0], APPS[0], APPS[1], UNKNOWN_APP]),
            option::weighted(0.8, select([&PLATFORMS[..], &["all", "unknownFutureValue"]].concat())),
            option::weighted(0.8, select([&CLIENT_APPS[..], &["all", "unknownFutureValue"]].concat())),
            option::weighted(
                0.8,
                select(vec![
                    "10.1.2.3",
                    "192.168.7.7",
                    "2001:db8::7",
                    "172.16.5.5",
                    "::ffff:10.1.2.3",
                    "8.8.8.8",
                    "2a00::1",
                ]),
            ),
            option::weighted(0.8, select(vec!["NL", "BE", "US", "unknown"])),
            option::weighted(0.2, select(vec!["NL", "US"])),
        ),
        (
            option::weighted(
                0.6,
                (
                    option::of(any::<bool>()),
                    option::of(select(vec!["AzureAD", "ServerAD", "Workplace"])),
                    option::of(select(vec!["SAW", "PAW", "Standard"])),
                    option::of(select(vec!["Windows", "iOS"])),
                ),
            ),
            option::weighted(0.3, select(RISKS.to_vec())),
            select(vec![
                vec![],
                vec!["password"],
                vec!["password", "microsoftAuthenticatorPush"],
                vec!["fido2"],
            ]),
            option::weighted(0.8, select(vec!["2025-03-03T09:14:00Z", "2025-03-01T00:00:00Z"])),
            (any::<bool>(), any::<bool>(), any::<bool>()),
        ),
    )
        .prop_map(
            |(
                (user, app, platform, client, ip, country, gps),
                (device, risk, methods, last, (terms, password_changed, approved)),
            )| {
                let mut cond = Map::new();
                if let Some(p) = platform {
                    cond.insert("devicePlatform".into(), json!(p));
                }
                if let Some(c) = client {
                    cond.insert("clientAppType".into(), json!(c));
                }
                if let Some(ip) = ip {
                    cond.insert("ipAddress".into(), json!(ip));
                }
                if let Some(c) = country {
                    cond.insert("country".into(), json!(c));
                }
                if let Some(r) = risk {
                    cond.insert("signInRiskLevel".into(), json!(r));
                }
                if let Some((compliant, trust, ext1, os)) = device {
                    let mut d = Map::new();
                    if let Some(c) = compliant {
                        d.insert("isCompliant".into(), json!(c));
                    }
                    if let Some(t) = trust {
                        d.insert("trustType".into(), json!(t));
                    }
                    if let Some(e) = ext1 {
                        d.insert("extensionAttribute1".into(), json!(e));
                    }
                    if let Some(o) = os {
                        d.insert("operatingSystem".into(), json!(o));
                    }
                    cond.insert("deviceInfo".into(), Value::Object(d));
                }
                let mut session = json!({
                    "time": "2025-03-03T09:15:00Z",
                    "authenticationMethods": methods,
                    "passwordChanged": password_changed,
                    "approvedClientApp": approved,
                    "acceptedTermsOfUse": if terms { vec![TERMS] } else { vec![] }
                });
                if let Some(l) = last {
                    session["lastAuthenticatedDateTime"] = json!(l);
                }
                if let Some(g) = gps {
                    session["gpsCountry"] = json!(g);
                }
                json!({
                    "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": user},
                    "signInContext": {"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [app]},
                    "signInConditions": cond,
                    "session": session
                })
            },
        )
}

fn parse(req: &Value) -> SignInRequest {
    let json = jitgate::unstable::parse_str(&req.to_string()).unwrap();
    let mut d = Diagnostics::new("r");
    jitgate::unstable::parse_sign_in(&mut d, &json, None)
        .unwrap_or_else(|| panic!("a generated request must parse: {:#?}", d.items))
}

/// Decides with both evaluators (with per-policy results) and checks that they agree.
fn decide(t: &Tenant, req: &SignInRequest) -> Result<SignInDecision, TestCaseError> {
    let reference = ReferenceEvaluator::new(t).evaluate(req, Explain::Policies);
    let compiled = Snapshot::compile(t.clone()).evaluate(req, Explain::Policies);
    prop_assert_eq!(reference.decision, compiled.decision, "engines disagree");
    prop_assert_eq!(&reference.requirements, &compiled.requirements);
    prop_assert_eq!(&reference.deny_reasons, &compiled.deny_reasons);
    let applies = |d: &SignInDecision| -> Vec<bool> {
        d.policies
            .iter()
            .flatten()
            .map(|p| p.policy_applies)
            .collect()
    };
    prop_assert_eq!(applies(&reference), applies(&compiled));
    Ok(reference)
}

fn applies(d: &SignInDecision, i: usize) -> bool {
    d.policies.as_ref().unwrap()[i].policy_applies
}

// ---------------------------------------------------------------------------------------------
// Exclusions: where they sit in a policy, and which request data each one reads.

/// Which request attribute an exclusion entry depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    Identity,
    Application,
    Platform,
    /// The IP address (IP locations, the MFA trusted IPs, `AllTrusted`).
    Ip,
    /// The request country (client-IP country locations).
    Country,
    /// `session.gpsCountry`.
    Gps,
    Device,
}

/// Every exclusion entry of `policy`: (member path under `conditions`, index or None for a
/// whole object, what it reads).
fn exclusions(policy: &Value) -> Vec<(&'static str, &'static str, Option<usize>, Reads)> {
    let c = &policy["conditions"];
    let mut out = Vec::new();
    let lists = [
        ("users", "excludeUsers", Reads::Identity),
        ("users", "excludeGroups", Reads::Identity),
        ("users", "excludeRoles", Reads::Identity),
        ("applications", "excludeApplications", Reads::Application),
        ("platforms", "excludePlatforms", Reads::Platform),
        ("locations", "excludeLocations", Reads::Ip),
    ];
    for (parent, key, reads) in lists {
        for (i, entry) in c[parent][key].as_array().into_iter().flatten().enumerate() {
            let reads = if key == "excludeLocations" {
                match entry.as_str().unwrap() {
                    COUNTRY_LOC => Reads::Country,
                    GPS_LOC => Reads::Gps,
                    _ => Reads::Ip,
                }
            } else {
                reads
            };
            out.push((parent, key, Some(i), reads));
        }
    }
    if c["devices"]["deviceFilter"]["mode"] == json!("exclude") {
        out.push(("devices", "deviceFilter", None, Reads::Device));
    }
    out
}

fn remove_exclusion(
    policy: &mut Value,
    (parent, key, index, _): (&str, &str, Option<usize>, Reads),
) {
    let c = &mut policy["conditions"][parent];
    match index {
        Some(i) => {
            c[key].as_array_mut().unwrap().remove(i);
        }
        None => {
            c.as_object_mut().unwrap().remove(key);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (a) A block policy never loosens a decision.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn adding_an_enabled_block_policy_never_loosens(
        bundle in tenant(),
        blocker in policy(Some("enabled")),
        at in any::<Index>(),
        req in request(),
    ) {
        let req = parse(&req);
        let before = decide(&load(&bundle), &req)?;
        let mut with_block = bundle.clone();
        let mut blocker = number(vec![blocker], 99).remove(0);
        blocker["grantControls"] = json!({"operator": "OR", "builtInControls": ["block"]});
        let list = policies(&mut with_block);
        let position = at.index(list.len() + 1);
        list.insert(position, blocker);
        let after = decide(&load(&with_block), &req)?;
        if before.decision == Decision::Deny {
            prop_assert_eq!(after.decision, Decision::Deny, "a deny was loosened");
        }
        if after.decision == Decision::Allow {
            prop_assert_eq!(before.decision, Decision::Allow, "a block policy produced an allow");
        }
        if after.decision != Decision::Deny {
            // The block policy did not apply: nothing else may change.
            prop_assert!(!applies(&after, position));
            prop_assert_eq!(after.decision, before.decision);
            prop_assert_eq!(&after.requirements, &before.requirements);
        } else {
            for r in &before.deny_reasons {
                prop_assert!(after.deny_reasons.contains(r), "deny reason {:?} lost", r);
            }
        }
    }

    // (b) Removing an exclusion entry never narrows a policy: each entry of each policy in turn.
    #[test]
    fn removing_an_exclusion_never_narrows_a_policy(bundle in tenant(), req in request()) {
        let req = parse(&req);
        let before = decide(&load(&bundle), &req)?;
        let list = bundle["conditionalAccessPolicies"].as_array().unwrap();
        for (i, p) in list.iter().enumerate() {
            if !applies(&before, i) {
                continue;
            }
            for removed in exclusions(p) {
                let mut wider = bundle.clone();
                remove_exclusion(&mut policies(&mut wider)[i], removed);
                let after = decide(&load(&wider), &req)?;
                prop_assert!(applies(&after, i), "removing {:?} narrowed policy {}", removed, i);
            }
        }
    }

    // (c) Policies that are not enforced never change the outcome.
    #[test]
    fn report_only_and_disabled_policies_never_change_the_outcome(
        bundle in tenant(),
        extra in prop_oneof![
            policy(Some("enabledForReportingButNotEnforced")),
            policy(Some("disabled")),
        ],
        op in 0..4usize,
        at in any::<Index>(),
        req in request(),
    ) {
        let req = parse(&req);
        let mut changed = bundle.clone();
        let list = policies(&mut changed);
        let not_enforced: Vec<usize> = list
            .iter()
            .enumerate()
            .filter(|(_, p)| p["state"] != json!("enabled"))
            .map(|(i, _)| i)
            .collect();
        let extra = number(vec![extra], 50).remove(0);
        match (op, not_enforced.is_empty()) {
            // Add one.
            (0, _) | (_, true) => {
                let position = at.index(list.len() + 1);
                list.insert(position, extra);
            }
            // Remove one.
            (1, false) => {
                list.remove(not_enforced[at.index(not_enforced.len())]);
            }
            // Replace one's conditions and controls, keeping its id.
            (2, false) => {
                let i = not_enforced[at.index(not_enforced.len())];
                let id = list[i]["id"].clone();
                list[i] = extra;
                list[i]["id"] = id;
            }
            // Flip report-only and disabled.
            _ => {
                let i = not_enforced[at.index(not_enforced.len())];
                let flipped = if list[i]["state"] == json!("disabled") {
                    "enabledForReportingButNotEnforced"
                } else {
                    "disabled"
                };
                list[i]["state"] = json!(flipped);
            }
        }
        let before = decide(&load(&bundle), &req)?;
        let after = decide(&load(&changed), &req)?;
        prop_assert_eq!(after.decision, before.decision);
        prop_assert_eq!(&after.requirements, &before.requirements);
        prop_assert_eq!(&after.deny_reasons, &before.deny_reasons);
        prop_assert_eq!(&after.session_controls, &before.session_controls);
        prop_assert_eq!(after.conditional_access_status, before.conditional_access_status);
    }

    // (d) Unknown request data never matches a specific exclusion, nor a specific inclusion.
    #[test]
    fn unknown_request_data_never_earns_an_exemption(
        bundle in tenant(),
        req in request(),
        unknown in 0..6usize,
        platform_spelling in select(vec![None, Some("all"), Some("unknownFutureValue")]),
        client_spelling in select(vec![None, Some("all"), Some("unknownFutureValue")]),
    ) {
        let mut req = req;
        let cond = req["signInConditions"].as_object_mut().unwrap();
        // Which data is made unknown, and which exclusions could only match with it.
        let unknown_reads: &[Reads] = match unknown {
            0 => {
                match platform_spelling {
                    Some(p) => cond.insert("devicePlatform".into(), json!(p)),
                    None => cond.remove("devicePlatform"),
                };
                &[Reads::Platform]
            }
            1 => {
                cond.remove("ipAddress");
                &[Reads::Ip]
            }
            2 => {
                cond.remove("country");
                &[Reads::Country]
            }
            3 => {
                cond.remove("ipAddress");
                cond.remove("country");
                &[Reads::Ip, Reads::Country]
            }
            4 => {
                match client_spelling {
                    Some(c) => cond.insert("clientAppType".into(), json!(c)),
                    None => cond.remove("clientAppType"),
                };
                &[]
            }
            _ => {
                cond.remove("devicePlatform");
                cond.remove("ipAddress");
                cond.remove("country");
                cond.remove("clientAppType");
                &[Reads::Platform, Reads::Ip, Reads::Country]
            }
        };
        let req = parse(&req);
        let t = load(&bundle);
        let actual = decide(&t, &req)?;
        let list = bundle["conditionalAccessPolicies"].as_array().unwrap();
        for (i, p) in list.iter().enumerate() {
            if p["state"] == json!("disabled") {
                continue;
            }
            // Exclusion half: strip every exclusion the unknown data could have matched.
            let mut stripped = bundle.clone();
            let target = &mut policies(&mut stripped)[i];
            let mut found = exclusions(target);
            found.retain(|e| unknown_reads.contains(&e.3));
            for e in found.into_iter().rev() {
                remove_exclusion(target, e);
            }
            let without = decide(&load(&stripped), &req)?;
            if applies(&without, i) {
                prop_assert!(
                    applies(&actual, i),
                    "policy {} applies without its {:?} exclusions but not with them",
                    i,
                    unknown_reads
                );
            }
            // Inclusion half: a specific include of unknown data never matches.
            let c = &p["conditions"];
            let specific = |list: &Value, all: &str| {
                list.as_array().is_some_and(|l| {
                    !l.is_empty() && !l.iter().any(|x| x.as_str().unwrap().eq_ignore_ascii_case(all))
                })
            };
            let platform_specific = unknown_reads.contains(&Reads::Platform)
                && specific(&c["platforms"]["includePlatforms"], "all");
            let client_specific = matches!(unknown, 4 | 5) && specific(&c["clientAppTypes"], "all");
            let location_specific = unknown_reads.contains(&Reads::Ip)
                && unknown_reads.contains(&Reads::Country)
                && req.session().gps_country.is_none()
                && specific(&c["locations"]["includeLocations"], "All");
            if platform_specific || client_specific || location_specific {
                prop_assert!(
                    !applies(&actual, i),
                    "policy {} matched unknown data with a specific include",
                    i
                );
            }
        }
    }
}
