//! Authentication strengths (docs/SEMANTICS.md §4.2) and the three built-ins.

use super::enums::{AuthMethod, StrengthPolicyType};
use super::read::{Obj, split_flags};
use crate::diag::Diagnostics;
use crate::json::Json;

/// Id of the built-in "Multifactor authentication" strength (the `mfa` control's equivalent).
pub const MFA_STRENGTH_ID: &str = "00000000-0000-0000-0000-000000000002";
/// Id of the built-in "Passwordless MFA" strength.
pub const PASSWORDLESS_STRENGTH_ID: &str = "00000000-0000-0000-0000-000000000003";
/// Id of the built-in "Phishing-resistant MFA" strength.
pub const PHISHING_RESISTANT_STRENGTH_ID: &str = "00000000-0000-0000-0000-000000000004";

/// A set of authentication methods as a bitmask of [`AuthMethod::bit`] values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MethodSet(pub u32);

impl MethodSet {
    /// Does `self` contain every method of `other`?
    pub fn contains_all(self, other: MethodSet) -> bool {
        self.0 & other.0 == other.0
    }

    /// Graph's comma-separated spelling (`password,microsoftAuthenticatorPush`).
    pub fn to_graph(self) -> String {
        let names: Vec<&str> = AuthMethod::ALL
            .iter()
            .filter(|m| self.0 & m.bit() != 0)
            .map(AuthMethod::as_str)
            .collect();
        names.join(",")
    }
}

/// One allowed combination: the methods that must all have been used.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Combination {
    /// The methods.
    pub methods: MethodSet,
    /// False when the combination names a method this version does not know: it is never met.
    pub satisfiable: bool,
    /// The text as written, for output.
    pub text: String,
}

/// A restriction on how a method in some combinations counts (§4.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CombinationConfiguration {
    /// FIDO2 counts only with one of these AAGUIDs (lowercased).
    Fido2 {
        /// Allowed authenticator AAGUIDs.
        allowed_aaguids: Vec<String>,
        /// Combinations this applies to.
        applies_to: Vec<MethodSet>,
    },
    /// Certificates count only with a matching issuer SKI and/or policy OID.
    X509 {
        /// Allowed issuer subject key identifiers (lowercased).
        allowed_issuer_skis: Vec<String>,
        /// Allowed certificate policy OIDs.
        allowed_policy_oids: Vec<String>,
        /// Combinations this applies to.
        applies_to: Vec<MethodSet>,
    },
}

/// `authenticationStrengthPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthStrength {
    /// Lowercased id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Built-in or custom.
    pub policy_type: StrengthPolicyType,
    /// Allowed combinations; any one satisfies the strength.
    pub combinations: Vec<Combination>,
    /// Method restrictions.
    pub configurations: Vec<CombinationConfiguration>,
    /// True for a built-in supplied by jitgate because the bundle did not carry it: a copy
    /// embedded in a policy then takes precedence (§4.2.5).
    pub is_default: bool,
}

fn builtin(id: &str, name: &str, combos: &[&str]) -> AuthStrength {
    AuthStrength {
        id: id.to_owned(),
        display_name: name.to_owned(),
        policy_type: StrengthPolicyType::BuiltIn,
        combinations: combos.iter().map(|c| combination(c)).collect(),
        configurations: Vec::new(),
        is_default: true,
    }
}

/// Parses `a,b` into a combination; unknown method names make it unsatisfiable.
pub fn combination(text: &str) -> Combination {
    let mut methods = 0u32;
    let mut satisfiable = true;
    for part in split_flags(text) {
        let m = AuthMethod::parse(part);
        if m.is_unknown() {
            satisfiable = false;
        }
        methods |= m.bit();
    }
    Combination {
        methods: MethodSet(methods),
        satisfiable: satisfiable && methods != 0,
        text: split_flags(text).collect::<Vec<_>>().join(","),
    }
}

/// The three built-in strengths with their exact ids and combinations (§4.2).
pub fn builtin_strengths() -> Vec<AuthStrength> {
    vec![
        builtin(
            MFA_STRENGTH_ID,
            "Multifactor authentication",
            &[
                "windowsHelloForBusiness",
                "fido2",
                "x509CertificateMultiFactor",
                "deviceBasedPush",
                "temporaryAccessPassOneTime",
                "temporaryAccessPassMultiUse",
                "password,microsoftAuthenticatorPush",
                "password,softwareOath",
                "password,hardwareOath",
                "password,x509CertificateSingleFactor",
                "password,x509CertificateMultiFactor",
                "password,sms",
                "password,voice",
                "federatedMultiFactor",
                "microsoftAuthenticatorPush,federatedSingleFactor",
                "softwareOath,federatedSingleFactor",
                "hardwareOath,federatedSingleFactor",
                "sms,federatedSingleFactor",
                "voice,federatedSingleFactor",
            ],
        ),
        builtin(
            PASSWORDLESS_STRENGTH_ID,
            "Passwordless MFA",
            &[
                "windowsHelloForBusiness",
                "fido2",
                "x509CertificateMultiFactor",
                "deviceBasedPush",
            ],
        ),
        builtin(
            PHISHING_RESISTANT_STRENGTH_ID,
            "Phishing-resistant MFA",
            &[
                "windowsHelloForBusiness",
                "fido2",
                "x509CertificateMultiFactor",
            ],
        ),
    ]
}

