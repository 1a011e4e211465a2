//! Helpers for the activation tests (`examples_activation`, `activation_rules`,
//! `activation_guidance`): tenant bundles built as JSON, activation envelopes, running both
//! engines (and asserting they agree), and spec-derived expectations checked as JSON patterns.
//!
//! Pattern matching ([`matches`]): an expected object constrains only the keys it names; an
//! expected `null` means "absent or null"; an expected `[]` means "absent, null or empty"; any
//! other array must have the same length and match item by item; `{"$anyOf": [...]}` accepts any
//! of the alternatives; scalars compare exactly.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use jitgate::{Explain, ReferenceEvaluator, Snapshot, Tenant};
use serde_json::{Value, json};

/// The evaluation instant of every synthetic request.
pub const T: &str = "2026-03-02T09:00:00Z";

/// Requester.
pub const ALICE: &str = "a11ce000-0000-4000-8000-000000000001";
/// Another user (approver, mismatching principal).
pub const BOB: &str = "b0b00000-0000-4000-8000-000000000002";
/// A user with no PIM objects.
pub const CAROL: &str = "ca201000-0000-4000-8000-000000000003";

/// Security Administrator: the role most tests activate.
pub const ROLE: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
/// User Administrator: a role without a policy assignment in the synthetic tenants.
pub const ROLE_NO_POLICY: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
/// Global Administrator.
pub const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Privileged Role Administrator.
pub const PRA: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";

/// A PIM for Groups group.
pub const PIM_GROUP: &str = "9e000000-0000-4000-8000-0000000000a1";
/// A role-assignable group that holds a role eligibility.
pub const ELIGIBLE_GROUP: &str = "9e000000-0000-4000-8000-0000000000a2";
/// An approver group.
pub const APPROVER_GROUP: &str = "9e000000-0000-4000-8000-0000000000a3";

/// Strength ids.
pub const MFA_STRENGTH: &str = "00000000-0000-0000-0000-000000000002";
/// Phishing-resistant MFA.
pub const PHISHING_RESISTANT: &str = "00000000-0000-0000-0000-000000000004";

/// `2026-03-02THH:MM:00Z` for `"HH:MM"`; any other text is returned unchanged.
pub fn at(s: &str) -> String {
    if s.len() == 5 && s.as_bytes().get(2) == Some(&b':') {
        format!("2026-03-02T{s}:00Z")
    } else {
        s.to_owned()
    }
}

/// The claims challenge for `cx` (§4.3).
pub fn challenge(cx: &str) -> String {
    format!("{{\"access_token\":{{\"acrs\":{{\"essential\":true,\"value\":\"{cx}\"}}}}}}")
}

/// The phishing-resistant strength requirement item (§4.2).
pub fn phishing_resistant_item() -> Value {
    json!({"type": "authenticationStrength", "id": PHISHING_RESISTANT,
           "displayName": "Phishing-resistant MFA",
           "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"]})
}

/// The auth-context requirement clause of §10.2 step 7.5.
pub fn acrs_clause(cx: &str) -> Value {
    json!({"anyOf": [{"type": "authenticationContext", "value": cx, "claimsChallenge": challenge(cx)}],
           "policyIds": []})
}

/// A `{anyOf:[{type:mfa}]}` clause.
pub fn mfa_clause() -> Value {
    json!({"anyOf": [{"type": "mfa"}]})
}

// ---------------------------------------------------------------------------------------------
// Tenant bundles
// ---------------------------------------------------------------------------------------------

/// End-user role settings for one role or group policy (§9.2–§9.3).
#[derive(Clone)]
pub struct Rules {
    /// `Expiration_EndUser_Assignment.isExpirationRequired`.
    pub expiration_required: bool,
    /// `Expiration_EndUser_Assignment.maximumDuration`.
    pub max: String,
    /// `Enablement_EndUser_Assignment.enabledRules`.
    pub enabled: Vec<String>,
    /// `AuthenticationContext_EndUser_Assignment`: `None` off, `Some(claim)` on.
    pub auth_context: Option<Value>,
    /// `isApprovalRequired`.
    pub approval: bool,
    /// `isRequestorJustificationRequired`.
    pub requestor_justification: bool,
    /// `approvalStageTimeOutInDays`.
    pub timeout_days: i64,
    /// `primaryApprovers`.
    pub approvers: Vec<Value>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            expiration_required: true,
            max: "PT8H".to_owned(),
            enabled: vec!["Justification".to_owned()],
            auth_context: None,
            approval: false,
            requestor_justification: false,
            timeout_days: 1,
            approvers: Vec::new(),
        }
    }
}

