//! Reading a record file: one line, bounded (the one place the JSON Lines and CSV record
//! readers and the CLI's request reader take their lines from), and a buffer filled with
//! interrupted reads retried (every reader of the input fills through it).

use std::io::BufRead;

/// Longest JSON line or CSV row read (64 MiB: a Graph page of 1,000 records fits).
pub const MAX_LINE: usize = 64 << 20;

/// The reader's buffered bytes, filled if empty; a read interrupted by a signal is retried, as
/// `read_until` and `read_to_end` do.
pub fn fill_buf_retrying(reader: &mut dyn BufRead) -> std::io::Result<&[u8]> {
    loop {
        match reader.fill_buf() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
            // The end of input: not asked again, since a reader may answer once more.
            Ok([]) => return Ok(&[]),
            // Asked again for the bytes it now holds, which reads nothing: returning the first
            // borrow from inside the loop does not pass the borrow checker.
            Ok(_) => break,
        }
    }
    reader.fill_buf()
}

/// Reads one line into `out`, keeping at most [`MAX_LINE`] + 1 bytes of it (the rest is read
/// and dropped); returns the line's full length, 0 at the end of input.
pub fn read_line(reader: &mut dyn BufRead, out: &mut Vec<u8>) -> Result<usize, String> {
    read_line_within(reader, out, MAX_LINE).map_err(|e| format!("cannot read: {e}"))
}

/// Reads one line into `out` (its newline included), keeping at most `max` + 1 bytes of it
/// (the rest is read and dropped, so a caller sees it was longer than `max`); returns the
/// line's full length, 0 at the end of input. Shared by the record readers and the CLI's
/// request reader.
pub fn read_line_within(
    reader: &mut dyn BufRead,
    out: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<usize> {
    // The newline is found with `memchr`'s vector search (a sign-in record is a 4 KB line; the
    // standard library's `read_until` searches a word at a time).
    let mut total = 0usize;
    let cap = out.len().saturating_add(max).saturating_add(1);
    loop {
        let buf = fill_buf_retrying(reader)?;
        if buf.is_empty() {
            return Ok(total);
        }
        let (n, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        // Keep at most max + 1 bytes; count and drop the rest of a longer line.
        let room = cap.saturating_sub(out.len());
        out.extend_from_slice(buf.get(..n.min(room)).unwrap_or_default());
        total += n;
        reader.consume(n);
        if done {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn lines_and_the_end() {
        let mut r: &[u8] = b"ab\ncd";
        let mut out = Vec::new();
        assert_eq!(read_line(&mut r, &mut out).unwrap(), 3);
        assert_eq!(out, b"ab\n");
        out.clear();
        assert_eq!(read_line(&mut r, &mut out).unwrap(), 2);
        assert_eq!(out, b"cd");
        out.clear();
        assert_eq!(read_line(&mut r, &mut out).unwrap(), 0);
    }

    /// A line longer than the cap is counted whole, kept to the cap plus one byte, and the next
    /// line reads as it is, also across the reader's buffer boundaries.
    #[test]
    fn a_long_line_is_kept_to_the_cap_and_the_next_one_reads() {
        let mut text = vec![b'x'; MAX_LINE + 10];
        text.extend_from_slice(b"\nnext\n");
        let mut r = std::io::BufReader::with_capacity(1000, text.as_slice());
        let mut out = Vec::new();
        assert_eq!(read_line(&mut r, &mut out).unwrap(), MAX_LINE + 11);
        assert_eq!(out.len(), MAX_LINE + 1);
        out.clear();
        assert_eq!(read_line(&mut r, &mut out).unwrap(), 5);
        assert_eq!(out, b"next\n");
    }
}
