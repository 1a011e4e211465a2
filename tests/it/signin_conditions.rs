//! Sign-in scenarios for platforms (§3.7), locations (§3.8, §4.1), client app types (§3.9), risk
//! levels (§3.10) and how several failing conditions are reported (§6 step 5).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::signin::*;
use serde_json::{Value, json};

const USER: u32 = 1;

fn directory() -> Value {
    json!({ "users": [{ "id": uid(USER), "userType": "Member" }] })
}

fn user() -> Req {
    Req::user(&uid(USER)).password_only()
}

/// Expects MFA asked by exactly the policies in `applied` (of policies `1..=count`), the others
/// not applied with `reasons`.
fn mfa_by(applied: &[u32], count: u32, reasons: &str) -> Expect {
    let results = (1..=count)
        .map(|n| {
            if applied.contains(&n) {
                step_up(n)
            } else {
                not_applied(n, reasons)
            }
        })
        .collect();
    if applied.is_empty() {
        allow("notApplied").policies(results)
    } else {
        stepup().req(clause(vec![mfa()], applied)).policies(results)
    }
}

// ----- §3.7 platforms ----------------------------------------------------------------------------

const PLATFORMS: [&str; 6] = [
    "android",
    "iOS",
    "windows",
    "windowsPhone",
    "macOS",
    "linux",
];

fn platform_tenant() -> jitgate::Tenant {
    let mut policies: Vec<Pol> = PLATFORMS
        .iter()
        .zip(1..)
        .map(|(p, n)| {
            Pol::new(n)
                .cond("platforms", json!({ "includePlatforms": [p] }))
                .mfa()
        })
        .collect();
    // Block every platform that is not one of the known ones.
    policies.push(
        Pol::new(7)
            .cond(
                "platforms",
                json!({ "includePlatforms": ["all"], "excludePlatforms": PLATFORMS }),
            )
            .block(),
    );
    tenant(&policies, json!({ "directory": directory() }))
}

#[test]
fn each_platform_matches_only_its_own_policy() {
    let t = platform_tenant();
    for (p, n) in PLATFORMS.iter().zip(1u32..) {
        let mut results: Vec<Value> = (1..=6u32)
            .map(|m| {
                if m == n {
                    step_up(m)
                } else {
                    not_applied(m, "devicePlatform")
                }
            })
            .collect();
        results.push(not_applied(7, "devicePlatform"));
        check(
            &t,
            &user().cond("devicePlatform", json!(p)),
            &stepup().req(clause(vec![mfa()], &[n])).policies(results),
        );
    }
}

#[test]
fn platform_names_are_case_insensitive() {
    let t = platform_tenant();
    let mut results: Vec<Value> = (1..=6u32)
        .map(|m| {
            if m == 2 {
                step_up(m)
            } else {
                not_applied(m, "devicePlatform")
            }
        })
        .collect();
    results.push(not_applied(7, "devicePlatform"));
    check(
        &t,
        &user().cond("devicePlatform", json!("IOS")),
        &stepup().req(clause(vec![mfa()], &[2])).policies(results),
    );
}

#[test]
fn missing_or_unknown_platform_is_caught_by_include_all_exclude_known() {
    let t = platform_tenant();
    let cases = [None, Some(json!("all")), Some(json!("unknownFutureValue"))];
    for platform in cases {
        let mut r = user();
        if let Some(p) = &platform {
            r = r.cond("devicePlatform", p.clone());
        }
        let mut results: Vec<Value> = (1..=6)
            .map(|m| not_applied(m, "notEnoughInformation,devicePlatform"))
            .collect();
        results.push(denied(7));
        check(&t, &r, &deny().reason(blocked(7)).policies(results));
    }
}

