//! Hostile input: every malformed, oversized, odd or adversarial input named in docs/SEMANTICS.md §1,
//! §3.2, §3.11 and §11 must either fail with the exact diagnostic (code, file, JSON path and
//! message) or be tolerated in the documented way, and never panic, hang, or turn a deny into an
//! allow. Big inputs are generated here, never committed.
//!
//! The CLI section runs the real binary: batches that mix good and bad lines, unreadable tenants
//! and hostile tenant directories.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use jitgate::unstable::Diagnostics;
use jitgate::unstable::model::{Cidr, LocationKind, Tenant};
use jitgate::unstable::parse_activation;
use jitgate::{Decision, DenyReason, SignInDecision};
use jitgate::{
    Diagnostic, Explain, LoadError, ReferenceEvaluator, Severity, SignInRequest, Snapshot,
    load_report, validate,
};
use serde_json::{Value, json};

const P1: &str = "11111111-1111-1111-1111-111111111111";
const P2: &str = "22222222-2222-2222-2222-222222222222";
const LOC: &str = "33333333-3333-3333-3333-333333333333";
const GROUP_A: &str = "44444444-4444-4444-4444-44444444444a";
const GROUP_B: &str = "44444444-4444-4444-4444-44444444444b";
const MISSING_GROUP: &str = "44444444-4444-4444-4444-4444444444ff";
const USER: &str = "55555555-5555-5555-5555-555555555555";
const OTHER_USER: &str = "55555555-5555-5555-5555-5555555555ee";
const UNKNOWN_USER: &str = "55555555-5555-5555-5555-5555555555ff";
const APP: &str = "00000003-0000-0ff1-ce00-000000000000";
const OTHER_APP: &str = "66666666-6666-6666-6666-666666666666";
const ROLE: &str = "62e90394-69f5-4237-9190-012177145e10";

// ---------------------------------------------------------------------------------------------
// Helpers

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "jitgate-hostile-{label}-{}-{n}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

fn utf16be(text: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_be_bytes());
    }
    out
}

/// Every diagnostic of bytes that must not load.
fn invalid_bytes(name: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    match jitgate::load_bundle_bytes_with(name, bytes, &crate::common::lenient()) {
        Ok(t) => panic!("expected errors, got a tenant with {:#?}", t.warnings),
        Err(LoadError::Invalid { diagnostics }) => diagnostics,
        Err(e) => panic!("expected Invalid, got {e:?}"),
    }
}

fn invalid(bundle: &str) -> Vec<Diagnostic> {
    invalid_bytes("t.json", bundle.as_bytes())
}

fn invalid_value(bundle: &Value) -> Vec<Diagnostic> {
    invalid(&bundle.to_string())
}

fn invalid_dir(dir: &Path) -> Vec<Diagnostic> {
    match crate::common::lenient_path(dir) {
        Ok(t) => panic!("expected errors, got a tenant with {:#?}", t.warnings),
        Err(LoadError::Invalid { diagnostics }) => diagnostics,
        Err(e) => panic!("expected Invalid, got {e:?}"),
    }
}

fn usable(bundle: &Value) -> Tenant {
    usable_text(&bundle.to_string())
}

fn usable_text(bundle: &str) -> Tenant {
    crate::common::lenient_bytes("t.json", bundle.as_bytes())
        .unwrap_or_else(|e| panic!("expected a usable tenant: {e:#?}"))
}

/// Validation without the break-glass lint: these hostile tenants block everyone on purpose, and
/// `lockout` / `noBreakGlass` have their own tests (validation.rs).
fn validate_but_break_glass(t: &Tenant, strict: bool) -> jitgate::ValidationReport {
    let mut report = validate(t, strict);
    report
        .findings
        .retain(|f| !matches!(f.code, "lockout" | "noBreakGlass"));
    report
}

/// The single error of a load, which must be the only diagnostic.
fn sole(diagnostics: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    &diagnostics[0]
}

/// The one diagnostic with `code` and `path`.
fn find<'a>(diagnostics: &'a [Diagnostic], code: &str, path: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.code == code && d.path == path)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {code} at {path}: {diagnostics:#?}"
    );
    found[0]
}

#[track_caller]
fn check(d: &Diagnostic, severity: Severity, code: &str, file: &str, path: &str, message: &str) {
    assert_eq!(d.severity, severity, "{d}");
    assert_eq!(d.code, code, "{d}");
    assert_eq!(d.file, file, "{d}");
    assert_eq!(d.path, path, "{d}");
    assert!(
        d.message.contains(message),
        "message {:?} lacks {message:?}",
        d.message
    );
}

#[track_caller]
fn error(d: &Diagnostic, code: &str, file: &str, path: &str, message: &str) {
    check(d, Severity::Error, code, file, path, message);
}

#[track_caller]
fn warning(d: &Diagnostic, code: &str, file: &str, path: &str, message: &str) {
    check(d, Severity::Warning, code, file, path, message);
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}

/// A policy for all users and all resources, with `extra` members merged in (and overriding).
fn policy(id: &str, extra: Value) -> Value {
    let mut p = json!({
        "id": id,
        "displayName": format!("policy {id}"),
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]}
        },
        // Enforced policies need a control to load (§1.6a); `extra` may replace it.
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
    });
    if let Value::Object(extra) = extra {
        for (k, v) in extra {
            p[k] = v;
        }
    }
    p
}

/// A block policy with these conditions.
fn block(id: &str, conditions: Value) -> Value {
    policy(
        id,
        json!({"conditions": conditions, "grantControls": {"operator": "OR", "builtInControls": ["block"]}}),
    )
}

/// The directory every evaluation test uses: USER in GROUP_A, OTHER_USER in nothing.
fn directory() -> Value {
    json!({
        "users": [{"id": USER}, {"id": OTHER_USER}],
        "groups": [{"id": GROUP_A, "members": [USER]}]
    })
}

fn tenant_with(policies: Vec<Value>) -> Tenant {
    usable(&json!({"conditionalAccessPolicies": policies, "directory": directory()}))
}

/// A sign-in by `user` to APP with `conditions` (merged into signInConditions).
fn signin(user: &str, conditions: Value) -> Value {
    json!({
        "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": user},
        "signInContext": {"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [APP]},
        "signInConditions": conditions,
        "session": {"time": "2025-03-03T09:15:00Z", "authenticationMethods": ["password"],
                    "lastAuthenticatedDateTime": "2025-03-03T09:14:00Z"}
    })
}

/// Parses request text: the request, or every diagnostic (file `r`).
fn parse_request_text(text: &str) -> Result<(SignInRequest, Vec<Diagnostic>), Vec<Diagnostic>> {
    match SignInRequest::from_json(text) {
        Ok(r) => {
            let warnings = r.warnings().to_vec();
            Ok((r, warnings))
        }
        Err(e) => Err(e.diagnostics().to_vec()),
    }
}

fn request(v: &Value) -> SignInRequest {
    match parse_request_text(&v.to_string()) {
        Ok((r, _)) => r,
        Err(d) => panic!("request must parse: {d:#?}"),
    }
}

fn bad_request(v: &Value) -> Vec<Diagnostic> {
    match parse_request_text(&v.to_string()) {
        Ok((r, _)) => panic!("request must not parse: {r:#?}"),
        Err(d) => d,
    }
}

/// Decides with both evaluators, checks they agree, and returns the reference decision.
fn decide(t: &Tenant, req: &SignInRequest) -> SignInDecision {
    let reference = ReferenceEvaluator::new(t).evaluate(req, Explain::Policies);
    let compiled = Snapshot::compile(t.clone()).evaluate(req, Explain::Policies);
    assert_eq!(reference.decision, compiled.decision, "engines disagree");
    assert_eq!(reference.requirements, compiled.requirements);
    assert_eq!(reference.deny_reasons, compiled.deny_reasons);
    assert_eq!(codes(&reference.warnings), codes(&compiled.warnings));
    reference
}

fn blocked_by(d: &SignInDecision) -> Vec<&str> {
    d.deny_reasons.iter().map(DenyReason::policy_id).collect()
}

