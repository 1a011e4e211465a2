//! Keys predicted from the last object of the same kind. Graph exports, sign-in logs and What If
//! request streams write every object of one kind with the same keys in the same order. A
//! [`Shape`] remembers, for each place in one kind of object, the bytes that led to its value
//! last time (its lead: the comma before the key and any whitespace, the quoted key, the colon)
//! and what its reader found the key to be (its class). A member whose lead is spelled as the one
//! at its place last time is known by one comparison of its bytes, instead of its separators
//! being read one by one, its key scanned for its end and looked up by hash. Any other member is
//! read and classified as before, and its lead remembered in its place: the same bytes read the
//! same way, so a prediction only ever gives the key and class the reader's own reading gives.

/// `a == b`: slices of different lengths are unequal, and short ones of the same length (as
/// member names are, and the leads a prediction compares) are compared a word at a time in line
/// rather than through `memcmp`.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        if let Some(bytes) = s.get(at..at + 8) {
            w.copy_from_slice(bytes);
        }
        u64::from_le_bytes(w)
    };
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..=7 => a.iter().zip(b).all(|(x, y)| x == y),
        // Two words that overlap when the length is not sixteen: every byte is in one of them.
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=24 => {
            word(a, 0) == word(b, 0) && word(a, 8) == word(b, 8) && word(a, n - 8) == word(b, n - 8)
        }
        25..=64 => {
            // Whole words from the start, then the last word (which may overlap the one before).
            let mut at = 0;
            while at + 8 < n {
                if word(a, at) != word(b, at) {
                    return false;
                }
                at += 8;
            }
            word(a, n - 8) == word(b, n - 8)
        }
        _ => a == b,
    }
}

/// `a.eq_ignore_ascii_case(b)`, sooner: slices of different lengths are told apart at once,
/// others compared as they are spelled (nearly always the same case, as Graph writes names) a
/// word at a time, and the case-blind comparison runs only where the first bytes could match.
#[inline(always)]
pub(crate) fn same_in_any_case(a: &[u8], b: &[u8]) -> bool {
    // Bytes equal in any case are equal with their 0x20 bit set.
    let first_may_match = || match (a.first(), b.first()) {
        (Some(x), Some(y)) => x | 0x20 == y | 0x20,
        _ => true,
    };
    a.len() == b.len() && (same_bytes(a, b) || (first_may_match() && a.eq_ignore_ascii_case(b)))
}

/// The most members remembered for one kind of object.
const MAX_KEYS: usize = 64;
/// The longest lead remembered, in bytes (a key of 40 bytes with its quotes, comma and colon
/// is 44, and pretty-printed JSON adds its indent; a lead longer than this is read each time).
const MAX_LEAD: usize = 80;

/// The leads of one kind of object as last read, in order, each with its key's class; bounded
/// ([`MAX_KEYS`] leads of at most [`MAX_LEAD`] bytes), whatever the input holds.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    keys: Vec<Known>,
    /// Are leads remembered? A shape starts out not learning, so that one made for a single
    /// object allocates nothing ([`Shape::learning`]).
    learns: bool,
    /// Members predicted (the tests).
    #[cfg(test)]
    hits: std::cell::Cell<usize>,
}

/// One remembered member's lead.
#[derive(Debug)]
struct Known {
    /// The bytes from the end of the value before (or the object's `{`) to the start of this
    /// member's value.
    lead: Vec<u8>,
    /// Where the key (without its quotes) starts in `lead`, and where it ends.
    key_start: u8,
    key_end: u8,
    /// The key's class.
    class: u16,
}

/// A member known from its lead: the lead's length, where its key is in it, and its class.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Predicted {
    /// The lead's length in bytes: the value starts this far on.
    pub len: usize,
    /// Where the key (without its quotes) is in the lead.
    pub key: std::ops::Range<usize>,
    /// The key's class, as `classify` gave it.
    pub class: u16,
}

impl Shape {
    /// A shape that remembers the leads it is shown.
    pub(crate) fn learning_one() -> Shape {
        Shape {
            learns: true,
            ..Shape::default()
        }
    }

    /// Remembers the leads it is shown from now on.
    pub(crate) fn learning(&mut self) {
        self.learns = true;
    }

    /// When `rest` starts with the lead remembered at place `i`: that member.
    #[inline]
    pub(crate) fn predict(&self, i: usize, rest: &[u8]) -> Option<Predicted> {
        let known = self.keys.get(i)?;
        let n = known.lead.len();
        let hit = same_bytes(rest.get(..n)?, &known.lead);
        #[cfg(test)]
        self.hits.set(self.hits.get() + usize::from(hit));
        hit.then(|| Predicted {
            len: n,
            key: usize::from(known.key_start)..usize::from(known.key_end),
            class: known.class,
        })
    }

