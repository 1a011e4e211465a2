//! Loading tenants: one test per tolerant-parsing rule of docs/SEMANTICS.md §1–§2, each checking the
//! exact diagnostic code, JSON path and message.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use crate::common::{TempDir, errors, only, utf16be, utf16le, warnings, with_code};
use jitgate::unstable::model::ExternalTenants;
use jitgate::unstable::model::{AppGroupSource, IdRef, Keyword};
use jitgate::unstable::model::{Cidr, LocationKind, Tenant};
use jitgate::unstable::model::{
    ClientAppType, GrantControl, GrantOperator, Platform, PolicyState, TransferMethod,
};
use jitgate::{Diagnostic, LoadError, Severity, load, load_report};

const P1: &str = "11111111-1111-1111-1111-111111111111";
const P2: &str = "22222222-2222-2222-2222-222222222222";
const LOC: &str = "33333333-3333-3333-3333-333333333333";
const GROUP: &str = "44444444-4444-4444-4444-444444444444";
const USER: &str = "55555555-5555-5555-5555-555555555555";
const ROLE: &str = "62e90394-69f5-4237-9190-012177145e10";

/// A minimal valid policy object with `extra` members appended.
fn policy(id: &str, name: &str, extra: &str) -> String {
    let mut body = format!(
        r#"{{"id":"{id}","displayName":"{name}","state":"enabled","conditions":{{"users":{{"includeUsers":["All"]}},"applications":{{"includeApplications":["All"]}}}}"#
    );
    // Enforced policies need a control to load (§1.6a); tests that set their own keep theirs.
    if !extra.contains("\"grantControls\"") && !extra.contains("\"sessionControls\"") {
        body.push_str(r#","grantControls":{"operator":"OR","builtInControls":["mfa"]}"#);
    }
    if !extra.is_empty() {
        body.push(',');
        body.push_str(extra);
    }
    body.push('}');
    body
}

/// A bundle with these policies.
fn policies_bundle(policies: &[String]) -> String {
    format!(
        r#"{{"conditionalAccessPolicies":[{}]}}"#,
        policies.join(",")
    )
}

/// Loads bundle text named `t.json`.
fn bundle(text: &str) -> Result<Tenant, LoadError> {
    crate::common::lenient_bytes("t.json", text.as_bytes())
}

/// Loads a bundle that must be usable and returns it.
fn usable(text: &str) -> Tenant {
    bundle(text).unwrap_or_else(|e| panic!("expected a usable tenant: {e:#?}"))
}

/// Loads a bundle that must be unusable and returns every diagnostic.
fn invalid(text: &str) -> Vec<Diagnostic> {
    match bundle(text) {
        Ok(t) => panic!(
            "expected errors, got a tenant with warnings {:#?}",
            t.warnings
        ),
        Err(LoadError::Invalid { diagnostics }) => diagnostics,
        Err(e) => panic!("expected Invalid, got {e:?}"),
    }
}

/// Loads a directory that must be usable.
fn usable_dir(dir: &Path) -> Tenant {
    crate::common::lenient_path(dir).unwrap_or_else(|e| panic!("expected a usable tenant: {e:#?}"))
}

/// Loads a directory that must be unusable and returns every diagnostic.
fn invalid_dir(dir: &Path) -> Vec<Diagnostic> {
    match crate::common::lenient_path(dir) {
        Ok(t) => panic!(
            "expected errors, got a tenant with warnings {:#?}",
            t.warnings
        ),
        Err(LoadError::Invalid { diagnostics }) => diagnostics,
        Err(e) => panic!("expected Invalid, got {e:?}"),
    }
}

fn assert_diag(d: &Diagnostic, severity: Severity, file: &str, path: &str, message_part: &str) {
    assert_eq!(d.severity, severity, "{d}");
    assert_eq!(d.file, file, "{d}");
    assert_eq!(d.path, path, "{d}");
    assert!(
        d.message.contains(message_part),
        "message {:?} lacks {message_part:?}",
        d.message
    );
}

// ---------------------------------------------------------------------------------------------
// §1.2 Keys

#[test]
fn pascal_case_keys_load() {
    let t = usable(&format!(
        r#"{{"ConditionalAccessPolicies":[{{"Id":"{P1}","DisplayName":"Pascal","State":"enabled",
            "Conditions":{{"Users":{{"IncludeUsers":["All"],"ExcludeGroups":["{GROUP}"]}},
                          "Applications":{{"IncludeApplications":["All"]}},
                          "ClientAppTypes":["browser"]}},
            "GrantControls":{{"Operator":"OR","BuiltInControls":["mfa"]}}}}],
          "Directory":{{"Groups":[{{"Id":"{GROUP}","IsAssignableToRole":true}}]}}}}"#
    ));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    let p = &t.policies[0];
    assert_eq!(p.id, P1);
    assert_eq!(p.display_name, "Pascal");
    assert_eq!(p.state, PolicyState::Enabled);
    let users = p.conditions.users.as_ref().unwrap();
    assert_eq!(users.include_users, [IdRef::Keyword(Keyword::All)]);
    assert_eq!(users.exclude_groups, [IdRef::Id(GROUP.into())]);
    assert_eq!(p.conditions.client_app_types, [ClientAppType::Browser]);
    assert_eq!(p.grant.as_ref().unwrap().built_in, [GrantControl::Mfa]);
    assert!(t.groups[0].is_assignable_to_role);
}

#[test]
fn case_only_duplicate_key_is_an_error() {
    let d = invalid(&policies_bundle(&[policy(
        P1,
        "P",
        r#""State":"disabled""#,
    )]));
    let e = only(&d, "duplicateKey");
    assert_diag(
        e,
        Severity::Error,
        "t.json",
        "$.conditionalAccessPolicies[0].State",
        "key \"State\" appears twice (keys match regardless of letter case)",
    );
    // An exact duplicate deep inside the policy is found too.
    let d = invalid(&policies_bundle(&[format!(
        r#"{{"id":"{P1}","displayName":"P","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{"users":{{"includeUsers":["All"],"includeUsers":["None"]}}}}}}"#
    )]));
    assert_diag(
        only(&d, "duplicateKey"),
        Severity::Error,
        "t.json",
        "$.conditionalAccessPolicies[0].conditions.users.includeUsers",
        "key \"includeUsers\" appears twice",
    );
}

#[test]
fn annotations_and_actions_are_ignored() {
    let t = usable(&policies_bundle(&[format!(
        r##"{{"@odata.context":"https://graph.microsoft.com/beta/$metadata#policies/$entity",
            "@odata.type":"#microsoft.graph.conditionalAccessPolicy",
            "@odata.id":"identity/conditionalAccess/policies('x')",
            "id":"{P1}","displayName":"A",
            "state@odata.type":"#microsoft.graph.conditionalAccessPolicyState","state":"enabled",
            "conditions":{{"@odata.type":"#microsoft.graph.conditionalAccessConditionSet",
              "users":{{"includeUsers@odata.type":"#Collection(String)","includeUsers":["All"]}},
              "applications":{{"includeApplications":["All"]}}}},
            "grantControls":{{"operator":"OR","builtInControls":["mfa"],
              "authenticationStrength@odata.navigationLink":"https://x/authenticationStrength",
              "authenticationStrength":null}},
            "#microsoft.graph.restore":{{"title":"microsoft.graph.restore","target":"https://x"}}}}"##
    )]));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    assert_eq!(t.policies.len(), 1);
    assert_eq!(t.policies[0].grant.as_ref().unwrap().strength, None);
}