fn ip_ranges(t: &Tenant) -> Vec<String> {
    match &t.named_locations[0].kind {
        LocationKind::Ip { ranges, .. } => ranges.iter().map(ToString::to_string).collect(),
        other => panic!("ip location expected, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Truncated and invalid JSON (§1.1.2)

#[test]
fn every_truncation_of_a_bundle_is_an_error_at_the_root() {
    let full = json!({"conditionalAccessPolicies": [block(P1, json!({
        "users": {"includeUsers": ["All"], "excludeGroups": [GROUP_A]},
        "applications": {"includeApplications": ["All"]},
        "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}}))],
        "directory": directory()})
    .to_string();
    assert!(crate::common::lenient_bytes("t.json", full.as_bytes()).is_ok());
    for cut in 0..full.len() {
        let d = invalid_bytes("t.json", &full.as_bytes()[..cut]);
        let e = sole(&d);
        if cut == 0 {
            error(e, "emptyFile", "t.json", "$", "file is empty");
        } else {
            error(e, "invalidJson", "t.json", "$", "EOF while parsing");
        }
    }
}

#[test]
fn truncated_utf16_file_names_the_byte_offset_or_the_eof() {
    let text = json!([policy(P1, json!({}))]).to_string();
    let bytes = utf16le(&text);
    let dir = TempDir::new("trunc16");
    // Cut inside a code unit: an odd byte count.
    let odd = bytes.len() - 3;
    dir.write("conditionalAccessPolicies.json", &bytes[..odd]);
    error(
        sole(&invalid_dir(dir.path())),
        "invalidJson",
        "conditionalAccessPolicies.json",
        "$",
        &format!("invalid UTF-16LE at byte offset {}", odd - 1),
    );
    // Cut on a code unit boundary: valid UTF-16, truncated JSON.
    dir.write("conditionalAccessPolicies.json", &bytes[..bytes.len() - 4]);
    error(
        sole(&invalid_dir(dir.path())),
        "invalidJson",
        "conditionalAccessPolicies.json",
        "$",
        "EOF while parsing",
    );
}

#[test]
fn escaped_lone_surrogates_control_characters_and_bad_escapes_are_invalid_json() {
    for (text, message) in [
        (
            r#"{"conditionalAccessPolicies":[{"displayName":"\ud800"}]}"#,
            "unexpected end of hex escape",
        ),
        (
            r#"{"conditionalAccessPolicies":[{"displayName":"\ud800\u0041"}]}"#,
            "lone leading surrogate in hex escape",
        ),
        (
            r#"{"conditionalAccessPolicies":[{"displayName":"\udc00x"}]}"#,
            "lone leading surrogate in hex escape",
        ),
        (
            "{\"conditionalAccessPolicies\":[{\"displayName\":\"a\tb\"}]}",
            "control character (\\u0000-\\u001F) found while parsing a string",
        ),
        (
            r#"{"conditionalAccessPolicies":[{"displayName":"\x41"}]}"#,
            "invalid escape",
        ),
    ] {
        let d = invalid(text);
        error(sole(&d), "invalidJson", "t.json", "$", message);
    }
}

#[test]
fn javascript_literals_and_loose_numbers_are_invalid_json() {
    for literal in [
        "NaN",
        "Infinity",
        "-Infinity",
        "undefined",
        "0x10",
        "01",
        "+1",
        ".5",
        "1.",
        "True",
    ] {
        let text = format!(
            r#"{{"conditionalAccessPolicies":[{{"id":"{P1}","state":"enabled","conditions":{{}},"x":{literal}}}]}}"#
        );
        let d = invalid(&text);
        error(
            sole(&d),
            "invalidJson",
            "t.json",
            "$",
            "invalid JSON at line 1",
        );
    }
}

#[test]
fn a_bundle_that_is_not_an_object_is_a_wrong_type() {
    for (text, found) in [
        ("42", "a number"),
        ("\"bundle\"", "a string"),
        ("null", "null"),
        ("true", "a boolean"),
    ] {
        let d = invalid(text);
        error(
            sole(&d),
            "wrongType",
            "t.json",
            "$",
            &format!("expected an object, found {found}"),
        );
    }
    // An array is a collection given as the whole tenant (§1.1a): an empty one holds no policy.
    let Err(LoadError::Invalid { diagnostics }) = jitgate::load_bundle_bytes("t.json", b"[]")
    else {
        panic!("an empty array is no tenant");
    };
    assert_eq!(sole(&diagnostics).code, "noPolicies", "{diagnostics:#?}");
}

#[test]
fn a_collection_file_holding_a_scalar_is_a_wrong_type() {
    let dir = TempDir::new("scalar");
    dir.write("conditionalAccessPolicies.json", "42");
    dir.write("namedLocations.json", "\"all\"");
    let d = invalid_dir(dir.path());
    assert_eq!(d.len(), 2, "{d:#?}");
    error(
        &d[0],
        "wrongType",
        "conditionalAccessPolicies.json",
        "$",
        "expected an array, a list response or an object, found a number",
    );
    error(
        &d[1],
        "wrongType",
        "namedLocations.json",
        "$",
        "expected an array, a list response or an object, found a string",
    );
}

// ---------------------------------------------------------------------------------------------
// Wrong JSON types at several paths (§1.4): an error at each path, all collected at once.

#[test]
fn wrong_types_in_a_policy_are_each_reported_at_their_path() {
    let d = invalid_value(&json!({"conditionalAccessPolicies": [{
        "id": P1, "displayName": "wrong types", "state": 1,
        "conditions": {
            "users": {"includeUsers": "All", "excludeGroups": [7]},
            "applications": [],
            "clientAppTypes": 5,
            "platforms": {"includePlatforms": {"all": true}}
        },
        "grantControls": "block",
        "sessionControls": {"signInFrequency": {"isEnabled": "yes", "value": "12", "type": "hours"}}
    }]}));
    let at = "$.conditionalAccessPolicies[0]";
    for (path, message) in [
        ("state", "expected a string, found a number"),
        (
            "conditions.users.includeUsers",
            "expected an array, found a string",
        ),
        (
            "conditions.users.excludeGroups[0]",
            "expected a string, found a number",
        ),
        (
            "conditions.applications",
            "expected an object, found an array",
        ),
        (
            "conditions.platforms.includePlatforms",
            "expected a comma-separated string, found an object",
        ),
        (
            "conditions.clientAppTypes",
            "expected a comma-separated string, found a number",
        ),
        ("grantControls", "expected an object, found a string"),
        (
            "sessionControls.signInFrequency.isEnabled",
            "expected a boolean, found a string",
        ),
        (
            "sessionControls.signInFrequency.value",
            "expected an integer, found a string",
        ),
    ] {
        let path = format!("{at}.{path}");
        error(
            find(&d, "wrongType", &path),
            "wrongType",
            "t.json",
            &path,
            message,
        );
    }
    // The frequency is unusable without its value.
    error(
        find(
            &d,
            "invalidSignInFrequency",
            &format!("{at}.sessionControls.signInFrequency"),
        ),
        "invalidSignInFrequency",
        "t.json",
        &format!("{at}.sessionControls.signInFrequency"),
        "needs type hours or days and a positive value",
    );
}

#[test]
fn wrong_types_in_locations_directory_and_pim() {
    let d = invalid_value(&json!({
        "namedLocations": [
            {"id": LOC, "isTrusted": "true", "ipRanges": [{"cidrAddress": "10.0.0.0/16"}]},
            {"id": P2, "@odata.type": "#microsoft.graph.ipNamedLocation", "ipRanges": {"cidrAddress": "10.0.0.0/16"}},
            {"id": GROUP_B, "countriesAndRegions": "NL"}
        ],
        "directory": {"users": [{"id": 5}], "groups": [{"id": GROUP_A, "members": "everyone"}]},
        "pim": {"roleEligibilityScheduleInstances": [{
            "principalId": 12, "roleDefinitionId": ROLE, "directoryScopeId": "/",
            "startDateTime": 1_700_000_000}]}
    }));
    for (path, message) in [
        (
            "$.namedLocations[0].isTrusted",
            "expected a boolean, found a string",
        ),
        (
            "$.namedLocations[1].ipRanges",
            "expected an array, found an object",
        ),
        (
            "$.namedLocations[2].countriesAndRegions",
            "expected an array, found a string",
        ),
        (
            "$.directory.users[0].id",
            "expected a string, found a number",
        ),
        (
            "$.directory.groups[0].members",
            "expected an array, found a string",
        ),
        (
            "$.pim.roleEligibilityScheduleInstances[0].principalId",
            "expected a string, found a number",
        ),
        (
            "$.pim.roleEligibilityScheduleInstances[0].startDateTime",
            "expected a string, found a number",
        ),
    ] {
        error(
            find(&d, "wrongType", path),
            "wrongType",
            "t.json",
            path,
            message,
        );
    }
    let d = invalid_value(&json!({"directory": [], "pim": "none"}));
    assert_eq!(d.len(), 2, "{d:#?}");
    error(
        &d[0],
        "wrongType",
        "t.json",
        "$.directory",
        "expected an object, found an array",
    );
    error(
        &d[1],
        "wrongType",
        "t.json",
        "$.pim",
        "expected an object, found a string",
    );
}

#[test]
fn conditions_null_or_state_null_is_a_missing_required_member() {
    let d = invalid_value(&json!({"conditionalAccessPolicies": [
        policy(P1, json!({"conditions": null})),
        policy(P2, json!({"state": null}))
    ]}));
    assert_eq!(d.len(), 2, "{d:#?}");
    error(
        &d[0],
        "missingField",
        "t.json",
        "$.conditionalAccessPolicies[0].conditions",
        "policy conditions are required",
    );
    error(
        &d[1],
        "missingField",
        "t.json",
        "$.conditionalAccessPolicies[1].state",
        "policy state is required",
    );
}

// ---------------------------------------------------------------------------------------------
// Deep nesting (§1.1.2): an error, never a stack overflow.

#[test]
fn nesting_depth_is_bounded_near_128_levels() {
    // 127 levels (the bundle object is level 1) load; 129 do not. serde_json already refuses
    // 128, one short of "deeper than 128 levels is an error" (§1.1.2): reported, not fixed here.
    let nest = |levels: usize| {
        format!(
            r#"{{"x":{}{}}}"#,
            "[".repeat(levels - 1),
            "]".repeat(levels - 1)
        )
    };
    let t = crate::common::lenient_bytes("t.json", nest(127).as_bytes()).unwrap();
    assert_eq!(codes(&t.warnings), ["unknownBundleKey"]);
    let d = invalid(&nest(129));
    error(
        sole(&d),
        "invalidJson",
        "t.json",
        "$",
        "recursion limit exceeded",
    );
}

#[test]
fn hundred_thousand_levels_in_a_utf16_directory_file() {
    let dir = TempDir::new("deep");
    let deep = format!("[{}{}]", r#"{"a":["#.repeat(50_000), r#"]}"#.repeat(50_000));
    dir.write("namedLocations.json", utf16be(&deep));
    // Unclosed too: the parser stops at the limit, not at the end.
    dir.write("directory/groups.json", "[".repeat(200_000));
    let d = invalid_dir(dir.path());
    assert_eq!(d.len(), 2, "{d:#?}");
    error(
        &d[0],
        "invalidJson",
        "directory/groups.json",
        "$",
        "recursion limit exceeded",
    );
    error(
        &d[1],
        "invalidJson",
        "namedLocations.json",
        "$",
        "recursion limit exceeded",
    );
}

#[test]
fn deep_nesting_in_a_request_line_is_an_error() {
    let mut req = signin(USER, json!({})).to_string();
    req.insert_str(
        1,
        &format!(r#""x":{}1{},"#, "[".repeat(10_000), "]".repeat(10_000)),
    );
    let d = parse_request_text(&req).unwrap_err();
    error(
        sole(&d),
        "invalidJson",
        "request",
        "$",
        "recursion limit exceeded",
    );
}

// ---------------------------------------------------------------------------------------------
// Huge strings and arrays: they load or fail with a short message, and decisions still come.

#[test]
fn ten_megabyte_display_name_loads_and_blocks() {
    let name = "N".repeat(10 * 1024 * 1024);
    let t = tenant_with(vec![policy(
        P1,
        json!({"displayName": name, "grantControls": {"operator": "OR", "builtInControls": ["block"]}}),
    )]);
    assert_eq!(t.policies[0].display_name.len(), name.len());
    let d = decide(&t, &request(&signin(USER, json!({}))));
    assert_eq!(d.decision, Decision::Deny);
    let DenyReason::BlockedByPolicy { display_name, .. } = &d.deny_reasons[0] else {
        panic!("{:?}", d.deny_reasons)
    };
    assert_eq!(display_name.len(), name.len());
}

#[test]
fn ten_megabyte_values_that_are_invalid_keep_messages_short() {
    let huge = "9".repeat(10 * 1024 * 1024);
    let d = invalid_value(&json!({
        "namedLocations": [{"id": LOC, "ipRanges": [{"cidrAddress": format!("{huge}/8")}]}],
        "conditionalAccessPolicies": [policy(P1, json!({"conditions": {
            "users": {"includeUsers": ["All"], "excludeUsers": [format!("<{huge}>")]},
            "applications": {"includeApplications": ["All"]},
            "devices": {"deviceFilter": {"mode": "exclude", "rule": format!("device.model -eq \"{huge}\"")}}
        }}))],
        "pim": {"roleManagementPolicies": [{"id": "p", "rules": [
            {"id": "Expiration_EndUser_Assignment", "isExpirationRequired": true, "maximumDuration": format!("P{huge}D")}
        ]}]},
        "directory": {"roleAssignments": [{"principalId": USER, "roleDefinitionId": ROLE,
            "directoryScopeId": "/", "startDateTime": format!("2025-03-03T09:15:00.{huge}Z")}]}
    }));
    for (code, path) in [
        ("invalidCidr", "$.namedLocations[0].ipRanges[0].cidrAddress"),
        (
            "placeholder",
            "$.conditionalAccessPolicies[0].conditions.users.excludeUsers[0]",
        ),
        (
            "invalidFilter",
            "$.conditionalAccessPolicies[0].conditions.devices.deviceFilter.rule",
        ),
        (
            "invalidDuration",
            "$.pim.roleManagementPolicies[0].rules[0].maximumDuration",
        ),
        (
            "invalidTimestamp",
            "$.directory.roleAssignments[0].startDateTime",
        ),
    ] {
        let e = find(&d, code, path);
        assert_eq!(e.file, "t.json");
        assert!(
            e.message.len() < 400,
            "{code}: message of {} bytes",
            e.message.len()
        );
    }
    assert!(
        find(
            &d,
            "invalidFilter",
            "$.conditionalAccessPolicies[0].conditions.devices.deviceFilter.rule"
        )
        .message
        .contains("more than the limit of 65536 bytes")
    );
}

/// A JSON array of `n` generated GUIDs (as text: building a `Value` this big is slow in debug).
fn guid_array(prefix: &str, n: usize, extra: &[&str]) -> String {
    let mut out = String::with_capacity(n * 40 + 2);
    out.push('[');
    for i in 0..n {
        out.push_str(&format!("\"{prefix}-0000-0000-0000-{i:012}\","));
    }
    for e in extra {
        out.push_str(&format!("\"{e}\","));
    }
    out.pop();
    out.push(']');
    out
}

#[test]
fn a_million_excluded_users() {
    let policy = block(
        P1,
        json!({"users": {"includeUsers": ["All"], "excludeUsers": ["EXCLUDED"]},
        "applications": {"includeApplications": ["All"]}}),
    )
    .to_string()
    .replace(
        r#"["EXCLUDED"]"#,
        &guid_array("77777777", 1_000_000, &[OTHER_USER]),
    );
    let t = usable_text(&format!(
        r#"{{"conditionalAccessPolicies":[{policy}],"directory":{}}}"#,
        directory()
    ));
    assert_eq!(
        decide(&t, &request(&signin(USER, json!({})))).decision,
        Decision::Deny
    );
    assert_eq!(
        decide(&t, &request(&signin(OTHER_USER, json!({})))).decision,
        Decision::Allow
    );
    // Not in directory.users but listed: still that user, so the exclusion exempts it (§3.4
    // rule 9, amended); an id nobody lists is covered by All.
    let listed = decide(
        &t,
        &request(&signin("77777777-0000-0000-0000-000000999999", json!({}))),
    );
    assert_eq!(listed.decision, Decision::Allow);
    let unlisted = decide(
        &t,
        &request(&signin("77777777-0000-0000-0000-000001999999", json!({}))),
    );
    assert_eq!(unlisted.decision, Decision::Deny);
    let report = validate_but_break_glass(&t, false);
    assert_eq!(report.findings, []);
}

#[test]
fn a_million_group_members() {
    let members = guid_array("77777777", 1_000_000, &[USER]);
    let policy = block(
        P1,
        json!({"users": {"includeGroups": [GROUP_B]},
        "applications": {"includeApplications": ["All"]}}),
    );
    let t = usable_text(&format!(
        r#"{{"conditionalAccessPolicies":[{policy}],"directory":{{"users":[{{"id":"{USER}"}},{{"id":"{OTHER_USER}"}}],"groups":[{{"id":"{GROUP_B}","members":{members}}}]}}}}"#
    ));
    assert_eq!(t.groups[0].members.len(), 1_000_001);
    assert_eq!(
        decide(&t, &request(&signin(USER, json!({})))).decision,
        Decision::Deny
    );
    assert_eq!(
        decide(&t, &request(&signin(OTHER_USER, json!({})))).decision,
        Decision::Allow
    );
    assert_eq!(validate_but_break_glass(&t, false).findings, []);
}

#[test]
fn a_million_ip_ranges_in_one_location() {
    let ranges: Vec<String> = (0..1_000_000u32)
        .map(|i| format!("{}.{}.{}.0/24", 10 + i / 65_536, (i / 256) % 256, i % 256))
        .collect();
    let t = usable(&json!({
        "namedLocations": [{"id": LOC, "displayName": "big", "ipRanges": ranges}],
        "conditionalAccessPolicies": [block(P1, json!({
            "users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
            "locations": {"includeLocations": [LOC]}}))],
        "directory": directory()
    }));
    let inside = decide(
        &t,
        &request(&signin(USER, json!({"ipAddress": "12.3.4.5"}))),
    );
    assert_eq!(inside.decision, Decision::Deny);
    let outside = decide(&t, &request(&signin(USER, json!({"ipAddress": "9.3.4.5"}))));
    assert_eq!(outside.decision, Decision::Allow);
    let report = validate_but_break_glass(&t, false);
    assert_eq!(codes(&report.findings), ["tooManyRanges"]);
}

// ---------------------------------------------------------------------------------------------
// CIDRs (§4.1)

#[test]
fn host_bits_are_masked_in_trusted_ips_and_ipv6_ranges() {
    let t = usable(&json!({
        "mfaTrustedIps": [{"cidrAddress": "198.51.100.77/24"}, " 203.0.113.200/25 "],
        "namedLocations": [{"id": LOC, "ipRanges": [{"cidrAddress": "2001:db8:abcd:12:ffff::1/52"}]}]
    }));
    let trusted: Vec<String> = t.mfa_trusted_ips.iter().map(ToString::to_string).collect();
    assert_eq!(trusted, ["198.51.100.0/24", "203.0.113.128/25"]);
    assert_eq!(ip_ranges(&t), ["2001:db8:abcd::/52"]);
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
}

#[test]
fn slash_zero_and_slash_eight_load_and_warn_from_validate() {
    let t = usable(&json!({
        "namedLocations": [{"id": LOC, "displayName": "wide", "ipRanges": ["::/0", "10.9.9.9/8", "0.0.0.0/0"]}],
        "conditionalAccessPolicies": [block(P1, json!({
            "users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
            "locations": {"includeLocations": [LOC]}}))],
        "directory": directory()
    }));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    assert_eq!(ip_ranges(&t), ["::/0", "10.0.0.0/8", "0.0.0.0/0"]);
    let report = validate_but_break_glass(&t, false);
    let at = format!("namedLocations[{LOC}]");
    assert_eq!(report.findings.len(), 3, "{:#?}", report.findings);
    for (f, range) in report
        .findings
        .iter()
        .zip(["::/0", "10.0.0.0/8", "0.0.0.0/0"])
    {
        warning(
            f,
            "prefixTooShort",
            "",
            &at,
            &format!("{range} in \"wide\": Entra requires a prefix longer than /8"),
        );
    }
    // Still evaluated: a /0 catches every address of its family.
    for ip in ["2001:db8::1", "8.8.8.8", "::ffff:8.8.8.8"] {
        let d = decide(&t, &request(&signin(USER, json!({"ipAddress": ip}))));
        assert_eq!(d.decision, Decision::Deny, "{ip}");
    }
}

#[test]
fn regression_ipv4_mapped_ipv6_range_matched_nothing() {
    let t = usable(&json!({
        "namedLocations": [{"id": LOC, "displayName": "mapped", "ipRanges": ["::ffff:198.51.100.0/120"]}],
        "conditionalAccessPolicies": [block(P1, json!({
            "users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
            "locations": {"includeLocations": [LOC]}}))],
        "directory": directory()
    }));
    for (ip, expected) in [
        ("198.51.100.7", Decision::Deny),
        ("::ffff:198.51.100.7", Decision::Deny),
        ("198.51.101.7", Decision::Allow),
        ("2001:db8::7", Decision::Allow),
    ] {
        let d = decide(&t, &request(&signin(USER, json!({"ipAddress": ip}))));
        assert_eq!(d.decision, expected, "{ip}");
    }
}

#[test]
fn zone_ids_bad_prefixes_and_missing_prefixes_are_invalid_cidrs() {
    let cases = [
        (
            "fe80::1%eth0/64",
            "\"fe80::1%eth0/64\" is not a CIDR range: \"fe80::1%eth0\" is not an IPv4 or IPv6 address",
        ),
        (
            "1.2.3.4/33",
            "\"1.2.3.4/33\": prefix length /33 is too long for this address family",
        ),
        ("2001:db8::/129", "prefix length /129 is too long"),
        (
            "1.2.3.4",
            "\"1.2.3.4\" is not a CIDR range: the /prefix is missing",
        ),
        ("1.2.3.4/", "\"1.2.3.4/\": invalid prefix length"),
        ("/24", "\"\" is not an IPv4 or IPv6 address"),
        ("1.2.3.4/+8", "invalid prefix length"),
        ("1.2.3.4/8/8", "invalid prefix length"),
        ("1.2.3.4 /8", "is not an IPv4 or IPv6 address"),
        ("01.2.3.4/8", "is not an IPv4 or IPv6 address"),
        ("1.2.3.4/0x8", "invalid prefix length"),
    ];
    let ranges: Vec<&str> = cases.iter().map(|(c, _)| *c).collect();
    let d = invalid_value(&json!({"namedLocations": [{"id": LOC, "ipRanges": ranges}]}));
    assert_eq!(d.len(), cases.len(), "{d:#?}");
    for (i, (e, (_, message))) in d.iter().zip(cases).enumerate() {
        error(
            e,
            "invalidCidr",
            "t.json",
            &format!("$.namedLocations[0].ipRanges[{i}]"),
            message,
        );
    }
    // The same parser guards the legacy trusted IPs, and requests reject ranges and zones.
    let d = invalid_value(&json!({"mfaTrustedIps": [{"cidrAddress": "fe80::1%eth0/64"}]}));
    error(
        sole(&d),
        "invalidCidr",
        "t.json",
        "$.mfaTrustedIps[0]",
        "is not an IPv4 or IPv6 address",
    );
    for ip in ["1.2.3.4/32", "fe80::1%eth0", "", "1.2.3"] {
        let d = bad_request(&signin(USER, json!({"ipAddress": ip})));
        error(
            sole(&d),
            "invalidIpAddress",
            "request",
            "$.signInConditions.ipAddress",
            "is not an IPv4 or IPv6 address",
        );
    }
}

#[test]
fn cidr_parse_of_garbage_never_panics() {
    for s in [
        "",
        "/",
        "//",
        "::/",
        ":::/64",
        "1.2.3.4/255",
        "1.2.3.4/256",
        "1.2.3.4/999",
        "1.2.3.4/-1",
        "é/8",
        "1.2.3.4/８",
        "[::1]/64",
        "::ffff:1.2.3.4/96",
        "::ffff:1.2.3.4/97",
        "::ffff:0:0/95",
        "0.0.0.0/00",
    ] {
        let _ = Cidr::parse(s);
    }
    let mapped = Cidr::parse("::ffff:1.2.3.4/97").unwrap();
    assert_eq!(mapped.to_string(), "0.0.0.0/1");
}

// ---------------------------------------------------------------------------------------------
// Encodings: invalid UTF-16 and mixed BOMs (§1.1.1)

#[test]
fn lone_low_surrogate_at_the_end_of_a_utf16be_file() {
    let mut bytes = utf16be("[]");
    bytes.extend_from_slice(&0xDC00u16.to_be_bytes());
    let d = invalid_bytes("be.json", &bytes);
    error(
        sole(&d),
        "invalidJson",
        "be.json",
        "$",
        "invalid UTF-16BE at byte offset 6",
    );
}

#[test]
fn high_surrogate_followed_by_a_plain_unit_inside_a_key() {
    let mut bytes = utf16le("{\"");
    bytes.extend_from_slice(&0xD83Du16.to_le_bytes());
    bytes.extend_from_slice(&utf16le("x\":1}")[2..]);
    let d = invalid_bytes("le.json", &bytes);
    error(
        sole(&d),
        "invalidJson",
        "le.json",
        "$",
        "invalid UTF-16LE at byte offset 6",
    );
}

#[test]
fn odd_byte_count_in_a_utf16be_directory_file() {
    let dir = TempDir::new("odd16");
    let mut bytes = utf16be("[]");
    bytes.push(b'\n');
    dir.write("directory/users.json", &bytes);
    let d = invalid_dir(dir.path());
    error(
        sole(&d),
        "invalidJson",
        "directory/users.json",
        "$",
        "invalid UTF-16BE at byte offset 6",
    );
}

#[test]
fn utf8_bom_followed_by_a_utf16_bom() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF, 0xFF, 0xFE];
    bytes.extend_from_slice(&utf16le("{}")[2..]);
    let d = invalid_bytes("mixed.json", &bytes);
    error(
        sole(&d),
        "invalidJson",
        "mixed.json",
        "$",
        "invalid UTF-8 at byte offset 3",
    );
}

#[test]
fn utf16_bom_with_a_utf8_body() {
    // Even length: decodes to CJK-looking units, which are not JSON.
    let mut even = vec![0xFF, 0xFE];
    even.extend_from_slice(br#"{"a":[]}"#);
    assert_eq!(even.len() % 2, 0);
    let d = invalid_bytes("even.json", &even);
    error(
        sole(&d),
        "invalidJson",
        "even.json",
        "$",
        "invalid JSON at line 1 column 1",
    );
    // Odd length: the encoding error comes first.
    let mut odd = vec![0xFE, 0xFF];
    odd.extend_from_slice(br#"{"a":1}"#);
    let d = invalid_bytes("odd.json", &odd);
    error(
        sole(&d),
        "invalidJson",
        "odd.json",
        "$",
        "invalid UTF-16BE at byte offset 8",
    );
}

#[test]
fn two_utf16_boms_and_a_utf32_bom() {
    let mut twice = vec![0xFF, 0xFE];
    twice.extend_from_slice(&utf16le("{}"));
    let d = invalid_bytes("twice.json", &twice);
    error(
        sole(&d),
        "invalidJson",
        "twice.json",
        "$",
        "invalid JSON at line 1 column 1",
    );
    let mut utf32 = vec![0xFF, 0xFE, 0x00, 0x00];
    for c in "{}".chars() {
        utf32.extend_from_slice(&(c as u32).to_le_bytes());
    }
    let d = invalid_bytes("utf32.json", &utf32);
    assert_eq!(sole(&d).code, "invalidJson");
}

// ---------------------------------------------------------------------------------------------
// Empty files (§1.1)

#[test]
fn files_of_nul_bytes_or_non_json_whitespace_are_invalid_not_empty() {
    let dir = TempDir::new("blank");
    dir.write("conditionalAccessPolicies/a.json", [0u8; 16]);
    dir.write(
        "conditionalAccessPolicies/b.json",
        "\u{00A0}\u{2003}\u{000B}\u{000C}",
    );
    dir.write("conditionalAccessPolicies/c.json", [0xFE, 0xFF]);
    dir.write("conditionalAccessPolicies/d.json", utf16be("\u{FEFF}"));
    dir.write("pim/scheduleRequests.json", " \r\n\t \n");
    let d = invalid_dir(dir.path());
    assert_eq!(d.len(), 5, "{d:#?}");
    error(
        &d[0],
        "invalidJson",
        "conditionalAccessPolicies/a.json",
        "$",
        "expected value",
    );
    error(
        &d[1],
        "invalidJson",
        "conditionalAccessPolicies/b.json",
        "$",
        "expected value",
    );
    error(
        &d[2],
        "emptyFile",
        "conditionalAccessPolicies/c.json",
        "$",
        "file is empty",
    );
    error(
        &d[3],
        "invalidJson",
        "conditionalAccessPolicies/d.json",
        "$",
        "expected value",
    );
    error(
        &d[4],
        "emptyFile",
        "pim/scheduleRequests.json",
        "$",
        "file is empty; expected a JSON object or array",
    );
}

// ---------------------------------------------------------------------------------------------
// Filters (§3.11, §11)

fn device_filter_bundle(rule: &str) -> Value {
    json!({"conditionalAccessPolicies": [block(P1, json!({
        "users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
        "devices": {"deviceFilter": {"mode": "exclude", "rule": rule}}}))],
        "directory": directory()})
}

const RULE_PATH: &str = "$.conditionalAccessPolicies[0].conditions.devices.deviceFilter.rule";

#[test]
fn ten_thousand_parentheses_are_an_invalid_filter() {
    let inner = r#"device.model -eq "x""#;
    for rule in [
        format!("{}{inner}{}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{}{inner}", "(".repeat(10_000)),
        format!("{inner}{}", ")".repeat(10_000)),
        format!("{}{inner}", "-not ".repeat(10_000)),
    ] {
        let d = invalid_value(&device_filter_bundle(&rule));
        let e = sole(&d);
        error(
            e,
            "invalidFilter",
            "t.json",
            RULE_PATH,
            "filter rule does not parse at character",
        );
    }
    let d = invalid_value(&device_filter_bundle(&format!(
        "{}{inner}{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    )));
    assert!(
        d[0].message.ends_with(
            "at character 64: the rule nests parentheses and -not more than 64 levels deep"
        ),
        "{}",
        d[0].message
    );
}

#[test]
fn a_long_service_principal_filter_parses_and_warns() {
    let values: Vec<String> = (0..500).map(|i| format!("\"v{i:05}\"")).collect();
    let rule = format!(
        "CustomSecurityAttribute.Ops_Tier -in [{}]",
        values.join(",")
    );
    assert!(rule.chars().count() > 3072 && rule.len() < 65_536);
    let t = usable(
        &json!({"conditionalAccessPolicies": [policy(P1, json!({"conditions": {
        "clientApplications": {"includeServicePrincipals": ["ServicePrincipalsInMyTenant"],
            "servicePrincipalFilter": {"mode": "include", "rule": rule}},
        "applications": {"includeApplications": ["All"]}},
        "grantControls": {"operator": "OR", "builtInControls": ["block"]}}))]}),
    );
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    let at = format!("conditionalAccessPolicies[{P1}]");
    let report = validate(&t, false);
    warning(
        sole(&report.findings),
        "filterRuleTooLong",
        "",
        &at,
        &format!(
            "filter rule has {} characters; Entra allows 3072",
            rule.chars().count()
        ),
    );
    let strict = validate(&t, true);
    assert_eq!(sole(&strict.findings).severity, Severity::Error);
}

#[test]
fn a_long_device_filter_parses_warns_and_evaluates() {
    let rule = (0..300)
        .map(|i| format!("device.extensionAttribute1 -eq \"v{i:03}\""))
        .collect::<Vec<_>>()
        .join(" -or ");
    assert!(rule.chars().count() > 3072 && rule.len() < 65_536);
    let t = usable(&device_filter_bundle(&rule));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    warning(
        sole(&validate_but_break_glass(&t, false).findings),
        "filterRuleTooLong",
        "",
        &format!("conditionalAccessPolicies[{P1}]"),
        &format!(
            "filter rule has {} characters; Entra allows 3072",
            rule.chars().count()
        ),
    );
    // The exclude-mode filter exempts matching devices, and nothing else (null rule).
    for (device, expected) in [
        (json!({"extensionAttribute1": "v299"}), Decision::Allow),
        (json!({"extensionAttribute1": "v300"}), Decision::Deny),
        (json!({}), Decision::Deny),
        (Value::Null, Decision::Deny),
    ] {
        let conditions = if device.is_null() {
            json!({})
        } else {
            json!({ "deviceInfo": device })
        };
        let d = decide(&t, &request(&signin(USER, conditions)));
        assert_eq!(d.decision, expected, "{device}");
    }
}

#[test]
fn a_filter_over_64_kib_is_invalid() {
    let rule = format!("device.model -eq \"{}\"", "é".repeat(33_000));
    assert!(rule.len() > 65_536 && rule.chars().count() < 65_536);
    let d = invalid_value(&device_filter_bundle(&rule));
    error(
        sole(&d),
        "invalidFilter",
        "t.json",
        RULE_PATH,
        &format!(
            "the rule is {} bytes long, more than the limit of 65536 bytes",
            rule.len()
        ),
    );
}

#[test]
fn malformed_filter_objects() {
    let filter = |f: Value| {
        json!({"conditionalAccessPolicies": [block(P1, json!({
            "users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
            "devices": {"deviceFilter": f}}))]})
    };
    let base = "$.conditionalAccessPolicies[0].conditions.devices.deviceFilter";
    // Half a filter is an error, never silently dropped (§1.6a).
    let d = invalid_value(&filter(json!({"rule": "device.model -eq \"x\""})));
    error(
        sole(&d),
        "incompleteFilter",
        "t.json",
        &format!("{base}.mode"),
        "the filter has a rule but no mode (include or exclude)",
    );
    for rule in [json!(""), json!("   ")] {
        let d = invalid_value(&filter(json!({"mode": "exclude", "rule": rule})));
        error(
            sole(&d),
            "incompleteFilter",
            "t.json",
            &format!("{base}.rule"),
            "the filter has a mode but a missing or blank rule",
        );
    }
    for half in [
        json!({"mode": "include"}),
        json!({"mode": "exclude", "rule": null}),
    ] {
        let d = invalid_value(&filter(half));
        assert_eq!(codes(&d), ["incompleteFilter"]);
    }
    let d = invalid_value(&filter(
        json!({"mode": "both", "rule": "device.model -eq \"x\""}),
    ));
    error(
        sole(&d),
        "invalidEnum",
        "t.json",
        &format!("{base}.mode"),
        "filter mode \"both\" is not include or exclude",
    );
    let d = invalid_value(&filter(json!({"mode": "exclude", "rule": 42})));
    error(
        sole(&d),
        "wrongType",
        "t.json",
        &format!("{base}.rule"),
        "expected a string, found a number",
    );
    let d = invalid_value(&filter(
        json!({"mode": "exclude", "rule": "device.model -match \"x.*\""}),
    ));
    error(
        sole(&d),
        "invalidFilter",
        "t.json",
        &format!("{base}.rule"),
        "at character 13",
    );
    let d = invalid_value(&filter(
        json!({"mode": "exclude", "rule": "device.model -eq \"x\u{0}"}),
    ));
    error(
        sole(&d),
        "invalidFilter",
        "t.json",
        &format!("{base}.rule"),
        "unterminated string",
    );
}

// ---------------------------------------------------------------------------------------------
// Unknown enum values (§1.3.3): kept as Unknown, with the documented effect.

#[test]
fn unknown_policy_state_is_enforced() {
    let t = tenant_with(vec![policy(
        P1,
        json!({"state": "enabledButOnlyOnTuesdays", "grantControls": {"operator": "OR", "builtInControls": ["block"]}}),
    )]);
    warning(
        sole(&t.warnings),
        "unknownState",
        "t.json",
        "$.conditionalAccessPolicies[0].state",
        "unknown state \"enabledButOnlyOnTuesdays\" is treated as enabled (fail-closed)",
    );
    let d = decide(&t, &request(&signin(USER, json!({}))));
    assert_eq!(d.decision, Decision::Deny);
    // unknownFutureValue is an Unknown too.
    let t = tenant_with(vec![policy(
        P1,
        json!({"state": "unknownFutureValue", "grantControls": {"builtInControls": ["block"]}}),
    )]);
    assert_eq!(codes(&t.warnings), ["unknownState"]);
    assert_eq!(
        decide(&t, &request(&signin(USER, json!({})))).decision,
        Decision::Deny
    );
}

#[test]
fn unknown_grant_control_is_never_satisfied() {
    let t = tenant_with(vec![
        policy(
            P1,
            json!({"grantControls": {"operator": "OR", "builtInControls": ["quantumMfa"]}}),
        ),
        policy(
            P2,
            json!({"grantControls": {"operator": "OR", "builtInControls": ["mfa", "quantumMfa"]}}),
        ),
    ]);
    assert_eq!(
        codes(&t.warnings),
        ["unknownGrantControl", "unknownGrantControl"]
    );
    warning(
        &t.warnings[0],
        "unknownGrantControl",
        "t.json",
        "$.conditionalAccessPolicies[0].grantControls.builtInControls",
        "unknown grant control \"quantumMfa\" can never be satisfied",
    );
    let d = decide(&t, &request(&signin(USER, json!({}))));
    assert_eq!(d.decision, Decision::Deny);
    assert_eq!(
        d.deny_reasons,
        [DenyReason::UnsatisfiedNonInteractiveControls {
            policy_id: P1.to_owned(),
            display_name: format!("policy {P1}"),
            controls: vec!["quantumMfa".to_owned()],
        }]
    );
}

#[test]
fn unknown_platform_in_a_policy_matches_nothing_and_warns() {
    let t = tenant_with(vec![
        // Include only an unknown platform: applies to no request.
        block(
            P1,
            json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
            "platforms": {"includePlatforms": ["tizen"]}}),
        ),
        // Exclude an unknown platform: the exclusion exempts nobody.
        block(
            P2,
            json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
            "platforms": {"includePlatforms": ["all"], "excludePlatforms": ["tizen", "windows"]}}),
        ),
    ]);
    assert_eq!(codes(&t.warnings), ["unknownEnumValue", "unknownEnumValue"]);
    warning(
        &t.warnings[0],
        "unknownEnumValue",
        "t.json",
        "$.conditionalAccessPolicies[0].conditions.platforms.includePlatforms",
        "unknown platform \"tizen\"",
    );
    // A request may not name a platform outside the vocabulary (§5.3a); unknownFutureValue
    // is accepted and counts as unknown.
    let bad = bad_request(&signin(USER, json!({"devicePlatform": "tizen"})));
    assert!(
        find(&bad, "invalidEnum", "$.signInConditions.devicePlatform")
            .message
            .starts_with("unknown devicePlatform \"tizen\"; expected one of android, iOS"),
        "{bad:#?}"
    );
    for (platform, blocked) in [
        (json!("unknownFutureValue"), vec![P2]),
        (json!("windows"), vec![]),
        (json!("all"), vec![P2]),
        (Value::Null, vec![P2]),
        (json!("android"), vec![P2]),
    ] {
        let d = decide(
            &t,
            &request(&signin(USER, json!({"devicePlatform": platform}))),
        );
        assert_eq!(blocked_by(&d), blocked, "{platform}");
    }
}

#[test]
fn unknown_client_app_type_matches_nothing_and_warns() {
    let t = tenant_with(vec![block(
        P1,
        json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["exchangeActiveSync", "other", "holographicClient"]}),
    )]);
    warning(
        sole(&t.warnings),
        "unknownEnumValue",
        "t.json",
        "$.conditionalAccessPolicies[0].conditions.clientAppTypes",
        "unknown client app type \"holographicClient\"",
    );
    let bad = bad_request(&signin(USER, json!({"clientAppType": "holographicClient"})));
    find(&bad, "invalidEnum", "$.signInConditions.clientAppType");
    for (client, expected) in [
        ("unknownFutureValue", Decision::Allow),
        ("other", Decision::Deny),
        ("easSupported", Decision::Deny),
        ("browser", Decision::Allow),
    ] {
        let d = decide(
            &t,
            &request(&signin(USER, json!({"clientAppType": client}))),
        );
        assert_eq!(d.decision, expected, "{client}");
    }
    // A request's unknown client app type is unknown: only `all` covers it.
    let t = tenant_with(vec![block(
        P1,
        json!({"users": {"includeUsers": ["All"]},
        "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"]}),
    )]);
    let d = decide(
        &t,
        &request(&signin(
            USER,
            json!({"clientAppType": "unknownFutureValue"}),
        )),
    );
    assert_eq!(d.decision, Decision::Deny);
}

// ---------------------------------------------------------------------------------------------
// Duplicates

#[test]
fn policy_ids_that_differ_only_in_case_or_padding_are_duplicates() {
    let upper = P1.to_ascii_uppercase().replace('1', "A");
    let lower = upper.to_ascii_lowercase();
    let d = invalid_value(&json!({"conditionalAccessPolicies": [
        policy(&lower, json!({})),
        policy(&upper, json!({})),
        policy(&format!("  {lower}\t"), json!({}))
    ]}));
    assert_eq!(codes(&d), ["duplicateId", "duplicateId"], "{d:#?}");
    error(
        &d[0],
        "duplicateId",
        "t.json",
        "$.conditionalAccessPolicies[1]",
        &format!("policy id \"{lower}\" appears more than once"),
    );
    assert_eq!(d[1].path, "$.conditionalAccessPolicies[2]");
}

#[test]
fn regression_repeated_odata_type_silently_took_the_last() {
    // In a request: which context is meant cannot be told, so the line is an error.
    let mut text = signin(USER, json!({})).to_string();
    text = text.replacen(
        r##""@odata.type":"#microsoft.graph.applicationContext""##,
        r##""@odata.type":"#microsoft.graph.applicationContext","@odata.type":"#microsoft.graph.authContext","authenticationContextValue":"c1""##,
        1,
    );
    let d = parse_request_text(&text).unwrap_err();
    error(
        find(&d, "duplicateKey", "$.signInContext.@odata.type"),
        "duplicateKey",
        "request",
        "$.signInContext.@odata.type",
        "key \"@odata.type\" appears twice",
    );
    // In a tenant, also through AdditionalProperties.
    let d = invalid_value(&json!({"namedLocations": [{
        "@odata.type": "#microsoft.graph.ipNamedLocation", "id": LOC, "ipRanges": ["10.0.0.0/16"],
        "AdditionalProperties": {"@odata.type": "#microsoft.graph.compliantNetworkNamedLocation"}}]}));
    error(
        sole(&d),
        "duplicateKey",
        "t.json",
        "$.namedLocations[0].@odata.type",
        "appears twice",
    );
    // A non-string discriminator is a wrong type, not an absent one.
    let mut req = signin(USER, json!({}));
    req["signInIdentity"]["@odata.type"] = json!(1);
    let d = bad_request(&req);
    error(
        find(&d, "wrongType", "$.signInIdentity.@odata.type"),
        "wrongType",
        "request",
        "$.signInIdentity.@odata.type",
        "expected a string, found a number",
    );
}

// ---------------------------------------------------------------------------------------------
// Group cycles and dangling references (§2)

#[test]
fn cyclic_group_nesting_warns_and_evaluation_terminates() {
    let t = usable(&json!({
        "conditionalAccessPolicies": [block(P1, json!({
            "users": {"includeGroups": [GROUP_B]}, "applications": {"includeApplications": ["All"]}}))],
        "directory": {"users": [{"id": USER}, {"id": OTHER_USER}], "groups": [
            {"id": GROUP_A, "members": [GROUP_B, USER]},
            {"id": GROUP_B, "members": [GROUP_A]},
            {"id": MISSING_GROUP, "members": [MISSING_GROUP, OTHER_USER]}
        ]}
    }));
    let report = validate_but_break_glass(&t, false);
    assert_eq!(
        codes(&report.findings),
        ["cyclicGroupNesting", "cyclicGroupNesting"]
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity == Severity::Warning)
    );
    assert_eq!(
        decide(&t, &request(&signin(USER, json!({})))).decision,
        Decision::Deny
    );
    // OTHER_USER is in a group that contains itself, not in GROUP_B.
    assert_eq!(
        decide(&t, &request(&signin(OTHER_USER, json!({})))).decision,
        Decision::Allow
    );
}

#[test]
fn a_five_thousand_group_cycle_decides() {
    let n = 5_000;
    let gid = |i: usize| format!("88888888-0000-0000-0000-{i:012}");
    let mut groups: Vec<Value> = (0..n)
        .map(|i| json!({"id": gid(i), "members": [gid((i + 1) % n)]}))
        .collect();
    groups[n / 2]["members"] = json!([gid(n / 2 + 1), USER]);
    let t = usable(&json!({
        "conditionalAccessPolicies": [block(P1, json!({
            "users": {"includeGroups": [gid(7)]}, "applications": {"includeApplications": ["All"]}}))],
        "directory": {"users": [{"id": USER}], "groups": groups}
    }));
    assert_eq!(
        decide(&t, &request(&signin(USER, json!({})))).decision,
        Decision::Deny
    );
    // The user is in every group of the cycle: more than Entra's 2048.
    assert_eq!(
        codes(&validate_but_break_glass(&t, false).findings),
        ["cyclicGroupNesting", "tooManyGroups"]
    );
}

#[test]
fn a_dangling_exclude_never_exempts() {
    let missing_loc = "33333333-3333-3333-3333-3333333333ff";
    let t = usable(&json!({
        "conditionalAccessPolicies": [
            block(P1, json!({"users": {"includeUsers": ["All"], "excludeGroups": [MISSING_GROUP]},
                "applications": {"includeApplications": ["All"]}})),
            block(P2, json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
                "locations": {"includeLocations": ["All"], "excludeLocations": [missing_loc]}}))
        ],
        "directory": directory()
    }));
    let report = validate(&t, false);
    assert_eq!(
        codes(&report.findings),
        ["danglingReference", "danglingReference"]
    );
    warning(
        &report.findings[0],
        "danglingReference",
        "",
        &format!("conditionalAccessPolicies[{P1}].conditions.users"),
        &format!("group {MISSING_GROUP} is not in the tenant's groups; it matches nobody"),
    );
    warning(
        &report.findings[1],
        "danglingReference",
        "",
        &format!("conditionalAccessPolicies[{P2}].conditions.locations"),
        &format!("named location {missing_loc} is not in the tenant; it matches nothing"),
    );
    let d = decide(
        &t,
        &request(&signin(
            USER,
            json!({"ipAddress": "10.0.0.1", "country": "NL"}),
        )),
    );
    assert_eq!(d.decision, Decision::Deny);
    assert_eq!(blocked_by(&d), [P1, P2]);
}

#[test]
fn dangling_includes_and_strengths_fail_closed() {
    let missing_strength = "99999999-9999-9999-9999-999999999999";
    let t = usable(&json!({
        "conditionalAccessPolicies": [
            // Including a missing location: applies to nobody.
            block(P1, json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
                "locations": {"includeLocations": ["33333333-3333-3333-3333-3333333333ff"]}})),
            // Requiring a missing strength: can never be satisfied, and no prompt helps.
            policy(P2, json!({"grantControls": {"operator": "OR", "authenticationStrength": {"id": missing_strength}}}))
        ],
        "directory": directory()
    }));
    let d = decide(
        &t,
        &request(&signin(USER, json!({"ipAddress": "10.0.0.1"}))),
    );
    assert_eq!(d.decision, Decision::Deny);
    assert_eq!(blocked_by(&d), [P2]);
    assert!(
        d.warnings.iter().any(|w| w.code == "unresolvedStrength"),
        "{:#?}",
        d.warnings
    );
    let findings = validate(&t, false).findings;
    // A required strength the tenant lacks can never be satisfied: for all users and all
    // resources with no exclusion, that is a lockout (§11.1).
    assert_eq!(
        codes(&findings),
        [
            "danglingReference",
            "danglingReference",
            "lockout",
            "noBreakGlass"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Durations and times out of range (§1.7)

#[test]
fn pim_durations_and_timestamps_out_of_range() {
    let d = invalid_value(&json!({"pim": {
        "roleManagementPolicies": [{"id": "p", "rules": [
            {"id": "Expiration_EndUser_Assignment", "isExpirationRequired": true, "maximumDuration": "P99999999D"},
            {"id": "Expiration_Admin_Eligibility", "isExpirationRequired": true, "maximumDuration": "P1M"}
        ]}],
        "roleEligibilityScheduleInstances": [{
            "id": "e1", "principalId": USER, "roleDefinitionId": ROLE, "directoryScopeId": "/",
            "startDateTime": "2025-02-30T00:00:00Z", "endDateTime": "+99999-01-01T00:00:00Z"}],
        "roleAssignmentSchedules": [{
            "id": "s1", "principalId": USER, "roleDefinitionId": ROLE, "directoryScopeId": "/", "status": "Provisioned",
            "scheduleInfo": {"startDateTime": "2025-03-03T09:15:00Z",
                "expiration": {"type": "afterDuration", "duration": "PT99999999999999H"}}}]
    }}));
    let at = "$.pim.roleManagementPolicies[0].rules";
    error(
        find(&d, "invalidDuration", &format!("{at}[0].maximumDuration")),
        "invalidDuration",
        "t.json",
        &format!("{at}[0].maximumDuration"),
        "\"P99999999D\" is not an ISO 8601 duration of the form P[nD][T[nH][nM][n[.n]S]]: longer than 10,000 days",
    );
    error(
        find(&d, "invalidDuration", &format!("{at}[1].maximumDuration")),
        "invalidDuration",
        "t.json",
        &format!("{at}[1].maximumDuration"),
        "years, months and weeks have no fixed length",
    );
    let inst = "$.pim.roleEligibilityScheduleInstances[0]";
    error(
        find(&d, "invalidTimestamp", &format!("{inst}.startDateTime")),
        "invalidTimestamp",
        "t.json",
        &format!("{inst}.startDateTime"),
        "\"2025-02-30T00:00:00Z\" is not a valid RFC 3339 timestamp",
    );
    error(
        find(&d, "invalidTimestamp", &format!("{inst}.endDateTime")),
        "invalidTimestamp",
        "t.json",
        &format!("{inst}.endDateTime"),
        "\"+99999-01-01T00:00:00Z\"",
    );
    error(
        find(
            &d,
            "invalidDuration",
            "$.pim.roleAssignmentSchedules[0].scheduleInfo.expiration.duration",
        ),
        "invalidDuration",
        "t.json",
        "$.pim.roleAssignmentSchedules[0].scheduleInfo.expiration.duration",
        "numbers are at most 12 digits",
    );
}

#[test]
fn request_session_times_out_of_range() {
    let mut req = signin(USER, json!({}));
    req["session"]["time"] = json!("2025-02-30T00:00:00Z");
    req["session"]["lastAuthenticatedDateTime"] = json!("+99999-01-01T00:00:00Z");
    req["session"]["lastMfaDateTime"] = json!("2025-03-03T24:00:01Z");
    let d = bad_request(&req);
    for path in [
        "$.session.time",
        "$.session.lastAuthenticatedDateTime",
        "$.session.lastMfaDateTime",
    ] {
        error(
            find(&d, "invalidTimestamp", path),
            "invalidTimestamp",
            "request",
            path,
            "",
        );
    }
}

#[test]
fn extreme_but_valid_times_decide_without_overflow() {
    let t = tenant_with(vec![policy(
        P1,
        json!({"sessionControls": {"signInFrequency": {"isEnabled": true, "value": 2147483647, "type": "days", "frequencyInterval": "timeBased"}}}),
    )]);
    // The latest instant every offset can express; one second later is out of range.
    let last_instant = "9999-12-30T22:00:00Z";
    for (now, last) in [
        (last_instant, "0000-01-01T00:00:00Z"),
        ("0000-01-01T00:00:00Z", last_instant),
        (last_instant, last_instant),
        ("9999-12-30T21:58:00Z", last_instant),
    ] {
        let mut req = signin(USER, json!({}));
        req["session"]["time"] = json!(now);
        req["session"]["lastAuthenticatedDateTime"] = json!(last);
        let d = decide(&t, &request(&req));
        assert_ne!(d.decision, Decision::Deny, "{now} {last}");
    }
    let mut req = signin(USER, json!({}));
    req["session"]["time"] = json!("9999-12-31T23:59:59Z");
    error(
        find(&bad_request(&req), "invalidTimestamp", "$.session.time"),
        "invalidTimestamp",
        "request",
        "$.session.time",
        "\"9999-12-31T23:59:59Z\" is not a valid RFC 3339 timestamp",
    );
}

#[test]
fn activation_durations_and_times_out_of_range() {
    let envelope = |expiration: Value, start: &str| {
        json!({
            "request": {"@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleRequest",
                "action": "selfActivate", "principalId": USER, "roleDefinitionId": ROLE,
                "directoryScopeId": "/", "justification": "j",
                "scheduleInfo": {"startDateTime": start, "expiration": expiration}},
            "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": USER},
            "session": {"time": "2025-03-03T09:15:00Z"}
        })
    };
    let parse = |v: &Value| {
        let mut d = Diagnostics::new("r");
        let text = v.to_string();
        let json = jitgate::unstable::parse_str(&text).unwrap();
        let r = parse_activation(&mut d, &json, None);
        (r, d.items)
    };
    let base = "$.request.scheduleInfo";
    for (expiration, start, code, path, message) in [
        (
            json!({"type": "afterDuration", "duration": "P1M"}),
            "2025-03-03T09:15:00Z",
            "invalidDuration",
            format!("{base}.expiration.duration"),
            "years, months and weeks",
        ),
        (
            json!({"type": "afterDuration", "duration": "P99999999D"}),
            "2025-03-03T09:15:00Z",
            "invalidDuration",
            format!("{base}.expiration.duration"),
            "longer than 10,000 days",
        ),
        (
            json!({"type": "afterDateTime", "endDateTime": "+99999-01-01T00:00:00Z"}),
            "2025-03-03T09:15:00Z",
            "invalidTimestamp",
            format!("{base}.expiration.endDateTime"),
            "+99999-01-01T00:00:00Z",
        ),
        (
            json!({"type": "afterDuration", "duration": "PT1H"}),
            "2025-02-30T00:00:00Z",
            "invalidTimestamp",
            format!("{base}.startDateTime"),
            "is not a valid RFC 3339 timestamp",
        ),
        (
            json!({"type": "afterDuration", "duration": 3600}),
            "2025-03-03T09:15:00Z",
            "wrongType",
            format!("{base}.expiration.duration"),
            "expected a string, found a number",
        ),
    ] {
        let (r, d) = parse(&envelope(expiration, start));
        assert!(r.is_none());
        error(find(&d, code, &path), code, "r", &path, message);
    }
}

// ---------------------------------------------------------------------------------------------
// Requests (§5)

#[test]
fn a_user_outside_the_directory_is_included_and_exempted_by_its_id() {
    let t = tenant_with(vec![
        block(
            P1,
            json!({"users": {"includeUsers": ["All"], "excludeUsers": [UNKNOWN_USER]},
            "applications": {"includeApplications": ["All"]}}),
        ),
        block(
            P2,
            json!({"users": {"includeUsers": [UNKNOWN_USER]},
            "applications": {"includeApplications": ["All"]}}),
        ),
    ]);
    let d = decide(&t, &request(&signin(UNKNOWN_USER, json!({}))));
    assert_eq!(d.decision, Decision::Deny);
    assert_eq!(blocked_by(&d), [P2]);
    warning(
        d.warnings.iter().find(|w| w.code == "unknownUser").unwrap(),
        "unknownUser",
        "request",
        "$.signInIdentity.userId",
        &format!("user {UNKNOWN_USER} is not in the tenant's users"),
    );
}

#[test]
fn unknown_app_is_covered_by_all_only() {
    let t = tenant_with(vec![
        block(
            P1,
            json!({"users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"], "excludeApplications": [APP]}}),
        ),
        block(
            P2,
            json!({"users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": [APP]}}),
        ),
    ]);
    let mut req = signin(USER, json!({}));
    req["signInContext"]["includeApplications"] = json!([OTHER_APP]);
    let d = decide(&t, &request(&req));
    assert_eq!(blocked_by(&d), [P1]);
    // A display name is not an app id: the request is refused, not guessed at (§5.3a).
    req["signInContext"]["includeApplications"] = json!([OTHER_APP, "Office 365 Exchange Online"]);
    let bad = bad_request(&req);
    assert_eq!(
        find(&bad, "invalidId", "$.signInContext.includeApplications[1]").message,
        "\"Office 365 Exchange Online\" is not a GUID; expected the application (appId) as a GUID (display names and keywords are not accepted)"
    );
}

