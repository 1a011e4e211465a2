//! Fail-closed properties over random small tenants and sign-ins (docs/SEMANTICS.md §2.4, §3.2, §6).
//!
//! Tenants and sign-ins come from the generator the differential suite uses
//! (`common::strategy`), requests are read with the public `SignInRequest::from_json`, and every
//! decision is made by both the reference evaluator and the compiled snapshot, which must agree.
//! The properties:
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
use jitgate::{Decision, SignInDecision};
use jitgate::{ReferenceEvaluator, SignInRequest, Snapshot, Tenant};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::Config;
use serde_json::{Value, json};

use crate::common::strategy;

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

// ---------------------------------------------------------------------------------------------
// Tenants and requests: the generator the differential suite uses (`common::strategy`).

/// A bundle with 0..=5 policies.
fn tenant() -> impl Strategy<Value = Value> {
    strategy::tenant(0..=5)
}

/// A sign-in.
fn request() -> impl Strategy<Value = Value> {
    strategy::request()
}

/// One policy in `state` (not soft-deleted, so the state is what decides whether it enforces).
fn policy_in(state: &'static str) -> impl Strategy<Value = Value> {
    strategy::policy().prop_map(move |mut p| {
        p["state"] = json!(state);
        p.as_object_mut().unwrap().remove("deletedDateTime");
        p
    })
}

/// Gives each policy an id, counting from `first`.
fn number(policies: Vec<Value>, first: usize) -> Vec<Value> {
    policies
        .into_iter()
        .enumerate()
        .map(|(i, mut p)| {
            p["id"] = json!(strategy::policy_id(first + i));
            p["displayName"] = json!(format!("P{}", first + i));
            p
        })
        .collect()
}

fn load(bundle: &Value) -> Tenant {
    crate::common::lenient_bytes("t.json", bundle.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("a generated tenant must load: {e:#?}\n{bundle:#}"))
}

fn policies(bundle: &mut Value) -> &mut Vec<Value> {
    bundle["conditionalAccessPolicies"].as_array_mut().unwrap()
}

/// Is the policy report-only or disabled (never enforced)?
fn not_enforced(p: &Value) -> bool {
    let state = p["state"].as_str().unwrap_or_default();
    state.eq_ignore_ascii_case("disabled")
        || state.eq_ignore_ascii_case("enabledForReportingButNotEnforced")
}

