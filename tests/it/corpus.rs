//! Real Conditional Access exports (`../shared/corpus`, or `$JITGATE_CORPUS`): they load with
//! exactly the expected objects, and every malformed template is reported, never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use crate::common::{TempDir, corpus, errors, validate_cli, with_code};
use jitgate::unstable::model::{CountryLookupMethod, GrantControl, GrantOperator, PolicyState};
use jitgate::unstable::model::{IdRef, Keyword};
use jitgate::unstable::model::{LocationKind, Tenant};
use jitgate::{Severity, load, load_report};

const CA000_ID: &str = "809741fe-fb1b-4746-9ff0-83a978a4c891";
const CA105_ID: &str = "d2cebefb-fc77-4986-8890-4fe511825ee7";
const ALLOWED_COUNTRIES_ID: &str = "185c993e-10a9-44fa-98d1-230c8f72f497";

fn j0eyv() -> Option<(PathBuf, Tenant)> {
    let dir = corpus("j0eyv-baseline")?;
    let tenant = load(&dir).unwrap_or_else(|e| panic!("j0eyv-baseline must load: {e}"));
    Some((dir, tenant))
}

#[test]
fn j0eyv_counts() {
    let Some((_, t)) = j0eyv() else { return };
    assert_eq!(t.policies.len(), 36);
    let enabled = t
        .policies
        .iter()
        .filter(|p| p.state == PolicyState::Enabled)
        .count();
    let report_only = t
        .policies
        .iter()
        .filter(|p| p.state == PolicyState::ReportOnly)
        .count();
    assert_eq!((enabled, report_only), (31, 5));
    assert!(t.policies.iter().all(|p| !p.deleted));

    assert_eq!(t.named_locations.len(), 3);
    let countries = t
        .named_locations
        .iter()
        .filter(|l| matches!(l.kind, LocationKind::Country { .. }))
        .count();
    assert_eq!(countries, 2);
    let unknown: Vec<&LocationKind> = t
        .named_locations
        .iter()
        .map(|l| &l.kind)
        .filter(|k| matches!(k, LocationKind::Unknown(_)))
        .collect();
    assert_eq!(
        unknown,
        [&LocationKind::Unknown(
            "compliantNetworkNamedLocation".into()
        )]
    );

    // 36 group files; two ids repeat with the same content except displayName.
    assert_eq!(t.groups.len(), 34);
    let dups = with_code(&t.warnings, "duplicateObject");
    assert_eq!(dups.len(), 2, "{:#?}", t.warnings);
    for d in &dups {
        assert_eq!(d.severity, Severity::Warning);
        assert!(d.file.starts_with("Groups/"), "{d}");
        assert_eq!(d.path, "$");
        assert!(d.message.contains("appears more than once"), "{d}");
    }
    let mut ids: Vec<&str> = dups
        .iter()
        .map(|d| d.message.split(' ').nth(1).unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "20cd89e3-25e2-4fcd-82c5-de666dfd31a4",
            "a8e55fcf-f8ed-43c2-bb4f-0c62edd62963"
        ]
    );

    // The three built-in strengths, nothing else.
    assert_eq!(t.strengths.len(), 3);
    assert!(t.users.is_empty() && t.role_assignments.is_empty());
}

#[test]
fn j0eyv_policies_keep_file_order() {
    let Some((_, t)) = j0eyv() else { return };
    let names: Vec<&str> = t
        .policies
        .iter()
        .map(|p| p.display_name.get(..5).unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "policies follow the sorted file names");
    assert_eq!(names[0], "CA000");
    assert_eq!(names[35], "CA505");
    assert!(t.policies[0].source.starts_with(
        "ConditionalAccess/CA000-Global-IdentityProtection-AnyApp-AnyPlatform-MFA.json:$"
    ));
}

#[test]
fn j0eyv_ca000_facts() {
    let Some((_, t)) = j0eyv() else { return };
    let p = t.policies.iter().find(|p| p.id == CA000_ID).unwrap();
    assert_eq!(
        p.display_name,
        "CA000-Global-IdentityProtection-AnyApp-AnyPlatform-MFA"
    );
    assert_eq!(p.state, PolicyState::Enabled);
    let users = p.conditions.users.as_ref().unwrap();
    assert_eq!(users.include_users, [IdRef::Keyword(Keyword::All)]);
    assert_eq!(users.exclude_groups.len(), 7);
    assert_eq!(
        users.exclude_groups[0],
        IdRef::Id("8e75af29-5176-4372-a718-724b8a4620dc".into())
    );
    assert_eq!(
        users.exclude_roles,
        [IdRef::Id("d29b2b05-8046-44ba-8758-1e26182fcf32".into())]
    );
    assert!(users.include_groups.is_empty() && users.include_roles.is_empty());
    let apps = p.conditions.applications.as_ref().unwrap();
    assert_eq!(apps.include_applications, [IdRef::Keyword(Keyword::All)]);
    assert!(p.conditions.platforms.is_none());
    assert!(p.conditions.locations.is_none());
    let grant = p.grant.as_ref().unwrap();
    assert_eq!(grant.operator, GrantOperator::Or);
    assert_eq!(grant.built_in, [GrantControl::Mfa]);
    assert!(grant.strength.is_none());
    // Every excluded group is in the export.
    for g in users.exclude_groups.iter().filter_map(IdRef::id) {
        assert!(t.group(g).is_some(), "group {g}");
    }
}