#[test]
fn additional_properties_are_read_as_members_of_the_parent() {
    let t = usable(&format!(
        r##"{{"namedLocations":[{{"Id":"{LOC}","DisplayName":"Office",
            "AdditionalProperties":{{"@odata.type":"#microsoft.graph.ipNamedLocation","isTrusted":true,
              "ipRanges":[{{"@odata.type":"#microsoft.graph.iPv4CidrRange","cidrAddress":"203.0.113.0/24"}}]}}}}]}}"##
    ));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    assert_eq!(
        t.named_locations[0].kind,
        LocationKind::Ip {
            trusted: true,
            ranges: vec![Cidr::parse("203.0.113.0/24").unwrap()],
        }
    );
    // A member given both directly and in AdditionalProperties is a duplicate key.
    let d = invalid(&format!(
        r#"{{"namedLocations":[{{"id":"{LOC}","isTrusted":false,"ipRanges":[],"AdditionalProperties":{{"isTrusted":true}}}}]}}"#
    ));
    assert_diag(
        only(&d, "duplicateKey"),
        Severity::Error,
        "t.json",
        "$.namedLocations[0].isTrusted",
        "key \"isTrusted\" appears twice",
    );
}

#[test]
fn unknown_condition_is_a_warning_and_ignored() {
    let p = format!(
        r##"{{"id":"{P1}","displayName":"P","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{"users":{{"includeUsers":["All"]}},"times":{{"included":{{"@odata.type":"#microsoft.graph.conditionalAccessAllTimes"}},"excluded":{{"days":["monday"]}}}},"agents":null,"clients":{{}}}}}}"##
    );
    let t = usable(&policies_bundle(&[p]));
    let w = only(&t.warnings, "unsupportedCondition");
    assert_diag(
        w,
        Severity::Warning,
        "t.json",
        "$.conditionalAccessPolicies[0].conditions.times",
        "condition \"times\" is not supported",
    );
    assert_eq!(
        t.warnings.len(),
        1,
        "null and empty conditions configure nothing"
    );
    assert!(t.policies[0].conditions.users.is_some());
}

// ---------------------------------------------------------------------------------------------
// §1.3 Enumerations

#[test]
fn enums_and_keywords_match_case_insensitively() {
    let t = usable(&policies_bundle(&[format!(
        r#"{{"id":"{P1}","displayName":"P","state":"ENABLEDFORREPORTINGBUTNOTENFORCED",
            "conditions":{{"users":{{"includeUsers":["all"],"excludeUsers":["guestsorexternalusers"]}},
              "applications":{{"includeApplications":["ALL"],"excludeApplications":["office365"]}},
              "platforms":{{"includePlatforms":["IOS","Android"]}},
              "clientAppTypes":["Browser","easUnsupported","modern"],
              "locations":{{"includeLocations":["all"],"excludeLocations":["alltrusted"]}}}},
            "grantControls":{{"operator":"and","builtInControls":["Mfa","CompliantDevice"]}}}}"#
    )]));
    let p = &t.policies[0];
    assert_eq!(p.state, PolicyState::ReportOnly);
    let users = p.conditions.users.as_ref().unwrap();
    assert_eq!(users.include_users, [IdRef::Keyword(Keyword::All)]);
    assert_eq!(
        users.exclude_users,
        [IdRef::Keyword(Keyword::GuestsOrExternalUsers)]
    );
    let apps = p.conditions.applications.as_ref().unwrap();
    assert_eq!(apps.include_applications, [IdRef::Keyword(Keyword::All)]);
    assert_eq!(
        apps.exclude_applications,
        [IdRef::Keyword(Keyword::Office365)]
    );
    assert_eq!(
        p.conditions.platforms.as_ref().unwrap().include,
        [Platform::IOs, Platform::Android]
    );
    assert_eq!(
        p.conditions.client_app_types,
        [
            ClientAppType::Browser,
            ClientAppType::ExchangeActiveSync,
            ClientAppType::MobileAppsAndDesktopClients
        ]
    );
    let locs = p.conditions.locations.as_ref().unwrap();
    assert_eq!(locs.include, [IdRef::Keyword(Keyword::All)]);
    assert_eq!(locs.exclude, [IdRef::Keyword(Keyword::AllTrusted)]);
    let g = p.grant.as_ref().unwrap();
    assert_eq!(g.operator, GrantOperator::And);
    assert_eq!(
        g.built_in,
        [GrantControl::Mfa, GrantControl::CompliantDevice]
    );
    // Output uses Graph's canonical spelling.
    assert_eq!(g.operator.as_str(), "AND");
    assert_eq!(g.built_in[1].as_str(), "compliantDevice");
    let codes: Vec<&str> = t.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, Vec::<&str>::new());
}

