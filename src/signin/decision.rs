//! The sign-in decision and its parts, serialised exactly as docs/SEMANTICS.md §6–§7 names them.

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::model::enums::{
    CaeMode, CloudAppSecurityType, FrequencyAuthType, FrequencyInterval, FrequencyUnit,
    PersistentBrowserMode, PolicyState,
};
use crate::model::revision::Revision;

/// How much a decision explains: the per-policy results cost time and memory, so they are
/// computed only when asked for.
///
/// ```
/// assert_eq!(jitgate::Explain::default(), jitgate::Explain::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Explain {
    /// The decision, its requirements, deny reasons and session controls only.
    #[default]
    None,
    /// Also each policy's result, outcome and analysis reasons (`policies`).
    Policies,
}

impl Explain {
    /// Are per-policy results wanted?
    pub fn policies(self) -> bool {
        matches!(self, Explain::Policies)
    }
}

/// The request data whose absence `missingData` reports (docs/SEMANTICS.md §7), as bits: both
/// evaluators record, per policy, which of these kept it from applying.
pub mod missing {
    /// `signInConditions.ipAddress` absent.
    pub const IP_ADDRESS: u8 = 1;
    /// `signInConditions.country` absent.
    pub const COUNTRY: u8 = 1 << 1;
    /// `signInConditions.devicePlatform` absent or unknown.
    pub const DEVICE_PLATFORM: u8 = 1 << 2;
    /// `signInConditions.clientAppType` absent or unknown.
    pub const CLIENT_APP_TYPE: u8 = 1 << 3;
    /// The guest's home tenant is unknown (an enumerated tenant list could have matched).
    pub const EXTERNAL_TENANT_ID: u8 = 1 << 4;
    /// The user is not in the directory, so its groups are unknown (§3.4 rule 9).
    pub const GROUP_MEMBERSHIP: u8 = 1 << 5;
    /// The user is not in the directory, so its roles are unknown (§3.4 rule 9).
    pub const ROLE_MEMBERSHIP: u8 = 1 << 6;

    const NAMES: [(u8, &str); 7] = [
        (IP_ADDRESS, "ipAddress"),
        (COUNTRY, "country"),
        (DEVICE_PLATFORM, "devicePlatform"),
        (CLIENT_APP_TYPE, "clientAppType"),
        (EXTERNAL_TENANT_ID, "externalTenantId"),
        (GROUP_MEMBERSHIP, "groupMembership"),
        (ROLE_MEMBERSHIP, "roleMembership"),
    ];

    /// The field names of a mask, in a fixed order.
    pub fn names(mask: u8) -> Vec<&'static str> {
        iter_names(mask).collect()
    }

    /// The field names of a mask, in a fixed order, without collecting them.
    pub fn iter_names(mask: u8) -> impl Iterator<Item = &'static str> {
        NAMES
            .iter()
            .filter(move |(bit, _)| mask & bit != 0)
            .map(|(_, name)| *name)
    }
}

/// Options for one evaluation.
///
/// ```
/// use jitgate::{EvaluationOptions, Explain};
///
/// let options = EvaluationOptions::default().explain(Explain::Policies).assume_worst(true);
/// assert!(options.assumes_worst());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct EvaluationOptions {
    explain: Explain,
    assume_worst: bool,
}

impl EvaluationOptions {
    /// Per-policy results or not.
    pub fn explain(mut self, explain: Explain) -> Self {
        self.explain = explain;
        self
    }

    /// Decide as the strictest value of missing request data would (§7): every enforced policy
    /// that missing data alone kept from applying, and that would deny or require something,
    /// is taken to apply. The decision still carries `missingData`.
    pub fn assume_worst(mut self, assume_worst: bool) -> Self {
        self.assume_worst = assume_worst;
        self
    }

    /// The explain level.
    pub fn explain_level(&self) -> Explain {
        self.explain
    }

    /// Is missing data assumed to be its worst value?
    pub fn assumes_worst(&self) -> bool {
        self.assume_worst
    }
}

