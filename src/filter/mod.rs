//! Filter rules: `devices.deviceFilter`, `applicationFilter` and `servicePrincipalFilter`
//! (docs/SEMANTICS.md §3.11).
//!
//! A rule is parsed once with [`FilterRule::parse`] and evaluated many times with
//! [`FilterRule::evaluate`] against any [`Attributes`] source. Evaluation does not allocate.
//!
//! # Grammar
//!
//! ```text
//! rule       := or
//! or         := and ( "-or" and )*
//! and        := not ( "-and" not )*
//! not        := "-not" not | primary
//! primary    := "(" or ")" | comparison
//! comparison := attribute operator value
//! attribute  := "device." NAME | "CustomSecurityAttribute." SET "_" NAME
//! operator   := -eq | -ne | -startsWith | -notStartsWith | -endsWith | -notEndsWith
//!             | -contains | -notContains | -in | -notIn
//! value      := STRING | "[" STRING ( "," STRING )* "]" | true | false | null
//! STRING     := '"' chars '"'    (inside, a backtick escapes a double quote: `")
//! ```
//!
//! - Keywords, operators and attribute names ignore case, and the leading `-` of operators and
//!   of `-and`, `-or`, `-not` is optional. Whitespace separates tokens; `(`, `)`, `[`, `]`, `,`
//!   and `"` also end a word.
//! - Precedence, highest first: comparison, `-not`, `-and`, `-or`.
//! - Values compare ignoring case (Unicode lowercase of both sides).
//! - Each attribute allows only some operators; `null` goes only with `-eq`/`-ne`, a list only
//!   with (and always with) `-in`/`-notIn`, and bare `true`/`false` only with
//!   `device.isCompliant` (which also accepts `"True"`/`"False"`). `-match`/`-notMatch` are
//!   rejected, as Conditional Access does not support them.
//! - [`FilterDomain::Device`] allows only `device.*` attributes;
//!   [`FilterDomain::CustomSecurityAttributes`] only `CustomSecurityAttribute.<set>_<name>`.
//! - **Null rule.** Against a missing attribute, `-eq`, `-startsWith`, `-endsWith`,
//!   `-contains` and `-in` are false and their negations are true; `-eq null` is true exactly
//!   when the attribute is missing.
//! - Limits: [`MAX_RULE_BYTES`] of input, [`MAX_DEPTH`] nested `(`/`-not`, and
//!   [`MAX_COMPARISONS`] comparisons. Parsing never panics.
//!
//! # Example
//!
//! ```
//! use jitgate::unstable::filter::{AttrValue, Attribute, Attributes, DeviceAttribute, FilterDomain, FilterRule};
//!
//! struct Device<'a> {
//!     model: &'a str,
//! }
//!
//! impl Attributes for Device<'_> {
//!     fn value(&self, attribute: &Attribute) -> AttrValue<'_> {
//!         match attribute {
//!             Attribute::Device(DeviceAttribute::Model) => AttrValue::Str(self.model),
//!             _ => AttrValue::Null,
//!         }
//!     }
//! }
//!
//! let rule = FilterRule::parse(
//!     r#"device.model -startsWith "surface" -and -not device.isCompliant -eq True"#,
//!     FilterDomain::Device,
//! )?;
//! assert!(rule.evaluate(&Device { model: "Surface Pro 9" }));
//! assert!(!rule.evaluate(&Device { model: "iPhone" }));
//! # Ok::<(), jitgate::unstable::filter::FilterError>(())
//! ```

mod ast;
mod attribute;
mod lexer;
mod operator;
mod parser;
mod text;

#[cfg(test)]
mod tests;

pub(crate) use attribute::EXTENSION_ATTRIBUTES;
pub use attribute::{AttrValue, Attribute, Attributes, DeviceAttribute};

/// The longest rule accepted, in bytes of UTF-8 (64 KiB). Longer rules are a parse error.
///
/// Entra's own limit of 3,072 characters is a validation warning handled elsewhere.
pub const MAX_RULE_BYTES: usize = 64 * 1024;

/// The deepest nesting of `(` and `-not` accepted.
pub const MAX_DEPTH: usize = 64;

/// The most comparisons a rule may hold.
///
/// Entra's 3,072-character limit leaves room for about 150 comparisons; this bound is well
/// above that and still reachable within [`MAX_RULE_BYTES`] (which fits about 3,200).
pub const MAX_COMPARISONS: usize = 2048;

/// Which attribute family a rule may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FilterDomain {
    /// Device filters (`conditions.devices.deviceFilter`): only `device.*` attributes.
    Device,
    /// Application and service-principal filters (`applicationFilter`,
    /// `servicePrincipalFilter`): only `CustomSecurityAttribute.<set>_<name>` attributes.
    CustomSecurityAttributes,
}

/// A parsed filter rule, ready to evaluate.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct FilterRule {
    /// The root of the rule tree.
    root: ast::Node,
    /// The number of comparisons in the rule.
    comparisons: usize,
}

impl FilterRule {
    /// Parses `rule`, allowing the attributes of `domain`.
    ///
    /// # Errors
    ///
    /// A [`FilterError`] giving the offset (in chars) where the rule stops making sense: a
    /// syntax error, an unknown attribute or one of the other domain, an operator the attribute
    /// does not support, a value the operator does not take, or a limit exceeded.
    pub fn parse(rule: &str, domain: FilterDomain) -> Result<FilterRule, FilterError> {
        let parsed = parser::parse(rule, domain)?;
        Ok(FilterRule {
            root: parsed.root,
            comparisons: parsed.comparisons,
        })
    }

    /// Whether the rule holds for `attrs`, with Entra's null rule. Does not allocate.
    #[must_use]
    pub fn evaluate(&self, attrs: &dyn Attributes) -> bool {
        self.root.evaluate(attrs)
    }

    /// The attributes the rule reads, each once, in rule order.
    #[must_use]
    pub fn attributes(&self) -> Vec<&Attribute> {
        let mut out = Vec::new();
        self.root.attributes(&mut out);
        out
    }

    /// Every (attribute, literal) pair the rule compares, in rule order: the values that can
    /// change a comparison's truth, which condition-space analysis tries as witnesses.
    #[must_use]
    pub fn literals(&self) -> Vec<(&Attribute, &str)> {
        let mut out = Vec::new();
        self.root.literals(&mut out);
        out
    }

    /// Each comparison's attribute and truth against `attributes`, in rule order: two values
    /// of an attribute that give every comparison on it the same truth are alike to the rule.
    #[must_use]
    pub fn comparison_truths(&self, attributes: &dyn Attributes) -> Vec<(&Attribute, bool)> {
        let mut out = Vec::new();
        self.root.comparison_truths(attributes, &mut out);
        out
    }

    /// The number of comparisons in the rule.
    #[must_use]
    pub fn comparisons(&self) -> usize {
        self.comparisons
    }
}

/// Why a filter rule could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at character {offset}: {message}")]
pub struct FilterError {
    /// Where parsing failed: a 0-based offset in chars (Unicode scalar values) into the rule.
    pub offset: usize,
    /// What was wrong, in a sentence.
    pub message: String,
}

impl FilterError {
    /// An error at `offset` (in chars).
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        Self {
            offset,
            message: message.into(),
        }
    }
}
