//! The sign-in condition space as finite classes (docs/SEMANTICS.md §12.1).
//!
//! Every dimension a policy condition reads is listed as concrete values: each directory user
//! (grouped), each guest kind, each service principal, each application some policy names and
//! one that none does, each platform, each address class of the named-location table crossed
//! with each country some location names, and so on. A value is a fragment of a What If body;
//! its policy set in its dimension comes from the engine itself
//! ([`CompiledPolicies::dimension_sets`]) on a request carrying it. Values whose sets agree in
//! every compared snapshot form one class: any value of a class stands for all of them.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ahash::AHashMap;
use jiff::Timestamp;
use serde_json::{Map, Value as Json, json};

use crate::filter::{Attribute, DeviceAttribute};
use crate::model::enums::GuestType;
use crate::model::request::{DeviceInfo, SignInRequest};
use crate::signin::compiled::{Bits, CompiledPolicies, ControlKind, DimensionSets, GrantShape};

/// One dimension of the sign-in condition space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Dimension {
    /// Who signs in: a group of directory users, a guest kind, a service principal.
    Identity,
    /// What is accessed: an application, a user action, an authentication context.
    Target,
    /// Where from: the address's named-location class and the country.
    Location,
    /// Device platform.
    Platform,
    /// Client app type.
    ClientApp,
    /// Authentication flow (device code, authentication transfer).
    Flow,
    /// Device state: registration, compliance, join type, and the tenant's device filters.
    Device,
    /// Sign-in risk.
    SignInRisk,
    /// User risk.
    UserRisk,
    /// Insider risk.
    InsiderRisk,
    /// A service principal's risk.
    ServicePrincipalRisk,
}

impl Dimension {
    /// The dimension's name in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            Dimension::Identity => "identity",
            Dimension::Target => "target",
            Dimension::Location => "location",
            Dimension::Platform => "platform",
            Dimension::ClientApp => "clientApp",
            Dimension::Flow => "flow",
            Dimension::Device => "device",
            Dimension::SignInRisk => "signInRisk",
            Dimension::UserRisk => "userRisk",
            Dimension::InsiderRisk => "insiderRisk",
            Dimension::ServicePrincipalRisk => "servicePrincipalRisk",
        }
    }
}

/// Device facts a grant control reads (compliance, join type, app protections).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct DeviceState {
    pub compliant: bool,
    pub hybrid: bool,
    pub approved: bool,
    pub app_protection: bool,
}

impl DeviceState {
    /// The state as bits, for use as a grouping key.
    pub fn bits(self) -> u8 {
        u8::from(self.compliant)
            | u8::from(self.hybrid) << 1
            | u8::from(self.approved) << 2
            | u8::from(self.app_protection) << 3
    }

    /// The state a device code flow leaves: compliance and join cannot be proven (§3.12).
    pub fn under_flow(self, device_code: bool) -> DeviceState {
        if device_code {
            DeviceState {
                compliant: false,
                hybrid: false,
                ..self
            }
        } else {
            self
        }
    }
}

