//! Shorthand to request: each case becomes the What If or activation body that `eval` and
//! `activate` read, so a case is checked by exactly the parser and checks real requests get.

use serde_json::{Map, Value, json};

use super::CaseKind;
use super::format::{OneOrMany, Resolved, Shorthand};
use super::names;
use crate::model::Tenant;

/// The method `proven: [mfa]` stands for: Entra's default second factor.
const MFA_ALIAS: &str = "microsoftAuthenticatorPush";

/// Keys only an activation reads.
const ACTIVATION_ONLY: [&str; 11] = [
    "role",
    "scope",
    "group",
    "access",
    "action",
    "duration",
    "start",
    "justification",
    "ticket",
    "ticketSystem",
    "validationOnly",
];

/// Keys only a sign-in reads.
const SIGN_IN_ONLY: [&str; 4] = ["servicePrincipal", "app", "userAction", "authContext"];

fn given(s: &Shorthand) -> Vec<&'static str> {
    let pairs: [(&'static str, bool); 15] = [
        ("role", s.role.is_some()),
        ("scope", s.scope.is_some()),
        ("group", s.group.is_some()),
        ("access", s.access.is_some()),
        ("action", s.action.is_some()),
        ("duration", s.duration.is_some()),
        ("start", s.start.is_some()),
        ("justification", s.justification.is_some()),
        ("ticket", s.ticket.is_some()),
        ("ticketSystem", s.ticket_system.is_some()),
        ("validationOnly", s.validation_only.is_some()),
        ("servicePrincipal", s.service_principal.is_some()),
        ("app", s.app.is_some()),
        ("userAction", s.user_action.is_some()),
        ("authContext", s.auth_context.is_some()),
    ];
    pairs
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(k, _)| k)
        .collect()
}

/// A case's own keys that its kind does not read (the file's defaults may hold keys for both
/// kinds; each case reads the ones it needs).
pub fn check_keys(case: &Shorthand, kind: CaseKind) -> Result<(), String> {
    let (wrong, name, other): (&[&str], _, _) = match kind {
        CaseKind::SignIn => (&ACTIVATION_ONLY, "signIn", "an activation"),
        CaseKind::Activation => (&SIGN_IN_ONLY, "activation", "a sign-in"),
    };
    match given(case).into_iter().find(|k| wrong.contains(k)) {
        Some(k) => Err(format!("{name}.{k}: `{k}` belongs to {other} case")),
        None => Ok(()),
    }
}

/// The What If body for a shorthand sign-in case (`case` names it in errors, e.g. `signIn`).
pub fn sign_in_body(tenant: &Tenant, s: &Resolved, case: &str) -> Result<Value, String> {
    let identity = match (&s.user, &s.service_principal) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "{case}: give `user` or `servicePrincipal`, not both"
            ));
        }
        (None, None) => {
            return Err(format!(
                "{case}: who signs in? give `user` (a sign-in name or id) or `servicePrincipal`"
            ));
        }
        (Some(_), None) => user_identity(tenant, s, case)?,
        (None, Some(sp)) => json!({
            "@odata.type": "#microsoft.graph.servicePrincipalSignIn",
            "servicePrincipalId": names::app_id(tenant, sp).map_err(|e| format!("{case}.servicePrincipal: {e}"))?,
        }),
    };
    let context = match (&s.app, &s.user_action, &s.auth_context) {
        (Some(OneOrMany(apps)), None, None) => {
            let mut ids = Vec::with_capacity(apps.len());
            for (i, app) in apps.iter().enumerate() {
                let at = if apps.len() == 1 {
                    format!("{case}.app")
                } else {
                    format!("{case}.app[{i}]")
                };
                ids.push(names::app_id(tenant, app).map_err(|e| format!("{at}: {e}"))?);
            }
            json!({"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ids})
        }
        (None, Some(action), None) => {
            json!({"@odata.type": "#microsoft.graph.userActionContext", "userAction": action})
        }
        (None, None, Some(cx)) => {
            json!({"@odata.type": "#microsoft.graph.authContext", "authenticationContextValue": cx})
        }
        (None, None, None) => {
            return Err(format!(
                "{case}: what is signed in to? give `app`, `userAction` or `authContext`"
            ));
        }
        _ => {
            return Err(format!(
                "{case}: give one of `app`, `userAction` or `authContext`"
            ));
        }
    };
    Ok(json!({
        "signInIdentity": identity,
        "signInContext": context,
        "signInConditions": conditions(s),
        "session": session(s, case)?,
    }))
}

/// The activation body for a shorthand activation case.
pub fn activation_body(tenant: &Tenant, s: &Resolved, case: &str) -> Result<Value, String> {
    let Some(user) = &s.user else {
        return Err(format!("{case}: who activates? give `user`"));
    };
    let principal = names::user_id(tenant, user).map_err(|e| format!("{case}.user: {e}"))?;
    let mut request = Map::new();
    match (&s.role, &s.group) {
        (Some(role), None) => {
            if s.access.is_some() {
                return Err(format!(
                    "{case}.access: `access` (member or owner) is for group activations"
                ));
            }
            request.insert(
                "@odata.type".into(),
                "#microsoft.graph.unifiedRoleAssignmentScheduleRequest".into(),
            );
            let role = names::role_id(role).map_err(|e| format!("{case}.role: {e}"))?;
            request.insert("roleDefinitionId".into(), role.into());
            request.insert(
                "directoryScopeId".into(),
                s.scope.clone().unwrap_or_else(|| "/".to_owned()).into(),
            );
        }
        (None, Some(group)) => {
            if s.scope.is_some() {
                return Err(format!("{case}.scope: `scope` is for role activations"));
            }
            request.insert(
                "@odata.type".into(),
                "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest".into(),
            );
            let group = names::group_id(tenant, group).map_err(|e| format!("{case}.group: {e}"))?;
            request.insert("groupId".into(), group.into());
            request.insert(
                "accessId".into(),
                s.access
                    .clone()
                    .unwrap_or_else(|| "member".to_owned())
                    .into(),
            );
        }
        (Some(_), Some(_)) => {
            return Err(format!("{case}: give `role` or `group`, not both"));
        }
        (None, None) => {
            return Err(format!(
                "{case}: what is activated? give `role` (a built-in role name or id) or `group`"
            ));
        }
    }
    request.insert(
        "action".into(),
        s.action
            .clone()
            .unwrap_or_else(|| "selfActivate".to_owned())
            .into(),
    );
    request.insert("principalId".into(), principal.clone().into());
    if let Some(j) = &s.justification {
        request.insert("justification".into(), j.clone().into());
    }
    let mut schedule = Map::new();
    if let Some(start) = &s.start {
        schedule.insert("startDateTime".into(), start.clone().into());
    }
    if let Some(duration) = &s.duration {
        schedule.insert(
            "expiration".into(),
            json!({"type": "afterDuration", "duration": duration}),
        );
    }
    request.insert("scheduleInfo".into(), Value::Object(schedule));
    if s.ticket.is_some() || s.ticket_system.is_some() {
        request.insert(
            "ticketInfo".into(),
            json!({"ticketNumber": s.ticket, "ticketSystem": s.ticket_system}),
        );
    }
    request.insert(
        "isValidationOnly".into(),
        s.validation_only.unwrap_or(false).into(),
    );
    Ok(json!({
        "request": request,
        "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": principal},
        "signInConditions": conditions(s),
        "session": session(s, case)?,
    }))
}

