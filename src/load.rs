//! Loading a tenant from a bundle file or an export directory (docs/SEMANTICS.md §1.1, §2).
//!
//! A tenant is either one JSON bundle (an object whose keys are the collections) or a directory in
//! which each collection is a file `KEY.json` (an array, a single object, or a Graph list response)
//! or a folder of one-object files. Folder and file names match case-insensitively, and also under
//! the names export tools use (`ConditionalAccess`, `NamedLocations`, `Groups`, ...). Where an
//! object carries `@odata.type`, the type decides its collection. Nothing is dropped silently:
//! every object is read or reported.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics};
use crate::json::{self, Json};
use crate::model::read::{Obj, child, index, is_empty_value};
use crate::model::{Tenant, directory, location, pim, policy, strength};

/// Why a tenant could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The path could not be read at all.
    #[error("cannot read tenant at {path}: {message}")]
    Io {
        /// The path given.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The files were read but hold errors; every diagnostic (errors and warnings) is listed.
    #[error("tenant has {} error(s); first: {}", errors(.diagnostics), first_error(.diagnostics))]
    Invalid {
        /// All diagnostics found.
        diagnostics: Vec<Diagnostic>,
    },
}

fn errors(d: &[Diagnostic]) -> usize {
    d.iter().filter(|x| x.is_error()).count()
}

fn first_error(d: &[Diagnostic]) -> String {
    d.iter()
        .find(|x| x.is_error())
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// A tenant as read, with every diagnostic, whether or not it holds errors (used by validation).
#[derive(Debug)]
pub struct LoadReport {
    /// What could be read.
    pub tenant: Tenant,
    /// Errors and warnings in reading order.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadReport {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The tenant if it is usable (no errors), else every diagnostic.
    pub fn into_result(self) -> Result<Tenant, LoadError> {
        if self.has_errors() {
            Err(LoadError::Invalid {
                diagnostics: self.diagnostics,
            })
        } else {
            let mut tenant = self.tenant;
            tenant.warnings = self.diagnostics;
            Ok(tenant)
        }
    }
}

/// How a tenant is read.
///
/// ```
/// let options = jitgate::LoadOptions::default().max_file_size(1 << 20);
/// assert_eq!(options.file_size_limit(), 1 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    max_file_size: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// The largest file read by default (§1.6b): 256 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 256 << 20;

impl LoadOptions {
    /// The largest file that will be read, in bytes (default 256 MiB).
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = bytes;
        self
    }

    /// The file size limit in force.
    pub fn file_size_limit(&self) -> u64 {
        self.max_file_size
    }
}

/// Loads a tenant from a bundle file or directory with the default [`LoadOptions`]; any error
/// makes it unusable (§1.6).
///
/// # Errors
///
/// [`LoadError::Io`] when the path cannot be read, [`LoadError::Invalid`] with every
/// diagnostic when the files hold errors.
pub fn load(path: &Path) -> Result<Tenant, LoadError> {
    load_with(path, &LoadOptions::default())
}

/// Loads a tenant with explicit [`LoadOptions`].
///
/// # Errors
///
/// As [`load`].
pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Tenant, LoadError> {
    read_tenant(path, options)?.into_result()
}

/// Loads a tenant from bundle bytes (UTF-8 or UTF-16 with BOM), naming it `name` in diagnostics.
///
/// # Errors
///
/// [`LoadError::Invalid`] with every diagnostic when the bundle holds errors.
pub fn load_bundle_bytes(name: &str, bytes: &[u8]) -> Result<Tenant, LoadError> {
    let mut b = Builder::new(&LoadOptions::default());
    b.bundle_bytes(name, bytes);
    b.finish().into_result()
}

/// Reads a tenant and returns everything found, errors included (what `validate` reports on).
///
/// # Errors
///
/// Only when the path cannot be read at all.
pub fn load_report(path: &Path) -> Result<LoadReport, LoadError> {
    read_tenant(path, &LoadOptions::default())
}

