//! Reading a record's text for only the fields the mapping reads: the rest of a record (user
//! agents, network details, processing details, each policy's control lists) is skipped by the
//! parser without being built, which is most of a sign-in record's bytes.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::MappedSignIn;
use super::fields::{FIELDS, FieldIndex, RECORD_KEYS, RECORD_NAMES};
use super::scan::{Form, Scanned, wanted};
use super::values::{ADDITIONAL_PROPERTIES, flags, nested_members, nested_table};
use crate::json::{Json, Key, json_scalars};

/// [`RECORD_KEYS`] as the one-pass reader reads them: a table it finds a key in with one hash,
/// the members it keeps of each key's objects, and the keys that wrap a record's fields.
const RECORD_FORM: Form<FIELDS> = Form {
    keys: RECORD_NAMES,
    nested: nested_table(RECORD_KEYS),
    wraps: flags(RECORD_KEYS, &["properties", ADDITIONAL_PROPERTIES]),
    records: flags(RECORD_KEYS, &[RECORD_IN]),
    policy_keys: &POLICY_KEYS,
};

/// The member Azure Monitor (diagnostic settings) wraps a sign-in record in: both readers read
/// it as a record, keeping what the mapping reads of it.
const RECORD_IN: &str = "properties";

/// The fields of each applied policy the comparison reads, and the PowerShell SDK's
/// `AdditionalProperties`, where the mapping looks for them too.
const POLICY_KEYS: [&str; 6] = [
    "id",
    "result",
    "displayName",
    "conditionsSatisfied",
    "conditionsNotSatisfied",
    "AdditionalProperties",
];

pub(super) const POLICIES: &str = "appliedConditionalAccessPolicies";

/// Parses a record's text, keeping only what the mapping reads: in one pass over the bytes
/// when the record is in the common form ([`super::scan`]), else with `serde_json`.
pub(super) fn parse_record(text: &str) -> Result<Scanned<'_>, serde_json::Error> {
    match fast(text) {
        Some(v) => Ok(v),
        None => parse_record_slow(text).map(|record| Scanned {
            index: index_of(&record),
            record,
            policies: None,
            steps: None,
            device: None,
        }),
    }
}

/// Maps a record's text, parsed by [`parse_record`].
pub(super) fn map_text(text: &str) -> Result<MappedSignIn<'_>, TextError> {
    let Scanned {
        record,
        policies,
        steps,
        device,
        index,
    } = parse_record(text).map_err(TextError::Json)?;
    if !matches!(record, Json::Object(_)) {
        return Err(TextError::NotAnObject(record.kind()));
    }
    let ahead = super::map::ReadAhead {
        policies,
        steps: steps.as_deref(),
        device: device.as_ref(),
    };
    let mapped = super::map::map_with(&record, ahead, Some(index));
    super::scan::give_back(record);
    mapped.map_err(TextError::Unmapped)
}

/// Why a record's text did not map.
pub(super) enum TextError {
    /// Not JSON.
    Json(serde_json::Error),
    /// JSON, but not an object: what it is.
    NotAnObject(&'static str),
    /// A record the mapping refused.
    Unmapped(super::SignInLogError),
}

/// The one-pass reading, where the record is in its form.
fn fast(text: &str) -> Option<Scanned<'_>> {
    super::scan::record(text, &RECORD_FORM, POLICIES)
}

/// Does the fast path, where it answers, answer what `serde_json` and the mapping do? (For the
/// fuzz target and the tests.) The text is read with no key predicted, then again with its
/// keys predicted from that reading (`json/shape.rs`): both readings must agree.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn fast_path_agrees(text: &str) -> bool {
    super::scan::forget_shapes();
    let first = fast(text);
    let again = fast(text);
    first == again
        && match first {
            Some(v) => parse_record_slow(text).is_ok_and(|slow| {
                let ahead = [v.steps.is_some(), v.device.is_some()];
                as_scanned(slow, v.policies.is_some(), ahead) == Some(v)
            }),
            None => true,
        }
}