/// A piece of a What If body: one dimension's value.
#[derive(Debug, Clone)]
pub(crate) enum Fragment {
    Identity(Json),
    Target(Json),
    Location {
        ip: Option<IpAddr>,
        country: Option<String>,
    },
    Platform(Option<&'static str>),
    Client(Option<&'static str>),
    /// Bit 1: device code flow; bit 2: authentication transfer.
    Flow(u8),
    Device {
        info: Option<Json>,
        state: DeviceState,
    },
    Risk(&'static str, &'static str),
}

/// One concrete value of a dimension.
#[derive(Debug, Clone)]
pub(crate) struct Value {
    pub label: String,
    pub fragment: Fragment,
    /// Directory users this value stands for (identity values only).
    pub users: usize,
    /// A few of those users' ids.
    pub samples: Vec<String>,
}

impl Value {
    /// An authentication context target (its id shows in requirements and claims).
    pub fn is_auth_context(&self) -> bool {
        matches!(&self.fragment, Fragment::Target(t)
            if t.get("authenticationContextValue").is_some())
    }
}

/// Values that every compared snapshot treats alike in their dimension.
#[derive(Debug, Clone)]
pub(crate) struct Class {
    pub values: Vec<Value>,
    /// The dimension's policy set, one per snapshot.
    pub bits: Vec<Bits>,
    /// Device classes: what grant controls see.
    pub state: DeviceState,
    /// Flow classes: device code flow.
    pub device_code: bool,
    pub users: usize,
}

impl Class {
    pub fn first(&self) -> Option<&Value> {
        self.values.first()
    }
}

/// The classes of one dimension.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    pub dimension: Dimension,
    pub classes: Vec<Class>,
}

/// The whole space for one kind of identity (users, or service principals).
#[derive(Debug, Clone, Default)]
pub(crate) struct Space {
    pub axes: Vec<Axis>,
}

/// Both kinds, and what building them noticed.
#[derive(Debug, Clone)]
pub(crate) struct Spaces {
    pub users: Space,
    pub workloads: Space,
    /// Device filter candidates were cut at [`MAX_DEVICE_CANDIDATES`].
    pub device_search_truncated: bool,
    /// Values whose request did not parse (a bug if ever non-empty; reported, never hidden).
    pub errors: Vec<String>,
    /// Which device facts some grant reads (a mask of [`DeviceState::bits`]).
    pub state_mask: u8,
}

impl Spaces {
    /// The space for one kind of identity.
    pub fn get(&self, kind: crate::analysis::IdentityKind) -> &Space {
        match kind {
            crate::analysis::IdentityKind::Users => &self.users,
            crate::analysis::IdentityKind::ServicePrincipals => &self.workloads,
        }
    }
}

/// Literals per attribute up to which every ordered selection of them is tried joined.
const JOINED_LITERALS: usize = 5;
/// Literals per attribute up to which pairs of them are tried joined.
const PAIRED_LITERALS: usize = 24;
/// Devices tried when searching for every combination of device filter truth values.
pub const MAX_DEVICE_CANDIDATES: usize = 4096;
/// Ids named by policies but not exported that are also tried with every guest type.
const MAX_LISTED_GUESTS: usize = 64;
/// Users listed as samples per identity value.
const SAMPLES: usize = 3;
/// Ids no export uses: a user, service principal, app and tenant outside everything.
pub(crate) const OUTSIDE_USER: &str = "00000000-0000-4000-8000-00000000a0a0";
const OUTSIDE_SP: &str = "00000000-0000-4000-8000-00000000b0b0";
const OUTSIDE_APP: &str = "00000000-0000-4000-8000-00000000c0c0";
const OUTSIDE_TENANT: &str = "00000000-0000-4000-8000-00000000d0d0";

/// The order dimensions are walked in: the ones that usually decide most first; `Flow` before
/// `Device`, whose grant facts depend on it.
pub(crate) const USER_ORDER: [Dimension; 10] = [
    Dimension::Identity,
    Dimension::Target,
    Dimension::Location,
    Dimension::Platform,
    Dimension::ClientApp,
    Dimension::Flow,
    Dimension::Device,
    Dimension::SignInRisk,
    Dimension::UserRisk,
    Dimension::InsiderRisk,
];
pub(crate) const WORKLOAD_ORDER: [Dimension; 8] = [
    Dimension::Identity,
    Dimension::Target,
    Dimension::Location,
    Dimension::Platform,
    Dimension::ClientApp,
    Dimension::Flow,
    Dimension::Device,
    Dimension::ServicePrincipalRisk,
];

/// Assembles a What If body from fragments (later fragments win) and a session object.
pub(crate) fn body(fragments: &[&Fragment], session: &Json) -> Json {
    let mut identity =
        json!({"@odata.type": "#microsoft.graph.userSignIn", "userId": OUTSIDE_USER});
    let mut context = json!({"@odata.type": "#microsoft.graph.applicationContext",
        "includeApplications": [OUTSIDE_APP]});
    let mut conditions = Map::new();
    let mut session = session.clone();
    for f in fragments {
        match f {
            Fragment::Identity(v) => identity = v.clone(),
            Fragment::Target(v) => context = v.clone(),
            Fragment::Location { ip, country } => {
                if let Some(ip) = ip {
                    conditions.insert("ipAddress".into(), Json::String(ip.to_string()));
                }
                if let Some(c) = country {
                    conditions.insert("country".into(), Json::String(c.clone()));
                }
            }
            Fragment::Platform(p) => {
                if let Some(p) = p {
                    conditions.insert("devicePlatform".into(), Json::String((*p).into()));
                }
            }
            Fragment::Client(c) => {
                if let Some(c) = c {
                    conditions.insert("clientAppType".into(), Json::String((*c).into()));
                }
            }
            Fragment::Flow(bits) => {
                let mut methods = Vec::new();
                if bits & 1 != 0 {
                    methods.push("deviceCodeFlow");
                }
                if bits & 2 != 0 {
                    methods.push("authenticationTransfer");
                }
                let value = if methods.is_empty() {
                    "none".to_owned()
                } else {
                    methods.join(",")
                };
                conditions.insert(
                    "authenticationFlow".into(),
                    json!({ "transferMethod": value }),
                );
            }
            Fragment::Device { info, state } => {
                if let Some(info) = info {
                    conditions.insert("deviceInfo".into(), info.clone());
                }
                if let Some(s) = session.as_object_mut() {
                    if state.approved {
                        s.insert("approvedClientApp".into(), Json::Bool(true));
                    }
                    if state.app_protection {
                        s.insert("appProtectionPolicy".into(), Json::Bool(true));
                    }
                }
            }
            Fragment::Risk(key, level) => {
                conditions.insert((*key).into(), Json::String((*level).into()));
            }
        }
    }
    json!({
        "signInIdentity": identity,
        "signInContext": context,
        "signInConditions": Json::Object(conditions),
        "session": session,
    })
}

/// The policy set of dimension `d` among a request's sets.
pub(crate) fn pick(sets: &DimensionSets, d: Dimension) -> &Bits {
    match d {
        Dimension::Identity => &sets.identity,
        Dimension::Target => &sets.target,
        Dimension::Location => &sets.location,
        Dimension::Platform => &sets.platform,
        Dimension::ClientApp => &sets.client,
        Dimension::Flow => &sets.flow,
        Dimension::Device => &sets.device,
        Dimension::SignInRisk | Dimension::ServicePrincipalRisk => &sets.risk[0],
        Dimension::UserRisk => &sets.risk[1],
        Dimension::InsiderRisk => &sets.risk[2],
    }
}

/// The device facts a request presents to grant controls (before its flow is considered).
pub(crate) fn request_state(req: &SignInRequest) -> DeviceState {
    let device = req.conditions.device.as_ref();
    DeviceState {
        compliant: device.is_some_and(|d| d.is_compliant()),
        hybrid: device.is_some_and(|d| d.is_hybrid_joined()),
        approved: req.session.approved_client_app,
        app_protection: req.session.app_protection_policy,
    }
}

/// Which device facts some grant of these snapshots reads.
fn state_mask(snaps: &[&CompiledPolicies]) -> u8 {
    let mut mask = 0u8;
    for s in snaps {
        for i in 0..s.len() {
            if let GrantShape::Controls { kinds, .. } = s.grant_shape(i) {
                for k in kinds {
                    mask |= match k {
                        ControlKind::CompliantDevice => 1,
                        ControlKind::DomainJoinedDevice => 2,
                        ControlKind::ApprovedApplication => 4,
                        ControlKind::CompliantApplication => 8,
                        _ => 0,
                    };
                }
            }
        }
    }
    mask
}

struct Builder<'a> {
    snaps: &'a [&'a CompiledPolicies],
    session: Json,
    errors: Vec<String>,
    state_mask: u8,
}

