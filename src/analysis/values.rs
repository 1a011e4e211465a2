//! Identity, target and location values for the condition space (docs/SEMANTICS.md §13.1).

use std::net::IpAddr;

use jiff::Timestamp;
use serde_json::{Map, Value as Json, json};

use super::space::{Fragment, OUTSIDE_APP, OUTSIDE_SP, OUTSIDE_TENANT, OUTSIDE_USER, Value};
use crate::model::enums::GuestType;
use crate::signin::compiled::CompiledPolicies;

/// Ids named by policies but not exported that are also tried with every guest type.
const MAX_LISTED_GUESTS: usize = 64;
/// Users listed as samples per identity value.
const SAMPLES: usize = 3;

pub(crate) fn value(label: impl Into<String>, fragment: Fragment) -> Value {
    Value {
        label: label.into(),
        fragment,
        users: 0,
        samples: Vec::new(),
    }
}

/// A readable name for an application id: the tenant's display name and group memberships.
fn app_label(snaps: &[&CompiledPolicies], app: &str) -> String {
    for s in snaps {
        let t = s.tenant();
        if let Some(name) = t
            .applications
            .iter()
            .chain(&t.service_principals)
            .find(|a| a.app_id.as_deref() == Some(app))
            .and_then(|o| o.display_name.as_deref())
        {
            return format!("{name} ({app})");
        }
    }
    match crate::model::app_groups::built_in_name(app) {
        Some(name) => format!("{name} ({app})"),
        None => app.to_owned(),
    }
}

fn user_label(snaps: &[&CompiledPolicies], id: &str) -> String {
    for s in snaps {
        if let Some(u) = s.tenant().users.iter().find(|u| u.id == id) {
            if let Some(upn) = &u.user_principal_name {
                return upn.clone();
            }
        }
    }
    id.to_owned()
}

pub(crate) fn risks(key: &'static str) -> Vec<Value> {
    // `unknownFutureValue` is accepted and matches no listed level (§3.10).
    [
        "none",
        "low",
        "medium",
        "high",
        "hidden",
        "unknownFutureValue",
    ]
    .into_iter()
    .map(|l| value(l, Fragment::Risk(key, l)))
    .collect()
}

fn user_identity(id: &str, guest: Option<&str>, home: Option<&str>) -> Json {
    let mut o = Map::new();
    o.insert("@odata.type".into(), json!("#microsoft.graph.userSignIn"));
    o.insert("userId".into(), json!(id));
    if let Some(g) = guest {
        o.insert("externalUserType".into(), json!(g));
    }
    if let Some(h) = home {
        o.insert("externalTenantId".into(), json!(h));
    }
    Json::Object(o)
}

pub(crate) fn user_values(snaps: &[&CompiledPolicies], at: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    for s in snaps {
        for group in s.user_groups(at, SAMPLES) {
            let (count, samples) = (group.users, group.samples);
            let Some(first) = samples.first() else {
                continue;
            };
            if !seen_ids.insert(first.clone()) {
                continue;
            }
            let names: Vec<String> = samples.iter().map(|id| user_label(snaps, id)).collect();
            let label = if count > samples.len() {
                format!("{count} users like {}", names.join(", "))
            } else {
                format!("{count} user(s): {}", names.join(", "))
            };
            out.push(Value {
                label,
                fragment: Fragment::Identity(user_identity(first, None, None)),
                users: count,
                samples,
            });
        }
    }
    let mut listed: Vec<String> = snaps.iter().flat_map(|s| s.listed_only_users()).collect();
    listed.sort_unstable();
    listed.dedup();
    let mut outside: Vec<(String, String)> = listed
        .into_iter()
        .map(|id| {
            let label = format!("{id} (named by a policy, not in the export)");
            (id, label)
        })
        .collect();
    outside.push((
        OUTSIDE_USER.to_owned(),
        "a user not in the export".to_owned(),
    ));
    for (id, label) in &outside {
        out.push(value(
            label.clone(),
            Fragment::Identity(user_identity(id, None, None)),
        ));
    }
    let mut tenants: Vec<String> = snaps.iter().flat_map(|s| s.named_home_tenants()).collect();
    tenants.sort_unstable();
    tenants.dedup();
    tenants.push(OUTSIDE_TENANT.to_owned());
    let kinds = [
        GuestType::InternalGuest,
        GuestType::B2bCollaborationGuest,
        GuestType::B2bCollaborationMember,
        GuestType::B2bDirectConnectUser,
        GuestType::OtherExternalUser,
        GuestType::ServiceProvider,
    ];
    // Every combination of guest types a request may state (a flags value) for a user outside
    // the directory, from each tenant a guest selector names, from one none does, and unstated.
    // Ids named by policies get the same, up to MAX_LISTED_GUESTS of them.
    let guests: Vec<&(String, String)> = outside.iter().rev().take(MAX_LISTED_GUESTS + 1).collect();
    for combo in 1u8..64 {
        let names: Vec<&str> = kinds
            .iter()
            .enumerate()
            .filter(|(k, _)| combo & (1 << k) != 0)
            .map(|(_, g)| g.as_str())
            .collect();
        for (id, label) in &guests {
            let homes = tenants.iter().map(|t| Some(t.as_str())).chain([None]);
            for home in homes {
                let from = match home {
                    Some(OUTSIDE_TENANT) => "from another tenant".to_owned(),
                    Some(h) => format!("from tenant {h}"),
                    None => "home tenant not stated".to_owned(),
                };
                let who = if id == OUTSIDE_USER {
                    String::new()
                } else {
                    format!(" as {label}")
                };
                out.push(value(
                    format!("{} {from}{who}", names.join("+")),
                    Fragment::Identity(user_identity(id, Some(&names.join(",")), home)),
                ));
            }
        }
    }
    out
}

