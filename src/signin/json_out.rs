//! A sign-in decision written as JSON by hand: the same bytes `serde_json` writes, without its
//! per-string escaping pass over keys and identifiers it cannot know are plain.
//!
//! Every part of a decision is written directly, with keys as literal bytes, except warnings,
//! pass-through session control values, an echoed request id that is not a string, strings that
//! need escaping and a claims challenge whose context needs escaping, which go through
//! `serde_json`.
//! `tests/it/json_output.rs` and the tests below check the bytes agree.

use serde::Serialize;

use crate::model::enums::{FrequencyAuthType, FrequencyInterval, FrequencyUnit, Spelled};
use crate::signin::decision::{
    DenyReason, EffectiveSessionControls, PolicyResult, Requirement, RequirementItem,
    SignInDecision, reasons,
};

/// Appends `s` as a JSON string. A string with nothing to escape (the usual id or name) is copied
/// as it is; any other goes through `serde_json`, which escapes as it always does.
pub fn string(out: &mut Vec<u8>, s: &str) {
    if !needs_escape(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        value(out, s);
    }
}

/// Appends the claims challenge for authentication context `cx` as a JSON string: the bytes
/// `serde_json` writes for [`crate::signin::decision::claims_challenge`]'s text, the fixed parts
/// written already escaped.
pub(crate) fn claims_challenge(out: &mut Vec<u8>, cx: &str) {
    if needs_escape(cx.as_bytes()) {
        value(
            out,
            &format_args!("{}", crate::signin::decision::ClaimsChallenge(cx)),
        );
        return;
    }
    out.extend_from_slice(br#""{\"access_token\":{\"acrs\":{\"essential\":true,\"value\":\""#);
    out.extend_from_slice(cx.as_bytes());
    out.extend_from_slice(br#"\"}}}""#);
}

/// Does `s` hold a byte JSON must escape (a control character, `"` or `\\`)? With the scanner's
/// test for the end of a plain string.
fn needs_escape(s: &[u8]) -> bool {
    crate::json::plain::plain_len(s) != s.len()
}

/// Appends any serialisable value with `serde_json`.
pub(crate) fn value<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Writing to a Vec cannot fail, and the decision types serialise without error.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// Appends a request's echoed `id`: a string (the usual id) written here, any other value by
/// `serde_json`; the same bytes either way.
pub(crate) fn echo_id(out: &mut Vec<u8>, id: &serde_json::Value) {
    match id {
        serde_json::Value::String(s) => string(out, s),
        other => value(out, other),
    }
}

/// Adds `"key":` (the key must be a plain identifier).
pub(crate) fn key(out: &mut Vec<u8>, first: &mut bool, k: &[u8]) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.push(b'"');
    out.extend_from_slice(k);
    out.extend_from_slice(b"\":");
}

fn strings(out: &mut Vec<u8>, items: &[String]) {
    str_list(out, items.iter().map(String::as_str));
}

/// A JSON array of strings.
pub(crate) fn str_list<'s>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'s str>) {
    out.push(b'[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

/// `"key":[ids]` for a non-empty list, as `skip_serializing_if = "Vec::is_empty"` writes it.
fn ids_unless_empty(out: &mut Vec<u8>, first: &mut bool, k: &[u8], ids: &[String]) {
    if !ids.is_empty() {
        key(out, first, k);
        strings(out, ids);
    }
}

pub(crate) fn requirement_item(out: &mut Vec<u8>, item: &RequirementItem) {
    let mut first = true;
    out.push(b'{');
    key(out, &mut first, b"type");
    match item {
        RequirementItem::Reauthentication {
            authentication_type,
            frequency_interval,
            value,
            frequency_type,
            reason,
        } => {
            out.extend_from_slice(b"\"reauthentication\"");
            key(out, &mut first, b"authenticationType");
            spelling(out, authentication_type);
            key(out, &mut first, b"frequencyInterval");
            spelling(out, frequency_interval);
            if let Some(v) = value {
                key(out, &mut first, b"value");
                out.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes());
            }
            if let Some(t) = frequency_type {
                key(out, &mut first, b"frequencyType");
                spelling(out, t);
            }
            key(out, &mut first, b"reason");
            string(out, reason);
        }
        RequirementItem::Mfa => out.extend_from_slice(b"\"mfa\""),
        RequirementItem::AuthenticationStrength {
            id,
            display_name,
            allowed_combinations,
        } => {
            out.extend_from_slice(b"\"authenticationStrength\"");
            key(out, &mut first, b"id");
            string(out, id);
            key(out, &mut first, b"displayName");
            string(out, display_name);
            key(out, &mut first, b"allowedCombinations");
            strings(out, allowed_combinations);
        }
        RequirementItem::PasswordChange => out.extend_from_slice(b"\"passwordChange\""),
        RequirementItem::RiskRemediation => out.extend_from_slice(b"\"riskRemediation\""),
        RequirementItem::TermsOfUse { agreement_id } => {
            out.extend_from_slice(b"\"termsOfUse\"");
            key(out, &mut first, b"agreementId");
            string(out, agreement_id);
        }
        RequirementItem::CustomAuthenticationFactor { id } => {
            out.extend_from_slice(b"\"customAuthenticationFactor\"");
            key(out, &mut first, b"id");
            string(out, id);
        }
        RequirementItem::AuthenticationContext {
            value,
            claims_challenge,
        } => {
            out.extend_from_slice(b"\"authenticationContext\"");
            key(out, &mut first, b"value");
            string(out, value);
            key(out, &mut first, b"claimsChallenge");
            string(out, claims_challenge);
        }
    }
    out.push(b'}');
}

fn requirements(out: &mut Vec<u8>, list: &[Requirement]) {
    out.push(b'[');
    for (i, r) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let mut first = true;
        out.push(b'{');
        key(out, &mut first, b"anyOf");
        out.push(b'[');
        for (j, item) in r.any_of.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            requirement_item(out, item);
        }
        out.push(b']');
        ids_unless_empty(out, &mut first, b"policyIds", &r.policy_ids);
        if let Some(source) = &r.source {
            key(out, &mut first, b"source");
            string(out, source);
        }
        out.push(b'}');
    }
    out.push(b']');
}

