//! Reading a record file: one line, bounded (the one place the JSON Lines and CSV record
//! readers and the CLI's request reader take their lines from), and a buffer filled with
//! interrupted reads retried (every reader of the input fills through it).

use std::io::BufRead;
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
/// line's full length, 0 at the end of input.
fn read_line_within(
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

/// How much a [`LineBlocks`] block holds: some 40 Graph records, few enough that a block read
/// by a worker is still in its core's cache when the worker decides its records.
const BLOCK_BYTES: usize = 256 << 10;

/// Blocks kept for reuse once their lines are dropped, at most (a reused block is neither
/// allocated nor zeroed again, and its pages are already mapped). Replay holds some eighteen
/// blocks' lines at a time (eight batches of 512 KiB, and the blocks they start and end in).
const SPARE_BLOCKS: usize = 24;

/// A line of a block: its bytes are a range of the block, which its lines share (so a line kept
/// after the others keeps the whole block).
#[derive(Clone)]
pub struct Span {
    block: Arc<Vec<u8>>,
    range: Range<usize>,
}

impl Span {
    /// A line of its own (not read from a block).
    pub fn of(bytes: Vec<u8>) -> Span {
        let range = 0..bytes.len();
        Span {
            block: Arc::new(bytes),
            range,
        }
    }

    /// The line's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.block.get(self.range.clone()).unwrap_or_default()
    }

    /// The line without the carriage returns it ends with.
    pub fn without_trailing_returns(mut self) -> Span {
        while self.range.end > self.range.start
            && self.block.get(self.range.end - 1) == Some(&b'\r')
        {
            self.range.end -= 1;
        }
        self
    }

    /// The line without ASCII whitespace at either end.
    pub(super) fn trimmed(mut self) -> Span {
        let Range { start, end } = trimmed_range(self.bytes());
        self.range = self.range.start + start..self.range.start + end;
        self
    }
}

/// Where `bytes` are once ASCII whitespace is trimmed off both ends.
pub(super) fn trimmed_range(bytes: &[u8]) -> Range<usize> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    start..end
}

impl AsRef<[u8]> for Span {
    fn as_ref(&self) -> &[u8] {
        self.bytes()
    }
}

/// The line's text, not the block around it.
impl std::fmt::Debug for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.bytes()))
    }
}

/// A line read by [`LineBlocks::next_line`].
pub enum Line {
    /// A line's bytes, without its newline.
    Text(Span),
    /// A line longer than the longest kept (64 MiB unless [`LineBlocks::with_max_line`] says
    /// otherwise), with its newline, read and dropped.
    Overlong,
}

/// Lines read a block at a time: each line is a range of the block it was read into, so a
/// record of a few kilobytes is not allocated on its own. The input is read straight into the
/// block (the reader's buffer is bypassed once it is empty: a read at least its size goes to
/// the file). A block is filled until it is full, except that it is handed out as soon as it
/// holds a whole line and a read gave less than asked and less than the reader's buffer holds
/// (a pipe that has nothing more yet; in [`LineBlocks::eager`] mode, any read that gave less
/// than asked): lines are not held back waiting for input. A block handed out that early is
/// copied to its size, so a slow pipe's lines do not each hold a whole block. A line that runs past a block's
/// end starts the next block. Blocks whose lines have all been dropped are reused.
pub struct LineBlocks {
    reader: Box<dyn BufRead + Send>,
    /// The longest line kept, its newline included: a longer one is [`Line::Overlong`].
    max_line: usize,
    /// Hand out a line as soon as a read gives less than it asked for, whatever the reader's
    /// buffer ([`LineBlocks::eager`]).
    eager: bool,
    /// The reader's buffer size: a read that gives less found no more input at hand.
    read_ahead: usize,
    /// The block: every byte initialised, those before `end` read.
    block: Arc<Vec<u8>>,
    /// Where the bytes read into the block end.
    end: usize,
    /// Where the next line starts in the block.
    at: usize,
    /// Has the input ended (everything read is in the block)?
    ended: bool,
    /// The error a read ended with, given once the lines read before it are handed out.
    failed: Option<std::io::Error>,
    /// Could the reader still hold bytes of the last read? (A read smaller than its buffer
    /// fills the buffer; the next reads are short because they drain it, not because no more
    /// input is at hand.)
    leftover: bool,
    /// Blocks handed out, oldest first: the first to have all its lines dropped.
    spare: std::collections::VecDeque<Arc<Vec<u8>>>,
    /// Blocks allocated so far (the others were reused).
    #[cfg(test)]
    allocated: usize,
}

