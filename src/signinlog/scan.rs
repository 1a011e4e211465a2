//! The fast path for reading a sign-in record's text (see [`crate::scan`]): the record's kept
//! fields, borrowed, for records in the common form (an object whose keys and kept strings have
//! no escapes, and whose kept numbers are integers). Anything else gives `None`, and the caller
//! reads the text with `serde_json`.

use std::borrow::Cow;
use std::cell::Cell;

use super::LoggedPolicy;
use super::ahead::{DEVICE_KEYS, Device, Steps, read_object, read_steps};
use super::fields::{FIELDS, FieldIndex, place_of};
use super::logged::{logged_policy_of, policy_slot};
use super::seen::SeenItems;
use super::values::{ADDITIONAL_PROPERTIES, is_absent, same_name};
use crate::json::Json;
use crate::json::scan::{Names, Scan};
use crate::json::shape::Shape;

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
    /// The authentication steps, read ahead in the same way as the policies (and on the same
    /// conditions, `ahead.rs`): the tree holds an empty list in their place.
    pub steps: Option<Steps<'a>>,
    /// The device, read ahead in the same way: the tree holds an empty object in its place.
    pub device: Option<Device<'a>>,
    /// Where the record's kept fields are among its members.
    pub index: FieldIndex,
}

/// The record's kept fields (`form.keys` at the top, found with one hash each, and each applied
/// policy under `policies` as the mapping reads it), or `None` when the text is outside the fast
/// path's form. Keys are predicted from the records this thread read before ([`Shapes`]):
/// their classes are those `form` and `policies` give, so every caller passes the same two
/// (the one caller, `select.rs`, passes its record form and the applied policies' key).
pub(super) fn record<'a>(
    text: &'a str,
    form: &Form<FIELDS>,
    policies: &str,
) -> Option<Scanned<'a>> {
    let mut shapes = Shapes::take();
    let scanned = record_with(text, form, policies, &mut shapes);
    shapes.put_back();
    scanned
}

/// The places of the authentication steps and the device among the kept fields
/// ([`Scanned::steps`], [`Scanned::device`]).
const STEPS: usize = place_of("authenticationDetails");
const DEVICE: usize = place_of("deviceDetail");

/// A top-level key's class: the applied policies, a kept field (its place in `form.keys`), or
/// neither (skipped).
const POLICY_LIST: u16 = u16::MAX;
const SKIPPED: u16 = u16::MAX - 1;

/// The class of a key of a record (or of a record wrapped in `properties`).
fn top_class(form: &Form<FIELDS>, policies: &str, key: &str) -> u16 {
    if key.eq_ignore_ascii_case(policies) {
        POLICY_LIST
    } else {
        form.keys.find(key).map_or(SKIPPED, |k| k as u16)
    }
}

fn record_with<'a>(
    text: &'a str,
    form: &Form<FIELDS>,
    policies: &str,
    shapes: &mut Shapes,
) -> Option<Scanned<'a>> {
    let mut s = Scan::new(text);
    s.ws();
    let mut members = top_members();
    let mut index = FieldIndex::new();
    let mut read: Option<Vec<LoggedPolicy<'a>>> = None;
    let mut lists = 0usize;
    let mut steps: Option<Steps<'a>> = None;
    let mut device: Option<Device<'a>> = None;
    // How many members of each name read ahead there are (the mapping reads the first that
    // is not absent: with two, it is read again from the tree).
    let (mut step_lists, mut devices) = (0usize, 0usize);
    let mut wrapped = false;
    let Shapes {
        top,
        inner,
        nested,
        steps: step_shape,
        device: device_shape,
    } = shapes;
    let classify = |key: &str| top_class(form, policies, key);
    s.object_shaped(Some(top), classify, |s, key, class| {
        let value = match class {
            POLICY_LIST => {
                lists += 1;
                let mut seen = SeenItems::take();
                let list = policy_list(s, &mut seen, &mut read);
                seen.put_back();
                list?
            }
            SKIPPED => {
                s.skip(1)?;
                return Some(());
            }
            k => {
                let k = usize::from(k);
                wrapped |= form.wraps.get(k).copied().unwrap_or(true);
                step_lists += usize::from(k == STEPS);
                devices += usize::from(k == DEVICE);
                let value = if k == STEPS && steps.is_none() && s.peek()? == b'[' {
                    steps = Some(read_steps(s, 1, step_shape)?);
                    Json::Array(Vec::new())
                } else if k == DEVICE && device.is_none() && s.peek()? == b'{' {
                    device = Some(read_object(s, 1, device_shape, &DEVICE_KEYS)?);
                    Json::Object(Vec::new())
                } else if form.records.get(k).copied().unwrap_or(false) {
                    inner_record(s, form, policies, inner, nested)?
                } else {
                    match (form.nested.get(k).copied().flatten(), nested.get_mut(k)) {
                        (Some(keep), Some(shape)) => pruned(s, keep, 1, true, shape)?,
                        _ => s.value(1)?,
                    }
                };
                index.note(k, members.len(), &value);
                value
            }
        };
        members.push((Cow::Borrowed(key.text()?), value));
        Some(())
    })?;
    if (read.is_some() && (lists > 1 || wrapped))
        || (steps.is_some() && (step_lists > 1 || wrapped))
        || (device.is_some() && (devices > 1 || wrapped))
    {
        // The mapping might read another list than the one read here: read it all again.
        return None;
    }
    s.at_end().then_some(Scanned {
        record: Json::Object(members),
        policies: read,
        steps,
        device,
        index,
    })
}

