//! Replaying sign-in logs (docs/REPLAY.md): a Graph `signIn` record (or its PowerShell or Log
//! Analytics form) mapped to a [`SignInRequest`] and the outcome Entra logged, and the
//! comparison of that outcome with jitgate's decision, policy by policy.
//!
//! ```
//! let record = serde_json::json!({
//!     "id": "66ea54eb-6301-4ee5-be62-ff5a759b0100",
//!     "createdDateTime": "2026-03-02T09:00:00Z",
//!     "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03",
//!     "appId": "00000002-0000-0ff1-ce00-000000000000",
//!     "ipAddress": "198.51.100.23",
//!     "clientAppUsed": "IMAP4",
//!     "location": {"countryOrRegion": "NL"},
//!     "deviceDetail": {"operatingSystem": "Windows 10"},
//!     "conditionalAccessStatus": "failure",
//!     "appliedConditionalAccessPolicies": [
//!         {"id": "c4a10002-5d2e-4b6f-8a7c-0e1f2a3b4c02", "result": "failure"}
//!     ]
//! });
//! let logged = jitgate::MappedSignIn::from_sign_in_log(&record)?;
//! let snapshot = jitgate::Snapshot::compile(jitgate::load("examples/tenant".as_ref())?);
//! let decision = snapshot.evaluate(&logged.request, jitgate::Explain::Policies);
//! let agreement = logged.compare(&decision);
//! assert_eq!(agreement.level, jitgate::AgreementLevel::Full);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ahead;
mod csv;
mod display;
mod fields;
mod lines;
mod logged;
mod map;
mod records;
mod scan;
mod seen;
mod select;
mod utf16;
mod values;

use std::borrow::Cow;

use serde::Serialize;

use crate::signin::decision::reasons;
use crate::{SignInDecision, SignInRequest};

pub use lines::{Line, LineBlocks, Span as LineSpan};
pub use records::{RawRecord, RecordError, RecordPlace, Records};
#[cfg(feature = "fuzzing")]
pub(crate) use select::{fast_path_agrees, mapping_keeps_what_it_reads};

/// A record that cannot become a request: which field and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SignInLogError {
    /// The field (Graph's name), or `(record)` / `(request)`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for SignInLogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for SignInLogError {}

/// One policy as the sign-in log recorded it, borrowing from the record's text where it can.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedPolicy<'a> {
    /// Policy id, lowercased.
    pub id: Cow<'a, str>,
    /// Its name, as logged.
    pub display_name: Option<Cow<'a, str>>,
    /// Graph's `result` (`success`, `notApplied`, `reportOnlyInterrupted`, ...).
    pub result: Cow<'a, str>,
    /// Beta: the conditions that matched.
    pub conditions_satisfied: Option<Cow<'a, str>>,
    /// Beta: the conditions that did not.
    pub conditions_not_satisfied: Option<Cow<'a, str>>,
}

impl LoggedPolicy<'_> {
    /// The same policy owning its text.
    pub fn into_owned(self) -> LoggedPolicy<'static> {
        let owned = |c: Option<Cow<'_, str>>| c.map(|c| Cow::Owned(c.into_owned()));
        LoggedPolicy {
            id: Cow::Owned(self.id.into_owned()),
            display_name: owned(self.display_name),
            result: Cow::Owned(self.result.into_owned()),
            conditions_satisfied: owned(self.conditions_satisfied),
            conditions_not_satisfied: owned(self.conditions_not_satisfied),
        }
    }
}

/// A sign-in log record read: the request it stands for, and what Entra logged. Its logged
/// text borrows from the record it was read from (`'a`); [`MappedSignIn::into_owned`] copies it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MappedSignIn<'a> {
    /// The record's `id`.
    pub id: Option<Cow<'a, str>>,
    /// The sign-in as a request.
    pub request: SignInRequest,
    /// The logged `conditionalAccessStatus`.
    pub status: Option<Cow<'a, str>>,
    /// The logged per-policy results.
    pub policies: Vec<LoggedPolicy<'a>>,
    /// Request data the log lacks (`ipAddress`, `country`, `devicePlatform`,
    /// `clientAppType`, `lastMfaDateTime`): the decision may differ from Entra's for that
    /// reason, and the report says so.
    pub missing: Vec<&'static str>,
}

