//! Condition-space analysis (`gaps`, `diff`, `--classify`; docs/SEMANTICS.md §13).
//!
//! Soundness: every witness, decided by both engines, gets what its region claims. Completeness:
//! over generated tenants and random requests, a request is in a gap region exactly when a
//! password alone lets it through, and in a diff region exactly when its outcome differs between
//! the two tenants, both decided by the engines, not by the analysis.

use std::path::Path;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::{Value, json};

use jitgate::{
    Classification, Decision, DiffOptions, Dimension, Explain, GapOptions, GapReport, IdentityKind,
    Protection, ReferenceEvaluator, SignInRequest, Snapshot, Tenant,
};

use crate::common::signin::{Pol, T, tenant};

/// A user id no directory holds.
const OUTSIDE: &str = "99999999-0000-4000-8000-000000000001";
use crate::common::strategy;
use crate::common::{TempDir, corpus, jitgate, lenient_bytes};

fn at() -> jiff::Timestamp {
    T.parse().unwrap()
}

fn example() -> Tenant {
    jitgate::load(Path::new("examples/tenant")).unwrap()
}

fn request(body: &Value) -> SignInRequest {
    SignInRequest::from_json(&body.to_string())
        .unwrap_or_else(|e| panic!("witness does not parse: {e}\n{body:#}"))
}

/// Every gap witness is allowed by both engines and classified into its own region.
fn assert_gaps_sound(tenant: &Tenant, report: &GapReport) {
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(tenant);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!report.truncated);
    for (k, r) in report.regions.iter().enumerate() {
        let req = request(&r.witness);
        let compiled = snapshot.evaluate(&req, Explain::Policies);
        let reference = reference.evaluate(&req, Explain::Policies);
        assert_eq!(
            compiled.decision,
            Decision::Allow,
            "gap {k}: {:#}",
            r.witness
        );
        assert_eq!(
            reference.decision,
            Decision::Allow,
            "gap {k}: {:#}",
            r.witness
        );
        assert_eq!(r.decision, Decision::Allow);
        assert_eq!(
            report.classify(&snapshot, &req),
            Classification::Region(k),
            "gap {k}: {:#}",
            r.witness
        );
    }
}

#[test]
fn every_gap_witness_of_the_example_tenant_is_allowed_by_both_engines() {
    let tenant = example();
    let report = Snapshot::compile(tenant.clone()).gaps(&GapOptions::new(at()));
    assert!(!report.regions.is_empty());
    assert_gaps_sound(&tenant, &report);
}

#[test]
fn every_gap_witness_of_the_public_baseline_is_allowed_by_both_engines() {
    let Some(path) = corpus("j0eyv-baseline") else {
        return;
    };
    let tenant = crate::common::lenient_path(&path).unwrap();
    let report = Snapshot::compile(tenant.clone()).gaps(&GapOptions::new(at()));
    assert_gaps_sound(&tenant, &report);
}

#[test]
fn the_break_glass_account_is_a_region_of_its_own() {
    let tenant = example();
    let report = Snapshot::compile(tenant.clone()).gaps(&GapOptions::new(at()));
    let bg: Vec<_> = report
        .regions
        .iter()
        .filter(|r| {
            r.kind == IdentityKind::Users
                && r.dimensions.len() == 1
                && r.dimensions[0].dimension == Dimension::Identity
        })
        .collect();
    assert_eq!(bg.len(), 1, "{}", report.render_text());
    let d = &bg[0].dimensions[0];
    assert!(!d.except);
    assert_eq!(d.values, ["1 user(s): bg01@northwindlattice.example"]);
    assert_eq!(bg[0].users, 1);
    assert_eq!(bg[0].applied_policies, Vec::<String>::new());
}

#[test]
fn a_tenant_without_mfa_everywhere_is_one_region_per_kind() {
    // Only a session control policy: nothing protects anyone.
    let t = tenant(
        &[
            Pol::new(1).session(json!({"signInFrequency": {"isEnabled": true,
            "frequencyInterval": "timeBased", "type": "hours", "value": 4}})),
        ],
        json!({}),
    );
    let report = Snapshot::compile(t.clone()).gaps(&GapOptions::new(at()));
    let kinds: Vec<_> = report
        .regions
        .iter()
        .map(|r| (r.kind, r.dimensions.len()))
        .collect();
    assert_eq!(
        kinds,
        [
            (IdentityKind::Users, 0),
            (IdentityKind::ServicePrincipals, 0)
        ]
    );
    assert_gaps_sound(&t, &report);
}

