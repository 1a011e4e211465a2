//! The `Office365` and `MicrosoftAdminPortals` application groups (docs/SEMANTICS.md §3.6 rule 4):
//! Microsoft's documented members, which a bundle's `applicationGroups` replaces group by group.
//!
//! Sources (members as Microsoft lists them; appIds as Microsoft and its sign-in logs publish them):
//! - Office 365: <https://learn.microsoft.com/entra/identity/conditional-access/reference-office-365-application-contents>
//! - Microsoft Admin Portals: <https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-cloud-apps#microsoft-admin-portals>
//! - appIds: <https://learn.microsoft.com/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in>
//!   and the first-party list owned by Microsoft's services tenant in
//!   <https://github.com/merill/microsoft-info/blob/main/_info/MicrosoftApps.csv>.
//!
//! Only members whose appId one of those sources gives are listed; Microsoft's page names more
//! (Loop, Copilot services, Planner clients, …) whose ids are not published. A tenant that needs
//! them lists the group in its bundle.

use crate::diag::Diagnostics;
use crate::json::Json;
use crate::model::ids::Keyword;
use crate::model::read::Obj;

/// A built-in member: display name and appId (lowercase).
pub type BuiltInApp = (&'static str, &'static str);

/// Members of `Office365` with a published appId.
pub const OFFICE_365: &[BuiltInApp] = &[
    (
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
    ),
    (
        "Office 365 SharePoint Online",
        "00000003-0000-0ff1-ce00-000000000000",
    ),
    (
        "Skype for Business Online",
        "00000004-0000-0ff1-ce00-000000000000",
    ),
    (
        "Viva Engage (Yammer)",
        "00000005-0000-0ff1-ce00-000000000000",
    ),
    (
        "Microsoft Office 365 Portal",
        "00000006-0000-0ff1-ce00-000000000000",
    ),
    (
        "Microsoft Exchange Online Protection",
        "00000007-0000-0ff1-ce00-000000000000",
    ),
    ("Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264"),
    (
        "Microsoft Teams Services",
        "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
    ),
    (
        "Microsoft Teams Web Client",
        "5e3ce6c0-2b1f-4285-8d4b-75ee78787346",
    ),
    (
        "Office 365 Search Service",
        "66a88757-258c-4c72-893c-3e8bed4d6899",
    ),
    ("Office Delve", "94c63fef-13a3-47bc-8074-75af8c65887a"),
    ("Office.com", "4b233688-031c-404b-9a80-a4f3f2351f90"),
    ("OfficeHome", "4765445b-32c6-49b0-83e6-1d93765276ca"),
    ("Microsoft Office", "d3590ed6-52b3-4102-aeff-aad2292ab01c"),
    ("Microsoft Forms", "c9a559d2-7aab-4f13-a6ed-e7e9c52aec87"),
    (
        "Microsoft Stream Portal",
        "cf53fce8-def6-4aeb-8d30-b158e7b1cf83",
    ),
    (
        "Microsoft Stream Service",
        "2634dd23-5e5a-431c-81ca-11710d9079f4",
    ),
    ("Sway", "905fcf26-4eb7-48a0-9ff0-8dcc7194b5ba"),
    ("OneNote", "2d4d3d8e-2be3-4bef-9f87-7875a61c29de"),
    (
        "OneDrive SyncEngine",
        "ab9b8c07-8f02-4f72-87fa-80105867a763",
    ),
    (
        "Microsoft Whiteboard Services",
        "95de633a-083e-42f5-b444-a4295d8e9314",
    ),
    (
        "Media Analysis and Transformation Service",
        "944f0bd1-117b-4b1c-af26-804ed95e767e",
    ),
    (
        "Media Analysis and Transformation Service",
        "0cd196ee-71bf-4fd6-a57c-b491ffd4fb1e",
    ),
    ("O365 Suite UX", "4345a7b9-9a63-4910-a426-35363201d503"),
    (
        "Office365 Shell WCSS-Client",
        "89bee1f7-5e6e-4d8a-9f3d-ecd601259da7",
    ),
    (
        "OfficeClientService",
        "0f698dd4-f011-4d23-a33e-b36416dcb1e6",
    ),
    (
        "Office Online Add-in SSO",
        "93d53678-613d-4013-afc1-62e9e444a0a5",
    ),
    (
        "Office Online Core SSO",
        "243c63a3-247d-41c5-9d83-7788c43f1c43",
    ),
    (
        "SharePoint Online Web Client Extensibility",
        "08e18876-6177-487e-b8b5-cf950c1e598c",
    ),
    (
        "SharePoint Online Web Client Extensibility Isolated",
        "3bc2296e-aa22-4ed2-9e1e-946d05afa6a2",
    ),
    (
        "Microsoft 365 Security and Compliance Center",
        "80ccca67-54bd-44ab-8625-4b79c4dc7775",
    ),
    ("Skype for Business", "7557eb47-c689-4224-abcf-aef9bd7573df"),
    (
        "Skype Presence Service",
        "1e70cd27-4707-4589-8ec5-9bd20c472a46",
    ),
    (
        "Skype and Teams Tenant Admin API",
        "48ac35b8-9aa8-4d74-927d-1f4a14a0b239",
    ),
    (
        "Microsoft Flow Portal",
        "6204c1d1-4712-4c46-a7d9-3ed63d992682",
    ),
    ("PowerApps Service", "475226c6-020e-4fb2-8a90-7a972cbfc1d4"),
    (
        "ProjectWorkManagement (Planner)",
        "09abbdfd-ed23-44ee-a2d9-a627aa1c90f3",
    ),
    ("SharePoint Home", "dcad865d-9257-4521-ad4d-bae3e137b345"),
    (
        "Microsoft Teams - Teams And Channels Service",
        "b55b276d-2b09-4ad2-8de5-f09cf24ffba9",
    ),
    (
        "Microsoft Teams Chat Aggregator",
        "b1379a75-ce5e-4fa3-80c6-89bb39bf646c",
    ),
    (
        "Microsoft Teams Graph Service",
        "ab3be6b7-f5df-413d-ac2d-abf1e3fd9c0b",
    ),
    (
        "Microsoft Teams Mailhook",
        "51133ff5-8e0d-4078-bcca-84fb7f905b64",
    ),
    (
        "Microsoft Teams Retail Service",
        "75efb5bc-18a1-4e7b-8a66-2ad2503d79c6",
    ),
    (
        "Microsoft Teams Targeting Application",
        "8e14e873-35ba-4720-b787-0bed94370b17",
    ),
    (
        "Microsoft Teams UIS",
        "1996141e-2b07-4491-927a-5a024b335c78",
    ),
    (
        "App Studio for Microsoft Teams",
        "e1979c22-8b73-4aed-a4da-572cc4d0b832",
    ),
    (
        "Teams CMD Services Artifacts",
        "6bc3b958-689b-49f5-9006-36d165f30e00",
    ),
    ("Call Recorder", "4580fd1d-e5a3-4f56-9ad1-aab0e3bf8f76"),
    ("Connectors", "48af08dc-f6d2-435f-b2a7-069abd99c086"),
    ("EDU Assignments", "8f348934-64be-4bb2-bc16-c54c96789f43"),
    ("IC3 Gateway", "39aaf054-81a5-48c7-a4f8-0293012095b9"),
    (
        "M365 Admin Services",
        "6b91db1b-f05b-405a-a0b2-e3f60b28d645",
    ),
    (
        "Microsoft Discovery Service",
        "6f82282e-0070-4e78-bc23-e6320c5fa7de",
    ),
    (
        "Microsoft Information Protection API",
        "40775b29-2688-46b6-a3b5-b256bd04df9f",
    ),
    (
        "Microsoft People Cards Service",
        "394866fc-eedb-4f01-8536-3ff84b16be2a",
    ),
    (
        "Microsoft Visio Data Visualizer",
        "00695ed2-3202-4156-8da1-69f60065e255",
    ),
    (
        "OCPS Checkin Service",
        "23c898c1-f7e8-41da-9501-f16571f8d097",
    ),
    ("Office Hive", "166f1b03-5b19-416f-a94b-1d7aa2d247dc"),
    (
        "Office Scripts Service",
        "62fd1447-0ef3-4ab7-a956-7dd05232ecc1",
    ),
    (
        "Office Shredding Service",
        "b97b6bd4-a49f-4a0c-af18-af507d1da76c",
    ),
    (
        "OfficeServicesManager",
        "9e4a5442-a5c9-4f6f-b03f-5b9fcaaf24b1",
    ),
    ("One Outlook Web", "9199bf20-a13f-4107-85dc-02114787ef48"),
    ("Reply-At-Mention", "18f36947-75b0-49fb-8d1c-29584a55cac5"),
    (
        "Targeted Messaging Service",
        "4c4f550b-42b2-4a16-93f9-fdb9e01bb6ed",
    ),
];

