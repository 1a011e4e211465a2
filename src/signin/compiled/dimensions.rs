//! A request's policy set in each condition dimension, kept apart: what condition-space analysis
//! (the `gaps` and `diff` commands) partitions the world by. The decision path ANDs these sets at once
//! into [`Prepared`]'s candidates; here each is returned on its own, computed by the same
//! [`CompiledPolicies::prepare`], so the analysis cannot drift from the engine.

use super::*;

/// The policies each dimension of one request leaves in scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DimensionSets {
    /// A user (not a service principal).
    pub is_user: bool,
    /// Users / guests / service principals.
    pub identity: Bits,
    /// Applications, user action or authentication context.
    pub target: Bits,
    /// Device platform.
    pub platform: Bits,
    /// Client app type.
    pub client: Bits,
    /// Locations (address and country).
    pub location: Bits,
    /// Sign-in, user and insider risk for a user; the service principal's risk three times for
    /// a workload.
    pub risk: [Bits; 3],
    /// Authentication flows.
    pub flow: Bits,
    /// Device filters and legacy device states: the policies whose device condition holds.
    pub device: Bits,
}

/// A home tenant as the identity dimension sees it: only whether and which named tenant it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HomeTenant<'a> {
    /// The directory states none.
    Unstated,
    /// A tenant no guest selector names (all such tenants are treated alike).
    Unnamed,
    /// A tenant some guest selector names.
    Named(&'a str),
}

/// Everything besides the id itself that decides a user id's identity set at one instant: ids
/// with equal keys are treated alike by every policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserKey<'a> {
    /// A directory user.
    Directory {
        /// The user class at the instant.
        class: u32,
        /// Guest-type bits from the directory.
        guest_bits: u8,
        /// The home tenant from the directory.
        home: HomeTenant<'a>,
        /// More transitive groups than Entra evaluates (§3.4.8).
        too_many_groups: bool,
    },
    /// An id policies list that the directory does not hold, with its class.
    Listed(u32),
    /// An id neither the directory nor any policy knows.
    Unknown,
}

impl CompiledPolicies {
    /// Each dimension's policy set for `req`, as the decision path computes it.
    pub fn dimension_sets(&self, req: &SignInRequest) -> DimensionSets {
        let p = self.prepare(req);
        let pick = |table: &[Bits], slot: usize| {
            table
                .get(slot)
                .cloned()
                .unwrap_or_else(|| Bits::empty(self.n))
        };
        let risk = if p.is_user {
            [
                pick(&self.sign_in_risk, p.sign_in_risk),
                pick(&self.user_risk, p.user_risk),
                pick(&self.insider_risk, p.insider_risk),
            ]
        } else {
            let r = pick(&self.sp_risk, p.sp_risk);
            [r.clone(), r.clone(), r]
        };
        let mut device = Bits::full(self.n);
        device.and_not(&self.device_excluded(req, &Bits::full(self.n)));
        DimensionSets {
            is_user: p.is_user,
            identity: p.identity.clone(),
            target: p.target.clone(),
            platform: pick(&self.platforms, p.platform),
            client: pick(&self.clients, p.client),
            location: p.location.clone(),
            risk,
            flow: pick(&self.flows, p.flow),
            device,
        }
    }

    /// Ids of the directory's users (in tenant order) and of the users policies list without
    /// the directory holding them (lowercased, unordered).
    pub fn user_ids(&self) -> impl Iterator<Item = &str> {
        self.users.users.ids().chain(
            self.users
                .listed
                .keys()
                .filter(|k| !self.users.users.contains(k))
                .map(String::as_str),
        )
    }

    /// What decides the identity set of user `id` (lowercased) at `t`, besides the id.
    pub fn user_key(&self, id: &str, t: Timestamp) -> UserKey<'_> {
        if let Some(e) = self.users.users.get(id) {
            let home = match e.home_tenant() {
                None => HomeTenant::Unstated,
                Some(h) => match self.users.named_home_tenant(h) {
                    Some(named) => HomeTenant::Named(named),
                    None => HomeTenant::Unnamed,
                },
            };
            return UserKey::Directory {
                class: e.class_at(t),
                guest_bits: e.guest_bits(),
                home,
                too_many_groups: e.too_many_groups_at(t).is_some(),
            };
        }
        match self.users.listed.get(id) {
            Some(c) => UserKey::Listed(*c),
            None => UserKey::Unknown,
        }
    }

    /// Service principal ids policies list that no exported service principal has (each
    /// matches by its literal id alone).
    pub fn listed_only_service_principals(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .sp_literal
            .keys()
            .filter(|k| !self.sp_by_app.contains_key(*k) && !self.sp_by_object.contains_key(*k))
            .cloned()
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Addresses where the location table's class may change: every interval start, and an
    /// address below the first start of each family (or any address of a family with no
    /// range). Every address shares its class with the greatest of these at or below it, in
    /// this table and, for the union of two tables' points, in both.
    pub fn address_points(&self) -> Vec<std::net::IpAddr> {
        self.locations.class_boundaries()
    }

    /// The address class `ip` falls in (0: in no named location).
    pub fn address_class(&self, ip: std::net::IpAddr) -> u32 {
        self.locations.class_of(ip)
    }

    /// The country codes some client-IP country location names.
    pub fn named_countries(&self) -> Vec<String> {
        let mut c: Vec<String> = self.locations.countries.keys().cloned().collect();
        c.sort_unstable();
        c
    }

    /// The number of policies.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when the tenant has no policy.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The appIds some policy or application group names (the rest share one set).
    pub fn known_apps(&self) -> Vec<String> {
        let mut a: Vec<String> = self.apps.keys().cloned().collect();
        a.sort_unstable();
        a
    }

    /// The authentication context ids some policy targets.
    pub fn known_contexts(&self) -> Vec<String> {
        let mut c: Vec<String> = self.contexts.keys().cloned().collect();
        c.sort_unstable();
        c
    }
}

