//! Decision latency while another thread publishes snapshots continuously, against the same
//! readers with no publisher: readers must not block on swaps.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use jitgate::Engine;
use std::hint::black_box;

fn swap_latency(c: &mut Criterion) {
    let (tenant, requests) = common::example();
    let engine = Arc::new(Engine::new(tenant.clone()));
    let mut group = c.benchmark_group("swap_latency/example");
    let mut i = 0usize;
    group.bench_function("no_publisher", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            let s = engine.snapshot();
            black_box(s.compiled().decide(&s.compiled().prepare(&requests[i])))
        })
    });
    let stop = Arc::new(AtomicBool::new(false));
    let publisher = {
        let (engine, stop, tenant) = (engine.clone(), stop.clone(), tenant.clone());
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                engine.publish(tenant.clone()).unwrap();
                swaps += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            swaps
        })
    };
    let mut j = 0usize;
    group.bench_function("publisher_100_per_second", |b| {
        b.iter(|| {
            j = (j + 1) % requests.len();
            let s = engine.snapshot();
            black_box(s.compiled().decide(&s.compiled().prepare(&requests[j])))
        })
    });
    stop.store(true, Ordering::Relaxed);
    let swaps = publisher.join().unwrap();
    eprintln!("publisher swapped {swaps} snapshots");
    group.finish();
}

criterion_group!(benches, swap_latency);
criterion_main!(benches);
