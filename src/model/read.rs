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
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(i);
    let mut out = String::with_capacity(path.len() + digits.len() + 2);
    out.push_str(path);
    out.push('[');
    out.push_str(digits);
    out.push(']');
    out
}

/// Is `key` one the reader ignores (an annotation other than `@odata.type`, or a `#` key)?
pub(crate) fn ignored_key(key: &str) -> bool {
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
            if key.eq_ignore_ascii_case("AdditionalProperties") && depth == 0 {
                if let Json::Object(inner) = value {
                    self.absorb(d, inner, depth + 1);
                    continue;
                }
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

/// Splits a flags string into trimmed, non-empty items.
pub fn split_flags(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty())
}

/// An `@odata.type` value without its `#` and `microsoft.graph.` prefixes.
pub(crate) fn odata_name(t: &str) -> &str {
    let t = t.strip_prefix('#').unwrap_or(t);
    strip_prefix_ci(t, "microsoft.graph.").unwrap_or(t)
}

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
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

/// Parses an RFC 3339 timestamp; the message says what was expected.
pub fn parse_timestamp(s: &str) -> Result<Timestamp, String> {
    if let Some(t) = utc_seconds(s) {
        return Ok(t);
    }
    // jiff accepts a few forms beyond RFC 3339; insist on the date-time shape and an offset.
    let bytes = s.as_bytes();
    let has_t = bytes.get(10).is_some_and(|b| *b == b'T' || *b == b't');
    let has_offset = s.ends_with('Z')
        || s.ends_with('z')
        || s.get(s.len().saturating_sub(6)..)
            .is_some_and(|tail| tail.starts_with('+') || tail.starts_with('-'));
    let frac_digits = s
        .split_once('.')
        .map(|(_, rest)| rest.chars().take_while(char::is_ascii_digit).count())
        .unwrap_or(0);
    if !has_t || !has_offset || frac_digits > 9 {
        return Err(format!(
            "\"{}\" is not an RFC 3339 timestamp with an offset (expected e.g. 2025-03-03T09:15:00Z)",
            truncate(s, 60)
        ));
    }
    s.parse::<Timestamp>().map_err(|e| {
        format!(
            "\"{}\" is not a valid RFC 3339 timestamp: {e}",
            truncate(s, 60)
        )
    })
}

/// The common form `YYYY-MM-DDTHH:MM:SSZ` read directly, as jiff reads it; `None` for any other
/// text (jiff then reads it or says why not), a leap second included.
fn utc_seconds(s: &str) -> Option<Timestamp> {
    let b: &[u8; 20] = s.as_bytes().try_into().ok()?;
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        n0,
        n1,
        b':',
        s0,
        s1,
        b'Z',
    ] = *b
    else {
        return None;
    };
    let num = |digits: &[u8]| {
        digits.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(&[y0, y1, y2, y3])?, num(&[m0, m1])?, num(&[d0, d1])?);
    let (hour, minute, second) = (num(&[h0, h1])?, num(&[n0, n1])?, num(&[s0, s1])?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days from 1970-01-01 to the date (the proleptic Gregorian calendar, as jiff's).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Timestamp::from_second(days * 86_400 + hour * 3_600 + minute * 60 + second).ok()
}

/// Cuts long input for messages.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}…")
    }
}

/// The largest duration accepted: 10,000 days, far beyond any PIM window, well inside jiff's range.
const MAX_DURATION_SECS: i64 = 10_000 * 86_400;

