//! One sign-in log record to a request and the outcome Entra logged (the table is in
//! docs/REPLAY.md). Keys are matched case-insensitively, so Graph's camelCase, the PowerShell
//! SDK's PascalCase and Log Analytics' column names all read; a column holding JSON as a string
//! (Log Analytics' `ConditionalAccessPolicies`, `DeviceDetail`, ...) is read as that JSON.

use std::borrow::Cow;

use jiff::Timestamp;

use super::ahead::{DEVICE_KEYS, Device, STEP_KEYS, Step};
use super::display::{
    auth_method, client_app, contains_any_case, guest_types, platform, trust_type,
};
use super::fields::{Field, FieldIndex, NOT_KEPT, field};
use super::logged::logged_policy;
use super::values::{
    Members, additional_properties, error, is_absent, same_name, str_of, text_of, trimmed,
};
use super::{LoggedPolicy, MappedSignIn, SignInLogError};
use crate::json::Json;
use crate::model::enums::{AuthMethod, RiskLevel, TransferMethod};
use crate::model::strength::MethodSet;
use crate::{DeviceInfo, SignInRequest};

/// A record's fields, looked up by any of their names, case-insensitively; the PowerShell
/// SDK's `AdditionalProperties` object is found once and searched after the members. `'r` is
/// the parsed record's borrow, `'a` the text's (what the mapped record keeps).
struct Rec<'r, 'a> {
    members: &'r Members<'a>,
    extra: Option<&'r Members<'a>>,
    /// At a record's top level: where its kept fields are in `members`, and in `extra`.
    index: Option<(FieldIndex, Option<FieldIndex>)>,
}

impl<'r, 'a> Rec<'r, 'a> {
    /// An object inside a record: its fields searched for.
    fn new(members: &'r Members<'a>) -> Rec<'r, 'a> {
        Rec {
            members,
            extra: additional_properties(members),
            index: None,
        }
    }

    /// A record's top level, whose fields `index` places.
    fn top(members: &'r Members<'a>, index: FieldIndex) -> Rec<'r, 'a> {
        // No member of that name that is not absent: none holding an object either.
        let extra = index
            .has(field!["AdditionalProperties"])
            .then(|| additional_properties(members))
            .flatten();
        Rec {
            members,
            extra,
            index: Some((index, extra.map(FieldIndex::of))),
        }
    }

    /// A field by any of its names; the PowerShell SDK's `AdditionalProperties` is searched
    /// too. `null`, and `"None"` (how `az` writes a null), are absent.
    #[inline]
    fn get(&self, f: &Field) -> Option<&'r Json<'a>> {
        // At a record's top level, without `AdditionalProperties`, a field whose names are all
        // kept is found in the index alone: the common case, made one load a name.
        if f.kept
            && self.extra.is_none()
            && let Some((index, _)) = &self.index
        {
            return f
                .places()
                .iter()
                .find_map(|&k| {
                    index
                        .place(usize::from(k))
                        .and_then(|at| self.members.get(at))
                })
                .map(|(_, v)| v);
        }
        self.lookup(f.names, f.places())
    }

    /// The first of `names` (whose places in the index are `places`) found in the members,
    /// else in `AdditionalProperties`.
    #[inline]
    fn lookup(&self, names: &[&str], places: &[u8]) -> Option<&'r Json<'a>> {
        let (top, extra) = match &self.index {
            Some((top, extra)) => (Some(top), extra.as_ref()),
            None => (None, None),
        };
        find(self.members, top, names, places)
            .or_else(|| self.extra.and_then(|x| find(x, extra, names, places)))
    }

