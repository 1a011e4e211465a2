//! Sign-in scenarios for grant controls (§3.13), authentication strengths (§4.2) and how the
//! enforced policies' results combine into one decision (§6 steps 8–11).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::signin::*;
use serde_json::{Value, json};

const USER: u32 = 1;
const YUBIKEY: &str = "cb69481e-8ff7-4039-93ec-0a2729a154a8";
const OTHER_KEY: &str = "ee882879-721c-4913-9775-3dfcce97072a";

fn directory() -> Value {
    json!({ "users": [{ "id": uid(USER), "userType": "Member" }] })
}

fn bundle() -> Value {
    json!({ "directory": directory() })
}

fn user() -> Req {
    Req::user(&uid(USER))
}

fn compliant() -> Value {
    json!({ "deviceId": "a1d7c3e2-5b64-4f0e-8c2a-91e3d7b4f605", "isCompliant": true,
            "trustType": "AzureAD" })
}

fn not_compliant() -> Value {
    json!({ "deviceId": "a1d7c3e2-5b64-4f0e-8c2a-91e3d7b4f605", "isCompliant": false,
            "trustType": "Workplace" })
}

fn tou(n: u32) -> String {
    guid(0x7e, n)
}

fn sid(n: u32) -> String {
    guid(0x5a, n)
}

// ----- §3.13 AND / OR -----------------------------------------------------------------------------

