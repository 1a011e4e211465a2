//! One applied policy as the sign-in log recorded it (`appliedConditionalAccessPolicies[]`),
//! read from a parsed policy or filed field by field by the one-pass reader.

use std::borrow::Cow;

use super::values::{
    Members, additional_properties, error, is_absent, same_name, str_of, text_of, trimmed,
};
use super::{LoggedPolicy, SignInLogError};
use crate::json::Json;

/// Does `bytes` hold an ASCII capital letter? Eight bytes at a time: an id is 36.
fn has_ascii_uppercase(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = ONES * 0x7F;
    const HIGH: u64 = ONES * 0x80;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // The high bit of each byte of `w & 0x7F..` + (0x7F - 0x40) is set when that byte is
        // above 0x40 ('@'); of + (0x7F - 0x5A), when it is above 0x5A ('Z'). Neither sum carries
        // into the next byte. Bytes of 0x80 and above are masked out by `!w`.
        let low = w & LOW7;
        let above_at = low + ONES * (0x7F - 0x40);
        let above_z = low + ONES * (0x7F - 0x5A);
        if above_at & !above_z & !w & HIGH != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(u8::is_ascii_uppercase)
}

/// Azure Monitor and Log Analytics write `conditionsSatisfied`/`conditionsNotSatisfied` as a
/// bitmask; Microsoft does not document the bits. This order (Graph's
/// `conditionalAccessConditions` declaration order) fits every published sample; higher bits
/// are kept as numbers.
const CONDITION_BITS: [&str; 12] = [
    "application",
    "users",
    "devicePlatform",
    "location",
    "clientType",
    "signInRisk",
    "userRisk",
    "time",
    "deviceState",
    "client",
    "ipAddressSeenByAzureAD",
    "ipAddressSeenByResourceProvider",
];

fn condition_flags(bits: u64) -> String {
    if bits == 0 {
        return "none".to_owned();
    }
    let mut names: Vec<String> = Vec::new();
    for i in 0..64u32 {
        let bit = 1u64 << i;
        if bits & bit != 0 {
            names.push(
                CONDITION_BITS
                    .get(i as usize)
                    .map_or_else(|| bit.to_string(), |n| (*n).to_owned()),
            );
        }
    }
    names.join(",")
}

/// A condition field's text: a string as it is, a list of names joined by commas, a bitmask
/// spelled out (see [`CONDITION_BITS`]).
fn flags<'a>(v: &Json<'a>) -> Option<Cow<'a, str>> {
    match v {
        Json::String(_) => text_of(v),
        Json::Array(a) => Some(Cow::Owned(
            a.iter().filter_map(str_of).collect::<Vec<_>>().join(","),
        )),
        Json::Number(n) => n.as_u64().map(|b| Cow::Owned(condition_flags(b))),
        _ => None,
    }
}

/// The fields of an applied policy the comparison reads, in slot order.
pub(super) const POLICY_FIELDS: [&str; 5] = [
    "id",
    "result",
    "displayName",
    "conditionsSatisfied",
    "conditionsNotSatisfied",
];

/// Which of [`POLICY_FIELDS`] `key` names, in any case: the five differ in length, so one
/// comparison answers.
#[inline]
pub(super) fn policy_slot(key: &str) -> Option<usize> {
    let slot = match key.len() {
        2 => 0,
        6 => 1,
        11 => 2,
        19 => 3,
        22 => 4,
        _ => return None,
    };
    POLICY_FIELDS
        .get(slot)
        .is_some_and(|name| same_name(key, name))
        .then_some(slot)
}

/// One applied policy from its members (then the PowerShell SDK's `AdditionalProperties`):
/// for each field, the first value that is not absent, as the mapping finds a record's fields.
pub(super) fn logged_policy<'a>(
    i: usize,
    members: &Members<'a>,
) -> Result<LoggedPolicy<'a>, SignInLogError> {
    let extra = additional_properties(members);
    let mut found: [Option<&Json<'a>>; 5] = [None; 5];
    for o in std::iter::once(members).chain(extra) {
        for (k, v) in o {
            if let Some(slot) = policy_slot(k).and_then(|k| found.get_mut(k))
                && slot.is_none()
                && !is_absent(v)
            {
                *slot = Some(v);
            }
        }
    }
    logged_policy_from(i, found)
}

/// Applied policy `i` from the values found for [`POLICY_FIELDS`].
pub(super) fn logged_policy_from<'a>(
    i: usize,
    found: [Option<&Json<'a>>; 5],
) -> Result<LoggedPolicy<'a>, SignInLogError> {
    let [id, result, name, satisfied, not_satisfied] = found;
    let text = |v: Option<&Json<'a>>| v.and_then(text_of);
    logged_policy_of(
        i,
        [text(id), text(result), text(name)],
        [satisfied, not_satisfied],
    )
}

/// Applied policy `i` from the text of its id, result and display name (`None` where absent or
/// not a string) and the values found for its two condition fields.
pub(super) fn logged_policy_of<'a>(
    i: usize,
    texts: [Option<Cow<'a, str>>; 3],
    [satisfied, not_satisfied]: [Option<&Json<'a>>; 2],
) -> Result<LoggedPolicy<'a>, SignInLogError> {
    let [id, result, name] = texts;
    let (Some(id), Some(result)) = (id.and_then(trimmed), result.and_then(trimmed)) else {
        return Err(error(
            &["appliedConditionalAccessPolicies"],
            &format!("item {i} has no id or no result; it cannot be compared"),
        ));
    };
    Ok(LoggedPolicy {
        id: if has_ascii_uppercase(id.as_bytes()) {
            Cow::Owned(id.to_ascii_lowercase())
        } else {
            id
        },
        display_name: name.and_then(trimmed),
        result,
        conditions_satisfied: satisfied.and_then(flags),
        conditions_not_satisfied: not_satisfied.and_then(flags),
    })
}

#[cfg(test)]
mod tests {
    use super::has_ascii_uppercase;
    use crate::model::read::may_need_trim;

    #[test]
    fn capitals_are_found_wherever_they_are() {
        // Every byte value at every place of strings that fill whole words and leave a tail.
        for len in [8usize, 11, 36] {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    if let Some(x) = bytes.get_mut(at) {
                        *x = b;
                    }
                    assert_eq!(
                        has_ascii_uppercase(&bytes),
                        b.is_ascii_uppercase(),
                        "byte {b:#04x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(!has_ascii_uppercase(
            b"c4a10001-5d2e-4b6f-8a7c-0e1f2a3b4c01"
        ));
        assert!(has_ascii_uppercase(b"C4A10001-5d2e-4b6f-8a7c-0e1f2a3b4c01"));
    }

    #[test]
    fn only_values_trim_would_change_are_trimmed() {
        for s in ["success", "a b", "x"] {
            assert!(!may_need_trim(s));
            assert_eq!(s.trim(), s);
        }
        for s in [" success", "success\t", "\u{a0}x", "x\u{3000}", "é", ""] {
            assert!(may_need_trim(s) || s.is_empty(), "{s:?}");
        }
    }
}
