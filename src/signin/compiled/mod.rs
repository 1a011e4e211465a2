//! The compiled policy table: [`Tenant`] → immutable [`CompiledPolicies`].
//!
//! Every condition dimension is precomputed as policy bitsets: for each distinct value a request
//! can carry (a user class, an app, a platform, a location class, a risk level, ...) the set of
//! policies whose condition that value satisfies. A request's applicable set is the AND of a
//! handful of bitsets; only the survivors' grant controls, sign-in frequencies and device filters
//! are looked at. Strings are hashed when the snapshot is built and once per request for the
//! request's own ids ([`CompiledPolicies::prepare`]), never per policy.

pub mod bits;
pub mod directory;
pub mod locations;
pub mod users;

mod borrowed;
mod build;
mod decide;
mod dimensions;
mod explain;
mod grants;
mod prepare;
mod test_tenants;

pub use bits::Bits;
pub use borrowed::BorrowedDecision;
pub use dimensions::{ControlKind, DimensionSets, GrantShape, Reauthentication, UserKey};

use crate::hashing::Map;
use crate::model::revision::Revision;
use jiff::{SignedDuration, Timestamp};
use smallvec::SmallVec;

use crate::diag::Diagnostics;
use crate::model::directory::CsaAttributes;
use crate::model::enums::{
    ClientAppType, FilterMode, FrequencyAuthType, FrequencyInterval, GrantControl, GrantOperator,
    InsiderRiskLevel, Platform, RiskLevel, TransferMethod, UserAction,
};
use crate::model::ids::{IdRef, Keyword};
use crate::model::policy::{
    ApplicationCondition, ClientApplicationCondition, Filter, SignInFrequency,
};
use crate::model::request::{Identity, SignInContext, SignInRequest};
use crate::model::strength::{AuthStrength, MFA_STRENGTH_ID, MethodSet};
use crate::model::{AppObject, Policy, Tenant};
use crate::signin::combine::{Grant, PolicyVerdict, render, sorted};
use crate::signin::decision::{
    Decision, EvaluationOptions, Explain, RequirementItem, SignInDecision, missing, reasons,
};

use locations::{LocationTable, compile_locations};
use users::{UserTable, compile_users};

const SKEW: SignedDuration = SignedDuration::from_mins(5);

/// The request platforms, in table order; the last slot is "unknown".
pub(crate) const PLATFORMS: [Platform; 6] = [
    Platform::Android,
    Platform::IOs,
    Platform::Windows,
    Platform::WindowsPhone,
    Platform::MacOs,
    Platform::Linux,
];
/// The request client app types, in table order; the last slot is "unknown".
pub(crate) const CLIENTS: [ClientAppType; 4] = [
    ClientAppType::Browser,
    ClientAppType::MobileAppsAndDesktopClients,
    ClientAppType::ExchangeActiveSync,
    ClientAppType::Other,
];
const RISKS: [RiskLevel; 5] = [
    RiskLevel::Low,
    RiskLevel::Medium,
    RiskLevel::High,
    RiskLevel::Hidden,
    RiskLevel::None,
];
const INSIDER: [InsiderRiskLevel; 4] = [
    InsiderRiskLevel::None,
    InsiderRiskLevel::Minor,
    InsiderRiskLevel::Moderate,
    InsiderRiskLevel::Elevated,
];

/// One grant control, compiled.
#[derive(Debug, Clone)]
enum Ctl {
    Mfa,
    /// Index into [`CompiledPolicies::strengths`]; `None` when the id cannot be resolved.
    Strength(Option<usize>),
    TermsOfUse(u32),
    Custom(u32),
    PasswordChange,
    RiskRemediation,
    Compliant,
    DomainJoined,
    Approved,
    AppProtection,
    Never,
}

impl Ctl {
    /// Could a prompt satisfy the control? Not device or app state, nor an unresolvable
    /// strength or an unknown control.
    fn interactive(&self) -> bool {
        match self {
            Ctl::Mfa
            | Ctl::TermsOfUse(_)
            | Ctl::Custom(_)
            | Ctl::PasswordChange
            | Ctl::RiskRemediation => true,
            Ctl::Strength(k) => k.is_some(),
            Ctl::Compliant
            | Ctl::DomainJoined
            | Ctl::Approved
            | Ctl::AppProtection
            | Ctl::Never => false,
        }
    }
}

