//! Directory objects (users, groups, role assignments), applications and service principals,
//! application groups and authentication contexts (docs/SEMANTICS.md §2, §3.6, §4.3).

use jiff::Timestamp;

use super::enums::{GuestType, UserType};
use super::read::{Obj, child, index, is_guid, split_flags};
use crate::diag::Diagnostics;
use crate::json::Json;

/// `directory.users[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Lowercased object id.
    pub id: String,
    /// Member or Guest (absent: member).
    pub user_type: Option<UserType>,
    /// Guest/external type flags ([`GuestType::bit`]).
    pub external_user_type: u8,
    /// Home tenant, lowercased.
    pub external_tenant_id: Option<String>,
    /// Sign-in name, as exported (for `jitgate test`'s `user:` shorthand; no decision reads it).
    pub user_principal_name: Option<String>,
    /// Display name, as exported (no decision reads it).
    pub display_name: Option<String>,
}

/// Hashes what a decision reads, so names do not change [`super::Tenant::revision`].
impl std::hash::Hash for User {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
        self.user_type.hash(state);
        self.external_user_type.hash(state);
        self.external_tenant_id.hash(state);
    }
}

/// `directory.groups[]`.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct Group {
    /// Lowercased object id.
    pub id: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Role-assignable group.
    pub is_assignable_to_role: bool,
    /// Direct member ids (users or groups), lowercased.
    pub members: Vec<String>,
    /// Dynamic membership rule, if any.
    pub membership_rule: Option<String>,
    /// Synchronised from on-premises.
    pub on_premises_sync_enabled: bool,
    /// JSON path, for diagnostics.
    pub source: String,
}

/// `directory.roleAssignments[]`: an active (non-PIM or exported) role assignment.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct RoleAssignment {
    /// User or group holding the role.
    pub principal_id: String,
    /// Role definition (= template id for built-in roles).
    pub role_definition_id: String,
    /// `/` for tenant-wide.
    pub directory_scope_id: String,
    /// Start, if limited.
    pub start: Option<Timestamp>,
    /// End, if limited.
    pub end: Option<Timestamp>,
}

/// An application or service principal (for id translation and custom security attributes).
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct AppObject {
    /// Lowercased object id.
    pub id: String,
    /// Lowercased appId.
    pub app_id: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Custom security attributes as (`Set_Name`, values).
    pub custom_security_attributes: Vec<(String, Vec<String>)>,
}

/// `authenticationContextClassReference`.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct AuthContext {
    /// Lowercased id (`c1`..`c99`).
    pub id: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Published to apps.
    pub is_available: bool,
}

/// The custom security attributes of an application or service principal, as filter rules read
/// them; an app the bundle does not know has none (every attribute is null).
pub struct CsaAttributes<'a>(pub Option<&'a AppObject>);

impl crate::filter::Attributes for CsaAttributes<'_> {
    fn value(&self, attribute: &crate::filter::Attribute) -> crate::filter::AttrValue<'_> {
        use crate::filter::{AttrValue, Attribute};
        let (Attribute::Custom { set, name }, Some(obj)) = (attribute, self.0) else {
            return AttrValue::Null;
        };
        let key = format!("{set}_{name}");
        obj.custom_security_attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
            .map_or(AttrValue::Null, |(_, v)| match v.as_slice() {
                [single] => AttrValue::Str(single),
                many => AttrValue::List(many),
            })
    }
}

fn lower_id(d: &mut Diagnostics, o: &Obj<'_>, key: &str) -> Option<String> {
    let s = o.req_str(d, key)?.trim();
    if !is_guid(s) {
        d.error(
            if s.contains(['<', '>', '%']) {
                "placeholder"
            } else {
                "invalidId"
            },
            &o.at(key),
            format!("\"{s}\" is not a GUID"),
        );
        return None;
    }
    Some(s.to_ascii_lowercase())
}

/// Reads a user.
pub fn parse_user(d: &mut Diagnostics, json: &Json, path: &str) -> Option<User> {
    // A directory export lists up to 100,000 users, nearly all in Graph's usual form.
    plain_user(json).or_else(|| read_user(d, json, path))
}

/// The keys of a user that are read, as Graph spells them.
const USER_KEYS: [&str; 6] = [
    "id",
    "userType",
    "externalUserType",
    "externalTenantId",
    "userPrincipalName",
    "displayName",
];

