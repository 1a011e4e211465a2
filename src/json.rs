//! Strict JSON input: encoding detection and a value tree that keeps every key.
//!
//! Graph exports come as UTF-8 or UTF-16 with a BOM (docs/SEMANTICS.md §1.1). A text is read into
//! [`Json`], which keeps object members as an ordered list so that duplicate keys, case-only
//! duplicates and annotation keys are still visible to the model reader instead of being silently
//! collapsed. The one-pass scanner ([`scan`]) reads the usual text; `serde_json` (RFC 8259, no
//! comments, no trailing commas, nesting bounded at 128 levels) reads what the scanner leaves, and
//! every error, so the two build the same tree and errors keep `serde_json`'s messages.

pub(crate) mod plain;
pub(crate) mod scan;
pub(crate) mod shape;
mod split;

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A parsed JSON value that keeps object members in order, duplicates included. Keys and strings
/// borrow from the text they were parsed from unless they hold escapes, so reading a request
/// line or a tenant file does not allocate per key.
#[derive(Debug, Clone, PartialEq, Hash)]
pub enum Json<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// Any number, kept as parsed by `serde_json`.
    Number(serde_json::Number),
    /// A string.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object's members in document order.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl Json<'_> {
    /// The same value, owning its text (to keep it beyond the text it was parsed from).
    pub fn into_owned(self) -> Json<'static> {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(b),
            Json::Number(n) => Json::Number(n),
            Json::String(s) => Json::String(Cow::Owned(s.into_owned())),
            Json::Array(a) => Json::Array(a.into_iter().map(Json::into_owned).collect()),
            Json::Object(m) => Json::Object(
                m.into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }

    /// The JSON type name used in error messages ("a string", "an object", ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

impl Json<'_> {
    /// Converts to a `serde_json::Value` (for echoing input in output).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Json::Null => serde_json::Value::Null,
            Json::Bool(b) => serde_json::Value::Bool(*b),
            Json::Number(n) => serde_json::Value::Number(n.clone()),
            Json::String(s) => serde_json::Value::String(s.to_string()),
            Json::Array(a) => serde_json::Value::Array(a.iter().map(Json::to_value).collect()),
            Json::Object(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

impl<'v> Json<'v> {
    /// A view of a `serde_json` value, its strings borrowed.
    pub fn from_value(v: &'v serde_json::Value) -> Json<'v> {
        match v {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(*b),
            serde_json::Value::Number(n) => Json::Number(n.clone()),
            serde_json::Value::String(s) => Json::String(Cow::Borrowed(s)),
            serde_json::Value::Array(a) => Json::Array(a.iter().map(Json::from_value).collect()),
            serde_json::Value::Object(m) => Json::Object(
                m.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::from_value(v)))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

/// An object key, borrowed from the text when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A [`Visitor`]'s numbers, strings, booleans and null, built into a [`Json`]: shared by every
/// visitor that builds one (this module's, and those in `signinlog/select.rs` that keep only
/// part of a record).
macro_rules! json_scalars {
    () => {
        fn visit_bool<E>(self, v: bool) -> Result<$crate::json::Json<'de>, E> {
            Ok($crate::json::Json::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<$crate::json::Json<'de>, E> {
            Ok($crate::json::Json::Number(v.into()))
        }
        fn visit_u64<E>(self, v: u64) -> Result<$crate::json::Json<'de>, E> {
            Ok($crate::json::Json::Number(v.into()))
        }
        fn visit_f64<E: ::serde::de::Error>(self, v: f64) -> Result<$crate::json::Json<'de>, E> {
            ::serde_json::Number::from_f64(v)
                .map($crate::json::Json::Number)
                .ok_or_else(|| E::custom("number out of range"))
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<$crate::json::Json<'de>, E> {
            Ok($crate::json::Json::String(::std::borrow::Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<$crate::json::Json<'de>, E> {
            Ok($crate::json::Json::String(::std::borrow::Cow::Owned(
                v.to_owned(),
            )))
        }
        fn visit_string<E>(self, v: String) -> Result<$crate::json::Json<'de>, E> {
            Ok($crate::json::Json::String(::std::borrow::Cow::Owned(v)))
        }
        fn visit_unit<E>(self) -> Result<$crate::json::Json<'de>, E> {
            Ok($crate::json::Json::Null)
        }
    };
}
pub(crate) use json_scalars;

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    json_scalars!();
    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        // Grown from nothing (four members first), not from a fixed eight: a large export's
        // tree holds hundreds of thousands of two-member objects (IP ranges), and eight slots
        // each made it 40% larger (faults and all).
        let mut members = Vec::new();
        while let Some((Key(k), v)) = map.next_entry::<Key<'de>, Json<'de>>()? {
            members.push((k, v));
        }
        Ok(Json::Object(members))
    }
}