impl From<Explain> for EvaluationOptions {
    fn from(explain: Explain) -> Self {
        EvaluationOptions::default().explain(explain)
    }
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Decision {
    /// Access is granted now.
    Allow,
    /// Access is granted once the listed requirements are met.
    StepUp,
    /// Access is refused; no prompt can change that.
    Deny,
}

impl Decision {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::StepUp => "stepUp",
            Decision::Deny => "deny",
        }
    }
}

/// `conditionalAccessStatus` (§6 step 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum CaStatus {
    /// Every enforced policy that applied was satisfied.
    Success,
    /// Some enforced policy failed or needs interaction.
    Failure,
    /// No enforced policy applied.
    NotApplied,
}

impl CaStatus {
    /// Graph's spelling: `success`, `failure` or `notApplied`.
    pub fn as_str(self) -> &'static str {
        match self {
            CaStatus::Success => "success",
            CaStatus::Failure => "failure",
            CaStatus::NotApplied => "notApplied",
        }
    }
}

/// One thing the user can do to meet a requirement (an item of `anyOf`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum RequirementItem {
    /// Re-authenticate (sign-in frequency).
    #[serde(rename_all = "camelCase")]
    Reauthentication {
        /// Which authentication must be repeated.
        authentication_type: FrequencyAuthType,
        /// Time-based or every time.
        frequency_interval: FrequencyInterval,
        /// Interval length (time-based only).
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<i64>,
        /// Interval unit, hours or days (SEMANTICS names it `type`, which the item's own kind
        /// already uses; it is written `frequencyType`).
        #[serde(skip_serializing_if = "Option::is_none")]
        frequency_type: Option<FrequencyUnit>,
        /// Always `signInFrequency`.
        reason: &'static str,
    },
    /// Multifactor authentication.
    Mfa,
    /// An authentication strength.
    #[serde(rename_all = "camelCase")]
    AuthenticationStrength {
        /// Strength id.
        id: String,
        /// Display name.
        display_name: String,
        /// The combinations that satisfy it.
        allowed_combinations: Vec<String>,
    },
    /// Change the password.
    PasswordChange,
    /// Remediate user risk.
    RiskRemediation,
    /// Accept terms of use.
    #[serde(rename_all = "camelCase")]
    TermsOfUse {
        /// Agreement id.
        agreement_id: String,
    },
    /// Complete a custom control.
    CustomAuthenticationFactor {
        /// Custom control id.
        id: String,
    },
    /// Obtain a token carrying an authentication context (PIM).
    #[serde(rename_all = "camelCase")]
    AuthenticationContext {
        /// `c1`..`c99`.
        value: String,
        /// The claims challenge to send.
        claims_challenge: String,
    },
}

impl RequirementItem {
    /// Entra's prompt order (§6 step 11.2): lower comes first.
    pub fn rank(&self) -> u8 {
        match self {
            RequirementItem::AuthenticationContext { .. } => 0,
            RequirementItem::Reauthentication { .. } => 1,
            RequirementItem::Mfa | RequirementItem::AuthenticationStrength { .. } => 2,
            RequirementItem::PasswordChange | RequirementItem::RiskRemediation => 3,
            RequirementItem::TermsOfUse { .. } => 4,
            RequirementItem::CustomAuthenticationFactor { .. } => 5,
        }
    }
}

/// One requirement: every element of the list must be met; within one, any option is enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    /// The options.
    pub any_of: Vec<RequirementItem>,
    /// The enforced policies that asked for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policy_ids: Vec<String>,
    /// Where a PIM requirement comes from (a rule id), if not from CA policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Why access is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum DenyReason {
    /// A policy blocks access.
    #[serde(rename_all = "camelCase")]
    BlockedByPolicy {
        /// Policy id.
        policy_id: String,
        /// Policy name.
        display_name: String,
    },
    /// A policy requires device or app state that no prompt can provide.
    #[serde(rename_all = "camelCase")]
    UnsatisfiedNonInteractiveControls {
        /// Policy id.
        policy_id: String,
        /// Policy name.
        display_name: String,
        /// The controls that failed.
        controls: Vec<String>,
    },
}

