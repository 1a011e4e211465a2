//! Sign-in scenarios for the `users` condition (SEMANTICS §2 derived facts, §3.4): exclusion,
//! transitive groups, active roles, guest types, external tenants and unknown users.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::signin::*;
use serde_json::{Value, json};

fn member(n: u32) -> Value {
    json!({ "id": uid(n), "userType": "Member" })
}

fn directory(users: Vec<Value>, groups: Vec<Value>, role_assignments: Vec<Value>) -> Value {
    json!({ "directory": { "users": users, "groups": groups, "roleAssignments": role_assignments } })
}

// ----- §3.2, §3.4.3: exclusion beats inclusion -------------------------------------------------

#[test]
fn exclusion_beats_inclusion() {
    let t = tenant(
        &[
            Pol::new(1)
                .users(json!({
                    "includeUsers": [uid(1)],
                    "includeGroups": [gid(1)],
                    "excludeUsers": [uid(1)]
                }))
                .block(),
            Pol::new(2)
                .users(json!({ "includeUsers": ["All"], "excludeGroups": [gid(1)] }))
                .mfa(),
            Pol::new(3)
                .users(json!({ "includeUsers": [uid(2)] }))
                .block(),
        ],
        directory(
            vec![member(1), member(2)],
            vec![json!({ "id": gid(1), "members": [uid(1)] })],
            vec![],
        ),
    );
    // User 1 is included by id and by group, and excluded by id and by group: out of scope.
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &allow("notApplied").policies(vec![
            not_applied(1, "users"),
            not_applied(2, "users"),
            not_applied(3, "users"),
        ]),
    );
    // User 2 is in scope of the MFA policy and of the block policy: block wins.
    check(
        &t,
        &Req::user(&uid(2)).password_only(),
        &deny()
            .reason(blocked(3))
            .policies(vec![not_applied(1, "users"), step_up(2), denied(3)]),
    );
}

// ----- §2.1: transitive group membership ---------------------------------------------------------

#[test]
fn groups_nested_three_deep_are_followed() {
    // user 1 ∈ G1 ∈ G2 ∈ G3; G4 holds only user 2.
    let t = tenant(
        &[
            Pol::new(1)
                .users(json!({ "includeGroups": [gid(3)] }))
                .mfa(),
            Pol::new(2)
                .users(json!({ "includeGroups": [gid(2)], "excludeGroups": [gid(3)] }))
                .block(),
            Pol::new(3)
                .users(json!({ "includeGroups": [gid(4)] }))
                .block(),
        ],
        directory(
            vec![member(1), member(2)],
            vec![
                json!({ "id": gid(1), "members": [uid(1)] }),
                json!({ "id": gid(2), "members": [gid(1)] }),
                json!({ "id": gid(3), "members": [gid(2)] }),
                json!({ "id": gid(4), "members": [uid(2)] }),
            ],
            vec![],
        ),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &stepup().req(clause(vec![mfa()], &[1])).policies(vec![
            step_up(1),
            not_applied(2, "users"),
            not_applied(3, "users"),
        ]),
    );
}

#[test]
fn cyclic_group_nesting_terminates() {
    // G1 ∋ {user 1, G2}, G2 ∋ G3, G3 ∋ G1: a cycle. User 1 is a member of all three.
    let t = tenant(
        &[
            Pol::new(1)
                .users(json!({ "includeGroups": [gid(3)] }))
                .mfa(),
            Pol::new(2)
                .users(json!({ "includeGroups": [gid(2)] }))
                .mfa(),
            Pol::new(3)
                .users(json!({ "includeGroups": [gid(4)] }))
                .block(),
        ],
        directory(
            vec![member(1), member(2)],
            vec![
                json!({ "id": gid(1), "members": [uid(1), gid(2)] }),
                json!({ "id": gid(2), "members": [gid(3)] }),
                json!({ "id": gid(3), "members": [gid(1)] }),
                json!({ "id": gid(4), "members": [] }),
            ],
            vec![],
        ),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &stepup().req(clause(vec![mfa()], &[1, 2])).policies(vec![
            step_up(1),
            step_up(2),
            not_applied(3, "users"),
        ]),
    );
    // User 2 is in no group of the cycle.
    check(
        &t,
        &Req::user(&uid(2)).password_only(),
        &allow("notApplied").policies(vec![
            not_applied(1, "users"),
            not_applied(2, "users"),
            not_applied(3, "users"),
        ]),
    );
}

