//! Sign-in scenarios for device filters (§3.11, every operator and the null rule, evaluated through
//! policies) and authentication flows (§3.12, and device-state controls in device code flow).

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

fn device() -> Value {
    json!({
        "deviceId": "a1d7c3e2-5b64-4f0e-8c2a-91e3d7b4f605",
        "displayName": "CONTOSO-LT-17",
        "enrollmentProfileName": "Autopilot-Standard",
        "manufacturer": "Contoso",
        "model": "Surface Pro 9",
        "operatingSystem": "Windows",
        "operatingSystemVersion": "10.0.22631.4460",
        "extensionAttribute1": "SAW",
        "extensionAttribute15": "Finance",
        "isCompliant": true,
        "trustType": "AzureAD",
        "ownership": "Company",
        "profileType": "RegisteredDevice",
        "mdmAppId": "0000000a-0000-0000-c000-000000000000",
        "physicalIds": ["[ZDID]:8f3e", "[HWID]:h:6825"],
        "systemLabels": ["AzureResource"]
    })
}

/// A block policy whose device filter is `mode`/`rule`; checks that it applies (deny) or not
/// (allow, with `devices`, plus `notEnoughInformation` when there is no `deviceInfo`).
fn filter_case(mode: &str, rule: &str, device: Option<Value>, applies: bool) {
    let t = tenant(
        &[Pol::new(1)
            .cond(
                "devices",
                json!({ "deviceFilter": { "mode": mode, "rule": rule } }),
            )
            .block()],
        json!({ "directory": directory() }),
    );
    let no_device = device.is_none();
    let mut r = Req::user(&uid(USER)).password_only();
    if let Some(d) = device {
        r = r.cond("deviceInfo", d);
    }
    let expect = if applies {
        deny().reason(blocked(1)).policies(vec![denied(1)])
    } else {
        let reasons = if no_device {
            "notEnoughInformation,devices"
        } else {
            "devices"
        };
        allow("notApplied").policies(vec![not_applied(1, reasons)])
    };
    let out = eval(&t, &r);
    // Name the rule in the failure message.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| expect.check(&out)));
    if result.is_err() {
        panic!(
            "filter {mode} `{rule}` with {} should {}apply",
            if no_device {
                "no deviceInfo"
            } else {
                "deviceInfo"
            },
            if applies { "" } else { "not " }
        );
    }
}

/// Include-mode rows: (rule, applies for [`device`], applies without `deviceInfo`).
fn include_rows(rows: &[(&str, bool, bool)]) {
    for (rule, on_device, on_none) in rows {
        filter_case("include", rule, Some(device()), *on_device);
        filter_case("include", rule, None, *on_none);
    }
}

