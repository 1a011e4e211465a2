//! Sign-in scenarios for target resources (SEMANTICS §3.6): applications and application groups,
//! user actions, authentication contexts, and policies without identity or target.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::signin::*;
use serde_json::json;

const USER: u32 = 1;

fn users() -> serde_json::Value {
    json!({ "users": [{ "id": uid(USER), "userType": "Member" }] })
}

// ----- §3.6.1, §3.6.4: applications and application groups --------------------------------------

#[test]
fn office365_and_admin_portals_are_resolved_from_application_groups() {
    let t = tenant(
        &[
            Pol::new(1)
                .apps(json!({ "includeApplications": ["Office365"] }))
                .mfa(),
            Pol::new(2)
                .apps(json!({ "includeApplications": ["MicrosoftAdminPortals"] }))
                .block(),
            // Session-only policy for everything except the two groups.
            Pol::new(3)
                .apps(json!({
                    "includeApplications": ["All"],
                    "excludeApplications": ["Office365", "MicrosoftAdminPortals"]
                }))
                .session(json!({ "applicationEnforcedRestrictions": { "isEnabled": true } })),
        ],
        json!({
            "directory": users(),
            "applicationGroups": { "Office365": [EXO, SPO], "MicrosoftAdminPortals": [PORTAL] }
        }),
    );
    let u = || Req::user(&uid(USER)).password_only();
    check(
        &t,
        &u().apps(&[EXO]),
        &stepup().req(clause(vec![mfa()], &[1])).policies(vec![
            step_up(1),
            not_applied(2, "application"),
            not_applied(3, "application"),
        ]),
    );
    check(
        &t,
        &u().apps(&[PORTAL]),
        &deny().reason(blocked(2)).policies(vec![
            not_applied(1, "application"),
            denied(2),
            not_applied(3, "application"),
        ]),
    );
    // An app that is in neither group matches neither keyword.
    check(
        &t,
        &u().apps(&[LOB]),
        &allow("success").policies(vec![
            not_applied(1, "application"),
            not_applied(2, "application"),
            success(3),
        ]),
    );
    // Several resources: a policy applies when at least one requested app is in its scope.
    check(
        &t,
        &u().apps(&[LOB, SPO]),
        &stepup().req(clause(vec![mfa()], &[1])).policies(vec![
            step_up(1),
            not_applied(2, "application"),
            success(3),
        ]),
    );
}

#[test]
fn a_group_the_bundle_does_not_list_uses_the_built_in_members() {
    // The bundle lists Office365 only; MicrosoftAdminPortals keeps Microsoft's documented list.
    let t = tenant(
        &[
            Pol::new(1)
                .apps(json!({ "includeApplications": ["MicrosoftAdminPortals"] }))
                .block(),
            Pol::new(2)
                .apps(json!({
                    "includeApplications": ["All"],
                    "excludeApplications": ["MicrosoftAdminPortals"]
                }))
                .mfa(),
        ],
        json!({ "directory": users(), "applicationGroups": { "Office365": [EXO] } }),
    );
    check(
        &t,
        &Req::user(&uid(USER)).password_only().apps(&[PORTAL]),
        &deny()
            .reason(blocked(1))
            .policies(vec![denied(1), not_applied(2, "application")]),
    );
    check(
        &t,
        &Req::user(&uid(USER)).password_only().apps(&[LOB]),
        &stepup()
            .req(clause(vec![mfa()], &[2]))
            .policies(vec![not_applied(1, "application"), step_up(2)]),
    );
    let warnings = tenant_warnings(&t);
    assert!(
        !warnings
            .iter()
            .any(|w| w.message.contains("MicrosoftAdminPortals")),
        "no application group is missing any more\n{warnings:#?}"
    );
}

