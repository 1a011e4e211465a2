//! The embeddable decision point: a lock-free, swappable [`Snapshot`].
//!
//! Readers call [`Engine::evaluate`] (or take a [`Engine::snapshot`] for several calls on one
//! consistent view); a publisher compiles a new tenant off to the side and swaps it in with
//! [`Engine::publish`]. Readers never block and never see a half-built snapshot. An old snapshot is
//! freed by the publisher, never by a reader: the engine keeps a reference to each snapshot it
//! retires and drops it on a later publish once no reader holds it, so a reader never pays for
//! freeing a tenant (tens of milliseconds at Entra's limits).
//!
//! ```no_run
//! use jitgate::{Engine, Explain, SignInRequest};
//!
//! let engine = Engine::new(jitgate::load("examples/tenant".as_ref())?);
//! let request = SignInRequest::from_json(r##"{
//!   "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn",
//!                      "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03"},
//!   "signInContext": {"@odata.type": "#microsoft.graph.applicationContext",
//!                     "includeApplications": ["00000003-0000-0ff1-ce00-000000000000"]},
//!   "session": {"time": "2026-03-02T09:00:00Z", "authenticationMethods": ["password"]}}"##)?;
//! let decision = engine.evaluate(&request, Explain::None);
//! println!("{} (revision {})", decision.decision.as_str(), engine.revision());
//! // Later, from a publisher thread: engine.publish(new_tenant)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use arc_swap::ArcSwap;
use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::model::Tenant;
use crate::model::activation::ActivationRequest;
use crate::model::request::SignInRequest;
use crate::model::revision::Revision;
use crate::pim::decision::ActivationDecision;
use crate::signin::decision::{EvaluationOptions, Explain, SignInDecision};
use crate::snapshot::Snapshot;

/// Requests per rayon task in a batch: large enough to amortise scheduling.
const CHUNK: usize = 1024;

/// Why a new tenant was not published; the previous snapshot keeps serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// Validation found errors (under strict mode, limit warnings count).
    #[error("tenant failed validation with {} error(s)", .0.len())]
    Invalid(Vec<Diagnostic>),
}

/// A decision point holding the current compiled snapshot.
#[derive(Debug)]
pub struct Engine {
    current: ArcSwap<Snapshot>,
    strict: bool,
    /// Snapshots swapped out that a reader may still hold; freed by [`Engine::publish`].
    retired: Mutex<Vec<Arc<Snapshot>>>,
}

impl Engine {
    /// An engine serving `tenant` (already loaded, so already free of load errors).
    pub fn new(tenant: Tenant) -> Engine {
        Engine {
            current: ArcSwap::from_pointee(Snapshot::compile(tenant)),
            strict: false,
            retired: Mutex::new(Vec::new()),
        }
    }

    /// Rejects tenants with limit warnings on later [`Engine::publish`] calls.
    pub fn strict(mut self, strict: bool) -> Engine {
        self.strict = strict;
        self
    }

    /// Compiles and validates `tenant`, then swaps it in. Returns the new revision. On error the
    /// old snapshot keeps serving. The compile runs on one core (a thread kept for publishing),
    /// so that readers keep the others; publishes from several threads take turns on it.
    pub fn publish(&self, tenant: Tenant) -> Result<Revision, PublishError> {
        // A lockout is what Entra would enforce, so it is served; `validate` flags it.
        let options = crate::ValidateOptions::default()
            .strict(self.strict)
            .lockout_is_error(false);
        let report = crate::validate::validate(&tenant, options);
        let errors: Vec<Diagnostic> = report
            .findings
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        if !errors.is_empty() {
            return Err(PublishError::Invalid(errors));
        }
        let snapshot = Arc::new(compile_on_one_core(tenant));
        let revision = snapshot.revision();
        let old = self.current.swap(snapshot);
        let mut retired = self.retired.lock().unwrap_or_else(PoisonError::into_inner);
        retired.push(old);
        // Free, here on the publisher's thread, every retired snapshot no reader holds any more.
        retired.retain(|s| Arc::strong_count(s) > 1);
        Ok(revision)
    }

    /// How many swapped-out snapshots readers still hold (the engine frees them on a later
    /// publish once they let go).
    #[doc(hidden)]
    pub fn retired(&self) -> usize {
        self.retired
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The current snapshot, for several calls on one consistent view.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// The current revision.
    pub fn revision(&self) -> Revision {
        self.current.load().revision()
    }

    /// Decides one sign-in on the current snapshot.
    pub fn evaluate(
        &self,
        request: &SignInRequest,
        options: impl Into<EvaluationOptions>,
    ) -> SignInDecision {
        self.current.load().evaluate(request, options)
    }

    /// Decides one PIM activation on the current snapshot.
    pub fn activate(&self, request: &ActivationRequest, explain: Explain) -> ActivationDecision {
        self.current.load().activate(request, explain)
    }

    /// Decides a batch of activations in parallel on one snapshot, results in input order.
    pub fn activate_batch(
        &self,
        requests: &[ActivationRequest],
        explain: Explain,
    ) -> Vec<ActivationDecision> {
        let snapshot = self.snapshot();
        requests
            .par_iter()
            .with_min_len(64)
            .map(|r| snapshot.activate(r, explain))
            .collect()
    }

    /// Decides a batch in parallel, all on one snapshot, results in input order.
    pub fn evaluate_batch(
        &self,
        requests: &[SignInRequest],
        options: impl Into<EvaluationOptions>,
    ) -> Vec<SignInDecision> {
        let snapshot = self.snapshot();
        let options = options.into();
        requests
            .par_iter()
            .with_min_len(CHUNK)
            .map(|r| snapshot.evaluate(r, options))
            .collect()
    }
}

/// [`Snapshot::compile`] for a publish: on one core, in a pool of one thread kept for it, so
/// that readers keep the other cores while a new tenant compiles (at Entra's limits, about
/// a third of a billion instructions, which `Snapshot::compile` spreads over every core). The
/// caller waits on a thread of its own: `install` called on a rayon worker would have that
/// worker run its pool's other tasks while it waits (one that takes a lock the caller holds,
/// say). Without the pool (the system refused its thread), on the caller's thread and rayon's
/// pool; so, too, when it refuses the waiting thread.
fn compile_on_one_core(tenant: Tenant) -> Snapshot {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "jitgate-publish".to_owned())
            .build()
            .ok()
    });
    let Some(pool) = pool else {
        return Snapshot::compile(tenant);
    };
    let mut slot = Some(tenant);
    let compiled = std::thread::scope(|scope| {
        let slot = &mut slot;
        std::thread::Builder::new()
            .name("jitgate-publish-wait".to_owned())
            .spawn_scoped(scope, move || {
                slot.take()
                    .map(|tenant| pool.install(|| Snapshot::compile(tenant)))
            })
            .ok()?
            .join()
            // A panic in the compile is the caller's, as it was before.
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    // The system refused the waiting thread: the tenant is still here, compiled on the caller's
    // thread and rayon's pool.
    compiled.unwrap_or_else(|| Snapshot::compile(slot.take().unwrap_or_default()))
}
