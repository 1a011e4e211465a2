//! Tenant limits and consistency checks (docs/SEMANTICS.md §11).
//!
//! Limit checks are warnings by default and errors under `strict`; shape checks (what Graph or the
//! admin centre would reject but the engine evaluates as written) are always warnings. Load errors
//! (malformed JSON, placeholders, unparsable filters, bad CIDRs) are reported by [`crate::load`].

mod groups;
mod lockout;
mod pim;
mod policies;

use std::collections::{HashMap, HashSet};

use jiff::SignedDuration;
use serde::Serialize;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::directory::is_valid_auth_context_id;
use crate::model::enums::{
    CaeMode, GrantControl, GrantOperator, PolicyState, StrengthPolicyType, UserAction,
};
use crate::model::ids::{IdRef, Keyword};
use crate::model::location::LocationKind;
use crate::model::pim::{PimSchedule, PimTarget, PolicyRule};
use crate::model::{Group, Policy, Tenant};
use groups::*;
use lockout::*;
use pim::*;
use policies::*;

/// Entra's documented limits.
pub mod limits {
    /// Conditional Access policies per tenant, counting every state.
    pub const POLICIES: usize = 195;
    /// Named locations per tenant.
    pub const NAMED_LOCATIONS: usize = 195;
    /// IP ranges per named location.
    pub const RANGES_PER_LOCATION: usize = 2000;
    /// A CIDR prefix must be longer than this.
    pub const MIN_PREFIX_EXCLUSIVE: u8 = 8;
    /// MFA trusted IP ranges.
    pub const MFA_TRUSTED_IPS: usize = 50;
    /// Authentication contexts.
    pub const AUTH_CONTEXTS: usize = 99;
    /// Filter rule length in characters.
    pub const FILTER_RULE_CHARS: usize = 3072;
    /// Custom authentication strengths.
    pub const CUSTOM_STRENGTHS: usize = 15;
    /// Role-assignable groups.
    pub const ROLE_ASSIGNABLE_GROUPS: usize = 500;
    /// Groups a user can be in before Entra may block sign-in.
    pub const GROUPS_PER_USER: usize = 2048;
}

/// Counts of what the tenant holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantCounts {
    /// CA policies (every state).
    pub policies: usize,
    /// Enabled policies.
    pub enabled: usize,
    /// Report-only policies.
    pub report_only: usize,
    /// Disabled or soft-deleted policies.
    pub disabled: usize,
    /// Named locations.
    pub named_locations: usize,
    /// Authentication strengths (including built-ins).
    pub authentication_strengths: usize,
    /// Authentication contexts.
    pub authentication_contexts: usize,
    /// Users.
    pub users: usize,
    /// Groups.
    pub groups: usize,
    /// Active role assignments.
    pub role_assignments: usize,
    /// PIM eligibilities (roles and groups).
    pub pim_eligibilities: usize,
    /// PIM policy assignments.
    pub pim_policy_assignments: usize,
}

/// An application group in use (§3.6 rule 4): its members and where they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppGroupReport {
    /// `Office365` or `MicrosoftAdminPortals`.
    pub group: &'static str,
    /// `builtIn` (jitgate's list of Microsoft's documented members) or `bundle`.
    pub source: &'static str,
    /// Members, in appId order.
    pub members: Vec<AppGroupMember>,
}

/// One member of an application group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppGroupMember {
    /// The appId.
    pub app_id: String,
    /// Its name, from the built-in list or the bundle's applications and service principals.
    pub name: Option<String>,
}

/// The result of validating a tenant.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    /// What the tenant holds.
    pub counts: TenantCounts,
    /// The application groups policies resolve `Office365` and `MicrosoftAdminPortals` through.
    pub application_groups: Vec<AppGroupReport>,
    /// Findings: errors and warnings, each with file, JSON path and message.
    pub findings: Vec<Diagnostic>,
}

impl ValidationReport {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// How [`validate`] grades its findings. `bool` converts to this as `strict`, with the other
/// defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidateOptions {
    /// Each §11 limit warning becomes an error.
    pub strict: bool,
    /// A policy that locks out every account (`lockout`) is an error; when false, a warning.
    /// [`crate::Engine::publish`] sets it false: such a tenant is what Entra would enforce.
    pub lockout_is_error: bool,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            strict: false,
            lockout_is_error: true,
        }
    }
}

impl ValidateOptions {
    /// Sets [`ValidateOptions::strict`].
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Sets [`ValidateOptions::lockout_is_error`].
    pub fn lockout_is_error(mut self, error: bool) -> Self {
        self.lockout_is_error = error;
        self
    }
}

