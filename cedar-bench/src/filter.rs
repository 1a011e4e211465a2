//! Device filter rules (docs/SEMANTICS.md §3.11) translated to Cedar expressions over `context.device`.
//!
//! jitgate keeps its parsed rule tree private, so this module reads the rule text again. The
//! tenant was loaded by jitgate, so every rule here has already passed jitgate's parser; this
//! reader only has to follow the same grammar, not report good errors.
//!
//! Entra compares values ignoring case. Cedar has no lower-casing, so the translation lower-cases
//! every literal here and [`crate::device_record`] lower-cases every attribute value of the request
//! with the same mapping ([`fold`]). The null rule becomes `has` checks: a positive operator on a
//! missing attribute is false, a negative one is true, `-eq null` holds exactly when it is missing.

use crate::{Unsupported, X, one_of, q};

/// Lower-cases like jitgate's filter comparisons (`char::to_lowercase`, one char at a time).
pub fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// How a device attribute is held in `context.device`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A lower-cased string.
    Text,
    /// `isCompliant`, a Bool.
    Bool,
    /// `physicalIds` and `systemLabels`, sets of lower-cased strings.
    List,
}

/// The Cedar record key and kind of a filter attribute (`device.<name>`, any case).
fn attribute(name: &str) -> Option<(String, Kind)> {
    let lower = name.to_ascii_lowercase();
    let rest = lower.strip_prefix("device.")?;
    let text = |key: &str| Some((key.to_owned(), Kind::Text));
    match rest {
        "deviceid" => text("deviceId"),
        "displayname" => text("displayName"),
        "enrollmentprofilename" => text("enrollmentProfileName"),
        "iscompliant" => Some(("isCompliant".to_owned(), Kind::Bool)),
        "manufacturer" => text("manufacturer"),
        "mdmappid" => text("mdmAppId"),
        "model" => text("model"),
        "operatingsystem" => text("operatingSystem"),
        "operatingsystemversion" => text("operatingSystemVersion"),
        "deviceownership" => text("deviceOwnership"),
        "physicalids" => Some(("physicalIds".to_owned(), Kind::List)),
        "profiletype" => text("profileType"),
        "systemlabels" => Some(("systemLabels".to_owned(), Kind::List)),
        "trusttype" => text("trustType"),
        other => {
            let n: u8 = other.strip_prefix("extensionattribute")?.parse().ok()?;
            (1..=15)
                .contains(&n)
                .then(|| (format!("extensionAttribute{n}"), Kind::Text))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    OpenList,
    CloseList,
    Comma,
    Str(String),
    Word(String),
}

fn tokens(rule: &str) -> Result<Vec<Token>, Unsupported> {
    let mut out = Vec::new();
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '[' => out.push(Token::OpenList),
            ']' => out.push(Token::CloseList),
            ',' => out.push(Token::Comma),
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => {
                            return Err(Unsupported::new(format!(
                                "unterminated string in {rule:?}"
                            )));
                        }
                        Some('`') if chars.peek() == Some(&'"') => {
                            chars.next();
                            s.push('"');
                        }
                        Some('"') => break,
                        Some(c) => s.push(c),
                    }
                }
                out.push(Token::Str(s));
            }
            c => {
                let mut w = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || matches!(n, '(' | ')' | '[' | ']' | ',' | '"') {
                        break;
                    }
                    w.push(n);
                    chars.next();
                }
                out.push(Token::Word(w));
            }
        }
    }
    Ok(out)
}