/// Does the mapping of `text` as replay reads it (only the fields, and the nested members, the
/// mapping reads) equal the mapping of the whole parsed record? That is, is nothing the mapping
/// reads left out? (For the fuzz target and the tests.)
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn mapping_keeps_what_it_reads(text: &str) -> bool {
    let Ok(whole) = crate::json::parse_str(text) else {
        return true;
    };
    match (map_text(text), super::map::map(&whole)) {
        (Ok(kept), Ok(all)) => format!("{kept:?}") == format!("{all:?}"),
        (Err(TextError::Unmapped(kept)), Err(all)) => format!("{kept:?}") == format!("{all:?}"),
        (Err(TextError::NotAnObject(_)), Err(_)) => !matches!(whole, Json::Object(_)),
        _ => false,
    }
}

/// The slow reading in the fast path's form: with `read`, the applied policies mapped and an
/// empty list in their place (`None` when the mapping refuses one); with `ahead`, the
/// authentication steps and the device read as the fast path reads them ahead, and an empty
/// list or object in their place.
#[cfg(any(test, feature = "fuzzing"))]
fn as_scanned(
    mut record: Json<'_>,
    read: bool,
    [read_steps, read_device]: [bool; 2],
) -> Option<Scanned<'_>> {
    use super::ahead::{DEVICE_KEYS, kept_of, steps_of};
    let mut policies = None;
    let (mut steps, mut device) = (None, None);
    if let Json::Object(members) = &mut record {
        for (key, value) in members.iter_mut() {
            if read_steps && key.eq_ignore_ascii_case("authenticationDetails") {
                let Json::Array(items) = std::mem::replace(value, Json::Array(Vec::new())) else {
                    return None;
                };
                steps = Some(steps_of(&items)?);
            }
            if read_device && key.eq_ignore_ascii_case("deviceDetail") {
                let Json::Object(members) = std::mem::replace(value, Json::Object(Vec::new()))
                else {
                    return None;
                };
                device = Some(kept_of(&members, &DEVICE_KEYS)?);
            }
        }
    }
    if read && let Json::Object(members) = &mut record {
        for (key, value) in members.iter_mut() {
            if key.eq_ignore_ascii_case(POLICIES) {
                let Json::Array(items) = std::mem::replace(value, Json::Array(Vec::new())) else {
                    return None;
                };
                let mut list = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let Json::Object(m) = item else { return None };
                    list.push(super::logged::logged_policy(i, m).ok()?.into_owned());
                }
                policies = Some(list);
            }
        }
    }
    Some(Scanned {
        index: index_of(&record),
        record,
        policies,
        steps,
        device,
    })
}

/// The index of a record's fields (of none, when it is not an object).
fn index_of(record: &Json<'_>) -> FieldIndex {
    match record {
        Json::Object(members) => FieldIndex::of(members),
        _ => FieldIndex::new(),
    }
}

/// [`parse_record`] by `serde_json` alone: the reading every input gets an answer from.
pub(super) fn parse_record_slow(text: &str) -> Result<Json<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = de.deserialize_any(Selected {
        keys: &RECORD_KEYS,
        records: true,
    })?;
    de.end()?;
    Ok(value)
}

/// An object with only `keys` kept; any other JSON value as it is.
struct Selected {
    keys: &'static [&'static str],
    /// Is a [`RECORD_IN`] member read as a record (at a record's top level only)?
    records: bool,
}

impl<'de> DeserializeSeed<'de> for Selected {
    type Value = Json<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Selected {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sign-in record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        // Room for every kept key (a record keeps about twenty, a policy five).
        let mut members = Vec::with_capacity(self.keys.len().min(24));
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if key.eq_ignore_ascii_case(POLICIES) {
                let list = map.next_value_seed(PolicyList)?;
                members.push((key, list));
            } else if wanted(self.keys, &key) {
                let value = match nested_members(&key) {
                    Some(keep) => map.next_value_seed(Nested { keep, items: true })?,
                    None if self.records && key.eq_ignore_ascii_case(RECORD_IN) => map
                        .next_value_seed(Selected {
                            keys: self.keys,
                            records: false,
                        })?,
                    None => map.next_value::<Json<'de>>()?,
                };
                members.push((key, value));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Json::Object(members))
    }

    // Anything else is kept whole so the mapping can say what it found.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json<'de>>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    json_scalars!();
}

/// A value under a field of `values.rs`'s `NESTED`: an object with only the members `keep` names; with
/// `items`, a list whose objects keep only those; anything else whole.
struct Nested {
    keep: &'static [&'static str],
    items: bool,
}

