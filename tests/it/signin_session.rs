//! Sign-in scenarios for session controls (§3.14): sign-in frequency and the stale session (§6
//! steps 6–7), and how session controls merge across policies (§6 step 12).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::signin::*;
use serde_json::{Value, json};

const USER: u32 = 1;
const PRIMARY: &str = "primaryAndSecondaryAuthentication";
const SECONDARY: &str = "secondaryAuthentication";

fn bundle() -> Value {
    json!({ "directory": { "users": [{ "id": uid(USER), "userType": "Member" }] } })
}

fn timed(value: i64, unit: &str, auth: &str) -> Value {
    json!({ "signInFrequency": {
        "isEnabled": true, "value": value, "type": unit,
        "authenticationType": auth, "frequencyInterval": "timeBased"
    } })
}

fn every_time(auth: &str) -> Value {
    json!({ "signInFrequency": {
        "isEnabled": true, "authenticationType": auth, "frequencyInterval": "everyTime"
    } })
}

/// A user who did password + push; the last full sign-in `auth` seconds and the last MFA `mfa`
/// seconds before `T` (or not proven).
fn signed_in(auth: Option<i64>, mfa: Option<i64>) -> Req {
    let mut r = Req::user(&uid(USER)).methods(&["password", "microsoftAuthenticatorPush"]);
    if let Some(a) = auth {
        r = r.session("lastAuthenticatedDateTime", json!(at(-a)));
    }
    if let Some(m) = mfa {
        r = r.session("lastMfaDateTime", json!(at(-m)));
    }
    r
}

fn stale(requirement: Value, policies: Vec<Value>) -> Expect {
    stepup().req(requirement).policies(policies)
}

// ----- §3.14 sign-in frequency ---------------------------------------------------------------------