impl Rules {
    /// Sets the maximum activation length.
    pub fn max(mut self, d: &str) -> Self {
        self.max = d.to_owned();
        self
    }
    /// Sets `isExpirationRequired`.
    pub fn expiration_required(mut self, b: bool) -> Self {
        self.expiration_required = b;
        self
    }
    /// Sets `enabledRules`.
    pub fn enabled(mut self, rules: &[&str]) -> Self {
        self.enabled = rules.iter().map(|s| (*s).to_owned()).collect();
        self
    }
    /// Turns the auth-context rule on with this claim value (a string, or JSON null).
    pub fn auth_context(mut self, claim: Value) -> Self {
        self.auth_context = Some(claim);
        self
    }
    /// Requires approval by these approvers.
    pub fn approval(mut self, approvers: Vec<Value>) -> Self {
        self.approval = true;
        self.approvers = approvers;
        self
    }
    /// Sets `isRequestorJustificationRequired`.
    pub fn requestor_justification(mut self, b: bool) -> Self {
        self.requestor_justification = b;
        self
    }
    /// Sets `approvalStageTimeOutInDays`.
    pub fn timeout_days(mut self, d: i64) -> Self {
        self.timeout_days = d;
        self
    }

    /// The policy's rules as Graph JSON (admin expiration/enablement plus the end-user rules).
    pub fn json(&self) -> Vec<Value> {
        let target = |caller: &str, level: &str| {
            json!({"caller": caller, "operations": ["All"], "level": level,
                   "inheritableSettings": [], "enforcedSettings": []})
        };
        let (claim_on, claim) = match &self.auth_context {
            Some(c) => (true, c.clone()),
            None => (false, Value::Null),
        };
        vec![
            json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
                   "id": "Expiration_Admin_Eligibility", "isExpirationRequired": false,
                   "maximumDuration": "P365D", "target": target("Admin", "Eligibility")}),
            json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
                   "id": "Expiration_Admin_Assignment", "isExpirationRequired": false,
                   "maximumDuration": "P180D", "target": target("Admin", "Assignment")}),
            json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
                   "id": "Enablement_Admin_Assignment", "enabledRules": ["Justification"],
                   "target": target("Admin", "Assignment")}),
            json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
                   "id": "Expiration_EndUser_Assignment",
                   "isExpirationRequired": self.expiration_required,
                   "maximumDuration": self.max, "target": target("EndUser", "Assignment")}),
            json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
                   "id": "Enablement_EndUser_Assignment", "enabledRules": self.enabled,
                   "target": target("EndUser", "Assignment")}),
            json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule",
                   "id": "AuthenticationContext_EndUser_Assignment", "isEnabled": claim_on,
                   "claimValue": claim, "target": target("EndUser", "Assignment")}),
            json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
            "id": "Approval_EndUser_Assignment", "target": target("EndUser", "Assignment"),
            "setting": {
                "isApprovalRequired": self.approval,
                "isApprovalRequiredForExtension": false,
                "isRequestorJustificationRequired": self.requestor_justification,
                "approvalMode": "SingleStage",
                "approvalStages": [{
                    "approvalStageTimeOutInDays": self.timeout_days,
                    "isApproverJustificationRequired": true,
                    "escalationTimeInMinutes": 0,
                    "isEscalationEnabled": false,
                    "primaryApprovers": self.approvers,
                    "escalationApprovers": []
                }]
            }}),
        ]
    }
}

/// A `singleUser` approver.
pub fn single_user(id: &str) -> Value {
    json!({"@odata.type": "#microsoft.graph.singleUser", "userId": id, "isBackup": false})
}

/// A `groupMembers` approver.
pub fn group_members(id: &str) -> Value {
    json!({"@odata.type": "#microsoft.graph.groupMembers", "groupId": id, "isBackup": false})
}

/// The policy assignment id used for a role's policy.
pub fn role_policy_assignment_id(role: &str) -> String {
    format!("DirectoryRole_tenant_policy-{role}_{role}")
}

/// The policy assignment id used for a group's `member`/`owner` policy.
pub fn group_policy_assignment_id(group: &str, access: &str) -> String {
    format!("Group_{group}_policy-{access}_{access}")
}

/// A tenant bundle (SEMANTICS §2, §8.6) assembled from parts.
#[derive(Clone, Default)]
pub struct Bundle {
    /// `directory.users`.
    pub users: Vec<Value>,
    /// `directory.groups`.
    pub groups: Vec<Value>,
    /// `pim.roleEligibilityScheduleInstances`.
    pub role_eligibilities: Vec<Value>,
    /// `pim.roleAssignmentScheduleInstances`.
    pub role_assignments: Vec<Value>,
    /// `pim.groupEligibilityScheduleInstances`.
    pub group_eligibilities: Vec<Value>,
    /// `pim.groupAssignmentScheduleInstances`.
    pub group_assignments: Vec<Value>,
    /// `pim.roleManagementPolicyAssignments`.
    pub policy_assignments: Vec<Value>,
    /// `pim.scheduleRequests`.
    pub schedule_requests: Vec<Value>,
    /// `pim.roleManagementPolicies`.
    pub management_policies: Vec<Value>,
    /// `conditionalAccessPolicies`.
    pub ca_policies: Vec<Value>,
    /// `authenticationContextClassReferences`.
    pub auth_contexts: Vec<Value>,
}