impl LineBlocks {
    /// The lines of `reader`, whose buffer holds `read_ahead` bytes.
    pub fn new(reader: Box<dyn BufRead + Send>, read_ahead: usize) -> LineBlocks {
        LineBlocks {
            reader,
            max_line: MAX_LINE,
            eager: false,
            read_ahead,
            block: Arc::new(Vec::new()),
            end: 0,
            at: 0,
            ended: false,
            failed: None,
            leftover: false,
            spare: std::collections::VecDeque::new(),
            #[cfg(test)]
            allocated: 0,
        }
    }

    /// The same, with lines longer than `max_line` bytes (newline included) told overlong.
    pub fn with_max_line(mut self, max_line: usize) -> LineBlocks {
        self.max_line = max_line;
        self
    }

    /// The same, for input typed or piped by a producer that waits for each answer (standard
    /// input): a read that gives less than it asked for ends the filling of a block that holds
    /// a line, even when it gave more than the reader's buffer holds (a burst larger than that
    /// buffer, read straight into the block, would otherwise wait for more input).
    pub fn eager(mut self) -> LineBlocks {
        self.eager = true;
        self
    }

    /// The next line; `None` at the end of input. A read error is returned after the lines read
    /// before it, and ends the lines.
    pub fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            let rest = self.block.get(self.at..self.end).unwrap_or_default();
            if let Some(i) = memchr::memchr(b'\n', rest) {
                let range = self.at..self.at + i;
                self.at += i + 1;
                // As `read_line` counts a line: with its newline.
                if i + 1 > self.max_line {
                    return Ok(Some(Line::Overlong));
                }
                return Ok(Some(Line::Text(self.span(range))));
            }
            if let Some(e) = self.failed.take() {
                // The partial line before the error is not a line.
                self.ended = true;
                self.replace_block(Arc::new(Vec::new()), 0);
                return Err(e);
            }
            if self.ended {
                if rest.is_empty() {
                    return Ok(None);
                }
                let range = self.at..self.end;
                self.at = self.end;
                if range.len() > self.max_line {
                    return Ok(Some(Line::Overlong));
                }
                return Ok(Some(Line::Text(self.span(range))));
            }
            if rest.len() > self.max_line {
                // Too long already: the rest of it is read and dropped.
                self.replace_block(Arc::new(Vec::new()), 0);
                self.drop_rest_of_line()?;
                return Ok(Some(Line::Overlong));
            }
            // The next block starts with the line begun in this one. Room for twice the line so
            // far, but never more than tells a line too long.
            let room = rest.len().saturating_mul(2).clamp(
                BLOCK_BYTES,
                self.max_line.saturating_add(1).max(BLOCK_BYTES),
            );
            let kept = rest.len();
            let begun = self.at..self.end;
            let mut next = self.block_of(room);
            if let (Some(start), Some(begun)) = (next.get_mut(..kept), self.block.get(begun)) {
                start.copy_from_slice(begun);
            }
            let end = match self.fill(&mut next, kept) {
                Ok(end) => end,
                Err((e, end)) => {
                    self.failed = Some(e);
                    end
                }
            };
            if end < next.len() / 4 {
                // Handed out early: the bytes are copied to their size, and the block stays
                // here for the next read.
                let small = next.get(..end).unwrap_or_default().to_vec();
                self.replace_block(Arc::new(small), end);
                self.retire(Arc::new(next));
            } else {
                self.replace_block(Arc::new(next), end);
            }
        }
    }

    /// Is this reader [`LineBlocks::eager`]?
    pub fn is_eager(&self) -> bool {
        self.eager
    }

    /// Is the next line (or the end, or an error) there without reading more input?
    pub fn line_at_hand(&self) -> bool {
        let rest = self.block.get(self.at..self.end).unwrap_or_default();
        self.ended || self.failed.is_some() || memchr::memchr(b'\n', rest).is_some()
    }

    /// A block of `room` bytes: the oldest one handed out whose lines are all dropped, if it is
    /// large enough, else a new one.
    fn block_of(&mut self, room: usize) -> Vec<u8> {
        let free = self
            .spare
            .iter()
            .position(|b| Arc::strong_count(b) == 1 && b.len() >= room);
        // No line holds it, and none can be made from it: it is this reader's alone.
        if let Some(block) = free.and_then(|i| self.spare.remove(i)) {
            match Arc::try_unwrap(block) {
                Ok(block) => return block,
                Err(block) => self.spare.push_back(block),
            }
        }
        #[cfg(test)]
        {
            self.allocated += 1;
        }
        vec![0; room]
    }

    /// Makes `block`, read up to `end`, the one lines are taken from; the one before is kept
    /// for reuse if it is of the usual size.
    fn replace_block(&mut self, block: Arc<Vec<u8>>, end: usize) {
        let old = std::mem::replace(&mut self.block, block);
        self.end = end;
        self.at = 0;
        self.retire(old);
    }

    /// Keeps a block of the usual size for reuse (the oldest kept is let go when there are
    /// enough); any other is dropped with its last line.
    fn retire(&mut self, block: Arc<Vec<u8>>) {
        if block.len() == BLOCK_BYTES {
            if self.spare.len() == SPARE_BLOCKS {
                self.spare.pop_front();
            }
            self.spare.push_back(block);
        }
    }

    /// Reads into `block` from `end` on: until it is full or the input ends, or, once it holds
    /// a newline, until a read finds no more input at hand. Returns where the bytes read end
    /// (with the error a read failed with, and where they end then).
    fn fill(&mut self, block: &mut [u8], mut end: usize) -> Result<usize, (std::io::Error, usize)> {
        let mut line_at_hand = false;
        while let Some(free) = block.get_mut(end..).filter(|free| !free.is_empty()) {
            let want = free.len();
            let n = match self.reader.read(free) {
                Ok(0) => {
                    self.ended = true;
                    return Ok(end);
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err((e, end)),
            };
            line_at_hand |= memchr::memchr(b'\n', free.get(..n).unwrap_or_default()).is_some();
            end += n;
            // A read that gave less than it could: more may not come at once.
            // In eager mode any read short of what was asked ends the filling: one that only
            // drained the reader's buffer may end it early, which costs a smaller block, never
            // an answer held back.
            let short = if self.eager {
                n < want
            } else {
                n < want.min(self.read_ahead) && !self.leftover
            };
            // A read smaller than the reader's buffer that it filled whole may have left bytes
            // there; one it filled only in part took them all.
            self.leftover = want < self.read_ahead && n == want;
            if line_at_hand && short {
                return Ok(end);
            }
        }
        Ok(end)
    }

    /// Reads and drops the bytes up to the next newline (or the end of input).
    fn drop_rest_of_line(&mut self) -> std::io::Result<()> {
        loop {
            let buf = fill_buf_retrying(self.reader.as_mut())?;
            if buf.is_empty() {
                self.ended = true;
                return Ok(());
            }
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let n = buf.len();
                    self.reader.consume(n);
                }
            }
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
        let mut lines = LineBlocks::new(Box::new(reader), buffer);
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

    /// Lines of 1–9 KB numbered in their text, and the input holding them.
    fn numbered_lines(n: usize) -> (Vec<u8>, Vec<String>) {
        let lines: Vec<String> = (0..n)
            .map(|i| format!("{i:05}").repeat(200 + (i * 7919) % 1600))
            .collect();
        let mut input = Vec::new();
        for line in &lines {
            input.extend_from_slice(line.as_bytes());
            input.push(b'\n');
        }
        (input, lines)
    }

    fn blocks_of(input: Vec<u8>) -> LineBlocks {
        let reader = std::io::BufReader::with_capacity(1 << 16, std::io::Cursor::new(input));
        LineBlocks::new(Box::new(reader), 1 << 16)
    }

    #[test]
    fn blocks_are_reused_once_their_lines_are_dropped() {
        let (input, expected) = numbered_lines(1000);
        let blocks = input.len() / BLOCK_BYTES;
        assert!(blocks >= 15, "{blocks} blocks");
        let mut lines = blocks_of(input);
        let mut i = 0;
        while let Some(line) = lines.next_line().unwrap() {
            let span = match line {
                Line::Text(span) => span,
                Line::Overlong => unreachable!("line {i} is not too long"),
            };
            assert_eq!(span.bytes(), expected[i].as_bytes(), "line {i}");
            i += 1;
        }
        assert_eq!(i, expected.len());
        // The block being read and the one before it (still held as this one's lines are
        // read), not one a block.
        assert!(lines.allocated <= 3, "{} blocks allocated", lines.allocated);
    }

    #[test]
    fn lines_held_keep_their_bytes_while_other_blocks_are_reused() {
        let (input, expected) = numbered_lines(1500);
        let mut lines = blocks_of(input);
        let mut held = Vec::new();
        let mut i = 0;
        while let Some(line) = lines.next_line().unwrap() {
            let span = match line {
                Line::Text(span) => span,
                Line::Overlong => unreachable!("line {i} is not too long"),
            };
            // One line in about a hundred (one a few blocks) is kept to the end.
            if i % 97 == 0 {
                held.push((i, span));
            }
            i += 1;
        }
        assert_eq!(i, expected.len());
        assert!(held.len() > 10);
        for (i, span) in &held {
            assert_eq!(span.bytes(), expected[*i].as_bytes(), "line {i}");
        }
        // Blocks without a held line were reused; those with one were not.
        assert!(
            (held.len() / 2..held.len() + 4).contains(&lines.allocated),
            "{} blocks allocated, {} lines held",
            lines.allocated,
            held.len()
        );
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
        let expected = one_by_one(&input);
        let lines = block_lines(input, 1 << 16);
        assert_eq!(lines, expected);
        let kinds: Vec<Option<usize>> = lines.iter().map(|l| l.as_ref().map(Vec::len)).collect();
        assert_eq!(
            kinds,
            [Some(5), None, Some(4), Some(MAX_LINE - 1), None, Some(4)]
        );
    }

    #[test]
    fn a_last_line_too_long_ends_the_lines_without_reading_again() {
        let mut input = b"first\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 5));
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let reader = Counted {
            chunks: vec![input],
            reads: Arc::clone(&reads),
        };
        let mut lines = LineBlocks::new(Box::new(std::io::BufReader::new(reader)), 8192);
        assert!(matches!(lines.next_line().unwrap(), Some(Line::Text(t)) if t.bytes() == b"first"));
        assert!(matches!(lines.next_line().unwrap(), Some(Line::Overlong)));
        let after_end = reads.load(std::sync::atomic::Ordering::Relaxed);
        assert!(lines.next_line().unwrap().is_none());
        assert!(lines.next_line().unwrap().is_none());
        assert_eq!(reads.load(std::sync::atomic::Ordering::Relaxed), after_end);
    }

    /// A reader that gives its chunks one per read (an empty chunk: a read that fails), then
    /// the end; it counts its reads.
    struct Counted {
        chunks: Vec<Vec<u8>>,
        reads: Arc<std::sync::atomic::AtomicUsize>,
    }

    impl std::io::Read for Counted {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(chunk) = self.chunks.first_mut() else {
                return Ok(0);
            };
            if chunk.is_empty() {
                self.chunks.remove(0);
                return Err(std::io::Error::other("the disk went away"));
            }
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            chunk.drain(..n);
            if chunk.is_empty() {
                self.chunks.remove(0);
            }
            Ok(n)
        }
    }

    #[test]
    fn the_lines_read_before_an_error_come_first() {
        // An empty chunk stands for a failing read.
        let reader = Counted {
            chunks: vec![b"one\ntwo\nthr".to_vec(), Vec::new()],
            reads: Arc::default(),
        };
        let mut lines = LineBlocks::new(Box::new(std::io::BufReader::new(reader)), 8192);
        for expected in [&b"one"[..], b"two"] {
            assert!(
                matches!(lines.next_line().unwrap(), Some(Line::Text(t)) if t.bytes() == expected)
            );
        }
        let e = lines.next_line().err().unwrap();
        assert_eq!(e.to_string(), "the disk went away");
        // The cut line is not a line, and the lines end there.
        assert!(lines.next_line().unwrap().is_none());
    }

    #[test]
    fn a_line_at_hand_is_not_held_back_for_more_input() {
        // As from a pipe: a short read holding whole lines, then more later.
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let reader = Counted {
            chunks: vec![b"{\"a\":1}\n{\"b\":".to_vec(), b"2}\n".to_vec()],
            reads: Arc::clone(&reads),
        };
        let mut lines = LineBlocks::new(Box::new(std::io::BufReader::new(reader)), 8192);
        assert!(
            matches!(lines.next_line().unwrap(), Some(Line::Text(t)) if t.bytes() == b"{\"a\":1}")
        );
        assert_eq!(reads.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert!(
            matches!(lines.next_line().unwrap(), Some(Line::Text(t)) if t.bytes() == b"{\"b\":2}")
        );
        assert!(lines.next_line().unwrap().is_none());
    }

    #[test]
    fn a_short_read_after_a_small_one_still_hands_the_line_out() {
        // A block filled to within 1,000 bytes; the rest is asked of the reader's buffer, which
        // a pipe fills with one short line only (so the buffer is left empty); then another
        // short line comes. Each is handed out without a read past it.
        let mut first = Vec::new();
        while BLOCK_BYTES - 1000 - first.len() >= 200 {
            first.extend_from_slice(&[b'a'; 99]);
            first.push(b'\n');
        }
        let last = BLOCK_BYTES - 1000 - first.len();
        first.extend(std::iter::repeat_n(b'b', last - 1));
        first.push(b'\n');
        let lines_in_first = first.iter().filter(|b| **b == b'\n').count();
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let reader = Counted {
            chunks: vec![first, b"x\n".to_vec(), b"y\n".to_vec()],
            reads: Arc::clone(&reads),
        };
        let reader = std::io::BufReader::with_capacity(1 << 16, reader);
        let mut lines = LineBlocks::new(Box::new(reader), 1 << 16);
        for _ in 0..lines_in_first {
            assert!(matches!(lines.next_line().unwrap(), Some(Line::Text(_))));
        }
        for (expected, reads_so_far) in [(&b"x"[..], 2), (b"y", 3)] {
            assert!(
                matches!(lines.next_line().unwrap(), Some(Line::Text(t)) if t.bytes() == expected)
            );
            assert_eq!(
                reads.load(std::sync::atomic::Ordering::Relaxed),
                reads_so_far,
                "after {:?}",
                String::from_utf8_lossy(expected)
            );
        }
        assert!(lines.next_line().unwrap().is_none());
    }

    #[test]
    fn lines_from_a_slow_pipe_do_not_each_hold_a_block() {
        // One line a read, as a pipe gives them: each line's block is copied to its size.
        let chunks: Vec<Vec<u8>> = (0..50)
            .map(|i| format!("{{\"n\":{i}}}\n").into_bytes())
            .collect();
        let reader = Counted {
            chunks,
            reads: Arc::default(),
        };
        let mut lines = LineBlocks::new(Box::new(std::io::BufReader::new(reader)), 8192);
        let mut held = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            match line {
                Line::Text(span) => held.push(span),
                Line::Overlong => unreachable!("no line is too long"),
            }
        }
        assert_eq!(held.len(), 50);
        for (i, span) in held.iter().enumerate() {
            assert_eq!(span.bytes(), format!("{{\"n\":{i}}}").as_bytes());
            assert!(
                span.block.len() < 64,
                "line {i} holds {} bytes",
                span.block.len()
            );
        }
        // The one block read into is kept for the next read, not allocated again.
        assert_eq!(lines.allocated, 1);
    }

    #[test]
    fn a_span_trims_ascii_whitespace_only() {
        let block = Arc::new("  \t{\"a\": 1} \r\u{a0}".as_bytes().to_vec());
        let whole = Span {
            block: Arc::clone(&block),
            range: 0..block.len(),
        };
        assert_eq!(whole.trimmed().bytes(), "{\"a\": 1} \r\u{a0}".as_bytes());
        // Shown as its text, not as the block's bytes.
        let first = Span {
            block: Arc::clone(&block),
            range: 3..11,
        };
        assert_eq!(format!("{first:?}"), "\"{\\\"a\\\": 1}\"");
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