    /// Members predicted so far (the tests).
    #[cfg(test)]
    pub(crate) fn predicted(&self) -> usize {
        self.hits.get()
    }

    /// Remembers `lead` at place `i`: its key (read without escapes) at `key` in it, found to
    /// be `class`. Places are filled in order; a lead beyond the bounds is not remembered (it
    /// is read each time).
    pub(crate) fn learn(&mut self, i: usize, lead: &[u8], key: std::ops::Range<usize>, class: u16) {
        if !self.learns
            || i >= MAX_KEYS
            || lead.len() > MAX_LEAD
            || key.start > key.end
            || key.end > lead.len()
            || i > self.keys.len()
        {
            return;
        }
        let (Ok(key_start), Ok(key_end)) = (u8::try_from(key.start), u8::try_from(key.end)) else {
            return;
        };
        if i == self.keys.len() {
            self.keys.push(Known {
                lead: Vec::with_capacity(MAX_LEAD),
                key_start,
                key_end,
                class,
            });
        }
        let Some(known) = self.keys.get_mut(i) else {
            return;
        };
        known.lead.clear();
        known.lead.extend_from_slice(lead);
        known.key_start = key_start;
        known.key_end = key_end;
        known.class = class;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_is_slice_equality() {
        // Every length to 80, a difference at every place, and slices of unequal lengths.
        for n in 0..80usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same_bytes(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                if let Some(x) = b.get_mut(at) {
                    *x ^= 0x20;
                }
                assert!(!same_bytes(&a, &b), "{n} at {at}");
            }
            let mut longer = a.clone();
            longer.push(b'a');
            assert!(!same_bytes(&a, &longer), "{n}");
        }
    }

    /// A lead's bytes and where its key is: `"key":` after `prefix`.
    fn lead(prefix: &str, key: &str) -> (Vec<u8>, std::ops::Range<usize>) {
        let text = format!("{prefix}\"{key}\":");
        let start = prefix.len() + 1;
        (text.into_bytes(), start..start + key.len())
    }

    fn hit(len: usize, key: std::ops::Range<usize>, class: u16) -> Option<Predicted> {
        Some(Predicted { len, key, class })
    }

