//! [`SignInRequestBuilder`]: a sign-in request built in code, checked like a parsed one.

use std::net::IpAddr;

use jiff::Timestamp;

use super::check::{check_conditions, check_id, check_ids, check_session, check_user_action};
use super::{DeviceInfo, Identity, Session, SignInConditions, SignInContext, SignInRequest};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::enums::{
    AuthMethod, ClientAppType, GuestType, InsiderRiskLevel, Platform, RiskLevel, TransferMethod,
    UserAction,
};
use crate::model::strength::{Certificate, MethodSet};

/// Builds a [`SignInRequest`]; start with [`SignInRequest::user`] or
/// [`SignInRequest::service_principal`]. Setters take typed values; [`build`](Self::build) checks
/// and normalises them all (docs/SEMANTICS.md §5.3a) and requires a time ([`at`](Self::at)).
///
/// ```
/// use jitgate::{RiskLevel, SignInRequest};
///
/// let request = SignInRequest::user("3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03")
///     .auth_context("C1")
///     .sign_in_risk(RiskLevel::Medium)
///     .at("2026-03-02T09:00:00Z".parse()?)
///     .build()?;
/// assert_eq!(request.conditions().sign_in_risk, RiskLevel::Medium);
///
/// // No time, no request: the library has no implicit clock.
/// let error = SignInRequest::user("3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03").app("All").build().unwrap_err();
/// assert_eq!(error.errors().len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until build() is called"]
pub struct SignInRequestBuilder {
    pub(super) id: Option<serde_json::Value>,
    pub(super) identity: Identity,
    pub(super) context: Option<SignInContext>,
    pub(super) conditions: Box<SignInConditions>,
    pub(super) session: Session,
    pub(super) applied_policies_only: bool,
}

/// Each setter the log mapping uses has an in-place twin (`set_*`): a builder is a few hundred
/// bytes, and a mapping that sets fields one condition at a time would copy it through every
/// consuming call.
impl SignInRequestBuilder {
    pub(super) fn new(identity: Identity) -> Self {
        SignInRequestBuilder {
            id: None,
            identity,
            context: None,
            conditions: Box::default(),
            session: Session::default(),
            applied_policies_only: false,
        }
    }

    /// An id of the caller's, echoed in the decision.
    #[inline]
    pub fn echo_id(mut self, id: serde_json::Value) -> Self {
        self.set_echo_id(id);
        self
    }

    /// [`SignInRequestBuilder::echo_id`] in place.
    #[inline]
    pub(crate) fn set_echo_id(&mut self, id: serde_json::Value) {
        self.id = Some(id);
    }

    /// Adds a target application (resource appId); several may be given.
    #[inline]
    pub fn app(mut self, app_id: impl Into<String>) -> Self {
        self.set_app(app_id);
        self
    }

    /// [`SignInRequestBuilder::app`] in place.
    #[inline]
    pub(crate) fn set_app(&mut self, app_id: impl Into<String>) {
        let app_id = app_id.into();
        match &mut self.context {
            Some(SignInContext::Applications(apps)) => apps.push(app_id),
            _ => self.context = Some(SignInContext::Applications(vec![app_id])),
        }
    }

    /// The sign-in is for a user action instead of an application.
    #[inline]
    pub fn user_action(mut self, action: UserAction) -> Self {
        self.context = Some(SignInContext::UserAction(action));
        self
    }

    /// The sign-in is for an authentication context (`c1`..`c99`).
    #[inline]
    pub fn auth_context(mut self, value: impl Into<String>) -> Self {
        self.context = Some(SignInContext::AuthContext(value.into()));
        self
    }

    /// The user's guest or external types (overrides the directory, §3.4 rule 1).
    #[inline]
    pub fn guest_types(mut self, types: impl IntoIterator<Item = GuestType>) -> Self {
        self.set_guest_types(types);
        self
    }

    /// [`SignInRequestBuilder::guest_types`] in place.
    #[inline]
    pub(crate) fn set_guest_types(&mut self, types: impl IntoIterator<Item = GuestType>) {
        if let Identity::User {
            external_user_type, ..
        } = &mut self.identity
        {
            *external_user_type = Some(types.into_iter().fold(0, |acc, t| acc | t.bit()));
        }
    }

