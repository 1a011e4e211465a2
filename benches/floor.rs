//! The floor under `prepare` + `decide` on the tenant at Entra's limits, 20,000 distinct
//! requests in turn (caches cold): the least any engine must do per sign-in, which is to find the
//! user among 100,000 (one hash lookup of the id string) and the address among 390,000 IPv4
//! ranges (one binary search), done here on plain tables, beside jitgate's own prepare + decide
//! on the same requests.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::net::Ipv4Addr;

use ahash::AHashMap;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jitgate::unstable::generate::{self, DEFAULT_SEED, TenantSize};
use jitgate::unstable::{Diagnostics, parse_sign_in, parse_str};
use jitgate::{SignInRequest, Snapshot};
use serde_json::Value;

const REQUESTS: usize = 20_000;

fn floor(c: &mut Criterion) {
    let size = TenantSize::LIMITS;
    let bundle = generate::tenant(size, DEFAULT_SEED);
    let raw = generate::requests(size, REQUESTS, DEFAULT_SEED);
    // The floor's tables: user ids, and IPv4 range starts with their ends, sorted.
    let users: AHashMap<String, u32> = bundle["directory"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, u)| (u["id"].as_str().unwrap().to_owned(), i as u32))
        .collect();
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for l in bundle["namedLocations"].as_array().unwrap() {
        for r in l["ipRanges"].as_array().into_iter().flatten() {
            let Ok(net) = r["cidrAddress"].as_str().unwrap().parse::<ipnet::Ipv4Net>() else {
                continue;
            };
            ranges.push((u32::from(net.network()), u32::from(net.broadcast())));
        }
    }
    ranges.sort_unstable();
    let keys: Vec<(String, Option<u32>)> = raw
        .iter()
        .map(|r: &Value| {
            let user = r["signInIdentity"]["userId"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let ip = r["signInConditions"]["ipAddress"]
                .as_str()
                .and_then(|s| s.parse::<Ipv4Addr>().ok())
                .map(u32::from);
            (user, ip)
        })
        .collect();
    let tenant = jitgate::load_bundle_bytes("limits.json", bundle.to_string().as_bytes()).unwrap();
    let requests: Vec<SignInRequest> = raw
        .iter()
        .map(|v| {
            let text = v.to_string();
            let doc = parse_str(&text).unwrap();
            parse_sign_in(&mut Diagnostics::new("bench"), &doc, None).unwrap()
        })
        .collect();
    let snapshot = Snapshot::compile(tenant);

    let mut group = c.benchmark_group("floor/limits_20k_distinct");
    group.throughput(Throughput::Elements(REQUESTS as u64));
    group.sample_size(20);
    group.bench_function("user_lookup_and_ip_search", |b| {
        b.iter(|| {
            let mut found = 0u32;
            for (user, ip) in &keys {
                found =
                    found.wrapping_add(users.get(black_box(user.as_str())).copied().unwrap_or(0));
                if let Some(ip) = ip {
                    let i = ranges.partition_point(|(start, _)| *start <= *ip);
                    if i > 0 && ranges[i - 1].1 >= *ip {
                        found = found.wrapping_add(1);
                    }
                }
            }
            black_box(found)
        })
    });
    group.bench_function("jitgate_prepare_and_decide", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for r in &requests {
                let p = snapshot.compiled().prepare(black_box(r));
                n += snapshot.compiled().decide(&p) as usize;
            }
            black_box(n)
        })
    });
    group.finish();
}

criterion_group!(benches, floor);
criterion_main!(benches);