#[test]
fn j0eyv_embedded_strength_and_country_location() {
    let Some((_, t)) = j0eyv() else { return };
    let p = t.policies.iter().find(|p| p.id == CA105_ID).unwrap();
    let grant = p.grant.as_ref().unwrap();
    assert!(grant.built_in.is_empty());
    assert_eq!(
        grant.strength.as_deref(),
        Some("00000000-0000-0000-0000-000000000004")
    );
    let embedded = grant.embedded_strength.as_ref().unwrap();
    assert_eq!(embedded.combinations.len(), 3);

    let loc = t.location(ALLOWED_COUNTRIES_ID).unwrap();
    assert_eq!(loc.display_name, "ALLOWED COUNTRIES");
    assert_eq!(
        loc.kind,
        LocationKind::Country {
            countries: vec!["BE".into(), "LU".into(), "NL".into()],
            include_unknown: false,
            lookup: CountryLookupMethod::ClientIpAddress,
        }
    );
    // CA001 blocks everything outside that list.
    let ca001 = t
        .policies
        .iter()
        .find(|p| p.display_name.starts_with("CA001"))
        .unwrap();
    let locs = ca001.conditions.locations.as_ref().unwrap();
    assert_eq!(locs.include, [IdRef::Keyword(Keyword::All)]);
    assert_eq!(locs.exclude, [IdRef::Id(ALLOWED_COUNTRIES_ID.into())]);
    assert_eq!(
        ca001.grant.as_ref().unwrap().built_in,
        [GrantControl::Block]
    );
}

#[test]
fn j0eyv_warnings_are_exactly_the_known_ones() {
    let Some((_, t)) = j0eyv() else { return };
    let mut codes: Vec<&str> = t.warnings.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(
        codes,
        [
            "duplicateObject",
            // The export's LICENSE file is named as not read (§1.6a).
            "skippedFile",
            "unknownKeyword",
            "unsupportedCondition",
            "unsupportedLocationType"
        ]
    );
    let kw = with_code(&t.warnings, "unknownKeyword");
    assert!(kw.iter().all(|d| {
        d.path == "$.conditions.applications.includeApplications[0]"
            && d.message.contains("\"AllAgentIdResources\"")
    }));
    let loc = with_code(&t.warnings, "unsupportedLocationType");
    assert_eq!(loc.len(), 1);
    assert_eq!(
        loc[0].file,
        "NamedLocations/All Compliant Network locations.json"
    );
}

#[test]
fn j0eyv_cli_validate() {
    let Some(dir) = corpus("j0eyv-baseline") else {
        return;
    };
    let out = validate_cli(&dir, &[]);
    let code = out.status.code();
    assert!(matches!(code, Some(0 | 1)), "exit {code:?}");
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("36 policies"), "{stdout}");
    assert!(stdout.contains("3 named locations"), "{stdout}");
    assert!(stdout.contains("34 groups"), "{stdout}");

    let out = validate_cli(&dir, &["--json"]);
    assert!(matches!(out.status.code(), Some(0 | 1)));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["counts"]["policies"], 36);
    assert_eq!(doc["counts"]["enabled"], 31);
    assert_eq!(doc["counts"]["reportOnly"], 5);
    assert_eq!(doc["counts"]["namedLocations"], 3);
    assert_eq!(doc["counts"]["groups"], 34);
    assert_eq!(doc["errors"], 0);
    assert_eq!(doc["usable"], true);
}

/// Every `.json` file under `dir`, recursively, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// What loading one alexfilipin template on its own gave.
struct Template {
    name: String,
    rel: String,
    report: jitgate::LoadReport,
}

fn alexfilipin_templates() -> Option<Vec<Template>> {
    let dir = corpus("alexfilipin-policies")?;
    let mut out = Vec::new();
    for file in json_files(&dir) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = TempDir::new("alexfilipin");
        let rel = format!("conditionalAccessPolicies/{name}");
        tmp.write(&rel, fs::read(&file).unwrap());
        let root = tmp.path().to_path_buf();
        let result = catch_unwind(AssertUnwindSafe(|| load_report(&root)));
        let report = match result {
            Ok(Ok(report)) => report,
            Ok(Err(e)) => panic!("{name}: the copy must be readable: {e}"),
            Err(_) => panic!("{name}: loading panicked"),
        };
        out.push(Template { name, rel, report });
    }
    Some(out)
}

