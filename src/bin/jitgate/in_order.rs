//! Deciding a stream of records on several threads, results in input order.
//!
//! Each worker takes the next batch of records from the shared source itself, decides it and
//! hands the results on; the calling thread puts the batches back in order and consumes them.
//! A batch is read, checked and decided on one core while its bytes are still in that core's
//! cache, and no thread waits at a barrier between batches. (A reader thread feeding a parallel
//! iterator moved every record between cores and left a core idle at the end of each block.)

use std::collections::BTreeMap;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::mpsc::sync_channel;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// How a source's items are gathered into batches.
#[derive(Clone, Copy, Debug)]
pub struct Batching {
    /// At most this many items a batch.
    pub items: usize,
    /// No more items once their sizes add up to this (the item that reaches it is the batch's
    /// last).
    pub size: usize,
    /// Batches taken but not yet consumed, at most (or one per worker, if there are more
    /// workers): the memory held is bounded by this many batches whatever one slow batch holds
    /// up.
    pub window: usize,
}

/// What the workers and the consumer share. The source has its own lock, held while a worker
/// reads a batch (which may wait on a pipe); the consumer never takes it, so it writes what is
/// decided while a read waits. The counts are atomics, and the window's gate a second lock.
struct Shared<I> {
    source: Mutex<I>,
    /// Batches taken (the next one's number); changed only under `source`'s lock.
    taken: AtomicUsize,
    /// Batches consumed (all those numbered below).
    consumed: AtomicUsize,
    /// The source has ended (or failed): no more batches.
    ended: AtomicBool,
    /// The consumer stopped: workers stop too.
    stopped: AtomicBool,
    /// Workers waiting at the gate for room in the window (only then is anyone woken).
    waiting: AtomicUsize,
    gate: Mutex<()>,
    room: Condvar,
    window: usize,
}

impl<I> Shared<I> {
    fn done(&self) -> bool {
        self.ended.load(SeqCst) || self.stopped.load(SeqCst)
    }

    /// Is the next batch's number outside the window?
    fn full(&self) -> bool {
        self.taken.load(SeqCst) >= self.consumed.load(SeqCst) + self.window
    }

    /// Waits until the window has room or the work is done.
    fn wait_for_room(&self) {
        let mut gate = lock(&self.gate);
        // Counted before the check: a consumer that misses the count made its change before
        // the check saw it.
        self.waiting.fetch_add(1, SeqCst);
        while !self.done() && self.full() {
            gate = self.room.wait(gate).unwrap_or_else(PoisonError::into_inner);
        }
        self.waiting.fetch_sub(1, SeqCst);
    }

    /// Wakes the workers waiting at the gate, if any, after a change to what they wait for.
    fn wake(&self) {
        if self.waiting.load(SeqCst) > 0 {
            // Taken once: a worker between its check and its wait holds it, so it is waiting
            // (and is woken) once this is had.
            drop(lock(&self.gate));
            self.room.notify_all();
        }
    }
}

/// Stops the work when the thread holding it panics: the batch it owed never comes, so the
/// others would otherwise wait for it (or for room behind it) for ever. The panic itself goes on
/// to the scope's end. (Only an unwinding build gets here: the release profile aborts on a
/// panic, but tests build with unwinding.)
struct StopOnPanic<'s, I>(&'s Shared<I>);

impl<I> Drop for StopOnPanic<'_, I> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stopped.store(true, SeqCst);
            self.0.wake();
        }
    }
}

/// A batch of records taken: its number, its records, and the error that ended the source
/// after them.
type Batch<X> = (usize, Vec<X>, Option<String>);

/// A decided batch: its number, its results, the bytes `decide` wrote for them (in order), and
/// the error that ended the source after them.
type Decided<T> = (usize, Vec<T>, Vec<u8>, Option<String>);

/// A decided batch waiting for those before it: its results, bytes and error.
type Waiting<T> = (Vec<T>, Vec<u8>, Option<String>);

