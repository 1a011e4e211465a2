//! The activation request (docs/SEMANTICS.md §8.5, §10.1): a Graph schedule request for a directory
//! role or a PIM for Groups membership/ownership, plus the caller's sign-in facts. Built by
//! [`ActivationRequestBuilder`] or read from JSON; both end in the same checks.

mod parse;

use std::net::IpAddr;

use jiff::{SignedDuration, Timestamp};

pub use parse::parse_activation;

use super::enums::{AccessId, AuthMethod, ClientAppType, ExpirationType, Platform, ScheduleAction};
use super::pim::{PimTarget, ScheduleInfo};
use super::request::{
    DeviceInfo, Session, SignInConditions, check_conditions, check_session, from_json_text,
    normalize_guid,
};
use crate::diag::{Diagnostic, Diagnostics};

/// A PIM activation (or deactivation) request to decide.
///
/// ```
/// use jitgate::{ActivationRequest, AuthMethod};
///
/// let request = ActivationRequest::role(
///     "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03",
///     "62e90394-69f5-4237-9190-012177145e10",
/// )
/// .justification("incident 4711")
/// .duration(jiff::SignedDuration::from_hours(2))
/// .methods([AuthMethod::Password, AuthMethod::MicrosoftAuthenticatorPush])
/// .at("2026-03-02T09:00:00Z".parse()?)
/// .build()?;
/// assert_eq!(request.principal_id(), "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ActivationRequest {
    pub(crate) id: Option<serde_json::Value>,
    pub(crate) action: ScheduleAction,
    pub(crate) principal_id: String,
    pub(crate) target: PimTarget,
    pub(crate) justification: Option<String>,
    pub(crate) ticket_number: Option<String>,
    pub(crate) ticket_system: Option<String>,
    pub(crate) schedule: ScheduleInfo,
    pub(crate) is_validation_only: bool,
    pub(crate) caller: String,
    pub(crate) conditions: SignInConditions,
    pub(crate) session: Session,
    pub(crate) time: Timestamp,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl ActivationRequest {
    /// Starts a `selfActivate` request for a directory role, tenant-wide (`directoryScopeId` `/`).
    pub fn role(
        principal_id: impl Into<String>,
        role_definition_id: impl Into<String>,
    ) -> ActivationRequestBuilder {
        ActivationRequestBuilder::new(
            principal_id.into(),
            PimTarget::Role {
                role_definition_id: role_definition_id.into(),
                directory_scope_id: Some("/".to_owned()),
                app_scope_id: None,
            },
        )
    }

    /// Starts a `selfActivate` request for a PIM for Groups membership or ownership.
    pub fn group(
        principal_id: impl Into<String>,
        group_id: impl Into<String>,
        access: AccessId,
    ) -> ActivationRequestBuilder {
        ActivationRequestBuilder::new(
            principal_id.into(),
            PimTarget::Group {
                group_id: group_id.into(),
                access_id: access,
            },
        )
    }

    /// Reads an activation envelope (docs/SEMANTICS.md §10.1) from JSON text; `session.time` is
    /// required.
    pub fn from_json(text: &str) -> Result<ActivationRequest, crate::RequestError> {
        from_json_text(text, None, parse_activation)
    }

    /// As [`ActivationRequest::from_json`], but a missing `session.time` becomes `now`.
    pub fn from_json_at(
        text: &str,
        now: Timestamp,
    ) -> Result<ActivationRequest, crate::RequestError> {
        from_json_text(text, Some(now), parse_activation)
    }

    /// The caller's `id` for this request, echoed in the decision.
    pub fn id(&self) -> Option<&serde_json::Value> {
        self.id.as_ref()
    }

    /// The principal the request is for (lower-case).
    pub fn principal_id(&self) -> &str {
        &self.principal_id
    }

    /// The user making the request (lower-case).
    pub fn caller(&self) -> &str {
        &self.caller
    }

    /// `selfActivate` or `selfDeactivate`.
    pub fn action(&self) -> &ScheduleAction {
        &self.action
    }

    /// The evaluation instant.
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// Warnings about this request.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Puts this request's warnings in front of a decision's own.
    pub(crate) fn merge_warnings(&self, decision_warnings: &mut Vec<Diagnostic>) {
        if !self.warnings.is_empty() {
            decision_warnings.splice(0..0, self.warnings.iter().cloned());
        }
    }
}

/// Builds an [`ActivationRequest`]; start with [`ActivationRequest::role`] or
/// [`ActivationRequest::group`]. [`build`](Self::build) checks it like a parsed request and
/// requires a time.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until build() is called"]
pub struct ActivationRequestBuilder {
    id: Option<serde_json::Value>,
    action: ScheduleAction,
    principal_id: String,
    target: PimTarget,
    justification: Option<String>,
    ticket_number: Option<String>,
    ticket_system: Option<String>,
    schedule: ScheduleInfo,
    is_validation_only: bool,
    caller: Option<String>,
    conditions: SignInConditions,
    session: Session,
}

impl ActivationRequestBuilder {
    fn new(principal_id: String, target: PimTarget) -> Self {
        ActivationRequestBuilder {
            id: None,
            action: ScheduleAction::SelfActivate,
            principal_id,
            target,
            justification: None,
            ticket_number: None,
            ticket_system: None,
            schedule: ScheduleInfo::default(),
            is_validation_only: false,
            caller: None,
            conditions: SignInConditions::default(),
            session: Session::default(),
        }
    }

    /// An id of the caller's, echoed in the decision.
    pub fn echo_id(mut self, id: serde_json::Value) -> Self {
        self.id = Some(id);
        self
    }

    /// A `selfDeactivate` request instead of `selfActivate`.
    pub fn deactivate(mut self) -> Self {
        self.action = ScheduleAction::SelfDeactivate;
        self
    }

