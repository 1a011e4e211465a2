//! Deterministic generators: a tenant at Entra's limits and realistic request streams.
//!
//! Everything is derived from a fixed seed with a small SplitMix64 generator, so the same
//! arguments always produce the same bytes; nothing large is committed to the repository.
//! Defaults follow DESIGN.md: 195 policies, 195 IP named locations with 2,000 ranges each, 100,000
//! users in 5,000 groups nested up to 4 deep.

use serde_json::{Value, json};

/// The seed used unless the caller gives another.
pub const DEFAULT_SEED: u64 = 0x6a69_7467_6174_6521;

/// Sizes of a generated tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantSize {
    /// Conditional Access policies.
    pub policies: usize,
    /// IP named locations.
    pub ip_locations: usize,
    /// IP ranges per IP named location.
    pub ranges_per_location: usize,
    /// Users.
    pub users: usize,
    /// Groups (nested up to 4 levels).
    pub groups: usize,
}

impl TenantSize {
    /// Entra's limits (DESIGN.md's benchmark tenant).
    pub const LIMITS: TenantSize = TenantSize {
        policies: 195,
        ip_locations: 195,
        ranges_per_location: 2000,
        users: 100_000,
        groups: 5_000,
    };

    /// A small tenant for quick runs and tests.
    pub const SMALL: TenantSize = TenantSize {
        policies: 40,
        ip_locations: 10,
        ranges_per_location: 20,
        users: 500,
        groups: 60,
    };
}

/// SplitMix64: tiny, fast, and good enough to spread test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next_u64() % (n as u64)).unwrap_or(0)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One element of a non-empty slice (the first for an empty one is impossible: returns None).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// A deterministic GUID for object `n` of kind `kind`.
pub fn guid(kind: u16, n: usize) -> String {
    format!(
        "{:08x}-{kind:04x}-4000-8000-{:012x}",
        n as u64 & 0xffff_ffff,
        n
    )
}

/// Resource apps used by generated tenants and requests.
pub const APPS: [&str; 8] = [
    "00000002-0000-0ff1-ce00-000000000000",
    "00000003-0000-0ff1-ce00-000000000000",
    "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
    "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
    "00000006-0000-0ff1-ce00-000000000000",
    "00000003-0000-0000-c000-000000000000",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    "0000000a-0000-0000-c000-000000000000",
];
const ROLES: [&str; 6] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "29232cdf-9323-42fd-ade2-1d097af3e4de",
];
const BLOCKED_COUNTRIES: [&str; 4] = ["KP", "IR", "RU", "BY"];
const COUNTRIES: [&str; 8] = ["NL", "BE", "DE", "US", "GB", "FR", "KP", "unknown"];
const BREAK_GLASS_GROUP: usize = 0;

fn ipv4_range(loc: usize, k: usize) -> String {
    // Each location owns a /16 inside 10.0.0.0/8..100.0.0.0/8; ranges are /24s and /28s in it.
    let n = loc * 2_003 + k;
    let a = 11 + (n / 65_536) % 80;
    let b = (n / 256) % 256;
    let c = n % 256;
    if k.is_multiple_of(7) {
        format!("{a}.{b}.{c}.16/28")
    } else {
        format!("{a}.{b}.{c}.0/24")
    }
}

fn ipv6_range(loc: usize, k: usize) -> String {
    format!("2001:db8:{:x}:{:x}::/64", loc, k)
}