#[test]
fn time_based_exactly_at_the_interval_is_stale() {
    let t = tenant(&[Pol::new(1).session(timed(1, "hours", PRIMARY))], bundle());
    let out = check(
        &t,
        &signed_in(Some(3600), Some(3600)),
        &stale(
            clause(
                vec![reauth(PRIMARY, "timeBased", Some(1), Some("hours"))],
                &[1],
            ),
            vec![step_up(1)],
        ),
    );
    // A step-up is not a deny: the session controls are still merged.
    assert_eq!(
        out.json["sessionControls"],
        json!({ "signInFrequency": {
            "frequencyInterval": "timeBased", "value": 1, "type": "hours",
            "authenticationType": PRIMARY, "policyIds": [pid(1)]
        } }),
        "{}",
        out.pretty()
    );
    check(
        &t,
        &signed_in(Some(3599), Some(3599)),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn time_based_in_days() {
    let t = tenant(&[Pol::new(1).session(timed(1, "days", PRIMARY))], bundle());
    check(
        &t,
        &signed_in(Some(86_400), Some(86_400)),
        &stale(
            clause(
                vec![reauth(PRIMARY, "timeBased", Some(1), Some("days"))],
                &[1],
            ),
            vec![step_up(1)],
        ),
    );
    check(
        &t,
        &signed_in(Some(86_399), Some(86_399)),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn every_time_allows_five_minutes() {
    let t = tenant(&[Pol::new(1).session(every_time(PRIMARY))], bundle());
    for secs in [299, 300] {
        check(
            &t,
            &signed_in(Some(secs), Some(secs)),
            &allow("success").policies(vec![success(1)]),
        );
    }
    check(
        &t,
        &signed_in(Some(301), Some(301)),
        &stale(
            clause(vec![reauth(PRIMARY, "everyTime", None, None)], &[1]),
            vec![step_up(1)],
        ),
    );
}

#[test]
fn secondary_authentication_is_measured_from_the_last_mfa() {
    let t = tenant(
        &[Pol::new(1).session(timed(4, "hours", SECONDARY))],
        bundle(),
    );
    check(
        &t,
        &signed_in(Some(60), Some(5 * 3600)),
        &stale(
            clause(
                vec![reauth(SECONDARY, "timeBased", Some(4), Some("hours"))],
                &[1],
            ),
            vec![step_up(1)],
        ),
    );
    check(
        &t,
        &signed_in(Some(5 * 3600), Some(60)),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn missing_reference_instant_is_stale() {
    let t = tenant(
        &[Pol::new(1).session(timed(12, "hours", PRIMARY))],
        bundle(),
    );
    check(
        &t,
        &signed_in(None, Some(60)),
        &stale(
            clause(
                vec![reauth(PRIMARY, "timeBased", Some(12), Some("hours"))],
                &[1],
            ),
            vec![step_up(1)],
        ),
    );
    let t2 = tenant(&[Pol::new(1).session(every_time(SECONDARY))], bundle());
    check(
        &t2,
        &signed_in(Some(60), None),
        &stale(
            clause(vec![reauth(SECONDARY, "everyTime", None, None)], &[1]),
            vec![step_up(1)],
        ),
    );
}

#[test]
fn reference_far_in_the_future_is_stale_and_warned() {
    let t = tenant(
        &[Pol::new(1).session(timed(12, "hours", PRIMARY))],
        bundle(),
    );
    // Four minutes ahead is tolerated.
    let ok = check(
        &t,
        &signed_in(Some(-240), Some(-240)),
        &allow("success").policies(vec![success(1)]),
    );
    assert!(ok.decision.warnings.is_empty(), "{}", ok.pretty());
    // Exactly five minutes ahead still is (the bound is inclusive).
    let edge = check(
        &t,
        &signed_in(Some(-300), Some(-300)),
        &allow("success").policies(vec![success(1)]),
    );
    assert!(edge.decision.warnings.is_empty(), "{}", edge.pretty());
    // More than five minutes ahead is not proof, and is warned about.
    let out = check(
        &t,
        &signed_in(Some(-301), Some(-301)),
        &stale(
            clause(
                vec![reauth(PRIMARY, "timeBased", Some(12), Some("hours"))],
                &[1],
            ),
            vec![step_up(1)],
        ),
    );
    assert!(!out.decision.warnings.is_empty(), "{}", out.pretty());
}

#[test]
fn stale_session_empties_the_method_set_for_every_policy() {
    let tou = guid(0x7e, 1);
    let t = tenant(
        &[
            Pol::new(1).session(every_time(PRIMARY)),
            Pol::new(2).mfa(),
            Pol::new(3).report_only().mfa(),
            Pol::new(4).grant("OR", &["compliantDevice"]),
            Pol::new(5).grant_json(json!({ "operator": "OR", "termsOfUse": [tou] })),
        ],
        bundle(),
    );
    check(
        &t,
        &signed_in(Some(600), Some(600))
            .cond("deviceInfo", json!({ "isCompliant": true }))
            .session("acceptedTermsOfUse", json!([tou])),
        &stepup()
            .req(clause(vec![reauth(PRIMARY, "everyTime", None, None)], &[1]))
            .req(clause(vec![mfa()], &[2]))
            .policies(vec![
                step_up(1),
                step_up(2),
                ro_interrupted(3),
                success(4),
                success(5),
            ]),
    );
}

#[test]
fn stale_session_also_empties_methods_for_strengths() {
    let t = tenant(
        &[
            Pol::new(1).session(timed(1, "hours", PRIMARY)),
            Pol::new(2).strength(PHISHING_RESISTANT),
        ],
        bundle(),
    );
    check(
        &t,
        &Req::user(&uid(USER))
            .methods(&["windowsHelloForBusiness"])
            .session("lastAuthenticatedDateTime", json!(at(-7200))),
        &stepup()
            .req(clause(
                vec![reauth(PRIMARY, "timeBased", Some(1), Some("hours"))],
                &[1],
            ))
            .req(clause(vec![phishing_resistant()], &[2]))
            .policies(vec![step_up(1), step_up(2)]),
    );
}

#[test]
fn report_only_frequency_does_not_make_the_session_stale() {
    let t = tenant(
        &[
            Pol::new(1).report_only().session(every_time(PRIMARY)),
            Pol::new(2).mfa(),
            Pol::new(3).report_only().mfa(),
        ],
        bundle(),
    );
    check(
        &t,
        &signed_in(Some(600), Some(600)),
        &allow("success").policies(vec![ro_interrupted(1), success(2), ro_success(3)]),
    );
}

#[test]
fn one_reauthentication_requirement_with_the_strictest_settings() {
    let t = tenant(
        &[
            Pol::new(1).session(timed(12, "hours", PRIMARY)),
            Pol::new(2).session(every_time(SECONDARY)),
            Pol::new(3).session(timed(1, "hours", SECONDARY)),
        ],
        bundle(),
    );
    check(
        &t,
        &signed_in(Some(13 * 3600), Some(13 * 3600)),
        &stale(
            clause(vec![reauth(PRIMARY, "everyTime", None, None)], &[1, 2, 3]),
            vec![step_up(1), step_up(2), step_up(3)],
        ),
    );
    let t2 = tenant(
        &[
            Pol::new(1).session(timed(12, "hours", SECONDARY)),
            Pol::new(2).session(timed(2, "hours", SECONDARY)),
        ],
        bundle(),
    );
    check(
        &t2,
        &signed_in(Some(60), Some(13 * 3600)),
        &stale(
            clause(
                vec![reauth(SECONDARY, "timeBased", Some(2), Some("hours"))],
                &[1, 2],
            ),
            vec![step_up(1), step_up(2)],
        ),
    );
}

#[test]
fn only_failing_policies_shape_the_reauthentication_requirement() {
    // Policy 1 (24 h, primary) is fresh; policy 2 (1 h, secondary) is stale.
    let t = tenant(
        &[
            Pol::new(1).session(timed(24, "hours", PRIMARY)),
            Pol::new(2).session(timed(1, "hours", SECONDARY)),
        ],
        bundle(),
    );
    check(
        &t,
        &signed_in(Some(13 * 3600), Some(13 * 3600)),
        &stale(
            clause(
                vec![reauth(SECONDARY, "timeBased", Some(1), Some("hours"))],
                &[2],
            ),
            vec![success(1), step_up(2)],
        ),
    );
}

// ----- §3.14 combining session controls ------------------------------------------------------------

fn fresh() -> Req {
    signed_in(Some(60), Some(60))
}

#[test]
fn session_controls_merge_strictest_wins_with_policy_ids() {
    let t = tenant(
        &[
            Pol::new(1).session(json!({ "persistentBrowser": { "isEnabled": true, "mode": "always" } })),
            Pol::new(2).session(json!({ "persistentBrowser": { "isEnabled": true, "mode": "never" } })),
            Pol::new(3).session(json!({ "cloudAppSecurity": { "isEnabled": true, "cloudAppSecurityType": "monitorOnly" } })),
            Pol::new(4).session(json!({ "cloudAppSecurity": { "isEnabled": true, "cloudAppSecurityType": "blockDownloads" } })),
            Pol::new(5).session(json!({ "cloudAppSecurity": { "isEnabled": true, "cloudAppSecurityType": "mcasConfigured" } })),
            Pol::new(6).session(json!({ "applicationEnforcedRestrictions": { "isEnabled": true } })),
            Pol::new(7).session(json!({
                "applicationEnforcedRestrictions": { "isEnabled": false },
                "secureSignInSession": { "isEnabled": true }
            })),
            Pol::new(8).session(json!({ "disableResilienceDefaults": true })),
            Pol::new(9).session(json!({ "continuousAccessEvaluation": { "mode": "strictEnforcement" } })),
            Pol::new(10).session(json!({ "continuousAccessEvaluation": { "mode": "strictLocation" } })),
            Pol::new(11).session(json!({ "persistentBrowser": { "isEnabled": false, "mode": "always" } })),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &fresh(),
        &allow("success").policies((1..=11).map(success).collect()),
    );
    assert_eq!(
        out.json["sessionControls"],
        json!({
            "persistentBrowser": { "mode": "never", "policyIds": [pid(2)] },
            "cloudAppSecurity": { "mode": "blockDownloads", "policyIds": [pid(4)] },
            "continuousAccessEvaluation": { "mode": "strictLocation", "policyIds": [pid(10)] },
            "applicationEnforcedRestrictions": { "isEnabled": true, "policyIds": [pid(6)] },
            "secureSignInSession": { "isEnabled": true, "policyIds": [pid(7)] },
            "disableResilienceDefaults": { "isEnabled": true, "policyIds": [pid(8)] }
        }),
        "{}",
        out.pretty()
    );
}

#[test]
fn equal_session_settings_list_every_contributing_policy() {
    let t = tenant(
        &[
            Pol::new(1).session(json!({
                "persistentBrowser": { "isEnabled": true, "mode": "always" },
                "applicationEnforcedRestrictions": { "isEnabled": true }
            })),
            Pol::new(2).session(json!({
                "persistentBrowser": { "isEnabled": true, "mode": "always" },
                "applicationEnforcedRestrictions": { "isEnabled": true }
            })),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &fresh(),
        &allow("success").policies(vec![success(1), success(2)]),
    );
    assert_eq!(
        out.json["sessionControls"],
        json!({
            "persistentBrowser": { "mode": "always", "policyIds": [pid(1), pid(2)] },
            "applicationEnforcedRestrictions": { "isEnabled": true, "policyIds": [pid(1), pid(2)] }
        }),
        "{}",
        out.pretty()
    );
}

#[test]
fn shortest_sign_in_frequency_wins() {
    let t = tenant(
        &[
            Pol::new(1).session(timed(12, "hours", PRIMARY)),
            Pol::new(2).session(timed(4, "hours", PRIMARY)),
            Pol::new(3).session(timed(1, "days", PRIMARY)),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &fresh(),
        &allow("success").policies(vec![success(1), success(2), success(3)]),
    );
    let sif = &out.json["sessionControls"]["signInFrequency"];
    assert_eq!(
        sif["frequencyInterval"],
        json!("timeBased"),
        "{}",
        out.pretty()
    );
    assert_eq!(sif["value"], json!(4), "{}", out.pretty());
    assert_eq!(sif["type"], json!("hours"), "{}", out.pretty());
    assert_eq!(
        sif["authenticationType"],
        json!(PRIMARY),
        "{}",
        out.pretty()
    );
}

#[test]
fn sign_in_frequency_session_control_lists_the_winning_policy() {
    // §3.14: "Each effective control lists the policyIds that contributed it"; as for the other
    // strictest-wins controls, a policy whose longer interval lost did not contribute.
    let t = tenant(
        &[
            Pol::new(1).session(timed(12, "hours", PRIMARY)),
            Pol::new(2).session(timed(4, "hours", PRIMARY)),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &fresh(),
        &allow("success").policies(vec![success(1), success(2)]),
    );
    assert_eq!(
        out.json["sessionControls"]["signInFrequency"]["policyIds"],
        json!([pid(2)]),
        "{}",
        out.pretty()
    );
}

#[test]
fn report_only_and_non_applying_policies_contribute_nothing() {
    let t = tenant(
        &[
            Pol::new(1)
                .session(json!({ "persistentBrowser": { "isEnabled": true, "mode": "always" } })),
            Pol::new(2)
                .report_only()
                .session(json!({ "persistentBrowser": { "isEnabled": true, "mode": "never" } })),
            Pol::new(3).report_only().session(json!({
                "cloudAppSecurity": { "isEnabled": true, "cloudAppSecurityType": "blockDownloads" }
            })),
            Pol::new(4)
                .users(json!({ "includeUsers": ["All"], "excludeUsers": [uid(USER)] }))
                .session(json!({ "disableResilienceDefaults": true })),
            Pol::new(5)
                .disabled()
                .session(json!({ "secureSignInSession": { "isEnabled": true } })),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &fresh(),
        &allow("success").policies(vec![
            success(1),
            ro_success(2),
            ro_success(3),
            not_applied(4, "users"),
            not_enabled(5),
        ]),
    );
    assert_eq!(
        out.json["sessionControls"],
        json!({ "persistentBrowser": { "mode": "always", "policyIds": [pid(1)] } }),
        "{}",
        out.pretty()
    );
}

#[test]
fn a_denied_sign_in_has_no_session_controls() {
    let t = tenant(
        &[
            Pol::new(1)
                .session(json!({ "persistentBrowser": { "isEnabled": true, "mode": "never" } })),
            Pol::new(2).block(),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &fresh(),
        &deny()
            .reason(blocked(2))
            .policies(vec![success(1), denied(2)]),
    );
    assert_eq!(out.json["sessionControls"], json!({}), "{}", out.pretty());
}

#[test]
fn disabled_sign_in_frequency_is_ignored() {
    let t = tenant(
        &[Pol::new(1).session(json!({ "signInFrequency": {
            "isEnabled": false, "value": 1, "type": "hours",
            "authenticationType": PRIMARY, "frequencyInterval": "timeBased"
        } }))],
        bundle(),
    );
    let out = check(
        &t,
        &signed_in(None, None),
        &allow("success").policies(vec![success(1)]),
    );
    assert_eq!(out.json["sessionControls"], json!({}), "{}", out.pretty());
}

#[test]
fn every_time_is_the_shortest_sign_in_frequency() {
    let t = tenant(
        &[
            Pol::new(1).session(timed(1, "hours", PRIMARY)),
            Pol::new(2).session(every_time(PRIMARY)),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &fresh(),
        &allow("success").policies(vec![success(1), success(2)]),
    );
    let sif = &out.json["sessionControls"]["signInFrequency"];
    assert_eq!(
        sif["frequencyInterval"],
        json!("everyTime"),
        "{}",
        out.pretty()
    );
    assert!(sif.get("value").is_none(), "{}", out.pretty());
    assert!(sif.get("type").is_none(), "{}", out.pretty());
}

/// Ties are broken by value, not by policy order: 24 hours and 1 day give the hours form,
/// pass-through controls are listed by name and value, and of two unknown modes of equal rank
/// the one that sorts first wins.
#[test]
fn equal_session_controls_merge_the_same_in_either_policy_order() {
    let day = Pol::new(1).session(json!({
        "signInFrequency": {"isEnabled": true, "value": 1, "type": "days",
            "authenticationType": PRIMARY, "frequencyInterval": "timeBased"},
        "globalSecureAccessFilteringProfile": {"profileId": "b"},
        "continuousAccessEvaluation": {"mode": "futureModeB"}
    }));
    let hours = Pol::new(2).session(json!({
        "signInFrequency": {"isEnabled": true, "value": 24, "type": "hours",
            "authenticationType": PRIMARY, "frequencyInterval": "timeBased"},
        "globalSecureAccessFilteringProfile": {"profileId": "a"},
        "continuousAccessEvaluation": {"mode": "futureModeA"}
    }));
    let mut seen = Vec::new();
    for order in [[day.clone(), hours.clone()], [hours, day]] {
        let t = tenant(&order, bundle());
        let out = check(
            &t,
            &fresh(),
            &allow("success").policies(
                order
                    .iter()
                    .map(|p| {
                        let n = if p.0["id"] == json!(pid(1)) { 1 } else { 2 };
                        success(n)
                    })
                    .collect(),
            ),
        );
        let controls = &out.json["sessionControls"];
        let sif = &controls["signInFrequency"];
        assert_eq!(
            (&sif["value"], &sif["type"]),
            (&json!(24), &json!("hours")),
            "{}",
            out.pretty()
        );
        let names: Vec<&Value> = controls["passthrough"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["value"]["profileId"])
            .collect();
        assert_eq!(names, [&json!("a"), &json!("b")], "{}", out.pretty());
        // Two modes this version does not know rank alike: the one that sorts first wins.
        assert_eq!(
            controls["continuousAccessEvaluation"]["mode"],
            json!("futureModeA"),
            "{}",
            out.pretty()
        );
        // Contributing policies are listed in policy order; everything else is equal.
        let mut controls = controls.clone();
        for control in ["signInFrequency", "continuousAccessEvaluation"] {
            controls[control]
                .as_object_mut()
                .unwrap()
                .remove("policyIds");
        }
        seen.push(controls);
    }
    assert_eq!(seen[0], seen[1]);
}