#[test]
fn and_needs_every_control() {
    let t = tenant(
        &[Pol::new(1).grant("AND", &["mfa", "compliantDevice"])],
        bundle(),
    );
    // The device is compliant; MFA is still missing: one clause.
    check(
        &t,
        &user().password_only().cond("deviceInfo", compliant()),
        &stepup().req(clause(vec![mfa()], &[1])).policies(vec![with(
            step_up(1),
            "unsatisfiedControls",
            json!(["mfa"]),
        )]),
    );
    // A failed non-interactive control under AND denies, listing only the failed non-interactive
    // controls.
    check(
        &t,
        &user().password_only().cond("deviceInfo", not_compliant()),
        &deny()
            .reason(unsatisfied(1, &["compliantDevice"]))
            .policies(vec![denied(1)]),
    );
    check(
        &t,
        &user().mfa_done().cond("deviceInfo", compliant()),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn and_with_several_interactive_controls_gives_one_clause_each() {
    let t = tenant(
        &[Pol::new(1).grant_json(json!({
            "operator": "AND",
            "builtInControls": ["mfa"],
            "termsOfUse": [tou(1)]
        }))],
        bundle(),
    );
    check(
        &t,
        &user().password_only(),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .req(clause(vec![terms(&tou(1))], &[1]))
            .policies(vec![step_up(1)]),
    );
    // Only the terms are left once MFA is done.
    check(
        &t,
        &user().mfa_done(),
        &stepup()
            .req(clause(vec![terms(&tou(1))], &[1]))
            .policies(vec![step_up(1)]),
    );
}

#[test]
fn or_is_satisfied_by_any_control() {
    let t = tenant(
        &[Pol::new(1).grant("OR", &["mfa", "compliantDevice"])],
        bundle(),
    );
    check(
        &t,
        &user().password_only().cond("deviceInfo", compliant()),
        &allow("success").policies(vec![success(1)]),
    );
    check(
        &t,
        &user().mfa_done().cond("deviceInfo", not_compliant()),
        &allow("success").policies(vec![success(1)]),
    );
    // Nothing satisfied: one clause with every interactive control (the device cannot be fixed by
    // a prompt, so only MFA is offered).
    check(
        &t,
        &user().password_only().cond("deviceInfo", not_compliant()),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .policies(vec![step_up(1)]),
    );
}

#[test]
fn or_of_non_interactive_controls_denies_when_none_is_met() {
    let controls = [
        "compliantDevice",
        "domainJoinedDevice",
        "approvedApplication",
        "compliantApplication",
    ];
    let t = tenant(&[Pol::new(1).grant("OR", &controls)], bundle());
    check(
        &t,
        &user().password_only().cond("deviceInfo", not_compliant()),
        &deny()
            .reason(unsatisfied(1, &controls))
            .policies(vec![denied(1)]),
    );
    // Each control alone is enough.
    let mut hybrid = not_compliant();
    hybrid["trustType"] = json!("ServerAD");
    for r in [
        user().password_only().cond("deviceInfo", compliant()),
        user().password_only().cond("deviceInfo", hybrid),
        user()
            .password_only()
            .session("approvedClientApp", json!(true)),
        user()
            .password_only()
            .session("appProtectionPolicy", json!(true)),
    ] {
        check(&t, &r, &allow("success").policies(vec![success(1)]));
    }
}

#[test]
fn operators_and_controls_are_case_insensitive() {
    // §1.3.1: "operator": "and", PascalCase controls.
    let t = tenant(
        &[Pol::new(1).grant("and", &["Mfa", "CompliantDevice"])],
        bundle(),
    );
    check(
        &t,
        &user().password_only().cond("deviceInfo", compliant()),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .policies(vec![step_up(1)]),
    );
}

// ----- §3.13.2, §6 step 11.1: block and deny --------------------------------------------------------

#[test]
fn block_wins_over_other_controls() {
    let t = tenant(
        &[
            Pol::new(1).grant("OR", &["block", "mfa"]),
            Pol::new(2).grant("AND", &["mfa", "block"]),
            Pol::new(3).mfa(),
        ],
        bundle(),
    );
    // Even with MFA done, block denies; a denied decision carries no requirements.
    check(
        &t,
        &user().mfa_done(),
        &deny().reason(blocked(1)).reason(blocked(2)).policies(vec![
            denied(1),
            denied(2),
            success(3),
        ]),
    );
    check(
        &t,
        &user().password_only(),
        &deny().reason(blocked(1)).reason(blocked(2)).policies(vec![
            denied(1),
            denied(2),
            step_up(3),
        ]),
    );
}

#[test]
fn every_denying_policy_is_listed() {
    let t = tenant(
        &[
            Pol::new(1).mfa(),
            Pol::new(2).block(),
            Pol::new(3).grant("OR", &["compliantDevice"]),
        ],
        bundle(),
    );
    check(
        &t,
        &user().password_only(),
        &deny()
            .reason(blocked(2))
            .reason(unsatisfied(3, &["compliantDevice"]))
            .policies(vec![step_up(1), denied(2), denied(3)]),
    );
}

#[test]
fn unknown_grant_control_is_never_satisfied() {
    // §1.3.3, §3.13: an Unknown control is non-interactive and never satisfied.
    let t = tenant(
        &[Pol::new(1).grant("OR", &["unknownFutureValue"])],
        bundle(),
    );
    check(
        &t,
        &user().mfa_done(),
        &deny()
            .reason(unsatisfied(1, &["unknownFutureValue"]))
            .policies(vec![denied(1)]),
    );
}

// ----- §3.13: each interactive control steps up with its own requirement -----------------------------

#[test]
fn mfa_steps_up_and_is_met_by_the_mfa_strength() {
    let t = tenant(&[Pol::new(1).mfa()], bundle());
    check(
        &t,
        &user().password_only(),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .policies(vec![step_up(1)]),
    );
    for methods in [
        vec!["password", "softwareOath"],
        vec!["windowsHelloForBusiness"],
        vec!["fido2"],
        vec!["federatedMultiFactor"],
        vec!["sms", "federatedSingleFactor"],
    ] {
        check(
            &t,
            &user().password_only().methods(&methods),
            &allow("success").policies(vec![success(1)]),
        );
    }
    // Two first factors are not MFA.
    check(
        &t,
        &user().methods(&["password", "email"]),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .policies(vec![step_up(1)]),
    );
}

#[test]
fn mfa_uses_the_bundles_copy_of_the_mfa_strength() {
    // §4.2.3: the bundle's copy of …0002 is used when present.
    let t = tenant(
        &[Pol::new(1).mfa()],
        json!({
            "directory": directory(),
            "authenticationStrengthPolicies": [{
                "id": MFA_STRENGTH, "displayName": "Multifactor authentication",
                "policyType": "builtIn", "requirementsSatisfied": "mfa",
                "allowedCombinations": ["fido2"]
            }]
        }),
    );
    check(
        &t,
        &user().mfa_done(),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .policies(vec![step_up(1)]),
    );
    check(
        &t,
        &user().methods(&["fido2"]),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn built_in_strength_requirement_carries_id_name_and_combinations() {
    let t = tenant(&[Pol::new(1).strength(PHISHING_RESISTANT)], bundle());
    check(
        &t,
        &user().mfa_done(),
        &stepup()
            .req(clause(vec![phishing_resistant()], &[1]))
            .policies(vec![with(
                step_up(1),
                "unsatisfiedControls",
                json!(["authenticationStrength"]),
            )]),
    );
    check(
        &t,
        &user().methods(&["windowsHelloForBusiness"]),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn custom_strength_from_the_bundle() {
    let t = tenant(
        &[Pol::new(1).strength(&sid(1))],
        json!({
            "directory": directory(),
            "authenticationStrengthPolicies": [{
                "id": sid(1), "displayName": "TAP or FIDO2", "policyType": "custom",
                "requirementsSatisfied": "mfa",
                "allowedCombinations": ["fido2", "temporaryAccessPassOneTime"]
            }]
        }),
    );
    check(
        &t,
        &user().mfa_done(),
        &stepup()
            .req(clause(
                vec![strength(
                    &sid(1),
                    "TAP or FIDO2",
                    json!(["fido2", "temporaryAccessPassOneTime"]),
                )],
                &[1],
            ))
            .policies(vec![step_up(1)]),
    );
    check(
        &t,
        &user().methods(&["temporaryAccessPassOneTime"]),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn terms_of_use_steps_up_until_accepted() {
    let t = tenant(
        &[Pol::new(1).grant_json(json!({ "operator": "OR", "termsOfUse": [tou(1)] }))],
        bundle(),
    );
    check(
        &t,
        &user().mfa_done(),
        &stepup()
            .req(clause(vec![terms(&tou(1))], &[1]))
            .policies(vec![step_up(1)]),
    );
    check(
        &t,
        &user()
            .mfa_done()
            .session("acceptedTermsOfUse", json!([tou(1)])),
        &allow("success").policies(vec![success(1)]),
    );
    // Accepting another agreement does not help.
    check(
        &t,
        &user()
            .mfa_done()
            .session("acceptedTermsOfUse", json!([tou(2)])),
        &stepup()
            .req(clause(vec![terms(&tou(1))], &[1]))
            .policies(vec![step_up(1)]),
    );
}

#[test]
fn password_change_steps_up_until_changed() {
    let t = tenant(
        &[Pol::new(1)
            .cond("userRiskLevels", json!(["high"]))
            .grant("AND", &["mfa", "passwordChange"])],
        bundle(),
    );
    let risky = || user().cond("userRiskLevel", json!("high"));
    check(
        &t,
        &risky().mfa_done(),
        &stepup()
            .req(clause(vec![password_change()], &[1]))
            .policies(vec![step_up(1)]),
    );
    check(
        &t,
        &risky().password_only(),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .req(clause(vec![password_change()], &[1]))
            .policies(vec![step_up(1)]),
    );
    check(
        &t,
        &risky().mfa_done().session("passwordChanged", json!(true)),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn risk_remediation_is_satisfied_by_a_password_change() {
    let t = tenant(
        &[Pol::new(1)
            .cond("userRiskLevels", json!(["high"]))
            .grant("OR", &["riskRemediation"])],
        bundle(),
    );
    let risky = || user().cond("userRiskLevel", json!("high")).mfa_done();
    check(
        &t,
        &risky(),
        &stepup()
            .req(clause(vec![risk_remediation()], &[1]))
            .policies(vec![step_up(1)]),
    );
    check(
        &t,
        &risky().session("passwordChanged", json!(true)),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn custom_authentication_factor_steps_up_until_satisfied() {
    let t = tenant(
        &[Pol::new(1).grant_json(json!({
            "operator": "OR",
            "customAuthenticationFactors": ["duo-mfa"]
        }))],
        bundle(),
    );
    check(
        &t,
        &user().mfa_done(),
        &stepup()
            .req(clause(vec![custom("duo-mfa")], &[1]))
            .policies(vec![step_up(1)]),
    );
    check(
        &t,
        &user()
            .mfa_done()
            .session("customFactors", json!(["duo-mfa"])),
        &allow("success").policies(vec![success(1)]),
    );
}

// ----- §4.2.2, §6 step 11.2: clauses across policies -----------------------------------------------

#[test]
fn several_strengths_become_separate_clauses() {
    let t = tenant(
        &[
            Pol::new(1).strength(PHISHING_RESISTANT),
            Pol::new(2).strength(PASSWORDLESS),
        ],
        bundle(),
    );
    check(
        &t,
        &user().mfa_done(),
        &stepup()
            .req(clause(vec![phishing_resistant()], &[1]))
            .req(clause(
                vec![strength(
                    PASSWORDLESS,
                    "Passwordless MFA",
                    json!([
                        "windowsHelloForBusiness",
                        "fido2",
                        "x509CertificateMultiFactor",
                        "deviceBasedPush"
                    ]),
                )],
                &[2],
            ))
            .policies(vec![step_up(1), step_up(2)]),
    );
    // deviceBasedPush meets passwordless but not phishing-resistant.
    check(
        &t,
        &user().methods(&["deviceBasedPush"]),
        &stepup()
            .req(clause(vec![phishing_resistant()], &[1]))
            .policies(vec![step_up(1), success(2)]),
    );
}

#[test]
fn mfa_clause_is_kept_beside_a_phishing_resistant_clause() {
    let t = tenant(
        &[Pol::new(1).mfa(), Pol::new(2).strength(PHISHING_RESISTANT)],
        bundle(),
    );
    check(
        &t,
        &user().password_only(),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .req(clause(vec![phishing_resistant()], &[2]))
            .policies(vec![step_up(1), step_up(2)]),
    );
    check(
        &t,
        &user().mfa_done(),
        &stepup()
            .req(clause(vec![phishing_resistant()], &[2]))
            .policies(vec![success(1), step_up(2)]),
    );
    check(
        &t,
        &user().methods(&["fido2"]),
        &allow("success").policies(vec![success(1), success(2)]),
    );
}

#[test]
fn identical_clauses_from_several_policies_are_merged() {
    let t = tenant(
        &[
            Pol::new(1).mfa(),
            Pol::new(2).grant_json(json!({
                "operator": "AND",
                "builtInControls": ["mfa"],
                "termsOfUse": [tou(1)]
            })),
            Pol::new(3).mfa(),
        ],
        bundle(),
    );
    check(
        &t,
        &user().password_only(),
        &stepup()
            .req(clause(vec![mfa()], &[1, 2, 3]))
            .req(clause(vec![terms(&tou(1))], &[2]))
            .policies(vec![step_up(1), step_up(2), step_up(3)]),
    );
}

#[test]
fn requirements_follow_the_prompt_order() {
    // Policies are listed in the reverse of the prompt order: custom factor, terms of use,
    // password change, MFA, sign-in frequency.
    let t = tenant(
        &[
            Pol::new(1).grant_json(json!({
                "operator": "OR",
                "customAuthenticationFactors": ["duo-mfa"]
            })),
            Pol::new(2).grant_json(json!({ "operator": "OR", "termsOfUse": [tou(1)] })),
            Pol::new(3).grant("OR", &["passwordChange"]),
            Pol::new(4).mfa(),
            Pol::new(5).session(json!({ "signInFrequency": {
                "isEnabled": true,
                "frequencyInterval": "everyTime",
                "authenticationType": "primaryAndSecondaryAuthentication"
            } })),
        ],
        bundle(),
    );
    check(
        &t,
        &user()
            .methods(&["password"])
            .session("lastAuthenticatedDateTime", json!(at(-3600))),
        &stepup()
            .req(clause(
                vec![reauth(
                    "primaryAndSecondaryAuthentication",
                    "everyTime",
                    None,
                    None,
                )],
                &[5],
            ))
            .req(clause(vec![mfa()], &[4]))
            .req(clause(vec![password_change()], &[3]))
            .req(clause(vec![terms(&tou(1))], &[2]))
            .req(clause(vec![custom("duo-mfa")], &[1]))
            .policies(vec![
                step_up(1),
                step_up(2),
                step_up(3),
                step_up(4),
                step_up(5),
            ]),
    );
}

// ----- §4.2.4: combination configurations ----------------------------------------------------------

fn fido2_tenant() -> jitgate::Tenant {
    tenant(
        &[Pol::new(1).strength(&sid(2))],
        json!({
            "directory": directory(),
            "authenticationStrengthPolicies": [{
                "id": sid(2), "displayName": "YubiKey only", "policyType": "custom",
                "requirementsSatisfied": "mfa",
                "allowedCombinations": ["fido2"],
                "combinationConfigurations": [{
                    "@odata.type": "#microsoft.graph.fido2CombinationConfiguration",
                    "id": "8f5a3c1e-0000-0000-0000-000000000001",
                    "allowedAAGUIDs": [YUBIKEY],
                    "appliesToCombinations": ["fido2"]
                }]
            }]
        }),
    )
}

fn yubikey_requirement() -> Value {
    clause(
        vec![strength(&sid(2), "YubiKey only", json!(["fido2"]))],
        &[1],
    )
}

#[test]
fn fido2_counts_only_with_an_allowed_aaguid() {
    let t = fido2_tenant();
    check(
        &t,
        &user()
            .methods(&["fido2"])
            .session("fido2Aaguid", json!(YUBIKEY.to_uppercase())),
        &allow("success").policies(vec![success(1)]),
    );
    check(
        &t,
        &user()
            .methods(&["fido2"])
            .session("fido2Aaguid", json!(OTHER_KEY)),
        &stepup()
            .req(yubikey_requirement())
            .policies(vec![step_up(1)]),
    );
}

#[test]
fn fido2_without_aaguid_evidence_does_not_count() {
    let t = fido2_tenant();
    check(
        &t,
        &user().methods(&["fido2"]),
        &stepup()
            .req(yubikey_requirement())
            .policies(vec![step_up(1)]),
    );
}

#[test]
fn certificate_without_evidence_does_not_count() {
    let t = tenant(
        &[Pol::new(1).strength(&sid(4))],
        json!({
            "directory": directory(),
            "authenticationStrengthPolicies": [{
                "id": sid(4), "displayName": "Smart card", "policyType": "custom",
                "requirementsSatisfied": "mfa",
                "allowedCombinations": ["x509CertificateMultiFactor"],
                "combinationConfigurations": [{
                    "@odata.type": "#microsoft.graph.x509CertificateCombinationConfiguration",
                    "id": "8f5a3c1e-0000-0000-0000-000000000002",
                    "allowedIssuerSkis": ["9a4248c2e5d1c4b7a1b0e6f3d2c1b0a9f8e7d6c5"],
                    "allowedPolicyOIDs": [],
                    "appliesToCombinations": ["x509CertificateMultiFactor"]
                }]
            }]
        }),
    );
    let requirement = clause(
        vec![strength(
            &sid(4),
            "Smart card",
            json!(["x509CertificateMultiFactor"]),
        )],
        &[1],
    );
    check(
        &t,
        &user().methods(&["x509CertificateMultiFactor"]),
        &stepup().req(requirement.clone()).policies(vec![step_up(1)]),
    );
    check(
        &t,
        &user().methods(&["x509CertificateMultiFactor"]).session(
            "certificate",
            json!({ "issuerSki": "00ff", "policyOids": [] }),
        ),
        &stepup().req(requirement).policies(vec![step_up(1)]),
    );
    check(
        &t,
        &user().methods(&["x509CertificateMultiFactor"]).session(
            "certificate",
            json!({ "issuerSki": "9A4248C2E5D1C4B7A1B0E6F3D2C1B0A9F8E7D6C5", "policyOids": [] }),
        ),
        &allow("success").policies(vec![success(1)]),
    );
}

// ----- §4.2.5: resolving a strength ---------------------------------------------------------------

#[test]
fn embedded_strength_copy_is_used_when_the_bundle_lacks_it() {
    let t = tenant(
        &[Pol::new(1).grant_json(json!({
            "operator": "OR",
            "builtInControls": [],
            "authenticationStrength": {
                "id": sid(3), "displayName": "SMS second factor", "policyType": "custom",
                "requirementsSatisfied": "mfa",
                "allowedCombinations": ["password,sms"]
            }
        }))],
        bundle(),
    );
    check(
        &t,
        &user().methods(&["password"]),
        &stepup()
            .req(clause(
                vec![strength(
                    &sid(3),
                    "SMS second factor",
                    json!(["password,sms"]),
                )],
                &[1],
            ))
            .policies(vec![step_up(1)]),
    );
    check(
        &t,
        &user().methods(&["password", "sms"]),
        &allow("success").policies(vec![success(1)]),
    );
}

#[test]
fn bundle_strength_wins_over_a_differing_embedded_copy() {
    let t = tenant(
        &[Pol::new(1).grant_json(json!({
            "operator": "OR",
            "authenticationStrength": {
                "id": sid(3), "displayName": "SMS second factor", "policyType": "custom",
                "allowedCombinations": ["password,sms"]
            }
        }))],
        json!({
            "directory": directory(),
            "authenticationStrengthPolicies": [{
                "id": sid(3), "displayName": "FIDO2 only", "policyType": "custom",
                "requirementsSatisfied": "mfa", "allowedCombinations": ["fido2"]
            }]
        }),
    );
    let out = check(
        &t,
        &user().methods(&["password", "sms"]),
        &stepup()
            .req(clause(
                vec![strength(&sid(3), "FIDO2 only", json!(["fido2"]))],
                &[1],
            ))
            .policies(vec![step_up(1)]),
    );
    assert!(
        warned_about(&t, &out, &sid(3)),
        "a warning about the differing embedded copy is expected\n{:#?}",
        tenant_warnings(&t)
    );
}

#[test]
fn unresolvable_strength_denies_with_a_warning() {
    let t = tenant(
        &[
            Pol::new(1).strength(&sid(9)),
            Pol::new(2).report_only().strength(&sid(9)),
        ],
        bundle(),
    );
    let out = check(
        &t,
        &user().methods(&["windowsHelloForBusiness", "fido2"]),
        &deny()
            .reason(unsatisfied(1, &["authenticationStrength"]))
            .policies(vec![denied(1), ro_failure(2)]),
    );
    assert!(
        warned_about(&t, &out, &sid(9)),
        "a warning naming the unresolvable strength is expected\n{}",
        out.pretty()
    );
}

#[test]
fn unknown_authentication_method_proves_nothing() {
    // §5.4: an unrecognised name in authenticationMethods is Unknown, warned about, and proves
    // nothing.
    let t = tenant(&[Pol::new(1).mfa()], bundle());
    let out = check(
        &t,
        &user().methods(&["password", "telepathy"]),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .policies(vec![step_up(1)]),
    );
    assert!(warned_about(&t, &out, "telepathy"), "{}", out.pretty());
}

/// A tenant built by hand may hold two policies of one id (a loaded one cannot, §1.4): a grant
/// requirement both ask for names the id once, and both evaluators and the borrowed decision
/// agree. The compiled engine looks requirements' policies up by id only for such a tenant.
#[test]
fn two_policies_of_one_id_are_named_once_in_a_requirement() {
    let mut tenant = jitgate::load(std::path::Path::new("examples/tenant")).unwrap();
    let copies: Vec<_> = tenant.policies.clone();
    tenant.policies.extend(copies);
    let snapshot = jitgate::Snapshot::compile(tenant.clone());
    let reference = jitgate::ReferenceEvaluator::new(&tenant);
    let lines = std::fs::read_to_string("examples/signins.jsonl").unwrap();
    let mut named = 0;
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let req = jitgate::SignInRequest::from_json(line).unwrap();
        for explain in [jitgate::Explain::None, jitgate::Explain::Policies] {
            let compiled = snapshot.evaluate(&req, explain);
            assert_eq!(
                serde_json::to_string(&compiled).unwrap(),
                serde_json::to_string(&reference.evaluate(&req, explain)).unwrap(),
                "{line}"
            );
            // Grant clauses only: a re-authentication lists each policy whose frequency
            // failed, in both engines (`stale` policies, not looked up by id).
            let grants = compiled.requirements.iter().filter(|r| {
                !r.any_of
                    .iter()
                    .any(|i| matches!(i, jitgate::RequirementItem::Reauthentication { .. }))
            });
            for r in grants {
                let mut ids = r.policy_ids.clone();
                ids.sort();
                ids.dedup();
                assert_eq!(ids.len(), r.policy_ids.len(), "{line}: {:?}", r.policy_ids);
                named += r.policy_ids.len();
            }
        }
        let mut borrowed = Vec::new();
        snapshot.evaluate_borrowed(&req).write_json(&mut borrowed);
        assert_eq!(
            String::from_utf8(borrowed).unwrap(),
            serde_json::to_string(&snapshot.evaluate(&req, jitgate::Explain::None)).unwrap()
        );
    }
    assert!(named > 10, "{named}");
}
