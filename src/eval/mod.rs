//! Sign-in decisions: the request and decision types shared by both evaluators.

pub mod combine;
pub mod decision;

pub use decision::{
    CaStatus, Decision, DenyReason, EffectiveSessionControls, Outcome, PolicyResult,
    PolicyResultKind, Requirement, RequirementItem, SignInDecision,
};
