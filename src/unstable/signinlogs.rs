//! Generated sign-in logs: realistic Graph `signIn` records for a tenant, each carrying the
//! `appliedConditionalAccessPolicies` and `conditionalAccessStatus` the reference evaluator
//! gives for the request the record maps to, so replaying them against their own tenant must
//! agree fully, and against a changed tenant must disagree exactly on the changed policies.

use serde_json::{Value, json};

use super::generate::Rng;
use crate::model::Tenant;
use crate::{Explain, MappedSignIn, ReferenceEvaluator};

/// `clientAppUsed` values and how often each is drawn (percent).
const CLIENTS: [(&str, u64); 7] = [
    ("Browser", 55),
    ("Mobile Apps and Desktop clients", 35),
    ("Exchange ActiveSync", 3),
    ("IMAP4", 2),
    ("SMTP", 2),
    ("MAPI Over HTTP", 2),
    ("Other clients", 1),
];

const SYSTEMS: [&str; 8] = [
    "Windows 10",
    "Windows 11",
    "iOS 17.4",
    "Android 14",
    "MacOs",
    "Linux",
    "Ubuntu",
    "",
];

const TRUST: [&str; 4] = [
    "Azure AD joined",
    "Hybrid Azure AD joined",
    "Azure AD registered",
    "",
];

const COUNTRIES: [&str; 7] = ["NL", "NL", "NL", "DE", "US", "RU", "KP"];

/// Client applications (`appId`, `appDisplayName`) a user signs in with; the resource signed in
/// to (`resourceId`) is drawn from the tenant's applications.
const CLIENT_APPS: [(&str, &str); 4] = [
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
    ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
];

/// `userAgent` and `deviceDetail.browser` pairs.
const AGENTS: [(&str, &str); 3] = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
        "Edge 122.0.0",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
        "Safari 17.3",
    ),
    (
        "Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0",
        "Rich Client 4.61.0.0",
    ),
];

/// `location`'s city, state and coordinates (Graph writes coordinates as floats).
const PLACES: [(&str, &str, f64, f64); 3] = [
    ("Rotterdam", "Zuid-Holland", 51.922_5, 4.479_17),
    ("Amsterdam", "Noord-Holland", 52.373_08, 4.892_13),
    ("Berlin", "Berlin", 52.520_01, 13.404_95),
];

/// The tenant the generated records are logged in (`resourceTenantId`).
const TENANT_ID: &str = "7c1a0d52-6b1e-4b7c-9d3e-2f8a5c4e1b90";

const SECOND_FACTORS: [&str; 5] = [
    "Mobile app notification",
    "Text message",
    "OATH verification code",
    "FIDO2 security key",
    "Windows Hello for Business",
];

fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(o) = object.as_object_mut() {
        o.insert(key.to_owned(), value);
    }
}

