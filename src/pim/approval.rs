//! Approval (§10.2 step 9, when the role settings require it) and self-deactivation (§10.3).

use super::*;

/// Routes a request that passed every rule to its approvers, or denies it when nobody can
/// approve.
pub(super) fn approve(
    t: &Tenant,
    req: &ActivationRequest,
    rules: &ActivationRules,
    is_group: bool,
    now: Timestamp,
    out: &mut ActivationDecision,
) {
    let stages = &rules.approval.stages;
    let configured: Vec<&Approver> = stages
        .first()
        .map(|s| {
            s.primary_approvers
                .iter()
                .filter(|a| !matches!(a, Approver::Unknown(_)))
                .collect()
        })
        .unwrap_or_default();
    let mut approvers: Vec<ApproverOut> = Vec::new();
    let no_approver = |out: &mut ActivationDecision, message: &str| {
        out.decision = ActivationOutcome::Deny;
        out.error = Some(ErrorOut {
            code: "NoApproverAvailable",
            failed_rules: Vec::new(),
        });
        out.deny_reasons.push(CodeReason {
            code: "NoApproverAvailable",
            message: message.to_owned(),
        });
    };
    if configured.is_empty() {
        if is_group {
            no_approver(
                out,
                "approval is required but no approver is configured for this group",
            );
            return;
        }
        approvers.extend(DEFAULT_APPROVER_ROLES.iter().map(|r| ApproverOut {
            kind: "role",
            id: (*r).to_owned(),
        }));
    } else {
        let requester_only = |a: &&Approver| match a {
            Approver::User(u) => *u == req.caller,
            Approver::Group(g) => {
                t.group(g).is_some() && {
                    let users = transitive_users(t, g);
                    users.len() == 1 && users.contains(&req.caller)
                }
            }
            Approver::Unknown(_) => true,
        };
        if configured.iter().all(requester_only) {
            no_approver(
                out,
                "the only approver is the requester, who cannot approve their own request",
            );
            return;
        }
        for a in configured.iter().filter(|a| !requester_only(a)) {
            match a {
                Approver::User(u) => approvers.push(ApproverOut {
                    kind: "user",
                    id: u.clone(),
                }),
                Approver::Group(g) => approvers.push(ApproverOut {
                    kind: "group",
                    id: g.clone(),
                }),
                Approver::Unknown(_) => {}
            }
        }
    }
    let deadline = if is_group {
        let days = stages
            .first()
            .and_then(|s| s.timeout_days)
            .unwrap_or(1)
            .clamp(1, 3650);
        now.checked_add(SignedDuration::from_hours(days * 24)).ok()
    } else {
        now.checked_add(SignedDuration::from_hours(24)).ok()
    };
    out.decision = ActivationOutcome::PendingApproval;
    out.status = Some("PendingApproval");
    out.approvers = Some(approvers);
    out.approval_deadline = deadline.map(|d| d.to_string());
}

/// Decides a `selfDeactivate` request (§10.3).
pub(super) fn deactivate(
    t: &Tenant,
    index: &PimIndex,
    req: &ActivationRequest,
    now: Timestamp,
    out: &mut ActivationDecision,
) {
    let active = schedules(
        &t.pim.role_assignments,
        &t.pim.group_assignments,
        index.assignments.get(&req.target),
    );
    let instance = active.into_iter().find(|a| {
        a.principal_id == req.caller
            && a.active_at(now)
            && a.assignment_type == Some(AssignmentType::Activated)
    });
    let deny = |out: &mut ActivationDecision, code: &'static str, message: String| {
        out.decision = ActivationOutcome::Deny;
        out.error = Some(ErrorOut {
            code,
            failed_rules: Vec::new(),
        });
        out.deny_reasons.push(CodeReason { code, message });
    };
    match instance {
        None => deny(
            out,
            "RoleAssignmentDoesNotExist",
            "no active activation of this target exists for the principal".to_owned(),
        ),
        Some(a)
            if a.start
                .is_some_and(|s| s.duration_until(now) < FIVE_MINUTES) =>
        {
            deny(
                out,
                "ActiveDurationTooShort",
                "an activation cannot be deactivated within 5 minutes of its start".to_owned(),
            )
        }
        Some(_) => {
            out.decision = ActivationOutcome::Allow;
            out.status = Some("Revoked");
        }
    }
}
