//! The test file format (docs/TESTING.md), JSON or YAML, read with serde: every object refuses
//! keys it does not know, and every error carries the file's line, column and the path to the
//! value (`cases[3].expect.decison`).

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, StrDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A whole test file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct FileSpec {
    /// Request fields every shorthand case of the file starts from.
    #[serde(default)]
    pub defaults: Shorthand,
    /// Tags every case of the file carries.
    #[serde(default)]
    pub tags: OneOrMany,
    /// The cases, in order.
    pub cases: Vec<CaseSpec>,
}

/// One case: a request and what must come of it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct CaseSpec {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: OneOrMany,
    #[serde(default)]
    pub sign_in: Option<Shorthand>,
    #[serde(default)]
    pub activation: Option<Shorthand>,
    /// A complete What If body, exactly as `eval` reads it (defaults do not apply).
    #[serde(default)]
    pub sign_in_body: Option<Value>,
    /// A complete activation body, exactly as `activate` reads it (defaults do not apply).
    #[serde(default)]
    pub activation_body: Option<Value>,
    pub expect: ExpectSpec,
}

macro_rules! shorthand {
    ($($field:ident: $ty:ty),* $(,)?) => {
        /// The shorthand request as written: each key absent (take the file's default), `null`
        /// (drop the default) or a value.
        #[derive(Debug, Default, Clone, Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        pub(super) struct Shorthand {
            $(
                #[serde(default, deserialize_with = "nullable")]
                pub $field: Option<Option<$ty>>,
            )*
        }

        /// A case's shorthand over its file's defaults: what the request is built from.
        #[derive(Debug, Default, Clone)]
        pub(super) struct Resolved {
            $(pub $field: Option<$ty>,)*
        }

        impl Shorthand {
            /// The case's keys over the file's defaults; `device`, `session` and `conditions`
            /// merge key by key.
            pub fn over(self, defaults: &Shorthand) -> Resolved {
                let mut resolved = Resolved {
                    $($field: match &self.$field {
                        Some(v) => v.clone(),
                        None => defaults.$field.clone().flatten(),
                    },)*
                };
                resolved.device = KeyedMap::merged(&defaults.device, self.device, resolved.device);
                resolved.session =
                    KeyedMap::merged(&defaults.session, self.session, resolved.session);
                resolved.conditions =
                    KeyedMap::merged(&defaults.conditions, self.conditions, resolved.conditions);
                resolved
            }
        }
    };
}

shorthand! {
    user: String,
    guest: OneOrMany,
    home_tenant: String,
    service_principal: String,
    app: OneOrMany,
    user_action: String,
    auth_context: String,
    ip: String,
    country: String,
    platform: String,
    client: String,
    sign_in_risk: String,
    user_risk: String,
    service_principal_risk: String,
    insider_risk: String,
    flow: String,
    device: KeyedMap<DeviceKeys>,
    proven: OneOrMany,
    at: String,
    last_sign_in: String,
    last_mfa: String,
    contexts: OneOrMany,
    accepted_terms: OneOrMany,
    session: KeyedMap<SessionKeys>,
    conditions: KeyedMap<ConditionKeys>,
    role: String,
    scope: String,
    group: String,
    access: String,
    action: String,
    duration: String,
    start: String,
    justification: String,
    ticket: String,
    ticket_system: String,
    validation_only: bool,
}

/// A present key: `null` is `Some(None)` (as opposed to an absent key, `None`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A string or a list of strings (`tags: smoke` or `tags: [smoke, admins]`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct OneOrMany(pub Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(OneOrMany(out))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The keys a [`KeyedMap`] accepts.
pub(super) trait KeyList {
    /// Every accepted key.
    const KEYS: &'static [&'static str];

    /// The one spelling a key is kept under (a short name's long form).
    fn canonical(key: &str) -> &str {
        key
    }
}

