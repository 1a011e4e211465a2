//! The activation decision, serialised as docs/SEMANTICS.md §10.4–§10.5 names it.

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::model::revision::Revision;
use crate::signin::decision::{CaStatus, Decision, PolicyResult, Requirement};

/// The overall answer to an activation request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ActivationOutcome {
    /// Granted now (`Provisioned`), later (`Granted`), or deactivated (`Revoked`).
    Allow,
    /// Granted once the requirements are met.
    StepUp,
    /// Waits for an approver.
    PendingApproval,
    /// Refused.
    Deny,
}

impl ActivationOutcome {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivationOutcome::Allow => "allow",
            ActivationOutcome::StepUp => "stepUp",
            ActivationOutcome::PendingApproval => "pendingApproval",
            ActivationOutcome::Deny => "deny",
        }
    }
}

/// What the request is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TargetOut {
    /// A directory role.
    #[serde(rename_all = "camelCase")]
    DirectoryRole {
        /// Role definition.
        role_definition_id: String,
        /// Directory scope.
        #[serde(skip_serializing_if = "Option::is_none")]
        directory_scope_id: Option<String>,
        /// App scope.
        #[serde(skip_serializing_if = "Option::is_none")]
        app_scope_id: Option<String>,
    },
    /// A PIM for Groups membership or ownership.
    #[serde(rename_all = "camelCase")]
    Group {
        /// Group id.
        group_id: String,
        /// `member` or `owner`.
        access_id: String,
    },
}

/// The effective window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleOut {
    /// Effective start.
    pub start_date_time: String,
    /// End, when the window has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<String>,
    /// Length, when the window has an end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
}

/// The eligibility that allows the activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EligibilityOut {
    /// Instance id.
    pub id: String,
    /// `Direct` or `Group`.
    pub member_type: String,
    /// When the eligibility ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<String>,
}

/// Graph's error for a refused or interrupted request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorOut {
    /// The first code of §10.4's table that applies.
    pub code: &'static str,
    /// Every failed `…Rule`.
    pub failed_rules: Vec<&'static str>,
}

/// One recorded failure with a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeReason {
    /// A rule name or error code.
    pub code: &'static str,
    /// What failed.
    pub message: String,
}

/// An approver of a pending request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApproverOut {
    /// `user`, `group` or `role`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Object or role id.
    pub id: String,
}

/// The Conditional Access evaluation behind an authentication-context rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionalAccessOut {
    /// The context (`c1`..`c99`).
    pub authentication_context: String,
    /// The CA decision for that context.
    pub decision: Decision,
    /// The CA status.
    pub conditional_access_status: CaStatus,
    /// Per-policy results of the targeting policies.
    pub policies: Vec<PolicyResult>,
}

/// An activation decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationDecision {
    /// The request's `id`, echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<serde_json::Value>,
    /// allow, stepUp, pendingApproval or deny.
    pub decision: ActivationOutcome,
    /// The evaluation instant, written in RFC 3339 (UTC, `Z`).
    #[serde(serialize_with = "crate::model::time::serialize_timestamp")]
    pub evaluated_at: jiff::Timestamp,
    /// What the request is for.
    pub target: TargetOut,
    /// Graph's request status (allow and pendingApproval only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// The effective window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleOut>,
    /// The eligibility used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<EligibilityOut>,
    /// The role management policy assignment whose rules applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_assignment_id: Option<String>,
    /// Graph's error (stepUp and deny).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorOut>,
    /// The claims challenge for an authentication-context step-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims_challenge: Option<String>,
    /// What must still be proven (stepUp).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<Requirement>,
    /// Whether approval will follow the step-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_required: Option<bool>,
    /// Every recorded failure (deny).
    pub deny_reasons: Vec<CodeReason>,
    /// The CA evaluation for an authentication context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditional_access: Option<ConditionalAccessOut>,
    /// Who can approve (pendingApproval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvers: Option<Vec<ApproverOut>>,
    /// When the pending request expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_deadline: Option<String>,
    /// Echoed from the request.
    pub is_validation_only: bool,
    /// Load and evaluation warnings.
    pub warnings: Vec<Diagnostic>,
    /// The tenant revision that decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
}
