//! Entry points for the cargo-fuzz targets in `fuzz/` (feature `fuzzing`).
//!
//! Each target is one line calling a function here, so the logic is compiled and linted with the
//! library. Every function must return normally for any input; they panic only when the engines
//! or the two request readers disagree, or a region is unsound ([`sign_in`], [`differential`],
//! [`analysis`]), which are the bugs they exist to find.

use std::path::Path;
use std::sync::OnceLock;

use arbitrary::Unstructured;
use serde_json::{Value, json};

use crate::diag::Diagnostics;
use crate::filter::{AttrValue, Attribute, Attributes, FilterDomain, FilterRule};
use crate::model::Tenant;
use crate::unstable::{parse_activation, parse_sign_in};
use crate::{
    Explain, ReferenceEvaluator, SignInDecision, SignInRequest, Snapshot, json as jjson,
    load_bundle_bytes,
};

/// The example tenant, loaded once (the fixed tenant the request targets decide against).
fn example() -> Option<&'static (Tenant, Snapshot)> {
    static EXAMPLE: OnceLock<Option<(Tenant, Snapshot)>> = OnceLock::new();
    EXAMPLE
        .get_or_init(|| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tenant");
            let tenant = crate::load(&path).ok()?;
            let snapshot = Snapshot::compile(tenant.clone());
            Some((tenant, snapshot))
        })
        .as_ref()
}

/// Loads arbitrary bytes as a tenant bundle and, when it loads, compiles and validates it. Text
/// is also read by the one-pass JSON reader, which must build `serde_json`'s tree wherever it
/// answers, and split in two at each of its first 32 `{`, which must build the same tree.
pub fn load(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if !crate::json::one_pass_agrees(text) {
            disagree("the one-pass JSON reader and serde_json", text);
        }
        if !crate::json::split_agrees(text, 32) {
            disagree("the one-pass JSON reader and a reading split in two", text);
        }
    }
    if let Ok(tenant) = load_bundle_bytes("fuzz.json", data) {
        let _ = crate::validate(&tenant, true);
        let _ = Snapshot::compile(tenant);
    }
}

struct Device;

impl Attributes for Device {
    fn value(&self, attribute: &Attribute) -> AttrValue<'_> {
        match attribute {
            Attribute::Device(_) => AttrValue::Str("PAW"),
            Attribute::Custom { .. } => AttrValue::Null,
        }
    }
}

/// Parses arbitrary text as a filter rule in both domains and evaluates what parses.
pub fn filter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for domain in [FilterDomain::Device, FilterDomain::CustomSecurityAttributes] {
        if let Ok(rule) = FilterRule::parse(&text, domain) {
            let _ = rule.evaluate(&Device);
        }
    }
}

/// Parses arbitrary bytes as a sign-in request and decides it on the example tenant with both
/// evaluators. Text is also read by the one-pass reader, which must agree with the tolerant one
/// wherever it answers.
pub fn sign_in(data: &[u8]) {
    let Some((tenant, snapshot)) = example() else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(data) {
        one_pass_agrees(text);
    }
    let Ok(doc) = jjson::parse_bytes(data) else {
        return;
    };
    let mut d = Diagnostics::new("fuzz");
    if let Some(req) = parse_sign_in(
        &mut d,
        &doc,
        jiff::Timestamp::from_second(1_772_442_000).ok(),
    ) {
        let reference = ReferenceEvaluator::new(tenant);
        let a = snapshot.evaluate(&req, Explain::Policies);
        let b = reference.evaluate(&req, Explain::Policies);
        same(&a, &b);
        borrowed_agrees(snapshot, &reference, &req, &b);
    }
}