impl Bundle {
    /// Alice, Bob and Carol; auth contexts c1–c5 available; nothing else.
    pub fn new() -> Bundle {
        let mut b = Bundle::default();
        for u in [ALICE, BOB, CAROL] {
            b = b.user(u);
        }
        for c in 1..=5 {
            b.auth_contexts.push(json!({"id": format!("c{c}"),
                "displayName": format!("Context c{c}"), "isAvailable": true}));
        }
        b
    }

    /// The standard tenant of `activation_rules`: Alice is directly eligible for [`ROLE`] at
    /// `/` (2026-01-01 → 2026-12-31) and for `member` of [`PIM_GROUP`]; both use `rules`.
    pub fn standard(role_rules: &Rules, group_rules: &Rules) -> Bundle {
        Bundle::new()
            .group(PIM_GROUP, &[], false)
            .role_eligibility(
                "e1000000-0000-4000-8000-000000000001",
                ALICE,
                ROLE,
                "/",
                "2026-01-01T00:00:00Z",
                Some("2026-12-31T00:00:00Z"),
            )
            .group_eligibility(
                "e2000000-0000-4000-8000-000000000001",
                ALICE,
                PIM_GROUP,
                "member",
                "2026-01-01T00:00:00Z",
                Some("2026-12-31T00:00:00Z"),
            )
            .role_policy(ROLE, role_rules)
            .group_policy(PIM_GROUP, "member", group_rules)
    }

    /// Adds a member user.
    pub fn user(mut self, id: &str) -> Self {
        self.users.push(json!({"id": id, "userType": "Member"}));
        self
    }

    /// Adds a group with direct members.
    pub fn group(mut self, id: &str, members: &[&str], role_assignable: bool) -> Self {
        self.groups
            .push(json!({"id": id, "displayName": format!("group {id}"),
            "isAssignableToRole": role_assignable, "membershipRule": null,
            "onPremisesSyncEnabled": null, "members": members}));
        self
    }

    /// Adds a role eligibility instance; `memberType` is `Group` when `principal` is a group
    /// of this bundle.
    pub fn role_eligibility(
        mut self,
        id: &str,
        principal: &str,
        role: &str,
        scope: &str,
        start: &str,
        end: Option<&str>,
    ) -> Self {
        let member_type = if self.groups.iter().any(|g| g["id"] == principal) {
            "Group"
        } else {
            "Direct"
        };
        self.role_eligibilities
            .push(json!({"id": id, "principalId": principal,
            "roleDefinitionId": role, "directoryScopeId": scope, "appScopeId": null,
            "startDateTime": at(start), "endDateTime": end.map(at), "memberType": member_type,
            "roleEligibilityScheduleId": id}));
        self
    }

    /// Adds a role assignment instance (`Activated` or `Assigned`).
    #[allow(clippy::too_many_arguments)]
    pub fn role_assignment(
        mut self,
        id: &str,
        principal: &str,
        role: &str,
        scope: &str,
        start: &str,
        end: Option<&str>,
        assignment_type: &str,
    ) -> Self {
        let member_type = if self.groups.iter().any(|g| g["id"] == principal) {
            "Group"
        } else {
            "Direct"
        };
        self.role_assignments
            .push(json!({"id": id, "principalId": principal,
            "roleDefinitionId": role, "directoryScopeId": scope, "appScopeId": null,
            "startDateTime": at(start), "endDateTime": end.map(at),
            "assignmentType": assignment_type, "memberType": member_type,
            "roleAssignmentOriginId": id, "roleAssignmentScheduleId": id}));
        self
    }

    /// Adds a group eligibility instance.
    pub fn group_eligibility(
        mut self,
        id: &str,
        principal: &str,
        group: &str,
        access: &str,
        start: &str,
        end: Option<&str>,
    ) -> Self {
        self.group_eligibilities
            .push(json!({"id": id, "accessId": access,
            "principalId": principal, "groupId": group, "startDateTime": at(start),
            "endDateTime": end.map(at), "memberType": "direct", "eligibilityScheduleId": id}));
        self
    }

    /// Adds a group assignment instance (`activated` or `assigned`).
    #[allow(clippy::too_many_arguments)]
    pub fn group_assignment(
        mut self,
        id: &str,
        principal: &str,
        group: &str,
        access: &str,
        start: &str,
        end: Option<&str>,
        assignment_type: &str,
    ) -> Self {
        self.group_assignments
            .push(json!({"id": id, "accessId": access,
            "principalId": principal, "groupId": group, "startDateTime": at(start),
            "endDateTime": end.map(at), "assignmentType": assignment_type,
            "memberType": "direct", "assignmentScheduleId": id}));
        self
    }

    /// Assigns a policy with `rules` to a directory role.
    pub fn role_policy(self, role: &str, rules: &Rules) -> Self {
        let policy_id = format!("DirectoryRole_tenant_policy-{role}");
        self.role_policy_with_ids(&role_policy_assignment_id(role), &policy_id, role, rules)
    }

