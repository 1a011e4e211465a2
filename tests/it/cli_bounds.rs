//! The CLI stays bounded on any input (docs/SEMANTICS.md §1.6b): requests are streamed (output
//! begins before input ends), a bad line never stops the run, a closed stdout ends it quietly
//! with exit 2, and `--threads` is bounded.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common::{TempDir, jitgate, utf16le};

fn example(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

fn lines() -> Vec<String> {
    std::fs::read_to_string(example("examples/signins.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn decisions_stream_out_before_the_input_ends() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jitgate"))
        .args([
            "eval",
            "--tenant",
            &example("examples/tenant"),
            "--requests",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let requests = lines();
    for (i, request) in requests.iter().take(3).enumerate() {
        writeln!(stdin, "{request}").unwrap();
        stdin.flush().unwrap();
        // The decision for this line arrives while stdin is still open.
        let mut decision = String::new();
        stdout.read_line(&mut decision).unwrap();
        let v: serde_json::Value = serde_json::from_str(&decision).unwrap();
        let want: serde_json::Value = serde_json::from_str(request).unwrap();
        assert_eq!(v["id"], want["id"], "line {i}");
    }
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// Over several blocks (the next one read and the last one written while the workers decide
/// one), every line's answer comes out in input order, bad lines in place, the same on one
/// thread as on two.
#[test]
fn many_blocks_come_out_in_input_order_on_one_thread_or_two() {
    let requests = lines();
    let dir = TempDir::new("many-blocks");
    let mut text = String::new();
    let mut ids = Vec::new();
    for i in 0..20_000usize {
        if i % 997 == 5 {
            text.push_str("{not json\n");
            ids.push(None);
            continue;
        }
        let mut v: serde_json::Value = serde_json::from_str(&requests[i % requests.len()]).unwrap();
        v["id"] = serde_json::json!(format!("line-{}", i + 1));
        text.push_str(&v.to_string());
        text.push('\n');
        ids.push(Some(format!("line-{}", i + 1)));
    }
    let file = dir.write("requests.jsonl", text);
    let run = |threads: &str| {
        let out = jitgate(&[
            "eval",
            "--tenant",
            &example("examples/tenant"),
            "--requests",
            &file.display().to_string(),
            "--threads",
            threads,
        ]);
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let two = run("2");
    assert_eq!(two, run("1"));
    let got: Vec<serde_json::Value> = two
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), ids.len());
    for (i, (v, id)) in got.iter().zip(&ids).enumerate() {
        match id {
            Some(id) => {
                assert_eq!(v["id"], id.as_str(), "line {}", i + 1);
                assert!(v["decision"].is_string(), "line {}", i + 1);
            }
            None => assert_eq!(v["line"], i + 1),
        }
    }
}

#[test]
fn a_bad_utf16_line_is_reported_in_place_and_the_rest_decided() {
    let requests = lines();
    let text = format!("{}\n{}\n{}\n", requests[0], "BAD", requests[1]);
    let mut bytes = utf16le(&text);
    // Replace "BAD" (after the BOM and the first line) with an unpaired surrogate.
    let first = requests[0].encode_utf16().count() + 1;
    let at = 2 + 2 * first;
    bytes[at..at + 2].copy_from_slice(&0xD800u16.to_le_bytes());
    let dir = TempDir::new("utf16-bad-line");
    let file = dir.write("requests.jsonl", bytes);
    let out = jitgate(&[
        "eval",
        "--tenant",
        &example("examples/tenant"),
        "--requests",
        &file.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let got: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), 3);
    assert!(got[0]["decision"].is_string());
    assert_eq!(got[1]["line"], 2);
    assert!(got[1]["error"].as_str().unwrap().contains("invalid UTF-16"));
    assert!(got[2]["decision"].is_string());
}

#[test]
fn an_overlong_line_is_a_bad_line_not_an_abort() {
    let requests = lines();
    let dir = TempDir::new("long-line");
    let long = format!("{{\"x\": \"{}\"}}", "a".repeat(17 << 20));
    let file = dir.write(
        "requests.jsonl",
        format!("{}\n{long}\n{}\n", requests[0], requests[1]),
    );
    let out = jitgate(&[
        "eval",
        "--tenant",
        &example("examples/tenant"),
        "--requests",
        &file.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let got: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[1]["line"], 2);
    assert_eq!(got[1]["error"], "line 2: the line is longer than 16 MiB");
}

#[test]
fn a_closed_stdout_ends_the_run_quietly_with_exit_2() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jitgate"))
        .args(["bench", "--size", "small", "--count", "2000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn threads_are_bounded_by_the_cores() {
    let out = jitgate(&[
        "eval",
        "--tenant",
        &example("examples/tenant"),
        "--requests",
        &example("examples/signins.jsonl"),
        "--threads",
        "100000",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--threads must be between 1 and"));
    assert!(out.stdout.is_empty());
}
