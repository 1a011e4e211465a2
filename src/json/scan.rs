//! A one-pass JSON scanner over borrowed text. It reads whole texts into the tree `serde_json`
//! builds ([`whole`], for [`super::parse_str`]), and serves the fast paths that read common-form
//! input (sign-in requests, sign-in log records) without building a tree: strings without
//! escapes are borrowed, values that are not kept are skipped after being checked as strictly as
//! `serde_json` checks them, and anything else makes the caller fall back to `serde_json`. So an
//! input reads the same either way, only faster here.

use std::borrow::Cow;

use crate::json::Json;
use crate::json::plain::plain_len;
use crate::json::shape::{Shape, same_in_any_case};

/// An object's known member names, with a small open-addressed table built at compile time, so
/// that finding a key costs a hash of its length and two letters and, as a rule, one comparison.
pub(crate) struct Names<const N: usize> {
    names: [&'static str; N],
    /// Index into `names` by hash, `EMPTY` where none.
    table: [u8; TABLE],
}

const TABLE: usize = 128;
const EMPTY: u8 = u8::MAX;

/// The table's hash: the same for two keys equal in any case.
const fn hash(len: usize, first: u8, last: u8) -> usize {
    (len.wrapping_mul(7) ^ ((first | 0x20) as usize * 3) ^ ((last | 0x20) as usize * 5)) % TABLE
}

impl<const N: usize> Names<N> {
    #[expect(
        clippy::indexing_slicing,
        reason = "evaluated at compile time: an index out of range fails the build"
    )]
    pub(crate) const fn new(names: [&'static str; N]) -> Names<N> {
        assert!(N < TABLE / 2, "the table stays at most half full");
        let mut table = [EMPTY; TABLE];
        let mut i = 0;
        while i < N {
            let b = names[i].as_bytes();
            let mut h = hash(b.len(), b[0], b[b.len() - 1]);
            while table[h] != EMPTY {
                h = (h + 1) % TABLE;
            }
            table[h] = i as u8;
            i += 1;
        }
        Names { names, table }
    }

    /// Which name `key` is, in any case.
    pub(crate) fn find(&self, key: &str) -> Option<usize> {
        let b = key.as_bytes();
        let mut h = hash(b.len(), *b.first()?, *b.last()?);
        loop {
            // An empty slot (`EMPTY` is no index) ends the search: the table is never full.
            let i = usize::from(*self.table.get(h)?);
            let name = self.names.get(i)?;
            // Keys are nearly always spelled as Graph spells them: the exact comparison is the
            // cheap one, and the case-blind one runs only when it fails.
            if same_in_any_case(name.as_bytes(), key.as_bytes()) {
                return Some(i);
            }
            h = (h + 1) % TABLE;
        }
    }
}

/// Nesting deeper than this is left to `serde_json` (its own limit is 128).
pub(crate) const MAX_DEPTH: usize = 100;

/// The members and items of the objects and arrays being read, innermost last.
#[derive(Default)]
pub(super) struct Stacks<'a> {
    pub(super) members: Vec<(Cow<'a, str>, Json<'a>)>,
    pub(super) items: Vec<Json<'a>>,
    /// The deepest nesting at which an object or array was opened since it was last reset (a
    /// split reading checks the half read elsewhere against [`MAX_DEPTH`] with it).
    pub(super) deepest: usize,
}

/// A member's key, as [`Scan::object_shaped`] hands it on: where it is in the text, sliced only
/// by a reader that reads it (slicing a `str` checks both ends, and most members' keys are never
/// read once their class is known).
#[derive(Clone, Copy)]
pub(crate) struct KeyAt<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

impl<'a> KeyAt<'a> {
    /// The key's text (`None` only if it were not at character boundaries, which a key between
    /// quotes always is).
    #[inline]
    pub(crate) fn text(self) -> Option<&'a str> {
        self.text.get(self.start..self.end)
    }
}

