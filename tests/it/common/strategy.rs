//! The one proptest generator of tenants and sign-ins that the differential and fail-closed
//! suites share: JSON bundles (loaded with `load_bundle_bytes`) over a small universe of ids, so
//! that policies, directory objects and requests collide often, and What If bodies.
//!
//! [`tenant`] draws whole bundles, [`policy`] one policy (the fail-closed properties add, remove
//! and change policies of a bundle), [`request`] one sign-in.

#![allow(dead_code)]

use std::ops::RangeInclusive;

use jiff::{SignedDuration, Timestamp};
use proptest::collection::vec;
use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use serde_json::{Map, Value, json};

/// The base instant; windows and session times are offsets from it.
pub const T: &str = "2025-03-03T09:15:00Z";

/// Directory users 0..USERS; user USERS is named by policies and requests but not in the
/// directory.
pub const USERS: usize = 6;
/// Groups 0..GROUPS; group 9 is dangling.
pub const GROUPS: usize = 5;
/// Resource apps 0..APPS; app 9 is unknown to the tenant.
pub const APPS: usize = 5;
/// Named locations 0..LOCATIONS at most; location 9 is dangling.
pub const LOCATIONS: usize = 6;

pub const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const EXA: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
pub const SPA: &str = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c";
pub const ROLES: [&str; 3] = [GA, EXA, SPA];
pub const MFA_TRUSTED_IPS: &str = "00000000-0000-0000-0000-000000000000";
pub const MFA_STRENGTH: &str = "00000000-0000-0000-0000-000000000002";
pub const PASSWORDLESS: &str = "00000000-0000-0000-0000-000000000003";
pub const PHISHING_RESISTANT: &str = "00000000-0000-0000-0000-000000000004";
pub const AAGUIDS: [&str; 2] = [
    "cb69481e-8ff7-4039-93ec-0a2729a154a8",
    "ee882879-721c-4913-9775-3dfcce97072a",
];
pub const SKIS: [&str; 2] = ["aa11bb22cc33", "dd44ee55ff66"];
pub const OIDS: [&str; 3] = ["1.2.3.4", "1.2.3.5", "2.5.29.32.0"];

pub const GUEST_TYPES: [&str; 6] = [
    "internalGuest",
    "b2bCollaborationGuest",
    "b2bCollaborationMember",
    "b2bDirectConnectUser",
    "otherExternalUser",
    "serviceProvider",
];
pub const WINDOW_OFFSETS: [i64; 7] = [-172_800, -3_600, -1, 0, 1, 3_600, 172_800];
pub const REQUEST_TIME_OFFSETS: [i64; 8] = [0, 0, 0, -3_600, 3_600, -1, 1, 172_800];
pub const SESSION_OFFSETS: [i64; 17] = [
    -172_800, -86_400, -43_200, -28_800, -3_600, -600, -301, -300, -299, -60, 0, 60, 299, 300, 301,
    600, 3_600,
];
pub const IP_RANGES: [&str; 16] = [
    "10.0.0.0/16",
    "10.0.5.0/24",
    "10.0.5.128/25",
    "10.0.5.9/32",
    "10.0.5.9/24",
    "10.1.0.0/16",
    "192.0.2.0/24",
    "203.0.113.0/24",
    "203.0.113.7/32",
    "255.255.255.0/24",
    "2001:db8::/32",
    "2001:db8:1::/48",
    "2001:db8:1:2::/64",
    "2001:db8:1:2::5/128",
    "ffff::/16",
    "::ffff:10.0.5.0/120",
];
pub const TRUSTED_IPS: [&str; 4] = [
    "192.0.2.0/24",
    "10.0.5.0/24",
    "198.51.100.0/24",
    "2001:db8:1::/48",
];
pub const REQUEST_IPS: [&str; 31] = [
    "10.0.5.9",
    "10.0.5.127",
    "10.0.5.128",
    "10.0.5.255",
    "10.0.6.0",
    "10.0.4.255",
    "10.0.255.255",
    "203.0.113.6",
    "203.0.113.8",
    "255.255.254.255",
    "2001:db8:1:2:ffff:ffff:ffff:ffff",
    "2001:db8:1:3::",
    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
    "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "ffff::",
    "10.0.5.200",
    "10.0.1.1",
    "10.1.2.3",
    "192.0.2.55",
    "203.0.113.7",
    "198.51.100.1",
    "255.255.255.255",
    "0.0.0.0",
    "2001:db8:1:2::5",
    "2001:db8:1:3::1",
    "2001:db8:ffff::1",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "::1",
    "::ffff:10.0.5.9",
    "::ffff:192.0.2.1",
    "::ffff:10.0.5.1",
];
pub const COUNTRIES: [&str; 4] = ["NL", "US", "DE", "nl"];
pub const REQUEST_COUNTRIES: [&str; 6] = ["NL", "US", "DE", "unknown", "JP", "nl"];
pub const COMBINATIONS: [&str; 8] = [
    "password,sms",
    "fido2",
    "windowsHelloForBusiness",
    "x509CertificateMultiFactor",
    "password,microsoftAuthenticatorPush",
    "temporaryAccessPassOneTime",
    "password, hardwareOath",
    "password,telepathy",
];
pub const METHODS: [&str; 11] = [
    "password",
    "microsoftAuthenticatorPush",
    "sms",
    "fido2",
    "windowsHelloForBusiness",
    "x509CertificateMultiFactor",
    "softwareOath",
    "temporaryAccessPassOneTime",
    "federatedSingleFactor",
    "hardwareOath",
    "telepathy",
];
pub const DEVICE_RULES: [&str; 11] = [
    r#"device.extensionAttribute1 -eq "SAW""#,
    r#"device.extensionAttribute1 -ne "SAW""#,
    r#"device.isCompliant -eq True"#,
    r#"device.trustType -eq "ServerAD""#,
    r#"device.trustType -ne "AzureAD""#,
    r#"device.model -startsWith "Surface""#,
    r#"device.model -contains "pro""#,
    r#"device.extensionAttribute1 -eq null"#,
    r#"device.extensionAttribute1 -notIn ["SAW","PAW"]"#,
    r#"device.model -endsWith "9""#,
    r#"device.extensionAttribute1 -in ["saw","Other"]"#,
];
pub const CSA_RULES: [&str; 7] = [
    r#"CustomSecurityAttribute.Eng_Tier -eq "High""#,
    r#"CustomSecurityAttribute.Eng_Tier -ne "high""#,
    r#"CustomSecurityAttribute.Eng_Project -contains "A""#,
    r#"CustomSecurityAttribute.Eng_Project -notContains "B""#,
    r#"CustomSecurityAttribute.eng_tier -in ["Low","Medium"]"#,
    r#"CustomSecurityAttribute.Eng_Tier -eq null"#,
    r#"CustomSecurityAttribute.Eng_Tier -startsWith "H" -or CustomSecurityAttribute.Eng_Project -eq "B""#,
];