impl<'de> DeserializeSeed<'de> for Nested {
    type Value = Json<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Nested {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = Vec::with_capacity(self.keep.len());
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if wanted(self.keep, &key) {
                members.push((key, map.next_value::<Json<'de>>()?));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Json::Object(members))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::new();
        if self.items {
            let keep = self.keep;
            while let Some(item) = seq.next_element_seed(Nested { keep, items: false })? {
                items.push(item);
            }
        } else {
            while let Some(item) = seq.next_element::<Json<'de>>()? {
                items.push(item);
            }
        }
        Ok(Json::Array(items))
    }

    json_scalars!();
}

/// `appliedConditionalAccessPolicies`: each policy with [`POLICY_KEYS`] only.
struct PolicyList;

impl<'de> DeserializeSeed<'de> for PolicyList {
    type Value = Json<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json<'de>, D::Error> {
        deserializer.deserialize_any(PolicyListVisitor)
    }
}

struct PolicyListVisitor;

impl<'de> Visitor<'de> for PolicyListVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of applied policies")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(16).min(256));
        while let Some(item) = seq.next_element_seed(Selected {
            keys: &POLICY_KEYS,
            records: false,
        })? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    // Anything but a list is kept whole, so the mapping says what it found ("expected an
    // array") as it does for the whole record; the JSON is not wrong.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = Vec::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            members.push((key, map.next_value::<Json<'de>>()?));
        }
        Ok(Json::Object(members))
    }
    json_scalars!();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::borrow::Cow;

    use super::*;

    #[test]
    fn record_names_are_found_in_any_case_and_nothing_else_is() {
        for (i, name) in RECORD_KEYS.iter().enumerate() {
            for spelling in [
                (*name).to_owned(),
                name.to_ascii_uppercase(),
                name.to_ascii_lowercase(),
            ] {
                assert_eq!(RECORD_FORM.keys.find(&spelling), Some(i), "{spelling}");
            }
            // One letter more, one less, or one changed: not this name.
            let more = format!("{name}x");
            let less = name.get(1..).unwrap_or_default();
            let changed = format!("{}_", name.get(..name.len() - 1).unwrap_or_default());
            for other in [more.as_str(), less, changed.as_str()] {
                assert!(
                    RECORD_FORM.keys.find(other).is_none_or(|k| k != i),
                    "{other} found as {name}"
                );
            }
        }
        for other in ["", "@odata.type", "ID ", "userid2", "properties_"] {
            assert_eq!(RECORD_FORM.keys.find(other), None, "{other}");
        }
    }

    #[test]
    fn nested_objects_keep_only_the_members_the_mapping_reads() {
        // Graph's own example: a location with float coordinates, a device with its browser,
        // steps with result details. None of that is read, so none of it is built, and the
        // floats do not end the one-pass reading.
        let text = r#"{"id": "r1", "createdDateTime": "2026-03-02T12:21:20Z",
            "userId": "3f1a6c02-2b7d-4e8f-9a01-5c6d7e8f9a02", "clientAppUsed": "Browser",
            "appId": "00000003-0000-0000-c000-000000000000", "ipAddress": "203.0.113.7",
            "location": {"city": "Redmond", "state": "Washington", "countryOrRegion": "US",
                "geoCoordinates": {"altitude": null, "latitude": 47.68050003051758, "longitude": -122.12094116210938}},
            "DeviceDetail": {"deviceId": "", "displayName": null, "operatingSystem": "Windows 10",
                "browser": "Edge 80.0.361", "isCompliant": false, "isManaged": 1.5, "trustType": null},
            "authenticationDetails": [
                {"authenticationMethod": "Password", "succeeded": true, "authenticationStepResultDetail": "Correct password",
                 "authenticationStepDateTime": "2026-03-02T12:21:20Z", "authenticationMethodDetail": 0.5},
                "text", [{"deep": 1.5}]],
            "authenticationContextClassReferences": [{"id": "c1", "detail": "required", "x": 2.5}],
            "LocationDetails": {"countryOrRegion": "NL", "geoCoordinates": {"latitude": 1.5}},
            "status": {"errorCode": 0, "additionalDetails": 0.25}}"#;
        let expected = serde_json::json!({"id": "r1", "createdDateTime": "2026-03-02T12:21:20Z",
            "userId": "3f1a6c02-2b7d-4e8f-9a01-5c6d7e8f9a02", "clientAppUsed": "Browser",
            "appId": "00000003-0000-0000-c000-000000000000", "ipAddress": "203.0.113.7",
            "location": {"countryOrRegion": "US"},
            "DeviceDetail": {"deviceId": "", "displayName": null, "operatingSystem": "Windows 10",
                "isCompliant": false, "trustType": null},
            "authenticationDetails": [
                {"authenticationMethod": "Password", "succeeded": true,
                 "authenticationStepDateTime": "2026-03-02T12:21:20Z"},
                "text", [{"deep": 1.5}]],
            "authenticationContextClassReferences": [{"id": "c1", "detail": "required"}],
            "LocationDetails": {"countryOrRegion": "NL"}});
        assert_eq!(parse_record_slow(text).unwrap().to_value(), expected);
        // A list inside the steps keeps its float: the one-pass reading leaves that record to
        // serde_json, which prunes it the same way.
        assert!(fast(text).is_none());
        assert!(mapping_keeps_what_it_reads(text));
        // Without it, the one-pass reading reads the steps and the device ahead (`ahead.rs`),
        // leaving an empty list and object in the tree: of each step object and the device the
        // members the mapping reads; an item that is not an object is passed over, as the
        // mapping passes it over.
        let text = &text.replace(r#", [{"deep": 1.5}]"#, "");
        let s = |t: &'static str| Some(Json::String(Cow::Borrowed(t)));
        let read = fast(text).unwrap();
        let mut in_tree = expected.clone();
        in_tree["authenticationDetails"] = serde_json::json!([]);
        let mut expected = expected;
        expected["authenticationDetails"]
            .as_array_mut()
            .unwrap()
            .pop();
        assert_eq!(parse_record_slow(text).unwrap().to_value(), expected);
        in_tree["DeviceDetail"] = serde_json::json!({});
        assert_eq!(read.record.to_value(), in_tree);
        assert_eq!(
            read.device,
            Some([s(""), None, s("Windows 10"), Some(Json::Bool(false)), None])
        );
        let step = [
            Some(Json::Bool(true)),
            s("Password"),
            s("2026-03-02T12:21:20Z"),
        ];
        assert_eq!(read.steps.as_deref(), Some(&[step][..]));
        assert!(fast_path_agrees(text));
        // The mapping reads what it read before from the whole record.
        let whole: serde_json::Value = serde_json::from_str(text).unwrap();
        let mapped = map_text(text).ok().unwrap();
        let from_whole = crate::MappedSignIn::from_sign_in_log(&whole).unwrap();
        assert_eq!(format!("{mapped:?}"), format!("{from_whole:?}"));
    }

    #[test]
    fn every_fixture_record_maps_from_its_line_as_from_the_whole_record() {
        // The PowerShell and Log Analytics shapes spell nested members in PascalCase, Log
        // Analytics holds some columns as JSON text, and Azure Monitor wraps the record in
        // `properties`.
        let mut records = 0;
        for name in [
            "graph-v1.json",
            "graph-beta.jsonl",
            "azuremonitor.jsonl",
            "powershell.json",
            "loganalytics.json",
        ] {
            let path = format!(
                "{}/tests/fixtures/signinlogs/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(path).unwrap();
            // Graph's pages are concatenated documents.
            for document in serde_json::Deserializer::from_str(&text).into_iter() {
                let document: serde_json::Value = document.unwrap();
                let list = match document.get("value").unwrap_or(&document) {
                    serde_json::Value::Array(list) => list.clone(),
                    one => vec![one.clone()],
                };
                for record in &list {
                    let line = record.to_string();
                    assert!(mapping_keeps_what_it_reads(&line), "{line}");
                    assert!(map_text(&line).is_ok(), "{line}");
                    // Graph's and Azure Monitor's records are read in one pass.
                    assert_eq!(
                        fast(&line).is_some(),
                        name.starts_with("graph") || name.starts_with("azure"),
                        "{name}: {line}"
                    );
                    records += 1;
                }
            }
        }
        assert_eq!(records, 15);
    }

    #[test]
    fn the_record_form_is_worked_out_as_the_readers_work_it_out() {
        let mut nested = 0;
        for (k, key) in RECORD_KEYS.iter().enumerate() {
            assert_eq!(RECORD_FORM.nested[k], nested_members(key), "{key}");
            nested += usize::from(RECORD_FORM.nested[k].is_some());
            let wraps = key.eq_ignore_ascii_case("properties")
                || key.eq_ignore_ascii_case(ADDITIONAL_PROPERTIES);
            assert_eq!(RECORD_FORM.wraps[k], wraps, "{key}");
        }
        // deviceDetail, location, LocationDetails, authenticationDetails and
        // authenticationContextClassReferences.
        assert_eq!(nested, 5);
        assert_eq!(RECORD_FORM.wraps.iter().filter(|w| **w).count(), 2);
        let records: Vec<&str> = RECORD_KEYS
            .iter()
            .zip(RECORD_FORM.records)
            .filter_map(|(key, record)| record.then_some(*key))
            .collect();
        assert_eq!(records, [RECORD_IN]);
    }

    #[test]
    fn the_policy_keys_are_the_fields_the_mapping_reads_and_their_wrapper() {
        assert_eq!(POLICY_KEYS[..5], super::super::logged::POLICY_FIELDS);
        assert_eq!(POLICY_KEYS[5], super::super::values::ADDITIONAL_PROPERTIES);
    }

    #[test]
    fn keeps_only_what_the_mapping_reads() {
        let text = r#"{"id": "r1", "userAgent": {"deep": [1, 2, {"x": null}]}, "IPAddress": "1.2.3.4",
            "appliedConditionalAccessPolicies": [{"id": "P", "result": "success", "enforcedGrantControls": ["Mfa"]}]}"#;
        let parsed = parse_record(text).unwrap();
        // The applied policies are read as the mapping reads them, an empty list in their place.
        assert_eq!(
            parsed.record.to_value(),
            serde_json::json!({"id": "r1", "IPAddress": "1.2.3.4",
                "appliedConditionalAccessPolicies": []})
        );
        let policies = parsed.policies.unwrap();
        assert_eq!(policies.len(), 1);
        assert_eq!(
            (policies[0].id.as_ref(), policies[0].result.as_ref()),
            ("p", "success")
        );
        assert_eq!(policies[0].display_name, None);
        // The slow reading keeps them in the tree.
        assert_eq!(
            parse_record_slow(text).unwrap().to_value(),
            serde_json::json!({"id": "r1", "IPAddress": "1.2.3.4",
                "appliedConditionalAccessPolicies": [{"id": "P", "result": "success"}]})
        );
        assert!(parse_record("{\"id\": 1} x").is_err());
        assert_eq!(parse_record("42").unwrap().record, Json::Number(42.into()));
    }
}

