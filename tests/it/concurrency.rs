//! The engine under concurrent publishing (DESIGN.md "Concurrency"): readers calling
//! `Engine::evaluate_batch`, `Engine::evaluate` and `Engine::snapshot` while a publisher swaps
//! between two tenants whose decisions differ.
//!
//! - every batch is decided on one snapshot: all its decisions carry one revision and equal the
//!   decisions expected for that revision;
//! - nothing deadlocks (the whole run must finish within a deadline);
//! - replaced snapshots are freed once no reader holds them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Weak, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use jitgate::Explain;
use jitgate::{Decision, Engine, Revision, SignInRequest, Snapshot, Tenant};

const PUBLISHES: usize = 200;
const READERS: usize = 3;
/// Requests per batch: enough for several rayon chunks.
const BATCH: usize = 2_100;
/// Snapshots whose release is checked: the first ones published.
const WATCHED: usize = 10;
const DEADLINE: Duration = Duration::from_secs(60);

const USER: &str = "11111111-0000-0000-0000-000000000001";
const LOB: &str = "5e1f7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const EXO: &str = "00000002-0000-0ff1-ce00-000000000000";
const T: &str = "2025-03-03T09:15:00Z";

fn tenant(policy: Value) -> Tenant {
    let bundle = json!({
        "conditionalAccessPolicies": [policy],
        "directory": { "users": [{ "id": USER }] }
    });
    crate::common::lenient_bytes("t.json", bundle.to_string().as_bytes()).unwrap()
}

/// Tenant A: MFA for all users on all apps.
fn tenant_a() -> Tenant {
    tenant(json!({
        "id": "aaaaaaaa-0000-0000-0000-000000000001",
        "displayName": "MFA for everyone",
        "state": "enabled",
        "conditions": {
            "users": { "includeUsers": ["All"] },
            "applications": { "includeApplications": ["All"] }
        },
        "grantControls": { "operator": "OR", "builtInControls": ["mfa"] }
    }))
}

/// Tenant B: block the line-of-business app only.
fn tenant_b() -> Tenant {
    tenant(json!({
        "id": "aaaaaaaa-0000-0000-0000-000000000002",
        "displayName": "Block LOB",
        "state": "enabled",
        "conditions": {
            "users": { "includeUsers": ["All"] },
            "applications": { "includeApplications": [LOB] }
        },
        "grantControls": { "operator": "OR", "builtInControls": ["block"] }
    }))
}

fn request(app: &str, mfa_done: bool) -> SignInRequest {
    let methods = if mfa_done {
        json!(["password", "microsoftAuthenticatorPush"])
    } else {
        json!(["password"])
    };
    let body = json!({
        "signInIdentity": { "@odata.type": "#microsoft.graph.userSignIn", "userId": USER },
        "signInContext": {
            "@odata.type": "#microsoft.graph.applicationContext",
            "includeApplications": [app]
        },
        "session": {
            "time": T,
            "authenticationMethods": methods,
            "lastAuthenticatedDateTime": "2025-03-03T09:14:00Z"
        }
    });
    SignInRequest::from_json(&body.to_string()).unwrap()
}

/// The four request shapes, repeated to [`BATCH`].
fn requests() -> Vec<SignInRequest> {
    let shapes = [
        request(LOB, false),
        request(LOB, true),
        request(EXO, false),
        request(EXO, true),
    ];
    (0..BATCH)
        .map(|i| shapes[i % shapes.len()].clone())
        .collect()
}

/// Decisions of `tenant` for `requests`, with the tenant's revision.
fn expected(tenant: &Tenant, requests: &[SignInRequest]) -> (Revision, Vec<Decision>) {
    let snapshot = Snapshot::compile(tenant.clone());
    let decisions = requests
        .iter()
        .map(|r| snapshot.evaluate(r, Explain::None).decision)
        .collect();
    (snapshot.revision(), decisions)
}

