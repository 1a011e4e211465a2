//! Exports written by other tools (docs/SEMANTICS.md §1.1a): a Graph policy under a tool's
//! wrapper, Terraform JSON (read), and formats that are recognised and named but not read.

use std::borrow::Cow;
use std::path::Path;

use super::Kind;
use crate::json::Json;
use crate::model::read::child;

/// The Graph command a user runs to get an export jitgate reads.
const GRAPH_EXPORT: &str = "export Graph JSON instead: `Get-MgIdentityConditionalAccessPolicy -All | ConvertTo-Json -Depth 10`, `GET /identity/conditionalAccess/policies`, or EntraExporter (`Export-Entra -Path DIR -Type ConditionalAccess`)";

fn members<'a>(v: &'a Json<'a>) -> Option<&'a [(Cow<'a, str>, Json<'a>)]> {
    match v {
        Json::Object(m) => Some(m),
        _ => None,
    }
}

fn get<'a>(v: &'a Json<'a>, key: &str) -> Option<&'a Json<'a>> {
    members(v)?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn str_of<'a>(v: &'a Json<'a>, key: &str) -> Option<&'a str> {
    match get(v, key)? {
        Json::String(s) => Some(s.as_ref()),
        _ => None,
    }
}

/// An owned copy, for translated output.
fn owned(v: &Json<'_>) -> Json<'static> {
    v.clone().into_owned()
}

/// A policy a tool wrapped (`{"ExportDate", "SourcePolicyId", "PolicyConfig": {…}}`, a template's
/// `details`, …): when the object has no `conditions` of its own and exactly one member is an
/// object that has them, that member's key and value.
pub(super) fn policy_wrapper<'a>(item: &'a Json<'a>) -> Option<(&'a str, &'a Json<'a>)> {
    let m = members(item)?;
    if get(item, "conditions").is_some() {
        return None;
    }
    let mut inner = m
        .iter()
        .filter(|(_, v)| matches!(v, Json::Object(_)) && get(v, "conditions").is_some());
    let (key, value) = inner.next()?;
    inner.next().is_none().then_some((key.as_ref(), value))
}

/// An object translated from another tool's format into Graph JSON, with where it was found.
pub(super) struct Translated {
    /// The collection it belongs to.
    pub kind: Kind,
    /// The object as Graph would return it.
    pub graph: Json<'static>,
    /// Its JSON path in the file.
    pub path: String,
}

const TF_POLICY: &str = "azuread_conditional_access_policy";
const TF_LOCATION: &str = "azuread_named_location";

/// Terraform JSON: a `.tf.json` configuration (`resource.azuread_conditional_access_policy.NAME`)
/// or `terraform show -json` output (`values.root_module.resources[]`, modules included). `None`
/// when the document is not Terraform or declares none of these resources.
pub(super) fn terraform(root: &Json<'_>) -> Option<Terraform> {
    let mut out = Vec::new();
    let mut unread_locations = 0;
    // Configuration: `resource` is an object, or an array of objects (Terraform's JSON syntax).
    if let Some(resource) = get(root, "resource") {
        let blocks: Vec<(&Json, String)> = match resource {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (v, format!("$.resource[{i}]")))
                .collect(),
            other => vec![(other, "$.resource".to_owned())],
        };
        for (block, at) in blocks {
            for (tf_type, kind) in [
                (TF_POLICY, Kind::Policies),
                (TF_LOCATION, Kind::NamedLocations),
            ] {
                let Some(named) = get(block, tf_type).and_then(members) else {
                    continue;
                };
                for (name, body) in named {
                    // A configuration's named location has no id until Terraform creates it, and
                    // policies can only name it by a reference: nothing could match it.
                    if kind == Kind::NamedLocations && get(one_block(body), "id").is_none() {
                        unread_locations += 1;
                        continue;
                    }
                    let path = child(&child(&at, tf_type), name);
                    out.push(translate(kind, one_block(body), &path));
                }
            }
        }
    }
    // State or plan: `values` / `planned_values`, with nested `child_modules`.
    for top in ["values", "planned_values"] {
        if let Some(module) = get(root, top).and_then(|v| get(v, "root_module")) {
            state_module(module, &format!("$.{top}.root_module"), &mut out, 0);
        }
    }
    (!out.is_empty() || unread_locations > 0).then_some(Terraform {
        objects: out,
        unread_locations,
    })
}

