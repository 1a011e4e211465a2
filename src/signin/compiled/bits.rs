//! Policy sets as bitsets: bit `i` stands for policy `i`.
//!
//! Up to 256 policies (Entra allows 195) live in an inline array, so working sets on the request
//! path are plain stack copies; larger tenants are supported and keep their words on the heap.

/// Words kept inline.
const INLINE: usize = 4;

/// A set of policy indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Bits {
    inline: [u64; INLINE],
    /// Used instead of `inline` when the tenant has more than 256 policies. Boxed twice so that
    /// the set is 40 bytes, not 56: sets are copied on every request, large tenants are rare.
    #[expect(
        clippy::box_collection,
        reason = "a thin pointer keeps every set small; only tenants over 256 policies allocate"
    )]
    heap: Option<Box<Vec<u64>>>,
}

impl Bits {
    /// The empty set sized for `n` policies.
    #[inline]
    pub fn empty(n: usize) -> Bits {
        let words = n.div_ceil(64);
        Bits {
            inline: [0; INLINE],
            heap: (words > INLINE).then(|| Box::new(vec![0; words])),
        }
    }

    /// Every policy of `n`.
    pub fn full(n: usize) -> Bits {
        let mut b = Bits::empty(n);
        let words = n.div_ceil(64);
        for (k, w) in b.words_mut().iter_mut().enumerate().take(words) {
            let rem = n - k * 64;
            *w = if rem >= 64 {
                u64::MAX
            } else {
                (1u64 << rem) - 1
            };
        }
        b
    }

    #[inline]
    fn words(&self) -> &[u64] {
        match &self.heap {
            None => &self.inline,
            Some(heap) => heap,
        }
    }

    #[inline]
    fn words_mut(&mut self) -> &mut [u64] {
        match &mut self.heap {
            None => &mut self.inline,
            Some(heap) => heap,
        }
    }

    /// Word `k` of the set (policies `64 * k` to `64 * k + 63`, the lowest bit first); zero past
    /// the set's words.
    #[inline]
    pub fn word(&self, k: usize) -> u64 {
        self.words().get(k).copied().unwrap_or(0)
    }

    /// Adds policy `i`.
    #[inline]
    pub fn insert(&mut self, i: usize) {
        if let Some(w) = self.words_mut().get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }

    /// Removes policy `i`.
    #[inline]
    pub fn remove(&mut self, i: usize) {
        if let Some(w) = self.words_mut().get_mut(i / 64) {
            *w &= !(1u64 << (i % 64));
        }
    }

    /// Is policy `i` in the set?
    #[inline]
    pub fn contains(&self, i: usize) -> bool {
        self.words()
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    /// `self &= other`.
    #[inline]
    pub fn and(&mut self, other: &Bits) {
        if self.heap.is_none() && other.heap.is_none() {
            // Both inline (every tenant Entra allows): four words, unrolled, no slice to build.
            for (a, b) in self.inline.iter_mut().zip(&other.inline) {
                *a &= *b;
            }
            return;
        }
        for (a, b) in self.words_mut().iter_mut().zip(other.words()) {
            *a &= *b;
        }
    }

    /// `self |= other`.
    #[inline]
    pub fn or(&mut self, other: &Bits) {
        if self.heap.is_none() && other.heap.is_none() {
            // Both inline (every tenant Entra allows): four words, unrolled, no slice to build.
            for (a, b) in self.inline.iter_mut().zip(&other.inline) {
                *a |= *b;
            }
            return;
        }
        for (a, b) in self.words_mut().iter_mut().zip(other.words()) {
            *a |= *b;
        }
    }

    /// `self &= !other`.
    #[inline]
    pub fn and_not(&mut self, other: &Bits) {
        if self.heap.is_none() && other.heap.is_none() {
            // Both inline (every tenant Entra allows): four words, unrolled, no slice to build.
            for (a, b) in self.inline.iter_mut().zip(&other.inline) {
                *a &= !*b;
            }
            return;
        }
        for (a, b) in self.words_mut().iter_mut().zip(other.words()) {
            *a &= !*b;
        }
    }

    /// `self |= a & b`.
    #[inline]
    pub fn or_and(&mut self, a: &Bits, b: &Bits) {
        if self.heap.is_none() && a.heap.is_none() && b.heap.is_none() {
            for ((x, y), z) in self.inline.iter_mut().zip(&a.inline).zip(&b.inline) {
                *x |= *y & *z;
            }
            return;
        }
        for ((x, y), z) in self.words_mut().iter_mut().zip(a.words()).zip(b.words()) {
            *x |= *y & *z;
        }
    }

    /// Do the two sets share a policy?
    #[inline]
    pub fn intersects(&self, other: &Bits) -> bool {
        if self.heap.is_none() && other.heap.is_none() {
            let mut any = 0;
            for (a, b) in self.inline.iter().zip(&other.inline) {
                any |= *a & *b;
            }
            return any != 0;
        }
        self.words()
            .iter()
            .zip(other.words())
            .any(|(a, b)| a & b != 0)
    }

    /// True when no policy is in the set.
    #[inline]
    pub fn is_empty(&self) -> bool {
        match &self.heap {
            None => self.inline == [0; INLINE],
            Some(heap) => heap.iter().all(|w| *w == 0),
        }
    }

    /// How many policies are in the set.
    #[inline]
    pub fn count(&self) -> usize {
        self.words().iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The policy indices in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words().iter().enumerate().flat_map(|(wi, &w)| {
            let mut word = w;
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let bit = word.trailing_zeros() as usize;
                word &= word - 1;
                Some(wi * 64 + bit)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_is_its_inline_words_and_one_pointer() {
        assert_eq!(
            std::mem::size_of::<Bits>(),
            std::mem::size_of::<[u64; INLINE]>() + std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn set_operations() {
        for n in [5, 70, 256, 300] {
            let mut a = Bits::empty(n);
            a.insert(1);
            a.insert(n - 1);
            let mut b = Bits::empty(n);
            b.insert(n - 1);
            b.insert(2);
            let mut and = a.clone();
            and.and(&b);
            assert_eq!(and.iter().collect::<Vec<_>>(), vec![n - 1]);
            let mut or = a.clone();
            or.or(&b);
            assert_eq!(or.iter().collect::<Vec<_>>(), vec![1, 2, n - 1]);
            let mut diff = a.clone();
            diff.and_not(&b);
            assert_eq!(diff.iter().collect::<Vec<_>>(), vec![1]);
            let mut or_and = Bits::empty(n);
            or_and.insert(0);
            or_and.or_and(&a, &b);
            assert_eq!(or_and.iter().collect::<Vec<_>>(), vec![0, n - 1]);
            assert!(a.intersects(&b) && !diff.intersects(&b));
            assert!(Bits::empty(n).is_empty());
            assert_eq!(Bits::full(n).iter().count(), n);
            assert_eq!(Bits::full(n).count(), n);
            assert_eq!((or.count(), and.count(), Bits::empty(n).count()), (3, 1, 0));
            assert!(!a.contains(3) && a.contains(n - 1) && !a.contains(1000));
            a.remove(1);
            assert_eq!(a.iter().collect::<Vec<_>>(), vec![n - 1]);
        }
    }
}
