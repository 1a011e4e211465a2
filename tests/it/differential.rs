//! Differential test: the compiled engine ([`Snapshot`]) against the reference evaluator.
//!
//! proptest generates random tenants (as JSON bundles, loaded with `load_bundle_bytes`) over a
//! small universe of ids, so that policies, directory objects and requests collide often, and
//! several random sign-ins per tenant. For every sign-in both evaluators must render the same
//! decision byte for byte (with and without per-policy results, and over a random subset of the
//! policies as PIM's auth-context step uses), and `Snapshot::decide` must agree with the rendered
//! decision.
//!
//! `JITGATE_DIFF_CASES` sets the number of small tenants (default [`DEFAULT_CASES`], each with
//! [`REQUESTS`] sign-ins; a fiftieth of it, at least [`DEFAULT_LARGE_CASES`], for tenants with
//! more than 64 policies); `JITGATE_DIFF_SEED` sets the seed (a number, or `random`). The default
//! seed is fixed so that CI is reproducible. For long runs:
//! `JITGATE_DIFF_CASES=50000 JITGATE_DIFF_SEED=random cargo test --release --test it differential`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use serde_json::Value;

use jitgate::Explain;
use jitgate::unstable::Bits;
use jitgate::{PolicyResultKind, ReferenceEvaluator, SignInRequest, Snapshot};

/// Tenants per run by default (each with [`REQUESTS`] sign-ins: > 10,000 evaluations).
const DEFAULT_CASES: u32 = 1300;
/// Tenants with more than 64 policies per run by default.
const DEFAULT_LARGE_CASES: u32 = 16;
/// Sign-ins evaluated against each tenant.
const REQUESTS: usize = 8;
/// The default seed.
const DEFAULT_SEED: u64 = 0x6a69_7467_6174_6501;

use crate::common::strategy::*;

// ----- the property ------------------------------------------------------------------------------

/// One generated tenant and the sign-ins evaluated against it. Each sign-in is also evaluated
/// against a subset of the policies (the bits of its `selections` entry, policy `k` selected by
/// bit `k % 8`), as PIM's auth-context step does.
#[derive(Clone)]
struct Case {
    bundle: Value,
    requests: Vec<Value>,
    selections: Vec<u8>,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "tenant bundle:\n{:#}", self.bundle)?;
        for (i, r) in self.requests.iter().enumerate() {
            let selection = self.selections.get(i).copied().unwrap_or(0);
            writeln!(f, "request {i} (selection {selection:#010b}): {r}")?;
        }
        Ok(())
    }
}

fn case(policies: RangeInclusive<usize>) -> BoxedStrategy<Case> {
    (
        tenant(policies),
        vec(request(), REQUESTS),
        vec(any::<u8>(), REQUESTS),
    )
        .prop_map(|(bundle, requests, selections)| Case {
            bundle,
            requests,
            selections,
        })
        .boxed()
}

/// Where two decisions differ: top-level members and per-policy results.
fn difference(a: &Value, b: &Value) -> String {
    let mut out = Vec::new();
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return "not objects".to_owned();
    };
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        if k == "policies" {
            continue;
        }
        if a.get(k) != b.get(k) {
            out.push(format!(
                "  {k}:\n    reference: {}\n    compiled:  {}",
                a.get(k).unwrap_or(&Value::Null),
                b.get(k).unwrap_or(&Value::Null)
            ));
        }
    }
    let empty = Vec::new();
    let pa = a
        .get("policies")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let pb = b
        .get("policies")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    if pa.len() != pb.len() {
        out.push(format!("  policies: {} results vs {}", pa.len(), pb.len()));
    }
    for (x, y) in pa.iter().zip(pb) {
        if x != y {
            out.push(format!("  policy:\n    reference: {x}\n    compiled:  {y}"));
        }
    }
    out.join("\n")
}