    /// A string field; empty strings are absent.
    #[inline]
    fn str(&self, f: &Field) -> Option<&'r str> {
        nonempty(self.get(f)?)
    }

    /// [`Rec::str`], as the mapped record keeps it.
    fn text(&self, f: &Field) -> Option<Cow<'a, str>> {
        self.get(f).and_then(text_of).and_then(trimmed)
    }

    /// A GUID field (a field of the same name holding something else is passed over).
    fn guid(&self, f: &Field) -> Option<&'r str> {
        let places = f.places();
        (0..f.names.len()).find_map(|i| {
            self.lookup(f.names.get(i..=i)?, places.get(i..=i)?)
                .and_then(nonempty)
                .filter(|v| crate::model::read::is_guid(v))
        })
    }

    /// An object field, or a string holding one.
    fn obj(&self, f: &Field) -> Result<Option<Cow<'r, Members<'a>>>, SignInLogError> {
        match self.get(f) {
            None => Ok(None),
            Some(Json::Object(o)) => Ok(Some(Cow::Borrowed(o.as_slice()))),
            Some(Json::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Json::String(s)) => match crate::json::parse_str(s).map(Json::into_owned) {
                Ok(Json::Object(o)) => Ok(Some(Cow::Owned(o))),
                Ok(Json::Null) => Ok(None),
                _ => Err(error(
                    f.names,
                    "expected an object (or a string holding one)",
                )),
            },
            Some(_) => Err(error(f.names, "expected an object")),
        }
    }

    /// An array field, or a string holding one.
    fn array(&self, f: &Field) -> Result<Option<Cow<'r, [Json<'a>]>>, SignInLogError> {
        match self.get(f) {
            None => Ok(None),
            Some(Json::Array(a)) => Ok(Some(Cow::Borrowed(a.as_slice()))),
            Some(Json::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Json::String(s)) => match crate::json::parse_str(s).map(Json::into_owned) {
                Ok(Json::Array(a)) => Ok(Some(Cow::Owned(a))),
                Ok(Json::Null) => Ok(None),
                _ => Err(error(
                    f.names,
                    "expected an array (or a string holding one)",
                )),
            },
            Some(_) => Err(error(f.names, "expected an array")),
        }
    }
}

/// A boolean value; Log Analytics CSV writes `true`/`false` (or `True`) as text.
fn bool_of(v: &Json<'_>) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The fields of [`STEP_KEYS`], in its order.
const STEP_FIELDS: [&Field; 3] = [
    field!["succeeded"],
    field!["authenticationMethod"],
    field!["authenticationStepDateTime"],
];
/// The fields of [`DEVICE_KEYS`], in its order.
const DEVICE_FIELDS: [&Field; 5] = [
    field!["deviceId"],
    field!["displayName"],
    field!["operatingSystem"],
    field!["isCompliant"],
    field!["trustType"],
];

/// Do `fields` look up `keys`, in the same order?
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const fn same_names(fields: &[&Field], keys: &[&str]) -> bool {
    if fields.len() != keys.len() {
        return false;
    }
    let mut i = 0;
    while i < keys.len() {
        if fields[i].names.len() != 1
            || !super::values::same_name_at_build(fields[i].names[0], keys[i])
        {
            return false;
        }
        i += 1;
    }
    true
}
const _: () = assert!(same_names(&STEP_FIELDS, &STEP_KEYS));
const _: () = assert!(same_names(&DEVICE_FIELDS, &DEVICE_KEYS));

/// The first of `names` in `members`, which `index` places (a name with a place, see
/// [`Field`]) or which are searched.
#[inline]
fn find<'r, 'a>(
    members: &'r Members<'a>,
    index: Option<&FieldIndex>,
    names: &[&str],
    places: &[u8],
) -> Option<&'r Json<'a>> {
    for (name, &k) in names.iter().zip(places) {
        let found = match index {
            Some(index) if k != NOT_KEPT => {
                index.place(usize::from(k)).and_then(|at| members.get(at))
            }
            _ => members
                .iter()
                .find(|(key, v)| same_name(key, name) && !is_absent(v)),
        };
        if let Some((_, v)) = found {
            return Some(v);
        }
    }
    None
}

/// A time field, and its text.
fn time<'r>(rec: &Rec<'r, '_>, f: &Field) -> Result<Option<(&'r str, Timestamp)>, SignInLogError> {
    time_of(rec.str(f), f, None)
}

