//! `gaps`: every region of the condition space where a password alone is enough
//! (docs/SEMANTICS.md §13.2).

use crate::hashing::Map;
use crate::model::revision::Revision;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value as Json, json};

use super::build;
use super::region::{IdentityKind, Picks, RegionDimension, consolidate};
use super::space::{DeviceState, Dimension, Space, Spaces, pick, state_of};
use crate::Snapshot;
use crate::model::request::SignInRequest;
use crate::signin::compiled::{Bits, CompiledPolicies, ControlKind, GrantShape, Reauthentication};
use crate::signin::decision::{Decision, Explain};

/// Nodes a walk visits before it stops and reports itself truncated.
pub const DEFAULT_MAX_NODES: u64 = 5_000_000;

/// What counts as protection: a policy that requires one of these (or that a password holder
/// cannot satisfy at all) protects the sign-ins it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Protection {
    /// `mfa` (default on).
    pub mfa: bool,
    /// An authentication strength (default on).
    pub strength: bool,
    /// `block` (default on).
    pub block: bool,
    /// `compliantDevice`.
    pub compliant_device: bool,
    /// `domainJoinedDevice`.
    pub domain_joined_device: bool,
    /// `approvedApplication`.
    pub approved_application: bool,
    /// `compliantApplication`.
    pub compliant_application: bool,
    /// `passwordChange` and `riskRemediation`.
    pub password_change: bool,
    /// Terms of use.
    pub terms_of_use: bool,
    /// Custom controls.
    pub custom: bool,
}

impl Default for Protection {
    fn default() -> Self {
        Protection {
            mfa: true,
            strength: true,
            block: true,
            compliant_device: false,
            domain_joined_device: false,
            approved_application: false,
            compliant_application: false,
            password_change: false,
            terms_of_use: false,
            custom: false,
        }
    }
}

/// The names [`Protection::parse`] accepts.
pub const PROTECTION_NAMES: [&str; 10] = [
    "mfa",
    "strength",
    "block",
    "compliantDevice",
    "domainJoinedDevice",
    "approvedApplication",
    "compliantApplication",
    "passwordChange",
    "termsOfUse",
    "custom",
];

impl Protection {
    /// Reads a comma-separated list of [`PROTECTION_NAMES`] (case-insensitive); every listed
    /// control counts, every other does not.
    ///
    /// # Errors
    /// A name outside the list, or an empty list.
    pub fn parse(list: &str) -> Result<Protection, String> {
        let mut p = Protection {
            mfa: false,
            strength: false,
            block: false,
            ..Protection::default()
        };
        let mut any = false;
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            any = true;
            let flag = match name.to_ascii_lowercase().as_str() {
                "mfa" => &mut p.mfa,
                "strength" | "authenticationstrength" => &mut p.strength,
                "block" => &mut p.block,
                "compliantdevice" => &mut p.compliant_device,
                "domainjoineddevice" => &mut p.domain_joined_device,
                "approvedapplication" => &mut p.approved_application,
                "compliantapplication" => &mut p.compliant_application,
                "passwordchange" | "riskremediation" => &mut p.password_change,
                "termsofuse" => &mut p.terms_of_use,
                "custom" => &mut p.custom,
                _ => {
                    return Err(format!(
                        "unknown control {name:?}; expected a comma-separated list of {}",
                        PROTECTION_NAMES.join(", ")
                    ));
                }
            };
            *flag = true;
        }
        if any {
            Ok(p)
        } else {
            Err("empty list of controls".to_owned())
        }
    }

    fn counts(&self, k: ControlKind) -> bool {
        match k {
            ControlKind::Mfa => self.mfa,
            ControlKind::Strength => self.strength,
            ControlKind::Never => true,
            ControlKind::TermsOfUse => self.terms_of_use,
            ControlKind::Custom => self.custom,
            ControlKind::PasswordChange => self.password_change,
            ControlKind::CompliantDevice => self.compliant_device,
            ControlKind::DomainJoinedDevice => self.domain_joined_device,
            ControlKind::ApprovedApplication => self.approved_application,
            ControlKind::CompliantApplication => self.compliant_application,
        }
    }

    /// Can someone holding only a password (and doing whatever does not count as protection)
    /// meet control `k` on a device in `state`?
    fn met(&self, k: ControlKind, state: DeviceState) -> bool {
        let attainable = match k {
            ControlKind::CompliantDevice => state.compliant,
            ControlKind::DomainJoinedDevice => state.hybrid,
            ControlKind::ApprovedApplication => state.approved,
            ControlKind::CompliantApplication => state.app_protection,
            ControlKind::Never => false,
            _ => true,
        };
        attainable && !self.counts(k)
    }

    /// Does a policy with this grant protect a sign-in by this kind of identity on a device in
    /// `state`?
    pub(crate) fn protects(&self, shape: &GrantShape, users: bool, state: DeviceState) -> bool {
        match shape {
            GrantShape::None => false,
            GrantShape::Block => self.block,
            // A service principal can satisfy no control (§3.5).
            GrantShape::Controls { .. } if !users => true,
            GrantShape::Controls { and: true, kinds } => kinds.iter().any(|k| !self.met(*k, state)),
            GrantShape::Controls { and: false, kinds } => {
                !kinds.is_empty() && kinds.iter().all(|k| !self.met(*k, state))
            }
        }
    }
}