impl Builder<'_> {
    /// Groups `values` of dimension `d` into classes, each value's sets taken from a request
    /// made of `base` with the value's fragment.
    fn classes(&mut self, d: Dimension, base: &[Fragment], values: Vec<Value>) -> Vec<Class> {
        let mut classes: Vec<Class> = Vec::new();
        let mut index: AHashMap<(Vec<Bits>, u8, bool), usize> = AHashMap::new();
        for v in values {
            let mut fragments: Vec<&Fragment> = base.iter().collect();
            fragments.push(&v.fragment);
            let text = body(&fragments, &self.session).to_string();
            let req = match SignInRequest::from_json(&text) {
                Ok(r) => r,
                Err(e) => {
                    self.errors
                        .push(format!("{} value {}: {e}", d.as_str(), v.label));
                    continue;
                }
            };
            let bits: Vec<Bits> = self
                .snaps
                .iter()
                .map(|s| pick(&s.dimension_sets(&req), d).clone())
                .collect();
            let (state, device_code) = match &v.fragment {
                Fragment::Device { .. } => (state_of(&req, self.state_mask), false),
                Fragment::Flow(f) => (
                    DeviceState::default(),
                    f & 1 != 0 && self.state_mask & 3 != 0,
                ),
                _ => (DeviceState::default(), false),
            };
            let key = (bits, state.bits(), device_code);
            match index.get(&key) {
                Some(&k) => {
                    if let Some(c) = classes.get_mut(k) {
                        c.users += v.users;
                        c.values.push(v);
                    }
                }
                None => {
                    index.insert(key.clone(), classes.len());
                    classes.push(Class {
                        users: v.users,
                        values: vec![v],
                        bits: key.0,
                        state,
                        device_code,
                    });
                }
            }
        }
        classes
    }
}