    /// The user's home tenant (overrides the directory).
    #[inline]
    pub fn home_tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.set_home_tenant(tenant_id);
        self
    }

    /// [`SignInRequestBuilder::home_tenant`] in place.
    #[inline]
    pub(crate) fn set_home_tenant(&mut self, tenant_id: impl Into<String>) {
        if let Identity::User {
            external_tenant_id, ..
        } = &mut self.identity
        {
            *external_tenant_id = Some(tenant_id.into());
        }
    }

    /// The client IP address.
    #[inline]
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.set_ip(ip);
        self
    }

    /// [`SignInRequestBuilder::ip`] in place.
    #[inline]
    pub(crate) fn set_ip(&mut self, ip: IpAddr) {
        self.conditions.ip_address = Some(ip);
    }

    /// The country (ISO 3166-1 alpha-2, any case) or `unknown`.
    #[inline]
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.set_country(country);
        self
    }

    /// [`SignInRequestBuilder::country`] in place.
    #[inline]
    pub(crate) fn set_country(&mut self, country: impl Into<String>) {
        self.conditions.country = Some(country.into());
    }

    /// The device platform.
    #[inline]
    pub fn platform(mut self, platform: Platform) -> Self {
        self.set_platform(platform);
        self
    }

    /// [`SignInRequestBuilder::platform`] in place.
    #[inline]
    pub(crate) fn set_platform(&mut self, platform: Platform) {
        self.conditions.platform = Some(platform);
    }

    /// The client app type.
    #[inline]
    pub fn client_app(mut self, client: ClientAppType) -> Self {
        self.set_client_app(client);
        self
    }

    /// [`SignInRequestBuilder::client_app`] in place.
    #[inline]
    pub(crate) fn set_client_app(&mut self, client: ClientAppType) {
        self.conditions.client_app_type = Some(client);
    }

    /// Sign-in risk (`none` unless set).
    #[inline]
    pub fn sign_in_risk(mut self, level: RiskLevel) -> Self {
        self.set_sign_in_risk(level);
        self
    }

    /// [`SignInRequestBuilder::sign_in_risk`] in place.
    #[inline]
    pub(crate) fn set_sign_in_risk(&mut self, level: RiskLevel) {
        self.conditions.sign_in_risk = level;
    }

    /// User risk (`none` unless set).
    #[inline]
    pub fn user_risk(mut self, level: RiskLevel) -> Self {
        self.set_user_risk(level);
        self
    }

    /// [`SignInRequestBuilder::user_risk`] in place.
    #[inline]
    pub(crate) fn set_user_risk(&mut self, level: RiskLevel) {
        self.conditions.user_risk = level;
    }

    /// Service principal risk (`none` unless set).
    #[inline]
    pub fn service_principal_risk(mut self, level: RiskLevel) -> Self {
        self.set_service_principal_risk(level);
        self
    }

    /// [`SignInRequestBuilder::service_principal_risk`] in place.
    #[inline]
    pub(crate) fn set_service_principal_risk(&mut self, level: RiskLevel) {
        self.conditions.service_principal_risk = level;
    }

    /// Insider risk (`none` unless set).
    #[inline]
    pub fn insider_risk(mut self, level: InsiderRiskLevel) -> Self {
        self.conditions.insider_risk = level;
        self
    }

    /// An authentication flow transfer method; several may be given.
    #[inline]
    pub fn transfer_method(mut self, method: TransferMethod) -> Self {
        self.set_transfer_method(method);
        self
    }

    /// [`SignInRequestBuilder::transfer_method`] in place.
    #[inline]
    pub(crate) fn set_transfer_method(&mut self, method: TransferMethod) {
        self.conditions.transfer_methods.push(method);
    }

    /// The device's attributes (without it the device is unregistered, §3.11).
    #[inline]
    pub fn device(mut self, device: DeviceInfo) -> Self {
        self.set_device(device);
        self
    }

    /// [`SignInRequestBuilder::device`] in place.
    #[inline]
    pub(crate) fn set_device(&mut self, device: DeviceInfo) {
        self.conditions.device = Some(device);
    }

    /// Authentication methods completed in this session (replaces any given before).
    #[inline]
    pub fn methods(mut self, methods: impl IntoIterator<Item = AuthMethod>) -> Self {
        self.set_methods(methods);
        self
    }

    /// [`SignInRequestBuilder::methods`] in place.
    #[inline]
    pub(crate) fn set_methods(&mut self, methods: impl IntoIterator<Item = AuthMethod>) {
        self.session.set_methods(methods);
    }

    /// [`SignInRequestBuilder::set_methods`] of known methods, as a set.
    #[inline]
    pub(crate) fn set_method_set(&mut self, methods: MethodSet) {
        self.session.unknown_methods.clear();
        self.session.methods = methods;
    }

    /// The evaluation instant (required).
    #[inline]
    pub fn at(mut self, time: Timestamp) -> Self {
        self.set_at(time);
        self
    }

    /// [`SignInRequestBuilder::at`] in place.
    #[inline]
    pub(crate) fn set_at(&mut self, time: Timestamp) {
        self.session.time = Some(time);
    }

    /// The last full sign-in of this session.
    #[inline]
    pub fn last_sign_in(mut self, time: Timestamp) -> Self {
        self.set_last_sign_in(time);
        self
    }

    /// [`SignInRequestBuilder::last_sign_in`] in place.
    #[inline]
    pub(crate) fn set_last_sign_in(&mut self, time: Timestamp) {
        self.session.last_authenticated = Some(time);
    }

    /// The last second-factor completion of this session.
    #[inline]
    pub fn last_mfa(mut self, time: Timestamp) -> Self {
        self.set_last_mfa(time);
        self
    }

    /// [`SignInRequestBuilder::last_mfa`] in place.
    #[inline]
    pub(crate) fn set_last_mfa(&mut self, time: Timestamp) {
        self.session.last_mfa = Some(time);
    }

    /// A terms of use agreement already accepted; several may be given.
    #[inline]
    pub fn accepted_terms(mut self, agreement_id: impl Into<String>) -> Self {
        self.session.accepted_terms_of_use.push(agreement_id.into());
        self
    }

    /// An authentication context already in the token (`acrs`); several may be given.
    #[inline]
    pub fn satisfied_auth_context(mut self, value: impl Into<String>) -> Self {
        self.set_satisfied_auth_context(value);
        self
    }

    /// [`SignInRequestBuilder::satisfied_auth_context`] in place.
    #[inline]
    pub(crate) fn set_satisfied_auth_context(&mut self, value: impl Into<String>) {
        self.session.satisfied_auth_contexts.push(value.into());
    }

    /// A custom control already satisfied; several may be given.
    #[inline]
    pub fn custom_factor(mut self, id: impl Into<String>) -> Self {
        self.session.custom_factors.push(id.into());
        self
    }

    /// The password was changed in this session.
    #[inline]
    pub fn password_changed(mut self, changed: bool) -> Self {
        self.session.password_changed = changed;
        self
    }

    /// The client is an approved client app.
    #[inline]
    pub fn approved_client_app(mut self, approved: bool) -> Self {
        self.session.approved_client_app = approved;
        self
    }

    /// The client is protected by an app protection policy.
    #[inline]
    pub fn app_protection_policy(mut self, protected: bool) -> Self {
        self.session.app_protection_policy = protected;
        self
    }

    /// The FIDO2 authenticator's AAGUID (for strengths that restrict it).
    #[inline]
    pub fn fido2_aaguid(mut self, aaguid: impl Into<String>) -> Self {
        self.session.fido2_aaguid = Some(aaguid.into());
        self
    }

    /// The certificate used (for strengths that restrict issuers or policy OIDs).
    #[inline]
    pub fn certificate(mut self, certificate: Certificate) -> Self {
        self.session.certificate = Some(certificate);
        self
    }

    /// The country Authenticator's GPS reported (for GPS country locations).
    #[inline]
    pub fn gps_country(mut self, country: impl Into<String>) -> Self {
        self.session.gps_country = Some(country.into());
        self
    }

    /// List only policies that apply in an explained decision.
    #[inline]
    pub fn applied_policies_only(mut self, only: bool) -> Self {
        self.applied_policies_only = only;
        self
    }

    /// Checks and normalises the request (docs/SEMANTICS.md §5.3a).
    ///
    /// # Errors
    ///
    /// [`RequestError`](crate::RequestError) listing every problem: a missing time or target,
    /// an id that is not a GUID, a value outside the vocabulary, a country that is not an ISO
    /// code.
    pub fn build(self) -> Result<SignInRequest, crate::RequestError> {
        // The source is named only on what is reported: a name allocated for every request
        // was a measurable part of building one.
        let mut d = Diagnostics::default();
        let named = |items: &mut [Diagnostic]| {
            for item in items {
                item.file = "request".to_owned();
            }
        };
        match self.finish(&mut d, None) {
            Some(mut request) if !d.has_errors() => {
                named(&mut request.warnings);
                Ok(request)
            }
            _ => {
                named(&mut d.items);
                Err(crate::RequestError::new(d.items))
            }
        }
    }

    /// The one place a sign-in request is finished, from code or from JSON: each problem is
    /// recorded in `d` at the JSON path the What If body would have; `default_time` fills a
    /// missing `session.time`.
    pub(crate) fn finish(
        mut self,
        d: &mut Diagnostics,
        default_time: Option<Timestamp>,
    ) -> Option<SignInRequest> {
        let time = check_parts(
            d,
            &mut self.identity,
            self.context.as_mut(),
            &mut self.conditions,
            &mut self.session,
            default_time,
        );
        if d.has_errors() {
            return None;
        }
        Some(SignInRequest {
            id: self.id,
            identity: self.identity,
            context: self.context?,
            conditions: self.conditions,
            applied_policies_only: self.applied_policies_only,
            session: self.session,
            time: time?,
            warnings: warnings_of(d),
        })
    }
}

