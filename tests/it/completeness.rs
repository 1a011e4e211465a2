//! A tenant that lost data never looks healthy (docs/SEMANTICS.md §1.6a), and reading one is
//! bounded (§1.6b): no policies, policies without controls, half filters and included locations
//! the export lacks are errors unless the caller says otherwise; unread files are named; a
//! symbolic-link loop, a FIFO and an oversized file are prompt errors.

use std::path::Path;

use jitgate::{LoadError, LoadOptions, load_bundle_bytes, load_bundle_bytes_with, load_with};
use serde_json::{Value, json};

use crate::common::{TempDir, jitgate};

const P1: &str = "11111111-1111-1111-1111-111111111111";
const LOC: &str = "33333333-3333-3333-3333-333333333333";

fn errors(e: LoadError) -> Vec<(&'static str, String)> {
    match e {
        LoadError::Invalid { diagnostics } => diagnostics
            .into_iter()
            .filter(|d| d.is_error())
            .map(|d| (d.code, d.path))
            .collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn policy(extra: Value) -> Value {
    let mut p = json!({"id": P1, "displayName": "P", "state": "enabled",
        "conditions": {"users": {"includeUsers": ["All"]},
                       "applications": {"includeApplications": ["All"]}}});
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

fn bundle(policies: Vec<Value>) -> Vec<u8> {
    json!({"conditionalAccessPolicies": policies})
        .to_string()
        .into_bytes()
}

#[test]
fn a_tenant_without_policies_is_an_error_unless_allowed() {
    for text in [
        &b"{}"[..],
        br#"{"conditionalAccessPolicies": []}"#,
        br#"{"namedLocations": []}"#,
    ] {
        let e = load_bundle_bytes("t.json", text).unwrap_err();
        assert_eq!(errors(e), [("noPolicies", "$".to_owned())]);
        let t = load_bundle_bytes_with("t.json", text, &LoadOptions::default().allow_empty(true))
            .unwrap();
        assert_eq!(t.warnings.len(), 1);
        assert_eq!(t.warnings[0].code, "noPolicies");
    }
}

#[test]
fn a_policy_that_enforces_nothing_is_an_error() {
    for grant in [
        json!(null),
        json!({}),
        json!({"operator": "OR", "builtInControls": []}),
    ] {
        let e = load_bundle_bytes(
            "t.json",
            &bundle(vec![policy(json!({"grantControls": grant}))]),
        )
        .unwrap_err();
        assert_eq!(
            errors(e),
            [(
                "noControls",
                "$.conditionalAccessPolicies[0].grantControls".to_owned()
            )],
            "{grant}"
        );
    }
    // Report-only counts; disabled and session-only policies do not.
    let e = load_bundle_bytes(
        "t.json",
        &bundle(vec![policy(
            json!({"state": "enabledForReportingButNotEnforced"}),
        )]),
    )
    .unwrap_err();
    assert_eq!(errors(e).len(), 1);
    let ok = bundle(vec![
        policy(json!({"state": "disabled"})),
        policy(json!({"id": "22222222-2222-2222-2222-222222222222",
                      "sessionControls": {"signInFrequency": {"isEnabled": true, "value": 1,
                                          "type": "hours", "frequencyInterval": "timeBased"}}})),
    ]);
    load_bundle_bytes("t.json", &ok).unwrap();
}

#[test]
fn an_included_location_the_export_lacks_is_an_error_unless_allowed() {
    let b = bundle(vec![policy(json!({
        "conditions": {"users": {"includeUsers": ["All"]},
                       "applications": {"includeApplications": ["All"]},
                       "locations": {"includeLocations": [LOC]}},
        "grantControls": {"operator": "OR", "builtInControls": ["block"]}}))]);
    let e = load_bundle_bytes("t.json", &b).unwrap_err();
    assert_eq!(
        errors(e),
        [(
            "danglingLocation",
            "$.conditionalAccessPolicies[0].conditions.locations.includeLocations".to_owned()
        )]
    );
    let t =
        load_bundle_bytes_with("t.json", &b, &LoadOptions::default().allow_dangling(true)).unwrap();
    assert_eq!(t.warnings[0].code, "danglingLocation");
    assert_eq!(t.warnings[0].file, "t.json");
    // An excluded location the export lacks exempts nobody; it is not an error.
    let b = bundle(vec![policy(json!({
        "conditions": {"users": {"includeUsers": ["All"]},
                       "applications": {"includeApplications": ["All"]},
                       "locations": {"includeLocations": ["All"], "excludeLocations": [LOC]}},
        "grantControls": {"operator": "OR", "builtInControls": ["block"]}}))]);
    load_bundle_bytes("t.json", &b).unwrap();
}

fn policy_file() -> Vec<u8> {
    serde_json::to_vec(&policy(
        json!({"grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}),
    ))
    .unwrap()
}

#[test]
fn a_renamed_or_hidden_policy_file_is_named_and_the_tenant_is_not_healthy() {
    let dir = TempDir::new("renamed");
    dir.write("conditionalAccessPolicies/p1.json.bak", policy_file());
    dir.write("conditionalAccessPolicies/.p2.json", policy_file());
    let e = load_with(dir.path(), &LoadOptions::default()).unwrap_err();
    let LoadError::Invalid { diagnostics } = e else {
        panic!("expected Invalid")
    };
    let skipped: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code == "skippedFile")
        .map(|d| d.file.as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "conditionalAccessPolicies/.p2.json",
            "conditionalAccessPolicies/p1.json.bak"
        ]
    );
    assert!(
        diagnostics
            .iter()
            .any(|d| d.code == "noPolicies" && d.is_error())
    );
    // The CLI refuses it (exit 2) and says why.
    let out = jitgate(&[
        "eval",
        "--tenant",
        &dir.path().display().to_string(),
        "--requests",
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/signins.jsonl")
            .display()
            .to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[noPolicies]"));
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_loop_ends_the_walk_with_an_error() {
    let dir = TempDir::new("symlinks");
    dir.write("conditionalAccessPolicies/p1.json", policy_file());
    let folder = dir.path().join("conditionalAccessPolicies");
    std::os::unix::fs::symlink(&folder, folder.join("again")).unwrap();
    std::os::unix::fs::symlink(&folder, folder.join("and-again")).unwrap();
    match load_with(dir.path(), &LoadOptions::default()).unwrap_err() {
        LoadError::Io { path, message } => {
            assert!(path.ends_with("again"), "{path}");
            assert!(message.contains("loop"), "{message}");
        }
        other => panic!("expected Io, got {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_never_read() {
    let dir = TempDir::new("fifo");
    let fifo = dir.path().join("tenant.json");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !status.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this machine: nothing to test
    }
    match load_with(&fifo, &LoadOptions::default()).unwrap_err() {
        LoadError::Io { message, .. } => {
            assert!(message.contains("not a regular file"), "{message}")
        }
        other => panic!("expected Io, got {other:?}"),
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = TempDir::new("big");
    let file = dir.write(
        "tenant.json",
        bundle(vec![policy(
            json!({"grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}),
        )]),
    );
    let size = std::fs::metadata(&file).unwrap().len();
    load_with(&file, &LoadOptions::default().max_file_size(size)).unwrap();
    match load_with(&file, &LoadOptions::default().max_file_size(size - 1)).unwrap_err() {
        LoadError::Io { message, .. } => assert!(message.contains("over the limit"), "{message}"),
        other => panic!("expected Io, got {other:?}"),
    }
}
