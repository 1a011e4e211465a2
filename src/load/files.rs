//! Reading files and folders within the bounds of §1.6b.

use super::*;

pub(super) fn io(path: &Path, e: &std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Reads one regular file of at most `max` bytes (§1.6b): a FIFO, socket or device is refused
/// before it can block, and a file that grows while read stops at the cap.
pub(super) fn read(path: &Path, max: u64) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let too_big = |size: u64| LoadError::Io {
        path: path.display().to_string(),
        message: format!(
            "the file holds {size} bytes or more, over the limit of {max} (raise it with --max-file-size)"
        ),
    };
    let meta = fs::metadata(path).map_err(|e| io(path, &e))?;
    if !meta.is_file() {
        return Err(LoadError::Io {
            path: path.display().to_string(),
            message: "not a regular file (a FIFO, socket or device is never read)".to_owned(),
        });
    }
    if meta.len() > max {
        return Err(too_big(meta.len()));
    }
    // Sized from the metadata: the bytes become the text without a copy (§1.1), and read
    // through `take` they would grow by doubling, up to twice the file's size.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    fs::File::open(path)
        .and_then(|f| f.take(max.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(|e| io(path, &e))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

pub(super) fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| io(dir, &e))? {
        out.push(entry.map_err(|e| io(dir, &e))?.path());
    }
    out.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(out)
}

/// Every `.json` file under `dir`, recursively, sorted by relative path as bytes (§1.1.5).
/// What a folder walk found: the `.json` files to read, in order, and the files it skips.
pub(super) struct Walk {
    /// `.json` files, sorted by path as bytes (§1.1.5).
    pub files: Vec<PathBuf>,
    /// Files that are not read (not `.json`, or hidden), reported as `skippedFile` (§1.6a).
    pub skipped: Vec<PathBuf>,
}

/// Every `.json` file under `dir`, recursively, sorted by relative path as bytes (§1.1.5). A
/// folder reached twice (a symbolic link back up the tree) is an error naming the link, so the
/// walk always ends (§1.6b).
pub(super) fn json_files(dir: &Path) -> Result<Walk, LoadError> {
    let mut walk = Walk {
        files: Vec::new(),
        skipped: Vec::new(),
    };
    let mut visited = HashSet::new();
    if let Ok(real) = fs::canonicalize(dir) {
        visited.insert(real);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for p in read_dir_sorted(&d)? {
            if p.is_dir() {
                let real = fs::canonicalize(&p).map_err(|e| io(&p, &e))?;
                if !visited.insert(real) {
                    return Err(LoadError::Io {
                        path: p.display().to_string(),
                        message: "a symbolic link leads back to a folder already read (a loop); remove it".to_owned(),
                    });
                }
                if !is_hidden(&p) {
                    stack.push(p);
                }
            } else if is_hidden(&p) || !is_json(&p) {
                walk.skipped.push(p);
            } else {
                walk.files.push(p);
            }
        }
    }
    walk.files.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(walk)
}

pub(super) fn is_json(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

pub(super) fn is_hidden(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

pub(super) fn stem(p: &Path) -> String {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if is_json(p) {
        name.get(..name.len().saturating_sub(5))
            .unwrap_or(&name)
            .to_owned()
    } else {
        name
    }
}

pub(super) fn relative(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The first 64 KiB of a file, enough to recognise another tool's format; empty when unreadable.
pub(super) fn read_head(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut head = Vec::new();
    if fs::metadata(path).is_ok_and(|m| m.is_file()) {
        let _ = fs::File::open(path).and_then(|f| f.take(64 << 10).read_to_end(&mut head));
    }
    head
}
