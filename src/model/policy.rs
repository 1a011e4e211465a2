//! Conditional Access policies (docs/SEMANTICS.md §3): conditions, grant and session controls.

use super::enums::{
    CaeMode, ClientAppType, CloudAppSecurityType, FilterMode, FrequencyAuthType, FrequencyInterval,
    FrequencyUnit, GrantControl, GrantOperator, GuestType, InsiderRiskLevel, PersistentBrowserMode,
    Platform, PolicyState, RiskLevel, TransferMethod, UserAction,
};
use super::ids::{IdRef, IdRule, Keyword, id_list};
use super::read::{Obj, child};
use super::strength::{AuthStrength, parse_strength};
use crate::diag::Diagnostics;
use crate::filter::{FilterDomain, FilterRule};
use crate::json::Json;

/// A Conditional Access policy as loaded.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct Policy {
    /// The policy id (lowercased GUID), or `file:<path>#<index>` for templates without one.
    pub id: String,
    /// Display name (the id when absent).
    pub display_name: String,
    /// Enabled, disabled, report-only or unknown (treated as enabled).
    pub state: PolicyState,
    /// Soft-deleted (`deletedDateTime` set): never evaluated.
    pub deleted: bool,
    /// The conditions.
    pub conditions: Conditions,
    /// Grant controls; `None` means no grant requirement.
    pub grant: Option<GrantControls>,
    /// Session controls.
    pub session: SessionControls,
    /// Where the policy was read from (file and JSON path).
    pub source: String,
}

impl Policy {
    /// Is this policy evaluated at all (not disabled, not soft-deleted)?
    pub fn is_evaluated(&self) -> bool {
        !self.deleted && self.state != PolicyState::Disabled
    }

    /// Is this policy enforced (evaluated and not report-only)? Unknown states count as enabled.
    pub fn is_enforced(&self) -> bool {
        self.is_evaluated() && self.state != PolicyState::ReportOnly
    }
}

/// `conditionalAccessConditionSet`.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct Conditions {
    /// User identities; `None` when not configured.
    pub users: Option<UserCondition>,
    /// Workload identities; `None` when not configured.
    pub client_applications: Option<ClientApplicationCondition>,
    /// Target resources.
    pub applications: Option<ApplicationCondition>,
    /// Device platforms.
    pub platforms: Option<PlatformCondition>,
    /// Network locations.
    pub locations: Option<LocationCondition>,
    /// Client app types; empty means not configured.
    pub client_app_types: Vec<ClientAppType>,
    /// Sign-in risk levels; empty means not configured.
    pub sign_in_risk_levels: Vec<RiskLevel>,
    /// User risk levels; empty means not configured.
    pub user_risk_levels: Vec<RiskLevel>,
    /// Service principal risk levels; empty means not configured.
    pub service_principal_risk_levels: Vec<RiskLevel>,
    /// Insider risk levels; empty means not configured.
    pub insider_risk_levels: Vec<InsiderRiskLevel>,
    /// Device filter and legacy device states.
    pub devices: Option<DeviceCondition>,
    /// Authentication flows; empty means not configured.
    pub transfer_methods: Vec<TransferMethod>,
}

/// `conditionalAccessUsers`.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct UserCondition {
    /// `includeUsers`: ids, `All`, `None`, `GuestsOrExternalUsers`.
    pub include_users: Vec<IdRef>,
    /// `excludeUsers`: ids, `GuestsOrExternalUsers`.
    pub exclude_users: Vec<IdRef>,
    /// `includeGroups`.
    pub include_groups: Vec<IdRef>,
    /// `excludeGroups`.
    pub exclude_groups: Vec<IdRef>,
    /// `includeRoles` (role template ids).
    pub include_roles: Vec<IdRef>,
    /// `excludeRoles`.
    pub exclude_roles: Vec<IdRef>,
    /// `includeGuestsOrExternalUsers`.
    pub include_guests: Option<GuestSelector>,
    /// `excludeGuestsOrExternalUsers`.
    pub exclude_guests: Option<GuestSelector>,
}

