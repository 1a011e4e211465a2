//! The comparison operators of the rule language.

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Operator {
    /// `-eq`
    Eq,
    /// `-ne`
    Ne,
    /// `-startsWith`
    StartsWith,
    /// `-notStartsWith`
    NotStartsWith,
    /// `-endsWith`
    EndsWith,
    /// `-notEndsWith`
    NotEndsWith,
    /// `-contains`
    Contains,
    /// `-notContains`
    NotContains,
    /// `-in`
    In,
    /// `-notIn`
    NotIn,
}

impl Operator {
    /// Every operator, in the order the grammar lists them.
    pub(super) const ALL: &'static [Operator] = &[
        Self::Eq,
        Self::Ne,
        Self::StartsWith,
        Self::NotStartsWith,
        Self::EndsWith,
        Self::NotEndsWith,
        Self::Contains,
        Self::NotContains,
        Self::In,
        Self::NotIn,
    ];

    /// The operator's spelling, with its hyphen.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Eq => "-eq",
            Self::Ne => "-ne",
            Self::StartsWith => "-startsWith",
            Self::NotStartsWith => "-notStartsWith",
            Self::EndsWith => "-endsWith",
            Self::NotEndsWith => "-notEndsWith",
            Self::Contains => "-contains",
            Self::NotContains => "-notContains",
            Self::In => "-in",
            Self::NotIn => "-notIn",
        }
    }

    /// Whether this is a negative operator (true against null).
    pub(super) fn is_negative(self) -> bool {
        matches!(
            self,
            Self::Ne | Self::NotStartsWith | Self::NotEndsWith | Self::NotContains | Self::NotIn
        )
    }

    /// Whether the operator takes a bracketed list.
    pub(super) fn takes_list(self) -> bool {
        matches!(self, Self::In | Self::NotIn)
    }
}
