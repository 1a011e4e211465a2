//! Names a test case may write in place of ids: users by sign-in or display name, applications
//! and groups by display name, built-in roles by name, policies by display name. A name that
//! matches nothing, or matches two different objects, is an error: a test never guesses.

use crate::model::Tenant;
use crate::model::app_groups::{ADMIN_PORTALS, OFFICE_365};
use crate::model::read::is_guid;

/// Built-in Microsoft Entra role template ids, as the "Microsoft Entra built-in roles" page
/// (`permissions-reference`) lists them: the roles PIM activations most often name. Other roles
/// are written by their template id.
pub const BUILT_IN_ROLES: &[(&str, &str)] = &[
    (
        "Global Administrator",
        "62e90394-69f5-4237-9190-012177145e10",
    ),
    (
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
    ),
    (
        "Privileged Authentication Administrator",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    ),
    (
        "Security Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
    ),
    ("Security Reader", "5d6b6bb7-de71-4623-b4af-96380a352509"),
    ("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
    (
        "Conditional Access Administrator",
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
    ),
    ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
    (
        "Helpdesk Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    ),
    (
        "Password Administrator",
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
    ),
    (
        "Authentication Administrator",
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    ),
    (
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    ),
    (
        "Cloud Application Administrator",
        "158c047a-c907-4556-b7ef-446551a6b5f7",
    ),
    (
        "Exchange Administrator",
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
    ),
    (
        "SharePoint Administrator",
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    ),
    (
        "Teams Administrator",
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
    ),
    (
        "Intune Administrator",
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
    ),
    (
        "Billing Administrator",
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    ),
    (
        "Hybrid Identity Administrator",
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
    ),
];

/// The member a case means by `app: Office365` or `app: MicrosoftAdminPortals`: this one when
/// the group holds it, else the group's first member.
const OFFICE_365_REPRESENTATIVE: &str = "00000002-0000-0ff1-ce00-000000000000";
const ADMIN_PORTALS_REPRESENTATIVE: &str = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";

/// Picks the one id a name matched, or says why there is none.
fn one(what: &str, given: &str, mut ids: Vec<String>) -> Result<String, String> {
    ids.sort_unstable();
    ids.dedup();
    match ids.as_slice() {
        [id] => Ok(id.clone()),
        [] => Err(format!("no {what} named \"{given}\" in the tenant")),
        many => Err(format!(
            "\"{given}\" names {} different {what}s ({}); write the id",
            many.len(),
            many.join(", ")
        )),
    }
}

/// A user: an object id as given, else the user whose `userPrincipalName`, or failing that
/// `displayName`, is `given` (case-insensitive).
pub fn user_id(tenant: &Tenant, given: &str) -> Result<String, String> {
    let given = given.trim();
    if is_guid(given) {
        return Ok(given.to_ascii_lowercase());
    }
    let by_upn: Vec<String> = tenant
        .users
        .iter()
        .filter(|u| {
            u.user_principal_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(given))
        })
        .map(|u| u.id.clone())
        .collect();
    if !by_upn.is_empty() {
        return one("user", given, by_upn);
    }
    let by_name = tenant
        .users
        .iter()
        .filter(|u| {
            u.display_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(given))
        })
        .map(|u| u.id.clone())
        .collect();
    one("user", given, by_name)
}

/// An application: an appId as given; `Office365` or `MicrosoftAdminPortals` for a member of
/// that group; else the app whose display name (service principal, application, or built-in
/// group member) is `given`.
pub fn app_id(tenant: &Tenant, given: &str) -> Result<String, String> {
    let given = given.trim();
    if is_guid(given) {
        return Ok(given.to_ascii_lowercase());
    }
    let group = if given.eq_ignore_ascii_case("Office365") {
        Some((&tenant.app_groups.office365, OFFICE_365_REPRESENTATIVE))
    } else if given.eq_ignore_ascii_case("MicrosoftAdminPortals") {
        Some((
            &tenant.app_groups.admin_portals,
            ADMIN_PORTALS_REPRESENTATIVE,
        ))
    } else {
        None
    };
    if let Some((group, preferred)) = group {
        if group.contains(preferred) {
            return Ok(preferred.to_owned());
        }
        return group
            .app_ids
            .first()
            .cloned()
            .ok_or_else(|| format!("the tenant's {given} group has no members"));
    }
    let named = |name: &Option<String>| {
        name.as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(given))
    };
    let ids = tenant
        .service_principals
        .iter()
        .chain(&tenant.applications)
        .filter(|a| named(&a.display_name))
        .filter_map(|a| a.app_id.clone())
        .chain(
            OFFICE_365
                .iter()
                .chain(ADMIN_PORTALS)
                .filter(|(name, _)| name.eq_ignore_ascii_case(given))
                .map(|(_, id)| (*id).to_owned()),
        )
        .collect();
    one("application", given, ids)
}