    /// Assigns a policy with `rules` to a directory role, with given assignment and policy ids.
    pub fn role_policy_with_ids(
        mut self,
        assignment_id: &str,
        policy_id: &str,
        role: &str,
        rules: &Rules,
    ) -> Self {
        self.policy_assignments.push(json!({
            "id": assignment_id, "policyId": policy_id, "scopeId": "/",
            "scopeType": "DirectoryRole", "roleDefinitionId": role,
            "policy": {"id": policy_id, "displayName": "DirectoryRole",
                       "isOrganizationDefault": false, "scopeId": "/",
                       "scopeType": "DirectoryRole", "rules": rules.json()}}));
        self
    }

    /// Assigns a policy with `rules` to a group's `member` or `owner` access.
    pub fn group_policy(mut self, group: &str, access: &str, rules: &Rules) -> Self {
        let policy_id = format!("Group_{group}_policy-{access}");
        self.policy_assignments.push(json!({
            "id": group_policy_assignment_id(group, access), "policyId": policy_id,
            "scopeId": group, "scopeType": "Group", "roleDefinitionId": access,
            "policy": {"id": policy_id, "displayName": "Group", "isOrganizationDefault": false,
                       "scopeId": group, "scopeType": "Group", "rules": rules.json()}}));
        self
    }

    /// Adds an existing schedule request for a role at `/`.
    pub fn role_request(
        mut self,
        id: &str,
        principal: &str,
        role: &str,
        status: &str,
        start: &str,
    ) -> Self {
        self.schedule_requests.push(json!({
            "@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleRequest",
            "id": id, "action": "selfActivate", "principalId": principal,
            "roleDefinitionId": role, "directoryScopeId": "/", "appScopeId": null,
            "status": status, "createdDateTime": "2026-03-02T08:00:00Z",
            "isValidationOnly": false, "justification": "earlier request",
            "scheduleInfo": {"startDateTime": at(start),
                             "expiration": {"type": "afterDuration", "duration": "PT2H"}}}));
        self
    }

    /// Adds an existing schedule request for a group's `member` access.
    pub fn group_request(
        mut self,
        id: &str,
        principal: &str,
        group: &str,
        status: &str,
        start: &str,
    ) -> Self {
        self.schedule_requests.push(json!({
            "@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest",
            "id": id, "action": "selfActivate", "principalId": principal,
            "groupId": group, "accessId": "member",
            "status": status, "createdDateTime": "2026-03-02T08:00:00Z",
            "isValidationOnly": false, "justification": "earlier request",
            "scheduleInfo": {"startDateTime": at(start),
                             "expiration": {"type": "afterDuration", "duration": "PT2H"}}}));
        self
    }

    /// The rule `rule_id` of the embedded policy of policy assignment `assignment`, to edit.
    pub fn rule_mut(&mut self, assignment: usize, rule_id: &str) -> &mut Value {
        self.policy_assignments[assignment]["policy"]["rules"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["id"] == rule_id)
            .unwrap()
    }

    /// Adds a CA policy.
    pub fn ca(mut self, policy: Value) -> Self {
        self.ca_policies.push(policy);
        self
    }

    /// The bundle as one JSON object.
    pub fn json(&self) -> Value {
        json!({
            "conditionalAccessPolicies": self.ca_policies,
            "authenticationContextClassReferences": self.auth_contexts,
            "directory": {"users": self.users, "groups": self.groups, "roleAssignments": []},
            "pim": {
                "roleEligibilityScheduleInstances": self.role_eligibilities,
                "roleAssignmentScheduleInstances": self.role_assignments,
                "groupEligibilityScheduleInstances": self.group_eligibilities,
                "groupAssignmentScheduleInstances": self.group_assignments,
                "roleManagementPolicyAssignments": self.policy_assignments,
                "roleManagementPolicies": self.management_policies,
                "scheduleRequests": self.schedule_requests
            }
        })
    }

    /// Loads the bundle (panics on a load error).
    pub fn load(&self) -> Tenant {
        load_json(&self.json())
    }
}

/// Loads a bundle given as JSON (panics on a load error).
pub fn load_json(bundle: &Value) -> Tenant {
    let bytes = serde_json::to_vec(bundle).unwrap();
    crate::common::lenient_bytes("t.json", &bytes)
        .unwrap_or_else(|e| panic!("the test tenant must load: {e}"))
}

/// A CA policy targeting auth context `cx` for all users.
pub fn ca_policy(id: &str, name: &str, state: &str, cx: &str, grant: Value) -> Value {
    json!({"id": id, "displayName": name, "state": state,
           "conditions": {
               "users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": [],
                         "excludeGroups": [], "includeRoles": [], "excludeRoles": []},
               "applications": {"includeApplications": [], "excludeApplications": [],
                                "includeUserActions": [],
                                "includeAuthenticationContextClassReferences": [cx]},
               "clientAppTypes": ["all"]},
           "grantControls": grant,
           "sessionControls": null})
}

/// `grantControls` with `block`.
pub fn block() -> Value {
    json!({"operator": "OR", "builtInControls": ["block"], "customAuthenticationFactors": [],
           "termsOfUse": [], "authenticationStrength": null})
}