/// The policies whose device condition is the same filter rule and nothing more: the rule is
/// evaluated once per request for all of them (the example tenant's PAW rule serves two
/// policies, in both modes).
#[derive(Debug, Clone)]
struct FilterGroup {
    /// A policy whose rule it is: the rule is read from it.
    policy: usize,
    /// Every member.
    members: Bits,
    /// Members in include mode: in scope when the rule holds.
    include: Bits,
    /// Members in exclude mode: in scope when it does not.
    exclude: Bits,
}

/// Request facts a grant control can be satisfied by, as bits: the fixed ones below, then one bit
/// per strength, terms-of-use agreement and custom control.
mod atom {
    pub const MFA: u32 = 0;
    pub const PASSWORD_CHANGED: u32 = 1;
    pub const COMPLIANT: u32 = 2;
    pub const HYBRID: u32 = 3;
    pub const APPROVED_APP: u32 = 4;
    pub const APP_PROTECTION: u32 = 5;
    /// Never satisfied (unknown controls, unresolvable strengths).
    pub const NEVER: u32 = 6;
    pub const FIRST_STRENGTH: u32 = 7;
}

/// Atoms that no prompt can provide.
const NON_INTERACTIVE_ATOMS: u64 = (1 << atom::COMPLIANT)
    | (1 << atom::HYBRID)
    | (1 << atom::APPROVED_APP)
    | (1 << atom::APP_PROTECTION)
    | (1 << atom::NEVER);

/// Grant controls as policy sets per request atom, so a decision is a few bitset operations
/// instead of a loop over the applicable policies.
#[derive(Debug, Clone)]
struct GrantTable {
    /// Policies that block.
    block: Bits,
    /// Policies with controls (a service principal can satisfy none of them).
    controls: Bits,
    /// OR policies.
    or_policies: Bits,
    /// Policies neither blocking nor OR: no grant, or AND controls (satisfied unless an atom
    /// they need is missing).
    not_block_nor_or: Bits,
    /// OR policies none of whose controls a prompt can provide.
    or_non_interactive: Bits,
    /// Per atom: the OR policies it satisfies.
    or_by_atom: Vec<Bits>,
    /// Atoms some OR policy uses.
    or_atoms: u64,
    /// Per atom: the AND policies that require it.
    and_by_atom: Vec<Bits>,
    /// Atoms some AND policy uses.
    and_atoms: u64,
}

fn bit_indices(mut word: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if word == 0 {
            return None;
        }
        let i = word.trailing_zeros() as usize;
        word &= word - 1;
        Some(i)
    })
}

#[derive(Debug, Clone)]
enum CompiledGrant {
    None,
    Block,
    Controls {
        and: bool,
        /// Each control with its Graph name.
        controls: Vec<(Ctl, String)>,
        /// Per control, what a user can do to meet it (`None` when no prompt can): the
        /// control's clause under AND.
        items: Vec<Option<Clause>>,
        /// The OR clause: every option a prompt can offer, in prompt order.
        or_clause: Clause,
    },
}

/// A requirement's options, with their JSON written once when the snapshot is compiled.
#[derive(Debug, Clone)]
struct Clause {
    items: Vec<RequirementItem>,
    /// The items as JSON, comma-separated.
    json: Box<[u8]>,
    /// Equal for clauses of equal items, so a decision merges identical requirements by
    /// comparing numbers, not items.
    key: u32,
}

impl Clause {
    /// A clause of `items`, its key the one `keys` holds for the same JSON (which writes every
    /// field of every item), or the next.
    fn new(items: Vec<RequirementItem>, keys: &mut Map<Box<[u8]>, u32>) -> Clause {
        let mut json = Vec::new();
        for (k, item) in items.iter().enumerate() {
            if k > 0 {
                json.push(b',');
            }
            crate::signin::json_out::requirement_item(&mut json, item);
        }
        let json = json.into_boxed_slice();
        let next = u32::try_from(keys.len()).unwrap_or(u32::MAX);
        let key = *keys.entry(json.clone()).or_insert(next);
        Clause { items, json, key }
    }
}

