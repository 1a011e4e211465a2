//! A tenant's revision: the content hash every decision carries, so that a decision can be traced
//! to the policy set that made it ([`crate::Tenant::revision`]).

use std::hash::Hasher;

/// A tenant's revision: a 64-bit content hash of everything a decision reads, written as 16
/// lower-case hex digits. Two tenants with the same revision decide every request alike.
///
/// It is a value (16 bytes, `Copy`), so a decision carries it without allocating. Its digits are
/// [`Revision::as_str`] (also `AsRef<str>`, `Display`, `String::from`); it compares equal to a
/// `str` or `String` of them, and serialises as that string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Revision([u8; 16]);

impl Revision {
    /// The revision of a hash: its 16 hex digits, most significant first.
    pub(crate) fn from_hash(hash: u64) -> Revision {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut digits = [0u8; 16];
        for (k, d) in digits.iter_mut().enumerate() {
            let nibble = (hash >> (60 - 4 * k)) & 0xf;
            *d = HEX.get(nibble as usize).copied().unwrap_or(b'0');
        }
        Revision(digits)
    }

    /// The 16 hex digits.
    pub fn as_str(&self) -> &str {
        // Hex digits only: always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl AsRef<str> for Revision {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Revision {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Revision {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Revision {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Revision> for str {
    fn eq(&self, other: &Revision) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Revision> for &str {
    fn eq(&self, other: &Revision) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Revision> for String {
    fn eq(&self, other: &Revision) -> bool {
        self == other.as_str()
    }
}

impl From<Revision> for String {
    fn from(r: Revision) -> String {
        r.as_str().to_owned()
    }
}

impl serde::Serialize for Revision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A fixed 64-bit hash, so a revision is the same on every run and machine of one build (std's
/// `DefaultHasher` may change between releases). It takes eight bytes per step, not one as
/// FNV-1a does: a tenant at Entra's limits is tens of megabytes of model, hashed at every compile.
pub(crate) struct RevisionHasher(u64);

impl Default for RevisionHasher {
    fn default() -> Self {
        RevisionHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl RevisionHasher {
    /// Folds one word in: the multiply spreads it upwards, the rotation brings the high bits back
    /// down for the next word.
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(31);
    }
}

impl Hasher for RevisionHasher {
    fn finish(&self) -> u64 {
        // MurmurHash3's finaliser, so every input bit reaches every output digit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        // The tail with its length in the top byte, so `ab` and `ab\0` differ.
        let rest = chunks.remainder();
        let mut word = [0u8; 8];
        if let Some(head) = word.get_mut(..rest.len()) {
            head.copy_from_slice(rest);
        }
        word[7] = 0x80 | rest.len() as u8;
        self.mix(u64::from_le_bytes(word));
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i) | 0x100);
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i) | 0x4_0000_0000);
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revision_is_the_hash_in_sixteen_hex_digits() {
        for hash in [
            0,
            1,
            0xf,
            0x1234_5678_9abc_def0,
            u64::MAX,
            0xee84_48b6_b987_9a89,
        ] {
            let r = Revision::from_hash(hash);
            assert_eq!(r.as_str(), format!("{hash:016x}"));
            assert_eq!(r.to_string(), format!("{hash:016x}"));
            assert_eq!(format!("{r:?}"), format!("\"{hash:016x}\""));
            assert_eq!(
                serde_json::to_string(&r).ok(),
                Some(format!("\"{hash:016x}\""))
            );
            let text = format!("{hash:016x}");
            assert!(r == *text.as_str() && r == text.as_str() && r == text);
            assert!(*text.as_str() == r && text.as_str() == r && text == r);
            assert_eq!(String::from(r), text);
            assert!(r != "0123");
        }
    }
}
