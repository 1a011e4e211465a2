//! Applied policies read before. Records of one tenant list the same policies in the same order,
//! and most items repeat byte for byte from one record to the next (the same id, name, result
//! and controls). Reading a JSON value depends on nothing but its bytes, so an item whose bytes
//! are those of an item read before reads as that item did: the one-pass reader compares the
//! bytes (one `memcmp`) and takes the fields from the same places, instead of scanning some
//! 200 bytes of keys and strings again.
//!
//! Each thread keeps its own, bounded: [`PLACES`] places in the list, [`WAYS`] texts each, none
//! longer than [`MAX_ITEM`] bytes, [`BUDGET`] bytes in all.

use std::borrow::Cow;
use std::cell::Cell;
use std::ops::Range;

use super::LoggedPolicy;

/// Places in the list remembered (Entra's limit is 195 policies).
const PLACES: usize = 256;
/// Texts remembered for each place: one policy's item varies by its result and controls.
const WAYS: usize = 4;
/// The longest item remembered (a Graph item is about 230 bytes; beta's rule lists make some
/// longer).
const MAX_ITEM: usize = 2048;
/// The bytes of item text a thread keeps at most.
const BUDGET: usize = 1 << 20;
/// Misses in a row after which a place is cold: its items are not looked for, nor kept, but
/// for one item in [`RETRY`] (a log whose items do not repeat then reads as if nothing were
/// kept).
const COLD: u32 = 32;
/// See [`COLD`].
const RETRY: u32 = 64;

/// One item's text and where its fields are in it.
struct Item {
    /// Its bytes; the buffer is reused for the item that replaces it.
    text: Vec<u8>,
    id: Range<usize>,
    result: Range<usize>,
    name: Option<Range<usize>>,
    satisfied: Option<Range<usize>>,
    not_satisfied: Option<Range<usize>>,
}

/// The items remembered at one place in the list, which to replace next, and how many items
/// in a row were none of them.
#[derive(Default)]
struct Place {
    items: Vec<Item>,
    next: usize,
    misses: u32,
}

/// The items this thread has read, by their place in the list.
#[derive(Default)]
pub(super) struct SeenItems {
    places: Vec<Place>,
    /// The bytes held for item text (the buffers' capacities).
    bytes: usize,
    /// Items found (for the tests).
    #[cfg(test)]
    pub(super) hits: usize,
}

thread_local! {
    static SEEN: Cell<SeenItems> = Cell::new(SeenItems::default());
}

impl SeenItems {
    /// This thread's items, taken out until [`SeenItems::put_back`] (a reading meanwhile, or
    /// one while the thread exits, finds none).
    pub(super) fn take() -> SeenItems {
        SEEN.try_with(Cell::take).unwrap_or_default()
    }

    /// Gives this thread's items back.
    pub(super) fn put_back(self) {
        // While the thread exits there is nowhere to keep them: they are dropped.
        let _ = SEEN.try_with(|cell| cell.set(self));
    }