#[test]
fn numbers_where_strings_are_expected_in_requests() {
    let mut req = signin(
        USER,
        json!({"devicePlatform": 5, "ipAddress": 167_772_161, "country": 31}),
    );
    req["signInIdentity"]["userId"] = json!(123);
    req["signInContext"]["includeApplications"] = json!([1]);
    req["session"]["time"] = json!(1_700_000_000);
    req["session"]["authenticationMethods"] = json!([1]);
    let d = bad_request(&req);
    for (path, message) in [
        (
            "$.signInIdentity.userId",
            "expected a string, found a number",
        ),
        (
            "$.signInContext.includeApplications[0]",
            "expected a string, found a number",
        ),
        (
            "$.signInConditions.devicePlatform",
            "expected a string, found a number",
        ),
        (
            "$.signInConditions.ipAddress",
            "expected a string, found a number",
        ),
        (
            "$.signInConditions.country",
            "expected a string, found a number",
        ),
        ("$.session.time", "expected a string, found a number"),
        (
            "$.session.authenticationMethods[0]",
            "expected a string, found a number",
        ),
    ] {
        error(
            find(&d, "wrongType", path),
            "wrongType",
            "request",
            path,
            message,
        );
    }
}

#[test]
fn a_request_that_is_not_an_object() {
    for (text, found) in [
        ("[]", "an array"),
        (&format!("[{}]", signin(USER, json!({}))), "an array"),
        ("42", "a number"),
        ("\"hello\"", "a string"),
        ("null", "null"),
    ] {
        let d = parse_request_text(text).unwrap_err();
        error(
            sole(&d),
            "wrongType",
            "request",
            "$",
            &format!("expected an object, found {found}"),
        );
    }
}

