//! PIM objects (docs/SEMANTICS.md §8–§9): schedules, instances, role management policies, their
//! assignments, and existing schedule requests.

use jiff::{SignedDuration, Timestamp};

use super::enums::{
    AccessId, ApprovalMode, AssignmentType, ExpirationType, MemberType, ScheduleAction,
};
use super::read::{Obj, child, is_guid};
use crate::diag::Diagnostics;
use crate::json::Json;

/// What a PIM object grants: a directory role at a scope, or a group's membership/ownership.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PimTarget {
    /// A directory role.
    Role {
        /// Role definition id (lowercased).
        role_definition_id: String,
        /// Directory scope (`/` tenant-wide); `None` when the object uses an app scope.
        directory_scope_id: Option<String>,
        /// Application scope, if any.
        app_scope_id: Option<String>,
    },
    /// PIM for Groups.
    Group {
        /// Group id (lowercased).
        group_id: String,
        /// Member or owner.
        access_id: AccessId,
    },
}

/// A schedule or schedule instance of any of the four families.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct PimSchedule {
    /// Object id.
    pub id: String,
    /// The user or group holding it (lowercased).
    pub principal_id: String,
    /// What it grants.
    pub target: PimTarget,
    /// Direct, through a group, or inherited.
    pub member_type: Option<MemberType>,
    /// Assigned or activated (assignments only).
    pub assignment_type: Option<AssignmentType>,
    /// Window start (`None`: since forever).
    pub start: Option<Timestamp>,
    /// Window end (`None`: no end).
    pub end: Option<Timestamp>,
    /// Schedule status (schedules only).
    pub status: Option<String>,
}

impl PimSchedule {
    /// Active at `t`: `start ≤ t < end`.
    pub fn active_at(&self, t: Timestamp) -> bool {
        self.start.is_none_or(|s| s <= t) && self.end.is_none_or(|e| t < e)
    }
}

/// A request's or schedule's `scheduleInfo`.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct ScheduleInfo {
    /// Requested start.
    pub start: Option<Timestamp>,
    /// Expiration type.
    pub expiration: Option<ExpirationType>,
    /// `afterDateTime` end.
    pub end: Option<Timestamp>,
    /// `afterDuration` length.
    pub duration: Option<SignedDuration>,
    /// A recurrence was given (unsupported, ignored).
    pub has_recurrence: bool,
}

impl ScheduleInfo {
    /// The window end implied by the expiration, counted from `start` (§8.5). A window that would
    /// end after the last representable instant ends there: `None` means "no end", which is wider.
    pub fn end_from(&self, start: Timestamp) -> Option<Timestamp> {
        match self.expiration {
            Some(ExpirationType::AfterDuration) => self
                .duration
                .map(|d| start.checked_add(d).unwrap_or(Timestamp::MAX)),
            Some(ExpirationType::AfterDateTime) => self.end,
            _ => None,
        }
    }
}

/// A role management policy rule (§9.2–§9.3).
#[derive(Debug, Clone, PartialEq, Hash)]
pub enum PolicyRule {
    /// Expiration rule.
    Expiration {
        /// Rule id (e.g. `Expiration_EndUser_Assignment`).
        id: String,
        /// Whether an end is required.
        is_expiration_required: bool,
        /// Maximum length.
        maximum_duration: Option<SignedDuration>,
    },
    /// Enablement rule.
    Enablement {
        /// Rule id.
        id: String,
        /// `MultiFactorAuthentication`, `Justification`, `Ticketing`, or others.
        enabled_rules: Vec<String>,
    },
    /// Authentication context rule.
    AuthenticationContext {
        /// Rule id.
        id: String,
        /// Whether it is on.
        is_enabled: bool,
        /// The context id (`c1`..`c99`), lowercased.
        claim_value: Option<String>,
    },
    /// Approval rule.
    Approval {
        /// Rule id.
        id: String,
        /// The approval setting.
        setting: ApprovalSetting,
    },
    /// Notification rules (not evaluated).
    Notification {
        /// Rule id.
        id: String,
    },
    /// A rule type this version does not know.
    Unknown {
        /// Rule id.
        id: String,
        /// Its `@odata.type`.
        kind: String,
    },
}

impl PolicyRule {
    /// The rule id.
    pub fn id(&self) -> &str {
        match self {
            PolicyRule::Expiration { id, .. }
            | PolicyRule::Enablement { id, .. }
            | PolicyRule::AuthenticationContext { id, .. }
            | PolicyRule::Approval { id, .. }
            | PolicyRule::Notification { id }
            | PolicyRule::Unknown { id, .. } => id,
        }
    }
}

/// `approvalSettings`.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct ApprovalSetting {
    /// Approval is required for activation.
    pub is_approval_required: bool,
    /// The requester must give a justification.
    pub is_requestor_justification_required: bool,
    /// Approval mode.
    pub approval_mode: Option<ApprovalMode>,
    /// Stages (only the first is used).
    pub stages: Vec<ApprovalStage>,
}

