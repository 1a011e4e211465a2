//! Tenants and requests the compiled engine's unit tests check their fast paths against: the
//! example tenant with its sign-ins, and generated tenants with generated sign-ins.

#![cfg(test)]
#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use crate::unstable::generate::{self, TenantSize};
use crate::{SignInRequest, Tenant};

/// The example tenant and its sign-ins.
pub(super) fn example() -> (Tenant, Vec<SignInRequest>) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tenant = crate::load(&root.join("examples/tenant")).unwrap();
    let text = std::fs::read_to_string(root.join("examples/signins.jsonl")).unwrap();
    let requests = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| SignInRequest::from_json(l).unwrap())
        .collect();
    (tenant, requests)
}

/// A generated tenant of `size` and those of `count` generated sign-ins that read, at a fixed
/// instant.
pub(super) fn generated(size: TenantSize, seed: u64, count: usize) -> (Tenant, Vec<SignInRequest>) {
    let bundle = generate::tenant(size, seed);
    let tenant = crate::load_bundle_bytes("g.json", bundle.to_string().as_bytes()).unwrap();
    let now = jiff::Timestamp::from_second(1_780_000_000).unwrap();
    let requests = generate::requests(size, count, seed)
        .iter()
        .filter_map(|v| SignInRequest::from_json_at(&v.to_string(), now).ok())
        .collect();
    (tenant, requests)
}