impl From<bool> for ValidateOptions {
    fn from(strict: bool) -> Self {
        ValidateOptions::default().strict(strict)
    }
}

struct Checker<'t> {
    tenant: &'t Tenant,
    options: ValidateOptions,
    d: Diagnostics,
    /// Groups by id: looked up per reference and per role holder, so never scanned linearly.
    groups: HashMap<&'t str, &'t Group>,
}

impl Checker<'_> {
    /// A §11 limit: warning, or error under strict.
    fn limit(&mut self, code: &'static str, path: &str, message: String) {
        if self.options.strict {
            self.d.error(code, path, message);
        } else {
            self.d.warn(code, path, message);
        }
    }
}

/// Validates a loaded tenant. Pass `true` (or [`ValidateOptions::strict`]) to make each limit
/// warning an error.
pub fn validate(tenant: &Tenant, options: impl Into<ValidateOptions>) -> ValidationReport {
    let options = options.into();
    let mut c = Checker {
        tenant,
        options,
        d: Diagnostics::new(""),
        groups: tenant.groups.iter().map(|g| (g.id.as_str(), g)).collect(),
    };
    check_limits(&mut c);
    check_locations(&mut c);
    for p in &tenant.policies {
        check_policy(&mut c, p);
    }
    check_no_directory(&mut c);
    check_lockout(&mut c);
    check_groups(&mut c);
    check_pim(&mut c);
    ValidationReport {
        counts: counts(tenant),
        application_groups: app_groups(tenant),
        findings: c.d.items,
    }
}

fn app_groups(t: &Tenant) -> Vec<AppGroupReport> {
    let name = |app_id: &str| {
        t.applications
            .iter()
            .chain(&t.service_principals)
            .find(|a| a.app_id.as_deref() == Some(app_id))
            .and_then(|a| a.display_name.clone())
            .or_else(|| crate::model::app_groups::built_in_name(app_id).map(str::to_owned))
    };
    t.app_groups
        .iter()
        .map(|(keyword, group)| AppGroupReport {
            group: keyword.as_str(),
            source: match group.source {
                crate::model::AppGroupSource::BuiltIn => "builtIn",
                crate::model::AppGroupSource::Bundle => "bundle",
            },
            members: group
                .app_ids
                .iter()
                .map(|id| AppGroupMember {
                    app_id: id.clone(),
                    name: name(id),
                })
                .collect(),
        })
        .collect()
}

fn counts(t: &Tenant) -> TenantCounts {
    TenantCounts {
        policies: t.policies.len(),
        enabled: t.policies.iter().filter(|p| p.is_enforced()).count(),
        report_only: t
            .policies
            .iter()
            .filter(|p| p.is_evaluated() && p.state == PolicyState::ReportOnly)
            .count(),
        disabled: t.policies.iter().filter(|p| !p.is_evaluated()).count(),
        named_locations: t.named_locations.len(),
        authentication_strengths: t.strengths.len(),
        authentication_contexts: t.auth_contexts.len(),
        users: t.users.len(),
        groups: t.groups.len(),
        role_assignments: t.role_assignments.len(),
        pim_eligibilities: t.pim.role_eligibilities.len() + t.pim.group_eligibilities.len(),
        pim_policy_assignments: t.pim.policy_assignments.len(),
    }
}

