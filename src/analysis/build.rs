//! Building the condition space: every dimension's values, grouped into classes by the policy
//! sets the engine gives them (docs/SEMANTICS.md §13.1).

use crate::hashing::Map;
use jiff::Timestamp;
use serde_json::Value as Json;

use super::devices::device_values;
use super::space::{
    Axis, Class, DeviceState, Dimension, Fragment, Space, Spaces, Value, body, pick, state_mask,
    state_of,
};
use super::values::{
    MAX_LISTED_GUESTS, location_values, risks, target_values, user_values, value, workload_values,
};
use crate::model::request::SignInRequest;
use crate::signin::compiled::{Bits, CLIENTS, CompiledPolicies, PLATFORMS};

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
        let mut index: Map<(Vec<Bits>, u8, bool), usize> = Map::default();
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
                        sample: req,
                    });
                }
            }
        }
        classes
    }
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
    let (device_values, mut search_limits) = device_values(snaps);
    let (user_identities, listed_truncated) = user_values(snaps, at);
    if listed_truncated {
        search_limits.push(format!(
            "more than {MAX_LISTED_GUESTS} kinds of ids are named by policies but not \
             exported; only the first {MAX_LISTED_GUESTS} were tried with each guest type"
        ));
    }
    let mut spaces = Spaces {
        users: Space::default(),
        workloads: Space::default(),
        search_limits,
        errors: Vec::new(),
        state_mask,
    };
    for (users, order) in [(true, &USER_ORDER[..]), (false, &WORKLOAD_ORDER[..])] {
        let identities = if users {
            user_identities.clone()
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
                // Every value the engine's tables hold, and none.
                Dimension::Platform => PLATFORMS
                    .iter()
                    .map(|p| value(p.as_str(), Fragment::Platform(Some(p.as_str()))))
                    .chain([value("no platform", Fragment::Platform(None))])
                    .collect(),
                Dimension::ClientApp => CLIENTS
                    .iter()
                    .map(|c| value(c.as_str(), Fragment::Client(Some(c.as_str()))))
                    .chain([value("no client app type", Fragment::Client(None))])
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