/// A position in JSON text.
pub(crate) struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scan<'a> {
    /// A scanner at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Scan<'a> {
        Scan::at(text, 0)
    }

    /// A scanner at byte `pos` of `text`.
    pub(super) fn at(text: &'a str, pos: usize) -> Scan<'a> {
        Scan {
            text,
            bytes: text.as_bytes(),
            pos,
        }
    }

    /// The whole text being read.
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// The byte position reached.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves to byte `pos` (a split reading moves past what the other half read, the sign-in log
    /// reader past an applied policy it has read before).
    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// Has the whole text been read (trailing whitespace aside)?
    pub(crate) fn at_end(&mut self) -> bool {
        self.ws();
        self.pos == self.bytes.len()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(crate) fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    pub(crate) fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    pub(crate) fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.pos + word.len();
        (self.bytes.get(self.pos..end)? == word.as_bytes()).then(|| self.pos = end)
    }

    /// An object's members, each handed to `member` with the scanner at its value (which
    /// `member` must read or skip).
    pub(crate) fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.object_shaped(None, |_| 0, |s, key, _| member(s, key.text()?))
    }

    /// [`Scan::object`], each key handed to `member` with its class: `classify(key)`, or with
    /// `shape`, the key and class it remembers for a member whose lead (the separators and
    /// quoted key before its value) is spelled the same at the same place (see `shape.rs`),
    /// which is what reading those bytes and `classify` gave.
    #[inline]
    pub(crate) fn object_shaped(
        &mut self,
        mut shape: Option<&mut Shape>,
        classify: impl Fn(&'a str) -> u16,
        mut member: impl FnMut(&mut Self, KeyAt<'a>, u16) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        let mut place = 0;
        loop {
            // The member's lead starts here: after the `{`, or after the value before.
            let from = self.pos;
            let rest = self.bytes.get(from..).unwrap_or_default();
            let (key, class) = match shape.as_deref().and_then(|x| x.predict(place, rest)) {
                Some(p) => {
                    // The remembered lead holds a quoted key without escapes at `p.key`.
                    let key = KeyAt {
                        text: self.text,
                        start: from + p.key.start,
                        end: from + p.key.end,
                    };
                    self.pos = from + p.len;
                    // A lead remembered without the whitespace this text has before the value.
                    self.ws();
                    (key, p.class)
                }
                None => {
                    self.ws();
                    match self.peek()? {
                        b'}' => {
                            self.pos += 1;
                            return Some(());
                        }
                        b',' if place > 0 => {
                            self.pos += 1;
                            self.ws();
                        }
                        _ if place > 0 => return None,
                        _ => {}
                    }
                    let key_start = self.pos + 1;
                    let key = self.plain_string()?;
                    let key_end = self.pos - 1;
                    let at = KeyAt {
                        text: self.text,
                        start: key_start,
                        end: key_end,
                    };
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    let class = classify(key);
                    if let Some(shape) = shape.as_deref_mut()
                        && let Some(lead) = self.bytes.get(from..self.pos)
                    {
                        shape.learn(place, lead, key_start - from..key_end - from, class);
                    }
                    (at, class)
                }
            };
            place += 1;
            member(self, key, class)?;
        }
    }

    /// An array's items, each handed to `item` with the scanner at it.
    pub(crate) fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            item(self)?;
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Moves past string bytes that need no attention (not `"`, `\\` or a control character).
    pub(crate) fn skip_plain(&mut self) {
        self.pos += plain_len(self.bytes.get(self.pos..).unwrap_or_default());
    }

    /// A string without escapes, borrowed from the text.
    pub(crate) fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = start + plain_len(self.bytes.get(start..)?);
        if *self.bytes.get(end)? != b'"' {
            // An escape or a control character.
            return None;
        }
        let s = self.text.get(start..end)?;
        self.pos = end + 1;
        Some(s)
    }

    /// Skips a string, checking its escapes and refusing control characters as `serde_json`
    /// does (a `\u` escape needs four hex digits; what they encode is not checked).
    pub(crate) fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            self.skip_plain();
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => {
                    self.pos += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'u' => {
                            self.pos += 1;
                            for _ in 0..4 {
                                if !self.peek()?.is_ascii_hexdigit() {
                                    return None;
                                }
                                self.pos += 1;
                            }
                        }
                        _ => return None,
                    }
                }
                b if b < 0x20 => return None,
                _ => self.pos += 1,
            }
        }
    }

    pub(crate) fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Skips a number in JSON's grammar; `true` when it is an integer.
    pub(crate) fn skip_number(&mut self) -> Option<bool> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        let mut integer = true;
        if self.eat(b'.').is_some() {
            integer = false;
            (self.digits() > 0).then_some(())?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            (self.digits() > 0).then_some(())?;
        }
        Some(integer)
    }

    /// Skips any value, checked.
    pub(crate) fn skip(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' if depth < MAX_DEPTH => self.object(|s, _| s.skip(depth + 1)),
            b'[' if depth < MAX_DEPTH => self.array(|s| s.skip(depth + 1)),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.skip_number().map(|_| ()),
            _ => None,
        }
    }

    /// A string: borrowed when it has no escapes; otherwise checked here and decoded by
    /// `serde_json`, as it decodes strings in a whole text.
    pub(crate) fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.pos;
        if let Some(s) = self.plain_string() {
            return Some(Cow::Borrowed(s));
        }
        self.pos = start;
        self.skip_string()?;
        let quoted = self.text.get(start..self.pos)?;
        serde_json::from_str::<String>(quoted).ok().map(Cow::Owned)
    }

    /// Any value, built; strings borrowed. Strings without escapes and integers only: the
    /// one-pass readers of requests and records leave any other value to `serde_json`. (Their
    /// values are small: each object and array grows as it is read, with no stack beside it.)
    pub(crate) fn value(&mut self, depth: usize) -> Option<Json<'a>> {
        match self.peek()? {
            b'{' if depth < MAX_DEPTH => {
                let mut members = Vec::new();
                self.object(|s, key| {
                    members.push((Cow::Borrowed(key), s.value(depth + 1)?));
                    Some(())
                })?;
                Some(Json::Object(members))
            }
            b'[' if depth < MAX_DEPTH => {
                let mut items = Vec::new();
                self.array(|s| {
                    items.push(s.value(depth + 1)?);
                    Some(())
                })?;
                Some(Json::Array(items))
            }
            _ => self.scalar::<false>(),
        }
    }

    /// Any value, built, as `serde_json` builds it into [`Json`] (see [`Scan::scalar`]).
    /// Members and items are gathered on `stacks` so that each object and array is allocated
    /// once at its exact size: a large export holds hundreds of thousands of two-member
    /// objects, which grown one push at a time took twice the memory.
    ///
    /// `splice` holds what another thread read of the same text's second half
    /// (`json/split.rs`): where this reading reaches the place that half began, or a place it
    /// went on from, it takes what was read there instead of reading it again.
    pub(super) fn value_in(
        &mut self,
        depth: usize,
        stacks: &mut Stacks<'a>,
        splice: &mut Splice<'a, '_>,
    ) -> Option<Json<'a>> {
        match self.peek()? {
            b'{' if depth < MAX_DEPTH => {
                stacks.deepest = stacks.deepest.max(depth);
                let mark = stacks.members.len();
                self.object(|s, key| {
                    let value = s.value_in(depth + 1, stacks, splice)?;
                    stacks.members.push((Cow::Borrowed(key), value));
                    if s.pos == splice.value_end {
                        splice.members_after(s, depth, &mut stacks.members);
                    }
                    Some(())
                })?;
                Some(Json::Object(stacks.members.drain(mark..).collect()))
            }
            b'[' if depth < MAX_DEPTH => {
                stacks.deepest = stacks.deepest.max(depth);
                let mark = stacks.items.len();
                self.array(|s| {
                    if s.pos == splice.item_start && splice.items_from(s, depth, &mut stacks.items)
                    {
                        return Some(());
                    }
                    let item = s.value_in(depth + 1, stacks, splice)?;
                    stacks.items.push(item);
                    if s.pos == splice.value_end {
                        splice.items_after(s, depth, &mut stacks.items);
                    }
                    Some(())
                })?;
                Some(Json::Array(stacks.items.drain(mark..).collect()))
            }
            _ => self.scalar::<true>(),
        }
    }

    /// A string, number, boolean or null; strings borrowed unless they hold escapes. With
    /// `ALL`, strings with escapes are decoded and other numbers than plain integers (floats,
    /// `-0`, integers beyond 64 bits) read by `serde_json`, whose float reading is the one to
    /// keep; without it, they are `None`.
    fn scalar<const ALL: bool>(&mut self) -> Option<Json<'a>> {
        match self.peek()? {
            b'"' if ALL => self.string().map(Json::String),
            b'"' => self.plain_string().map(|s| Json::String(Cow::Borrowed(s))),
            b't' => self.literal("true").map(|()| Json::Bool(true)),
            b'f' => self.literal("false").map(|()| Json::Bool(false)),
            b'n' => self.literal("null").map(|()| Json::Null),
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                let integer = self.skip_number()?;
                let text = self.text.get(start..self.pos)?;
                // As serde_json visits them: negative integers as i64, the others as u64; -0
                // and integers out of range as floats.
                let n = match integer && text != "-0" {
                    true if text.starts_with('-') => text.parse::<i64>().ok().map(Into::into),
                    true => text.parse::<u64>().ok().map(Into::into),
                    false => None,
                };
                match n {
                    Some(n) => Some(Json::Number(n)),
                    None if !ALL => None,
                    None => serde_json::from_str::<Json<'_>>(text)
                        .ok()
                        .map(Json::into_owned),
                }
            }
            _ => None,
        }
    }
}

