//! The sign-in condition space as finite classes (docs/SEMANTICS.md §13.1).
//!
//! Every dimension a policy condition reads is listed as concrete values: each directory user
//! (grouped), each guest kind, each service principal, each application some policy names and
//! one that none does, each platform, each address class of the named-location table crossed
//! with each country some location names, and so on. A value is a fragment of a What If body;
//! its policy set in its dimension comes from the engine itself
//! ([`CompiledPolicies::dimension_sets`]) on a request carrying it. Values whose sets agree in
//! every compared snapshot form one class: any value of a class stands for all of them.

use std::net::IpAddr;

use serde_json::{Map, Value as Json, json};

use crate::model::request::SignInRequest;
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

/// Ids no export uses: a user, service principal, app and tenant outside everything.
pub(crate) const OUTSIDE_USER: &str = "00000000-0000-4000-8000-00000000a0a0";
pub(crate) const OUTSIDE_SP: &str = "00000000-0000-4000-8000-00000000b0b0";
pub(crate) const OUTSIDE_APP: &str = "00000000-0000-4000-8000-00000000c0c0";
pub(crate) const OUTSIDE_TENANT: &str = "00000000-0000-4000-8000-00000000d0d0";

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
    /// The request made of the first value (and the build's base for other dimensions),
    /// parsed once: cells are assembled from these without writing JSON.
    pub sample: SignInRequest,
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
    /// Searches that stopped at a cap (device filter candidates, guest types of listed ids),
    /// each said in a sentence: values of those dimensions may be missing.
    pub search_limits: Vec<String>,
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

/// Copies dimension `d`'s fields from `from` into `to` (see [`Class::sample`]).
pub(crate) fn copy_dimension(d: Dimension, from: &SignInRequest, to: &mut SignInRequest) {
    let (f, t) = (&from.conditions, &mut to.conditions);
    match d {
        Dimension::Identity => to.identity = from.identity.clone(),
        Dimension::Target => to.context = from.context.clone(),
        Dimension::Location => {
            t.ip_address = f.ip_address;
            t.country = f.country.clone();
        }
        Dimension::Platform => t.platform = f.platform.clone(),
        Dimension::ClientApp => t.client_app_type = f.client_app_type.clone(),
        Dimension::Flow => t.transfer_methods = f.transfer_methods.clone(),
        Dimension::Device => {
            t.device = f.device.clone();
            to.session.approved_client_app = from.session.approved_client_app;
            to.session.app_protection_policy = from.session.app_protection_policy;
        }
        Dimension::SignInRisk => t.sign_in_risk = f.sign_in_risk.clone(),
        Dimension::UserRisk => t.user_risk = f.user_risk.clone(),
        Dimension::InsiderRisk => t.insider_risk = f.insider_risk.clone(),
        Dimension::ServicePrincipalRisk => {
            t.service_principal_risk = f.service_principal_risk.clone();
        }
    }
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
pub(crate) fn state_mask(snaps: &[&CompiledPolicies]) -> u8 {
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
