//! Internals for jitgate's own benches, fuzz targets, tests and CLI: no stability promise.
//!
//! Nothing here is part of the public API; it may change in any release.

#[cfg(feature = "fuzzing")]
pub mod fuzzing;
#[cfg(feature = "cli")]
pub mod generate;
#[cfg(feature = "cli")]
pub mod signinlogs;

pub use crate::analysis::diff::outcome as diff_outcome;
pub use crate::diag::Diagnostics;
pub use crate::json::{Json, decode, parse_bytes, parse_str};
pub use crate::model::activation::parse_activation;
pub use crate::model::request::{SignInReader, parse_sign_in, parse_sign_in_common};
pub use crate::pim::PimIndex;
pub use crate::pim::decision::{CodeReason, ConditionalAccessOut, ErrorOut};
pub use crate::signin::compiled::{Bits, CompiledPolicies, Prepared};
pub use crate::signin::decision::reasons;
/// Appends a JSON string, escaped as `serde_json` escapes it (plain text copied as it is).
pub use crate::signin::json_out::string as write_json_string;
/// Lines read a block at a time, each a range of its block (the request and record readers
/// share it).
pub use crate::signinlog::{Line as BlockLine, LineBlocks, LineSpan};
pub use crate::validate::{TenantCounts, limits};

/// The tenant model: Graph objects read into typed Rust.
pub mod model {
    pub use crate::model::app_groups::*;
    pub use crate::model::directory::*;
    pub use crate::model::enums::*;
    pub use crate::model::ids::{IdRef, Keyword};
    pub use crate::model::location::*;
    pub use crate::model::pim::*;
    pub use crate::model::policy::*;
    pub use crate::model::strength::*;
    pub use crate::model::{Pim, Policy, Tenant};
}

/// The filter rule language (device, application and service principal filters).
pub mod filter {
    pub use crate::filter::*;
}