#[test]
fn report_only_policies_close_gaps_only_when_counted() {
    let t = tenant(&[Pol::new(1).mfa().report_only()], json!({}));
    let snapshot = Snapshot::compile(t.clone());
    let open = snapshot.gaps(&GapOptions::new(at()));
    assert!(
        open.regions
            .iter()
            .any(|r| r.kind == IdentityKind::Users && r.dimensions.is_empty()),
        "{}",
        open.render_text()
    );
    let closed = snapshot.gaps(&GapOptions::new(at()).include_report_only(true));
    // All users, all applications: what is left are the targets the policy cannot reach
    // (user actions, authentication contexts) and service principals.
    for r in &closed.regions {
        if r.kind == IdentityKind::Users {
            assert_eq!(r.dimensions.len(), 1, "{}", closed.render_text());
            assert_eq!(r.dimensions[0].dimension, Dimension::Target);
            assert!(
                r.dimensions[0].values.iter().all(
                    |v| v.starts_with("user action") || v.starts_with("authentication context")
                ),
                "{:?}",
                r.dimensions[0].values
            );
        }
    }
    assert!(closed.regions.iter().any(|r| r.kind == IdentityKind::Users));
    // The witness is still allowed: report-only policies do not enforce.
    assert_gaps_sound(&t, &open);
}

#[test]
fn a_device_filter_exclusion_is_a_region_whose_witness_device_matches_it() {
    let t = tenant(
        &[Pol::new(1).mfa().cond(
            "devices",
            json!({"deviceFilter": {"mode": "exclude",
                "rule": "device.extensionAttribute1 -eq \"PAW\""}}),
        )],
        json!({}),
    );
    let snapshot = Snapshot::compile(t.clone());
    let report = snapshot.gaps(&GapOptions::new(at()));
    assert_gaps_sound(&t, &report);
    let device: Vec<_> = report
        .regions
        .iter()
        .filter(|r| r.kind == IdentityKind::Users)
        .collect();
    assert!(!device.is_empty());
    let r = device
        .iter()
        .find(|r| {
            r.dimensions
                .iter()
                .any(|d| d.dimension == Dimension::Device)
        })
        .unwrap_or_else(|| panic!("{}", report.render_text()));
    let dev = r
        .dimensions
        .iter()
        .find(|d| d.dimension == Dimension::Device)
        .unwrap();
    assert!(!dev.except);
    assert!(
        dev.values
            .iter()
            .all(|v| v.contains("extensionAttribute1=PAW")
                && !v.contains("PAW-x")
                && !v.contains("x-PAW"))
    );
    assert_eq!(
        r.witness["signInConditions"]["deviceInfo"]["extensionAttribute1"],
        "PAW"
    );
    // A device with another value is protected: in no region.
    let mut other = r.witness.clone();
    other["signInConditions"]["deviceInfo"]["extensionAttribute1"] = json!("Standard");
    assert_eq!(
        report.classify(&snapshot, &request(&other)),
        Classification::NoRegion
    );
}

/// A filter comparing one attribute with more literals than every join of them can be tried
/// for: the report says which attribute, is not complete, and never claims there is no gap.
#[test]
fn a_partial_device_search_is_reported() {
    let rule = "device.extensionAttribute1 -startsWith \"a\" -or device.extensionAttribute1 -contains \"b\" -or device.extensionAttribute1 -endsWith \"c\" -or device.extensionAttribute1 -eq \"d\" -or device.extensionAttribute1 -contains \"e\" -or device.extensionAttribute1 -contains \"f\"";
    let t = tenant(
        &[Pol::new(1).block().cond(
            "devices",
            json!({"deviceFilter": {"mode": "exclude", "rule": rule}}),
        )],
        json!({}),
    );
    let report = Snapshot::compile(t.clone()).gaps(&GapOptions::new(at()));
    assert_gaps_sound(&t, &report);
    assert_eq!(report.search_limits.len(), 1, "{:?}", report.search_limits);
    assert!(
        report.search_limits[0].contains("extensionAttribute1 with 6 values")
            && report.search_limits[0].contains("only pairs"),
        "{:?}",
        report.search_limits
    );
    assert!(!report.complete());
    let text = report.render_text();
    assert!(
        text.contains("WARNING: device filters compare extensionAttribute1"),
        "{text}"
    );
    assert!(!text.contains("No gaps: every sign-in"), "{text}");
}

#[test]
fn compliant_device_counts_as_protection_only_when_asked() {
    let t = tenant(
        &[Pol::new(1).grant("OR", &["mfa", "compliantDevice"])],
        json!({}),
    );
    let snapshot = Snapshot::compile(t.clone());
    // MFA or a compliant device: a compliant device lets a password through.
    let default = snapshot.gaps(&GapOptions::new(at()));
    assert_gaps_sound(&t, &default);
    let compliant = default
        .regions
        .iter()
        .find(|r| {
            r.dimensions
                .iter()
                .any(|d| d.dimension == Dimension::Device)
        })
        .unwrap_or_else(|| panic!("{}", default.render_text()));
    let device = compliant
        .dimensions
        .iter()
        .find(|d| d.dimension == Dimension::Device)
        .unwrap();
    assert!(!device.except && device.values.iter().all(|v| v.contains(", compliant")));
    assert_eq!(
        compliant.witness["signInConditions"]["deviceInfo"]["isCompliant"],
        true,
        "{}",
        default.render_text()
    );
    // Counted as protection, the compliant device closes the gap.
    let strict = snapshot.gaps(
        &GapOptions::new(at())
            .protection(Protection::parse("mfa,strength,block,compliantDevice").unwrap()),
    );
    assert!(
        strict.regions.iter().all(|r| r.kind != IdentityKind::Users
            || r.dimensions
                .iter()
                .any(|d| d.dimension == Dimension::Target)),
        "{}",
        strict.render_text()
    );
}