/// Reads an `authenticationStrengthPolicy` object.
pub fn parse_strength(d: &mut Diagnostics, json: &Json, path: &str) -> Option<AuthStrength> {
    let o = Obj::new(d, json, path)?;
    let id = o.req_str(d, "id")?.trim().to_ascii_lowercase();
    let display_name = o.str(d, "displayName").unwrap_or(&id).to_owned();
    let policy_type = o
        .enumeration(d, "policyType", StrengthPolicyType::parse)
        .unwrap_or(StrengthPolicyType::Custom);
    let mut combinations = Vec::new();
    for (text, p) in o.strings(d, "allowedCombinations") {
        let c = combination(text);
        if !c.satisfiable {
            d.warn(
                "unknownAuthMethod",
                &p,
                format!("combination \"{text}\" names a method this version does not know; it is never satisfied"),
            );
        }
        combinations.push(c);
    }
    let mut configurations = Vec::new();
    for (item, p) in o.array(d, "combinationConfigurations") {
        let Some(c) = Obj::new(d, item, &p) else {
            continue;
        };
        let applies_to: Vec<MethodSet> = c
            .strings(d, "appliesToCombinations")
            .into_iter()
            .map(|(s, _)| combination(s).methods)
            .collect();
        let lower = |v: Vec<(&str, String)>| -> Vec<String> {
            v.into_iter()
                .map(|(s, _)| s.trim().to_ascii_lowercase())
                .collect()
        };
        let kind = c.odata_type().unwrap_or("").to_ascii_lowercase();
        if kind.starts_with("fido2") {
            configurations.push(CombinationConfiguration::Fido2 {
                allowed_aaguids: lower(c.strings(d, "allowedAAGUIDs")),
                applies_to,
            });
        } else if kind.starts_with("x509") {
            configurations.push(CombinationConfiguration::X509 {
                allowed_issuer_skis: lower(c.strings(d, "allowedIssuerSkis")),
                allowed_policy_oids: c
                    .strings(d, "allowedPolicyOIDs")
                    .into_iter()
                    .map(|(s, _)| s.trim().to_owned())
                    .collect(),
                applies_to,
            });
        } else if kind.is_empty() {
            d.error(
                "missingField",
                &c.at("@odata.type"),
                "a combination configuration needs @odata.type (fido2CombinationConfiguration or x509CertificateCombinationConfiguration)",
            );
        } else {
            d.warn(
                "unknownEnumValue",
                &c.at("@odata.type"),
                format!("unknown combination configuration \"{kind}\" is ignored"),
            );
        }
    }
    Some(AuthStrength {
        id,
        display_name,
        policy_type,
        combinations,
        configurations,
        is_default: false,
    })
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    #[test]
    fn builtins_have_exact_ids_and_combinations() {
        let b = builtin_strengths();
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].id, MFA_STRENGTH_ID);
        assert_eq!(b[0].combinations.len(), 19);
        assert_eq!(b[1].combinations.len(), 4);
        assert_eq!(
            b[2].combinations
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>(),
            [
                "windowsHelloForBusiness",
                "fido2",
                "x509CertificateMultiFactor"
            ]
        );
        assert!(
            b.iter()
                .all(|s| s.combinations.iter().all(|c| c.satisfiable))
        );
    }

    #[test]
    fn unknown_method_makes_combination_unsatisfiable() {
        let c = combination("password, telepathy");
        assert!(!c.satisfiable);
        assert_eq!(c.methods, MethodSet(1));
    }
}

/// A certificate used to sign in: the evidence X.509 combination configurations read (§4.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Certificate {
    /// Issuer subject key identifier (lowercased).
    pub issuer_ski: Option<String>,
    /// Certificate policy OIDs.
    pub policy_oids: Vec<String>,
}

impl AuthStrength {
    /// Does this method set satisfy the strength, honouring combination configurations
    /// (§4.2)? `fido2_aaguid` and `certificate` are the session's evidence for them.
    pub fn satisfied_by(
        &self,
        methods: MethodSet,
        fido2_aaguid: Option<&str>,
        certificate: Option<&Certificate>,
    ) -> bool {
        self.combinations.iter().any(|c| {
            c.satisfiable
                && methods.contains_all(c.methods)
                && self
                    .configurations
                    .iter()
                    .all(|cfg| configuration_allows(cfg, c.methods, fido2_aaguid, certificate))
        })
    }
}

fn configuration_allows(
    cfg: &CombinationConfiguration,
    combo: MethodSet,
    fido2_aaguid: Option<&str>,
    certificate: Option<&Certificate>,
) -> bool {
    let applies_to = |list: &[MethodSet], method: u32| {
        combo.0 & method != 0 && (list.is_empty() || list.contains(&combo))
    };
    match cfg {
        CombinationConfiguration::Fido2 {
            allowed_aaguids,
            applies_to: list,
        } => {
            if !applies_to(list, AuthMethod::Fido2.bit()) || allowed_aaguids.is_empty() {
                return true;
            }
            fido2_aaguid.is_some_and(|a| allowed_aaguids.iter().any(|x| x == a))
        }
        CombinationConfiguration::X509 {
            allowed_issuer_skis,
            allowed_policy_oids,
            applies_to: list,
        } => {
            let x509 = AuthMethod::X509CertificateMultiFactor.bit()
                | AuthMethod::X509CertificateSingleFactor.bit();
            if !applies_to(list, x509)
                || (allowed_issuer_skis.is_empty() && allowed_policy_oids.is_empty())
            {
                return true;
            }
            let Some(cert) = certificate else {
                return false;
            };
            let ski_ok = allowed_issuer_skis.is_empty()
                || cert
                    .issuer_ski
                    .as_ref()
                    .is_some_and(|s| allowed_issuer_skis.contains(s));
            let oid_ok = allowed_policy_oids.is_empty()
                || cert
                    .policy_oids
                    .iter()
                    .take(5)
                    .any(|o| allowed_policy_oids.contains(o));
            ski_ok && oid_ok
        }
    }
}
