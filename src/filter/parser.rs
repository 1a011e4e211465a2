//! Recursive-descent parser from tokens to the rule tree.
//!
//! Recursion happens only at `(` and `-not`, and both count against [`MAX_DEPTH`], so hostile
//! input cannot exhaust the stack.

use super::ast::{Comparison, Node, Value};
use super::attribute::{Attribute, DeviceAttribute, strip_prefix_ignore_ascii_case};
use super::lexer::{Token, TokenKind, Tokens, tokenize};
use super::operator::Operator;
use super::text::Literal;
use super::{FilterDomain, FilterError, MAX_COMPARISONS, MAX_DEPTH, MAX_RULE_BYTES};

/// A parsed rule: its tree and how many comparisons it holds.
pub(super) struct Parsed {
    /// The root of the tree.
    pub(super) root: Node,
    /// The number of comparisons.
    pub(super) comparisons: usize,
}

/// Parses `rule` for `domain`.
pub(super) fn parse(rule: &str, domain: FilterDomain) -> Result<Parsed, FilterError> {
    if rule.len() > MAX_RULE_BYTES {
        let offset = rule
            .char_indices()
            .take_while(|&(byte, c)| byte + c.len_utf8() <= MAX_RULE_BYTES)
            .count();
        return Err(FilterError::new(
            offset,
            format!(
                "the rule is {} bytes long, more than the limit of {MAX_RULE_BYTES} bytes",
                rule.len()
            ),
        ));
    }
    let Tokens { tokens, end } = tokenize(rule)?;
    if tokens.is_empty() {
        return Err(FilterError::new(0, "the rule is empty"));
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        end,
        domain,
        depth: 0,
        comparisons: 0,
    };
    let root = parser.parse_or()?;
    if let Some(token) = parser.peek() {
        let message = if token.kind == TokenKind::RParen {
            "unmatched \")\"".to_owned()
        } else {
            format!(
                "expected -and, -or or end of rule, found {}",
                parser.found()
            )
        };
        return Err(parser.error(message));
    }
    Ok(Parsed {
        root,
        comparisons: parser.comparisons,
    })
}

/// A keyword: a logical operator or a comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    /// `-and`
    And,
    /// `-or`
    Or,
    /// `-not`
    Not,
    /// A supported comparison operator.
    Operator(Operator),
    /// `-match` or `-notMatch` (spelling with hyphen), which CA does not support.
    Unsupported(&'static str),
}

/// The keyword `word` spells, ignoring ASCII case and one optional leading `-`.
fn keyword(word: &str) -> Option<Keyword> {
    let bare = word.strip_prefix('-').unwrap_or(word);
    let is = |name: &str| {
        name.strip_prefix('-')
            .unwrap_or(name)
            .eq_ignore_ascii_case(bare)
    };
    if is("and") {
        Some(Keyword::And)
    } else if is("or") {
        Some(Keyword::Or)
    } else if is("not") {
        Some(Keyword::Not)
    } else if let Some(operator) = Operator::ALL.iter().find(|op| is(op.name())) {
        Some(Keyword::Operator(*operator))
    } else {
        ["-match", "-notMatch"]
            .into_iter()
            .find(|name| is(name))
            .map(Keyword::Unsupported)
    }
}

/// Parses `true` / `false`, ignoring ASCII case.
fn boolean(word: &str) -> Option<bool> {
    if word.eq_ignore_ascii_case("true") {
        Some(true)
    } else if word.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// The canonical spelling of an `isCompliant` value.
fn boolean_name(flag: bool) -> &'static str {
    if flag { "True" } else { "False" }
}

/// Longest text quoted in an error message, in chars.
const QUOTE_LIMIT: usize = 40;

/// `text` in double quotes, shortened to [`QUOTE_LIMIT`] chars.
fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(QUOTE_LIMIT).collect();
    let ellipsis = if chars.next().is_some() { "…" } else { "" };
    format!("\"{head}{ellipsis}\"")
}

/// Describes a token (or the end of the rule) for "found …" in messages.
fn describe(token: Option<&Token<'_>>) -> String {
    let Some(token) = token else {
        return "end of rule".to_owned();
    };
    match &token.kind {
        TokenKind::LParen => "\"(\"".to_owned(),
        TokenKind::RParen => "\")\"".to_owned(),
        TokenKind::LBracket => "\"[\"".to_owned(),
        TokenKind::RBracket => "\"]\"".to_owned(),
        TokenKind::Comma => "\",\"".to_owned(),
        TokenKind::Str(text) => format!("the string {}", quote(text)),
        TokenKind::Word(word) => quote(word),
    }
}

/// Parser state.
struct Parser<'a> {
    /// The rule's tokens.
    tokens: Vec<Token<'a>>,
    /// Index of the next token.
    pos: usize,
    /// Offset of the end of the rule, in chars.
    end: usize,
    /// Which attribute family is allowed.
    domain: FilterDomain,
    /// Current nesting of `(` and `-not`.
    depth: usize,
    /// Comparisons parsed so far.
    comparisons: usize,
}

