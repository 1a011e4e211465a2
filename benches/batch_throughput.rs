//! Batch throughput on the tenant at Entra's limits: 100,000 prepared requests decided with rayon
//! at 1 and 2 threads.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jitgate::Snapshot;
use rayon::prelude::*;
use std::hint::black_box;

fn batch_throughput(c: &mut Criterion) {
    let (tenant, requests) = common::limits(100_000);
    let snapshot = Snapshot::compile(tenant);
    let prepared: Vec<_> = requests
        .iter()
        .map(|r| snapshot.compiled().prepare(r))
        .collect();
    let mut group = c.benchmark_group("batch_throughput/limits");
    group.throughput(Throughput::Elements(prepared.len() as u64));
    group.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| {
                pool.install(|| {
                    prepared
                        .par_iter()
                        .with_min_len(1024)
                        .map(|p| snapshot.compiled().decide(p) as usize)
                        .sum::<usize>()
                })
            })
        });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    group.bench_function("2_threads_prepare_and_decide", |b| {
        b.iter(|| {
            pool.install(|| {
                requests
                    .par_iter()
                    .with_min_len(1024)
                    .map(|r| snapshot.compiled().decide(&snapshot.compiled().prepare(r)) as usize)
                    .sum::<usize>()
            })
        })
    });
    group.finish();
    black_box(&prepared);
}

criterion_group!(benches, batch_throughput);
criterion_main!(benches);
