//! What `jitgate replay` pays per logged sign-in: a generated Graph `signIn` record's text (about
//! 4.3 KB, 17 applied policies) parsed for the fields the mapping reads, mapped to a request,
//! decided, compared with the logged results (from the policy sets; a record that differs is
//! explained and compared policy by policy, as the CLI does), and a summary of the agreement
//! serialised (the CLI's line has a few more fields);
//! beside it, the mapping alone, and the comparison through the explained decision for every
//! record (what replay did before). On the example tenant. The CLI's records/s on a
//! million records is in the README's table (`jitgate replay`, 2 threads).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jitgate::{Explain, MappedSignIn, Snapshot};

fn replay(c: &mut Criterion) {
    let tenant =
        jitgate::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tenant").as_ref()).unwrap();
    let texts: Vec<String> = jitgate::unstable::signinlogs::sign_in_logs(&tenant, 2000, 3)
        .iter()
        .map(|r| r.to_string())
        .collect();
    let snapshot = Snapshot::compile(tenant);
    let mut group = c.benchmark_group("replay_throughput/example");
    group.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    group.bench_function("map_only", |b| {
        b.iter(|| {
            i = (i + 1) % texts.len();
            black_box(MappedSignIn::from_sign_in_log_json(black_box(&texts[i])).unwrap())
        })
    });
    let mut out = Vec::with_capacity(4096);
    group.bench_function("record_full_path", |b| {
        b.iter(|| {
            i = (i + 1) % texts.len();
            let mapped = MappedSignIn::from_sign_in_log_json(black_box(&texts[i])).unwrap();
            let quick = snapshot.evaluate_borrowed(&mapped.request);
            out.clear();
            if mapped.fully_agrees(&quick) {
                serde_json::to_writer(
                    &mut out,
                    &(
                        quick.decision(),
                        quick.conditional_access_status(),
                        &mapped.status,
                    ),
                )
                .unwrap();
            } else {
                let decision = snapshot.evaluate(&mapped.request, Explain::Policies);
                serde_json::to_writer(&mut out, &mapped.compare(&decision)).unwrap();
            }
            black_box(out.len())
        })
    });
    group.bench_function("record_explained", |b| {
        b.iter(|| {
            i = (i + 1) % texts.len();
            let mapped = MappedSignIn::from_sign_in_log_json(black_box(&texts[i])).unwrap();
            let decision = snapshot.evaluate(&mapped.request, Explain::Policies);
            let agreement = mapped.compare(&decision);
            out.clear();
            serde_json::to_writer(&mut out, &agreement).unwrap();
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
