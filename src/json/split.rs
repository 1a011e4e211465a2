//! A large JSON text read on two threads: this one reads it from the start as [`whole`] does,
//! while a second reads from a place near the middle where an array item seems to begin
//! (after `}`, a comma and `{`) to the end: the rest of that array, then the rest of each
//! container around it ([`Frame`]s). When the first reading gets there, it takes what the second
//! read instead of reading it again (see [`Splice`]).
//!
//! The place is a guess (the bytes could sit inside a string), so nothing is taken on trust:
//! the first reading takes a frame only where it stands exactly where that frame began, in a
//! container of the frame's kind, with the nesting allowed there. Otherwise it reads on by
//! itself. Either way the tree is the one [`whole`] builds, or `None` where [`whole`] gives
//! `None`.
//!
//! [`whole`]: super::scan::whole

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use super::Json;
use super::scan::{Entries, Frame, MAX_DEPTH, Scan, Splice, Stacks, whole_with};

/// Texts this long or longer are read on two threads (a tenant at Entra's limits is 45 MB).
pub(crate) const SPLIT_FROM: usize = 4 << 20;

/// How far past the middle a place to split is looked for.
const SEARCH: usize = 1 << 20;

/// Where the second reading of `text` begins: the first `{` at or after the middle that
/// follows `}` and a comma (whitespace aside), so an array item's first byte if the guess is
/// right; `None` when there is none within [`SEARCH`] bytes.
pub(crate) fn candidate(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let from = bytes.len() / 2;
    let window = bytes.get(from..bytes.len().min(from + SEARCH))?;
    let before = |end: usize| {
        bytes
            .get(..end)
            .and_then(|b| b.iter().rposition(|c| !c.is_ascii_whitespace()))
    };
    memchr::memchr_iter(b'{', window)
        .map(|i| from + i)
        .find(|&at| {
            before(at).is_some_and(|comma| {
                bytes.get(comma) == Some(&b',')
                    && before(comma).is_some_and(|brace| bytes.get(brace) == Some(&b'}'))
            })
        })
}

/// Reads `text` as [`super::scan::whole`] does, on two threads when `at` is a place to split
/// and a second thread can be had; on this one alone otherwise.
pub(crate) fn whole_split(text: &str, at: Option<usize>) -> Option<Json<'_>> {
    let Some(at) = at else {
        return whole_with(text, &mut Splice::none());
    };
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let second = std::thread::Builder::new()
            .name("jitgate-json".into())
            .spawn_scoped(scope, || rest_from(text, at, &stop));
        let Ok(second) = second else {
            return whole_with(text, &mut Splice::none());
        };
        let mut second = Some(second);
        let tree = {
            // Waited for only when the first reading gets to `at`.
            let mut fetch = || second.take().and_then(|h| h.join().ok().flatten());
            whole_with(text, &mut Splice::new(at, &mut fetch))
        };
        // A reading that ended (or failed) without getting there stops the second one at its
        // next item instead of waiting for it to read the rest.
        stop.store(true, Ordering::Relaxed);
        if let Some(h) = second.take() {
            let _ = h.join();
        }
        tree
    })
}

/// The second reading: from `at`, the items of an array up to its closing bracket, then the
/// rest of each container around it up to the end of `text`; `None` where the text does not
/// read that way from there (the guess was wrong, or the text is not JSON).
pub(super) fn rest_from<'a>(text: &'a str, at: usize, stop: &AtomicBool) -> Option<Vec<Frame<'a>>> {
    let stopped = || stop.load(Ordering::Relaxed).then_some(());
    let mut s = Scan::at(text, at);
    let mut stacks = Stacks::default();
    let mut none = Splice::none();
    let mut frames = Vec::new();
    let mut items = Vec::new();
    loop {
        if stopped().is_some() {
            return None;
        }
        items.push(s.value_in(1, &mut stacks, &mut none)?);
        s.ws();
        match s.peek()? {
            b',' => {
                s.set_pos(s.pos() + 1);
                s.ws();
            }
            b']' => break,
            _ => return None,
        }
    }
    frames.push(Frame {
        start: at,
        end: s.pos(),
        deepest: stacks.deepest,
        entries: Entries::Items(items),
    });
    loop {
        s.set_pos(s.pos() + 1);
        let start = s.pos();
        // No reading can take more frames than the nesting limit allows (frame k is taken at
        // a depth k less than the first's), so a text that closes more brackets than that is
        // read no further here; the first reading reads the rest alone.
        if s.at_end() || frames.len() >= MAX_DEPTH {
            return Some(frames);
        }
        stacks.deepest = 0;
        frames.push(rest_of_container(
            &mut s,
            start,
            &mut stacks,
            &mut none,
            &stopped,
        )?);
    }
}

