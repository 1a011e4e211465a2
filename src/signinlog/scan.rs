//! The fast path for reading a sign-in record's text (see [`crate::scan`]): the record's kept
//! fields, borrowed, for records in the common form (an object whose keys and kept strings have
//! no escapes, and whose kept numbers are integers). Anything else gives `None`, and the caller
//! reads the text with `serde_json`.

use std::borrow::Cow;

use super::LoggedPolicy;
use super::fields::{FIELDS, FieldIndex};
use super::logged::{logged_policy_of, policy_slot};
use super::seen::SeenItems;
use super::values::{ADDITIONAL_PROPERTIES, is_absent, same_name};
use crate::json::Json;
use crate::json::scan::{Names, Scan};

/// The keys a record's one-pass reading keeps (`keys`), and for each of them the members kept of
/// its objects (`nested`, see `values.rs`'s `nested_members`), whether it wraps the record's
/// fields (`wraps`: `properties`, `AdditionalProperties`) and whether its object is a record read
/// the same way (`records`: Azure Monitor's `properties`); and the keys kept of each applied
/// policy in such a record (`policy_keys`).
pub(super) struct Form<const N: usize> {
    pub keys: Names<N>,
    pub nested: [Option<&'static [&'static str]>; N],
    pub wraps: [bool; N],
    pub records: [bool; N],
    pub policy_keys: &'static [&'static str],
}

/// What the one-pass reading of a record gives: its kept fields, and its applied policies
/// already read (`policies`) when the record has one list of them in the common form and no
/// wrapper that could make the mapping read another list. The tree then holds an empty list in
/// their place. (A list under `properties` is never read ahead: it stays in the tree.)
#[derive(Debug, PartialEq)]
pub(super) struct Scanned<'a> {
    pub record: Json<'a>,
    pub policies: Option<Vec<LoggedPolicy<'a>>>,
    /// Where the record's kept fields are among its members.
    pub index: FieldIndex,
}

/// The record's kept fields (`form.keys` at the top, found with one hash each, and each applied
/// policy under `policies` as the mapping reads it), or `None` when the text is outside the fast
/// path's form.
pub(super) fn record<'a>(
    text: &'a str,
    form: &Form<FIELDS>,
    policies: &str,
) -> Option<Scanned<'a>> {
    let mut s = Scan::new(text);
    s.ws();
    let mut members = Vec::with_capacity(FIELDS.min(24));
    let mut index = FieldIndex::new();
    let mut read: Option<Vec<LoggedPolicy<'a>>> = None;
    let mut lists = 0usize;
    let mut wrapped = false;
    s.object(|s, key| {
        let value = if key.eq_ignore_ascii_case(policies) {
            lists += 1;
            let mut seen = SeenItems::take();
            let list = policy_list(s, &mut seen, &mut read);
            seen.put_back();
            list?
        } else if let Some(k) = form.keys.find(key) {
            wrapped |= form.wraps.get(k).copied().unwrap_or(true);
            let value = if form.records.get(k).copied().unwrap_or(false) {
                inner_record(s, form, policies)?
            } else {
                match form.nested.get(k).copied().flatten() {
                    Some(keep) => pruned(s, keep, 1, true)?,
                    None => s.value(1)?,
                }
            };
            index.note(k, members.len(), &value);
            value
        } else {
            s.skip(1)?;
            return Some(());
        };
        members.push((Cow::Borrowed(key), value));
        Some(())
    })?;
    if read.is_some() && (lists > 1 || wrapped) {
        // The mapping might read another list than the one read here: read it all again.
        return None;
    }
    s.at_end().then_some(Scanned {
        record: Json::Object(members),
        policies: read,
        index,
    })
}

/// A record wrapped in another's `properties` (Azure Monitor): its kept fields as the top level
/// keeps them, and its applied policies as `select.rs`'s `PolicyList` builds them (the mapping
/// reads them from the tree); anything but an object whole.
fn inner_record<'a, const N: usize>(
    s: &mut Scan<'a>,
    form: &Form<N>,
    policies: &str,
) -> Option<Json<'a>> {
    if s.peek()? != b'{' {
        return s.value(1);
    }
    let mut members = Vec::with_capacity(N.min(24));
    s.object(|s, key| {
        let value = if key.eq_ignore_ascii_case(policies) {
            policy_items(s, form.policy_keys, policies)?
        } else if let Some(k) = form.keys.find(key) {
            match form.nested.get(k).copied().flatten() {
                Some(keep) => pruned(s, keep, 2, true)?,
                None => s.value(2)?,
            }
        } else {
            s.skip(2)?;
            return Some(());
        };
        members.push((Cow::Borrowed(key), value));
        Some(())
    })?;
    Some(Json::Object(members))
}

