//! `replay`'s per-record line: which record, how far jitgate agrees with its log, and what
//! differs, as one line of JSON.

use jitgate::{AgreementLevel, MappedSignIn, RawRecord, RecordPlace};

/// Writes one agreement line to `o` as JSON with its newline: the bytes `serde_json` writes for
/// it, written by hand, since most records agree and their lines hold only strings (a line's
/// differences, rare, go through `serde_json`).
pub fn write_line(o: &mut Vec<u8>, line: &AgreementLine<'_>) {
    use jitgate::unstable::write_json_string as string;
    o.extend_from_slice(b"{\"record\":");
    match line.record {
        RecordId::Id(id) => string(o, id),
        RecordId::Index(i) => o.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
    }
    o.extend_from_slice(b",\"place\":");
    line.place.write_json(o);
    o.extend_from_slice(b",\"agreement\":");
    // Writing to a vector cannot fail; an empty field would be reported as bad output.
    let _ = serde_json::to_writer(&mut *o, &line.agreement);
    o.extend_from_slice(b",\"loggedStatus\":");
    match line.logged_status {
        Some(s) => string(o, s),
        None => o.extend_from_slice(b"null"),
    }
    o.extend_from_slice(b",\"jitgateStatus\":");
    string(o, line.jitgate_status);
    o.extend_from_slice(b",\"decision\":");
    string(o, line.decision);
    o.extend_from_slice(b",\"differences\":");
    if line.differences.is_empty() {
        o.extend_from_slice(b"[]");
    } else {
        let _ = serde_json::to_writer(&mut *o, line.differences);
    }
    o.extend_from_slice(b",\"missingData\":[");
    for (k, field) in line.missing_data.iter().enumerate() {
        if k > 0 {
            o.push(b',');
        }
        string(o, field);
    }
    o.extend_from_slice(b"]}\n");
}

/// A record's `id`, else its position.
#[derive(Clone, Copy, serde::Serialize)]
#[serde(untagged)]
pub enum RecordId<'a> {
    /// The record's `id`.
    Id(&'a str),
    /// Its position in the input, from 0.
    Index(usize),
}

impl<'a> RecordId<'a> {
    /// How `mapped` (read from `r`) is named in its line.
    pub fn of(r: &RawRecord, mapped: &'a MappedSignIn) -> RecordId<'a> {
        mapped
            .id
            .as_deref()
            .map_or(RecordId::Index(r.index), RecordId::Id)
    }
}

/// One agreement line (its `Serialize` is what `write_line` must write, checked by a test).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgreementLine<'a> {
    /// Which record.
    pub record: RecordId<'a>,
    /// Where it is in the input (`line 7`, `record 3`).
    pub place: RecordPlace,
    /// How far jitgate agrees with the log.
    pub agreement: AgreementLevel,
    /// The logged `conditionalAccessStatus`, if any.
    pub logged_status: Option<&'a str>,
    /// jitgate's status for the sign-in.
    pub jitgate_status: &'a str,
    /// jitgate's decision.
    pub decision: &'a str,
    /// The policies whose results differ.
    pub differences: &'a [jitgate::PolicyDifference],
    /// The request data the log lacks.
    pub missing_data: &'a [&'static str],
}

#[cfg(test)]
mod tests {
    use super::{AgreementLine, RecordId, write_line};
    use jitgate::{AgreementLevel, PolicyDifference, RecordPlace};

    #[test]
    fn agreement_lines_are_the_bytes_serde_json_writes() {
        let difference = PolicyDifference {
            policy_id: "p\"1".to_owned(),
            display_name: Some("N\u{e9}e".to_owned()),
            logged: "success".to_owned(),
            jitgate: None,
            logged_conditions_not_satisfied: Some("users".to_owned()),
            jitgate_analysis_reasons: None,
        };
        let differences = [difference];
        let levels = [
            AgreementLevel::Full,
            AgreementLevel::Partial,
            AgreementLevel::None,
            AgreementLevel::NotCompared,
        ];
        let mut lines = 0;
        for (k, level) in levels.into_iter().enumerate() {
            for record in [
                RecordId::Id("id-1"),
                RecordId::Id("a\\b\n"),
                RecordId::Index(k * 1000),
            ] {
                for logged in [None, Some("success"), Some("tab\there")] {
                    let line = AgreementLine {
                        record,
                        place: match k {
                            0 => RecordPlace::Line(7),
                            1 => RecordPlace::Record(3),
                            2 => RecordPlace::LineItem { line: 12, item: 1 },
                            _ => RecordPlace::LineItem {
                                line: usize::MAX,
                                item: 0,
                            },
                        },
                        agreement: level,
                        logged_status: logged,
                        jitgate_status: "failure",
                        decision: "stepUp",
                        differences: if k % 2 == 0 { &[] } else { &differences },
                        missing_data: if k < 2 {
                            &[]
                        } else {
                            &["ipAddress", "country"]
                        },
                    };
                    let mut expected = serde_json::to_vec(&line).unwrap_or_default();
                    expected.push(b'\n');
                    assert_eq!(
                        String::from_utf8_lossy(&{
                            let mut o = Vec::new();
                            write_line(&mut o, &line);
                            o
                        }),
                        String::from_utf8_lossy(&expected)
                    );
                    lines += 1;
                }
            }
        }
        assert_eq!(lines, 36);
    }
}