/// The rest of a container after one of its values, up to its closing bracket (where `s` is
/// left): its kind is told by a member's key and colon, or by the bracket.
fn rest_of_container<'a>(
    s: &mut Scan<'a>,
    start: usize,
    stacks: &mut Stacks<'a>,
    none: &mut Splice<'a, '_>,
    stopped: &dyn Fn() -> Option<()>,
) -> Option<Frame<'a>> {
    let mut items = Vec::new();
    let mut members: Vec<(Cow<'a, str>, Json<'a>)> = Vec::new();
    let mut object = None;
    loop {
        if stopped().is_some() {
            return None;
        }
        s.ws();
        match s.peek()? {
            b',' => {
                s.set_pos(s.pos() + 1);
                s.ws();
                let mark = s.pos();
                let key = s.plain_string().and_then(|key| {
                    s.ws();
                    s.eat(b':').map(|()| key)
                });
                match (key, object) {
                    (Some(key), None | Some(true)) => {
                        object = Some(true);
                        s.ws();
                        members.push((Cow::Borrowed(key), s.value_in(1, stacks, none)?));
                    }
                    (None, None | Some(false)) => {
                        object = Some(false);
                        s.set_pos(mark);
                        items.push(s.value_in(1, stacks, none)?);
                    }
                    _ => return None,
                }
            }
            b'}' if object != Some(false) => {
                object = Some(true);
                break;
            }
            b']' if object != Some(true) => {
                object = Some(false);
                break;
            }
            _ => return None,
        }
    }
    Some(Frame {
        start,
        end: s.pos(),
        deepest: stacks.deepest,
        entries: if object == Some(true) {
            Entries::Members(members)
        } else {
            Entries::Items(items)
        },
    })
}