#[test]
fn exclude_only_platforms_read_as_include_all() {
    let t = tenant(
        &[Pol::new(1)
            .cond("platforms", json!({ "excludePlatforms": ["android"] }))
            .block()],
        json!({ "directory": directory() }),
    );
    check(
        &t,
        &user().cond("devicePlatform", json!("windows")),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &user(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &user().cond("devicePlatform", json!("android")),
        &allow("notApplied").policies(vec![not_applied(1, "devicePlatform")]),
    );
}

// ----- §3.8, §4.1 locations ----------------------------------------------------------------------

fn location_bundle(with_trusted_ips: bool) -> Value {
    let mut b = json!({
        "directory": directory(),
        "namedLocations": [
            { "@odata.type": "#microsoft.graph.ipNamedLocation", "id": lid(1),
              "displayName": "Corp", "isTrusted": true,
              "ipRanges": [
                  { "@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24" },
                  { "@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": "2001:db8:1::/48" }
              ] },
            { "@odata.type": "#microsoft.graph.ipNamedLocation", "id": lid(2),
              "displayName": "Branch", "isTrusted": false,
              "ipRanges": [ { "cidrAddress": "192.0.2.0/24" } ] },
            { "@odata.type": "#microsoft.graph.countryNamedLocation", "id": lid(3),
              "displayName": "NL and DE", "countriesAndRegions": ["NL", "DE"],
              "includeUnknownCountriesAndRegions": false },
            { "@odata.type": "#microsoft.graph.countryNamedLocation", "id": lid(4),
              "displayName": "FR or unknown", "countriesAndRegions": ["FR"],
              "includeUnknownCountriesAndRegions": true }
        ]
    });
    if with_trusted_ips {
        b["mfaTrustedIps"] = json!(["198.51.100.0/24"]);
    }
    b
}

fn location_policies() -> Vec<Pol> {
    let loc = |include: Value, exclude: Value| json!({ "includeLocations": include, "excludeLocations": exclude });
    vec![
        Pol::new(1)
            .cond("locations", loc(json!([lid(1)]), json!([])))
            .mfa(),
        Pol::new(2)
            .cond("locations", loc(json!([lid(2)]), json!([])))
            .mfa(),
        Pol::new(3)
            .cond("locations", loc(json!([lid(3)]), json!([])))
            .mfa(),
        Pol::new(4)
            .cond("locations", loc(json!([lid(4)]), json!([])))
            .mfa(),
        Pol::new(5)
            .cond("locations", loc(json!(["AllTrusted"]), json!([])))
            .mfa(),
        Pol::new(6)
            .cond("locations", loc(json!([MFA_TRUSTED_IPS]), json!([])))
            .mfa(),
        Pol::new(7)
            .cond("locations", loc(json!(["All"]), json!(["AllTrusted"])))
            .mfa(),
        Pol::new(8)
            .cond("locations", loc(json!(["All"]), json!([])))
            .mfa(),
    ]
}

fn at_location(ip: Option<&str>, country: Option<&str>) -> Req {
    let mut r = user();
    if let Some(ip) = ip {
        r = r.cond("ipAddress", json!(ip));
    }
    if let Some(c) = country {
        r = r.cond("country", json!(c));
    }
    r
}

#[test]
fn ipv4_in_a_trusted_range_and_a_listed_country() {
    let t = tenant(&location_policies(), location_bundle(true));
    check(
        &t,
        &at_location(Some("203.0.113.7"), Some("NL")),
        &mfa_by(&[1, 3, 5, 8], 8, "location"),
    );
}

#[test]
fn ipv6_in_a_trusted_range() {
    let t = tenant(&location_policies(), location_bundle(true));
    check(
        &t,
        &at_location(Some("2001:db8:1:42::5"), Some("DE")),
        &mfa_by(&[1, 3, 5, 8], 8, "location"),
    );
}

#[test]
fn ipv4_mapped_ipv6_is_compared_as_ipv4() {
    let t = tenant(&location_policies(), location_bundle(true));
    check(
        &t,
        &at_location(Some("::ffff:203.0.113.7"), Some("NL")),
        &mfa_by(&[1, 3, 5, 8], 8, "location"),
    );
}

#[test]
fn untrusted_ip_location_and_other_country() {
    let t = tenant(&location_policies(), location_bundle(true));
    check(
        &t,
        &at_location(Some("192.0.2.10"), Some("FR")),
        &mfa_by(&[2, 4, 7, 8], 8, "location"),
    );
}

#[test]
fn mfa_trusted_ips_pseudo_location_and_unknown_country() {
    // The pseudo-location is in the set and counts as trusted; "unknown" matches only the country
    // location that includes unknown countries. For the country location that does not, the
    // failure is missing data (§7: an `unknown` country could be any), so its policy is listed
    // in `missingData`.
    let t = tenant(&location_policies(), location_bundle(true));
    let mut expect = mfa_by(&[4, 5, 6, 8], 8, "location");
    expect = expect.policies(
        (1..=8)
            .map(|n| match n {
                4 | 5 | 6 | 8 => step_up(n),
                3 => not_applied(n, "notEnoughInformation,location"),
                _ => not_applied(n, "location"),
            })
            .collect(),
    );
    let out = check(
        &t,
        &at_location(Some("198.51.100.20"), Some("unknown")),
        &expect,
    );
    let missing = out.json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "missingData")
        .unwrap_or_else(|| panic!("missingData expected\n{}", out.pretty()));
    assert_eq!(missing["fields"], json!(["country"]));
    assert_eq!(missing["policyIds"], json!([pid(3)]));
}