/// `conditionalAccessGuestsOrExternalUsers`.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct GuestSelector {
    /// Selected guest types (flag bits of [`GuestType::bit`]).
    pub types: u8,
    /// Which home tenants count.
    pub tenants: ExternalTenants,
}

/// `conditionalAccessExternalTenants`.
#[derive(Debug, Clone, PartialEq, Hash)]
pub enum ExternalTenants {
    /// Any home tenant.
    All,
    /// Only these home tenants (lowercased ids).
    Enumerated(Vec<String>),
}

/// `conditionalAccessClientApplications` (workload identities).
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct ClientApplicationCondition {
    /// Service principal object ids or `ServicePrincipalsInMyTenant`.
    pub include_service_principals: Vec<IdRef>,
    /// Excluded service principal object ids.
    pub exclude_service_principals: Vec<IdRef>,
    /// Filter over the service principal's custom security attributes.
    pub filter: Option<Filter>,
}

/// `conditionalAccessApplications`.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct ApplicationCondition {
    /// appIds, `All`, `None`, `Office365`, `MicrosoftAdminPortals`.
    pub include_applications: Vec<IdRef>,
    /// appIds, `Office365`, `MicrosoftAdminPortals`.
    pub exclude_applications: Vec<IdRef>,
    /// User actions.
    pub include_user_actions: Vec<UserAction>,
    /// Authentication context ids, lowercased.
    pub include_auth_contexts: Vec<String>,
    /// Filter over the application's custom security attributes.
    pub filter: Option<Filter>,
}

impl ApplicationCondition {
    /// How many of the three target kinds (apps, user actions, auth contexts) are populated.
    pub fn target_kinds(&self) -> usize {
        usize::from(!self.include_applications.is_empty() || self.filter.is_some())
            + usize::from(!self.include_user_actions.is_empty())
            + usize::from(!self.include_auth_contexts.is_empty())
    }
}

/// A compiled filter rule with its mode.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct Filter {
    /// Include or exclude.
    pub mode: FilterMode,
    /// The rule text as written.
    pub text: String,
    /// The parsed rule.
    pub rule: FilterRule,
}

/// `conditionalAccessPlatforms`.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct PlatformCondition {
    /// Included platforms (`all` for every platform).
    pub include: Vec<Platform>,
    /// Excluded platforms.
    pub exclude: Vec<Platform>,
}

/// `conditionalAccessLocations`.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct LocationCondition {
    /// Named location ids, `All`, `AllTrusted`, or the MFA trusted IPs pseudo-location.
    pub include: Vec<IdRef>,
    /// Excluded locations.
    pub exclude: Vec<IdRef>,
}

/// `conditionalAccessDevices` plus the deprecated `deviceStates`.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct DeviceCondition {
    /// The device filter.
    pub filter: Option<Filter>,
    /// Deprecated include states (`All`, `Compliant`, `DomainJoined`).
    pub include_states: Vec<String>,
    /// Deprecated exclude states.
    pub exclude_states: Vec<String>,
}

impl DeviceCondition {
    /// Does the condition take this device in scope (§3.11)? `None` is an unregistered device:
    /// every filter attribute is null, and no legacy device state holds.
    pub fn matches(&self, device: Option<&crate::model::request::DeviceInfo>) -> bool {
        let mut applies = true;
        if let Some(f) = &self.filter {
            let hit = match device {
                Some(d) => f.rule.evaluate(d),
                None => f.rule.evaluate(&crate::model::request::NoDevice),
            };
            applies &= match f.mode {
                FilterMode::Include => hit,
                _ => !hit,
            };
        }
        let compliant = device.is_some_and(|d| d.is_compliant());
        let hybrid = device.is_some_and(|d| d.is_hybrid_joined());
        let state = |s: &str| {
            (s.eq_ignore_ascii_case("Compliant") && compliant)
                || (s.eq_ignore_ascii_case("DomainJoined") && hybrid)
        };
        if !self.include_states.is_empty() {
            applies &= self
                .include_states
                .iter()
                .any(|s| s.eq_ignore_ascii_case("All") || state(s));
        }
        if self.exclude_states.iter().any(|s| state(s)) {
            applies = false;
        }
        applies
    }
}

