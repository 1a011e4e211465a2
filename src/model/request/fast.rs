//! The fast path for a What If body in the common form: one pass over the text with
//! [`crate::json::scan::Scan`], straight into a reused request (a [`super::SignInReader`]'s,
//! whose strings reuse the buffers of the request it read before, some refilled where they
//! are), with no JSON tree, no member table and no JSON paths built.
//!
//! The common form is a body the tolerant reader (`parse.rs`) would read without a single error:
//! known keys only (in any case, each once), strings without escapes, every value of the type
//! that reader expects and every enumeration one it knows. Anything else gives `None` and the
//! caller reads the text the tolerant way, which decides what it means or says what is wrong,
//! with paths. So a body reads the same either way (the `sign_in` fuzz target and the tests
//! beside `parse.rs` check it); the request then goes through the builder's checks
//! (`build::check_parts`).
//!
//! Annotations (`#...` keys, `...@odata....` keys) leave the form too: the tolerant reader
//! ignores their values but its JSON tree still checks them to the letter (a lone surrogate
//! escape, a number out of range), which a skip here would not.

use jiff::Timestamp;

use super::device_keys::{
    DEVICE_BASE, DEVICE_OWNERSHIP, IS_COMPLIANT, OWNERSHIP, device_list, device_string,
};
use super::spare::Spare;
use super::{DeviceInfo, Identity, Session, SignInConditions, SignInContext, SignInRequest};
use crate::json::Json;
use crate::json::scan::{Names, Scan};
use crate::json::shape::{Shape, same_bytes, same_in_any_case};
use crate::model::enums::{
    AuthMethod, ClientAppType, GuestType, InsiderRiskLevel, Platform, RiskLevel, TransferMethod,
    UserAction,
};
use crate::model::read::{odata_name, parse_timestamp, trimmed, try_each_flag};
use crate::model::strength::{Certificate, MethodSet};

/// The keys of each kind of object in a body, as a reader last read them (`json/shape.rs`).
/// A reader learns them only from its second body on ([`Shapes::learn`]): one that reads one
/// body allocates nothing for them.
#[derive(Debug, Default)]
pub(super) struct Shapes {
    body: Shape,
    identity: Shape,
    context: Shape,
    conditions: ConditionShapes,
    session: SessionShapes,
    /// The last `session.time` read, kept from body to body: a batch is most often decided at
    /// one instant, whose text is then parsed once.
    session_time: KnownTime,
}

/// A timestamp's text and the instant it was parsed to (a text up to [`KnownTime::MAX`] bytes,
/// as RFC 3339 texts are; a longer one is not kept). Kept inline: nothing to allocate. Its
/// `Debug` shows only the text's length, as a reader's spare buffers do: an earlier request's
/// text is not printed.
struct KnownTime {
    text: [u8; KnownTime::MAX],
    len: usize,
    at: Option<Timestamp>,
}

impl std::fmt::Debug for KnownTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownTime")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Default for KnownTime {
    fn default() -> Self {
        KnownTime {
            text: [0; KnownTime::MAX],
            len: 0,
            at: None,
        }
    }
}

impl KnownTime {
    const MAX: usize = 40;

    /// The instant `text` was parsed to, if it is the text kept.
    fn of(&self, text: &str) -> Option<Timestamp> {
        let kept = self.text.get(..self.len)?;
        self.at.filter(|_| same_bytes(kept, text.as_bytes()))
    }

    /// Keeps `text`, parsed to `at`.
    fn keep(&mut self, text: &str, at: Timestamp) {
        if let Some(place) = self.text.get_mut(..text.len()) {
            place.copy_from_slice(text.as_bytes());
            self.len = text.len();
            self.at = Some(at);
        }
    }
}

/// The shapes under `signInConditions`.
#[derive(Debug, Default)]
pub(super) struct ConditionShapes {
    conditions: Shape,
    flow: Shape,
    device: Shape,
}