#[test]
fn alexfilipin_every_template_is_read_or_reported() {
    let Some(templates) = alexfilipin_templates() else {
        return;
    };
    assert_eq!(templates.len(), 59);
    let mut clean = Vec::new();
    let mut with_errors = 0;
    for t in &templates {
        let d = &t.report.diagnostics;
        // Nothing is dropped: every template is one policy, with a synthetic id (no ids in POST bodies).
        assert_eq!(t.report.tenant.policies.len(), 1, "{}: {d:#?}", t.name);
        let p = &t.report.tenant.policies[0];
        assert_eq!(p.id, format!("file:{}#0", t.rel), "{}", t.name);
        let synthetic = with_code(d, "syntheticId");
        assert_eq!(synthetic.len(), 1, "{}", t.name);
        assert_eq!(synthetic[0].path, "$.id");
        for e in errors(d) {
            assert_eq!(e.file, t.rel, "{e}");
            assert!(e.path.starts_with('$'), "{e}");
            assert!(!e.message.trim().is_empty(), "{e}");
        }
        if t.report.has_errors() {
            with_errors += 1;
        } else {
            clean.push(t.name.as_str());
        }
    }
    // Only two templates carry no placeholder group and no malformed shape.
    assert_eq!(with_errors, 57);
    assert_eq!(
        clean,
        [
            "600 - RING - Compliance - Specific apps Block access.json",
            "700 - RING - Workload Protection - All Apps Block Access from untrusted Location.json"
        ]
    );
}

#[test]
fn alexfilipin_placeholders_are_errors_with_paths() {
    let Some(templates) = alexfilipin_templates() else {
        return;
    };
    let all: Vec<&jitgate::Diagnostic> = templates
        .iter()
        .flat_map(|t| t.report.diagnostics.iter())
        .collect();
    let hit = all.iter().find(|d| {
        d.code == "placeholder"
            && d.path == "$.conditions.users.excludeGroups[0]"
            && d.message
                .contains("\"<ExclusionTempGroup>\" is not a GUID or a keyword allowed here")
    });
    assert!(hit.is_some());
    assert!(hit.unwrap().is_error());
    // Placeholders in the display name are just text.
    assert!(
        all.iter()
            .all(|d| d.code != "placeholder" || d.path.starts_with("$.conditions."))
    );
}

#[test]
fn alexfilipin_malformed_shapes() {
    let Some(templates) = alexfilipin_templates() else {
        return;
    };
    let mut locations_array: Vec<&str> = Vec::new();
    let mut duplicate_key: Vec<&str> = Vec::new();
    for t in &templates {
        for d in &t.report.diagnostics {
            match d.code {
                "wrongType" => {
                    assert_eq!(d.path, "$.conditions.locations", "{d}");
                    assert_eq!(d.message, "expected an object, found an array");
                    assert!(d.is_error());
                    locations_array.push(t.name.get(..3).unwrap());
                }
                "duplicateKey" => {
                    assert_eq!(d.path, "$.sessionControls", "{d}");
                    assert_eq!(d.message, "key \"sessionControls\" appears twice");
                    assert!(d.is_error());
                    duplicate_key.push(t.name.get(..3).unwrap());
                }
                _ => {}
            }
        }
    }
    assert_eq!(locations_array, ["306", "307", "701"]);
    assert_eq!(duplicate_key, ["209"]);
}

#[test]
fn alexfilipin_cli_validate_reports_errors() {
    let Some(dir) = corpus("alexfilipin-policies") else {
        return;
    };
    let out = validate_cli(&dir, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("59 policies"), "{stdout}");
    assert!(stdout.contains("error[placeholder]"), "{stdout}");
    let out = validate_cli(&dir, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["usable"], false);
    assert_eq!(doc["counts"]["policies"], 59);
}

#[test]
fn alexfilipin_whole_directory_loads_every_template() {
    let Some(dir) = corpus("alexfilipin-policies") else {
        return;
    };
    let report = catch_unwind(|| load_report(&dir)).unwrap().unwrap();
    assert_eq!(report.tenant.policies.len(), 59);
    // Untyped folders named after the repository's categories are routed by shape, in path order.
    assert!(
        report.tenant.policies[0]
            .id
            .starts_with("file:Admin protection/100 - ")
    );
    let ids: std::collections::HashSet<&str> = report
        .tenant
        .policies
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids.len(), 59, "synthetic ids are unique");
    assert!(with_code(&report.diagnostics, "duplicateId").is_empty());
    assert!(load(&dir).is_err());
}