/// `conditionalAccessGrantControls`.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct GrantControls {
    /// AND or OR.
    pub operator: GrantOperator,
    /// Built-in controls.
    pub built_in: Vec<GrantControl>,
    /// Required authentication strength id (lowercased).
    pub strength: Option<String>,
    /// The strength as embedded in the policy, if the export carried it.
    pub embedded_strength: Option<AuthStrength>,
    /// Terms of use agreement ids.
    pub terms_of_use: Vec<String>,
    /// Custom control ids.
    pub custom_factors: Vec<String>,
}

impl GrantControls {
    /// True when no control is configured.
    pub fn is_empty(&self) -> bool {
        self.built_in.is_empty()
            && self.strength.is_none()
            && self.terms_of_use.is_empty()
            && self.custom_factors.is_empty()
    }
}

/// `conditionalAccessSessionControls` (only enabled controls are kept).
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct SessionControls {
    /// Sign-in frequency.
    pub sign_in_frequency: Option<SignInFrequency>,
    /// Persistent browser mode.
    pub persistent_browser: Option<PersistentBrowserMode>,
    /// Defender for Cloud Apps session control.
    pub cloud_app_security: Option<CloudAppSecurityType>,
    /// App-enforced restrictions.
    pub application_enforced_restrictions: bool,
    /// Continuous access evaluation mode.
    pub continuous_access_evaluation: Option<CaeMode>,
    /// Token protection.
    pub secure_sign_in_session: bool,
    /// Resilience defaults disabled.
    pub disable_resilience_defaults: bool,
    /// Controls passed through unchanged (Global Secure Access profiles and the like).
    pub passthrough: Vec<(String, Json)>,
}

impl SessionControls {
    /// Names of the enforced session controls, in Graph's vocabulary.
    pub fn names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.sign_in_frequency.is_some() {
            out.push("signInFrequency");
        }
        if self.persistent_browser.is_some() {
            out.push("persistentBrowser");
        }
        if self.cloud_app_security.is_some() {
            out.push("cloudAppSecurity");
        }
        if self.application_enforced_restrictions {
            out.push("applicationEnforcedRestrictions");
        }
        if self.continuous_access_evaluation.is_some() {
            out.push("continuousAccessEvaluation");
        }
        if self.secure_sign_in_session {
            out.push("secureSignInSession");
        }
        if self.disable_resilience_defaults {
            out.push("disableResilienceDefaults");
        }
        out
    }
}

/// `signInFrequencySessionControl`.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct SignInFrequency {
    /// Time-based or every time.
    pub interval: FrequencyInterval,
    /// Number of units (time-based only).
    pub value: Option<i64>,
    /// Hours or days (time-based only).
    pub unit: Option<FrequencyUnit>,
    /// Which authentication is measured; `None` means primary and secondary.
    pub auth_type: Option<FrequencyAuthType>,
}

impl SignInFrequency {
    /// The interval in seconds; 0 for `everyTime` (the shortest).
    pub fn seconds(&self) -> i64 {
        match (&self.interval, self.value, &self.unit) {
            (FrequencyInterval::TimeBased, Some(v), Some(FrequencyUnit::Hours)) => {
                v.saturating_mul(3_600)
            }
            (FrequencyInterval::TimeBased, Some(v), Some(FrequencyUnit::Days)) => {
                v.saturating_mul(86_400)
            }
            _ => 0,
        }
    }
}

const USER_INCLUDE: IdRule =
    IdRule::guids(&[Keyword::All, Keyword::None, Keyword::GuestsOrExternalUsers]);
