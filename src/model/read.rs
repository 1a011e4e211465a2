//! The tolerant reader that turns [`Json`] into model types (docs/SEMANTICS.md §1.2–§1.7).
//!
//! Keys match case-insensitively; keys containing `@odata.` (other than `@odata.type`) and keys
//! starting with `#` are ignored; a PowerShell SDK `AdditionalProperties` object is read as if its
//! members stood in the parent; two keys differing only in case are an error. Every problem is
//! recorded in [`Diagnostics`] with the JSON path, and reading goes on so that all errors of a file
//! are reported at once.

use std::cell::Cell;

use smallvec::SmallVec;

use jiff::{SignedDuration, Timestamp};

use crate::diag::Diagnostics;
use crate::json::Json;

/// A view of one JSON object with tolerant, case-insensitive member lookup.
pub struct Obj<'a> {
    /// Inline for the objects requests and policies hold (a handful of members), so reading one
    /// does not allocate for its member table.
    members: SmallVec<[(&'a str, &'a Json<'a>); 16]>,
    used: SmallVec<[Cell<bool>; 16]>,
    odata_type: Option<&'a str>,
    /// JSON path of this object, e.g. `$.conditions`.
    pub path: String,
}

/// Joins a member name onto a path. Built by hand, not with `format!`: readers build a path for
/// every nested object of every request line, so this is on the CLI's hot path.
pub fn child(path: &str, key: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1 + key.len());
    out.push_str(path);
    out.push('.');
    out.push_str(key);
    out
}

/// Joins an array index onto a path (by hand, like [`child`]).
pub fn index(path: &str, i: usize) -> String {
    let mut out = String::new();
    push_index(&mut out, path, i);
    out
}

/// Appends `path` with index `i` joined onto it to `out` (a buffer reused across items).
pub fn push_index(out: &mut String, path: &str, i: usize) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(i);
    out.reserve(path.len() + digits.len() + 2);
    out.push_str(path);
    out.push('[');
    out.push_str(digits);
    out.push(']');
}

/// Is `key` one the reader ignores (an annotation other than `@odata.type`, or a `#` key)?
fn ignored_key(key: &str) -> bool {
    // Most keys hold no `@`: one byte scan settles them before any substring search.
    key.starts_with('#')
        || (key.as_bytes().contains(&b'@')
            && key.contains("@odata.")
            && !key.eq_ignore_ascii_case("@odata.type"))
}

