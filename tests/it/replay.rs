//! `jitgate replay` and the sign-in log mapping: every export shape read and mapped field by
//! field, agreement per record, bad records in place, streaming, generated logs agreeing with
//! their own tenant and disagreeing exactly on perturbed policies, and the impact report.

use std::io::Read;
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::common::{TempDir, jitgate};
use jitgate::{
    AgreementLevel, ClientAppType, Explain, Identity, MappedSignIn, Platform, SignInContext,
    SignInLogRecords, Snapshot, Tenant,
};

const EXAMPLE: &str = "examples/tenant";
const FIXTURES: &str = "tests/fixtures/signinlogs";
const CHLOE: &str = "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03";
const DEV: &str = "3f1a6c04-2b7d-4e8f-9a01-5c6d7e8f9a04";
const NL001: &str = "c4a10001-5d2e-4b6f-8a7c-0e1f2a3b4c01";
const NL002: &str = "c4a10002-5d2e-4b6f-8a7c-0e1f2a3b4c02";
const NL004: &str = "c4a10004-5d2e-4b6f-8a7c-0e1f2a3b4c04";
const NL015: &str = "c4a10015-5d2e-4b6f-8a7c-0e1f2a3b4c15";

fn tenant() -> &'static Tenant {
    static T: OnceLock<Tenant> = OnceLock::new();
    T.get_or_init(|| jitgate::load(EXAMPLE.as_ref()).unwrap())
}

fn snapshot() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(|| Snapshot::compile(tenant().clone()))
}

