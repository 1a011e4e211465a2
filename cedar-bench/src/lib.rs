//! jitgate versus Cedar on an equivalent policy set.
//!
//! [`translate`] turns a loaded jitgate [`Tenant`] into a Cedar policy set and entity store that
//! decide "allow or not" exactly as jitgate does; [`CedarTenant::request`] turns a parsed
//! [`SignInRequest`] into a Cedar request. [`check_agreement`] proves the two agree on a sample
//! before anything is timed, and [`Fixture`] builds the benchmark tenant at Entra's limits.
//!
//! The mapping (README.md beside this crate says what has no Cedar equivalent):
//!
//! - principal `User::"<id>"`, with `Group` parents (nested groups are `Group` parents of `Group`;
//!   Cedar's transitive closure gives transitive membership) and `Role` parents for active,
//!   tenant-wide role assignments; attributes `guestTypes` (set of guest-type names, only on
//!   guests) and `homeTenant`.
//! - action `Action::"signIn"`; resource `App::"<appId>"` with `AppGroup` parents (`Office365`,
//!   `MicrosoftAdminPortals`).
//! - context: `platform`, `clientAppType`, `signInRisk`, `userRisk`, `insiderRisk`,
//!   `transferMethods`, `ip` (ipaddr, when known), `country` (when known), `device` (record),
//!   `session` (record: `mfaDone`, `methods`, `passwordChanged`, `acceptedTermsOfUse`,
//!   `customFactors`, `approvedClientApp`, `appProtectionPolicy`, `lastAuthenticated`,
//!   `lastMfa`, `gpsCountry`) and `time` (datetime).
//! - one `permit(principal, action, resource);` and, per enforced CA policy that can apply to a
//!   user's app sign-in, one `forbid`: conditions in `when`, exclusions in `unless`, and for a
//!   grant the session can satisfy an `unless { <satisfied> }` (a `block` grant has none). A
//!   policy's sign-in frequency joins its `satisfied` clause. Report-only and disabled policies
//!   are left out.

pub mod filter;
pub mod varied;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Instant;

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, Policy as CedarPolicy, PolicyId, PolicySet, Request, Response, RestrictedExpression,
};
use jitgate::unstable::Diagnostics;
use jitgate::unstable::generate::{self, DEFAULT_SEED, TenantSize};
use jitgate::unstable::model::{
    AuthMethod, ClientAppType, CountryLookupMethod, FilterMode, FrequencyAuthType,
    FrequencyInterval, GrantControl, GrantOperator, GuestType, InsiderRiskLevel, Platform,
    RiskLevel, TransferMethod,
};
use jitgate::unstable::model::{AuthStrength, MFA_STRENGTH_ID, MethodSet};
use jitgate::unstable::model::{Cidr, LocationKind, MFA_TRUSTED_IPS_ID};
use jitgate::unstable::model::{
    ExternalTenants, GrantControls, GuestSelector, Policy, UserCondition,
};
use jitgate::unstable::model::{IdRef, Keyword};
use jitgate::{Decision, SignInRequest, Snapshot, Tenant};
use jitgate::{DeviceInfo, Identity, SignInContext};

/// Something in the tenant or a request that this translation does not cover. The generated
/// tenant and requests use none of it; a tenant that does is refused rather than mistranslated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl Unsupported {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Unsupported {
        Unsupported(message.into())
    }
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no Cedar translation: {}", self.0)
    }
}

impl std::error::Error for Unsupported {}

/// A Cedar boolean expression under construction, with constant folding of `true`/`false`.
/// `E` always holds a self-delimiting expression (a parenthesised or atomic one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum X {
    /// Always true.
    T,
    /// Always false.
    F,
    /// A Cedar expression.
    E(String),
}

impl X {
    /// A parenthesised expression.
    pub fn leaf(s: impl AsRef<str>) -> X {
        X::E(format!("({})", s.as_ref()))
    }

    /// Negation.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> X {
        match self {
            X::T => X::F,
            X::F => X::T,
            X::E(s) => X::E(format!("(!{s})")),
        }
    }

    /// Disjunction, as a balanced tree so that thousands of terms stay shallow (Cedar's
    /// evaluator recurses and refuses expressions that come close to the end of the stack).
    pub fn any(items: Vec<X>) -> X {
        let mut terms = Vec::with_capacity(items.len());
        for x in items {
            match x {
                X::T => return X::T,
                X::F => {}
                X::E(s) => terms.push(s),
            }
        }
        if terms.is_empty() {
            X::F
        } else {
            X::E(balanced(&terms, "||"))
        }
    }

    /// Conjunction, in order (Cedar short-circuits `&&` left to right).
    pub fn all(items: Vec<X>) -> X {
        let mut terms = Vec::with_capacity(items.len());
        for x in items {
            match x {
                X::F => return X::F,
                X::T => {}
                X::E(s) => terms.push(s),
            }
        }
        match terms.len() {
            0 => X::T,
            1 => X::E(terms.concat()),
            _ => X::E(format!("({})", terms.join(" && "))),
        }
    }
}

fn balanced(terms: &[String], op: &str) -> String {
    match terms {
        [] => String::new(),
        [one] => one.clone(),
        _ => {
            let (left, right) = terms.split_at(terms.len() / 2);
            format!("({} {op} {})", balanced(left, op), balanced(right, op))
        }
    }
}

/// A Cedar string literal.
pub fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn uid_text(ty: &str, id: &str) -> String {
    format!("{ty}::{}", q(id))
}

/// `x` equals one of `names` (false when there are none). Written as `x == "a" || x == "b"`
/// rather than `["a", "b"].contains(x)`: Cedar builds a set literal anew on every evaluation,
/// and the chain of comparisons is the faster of the two equivalent forms.
pub fn one_of<'a>(names: impl IntoIterator<Item = &'a str>, x: &str) -> X {
    X::any(
        names
            .into_iter()
            .map(|n| X::leaf(format!("{x} == {}", q(n))))
            .collect(),
    )
}

/// `set_expr` contains one of `names` (false when there are none), as a chain of `contains`.
fn contains_any<'a>(set_expr: &str, names: impl IntoIterator<Item = &'a str>) -> X {
    X::any(
        names
            .into_iter()
            .map(|n| X::leaf(format!("{set_expr}.contains({})", q(n))))
            .collect(),
    )
}

const GUEST_TYPES: [GuestType; 6] = [
    GuestType::InternalGuest,
    GuestType::B2bCollaborationGuest,
    GuestType::B2bCollaborationMember,
    GuestType::B2bDirectConnectUser,
    GuestType::OtherExternalUser,
    GuestType::ServiceProvider,
];

