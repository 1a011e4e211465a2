//! Diagnostics: the errors and warnings that loading, validation and evaluation report.
//!
//! Every diagnostic names where it was found (a file or request line, and a JSON path such as
//! `$.conditions.users.excludeGroups[0]`), a stable machine-readable `code`, and a sentence for
//! people. Errors stop a tenant from being evaluated; warnings travel with every decision.

use std::fmt;

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Severity {
    /// Loading or evaluation goes on; the fact is reported.
    Warning,
    /// The input cannot be evaluated faithfully.
    Error,
}

/// One error or warning with its location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable identifier such as `placeholder`, `danglingReference` or `tooManyPolicies`.
    pub code: &'static str,
    /// The file (relative to the tenant root) or request source the problem is in.
    pub file: String,
    /// The JSON path inside that file, `$` for the whole document.
    pub path: String,
    /// A sentence saying what was found and what was expected.
    pub message: String,
    /// For `missingData`: the request data that was absent or unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<&'static str>,
    /// For `missingData`: the policies that data could have made apply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policy_ids: Vec<String>,
}

impl Diagnostic {
    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        if self.file.is_empty() {
            write!(f, "{level}[{}]: {}: {}", self.code, self.path, self.message)
        } else {
            write!(
                f,
                "{level}[{}]: {}: {}: {}",
                self.code, self.file, self.path, self.message
            )
        }
    }
}

/// A collector of diagnostics for one source (file or request line).
#[derive(Debug, Default)]
pub struct Diagnostics {
    /// The source every diagnostic added here is attributed to.
    pub file: String,
    /// What was collected so far, in order.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// A collector for `file`.
    pub fn new(file: impl Into<String>) -> Self {
        Diagnostics {
            file: file.into(),
            items: Vec::new(),
        }
    }

    /// Records an error.
    pub fn error(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, code, path, message.into());
    }

    /// Records a warning.
    pub fn warn(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        self.push(Severity::Warning, code, path, message.into());
    }

    fn push(&mut self, severity: Severity, code: &'static str, path: &str, message: String) {
        self.items.push(Diagnostic {
            severity,
            code,
            file: self.file.clone(),
            path: path.to_owned(),
            message,
            fields: Vec::new(),
            policy_ids: Vec::new(),
        });
    }

    /// True when any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }
}

/// Why a request could not be built or read: every problem found, each with its JSON path
/// (docs/SEMANTICS.md §5.3a). A request that fails is never decided.
///
/// ```
/// let error = jitgate::SignInRequest::user("Office 365 Exchange Online")
///     .app("00000002-0000-0ff1-ce00-000000000000")
///     .at("2026-03-02T09:00:00Z".parse().unwrap())
///     .build()
///     .unwrap_err();
/// assert_eq!(error.errors()[0].path, "$.signInIdentity.userId");
/// assert_eq!(error.errors()[0].code, "invalidId");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestError {
    diagnostics: Vec<Diagnostic>,
}

impl RequestError {
    pub(crate) fn new(diagnostics: Vec<Diagnostic>) -> Self {
        RequestError { diagnostics }
    }

    /// The errors, in the order found.
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error()).collect()
    }

    /// Every diagnostic found, warnings included.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.errors();
        match errors.split_first() {
            None => f.write_str("invalid request"),
            Some((first, rest)) => {
                write!(f, "{}: {}", first.path, first.message)?;
                if !rest.is_empty() {
                    write!(f, " (and {} more)", rest.len())?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for RequestError {}

/// Cuts long input for messages.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}…")
    }
}
