//! The sign-in request: Graph's What If `evaluate` body plus the `session` extension
//! (docs/SEMANTICS.md §5). A request is built by [`SignInRequestBuilder`] or read from JSON
//! ([`SignInRequest::from_json`]); both end in the same checks (§5.3a, `check.rs`), so a
//! request that exists is normalised.

mod build;
mod check;
mod country;
mod device_keys;
mod fast;
mod parse;
mod reader;
mod spare;

pub use build::SignInRequestBuilder;
pub(crate) use check::{check_conditions, check_session, normalize_guid};
pub(crate) use country::all_countries;
#[cfg(feature = "fuzzing")]
pub(crate) use parse::fast_path_agrees;
pub(crate) use parse::{from_json_text, parse_conditions, parse_identity, parse_session};
pub use parse::{parse_sign_in, parse_sign_in_common};
pub use reader::SignInReader;

use std::net::IpAddr;

use jiff::Timestamp;

use super::enums::{
    AuthMethod, ClientAppType, InsiderRiskLevel, Platform, RiskLevel, TransferMethod, UserAction,
};
use super::strength::{AuthStrength, Certificate, MethodSet};
use crate::diag::Diagnostic;
use crate::filter::{AttrValue, Attribute, Attributes, DeviceAttribute};

/// Who signs in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Identity {
    /// A user (`userSignIn`).
    User {
        /// Object id, lowercased.
        user_id: String,
        /// Home tenant, if stated.
        external_tenant_id: Option<String>,
        /// Guest/external type bits, if stated (overrides the directory).
        external_user_type: Option<u8>,
    },
    /// A workload identity (`servicePrincipalSignIn`); What If names it by appId.
    ServicePrincipal {
        /// The appId (or object id), lowercased.
        service_principal_id: String,
    },
}

/// What is being accessed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SignInContext {
    /// `applicationContext`: resource appIds (lowercased).
    Applications(Vec<String>),
    /// `userActionContext`.
    UserAction(UserAction),
    /// `authContext`: the context id, lowercased.
    AuthContext(String),
}

/// `deviceInfo`: the attributes device filters read. Missing values are null.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeviceInfo {
    /// Device id.
    pub device_id: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Autopilot enrollment profile.
    pub enrollment_profile_name: Option<String>,
    /// `extensionAttribute1`..`15` (index 0 is attribute 1).
    pub extension_attributes: [Option<String>; 15],
    /// Intune compliance.
    pub is_compliant: Option<bool>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// MDM app id.
    pub mdm_app_id: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Operating system.
    pub operating_system: Option<String>,
    /// Operating system version.
    pub operating_system_version: Option<String>,
    /// `Personal` or `Company`.
    pub ownership: Option<String>,
    /// Physical ids.
    pub physical_ids: Option<Vec<String>>,
    /// Profile type.
    pub profile_type: Option<String>,
    /// System labels.
    pub system_labels: Option<Vec<String>>,
    /// `AzureAD`, `ServerAD` (hybrid joined) or `Workplace` (registered).
    pub trust_type: Option<String>,
}

impl DeviceInfo {
    /// Hybrid joined (`trustType == ServerAD`).
    pub fn is_hybrid_joined(&self) -> bool {
        self.trust_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("ServerAD"))
    }

    /// Marked compliant.
    pub fn is_compliant(&self) -> bool {
        self.is_compliant == Some(true)
    }
}

fn opt(v: &Option<String>) -> AttrValue<'_> {
    match v {
        Some(s) => AttrValue::Str(s),
        None => AttrValue::Null,
    }
}

impl Attributes for DeviceInfo {
    fn value(&self, attribute: &Attribute) -> AttrValue<'_> {
        let Attribute::Device(a) = attribute else {
            return AttrValue::Null;
        };
        match a {
            DeviceAttribute::DeviceId => opt(&self.device_id),
            DeviceAttribute::DisplayName => opt(&self.display_name),
            DeviceAttribute::EnrollmentProfileName => opt(&self.enrollment_profile_name),
            DeviceAttribute::ExtensionAttribute(n) => usize::from(*n)
                .checked_sub(1)
                .and_then(|i| self.extension_attributes.get(i))
                .map_or(AttrValue::Null, opt),
            DeviceAttribute::IsCompliant => {
                self.is_compliant.map_or(AttrValue::Null, AttrValue::Bool)
            }
            DeviceAttribute::Manufacturer => opt(&self.manufacturer),
            DeviceAttribute::MdmAppId => opt(&self.mdm_app_id),
            DeviceAttribute::Model => opt(&self.model),
            DeviceAttribute::OperatingSystem => opt(&self.operating_system),
            DeviceAttribute::OperatingSystemVersion => opt(&self.operating_system_version),
            DeviceAttribute::Ownership => opt(&self.ownership),
            DeviceAttribute::PhysicalIds => self
                .physical_ids
                .as_deref()
                .map_or(AttrValue::Null, AttrValue::List),
            DeviceAttribute::ProfileType => opt(&self.profile_type),
            DeviceAttribute::SystemLabels => self
                .system_labels
                .as_deref()
                .map_or(AttrValue::Null, AttrValue::List),
            DeviceAttribute::TrustType => opt(&self.trust_type),
        }
    }
}