fn read_tenant(path: &Path, options: &LoadOptions) -> Result<LoadReport, LoadError> {
    let meta = fs::metadata(path).map_err(|e| LoadError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let mut b = Builder::new(options);
    if meta.is_dir() {
        b.directory(path)?;
    } else {
        let bytes = read(path, options.max_file_size)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        b.bundle_bytes(&name, &bytes);
    }
    Ok(b.finish())
}

/// The collections of a tenant bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Policies,
    NamedLocations,
    MfaTrustedIps,
    Strengths,
    AuthContexts,
    AppGroups,
    Applications,
    ServicePrincipals,
    Users,
    Groups,
    RoleAssignments,
    RoleEligibilityInstances,
    RoleEligibilitySchedules,
    RoleAssignmentInstances,
    RoleAssignmentSchedules,
    GroupEligibilityInstances,
    GroupEligibilitySchedules,
    GroupAssignmentInstances,
    GroupAssignmentSchedules,
    PolicyAssignments,
    ManagementPolicies,
    ScheduleRequests,
}

/// Bundle key, the section it lives under (`directory`, `pim` or none), and export-tool aliases.
const KINDS: &[(Kind, &str, &str, &[&str])] = &[
    (
        Kind::Policies,
        "",
        "conditionalAccessPolicies",
        &[
            "ConditionalAccess",
            "Policies",
            "ConditionalAccessPolicy",
            "CAPolicies",
        ],
    ),
    (
        Kind::NamedLocations,
        "",
        "namedLocations",
        &["NamedLocation", "Locations"],
    ),
    (
        Kind::MfaTrustedIps,
        "",
        "mfaTrustedIps",
        &["TrustedIps", "MfaTrustedIpRanges"],
    ),
    (
        Kind::Strengths,
        "",
        "authenticationStrengthPolicies",
        &[
            "AuthenticationStrengths",
            "AuthenticationStrength",
            "AuthStrengths",
        ],
    ),
    (
        Kind::AuthContexts,
        "",
        "authenticationContextClassReferences",
        &[
            "AuthenticationContexts",
            "AuthenticationContext",
            "AuthContexts",
        ],
    ),
    (Kind::AppGroups, "", "applicationGroups", &[]),
    (Kind::Applications, "", "applications", &[]),
    (Kind::ServicePrincipals, "", "servicePrincipals", &[]),
    (Kind::Users, "directory", "users", &[]),
    (Kind::Groups, "directory", "groups", &[]),
    (Kind::RoleAssignments, "directory", "roleAssignments", &[]),
    (
        Kind::RoleEligibilityInstances,
        "pim",
        "roleEligibilityScheduleInstances",
        &[],
    ),
    (
        Kind::RoleEligibilitySchedules,
        "pim",
        "roleEligibilitySchedules",
        &[],
    ),
    (
        Kind::RoleAssignmentInstances,
        "pim",
        "roleAssignmentScheduleInstances",
        &[],
    ),
    (
        Kind::RoleAssignmentSchedules,
        "pim",
        "roleAssignmentSchedules",
        &[],
    ),
    (
        Kind::GroupEligibilityInstances,
        "pim",
        "groupEligibilityScheduleInstances",
        &[],
    ),
    (
        Kind::GroupEligibilitySchedules,
        "pim",
        "groupEligibilitySchedules",
        &[],
    ),
    (
        Kind::GroupAssignmentInstances,
        "pim",
        "groupAssignmentScheduleInstances",
        &[],
    ),
    (
        Kind::GroupAssignmentSchedules,
        "pim",
        "groupAssignmentSchedules",
        &[],
    ),
    (
        Kind::PolicyAssignments,
        "pim",
        "roleManagementPolicyAssignments",
        &[],
    ),
    (
        Kind::ManagementPolicies,
        "pim",
        "roleManagementPolicies",
        &[],
    ),
    (Kind::ScheduleRequests, "pim", "scheduleRequests", &[]),
];