/// A keyword or operator word without its optional leading `-`, lower-cased.
fn word(t: Option<&Token>) -> Option<String> {
    match t {
        Some(Token::Word(w)) => Some(w.trim_start_matches('-').to_ascii_lowercase()),
        _ => None,
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn or(&mut self) -> Result<X, Unsupported> {
        let mut items = vec![self.and()?];
        while word(self.peek()).as_deref() == Some("or") {
            self.at += 1;
            items.push(self.and()?);
        }
        Ok(X::any(items))
    }

    fn and(&mut self) -> Result<X, Unsupported> {
        let mut items = vec![self.not()?];
        while word(self.peek()).as_deref() == Some("and") {
            self.at += 1;
            items.push(self.not()?);
        }
        Ok(X::all(items))
    }

    fn not(&mut self) -> Result<X, Unsupported> {
        if word(self.peek()).as_deref() == Some("not") {
            self.at += 1;
            return Ok(self.not()?.not());
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            if self.next() != Some(Token::Close) {
                return Err(Unsupported::new("missing ) in a device filter"));
            }
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<X, Unsupported> {
        let Some(Token::Word(name)) = self.next() else {
            return Err(Unsupported::new("expected a device attribute"));
        };
        let (key, kind) = attribute(&name).ok_or_else(|| {
            Unsupported::new(format!("filter attribute {name} has no Cedar translation"))
        })?;
        let op =
            word(self.next().as_ref()).ok_or_else(|| Unsupported::new("expected an operator"))?;
        let value = match self.next() {
            Some(Token::Str(s)) => Value::Text(fold(&s)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Value::Null,
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") =>
            {
                Value::Text(w.to_ascii_lowercase())
            }
            Some(Token::OpenList) => {
                let mut items = Vec::new();
                loop {
                    match self.next() {
                        Some(Token::Str(s)) => items.push(fold(&s)),
                        Some(Token::Comma) => {}
                        Some(Token::CloseList) => break,
                        _ => return Err(Unsupported::new("bad list in a device filter")),
                    }
                }
                Value::List(items)
            }
            _ => return Err(Unsupported::new("expected a value")),
        };
        comparison(&key, kind, &op, &value)
    }
}

enum Value {
    Null,
    Text(String),
    List(Vec<String>),
}

/// Escapes a lower-cased literal for a Cedar `like` pattern (`*` is the wildcard there).
fn like_body(s: &str) -> String {
    let quoted = q(s);
    let inner = quoted
        .get(1..quoted.len().saturating_sub(1))
        .unwrap_or_default();
    inner.replace('*', "\\*")
}

fn comparison(key: &str, kind: Kind, op: &str, value: &Value) -> Result<X, Unsupported> {
    let attr = format!("context.device.{key}");
    let has = X::leaf(format!("context.device has {key}"));
    let (negative, positive_op) = match op {
        "eq" => (false, "eq"),
        "ne" => (true, "eq"),
        "startswith" => (false, "startswith"),
        "notstartswith" => (true, "startswith"),
        "endswith" => (false, "endswith"),
        "notendswith" => (true, "endswith"),
        "contains" => (false, "contains"),
        "notcontains" => (true, "contains"),
        "in" => (false, "in"),
        "notin" => (true, "in"),
        other => {
            return Err(Unsupported::new(format!(
                "filter operator -{other} has no Cedar translation"
            )));
        }
    };
    let positive = match (kind, positive_op, value) {
        (_, "eq", Value::Null) => {
            // `-eq null` holds exactly when the attribute is missing; `-ne null` is its negation.
            let missing = has.not();
            return Ok(if negative { missing.not() } else { missing });
        }
        (Kind::Text, "eq", Value::Text(v)) => X::leaf(format!("{attr} == {}", q(v))),
        (Kind::Text, "startswith", Value::Text(v)) => {
            X::leaf(format!("{attr} like \"{}*\"", like_body(v)))
        }
        (Kind::Text, "endswith", Value::Text(v)) => {
            X::leaf(format!("{attr} like \"*{}\"", like_body(v)))
        }
        (Kind::Text, "contains", Value::Text(v)) => {
            X::leaf(format!("{attr} like \"*{}*\"", like_body(v)))
        }
        (Kind::Text, "in", Value::List(items)) => one_of(items.iter().map(String::as_str), &attr),
        (Kind::Bool, "eq", Value::Text(v)) if v == "true" || v == "false" => {
            X::leaf(format!("{attr} == {v}"))
        }
        (Kind::List, "contains", Value::Text(v)) => X::leaf(format!("{attr}.contains({})", q(v))),
        _ => {
            return Err(Unsupported::new(format!(
                "filter operator -{op} on device.{key} has no Cedar translation here"
            )));
        }
    };
    // Null rule: positive operators are false on a missing attribute, negative ones true.
    Ok(if negative {
        X::any(vec![has.clone().not(), positive.not()])
    } else {
        X::all(vec![has, positive])
    })
}

/// Translates a device filter rule to a Cedar expression over `context.device`.
pub fn translate(rule: &str) -> Result<X, Unsupported> {
    let mut p = Parser {
        tokens: tokens(rule)?,
        at: 0,
    };
    let x = p.or()?;
    if p.at != p.tokens.len() {
        return Err(Unsupported::new(format!(
            "trailing input in device filter {rule:?}"
        )));
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_rule_translates_with_the_null_rule() {
        let x = translate(
            r#"device.extensionAttribute1 -eq "PAW" -or device.trustType -eq "ServerAD""#,
        );
        assert_eq!(
            x,
            Ok(X::E(
                "(((context.device has extensionAttribute1) && (context.device.extensionAttribute1 == \"paw\")) || ((context.device has trustType) && (context.device.trustType == \"serverad\")))".to_owned()
            ))
        );
    }

    #[test]
    fn negative_operators_hold_on_missing_attributes() {
        let x = translate(
            r#"-not (device.model -notStartsWith "Surf*" -and device.isCompliant -eq True)"#,
        );
        assert_eq!(
            x,
            Ok(X::E(
                "(!(((!(context.device has model)) || (!(context.device.model like \"surf\\**\"))) && ((context.device has isCompliant) && (context.device.isCompliant == true))))".to_owned()
            ))
        );
    }
}