/// What a Terraform JSON document declares.
pub(super) struct Terraform {
    /// Policies and named locations, translated.
    pub objects: Vec<Translated>,
    /// Named locations of a configuration, which have no id before `terraform apply`.
    pub unread_locations: usize,
}

fn state_module(module: &Json<'_>, at: &str, out: &mut Vec<Translated>, depth: usize) {
    // Module nesting is bounded by the JSON depth limit already; this guards the recursion too.
    if depth > 64 {
        return;
    }
    if let Some(Json::Array(resources)) = get(module, "resources") {
        for (i, r) in resources.iter().enumerate() {
            let kind = match str_of(r, "type") {
                Some(TF_POLICY) => Kind::Policies,
                Some(TF_LOCATION) => Kind::NamedLocations,
                _ => continue,
            };
            if let Some(values) = get(r, "values") {
                let path = child(&format!("{at}.resources[{i}]"), "values");
                out.push(translate(kind, values, &path));
            }
        }
    }
    if let Some(Json::Array(children)) = get(module, "child_modules") {
        for (i, c) in children.iter().enumerate() {
            state_module(c, &format!("{at}.child_modules[{i}]"), out, depth + 1);
        }
    }
}

/// A nested block: Terraform JSON writes one as an object or as an array of objects (state always
/// as a one-element array).
fn one_block<'a>(v: &'a Json<'a>) -> &'a Json<'a> {
    match v {
        Json::Array(items) => items.first().unwrap_or(&Json::Null),
        other => other,
    }
}

fn translate(kind: Kind, body: &Json<'_>, path: &str) -> Translated {
    let graph = match kind {
        Kind::NamedLocations => tf_location(body),
        _ => tf_policy(body),
    };
    Translated {
        kind,
        graph,
        path: path.to_owned(),
    }
}

fn obj(members: Vec<(&str, Json<'static>)>) -> Json<'static> {
    Json::Object(
        members
            .into_iter()
            .filter(|(_, v)| !matches!(v, Json::Null))
            .map(|(k, v)| (Cow::Owned(k.to_owned()), v))
            .collect(),
    )
}

fn string(s: &str) -> Json<'static> {
    Json::String(Cow::Owned(s.to_owned()))
}

/// Translates a nested block: its Graph key and value, or `None` to rename it as an attribute.
type Nested<'a> = dyn Fn(&str, &Json<'_>) -> Option<(&'static str, Json<'static>)> + 'a;

/// Renames the attributes of one Terraform block by `names` (Terraform name → Graph name); nested
/// blocks go through `nested`; any other attribute is kept under its own name, so Graph's reader
/// reports it (an unknown condition warns, §1.2) rather than it vanishing.
fn rename(block: &Json<'_>, names: &[(&str, &str)], nested: &Nested<'_>) -> Json<'static> {
    let Some(m) = members(block) else {
        return owned(block);
    };
    let mut out = Vec::new();
    for (k, v) in m {
        if let Some((graph_key, value)) = nested(k, v) {
            out.push((Cow::Owned(graph_key.to_owned()), value));
        } else if let Some((_, graph)) = names.iter().find(|(tf, _)| *tf == k.as_ref()) {
            out.push((Cow::Owned((*graph).to_owned()), owned(v)));
        } else {
            out.push((Cow::Owned(k.to_string()), owned(v)));
        }
    }
    Json::Object(out)
}

