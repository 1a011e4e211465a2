//! jitgate decides, offline and fast, what Microsoft Entra Conditional Access and Privileged
//! Identity Management would decide.
//!
//! The crate reads a tenant exported from Microsoft Graph ([`load`]), checks it against Entra's
//! limits ([`validate`]), and decides sign-ins and just-in-time activations. What Entra decides is
//! specified in the project's `SEMANTICS.md`; this crate follows it field by field.
//!
//! ```no_run
//! use std::path::Path;
//!
//! let tenant = jitgate::load(Path::new("examples/tenant")).expect("a usable tenant");
//! let report = jitgate::validate(&tenant, false);
//! println!("{} policies, {} findings", tenant.policies.len(), report.findings.len());
//! ```

pub mod activation;
pub mod compile;
pub mod diag;
pub mod engine;
pub mod eval;
pub mod filter;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod generate;
pub mod json;
pub mod load;
pub mod model;
pub mod reference;
pub mod validate;

pub use activation::decision::{ActivationDecision, ActivationOutcome};
pub use activation::{PimIndex, activate};
pub use compile::Snapshot;
pub use diag::{Diagnostic, Severity};
pub use engine::{Engine, PublishError};
pub use eval::{Decision, SignInDecision};
pub use load::{LoadError, LoadReport, load, load_bundle_bytes, load_report};
pub use model::Tenant;
pub use model::activation::{ActivationRequest, parse_activation};
pub use model::request::{SignInRequest, parse_sign_in};
pub use reference::ReferenceEvaluator;
pub use validate::{ValidationReport, validate};

/// The README's code examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