/// A user in Graph's usual form, read without an object reader: each read key spelled as
/// Graph spells it and met once, an id that is a GUID, each value a string (or null where the
/// key is optional; `externalUserType` also an array of strings), and no key the object reader
/// would act on (another spelling of a read key, an annotation or `@odata.type`, the SDK's
/// `AdditionalProperties`, a key met twice). `None` for anything else, which [`read_user`]
/// then reads (and reports) as before.
fn plain_user(json: &Json) -> Option<User> {
    let Json::Object(members) = json else {
        return None;
    };
    let mut values: [Option<&Json>; USER_KEYS.len()] = [None; USER_KEYS.len()];
    for (k, (key, value)) in members.iter().enumerate() {
        let key = key.as_ref();
        match USER_KEYS.iter().position(|name| *name == key) {
            Some(i) => match values.get_mut(i) {
                Some(slot @ None) => *slot = Some(value),
                _ => return None,
            },
            None => {
                let acted_on = key.starts_with('#')
                    || key.contains('@')
                    || key.eq_ignore_ascii_case("AdditionalProperties")
                    || USER_KEYS.iter().any(|name| name.eq_ignore_ascii_case(key))
                    || members
                        .iter()
                        .take(k)
                        .any(|(other, _)| other.eq_ignore_ascii_case(key));
                if acted_on {
                    return None;
                }
            }
        }
    }
    // Null is absent, as the object reader reads it.
    let [
        id,
        user_type,
        external_user_type,
        external_tenant_id,
        upn,
        display_name,
    ] = values.map(|v| v.filter(|v| !matches!(v, Json::Null)));
    fn text<'j>(v: Option<&'j Json<'j>>) -> Result<Option<&'j str>, ()> {
        match v {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.as_ref())),
            Some(_) => Err(()),
        }
    }
    let id = text(id).ok()??.trim();
    if !is_guid(id) {
        return None;
    }
    let external_user_type = match external_user_type {
        None => 0,
        Some(Json::String(s)) => guest_bits(s),
        Some(Json::Array(items)) => items.iter().try_fold(0u8, |bits, item| match item {
            Json::String(s) => Some(bits | guest_bits(s)),
            _ => None,
        })?,
        Some(_) => return None,
    };
    Some(User {
        id: id.to_ascii_lowercase(),
        user_type: text(user_type).ok()?.map(UserType::parse),
        external_user_type,
        external_tenant_id: text(external_tenant_id)
            .ok()?
            .map(|s| s.trim().to_ascii_lowercase()),
        user_principal_name: text(upn).ok()?.map(|s| s.trim().to_owned()),
        display_name: text(display_name).ok()?.map(str::to_owned),
    })
}

/// Reads a user through the object reader, reporting what is wrong.
fn read_user(d: &mut Diagnostics, json: &Json, path: &str) -> Option<User> {
    let o = Obj::new(d, json, path)?;
    let id = lower_id(d, &o, "id")?;
    let user_type = o.enumeration(d, "userType", UserType::parse);
    let external_user_type = o
        .flags(d, "externalUserType", GuestType::parse)
        .iter()
        .fold(0u8, |acc, t| acc | t.bit());
    let external_tenant_id = o
        .str(d, "externalTenantId")
        .map(|s| s.trim().to_ascii_lowercase());
    Some(User {
        id,
        user_type,
        external_user_type,
        external_tenant_id,
        user_principal_name: o.str(d, "userPrincipalName").map(|s| s.trim().to_owned()),
        display_name: o.str(d, "displayName").map(str::to_owned),
    })
}