impl<'a> Obj<'a> {
    /// Reads `json` as an object; records an error and returns `None` for any other type.
    pub fn new(d: &mut Diagnostics, json: &'a Json<'a>, path: &str) -> Option<Obj<'a>> {
        Obj::with_path(d, json, path.to_owned())
    }

    /// [`Obj::new`] taking its path by value (no copy when the caller built it).
    fn with_path(d: &mut Diagnostics, json: &'a Json<'a>, path: String) -> Option<Obj<'a>> {
        let Json::Object(raw) = json else {
            d.error(
                "wrongType",
                &path,
                format!("expected an object, found {}", json.kind()),
            );
            return None;
        };
        let mut obj = Obj {
            members: SmallVec::new(),
            used: SmallVec::new(),
            odata_type: None,
            path,
        };
        obj.absorb(d, raw, 0);
        obj.used = obj.members.iter().map(|_| Cell::new(false)).collect();
        Some(obj)
    }

    fn absorb(
        &mut self,
        d: &mut Diagnostics,
        raw: &'a [(std::borrow::Cow<'a, str>, Json<'a>)],
        depth: usize,
    ) {
        for (key, value) in raw {
            if key.eq_ignore_ascii_case("@odata.type") {
                // The discriminator decides how the object is read: a second one (or one that
                // is not a string) leaves that ambiguous, so it is an error like any other key.
                match value {
                    Json::String(_) if self.odata_type.is_some() => d.error(
                        "duplicateKey",
                        &child(&self.path, key),
                        format!("key \"{key}\" appears twice"),
                    ),
                    Json::String(s) => self.odata_type = Some(s),
                    Json::Null => {}
                    other => wrong(d, &child(&self.path, key), "a string", other),
                }
                continue;
            }
            if ignored_key(key) {
                continue;
            }
            if key.eq_ignore_ascii_case("AdditionalProperties")
                && depth == 0
                && let Json::Object(inner) = value
            {
                self.absorb(d, inner, depth + 1);
                continue;
            }
            if let Some((existing, _)) = self
                .members
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
            {
                let what = if *existing == key.as_ref() {
                    "appears twice"
                } else {
                    "appears twice (keys match regardless of letter case)"
                };
                d.error(
                    "duplicateKey",
                    &child(&self.path, key),
                    format!("key \"{key}\" {what}"),
                );
                continue;
            }
            self.members.push((key, value));
        }
    }

    /// The `@odata.type` discriminator without `#` and `microsoft.graph.` prefixes.
    pub fn odata_type(&self) -> Option<&'a str> {
        self.odata_type.map(odata_name)
    }

    /// The raw member for `key` (case-insensitive), `None` when absent. Marks it as read.
    pub fn raw(&self, key: &str) -> Option<&'a Json<'a>> {
        let pos = self
            .members
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(key))?;
        if let Some(flag) = self.used.get(pos) {
            flag.set(true);
        }
        self.members.get(pos).map(|(_, v)| *v)
    }

    /// The member for `key` unless it is absent or null.
    pub fn get(&self, key: &str) -> Option<&'a Json<'a>> {
        match self.raw(key) {
            None | Some(Json::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// True when the member exists and is not null.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Path of a member.
    pub fn at(&self, key: &str) -> String {
        child(&self.path, key)
    }

    /// Every member (annotations and `@odata.type` excepted), in document order.
    pub fn members(&self) -> impl Iterator<Item = (&'a str, &'a Json<'a>)> + '_ {
        self.members.iter().copied()
    }

    /// Members that were never read, with non-null, non-empty values.
    pub fn unread(&self) -> Vec<(&'a str, &'a Json<'a>)> {
        self.members
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !used.get())
            .map(|(m, _)| *m)
            .filter(|(_, v)| !is_empty_value(v))
            .collect()
    }

    /// A nested object; `None` when absent or null (wrong type is recorded).
    pub fn obj(&self, d: &mut Diagnostics, key: &str) -> Option<Obj<'a>> {
        let v = self.get(key)?;
        Obj::with_path(d, v, self.at(key))
    }

    /// A string member; wrong type is recorded.
    pub fn str(&self, d: &mut Diagnostics, key: &str) -> Option<&'a str> {
        match self.get(key)? {
            Json::String(s) => Some(s),
            other => {
                wrong(d, &self.at(key), "a string", other);
                None
            }
        }
    }

    /// A string member that must be present.
    pub fn req_str(&self, d: &mut Diagnostics, key: &str) -> Option<&'a str> {
        if !self.has(key) {
            d.error(
                "missingField",
                &self.at(key),
                "required string is missing or null",
            );
            return None;
        }
        self.str(d, key)
    }

    /// A boolean member.
    pub fn bool(&self, d: &mut Diagnostics, key: &str) -> Option<bool> {
        match self.get(key)? {
            Json::Bool(b) => Some(*b),
            other => {
                wrong(d, &self.at(key), "a boolean", other);
                None
            }
        }
    }

    /// An integer member.
    pub fn int(&self, d: &mut Diagnostics, key: &str) -> Option<i64> {
        match self.get(key)? {
            Json::Number(n) => match n.as_i64() {
                Some(i) => Some(i),
                None => {
                    d.error(
                        "wrongType",
                        &self.at(key),
                        format!("expected an integer, found {n}"),
                    );
                    None
                }
            },
            other => {
                wrong(d, &self.at(key), "an integer", other);
                None
            }
        }
    }

    /// An array member's items, without their paths (for a long array whose items are read
    /// without error as a rule: [`index`] on [`Obj::at`] names one when it is needed); empty
    /// when absent or null.
    pub fn items(&self, d: &mut Diagnostics, key: &str) -> &'a [Json<'a>] {
        match self.get(key) {
            None => &[],
            Some(Json::Array(items)) => items,
            Some(other) => {
                wrong(d, &self.at(key), "an array", other);
                &[]
            }
        }
    }

    /// An array member as items with their paths; empty when absent or null.
    pub fn array(&self, d: &mut Diagnostics, key: &str) -> Vec<(&'a Json<'a>, String)> {
        let path = self.at(key);
        match self.get(key) {
            None => Vec::new(),
            Some(Json::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (v, index(&path, i)))
                .collect(),
            Some(other) => {
                wrong(d, &path, "an array", other);
                Vec::new()
            }
        }
    }

    /// An array of strings; non-strings are recorded and skipped (the file is then in error).
    pub fn strings(&self, d: &mut Diagnostics, key: &str) -> Vec<(&'a str, String)> {
        let mut out = Vec::new();
        for (item, path) in self.array(d, key) {
            match item {
                Json::String(s) => out.push((s.as_ref(), path)),
                other => wrong(d, &path, "a string", other),
            }
        }
        out
    }

    /// A timestamp member (RFC 3339 with offset).
    pub fn time(&self, d: &mut Diagnostics, key: &str) -> Option<Timestamp> {
        let s = self.str(d, key)?;
        // The path is built only for an error: this runs several times per request line.
        match parse_timestamp(s) {
            Ok(t) => Some(t),
            Err(msg) => {
                d.error("invalidTimestamp", &self.at(key), msg);
                None
            }
        }
    }

    /// A duration member (ISO 8601 `P[nD][T[nH][nM][n[.n]S]]`).
    pub fn duration(&self, d: &mut Diagnostics, key: &str) -> Option<SignedDuration> {
        let s = self.str(d, key)?;
        match parse_duration(s) {
            Ok(v) => Some(v),
            Err(msg) => {
                d.error("invalidDuration", &self.at(key), msg);
                None
            }
        }
    }

    /// An enum member parsed with `parse`; `None` when absent.
    pub fn enumeration<E>(
        &self,
        d: &mut Diagnostics,
        key: &str,
        parse: fn(&str) -> E,
    ) -> Option<E> {
        self.str(d, key).map(parse)
    }

    /// A flags enum: one comma-separated string or an array of member strings (§1.3.2).
    pub fn flags<E>(&self, d: &mut Diagnostics, key: &str, parse: fn(&str) -> E) -> Vec<E> {
        match self.get(key) {
            None => Vec::new(),
            Some(Json::String(s)) => split_flags(s).map(parse).collect(),
            Some(Json::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Json::String(s) => out.extend(split_flags(s).map(parse)),
                        other => wrong(d, &index(&self.at(key), i), "a string", other),
                    }
                }
                out
            }
            Some(other) => {
                wrong(d, &self.at(key), "a comma-separated string", other);
                Vec::new()
            }
        }
    }
}