pub fn id(prefix: &str, n: usize) -> String {
    format!("{prefix}-0000-0000-0000-{n:012}")
}
pub fn user(n: usize) -> String {
    id("11111111", n)
}
pub fn group(n: usize) -> String {
    id("22222222", n)
}
pub fn location(n: usize) -> String {
    id("33333333", n)
}
pub fn home_tenant(n: usize) -> String {
    id("44444444", n)
}
pub fn sp_object(n: usize) -> String {
    id("55555555", n)
}
pub fn sp_app(n: usize) -> String {
    id("66666666", n)
}
pub fn app(n: usize) -> String {
    id("77777777", n)
}
pub fn app_object(n: usize) -> String {
    id("7777aaaa", n)
}
pub fn terms(n: usize) -> String {
    id("88888888", n)
}
pub fn strength(n: usize) -> String {
    id("99999999", n)
}
pub fn policy_id(n: usize) -> String {
    id("aaaaaaaa", n)
}
pub fn admin_unit(n: usize) -> String {
    format!("/administrativeUnits/{}", id("bbbbbbbb", n))
}

pub fn base() -> Timestamp {
    T.parse().unwrap()
}

pub fn at(t: Timestamp, secs: i64) -> String {
    t.checked_add(SignedDuration::from_secs(secs))
        .unwrap()
        .to_string()
}

