//! Time values as Graph writes them (docs/SEMANTICS.md §1.7): RFC 3339 timestamps with an offset,
//! and ISO 8601 durations of days, hours, minutes and seconds.

use jiff::{SignedDuration, Timestamp};

use crate::diag::truncate;

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

/// The common forms `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.fffffffZ` (Graph writes up
/// to seven digits of a second, jiff reads up to nine) read directly, as jiff reads them; `None`
/// for any other text (jiff then reads it or says why not), a leap second included.
pub(crate) fn utc_seconds(s: &str) -> Option<Timestamp> {
    // Ten to the power of the digits a fraction lacks of nine.
    const SCALE: [u32; 10] = [
        1_000_000_000,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    let digit = |c: u8| {
        let v = c.wrapping_sub(b'0');
        (v < 10).then_some(v)
    };
    let (whole, rest) = s.as_bytes().split_at_checked(19)?;
    let nanos = match rest {
        [b'Z'] => 0,
        [b'.', fraction @ .., b'Z'] if (1..=9).contains(&fraction.len()) => {
            let mut value = 0u32;
            for &c in fraction {
                value = value * 10 + u32::from(digit(c)?);
            }
            i32::try_from(value * SCALE.get(fraction.len())?).ok()?
        }
        _ => return None,
    };
    // `YYYY-MM-`, `DDTHH:MM` and `HH:MM:SS`, a word each (the last overlaps the second).
    let word = |at: usize| {
        let bytes: [u8; 8] = whole.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_le_bytes(bytes))
    };
    let [year_month, day_time, time] = [
        digits_in(word(0)?, *b"0000-00-")?,
        digits_in(word(8)?, *b"00T00:00")?,
        digits_in(word(11)?, *b"00:00:00")?,
    ];
    // Byte `k` of each becomes ten times itself plus the byte after it: a two-digit number
    // where a pair of digits starts (at most 99, so nothing carries into the next byte).
    let pairs = |v: u64| v * 10 + (v >> 8);
    let at = |v: u64, k: u32| ((v >> (8 * k)) & 0xFF) as i64;
    let (year_month, day_time, time) = (pairs(year_month), pairs(day_time), pairs(time));
    let year = at(year_month, 0) * 100 + at(year_month, 2);
    let (month, day) = (at(year_month, 5), at(day_time, 0));
    let (hour, minute, second) = (at(day_time, 3), at(day_time, 6), at(time, 6));
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
    Timestamp::new(days * 86_400 + hour * 3_600 + minute * 60 + second, nanos).ok()
}

/// The eight bytes of `word` (the first the lowest) against `pattern`: where the pattern has
/// `0`, a digit, given as its value; anywhere else the pattern's byte itself, given as zero.
/// `None` if a byte does not fit. A word at a time: after the `0`s are taken away, a digit is a
/// byte whose high half is zero before and after six is added to it, and no other byte is.
fn digits_in(word: u64, pattern: [u8; 8]) -> Option<u64> {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let v = word ^ u64::from_le_bytes(pattern);
    // The separators' bytes, which must match exactly.
    let separators = u64::from_le_bytes(pattern.map(|b| if b == b'0' { 0 } else { 0xFF }));
    // Adding six carries into no byte: each is below 0x10 where the first test holds.
    if v & separators != 0 || v & HIGH != 0 || v.wrapping_add(0x0606_0606_0606_0606) & HIGH != 0 {
        return None;
    }
    Some(v)
}

/// The largest duration accepted: 10,000 days, far beyond any PIM window, well inside jiff's range.
const MAX_DURATION_SECS: i64 = 10_000 * 86_400;

/// Appends `t` as a JSON string, the text `Timestamp`'s `Display` gives (RFC 3339 in UTC, `Z`).
/// Instants from 1970 to 9999, every decision's usual instant, are written directly from the
/// civil UTC time; any other goes through `Display`. The instant written last on this thread is
/// copied from its text: a batch decided at one instant writes the same time on every line.
pub fn write_json_timestamp(out: &mut Vec<u8>, t: Timestamp) {
    LAST_WRITTEN.with(|last| {
        if let Some(kept) = last.get()
            && kept.at == t
            && let Some(text) = kept.text.get(..usize::from(kept.len))
        {
            out.extend_from_slice(text);
            return;
        }
        let start = out.len();
        write_timestamp::<true>(out, t);
        let written = out.get(start..).unwrap_or_default();
        let mut text = [0u8; KEPT_TEXT];
        if let (Some(place), Ok(len)) = (text.get_mut(..written.len()), u8::try_from(written.len()))
        {
            place.copy_from_slice(written);
            last.set(Some(WrittenTime { at: t, text, len }));
        }
    });
}