#[test]
fn flags_as_comma_string_or_array() {
    let cond = |guests: &str, flows: &str| {
        format!(
            r#"{{"id":"{P1}","displayName":"P","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{"users":{{"includeGuestsOrExternalUsers":{{"guestOrExternalUserTypes":{guests},"externalTenants":{{"membershipKind":"all"}}}}}},"authenticationFlows":{{"transferMethods":{flows}}}}}}}"#
        )
    };
    let as_string = usable(&policies_bundle(&[cond(
        r#"" internalGuest , b2bCollaborationGuest ""#,
        r#""deviceCodeFlow,authenticationTransfer""#,
    )]));
    let as_array = usable(&policies_bundle(&[cond(
        r#"["internalGuest","b2bCollaborationGuest"]"#,
        r#"["deviceCodeFlow","authenticationTransfer"]"#,
    )]));
    let a = &as_string.policies[0].conditions;
    let b = &as_array.policies[0].conditions;
    assert_eq!(a, b);
    let guests = a.users.as_ref().unwrap().include_guests.as_ref().unwrap();
    assert_eq!(guests.types, 0b11);
    assert_eq!(guests.tenants, ExternalTenants::All);
    assert_eq!(
        a.transfer_methods,
        [
            TransferMethod::DeviceCodeFlow,
            TransferMethod::AuthenticationTransfer
        ]
    );
    // An empty flags string configures nothing.
    let empty = usable(&policies_bundle(&[cond(r#""""#, r#""""#)]));
    assert!(empty.policies[0].conditions.users.is_none());
    assert!(empty.policies[0].conditions.transfer_methods.is_empty());
}

#[test]
fn unknown_grant_control_is_kept_with_a_warning() {
    let t = usable(&policies_bundle(&[policy(
        P1,
        "P",
        r#""grantControls":{"operator":"OR","builtInControls":["mfa","unknownFutureValue"]}"#,
    )]));
    let w = only(&t.warnings, "unknownGrantControl");
    assert_diag(
        w,
        Severity::Warning,
        "t.json",
        "$.conditionalAccessPolicies[0].grantControls.builtInControls",
        "unknown grant control \"unknownFutureValue\" can never be satisfied",
    );
    assert_eq!(
        t.policies[0].grant.as_ref().unwrap().built_in,
        [
            GrantControl::Mfa,
            GrantControl::Unknown("unknownFutureValue".into())
        ]
    );
}

#[test]
fn unknown_state_is_kept_and_enforced_with_a_warning() {
    let p = policy(P1, "P", "").replace(r#""state":"enabled""#, r#""state":"futureState""#);
    let t = usable(&policies_bundle(&[p]));
    let w = only(&t.warnings, "unknownState");
    assert_diag(
        w,
        Severity::Warning,
        "t.json",
        "$.conditionalAccessPolicies[0].state",
        "unknown state \"futureState\" is treated as enabled",
    );
    assert_eq!(
        t.policies[0].state,
        PolicyState::Unknown("futureState".into())
    );
    assert!(t.policies[0].is_enforced());
}

#[test]
fn unknown_keyword_warns_and_placeholders_are_errors() {
    let t = usable(&policies_bundle(&[format!(
        r#"{{"id":"{P1}","displayName":"P","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{"users":{{"includeUsers":["All"]}},"applications":{{"includeApplications":["AllAgentIdResources"]}}}}}}"#
    )]));
    assert_diag(
        only(&t.warnings, "unknownKeyword"),
        Severity::Warning,
        "t.json",
        "$.conditionalAccessPolicies[0].conditions.applications.includeApplications[0]",
        "\"AllAgentIdResources\" is not a keyword this version knows here",
    );
    assert_eq!(
        t.policies[0]
            .conditions
            .applications
            .as_ref()
            .unwrap()
            .include_applications,
        [IdRef::Unknown("AllAgentIdResources".into())]
    );

    let d = invalid(&policies_bundle(&[format!(
        r#"{{"id":"{P1}","displayName":"P","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{"users":{{"includeUsers":["All"],"excludeGroups":["<ExclusionTempGroup>","has space",""],"includeRoles":["All"]}}}}}}"#
    )]));
    assert_diag(
        only(&d, "placeholder"),
        Severity::Error,
        "t.json",
        "$.conditionalAccessPolicies[0].conditions.users.excludeGroups[0]",
        "\"<ExclusionTempGroup>\" is not a GUID or a keyword allowed here",
    );
    let invalid_ids = with_code(&d, "invalidId");
    assert_eq!(invalid_ids.len(), 2, "{d:#?}");
    assert_eq!(
        invalid_ids[0].path,
        "$.conditionalAccessPolicies[0].conditions.users.excludeGroups[1]"
    );
    assert_eq!(
        invalid_ids[1].path,
        "$.conditionalAccessPolicies[0].conditions.users.excludeGroups[2]"
    );
    assert_diag(
        only(&d, "keywordNotAllowed"),
        Severity::Error,
        "t.json",
        "$.conditionalAccessPolicies[0].conditions.users.includeRoles[0]",
        "\"All\" is not allowed in this list",
    );
}

// ---------------------------------------------------------------------------------------------
// §1.4 Absent, null, empty

#[test]
fn null_and_empty_mean_not_configured() {
    let t = usable(&policies_bundle(&[format!(
        r#"{{"id":"{P1}","displayName":"P","state":"disabled","sessionControls":null,"grantControls":null,
            "conditions":{{"users":{{"includeUsers":[],"excludeUsers":[],"includeGroups":null}},
              "applications":{{"includeApplications":["All"],"excludeApplications":[]}},
              "platforms":null,"locations":{{"includeLocations":[],"excludeLocations":[]}},
              "devices":null,"clientAppTypes":[],"signInRiskLevels":[],"userRiskLevels":null,
              "authenticationFlows":null,"clientApplications":{{"includeServicePrincipals":[]}}}}}}"#
    )]));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    let p = &t.policies[0];
    let c = &p.conditions;
    assert!(c.users.is_none());
    assert!(c.platforms.is_none());
    assert!(c.locations.is_none());
    assert!(c.devices.is_none());
    assert!(c.client_applications.is_none());
    assert!(c.client_app_types.is_empty());
    assert!(c.sign_in_risk_levels.is_empty() && c.user_risk_levels.is_empty());
    assert!(c.transfer_methods.is_empty());
    assert!(c.applications.is_some());
    assert!(p.grant.is_none());
    assert!(p.session.names().is_empty());
}

#[test]
fn wrong_json_type_is_an_error_at_its_path() {
    let d = invalid(&policies_bundle(&[format!(
        r#"{{"id":"{P1}","displayName":5,"state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{"users":{{"includeUsers":"All"}},"locations":[]}}}}"#
    )]));
    let wrong = with_code(&d, "wrongType");
    let found: Vec<(&str, &str)> = wrong
        .iter()
        .map(|e| (e.path.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "$.conditionalAccessPolicies[0].displayName",
                "expected a string, found a number"
            ),
            (
                "$.conditionalAccessPolicies[0].conditions.users.includeUsers",
                "expected an array, found a string"
            ),
            (
                "$.conditionalAccessPolicies[0].conditions.locations",
                "expected an object, found an array"
            ),
        ]
    );
    assert!(wrong.iter().all(|e| e.is_error() && e.file == "t.json"));
    // A collection that is not an array, list response or object.
    let d = invalid(r#"{"namedLocations":"everywhere"}"#);
    assert_diag(
        only(&d, "wrongType"),
        Severity::Error,
        "t.json",
        "$.namedLocations",
        "expected an array, a list response or an object, found a string",
    );
}

#[test]
fn missing_state_or_conditions_is_an_error() {
    let no_state = format!(r#"{{"id":"{P1}","displayName":"P","conditions":{{}}}}"#);
    let null_state = format!(r#"{{"id":"{P2}","displayName":"P","state":null,"conditions":{{}}}}"#);
    let d = invalid(&policies_bundle(&[no_state, null_state]));
    let missing = with_code(&d, "missingField");
    assert_eq!(missing.len(), 2, "{d:#?}");
    assert_diag(
        missing[0],
        Severity::Error,
        "t.json",
        "$.conditionalAccessPolicies[0].state",
        "policy state is required",
    );
    assert_eq!(missing[1].path, "$.conditionalAccessPolicies[1].state");

    let d = invalid(&policies_bundle(&[format!(
        r#"{{"id":"{P1}","displayName":"P","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":null}}"#
    )]));
    assert_diag(
        only(&d, "missingField"),
        Severity::Error,
        "t.json",
        "$.conditionalAccessPolicies[0].conditions",
        "policy conditions are required",
    );
}

#[test]
fn missing_display_name_is_a_warning() {
    let t = usable(&policies_bundle(&[format!(
        r#"{{"id":"{P1}","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{}}}}"#
    )]));
    assert_diag(
        only(&t.warnings, "missingDisplayName"),
        Severity::Warning,
        "t.json",
        "$.conditionalAccessPolicies[0].displayName",
        "its id is shown instead",
    );
    assert_eq!(t.policies[0].display_name, P1);
}

#[test]
fn missing_id_gets_a_synthetic_id() {
    let template = r#"{"displayName":"T","state":"enabled","grantControls":{"operator":"OR","builtInControls":["mfa"]},"conditions":{}}"#.to_owned();
    let t = usable(&policies_bundle(&[
        template.clone(),
        policy(P1, "P", ""),
        template.clone(),
    ]));
    let ids: Vec<&str> = t.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["file:t.json#0", P1, "file:t.json#2"]);
    let w = with_code(&t.warnings, "syntheticId");
    assert_eq!(w.len(), 2);
    assert_diag(
        w[0],
        Severity::Warning,
        "t.json",
        "$.conditionalAccessPolicies[0].id",
        "policy has no id; it is reported as \"file:t.json#0\"",
    );
    assert_eq!(w[1].path, "$.conditionalAccessPolicies[2].id");

    // In a directory the relative path names the file.
    let dir = TempDir::new("synthetic");
    dir.write(
        "conditionalAccessPolicies/templates/a.json",
        format!("[{template},{template}]"),
    );
    let t = usable_dir(dir.path());
    let ids: Vec<&str> = t.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "file:conditionalAccessPolicies/templates/a.json#0",
            "file:conditionalAccessPolicies/templates/a.json#1"
        ]
    );
}

#[test]
fn duplicate_policy_ids_are_an_error() {
    let upper = P1.to_ascii_uppercase();
    let d = invalid(&policies_bundle(&[
        policy(P1, "first", ""),
        policy(P2, "other", ""),
        policy(&upper, "second", ""),
    ]));
    assert_diag(
        only(&d, "duplicateId"),
        Severity::Error,
        "t.json",
        "$.conditionalAccessPolicies[2]",
        &format!("policy id \"{P1}\" appears more than once"),
    );

    // Across files of a directory, the error names the second file.
    let dir = TempDir::new("dup-ids");
    dir.write("conditionalAccessPolicies/a.json", policy(P1, "first", ""));
    dir.write("conditionalAccessPolicies/b.json", policy(P1, "second", ""));
    let d = invalid_dir(dir.path());
    assert_diag(
        only(&d, "duplicateId"),
        Severity::Error,
        "conditionalAccessPolicies/b.json",
        "$",
        "appears more than once",
    );
}

#[test]
fn duplicate_groups_same_content_warn_and_different_content_errors() {
    let t = usable(&format!(
        r#"{{"directory":{{"groups":[{{"id":"{GROUP}","displayName":"a","members":["{USER}"]}},{{"id":"{GROUP}","displayName":"b","members":["{USER}"]}}]}}}}"#
    ));
    assert_eq!(t.groups.len(), 1);
    assert_eq!(t.groups[0].display_name.as_deref(), Some("a"));
    assert_diag(
        only(&t.warnings, "duplicateObject"),
        Severity::Warning,
        "t.json",
        "$.directory.groups[1]",
        "the first copy is used",
    );
    let d = invalid(&format!(
        r#"{{"directory":{{"groups":[{{"id":"{GROUP}","members":["{USER}"]}},{{"id":"{GROUP}","members":[]}}]}}}}"#
    ));
    assert_diag(
        only(&d, "duplicateId"),
        Severity::Error,
        "t.json",
        "$.directory.groups[1]",
        "appears more than once with different content",
    );
}

// ---------------------------------------------------------------------------------------------
// §1.1 Files, encodings, envelopes

fn sample_bundle() -> String {
    format!(
        r##"{{"conditionalAccessPolicies":[{}],"namedLocations":[{{"@odata.type":"#microsoft.graph.countryNamedLocation","id":"{LOC}","displayName":"Zoë ✓ 😀","countriesAndRegions":["be","NL"]}}]}}"##,
        policy(P1, "Zoë ✓ 😀", "")
    )
}

fn check_sample(t: &Tenant) {
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    assert_eq!(t.policies[0].display_name, "Zoë ✓ 😀");
    assert_eq!(t.named_locations[0].display_name, "Zoë ✓ 😀");
    let LocationKind::Country { countries, .. } = &t.named_locations[0].kind else {
        panic!("country location expected");
    };
    assert_eq!(countries, &["BE", "NL"]);
}

#[test]
fn utf16_files_with_bom() {
    let text = sample_bundle();
    check_sample(&crate::common::lenient_bytes("le.json", &utf16le(&text)).unwrap());
    check_sample(&crate::common::lenient_bytes("be.json", &utf16be(&text)).unwrap());
    // In a directory, with CRLF line ends as PowerShell writes them.
    let dir = TempDir::new("utf16");
    dir.write(
        "conditionalAccessPolicies.json",
        utf16le(&format!("[\r\n{}\r\n]\r\n", policy(P1, "Zoë ✓ 😀", ""))),
    );
    dir.write(
        "namedLocations.json",
        utf16be(&format!(
            r#"{{"@odata.type":"countryNamedLocation","id":"{LOC}","displayName":"Zoë ✓ 😀","countriesAndRegions":["BE","nl"]}}"#
        )),
    );
    check_sample(&usable_dir(dir.path()));
}

#[test]
fn utf8_with_and_without_bom() {
    let text = sample_bundle();
    let mut with_bom = vec![0xEF, 0xBB, 0xBF];
    with_bom.extend_from_slice(text.as_bytes());
    check_sample(&crate::common::lenient_bytes("bom.json", &with_bom).unwrap());
    check_sample(&crate::common::lenient_bytes("plain.json", text.as_bytes()).unwrap());
}

#[test]
fn invalid_utf16_names_file_and_byte_offset() {
    // `["x","<lone high surrogate>"]`: the surrogate is the seventh code unit, at byte 14 with the BOM.
    let mut bytes = utf16le("[\"x\",\"");
    bytes.extend_from_slice(&0xD800u16.to_le_bytes());
    bytes.extend_from_slice(&utf16le("\"]")[2..]);
    let dir = TempDir::new("bad-utf16");
    dir.write("conditionalAccessPolicies.json", &bytes);
    let d = invalid_dir(dir.path());
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_diag(
        &d[0],
        Severity::Error,
        "conditionalAccessPolicies.json",
        "$",
        "invalid UTF-16LE at byte offset 14",
    );
    assert_eq!(d[0].code, "invalidJson");

    // After a character outside the BMP (two code units) the offset still counts bytes.
    let mut bytes = utf16be("[\"😀");
    bytes.extend_from_slice(&0xDC00u16.to_be_bytes());
    bytes.extend_from_slice(&utf16be("\"]")[2..]);
    let d = match crate::common::lenient_bytes("be.json", &bytes) {
        Err(LoadError::Invalid { diagnostics }) => diagnostics,
        other => panic!("{other:?}"),
    };
    assert_diag(
        only(&d, "invalidJson"),
        Severity::Error,
        "be.json",
        "$",
        "invalid UTF-16BE at byte offset 10",
    );

    // An odd number of bytes after the BOM.
    let mut odd = utf16le("[]");
    odd.push(b' ');
    let d = match crate::common::lenient_bytes("odd.json", &odd) {
        Err(LoadError::Invalid { diagnostics }) => diagnostics,
        other => panic!("{other:?}"),
    };
    assert_diag(
        only(&d, "invalidJson"),
        Severity::Error,
        "odd.json",
        "$",
        "invalid UTF-16LE at byte offset 6",
    );
}

#[test]
fn invalid_utf8_names_file_and_byte_offset() {
    let d = match crate::common::lenient_bytes("u.json", b"{\"a\":\"\xC3\x28\"}") {
        Err(LoadError::Invalid { diagnostics }) => diagnostics,
        other => panic!("{other:?}"),
    };
    assert_diag(
        only(&d, "invalidJson"),
        Severity::Error,
        "u.json",
        "$",
        "invalid UTF-8 at byte offset 6",
    );
}

#[test]
fn graph_list_response_is_read() {
    let dir = TempDir::new("list");
    dir.write(
        "conditionalAccessPolicies.json",
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","@odata.count":2,"value":[{},{}]}}"#,
            policy(P1, "one", ""),
            policy(P2, "two", "")
        ),
    );
    let t = usable_dir(dir.path());
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    let ids: Vec<&str> = t.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, [P1, P2]);
    assert_eq!(
        t.policies[1].source,
        "conditionalAccessPolicies.json:$.value[1]"
    );
}