fn guest_names(bits: u8) -> Vec<&'static str> {
    GUEST_TYPES
        .iter()
        .filter(|g| bits & g.bit() != 0)
        .map(|g| match g {
            GuestType::InternalGuest => "internalGuest",
            GuestType::B2bCollaborationGuest => "b2bCollaborationGuest",
            GuestType::B2bCollaborationMember => "b2bCollaborationMember",
            GuestType::B2bDirectConnectUser => "b2bDirectConnectUser",
            GuestType::OtherExternalUser => "otherExternalUser",
            _ => "serviceProvider",
        })
        .collect()
}

fn method_names(m: MethodSet) -> Vec<&'static str> {
    AuthMethod::ALL
        .iter()
        .filter(|a| m.0 & a.bit() != 0)
        .map(|a| match a {
            // `as_str` borrows; the known methods have static names.
            AuthMethod::Password => "password",
            AuthMethod::Voice => "voice",
            AuthMethod::HardwareOath => "hardwareOath",
            AuthMethod::SoftwareOath => "softwareOath",
            AuthMethod::Sms => "sms",
            AuthMethod::Fido2 => "fido2",
            AuthMethod::WindowsHelloForBusiness => "windowsHelloForBusiness",
            AuthMethod::MicrosoftAuthenticatorPush => "microsoftAuthenticatorPush",
            AuthMethod::DeviceBasedPush => "deviceBasedPush",
            AuthMethod::TemporaryAccessPassOneTime => "temporaryAccessPassOneTime",
            AuthMethod::TemporaryAccessPassMultiUse => "temporaryAccessPassMultiUse",
            AuthMethod::Email => "email",
            AuthMethod::X509CertificateSingleFactor => "x509CertificateSingleFactor",
            AuthMethod::X509CertificateMultiFactor => "x509CertificateMultiFactor",
            AuthMethod::FederatedSingleFactor => "federatedSingleFactor",
            AuthMethod::FederatedMultiFactor => "federatedMultiFactor",
            _ => "qrCodePin",
        })
        .collect()
}

/// The combinations of a strength that can ever be met (a combination naming an unknown method
/// never is).
fn strength_combinations(s: &AuthStrength) -> Result<Vec<MethodSet>, Unsupported> {
    if !s.configurations.is_empty() {
        return Err(Unsupported::new(format!(
            "authentication strength {} restricts methods with combinationConfigurations (FIDO2 AAGUIDs, certificate issuers)",
            s.id
        )));
    }
    Ok(s.combinations
        .iter()
        .filter(|c| c.satisfiable)
        .map(|c| c.methods)
        .collect())
}

/// jitgate's strength resolution (docs/SEMANTICS.md §4.2.5): the bundle's copy, then the one embedded
/// in the policy, then the built-in default.
fn resolve_strength<'t>(
    tenant: &'t Tenant,
    id: &str,
    embedded: Option<&'t AuthStrength>,
) -> Option<&'t AuthStrength> {
    let all = || tenant.strengths.iter().filter(move |s| s.id == id);
    all()
        .find(|s| !s.is_default)
        .or(embedded.filter(|e| e.id == id))
        .or_else(|| all().find(|s| s.is_default))
}

/// What the translation produced, for the report.
#[derive(Debug, Clone, Default)]
pub struct TranslationStats {
    /// CA policies in the tenant.
    pub ca_policies: usize,
    /// Enforced CA policies (enabled, or an unknown state).
    pub enforced: usize,
    /// Report-only policies left out.
    pub report_only: usize,
    /// Disabled or soft-deleted policies left out.
    pub disabled: usize,
    /// Enforced policies that can never apply to a user's app sign-in (workload-only, user
    /// actions or auth contexts only, nobody included) and so need no Cedar policy.
    pub never_apply: usize,
    /// Enforced policies whose conditions hold but whose grant is always satisfied (no grant
    /// controls, no sign-in frequency): nothing to forbid.
    pub nothing_to_forbid: usize,
    /// Cedar `forbid` policies written.
    pub forbids: usize,
    /// `isInRange` calls in the policy text.
    pub range_checks: usize,
    /// Cedar entities.
    pub entities: usize,
    /// Bytes of Cedar policy text.
    pub text_bytes: usize,
}

/// A tenant expressed in Cedar, with what is needed to build requests for it.
pub struct CedarTenant {
    /// The policy set: one permit, one forbid per enforced CA policy that can deny.
    pub policies: PolicySet,
    /// Users, groups, roles, apps and app groups, with the transitive closure computed.
    pub entities: Entities,
    /// The authorizer.
    pub authorizer: Authorizer,
    /// The Cedar source of `policies`.
    pub text: String,
    /// Counts for the report.
    pub stats: TranslationStats,
    user_type: EntityTypeName,
    app_type: EntityTypeName,
    action: EntityUid,
    /// Method combinations of the `mfa` control (the built-in MFA strength, §4.2.3).
    mfa: Vec<MethodSet>,
}

impl fmt::Debug for CedarTenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CedarTenant")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

struct Translator<'t> {
    tenant: &'t Tenant,
    users: HashSet<&'t str>,
    trusted: Option<X>,
    range_checks: usize,
}

