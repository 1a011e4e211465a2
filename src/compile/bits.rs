//! Policy sets as bitsets: bit `i` stands for policy `i`.
//!
//! Up to 256 policies (Entra allows 195) fit inline, so working sets on the request path live on
//! the stack; larger tenants are supported and spill to the heap.

use smallvec::SmallVec;

/// A set of policy indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Bits(SmallVec<[u64; 4]>);

impl Bits {
    /// The empty set sized for `n` policies.
    pub fn empty(n: usize) -> Bits {
        Bits(SmallVec::from_elem(0, n.div_ceil(64)))
    }

    /// Every policy of `n`.
    pub fn full(n: usize) -> Bits {
        let mut b = Bits::empty(n);
        for i in 0..n {
            b.insert(i);
        }
        b
    }

    /// Adds policy `i`.
    pub fn insert(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }

    /// Is policy `i` in the set?
    pub fn contains(&self, i: usize) -> bool {
        self.0
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    /// `self &= other`.
    pub fn and(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a &= *b;
        }
    }

    /// `self |= other`.
    pub fn or(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a |= *b;
        }
    }

    /// `self &= !other`.
    pub fn and_not(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a &= !*b;
        }
    }

    /// True when no policy is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The policy indices in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(wi, &w)| {
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
    fn set_operations() {
        let mut a = Bits::empty(300);
        a.insert(1);
        a.insert(64);
        a.insert(299);
        let mut b = Bits::empty(300);
        b.insert(64);
        b.insert(2);
        let mut and = a.clone();
        and.and(&b);
        assert_eq!(and.iter().collect::<Vec<_>>(), vec![64]);
        let mut or = a.clone();
        or.or(&b);
        assert_eq!(or.iter().collect::<Vec<_>>(), vec![1, 2, 64, 299]);
        let mut diff = a.clone();
        diff.and_not(&b);
        assert_eq!(diff.iter().collect::<Vec<_>>(), vec![1, 299]);
        assert!(Bits::empty(5).is_empty());
        assert_eq!(Bits::full(70).iter().count(), 70);
        assert!(!a.contains(3) && a.contains(299) && !a.contains(1000));
    }
}