/// Null device attributes (an unregistered device, or no `deviceInfo`).
pub struct NoDevice;

impl Attributes for NoDevice {
    fn value(&self, _: &Attribute) -> AttrValue<'_> {
        AttrValue::Null
    }
}

/// `signInConditions`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignInConditions {
    /// Device platform; `None` (or `all`) is unknown.
    pub platform: Option<Platform>,
    /// Client app type; `None` (or `all`) is unknown.
    pub client_app_type: Option<ClientAppType>,
    /// Client IP address (IPv4-mapped IPv6 already mapped).
    pub ip_address: Option<IpAddr>,
    /// Upper-case ISO country, or `unknown` (lowercase) for "seen but no country".
    pub country: Option<String>,
    /// Sign-in risk (`none` when absent).
    pub sign_in_risk: RiskLevel,
    /// User risk.
    pub user_risk: RiskLevel,
    /// Service principal risk.
    pub service_principal_risk: RiskLevel,
    /// Insider risk.
    pub insider_risk: InsiderRiskLevel,
    /// Authentication flow transfer methods.
    pub transfer_methods: Vec<TransferMethod>,
    /// Device attributes; `None` when not given.
    pub device: Option<DeviceInfo>,
}

impl SignInConditions {
    /// Does the flow include device code flow (device state cannot be proven then)?
    pub fn is_device_code_flow(&self) -> bool {
        self.transfer_methods
            .contains(&TransferMethod::DeviceCodeFlow)
    }
}

/// `session`: what this sign-in session has already proven (§5.4).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Session {
    /// The evaluation instant, as given (the request's [`SignInRequest::time`] is always set).
    pub time: Option<Timestamp>,
    /// Completed methods.
    pub methods: MethodSet,
    /// Method names this version does not know (they prove nothing).
    pub unknown_methods: Vec<String>,
    /// Last full sign-in.
    pub last_authenticated: Option<Timestamp>,
    /// Last second-factor completion.
    pub last_mfa: Option<Timestamp>,
    /// Accepted terms of use agreement ids (lowercased).
    pub accepted_terms_of_use: Vec<String>,
    /// `acrs` values already in the token (lowercased).
    pub satisfied_auth_contexts: Vec<String>,
    /// Password changed in this session.
    pub password_changed: bool,
    /// Satisfied custom control ids (lowercased).
    pub custom_factors: Vec<String>,
    /// Using an approved client app.
    pub approved_client_app: bool,
    /// Protected by an app protection policy.
    pub app_protection_policy: bool,
    /// FIDO2 authenticator AAGUID (lowercased).
    pub fido2_aaguid: Option<String>,
    /// Certificate facts.
    pub certificate: Option<Certificate>,
    /// Country from Authenticator GPS (upper-case).
    pub gps_country: Option<String>,
}

impl Session {
    /// Records the methods completed (replacing any recorded before); names this version does
    /// not know prove nothing and are kept for the warning.
    pub(crate) fn set_methods(&mut self, methods: impl IntoIterator<Item = AuthMethod>) {
        let mut set = 0;
        self.unknown_methods.clear();
        for m in methods {
            if let AuthMethod::Unknown(name) = &m {
                self.unknown_methods.push(name.clone());
            }
            set |= m.bit();
        }
        self.methods = MethodSet(set);
    }

    /// Does this session, having proven `methods`, satisfy the strength `s` (§4.2)?
    pub fn satisfies(&self, s: &AuthStrength, methods: MethodSet) -> bool {
        s.satisfied_by(
            methods,
            self.fido2_aaguid.as_deref(),
            self.certificate.as_ref(),
        )
    }
}