/// How `gaps` runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GapOptions {
    /// What counts as protection.
    pub protection: Protection,
    /// Treat report-only policies as enforced (what switching them on would close).
    pub include_report_only: bool,
    /// The instant the directory is read at (time-bound memberships).
    pub at: Timestamp,
    /// Nodes visited before the walk stops (and says so).
    pub max_nodes: u64,
}

impl GapOptions {
    /// Defaults: MFA, strengths and blocks protect; report-only policies do not.
    pub fn new(at: Timestamp) -> GapOptions {
        GapOptions {
            protection: Protection::default(),
            include_report_only: false,
            at,
            max_nodes: DEFAULT_MAX_NODES,
        }
    }

    /// Sets what counts as protection.
    #[must_use]
    pub fn protection(mut self, p: Protection) -> GapOptions {
        self.protection = p;
        self
    }

    /// Treats report-only policies as enforced.
    #[must_use]
    pub fn include_report_only(mut self, on: bool) -> GapOptions {
        self.include_report_only = on;
        self
    }

    /// Sets the node budget.
    #[must_use]
    pub fn max_nodes(mut self, n: u64) -> GapOptions {
        self.max_nodes = n;
        self
    }
}

/// A region where a password alone is enough.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GapRegion {
    /// Users or service principals.
    pub kind: IdentityKind,
    /// The constrained dimensions; every other dimension is unconstrained.
    pub dimensions: Vec<RegionDimension>,
    /// Directory users (service principals) in the region.
    pub users: usize,
    /// A few of their ids.
    pub sample_users: Vec<String>,
    /// A What If body in the region (`jitgate eval` reads it).
    pub witness: Json,
    /// The witness's decision by the compiled engine.
    pub decision: Decision,
    /// Policies that apply to the witness (none of which protects it).
    pub applied_policies: Vec<String>,
    /// Request data whose absence the gap relies on (the witness's `missingData` fields: no
    /// address, country, platform or client app type stated, a user outside the export). Entra
    /// always knows some of these, so such a gap may not exist in live traffic; `eval
    /// --assume-worst` decides the witness as the strictest value of the data would.
    pub missing_data: Vec<String>,
    #[serde(skip)]
    pub(crate) picks: Picks,
}

/// Where a request falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Classification {
    /// In the region with this index.
    Region(usize),
    /// In no region.
    NoRegion,
    /// Outside the enumerated classes in this dimension (several applications at once, a GPS
    /// country, a device filter combination the search did not reach): not decided here.
    Unclassified(Dimension),
}

