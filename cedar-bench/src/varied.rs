//! Sign-ins that exercise every part of the translation.
//!
//! `jitgate::unstable::generate::requests` draws realistic traffic, so some policy kinds of the generated
//! tenant never apply to it (no request carries user risk, a device-code flow, a `PAW` device, a
//! stale session, ...). The timing uses that realistic stream; the agreement check also runs on
//! these variations of it, so that every condition, exclusion and grant of the translation is
//! compared with jitgate on both of its outcomes.

use jitgate::Tenant;
use jitgate::unstable::generate::{self, APPS, Rng, TenantSize, guid};
use jitgate::unstable::model::LocationKind;
use serde_json::{Map, Value, json};

fn obj<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Map<String, Value>> {
    let m = v.as_object_mut()?;
    m.entry(key.to_owned())
        .or_insert_with(|| json!({}))
        .as_object_mut()
}

fn set(v: &mut Value, key: &str, field: &str, value: Value) {
    if let Some(m) = obj(v, key) {
        m.insert(field.to_owned(), value);
    }
}

fn remove(v: &mut Value, key: &str, field: &str) {
    if let Some(m) = obj(v, key) {
        m.remove(field);
    }
}

fn pick<T: Clone>(r: &mut Rng, items: &[T]) -> Option<T> {
    r.pick(items).cloned()
}

