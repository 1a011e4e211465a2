#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The example tenant (`examples/tenant`) decides every activation of
//! `examples/activations.jsonl` as `examples/EXPECTED.md` states, with both
//! `activate_reference` and `activate_compiled`, whose JSON outputs must be identical.
//!
//! The expectations are transcribed from EXPECTED.md into
//! `tests/fixtures/examples_activation_expected.json`, one entry per request id:
//! - `expect` is a pattern over the decision JSON (see `activation_common::matches`): only the
//!   keys it names are checked; `null` means absent; `[]` means absent or empty; other arrays
//!   match item by item with the same length.
//! - `denyReasonCodes` is the set of `denyReasons[].code` a deny must carry (§10.4: every
//!   recorded code).
//!
//! Every mismatch of every request is collected before the test fails.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use crate::activation_common::{deny_codes, matches};
use jitgate::{Explain, ReferenceEvaluator};
use serde_json::{Map, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn example_activations_match_expected_md() {
    let root = root();
    let tenant = jitgate::load(&root.join("examples/tenant"))
        .unwrap_or_else(|e| panic!("examples/tenant must load: {e}"));
    let evaluator = ReferenceEvaluator::new(&tenant);
    let snapshot = jitgate::Snapshot::compile(tenant.clone());

    let fixture_path = root.join("tests/fixtures/examples_activation_expected.json");
    let fixture: Map<String, Value> =
        serde_json::from_str(&fs::read_to_string(&fixture_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", fixture_path.display()));

    let lines = fs::read_to_string(root.join("examples/activations.jsonl")).unwrap();
    let mut seen = BTreeSet::new();
    let mut report: Vec<String> = Vec::new();
    let mut decided = 0;

    for (n, line) in lines.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_no = n + 1;
        let raw: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("activations.jsonl line {line_no}: {e}"));
        let id = raw["id"]
            .as_str()
            .unwrap_or_else(|| panic!("activations.jsonl line {line_no} has no string id"))
            .to_owned();
        assert!(seen.insert(id.clone()), "duplicate request id {id}");
        let mut mismatches: Vec<String> = Vec::new();

        let req = jitgate::ActivationRequest::from_json(line);
        let diagnostics = match &req {
            Ok(r) => r.warnings().to_vec(),
            Err(e) => e.diagnostics().to_vec(),
        };
        if !diagnostics.is_empty() {
            let text: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
            mismatches.push(format!(
                "request diagnostics: line {line_no}: parsing gave {text:?}, expected none"
            ));
        }
        let req = req.ok();
        let Some(req) = req else {
            report.push(format!("[{id}] did not parse: {mismatches:?}"));
            continue;
        };
        let Some(entry) = fixture.get(&id) else {
            report.push(format!(
                "[{id}] no entry in tests/fixtures/examples_activation_expected.json"
            ));
            continue;
        };

        let reference = serde_json::to_value(evaluator.activate(&req, Explain::Policies)).unwrap();
        let compiled = serde_json::to_value(snapshot.activate(&req, Explain::Policies)).unwrap();
        if reference != compiled {
            mismatches.push(format!(
                "engines disagree:\n    reference: {reference}\n    compiled:  {compiled}"
            ));
        }
        decided += 1;

        matches("$", Some(&reference), &entry["expect"], &mut mismatches);
        if let Some(codes) = entry.get("denyReasonCodes").and_then(Value::as_array) {
            let want: BTreeSet<String> = codes
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            let got = deny_codes(&reference);
            if got != want {
                mismatches.push(format!(
                    "$.denyReasons[].code: got {got:?}, EXPECTED.md says {want:?}"
                ));
            }
        }

        if !mismatches.is_empty() {
            report.push(format!(
                "[{id}] {} mismatch(es):\n  - {}\n  output: {reference}",
                mismatches.len(),
                mismatches.join("\n  - ")
            ));
        }
    }

    let missing: Vec<&String> = fixture.keys().filter(|k| !seen.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "fixture entries without a request: {missing:?}"
    );
    assert_eq!(decided, 13, "EXPECTED.md describes 13 activations");
    assert!(
        report.is_empty(),
        "{} of {} example activation(s) disagree with EXPECTED.md:\n{}",
        report.len(),
        seen.len(),
        report.join("\n")
    );
}