/// Generates a tenant bundle (the keys of docs/SEMANTICS.md §2) as JSON.
pub fn tenant(size: TenantSize, seed: u64) -> Value {
    let mut r = Rng::new(seed);
    // Groups: level 0 (roots) .. level 3 (leaves); each non-root group is a member of a parent.
    let groups_n = size.groups.max(8);
    let level_of = |g: usize| match g * 100 / groups_n {
        0 => 0,
        1..=4 => 1,
        5..=24 => 2,
        _ => 3,
    };
    let mut members: Vec<Vec<String>> = vec![Vec::new(); groups_n];
    for g in 1..groups_n {
        let level = level_of(g);
        if level == 0 {
            continue;
        }
        let parents: Vec<usize> = (1..g).filter(|p| level_of(*p) == level - 1).collect();
        let parent = parents.get(r.below(parents.len())).copied().unwrap_or(1);
        if let Some(list) = members.get_mut(parent) {
            list.push(guid(2, g));
        }
    }
    let leaves: Vec<usize> = (1..groups_n).filter(|g| level_of(*g) == 3).collect();
    let mut users = Vec::with_capacity(size.users);
    for u in 0..size.users {
        let id = guid(1, u);
        let guest = r.chance(5);
        let mut user = json!({ "id": id, "userType": if guest { "Guest" } else { "Member" } });
        if guest && let Some(map) = user.as_object_mut() {
            map.insert("externalUserType".into(), json!("b2bCollaborationGuest"));
            map.insert("externalTenantId".into(), json!(guid(9, u % 50)));
        }
        users.push(user);
        for _ in 0..=r.below(2) {
            if let Some(g) = r.pick(&leaves).copied()
                && let Some(list) = members.get_mut(g)
            {
                list.push(id.clone());
            }
        }
        if u < 5
            && let Some(list) = members.get_mut(BREAK_GLASS_GROUP)
        {
            list.push(id.clone());
        }
    }
    let groups: Vec<Value> = members
        .into_iter()
        .enumerate()
        .map(|(g, m)| json!({ "id": guid(2, g), "displayName": format!("G{g}"), "members": m }))
        .collect();
    let mut role_assignments = Vec::new();
    for k in 0..(size.users / 500).max(4) {
        let principal = guid(1, r.below(size.users));
        if let Some(role) = r.pick(&ROLES) {
            role_assignments.push(json!({ "principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/" }));
        }
        if k % 10 == 0 {
            role_assignments.push(json!({ "principalId": guid(1, k), "roleDefinitionId": ROLES[2], "directoryScopeId": "/administrativeUnits/x" }));
        }
    }
    let mut locations = Vec::new();
    for loc in 0..size.ip_locations {
        let ranges: Vec<Value> = (0..size.ranges_per_location)
            .map(|k| {
                if k % 5 == 4 {
                    json!({ "@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": ipv6_range(loc, k) })
                } else {
                    json!({ "@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": ipv4_range(loc, k) })
                }
            })
            .collect();
        locations.push(json!({
            "@odata.type": "#microsoft.graph.ipNamedLocation",
            "id": guid(3, loc), "displayName": format!("Site {loc}"),
            "isTrusted": loc % 3 == 0, "ipRanges": ranges,
        }));
    }
    let blocked_countries = guid(3, 100_000);
    locations.push(json!({
        "@odata.type": "#microsoft.graph.countryNamedLocation", "id": blocked_countries,
        "displayName": "Blocked countries", "countriesAndRegions": BLOCKED_COUNTRIES,
        "includeUnknownCountriesAndRegions": true,
    }));
    let policies: Vec<Value> = (0..size.policies)
        .map(|k| policy(&mut r, k, size, &blocked_countries))
        .collect();
    json!({
        "conditionalAccessPolicies": policies,
        "namedLocations": locations,
        "mfaTrustedIps": ["192.0.2.0/24"],
        "authenticationStrengthPolicies": [{
            "id": guid(4, 1), "displayName": "Generated custom strength", "policyType": "custom",
            "allowedCombinations": ["fido2", "windowsHelloForBusiness", "password,microsoftAuthenticatorPush"]
        }],
        "authenticationContextClassReferences": [{ "id": "c1", "displayName": "Sensitive", "isAvailable": true }],
        "applicationGroups": { "Office365": APPS.get(0..3), "MicrosoftAdminPortals": APPS.get(3..5) },
        "servicePrincipals": [{ "id": guid(5, 1), "appId": guid(6, 1), "displayName": "Sync" }],
        "directory": { "users": users, "groups": groups, "roleAssignments": role_assignments },
    })
}

fn some_groups(r: &mut Rng, size: TenantSize, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| guid(2, 1 + r.below(size.groups.max(8) - 1)))
        .collect()
}