/// With strengths not counted, a strength-only policy protects nothing. With MFA not counted
/// either, the witness proves the strength and is allowed; with MFA counted it cannot (every
/// strength is multifactor), so its decision is the step-up for that strength, and says so.
#[test]
fn uncounted_strengths_are_met_by_the_witness_when_mfa_does_not_count() {
    use crate::common::signin::PHISHING_RESISTANT;
    let t = tenant(&[Pol::new(1).strength(PHISHING_RESISTANT)], json!({}));
    let snapshot = Snapshot::compile(t.clone());
    let block_only =
        snapshot.gaps(&GapOptions::new(at()).protection(Protection::parse("block").unwrap()));
    assert_gaps_sound(&t, &block_only);
    assert_eq!(
        block_only
            .regions
            .iter()
            .filter(|r| r.kind == IdentityKind::Users)
            .count(),
        1,
        "{}",
        block_only.render_text()
    );
    let mfa_counts =
        snapshot.gaps(&GapOptions::new(at()).protection(Protection::parse("mfa,block").unwrap()));
    let users: Vec<_> = mfa_counts
        .regions
        .iter()
        .filter(|r| r.kind == IdentityKind::Users)
        .collect();
    assert_eq!(users.len(), 1, "{}", mfa_counts.render_text());
    assert_eq!(users[0].decision, Decision::StepUp);
    let d = snapshot.evaluate(&request(&users[0].witness), Explain::None);
    assert_eq!(d.decision, Decision::StepUp);
    assert!(!d.requirements.is_empty());
    assert!(
        d.requirements
            .iter()
            .all(|r| r.any_of.iter().all(
                |i| serde_json::to_value(i).unwrap()["type"] == json!("authenticationStrength")
            )),
        "{:?}",
        d.requirements
    );
}

#[test]
fn protection_lists_are_checked() {
    assert!(Protection::parse("mfa,strength").is_ok());
    let e = Protection::parse("mfa,retina").unwrap_err();
    assert!(
        e.contains("\"retina\"") && e.contains("compliantDevice"),
        "{e}"
    );
    assert!(Protection::parse(" , ").is_err());
}

// ----- diff ---------------------------------------------------------------------------------