pub fn pool(items: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

/// A flags value written either as one comma-separated string or as an array (§1.3.2).
pub fn flags(items: &[String], as_array: bool) -> Value {
    if as_array {
        json!(items)
    } else {
        json!(items.join(","))
    }
}

/// Inserts `key: value` unless `value` is null.
pub fn put(o: &mut Map<String, Value>, key: &str, value: Value) {
    if !value.is_null() {
        o.insert(key.to_owned(), value);
    }
}

/// Inserts a non-empty list.
pub fn put_list(o: &mut Map<String, Value>, key: &str, items: &[String]) {
    if !items.is_empty() {
        o.insert(key.to_owned(), json!(items));
    }
}

pub fn window() -> BoxedStrategy<(Option<i64>, Option<i64>)> {
    (
        weighted(0.5, select(WINDOW_OFFSETS.to_vec())),
        weighted(0.5, select(WINDOW_OFFSETS.to_vec())),
    )
        .boxed()
}

pub fn put_window(o: &mut Map<String, Value>, (start, end): (Option<i64>, Option<i64>)) {
    if let Some(s) = start {
        o.insert("startDateTime".into(), json!(at(base(), s)));
    }
    if let Some(e) = end {
        o.insert("endDateTime".into(), json!(at(base(), e)));
    }
}

// ----- tenant ------------------------------------------------------------------------------------

pub fn principals() -> Vec<String> {
    (0..=USERS)
        .map(user)
        .chain((0..GROUPS).map(group))
        .collect()
}

pub fn directory() -> BoxedStrategy<Value> {
    let users = vec(
        (
            weighted(0.3, select(vec!["Member", "Guest"])),
            weighted(0.35, subsequence(pool(GUEST_TYPES), 1..=2)),
            weighted(0.35, 0..3usize),
            any::<bool>(),
        ),
        USERS,
    );
    let groups = vec(
        (
            subsequence((0..=USERS).collect::<Vec<_>>(), 0..=3),
            subsequence((0..GROUPS).collect::<Vec<_>>(), 0..=2),
            any::<bool>(),
            any::<bool>(),
        ),
        GROUPS,
    );
    let roles = vec(
        (
            select(principals()),
            select(ROLES.to_vec()),
            weighted(0.25, 0..2usize),
            window(),
        ),
        0..=4,
    );
    (users, groups, any::<bool>(), roles)
        .prop_map(|(users, groups, acyclic, roles)| {
            let users: Vec<Value> = users
                .into_iter()
                .enumerate()
                .map(|(i, (user_type, guest, tenant, as_array))| {
                    let mut o = Map::new();
                    o.insert("id".into(), json!(user(i)));
                    put(&mut o, "userType", json!(user_type));
                    if let Some(g) = guest {
                        o.insert("externalUserType".into(), flags(&g, as_array));
                    }
                    put(&mut o, "externalTenantId", json!(tenant.map(home_tenant)));
                    Value::Object(o)
                })
                .collect();
            let groups: Vec<Value> = groups
                .into_iter()
                .enumerate()
                .map(|(i, (users, groups, assignable, objects))| {
                    let mut members: Vec<String> = users.into_iter().map(user).collect();
                    members.extend(groups.into_iter().filter(|g| !acyclic || *g < i).map(group));
                    let members: Vec<Value> = members
                        .into_iter()
                        .map(|m| {
                            if objects {
                                json!({ "id": m })
                            } else {
                                json!(m)
                            }
                        })
                        .collect();
                    json!({ "id": group(i), "isAssignableToRole": assignable, "members": members })
                })
                .collect();
            let roles: Vec<Value> = roles
                .into_iter()
                .map(|(principal, role, au, w)| {
                    let mut o = Map::new();
                    o.insert("principalId".into(), json!(principal));
                    o.insert("roleDefinitionId".into(), json!(role));
                    o.insert(
                        "directoryScopeId".into(),
                        json!(au.map_or("/".to_owned(), admin_unit)),
                    );
                    put_window(&mut o, w);
                    Value::Object(o)
                })
                .collect();
            json!({ "users": users, "groups": groups, "roleAssignments": roles })
        })
        .boxed()
}

pub fn pim() -> BoxedStrategy<Option<Value>> {
    let roles = vec(
        (
            select(principals()),
            select(ROLES.to_vec()),
            weighted(0.25, 0..2usize),
            select(vec!["Activated", "Assigned"]),
            window(),
        ),
        0..=3,
    );
    let groups = vec(
        (
            select(principals()),
            0..GROUPS + 1,
            select(vec!["member", "member", "owner"]),
            window(),
        ),
        0..=3,
    );
    weighted(
        0.6,
        (roles, groups).prop_map(|(roles, groups)| {
            let roles: Vec<Value> = roles
                .into_iter()
                .enumerate()
                .map(|(k, (principal, role, au, kind, w))| {
                    let mut o = Map::new();
                    o.insert("id".into(), json!(format!("ra-{k}")));
                    o.insert("principalId".into(), json!(principal));
                    o.insert("roleDefinitionId".into(), json!(role));
                    o.insert(
                        "directoryScopeId".into(),
                        json!(au.map_or("/".to_owned(), admin_unit)),
                    );
                    o.insert("memberType".into(), json!("Direct"));
                    o.insert("assignmentType".into(), json!(kind));
                    put_window(&mut o, w);
                    Value::Object(o)
                })
                .collect();
            let groups: Vec<Value> = groups
                .into_iter()
                .enumerate()
                .map(|(k, (principal, g, access, w))| {
                    let g = if g == GROUPS { 9 } else { g };
                    let mut o = Map::new();
                    o.insert("id".into(), json!(format!("ga-{k}")));
                    o.insert("principalId".into(), json!(principal));
                    o.insert("groupId".into(), json!(group(g)));
                    o.insert("accessId".into(), json!(access));
                    o.insert("memberType".into(), json!("direct"));
                    o.insert("assignmentType".into(), json!("activated"));
                    put_window(&mut o, w);
                    Value::Object(o)
                })
                .collect();
            json!({
                "roleAssignmentScheduleInstances": roles,
                "groupAssignmentScheduleInstances": groups
            })
        }),
    )
    .boxed()
}

pub fn named_location() -> BoxedStrategy<Value> {
    let ip = (
        subsequence(pool(IP_RANGES), 1..=3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(ranges, trusted, typed)| {
            let ranges: Vec<Value> = ranges
                .iter()
                .map(|r| {
                    if typed {
                        let kind = if r.contains(':') {
                            "#microsoft.graph.iPv6CidrRange"
                        } else {
                            "#microsoft.graph.iPv4CidrRange"
                        };
                        json!({ "@odata.type": kind, "cidrAddress": r })
                    } else {
                        json!({ "cidrAddress": r })
                    }
                })
                .collect();
            let mut o = Map::new();
            if typed {
                o.insert(
                    "@odata.type".into(),
                    json!("#microsoft.graph.ipNamedLocation"),
                );
            }
            o.insert("isTrusted".into(), json!(trusted));
            o.insert("ipRanges".into(), json!(ranges));
            Value::Object(o)
        });
    let country = (
        subsequence(pool(COUNTRIES), 0..=2),
        any::<bool>(),
        select(vec![
            None,
            Some("clientIpAddress"),
            Some("authenticatorAppGps"),
        ]),
    )
        .prop_map(|(countries, unknown, lookup)| {
            let mut o = Map::new();
            o.insert(
                "@odata.type".into(),
                json!("#microsoft.graph.countryNamedLocation"),
            );
            o.insert("countriesAndRegions".into(), json!(countries));
            o.insert("includeUnknownCountriesAndRegions".into(), json!(unknown));
            put(&mut o, "countryLookupMethod", json!(lookup));
            Value::Object(o)
        });
    prop_oneof![
        5 => ip,
        3 => country,
        1 => Just(json!({ "@odata.type": "#microsoft.graph.compliantNetworkNamedLocation" })),
    ]
    .boxed()
}

pub fn combination_configurations() -> BoxedStrategy<Option<Value>> {
    weighted(
        0.4,
        subsequence(vec![0usize, 1], 1..=2).prop_map(|kinds| {
            let items: Vec<Value> = kinds
                .into_iter()
                .map(|k| {
                    if k == 0 {
                        json!({
                            "@odata.type": "#microsoft.graph.fido2CombinationConfiguration",
                            "allowedAAGUIDs": [AAGUIDS[0]],
                            "appliesToCombinations": ["fido2"]
                        })
                    } else {
                        json!({
                            "@odata.type": "#microsoft.graph.x509CertificateCombinationConfiguration",
                            "allowedIssuerSkis": [SKIS[0]],
                            "allowedPolicyOIDs": [OIDS[0], OIDS[2]],
                            "appliesToCombinations": ["x509CertificateMultiFactor"]
                        })
                    }
                })
                .collect();
            json!(items)
        }),
    )
    .boxed()
}

pub fn strength_object(id: String, name: &str, kind: &str) -> BoxedStrategy<Value> {
    let name = name.to_owned();
    let kind = kind.to_owned();
    (
        subsequence(pool(COMBINATIONS), 1..=3),
        combination_configurations(),
    )
        .prop_map(move |(combos, configs)| {
            let mut o = Map::new();
            o.insert("id".into(), json!(id));
            o.insert("displayName".into(), json!(name));
            o.insert("policyType".into(), json!(kind));
            o.insert("requirementsSatisfied".into(), json!("mfa"));
            o.insert("allowedCombinations".into(), json!(combos));
            put(&mut o, "combinationConfigurations", json!(configs));
            Value::Object(o)
        })
        .boxed()
}

pub fn strengths() -> BoxedStrategy<Option<Value>> {
    weighted(
        0.5,
        (
            strength_object(strength(0), "Custom 0", "custom"),
            weighted(
                0.25,
                strength_object(
                    MFA_STRENGTH.to_owned(),
                    "Multifactor authentication",
                    "builtIn",
                ),
            ),
        )
            .prop_map(|(custom, mfa)| {
                let mut list = vec![custom];
                list.extend(mfa);
                json!(list)
            }),
    )
    .boxed()
}

pub fn csa() -> BoxedStrategy<Option<Value>> {
    weighted(
        0.6,
        (
            weighted(0.8, select(vec!["High", "Low", "Medium"])),
            subsequence(vec!["A", "B"], 0..=2),
        )
            .prop_map(|(tier, project)| {
                let mut eng = Map::new();
                put(&mut eng, "Tier", json!(tier));
                if !project.is_empty() {
                    eng.insert("Project".into(), json!(project));
                }
                json!({ "Eng": eng })
            }),
    )
    .boxed()
}

pub fn applications() -> BoxedStrategy<Value> {
    vec(weighted(0.6, csa()), APPS)
        .prop_map(|apps| {
            let list: Vec<Value> = apps
                .into_iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    a.map(|csa| {
                        let mut o = Map::new();
                        o.insert("id".into(), json!(app_object(i)));
                        o.insert("appId".into(), json!(app(i)));
                        o.insert("displayName".into(), json!(format!("App {i}")));
                        put(&mut o, "customSecurityAttributes", json!(csa));
                        Value::Object(o)
                    })
                })
                .collect();
            json!(list)
        })
        .boxed()
}