/// The checks and normalisations of a request's parts (§5.3a), for a builder or a request read
/// in place: each problem is recorded in `d` at the JSON path the What If body would have.
/// Gives the evaluation time (`session.time`, else `default_time`), `None` without one.
pub(super) fn check_parts(
    d: &mut Diagnostics,
    identity: &mut Identity,
    context: Option<&mut SignInContext>,
    conditions: &mut SignInConditions,
    session: &mut Session,
    default_time: Option<Timestamp>,
) -> Option<Timestamp> {
    match identity {
        Identity::User {
            user_id,
            external_tenant_id,
            ..
        } => {
            check_id(d, "$.signInIdentity.userId", "user object id", user_id);
            if let Some(t) = external_tenant_id {
                check_id(d, "$.signInIdentity.externalTenantId", "tenant id", t);
            }
        }
        Identity::ServicePrincipal {
            service_principal_id,
        } => check_id(
            d,
            "$.signInIdentity.servicePrincipalId",
            "service principal appId or object id",
            service_principal_id,
        ),
    }
    match context {
        Some(SignInContext::Applications(apps)) => check_ids(
            d,
            "$.signInContext.includeApplications",
            "application (appId)",
            apps,
        ),
        Some(SignInContext::UserAction(a)) => check_user_action(d, "$.signInContext.userAction", a),
        Some(SignInContext::AuthContext(v)) => {
            *v = v.trim().to_ascii_lowercase();
            if v.is_empty() {
                d.error(
                    "missingField",
                    "$.signInContext.authenticationContextValue",
                    "authentication context value is empty",
                );
            }
        }
        None => d.error(
            "missingField",
            "$.signInContext",
            "a sign-in needs a target: an application, a user action or an authentication context",
        ),
    }
    check_conditions(d, "$.signInConditions", conditions);
    check_session(d, "$.session", session);
    let time = session.time.or(default_time);
    if time.is_none() {
        d.error(
            "missingField",
            "$.session.time",
            "session.time is required (the library has no implicit clock)",
        );
    }
    time
}

/// The request's own warnings: what `d` holds that is not an error.
pub(super) fn warnings_of(d: &Diagnostics) -> Vec<Diagnostic> {
    d.items.iter().filter(|x| !x.is_error()).cloned().collect()
}
