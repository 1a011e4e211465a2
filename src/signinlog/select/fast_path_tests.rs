//! The one-pass reader ([`super::super::scan`]) against `serde_json`.

#![cfg(test)]
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::{
    fast, fast_path_agrees as agrees, map_text, mapping_keeps_what_it_reads, parse_record_slow,
};

#[test]
fn reads_the_common_form_as_serde_json_does() {
    let text = r#" {"id": "r1", "userAgent": {"deep": [1, -2.5e3, {"x": null}], "s": "a\"b\u00e9"},
        "IPAddress": "1.2.3.4", "isInteractive": true, "n": 12, "flags": -7,
        "appliedConditionalAccessPolicies": [{"id": "p", "result": "success",
          "enforcedGrantControls": ["Mfa"], "conditionsSatisfied": 3},
          {"ID": "q", "Result": " notApplied ", "displayName": null, "conditionsNotSatisfied": ["users", "location"]}],
        "location": {"city": "Rotterdam", "countryOrRegion": "NL", "geo": {"latitude": 51.5}}} "#;
    let v = fast(text).unwrap();
    assert!(agrees(text));
    assert_eq!(
        v.record.to_value(),
        serde_json::json!({"id": "r1", "IPAddress": "1.2.3.4",
            "appliedConditionalAccessPolicies": [],
            "location": {"countryOrRegion": "NL"}})
    );
    let policies = v.policies.unwrap();
    assert_eq!(
        policies
            .iter()
            .map(|p| (
                p.id.as_ref(),
                p.result.as_ref(),
                p.conditions_satisfied.as_deref(),
                p.conditions_not_satisfied.as_deref()
            ))
            .collect::<Vec<_>>(),
        [
            ("p", "success", Some("application,users"), None),
            ("q", "notApplied", None, Some("users,location"))
        ]
    );
    // A list the mapping refuses (an item without an id), or a second list, or a wrapper
    // whose list the mapping may read instead, is left to serde_json and the mapping.
    for text in [
        r#"{"appliedConditionalAccessPolicies": [{"id": "p", "result": "success"}, {}]}"#,
        r#"{"appliedConditionalAccessPolicies": [], "AppliedConditionalAccessPolicies": []}"#,
        r#"{"properties": {"userId": "u"}, "appliedConditionalAccessPolicies": []}"#,
        r#"{"appliedConditionalAccessPolicies": [{"id": "p", "result": "success", "AdditionalProperties": {"displayName": "n"}}]}"#,
    ] {
        assert!(fast(text).is_none(), "{text}");
        assert!(parse_record_slow(text).is_ok(), "{text}");
    }
}