fn kind_by_name(section: &str, name: &str) -> Option<Kind> {
    KINDS.iter().find_map(|(kind, sec, key, aliases)| {
        let in_section = sec.eq_ignore_ascii_case(section);
        let dotted = format!("{sec}.{key}");
        let hit = (in_section && key.eq_ignore_ascii_case(name))
            || (section.is_empty() && !sec.is_empty() && dotted.eq_ignore_ascii_case(name))
            // Export tools write top-level `Groups`, `Users`, `RoleAssignments` folders.
            || (section.is_empty() && *sec == "directory" && key.eq_ignore_ascii_case(name))
            || (in_section && aliases.iter().any(|a| a.eq_ignore_ascii_case(name)));
        hit.then_some(*kind)
    })
}

/// The collection an `@odata.type` names, if it names one.
fn kind_by_type(odata_type: &str) -> Option<Kind> {
    let t = odata_type.to_ascii_lowercase();
    Some(match t.as_str() {
        "conditionalaccesspolicy" => Kind::Policies,
        "ipnamedlocation"
        | "countrynamedlocation"
        | "namedlocation"
        | "compliantnetworknamedlocation" => Kind::NamedLocations,
        "authenticationstrengthpolicy" => Kind::Strengths,
        "authenticationcontextclassreference" => Kind::AuthContexts,
        "user" => Kind::Users,
        "group" => Kind::Groups,
        "serviceprincipal" => Kind::ServicePrincipals,
        "application" => Kind::Applications,
        "unifiedroleassignment" => Kind::RoleAssignments,
        "unifiedroleeligibilityscheduleinstance" => Kind::RoleEligibilityInstances,
        "unifiedroleeligibilityschedule" => Kind::RoleEligibilitySchedules,
        "unifiedroleassignmentscheduleinstance" => Kind::RoleAssignmentInstances,
        "unifiedroleassignmentschedule" => Kind::RoleAssignmentSchedules,
        "privilegedaccessgroupeligibilityscheduleinstance" => Kind::GroupEligibilityInstances,
        "privilegedaccessgroupeligibilityschedule" => Kind::GroupEligibilitySchedules,
        "privilegedaccessgroupassignmentscheduleinstance" => Kind::GroupAssignmentInstances,
        "privilegedaccessgroupassignmentschedule" => Kind::GroupAssignmentSchedules,
        "unifiedrolemanagementpolicyassignment" => Kind::PolicyAssignments,
        "unifiedrolemanagementpolicy" => Kind::ManagementPolicies,
        "unifiedroleassignmentschedulerequest"
        | "privilegedaccessgroupassignmentschedulerequest" => Kind::ScheduleRequests,
        _ => return None,
    })
}

/// The collection an untyped object's members reveal: policy repositories keep POST bodies in
/// folders named after their own categories, without `@odata.type`.
fn kind_by_shape(v: &Json) -> Option<Kind> {
    let Json::Object(members) = v else {
        return None;
    };
    let has = |key: &str| members.iter().any(|(k, _)| k.eq_ignore_ascii_case(key));
    if has("conditions") && (has("state") || has("grantControls") || has("sessionControls")) {
        Some(Kind::Policies)
    } else if has("ipRanges") || has("countriesAndRegions") {
        Some(Kind::NamedLocations)
    } else if has("allowedCombinations") {
        Some(Kind::Strengths)
    } else {
        None
    }
}

fn odata_type_of(v: &Json) -> Option<&str> {
    let Json::Object(members) = v else {
        return None;
    };
    members.iter().find_map(|(k, v)| match v {
        Json::String(s) if k.eq_ignore_ascii_case("@odata.type") => {
            let s = s.strip_prefix('#').unwrap_or(s);
            Some(
                s.get(..16)
                    .filter(|p| p.eq_ignore_ascii_case("microsoft.graph."))
                    .and_then(|_| s.get(16..))
                    .unwrap_or(s),
            )
        }
        _ => None,
    })
}

