//! [`ReferenceEvaluator`]: the naive oracle for sign-ins and activations.

use std::sync::OnceLock;

use crate::model::Tenant;
use crate::model::activation::ActivationRequest;
use crate::model::request::SignInRequest;
use crate::model::revision::Revision;
use crate::pim::PimIndex;
use crate::pim::decision::ActivationDecision;
use crate::signin::decision::{EvaluationOptions, Explain, SignInDecision};
use crate::signin::reference::SignInReference;

/// The reference evaluator: a deliberately plain reading of docs/SEMANTICS.md, one policy at a time,
/// over the [`Tenant`] model. It is the oracle the compiled [`crate::Snapshot`] is tested
/// against; it gives the same decisions, only slower.
///
/// ```no_run
/// use jitgate::{Explain, ReferenceEvaluator, SignInRequest};
///
/// let tenant = jitgate::load("examples/tenant".as_ref())?;
/// let reference = ReferenceEvaluator::new(&tenant);
/// let request = SignInRequest::user("3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03")
///     .app("00000003-0000-0ff1-ce00-000000000000")
///     .at("2026-03-02T09:00:00Z".parse()?)
///     .build()?;
/// println!("{}", reference.evaluate(&request, Explain::Policies).decision.as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ReferenceEvaluator<'t> {
    sign_in: SignInReference<'t>,
    /// Built on the first activation: sign-in-only callers never pay for it.
    pim: OnceLock<PimIndex>,
}

impl<'t> ReferenceEvaluator<'t> {
    /// An evaluator reading `tenant` directly.
    pub fn new(tenant: &'t Tenant) -> Self {
        ReferenceEvaluator {
            sign_in: SignInReference::new(tenant),
            pim: OnceLock::new(),
        }
    }

    /// Decides a sign-in (docs/SEMANTICS.md §6) with an [`Explain`] level or full
    /// [`EvaluationOptions`]. The request's own warnings lead the decision's.
    pub fn evaluate(
        &self,
        request: &SignInRequest,
        options: impl Into<EvaluationOptions>,
    ) -> SignInDecision {
        let mut decision = self
            .sign_in
            .evaluate_selected(request, options.into(), |_| true);
        request.merge_warnings(&mut decision.warnings);
        decision
    }

    /// Decides a PIM activation (docs/SEMANTICS.md §10), with this evaluator for the
    /// authentication-context step.
    pub fn activate(&self, request: &ActivationRequest, explain: Explain) -> ActivationDecision {
        let tenant = self.sign_in.tenant();
        let index = self.pim.get_or_init(|| PimIndex::build(tenant));
        let mut decision = crate::pim::activate(tenant, index, request, &|sign_in, select| {
            self.sign_in.evaluate_with(sign_in, true, select)
        });
        decision.revision = Some(self.sign_in.revision());
        crate::pim::finish(&mut decision, request, explain);
        decision
    }

    /// Decides a sign-in against only the policies `select` keeps, explained (the
    /// authentication-context step of an activation does this); for differential tests.
    #[doc(hidden)]
    pub fn evaluate_selected(
        &self,
        request: &SignInRequest,
        select: impl Fn(&crate::model::Policy) -> bool,
    ) -> SignInDecision {
        self.sign_in.evaluate_with(request, true, select)
    }

    /// The content hash of the tenant ([`Tenant::revision`]).
    pub fn revision(&self) -> Revision {
        self.sign_in.revision()
    }

    /// The tenant this evaluator reads.
    pub fn tenant(&self) -> &'t Tenant {
        self.sign_in.tenant()
    }
}