#[test]
fn an_applied_policys_field_is_its_first_value_that_is_not_absent() {
    // null and "None" are absent and give way to a later spelling; any other value, a
    // string or not, is the field's (a number is no id: the mapping refuses the item).
    let policies = |items: &str| {
        format!(r#"{{"userId": "u", "appliedConditionalAccessPolicies": [{items}]}}"#)
    };
    let cases = [
        (
            r#"{"id": null, "ID": "p", "result": "success"}"#,
            Some(("p", "success", None)),
        ),
        (
            r#"{"id": "None", "Id": "p", "result": "None", "RESULT": "failure"}"#,
            Some(("p", "failure", None)),
        ),
        (
            r#"{"id": "p", "ID": "q", "result": "success", "displayName": " n "}"#,
            Some(("p", "success", Some("n"))),
        ),
        (
            r#"{"id": "p", "result": "success", "displayName": 7, "DisplayName": "n"}"#,
            Some(("p", "success", None)),
        ),
        (r#"{"id": 5, "ID": "p", "result": "success"}"#, None),
        (r#"{"id": ["p"], "result": "success"}"#, None),
        (
            r#"{"id": "p", "result": {"r": 1}, "Result": "success"}"#,
            None,
        ),
    ];
    for (item, expected) in cases {
        let text = policies(item);
        assert!(agrees(&text), "{text}");
        let read = fast(&text).and_then(|v| v.policies);
        let got = read
            .as_ref()
            .and_then(|p| p.first())
            .map(|p| (p.id.as_ref(), p.result.as_ref(), p.display_name.as_deref()));
        assert_eq!(got, expected, "{text}");
        if expected.is_none() {
            // Refused by the mapping, which the slow path reports.
            assert!(read.is_none(), "{text}");
        }
    }
}

#[test]
fn a_record_under_properties_is_read_as_the_top_level_is() {
    // Azure Monitor: kept fields, nested members pruned, each applied policy with the
    // policy keys only; a second wrapper inside is kept whole, as are non-object items.
    let text = r#"{"time": "t", "location": "NL", "tenantId": "x",
        "properties": {"userId": "u", "status": {"errorCode": 0.5},
            "location": {"city": "Rotterdam", "countryOrRegion": "NL", "geoCoordinates": {"latitude": 51.9}},
            "appliedConditionalAccessPolicies": [{"id": "p", "result": "success",
                "enforcedGrantControls": ["Mfa"], "conditionsSatisfied": 3}, 7, [1]],
            "properties": {"deep": 1, "n": "x"}}}"#;
    let v = fast(text).unwrap();
    assert!(agrees(text));
    assert_eq!(v.policies, None);
    assert_eq!(
        v.record.to_value(),
        serde_json::json!({"time": "t", "location": "NL", "tenantId": "x",
            "properties": {"userId": "u", "location": {"countryOrRegion": "NL"},
                "appliedConditionalAccessPolicies": [{"id": "p", "result": "success",
                    "conditionsSatisfied": 3}, 7, [1]],
                "properties": {"deep": 1, "n": "x"}}})
    );
    assert_eq!(parse_record_slow(text).unwrap(), v.record);
    // A list that is not a list, an item holding another list, a float kept in the second
    // wrapper, a kept string with an escape: left to serde_json, which reads them (the mapping
    // then says what is wrong, as it does for the whole record).
    for text in [
        r#"{"properties": {"appliedConditionalAccessPolicies": {"id": "p"}}}"#,
        r#"{"properties": {"appliedConditionalAccessPolicies": 1}}"#,
        r#"{"properties": {"appliedConditionalAccessPolicies": [{"appliedConditionalAccessPolicies": []}]}}"#,
        r#"{"properties": {"properties": {"x": 1.5}}}"#,
        r#"{"properties": {"userId": "a\u0062"}}"#,
    ] {
        assert!(fast(text).is_none(), "{text}");
        assert!(parse_record_slow(text).is_ok(), "{text}");
        assert!(mapping_keeps_what_it_reads(text), "{text}");
    }
    // Anything but an object under `properties` is kept whole; any spelling of the wrapper and
    // of the list inside is read as a record and a list; null and string lists are kept; a
    // skipped string may hold escapes; two wrappers are both read.
    for text in [
        r#"{"properties": [1, {"a": 2}]}"#,
        r#"{"properties": "s"}"#,
        r#"{"PROPERTIES": {"userId": "u", "x": 1.5, "APPLIEDconditionalAccessPolicies": [{"ID": "p", "y": 2.5}]}}"#,
        r#"{"properties": {"appliedConditionalAccessPolicies": null, "userAgent": "a\"b"}}"#,
        r#"{"properties": {"appliedConditionalAccessPolicies": "[]"}}"#,
        r#"{"properties": {"userId": "u"}, "properties": {"appId": "a", "g": 0.5}}"#,
        r#"{"properties": {"userId": "u", "AdditionalProperties": {"appId": "a"}}}"#,
    ] {
        assert!(fast(text).is_some(), "{text}");
        assert!(agrees(text), "{text}");
        assert!(mapping_keeps_what_it_reads(text), "{text}");
    }
    // A record the mapping reads from its top level maps whatever `properties` holds.
    let text = r#"{"userId": "3f1a6c02-2b7d-4e8f-9a01-5c6d7e8f9a02", "createdDateTime": "2026-03-02T12:21:20Z",
        "appId": "00000003-0000-0000-c000-000000000000", "clientAppUsed": "Browser",
        "properties": {"appliedConditionalAccessPolicies": {}}}"#;
    assert!(map_text(text).is_ok());
    assert!(mapping_keeps_what_it_reads(text));
}

#[test]
fn leaves_everything_else_to_serde_json() {
    for text in [
        r#"{"id": "a\"b"}"#,
        r#"{"i\u0064": "x"}"#,
        r#"{"deviceDetail": {"isCompliant": 1.5}}"#,
        r#"{"location": {"countryOrRegion": -0}}"#,
        r#"{"riskLevelAggregated": 99999999999999999999999}"#,
        r#"[1, 2]"#,
        r#"{"appliedConditionalAccessPolicies": [1]}"#,
        r#"{"appliedConditionalAccessPolicies": {"id": "p"}}"#,
        r#"{"appliedConditionalAccessPolicies": 1}"#,
    ] {
        assert!(fast(text).is_none(), "{text}");
        assert!(parse_record_slow(text).is_ok(), "{text}");
        assert!(mapping_keeps_what_it_reads(text), "{text}");
    }
}

#[test]
fn refuses_what_serde_json_refuses() {
    for text in [
        r#"{"a": [1,,2]}"#,
        r#"{"a": [1, 2,]}"#,
        r#"{"a": 1,}"#,
        r#"{"a": "x\qy"}"#,
        r#"{"a": "\u12g4"}"#,
        "{\"a\": \"tab\there\"}",
        r#"{"a": 01}"#,
        r#"{"a": 1.}"#,
        r#"{"a": -}"#,
        r#"{"a": tru}"#,
        r#"{"a": {"b" 1}}"#,
        r#"{"a": 1} x"#,
        r#"{"a": 1"#,
        "",
        // Read ahead, the steps' items that are not objects are refused as serde_json refuses
        // to build them, and so is the device's text.
        r#"{"authenticationDetails": ["\ud800", {"authenticationMethod": "Password"}]}"#,
        r#"{"authenticationDetails": [1e400]}"#,
        r#"{"authenticationDetails": [[1e400]]}"#,
        r#"{"authenticationDetails": [{"authenticationMethod": "Pass\ud800"}]}"#,
        r#"{"authenticationDetails": [{"x": "\u12g4"}]}"#,
        r#"{"deviceDetail": {"deviceId": "\udc00"}}"#,
        r#"{"deviceDetail": {"operatingSystem": 1e400}}"#,
        r#"{"deviceDetail": {"browser": "x\qy"}}"#,
    ] {
        assert!(fast(text).is_none(), "{text}");
        assert!(parse_record_slow(text).is_err(), "{text}");
    }
    let deep = format!("{{\"a\": {}{}}}", "[".repeat(500), "]".repeat(500));
    assert!(fast(&deep).is_none());
}

/// Records read after others of the same tenant take most applied policies from the items
/// read before (`seen.rs`), and read exactly as they read with nothing seen.
#[test]
fn items_read_before_read_as_they_did_the_first_time() {
    use super::super::seen::SeenItems;
    let tenant =
        crate::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tenant").as_ref()).unwrap();
    let records = crate::unstable::signinlogs::sign_in_logs(&tenant, 300, 5);
    drop(SeenItems::take());
    for r in &records {
        let text = r.to_string();
        let with_seen = fast(&text).unwrap();
        let seen = SeenItems::take();
        assert!(seen.len() >= 17, "{}", seen.len());
        let alone = fast(&text).unwrap();
        assert_eq!(with_seen, alone, "{text}");
        // The items seen before this record are kept for the next.
        seen.put_back();
    }
    // Most of the 17 items of each record after the first were found, not read.
    let hits = SeenItems::take().hits;
    assert!(hits > 17 * 200, "{hits}");
}

/// Keys predicted from the records read before (`json/shape.rs`) read as keys read with none
/// predicted: the same records, and the same records with their keys in another case, in
/// another order, or lengthened, read one after another so that predictions hit and miss.
#[test]
fn keys_predicted_from_records_read_before_read_as_they_do_alone() {
    let tenant =
        crate::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tenant").as_ref()).unwrap();
    let mut texts = Vec::new();
    for r in crate::unstable::signinlogs::sign_in_logs(&tenant, 30, 3) {
        let text = r.to_string();
        // serde_json's map writes keys sorted: the reversed text is written here.
        let members: Vec<String> = r
            .as_object()
            .unwrap()
            .iter()
            .rev()
            .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(k.as_str())))
            .collect();
        let reversed = format!("{{{}}}", members.join(","));
        assert_ne!(reversed, text);
        texts.push(text.clone());
        texts.push(text.replace("\"userId\"", "\"UserId\""));
        texts.push(text.replace("\"ipAddress\"", "\"ipAddressX\""));
        texts.push(text.replace("\"deviceId\"", "\"DeviceID\""));
        texts.push(text.replace(
            "\"appliedConditionalAccessPolicies\"",
            "\"AppliedConditionalAccessPolicies\"",
        ));
        texts.push(reversed);
    }
    super::super::scan::forget_shapes();
    let warm: Vec<_> = texts.iter().map(|t| fast(t)).collect();
    // Most keys were predicted: some 60 a record (the policy items are taken whole).
    let predicted = super::super::scan::predicted();
    assert!(predicted > 40 * texts.len(), "{predicted}");
    for (text, warm) in texts.iter().zip(warm) {
        super::super::scan::forget_shapes();
        assert_eq!(warm, fast(text), "{text}");
        assert!(warm.is_some(), "{text}");
    }
}

