//! `jitgate whatif` for people: snapshots at 80 and 120 columns, `--applied-only`, colour.
//!
//! The snapshots live in `tests/fixtures/whatif-{80,120}.txt`; after an intended change to the
//! report, regenerate them with `JITGATE_BLESS=1 cargo test whatif` and review the diff.

use std::path::PathBuf;

use crate::common::{TempDir, jitgate};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example requests the snapshots show: a step-up with a strength (s04), a block (s07) and an
/// allow with session controls (s01).
const SHOWN: [&str; 3] = [
    "s04-ava-admin-portal-needs-phishing-resistant",
    "s07-bram-legacy-imap-blocked",
    "s01-chloe-mfa-done-untrusted",
];

fn request_file(dir: &TempDir, id: &str) -> String {
    let all = std::fs::read_to_string(root().join("examples/signins.jsonl")).unwrap();
    let line = all
        .lines()
        .find(|l| l.contains(&format!("\"id\": \"{id}\"")))
        .unwrap_or_else(|| panic!("{id} is not in examples/signins.jsonl"));
    let path = dir.path().join(format!("{id}.json"));
    std::fs::write(&path, line).unwrap();
    path.display().to_string()
}

fn whatif(request: &str, extra: &[&str]) -> String {
    let tenant = root().join("examples/tenant").display().to_string();
    let mut args = vec!["whatif", "--tenant", &tenant, "--request", request];
    args.extend_from_slice(extra);
    let out = jitgate(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn snapshot(width: usize) {
    let dir = TempDir::new("whatif");
    let mut report = String::new();
    for id in SHOWN {
        let text = whatif(&request_file(&dir, id), &["--width", &width.to_string()]);
        for line in text.lines() {
            // Only a single word longer than the line (none here) may overrun.
            assert!(
                line.chars().count() <= width,
                "line over {width} columns:\n{line}"
            );
        }
        report.push_str(&format!("==> {id}\n{text}\n"));
    }
    let fixture = root().join(format!("tests/fixtures/whatif-{width}.txt"));
    if std::env::var_os("JITGATE_BLESS").is_some() {
        std::fs::write(&fixture, &report).unwrap();
    }
    let expected = std::fs::read_to_string(&fixture).unwrap_or_default();
    assert!(
        report == expected,
        "whatif at {width} columns differs from {}; if intended, rerun with JITGATE_BLESS=1\n--- got ---\n{report}",
        fixture.display()
    );
}

#[test]
fn whatif_at_80_columns() {
    snapshot(80);
}

#[test]
fn whatif_at_120_columns() {
    snapshot(120);
}

#[test]
fn names_are_whole_and_requirements_and_denials_name_their_policy() {
    let dir = TempDir::new("whatif-names");
    let text = whatif(&request_file(&dir, SHOWN[0]), &["--width", "80"]);
    // A 62-character name is never cut: its words all appear, wrapped if need be.
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        joined.contains("NL006 Admin roles require phishing-resistant MFA for admin portals"),
        "{text}"
    );
    assert!(
        joined.contains(
            "required by \"NL006 Admin roles require phishing-resistant MFA for admin portals\" (c4a10006-5d2e-4b6f-8a7c-0e1f2a3b4c06)"
        ),
        "{text}"
    );
    let text = whatif(&request_file(&dir, SHOWN[1]), &["--width", "120"]);
    assert!(
        text.contains(
            "  - \"NL002 Block legacy authentication\" (c4a10002-5d2e-4b6f-8a7c-0e1f2a3b4c02) blocks access"
        ),
        "{text}"
    );
    // Session controls are lines, not a JSON blob.
    let text = whatif(&request_file(&dir, SHOWN[2]), &["--width", "120"]);
    assert!(
        text.contains("  - Sign-in frequency: every 12 hours (primaryAndSecondaryAuthentication), set by \"NL001"),
        "{text}"
    );
    assert!(
        text.contains("  - Persistent browser session: never, set by"),
        "{text}"
    );
    assert!(!text.contains("{\""), "{text}");
}

#[test]
fn applied_only_lists_only_the_policies_that_applied() {
    let dir = TempDir::new("whatif-applied");
    let request = request_file(&dir, SHOWN[0]);
    let all = whatif(&request, &["--width", "100"]);
    let applied = whatif(&request, &["--width", "100", "--applied-only"]);
    assert!(all.contains("Policies (1 of 17 applied):"), "{all}");
    assert!(all.contains("NL001 Require MFA"), "{all}");
    assert!(
        applied.contains("Policies that applied (1 of 17):"),
        "{applied}"
    );
    assert!(!applied.contains("NL001"), "{applied}");
    assert!(
        applied.contains("  step up  NL006 Admin roles"),
        "{applied}"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = TempDir::new("whatif-colour");
    let request = request_file(&dir, SHOWN[1]);
    // Piped (as here), auto means no colour.
    assert!(!whatif(&request, &[]).contains('\u{1b}'));
    let coloured = whatif(&request, &["--color", "always"]);
    assert!(coloured.contains("\u{1b}[1;31mDENY\u{1b}[0m"), "{coloured}");
    assert!(!whatif(&request, &["--color", "never"]).contains('\u{1b}'));
}
