//! The [`Builder`]: reads bundles and export folders object by object into a [`Tenant`].

use super::*;
use crate::model::ids::IdRef;
use parallel::PARALLEL_ITEMS;

/// Is this file root a collection rather than a bundle: an array, a Graph list response, or one
/// object whose type or shape (or wrapped content) says what it is?
fn is_collection(root: &Json) -> bool {
    match root {
        Json::Array(_) => true,
        Json::Object(members) => {
            members
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("value") && matches!(v, Json::Array(_)))
                || odata_type_of(root).and_then(kind_by_type).is_some()
                || kind_by_shape(root).is_some()
                || foreign::policy_wrapper(root).is_some()
        }
        _ => false,
    }
}

/// Collects a tenant as files and objects are read, with every diagnostic.
#[derive(Default)]
pub(super) struct Builder {
    max_file_size: u64,
    allow_empty: bool,
    allow_dangling: bool,
    /// See [`LoadOptions::leave_trees_to_exit`].
    leave_trees_to_exit: bool,
    /// Collections of at least this many items are read on every core.
    pub(super) parallel_from: usize,
    /// How many collections were (for tests).
    #[cfg(test)]
    pub(super) read_in_parallel: usize,
    pub(super) tenant: Tenant,
    diagnostics: Vec<Diagnostic>,
    role_elig_schedules: Vec<pim::PimSchedule>,
    role_assign_schedules: Vec<pim::PimSchedule>,
    group_elig_schedules: Vec<pim::PimSchedule>,
    group_assign_schedules: Vec<pim::PimSchedule>,
    seen_instances: HashSet<Kind>,
}

impl Builder {
    pub(super) fn new(options: &LoadOptions) -> Self {
        Builder {
            max_file_size: options.max_file_size,
            allow_empty: options.allow_empty,
            allow_dangling: options.allow_dangling,
            leave_trees_to_exit: options.leave_trees_to_exit,
            parallel_from: PARALLEL_ITEMS,
            #[cfg(test)]
            read_in_parallel: 0,
            tenant: Tenant::default(),
            diagnostics: Vec::new(),
            role_elig_schedules: Vec::new(),
            role_assign_schedules: Vec::new(),
            group_elig_schedules: Vec::new(),
            group_assign_schedules: Vec::new(),
            seen_instances: HashSet::new(),
        }
    }

    pub(super) fn run<R>(
        &mut self,
        file: &str,
        f: impl FnOnce(&mut Self, &mut Diagnostics) -> R,
    ) -> R {
        let mut d = Diagnostics::new(file);
        let r = f(self, &mut d);
        self.diagnostics.append(&mut d.items);
        r
    }

    /// A file's text, decoded (§1.1); `None` (with the error recorded) when it is not text.
    pub(super) fn decode_file(&mut self, file: &str, bytes: Vec<u8>) -> Option<String> {
        match json::decode_owned(bytes) {
            Ok(text) => Some(text),
            Err(e) => {
                self.run(file, |_, d| d.error("invalidJson", "$", e.to_string()));
                None
            }
        }
    }

