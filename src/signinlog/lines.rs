//! Reading one line of a record file, bounded: the one place both the JSON Lines and the CSV
//! readers take their lines from.

use std::io::BufRead;

/// Longest JSON line or CSV row read (64 MiB: a Graph page of 1,000 records fits).
pub const MAX_LINE: usize = 64 << 20;

/// Reads one line into `out`, keeping at most [`MAX_LINE`] + 1 bytes of it (the rest is read
/// and dropped); returns the line's full length, 0 at the end of input.
pub fn read_line(reader: &mut dyn BufRead, out: &mut Vec<u8>) -> Result<usize, String> {
    let cap = (MAX_LINE + 1) as u64;
    // `read_until` finds the newline with the standard library's vectorised search.
    let kept = std::io::Read::take(&mut *reader, cap)
        .read_until(b'\n', out)
        .map_err(|e| format!("cannot read: {e}"))?;
    if kept < MAX_LINE + 1 || out.last() == Some(&b'\n') {
        return Ok(kept);
    }
    // Longer than the cap: count and drop the rest of the line without keeping it.
    let mut total = kept;
    loop {
        let buf = reader.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
        if buf.is_empty() {
            return Ok(total);
        }
        let (n, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
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
}