impl<'a> MappedSignIn<'a> {
    /// Reads one sign-in log record (the mapping is documented in docs/REPLAY.md).
    pub fn from_sign_in_log(
        record: &'a serde_json::Value,
    ) -> Result<MappedSignIn<'a>, SignInLogError> {
        map::map(&crate::json::Json::from_value(record))
    }

    /// Reads one sign-in log record from its JSON text, parsing only the fields the mapping
    /// reads (several times faster than parsing the whole record first).
    pub fn from_sign_in_log_json(text: &'a str) -> Result<MappedSignIn<'a>, SignInLogError> {
        select::map_text(text).map_err(|e| match e {
            select::TextError::Json(e) => SignInLogError {
                field: "(record)".to_owned(),
                message: format!("invalid JSON: {e}"),
            },
            select::TextError::NotAnObject(_) => SignInLogError {
                field: "(record)".to_owned(),
                message: "expected a JSON object".to_owned(),
            },
            select::TextError::Unmapped(e) => e,
        })
    }

    /// The same record owning its text.
    pub fn into_owned(self) -> MappedSignIn<'static> {
        MappedSignIn {
            id: self.id.map(|c| Cow::Owned(c.into_owned())),
            request: self.request,
            status: self.status.map(|c| Cow::Owned(c.into_owned())),
            policies: self
                .policies
                .into_iter()
                .map(LoggedPolicy::into_owned)
                .collect(),
            missing: self.missing,
        }
    }

    /// Does `decision` (the same request's decision without explain) agree with every logged
    /// policy result and the logged status? Exactly when [`MappedSignIn::compare`] with the
    /// explained decision says [`AgreementLevel::Full`], without building the per-policy results:
    /// replay compares this way first and explains only the records that differ.
    pub fn fully_agrees(&self, decision: &crate::BorrowedDecision<'_>) -> bool {
        let n = decision.policy_count();
        let mut compared = false;
        // The search of `compare`: from after the last match, then from the start.
        let mut from = 0usize;
        for logged in &self.policies {
            if matches!(logged.result.as_ref(), "unknown" | "unknownFutureValue") {
                continue;
            }
            compared = true;
            // Over the policies the explained decision lists, in its order.
            let is = |k: &usize| decision.lists(*k) && decision.id(*k) == Some(logged.id.as_ref());
            let Some(k) = (from.min(n)..n)
                .find(is)
                .or_else(|| (0..from.min(n)).find(is))
            else {
                return false;
            };
            from = k + 1;
            if !decision.policy_result(k).is_some_and(|r| {
                // Logs spell results as Graph does: the exact comparison answers first.
                r.as_str() == logged.result || r.as_str().eq_ignore_ascii_case(&logged.result)
            }) {
                return false;
            }
        }
        if let Some(status) = &self.status {
            let ours = decision.conditional_access_status().as_str();
            if status != ours && !status.eq_ignore_ascii_case(ours) {
                return false;
            }
            compared = true;
        }
        compared
    }

    /// Compares what Entra logged with `decision` (which must carry per-policy results:
    /// [`crate::Explain::Policies`]).
    pub fn compare(&self, decision: &SignInDecision) -> Agreement {
        let ours = decision.policies.as_deref().unwrap_or_default();
        let mut differences = Vec::new();
        let mut matched = 0usize;
        let mut compared = 0usize;
        // Logs list policies in the tenant's order as a rule: the search starts after the last
        // match, so a record costs one pass instead of one pass per policy.
        let mut from = 0usize;
        for logged in &self.policies {
            if matches!(logged.result.as_ref(), "unknown" | "unknownFutureValue") {
                continue;
            }
            compared += 1;
            let (earlier, later) = ours.split_at(from.min(ours.len()));
            let found = later
                .iter()
                .position(|p| p.id == logged.id.as_ref())
                .map(|k| k + from)
                .or_else(|| earlier.iter().position(|p| p.id == logged.id.as_ref()));
            if let Some(k) = found {
                from = k + 1;
            }
            let mine = found.and_then(|k| ours.get(k));
            let same = mine.is_some_and(|p| p.result.as_str().eq_ignore_ascii_case(&logged.result));
            if same {
                matched += 1;
                continue;
            }
            differences.push(PolicyDifference {
                policy_id: logged.id.to_string(),
                display_name: mine
                    .map(|p| p.display_name.clone())
                    .or_else(|| logged.display_name.as_deref().map(str::to_owned)),
                logged: logged.result.to_string(),
                jitgate: mine.map(|p| p.result.as_str().to_owned()),
                logged_conditions_not_satisfied: logged
                    .conditions_not_satisfied
                    .as_deref()
                    .map(str::to_owned),
                jitgate_analysis_reasons: mine.map(|p| reasons::to_graph(p.analysis_reasons)),
            });
        }
        let jitgate_status = decision.conditional_access_status.as_str();
        let status_agrees = self
            .status
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case(jitgate_status));
        if self.status.is_some() {
            compared += 1;
            if status_agrees {
                matched += 1;
            }
        }
        let level = if compared == 0 {
            AgreementLevel::NotCompared
        } else if differences.is_empty() && status_agrees {
            AgreementLevel::Full
        } else if matched == 0 {
            AgreementLevel::None
        } else {
            AgreementLevel::Partial
        };
        Agreement {
            level,
            logged_status: self.status.as_deref().map(str::to_owned),
            jitgate_status,
            compared,
            differences,
        }
    }
}