/// Reads a group; `members` may hold id strings or `{id}` objects (Graph's `$expand=members`).
pub fn parse_group(d: &mut Diagnostics, json: &Json, path: &str) -> Option<Group> {
    let o = Obj::new(d, json, path)?;
    let id = lower_id(d, &o, "id")?;
    let items = o.items(d, "members");
    let mut members = Vec::with_capacity(items.len());
    // A member's path is written only for a diagnostic or an `{id}` object: a group may list
    // thousands of plain ids.
    let list = std::cell::OnceCell::new();
    let at = |i: usize| index(list.get_or_init(|| o.at("members")), i);
    for (i, item) in items.iter().enumerate() {
        let text = match item {
            Json::String(s) => Some(s.as_ref()),
            other => Obj::new(d, other, &at(i)).and_then(|m| m.req_str(d, "id")),
        };
        if let Some(s) = text {
            if is_guid(s.trim()) {
                members.push(s.trim().to_ascii_lowercase());
            } else {
                let path = match item {
                    Json::String(_) => at(i),
                    _ => child(&at(i), "id"),
                };
                d.error("invalidId", &path, format!("member \"{s}\" is not a GUID"));
            }
        }
    }
    Some(Group {
        id,
        display_name: o.str(d, "displayName").map(str::to_owned),
        is_assignable_to_role: o.bool(d, "isAssignableToRole").unwrap_or(false),
        members,
        membership_rule: o.str(d, "membershipRule").map(str::to_owned),
        on_premises_sync_enabled: o.bool(d, "onPremisesSyncEnabled").unwrap_or(false),
        source: format!("{}:{path}", d.file),
    })
}

/// Reads an active role assignment.
pub fn parse_role_assignment(
    d: &mut Diagnostics,
    json: &Json,
    path: &str,
) -> Option<RoleAssignment> {
    let o = Obj::new(d, json, path)?;
    let principal_id = lower_id(d, &o, "principalId");
    let role_definition_id = lower_id(d, &o, "roleDefinitionId");
    let directory_scope_id = o
        .str(d, "directoryScopeId")
        .unwrap_or("/")
        .trim()
        .to_owned();
    let start = o.time(d, "startDateTime");
    let end = o.time(d, "endDateTime");
    Some(RoleAssignment {
        principal_id: principal_id?,
        role_definition_id: role_definition_id?,
        directory_scope_id,
        start,
        end,
    })
}

/// Reads an application or service principal.
pub fn parse_app_object(d: &mut Diagnostics, json: &Json, path: &str) -> Option<AppObject> {
    let o = Obj::new(d, json, path)?;
    let id = o.req_str(d, "id")?.trim().to_ascii_lowercase();
    let app_id = o.str(d, "appId").map(|s| s.trim().to_ascii_lowercase());
    let mut csa = Vec::new();
    if let Some(sets) = o.obj(d, "customSecurityAttributes") {
        for (set, value) in sets.unread() {
            let Some(attrs) = Obj::new(d, value, &sets.at(set)) else {
                continue;
            };
            for (name, v) in attrs.unread() {
                let values = match v {
                    Json::String(s) => vec![s.to_string()],
                    Json::Array(items) => items
                        .iter()
                        .filter_map(|i| match i {
                            Json::String(s) => Some(s.to_string()),
                            Json::Number(n) => Some(n.to_string()),
                            Json::Bool(b) => Some(b.to_string()),
                            _ => None,
                        })
                        .collect(),
                    Json::Number(n) => vec![n.to_string()],
                    Json::Bool(b) => vec![b.to_string()],
                    _ => Vec::new(),
                };
                csa.push((format!("{set}_{name}"), values));
            }
        }
    }
    Some(AppObject {
        id,
        app_id,
        display_name: o.str(d, "displayName").map(str::to_owned),
        custom_security_attributes: csa,
    })
}

/// Reads an authentication context class reference.
pub fn parse_auth_context(d: &mut Diagnostics, json: &Json, path: &str) -> Option<AuthContext> {
    let o = Obj::new(d, json, path)?;
    let id = o.req_str(d, "id")?.trim().to_ascii_lowercase();
    Some(AuthContext {
        id,
        display_name: o.str(d, "displayName").map(str::to_owned),
        is_available: o.bool(d, "isAvailable").unwrap_or(false),
    })
}