/// The shapes under `session`.
#[derive(Debug, Default)]
pub(super) struct SessionShapes {
    session: Shape,
    certificate: Shape,
}

impl Shapes {
    /// Starts learning keys from the bodies read from now on.
    pub(super) fn learn(&mut self) {
        for shape in [
            &mut self.body,
            &mut self.identity,
            &mut self.context,
            &mut self.conditions.conditions,
            &mut self.conditions.flow,
            &mut self.conditions.device,
            &mut self.session.session,
            &mut self.session.certificate,
        ] {
            shape.learning();
        }
    }
}

/// Reads a common-form body into `r`, taking its strings from `spare`. `r` is blank (as
/// `SignInReader` leaves it before each read) but for the fields refilled in place: the
/// identity and context, which a body in the form always gives (without them this is `None`),
/// and the id, country and device, which this read writes, or clears where the body leaves
/// them out ([`Spare::settle`]). `None` when `text` is outside that form: `r` is then
/// left part read, and the caller gives those fields' buffers back ([`Spare::release`]). On
/// success `r` holds what the builder of the body would hold, unchecked: its time and
/// warnings are set by the checks that follow.
pub(super) fn sign_in_into(
    text: &str,
    r: &mut SignInRequest,
    spare: &mut Spare,
    shapes: &mut Shapes,
) -> Option<()> {
    const KEYS: Names<6> = Names::new([
        "id",
        "signInIdentity",
        "signInContext",
        "signInConditions",
        "session",
        "appliedPoliciesOnly",
    ]);
    let mut s = Scan::new(text);
    s.ws();
    let (mut identity, mut context) = (false, false);
    members(&mut s, &KEYS, &mut shapes.body, |s, i| {
        match i {
            0 => echo_id(s, &mut r.id, spare)?,
            1 => {
                object(s, |s| {
                    read_identity(s, &mut r.identity, spare, &mut shapes.identity)
                })?
                .flatten()?;
                identity = true;
            }
            2 => {
                object(s, |s| {
                    read_context(s, &mut r.context, spare, &mut shapes.context)
                })?
                .flatten()?;
                context = true;
            }
            3 => object(s, |s| {
                read_conditions(s, &mut r.conditions, spare, &mut shapes.conditions)
            })?
            .unwrap_or(()),
            4 => object(s, |s| {
                read_session(
                    s,
                    &mut r.session,
                    spare,
                    &mut shapes.session,
                    &mut shapes.session_time,
                )
            })?
            .unwrap_or(()),
            _ => r.applied_policies_only = boolean(s)?.unwrap_or(false),
        }
        Some(())
    })?;
    spare.settle(r);
    (s.at_end() && identity && context).then_some(())
}

/// The caller's `id`, echoed in the decision, into `id`: any JSON value but null (a string
/// refills the buffer of the one before, [`Spare::fill_id`]).
fn echo_id(s: &mut Scan<'_>, id: &mut Option<serde_json::Value>, spare: &mut Spare) -> Option<()> {
    if s.peek()? == b'"' {
        spare.fill_id(id, s.plain_string()?);
        return Some(());
    }
    let v = s.value(1)?;
    spare.put_id(id, (!matches!(v, Json::Null)).then(|| v.to_value()));
    Some(())
}

/// An object's members, each known key handed to `member` with its index in `names`. A key met
/// twice (in any case) or not in `names` leaves the form. Gives the `@odata.type` string, if any.
fn members<'a, const N: usize>(
    s: &mut Scan<'a>,
    names: &Names<N>,
    shape: &mut Shape,
    mut member: impl FnMut(&mut Scan<'a>, usize) -> Option<()>,
) -> Option<Option<&'a str>> {
    // A key's class: the `@odata.type`, a name's index in `names`, or neither.
    const ODATA: u16 = u16::MAX;
    const UNKNOWN: u16 = u16::MAX - 1;
    let classify = |key: &str| {
        if key.eq_ignore_ascii_case("@odata.type") {
            ODATA
        } else {
            names.find(key).map_or(UNKNOWN, |i| i as u16)
        }
    };
    let mut seen = 0u64;
    let mut odata = None;
    let mut odata_seen = false;
    s.object_shaped(Some(shape), classify, |s, _, class| {
        let i = match class {
            ODATA => {
                if std::mem::replace(&mut odata_seen, true) {
                    return None;
                }
                odata = string(s)?;
                return Some(());
            }
            UNKNOWN => return None,
            i => usize::from(i),
        };
        let bit = 1u64.checked_shl(u32::try_from(i).ok()?)?;
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        member(s, i)
    })?;
    Some(odata)
}

