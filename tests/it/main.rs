//! jitgate's integration tests, in one binary (one link instead of one per file): a module per
//! feature, with shared support in `common` (tenants, requests, the CLI) and `activation_common`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod activation_common;
mod common;

mod activation_guidance;
mod activation_rules;
mod analysis;
mod cli_bounds;
mod completeness;
mod concurrency;
mod corpus;
mod corpus_decisions;
mod differential;
mod differential_regressions;
mod embed_example;
mod engine_activation;
mod examples_activation;
mod examples_signin;
mod fail_closed;
mod foreign_exports;
mod hostile;
mod json_output;
mod layout;
mod loading;
mod missing_data;
mod policy_tests;
mod replay;
mod requests;
mod signin_conditions;
mod signin_devices;
mod signin_example;
mod signin_grants;
mod signin_results;
mod signin_session;
mod signin_targets;
mod signin_users;
mod signin_workload;
mod validation;
mod whatif;
