//! The request checks and normalisations of docs/SEMANTICS.md §5.3a, in one place: every request,
//! built in code or read from JSON, sign-in or activation, passes through here before it exists.

use super::{Session, SignInConditions};
use crate::diag::Diagnostics;
use crate::model::enums::{
    ClientAppType, InsiderRiskLevel, Platform, RiskLevel, TransferMethod, UserAction,
};
use crate::model::location::normalize_ip;
use crate::model::read::{child, guid_case, index, is_guid, trimmed, truncate};

/// The lower-case dashed form of a GUID given as `xxxxxxxx-…`, `{…}`, `urn:uuid:…` or 32 hex
/// digits without dashes (any case, surrounding space ignored); `None` for anything else.
pub fn normalize_guid(raw: &str) -> Option<String> {
    let mut s = raw.trim();
    if s.len() > 9
        && s.get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:uuid:"))
    {
        s = s.get(9..)?;
    } else if let Some(inner) = s.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
        s = inner;
    }
    if is_guid(s) {
        return Some(s.to_ascii_lowercase());
    }
    if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        let (a, rest) = s.split_at(8);
        let (b, rest) = rest.split_at(4);
        let (c, rest) = rest.split_at(4);
        let (e, f) = rest.split_at(4);
        return Some(format!("{a}-{b}-{c}-{e}-{f}").to_ascii_lowercase());
    }
    None
}

/// Normalises the id at `path` in place, or records why it is not one.
pub fn check_id(d: &mut Diagnostics, path: &str, what: &str, id: &mut String) {
    check_id_at(d, || path.to_owned(), what, id);
}

/// [`check_id`] with the path built only for an error. The common case, a dashed GUID as Graph
/// writes it, is lowercased where it stands.
fn check_id_at(d: &mut Diagnostics, path: impl FnOnce() -> String, what: &str, id: &mut String) {
    if let Some(upper) = guid_case(id) {
        if upper {
            id.make_ascii_lowercase();
        }
        return;
    }
    match normalize_guid(id) {
        Some(g) => *id = g,
        None => d.error(
            "invalidId",
            &path(),
            format!(
                "\"{}\" is not a GUID; expected the {what} as a GUID (display names and keywords are not accepted)",
                truncate(id, 60)
            ),
        ),
    }
}

/// Checks each id of a list; errors name the item's index.
pub fn check_ids(d: &mut Diagnostics, path: &str, what: &str, ids: &mut [String]) {
    for (i, id) in ids.iter_mut().enumerate() {
        check_id_at(d, || index(path, i), what, id);
    }
}

/// Is this an `unknownFutureValue` (accepted, and counts as unknown)?
fn is_future(text: &str) -> bool {
    text.eq_ignore_ascii_case("unknownFutureValue")
}

fn unknown_value(d: &mut Diagnostics, path: &str, field: &str, value: &str, names: &[&str]) {
    d.error(
        "invalidEnum",
        path,
        format!(
            "unknown {field} \"{}\"; expected one of {} (or unknownFutureValue)",
            truncate(value, 60),
            names.join(", ")
        ),
    );
}

/// Rejects a risk level outside the vocabulary; the path (`base.field`) is built only then.
fn check_risk(d: &mut Diagnostics, base: &str, field: &str, level: &RiskLevel) {
    if let RiskLevel::Unknown(v) = level
        && !is_future(v)
    {
        unknown_value(d, &child(base, field), field, v, RiskLevel::NAMES);
    }
}

/// Checks a user action (§5.3a).
pub fn check_user_action(d: &mut Diagnostics, path: &str, action: &UserAction) {
    if let UserAction::Unknown(v) = action {
        unknown_value(
            d,
            path,
            "userAction",
            v,
            &["registerSecurityInformation", "registerOrJoinDevices"],
        );
    }
}