/// A nested object read by `read` (which gets its `@odata.type`), `Some(None)` for null.
fn object<'a, T>(
    s: &mut Scan<'a>,
    read: impl FnOnce(&mut Scan<'a>) -> Option<T>,
) -> Option<Option<T>> {
    match s.peek()? {
        b'n' => s.literal("null").map(|()| None),
        b'{' => read(s).map(Some),
        _ => None,
    }
}

/// A string, `Some(None)` for null.
fn string<'a>(s: &mut Scan<'a>) -> Option<Option<&'a str>> {
    match s.peek()? {
        b'n' => s.literal("null").map(|()| None),
        b'"' => s.plain_string().map(Some),
        _ => None,
    }
}

/// A string, owned (its buffer from `spare`); `Some(None)` for null.
fn owned(s: &mut Scan<'_>, spare: &mut Spare) -> Option<Option<String>> {
    string(s).map(|v| v.map(|v| spare.string(v)))
}

/// A boolean, `Some(None)` for null.
fn boolean(s: &mut Scan<'_>) -> Option<Option<bool>> {
    match s.peek()? {
        b'n' => s.literal("null").map(|()| None),
        b't' => s.literal("true").map(|()| Some(true)),
        b'f' => s.literal("false").map(|()| Some(false)),
        _ => None,
    }
}

/// An array of strings, `Some(None)` for null (the list and its strings from `spare`).
fn strings(s: &mut Scan<'_>, spare: &mut Spare) -> Option<Option<Vec<String>>> {
    if s.peek()? == b'n' {
        return s.literal("null").map(|()| None);
    }
    let mut out = spare.list();
    s.array(|s| {
        out.push(spare.string(s.plain_string()?));
        Some(())
    })?;
    Some(Some(out))
}

/// An array of strings into `list`, whose items' buffers are refilled in place; `false` for
/// null (then `list` is empty).
fn strings_into(s: &mut Scan<'_>, list: &mut Vec<String>, spare: &mut Spare) -> Option<bool> {
    if s.peek()? == b'n' {
        s.literal("null")?;
        spare.truncate(list, 0);
        return Some(false);
    }
    let mut k = 0;
    s.array(|s| {
        spare.fill_item(list, k, s.plain_string()?);
        k += 1;
        Some(())
    })?;
    spare.truncate(list, k);
    Some(true)
}

/// A flags value (one comma-separated string or an array of them, §1.3.2), each flag handed to
/// `flag`; `Some(false)` for null.
fn flags(s: &mut Scan<'_>, mut flag: impl FnMut(&str) -> Option<()>) -> Option<bool> {
    match s.peek()? {
        b'n' => s.literal("null").map(|()| false),
        b'"' => {
            try_each_flag(s.plain_string()?, &mut flag)?;
            Some(true)
        }
        _ => {
            s.array(|s| try_each_flag(s.plain_string()?, &mut flag))?;
            Some(true)
        }
    }
}

