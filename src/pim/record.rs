//! What the procedure records as it goes (§10.2 steps 4–8), and the error code it ends with.

use super::*;

/// What the procedure recorded (§10.2 steps 4–8).
#[derive(Default)]
pub(super) struct Record {
    pub(super) failed_rules: Vec<&'static str>,
    pub(super) codes: Vec<&'static str>,
    pub(super) reasons: Vec<CodeReason>,
    pub(super) requirements: Vec<Requirement>,
    pub(super) acrs_step_up: Option<&'static str>,
    pub(super) claims: Option<String>,
    pub(super) conditional_access: Option<ConditionalAccessOut>,
}

impl Record {
    pub(super) fn rule(&mut self, rule: &'static str, message: String) {
        if !self.failed_rules.contains(&rule) {
            self.failed_rules.push(rule);
        }
        self.reasons.push(CodeReason {
            code: rule,
            message,
        });
    }

    pub(super) fn code(&mut self, code: &'static str, message: String) {
        if !self.codes.contains(&code) {
            self.codes.push(code);
        }
        self.reasons.push(CodeReason { code, message });
    }

    pub(super) fn require(
        &mut self,
        any_of: Vec<RequirementItem>,
        policy_ids: &[String],
        source: Option<&str>,
    ) {
        if let Some(r) = self.requirements.iter_mut().find(|r| r.any_of == any_of) {
            for p in policy_ids {
                if !r.policy_ids.contains(p) {
                    r.policy_ids.push(p.clone());
                }
            }
            if r.source.is_none() {
                r.source = source.map(str::to_owned);
            }
        } else {
            self.requirements.push(Requirement {
                any_of,
                policy_ids: policy_ids.to_vec(),
                source: source.map(str::to_owned),
            });
        }
    }

    /// Deny-type failures: anything but `MfaRule` and an auth-context step-up.
    pub(super) fn denies(&self) -> bool {
        self.failed_rules.iter().any(|r| *r != "MfaRule") || !self.codes.is_empty()
    }
}

/// Error codes in §10.4's table order (after the policy-validation row).
const CODE_ORDER: [&str; 11] = [
    "RoleAssignmentExists",
    "PendingRoleAssignmentRequest",
    "ActiveDurationTooShort",
    "RoleAssignmentDoesNotExist",
    "RoleAssignmentRequestAcrsValidationFailed",
    "GroupAssignmentRequestAcrsValidationFailed",
    "ActionNotSupported",
    "GroupPrincipalNotAllowed",
    "PrincipalMismatch",
    "UnsupportedPolicyRule",
    "NoApproverAvailable",
];

pub(super) fn first_code(failed_rules: &[&'static str], codes: &[&'static str]) -> &'static str {
    if !failed_rules.is_empty() {
        return "RoleAssignmentRequestPolicyValidationFailed";
    }
    CODE_ORDER
        .iter()
        .find(|c| codes.contains(c))
        .copied()
        .unwrap_or("RoleAssignmentRequestPolicyValidationFailed")
}