fn check_limits(c: &mut Checker<'_>) {
    let t = c.tenant;
    if t.policies.len() > limits::POLICIES {
        c.limit(
            "tooManyPolicies",
            "conditionalAccessPolicies",
            format!(
                "{} policies; Entra allows {}",
                t.policies.len(),
                limits::POLICIES
            ),
        );
    }
    if t.named_locations.len() > limits::NAMED_LOCATIONS {
        c.limit(
            "tooManyNamedLocations",
            "namedLocations",
            format!(
                "{} named locations; Entra allows {}",
                t.named_locations.len(),
                limits::NAMED_LOCATIONS
            ),
        );
    }
    if t.auth_contexts.len() > limits::AUTH_CONTEXTS {
        c.limit(
            "tooManyAuthenticationContexts",
            "authenticationContextClassReferences",
            format!(
                "{} authentication contexts; Entra allows {}",
                t.auth_contexts.len(),
                limits::AUTH_CONTEXTS
            ),
        );
    }
    for ctx in &t.auth_contexts {
        if !is_valid_auth_context_id(&ctx.id) {
            c.limit(
                "invalidAuthenticationContextId",
                &format!("authenticationContextClassReferences[{}]", ctx.id),
                format!(
                    "\"{}\" is outside c1..c99; it is still matched as written",
                    ctx.id
                ),
            );
        }
    }
    let custom = t
        .strengths
        .iter()
        .filter(|s| s.policy_type != StrengthPolicyType::BuiltIn)
        .count();
    if custom > limits::CUSTOM_STRENGTHS {
        c.limit(
            "tooManyCustomStrengths",
            "authenticationStrengthPolicies",
            format!(
                "{custom} custom authentication strengths; Entra allows {}",
                limits::CUSTOM_STRENGTHS
            ),
        );
    }
    let assignable = t.groups.iter().filter(|g| g.is_assignable_to_role).count();
    if assignable > limits::ROLE_ASSIGNABLE_GROUPS {
        c.limit(
            "tooManyRoleAssignableGroups",
            "directory.groups",
            format!(
                "{assignable} role-assignable groups; Entra allows {}",
                limits::ROLE_ASSIGNABLE_GROUPS
            ),
        );
    }
    if t.mfa_trusted_ips.len() > limits::MFA_TRUSTED_IPS {
        c.limit(
            "tooManyMfaTrustedIps",
            "mfaTrustedIps",
            format!(
                "{} MFA trusted IP ranges; the service allows {}",
                t.mfa_trusted_ips.len(),
                limits::MFA_TRUSTED_IPS
            ),
        );
    }
    for (i, r) in t.mfa_trusted_ips.iter().enumerate() {
        if r.is_v6() {
            c.limit(
                "ipv6MfaTrustedIp",
                &format!("mfaTrustedIps[{i}]"),
                format!("{r} is IPv6; MFA trusted IPs take IPv4 ranges only (still evaluated)"),
            );
        }
    }
}