/// The appId of service principal `n`; principal 0 is also resource app 0.
pub fn sp_app_id(n: usize) -> String {
    if n == 0 { app(0) } else { sp_app(n) }
}

pub fn service_principals() -> BoxedStrategy<Value> {
    vec(csa(), 3)
        .prop_map(|sps| {
            let list: Vec<Value> = sps
                .into_iter()
                .enumerate()
                .map(|(i, csa)| {
                    let mut o = Map::new();
                    o.insert("id".into(), json!(sp_object(i)));
                    o.insert("appId".into(), json!(sp_app_id(i)));
                    o.insert("displayName".into(), json!(format!("SP {i}")));
                    put(&mut o, "customSecurityAttributes", json!(csa));
                    Value::Object(o)
                })
                .collect();
            json!(list)
        })
        .boxed()
}

pub fn app_groups() -> BoxedStrategy<Option<Value>> {
    let apps: Vec<String> = (0..APPS).map(app).collect();
    weighted(
        0.7,
        (
            weighted(0.8, subsequence(apps.clone(), 0..=3)),
            weighted(0.6, subsequence(apps, 0..=2)),
        )
            .prop_map(|(o365, portals)| {
                let mut o = Map::new();
                put(&mut o, "Office365", json!(o365));
                put(&mut o, "MicrosoftAdminPortals", json!(portals));
                Value::Object(o)
            }),
    )
    .boxed()
}

pub fn tenant(policies: RangeInclusive<usize>) -> BoxedStrategy<Value> {
    (
        directory(),
        pim(),
        vec(named_location(), 0..=LOCATIONS),
        weighted(0.4, subsequence(pool(TRUSTED_IPS), 1..=2)),
        strengths(),
        subsequence(vec!["c1", "c2", "c3"], 0..=3),
        app_groups(),
        applications(),
        service_principals(),
        vec(policy(), policies),
    )
        .prop_map(
            |(
                directory,
                pim,
                locations,
                trusted,
                strengths,
                contexts,
                groups,
                apps,
                sps,
                policies,
            )| {
                let mut o = Map::new();
                let policies: Vec<Value> = policies
                    .into_iter()
                    .enumerate()
                    .map(|(i, mut p)| {
                        p["id"] = json!(policy_id(i));
                        p["displayName"] = json!(format!("Policy {i}"));
                        p
                    })
                    .collect();
                o.insert("conditionalAccessPolicies".into(), json!(policies));
                let locations: Vec<Value> = locations
                    .into_iter()
                    .enumerate()
                    .map(|(i, mut l)| {
                        l["id"] = json!(location(i));
                        l["displayName"] = json!(format!("Location {i}"));
                        l
                    })
                    .collect();
                o.insert("namedLocations".into(), json!(locations));
                put(&mut o, "mfaTrustedIps", json!(trusted));
                put(&mut o, "authenticationStrengthPolicies", json!(strengths));
                let contexts: Vec<Value> = contexts
                    .iter()
                    .map(|c| json!({ "id": c, "displayName": c, "isAvailable": true }))
                    .collect();
                o.insert(
                    "authenticationContextClassReferences".into(),
                    json!(contexts),
                );
                put(&mut o, "applicationGroups", json!(groups));
                o.insert("applications".into(), apps);
                o.insert("servicePrincipals".into(), sps);
                o.insert("directory".into(), directory);
                put(&mut o, "pim", json!(pim));
                Value::Object(o)
            },
        )
        .boxed()
}

// ----- policies ----------------------------------------------------------------------------------

pub fn guest_selector() -> BoxedStrategy<Value> {
    (
        subsequence(pool(GUEST_TYPES), 1..=3),
        any::<bool>(),
        0..4usize,
        subsequence((0..3).map(home_tenant).collect::<Vec<_>>(), 0..=2),
    )
        .prop_map(|(types, as_array, tenants, members)| {
            let mut o = Map::new();
            o.insert("guestOrExternalUserTypes".into(), flags(&types, as_array));
            match tenants {
                0 => {}
                1 => {
                    o.insert(
                        "externalTenants".into(),
                        json!({
                            "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                            "membershipKind": "all"
                        }),
                    );
                }
                2 => {
                    o.insert(
                        "externalTenants".into(),
                        json!({
                            "@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
                            "membershipKind": "enumerated",
                            "members": members
                        }),
                    );
                }
                _ => {
                    o.insert(
                        "externalTenants".into(),
                        json!({ "membershipKind": "enumerated", "members": members }),
                    );
                }
            }
            Value::Object(o)
        })
        .boxed()
}

