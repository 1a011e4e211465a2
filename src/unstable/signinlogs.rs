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
    for i in 0..n {
        let day_second = r.below(86_400);
        let created = format!(
            "2026-03-02T{:02}:{:02}:{:02}Z",
            day_second / 3600,
            (day_second / 60) % 60,
            day_second % 60
        );
        let mut record = if !service_principals.is_empty() && r.chance(5) {
            let (sp, app) = r.pick(&service_principals).cloned().unwrap_or_default();
            json!({
                "id": guid(&mut r),
                "createdDateTime": created,
                "signInEventTypes": ["servicePrincipal"],
                "servicePrincipalId": sp,
                "appId": app,
                "resourceId": "00000003-0000-0000-c000-000000000000",
                "ipAddress": address(&mut r, tenant),
                "location": {"countryOrRegion": *r.pick(&COUNTRIES).unwrap_or(&"NL")},
            })
        } else {
            user_record(&mut r, tenant, &apps, &created)
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

fn user_record(r: &mut Rng, tenant: &Tenant, apps: &[String], created: &str) -> Value {
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
    let mut details = vec![json!({
        "authenticationStepDateTime": created,
        "authenticationMethod": "Password",
        "succeeded": true,
    })];
    if r.chance(70) {
        details.push(json!({
            "authenticationStepDateTime": created,
            "authenticationMethod": *r.pick(&SECOND_FACTORS).unwrap_or(&"Mobile app notification"),
            "succeeded": true,
        }));
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
    let mut device = json!({
        "operatingSystem": os,
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
    json!({
        "id": guid(r),
        "createdDateTime": created,
        "userId": user_id,
        "userType": user_type,
        "crossTenantAccessType": access,
        "appId": r.pick(apps).cloned().unwrap_or_default(),
        "ipAddress": address(r, tenant),
        "location": {"city": "Rotterdam", "countryOrRegion": *r.pick(&COUNTRIES).unwrap_or(&"NL")},
        "clientAppUsed": client,
        "deviceDetail": device,
        "riskLevelDuringSignIn": risk(r),
        "riskLevelAggregated": risk(r),
        "originalTransferMethod": if r.chance(3) { "deviceCodeFlow" } else { "none" },
        "authenticationDetails": details,
        "isInteractive": true,
    })
}