/// Decides every item of `source` with `decide` on `workers` threads and passes each batch's
/// results, in input order, to `consume` on this thread, with the bytes `decide` wrote for the
/// batch's items (one buffer a batch, not an allocation an item) and the source's error (its
/// last item) after the results of the items before it. `size` gives an item's size for
/// [`Batching::size`]; a batch is also handed on, short, once `at_hand` says the source's next
/// item is not there yet (a pipe with nothing more at hand: what came is decided at once). Stops
/// early when `consume` fails, and returns that error, once the workers have finished what they
/// were doing: a worker whose read waits on a pipe that gives nothing more keeps this waiting,
/// so a caller that must end at once (a closed output) ends the process instead.
pub fn decide_in_order<I, R, T, E>(
    source: I,
    workers: usize,
    batching: Batching,
    at_hand: impl Fn(&mut I) -> bool + Sync,
    size: impl Fn(&R) -> usize + Sync,
    decide: impl Fn(&R, &mut Vec<u8>) -> T + Sync,
    mut consume: impl FnMut(Vec<T>, Vec<u8>, Option<String>) -> Result<(), E>,
) -> Result<(), E>
where
    I: Iterator<Item = Result<R, String>> + Send,
    R: Send,
    T: Send,
{
    let workers = workers.max(1);
    let window = batching.window.max(workers);
    let shared = Shared {
        source: Mutex::new(source),
        taken: AtomicUsize::new(0),
        consumed: AtomicUsize::new(0),
        ended: AtomicBool::new(false),
        stopped: AtomicBool::new(false),
        waiting: AtomicUsize::new(0),
        gate: Mutex::new(()),
        room: Condvar::new(),
        window,
    };
    let (shared, at_hand, size, decide) = (&shared, &at_hand, &size, &decide);
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Decided<T>>(window);
        for _ in 0..workers {
            let tx = tx.clone();
            scope.spawn(move || {
                let _stop = StopOnPanic(shared);
                // Sized from the batch before, which is most often about as long.
                let mut last_len = 0;
                while let Some((number, batch, fatal)) = take(shared, batching, at_hand, size) {
                    let mut bytes = Vec::with_capacity(last_len);
                    let results: Vec<T> = batch.iter().map(|r| decide(r, &mut bytes)).collect();
                    last_len = bytes.len();
                    // The records go before the results wait to be consumed.
                    drop(batch);
                    if tx.send((number, results, bytes, fatal)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let stop = StopOnPanic(shared);
        let mut waiting: BTreeMap<usize, Waiting<T>> = BTreeMap::new();
        let mut next = 0usize;
        let outcome = (|| {
            for (number, results, bytes, fatal) in &rx {
                waiting.insert(number, (results, bytes, fatal));
                while let Some((results, bytes, fatal)) = waiting.remove(&next) {
                    next += 1;
                    consume(results, bytes, fatal)?;
                    shared.consumed.store(next, SeqCst);
                    shared.wake();
                }
            }
            Ok(())
        })();
        if outcome.is_err() {
            shared.stopped.store(true, SeqCst);
            shared.wake();
        }
        // Dropping the receiver ends a worker waiting to send.
        drop(rx);
        drop(stop);
        outcome
    })
}

/// The next batch and its number, once the window has room for it; `None` when the source has
/// ended or the consumer stopped.
fn take<I, R>(
    shared: &Shared<I>,
    batching: Batching,
    at_hand: &impl Fn(&mut I) -> bool,
    size: &impl Fn(&R) -> usize,
) -> Option<Batch<R>>
where
    I: Iterator<Item = Result<R, String>>,
{
    let mut source = loop {
        if shared.done() {
            return None;
        }
        if shared.full() {
            shared.wait_for_room();
            continue;
        }
        let source = lock(&shared.source);
        // Another worker may have taken the last place while this one waited for the lock.
        if !shared.full() || shared.done() {
            break source;
        }
    };
    if shared.done() {
        return None;
    }
    let mut batch = Vec::with_capacity(batching.items.min(1024));
    let mut fatal = None;
    let mut bytes = 0usize;
    // Set when the batch ends before the source does.
    let mut more = false;
    // A stopped consumer is seen before each item, so a worker reading a long batch ends with
    // it (a read already waiting on a pipe still waits: see `decide_in_order`).
    while let Some(item) = (!shared.stopped.load(SeqCst))
        .then(|| source.next())
        .flatten()
    {
        match item {
            Ok(r) => {
                bytes = bytes.saturating_add(size(&r));
                batch.push(r);
            }
            Err(e) => {
                fatal = Some(e);
                break;
            }
        }
        if batch.len() >= batching.items || bytes >= batching.size || !at_hand(&mut source) {
            more = true;
            break;
        }
    }
    let number = shared.taken.load(SeqCst);
    if !more {
        shared.ended.store(true, SeqCst);
        // Waiting workers see the end.
        shared.wake();
        if batch.is_empty() && fatal.is_none() {
            return None;
        }
    }
    shared.taken.store(number + 1, SeqCst);
    drop(source);
    Some((number, batch, fatal))
}

fn lock<S>(m: &Mutex<S>) -> MutexGuard<'_, S> {
    // A worker that panicked holding the source's lock left the source between two items
    // (the gate guards nothing).
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]

    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SMALL: Batching = Batching {
        items: 7,
        size: 50,
        window: 3,
    };

    /// Items 0..n, each decided after a pause that varies, so batches finish out of order.
    fn decide_all(
        n: usize,
        workers: usize,
        batching: Batching,
    ) -> Vec<(Vec<usize>, Option<String>)> {
        let mut got = Vec::new();
        let out: Result<(), ()> = decide_in_order(
            (0..n).map(Ok),
            workers,
            batching,
            |_| true,
            |i| i % 13,
            |i, bytes| {
                std::thread::sleep(std::time::Duration::from_micros((*i as u64 * 37) % 200));
                bytes.extend_from_slice(format!("{i};").as_bytes());
                i * 2
            },
            |results, bytes, fatal| {
                // Each batch's bytes are those its items wrote, in their order.
                let written: String = results.iter().map(|r| format!("{};", r / 2)).collect();
                assert_eq!(String::from_utf8_lossy(&bytes), written);
                got.push((results, fatal));
                Ok(())
            },
        );
        out.unwrap();
        got
    }

    #[test]
    fn results_come_in_input_order_in_bounded_batches() {
        for workers in [1, 2, 4] {
            let got = decide_all(500, workers, SMALL);
            let flat: Vec<usize> = got.iter().flat_map(|(r, _)| r.clone()).collect();
            assert_eq!(
                flat,
                (0..500).map(|i| i * 2).collect::<Vec<_>>(),
                "{workers} workers"
            );
            for (results, fatal) in &got {
                assert!(fatal.is_none());
                assert!(!results.is_empty() && results.len() <= SMALL.items);
                // Sizes before the last item stay under the bound.
                let before: usize = results[..results.len() - 1]
                    .iter()
                    .map(|r| (r / 2) % 13)
                    .sum();
                assert!(before < SMALL.size, "{results:?}");
            }
        }
    }

    #[test]
    fn an_empty_source_gives_no_batch() {
        assert!(decide_all(0, 2, SMALL).is_empty());
        // A source that ends on a batch's edge gives no empty batch after it.
        let got = decide_all(
            14,
            2,
            Batching {
                items: 7,
                size: usize::MAX,
                window: 2,
            },
        );
        assert_eq!(got.iter().map(|(r, _)| r.len()).collect::<Vec<_>>(), [7, 7]);
    }

    #[test]
    fn a_batch_is_handed_on_when_the_next_item_is_not_at_hand() {
        /// Items 0..20; the source has nothing more at hand after items 4 and 11.
        struct Pipe(usize);
        impl Iterator for Pipe {
            type Item = Result<usize, String>;
            fn next(&mut self) -> Option<Self::Item> {
                (self.0 < 20).then(|| {
                    self.0 += 1;
                    Ok(self.0 - 1)
                })
            }
        }
        let mut got = Vec::new();
        let out: Result<(), ()> = decide_in_order(
            Pipe(0),
            1,
            Batching {
                items: 100,
                size: usize::MAX,
                window: 4,
            },
            |p: &mut Pipe| p.0 != 5 && p.0 != 12,
            |_| 0,
            |i, _| *i,
            |results, _, _| {
                got.push(results);
                Ok(())
            },
        );
        out.unwrap();
        assert_eq!(
            got,
            [
                (0..5).collect::<Vec<_>>(),
                (5..12).collect(),
                (12..20).collect()
            ]
        );
    }

    #[test]
    fn the_error_comes_after_the_items_before_it_and_ends_the_batches() {
        let source = (0..40usize).map(|i| {
            if i == 23 {
                Err("broken at 23".to_owned())
            } else {
                Ok(i)
            }
        });
        let mut got = Vec::new();
        let out: Result<(), ()> = decide_in_order(
            source,
            2,
            SMALL,
            |_| true,
            |_| 1,
            |i, _| *i,
            |r, _, f| {
                got.push((r, f));
                Ok(())
            },
        );
        out.unwrap();
        let flat: Vec<usize> = got.iter().flat_map(|(r, _)| r.clone()).collect();
        assert_eq!(flat, (0..23).collect::<Vec<_>>());
        let (_, last) = got.last().unwrap();
        assert_eq!(last.as_deref(), Some("broken at 23"));
        assert!(got[..got.len() - 1].iter().all(|(_, f)| f.is_none()));
    }

    #[test]
    fn workers_stay_within_the_window_of_the_consumer() {
        let taken = AtomicUsize::new(0);
        let mut consumed = 0usize;
        let mut most_ahead = 0usize;
        let out: Result<(), ()> = decide_in_order(
            (0..2000usize).map(Ok),
            3,
            Batching {
                items: 10,
                size: usize::MAX,
                window: 4,
            },
            |_| true,
            |_| 0,
            |i, _| {
                taken.fetch_max(i / 10 + 1, Ordering::SeqCst);
                *i
            },
            |_, _, _| {
                consumed += 1;
                // Slow consumer: workers must wait for it.
                std::thread::sleep(std::time::Duration::from_micros(300));
                most_ahead = most_ahead.max(taken.load(Ordering::SeqCst) - consumed);
                Ok(())
            },
        );
        out.unwrap();
        assert_eq!(consumed, 200);
        // Batches decided but not consumed: at most the window (one of which is being consumed).
        assert!(most_ahead < 4, "{most_ahead} batches ahead");
    }

    #[test]
    fn what_is_decided_is_consumed_while_a_worker_waits_for_input() {
        // A pipe that has given items 0..6 and then waits 1.5 s for the next ones.
        let source = (0..10usize).map(|i| {
            if i == 6 {
                std::thread::sleep(std::time::Duration::from_millis(1500));
            }
            Ok(i)
        });
        let started = std::time::Instant::now();
        let mut seen = Vec::new();
        let out: Result<(), ()> = decide_in_order(
            source,
            2,
            Batching {
                items: 2,
                size: usize::MAX,
                window: 8,
            },
            |_| true,
            |_| 0,
            |i, _| *i,
            |results, _, _| {
                seen.extend(results.iter().map(|i| (*i, started.elapsed())));
                Ok(())
            },
        );
        out.unwrap();
        assert_eq!(
            seen.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            (0..10).collect::<Vec<_>>()
        );
        for (i, at) in &seen[..6] {
            assert!(at.as_millis() < 1000, "item {i} consumed after {at:?}");
        }
    }

    #[test]
    fn a_failing_consumer_stops_the_workers_and_its_error_is_returned() {
        let decided = AtomicUsize::new(0);
        let mut calls = 0;
        let out = decide_in_order(
            (0..usize::MAX).map(Ok),
            2,
            SMALL,
            |_| true,
            |_| 1,
            |i, _| {
                decided.fetch_add(1, Ordering::SeqCst);
                *i
            },
            |_, _, _| {
                calls += 1;
                if calls == 3 {
                    Err("cannot write")
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(out, Err("cannot write"));
        // The workers stopped within the window, not at the end of an endless source.
        assert!(decided.load(Ordering::SeqCst) <= (3 + SMALL.window + 2) * SMALL.items);
    }
}