/// A grant control as condition-space analysis sees it: what kind of proof it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlKind {
    /// `mfa`.
    Mfa,
    /// An authentication strength the tenant defines.
    Strength,
    /// A control nothing can satisfy: an unknown control or a strength the tenant lacks.
    Never,
    /// A terms of use agreement.
    TermsOfUse,
    /// A custom control.
    Custom,
    /// `passwordChange` or `riskRemediation` (both met by a changed password, §3.13).
    PasswordChange,
    /// `compliantDevice`.
    CompliantDevice,
    /// `domainJoinedDevice`.
    DomainJoinedDevice,
    /// `approvedApplication`.
    ApprovedApplication,
    /// `compliantApplication`.
    CompliantApplication,
}

/// A policy's grant, reduced to the kinds of its controls.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GrantShape {
    /// No grant requirement.
    None,
    /// `block`.
    Block,
    /// Controls, all required (`and`) or any one.
    Controls {
        /// AND (true) or OR.
        and: bool,
        /// The controls' kinds.
        kinds: Vec<ControlKind>,
    },
}

/// What a policy's sign-in frequency asks of a sign-in that has just proven its methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reauthentication {
    /// Nothing (no frequency, or one a fresh sign-in meets).
    None,
    /// A fresh MFA (`secondaryAuthentication`): met only by a session that has MFA.
    Mfa,
    /// Always a new prompt (an unknown interval, or a time-based one of zero length).
    Always,
}

impl CompiledPolicies {
    /// What policy `i`'s sign-in frequency asks of a sign-in proven at the evaluation instant.
    pub fn reauthentication(&self, i: usize) -> Reauthentication {
        let Some(f) = self
            .policy(i)
            .and_then(|p| p.session.sign_in_frequency.as_ref())
        else {
            return Reauthentication::None;
        };
        let always = match f.interval {
            FrequencyInterval::Unknown(_) => true,
            FrequencyInterval::TimeBased => f.seconds() <= 0,
            FrequencyInterval::EveryTime => false,
        };
        if always {
            Reauthentication::Always
        } else if f.auth_type == Some(FrequencyAuthType::Secondary) {
            Reauthentication::Mfa
        } else {
            Reauthentication::None
        }
    }

    /// Policy `i`'s grant as kinds of control.
    pub fn grant_shape(&self, i: usize) -> GrantShape {
        match self.grants.get(i) {
            None | Some(CompiledGrant::None) => GrantShape::None,
            Some(CompiledGrant::Block) => GrantShape::Block,
            Some(CompiledGrant::Controls { and, controls, .. }) => GrantShape::Controls {
                and: *and,
                kinds: controls
                    .iter()
                    .map(|(c, _)| match c {
                        Ctl::Mfa => ControlKind::Mfa,
                        Ctl::Strength(Some(_)) => ControlKind::Strength,
                        Ctl::Strength(None) | Ctl::Never => ControlKind::Never,
                        Ctl::TermsOfUse(_) => ControlKind::TermsOfUse,
                        Ctl::Custom(_) => ControlKind::Custom,
                        Ctl::PasswordChange | Ctl::RiskRemediation => ControlKind::PasswordChange,
                        Ctl::Compliant => ControlKind::CompliantDevice,
                        Ctl::DomainJoined => ControlKind::DomainJoinedDevice,
                        Ctl::Approved => ControlKind::ApprovedApplication,
                        Ctl::AppProtection => ControlKind::CompliantApplication,
                    })
                    .collect(),
            },
        }
    }

    /// The evaluated policies (not disabled, not deleted).
    pub fn evaluated_set(&self) -> &Bits {
        &self.evaluated
    }

    /// The enforced policies (evaluated and not report-only).
    pub fn enforced_set(&self) -> &Bits {
        &self.enforced
    }

    /// The tenant's terms of use agreement ids and custom control ids that some grant names.
    pub fn grant_ids(&self) -> (Vec<String>, Vec<String>) {
        let sorted_keys = |m: &Map<String, u32>| {
            let mut v: Vec<String> = m.keys().cloned().collect();
            v.sort_unstable();
            v
        };
        (sorted_keys(&self.terms), sorted_keys(&self.customs))
    }

    /// Home tenant ids that some policy's guest selector names.
    pub fn named_home_tenants(&self) -> Vec<String> {
        self.users.named_home_tenants()
    }
}