/// Is `id` a valid authentication context id (`c1`..`c99`, §4.3)?
pub fn is_valid_auth_context_id(id: &str) -> bool {
    let lower = id.to_ascii_lowercase();
    let Some(num) = lower.strip_prefix('c') else {
        return false;
    };
    !num.starts_with('0')
        && !num.is_empty()
        && num.len() <= 2
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// Splits a flags string of guest types into bits (used by requests too).
pub fn guest_bits(s: &str) -> u8 {
    split_flags(s).fold(0u8, |acc, t| acc | GuestType::parse(t).bit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_context_ids() {
        for ok in ["c1", "C9", "c10", "c99"] {
            assert!(is_valid_auth_context_id(ok), "{ok}");
        }
        for bad in ["c0", "c100", "c01", "c", "x1", "c1a"] {
            assert!(!is_valid_auth_context_id(bad), "{bad}");
        }
    }

    /// The usual form read directly is the form the object reader reads, and everything the
    /// object reader would act on (or report) is left to it.
    #[test]
    fn a_plain_user_reads_as_the_object_reader_reads_it() {
        #![allow(clippy::unwrap_used, clippy::expect_used)]
        const ID: &str = "\"3F1A6C01-2B7D-4E8F-9A01-5C6D7E8F9A01\"";
        let plain = [
            format!(r#"{{"id": {ID}}}"#),
            format!(r#"{{"id": {ID}, "userType": "Member"}}"#),
            r#"{"id": " 3f1a6c01-2b7d-4e8f-9a01-5c6d7e8f9a01 ", "userType": "guest", "displayName": "A"}"#
                .to_owned(),
            format!(
                r#"{{"id": {ID}, "userType": "Guest", "externalUserType": "b2bCollaborationGuest, internalGuest", "externalTenantId": " ABC ", "userPrincipalName": " a@b.c ", "displayName": "A"}}"#
            ),
            format!(r#"{{"id": {ID}, "externalUserType": ["internalGuest", "otherExternalUser"]}}"#),
            format!(r#"{{"id": {ID}, "userType": null, "externalTenantId": null, "externalUserType": null}}"#),
            format!(r#"{{"id": {ID}, "mail": "x", "jobTitle": null, "businessPhones": [], "Mail2": 1}}"#),
            format!(r#"{{"id": {ID}, "userType": "somethingNew"}}"#),
        ];
        let other = [
            format!(r#"{{"Id": {ID}}}"#),
            format!(r#"{{"id": {ID}, "id": {ID}}}"#),
            format!(r#"{{"id": {ID}, "USERTYPE": "Guest"}}"#),
            format!(r##"{{"id": {ID}, "@odata.type": "#microsoft.graph.user"}}"##),
            format!(r#"{{"id": {ID}, "@odata.etag": "x"}}"#),
            format!(r#"{{"id": {ID}, "AdditionalProperties": {{"userType": "Guest"}}}}"#),
            format!(r#"{{"id": {ID}, "mail": "x", "MAIL": "y"}}"#),
            format!(r#"{{"id": {ID}, "userType": 5}}"#),
            format!(r#"{{"id": {ID}, "externalUserType": [1]}}"#),
            format!(r#"{{"id": {ID}, "externalUserType": true}}"#),
            format!(r#"{{"id": {ID}, "displayName": ["A"]}}"#),
            r#"{"id": "not-a-guid"}"#.to_owned(),
            r#"{"id": null}"#.to_owned(),
            r#"{"userType": "Member"}"#.to_owned(),
            r#"{"id": 7}"#.to_owned(),
            r#"["not an object"]"#.to_owned(),
            format!(r##"{{"id": {ID}, "#note": "x"}}"##),
            format!(r#"{{"id": {ID}, "x@y": "x"}}"#),
            format!(r#"{{"id": {ID}, "externalUserType": [null]}}"#),
            format!(r#"{{"id": {ID}, "ID": {ID}}}"#),
        ];
        for text in &plain {
            let json = crate::json::parse_str(text).unwrap();
            let fast = plain_user(&json).expect(text);
            let mut d = Diagnostics::new("t");
            assert_eq!(read_user(&mut d, &json, "$"), Some(fast), "{text}");
            assert!(d.items.is_empty(), "{text}: {:?}", d.items);
        }
        for text in &other {
            let json = crate::json::parse_str(text).unwrap();
            assert_eq!(plain_user(&json), None, "{text}");
        }
        // The read fields themselves.
        let json = crate::json::parse_str(&plain[3]).unwrap();
        let user = plain_user(&json).unwrap();
        assert_eq!(user.id, "3f1a6c01-2b7d-4e8f-9a01-5c6d7e8f9a01");
        assert_eq!(user.user_type, Some(UserType::Guest));
        assert_eq!(user.external_user_type, 3);
        assert_eq!(user.external_tenant_id.as_deref(), Some("abc"));
        assert_eq!(user.user_principal_name.as_deref(), Some("a@b.c"));
        assert_eq!(user.display_name.as_deref(), Some("A"));
    }

    #[test]
    fn guest_flags() {
        assert_eq!(guest_bits("b2bCollaborationGuest, internalGuest"), 3);
        assert_eq!(guest_bits(""), 0);
    }
}