    /// Parses a decoded file; the value borrows from `text`.
    pub(super) fn parse_file<'t>(&mut self, file: &str, text: &'t str) -> Option<Json<'t>> {
        // Decoded first, so that a UTF-16 or BOM-only file holding nothing but whitespace is empty too.
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
        match json::parse_str(text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.run(file, |_, d| d.error("invalidJson", "$", e.to_string()));
                None
            }
        }
    }

    /// Done with a file's tree: freed, or left to the process's exit (see
    /// [`LoadOptions::leave_trees_to_exit`]).
    fn done_with(&self, tree: Json<'_>) {
        if self.leave_trees_to_exit {
            std::mem::forget(tree);
        }
    }

    /// A single-file bundle: an object with the §2 keys (or another tool's export, §1.1a).
    pub(super) fn bundle_bytes(&mut self, file: &str, bytes: Vec<u8>) {
        let Some(text) = self.decode_file(file, bytes) else {
            return;
        };
        let Some(root) = self.parse_file(file, &text) else {
            return;
        };
        self.run(file, |b, d| {
            if b.foreign_root(d, &root, file) {
            } else if is_collection(&root) {
                // One collection given as the whole tenant: a Graph list response, an array, or one
                // (possibly wrapped) policy, as `GET /identity/conditionalAccess/policies` writes.
                b.collection(d, None, &root, "$", "");
            } else {
                b.bundle_value(d, &root, "$", "");
            }
        });
        self.done_with(root);
    }

    /// Another tool's export (§1.1a): Terraform JSON is translated and read; a recognised format
    /// that is not read is an error naming the tool and the export to use. False for anything else.
    fn foreign_root(&mut self, d: &mut Diagnostics, root: &Json, rel_file: &str) -> bool {
        if let Some(tf) = foreign::terraform(root) {
            let policies = tf
                .objects
                .iter()
                .filter(|o| o.kind == Kind::Policies)
                .count();
            let count = |n: usize, one: &str, many: &str| {
                format!("{n} {}", if n == 1 { one } else { many })
            };
            let mut message = format!(
                "read as Terraform JSON ({} and {}), attribute names translated to Graph's",
                count(policies, "policy", "policies"),
                count(
                    tf.objects.len() - policies,
                    "named location",
                    "named locations"
                )
            );
            if tf.unread_locations > 0 {
                message.push_str(&format!(
                    "; {} not read: a configuration's locations have no id before `terraform apply` (load `terraform show -json` output)",
                    count(tf.unread_locations, "named location", "named locations")
                ));
            }
            d.warn("translatedExport", "$", message);
            for (i, o) in tf.objects.iter().enumerate() {
                let fallback = format!("file:{rel_file}#{i}");
                self.item(d, o.kind, &o.graph, &o.path, &fallback);
            }
            return true;
        }
        if let Some(message) = foreign::unread_tool(root) {
            d.error("foreignFormat", "$", message);
            return true;
        }
        false
    }

    pub(super) fn bundle_value(
        &mut self,
        d: &mut Diagnostics,
        root: &Json,
        path: &str,
        section: &str,
    ) {
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
    pub(super) fn collection(
        &mut self,
        d: &mut Diagnostics,
        kind: Option<Kind>,
        value: &Json,
        path: &str,
        rel_file: &str,
    ) {
        if kind == Some(Kind::AppGroups) {
            self.tenant.app_groups = crate::model::app_groups::parse_app_groups(d, value, path);
            return;
        }
        // The items, and the path their indices are joined to (none for a lone object, whose
        // path is the collection's).
        let (items, indexed_from): (Vec<&Json>, Option<String>) = match value {
            Json::Array(items) => (items.iter().collect(), Some(path.to_owned())),
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
                    Some(Json::Array(items)) => (items.iter().collect(), Some(vpath)),
                    _ => (Vec::new(), None),
                }
            }
            Json::Object(_) => (vec![value], None),
            Json::Null if kind.is_some() => (Vec::new(), None),
            other if kind.is_some() => {
                d.error(
                    "wrongType",
                    path,
                    format!(
                        "expected an array, a list response or an object, found {}",
                        other.kind()
                    ),
                );
                (Vec::new(), None)
            }
            other => (vec![other], None),
        };
        if let (Some(kind), Some(base)) = (kind, indexed_from.as_deref())
            && items.len() >= self.parallel_from
            && self.items_in_parallel(d, kind, &items, base)
        {
            return;
        }
        let mut policy_index = 0usize;
        // One buffer for every item's path: a large collection builds no string per item.
        let mut item_path = String::new();
        let mut inner_path;
        for (i, item) in items.into_iter().enumerate() {
            let p = match &indexed_from {
                Some(base) => {
                    item_path.clear();
                    push_index(&mut item_path, base, i);
                    item_path.as_str()
                }
                None => path,
            };
            // A policy under a tool's wrapper is read from inside it, with a note (§1.1a).
            let (item, p) = match foreign::policy_wrapper(item) {
                Some((key, inner))
                    if odata_type_of(item).is_none()
                        && matches!(kind, None | Some(Kind::Policies)) =>
                {
                    inner_path = child(p, key);
                    d.warn(
                        "wrappedPolicy",
                        p,
                        format!("the policy sits under \"{key}\" (an export tool's wrapper); read from {inner_path}"),
                    );
                    (inner, inner_path.as_str())
                }
                _ => (item, p),
            };
            // `@odata.type` decides the kind where it names a collection (§ loader contract).
            let item_kind = odata_type_of(item)
                .and_then(kind_by_type)
                .or(kind)
                .or_else(|| kind_by_shape(item));
            let Some(item_kind) = item_kind else {
                d.error(
                    "unknownCollection",
                    p,
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
                self.item(d, item_kind, item, p, &fallback);
            } else {
                self.item(d, item_kind, item, p, "");
            }
        }
    }

    pub(super) fn item(
        &mut self,
        d: &mut Diagnostics,
        kind: Kind,
        item: &Json,
        p: &str,
        fallback_id: &str,
    ) {
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
                    Json::String(s) => Some(s.as_ref()),
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
    pub(super) fn directory(&mut self, root: &Path) -> Result<(), LoadError> {
        let mut entries = read_dir_sorted(root)?;
        for hidden in entries.iter().filter(|p| is_hidden(p) && !p.is_dir()) {
            self.skipped(root, hidden);
        }
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
                        // Only folders and `.json` files are read (§1.1.5); the rest is named.
                        if is_hidden(&sub) || !(sub.is_dir() || is_json(&sub)) {
                            if !sub.is_dir() {
                                self.skipped(root, &sub);
                            }
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
                    let text = self.decode_file(&rel, bytes);
                    if let Some(v) = text.as_deref().and_then(|t| self.parse_file(&rel, t)) {
                        let section = if key.eq_ignore_ascii_case("directory") {
                            "directory"
                        } else {
                            "pim"
                        };
                        self.run(&rel, |b, d| b.bundle_value(d, &v, "$", section));
                        self.done_with(v);
                    }
                    continue;
                }
                self.collection_path(root, &entry, kind_by_name("", &key))?;
            } else {
                self.skipped(root, &entry);
            }
        }
        Ok(())
    }

    /// A file in the export that is not read: named, so a renamed policy file is noticed; one
    /// another tool wrote says which tool and what to export instead (§1.1a).
    fn skipped(&mut self, root: &Path, path: &Path) {
        let rel = relative(root, path);
        let head = read_head(path);
        if let Some(message) = foreign::unread_file(path, &head) {
            self.run(&rel, |_, d| d.warn("foreignFormat", "$", message));
            return;
        }
        self.run(&rel, |_, d| {
            d.warn(
                "skippedFile",
                "$",
                "not read: only .json files that are not hidden are part of the tenant (a renamed or hidden policy file is lost)",
            );
        });
    }

    /// One collection given as a file or a folder of files; `kind` None means "route by @odata.type".
    pub(super) fn collection_path(
        &mut self,
        root: &Path,
        path: &Path,
        kind: Option<Kind>,
    ) -> Result<(), LoadError> {
        let files = if path.is_dir() {
            let walk = json_files(path)?;
            for skipped in &walk.skipped {
                self.skipped(root, skipped);
            }
            walk.files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let rel = relative(root, &file);
            let bytes = read(&file, self.max_file_size)?;
            let Some(text) = self.decode_file(&rel, bytes) else {
                continue;
            };
            let Some(value) = self.parse_file(&rel, &text) else {
                continue;
            };
            // Without a collection named by its folder, the nearest enclosing folder that names
            // one decides (EntraExporter's Identity/Conditional/AccessPolicies/ID/ID.json).
            let kind = kind.or_else(|| kind_by_folders(root, &file));
            self.run(&rel, |b, d| {
                if !b.foreign_root(d, &value, &rel) {
                    b.collection(d, kind, &value, "$", &rel);
                }
            });
            self.done_with(value);
        }
        Ok(())
    }

    pub(super) fn finish(mut self) -> LoadReport {
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
        self.check_completeness(&mut d);
        self.diagnostics.append(&mut d.items);
        LoadReport {
            tenant: self.tenant,
            diagnostics: self.diagnostics,
        }
    }

    /// A tenant that lost its policies, or whose policies include locations it does not
    /// define, must not look healthy (§1.6a): errors, unless the caller said it is intended.
    fn check_completeness(&self, d: &mut Diagnostics) {
        let t = &self.tenant;
        // Only when nothing else went wrong: a policy file that failed to parse already says so.
        let failed = self
            .diagnostics
            .iter()
            .chain(&d.items)
            .any(Diagnostic::is_error);
        if t.policies.is_empty() && !failed {
            let message = "the tenant holds no conditional access policy (an empty folder, a missing or renamed policy file, or an empty array); every sign-in would be allowed";
            if self.allow_empty {
                d.warn("noPolicies", "$", message);
            } else {
                d.error(
                    "noPolicies",
                    "$",
                    format!("{message}; pass --allow-empty (library: LoadOptions::allow_empty) if that is intended"),
                );
            }
        }
        for p in t.policies.iter().filter(|p| p.is_evaluated()) {
            let Some(l) = &p.conditions.locations else {
                continue;
            };
            for id in l.include.iter().filter_map(IdRef::id) {
                if id == location::MFA_TRUSTED_IPS_ID || t.location(id).is_some() {
                    continue;
                }
                let path = split_source(&p.source).1;
                let at = at_source(d, &p.source);
                let path = format!("{path}.conditions.locations.includeLocations");
                let message = format!(
                    "policy {} includes named location {id}, which the bundle does not define (Graph refuses to delete a location in use, so the export is incomplete); the include matches nothing",
                    p.id
                );
                if self.allow_dangling {
                    at.warn("danglingLocation", &path, message);
                } else {
                    at.error(
                        "danglingLocation",
                        &path,
                        format!("{message}; pass --allow-dangling (library: LoadOptions::allow_dangling) to accept it"),
                    );
                }
            }
        }
        d.file.clear();
    }
}
