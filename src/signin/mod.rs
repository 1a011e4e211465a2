//! Sign-in decisions (docs/SEMANTICS.md §3–§7): the decision types and their combination, the
//! reference evaluator, and the compiled policy table.

pub mod combine;
pub mod compiled;
pub mod decision;
pub(crate) mod json_out;
pub mod reference;