impl DenyReason {
    /// The id of the policy that denies.
    pub fn policy_id(&self) -> &str {
        match self {
            DenyReason::BlockedByPolicy { policy_id, .. }
            | DenyReason::UnsatisfiedNonInteractiveControls { policy_id, .. } => policy_id,
        }
    }

    /// The name of the policy that denies.
    pub fn display_name(&self) -> &str {
        match self {
            DenyReason::BlockedByPolicy { display_name, .. }
            | DenyReason::UnsatisfiedNonInteractiveControls { display_name, .. } => display_name,
        }
    }
}

/// Effective sign-in frequency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveSignInFrequency {
    /// Time-based or every time.
    pub frequency_interval: FrequencyInterval,
    /// Interval length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    /// Hours or days.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub unit: Option<FrequencyUnit>,
    /// Which authentication is measured.
    pub authentication_type: FrequencyAuthType,
    /// Contributing policies.
    pub policy_ids: Vec<String>,
}

/// An effective session control with a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Effective<T> {
    /// The winning value.
    pub mode: T,
    /// Contributing policies.
    pub policy_ids: Vec<String>,
}

/// An effective on/off session control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveFlag {
    /// Always true when present.
    pub is_enabled: bool,
    /// Contributing policies.
    pub policy_ids: Vec<String>,
}

/// Session controls merged over the enforced policies that apply (§3.14).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveSessionControls {
    /// Sign-in frequency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in_frequency: Option<EffectiveSignInFrequency>,
    /// Persistent browser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persistent_browser: Option<Effective<PersistentBrowserMode>>,
    /// Defender for Cloud Apps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_app_security: Option<Effective<CloudAppSecurityType>>,
    /// Continuous access evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuous_access_evaluation: Option<Effective<CaeMode>>,
    /// App-enforced restrictions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_enforced_restrictions: Option<EffectiveFlag>,
    /// Token protection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_sign_in_session: Option<EffectiveFlag>,
    /// Resilience defaults disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_resilience_defaults: Option<EffectiveFlag>,
    /// Controls passed through unchanged, with their policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passthrough: Vec<PassThrough>,
}

/// A session control passed through unchanged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassThrough {
    /// The control's key.
    pub name: String,
    /// Its value as given.
    pub value: serde_json::Value,
    /// The policy that set it.
    pub policy_id: String,
}

/// Graph's `appliedConditionalAccessPolicyResult` (§6 step 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum PolicyResultKind {
    /// Enforced and satisfied.
    Success,
    /// Enforced and not satisfied (deny, or interaction still needed).
    Failure,
    /// Enforced, did not apply.
    NotApplied,
    /// Disabled or soft-deleted.
    NotEnabled,
    /// Report-only and satisfied.
    ReportOnlySuccess,
    /// Report-only and would deny.
    ReportOnlyFailure,
    /// Report-only, did not apply.
    ReportOnlyNotApplied,
    /// Report-only and would prompt.
    ReportOnlyInterrupted,
}

impl PolicyResultKind {
    /// Graph's spelling (`success`, `reportOnlyInterrupted`, ...), as sign-in logs write it.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyResultKind::Success => "success",
            PolicyResultKind::Failure => "failure",
            PolicyResultKind::NotApplied => "notApplied",
            PolicyResultKind::NotEnabled => "notEnabled",
            PolicyResultKind::ReportOnlySuccess => "reportOnlySuccess",
            PolicyResultKind::ReportOnlyFailure => "reportOnlyFailure",
            PolicyResultKind::ReportOnlyNotApplied => "reportOnlyNotApplied",
            PolicyResultKind::ReportOnlyInterrupted => "reportOnlyInterrupted",
        }
    }
}