fn filter(v: &Json<'_>) -> Json<'static> {
    rename(one_block(v), &[], &|_, _| None)
}

fn guests(v: &Json<'_>) -> Json<'static> {
    rename(
        one_block(v),
        &[("guest_or_external_user_types", "guestOrExternalUserTypes")],
        &|k, v| {
            (k == "external_tenants").then(|| {
                (
                    "externalTenants",
                    rename(
                        one_block(v),
                        &[("membership_kind", "membershipKind")],
                        &|_, _| None,
                    ),
                )
            })
        },
    )
}

fn tf_policy(body: &Json<'_>) -> Json<'static> {
    let conditions = |v: &Json| {
        rename(
            one_block(v),
            &[
                ("client_app_types", "clientAppTypes"),
                ("sign_in_risk_levels", "signInRiskLevels"),
                ("user_risk_levels", "userRiskLevels"),
                (
                    "service_principal_risk_levels",
                    "servicePrincipalRiskLevels",
                ),
                ("insider_risk_levels", "insiderRiskLevels"),
            ],
            &|k, v| match k {
                "applications" => Some((
                    "applications",
                    rename(
                        one_block(v),
                        &[
                            ("included_applications", "includeApplications"),
                            ("excluded_applications", "excludeApplications"),
                            ("included_user_actions", "includeUserActions"),
                            (
                                "included_authentication_context_class_references",
                                "includeAuthenticationContextClassReferences",
                            ),
                        ],
                        &|k, v| (k == "filter").then(|| ("applicationFilter", filter(v))),
                    ),
                )),
                "users" => Some((
                    "users",
                    rename(
                        one_block(v),
                        &[
                            ("included_users", "includeUsers"),
                            ("excluded_users", "excludeUsers"),
                            ("included_groups", "includeGroups"),
                            ("excluded_groups", "excludeGroups"),
                            ("included_roles", "includeRoles"),
                            ("excluded_roles", "excludeRoles"),
                        ],
                        &|k, v| match k {
                            "included_guests_or_external_users" => {
                                Some(("includeGuestsOrExternalUsers", guests(v)))
                            }
                            "excluded_guests_or_external_users" => {
                                Some(("excludeGuestsOrExternalUsers", guests(v)))
                            }
                            _ => None,
                        },
                    ),
                )),
                "client_applications" => Some((
                    "clientApplications",
                    rename(
                        one_block(v),
                        &[
                            ("included_service_principals", "includeServicePrincipals"),
                            ("excluded_service_principals", "excludeServicePrincipals"),
                        ],
                        &|k, v| (k == "filter").then(|| ("servicePrincipalFilter", filter(v))),
                    ),
                )),
                "locations" => Some((
                    "locations",
                    rename(
                        one_block(v),
                        &[
                            ("included_locations", "includeLocations"),
                            ("excluded_locations", "excludeLocations"),
                        ],
                        &|_, _| None,
                    ),
                )),
                "platforms" => Some((
                    "platforms",
                    rename(
                        one_block(v),
                        &[
                            ("included_platforms", "includePlatforms"),
                            ("excluded_platforms", "excludePlatforms"),
                        ],
                        &|_, _| None,
                    ),
                )),
                "devices" => Some((
                    "devices",
                    rename(one_block(v), &[], &|k, v| {
                        (k == "filter").then(|| ("deviceFilter", filter(v)))
                    }),
                )),
                "authentication_flow_transfer_methods" => Some((
                    "authenticationFlows",
                    obj(vec![("transferMethods", owned(v))]),
                )),
                _ => None,
            },
        )
    };
    let grant = |v: &Json| {
        let b = one_block(v);
        let strength = str_of(b, "authentication_strength_policy_id")
            .filter(|s| !s.is_empty())
            .map(|id| obj(vec![("id", string(id))]));
        obj(vec![
            (
                "operator",
                get(b, "operator").map(owned).unwrap_or(Json::Null),
            ),
            (
                "builtInControls",
                get(b, "built_in_controls").map(owned).unwrap_or(Json::Null),
            ),
            ("authenticationStrength", strength.unwrap_or(Json::Null)),
            (
                "customAuthenticationFactors",
                get(b, "custom_authentication_factors")
                    .map(owned)
                    .unwrap_or(Json::Null),
            ),
            (
                "termsOfUse",
                get(b, "terms_of_use").map(owned).unwrap_or(Json::Null),
            ),
        ])
    };
    rename(body, &[("display_name", "displayName")], &|k, v| match k {
        "conditions" => Some(("conditions", conditions(v))),
        "grant_controls" => Some(("grantControls", grant(v))),
        "session_controls" => Some(("sessionControls", tf_session(one_block(v)))),
        _ => None,
    })
    // Terraform-only attributes (`template_id`, `object_id`, `timeouts`, …) stay as they are:
    // the policy reader ignores unknown keys outside `conditions` like any other.
}

fn tf_session(b: &Json<'_>) -> Json<'static> {
    let flag = |key: &str| matches!(get(b, key), Some(Json::Bool(true)));
    let text = |key: &str| str_of(b, key).filter(|s| !s.is_empty());
    let enabled = |members: Vec<(&str, Json<'static>)>| {
        let mut all = vec![("isEnabled", Json::Bool(true))];
        all.extend(members);
        obj(all)
    };
    let frequency = match (
        get(b, "sign_in_frequency"),
        text("sign_in_frequency_interval"),
    ) {
        (Some(Json::Number(n)), interval) => Some(enabled(vec![
            ("value", Json::Number(n.clone())),
            (
                "type",
                text("sign_in_frequency_period").map_or(Json::Null, string),
            ),
            ("frequencyInterval", string(interval.unwrap_or("timeBased"))),
            (
                "authenticationType",
                text("sign_in_frequency_authentication_type").map_or(Json::Null, string),
            ),
        ])),
        (_, Some("everyTime")) => Some(enabled(vec![
            ("frequencyInterval", string("everyTime")),
            (
                "authenticationType",
                text("sign_in_frequency_authentication_type").map_or(Json::Null, string),
            ),
        ])),
        _ => None,
    };
    obj(vec![
        (
            "applicationEnforcedRestrictions",
            if flag("application_enforced_restrictions_enabled") {
                enabled(vec![])
            } else {
                Json::Null
            },
        ),
        (
            "cloudAppSecurity",
            text("cloud_app_security_policy").map_or(Json::Null, |t| {
                enabled(vec![("cloudAppSecurityType", string(t))])
            }),
        ),
        (
            "persistentBrowser",
            text("persistent_browser_mode")
                .map_or(Json::Null, |m| enabled(vec![("mode", string(m))])),
        ),
        ("signInFrequency", frequency.unwrap_or(Json::Null)),
        (
            "disableResilienceDefaults",
            if flag("disable_resilience_defaults") {
                Json::Bool(true)
            } else {
                Json::Null
            },
        ),
    ])
}

fn tf_location(body: &Json<'_>) -> Json<'static> {
    let id = get(body, "id").map(owned).unwrap_or(Json::Null);
    let name = get(body, "display_name").map(owned).unwrap_or(Json::Null);
    if let Some(ip) = get(body, "ip")
        .map(one_block)
        .filter(|b| members(b).is_some())
    {
        let ranges = match get(ip, "ip_ranges") {
            Some(Json::Array(r)) => Json::Array(
                r.iter()
                    .map(|c| obj(vec![("cidrAddress", owned(c))]))
                    .collect(),
            ),
            other => other.map(owned).unwrap_or(Json::Null),
        };
        return obj(vec![
            ("@odata.type", string("#microsoft.graph.ipNamedLocation")),
            ("id", id),
            ("displayName", name),
            (
                "isTrusted",
                get(ip, "trusted").map(owned).unwrap_or(Json::Null),
            ),
            ("ipRanges", ranges),
        ]);
    }
    let country = get(body, "country").map(one_block).unwrap_or(&Json::Null);
    obj(vec![
        (
            "@odata.type",
            string("#microsoft.graph.countryNamedLocation"),
        ),
        ("id", id),
        ("displayName", name),
        (
            "countriesAndRegions",
            get(country, "countries_and_regions")
                .map(owned)
                .unwrap_or(Json::Null),
        ),
        (
            "includeUnknownCountriesAndRegions",
            get(country, "include_unknown_countries_and_regions")
                .map(owned)
                .unwrap_or(Json::Null),
        ),
        (
            "countryLookupMethod",
            get(country, "country_lookup_method")
                .map(owned)
                .unwrap_or(Json::Null),
        ),
    ])
}

/// A JSON document from a tool whose format is recognised but not read, and why.
pub(super) fn unread_tool(root: &Json<'_>) -> Option<String> {
    let dsc = |v: &Json| {
        str_of(v, "ResourceName")
            .is_some_and(|n| n.eq_ignore_ascii_case("AADConditionalAccessPolicy"))
    };
    let tcm = |v: &Json| {
        str_of(v, "resourceType")
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("microsoft.entra."))
    };
    let items: Vec<&Json> = match root {
        Json::Array(items) => items.iter().collect(),
        other => {
            let resources = get(other, "resources")
                .or_else(|| get(other, "baseline").and_then(|b| get(b, "resources")));
            match resources {
                Some(Json::Array(items)) => items.iter().collect(),
                _ => vec![other],
            }
        }
    };
    if items.iter().any(|v| dsc(v)) {
        return Some(format!(
            "this is a Microsoft365DSC report (AADConditionalAccessPolicy resources), which names users, groups and locations by display name, not id; it is not read: {GRAPH_EXPORT}"
        ));
    }
    if items.iter().any(|v| tcm(v)) {
        return Some(format!(
            "this is a Tenant Configuration Management snapshot or baseline (microsoft.entra.* resources with Microsoft365DSC properties); it is not read: {GRAPH_EXPORT}"
        ));
    }
    None
}

/// A file that is not JSON but belongs to a known tool, and what to do instead.
pub(super) fn unread_file(path: &Path, head: &[u8]) -> Option<String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    // Decoded only where it is read: a single-file tenant passes its whole text here.
    let head = || String::from_utf8_lossy(head);
    match ext.as_str() {
        "tf" => Some(format!(
            "Terraform HCL (.tf) is not read; give jitgate Terraform JSON instead: `terraform show -json > state.json` (ids resolved) or a .tf.json configuration, or {GRAPH_EXPORT}"
        )),
        "ps1" | "psd1" | "psm1"
            if {
                let head = head();
                head.contains("AADConditionalAccessPolicy") || head.contains("Microsoft365DSC")
            } =>
        {
            Some(format!(
                "a Microsoft365DSC configuration (.{ext}) is not read: it names users, groups and locations by display name, not id; {GRAPH_EXPORT}"
            ))
        }
        "yaml" | "yml" => Some(format!(
            "YAML (IntuneCD and similar backups) is not read; {GRAPH_EXPORT}"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    #[test]
    fn a_wrapper_is_unwrapped_only_around_exactly_one_policy() {
        let wrapped = parse_str(
            r#"{"ExportDate":"2025-01-01","SourcePolicyId":"x","PolicyConfig":{"state":"enabled","conditions":{}}}"#,
        )
        .unwrap_or(Json::Null);
        assert_eq!(
            policy_wrapper(&wrapped).map(|(k, _)| k),
            Some("PolicyConfig")
        );
        let plain = parse_str(r#"{"state":"enabled","conditions":{}}"#).unwrap_or(Json::Null);
        assert!(policy_wrapper(&plain).is_none());
        let two =
            parse_str(r#"{"a":{"conditions":{}},"b":{"conditions":{}}}"#).unwrap_or(Json::Null);
        assert!(policy_wrapper(&two).is_none());
    }

    #[test]
    fn terraform_blocks_may_be_objects_or_arrays() {
        let object = parse_str(
            r#"{"resource":{"azuread_conditional_access_policy":{"p":{"display_name":"P","state":"enabled","conditions":{"users":{"included_users":["All"]}}}}}}"#,
        )
        .unwrap_or(Json::Null);
        let array = parse_str(
            r#"{"resource":[{"azuread_conditional_access_policy":{"p":{"display_name":"P","state":"enabled","conditions":[{"users":[{"included_users":["All"]}]}]}}}]}"#,
        )
        .unwrap_or(Json::Null);
        for doc in [object, array] {
            let t = terraform(&doc).map(|t| t.objects).unwrap_or_default();
            assert_eq!(t.len(), 1);
            let users = t
                .first()
                .and_then(|p| get(&p.graph, "conditions"))
                .and_then(|c| get(c, "users"))
                .and_then(|u| get(u, "includeUsers"))
                .map(owned);
            assert_eq!(users, Some(Json::Array(vec![string("All")])));
        }
    }
}
