//! [`Snapshot`]: a tenant compiled once for sign-ins and activations, immutable and shareable.

use crate::diag::Diagnostic;
use crate::model::Tenant;
use crate::model::activation::ActivationRequest;
use crate::model::request::SignInRequest;
use crate::model::revision::Revision;
use crate::pim::PimIndex;
use crate::pim::decision::ActivationDecision;
use crate::signin::compiled::{Bits, BorrowedDecision, CompiledPolicies};
use crate::signin::decision::{EvaluationOptions, Explain, SignInDecision};

/// An immutable, compiled tenant: the policy table for sign-ins and the PIM lookups for
/// activations. Cheap to share (`Arc`) and safe to read from many threads; [`crate::Engine`]
/// swaps snapshots without blocking readers.
///
/// ```no_run
/// use jitgate::{Explain, SignInRequest, Snapshot};
///
/// let snapshot = Snapshot::compile(jitgate::load("examples/tenant".as_ref())?);
/// let request = SignInRequest::user("3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03")
///     .app("00000003-0000-0ff1-ce00-000000000000")
///     .at("2026-03-02T09:00:00Z".parse()?)
///     .build()?;
/// println!("{}", snapshot.evaluate(&request, Explain::None).decision.as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Snapshot {
    policies: CompiledPolicies,
    pim: PimIndex,
}

impl Snapshot {
    /// Compiles a loaded tenant. Compiling does not validate: [`crate::Engine::publish`] does both.
    pub fn compile(tenant: Tenant) -> Snapshot {
        let pim = PimIndex::build(&tenant);
        Snapshot {
            policies: CompiledPolicies::compile(tenant),
            pim,
        }
    }

    /// Decides a sign-in (docs/SEMANTICS.md §6) with an [`Explain`] level or full
    /// [`EvaluationOptions`]. The request's own warnings lead the decision's.
    pub fn evaluate(
        &self,
        request: &SignInRequest,
        options: impl Into<EvaluationOptions>,
    ) -> SignInDecision {
        let options = options.into();
        let prepared = self.policies.prepare(request);
        if options == EvaluationOptions::default() {
            // Without explain the decision comes straight from the policy sets.
            return self.policies.evaluate_borrowed(prepared).to_decision();
        }
        let all = Bits::full(self.tenant().policies.len());
        let mut decision = self.policies.evaluate_with(&prepared, options, &all);
        request.merge_warnings(&mut decision.warnings);
        decision
    }

    /// Decides a sign-in without allocating: the same decision as [`Snapshot::evaluate`] with
    /// [`Explain::None`], borrowed from this snapshot and the request. Write it with
    /// [`BorrowedDecision::write_json`] into a buffer you reuse, or with every policy's result
    /// (the bytes of [`Explain::Policies`]) with [`BorrowedDecision::write_json_explained`]; or
    /// take the owned form with [`BorrowedDecision::to_decision`].
    pub fn evaluate_borrowed<'a>(&'a self, request: &'a SignInRequest) -> BorrowedDecision<'a> {
        self.policies
            .evaluate_borrowed(self.policies.prepare(request))
    }

    /// Decides a PIM activation (docs/SEMANTICS.md §10), with the compiled table for the
    /// authentication-context step.
    pub fn activate(&self, request: &ActivationRequest, explain: Explain) -> ActivationDecision {
        let tenant = self.policies.tenant();
        let mut decision = crate::pim::activate(tenant, &self.pim, request, &|sign_in, select| {
            let prepared = self.policies.prepare(sign_in);
            let mut selected = Bits::empty(tenant.policies.len());
            for (i, p) in tenant.policies.iter().enumerate() {
                if select(p) {
                    selected.insert(i);
                }
            }
            self.policies.evaluate_selected(&prepared, true, &selected)
        });
        decision.revision = Some(self.revision());
        crate::pim::finish(&mut decision, request, explain);
        decision
    }

    /// The tenant this snapshot was compiled from.
    pub fn tenant(&self) -> &Tenant {
        self.policies.tenant()
    }

    /// The content hash of the tenant ([`Tenant::revision`]); every decision carries it.
    pub fn revision(&self) -> Revision {
        self.policies.revision()
    }

    /// The tenant's load warnings (docs/SEMANTICS.md §1.6): reported once here, not on every decision.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.tenant().warnings
    }

    /// The compiled sign-in table, for benches and fuzz targets.
    #[doc(hidden)]
    pub fn compiled(&self) -> &CompiledPolicies {
        &self.policies
    }

    /// The PIM lookups, for benches and fuzz targets.
    #[doc(hidden)]
    pub fn pim(&self) -> &PimIndex {
        &self.pim
    }
}
