//! Sign-in scenarios for workload identities (§3.5): appId translation, ServicePrincipalsInMyTenant,
//! service principal risk, controls a service principal cannot satisfy, and policies that
//! configure users and clientApplications together (§3.3).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::signin::*;
use serde_json::{Value, json};

fn bundle() -> Value {
    json!({
        "directory": { "users": [
            { "id": uid(1), "userType": "Member" },
            { "id": uid(2), "userType": "Member" }
        ] },
        "servicePrincipals": [
            { "id": spid(1), "appId": appid(1), "displayName": "Build agent" },
            { "id": spid(2), "appId": appid(2), "displayName": "Backup job" }
        ]
    })
}

#[test]
fn service_principal_app_id_is_translated_to_its_object_id() {
    let t = tenant(
        &[
            Pol::new(1)
                .workload(json!({ "includeServicePrincipals": [spid(1)] }))
                .block(),
            // A user policy never applies to a service principal.
            Pol::new(2).mfa(),
        ],
        bundle(),
    );
    check(
        &t,
        &Req::sp(&appid(1)),
        &deny()
            .reason(blocked(1))
            .policies(vec![denied(1), not_applied(2, "workloadIdentities")]),
    );
    check(
        &t,
        &Req::sp(&appid(2)),
        &allow("notApplied").policies(vec![
            not_applied(1, "workloadIdentities"),
            not_applied(2, "workloadIdentities"),
        ]),
    );
}

#[test]
fn service_principal_without_bundle_entry_is_matched_literally() {
    let t = tenant(
        &[Pol::new(1)
            .workload(json!({ "includeServicePrincipals": [appid(7)] }))
            .block()],
        bundle(),
    );
    check(
        &t,
        &Req::sp(&appid(7)),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
}

#[test]
fn service_principals_in_my_tenant_with_an_exclusion() {
    let t = tenant(
        &[Pol::new(1)
            .workload(json!({
                "includeServicePrincipals": ["ServicePrincipalsInMyTenant"],
                "excludeServicePrincipals": [spid(2)]
            }))
            .block()],
        bundle(),
    );
    // Every service-principal sign-in, known to the bundle or not.
    for app in [appid(1), appid(9)] {
        check(
            &t,
            &Req::sp(&app),
            &deny().reason(blocked(1)).policies(vec![denied(1)]),
        );
    }
    // The exclusion names the object id; the request names the appId.
    check(
        &t,
        &Req::sp(&appid(2)),
        &allow("notApplied").policies(vec![not_applied(1, "workloadIdentities")]),
    );
}

#[test]
fn workload_policy_does_not_apply_to_users() {
    let t = tenant(
        &[Pol::new(1)
            .workload(json!({ "includeServicePrincipals": ["ServicePrincipalsInMyTenant"] }))
            .block()],
        bundle(),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &allow("notApplied").policies(vec![not_applied(1, "users")]),
    );
}

#[test]
fn non_block_control_on_a_workload_policy_denies() {
    let t = tenant(
        &[
            Pol::new(1)
                .workload(json!({ "includeServicePrincipals": [spid(1)] }))
                .mfa(),
            Pol::new(2)
                .workload(json!({ "includeServicePrincipals": [spid(1)] }))
                .grant("OR", &["compliantDevice"]),
        ],
        bundle(),
    );
    check(
        &t,
        &Req::sp(&appid(1)),
        &deny()
            .reason(unsatisfied(1, &["mfa"]))
            .reason(unsatisfied(2, &["compliantDevice"]))
            .policies(vec![denied(1), denied(2)]),
    );
}

#[test]
fn service_principal_risk_levels() {
    let t = tenant(
        &[Pol::new(1)
            .workload(json!({ "includeServicePrincipals": ["ServicePrincipalsInMyTenant"] }))
            .cond("servicePrincipalRiskLevels", json!(["high"]))
            .block()],
        bundle(),
    );
    check(
        &t,
        &Req::sp(&appid(1)).cond("servicePrincipalRiskLevel", json!("high")),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    // Absent means none; a mismatch is reported as workloadIdentities (§6 step 5).
    for r in [
        Req::sp(&appid(1)),
        Req::sp(&appid(1)).cond("servicePrincipalRiskLevel", json!("medium")),
    ] {
        check(
            &t,
            &r,
            &allow("notApplied").policies(vec![not_applied(1, "workloadIdentities")]),
        );
    }
}

#[test]
fn user_risk_conditions_on_a_workload_policy_are_ignored() {
    let t = tenant(
        &[Pol::new(1)
            .workload(json!({ "includeServicePrincipals": ["ServicePrincipalsInMyTenant"] }))
            .cond("signInRiskLevels", json!(["high"]))
            .cond("userRiskLevels", json!(["high"]))
            .block()],
        bundle(),
    );
    let out = check(
        &t,
        &Req::sp(&appid(1)),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    assert!(
        warned_about(&t, &out, "risk"),
        "warnings about the ignored risk conditions are expected\n{:#?}",
        tenant_warnings(&t)
    );
}

#[test]
fn policy_with_users_and_client_applications_matches_by_sign_in_kind() {
    let t = tenant(
        &[Pol::new(1)
            .users(json!({ "includeUsers": [uid(1)] }))
            .cond(
                "clientApplications",
                json!({ "includeServicePrincipals": [spid(1)] }),
            )
            .block()],
        bundle(),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &Req::user(&uid(2)).password_only(),
        &allow("notApplied").policies(vec![not_applied(1, "users")]),
    );
    check(
        &t,
        &Req::sp(&appid(1)),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &Req::sp(&appid(2)),
        &allow("notApplied").policies(vec![not_applied(1, "workloadIdentities")]),
    );
}

#[test]
fn exclusion_by_app_id_does_not_exempt_a_translated_service_principal() {
    // §3.5: the appId is translated to the object id when the bundle has an entry, and matched
    // literally only when there is none. Policies list object ids; an appId in
    // excludeServicePrincipals therefore does not name this known service principal.
    let t = tenant(
        &[Pol::new(1)
            .workload(json!({
                "includeServicePrincipals": ["ServicePrincipalsInMyTenant"],
                "excludeServicePrincipals": [appid(2)]
            }))
            .block()],
        bundle(),
    );
    check(
        &t,
        &Req::sp(&appid(2)),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
}
