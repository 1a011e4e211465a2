//! Where a record's top-level fields are. The mapping looks up some thirty fields in each
//! record, each by up to three names in any case; searching the members for each name was a
//! tenth of a replayed record's cost. Instead each record gets an index of the fields the
//! reader keeps ([`RECORD_KEYS`]), made as the one-pass reader reads their keys (or from the
//! members, for the `serde_json` reading and the public `map`), and each lookup's places in it
//! are worked out when the program is built ([`Field`], written with [`field!`]).

use super::values::{Members, is_absent, same_name_at_build};
use crate::json::Json;
use crate::json::scan::Names;

/// Top-level fields the mapping reads (any case).
pub(super) const RECORD_KEYS: [&str; FIELDS] = [
    "id",
    "CorrelationId",
    "createdDateTime",
    "TimeGenerated",
    "time",
    "userId",
    "appId",
    "servicePrincipalId",
    "signInEventTypes",
    "userType",
    "crossTenantAccessType",
    "homeTenantId",
    "resourceTenantId",
    "TenantId",
    "ResourceIdentity",
    "resourceId",
    "ipAddress",
    "location",
    "LocationDetails",
    "clientAppUsed",
    "deviceDetail",
    "riskLevelDuringSignIn",
    "riskLevelAggregated",
    "servicePrincipalRiskLevel",
    "originalTransferMethod",
    "authenticationProtocol",
    "authenticationDetails",
    "authenticationMethodsUsed",
    "authenticationContextClassReferences",
    "conditionalAccessStatus",
    "ConditionalAccessPolicies",
    "properties",
    "AdditionalProperties",
];

/// How many top-level fields the reader keeps.
pub(super) const FIELDS: usize = 33;

/// [`RECORD_KEYS`], each found with one hash (the one-pass reader's table too).
pub(super) const RECORD_NAMES: Names<FIELDS> = Names::new(RECORD_KEYS);

// No two kept names are the same in any case: a name's place is the one `RECORD_NAMES` finds.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const _: () = {
    let mut i = 0;
    while i < FIELDS {
        let mut j = i + 1;
        while j < FIELDS {
            assert!(
                !same_name_at_build(RECORD_KEYS[i], RECORD_KEYS[j]),
                "two kept names are the same in some case"
            );
            j += 1;
        }
        i += 1;
    }
};

/// The place of `name` among [`RECORD_KEYS`] (a name that is none of them fails the build).
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
pub(super) const fn place_of(name: &str) -> usize {
    let mut k = 0;
    while k < FIELDS && !same_name_at_build(name, RECORD_KEYS[k]) {
        k += 1;
    }
    assert!(k < FIELDS, "not a kept name");
    k
}

/// The most names one field is looked up by.
const MAX_NAMES: usize = 3;

/// A name that is none of [`RECORD_KEYS`]: looked up by searching the members.
pub(super) const NOT_KEPT: u8 = u8::MAX;

/// A field's names, in the order they are looked up, and each one's place among
/// [`RECORD_KEYS`].
pub(super) struct Field {
    pub(super) names: &'static [&'static str],
    places: [u8; MAX_NAMES],
    /// Is every name one of [`RECORD_KEYS`] (found in an index, never searched for)?
    pub(super) kept: bool,
}

impl Field {
    /// `names`' places worked out; called in a `const` block by [`field!`], so a field with
    /// too many names fails the build.
    #[expect(
        clippy::indexing_slicing,
        reason = "evaluated at compile time: an index out of range fails the build"
    )]
    pub(super) const fn new(names: &'static [&'static str]) -> Field {
        assert!(names.len() <= MAX_NAMES, "a field has at most three names");
        assert!(FIELDS < NOT_KEPT as usize, "a place fits in a byte");
        let mut places = [NOT_KEPT; MAX_NAMES];
        let mut kept = true;
        let mut i = 0;
        while i < names.len() {
            let mut k = 0;
            while k < FIELDS {
                if same_name_at_build(names[i], RECORD_KEYS[k]) {
                    places[i] = k as u8;
                }
                k += 1;
            }
            kept &= places[i] != NOT_KEPT;
            i += 1;
        }
        Field {
            names,
            places,
            kept,
        }
    }

    /// Each name's place among [`RECORD_KEYS`] ([`NOT_KEPT`]: not one of them).
    #[inline]
    pub(super) fn places(&self) -> &[u8] {
        self.places.get(..self.names.len()).unwrap_or_default()
    }
}

/// A [`Field`] by its names, worked out when the program is built:
/// `rec.str(field!["resourceTenantId", "TenantId"])`.
macro_rules! field {
    ($($name:literal),+ $(,)?) => {
        &const { $crate::signinlog::fields::Field::new(&[$($name),+]) }
    };
}
pub(super) use field;

/// No member of that name.
const NOWHERE: usize = usize::MAX;

