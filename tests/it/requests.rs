//! Typed requests (SEMANTICS.md §5.3a): built in code or read from JSON, every request passes the
//! same checks; GUID forms are normalised, names and unknown values are refused with their JSON
//! path, and no request exists without a time.

use std::path::PathBuf;

use jitgate::{
    AccessId, ActivationOutcome, ActivationRequest, AuthMethod, ClientAppType, Decision, Explain,
    Platform, ReferenceEvaluator, RequestError, SignInRequest, Snapshot, Tenant,
};
use serde_json::{Value, json};

const CHLOE: &str = "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03";
const SHAREPOINT: &str = "00000003-0000-0ff1-ce00-000000000000";
const T: &str = "2026-03-02T09:00:00Z";

fn example() -> Tenant {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    jitgate::load(&root.join("examples/tenant")).unwrap()
}

fn body(user: &str, app: &str) -> Value {
    json!({
        "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": user},
        "signInContext": {"@odata.type": "#microsoft.graph.applicationContext",
                          "includeApplications": [app]},
        "signInConditions": {"devicePlatform": "windows", "clientAppType": "browser",
                             "ipAddress": "203.0.113.200", "country": "nl"},
        "session": {"time": T, "authenticationMethods": ["password"]}
    })
}

fn error_paths(e: &RequestError) -> Vec<(&'static str, String)> {
    e.errors()
        .iter()
        .map(|d| (d.code, d.path.clone()))
        .collect()
}