/// What a policy alone would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Outcome {
    /// Disabled.
    NotEnabled,
    /// Did not apply.
    NotApplied,
    /// Applied and satisfied.
    Satisfied,
    /// Applied; the user must do something.
    StepUp,
    /// Applied; access refused.
    Deny,
}

impl Outcome {
    /// The wire name: `notEnabled`, `notApplied`, `satisfied`, `stepUp` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NotEnabled => "notEnabled",
            Outcome::NotApplied => "notApplied",
            Outcome::Satisfied => "satisfied",
            Outcome::StepUp => "stepUp",
            Outcome::Deny => "deny",
        }
    }
}

/// What If `analysisReasons` flags (§6).
pub mod reasons {
    /// Bit values of `whatIfAnalysisReasons`, with names, in canonical order.
    pub const ALL: [(u32, &str); 19] = [
        (1, "notEnoughInformation"),
        (2, "invalidCondition"),
        (4, "users"),
        (8, "workloadIdentities"),
        (16, "application"),
        (32, "userActions"),
        (64, "authenticationContext"),
        (128, "devicePlatform"),
        (256, "devices"),
        (512, "clientApps"),
        (1024, "location"),
        (2048, "signInRisk"),
        (4096, "emptyPolicy"),
        (8192, "invalidPolicy"),
        (16384, "policyNotEnabled"),
        (32768, "userRisk"),
        (65536, "time"),
        (131_072, "insiderRisk"),
        (262_144, "authenticationFlow"),
    ];
    /// Not enough information.
    pub const NOT_ENOUGH_INFORMATION: u32 = 1;
    /// Users.
    pub const USERS: u32 = 4;
    /// Workload identities.
    pub const WORKLOAD_IDENTITIES: u32 = 8;
    /// Application.
    pub const APPLICATION: u32 = 16;
    /// User actions.
    pub const USER_ACTIONS: u32 = 32;
    /// Authentication context.
    pub const AUTHENTICATION_CONTEXT: u32 = 64;
    /// Device platform.
    pub const DEVICE_PLATFORM: u32 = 128;
    /// Devices.
    pub const DEVICES: u32 = 256;
    /// Client apps.
    pub const CLIENT_APPS: u32 = 512;
    /// Location.
    pub const LOCATION: u32 = 1024;
    /// Sign-in risk.
    pub const SIGN_IN_RISK: u32 = 2048;
    /// Empty policy.
    pub const EMPTY_POLICY: u32 = 4096;
    /// Policy not enabled.
    pub const POLICY_NOT_ENABLED: u32 = 16384;
    /// User risk.
    pub const USER_RISK: u32 = 32768;
    /// Insider risk.
    pub const INSIDER_RISK: u32 = 131_072;
    /// Authentication flow.
    pub const AUTHENTICATION_FLOW: u32 = 262_144;

    /// The spelling of `notSet` or of a single flag, without allocating; `None` for several.
    pub fn name(bits: u32) -> Option<&'static str> {
        if bits == 0 {
            return Some("notSet");
        }
        if !bits.is_power_of_two() {
            return None;
        }
        ALL.iter().find(|(b, _)| *b == bits).map(|(_, n)| *n)
    }

    /// Graph's flags spelling: `notSet`, or names joined by commas in canonical (bit) order.
    pub fn to_graph(bits: u32) -> String {
        if bits == 0 {
            return "notSet".to_owned();
        }
        iter_names(bits).collect::<Vec<_>>().join(",")
    }

    // `iter_names` finds bit `k`'s name at `ALL[k]`.
    #[expect(
        clippy::indexing_slicing,
        reason = "evaluated at compile time: an index out of range fails the build"
    )]
    const _: () = {
        let mut k = 0;
        while k < ALL.len() {
            assert!(ALL[k].0 == 1 << k, "ALL holds bit k at k");
            k += 1;
        }
    };

    /// The names of the flags set in `bits`, in canonical (bit) order, without collecting them;
    /// bits without a name are left out. One step per set bit: `ALL` holds bit `k` at `k`.
    pub(crate) fn iter_names(bits: u32) -> impl Iterator<Item = &'static str> {
        let mut rest = bits;
        std::iter::from_fn(move || {
            while rest != 0 {
                let k = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                if let Some((_, name)) = ALL.get(k) {
                    return Some(*name);
                }
            }
            None
        })
    }
}

