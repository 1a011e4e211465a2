//! Case-insensitive text comparison that does not allocate.
//!
//! A rule's literals are lowercased once, at parse time, into a [`Literal`]. Attribute values
//! are lowercased lazily, one `char` at a time, with [`char::to_lowercase`] (the same mapping
//! the literal went through), so comparisons are exact Unicode-lowercase comparisons. When
//! both sides are ASCII the comparison runs over bytes.

/// A string literal of a rule, with its lowercase form precomputed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Literal {
    /// The text as written in the rule (escapes resolved).
    pub(super) text: String,
    /// `text` with every `char` mapped through [`char::to_lowercase`].
    folded: String,
    /// Whether `folded` is ASCII.
    ascii: bool,
    /// `folded` as chars, and its Knuth–Morris–Pratt failure table: `-contains` runs in time
    /// linear in the attribute's length, whatever the rule (§1.6b).
    needle: Vec<char>,
    fail: Vec<usize>,
}

impl Literal {
    /// Builds a literal and its lowercase form.
    pub(super) fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let folded: String = text.chars().flat_map(char::to_lowercase).collect();
        let ascii = folded.is_ascii();
        let needle: Vec<char> = folded.chars().collect();
        let fail = failure_table(&needle);
        Self {
            text,
            folded,
            ascii,
            needle,
            fail,
        }
    }
}

/// `value` lowercased, one `char` at a time.
fn fold(value: &str) -> impl Iterator<Item = char> + '_ {
    value.chars().flat_map(char::to_lowercase)
}

/// Whether `needle` comes next in `haystack`, consuming what it compares.
fn is_prefix(needle: &str, haystack: &mut impl Iterator<Item = char>) -> bool {
    needle.chars().all(|c| haystack.next() == Some(c))
}

/// `value` equals `literal`, ignoring case.
pub(super) fn equals(value: &str, literal: &Literal) -> bool {
    if value.is_ascii() {
        // An ASCII value lowercases to ASCII, so it cannot equal a non-ASCII literal.
        return literal.ascii && value.eq_ignore_ascii_case(&literal.folded);
    }
    fold(value).eq(literal.folded.chars())
}

/// `value` starts with `literal`, ignoring case.
pub(super) fn starts_with(value: &str, literal: &Literal) -> bool {
    if value.is_ascii() {
        let needle = literal.folded.as_bytes();
        return literal.ascii
            && value
                .as_bytes()
                .get(..needle.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(needle));
    }
    is_prefix(&literal.folded, &mut fold(value))
}

/// `value` ends with `literal`, ignoring case.
pub(super) fn ends_with(value: &str, literal: &Literal) -> bool {
    if value.is_ascii() {
        let needle = literal.folded.as_bytes();
        return literal.ascii
            && value
                .len()
                .checked_sub(needle.len())
                .and_then(|start| value.as_bytes().get(start..))
                .is_some_and(|tail| tail.eq_ignore_ascii_case(needle));
    }
    let mut reversed = value.chars().rev().flat_map(|c| c.to_lowercase().rev());
    literal
        .folded
        .chars()
        .rev()
        .all(|c| reversed.next() == Some(c))
}

/// The KMP failure table: for each prefix of `needle`, the length of its longest proper
/// prefix that is also a suffix.
fn failure_table(needle: &[char]) -> Vec<usize> {
    let mut fail = vec![0; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle.get(i) != needle.get(k) {
            k = fail.get(k - 1).copied().unwrap_or(0);
        }
        if needle.get(i) == needle.get(k) {
            k += 1;
        }
        if let Some(slot) = fail.get_mut(i) {
            *slot = k;
        }
    }
    fail
}

/// `value` contains `literal` as a substring, ignoring case: one pass over the lowercase
/// value (so also at positions inside the expansion of one char, such as 'İ' → "i\u{307}"),
/// linear in its length.
pub(super) fn contains(value: &str, literal: &Literal) -> bool {
    let needle = &literal.needle;
    if needle.is_empty() {
        return true;
    }
    if value.is_ascii() && !literal.ascii {
        return false;
    }
    let mut matched = 0;
    for c in fold(value) {
        while matched > 0 && needle.get(matched) != Some(&c) {
            matched = literal.fail.get(matched - 1).copied().unwrap_or(0);
        }
        if needle.get(matched) == Some(&c) {
            matched += 1;
            if matched == needle.len() {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;

    /// The obvious allocating implementation, as an oracle.
    fn lower(s: &str) -> String {
        s.chars().flat_map(char::to_lowercase).collect()
    }

    const SAMPLES: &[&str] = &[
        "",
        "a",
        "A",
        "Surface Pro",
        "surface",
        "PRO",
        "ÉCOLE",
        "école",
        "Straße",
        "STRASSE",
        "İstanbul",
        "i\u{307}",
        "\u{307}",
        "\u{307}s",
        "K",
        "\u{212A}elvin",
        "kelvin",
        "ΣΊΣΥΦΟΣ",
        "σίσυφοσ",
        "日本語",
        "本",
        "x日本語x",
        "ab",
        "b",
    ];

    #[test]
    fn matches_the_allocating_oracle() {
        for value in SAMPLES {
            for literal_text in SAMPLES {
                let literal = Literal::new(*literal_text);
                let (v, l) = (lower(value), lower(literal_text));
                let context = format!("{value:?} vs {literal_text:?}");
                assert_eq!(equals(value, &literal), v == l, "eq {context}");
                assert_eq!(
                    starts_with(value, &literal),
                    v.starts_with(&l),
                    "sw {context}"
                );
                assert_eq!(ends_with(value, &literal), v.ends_with(&l), "ew {context}");
                assert_eq!(contains(value, &literal), v.contains(&l), "ct {context}");
            }
        }
    }

    #[test]
    fn spot_checks() {
        assert!(equals("Surface PRO", &Literal::new("surface pro")));
        assert!(equals("\u{212A}elvin", &Literal::new("KELVIN")));
        assert!(contains("İstanbul", &Literal::new("\u{307}st")));
        assert!(contains("aaab", &Literal::new("aab")));
        // The worst case of a naive search (a 3,000-char needle that almost matches everywhere
        // in a 1 MB value) is one linear pass; a quadratic search would take seconds here.
        let needle = format!("{}b", "a".repeat(3_000));
        let haystack = "a".repeat(1 << 20);
        assert!(!contains(&haystack, &Literal::new(needle.as_str())));
        assert!(contains(
            &format!("{haystack}b"),
            &Literal::new(needle.as_str())
        ));
        assert!(contains("abababc", &Literal::new("ababc")));
        assert!(!contains("abababd", &Literal::new("ababc")));
        assert!(!contains("abc", &Literal::new("É")));
        assert!(ends_with("ÉCOLE", &Literal::new("cole")));
        assert!(starts_with("ÉCOLE", &Literal::new("éc")));
        assert!(!starts_with("", &Literal::new("a")));
        assert!(!ends_with("", &Literal::new("a")));
        assert!(starts_with("", &Literal::new("")));
    }
}
