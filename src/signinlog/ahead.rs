//! Objects the one-pass reader reads ahead for the mapping: a record's device
//! (`deviceDetail`) and its authentication steps (`authenticationDetails`). Of each such
//! object it keeps the first value that is not absent of each member the mapping reads, in a
//! fixed place ([`Kept`]), and the mapping takes them from there, instead of from a tree of the
//! object's members (an allocation for each object and list, and a search by name for each
//! member read): the two were a tenth of a replayed record's mapping.

use smallvec::SmallVec;

use super::values::{ADDITIONAL_PROPERTIES, is_absent, same_name};
use crate::json::Json;
use crate::json::scan::Scan;
use crate::json::shape::Shape;

/// Of each of `N` names, the first member of that name (in any case) that is not absent, as a
/// search of the object's members finds it.
pub(super) type Kept<'a, const N: usize> = [Option<Json<'a>>; N];

/// The members of a step the mapping reads, in the places a [`Step`] holds them.
pub(super) const STEP_KEYS: [&str; 3] = [
    "succeeded",
    "authenticationMethod",
    "authenticationStepDateTime",
];

/// One authentication step.
pub(super) type Step<'a> = Kept<'a, 3>;

/// A record's steps that are objects, in order (Graph logs one to three).
pub(super) type Steps<'a> = SmallVec<[Step<'a>; 2]>;

/// The members of a device the mapping reads, in the places a [`Device`] holds them.
pub(super) const DEVICE_KEYS: [&str; 5] = [
    "deviceId",
    "displayName",
    "operatingSystem",
    "isCompliant",
    "trustType",
];

/// A record's device.
pub(super) type Device<'a> = Kept<'a, 5>;

/// The class of a member that is none of the names kept: skipped.
const SKIPPED: u16 = u16::MAX;
/// The class of the PowerShell SDK's `AdditionalProperties`: the mapping would search it too,
/// so the reading ends (the caller reads the record another way).
const NESTED: u16 = u16::MAX - 1;

/// A member's class: its place among `keys`, or neither.
fn class(keys: &[&str], key: &str) -> u16 {
    if same_name(key, ADDITIONAL_PROPERTIES) {
        return NESTED;
    }
    keys.iter()
        .position(|k| same_name(key, k))
        .map_or(SKIPPED, |i| i as u16)
}

/// The object at the scanner (a `{`, at `depth`), its members predicted by `shape`: of each of
/// `keys`, the first value that is not absent. `None` where the text leaves the one-pass
/// reader's form, or the object holds `AdditionalProperties`.
pub(super) fn read_object<'a, const N: usize>(
    s: &mut Scan<'a>,
    depth: usize,
    shape: &mut Shape,
    keys: &[&str; N],
) -> Option<Kept<'a, N>> {
    let mut kept: Kept<'a, N> = std::array::from_fn(|_| None);
    s.object_shaped(
        Some(shape),
        |key| class(keys, key),
        |s, _, class| match class {
            SKIPPED => s.skip(depth + 1),
            NESTED => None,
            k => {
                let value = s.value(depth + 1)?;
                if let Some(slot) = kept.get_mut(usize::from(k))
                    && slot.is_none()
                    && !is_absent(&value)
                {
                    *slot = Some(value);
                }
                Some(())
            }
        },
    )?;
    Some(kept)
}

/// The steps of the list at the scanner (a `[`, at `depth`), each object's members predicted
/// by `shape`; items that are not objects are read as the tree reading builds them (so that
/// what `serde_json` refuses to build, a lone surrogate or a number out of range, ends this
/// reading too) and passed over, as the mapping passes them over. `None` as [`read_object`]
/// says, or where such an item is outside the one-pass reader's form.
pub(super) fn read_steps<'a>(
    s: &mut Scan<'a>,
    depth: usize,
    shape: &mut Shape,
) -> Option<Steps<'a>> {
    let mut steps = Steps::new();
    s.array(|s| {
        if s.peek()? != b'{' {
            return s.value(depth + 1).map(drop);
        }
        steps.push(read_object(s, depth + 1, shape, &STEP_KEYS)?);
        Some(())
    })?;
    Some(steps)
}