#[test]
fn without_mfa_trusted_ips_the_pseudo_location_matches_nothing() {
    let t = tenant(&location_policies(), location_bundle(false));
    check(
        &t,
        &at_location(Some("198.51.100.20"), Some("US")),
        &mfa_by(&[7, 8], 8, "location"),
    );
}

#[test]
fn ip_and_country_outside_every_location() {
    let t = tenant(&location_policies(), location_bundle(true));
    check(
        &t,
        &at_location(Some("8.8.8.8"), Some("US")),
        &mfa_by(&[7, 8], 8, "location"),
    );
}

#[test]
fn missing_ip_and_country_match_only_all() {
    // §3.8.5: only All matches; "include All, exclude AllTrusted" then applies. The other
    // policies fail only because request data is missing (§6 step 5).
    let t = tenant(&location_policies(), location_bundle(true));
    check(
        &t,
        &at_location(None, None),
        &mfa_by(&[7, 8], 8, "notEnoughInformation,location"),
    );
}

#[test]
fn country_locations_never_count_as_trusted() {
    let t = tenant(
        &[Pol::new(1)
            .cond(
                "locations",
                json!({ "includeLocations": ["All"], "excludeLocations": ["AllTrusted"] }),
            )
            .block()],
        location_bundle(true),
    );
    check(
        &t,
        &at_location(Some("8.8.4.4"), Some("NL")),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &at_location(Some("203.0.113.9"), Some("US")),
        &allow("notApplied").policies(vec![not_applied(1, "location")]),
    );
}

#[test]
fn exclude_only_locations_read_as_include_all() {
    let t = tenant(
        &[Pol::new(1)
            .cond("locations", json!({ "excludeLocations": [lid(2)] }))
            .block()],
        location_bundle(true),
    );
    check(
        &t,
        &at_location(Some("8.8.8.8"), Some("US")),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &at_location(Some("192.0.2.1"), Some("US")),
        &allow("notApplied").policies(vec![not_applied(1, "location")]),
    );
}

#[test]
fn gps_country_location_uses_the_session_gps_country() {
    let mut bundle = location_bundle(true);
    bundle["namedLocations"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "@odata.type": "#microsoft.graph.countryNamedLocation", "id": lid(5),
            "displayName": "NL by GPS", "countriesAndRegions": ["NL"],
            "countryLookupMethod": "authenticatorAppGps"
        }));
    let t = tenant(
        &[Pol::new(1)
            .cond("locations", json!({ "includeLocations": [lid(5)] }))
            .block()],
        bundle,
    );
    check(
        &t,
        &at_location(Some("8.8.8.8"), Some("US")).session("gpsCountry", json!("NL")),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    // The client-IP country does not feed a GPS location.
    check(
        &t,
        &at_location(Some("8.8.8.8"), Some("NL")),
        &allow("notApplied").policies(vec![not_applied(1, "location")]),
    );
}

// ----- §3.9 client app types ---------------------------------------------------------------------

fn client_app_tenant() -> jitgate::Tenant {
    let types = [
        "browser",
        "mobileAppsAndDesktopClients",
        "exchangeActiveSync",
        "other",
        "easUnsupported",
        "easSupported",
        "modern",
        "all",
    ];
    let policies: Vec<Pol> = types
        .iter()
        .zip(1..)
        .map(|(ty, n)| Pol::new(n).cond("clientAppTypes", json!([ty])).mfa())
        .collect();
    tenant(&policies, json!({ "directory": directory() }))
}

#[test]
fn each_client_app_type_and_legacy_alias() {
    let t = client_app_tenant();
    let cases: [(&str, &[u32]); 7] = [
        ("browser", &[1, 8]),
        ("mobileAppsAndDesktopClients", &[2, 7, 8]),
        ("exchangeActiveSync", &[3, 5, 6, 8]),
        ("other", &[4, 8]),
        // Aliases in the request too.
        ("easUnsupported", &[3, 5, 6, 8]),
        ("easSupported", &[3, 5, 6, 8]),
        ("modern", &[2, 7, 8]),
    ];
    for (ty, applied) in cases {
        check(
            &t,
            &user().cond("clientAppType", json!(ty)),
            &mfa_by(applied, 8, "clientApps"),
        );
    }
}