    #[test]
    fn a_member_is_predicted_only_where_its_lead_is_the_one_remembered() {
        let mut shape = Shape::default();
        let (id, id_key) = lead("", "id");
        let (name, name_key) = lead(",", "displayName");
        shape.learn(0, &id, id_key.clone(), 7);
        assert_eq!(shape.predict(0, br#""id":1"#), None, "not learning");
        shape.learning();
        assert_eq!(shape.predict(0, br#""id":1"#), None);
        shape.learn(0, &id, id_key.clone(), 7);
        shape.learn(1, &name, name_key.clone(), 9);
        assert_eq!(shape.predict(0, br#""id":1"#), hit(5, 1..3, 7));
        assert_eq!(
            shape.predict(1, br#","displayName":"x""#),
            hit(15, 2..13, 9)
        );
        // Another key, a longer one with the same start, another case, another place, other
        // separators (the lead is all that is compared: what follows it is the reader's).
        assert_eq!(shape.predict(0, br#""idx":1"#), None);
        assert_eq!(shape.predict(0, br#""ID":1"#), None);
        assert_eq!(shape.predict(1, br#","id":1"#), None);
        assert_eq!(shape.predict(0, br#""i"#), None);
        assert_eq!(shape.predict(0, br#""id" :1"#), None);
        assert_eq!(shape.predict(1, br#", "displayName":"x""#), None);
        assert_eq!(shape.predict(1, br#""displayName":"x""#), None);
        assert_eq!(shape.predict(0, br#""id": 1"#), hit(5, 1..3, 7));
        // Relearnt in place.
        let (upper, upper_key) = lead("", "ID");
        shape.learn(0, &upper, upper_key, 8);
        assert_eq!(shape.predict(0, br#""ID":1"#), hit(5, 1..3, 8));
        assert_eq!(shape.predict(0, br#""id":1"#), None);
    }

    #[test]
    fn what_is_remembered_is_bounded() {
        let mut shape = Shape::learning_one();
        // Not in order: not remembered.
        let (a, a_key) = lead(",", "a");
        shape.learn(3, &a, a_key.clone(), 1);
        assert_eq!(shape.predict(3, &a), None);
        // Too long a lead, and a key range outside its lead.
        let long = "k".repeat(MAX_LEAD);
        let (long_lead, long_key) = lead("", &long);
        shape.learn(0, &long_lead, long_key, 1);
        assert_eq!(shape.predict(0, &long_lead), None);
        shape.learn(0, &a, 2..9, 1);
        assert_eq!(shape.predict(0, &a), None);
        // A lead of exactly the bound is remembered; one byte more is not.
        let (at_bound, at_bound_key) = lead("", &"k".repeat(MAX_LEAD - 3));
        assert_eq!(at_bound.len(), MAX_LEAD);
        shape.learn(0, &at_bound, at_bound_key.clone(), 5);
        assert_eq!(shape.predict(0, &at_bound), hit(MAX_LEAD, at_bound_key, 5));
        let (past, past_key) = lead(",", &"k".repeat(MAX_LEAD - 3));
        shape.learn(1, &past, past_key, 5);
        assert_eq!(shape.predict(1, &past), None);
        let mut shape = Shape::learning_one();
        for i in 0..MAX_KEYS + 10 {
            let (l, k) = lead(",", &format!("key{i}"));
            shape.learn(i, &l, k, 2);
        }
        assert_eq!(shape.keys.len(), MAX_KEYS);
        assert_eq!(
            shape.predict(MAX_KEYS - 1, br#","key63":"#),
            hit(9, 2..7, 2)
        );
        assert_eq!(shape.predict(MAX_KEYS, br#","key64":"#), None);
    }

    /// Each member's key, class and value text.
    type Members = Vec<(String, u16, String)>;

    /// The members an object's reading handed on (those before a refusal too), and where the
    /// reading ended (`None`: refused).
    fn read_members(text: &str, shape: Option<&mut Shape>) -> (Members, Option<usize>) {
        let mut s = crate::json::scan::Scan::new(text);
        let mut out = Vec::new();
        let classify = |key: &str| key.len() as u16;
        let read = s.object_shaped(shape, classify, |s, key, class| {
            let at = s.pos();
            s.skip(1)?;
            out.push((
                key.text()?.to_owned(),
                class,
                text.get(at..s.pos())?.to_owned(),
            ));
            Some(())
        });
        let end = read.map(|()| s.pos());
        (out, end)
    }

    #[test]
    fn a_shaped_reading_reads_every_object_as_one_without_a_shape() {
        let many: String = (0..70)
            .map(|i| format!(r#""k{i}":{i}"#))
            .collect::<Vec<_>>()
            .join(",");
        let long = format!(r#"{{"{}":1,"b":2}}"#, "x".repeat(90));
        // Leads of every length the comparison treats apart (to 24, to 64, past it), pretty.
        let key = |n: usize| "k".repeat(n);
        let lengths = [12, 20, 30, 45, 60, 75];
        let pretty = format!(
            "{{\n{}\n}}",
            lengths
                .iter()
                .map(|&n| format!("    \"{}\": {n}", key(n)))
                .collect::<Vec<_>>()
                .join(",\n")
        );
        let pretty_other =
            pretty.replace(&format!("\"{}\"", key(45)), &format!("\"{}x\"", key(44)));
        let texts = [
            r#"{"a":1,"bb":"x","ccc":[1,2]}"#,
            r#"{"a":1,"bb":"x","ccc":[1,2]}"#,
            r#"{ "a" : 1 , "bb" : "x" , "ccc" : [1,2] }"#,
            "{\n  \"a\": 1,\n  \"bb\": \"x\",\n  \"ccc\": [1,2]\n}",
            r#"{"a": 1,"bb":  "x","ccc":[1,2]}"#,
            r#"{"a":1,"bb":"x"}"#,
            r#"{"a":1,"bb":"x","ccc":[1,2],"dddd":null}"#,
            r#"{"a":1,"bb":"x","ccc":[1,2],}"#,
            r#"{"a":1 "bb":"x"}"#,
            r#"{"a":1,"b\u0062":"x"}"#,
            r#"{"bb":"x","a":1}"#,
            r#"{"a":1,"a":2,"a":3}"#,
            r#"{}"#,
            r#"{ }"#,
            r#"{"a":1,"bb":"x","ccc":[1,2]"#,
            r#"{"a":1,"bb""#,
            r#"{"a":{"a":1},"bb":"x"}"#,
            &many,
            &many,
            &long,
            &long,
            &pretty,
            &pretty,
            &pretty_other,
            &pretty,
        ];
        let mut shape = Shape::learning_one();
        for round in 0..2 {
            for text in texts.iter().chain(texts.iter().rev()) {
                let fresh = read_members(text, None);
                assert_eq!(
                    read_members(text, Some(&mut shape)),
                    fresh,
                    "{round}: {text}"
                );
                assert_eq!(
                    read_members(text, Some(&mut shape)),
                    fresh,
                    "{round}: {text} again"
                );
            }
        }
        assert!(shape.predicted() > 100, "{}", shape.predicted());
    }
}