/// What another thread read of a text, from a place in an array onwards (`json/split.rs`):
/// the rest of that array, then the rest of each container around it, outwards.
pub(super) struct Frame<'a> {
    /// Where the reading of this part began: an item's first byte for the first frame, the
    /// byte after the container closed before for the others.
    pub(super) start: usize,
    /// The position of the bracket that closes this part's container.
    pub(super) end: usize,
    /// The deepest nesting opened in its values, counting the container as 0.
    pub(super) deepest: usize,
    /// Its items or members.
    pub(super) entries: Entries<'a>,
}

/// A frame's entries: an array's items or an object's members.
pub(super) enum Entries<'a> {
    /// The rest of an array.
    Items(Vec<Json<'a>>),
    /// The rest of an object.
    Members(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// A reading's hold on the frames another thread read, fetched when the reading first
/// reaches the place the other began. A frame is taken only where this reading stands exactly
/// where it began, in a container of its kind, and the nesting allowed here allows what it
/// holds; otherwise the reading goes on by itself, so the tree is the one read in one go.
pub(super) struct Splice<'a, 'f> {
    /// Where the first frame begins, an array item's first byte; `usize::MAX` for none.
    pub(super) item_start: usize,
    /// Where the next later frame begins, right after a value; `usize::MAX` for none.
    pub(super) value_end: usize,
    fetch: Option<&'f mut dyn FnMut() -> Option<Vec<Frame<'a>>>>,
    frames: std::vec::IntoIter<Frame<'a>>,
    /// How many frames were taken (for tests: a split that never takes one reads alone).
    pub(super) taken: usize,
}

impl<'a, 'f> Splice<'a, 'f> {
    /// Nothing read elsewhere.
    pub(super) fn none() -> Self {
        Splice {
            item_start: usize::MAX,
            value_end: usize::MAX,
            fetch: None,
            frames: Vec::new().into_iter(),
            taken: 0,
        }
    }

    /// The frames `fetch` gives, the first beginning at `item_start`.
    pub(super) fn new(
        item_start: usize,
        fetch: &'f mut dyn FnMut() -> Option<Vec<Frame<'a>>>,
    ) -> Self {
        Splice {
            item_start,
            fetch: Some(fetch),
            ..Splice::none()
        }
    }

    /// Holds `frames`, the next to take first.
    fn hold(&mut self, frames: Vec<Frame<'a>>) {
        self.frames = frames.into_iter();
        self.aim();
    }

    /// Watches for where the next frame begins.
    fn aim(&mut self) {
        self.value_end = self
            .frames
            .as_slice()
            .first()
            .map_or(usize::MAX, |f| f.start);
    }

    /// The next frame, if it fits a container of this kind at `depth`; else none is taken from
    /// now on, and this reading goes on alone.
    fn next_fitting(&mut self, depth: usize, object: bool) -> Option<Frame<'a>> {
        let frame = self.frames.next();
        match frame {
            Some(f)
                if depth + f.deepest < MAX_DEPTH
                    && matches!(f.entries, Entries::Members(_)) == object =>
            {
                self.taken += 1;
                self.aim();
                Some(f)
            }
            _ => {
                self.hold(Vec::new());
                None
            }
        }
    }

    /// At the first item of the other reading (the scanner at `item_start`, where its first
    /// frame begins, in an array at `depth`): takes its items and moves to the bracket that
    /// closes them. `false` when nothing is taken.
    pub(super) fn items_from(
        &mut self,
        s: &mut Scan<'a>,
        depth: usize,
        items: &mut Vec<Json<'a>>,
    ) -> bool {
        self.item_start = usize::MAX;
        let Some(frames) = self.fetch.take().and_then(|fetch| fetch()) else {
            return false;
        };
        self.hold(frames);
        let before = self.taken;
        self.items_after(s, depth, items);
        self.taken > before
    }

    /// Right after a value in an array at `depth`, where the next frame begins: takes its
    /// items and moves to the bracket that closes them.
    pub(super) fn items_after(
        &mut self,
        s: &mut Scan<'a>,
        depth: usize,
        items: &mut Vec<Json<'a>>,
    ) {
        if let Some(Frame {
            end,
            entries: Entries::Items(rest),
            ..
        }) = self.next_fitting(depth, false)
        {
            items.extend(rest);
            s.pos = end;
        }
    }

    /// Right after a value in an object at `depth`, where the next frame begins: takes its
    /// members and moves to the brace that closes them.
    pub(super) fn members_after(
        &mut self,
        s: &mut Scan<'a>,
        depth: usize,
        members: &mut Vec<(Cow<'a, str>, Json<'a>)>,
    ) {
        if let Some(Frame {
            end,
            entries: Entries::Members(rest),
            ..
        }) = self.next_fitting(depth, true)
        {
            members.extend(rest);
            s.pos = end;
        }
    }
}

/// A whole JSON text, read in one pass into the tree `serde_json` would build; `None` for
/// anything this reader leaves to `serde_json`: an escaped key, nesting deeper than
/// [`MAX_DEPTH`], and every error.
pub(crate) fn whole(text: &str) -> Option<Json<'_>> {
    whole_with(text, &mut Splice::none())
}

