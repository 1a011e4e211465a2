//! What an embedder and a CLI user pay per sign-in, beside the decision alone: `evaluate` (prepare
//! and the owned decision), `evaluate_borrowed` written as JSON (prepare, the borrowed decision and
//! its bytes), `evaluate` with explain written as JSON, the borrowed decision's explained bytes
//! (what `eval --explain` writes), and a text line parsed,
//! decided and written (the CLI's work without I/O). On the example tenant, and on the tenant at
//! Entra's limits with 20,000 distinct requests in turn (cold caches).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jitgate::unstable::generate::{self, DEFAULT_SEED, TenantSize};
use jitgate::unstable::{Diagnostics, SignInReader, parse_sign_in, parse_str};
use jitgate::{Explain, SignInRequest, Snapshot, Tenant};

fn bench(c: &mut Criterion, name: &str, tenant: Tenant, texts: Vec<String>) {
    let requests: Vec<SignInRequest> = common::parse(texts.iter().cloned());
    let snapshot = Snapshot::compile(tenant);
    let mut group = c.benchmark_group(format!("full_path/{name}"));
    let mut i = 0usize;
    group.bench_function("decide_only", |b| {
        let prepared: Vec<_> = requests
            .iter()
            .map(|r| snapshot.compiled().prepare(r))
            .collect();
        b.iter(|| {
            i = (i + 1) % prepared.len();
            black_box(snapshot.compiled().decide(black_box(&prepared[i])))
        })
    });
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            black_box(snapshot.evaluate(black_box(&requests[i]), Explain::None))
        })
    });
    let mut buf = Vec::with_capacity(64 << 10);
    group.bench_function("evaluate_borrowed_json", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            buf.clear();
            snapshot
                .evaluate_borrowed(black_box(&requests[i]))
                .write_json(&mut buf);
            black_box(buf.len())
        })
    });
    group.bench_function("evaluate_explain_json", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            buf.clear();
            snapshot
                .evaluate(black_box(&requests[i]), Explain::Policies)
                .write_json(&mut buf);
            black_box(buf.len())
        })
    });
    group.bench_function("evaluate_borrowed_explained_json", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            buf.clear();
            snapshot
                .evaluate_borrowed(black_box(&requests[i]))
                .write_json_explained(&mut buf);
            black_box(buf.len())
        })
    });
    let now = jiff::Timestamp::from_second(1_780_000_000).unwrap();
    // The CLI's workers read each line into one reused request.
    let mut reader = SignInReader::new();
    group.bench_function("cli_line", |b| {
        b.iter(|| {
            i = (i + 1) % texts.len();
            buf.clear();
            // As the CLI reads a line: in one pass when it is in the common form, else the
            // tolerant way.
            let text = black_box(&texts[i]);
            let mut d = Diagnostics::new("line");
            let r = match reader.read_common(&mut d, text, Some(now)) {
                Some(read) => read.map(Cow::Borrowed),
                None => parse_sign_in(&mut d, &parse_str(text).unwrap(), Some(now)).map(Cow::Owned),
            }
            .unwrap();
            snapshot.evaluate_borrowed(&r).write_json(&mut buf);
            black_box(buf.len())
        })
    });
    group.finish();
}

fn full_path(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tenant = jitgate::load(&root.join("examples/tenant")).unwrap();
    let texts: Vec<String> = std::fs::read_to_string(root.join("examples/signins.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    bench(c, "example", tenant, texts);
    let size = TenantSize::LIMITS;
    let bundle = generate::tenant(size, DEFAULT_SEED);
    let tenant = jitgate::load_bundle_bytes("limits.json", bundle.to_string().as_bytes()).unwrap();
    let texts = generate::requests(size, 20_000, DEFAULT_SEED)
        .iter()
        .map(|v| v.to_string())
        .collect();
    bench(c, "limits_20k_distinct", tenant, texts);
}

criterion_group!(benches, full_path);
criterion_main!(benches);