/// `n` generated sign-ins for a tenant of `size`, each changed in a few random ways.
pub fn varied_requests(tenant: &Tenant, size: TenantSize, n: usize, seed: u64) -> Vec<Value> {
    let mut r = Rng::new(seed ^ 0x7661_7269_6564);
    let role_holders: Vec<String> = tenant
        .role_assignments
        .iter()
        .filter(|a| a.directory_scope_id == "/")
        .map(|a| a.principal_id.clone())
        .collect();
    let guests: Vec<String> = tenant
        .users
        .iter()
        .filter(|u| u.external_user_type != 0)
        .map(|u| u.id.clone())
        .collect();
    // Users inside the groups that policies name, so group-scoped policies apply too.
    let users: std::collections::HashSet<&str> =
        tenant.users.iter().map(|u| u.id.as_str()).collect();
    let members: std::collections::HashMap<&str, &Vec<String>> = tenant
        .groups
        .iter()
        .map(|g| (g.id.as_str(), &g.members))
        .collect();
    let policies: Vec<&jitgate::unstable::model::Policy> = tenant.policies.iter().collect();
    let trusted_v6: Vec<String> = (0..size.ip_locations.min(30))
        .step_by(3)
        .map(|loc| format!("2001:db8:{loc:x}:{:x}::5", 4 + 5 * (loc % 3)))
        .collect();
    let mut out = generate::requests(size, n, seed);
    for q in &mut out {
        let c = "signInConditions";
        if r.chance(40) {
            // Aim at one policy: a user in one of its groups, one of its apps.
            if let Some(p) = r.pick(&policies) {
                let groups: Vec<&str> = p
                    .conditions
                    .users
                    .iter()
                    .flat_map(|u| u.include_groups.iter().filter_map(|g| g.id()))
                    .collect();
                let mut at = pick(&mut r, &groups).unwrap_or_default();
                for _ in 0..6 {
                    let Some(m) = members.get(at).and_then(|list| r.pick(list)) else {
                        break;
                    };
                    if users.contains(m.as_str()) {
                        set(q, "signInIdentity", "userId", json!(m));
                        break;
                    }
                    at = m.as_str();
                }
                let apps: Vec<&str> = p
                    .conditions
                    .applications
                    .iter()
                    .flat_map(|a| a.include_applications.iter().filter_map(|x| x.id()))
                    .collect();
                if let Some(app) = pick(&mut r, &apps) {
                    set(q, "signInContext", "includeApplications", json!([app]));
                }
                // Often meet its other conditions too (the mutations below may undo some).
                let cond = &p.conditions;
                if r.chance(60) {
                    if let Some(t) = r.pick(&cond.client_app_types) {
                        set(q, c, "clientAppType", json!(t.as_str()));
                    }
                    if let Some(l) = r.pick(&cond.sign_in_risk_levels) {
                        set(q, c, "signInRiskLevel", json!(l.as_str()));
                    }
                    if let Some(l) = r.pick(&cond.user_risk_levels) {
                        set(q, c, "userRiskLevel", json!(l.as_str()));
                    }
                    if let Some(m) = r.pick(&cond.transfer_methods) {
                        set(
                            q,
                            c,
                            "authenticationFlow",
                            json!({ "transferMethod": m.as_str() }),
                        );
                    }
                    let countries: Vec<String> = cond
                        .locations
                        .iter()
                        .flat_map(|l| l.include.iter().filter_map(|x| x.id()))
                        .filter_map(|id| tenant.location(id))
                        .flat_map(|l| match &l.kind {
                            LocationKind::Country { countries, .. } => countries.clone(),
                            _ => Vec::new(),
                        })
                        .collect();
                    if let Some(k) = pick(&mut r, &countries) {
                        set(q, c, "country", json!(k));
                    }
                }
                if r.chance(30) {
                    set(q, "session", "authenticationMethods", json!(["password"]));
                }
                if p.session.sign_in_frequency.is_some() && r.chance(30) {
                    set(
                        q,
                        "session",
                        "lastAuthenticatedDateTime",
                        json!("2026-03-01T20:59:59Z"),
                    );
                }
            }
        } else if r.chance(25) {
            let user = match r.below(4) {
                0 => pick(&mut r, &role_holders),
                1 => pick(&mut r, &guests),
                2 => Some(guid(1, r.below(5))), // break-glass members
                _ => Some("ffffffff-0001-4000-8000-00000000abcd".to_owned()), // not in the directory
            };
            if let Some(u) = user {
                set(q, "signInIdentity", "userId", json!(u));
            }
        }
        if r.chance(5) {
            let app = pick(&mut r, &APPS).unwrap_or_default();
            let other = "11111111-2222-3333-4444-555555555555";
            let id = if r.chance(50) { other } else { app };
            set(q, "signInContext", "includeApplications", json!([id]));
        }
        if r.chance(15) {
            let level = pick(&mut r, &["high", "medium", "low", "none", "hidden"]);
            set(q, c, "userRiskLevel", json!(level));
        }
        if r.chance(10) {
            let level = pick(&mut r, &["high", "medium", "none"]);
            set(q, c, "signInRiskLevel", json!(level));
        }
        if r.chance(10) {
            let m = pick(
                &mut r,
                &["deviceCodeFlow", "authenticationTransfer", "none"],
            );
            set(q, c, "authenticationFlow", json!({ "transferMethod": m }));
        }
        if r.chance(15) {
            let ea = pick(&mut r, &["PAW", "paw", "SAW", "Páw", ""]);
            if let Some(m) = obj(q, c) {
                let device = m.entry("deviceInfo").or_insert_with(|| json!({}));
                if let Some(d) = device.as_object_mut() {
                    d.insert("extensionAttribute1".to_owned(), json!(ea));
                }
            }
        }
        if r.chance(10) {
            match r.below(3) {
                0 => remove(q, c, "deviceInfo"),
                1 => set(q, c, "deviceInfo", json!({ "trustType": "serverad" })),
                _ => set(
                    q,
                    c,
                    "deviceInfo",
                    json!({ "isCompliant": true, "trustType": "Workplace" }),
                ),
            }
        }
        if r.chance(15) {
            match r.below(4) {
                0 => remove(q, c, "ipAddress"),
                1 => {
                    let ip = pick(&mut r, &trusted_v6).unwrap_or_default();
                    set(q, c, "ipAddress", json!(ip));
                }
                2 => set(q, c, "ipAddress", json!("::ffff:192.0.2.77")),
                _ => set(q, c, "ipAddress", json!("2001:db8:ffff::1")),
            }
        }
        if r.chance(10) {
            if r.chance(50) {
                remove(q, c, "devicePlatform");
            } else {
                let p = pick(&mut r, &["all", "linux", "windowsPhone", "MACOS"]);
                set(q, c, "devicePlatform", json!(p));
            }
        }
        if r.chance(10) {
            let t = pick(&mut r, &["other", "easSupported", "all", "browser"]);
            set(q, c, "clientAppType", json!(t));
        }
        if r.chance(8) {
            if r.chance(40) {
                remove(q, c, "country");
            } else {
                let k = pick(&mut r, &["unknown", "RU", "by", "NL"]);
                set(q, c, "country", json!(k));
            }
        }
        let s = "session";
        if r.chance(20) {
            let methods: Vec<&str> = match r.below(6) {
                0 => vec!["fido2"],
                1 => vec!["windowsHelloForBusiness"],
                2 => vec!["password", "sms"],
                3 => vec![
                    "password",
                    "microsoftAuthenticatorPush",
                    "x509CertificateMultiFactor",
                ],
                4 => vec![],
                _ => vec!["password", "softwareOath"],
            };
            set(q, s, "authenticationMethods", json!(methods));
        }
        if r.chance(10) {
            set(q, s, "passwordChanged", json!(true));
        }
        if r.chance(15) {
            set(q, s, "acceptedTermsOfUse", json!([guid(7, 1)]));
        }
        if r.chance(15) {
            match r.below(5) {
                0 => remove(q, s, "lastAuthenticatedDateTime"),
                // 13 hours before the evaluation time: stale for a 12-hour frequency.
                1 => set(
                    q,
                    s,
                    "lastAuthenticatedDateTime",
                    json!("2026-03-01T20:00:00Z"),
                ),
                // Exactly 12 hours before: stale (reauthentication at >= the interval).
                2 => set(
                    q,
                    s,
                    "lastAuthenticatedDateTime",
                    json!("2026-03-01T21:00:00Z"),
                ),
                // Ahead of the evaluation time, within and beyond the five-minute skew.
                3 => set(
                    q,
                    s,
                    "lastAuthenticatedDateTime",
                    json!("2026-03-02T09:04:59Z"),
                ),
                _ => set(
                    q,
                    s,
                    "lastAuthenticatedDateTime",
                    json!("2026-03-02T09:05:01.5Z"),
                ),
            }
        }
    }
    out
}
