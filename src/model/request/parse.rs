//! Reading a What If body (JSON) into a [`SignInRequestBuilder`]; the builder's checks finish it.

use jiff::Timestamp;

use super::build::SignInRequestBuilder;
use super::{DeviceInfo, Identity, Session, SignInConditions, SignInContext, SignInRequest};
use crate::diag::Diagnostics;
use crate::json::Json;
use crate::model::enums::{
    AuthMethod, ClientAppType, GuestType, InsiderRiskLevel, Platform, RiskLevel, TransferMethod,
    UserAction,
};
use crate::model::read::{Obj, truncate};
use crate::model::strength::{Certificate, MethodSet};

fn list(d: &mut Diagnostics, o: &Obj<'_>, key: &str) -> Vec<String> {
    o.strings(d, key)
        .into_iter()
        .map(|(s, _)| s.to_owned())
        .collect()
}

/// Parses JSON text as a request with `parse` (sign-in or activation), with `default_time` for a
/// missing `session.time`: the one path from text to a request or a [`crate::RequestError`].
pub fn from_json_text<T>(
    text: &str,
    default_time: Option<Timestamp>,
    parse: fn(&mut Diagnostics, &Json, Option<Timestamp>) -> Option<T>,
) -> Result<T, crate::RequestError> {
    let mut d = Diagnostics::new("request");
    let request = match crate::json::parse_str(text) {
        Ok(json) => parse(&mut d, &json, default_time),
        Err(e) => {
            d.error("invalidJson", "$", e.to_string());
            None
        }
    };
    match request {
        Some(r) if !d.has_errors() => Ok(r),
        _ => Err(crate::RequestError::new(d.items)),
    }
}

/// Reads a sign-in request from JSON text: in one pass when the text is in the common form
/// (`model/request/fast.rs`), the tolerant way otherwise; the same request or errors either way.
pub fn sign_in_from_text(
    text: &str,
    default_time: Option<Timestamp>,
) -> Result<SignInRequest, crate::RequestError> {
    let mut d = Diagnostics::new("request");
    match parse_sign_in_common(&mut d, text, default_time) {
        Some(Some(r)) if !d.has_errors() => Ok(r),
        Some(_) => Err(crate::RequestError::new(d.items)),
        None => from_json_text(text, default_time, parse_sign_in),
    }
}

/// The one-pass reading of a sign-in request (`model/request/fast.rs`): `None` when the text is
/// outside the common form (read it with `serde_json` and [`parse_sign_in`] then), else what
/// [`parse_sign_in`] would give, with the same diagnostics in `d`.
pub fn parse_sign_in_common(
    d: &mut Diagnostics,
    text: &str,
    default_time: Option<Timestamp>,
) -> Option<Option<SignInRequest>> {
    let mut reader = super::SignInReader::new();
    let read = reader.read_common(d, text, default_time)?.is_some();
    Some(read.then(|| reader.take()))
}

/// Does the one-pass reader, where it answers, answer what the tolerant reader does (the same
/// request and the same diagnostics)? For the fuzz target and the tests.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn fast_path_agrees(text: &str, default_time: Option<Timestamp>) -> bool {
    let mut fast_diagnostics = Diagnostics::new("request");
    let Some(fast) = parse_sign_in_common(&mut fast_diagnostics, text, default_time) else {
        return true;
    };
    let Ok(json) = crate::json::parse_str(text) else {
        return false;
    };
    let mut d = Diagnostics::new("request");
    let slow = parse_sign_in(&mut d, &json, default_time);
    fast == slow && fast_diagnostics.items == d.items && reader_reuse_agrees(text, default_time)
}

