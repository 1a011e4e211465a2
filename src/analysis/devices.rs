//! Device values for the condition space: compliance, join type, app protections, and the
//! values the tenant's device filters compare (docs/SEMANTICS.md §13.1, decision 50).

use std::collections::BTreeMap;

use crate::hashing::Set;
use serde_json::{Map, Value as Json, json};

use super::space::{DeviceState, Fragment, Value, state_mask};
use super::values::value;
use crate::filter::{Attribute, DeviceAttribute};
use crate::model::request::DeviceInfo;
use crate::signin::compiled::CompiledPolicies;

/// Literals per attribute up to which every ordered selection of them is tried joined.
const JOINED_LITERALS: usize = 5;
/// Literals per attribute up to which pairs of them are tried joined.
const PAIRED_LITERALS: usize = 24;
/// Devices tried when searching for every combination of device filter truth values.
pub const MAX_DEVICE_CANDIDATES: usize = 4096;

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

/// Device candidates: no device, then every combination of compliance, join type, app
/// protections some grant reads, and the values the tenant's device filters compare each
/// attribute with (plus values that miss them), up to [`MAX_DEVICE_CANDIDATES`]. The sentences
/// say where the search was cut or not exhaustive.
pub(crate) fn device_values(snaps: &[&CompiledPolicies]) -> (Vec<Value>, Vec<String>) {
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
                if let Attribute::Device(a) = attribute
                    && !matches!(a, DeviceAttribute::IsCompliant | DeviceAttribute::TrustType)
                {
                    literals.entry(*a).or_default();
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
    let mut limits = Vec::new();
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
                limits.push(format!(
                    "device filters compare {} with {} values; {}, not every join of up \
                     to {JOINED_LITERALS} of them",
                    a.name(),
                    lits.len(),
                    if lits.len() <= PAIRED_LITERALS {
                        "only pairs of them were tried joined"
                    } else {
                        "no joins of them were tried"
                    }
                ));
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
            let mut seen: Set<Vec<bool>> = Set::default();
            vals.retain(|v| {
                let device = device_with(a, v.as_deref());
                let key: Vec<bool> = rules
                    .iter()
                    .flat_map(|r| r.comparison_truths(&device))
                    .filter(|(x, _)| **x == attribute)
                    .map(|(_, t)| t)
                    .collect();
                seen.insert(key)
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
    let combos: usize = attrs
        .iter()
        .map(|(_, v)| v.len())
        .try_fold(1usize, |acc, n| acc.checked_mul(n))
        .unwrap_or(usize::MAX);
    for &(approved, app_protection) in approvals {
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
    }
    // Filter values outermost: if the cap cuts the search, it cuts filter combinations, and
    // every compliance, join and app state is still tried with those kept.
    'outer: for k in 0..combos {
        for &(approved, app_protection) in approvals {
            for compliant in [Some(true), Some(false), None] {
                for trust in trusts.iter().map(Option::as_deref) {
                    if out.len() >= MAX_DEVICE_CANDIDATES {
                        limits.push(format!(
                            "the device search stopped at {MAX_DEVICE_CANDIDATES} candidates; \
                             {} of {} device filter value combinations were tried",
                            k, combos
                        ));
                        break 'outer;
                    }
                    out.push(device_value(
                        &attrs,
                        k,
                        compliant,
                        trust,
                        approved,
                        app_protection,
                    ));
                }
            }
        }
    }
    (out, limits)
}

/// The `k`-th combination of filter attribute values, with the given compliance, trust type
/// and app facts.
fn device_value(
    attrs: &[(DeviceAttribute, Vec<Option<String>>)],
    k: usize,
    compliant: Option<bool>,
    trust: Option<&str>,
    approved: bool,
    app_protection: bool,
) -> Value {
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
    for (a, vals) in attrs {
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
    value(
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
    )
}