pub(crate) fn workload_values(snaps: &[&CompiledPolicies]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for s in snaps {
        for sp in &s.tenant().service_principals {
            let id = sp.app_id.clone().unwrap_or_else(|| sp.id.clone());
            if !seen.insert(id.clone()) {
                continue;
            }
            let name = match &sp.display_name {
                Some(n) => format!("{n} ({id})"),
                None => id.clone(),
            };
            out.push(Value {
                label: format!("service principal {name}"),
                fragment: Fragment::Identity(json!({
                    "@odata.type": "#microsoft.graph.servicePrincipalSignIn",
                    "servicePrincipalId": id,
                })),
                users: 1,
                samples: vec![sp.id.clone()],
            });
        }
    }
    let mut listed: Vec<String> = snaps
        .iter()
        .flat_map(|s| s.listed_only_service_principals())
        .collect();
    listed.sort_unstable();
    listed.dedup();
    for id in listed {
        out.push(value(
            format!("service principal {id} (named by a policy, not in the export)"),
            Fragment::Identity(json!({
                "@odata.type": "#microsoft.graph.servicePrincipalSignIn",
                "servicePrincipalId": id,
            })),
        ));
    }
    out.push(value(
        "a service principal not in the export",
        Fragment::Identity(json!({
            "@odata.type": "#microsoft.graph.servicePrincipalSignIn",
            "servicePrincipalId": OUTSIDE_SP,
        })),
    ));
    out
}

pub(crate) fn target_values(snaps: &[&CompiledPolicies]) -> Vec<Value> {
    let mut apps: Vec<String> = snaps.iter().flat_map(|s| s.known_apps()).collect();
    apps.sort_unstable();
    apps.dedup();
    let mut out: Vec<Value> = apps
        .iter()
        .map(|a| {
            value(
                app_label(snaps, a),
                Fragment::Target(json!({"@odata.type": "#microsoft.graph.applicationContext",
                    "includeApplications": [a]})),
            )
        })
        .collect();
    out.push(value(
        "any other application",
        Fragment::Target(json!({"@odata.type": "#microsoft.graph.applicationContext",
            "includeApplications": [OUTSIDE_APP]})),
    ));
    for action in ["registerSecurityInformation", "registerOrJoinDevices"] {
        out.push(value(
            format!("user action {action}"),
            Fragment::Target(
                json!({"@odata.type": "#microsoft.graph.userActionContext", "userAction": action}),
            ),
        ));
    }
    let mut contexts: Vec<String> = snaps.iter().flat_map(|s| s.known_contexts()).collect();
    contexts.sort_unstable();
    contexts.dedup();
    // An authentication context no policy targets, if one of c1..c99 is left.
    if let Some(free) = (1..=99)
        .map(|k| format!("c{k}"))
        .find(|c| !contexts.contains(c))
    {
        contexts.push(free);
    }
    for cx in contexts {
        out.push(value(
            format!("authentication context {cx}"),
            Fragment::Target(json!({"@odata.type": "#microsoft.graph.authContext",
                "authenticationContextValue": cx})),
        ));
    }
    out
}

/// Countries sign-ins commonly come from, tried in order for "a country no location names".
const COMMON_COUNTRIES: [&str; 12] = [
    "US", "NL", "DE", "GB", "FR", "JP", "BR", "IN", "AU", "CA", "ZA", "SE",
];

pub(crate) fn location_values(snaps: &[&CompiledPolicies]) -> Vec<Value> {
    let mut ips: Vec<IpAddr> = snaps
        .iter()
        .flat_map(|s| s.address_representatives())
        .collect();
    ips.sort_unstable();
    ips.dedup();
    let mut countries: Vec<String> = snaps.iter().flat_map(|s| s.named_countries()).collect();
    countries.sort_unstable();
    countries.dedup();
    if let Some(c) = COMMON_COUNTRIES
        .iter()
        .find(|c| !countries.iter().any(|x| x == *c))
    {
        countries.push((*c).to_owned());
    }
    let mut out = Vec::new();
    let ips: Vec<Option<IpAddr>> = ips.into_iter().map(Some).chain([None]).collect();
    let countries: Vec<Option<String>> = countries.into_iter().map(Some).chain([None]).collect();
    for ip in &ips {
        for country in &countries {
            let label = match (ip, country) {
                (Some(ip), Some(c)) => format!("{ip} in {c}"),
                (Some(ip), None) => format!("{ip}, no country"),
                (None, Some(c)) => format!("no address, {c}"),
                (None, None) => "no address or country".to_owned(),
            };
            out.push(value(
                label,
                Fragment::Location {
                    ip: *ip,
                    country: country.clone(),
                },
            ));
        }
    }
    out
}