const USER_EXCLUDE: IdRule = IdRule::guids(&[Keyword::GuestsOrExternalUsers]);
const PLAIN: IdRule = IdRule::guids(&[]);
const APP_INCLUDE: IdRule = IdRule::guids(&[
    Keyword::All,
    Keyword::None,
    Keyword::Office365,
    Keyword::MicrosoftAdminPortals,
]);
const APP_EXCLUDE: IdRule = IdRule::guids(&[Keyword::Office365, Keyword::MicrosoftAdminPortals]);
const LOCATIONS: IdRule = IdRule::guids(&[Keyword::All, Keyword::AllTrusted]);
const SP_INCLUDE: IdRule = IdRule::guids(&[Keyword::ServicePrincipalsInMyTenant]);
const FREE: IdRule = IdRule {
    keywords: &[],
    free_form: true,
};

/// Known members of `conditions`; anything else non-empty is an unsupported condition.
const KNOWN_CONDITIONS: [&str; 16] = [
    "users",
    "clientApplications",
    "applications",
    "platforms",
    "locations",
    "clientAppTypes",
    "signInRiskLevels",
    "userRiskLevels",
    "servicePrincipalRiskLevels",
    "insiderRiskLevels",
    "devices",
    "deviceStates",
    "authenticationFlows",
    "id",
    "@odata.type",
    "odataType",
];

/// Reads one policy object. `fallback_id` is used (with a warning) when the object has no id.
pub fn parse_policy(
    d: &mut Diagnostics,
    json: &Json,
    path: &str,
    fallback_id: &str,
) -> Option<Policy> {
    let obj = Obj::new(d, json, path)?;
    let id = match obj.str(d, "id") {
        Some(id) if !id.trim().is_empty() => id.trim().to_ascii_lowercase(),
        _ => {
            d.warn(
                "syntheticId",
                &obj.at("id"),
                format!("policy has no id; it is reported as \"{fallback_id}\""),
            );
            fallback_id.to_owned()
        }
    };
    let display_name = match obj.str(d, "displayName") {
        Some(n) => n.to_owned(),
        None => {
            d.warn(
                "missingDisplayName",
                &obj.at("displayName"),
                "policy has no displayName; its id is shown instead",
            );
            id.clone()
        }
    };
    let state = match obj.get("state") {
        None => {
            d.error("missingField", &obj.at("state"), "policy state is required");
            PolicyState::Enabled
        }
        Some(_) => obj
            .enumeration(d, "state", PolicyState::parse)
            .unwrap_or(PolicyState::Enabled),
    };
    if state.is_unknown() {
        d.warn(
            "unknownState",
            &obj.at("state"),
            format!(
                "unknown state \"{}\" is treated as enabled (fail-closed)",
                state.as_str()
            ),
        );
    }
    let deleted = obj.has("deletedDateTime");
    if deleted {
        d.warn(
            "softDeleted",
            &obj.at("deletedDateTime"),
            "policy is soft-deleted; it is reported as notEnabled",
        );
    }
    let conditions = match obj.obj(d, "conditions") {
        Some(c) => parse_conditions(d, &c),
        None => {
            if !obj.has("conditions") {
                d.error(
                    "missingField",
                    &obj.at("conditions"),
                    "policy conditions are required",
                );
            }
            Conditions::default()
        }
    };
    let grant = obj.obj(d, "grantControls").map(|g| parse_grant(d, &g));
    let session = obj
        .obj(d, "sessionControls")
        .map(|s| parse_session(d, &s))
        .unwrap_or_default();
    Some(Policy {
        id,
        display_name,
        state,
        deleted,
        conditions,
        grant,
        session,
        source: format!("{}:{}", d.file, path),
    })
}

