//! `Engine::activate` and `Engine::activate_batch` decide on the current snapshot, in input order,
//! exactly as the reference evaluator does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use jitgate::{ActivationOutcome, ActivationRequest, Engine, Explain, ReferenceEvaluator};

#[test]
fn engine_activation_batch_matches_the_reference_in_order() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tenant = jitgate::load(&root.join("examples/tenant")).unwrap();
    let text = std::fs::read_to_string(root.join("examples/activations.jsonl")).unwrap();
    let requests: Vec<_> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| ActivationRequest::from_json(l).unwrap())
        .collect();
    let engine = Engine::new(tenant.clone());
    let batch = engine.activate_batch(&requests, Explain::Policies);
    assert_eq!(batch.len(), requests.len());
    let reference = ReferenceEvaluator::new(&tenant);
    for (req, got) in requests.iter().zip(&batch) {
        let want = reference.activate(req, Explain::Policies);
        assert_eq!(
            serde_json::to_string(got).unwrap(),
            serde_json::to_string(&want).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&engine.activate(req, Explain::Policies)).unwrap(),
            serde_json::to_string(&want).unwrap()
        );
        assert_eq!(got.revision, Some(engine.revision()));
    }
    let outcomes: Vec<ActivationOutcome> = batch.iter().map(|d| d.decision).collect();
    for kind in [
        ActivationOutcome::Allow,
        ActivationOutcome::StepUp,
        ActivationOutcome::PendingApproval,
        ActivationOutcome::Deny,
    ] {
        assert!(
            outcomes.contains(&kind),
            "the example activations include {kind:?}"
        );
    }
}