/// Parses `P[nD][T[nH][nM][n[.n]S]]` (docs/SEMANTICS.md §1.7): days count 24 h; years, months, weeks
/// and negative durations are errors.
pub fn parse_duration(s: &str) -> Result<SignedDuration, String> {
    let bad = |why: &str| {
        format!(
            "\"{}\" is not an ISO 8601 duration of the form P[nD][T[nH][nM][n[.n]S]]: {why}",
            truncate(s, 60)
        )
    };
    let rest = s
        .strip_prefix('P')
        .or_else(|| s.strip_prefix('p'))
        .ok_or_else(|| bad("it must start with P"))?;
    let (date, time) = match rest.find(['T', 't']) {
        Some(pos) => (
            rest.get(..pos).unwrap_or(""),
            Some(rest.get(pos + 1..).unwrap_or("")),
        ),
        None => (rest, None),
    };
    let mut nanos: i128 = 0;
    let mut any = false;
    let date_parts = components(date).map_err(|e| bad(&e))?;
    if date_parts.len() > 1 {
        return Err(bad(
            "each designator may appear once, in the order D, H, M, S",
        ));
    }
    for (number, unit) in date_parts {
        match unit.to_ascii_uppercase() {
            'D' => nanos += whole(&number, &bad)? * 86_400 * 1_000_000_000,
            'Y' | 'M' | 'W' => return Err(bad("years, months and weeks have no fixed length")),
            _ => return Err(bad("unknown date unit")),
        }
        any = true;
    }
    if let Some(time) = time {
        if time.is_empty() {
            return Err(bad("T must be followed by hours, minutes or seconds"));
        }
        // `PT1H1H` must not read as two hours: each unit once, in order.
        let mut previous = 0u8;
        for (number, unit) in components(time).map_err(|e| bad(&e))? {
            let rank = match unit.to_ascii_uppercase() {
                'H' => 1,
                'M' => 2,
                'S' => 3,
                _ => 0,
            };
            if rank != 0 && rank <= previous {
                return Err(bad(
                    "each designator may appear once, in the order D, H, M, S",
                ));
            }
            previous = rank;
            match unit.to_ascii_uppercase() {
                'H' => nanos += whole(&number, &bad)? * 3_600 * 1_000_000_000,
                'M' => nanos += whole(&number, &bad)? * 60 * 1_000_000_000,
                'S' => nanos += seconds(&number, &bad)?,
                _ => return Err(bad("unknown time unit")),
            }
            any = true;
        }
    }
    if !any {
        return Err(bad("no components"));
    }
    if nanos > i128::from(MAX_DURATION_SECS) * 1_000_000_000 {
        return Err(bad("longer than 10,000 days"));
    }
    let secs = i64::try_from(nanos / 1_000_000_000).map_err(|_| bad("out of range"))?;
    let sub = i32::try_from(nanos % 1_000_000_000).map_err(|_| bad("out of range"))?;
    Ok(SignedDuration::new(secs, sub))
}

fn components(s: &str) -> Result<Vec<(String, char)>, String> {
    let mut out = Vec::new();
    let mut number = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() || ch == '.' || ch == ',' {
            number.push(if ch == ',' { '.' } else { ch });
        } else if ch.is_ascii_alphabetic() {
            if number.is_empty() {
                return Err(format!("unit {ch} without a number"));
            }
            out.push((std::mem::take(&mut number), ch));
        } else {
            return Err(format!("unexpected character {ch:?}"));
        }
    }
    if !number.is_empty() {
        return Err("a number without a unit".to_owned());
    }
    Ok(out)
}

fn whole(number: &str, bad: &dyn Fn(&str) -> String) -> Result<i128, String> {
    if number.len() > 12 || number.contains('.') {
        return Err(bad(
            "only seconds may be fractional, and numbers are at most 12 digits",
        ));
    }
    number.parse::<i128>().map_err(|_| bad("not a number"))
}

fn seconds(number: &str, bad: &dyn Fn(&str) -> String) -> Result<i128, String> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() || int.len() > 12 || frac.len() > 9 || frac.contains('.') {
        return Err(bad("seconds must be n or n.n with at most 9 decimals"));
    }
    let int: i128 = int.parse().map_err(|_| bad("not a number"))?;
    let mut frac_nanos: i128 = 0;
    if !frac.is_empty() {
        let padded = format!("{frac:0<9}");
        frac_nanos = padded.parse().map_err(|_| bad("not a number"))?;
    }
    Ok(int * 1_000_000_000 + frac_nanos)
}

