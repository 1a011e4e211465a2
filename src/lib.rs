//! jitgate decides, offline and fast, what Microsoft Entra Conditional Access and Privileged
//! Identity Management would decide.
//!
//! Load a tenant exported from Microsoft Graph ([`load`]), check it ([`validate`]), compile it
//! into a [`Snapshot`] (or serve it from an [`Engine`] that swaps snapshots without blocking
//! readers), and decide sign-ins ([`SignInRequest`] → [`SignInDecision`]) and just-in-time
//! activations ([`ActivationRequest`] → [`ActivationDecision`]). The [`ReferenceEvaluator`]
//! gives the same decisions by a plain reading of the specification, for cross-checking.
//!
//! What Entra decides is specified in `docs/SEMANTICS.md`, which ships with the crate's source;
//! every `§` reference in these docs and in the code points there.
//!
//! ```no_run
//! use jitgate::{Engine, Explain, SignInRequest};
//!
//! let engine = Engine::new(jitgate::load("examples/tenant".as_ref())?);
//! let request = SignInRequest::user("3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03")
//!     .app("00000003-0000-0ff1-ce00-000000000000")
//!     .at("2026-03-02T09:00:00Z".parse()?)
//!     .build()?;
//! let decision = engine.evaluate(&request, Explain::None);
//! println!("{} ({} requirements)", decision.decision.as_str(), decision.requirements.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The library builds without the command-line tool: depend on it with
//! `default-features = false`.

mod analysis;
mod diag;
mod engine;
mod filter;
mod hashing;
mod json;
mod load;
mod model;
mod pim;
mod reference;
mod signin;
mod signinlog;
mod snapshot;
mod testsuite;
#[doc(hidden)]
pub mod unstable;
mod validate;

pub use analysis::{
    Classification, DiffOptions, DiffRegion, DiffReport, DiffSide, Dimension, GapOptions,
    GapRegion, GapReport, IdentityKind, MAX_DEVICE_CANDIDATES, PROTECTION_NAMES, Protection,
    RegionDimension, SessionProfile, diff,
};
pub use diag::{Diagnostic, RequestError, Severity};
pub use engine::{Engine, PublishError};
pub use load::{
    LoadError, LoadOptions, LoadReport, load, load_bundle_bytes, load_bundle_bytes_with,
    load_report, load_report_with, load_with,
};
pub use model::Tenant;
pub use model::activation::{ActivationRequest, ActivationRequestBuilder};
pub use model::enums::{
    AccessId, AuthMethod, ClientAppType, GuestType, InsiderRiskLevel, Platform, RiskLevel,
    ScheduleAction, TransferMethod, UserAction,
};
pub use model::request::{
    DeviceInfo, Identity, Session, SignInConditions, SignInContext, SignInRequest,
    SignInRequestBuilder,
};
pub use model::revision::Revision;
pub use model::strength::Certificate;
pub use pim::decision::{ActivationDecision, ActivationOutcome};
pub use reference::ReferenceEvaluator;
pub use signin::compiled::BorrowedDecision;
pub use signin::decision::{
    CaStatus, Decision, DenyReason, EffectiveSessionControls, EvaluationOptions, Explain, Outcome,
    PolicyResult, PolicyResultKind, Requirement, RequirementItem, SignInDecision,
};
pub use signinlog::{
    Agreement, AgreementLevel, LoggedPolicy, MappedSignIn, PolicyDifference, RawRecord,
    RecordError, RecordPlace, Records as SignInLogRecords, SignInLogError,
    device_attributes_logs_lack,
};
pub use snapshot::Snapshot;
pub use testsuite::{
    CaseKind, CaseReport, CaseStatus, Coverage, MAX_TEST_FILE_BYTES, MAX_TEST_FILES, Mismatch,
    PolicyCoverage, TestCase, TestFileError, TestOptions, TestReport, TestSuite, TestSyntax,
    run_test_files, run_tests,
};
pub use validate::{AppGroupMember, AppGroupReport, ValidateOptions, ValidationReport, validate};

/// The README's code examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