/// The items of a list or of a comma-separated flags string (§1.3.2).
fn items(v: &Value) -> Vec<String> {
    match v {
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Parses a generated request, asking for every policy's result (the properties index them).
fn parse(req: &Value) -> SignInRequest {
    let mut req = req.clone();
    req.as_object_mut().unwrap().remove("appliedPoliciesOnly");
    SignInRequest::from_json(&req.to_string())
        .unwrap_or_else(|e| panic!("a generated request must parse: {e:#?}"))
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
    /// Everything, or nothing the request states (`All` locations, compliant networks).
    Other,
}

/// Where an exclusion sits: the member under `conditions`, its key, and the item (by value, for
/// lists and flags strings) or `None` for a whole object.
type Exclusion = (&'static str, &'static str, Option<String>, Reads);

/// What an excluded named location reads, from its definition in the bundle.
fn location_reads(bundle: &Value, id: &str) -> Reads {
    if id.eq_ignore_ascii_case("All") {
        return Reads::Other;
    }
    let found = bundle["namedLocations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["id"] == json!(id));
    let Some(l) = found else {
        // AllTrusted, the MFA trusted IPs, or a dangling id (which matches nothing).
        return Reads::Ip;
    };
    let kind = l["@odata.type"].as_str().unwrap_or_default();
    if kind.contains("compliantNetwork") {
        Reads::Other
    } else if l.get("countriesAndRegions").is_some() {
        if l["countryLookupMethod"] == json!("authenticatorAppGps") {
            Reads::Gps
        } else {
            Reads::Country
        }
    } else {
        Reads::Ip
    }
}

/// Every exclusion entry of `policy` in `bundle`.
fn exclusions(bundle: &Value, policy: &Value) -> Vec<Exclusion> {
    let c = &policy["conditions"];
    let mut out = Vec::new();
    let lists = [
        ("users", "excludeUsers", Reads::Identity),
        ("users", "excludeGroups", Reads::Identity),
        ("users", "excludeRoles", Reads::Identity),
        (
            "clientApplications",
            "excludeServicePrincipals",
            Reads::Identity,
        ),
        ("applications", "excludeApplications", Reads::Application),
        ("platforms", "excludePlatforms", Reads::Platform),
        ("locations", "excludeLocations", Reads::Ip),
        ("devices", "excludeDeviceStates", Reads::Device),
        ("deviceStates", "excludeStates", Reads::Device),
    ];
    for (parent, key, reads) in lists {
        for entry in items(&c[parent][key]) {
            let reads = if key == "excludeLocations" {
                location_reads(bundle, &entry)
            } else {
                reads
            };
            out.push((parent, key, Some(entry), reads));
        }
    }
    if c["users"].get("excludeGuestsOrExternalUsers").is_some() {
        out.push((
            "users",
            "excludeGuestsOrExternalUsers",
            None,
            Reads::Identity,
        ));
    }
    let filters = [
        ("devices", "deviceFilter", Reads::Device),
        ("applications", "applicationFilter", Reads::Application),
        (
            "clientApplications",
            "servicePrincipalFilter",
            Reads::Identity,
        ),
    ];
    for (parent, key, reads) in filters {
        let mode = c[parent][key]["mode"].as_str().unwrap_or_default();
        if mode.eq_ignore_ascii_case("exclude") {
            out.push((parent, key, None, reads));
        }
    }
    out
}

fn remove_exclusion(policy: &mut Value, (parent, key, item, _): &Exclusion) {
    let c = &mut policy["conditions"][*parent];
    match item {
        Some(item) => {
            let kept: Vec<String> = items(&c[*key]).into_iter().filter(|x| x != item).collect();
            c[*key] = json!(kept);
        }
        None => {
            c.as_object_mut().unwrap().remove(*key);
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
        blocker in policy_in("enabled"),
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
            for removed in exclusions(&bundle, p) {
                let mut wider = bundle.clone();
                remove_exclusion(&mut policies(&mut wider)[i], &removed);
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
            policy_in("enabledForReportingButNotEnforced"),
            policy_in("disabled"),
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
            .filter(|(_, p)| not_enforced(p))
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
        if req.get("signInConditions").is_none() {
            req["signInConditions"] = json!({});
        }
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
            let mut found = exclusions(&bundle, target);
            found.retain(|e| unknown_reads.contains(&e.3));
            for e in &found {
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
                let l = items(list);
                !l.is_empty() && !l.iter().any(|x| x.eq_ignore_ascii_case(all))
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

// (e) A decision that leaves data out says so whenever some value of it would be stricter.
proptest! {
    #![proptest_config(config())]

    #[test]
    fn missing_data_is_never_a_silent_allow(
        bundle in tenant(),
        req in request(),
        field in select(vec!["devicePlatform", "clientAppType", "ipAddress", "country"]),
    ) {
        let mut req = req;
        if req.get("signInConditions").is_none() {
            req["signInConditions"] = json!({});
        }
        req["signInConditions"].as_object_mut().unwrap().remove(field);
        let t = load(&bundle);
        let without = decide(&t, &parse(&req))?;
        let flagged = without.warnings.iter().any(|w| w.code == "missingData");
        let values: Vec<&str> = match field {
            "devicePlatform" => vec!["android", "iOS", "windows", "windowsPhone", "macOS", "linux"],
            "clientAppType" => vec!["browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"],
            "ipAddress" => strategy::REQUEST_IPS.to_vec(),
            _ => strategy::REQUEST_COUNTRIES.to_vec(),
        };
        let rank = |d: Decision| match d {
            Decision::Allow => 0,
            Decision::StepUp => 1,
            _ => 2,
        };
        let mut strictest = rank(without.decision);
        for v in values {
            let mut with = req.clone();
            with["signInConditions"][field] = json!(v);
            let d = decide(&t, &parse(&with))?;
            strictest = strictest.max(rank(d.decision));
            if rank(d.decision) > rank(without.decision) {
                prop_assert!(
                    flagged,
                    "{} = {} gives {:?}, but without it the decision is {:?} with no missingData",
                    field, v, d.decision, without.decision
                );
            }
        }
        // Assume-worst is at least as strict as the strictest value tried.
        let snapshot = Snapshot::compile(t.clone());
        let worst = snapshot.evaluate(
            &parse(&req),
            jitgate::EvaluationOptions::default().assume_worst(true),
        );
        prop_assert!(rank(worst.decision) >= strictest, "assume-worst is {:?}", worst.decision);
    }
}