/// One approval stage.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct ApprovalStage {
    /// Timeout in days.
    pub timeout_days: Option<i64>,
    /// Primary approvers.
    pub primary_approvers: Vec<Approver>,
}

/// A configured approver.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Approver {
    /// One user.
    User(String),
    /// Every transitive member of a group.
    Group(String),
    /// A type this version does not use.
    Unknown(String),
}

/// `unifiedRoleManagementPolicy`.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct RoleManagementPolicy {
    /// Policy id.
    pub id: String,
    /// `/` or a group id.
    pub scope_id: Option<String>,
    /// `Directory`, `DirectoryRole` or `Group`.
    pub scope_type: Option<String>,
    /// Rules to evaluate: `effectiveRules` when present, otherwise `rules`.
    pub rules: Vec<PolicyRule>,
}

/// `unifiedRoleManagementPolicyAssignment`.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct PolicyAssignment {
    /// Assignment id.
    pub id: String,
    /// The policy id.
    pub policy_id: Option<String>,
    /// `/` or a group id (lowercased).
    pub scope_id: String,
    /// `Directory`, `DirectoryRole` or `Group`.
    pub scope_type: String,
    /// Role definition id, or `member`/`owner` for groups (lowercased).
    pub role_definition_id: String,
    /// The expanded policy, if embedded.
    pub policy: Option<RoleManagementPolicy>,
    /// JSON location.
    pub source: String,
}

/// An existing schedule request (used to find pending ones).
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct ScheduleRequest {
    /// Request id.
    pub id: Option<String>,
    /// The action.
    pub action: Option<ScheduleAction>,
    /// Principal (lowercased).
    pub principal_id: String,
    /// Target.
    pub target: PimTarget,
    /// Status (`PendingApproval`, `Granted`, ...).
    pub status: Option<String>,
    /// Schedule.
    pub schedule: ScheduleInfo,
}

/// Everything under the bundle's `pim` key.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct Pim {
    /// `roleEligibilityScheduleInstances` (or schedules, §8.4).
    pub role_eligibilities: Vec<PimSchedule>,
    /// `roleAssignmentScheduleInstances` (or schedules).
    pub role_assignments: Vec<PimSchedule>,
    /// `groupEligibilityScheduleInstances` (or schedules).
    pub group_eligibilities: Vec<PimSchedule>,
    /// `groupAssignmentScheduleInstances` (or schedules).
    pub group_assignments: Vec<PimSchedule>,
    /// Policy assignments.
    pub policy_assignments: Vec<PolicyAssignment>,
    /// Policies not embedded in an assignment.
    pub policies: Vec<RoleManagementPolicy>,
    /// Existing requests.
    pub schedule_requests: Vec<ScheduleRequest>,
}

fn guid(d: &mut Diagnostics, o: &Obj<'_>, key: &str) -> Option<String> {
    let s = o.req_str(d, key)?.trim();
    if is_guid(s) {
        Some(s.to_ascii_lowercase())
    } else {
        d.error(
            if s.contains(['<', '>', '%']) {
                "placeholder"
            } else {
                "invalidId"
            },
            &o.at(key),
            format!("\"{s}\" is not a GUID"),
        );
        None
    }
}

/// Reads the target fields (role or group) of a PIM object or request.
pub fn parse_target(d: &mut Diagnostics, o: &Obj<'_>) -> Option<PimTarget> {
    let is_role = o.has("roleDefinitionId");
    let is_group = o.has("groupId") || o.has("accessId");
    match (is_role, is_group) {
        (true, false) => {
            let role_definition_id = guid(d, o, "roleDefinitionId")?;
            let directory_scope_id = o.str(d, "directoryScopeId").map(|s| s.trim().to_owned());
            let app_scope_id = o.str(d, "appScopeId").map(|s| s.trim().to_owned());
            Some(PimTarget::Role {
                role_definition_id,
                directory_scope_id,
                app_scope_id,
            })
        }
        (false, true) => {
            let group_id = guid(d, o, "groupId");
            let access_id = o.enumeration(d, "accessId", AccessId::parse);
            if access_id.is_none() {
                d.error(
                    "missingField",
                    &o.at("accessId"),
                    "accessId (member or owner) is required",
                );
            }
            Some(PimTarget::Group {
                group_id: group_id?,
                access_id: access_id?,
            })
        }
        (true, true) => {
            d.error(
                "ambiguousTarget",
                &o.path,
                "both roleDefinitionId and groupId/accessId are present; expected one target",
            );
            None
        }
        (false, false) => {
            d.error(
                "missingField",
                &o.path,
                "expected roleDefinitionId (directory role) or groupId and accessId (group)",
            );
            None
        }
    }
}

