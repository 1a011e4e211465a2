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
pub mod revision;
pub mod strength;
pub mod time;

use std::hash::{Hash, Hasher};

use revision::{Revision, RevisionHasher};

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
    pub fn revision(&self) -> Revision {
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
        Revision::from_hash(h.finish())
    }

    /// The user with this (lowercased) id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
}