/// Members of `MicrosoftAdminPortals`, as the target-resources page lists them. The Azure portal's
/// appId also covers the Microsoft Entra admin center.
pub const ADMIN_PORTALS: &[BuiltInApp] = &[
    (
        "Exchange admin center",
        "497effe9-df71-4043-a8bb-14cf78c4b63b",
    ),
    (
        "Azure portal (and Microsoft Entra admin center)",
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
    ),
    (
        "Microsoft 365 admin center (Microsoft Office 365 Portal)",
        "00000006-0000-0ff1-ce00-000000000000",
    ),
    (
        "Microsoft 365 Security and Compliance Center",
        "80ccca67-54bd-44ab-8625-4b79c4dc7775",
    ),
];

/// Where a group's members come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppGroupSource {
    /// jitgate's built-in list of Microsoft's documented members.
    BuiltIn,
    /// The bundle's `applicationGroups`, which replaced the built-in list.
    Bundle,
}

/// One application group's members.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct AppGroup {
    /// appIds, lowercased.
    pub app_ids: Vec<String>,
    /// Built-in or from the bundle.
    pub source: AppGroupSource,
}

impl AppGroup {
    fn built_in(list: &[BuiltInApp]) -> AppGroup {
        let mut app_ids: Vec<String> = list.iter().map(|(_, id)| (*id).to_owned()).collect();
        app_ids.sort_unstable();
        app_ids.dedup();
        AppGroup {
            app_ids,
            source: AppGroupSource::BuiltIn,
        }
    }