/// A PowerShell SDK export nests a policy's other fields in `AdditionalProperties`: its text
/// maps as its parsed `Value` does.
#[cfg(test)]
mod nested_fields_tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    /// The mapping looks in `AdditionalProperties` and an Azure Monitor `properties` wrapper
    /// only where the record's index holds such a member that is not absent: one that is null
    /// (or "None") before the one holding the object still leaves that object read.
    #[test]
    fn wrappers_after_absent_members_of_their_name_are_read() {
        let record = r#""createdDateTime": "2026-03-02T09:00:00Z",
            "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03",
            "appId": "00000002-0000-0ff1-ce00-000000000000""#;
        let ip = |m: &crate::MappedSignIn<'_>| {
            m.request.conditions().ip_address.map(|ip| ip.to_string())
        };
        let text = format!(
            r#"{{{record}, "additionalProperties": null, "ADDITIONALPROPERTIES": "None",
            "AdditionalProperties": {{"ipAddress": "198.51.100.23"}}}}"#
        );
        let mapped = super::map_text(&text).ok().unwrap();
        assert_eq!(ip(&mapped).as_deref(), Some("198.51.100.23"));
        let text =
            format!(r#"{{{record}, "AdditionalProperties": null, "ipAddress": "198.51.100.24"}}"#);
        assert_eq!(
            ip(&super::map_text(&text).ok().unwrap()).as_deref(),
            Some("198.51.100.24")
        );
        let text = format!(
            r#"{{"time": "2026-03-02T09:00:00Z", "properties": null, "category": "SignInLogs",
            "properties": {{{record}, "ipAddress": "198.51.100.25"}}}}"#
        );
        let mapped = super::map_text(&text).ok().unwrap();
        assert_eq!(ip(&mapped).as_deref(), Some("198.51.100.25"));
        assert_eq!(
            mapped.request.user_id(),
            Some("3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03")
        );
    }

    /// A device is in the request when the log identifies it (its id or trust type), with the
    /// attributes the log gives; otherwise only its platform is read.
    #[test]
    fn a_device_is_read_only_where_the_log_identifies_it() {
        let map = |device: &str| {
            let text = format!(
                r#"{{"createdDateTime": "2026-03-02T09:00:00Z",
                "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03",
                "appId": "00000002-0000-0ff1-ce00-000000000000", "deviceDetail": {device}}}"#
            );
            let mapped = super::map_text(&text).ok().unwrap();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let from_value = crate::MappedSignIn::from_sign_in_log(&value).unwrap();
            assert_eq!(mapped.request, from_value.request, "{device}");
            (
                mapped.request.conditions().platform.clone(),
                mapped.request.conditions().device.clone(),
            )
        };
        let (platform, device) = map(
            r#"{"operatingSystem": "Windows 10", "trustType": "Azure AD joined",
            "displayName": "PC-1", "isCompliant": true}"#,
        );
        assert_eq!(platform, Some(crate::Platform::Windows));
        let device = device.unwrap();
        assert_eq!(device.device_id, None);
        assert_eq!(device.trust_type.as_deref(), Some("AzureAD"));
        assert_eq!(device.display_name.as_deref(), Some("PC-1"));
        assert_eq!(device.operating_system.as_deref(), Some("Windows 10"));
        assert_eq!(device.is_compliant, Some(true));
        let (_, device) = map(
            r#"{"deviceId": "6d3e1a02-0c9b-4e8d-9a7f-2c1d0e9f8a02", "operatingSystem": "Ubuntu"}"#,
        );
        let device = device.unwrap();
        assert_eq!(
            device.device_id.as_deref(),
            Some("6d3e1a02-0c9b-4e8d-9a7f-2c1d0e9f8a02")
        );
        assert_eq!((device.trust_type, device.display_name), (None, None));
        let (platform, device) = map(r#"{"operatingSystem": "iOS 17", "displayName": "Phone",
            "isCompliant": false, "deviceId": "", "trustType": ""}"#);
        assert_eq!(platform, Some(crate::Platform::IOs));
        assert_eq!(device, None);
    }

    #[test]
    fn a_policys_additional_properties_read_from_text_as_from_a_value() {
        // Keys match in any case (docs/REPLAY.md), the SDK's nesting key too.
        for spelling in [
            "AdditionalProperties",
            "additionalProperties",
            "ADDITIONALPROPERTIES",
        ] {
            let text = format!(
                r#"{{"id": "r", "createdDateTime": "2026-03-02T09:00:00Z",
                "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03", "appId": "00000002-0000-0ff1-ce00-000000000000",
                "{spelling}": {{"ipAddress": "198.51.100.23"}},
                "appliedConditionalAccessPolicies": [{{"Id": "P", "Result": "success",
                    "{spelling}": {{"displayName": "Named", "conditionsNotSatisfied": "users"}}}}]}}"#
            );
            let from_text = super::map_text(&text).ok().unwrap();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let from_value = crate::MappedSignIn::from_sign_in_log(&value).unwrap();
            assert_eq!(from_text.policies, from_value.policies, "{spelling}");
            assert_eq!(from_text.request, from_value.request, "{spelling}");
            assert_eq!(
                from_text.policies[0].display_name.as_deref(),
                Some("Named"),
                "{spelling}"
            );
            assert_eq!(
                from_text.policies[0].conditions_not_satisfied.as_deref(),
                Some("users"),
                "{spelling}"
            );
            assert_eq!(from_text.policies[0].id, "p");
            assert_eq!(
                from_text
                    .request
                    .conditions()
                    .ip_address
                    .map(|ip| ip.to_string()),
                Some("198.51.100.23".to_owned()),
                "{spelling}"
            );
        }
    }
}

/// The one-pass reader ([`super::scan`]) against `serde_json`.
#[cfg(test)]
mod fast_path_tests;