/// How far jitgate agrees with a logged sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AgreementLevel {
    /// Every logged policy result and the overall status agree.
    Full,
    /// Some agree, some do not.
    Partial,
    /// Nothing compared agrees.
    None,
    /// The record logs no policy result and no status: there is nothing to compare.
    NotCompared,
}

/// One policy whose logged result jitgate does not reproduce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDifference {
    /// Policy id.
    pub policy_id: String,
    /// Its name (the tenant's, else the log's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The logged result.
    pub logged: String,
    /// jitgate's result; absent when the tenant has no such policy.
    pub jitgate: Option<String>,
    /// The log's `conditionsNotSatisfied` (beta), where it has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logged_conditions_not_satisfied: Option<String>,
    /// jitgate's `analysisReasons` for the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitgate_analysis_reasons: Option<String>,
}

/// The comparison of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Agreement {
    /// Full, partial or none.
    pub level: AgreementLevel,
    /// The logged `conditionalAccessStatus`.
    pub logged_status: Option<String>,
    /// jitgate's.
    pub jitgate_status: &'static str,
    /// Results compared (logged policies with a known result, and the status if logged).
    pub compared: usize,
    /// Each policy that differs.
    pub differences: Vec<PolicyDifference>,
}

/// The device attributes a sign-in log never carries (anything beyond `deviceId`,
/// `displayName`, `operatingSystem`, `isCompliant` and `trustType`) that some evaluated policy's
/// device filter of `tenant` reads. Replay reports them as `missingData` on every user sign-in:
/// the filter sees them as null, as it would an unregistered device's.
pub fn device_attributes_logs_lack(tenant: &crate::Tenant) -> Vec<&'static str> {
    const LOGGED: [&str; 5] = [
        "deviceId",
        "displayName",
        "operatingSystem",
        "isCompliant",
        "trustType",
    ];
    let mut out: Vec<&'static str> = Vec::new();
    for policy in tenant.policies.iter().filter(|p| p.is_evaluated()) {
        let Some(filter) = policy
            .conditions
            .devices
            .as_ref()
            .and_then(|d| d.filter.as_ref())
        else {
            continue;
        };
        for attribute in filter.rule.attributes() {
            if let crate::filter::Attribute::Device(d) = attribute {
                let name = d.request_field();
                if !LOGGED.contains(&name) && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

impl SignInRequest {
    /// The request a sign-in log record stands for (see [`MappedSignIn::from_sign_in_log`] for
    /// the logged outcome and the data the log lacks).
    pub fn from_sign_in_log(record: &serde_json::Value) -> Result<SignInRequest, SignInLogError> {
        MappedSignIn::from_sign_in_log(record).map(|m| m.request)
    }
}

/// The quick comparison against the explained one when the request asks for the applied
/// policies only: then the explained decision lists fewer policies, and a logged policy it does
/// not list is a difference. The log mapping never asks that, so replay's own tests do not
/// reach it; an embedder's request may.
#[cfg(test)]
mod applied_only_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::{AgreementLevel, MappedSignIn};
    use crate::{Explain, Snapshot};

    #[test]
    fn the_quick_comparison_says_full_exactly_when_the_explained_one_does() {
        let tenant = crate::load("examples/tenant".as_ref()).expect("the example tenant");
        let logs = crate::unstable::signinlogs::sign_in_logs(&tenant, 300, 31);
        let snapshot = Snapshot::compile(tenant);
        let (mut full, mut not_full) = (0, 0);
        for record in &logs {
            let mut m = MappedSignIn::from_sign_in_log(record).unwrap();
            m.request.applied_policies_only = true;
            // As logged (every policy, applied or not), then only those the log says applied.
            let mut applied = m.clone();
            applied.policies.retain(|p| {
                !matches!(
                    p.result.as_ref(),
                    "notApplied" | "notEnabled" | "reportOnlyNotApplied"
                )
            });
            for m in [m, applied] {
                let explained = m.compare(&snapshot.evaluate(&m.request, Explain::Policies));
                let quick = m.fully_agrees(&snapshot.evaluate_borrowed(&m.request));
                assert_eq!(
                    quick,
                    explained.level == AgreementLevel::Full,
                    "{record}\n{explained:#?}"
                );
                if quick {
                    full += 1;
                } else {
                    not_full += 1;
                }
            }
        }
        assert!(full > 100 && not_full > 100, "{full} full, {not_full} not");
    }
}