#[derive(Default)]
struct Builder {
    max_file_size: u64,
    tenant: Tenant,
    diagnostics: Vec<Diagnostic>,
    role_elig_schedules: Vec<pim::PimSchedule>,
    role_assign_schedules: Vec<pim::PimSchedule>,
    group_elig_schedules: Vec<pim::PimSchedule>,
    group_assign_schedules: Vec<pim::PimSchedule>,
    seen_instances: HashSet<Kind>,
}

impl Builder {
    fn new(options: &LoadOptions) -> Self {
        Builder {
            max_file_size: options.max_file_size,
            tenant: Tenant::default(),
            diagnostics: Vec::new(),
            role_elig_schedules: Vec::new(),
            role_assign_schedules: Vec::new(),
            group_elig_schedules: Vec::new(),
            group_assign_schedules: Vec::new(),
            seen_instances: HashSet::new(),
        }
    }

    fn run<R>(&mut self, file: &str, f: impl FnOnce(&mut Self, &mut Diagnostics) -> R) -> R {
        let mut d = Diagnostics::new(file);
        let r = f(self, &mut d);
        self.diagnostics.append(&mut d.items);
        r
    }

    fn parse_file(&mut self, file: &str, bytes: &[u8]) -> Option<Json> {
        // Decode first, so that a UTF-16 or BOM-only file holding nothing but whitespace is empty too.
        let text = match json::decode(bytes) {
            Ok(text) => text,
            Err(e) => {
                self.run(file, |_, d| d.error("invalidJson", "$", e.to_string()));
                return None;
            }
        };
        if text
            .trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
            .is_empty()
        {
            self.run(file, |_, d| {
                d.error(
                    "emptyFile",
                    "$",
                    "file is empty; expected a JSON object or array",
                )
            });
            return None;
        }
        match json::parse_str(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.run(file, |_, d| d.error("invalidJson", "$", e.to_string()));
                None
            }
        }
    }

    /// A single-file bundle: an object with the §2 keys.
    fn bundle_bytes(&mut self, file: &str, bytes: &[u8]) {
        let Some(root) = self.parse_file(file, bytes) else {
            return;
        };
        self.run(file, |b, d| b.bundle_value(d, &root, "$", ""));
    }

    fn bundle_value(&mut self, d: &mut Diagnostics, root: &Json, path: &str, section: &str) {
        let Some(obj) = Obj::new(d, root, path) else {
            return;
        };
        // Every member, empty ones included: `"conditionalAccessPolicies": ""` is a wrong type,
        // not an absent collection (§1.4), and must not load as a tenant without policies.
        for (key, value) in obj.members() {
            let at = child(path, key);
            if matches!(value, Json::Null) {
                continue;
            }
            if section.is_empty()
                && (key.eq_ignore_ascii_case("directory") || key.eq_ignore_ascii_case("pim"))
            {
                let sec = if key.eq_ignore_ascii_case("directory") {
                    "directory"
                } else {
                    "pim"
                };
                self.bundle_value(d, value, &at, sec);
                continue;
            }
            match kind_by_name(section, key) {
                Some(kind) => self.collection(d, Some(kind), value, &at, ""),
                None if is_empty_value(value) => {}
                None => d.warn(
                    "unknownBundleKey",
                    &at,
                    format!("\"{key}\" is not a tenant bundle key; it is not read"),
                ),
            }
        }
    }

    /// A collection value: array, Graph list response, or one object. `kind` None means the file
    /// name names no collection: each object must say what it is (`@odata.type` or its shape).
    fn collection(
        &mut self,
        d: &mut Diagnostics,
        kind: Option<Kind>,
        value: &Json,
        path: &str,
        rel_file: &str,
    ) {
        if kind == Some(Kind::AppGroups) {
            self.tenant.app_groups = directory::parse_app_groups(d, value, path);
            return;
        }
        let items: Vec<(&Json, String)> = match value {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (v, index(path, i)))
                .collect(),
            Json::Object(members)
                if members.iter().any(|(k, v)| {
                    k.eq_ignore_ascii_case("value") && matches!(v, Json::Array(_))
                }) =>
            {
                // A Graph list response. Its envelope is read like any object, so that a repeated
                // `value` key is an error rather than a silently dropped page.
                if members
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("@odata.nextLink"))
                {
                    d.error(
                        "partialPage",
                        &child(path, "@odata.nextLink"),
                        "this Graph list response is one page of a longer list (@odata.nextLink); export every page",
                    );
                }
                let vpath = child(path, "value");
                match Obj::new(d, value, path).and_then(|o| o.get("value")) {
                    Some(Json::Array(items)) => items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (v, index(&vpath, i)))
                        .collect(),
                    _ => Vec::new(),
                }
            }
            Json::Object(_) => vec![(value, path.to_owned())],
            Json::Null if kind.is_some() => Vec::new(),
            other if kind.is_some() => {
                d.error(
                    "wrongType",
                    path,
                    format!(
                        "expected an array, a list response or an object, found {}",
                        other.kind()
                    ),
                );
                Vec::new()
            }
            other => vec![(other, path.to_owned())],
        };
        let mut policy_index = 0usize;
        for (item, p) in items {
            // `@odata.type` decides the kind where it names a collection (§ loader contract).
            let item_kind = odata_type_of(item)
                .and_then(kind_by_type)
                .or(kind)
                .or_else(|| kind_by_shape(item));
            let Some(item_kind) = item_kind else {
                d.error(
                    "unknownCollection",
                    &p,
                    "cannot tell which collection this object belongs to: name the file or folder after a bundle key (e.g. conditionalAccessPolicies) or give the object an @odata.type",
                );
                continue;
            };
            if item_kind == Kind::Policies {
                let fallback = format!(
                    "file:{}#{policy_index}",
                    if rel_file.is_empty() {
                        &d.file
                    } else {
                        rel_file
                    }
                );
                policy_index += 1;
                self.item(d, item_kind, item, &p, &fallback);
            } else {
                self.item(d, item_kind, item, &p, "");
            }
        }
    }

    fn item(&mut self, d: &mut Diagnostics, kind: Kind, item: &Json, p: &str, fallback_id: &str) {
        let t = &mut self.tenant;
        match kind {
            Kind::Policies => t
                .policies
                .extend(policy::parse_policy(d, item, p, fallback_id)),
            Kind::NamedLocations => t
                .named_locations
                .extend(location::parse_location(d, item, p)),
            Kind::MfaTrustedIps => {
                let text = match item {
                    Json::String(s) => Some(s.as_str()),
                    other => Obj::new(d, other, p).and_then(|o| o.req_str(d, "cidrAddress")),
                };
                if let Some(s) = text {
                    match location::Cidr::parse(s) {
                        Ok(c) => t.mfa_trusted_ips.push(c),
                        Err(m) => d.error("invalidCidr", p, m),
                    }
                }
            }
            Kind::Strengths => t.strengths.extend(strength::parse_strength(d, item, p)),
            Kind::AuthContexts => t
                .auth_contexts
                .extend(directory::parse_auth_context(d, item, p)),
            Kind::AppGroups => {}
            Kind::Applications => t
                .applications
                .extend(directory::parse_app_object(d, item, p)),
            Kind::ServicePrincipals => t
                .service_principals
                .extend(directory::parse_app_object(d, item, p)),
            Kind::Users => t.users.extend(directory::parse_user(d, item, p)),
            Kind::Groups => t.groups.extend(directory::parse_group(d, item, p)),
            Kind::RoleAssignments => t
                .role_assignments
                .extend(directory::parse_role_assignment(d, item, p)),
            Kind::RoleEligibilityInstances => {
                self.seen_instances.insert(kind);
                t.pim
                    .role_eligibilities
                    .extend(pim::parse_schedule(d, item, p, true));
            }
            Kind::RoleAssignmentInstances => {
                self.seen_instances.insert(kind);
                t.pim
                    .role_assignments
                    .extend(pim::parse_schedule(d, item, p, true));
            }
            Kind::GroupEligibilityInstances => {
                self.seen_instances.insert(kind);
                t.pim
                    .group_eligibilities
                    .extend(pim::parse_schedule(d, item, p, true));
            }
            Kind::GroupAssignmentInstances => {
                self.seen_instances.insert(kind);
                t.pim
                    .group_assignments
                    .extend(pim::parse_schedule(d, item, p, true));
            }
            Kind::RoleEligibilitySchedules => self
                .role_elig_schedules
                .extend(pim::parse_schedule(d, item, p, false)),
            Kind::RoleAssignmentSchedules => self
                .role_assign_schedules
                .extend(pim::parse_schedule(d, item, p, false)),
            Kind::GroupEligibilitySchedules => self
                .group_elig_schedules
                .extend(pim::parse_schedule(d, item, p, false)),
            Kind::GroupAssignmentSchedules => self
                .group_assign_schedules
                .extend(pim::parse_schedule(d, item, p, false)),
            Kind::PolicyAssignments => t
                .pim
                .policy_assignments
                .extend(pim::parse_policy_assignment(d, item, p)),
            Kind::ManagementPolicies => t
                .pim
                .policies
                .extend(pim::parse_management_policy(d, item, p)),
            Kind::ScheduleRequests => t
                .pim
                .schedule_requests
                .extend(pim::parse_schedule_request(d, item, p)),
        }
    }

    /// An export directory.
    fn directory(&mut self, root: &Path) -> Result<(), LoadError> {
        let mut entries = read_dir_sorted(root)?;
        entries.retain(|p| !is_hidden(p));
        for entry in entries {
            let name = entry
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rel = relative(root, &entry);
            if entry.is_dir() {
                if name.eq_ignore_ascii_case("directory") || name.eq_ignore_ascii_case("pim") {
                    let section = if name.eq_ignore_ascii_case("directory") {
                        "directory"
                    } else {
                        "pim"
                    };
                    for sub in read_dir_sorted(&entry)? {
                        // Only folders and `.json` files are read (§1.1.5).
                        if is_hidden(&sub) || !(sub.is_dir() || is_json(&sub)) {
                            continue;
                        }
                        let sub_name = stem(&sub);
                        match kind_by_name(section, &sub_name) {
                            Some(kind) => self.collection_path(root, &sub, Some(kind))?,
                            None => self.collection_path(root, &sub, None)?,
                        }
                    }
                    continue;
                }
                self.collection_path(root, &entry, kind_by_name("", &name))?;
            } else if is_json(&entry) {
                let key = stem(&entry);
                if key.eq_ignore_ascii_case("directory") || key.eq_ignore_ascii_case("pim") {
                    let bytes = read(&entry, self.max_file_size)?;
                    if let Some(v) = self.parse_file(&rel, &bytes) {
                        let section = if key.eq_ignore_ascii_case("directory") {
                            "directory"
                        } else {
                            "pim"
                        };
                        self.run(&rel, |b, d| b.bundle_value(d, &v, "$", section));
                    }
                    continue;
                }
                self.collection_path(root, &entry, kind_by_name("", &key))?;
            }
        }
        Ok(())
    }

    /// One collection given as a file or a folder of files; `kind` None means "route by @odata.type".
    fn collection_path(
        &mut self,
        root: &Path,
        path: &Path,
        kind: Option<Kind>,
    ) -> Result<(), LoadError> {
        let files = if path.is_dir() {
            json_files(path)?
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let rel = relative(root, &file);
            let bytes = read(&file, self.max_file_size)?;
            let Some(value) = self.parse_file(&rel, &bytes) else {
                continue;
            };
            self.run(&rel, |b, d| b.collection(d, kind, &value, "$", &rel));
        }
        Ok(())
    }

    fn finish(mut self) -> LoadReport {
        let pim = &mut self.tenant.pim;
        // Schedules count only where the instance collection is absent, and only when provisioned (§8.4).
        let provisioned = |v: Vec<pim::PimSchedule>| -> Vec<pim::PimSchedule> {
            v.into_iter()
                .filter(|s| {
                    s.status
                        .as_deref()
                        .is_some_and(|st| st.eq_ignore_ascii_case("Provisioned"))
                })
                .collect()
        };
        if !self
            .seen_instances
            .contains(&Kind::RoleEligibilityInstances)
        {
            pim.role_eligibilities = provisioned(std::mem::take(&mut self.role_elig_schedules));
        }
        if !self.seen_instances.contains(&Kind::RoleAssignmentInstances) {
            pim.role_assignments = provisioned(std::mem::take(&mut self.role_assign_schedules));
        }
        if !self
            .seen_instances
            .contains(&Kind::GroupEligibilityInstances)
        {
            pim.group_eligibilities = provisioned(std::mem::take(&mut self.group_elig_schedules));
        }
        if !self
            .seen_instances
            .contains(&Kind::GroupAssignmentInstances)
        {
            pim.group_assignments = provisioned(std::mem::take(&mut self.group_assign_schedules));
        }
        // Built-in strengths are always present unless the bundle supplies the same id.
        for b in strength::builtin_strengths() {
            if !self.tenant.strengths.iter().any(|s| s.id == b.id) {
                self.tenant.strengths.push(b);
            }
        }
        let mut d = Diagnostics::new("");
        check_duplicates(&mut d, &mut self.tenant);
        self.diagnostics.append(&mut d.items);
        LoadReport {
            tenant: self.tenant,
            diagnostics: self.diagnostics,
        }
    }
}