/// The result of [`Snapshot::gaps`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GapReport {
    /// The tenant's revision.
    pub revision: Revision,
    /// What counted as protection.
    pub protection: Protection,
    /// Report-only policies were treated as enforced.
    pub include_report_only: bool,
    /// The instant the directory was read at.
    pub at: String,
    /// The `session` object every witness carries: a password, plus what does not count as
    /// protection and a password holder can do (accepted terms, a changed password).
    pub session: Json,
    /// Gap regions: those that need no absent data first (`missing_data` empty), then most
    /// users first, then the fewest constrained dimensions.
    pub regions: Vec<GapRegion>,
    /// Classes per dimension, for users.
    pub user_classes: Vec<(Dimension, usize)>,
    /// Classes per dimension, for service principals.
    pub service_principal_classes: Vec<(Dimension, usize)>,
    /// Nodes of the walk.
    pub nodes_visited: u64,
    /// The walk stopped at its node budget: regions may be missing.
    pub truncated: bool,
    /// Value searches that stopped at a cap, each said in a sentence: values (and so regions)
    /// of those dimensions may be missing.
    pub search_limits: Vec<String>,
    /// Internal errors (values whose request did not parse); never expected.
    pub errors: Vec<String>,
    #[serde(skip)]
    pub(crate) spaces: Spaces,
}

/// The session a gap witness presents: a password, plus whatever does not count as protection
/// and a password holder can do (accept terms, change the password, MFA when it does not
/// count; when neither MFA nor strengths count, methods that meet each strength a policy
/// names, where one of its combinations needs no certificate or key evidence). A strength
/// cannot be met without MFA, so when MFA counts and strengths do not, a witness that meets a
/// strength's policy gets `stepUp` for it (§13.2).
pub(crate) fn password_session(s: &CompiledPolicies, p: &Protection, at: Timestamp) -> Json {
    let mut methods: Vec<String> = vec!["password".to_owned()];
    if !p.mfa && !p.strength {
        let tenant = s.tenant();
        let named: Vec<&str> = tenant
            .policies
            .iter()
            .filter_map(|x| x.grant.as_ref()?.strength.as_deref())
            .collect();
        for st in tenant
            .strengths
            .iter()
            .filter(|st| named.contains(&st.id.as_str()))
        {
            if let Some(c) = st
                .combinations
                .iter()
                .find(|c| c.satisfiable && st.satisfied_by(c.methods, None, None))
            {
                for m in c.methods.to_graph().split(',') {
                    if !methods.iter().any(|x| x == m) {
                        methods.push(m.to_owned());
                    }
                }
            }
        }
    }
    let mut session = json!({
        "time": at.to_string(),
        "lastAuthenticatedDateTime": at.to_string(),
    });
    let (terms, customs) = s.grant_ids();
    if let Some(o) = session.as_object_mut() {
        if !p.mfa {
            if !methods.iter().any(|m| m == "microsoftAuthenticatorPush") {
                methods.push("microsoftAuthenticatorPush".to_owned());
            }
            o.insert("lastMfaDateTime".into(), json!(at.to_string()));
        }
        if !p.password_change {
            o.insert("passwordChanged".into(), json!(true));
        }
        if !p.terms_of_use && !terms.is_empty() {
            o.insert("acceptedTermsOfUse".into(), json!(terms));
        }
        if !p.custom && !customs.is_empty() {
            o.insert("customFactors".into(), json!(customs));
        }
        o.insert("authenticationMethods".into(), json!(methods));
    }
    session
}

/// Per device state (by [`DeviceState::bits`]): the in-scope policies that protect.
fn protective_sets(s: &CompiledPolicies, p: &Protection, users: bool, scope: &Bits) -> Vec<Bits> {
    (0u8..16)
        .map(|b| {
            let state = DeviceState {
                compliant: b & 1 != 0,
                hybrid: b & 2 != 0,
                approved: b & 4 != 0,
                app_protection: b & 8 != 0,
            };
            let mut set = Bits::empty(s.len());
            for i in scope.iter() {
                // A sign-in frequency a fresh password cannot meet prompts again (§3.14).
                let reauth = match s.reauthentication(i) {
                    Reauthentication::None => false,
                    Reauthentication::Mfa => p.mfa,
                    Reauthentication::Always => true,
                };
                if reauth || p.protects(&s.grant_shape(i), users, state) {
                    set.insert(i);
                }
            }
            set
        })
        .collect()
}

struct Walk<'a> {
    space: &'a Space,
    kind: IdentityKind,
    protective: Vec<Bits>,
    nodes: u64,
    max_nodes: u64,
    truncated: bool,
    found: Vec<Picks>,
}