/// Formats a duration the way Graph writes it (`PT8H`, `P1DT30M`, `PT0S`).
pub fn format_duration(d: SignedDuration) -> String {
    let total = d.as_secs().max(0);
    let nanos = d.subsec_nanos().max(0);
    let days = total / 86_400;
    let hours = (total % 86_400) / 3_600;
    let minutes = (total % 3_600) / 60;
    let secs = total % 60;
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if hours > 0 || minutes > 0 || secs > 0 || nanos > 0 || days == 0 {
        out.push('T');
        if hours > 0 {
            out.push_str(&format!("{hours}H"));
        }
        if minutes > 0 {
            out.push_str(&format!("{minutes}M"));
        }
        if secs > 0 || nanos > 0 || (hours == 0 && minutes == 0) {
            if nanos > 0 {
                let frac = format!("{nanos:09}");
                out.push_str(&format!("{secs}.{}S", frac.trim_end_matches('0')));
            } else {
                out.push_str(&format!("{secs}S"));
            }
        }
    }
    out
}

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
    // Byte by byte, no splitting: ids of every request line pass through here.
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
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
    fn the_common_timestamp_form_reads_as_jiff_reads_it() {
        let mut checked = 0;
        for year in [
            0, 1, 1600, 1900, 1969, 1970, 2000, 2024, 2025, 2100, 2400, 9999,
        ] {
            for month in 0..=13 {
                for day in [0, 1, 15, 28, 29, 30, 31, 32] {
                    for (h, m, s) in [(0, 0, 0), (23, 59, 59), (24, 0, 0), (12, 60, 0), (1, 2, 60)]
                    {
                        let text = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z");
                        let direct = utc_seconds(&text);
                        let jiff = text.parse::<Timestamp>().ok();
                        if direct.is_some() {
                            assert_eq!(direct, jiff, "{text}");
                            checked += 1;
                        }
                        assert_eq!(parse_timestamp(&text).ok(), jiff, "{text}");
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
        for other in [
            "2026-03-02T09:00:00z",
            "2026-03-02t09:00:00Z",
            "2026-03-02T09:00:00.5Z",
        ] {
            assert_eq!(utc_seconds(other), None);
            assert_eq!(parse_timestamp(other).ok(), other.parse::<Timestamp>().ok());
        }
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
    fn durations() {
        assert_eq!(
            parse_duration("PT8H").unwrap(),
            SignedDuration::from_hours(8)
        );
        assert_eq!(
            parse_duration("P1DT30M").unwrap(),
            SignedDuration::from_secs(86_400 + 1_800)
        );
        assert_eq!(
            parse_duration("PT1.5S").unwrap(),
            SignedDuration::from_millis(1_500)
        );
        assert_eq!(
            parse_duration("P365D").unwrap(),
            SignedDuration::from_hours(365 * 24)
        );
        for bad in [
            "P1M",
            "P1W",
            "P1Y",
            "-PT1H",
            "PT",
            "P",
            "8H",
            "PT1.5H",
            "P99999999D",
            "PT1H2",
            "PT1H1H",
            "PT30M1H",
            "P1D1D",
            "PT1S1S",
            "",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(SignedDuration::from_hours(8)), "PT8H");
        assert_eq!(
            format_duration(SignedDuration::from_secs(86_400 + 1_800)),
            "P1DT30M"
        );
        assert_eq!(format_duration(SignedDuration::ZERO), "PT0S");
    }

    #[test]
    fn timestamps_need_an_offset() {
        assert!(parse_timestamp("2026-02-13T11:37:41.7574033Z").is_ok());
        assert!(parse_timestamp("2025-03-03T10:15:00+01:00").is_ok());
        assert!(parse_timestamp("2025-03-03T09:15:00").is_err());
        assert!(parse_timestamp("2025-03-03").is_err());
        assert!(parse_timestamp("99999-03-03T09:15:00Z").is_err());
        assert!(parse_timestamp("2025-13-03T09:15:00Z").is_err());
    }

    #[test]
    fn guids_and_words() {
        assert!(is_guid("809741fe-fb1b-4746-9ff0-83a978a4c891"));
        assert!(is_guid("809741FE-FB1B-4746-9FF0-83A978A4C891"));
        assert!(!is_guid("{809741fe-fb1b-4746-9ff0-83a978a4c891}"));
        assert!(!is_guid("809741fe-fb1b-4746-9ff0-83a978a4c89"));
        assert!(is_bare_word("AllAgentIdResources"));
        assert!(!is_bare_word("<RING>"));
        assert!(!is_bare_word(""));
    }
}