/// Every built-in member decides the same whether the bundle lists the groups (with exactly the
/// built-in members) or leaves them out, in both engines (§3.6 rule 4).
#[test]
fn every_built_in_member_decides_the_same_with_and_without_application_groups() {
    use jitgate::unstable::model::{ADMIN_PORTALS, OFFICE_365};
    let ids = |list: &[(&'static str, &'static str)]| -> Vec<&'static str> {
        list.iter().map(|(_, id)| *id).collect()
    };
    let policies = [
        Pol::new(1)
            .apps(json!({ "includeApplications": ["Office365"] }))
            .mfa(),
        Pol::new(2)
            .apps(json!({ "includeApplications": ["MicrosoftAdminPortals"] }))
            .block(),
    ];
    let without = tenant(&policies, json!({ "directory": users() }));
    let listed = tenant(
        &policies,
        json!({
            "directory": users(),
            "applicationGroups": { "Office365": ids(OFFICE_365), "MicrosoftAdminPortals": ids(ADMIN_PORTALS) }
        }),
    );
    let compiled = jitgate::Snapshot::compile(without.clone());
    for (name, app) in OFFICE_365.iter().chain(ADMIN_PORTALS) {
        let req = Req::user(&uid(USER)).password_only().apps(&[app]);
        let a = eval(&without, &req);
        let b = eval(&listed, &req);
        assert_eq!(a.json["decision"], b.json["decision"], "{name}");
        assert_eq!(a.json["policies"], b.json["policies"], "{name}");
        assert_eq!(a.json["requirements"], b.json["requirements"], "{name}");
        let in_o365 = OFFICE_365.iter().any(|(_, id)| id == app);
        let in_portals = ADMIN_PORTALS.iter().any(|(_, id)| id == app);
        let expected = if in_portals {
            "deny"
        } else if in_o365 {
            "stepUp"
        } else {
            "allow"
        };
        assert_eq!(a.json["decision"], expected, "{name} {app}");
        let parsed = jitgate::SignInRequest::from_json(&req.0.to_string()).unwrap();
        let c =
            serde_json::to_value(compiled.evaluate(&parsed, jitgate::Explain::Policies)).unwrap();
        assert_eq!(c, a.json, "compiled engine on {name}");
    }
}

#[test]
fn a_listed_group_replaces_the_built_in_members() {
    // The bundle's Office365 holds Exchange only: SharePoint, a built-in member, is no longer in it.
    let t = tenant(
        &[Pol::new(1)
            .apps(json!({ "includeApplications": ["Office365"] }))
            .block()],
        json!({ "directory": users(), "applicationGroups": { "Office365": [EXO] } }),
    );
    check(
        &t,
        &Req::user(&uid(USER)).password_only().apps(&[EXO]),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &Req::user(&uid(USER)).password_only().apps(&[SPO]),
        &allow("notApplied").policies(vec![not_applied(1, "application")]),
    );
    // An empty list is a group with no member.
    let empty = tenant(
        &[Pol::new(1)
            .apps(json!({ "includeApplications": ["Office365"] }))
            .block()],
        json!({ "directory": users(), "applicationGroups": { "Office365": [] } }),
    );
    check(
        &empty,
        &Req::user(&uid(USER)).password_only().apps(&[EXO]),
        &allow("notApplied").policies(vec![not_applied(1, "application")]),
    );
}

#[test]
fn excluded_app_is_out_of_scope_and_none_matches_nothing() {
    let t = tenant(
        &[
            Pol::new(1)
                .apps(json!({ "includeApplications": ["All"], "excludeApplications": [LOB] }))
                .block(),
            Pol::new(2)
                .apps(json!({ "includeApplications": ["None"] }))
                .block(),
            Pol::new(3)
                .apps(json!({ "includeApplications": [LOB] }))
                .mfa(),
        ],
        json!({ "directory": users() }),
    );
    check(
        &t,
        &Req::user(&uid(USER)).password_only().apps(&[LOB]),
        &stepup().req(clause(vec![mfa()], &[3])).policies(vec![
            not_applied(1, "application"),
            not_applied(2, "application"),
            step_up(3),
        ]),
    );
}

// ----- §3.6.2: user actions ----------------------------------------------------------------------

fn user_action_tenant() -> jitgate::Tenant {
    tenant(
        &[
            Pol::new(1)
                .apps(json!({ "includeUserActions": ["urn:user:registersecurityinfo"] }))
                .mfa(),
            Pol::new(2)
                .apps(json!({ "includeUserActions": ["urn:user:registerdevice"] }))
                .strength(PHISHING_RESISTANT),
            Pol::new(3).block(),
            Pol::new(4)
                .apps(json!({ "includeAuthenticationContextClassReferences": ["c1"] }))
                .block(),
        ],
        json!({
            "directory": users(),
            "authenticationContextClassReferences": [
                { "id": "c1", "displayName": "Sensitive", "isAvailable": true }
            ]
        }),
    )
}