/// An immutable, compiled tenant. Cheap to share (`Arc`) and safe to read from many threads.
#[derive(Debug)]
pub struct CompiledPolicies {
    tenant: Tenant,
    revision: Revision,
    n: usize,
    evaluated: Bits,
    users: UserTable,
    users_configured: Bits,
    workload_configured: Bits,
    sp_by_app: Map<String, usize>,
    sp_by_object: Map<String, usize>,
    /// Per service principal: match sets when named by appId and by object id.
    sp_sets: Vec<Bits>,
    sp_literal: Map<String, (Bits, Bits)>,
    sp_unknown: (Bits, Bits),
    has_target: Bits,
    apps: Map<String, Bits>,
    app_unknown: Bits,
    actions: [Bits; 2],
    contexts: Map<String, Bits>,
    platforms: [Bits; 7],
    clients: [Bits; 5],
    device_free: Bits,
    /// Device conditions that are one filter rule and nothing more, grouped by the rule.
    filter_groups: Vec<FilterGroup>,
    /// Policies whose device condition is not one filter rule alone (it has legacy device
    /// states, or no filter): checked one by one.
    device_each: Bits,
    locations: LocationTable,
    sign_in_risk: [Bits; 6],
    user_risk: [Bits; 6],
    sp_risk: [Bits; 6],
    insider_risk: [Bits; 5],
    flows: [Bits; 4],
    grants: Vec<CompiledGrant>,
    /// Grant controls as atom tables for the hot path; `None` when a tenant needs more atoms
    /// than fit in 64 bits (then [`CompiledPolicies::controls`] decides, policy by policy).
    grant_table: Option<GrantTable>,
    enforced: Bits,
    has_sif: Bits,
    /// Policies with any session control: the only ones a decision's session merge visits.
    has_session: Bits,
    /// Policies whose authentication strength cannot be resolved (a `unresolvedStrength`
    /// warning when they apply).
    unresolved_strength: Bits,
    strengths: Vec<AuthStrength>,
    /// For each strength without combination configurations, the method sets of its
    /// satisfiable combinations: a strength is met by a session holding all of one of them.
    /// `None` for a strength with configurations, checked in full.
    strength_masks: Vec<Option<Box<[u32]>>>,
    mfa: Option<usize>,
    terms: Map<String, u32>,
    customs: Map<String, u32>,
    /// Each policy's id as a JSON string, written once here instead of per decision.
    id_json: Vec<Box<[u8]>>,
    /// The end of every decision's JSON: `,"revision":"…"}`.
    revision_json: Box<[u8]>,
    /// No two policies share an id (a loaded tenant's are unique, §1.4), so a requirement's
    /// policies need no check by id when one is added.
    ids_unique: bool,
    /// Each policy's fixed parts of its explained result, as JSON.
    explain_json: Vec<borrowed::explained::PolicyJson>,
    /// About how many bytes `explain_json` gives a decision (reserved at once).
    explained_size: usize,
}

/// A request resolved against one snapshot: ids looked up, address classified, sets chosen.
#[derive(Debug, Clone)]
pub struct Prepared<'r> {
    req: &'r SignInRequest,
    t: Timestamp,
    is_user: bool,
    unknown_user: bool,
    /// The user's transitive group count, when above the 2048 Entra may block (§3.4.8).
    too_many_groups: Option<usize>,
    identity: Bits,
    target: Bits,
    context_flag: u32,
    platform: usize,
    client: usize,
    location: Bits,
    location_missing: Bits,
    identity_missing: Bits,
    /// Policies an unknown home tenant kept out (enumerated tenant lists, §3.4 rule 6).
    home_unknown_enumerated: Bits,
    sign_in_risk: usize,
    user_risk: usize,
    sp_risk: usize,
    insider_risk: usize,
    flow: usize,
    terms: SmallVec<[u32; 4]>,
    customs: SmallVec<[u32; 4]>,
    atoms: u64,
    /// Evaluated policies whose non-device conditions all match.
    candidates: Bits,
    /// Time since the last full sign-in and since the last MFA; `None` when not proven (§3.14).
    since_sign_in: Option<SignedDuration>,
    since_mfa: Option<SignedDuration>,
}

fn arr<const N: usize>(n: usize) -> [Bits; N] {
    std::array::from_fn(|_| Bits::empty(n))
}

fn index_of<T: PartialEq>(list: &[T], v: &T) -> Option<usize> {
    list.iter().position(|x| x == v)
}

impl CompiledPolicies {
    /// The tenant this snapshot was compiled from.
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The content hash of the tenant this snapshot was compiled from.
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// The full decision, rendered as the reference evaluator renders it.
    pub fn evaluate(&self, req: &SignInRequest, explain: bool) -> SignInDecision {
        let p = self.prepare(req);
        self.evaluate_prepared(&p, explain)
    }

    /// The full decision for a prepared request.
    pub fn evaluate_prepared(&self, p: &Prepared<'_>, explain: bool) -> SignInDecision {
        self.evaluate_selected(p, explain, &Bits::full(self.n))
    }
}