/// Does `s` start or end with a byte `str::trim` might remove (ASCII whitespace, or any
/// non-ASCII byte, which may begin or end a Unicode space)? Nearly every value does not.
pub(crate) fn may_need_trim(s: &str) -> bool {
    let edge = |b: Option<&u8>| b.is_some_and(|&b| b <= b' ' || b >= 0x80);
    edge(s.as_bytes().first()) || edge(s.as_bytes().last())
}

/// `s` trimmed as `str::trim` trims it; a value [`may_need_trim`] passes is kept without
/// `trim`'s character decoding.
pub(crate) fn trimmed(s: &str) -> &str {
    if may_need_trim(s) { s.trim() } else { s }
}

/// Splits a flags string into trimmed, non-empty items.
pub fn split_flags(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(trimmed).filter(|p| !p.is_empty())
}

/// Hands each item [`split_flags`] gives to `flag`, stopping at the first `None`. A string
/// without a comma (nearly every one: Graph writes one flag per string in arrays) is one item,
/// found without a searcher.
pub(crate) fn try_each_flag(s: &str, mut flag: impl FnMut(&str) -> Option<()>) -> Option<()> {
    if has_comma(s.as_bytes()) {
        return split_flags(s).try_for_each(flag);
    }
    let item = trimmed(s);
    if item.is_empty() {
        Some(())
    } else {
        flag(item)
    }
}