impl<'t> Translator<'t> {
    /// `context.ip` in any of `ranges` (false for none). IPv4 and IPv6 ranges are split so an
    /// address is only compared with ranges of its own family.
    fn ranges<'a>(&mut self, ranges: impl IntoIterator<Item = &'a Cidr>) -> X {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for r in ranges {
            let check = X::E(format!("context.ip.isInRange(ip({}))", q(&cidr_text(r))));
            if r.is_v6() {
                v6.push(check);
            } else {
                v4.push(check);
            }
        }
        self.range_checks += v4.len() + v6.len();
        let family = |test: &str, checks: Vec<X>| match X::any(checks) {
            X::F => X::F,
            x => X::all(vec![X::E(format!("context.ip.{test}()")), x]),
        };
        let either = X::any(vec![family("isIpv4", v4), family("isIpv6", v6)]);
        X::all(vec![X::leaf("context has ip"), either])
    }

    /// `AllTrusted`: a trusted IP named location or the MFA trusted IPs (§3.8.2).
    fn all_trusted(&mut self) -> X {
        if let Some(x) = &self.trusted {
            let n = x_range_checks(x);
            self.range_checks += n;
            return x.clone();
        }
        let tenant = self.tenant;
        let mut ranges: Vec<&Cidr> = tenant.mfa_trusted_ips.iter().collect();
        for l in &tenant.named_locations {
            if let LocationKind::Ip {
                trusted: true,
                ranges: r,
            } = &l.kind
            {
                ranges.extend(r.iter());
            }
        }
        let x = self.ranges(ranges);
        self.trusted = Some(x.clone());
        x
    }

    fn location(&mut self, r: &IdRef) -> Result<X, Unsupported> {
        let tenant = self.tenant;
        Ok(match r {
            IdRef::Keyword(Keyword::All) => X::T,
            IdRef::Keyword(Keyword::AllTrusted) => self.all_trusted(),
            IdRef::Id(id) if id == MFA_TRUSTED_IPS_ID => self.ranges(&tenant.mfa_trusted_ips),
            IdRef::Id(id) => match tenant.location(id).map(|l| &l.kind) {
                Some(LocationKind::Ip { ranges, .. }) => self.ranges(ranges),
                Some(LocationKind::Country {
                    countries,
                    include_unknown,
                    lookup,
                }) => {
                    let mut names: Vec<&str> = countries.iter().map(String::as_str).collect();
                    if *include_unknown {
                        names.push("unknown");
                    }
                    let attr = match lookup {
                        CountryLookupMethod::ClientIpAddress => "context.country",
                        CountryLookupMethod::AuthenticatorAppGps => "context.session.gpsCountry",
                        CountryLookupMethod::Unknown(m) => {
                            return Err(Unsupported::new(format!("country lookup method {m}")));
                        }
                    };
                    let (record, key) = attr.rsplit_once('.').unwrap_or(("context", "country"));
                    X::all(vec![
                        X::leaf(format!("{record} has {key}")),
                        one_of(names, attr),
                    ])
                }
                // Unknown location types and dangling references match nothing (§2.4).
                Some(LocationKind::Unknown(_)) | None => X::F,
            },
            _ => X::F,
        })
    }

    /// The include and exclude sides of `users` (§3.4): any include member, minus any exclude
    /// member. Users not in the directory are only covered by `All`.
    fn users(&self, c: &UserCondition) -> (X, X) {
        let side =
            |users: &[IdRef], groups: &[IdRef], roles: &[IdRef], guests: &Option<GuestSelector>| {
                let mut terms = Vec::new();
                let mut parents = Vec::new();
                for u in users {
                    match u {
                        IdRef::Keyword(Keyword::All) => terms.push(X::T),
                        IdRef::Keyword(Keyword::GuestsOrExternalUsers) => {
                            terms.push(X::leaf("principal has guestTypes"));
                        }
                        IdRef::Id(id) if self.users.contains(id.as_str()) => {
                            terms.push(X::leaf(format!("principal == {}", uid_text("User", id))));
                        }
                        _ => {}
                    }
                }
                parents.extend(
                    groups
                        .iter()
                        .filter_map(IdRef::id)
                        .map(|g| uid_text("Group", g)),
                );
                parents.extend(
                    roles
                        .iter()
                        .filter_map(IdRef::id)
                        .map(|r| uid_text("Role", r)),
                );
                // One `in` per group or role rather than `principal in [..]` (see `one_of`);
                // Cedar answers each from the entity's precomputed ancestors.
                for p in parents {
                    terms.push(X::leaf(format!("principal in {p}")));
                }
                if let Some(sel) = guests {
                    let names = guest_names(sel.types);
                    if !names.is_empty() {
                        let types = X::all(vec![
                            X::leaf("principal has guestTypes"),
                            contains_any("principal.guestTypes", names),
                        ]);
                        let tenants = match &sel.tenants {
                            ExternalTenants::All => X::T,
                            ExternalTenants::Enumerated(list) => X::all(vec![
                                X::leaf("principal has homeTenant"),
                                one_of(list.iter().map(String::as_str), "principal.homeTenant"),
                            ]),
                        };
                        terms.push(X::all(vec![types, tenants]));
                    }
                }
                X::any(terms)
            };
        (
            side(
                &c.include_users,
                &c.include_groups,
                &c.include_roles,
                &c.include_guests,
            ),
            side(
                &c.exclude_users,
                &c.exclude_groups,
                &c.exclude_roles,
                &c.exclude_guests,
            ),
        )
    }

    /// The grant (§3.13) as "already satisfied by this session"; `None` for `block`.
    fn grant(&self, g: &GrantControls) -> Result<Option<X>, Unsupported> {
        if g.built_in.contains(&GrantControl::Block) {
            return Ok(None);
        }
        let device_code = "context.transferMethods.contains(\"deviceCodeFlow\")";
        let mut controls = Vec::new();
        for c in &g.built_in {
            controls.push(match c {
                GrantControl::Mfa => X::leaf("context.session.mfaDone"),
                GrantControl::PasswordChange | GrantControl::RiskRemediation => {
                    X::leaf("context.session.passwordChanged")
                }
                GrantControl::CompliantDevice => X::all(vec![
                    X::leaf("context.device has isCompliant"),
                    X::leaf("context.device.isCompliant"),
                    X::leaf(device_code).not(),
                ]),
                GrantControl::DomainJoinedDevice => X::all(vec![
                    X::leaf("context.device has trustType"),
                    X::leaf("context.device.trustType == \"serverad\""),
                    X::leaf(device_code).not(),
                ]),
                GrantControl::ApprovedApplication => X::leaf("context.session.approvedClientApp"),
                GrantControl::CompliantApplication => {
                    X::leaf("context.session.appProtectionPolicy")
                }
                GrantControl::Block | GrantControl::Unknown(_) => X::F,
            });
        }
        if let Some(id) = &g.strength {
            controls.push(
                match resolve_strength(self.tenant, id, g.embedded_strength.as_ref()) {
                    // An unresolvable strength is never satisfied (§4.2.5).
                    None => X::F,
                    Some(s) => X::any(
                        strength_combinations(s)?
                            .into_iter()
                            .map(|m| {
                                X::all(
                                    method_names(m)
                                        .into_iter()
                                        .map(|n| {
                                            X::leaf(format!(
                                                "context.session.methods.contains({})",
                                                q(n)
                                            ))
                                        })
                                        .collect(),
                                )
                            })
                            .collect(),
                    ),
                },
            );
        }
        for t in &g.terms_of_use {
            controls.push(X::leaf(format!(
                "context.session.acceptedTermsOfUse.contains({})",
                q(t)
            )));
        }
        for f in &g.custom_factors {
            controls.push(X::leaf(format!(
                "context.session.customFactors.contains({})",
                q(f)
            )));
        }
        Ok(Some(if g.operator == GrantOperator::Or {
            X::any(controls)
        } else {
            X::all(controls)
        }))
    }

    /// One CA policy as a Cedar `forbid`, or `None` when it can never deny.
    fn policy(
        &mut self,
        p: &Policy,
        stats: &mut TranslationStats,
    ) -> Result<Option<String>, Unsupported> {
        let c = &p.conditions;
        let (Some(users), Some(apps)) = (&c.users, &c.applications) else {
            // Workload-only policies, and policies without an identity or a target, never apply
            // to a user's app sign-in.
            stats.never_apply += 1;
            return Ok(None);
        };
        if apps.filter.is_some() {
            return Err(Unsupported::new(format!("{}: applicationFilter", p.id)));
        }
        if c.devices
            .as_ref()
            .is_some_and(|d| !d.include_states.is_empty() || !d.exclude_states.is_empty())
        {
            return Err(Unsupported::new(format!(
                "{}: deprecated deviceStates",
                p.id
            )));
        }
        // Cheap conditions first: Cedar evaluates the clauses in order and stops at the first
        // that settles the policy.
        let mut when = Vec::new();
        let mut unless = Vec::new();
        let (inc_users, exc_users) = self.users(users);
        when.push(inc_users);
        unless.push(exc_users);
        let app = |r: &IdRef| match r {
            IdRef::Keyword(Keyword::All) => X::T,
            IdRef::Keyword(Keyword::Office365) => X::leaf("resource in AppGroup::\"Office365\""),
            IdRef::Keyword(Keyword::MicrosoftAdminPortals) => {
                X::leaf("resource in AppGroup::\"MicrosoftAdminPortals\"")
            }
            IdRef::Id(id) => X::leaf(format!("resource == {}", uid_text("App", id))),
            _ => X::F,
        };
        when.push(X::any(apps.include_applications.iter().map(app).collect()));
        unless.push(X::any(apps.exclude_applications.iter().map(app).collect()));
        if let Some(pl) = &c.platforms {
            fn known(list: &[Platform]) -> Vec<&str> {
                list.iter()
                    .filter(|p| !p.is_unknown() && **p != Platform::All)
                    .map(Platform::as_str)
                    .collect()
            }
            if !(pl.include.is_empty() || pl.include.contains(&Platform::All)) {
                when.push(one_of(known(&pl.include), "context.platform"));
            }
            unless.push(one_of(known(&pl.exclude), "context.platform"));
        }
        let list = &c.client_app_types;
        if !(list.is_empty() || list.contains(&ClientAppType::All)) {
            let names = list
                .iter()
                .filter(|x| !x.is_unknown())
                .map(ClientAppType::as_str);
            when.push(one_of(names, "context.clientAppType"));
        }
        for (levels, attr) in [
            (&c.sign_in_risk_levels, "context.signInRisk"),
            (&c.user_risk_levels, "context.userRisk"),
        ] {
            if !levels.is_empty() {
                let names = levels
                    .iter()
                    .filter(|x| !x.is_unknown())
                    .map(RiskLevel::as_str);
                when.push(one_of(names, attr));
            }
        }
        if !c.insider_risk_levels.is_empty() {
            let names = c
                .insider_risk_levels
                .iter()
                .filter(|x| !x.is_unknown())
                .map(InsiderRiskLevel::as_str);
            when.push(one_of(names, "context.insiderRisk"));
        }
        if !c.transfer_methods.is_empty() {
            let names: Vec<&str> = c
                .transfer_methods
                .iter()
                .filter(|m| {
                    matches!(
                        m,
                        TransferMethod::DeviceCodeFlow | TransferMethod::AuthenticationTransfer
                    )
                })
                .map(TransferMethod::as_str)
                .collect();
            when.push(contains_any("context.transferMethods", names));
        }
        if let Some(f) = c.devices.as_ref().and_then(|d| d.filter.as_ref()) {
            let rule = filter::translate(&f.text)?;
            match f.mode {
                FilterMode::Include => when.push(rule),
                FilterMode::Exclude => unless.push(rule),
                FilterMode::Unknown(ref m) => {
                    return Err(Unsupported::new(format!("{}: filter mode {m}", p.id)));
                }
            }
        }
        // The grant, then the sign-in frequency, as one "satisfied" clause.
        let grant = match p.grant.as_ref().filter(|g| !g.is_empty()) {
            None => Some(X::T),
            Some(g) => self.grant(g)?,
        };
        let satisfied = match grant {
            None => None,
            Some(g) => Some(X::all(vec![g, sign_in_frequency(p)?])),
        };
        // Locations last: their range lists are the most expensive part.
        let (mut loc_when, mut loc_unless) = (X::T, X::F);
        if let Some(l) = &c.locations {
            if !l.include.is_empty() {
                let mut inc = Vec::new();
                for r in &l.include {
                    inc.push(self.location(r)?);
                }
                loc_when = X::any(inc);
            }
            let mut exc = Vec::new();
            for r in &l.exclude {
                exc.push(self.location(r)?);
            }
            loc_unless = X::any(exc);
        }
        let when = X::all(when);
        let unless = X::any(unless);
        if when == X::F || unless == X::T || loc_when == X::F || loc_unless == X::T {
            stats.never_apply += 1;
            return Ok(None);
        }
        if satisfied == Some(X::T) {
            stats.nothing_to_forbid += 1;
            return Ok(None);
        }
        let mut text = format!(
            "@caPolicy({})\nforbid (principal, action == Action::\"signIn\", resource)",
            q(&p.display_name)
        );
        for (kw, x) in [
            ("when", when),
            ("unless", unless),
            ("unless", satisfied.unwrap_or(X::F)),
            ("when", loc_when),
            ("unless", loc_unless),
        ] {
            match (kw, x) {
                ("when", X::T) | ("unless", X::F) => {}
                (kw, X::E(s)) => text.push_str(&format!("\n{kw} {{ {s} }}")),
                // Folded away above; a constant clause left here would be a bug.
                (_, x) => return Err(Unsupported::new(format!("constant {kw} clause {x:?}"))),
            }
        }
        text.push(';');
        Ok(Some(text))
    }
}

