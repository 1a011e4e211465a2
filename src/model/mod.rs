//! The tenant model: Graph JSON read tolerantly into typed Rust (SEMANTICS.md §1–§4, §8–§9).
//!
//! Each submodule holds one family of objects and the reader for it. [`Tenant`] gathers them;
//! [`crate::load`] builds it from files.

pub mod activation;
pub mod directory;
pub mod enums;
pub mod ids;
pub mod location;
pub mod pim;
pub mod policy;
pub mod read;
pub mod request;
pub mod strength;

use crate::diag::Diagnostic;

pub use directory::{AppGroups, AppObject, AuthContext, Group, RoleAssignment, User};
pub use location::{Cidr, LocationKind, NamedLocation};
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
    /// Warnings from loading (errors prevent a `Tenant` from being returned by [`crate::load`]).
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

    /// The user with this (lowercased) id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
}