impl Walk<'_> {
    fn walk(&mut self, depth: usize, s: &Bits, picks: &mut Vec<Vec<usize>>, device_code: bool) {
        let Some(axis) = self.space.axes.get(depth) else {
            return;
        };
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            self.truncated = true;
            return;
        }
        let mut gap = Vec::new();
        let mut groups: Vec<(Bits, bool, Vec<usize>)> = Vec::new();
        let mut index: Map<(Bits, bool), usize> = Map::default();
        for (k, c) in axis.classes.iter().enumerate() {
            let mut key = s.clone();
            if let Some(b) = c.bits.first() {
                key.and(b);
            }
            let dc = if axis.dimension == Dimension::Flow {
                c.device_code
            } else {
                device_code
            };
            if axis.dimension == Dimension::Device {
                let state = c.state.under_flow(device_code);
                if let Some(p) = self.protective.get(usize::from(state.bits())) {
                    key.and(p);
                }
            }
            if key.is_empty() {
                gap.push(k);
                continue;
            }
            match index.get(&(key.clone(), dc)) {
                Some(&g) => {
                    if let Some(g) = groups.get_mut(g) {
                        g.2.push(k);
                    }
                }
                None => {
                    index.insert((key.clone(), dc), groups.len());
                    groups.push((key, dc, vec![k]));
                }
            }
        }
        if !gap.is_empty() {
            picks.push(gap);
            self.found.push(Picks {
                kind: self.kind,
                classes: picks.clone(),
            });
            picks.pop();
        }
        for (key, dc, ks) in groups {
            picks.push(ks);
            self.walk(depth + 1, &key, picks, dc);
            picks.pop();
        }
    }
}

/// The class of each dimension a request falls in, or the first dimension where it matches
/// no class.
pub(crate) fn cell(
    spaces: &Spaces,
    snaps: &[&CompiledPolicies],
    req: &SignInRequest,
) -> Result<(IdentityKind, Vec<usize>), Dimension> {
    let sets: Vec<_> = snaps.iter().map(|s| s.dimension_sets(req)).collect();
    let is_user = sets.first().is_some_and(|s| s.is_user);
    let (kind, space) = if is_user {
        (IdentityKind::Users, &spaces.users)
    } else {
        (IdentityKind::ServicePrincipals, &spaces.workloads)
    };
    let state = state_of(req, spaces.state_mask);
    let dc = req.conditions.is_device_code_flow() && spaces.state_mask & 3 != 0;
    let mut out = Vec::with_capacity(space.axes.len());
    for axis in &space.axes {
        let d = axis.dimension;
        let k = axis.classes.iter().position(|c| {
            c.bits.len() == sets.len()
                && c.bits.iter().zip(&sets).all(|(b, s)| b == pick(s, d))
                && (d != Dimension::Device || c.state == state)
                && (d != Dimension::Flow || c.device_code == dc)
        });
        match k {
            Some(k) => out.push(k),
            None => return Err(d),
        }
    }
    Ok((kind, out))
}

/// The index of the region (among `regions`, in order) holding `req`'s cell.
pub(crate) fn locate<'a>(
    spaces: &Spaces,
    snaps: &[&CompiledPolicies],
    req: &SignInRequest,
    regions: impl Iterator<Item = &'a Picks>,
) -> Classification {
    match cell(spaces, snaps, req) {
        Err(d) => Classification::Unclassified(d),
        Ok((kind, cell)) => regions
            .into_iter()
            .position(|p| p.contains(kind, &cell))
            .map_or(Classification::NoRegion, Classification::Region),
    }
}

fn class_counts(space: &Space) -> Vec<(Dimension, usize)> {
    space
        .axes
        .iter()
        .map(|a| (a.dimension, a.classes.len()))
        .collect()
}

