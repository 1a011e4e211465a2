//! Loading a tenant from a bundle file or an export directory (docs/SEMANTICS.md §1.1, §2).
//!
//! A tenant is either one JSON bundle (an object whose keys are the collections) or a directory in
//! which each collection is a file `KEY.json` (an array, a single object, or a Graph list response)
//! or a folder of one-object files. Folder and file names match case-insensitively, and also under
//! the names export tools use (`ConditionalAccess`, `NamedLocations`, `Groups`, ...). Where an
//! object carries `@odata.type`, the type decides its collection. Nothing is dropped silently:
//! every object is read or reported.

mod builder;
mod duplicates;
mod files;
mod foreign;
mod kinds;
mod parallel;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics};
use crate::json::{self, Json};
use crate::model::read::{Obj, child, is_empty_value, push_index, split_source};
use crate::model::{Tenant, directory, location, pim, policy, strength};
use builder::*;
use duplicates::*;
use files::*;
use kinds::*;

/// Why a tenant could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The path could not be read at all.
    #[error("cannot read tenant at {path}: {message}")]
    Io {
        /// The path given.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The files were read but hold errors; every diagnostic (errors and warnings) is listed.
    #[error("tenant has {} error(s); first: {}", errors(.diagnostics), first_error(.diagnostics))]
    Invalid {
        /// All diagnostics found.
        diagnostics: Vec<Diagnostic>,
    },
}

fn errors(d: &[Diagnostic]) -> usize {
    d.iter().filter(|x| x.is_error()).count()
}

fn first_error(d: &[Diagnostic]) -> String {
    d.iter()
        .find(|x| x.is_error())
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// A tenant as read, with every diagnostic, whether or not it holds errors (used by validation).
#[derive(Debug)]
pub struct LoadReport {
    /// What could be read.
    pub tenant: Tenant,
    /// Errors and warnings in reading order.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadReport {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The tenant if it is usable (no errors), else every diagnostic.
    pub fn into_result(self) -> Result<Tenant, LoadError> {
        if self.has_errors() {
            Err(LoadError::Invalid {
                diagnostics: self.diagnostics,
            })
        } else {
            let mut tenant = self.tenant;
            tenant.warnings = self.diagnostics;
            Ok(tenant)
        }
    }
}

/// How a tenant is read.
///
/// ```
/// let options = jitgate::LoadOptions::default().max_file_size(1 << 20);
/// assert_eq!(options.file_size_limit(), 1 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    max_file_size: u64,
    allow_empty: bool,
    allow_dangling: bool,
    leave_trees_to_exit: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            allow_empty: false,
            allow_dangling: false,
            leave_trees_to_exit: false,
        }
    }
}

/// The largest file read by default (§1.6b): 256 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 256 << 20;

impl LoadOptions {
    /// The largest file that will be read, in bytes (default 256 MiB).
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = bytes;
        self
    }

    /// The file size limit in force.
    pub fn file_size_limit(&self) -> u64 {
        self.max_file_size
    }

    /// Accept a tenant without any conditional access policy (`noPolicies` becomes a warning).
    /// Without it, an empty or lost policy export is an error: it would allow everything.
    pub fn allow_empty(mut self, allow: bool) -> Self {
        self.allow_empty = allow;
        self
    }

    /// Accept policies that include named locations the bundle does not define
    /// (`danglingLocation` becomes a warning; such an include matches nothing).
    pub fn allow_dangling(mut self, allow: bool) -> Self {
        self.allow_dangling = allow;
        self
    }

    /// For a process that exits when its work is done (the CLI): each file's JSON tree is not
    /// freed once read into the model, and its memory is the process's until it exits. Freeing
    /// the limits tenant's tree, some 600,000 blocks, took about 40 ms on one core. An
    /// embedder that loads more than once must not set it: every load would keep its trees.
    #[doc(hidden)]
    pub fn leave_trees_to_exit(mut self, leave: bool) -> Self {
        self.leave_trees_to_exit = leave;
        self
    }
}

/// Loads a tenant from a bundle file or directory with the default [`LoadOptions`]; any error
/// makes it unusable (§1.6).
///
/// Loading uses rayon's pool (the caller's, inside `ThreadPool::install`): large collections
/// are read into the model on its threads, a file of 8 MiB or more is read from disk in two
/// halves at once, and a JSON text of 4 MB or more is read on this thread and a second,
/// short-lived one, when the pool has two threads or more.
///
/// # Errors
///
/// [`LoadError::Io`] when the path cannot be read, [`LoadError::Invalid`] with every
/// diagnostic when the files hold errors.
pub fn load(path: &Path) -> Result<Tenant, LoadError> {
    load_with(path, &LoadOptions::default())
}

/// Loads a tenant with explicit [`LoadOptions`].
///
/// # Errors
///
/// As [`load`].
pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Tenant, LoadError> {
    read_tenant(path, options)?.into_result()
}

/// Loads a tenant from bundle bytes (UTF-8 or UTF-16 with BOM), naming it `name` in diagnostics.
///
/// # Errors
///
/// [`LoadError::Invalid`] with every diagnostic when the bundle holds errors.
pub fn load_bundle_bytes(name: &str, bytes: &[u8]) -> Result<Tenant, LoadError> {
    load_bundle_bytes_with(name, bytes, &LoadOptions::default())
}

/// [`load_bundle_bytes`] with explicit [`LoadOptions`].
///
/// # Errors
///
/// As [`load_bundle_bytes`].
pub fn load_bundle_bytes_with(
    name: &str,
    bytes: &[u8],
    options: &LoadOptions,
) -> Result<Tenant, LoadError> {
    let mut b = Builder::new(options);
    b.bundle_bytes(name, bytes.to_vec());
    b.finish().into_result()
}

/// Reads a tenant and returns everything found, errors included (what `validate` reports on).
///
/// # Errors
///
/// Only when the path cannot be read at all.
pub fn load_report(path: &Path) -> Result<LoadReport, LoadError> {
    read_tenant(path, &LoadOptions::default())
}

/// [`load_report`] with explicit [`LoadOptions`].
///
/// # Errors
///
/// Only when the path cannot be read at all.
pub fn load_report_with(path: &Path, options: &LoadOptions) -> Result<LoadReport, LoadError> {
    read_tenant(path, options)
}

fn read_tenant(path: &Path, options: &LoadOptions) -> Result<LoadReport, LoadError> {
    let meta = fs::metadata(path).map_err(|e| LoadError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let mut b = Builder::new(options);
    if meta.is_dir() {
        b.directory(path)?;
    } else {
        let bytes = read(path, options.max_file_size)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        match foreign::unread_file(path, &bytes) {
            Some(message) => b.run(&name, |_, d| d.error("foreignFormat", "$", message)),
            None => b.bundle_bytes(&name, bytes),
        }
    }
    Ok(b.finish())
}

/// Reads one regular file of at most `max` bytes, within the same bounds as a tenant's files
/// (`jitgate test` reads its test files with this); the error is a sentence without the path.
pub(crate) fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    files::read(path, max).map_err(|e| match e {
        LoadError::Io { message, .. } => message,
        other => other.to_string(),
    })
}