/// [`whole`], with what `splice` holds of another reading.
pub(super) fn whole_with<'a>(text: &'a str, splice: &mut Splice<'a, '_>) -> Option<Json<'a>> {
    let mut s = Scan::new(text);
    s.ws();
    let value = s.value_in(0, &mut Stacks::default(), splice)?;
    s.at_end().then_some(value)
}

/// For the one-pass readers' tests: `count` damaged copies of `text` from a fixed `seed`, each
/// with one byte replaced by one of `bytes`, or (one in eight) cut short there, or, with
/// `upcase`, (one in eight) upper-cased there. Copies that are no longer UTF-8 are left out.
#[cfg(test)]
pub(crate) fn damaged_copies<'t>(
    text: &'t str,
    seed: u64,
    count: usize,
    bytes: &'t [u8],
    upcase: bool,
) -> impl Iterator<Item = String> + 't {
    // xorshift stays at zero from zero; doubling first keeps neighbouring seeds (callers add
    // one per text) on different streams.
    let mut seed = (seed << 1) | 1;
    let mut next = move || {
        // xorshift64: deterministic, so a failure reproduces.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pick = |n: u64, len: usize| usize::try_from(n % len.max(1) as u64).unwrap_or(0);
    // Made one at a time as the caller reads them, never all at once.
    (0..count).filter_map(move |_| {
        let mut damaged = text.as_bytes().to_vec();
        let at = pick(next(), damaged.len());
        match next() % 8 {
            0 => damaged.truncate(at),
            1 if upcase => {
                if let Some(b) = damaged.get_mut(at) {
                    *b = b.to_ascii_uppercase();
                }
            }
            _ => {
                let with = bytes
                    .get(pick(next(), bytes.len()))
                    .copied()
                    .unwrap_or(b' ');
                if let Some(b) = damaged.get_mut(at) {
                    *b = with;
                }
            }
        }
        String::from_utf8(damaged).ok()
    })
}