fn guid(r: &mut Rng) -> String {
    let a = r.next_u64();
    let b = r.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// An address in one of the tenant's IP ranges, or an outside one.
fn address(r: &mut Rng, tenant: &Tenant) -> String {
    let inside: Vec<String> = tenant
        .named_locations
        .iter()
        .flat_map(|l| match &l.kind {
            crate::model::location::LocationKind::Ip { ranges, .. } => ranges.as_slice(),
            _ => &[],
        })
        .filter_map(|c| match c.net() {
            ipnet::IpNet::V4(v4) => v4.hosts().nth(1).map(|h| h.to_string()),
            ipnet::IpNet::V6(v6) => v6.hosts().nth(7).map(|h| h.to_string()),
        })
        .take(64)
        .collect();
    if !inside.is_empty()
        && r.chance(60)
        && let Some(ip) = r.pick(&inside)
    {
        return ip.clone();
    }
    format!("203.0.113.{}", 128 + r.below(120))
}

/// `n` records for `tenant`, from `seed`.
pub fn sign_in_logs(tenant: &Tenant, n: usize, seed: u64) -> Vec<Value> {
    let mut out = Vec::with_capacity(n);
    let _ = each_sign_in_log(tenant, n, seed, |v| {
        out.push(v);
        Ok::<(), ()>(())
    });
    out
}

/// The records of [`sign_in_logs`], handed to `emit` one at a time (a million records never
/// sit in memory together).
pub fn each_sign_in_log<E>(
    tenant: &Tenant,
    n: usize,
    seed: u64,
    mut emit: impl FnMut(Value) -> Result<(), E>,
) -> Result<(), E> {
    let mut r = Rng::new(seed ^ 0x0051_6e10_6705);
    let reference = ReferenceEvaluator::new(tenant);
    let mut apps: Vec<String> = tenant.app_groups.office365.app_ids.clone();
    apps.extend(tenant.app_groups.admin_portals.app_ids.iter().cloned());
    apps.push("00000003-0000-0000-c000-000000000000".to_owned());
    let service_principals: Vec<(String, String)> = tenant
        .service_principals
        .iter()
        .filter_map(|s| Some((s.id.clone(), s.app_id.clone()?)))
        .collect();
    // What decides (drawn from `r`) is drawn as it always was; the rest of what Graph writes is
    // drawn from each record's own `extra`, seeded from `extras`, so adding to it does not
    // change the decisions.
    let mut extras = Rng::new(seed ^ 0x0065_7874_7261);
    for i in 0..n {
        let mut extra = Rng::new(extras.next_u64());
        let day_second = r.below(86_400);
        let created = format!(
            "2026-03-02T{:02}:{:02}:{:02}.{:07}Z",
            day_second / 3600,
            (day_second / 60) % 60,
            day_second % 60,
            extra.below(10_000_000)
        );
        let mut record = if !service_principals.is_empty() && r.chance(5) {
            let (sp, app) = r.pick(&service_principals).cloned().unwrap_or_default();
            // In the order these were always drawn.
            let id = guid(&mut r);
            let ip = address(&mut r, tenant);
            let country = *r.pick(&COUNTRIES).unwrap_or(&"NL");
            json!({
                "id": id,
                "createdDateTime": created,
                "appDisplayName": "Generated workload",
                "appId": app,
                "correlationId": guid(&mut extra),
                "conditionalAccessAudiences": [],
                "ipAddress": ip,
                "isInteractive": false,
                "location": location(&mut extra, country),
                "resourceDisplayName": "Microsoft Graph",
                "resourceId": "00000003-0000-0000-c000-000000000000",
                "resourceTenantId": TENANT_ID,
                "servicePrincipalCredentialKeyId": guid(&mut extra),
                "servicePrincipalId": sp,
                "servicePrincipalName": "Generated workload",
                "signInEventTypes": ["servicePrincipal"],
                "status": {"errorCode": 0, "failureReason": "Other.", "additionalDetails": null},
                "tokenIssuerType": "AzureAD",
                "uniqueTokenIdentifier": token_identifier(&mut extra),
            })
        } else {
            user_record(&mut r, &mut extra, tenant, &apps, &created)
        };
        match MappedSignIn::from_sign_in_log(&record) {
            Ok(mapped) => {
                let decision = reference.evaluate(&mapped.request, Explain::Policies);
                let applied: Vec<Value> = decision
                    .policies
                    .iter()
                    .flatten()
                    .map(|p| {
                        json!({
                            "id": p.id,
                            "displayName": p.display_name,
                            "result": p.result.as_str(),
                            "enforcedGrantControls": p.enforced_grant_controls.clone().unwrap_or_default(),
                            "enforcedSessionControls": p.enforced_session_controls.clone().unwrap_or_default(),
                        })
                    })
                    .collect();
                set(
                    &mut record,
                    "appliedConditionalAccessPolicies",
                    json!(applied),
                );
                set(
                    &mut record,
                    "conditionalAccessStatus",
                    json!(decision.conditional_access_status.as_str()),
                );
                if decision.decision == crate::Decision::Deny {
                    set(
                        &mut record,
                        "status",
                        json!({
                            "errorCode": 53003,
                            "failureReason": "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
                            "additionalDetails": null,
                        }),
                    );
                }
            }
            Err(e) => {
                // Cannot happen for the shapes drawn above; kept visible rather than dropped.
                set(
                    &mut record,
                    "generatorError",
                    json!(format!("record {i}: {e}")),
                );
            }
        }
        emit(record)?;
    }
    Ok(())
}

/// `location` as Graph writes it: city, state, country and coordinates.
fn location(extra: &mut Rng, country: &str) -> Value {
    let (city, state, latitude, longitude) = *extra.pick(&PLACES).unwrap_or(&PLACES[0]);
    json!({
        "city": city,
        "state": state,
        "countryOrRegion": country,
        "geoCoordinates": {"altitude": null, "latitude": latitude, "longitude": longitude},
    })
}

/// A `uniqueTokenIdentifier`: 22 characters of base64url.
fn token_identifier(extra: &mut Rng) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..22)
        .map(|_| char::from(*ALPHABET.get(extra.below(64)).unwrap_or(&b'A')))
        .collect()
}