fn parse_conditions(d: &mut Diagnostics, c: &Obj<'_>) -> Conditions {
    let mut out = Conditions {
        users: c.obj(d, "users").and_then(|u| parse_users(d, &u)),
        client_applications: c
            .obj(d, "clientApplications")
            .and_then(|a| parse_client_apps(d, &a)),
        applications: c
            .obj(d, "applications")
            .and_then(|a| parse_applications(d, &a)),
        platforms: c.obj(d, "platforms").and_then(|p| {
            let include = p.flags(d, "includePlatforms", Platform::parse);
            let exclude = p.flags(d, "excludePlatforms", Platform::parse);
            (!include.is_empty() || !exclude.is_empty())
                .then_some(PlatformCondition { include, exclude })
        }),
        locations: c.obj(d, "locations").and_then(|l| {
            let include = id_list(d, &l, "includeLocations", LOCATIONS);
            let exclude = id_list(d, &l, "excludeLocations", LOCATIONS);
            (!include.is_empty() || !exclude.is_empty())
                .then_some(LocationCondition { include, exclude })
        }),
        client_app_types: c.flags(d, "clientAppTypes", ClientAppType::parse),
        sign_in_risk_levels: c.flags(d, "signInRiskLevels", RiskLevel::parse),
        user_risk_levels: c.flags(d, "userRiskLevels", RiskLevel::parse),
        service_principal_risk_levels: c.flags(d, "servicePrincipalRiskLevels", RiskLevel::parse),
        insider_risk_levels: c.flags(d, "insiderRiskLevels", InsiderRiskLevel::parse),
        devices: None,
        transfer_methods: c
            .obj(d, "authenticationFlows")
            .map(|f| f.flags(d, "transferMethods", TransferMethod::parse))
            .unwrap_or_default(),
    };
    // Unknown values never match (§1.3.3); that changes what the policy matches, so say so (§1.6).
    if let Some(p) = &out.platforms {
        let at = c.at("platforms");
        let include = child(&at, "includePlatforms");
        let exclude = child(&at, "excludePlatforms");
        warn_unknown(d, &include, "platform", &p.include, Platform::is_unknown);
        warn_unknown(d, &exclude, "platform", &p.exclude, Platform::is_unknown);
    }
    let client_apps = c.at("clientAppTypes");
    warn_unknown(
        d,
        &client_apps,
        "client app type",
        &out.client_app_types,
        ClientAppType::is_unknown,
    );
    for (key, levels) in [
        ("signInRiskLevels", &out.sign_in_risk_levels),
        ("userRiskLevels", &out.user_risk_levels),
        (
            "servicePrincipalRiskLevels",
            &out.service_principal_risk_levels,
        ),
    ] {
        warn_unknown(d, &c.at(key), "risk level", levels, RiskLevel::is_unknown);
    }
    let insider = c.at("insiderRiskLevels");
    warn_unknown(
        d,
        &insider,
        "insider risk level",
        &out.insider_risk_levels,
        InsiderRiskLevel::is_unknown,
    );
    let flows = child(&c.at("authenticationFlows"), "transferMethods");
    warn_unknown(
        d,
        &flows,
        "transfer method",
        &out.transfer_methods,
        TransferMethod::is_unknown,
    );
    // A transfer method of `none` alone configures nothing.
    out.transfer_methods.retain(|m| *m != TransferMethod::None);
    out.devices = parse_devices(d, c);
    for (key, _) in c.unread() {
        if !KNOWN_CONDITIONS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            d.warn(
                "unsupportedCondition",
                &c.at(key),
                format!("condition \"{key}\" is not supported; the policy is evaluated as if it were absent (applies at least as broadly)"),
            );
        }
    }
    out
}

/// Warns once per `Unknown` value of a condition list: it matches nothing.
fn warn_unknown<E: std::fmt::Display>(
    d: &mut Diagnostics,
    path: &str,
    what: &str,
    values: &[E],
    is_unknown: fn(&E) -> bool,
) {
    for v in values.iter().filter(|v| is_unknown(v)) {
        d.warn(
            "unknownEnumValue",
            path,
            format!("unknown {what} \"{v}\" matches nothing"),
        );
    }
}

