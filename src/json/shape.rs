//! Keys predicted from the last object of the same kind. Graph exports, sign-in logs and What If
//! request streams write every object of one kind with the same keys in the same order. A
//! [`Shape`] remembers one kind's keys (their bytes, quotes included) and what its reader found
//! each one to be (its class), so a key spelled as the one at its place last time is known by
//! one comparison of its bytes, instead of being scanned for its end and looked up by hash.
//! Any other key is read and classified as before, and remembered in its place: a prediction
//! only ever gives the class the reader's own lookup gives the same bytes.

/// `a == b`: slices of different lengths are unequal, and short ones of the same length (as
/// member names are, and the quoted keys a prediction compares) are compared a word at a time
/// in line rather than through `memcmp`.
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
        25..=32 => {
            word(a, 0) == word(b, 0)
                && word(a, 8) == word(b, 8)
                && word(a, 16) == word(b, 16)
                && word(a, n - 8) == word(b, n - 8)
        }
        _ => a == b,
    }
}

/// The most keys remembered for one kind of object.
const MAX_KEYS: usize = 64;
/// The longest key remembered, in bytes without its quotes.
const MAX_KEY: usize = 62;

/// The keys of one kind of object as last read, in order, each with its class; bounded
/// ([`MAX_KEYS`] keys of at most [`MAX_KEY`] bytes), whatever the input holds.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    keys: Vec<Known>,
    /// Are keys remembered? A shape starts out not learning, so that one made for a single
    /// object allocates nothing ([`Shape::learning`]).
    learns: bool,
    /// Keys predicted (the tests).
    #[cfg(test)]
    hits: std::cell::Cell<usize>,
}

/// One remembered key.
#[derive(Debug)]
struct Known {
    /// Its bytes, quotes included.
    quoted: Vec<u8>,
    class: u16,
}

impl Shape {
    /// A shape that remembers the keys it is shown.
    pub(crate) fn learning_one() -> Shape {
        Shape {
            learns: true,
            ..Shape::default()
        }
    }

    /// Remembers the keys it is shown from now on.
    pub(crate) fn learning(&mut self) {
        self.learns = true;
    }

    /// When `rest` starts with the key remembered at place `i` (quotes included): that key's
    /// length with its quotes, and its class.
    #[inline]
    pub(crate) fn predict(&self, i: usize, rest: &[u8]) -> Option<(usize, u16)> {
        let known = self.keys.get(i)?;
        let n = known.quoted.len();
        let hit = same_bytes(rest.get(..n)?, &known.quoted);
        #[cfg(test)]
        self.hits.set(self.hits.get() + usize::from(hit));
        hit.then_some((n, known.class))
    }

    /// Keys predicted so far (the tests).
    #[cfg(test)]
    pub(crate) fn predicted(&self) -> usize {
        self.hits.get()
    }

    /// Remembers `key` (read without escapes) at place `i`, found to be `class`. Places are
    /// filled in order; a key beyond the bounds is not remembered (it is read each time).
    pub(crate) fn learn(&mut self, i: usize, key: &str, class: u16) {
        if !self.learns || i >= MAX_KEYS || key.len() > MAX_KEY || i > self.keys.len() {
            return;
        }
        if i == self.keys.len() {
            self.keys.push(Known {
                quoted: Vec::with_capacity(MAX_KEY + 2),
                class,
            });
        }
        let Some(known) = self.keys.get_mut(i) else {
            return;
        };
        known.quoted.clear();
        known.quoted.push(b'"');
        known.quoted.extend_from_slice(key.as_bytes());
        known.quoted.push(b'"');
        known.class = class;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_is_slice_equality() {
        // Every length to 40, a difference at every place, and slices of unequal lengths.
        for n in 0..40usize {
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

    #[test]
    fn a_key_is_predicted_only_where_its_bytes_and_quotes_are_those_remembered() {
        let mut shape = Shape::default();
        shape.learn(0, "id", 7);
        assert_eq!(shape.predict(0, br#""id": 1"#), None, "not learning");
        shape.learning();
        assert_eq!(shape.predict(0, br#""id": 1"#), None);
        shape.learn(0, "id", 7);
        shape.learn(1, "displayName", 9);
        assert_eq!(shape.predict(0, br#""id": 1"#), Some((4, 7)));
        assert_eq!(shape.predict(1, br#""displayName":"x""#), Some((13, 9)));
        // Another key, a longer one with the same start, another case, another place.
        assert_eq!(shape.predict(0, br#""idx": 1"#), None);
        assert_eq!(shape.predict(0, br#""ID": 1"#), None);
        assert_eq!(shape.predict(1, br#""id": 1"#), None);
        assert_eq!(shape.predict(0, br#""i"#), None);
        // Relearnt in place.
        shape.learn(0, "ID", 8);
        assert_eq!(shape.predict(0, br#""ID": 1"#), Some((4, 8)));
        assert_eq!(shape.predict(0, br#""id": 1"#), None);
    }

    #[test]
    fn what_is_remembered_is_bounded() {
        let mut shape = Shape::learning_one();
        // Not in order: not remembered.
        shape.learn(3, "a", 1);
        assert_eq!(shape.predict(3, br#""a""#), None);
        let long = "k".repeat(MAX_KEY + 1);
        shape.learn(0, &long, 1);
        assert_eq!(shape.predict(0, format!("\"{long}\"").as_bytes()), None);
        for i in 0..MAX_KEYS + 10 {
            shape.learn(i, &format!("key{i}"), 2);
        }
        assert_eq!(shape.keys.len(), MAX_KEYS);
        assert_eq!(shape.predict(MAX_KEYS - 1, br#""key63""#), Some((7, 2)));
        assert_eq!(shape.predict(MAX_KEYS, br#""key64""#), None);
    }
}
