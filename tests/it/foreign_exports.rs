//! Exports written by other tools (SEMANTICS §1.1a): wrapped Graph policies, Terraform JSON,
//! EntraExporter folders, and formats that are recognised and named but not read.

use std::fs;
use std::path::Path;

use crate::common::TempDir;
use jitgate::{Decision, Diagnostic, Explain, LoadError, Severity, SignInRequest, Snapshot};
use serde_json::{Value, json};

const POLICY: &str = "22222222-2222-2222-2222-222222222222";
const LOCATION: &str = "33333333-3333-3333-3333-333333333333";
const BREAK_GLASS: &str = "11111111-1111-1111-1111-111111111111";
const USER: &str = "55555555-5555-5555-5555-555555555555";
const EXO: &str = "00000002-0000-0ff1-ce00-000000000000";

/// The Graph policy every format below describes: MFA for everyone but one account, on every
/// resource, outside one named location, with a 4-hour sign-in frequency.
fn graph_policy() -> Value {
    json!({
        "id": POLICY,
        "displayName": "Require MFA",
        "state": "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "users": {"includeUsers": ["All"], "excludeUsers": [BREAK_GLASS]},
            "applications": {"includeApplications": ["All"]},
            "locations": {"includeLocations": ["All"], "excludeLocations": [LOCATION]}
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
        "sessionControls": {"signInFrequency": {"isEnabled": true, "value": 4, "type": "hours", "frequencyInterval": "timeBased"}}
    })
}

fn graph_location() -> Value {
    json!({"@odata.type": "#microsoft.graph.ipNamedLocation", "id": LOCATION, "displayName": "Office",
           "isTrusted": true, "ipRanges": [{"cidrAddress": "192.0.2.0/24"}]})
}

