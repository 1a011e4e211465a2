//! Conditional Access policies (docs/SEMANTICS.md §3): conditions, grant and session controls.

mod parse;

pub use parse::parse_policy;

use crate::diag::Diagnostics;
use crate::filter::{FilterDomain, FilterRule};
use crate::json::Json;
use crate::model::enums::{
    CaeMode, ClientAppType, CloudAppSecurityType, FilterMode, FrequencyAuthType, FrequencyInterval,
    FrequencyUnit, GrantControl, GrantOperator, GuestType, InsiderRiskLevel, PersistentBrowserMode,
    Platform, PolicyState, RiskLevel, TransferMethod, UserAction,
};
use crate::model::ids::{IdRef, IdRule, Keyword, id_list};
use crate::model::read::{Obj, child};
use crate::model::strength::{AuthStrength, parse_strength};

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
    pub passthrough: Vec<(String, Json<'static>)>,
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