fn parse_users(d: &mut Diagnostics, u: &Obj<'_>) -> Option<UserCondition> {
    let out = UserCondition {
        include_users: id_list(d, u, "includeUsers", USER_INCLUDE),
        exclude_users: id_list(d, u, "excludeUsers", USER_EXCLUDE),
        include_groups: id_list(d, u, "includeGroups", PLAIN),
        exclude_groups: id_list(d, u, "excludeGroups", PLAIN),
        include_roles: id_list(d, u, "includeRoles", PLAIN),
        exclude_roles: id_list(d, u, "excludeRoles", PLAIN),
        include_guests: u
            .obj(d, "includeGuestsOrExternalUsers")
            .and_then(|g| parse_guests(d, &g)),
        exclude_guests: u
            .obj(d, "excludeGuestsOrExternalUsers")
            .and_then(|g| parse_guests(d, &g)),
    };
    // `includeUsers: ["None"]` alone (the shape Graph gives workload-identity policies) selects
    // nobody and configures nothing.
    let configured = out.include_users.iter().any(|r| !r.is(Keyword::None))
        || !out.exclude_users.is_empty()
        || !out.include_groups.is_empty()
        || !out.exclude_groups.is_empty()
        || !out.include_roles.is_empty()
        || !out.exclude_roles.is_empty()
        || out.include_guests.is_some()
        || out.exclude_guests.is_some();
    configured.then_some(out)
}

fn parse_guests(d: &mut Diagnostics, g: &Obj<'_>) -> Option<GuestSelector> {
    let types = g.flags(d, "guestOrExternalUserTypes", GuestType::parse);
    for t in &types {
        if t.is_unknown() {
            d.warn(
                "unknownEnumValue",
                &g.at("guestOrExternalUserTypes"),
                format!("unknown guest type \"{t}\" matches nobody"),
            );
        }
    }
    let bits = types.iter().fold(0u8, |acc, t| acc | t.bit());
    let tenants = match g.obj(d, "externalTenants") {
        None => ExternalTenants::All,
        Some(t) => {
            let kind = t
                .odata_type()
                .map(str::to_owned)
                .or_else(|| t.str(d, "membershipKind").map(str::to_owned))
                .unwrap_or_default();
            let k = kind.to_ascii_lowercase();
            if k.contains("enumerated") {
                let members = t
                    .strings(d, "members")
                    .into_iter()
                    .map(|(s, _)| s.trim().to_ascii_lowercase())
                    .collect();
                ExternalTenants::Enumerated(members)
            } else if k.is_empty() || k.contains("all") {
                ExternalTenants::All
            } else {
                d.warn(
                    "unknownEnumValue",
                    &t.path,
                    format!("unknown externalTenants kind \"{kind}\"; no tenant matches it"),
                );
                ExternalTenants::Enumerated(Vec::new())
            }
        }
    };
    (bits != 0 || types.iter().any(GuestType::is_unknown)).then_some(GuestSelector {
        types: bits,
        tenants,
    })
}

fn parse_client_apps(d: &mut Diagnostics, a: &Obj<'_>) -> Option<ClientApplicationCondition> {
    let out = ClientApplicationCondition {
        include_service_principals: id_list(d, a, "includeServicePrincipals", SP_INCLUDE),
        exclude_service_principals: id_list(d, a, "excludeServicePrincipals", PLAIN),
        filter: parse_filter(
            d,
            a,
            "servicePrincipalFilter",
            FilterDomain::CustomSecurityAttributes,
        ),
    };
    (!out.include_service_principals.is_empty()
        || !out.exclude_service_principals.is_empty()
        || out.filter.is_some())
    .then_some(out)
}

fn parse_applications(d: &mut Diagnostics, a: &Obj<'_>) -> Option<ApplicationCondition> {
    let mut out = ApplicationCondition {
        include_applications: id_list(d, a, "includeApplications", APP_INCLUDE),
        exclude_applications: id_list(d, a, "excludeApplications", APP_EXCLUDE),
        include_user_actions: Vec::new(),
        include_auth_contexts: Vec::new(),
        filter: parse_filter(
            d,
            a,
            "applicationFilter",
            FilterDomain::CustomSecurityAttributes,
        ),
    };
    for (s, path) in a.strings(d, "includeUserActions") {
        let action = UserAction::parse(s);
        if action.is_unknown() {
            d.warn(
                "unknownEnumValue",
                &path,
                format!("unknown user action \"{s}\" matches nothing"),
            );
        }
        out.include_user_actions.push(action);
    }
    for (s, path) in a.strings(d, "includeAuthenticationContextClassReferences") {
        let t = s.trim();
        if t.is_empty() || t.contains(char::is_whitespace) || t.contains(['<', '>']) {
            d.error(
                "invalidId",
                &path,
                format!("\"{s}\" is not an authentication context id (c1..c99)"),
            );
        } else {
            out.include_auth_contexts.push(t.to_ascii_lowercase());
        }
    }
    (!out.include_applications.is_empty()
        || !out.exclude_applications.is_empty()
        || !out.include_user_actions.is_empty()
        || !out.include_auth_contexts.is_empty()
        || out.filter.is_some())
    .then_some(out)
}