/// The decision without explain, borrowed and owned, against the reference's: the same bytes;
/// and each policy's result from the sets, and the borrowed decision's explained bytes, against
/// the reference's `explained` decision.
#[expect(
    clippy::panic,
    reason = "a disagreement is the bug the fuzz targets hunt; panicking is how they report it"
)]
fn borrowed_agrees(
    snapshot: &Snapshot,
    reference: &ReferenceEvaluator<'_>,
    req: &SignInRequest,
    explained: &SignInDecision,
) {
    let expected = reference.evaluate(req, Explain::None);
    same(&snapshot.evaluate(req, Explain::None), &expected);
    let borrowed = snapshot.evaluate_borrowed(req);
    // What the CLI's summary reads from it, against the owned decision's fields.
    let mut acting = Vec::new();
    borrowed.for_each_acting_policy(|i| acting.extend(snapshot.tenant().policies.get(i)));
    let mut named: Vec<&str> = expected
        .requirements
        .iter()
        .flat_map(|r| r.policy_ids.iter().map(String::as_str))
        .chain(expected.deny_reasons.iter().map(|d| d.policy_id()))
        .collect();
    named.sort_unstable();
    named.dedup();
    let mut acting: Vec<&str> = acting.iter().map(|p| p.id.as_str()).collect();
    acting.sort_unstable();
    if borrowed.decision() != expected.decision
        || borrowed.has_missing_data() != expected.warnings.iter().any(|w| w.code == "missingData")
        || acting != named
    {
        panic!("the borrowed decision's accessors disagree with the reference: {expected:?}");
    }
    // Each policy's result from the sets is the explained one.
    let results: Vec<(&str, crate::PolicyResultKind)> = explained
        .policies
        .iter()
        .flatten()
        .map(|p| (p.id.as_str(), p.result))
        .collect();
    let from_sets: Vec<(&str, crate::PolicyResultKind)> = borrowed.policy_results().collect();
    if from_sets != results {
        panic!("per-policy results from the sets disagree with the explained ones: {req:?}");
    }
    let mut bytes = Vec::new();
    borrowed.write_json(&mut bytes);
    let written = String::from_utf8(bytes).ok();
    let expected = serde_json::to_string(&expected).ok();
    if written != expected {
        panic!(
            "the borrowed decision writes other bytes:\nborrowed:  {written:?}\nreference: {expected:?}"
        );
    }
    let mut bytes = Vec::new();
    borrowed.write_json_explained(&mut bytes);
    let written = String::from_utf8(bytes).ok();
    let expected = serde_json::to_string(explained).ok();
    if written != expected {
        panic!(
            "the borrowed decision writes other explained bytes:\nborrowed:  {written:?}\nexplained: {expected:?}"
        );
    }
}

/// Parses arbitrary bytes as an activation envelope and decides it on the example tenant.
pub fn activation(data: &[u8]) {
    let Some((tenant, snapshot)) = example() else {
        return;
    };
    let Ok(doc) = jjson::parse_bytes(data) else {
        return;
    };
    let mut d = Diagnostics::new("fuzz");
    if let Some(req) = parse_activation(
        &mut d,
        &doc,
        jiff::Timestamp::from_second(1_772_442_000).ok(),
    ) {
        let a = snapshot.activate(&req, Explain::Policies);
        let b = ReferenceEvaluator::new(tenant).activate(&req, Explain::Policies);
        same(&a, &b);
    }
}

#[expect(
    clippy::panic,
    reason = "a disagreement between the request readers is a bug the fuzzer hunts"
)]
fn one_pass_agrees(text: &str) {
    let now = jiff::Timestamp::from_second(1_772_442_000).ok();
    if !crate::model::request::fast_path_agrees(text, now) {
        panic!("the one-pass and tolerant request readers disagree on {text:?}");
    }
}

#[expect(
    clippy::panic,
    reason = "a disagreement between two readers is the bug the fuzzer hunts"
)]
fn disagree(what: &str, text: &str) {
    panic!("{what} disagree on {text:?}");
}

#[expect(
    clippy::panic,
    reason = "a disagreement between the evaluators is the bug the fuzzer hunts"
)]
fn same<T: serde::Serialize>(a: &T, b: &T) {
    let (a, b) = (serde_json::to_string(a).ok(), serde_json::to_string(b).ok());
    if a != b {
        panic!("compiled and reference evaluators disagree:\ncompiled:  {a:?}\nreference: {b:?}");
    }
}

// ----- the differential target: small structured tenants and requests -------------------------