/// `device`: the What If `deviceInfo` keys, and short names for the common ones.
#[derive(Debug, Clone)]
pub(super) struct DeviceKeys;
impl KeyList for DeviceKeys {
    fn canonical(key: &str) -> &str {
        match key {
            "compliant" => "isCompliant",
            "trust" => "trustType",
            "os" => "operatingSystem",
            "id" => "deviceId",
            "name" => "displayName",
            other => other,
        }
    }

    const KEYS: &'static [&'static str] = &[
        "compliant",
        "trust",
        "os",
        "id",
        "name",
        "deviceId",
        "displayName",
        "enrollmentProfileName",
        "isCompliant",
        "manufacturer",
        "mdmAppId",
        "model",
        "operatingSystem",
        "operatingSystemVersion",
        "ownership",
        "physicalIds",
        "profileType",
        "systemLabels",
        "trustType",
        "extensionAttribute1",
        "extensionAttribute2",
        "extensionAttribute3",
        "extensionAttribute4",
        "extensionAttribute5",
        "extensionAttribute6",
        "extensionAttribute7",
        "extensionAttribute8",
        "extensionAttribute9",
        "extensionAttribute10",
        "extensionAttribute11",
        "extensionAttribute12",
        "extensionAttribute13",
        "extensionAttribute14",
        "extensionAttribute15",
    ];
}

/// `session`: What If `session` keys the shorthand has no name for.
#[derive(Debug, Clone)]
pub(super) struct SessionKeys;
impl KeyList for SessionKeys {
    const KEYS: &'static [&'static str] = &[
        "passwordChanged",
        "customFactors",
        "approvedClientApp",
        "appProtectionPolicy",
        "fido2Aaguid",
        "certificate",
        "gpsCountry",
        "lastAuthenticatedDateTime",
        "lastMfaDateTime",
        "authenticationMethods",
        "satisfiedAuthenticationContexts",
        "acceptedTermsOfUse",
        "time",
    ];
}

/// `conditions`: What If `signInConditions` keys, for what the shorthand does not name.
#[derive(Debug, Clone)]
pub(super) struct ConditionKeys;
impl KeyList for ConditionKeys {
    const KEYS: &'static [&'static str] = &[
        "devicePlatform",
        "clientAppType",
        "ipAddress",
        "country",
        "signInRiskLevel",
        "userRiskLevel",
        "servicePrincipalRiskLevel",
        "insiderRiskLevel",
        "authenticationFlow",
        "deviceInfo",
    ];
}

/// A JSON object whose keys must come from `K::KEYS`; an unknown key is refused where it
/// stands, so the error carries its line.
#[derive(Debug, Clone)]
pub(super) struct KeyedMap<K> {
    pub map: Map<String, Value>,
    keys: PhantomData<K>,
}

impl<K: Clone> KeyedMap<K> {
    /// A map key by key: the case's keys over the default's, unless the case set the whole map
    /// to `null` or gave none (then `resolved`, already chosen, stands).
    fn merged(
        defaults: &Option<Option<KeyedMap<K>>>,
        case: Option<Option<KeyedMap<K>>>,
        resolved: Option<KeyedMap<K>>,
    ) -> Option<KeyedMap<K>> {
        match (defaults, case) {
            (Some(Some(d)), Some(Some(c))) => {
                let mut map = d.map.clone();
                map.extend(c.map);
                Some(KeyedMap {
                    map,
                    keys: PhantomData,
                })
            }
            _ => resolved,
        }
    }
}

impl<'de, K: KeyList> Deserialize<'de> for KeyedMap<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<K>(PhantomData<K>);
        impl<'de, K: KeyList> Visitor<'de> for V<K> {
            type Value = KeyedMap<K>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<KeyedMap<K>, A::Error> {
                let mut map = Map::new();
                while let Some(key) = access.next_key::<String>()? {
                    if !K::KEYS.contains(&key.as_str()) {
                        return Err(de::Error::unknown_field(&key, K::KEYS));
                    }
                    let value: Value = access.next_value()?;
                    // Short names are kept in their long form, so defaults and cases merge.
                    let canonical = K::canonical(&key).to_owned();
                    if map.insert(canonical.clone(), value).is_some() {
                        return Err(de::Error::custom(format_args!(
                            "duplicate key `{key}` (`{canonical}` is given twice)"
                        )));
                    }
                }
                Ok(KeyedMap {
                    map,
                    keys: PhantomData,
                })
            }
        }
        deserializer.deserialize_map(V(PhantomData))
    }
}