/// One policy's part in a decision (What If and sign-in log fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyResult {
    /// Policy id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// State.
    pub state: PolicyState,
    /// Did every condition match?
    pub policy_applies: bool,
    /// Why it did not apply (`notSet` when it did).
    #[serde(serialize_with = "ser_reasons")]
    pub analysis_reasons: u32,
    /// Graph's result.
    pub result: PolicyResultKind,
    /// What this policy alone would do.
    pub outcome: Outcome,
    /// Grant controls enforced (applied policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforced_grant_controls: Option<Vec<String>>,
    /// Session controls enforced (applied policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforced_session_controls: Option<Vec<String>>,
    /// Controls not yet satisfied (applied policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsatisfied_controls: Option<Vec<String>>,
    /// Tenant warnings about this policy, for a policy that applied or that missing data alone
    /// kept out (§1.6: tenant warnings are not repeated at the top of each decision).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Diagnostic>,
}

fn ser_reasons<S: serde::Serializer>(bits: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&reasons::to_graph(*bits))
}

/// A sign-in decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInDecision {
    /// The request's `id`, echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<serde_json::Value>,
    /// allow, stepUp or deny.
    pub decision: Decision,
    /// The evaluation instant, written in RFC 3339 (UTC, `Z`).
    #[serde(serialize_with = "crate::model::time::serialize_timestamp")]
    pub evaluated_at: jiff::Timestamp,
    /// Aggregate CA status.
    pub conditional_access_status: CaStatus,
    /// What must still be proven.
    pub requirements: Vec<Requirement>,
    /// Why access is refused.
    pub deny_reasons: Vec<DenyReason>,
    /// The claims challenge for an auth-context step-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims_challenge: Option<String>,
    /// Effective session controls (empty when denied).
    pub session_controls: EffectiveSessionControls,
    /// Per-policy results, when explain is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<PolicyResult>>,
    /// Load and evaluation warnings.
    pub warnings: Vec<Diagnostic>,
    /// The content hash of the tenant (policy set) that made the decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
}

/// The claims challenge for authentication context `cx` (§4.3).
pub fn claims_challenge(cx: &str) -> String {
    ClaimsChallenge(cx).to_string()
}

/// The claims challenge for an authentication context, written without building a string.
pub(crate) struct ClaimsChallenge<'a>(pub &'a str);

impl std::fmt::Display for ClaimsChallenge<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            r#"{{"access_token":{{"acrs":{{"essential":true,"value":"{}"}}}}}}"#,
            self.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_spelling() {
        assert_eq!(reasons::to_graph(0), "notSet");
        assert_eq!(
            reasons::to_graph(reasons::USERS | reasons::LOCATION | reasons::NOT_ENOUGH_INFORMATION),
            "notEnoughInformation,users,location"
        );
    }

    #[test]
    fn reason_names_are_the_named_bits_in_order() {
        // Every single bit (named or not) and masks mixing named and unnamed bits.
        let masks = (0..32).map(|k| 1u32 << k).chain([
            0,
            u32::MAX,
            0x0007_FFFF,
            0xFFF8_0000 | reasons::USERS,
            reasons::LOCATION | reasons::NOT_ENOUGH_INFORMATION | (1 << 30),
        ]);
        for bits in masks {
            let by_table: Vec<&str> = reasons::ALL
                .iter()
                .filter(|(b, _)| bits & b != 0)
                .map(|(_, n)| *n)
                .collect();
            assert_eq!(
                reasons::iter_names(bits).collect::<Vec<_>>(),
                by_table,
                "{bits:#x}"
            );
        }
    }

    #[test]
    fn claims_challenge_is_compact() {
        assert_eq!(
            claims_challenge("c1"),
            r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#
        );
    }
}