/// Reads `scheduleInfo`.
pub fn parse_schedule_info(d: &mut Diagnostics, o: &Obj<'_>) -> ScheduleInfo {
    let mut info = ScheduleInfo {
        start: o.time(d, "startDateTime"),
        has_recurrence: o.has("recurrence"),
        ..ScheduleInfo::default()
    };
    if let Some(e) = o.obj(d, "expiration") {
        info.expiration = e.enumeration(d, "type", ExpirationType::parse);
        info.end = e.time(d, "endDateTime");
        info.duration = e.duration(d, "duration");
        match &info.expiration {
            Some(ExpirationType::AfterDuration) => {
                if info.duration.is_none() && !e.has("duration") {
                    d.error(
                        "missingField",
                        &e.at("duration"),
                        "afterDuration needs a duration",
                    );
                }
                if e.has("endDateTime") {
                    d.error(
                        "conflictingFields",
                        &e.at("endDateTime"),
                        "afterDuration must not carry an endDateTime",
                    );
                }
            }
            Some(ExpirationType::AfterDateTime) if !e.has("endDateTime") => {
                d.error(
                    "missingField",
                    &e.at("endDateTime"),
                    "afterDateTime needs an endDateTime",
                );
            }
            Some(ExpirationType::Unknown(v)) => d.error(
                "invalidEnum",
                &e.at("type"),
                format!("unknown expiration type \"{v}\""),
            ),
            _ => {}
        }
    }
    info
}

/// Reads a schedule (`is_instance == false`) or instance of any family.
pub fn parse_schedule(
    d: &mut Diagnostics,
    json: &Json,
    path: &str,
    is_instance: bool,
) -> Option<PimSchedule> {
    let o = Obj::new(d, json, path)?;
    let id = o.str(d, "id").unwrap_or("").to_owned();
    let principal_id = guid(d, &o, "principalId");
    let target = parse_target(d, &o);
    let member_type = o.enumeration(d, "memberType", MemberType::parse);
    let assignment_type = o.enumeration(d, "assignmentType", AssignmentType::parse);
    let status = o.str(d, "status").map(str::to_owned);
    let (start, end) = if is_instance {
        (o.time(d, "startDateTime"), o.time(d, "endDateTime"))
    } else {
        let info = o
            .obj(d, "scheduleInfo")
            .map(|s| parse_schedule_info(d, &s))
            .unwrap_or_default();
        // Without a start, a duration ends nowhere: reading it as "no end" would make a bounded
        // schedule permanent.
        if info.start.is_none()
            && info.expiration == Some(ExpirationType::AfterDuration)
            && info.duration.is_some()
        {
            d.error(
                "missingField",
                &child(&o.at("scheduleInfo"), "startDateTime"),
                "an afterDuration schedule needs a startDateTime to know when it ends",
            );
        }
        let end = info.start.and_then(|s| info.end_from(s)).or(info.end);
        (info.start, end)
    };
    Some(PimSchedule {
        id,
        principal_id: principal_id?,
        target: target?,
        member_type,
        assignment_type,
        start,
        end,
        status,
    })
}

fn parse_rule(d: &mut Diagnostics, json: &Json, path: &str) -> Option<PolicyRule> {
    let o = Obj::new(d, json, path)?;
    let id = o.req_str(d, "id")?.trim().to_owned();
    let declared = o.odata_type().map(|t| {
        let t = t.to_ascii_lowercase();
        t.strip_prefix("unifiedrolemanagementpolicy")
            .and_then(|r| r.strip_suffix("rule"))
            .unwrap_or(&t)
            .to_owned()
    });
    let prefix = id.split('_').next().unwrap_or("").to_ascii_lowercase();
    if let Some(kind) = &declared
        && kind != &prefix
        && matches!(
            prefix.as_str(),
            "expiration" | "enablement" | "authenticationcontext" | "approval" | "notification"
        )
    {
        d.error(
            "conflictingRuleType",
            &o.at("@odata.type"),
            format!("rule \"{id}\" carries @odata.type for a {kind} rule"),
        );
        return None;
    }
    let kind = declared.unwrap_or(prefix);
    Some(match kind.as_str() {
        "expiration" => PolicyRule::Expiration {
            is_expiration_required: o.bool(d, "isExpirationRequired").unwrap_or(false),
            maximum_duration: o.duration(d, "maximumDuration"),
            id,
        },
        "enablement" => PolicyRule::Enablement {
            enabled_rules: o
                .strings(d, "enabledRules")
                .into_iter()
                .map(|(s, _)| s.trim().to_owned())
                .collect(),
            id,
        },
        "authenticationcontext" => PolicyRule::AuthenticationContext {
            is_enabled: o.bool(d, "isEnabled").unwrap_or(false),
            claim_value: o
                .str(d, "claimValue")
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty()),
            id,
        },
        "approval" => PolicyRule::Approval {
            setting: o
                .obj(d, "setting")
                .map(|s| parse_approval(d, &s))
                .unwrap_or_default(),
            id,
        },
        "notification" => PolicyRule::Notification { id },
        other => {
            d.warn(
                "unknownRuleType",
                &o.path,
                format!("rule type \"{other}\" is not evaluated"),
            );
            PolicyRule::Unknown {
                kind: other.to_owned(),
                id,
            }
        }
    })
}