/// An RFC 3339 timestamp, `Some(None)` for null; one that does not parse leaves the form.
/// Text that is the text read before (`last`) is not read again: a session's last sign-in and
/// last MFA are most often the same instant, to the digit. Nor is text `known` from an earlier
/// body, which then keeps this one's.
fn time<'a>(
    s: &mut Scan<'a>,
    last: &mut Option<(&'a str, Timestamp)>,
    known: Option<&mut KnownTime>,
) -> Option<Option<Timestamp>> {
    match string(s)? {
        Some(t) => {
            if let Some((text, at)) = *last
                && text == t
            {
                return Some(Some(at));
            }
            let at = match known {
                Some(known) => match known.of(t) {
                    Some(at) => at,
                    None => {
                        let at = parse_timestamp(t).ok()?;
                        known.keep(t, at);
                        at
                    }
                },
                None => parse_timestamp(t).ok()?,
            };
            *last = Some((t, at));
            Some(Some(at))
        }
        None => Some(None),
    }
}

/// Is the `@odata.type` name (after its `#` and `microsoft.graph.` prefixes, as
/// [`odata_name`] gives it once for an object's comparisons) `kind`, in any case?
fn is(name: Option<&str>, kind: &str) -> bool {
    name.is_some_and(|t| same_in_any_case(t.as_bytes(), kind.as_bytes()))
}

/// `signInIdentity` into `identity`, in place ([`Spare::set_user`]); `None` when it names
/// neither a user nor a service principal, or lacks its id.
fn read_identity(
    s: &mut Scan<'_>,
    identity: &mut Identity,
    spare: &mut Spare,
    shape: &mut Shape,
) -> Option<Option<()>> {
    const KEYS: Names<4> = Names::new([
        "userId",
        "externalUserType",
        "externalTenantId",
        "servicePrincipalId",
    ]);
    let (mut user, mut tenant, mut sp) = (None, None, None);
    let mut guest_types = None;
    let odata = members(s, &KEYS, shape, |s, i| {
        match i {
            0 => user = string(s)?,
            1 => {
                let mut bits = 0u8;
                let present = flags(s, |f| match GuestType::parse(f) {
                    GuestType::Unknown(_) => None,
                    t => {
                        bits |= t.bit();
                        Some(())
                    }
                })?;
                guest_types = present.then_some(bits);
            }
            2 => tenant = string(s)?,
            _ => sp = string(s)?,
        }
        Some(())
    })?;
    let odata = odata.map(odata_name);
    Some(if is(odata, "userSignIn") {
        user.map(|user| spare.set_user(identity, user, tenant, guest_types))
    } else if is(odata, "servicePrincipalSignIn") {
        sp.map(|sp| spare.set_service_principal(identity, sp))
    } else {
        None
    })
}

/// `signInContext` into `context`, its applications refilled in place
/// ([`Spare::take_applications`]); `None` when it is none of the three kinds, or lacks what its
/// kind needs.
fn read_context(
    s: &mut Scan<'_>,
    context: &mut SignInContext,
    spare: &mut Spare,
    shape: &mut Shape,
) -> Option<Option<()>> {
    const KEYS: Names<3> = Names::new([
        "includeApplications",
        "userAction",
        "authenticationContextValue",
    ]);
    let mut apps = spare.take_applications(context);
    let (mut apps_given, mut action, mut value) = (false, None, None);
    let odata = members(s, &KEYS, shape, |s, i| {
        match i {
            0 => apps_given = strings_into(s, &mut apps, spare)?,
            1 => action = string(s)?,
            _ => value = string(s)?,
        }
        Some(())
    })?;
    let odata = odata.map(odata_name);
    let written = if is(odata, "applicationContext") {
        if apps_given && !apps.is_empty() {
            *context = SignInContext::Applications(apps);
            return Some(Some(()));
        }
        None
    } else if is(odata, "userActionContext") {
        action.map(|a| *context = SignInContext::UserAction(UserAction::parse(a)))
    } else if is(odata, "authContext") {
        value.map(|v| *context = SignInContext::AuthContext(spare.string(v)))
    } else {
        None
    };
    spare.keep_list(apps);
    Some(written)
}