    /// Is `app` (a lowercased appId) a member?
    pub fn contains(&self, app: &str) -> bool {
        self.app_ids.iter().any(|a| a == app)
    }
}

/// `applicationGroups`: the appIds behind the `Office365` and `MicrosoftAdminPortals` keywords.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct AppGroups {
    /// Office 365.
    pub office365: AppGroup,
    /// Microsoft Admin Portals.
    pub admin_portals: AppGroup,
}

impl Default for AppGroups {
    /// The built-in lists.
    fn default() -> Self {
        AppGroups {
            office365: AppGroup::built_in(OFFICE_365),
            admin_portals: AppGroup::built_in(ADMIN_PORTALS),
        }
    }
}

impl AppGroups {
    /// The group a keyword names; `None` for every other keyword.
    pub fn get(&self, keyword: Keyword) -> Option<&AppGroup> {
        match keyword {
            Keyword::Office365 => Some(&self.office365),
            Keyword::MicrosoftAdminPortals => Some(&self.admin_portals),
            _ => None,
        }
    }

    /// Is `app` in the group `keyword` names?
    pub fn contains(&self, keyword: Keyword, app: &str) -> bool {
        self.get(keyword).is_some_and(|g| g.contains(app))
    }

    /// Both groups with their keywords.
    pub fn iter(&self) -> impl Iterator<Item = (Keyword, &AppGroup)> {
        [
            (Keyword::Office365, &self.office365),
            (Keyword::MicrosoftAdminPortals, &self.admin_portals),
        ]
        .into_iter()
    }
}

/// The display name of a built-in member, for reports.
pub fn built_in_name(app_id: &str) -> Option<&'static str> {
    OFFICE_365
        .iter()
        .chain(ADMIN_PORTALS)
        .find(|(_, id)| *id == app_id)
        .map(|(name, _)| *name)
}

/// Reads `applicationGroups`: each group the file lists replaces that group's built-in members.
pub fn parse_app_groups(d: &mut Diagnostics, json: &Json, path: &str) -> AppGroups {
    let mut groups = AppGroups::default();
    let Some(o) = Obj::new(d, json, path) else {
        return groups;
    };
    for (key, group) in [
        ("Office365", &mut groups.office365),
        ("MicrosoftAdminPortals", &mut groups.admin_portals),
    ] {
        if o.get(key).is_none() {
            continue;
        }
        let mut app_ids: Vec<String> = o
            .strings(d, key)
            .into_iter()
            .map(|(s, _)| s.trim().to_ascii_lowercase())
            .collect();
        app_ids.sort_unstable();
        app_ids.dedup();
        *group = AppGroup {
            app_ids,
            source: AppGroupSource::Bundle,
        };
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_ids_are_lowercase_guids() {
        for (name, id) in OFFICE_365.iter().chain(ADMIN_PORTALS) {
            assert_eq!(id.len(), 36, "{name}");
            assert!(
                id.chars()
                    .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)),
                "{name}: {id}"
            );
        }
    }

    #[test]
    fn default_groups_are_built_in() {
        let g = AppGroups::default();
        assert_eq!(g.office365.source, AppGroupSource::BuiltIn);
        assert!(g.contains(Keyword::Office365, "00000002-0000-0ff1-ce00-000000000000"));
        assert!(g.contains(
            Keyword::MicrosoftAdminPortals,
            "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"
        ));
        assert!(!g.contains(Keyword::Office365, "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"));
        assert!(!g.contains(Keyword::All, "00000002-0000-0ff1-ce00-000000000000"));
        // No list repeats an id, so deduplicating keeps every member.
        assert_eq!(g.office365.app_ids.len(), OFFICE_365.len());
        assert_eq!(g.admin_portals.app_ids.len(), ADMIN_PORTALS.len());
    }
}