#[test]
fn register_security_information_matches_only_its_user_action() {
    let t = user_action_tenant();
    check(
        &t,
        &Req::user(&uid(USER))
            .password_only()
            .user_action("registerSecurityInformation"),
        &stepup().req(clause(vec![mfa()], &[1])).policies(vec![
            step_up(1),
            not_applied(2, "userActions"),
            not_applied(3, "userActions"),
            not_applied(4, "userActions"),
        ]),
    );
}

#[test]
fn register_or_join_devices_matches_only_its_user_action() {
    let t = user_action_tenant();
    check(
        &t,
        &Req::user(&uid(USER))
            .password_only()
            .user_action("registerOrJoinDevices"),
        &stepup()
            .req(clause(vec![phishing_resistant()], &[2]))
            .policies(vec![
                not_applied(1, "userActions"),
                step_up(2),
                not_applied(3, "userActions"),
                not_applied(4, "userActions"),
            ]),
    );
}

#[test]
fn user_action_policies_do_not_match_application_sign_ins() {
    let t = user_action_tenant();
    check(
        &t,
        &Req::user(&uid(USER)).password_only().apps(&[LOB]),
        &deny().reason(blocked(3)).policies(vec![
            not_applied(1, "application"),
            not_applied(2, "application"),
            denied(3),
            not_applied(4, "application"),
        ]),
    );
}

// ----- §3.6.3, §6 step 14: authentication contexts -----------------------------------------------

fn auth_context_tenant() -> jitgate::Tenant {
    tenant(
        &[
            Pol::new(1)
                .apps(json!({ "includeAuthenticationContextClassReferences": ["c1"] }))
                .mfa(),
            Pol::new(2)
                .apps(json!({ "includeAuthenticationContextClassReferences": ["c2"] }))
                .strength(PHISHING_RESISTANT),
            // Targets all apps: does not match an authContext evaluation (§12 #18).
            Pol::new(3).block(),
            Pol::new(4)
                .apps(json!({ "includeUserActions": ["urn:user:registersecurityinfo"] }))
                .block(),
        ],
        json!({
            "directory": users(),
            "authenticationContextClassReferences": [
                { "id": "c1", "displayName": "Sensitive", "isAvailable": true },
                { "id": "c2", "displayName": "Very sensitive", "isAvailable": true }
            ]
        }),
    )
}