/// The request's device facts, limited to those some grant reads.
pub(crate) fn state_of(req: &SignInRequest, mask: u8) -> DeviceState {
    let s = request_state(req);
    DeviceState {
        compliant: s.compliant && mask & 1 != 0,
        hybrid: s.hybrid && mask & 2 != 0,
        approved: s.approved && mask & 4 != 0,
        app_protection: s.app_protection && mask & 8 != 0,
    }
}

fn value(label: impl Into<String>, fragment: Fragment) -> Value {
    Value {
        label: label.into(),
        fragment,
        users: 0,
        samples: Vec::new(),
    }
}

/// A readable name for an application id: the tenant's display name and group memberships.
fn app_label(snaps: &[&CompiledPolicies], app: &str) -> String {
    for s in snaps {
        let t = s.tenant();
        if let Some(name) = t
            .applications
            .iter()
            .chain(&t.service_principals)
            .find(|a| a.app_id.as_deref() == Some(app))
            .and_then(|o| o.display_name.as_deref())
        {
            return format!("{name} ({app})");
        }
    }
    match crate::model::app_groups::built_in_name(app) {
        Some(name) => format!("{name} ({app})"),
        None => app.to_owned(),
    }
}

fn user_label(snaps: &[&CompiledPolicies], id: &str) -> String {
    for s in snaps {
        if let Some(u) = s.tenant().users.iter().find(|u| u.id == id) {
            if let Some(upn) = &u.user_principal_name {
                return upn.clone();
            }
        }
    }
    id.to_owned()
}

/// Builds the classes of every dimension for users and for service principals at `at`, with
/// `session` as every request's session object.
pub(crate) fn build(snaps: &[&CompiledPolicies], at: Timestamp, session: Json) -> Spaces {
    let state_mask = state_mask(snaps);
    let mut b = Builder {
        snaps,
        session,
        errors: Vec::new(),
        state_mask,
    };
    let (device_values, device_search_truncated) = device_values(snaps);
    let mut spaces = Spaces {
        users: Space::default(),
        workloads: Space::default(),
        device_search_truncated,
        errors: Vec::new(),
        state_mask,
    };
    for (users, order) in [(true, &USER_ORDER[..]), (false, &WORKLOAD_ORDER[..])] {
        let identities = if users {
            user_values(snaps, at)
        } else {
            workload_values(snaps)
        };
        let base: Vec<Fragment> = identities
            .first()
            .map(|v| vec![v.fragment.clone()])
            .unwrap_or_default();
        let mut axes = Vec::new();
        for &d in order {
            let values = match d {
                Dimension::Identity => identities.clone(),
                Dimension::Target => target_values(snaps),
                Dimension::Location => location_values(snaps),
                Dimension::Platform => [
                    ("android", Some("android")),
                    ("iOS", Some("iOS")),
                    ("windows", Some("windows")),
                    ("windowsPhone", Some("windowsPhone")),
                    ("macOS", Some("macOS")),
                    ("linux", Some("linux")),
                    ("no platform", None),
                ]
                .into_iter()
                .map(|(l, p)| value(l, Fragment::Platform(p)))
                .collect(),
                Dimension::ClientApp => [
                    ("browser", Some("browser")),
                    (
                        "mobileAppsAndDesktopClients",
                        Some("mobileAppsAndDesktopClients"),
                    ),
                    ("exchangeActiveSync", Some("exchangeActiveSync")),
                    ("other", Some("other")),
                    ("no client app type", None),
                ]
                .into_iter()
                .map(|(l, c)| value(l, Fragment::Client(c)))
                .collect(),
                Dimension::Flow => [
                    ("no transfer", 0u8),
                    ("deviceCodeFlow", 1),
                    ("authenticationTransfer", 2),
                    ("deviceCodeFlow + authenticationTransfer", 3),
                ]
                .into_iter()
                .map(|(l, f)| value(l, Fragment::Flow(f)))
                .collect(),
                Dimension::Device => device_values.clone(),
                Dimension::SignInRisk => risks("signInRiskLevel"),
                Dimension::UserRisk => risks("userRiskLevel"),
                Dimension::ServicePrincipalRisk => risks("servicePrincipalRiskLevel"),
                Dimension::InsiderRisk => [
                    "none",
                    "minor",
                    "moderate",
                    "elevated",
                    "unknownFutureValue",
                ]
                .into_iter()
                .map(|l| value(l, Fragment::Risk("insiderRiskLevel", l)))
                .collect(),
            };
            let classes = b.classes(d, &base, values);
            axes.push(Axis {
                dimension: d,
                classes,
            });
        }
        let space = Space { axes };
        if users {
            spaces.users = space;
        } else {
            spaces.workloads = space;
        }
    }
    spaces.errors = b.errors;
    spaces
}