/// The longest quoted timestamp text kept (`"2026-03-02T09:00:00.123456789Z"` is 32 bytes).
const KEPT_TEXT: usize = 40;

/// An instant and the JSON text [`write_json_timestamp`] wrote for it.
#[derive(Clone, Copy)]
struct WrittenTime {
    at: Timestamp,
    text: [u8; KEPT_TEXT],
    len: u8,
}

thread_local! {
    /// The instant this thread wrote last, with its text (one entry, nothing allocated).
    static LAST_WRITTEN: std::cell::Cell<Option<WrittenTime>> = const { std::cell::Cell::new(None) };
}

/// `t` as `Timestamp`'s `Display` writes it (RFC 3339 in UTC, `Z`), by [`write_timestamp`].
pub(crate) fn timestamp_text(t: Timestamp) -> String {
    let mut out = Vec::with_capacity(30);
    write_timestamp::<false>(&mut out, t);
    // ASCII digits and separators, or what `Display` wrote.
    String::from_utf8(out).unwrap_or_else(|_| t.to_string())
}

/// Serialises `t` as the string [`timestamp_text`] gives (the decisions' `evaluatedAt`).
pub(crate) fn serialize_timestamp<S: serde::Serializer>(
    t: &Timestamp,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&timestamp_text(*t))
}

/// `00` to `99` as pairs of ASCII digits.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0u8; 2]; 100];
    let mut n = 0;
    while n < 100 {
        pairs[n] = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        n += 1;
    }
    pairs
};

