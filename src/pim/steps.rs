//! The activation procedure of §10.2, one function per step, over one [`Activation`] context.

use super::*;
use approval::{approve, deactivate};
use record::{Record, first_code};

/// One request being decided: its tenant, lookups and window (step 1).
pub(super) struct Activation<'a> {
    t: &'a Tenant,
    index: &'a PimIndex,
    req: &'a ActivationRequest,
    now: Timestamp,
    start: Timestamp,
    end: Option<Timestamp>,
    length: Option<SignedDuration>,
    is_group: bool,
    /// Does the session already satisfy the built-in MFA strength?
    mfa_met: bool,
}

impl<'a> Activation<'a> {
    /// Step 1: the window (a deactivation has none); the decision starts as a deny.
    pub(super) fn start(
        t: &'a Tenant,
        index: &'a PimIndex,
        req: &'a ActivationRequest,
    ) -> (Self, ActivationDecision) {
        let now = req.time();
        let requested_start = req.schedule.start.unwrap_or(now);
        let start = requested_start.max(now);
        let end = req.schedule.end_from(requested_start);
        let length = end.map(|e| start.duration_until(e));
        let mfa_met = t
            .strengths
            .iter()
            .filter(|s| s.id == MFA_STRENGTH_ID)
            .min_by_key(|s| s.is_default)
            .is_some_and(|s| req.session.satisfies(s, req.session.methods));
        let mut out = ActivationDecision {
            id: req.id.clone(),
            decision: ActivationOutcome::Deny,
            evaluated_at: now,
            target: target_out(&req.target),
            status: None,
            schedule: None,
            eligibility: None,
            policy_assignment_id: None,
            error: None,
            claims_challenge: None,
            requirements: Vec::new(),
            approval_required: None,
            deny_reasons: Vec::new(),
            conditional_access: None,
            approvers: None,
            approval_deadline: None,
            is_validation_only: req.is_validation_only,
            warnings: Vec::new(),
            revision: None,
        };
        if req.action != ScheduleAction::SelfDeactivate {
            out.schedule = Some(ScheduleOut {
                start_date_time: start.to_string(),
                end_date_time: end.map(|e| e.to_string()),
                duration: length.map(format_duration),
            });
        }
        let activation = Activation {
            t,
            index,
            req,
            now,
            start,
            end,
            length,
            is_group: matches!(req.target, PimTarget::Group { .. }),
            mfa_met,
        };
        (activation, out)
    }

    /// Steps 2 and 3: the action gate and the principal. `false` when the request is denied
    /// outright (or, for a deactivation, decided).
    pub(super) fn gate(&self, out: &mut ActivationDecision) -> bool {
        let req = self.req;
        if !matches!(
            req.action,
            ScheduleAction::SelfActivate | ScheduleAction::SelfDeactivate
        ) {
            deny_now(
                out,
                "ActionNotSupported",
                format!(
                    "action {} is not decided here; only selfActivate and selfDeactivate are",
                    req.action
                ),
            );
            return false;
        }
        if self.index.groups.contains(&req.principal_id) {
            deny_now(
                out,
                "GroupPrincipalNotAllowed",
                format!(
                    "principal {} is a group; a self-activation is made by a user for themselves",
                    req.principal_id
                ),
            );
            return false;
        }
        if req.principal_id != req.caller {
            deny_now(
                out,
                "PrincipalMismatch",
                format!(
                    "principal {} is not the signed-in caller {}",
                    req.principal_id, req.caller
                ),
            );
            return false;
        }
        if req.action == ScheduleAction::SelfDeactivate {
            deactivate(self.t, self.index, req, self.now, out);
            return false;
        }
        true
    }