pub fn users_condition() -> BoxedStrategy<Value> {
    let mut include_pool = pool(["None", "GuestsOrExternalUsers"]);
    include_pool.extend((0..=USERS).map(user));
    let mut exclude_pool = pool(["GuestsOrExternalUsers"]);
    exclude_pool.extend((0..=USERS).map(user));
    let mut groups: Vec<String> = (0..GROUPS).map(group).collect();
    groups.push(group(9));
    let roles = pool(ROLES);
    (
        prop::bool::weighted(0.45),
        subsequence(include_pool, 0..=2),
        subsequence(exclude_pool, 0..=2),
        subsequence(groups.clone(), 0..=2),
        subsequence(groups, 0..=2),
        subsequence(roles.clone(), 0..=2),
        subsequence(roles, 0..=1),
        weighted(0.25, guest_selector()),
        weighted(0.2, guest_selector()),
    )
        .prop_map(|(all, iu, eu, ig, eg, ir, er, igx, egx)| {
            let mut include = if all { pool(["All"]) } else { Vec::new() };
            include.extend(iu);
            let mut o = Map::new();
            put_list(&mut o, "includeUsers", &include);
            put_list(&mut o, "excludeUsers", &eu);
            put_list(&mut o, "includeGroups", &ig);
            put_list(&mut o, "excludeGroups", &eg);
            put_list(&mut o, "includeRoles", &ir);
            put_list(&mut o, "excludeRoles", &er);
            put(&mut o, "includeGuestsOrExternalUsers", json!(igx));
            put(&mut o, "excludeGuestsOrExternalUsers", json!(egx));
            Value::Object(o)
        })
        .boxed()
}

pub fn filter(rules: &'static [&'static str], compound: bool) -> BoxedStrategy<Value> {
    let (second, negate) = if compound {
        (
            weighted(
                0.3,
                (select(vec!["-and", "-or", "and"]), select(rules.to_vec())),
            )
            .boxed(),
            prop::bool::weighted(0.15).boxed(),
        )
    } else {
        (Just(None).boxed(), Just(false).boxed())
    };
    (
        select(vec!["include", "exclude", "Include"]),
        select(rules.to_vec()),
        second,
        negate,
    )
        .prop_map(|(mode, first, second, negate)| {
            let mut rule = match second {
                Some((op, other)) => format!("({first}) {op} ({other})"),
                None => first.to_owned(),
            };
            if negate {
                rule = format!("-not ({rule})");
            }
            json!({ "mode": mode, "rule": rule })
        })
        .boxed()
}

pub fn client_applications() -> BoxedStrategy<Value> {
    let mut include_pool: Vec<String> = (0..3).map(sp_object).collect();
    include_pool.extend([sp_app(1), sp_object(9), sp_app(9)]);
    let mut exclude_pool: Vec<String> = (0..3).map(sp_object).collect();
    exclude_pool.extend([sp_app(2), app(0)]);
    (
        prop::bool::weighted(0.5),
        subsequence(include_pool, 0..=2),
        subsequence(exclude_pool, 0..=1),
        weighted(0.3, filter(&CSA_RULES, false)),
    )
        .prop_map(|(mine, include, exclude, f)| {
            let mut list = if mine {
                pool(["ServicePrincipalsInMyTenant"])
            } else {
                Vec::new()
            };
            list.extend(include);
            let mut o = Map::new();
            put_list(&mut o, "includeServicePrincipals", &list);
            put_list(&mut o, "excludeServicePrincipals", &exclude);
            put(&mut o, "servicePrincipalFilter", json!(f));
            Value::Object(o)
        })
        .boxed()
}

/// `(users, clientApplications)`.
pub fn identity() -> BoxedStrategy<(Option<Value>, Option<Value>)> {
    prop_oneof![
        12 => users_condition().prop_map(|u| (Some(u), None)),
        3 => client_applications()
            .prop_map(|c| (Some(json!({ "includeUsers": ["None"] })), Some(c))),
        1 => (users_condition(), client_applications()).prop_map(|(u, c)| (Some(u), Some(c))),
        1 => Just((None, None)),
    ]
    .boxed()
}

pub fn app_target() -> BoxedStrategy<Map<String, Value>> {
    let mut include_pool = pool(["None", "Office365", "MicrosoftAdminPortals"]);
    include_pool.extend((0..APPS).map(app));
    include_pool.push("AllAgentIdResources".into());
    let mut exclude_pool = pool(["Office365", "MicrosoftAdminPortals"]);
    exclude_pool.extend((0..APPS).map(app));
    (
        prop::bool::weighted(0.45),
        subsequence(include_pool, 0..=2),
        subsequence(exclude_pool, 0..=2),
        weighted(0.15, filter(&CSA_RULES, false)),
    )
        .prop_map(|(all, include, exclude, f)| {
            let mut list = if all { pool(["All"]) } else { Vec::new() };
            list.extend(include);
            if list.is_empty() && f.is_none() {
                list.push(app(0));
            }
            let mut o = Map::new();
            put_list(&mut o, "includeApplications", &list);
            put_list(&mut o, "excludeApplications", &exclude);
            put(&mut o, "applicationFilter", json!(f));
            o
        })
        .boxed()
}

pub fn actions() -> BoxedStrategy<Vec<String>> {
    subsequence(
        pool(["urn:user:registersecurityinfo", "urn:user:registerdevice"]),
        1..=2,
    )
    .boxed()
}

pub fn contexts() -> BoxedStrategy<Vec<String>> {
    subsequence(pool(["c1", "c2", "C3"]), 1..=2).boxed()
}

pub fn target() -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        10 => app_target().prop_map(|o| Some(Value::Object(o))),
        2 => actions().prop_map(|a| Some(json!({ "includeUserActions": a }))),
        3 => contexts().prop_map(|c| Some(json!({ "includeAuthenticationContextClassReferences": c }))),
        1 => (app_target(), weighted(0.5, actions()), weighted(0.5, contexts())).prop_map(
            |(mut o, a, c)| {
                put(&mut o, "includeUserActions", json!(a));
                put(&mut o, "includeAuthenticationContextClassReferences", json!(c));
                Some(Value::Object(o))
            }
        ),
        1 => Just(None),
    ]
    .boxed()
}