impl Snapshot {
    /// Every region of the sign-in condition space where a password alone is enough: no
    /// in-scope policy that applies there requires a control counted as protection (§13.2).
    pub fn gaps(&self, options: &GapOptions) -> GapReport {
        let s = self.compiled();
        let mut scope = s.evaluated_set().clone();
        if !options.include_report_only {
            scope.and(s.enforced_set());
        }
        let session = password_session(s, &options.protection, options.at);
        let spaces = build::build(&[s], options.at, session.clone());
        let mut found = Vec::new();
        let mut nodes = 0;
        let mut truncated = false;
        for (kind, space, users) in [
            (IdentityKind::Users, &spaces.users, true),
            (IdentityKind::ServicePrincipals, &spaces.workloads, false),
        ] {
            let protective = protective_sets(s, &options.protection, users, &scope);
            let mut start = Bits::empty(s.len());
            for p in &protective {
                start.or(p);
            }
            let mut w = Walk {
                space,
                kind,
                protective,
                nodes: 0,
                max_nodes: options.max_nodes.saturating_sub(nodes),
                truncated: false,
                found: Vec::new(),
            };
            w.walk(0, &start, &mut Vec::new(), false);
            nodes += w.nodes;
            truncated |= w.truncated;
            found.extend(w.found);
        }
        let found = consolidate(
            found.into_iter().map(|p| (p, ())).collect(),
            |k| spaces.get(k).axes.len(),
            |k, d| spaces.get(k).axes.get(d).map_or(0, |a| a.classes.len()),
        );
        let mut errors = spaces.errors.clone();
        let mut regions: Vec<GapRegion> = found
            .into_iter()
            .map(|(picks, ())| {
                let space = match picks.kind {
                    IdentityKind::Users => &spaces.users,
                    IdentityKind::ServicePrincipals => &spaces.workloads,
                };
                let witness = picks.witness(space, &session);
                let (users, sample_users) = picks.users(space);
                let (decision, applied_policies, missing_data) =
                    match SignInRequest::from_json(&witness.to_string()) {
                        Ok(req) => {
                            let d = self.evaluate(&req, Explain::Policies);
                            let applied = d
                                .policies
                                .iter()
                                .flatten()
                                .filter(|p| p.policy_applies)
                                .map(|p| p.display_name.clone())
                                .collect();
                            let mut missing: Vec<String> = d
                                .warnings
                                .iter()
                                .filter(|w| w.code == "missingData")
                                .flat_map(|w| w.fields.iter().map(|f| (*f).to_owned()))
                                .collect();
                            missing.sort_unstable();
                            missing.dedup();
                            (d.decision, applied, missing)
                        }
                        Err(e) => {
                            // Never expected: the witness is built from parsed values. The
                            // region is kept, and the report is marked incomplete.
                            errors.push(format!("a gap witness does not parse: {e}"));
                            (Decision::Deny, Vec::new(), Vec::new())
                        }
                    };
                GapRegion {
                    kind: picks.kind,
                    dimensions: picks.describe(space),
                    users,
                    sample_users,
                    witness,
                    decision,
                    applied_policies,
                    missing_data,
                    picks,
                }
            })
            .collect();
        // Gaps that need no absent data first, then most users, then the simplest.
        regions.sort_by(|a, b| {
            a.missing_data
                .is_empty()
                .cmp(&b.missing_data.is_empty())
                .reverse()
                .then(b.users.cmp(&a.users))
                .then(a.dimensions.len().cmp(&b.dimensions.len()))
        });
        GapReport {
            revision: self.revision(),
            protection: options.protection,
            include_report_only: options.include_report_only,
            at: options.at.to_string(),
            session,
            regions,
            user_classes: class_counts(&spaces.users),
            service_principal_classes: class_counts(&spaces.workloads),
            nodes_visited: nodes,
            truncated,
            search_limits: spaces.search_limits.clone(),
            errors,
            spaces,
        }
    }
}

impl GapReport {
    /// True when the report covers the whole space: the walk was not cut, no value search hit
    /// a cap, and no value failed to build.
    pub fn complete(&self) -> bool {
        !self.truncated && self.search_limits.is_empty() && self.errors.is_empty()
    }

    /// The gap region `req` falls in. `snapshot` must be the one the report was made from.
    pub fn classify(&self, snapshot: &Snapshot, req: &SignInRequest) -> Classification {
        locate(
            &self.spaces,
            &[snapshot.compiled()],
            req,
            self.regions.iter().map(|r| &r.picks),
        )
    }
}