/// Duplicate ids: policies are always an error (§1.4). Other objects that repeat with the same
/// evaluated content (an export that wrote one group under two file names) keep the first copy
/// with a warning; copies that disagree are an error, since either reading could be wrong.
fn check_duplicates(d: &mut Diagnostics, t: &mut Tenant) {
    // Two role management policy assignments for one role (or group and access) make the role
    // settings ambiguous (§9.1, §11).
    let mut targets: HashSet<(String, String, String)> = HashSet::new();
    for a in &t.pim.policy_assignments {
        let kind = if a.scope_type.eq_ignore_ascii_case("Group") {
            "group"
        } else {
            "directory"
        };
        let key = (
            kind.to_owned(),
            a.scope_id.clone(),
            a.role_definition_id.clone(),
        );
        if !targets.insert(key) {
            at_source(d, &a.source).error(
                "ambiguousPolicyAssignment",
                split_source(&a.source).1,
                format!(
                    "a second role management policy assignment for {} at scope {}; the role settings are ambiguous",
                    a.role_definition_id, a.scope_id
                ),
            );
        }
    }
    let mut seen: HashSet<&str> = HashSet::new();
    for p in &t.policies {
        if !seen.insert(p.id.as_str()) {
            at_source(d, &p.source).error(
                "duplicateId",
                split_source(&p.source).1,
                format!("policy id \"{}\" appears more than once", p.id),
            );
        }
    }
    dedupe(
        d,
        "group",
        &mut t.groups,
        |g| &g.id,
        |g| g.source.clone(),
        |a, b| {
            a.members == b.members
                && a.is_assignable_to_role == b.is_assignable_to_role
                && a.membership_rule == b.membership_rule
                && a.on_premises_sync_enabled == b.on_premises_sync_enabled
        },
    );
    dedupe(
        d,
        "named location",
        &mut t.named_locations,
        |l| &l.id,
        |l| format!("namedLocations[{}]", l.id),
        |a, b| a.kind == b.kind,
    );
    dedupe(
        d,
        "user",
        &mut t.users,
        |u| &u.id,
        |u| format!("directory.users[{}]", u.id),
        |a, b| a == b,
    );
    dedupe(
        d,
        "authentication strength",
        &mut t.strengths,
        |s| &s.id,
        |s| format!("authenticationStrengthPolicies[{}]", s.id),
        |a, b| a == b,
    );
    dedupe(
        d,
        "authentication context",
        &mut t.auth_contexts,
        |s| &s.id,
        |s| format!("authenticationContextClassReferences[{}]", s.id),
        |a, b| a == b,
    );
}

