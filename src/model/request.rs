//! The sign-in request: Graph's What If `evaluate` body plus the `session` extension
//! (SEMANTICS.md §5).

use std::net::IpAddr;

use jiff::Timestamp;

use super::enums::{
    AuthMethod, ClientAppType, GuestType, InsiderRiskLevel, Platform, RiskLevel, TransferMethod,
    UserAction,
};
use super::read::{Obj, truncate};
use super::strength::MethodSet;
use crate::diag::Diagnostics;
use crate::filter::{AttrValue, Attribute, Attributes, DeviceAttribute};
use crate::json::Json;

/// Who signs in.
#[derive(Debug, Clone, PartialEq)]
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

/// A certificate used to sign in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Certificate {
    /// Issuer subject key identifier (lowercased).
    pub issuer_ski: Option<String>,
    /// Certificate policy OIDs.
    pub policy_oids: Vec<String>,
}

/// `session`: what this sign-in session has already proven (§5.4).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Session {
    /// The evaluation instant.
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

/// A parsed sign-in request.
#[derive(Debug, Clone, PartialEq)]
pub struct SignInRequest {
    /// The caller's `id` for this request, echoed in the decision.
    pub id: Option<Json>,
    /// Who signs in.
    pub identity: Identity,
    /// What is accessed.
    pub context: SignInContext,
    /// The conditions.
    pub conditions: SignInConditions,
    /// List only policies that apply.
    pub applied_policies_only: bool,
    /// The session; its `time` is always set after parsing.
    pub session: Session,
}