fn x_range_checks(x: &X) -> usize {
    match x {
        X::E(s) => s.matches(".isInRange(").count(),
        _ => 0,
    }
}

/// The sign-in frequency of a policy (§3.14) as "the session is fresh enough"; true without one.
/// Cedar datetimes have millisecond precision, so request instants are truncated to milliseconds.
fn sign_in_frequency(p: &Policy) -> Result<X, Unsupported> {
    let Some(f) = &p.session.sign_in_frequency else {
        return Ok(X::T);
    };
    let reference = match f.auth_type {
        Some(FrequencyAuthType::Secondary) => "lastMfa",
        _ => "lastAuthenticated",
    };
    let r = format!("context.session.{reference}");
    let within = match f.interval {
        FrequencyInterval::TimeBased => X::leaf(format!(
            "context.time < {r}.offset(duration(\"{}s\"))",
            f.seconds()
        )),
        FrequencyInterval::EveryTime => {
            X::leaf(format!("context.time <= {r}.offset(duration(\"5m\"))"))
        }
        FrequencyInterval::Unknown(_) => X::F,
    };
    Ok(X::all(vec![
        X::leaf(format!("context.session has {reference}")),
        // A reference more than five minutes ahead of the evaluation time proves nothing.
        X::leaf(format!("{r} <= context.time.offset(duration(\"5m\"))")),
        within,
    ]))
}