    /// The `i`th item of a list, at byte `at` of `text`, when its bytes are those of an item
    /// read at that place before: the policy, borrowed from `text`, and the byte after it.
    pub(super) fn get<'a>(
        &mut self,
        i: usize,
        text: &'a str,
        at: usize,
    ) -> Option<(LoggedPolicy<'a>, usize)> {
        let rest = text.as_bytes().get(at..)?;
        let place = self.places.get_mut(i)?;
        if place.misses >= COLD {
            place.misses += 1;
            if place.misses < COLD + RETRY {
                return None;
            }
            // One look (and the item kept if it misses); another miss makes the place cold.
            place.misses = COLD - 1;
        }
        let Some(item) = place.items.iter().find(|item| rest.starts_with(&item.text)) else {
            place.misses += 1;
            return None;
        };
        place.misses = 0;
        #[cfg(test)]
        {
            self.hits += 1;
        }
        // The same bytes at `at`: the same character boundaries, offset by `at`.
        let part = |r: &Range<usize>| text.get(at + r.start..at + r.end).map(Cow::Borrowed);
        let optional = |r: &Option<Range<usize>>| match r {
            Some(r) => part(r).map(Some),
            None => Some(None),
        };
        let policy = LoggedPolicy {
            id: part(&item.id)?,
            result: part(&item.result)?,
            display_name: optional(&item.name)?,
            conditions_satisfied: optional(&item.satisfied)?,
            conditions_not_satisfied: optional(&item.not_satisfied)?,
        };
        Some((policy, at + item.text.len()))
    }

    /// Remembers the `i`th item of a list, the bytes `span` of `text`, read as `policy`: when
    /// every field of it is a part of those bytes (a field decoded from escapes or spelled out
    /// from a bitmask is not), and it is not too long.
    pub(super) fn remember(
        &mut self,
        i: usize,
        text: &str,
        span: Range<usize>,
        policy: &LoggedPolicy<'_>,
    ) {
        if i >= PLACES
            || span.len() > MAX_ITEM
            || self.places.get(i).is_some_and(|p| p.misses > COLD)
        {
            return;
        }
        let Some(item_text) = text.get(span) else {
            return;
        };
        let part = |c: &Cow<'_, str>| match c {
            Cow::Borrowed(s) => offset_in(item_text, s),
            Cow::Owned(_) => None,
        };
        let optional = |c: &Option<Cow<'_, str>>| match c {
            Some(c) => part(c).map(Some),
            None => Some(None),
        };
        let (Some(id), Some(result), Some(name), Some(satisfied), Some(not_satisfied)) = (
            part(&policy.id),
            part(&policy.result),
            optional(&policy.display_name),
            optional(&policy.conditions_satisfied),
            optional(&policy.conditions_not_satisfied),
        ) else {
            return;
        };
        if self.places.len() <= i {
            self.places.resize_with(i + 1, Place::default);
        }
        let Some(place) = self.places.get_mut(i) else {
            return;
        };
        let bytes = item_text.len();
        // The buffer of the item this one replaces is reused when it is large enough.
        let old = place.items.get(place.next).map_or(0, |o| o.text.capacity());
        if self.bytes.saturating_sub(old) + old.max(bytes) > BUDGET {
            return;
        }
        let text = match place.items.get_mut(place.next) {
            Some(replaced) if old >= bytes => {
                let mut text = std::mem::take(&mut replaced.text);
                text.clear();
                text.extend_from_slice(item_text.as_bytes());
                text
            }
            _ => item_text.as_bytes().to_vec(),
        };
        self.bytes = self.bytes.saturating_sub(old) + text.capacity();
        let item = Item {
            text,
            id,
            result,
            name,
            satisfied,
            not_satisfied,
        };
        if place.items.len() < WAYS {
            place.items.push(item);
        } else if let Some(slot) = place.items.get_mut(place.next) {
            *slot = item;
        }
        place.next = (place.next + 1) % WAYS;
    }

    /// How many items are remembered (for the tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.places.iter().map(|p| p.items.len()).sum()
    }

    /// The bytes of item text kept, counted again (for the tests).
    #[cfg(test)]
    fn bytes_counted(&self) -> usize {
        self.places
            .iter()
            .flat_map(|p| &p.items)
            .map(|i| i.text.capacity())
            .sum()
    }
}

