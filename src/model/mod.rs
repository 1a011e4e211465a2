//! The tenant model: Graph JSON read tolerantly into typed Rust (docs/SEMANTICS.md §1–§4, §8–§9).
//!
//! Each submodule holds one family of objects and the reader for it. [`Tenant`] gathers them;
//! The loader builds it from files.

pub mod activation;
pub mod app_groups;
pub mod directory;
pub mod enums;
pub mod ids;
pub mod location;
pub mod pim;
pub mod policy;
pub mod read;
pub mod request;
pub mod strength;
pub mod time;

use std::hash::{Hash, Hasher};

use crate::diag::Diagnostic;

pub use app_groups::{AppGroupSource, AppGroups};
pub use directory::{AppObject, AuthContext, Group, RoleAssignment, User};
pub use location::{Cidr, NamedLocation};
pub use pim::Pim;
pub use policy::Policy;
pub use strength::AuthStrength;

/// A loaded tenant snapshot: everything a decision reads.
#[derive(Debug, Clone, Default)]
pub struct Tenant {
    /// Conditional Access policies in file order (§1.1.5).
    pub policies: Vec<Policy>,
    /// Named locations.
    pub named_locations: Vec<NamedLocation>,
    /// The legacy MFA trusted IPs (the all-zero-GUID pseudo-location).
    pub mfa_trusted_ips: Vec<Cidr>,
    /// Authentication strengths: the bundle's, then the built-ins it did not supply.
    pub strengths: Vec<AuthStrength>,
    /// Authentication context class references.
    pub auth_contexts: Vec<AuthContext>,
    /// Application groups.
    pub app_groups: AppGroups,
    /// Applications (for application filters).
    pub applications: Vec<AppObject>,
    /// Service principals (appId translation and service principal filters).
    pub service_principals: Vec<AppObject>,
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Active role assignments.
    pub role_assignments: Vec<RoleAssignment>,
    /// PIM objects.
    pub pim: Pim,
    /// Warnings from loading (a tenant with load errors is never returned).
    pub warnings: Vec<Diagnostic>,
}

impl Tenant {
    /// The strength with this (lowercased) id.
    pub fn strength(&self, id: &str) -> Option<&AuthStrength> {
        self.strengths.iter().find(|s| s.id == id)
    }

    /// The named location with this (lowercased) id.
    pub fn location(&self, id: &str) -> Option<&NamedLocation> {
        self.named_locations.iter().find(|l| l.id == id)
    }

    /// The group with this (lowercased) id.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// A content hash of everything a decision reads (not the warnings), as 16 hex digits: two
    /// tenants with the same revision decide every request alike. It hashes the typed model
    /// (derived `Hash` with a fixed word-at-a-time hash), so it does not depend on file layout, key order or case.
    pub fn revision(&self) -> String {
        let mut h = RevisionHasher::default();
        (
            &self.policies,
            &self.named_locations,
            &self.mfa_trusted_ips,
            &self.strengths,
            &self.auth_contexts,
            &self.app_groups,
            &self.applications,
            &self.service_principals,
            &self.users,
            &self.groups,
            &self.role_assignments,
            &self.pim,
        )
            .hash(&mut h);
        format!("{:016x}", h.finish())
    }

    /// The user with this (lowercased) id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
}

/// A fixed 64-bit hash, so a revision is the same on every run and machine of one build (std's
/// `DefaultHasher` may change between releases). It takes eight bytes per step, not one as
/// FNV-1a does: a tenant at Entra's limits is tens of megabytes of model, hashed at every compile.
struct RevisionHasher(u64);

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