#[test]
fn only_policies_targeting_the_context_match_and_step_up_carries_the_claims_challenge() {
    let t = auth_context_tenant();
    let out = check(
        &t,
        &Req::user(&uid(USER)).password_only().auth_context("c1"),
        &stepup().req(clause(vec![mfa()], &[1])).policies(vec![
            step_up(1),
            not_applied(2, "authenticationContext"),
            not_applied(3, "authenticationContext"),
            not_applied(4, "authenticationContext"),
        ]),
    );
    assert_eq!(
        out.json["claimsChallenge"],
        json!(r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#),
        "{}",
        out.pretty()
    );
}

#[test]
fn auth_context_is_compared_case_insensitively() {
    let t = auth_context_tenant();
    check(
        &t,
        &Req::user(&uid(USER)).password_only().auth_context("C2"),
        &stepup()
            .req(clause(vec![phishing_resistant()], &[2]))
            .policies(vec![
                not_applied(1, "authenticationContext"),
                step_up(2),
                not_applied(3, "authenticationContext"),
                not_applied(4, "authenticationContext"),
            ]),
    );
}

#[test]
fn satisfied_auth_context_allows_without_claims_challenge() {
    let t = auth_context_tenant();
    let out = check(
        &t,
        &Req::user(&uid(USER)).mfa_done().auth_context("c1"),
        &allow("success").policies(vec![
            success(1),
            not_applied(2, "authenticationContext"),
            not_applied(3, "authenticationContext"),
            not_applied(4, "authenticationContext"),
        ]),
    );
    assert!(
        out.json.get("claimsChallenge").is_none(),
        "claimsChallenge only accompanies a stepUp\n{}",
        out.pretty()
    );
}

#[test]
fn untargeted_auth_context_allows() {
    let t = auth_context_tenant();
    let out = check(
        &t,
        &Req::user(&uid(USER)).password_only().auth_context("c3"),
        &allow("notApplied").policies(vec![
            not_applied(1, "authenticationContext"),
            not_applied(2, "authenticationContext"),
            not_applied(3, "authenticationContext"),
            not_applied(4, "authenticationContext"),
        ]),
    );
    assert!(
        out.json.get("claimsChallenge").is_none(),
        "{}",
        out.pretty()
    );
}

// ----- §3.3, §6 step 5: emptyPolicy --------------------------------------------------------------

#[test]
fn policy_without_identity_or_target_is_an_empty_policy() {
    let t = tenant(
        &[
            // No users and no clientApplications.
            Pol::new(1).without("users").block(),
            // No target resource.
            Pol::new(2).without("applications").block(),
            // Applications present but with no target kind populated.
            Pol::new(3)
                .apps(json!({ "includeApplications": [], "includeUserActions": [] }))
                .block(),
        ],
        json!({ "directory": users() }),
    );
    check(
        &t,
        &Req::user(&uid(USER)).password_only(),
        &allow("notApplied").policies(vec![
            not_applied(1, "emptyPolicy"),
            not_applied(2, "emptyPolicy"),
            not_applied(3, "emptyPolicy"),
        ]),
    );
}

#[test]
fn policy_with_several_target_kinds_matches_if_any_kind_matches() {
    // §3.6.6: more than one target kind is a warning; the policy matches if any populated kind does.
    let t = tenant(
        &[Pol::new(1)
            .apps(json!({
                "includeApplications": [LOB],
                "includeUserActions": ["urn:user:registersecurityinfo"]
            }))
            .block()],
        json!({ "directory": users() }),
    );
    let u = || Req::user(&uid(USER)).password_only();
    check(
        &t,
        &u().apps(&[LOB]),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &u().user_action("registerSecurityInformation"),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &u().apps(&[EXO]),
        &allow("notApplied").policies(vec![not_applied(1, "application")]),
    );
}

#[test]
fn unknown_application_keyword_matches_nothing_and_warns() {
    // §1.5, §3.6.5: a bare word that is not a keyword for the list is an Unknown keyword.
    let t = tenant(
        &[
            Pol::new(1)
                .apps(json!({ "includeApplications": ["AllAgentIdResources"] }))
                .block(),
            Pol::new(2)
                .apps(json!({
                    "includeApplications": ["All"],
                    "excludeApplications": ["AllAgentIdResources"]
                }))
                .mfa(),
        ],
        json!({ "directory": users() }),
    );
    let out = check(
        &t,
        &Req::user(&uid(USER)).password_only().apps(&[LOB]),
        &stepup()
            .req(clause(vec![mfa()], &[2]))
            .policies(vec![not_applied(1, "application"), step_up(2)]),
    );
    assert!(
        warned_about(&t, &out, "AllAgentIdResources"),
        "{:#?}",
        tenant_warnings(&t)
    );
}

#[test]
fn auth_context_missing_from_the_bundle_still_matches_with_a_warning() {
    // §4.3: a referenced context that is missing or unavailable is a warning; evaluation is
    // unaffected.
    let t = tenant(
        &[
            Pol::new(1)
                .apps(json!({ "includeAuthenticationContextClassReferences": ["c5"] }))
                .mfa(),
            Pol::new(2)
                .apps(json!({ "includeAuthenticationContextClassReferences": ["c6"] }))
                .mfa(),
        ],
        json!({
            "directory": users(),
            "authenticationContextClassReferences": [
                { "id": "c6", "displayName": "Unpublished", "isAvailable": false }
            ]
        }),
    );
    let out = check(
        &t,
        &Req::user(&uid(USER)).password_only().auth_context("c5"),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .policies(vec![step_up(1), not_applied(2, "authenticationContext")]),
    );
    assert!(warned_about(&t, &out, "c5"), "{:#?}", tenant_warnings(&t));
    check(
        &t,
        &Req::user(&uid(USER)).password_only().auth_context("c6"),
        &stepup()
            .req(clause(vec![mfa()], &[2]))
            .policies(vec![not_applied(1, "authenticationContext"), step_up(2)]),
    );
    assert!(warned_about(&t, &out, "c6"), "{:#?}", tenant_warnings(&t));
}