/// A request that sets every field the one-pass reader reads, lists and device attributes
/// included: what a reused [`super::SignInReader`] holds before the text under test.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) const EVERY_FIELD: &str = r##"{"id": "every-field", "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": "3F1A6C03-2B7D-4E8F-9A01-5C6D7E8F9A03", "externalTenantId": "{0B9A1C2D-3E4F-4051-8617-28394A5B6C7D}", "externalUserType": "b2bCollaborationGuest,internalGuest"}, "signInContext": {"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ["00000003-0000-0ff1-ce00-000000000000", "797F4846-BA00-4FD7-BA43-DAC1F8F63013"]}, "signInConditions": {"devicePlatform": "iOS", "clientAppType": "mobileAppsAndDesktopClients", "ipAddress": " 2001:db8::7 ", "country": "nl", "signInRiskLevel": "high", "userRiskLevel": "medium", "servicePrincipalRiskLevel": "low", "insiderRiskLevel": "elevated", "authenticationFlow": {"transferMethod": "deviceCodeFlow,authenticationTransfer"}, "deviceInfo": {"deviceId": "6D3E1A02-0C9B-4E8D-9A7F-2C1D0E9F8A02", "displayName": "n", "enrollmentProfileName": "e", "isCompliant": false, "manufacturer": "m", "mdmAppId": "a", "model": "x", "operatingSystem": "iOS", "operatingSystemVersion": "17", "deviceOwnership": "Personal", "physicalIds": ["p1", "p2"], "profileType": "RegisteredDevice", "systemLabels": ["s1"], "trustType": "Workplace", "extensionAttribute1": "one", "extensionAttribute15": "fifteen"}}, "session": {"time": "2026-03-02T09:00:00Z", "authenticationMethods": ["password", "fido2", "pigeon"], "certificate": {"issuerSki": " ABC ", "policyOids": [" 1.2.3 "]}, "lastAuthenticatedDateTime": "2026-03-02T08:00:00Z", "lastMfaDateTime": "2026-03-02T08:30:00Z", "acceptedTermsOfUse": ["5C6D7E8F-9A01-4B2C-8D3E-4F5061728394"], "satisfiedAuthenticationContexts": ["C1"], "passwordChanged": true, "customFactors": ["Duo"], "approvedClientApp": true, "appProtectionPolicy": true, "fido2Aaguid": "CB69481E-8FF7-4039-93EC-0A2729A154A8", "gpsCountry": "nl"}, "appliedPoliciesOnly": true}"##;

/// Does a reader that read [`EVERY_FIELD`] first read `text` as a fresh one does (the same
/// answer, request and diagnostics)? Nothing of an earlier request may carry over. The reader
/// reads [`EVERY_FIELD`] twice, so that it predicts `text`'s keys from that body's
/// (`json/shape.rs`), then `text` twice, predicting them from `text`'s own the second time.
#[cfg(any(test, feature = "fuzzing"))]
fn reader_reuse_agrees(text: &str, default_time: Option<Timestamp>) -> bool {
    let mut fresh_d = Diagnostics::new("request");
    let fresh = super::SignInReader::new()
        .read_common(&mut fresh_d, text, default_time)
        .map(|r| r.cloned());
    let mut reader = super::SignInReader::new();
    for _ in 0..2 {
        let mut earlier = Diagnostics::new("request");
        let every = reader.read_common(&mut earlier, EVERY_FIELD, default_time);
        if every.flatten().is_none() {
            return false;
        }
    }
    (0..2).all(|_| {
        let mut d = Diagnostics::new("request");
        let reused = reader
            .read_common(&mut d, text, default_time)
            .map(|r| r.cloned());
        fresh == reused && fresh_d.items == d.items
    })
}

/// Parses a request object. `default_time` fills a missing `session.time` (the CLI passes the
/// clock); without one, a missing time is an error. Problems go to `d`; the request's warnings
/// are kept on it.
pub fn parse_sign_in(
    d: &mut Diagnostics,
    json: &Json,
    default_time: Option<Timestamp>,
) -> Option<SignInRequest> {
    let o = Obj::new(d, json, "$")?;
    let identity = match o.obj(d, "signInIdentity") {
        Some(i) => parse_identity(d, &i),
        None => {
            d.error(
                "missingField",
                "$.signInIdentity",
                "signInIdentity is required",
            );
            None
        }
    };
    let context = match o.obj(d, "signInContext") {
        Some(c) => parse_context(d, &c),
        None => {
            d.error(
                "missingField",
                "$.signInContext",
                "signInContext is required",
            );
            None
        }
    };
    let conditions = o
        .obj(d, "signInConditions")
        .map(|c| parse_conditions(d, &c))
        .unwrap_or_default();
    let session = o
        .obj(d, "session")
        .map(|s| parse_session(d, &s))
        .unwrap_or_default();
    let applied_policies_only = o.bool(d, "appliedPoliciesOnly").unwrap_or(false);
    let (Some(identity), Some(context)) = (identity, context) else {
        return None;
    };
    let builder = SignInRequestBuilder {
        id: o.get("id").map(Json::to_value),
        identity,
        context: Some(context),
        conditions: Box::new(conditions),
        session,
        applied_policies_only,
    };
    builder.finish(d, default_time)
}