impl SignInRequest {
    /// The evaluation instant.
    pub fn time(&self) -> Timestamp {
        self.session.time.unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

fn lower_list(d: &mut Diagnostics, o: &Obj<'_>, key: &str) -> Vec<String> {
    o.strings(d, key)
        .into_iter()
        .map(|(s, _)| s.trim().to_ascii_lowercase())
        .collect()
}

/// Parses a request object. `default_time` fills a missing `session.time` (the CLI passes the
/// clock); without one, a missing time is an error.
pub fn parse_sign_in(
    d: &mut Diagnostics,
    json: &Json,
    default_time: Option<Timestamp>,
) -> Option<SignInRequest> {
    let o = Obj::new(d, json, "$")?;
    let id = o.get("id").cloned();
    let identity = match o.obj(d, "signInIdentity") {
        Some(i) => parse_identity(d, &i),
        None => {
            d.error(
                "missingField",
                "$.signInIdentity",
                "signInIdentity is required",
            );
            None
        }
    };
    let context = match o.obj(d, "signInContext") {
        Some(c) => parse_context(d, &c),
        None => {
            d.error(
                "missingField",
                "$.signInContext",
                "signInContext is required",
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
    let applied_policies_only = o.bool(d, "appliedPoliciesOnly").unwrap_or(false);
    if d.has_errors() {
        return None;
    }
    Some(SignInRequest {
        id,
        identity: identity?,
        context: context?,
        conditions,
        applied_policies_only,
        session,
    })
}

/// Reads `signInIdentity`.
pub fn parse_identity(d: &mut Diagnostics, i: &Obj<'_>) -> Option<Identity> {
    let kind = i.odata_type().map(str::to_ascii_lowercase);
    match kind.as_deref() {
        Some("usersignin") => {
            let user_id = i.req_str(d, "userId")?.trim().to_ascii_lowercase();
            let types = i.flags(d, "externalUserType", GuestType::parse);
            let external_user_type = i
                .has("externalUserType")
                .then(|| types.iter().fold(0u8, |acc, t| acc | t.bit()));
            Some(Identity::User {
                user_id,
                external_tenant_id: i
                    .str(d, "externalTenantId")
                    .map(|s| s.trim().to_ascii_lowercase()),
                external_user_type,
            })
        }
        Some("serviceprincipalsignin") => Some(Identity::ServicePrincipal {
            service_principal_id: i
                .req_str(d, "servicePrincipalId")?
                .trim()
                .to_ascii_lowercase(),
        }),
        Some(other) => {
            d.error(
                "invalidEnum",
                &i.at("@odata.type"),
                format!("unknown signInIdentity type \"{other}\"; expected #microsoft.graph.userSignIn or #microsoft.graph.servicePrincipalSignIn"),
            );
            None
        }
        None => {
            d.error(
                "missingField",
                &i.at("@odata.type"),
                "signInIdentity needs @odata.type (#microsoft.graph.userSignIn or #microsoft.graph.servicePrincipalSignIn)",
            );
            None
        }
    }
}

fn parse_context(d: &mut Diagnostics, c: &Obj<'_>) -> Option<SignInContext> {
    let kind = c.odata_type().map(str::to_ascii_lowercase);
    match kind.as_deref() {
        Some("applicationcontext") => {
            let apps = lower_list(d, c, "includeApplications");
            if apps.is_empty() {
                d.error(
                    "missingField",
                    &c.at("includeApplications"),
                    "applicationContext needs at least one appId in includeApplications",
                );
                return None;
            }
            Some(SignInContext::Applications(apps))
        }
        Some("useractioncontext") => {
            let action = UserAction::parse(c.req_str(d, "userAction")?);
            if action.is_unknown() {
                d.error(
                    "invalidEnum",
                    &c.at("userAction"),
                    format!("unknown userAction \"{action}\"; expected registerSecurityInformation or registerOrJoinDevices"),
                );
                return None;
            }
            Some(SignInContext::UserAction(action))
        }
        Some("authcontext") => {
            let value = c
                .req_str(d, "authenticationContextValue")?
                .trim()
                .to_ascii_lowercase();
            if value.is_empty() {
                d.error(
                    "missingField",
                    &c.at("authenticationContextValue"),
                    "authentication context value is empty",
                );
                return None;
            }
            Some(SignInContext::AuthContext(value))
        }
        Some(other) => {
            d.error(
                "invalidEnum",
                &c.at("@odata.type"),
                format!("unknown signInContext type \"{other}\"; expected applicationContext, userActionContext or authContext"),
            );
            None
        }
        None => {
            d.error(
                "missingField",
                &c.at("@odata.type"),
                "signInContext needs @odata.type (#microsoft.graph.applicationContext, userActionContext or authContext)",
            );
            None
        }
    }
}

/// Reads `signInConditions` (also used by activation requests).
pub fn parse_conditions(d: &mut Diagnostics, c: &Obj<'_>) -> SignInConditions {
    let ip_address = c
        .str(d, "ipAddress")
        .and_then(|s| match s.trim().parse::<IpAddr>() {
            Ok(ip) => Some(super::location::normalize_ip(ip)),
            Err(_) => {
                d.error(
                    "invalidIpAddress",
                    &c.at("ipAddress"),
                    format!("\"{}\" is not an IPv4 or IPv6 address", truncate(s, 60)),
                );
                None
            }
        });
    let country = c.str(d, "country").map(|s| {
        let t = s.trim();
        if t.eq_ignore_ascii_case("unknown") {
            "unknown".to_owned()
        } else {
            t.to_ascii_uppercase()
        }
    });
    let mut transfer_methods = c
        .obj(d, "authenticationFlow")
        .map(|f| f.flags(d, "transferMethod", TransferMethod::parse))
        .unwrap_or_default();
    transfer_methods.retain(|m| *m != TransferMethod::None);
    SignInConditions {
        platform: c.enumeration(d, "devicePlatform", Platform::parse),
        client_app_type: c.enumeration(d, "clientAppType", ClientAppType::parse),
        ip_address,
        country: country.filter(|c| !c.is_empty()),
        sign_in_risk: c
            .enumeration(d, "signInRiskLevel", RiskLevel::parse)
            .unwrap_or(RiskLevel::None),
        user_risk: c
            .enumeration(d, "userRiskLevel", RiskLevel::parse)
            .unwrap_or(RiskLevel::None),
        service_principal_risk: c
            .enumeration(d, "servicePrincipalRiskLevel", RiskLevel::parse)
            .unwrap_or(RiskLevel::None),
        insider_risk: c
            .enumeration(d, "insiderRiskLevel", InsiderRiskLevel::parse)
            .unwrap_or(InsiderRiskLevel::None),
        transfer_methods,
        device: c.obj(d, "deviceInfo").map(|o| parse_device(d, &o)),
    }
}

fn parse_device(d: &mut Diagnostics, o: &Obj<'_>) -> DeviceInfo {
    let s = |d: &mut Diagnostics, key: &str| o.str(d, key).map(str::to_owned);
    let list = |d: &mut Diagnostics, key: &str| {
        o.has(key).then(|| {
            o.strings(d, key)
                .into_iter()
                .map(|(v, _)| v.to_owned())
                .collect()
        })
    };
    let mut ext: [Option<String>; 15] = Default::default();
    for (i, slot) in ext.iter_mut().enumerate() {
        *slot = s(d, &format!("extensionAttribute{}", i + 1));
    }
    DeviceInfo {
        device_id: s(d, "deviceId"),
        display_name: s(d, "displayName"),
        enrollment_profile_name: s(d, "enrollmentProfileName"),
        extension_attributes: ext,
        is_compliant: o.bool(d, "isCompliant"),
        manufacturer: s(d, "manufacturer"),
        mdm_app_id: s(d, "mdmAppId"),
        model: s(d, "model"),
        operating_system: s(d, "operatingSystem"),
        operating_system_version: s(d, "operatingSystemVersion"),
        ownership: s(d, "ownership").or_else(|| s(d, "deviceOwnership")),
        physical_ids: list(d, "physicalIds"),
        profile_type: s(d, "profileType"),
        system_labels: list(d, "systemLabels"),
        trust_type: s(d, "trustType"),
    }
}

/// Reads `session`.
pub fn parse_session(d: &mut Diagnostics, s: &Obj<'_>) -> Session {
    let mut methods = 0u32;
    let mut unknown_methods = Vec::new();
    for m in s.flags(d, "authenticationMethods", AuthMethod::parse) {
        if let AuthMethod::Unknown(name) = &m {
            d.warn(
                "unknownAuthMethod",
                &s.at("authenticationMethods"),
                format!("\"{name}\" is not an authentication method this version knows; it proves nothing"),
            );
            unknown_methods.push(name.clone());
        }
        methods |= m.bit();
    }
    let certificate = s.obj(d, "certificate").map(|c| Certificate {
        issuer_ski: c.str(d, "issuerSki").map(|v| v.trim().to_ascii_lowercase()),
        policy_oids: c
            .strings(d, "policyOids")
            .into_iter()
            .map(|(v, _)| v.trim().to_owned())
            .collect(),
    });
    Session {
        time: s.time(d, "time"),
        methods: MethodSet(methods),
        unknown_methods,
        last_authenticated: s.time(d, "lastAuthenticatedDateTime"),
        last_mfa: s.time(d, "lastMfaDateTime"),
        accepted_terms_of_use: lower_list(d, s, "acceptedTermsOfUse"),
        satisfied_auth_contexts: lower_list(d, s, "satisfiedAuthenticationContexts"),
        password_changed: s.bool(d, "passwordChanged").unwrap_or(false),
        custom_factors: lower_list(d, s, "customFactors"),
        approved_client_app: s.bool(d, "approvedClientApp").unwrap_or(false),
        app_protection_policy: s.bool(d, "appProtectionPolicy").unwrap_or(false),
        fido2_aaguid: s
            .str(d, "fido2Aaguid")
            .map(|v| v.trim().to_ascii_lowercase()),
        certificate,
        gps_country: s
            .str(d, "gpsCountry")
            .map(|v| v.trim().to_ascii_uppercase()),
    }
}