fn parse_approval(d: &mut Diagnostics, s: &Obj<'_>) -> ApprovalSetting {
    let mut out = ApprovalSetting {
        is_approval_required: s.bool(d, "isApprovalRequired").unwrap_or(false),
        is_requestor_justification_required: s
            .bool(d, "isRequestorJustificationRequired")
            .unwrap_or(false),
        approval_mode: s.enumeration(d, "approvalMode", ApprovalMode::parse),
        stages: Vec::new(),
    };
    for (item, p) in s.array(d, "approvalStages") {
        let Some(st) = Obj::new(d, item, &p) else {
            continue;
        };
        let mut stage = ApprovalStage {
            timeout_days: st.int(d, "approvalStageTimeOutInDays"),
            primary_approvers: Vec::new(),
        };
        for (a, ap) in st.array(d, "primaryApprovers") {
            let Some(ao) = Obj::new(d, a, &ap) else {
                continue;
            };
            let kind = ao.odata_type().unwrap_or("").to_ascii_lowercase();
            let approver = if kind == "singleuser" || (kind.is_empty() && ao.has("userId")) {
                guid(d, &ao, "userId").map(Approver::User)
            } else if kind == "groupmembers" || (kind.is_empty() && ao.has("groupId")) {
                guid(d, &ao, "groupId").map(Approver::Group)
            } else {
                d.warn(
                    "unsupportedApprover",
                    &ao.path,
                    format!("approver type \"{kind}\" is ignored"),
                );
                Some(Approver::Unknown(kind))
            };
            stage.primary_approvers.extend(approver);
        }
        out.stages.push(stage);
    }
    out
}

/// Reads a `unifiedRoleManagementPolicy`.
pub fn parse_management_policy(
    d: &mut Diagnostics,
    json: &Json,
    path: &str,
) -> Option<RoleManagementPolicy> {
    let o = Obj::new(d, json, path)?;
    let id = o.str(d, "id").unwrap_or("").to_owned();
    let key = if o.has("effectiveRules") {
        "effectiveRules"
    } else {
        "rules"
    };
    let mut rules = Vec::new();
    for (item, p) in o.array(d, key) {
        rules.extend(parse_rule(d, item, &p));
    }
    Some(RoleManagementPolicy {
        id,
        scope_id: o.str(d, "scopeId").map(|s| s.trim().to_ascii_lowercase()),
        scope_type: o.str(d, "scopeType").map(str::to_owned),
        rules,
    })
}

/// Reads a `unifiedRoleManagementPolicyAssignment`.
pub fn parse_policy_assignment(
    d: &mut Diagnostics,
    json: &Json,
    path: &str,
) -> Option<PolicyAssignment> {
    let o = Obj::new(d, json, path)?;
    let id = o.str(d, "id").unwrap_or("").to_owned();
    let scope_id = o
        .req_str(d, "scopeId")
        .map(|s| s.trim().to_ascii_lowercase());
    let scope_type = o.req_str(d, "scopeType").map(str::to_owned);
    let role_definition_id = o
        .req_str(d, "roleDefinitionId")
        .map(|s| s.trim().to_ascii_lowercase());
    let policy = match o.get("policy") {
        Some(p) => parse_management_policy(d, p, &o.at("policy")),
        None => None,
    };
    Some(PolicyAssignment {
        id,
        policy_id: o.str(d, "policyId").map(str::to_owned),
        scope_id: scope_id?,
        scope_type: scope_type?,
        role_definition_id: role_definition_id?,
        policy,
        source: format!("{}:{path}", d.file),
    })
}

/// Reads an existing schedule request.
pub fn parse_schedule_request(
    d: &mut Diagnostics,
    json: &Json,
    path: &str,
) -> Option<ScheduleRequest> {
    let o = Obj::new(d, json, path)?;
    let principal_id = guid(d, &o, "principalId");
    let target = parse_target(d, &o);
    let schedule = o
        .obj(d, "scheduleInfo")
        .map(|s| parse_schedule_info(d, &s))
        .unwrap_or_default();
    Some(ScheduleRequest {
        id: o.str(d, "id").map(str::to_owned),
        action: o.enumeration(d, "action", ScheduleAction::parse),
        principal_id: principal_id?,
        target: target?,
        status: o.str(d, "status").map(str::to_owned),
        schedule,
    })
}