fn user_record(
    r: &mut Rng,
    extra: &mut Rng,
    tenant: &Tenant,
    apps: &[String],
    created: &str,
) -> Value {
    let user = r.pick(&tenant.users).cloned();
    let (user_id, user_type, access) = match &user {
        Some(u) => {
            let guest = u.user_type == Some(crate::model::enums::UserType::Guest);
            let internal =
                u.external_user_type & crate::model::enums::GuestType::InternalGuest.bit() != 0;
            let access = if guest && !internal {
                "b2bCollaboration"
            } else {
                "none"
            };
            (u.id.clone(), if guest { "Guest" } else { "Member" }, access)
        }
        None => (guid(r), "Member", "none"),
    };
    let name = user
        .as_ref()
        .and_then(|u| u.display_name.clone())
        .unwrap_or_else(|| format!("User {}", extra.below(10_000)));
    let upn = user
        .as_ref()
        .and_then(|u| u.user_principal_name.clone())
        .unwrap_or_else(|| format!("user{}@contoso.example", extra.below(10_000)));
    let client = {
        let roll = r.below(100) as u64;
        let mut acc = 0;
        CLIENTS
            .iter()
            .find(|(_, p)| {
                acc += p;
                roll < acc
            })
            .map_or("Browser", |(c, _)| *c)
    };
    let os = *r.pick(&SYSTEMS).unwrap_or(&"Windows 10");
    let trust = *r.pick(&TRUST).unwrap_or(&"");
    let step = |method: &str, requirement: &str, detail: &str| {
        json!({
            "authenticationStepDateTime": created,
            "authenticationMethod": method,
            "authenticationMethodDetail": null,
            "succeeded": true,
            "authenticationStepResultDetail": detail,
            "authenticationStepRequirement": requirement,
            "StatusSequence": 0,
            "RequestSequence": 0,
        })
    };
    let mut details = vec![step(
        "Password",
        "Primary authentication",
        "Correct password",
    )];
    let mut used = vec!["Password"];
    if r.chance(70) {
        let factor = *r
            .pick(&SECOND_FACTORS)
            .unwrap_or(&"Mobile app notification");
        details.push(step(
            factor,
            "Multi-factor authentication",
            "MFA completed in Azure AD",
        ));
        used.push(factor);
    }
    let risk = |r: &mut Rng| {
        if r.chance(3) {
            "high"
        } else if r.chance(10) {
            "medium"
        } else {
            "none"
        }
    };
    let (agent, browser) = *extra.pick(&AGENTS).unwrap_or(&AGENTS[0]);
    let mut device = json!({
        "deviceId": "",
        "displayName": null,
        "operatingSystem": os,
        "browser": browser,
        "isCompliant": r.chance(70),
        "isManaged": r.chance(70),
        "trustType": trust,
    });
    if !trust.is_empty() {
        set(&mut device, "deviceId", json!(guid(r)));
        set(
            &mut device,
            "displayName",
            json!(format!("DEV-{}", r.below(10_000))),
        );
    }
    let (client_id, client_name) = *extra.pick(&CLIENT_APPS).unwrap_or(&CLIENT_APPS[0]);
    // In the order these were always drawn.
    let id = guid(r);
    let resource = r.pick(apps).cloned().unwrap_or_default();
    let ip = address(r, tenant);
    let country = *r.pick(&COUNTRIES).unwrap_or(&"NL");
    let sign_in_risk = risk(r);
    let user_risk = risk(r);
    let device_code = r.chance(3);
    let home = user
        .as_ref()
        .and_then(|u| u.external_tenant_id.clone())
        .filter(|_| user_type == "Guest")
        .unwrap_or_else(|| TENANT_ID.to_owned());
    let mut record = json!({
        "id": id,
        "createdDateTime": created,
        "userDisplayName": name,
        "userPrincipalName": upn,
        "userId": user_id,
        "userType": user_type,
        "crossTenantAccessType": access,
        "homeTenantId": home,
        "resourceTenantId": TENANT_ID,
        "appId": client_id,
        "appDisplayName": client_name,
        "resourceId": resource,
        "resourceDisplayName": "Generated resource",
        "ipAddress": ip,
        "autonomousSystemNumber": 1136,
        "location": location(extra, country),
        "clientAppUsed": client,
        "userAgent": agent,
        "correlationId": guid(extra),
        "deviceDetail": device,
        "riskDetail": "none",
        "riskLevelDuringSignIn": sign_in_risk,
        "riskLevelAggregated": user_risk,
        "riskState": "none",
        "riskEventTypes": [],
        "riskEventTypes_v2": [],
    });
    // In two parts: one `json!` of them all is beyond the macro's recursion limit.
    let more = json!({
        "status": {"errorCode": 0, "failureReason": "Other.", "additionalDetails": null},
        "originalTransferMethod": if device_code { "deviceCodeFlow" } else { "none" },
        "authenticationProtocol": if device_code { "deviceCode" } else { "none" },
        "authenticationRequirement": if used.len() > 1 { "multiFactorAuthentication" } else { "singleFactorAuthentication" },
        "authenticationDetails": details,
        "authenticationMethodsUsed": used,
        "signInEventTypes": ["interactiveUser"],
        "incomingTokenType": "none",
        "tokenIssuerType": "AzureAD",
        "tokenIssuerName": "",
        "processingTimeInMilliseconds": 80 + extra.below(400),
        "networkLocationDetails": [],
        "uniqueTokenIdentifier": token_identifier(extra),
        "isInteractive": true,
        "flaggedForReview": false,
        "isTenantRestricted": false,
    });
    if let (Some(o), Value::Object(more)) = (record.as_object_mut(), more) {
        o.extend(more);
    }
    record
}