#[test]
fn list_response_with_next_link_is_a_partial_page() {
    let page = format!(
        r#"{{"@odata.context":"x","@odata.nextLink":"https://graph.microsoft.com/v1.0/identity/conditionalAccess/policies?$skiptoken=abc","value":[{}]}}"#,
        policy(P1, "one", "")
    );
    let dir = TempDir::new("next-link");
    dir.write("conditionalAccessPolicies.json", &page);
    let d = invalid_dir(dir.path());
    assert_diag(
        only(&d, "partialPage"),
        Severity::Error,
        "conditionalAccessPolicies.json",
        "$.@odata.nextLink",
        "one page of a longer list",
    );
    // In a bundle, and in a file whose name names no collection.
    let d = invalid(&format!(r#"{{"conditionalAccessPolicies":{page}}}"#));
    assert_eq!(
        only(&d, "partialPage").path,
        "$.conditionalAccessPolicies.@odata.nextLink"
    );
    let dir = TempDir::new("next-link-untyped");
    dir.write("export.json", &page);
    let d = invalid_dir(dir.path());
    assert_diag(
        only(&d, "partialPage"),
        Severity::Error,
        "export.json",
        "$.@odata.nextLink",
        "export every page",
    );
}

#[test]
fn repeated_value_key_in_a_list_response_is_an_error() {
    let d = invalid(&format!(
        r#"{{"conditionalAccessPolicies":{{"value":[{}],"value":[{}]}}}}"#,
        policy(P1, "one", ""),
        policy(P2, "two", "")
    ));
    assert_diag(
        only(&d, "duplicateKey"),
        Severity::Error,
        "t.json",
        "$.conditionalAccessPolicies.value",
        "key \"value\" appears twice",
    );
}

#[test]
fn folder_of_files_is_read_in_path_order() {
    let dir = TempDir::new("order");
    let files = [
        "conditionalAccessPolicies/b.json",
        "conditionalAccessPolicies/sub/c.json",
        "conditionalAccessPolicies/A.json",
        "conditionalAccessPolicies/x.JSON",
        "conditionalAccessPolicies/a.json",
        "conditionalAccessPolicies/sub.json",
    ];
    for (i, f) in files.iter().enumerate() {
        let name = f.trim_start_matches("conditionalAccessPolicies/");
        dir.write(
            f,
            policy(&format!("00000000-0000-0000-0000-{i:012}"), name, ""),
        );
    }
    dir.write("conditionalAccessPolicies/notes.txt", "not json");
    dir.write("conditionalAccessPolicies/sub/readme.md", "# not json");
    let t = usable_dir(dir.path());
    let names: Vec<&str> = t.policies.iter().map(|p| p.display_name.as_str()).collect();
    // Sorted by relative path as bytes: upper case first, and "sub.json" before "sub/…".
    assert_eq!(
        names,
        [
            "A.json",
            "a.json",
            "b.json",
            "sub.json",
            "sub/c.json",
            "x.JSON"
        ]
    );
    assert_eq!(
        t.policies[4].source,
        "conditionalAccessPolicies/sub/c.json:$"
    );
}

#[test]
fn export_tool_folder_names_match_case_insensitively() {
    let dir = TempDir::new("export-tool");
    dir.write("conditionalaccess/p.json", policy(P1, "P", ""));
    dir.write(
        "NAMEDLOCATIONS/l.json",
        format!(
            r#"{{"id":"{LOC}","displayName":"L","ipRanges":[{{"cidrAddress":"198.51.100.0/24"}}]}}"#
        ),
    );
    dir.write(
        "Groups/g.json",
        format!(r#"{{"id":"{GROUP}","displayName":"G","organizationId":"%OrganizationId%"}}"#),
    );
    let t = usable_dir(dir.path());
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    assert_eq!(t.policies.len(), 1);
    assert_eq!(t.named_locations.len(), 1);
    assert!(matches!(t.named_locations[0].kind, LocationKind::Ip { .. }));
    assert_eq!(t.groups.len(), 1);
    assert_eq!(t.groups[0].id, GROUP);
}

#[test]
fn directory_and_pim_folders() {
    let dir = TempDir::new("layout");
    dir.write(
        "directory/users.json",
        format!(
            r#"[{{"id":"{USER}","userType":"Guest","externalUserType":"b2bCollaborationGuest"}}]"#
        ),
    );
    dir.write(
        "directory/groups.json",
        format!(
            r#"{{"value":[{{"id":"{GROUP}","isAssignableToRole":true,"members":["{USER}"]}}]}}"#
        ),
    );
    dir.write(
        "directory/roleAssignments.json",
        format!(
            r#"[{{"principalId":"{GROUP}","roleDefinitionId":"{ROLE}","directoryScopeId":"/"}}]"#
        ),
    );
    dir.write(
        "pim/roleEligibilityScheduleInstances.json",
        format!(
            r#"[{{"id":"e1","principalId":"{USER}","roleDefinitionId":"{ROLE}","directoryScopeId":"/","startDateTime":"2025-01-01T00:00:00Z","endDateTime":null,"memberType":"Direct"}}]"#
        ),
    );
    // Files other than .json are not read, in these folders either; each is named (§1.6a).
    dir.write("directory/README.md", "exported by hand");
    dir.write("pim/notes.txt", "nothing to see");
    let t = usable_dir(dir.path());
    let skipped: Vec<(&str, &str)> = t
        .warnings
        .iter()
        .map(|w| (w.code, w.file.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("skippedFile", "directory/README.md"),
            ("skippedFile", "pim/notes.txt")
        ]
    );
    assert_eq!(t.users.len(), 1);
    assert_eq!(t.users[0].external_user_type, 2);
    assert_eq!(t.groups[0].members, [USER]);
    assert_eq!(t.role_assignments[0].role_definition_id, ROLE);
    assert_eq!(t.pim.role_eligibilities.len(), 1);
    assert_eq!(t.pim.role_eligibilities[0].principal_id, USER);
    assert!(t.pim.role_eligibilities[0].end.is_none());
}

#[test]
fn odata_type_routes_objects_of_an_untyped_file() {
    let dir = TempDir::new("routing");
    dir.write(
        "export.json",
        format!(
            r##"[{{"@odata.type":"#microsoft.graph.conditionalAccessPolicy","displayName":"typed","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{}}}},
                {{"@odata.type":"#microsoft.graph.ipNamedLocation","id":"{LOC}","displayName":"ip","ipRanges":[]}},
                {{"@odata.type":"microsoft.graph.GROUP","id":"{GROUP}"}},
                {{"displayName":"by shape","state":"disabled","conditions":{{}},"grantControls":null}},
                {{"displayName":"what am I"}}]"##
        ),
    );
    let d = invalid_dir(dir.path());
    assert_diag(
        only(&d, "unknownCollection"),
        Severity::Error,
        "export.json",
        "$[4]",
        "cannot tell which collection this object belongs to",
    );
    let report = load_report(dir.path()).unwrap();
    let t = &report.tenant;
    let ids: Vec<&str> = t.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["file:export.json#0", "file:export.json#1"]);
    assert_eq!(t.named_locations[0].id, LOC);
    assert_eq!(t.groups[0].id, GROUP);

    // In a file named after a collection, @odata.type still decides.
    let t = usable(&format!(
        r##"{{"conditionalAccessPolicies":[{},{{"@odata.type":"#microsoft.graph.countryNamedLocation","id":"{LOC}","countriesAndRegions":["FR"]}}]}}"##,
        policy(P1, "P", "")
    ));
    assert_eq!(t.policies.len(), 1);
    assert_eq!(t.named_locations.len(), 1);
}

#[test]
fn empty_and_whitespace_files_are_errors() {
    let dir = TempDir::new("empty");
    dir.write("conditionalAccessPolicies/a.json", "");
    dir.write("conditionalAccessPolicies/b.json", " \r\n\t ");
    dir.write("conditionalAccessPolicies/c.json", utf16le("  \r\n"));
    dir.write("conditionalAccessPolicies/d.json", [0xEF, 0xBB, 0xBF]);
    let d = invalid_dir(dir.path());
    let empty = with_code(&d, "emptyFile");
    let files: Vec<&str> = empty.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "conditionalAccessPolicies/a.json",
            "conditionalAccessPolicies/b.json",
            "conditionalAccessPolicies/c.json",
            "conditionalAccessPolicies/d.json"
        ]
    );
    for e in &empty {
        assert_diag(e, Severity::Error, &e.file, "$", "file is empty");
    }
    assert_eq!(d.len(), 4, "{d:#?}");
    let d = match crate::common::lenient_bytes("t.json", b"") {
        Err(LoadError::Invalid { diagnostics }) => diagnostics,
        other => panic!("{other:?}"),
    };
    assert_diag(
        only(&d, "emptyFile"),
        Severity::Error,
        "t.json",
        "$",
        "file is empty",
    );
}

