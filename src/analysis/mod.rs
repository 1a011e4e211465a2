//! Condition-space analysis (docs/SEMANTICS.md §13): every gap and every change, exactly.
//!
//! The compiled table already splits each condition dimension into classes of values that no
//! policy tells apart. Enumerating those classes, not individual sign-ins, makes the answer
//! complete: [`Snapshot::gaps`](crate::Snapshot::gaps) walks them depth first and stops as soon
//! as no protecting policy can still apply, and [`diff`] stops as soon as the policies still in
//! scope on both sides behave alike. Each region found carries a witness: a What If body that
//! lies in it, decided by the engine.

mod build;
mod devices;
pub(crate) mod diff;
mod diff_walk;
mod gaps;
mod region;
mod report;
mod space;
mod values;

pub use devices::MAX_DEVICE_CANDIDATES;
pub use diff::{DiffOptions, DiffRegion, DiffReport, DiffSide, SessionProfile, diff};
pub use gaps::{Classification, GapOptions, GapRegion, GapReport, PROTECTION_NAMES, Protection};
pub use region::{IdentityKind, RegionDimension};
pub use space::Dimension;