impl<'a> Parser<'a> {
    /// The next token, if any.
    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.pos)
    }

    /// The kind of the next token, if any.
    fn peek_kind(&self) -> Option<&TokenKind<'a>> {
        self.peek().map(|token| &token.kind)
    }

    /// The keyword the next token spells, if any.
    fn peek_keyword(&self) -> Option<Keyword> {
        match self.peek_kind() {
            Some(TokenKind::Word(word)) => keyword(word),
            _ => None,
        }
    }

    /// Moves past the next token.
    fn advance(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    /// Offset of the next token, or of the end of the rule.
    fn offset(&self) -> usize {
        self.peek().map_or(self.end, |token| token.offset)
    }

    /// Describes the next token for "found …".
    fn found(&self) -> String {
        describe(self.peek())
    }

    /// An error at the next token.
    fn error(&self, message: impl Into<String>) -> FilterError {
        FilterError::new(self.offset(), message)
    }

    /// What a comparison looks like in this domain, for messages.
    fn expected_comparison(&self) -> &'static str {
        match self.domain {
            FilterDomain::Device => "a comparison such as device.model -eq \"value\", or \"(\"",
            FilterDomain::CustomSecurityAttributes => {
                "a comparison such as CustomSecurityAttribute.Set_Name -eq \"value\", or \"(\""
            }
        }
    }

    /// Enters a `(` or `-not`, enforcing [`MAX_DEPTH`].
    fn enter(&mut self) -> Result<(), FilterError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!(
                "the rule nests parentheses and -not more than {MAX_DEPTH} levels deep"
            )));
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves a `(` or `-not`.
    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `or := and ( "-or" and )*`
    fn parse_or(&mut self) -> Result<Node, FilterError> {
        let first = self.parse_and()?;
        if self.peek_keyword() != Some(Keyword::Or) {
            return Ok(first);
        }
        let mut children = vec![first];
        while self.peek_keyword() == Some(Keyword::Or) {
            self.advance();
            children.push(self.parse_and()?);
        }
        Ok(Node::Or(children))
    }

    /// `and := not ( "-and" not )*`
    fn parse_and(&mut self) -> Result<Node, FilterError> {
        let first = self.parse_not()?;
        if self.peek_keyword() != Some(Keyword::And) {
            return Ok(first);
        }
        let mut children = vec![first];
        while self.peek_keyword() == Some(Keyword::And) {
            self.advance();
            children.push(self.parse_not()?);
        }
        Ok(Node::And(children))
    }

    /// `not := "-not" not | primary`
    fn parse_not(&mut self) -> Result<Node, FilterError> {
        if self.peek_keyword() != Some(Keyword::Not) {
            return self.parse_primary();
        }
        self.enter()?;
        self.advance();
        let operand = self.parse_not()?;
        self.leave();
        Ok(Node::Not(Box::new(operand)))
    }

    /// `primary := "(" or ")" | comparison`
    fn parse_primary(&mut self) -> Result<Node, FilterError> {
        match self.peek_kind() {
            Some(TokenKind::LParen) => {
                let open = self.offset();
                self.enter()?;
                self.advance();
                let inner = self.parse_or()?;
                if self.peek_kind() != Some(&TokenKind::RParen) {
                    return Err(self.error(format!(
                        "expected -and, -or or \")\" to close the \"(\" at character {open}, found {}",
                        self.found()
                    )));
                }
                self.advance();
                self.leave();
                Ok(inner)
            }
            Some(TokenKind::Word(word)) if keyword(word).is_none() => {
                let word = *word;
                self.parse_comparison(word)
            }
            _ => Err(self.error(format!(
                "expected {}, found {}",
                self.expected_comparison(),
                self.found()
            ))),
        }
    }

    /// `comparison := attribute operator value`, with `word` the attribute token.
    fn parse_comparison(&mut self, word: &str) -> Result<Node, FilterError> {
        let attribute = self.parse_attribute(word)?;
        if self.comparisons >= MAX_COMPARISONS {
            return Err(self.error(format!(
                "the rule has more than {MAX_COMPARISONS} comparisons"
            )));
        }
        self.comparisons += 1;
        self.advance();

        let operator = match self.peek_keyword() {
            Some(Keyword::Operator(operator)) => operator,
            Some(Keyword::Unsupported(name)) => {
                return Err(self.error(format!(
                    "{name} is not supported in Conditional Access filters"
                )));
            }
            _ => {
                return Err(self.error(format!(
                    "expected an operator after {}, found {}",
                    quote(word),
                    self.found()
                )));
            }
        };
        let allowed = attribute.operators();
        if !allowed.contains(&operator) {
            let names: Vec<&str> = allowed.iter().map(|op| op.name()).collect();
            return Err(self.error(format!(
                "operator {} is not supported for {attribute} (supported: {})",
                operator.name(),
                names.join(", ")
            )));
        }
        self.advance();

        let value = self.parse_value(&attribute, operator)?;
        Ok(Node::Compare(Comparison {
            attribute,
            operator,
            value,
        }))
    }

    /// Resolves the attribute token `word` (the next token) for this domain.
    fn parse_attribute(&self, word: &str) -> Result<Attribute, FilterError> {
        if let Some(name) = strip_prefix_ignore_ascii_case(word, "device.") {
            if self.domain != FilterDomain::Device {
                return Err(self.error(format!(
                    "device attributes such as {} are not allowed in an application or service \
                     principal filter; use CustomSecurityAttribute.<set>_<name>",
                    quote(word)
                )));
            }
            return DeviceAttribute::from_name(name)
                .map(Attribute::Device)
                .ok_or_else(|| self.error(format!("unknown device attribute {}", quote(word))));
        }
        if let Some(rest) = strip_prefix_ignore_ascii_case(word, "CustomSecurityAttribute.") {
            if self.domain != FilterDomain::CustomSecurityAttributes {
                return Err(self.error(format!(
                    "custom security attributes such as {} are not allowed in a device filter; \
                     use device.* attributes",
                    quote(word)
                )));
            }
            let valid = |set: &str, name: &str| {
                !set.is_empty()
                    && !name.is_empty()
                    && set.chars().all(char::is_alphanumeric)
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            };
            return match rest.split_once('_') {
                Some((set, name)) if valid(set, name) => Ok(Attribute::Custom {
                    set: set.to_owned(),
                    name: name.to_owned(),
                }),
                _ => Err(self.error(format!(
                    "expected a custom security attribute of the form \
                     CustomSecurityAttribute.<set>_<name> (letters and digits, set and name not \
                     empty), found {}",
                    quote(word)
                ))),
            };
        }
        Err(self.error(format!(
            "expected {}, found {}",
            self.expected_comparison(),
            quote(word)
        )))
    }

    /// `value := STRING | "[" STRING ( "," STRING )* "]" | true | false | null`, checked
    /// against the attribute and operator.
    fn parse_value(
        &mut self,
        attribute: &Attribute,
        operator: Operator,
    ) -> Result<Value, FilterError> {
        let after = operator.name();
        match self.peek_kind() {
            Some(TokenKind::LBracket) if operator.takes_list() => {
                self.advance();
                self.parse_list(after).map(Value::List)
            }
            Some(TokenKind::LBracket) => Err(self.error(format!(
                "a list can only be used with -in or -notIn, not with {after}"
            ))),
            _ if operator.takes_list() => Err(self.error(format!(
                "expected a list of quoted strings such as [\"a\", \"b\"] after {after}, found {}",
                self.found()
            ))),
            Some(TokenKind::Str(text)) => {
                let literal = if *attribute == Attribute::Device(DeviceAttribute::IsCompliant) {
                    let Some(flag) = boolean(text) else {
                        return Err(self.error(format!(
                            "device.isCompliant can only be compared with True, False or null, \
                             found {}",
                            self.found()
                        )));
                    };
                    Literal::new(boolean_name(flag))
                } else {
                    Literal::new(text.as_str())
                };
                self.advance();
                Ok(Value::Text(literal))
            }
            Some(TokenKind::Word(word)) if word.eq_ignore_ascii_case("null") => {
                if !matches!(operator, Operator::Eq | Operator::Ne) {
                    return Err(self.error(format!(
                        "null can only be compared with -eq or -ne, not with {after}"
                    )));
                }
                self.advance();
                Ok(Value::Null)
            }
            Some(TokenKind::Word(word)) if boolean(word).is_some() => {
                let flag = boolean(word).unwrap_or_default();
                if *attribute != Attribute::Device(DeviceAttribute::IsCompliant) {
                    return Err(self.error(format!(
                        "{} without quotes can only be compared with device.isCompliant; quote \
                         the value to compare it as text with {attribute}",
                        quote(word)
                    )));
                }
                self.advance();
                Ok(Value::Text(Literal::new(boolean_name(flag))))
            }
            Some(TokenKind::Word(word)) if keyword(word).is_none() => Err(self.error(format!(
                "expected a value after {after} (a quoted string, true, false or null), found {} \
                 (strings must be in double quotes)",
                quote(word)
            ))),
            _ => Err(self.error(format!(
                "expected a value after {after} (a quoted string, true, false or null), found {}",
                self.found()
            ))),
        }
    }

    /// The rest of a list after its `[`: `STRING ( "," STRING )* "]"`.
    fn parse_list(&mut self, after: &str) -> Result<Vec<Literal>, FilterError> {
        let mut items = Vec::new();
        loop {
            match self.peek_kind() {
                Some(TokenKind::Str(text)) => {
                    items.push(Literal::new(text.as_str()));
                    self.advance();
                }
                Some(TokenKind::RBracket) if items.is_empty() => {
                    return Err(self.error(format!(
                        "empty list: {after} needs at least one quoted string"
                    )));
                }
                _ => {
                    return Err(self.error(format!(
                        "expected a quoted string in the list, found {}",
                        self.found()
                    )));
                }
            }
            match self.peek_kind() {
                Some(TokenKind::Comma) => self.advance(),
                Some(TokenKind::RBracket) => {
                    self.advance();
                    return Ok(items);
                }
                _ => {
                    return Err(self.error(format!(
                        "expected \",\" or \"]\" in the list, found {}",
                        self.found()
                    )));
                }
            }
        }
    }
}