fn check_locations(c: &mut Checker<'_>) {
    for loc in &c.tenant.named_locations {
        let LocationKind::Ip { ranges, .. } = &loc.kind else {
            continue;
        };
        let at = format!("namedLocations[{}]", loc.id);
        if ranges.len() > limits::RANGES_PER_LOCATION {
            c.limit(
                "tooManyRanges",
                &at,
                format!(
                    "\"{}\" has {} IP ranges; Entra allows {}",
                    loc.display_name,
                    ranges.len(),
                    limits::RANGES_PER_LOCATION
                ),
            );
        }
        for r in ranges {
            if r.prefix() <= limits::MIN_PREFIX_EXCLUSIVE {
                c.limit(
                    "prefixTooShort",
                    &at,
                    format!("{r} in \"{}\": Entra requires a prefix longer than /8 (the range is still evaluated)", loc.display_name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;
    use crate::load::{LoadOptions, load_bundle_bytes_with};

    fn report(bundle: &str, strict: bool) -> ValidationReport {
        // These fixtures are about validation, not completeness (§1.6a).
        let lenient = LoadOptions::default()
            .allow_empty(true)
            .allow_dangling(true);
        let t = load_bundle_bytes_with("t.json", bundle.as_bytes(), &lenient).unwrap();
        validate(&t, strict)
    }

    fn codes(r: &ValidationReport) -> Vec<&'static str> {
        r.findings.iter().map(|f| f.code).collect()
    }

    fn policy(body: &str) -> String {
        format!(
            r#"{{"conditionalAccessPolicies":[{{"id":"11111111-1111-1111-1111-111111111111","displayName":"P","state":"enabled","grantControls":{{"operator":"OR","builtInControls":["mfa"]}},"conditions":{body}}}]}}"#
        )
    }

    #[test]
    fn too_many_policies_is_a_limit() {
        let items: Vec<String> = (0..196)
            .map(|i| format!(r#"{{"id":"00000000-0000-0000-0000-{i:012}","state":"disabled","conditions":{{}},"displayName":"p"}}"#))
            .collect();
        let bundle = format!(r#"{{"conditionalAccessPolicies":[{}]}}"#, items.join(","));
        let lax = report(&bundle, false);
        assert_eq!(codes(&lax), ["tooManyPolicies"]);
        assert_eq!(lax.errors(), 0);
        let strict = report(&bundle, true);
        assert_eq!(strict.errors(), 1);
    }

    #[test]
    fn short_prefix_and_too_many_ranges() {
        let ranges: Vec<String> = (0..2001)
            .map(|i| format!(r#"{{"cidrAddress":"10.{}.{}.0/24"}}"#, i / 256, i % 256))
            .collect();
        let bundle = format!(
            r##"{{"namedLocations":[{{"@odata.type":"#microsoft.graph.ipNamedLocation","id":"22222222-2222-2222-2222-222222222222","displayName":"Big","ipRanges":[{},{{"cidrAddress":"10.0.0.0/8"}}]}}]}}"##,
            ranges.join(",")
        );
        assert_eq!(
            codes(&report(&bundle, false)),
            ["tooManyRanges", "prefixTooShort"]
        );
    }

    #[test]
    fn dangling_group_and_location() {
        let r = report(
            &policy(
                r#"{"users":{"includeUsers":["All"],"excludeGroups":["33333333-3333-3333-3333-333333333333"]},"applications":{"includeApplications":["All"]},"locations":{"includeLocations":["44444444-4444-4444-4444-444444444444"]}}"#,
            ),
            false,
        );
        // No group export at all: one summary line for the groups, then the location.
        assert_eq!(codes(&r), ["danglingReference", "noDirectory"]);
        assert_eq!(
            r.findings[1].message,
            "no directory: 1 group reference(s) unresolved; decisions for users in those groups will carry missingData (groupMembership), and group-based exclusions exempt nobody; export directory.groups to decide them"
        );
        // With a group export, each missing group is named where it is used.
        let with_groups = policy(
            r#"{"users":{"includeUsers":["All"],"excludeGroups":["33333333-3333-3333-3333-333333333333"]},"applications":{"includeApplications":["All"]}}"#,
        )
        .replace(
            r#""conditionalAccessPolicies""#,
            r#""directory":{"groups":[{"id":"55555555-5555-5555-5555-555555555555","members":[]}]},"conditionalAccessPolicies""#,
        );
        let r = report(&with_groups, false);
        assert_eq!(codes(&r), ["danglingReference"]);
        assert_eq!(
            r.findings[0].path,
            "conditionalAccessPolicies[11111111-1111-1111-1111-111111111111].conditions.users"
        );
    }

    #[test]
    fn cyclic_nesting_and_group_in_role_assignable_group() {
        let bundle = r#"{"directory":{"groups":[
            {"id":"aaaaaaaa-0000-0000-0000-000000000001","members":["aaaaaaaa-0000-0000-0000-000000000002"]},
            {"id":"aaaaaaaa-0000-0000-0000-000000000002","members":["aaaaaaaa-0000-0000-0000-000000000001"]},
            {"id":"aaaaaaaa-0000-0000-0000-000000000003","isAssignableToRole":true,"members":["aaaaaaaa-0000-0000-0000-000000000002"]}
        ]}}"#;
        let r = report(bundle, false);
        assert_eq!(
            codes(&r),
            ["cyclicGroupNesting", "groupInRoleAssignableGroup"]
        );
        assert_eq!(report(bundle, true).errors(), 1);
    }

    #[test]
    fn long_filter_rule_is_a_limit_warning() {
        let values: Vec<String> = (0..400).map(|i| format!("\"v{i:04}\"")).collect();
        let rule = format!("device.model -in [{}]", values.join(","));
        assert!(rule.chars().count() > 3072);
        let r = report(
            &policy(&format!(
                r#"{{"users":{{"includeUsers":["All"]}},"applications":{{"includeApplications":["All"]}},"devices":{{"deviceFilter":{{"mode":"exclude","rule":"{}"}}}}}}"#,
                rule.replace('"', "\\\"")
            )),
            false,
        );
        assert_eq!(codes(&r), ["filterRuleTooLong"]);
    }

    #[test]
    fn shape_warnings() {
        let r = report(
            r#"{"conditionalAccessPolicies":[{"id":"11111111-1111-1111-1111-111111111111","displayName":"P","state":"enabled","conditions":{"users":{"includeUsers":["All"]},"applications":{"includeApplications":["All"]},"platforms":{"excludePlatforms":["iOS"]}},"grantControls":{"operator":"AND","builtInControls":["block","mfa","passwordChange"],"authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}}]}"#,
            false,
        );
        assert_eq!(
            codes(&r),
            [
                "excludeOnlyCondition",
                "mfaWithStrength",
                "blockWithOtherControls",
                // The one block excludes nobody; iOS is outside it, so it is no lockout.
                "noBreakGlass"
            ]
        );
    }

    #[test]
    fn auth_context_ids_and_pim_cap() {
        let bundle = r#"{"authenticationContextClassReferences":[{"id":"c100","isAvailable":true}],
          "pim":{"roleManagementPolicies":[{"id":"p1","rules":[{"id":"Expiration_EndUser_Assignment","isExpirationRequired":true,"maximumDuration":"PT30H"},{"id":"Enablement_EndUser_Assignment","enabledRules":["MultiFactorAuthentication"]},{"id":"AuthenticationContext_EndUser_Assignment","isEnabled":true,"claimValue":"c1"}]}]}}"#;
        assert_eq!(
            codes(&report(bundle, false)),
            [
                "invalidAuthenticationContextId",
                "activationTooLong",
                "mfaAndAuthContextRules"
            ]
        );
    }
}