/// Does `b` hold a comma? Eight bytes at a time.
fn has_comma(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(8);
    let found = words.by_ref().any(|chunk| {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        // The classic zero-byte test on the bytes XORed with commas: exact for "any".
        let x = u64::from_le_bytes(w) ^ (ONES * u64::from(b','));
        x.wrapping_sub(ONES) & !x & HIGH != 0
    });
    found || words.remainder().contains(&b',')
}

/// An `@odata.type` value without its `#` and `microsoft.graph.` prefixes.
pub(crate) fn odata_name(t: &str) -> &str {
    let t = t.strip_prefix('#').unwrap_or(t);
    strip_prefix_ci(t, "microsoft.graph.").unwrap_or(t)
}

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    if crate::json::shape::same_in_any_case(head.as_bytes(), prefix.as_bytes()) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// True for null, `[]`, `""` and `{}`: values that configure nothing.
pub fn is_empty_value(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.trim().is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(m) => m.iter().all(|(k, v)| {
            ignored_key(k) || k.eq_ignore_ascii_case("@odata.type") || is_empty_value(v)
        }),
        _ => false,
    }
}

/// Records a wrong-type error.
pub fn wrong(d: &mut Diagnostics, path: &str, expected: &str, found: &Json) {
    d.error(
        "wrongType",
        path,
        format!("expected {expected}, found {}", found.kind()),
    );
}

pub use super::time::{format_duration, parse_duration, parse_timestamp};

pub use crate::diag::truncate;

/// Splits a `file:$path` source (as policies and groups record where they were read) into the
/// file and the JSON path; a source without a file part is all path.
pub fn split_source(source: &str) -> (&str, &str) {
    match source.rfind(":$") {
        Some(pos) => (
            source.get(..pos).unwrap_or(""),
            source.get(pos + 1..).unwrap_or(source),
        ),
        None => ("", source),
    }
}

/// Is `s` a GUID (hex groups 8-4-4-4-12, any case, no braces)?
pub fn is_guid(s: &str) -> bool {
    guid_case(s).is_some()
}

/// `Some(true)` for a GUID (as [`is_guid`] reads one) with an upper-case letter, `Some(false)`
/// for one all in lower case, `None` for anything else: a GUID is checked and its case told in
/// the one pass.
pub fn guid_case(s: &str) -> Option<bool> {
    // Eight bytes at a time: ids of every request line and log record pass through here.
    let Ok(b) = <&[u8; 36]>::try_from(s.as_bytes()) else {
        return None;
    };
    let word = |lo: &[u8; 4], hi: &[u8; 4]| {
        u64::from(u32::from_le_bytes(*lo)) | (u64::from(u32::from_le_bytes(*hi)) << 32)
    };
    let four = |at: usize| -> &[u8; 4] {
        b.get(at..at + 4)
            .and_then(|q| q.try_into().ok())
            .unwrap_or(&[0; 4])
    };
    if [b[8], b[13], b[18], b[23]] != [b'-'; 4] {
        return None;
    }
    // The four words' flags combined without a branch per word.
    let (mut bad, mut upper) = (0, 0);
    for w in [
        word(four(0), four(4)),
        word(four(9), four(14)),
        word(four(19), four(24)),
        word(four(28), four(32)),
    ] {
        let (word_bad, word_upper) = hex_word(w);
        bad |= word_bad;
        upper |= word_upper;
    }
    (bad == 0).then_some(upper != 0)
}

/// Of the eight bytes of `w`: the high bit of each that is not an ASCII hex digit (any case),
/// and the high bit of each that is an upper-case letter.
fn hex_word(w: u64) -> (u64, u64) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte that is `c` or more: with the high bit set first, no byte
    // borrows from the next (valid only for ASCII bytes; a byte that is not has its own high
    // bit, which marks it bad).
    let at_least = |x: u64, c: u8| ((x | HIGH) - ONES * u64::from(c)) & HIGH;
    let lower = w | (ONES * 0x20);
    let digit = at_least(w, b'0') & !at_least(w, b'9' + 1);
    let letter = at_least(lower, b'a') & !at_least(lower, b'f' + 1);
    // An upper-case letter lacks the 0x20 bit, which two places up is the byte's high bit.
    ((w & HIGH) | (!(digit | letter) & HIGH), letter & !(w << 2))
}