/// A copy of the example tenant with `edit` applied to its policy list.
fn edited_example(dir: &TempDir, edit: impl Fn(&mut Vec<Value>)) -> Tenant {
    let src = Path::new("examples/tenant");
    copy_dir(src, dir.path());
    let file = dir.path().join("conditionalAccessPolicies.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    edit(doc["value"].as_array_mut().unwrap());
    std::fs::write(&file, doc.to_string()).unwrap();
    jitgate::load(dir.path()).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_reordered_and_renamed_copy_changes_nothing() {
    let dir = TempDir::new("diff-reorder");
    let copy = edited_example(&dir, |policies| {
        policies.reverse();
        for (i, p) in policies.iter_mut().enumerate() {
            p["id"] = json!(format!("aaaaaaaa-0000-4000-8000-{i:012}"));
            p["displayName"] = json!(format!("renamed {i}"));
        }
    });
    let report = jitgate::diff(
        &Snapshot::compile(example()),
        &Snapshot::compile(copy),
        &DiffOptions::new(at()),
    );
    assert!(report.regions.is_empty(), "{}", report.render_text());
    assert_eq!(report.nodes_visited, 0);
}

#[test]
fn enabling_a_policy_changes_exactly_the_sign_ins_it_reaches() {
    let dir = TempDir::new("diff-enable");
    let after = edited_example(&dir, |policies| {
        for p in policies.iter_mut() {
            if p["displayName"].as_str().unwrap().starts_with("NL017") {
                p["state"] = json!("enabled");
            }
        }
    });
    let before = example();
    let (a, b) = (
        Snapshot::compile(before.clone()),
        Snapshot::compile(after.clone()),
    );
    let report = jitgate::diff(&a, &b, &DiffOptions::new(at()));
    assert!(!report.regions.is_empty());
    assert!(!report.truncated);
    let (ra, rb) = (
        ReferenceEvaluator::new(&before),
        ReferenceEvaluator::new(&after),
    );
    for (k, r) in report.regions.iter().enumerate() {
        let req = request(&r.witness);
        // NL017 blocks Linux: every change is a Linux sign-in now denied by it.
        assert_eq!(
            req.conditions().platform.as_ref().map(|p| p.as_str()),
            Some("linux")
        );
        assert_eq!(r.after.decision, Decision::Deny);
        assert_eq!(
            r.after.responsible,
            ["NL017 Disabled pilot block Linux devices"]
        );
        assert!(r.before.responsible.is_empty());
        for (snap, reference, side) in [(&a, &ra, &r.before), (&b, &rb, &r.after)] {
            assert_eq!(snap.evaluate(&req, Explain::None).decision, side.decision);
            assert_eq!(
                reference.evaluate(&req, Explain::None).decision,
                side.decision
            );
        }
        assert_eq!(report.classify(&a, &b, &req), Classification::Region(k));
    }
    // Any budget below what the walk needs is reported, the text never claims no change, and
    // what a cut run found is still right: each region lies in a full-run region with the
    // same outcomes.
    for budget in [1, report.nodes_visited / 2, report.nodes_visited - 1] {
        let cut = jitgate::diff(&a, &b, &DiffOptions::new(at()).max_nodes(budget));
        assert!(cut.truncated, "budget {budget}");
        assert!(!cut.complete());
        assert!(!cut.render_text().contains("No change: every sign-in"));
        for r in &cut.regions {
            let Classification::Region(k) = report.classify(&a, &b, &request(&r.witness)) else {
                panic!("budget {budget}: a region outside the full run's");
            };
            let full = &report.regions[k];
            assert_eq!(
                (full.before.decision, full.after.decision),
                (r.before.decision, r.after.decision)
            );
        }
        if budget == report.nodes_visited - 1 {
            // Cut at its last node, the walk has found the changes before it.
            assert!(!cut.regions.is_empty(), "{}", cut.render_text());
        }
    }
}

/// Users are grouped by their class in both tenants at once: here u5 shares a class with u3 in
/// the first tenant and with u1 in the second, a combination no single tenant's grouping holds.
#[test]
fn a_group_membership_change_is_found_for_every_member_it_moves() {
    use crate::common::signin::{Req, gid, uid};
    let policy = [Pol::new(1).users(json!({"includeGroups": [gid(1)]})).mfa()];
    let with_members = |members: &[u32]| {
        let users: Vec<Value> = (1..=5).map(|n| json!({"id": uid(n)})).collect();
        let members: Vec<String> = members.iter().map(|n| uid(*n)).collect();
        tenant(
            &policy,
            json!({"directory": {"users": users, "groups": [{"id": gid(1), "members": members}]}}),
        )
    };
    let (a, b) = (
        Snapshot::compile(with_members(&[1, 2])),
        Snapshot::compile(with_members(&[1, 5])),
    );
    let report = jitgate::diff(&a, &b, &DiffOptions::new(T.parse().unwrap()));
    assert!(report.complete(), "{}", report.render_text());
    // Two directory users change, each counted once.
    assert_eq!(
        report.regions.iter().map(|r| r.users).sum::<usize>(),
        2,
        "{}",
        report.render_text()
    );
    for (n, before, after) in [
        (2, Decision::StepUp, Decision::Allow),
        (5, Decision::Allow, Decision::StepUp),
    ] {
        let req = request(&Req::user(&uid(n)).password_only().0);
        let Classification::Region(k) = report.classify(&a, &b, &req) else {
            panic!("u{n} is in no region:\n{}", report.render_text());
        };
        let r = &report.regions[k];
        assert_eq!((r.before.decision, r.after.decision), (before, after));
        assert_eq!(r.users, 1);
        assert_eq!(r.sample_users, [uid(n)]);
    }
    for n in [1, 3, 4] {
        let req = request(&Req::user(&uid(n)).password_only().0);
        assert_eq!(report.classify(&a, &b, &req), Classification::NoRegion);
    }
}

#[test]
fn session_profiles_are_checked() {
    assert!(jitgate::SessionProfile::parse("password,mfa,fido2,terms").is_ok());
    let e = jitgate::SessionProfile::parse("password,telepathy").unwrap_err();
    assert!(e.contains("telepathy"), "{e}");
}

// ----- completeness over generated tenants -------------------------------------------------------

/// The request with `session` as its session (keeping what only the request knows: the app
/// protections it presents and its GPS country), at the analysis instant.
fn with_session(req: &Value, session: &Value) -> Value {
    let mut out = req.clone();
    let mut s = session.clone();
    for key in ["approvedClientApp", "appProtectionPolicy", "gpsCountry"] {
        if let Some(v) = req["session"].get(key) {
            s[key] = v.clone();
        }
    }
    out["session"] = s;
    out.as_object_mut().unwrap().remove("appliedPoliciesOnly");
    out
}

/// Classifications the analysis may leave undecided (docs/ANALYSIS.md): several applications
/// at once, GPS countries, and a directory user given a guest type or home tenant the directory
/// does not give them (the identity dimension takes directory users as the directory has them).
fn may_be_unclassified(tenant: &Tenant, req: &Value, d: Dimension) -> bool {
    match d {
        Dimension::Identity => {
            let id = &req["signInIdentity"];
            let overrides =
                id.get("externalUserType").is_some() || id.get("externalTenantId").is_some();
            let known = id["userId"]
                .as_str()
                .is_some_and(|u| tenant.users.iter().any(|x| x.id.eq_ignore_ascii_case(u)));
            overrides && known
        }
        Dimension::Target => req["signInContext"]["includeApplications"]
            .as_array()
            .is_some_and(|a| a.len() > 1),
        Dimension::Location => req["session"].get("gpsCountry").is_some(),
        _ => false,
    }
}

/// Generated tenants per property (`JITGATE_ANALYSIS_CASES`; seed `JITGATE_ANALYSIS_SEED`).
fn cases() -> u32 {
    std::env::var("JITGATE_ANALYSIS_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        rng_seed: RngSeed::Fixed(
            std::env::var("JITGATE_ANALYSIS_SEED")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0x6761_7073),
        ),
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn a_request_is_in_a_gap_region_exactly_when_a_password_lets_it_through() {
    let strategy = (strategy::tenant(0..=8), vec(strategy::request(), 12));
    runner()
        .run(&strategy, |(bundle, requests)| {
            let Ok(tenant) = lenient_bytes("t.json", bundle.to_string().as_bytes()) else {
                return Ok(());
            };
            let snapshot = Snapshot::compile(tenant.clone());
            let reference = ReferenceEvaluator::new(&tenant);
            let report = snapshot.gaps(&GapOptions::new(strategy::base()));
            prop_assert!(report.errors.is_empty(), "{:?}", report.errors);
            for r in &report.regions {
                let req = request(&r.witness);
                prop_assert_eq!(
                    snapshot.evaluate(&req, Explain::None).decision,
                    Decision::Allow
                );
                prop_assert_eq!(
                    reference.evaluate(&req, Explain::None).decision,
                    Decision::Allow
                );
            }
            for body in &requests {
                let body = with_session(body, &report.session);
                let Ok(req) = SignInRequest::from_json(&body.to_string()) else {
                    continue;
                };
                let allowed = snapshot.evaluate(&req, Explain::None).decision == Decision::Allow;
                prop_assert_eq!(
                    allowed,
                    reference.evaluate(&req, Explain::None).decision == Decision::Allow
                );
                match report.classify(&snapshot, &req) {
                    Classification::Region(_) => {
                        prop_assert!(allowed, "in a gap but not allowed: {body:#}")
                    }
                    Classification::NoRegion => prop_assert!(
                        !allowed,
                        "allowed but in no gap: {body:#}\n{}",
                        report.render_text()
                    ),
                    Classification::Unclassified(d) => prop_assert!(
                        may_be_unclassified(&tenant, &body, d),
                        "unclassified in {d:?}: {body:#}"
                    ),
                    _ => return Err(TestCaseError::fail("unexpected classification")),
                }
            }
            Ok(())
        })
        .unwrap();
}

/// One change to a generated tenant: a policy's state or grant, a group's members, a named
/// location's ranges or countries, or a directory user's home tenant or presence.
fn mutate(bundle: &Value, k: usize, how: u8) -> Value {
    let mut b = bundle.clone();
    match how % 7 {
        0..=3 => {
            if let Some(policies) = b["conditionalAccessPolicies"].as_array_mut() {
                if policies.is_empty() {
                    return b;
                }
                let n = policies.len();
                let p = &mut policies[k % n];
                match how % 4 {
                    0 => p["state"] = json!("disabled"),
                    1 => p["state"] = json!("enabled"),
                    2 => {
                        p["grantControls"] = json!({"operator": "OR", "builtInControls": ["block"]})
                    }
                    _ => p["grantControls"] = json!({"operator": "OR", "builtInControls": ["mfa"]}),
                }
            }
        }
        4 => {
            // A user joins (or, when already in it, leaves) a group.
            if let Some(groups) = b["directory"]["groups"].as_array_mut() {
                if groups.is_empty() {
                    return b;
                }
                let n = groups.len();
                let g = &mut groups[k % n];
                let user = strategy::user(k / 7 % strategy::USERS);
                let members = g["members"].as_array_mut();
                if let Some(members) = members {
                    let before = members.len();
                    members.retain(|m| m != &json!(user) && m["id"] != json!(user));
                    if members.len() == before {
                        members.push(json!(user));
                    }
                }
            }
        }
        5 => {
            // A named location gets other ranges or countries.
            if let Some(locations) = b["namedLocations"].as_array_mut() {
                if locations.is_empty() {
                    return b;
                }
                let n = locations.len();
                let l = &mut locations[k % n];
                let range = strategy::IP_RANGES[k / 7 % strategy::IP_RANGES.len()];
                if let Some(ranges) = l["ipRanges"].as_array_mut() {
                    if let Some(first) = ranges.first_mut() {
                        first["cidrAddress"] = json!(range);
                        if let Some(kind) = first.get_mut("@odata.type") {
                            *kind = json!(if range.contains(':') {
                                "#microsoft.graph.iPv6CidrRange"
                            } else {
                                "#microsoft.graph.iPv4CidrRange"
                            });
                        }
                    }
                } else if let Some(countries) = l["countriesAndRegions"].as_array_mut() {
                    let country = strategy::COUNTRIES[k / 7 % strategy::COUNTRIES.len()];
                    *countries = vec![json!(country)];
                }
            }
        }
        _ => {
            // A directory user moves home tenant, or leaves the directory.
            if let Some(users) = b["directory"]["users"].as_array_mut() {
                if users.is_empty() {
                    return b;
                }
                let n = users.len();
                if (k / 7).is_multiple_of(2) {
                    users.remove(k % n);
                } else {
                    users[k % n]["externalTenantId"] = json!(strategy::home_tenant(k / 14 % 3));
                }
            }
        }
    }
    b
}

#[test]
fn a_request_is_in_a_diff_region_exactly_when_its_outcome_changes() {
    let strategy = (
        strategy::tenant(1..=8),
        any::<usize>(),
        any::<u8>(),
        vec(strategy::request(), 12),
        prop::bool::ANY,
    );
    runner()
        .run(&strategy, |(bundle, k, how, requests, mfa)| {
            let changed = mutate(&bundle, k, how);
            let (Ok(a), Ok(b)) = (
                lenient_bytes("a.json", bundle.to_string().as_bytes()),
                lenient_bytes("b.json", changed.to_string().as_bytes()),
            ) else {
                return Ok(());
            };
            let (sa, sb) = (Snapshot::compile(a.clone()), Snapshot::compile(b.clone()));
            let profile = if mfa { "password,mfa" } else { "password" };
            let options = DiffOptions::new(strategy::base())
                .session(jitgate::SessionProfile::parse(profile).unwrap());
            let report = jitgate::diff(&sa, &sb, &options);
            prop_assert!(report.errors.is_empty(), "{:?}", report.errors);
            prop_assert!(!report.truncated);
            let (ra, rb) = (ReferenceEvaluator::new(&a), ReferenceEvaluator::new(&b));
            let outcome = jitgate::unstable::diff_outcome;
            let mut session = None;
            for r in &report.regions {
                let req = request(&r.witness);
                session = Some(r.witness["session"].clone());
                prop_assert_ne!(
                    outcome(&sa.evaluate(&req, Explain::None)),
                    outcome(&sb.evaluate(&req, Explain::None))
                );
                prop_assert_ne!(
                    outcome(&ra.evaluate(&req, Explain::None)),
                    outcome(&rb.evaluate(&req, Explain::None))
                );
            }
            // The profile's session, as the witnesses carry it (or built the same way).
            let session = session.unwrap_or_else(|| {
                let mut s = json!({"time": strategy::base().to_string(),
                    "lastAuthenticatedDateTime": strategy::base().to_string(),
                    "authenticationMethods": ["password"]});
                if mfa {
                    s["authenticationMethods"] = json!(["password", "microsoftAuthenticatorPush"]);
                    s["lastMfaDateTime"] = json!(strategy::base().to_string());
                }
                s
            });
            for body in &requests {
                let body = with_session(body, &session);
                let Ok(req) = SignInRequest::from_json(&body.to_string()) else {
                    continue;
                };
                let differs = outcome(&sa.evaluate(&req, Explain::None))
                    != outcome(&sb.evaluate(&req, Explain::None));
                match report.classify(&sa, &sb, &req) {
                    Classification::Region(_) => {
                        prop_assert!(differs, "in a diff region but unchanged: {body:#}")
                    }
                    Classification::NoRegion => prop_assert!(
                        !differs,
                        "changed but in no region: {body:#}\n{}",
                        report.render_text()
                    ),
                    Classification::Unclassified(d) => prop_assert!(
                        may_be_unclassified(&a, &body, d),
                        "unclassified in {d:?}: {body:#}"
                    ),
                    _ => return Err(TestCaseError::fail("unexpected classification")),
                }
            }
            Ok(())
        })
        .unwrap();
}

// ----- command line -------------------------------------------------------------------------

#[test]
fn gaps_and_diff_run_from_the_command_line() {
    let out = jitgate(&["gaps", "--tenant", "examples/tenant", "--at", T, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let regions = report["regions"].as_array().unwrap();
    assert!(!regions.is_empty());
    assert!(regions[0]["witness"]["signInIdentity"].is_object());

    // Each region's witness, classified, falls in that region.
    let dir = TempDir::new("gaps-classify");
    let lines: Vec<String> = regions.iter().map(|r| r["witness"].to_string()).collect();
    let file = dir.write("w.jsonl", lines.join("\n") + "\n{broken\n");
    let out = jitgate(&[
        "gaps",
        "--tenant",
        "examples/tenant",
        "--at",
        T,
        "--classify",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "a bad line is reported");
    let got: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), regions.len() + 1);
    for (k, g) in got.iter().take(regions.len()).enumerate() {
        assert_eq!(g["region"], k + 1);
    }
    assert!(got[regions.len()]["error"].is_string());

    let out = jitgate(&[
        "diff",
        "--before",
        "examples/tenant",
        "--after",
        "examples/tenant",
        "--at",
        T,
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("No change"));

    let out = jitgate(&[
        "gaps",
        "--tenant",
        "examples/tenant",
        "--strong",
        "mfa,nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"nope\""));
}

// ----- one dimension at a time ----------------------------------------------------------------

/// The user gap regions of a tenant whose only policy requires MFA except where `cond` says,
/// other than the targets no policy can reach (user actions, authentication contexts).
fn user_gaps(t: &Tenant) -> Vec<jitgate::GapRegion> {
    let report = Snapshot::compile(t.clone()).gaps(&GapOptions::new(at()));
    assert_gaps_sound(t, &report);
    report
        .regions
        .into_iter()
        .filter(|r| {
            r.kind == IdentityKind::Users
                && !r.dimensions.iter().any(|d| {
                    d.dimension == Dimension::Target
                        && !d.except
                        && d.values.iter().all(|v| {
                            v.starts_with("user action") || v.starts_with("authentication context")
                        })
                })
        })
        .collect()
}

/// A target dimension that leaves out only what no policy here can reach.
fn unreachable_targets_only(d: &jitgate::RegionDimension) -> bool {
    d.dimension == Dimension::Target
        && d.except
        && d.values
            .iter()
            .all(|v| v.starts_with("user action") || v.starts_with("authentication context"))
}

/// The one constrained dimension (besides [`unreachable_targets_only`]) of the one region, as
/// (dimension, except, values).
fn only_dimension(regions: &[jitgate::GapRegion]) -> (Dimension, bool, Vec<String>) {
    assert_eq!(regions.len(), 1, "{regions:#?}");
    let dims: Vec<_> = regions[0]
        .dimensions
        .iter()
        .filter(|d| !unreachable_targets_only(d))
        .collect();
    assert_eq!(dims.len(), 1, "{dims:#?}");
    (dims[0].dimension, dims[0].except, dims[0].values.clone())
}

#[test]
fn each_dimension_bounds_its_gap() {
    let mfa_except =
        |key: &str, value: Value| tenant(&[Pol::new(1).mfa().cond(key, value)], json!({}));
    // Platforms: MFA everywhere but iOS.
    let t = mfa_except(
        "platforms",
        json!({"includePlatforms": ["all"], "excludePlatforms": ["iOS"]}),
    );
    assert_eq!(
        only_dimension(&user_gaps(&t)),
        (Dimension::Platform, false, vec!["iOS".to_owned()])
    );
    // Client app types: MFA for browsers only; every other type (and none) is a gap.
    let t = mfa_except("clientAppTypes", json!(["browser"]));
    assert_eq!(
        only_dimension(&user_gaps(&t)),
        (Dimension::ClientApp, true, vec!["browser".to_owned()])
    );
    // Sign-in risk: MFA at high risk only.
    let t = mfa_except("signInRiskLevels", json!(["high"]));
    assert_eq!(
        only_dimension(&user_gaps(&t)),
        (Dimension::SignInRisk, true, vec!["high".to_owned()])
    );
    // Insider risk: MFA at elevated only.
    let t = mfa_except("insiderRiskLevels", json!(["elevated"]));
    assert_eq!(
        only_dimension(&user_gaps(&t)),
        (Dimension::InsiderRisk, true, vec!["elevated".to_owned()])
    );
    // Flows: MFA for device code flow only.
    let t = mfa_except(
        "authenticationFlows",
        json!({"transferMethods": "deviceCodeFlow"}),
    );
    let (d, except, values) = only_dimension(&user_gaps(&t));
    assert_eq!((d, except), (Dimension::Flow, false));
    assert_eq!(values, ["no transfer", "authenticationTransfer"]);
}

#[test]
fn locations_bound_gaps_by_address_class_and_country() {
    let office = json!({"@odata.type": "#microsoft.graph.ipNamedLocation",
        "id": "10000000-0000-4000-8000-000000000001", "displayName": "Office",
        "isTrusted": true, "ipRanges": [{"cidrAddress": "192.0.2.0/24"}]});
    let nl = json!({"@odata.type": "#microsoft.graph.countryNamedLocation",
        "id": "10000000-0000-4000-8000-000000000002", "displayName": "Netherlands",
        "countriesAndRegions": ["NL"], "includeUnknownCountriesAndRegions": false});
    // MFA everywhere except from the office range.
    let t = tenant(
        &[Pol::new(1).mfa().cond(
            "locations",
            json!({"includeLocations": ["All"], "excludeLocations": ["10000000-0000-4000-8000-000000000001"]}),
        )],
        json!({"namedLocations": [office.clone(), nl.clone()]}),
    );
    let (d, except, values) = only_dimension(&user_gaps(&t));
    assert_eq!((d, except), (Dimension::Location, false));
    assert!(!values.is_empty());
    assert!(
        values.iter().all(|v| v.starts_with("192.0.2.0")),
        "{values:?}"
    );
    // MFA only outside the Netherlands: a Dutch sign-in from anywhere is a gap.
    let t = tenant(
        &[Pol::new(1).mfa().cond(
            "locations",
            json!({"includeLocations": ["All"], "excludeLocations": ["10000000-0000-4000-8000-000000000002"]}),
        )],
        json!({"namedLocations": [office, nl]}),
    );
    let (d, except, values) = only_dimension(&user_gaps(&t));
    assert_eq!((d, except), (Dimension::Location, false));
    assert!(
        values
            .iter()
            .all(|v| v.ends_with(" NL") || v.ends_with(", NL")),
        "{values:?}"
    );
}

/// Class 0 ("in no named location") is tried in each address family even when IPv4 is fully
/// covered, and a country no location names is tried even when every common one is named.
#[test]
fn every_address_family_and_an_unnamed_country_are_tried() {
    use crate::common::signin::Req;
    let all_v4 = json!({"@odata.type": "#microsoft.graph.ipNamedLocation",
        "id": "10000000-0000-4000-8000-000000000001", "displayName": "All IPv4",
        "isTrusted": false, "ipRanges": [{"cidrAddress": "0.0.0.0/0"}]});
    let common = json!({"@odata.type": "#microsoft.graph.countryNamedLocation",
        "id": "10000000-0000-4000-8000-000000000002", "displayName": "Common",
        "countriesAndRegions": ["US", "NL", "DE", "GB", "FR", "JP", "BR", "IN", "AU", "CA", "ZA", "SE"],
        "includeUnknownCountriesAndRegions": false});
    // MFA from every IPv4 address, and MFA from the common countries.
    let t = tenant(
        &[
            Pol::new(1).mfa().cond(
                "locations",
                json!({"includeLocations": ["10000000-0000-4000-8000-000000000001"]}),
            ),
            Pol::new(2).mfa().cond(
                "locations",
                json!({"includeLocations": ["10000000-0000-4000-8000-000000000002"]}),
            ),
        ],
        json!({"namedLocations": [all_v4, common]}),
    );
    let snap = Snapshot::compile(t.clone());
    let report = snap.gaps(&GapOptions::new(at()));
    assert_gaps_sound(&t, &report);
    assert!(report.complete());
    let classify = |ip: &str, country: &str| {
        let req = Req::user(OUTSIDE)
            .cond("ipAddress", json!(ip))
            .cond("country", json!(country))
            .password_only();
        report.classify(&snap, &request(&req.0))
    };
    // An IPv6 address outside the common countries: neither policy applies.
    assert!(matches!(
        classify("2001:db8::7", "IT"),
        Classification::Region(_)
    ));
    assert_eq!(classify("203.0.113.9", "IT"), Classification::NoRegion);
    assert_eq!(classify("2001:db8::7", "NL"), Classification::NoRegion);
}

#[test]
fn guests_and_service_principals_are_identity_values() {
    // MFA for guests only (every guest kind, any tenant): members are the gap.
    let t = tenant(
        &[Pol::new(1).mfa().users(json!({"includeGuestsOrExternalUsers": {
            "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider",
            "externalTenants": {"membershipKind": "all"}}}))],
        json!({"directory": {"users": [{"id": "11111111-0000-4000-8000-000000000001", "userPrincipalName": "ann@contoso.example"}]}}),
    );
    let report = Snapshot::compile(t.clone()).gaps(&GapOptions::new(at()));
    assert_gaps_sound(&t, &report);
    let users: Vec<_> = report
        .regions
        .iter()
        .filter(|r| r.kind == IdentityKind::Users && r.dimensions.len() == 1)
        .collect();
    assert_eq!(users.len(), 1, "{}", report.render_text());
    let d = &users[0].dimensions[0];
    assert_eq!(d.dimension, Dimension::Identity);
    assert!(!d.except);
    assert_eq!(
        d.values,
        ["1 user(s): ann@contoso.example", "a user not in the export"]
    );
    assert_eq!(users[0].users, 1);
    // Service principals: nothing targets them, so the whole kind is one region.
    assert!(
        report
            .regions
            .iter()
            .any(|r| r.kind == IdentityKind::ServicePrincipals && r.dimensions.is_empty())
    );
}