/// `signInConditions` into `c`, which is blank but for its country and device, refilled in
/// place.
fn read_conditions(
    s: &mut Scan<'_>,
    c: &mut SignInConditions,
    spare: &mut Spare,
    shapes: &mut ConditionShapes,
) -> Option<()> {
    const KEYS: Names<10> = Names::new([
        "ipAddress",
        "devicePlatform",
        "clientAppType",
        "country",
        "signInRiskLevel",
        "userRiskLevel",
        "servicePrincipalRiskLevel",
        "insiderRiskLevel",
        "authenticationFlow",
        "deviceInfo",
    ]);
    let risk = |s: &mut Scan<'_>| Some(string(s)?.map_or(RiskLevel::None, RiskLevel::parse));
    members(s, &KEYS, &mut shapes.conditions, |s, i| {
        match i {
            0 => {
                c.ip_address = match string(s)? {
                    Some(ip) => Some(crate::model::location::parse_ip(trimmed(ip))?),
                    None => None,
                }
            }
            1 => c.platform = string(s)?.map(Platform::parse),
            2 => c.client_app_type = string(s)?.map(ClientAppType::parse),
            3 => spare.fill_country(&mut c.country, string(s)?),
            4 => c.sign_in_risk = risk(s)?,
            5 => c.user_risk = risk(s)?,
            6 => c.service_principal_risk = risk(s)?,
            7 => {
                c.insider_risk = string(s)?.map_or(InsiderRiskLevel::None, InsiderRiskLevel::parse)
            }
            8 => object(s, |s| {
                read_flow(s, &mut c.transfer_methods, spare, &mut shapes.flow)
            })?
            .unwrap_or(()),
            _ => match s.peek()? {
                b'n' => {
                    s.literal("null")?;
                    spare.drop_device(&mut c.device);
                }
                b'{' => {
                    let d = spare.device(&mut c.device);
                    read_device(s, d, spare, &mut shapes.device)?;
                }
                _ => return None,
            },
        }
        Some(())
    })?;
    Some(())
}

/// `authenticationFlow` into `methods`, which is empty (its buffer from `spare`).
fn read_flow(
    s: &mut Scan<'_>,
    methods: &mut Vec<TransferMethod>,
    spare: &mut Spare,
    shape: &mut Shape,
) -> Option<()> {
    const KEYS: Names<1> = Names::new(["transferMethod"]);
    let mut list = spare.methods();
    members(s, &KEYS, shape, |s, _| {
        flags(s, |f| {
            list.push(TransferMethod::parse(f));
            Some(())
        })
        .map(|_| ())
    })?;
    *methods = list;
    Some(())
}

/// `deviceInfo` into `d`: the device an earlier read left in place, whose members this read
/// refills where they are, or a blank one ([`Spare::device`]). When it is read, `d` holds what
/// this body gives and nothing else ([`Spare::settle_device`]).
fn read_device<'a>(
    s: &mut Scan<'a>,
    d: &mut DeviceInfo,
    spare: &mut Spare,
    shape: &mut Shape,
) -> Option<()> {
    #[expect(
        clippy::indexing_slicing,
        reason = "evaluated at compile time: an index out of range fails the build"
    )]
    const KEYS: Names<30> = Names::new({
        // The base names, then `extensionAttribute1`..`15` as the filter spells them.
        let mut names = [""; 30];
        let mut i = 0;
        while i < 15 {
            names[i] = DEVICE_BASE[i];
            names[i + 15] = crate::filter::EXTENSION_ATTRIBUTES[i];
            i += 1;
        }
        names
    });
    // Every member class has a bit in the mask `Spare::device_member` keeps.
    const _: () = assert!(
        DEVICE_BASE.len() + crate::filter::EXTENSION_ATTRIBUTES.len() <= 32,
        "a device member past the mask's bits"
    );
    let mut device_ownership = None;
    members(s, &KEYS, shape, |s, i| {
        match i {
            IS_COMPLIANT => d.is_compliant = boolean(s)?,
            // Read aside, and not marked: `ownership` wins when both are given, and is marked
            // when this one lands there.
            DEVICE_OWNERSHIP => {
                device_ownership = string(s)?;
                return Some(());
            }
            n => match device_list(d, n) {
                Some(list) => {
                    spare.keep_some_list(list.take());
                    *list = strings(s, spare)?;
                }
                None => spare.fill(device_string(d, n)?, string(s)?),
            },
        }
        spare.device_member(i);
        Some(())
    })?;
    spare.settle_device(d);
    if d.ownership.is_none() && device_ownership.is_some() {
        spare.fill(&mut d.ownership, device_ownership);
        spare.device_member(OWNERSHIP);
    }
    Some(())
}