/// Why bytes could not be turned into a [`Json`] value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// The bytes are not valid in the detected encoding.
    #[error("invalid {encoding} at byte offset {offset}")]
    Encoding {
        /// "UTF-8", "UTF-16LE" or "UTF-16BE".
        encoding: &'static str,
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The text is not strict JSON.
    #[error("invalid JSON at line {line} column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
}

/// Decodes a file's bytes by its BOM: UTF-8 (BOM optional), UTF-16LE or UTF-16BE (BOM required).
pub fn decode(bytes: &[u8]) -> Result<String, JsonError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest, 3);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes, "UTF-16LE");
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes, "UTF-16BE");
    }
    utf8(bytes, 0)
}

/// [`decode`], taking the bytes: UTF-8 without a BOM (the usual export) becomes the text
/// without a copy.
pub fn decode_owned(bytes: Vec<u8>) -> Result<String, JsonError> {
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, ..] | [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => decode(&bytes),
        _ => String::from_utf8(bytes).map_err(|e| JsonError::Encoding {
            encoding: "UTF-8",
            offset: e.utf8_error().valid_up_to(),
        }),
    }
}

fn utf8(bytes: &[u8], bom: usize) -> Result<String, JsonError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => Err(JsonError::Encoding {
            encoding: "UTF-8",
            offset: bom + e.valid_up_to(),
        }),
    }
}

fn utf16(
    bytes: &[u8],
    unit: fn([u8; 2]) -> u16,
    encoding: &'static str,
) -> Result<String, JsonError> {
    let chunks = bytes.chunks_exact(2);
    if !chunks.remainder().is_empty() {
        return Err(JsonError::Encoding {
            encoding,
            offset: bytes.len() + 1,
        });
    }
    let units = chunks.map(|c| {
        unit([
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
        ])
    });
    let mut text = String::with_capacity(bytes.len() / 2);
    // Offset in code units: a character outside the BMP takes two (a surrogate pair).
    let mut unit_offset = 0usize;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(ch) => {
                text.push(ch);
                unit_offset += ch.len_utf16();
            }
            Err(_) => {
                return Err(JsonError::Encoding {
                    encoding,
                    // +2 for the BOM that was stripped.
                    offset: 2 + unit_offset * 2,
                });
            }
        }
    }
    Ok(text)
}

/// Parses strict JSON text. A BOM left in the text (a second BOM after the first) is an error.
pub fn parse_str(text: &str) -> Result<Json<'_>, JsonError> {
    // The one-pass reader builds the same tree in about half the time; what it leaves (errors
    // included, so their messages stay serde_json's) goes to serde_json.
    // A large text (a tenant export) is read on two threads when there are two.
    let one_pass = if text.len() >= split::SPLIT_FROM && rayon::current_num_threads() > 1 {
        split::whole_split(text, split::candidate(text))
    } else {
        scan::whole(text)
    };
    if let Some(value) = one_pass {
        return Ok(value);
    }
    parse_str_serde(text)
}

/// [`parse_str`] by `serde_json` alone: what the one-pass reader is held to (tests, fuzzing).
pub(crate) fn parse_str_serde(text: &str) -> Result<Json<'_>, JsonError> {
    serde_json::from_str::<Json<'_>>(text).map_err(|e| JsonError::Syntax {
        line: e.line(),
        column: e.column(),
        message: syntax_message(&e),
    })
}

/// Decodes and parses a file's bytes into a value that owns its text.
pub fn parse_bytes(bytes: &[u8]) -> Result<Json<'static>, JsonError> {
    parse_str(&decode(bytes)?).map(Json::into_owned)
}

/// Wherever the one-pass reader reads a whole text, does it build the tree `serde_json` builds?
/// (True where it leaves the text to `serde_json`.)
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn one_pass_agrees(text: &str) -> bool {
    scan::whole(text).is_none_or(|fast| parse_str_serde(text).is_ok_and(|v| v == fast))
}