#[test]
fn active_pim_group_membership_counts_but_ownership_and_eligibility_do_not() {
    let instance = |user: u32, access: &str| {
        json!({
            "id": format!("ga-{user}"),
            "principalId": uid(user),
            "groupId": gid(1),
            "accessId": access,
            "memberType": "direct",
            "assignmentType": "activated",
            "startDateTime": at(-600),
            "endDateTime": at(3600)
        })
    };
    let t = tenant(
        &[Pol::new(1)
            .users(json!({ "includeGroups": [gid(1)] }))
            .block()],
        json!({
            "directory": {
                "users": [member(1), member(2), member(3)],
                "groups": [{ "id": gid(1), "members": [] }]
            },
            "pim": {
                "groupAssignmentScheduleInstances": [instance(1, "member"), instance(2, "owner")],
                "groupEligibilityScheduleInstances": [{
                    "id": "ge-3",
                    "principalId": uid(3),
                    "groupId": gid(1),
                    "accessId": "member",
                    "memberType": "direct",
                    "startDateTime": at(-600),
                    "endDateTime": at(3600)
                }]
            }
        }),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    for user in [2, 3] {
        check(
            &t,
            &Req::user(&uid(user)).password_only(),
            &allow("notApplied").policies(vec![not_applied(1, "users")]),
        );
    }
}

// ----- §2.2–§2.3, §3.4.7: active versus eligible roles -------------------------------------------

fn role_policies() -> Vec<Pol> {
    vec![
        Pol::new(1).users(json!({ "includeRoles": [GA] })).mfa(),
        Pol::new(2)
            .users(json!({ "includeUsers": ["All"], "excludeRoles": [GA] }))
            .grant("OR", &["compliantDevice"]),
    ]
}

/// For a Global Administrator: policy 1 asks for MFA, policy 2 (excluding GA) does not apply.
fn expect_role_holder() -> Expect {
    stepup()
        .req(clause(vec![mfa()], &[1]))
        .policies(vec![step_up(1), not_applied(2, "users")])
}

/// For anyone else: policy 1 does not apply, policy 2 denies (no compliant device).
fn expect_not_role_holder() -> Expect {
    deny()
        .reason(unsatisfied(2, &["compliantDevice"]))
        .policies(vec![not_applied(1, "users"), denied(2)])
}

#[test]
fn active_directory_role_assignment_counts() {
    let t = tenant(
        &role_policies(),
        directory(
            vec![member(1)],
            vec![],
            vec![json!({ "principalId": uid(1), "roleDefinitionId": GA, "directoryScopeId": "/" })],
        ),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &expect_role_holder(),
    );
}

#[test]
fn role_assignment_outside_its_window_does_not_count() {
    let t = tenant(
        &role_policies(),
        directory(
            vec![member(1), member(2)],
            vec![],
            vec![
                json!({ "principalId": uid(1), "roleDefinitionId": GA, "directoryScopeId": "/",
                        "startDateTime": at(-7200), "endDateTime": T }),
                json!({ "principalId": uid(2), "roleDefinitionId": GA, "directoryScopeId": "/",
                        "startDateTime": at(60) }),
            ],
        ),
    );
    for user in [1, 2] {
        check(
            &t,
            &Req::user(&uid(user)).password_only(),
            &expect_not_role_holder(),
        );
    }
}

#[test]
fn pim_eligible_role_does_not_count() {
    let t = tenant(
        &role_policies(),
        json!({
            "directory": { "users": [member(1)] },
            "pim": { "roleEligibilityScheduleInstances": [{
                "id": "e-1",
                "principalId": uid(1),
                "roleDefinitionId": GA,
                "directoryScopeId": "/",
                "memberType": "Direct",
                "startDateTime": at(-86400),
                "endDateTime": at(86400)
            }] }
        }),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &expect_not_role_holder(),
    );
}

#[test]
fn active_pim_role_assignment_instance_counts() {
    let instance = |user: u32, start: String, end: String| {
        json!({
            "id": format!("a-{user}"),
            "principalId": uid(user),
            "roleDefinitionId": GA,
            "directoryScopeId": "/",
            "memberType": "Direct",
            "assignmentType": "Activated",
            "startDateTime": start,
            "endDateTime": end
        })
    };
    let t = tenant(
        &role_policies(),
        json!({
            "directory": { "users": [member(1), member(2), member(3)] },
            "pim": { "roleAssignmentScheduleInstances": [
                // Active: started ten minutes ago.
                instance(1, at(-600), at(3000)),
                // Ended exactly at t: not active (start ≤ t < end).
                instance(2, at(-3600), T.to_owned()),
                // Starts exactly at t: active.
                instance(3, T.to_owned(), at(3600)),
            ] }
        }),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &expect_role_holder(),
    );
    check(
        &t,
        &Req::user(&uid(2)).password_only(),
        &expect_not_role_holder(),
    );
    check(
        &t,
        &Req::user(&uid(3)).password_only(),
        &expect_role_holder(),
    );
}

#[test]
fn administrative_unit_scoped_assignment_does_not_count() {
    let au = "/administrativeUnits/77777777-0000-0000-0000-000000000001";
    let t = tenant(
        &role_policies(),
        json!({
            "directory": {
                "users": [member(1), member(2)],
                "roleAssignments": [
                    { "principalId": uid(1), "roleDefinitionId": GA, "directoryScopeId": au }
                ]
            },
            "pim": { "roleAssignmentScheduleInstances": [{
                "id": "a-2",
                "principalId": uid(2),
                "roleDefinitionId": GA,
                "directoryScopeId": au,
                "memberType": "Direct",
                "assignmentType": "Assigned",
                "startDateTime": at(-600)
            }] }
        }),
    );
    for user in [1, 2] {
        check(
            &t,
            &Req::user(&uid(user)).password_only(),
            &expect_not_role_holder(),
        );
    }
}

#[test]
fn role_held_through_group_membership_counts() {
    let t = tenant(
        &role_policies(),
        directory(
            vec![member(1), member(2)],
            vec![json!({ "id": gid(1), "isAssignableToRole": true, "members": [uid(1)] })],
            vec![json!({ "principalId": gid(1), "roleDefinitionId": GA, "directoryScopeId": "/" })],
        ),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &expect_role_holder(),
    );
    check(
        &t,
        &Req::user(&uid(2)).password_only(),
        &expect_not_role_holder(),
    );
}

#[test]
fn a_different_role_does_not_match() {
    let t = tenant(
        &role_policies(),
        directory(
            vec![member(1)],
            vec![],
            vec![
                json!({ "principalId": uid(1), "roleDefinitionId": EXA, "directoryScopeId": "/" }),
            ],
        ),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &expect_not_role_holder(),
    );
}

// ----- §3.4: guest and external user types -------------------------------------------------------

const GUEST_TYPES: [&str; 6] = [
    "internalGuest",
    "b2bCollaborationGuest",
    "b2bCollaborationMember",
    "b2bDirectConnectUser",
    "otherExternalUser",
    "serviceProvider",
];

fn guest_user(n: u32, kind: &str) -> Value {
    let user_type = if kind == "b2bCollaborationMember" {
        "Member"
    } else {
        "Guest"
    };
    let mut u = json!({ "id": uid(n), "userType": user_type, "externalUserType": kind });
    if kind != "internalGuest" {
        u["externalTenantId"] = json!(tid(1));
    }
    u
}

#[test]
fn each_guest_type_selects_only_that_type() {
    // Policy n selects guest type n (all external tenants); user n has type n; user 7 is a member.
    let policies: Vec<Pol> = GUEST_TYPES
        .iter()
        .zip(1..)
        .map(|(kind, n)| {
            Pol::new(n)
                .users(json!({ "includeGuestsOrExternalUsers": {
                    "guestOrExternalUserTypes": kind,
                    "externalTenants": {
                        "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                        "membershipKind": "all"
                    }
                } }))
                .mfa()
        })
        .collect();
    let mut users: Vec<Value> = GUEST_TYPES
        .iter()
        .zip(1..)
        .map(|(kind, n)| guest_user(n, kind))
        .collect();
    users.push(member(7));
    let t = tenant(&policies, json!({ "directory": { "users": users } }));
    for user in 1..=6u32 {
        let results = (1..=6u32)
            .map(|p| {
                if p == user {
                    step_up(p)
                } else {
                    not_applied(p, "users")
                }
            })
            .collect();
        check(
            &t,
            &Req::user(&uid(user)).password_only(),
            &stepup().req(clause(vec![mfa()], &[user])).policies(results),
        );
    }
    check(
        &t,
        &Req::user(&uid(7)).password_only(),
        &allow("notApplied").policies((1..=6).map(|p| not_applied(p, "users")).collect()),
    );
}

#[test]
fn guest_type_in_the_request_overrides_the_directory() {
    // §3.4.1: signInIdentity.externalUserType wins over directory.users[].externalUserType.
    let t = tenant(
        &[Pol::new(1)
            .users(json!({ "includeGuestsOrExternalUsers": {
                "guestOrExternalUserTypes": "b2bCollaborationGuest",
                "externalTenants": { "membershipKind": "all" }
            } }))
            .block()],
        json!({ "directory": { "users": [member(1), guest_user(2, "b2bCollaborationGuest")] } }),
    );
    check(
        &t,
        &Req::user(&uid(1))
            .identity("externalUserType", json!("b2bCollaborationGuest"))
            .identity("externalTenantId", json!(tid(5)))
            .password_only(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &Req::user(&uid(2))
            .identity("externalUserType", json!("serviceProvider"))
            .password_only(),
        &allow("notApplied").policies(vec![not_applied(1, "users")]),
    );
}

#[test]
fn legacy_guests_or_external_users_covers_every_guest_type() {
    let mut users: Vec<Value> = GUEST_TYPES
        .iter()
        .zip(1..)
        .map(|(kind, n)| guest_user(n, kind))
        .collect();
    users.push(member(7));
    let t = tenant(
        &[
            Pol::new(1)
                .users(json!({ "includeUsers": ["GuestsOrExternalUsers"] }))
                .mfa(),
            Pol::new(2)
                .users(
                    json!({ "includeUsers": ["All"], "excludeUsers": ["GuestsOrExternalUsers"] }),
                )
                .block(),
        ],
        json!({ "directory": { "users": users } }),
    );
    for user in 1..=6 {
        check(
            &t,
            &Req::user(&uid(user)).password_only(),
            &stepup()
                .req(clause(vec![mfa()], &[1]))
                .policies(vec![step_up(1), not_applied(2, "users")]),
        );
    }
    check(
        &t,
        &Req::user(&uid(7)).password_only(),
        &deny()
            .reason(blocked(2))
            .policies(vec![not_applied(1, "users"), denied(2)]),
    );
}

#[test]
fn legacy_and_typed_selectors_are_unioned() {
    // §3.4.5: GuestsOrExternalUsers together with a typed selector (a warning) – the union.
    let t = tenant(
        &[Pol::new(1)
            .users(json!({
                "includeUsers": ["GuestsOrExternalUsers"],
                "includeGuestsOrExternalUsers": {
                    "guestOrExternalUserTypes": "serviceProvider",
                    "externalTenants": {
                        "@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
                        "membershipKind": "enumerated",
                        "members": [tid(9)]
                    }
                }
            }))
            .block()],
        json!({ "directory": { "users": [guest_user(1, "b2bCollaborationGuest"), member(2)] } }),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &Req::user(&uid(2)).password_only(),
        &allow("notApplied").policies(vec![not_applied(1, "users")]),
    );
}

fn enumerated_tenant_policy() -> Pol {
    Pol::new(1)
        .users(json!({ "includeGuestsOrExternalUsers": {
            "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest,b2bCollaborationMember",
            "externalTenants": {
                "@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
                "membershipKind": "enumerated",
                "members": [tid(1)]
            }
        } }))
        .block()
}

#[test]
fn enumerated_external_tenants_need_a_known_listed_home_tenant() {
    let t = tenant(
        &[enumerated_tenant_policy()],
        json!({ "directory": { "users": [
            // Homed in the listed tenant.
            { "id": uid(1), "userType": "Guest", "externalUserType": "b2bCollaborationGuest",
              "externalTenantId": tid(1) },
            // Homed in another tenant.
            { "id": uid(2), "userType": "Guest", "externalUserType": "b2bCollaborationGuest",
              "externalTenantId": tid(2) },
            // Internal guest: no home tenant elsewhere.
            { "id": uid(4), "userType": "Guest", "externalUserType": "internalGuest" },
            // Home tenant unknown in the directory.
            { "id": uid(3), "userType": "Guest", "externalUserType": "b2bCollaborationMember" }
        ] } }),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    for user in [2, 4] {
        check(
            &t,
            &Req::user(&uid(user)).password_only(),
            &allow("notApplied").policies(vec![not_applied(1, "users")]),
        );
    }
    // The home tenant falls back from the request to the directory, and the request may state it.
    check(
        &t,
        &Req::user(&uid(3))
            .identity("externalTenantId", json!(tid(1)))
            .password_only(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
}

#[test]
fn unknown_home_tenant_never_satisfies_an_enumerated_list() {
    // §3.4.6: a user whose home tenant is unknown never satisfies the list ("missing data never
    // matches a specific value"); §6 step 5 adds notEnoughInformation when the failure is caused
    // only by missing request data (here signInIdentity.externalTenantId, with no directory value).
    let t = tenant(
        &[enumerated_tenant_policy()],
        json!({ "directory": { "users": [
            { "id": uid(3), "userType": "Guest", "externalUserType": "b2bCollaborationMember" }
        ] } }),
    );
    check(
        &t,
        &Req::user(&uid(3)).password_only(),
        &allow("notApplied").policies(vec![not_applied(1, "notEnoughInformation,users")]),
    );
}

// ----- §3.4.4, §3.4.9: users not in the bundle ---------------------------------------------------

#[test]
fn a_user_outside_the_directory_has_unknown_groups_and_roles() {
    // §3.4 rule 9 (amended): user 9 is not in directory.users, although a group and a role
    // assignment name them. All covers them; their groups and roles are unknown, so the group
    // and role policies do not apply, and since they would block, the decision says which data
    // was missing (§7). An exclusion by an unknown group never exempts (policy 4 applies).
    let t = tenant(
        &[
            Pol::new(1).mfa(),
            Pol::new(2)
                .users(json!({ "includeGroups": [gid(1)] }))
                .block(),
            Pol::new(3).users(json!({ "includeRoles": [GA] })).block(),
            Pol::new(4)
                .users(json!({ "includeUsers": ["All"], "excludeGroups": [gid(1)] }))
                .grant_json(json!({ "operator": "OR", "termsOfUse": [guid(0x7e, 1)] })),
        ],
        directory(
            vec![member(1)],
            vec![json!({ "id": gid(1), "members": [uid(9)] })],
            vec![json!({ "principalId": uid(9), "roleDefinitionId": GA, "directoryScopeId": "/" })],
        ),
    );
    let out = check(
        &t,
        &Req::user(&uid(9)).password_only(),
        &stepup()
            .req(clause(vec![mfa()], &[1]))
            .req(clause(vec![terms(&guid(0x7e, 1))], &[4]))
            .policies(vec![
                step_up(1),
                not_applied(2, "notEnoughInformation,users"),
                not_applied(3, "notEnoughInformation,users"),
                step_up(4),
            ]),
    );
    assert!(
        out.warning_codes().contains(&"unknownUser"),
        "warning unknownUser expected\n{}",
        out.pretty()
    );
    let missing = out.json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "missingData")
        .unwrap_or_else(|| panic!("missingData expected\n{}", out.pretty()));
    assert_eq!(
        missing["fields"],
        json!(["groupMembership", "roleMembership"])
    );
    assert_eq!(missing["policyIds"], json!([pid(2), pid(3)]));
}

#[test]
fn known_user_gets_no_unknown_user_warning() {
    let t = tenant(
        &[Pol::new(1).mfa()],
        directory(vec![member(1)], vec![], vec![]),
    );
    let out = check(
        &t,
        &Req::user(&uid(1)).mfa_done(),
        &allow("success").policies(vec![success(1)]),
    );
    assert!(
        !out.warning_codes().contains(&"unknownUser"),
        "{}",
        out.pretty()
    );
}

#[test]
fn b2b_direct_connect_user_without_directory_object_is_covered_by_all() {
    let t = tenant(
        &[
            Pol::new(1).mfa(),
            Pol::new(2)
                .users(json!({ "includeGroups": [gid(1)] }))
                .block(),
        ],
        directory(
            vec![member(1)],
            vec![json!({ "id": gid(1), "members": [uid(1)] })],
            vec![],
        ),
    );
    check(
        &t,
        &Req::user(&uid(8))
            .identity("externalUserType", json!("b2bDirectConnectUser"))
            .identity("externalTenantId", json!(tid(3)))
            .password_only(),
        &stepup().req(clause(vec![mfa()], &[1])).policies(vec![
            step_up(1),
            not_applied(2, "notEnoughInformation,users"),
        ]),
    );
}

#[test]
fn none_contributes_nobody_to_the_union() {
    // §3.4.2: includeUsers None adds nobody, but the other include members still count.
    let t = tenant(
        &[Pol::new(1)
            .users(json!({ "includeUsers": ["None"], "includeGroups": [gid(1)] }))
            .block()],
        directory(
            vec![member(1), member(2)],
            vec![json!({ "id": gid(1), "members": [uid(1)] })],
            vec![],
        ),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &deny().reason(blocked(1)).policies(vec![denied(1)]),
    );
    check(
        &t,
        &Req::user(&uid(2)).password_only(),
        &allow("notApplied").policies(vec![not_applied(1, "users")]),
    );
}

// ----- §8.4 via §2.2: role assignment schedules when instances are absent -------------------------

fn schedule(user: u32, status: Option<&str>, start: String, duration: &str) -> Value {
    let mut s = json!({
        "id": format!("s-{user}"),
        "principalId": uid(user),
        "roleDefinitionId": GA,
        "directoryScopeId": "/",
        "memberType": "Direct",
        "assignmentType": "Assigned",
        "scheduleInfo": {
            "startDateTime": start,
            "expiration": { "type": "afterDuration", "duration": duration }
        }
    });
    if let Some(st) = status {
        s["status"] = json!(st);
    }
    s
}

#[test]
fn provisioned_role_assignment_schedules_count_when_instances_are_absent() {
    let t = tenant(
        &role_policies(),
        json!({
            "directory": { "users": [member(1), member(2), member(3)] },
            "pim": { "roleAssignmentSchedules": [
                schedule(1, Some("Provisioned"), at(-3600), "PT8H"),
                schedule(2, Some("Revoked"), at(-3600), "PT8H"),
                // Provisioned, but its window ended an hour ago.
                schedule(3, Some("Provisioned"), at(-10 * 3600), "PT9H"),
            ] }
        }),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &expect_role_holder(),
    );
    for user in [2, 3] {
        check(
            &t,
            &Req::user(&uid(user)).password_only(),
            &expect_not_role_holder(),
        );
    }
}

#[test]
fn role_assignment_schedule_without_status_does_not_count() {
    // §8.4: "A schedule then counts only when its status is Provisioned."
    let t = tenant(
        &role_policies(),
        json!({
            "directory": { "users": [member(1)] },
            "pim": { "roleAssignmentSchedules": [schedule(1, None, at(-3600), "PT8H")] }
        }),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &expect_not_role_holder(),
    );
}

#[test]
fn role_assignment_schedules_are_ignored_when_instances_are_present() {
    let t = tenant(
        &role_policies(),
        json!({
            "directory": { "users": [member(1), member(2)] },
            "pim": {
                "roleAssignmentSchedules": [schedule(1, Some("Provisioned"), at(-3600), "PT8H")],
                // The instance collection is present (it holds another user's instance).
                "roleAssignmentScheduleInstances": [{
                    "id": "a-2", "principalId": uid(2), "roleDefinitionId": EXA,
                    "directoryScopeId": "/", "memberType": "Direct", "assignmentType": "Assigned",
                    "startDateTime": at(-3600)
                }]
            }
        }),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &expect_not_role_holder(),
    );
}

#[test]
fn role_held_through_nested_group_membership_counts() {
    // §2.2: the principal may be any group in which the user is an active (transitive) member.
    let t = tenant(
        &role_policies(),
        directory(
            vec![member(1)],
            vec![
                json!({ "id": gid(1), "isAssignableToRole": true, "members": [gid(2)] }),
                json!({ "id": gid(2), "members": [uid(1)] }),
            ],
            vec![json!({ "principalId": gid(1), "roleDefinitionId": GA, "directoryScopeId": "/" })],
        ),
    );
    check(
        &t,
        &Req::user(&uid(1)).password_only(),
        &expect_role_holder(),
    );
}

#[test]
fn a_user_outside_the_directory_is_matched_by_its_listed_id() {
    // §3.4 rule 9 (amended): listing an object id needs no directory lookup. Policy 1 includes
    // user 9's id (applies and blocks); policy 2 excludes it from All (does not apply).
    let t = tenant(
        &[
            Pol::new(1)
                .users(json!({ "includeUsers": [uid(9)] }))
                .block(),
            Pol::new(2)
                .users(json!({ "includeUsers": ["All"], "excludeUsers": [uid(9)] }))
                .mfa(),
        ],
        directory(vec![member(1)], vec![], vec![]),
    );
    check(
        &t,
        &Req::user(&uid(9)).password_only(),
        &deny()
            .reason(blocked(1))
            .policies(vec![denied(1), not_applied(2, "users")]),
    );
}

#[test]
fn typed_guest_exclusion_exempts_only_matching_guests() {
    let t = tenant(
        &[Pol::new(1)
            .users(json!({
                "includeUsers": ["All"],
                "excludeGuestsOrExternalUsers": {
                    "guestOrExternalUserTypes": "b2bCollaborationGuest,serviceProvider",
                    "externalTenants": { "membershipKind": "all" }
                }
            }))
            .mfa()],
        json!({ "directory": { "users": [
            guest_user(1, "b2bCollaborationGuest"),
            guest_user(2, "serviceProvider"),
            guest_user(3, "otherExternalUser"),
            member(4)
        ] } }),
    );
    for user in [1, 2] {
        check(
            &t,
            &Req::user(&uid(user)).password_only(),
            &allow("notApplied").policies(vec![not_applied(1, "users")]),
        );
    }
    for user in [3, 4] {
        check(
            &t,
            &Req::user(&uid(user)).password_only(),
            &stepup()
                .req(clause(vec![mfa()], &[1]))
                .policies(vec![step_up(1)]),
        );
    }
}