#[test]
fn trailing_commas_and_comments_are_invalid_json() {
    for (text, at) in [
        (
            r#"{"conditionalAccessPolicies":[],}"#,
            "line 1 column 33: trailing comma",
        ),
        (
            "// exported\n{\"conditionalAccessPolicies\":[]}",
            "line 1 column 1: expected value",
        ),
        (
            "{\"namedLocations\":[/* none */]}",
            "line 1 column 20: expected value",
        ),
        ("{\"a\":1}{\"b\":2}", "line 1 column 8: trailing characters"),
    ] {
        let d = invalid(text);
        let e = only(&d, "invalidJson");
        assert_diag(e, Severity::Error, "t.json", "$", "invalid JSON at ");
        assert!(e.message.contains(at), "{text:?}: {}", e.message);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        r#"{{"conditionalAccessPolicies":[{{"id":"{P1}","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{}},"x":{}{}}}]}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let d = invalid(&deep);
    assert_diag(
        only(&d, "invalidJson"),
        Severity::Error,
        "t.json",
        "$",
        "recursion limit exceeded",
    );
    let objects = format!("{}{}", r#"{"a":"#.repeat(5000), "}".repeat(5000));
    let d = invalid(&objects);
    assert_eq!(only(&d, "invalidJson").path, "$");
}

#[test]
fn huge_numbers_do_not_panic() {
    let d = invalid(&policies_bundle(&[policy(
        P1,
        "P",
        r#""sessionControls":{"signInFrequency":{"isEnabled":true,"value":1e400,"type":"hours"}}"#,
    )]));
    assert!(!errors(&d).is_empty());
    let d = invalid(&policies_bundle(&[policy(
        P1,
        "P",
        r#""sessionControls":{"signInFrequency":{"isEnabled":true,"value":99999999999999999999,"type":"hours"}}"#,
    )]));
    assert!(
        with_code(&d, "wrongType")
            .iter()
            .any(|e| e.path.ends_with("signInFrequency.value")),
        "{d:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// §1.7 Times and durations, §4.1 CIDRs

#[test]
fn timestamp_without_offset_is_an_error() {
    let d = invalid(&format!(
        r#"{{"directory":{{"roleAssignments":[{{"principalId":"{USER}","roleDefinitionId":"{ROLE}","directoryScopeId":"/","startDateTime":"2025-03-03T09:15:00","endDateTime":"2026-02-13T11:37:41.7574033Z"}}]}}}}"#
    ));
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_diag(
        only(&d, "invalidTimestamp"),
        Severity::Error,
        "t.json",
        "$.directory.roleAssignments[0].startDateTime",
        "\"2025-03-03T09:15:00\" is not an RFC 3339 timestamp with an offset",
    );
    // Seven fractional digits and an offset are fine, and normalised to UTC.
    let t = usable(&format!(
        r#"{{"directory":{{"roleAssignments":[{{"principalId":"{USER}","roleDefinitionId":"{ROLE}","startDateTime":"2025-03-03T10:15:00.1234567+01:00"}}]}}}}"#
    ));
    assert_eq!(
        t.role_assignments[0].start.unwrap().to_string(),
        "2025-03-03T09:15:00.1234567Z"
    );
}

#[test]
fn month_duration_is_an_error() {
    for (value, why) in [
        ("P1M", "years, months and weeks have no fixed length"),
        ("P1W", "years, months and weeks have no fixed length"),
        ("-PT1H", "it must start with P"),
    ] {
        let d = invalid(&format!(
            r#"{{"pim":{{"roleManagementPolicies":[{{"id":"p","rules":[{{"id":"Expiration_EndUser_Assignment","isExpirationRequired":true,"maximumDuration":"{value}"}}]}}]}}}}"#
        ));
        let e = only(&d, "invalidDuration");
        assert_diag(
            e,
            Severity::Error,
            "t.json",
            "$.pim.roleManagementPolicies[0].rules[0].maximumDuration",
            &format!("\"{value}\" is not an ISO 8601 duration"),
        );
        assert!(e.message.contains(why), "{}", e.message);
    }
}

#[test]
fn cidr_without_prefix_is_an_error() {
    let d = invalid(&format!(
        r#"{{"namedLocations":[{{"id":"{LOC}","ipRanges":[{{"cidrAddress":"10.1.2.3"}},{{"cidrAddress":"10.1.2.0/33"}}]}}],"mfaTrustedIps":["192.0.2.7"]}}"#
    ));
    let bad = with_code(&d, "invalidCidr");
    assert_eq!(bad.len(), 3, "{d:#?}");
    assert_diag(
        bad[0],
        Severity::Error,
        "t.json",
        "$.namedLocations[0].ipRanges[0].cidrAddress",
        "\"10.1.2.3\" is not a CIDR range: the /prefix is missing",
    );
    assert_diag(
        bad[1],
        Severity::Error,
        "t.json",
        "$.namedLocations[0].ipRanges[1].cidrAddress",
        "prefix length /33 is too long",
    );
    assert_diag(
        bad[2],
        Severity::Error,
        "t.json",
        "$.mfaTrustedIps[0]",
        "the /prefix is missing",
    );
}

/// IP ranges in Graph's usual form are read by a shortcut; every other form goes the general
/// way. Mixed in one list, each reads as it always did, in order, and a bad one is reported at
/// its own index (the shortcut builds no paths).
#[test]
fn ip_ranges_in_every_form_read_in_order_and_report_at_their_index() {
    let ranges = r##"[
        {"@odata.type":"#microsoft.graph.iPv4CidrRange","cidrAddress":"10.0.0.0/8"},
        {"CIDRAddress":"10.1.0.0/16"},
        "10.2.0.0/16",
        {"cidrAddress":"10.3.0.0/16","note":"kept"},
        {"@odata.type":"#microsoft.graph.iPv6CidrRange","cidrAddress":"2001:db8::/32"},
        {"cidrAddress":"10.4.0.0/16","@odata.type":"#microsoft.graph.iPv4CidrRange"},
        {"@odata.type":null,"cidrAddress":"10.5.0.0/16"},
        {"@OData.Type":"#microsoft.graph.iPv4CidrRange","cidrAddress":"10.6.0.0/16"},
        {"AdditionalProperties":{"cidrAddress":"10.7.0.0/16"}},
        {"cidrAddress":"10.8.0.0/16","@odata.etag":"x"}
    ]"##;
    let t = usable(&format!(
        r#"{{"namedLocations":[{{"id":"{LOC}","ipRanges":{ranges}}}]}}"#
    ));
    let LocationKind::Ip { ranges, .. } = &t.named_locations[0].kind else {
        panic!("an IP location: {:?}", t.named_locations[0].kind);
    };
    let expected: Vec<Cidr> = [
        "10.0.0.0/8",
        "10.1.0.0/16",
        "10.2.0.0/16",
        "10.3.0.0/16",
        "2001:db8::/32",
        "10.4.0.0/16",
        "10.5.0.0/16",
        "10.6.0.0/16",
        "10.7.0.0/16",
        "10.8.0.0/16",
    ]
    .iter()
    .map(|c| Cidr::parse(c).unwrap())
    .collect();
    assert_eq!(ranges, &expected);

    let d = invalid(&format!(
        r#"{{"namedLocations":[{{"id":"{LOC}","ipRanges":[{{"cidrAddress":"10.0.0.0/8"}},{{"cidrAddress":"10.1.0.0/16","cidrAddress":"10.2.0.0/16"}},{{"cidrAddress":"10.5.0.0/40"}},{{"cidrAddress":null}},{{"@odata.type":5,"cidrAddress":"10.6.0.0/16"}}]}}]}}"#
    ));
    // Every problem once, in list order.
    let found: Vec<(&str, &str)> = d.iter().map(|e| (e.code, e.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (
                "duplicateKey",
                "$.namedLocations[0].ipRanges[1].cidrAddress"
            ),
            ("invalidCidr", "$.namedLocations[0].ipRanges[2].cidrAddress"),
            (
                "missingField",
                "$.namedLocations[0].ipRanges[3].cidrAddress"
            ),
            ("wrongType", "$.namedLocations[0].ipRanges[4].@odata.type"),
        ],
        "{d:#?}"
    );
    assert_diag(
        only(&d, "duplicateKey"),
        Severity::Error,
        "t.json",
        "$.namedLocations[0].ipRanges[1].cidrAddress",
        "appears twice",
    );
    assert_diag(
        only(&d, "invalidCidr"),
        Severity::Error,
        "t.json",
        "$.namedLocations[0].ipRanges[2].cidrAddress",
        "prefix length /40 is too long",
    );
    assert_diag(
        only(&d, "missingField"),
        Severity::Error,
        "t.json",
        "$.namedLocations[0].ipRanges[3].cidrAddress",
        "missing",
    );
}

#[test]
fn host_bits_are_masked() {
    let t = usable(&format!(
        r#"{{"namedLocations":[{{"id":"{LOC}","ipRanges":["12.34.221.11/22",{{"cidrAddress":"2001:db8::1/32"}}]}}]}}"#
    ));
    let LocationKind::Ip { ranges, trusted } = &t.named_locations[0].kind else {
        panic!("ip location expected");
    };
    assert!(!trusted);
    let text: Vec<String> = ranges.iter().map(ToString::to_string).collect();
    assert_eq!(text, ["12.34.220.0/22", "2001:db8::/32"]);
}

// ---------------------------------------------------------------------------------------------
// §2 Tenant bundle

#[test]
fn builtin_strengths_are_always_present() {
    let t = usable("{}");
    let ids: Vec<&str> = t.strengths.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "00000000-0000-0000-0000-000000000002",
            "00000000-0000-0000-0000-000000000003",
            "00000000-0000-0000-0000-000000000004"
        ]
    );
    assert!(t.strengths.iter().all(|s| s.is_default));
    assert!(t.policies.is_empty() && t.warnings.is_empty());

    // A bundle copy of a built-in replaces the default; a custom one is added before them.
    let t = usable(
        r#"{"authenticationStrengthPolicies":[
            {"id":"00000000-0000-0000-0000-000000000004","displayName":"Phishing-resistant MFA","policyType":"builtIn","allowedCombinations":["fido2"]},
            {"id":"77777777-7777-7777-7777-777777777777","displayName":"Custom","policyType":"custom","allowedCombinations":["password,sms"]}]}"#,
    );
    assert_eq!(t.strengths.len(), 4);
    let phish = t.strength("00000000-0000-0000-0000-000000000004").unwrap();
    assert!(!phish.is_default);
    assert_eq!(phish.combinations.len(), 1);
    assert!(
        t.strength("00000000-0000-0000-0000-000000000002")
            .unwrap()
            .is_default
    );
}