fn write(dir: &Path, rel: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

fn codes(d: &[Diagnostic]) -> Vec<&str> {
    d.iter().map(|x| x.code).collect()
}

/// The decision for USER on Exchange with a password, from `ip`.
fn decide(t: &jitgate::Tenant, ip: &str) -> jitgate::SignInDecision {
    let req = SignInRequest::from_json(
        &json!({
            "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": USER},
            "signInContext": {"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [EXO]},
            "signInConditions": {"ipAddress": ip, "country": "FR", "devicePlatform": "windows", "clientAppType": "browser"},
            "session": {"time": "2026-01-01T00:10:00Z", "authenticationMethods": ["password"], "lastAuthenticatedDateTime": "2026-01-01T00:00:00Z"}
        })
        .to_string(),
    )
    .unwrap();
    Snapshot::compile(t.clone()).evaluate(&req, Explain::None)
}

/// Two tenants hold the same policies apart from where they were read.
fn assert_same_policies(a: &jitgate::Tenant, b: &jitgate::Tenant) {
    assert_eq!(a.policies.len(), b.policies.len());
    for (x, y) in a.policies.iter().zip(&b.policies) {
        assert_eq!(x.display_name, y.display_name);
        assert_eq!(x.state, y.state);
        assert_eq!(x.conditions, y.conditions);
        assert_eq!(x.grant, y.grant);
        assert_eq!(x.session, y.session);
    }
}

#[test]
fn a_wrapped_policy_is_read_from_inside_its_wrapper_with_a_note() {
    let dir = TempDir::new("wrapped");
    let wrapped = json!({"ExportDate": "2025-06-01T10:00:00Z", "SourcePolicyId": POLICY, "PolicyConfig": graph_policy()});
    write(
        dir.path(),
        "conditionalAccessPolicies/p.json",
        &wrapped.to_string(),
    );
    write(
        dir.path(),
        "namedLocations.json",
        &graph_location().to_string(),
    );
    let t = jitgate::load(dir.path()).unwrap();
    assert_eq!(t.policies.len(), 1);
    assert_eq!(t.policies[0].id, POLICY);
    assert_eq!(codes(&t.warnings), ["wrappedPolicy"]);
    let w = &t.warnings[0];
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(w.file, "conditionalAccessPolicies/p.json");
    assert!(w.message.contains("\"PolicyConfig\""), "{w}");
    assert!(w.message.contains("$.PolicyConfig"), "{w}");
    // The same file given alone as the tenant, and in a folder not named after a collection.
    let alone = write(dir.path(), "alone/p.json", &wrapped.to_string());
    let t = jitgate::load_with(&alone, &crate::common::lenient()).unwrap();
    assert_eq!(t.policies[0].id, POLICY);
    let other = TempDir::new("wrapped-other");
    write(other.path(), "My backups/2025/p.json", &wrapped.to_string());
    write(
        other.path(),
        "namedLocations.json",
        &graph_location().to_string(),
    );
    let t = jitgate::load(other.path()).unwrap();
    assert_eq!(t.policies[0].id, POLICY);
    // An error inside the wrapped policy names the path inside the wrapper.
    let mut broken = wrapped.clone();
    broken["PolicyConfig"]["state"] = Value::Null;
    write(
        dir.path(),
        "conditionalAccessPolicies/p.json",
        &broken.to_string(),
    );
    let Err(LoadError::Invalid { diagnostics }) = jitgate::load(dir.path()) else {
        panic!("a wrapped policy without state must not load");
    };
    let e = diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(e.path, "$.PolicyConfig.state", "{e}");
}

#[test]
fn a_list_response_or_array_given_as_the_tenant_is_read_as_a_collection() {
    let dir = TempDir::new("list-root");
    let list = json!({"@odata.context": "https://graph.microsoft.com/beta/$metadata#identity/conditionalAccess/policies",
                      "value": [graph_policy()]});
    let file = write(dir.path(), "policies.json", &list.to_string());
    let t = jitgate::load_with(&file, &crate::common::lenient()).unwrap();
    assert_eq!(t.policies.len(), 1);
    let file = write(
        dir.path(),
        "array.json",
        &json!([graph_policy(), graph_location()]).to_string(),
    );
    let t = jitgate::load(&file).unwrap();
    assert_eq!((t.policies.len(), t.named_locations.len()), (1, 1));
}

fn terraform_policy_body(location: &str) -> Value {
    json!({
        "display_name": "Require MFA",
        "state": "enabled",
        "conditions": {
            "client_app_types": ["all"],
            "applications": {"included_applications": ["All"]},
            "users": {"included_users": ["All"], "excluded_users": [BREAK_GLASS]},
            "locations": {"included_locations": ["All"], "excluded_locations": [location]}
        },
        "grant_controls": {"operator": "OR", "built_in_controls": ["mfa"]},
        "session_controls": {"sign_in_frequency": 4, "sign_in_frequency_period": "hours"}
    })
}

#[test]
fn terraform_json_configuration_reads_as_the_same_policy() {
    let dir = TempDir::new("tf-config");
    let tf = json!({"resource": {
        "azuread_conditional_access_policy": {"require_mfa": terraform_policy_body(LOCATION)},
        "azuread_named_location": {"office": {"display_name": "Office", "ip": {"ip_ranges": ["192.0.2.0/24"], "trusted": true}}}
    }});
    let file = write(dir.path(), "main.tf.json", &tf.to_string());
    // The location's id exists only after apply: the include names a location the file lacks.
    let t = jitgate::load_with(&file, &crate::common::lenient()).unwrap();
    let graph = crate::common::lenient_bytes(
        "g.json",
        json!({"conditionalAccessPolicies": [graph_policy()]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert_same_policies(&t, &graph);
    let translated = t
        .warnings
        .iter()
        .find(|w| w.code == "translatedExport")
        .unwrap();
    assert!(
        translated
            .message
            .contains("1 policy and 0 named locations"),
        "{translated}"
    );
    assert!(
        translated.message.contains("1 named location not read"),
        "{translated}"
    );
    // Nested blocks written as arrays (Terraform's other JSON form) read the same.
    let arrays = json!({"resource": [{"azuread_conditional_access_policy": {"p": {
        "display_name": "Require MFA", "state": "enabled",
        "conditions": [{"client_app_types": ["all"],
                        "applications": [{"included_applications": ["All"]}],
                        "users": [{"included_users": ["All"], "excluded_users": [BREAK_GLASS]}],
                        "locations": [{"included_locations": ["All"], "excluded_locations": [LOCATION]}]}],
        "grant_controls": [{"operator": "OR", "built_in_controls": ["mfa"]}],
        "session_controls": [{"sign_in_frequency": 4, "sign_in_frequency_period": "hours"}]
    }}}]});
    let file = write(dir.path(), "arrays.tf.json", &arrays.to_string());
    let t = jitgate::load_with(&file, &crate::common::lenient()).unwrap();
    assert_same_policies(&t, &graph);
}

#[test]
fn terraform_state_reads_policies_and_locations_with_their_ids() {
    let dir = TempDir::new("tf-state");
    let mut body = terraform_policy_body(LOCATION);
    body["id"] = json!(POLICY);
    // State writes every nested block as a one-element array.
    for key in ["conditions", "grant_controls", "session_controls"] {
        body[key] = json!([body[key].clone()]);
    }
    let state = json!({"format_version": "1.0", "values": {"root_module": {
        "resources": [{"address": "azuread_named_location.office", "type": "azuread_named_location", "name": "office",
                       "values": {"id": LOCATION, "display_name": "Office", "ip": [{"ip_ranges": ["192.0.2.0/24"], "trusted": true}], "country": []}}],
        "child_modules": [{"resources": [{"type": "azuread_conditional_access_policy", "name": "require_mfa", "values": body},
                                         {"type": "azuread_group", "name": "g", "values": {"id": "x"}}]}]
    }}});
    let file = write(dir.path(), "state.json", &state.to_string());
    let t = jitgate::load(&file).unwrap();
    assert_eq!(t.policies[0].id, POLICY);
    assert_eq!(t.named_locations.len(), 1);
    assert_eq!(codes(&t.warnings), ["translatedExport"]);
    let graph = jitgate::load_bundle_bytes(
        "g.json",
        json!({"conditionalAccessPolicies": [graph_policy()], "namedLocations": [graph_location()]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert_same_policies(&t, &graph);
    // And it decides: MFA outside the office, nothing inside it.
    assert_eq!(decide(&t, "203.0.113.9").decision, Decision::StepUp);
    assert_eq!(decide(&t, "192.0.2.7").decision, Decision::Allow);
}

#[test]
fn a_terraform_reference_is_an_error_that_says_what_to_load() {
    let dir = TempDir::new("tf-ref");
    let tf = json!({"resource": {"azuread_conditional_access_policy": {
        "p": terraform_policy_body("${azuread_named_location.office.id}")}}});
    let file = write(dir.path(), "main.tf.json", &tf.to_string());
    let Err(LoadError::Invalid { diagnostics }) = jitgate::load(&file) else {
        panic!("a reference cannot be resolved offline");
    };
    let e = diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(e.code, "placeholder");
    assert_eq!(
        e.path,
        "$.resource.azuread_conditional_access_policy.p.conditions.locations.excludeLocations[0]"
    );
    assert!(e.message.contains("Terraform reference"), "{e}");
    assert!(e.message.contains("terraform show -json"), "{e}");
}

#[test]
fn entra_exporter_folders_are_read_by_their_names() {
    let dir = TempDir::new("entra-exporter");
    let root = dir.path();
    let mut policy = graph_policy();
    policy["@odata.context"] = json!(
        "https://graph.microsoft.com/beta/$metadata#identity/conditionalAccess/policies/$entity"
    );
    write(
        root,
        &format!("Identity/Conditional/AccessPolicies/{POLICY}/{POLICY}.json"),
        &policy.to_string(),
    );
    write(
        root,
        &format!("Identity/Conditional/NamedLocations/{LOCATION}/{LOCATION}.json"),
        &graph_location().to_string(),
    );
    write(
        root,
        "Identity/Conditional/AuthenticationContexts/c1/c1.json",
        &json!({"id": "c1", "displayName": "Sensitive", "isAvailable": true}).to_string(),
    );
    let t = jitgate::load(root).unwrap();
    assert_eq!(
        (
            t.policies.len(),
            t.named_locations.len(),
            t.auth_contexts.len()
        ),
        (1, 1, 1)
    );
    assert_eq!(codes(&t.warnings), Vec::<&str>::new());
    assert_eq!(decide(&t, "192.0.2.7").decision, Decision::Allow);
}

#[test]
fn formats_that_are_not_read_are_named_with_the_export_to_use() {
    let dir = TempDir::new("foreign");
    let root = dir.path();
    write(
        root,
        "conditionalAccessPolicies.json",
        &json!([graph_policy()]).to_string(),
    );
    write(root, "namedLocations.json", &graph_location().to_string());
    write(
        root,
        "ca.tf",
        "resource \"azuread_conditional_access_policy\" \"x\" {\n  display_name = \"x\"\n}\n",
    );
    write(
        root,
        "M365TenantConfig.ps1",
        "# Generated with Microsoft365DSC version 1.26\nConfiguration M365TenantConfig {\n  AADConditionalAccessPolicy \"AADConditionalAccessPolicy-Block\" { DisplayName = \"Block\"; }\n}\n",
    );
    write(root, "notes.txt", "not an export");
    let t = jitgate::load(root).unwrap();
    let found: Vec<(&str, &str)> = t
        .warnings
        .iter()
        .map(|w| (w.code, w.file.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("foreignFormat", "M365TenantConfig.ps1"),
            ("foreignFormat", "ca.tf"),
            ("skippedFile", "notes.txt"),
        ]
    );
    assert!(t.warnings[0].message.contains("Microsoft365DSC"));
    assert!(
        t.warnings[0]
            .message
            .contains("Get-MgIdentityConditionalAccessPolicy")
    );
    assert!(t.warnings[1].message.contains("terraform show -json"));
    // Given alone as the tenant, each is an error, not a JSON syntax error.
    for (name, tool) in [
        ("ca.tf", "Terraform HCL"),
        ("M365TenantConfig.ps1", "Microsoft365DSC"),
    ] {
        let Err(LoadError::Invalid { diagnostics }) = jitgate::load(&root.join(name)) else {
            panic!("{name} must not load");
        };
        assert_eq!(codes(&diagnostics), ["foreignFormat"], "{name}");
        assert!(diagnostics[0].message.contains(tool), "{}", diagnostics[0]);
    }
    // Microsoft365DSC's JSON report and a TCM snapshot are JSON, but not Graph's.
    let dsc = json!([{"ResourceName": "AADConditionalAccessPolicy", "ResourceInstanceName": "Block",
                      "DisplayName": "Block", "State": "enabled", "IncludeUsers": ["All"]}]);
    let tcm = json!({"displayName": "snap", "resources": [{"displayName": "AADConditionalAccessPolicy-Block",
                      "resourceType": "microsoft.entra.conditionalaccesspolicy", "properties": {"DisplayName": "Block"}}]});
    for (doc, tool) in [
        (dsc, "Microsoft365DSC report"),
        (tcm, "Tenant Configuration Management"),
    ] {
        let file = write(root, "other/report.json", &doc.to_string());
        let Err(LoadError::Invalid { diagnostics }) = jitgate::load(&file) else {
            panic!("{tool} must not load");
        };
        assert_eq!(codes(&diagnostics), ["foreignFormat"], "{tool}");
        assert!(diagnostics[0].message.contains(tool), "{}", diagnostics[0]);
    }
}