/// Platforms, locations, client app types.
pub fn conditions_a() -> BoxedStrategy<(Option<Value>, Option<Value>, Option<Value>)> {
    let platforms = pool([
        "all",
        "android",
        "iOS",
        "windows",
        "macOS",
        "linux",
        "windowsPhone",
    ]);
    let mut include_locations = pool(["All", "AllTrusted", MFA_TRUSTED_IPS]);
    include_locations.extend((0..LOCATIONS).map(location));
    include_locations.push(location(9));
    let mut exclude_locations = pool(["AllTrusted", MFA_TRUSTED_IPS, "All"]);
    exclude_locations.extend((0..LOCATIONS).map(location));
    exclude_locations.push(location(9));
    (
        weighted(
            0.3,
            (
                subsequence(platforms.clone(), 0..=2),
                subsequence(platforms, 0..=2),
                any::<bool>(),
            ),
        ),
        weighted(
            0.45,
            (
                subsequence(include_locations, 0..=2),
                subsequence(exclude_locations, 0..=2),
            ),
        ),
        weighted(
            0.3,
            (
                subsequence(
                    pool([
                        "all",
                        "browser",
                        "mobileAppsAndDesktopClients",
                        "exchangeActiveSync",
                        "easSupported",
                        "other",
                    ]),
                    1..=2,
                ),
                any::<bool>(),
            ),
        ),
    )
        .prop_map(|(platforms, locations, clients)| {
            let platforms = platforms.map(|(inc, exc, as_array)| {
                let mut o = Map::new();
                if !inc.is_empty() {
                    o.insert("includePlatforms".into(), flags(&inc, as_array));
                }
                if !exc.is_empty() {
                    o.insert("excludePlatforms".into(), flags(&exc, as_array));
                }
                Value::Object(o)
            });
            let locations = locations.map(|(inc, exc)| {
                let mut o = Map::new();
                put_list(&mut o, "includeLocations", &inc);
                put_list(&mut o, "excludeLocations", &exc);
                Value::Object(o)
            });
            let clients = clients.map(|(list, as_array)| flags(&list, as_array));
            (platforms, locations, clients)
        })
        .boxed()
}

/// Risk levels, devices (as `(key, value)` pairs under `conditions`) and authentication flows.
pub fn conditions_b() -> BoxedStrategy<Vec<(String, Value)>> {
    let risks = pool(["low", "medium", "high", "hidden", "none"]);
    let sp_risks = pool(["low", "medium", "high", "none"]);
    let devices = prop_oneof![
        3 => filter(&DEVICE_RULES, true)
            .prop_map(|f| ("devices".to_owned(), json!({ "deviceFilter": f }))),
        1 => (
            subsequence(pool(["All", "Compliant", "DomainJoined"]), 0..=1),
            subsequence(pool(["Compliant", "DomainJoined"]), 0..=1),
            any::<bool>(),
        )
            .prop_map(|(inc, exc, legacy)| {
                if legacy {
                    let mut o = Map::new();
                    put_list(&mut o, "includeStates", &inc);
                    put_list(&mut o, "excludeStates", &exc);
                    ("deviceStates".to_owned(), Value::Object(o))
                } else {
                    let mut o = Map::new();
                    put_list(&mut o, "includeDeviceStates", &inc);
                    put_list(&mut o, "excludeDeviceStates", &exc);
                    ("devices".to_owned(), Value::Object(o))
                }
            }),
    ];
    (
        weighted(0.15, subsequence(risks.clone(), 1..=2)),
        weighted(0.15, subsequence(risks, 1..=2)),
        weighted(0.15, subsequence(sp_risks, 1..=2)),
        weighted(
            0.1,
            subsequence(pool(["minor", "moderate", "elevated"]), 1..=2),
        ),
        weighted(0.25, devices),
        weighted(
            0.15,
            subsequence(pool(["deviceCodeFlow", "authenticationTransfer"]), 1..=2),
        ),
    )
        .prop_map(|(sign_in, user_risk, sp, insider, devices, flows)| {
            let mut out = Vec::new();
            if let Some(l) = sign_in {
                out.push(("signInRiskLevels".to_owned(), json!(l)));
            }
            if let Some(l) = user_risk {
                out.push(("userRiskLevels".to_owned(), json!(l)));
            }
            if let Some(l) = sp {
                out.push(("servicePrincipalRiskLevels".to_owned(), json!(l)));
            }
            if let Some(l) = insider {
                out.push(("insiderRiskLevels".to_owned(), json!(l.join(","))));
            }
            out.extend(devices);
            if let Some(l) = flows {
                out.push((
                    "authenticationFlows".to_owned(),
                    json!({ "transferMethods": l.join(",") }),
                ));
            }
            out
        })
        .boxed()
}

/// The `authenticationStrength` member of a grant.
pub fn strength_reference() -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        6 => Just(None),
        1 => Just(Some(json!({ "id": MFA_STRENGTH }))),
        1 => Just(Some(json!({ "id": PASSWORDLESS }))),
        1 => Just(Some(json!({ "id": PHISHING_RESISTANT }))),
        2 => Just(Some(json!({ "id": strength(0) }))),
        1 => strength_object(strength(1), "Embedded 1", "custom").prop_map(Some),
        1 => strength_object(strength(0), "Embedded copy of 0", "custom").prop_map(Some),
        1 => strength_object(PHISHING_RESISTANT.to_owned(), "Phishing-resistant MFA", "builtIn")
            .prop_map(Some),
        1 => Just(Some(json!({ "id": strength(9) }))),
    ]
    .boxed()
}

pub fn grant() -> BoxedStrategy<Option<Value>> {
    weighted(
        0.8,
        (
            prop_oneof![
                10 => select(vec!["OR", "AND", "or", "And"]),
                1 => Just("XOR"),
            ],
            subsequence(
                pool([
                    "block",
                    "mfa",
                    "compliantDevice",
                    "domainJoinedDevice",
                    "approvedApplication",
                    "compliantApplication",
                    "passwordChange",
                    "riskRemediation",
                    "someFutureControl",
                    "Mfa",
                ]),
                0..=3,
            ),
            strength_reference(),
            subsequence((0..2).map(terms).collect::<Vec<_>>(), 0..=1),
            subsequence(pool(["Contoso-Duo", "rsa-securid"]), 0..=1),
        )
            .prop_map(|(op, controls, strength, tou, custom)| {
                let mut o = Map::new();
                o.insert("operator".into(), json!(op));
                o.insert("builtInControls".into(), json!(controls));
                put(&mut o, "authenticationStrength", json!(strength));
                put_list(&mut o, "termsOfUse", &tou);
                put_list(&mut o, "customAuthenticationFactors", &custom);
                Value::Object(o)
            }),
    )
    .boxed()
}