#[test]
fn bundle_with_directory_and_pim_sections() {
    let t = usable(&format!(
        r#"{{"directory":{{"users":[{{"id":"{USER}"}}],"groups":[{{"id":"{GROUP}","members":["{USER}"]}}]}},
            "pim":{{"roleEligibilityScheduleInstances":[{{"id":"e","principalId":"{USER}","roleDefinitionId":"{ROLE}","directoryScopeId":"/"}}],
                    "roleManagementPolicies":[{{"id":"pol","rules":[{{"id":"Expiration_EndUser_Assignment","maximumDuration":"PT8H"}}]}}]}},
            "applicationGroups":{{"Office365":["00000002-0000-0ff1-ce00-000000000000"]}},
            "authenticationContextClassReferences":[{{"id":"C1","isAvailable":true}}],
            "mfaTrustedIps":["192.0.2.0/24"]}}"#
    ));
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
    assert_eq!(t.users.len(), 1);
    assert_eq!(t.groups.len(), 1);
    assert_eq!(t.pim.role_eligibilities.len(), 1);
    assert_eq!(t.pim.policies.len(), 1);
    // A listed group replaces the built-in members; the other keeps them (§3.6 rule 4).
    assert_eq!(
        t.app_groups.office365.app_ids,
        ["00000002-0000-0ff1-ce00-000000000000"]
    );
    assert_eq!(t.app_groups.office365.source, AppGroupSource::Bundle);
    assert_eq!(t.app_groups.admin_portals.source, AppGroupSource::BuiltIn);
    assert_eq!(t.app_groups.admin_portals.app_ids.len(), 4);
    assert_eq!(t.auth_contexts[0].id, "c1");
    assert_eq!(t.mfa_trusted_ips.len(), 1);

    // Unknown keys at the top level or inside a section are reported, not read.
    let t = usable(r#"{"directory":{"devices":[{"id":"x"}]},"policies2":[]}"#);
    let unknown: Vec<&str> = with_code(&t.warnings, "unknownBundleKey")
        .iter()
        .map(|w| w.path.as_str())
        .collect();
    assert_eq!(unknown, ["$.directory.devices"]);
    let t = usable(r#"{"somethingElse":[{"id":"x"}]}"#);
    assert_diag(
        only(&t.warnings, "unknownBundleKey"),
        Severity::Warning,
        "t.json",
        "$.somethingElse",
        "\"somethingElse\" is not a tenant bundle key",
    );
}

// ---------------------------------------------------------------------------------------------
// Public API contract

#[test]
fn load_report_returns_everything_and_load_refuses_errors() {
    let dir = TempDir::new("report");
    dir.write(
        "conditionalAccessPolicies.json",
        format!(
            "[{},{}]",
            policy(P1, "good", ""),
            policy(P2, "bad", "").replace(r#""All"]}}"#, r#""<Group>"]}}"#)
        ),
    );
    let report = load_report(dir.path()).unwrap();
    assert!(report.has_errors());
    assert_eq!(report.tenant.policies.len(), 2, "nothing is dropped");
    let e = only(&report.diagnostics, "placeholder");
    assert_eq!(e.file, "conditionalAccessPolicies.json");
    match load(dir.path()) {
        Err(LoadError::Invalid { diagnostics }) => {
            assert_eq!(diagnostics, report.diagnostics);
        }
        other => panic!("{other:?}"),
    }
    let err = load(dir.path()).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "tenant has 1 error(s); first: error[placeholder]: conditionalAccessPolicies.json: $[1]"
        ),
        "{err}"
    );

    // Warnings travel with a usable tenant.
    let t = usable(&policies_bundle(&[format!(
        r#"{{"id":"{P1}","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{{}}}}"#
    )]));
    assert_eq!(warnings(&t.warnings).len(), 1);
}