    /// A role at another directory scope (`/administrativeUnits/{id}`, …); roles only.
    pub fn directory_scope(mut self, scope: impl Into<String>) -> Self {
        if let PimTarget::Role {
            directory_scope_id, ..
        } = &mut self.target
        {
            *directory_scope_id = Some(scope.into());
        }
        self
    }

    /// The justification.
    pub fn justification(mut self, text: impl Into<String>) -> Self {
        self.justification = Some(text.into());
        self
    }

    /// The ticket number and system.
    pub fn ticket(mut self, number: impl Into<String>, system: impl Into<String>) -> Self {
        self.ticket_number = Some(number.into());
        self.ticket_system = Some(system.into());
        self
    }

    /// The requested start (default: the evaluation time).
    pub fn start(mut self, start: Timestamp) -> Self {
        self.schedule.start = Some(start);
        self
    }

    /// The requested length (`afterDuration`).
    pub fn duration(mut self, duration: SignedDuration) -> Self {
        self.schedule.expiration = Some(ExpirationType::AfterDuration);
        self.schedule.duration = Some(duration);
        self
    }

    /// The requested end (`afterDateTime`).
    pub fn until(mut self, end: Timestamp) -> Self {
        self.schedule.expiration = Some(ExpirationType::AfterDateTime);
        self.schedule.end = Some(end);
        self
    }

    /// Only validate (echoed back; jitgate never has side effects anyway).
    pub fn validation_only(mut self, only: bool) -> Self {
        self.is_validation_only = only;
        self
    }

    /// The user making the request, when not the principal itself.
    pub fn caller(mut self, user_id: impl Into<String>) -> Self {
        self.caller = Some(user_id.into());
        self
    }

    /// The caller's client IP address.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.conditions.ip_address = Some(ip);
        self
    }

    /// The caller's country (ISO 3166-1 alpha-2) or `unknown`.
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.conditions.country = Some(country.into());
        self
    }

    /// The caller's device platform.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.conditions.platform = Some(platform);
        self
    }

    /// The caller's client app type.
    pub fn client_app(mut self, client: ClientAppType) -> Self {
        self.conditions.client_app_type = Some(client);
        self
    }

    /// The caller's device.
    pub fn device(mut self, device: DeviceInfo) -> Self {
        self.conditions.device = Some(device);
        self
    }

    /// Methods the caller's session has completed (replaces any given before).
    pub fn methods(mut self, methods: impl IntoIterator<Item = AuthMethod>) -> Self {
        self.session.set_methods(methods);
        self
    }

    /// The caller's last full sign-in.
    pub fn last_sign_in(mut self, time: Timestamp) -> Self {
        self.session.last_authenticated = Some(time);
        self
    }

    /// The caller's last second-factor completion.
    pub fn last_mfa(mut self, time: Timestamp) -> Self {
        self.session.last_mfa = Some(time);
        self
    }

    /// An authentication context already in the caller's token (`acrs`).
    pub fn satisfied_auth_context(mut self, value: impl Into<String>) -> Self {
        self.session.satisfied_auth_contexts.push(value.into());
        self
    }

    /// The evaluation instant (required).
    pub fn at(mut self, time: Timestamp) -> Self {
        self.session.time = Some(time);
        self
    }

    /// Checks and normalises the request (docs/SEMANTICS.md §5.3a, §10.1).
    ///
    /// # Errors
    ///
    /// [`RequestError`](crate::RequestError) listing every problem.
    pub fn build(self) -> Result<ActivationRequest, crate::RequestError> {
        let mut d = Diagnostics::new("request");
        match self.finish(&mut d, None) {
            Some(request) if !d.has_errors() => Ok(request),
            _ => Err(crate::RequestError::new(d.items)),
        }
    }

    /// The one place an activation request is finished, from code or from JSON.
    pub(crate) fn finish(
        mut self,
        d: &mut Diagnostics,
        default_time: Option<Timestamp>,
    ) -> Option<ActivationRequest> {
        let mut id = |path: &str, what: &str, value: &mut String| match normalize_guid(value) {
            Some(g) => *value = g,
            None => d.error(
                "invalidId",
                path,
                format!(
                    "\"{}\" is not a GUID; expected the {what} as a GUID",
                    crate::model::read::truncate(value, 60)
                ),
            ),
        };
        id(
            "$.request.principalId",
            "principal id",
            &mut self.principal_id,
        );
        match &mut self.target {
            PimTarget::Role {
                role_definition_id, ..
            } => id(
                "$.request.roleDefinitionId",
                "role definition id",
                role_definition_id,
            ),
            PimTarget::Group { group_id, .. } => id("$.request.groupId", "group id", group_id),
        }
        let mut caller = self.caller.unwrap_or_else(|| self.principal_id.clone());
        id(
            "$.signInIdentity.userId",
            "caller's user object id",
            &mut caller,
        );
        check_conditions(d, "$.signInConditions", &mut self.conditions);
        check_session(d, "$.session", &mut self.session);
        let time = self.session.time.or(default_time);
        if time.is_none() {
            d.error(
                "missingField",
                "$.session.time",
                "session.time is required (the library has no implicit clock)",
            );
        }
        if d.has_errors() {
            return None;
        }
        let warnings = d.items.iter().filter(|x| !x.is_error()).cloned().collect();
        Some(ActivationRequest {
            id: self.id,
            action: self.action,
            principal_id: self.principal_id,
            target: self.target,
            justification: self.justification,
            ticket_number: self.ticket_number,
            ticket_system: self.ticket_system,
            schedule: self.schedule,
            is_validation_only: self.is_validation_only,
            caller,
            conditions: self.conditions,
            session: self.session,
            time: time?,
            warnings,
        })
    }
}