/// Reads `signInIdentity`.
pub fn parse_identity(d: &mut Diagnostics, i: &Obj<'_>) -> Option<Identity> {
    let kind = i.odata_type().map(str::to_ascii_lowercase);
    match kind.as_deref() {
        Some("usersignin") => {
            let user_id = i.req_str(d, "userId")?.to_owned();
            let types = i.flags(d, "externalUserType", GuestType::parse);
            for t in &types {
                if let GuestType::Unknown(v) = t {
                    d.error(
                        "invalidEnum",
                        &i.at("externalUserType"),
                        format!(
                            "unknown externalUserType \"{}\"; expected one of {}",
                            truncate(v, 60),
                            GuestType::NAMES.join(", ")
                        ),
                    );
                }
            }
            let external_user_type = i
                .has("externalUserType")
                .then(|| types.iter().fold(0u8, |acc, t| acc | t.bit()));
            Some(Identity::User {
                user_id,
                external_tenant_id: i.str(d, "externalTenantId").map(str::to_owned),
                external_user_type,
            })
        }
        Some("serviceprincipalsignin") => Some(Identity::ServicePrincipal {
            service_principal_id: i.req_str(d, "servicePrincipalId")?.to_owned(),
        }),
        Some(other) => {
            d.error(
                "invalidEnum",
                &i.at("@odata.type"),
                format!("unknown signInIdentity type \"{}\"; expected #microsoft.graph.userSignIn or #microsoft.graph.servicePrincipalSignIn", truncate(other, 60)),
            );
            None
        }
        None => {
            d.error(
                "missingField",
                &i.at("@odata.type"),
                "signInIdentity needs @odata.type (#microsoft.graph.userSignIn or #microsoft.graph.servicePrincipalSignIn)",
            );
            None
        }
    }
}

fn parse_context(d: &mut Diagnostics, c: &Obj<'_>) -> Option<SignInContext> {
    let kind = c.odata_type().map(str::to_ascii_lowercase);
    match kind.as_deref() {
        Some("applicationcontext") => {
            let apps = list(d, c, "includeApplications");
            if apps.is_empty() {
                d.error(
                    "missingField",
                    &c.at("includeApplications"),
                    "applicationContext needs at least one appId in includeApplications",
                );
                return None;
            }
            Some(SignInContext::Applications(apps))
        }
        Some("useractioncontext") => Some(SignInContext::UserAction(UserAction::parse(
            c.req_str(d, "userAction")?,
        ))),
        Some("authcontext") => Some(SignInContext::AuthContext(
            c.req_str(d, "authenticationContextValue")?.to_owned(),
        )),
        Some(other) => {
            d.error(
                "invalidEnum",
                &c.at("@odata.type"),
                format!("unknown signInContext type \"{}\"; expected applicationContext, userActionContext or authContext", truncate(other, 60)),
            );
            None
        }
        None => {
            d.error(
                "missingField",
                &c.at("@odata.type"),
                "signInContext needs @odata.type (#microsoft.graph.applicationContext, userActionContext or authContext)",
            );
            None
        }
    }
}

/// Reads `signInConditions` (also used by activation requests); the checks of §5.3a follow in
/// [`super::check_conditions`].
pub fn parse_conditions(d: &mut Diagnostics, c: &Obj<'_>) -> SignInConditions {
    let ip_address =
        c.str(d, "ipAddress")
            .and_then(|s| match crate::model::location::parse_ip(s.trim()) {
                Some(ip) => Some(ip),
                None => {
                    d.error(
                        "invalidIpAddress",
                        &c.at("ipAddress"),
                        format!(
                            "\"{}\" is not an IPv4 or IPv6 address (no prefix or zone)",
                            truncate(s, 60)
                        ),
                    );
                    None
                }
            });
    SignInConditions {
        platform: c.enumeration(d, "devicePlatform", Platform::parse),
        client_app_type: c.enumeration(d, "clientAppType", ClientAppType::parse),
        ip_address,
        country: c.str(d, "country").map(str::to_owned),
        sign_in_risk: c
            .enumeration(d, "signInRiskLevel", RiskLevel::parse)
            .unwrap_or(RiskLevel::None),
        user_risk: c
            .enumeration(d, "userRiskLevel", RiskLevel::parse)
            .unwrap_or(RiskLevel::None),
        service_principal_risk: c
            .enumeration(d, "servicePrincipalRiskLevel", RiskLevel::parse)
            .unwrap_or(RiskLevel::None),
        insider_risk: c
            .enumeration(d, "insiderRiskLevel", InsiderRiskLevel::parse)
            .unwrap_or(InsiderRiskLevel::None),
        transfer_methods: c
            .obj(d, "authenticationFlow")
            .map(|f| f.flags(d, "transferMethod", TransferMethod::parse))
            .unwrap_or_default(),
        device: c.obj(d, "deviceInfo").map(|o| parse_device(d, &o)),
    }
}