fn dedupe<T>(
    d: &mut Diagnostics,
    what: &str,
    items: &mut Vec<T>,
    id: impl Fn(&T) -> &String,
    at: impl Fn(&T) -> String,
    same: impl Fn(&T, &T) -> bool,
) {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    let mut first: HashMap<String, usize> = HashMap::with_capacity(items.len());
    for item in items.drain(..) {
        let source = at(&item);
        let path = split_source(&source).1;
        match first.get(id(&item)).and_then(|&i| kept.get(i)) {
            Some(original) if same(original, &item) => at_source(d, &source).warn(
                "duplicateObject",
                path,
                format!("{what} {} appears more than once with the same content; the first copy is used", id(&item)),
            ),
            Some(_) => at_source(d, &source).error(
                "duplicateId",
                path,
                format!("{what} id \"{}\" appears more than once with different content", id(&item)),
            ),
            None => {
                first.insert(id(&item).clone(), kept.len());
                kept.push(item);
            }
        }
    }
    *items = kept;
}

/// Splits a `file:$path` source (as policies and groups record where they were read) into the
/// file and the JSON path; a source without a file part is all path.
fn split_source(source: &str) -> (&str, &str) {
    match source.rfind(":$") {
        Some(pos) => (
            source.get(..pos).unwrap_or(""),
            source.get(pos + 1..).unwrap_or(source),
        ),
        None => ("", source),
    }
}