#[test]
fn filter_eq_and_ne() {
    include_rows(&[
        (r#"device.manufacturer -eq "contoso""#, true, false),
        (r#"device.manufacturer -eq "Fabrikam""#, false, false),
        (r#"device.manufacturer -ne "Fabrikam""#, true, true),
        (r#"device.manufacturer -ne "CONTOSO""#, false, true),
        (r#"device.operatingSystem -eq "Windows""#, true, false),
        (r#"device.extensionAttribute15 -eq "finance""#, true, false),
    ]);
}

#[test]
fn filter_starts_with_and_not_starts_with() {
    include_rows(&[
        (r#"device.displayName -startsWith "contoso-""#, true, false),
        (r#"device.displayName -startsWith "FAB""#, false, false),
        (r#"device.displayName -notStartsWith "FAB""#, true, true),
        (
            r#"device.displayName -notStartsWith "CONTOSO""#,
            false,
            true,
        ),
    ]);
}

#[test]
fn filter_ends_with_and_not_ends_with() {
    include_rows(&[
        (r#"device.model -endsWith "pro 9""#, true, false),
        (r#"device.model -endsWith "Go""#, false, false),
        (r#"device.model -notEndsWith "Go""#, true, true),
        (r#"device.model -notEndsWith "9""#, false, true),
    ]);
}

#[test]
fn filter_contains_and_not_contains_on_strings() {
    include_rows(&[
        (
            r#"device.operatingSystemVersion -contains "22631""#,
            true,
            false,
        ),
        (
            r#"device.operatingSystemVersion -contains "19045""#,
            false,
            false,
        ),
        (
            r#"device.operatingSystemVersion -notContains "19045""#,
            true,
            true,
        ),
        (
            r#"device.operatingSystemVersion -notContains "22631""#,
            false,
            true,
        ),
    ]);
}

#[test]
fn filter_contains_on_collections_means_an_equal_element() {
    include_rows(&[
        (r#"device.physicalIds -contains "[ZDID]:8f3e""#, true, false),
        (r#"device.physicalIds -contains "[ZDID]""#, false, false),
        (
            r#"device.systemLabels -contains "azureresource""#,
            true,
            false,
        ),
        (
            r#"device.systemLabels -notContains "AzureResource""#,
            false,
            true,
        ),
        (r#"device.physicalIds -notContains "[ZDID]""#, true, true),
    ]);
}

#[test]
fn filter_in_and_not_in() {
    include_rows(&[
        (
            r#"device.deviceId -in ["00000000-0000-0000-0000-000000000001", "A1D7C3E2-5B64-4F0E-8C2A-91E3D7B4F605"]"#,
            true,
            false,
        ),
        (
            r#"device.enrollmentProfileName -in ["Kiosk", "Shared"]"#,
            false,
            false,
        ),
        (
            r#"device.mdmAppId -notIn ["54b943f8-d761-4f8d-951e-9cea1846db5a"]"#,
            true,
            true,
        ),
        (
            r#"device.mdmAppId -notIn ["0000000a-0000-0000-c000-000000000000"]"#,
            false,
            true,
        ),
    ]);
}

#[test]
fn filter_enumerated_and_boolean_attributes() {
    include_rows(&[
        ("device.isCompliant -eq True", true, false),
        ("device.isCompliant -ne True", false, true),
        (r#"device.trustType -eq "ServerAD""#, false, false),
        (r#"device.trustType -ne "ServerAD""#, true, true),
        (r#"device.deviceOwnership -eq "Company""#, true, false),
        (r#"device.deviceOwnership -ne "Personal""#, true, true),
        (r#"device.profileType -eq "RegisteredDevice""#, true, false),
    ]);
    // A non-compliant device.
    let mut d = device();
    d["isCompliant"] = json!(false);
    filter_case("include", "device.isCompliant -eq True", Some(d), false);
}

#[test]
fn filter_null_rule() {
    include_rows(&[
        ("device.extensionAttribute2 -eq null", true, true),
        ("device.extensionAttribute1 -eq null", false, true),
        ("device.extensionAttribute1 -ne null", true, false),
    ]);
}

#[test]
fn filter_precedence_not_and_or() {
    include_rows(&[
        // -and binds tighter than -or: Contoso OR (X AND ServerAD) is true.
        (
            r#"device.manufacturer -eq "Contoso" -or device.model -eq "X" -and device.trustType -eq "ServerAD""#,
            true,
            false,
        ),
        (
            r#"(device.manufacturer -eq "Contoso" -or device.model -eq "X") -and device.trustType -eq "ServerAD""#,
            false,
            false,
        ),
        // -not applies to the comparison; on a null trustType the comparison is false.
        (r#"-not device.trustType -eq "ServerAD""#, true, true),
        (r#"-not (device.manufacturer -eq "Contoso")"#, false, true),
    ]);
}

#[test]
fn filter_keywords_are_case_insensitive_and_the_dash_is_optional() {
    include_rows(&[
        (
            r#"device.Manufacturer -EQ "Contoso" -AND device.isCompliant -Eq true"#,
            true,
            false,
        ),
        (
            r#"device.manufacturer eq "Contoso" and device.model startsWith "Surface""#,
            true,
            false,
        ),
    ]);
}

#[test]
fn filter_backtick_escapes_a_double_quote() {
    let mut d = device();
    d["displayName"] = json!(r#"Say "hi""#);
    filter_case(
        "include",
        r#"device.displayName -eq "Say `"hi`"""#,
        Some(d),
        true,
    );
}

#[test]
fn exclude_mode_filter_does_not_exclude_an_unregistered_device() {
    // §3.11.2: exclude-mode `extensionAttribute1 -eq "SAW"` exempts only SAW devices; a block
    // policy of that shape still blocks a device without the attribute and a missing deviceInfo.
    let rule = r#"device.extensionAttribute1 -eq "SAW""#;
    filter_case("exclude", rule, Some(device()), false);
    filter_case("exclude", rule, None, true);
    let mut other = device();
    other["extensionAttribute1"] = json!("Kiosk");
    filter_case("exclude", rule, Some(other), true);
    let mut unset = device();
    unset.as_object_mut().unwrap().remove("extensionAttribute1");
    filter_case("exclude", rule, Some(unset), true);
}

// ----- §3.12 authentication flows ----------------------------------------------------------------

fn flow_tenant() -> jitgate::Tenant {
    tenant(
        &[
            Pol::new(1)
                .cond(
                    "authenticationFlows",
                    json!({ "transferMethods": "deviceCodeFlow" }),
                )
                .block(),
            Pol::new(2)
                .cond(
                    "authenticationFlows",
                    json!({ "transferMethods": "authenticationTransfer" }),
                )
                .block(),
            Pol::new(3)
                .cond(
                    "authenticationFlows",
                    json!({ "transferMethods": "deviceCodeFlow,authenticationTransfer" }),
                )
                .mfa(),
        ],
        json!({ "directory": directory() }),
    )
}

fn with_flow(flow: Option<&str>) -> Req {
    let r = Req::user(&uid(USER)).password_only();
    match flow {
        Some(f) => r.cond("authenticationFlow", json!({ "transferMethod": f })),
        None => r,
    }
}

#[test]
fn no_transfer_method_matches_no_flow_policy() {
    let t = flow_tenant();
    for flow in [None, Some("none")] {
        check(
            &t,
            &with_flow(flow),
            &allow("notApplied").policies(vec![
                not_applied(1, "authenticationFlow"),
                not_applied(2, "authenticationFlow"),
                not_applied(3, "authenticationFlow"),
            ]),
        );
    }
}

#[test]
fn device_code_flow_matches_its_policies() {
    let t = flow_tenant();
    check(
        &t,
        &with_flow(Some("deviceCodeFlow")),
        &deny().reason(blocked(1)).policies(vec![
            denied(1),
            not_applied(2, "authenticationFlow"),
            step_up(3),
        ]),
    );
}

#[test]
fn authentication_transfer_matches_its_policies() {
    let t = flow_tenant();
    check(
        &t,
        &with_flow(Some("authenticationTransfer")),
        &deny().reason(blocked(2)).policies(vec![
            not_applied(1, "authenticationFlow"),
            denied(2),
            step_up(3),
        ]),
    );
}

#[test]
fn device_state_can_never_be_proven_in_device_code_flow() {
    let t = tenant(
        &[
            Pol::new(1).grant("OR", &["compliantDevice"]),
            Pol::new(2).grant("OR", &["domainJoinedDevice"]),
        ],
        json!({ "directory": directory() }),
    );
    let mut d = device();
    d["trustType"] = json!("ServerAD");
    let r = Req::user(&uid(USER)).password_only().cond("deviceInfo", d);
    // Outside device code flow both controls are met.
    check(
        &t,
        &r,
        &allow("success").policies(vec![success(1), success(2)]),
    );
    check(
        &t,
        &r.clone().cond(
            "authenticationFlow",
            json!({ "transferMethod": "deviceCodeFlow" }),
        ),
        &deny()
            .reason(unsatisfied(1, &["compliantDevice"]))
            .reason(unsatisfied(2, &["domainJoinedDevice"]))
            .policies(vec![denied(1), denied(2)]),
    );
}

#[test]
fn device_code_flow_leaves_interactive_alternatives() {
    let t = tenant(
        &[Pol::new(1).grant("OR", &["compliantDevice", "mfa"])],
        json!({ "directory": directory() }),
    );
    check(
        &t,
        &Req::user(&uid(USER))
            .password_only()
            .cond("deviceInfo", device())
            .cond(
                "authenticationFlow",
                json!({ "transferMethod": "deviceCodeFlow" }),
            ),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .policies(vec![step_up(1)]),
    );
}

#[test]
fn deprecated_device_states_are_read_as_compliance_and_hybrid_join() {
    // §3.11: deviceStates {includeStates, excludeStates} (a warning): Compliant ⇔ isCompliant,
    // DomainJoined ⇔ trustType ServerAD.
    let t = tenant(
        &[Pol::new(1)
            .cond(
                "deviceStates",
                json!({ "includeStates": ["All"], "excludeStates": ["Compliant", "DomainJoined"] }),
            )
            .block()],
        json!({ "directory": directory() }),
    );
    let r = || Req::user(&uid(USER)).password_only();
    check(
        &t,
        &r().cond("deviceInfo", json!({ "isCompliant": true })),
        &allow("notApplied").policies(vec![not_applied(1, "devices")]),
    );
    check(
        &t,
        &r().cond(
            "deviceInfo",
            json!({ "isCompliant": false, "trustType": "ServerAD" }),
        ),
        &allow("notApplied").policies(vec![not_applied(1, "devices")]),
    );
    check(
        &t,
        &r().cond(
            "deviceInfo",
            json!({ "isCompliant": false, "trustType": "AzureAD" }),
        ),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &r(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
}