/// Wherever a reading split at any `{` of `text` (up to `limit` of them) reads it, does it
/// build the tree the one-pass reader builds, and does it read exactly the texts that reader
/// reads? (The `load` fuzz target: the split is guessed, and every guess must come to the
/// same.)
#[cfg(feature = "fuzzing")]
pub(crate) fn split_agrees(text: &str, limit: usize) -> bool {
    let whole = scan::whole(text);
    text.match_indices('{')
        .take(limit)
        .all(|(at, _)| split::whole_split_here(text, at).0 == whole)
}

fn syntax_message(e: &serde_json::Error) -> String {
    // serde_json appends " at line X column Y"; the caller formats position itself.
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(pos) => full.get(..pos).unwrap_or(&full).to_owned(),
        None => full,
    }
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

    /// Every JSON text of the examples (requests and tests included), recursively.
    pub(super) fn example_texts() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    walk(&path, out);
                } else if path
                    .extension()
                    .is_some_and(|e| e == "json" || e == "jsonl")
                {
                    let text = decode(&std::fs::read(&path).unwrap()).unwrap();
                    if path.extension().is_some_and(|e| e == "jsonl") {
                        out.extend(text.lines().map(str::to_owned));
                    } else {
                        out.push(text);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
            &mut out,
        );
        out
    }

    #[test]
    fn the_one_pass_reader_builds_serde_jsons_tree() {
        let mut texts = example_texts();
        assert!(texts.len() > 40, "{} texts", texts.len());
        for seed in [1, 2] {
            let tenant = crate::unstable::generate::tenant(
                crate::unstable::generate::TenantSize::SMALL,
                seed,
            );
            texts.push(serde_json::to_string_pretty(&tenant).unwrap());
        }
        for text in &texts {
            // The usual text is read in one pass, and read as serde_json reads it.
            let fast = scan::whole(text).unwrap_or_else(|| panic!("not read: {text:.200}"));
            assert_eq!(Some(fast), parse_str_serde(text).ok(), "{text:.200}");
        }
        // Damaged copies: wherever the one-pass reader still answers, it answers as serde_json.
        let bytes = b"\\\"{}[],:0123456789eE+-. \t\n\x01tfnu";
        let mut read = 0;
        for (seed, text) in texts.iter().enumerate().take(40) {
            for damaged in scan::damaged_copies(text, seed as u64, 200, bytes, true) {
                assert!(one_pass_agrees(&damaged), "{damaged:.300}");
                read += usize::from(scan::whole(&damaged).is_some());
            }
        }
        assert!(
            read > 500,
            "only {read} damaged texts were read in one pass"
        );
    }

    #[test]
    fn the_one_pass_reader_leaves_to_serde_json_what_it_does_not_read_as_serde_json_would() {
        // Read in one pass, as serde_json reads them.
        for text in [
            r#"{"a":"caf\u00e9","b":"\ud83d\ude00","c":"\/\"\\\b\f\n\r\t"}"#,
            r#"[0,-1,1.5,-0,1e5,2E-3,18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809]"#,
            r#" { "a" : [ true , false , null , { } , [ ] ] } "#,
            "\t\r\n[]\n",
            r#"{"a":1,"a":2,"A":3}"#,
        ] {
            let fast = scan::whole(text).unwrap_or_else(|| panic!("not read: {text}"));
            assert_eq!(Ok(fast), parse_str_serde(text), "{text}");
        }
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        // Left to serde_json: its answer (a tree or an error) is the only one.
        for text in [
            r#"{"k\u0065y":1}"#.to_owned(),
            r#"["\ud800"]"#.to_owned(),
            r#"["\x"]"#.to_owned(),
            "[\"a\u{1}\"]".to_owned(),
            "[1e400]".to_owned(),
            "[01]".to_owned(),
            "[1,]".to_owned(),
            r#"{"a":1,}"#.to_owned(),
            "[] []".to_owned(),
            "\u{feff}[]".to_owned(),
            String::new(),
            "[".to_owned(),
            deep(101),
            deep(128),
            deep(129),
        ] {
            assert!(scan::whole(&text).is_none(), "{text:.40}");
            assert_eq!(parse_str(&text), parse_str_serde(&text), "{text:.40}");
        }
        assert!(parse_str(&deep(100)).is_ok() && parse_str(&deep(200)).is_err());
        assert!(scan::whole(&deep(100)).is_some());
    }

    fn utf16le(s: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    }

    fn utf16be(s: &str) -> Vec<u8> {
        let mut out = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            out.extend_from_slice(&u.to_be_bytes());
        }
        out
    }

    #[test]
    fn decode_owned_is_decode_without_the_copy() {
        let mut utf16le = vec![0xFF, 0xFE];
        utf16le.extend("{\"a\": \"é\"}".encode_utf16().flat_map(u16::to_le_bytes));
        let inputs: [&[u8]; 8] = [
            b"{\"a\": 1}",
            "{\"a\": \"é\"}".as_bytes(),
            b"\xEF\xBB\xBF{}",
            b"{\"a\": \"\xFF\"}",
            b"\xEF\xBB\xBF{\"a\": \"\xC3\"}",
            b"",
            b"\xFE\xFF\x00{\x00}",
            &utf16le,
        ];
        for bytes in inputs {
            assert_eq!(decode_owned(bytes.to_vec()), decode(bytes), "{bytes:?}");
        }
        // Plain UTF-8 keeps its allocation.
        let bytes = b"{\"a\": 1}".to_vec();
        let at = bytes.as_ptr();
        let text = decode_owned(bytes).unwrap();
        assert_eq!(text.as_ptr(), at);
        // An invalid byte is named at its offset, as before.
        assert!(matches!(
            decode_owned(b"{\"a\": \"\xFF\"}".to_vec()),
            Err(JsonError::Encoding {
                encoding: "UTF-8",
                offset: 7
            })
        ));
    }

    #[test]
    fn reads_utf8_with_and_without_bom() {
        let plain = parse_bytes(br#"{"a":1}"#).unwrap();
        let bom = parse_bytes(b"\xEF\xBB\xBF{\"a\":1}").unwrap();
        assert_eq!(plain, bom);
        assert_eq!(
            plain,
            Json::Object(vec![("a".into(), Json::Number(1.into()))])
        );
    }

    #[test]
    fn reads_utf16_le_and_be() {
        let text = "{\"name\":\"Zoë ✓\"}";
        let expected = Json::Object(vec![("name".into(), Json::String("Zoë ✓".into()))]);
        assert_eq!(parse_bytes(&utf16le(text)).unwrap(), expected);
        assert_eq!(parse_bytes(&utf16be(text)).unwrap(), expected);
    }

    #[test]
    fn invalid_utf16_names_offset() {
        // A lone high surrogate as the second code unit.
        let bytes = [0xFF, 0xFE, b'[', 0, 0x00, 0xD8, b']', 0];
        assert_eq!(
            parse_bytes(&bytes),
            Err(JsonError::Encoding {
                encoding: "UTF-16LE",
                offset: 4
            })
        );
        // Odd length.
        assert!(matches!(
            parse_bytes(&[0xFF, 0xFE, b'[']),
            Err(JsonError::Encoding { .. })
        ));
    }

    #[test]
    fn invalid_utf8_names_offset() {
        assert_eq!(
            parse_bytes(b"[\"a\xFF\"]"),
            Err(JsonError::Encoding {
                encoding: "UTF-8",
                offset: 3
            })
        );
    }

    #[test]
    fn second_bom_is_a_syntax_error() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(b"{}");
        assert!(matches!(
            parse_bytes(&bytes),
            Err(JsonError::Syntax { line: 1, .. })
        ));
    }

    #[test]
    fn duplicates_are_kept_for_the_reader() {
        let v = parse_str(r#"{"a":1,"a":2}"#).unwrap();
        let Json::Object(members) = v else { panic!() };
        assert_eq!(members.len(), 2);
    }

    #[test]
    fn strict_syntax() {
        for bad in [
            "{\"a\":1,}",
            "[1,]",
            "// c\n{}",
            "{'a':1}",
            "",
            "   ",
            "{\"a\":1",
        ] {
            assert!(
                matches!(parse_str(bad), Err(JsonError::Syntax { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
        assert!(parse_str(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let err = parse_str(&deep).unwrap_err();
        assert!(err.to_string().contains("recursion limit"), "{err}");
    }
}