fn risks(key: &'static str) -> Vec<Value> {
    // `unknownFutureValue` is accepted and matches no listed level (§3.10).
    [
        "none",
        "low",
        "medium",
        "high",
        "hidden",
        "unknownFutureValue",
    ]
    .into_iter()
    .map(|l| value(l, Fragment::Risk(key, l)))
    .collect()
}

fn user_identity(id: &str, guest: Option<&str>, home: Option<&str>) -> Json {
    let mut o = Map::new();
    o.insert("@odata.type".into(), json!("#microsoft.graph.userSignIn"));
    o.insert("userId".into(), json!(id));
    if let Some(g) = guest {
        o.insert("externalUserType".into(), json!(g));
    }
    if let Some(h) = home {
        o.insert("externalTenantId".into(), json!(h));
    }
    Json::Object(o)
}

fn user_values(snaps: &[&CompiledPolicies], at: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    for s in snaps {
        for group in s.user_groups(at, SAMPLES) {
            let (count, samples) = (group.users, group.samples);
            let Some(first) = samples.first() else {
                continue;
            };
            if !seen_ids.insert(first.clone()) {
                continue;
            }
            let names: Vec<String> = samples.iter().map(|id| user_label(snaps, id)).collect();
            let label = if count > samples.len() {
                format!("{count} users like {}", names.join(", "))
            } else {
                format!("{count} user(s): {}", names.join(", "))
            };
            out.push(Value {
                label,
                fragment: Fragment::Identity(user_identity(first, None, None)),
                users: count,
                samples,
            });
        }
    }
    let mut listed: Vec<String> = snaps.iter().flat_map(|s| s.listed_only_users()).collect();
    listed.sort_unstable();
    listed.dedup();
    let mut outside: Vec<(String, String)> = listed
        .into_iter()
        .map(|id| {
            let label = format!("{id} (named by a policy, not in the export)");
            (id, label)
        })
        .collect();
    outside.push((
        OUTSIDE_USER.to_owned(),
        "a user not in the export".to_owned(),
    ));
    for (id, label) in &outside {
        out.push(value(
            label.clone(),
            Fragment::Identity(user_identity(id, None, None)),
        ));
    }
    let mut tenants: Vec<String> = snaps.iter().flat_map(|s| s.named_home_tenants()).collect();
    tenants.sort_unstable();
    tenants.dedup();
    tenants.push(OUTSIDE_TENANT.to_owned());
    let kinds = [
        GuestType::InternalGuest,
        GuestType::B2bCollaborationGuest,
        GuestType::B2bCollaborationMember,
        GuestType::B2bDirectConnectUser,
        GuestType::OtherExternalUser,
        GuestType::ServiceProvider,
    ];
    // Every combination of guest types a request may state (a flags value) for a user outside
    // the directory, from each tenant a guest selector names, from one none does, and unstated.
    // Ids named by policies get the same, up to MAX_LISTED_GUESTS of them.
    let guests: Vec<&(String, String)> = outside.iter().rev().take(MAX_LISTED_GUESTS + 1).collect();
    for combo in 1u8..64 {
        let names: Vec<&str> = kinds
            .iter()
            .enumerate()
            .filter(|(k, _)| combo & (1 << k) != 0)
            .map(|(_, g)| g.as_str())
            .collect();
        for (id, label) in &guests {
            let homes = tenants.iter().map(|t| Some(t.as_str())).chain([None]);
            for home in homes {
                let from = match home {
                    Some(OUTSIDE_TENANT) => "from another tenant".to_owned(),
                    Some(h) => format!("from tenant {h}"),
                    None => "home tenant not stated".to_owned(),
                };
                let who = if id == OUTSIDE_USER {
                    String::new()
                } else {
                    format!(" as {label}")
                };
                out.push(value(
                    format!("{} {from}{who}", names.join("+")),
                    Fragment::Identity(user_identity(id, Some(&names.join(",")), home)),
                ));
            }
        }
    }
    out
}