#[test]
fn ambiguous_request_members_are_errors() {
    // The same key twice, or twice in different case: which user signs in cannot be told.
    let text = signin(USER, json!({})).to_string().replacen(
        &format!(r#""userId":"{USER}""#),
        &format!(r#""userId":"{USER}","UserId":"{OTHER_USER}""#),
        1,
    );
    let d = parse_request_text(&text).unwrap_err();
    error(
        find(&d, "duplicateKey", "$.signInIdentity.UserId"),
        "duplicateKey",
        "request",
        "$.signInIdentity.UserId",
        "appears twice (keys match regardless of letter case)",
    );
    let mut req = signin(USER, json!({}));
    req["signInIdentity"]["AdditionalProperties"] = json!({"userId": OTHER_USER});
    let d = bad_request(&req);
    assert_eq!(d[0].code, "duplicateKey", "{d:#?}");
}

// ---------------------------------------------------------------------------------------------
// Partial pages (§1.1.4)

#[test]
fn next_link_in_any_case_in_a_utf16_directory_file_is_a_partial_page() {
    let dir = TempDir::new("nextlink");
    dir.write(
        "directory/users.json",
        utf16le(
            &json!({"@ODATA.NEXTLINK": "https://graph.microsoft.com/v1.0/users?$skiptoken=x",
            "value": [{"id": USER}]})
            .to_string(),
        ),
    );
    let d = invalid_dir(dir.path());
    error(
        sole(&d),
        "partialPage",
        "directory/users.json",
        "$.@odata.nextLink",
        "export every page",
    );
}

// ---------------------------------------------------------------------------------------------
// The CLI (§1.6): batches with bad lines, unreadable tenants, hostile tenant directories.

fn jitgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jitgate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn stdout_lines(out: &Output) -> Vec<String> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Runs `cmd` on `lines` as one batch and each good line alone, and checks the batch output.
fn batch(cmd: &str, good: &[String], bad: &[(String, &str)]) {
    let dir = TempDir::new(cmd);
    // Interleave: good, bad, good, bad, ...
    let mut lines: Vec<(String, Option<&str>)> = Vec::new();
    let mut g = good.iter();
    let mut b = bad.iter();
    loop {
        let next_good = g.next();
        let next_bad = b.next();
        if next_good.is_none() && next_bad.is_none() {
            break;
        }
        if let Some(line) = next_good {
            lines.push((line.clone(), None));
        }
        if let Some((line, path)) = next_bad {
            lines.push((line.clone(), Some(path)));
        }
    }
    let text: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
    let file = dir.write("requests.jsonl", &text);
    let out = jitgate(&[
        cmd,
        "--tenant",
        "examples/tenant",
        "--requests",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = stdout_lines(&out);
    assert_eq!(got.len(), lines.len(), "one output line per input line");
    for (i, ((input, bad_path), output)) in lines.iter().zip(&got).enumerate() {
        let n = i + 1;
        let v: Value = serde_json::from_str(output).unwrap();
        match bad_path {
            Some(path) => {
                assert_eq!(v["line"], json!(n), "{output}");
                let message = v["error"].as_str().unwrap();
                assert!(message.starts_with(&format!("line {n}: ")), "{message}");
                assert!(message.contains(path), "line {n}: {message} lacks {path}");
                assert_eq!(v.as_object().unwrap().len(), 2, "{output}");
            }
            None => {
                let alone = dir.write("alone.jsonl", format!("{input}\n"));
                let single = jitgate(&[
                    cmd,
                    "--tenant",
                    "examples/tenant",
                    "--requests",
                    alone.to_str().unwrap(),
                ]);
                assert_eq!(single.status.code(), Some(0));
                assert_eq!(
                    stdout_lines(&single),
                    std::slice::from_ref(output),
                    "line {n}"
                );
                assert!(v.get("decision").is_some(), "{output}");
            }
        }
    }
}

fn example_lines(file: &str) -> Vec<String> {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn cli_eval_batch_with_bad_lines() {
    let good: Vec<String> = example_lines("examples/signins.jsonl")
        .into_iter()
        .take(6)
        .collect();
    let first: Value = serde_json::from_str(&good[0]).unwrap();
    let mut wrong_type = first.clone();
    wrong_type["signInConditions"]["devicePlatform"] = json!(7);
    let mut no_identity = first.clone();
    no_identity
        .as_object_mut()
        .unwrap()
        .remove("signInIdentity");
    let mut odd_type = first.clone();
    odd_type["signInIdentity"]["@odata.type"] = json!("#microsoft.graph.agentSignIn");
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(5_000), "]".repeat(5_000));
    let bad = vec![
        (good[1][..good[1].len() / 2].to_owned(), "EOF while parsing"),
        (wrong_type.to_string(), "$.signInConditions.devicePlatform"),
        (no_identity.to_string(), "$.signInIdentity"),
        (odd_type.to_string(), "$.signInIdentity.@odata.type"),
        (
            "[1,2,3]".to_owned(),
            "$: expected an object, found an array",
        ),
        ("42".to_owned(), "$: expected an object, found a number"),
        (deep, "recursion limit exceeded"),
    ];
    batch("eval", &good, &bad);
}

#[test]
fn cli_activate_batch_with_bad_lines() {
    let good: Vec<String> = example_lines("examples/activations.jsonl")
        .into_iter()
        .take(5)
        .collect();
    let first: Value = serde_json::from_str(&good[0]).unwrap();
    let mut wrong_type = first.clone();
    wrong_type["request"]["principalId"] = json!(["x"]);
    let mut no_identity = first.clone();
    no_identity
        .as_object_mut()
        .unwrap()
        .remove("signInIdentity");
    let mut odd_type = first.clone();
    odd_type["signInIdentity"]["@odata.type"] = json!("#microsoft.graph.agentSignIn");
    let mut bad_duration = first.clone();
    bad_duration["request"]["scheduleInfo"]["expiration"] =
        json!({"type": "afterDuration", "duration": "P1M"});
    let bad = vec![
        ("{\"request\":".to_owned(), "EOF while parsing"),
        (wrong_type.to_string(), "$.request.principalId"),
        (no_identity.to_string(), "$.signInIdentity"),
        (odd_type.to_string(), "$.signInIdentity.@odata.type"),
        (
            bad_duration.to_string(),
            "$.request.scheduleInfo.expiration.duration",
        ),
        ("[]".to_owned(), "$: expected an object, found an array"),
        ("-1e999".to_owned(), "invalid JSON"),
    ];
    batch("activate", &good, &bad);
}

#[test]
fn regression_cli_request_lines_decoded_lossily_and_bom_broke_line_one() {
    let good = example_lines("examples/signins.jsonl");
    let dir = TempDir::new("bom-lines");
    // A UTF-8 BOM (PowerShell writes one) is not part of the first request.
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(format!("{}\n", good[0]).as_bytes());
    // A line with an invalid byte is an error for that line only.
    bytes.extend_from_slice(&good[1].as_bytes()[..20]);
    bytes.push(0xFF);
    bytes.extend_from_slice(&good[1].as_bytes()[20..]);
    bytes.push(b'\n');
    bytes.extend_from_slice(format!("{}\n", good[2]).as_bytes());
    let file = dir.write("requests.jsonl", &bytes);
    let out = jitgate(&[
        "eval",
        "--tenant",
        "examples/tenant",
        "--requests",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 3);
    let first: Value = serde_json::from_str(&lines[0]).unwrap();
    assert!(first.get("decision").is_some(), "{first}");
    let second: Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(second["line"], json!(2));
    assert_eq!(
        second["error"],
        json!("line 2: invalid UTF-8 at byte offset 20")
    );
    // UTF-16 request files are decoded as a whole.
    let utf16: String = good.iter().take(3).map(|l| format!("{l}\r\n")).collect();
    let file = dir.write("utf16.jsonl", utf16le(&utf16));
    let out = jitgate(&[
        "eval",
        "--tenant",
        "examples/tenant",
        "--requests",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_lines(&out).len(), 3);
}

#[test]
fn cli_unusable_tenants_exit_2() {
    let requests = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/signins.jsonl");
    let requests = requests.to_str().unwrap();
    let out = jitgate(&[
        "eval",
        "--tenant",
        "/nonexistent/jitgate/tenant",
        "--requests",
        requests,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("cannot read tenant at /nonexistent/jitgate/tenant")
    );
    let dir = TempDir::new("unusable");
    dir.write("conditionalAccessPolicies.json", "{\"value\":[");
    for cmd in ["eval", "activate"] {
        let out = jitgate(&[
            cmd,
            "--tenant",
            dir.path().to_str().unwrap(),
            "--requests",
            requests,
        ]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot be evaluated"), "{stderr}");
        assert!(
            stderr.contains("conditionalAccessPolicies.json: $: invalid JSON"),
            "{stderr}"
        );
    }
    let out = jitgate(&["validate", "--tenant", "/nonexistent/jitgate/tenant"]);
    assert_eq!(out.status.code(), Some(2));
    // A missing requests file is unusable input too.
    let out = jitgate(&[
        "eval",
        "--tenant",
        "examples/tenant",
        "--requests",
        "/nonexistent/r.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_validate_survives_hostile_tenant_directories() {
    let huge = "x".repeat(10 * 1024 * 1024);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut lone = utf16le("[\"");
    lone.extend_from_slice(&0xD800u16.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("conditionalAccessPolicies.json", deep.into_bytes()),
        ("namedLocations.json", lone),
        ("directory/groups.json", vec![0xFF, 0x00, 0xFE, 0x01, 0x80]),
        (
            "conditionalAccessPolicies/huge.json",
            json!({"id": P1, "displayName": huge, "state": "enabled",
                "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
                    "devices": {"deviceFilter": {"mode": "exclude", "rule": format!("{}device.model -eq \"x\"", "(".repeat(10_000))}}}})
            .to_string()
            .into_bytes(),
        ),
        ("pim/roleManagementPolicies.json", b"{\"value\":[],\"@odata.nextLink\":\"x\"}".to_vec()),
        ("mfaTrustedIps.json", b"[\"fe80::1%eth0/64\", \"0.0.0.0/0\", 7, null]".to_vec()),
        ("conditionalAccessPolicies/empty.json", Vec::new()),
    ];
    for (file, bytes) in cases {
        let dir = TempDir::new("validate");
        dir.write(file, &bytes);
        for args in [&["--json"][..], &[][..], &["--strict"][..]] {
            let mut all = vec!["validate", "--tenant", dir.path().to_str().unwrap()];
            all.extend_from_slice(args);
            let out = jitgate(&all);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{file} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if args == ["--json"] {
                let report: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(report["usable"], json!(false), "{file}");
                assert!(report["errors"].as_u64().unwrap() >= 1);
            }
        }
    }
    // A usable but odd tenant (cycles, dangling references, /0) validates with warnings only.
    let dir = TempDir::new("validate-warn");
    dir.write(
        "tenant.json",
        json!({"conditionalAccessPolicies": [block(P1, json!({
            "users": {"includeUsers": ["All"], "excludeGroups": [MISSING_GROUP]},
            "applications": {"includeApplications": ["All"]}}))],
            "namedLocations": [{"id": LOC, "ipRanges": ["0.0.0.0/0"]}],
            "directory": {"groups": [{"id": GROUP_A, "members": [GROUP_A]}]}})
        .to_string(),
    );
    let out = jitgate(&[
        "validate",
        "--tenant",
        dir.path().join("tenant.json").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = jitgate(&[
        "validate",
        "--strict",
        "--tenant",
        dir.path().join("tenant.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn load_report_of_a_tenant_with_errors_still_validates() {
    let dir = TempDir::new("report");
    dir.write(
        "conditionalAccessPolicies.json",
        json!([
            policy(P1, json!({"conditions": null})),
            policy(P1, json!({})),
            block(
                P2,
                json!({"users": {"includeGroups": [MISSING_GROUP]},
                   "applications": {"includeApplications": ["All"]}})
            )
        ])
        .to_string(),
    );
    let report = load_report(dir.path()).unwrap();
    assert!(report.has_errors());
    assert_eq!(codes(&report.diagnostics), ["missingField", "duplicateId"]);
    let v = validate_but_break_glass(&report.tenant, true);
    // No group export at all: the missing group is summarised once (§1.6a).
    assert_eq!(codes(&v.findings), ["noDirectory"]);
}

// ---------------------------------------------------------------------------------------------
// Regressions: each test is named after the bug it pins down.

/// Bug: `"conditionalAccessPolicies": ""` (or `"directory": []`) was skipped as "empty" and the
/// tenant loaded with no policies at all, so every sign-in was allowed.
#[test]
fn regression_empty_string_collection_loaded_as_a_tenant_without_policies() {
    let d = invalid(r#"{"conditionalAccessPolicies":"","namedLocations":"  ","directory":[]}"#);
    assert_eq!(d.len(), 3, "{d:#?}");
    error(
        &d[0],
        "wrongType",
        "t.json",
        "$.conditionalAccessPolicies",
        "expected an array, a list response or an object, found a string",
    );
    error(
        &d[1],
        "wrongType",
        "t.json",
        "$.namedLocations",
        "found a string",
    );
    error(
        &d[2],
        "wrongType",
        "t.json",
        "$.directory",
        "expected an object, found an array",
    );
    // `[]` and null still mean "none", and empty unknown keys stay quiet.
    let t =
        usable_text(r#"{"conditionalAccessPolicies":[],"namedLocations":null,"pim":null,"x":[]}"#);
    assert!(
        t.policies.is_empty() && t.warnings.is_empty(),
        "{:#?}",
        t.warnings
    );
}

/// Bug: an 8-hour activation whose end fell after the last representable instant was granted
/// with no end at all (the overflow read as "no expiration").
#[test]
fn regression_activation_end_overflow_was_granted_as_permanent() {
    let t = usable(&json!({
        "directory": {"users": [{"id": USER}]},
        "pim": {
            "roleEligibilityScheduleInstances": [{"id": "e1", "principalId": USER, "roleDefinitionId": ROLE,
                "directoryScopeId": "/", "memberType": "Direct", "startDateTime": "2020-01-01T00:00:00Z"}],
            "roleAssignmentScheduleInstances": [],
            "roleManagementPolicyAssignments": [{"id": "a", "policyId": "p", "scopeId": "/",
                "scopeType": "DirectoryRole", "roleDefinitionId": ROLE, "policy": {"id": "p", "rules": [
                    {"id": "Expiration_EndUser_Assignment", "isExpirationRequired": false, "maximumDuration": "PT24H"},
                    {"id": "Enablement_EndUser_Assignment", "enabledRules": []},
                    {"id": "Approval_EndUser_Assignment", "setting": {"isApprovalRequired": false}}]}}]
        }
    }));
    let late = "9999-12-30T21:00:00Z";
    let req = json!({
        "request": {"@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleRequest",
            "action": "selfActivate", "principalId": USER, "roleDefinitionId": ROLE, "directoryScopeId": "/",
            "scheduleInfo": {"startDateTime": late, "expiration": {"type": "afterDuration", "duration": "PT8H"}}},
        "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": USER},
        "session": {"time": late}
    });
    let mut d = Diagnostics::new("r");
    let req = parse_activation(
        &mut d,
        &jitgate::unstable::parse_str(&req.to_string()).unwrap(),
        None,
    )
    .unwrap();
    let snapshot = Snapshot::compile(t.clone());
    for decision in [
        snapshot.activate(&req, Explain::Policies),
        ReferenceEvaluator::new(&t).activate(&req, Explain::Policies),
    ] {
        let out = serde_json::to_value(&decision).unwrap();
        if out["decision"] == json!("allow") {
            assert_eq!(
                out["schedule"]["endDateTime"],
                json!("9999-12-30T22:00:00.999999999Z"),
                "{out:#}"
            );
        }
    }
}

/// Bug: a PIM schedule with `afterDuration` and no `startDateTime` loaded as permanent.
#[test]
fn regression_after_duration_schedule_without_start_was_permanent() {
    let d = invalid_value(&json!({"pim": {"roleEligibilitySchedules": [{
        "id": "s", "principalId": USER, "roleDefinitionId": ROLE, "directoryScopeId": "/",
        "status": "Provisioned",
        "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "P30D"}}}]}}));
    error(
        sole(&d),
        "missingField",
        "t.json",
        "$.pim.roleEligibilitySchedules[0].scheduleInfo.startDateTime",
        "an afterDuration schedule needs a startDateTime to know when it ends",
    );
}

/// Bug: items of a `.json` requests document were re-serialised through a map, which kept only
/// the last of two identical keys; the ambiguity never reached the reader.
#[test]
fn regression_json_request_documents_collapsed_duplicate_keys() {
    let good = example_lines("examples/signins.jsonl");
    let first: Value = serde_json::from_str(&good[0]).unwrap();
    let text = first.to_string();
    let duplicated = text.replacen(
        r#""signInIdentity":"#,
        &format!(
            r##""signInIdentity":{{"@odata.type":"#microsoft.graph.userSignIn","userId":"{OTHER_USER}"}},"signInIdentity":"##
        ),
        1,
    );
    assert_ne!(duplicated, text);
    let dir = TempDir::new("jsondoc");
    let file = dir.write("requests.json", format!("[{text},{duplicated}]"));
    let out = jitgate(&[
        "eval",
        "--tenant",
        "examples/tenant",
        "--requests",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 2);
    let second: Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(
        second,
        json!({"line": 2, "error": "line 2: $.signInIdentity: key \"signInIdentity\" appears twice"})
    );
}

/// Bug: unknown platform, client app type, risk level and transfer method values in a policy
/// silently matched nothing; every such reinterpretation now carries a warning (§1.6).
#[test]
fn regression_unknown_condition_values_changed_matching_without_a_warning() {
    let t = tenant_with(vec![policy(
        P1,
        json!({"conditions": {
            "users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
            "signInRiskLevels": ["severe"], "userRiskLevels": "low,extreme",
            "insiderRiskLevels": "minor,catastrophic", "authenticationFlows": {"transferMethods": "deviceCodeFlow,qrHandoff"}
        }}),
    )]);
    let at = "$.conditionalAccessPolicies[0].conditions";
    let expected = [
        (
            "signInRiskLevels",
            "unknown risk level \"severe\" matches nothing",
        ),
        (
            "userRiskLevels",
            "unknown risk level \"extreme\" matches nothing",
        ),
        (
            "insiderRiskLevels",
            "unknown insider risk level \"catastrophic\" matches nothing",
        ),
        (
            "authenticationFlows.transferMethods",
            "unknown transfer method \"qrHandoff\" matches nothing",
        ),
    ];
    assert_eq!(t.warnings.len(), expected.len(), "{:#?}", t.warnings);
    for (w, (path, message)) in t.warnings.iter().zip(expected) {
        warning(
            w,
            "unknownEnumValue",
            "t.json",
            &format!("{at}.{path}"),
            message,
        );
    }
}

/// Bug: `validate` counted each user's groups by scanning every group's members at every step
/// (users × groups × members): a 20,000-group chain with a few hundred users did not finish.
#[test]
fn regression_validate_group_count_was_quadratic() {
    let n = 20_000;
    let gid = |i: usize| format!("99999999-0000-0000-0000-{i:012}");
    let uid = |i: usize| format!("99999999-1111-0000-0000-{i:012}");
    let users: Vec<String> = (0..300).map(uid).collect();
    let mut groups: Vec<Value> = (0..n)
        .map(|i| json!({"id": gid(i), "members": [gid(i + 1)]}))
        .collect();
    groups[n - 1]["members"] = json!(users);
    let t = usable(&json!({"directory": {
        "users": users.iter().map(|u| json!({"id": u})).collect::<Vec<_>>(),
        "groups": groups
    }}));
    let report = validate(&t, false);
    assert_eq!(report.findings.len(), 300);
    warning(
        &report.findings[0],
        "tooManyGroups",
        "",
        &format!("directory.users[{}]", uid(0)),
        "user is in 20000 groups; Entra may block users in more than 2048",
    );
}

/// Reported, not fixed here (`src/compile/users.rs` is another engineer's): the guest-selector
/// table is built for 64 type combinations × every enumerated external tenant, and each cell
/// scans every enumerated list, so compiling is quadratic in the tenants listed (2,000 take
/// about 2.7 s in debug; 20,000 take minutes). `jitgate eval` compiles by default.
#[test]
fn enumerated_external_tenants_compile_in_reasonable_time() {
    let tenants: Vec<String> = (0..20_000)
        .map(|i| format!("abababab-0000-0000-0000-{i:012}"))
        .collect();
    let t = tenant_with(vec![block(
        P1,
        json!({"users": {"includeGuestsOrExternalUsers": {
                "guestOrExternalUserTypes": "b2bCollaborationGuest",
                "externalTenants": {"membershipKind": "enumerated", "members": tenants}}},
            "applications": {"includeApplications": ["All"]}}),
    )]);
    let d = decide(&t, &request(&signin(USER, json!({}))));
    assert_eq!(d.decision, Decision::Allow);
}