/// The time a field's `text` (non-empty, trimmed) gives, where text read before as `known`
/// (text and time) is not read again: a step's time is most often the sign-in's own, to the
/// digit.
fn time_of<'r>(
    text: Option<&'r str>,
    f: &Field,
    known: Option<(&str, Timestamp)>,
) -> Result<Option<(&'r str, Timestamp)>, SignInLogError> {
    let Some(text) = text else {
        return Ok(None);
    };
    if let Some((known, t)) = known
        && known == text
    {
        return Ok(Some((text, t)));
    }
    parse_time(text)
        .map(|t| Some((text, t)))
        .ok_or_else(|| error(f.names, &format!("\"{text}\" is not a date and time")))
}

/// ISO 8601 with an offset (`Z`), or without one (Log Analytics CSV writes UTC without it,
/// sometimes with a space for `T`), or Windows PowerShell 5.1's `/Date(ms)/`.
fn parse_time(text: &str) -> Option<Timestamp> {
    // Graph's usual `YYYY-MM-DDTHH:MM:SS[.fffffff]Z` without jiff's general parser (which reads
    // it the same).
    if let Some(t) = crate::model::time::utc_seconds(text) {
        return Some(t);
    }
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    if let Some(ms) = text
        .strip_prefix("/Date(")
        .and_then(|r| r.strip_suffix(")/"))
        .and_then(|r| r.split(['+', '-']).next())
        .and_then(|r| r.parse::<i64>().ok())
    {
        return Timestamp::from_millisecond(ms).ok();
    }
    let civil: jiff::civil::DateTime = text.replace(' ', "T").parse().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// `signInEventTypes` (a list, or Log Analytics' text) names a service principal sign-in.
fn names_service_principal(v: &Json<'_>) -> bool {
    match v {
        Json::String(s) => contains_any_case(s, "serviceprincipal"),
        Json::Array(items) => items
            .iter()
            .filter_map(str_of)
            .any(|t| t.eq_ignore_ascii_case("servicePrincipal")),
        _ => false,
    }
}

/// A string value, trimmed; empty strings are absent.
#[inline]
fn nonempty<'r>(v: &'r Json<'_>) -> Option<&'r str> {
    str_of(v)
        .map(crate::model::read::trimmed)
        .filter(|s| !s.is_empty())
}

fn risk(rec: &Rec<'_, '_>, f: &Field) -> Option<RiskLevel> {
    rec.str(f).map(RiskLevel::parse)
}

/// Maps one record.
pub fn map<'a>(record: &Json<'a>) -> Result<MappedSignIn<'a>, SignInLogError> {
    map_with(record, ReadAhead::default(), None)
}

/// What the one-pass reader read ahead of a record (see its `Scanned`): the mapping takes
/// these instead of the tree's.
#[derive(Default)]
pub(super) struct ReadAhead<'r, 'a> {
    /// The applied policies, mapped.
    pub policies: Option<Vec<LoggedPolicy<'a>>>,
    /// The authentication steps' members the mapping reads.
    pub steps: Option<&'r [Step<'a>]>,
    /// The device's members the mapping reads.
    pub device: Option<&'r Device<'a>>,
}