const USERS: [&str; 4] = [
    "00000000-0000-0000-0000-0000000000a1",
    "00000000-0000-0000-0000-0000000000a2",
    "00000000-0000-0000-0000-0000000000a3",
    "00000000-0000-0000-0000-0000000000a4",
];
const GROUPS: [&str; 3] = [
    "00000000-0000-0000-0000-0000000000b1",
    "00000000-0000-0000-0000-0000000000b2",
    "00000000-0000-0000-0000-0000000000b3",
];
const ROLES: [&str; 2] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "194ae4cb-b126-40b2-bd5b-6091b380977d",
];
const APPS: [&str; 3] = [
    "00000003-0000-0ff1-ce00-000000000000",
    "00000002-0000-0ff1-ce00-000000000000",
    "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
];
const LOCATIONS: [&str; 3] = [
    "00000000-0000-0000-0000-0000000000c1",
    "00000000-0000-0000-0000-0000000000c2",
    "00000000-0000-0000-0000-0000000000c3",
];
const PLATFORMS: [&str; 5] = ["android", "iOS", "windows", "macOS", "linux"];
const CLIENTS: [&str; 4] = [
    "browser",
    "mobileAppsAndDesktopClients",
    "exchangeActiveSync",
    "other",
];
const CONTROLS: [&str; 8] = [
    "block",
    "mfa",
    "compliantDevice",
    "domainJoinedDevice",
    "approvedApplication",
    "compliantApplication",
    "passwordChange",
    "riskRemediation",
];
const METHODS: [&str; 5] = [
    "password",
    "microsoftAuthenticatorPush",
    "fido2",
    "sms",
    "windowsHelloForBusiness",
];
const STRENGTHS: [&str; 3] = [
    "00000000-0000-0000-0000-000000000002",
    "00000000-0000-0000-0000-000000000004",
    "00000000-0000-0000-0000-0000000000d1",
];
const IPS: [&str; 5] = [
    "10.0.0.5",
    "10.1.2.3",
    "2001:db8::7",
    "192.0.2.9",
    "::ffff:10.0.0.9",
];