/// One generated policy; the kind rotates so every condition and control appears.
fn policy(r: &mut Rng, k: usize, size: TenantSize, blocked_countries: &str) -> Value {
    let state = match k % 20 {
        18 => "enabledForReportingButNotEnforced",
        19 => "disabled",
        _ => "enabled",
    };
    let include_users: Vec<String> = if k.is_multiple_of(4) {
        vec!["All".into()]
    } else {
        Vec::new()
    };
    let group_count = 1 + r.below(4);
    let mut users = json!({
        "includeUsers": include_users,
        "includeGroups": if k.is_multiple_of(4) { Vec::new() } else { some_groups(r, size, group_count) },
        "excludeGroups": [guid(2, BREAK_GLASS_GROUP)],
    });
    let mut conditions = json!({
        "applications": { "includeApplications": if k.is_multiple_of(3) { vec!["All".to_owned()] } else { vec![r.pick(&APPS).copied().unwrap_or("All").to_owned()] } },
        "clientAppTypes": ["all"],
    });
    let mut grant = json!({ "operator": "OR", "builtInControls": ["mfa"] });
    let mut session = Value::Null;
    let set = |v: &mut Value, key: &str, value: Value| {
        if let Some(m) = v.as_object_mut() {
            m.insert(key.to_owned(), value);
        }
    };
    match k % 12 {
        0 => {} // MFA for everyone (or groups) on an app.
        1 => {
            set(
                &mut conditions,
                "clientAppTypes",
                json!(["exchangeActiveSync", "other"]),
            );
            set(&mut grant, "builtInControls", json!(["block"]));
        }
        2 => {
            set(
                &mut conditions,
                "locations",
                json!({ "includeLocations": [blocked_countries] }),
            );
            set(&mut grant, "builtInControls", json!(["block"]));
        }
        3 => {
            set(
                &mut conditions,
                "locations",
                json!({ "includeLocations": ["All"], "excludeLocations": ["AllTrusted"] }),
            );
        }
        4 => {
            set(
                &mut conditions,
                "platforms",
                json!({ "includePlatforms": ["windows", "macOS"] }),
            );
            set(
                &mut grant,
                "builtInControls",
                json!(["compliantDevice", "domainJoinedDevice"]),
            );
        }
        5 => {
            set(&mut users, "includeRoles", json!(ROLES.get(0..3)));
            set(&mut grant, "builtInControls", json!([]));
            set(
                &mut grant,
                "authenticationStrength",
                json!({ "id": "00000000-0000-0000-0000-000000000004" }),
            );
        }
        6 => {
            set(
                &mut users,
                "includeGuestsOrExternalUsers",
                json!({ "guestOrExternalUserTypes": "b2bCollaborationGuest,b2bCollaborationMember", "externalTenants": { "membershipKind": "all" } }),
            );
            set(&mut grant, "termsOfUse", json!([guid(7, 1)]));
            set(&mut grant, "operator", json!("AND"));
        }
        7 => {
            set(&mut conditions, "signInRiskLevels", json!(["high"]));
            set(&mut grant, "builtInControls", json!(["block"]));
        }
        8 => {
            set(&mut conditions, "userRiskLevels", json!(["high"]));
            set(
                &mut grant,
                "builtInControls",
                json!(["mfa", "passwordChange"]),
            );
            set(&mut grant, "operator", json!("AND"));
        }
        9 => {
            set(
                &mut conditions,
                "devices",
                json!({ "deviceFilter": { "mode": "exclude", "rule": "device.extensionAttribute1 -eq \"PAW\" -or device.trustType -eq \"ServerAD\"" } }),
            );
            set(&mut users, "includeRoles", json!(ROLES.get(0..2)));
            set(&mut grant, "builtInControls", json!(["block"]));
        }
        10 => {
            session = json!({ "signInFrequency": { "isEnabled": true, "value": 12, "type": "hours", "frequencyInterval": "timeBased" }, "persistentBrowser": { "isEnabled": true, "mode": "never" } });
            set(&mut grant, "builtInControls", json!([]));
            set(
                &mut conditions,
                "applications",
                json!({ "includeApplications": ["All"] }),
            );
        }
        _ => {
            set(
                &mut conditions,
                "authenticationFlows",
                json!({ "transferMethods": "deviceCodeFlow" }),
            );
            set(&mut grant, "builtInControls", json!(["block"]));
        }
    }
    set(&mut conditions, "users", users);
    let mut p = json!({
        "id": guid(8, k), "displayName": format!("GEN{k:03}"), "state": state,
        "conditions": conditions, "grantControls": grant,
    });
    if !session.is_null() {
        set(&mut p, "sessionControls", session);
    }
    p
}