/// For each of [`RECORD_KEYS`], the place in an object's members of the first member of that
/// name (in any case) that is not absent (`null`, or `"None"`): where a search of the members
/// for that name would stop.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FieldIndex([usize; FIELDS]);

impl FieldIndex {
    /// An index of no members, to [`FieldIndex::note`] them into as they are read.
    pub(super) fn new() -> FieldIndex {
        FieldIndex([NOWHERE; FIELDS])
    }

    /// The index of `members`.
    pub(super) fn of(members: &Members<'_>) -> FieldIndex {
        let mut index = FieldIndex::new();
        for (place, (key, value)) in members.iter().enumerate() {
            if let Some(k) = RECORD_NAMES.find(key) {
                index.note(k, place, value);
            }
        }
        index
    }

    /// Notes the member at `place`, whose key is the `k`th of [`RECORD_KEYS`] and whose value
    /// is `value` (members are noted in order).
    pub(super) fn note(&mut self, k: usize, place: usize, value: &Json<'_>) {
        if let Some(slot) = self.0.get_mut(k)
            && *slot == NOWHERE
            && !is_absent(value)
        {
            *slot = place;
        }
    }

    /// Is there a member of `f`'s first name, in any case, that is not absent? (A name that is
    /// not kept is taken to be there: the caller searches.)
    #[inline]
    pub(super) fn has(&self, f: &Field) -> bool {
        match f.places().first() {
            Some(&k) if k != NOT_KEPT => self.place(usize::from(k)).is_some(),
            _ => true,
        }
    }

    /// Where the `k`th of [`RECORD_KEYS`] is, if anywhere.
    #[inline]
    pub(super) fn place(&self, k: usize) -> Option<usize> {
        self.0.get(k).copied().filter(|&at| at != NOWHERE)
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn a_field_knows_the_places_of_its_kept_names_in_any_case() {
        let f = field!["id", "ID", "deviceId"];
        assert_eq!(f.names, ["id", "ID", "deviceId"]);
        assert_eq!(f.places(), [0, 0, NOT_KEPT]);
        let f = field!["resourceTenantId", "TenantId"];
        let place = |n: &str| RECORD_KEYS.iter().position(|k| *k == n).map(|k| k as u8);
        assert_eq!(
            f.places().iter().map(|&k| Some(k)).collect::<Vec<_>>(),
            [place("resourceTenantId"), place("TenantId")]
        );
        assert!(f.places().iter().all(|&k| k != NOT_KEPT));
    }

    #[test]
    fn the_index_holds_the_first_member_that_is_not_absent_in_any_case() {
        let s = |t: &'static str| Json::String(Cow::Borrowed(t));
        let members = vec![
            (Cow::Borrowed("USERID"), Json::Null),
            (Cow::Borrowed("other"), s("x")),
            (Cow::Borrowed("userId"), s("None")),
            (Cow::Borrowed("UserId"), s("u1")),
            (Cow::Borrowed("userid"), s("u2")),
            (Cow::Borrowed("appId"), s("a")),
        ];
        let index = FieldIndex::of(&members);
        let k = |n: &str| RECORD_KEYS.iter().position(|k| *k == n);
        assert_eq!(k("userId").and_then(|k| index.place(k)), Some(3));
        assert_eq!(k("appId").and_then(|k| index.place(k)), Some(5));
        assert_eq!(k("ipAddress").and_then(|k| index.place(k)), None);
        assert_eq!(index.place(FIELDS), None);
        // Noted one by one, the same index.
        let mut noted = FieldIndex::new();
        for (place, (key, value)) in members.iter().enumerate() {
            if let Some(k) = RECORD_KEYS.iter().position(|k| k.eq_ignore_ascii_case(key)) {
                noted.note(k, place, value);
            }
        }
        assert_eq!(noted, index);
    }

    #[test]
    fn has_says_whether_a_kept_name_holds_a_value_and_leaves_others_to_a_search() {
        let s = |t: &'static str| Json::String(Cow::Borrowed(t));
        let members = vec![
            (Cow::Borrowed("PROPERTIES"), Json::Null),
            (Cow::Borrowed("additionalproperties"), s("None")),
            (Cow::Borrowed("userId"), s("u1")),
        ];
        let index = FieldIndex::of(&members);
        assert!(index.has(field!["userId"]));
        assert!(index.has(field!["UserID", "appId"]));
        assert!(!index.has(field!["properties"]));
        assert!(!index.has(field!["AdditionalProperties"]));
        assert!(!index.has(field!["appId"]));
        // Not a kept name: the caller must search.
        assert!(index.has(field!["deviceId"]));
        let later = vec![
            (Cow::Borrowed("properties"), Json::Null),
            (Cow::Borrowed("Properties"), Json::Object(Vec::new())),
        ];
        assert!(FieldIndex::of(&later).has(field!["properties"]));
    }
}