fn workload_values(snaps: &[&CompiledPolicies]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for s in snaps {
        for sp in &s.tenant().service_principals {
            let id = sp.app_id.clone().unwrap_or_else(|| sp.id.clone());
            if !seen.insert(id.clone()) {
                continue;
            }
            let name = match &sp.display_name {
                Some(n) => format!("{n} ({id})"),
                None => id.clone(),
            };
            out.push(Value {
                label: format!("service principal {name}"),
                fragment: Fragment::Identity(json!({
                    "@odata.type": "#microsoft.graph.servicePrincipalSignIn",
                    "servicePrincipalId": id,
                })),
                users: 1,
                samples: vec![sp.id.clone()],
            });
        }
    }
    let mut listed: Vec<String> = snaps
        .iter()
        .flat_map(|s| s.listed_only_service_principals())
        .collect();
    listed.sort_unstable();
    listed.dedup();
    for id in listed {
        out.push(value(
            format!("service principal {id} (named by a policy, not in the export)"),
            Fragment::Identity(json!({
                "@odata.type": "#microsoft.graph.servicePrincipalSignIn",
                "servicePrincipalId": id,
            })),
        ));
    }
    out.push(value(
        "a service principal not in the export",
        Fragment::Identity(json!({
            "@odata.type": "#microsoft.graph.servicePrincipalSignIn",
            "servicePrincipalId": OUTSIDE_SP,
        })),
    ));
    out
}

fn target_values(snaps: &[&CompiledPolicies]) -> Vec<Value> {
    let mut apps: Vec<String> = snaps.iter().flat_map(|s| s.known_apps()).collect();
    apps.sort_unstable();
    apps.dedup();
    let mut out: Vec<Value> = apps
        .iter()
        .map(|a| {
            value(
                app_label(snaps, a),
                Fragment::Target(json!({"@odata.type": "#microsoft.graph.applicationContext",
                    "includeApplications": [a]})),
            )
        })
        .collect();
    out.push(value(
        "any other application",
        Fragment::Target(json!({"@odata.type": "#microsoft.graph.applicationContext",
            "includeApplications": [OUTSIDE_APP]})),
    ));
    for action in ["registerSecurityInformation", "registerOrJoinDevices"] {
        out.push(value(
            format!("user action {action}"),
            Fragment::Target(
                json!({"@odata.type": "#microsoft.graph.userActionContext", "userAction": action}),
            ),
        ));
    }
    let mut contexts: Vec<String> = snaps.iter().flat_map(|s| s.known_contexts()).collect();
    contexts.sort_unstable();
    contexts.dedup();
    // An authentication context no policy targets, if one of c1..c99 is left.
    if let Some(free) = (1..=99)
        .map(|k| format!("c{k}"))
        .find(|c| !contexts.contains(c))
    {
        contexts.push(free);
    }
    for cx in contexts {
        out.push(value(
            format!("authentication context {cx}"),
            Fragment::Target(json!({"@odata.type": "#microsoft.graph.authContext",
                "authenticationContextValue": cx})),
        ));
    }
    out
}

/// Countries sign-ins commonly come from, tried in order for "a country no location names".
const COMMON_COUNTRIES: [&str; 12] = [
    "US", "NL", "DE", "GB", "FR", "JP", "BR", "IN", "AU", "CA", "ZA", "SE",
];

fn location_values(snaps: &[&CompiledPolicies]) -> Vec<Value> {
    let mut ips: Vec<IpAddr> = snaps
        .iter()
        .flat_map(|s| s.address_representatives())
        .collect();
    ips.sort_unstable();
    ips.dedup();
    let mut countries: Vec<String> = snaps.iter().flat_map(|s| s.named_countries()).collect();
    countries.sort_unstable();
    countries.dedup();
    if let Some(c) = COMMON_COUNTRIES
        .iter()
        .find(|c| !countries.iter().any(|x| x == *c))
    {
        countries.push((*c).to_owned());
    }
    let mut out = Vec::new();
    let ips: Vec<Option<IpAddr>> = ips.into_iter().map(Some).chain([None]).collect();
    let countries: Vec<Option<String>> = countries.into_iter().map(Some).chain([None]).collect();
    for ip in &ips {
        for country in &countries {
            let label = match (ip, country) {
                (Some(ip), Some(c)) => format!("{ip} in {c}"),
                (Some(ip), None) => format!("{ip}, no country"),
                (None, Some(c)) => format!("no address, {c}"),
                (None, None) => "no address or country".to_owned(),
            };
            out.push(value(
                label,
                Fragment::Location {
                    ip: *ip,
                    country: country.clone(),
                },
            ));
        }
    }
    out
}