    /// Step 4: an eligibility active at the start, held directly or through a group.
    pub(super) fn eligibility(&self, rec: &mut Record, out: &mut ActivationDecision) {
        let (t, req, start, end) = (self.t, self.req, self.start, self.end);
        let candidates = schedules(
            &t.pim.role_eligibilities,
            &t.pim.group_eligibilities,
            self.index.eligibilities.get(&req.target),
        );
        let eligible: Vec<&PimSchedule> = candidates
            .into_iter()
            .filter(|e| {
                e.active_at(start)
                    && (e.principal_id == req.caller
                        || direct_member(t, &req.caller, &e.principal_id, start))
            })
            .collect();
        let covers = |e: &PimSchedule| match (e.end, end) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(ee), Some(re)) => re <= ee,
        };
        match eligible.iter().find(|e| covers(e)).or(eligible.first()) {
            None => rec.rule(
                "EligibilityRule",
                "no eligibility for this principal and target is active at the start of the window"
                    .to_owned(),
            ),
            Some(e) => {
                out.eligibility = Some(EligibilityOut {
                    id: e.id.clone(),
                    member_type: if e.principal_id == req.caller {
                        "Direct"
                    } else {
                        "Group"
                    }
                    .to_owned(),
                    end_date_time: e.end.map(|x| x.to_string()),
                });
                if !covers(e) {
                    rec.rule(
                        "ExpirationRule",
                        "the activation would outlast the eligibility".to_owned(),
                    );
                }
            }
        }
    }

    /// Step 5: the expiration rule (an end where one is required, at most the maximum, at
    /// least five minutes).
    pub(super) fn expiration(&self, rules: &ActivationRules, rec: &mut Record) {
        match self.length {
            None if rules.expiration_required => rec.rule(
                "ExpirationRule",
                "the role settings require an end, and the request has none".to_owned(),
            ),
            Some(len) if len > rules.maximum_duration => rec.rule(
                "ExpirationRule",
                format!(
                    "the activation lasts {}, more than the maximum {}",
                    format_duration(len),
                    format_duration(rules.maximum_duration)
                ),
            ),
            Some(len) if len < FIVE_MINUTES => rec.rule(
                "ExpirationRule",
                format!(
                    "the activation lasts {}, less than the 5-minute minimum",
                    format_duration(len.max(SignedDuration::ZERO))
                ),
            ),
            _ => {}
        }
    }

    /// Records the MFA step-up unless the session already has it.
    fn require_mfa(&self, rec: &mut Record, source: &str) {
        if !self.mfa_met {
            rec.rule(
                "MfaRule",
                "multifactor authentication is required to activate".to_owned(),
            );
            rec.require(vec![RequirementItem::Mfa], &[], Some(source));
        }
    }

    /// Step 6: the enablement rules (justification, ticket, MFA; anything else fails closed).
    pub(super) fn enablement(&self, rules: &ActivationRules, rec: &mut Record) {
        let req = self.req;
        let enabled = |name: &str| {
            rules
                .enabled_rules
                .iter()
                .any(|r| r.eq_ignore_ascii_case(name))
        };
        let needs_justification =
            enabled("Justification") || rules.approval.is_requestor_justification_required;
        if needs_justification
            && req
                .justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
        {
            rec.rule(
                "JustificationRule",
                "a justification is required".to_owned(),
            );
        }
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|x| x.trim().is_empty());
        if enabled("Ticketing") && (blank(&req.ticket_number) || blank(&req.ticket_system)) {
            rec.rule(
                "TicketingRule",
                "ticket information (ticketNumber and ticketSystem) is required".to_owned(),
            );
        }
        if enabled("MultiFactorAuthentication") {
            self.require_mfa(rec, "Enablement_EndUser_Assignment");
        }
        for r in &rules.enabled_rules {
            if !["MultiFactorAuthentication", "Justification", "Ticketing"]
                .iter()
                .any(|k| r.eq_ignore_ascii_case(k))
            {
                rec.code(
                    "UnsupportedPolicyRule",
                    format!("enablement rule {r} is not supported (fail-closed)"),
                );
            }
        }
    }

    /// Step 7: the authentication context rule, decided through Conditional Access (`ca`) for
    /// the policies that target the context.
    pub(super) fn auth_context(
        &self,
        rules: &ActivationRules,
        ca: &CaEvaluate<'_>,
        rec: &mut Record,
        out: &mut ActivationDecision,
    ) {
        let Some(claim) = &rules.auth_context else {
            return;
        };
        let acrs_code = if self.is_group {
            "GroupAssignmentRequestAcrsValidationFailed"
        } else {
            "RoleAssignmentRequestAcrsValidationFailed"
        };
        let cx = match claim.as_deref().map(str::to_ascii_lowercase) {
            None => {
                let mut d = Diagnostics::new("");
                d.warn(
                    "emptyClaimValue",
                    "pim.roleManagementPolicyAssignments",
                    "the authentication context rule is on without a claimValue; MFA is required instead",
                );
                out.warnings.extend(d.items);
                self.require_mfa(rec, "AuthenticationContext_EndUser_Assignment");
                return;
            }
            Some(cx) if self.req.session.satisfied_auth_contexts.contains(&cx) => return,
            Some(cx) => cx,
        };
        let targets = |p: &Policy| {
            p.conditions
                .applications
                .as_ref()
                .is_some_and(|a| a.include_auth_contexts.contains(&cx))
        };
        if !self.t.policies.iter().any(targets) {
            self.require_mfa(rec, "AuthenticationContext_EndUser_Assignment");
            return;
        }
        let result = ca(&as_sign_in(self.req, cx.clone()), &targets);
        let enforced_applies = result.policies.iter().flatten().any(|p| {
            p.policy_applies
                && matches!(
                    p.result,
                    PolicyResultKind::Success | PolicyResultKind::Failure
                )
        });
        rec.conditional_access = Some(ConditionalAccessOut {
            authentication_context: cx.clone(),
            decision: result.decision,
            conditional_access_status: result.conditional_access_status,
            policies: result.policies.clone().unwrap_or_default(),
        });
        out.warnings.extend(result.warnings.iter().cloned());
        if !enforced_applies {
            return;
        }
        if result.decision == Decision::Deny {
            let names: Vec<String> = result
                .deny_reasons
                .iter()
                .map(|r| serde_json::to_string(r).unwrap_or_default())
                .collect();
            rec.code(
                acrs_code,
                format!(
                    "Conditional Access for {cx} denies this sign-in: {}",
                    names.join("; ")
                ),
            );
        } else {
            let challenge = claims_challenge(&cx);
            rec.acrs_step_up = Some(acrs_code);
            rec.claims = Some(challenge.clone());
            rec.require(
                vec![RequirementItem::AuthenticationContext {
                    value: cx.clone(),
                    claims_challenge: challenge,
                }],
                &[],
                Some("AuthenticationContext_EndUser_Assignment"),
            );
            for r in &result.requirements {
                rec.require(r.any_of.clone(), &r.policy_ids, None);
            }
        }
    }

    /// Step 8: an active assignment or an open request for the same target already exists.
    pub(super) fn duplicates(&self, rec: &mut Record) {
        let (t, req) = (self.t, self.req);
        let active = schedules(
            &t.pim.role_assignments,
            &t.pim.group_assignments,
            self.index.assignments.get(&req.target),
        );
        if active
            .iter()
            .any(|a| a.principal_id == req.caller && a.active_at(self.start))
        {
            rec.code(
                "RoleAssignmentExists",
                "the principal already holds an active assignment for this target".to_owned(),
            );
        }
        let pending = t.pim.schedule_requests.iter().any(|r| {
            r.principal_id == req.caller
                && r.target == req.target
                && r.status.as_deref().is_some_and(|s| {
                    OPEN_STATUSES.iter().any(|o| o.eq_ignore_ascii_case(s))
                        || (s.eq_ignore_ascii_case("Granted")
                            && r.schedule.start.is_some_and(|st| st > self.now))
                })
        });
        if pending {
            rec.code(
                "PendingRoleAssignmentRequest",
                "an open request for this principal and target already exists".to_owned(),
            );
        }
    }

    /// Step 9: deny, step up, wait for approval, or allow.
    pub(super) fn conclude(
        &self,
        rules: &ActivationRules,
        mut rec: Record,
        out: &mut ActivationDecision,
    ) {
        out.claims_challenge = rec.claims.clone();
        out.conditional_access = rec.conditional_access.take();
        let mut codes = rec.codes.clone();
        if rec.denies() {
            if let Some(acrs) = rec.acrs_step_up {
                codes.push(acrs);
                rec.reasons.push(CodeReason {
                    code: acrs,
                    message: "a token carrying the authentication context is also required"
                        .to_owned(),
                });
            }
            out.decision = ActivationOutcome::Deny;
            out.error = Some(ErrorOut {
                code: first_code(&rec.failed_rules, &codes),
                failed_rules: rec.failed_rules.clone(),
            });
            out.deny_reasons = rec.reasons;
            out.claims_challenge = None;
            return;
        }
        if !rec.requirements.is_empty() {
            if let Some(acrs) = rec.acrs_step_up {
                codes.push(acrs);
            }
            out.decision = ActivationOutcome::StepUp;
            out.error = Some(ErrorOut {
                code: first_code(&rec.failed_rules, &codes),
                failed_rules: rec.failed_rules.clone(),
            });
            rec.requirements.sort_by_key(|r| {
                r.any_of
                    .iter()
                    .map(RequirementItem::rank)
                    .min()
                    .unwrap_or(u8::MAX)
            });
            out.requirements = rec.requirements;
            out.approval_required = Some(rules.approval.is_approval_required);
            return;
        }
        if rules.approval.is_approval_required {
            approve(self.t, self.req, rules, self.is_group, self.now, out);
            return;
        }
        out.decision = ActivationOutcome::Allow;
        out.status = Some(if self.start == self.now {
            "Provisioned"
        } else {
            "Granted"
        });
    }
}

