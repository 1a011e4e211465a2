//! The fast path for reading a sign-in record's text (see [`crate::scan`]): the record's kept
//! fields, borrowed, for records in the common form (an object whose keys and kept strings have
//! no escapes, and whose kept numbers are integers). Anything else gives `None`, and the caller
//! reads the text with `serde_json`.

use std::borrow::Cow;

use crate::json::Json;
use crate::scan::Scan;

/// The record's kept fields (`keys` at the top, `policy_keys` in each applied policy under
/// `policies`), or `None` when the text is outside the fast path's form.
pub(super) fn record<'a>(
    text: &'a str,
    keys: &[&str],
    policies: &str,
    policy_keys: &[&str],
) -> Option<Json<'a>> {
    let mut s = Scan::new(text);
    s.ws();
    let mut members = Vec::with_capacity(keys.len().min(24));
    s.object(|s, key| {
        let value = if key.eq_ignore_ascii_case(policies) {
            policy_list(s, policy_keys)?
        } else if wanted(keys, key) {
            s.value(1)?
        } else {
            s.skip(1)?;
            return Some(());
        };
        members.push((Cow::Borrowed(key), value));
        Some(())
    })?;
    s.at_end().then_some(Json::Object(members))
}

/// Is `key` one of `keys`, in any case?
pub(super) fn wanted(keys: &[&str], key: &str) -> bool {
    keys.iter()
        .any(|k| k.len() == key.len() && k.eq_ignore_ascii_case(key))
}

/// `appliedConditionalAccessPolicies`: objects, each with only `keys` kept; or null, or a
/// string (which the mapping reports).
fn policy_list<'a>(s: &mut Scan<'a>, keys: &[&str]) -> Option<Json<'a>> {
    match s.peek()? {
        b'n' => s.literal("null").map(|()| Json::Null),
        b'"' => s.plain_string().map(|s| Json::String(Cow::Borrowed(s))),
        b'[' => {
            let mut items = Vec::with_capacity(32);
            s.array(|s| {
                let mut members = Vec::with_capacity(keys.len());
                s.object(|s, key| {
                    if wanted(keys, key) {
                        members.push((Cow::Borrowed(key), s.value(3)?));
                        Some(())
                    } else {
                        s.skip(3)
                    }
                })?;
                items.push(Json::Object(members));
                Some(())
            })?;
            Some(Json::Array(items))
        }
        _ => None,
    }
}