/// Device candidates: no device, then every combination of compliance, join type, app
/// protections some grant reads, and the values the tenant's device filters compare each
/// attribute with (plus values that miss them), up to [`MAX_DEVICE_CANDIDATES`].
/// A device with only attribute `a` set (to `v`).
fn device_with(a: DeviceAttribute, v: Option<&str>) -> DeviceInfo {
    let mut d = DeviceInfo::default();
    let v = v.map(str::to_owned);
    match a {
        DeviceAttribute::DeviceId => d.device_id = v,
        DeviceAttribute::DisplayName => d.display_name = v,
        DeviceAttribute::EnrollmentProfileName => d.enrollment_profile_name = v,
        DeviceAttribute::ExtensionAttribute(n) => {
            if let Some(slot) = usize::from(n)
                .checked_sub(1)
                .and_then(|i| d.extension_attributes.get_mut(i))
            {
                *slot = v;
            }
        }
        DeviceAttribute::Manufacturer => d.manufacturer = v,
        DeviceAttribute::MdmAppId => d.mdm_app_id = v,
        DeviceAttribute::Model => d.model = v,
        DeviceAttribute::OperatingSystem => d.operating_system = v,
        DeviceAttribute::OperatingSystemVersion => d.operating_system_version = v,
        DeviceAttribute::Ownership => d.ownership = v,
        DeviceAttribute::PhysicalIds => d.physical_ids = v.map(|x| vec![x]),
        DeviceAttribute::ProfileType => d.profile_type = v,
        DeviceAttribute::SystemLabels => d.system_labels = v.map(|x| vec![x]),
        DeviceAttribute::TrustType => d.trust_type = v,
        DeviceAttribute::IsCompliant => d.is_compliant = v.map(|x| x.eq_ignore_ascii_case("true")),
    }
    d
}

