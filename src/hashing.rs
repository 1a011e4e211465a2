//! The hash maps of everything keyed by input (ids, names, interned sets): ahash, keyed once
//! per process from the standard library's OS-seeded `RandomState`.
//!
//! Built without its `runtime-rng` feature, `ahash::RandomState::new()` mixes fixed constants
//! with a counter seeded from addresses: keys that vary with address-space layout but can be
//! guessed, so ids crafted to collide could turn a tenant's load or compile quadratic. Drawing
//! the keys from std costs four SipHash calls once, and no dependency.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// The hasher state of [`Map`] and [`Set`]: ahash under this process's secret keys.
#[derive(Clone, Debug)]
pub(crate) struct Keyed(ahash::RandomState);

impl Default for Keyed {
    fn default() -> Self {
        static KEYS: OnceLock<[u64; 4]> = OnceLock::new();
        let [a, b, c, d] = *KEYS.get_or_init(draw_keys);
        Keyed(ahash::RandomState::with_seeds(a, b, c, d))
    }
}

/// Four keys from std's `RandomState`, which is seeded from the operating system.
fn draw_keys() -> [u64; 4] {
    let std_keys = std::collections::hash_map::RandomState::new();
    [0_u64, 1, 2, 3].map(|i| std_keys.hash_one(i))
}

impl BuildHasher for Keyed {
    type Hasher = ahash::AHasher;

    fn build_hasher(&self) -> ahash::AHasher {
        self.0.build_hasher()
    }
}

/// A hash map under this process's keys.
pub(crate) type Map<K, V> = HashMap<K, V, Keyed>;

/// A hash set under this process's keys.
pub(crate) type Set<K> = HashSet<K, Keyed>;

/// An empty [`Map`] with room for `n` entries.
pub(crate) fn map_with_capacity<K, V>(n: usize) -> Map<K, V> {
    Map::with_capacity_and_hasher(n, Keyed::default())
}

/// An empty [`Set`] with room for `n` entries.
pub(crate) fn set_with_capacity<K>(n: usize) -> Set<K> {
    Set::with_capacity_and_hasher(n, Keyed::default())
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::{Keyed, draw_keys};

    #[test]
    fn keys_are_drawn_not_fixed_and_shared_by_every_map_of_the_process() {
        // Each draw takes fresh std keys, so two draws differ: nothing here is a constant. (That
        // each process draws its own, unlike ahash's guessable keys, cannot be seen from inside
        // one process.)
        let (first, second) = (draw_keys(), draw_keys());
        assert_ne!(first, second);
        assert!(first.iter().all(|k| !second.contains(k)));
        // Every map of the process hashes alike (the keys are drawn once).
        let (one, two) = (Keyed::default(), Keyed::default());
        assert_eq!(one.hash_one("id"), two.hash_one("id"));
        assert_ne!(one.hash_one("id"), one.hash_one("di"));
    }
}