/// Where `part`, a slice of `whole`, lies in it; `None` when it is not one.
fn offset_in(whole: &str, part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= whole.len()).then_some(start..end)
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]

    use std::borrow::Cow;

    use super::{BUDGET, COLD, MAX_ITEM, PLACES, RETRY, SeenItems, WAYS, offset_in};
    use crate::signinlog::LoggedPolicy;

    fn policy<'a>(text: &'a str, id: &str, result: &str) -> LoggedPolicy<'a> {
        let find = |s: &str| {
            let at = text.find(s).unwrap();
            Cow::Borrowed(&text[at..at + s.len()])
        };
        LoggedPolicy {
            id: find(id),
            result: find(result),
            display_name: None,
            conditions_satisfied: None,
            conditions_not_satisfied: None,
        }
    }

    #[test]
    fn an_item_read_before_reads_from_the_same_places_in_new_text() {
        let first = r#"[{"id":"p1","result":"success"}]"#;
        let mut seen = SeenItems::default();
        seen.remember(
            0,
            first,
            1..first.len() - 1,
            &policy(first, "p1", "success"),
        );
        // The same item further into other text: found there, its fields borrowed from it.
        let later = r#"{"x":1,"l":[{"id":"p1","result":"success"},{"id":"p2"}]}"#;
        let at = later.find("{\"id\"").unwrap();
        let (p, end) = seen.get(0, later, at).unwrap();
        assert_eq!((p.id.as_ref(), p.result.as_ref()), ("p1", "success"));
        assert!(matches!(
            (&p.id, &p.result),
            (Cow::Borrowed(_), Cow::Borrowed(_))
        ));
        assert_eq!(p.id.as_ptr(), later[at + 7..].as_ptr());
        assert_eq!(&later[end..end + 1], ",");
        // Not at another place in the list, and not where one byte differs.
        assert!(seen.get(1, later, at).is_none());
        let differs = later.replace("success", "succesS");
        assert!(seen.get(0, &differs, at).is_none());
        // A text that stops inside the item is not it.
        assert!(seen.get(0, &later[..at + 10], at).is_none());
    }

    #[test]
    fn fields_not_borrowed_from_the_item_and_long_items_are_not_remembered() {
        let text = r#"{"id":"p1","result":"success"}"#;
        let mut seen = SeenItems::default();
        let mut owned = policy(text, "p1", "success");
        owned.id = Cow::Owned("p1".to_owned());
        seen.remember(0, text, 0..text.len(), &owned);
        // A field borrowed from outside the item's bytes.
        let outside = policy(text, "p1", "success");
        seen.remember(0, text, 10..text.len(), &outside);
        let long = format!(
            r#"{{"id":"p1","result":"success","x":"{}"}}"#,
            "a".repeat(MAX_ITEM)
        );
        seen.remember(0, &long, 0..long.len(), &policy(&long, "p1", "success"));
        seen.remember(PLACES, text, 0..text.len(), &policy(text, "p1", "success"));
        assert_eq!(seen.len(), 0);
    }

    #[test]
    fn each_place_keeps_its_latest_few_items() {
        let mut seen = SeenItems::default();
        let texts: Vec<String> = (0..WAYS + 2)
            .map(|k| format!(r#"{{"id":"p","result":"r{k}"}}"#))
            .collect();
        for t in &texts {
            seen.remember(3, t, 0..t.len(), &policy(t, "\"p\"", "r"));
        }
        assert_eq!(seen.len(), WAYS);
        // The two oldest were replaced; the latest are found.
        assert!(seen.get(3, &texts[0], 0).is_none());
        assert!(seen.get(3, &texts[1], 0).is_none());
        for t in &texts[2..] {
            assert!(seen.get(3, t, 0).is_some(), "{t}");
        }
    }

    #[test]
    fn a_thread_keeps_at_most_its_budget_of_item_text() {
        let mut seen = SeenItems::default();
        // Items near the longest, at every place, several times over: past the budget.
        let filler = "a".repeat(MAX_ITEM - 40);
        for round in 0..WAYS + 1 {
            for place in 0..PLACES {
                let t = format!(r#"{{"id":"p","result":"r{round}","x":"{filler}"}}"#);
                seen.remember(place, &t, 0..t.len(), &policy(&t, "\"p\"", "r"));
                assert_eq!(seen.bytes, seen.bytes_counted());
                assert!(seen.bytes <= BUDGET, "{}", seen.bytes);
            }
        }
        assert!(seen.bytes > BUDGET - MAX_ITEM, "{}", seen.bytes);
    }

    #[test]
    fn at_the_budget_an_item_that_replaces_another_is_still_kept() {
        let mut seen = SeenItems::default();
        let filler = "a".repeat(MAX_ITEM - 40);
        let item = |k: usize| format!(r#"{{"id":"p","result":"r{k:02}","x":"{filler}"}}"#);
        // Place 0 full, then the other places until nothing more fits.
        for k in 0..WAYS {
            let t = item(k);
            seen.remember(0, &t, 0..t.len(), &policy(&t, "\"p\"", "r"));
        }
        for place in 1..PLACES {
            for k in 0..WAYS {
                let t = item(k);
                seen.remember(place, &t, 0..t.len(), &policy(&t, "\"p\"", "r"));
            }
        }
        assert!(seen.bytes > BUDGET - MAX_ITEM, "{}", seen.bytes);
        let full = seen.bytes;
        let t = item(WAYS);
        seen.remember(PLACES - 1, &t, 0..t.len(), &policy(&t, "\"p\"", "r"));
        assert_eq!(seen.bytes, full);
        // At place 0 the new item takes the oldest one's buffer: kept, nothing more held.
        seen.remember(0, &t, 0..t.len(), &policy(&t, "\"p\"", "r"));
        assert!(seen.get(0, &t, 0).is_some());
        assert!(seen.get(0, &item(0), 0).is_none());
        assert_eq!(seen.bytes, full);
        assert_eq!(seen.bytes, seen.bytes_counted());
    }

    #[test]
    fn a_place_whose_items_never_repeat_goes_cold_and_is_tried_again_now_and_then() {
        let mut seen = SeenItems::default();
        // The first look finds no place yet, and counts no miss.
        let texts: Vec<String> = (0..=COLD as usize)
            .map(|k| format!(r#"{{"id":"p","result":"r{k}"}}"#))
            .collect();
        for t in &texts {
            assert!(seen.get(0, t, 0).is_none());
            seen.remember(0, t, 0..t.len(), &policy(t, "\"p\"", "r"));
        }
        // Cold: the last item kept is not looked for, and a new one is not kept, until the
        // look every RETRY items finds it; then the place is warm again.
        let last = texts.last().unwrap();
        for _ in 1..RETRY {
            assert!(seen.get(0, last, 0).is_none());
            let other = r#"{"id":"p","result":"other"}"#;
            seen.remember(0, other, 0..other.len(), &policy(other, "\"p\"", "r"));
        }
        assert!(seen.get(0, last, 0).is_some());
        assert!(seen.get(0, last, 0).is_some());
        // Warm again, it is looked for: the other item was not kept while the place was cold.
        assert!(seen.get(0, r#"{"id":"p","result":"other"}"#, 0).is_none());
    }

    #[test]
    fn a_replaced_item_lends_its_buffer_to_the_next() {
        let mut seen = SeenItems::default();
        let long = format!(r#"{{"id":"p","result":"r","x":"{}"}}"#, "a".repeat(200));
        for _ in 0..WAYS {
            seen.remember(0, &long, 0..long.len(), &policy(&long, "\"p\"", "r"));
        }
        let held = seen.bytes;
        // Shorter items take the longer ones' buffers: nothing more is held.
        for k in 0..3 * WAYS {
            let t = format!(r#"{{"id":"p","result":"r{k}"}}"#);
            seen.remember(0, &t, 0..t.len(), &policy(&t, "\"p\"", "r"));
            assert!(seen.get(0, &t, 0).is_some());
            assert_eq!(seen.bytes, held);
            assert_eq!(seen.bytes, seen.bytes_counted());
        }
    }

    #[test]
    fn offsets_are_within_the_whole_or_none() {
        let whole = "abcdef";
        assert_eq!(offset_in(whole, &whole[2..4]), Some(2..4));
        assert_eq!(offset_in(&whole[1..], &whole[..3]), None);
        assert_eq!(offset_in(&whole[..3], &whole[2..5]), None);
    }
}