#[test]
fn unreadable_path_is_an_io_error() {
    let dir = TempDir::new("missing");
    let missing = dir.path().join("no-such-tenant");
    for result in [
        load(&missing).map(|_| ()),
        load_report(&missing).map(|_| ()),
    ] {
        match result {
            Err(LoadError::Io { path, message }) => {
                assert_eq!(path, missing.display().to_string());
                assert!(!message.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn single_bundle_file_on_disk() {
    let dir = TempDir::new("bundle-file");
    let file = dir.write("tenant.json", utf16le(&sample_bundle()));
    let t = usable_dir(&file);
    check_sample(&t);
    assert!(
        t.policies[0]
            .source
            .starts_with("tenant.json:$.conditionalAccessPolicies[0]")
    );
}

#[test]
fn two_policy_assignments_for_one_role_are_ambiguous() {
    let bundle = br#"{"pim":{"roleManagementPolicyAssignments":[
        {"id":"a1","policyId":"p1","scopeId":"/","scopeType":"DirectoryRole","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10"},
        {"id":"a2","policyId":"p2","scopeId":"/","scopeType":"Directory","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10"},
        {"id":"a3","policyId":"p3","scopeId":"/","scopeType":"DirectoryRole","roleDefinitionId":"194ae4cb-b126-40b2-bd5b-6091b380977d"}
    ]}}"#;
    let Err(jitgate::LoadError::Invalid { diagnostics }) =
        crate::common::lenient_bytes("t.json", bundle)
    else {
        panic!("an ambiguous policy assignment must stop the tenant from loading");
    };
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "ambiguousPolicyAssignment");
    assert_eq!(errors[0].file, "t.json");
    assert_eq!(errors[0].path, "$.pim.roleManagementPolicyAssignments[1]");
    assert!(
        errors[0]
            .message
            .contains("62e90394-69f5-4237-9190-012177145e10")
    );
}

#[test]
fn agent_identity_and_other_new_condition_members_warn() {
    // §1.2: a condition this version does not evaluate is a warning, never dropped silently,
    // wherever it sits (here inside clientApplications and applications).
    let t = usable(&policies_bundle(&[policy(
        P1,
        "P",
        r#""conditions":{"users":{"includeUsers":["None"]},
            "clientApplications":{"includeServicePrincipals":["ServicePrincipalsInMyTenant"],
              "includeAgentIdServicePrincipals":["All"],
              "agentIdServicePrincipalFilter":{"mode":"include","rule":"x"}},
            "applications":{"includeApplications":["All"],"globalSecureAccess":{"enabled":true}}},
          "grantControls":{"operator":"OR","builtInControls":["block"]}"#,
    )
    .replace(
        r#","conditions":{"users":{"includeUsers":["All"]},"applications":{"includeApplications":["All"]}}"#,
        "",
    )]));
    let found: Vec<(&str, &str)> = t
        .warnings
        .iter()
        .map(|w| (w.code, w.path.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "unsupportedCondition",
                "$.conditionalAccessPolicies[0].conditions.clientApplications.includeAgentIdServicePrincipals"
            ),
            (
                "unsupportedCondition",
                "$.conditionalAccessPolicies[0].conditions.clientApplications.agentIdServicePrincipalFilter"
            ),
            (
                "unsupportedCondition",
                "$.conditionalAccessPolicies[0].conditions.applications.globalSecureAccess"
            ),
        ]
    );
}