#[test]
fn readers_see_whole_snapshots_while_publishing() {
    let (done_tx, done_rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        run();
        done_tx.send(()).unwrap();
    });
    match done_rx.recv_timeout(DEADLINE) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The worker panicked: report its panic.
            worker.join().unwrap();
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("readers and publisher did not finish within {DEADLINE:?}: deadlock?")
        }
    }
}

fn run() {
    let a = tenant_a();
    let b = tenant_b();
    let reqs = Arc::new(requests());
    let (rev_a, exp_a) = expected(&a, &reqs);
    let (rev_b, exp_b) = expected(&b, &reqs);
    assert_ne!(
        rev_a, rev_b,
        "the two tenants must have different revisions"
    );
    // SEMANTICS §3.13, §6: A asks for MFA everywhere; B blocks LOB only.
    assert_eq!(
        &exp_a[..4],
        [
            Decision::StepUp,
            Decision::Allow,
            Decision::StepUp,
            Decision::Allow
        ]
    );
    assert_eq!(
        &exp_b[..4],
        [
            Decision::Deny,
            Decision::Deny,
            Decision::Allow,
            Decision::Allow
        ]
    );
    let expected: Arc<HashMap<Revision, Vec<Decision>>> =
        Arc::new(HashMap::from([(rev_a, exp_a), (rev_b, exp_b)]));

    let engine = Arc::new(Engine::new(a.clone()));
    let mut watched: Vec<Weak<Snapshot>> = vec![Arc::downgrade(&engine.snapshot())];
    let publishing = Arc::new(AtomicBool::new(true));
    let batches = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(READERS + 1));

    let readers: Vec<_> = (0..READERS)
        .map(|k| {
            let engine = Arc::clone(&engine);
            let reqs = Arc::clone(&reqs);
            let expected = Arc::clone(&expected);
            let publishing = Arc::clone(&publishing);
            let batches = Arc::clone(&batches);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut seen: HashMap<Revision, usize> = HashMap::new();
                let mut last_round = false;
                loop {
                    // A batch: one snapshot from start to end.
                    let out = engine.evaluate_batch(&reqs, Explain::None);
                    assert_eq!(out.len(), reqs.len());
                    let revision = out[0].revision.expect("decisions carry a revision");
                    assert!(
                        out.iter().all(|d| d.revision.as_ref() == Some(&revision)),
                        "reader {k}: one batch mixed revisions"
                    );
                    let want = expected
                        .get(&revision)
                        .unwrap_or_else(|| panic!("reader {k}: unexpected revision {revision}"));
                    for (i, (d, w)) in out.iter().zip(want).enumerate() {
                        assert_eq!(
                            d.decision, *w,
                            "reader {k}: request {i} under revision {revision}"
                        );
                    }
                    *seen.entry(revision).or_default() += 1;
                    batches.fetch_add(1, Ordering::SeqCst);

                    // A held snapshot stays consistent with itself while others are published.
                    let held = engine.snapshot();
                    let want = &expected[&held.revision()];
                    for (i, r) in reqs.iter().take(8).enumerate() {
                        let d = held.evaluate(r, Explain::None);
                        assert_eq!(d.revision, Some(held.revision()));
                        assert_eq!(
                            d.decision, want[i],
                            "reader {k}: held snapshot, request {i}"
                        );
                    }
                    drop(held);

                    // Single evaluations land on one of the two revisions.
                    let d = engine.evaluate(&reqs[0], Explain::None);
                    let rev = d.revision.unwrap();
                    assert_eq!(d.decision, expected[&rev][0], "reader {k}: evaluate");

                    if last_round {
                        break;
                    }
                    if !publishing.load(Ordering::SeqCst) {
                        last_round = true;
                    }
                }
                seen
            })
        })
        .collect();

    start.wait();
    let publisher_started = Instant::now();
    for i in 0..PUBLISHES {
        let before = batches.load(Ordering::SeqCst);
        let next = if i % 2 == 0 { b.clone() } else { a.clone() };
        let revision = engine.publish(next).expect("the tenants validate");
        assert_eq!(&revision, if i % 2 == 0 { &rev_b } else { &rev_a });
        if watched.len() < WATCHED {
            watched.push(Arc::downgrade(&engine.snapshot()));
        }
        // Let the readers see this snapshot now and then, so that batches interleave with
        // publishes (bounded wait: a stuck reader is reported by the deadline).
        if i % 3 == 0 {
            let wait_from = Instant::now();
            while batches.load(Ordering::SeqCst) == before
                && wait_from.elapsed() < Duration::from_secs(5)
            {
                thread::sleep(Duration::from_micros(200));
            }
        }
    }
    publishing.store(false, Ordering::SeqCst);
    let publish_time = publisher_started.elapsed();

    let mut seen: HashMap<Revision, usize> = HashMap::new();
    for r in readers {
        for (rev, n) in r.join().expect("a reader panicked") {
            *seen.entry(rev).or_default() += n;
        }
    }
    let total: usize = seen.values().sum();
    eprintln!(
        "concurrency: {PUBLISHES} publishes in {publish_time:.1?}, {total} batches of {BATCH} \
         ({} on A, {} on B)",
        seen.get(&rev_a).copied().unwrap_or(0),
        seen.get(&rev_b).copied().unwrap_or(0)
    );
    assert!(
        seen.contains_key(&rev_a) && seen.contains_key(&rev_b),
        "readers saw only {seen:?}"
    );

    // PUBLISHES is even: the last tenant published is A.
    assert_eq!(engine.revision(), rev_a);
    // Every snapshot replaced early on has been freed: no reader, batch or rayon task holds it.
    let live = watched.iter().filter(|w| w.upgrade().is_some()).count();
    assert_eq!(
        live,
        0,
        "{live} of {} replaced snapshots are still alive",
        watched.len()
    );
}

