//! Splits a rule into tokens, each with its offset in chars.

use super::FilterError;

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum TokenKind<'a> {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// A double-quoted string, escapes resolved.
    Str(String),
    /// Anything else up to whitespace or punctuation: attributes, operators, keywords.
    Word(&'a str),
}

/// A token and the offset (in chars) where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Token<'a> {
    /// What the token is.
    pub(super) kind: TokenKind<'a>,
    /// Offset of its first char, in chars from the start of the rule.
    pub(super) offset: usize,
}

/// The tokens of a rule and the rule's length in chars.
pub(super) struct Tokens<'a> {
    /// The tokens, in order.
    pub(super) tokens: Vec<Token<'a>>,
    /// The rule's length in chars: the offset of "end of rule".
    pub(super) end: usize,
}

/// Whether `c` ends a word.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',' | '"')
}

/// Splits `rule` into tokens.
///
/// Whitespace separates tokens; parentheses, brackets, commas and quotes also end a word.
/// Inside a string a backtick followed by `"` is a literal `"`; any other backtick is kept.
pub(super) fn tokenize(rule: &str) -> Result<Tokens<'_>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = rule.char_indices().peekable();
    let mut offset = 0usize;
    while let Some(&(start_byte, c)) = chars.peek() {
        let start = offset;
        chars.next();
        offset += 1;
        let kind = match c {
            c if c.is_whitespace() => continue,
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            '[' => TokenKind::LBracket,
            ']' => TokenKind::RBracket,
            ',' => TokenKind::Comma,
            '"' => {
                let mut text = String::new();
                loop {
                    let Some((_, c)) = chars.next() else {
                        return Err(FilterError::new(
                            start,
                            "unterminated string: the \" that starts here has no closing \"",
                        ));
                    };
                    offset += 1;
                    match c {
                        '"' => break,
                        '`' if chars.peek().is_some_and(|&(_, next)| next == '"') => {
                            chars.next();
                            offset += 1;
                            text.push('"');
                        }
                        other => text.push(other),
                    }
                }
                TokenKind::Str(text)
            }
            first => {
                let mut end_byte = start_byte + first.len_utf8();
                while let Some(&(byte, c)) = chars.peek() {
                    if ends_word(c) {
                        break;
                    }
                    chars.next();
                    offset += 1;
                    end_byte = byte + c.len_utf8();
                }
                TokenKind::Word(rule.get(start_byte..end_byte).unwrap_or_default())
            }
        };
        tokens.push(Token {
            kind,
            offset: start,
        });
    }
    Ok(Tokens {
        tokens,
        end: offset,
    })
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

    fn kinds(rule: &str) -> Vec<(TokenKind<'_>, usize)> {
        tokenize(rule)
            .unwrap()
            .tokens
            .into_iter()
            .map(|t| (t.kind, t.offset))
            .collect()
    }

    #[test]
    fn words_strings_and_punctuation() {
        assert_eq!(
            kinds(r#"(device.model -in ["a","b`"c"])"#),
            vec![
                (TokenKind::LParen, 0),
                (TokenKind::Word("device.model"), 1),
                (TokenKind::Word("-in"), 14),
                (TokenKind::LBracket, 18),
                (TokenKind::Str("a".into()), 19),
                (TokenKind::Comma, 22),
                (TokenKind::Str("b\"c".into()), 23),
                (TokenKind::RBracket, 29),
                (TokenKind::RParen, 30),
            ]
        );
    }

    #[test]
    fn offsets_count_chars_not_bytes() {
        let t = kinds("\"日本\" é x");
        assert_eq!(
            t,
            vec![
                (TokenKind::Str("日本".into()), 0),
                (TokenKind::Word("é"), 5),
                (TokenKind::Word("x"), 7),
            ]
        );
        assert_eq!(tokenize("\"日本\" é x").unwrap().end, 8);
    }

    #[test]
    fn backticks() {
        assert_eq!(kinds("\"a`b\""), vec![(TokenKind::Str("a`b".into()), 0)]);
        assert_eq!(kinds("\"``\"\""), vec![(TokenKind::Str("`\"".into()), 0)]);
        assert_eq!(tokenize("\"abc`\"").err().unwrap().offset, 0);
    }

    #[test]
    fn unterminated_string() {
        let error = tokenize("device.model -eq  \"abc").err().unwrap();
        assert_eq!(error.offset, 18);
        assert!(error.message.contains("unterminated string"));
    }
}