/// A record's top-level members, emptied: no more borrowed from the text it was read from.
type SpareMembers = Vec<(Cow<'static, str>, Json<'static>)>;

/// The most members a kept vector holds room for.
const SPARE_CAPACITY: usize = 64;

/// Room for a record's top-level members as Graph writes them (23 of the kept fields).
const TOP_CAPACITY: usize = if FIELDS < 24 { FIELDS } else { 24 };

thread_local! {
    /// The top-level members vector of the record this thread mapped last, given back by
    /// [`give_back`]. At some 1.3 KB it is past the sizes the allocator keeps at hand for a
    /// thread, so allocating and freeing one a record cost some 500 instructions.
    static SPARE_MEMBERS: Cell<SpareMembers> = const { Cell::new(Vec::new()) };
}

/// A vector for a record's top-level members: the one kept, or a new one.
fn top_members<'a>() -> Vec<(Cow<'a, str>, Json<'a>)> {
    let kept = SPARE_MEMBERS.try_with(Cell::take).unwrap_or_default();
    if kept.capacity() >= TOP_CAPACITY {
        kept
    } else {
        Vec::with_capacity(TOP_CAPACITY)
    }
}

/// Keeps the vector of a mapped record's top-level members for the next record this thread
/// reads (its members are dropped here, as they would have been).
pub(super) fn give_back(record: Json<'_>) {
    let Json::Object(members) = record else {
        return;
    };
    if members.capacity() > SPARE_CAPACITY {
        return;
    }
    // Emptied, it borrows nothing. Collected from its own items into a vector of the same
    // layout, a vector keeps its allocation: an optimisation the standard library makes, not a
    // promise (without it, only the saving is lost).
    #[expect(
        clippy::unnecessary_filter_map,
        reason = "the items' type changes (their lifetime), which `filter` cannot do"
    )]
    let emptied: SpareMembers = members.into_iter().filter_map(|_| None).collect();
    let _ = SPARE_MEMBERS.try_with(|cell| cell.set(emptied));
}

/// The members' leads of the objects a thread read last ([`Shape`]): a record's top level, a
/// record wrapped in `properties`, and the objects under each kept field.
struct Shapes {
    top: Shape,
    inner: Shape,
    nested: [Shape; FIELDS],
    /// The authentication steps read ahead (their classes are not `pruned`'s).
    steps: Shape,
    /// The device read ahead (likewise).
    device: Shape,
}

thread_local! {
    static SHAPES: Cell<Option<Box<Shapes>>> = const { Cell::new(None) };
}