/// `grantControls` with `mfa`.
pub fn grant_mfa() -> Value {
    json!({"operator": "OR", "builtInControls": ["mfa"], "customAuthenticationFactors": [],
           "termsOfUse": [], "authenticationStrength": null})
}

/// `grantControls` with an authentication strength.
pub fn grant_strength(id: &str) -> Value {
    json!({"operator": "OR", "builtInControls": [], "customAuthenticationFactors": [],
           "termsOfUse": [], "authenticationStrength": {"id": id}})
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// An activation envelope (§10.1) under construction.
#[derive(Clone)]
pub struct Req {
    /// The envelope; edit freely.
    pub json: Value,
}

impl Req {
    /// Alice self-activates `role` at `/`, starting now (no `startDateTime`) for PT2H, with a
    /// justification, from a Windows PAW, with password + Authenticator push completed at 08:59.
    pub fn role(principal: &str, role: &str) -> Req {
        Req::envelope(
            json!({
            "@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleRequest",
            "action": "selfActivate", "principalId": principal, "roleDefinitionId": role,
            "directoryScopeId": "/", "justification": "Investigate incident INC-1",
            "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT2H"}},
            "isValidationOnly": false}),
            principal,
        )
    }

    /// `principal` self-activates `access` of `group`, like [`Req::role`].
    pub fn group(principal: &str, group: &str, access: &str) -> Req {
        Req::envelope(
            json!({
            "@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest",
            "action": "selfActivate", "principalId": principal, "groupId": group,
            "accessId": access, "justification": "Investigate incident INC-1",
            "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT2H"}},
            "isValidationOnly": false}),
            principal,
        )
    }

    fn envelope(request: Value, caller: &str) -> Req {
        Req {
            json: json!({
                "request": request,
                "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": caller},
                "signInConditions": {
                    "devicePlatform": "windows", "clientAppType": "browser",
                    "ipAddress": "203.0.113.10", "country": "NL",
                    "deviceInfo": {"deviceId": "d0000000-0000-4000-8000-000000000001",
                                   "operatingSystem": "Windows", "extensionAttribute1": "PAW",
                                   "isCompliant": true, "trustType": "AzureAD"}},
                "session": {
                    "time": T,
                    "authenticationMethods": ["password", "microsoftAuthenticatorPush"],
                    "lastAuthenticatedDateTime": "2026-03-02T08:59:00Z",
                    "lastMfaDateTime": "2026-03-02T08:59:00Z",
                    "satisfiedAuthenticationContexts": []
                }
            }),
        }
    }

    fn request(&mut self) -> &mut serde_json::Map<String, Value> {
        self.json["request"].as_object_mut().unwrap()
    }

    /// Sets `action`.
    pub fn action(mut self, a: &str) -> Self {
        self.request().insert("action".into(), json!(a));
        self
    }
    /// Sets `principalId`.
    pub fn principal(mut self, p: &str) -> Self {
        self.request().insert("principalId".into(), json!(p));
        self
    }
    /// Sets `directoryScopeId`.
    pub fn scope(mut self, s: &str) -> Self {
        self.request().insert("directoryScopeId".into(), json!(s));
        self
    }
    /// Sets `justification` (`None` removes it).
    pub fn justification(mut self, j: Option<&str>) -> Self {
        match j {
            Some(j) => {
                self.request().insert("justification".into(), json!(j));
            }
            None => {
                self.request().remove("justification");
            }
        }
        self
    }
    /// Sets `ticketInfo`.
    pub fn ticket(mut self, number: Option<&str>, system: Option<&str>) -> Self {
        self.request().insert(
            "ticketInfo".into(),
            json!({"ticketNumber": number, "ticketSystem": system}),
        );
        self
    }
    /// Sets `scheduleInfo.startDateTime` (`"HH:MM"` on 2026-03-02 or a full timestamp).
    pub fn start(mut self, s: &str) -> Self {
        self.json["request"]["scheduleInfo"]["startDateTime"] = json!(at(s));
        self
    }
    /// `afterDuration` with this duration.
    pub fn duration(mut self, d: &str) -> Self {
        self.json["request"]["scheduleInfo"]["expiration"] =
            json!({"type": "afterDuration", "duration": d});
        self
    }
    /// `afterDateTime` with this end.
    pub fn until(mut self, end: &str) -> Self {
        self.json["request"]["scheduleInfo"]["expiration"] =
            json!({"type": "afterDateTime", "endDateTime": at(end)});
        self
    }
    /// `noExpiration`.
    pub fn no_expiration(mut self) -> Self {
        self.json["request"]["scheduleInfo"]["expiration"] = json!({"type": "noExpiration"});
        self
    }
    /// Removes `scheduleInfo` (a deactivation body has none).
    pub fn no_schedule(mut self) -> Self {
        self.request().remove("scheduleInfo");
        self
    }
    /// Sets `session.authenticationMethods`.
    pub fn methods(mut self, m: &[&str]) -> Self {
        self.json["session"]["authenticationMethods"] = json!(m);
        self
    }
    /// Sets `session.lastAuthenticatedDateTime` and `lastMfaDateTime`.
    pub fn last_auth(mut self, s: &str) -> Self {
        self.json["session"]["lastAuthenticatedDateTime"] = json!(at(s));
        self.json["session"]["lastMfaDateTime"] = json!(at(s));
        self
    }
    /// Sets `session.satisfiedAuthenticationContexts`.
    pub fn contexts(mut self, c: &[&str]) -> Self {
        self.json["session"]["satisfiedAuthenticationContexts"] = json!(c);
        self
    }
    /// Sets `signInConditions.deviceInfo`.
    pub fn device(mut self, d: Value) -> Self {
        self.json["signInConditions"]["deviceInfo"] = d;
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Running both engines
// ---------------------------------------------------------------------------------------------

/// Parses an envelope (panics on a parse error or any request diagnostic).
pub fn parse(envelope: &Value) -> jitgate::ActivationRequest {
    jitgate::ActivationRequest::from_json(&envelope.to_string())
        .unwrap_or_else(|e| panic!("the request must parse: {:?}", e.errors()))
}

/// Decides `envelope` with the reference evaluator and the compiled snapshot, asserts both give
/// the same JSON, and returns it.
pub fn decide(tenant: &Tenant, envelope: &Value) -> Value {
    let req = parse(envelope);
    let reference = ReferenceEvaluator::new(tenant).activate(&req, Explain::Policies);
    let compiled = Snapshot::compile(tenant.clone()).activate(&req, Explain::Policies);
    let r = serde_json::to_value(&reference).unwrap();
    let c = serde_json::to_value(&compiled).unwrap();
    assert_engines_agree(&r, &c);
    r
}

/// Decides a [`Req`].
pub fn run(tenant: &Tenant, req: &Req) -> Value {
    decide(tenant, &req.json)
}

/// The reference and compiled outputs are the same JSON.
pub fn assert_engines_agree(reference: &Value, compiled: &Value) {
    if reference != compiled {
        panic!(
            "activate_reference and activate_compiled disagree\nreference: {}\ncompiled:  {}",
            serde_json::to_string_pretty(reference).unwrap(),
            serde_json::to_string_pretty(compiled).unwrap()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Pattern matching
// ---------------------------------------------------------------------------------------------

/// Appends a message to `out` for every place where `actual` does not match `expected`.
pub fn matches(path: &str, actual: Option<&Value>, expected: &Value, out: &mut Vec<String>) {
    let shown = |a: Option<&Value>| a.map_or_else(|| "absent".to_owned(), Value::to_string);
    match expected {
        Value::Null => {
            if !matches!(actual, None | Some(Value::Null)) {
                out.push(format!("{path}: got {}, expected absent", shown(actual)));
            }
        }
        Value::Object(o) if o.len() == 1 && o.contains_key("$anyOf") => {
            let alts = o["$anyOf"].as_array().cloned().unwrap_or_default();
            let ok = alts.iter().any(|alt| {
                let mut sub = Vec::new();
                matches(path, actual, alt, &mut sub);
                sub.is_empty()
            });
            if !ok {
                out.push(format!(
                    "{path}: got {}, expected any of {}",
                    shown(actual),
                    Value::Array(alts)
                ));
            }
        }
        Value::Object(o) => match actual {
            Some(Value::Object(a)) => {
                for (k, v) in o {
                    matches(&format!("{path}.{k}"), a.get(k), v, out);
                }
            }
            _ => out.push(format!(
                "{path}: got {}, expected an object like {expected}",
                shown(actual)
            )),
        },
        Value::Array(e) if e.is_empty() => match actual {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            _ => out.push(format!(
                "{path}: got {}, expected absent or []",
                shown(actual)
            )),
        },
        Value::Array(e) => match actual {
            Some(Value::Array(a)) => {
                if a.len() != e.len() {
                    out.push(format!(
                        "{path}: got {} item(s) {}, expected {} item(s) {}",
                        a.len(),
                        Value::Array(a.clone()),
                        e.len(),
                        expected
                    ));
                }
                for (i, (x, y)) in a.iter().zip(e).enumerate() {
                    matches(&format!("{path}[{i}]"), Some(x), y, out);
                }
            }
            _ => out.push(format!(
                "{path}: got {}, expected {expected}",
                shown(actual)
            )),
        },
        scalar => {
            if actual != Some(scalar) {
                out.push(format!("{path}: got {}, expected {scalar}", shown(actual)));
            }
        }
    }
}

/// The set of `denyReasons[].code`.
pub fn deny_codes(actual: &Value) -> BTreeSet<String> {
    actual["denyReasons"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The set of `warnings[].code`.
pub fn warning_codes(actual: &Value) -> BTreeSet<String> {
    actual["warnings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// How `schedule` is checked.
#[derive(Clone)]
pub enum Sched {
    /// Not asserted (the spec does not pin it for this case).
    Unchecked,
    /// Must be absent.
    Absent,
    /// Must equal this window.
    Window(Value),
}

/// A spec-derived expectation for one decision.
#[derive(Clone)]
pub struct Expect {
    decision: &'static str,
    status: Option<&'static str>,
    error: Option<(&'static str, Vec<&'static str>)>,
    requirements: Vec<Value>,
    claims: Option<String>,
    schedule: Sched,
    extra_codes: Vec<&'static str>,
    pattern: serde_json::Map<String, Value>,
    warnings: Vec<&'static str>,
    any_warning: bool,
}

/// The policy-validation code.
pub const POLICY_FAILED: &str = "RoleAssignmentRequestPolicyValidationFailed";
/// The role acrs code.
pub const ACRS_FAILED: &str = "RoleAssignmentRequestAcrsValidationFailed";
/// The group acrs code.
pub const GROUP_ACRS_FAILED: &str = "GroupAssignmentRequestAcrsValidationFailed";

impl Expect {
    fn new(decision: &'static str) -> Expect {
        Expect {
            decision,
            status: None,
            error: None,
            requirements: Vec::new(),
            claims: None,
            schedule: Sched::Unchecked,
            extra_codes: Vec::new(),
            pattern: serde_json::Map::new(),
            warnings: Vec::new(),
            any_warning: false,
        }
    }

    /// `allow` with this status.
    pub fn allow(status: &'static str) -> Expect {
        Expect {
            status: Some(status),
            ..Expect::new("allow")
        }
    }

    /// `deny` with this error; denyReasons must carry exactly the failed rules plus the code
    /// (unless it is the policy-validation code), plus [`Expect::also_denied`].
    pub fn deny(code: &'static str, failed_rules: &[&'static str]) -> Expect {
        Expect {
            error: Some((code, failed_rules.to_vec())),
            ..Expect::new("deny")
        }
    }

    /// `deny` with the policy-validation code and these rules.
    pub fn deny_rules(failed_rules: &[&'static str]) -> Expect {
        Expect::deny(POLICY_FAILED, failed_rules)
    }

    /// `stepUp` with this error and these requirement clauses (patterns), in order.
    pub fn step_up(
        code: &'static str,
        failed_rules: &[&'static str],
        requirements: Vec<Value>,
    ) -> Expect {
        Expect {
            error: Some((code, failed_rules.to_vec())),
            requirements,
            ..Expect::new("stepUp")
        }
    }

    /// `pendingApproval` with status `PendingApproval`, these approvers and this deadline.
    pub fn pending(approvers: Value, deadline: &str) -> Expect {
        let mut e = Expect {
            status: Some("PendingApproval"),
            ..Expect::new("pendingApproval")
        };
        e.pattern.insert("approvers".into(), approvers);
        e.pattern
            .insert("approvalDeadline".into(), Value::String(at(deadline)));
        e
    }

    /// The claims challenge a stepUp carries.
    pub fn claims(mut self, cx: &str) -> Self {
        self.claims = Some(challenge(cx));
        self
    }

    /// The schedule window (`"HH:MM"` on 2026-03-02 or full timestamps).
    pub fn window(mut self, start: &str, end: &str, duration: Value) -> Self {
        self.schedule = Sched::Window(json!({"startDateTime": at(start),
            "endDateTime": at(end), "duration": duration}));
        self
    }

    /// An open-ended schedule window.
    pub fn open_window(mut self, start: &str) -> Self {
        self.schedule = Sched::Window(json!({"startDateTime": at(start),
            "endDateTime": null, "duration": null}));
        self
    }

    /// The schedule is not asserted.
    pub fn schedule_unchecked(mut self) -> Self {
        self.schedule = Sched::Unchecked;
        self
    }

    /// The schedule must be absent.
    pub fn no_schedule(mut self) -> Self {
        self.schedule = Sched::Absent;
        self
    }

    /// Further codes that denyReasons must carry.
    pub fn also_denied(mut self, codes: &[&'static str]) -> Self {
        self.extra_codes.extend_from_slice(codes);
        self
    }

    /// `approvalRequired` on a stepUp.
    pub fn approval_required(mut self, b: bool) -> Self {
        self.pattern
            .insert("approvalRequired".into(), Value::Bool(b));
        self
    }

    /// The eligibility used.
    pub fn eligibility(mut self, id: &str, member_type: &str) -> Self {
        self.pattern.insert(
            "eligibility".into(),
            json!({"id": id, "memberType": member_type}),
        );
        self
    }

    /// Any further output field, as a pattern.
    pub fn field(mut self, key: &str, pattern: Value) -> Self {
        self.pattern.insert(key.into(), pattern);
        self
    }

    /// A warning with this code must be present.
    pub fn warning(mut self, code: &'static str) -> Self {
        self.warnings.push(code);
        self
    }

    /// At least one warning must be present (the spec requires one but does not name it).
    pub fn some_warning(mut self) -> Self {
        self.any_warning = true;
        self
    }

    /// The whole expectation as a pattern over the output.
    fn to_pattern(&self) -> Value {
        let mut p = serde_json::Map::new();
        p.insert("decision".into(), json!(self.decision));
        p.insert("status".into(), json!(self.status));
        p.insert(
            "error".into(),
            match &self.error {
                Some((code, rules)) => json!({"code": code, "failedRules": rules}),
                None => Value::Null,
            },
        );
        p.insert(
            "requirements".into(),
            Value::Array(self.requirements.clone()),
        );
        p.insert("claimsChallenge".into(), json!(self.claims));
        match &self.schedule {
            Sched::Unchecked => {}
            Sched::Absent => {
                p.insert("schedule".into(), Value::Null);
            }
            Sched::Window(w) => {
                p.insert("schedule".into(), w.clone());
            }
        }
        if self.decision != "pendingApproval" {
            p.insert("approvers".into(), Value::Null);
            p.insert("approvalDeadline".into(), Value::Null);
        }
        if self.decision != "deny" {
            p.insert("denyReasons".into(), json!([]));
        }
        for (k, v) in &self.pattern {
            p.insert(k.clone(), v.clone());
        }
        Value::Object(p)
    }

    /// Every mismatch between `actual` and this expectation.
    pub fn mismatches(&self, actual: &Value) -> Vec<String> {
        let mut out = Vec::new();
        matches("$", Some(actual), &self.to_pattern(), &mut out);
        if self.decision == "stepUp"
            && !self.pattern.contains_key("approvalRequired")
            && !actual["approvalRequired"].is_boolean()
        {
            out.push("$.approvalRequired: a stepUp carries approvalRequired".to_owned());
        }
        if self.decision == "deny" {
            let mut want: BTreeSet<String> = BTreeSet::new();
            if let Some((code, rules)) = &self.error {
                want.extend(rules.iter().map(|r| (*r).to_owned()));
                if *code != POLICY_FAILED {
                    want.insert((*code).to_owned());
                }
            }
            want.extend(self.extra_codes.iter().map(|c| (*c).to_owned()));
            let got = deny_codes(actual);
            if got != want {
                out.push(format!(
                    "$.denyReasons[].code: got {got:?}, expected {want:?}"
                ));
            }
        }
        let warnings = warning_codes(actual);
        for w in &self.warnings {
            if !warnings.contains(*w) {
                out.push(format!(
                    "$.warnings: expected a `{w}` warning, got {warnings:?}"
                ));
            }
        }
        if self.any_warning && warnings.is_empty() {
            out.push("$.warnings: expected a warning, got none".to_owned());
        }
        out
    }

    /// Panics with every mismatch (and the output) unless `actual` meets this expectation.
    pub fn check(&self, actual: &Value) {
        let m = self.mismatches(actual);
        if !m.is_empty() {
            panic!(
                "{} mismatch(es) against docs/SEMANTICS.md:\n  - {}\noutput: {}",
                m.len(),
                m.join("\n  - "),
                serde_json::to_string_pretty(actual).unwrap()
            );
        }
    }
}

/// Every warning code the tenant and the decision carry: the decision's `warnings`, the load
/// warnings, and the validation (§11) findings. SEMANTICS asks for "a warning" in several places
/// without saying whether it is a load, validation or decision warning.
pub fn all_warnings(tenant: &Tenant, decision: &Value) -> BTreeSet<String> {
    let mut codes = warning_codes(decision);
    codes.extend(tenant.warnings.iter().map(|w| w.code.to_owned()));
    codes.extend(
        jitgate::validate(tenant, false)
            .findings
            .iter()
            .filter(|f| !f.is_error())
            .map(|f| f.code.to_owned()),
    );
    codes
}

/// Panics unless some warning (load, validation or decision) was produced.
pub fn assert_warned(tenant: &Tenant, decision: &Value, what: &str) {
    assert!(
        !all_warnings(tenant, decision).is_empty(),
        "{what}: docs/SEMANTICS.md asks for a warning, but neither the decision, the load nor the \
         validation produced one"
    );
}

/// Several labelled checks in one test: every failing case is reported before panicking.
#[derive(Default)]
pub struct Cases {
    failures: Vec<String>,
}

impl Cases {
    /// A new collector.
    pub fn new() -> Cases {
        Cases::default()
    }

    /// Decides `req` against `tenant` and records mismatches with `expect` under `label`.
    pub fn case(&mut self, label: &str, tenant: &Tenant, req: &Req, expect: &Expect) -> Value {
        let actual = run(tenant, req);
        let m = expect.mismatches(&actual);
        if !m.is_empty() {
            self.failures.push(format!(
                "[{label}] {} mismatch(es):\n  - {}\n  output: {}",
                m.len(),
                m.join("\n  - "),
                actual
            ));
        }
        actual
    }

    /// Records a free-form failure.
    pub fn fail(&mut self, label: &str, message: String) {
        self.failures.push(format!("[{label}] {message}"));
    }

    /// Panics when any case failed.
    pub fn finish(self) {
        if !self.failures.is_empty() {
            panic!(
                "{} case(s) disagree with docs/SEMANTICS.md:\n{}",
                self.failures.len(),
                self.failures.join("\n")
            );
        }
    }
}