/// Every record of `bytes`, mapped.
fn mapped(bytes: Vec<u8>) -> Vec<Result<MappedSignIn<'static>, String>> {
    SignInLogRecords::new(Box::new(std::io::Cursor::new(bytes)))
        .map(|r| {
            let r = r?;
            let v = r.value()?;
            MappedSignIn::from_sign_in_log(&v)
                .map(MappedSignIn::into_owned)
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

/// The three fixture sign-ins, whatever shape they were exported in.
fn assert_the_three_sign_ins(name: &str, records: &[Result<MappedSignIn<'_>, String>]) {
    assert_eq!(records.len(), 3, "{name}");
    let [a, b, c] = [&records[0], &records[1], &records[2]].map(|r| r.as_ref().unwrap());

    // A: Chloe, IMAP at HQ, password only.
    assert_eq!(
        a.id.as_deref(),
        Some("a1a1a1a1-0000-4000-8000-000000000001"),
        "{name}"
    );
    assert_eq!(a.request.user_id(), Some(CHLOE), "{name}");
    assert_eq!(
        a.request.context(),
        &SignInContext::Applications(vec!["00000002-0000-0ff1-ce00-000000000000".to_owned()])
    );
    let ca = a.request.conditions();
    assert_eq!(
        ca.ip_address,
        Some("198.51.100.23".parse().unwrap()),
        "{name}"
    );
    assert_eq!(ca.country.as_deref(), Some("NL"), "{name}");
    assert_eq!(ca.client_app_type, Some(ClientAppType::Other), "{name}");
    assert_eq!(ca.platform, Some(Platform::Windows), "{name}");
    assert!(
        ca.device.is_none(),
        "{name}: no device id and no trust type"
    );
    assert_eq!(a.request.time(), ts("2026-03-02T09:00:00Z"), "{name}");
    assert_eq!(
        a.request.session().methods,
        jitgate::unstable::model::MethodSet(1),
        "{name}"
    );
    assert_eq!(a.request.session().last_mfa, None, "{name}");
    assert_eq!(a.status.as_deref(), Some("failure"), "{name}");
    let logged: Vec<(&str, &str)> = a
        .policies
        .iter()
        .map(|p| (p.id.as_ref(), p.result.as_ref()))
        .collect();
    assert_eq!(
        logged,
        [
            (NL001, "notApplied"),
            (NL002, "failure"),
            ("c4a10017-5d2e-4b6f-8a7c-0e1f2a3b4c17", "notEnabled")
        ],
        "{name}"
    );
    assert!(a.missing.is_empty(), "{name}: {:?}", a.missing);

    // B: Dev from home in Safari on an unmanaged Mac, password and push 30 s before.
    assert_eq!(b.request.user_id(), Some(DEV), "{name}");
    assert_eq!(
        b.request.context(),
        &SignInContext::Applications(vec!["00000003-0000-0ff1-ce00-000000000000".to_owned()]),
        "{name}: the resource, not the client app"
    );
    let cb = b.request.conditions();
    assert_eq!(cb.client_app_type, Some(ClientAppType::Browser), "{name}");
    assert_eq!(cb.platform, Some(Platform::MacOs), "{name}");
    let device = cb.device.as_ref().unwrap();
    assert_eq!(device.trust_type.as_deref(), Some("Workplace"), "{name}");
    assert_eq!(device.is_compliant, Some(false), "{name}");
    assert_eq!(
        device.device_id.as_deref(),
        Some("6d3e1a03-0c9b-4e8d-9a7f-2c1d0e9f8a03"),
        "{name}"
    );
    assert_eq!(device.operating_system.as_deref(), Some("MacOs"), "{name}");
    // password (1) + microsoftAuthenticatorPush (128)
    assert_eq!(
        b.request.session().methods,
        jitgate::unstable::model::MethodSet(129),
        "{name}"
    );
    assert_eq!(
        b.request.session().last_mfa,
        Some(ts("2026-03-02T08:59:30Z")),
        "{name}"
    );
    assert_eq!(b.status.as_deref(), Some("success"), "{name}");

    // C: the Payroll Sync workload identity from an untrusted address.
    assert_eq!(
        c.request.identity(),
        &Identity::ServicePrincipal {
            service_principal_id: "6a4f3e21-0b9c-4d8e-a7f6-5e4d3c2b1a01".to_owned()
        },
        "{name}"
    );
    assert_eq!(
        c.request.context(),
        &SignInContext::Applications(vec!["00000003-0000-0000-c000-000000000000".to_owned()])
    );
    assert!(c.missing.is_empty(), "{name}: {:?}", c.missing);
    assert_eq!(
        c.policies
            .iter()
            .map(|p| (p.id.as_ref(), p.result.as_ref()))
            .collect::<Vec<_>>(),
        [(NL015, "failure")],
        "{name}"
    );

    // Agreement: A and C fully; B on all but NL004, whose logged result is wrong on purpose.
    let agreement: Vec<_> = [a, b, c]
        .iter()
        .map(|m| m.compare(&snapshot().evaluate(&m.request, Explain::Policies)))
        .collect();
    assert_eq!(agreement[0].level, AgreementLevel::Full, "{name}");
    assert_eq!(agreement[2].level, AgreementLevel::Full, "{name}");
    assert_eq!(agreement[1].level, AgreementLevel::Partial, "{name}");
    assert_eq!(
        agreement[1].compared, 4,
        "{name}: three policies and the status"
    );
    let d = &agreement[1].differences;
    assert_eq!(d.len(), 1, "{name}");
    assert_eq!(d[0].policy_id, NL004);
    assert_eq!(d[0].logged, "reportOnlyNotApplied");
    assert_eq!(d[0].jitgate.as_deref(), Some("notApplied"));
    assert_eq!(d[0].jitgate_analysis_reasons.as_deref(), Some("signInRisk"));
}

/// One fixture per export shape, each holding the same three sign-ins.
const EXPORT_SHAPES: [&str; 6] = [
    "graph-v1.json",
    "graph-beta.jsonl",
    "azuremonitor.jsonl",
    "powershell.json",
    "loganalytics.json",
    "loganalytics.csv",
];

#[test]
fn every_export_shape_maps_field_by_field() {
    for name in EXPORT_SHAPES {
        assert_the_three_sign_ins(name, &mapped(fixture(name)));
    }
}

#[test]
fn conditions_not_satisfied_is_read_as_names_from_strings_and_bitmasks() {
    for name in ["graph-beta.jsonl", "loganalytics.json", "loganalytics.csv"] {
        let records = mapped(fixture(name));
        let b = records[1].as_ref().unwrap();
        let nl004 = b.policies.iter().find(|p| p.id == NL004).unwrap();
        assert_eq!(
            nl004.conditions_not_satisfied.as_deref(),
            Some("signInRisk"),
            "{name}"
        );
        let nl001 = b.policies.iter().find(|p| p.id == NL001).unwrap();
        assert_eq!(
            nl001.conditions_not_satisfied.as_deref(),
            Some("none"),
            "{name}"
        );
    }
    // v1.0 has neither.
    let records = mapped(fixture("graph-v1.json"));
    assert!(
        records[1]
            .as_ref()
            .unwrap()
            .policies
            .iter()
            .all(|p| p.conditions_not_satisfied.is_none())
    );
}

#[test]
fn utf16_exports_read_like_utf8() {
    let text = String::from_utf8(fixture("graph-v1.json")).unwrap();
    let le = crate::common::utf16le(&text);
    let be = crate::common::utf16be(&text);
    assert_the_three_sign_ins("graph-v1.json (UTF-16LE)", &mapped(le));
    assert_the_three_sign_ins("graph-v1.json (UTF-16BE)", &mapped(be));
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(&fixture("graph-beta.jsonl"));
    assert_the_three_sign_ins("graph-beta.jsonl (UTF-8 BOM)", &mapped(bom));
}

#[test]
fn mapping_rows_for_guests_flows_risk_contexts_and_times() {
    let base = json!({
        "createdDateTime": "2026-03-02T09:00:00Z",
        "userId": "3f1a6c99-2b7d-4e8f-9a01-5c6d7e8f9a99",
        "resourceId": "00000002-0000-0ff1-ce00-000000000000",
        "ipAddress": "203.0.113.5",
        "clientAppUsed": "Mobile Apps and Desktop clients",
        "location": {"countryOrRegion": "DE"},
        "deviceDetail": {"operatingSystem": "iOS 17.4", "trustType": "Hybrid Azure AD joined", "isCompliant": "True"},
    });
    let with = |extra: Value| {
        let mut v = base.clone();
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        MappedSignIn::from_sign_in_log(&v).unwrap().into_owned()
    };
    let guest = |user_type: &str, access: &str| {
        let m = with(
            json!({"userType": user_type, "crossTenantAccessType": access,
                            "homeTenantId": "0b0c0d0e-0000-4000-8000-000000000001",
                            "resourceTenantId": "0b0c0d0e-0000-4000-8000-00000000000a"}),
        );
        match m.request.identity() {
            Identity::User {
                external_user_type,
                external_tenant_id,
                ..
            } => (*external_user_type, external_tenant_id.clone()),
            other => panic!("{other:?}"),
        }
    };
    use jitgate::GuestType as G;
    assert_eq!(
        guest("Guest", "b2bCollaboration").0,
        Some(G::B2bCollaborationGuest.bit())
    );
    assert_eq!(
        guest("Member", "b2bCollaboration").0,
        Some(G::B2bCollaborationMember.bit())
    );
    assert_eq!(
        guest("Member", "b2bDirectConnect").0,
        Some(G::B2bDirectConnectUser.bit())
    );
    assert_eq!(
        guest("Member", "serviceProvider").0,
        Some(G::ServiceProvider.bit())
    );
    assert_eq!(guest("Guest", "none").0, Some(G::InternalGuest.bit()));
    assert_eq!(guest("Member", "none").0, Some(0));
    assert_eq!(
        guest("Guest", "b2bCollaboration").1.as_deref(),
        Some("0b0c0d0e-0000-4000-8000-000000000001")
    );

    let m = with(json!({
        "riskLevelDuringSignIn": "medium", "riskLevelAggregated": "high",
        "originalTransferMethod": "deviceCodeFlow",
        "authenticationContextClassReferences": [{"id": "c1", "detail": "previouslySatisfied"}, {"id": "c2", "detail": "required"}],
        "authenticationDetails": [
            {"authenticationMethod": "Password", "succeeded": true},
            {"authenticationMethod": "Text message", "succeeded": false},
            {"authenticationMethod": "FIDO2 security key", "succeeded": true, "authenticationStepDateTime": "2026-03-02T08:58:00Z"}
        ]
    }));
    let c = m.request.conditions();
    assert_eq!(c.sign_in_risk, jitgate::RiskLevel::Medium);
    assert_eq!(c.user_risk, jitgate::RiskLevel::High);
    assert_eq!(
        c.transfer_methods,
        [jitgate::TransferMethod::DeviceCodeFlow]
    );
    assert_eq!(c.platform, Some(Platform::IOs));
    assert_eq!(
        c.client_app_type,
        Some(ClientAppType::MobileAppsAndDesktopClients)
    );
    let device = c.device.as_ref().unwrap();
    assert_eq!(device.trust_type.as_deref(), Some("ServerAD"));
    assert_eq!(device.is_compliant, Some(true), "CSV's \"True\"");
    // password (1) + fido2 (32); the failed SMS proves nothing.
    assert_eq!(
        m.request.session().methods,
        jitgate::unstable::model::MethodSet(33)
    );
    assert_eq!(
        m.request.session().last_mfa,
        Some(ts("2026-03-02T08:58:00Z"))
    );
    assert_eq!(m.request.session().satisfied_auth_contexts, ["c1"]);

    // Device code by protocol alone; "Previously satisfied" MFA: its time is missing data.
    let m = with(json!({
        "authenticationProtocol": "deviceCode",
        "authenticationDetails": [{"authenticationMethod": "Previously satisfied", "succeeded": true}]
    }));
    assert_eq!(
        m.request.conditions().transfer_methods,
        [jitgate::TransferMethod::DeviceCodeFlow]
    );
    assert_eq!(m.missing, ["lastMfaDateTime"]);

    // Windows PowerShell 5.1 dates, and Log Analytics' UTC without an offset.
    let m = with(json!({"createdDateTime": "/Date(1772442000000)/"}));
    assert_eq!(m.request.time(), ts("2026-03-02T09:00:00Z"));
    let m = with(json!({"createdDateTime": null, "TimeGenerated": "2026-03-02 09:00:00.000"}));
    assert_eq!(m.request.time(), ts("2026-03-02T09:00:00Z"));

    // An MFA step without its time, or a method jitgate does not know: named, not guessed.
    let m = with(json!({"authenticationDetails": [
        {"authenticationMethod": "Password", "succeeded": true},
        {"authenticationMethod": "Mobile app notification", "succeeded": true},
        {"authenticationMethod": "Carrier pigeon", "succeeded": true}
    ]}));
    assert_eq!(m.missing, ["authenticationMethods", "lastMfaDateTime"]);
    assert_eq!(m.request.session().last_mfa, None);
    let m = with(json!({"authenticationMethodsUsed": ["Password", "Text message"]}));
    assert_eq!(m.missing, ["lastMfaDateTime"]);
    assert_eq!(
        m.request.session().methods,
        jitgate::unstable::model::MethodSet(1 | 16)
    );
    // A logged policy that cannot be compared makes the record an error, and a record that
    // logs nothing is not counted as agreeing.
    let mut bad = base.clone();
    bad["appliedConditionalAccessPolicies"] = json!([{"id": NL001}]);
    assert_eq!(
        MappedSignIn::from_sign_in_log(&bad)
            .unwrap_err()
            .to_string(),
        "appliedConditionalAccessPolicies: item 0 has no id or no result; it cannot be compared"
    );
    let m = with(json!({}));
    let a = m.compare(&snapshot().evaluate(&m.request, Explain::Policies));
    assert_eq!((a.level, a.compared), (AgreementLevel::NotCompared, 0));

    // What the log lacks is named, never guessed.
    let m = with(
        json!({"ipAddress": null, "location": null, "clientAppUsed": null,
                        "deviceDetail": {"operatingSystem": ""}}),
    );
    assert_eq!(
        m.missing,
        ["ipAddress", "country", "clientAppType", "devicePlatform"]
    );
    for (used, expected) in [
        ("Browser", ClientAppType::Browser),
        ("Exchange ActiveSync", ClientAppType::ExchangeActiveSync),
        ("IMAP4", ClientAppType::Other),
        ("POP3", ClientAppType::Other),
        ("Authenticated SMTP", ClientAppType::Other),
        ("MAPI Over HTTP", ClientAppType::Other),
        ("Exchange Web Services", ClientAppType::Other),
        ("AutoDiscover", ClientAppType::Other),
        ("Other clients", ClientAppType::Other),
    ] {
        let m = with(json!({ "clientAppUsed": used }));
        assert_eq!(
            m.request.conditions().client_app_type,
            Some(expected),
            "{used}"
        );
    }
}

#[test]
fn bad_records_are_reported_in_place_and_the_rest_decided() {
    let out = jitgate(&[
        "replay",
        "--tenant",
        EXAMPLE,
        "--signins",
        &format!("{FIXTURES}/bad.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(0), "agreement is data, not failure");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let errors: Vec<(&str, &str)> = lines
        .iter()
        .filter_map(|l| Some((l["place"].as_str()?, l.get("error")?.as_str()?)))
        .collect();
    assert_eq!(
        errors,
        [
            (
                "line 1",
                "createdDateTime: missing: when did the sign-in happen?"
            ),
            (
                "line 2",
                "clientAppUsed: \"Carrier Pigeon\" is not a client app jitgate knows; see docs/REPLAY.md for the list"
            ),
            ("line 3", "ipAddress: \"not-an-ip\" is not an IP address"),
            (
                "line 4",
                "userId: missing: neither userId nor servicePrincipalId"
            ),
            (
                "line 5",
                "expected a sign-in record (a JSON object), found a number"
            ),
            (
                "line 6",
                "invalid JSON: EOF while parsing a string at line 1 column 200"
            ),
        ]
    );
    assert_eq!(lines[6]["place"], "line 7");
    assert_eq!(lines[6]["agreement"], "partial");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("7 records") && stderr.contains("2 bad, 4 could not be mapped (clientAppUsed ×1, createdDateTime ×1, ipAddress ×1, userId ×1)"),
        "{stderr}"
    );
}

#[test]
fn a_truncated_document_reports_where_it_stops() {
    let text = String::from_utf8(fixture("graph-v1.json")).unwrap();
    let cut = &text[..text.len() / 2];
    let items: Vec<_> =
        SignInLogRecords::new(Box::new(std::io::Cursor::new(cut.as_bytes().to_vec()))).collect();
    let (last, before) = items.split_last().unwrap();
    let err = last.as_ref().unwrap_err();
    assert!(
        err.starts_with("document 1: invalid JSON: EOF while parsing"),
        "{err}"
    );
    assert!(err.ends_with("; reading stops here"), "{err}");
    assert!(!before.is_empty());
    assert!(before.iter().all(|r| r.as_ref().unwrap().map().is_ok()));
    // The CLI decides the records before the break, and exits 2: the input is incomplete.
    let dir = TempDir::new("replay-truncated");
    let path = dir.write("cut.json", cut);
    let out = jitgate(&[
        "replay",
        "--tenant",
        EXAMPLE,
        "--signins",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().lines().count(),
        before.len()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading stops here"));
}

/// Every input's records, with their places, read through `reader`.
fn placed(reader: Box<dyn Read + Send>) -> Vec<(String, Result<MappedSignIn<'static>, String>)> {
    SignInLogRecords::new(reader)
        .map(|r| {
            let r = r.unwrap();
            let mapped = r.value().and_then(|v| {
                MappedSignIn::from_sign_in_log(&v)
                    .map(MappedSignIn::into_owned)
                    .map_err(|e| e.to_string())
            });
            (r.place.to_string(), mapped)
        })
        .collect()
}

#[test]
fn invalid_utf8_in_a_record_is_reported_at_its_byte_and_the_others_mapped() {
    let lines: Vec<String> = jitgate::unstable::signinlogs::sign_in_logs(tenant(), 3, 1)
        .iter()
        .map(Value::to_string)
        .collect();
    let agent = lines[1].find("Mozilla").unwrap();
    // A stray byte, a lead byte without its continuation, an overlong encoding: early in the
    // record, in a skipped string far into it, and next to its last byte.
    for (at, bad) in [
        (1, &b"\xff"[..]),
        (agent + 40, b"\xc3("),
        (lines[1].len() - 2, b"\xc0\xaf"),
    ] {
        let mut input = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let mut bytes = line.clone().into_bytes();
            if i == 1 {
                bytes.splice(at..at, bad.iter().copied());
            }
            input.extend(bytes);
            input.push(b'\n');
        }
        let results: Vec<(String, Result<(), String>)> =
            SignInLogRecords::new(Box::new(std::io::Cursor::new(input)))
                .map(|r| {
                    let r = r.unwrap();
                    (
                        r.place.to_string(),
                        r.map().map(drop).map_err(|e| e.to_string()),
                    )
                })
                .collect();
        assert_eq!(
            results,
            [
                ("line 1".to_owned(), Ok(())),
                (
                    "line 2".to_owned(),
                    Err(format!("invalid UTF-8 at byte {at}"))
                ),
                ("line 3".to_owned(), Ok(())),
            ]
        );
    }
}

#[test]
fn short_and_interrupted_reads_give_the_records_and_places_of_whole_ones() {
    // Every other read fails with `Interrupted` (a signal); the rest hand over one byte (a slow
    // pipe) or seven. Encoding, shape and places must come out as from one whole read.
    struct Trickle(Vec<u8>, usize, bool, usize);
    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.2 = !self.2;
            if self.2 {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = out.len().min(self.3).min(self.0.len() - self.1);
            out[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }
    let v1 = String::from_utf8(fixture("graph-v1.json")).unwrap();
    let beta = String::from_utf8(fixture("graph-beta.jsonl")).unwrap();
    let bom = |text: &str| [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
    // A byte 0x0A inside a UTF-16 character (上 is U+4E0A) is not a newline.
    let with_shanghai = beta.replacen('{', "{\"note\": \"上海\", ", 1);
    let mut inputs = vec![
        (
            "graph-v1.json (UTF-16LE)".to_owned(),
            crate::common::utf16le(&v1),
        ),
        (
            "graph-v1.json (UTF-16BE)".to_owned(),
            crate::common::utf16be(&v1),
        ),
        ("graph-beta.jsonl (UTF-8 BOM)".to_owned(), bom(&beta)),
        (
            "graph-beta.jsonl (UTF-8 BOM, a blank line first)".to_owned(),
            bom(&format!("\r\n{beta}")),
        ),
        (
            "graph-beta.jsonl (UTF-16LE, 上 in the first record)".to_owned(),
            crate::common::utf16le(&with_shanghai),
        ),
        (
            "graph-beta.jsonl (UTF-16BE, a blank line first)".to_owned(),
            crate::common::utf16be(&format!("\n{beta}")),
        ),
    ];
    for name in EXPORT_SHAPES {
        inputs.push((name.to_owned(), fixture(name)));
    }
    for (name, bytes) in inputs {
        let whole = placed(Box::new(std::io::Cursor::new(bytes.clone())));
        let places: Vec<&str> = whole.iter().map(|(p, _)| p.as_str()).collect();
        if name.contains(".jsonl") {
            let first = if name.contains("blank line") { 2 } else { 1 };
            let expected: Vec<String> = (first..first + 3).map(|n| format!("line {n}")).collect();
            assert_eq!(places, expected, "{name}");
        }
        for step in [1, 7] {
            let trickled = placed(Box::new(Trickle(bytes.clone(), 0, false, step)));
            let trickled_places: Vec<&str> = trickled.iter().map(|(p, _)| p.as_str()).collect();
            assert_eq!(trickled_places, places, "{name}, {step} byte(s) a read");
            let records: Vec<_> = trickled.into_iter().map(|(_, m)| m).collect();
            assert_the_three_sign_ins(&format!("{name}, {step} byte(s) a read"), &records);
        }
    }
}

#[test]
fn an_empty_input_is_read_once_to_its_end() {
    // A terminal's standard input would otherwise wait for a second end-of-file.
    struct Empty(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl Read for Empty {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(0)
        }
    }
    let reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let records = SignInLogRecords::new(Box::new(Empty(reads.clone()))).count();
    assert_eq!(records, 0);
    assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn a_record_larger_than_the_cap_ends_a_stream_without_holding_it() {
    // A list response whose second record is one endless string: the stream stops at the cap.
    struct Endless(Vec<u8>, usize);
    impl Read for Endless {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.1 < self.0.len() {
                let n = out.len().min(self.0.len() - self.1);
                out[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
                self.1 += n;
                return Ok(n);
            }
            out.fill(b'x');
            Ok(out.len())
        }
    }
    let record = String::from_utf8(fixture("graph-beta.jsonl")).unwrap();
    let head = format!(
        "{{\"value\": [\n{},\n{{\"id\": \"",
        record.lines().next().unwrap()
    );
    let items: Vec<_> = SignInLogRecords::new(Box::new(Endless(head.into_bytes(), 0))).collect();
    assert_eq!(items.len(), 2);
    assert!(items[0].as_ref().unwrap().map().is_ok());
    let err = items[1].as_ref().unwrap_err();
    assert!(err.contains("a record is larger than 64 MiB"), "{err}");
}

#[test]
fn a_corrupt_first_line_is_reported_in_place_and_the_rest_read_as_json_lines() {
    let mut text = String::from("{\"id\": broken}\n");
    text.push_str(std::str::from_utf8(&fixture("graph-beta.jsonl")).unwrap());
    let items: Vec<_> = SignInLogRecords::new(Box::new(std::io::Cursor::new(text.into_bytes())))
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].place.to_string(), "line 1");
    assert!(matches!(
        items[0].map(),
        Err(jitgate::RecordError::Unreadable(_))
    ));
    assert!(items[1..].iter().all(|r| r.map().is_ok()));
    assert_eq!(items[3].place.to_string(), "line 4");
}

#[test]
fn a_json_line_holding_a_page_is_streamed_item_by_item() {
    let records: Vec<Value> = String::from_utf8(fixture("graph-beta.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let text = format!(
        "{}\n{}\n",
        json!({"@odata.context": "x", "value": records}),
        json!([records[0]])
    );
    let items: Vec<_> = SignInLogRecords::new(Box::new(std::io::Cursor::new(text.into_bytes())))
        .map(|r| r.unwrap())
        .collect();
    let places: Vec<String> = items.iter().map(|r| r.place.to_string()).collect();
    assert_eq!(
        places,
        [
            "line 1, item 1",
            "line 1, item 2",
            "line 1, item 3",
            "line 2, item 1"
        ]
    );
    assert_the_three_sign_ins(
        "page on one line",
        &items[..3]
            .iter()
            .map(|r| r.map().map_err(|e| e.to_string()))
            .collect::<Vec<_>>(),
    );
}

/// An endless-looking list response, written as it is read: a reader that held the document
/// whole could not return the first record after a few kilobytes.
struct LazyPage {
    next: usize,
    total: usize,
    buffer: Vec<u8>,
    record: String,
}

impl Read for LazyPage {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.buffer.is_empty() {
            if self.next == 0 {
                self.buffer
                    .extend_from_slice(b"{\"@odata.context\": \"x\", \"value\": [\n");
            }
            if self.next < self.total {
                if self.next > 0 {
                    self.buffer.push(b',');
                }
                self.buffer.extend_from_slice(self.record.as_bytes());
                self.next += 1;
                if self.next == self.total {
                    self.buffer.extend_from_slice(b"]}\n");
                }
            }
        }
        let n = out.len().min(self.buffer.len());
        out[..n].copy_from_slice(&self.buffer[..n]);
        self.buffer.drain(..n);
        Ok(n)
    }
}

#[test]
fn a_large_list_response_is_streamed_record_by_record() {
    let record = String::from_utf8(fixture("graph-beta.jsonl"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let total = 200_000; // about a gigabyte if it were held whole
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    struct Counted(LazyPage, std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl Read for Counted {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(out)?;
            self.1.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            Ok(n)
        }
    }
    let page = LazyPage {
        next: 0,
        total,
        buffer: Vec::new(),
        record: record.clone(),
    };
    let mut records = SignInLogRecords::new(Box::new(Counted(page, served.clone())));
    let first = records.next().unwrap().unwrap();
    assert!(MappedSignIn::from_sign_in_log(&first.value().unwrap()).is_ok());
    // The reader runs ahead by at most 1,024 records (and its buffers), not the document.
    let read = served.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        read < 1100 * (record.len() + 1) + (1 << 17),
        "{read} bytes read before the first record came back"
    );
    // Taking a few more and dropping the reader stops the producer.
    assert_eq!(records.by_ref().take(10).count(), 10);
    drop(records);
}

// --- generated logs ------------------------------------------------------------------------

#[test]
fn generated_logs_agree_fully_with_their_own_tenant() {
    let logs = jitgate::unstable::signinlogs::sign_in_logs(tenant(), 3000, 7);
    let mut levels = [0usize; 4];
    for record in &logs {
        assert!(record.get("generatorError").is_none(), "{record}");
        let m = MappedSignIn::from_sign_in_log(record).unwrap();
        let a = m.compare(&snapshot().evaluate(&m.request, Explain::Policies));
        assert!(a.differences.is_empty(), "{record}\n{a:#?}");
        levels[match a.level {
            AgreementLevel::Full => 0,
            AgreementLevel::Partial => 1,
            AgreementLevel::None => 2,
            AgreementLevel::NotCompared => 3,
        }] += 1;
    }
    assert_eq!(levels, [3000, 0, 0, 0]);
    // And the logs are varied: every decision and several client apps occur.
    let statuses: std::collections::BTreeSet<&str> = logs
        .iter()
        .filter_map(|r| r["conditionalAccessStatus"].as_str())
        .collect();
    assert_eq!(statuses.len(), 3, "{statuses:?}");
}

/// The example tenant with NL002 switched off and NL001 made a block.
fn perturbed() -> Value {
    let mut policies: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{EXAMPLE}/conditionalAccessPolicies.json")).unwrap(),
    )
    .unwrap();
    for p in policies["value"].as_array_mut().unwrap() {
        if p["id"] == NL002 {
            p["state"] = json!("disabled");
        }
        if p["id"] == NL001 {
            p["grantControls"]["builtInControls"] = json!(["block"]);
        }
    }
    policies
}

fn perturbed_dir() -> TempDir {
    let dir = TempDir::new("replay-perturbed");
    copy_dir(std::path::Path::new(EXAMPLE), dir.path());
    dir.write(
        "conditionalAccessPolicies.json",
        serde_json::to_vec_pretty(&perturbed()).unwrap(),
    );
    dir
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The example tenant, and 17 copies of it with one policy each switched to report-only, switched
/// off or made a block.
fn tenants_with_one_policy_changed() -> &'static [Tenant] {
    static T: OnceLock<Vec<Tenant>> = OnceLock::new();
    T.get_or_init(|| {
        let mut tenants = vec![tenant().clone()];
        let ids: Vec<String> = tenant().policies.iter().map(|p| p.id.clone()).collect();
        for (k, id) in ids.iter().enumerate() {
            let mut policies: Value = serde_json::from_str(
                &std::fs::read_to_string(format!("{EXAMPLE}/conditionalAccessPolicies.json"))
                    .unwrap(),
            )
            .unwrap();
            for p in policies["value"].as_array_mut().unwrap() {
                if p["id"] == id.as_str() {
                    match k % 3 {
                        0 => p["state"] = json!("enabledForReportingButNotEnforced"),
                        1 => p["state"] = json!("disabled"),
                        _ => {
                            p["grantControls"] =
                                json!({"operator": "OR", "builtInControls": ["block"]})
                        }
                    }
                }
            }
            let dir = TempDir::new("replay-quick");
            copy_dir(std::path::Path::new(EXAMPLE), dir.path());
            dir.write(
                "conditionalAccessPolicies.json",
                serde_json::to_vec_pretty(&policies).unwrap(),
            );
            tenants.push(jitgate::load(dir.path()).unwrap());
        }
        tenants
    })
}

/// Replay compares most records without explain (`fully_agrees` on the borrowed decision): it
/// must say "full" exactly when the explained comparison does, on the tenant the logs came from
/// and on tenants where one policy at a time is switched to report-only, switched off or made a
/// block.
#[test]
fn the_quick_comparison_says_full_exactly_when_the_explained_one_does() {
    let logs = jitgate::unstable::signinlogs::sign_in_logs(tenant(), 400, 21);
    let mapped: Vec<MappedSignIn<'_>> = logs
        .iter()
        .map(|r| MappedSignIn::from_sign_in_log(r).unwrap())
        .collect();
    let tenants = tenants_with_one_policy_changed().to_vec();
    let (mut full, mut not_full) = (0, 0);
    for t in tenants {
        let snapshot = Snapshot::compile(t);
        for (m, record) in mapped.iter().zip(&logs) {
            let explained = m.compare(&snapshot.evaluate(&m.request, Explain::Policies));
            let quick = m.fully_agrees(&snapshot.evaluate_borrowed(&m.request));
            assert_eq!(
                quick,
                explained.level == AgreementLevel::Full,
                "{record}\n{explained:#?}"
            );
            if quick {
                full += 1;
            } else {
                not_full += 1;
            }
        }
    }
    assert!(
        full > 1000 && not_full > 1000,
        "{full} full, {not_full} not"
    );
}

/// Impact mode skips the explained decisions of a sign-in whose borrowed decisions under the two
/// tenants come to the same thing (`same_outcome`): that must hold exactly when the owned
/// decisions have the same decision, requirement options, denying policies and session controls.
#[test]
fn same_outcome_holds_exactly_when_the_owned_decisions_match() {
    let logs = jitgate::unstable::signinlogs::sign_in_logs(tenant(), 300, 23);
    let requests: Vec<jitgate::SignInRequest> = logs
        .iter()
        .map(|r| jitgate::SignInRequest::from_sign_in_log(r).unwrap())
        .collect();
    let current = snapshot();
    let (mut same, mut changed) = (0, 0);
    for proposed in tenants_with_one_policy_changed().iter().skip(1) {
        let proposed = Snapshot::compile(proposed.clone());
        for (req, record) in requests.iter().zip(&logs) {
            let quick = current
                .evaluate_borrowed(req)
                .same_outcome(&proposed.evaluate_borrowed(req));
            // Rendered with per-policy results, as impact mode renders the records that differ.
            let before = current.evaluate(req, Explain::Policies);
            let after = proposed.evaluate(req, Explain::Policies);
            let options = |d: &jitgate::SignInDecision| {
                d.requirements
                    .iter()
                    .map(|r| r.any_of.clone())
                    .collect::<Vec<_>>()
            };
            let denying = |d: &jitgate::SignInDecision| {
                let mut ids: Vec<String> = d
                    .deny_reasons
                    .iter()
                    .map(|r| r.policy_id().to_owned())
                    .collect();
                ids.sort();
                ids
            };
            let owned = before.decision == after.decision
                && options(&before) == options(&after)
                && denying(&before) == denying(&after)
                && before.session_controls == after.session_controls;
            assert_eq!(quick, owned, "{record}\n{before:#?}\n{after:#?}");
            if quick {
                same += 1;
            } else {
                changed += 1;
            }
        }
    }
    assert!(
        same > 1000 && changed > 100,
        "{same} same, {changed} changed"
    );
}

#[test]
fn against_a_perturbed_tenant_disagreements_name_exactly_the_perturbed_policies() {
    let dir = TempDir::new("replay-generated");
    let logs = dir.path().join("logs.jsonl");
    let out = jitgate(&[
        "generate",
        "signinlogs",
        "--tenant",
        EXAMPLE,
        "--count",
        "2000",
        "--seed",
        "11",
        "--output",
        logs.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changed = perturbed_dir();
    let summary = dir.path().join("summary.json");
    let out = jitgate(&[
        "replay",
        "--tenant",
        changed.path().to_str().unwrap(),
        "--signins",
        logs.to_str().unwrap(),
        "--differences-only",
        "--summary",
        summary.to_str().unwrap(),
        "--fail-below",
        "99",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--fail-below 99 with disagreements"
    );
    let mut named = std::collections::BTreeSet::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_ne!(v["agreement"], "full");
        for d in v["differences"].as_array().unwrap() {
            named.insert(d["policyId"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        named.into_iter().collect::<Vec<_>>(),
        [NL001, NL002],
        "only the perturbed policies differ"
    );
    let summary: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(summary["records"], 2000);
    let per_policy: Vec<&str> = summary["disagreementsPerPolicy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["policyId"].as_str().unwrap())
        .collect();
    assert_eq!(per_policy.len(), 2);
    assert!(per_policy.contains(&NL001) && per_policy.contains(&NL002));
    // Against its own tenant the same file agrees fully.
    let out = jitgate(&[
        "replay",
        "--tenant",
        EXAMPLE,
        "--signins",
        logs.to_str().unwrap(),
        "--differences-only",
        "--fail-below",
        "100",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("100.00% full (2000 full, 0 partial, 0 none of 2000 compared)")
    );
}

#[test]
fn impact_of_a_proposed_tenant_lists_changed_records_and_counts() {
    let dir = TempDir::new("replay-impact");
    let logs = dir.path().join("logs.jsonl");
    let out = jitgate(&[
        "generate",
        "signinlogs",
        "--tenant",
        EXAMPLE,
        "--count",
        "1500",
        "--seed",
        "5",
        "--output",
        logs.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let changed = perturbed_dir();
    let summary = dir.path().join("impact.json");
    let out = jitgate(&[
        "replay",
        "--tenant",
        EXAMPLE,
        "--proposed",
        changed.path().to_str().unwrap(),
        "--signins",
        logs.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    // Recompute each change from the two tenants in the library and compare.
    let proposed = Snapshot::compile(jitgate::load(changed.path()).unwrap());
    let text = std::fs::read_to_string(&logs).unwrap();
    let mut expected_changed = 0;
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let m = MappedSignIn::from_sign_in_log(&record).unwrap();
        let before = snapshot().evaluate(&m.request, Explain::None);
        let after = proposed.evaluate(&m.request, Explain::None);
        use jitgate::Decision::{Allow, Deny, StepUp};
        let kind = match (before.decision, after.decision) {
            (Allow | StepUp, Deny) => Some("newlyDenied"),
            (Allow, StepUp) => Some("newlySteppedUp"),
            (StepUp | Deny, Allow) => Some("noLongerProtected"),
            (Deny, StepUp) => Some("noLongerDenied"),
            _ => None,
        };
        if let Some(kind) = kind {
            expected_changed += 1;
            *kinds.entry(kind.to_owned()).or_default() += 1;
            let out = lines
                .iter()
                .find(|l| l["record"] == record["id"])
                .unwrap_or_else(|| panic!("record {} not reported", record["id"]));
            assert_eq!(out["change"], kind);
            assert_eq!(out["before"]["decision"], before.decision.as_str());
            assert_eq!(out["after"]["decision"], after.decision.as_str());
            let policies: Vec<&str> = out["policies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            assert!(
                policies.iter().all(|p| *p == NL001 || *p == NL002),
                "{policies:?}"
            );
        }
    }
    assert!(kinds.contains_key("newlyDenied"), "{kinds:?}");
    assert!(kinds.contains_key("noLongerProtected"), "{kinds:?}");
    let summary: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    for (kind, n) in &kinds {
        let reported = summary["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c[0] == kind.as_str())
            .map(|c| c[1].as_u64().unwrap());
        assert_eq!(reported, Some(*n as u64), "{kind}");
    }
    assert!(lines.len() >= expected_changed);
}

#[test]
fn device_filter_attributes_the_logs_lack_are_named_per_record() {
    // NL007 and NL014 filter on extensionAttribute1; NL011 on isCompliant and trustType, which
    // the logs carry.
    assert_eq!(
        jitgate::device_attributes_logs_lack(tenant()),
        ["extensionAttribute1"]
    );
    let out = jitgate(&[
        "replay",
        "--tenant",
        EXAMPLE,
        "--signins",
        &format!("{FIXTURES}/graph-v1.json"),
    ]);
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let missing: Vec<&Value> = lines.iter().map(|l| &l["missingData"]).collect();
    // Two user sign-ins and a workload identity (no device).
    assert_eq!(
        missing,
        [
            &json!(["extensionAttribute1"]),
            &json!(["extensionAttribute1"]),
            &json!([])
        ]
    );
}

/// Asking whether the next record is at hand (which may take an item from a streaming thread
/// ahead of time) changes nothing of what is read, in any shape: every fixture, a JSON line
/// holding a page, and a document that breaks part way.
#[test]
fn asking_what_is_at_hand_reads_the_same_records() {
    let read = |bytes: &[u8], ask: bool| -> Vec<String> {
        let mut records = SignInLogRecords::new(Box::new(std::io::Cursor::new(bytes.to_vec())));
        let mut out = Vec::new();
        loop {
            if ask {
                records.next_at_hand();
                records.next_at_hand();
            }
            match records.next() {
                None => return out,
                Some(Ok(r)) => out.push(format!("{} {} {:?}", r.index, r.place, r.value())),
                Some(Err(e)) => out.push(format!("error {e}")),
            }
        }
    };
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    let logs = jitgate::unstable::signinlogs::sign_in_logs(tenant(), 6, 5);
    inputs.push(format!("{}\n{}\n", json!({"value": logs[..3]}), logs[3]).into_bytes());
    let page = json!({"value": logs}).to_string();
    inputs.push(page.as_bytes()[..page.len() - 40].to_vec());
    for (i, input) in inputs.iter().enumerate() {
        let plain = read(input, false);
        assert!(plain.len() >= 3, "input {i}: {plain:?}");
        assert_eq!(read(input, true), plain, "input {i}");
    }
}

/// `jitgate args` with its standard input and output piped (standard error dropped). A run that
/// holds an answer back is ended after 30 s, so a test reading it fails instead of hanging.
fn reading_a_pipe(args: &[&str]) -> std::process::Child {
    use std::process::{Command, Stdio};
    let child = Command::new(env!("CARGO_BIN_EXE_jitgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(30));
        let _ = Command::new("kill").arg(&pid).status();
    });
    child
}

/// Records that come on a pipe are answered as they come, while the input stays open: a batch
/// is handed on once nothing more is at hand, and its lines written at once.
#[test]
fn records_on_a_pipe_are_answered_before_the_input_ends() {
    use std::io::{BufRead, BufReader, Write};
    let logs = jitgate::unstable::signinlogs::sign_in_logs(tenant(), 5, 41);
    let mut child = reading_a_pipe(&["replay", "--tenant", EXAMPLE, "--signins", "-"]);
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // Two records in one write, then one at a time; each answer is read before the next
    // record is written, so none can wait for a batch to fill.
    let mut answered = Vec::new();
    for chunk in [&logs[..2], &logs[2..3], &logs[3..4]] {
        let text: String = chunk.iter().map(|r| format!("{r}\n")).collect();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
        for _ in 0..chunk.len() {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            let v: Value = serde_json::from_str(&line).unwrap();
            answered.push((v["record"].clone(), v["agreement"].clone()));
        }
    }
    writeln!(stdin, "{}", logs[4]).unwrap();
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let ids: Vec<Value> = logs.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(
        answered
            .iter()
            .map(|(id, _)| id.clone())
            .collect::<Vec<_>>(),
        ids[..4]
    );
    assert!(answered.iter().all(|(_, a)| a == "full"), "{answered:?}");
    let last: Value = serde_json::from_str(rest.trim()).unwrap();
    assert_eq!(last["record"], ids[4]);
}

/// `replay -` and `eval -` enlarge the pipe they read (to 1 MiB, or the system's
/// `fs.pipe-max-size` when lower): a producer writing large chunks is woken a sixteenth as often.
#[cfg(target_os = "linux")]
#[test]
fn standard_input_pipes_are_enlarged() {
    use std::io::{BufRead, BufReader, Write};
    let max: usize = std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(1 << 20);
    let wanted = max.min(1 << 20);
    // A fresh pipe's size: where it is already as large (64 KiB memory pages), there is
    // nothing to see.
    let (fresh, _) = rustix::pipe::pipe().unwrap();
    if rustix::pipe::fcntl_getpipe_size(&fresh).unwrap() >= wanted {
        return;
    }
    let logs = jitgate::unstable::signinlogs::sign_in_logs(tenant(), 1, 43);
    let request = std::fs::read_to_string(format!("{EXAMPLE}/../signins.jsonl")).unwrap();
    let cases = [
        ("replay", "--signins", format!("{}\n", logs[0])),
        (
            "eval",
            "--requests",
            format!("{}\n", request.lines().next().unwrap()),
        ),
    ];
    for (command, flag, line) in cases {
        let mut child = reading_a_pipe(&[command, "--tenant", EXAMPLE, flag, "-"]);
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
        // Its answer means it has read, so it has set its input up.
        let mut answer = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut answer)
            .unwrap();
        assert!(answer.starts_with('{'), "{command}: {answer}");
        // A privileged run may go past the system's limit, never past 1 MiB.
        let size = rustix::pipe::fcntl_getpipe_size(&stdin).unwrap();
        assert!((wanted..=1 << 20).contains(&size), "{command}: {size}");
        drop(stdin);
        assert_eq!(child.wait().unwrap().code(), Some(0), "{command}");
    }
}

/// A closed output ends the run at once, even while the input stays open (a live pipe): the
/// decider does not wait for a block that may never fill.
#[test]
fn a_closed_output_ends_replay_while_the_input_is_still_open() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    // Two blocks of records and part of a third: more than the 1 MiB the output buffers.
    let logs = jitgate::unstable::signinlogs::sign_in_logs(tenant(), 9000, 31);
    let text: String = logs.iter().map(|r| format!("{r}\n")).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jitgate"))
        .args(["replay", "--tenant", EXAMPLE, "--signins", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(text.as_bytes());
        // The input stays open until the test is done with the process.
        let _ = done_rx.recv_timeout(Duration::from_secs(120));
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > Duration::from_secs(60) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = done_tx.send(());
    if status.is_none() {
        let _ = child.kill();
    }
    writer.join().unwrap();
    let status = status.expect("replay still running a minute after its output closed");
    assert_eq!(status.code(), Some(2));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("cannot write output"), "{err}");
}