/// Appends `t` as [`write_json_timestamp`] does, in quotes when `QUOTED`.
fn write_timestamp<const QUOTED: bool>(out: &mut Vec<u8>, t: Timestamp) {
    let nanos = t.subsec_nanosecond();
    // From 1970 to 9999, unsigned: unsigned arithmetic divides by constants in fewer steps.
    let secs = match u64::try_from(t.as_second()) {
        Ok(secs) if nanos >= 0 && secs < 253_402_300_800 => secs,
        _ => {
            use std::io::Write as _;
            // Writing to a Vec cannot fail.
            let _ = if QUOTED {
                write!(out, "\"{t}\"")
            } else {
                write!(out, "{t}")
            };
            return;
        }
    };
    // The civil date of a day count (the inverse of `utc_seconds`' count; the proleptic
    // Gregorian calendar, as jiff's), worked out here: jiff's general conversion costs several
    // times more, and every decision writes one.
    let (days, time) = (secs / 86_400, secs % 86_400);
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let m = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * m + 2) / 5 + 1;
    let month = if m < 10 { m + 3 } else { m - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    // Two digits of `n` (below 100), from a table.
    let two = |n: u64| {
        usize::try_from(n % 100)
            .ok()
            .and_then(|k| DIGIT_PAIRS.get(k))
            .copied()
            .unwrap_or(*b"00")
    };
    let ([y0, y1], [y2, y3]) = (two(year / 100), two(year));
    let ([m0, m1], [d0, d1]) = (two(month), two(day));
    let ([h0, h1], [n0, n1], [s0, s1]) = (two(time / 3_600), two(time / 60 % 60), two(time % 60));
    let b = [
        b'"', y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1,
        b'Z', b'"',
    ];
    if nanos == 0 {
        // The common case in one copy.
        let whole = if QUOTED { b.get(..) } else { b.get(1..21) };
        out.extend_from_slice(whole.unwrap_or_default());
        return;
    }
    out.extend_from_slice(b.get(usize::from(!QUOTED)..20).unwrap_or_default());
    // The fraction's nine digits without their trailing zeros, as `Display` writes it.
    let mut digits = *b".000000000";
    let mut n = nanos.unsigned_abs();
    for d in digits.iter_mut().skip(1).rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let len = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
    out.extend_from_slice(digits.get(..len).unwrap_or_default());
    out.extend_from_slice(b.get(20..22 - usize::from(!QUOTED)).unwrap_or_default());
}

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn timestamps_are_written_as_display_writes_them() {
        let mut seconds: Vec<i64> =
            vec![0, 1, 59, 60, 86_399, 86_400, 951_782_400, 253_402_300_799];
        // Days 37 apart across leap years and century rules (about 79,000 of them in the range
        // written directly, the rest through Display), at a random time of day.
        let mut x = 0x9E37_79B9_7F4A_7C15_u64;
        for day in (-800_000i64..3_000_000).step_by(37) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seconds.push(day * 86_400 + (x % 86_400) as i64);
        }
        seconds.extend([-1, 253_402_300_800, -62_135_596_800]);
        for s in seconds {
            let Ok(t) = jiff::Timestamp::from_second(s) else {
                continue;
            };
            // A fraction of a second that differs from one instant to the next.
            let fraction = s.unsigned_abs().wrapping_mul(0x9E37_79B9) % 1_000_000_000;
            let nanos = jiff::SignedDuration::from_nanos(fraction as i64);
            for t in [
                t,
                t + jiff::SignedDuration::from_millis(250),
                t + jiff::SignedDuration::from_nanos(1),
                t + nanos,
            ] {
                // After other bytes, and twice: the second time from the text kept for it (each
                // instant differs from the one written before it).
                let mut out = b"x".to_vec();
                write_json_timestamp(&mut out, t);
                write_json_timestamp(&mut out, t);
                assert_eq!(
                    String::from_utf8(out).unwrap_or_default(),
                    format!("x\"{t}\"\"{t}\"")
                );
                assert_eq!(timestamp_text(t), t.to_string());
            }
        }
    }

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
        // Fractions of a second, as Graph writes them (seven digits) and every other length.
        let mut fractions = 0;
        for digits in 1..=10 {
            for text in [
                format!(
                    "2026-03-02T09:00:00.{}Z",
                    "1234567890".get(..digits).unwrap_or("")
                ),
                format!("1969-12-31T23:59:59.{}Z", "9".repeat(digits)),
                format!("2026-03-02T09:00:00.{}Z", "0".repeat(digits)),
            ] {
                let direct = utc_seconds(&text);
                let jiff = text.parse::<Timestamp>().ok();
                if digits <= 9 {
                    assert_eq!(direct, jiff, "{text}");
                    assert!(direct.is_some(), "{text}");
                    fractions += 1;
                }
                assert_eq!(parse_timestamp(&text).ok(), jiff, "{text}");
            }
        }
        assert_eq!(fractions, 27);
        // Any other byte in place of each digit or separator: read as jiff reads it, or refused
        // (the reading insists on RFC 3339's `T`, which jiff does not); a digit in place of a
        // digit that jiff reads is read too.
        let good = "2026-03-02T09:00:00.1234567Z";
        let mut kept = 0;
        for at in 0..good.len() {
            for c in [
                b'/', b':', b'0', b'9', b'a', b' ', b'+', b'.', b'Z', b'?', b'@', 0x06,
            ] {
                let mut bytes = good.as_bytes().to_vec();
                if let Some(x) = bytes.get_mut(at) {
                    *x = c;
                }
                let text = String::from_utf8(bytes).unwrap();
                let jiff = text.parse::<Timestamp>().ok();
                let direct = utc_seconds(&text);
                if let Some(direct) = direct {
                    assert_eq!(Some(direct), jiff, "{text}");
                }
                if c.is_ascii_digit() && good.as_bytes()[at].is_ascii_digit() && jiff.is_some() {
                    assert!(direct.is_some(), "{text}");
                    kept += 1;
                }
                if let Ok(t) = parse_timestamp(&text) {
                    assert_eq!(Some(t), jiff, "{text}");
                }
            }
        }
        assert!(kept > 30, "{kept}");
        // Characters of two and three bytes (bytes with the high bit set, 0xb9 among them,
        // which is a nine with that bit) over each place, the length kept: never read directly.
        for c in ["ù", "é", "€"] {
            for at in 0..=good.len() - c.len() {
                let mut text = good.to_owned();
                text.replace_range(at..at + c.len(), c);
                assert_eq!(utc_seconds(&text), None, "{text}");
                assert_eq!(
                    parse_timestamp(&text).ok(),
                    text.parse::<Timestamp>().ok(),
                    "{text}"
                );
            }
        }
        for other in [
            "2026-03-02T09:00:00z",
            "2026-03-02t09:00:00Z",
            "2026-03-02T09:00:00.Z",
            "2026-03-02T09:00:00.5",
            "2026-03-02T09:00:00.5x",
            "2026-03-02T09:00:00.-5Z",
            "2026-03-02T09:00:00,5Z",
            "2026-03-02T09:00:00.1234567890Z",
            "2026-03-02T09:00:00+00:00",
            "2026-03-02T09:00:0",
        ] {
            assert_eq!(utc_seconds(other), None, "{other}");
            assert_eq!(parse_timestamp(other).ok(), other.parse::<Timestamp>().ok());
        }
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
}
