//! The parsed form of a rule, and its evaluation.
//!
//! `-and` and `-or` chains are n-ary nodes, so the tree is only as deep as the rule's nesting of
//! parentheses and `-not`, which the parser bounds; evaluating it by recursion is therefore safe.

use super::attribute::{AttrValue, Attribute, Attributes};
use super::operator::Operator;
use super::text::{self, Literal};

/// The right-hand side of a comparison.
#[derive(Clone, Debug, PartialEq, Hash)]
pub(super) enum Value {
    /// `null` (only with `-eq` / `-ne`).
    Null,
    /// A quoted string, or `True` / `False` for `isCompliant`.
    Text(Literal),
    /// A bracketed list (only with `-in` / `-notIn`).
    List(Vec<Literal>),
}

/// One `attribute operator value` comparison.
#[derive(Clone, Debug, PartialEq, Hash)]
pub(super) struct Comparison {
    /// The attribute compared.
    pub(super) attribute: Attribute,
    /// The operator.
    pub(super) operator: Operator,
    /// The value compared against.
    pub(super) value: Value,
}

/// A node of the rule tree.
#[derive(Clone, Debug, PartialEq, Hash)]
pub(super) enum Node {
    /// True when any child is true (two or more children).
    Or(Vec<Node>),
    /// True when every child is true (two or more children).
    And(Vec<Node>),
    /// `-not`.
    Not(Box<Node>),
    /// A comparison.
    Compare(Comparison),
}

impl Node {
    /// Adds the attributes the node compares to `out` (each once).
    pub(super) fn attributes<'a>(&'a self, out: &mut Vec<&'a Attribute>) {
        match self {
            Self::Or(children) | Self::And(children) => {
                for child in children {
                    child.attributes(out);
                }
            }
            Self::Not(child) => child.attributes(out),
            Self::Compare(comparison) => {
                if !out.contains(&&comparison.attribute) {
                    out.push(&comparison.attribute);
                }
            }
        }
    }

    /// Adds each (attribute, literal) pair the node compares, in rule order.
    pub(super) fn literals<'a>(&'a self, out: &mut Vec<(&'a Attribute, &'a str)>) {
        match self {
            Self::Or(children) | Self::And(children) => {
                for child in children {
                    child.literals(out);
                }
            }
            Self::Not(child) => child.literals(out),
            Self::Compare(comparison) => match &comparison.value {
                Value::Null => {}
                Value::Text(l) => out.push((&comparison.attribute, &l.text)),
                Value::List(list) => {
                    out.extend(
                        list.iter()
                            .map(|l| (&comparison.attribute, l.text.as_str())),
                    );
                }
            },
        }
    }

    /// Adds each comparison's attribute and truth against `attributes`, in rule order.
    pub(super) fn comparison_truths<'a>(
        &'a self,
        attributes: &dyn Attributes,
        out: &mut Vec<(&'a Attribute, bool)>,
    ) {
        match self {
            Self::Or(children) | Self::And(children) => {
                for child in children {
                    child.comparison_truths(attributes, out);
                }
            }
            Self::Not(child) => child.comparison_truths(attributes, out),
            Self::Compare(comparison) => {
                out.push((&comparison.attribute, comparison.evaluate(attributes)));
            }
        }
    }

    /// Evaluates the node; does not allocate.
    pub(super) fn evaluate(&self, attributes: &dyn Attributes) -> bool {
        match self {
            Self::Or(children) => children.iter().any(|child| child.evaluate(attributes)),
            Self::And(children) => children.iter().all(|child| child.evaluate(attributes)),
            Self::Not(child) => !child.evaluate(attributes),
            Self::Compare(comparison) => comparison.evaluate(attributes),
        }
    }
}

impl Comparison {
    /// Evaluates the comparison with Entra's null rule.
    pub(super) fn evaluate(&self, attributes: &dyn Attributes) -> bool {
        let actual = attributes.value(&self.attribute);
        let negative = self.operator.is_negative();
        if let Value::Null = self.value {
            // `-eq null` holds exactly when the attribute is null; `-ne null` is its negation.
            return actual.is_null() != negative;
        }
        if actual.is_null() {
            return negative;
        }
        self.holds_positively(actual) != negative
    }

    /// The result of the positive form of the operator on a non-null value.
    fn holds_positively(&self, actual: AttrValue<'_>) -> bool {
        match (self.operator, &self.value) {
            (Operator::Eq | Operator::Ne, Value::Text(literal)) => {
                any_text(actual, |value| text::equals(value, literal))
            }
            (Operator::StartsWith | Operator::NotStartsWith, Value::Text(literal)) => {
                any_text(actual, |value| text::starts_with(value, literal))
            }
            (Operator::EndsWith | Operator::NotEndsWith, Value::Text(literal)) => {
                any_text(actual, |value| text::ends_with(value, literal))
            }
            (Operator::Contains | Operator::NotContains, Value::Text(literal)) => match actual {
                // On a collection, `-contains` asks for an element equal to the value.
                AttrValue::List(items) => items.iter().any(|item| text::equals(item, literal)),
                AttrValue::Str(value) => text::contains(value, literal),
                AttrValue::Bool(flag) => text::contains(bool_text(flag), literal),
                AttrValue::Null => false,
            },
            (Operator::In | Operator::NotIn, Value::List(literals)) => any_text(actual, |value| {
                literals.iter().any(|literal| text::equals(value, literal))
            }),
            // The parser never pairs an operator with the wrong kind of value.
            _ => false,
        }
    }
}

/// The text a boolean value compares as.
fn bool_text(flag: bool) -> &'static str {
    if flag { "true" } else { "false" }
}

/// Whether `test` holds for the value, or for some element of a collection.
fn any_text(actual: AttrValue<'_>, test: impl Fn(&str) -> bool) -> bool {
    match actual {
        AttrValue::Null => false,
        AttrValue::Str(value) => test(value),
        AttrValue::Bool(flag) => test(bool_text(flag)),
        AttrValue::List(items) => items.iter().any(|item| test(item)),
    }
}