fn deny_reasons(out: &mut Vec<u8>, list: &[DenyReason]) {
    out.push(b'[');
    for (i, reason) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let mut first = true;
        out.push(b'{');
        key(out, &mut first, b"type");
        out.extend_from_slice(match reason {
            DenyReason::BlockedByPolicy { .. } => b"\"blockedByPolicy\"".as_slice(),
            DenyReason::UnsatisfiedNonInteractiveControls { .. } => {
                b"\"unsatisfiedNonInteractiveControls\"".as_slice()
            }
        });
        key(out, &mut first, b"policyId");
        string(out, reason.policy_id());
        key(out, &mut first, b"displayName");
        string(out, reason.display_name());
        if let DenyReason::UnsatisfiedNonInteractiveControls { controls, .. } = reason {
            key(out, &mut first, b"controls");
            strings(out, controls);
        }
        out.push(b'}');
    }
    out.push(b']');
}

/// `"signInFrequency":{...}` (the owned and the borrowed decision both write it).
pub(crate) struct FrequencyJson<'f> {
    /// `timeBased` or `everyTime`.
    pub interval: &'f FrequencyInterval,
    /// Interval length.
    pub value: Option<i64>,
    /// Interval unit.
    pub unit: Option<&'f FrequencyUnit>,
    /// Which authentication is measured.
    pub authentication_type: &'f FrequencyAuthType,
}

/// Appends an enumeration value's Graph spelling: a value the enumeration knows is a plain
/// identifier, copied as it is (`no_spelling_needs_escaping` in `enums.rs` holds every known
/// spelling to that); an unknown one is text from the export, escaped.
pub(crate) fn spelling(out: &mut Vec<u8>, value: &dyn Spelled) {
    if value.is_unknown() {
        string(out, value.text());
    } else {
        name(out, value.text());
    }
}

/// Adds `"signInFrequency":{...}` with its policies.
pub(crate) fn frequency<'s>(
    out: &mut Vec<u8>,
    first: &mut bool,
    f: &FrequencyJson<'_>,
    ids: impl IntoIterator<Item = &'s str>,
) {
    key(out, first, b"signInFrequency");
    out.extend_from_slice(b"{\"frequencyInterval\":");
    spelling(out, f.interval);
    if let Some(v) = f.value {
        out.extend_from_slice(b",\"value\":");
        out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }
    if let Some(unit) = f.unit {
        out.extend_from_slice(b",\"type\":");
        spelling(out, unit);
    }
    out.extend_from_slice(b",\"authenticationType\":");
    spelling(out, f.authentication_type);
    out.extend_from_slice(b",\"policyIds\":");
    str_list(out, ids);
    out.push(b'}');
}