/// An object's members as [`read_object`] reads them, from its tree (for the tests and the
/// fuzz target, which compare the two).
#[cfg(any(test, feature = "fuzzing"))]
pub(super) fn kept_of<'a, const N: usize>(
    members: &[(std::borrow::Cow<'a, str>, Json<'a>)],
    keys: &[&str; N],
) -> Option<Kept<'a, N>> {
    let mut kept: Kept<'a, N> = std::array::from_fn(|_| None);
    for (key, value) in members {
        match class(keys, key) {
            SKIPPED => {}
            NESTED => return None,
            k => {
                if let Some(slot) = kept.get_mut(usize::from(k))
                    && slot.is_none()
                    && !is_absent(value)
                {
                    *slot = Some(value.clone());
                }
            }
        }
    }
    Some(kept)
}

/// A list's steps as [`read_steps`] reads them, from its tree.
#[cfg(any(test, feature = "fuzzing"))]
pub(super) fn steps_of<'a>(items: &[Json<'a>]) -> Option<Steps<'a>> {
    let mut steps = Steps::new();
    for item in items {
        if let Json::Object(members) = item {
            steps.push(kept_of(members, &STEP_KEYS)?);
        }
    }
    Some(steps)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

    use super::*;
    use crate::signinlog::select::{fast_path_agrees, mapping_keeps_what_it_reads};

    /// Step lists of every kind the mapping meets: none, Graph's, members in any case and
    /// repeated with absent values before them, values of other types, items that are not
    /// objects, members in another order, and those the reading leaves to the tree
    /// (`AdditionalProperties`, damaged text).
    const LISTS: [&str; 9] = [
        r#"[]"#,
        r#"[{"RequestSequence": 0, "authenticationMethod": "Password", "authenticationMethodDetail": null,
            "authenticationStepDateTime": "2026-03-02T12:21:20.9582516Z", "succeeded": true,
            "x": [1, {"y": 2.5}]},
           {"RequestSequence": 0, "authenticationMethod": "Text message", "authenticationMethodDetail": null,
            "authenticationStepDateTime": "2026-03-02T12:21:20.9582516Z", "succeeded": true,
            "x": [1, {"y": 2.5}]}]"#,
        r#"[{"SUCCEEDED": null, "succeeded": "None", "Succeeded": "false", "succeeded": true,
            "AuthenticationMethod": 3, "authenticationMethod": "SMS",
            "authenticationStepDateTime": null, "AUTHENTICATIONSTEPDATETIME": "2026-03-02T12:00:00Z"}]"#,
        r#"[1, "text", null, [{"deep": 2}], {"authenticationMethod": "Mobile app notification"}, true]"#,
        r#"[{"authenticationStepDateTime": "2026-03-02T12:21:20Z", "authenticationMethod": "Voice call"},
           {"authenticationMethod": "Previously satisfied", "authenticationStepDateTime": "2026-03-02T12:21:20Z"},
           {"succeeded": false, "authenticationMethod": "FIDO2 security key"}]"#,
        r#"[{"authenticationMethod": "Text message", "authenticationStepDateTime": "not a time"}]"#,
        r#"[{"authenticationMethod": "Pigeon"}, {}]"#,
        r#"[{"authenticationMethod": "Password", "AdditionalProperties": {"succeeded": false}}]"#,
        r#"[{"authenticationMethod": "Password", "succeeded": tru}]"#,
    ];

    /// The steps `read_steps` reads from `list`, with `shape` (and at depth 1, as a record's).
    fn read<'a>(list: &'a str, shape: &mut Shape) -> Option<Steps<'a>> {
        let mut s = Scan::new(list);
        read_steps(&mut s, 1, shape).filter(|_| s.at_end())
    }

    #[test]
    fn steps_read_ahead_are_those_a_search_of_the_tree_finds() {
        // One shape for every list, each read twice: members predicted from the list before
        // read as members read anew.
        let mut shape = Shape::learning_one();
        for list in LISTS.iter().chain(LISTS.iter().rev()) {
            for _ in 0..2 {
                let from_tree = crate::json::parse_str(list)
                    .ok()
                    .and_then(|tree| match tree {
                        Json::Array(items) => steps_of(&items),
                        _ => None,
                    });
                assert_eq!(read(list, &mut shape), from_tree, "{list}");
            }
        }
        let graph = read(LISTS[1], &mut shape).unwrap();
        assert_eq!(graph.len(), 2);
        assert_eq!(graph[1][1], Some(Json::String("Text message".into())));
        let repeated = read(LISTS[2], &mut shape).unwrap();
        assert_eq!(
            repeated[0],
            [
                Some(Json::String("false".into())),
                Some(Json::Number(3.into())),
                Some(Json::String("2026-03-02T12:00:00Z".into())),
            ]
        );
        assert_eq!(read(LISTS[3], &mut shape).unwrap().len(), 1);
        // An item that is not an object is read as the tree reading builds it: a float in it
        // leaves the list to that reading.
        assert!(read(r#"[[{"deep": 1.5}], {}]"#, &mut shape).is_none());
        assert!(read(LISTS[7], &mut shape).is_none());
        assert!(read(LISTS[8], &mut shape).is_none());
    }

    #[test]
    fn a_record_maps_from_steps_read_ahead_as_from_its_whole_tree() {
        for list in LISTS {
            let record = format!(
                r#"{{"id": "r1", "createdDateTime": "2026-03-02T12:21:20.9582516Z",
                    "userId": "3f1a6c02-2b7d-4e8f-9a01-5c6d7e8f9a02", "clientAppUsed": "Browser",
                    "appId": "00000003-0000-0000-c000-000000000000", "ipAddress": "203.0.113.7",
                    "authenticationDetails": {list},
                    "authenticationMethodsUsed": ["Password", "Email OTP"]}}"#
            );
            for _ in 0..2 {
                assert!(fast_path_agrees(&record), "{record}");
                assert!(mapping_keeps_what_it_reads(&record), "{record}");
            }
        }
    }

    #[test]
    fn steps_read_ahead_map_to_the_methods_and_times_they_prove() {
        use crate::model::enums::AuthMethod as M;
        let at = |list: &str| {
            format!(
                r#"{{"createdDateTime": "2026-03-02T12:21:20.9582516Z",
                    "userId": "3f1a6c02-2b7d-4e8f-9a01-5c6d7e8f9a02", "clientAppUsed": "Browser",
                    "appId": "00000003-0000-0000-c000-000000000000", "ipAddress": "203.0.113.7",
                    "authenticationDetails": {list},
                    "authenticationMethodsUsed": ["Password", "Email OTP"]}}"#
            )
        };
        let mapped = |record: &str| {
            let Ok(m) = crate::signinlog::select::map_text(record) else {
                panic!("{record} did not map");
            };
            let s = m.request.session();
            (s.methods.0, s.last_mfa.map(|t| t.to_string()), m.missing)
        };
        let bits = |ms: &[M]| ms.iter().fold(0, |b, m| b | m.bit());
        // Graph's two steps: a password and a text message at the sign-in's own time.
        let graph = at(LISTS[1]);
        assert!(
            crate::signinlog::select::parse_record(&graph)
                .unwrap()
                .steps
                .is_some()
        );
        assert_eq!(
            mapped(&graph),
            (
                bits(&[M::Password, M::Sms]),
                Some("2026-03-02T12:21:20.9582516Z".to_owned()),
                vec!["country", "devicePlatform"]
            )
        );
        // The first `succeeded` that is not absent is "false": the step proves nothing, and the
        // methods come from `authenticationMethodsUsed`, which gives no time.
        assert_eq!(
            mapped(&at(LISTS[2])),
            (
                bits(&[M::Password, M::Email]),
                None,
                vec!["country", "devicePlatform", "lastMfaDateTime"]
            )
        );
        // A voice call with its time; "Previously satisfied" leaves the time unknown; a failed
        // step proves nothing.
        assert_eq!(
            mapped(&at(LISTS[4])),
            (
                bits(&[M::Voice]),
                Some("2026-03-02T12:21:20Z".to_owned()),
                vec!["country", "devicePlatform"]
            )
        );
        // A method jitgate does not know, and no other: the methods come from
        // `authenticationMethodsUsed`.
        assert_eq!(
            mapped(&at(LISTS[6])),
            (
                bits(&[M::Password, M::Email]),
                None,
                vec![
                    "country",
                    "devicePlatform",
                    "authenticationMethods",
                    "lastMfaDateTime"
                ]
            )
        );
    }

    /// Devices of every kind: Graph's, members in any case and repeated with absent values
    /// before them, values of other types, and those the reading leaves to the tree.
    const DEVICES: [&str; 5] = [
        r#"{"browser": "Edge 122.0.0", "deviceId": "", "displayName": null, "isCompliant": true,
            "isManaged": true, "operatingSystem": "Ubuntu", "trustType": ""}"#,
        r#"{"DEVICEID": null, "deviceId": "None", "DeviceId": "d0000000-0000-4000-8000-000000000002",
            "operatingSystem": 7, "OperatingSystem": "Windows 10", "isCompliant": "True",
            "trustType": "Azure AD joined", "displayName": "PAW-01", "x": {"y": [1.5]}}"#,
        r#"{}"#,
        r#"{"deviceId": "d1", "AdditionalProperties": {"trustType": "Hybrid Azure AD joined"}}"#,
        r#"{"deviceId": "d1", "isCompliant": tru}"#,
    ];

    #[test]
    fn a_device_read_ahead_is_what_a_search_of_the_tree_finds() {
        let mut shape = Shape::learning_one();
        for device in DEVICES.iter().chain(DEVICES.iter().rev()) {
            for _ in 0..2 {
                let mut s = Scan::new(device);
                let read = read_object(&mut s, 1, &mut shape, &DEVICE_KEYS).filter(|_| s.at_end());
                let from_tree = crate::json::parse_str(device)
                    .ok()
                    .and_then(|tree| match tree {
                        Json::Object(members) => kept_of(&members, &DEVICE_KEYS),
                        _ => None,
                    });
                assert_eq!(read, from_tree, "{device}");
            }
        }
        let mut s = Scan::new(DEVICES[1]);
        let repeated = read_object(&mut s, 1, &mut shape, &DEVICE_KEYS).unwrap();
        assert_eq!(
            repeated,
            [
                Some(Json::String("d0000000-0000-4000-8000-000000000002".into())),
                Some(Json::String("PAW-01".into())),
                Some(Json::Number(7.into())),
                Some(Json::String("True".into())),
                Some(Json::String("Azure AD joined".into())),
            ]
        );
    }

    #[test]
    fn a_device_read_ahead_maps_as_from_the_whole_tree_and_to_the_request() {
        let at = |device: &str| {
            format!(
                r#"{{"createdDateTime": "2026-03-02T12:21:20Z",
                    "userId": "3f1a6c02-2b7d-4e8f-9a01-5c6d7e8f9a02", "clientAppUsed": "Browser",
                    "appId": "00000003-0000-0000-c000-000000000000", "ipAddress": "203.0.113.7",
                    "location": {{"countryOrRegion": "NL"}}, "deviceDetail": {device}}}"#
            )
        };
        for device in DEVICES {
            let record = at(device);
            for _ in 0..2 {
                assert!(fast_path_agrees(&record), "{record}");
                assert!(mapping_keeps_what_it_reads(&record), "{record}");
            }
        }
        let mapped = |record: &str| {
            let Ok(m) = crate::signinlog::select::map_text(record) else {
                panic!("{record} did not map");
            };
            let c = m.request.conditions();
            (c.platform.clone(), c.device.clone(), m.missing)
        };
        // Graph's: Ubuntu is Linux; no device id or trust type, so no device attributes.
        let graph = at(DEVICES[0]);
        assert!(
            crate::signinlog::select::parse_record(&graph)
                .unwrap()
                .device
                .is_some()
        );
        assert_eq!(
            mapped(&graph),
            (Some(crate::model::enums::Platform::Linux), None, vec![])
        );
        // The first of each member that is not absent: an operating system that is not text
        // names no platform.
        let (platform, device, missing) = mapped(&at(DEVICES[1]));
        assert_eq!((platform, missing), (None, vec!["devicePlatform"]));
        let device = device.unwrap();
        assert_eq!(
            (
                device.device_id.as_deref(),
                device.display_name.as_deref(),
                device.operating_system.as_deref(),
                device.is_compliant,
                device.trust_type.as_deref(),
            ),
            (
                Some("d0000000-0000-4000-8000-000000000002"),
                Some("PAW-01"),
                None,
                Some(true),
                Some("AzureAD"),
            )
        );
    }
}
