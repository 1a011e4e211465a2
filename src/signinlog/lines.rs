//! Reading a record file: one line, bounded (the one place the JSON Lines and CSV record
//! readers and the CLI's request reader take their lines from), and a buffer filled with
//! interrupted reads retried (every reader of the input fills through it).

use std::io::{BufRead, Read};
use std::ops::Range;
use std::sync::Arc;

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

/// How much a [`LineBlocks`] reads at a time: some 240 Graph records.
const BLOCK_BYTES: usize = 1 << 20;

/// A line of a block: its bytes are a range of the block, which its lines share.
#[derive(Debug, Clone)]
pub(super) struct Span {
    block: Arc<Vec<u8>>,
    range: Range<usize>,
}

impl Span {
    /// The line's bytes.
    pub(super) fn bytes(&self) -> &[u8] {
        self.block.get(self.range.clone()).unwrap_or_default()
    }

    /// The line without ASCII whitespace at either end.
    pub(super) fn trimmed(mut self) -> Span {
        let bytes = self.bytes();
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        let end = bytes
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(start, |i| i + 1);
        self.range = self.range.start + start..self.range.start + end;
        self
    }
}

/// A line read by [`LineBlocks::next_line`].
pub(super) enum Line {
    /// A line's bytes, without its newline.
    Text(Span),
    /// A line longer than [`MAX_LINE`] (with its newline), read and dropped.
    Overlong,
}

/// Lines read a block at a time: each line is a range of the block it was read into, so a
/// record of a few kilobytes is neither copied nor allocated on its own, and the input is read
/// straight into the block. A line that runs past a block's end starts the next block.
pub(super) struct LineBlocks {
    reader: Box<dyn BufRead + Send>,
    block: Arc<Vec<u8>>,
    /// Where the next line starts in the block.
    at: usize,
    /// Has the input ended (everything read is in the block)?
    ended: bool,
}

impl LineBlocks {
    /// The lines of `reader`.
    pub(super) fn new(reader: Box<dyn BufRead + Send>) -> LineBlocks {
        LineBlocks {
            reader,
            block: Arc::new(Vec::new()),
            at: 0,
            ended: false,
        }
    }

    /// The next line; `None` at the end of input.
    pub(super) fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            let rest = self.block.get(self.at..).unwrap_or_default();
            if let Some(i) = memchr::memchr(b'\n', rest) {
                let range = self.at..self.at + i;
                self.at += i + 1;
                // As `read_line` counts a line: with its newline.
                if i + 1 > MAX_LINE {
                    return Ok(Some(Line::Overlong));
                }
                return Ok(Some(Line::Text(self.span(range))));
            }
            if self.ended {
                if rest.is_empty() {
                    return Ok(None);
                }
                let range = self.at..self.block.len();
                self.at = self.block.len();
                if range.len() > MAX_LINE {
                    return Ok(Some(Line::Overlong));
                }
                return Ok(Some(Line::Text(self.span(range))));
            }
            if rest.len() > MAX_LINE {
                // Too long already: the rest of it is read and dropped.
                self.block = Arc::new(Vec::new());
                self.at = 0;
                let mut dropped = Vec::new();
                if read_line_within(self.reader.as_mut(), &mut dropped, 0)? == 0 {
                    self.ended = true;
                }
                return Ok(Some(Line::Overlong));
            }
            // The next block starts with the line begun in this one.
            // Room for twice the line so far, but never more than tells a line too long.
            let room = rest
                .len()
                .saturating_mul(2)
                .clamp(BLOCK_BYTES, MAX_LINE + 1);
            let mut next = Vec::with_capacity(room);
            next.extend_from_slice(rest);
            let want = next.capacity() - next.len();
            // `read_to_end` reads into the block's spare room as it is, without zeroing it
            // first, and retries interrupted reads.
            let read = Read::take(&mut self.reader, want as u64).read_to_end(&mut next)?;
            self.ended = read < want;
            self.block = Arc::new(next);
            self.at = 0;
        }
    }

    fn span(&self, range: Range<usize>) -> Span {
        Span {
            block: Arc::clone(&self.block),
            range,
        }
    }
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]

    use super::*;

    /// Every line of `input` as [`LineBlocks`] reads it: its bytes, or `None` for a line too
    /// long.
    fn block_lines(input: Vec<u8>, buffer: usize) -> Vec<Option<Vec<u8>>> {
        let reader = std::io::BufReader::with_capacity(buffer, std::io::Cursor::new(input));
        let mut lines = LineBlocks::new(Box::new(reader));
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            out.push(match line {
                Line::Text(span) => Some(span.bytes().to_vec()),
                Line::Overlong => None,
            });
        }
        out
    }

    /// The same lines read one at a time by [`read_line`].
    fn one_by_one(input: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut r = input;
        let mut out = Vec::new();
        loop {
            let mut line = Vec::new();
            let n = read_line(&mut r, &mut line).unwrap();
            if n == 0 {
                return out;
            }
            if n > MAX_LINE {
                out.push(None);
                continue;
            }
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            out.push(Some(line));
        }
    }

    #[test]
    fn block_lines_are_the_lines_read_one_at_a_time() {
        // Lines from empty to three blocks long (so lines cross blocks and outgrow them), of
        // ASCII, whitespace, carriage returns and multi-byte characters; with and without a
        // last newline; through read buffers smaller and larger than a block.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces: [&[u8]; 6] = [b"{\"id\":1}", b" ", b"\r", "é€".as_bytes(), b"x", b"\t"];
        for round in 0..6 {
            let mut input = Vec::new();
            while input.len() < 5 * BLOCK_BYTES {
                let len = match next() % 100 {
                    0..=9 => 0,
                    10 => (next() % (3 * BLOCK_BYTES as u64)) as usize,
                    _ => (next() % 5000) as usize,
                };
                let start = input.len();
                while input.len() - start < len {
                    input.extend_from_slice(pieces[(next() % 6) as usize]);
                }
                input.push(b'\n');
            }
            if round % 2 == 1 {
                input.extend_from_slice(b"last line, no newline");
            }
            let buffer = [1000, 1 << 16, 3 << 20][round % 3];
            let expected = one_by_one(&input);
            assert!(expected.len() > 100);
            assert_eq!(block_lines(input, buffer), expected, "round {round}");
        }
    }

    #[test]
    fn a_line_too_long_is_reported_and_the_lines_around_it_read() {
        let mut input = b"first\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        input.extend_from_slice(b"\nnext\n");
        // With its newline, exactly the limit: a line; one byte more: too long.
        input.extend(std::iter::repeat_n(b'y', MAX_LINE - 1));
        input.push(b'\n');
        input.extend(std::iter::repeat_n(b'z', MAX_LINE));
        input.extend_from_slice(b"\nlast");
        let lines = block_lines(input.clone(), 1 << 16);
        assert_eq!(lines, one_by_one(&input));
        let kinds: Vec<Option<usize>> = lines.iter().map(|l| l.as_ref().map(Vec::len)).collect();
        assert_eq!(
            kinds,
            [Some(5), None, Some(4), Some(MAX_LINE - 1), None, Some(4)]
        );
    }

    #[test]
    fn a_span_trims_ascii_whitespace_only() {
        let block = Arc::new("  \t{\"a\": 1} \r\u{a0}".as_bytes().to_vec());
        let whole = Span {
            block: Arc::clone(&block),
            range: 0..block.len(),
        };
        assert_eq!(whole.trimmed().bytes(), "{\"a\": 1} \r\u{a0}".as_bytes());
        let blank = Span { block, range: 0..3 };
        assert_eq!(blank.trimmed().bytes(), b"");
    }

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
