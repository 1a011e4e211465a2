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
    let file = fs::File::open(path).map_err(|e| io(path, &e))?;
    let bytes = read_open(file, meta.len(), max).map_err(|e| io(path, &e))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads `file`, whose size was `len` when looked at, up to `max + 1` bytes: in two halves at
/// once when it is large ([`read_halves`]), then whatever follows (a file that grew since).
fn read_open(mut file: fs::File, len: u64, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek};
    // `len` is at most `max` when `read` calls this; the tests pass other sizes.
    let mut bytes = match read_halves(&file, len.min(max)) {
        Some(bytes) => bytes,
        // Sized from the metadata: the bytes become the text without a copy (§1.1), and read
        // through `take` they would grow by doubling, up to twice the file's size.
        None => Vec::with_capacity(usize::try_from(len.min(max)).unwrap_or(0).saturating_add(1)),
    };
    // The rest (all of it, unless read in halves), to the cap: a file that grew since its size
    // was read stops there.
    let read = bytes.len() as u64;
    if read > 0 {
        // Positioned reads leave the file's own position at the start.
        file.seek(std::io::SeekFrom::Start(read))?;
    }
    file.take(max.saturating_add(1).saturating_sub(read))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The size from which a file is read in two halves at once.
const HALVES_FROM: u64 = 8 << 20;

/// A large file's first `len` bytes read in two halves at once, one on each of two cores (inside
/// a one-thread pool, one after the other): the copy out of the page cache into fresh pages was
/// an eighth of loading a tenant at Entra's limits, all of it on one core. `None`, and the
/// caller reads the file in one pass, for a file under [`HALVES_FROM`] bytes (a second thread
/// would cost more than it saves), off Unix (not written there), and when either half fails:
/// the file shrank since its size was read, or a read error, which the one pass then reports
/// if it happens again.
fn read_halves(file: &fs::File, len: u64) -> Option<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        if len < HALVES_FROM {
            return None;
        }
        let len = usize::try_from(len).ok()?;
        // A zeroed allocation this large is fresh pages from the system (glibc maps it), already
        // zero: nothing is written twice.
        let mut bytes = vec![0u8; len];
        let half = len / 2;
        let (first, second) = bytes.split_at_mut(half);
        let (a, b) = rayon::join(
            || file.read_exact_at(first, 0),
            || file.read_exact_at(second, half as u64),
        );
        (a.is_ok() && b.is_ok()).then_some(bytes)
    }
    #[cfg(not(unix))]
    {
        let _ = (file, len);
        None
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// `len` bytes that differ from place to place, from a fixed seed.
    fn bytes(len: usize) -> Vec<u8> {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn file_of(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        path
    }

    #[test]
    fn a_large_file_read_in_halves_is_the_file() {
        let dir = std::env::temp_dir().join(format!("jitgate-halves-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let from = HALVES_FROM as usize;
        // Odd and even sizes from the size at which a file is read in halves, and one under.
        for len in [from, from + 1, 9 << 20, from - 1] {
            let content = bytes(len);
            let path = file_of(&dir, "t.json", &content);
            let halves = read_halves(&fs::File::open(&path).unwrap(), len as u64);
            if len >= from {
                assert!(halves.as_deref() == Some(&content[..]), "{len}");
            } else {
                assert!(halves.is_none(), "{len}");
            }
            // Asked for more than the file holds: a half comes back short.
            assert!(read_halves(&fs::File::open(&path).unwrap(), len as u64 + 1).is_none());
            assert!(read(&path, u64::MAX).unwrap() == content, "{len}");
            assert!(read(&path, len as u64).unwrap() == content, "{len}");
            // Over the cap: refused from its size before it is read.
            assert!(read(&path, len as u64 - 1).is_err(), "{len}");
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_that_changed_size_since_it_was_looked_at_is_read_as_it_is_now() {
        let dir = std::env::temp_dir().join(format!("jitgate-grown-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let len = 9 << 20;
        let content = bytes(len);
        let path = file_of(&dir, "t.json", &content);
        let open = || fs::File::open(&path).unwrap();
        // Grown since: the halves cover the size seen, the rest is read after them.
        let got = read_open(open(), len as u64 - 4097, u64::MAX).unwrap();
        assert!(got == content);
        // Grown past the cap: the read stops one byte over it, which the caller refuses.
        let got = read_open(open(), len as u64 - 4097, len as u64 - 10).unwrap();
        assert_eq!(got.len(), len - 9);
        assert!(got[..] == content[..len - 9]);
        // Shrunk since: a half comes back short, and the file is read in one pass.
        let got = read_open(open(), len as u64 + 4096, u64::MAX).unwrap();
        assert!(got == content);
        fs::remove_dir_all(&dir).unwrap();
    }
}