/// What the decision must be; every key is optional, and only the keys given are checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct ExpectSpec {
    pub decision: Option<DecisionName>,
    pub conditional_access_status: Option<CaStatusName>,
    pub requirements: Option<ListMatch>,
    pub deny_policies: Option<ListMatch>,
    pub session_controls: Option<Value>,
    pub policies: Option<Ordered<PolicyExpect>>,
    pub warnings: Option<ListMatch>,
    pub missing_data: Option<ListMatch>,
    pub status: Option<String>,
    pub error_code: Option<String>,
    pub failed_rules: Option<ListMatch>,
    pub deny_reasons: Option<ListMatch>,
    pub approval_required: Option<bool>,
}

/// A decision name (`allow`, `stepUp`, `pendingApproval`, `deny`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum DecisionName {
    Allow,
    StepUp,
    PendingApproval,
    Deny,
}

impl DecisionName {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionName::Allow => "allow",
            DecisionName::StepUp => "stepUp",
            DecisionName::PendingApproval => "pendingApproval",
            DecisionName::Deny => "deny",
        }
    }
}

/// A `conditionalAccessStatus` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum CaStatusName {
    Success,
    Failure,
    NotApplied,
}

impl CaStatusName {
    pub fn as_str(self) -> &'static str {
        match self {
            CaStatusName::Success => "success",
            CaStatusName::Failure => "failure",
            CaStatusName::NotApplied => "notApplied",
        }
    }
}

/// A per-policy `result` (Graph's `appliedConditionalAccessPolicyResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum ResultName {
    Success,
    Failure,
    NotApplied,
    NotEnabled,
    ReportOnlySuccess,
    ReportOnlyFailure,
    ReportOnlyNotApplied,
    ReportOnlyInterrupted,
}

impl ResultName {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultName::Success => "success",
            ResultName::Failure => "failure",
            ResultName::NotApplied => "notApplied",
            ResultName::NotEnabled => "notEnabled",
            ResultName::ReportOnlySuccess => "reportOnlySuccess",
            ResultName::ReportOnlyFailure => "reportOnlyFailure",
            ResultName::ReportOnlyNotApplied => "reportOnlyNotApplied",
            ResultName::ReportOnlyInterrupted => "reportOnlyInterrupted",
        }
    }
}

/// A per-policy `outcome` (what the policy alone would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum OutcomeName {
    NotEnabled,
    NotApplied,
    Satisfied,
    StepUp,
    Deny,
}

impl OutcomeName {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeName::NotEnabled => "notEnabled",
            OutcomeName::NotApplied => "notApplied",
            OutcomeName::Satisfied => "satisfied",
            OutcomeName::StepUp => "stepUp",
            OutcomeName::Deny => "deny",
        }
    }
}

/// What one policy must have done: a `result` name, or an object of checks.
#[derive(Debug)]
pub(super) enum PolicyExpect {
    Result(ResultName),
    Detail(PolicyDetail),
}

/// The object form of [`PolicyExpect`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct PolicyDetail {
    pub result: Option<ResultName>,
    pub outcome: Option<OutcomeName>,
    pub applies: Option<bool>,
    pub analysis_reasons: Option<ListMatch>,
    pub grant_controls: Option<ListMatch>,
    pub session_controls: Option<ListMatch>,
    pub unsatisfied_controls: Option<ListMatch>,
}