fn cidr_text(c: &Cidr) -> String {
    match c.net() {
        ipnet::IpNet::V4(_) => c.to_string(),
        ipnet::IpNet::V6(n) => format!("{}/{}", v6_text(u128::from(n.network())), n.prefix_len()),
    }
}

/// An IPv6 address as eight hex groups (Cedar rejects the embedded-IPv4 forms that `Display`
/// may print).
fn v6_text(a: u128) -> String {
    let groups: Vec<String> = (0..8)
        .rev()
        .map(|k| format!("{:x}", (a >> (16 * k)) & 0xffff))
        .collect();
    groups.join(":")
}

fn ip_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6_text(u128::from(a)),
        },
    }
}

fn type_name(s: &str) -> Result<EntityTypeName, Unsupported> {
    EntityTypeName::from_str(s).map_err(|e| Unsupported::new(format!("entity type {s}: {e}")))
}

fn euid(ty: &EntityTypeName, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
}

/// Users (with group and role parents), groups (nested), roles, apps and app groups.
fn entities(tenant: &Tenant) -> Result<(Entities, usize), Unsupported> {
    let pim = &tenant.pim;
    if !pim.group_assignments.is_empty() || !pim.role_assignments.is_empty() {
        return Err(Unsupported::new(
            "PIM assignment schedules (time-bound membership and roles)",
        ));
    }
    let user_t = type_name("User")?;
    let group_t = type_name("Group")?;
    let role_t = type_name("Role")?;
    let app_t = type_name("App")?;
    let app_group_t = type_name("AppGroup")?;
    let action_t = type_name("Action")?;
    let mut parents: HashMap<&str, Vec<EntityUid>> = HashMap::new();
    for g in &tenant.groups {
        // A group listed among its own members adds nobody (jitgate's closure stops there);
        // Cedar refuses any cycle, so the self-edge is dropped. Longer cycles stay, and
        // `Entities::from_entities` rejects them.
        for m in g.members.iter().filter(|m| **m != g.id) {
            parents
                .entry(m.as_str())
                .or_default()
                .push(euid(&group_t, &g.id));
        }
    }
    let mut roles: HashSet<&str> = HashSet::new();
    for a in &tenant.role_assignments {
        if a.directory_scope_id != "/" {
            continue; // Only tenant-wide assignments count (§2.3).
        }
        if a.start.is_some() || a.end.is_some() {
            return Err(Unsupported::new("time-bound role assignments"));
        }
        roles.insert(&a.role_definition_id);
        parents
            .entry(a.principal_id.as_str())
            .or_default()
            .push(euid(&role_t, &a.role_definition_id));
    }
    let mut out = Vec::with_capacity(tenant.users.len() + tenant.groups.len() + 64);
    let bad = |e: cedar_policy::EntityAttrEvaluationError| Unsupported::new(e.to_string());
    for u in &tenant.users {
        let mut attrs = HashMap::new();
        let names = guest_names(u.external_user_type);
        if !names.is_empty() {
            attrs.insert(
                "guestTypes".to_owned(),
                RestrictedExpression::new_set(
                    names
                        .into_iter()
                        .map(|n| RestrictedExpression::new_string(n.to_owned())),
                ),
            );
        }
        if let Some(t) = &u.external_tenant_id {
            attrs.insert(
                "homeTenant".to_owned(),
                RestrictedExpression::new_string(t.clone()),
            );
        }
        let p: HashSet<EntityUid> = parents
            .get(u.id.as_str())
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        out.push(Entity::new(euid(&user_t, &u.id), attrs, p).map_err(bad)?);
    }
    for g in &tenant.groups {
        let p: HashSet<EntityUid> = parents
            .get(g.id.as_str())
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        out.push(Entity::new_no_attrs(euid(&group_t, &g.id), p));
    }
    for r in roles {
        out.push(Entity::new_no_attrs(euid(&role_t, r), HashSet::new()));
    }
    let mut apps: HashMap<String, HashSet<EntityUid>> = HashMap::new();
    for (name, list) in [
        ("Office365", &tenant.app_groups.office365),
        ("MicrosoftAdminPortals", &tenant.app_groups.admin_portals),
    ] {
        // Every group resolves now (built-in members unless the bundle lists it, §3.6 rule 4).
        out.push(Entity::new_no_attrs(
            euid(&app_group_t, name),
            HashSet::new(),
        ));
        for a in &list.app_ids {
            apps.entry(a.to_ascii_lowercase())
                .or_default()
                .insert(euid(&app_group_t, name));
        }
    }
    for p in &tenant.policies {
        if let Some(a) = &p.conditions.applications {
            for id in a
                .include_applications
                .iter()
                .chain(&a.exclude_applications)
                .filter_map(IdRef::id)
            {
                apps.entry(id.to_owned()).or_default();
            }
        }
    }
    for (id, p) in apps {
        out.push(Entity::new_no_attrs(euid(&app_t, &id), p));
    }
    out.push(Entity::new_no_attrs(
        euid(&action_t, "signIn"),
        HashSet::new(),
    ));
    let n = out.len();
    let entities =
        Entities::from_entities(out, None).map_err(|e| Unsupported::new(e.to_string()))?;
    Ok((entities, n))
}

