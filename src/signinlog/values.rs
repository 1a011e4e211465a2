//! One logged value as the mapping reads it: absent values, strings borrowed from the record's
//! text (or copied where it had escapes), trimming, and names compared in any case; and which
//! members of a record's objects the mapping reads (`NESTED`, with the tables the one-pass
//! reader works out from it when the program is built).

use std::borrow::Cow;

use super::SignInLogError;
use crate::json::Json;
use crate::model::read::may_need_trim;

/// An object's members, as parsed (in order, borrowed from the text where possible).
pub(super) type Members<'a> = [(Cow<'a, str>, Json<'a>)];

/// Are `key` and `name` the same in any case? Exports spell most keys as the mapping names
/// them, so the exact comparison usually answers first.
#[inline]
pub(super) fn same_name(key: &str, name: &str) -> bool {
    key.len() == name.len()
        && (crate::json::shape::same_bytes(key.as_bytes(), name.as_bytes())
            || key.eq_ignore_ascii_case(name))
}

/// Is `v` absent: `null`, or `"None"` (how `az` writes a null)?
pub(super) fn is_absent(v: &Json<'_>) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s == "None",
        _ => false,
    }
}

/// `v`'s text, when it is a string.
pub(super) fn str_of<'r>(v: &'r Json<'_>) -> Option<&'r str> {
    match v {
        Json::String(s) => Some(s),
        _ => None,
    }
}

/// A string value as the mapped record keeps it: borrowed from the text, or copied where the
/// text had escapes.
pub(super) fn text_of<'a>(v: &Json<'a>) -> Option<Cow<'a, str>> {
    match v {
        Json::String(Cow::Borrowed(s)) => Some(Cow::Borrowed(s)),
        Json::String(Cow::Owned(s)) => Some(Cow::Owned(s.clone())),
        _ => None,
    }
}

/// `text` trimmed; `None` when nothing is left.
pub(super) fn trimmed(text: Cow<'_, str>) -> Option<Cow<'_, str>> {
    if !text.is_empty() && !may_need_trim(&text) {
        return Some(text);
    }
    match text {
        Cow::Borrowed(s) => Some(s.trim()).filter(|t| !t.is_empty()).map(Cow::Borrowed),
        Cow::Owned(s) => Some(s.trim())
            .filter(|t| !t.is_empty())
            .map(|t| Cow::Owned(t.to_owned())),
    }
}

/// The key under which the PowerShell SDK nests the fields its model does not name.
pub(super) const ADDITIONAL_PROPERTIES: &str = "AdditionalProperties";

/// Record fields whose objects (the field's value, or each object in a list there) the mapping
/// reads only some members of, and those members. The rest (a location's `geoCoordinates`, a
/// device's `browser`, a step's result details) is skipped without being built: Graph writes
/// coordinates as floats, which the one-pass reader would otherwise leave to `serde_json`.
const NESTED: [(&str, &[&str]); 5] = [
    ("location", &["countryOrRegion", ADDITIONAL_PROPERTIES]),
    (
        "LocationDetails",
        &["countryOrRegion", ADDITIONAL_PROPERTIES],
    ),
    (
        "deviceDetail",
        &[
            "deviceId",
            "displayName",
            "operatingSystem",
            "isCompliant",
            "trustType",
            ADDITIONAL_PROPERTIES,
        ],
    ),
    (
        "authenticationDetails",
        &[
            "succeeded",
            "authenticationMethod",
            "authenticationStepDateTime",
            ADDITIONAL_PROPERTIES,
        ],
    ),
    (
        "authenticationContextClassReferences",
        &["id", "detail", ADDITIONAL_PROPERTIES],
    ),
];

/// The members the mapping reads of the objects under the record field `key`, when it reads
/// only some ([`NESTED`]).
pub(super) fn nested_members(key: &str) -> Option<&'static [&'static str]> {
    NESTED
        .iter()
        .find(|(field, _)| same_name(key, field))
        .map(|(_, members)| *members)
}

/// [`same_name`] when the program is built (`eq_ignore_ascii_case` is not `const` in the
/// supported Rust version).
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
pub(super) const fn same_name_at_build(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !a[i].eq_ignore_ascii_case(&b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// For each of `keys`, what [`nested_members`] says of it, worked out when the program is built.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
pub(super) const fn nested_table<const N: usize>(
    keys: [&str; N],
) -> [Option<&'static [&'static str]>; N] {
    let mut out = [None; N];
    let mut i = 0;
    while i < N {
        let mut j = 0;
        while j < NESTED.len() {
            if same_name_at_build(keys[i], NESTED[j].0) {
                out[i] = Some(NESTED[j].1);
            }
            j += 1;
        }
        i += 1;
    }
    out
}

/// For each of `keys`, is it one of `names` (in any case)? Worked out when the program is built.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
pub(super) const fn flags<const N: usize>(keys: [&str; N], names: &[&str]) -> [bool; N] {
    let mut out = [false; N];
    let mut i = 0;
    while i < N {
        let mut j = 0;
        while j < names.len() {
            out[i] |= same_name_at_build(keys[i], names[j]);
            j += 1;
        }
        i += 1;
    }
    out
}

/// The object `members` nest under [`ADDITIONAL_PROPERTIES`] (in any case, as every key is
/// matched), searched after the members themselves.
pub(super) fn additional_properties<'r, 'a>(members: &'r Members<'a>) -> Option<&'r Members<'a>> {
    members.iter().find_map(|(k, v)| match v {
        Json::Object(extra) if same_name(k, ADDITIONAL_PROPERTIES) => Some(extra.as_slice()),
        _ => None,
    })
}

/// A mapping error about the field `names` first names.
pub(super) fn error(names: &[&str], message: &str) -> SignInLogError {
    SignInLogError {
        field: names.first().copied().unwrap_or_default().to_owned(),
        message: message.to_owned(),
    }
}
