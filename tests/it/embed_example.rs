//! `examples/embed.rs` (the README's library example) runs and decides what EXPECTED.md says for
//! Chloe on SharePoint from an untrusted address with a password only.

#[path = "../../examples/embed.rs"]
#[allow(dead_code)]
mod embed;

use jitgate::{Decision, RequirementItem};

#[test]
fn the_readme_example_steps_up_for_reauthentication_and_mfa() {
    let decision = embed::decide().unwrap();
    assert_eq!(decision.decision, Decision::StepUp);
    let items: Vec<&RequirementItem> = decision
        .requirements
        .iter()
        .flat_map(|r| &r.any_of)
        .collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(items[0], RequirementItem::Reauthentication { .. }));
    assert_eq!(items[1], &RequirementItem::Mfa);
    for r in &decision.requirements {
        assert_eq!(r.policy_ids, ["c4a10001-5d2e-4b6f-8a7c-0e1f2a3b4c01"]);
    }
    assert!(decision.deny_reasons.is_empty());
    assert!(decision.policies.is_none(), "no explain was asked for");
}