/// Translates a loaded tenant into Cedar.
pub fn translate(tenant: &Tenant) -> Result<CedarTenant, Unsupported> {
    let mut stats = TranslationStats {
        ca_policies: tenant.policies.len(),
        ..TranslationStats::default()
    };
    let mut t = Translator {
        tenant,
        users: tenant.users.iter().map(|u| u.id.as_str()).collect(),
        trusted: None,
        range_checks: 0,
    };
    let mut texts = vec![(
        "baseline".to_owned(),
        "// Entra allows unless an enforced policy applies and is not satisfied.\npermit (principal, action, resource);".to_owned(),
    )];
    for p in &tenant.policies {
        if !p.is_evaluated() {
            stats.disabled += 1;
            continue;
        }
        if !p.is_enforced() {
            stats.report_only += 1;
            continue;
        }
        stats.enforced += 1;
        if let Some(text) = t.policy(p, &mut stats)? {
            texts.push((p.id.clone(), text));
        }
    }
    stats.forbids = texts.len() - 1;
    stats.range_checks = t.range_checks;
    let mut set = PolicySet::new();
    let mut text = String::new();
    for (id, src) in &texts {
        let policy = CedarPolicy::parse(Some(PolicyId::new(id)), src)
            .map_err(|e| Unsupported::new(format!("Cedar rejects the translation of {id}: {e}")))?;
        set.add(policy)
            .map_err(|e| Unsupported::new(format!("policy {id}: {e}")))?;
        text.push_str(src);
        text.push_str("\n\n");
    }
    stats.text_bytes = text.len();
    let (entities, n) = entities(tenant)?;
    stats.entities = n;
    let mfa = match resolve_strength(tenant, MFA_STRENGTH_ID, None) {
        Some(s) => strength_combinations(s)?,
        None => Vec::new(),
    };
    Ok(CedarTenant {
        policies: set,
        entities,
        authorizer: Authorizer::new(),
        text,
        stats,
        user_type: type_name("User")?,
        app_type: type_name("App")?,
        action: euid(&type_name("Action")?, "signIn"),
        mfa,
    })
}

fn s(v: impl Into<String>) -> RestrictedExpression {
    RestrictedExpression::new_string(v.into())
}

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> RestrictedExpression {
    RestrictedExpression::new_set(items.into_iter().map(s))
}

fn record(
    fields: Vec<(String, RestrictedExpression)>,
) -> Result<RestrictedExpression, Unsupported> {
    RestrictedExpression::new_record(fields).map_err(|e| Unsupported::new(e.to_string()))
}

/// A timestamp as a Cedar datetime literal.
fn datetime(ms: i64) -> RestrictedExpression {
    RestrictedExpression::new_datetime(datetime_text(ms))
}

/// Milliseconds since the Unix epoch as Cedar's `YYYY-MM-DDThh:mm:ss.SSSZ`.
pub fn datetime_text(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (h, mi, sec, milli) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}.{milli:03}Z")
}

/// `deviceInfo` as a record; strings lower-cased as the filter translation expects.
pub fn device_record(d: Option<&DeviceInfo>) -> Result<RestrictedExpression, Unsupported> {
    let mut fields = Vec::new();
    let Some(d) = d else {
        return record(fields);
    };
    let mut text = |key: &str, v: &Option<String>| {
        if let Some(v) = v {
            fields.push((key.to_owned(), s(filter::fold(v))));
        }
    };
    text("deviceId", &d.device_id);
    text("displayName", &d.display_name);
    text("enrollmentProfileName", &d.enrollment_profile_name);
    for (i, v) in d.extension_attributes.iter().enumerate() {
        text(&format!("extensionAttribute{}", i + 1), v);
    }
    text("manufacturer", &d.manufacturer);
    text("mdmAppId", &d.mdm_app_id);
    text("model", &d.model);
    text("operatingSystem", &d.operating_system);
    text("operatingSystemVersion", &d.operating_system_version);
    text("deviceOwnership", &d.ownership);
    text("profileType", &d.profile_type);
    text("trustType", &d.trust_type);
    if let Some(c) = d.is_compliant {
        fields.push(("isCompliant".to_owned(), RestrictedExpression::new_bool(c)));
    }
    for (key, list) in [
        ("physicalIds", &d.physical_ids),
        ("systemLabels", &d.system_labels),
    ] {
        if let Some(list) = list {
            let folded: Vec<String> = list.iter().map(|x| filter::fold(x)).collect();
            fields.push((key.to_owned(), set(folded.iter().map(String::as_str))));
        }
    }
    record(fields)
}

impl CedarTenant {
    /// The Cedar request for a parsed sign-in: a user signing in to one app.
    pub fn request(&self, req: &SignInRequest) -> Result<Request, Unsupported> {
        let Identity::User {
            user_id,
            external_tenant_id: None,
            external_user_type: None,
        } = &req.identity()
        else {
            return Err(Unsupported::new(
                "only user sign-ins whose guest facts come from the directory",
            ));
        };
        let SignInContext::Applications(apps) = &req.context() else {
            return Err(Unsupported::new("only application sign-ins"));
        };
        let [app] = apps.as_slice() else {
            return Err(Unsupported::new("exactly one resource app per request"));
        };
        let c = &req.conditions();
        let known = |x: Option<&str>| x.unwrap_or("unknown").to_owned();
        let platform = c
            .platform
            .as_ref()
            .filter(|p| !p.is_unknown() && **p != Platform::All)
            .map(Platform::as_str);
        let client = c
            .client_app_type
            .as_ref()
            .filter(|p| !p.is_unknown() && **p != ClientAppType::All)
            .map(ClientAppType::as_str);
        let risk = |r: &RiskLevel| known((!r.is_unknown()).then(|| r.as_str()));
        let methods = req.session().methods;
        let mut session = vec![
            (
                "mfaDone".to_owned(),
                RestrictedExpression::new_bool(self.mfa.iter().any(|m| methods.contains_all(*m))),
            ),
            ("methods".to_owned(), set(method_names(methods))),
            (
                "passwordChanged".to_owned(),
                RestrictedExpression::new_bool(req.session().password_changed),
            ),
            (
                "acceptedTermsOfUse".to_owned(),
                set(req
                    .session()
                    .accepted_terms_of_use
                    .iter()
                    .map(String::as_str)),
            ),
            (
                "customFactors".to_owned(),
                set(req.session().custom_factors.iter().map(String::as_str)),
            ),
            (
                "approvedClientApp".to_owned(),
                RestrictedExpression::new_bool(req.session().approved_client_app),
            ),
            (
                "appProtectionPolicy".to_owned(),
                RestrictedExpression::new_bool(req.session().app_protection_policy),
            ),
        ];
        if let Some(t) = req.session().last_authenticated {
            session.push(("lastAuthenticated".to_owned(), datetime(t.as_millisecond())));
        }
        if let Some(t) = req.session().last_mfa {
            session.push(("lastMfa".to_owned(), datetime(t.as_millisecond())));
        }
        if let Some(g) = &req.session().gps_country {
            let g = if g.eq_ignore_ascii_case("unknown") {
                "unknown"
            } else {
                g.as_str()
            };
            session.push(("gpsCountry".to_owned(), s(g)));
        }
        let mut context = vec![
            ("platform".to_owned(), s(known(platform))),
            ("clientAppType".to_owned(), s(known(client))),
            ("signInRisk".to_owned(), s(risk(&c.sign_in_risk))),
            ("userRisk".to_owned(), s(risk(&c.user_risk))),
            (
                "insiderRisk".to_owned(),
                s(known(
                    (!c.insider_risk.is_unknown()).then(|| c.insider_risk.as_str()),
                )),
            ),
            (
                "transferMethods".to_owned(),
                set(c
                    .transfer_methods
                    .iter()
                    .filter(|m| {
                        matches!(
                            m,
                            TransferMethod::DeviceCodeFlow | TransferMethod::AuthenticationTransfer
                        )
                    })
                    .map(TransferMethod::as_str)),
            ),
            ("device".to_owned(), device_record(c.device.as_ref())?),
            ("session".to_owned(), record(session)?),
            ("time".to_owned(), datetime(req.time().as_millisecond())),
        ];
        if let Some(ip) = c.ip_address {
            context.push(("ip".to_owned(), RestrictedExpression::new_ip(ip_text(ip))));
        }
        if let Some(country) = &c.country {
            context.push(("country".to_owned(), s(country.clone())));
        }
        let context = Context::from_pairs(context).map_err(|e| Unsupported::new(e.to_string()))?;
        Request::new(
            euid(&self.user_type, user_id),
            self.action.clone(),
            euid(&self.app_type, app),
            context,
            None,
        )
        .map_err(|e| Unsupported::new(e.to_string()))
    }