pub fn session_controls() -> BoxedStrategy<Option<Value>> {
    let sif = (
        prop::bool::weighted(0.85),
        select(vec!["timeBased", "everyTime", "absent"]),
        select(vec![1i64, 2, 8, 12, 24]),
        select(vec!["hours", "days"]),
        select(vec![
            None,
            Some("primaryAndSecondaryAuthentication"),
            Some("secondaryAuthentication"),
        ]),
    )
        .prop_map(|(enabled, interval, value, unit, auth)| {
            let mut o = Map::new();
            o.insert("isEnabled".into(), json!(enabled));
            if interval != "absent" {
                o.insert("frequencyInterval".into(), json!(interval));
            }
            if interval != "everyTime" {
                o.insert("value".into(), json!(value));
                o.insert("type".into(), json!(unit));
            }
            put(&mut o, "authenticationType", json!(auth));
            Value::Object(o)
        });
    weighted(
        0.4,
        (
            weighted(0.6, sif),
            weighted(
                0.2,
                (any::<bool>(), select(vec!["always", "never"]))
                    .prop_map(|(e, m)| json!({ "isEnabled": e, "mode": m })),
            ),
            weighted(
                0.2,
                select(vec!["mcasConfigured", "monitorOnly", "blockDownloads"])
                    .prop_map(|t| json!({ "isEnabled": true, "cloudAppSecurityType": t })),
            ),
            weighted(
                0.2,
                select(vec!["strictEnforcement", "disabled", "strictLocation"])
                    .prop_map(|m| json!({ "mode": m })),
            ),
            weighted(0.2, any::<bool>()),
            weighted(0.2, any::<bool>()),
            weighted(0.1, any::<bool>()),
        )
            .prop_map(|(sif, pb, cas, cae, aer, sss, drd)| {
                let mut o = Map::new();
                put(&mut o, "signInFrequency", json!(sif));
                put(&mut o, "persistentBrowser", json!(pb));
                put(&mut o, "cloudAppSecurity", json!(cas));
                put(&mut o, "continuousAccessEvaluation", json!(cae));
                if let Some(e) = aer {
                    o.insert(
                        "applicationEnforcedRestrictions".into(),
                        json!({ "isEnabled": e }),
                    );
                }
                if let Some(e) = sss {
                    o.insert("secureSignInSession".into(), json!({ "isEnabled": e }));
                }
                put(&mut o, "disableResilienceDefaults", json!(drd));
                Value::Object(o)
            }),
    )
    .boxed()
}

pub fn policy() -> BoxedStrategy<Value> {
    (
        prop_oneof![
            10 => Just("enabled"),
            6 => Just("enabledForReportingButNotEnforced"),
            2 => Just("disabled"),
            1 => Just("Enabled"),
            1 => Just("enabledSomeday"),
        ],
        prop::bool::weighted(0.05),
        identity(),
        target(),
        conditions_a(),
        conditions_b(),
        grant(),
        session_controls(),
    )
        .prop_map(
            |(state, deleted, (users, clients), target, (pl, loc, cat), rest, grant, session)| {
                let mut c = Map::new();
                put(&mut c, "users", json!(users));
                put(&mut c, "clientApplications", json!(clients));
                put(&mut c, "applications", json!(target));
                put(&mut c, "platforms", json!(pl));
                put(&mut c, "locations", json!(loc));
                put(&mut c, "clientAppTypes", json!(cat));
                for (k, v) in rest {
                    c.insert(k, v);
                }
                // Every policy enforces something, or the tenant would not load (§1.6a).
                let no_grant = grant.as_ref().is_none_or(|g| {
                    [
                        "builtInControls",
                        "termsOfUse",
                        "customAuthenticationFactors",
                    ]
                    .iter()
                    .all(|k| {
                        g.get(*k)
                            .and_then(Value::as_array)
                            .is_none_or(Vec::is_empty)
                    }) && g.get("authenticationStrength").is_none_or(Value::is_null)
                });
                let mut session = session;
                if no_grant {
                    let s = session.get_or_insert_with(|| json!({}));
                    s["applicationEnforcedRestrictions"] = json!({ "isEnabled": true });
                }
                let mut o = Map::new();
                o.insert("id".into(), json!(""));
                o.insert("state".into(), json!(state));
                if deleted {
                    o.insert("deletedDateTime".into(), json!(at(base(), -86_400)));
                }
                o.insert("conditions".into(), Value::Object(c));
                o.insert("grantControls".into(), grant.unwrap_or(Value::Null));
                put(&mut o, "sessionControls", json!(session));
                Value::Object(o)
            },
        )
        .boxed()
}

// ----- requests ----------------------------------------------------------------------------------

pub fn request_identity() -> BoxedStrategy<Value> {
    let sps = vec![
        app(0),
        sp_app(1),
        sp_app(2),
        sp_object(0),
        sp_object(1),
        sp_app(9),
        sp_object(9),
    ];
    prop_oneof![
        6 => (
            0..=USERS,
            weighted(0.25, (subsequence(pool(GUEST_TYPES), 0..=2), any::<bool>())),
            weighted(0.25, 0..4usize),
        )
            .prop_map(|(u, types, tenant)| {
                let mut o = Map::new();
                o.insert("@odata.type".into(), json!("#microsoft.graph.userSignIn"));
                o.insert("userId".into(), json!(user(u)));
                if let Some((types, as_array)) = types {
                    o.insert("externalUserType".into(), flags(&types, as_array));
                }
                put(&mut o, "externalTenantId", json!(tenant.map(home_tenant)));
                Value::Object(o)
            }),
        1 => select(sps).prop_map(|sp| json!({
            "@odata.type": "#microsoft.graph.servicePrincipalSignIn",
            "servicePrincipalId": sp
        })),
    ]
    .boxed()
}

