//! PIM activation decisions (docs/SEMANTICS.md §8–§10): self-activation and self-deactivation of
//! directory roles and PIM for Groups memberships and ownerships.
//!
//! [`PimIndex`] indexes eligibilities, active assignments, pending requests and role management
//! policies by target once per tenant, so an activation is a few lookups plus, when the role asks
//! for an authentication context, one Conditional Access evaluation of the policies that target it.
//! That evaluation is passed in as a closure, so the reference evaluator and the compiled engine
//! share this procedure.

mod approval;
pub mod decision;
mod index;
mod record;
mod steps;

pub use index::{ActivationRules, PimIndex};
use index::{direct_member, schedules, transitive_users};
use record::Record;
use steps::Activation;

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::activation::ActivationRequest;
use crate::model::enums::{AccessId, AssignmentType, ScheduleAction};
use crate::model::pim::{ApprovalSetting, Approver, PimSchedule, PimTarget, PolicyRule};
use crate::model::read::format_duration;
use crate::model::request::{Identity, SignInContext, SignInRequest};
use crate::model::strength::MFA_STRENGTH_ID;
use crate::model::{Policy, Tenant};
use crate::signin::decision::{
    Decision, Explain, PolicyResultKind, Requirement, RequirementItem, SignInDecision,
    claims_challenge,
};
use decision::{
    ActivationDecision, ActivationOutcome, ApproverOut, CodeReason, ConditionalAccessOut,
    EligibilityOut, ErrorOut, ScheduleOut, TargetOut,
};

/// Global Administrator and Privileged Role Administrator: the default approvers for roles.
pub const DEFAULT_APPROVER_ROLES: [&str; 2] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
];
const FIVE_MINUTES: SignedDuration = SignedDuration::from_mins(5);
const MAX_ACTIVATION: SignedDuration = SignedDuration::from_hours(24);
const OPEN_STATUSES: [&str; 4] = [
    "PendingApproval",
    "PendingAdminDecision",
    "PendingProvisioning",
    "PendingScheduleCreation",
];

/// Evaluates CA for an authentication context: the caller passes the evaluator and a filter
/// selecting the policies that target the context.
pub type CaEvaluate<'a> = dyn Fn(&SignInRequest, &dyn Fn(&Policy) -> bool) -> SignInDecision + 'a;

/// Decides one activation request (§10.2–§10.3); `ca` evaluates Conditional Access for the
/// authentication-context step, so both engines share this procedure.
pub fn activate(
    t: &Tenant,
    index: &PimIndex,
    req: &ActivationRequest,
    ca: &CaEvaluate<'_>,
) -> ActivationDecision {
    let (activation, mut out) = Activation::start(t, index, req);
    if !activation.gate(&mut out) {
        return out;
    }
    let rules = index.rules(&req.target);
    out.policy_assignment_id = rules.assignment_id.clone();
    out.warnings.extend(rules.warnings.iter().cloned());
    let mut rec = Record::default();
    activation.eligibility(&mut rec, &mut out);
    activation.expiration(&rules, &mut rec);
    activation.enablement(&rules, &mut rec);
    activation.auth_context(&rules, ca, &mut rec, &mut out);
    activation.duplicates(&mut rec);
    activation.conclude(&rules, rec, &mut out);
    out
}

/// What every engine does after the procedure: without [`Explain::Policies`] the CA step's
/// per-policy results are dropped, and the request's own warnings lead the decision's.
pub fn finish(decision: &mut ActivationDecision, request: &ActivationRequest, explain: Explain) {
    if !explain.policies()
        && let Some(ca) = &mut decision.conditional_access
    {
        ca.policies.clear();
    }
    request.merge_warnings(&mut decision.warnings);
}
