//! Identity, target and location values for the condition space (docs/SEMANTICS.md §13.1).

use std::net::IpAddr;

use crate::hashing::{self, Set};
use jiff::Timestamp;
use serde_json::{Map, Value as Json, json};

use super::space::{Fragment, OUTSIDE_APP, OUTSIDE_SP, OUTSIDE_TENANT, OUTSIDE_USER, Value};
use crate::model::enums::GuestType;
use crate::model::request::all_countries;
use crate::signin::compiled::{CompiledPolicies, UserKey};

/// Groups of ids named by policies but not exported that are also tried with every guest type
/// (each costs 63 guest-type combinations per home tenant).
pub(crate) const MAX_LISTED_GUESTS: usize = 64;
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

/// Readable names for application ids: the tenants' display names, then the built-in groups.
fn app_labels<'a>(snaps: &[&'a CompiledPolicies]) -> hashing::Map<&'a str, &'a str> {
    let mut names = hashing::Map::default();
    for s in snaps.iter().rev() {
        let t = s.tenant();
        for a in t.applications.iter().chain(&t.service_principals) {
            if let (Some(id), Some(name)) = (a.app_id.as_deref(), a.display_name.as_deref()) {
                names.insert(id, name);
            }
        }
    }
    names
}

fn app_label(names: &hashing::Map<&str, &str>, app: &str) -> String {
    match names
        .get(app)
        .copied()
        .or_else(|| crate::model::app_groups::built_in_name(app))
    {
        Some(name) => format!("{name} ({app})"),
        None => app.to_owned(),
    }
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

/// Ids that every compared snapshot treats alike at one instant.
struct IdGroup {
    /// Ids held by some snapshot's directory.
    users: usize,
    /// Ids no directory holds (named by policies only).
    listed: usize,
    /// The first few ids, sorted.
    samples: Vec<String>,
}

/// Groups every user id the snapshots know (directory users and ids policies list) by its key
/// in every snapshot, so each group is one class in all of them at once.
fn id_groups(snaps: &[&CompiledPolicies], at: Timestamp) -> Vec<IdGroup> {
    let mut ids: Vec<&str> = snaps.iter().flat_map(|s| s.user_ids()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut index: hashing::Map<Vec<UserKey<'_>>, usize> = hashing::Map::default();
    let mut groups: Vec<IdGroup> = Vec::new();
    for id in ids {
        let key: Vec<UserKey<'_>> = snaps.iter().map(|s| s.user_key(id, at)).collect();
        let in_directory = key.iter().any(|k| matches!(k, UserKey::Directory { .. }));
        let k = *index.entry(key).or_insert_with(|| {
            groups.push(IdGroup {
                users: 0,
                listed: 0,
                samples: Vec::new(),
            });
            groups.len() - 1
        });
        if let Some(g) = groups.get_mut(k) {
            if in_directory {
                g.users += 1;
            } else {
                g.listed += 1;
            }
            if g.samples.len() < SAMPLES {
                g.samples.push(id.to_owned());
            }
        }
    }
    groups
}

pub(crate) fn user_values(snaps: &[&CompiledPolicies], at: Timestamp) -> (Vec<Value>, bool) {
    let mut upn: hashing::Map<&str, &str> = hashing::Map::default();
    for s in snaps.iter().rev() {
        for u in &s.tenant().users {
            if let Some(name) = u.user_principal_name.as_deref() {
                upn.insert(u.id.as_str(), name);
            }
        }
    }
    let mut out = Vec::new();
    // Ids no directory holds: each group is tried with every guest-type combination too.
    let mut outside: Vec<(String, String)> = Vec::new();
    for g in id_groups(snaps, at) {
        let Some(first) = g.samples.first().cloned() else {
            continue;
        };
        if g.users == 0 {
            let label = if g.listed > 1 {
                format!(
                    "{} ids like {first} (named by a policy, not in the export)",
                    g.listed
                )
            } else {
                format!("{first} (named by a policy, not in the export)")
            };
            out.push(value(
                label.clone(),
                Fragment::Identity(user_identity(&first, None, None)),
            ));
            outside.push((first, label));
            continue;
        }
        let names: Vec<&str> = g
            .samples
            .iter()
            .map(|id| upn.get(id.as_str()).copied().unwrap_or(id))
            .collect();
        let label = if g.users > g.samples.len() {
            format!("{} users like {}", g.users, names.join(", "))
        } else {
            format!("{} user(s): {}", g.users, names.join(", "))
        };
        out.push(Value {
            label,
            fragment: Fragment::Identity(user_identity(&first, None, None)),
            users: g.users,
            samples: g.samples,
        });
    }
    out.push(value(
        "a user not in the export",
        Fragment::Identity(user_identity(OUTSIDE_USER, None, None)),
    ));
    let truncated = outside.len() > MAX_LISTED_GUESTS;
    outside.truncate(MAX_LISTED_GUESTS);
    outside.push((
        OUTSIDE_USER.to_owned(),
        "a user not in the export".to_owned(),
    ));
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
    // Every combination of guest types a request may state (a flags value) for an id outside
    // the directory, from each tenant a guest selector names, from one none does, and unstated.
    for combo in 1u8..64 {
        let names: Vec<&str> = kinds
            .iter()
            .enumerate()
            .filter(|(k, _)| combo & (1 << k) != 0)
            .map(|(_, g)| g.as_str())
            .collect();
        for (id, label) in &outside {
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
    (out, truncated)
}

pub(crate) fn workload_values(snaps: &[&CompiledPolicies]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = Set::default();
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
    let names = app_labels(snaps);
    let mut out: Vec<Value> = apps
        .iter()
        .map(|a| {
            value(
                app_label(&names, a),
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

/// One address per combination of address classes across the snapshots (the class may change
/// only at a table's interval start), and no address; crossed with every named country, one
/// country no location names and no country.
pub(crate) fn location_values(snaps: &[&CompiledPolicies]) -> Vec<Value> {
    let mut points: Vec<IpAddr> = snaps.iter().flat_map(|s| s.address_points()).collect();
    points.sort_unstable();
    points.dedup();
    let mut seen: Set<Vec<u32>> = Set::default();
    let ips: Vec<IpAddr> = points
        .into_iter()
        .filter(|ip| seen.insert(snaps.iter().map(|s| s.address_class(*ip)).collect()))
        .collect();
    let mut countries: Vec<String> = snaps.iter().flat_map(|s| s.named_countries()).collect();
    countries.sort_unstable();
    countries.dedup();
    if let Some(c) = COMMON_COUNTRIES
        .iter()
        .chain(all_countries().iter())
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