fn user_identity(tenant: &Tenant, s: &Resolved, case: &str) -> Result<Value, String> {
    let user = s.user.as_deref().unwrap_or_default();
    let id = names::user_id(tenant, user).map_err(|e| format!("{case}.user: {e}"))?;
    let mut identity = Map::new();
    identity.insert("@odata.type".into(), "#microsoft.graph.userSignIn".into());
    identity.insert("userId".into(), id.into());
    if let Some(OneOrMany(kinds)) = &s.guest {
        identity.insert("externalUserType".into(), kinds.join(",").into());
    }
    if let Some(tenant_id) = &s.home_tenant {
        identity.insert("externalTenantId".into(), tenant_id.clone().into());
    }
    Ok(Value::Object(identity))
}

fn conditions(s: &Resolved) -> Value {
    let mut c = Map::new();
    let mut put = |key: &str, v: &Option<String>| {
        if let Some(v) = v {
            c.insert(key.to_owned(), v.clone().into());
        }
    };
    put("devicePlatform", &s.platform);
    put("clientAppType", &s.client);
    put("ipAddress", &s.ip);
    put("country", &s.country);
    put("signInRiskLevel", &s.sign_in_risk);
    put("userRiskLevel", &s.user_risk);
    put("servicePrincipalRiskLevel", &s.service_principal_risk);
    put("insiderRiskLevel", &s.insider_risk);
    if let Some(flow) = &s.flow {
        c.insert("authenticationFlow".into(), json!({"transferMethod": flow}));
    }
    if let Some(device) = &s.device {
        c.insert("deviceInfo".into(), Value::Object(device.map.clone()));
    }
    if let Some(extra) = &s.conditions {
        c.extend(extra.map.clone());
    }
    Value::Object(c)
}

fn session(s: &Resolved, case: &str) -> Result<Value, String> {
    let Some(at) = &s.at else {
        return Err(format!(
            "{case}.at: when does the sign-in happen? give `at` (once for the file, in `defaults`)"
        ));
    };
    let mut out = Map::new();
    out.insert("time".into(), at.clone().into());
    let methods: Vec<String> = s
        .proven
        .as_ref()
        .map(|OneOrMany(m)| {
            m.iter()
                .map(|m| {
                    if m.eq_ignore_ascii_case("mfa") {
                        MFA_ALIAS.to_owned()
                    } else {
                        m.clone()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let second_factor = methods.iter().any(|m| !m.eq_ignore_ascii_case("password"));
    out.insert("authenticationMethods".into(), methods.into());
    // The shorthand's session is fresh: proven at `at` unless the case says when.
    out.insert(
        "lastAuthenticatedDateTime".into(),
        s.last_sign_in.clone().unwrap_or_else(|| at.clone()).into(),
    );
    match (&s.last_mfa, second_factor) {
        (Some(t), _) => {
            out.insert("lastMfaDateTime".into(), t.clone().into());
        }
        (None, true) => {
            out.insert("lastMfaDateTime".into(), at.clone().into());
        }
        (None, false) => {}
    }
    if let Some(OneOrMany(cx)) = &s.contexts {
        out.insert("satisfiedAuthenticationContexts".into(), cx.clone().into());
    }
    if let Some(OneOrMany(terms)) = &s.accepted_terms {
        out.insert("acceptedTermsOfUse".into(), terms.clone().into());
    }
    if let Some(extra) = &s.session {
        out.extend(extra.map.clone());
    }
    Ok(Value::Object(out))
}