pub fn request_context() -> BoxedStrategy<Value> {
    let mut apps: Vec<String> = (0..APPS).map(app).collect();
    apps.push(app(9));
    prop_oneof![
        7 => subsequence(apps, 1..=2).prop_map(|a| json!({
            "@odata.type": "#microsoft.graph.applicationContext",
            "includeApplications": a
        })),
        2 => select(vec!["registerSecurityInformation", "registerOrJoinDevices"]).prop_map(|a| json!({
            "@odata.type": "#microsoft.graph.userActionContext",
            "userAction": a
        })),
        2 => select(vec!["c1", "c2", "c3", "C2", "c4"]).prop_map(|c| json!({
            "@odata.type": "#microsoft.graph.authContext",
            "authenticationContextValue": c
        })),
    ]
    .boxed()
}

pub fn device_info() -> BoxedStrategy<Value> {
    (
        weighted(0.6, select(vec!["SAW", "saw", "PAW", "Other"])),
        weighted(0.6, any::<bool>()),
        weighted(
            0.6,
            select(vec!["AzureAD", "ServerAD", "Workplace", "serverad"]),
        ),
        weighted(0.5, select(vec!["Surface Pro 9", "iPhone 15", "PRO 7"])),
    )
        .prop_map(|(ext, compliant, trust, model)| {
            let mut o = Map::new();
            o.insert(
                "deviceId".into(),
                json!("a1d7c3e2-5b64-4f0e-8c2a-91e3d7b4f605"),
            );
            put(&mut o, "extensionAttribute1", json!(ext));
            put(&mut o, "isCompliant", json!(compliant));
            put(&mut o, "trustType", json!(trust));
            put(&mut o, "model", json!(model));
            Value::Object(o)
        })
        .boxed()
}

pub fn request_conditions() -> BoxedStrategy<Value> {
    let risk = vec![
        "none",
        "low",
        "medium",
        "high",
        "hidden",
        "unknownFutureValue",
    ];
    (
        weighted(
            0.7,
            select(vec![
                "android",
                "iOS",
                "windows",
                "windowsPhone",
                "macOS",
                "linux",
                "all",
                "unknownFutureValue",
            ]),
        ),
        weighted(
            0.7,
            select(vec![
                "browser",
                "mobileAppsAndDesktopClients",
                "exchangeActiveSync",
                "easSupported",
                "other",
                "all",
                "modern",
            ]),
        ),
        weighted(0.65, select(pool(REQUEST_IPS))),
        weighted(0.55, select(pool(REQUEST_COUNTRIES))),
        (
            weighted(0.3, select(risk.clone())),
            weighted(0.3, select(risk.clone())),
            weighted(0.3, select(risk)),
            weighted(0.25, select(vec!["none", "minor", "moderate", "elevated"])),
        ),
        weighted(
            0.25,
            select(vec![
                "none",
                "deviceCodeFlow",
                "authenticationTransfer",
                "deviceCodeFlow,authenticationTransfer",
            ]),
        ),
        weighted(0.5, device_info()),
    )
        .prop_map(
            |(platform, client, ip, country, (sir, ur, spr, ir), flow, device)| {
                let mut o = Map::new();
                put(&mut o, "devicePlatform", json!(platform));
                put(&mut o, "clientAppType", json!(client));
                put(&mut o, "ipAddress", json!(ip));
                put(&mut o, "country", json!(country));
                put(&mut o, "signInRiskLevel", json!(sir));
                put(&mut o, "userRiskLevel", json!(ur));
                put(&mut o, "servicePrincipalRiskLevel", json!(spr));
                put(&mut o, "insiderRiskLevel", json!(ir));
                if let Some(f) = flow {
                    o.insert("authenticationFlow".into(), json!({ "transferMethod": f }));
                }
                put(&mut o, "deviceInfo", json!(device));
                Value::Object(o)
            },
        )
        .boxed()
}

pub fn request_session() -> BoxedStrategy<Value> {
    (
        select(REQUEST_TIME_OFFSETS.to_vec()),
        subsequence(pool(METHODS), 0..=3),
        weighted(0.7, select(SESSION_OFFSETS.to_vec())),
        weighted(0.5, select(SESSION_OFFSETS.to_vec())),
        subsequence((0..3).map(terms).collect::<Vec<_>>(), 0..=2),
        subsequence(pool(["contoso-duo", "RSA-SecurID", "other"]), 0..=2),
        (
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.3),
        ),
        weighted(0.3, select(AAGUIDS.to_vec())),
        weighted(
            0.2,
            (select(SKIS.to_vec()), subsequence(OIDS.to_vec(), 0..=2)),
        ),
        weighted(0.3, select(vec!["NL", "US", "unknown", "de"])),
    )
        .prop_map(
            |(
                t,
                methods,
                last,
                mfa,
                tou,
                custom,
                (pw, approved, protection),
                aaguid,
                cert,
                gps,
            )| {
                let time = base().checked_add(SignedDuration::from_secs(t)).unwrap();
                let mut o = Map::new();
                o.insert("time".into(), json!(time.to_string()));
                o.insert("authenticationMethods".into(), json!(methods));
                put(
                    &mut o,
                    "lastAuthenticatedDateTime",
                    json!(last.map(|s| at(time, s))),
                );
                put(&mut o, "lastMfaDateTime", json!(mfa.map(|s| at(time, s))));
                o.insert("acceptedTermsOfUse".into(), json!(tou));
                o.insert("customFactors".into(), json!(custom));
                o.insert("passwordChanged".into(), json!(pw));
                o.insert("approvedClientApp".into(), json!(approved));
                o.insert("appProtectionPolicy".into(), json!(protection));
                put(&mut o, "fido2Aaguid", json!(aaguid));
                if let Some((ski, oids)) = cert {
                    o.insert(
                        "certificate".into(),
                        json!({ "issuerSki": ski, "policyOids": oids }),
                    );
                }
                put(&mut o, "gpsCountry", json!(gps));
                Value::Object(o)
            },
        )
        .boxed()
}

pub fn request() -> BoxedStrategy<Value> {
    (
        request_identity(),
        request_context(),
        weighted(0.9, request_conditions()),
        request_session(),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(identity, context, conditions, session, applied_only)| {
            let mut o = Map::new();
            o.insert("signInIdentity".into(), identity);
            o.insert("signInContext".into(), context);
            put(&mut o, "signInConditions", json!(conditions));
            if applied_only {
                o.insert("appliedPoliciesOnly".into(), json!(true));
            }
            o.insert("session".into(), session);
            Value::Object(o)
        })
        .boxed()
}