/// Generated records, and thousands of damaged copies of them (a byte replaced by JSON
/// punctuation, a digit, a letter or a control character, or the text cut short): wherever
/// the fast path answers, it answers what serde_json does.
#[test]
fn agrees_with_serde_json_on_damaged_records() {
    let tenant =
        crate::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tenant").as_ref()).unwrap();
    let mut records = crate::unstable::signinlogs::sign_in_logs(&tenant, 20, 9);
    // And a few as Azure Monitor writes them.
    let wrapped: Vec<serde_json::Value> = records
        .iter()
        .take(5)
        .map(|r| {
            serde_json::json!({"time": r["createdDateTime"], "category": "SignInLogs",
            "durationMs": 0, "location": "NL", "properties": r})
        })
        .collect();
    records.extend(wrapped);
    let bytes = b"\"\\{}[],: 0-.eE+tfnu\x01x/";
    let mut answered = 0;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for r in &records {
        let text = r.to_string();
        assert!(fast(&text).is_some());
        assert!(agrees(&text));
        assert!(super::mapping_keeps_what_it_reads(&text));
        for t in crate::json::scan::damaged_copies(&text, seed, 400, bytes, false) {
            answered += usize::from(fast(&t).is_some());
            assert!(agrees(&t), "{t}");
            assert!(super::mapping_keeps_what_it_reads(&t), "{t}");
        }
        seed = seed.wrapping_add(1);
    }
    // Most damage falls in skipped or kept text the fast path still reads.
    assert!(answered > 1000, "{answered}");
}