/// `session` into `session`, which is blank; its `time` is not parsed again when it is
/// `known`'s text.
fn read_session<'a>(
    s: &mut Scan<'a>,
    session: &mut Session,
    spare: &mut Spare,
    shapes: &mut SessionShapes,
    known: &mut KnownTime,
) -> Option<()> {
    const KEYS: Names<13> = Names::new([
        "time",
        "authenticationMethods",
        "certificate",
        "lastAuthenticatedDateTime",
        "lastMfaDateTime",
        "acceptedTermsOfUse",
        "satisfiedAuthenticationContexts",
        "passwordChanged",
        "customFactors",
        "approvedClientApp",
        "appProtectionPolicy",
        "fido2Aaguid",
        "gpsCountry",
    ]);
    let mut last = None;
    members(s, &KEYS, &mut shapes.session, |s, i| {
        let list =
            |s: &mut Scan<'_>, spare: &mut Spare| Some(strings(s, spare)?.unwrap_or_default());
        let flag = |s: &mut Scan<'_>| Some(boolean(s)?.unwrap_or(false));
        match i {
            0 => session.time = time(s, &mut last, Some(&mut *known))?,
            1 => {
                let mut bits = 0u32;
                flags(s, |f| {
                    let m = AuthMethod::parse(f);
                    bits |= m.bit();
                    if let AuthMethod::Unknown(name) = m {
                        session.unknown_methods.push(name);
                    }
                    Some(())
                })?;
                session.methods = MethodSet(bits);
            }
            2 => {
                session.certificate =
                    object(s, |s| read_certificate(s, spare, &mut shapes.certificate))?
            }
            3 => session.last_authenticated = time(s, &mut last, None)?,
            4 => session.last_mfa = time(s, &mut last, None)?,
            5 => session.accepted_terms_of_use = list(s, spare)?,
            6 => session.satisfied_auth_contexts = list(s, spare)?,
            7 => session.password_changed = flag(s)?,
            8 => session.custom_factors = list(s, spare)?,
            9 => session.approved_client_app = flag(s)?,
            10 => session.app_protection_policy = flag(s)?,
            11 => session.fido2_aaguid = owned(s, spare)?,
            _ => session.gps_country = owned(s, spare)?,
        }
        Some(())
    })?;
    Some(())
}