#[test]
fn every_guid_form_of_an_id_decides_exactly_as_the_canonical_form() {
    let tenant = example();
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(&tenant);
    let canonical = SignInRequest::from_json(&body(CHLOE, SHAREPOINT).to_string()).unwrap();
    let want = serde_json::to_string(&snapshot.evaluate(&canonical, Explain::Policies)).unwrap();
    assert!(want.contains(r#""decision":"stepUp""#), "{want}");
    let forms = |g: &str| {
        vec![
            g.to_ascii_uppercase(),
            format!("{{{g}}}"),
            format!("urn:uuid:{g}"),
            format!("URN:UUID:{}", g.to_ascii_uppercase()),
            g.replace('-', ""),
            format!("  {g}\t"),
        ]
    };
    for user in forms(CHLOE) {
        for app in forms(SHAREPOINT) {
            let request = SignInRequest::from_json(&body(&user, &app).to_string()).unwrap();
            assert_eq!(request, canonical, "{user} / {app}");
            for got in [
                snapshot.evaluate(&request, Explain::Policies),
                reference.evaluate(&request, Explain::Policies),
            ] {
                assert_eq!(serde_json::to_string(&got).unwrap(), want, "{user} / {app}");
            }
        }
    }
}

#[test]
fn the_builder_and_the_json_reader_make_the_same_request() {
    let built = SignInRequest::user(CHLOE.to_ascii_uppercase())
        .app(format!("{{{SHAREPOINT}}}"))
        .platform(Platform::Windows)
        .client_app(ClientAppType::Browser)
        .ip("203.0.113.200".parse().unwrap())
        .country("nl")
        .methods([AuthMethod::Password])
        .at(T.parse().unwrap())
        .build()
        .unwrap();
    let read = SignInRequest::from_json(&body(CHLOE, SHAREPOINT).to_string()).unwrap();
    assert_eq!(built, read);
    assert_eq!(built.user_id(), Some(CHLOE));
    assert_eq!(built.conditions().country.as_deref(), Some("NL"));
    assert_eq!(built.time(), T.parse().unwrap());
}

#[test]
fn a_built_requests_diagnostics_name_the_request_as_their_source() {
    let sources = |ds: &[&jitgate::Diagnostic]| -> Vec<(&'static str, String)> {
        ds.iter().map(|d| (d.code, d.file.clone())).collect()
    };
    let named = |code| vec![(code, "request".to_owned())];
    // A warning kept with the request.
    let r = SignInRequest::user(CHLOE)
        .app(SHAREPOINT)
        .methods([AuthMethod::Password, AuthMethod::parse("pigeon")])
        .at(T.parse().unwrap())
        .build()
        .unwrap();
    let warnings: Vec<_> = r.warnings().iter().collect();
    assert_eq!(sources(&warnings), named("unknownAuthMethod"));
    // An error.
    let e = SignInRequest::user("not-a-guid")
        .app(SHAREPOINT)
        .at(T.parse().unwrap())
        .build()
        .unwrap_err();
    assert_eq!(sources(&e.errors()), named("invalidId"));
    // As the JSON reader names them.
    let e = SignInRequest::from_json(&body("not-a-guid", SHAREPOINT).to_string()).unwrap_err();
    assert_eq!(sources(&e.errors()), named("invalidId"));
}

#[test]
fn a_request_without_a_time_cannot_be_built() {
    let e = SignInRequest::user(CHLOE)
        .app(SHAREPOINT)
        .build()
        .unwrap_err();
    assert_eq!(
        error_paths(&e),
        [("missingField", "$.session.time".to_owned())]
    );
    assert_eq!(
        e.to_string(),
        "$.session.time: session.time is required (the library has no implicit clock)"
    );
    let mut v = body(CHLOE, SHAREPOINT);
    v["session"].as_object_mut().unwrap().remove("time");
    let e = SignInRequest::from_json(&v.to_string()).unwrap_err();
    assert_eq!(
        error_paths(&e),
        [("missingField", "$.session.time".to_owned())]
    );
    // The CLI's clock fills it only when asked to.
    let now: jiff::Timestamp = "2026-04-01T12:00:00Z".parse().unwrap();
    let r = SignInRequest::from_json_at(&v.to_string(), now).unwrap();
    assert_eq!(r.time(), now);
    let e = ActivationRequest::role(CHLOE, "62e90394-69f5-4237-9190-012177145e10")
        .build()
        .unwrap_err();
    assert_eq!(
        error_paths(&e),
        [("missingField", "$.session.time".to_owned())]
    );
}

#[test]
fn a_request_without_a_target_cannot_be_built() {
    let e = SignInRequest::user(CHLOE)
        .at(T.parse().unwrap())
        .build()
        .unwrap_err();
    assert_eq!(
        error_paths(&e),
        [("missingField", "$.signInContext".to_owned())]
    );
}

#[test]
fn names_keywords_and_unknown_values_are_errors_with_their_paths() {
    let e = SignInRequest::user("All")
        .app("Office 365 Exchange Online")
        .app(SHAREPOINT)
        .platform(Platform::parse("tizen"))
        .client_app(ClientAppType::parse("imap"))
        .country("Russia")
        .at(T.parse().unwrap())
        .build()
        .unwrap_err();
    assert_eq!(
        error_paths(&e),
        [
            ("invalidId", "$.signInIdentity.userId".to_owned()),
            (
                "invalidId",
                "$.signInContext.includeApplications[0]".to_owned()
            ),
            (
                "invalidEnum",
                "$.signInConditions.devicePlatform".to_owned()
            ),
            ("invalidEnum", "$.signInConditions.clientAppType".to_owned()),
            ("invalidCountry", "$.signInConditions.country".to_owned()),
        ]
    );
    let mut v = body(CHLOE, SHAREPOINT);
    v["signInConditions"]["signInRiskLevel"] = json!("extreme");
    v["signInConditions"]["country"] = json!("RUS");
    let e = SignInRequest::from_json(&v.to_string()).unwrap_err();
    assert_eq!(
        error_paths(&e),
        [
            (
                "invalidEnum",
                "$.signInConditions.signInRiskLevel".to_owned()
            ),
            ("invalidCountry", "$.signInConditions.country".to_owned()),
        ]
    );
    assert!(
        e.errors()[0]
            .message
            .starts_with("unknown signInRiskLevel \"extreme\"; expected one of low, medium, high"),
        "{e}"
    );
}

#[test]
fn a_country_must_be_an_assigned_iso_code_or_unknown() {
    for bad in ["ZZ", "", "Russia", "RUS", "U5"] {
        let mut v = body(CHLOE, SHAREPOINT);
        v["signInConditions"]["country"] = json!(bad);
        let e = SignInRequest::from_json(&v.to_string()).unwrap_err();
        assert_eq!(
            error_paths(&e),
            [("invalidCountry", "$.signInConditions.country".to_owned())],
            "{bad}"
        );
    }
    for good in ["nl", "Ru", "XK", "unknown", "UNKNOWN"] {
        let mut v = body(CHLOE, SHAREPOINT);
        v["signInConditions"]["country"] = json!(good);
        SignInRequest::from_json(&v.to_string()).unwrap();
    }
}

#[test]
fn unknown_future_value_is_accepted_as_unknown() {
    let mut v = body(CHLOE, SHAREPOINT);
    v["signInConditions"]["devicePlatform"] = json!("unknownFutureValue");
    v["signInConditions"]["clientAppType"] = json!("all");
    let r = SignInRequest::from_json(&v.to_string()).unwrap();
    assert_eq!(r.conditions().platform, None);
    assert_eq!(r.conditions().client_app_type, None);
}

#[test]
fn request_warnings_lead_the_decision_warnings_in_every_engine() {
    let tenant = example();
    let mut v = body(CHLOE, SHAREPOINT);
    v["session"]["authenticationMethods"] = json!(["password", "carrierPigeon"]);
    let r = SignInRequest::from_json(&v.to_string()).unwrap();
    assert_eq!(r.warnings().len(), 1);
    for d in [
        Snapshot::compile(tenant.clone()).evaluate(&r, Explain::None),
        ReferenceEvaluator::new(&tenant).evaluate(&r, Explain::None),
    ] {
        assert_eq!(d.decision, Decision::StepUp);
        let first = &d.warnings[0];
        assert_eq!(
            (first.code, first.path.as_str()),
            ("unknownAuthMethod", "$.session.authenticationMethods")
        );
        assert!(first.message.contains("carrierPigeon"), "{first}");
    }
}

#[test]
fn an_activation_built_in_code_decides_like_its_json_envelope() {
    let tenant = example();
    let snapshot = Snapshot::compile(tenant.clone());
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/activations.jsonl"),
    )
    .unwrap();
    let first = text.lines().next().unwrap();
    let from_json = ActivationRequest::from_json(first).unwrap();
    let built = ActivationRequest::role(
        "3F1A6C01-2B7D-4E8F-9A01-5C6D7E8F9A01",
        "62e90394-69f5-4237-9190-012177145e10",
    )
    .echo_id(json!("a01-ava-ga-needs-c1"))
    .justification("Rotate the federation signing certificate for CHG-2291")
    .ticket("CHG-2291", "ServiceNow")
    .start(T.parse().unwrap())
    .duration(jiff::SignedDuration::from_hours(4))
    .platform(Platform::Windows)
    .client_app(ClientAppType::Browser)
    .ip("198.51.100.23".parse().unwrap())
    .country("NL")
    .device(jitgate::DeviceInfo {
        device_id: Some("6d3e1a01-0c9b-4e8d-9a7f-2c1d0e9f8a01".to_owned()),
        display_name: Some("NL-PAW-017".to_owned()),
        operating_system: Some("Windows".to_owned()),
        extension_attributes: {
            let mut ext: [Option<String>; 15] = Default::default();
            ext[0] = Some("PAW".to_owned());
            ext
        },
        is_compliant: Some(true),
        trust_type: Some("AzureAD".to_owned()),
        ownership: Some("Company".to_owned()),
        profile_type: Some("SecureVM".to_owned()),
        ..Default::default()
    })
    .methods([AuthMethod::Password, AuthMethod::MicrosoftAuthenticatorPush])
    .last_sign_in("2026-03-02T08:59:40Z".parse().unwrap())
    .last_mfa("2026-03-02T08:59:40Z".parse().unwrap())
    .at(T.parse().unwrap())
    .build()
    .unwrap();
    let a = snapshot.activate(&from_json, Explain::Policies);
    let b = snapshot.activate(&built, Explain::Policies);
    assert_eq!(a.decision, ActivationOutcome::StepUp, "{a:?}");
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
    // A group activation with a display name for the group is refused.
    let e = ActivationRequest::group(CHLOE, "Ops JIT", AccessId::Member)
        .at(T.parse().unwrap())
        .build()
        .unwrap_err();
    assert_eq!(
        error_paths(&e),
        [("invalidId", "$.request.groupId".to_owned())]
    );
}