/// The collector to report a duplicate in: `d`, attributed to the file the duplicate was read from.
fn at_source<'d>(d: &'d mut Diagnostics, source: &str) -> &'d mut Diagnostics {
    d.file = split_source(source).0.to_owned();
    d
}

fn io(path: &Path, e: &std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Reads one regular file of at most `max` bytes (§1.6b): a FIFO, socket or device is refused
/// before it can block, and a file that grows while read stops at the cap.
fn read(path: &Path, max: u64) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let too_big = |size: u64| LoadError::Io {
        path: path.display().to_string(),
        message: format!(
            "the file holds {size} bytes or more, over the limit of {max} (raise it with --max-file-size)"
        ),
    };
    let meta = fs::metadata(path).map_err(|e| io(path, &e))?;
    if !meta.is_file() {
        return Err(LoadError::Io {
            path: path.display().to_string(),
            message: "not a regular file (a FIFO, socket or device is never read)".to_owned(),
        });
    }
    if meta.len() > max {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(max.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(|e| io(path, &e))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| io(dir, &e))? {
        out.push(entry.map_err(|e| io(dir, &e))?.path());
    }
    out.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(out)
}

/// Every `.json` file under `dir`, recursively, sorted by relative path as bytes (§1.1.5).
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for p in read_dir_sorted(&d)? {
            if is_hidden(&p) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if is_json(&p) {
                out.push(p);
            }
        }
    }
    out.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(out)
}

fn is_json(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn is_hidden(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

fn stem(p: &Path) -> String {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if is_json(p) {
        name.get(..name.len().saturating_sub(5))
            .unwrap_or(&name)
            .to_owned()
    } else {
        name
    }
}

fn relative(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}