#[test]
fn group_members_read_in_both_forms_and_a_bad_one_is_named_at_its_index() {
    const A: &str = "3F1A6C01-2B7D-4E8F-9A01-5C6D7E8F9A01";
    const B: &str = "3f1a6c02-2b7d-4e8f-9a01-5c6d7e8f9a02";
    const G: &str = "7a1b2c3d-0000-4000-8000-000000000001";
    let t = usable(&format!(
        r#"{{"directory":{{"users":[{{"id":"{A}"}},{{"id":"{B}"}}],
            "groups":[{{"id":"{G}","members":["{A}",{{"id":" {B} "}}]}}]}}}}"#
    ));
    assert_eq!(t.groups[0].members, [A.to_ascii_lowercase(), B.to_owned()]);

    let d = invalid(&format!(
        r#"{{"directory":{{"users":[{{"id":"{A}"}}],
            "groups":[{{"id":"{G}","members":["{A}","not-a-guid",{{"id":"also-not"}},{{"name":"x"}},5]}}]}}}}"#
    ));
    let found: Vec<(&str, &str)> = d.iter().map(|e| (e.code, e.path.as_str())).collect();
    assert_eq!(
        found,
        [
            ("invalidId", "$.directory.groups[0].members[1]"),
            ("invalidId", "$.directory.groups[0].members[2].id"),
            ("missingField", "$.directory.groups[0].members[3].id"),
            ("wrongType", "$.directory.groups[0].members[4]"),
        ],
        "{d:#?}"
    );
}

/// The CLI's option to leave each file's JSON tree to the process's exit, instead of freeing it,
/// reads the same tenant: from a directory and from a single-file bundle.
#[test]
fn leaving_trees_to_exit_reads_the_same_tenant() {
    let leave = jitgate::LoadOptions::default().leave_trees_to_exit(true);
    let revision = |t: Tenant| jitgate::Snapshot::compile(t).revision().to_owned();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tenant");
    assert_eq!(
        revision(jitgate::load_with(&examples, &leave).unwrap()),
        revision(load(&examples).unwrap())
    );
    let text = policies_bundle(&[policy(P1, "one", ""), policy(P2, "two", "")]);
    let left = jitgate::load_bundle_bytes_with("t.json", text.as_bytes(), &leave).unwrap();
    assert_eq!(left.policies.len(), 2);
    let freed =
        jitgate::load_bundle_bytes_with("t.json", text.as_bytes(), &Default::default()).unwrap();
    assert_eq!(revision(left), revision(freed));
}