fn parse_device(d: &mut Diagnostics, o: &Obj<'_>) -> DeviceInfo {
    let s = |d: &mut Diagnostics, key: &str| o.str(d, key).map(str::to_owned);
    let list = |d: &mut Diagnostics, key: &str| {
        o.has(key).then(|| {
            o.strings(d, key)
                .into_iter()
                .map(|(v, _)| v.to_owned())
                .collect()
        })
    };
    let mut ext: [Option<String>; 15] = Default::default();
    // Spelled out once (the filter's list), so no name is built per request.
    for (slot, key) in ext.iter_mut().zip(crate::filter::EXTENSION_ATTRIBUTES) {
        *slot = s(d, key);
    }
    DeviceInfo {
        device_id: s(d, "deviceId"),
        display_name: s(d, "displayName"),
        enrollment_profile_name: s(d, "enrollmentProfileName"),
        extension_attributes: ext,
        is_compliant: o.bool(d, "isCompliant"),
        manufacturer: s(d, "manufacturer"),
        mdm_app_id: s(d, "mdmAppId"),
        model: s(d, "model"),
        operating_system: s(d, "operatingSystem"),
        operating_system_version: s(d, "operatingSystemVersion"),
        ownership: s(d, "ownership").or_else(|| s(d, "deviceOwnership")),
        physical_ids: list(d, "physicalIds"),
        profile_type: s(d, "profileType"),
        system_labels: list(d, "systemLabels"),
        trust_type: s(d, "trustType"),
    }
}

/// Reads `session`; the checks follow in [`super::check_session`].
pub fn parse_session(d: &mut Diagnostics, s: &Obj<'_>) -> Session {
    let mut methods = 0u32;
    let mut unknown_methods = Vec::new();
    for m in s.flags(d, "authenticationMethods", AuthMethod::parse) {
        if let AuthMethod::Unknown(name) = &m {
            unknown_methods.push(name.clone());
        }
        methods |= m.bit();
    }
    let certificate = s.obj(d, "certificate").map(|c| Certificate {
        issuer_ski: c.str(d, "issuerSki").map(str::to_owned),
        policy_oids: list(d, &c, "policyOids"),
    });
    Session {
        time: s.time(d, "time"),
        methods: MethodSet(methods),
        unknown_methods,
        last_authenticated: s.time(d, "lastAuthenticatedDateTime"),
        last_mfa: s.time(d, "lastMfaDateTime"),
        accepted_terms_of_use: list(d, s, "acceptedTermsOfUse"),
        satisfied_auth_contexts: list(d, s, "satisfiedAuthenticationContexts"),
        password_changed: s.bool(d, "passwordChanged").unwrap_or(false),
        custom_factors: list(d, s, "customFactors"),
        approved_client_app: s.bool(d, "approvedClientApp").unwrap_or(false),
        app_protection_policy: s.bool(d, "appProtectionPolicy").unwrap_or(false),
        fido2_aaguid: s.str(d, "fido2Aaguid").map(str::to_owned),
        certificate,
        gps_country: s.str(d, "gpsCountry").map(str::to_owned),
    }
}