/// [`whole_split`] with the second reading done first, on this thread, and the number of its
/// frames taken (tests and fuzzing try every place, which would start a thread each).
#[cfg(any(test, feature = "fuzzing"))]
pub(super) fn whole_split_here(text: &str, at: usize) -> (Option<Json<'_>>, usize, usize) {
    let frames = rest_from(text, at, &AtomicBool::new(false));
    let count = frames.as_ref().map_or(0, Vec::len);
    let mut frames = Some(frames);
    let mut fetch = || frames.take().flatten();
    let mut splice = Splice::new(at, &mut fetch);
    let tree = whole_with(text, &mut splice);
    (tree, splice.taken, count)
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]

    use std::sync::atomic::AtomicBool;

    use super::{candidate, rest_from, whole_split, whole_split_here};
    use crate::json::scan::{damaged_copies, whole};
    use crate::unstable::generate::{TenantSize, tenant};

    /// A generated tenant bundle, compact and pretty-printed (whitespace everywhere).
    fn bundles() -> Vec<String> {
        let bundle = tenant(TenantSize::SMALL, 5);
        vec![
            bundle.to_string(),
            serde_json::to_string_pretty(&bundle).unwrap(),
        ]
    }

    /// Split at every `{` of every example text and at 400 spread over a generated bundle, the
    /// reading builds the tree read in one go; and at the place `candidate` picks,
    /// the first reading takes every frame the second read.
    #[test]
    fn every_place_to_split_reads_the_tree_read_in_one_go() {
        let mut texts = crate::json::tests::example_texts();
        texts.extend(bundles());
        let (mut tried, mut taken) = (0, 0);
        for text in &texts {
            let one_go = whole(text);
            assert!(one_go.is_some(), "{text:.100}");
            let places: Vec<usize> = text.match_indices('{').map(|(at, _)| at).collect();
            // At most 400 places, spread over the text.
            let step = places.len().div_ceil(400).max(1);
            for &at in places.iter().step_by(step) {
                let (tree, took, _) = whole_split_here(text, at);
                assert!(tree == one_go, "split at {at} of {text:.200}");
                tried += 1;
                taken += usize::from(took > 0);
            }
        }
        assert!(tried > 1_000 && taken > 600, "{tried} {taken}");
        for text in bundles() {
            let at = candidate(&text).unwrap();
            let frames = rest_from(&text, at, &AtomicBool::new(false)).unwrap();
            assert!(frames.len() >= 3, "{}", frames.len());
            let (tree, took, count) = whole_split_here(&text, at);
            assert!(tree == whole(&text));
            assert_eq!((took, count), (frames.len(), frames.len()));
        }
    }

    /// On damaged copies (a byte replaced, the text cut short), wherever it is split, the
    /// reading answers as the one-go reading does: the same tree, or none.
    #[test]
    fn damaged_texts_read_as_in_one_go_wherever_they_are_split() {
        let bytes = b"{}[],:\" 0a";
        let text = tenant(TenantSize::SMALL, 9).to_string();
        let (mut none, mut some) = (0, 0);
        for (k, damaged) in damaged_copies(&text, 17, 150, bytes, false).enumerate() {
            let one_go = whole(&damaged);
            if one_go.is_some() {
                some += 1;
            } else {
                none += 1;
            }
            let places: Vec<usize> = damaged.match_indices('{').map(|(at, _)| at).collect();
            // Twenty places spread over the text, a different spread for each copy.
            for j in 0..20 {
                let Some(&at) = places.get((j * places.len() / 20 + k) % places.len().max(1))
                else {
                    continue;
                };
                assert!(
                    whole_split_here(&damaged, at).0 == one_go,
                    "copy {k} split at {at}"
                );
            }
        }
        assert!(none > 30 && some > 30, "{none} {some}");
    }

    /// Nesting near the limit on either side of the split: the half read elsewhere is taken
    /// only where the nesting allowed where it lands allows it.
    #[test]
    fn the_nesting_limit_holds_across_the_split() {
        for outer in [1usize, 40, 90, 97, 98, 99] {
            for inner in [0usize, 1, 2, 5, 10, 60] {
                let nested = format!("{}{}", "[".repeat(inner), "]".repeat(inner));
                let core = format!(r#"[{{"a": 1}}, {{"b": {nested}}}, {{"c": 2}}]"#);
                let text = format!("{}{core}{}", "[".repeat(outer), "]".repeat(outer));
                let one_go = whole(&text);
                for (at, _) in text.match_indices('{') {
                    assert!(
                        whole_split_here(&text, at).0 == one_go,
                        "outer {outer} inner {inner} at {at}"
                    );
                }
            }
        }
    }

    /// A text closing far more brackets than it opened: the second reading keeps no more
    /// frames than any reading could take (the nesting limit), and stops when told to.
    #[test]
    fn stray_closing_brackets_are_not_read_into_frames_without_end() {
        let text = format!("[{}{{}}]{}", "{},".repeat(1_000), "]".repeat(100_000));
        assert!(whole(&text).is_none());
        let at = text.find("},{").unwrap() + 2;
        let frames = rest_from(&text, at, &AtomicBool::new(false)).unwrap();
        assert_eq!(frames.len(), crate::json::scan::MAX_DEPTH);
        assert!(whole_split_here(&text, at).0.is_none());
        assert!(whole_split(&text, Some(at)).is_none());
        assert!(rest_from(&text, at, &AtomicBool::new(true)).is_none());
    }

    /// Braces inside strings look like a place to split; the reading goes on alone there.
    #[test]
    fn a_place_inside_a_string_is_read_past() {
        let text = r#"[{"s": "}, {\"x\": 1}"}, {"t": "}, {"}, {"u": [{"v": "}, {"}]}]"#;
        let one_go = whole(text);
        assert!(one_go.is_some());
        for (at, _) in text.match_indices('{') {
            assert!(whole_split_here(text, at).0 == one_go, "at {at}");
        }
    }

    /// The split on a real second thread, over a text past the size that splits.
    #[test]
    fn a_large_bundle_read_on_two_threads_is_the_tree_read_in_one_go() {
        let mut bundle = tenant(TenantSize::SMALL, 21);
        let users = bundle["directory"]["users"].as_array().unwrap().clone();
        let many: Vec<_> = (0..120).flat_map(|_| users.iter().cloned()).collect();
        bundle["directory"]["users"] = serde_json::Value::Array(many);
        let text = bundle.to_string();
        assert!(text.len() > super::SPLIT_FROM, "{}", text.len());
        let at = candidate(&text);
        assert!(at.is_some());
        assert!(whole_split(&text, at) == whole(&text));
    }
}