/// Evaluates every request of `case` with both evaluators. Returns how many were evaluated, or
/// `None` when the tenant did not load.
fn check(case: &Case) -> Result<Option<usize>, TestCaseError> {
    let text = case.bundle.to_string();
    let Ok(tenant) = crate::common::lenient_bytes("t.json", text.as_bytes()) else {
        return Ok(None);
    };
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(&tenant);
    for (i, r) in case.requests.iter().enumerate() {
        let req = SignInRequest::from_json(&r.to_string())
            .map_err(|e| TestCaseError::fail(format!("request {i} does not parse: {e:?}")))?;
        for explain in [Explain::Policies, Explain::None] {
            let expected = reference.evaluate(&req, explain);
            let actual = snapshot.evaluate(&req, explain);
            let je = serde_json::to_string(&expected).unwrap();
            let ja = serde_json::to_string(&actual).unwrap();
            if je != ja {
                let ve: Value = serde_json::from_str(&je).unwrap();
                let va: Value = serde_json::from_str(&ja).unwrap();
                return Err(TestCaseError::fail(format!(
                    "request {i} (explain {explain:?}): the evaluators disagree\n{}",
                    difference(&ve, &va)
                )));
            }
            if explain == Explain::Policies {
                // The borrowed decision's per-policy results are the explained ones.
                let explained: Vec<(&str, PolicyResultKind)> = expected
                    .policies
                    .iter()
                    .flatten()
                    .map(|p| (p.id.as_str(), p.result))
                    .collect();
                let borrowed = snapshot.evaluate_borrowed(&req);
                let from_sets: Vec<(&str, PolicyResultKind)> = borrowed.policy_results().collect();
                if from_sets != explained {
                    return Err(TestCaseError::fail(format!(
                        "request {i}: per-policy results from the sets\n{from_sets:?}\nexplained\n{explained:?}"
                    )));
                }
                // And its explained JSON is the reference's, byte for byte.
                let mut written = Vec::new();
                borrowed.write_json_explained(&mut written);
                if written != je.as_bytes() {
                    return Err(TestCaseError::fail(format!(
                        "request {i}: the borrowed decision writes, explained\n{}\nthe reference\n{je}",
                        String::from_utf8_lossy(&written)
                    )));
                }
            }
            if explain == Explain::None {
                // The borrowed decision writes the reference's bytes.
                let mut borrowed = Vec::new();
                snapshot.evaluate_borrowed(&req).write_json(&mut borrowed);
                if borrowed != je.as_bytes() {
                    return Err(TestCaseError::fail(format!(
                        "request {i}: the borrowed decision writes\n{}\nthe reference\n{je}",
                        String::from_utf8_lossy(&borrowed)
                    )));
                }
            }
            let decided = snapshot
                .compiled()
                .decide(&snapshot.compiled().prepare(&req));
            if decided != actual.decision {
                return Err(TestCaseError::fail(format!(
                    "request {i}: decide() says {decided:?}, the rendered decision is {:?}",
                    actual.decision
                )));
            }
        }
        // The same sign-in against a subset of the policies.
        let mask = case.selections.get(i).copied().unwrap_or(u8::MAX);
        let chosen = |k: usize| mask & (1 << (k % 8)) != 0;
        let mut selected = Bits::empty(tenant.policies.len());
        let mut ids = Vec::new();
        for (k, p) in tenant.policies.iter().enumerate() {
            if chosen(k) {
                selected.insert(k);
                ids.push(p.id.clone());
            }
        }
        let expected = reference.evaluate_selected(&req, |p| ids.contains(&p.id));
        let actual = snapshot.compiled().evaluate_selected(
            &snapshot.compiled().prepare(&req),
            true,
            &selected,
        );
        let je = serde_json::to_string(&expected).unwrap();
        let ja = serde_json::to_string(&actual).unwrap();
        if je != ja {
            let ve: Value = serde_json::from_str(&je).unwrap();
            let va: Value = serde_json::from_str(&ja).unwrap();
            return Err(TestCaseError::fail(format!(
                "request {i} (selection {mask:#010b}): the evaluators disagree\n{}",
                difference(&ve, &va)
            )));
        }
    }
    Ok(Some(case.requests.len()))
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Runs `cases` generated tenants with `policies` policies each; returns the number of sign-ins
/// evaluated.
fn differential(label: &str, policies: RangeInclusive<usize>, cases: u32) -> usize {
    let seed = match std::env::var("JITGATE_DIFF_SEED") {
        Ok(s) if s.trim().eq_ignore_ascii_case("random") => RngSeed::Random,
        Ok(s) => RngSeed::Fixed(s.trim().parse().expect("JITGATE_DIFF_SEED is a number")),
        Err(_) => RngSeed::Fixed(DEFAULT_SEED),
    };
    let config = Config {
        cases,
        failure_persistence: None,
        rng_seed: seed,
        max_shrink_iters: 20_000,
        ..Config::default()
    };
    let loaded = AtomicUsize::new(0);
    let skipped = AtomicUsize::new(0);
    let evaluated = AtomicUsize::new(0);
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(policies), |c| {
        match check(&c)? {
            Some(n) => {
                loaded.fetch_add(1, Ordering::Relaxed);
                evaluated.fetch_add(n, Ordering::Relaxed);
            }
            None => {
                skipped.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, case)) => {
            panic!("{why}\nminimal failing case:\n{case:?}")
        }
        Err(e) => panic!("{e}"),
    }
    let loaded = loaded.into_inner();
    let skipped = skipped.into_inner();
    let evaluated = evaluated.into_inner();
    eprintln!(
        "differential ({label}): {loaded} tenants loaded, {skipped} skipped, {evaluated} sign-ins \
         evaluated with both evaluators in {:.1?} (seed {seed:?})",
        started.elapsed()
    );
    let total = loaded + skipped;
    assert!(
        loaded * 100 >= total * 95,
        "only {loaded} of {total} generated tenants loaded; the generators should produce loadable tenants"
    );
    evaluated
}

#[test]
fn compiled_engine_matches_reference_evaluator() {
    let cases = env_number("JITGATE_DIFF_CASES")
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_CASES);
    let evaluated = differential("small tenants", 1..=7, cases);
    assert!(
        evaluated >= (cases as usize) * REQUESTS * 95 / 100,
        "only {evaluated} sign-ins were evaluated"
    );
    if cases >= DEFAULT_CASES {
        assert!(
            evaluated >= 10_000,
            "only {evaluated} sign-ins were evaluated"
        );
    }
}