/// Generates `n` sign-in requests against a tenant of `size` (most allowed, some step-ups, few
/// denies; many users and apps; IPv4 and IPv6).
pub fn requests(size: TenantSize, n: usize, seed: u64) -> Vec<Value> {
    let mut r = Rng::new(seed ^ 0x5eed);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let user = guid(1, r.below(size.users.max(1)));
        let trusted = r.chance(70);
        let ip = if trusted {
            if r.chance(80) {
                ipv4_range(
                    3 * r.below(size.ip_locations.max(3) / 3),
                    r.below(size.ranges_per_location.max(1)),
                )
                .replace(".0/24", ".7")
                .replace(".16/28", ".17")
            } else {
                "192.0.2.10".to_owned()
            }
        } else if r.chance(50) {
            format!("203.0.113.{}", r.below(250))
        } else {
            format!(
                "2001:db8:ffff:{:x}::{:x}",
                r.below(65_000),
                1 + r.below(999)
            )
        };
        let legacy = r.chance(2);
        let mfa_done = r.chance(85);
        let methods: Vec<&str> = if mfa_done {
            vec!["password", "microsoftAuthenticatorPush"]
        } else {
            vec!["password"]
        };
        out.push(json!({
            "id": format!("gen-{i}"),
            "signInIdentity": { "@odata.type": "#microsoft.graph.userSignIn", "userId": user },
            "signInContext": { "@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [r.pick(&APPS).copied().unwrap_or_default()] },
            "signInConditions": {
                "devicePlatform": r.pick(&["windows", "macOS", "iOS", "android", "linux"]).copied().unwrap_or_default(),
                "clientAppType": if legacy { "exchangeActiveSync" } else if r.chance(60) { "browser" } else { "mobileAppsAndDesktopClients" },
                "ipAddress": ip,
                "country": if r.chance(97) { "NL" } else { r.pick(&COUNTRIES).copied().unwrap_or("NL") },
                "signInRiskLevel": if r.chance(1) { "high" } else { "none" },
                "deviceInfo": { "isCompliant": r.chance(80), "trustType": if r.chance(30) { "ServerAD" } else { "AzureAD" } },
            },
            "session": {
                "time": "2026-03-02T09:00:00Z",
                "authenticationMethods": methods,
                "lastAuthenticatedDateTime": "2026-03-02T08:00:00Z",
                "lastMfaDateTime": "2026-03-02T08:00:00Z",
            }
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    #[test]
    fn small_tenant_loads_and_is_deterministic() {
        let a = tenant(TenantSize::SMALL, 7);
        let b = tenant(TenantSize::SMALL, 7);
        assert_eq!(a, b);
        let t = crate::load_bundle_bytes("gen.json", a.to_string().as_bytes()).unwrap();
        assert_eq!(t.policies.len(), 40);
        assert_eq!(t.users.len(), 500);
        let reqs = requests(TenantSize::SMALL, 50, 7);
        assert_eq!(reqs.len(), 50);
        let eval = crate::ReferenceEvaluator::new(&t);
        let mut kinds = std::collections::HashSet::new();
        for q in &reqs {
            let mut d = crate::diag::Diagnostics::new("r");
            let req = crate::unstable::parse_sign_in(
                &mut d,
                &crate::json::parse_str(&q.to_string()).unwrap(),
                None,
            )
            .unwrap();
            kinds.insert(eval.evaluate(&req, crate::Explain::None).decision);
        }
        assert_eq!(
            kinds.len(),
            3,
            "the stream mixes allow, stepUp and deny: {kinds:?}"
        );
    }
}