fn read_certificate(s: &mut Scan<'_>, spare: &mut Spare, shape: &mut Shape) -> Option<Certificate> {
    let mut c = Certificate {
        issuer_ski: None,
        policy_oids: Vec::new(),
    };
    const KEYS: Names<2> = Names::new(["issuerSki", "policyOids"]);
    members(s, &KEYS, shape, |s, i| {
        match i {
            0 => c.issuer_ski = owned(s, spare)?,
            _ => c.policy_oids = strings(s, spare)?.unwrap_or_default(),
        }
        Some(())
    })?;
    Some(c)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::indexing_slicing)]
    use crate::diag::Diagnostics;
    use crate::model::request::SignInReader;

    /// A body whose session `time` is `time`.
    fn body(time: &str) -> String {
        format!(
            r##"{{"signInIdentity": {{"@odata.type": "#microsoft.graph.userSignIn", "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03"}}, "signInContext": {{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ["00000003-0000-0ff1-ce00-000000000000"]}}, "session": {{"time": "{time}", "lastAuthenticatedDateTime": "{time}"}}}}"##
        )
    }

    /// The session time kept from body to body is used only for the same text: a time one
    /// digit apart, times sharing the kept one's first 19 bytes, one written another way, texts
    /// that do not parse, and the kept one again, each read as a fresh reader reads them.
    #[test]
    fn a_kept_session_time_is_used_only_for_its_own_text() {
        let times = [
            "2026-03-02T09:00:00Z",
            "2026-03-02T09:00:01Z",
            "2026-03-02T09:00:00Z",
            "2026-03-02T09:00:00+01:00",
            "2026-03-02T09:00:00Z",
            "2026-03-02T09:00:00.5Z",
            "2026-03-02T09:00:00.123456789+05:30",
            "2026-03-02T09:00:00.123456789+00:00:00",
            "2026-03-02T09:00:00Z",
            "2026-13-02T09:00:00Z",
            "2026-03-02T09:00:01Z",
        ];
        let mut reader = SignInReader::new();
        let mut read = 0;
        for _ in 0..3 {
            for time in times {
                let text = body(time);
                let fresh = SignInReader::new()
                    .read_common(&mut Diagnostics::new("request"), &text, None)
                    .map(|r| r.cloned());
                let reused = reader
                    .read_common(&mut Diagnostics::new("request"), &text, None)
                    .map(|r| r.cloned());
                assert_eq!(reused, fresh, "{time}");
                let expected = crate::model::read::parse_timestamp(time).ok();
                if let Some(Some(r)) = &reused {
                    read += 1;
                    assert_eq!(r.session.time, expected, "{time}");
                    assert_eq!(r.session.last_authenticated, expected, "{time}");
                }
            }
        }
        // Every text that parses is read (two of them do not).
        let parsed = times
            .iter()
            .filter(|t| crate::model::read::parse_timestamp(t).is_ok())
            .count();
        assert_eq!(parsed, times.len() - 2);
        assert_eq!(read, 3 * (times.len() - 2));
        // A null time takes nothing kept: the request reads with no session time of its own.
        let null = body("")
            .replace(r#""time": """#, r#""time": null"#)
            .replace(
                r#""lastAuthenticatedDateTime": """#,
                r#""lastAuthenticatedDateTime": null"#,
            );
        let now = crate::model::read::parse_timestamp("2026-01-01T00:00:00Z").ok();
        let reused = reader
            .read_common(&mut Diagnostics::new("request"), &null, now)
            .map(|r| r.cloned());
        let fresh = SignInReader::new()
            .read_common(&mut Diagnostics::new("request"), &null, now)
            .map(|r| r.cloned());
        assert_eq!(reused, fresh);
        let Some(Some(r)) = reused else {
            panic!("{reused:?}")
        };
        assert_eq!(r.session.time, None);
        assert_eq!(r.session.last_authenticated, None);
    }

    /// A text longer than a kept time can be is not kept, and leaves the one kept before.
    #[test]
    fn a_time_too_long_to_keep_leaves_the_one_kept() {
        let at = |t: &str| crate::model::read::parse_timestamp(t).ok();
        let (short, Some(instant)) = ("2026-03-02T09:00:00Z", at("2026-03-02T09:00:00Z")) else {
            panic!("the time parses")
        };
        let mut known = super::KnownTime::default();
        known.keep(short, instant);
        let long = format!(
            "{short}{}",
            " ".repeat(super::KnownTime::MAX + 1 - short.len())
        );
        let other = jiff::Timestamp::UNIX_EPOCH;
        known.keep(&long, other);
        assert_eq!(known.of(short), Some(instant));
        assert_eq!(known.of(&long), None);
        assert_eq!(
            known.of(long.get(..super::KnownTime::MAX).unwrap_or_default()),
            None
        );
        // A text of exactly the most bytes kept is kept.
        let most = &long[..super::KnownTime::MAX];
        known.keep(most, other);
        assert_eq!(known.of(most), Some(other));
        assert_eq!(known.of(short), None);
        assert_eq!(format!("{known:?}"), "KnownTime { len: 40, .. }");
    }
}