/// A list of applied policies as `select.rs`'s `PolicyList` builds it: each object item with
/// only `keys` (their values whole), any other item whole; or null, or a string. Anything else,
/// and an item holding another list, is left to `serde_json`.
fn policy_items<'a>(s: &mut Scan<'a>, keys: &[&str], policies: &str) -> Option<Json<'a>> {
    match s.peek()? {
        b'n' => s.literal("null").map(|()| Json::Null),
        b'"' => s.plain_string().map(|t| Json::String(Cow::Borrowed(t))),
        b'[' => {
            let mut items = Vec::new();
            s.array(|s| {
                let item = if s.peek()? == b'{' {
                    let mut members = Vec::with_capacity(keys.len());
                    s.object(|s, key| {
                        if key.eq_ignore_ascii_case(policies) {
                            return None;
                        }
                        if wanted(keys, key) {
                            members.push((Cow::Borrowed(key), s.value(4)?));
                            Some(())
                        } else {
                            s.skip(4)
                        }
                    })?;
                    Json::Object(members)
                } else {
                    s.value(3)?
                };
                items.push(item);
                Some(())
            })?;
            Some(Json::Array(items))
        }
        _ => None,
    }
}

/// A value under a field of the mapping's nested table (`values.rs`'s `nested_members`), at
/// `depth`: an object with only the members `keep` names; with `items`, a list whose objects
/// keep only those; anything else whole (as `serde_json` reads it in `select.rs`).
fn pruned<'a>(s: &mut Scan<'a>, keep: &[&str], depth: usize, items: bool) -> Option<Json<'a>> {
    match s.peek()? {
        b'{' => {
            let mut members = Vec::with_capacity(keep.len());
            s.object(|s, key| {
                if wanted(keep, key) {
                    members.push((Cow::Borrowed(key), s.value(depth + 1)?));
                    Some(())
                } else {
                    s.skip(depth + 1)
                }
            })?;
            Some(Json::Object(members))
        }
        b'[' if items => {
            let mut list = Vec::new();
            s.array(|s| {
                list.push(pruned(s, keep, depth + 1, false)?);
                Some(())
            })?;
            Some(Json::Array(list))
        }
        _ => s.value(depth),
    }
}

/// Is `key` one of `keys`, in any case?
pub(super) fn wanted(keys: &[&str], key: &str) -> bool {
    keys.iter().any(|k| same_name(key, k))
}

/// `appliedConditionalAccessPolicies`: a list of objects, each read into `read` as the mapping
/// reads it (an item the mapping would refuse ends the fast path, so the refusal comes from the
/// mapping), leaving an empty list in the tree; or null, or a string (which the mapping
/// reports). An item whose bytes are those of one read before at its place in the list (in
/// `seen`) is taken from there.
fn policy_list<'a>(
    s: &mut Scan<'a>,
    seen: &mut SeenItems,
    read: &mut Option<Vec<LoggedPolicy<'a>>>,
) -> Option<Json<'a>> {
    match s.peek()? {
        b'n' => s.literal("null").map(|()| Json::Null),
        b'"' => s.plain_string().map(|s| Json::String(Cow::Borrowed(s))),
        b'[' => {
            let mut items = Vec::with_capacity(32);
            s.array(|s| {
                let start = s.pos();
                if let Some((policy, end)) = seen.get(items.len(), s.text(), start) {
                    items.push(policy);
                    s.set_pos(end);
                    return Some(());
                }
                // Each field's first value that is not absent, as the mapping takes it: the id,
                // result and name as text (`Some(None)`: a value that is not a string), the
                // condition fields as values.
                let mut texts: [Option<Option<&'a str>>; 3] = [None; 3];
                let mut conditions: [Option<Json<'a>>; 2] = [const { None }; 2];
                s.object(|s, key| match policy_slot(key) {
                    // Fields the PowerShell SDK nests: left to the mapping of the whole tree.
                    None if same_name(key, ADDITIONAL_PROPERTIES) => None,
                    Some(k @ 0..=2) => {
                        // `None`: absent (null, or "None"); `Some(None)`: not a string.
                        let found = if s.peek()? == b'"' {
                            let text = s.plain_string()?;
                            (text != "None").then_some(Some(text))
                        } else {
                            let value = s.value(3)?;
                            (!is_absent(&value)).then_some(None)
                        };
                        if let (Some(found), Some(slot)) = (found, texts.get_mut(k))
                            && slot.is_none()
                        {
                            *slot = Some(found);
                        }
                        Some(())
                    }
                    Some(k) => {
                        let value = s.value(3)?;
                        if let Some(slot) = conditions.get_mut(k - 3)
                            && slot.is_none()
                            && !is_absent(&value)
                        {
                            *slot = Some(value);
                        }
                        Some(())
                    }
                    None => s.skip(3),
                })?;
                let texts = texts.map(|t| t.flatten().map(Cow::Borrowed));
                let [satisfied, not_satisfied] = &conditions;
                let policy = logged_policy_of(
                    items.len(),
                    texts,
                    [satisfied.as_ref(), not_satisfied.as_ref()],
                )
                .ok()?;
                seen.remember(items.len(), s.text(), start..s.pos(), &policy);
                items.push(policy);
                Some(())
            })?;
            *read = Some(items);
            Some(Json::Array(Vec::new()))
        }
        _ => None,
    }
}