    /// Authorizes a prepared Cedar request.
    pub fn authorize(&self, r: &Request) -> Response {
        self.authorizer
            .is_authorized(r, &self.policies, &self.entities)
    }

    /// Allow (true) or deny; an evaluation error in any policy is an error here, since Cedar
    /// would skip that policy and could allow by mistake.
    pub fn allows(&self, r: &Request) -> Result<bool, String> {
        let response = self.authorize(r);
        let errors: Vec<String> = response
            .diagnostics()
            .errors()
            .map(|e| e.to_string())
            .collect();
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        Ok(response.decision() == CedarDecision::Allow)
    }
}

/// The benchmark tenant and its requests.
pub struct Fixture {
    /// The tenant's size (Entra's limits, with `ranges_per_location` ranges per IP location).
    pub size: TenantSize,
    /// jitgate's compiled snapshot.
    pub snapshot: Snapshot,
    /// The same tenant in Cedar.
    pub cedar: CedarTenant,
    /// Parsed sign-ins.
    pub requests: Vec<SignInRequest>,
    /// The same sign-ins as Cedar requests.
    pub cedar_requests: Vec<Request>,
    /// Varied sign-ins ([`varied::varied_requests`]), for the agreement check only.
    pub varied: Vec<SignInRequest>,
    /// The same varied sign-ins as Cedar requests.
    pub cedar_varied: Vec<Request>,
    /// Seconds spent: generate+load, jitgate compile, Cedar translate (parse + entities), Cedar
    /// requests.
    pub setup_seconds: [f64; 4],
}

/// Requests used unless told otherwise; all of them are checked for agreement.
pub const DEFAULT_REQUESTS: usize = 5_000;

/// Varied requests checked for agreement besides the timed ones.
pub const VARIED_REQUESTS: usize = 3_000;

fn parse_requests(
    values: &[serde_json::Value],
) -> Result<Vec<SignInRequest>, Box<dyn std::error::Error>> {
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let text = v.to_string();
        let doc = jitgate::unstable::parse_str(&text)?;
        let mut d = Diagnostics::new(format!("request {i}"));
        let r = jitgate::unstable::parse_sign_in(&mut d, &doc, None)
            .ok_or_else(|| format!("request {i} does not parse: {v}"))?;
        out.push(r);
    }
    Ok(out)
}

/// Entra's limits with `ranges_per_location` ranges in each IP named location (2,000 is the
/// limit itself; fewer gives the reduced tenants of README.md's sensitivity table).
pub fn limits_with_ranges(ranges_per_location: usize) -> TenantSize {
    TenantSize {
        ranges_per_location,
        ..TenantSize::LIMITS
    }
}

impl Fixture {
    /// A generated tenant of `size` (see [`limits_with_ranges`]) and `n` generated sign-ins
    /// against it. The same size feeds both generators, so with fewer ranges per location the
    /// sign-ins' addresses still fall in the tenant's ranges as often as at full size.
    pub fn build(size: TenantSize, n: usize) -> Result<Fixture, Box<dyn std::error::Error>> {
        let t0 = Instant::now();
        let bundle = serde_json::to_vec(&generate::tenant(size, DEFAULT_SEED))?;
        let tenant = jitgate::load_bundle_bytes("limits.json", &bundle)?;
        let requests = parse_requests(&generate::requests(size, n, DEFAULT_SEED))?;
        let varied = parse_requests(&varied::varied_requests(
            &tenant,
            size,
            VARIED_REQUESTS,
            DEFAULT_SEED,
        ))?;
        let t1 = Instant::now();
        let cedar = translate(&tenant)?;
        let t2 = Instant::now();
        let snapshot = Snapshot::compile(tenant);
        let t3 = Instant::now();
        let cedar_requests = requests
            .iter()
            .map(|r| cedar.request(r))
            .collect::<Result<Vec<_>, _>>()?;
        let t4 = Instant::now();
        let cedar_varied = varied
            .iter()
            .map(|r| cedar.request(r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Fixture {
            size,
            snapshot,
            cedar,
            requests,
            cedar_requests,
            varied,
            cedar_varied,
            setup_seconds: [
                (t1 - t0).as_secs_f64(),
                (t3 - t2).as_secs_f64(),
                (t2 - t1).as_secs_f64(),
                (t4 - t3).as_secs_f64(),
            ],
        })
    }

    /// The agreement check on the varied sign-ins.
    pub fn check_varied_agreement(&self) -> Agreement {
        check_agreement(
            &self.snapshot,
            &self.cedar,
            &self.varied,
            &self.cedar_varied,
            self.varied.len(),
        )
    }

    /// Checks that Cedar allows exactly the requests jitgate allows, over the first `n`.
    pub fn check_agreement(&self, n: usize) -> Agreement {
        check_agreement(
            &self.snapshot,
            &self.cedar,
            &self.requests,
            &self.cedar_requests,
            n,
        )
    }
}

/// The outcome of an agreement check.
#[derive(Debug, Clone, Default)]
pub struct Agreement {
    /// Requests checked.
    pub checked: usize,
    /// Requests where Cedar's Allow/Deny equals (jitgate decision == allow).
    pub agreed: usize,
    /// jitgate's allow, stepUp and deny counts.
    pub jitgate: [usize; 3],
    /// Cedar's Allow and Deny counts.
    pub cedar: [usize; 2],
    /// The first few disagreements (or Cedar evaluation errors), described.
    pub disagreements: Vec<String>,
    /// Distinct Cedar `forbid` policies that decided a Deny at least once (how much of the
    /// translation the sample exercised).
    pub forbids_fired: usize,
    /// Their policy ids (the CA policy ids).
    pub fired: HashSet<String>,
}

impl Agreement {
    /// True when every checked request agreed.
    pub fn all_agree(&self) -> bool {
        self.checked > 0 && self.agreed == self.checked
    }
}

impl fmt::Display for Agreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, s, d] = self.jitgate;
        let [ca, cd] = self.cedar;
        write!(
            f,
            "agreement: {}/{} requests (jitgate: {a} allow, {s} stepUp, {d} deny; Cedar: {ca} Allow, {cd} Deny; {} distinct forbid policies fired)",
            self.agreed, self.checked, self.forbids_fired
        )
    }
}

