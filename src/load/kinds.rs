//! The collections of a tenant bundle and how a file, folder or object is recognised as one.

use super::*;

/// The collections of a tenant bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
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
pub(super) const KINDS: &[(Kind, &str, &str, &[&str])] = &[
    (
        Kind::Policies,
        "",
        "conditionalAccessPolicies",
        &[
            "ConditionalAccess",
            "Policies",
            "ConditionalAccessPolicy",
            "CAPolicies",
            // EntraExporter: Identity/Conditional/AccessPolicies.
            "AccessPolicies",
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

pub(super) fn kind_by_name(section: &str, name: &str) -> Option<Kind> {
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

/// The collection named by the deepest folder between `root` and `file` that names one.
pub(super) fn kind_by_folders(root: &Path, file: &Path) -> Option<Kind> {
    let rel = file.strip_prefix(root).ok()?;
    let folders: Vec<String> = rel
        .parent()?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    folders.iter().rev().find_map(|f| kind_by_name("", f))
}

/// The collection an `@odata.type` names, if it names one.
pub(super) fn kind_by_type(odata_type: &str) -> Option<Kind> {
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
pub(super) fn kind_by_shape(v: &Json) -> Option<Kind> {
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

pub(super) fn odata_type_of<'a>(v: &'a Json<'a>) -> Option<&'a str> {
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