#[test]
fn missing_or_unknown_client_app_type_matches_only_all() {
    let t = client_app_tenant();
    for value in [None, Some("all"), Some("unknownFutureValue")] {
        let mut r = user();
        if let Some(v) = value {
            r = r.cond("clientAppType", json!(v));
        }
        check(&t, &r, &mfa_by(&[8], 8, "notEnoughInformation,clientApps"));
    }
}

// ----- §3.10 risk levels -------------------------------------------------------------------------

fn risk_tenant(condition: &str) -> jitgate::Tenant {
    let sets: [Value; 6] = [
        json!(["low"]),
        json!(["medium"]),
        json!(["high"]),
        json!(["hidden"]),
        json!(["none"]),
        json!(["low", "medium", "high"]),
    ];
    let policies: Vec<Pol> = sets
        .into_iter()
        .zip(1..)
        .map(|(levels, n)| Pol::new(n).cond(condition, levels).mfa())
        .collect();
    tenant(&policies, json!({ "directory": directory() }))
}

fn risk_cases(condition: &str, request_field: &str, reason: &str) {
    let t = risk_tenant(condition);
    // Absent: the level is none.
    check(&t, &user(), &mfa_by(&[5], 6, reason));
    let cases: [(&str, &[u32]); 5] = [
        ("low", &[1, 6]),
        ("medium", &[2, 6]),
        ("high", &[3, 6]),
        ("hidden", &[4]),
        ("none", &[5]),
    ];
    for (level, applied) in cases {
        check(
            &t,
            &user().cond(request_field, json!(level)),
            &mfa_by(applied, 6, reason),
        );
    }
}

#[test]
fn sign_in_risk_levels() {
    risk_cases("signInRiskLevels", "signInRiskLevel", "signInRisk");
}

#[test]
fn user_risk_levels() {
    risk_cases("userRiskLevels", "userRiskLevel", "userRisk");
}

#[test]
fn insider_risk_levels() {
    let t = tenant(
        &[
            Pol::new(1).cond("insiderRiskLevels", json!("minor")).mfa(),
            Pol::new(2)
                .cond("insiderRiskLevels", json!("moderate"))
                .mfa(),
            Pol::new(3)
                .cond("insiderRiskLevels", json!("elevated"))
                .mfa(),
            Pol::new(4)
                .cond("insiderRiskLevels", json!("minor,moderate"))
                .mfa(),
        ],
        json!({ "directory": directory() }),
    );
    // Absent: none, which no configured insider risk condition contains.
    check(&t, &user(), &mfa_by(&[], 4, "insiderRisk"));
    let cases: [(&str, &[u32]); 4] = [
        ("none", &[]),
        ("minor", &[1, 4]),
        ("moderate", &[2, 4]),
        ("elevated", &[3]),
    ];
    for (level, applied) in cases {
        check(
            &t,
            &user().cond("insiderRiskLevel", json!(level)),
            &mfa_by(applied, 4, "insiderRisk"),
        );
    }
}