/// A sign-in to decide: who, what, under which conditions, with what already proven.
///
/// Build one with [`SignInRequest::user`] or [`SignInRequest::service_principal`], or read a
/// What If body with [`SignInRequest::from_json`]. Either way every id is a lower-case GUID,
/// every enum value is known, and the evaluation time is set.
///
/// ```
/// use jitgate::{AuthMethod, ClientAppType, Platform, SignInRequest};
///
/// let request = SignInRequest::user("{3F1A6C03-2B7D-4E8F-9A01-5C6D7E8F9A03}")
///     .app("00000003-0000-0ff1-ce00-000000000000")
///     .platform(Platform::Windows)
///     .client_app(ClientAppType::Browser)
///     .ip("203.0.113.24".parse()?)
///     .country("nl")
///     .methods([AuthMethod::Password])
///     .at("2026-03-02T09:00:00Z".parse()?)
///     .build()?;
/// assert_eq!(request.user_id(), Some("3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03"));
/// assert_eq!(request.conditions().country.as_deref(), Some("NL"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SignInRequest {
    pub(crate) id: Option<serde_json::Value>,
    pub(crate) identity: Identity,
    pub(crate) context: SignInContext,
    /// Boxed: at some 900 bytes (most of them a device's attributes) it was most of the
    /// bytes copied each time a request or its builder moved.
    pub(crate) conditions: Box<SignInConditions>,
    pub(crate) applied_policies_only: bool,
    pub(crate) session: Session,
    pub(crate) time: Timestamp,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl SignInRequest {
    /// Starts a user sign-in (`userSignIn`) by the user with this object id.
    pub fn user(user_id: impl Into<String>) -> SignInRequestBuilder {
        SignInRequestBuilder::new(Identity::User {
            user_id: user_id.into(),
            external_tenant_id: None,
            external_user_type: None,
        })
    }

    /// Starts a workload identity sign-in (`servicePrincipalSignIn`) by this appId or object id.
    pub fn service_principal(app_id: impl Into<String>) -> SignInRequestBuilder {
        SignInRequestBuilder::new(Identity::ServicePrincipal {
            service_principal_id: app_id.into(),
        })
    }

    /// Reads a What If body (docs/SEMANTICS.md §5) from JSON text. `session.time` is required.
    /// Warnings (an unknown authentication method, say) stay with the request and lead the
    /// warnings of its decision.
    ///
    /// ```
    /// let request = jitgate::SignInRequest::from_json(r##"{
    ///   "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn",
    ///                      "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03"},
    ///   "signInContext": {"@odata.type": "#microsoft.graph.applicationContext",
    ///                     "includeApplications": ["00000003-0000-0ff1-ce00-000000000000"]},
    ///   "session": {"time": "2026-03-02T09:00:00Z", "authenticationMethods": ["password", "pigeon"]}
    /// }"##)?;
    /// assert_eq!(request.warnings()[0].code, "unknownAuthMethod");
    /// # Ok::<(), jitgate::RequestError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<SignInRequest, crate::RequestError> {
        parse::sign_in_from_text(text, None)
    }

    /// As [`SignInRequest::from_json`], but a missing `session.time` becomes `now` (the CLI
    /// passes its clock here).
    pub fn from_json_at(text: &str, now: Timestamp) -> Result<SignInRequest, crate::RequestError> {
        parse::sign_in_from_text(text, Some(now))
    }

    /// The caller's `id` for this request, echoed in the decision.
    pub fn id(&self) -> Option<&serde_json::Value> {
        self.id.as_ref()
    }

    /// Who signs in.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The user's object id (lower-case), for a user sign-in.
    pub fn user_id(&self) -> Option<&str> {
        match &self.identity {
            Identity::User { user_id, .. } => Some(user_id),
            Identity::ServicePrincipal { .. } => None,
        }
    }

    /// What is accessed.
    pub fn context(&self) -> &SignInContext {
        &self.context
    }

    /// The sign-in conditions.
    pub fn conditions(&self) -> &SignInConditions {
        &self.conditions
    }

    /// What this session has already proven.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// List only the policies that apply (`appliedPoliciesOnly`).
    pub fn applied_policies_only(&self) -> bool {
        self.applied_policies_only
    }

    /// The evaluation instant.
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// Warnings about this request (not about the tenant).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Puts this request's warnings in front of a decision's own (no work when there are none).
    pub(crate) fn merge_warnings(&self, decision_warnings: &mut Vec<Diagnostic>) {
        if !self.warnings.is_empty() {
            decision_warnings.splice(0..0, self.warnings.iter().cloned());
        }
    }
}