/// Adds `"key":{"mode":...,"policyIds":[...]}` for a control with a value.
pub(crate) fn effective<'s>(
    out: &mut Vec<u8>,
    first: &mut bool,
    k: &[u8],
    mode: &dyn Spelled,
    ids: impl IntoIterator<Item = &'s str>,
) {
    key(out, first, k);
    out.extend_from_slice(b"{\"mode\":");
    spelling(out, mode);
    out.extend_from_slice(b",\"policyIds\":");
    str_list(out, ids);
    out.push(b'}');
}

/// Adds `"key":{"isEnabled":...,"policyIds":[...]}` for an on/off control.
pub(crate) fn flag<'s>(
    out: &mut Vec<u8>,
    first: &mut bool,
    k: &[u8],
    is_enabled: bool,
    ids: impl IntoIterator<Item = &'s str>,
) {
    key(out, first, k);
    out.extend_from_slice(if is_enabled {
        b"{\"isEnabled\":true,\"policyIds\":".as_slice()
    } else {
        b"{\"isEnabled\":false,\"policyIds\":".as_slice()
    });
    str_list(out, ids);
    out.push(b'}');
}

fn ids(list: &[String]) -> impl Iterator<Item = &str> {
    list.iter().map(String::as_str)
}

fn session_controls(out: &mut Vec<u8>, c: &EffectiveSessionControls) {
    let mut first = true;
    out.push(b'{');
    if let Some(f) = &c.sign_in_frequency {
        let shape = FrequencyJson {
            interval: &f.frequency_interval,
            value: f.value,
            unit: f.unit.as_ref(),
            authentication_type: &f.authentication_type,
        };
        frequency(out, &mut first, &shape, ids(&f.policy_ids));
    }
    let modes = [
        (
            b"persistentBrowser".as_slice(),
            c.persistent_browser
                .as_ref()
                .map(|e| (&e.mode as &dyn Spelled, &e.policy_ids)),
        ),
        (
            b"cloudAppSecurity".as_slice(),
            c.cloud_app_security
                .as_ref()
                .map(|e| (&e.mode as &dyn Spelled, &e.policy_ids)),
        ),
        (
            b"continuousAccessEvaluation".as_slice(),
            c.continuous_access_evaluation
                .as_ref()
                .map(|e| (&e.mode as &dyn Spelled, &e.policy_ids)),
        ),
    ];
    for (k, mode) in modes {
        if let Some((mode, list)) = mode {
            effective(out, &mut first, k, mode, ids(list));
        }
    }
    for (k, f) in [
        (
            b"applicationEnforcedRestrictions".as_slice(),
            &c.application_enforced_restrictions,
        ),
        (b"secureSignInSession".as_slice(), &c.secure_sign_in_session),
        (
            b"disableResilienceDefaults".as_slice(),
            &c.disable_resilience_defaults,
        ),
    ] {
        if let Some(f) = f {
            flag(out, &mut first, k, f.is_enabled, ids(&f.policy_ids));
        }
    }
    if !c.passthrough.is_empty() {
        key(out, &mut first, b"passthrough");
        value(out, &c.passthrough);
    }
    out.push(b'}');
}