fn parse_devices(d: &mut Diagnostics, c: &Obj<'_>) -> Option<DeviceCondition> {
    let mut out = DeviceCondition::default();
    if let Some(dev) = c.obj(d, "devices") {
        out.filter = parse_filter(d, &dev, "deviceFilter", FilterDomain::Device);
        for key in [
            "includeDevices",
            "excludeDevices",
            "includeDeviceStates",
            "excludeDeviceStates",
        ] {
            let values: Vec<String> = dev
                .strings(d, key)
                .into_iter()
                .map(|(s, _)| s.to_owned())
                .collect();
            if !values.is_empty() {
                d.warn(
                    "deprecatedDeviceStates",
                    &dev.at(key),
                    "deprecated device states are evaluated as Compliant => isCompliant, DomainJoined => trustType ServerAD",
                );
                if key.starts_with("include") {
                    out.include_states.extend(values);
                } else {
                    out.exclude_states.extend(values);
                }
            }
        }
    }
    if let Some(states) = c.obj(d, "deviceStates") {
        for (key, target) in [("includeStates", true), ("excludeStates", false)] {
            let values: Vec<String> = states
                .strings(d, key)
                .into_iter()
                .map(|(s, _)| s.to_owned())
                .collect();
            if !values.is_empty() {
                d.warn(
                    "deprecatedDeviceStates",
                    &states.at(key),
                    "deprecated device states are evaluated as Compliant => isCompliant, DomainJoined => trustType ServerAD",
                );
                if target {
                    out.include_states.extend(values);
                } else {
                    out.exclude_states.extend(values);
                }
            }
        }
    }
    (out.filter.is_some() || !out.include_states.is_empty() || !out.exclude_states.is_empty())
        .then_some(out)
}

fn parse_filter(
    d: &mut Diagnostics,
    parent: &Obj<'_>,
    key: &str,
    domain: FilterDomain,
) -> Option<Filter> {
    let f = parent.obj(d, key)?;
    let text = f.str(d, "rule")?;
    if text.trim().is_empty() {
        return None;
    }
    let mode = match f.enumeration(d, "mode", FilterMode::parse) {
        Some(FilterMode::Unknown(m)) => {
            d.error(
                "invalidEnum",
                &f.at("mode"),
                format!("filter mode \"{m}\" is not include or exclude"),
            );
            return None;
        }
        Some(m) => m,
        None => {
            d.error(
                "missingField",
                &f.at("mode"),
                "filter mode (include or exclude) is required",
            );
            return None;
        }
    };
    match FilterRule::parse(text, domain) {
        Ok(rule) => Some(Filter {
            mode,
            text: text.to_owned(),
            rule,
        }),
        Err(e) => {
            d.error(
                "invalidFilter",
                &f.at("rule"),
                format!("filter rule does not parse {e}"),
            );
            None
        }
    }
}