/// Sets `key` on a JSON object (no-op on anything else).
fn set(target: &mut Value, key: &str, value: Value) {
    if let Some(map) = target.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

fn pick<'a>(u: &mut Unstructured<'_>, pool: &[&'a str]) -> arbitrary::Result<&'a str> {
    Ok(pool
        .get(u.choose_index(pool.len())?)
        .copied()
        .unwrap_or_default())
}

fn some<'a>(u: &mut Unstructured<'_>, pool: &[&'a str]) -> arbitrary::Result<Vec<&'a str>> {
    let mut out = Vec::new();
    for item in pool {
        if u.ratio(1, 3)? {
            out.push(*item);
        }
    }
    Ok(out)
}

fn policy(u: &mut Unstructured<'_>, k: usize) -> arbitrary::Result<Value> {
    let state = pick(
        u,
        &[
            "enabled",
            "enabled",
            "enabledForReportingButNotEnforced",
            "disabled",
        ],
    )?;
    let mut include_users = some(u, &USERS)?;
    if u.ratio(1, 2)? {
        include_users.push("All");
    }
    let mut conditions = json!({
        "users": {
            "includeUsers": include_users,
            "excludeUsers": some(u, &USERS)?,
            "includeGroups": some(u, &GROUPS)?,
            "excludeGroups": some(u, &GROUPS)?,
            "includeRoles": some(u, &ROLES)?,
        },
        "applications": { "includeApplications": if u.arbitrary()? { vec!["All"] } else { some(u, &APPS)? },
                          "excludeApplications": some(u, &APPS)? },
    });
    if u.ratio(1, 3)? {
        set(
            &mut conditions,
            "platforms",
            json!({ "includePlatforms": if u.arbitrary()? { vec!["all"] } else { some(u, &PLATFORMS)? },
                                          "excludePlatforms": some(u, &PLATFORMS)? }),
        );
    }
    if u.ratio(1, 3)? {
        let mut inc = some(u, &LOCATIONS)?;
        if u.arbitrary()? {
            inc.push("All");
        }
        let mut exc = some(u, &LOCATIONS)?;
        if u.arbitrary()? {
            exc.push("AllTrusted");
        }
        set(
            &mut conditions,
            "locations",
            json!({ "includeLocations": inc, "excludeLocations": exc }),
        );
    }
    if u.ratio(1, 3)? {
        set(&mut conditions, "clientAppTypes", json!(some(u, &CLIENTS)?));
    }
    if u.ratio(1, 4)? {
        set(
            &mut conditions,
            "signInRiskLevels",
            json!(some(u, &["low", "medium", "high"])?),
        );
    }
    if u.ratio(1, 4)? {
        let mode = pick(u, &["include", "exclude"])?;
        let rule = pick(
            u,
            &[
                r#"device.extensionAttribute1 -eq "PAW""#,
                "device.isCompliant -eq True",
                r#"device.trustType -ne "ServerAD""#,
            ],
        )?;
        set(
            &mut conditions,
            "devices",
            json!({ "deviceFilter": { "mode": mode, "rule": rule } }),
        );
    }
    let mut grant =
        json!({ "operator": pick(u, &["AND", "OR"])?, "builtInControls": some(u, &CONTROLS)? });
    if u.ratio(1, 3)? {
        set(
            &mut grant,
            "authenticationStrength",
            json!({ "id": pick(u, &STRENGTHS)? }),
        );
    }
    // A policy must enforce something to load (§1.6a).
    let no_controls = grant
        .get("builtInControls")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
        && grant.get("authenticationStrength").is_none();
    if no_controls {
        set(&mut grant, "builtInControls", json!(["mfa"]));
    }
    let mut p = json!({
        "id": format!("00000000-0000-0000-0000-{:012}", k + 1),
        "displayName": format!("P{k}"),
        "state": state,
        "conditions": conditions,
        "grantControls": grant,
    });
    if u.ratio(1, 3)? {
        let every = u.arbitrary::<bool>()?;
        set(
            &mut p,
            "sessionControls",
            if every {
                json!({ "signInFrequency": { "isEnabled": true, "frequencyInterval": "everyTime" } })
            } else {
                json!({ "signInFrequency": { "isEnabled": true, "frequencyInterval": "timeBased", "type": "hours", "value": u.int_in_range(1..=24)? } })
            },
        );
    }
    Ok(p)
}

fn tenant_json(u: &mut Unstructured<'_>) -> arbitrary::Result<Value> {
    let n = u.int_in_range(1..=8)?;
    let mut policies = Vec::new();
    for k in 0..n {
        policies.push(policy(u, k)?);
    }
    let mut groups = Vec::new();
    for g in GROUPS {
        let mut members = some(u, &USERS)?;
        members.extend(some(u, &GROUPS)?);
        groups.push(json!({ "id": g, "members": members }));
    }
    let mut assignments = Vec::new();
    for _ in 0..u.int_in_range(0..=2)? {
        let principal = if u.arbitrary()? {
            pick(u, &USERS)?
        } else {
            pick(u, &GROUPS)?
        };
        assignments.push(json!({ "principalId": principal, "roleDefinitionId": pick(u, &ROLES)?, "directoryScopeId": "/" }));
    }
    Ok(json!({
        "conditionalAccessPolicies": policies,
        "namedLocations": [
            { "@odata.type": "#microsoft.graph.ipNamedLocation", "id": LOCATIONS[0], "isTrusted": true, "ipRanges": [{ "cidrAddress": "10.0.0.0/16" }] },
            { "@odata.type": "#microsoft.graph.ipNamedLocation", "id": LOCATIONS[1], "ipRanges": [{ "cidrAddress": "10.0.0.0/24" }, { "cidrAddress": "2001:db8::/32" }] },
            { "@odata.type": "#microsoft.graph.countryNamedLocation", "id": LOCATIONS[2], "countriesAndRegions": ["NL", "BE"], "includeUnknownCountriesAndRegions": true }
        ],
        "mfaTrustedIps": ["192.0.2.0/24"],
        "authenticationStrengthPolicies": [{ "id": STRENGTHS[2], "displayName": "Custom", "policyType": "custom", "allowedCombinations": ["fido2", "password,sms"] }],
        "directory": { "users": USERS.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(), "groups": groups, "roleAssignments": assignments }
    }))
}

fn request_json(u: &mut Unstructured<'_>) -> arbitrary::Result<Value> {
    let mut conditions = json!({});
    if u.arbitrary()? {
        set(
            &mut conditions,
            "devicePlatform",
            json!(pick(u, &PLATFORMS)?),
        );
    }
    if u.arbitrary()? {
        set(&mut conditions, "clientAppType", json!(pick(u, &CLIENTS)?));
    }
    if u.arbitrary()? {
        set(&mut conditions, "ipAddress", json!(pick(u, &IPS)?));
    }
    if u.arbitrary()? {
        set(
            &mut conditions,
            "country",
            json!(pick(u, &["NL", "US", "unknown"])?),
        );
    }
    if u.arbitrary()? {
        set(
            &mut conditions,
            "signInRiskLevel",
            json!(pick(u, &["low", "medium", "high", "none"])?),
        );
    }
    if u.arbitrary()? {
        set(
            &mut conditions,
            "deviceInfo",
            json!({
                "extensionAttribute1": pick(u, &["PAW", "other"])?,
                "isCompliant": u.arbitrary::<bool>()?,
                "trustType": pick(u, &["AzureAD", "ServerAD", "Workplace"])?,
            }),
        );
    }
    let minutes_ago: i64 = u.int_in_range(-10..=600)?;
    Ok(json!({
        "signInIdentity": { "@odata.type": "#microsoft.graph.userSignIn",
                            "userId": if u.ratio(1, 8)? { "00000000-0000-0000-0000-0000000000ff" } else { pick(u, &USERS)? } },
        "signInContext": { "@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [pick(u, &APPS)?] },
        "signInConditions": conditions,
        "session": {
            "time": "2026-03-02T09:00:00Z",
            "authenticationMethods": some(u, &METHODS)?,
            "lastAuthenticatedDateTime": jiff::Timestamp::from_second(1_772_442_000 - minutes_ago * 60).map(|t| t.to_string()).unwrap_or_default(),
            "passwordChanged": u.arbitrary::<bool>()?,
            "approvedClientApp": u.arbitrary::<bool>()?,
        }
    }))
}

/// A generated tenant from the fuzzer's bytes, loaded leniently; `None` when it does not load.
fn fuzz_tenant(u: &mut Unstructured<'_>) -> Option<Tenant> {
    let tenant = tenant_json(u).ok()?;
    let lenient = crate::LoadOptions::default()
        .allow_empty(true)
        .allow_dangling(true);
    crate::load_bundle_bytes_with("fuzz.json", tenant.to_string().as_bytes(), &lenient).ok()
}

/// Builds a tenant and requests from the fuzzer's bytes and requires both evaluators to agree.
pub fn differential(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Some(tenant) = fuzz_tenant(&mut u) else {
        return;
    };
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(&tenant);
    while let Ok(request) = request_json(&mut u) {
        let text = request.to_string();
        let Ok(doc) = jjson::parse_str(&text) else {
            return;
        };
        let mut d = Diagnostics::new("fuzz");
        let Some(req) = parse_sign_in(&mut d, &doc, None) else {
            continue;
        };
        let fast = snapshot
            .compiled()
            .decide(&snapshot.compiled().prepare(&req));
        let a = snapshot.evaluate(&req, Explain::Policies);
        let b = reference.evaluate(&req, Explain::Policies);
        same(&a, &b);
        same(&fast, &a.decision);
        borrowed_agrees(&snapshot, &reference, &req, &b);
        if u.is_empty() {
            break;
        }
    }
}

/// Builds a tenant and requests as [`differential`] does, then checks condition-space analysis
/// against both engines: every gap witness is allowed, a request classified into a gap is
/// allowed with the witnesses' session, and a tenant compared with itself changes nothing.
#[expect(
    clippy::panic,
    reason = "an unsound region or a non-empty self-diff is the bug this target hunts"
)]
pub fn analysis(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Some(tenant) = fuzz_tenant(&mut u) else {
        return;
    };
    let Ok(at) = "2026-03-02T09:00:00Z".parse::<jiff::Timestamp>() else {
        return;
    };
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(&tenant);
    let report = snapshot.gaps(&crate::GapOptions::new(at).max_nodes(50_000));
    for r in &report.regions {
        let Ok(req) = crate::SignInRequest::from_json(&r.witness.to_string()) else {
            panic!("a witness does not parse: {}", r.witness);
        };
        let a = snapshot.evaluate(&req, Explain::None).decision;
        let b = reference.evaluate(&req, Explain::None).decision;
        if a != crate::Decision::Allow || b != crate::Decision::Allow {
            panic!("gap witness not allowed ({a:?} / {b:?}): {}", r.witness);
        }
    }
    while let Ok(mut request) = request_json(&mut u) {
        if let Some(o) = request.as_object_mut() {
            o.insert("session".to_owned(), report.session.clone());
        }
        let Ok(req) = crate::SignInRequest::from_json(&request.to_string()) else {
            continue;
        };
        if let crate::Classification::Region(k) = report.classify(&snapshot, &req) {
            let got = snapshot.evaluate(&req, Explain::None).decision;
            if got != crate::Decision::Allow {
                panic!("request in gap {k} decided {got:?}: {request}");
            }
        }
        if u.is_empty() {
            break;
        }
    }
    let same_tenant = crate::diff(
        &snapshot,
        &snapshot,
        &crate::DiffOptions::new(at).max_nodes(50_000),
    );
    if !same_tenant.regions.is_empty() {
        panic!(
            "a tenant differs from itself: {:?}",
            same_tenant.regions.first().map(|r| &r.witness)
        );
    }
}

/// Parses arbitrary bytes as a `jitgate test` file (the first byte picks JSON or YAML) and, when
/// it parses, runs its cases on the example tenant with both engines.
pub fn test_file(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let syntax = if first % 2 == 0 {
        crate::TestSyntax::Yaml
    } else {
        crate::TestSyntax::Json
    };
    let text = String::from_utf8_lossy(rest);
    if let (Ok(suite), Some((_, snapshot))) = (
        crate::TestSuite::parse("fuzz.yaml", &text, syntax),
        example(),
    ) {
        let report = crate::run_tests(
            snapshot,
            &[suite],
            &crate::TestOptions::default().both_engines(true),
        );
        let _ = report.render_text(true);
        let _ = report.to_junit();
    }
}

/// Reads arbitrary bytes as an export of sign-in records (any shape, any encoding), maps each
/// record, and decides and compares what maps, on the example tenant.
pub fn sign_in_log(data: &[u8]) {
    // The one-pass reader reads a record as serde_json does, wherever it answers.
    if let Ok(text) = std::str::from_utf8(data) {
        assert!(crate::signinlog::fast_path_agrees(text), "{text}");
        // Nothing the mapping reads is left out of what is read.
        assert!(
            crate::signinlog::mapping_keeps_what_it_reads(text),
            "{text}"
        );
    }
    let mut records = crate::SignInLogRecords::new(Box::new(std::io::Cursor::new(data.to_vec())));
    for record in records.by_ref().take(64) {
        let Ok(record) = record else { break };
        let _ = record.value();
        if let (Ok(mapped), Some((_, snapshot))) = (record.map(), example()) {
            let decision = snapshot.evaluate(&mapped.request, Explain::Policies);
            let agreement = mapped.compare(&decision);
            // Replay's quick comparison says "full" exactly when the explained one does.
            let quick = snapshot.evaluate_borrowed(&mapped.request);
            assert_eq!(
                mapped.fully_agrees(&quick),
                agreement.level == crate::AgreementLevel::Full,
                "{:?}",
                record.place
            );
        }
    }
    // Read to the end, so a streaming thread has finished (and been joined) before the next
    // input: the leak checker takes a thread still exiting for a leak.
    records.for_each(drop);
}