/// More than 64 policies, so that every policy set spans several words.
#[test]
fn compiled_engine_matches_reference_evaluator_on_large_tenants() {
    let cases = env_number("JITGATE_DIFF_CASES")
        .and_then(|n| u32::try_from(n / 50).ok())
        .unwrap_or(0)
        .max(DEFAULT_LARGE_CASES);
    let evaluated = differential("large tenants", 65..=80, cases);
    assert!(evaluated >= (cases as usize) * REQUESTS * 95 / 100);
}

/// The generators themselves: a sample of tenants loads, and the features the test is meant to
/// exercise actually occur.
#[test]
fn generators_cover_the_conditions() {
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(DEFAULT_SEED ^ 1),
        ..Config::default()
    });
    let strategy = case(1..=7);
    let mut text = String::new();
    let mut loaded = 0;
    let total = 200;
    for _ in 0..total {
        let c = strategy.new_tree(&mut runner).unwrap().current();
        let bundle = c.bundle.to_string();
        match crate::common::lenient_bytes("t.json", bundle.as_bytes()) {
            Ok(_) => loaded += 1,
            Err(e) => eprintln!("does not load: {e}"),
        }
        text.push_str(&bundle);
        for r in &c.requests {
            text.push_str(&r.to_string());
        }
    }
    assert!(loaded * 100 >= total * 95, "{loaded} of {total} loaded");
    for needle in [
        "GuestsOrExternalUsers",
        "includeGuestsOrExternalUsers",
        "conditionalAccessEnumeratedExternalTenants",
        "includeRoles",
        "excludeGroups",
        "roleAssignmentScheduleInstances",
        "groupAssignmentScheduleInstances",
        "/administrativeUnits/",
        "ServicePrincipalsInMyTenant",
        "servicePrincipalFilter",
        "applicationFilter",
        "Office365",
        "MicrosoftAdminPortals",
        "urn:user:registerdevice",
        "includeAuthenticationContextClassReferences",
        "excludePlatforms",
        "AllTrusted",
        MFA_TRUSTED_IPS,
        "authenticatorAppGps",
        "includeUnknownCountriesAndRegions\":true",
        "clientAppTypes",
        "insiderRiskLevels",
        "servicePrincipalRiskLevels",
        "deviceFilter",
        "deviceStates",
        "authenticationFlows",
        "\"block\"",
        "termsOfUse",
        "customAuthenticationFactors",
        "allowedCombinations",
        "combinationConfigurations",
        "everyTime",
        "secondaryAuthentication",
        "persistentBrowser",
        "cloudAppSecurity",
        "continuousAccessEvaluation",
        "enabledForReportingButNotEnforced",
        "deletedDateTime",
        "enabledSomeday",
        "servicePrincipalSignIn",
        "userActionContext",
        "authContext",
        "::ffff:",
        "gpsCountry",
        "fido2Aaguid",
        "deviceInfo",
        "passwordChanged\":true",
    ] {
        assert!(
            text.contains(needle),
            "the generators never produce {needle}"
        );
    }
}