fn device_values(snaps: &[&CompiledPolicies]) -> (Vec<Value>, bool) {
    let mut literals: BTreeMap<DeviceAttribute, Vec<String>> = BTreeMap::new();
    let mut rules = Vec::new();
    let mut trust_literals: Vec<String> = Vec::new();
    for s in snaps {
        for p in &s.tenant().policies {
            let Some(f) = p
                .conditions
                .devices
                .as_ref()
                .and_then(|d| d.filter.as_ref())
            else {
                continue;
            };
            rules.push(&f.rule);
            trust_literals.extend(
                f.rule
                    .literals()
                    .into_iter()
                    .filter(|(a, _)| **a == Attribute::Device(DeviceAttribute::TrustType))
                    .map(|(_, l)| l.to_owned()),
            );
            // Attributes compared only with null still need a value and its absence.
            for attribute in f.rule.attributes() {
                if let Attribute::Device(a) = attribute {
                    if !matches!(a, DeviceAttribute::IsCompliant | DeviceAttribute::TrustType) {
                        literals.entry(*a).or_default();
                    }
                }
            }
            for (attribute, literal) in f.rule.literals() {
                if let Attribute::Device(a) = attribute {
                    if matches!(a, DeviceAttribute::IsCompliant | DeviceAttribute::TrustType) {
                        continue;
                    }
                    literals.entry(*a).or_default().push(literal.to_owned());
                }
            }
        }
    }
    // Per attribute: null, each literal, and strings that contain a literal without equalling
    // or starting or ending with it, so -startsWith/-endsWith/-contains can each differ.
    let mut partial = false;
    let attrs: Vec<(DeviceAttribute, Vec<Option<String>>)> = literals
        .into_iter()
        .map(|(a, mut lits)| {
            lits.sort_unstable();
            lits.dedup();
            let mut vals: Vec<Option<String>> = vec![None, Some("jitgate-unmatched".to_owned())];
            for l in &lits {
                vals.push(Some(l.clone()));
                vals.push(Some(format!("{l}-x")));
                vals.push(Some(format!("x-{l}")));
                vals.push(Some(format!("x-{l}-x")));
            }
            // Literals joined, in every order, so one value can start with one, contain another
            // and end with a third: every ordered selection of up to JOINED_LITERALS of them.
            // With more literals than that on one attribute the search is not exhaustive, and
            // the report says so.
            if lits.len() > JOINED_LITERALS {
                partial = true;
            }
            let mut chains: Vec<Vec<usize>> = (0..lits.len()).map(|i| vec![i]).collect();
            let longest = match lits.len() {
                n if n <= JOINED_LITERALS => n,
                n if n <= PAIRED_LITERALS => 2,
                _ => 1,
            };
            for _ in 1..longest {
                let mut longer = Vec::new();
                for c in &chains {
                    for i in (0..lits.len()).filter(|i| !c.contains(i)) {
                        let mut next = c.clone();
                        next.push(i);
                        let parts: Vec<&str> = next
                            .iter()
                            .filter_map(|k| lits.get(*k))
                            .map(String::as_str)
                            .collect();
                        vals.push(Some(parts.concat()));
                        vals.push(Some(parts.join(" ")));
                        longer.push(next);
                    }
                }
                chains = longer;
            }
            // Keep one value per pattern of truths of the comparisons on this attribute: the
            // rules cannot tell the others apart, so the product below stays small.
            let attribute = Attribute::Device(a);
            let mut seen: Vec<Vec<bool>> = Vec::new();
            vals.retain(|v| {
                let device = device_with(a, v.as_deref());
                let key: Vec<bool> = rules
                    .iter()
                    .flat_map(|r| r.comparison_truths(&device))
                    .filter(|(x, _)| **x == attribute)
                    .map(|(_, t)| t)
                    .collect();
                if seen.contains(&key) {
                    false
                } else {
                    seen.push(key);
                    true
                }
            });
            (a, vals)
        })
        .collect();
    // Trust types: Entra's three, none, and any other a rule compares with.
    let mut trusts: Vec<Option<String>> = ["AzureAD", "ServerAD", "Workplace"]
        .into_iter()
        .map(|t| Some(t.to_owned()))
        .collect();
    for l in trust_literals {
        if !trusts.iter().flatten().any(|t| t.eq_ignore_ascii_case(&l)) {
            trusts.push(Some(l));
        }
    }
    trusts.push(None);
    let mask = state_mask(snaps);
    let approvals: &[(bool, bool)] = match mask & 12 {
        0 => &[(false, false)],
        4 => &[(false, false), (true, false)],
        8 => &[(false, false), (false, true)],
        _ => &[(false, false), (true, false), (false, true), (true, true)],
    };
    let mut out = Vec::new();
    let mut truncated = partial;
    let combos: usize = attrs
        .iter()
        .map(|(_, v)| v.len())
        .try_fold(1usize, |acc, n| acc.checked_mul(n))
        .unwrap_or(usize::MAX);
    'outer: for &(approved, app_protection) in approvals {
        let mut label = "no device information".to_owned();
        if approved {
            label.push_str(", approved client app");
        }
        if app_protection {
            label.push_str(", app protection policy");
        }
        out.push(value(
            label,
            Fragment::Device {
                info: None,
                state: DeviceState {
                    approved,
                    app_protection,
                    ..DeviceState::default()
                },
            },
        ));
        for compliant in [Some(true), Some(false), None] {
            for trust in trusts.iter().map(Option::as_deref) {
                for k in 0..combos {
                    if out.len() >= MAX_DEVICE_CANDIDATES {
                        truncated = true;
                        break 'outer;
                    }
                    let mut info = Map::new();
                    let mut parts = Vec::new();
                    match trust {
                        Some(t) => {
                            info.insert("trustType".into(), json!(t));
                            parts.push(t.to_owned());
                        }
                        None => parts.push("no trust type".to_owned()),
                    }
                    match compliant {
                        Some(c) => {
                            info.insert("isCompliant".into(), json!(c));
                            parts.push(if c { "compliant" } else { "not compliant" }.to_owned());
                        }
                        None => parts.push("compliance unknown".to_owned()),
                    }
                    let mut rest = k;
                    for (a, vals) in &attrs {
                        let n = vals.len().max(1);
                        let v = vals.get(rest % n).cloned().flatten();
                        rest /= n;
                        if let Some(v) = v {
                            let field = a.request_field();
                            let as_json = if matches!(
                                a,
                                DeviceAttribute::PhysicalIds | DeviceAttribute::SystemLabels
                            ) {
                                json!([v])
                            } else {
                                json!(v)
                            };
                            parts.push(format!("{}={v}", a.name()));
                            info.insert(field.into(), as_json);
                        }
                    }
                    if approved {
                        parts.push("approved client app".into());
                    }
                    if app_protection {
                        parts.push("app protection policy".into());
                    }
                    out.push(value(
                        parts.join(", "),
                        Fragment::Device {
                            info: Some(Json::Object(info)),
                            state: DeviceState {
                                compliant: compliant == Some(true),
                                hybrid: trust.is_some_and(|t| t.eq_ignore_ascii_case("ServerAD")),
                                approved,
                                app_protection,
                            },
                        },
                    ));
                }
            }
        }
    }
    (out, truncated)
}