/// Checks and normalises `signInConditions` found at `base` (§5.3a).
pub fn check_conditions(d: &mut Diagnostics, base: &str, c: &mut SignInConditions) {
    match &c.platform {
        Some(Platform::All) => c.platform = None,
        Some(Platform::Unknown(v)) if is_future(v) => c.platform = None,
        Some(Platform::Unknown(v)) => {
            let v = v.clone();
            unknown_value(
                d,
                &format!("{base}.devicePlatform"),
                "devicePlatform",
                &v,
                Platform::NAMES,
            );
        }
        _ => {}
    }
    match &c.client_app_type {
        Some(ClientAppType::All) => c.client_app_type = None,
        Some(ClientAppType::Unknown(v)) if is_future(v) => c.client_app_type = None,
        Some(ClientAppType::Unknown(v)) => {
            let v = v.clone();
            unknown_value(
                d,
                &format!("{base}.clientAppType"),
                "clientAppType",
                &v,
                ClientAppType::NAMES,
            );
        }
        _ => {}
    }
    check_risk(d, base, "signInRiskLevel", &c.sign_in_risk);
    check_risk(d, base, "userRiskLevel", &c.user_risk);
    check_risk(
        d,
        base,
        "servicePrincipalRiskLevel",
        &c.service_principal_risk,
    );
    if let InsiderRiskLevel::Unknown(v) = &c.insider_risk
        && !is_future(v)
    {
        let v = v.clone();
        unknown_value(
            d,
            &format!("{base}.insiderRiskLevel"),
            "insiderRiskLevel",
            &v,
            InsiderRiskLevel::NAMES,
        );
    }
    for m in &c.transfer_methods {
        if let TransferMethod::Unknown(v) = m
            && !is_future(v)
        {
            unknown_value(
                d,
                &format!("{base}.authenticationFlow.transferMethod"),
                "transferMethod",
                v,
                TransferMethod::NAMES,
            );
        }
    }
    c.transfer_methods.retain(|m| *m != TransferMethod::None);
    c.ip_address = c.ip_address.map(normalize_ip);
    if let Some(country) = &mut c.country {
        let t = trimmed(country);
        // Upper-cased on the stack and in place: a two-letter code needs no new string.
        let upper = match t.as_bytes() {
            [a, b] => Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()]),
            _ => None,
        };
        let known = upper.is_some_and(super::country::is_country_code);
        if t.eq_ignore_ascii_case("unknown") {
            if country != "unknown" {
                *country = "unknown".to_owned();
            }
        } else if known {
            if country.len() == 2 {
                country.make_ascii_uppercase();
            } else {
                *country = t.to_ascii_uppercase();
            }
        } else {
            d.error(
                "invalidCountry",
                &format!("{base}.country"),
                format!(
                    "\"{}\" is not a country; expected an assigned ISO 3166-1 alpha-2 code such as NL, or unknown",
                    truncate(t, 60)
                ),
            );
        }
    }
    if let Some(device) = &mut c.device
        && let Some(id) = &mut device.device_id
    {
        check_id_at(d, || child(base, "deviceInfo.deviceId"), "device id", id);
    }
}

/// Checks and normalises `session` found at `base` (§5.3a, §5.4); the time is checked by the
/// caller, who knows whether a clock may fill it.
pub fn check_session(d: &mut Diagnostics, base: &str, s: &mut Session) {
    for name in &s.unknown_methods {
        d.warn(
            "unknownAuthMethod",
            &format!("{base}.authenticationMethods"),
            format!(
                "\"{}\" is not an authentication method this version knows; it proves nothing",
                truncate(name, 60)
            ),
        );
    }
    if !s.accepted_terms_of_use.is_empty() {
        check_ids(
            d,
            &child(base, "acceptedTermsOfUse"),
            "terms of use agreement id",
            &mut s.accepted_terms_of_use,
        );
    }
    lower_all(&mut s.satisfied_auth_contexts);
    lower_all(&mut s.custom_factors);
    if let Some(a) = &mut s.fido2_aaguid {
        *a = a.trim().to_ascii_lowercase();
    }
    if let Some(c) = &mut s.gps_country {
        *c = c.trim().to_ascii_uppercase();
    }
    if let Some(cert) = &mut s.certificate {
        if let Some(ski) = &mut cert.issuer_ski {
            *ski = ski.trim().to_ascii_lowercase();
        }
        for oid in &mut cert.policy_oids {
            *oid = oid.trim().to_owned();
        }
    }
}

fn lower_all(list: &mut [String]) {
    for v in list {
        *v = v.trim().to_ascii_lowercase();
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_guid;

    #[test]
    fn every_guid_form_normalises_to_lower_case_dashed() {
        let canonical = Some("3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03".to_owned());
        for form in [
            "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03",
            "3F1A6C03-2B7D-4E8F-9A01-5C6D7E8F9A03",
            "{3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03}",
            "urn:uuid:3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03",
            "URN:UUID:3F1A6C03-2B7D-4E8F-9A01-5C6D7E8F9A03",
            "3f1a6c032b7d4e8f9a015c6d7e8f9a03",
            " 3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03 ",
        ] {
            assert_eq!(normalize_guid(form), canonical, "{form}");
        }
    }

    #[test]
    fn names_keywords_and_broken_guids_are_not_ids() {
        for bad in [
            "",
            "All",
            "Office 365 Exchange Online",
            "{3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03",
            "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a0",
            "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03-",
            "urn:uuid:",
            "g f1a6c032b7d4e8f9a015c6d7e8f9a03",
            "é3f1a6c032b7d4e8f9a015c6d7e8f9a0",
        ] {
            assert_eq!(normalize_guid(bad), None, "{bad}");
        }
    }
}