/// Maps one record some of whose fields may have been read already (`ahead`), and whose
/// fields may have been placed already (`index`, of `record`'s members): see the one-pass
/// reader's `Scanned`.
pub(super) fn map_with<'a>(
    record: &Json<'a>,
    ahead: ReadAhead<'_, 'a>,
    index: Option<FieldIndex>,
) -> Result<MappedSignIn<'a>, SignInLogError> {
    let Json::Object(o) = record else {
        return Err(error(&["(record)"], "expected a JSON object"));
    };
    // Azure Monitor (diagnostic settings) wraps the sign-in in `properties`.
    let has = |key: &str| o.iter().any(|(k, _)| k == key);
    let index = index.unwrap_or_else(|| FieldIndex::of(o));
    // The index has no `properties` (in any case) that is not absent: no object of that name.
    let inner = index
        .has(field!["properties"])
        .then(|| {
            o.iter().find_map(|(k, v)| match v {
                Json::Object(inner) if k == "properties" => Some(inner.as_slice()),
                _ => None,
            })
        })
        .flatten();
    let (o, index) = match inner {
        Some(inner) if !has("userId") && !has("appId") => (inner, FieldIndex::of(inner)),
        _ => (o.as_slice(), index),
    };
    let rec = Rec::top(o, index);
    let mut missing: Vec<&'static str> = Vec::new();
    let id = rec.text(field!["id", "Id", "CorrelationId"]);
    let created = time(&rec, field!["createdDateTime", "TimeGenerated", "time"])?;
    let (_, at) = created.ok_or_else(|| {
        error(
            &["createdDateTime"],
            "missing: when did the sign-in happen?",
        )
    })?;

    // Who signed in: a user, else a service principal (its appId).
    let user_id = rec.str(field!["userId"]);
    let sp_app = rec.str(field!["appId"]);
    let is_sp = user_id.is_none()
        && (rec.str(field!["servicePrincipalId"]).is_some()
            || rec
                .get(field!["signInEventTypes"])
                .is_some_and(|t| names_service_principal(t)));
    let mut builder = match (user_id, is_sp, sp_app) {
        (Some(u), ..) => SignInRequest::user(u),
        (None, true, Some(app)) => SignInRequest::service_principal(app),
        (None, true, None) => {
            return Err(error(
                &["appId"],
                "a service principal sign-in without its appId",
            ));
        }
        (None, false, _) => {
            return Err(error(
                &["userId"],
                "missing: neither userId nor servicePrincipalId",
            ));
        }
    };
    if user_id.is_some() {
        let user_type = rec.str(field!["userType"]);
        let access = rec.str(field!["crossTenantAccessType"]);
        if let Some(types) = guest_types(user_type, access) {
            builder.set_guest_types(types);
        }
        let home = rec.str(field!["homeTenantId"]);
        let resource_tenant = rec.str(field!["resourceTenantId", "TenantId"]);
        if let Some(home) = home
            && resource_tenant.is_none_or(|r| !r.eq_ignore_ascii_case(home))
        {
            builder.set_home_tenant(home);
        }
    }

    // What was signed in to: the resource (the token's audience), else the client app.
    // Log Analytics' `ResourceId` is an Azure resource path; its app id is `ResourceIdentity`.
    let target = rec
        .guid(field!["ResourceIdentity", "resourceId"])
        .or(sp_app.filter(|_| !is_sp));
    match target {
        Some(app) => builder.set_app(app),
        None if is_sp => {
            return Err(error(
                &["resourceId"],
                "missing: the resource the service principal signed in to",
            ));
        }
        None => {
            return Err(error(
                &["resourceId"],
                "missing: neither resourceId nor appId",
            ));
        }
    }

    match rec.str(field!["ipAddress", "IPAddress"]) {
        Some(ip) => match crate::model::location::parse_ip(ip) {
            Some(ip) => builder.set_ip(ip),
            None => {
                return Err(error(
                    &["ipAddress"],
                    &format!("\"{ip}\" is not an IP address"),
                ));
            }
        },
        None => missing.push("ipAddress"),
    }
    let location = rec.get(field!["location", "LocationDetails"]);
    let country = match location {
        Some(Json::String(s)) if s.trim().len() == 2 => Some(s.trim().to_owned()),
        _ => rec
            .obj(field!["location", "LocationDetails"])?
            .and_then(|l| {
                Rec::new(&l)
                    .str(field!["countryOrRegion"])
                    .map(str::to_owned)
            }),
    };
    let country = country.or_else(|| {
        rec.obj(field!["LocationDetails"])
            .ok()
            .flatten()
            .and_then(|l| {
                Rec::new(&l)
                    .str(field!["countryOrRegion"])
                    .map(str::to_owned)
            })
    });
    match country {
        Some(c) => builder.set_country(c),
        None => missing.push("country"),
    }

    match rec.str(field!["clientAppUsed"]) {
        Some(used) => match client_app(used) {
            Some(c) => builder.set_client_app(c),
            None => {
                return Err(error(
                    &["clientAppUsed"],
                    &format!(
                        "\"{used}\" is not a client app jitgate knows; see docs/REPLAY.md for the list"
                    ),
                ));
            }
        },
        // Workload identity sign-ins have no client app type; Entra does not evaluate one.
        None if is_sp => {}
        None => missing.push("clientAppType"),
    }

    // The device's members the mapping reads, in `DEVICE_KEYS`' order: read ahead, or found in
    // the tree.
    let in_tree = match ahead.device {
        None => rec.obj(field!["deviceDetail", "DeviceDetail"])?,
        Some(_) => None,
    };
    let device = match ahead.device {
        Some(d) => Some(d.each_ref().map(Option::as_ref)),
        None => in_tree.as_deref().map(|d| {
            let d = Rec::new(d);
            DEVICE_FIELDS.map(|f| d.get(f))
        }),
    };
    if let Some(
        [
            device_id,
            display_name,
            operating_system,
            is_compliant,
            trust,
        ],
    ) = device
    {
        let device_id = device_id.and_then(nonempty);
        let operating_system = operating_system.and_then(nonempty);
        let trust = trust.and_then(nonempty).and_then(trust_type);
        match operating_system.and_then(platform) {
            Some(p) => builder.set_platform(p),
            None if is_sp => {}
            None => missing.push("devicePlatform"),
        }
        // The device's attributes are copied only for a device the log identifies.
        if device_id.is_some() || trust.is_some() {
            builder.set_device(DeviceInfo {
                device_id: device_id.map(str::to_owned),
                display_name: display_name.and_then(nonempty).map(str::to_owned),
                operating_system: operating_system.map(str::to_owned),
                is_compliant: is_compliant.and_then(bool_of),
                trust_type: trust.map(str::to_owned),
                ..DeviceInfo::default()
            });
        }
    } else if !is_sp {
        missing.push("devicePlatform");
    }

    if let Some(r) = risk(&rec, field!["riskLevelDuringSignIn"]) {
        builder.set_sign_in_risk(r);
    }
    if let Some(r) = risk(&rec, field!["riskLevelAggregated"]) {
        builder.set_user_risk(r);
    }
    if is_sp
        && let Some(r) = risk(
            &rec,
            field!["servicePrincipalRiskLevel", "riskLevelDuringSignIn"],
        )
    {
        builder.set_service_principal_risk(r);
    }
    let flow = rec
        .str(field!["originalTransferMethod"])
        .map(TransferMethod::parse)
        .filter(|m| !m.is_unknown())
        .or_else(|| {
            rec.str(field!["authenticationProtocol"])
                .filter(|p| p.eq_ignore_ascii_case("deviceCode"))
                .map(|_| TransferMethod::DeviceCodeFlow)
        });
    // `none` names no flow: the request's checks would drop it (`check.rs`), after a list had been
    // allocated for it.
    if let Some(flow) = flow.filter(|m| *m != TransferMethod::None) {
        builder.set_transfer_method(flow);
    }

    // What the session proved, and when the second factor was done.
    // Every method the log names is one jitgate knows (`auth_method`): a set, not a list.
    let mut methods = MethodSet::default();
    let mut last_mfa: Option<Timestamp> = None;
    // A second factor whose time the log does not give, or a method it names that jitgate
    // does not know: reported, never guessed.
    let mut mfa_time_unknown = false;
    let mut unknown_method = false;
    // A step's members the mapping reads, in `STEP_KEYS`' order.
    let mut step = |[succeeded, method, at]: [Option<&Json<'_>>; 3]| {
        if succeeded.and_then(bool_of) == Some(false) {
            return Ok(());
        }
        let Some(text) = method.and_then(nonempty) else {
            return Ok(());
        };
        if text.eq_ignore_ascii_case("previously satisfied")
            || text.eq_ignore_ascii_case("satisfied by token")
        {
            mfa_time_unknown = true;
            return Ok(());
        }
        match auth_method(text) {
            Some(m) => {
                if m != AuthMethod::Password {
                    let at = at.and_then(nonempty);
                    match time_of(at, field!["authenticationStepDateTime"], created)? {
                        Some((_, t)) => last_mfa = Some(t),
                        None => mfa_time_unknown = true,
                    }
                }
                methods.0 |= m.bit();
            }
            None => unknown_method = true,
        }
        Ok::<(), SignInLogError>(())
    };
    match ahead.steps {
        Some(steps) => {
            for s in steps {
                step(s.each_ref().map(Option::as_ref))?;
            }
        }
        None => {
            for s in rec
                .array(field!["authenticationDetails"])?
                .iter()
                .flat_map(|a| a.iter())
            {
                let Json::Object(s) = s else { continue };
                let s = Rec::new(s);
                step(STEP_FIELDS.each_ref().map(|f| s.get(f)))?;
            }
        }
    }
    if methods.0 == 0
        && let Some(used) = rec.array(field!["authenticationMethodsUsed"])?
    {
        for text in used.iter().filter_map(str_of) {
            match auth_method(text) {
                Some(m) => {
                    // This list carries no times.
                    mfa_time_unknown |= m != AuthMethod::Password;
                    methods.0 |= m.bit();
                }
                None => unknown_method = true,
            }
        }
    }
    if unknown_method {
        missing.push("authenticationMethods");
    }
    if mfa_time_unknown && last_mfa.is_none() {
        missing.push("lastMfaDateTime");
    }
    builder.set_method_set(methods);
    builder.set_at(at);
    builder.set_last_sign_in(at);
    if let Some(t) = last_mfa {
        builder.set_last_mfa(t);
    }
    for cx in rec
        .array(field!["authenticationContextClassReferences"])?
        .iter()
        .flat_map(|a| a.iter())
    {
        let (id, detail) = match cx {
            Json::Object(c) => {
                let c = Rec::new(c);
                (c.str(field!["id"]), c.str(field!["detail"]))
            }
            Json::String(s) => (Some(s.as_ref()), None),
            _ => (None, None),
        };
        if let Some(id) = id
            && detail.is_some_and(|d| d.eq_ignore_ascii_case("previouslySatisfied"))
        {
            builder.set_satisfied_auth_context(id);
        }
    }
    if let Some(id) = &id {
        builder.set_echo_id(serde_json::Value::String(id.to_string()));
    }
    let request = builder.build().map_err(|e| SignInLogError {
        field: "(request)".to_owned(),
        message: e.to_string(),
    })?;

    let status = rec.text(field!["conditionalAccessStatus"]);
    if let Some(policies) = ahead.policies {
        return Ok(MappedSignIn {
            id,
            request,
            status,
            policies,
            missing,
        });
    }
    let applied = rec.array(field![
        "appliedConditionalAccessPolicies",
        "ConditionalAccessPolicies",
    ])?;
    let mut policies = Vec::with_capacity(applied.as_ref().map_or(0, |a| a.len()));
    for (i, p) in applied.iter().flat_map(|a| a.iter()).enumerate() {
        let Json::Object(p) = p else {
            return Err(error(
                &["appliedConditionalAccessPolicies"],
                &format!("item {i} is not an object"),
            ));
        };
        policies.push(logged_policy(i, p)?);
    }
    Ok(MappedSignIn {
        id,
        request,
        status,
        policies,
        missing,
    })
}