#[test]
fn service_principal_risk_on_a_user_policy_is_ignored() {
    // §3.10: servicePrincipalRiskLevels is checked only for service-principal sign-ins; on a user
    // policy it is a warning and ignored.
    let t = tenant(
        &[Pol::new(1)
            .cond("servicePrincipalRiskLevels", json!(["high"]))
            .block()],
        json!({ "directory": directory() }),
    );
    let out = check(
        &t,
        &user(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    assert!(
        warned_about(&t, &out, "servicePrincipalRiskLevels"),
        "a warning about the ignored risk condition is expected\n{:#?}",
        tenant_warnings(&t)
    );
}

// ----- §6 step 5: several failing conditions -----------------------------------------------------

#[test]
fn every_failing_condition_is_reported_in_canonical_order() {
    let t = tenant(
        &[Pol::new(1)
            .users(json!({ "includeUsers": [uid(2)] }))
            .apps(json!({ "includeApplications": [EXO] }))
            .cond("platforms", json!({ "includePlatforms": ["android"] }))
            .cond("clientAppTypes", json!(["exchangeActiveSync"]))
            .cond("signInRiskLevels", json!(["high"]))
            .cond("userRiskLevels", json!(["high"]))
            .cond(
                "authenticationFlows",
                json!({ "transferMethods": "deviceCodeFlow" }),
            )
            .block()],
        json!({ "directory": directory() }),
    );
    check(
        &t,
        &user()
            .apps(&[LOB])
            .cond("devicePlatform", json!("windows"))
            .cond("clientAppType", json!("browser")),
        &allow("notApplied").policies(vec![not_applied(
            1,
            "users,application,devicePlatform,clientApps,signInRisk,userRisk,authenticationFlow",
        )]),
    );
    // When every failure comes from missing request data (no platform, no client app type),
    // notEnoughInformation is added.
    let t2 = tenant(
        &[Pol::new(1)
            .cond("platforms", json!({ "includePlatforms": ["android"] }))
            .cond("clientAppTypes", json!(["browser"]))
            .mfa()],
        json!({ "directory": directory() }),
    );
    check(
        &t2,
        &user(),
        &allow("notApplied").policies(vec![not_applied(
            1,
            "notEnoughInformation,devicePlatform,clientApps",
        )]),
    );
}

#[test]
fn missing_country_is_missing_data_for_a_country_location() {
    // §3.2 / §4.1.4: an absent country is missing data; the failure against a country location is
    // caused only by it (§6 step 5).
    let t = tenant(
        &[Pol::new(1)
            .cond("locations", json!({ "includeLocations": [lid(3)] }))
            .mfa()],
        location_bundle(true),
    );
    check(
        &t,
        &at_location(Some("8.8.8.8"), None),
        &mfa_by(&[], 1, "notEnoughInformation,location"),
    );
}

#[test]
fn missing_country_does_not_explain_a_failed_ip_location() {
    // The policy names only an IP location and the IP is present and outside it: the failure is
    // not caused by missing data, so notEnoughInformation is not added (§6 step 5), even though
    // the request carries no country.
    let t = tenant(
        &[Pol::new(1)
            .cond("locations", json!({ "includeLocations": [lid(1)] }))
            .mfa()],
        location_bundle(true),
    );
    check(
        &t,
        &at_location(Some("8.8.8.8"), None),
        &mfa_by(&[], 1, "location"),
    );
}

#[test]
fn cidr_host_bits_are_masked_off() {
    // §4.1.1: Graph's own example `12.34.221.11/22` style; the range is the masked network.
    let t = tenant(
        &[Pol::new(1)
            .cond("locations", json!({ "includeLocations": [lid(6)] }))
            .block()],
        json!({
            "directory": directory(),
            "namedLocations": [{
                "@odata.type": "#microsoft.graph.ipNamedLocation", "id": lid(6),
                "displayName": "Host bits", "isTrusted": false,
                "ipRanges": [{ "cidrAddress": "12.34.221.11/22" }]
            }]
        }),
    );
    check(
        &t,
        &at_location(Some("12.34.220.1"), Some("US")),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &at_location(Some("12.34.224.1"), Some("US")),
        &allow("notApplied").policies(vec![not_applied(1, "location")]),
    );
    assert!(t.warnings.is_empty(), "{:#?}", t.warnings);
}

#[test]
fn dangling_and_unknown_type_locations_match_nothing() {
    // §2.4: a missing named location matches nothing, on include and exclude alike (a warning);
    // §4.1: a beta location type is Unknown and matches nothing (a warning).
    let mut bundle = location_bundle(true);
    bundle["namedLocations"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "@odata.type": "#microsoft.graph.compliantNetworkNamedLocation", "id": lid(7),
            "displayName": "Compliant network"
        }));
    let t = tenant(
        &[
            Pol::new(1)
                .cond("locations", json!({ "includeLocations": [lid(99)] }))
                .block(),
            Pol::new(2)
                .cond(
                    "locations",
                    json!({ "includeLocations": ["All"], "excludeLocations": [lid(99)] }),
                )
                .mfa(),
            Pol::new(3)
                .cond("locations", json!({ "includeLocations": [lid(7)] }))
                .block(),
            Pol::new(4)
                .cond(
                    "locations",
                    json!({ "includeLocations": ["All"], "excludeLocations": [lid(7)] }),
                )
                .mfa(),
        ],
        bundle,
    );
    let out = check(
        &t,
        &at_location(Some("203.0.113.7"), Some("NL")),
        &stepup().req(clause(vec![mfa()], &[2, 4])).policies(vec![
            not_applied(1, "location"),
            step_up(2),
            not_applied(3, "location"),
            step_up(4),
        ]),
    );
    assert!(
        warned_about(&t, &out, &lid(99)),
        "{:#?}",
        tenant_warnings(&t)
    );
    assert!(
        warned_about(&t, &out, "compliantNetworkNamedLocation"),
        "{:#?}",
        tenant_warnings(&t)
    );
}