/// A name from a closed set of plain identifiers (an enum's wire name): copied as it is.
pub(crate) fn name(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// One per-policy result. Its fixed keys go out as literal runs, one copy each, since a decision
/// with explain writes one of these for every policy of the tenant.
fn policy_result(out: &mut Vec<u8>, p: &PolicyResult) {
    out.extend_from_slice(b"{\"id\":");
    string(out, &p.id);
    out.extend_from_slice(b",\"displayName\":");
    string(out, &p.display_name);
    out.extend_from_slice(b",\"state\":");
    string(out, p.state.as_str());
    out.extend_from_slice(if p.policy_applies {
        b",\"policyApplies\":true,\"analysisReasons\":".as_slice()
    } else {
        b",\"policyApplies\":false,\"analysisReasons\":".as_slice()
    });
    match reasons::name(p.analysis_reasons) {
        Some(n) => name(out, n),
        None => string(out, &reasons::to_graph(p.analysis_reasons)),
    }
    out.extend_from_slice(b",\"result\":");
    name(out, p.result.as_str());
    out.extend_from_slice(b",\"outcome\":");
    name(out, p.outcome.as_str());
    let mut first = false;
    if let Some(list) = &p.enforced_grant_controls {
        key(out, &mut first, b"enforcedGrantControls");
        strings(out, list);
    }
    if let Some(list) = &p.enforced_session_controls {
        key(out, &mut first, b"enforcedSessionControls");
        strings(out, list);
    }
    if let Some(list) = &p.unsatisfied_controls {
        key(out, &mut first, b"unsatisfiedControls");
        strings(out, list);
    }
    if !p.warnings.is_empty() {
        key(out, &mut first, b"warnings");
        value(out, &p.warnings);
    }
    out.push(b'}');
}

impl SignInDecision {
    /// Appends this decision as one line of JSON (no newline): exactly the bytes
    /// `serde_json::to_writer` writes, several times faster for decisions with per-policy results.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut first = true;
        out.push(b'{');
        if let Some(id) = &self.id {
            key(out, &mut first, b"id");
            echo_id(out, id);
        }
        key(out, &mut first, b"decision");
        name(out, self.decision.as_str());
        key(out, &mut first, b"evaluatedAt");
        crate::model::time::write_json_timestamp(out, self.evaluated_at);
        key(out, &mut first, b"conditionalAccessStatus");
        name(out, self.conditional_access_status.as_str());
        key(out, &mut first, b"requirements");
        requirements(out, &self.requirements);
        key(out, &mut first, b"denyReasons");
        deny_reasons(out, &self.deny_reasons);
        if let Some(c) = &self.claims_challenge {
            key(out, &mut first, b"claimsChallenge");
            string(out, c);
        }
        key(out, &mut first, b"sessionControls");
        session_controls(out, &self.session_controls);
        if let Some(policies) = &self.policies {
            key(out, &mut first, b"policies");
            out.push(b'[');
            for (i, p) in policies.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                policy_result(out, p);
            }
            out.push(b']');
        }
        key(out, &mut first, b"warnings");
        if self.warnings.is_empty() {
            out.extend_from_slice(b"[]");
        } else {
            value(out, &self.warnings);
        }
        if let Some(r) = &self.revision {
            key(out, &mut first, b"revision");
            string(out, r.as_str());
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signin::decision::{CaStatus, Decision, Outcome, PolicyResultKind};

    fn json<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }

    #[test]
    fn needs_escape_finds_every_byte_json_escapes() {
        for len in 0..20 {
            for pos in 0..len {
                for bad in [0u8, 0x1f, b'"', b'\\'] {
                    let mut s = vec![b'a'; len];
                    if let Some(b) = s.get_mut(pos) {
                        *b = bad;
                    }
                    assert!(needs_escape(&s), "{len} {pos} {bad}");
                }
            }
            assert!(!needs_escape(&vec![b'a'; len]));
            assert!(!needs_escape("é€ü ~\x7f".repeat(len).as_bytes()));
        }
    }

    #[test]
    fn an_echoed_id_is_written_as_serde_writes_it() {
        for id in [
            serde_json::json!("s01-chloe"),
            serde_json::json!("with \"quote\", back\\slash, tab\t, \u{1} and é"),
            serde_json::json!(""),
            serde_json::json!(42),
            serde_json::json!(-7),
            serde_json::json!(1.5),
            serde_json::json!(true),
            serde_json::json!({"batch": 3, "n": ["a"]}),
            serde_json::json!([1, "x"]),
        ] {
            let mut out = Vec::new();
            echo_id(&mut out, &id);
            assert_eq!(String::from_utf8(out).unwrap_or_default(), json(&id));
        }
    }

    #[test]
    fn a_claims_challenge_is_written_as_serde_json_writes_its_text() {
        for cx in [
            "c1",
            "c25",
            "",
            "cx/é€",
            "a\"b",
            "back\\slash",
            "tab\there",
            "\u{1}",
        ] {
            let mut out = Vec::new();
            super::claims_challenge(&mut out, cx);
            let want = serde_json::to_vec(&crate::signin::decision::claims_challenge(cx))
                .unwrap_or_default();
            assert_eq!(out, want, "{cx:?}");
        }
    }

    #[test]
    fn plain_strings_are_copied_and_others_escaped_like_serde() {
        for s in [
            "plain",
            "with \"quote\"",
            "back\\slash",
            "tab\there",
            "ünïcode €",
            "del\x7f",
            "",
        ] {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap_or_default(), "{s}");
        }
    }

    /// One of every requirement, deny reason and session control (names that need escaping
    /// among them), written by hand and by serde_json.
    #[test]
    fn every_requirement_deny_reason_and_session_control_writes_the_serde_bytes() {
        fn written_as_serde_writes(decision: &SignInDecision) {
            let mut out = Vec::new();
            decision.write_json(&mut out);
            assert_eq!(
                String::from_utf8_lossy(&out),
                serde_json::to_string(decision).unwrap_or_default()
            );
        }
        use crate::model::enums::{
            CaeMode, CloudAppSecurityType, FrequencyAuthType, FrequencyInterval, FrequencyUnit,
            PersistentBrowserMode,
        };
        use crate::signin::decision::{
            CaStatus, Decision, Effective, EffectiveFlag, EffectiveSignInFrequency, PassThrough,
        };
        let ids = || vec!["p1".to_owned(), "p\"2".to_owned()];
        let items = vec![
            RequirementItem::Reauthentication {
                authentication_type: FrequencyAuthType::PrimaryAndSecondary,
                frequency_interval: FrequencyInterval::TimeBased,
                value: Some(-4),
                frequency_type: Some(FrequencyUnit::Hours),
                reason: "signInFrequency",
            },
            RequirementItem::Reauthentication {
                authentication_type: FrequencyAuthType::Unknown("odd\\".to_owned()),
                frequency_interval: FrequencyInterval::EveryTime,
                value: None,
                frequency_type: None,
                reason: "signInFrequency",
            },
            RequirementItem::Reauthentication {
                authentication_type: FrequencyAuthType::Secondary,
                frequency_interval: FrequencyInterval::Unknown("every\"so often".to_owned()),
                value: Some(2),
                frequency_type: Some(FrequencyUnit::Unknown("fort\nnights".to_owned())),
                reason: "signInFrequency",
            },
            RequirementItem::Mfa,
            RequirementItem::AuthenticationStrength {
                id: "s".to_owned(),
                display_name: "Phish \"resistant\"".to_owned(),
                allowed_combinations: vec![
                    "fido2".to_owned(),
                    "x509Certificate,multiFactor".to_owned(),
                ],
            },
            RequirementItem::PasswordChange,
            RequirementItem::RiskRemediation,
            RequirementItem::TermsOfUse {
                agreement_id: "t".to_owned(),
            },
            RequirementItem::CustomAuthenticationFactor {
                id: "c\n".to_owned(),
            },
            RequirementItem::AuthenticationContext {
                value: "c1".to_owned(),
                claims_challenge: crate::signin::decision::claims_challenge("c1"),
            },
        ];
        let decision = SignInDecision {
            id: Some(serde_json::json!({"a": [1, "b"]})),
            decision: Decision::StepUp,
            // 2026-03-02T09:00:00Z.
            evaluated_at: jiff::Timestamp::constant(1_772_442_000, 0),
            conditional_access_status: CaStatus::Failure,
            requirements: vec![
                Requirement {
                    any_of: items,
                    policy_ids: ids(),
                    source: None,
                },
                Requirement {
                    any_of: vec![RequirementItem::Mfa],
                    policy_ids: Vec::new(),
                    source: Some("rule".to_owned()),
                },
            ],
            deny_reasons: vec![
                DenyReason::BlockedByPolicy {
                    policy_id: "b".to_owned(),
                    display_name: "Block \"all\"".to_owned(),
                },
                DenyReason::UnsatisfiedNonInteractiveControls {
                    policy_id: "c".to_owned(),
                    display_name: "Compliant".to_owned(),
                    controls: vec!["compliantDevice".to_owned()],
                },
            ],
            claims_challenge: Some(crate::signin::decision::claims_challenge("c1")),
            session_controls: EffectiveSessionControls {
                sign_in_frequency: Some(EffectiveSignInFrequency {
                    frequency_interval: FrequencyInterval::TimeBased,
                    value: Some(12),
                    unit: Some(FrequencyUnit::Days),
                    authentication_type: FrequencyAuthType::Secondary,
                    policy_ids: ids(),
                }),
                persistent_browser: Some(Effective {
                    mode: PersistentBrowserMode::Never,
                    policy_ids: ids(),
                }),
                cloud_app_security: Some(Effective {
                    mode: CloudAppSecurityType::Unknown("new\"mode".to_owned()),
                    policy_ids: ids(),
                }),
                continuous_access_evaluation: Some(Effective {
                    mode: CaeMode::StrictEnforcement,
                    policy_ids: Vec::new(),
                }),
                application_enforced_restrictions: Some(EffectiveFlag {
                    is_enabled: true,
                    policy_ids: ids(),
                }),
                secure_sign_in_session: Some(EffectiveFlag {
                    is_enabled: false,
                    policy_ids: ids(),
                }),
                disable_resilience_defaults: Some(EffectiveFlag {
                    is_enabled: true,
                    policy_ids: Vec::new(),
                }),
                passthrough: vec![PassThrough {
                    name: "globalSecureAccessFilteringProfile".to_owned(),
                    value: serde_json::json!({"profileId": "x"}),
                    policy_id: "p".to_owned(),
                }],
            },
            policies: None,
            warnings: Vec::new(),
            revision: Some(crate::model::revision::Revision::from_hash(
                0x1234_5678_9abc_def0,
            )),
        };
        written_as_serde_writes(&decision);
        let empty = SignInDecision {
            requirements: Vec::new(),
            deny_reasons: Vec::new(),
            claims_challenge: None,
            session_controls: EffectiveSessionControls::default(),
            id: None,
            revision: None,
            ..decision
        };
        written_as_serde_writes(&empty);
        // Spellings the enumerations do not know are the export's text: escaped, as serde does.
        let unknown = SignInDecision {
            session_controls: EffectiveSessionControls {
                sign_in_frequency: Some(EffectiveSignInFrequency {
                    frequency_interval: FrequencyInterval::Unknown("every\"so often".to_owned()),
                    value: None,
                    unit: Some(FrequencyUnit::Unknown("fort\nnights".to_owned())),
                    authentication_type: FrequencyAuthType::Unknown("\\both".to_owned()),
                    policy_ids: ids(),
                }),
                persistent_browser: Some(Effective {
                    mode: PersistentBrowserMode::Unknown("al\"ways".to_owned()),
                    policy_ids: ids(),
                }),
                continuous_access_evaluation: Some(Effective {
                    mode: CaeMode::Unknown("\t".to_owned()),
                    policy_ids: Vec::new(),
                }),
                ..EffectiveSessionControls::default()
            },
            ..empty
        };
        written_as_serde_writes(&unknown);
    }

    /// The wire names written by [`name`] are the ones serde writes.
    #[test]
    fn enum_wire_names_are_serdes() {
        for o in [
            Outcome::NotEnabled,
            Outcome::NotApplied,
            Outcome::Satisfied,
            Outcome::StepUp,
            Outcome::Deny,
        ] {
            assert_eq!(json(&o), format!("\"{}\"", o.as_str()));
        }
        for k in [
            PolicyResultKind::Success,
            PolicyResultKind::Failure,
            PolicyResultKind::NotApplied,
            PolicyResultKind::NotEnabled,
            PolicyResultKind::ReportOnlySuccess,
            PolicyResultKind::ReportOnlyFailure,
            PolicyResultKind::ReportOnlyNotApplied,
            PolicyResultKind::ReportOnlyInterrupted,
        ] {
            assert_eq!(json(&k), format!("\"{}\"", k.as_str()));
        }
        for s in [CaStatus::Success, CaStatus::Failure, CaStatus::NotApplied] {
            assert_eq!(json(&s), format!("\"{}\"", s.as_str()));
        }
        for d in [Decision::Allow, Decision::StepUp, Decision::Deny] {
            assert_eq!(json(&d), format!("\"{}\"", d.as_str()));
        }
    }
}
