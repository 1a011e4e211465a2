//! Reading one line of a record file, bounded: the one place both the JSON Lines and the CSV
//! readers take their lines from.

use std::io::BufRead;

/// Longest JSON line or CSV row read (64 MiB: a Graph page of 1,000 records fits).
pub const MAX_LINE: usize = 64 << 20;

/// Reads one line into `out`, keeping at most [`MAX_LINE`] + 1 bytes of it (the rest is read
/// and dropped); returns the line's full length, 0 at the end of input.
pub fn read_line(reader: &mut dyn BufRead, out: &mut Vec<u8>) -> Result<usize, String> {
    let mut total = 0usize;
    loop {
        let buf = reader.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
        if buf.is_empty() {
            return Ok(total);
        }
        let (chunk, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (buf.get(..=i).unwrap_or(buf), true),
            None => (buf, false),
        };
        let n = chunk.len();
        if out.len() <= MAX_LINE {
            let room = MAX_LINE + 1 - out.len();
            out.extend_from_slice(chunk.get(..n.min(room)).unwrap_or(chunk));
        }
        total += n;
        reader.consume(n);
        if done {
            return Ok(total);
        }
    }
}
