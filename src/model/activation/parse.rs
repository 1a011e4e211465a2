//! Reading an activation envelope (JSON) into an [`ActivationRequestBuilder`]; the builder's
//! checks finish it.

use jiff::Timestamp;

use super::{ActivationRequest, ActivationRequestBuilder};
use crate::diag::Diagnostics;
use crate::json::Json;
use crate::model::enums::ScheduleAction;
use crate::model::pim::{PimTarget, parse_schedule_info, parse_target};
use crate::model::read::Obj;
use crate::model::request::{Identity, parse_conditions, parse_identity, parse_session};

/// Parses an activation envelope. `default_time` fills a missing `session.time`.
pub fn parse_activation(
    d: &mut Diagnostics,
    json: &Json,
    default_time: Option<Timestamp>,
) -> Option<ActivationRequest> {
    let o = Obj::new(d, json, "$")?;
    let id = o.get("id").map(Json::to_value);
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
    let principal_id = r.req_str(d, "principalId").map(str::to_owned);
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
    let session = o
        .obj(d, "session")
        .map(|s| parse_session(d, &s))
        .unwrap_or_default();
    let justification = r.str(d, "justification").map(str::to_owned);
    let is_validation_only = r.bool(d, "isValidationOnly").unwrap_or(false);
    let builder = ActivationRequestBuilder {
        id,
        action: action?,
        principal_id: principal_id?,
        target: target?,
        justification,
        ticket_number,
        ticket_system,
        schedule,
        is_validation_only,
        caller,
        conditions,
        session,
    };
    builder.finish(d, default_time)
}
