//! Regions: products of class sets, one set per dimension, with a witness request.

use serde::Serialize;
use serde_json::Value as Json;

use super::space::{Dimension, Fragment, Space, body, copy_dimension};
use crate::model::request::SignInRequest;

/// Labels listed per dimension before "and N more".
const LISTED: usize = 12;

/// Users or service principals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum IdentityKind {
    /// User sign-ins (members, guests, users outside the export).
    Users,
    /// Service principal (workload identity) sign-ins.
    ServicePrincipals,
}

impl IdentityKind {
    /// The kind's name in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            IdentityKind::Users => "users",
            IdentityKind::ServicePrincipals => "servicePrincipals",
        }
    }
}

/// One dimension of a region: the values it covers, or (when shorter) those it leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegionDimension {
    /// The dimension.
    pub dimension: Dimension,
    /// `true`: the region covers every value except `values`; `false`: exactly `values`.
    pub except: bool,
    /// Value labels (at most a dozen; `more` counts the rest).
    pub values: Vec<String>,
    /// Values not listed in `values`.
    pub more: usize,
}

/// Which classes of each dimension a region covers; dimensions past the end are unconstrained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Picks {
    pub kind: IdentityKind,
    pub classes: Vec<Vec<usize>>,
}

impl Picks {
    /// Does the region hold the cell with these class indices (one per dimension)?
    pub fn contains(&self, kind: IdentityKind, cell: &[usize]) -> bool {
        self.kind == kind && self.classes.iter().zip(cell).all(|(ks, k)| ks.contains(k))
    }

    /// The constrained dimensions, described.
    pub fn describe(&self, space: &Space) -> Vec<RegionDimension> {
        let mut out = Vec::new();
        for (axis, ks) in space.axes.iter().zip(&self.classes) {
            if ks.len() == axis.classes.len() {
                continue;
            }
            let labels = |pred: &dyn Fn(usize) -> bool| -> Vec<String> {
                axis.classes
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| pred(*k))
                    .flat_map(|(_, c)| c.values.iter().map(|v| v.label.clone()))
                    .collect()
            };
            let inside = labels(&|k| ks.contains(&k));
            let outside = labels(&|k| !ks.contains(&k));
            let (except, mut values) = if outside.len() < inside.len() {
                (true, outside)
            } else {
                (false, inside)
            };
            let more = values.len().saturating_sub(LISTED);
            values.truncate(LISTED);
            out.push(RegionDimension {
                dimension: axis.dimension,
                except,
                values,
                more,
            });
        }
        out
    }

    /// Directory users (or service principals) the region covers, and a few of their ids.
    pub fn users(&self, space: &Space) -> (usize, Vec<String>) {
        let Some(axis) = space.axes.first() else {
            return (0, Vec::new());
        };
        let all: Vec<usize> = (0..axis.classes.len()).collect();
        let ks = self.classes.first().unwrap_or(&all);
        let mut count = 0;
        let mut samples = Vec::new();
        for c in ks.iter().filter_map(|k| axis.classes.get(*k)) {
            count += c.users;
            for v in &c.values {
                if samples.len() < 5 {
                    samples.extend(v.samples.iter().take(5 - samples.len()).cloned());
                }
            }
        }
        (count, samples)
    }

    /// The witness as a typed request, assembled from the classes' parsed samples (no JSON).
    pub fn request(&self, space: &Space) -> Option<SignInRequest> {
        let mut out: Option<SignInRequest> = None;
        for (d, axis) in space.axes.iter().enumerate() {
            let k = self
                .classes
                .get(d)
                .and_then(|ks| ks.first())
                .copied()
                .unwrap_or(0);
            let sample = &axis.classes.get(k)?.sample;
            match &mut out {
                None => out = Some(sample.clone()),
                Some(r) => copy_dimension(axis.dimension, sample, r),
            }
        }
        out
    }

    /// A request in the region: the first value of the first covered class per dimension.
    pub fn witness(&self, space: &Space, session: &Json) -> Json {
        let fragments: Vec<&Fragment> = space
            .axes
            .iter()
            .enumerate()
            .filter_map(|(d, axis)| {
                let k = self
                    .classes
                    .get(d)
                    .and_then(|ks| ks.first())
                    .copied()
                    .unwrap_or(0);
                axis.classes
                    .get(k)
                    .and_then(|c| c.first())
                    .map(|v| &v.fragment)
            })
            .collect();
        body(&fragments, session)
    }
}

/// Joins regions that differ in one dimension only (and carry the same `tag`) until no two do:
/// the union of such a pair is still a product, so the result stays exact and disjoint, and
/// reads as a few large regions instead of the walk's many small ones. Every region is first
/// made full length (unconstrained dimensions list every class).
pub(crate) fn consolidate<T: Clone + Eq + std::hash::Hash>(
    found: Vec<(Picks, T)>,
    spaces: impl Fn(IdentityKind) -> usize + Copy,
    classes: impl Fn(IdentityKind, usize) -> usize,
) -> Vec<(Picks, T)> {
    let mut regions: Vec<(Picks, T)> = found
        .into_iter()
        .map(|(mut p, t)| {
            let dims = spaces(p.kind);
            for d in p.classes.len()..dims {
                p.classes.push((0..classes(p.kind, d)).collect());
            }
            for ks in &mut p.classes {
                ks.sort_unstable();
            }
            (p, t)
        })
        .collect();
    loop {
        let mut changed = false;
        let dims = regions
            .iter()
            .map(|(p, _)| p.classes.len())
            .max()
            .unwrap_or(0);
        for d in 0..dims {
            let mut index: crate::hashing::Map<(IdentityKind, Vec<Vec<usize>>, T), usize> =
                crate::hashing::Map::default();
            let mut out: Vec<(Picks, T)> = Vec::with_capacity(regions.len());
            for (p, t) in regions {
                let mut rest = p.classes.clone();
                let mine = if d < rest.len() {
                    rest.remove(d)
                } else {
                    Vec::new()
                };
                let key = (p.kind, rest, t.clone());
                match index.get(&key).and_then(|k| out.get_mut(*k)) {
                    Some((q, _)) => {
                        if let Some(ks) = q.classes.get_mut(d) {
                            ks.extend(mine);
                            ks.sort_unstable();
                            ks.dedup();
                        }
                        changed = true;
                    }
                    None => {
                        index.insert(key, out.len());
                        out.push((p, t));
                    }
                }
            }
            regions = out;
        }
        if !changed {
            return regions;
        }
    }
}