impl<'de> Deserialize<'de> for PolicyExpect {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PolicyExpect;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a policy result name or an object of checks")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PolicyExpect, E> {
                ResultName::deserialize(StrDeserializer::<E>::new(v)).map(PolicyExpect::Result)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PolicyExpect, A::Error> {
                PolicyDetail::deserialize(MapAccessDeserializer::new(map)).map(PolicyExpect::Detail)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// How a list is compared: a plain list (or one string) must match exactly; `{includes: [..]}`
/// needs each item present; `{excludes: [..]}` needs each absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ListMatch {
    Exact(Vec<String>),
    Includes(Vec<String>),
    Excludes(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListMatchObject {
    exact: Option<OneOrMany>,
    includes: Option<OneOrMany>,
    excludes: Option<OneOrMany>,
}

impl<'de> Deserialize<'de> for ListMatch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ListMatch;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list, or {exact: [..]}, {includes: [..]} or {excludes: [..]}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ListMatch, E> {
                Ok(ListMatch::Exact(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ListMatch, A::Error> {
                let OneOrMany(items) =
                    OneOrMany::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(ListMatch::Exact(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ListMatch, A::Error> {
                let o = ListMatchObject::deserialize(MapAccessDeserializer::new(map))?;
                match (o.exact, o.includes, o.excludes) {
                    (Some(e), None, None) => Ok(ListMatch::Exact(e.0)),
                    (None, Some(i), None) => Ok(ListMatch::Includes(i.0)),
                    (None, None, Some(x)) => Ok(ListMatch::Excludes(x.0)),
                    _ => Err(de::Error::custom(
                        "give exactly one of `exact`, `includes` or `excludes`",
                    )),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// An object read as a list of (key, value) in file order, duplicates refused.
#[derive(Debug)]
pub(super) struct Ordered<V>(pub Vec<(String, V)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Ordered<T>, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                while let Some(key) = access.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    let value = access.next_value()?;
                    out.push((key, value));
                }
                Ok(Ordered(out))
            }
        }
        deserializer.deserialize_map(V(PhantomData))
    }
}

/// The syntax of a test file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestSyntax {
    /// JSON (`.json`).
    Json,
    /// YAML (`.yaml`, `.yml`).
    Yaml,
}

/// Reads a file's text; the error names the line, column and path of the first problem.
pub(super) fn parse_file(text: &str, syntax: TestSyntax) -> Result<FileSpec, String> {
    match syntax {
        TestSyntax::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let spec = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                format!(
                    "line {}, column {}: {}: {}",
                    inner.line(),
                    inner.column(),
                    path_or_root(&path),
                    strip_location(&inner.to_string())
                )
            })?;
            de.end()
                .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
            Ok(spec)
        }
        TestSyntax::Yaml => {
            check_flow_depth(text)?;
            let de = serde_yaml_ng::Deserializer::from_str(text);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let at = inner
                    .location()
                    .map(|l| format!("line {}, column {}: ", l.line(), l.column()))
                    .unwrap_or_default();
                let message = inner.to_string();
                let message = strip_location(&message);
                // serde_yaml_ng names the enclosing path itself for some errors; say it once.
                let message = match message.split_once(": ") {
                    Some((head, rest)) if !head.contains(' ') && path.starts_with(head) => rest,
                    _ => message,
                };
                format!("{at}{}: {message}", path_or_root(&path))
            })
        }
    }
}

/// The deepest `[`/`{` nesting a YAML file may have: the deserializer stops at 128 levels anyway,
/// but libyaml's scanner costs depth × tokens before it gets there (100,000 levels took a
/// minute), so deeper files are refused up front, in one linear pass. Quotes are not tracked:
/// a string holding more than this many unclosed brackets is refused too, and says why.
const MAX_FLOW_DEPTH: usize = 128;

fn check_flow_depth(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut line = 1usize;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Err(format!(
                        "line {line}: brackets nested more than {MAX_FLOW_DEPTH} deep"
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => line += 1,
            _ => {}
        }
    }
    Ok(())
}

fn path_or_root(path: &str) -> &str {
    if path == "." || path.is_empty() {
        "(top level)"
    } else {
        path
    }
}

/// serde_json and serde_yaml_ng append "at line L column C" to their messages; the location is
/// already in front.
fn strip_location(message: &str) -> &str {
    message
        .find(" at line ")
        .map_or(message, |i| message.get(..i).unwrap_or(message))
}
