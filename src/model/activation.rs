//! The activation request envelope (SEMANTICS.md §8.5, §10.1): a Graph schedule request for a
//! directory role or a PIM for Groups membership/ownership, plus the caller's sign-in facts.

use super::enums::ScheduleAction;
use super::pim::{PimTarget, ScheduleInfo, parse_schedule_info, parse_target};
use super::read::Obj;
use super::request::{
    Identity, Session, SignInConditions, parse_conditions, parse_identity, parse_session,
};
use crate::diag::Diagnostics;
use crate::json::Json;
use jiff::Timestamp;

/// A parsed activation envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivationRequest {
    /// The caller's `id` for this request, echoed.
    pub id: Option<Json>,
    /// The requested action.
    pub action: ScheduleAction,
    /// The principal the request is for (lowercased).
    pub principal_id: String,
    /// Role at a scope, or group with access.
    pub target: PimTarget,
    /// Justification text.
    pub justification: Option<String>,
    /// Ticket number.
    pub ticket_number: Option<String>,
    /// Ticket system.
    pub ticket_system: Option<String>,
    /// The requested schedule.
    pub schedule: ScheduleInfo,
    /// Echoed back (jitgate never has side effects).
    pub is_validation_only: bool,
    /// The caller (a user sign-in).
    pub caller: String,
    /// The caller's sign-in conditions, for the auth-context evaluation.
    pub conditions: SignInConditions,
    /// What the caller's session has proven; `time` is always set after parsing.
    pub session: Session,
}

impl ActivationRequest {
    /// The evaluation instant.
    pub fn time(&self) -> Timestamp {
        self.session.time.unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// Parses an activation envelope. `default_time` fills a missing `session.time`.
pub fn parse_activation(
    d: &mut Diagnostics,
    json: &Json,
    default_time: Option<Timestamp>,
) -> Option<ActivationRequest> {
    let o = Obj::new(d, json, "$")?;
    let id = o.get("id").cloned();
    let Some(r) = o.obj(d, "request") else {
        if !o.has("request") {
            d.error(
                "missingField",
                "$.request",
                "request (the Graph schedule request body) is required",
            );
        }
        return None;
    };
    let declared = r.odata_type().map(str::to_ascii_lowercase);
    let target = parse_target(d, &r);
    match (&declared, &target) {
        (Some(t), Some(PimTarget::Group { .. })) if t.starts_with("unifiedrole") => d.error(
            "conflictingFields",
            &r.at("@odata.type"),
            "a unifiedRoleAssignmentScheduleRequest needs roleDefinitionId and a scope, not groupId/accessId",
        ),
        (Some(t), Some(PimTarget::Role { .. })) if t.starts_with("privilegedaccessgroup") => d.error(
            "conflictingFields",
            &r.at("@odata.type"),
            "a privilegedAccessGroupAssignmentScheduleRequest needs groupId and accessId, not roleDefinitionId",
        ),
        _ => {}
    }
    if let Some(PimTarget::Role {
        directory_scope_id: None,
        app_scope_id: None,
        ..
    }) = &target
    {
        d.error(
            "missingField",
            &r.at("directoryScopeId"),
            "a role request needs directoryScopeId or appScopeId",
        );
    }
    let action = match r.enumeration(d, "action", ScheduleAction::parse) {
        Some(a) => Some(a),
        None => {
            d.error(
                "missingField",
                &r.at("action"),
                "action is required (selfActivate or selfDeactivate)",
            );
            None
        }
    };
    let principal_id = r
        .req_str(d, "principalId")
        .map(|s| s.trim().to_ascii_lowercase());
    let schedule = r
        .obj(d, "scheduleInfo")
        .map(|s| parse_schedule_info(d, &s))
        .unwrap_or_default();
    if schedule.has_recurrence {
        d.warn(
            "recurrenceIgnored",
            &r.at("scheduleInfo.recurrence"),
            "PIM does not support recurrence; it is ignored",
        );
    }
    let (ticket_number, ticket_system) = match r.obj(d, "ticketInfo") {
        Some(t) => (
            t.str(d, "ticketNumber").map(str::to_owned),
            t.str(d, "ticketSystem").map(str::to_owned),
        ),
        None => (None, None),
    };
    let caller = match o.obj(d, "signInIdentity") {
        Some(i) => match parse_identity(d, &i) {
            Some(Identity::User { user_id, .. }) => Some(user_id),
            Some(Identity::ServicePrincipal { .. }) => {
                d.error(
                    "invalidEnum",
                    "$.signInIdentity",
                    "activations are made by users: signInIdentity must be a #microsoft.graph.userSignIn",
                );
                None
            }
            None => None,
        },
        None => {
            d.error(
                "missingField",
                "$.signInIdentity",
                "signInIdentity (the caller) is required",
            );
            None
        }
    };
    let conditions = o
        .obj(d, "signInConditions")
        .map(|c| parse_conditions(d, &c))
        .unwrap_or_default();
    let mut session = o
        .obj(d, "session")
        .map(|s| parse_session(d, &s))
        .unwrap_or_default();
    if session.time.is_none() {
        match default_time {
            Some(t) => session.time = Some(t),
            None => d.error("missingField", "$.session.time", "session.time is required"),
        }
    }
    let justification = r.str(d, "justification").map(str::to_owned);
    let is_validation_only = r.bool(d, "isValidationOnly").unwrap_or(false);
    if d.has_errors() {
        return None;
    }
    Some(ActivationRequest {
        id,
        action: action?,
        principal_id: principal_id?,
        target: target?,
        justification,
        ticket_number,
        ticket_system,
        schedule,
        is_validation_only,
        caller: caller?,
        conditions,
        session,
    })
}
