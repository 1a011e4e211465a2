//! Helpers shared by the integration tests: temporary tenant directories, encodings, the corpus
//! location, and running the `jitgate` binary.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use jitgate::{Diagnostic, Severity};

/// Load options for tests about something other than completeness (§1.6a): a tenant without
/// policies (PIM-only fixtures) and included locations the bundle lacks load with a warning.
pub fn lenient() -> jitgate::LoadOptions {
    jitgate::LoadOptions::default()
        .allow_empty(true)
        .allow_dangling(true)
}

/// Loads bytes leniently, without the completeness warnings the options turn errors into, so
/// tests that list every warning of a fixture see only what they are about.
pub fn lenient_bytes(name: &str, bytes: &[u8]) -> Result<jitgate::Tenant, jitgate::LoadError> {
    jitgate::load_bundle_bytes_with(name, bytes, &lenient()).map(quiet)
}

/// [`lenient_bytes`] for a file or directory.
pub fn lenient_path(path: &Path) -> Result<jitgate::Tenant, jitgate::LoadError> {
    jitgate::load_with(path, &lenient()).map(quiet)
}

fn quiet(mut t: jitgate::Tenant) -> jitgate::Tenant {
    t.warnings
        .retain(|w| w.code != "noPolicies" && w.code != "danglingLocation");
    t
}

/// A directory under `std::env::temp_dir()` that is unique to one test and removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// A new, empty directory whose name includes `label`, the process id and a counter.
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "jitgate-test-{label}-{}-{n}-{nanos}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to `rel` (creating parent folders) and returns the full path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// `text` as UTF-16LE with a BOM.
pub fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// `text` as UTF-16BE with a BOM.
pub fn utf16be(text: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

/// The corpus root: `$JITGATE_CORPUS`, else `../shared/corpus` beside the crate.
pub fn corpus_root() -> PathBuf {
    std::env::var_os("JITGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus")))
}

/// A corpus folder, or `None` (with a note on stderr) when the corpus is not on this machine.
pub fn corpus(name: &str) -> Option<PathBuf> {
    let dir = corpus_root().join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "corpus folder {} is absent; skipping (set JITGATE_CORPUS)",
            dir.display()
        );
        None
    }
}

/// Runs the `jitgate` binary with `args`.
pub fn jitgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jitgate"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `jitgate validate --tenant PATH` with extra arguments.
pub fn validate_cli(tenant: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["validate", "--tenant", tenant.to_str().unwrap()];
    args.extend_from_slice(extra);
    jitgate(&args)
}

/// The errors among `diagnostics`.
pub fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.is_error()).collect()
}

/// The warnings among `diagnostics`.
pub fn warnings(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .collect()
}

/// The diagnostics with `code`.
pub fn with_code<'a>(diagnostics: &'a [Diagnostic], code: &str) -> Vec<&'a Diagnostic> {
    diagnostics.iter().filter(|d| d.code == code).collect()
}

/// The one diagnostic with `code`; fails listing all diagnostics when there is not exactly one.
pub fn only<'a>(diagnostics: &'a [Diagnostic], code: &str) -> &'a Diagnostic {
    let found = with_code(diagnostics, code);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one {code}, got: {diagnostics:#?}"
    );
    found[0]
}

pub mod signin;
pub mod strategy;