fn parse_grant(d: &mut Diagnostics, g: &Obj<'_>) -> GrantControls {
    let operator = g
        .enumeration(d, "operator", GrantOperator::parse)
        .unwrap_or(GrantOperator::Or);
    if let GrantOperator::Unknown(op) = &operator {
        d.warn(
            "unknownEnumValue",
            &g.at("operator"),
            format!("unknown grant operator \"{op}\" is evaluated as AND (fail-closed)"),
        );
    }
    let built_in = g.flags(d, "builtInControls", GrantControl::parse);
    for c in &built_in {
        if c.is_unknown() {
            d.warn(
                "unknownGrantControl",
                &g.at("builtInControls"),
                format!("unknown grant control \"{c}\" can never be satisfied"),
            );
        }
    }
    let (strength, embedded_strength) = match g.obj(d, "authenticationStrength") {
        None => (None, None),
        Some(s) => match s.str(d, "id") {
            Some(id) if !id.trim().is_empty() => {
                let id = id.trim().to_ascii_lowercase();
                let has_more = s.has("allowedCombinations");
                let embedded = if has_more {
                    parse_strength(
                        d,
                        g.raw("authenticationStrength").unwrap_or(&Json::Null),
                        &child(&g.path, "authenticationStrength"),
                    )
                } else {
                    None
                };
                (Some(id), embedded)
            }
            _ => {
                d.error(
                    "missingField",
                    &child(&s.path, "id"),
                    "authenticationStrength needs an id",
                );
                (None, None)
            }
        },
    };
    let terms_of_use = id_list(d, g, "termsOfUse", PLAIN)
        .into_iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    let custom_factors = id_list(d, g, "customAuthenticationFactors", FREE)
        .into_iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    GrantControls {
        operator,
        built_in,
        strength,
        embedded_strength,
        terms_of_use,
        custom_factors,
    }
}

fn parse_session(d: &mut Diagnostics, s: &Obj<'_>) -> SessionControls {
    let mut out = SessionControls::default();
    let enabled = |d: &mut Diagnostics, o: &Obj<'_>| o.bool(d, "isEnabled").unwrap_or(true);
    if let Some(f) = s.obj(d, "signInFrequency") {
        if enabled(d, &f) {
            let interval = f
                .enumeration(d, "frequencyInterval", FrequencyInterval::parse)
                .unwrap_or(FrequencyInterval::TimeBased);
            let value = f.int(d, "value");
            let unit = f.enumeration(d, "type", FrequencyUnit::parse);
            let auth_type = f.enumeration(d, "authenticationType", FrequencyAuthType::parse);
            match &interval {
                FrequencyInterval::TimeBased => {
                    let unit_ok = matches!(unit, Some(FrequencyUnit::Hours | FrequencyUnit::Days));
                    if !unit_ok || value.is_none_or(|v| v <= 0) {
                        d.error(
                            "invalidSignInFrequency",
                            &f.path,
                            "a timeBased sign-in frequency needs type hours or days and a positive value",
                        );
                    }
                }
                FrequencyInterval::EveryTime => {}
                FrequencyInterval::Unknown(v) => d.error(
                    "invalidEnum",
                    &f.at("frequencyInterval"),
                    format!("unknown frequencyInterval \"{v}\""),
                ),
            }
            out.sign_in_frequency = Some(SignInFrequency {
                interval,
                value,
                unit,
                auth_type,
            });
        }
    }
    if let Some(p) = s.obj(d, "persistentBrowser") {
        if enabled(d, &p) {
            out.persistent_browser = p.enumeration(d, "mode", PersistentBrowserMode::parse);
        }
    }
    if let Some(c) = s.obj(d, "cloudAppSecurity") {
        if enabled(d, &c) {
            out.cloud_app_security =
                c.enumeration(d, "cloudAppSecurityType", CloudAppSecurityType::parse);
        }
    }
    if let Some(a) = s.obj(d, "applicationEnforcedRestrictions") {
        out.application_enforced_restrictions = enabled(d, &a);
    }
    if let Some(c) = s.obj(d, "continuousAccessEvaluation") {
        out.continuous_access_evaluation = c.enumeration(d, "mode", CaeMode::parse);
    }
    if let Some(t) = s.obj(d, "secureSignInSession") {
        out.secure_sign_in_session = enabled(d, &t);
    }
    out.disable_resilience_defaults = s.bool(d, "disableResilienceDefaults").unwrap_or(false);
    for key in [
        "globalSecureAccessFilteringProfile",
        "networkAccessSecurity",
    ] {
        if let Some(v) = s.get(key) {
            out.passthrough.push((key.to_owned(), v.clone()));
        }
    }
    out
}