/// Compares Cedar's Allow/Deny with jitgate's "allow or not" on the first `n` requests.
pub fn check_agreement(
    snapshot: &Snapshot,
    cedar: &CedarTenant,
    requests: &[SignInRequest],
    cedar_requests: &[Request],
    n: usize,
) -> Agreement {
    let mut out = Agreement::default();
    let mut fired: HashSet<String> = HashSet::new();
    for (i, (req, creq)) in requests.iter().zip(cedar_requests).take(n).enumerate() {
        out.checked += 1;
        let decision = snapshot
            .compiled()
            .decide(&snapshot.compiled().prepare(req));
        let slot = match decision {
            Decision::Allow => 0,
            Decision::StepUp => 1,
            _ => 2,
        };
        if let Some(c) = out.jitgate.get_mut(slot) {
            *c += 1;
        }
        let describe = |what: String| {
            format!(
                "request {i} ({}): jitgate {}, {what}",
                req.id().map(|j| format!("{j:?}")).unwrap_or_default(),
                decision.as_str()
            )
        };
        let response = cedar.authorize(creq);
        let errors: Vec<String> = response
            .diagnostics()
            .errors()
            .map(|e| e.to_string())
            .collect();
        if !errors.is_empty() {
            // Cedar skips a policy that errors, which could allow by mistake: count it as a
            // disagreement whatever the decision.
            if out.disagreements.len() < 10 {
                out.disagreements.push(describe(format!(
                    "Cedar evaluation errors: {}",
                    errors.join("; ")
                )));
            }
            continue;
        }
        let allow = response.decision() == CedarDecision::Allow;
        if let Some(c) = out.cedar.get_mut(usize::from(!allow)) {
            *c += 1;
        }
        let reasons: Vec<String> = response
            .diagnostics()
            .reason()
            .map(|p| p.to_string())
            .collect();
        if !allow {
            fired.extend(reasons.iter().cloned());
        }
        if allow == (decision == Decision::Allow) {
            out.agreed += 1;
        } else if out.disagreements.len() < 10 {
            out.disagreements.push(describe(format!(
                "Cedar {} (determining policies: {})",
                if allow { "Allow" } else { "Deny" },
                reasons.join(", ")
            )));
        }
    }
    out.forbids_fired = fired.len();
    out.fired = fired;
    out
}

/// Median over `samples` passes of the mean time per call, in nanoseconds. Each pass calls `f`
/// once for every index in `0..n`, so every engine sees the same mix of requests.
pub fn median_ns_per_call(samples: usize, n: usize, mut f: impl FnMut(usize)) -> f64 {
    let mut per_call = Vec::with_capacity(samples);
    for _ in 0..samples.max(1) {
        let start = Instant::now();
        for i in 0..n {
            f(i);
        }
        per_call.push(start.elapsed().as_nanos() as f64 / n.max(1) as f64);
    }
    per_call.sort_by(f64::total_cmp);
    per_call
        .get(per_call.len() / 2)
        .copied()
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn constants_fold_and_disjunctions_stay_shallow() {
        assert_eq!(X::any(vec![X::F, X::leaf("a")]), X::leaf("a"));
        assert_eq!(X::any(vec![X::F, X::T]), X::T);
        assert_eq!(X::all(vec![X::T, X::T]), X::T);
        assert_eq!(X::all(vec![X::leaf("a"), X::F]), X::F);
        assert_eq!(X::leaf("a").not().not(), X::E("(!(!(a)))".to_owned()));
        let many: Vec<X> = (0..1000).map(|i| X::E(format!("t{i}"))).collect();
        let X::E(text) = X::any(many) else {
            panic!("not an expression")
        };
        let mut depth = 0i32;
        let mut deepest = 0;
        for c in text.chars() {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            deepest = deepest.max(depth);
        }
        assert!(deepest <= 11, "depth {deepest}");
    }

    #[test]
    fn datetimes_are_cedar_literals() {
        // 2026-03-02T09:00:00Z
        assert_eq!(datetime_text(1_772_442_000_000), "2026-03-02T09:00:00.000Z");
        assert_eq!(datetime_text(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(datetime_text(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn ipv6_is_written_without_embedded_ipv4() {
        assert_eq!(v6_text(0xffff_0a00_0001), "0:0:0:0:0:ffff:a00:1");
        let ip: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(ip_text(ip), "10.0.0.1");
    }

    #[test]
    fn small_generated_tenant_agrees_with_jitgate() {
        let f = Fixture::build(TenantSize::SMALL, 3000).expect("translates");
        for a in [f.check_agreement(3000), f.check_varied_agreement()] {
            assert!(a.all_agree(), "{a}: {:?}", a.disagreements);
            assert!(a.jitgate.iter().all(|n| *n > 0), "a mix of decisions: {a}");
        }
    }
}