impl Shapes {
    /// This thread's shapes, taken out until [`Shapes::put_back`] (a reading meanwhile starts
    /// with none).
    fn take() -> Box<Shapes> {
        SHAPES
            .try_with(Cell::take)
            .ok()
            .flatten()
            .unwrap_or_else(|| {
                Box::new(Shapes {
                    top: Shape::learning_one(),
                    inner: Shape::learning_one(),
                    nested: std::array::from_fn(|_| Shape::learning_one()),
                    steps: Shape::learning_one(),
                    device: Shape::learning_one(),
                })
            })
    }

    fn put_back(self: Box<Self>) {
        // While the thread exits there is nowhere to keep them: they are dropped.
        let _ = SHAPES.try_with(|cell| cell.set(Some(self)));
    }
}

/// Forgets this thread's shapes: the next record is read with no key predicted (the tests and
/// the fuzz target).
#[cfg(any(test, feature = "fuzzing"))]
pub(super) fn forget_shapes() {
    drop(Shapes::take());
}

/// The keys this thread's shapes have predicted (the tests).
#[cfg(test)]
pub(super) fn predicted() -> usize {
    let shapes = Shapes::take();
    let n = shapes.top.predicted()
        + shapes.inner.predicted()
        + shapes.steps.predicted()
        + shapes.device.predicted()
        + shapes.nested.iter().map(Shape::predicted).sum::<usize>();
    shapes.put_back();
    n
}

/// A record wrapped in another's `properties` (Azure Monitor): its kept fields as the top level
/// keeps them, and its applied policies as `select.rs`'s `PolicyList` builds them (the mapping
/// reads them from the tree); anything but an object whole.
fn inner_record<'a>(
    s: &mut Scan<'a>,
    form: &Form<FIELDS>,
    policies: &str,
    shape: &mut Shape,
    nested: &mut [Shape; FIELDS],
) -> Option<Json<'a>> {
    if s.peek()? != b'{' {
        return s.value(1);
    }
    let mut members = Vec::with_capacity(TOP_CAPACITY);
    let classify = |key: &str| top_class(form, policies, key);
    s.object_shaped(Some(shape), classify, |s, key, class| {
        let value = match class {
            POLICY_LIST => policy_items(s, form.policy_keys, policies)?,
            SKIPPED => {
                s.skip(2)?;
                return Some(());
            }
            k => {
                let k = usize::from(k);
                match (form.nested.get(k).copied().flatten(), nested.get_mut(k)) {
                    (Some(keep), Some(shape)) => pruned(s, keep, 2, true, shape)?,
                    _ => s.value(2)?,
                }
            }
        };
        members.push((Cow::Borrowed(key.text()?), value));
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
fn pruned<'a>(
    s: &mut Scan<'a>,
    keep: &[&str],
    depth: usize,
    items: bool,
    shape: &mut Shape,
) -> Option<Json<'a>> {
    match s.peek()? {
        b'{' => {
            let mut members = Vec::with_capacity(keep.len());
            let classify = |key: &str| u16::from(wanted(keep, key));
            s.object_shaped(Some(shape), classify, |s, key, kept| {
                if kept != 0 {
                    members.push((Cow::Borrowed(key.text()?), s.value(depth + 1)?));
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
                list.push(pruned(s, keep, depth + 1, false, shape)?);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A mapped record's members vector is kept, emptied, for the next record: the same
    /// allocation, holding nothing of the record before; a vector too large is not kept. (The
    /// same allocation comes back through the standard library's in-place collection, which it
    /// does not promise: should a toolchain stop doing it, this fails first, and only the
    /// saving is lost.)
    #[test]
    fn a_given_back_members_vector_is_the_next_records_emptied() {
        let text = String::from("userId u1");
        let mut members = top_members();
        members.push((
            Cow::Borrowed(text.get(..6).unwrap_or_default()),
            Json::String(Cow::Borrowed(text.get(7..).unwrap_or_default())),
        ));
        let (at, capacity) = (members.as_ptr() as usize, members.capacity());
        give_back(Json::Object(members));
        drop(text);
        let next = top_members();
        assert!(next.is_empty());
        assert_eq!((next.as_ptr() as usize, next.capacity()), (at, capacity));
        give_back(Json::Object(Vec::with_capacity(SPARE_CAPACITY + 1)));
        assert_eq!(top_members().capacity(), TOP_CAPACITY);
    }
}