/// Denies at once with `code` (steps 2 and 3).
fn deny_now(out: &mut ActivationDecision, code: &'static str, message: String) {
    out.decision = ActivationOutcome::Deny;
    out.error = Some(ErrorOut {
        code,
        failed_rules: Vec::new(),
    });
    out.deny_reasons.push(CodeReason { code, message });
}

/// The decision's description of the target.
fn target_out(target: &PimTarget) -> TargetOut {
    match target {
        PimTarget::Role {
            role_definition_id,
            directory_scope_id,
            app_scope_id,
        } => TargetOut::DirectoryRole {
            role_definition_id: role_definition_id.clone(),
            directory_scope_id: directory_scope_id.clone(),
            app_scope_id: app_scope_id.clone(),
        },
        PimTarget::Group {
            group_id,
            access_id,
        } => TargetOut::Group {
            group_id: group_id.clone(),
            access_id: access_id.as_str().to_owned(),
        },
    }
}

/// The sign-in this activation's CA evaluation is about: the caller, the auth context, the
/// envelope's conditions and session.
fn as_sign_in(req: &ActivationRequest, cx: String) -> SignInRequest {
    SignInRequest {
        id: None,
        identity: Identity::User {
            user_id: req.caller.clone(),
            external_tenant_id: None,
            external_user_type: None,
        },
        context: SignInContext::AuthContext(cx),
        conditions: Box::new(req.conditions.clone()),
        applied_policies_only: false,
        session: req.session.clone(),
        time: req.time,
        // The envelope's warnings are the activation's; they are not repeated per CA step.
        warnings: Vec::new(),
    }
}