/// A group: an object id as given, else the group whose display name is `given`.
pub fn group_id(tenant: &Tenant, given: &str) -> Result<String, String> {
    let given = given.trim();
    if is_guid(given) {
        return Ok(given.to_ascii_lowercase());
    }
    let ids = tenant
        .groups
        .iter()
        .filter(|g| {
            g.display_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(given))
        })
        .map(|g| g.id.clone())
        .collect();
    one("group", given, ids)
}

/// A directory role: a role definition id as given, else a built-in role by name.
pub fn role_id(given: &str) -> Result<String, String> {
    let given = given.trim();
    if is_guid(given) {
        return Ok(given.to_ascii_lowercase());
    }
    BUILT_IN_ROLES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(given))
        .map(|(_, id)| (*id).to_owned())
        .ok_or_else(|| {
            format!(
                "\"{given}\" is not a built-in role jitgate knows by name; write its role definition id"
            )
        })
}

/// A policy's index: by id, else by display name (case-insensitive).
pub fn policy_index(tenant: &Tenant, given: &str) -> Result<usize, String> {
    let given = given.trim();
    if let Some(i) = tenant
        .policies
        .iter()
        .position(|p| p.id.eq_ignore_ascii_case(given))
    {
        return Ok(i);
    }
    let named: Vec<usize> = tenant
        .policies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.display_name.eq_ignore_ascii_case(given))
        .map(|(i, _)| i)
        .collect();
    match named.as_slice() {
        [i] => Ok(*i),
        [] => Err(format!(
            "no policy with id or name \"{given}\" in the tenant"
        )),
        many => Err(format!(
            "\"{given}\" names {} policies; write the id",
            many.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn tenant() -> Tenant {
        let policy = |id: &str| {
            serde_json::json!({
                "id": id, "displayName": "Same name", "state": "enabled",
                "conditions": {"users": {"includeUsers": ["All"]},
                               "applications": {"includeApplications": ["All"]},
                               "clientAppTypes": ["all"]},
                "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
            })
        };
        let bundle = serde_json::json!({
            "conditionalAccessPolicies": [
                policy("c0000000-0000-4000-8000-000000000001"),
                policy("c0000000-0000-4000-8000-000000000002")
            ],
            "servicePrincipals": [
                {"id": "50000000-0000-4000-8000-000000000001", "appId": "00000002-0000-0ff1-ce00-000000000000", "displayName": "Office 365 Exchange Online"},
                {"id": "50000000-0000-4000-8000-000000000002", "appId": "a0000000-0000-4000-8000-000000000002", "displayName": "Twin"},
                {"id": "50000000-0000-4000-8000-000000000003", "appId": "a0000000-0000-4000-8000-000000000003", "displayName": "twin"}
            ],
            "directory": {"users": [
                {"id": "10000000-0000-4000-8000-000000000001", "displayName": "Sam", "userPrincipalName": "sam@a.example"},
                {"id": "10000000-0000-4000-8000-000000000002", "displayName": "Sam", "userPrincipalName": "sam@b.example"}
            ]}
        });
        crate::load_bundle_bytes("t.json", bundle.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn a_name_two_objects_share_is_refused() {
        let t = tenant();
        assert_eq!(
            user_id(&t, "sam").unwrap_err(),
            "\"sam\" names 2 different users (10000000-0000-4000-8000-000000000001, 10000000-0000-4000-8000-000000000002); write the id"
        );
        assert_eq!(
            user_id(&t, "SAM@B.example").unwrap(),
            "10000000-0000-4000-8000-000000000002"
        );
        assert_eq!(
            app_id(&t, "TWIN").unwrap_err(),
            "\"TWIN\" names 2 different applications (a0000000-0000-4000-8000-000000000002, a0000000-0000-4000-8000-000000000003); write the id"
        );
        assert_eq!(
            policy_index(&t, "same name").unwrap_err(),
            "\"same name\" names 2 policies; write the id"
        );
        assert_eq!(
            policy_index(&t, "C0000000-0000-4000-8000-000000000002").unwrap(),
            1
        );
    }

    #[test]
    fn one_app_under_two_sources_is_one_match() {
        // The bundle's service principal and the built-in Office 365 list name the same appId.
        assert_eq!(
            app_id(&tenant(), "office 365 exchange online").unwrap(),
            "00000002-0000-0ff1-ce00-000000000000"
        );
    }

    #[test]
    fn built_in_role_names() {
        assert_eq!(
            role_id("Privileged Role Administrator").unwrap(),
            "e8611ab8-c189-46e8-94e1-60213ab1f814"
        );
        let mut ids: Vec<&str> = BUILT_IN_ROLES.iter().map(|(_, id)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), BUILT_IN_ROLES.len());
        assert!(BUILT_IN_ROLES.iter().all(|(_, id)| is_guid(id)));
    }
}