/// A reader that holds the last reference to a swapped-out snapshot does not free it: the engine
/// keeps it and frees it on a later publish, on the publisher's thread.
#[test]
fn the_publisher_frees_old_snapshots_not_the_reader() {
    let engine = Engine::new(tenant_a());
    let held = engine.snapshot();
    engine.publish(tenant_b()).unwrap();
    // The reader still holds A: the engine keeps its own reference.
    assert_eq!(engine.retired(), 1);
    assert_eq!(Arc::strong_count(&held), 2);
    // The reader lets go; its drop is not the last one.
    drop(held);
    engine.publish(tenant_a()).unwrap();
    // A (no reader) and B (swapped out just now, no reader) are both freed by this publish.
    assert_eq!(engine.retired(), 0);
    // Guards from `evaluate` never pin a snapshot.
    let _ = engine.evaluate(&request(EXO, false), jitgate::Explain::None);
    engine.publish(tenant_b()).unwrap();
    assert_eq!(engine.retired(), 0);
}

/// `publish` called from rayon tasks (the global pool) that each hold a lock their siblings
/// want finishes: the compile is waited for on a thread of its own, so a task waiting for its
/// compile never runs a sibling task on the same thread (which would take the lock again).
#[test]
fn publishing_from_rayon_tasks_that_hold_a_lock_finishes() {
    use rayon::prelude::*;
    let engine = Arc::new(Engine::new(tenant_a()));
    let (done, finished) = mpsc::channel();
    let publisher = engine.clone();
    thread::spawn(move || {
        let lock = std::sync::Mutex::new(0usize);
        (0..8).into_par_iter().for_each(|i| {
            let mut published = lock.lock().unwrap();
            let tenant = if i % 2 == 0 { tenant_b() } else { tenant_a() };
            publisher.publish(tenant).unwrap();
            *published += 1;
        });
        done.send(lock.into_inner().unwrap()).unwrap();
    });
    let published = finished
        .recv_timeout(Duration::from_secs(120))
        .expect("every publish from a rayon task finished");
    assert_eq!(published, 8);
    let revision = engine.snapshot().revision();
    assert!(
        [tenant_a(), tenant_b()]
            .into_iter()
            .any(|t| Snapshot::compile(t).revision() == revision)
    );
}