#[cfg(test)]
mod fast_path_tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use jiff::Timestamp;

    use super::{fast_path_agrees, parse_sign_in_common};
    use crate::diag::Diagnostics;

    fn now() -> Option<Timestamp> {
        Timestamp::from_second(1_772_442_000).ok()
    }

    fn answers(text: &str) -> bool {
        parse_sign_in_common(&mut Diagnostics::new("request"), text, now()).is_some()
    }

    fn examples() -> Vec<String> {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/signins.jsonl"
        ))
        .unwrap();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn example_and_generated_requests_are_read_in_one_pass_as_the_tolerant_reader_reads_them() {
        let generated = crate::unstable::generate::requests(
            crate::unstable::generate::TenantSize::SMALL,
            300,
            11,
        );
        let all: Vec<String> = examples()
            .into_iter()
            .chain(generated.iter().map(ToString::to_string))
            .collect();
        assert_eq!(all.len(), 320);
        for text in &all {
            assert!(answers(text), "{text}");
            assert!(fast_path_agrees(text, now()), "{text}");
            assert!(fast_path_agrees(text, None), "{text}");
        }
    }

    #[test]
    fn a_sessions_times_are_read_as_their_text_says_when_one_repeats_another() {
        let at = |t: &str| Some(t.parse::<Timestamp>().unwrap());
        for (session, times) in [
            (
                r#"{"time": "2026-03-02T09:00:00Z", "lastAuthenticatedDateTime": "2026-03-02T09:00:00Z", "lastMfaDateTime": "2026-03-02T09:00:00Z"}"#,
                ["2026-03-02T09:00:00Z"; 3],
            ),
            (
                r#"{"lastAuthenticatedDateTime": "2026-03-02T07:30:00Z", "lastMfaDateTime": "2026-03-02T08:00:00Z", "time": "2026-03-02T08:00:00Z"}"#,
                [
                    "2026-03-02T08:00:00Z",
                    "2026-03-02T07:30:00Z",
                    "2026-03-02T08:00:00Z",
                ],
            ),
            (
                r#"{"lastAuthenticatedDateTime": "2026-03-02T07:30:00.5Z", "lastMfaDateTime": "2026-03-02T07:30:00.5Z", "time": "2026-03-02T09:00:00Z"}"#,
                [
                    "2026-03-02T09:00:00Z",
                    "2026-03-02T07:30:00.5Z",
                    "2026-03-02T07:30:00.5Z",
                ],
            ),
        ] {
            let text = format!(
                r##"{{"signInIdentity": {{"@odata.type": "#microsoft.graph.userSignIn", "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03"}}, "signInContext": {{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ["00000003-0000-0ff1-ce00-000000000000"]}}, "session": {session}}}"##
            );
            assert!(fast_path_agrees(&text, None), "{text}");
            let mut d = Diagnostics::new("request");
            let r = parse_sign_in_common(&mut d, &text, None).unwrap().unwrap();
            let [time, authenticated, mfa] = times;
            assert_eq!(
                (
                    r.session.time,
                    r.session.last_authenticated,
                    r.session.last_mfa
                ),
                (at(time), at(authenticated), at(mfa)),
                "{text}"
            );
        }
    }

    #[test]
    fn anything_outside_the_common_form_is_left_to_the_tolerant_reader() {
        let body = |identity: &str, rest: &str| {
            format!(
                r##"{{"signInIdentity": {identity}, "signInContext": {{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ["All"]}}{rest}}}"##
            )
        };
        let user = r##"{"@odata.type": "#microsoft.graph.userSignIn", "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03"}"##;
        // Read in one pass: case-insensitive keys, nulls, flags as one string.
        for rest in [
            "",
            r#", "SIGNINCONDITIONS": {"country": "NL", "clientAppType": null}"#,
            r#", "id": 7"#,
            r#", "session": {"authenticationMethods": "password, fido2", "time": "2026-03-02T09:00:00Z"}"#,
            r#", "signInConditions": {"deviceInfo": {"extensionAttribute15": "x", "deviceOwnership": "Company"}}"#,
        ] {
            let text = body(user, rest);
            assert!(answers(&text), "{text}");
            assert!(fast_path_agrees(&text, now()), "{text}");
        }
        // Left to the tolerant reader, which reports or reads them with paths. Annotations among
        // them: their values are checked to the letter by the tolerant reader's JSON tree (a lone
        // surrogate, a number out of range), so they leave the one-pass form.
        for rest in [
            r##", "#comment": [1, {"x": 2.5}], "id@odata.type": "x", "id": 7"##,
            r##", "#s": "\ud800""##,
            r##", "#n": 1e400"##,
            r##", "id@odata.x": 1e400"##,
            r#", "unknownKey": 1"#,
            r#", "session": {}, "Session": {}"#,
            r#", "id": "a\"b""#,
            r#", "id": 1.5"#,
            r#", "signInConditions": {"ipAddress": "not an address"}"#,
            r#", "signInConditions": {"country": 5}"#,
            r#", "session": {"time": "yesterday"}"#,
            r#", "signInConditions": {"AdditionalProperties": {"country": "NL"}}"#,
            r#", "signInConditions": {"authenticationFlow": "deviceCodeFlow"}"#,
        ] {
            let text = body(user, rest);
            assert!(!answers(&text), "{text}");
            assert!(fast_path_agrees(&text, now()), "{text}");
        }
        for identity in [
            r##"{"@odata.type": "#microsoft.graph.userSignIn"}"##,
            r##"{"@odata.type": "#microsoft.graph.userSignIn", "userId": "u", "externalUserType": "pirate"}"##,
            r##"{"@odata.type": "#microsoft.graph.robotSignIn", "userId": "u"}"##,
            r##"{"@odata.type": "a", "@odata.type": "b", "userId": "u"}"##,
        ] {
            let text = body(identity, "");
            assert!(!answers(&text), "{text}");
            assert!(fast_path_agrees(&text, now()), "{text}");
        }
    }

    /// One reader reads every example and generated request in turn, after the request that
    /// sets every field: each reads as it does fresh, so nothing carries over from the one
    /// before, and the fields it sets really are read in one pass.
    #[test]
    fn a_reused_reader_reads_each_request_as_a_fresh_one_does() {
        let mut d = Diagnostics::new("request");
        let every = parse_sign_in_common(&mut d, super::EVERY_FIELD, now());
        let every = every.flatten().unwrap();
        assert!(fast_path_agrees(super::EVERY_FIELD, now()));
        let device = every.conditions.device.as_ref().unwrap();
        assert_eq!(device.extension_attributes[14].as_deref(), Some("fifteen"));
        assert_eq!(device.ownership.as_deref(), Some("Personal"));
        assert_eq!(every.session.unknown_methods, ["pigeon"]);
        assert_eq!(d.items.len(), 1, "{:?}", d.items);
        let generated = crate::unstable::generate::requests(
            crate::unstable::generate::TenantSize::SMALL,
            300,
            12,
        );
        let texts: Vec<String> = std::iter::once(super::EVERY_FIELD.to_owned())
            .chain(examples())
            .chain(generated.iter().map(ToString::to_string))
            .collect();
        let mut reader = super::super::SignInReader::new();
        for text in texts.iter().chain(texts.iter().rev()) {
            let mut fresh_d = Diagnostics::new("request");
            let fresh = parse_sign_in_common(&mut fresh_d, text, now());
            let mut reused_d = Diagnostics::new("request");
            let reused = reader.read_common(&mut reused_d, text, now());
            assert_eq!(reused.map(|r| r.cloned()), fresh, "{text}");
            assert_eq!(reused_d.items, fresh_d.items, "{text}");
        }
    }

    /// Example requests, and thousands of damaged copies of them (a byte replaced by JSON
    /// punctuation, a letter, a digit or a control character, a key's case changed, or the text
    /// cut short): wherever the one-pass reader answers, it answers what the tolerant reader does.
    #[test]
    fn agrees_with_the_tolerant_reader_on_damaged_requests() {
        let bytes = b"\"\\{}[],: 0-.eE+tfnu\x01x/@#AZ";
        let (mut answered, mut left) = (0, 0);
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for text in examples() {
            for t in crate::json::scan::damaged_copies(&text, seed, 600, bytes, true) {
                if answers(&t) {
                    answered += 1;
                } else {
                    left += 1;
                }
                assert!(fast_path_agrees(&t, now()), "{t}");
            }
            seed = seed.wrapping_add(1);
        }
        assert!(answered > 2000 && left > 2000, "{answered} {left}");
    }

    /// One reader reading the damaged copies one after another, so that the keys it predicts
    /// from the bodies before (`json/shape.rs`) hit and miss: each read gives what a fresh
    /// reader gives.
    #[test]
    fn a_reader_that_predicts_keys_reads_damaged_requests_as_a_fresh_one() {
        let bytes = b"\"\\{}[],: 0-.eE+tfnu\x01x/@#AZ";
        let mut reader = super::super::SignInReader::new();
        let mut seed = 0x51_7cc1_b727_220a_u64;
        let mut read = 0;
        for text in examples() {
            let copies = crate::json::scan::damaged_copies(&text, seed, 300, bytes, true);
            for t in std::iter::once(text.clone()).chain(copies) {
                let mut fresh_d = Diagnostics::new("request");
                let fresh = parse_sign_in_common(&mut fresh_d, &t, now());
                let mut reused_d = Diagnostics::new("request");
                let reused = reader.read_common(&mut reused_d, &t, now());
                read += usize::from(reused.is_some());
                assert_eq!(reused.map(|r| r.cloned()), fresh, "{t}");
                assert_eq!(reused_d.items, fresh_d.items, "{t}");
            }
            seed = seed.wrapping_add(1);
        }
        assert!(read > 1000, "{read}");
    }
}