/// Is `s` a bare alphanumeric word (an unknown keyword rather than garbage, §1.5)?
pub fn is_bare_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())
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
    fn values_are_trimmed_as_str_trim_trims_them() {
        // Every character below U+0100 and a few Unicode spaces, alone, at either end and at
        // both, around a value and around nothing.
        let chars = (0u32..0x100).filter_map(char::from_u32).chain([
            '\u{1680}', '\u{2000}', '\u{2028}', '\u{3000}', '\u{feff}', 'é',
        ]);
        for c in chars {
            for s in [
                format!("{c}"),
                format!("{c}high"),
                format!("high{c}"),
                format!("{c}high{c}"),
                format!("{c}{c}"),
            ] {
                assert_eq!(trimmed(&s), s.trim(), "{:?}", s);
            }
        }
        assert_eq!(trimmed(""), "");
    }
    use crate::json::parse_str;

    fn with_obj<R>(text: &str, f: impl FnOnce(&mut Diagnostics, Obj<'_>) -> R) -> (R, Diagnostics) {
        let json = parse_str(text).unwrap();
        let mut d = Diagnostics::new("t.json");
        let obj = Obj::new(&mut d, &json, "$").unwrap();
        let r = f(&mut d, obj);
        (r, d)
    }

    #[test]
    fn keys_match_case_insensitively() {
        let (v, d) = with_obj(r#"{"DisplayName":"x"}"#, |d, o| {
            o.str(d, "displayName").map(str::to_owned)
        });
        assert_eq!(v.as_deref(), Some("x"));
        assert!(d.items.is_empty());
    }

    #[test]
    fn case_only_duplicate_is_an_error() {
        let (_, d) = with_obj(r#"{"state":"enabled","State":"disabled"}"#, |_, _| ());
        assert_eq!(d.items.len(), 1);
        assert_eq!(d.items[0].code, "duplicateKey");
        assert_eq!(d.items[0].path, "$.State");
        assert!(d.has_errors());
    }

    #[test]
    fn exact_duplicate_is_an_error() {
        let (_, d) = with_obj(r#"{"a":1,"a":2}"#, |_, _| ());
        assert_eq!(d.items[0].message, "key \"a\" appears twice");
    }

    #[test]
    fn annotations_are_ignored_and_odata_type_is_read() {
        let (v, d) = with_obj(
            r##"{"@odata.type":"#microsoft.graph.ipNamedLocation","state@odata.type":"#x","#microsoft.graph.restore":{},"@odata.context":"c","id":"1"}"##,
            |_, o| (o.odata_type().map(str::to_owned), o.unread().len()),
        );
        assert_eq!(v.0.as_deref(), Some("ipNamedLocation"));
        assert_eq!(v.1, 1, "only id remains");
        assert!(d.items.is_empty());
    }

    #[test]
    fn additional_properties_are_flattened() {
        let (v, _) = with_obj(
            r#"{"Id":"1","AdditionalProperties":{"isTrusted":true}}"#,
            |d, o| o.bool(d, "isTrusted"),
        );
        assert_eq!(v, Some(true));
    }

    #[test]
    fn null_is_not_configured_and_wrong_type_is_an_error() {
        let (v, d) = with_obj(r#"{"a":null,"b":[]}"#, |d, o| {
            (o.str(d, "a").map(str::to_owned), o.obj(d, "b").is_none())
        });
        assert_eq!(v, (None, true));
        assert_eq!(d.items.len(), 1);
        assert_eq!(d.items[0].path, "$.b");
        assert_eq!(d.items[0].message, "expected an object, found an array");
    }

    #[test]
    fn each_flag_is_what_split_flags_gives() {
        // Every length to 40, a comma (or a character near one in value) at every place, with
        // spaces, tabs and non-ASCII characters around; and a flag refused part way.
        let each = |s: &str| {
            let mut got = Vec::new();
            try_each_flag(s, |f| {
                got.push(f.to_owned());
                Some(())
            })
            .map(|()| got)
        };
        let want = |s: &str| Some(split_flags(s).map(str::to_owned).collect::<Vec<_>>());
        for fill in ["a", " ", "\t", "é", "-", "+"] {
            for len in 0..40 {
                let base = fill.repeat(len);
                assert_eq!(each(&base), want(&base), "{base:?}");
                for at in 0..len {
                    for c in [",", " ", "\u{a0}", "l", "<"] {
                        let mut chars: Vec<&str> = vec![fill; len];
                        chars[at] = c;
                        let s: String = chars.concat();
                        assert_eq!(each(&s), want(&s), "{s:?}");
                        let t = format!("pw,{s}");
                        assert_eq!(each(&t), want(&t), "{t:?}");
                    }
                }
            }
        }
        let mut seen = 0;
        assert_eq!(
            try_each_flag(" a , b ,c", |f| {
                seen += 1;
                (f != "b").then_some(())
            }),
            None
        );
        assert_eq!(seen, 2);
        assert_eq!(
            try_each_flag(" fido2 ", |f| (f == "fido2").then_some(())),
            Some(())
        );
    }

    #[test]
    fn flags_from_string_or_array() {
        let (v, _) = with_obj(
            r#"{"a":" deviceCodeFlow , authenticationTransfer ","b":["x","y,z"],"c":""}"#,
            |d, o| {
                (
                    o.flags(d, "a", str::to_owned),
                    o.flags(d, "b", str::to_owned),
                    o.flags(d, "c", str::to_owned),
                )
            },
        );
        assert_eq!(v.0, vec!["deviceCodeFlow", "authenticationTransfer"]);
        assert_eq!(v.1, vec!["x", "y", "z"]);
        assert!(v.2.is_empty());
    }

    #[test]
    fn guids_and_words() {
        assert!(is_guid("809741fe-fb1b-4746-9ff0-83a978a4c891"));
        assert!(is_guid("809741FE-FB1B-4746-9FF0-83A978A4C891"));
        assert!(!is_guid("{809741fe-fb1b-4746-9ff0-83a978a4c891}"));
        assert!(!is_guid("809741fe-fb1b-4746-9ff0-83a978a4c89"));
        // Every byte of a GUID changed to every byte value (one at a time), against the
        // definition read byte by byte.
        let naive = |b: &[u8]| {
            b.len() == 36
                && b.iter().enumerate().all(|(i, &c)| match i {
                    8 | 13 | 18 | 23 => c == b'-',
                    _ => c.is_ascii_hexdigit(),
                })
        };
        let mut guids = 0;
        for base in [
            "809741fe-fb1b-4746-9ff0-83a978a4c891",
            "ABCDEF09-aBcD-0000-FFFF-9a8b7c6d5e4f",
        ] {
            for at in 0..36 {
                for c in 0..=255u8 {
                    let mut b = base.as_bytes().to_vec();
                    b[at] = c;
                    let Ok(text) = std::str::from_utf8(&b) else {
                        continue;
                    };
                    assert_eq!(is_guid(text), naive(&b), "{text:?}");
                    let upper = b.iter().any(u8::is_ascii_uppercase);
                    assert_eq!(guid_case(text), naive(&b).then_some(upper), "{text:?}");
                    guids += usize::from(naive(&b));
                }
            }
        }
        // 22 hex digits at each of 32 places, the dash alone at 4, for both.
        assert_eq!(guids, 2 * (32 * 22 + 4));
        // Non-ASCII characters of two and three bytes at every place, the length kept at 36:
        // among them `°` and `±`, whose bytes without their high bit would be hex digits.
        for c in ["é", "€", "°", "±"] {
            for at in 0..=36 - c.len() {
                let mut text = "809741fe-fb1b-4746-9ff0-83a978a4c891".to_owned();
                text.replace_range(at..at + c.len(), c);
                assert_eq!(text.len(), 36);
                assert!(!is_guid(&text), "{text}");
                assert_eq!(guid_case(&text), None, "{text}");
                assert_eq!(is_guid(&text), naive(text.as_bytes()));
            }
        }
        for other in [
            "",
            "809741fe-fb1b-4746-9ff0-83a978a4c89é",
            "809741fe_fb1b_4746_9ff0_83a978a4c891",
        ] {
            assert!(!is_guid(other), "{other}");
        }
        assert!(is_bare_word("AllAgentIdResources"));
        assert!(!is_bare_word("<RING>"));
        assert!(!is_bare_word(""));
    }
}
