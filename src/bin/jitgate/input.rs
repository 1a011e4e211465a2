//! Reading request batches: JSON Lines streamed in bounded blocks (docs/SEMANTICS.md §1.6b), a
//! `.json` document of one request or an array, and UTF-16 files decoded line by line, so a bad
//! line is reported in its place and never stops the run.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use jitgate::unstable::{self as json, BlockLine, Diagnostics, Json, LineBlocks, LineSpan};

/// Longest request line read (16 MiB): a longer one is reported as a bad line and skipped.
pub const MAX_LINE: usize = 16 << 20;
/// Most lines decided together.
pub const BLOCK_LINES: usize = 8_192;
/// Most bytes of input in a block (memory stays bounded by this, not by the input: `eval`
/// holds at most three blocks, the one decided, the next read and the one being read; their
/// lines are ranges of the reader's own blocks of 256 KiB, or of one line's size for a longer
/// line, some two dozen of which it keeps for reuse once their lines are dropped).
pub const BLOCK_BYTES: usize = 32 << 20;
/// The reader's buffer, and how much a read asks for at least once it is empty.
const READ_AHEAD: usize = 1 << 16;
/// Largest `.json` document or UTF-16 file read whole.
pub const MAX_DOCUMENT: u64 = 256 << 20;

/// One input request: its 1-based line (or array index) and what was read there.
pub struct Input {
    /// 1-based line.
    pub line: usize,
    /// The request as read.
    pub body: Body,
}

/// What one input line holds.
pub enum Body {
    /// A JSON Lines line.
    Text(Span),
    /// An item of a `.json` document, already parsed (duplicate keys still visible).
    Value(Json<'static>),
    /// A line that could not be read (longer than the limit, or UTF-16 that is not text); the
    /// reason. A JSON Lines line that is not UTF-8 is `Text`, and says so when it is read
    /// ([`Span::text`]).
    Unreadable(String),
}

/// A line: a range of the bytes of the block it was read in (the input is read straight into
/// blocks, [`LineBlocks`], so reading a line neither allocates nor copies it);
/// [`Span::text`] checks that they are UTF-8.
pub struct Span(LineSpan);

impl Span {
    /// A line read on its own.
    fn whole(text: String) -> Span {
        Span(LineSpan::of(text.into_bytes()))
    }

    /// The line's text, or why its bytes are not UTF-8. Each line is checked here, by the
    /// worker that reads it, with vector instructions (about a sixth of an instruction a byte).
    pub fn text(&self) -> Result<&str, String> {
        let bytes = self.0.bytes();
        simdutf8::basic::from_utf8(bytes).map_err(|_| {
            // Only a bad line pays for finding where its first bad byte is.
            let at = std::str::from_utf8(bytes)
                .err()
                .map_or(0, |e| e.valid_up_to());
            format!("invalid UTF-8 at byte offset {at}")
        })
    }

    /// Whether the line holds nothing but white space (what `str::trim` removes), told from its
    /// first bytes in the usual case. A line that is not UTF-8 is not blank.
    fn is_blank(&self) -> bool {
        // The ASCII white space `char::is_whitespace` knows (vertical tab included).
        match self
            .0
            .bytes()
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'))
        {
            None => true,
            Some(b) if b.is_ascii() => false,
            // Other white space is not ASCII.
            Some(_) => self.text().is_ok_and(|t| t.trim().is_empty()),
        }
    }
}

impl Input {
    /// The one-line error for a request that did not parse: the line, then each error's JSON
    /// path and message.
    pub fn errors(&self, d: &Diagnostics) -> String {
        let msgs: Vec<String> = d
            .items
            .iter()
            .filter(|x| x.is_error())
            .map(|x| format!("{}: {}", x.path, x.message))
            .collect();
        format!("line {}: {}", self.line, msgs.join("; "))
    }

    /// The request's JSON; the error names the line.
    pub fn json(&self) -> Result<Cow<'_, Json<'_>>, String> {
        let at = |e: &dyn std::fmt::Display| format!("line {}: {e}", self.line);
        match &self.body {
            Body::Text(text) => json::parse_str(text.text().map_err(|e| at(&e))?)
                .map(Cow::Owned)
                .map_err(|e| at(&e)),
            Body::Value(v) => Ok(Cow::Borrowed(v)),
            Body::Unreadable(why) => Err(at(why)),
        }
    }

    /// The request as JSON text, unless the line is unreadable.
    pub fn text(&self) -> Option<String> {
        match &self.body {
            Body::Text(text) => text.text().ok().map(str::to_owned),
            Body::Value(v) => Some(v.to_value().to_string()),
            Body::Unreadable(_) => None,
        }
    }
}

/// Where requests come from.
enum Source {
    /// UTF-8 JSON Lines, read as they arrive.
    Lines(LineBlocks),
    /// Inputs already read: a `.json` document, or UTF-16 lines.
    Ready(std::vec::IntoIter<Input>),
}

/// A stream of requests, handed out in bounded blocks in input order.
pub struct Requests {
    source: Source,
    line: usize,
    name: String,
}

/// Standard input, its pipe (when it is one) enlarged to 1 MiB, or to the system's
/// `fs.pipe-max-size` when that is lower: a producer that writes large chunks is then woken,
/// and this side is woken, a sixteenth as often as with the kernel's default 64 KiB. A million
/// sign-in records piped from a writer of 1 MiB chunks took 4.0–4.4 s instead of 4.9–7.0 s.
/// Where the size cannot be changed (not a pipe, or the user's pipe allowance spent) the input
/// is read as it is.
pub fn stdin() -> std::io::Stdin {
    let input = std::io::stdin();
    #[cfg(target_os = "linux")]
    enlarge_pipe(&input);
    input
}

/// See [`stdin`].
#[cfg(target_os = "linux")]
fn enlarge_pipe(input: &std::io::Stdin) {
    const PIPE_BYTES: usize = 1 << 20;
    if rustix::pipe::fcntl_setpipe_size(input, PIPE_BYTES).is_ok() {
        return;
    }
    // Above the system's limit an unprivileged process is refused: ask for the limit.
    let limit = std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
        .ok()
        .and_then(|t| t.trim().parse::<usize>().ok());
    if let Some(limit) = limit.filter(|&l| l < PIPE_BYTES) {
        let _ = rustix::pipe::fcntl_setpipe_size(input, limit);
    }
}

impl Requests {
    /// Opens `source` (a path, or `-` for standard input).
    pub fn open(source: &str) -> Result<Requests, String> {
        let mut reader: Box<dyn Read + Send> = if source == "-" {
            Box::new(stdin())
        } else {
            let f = File::open(source).map_err(|e| format!("cannot open {source}: {e}"))?;
            let meta = f
                .metadata()
                .map_err(|e| format!("cannot read {source}: {e}"))?;
            if meta.is_dir() {
                return Err(format!("{source} is a folder, not a requests file"));
            }
            Box::new(f)
        };
        let is_json_doc = source != "-"
            && Path::new(source)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let name = source.to_owned();
        if is_json_doc {
            let bytes = read_whole(&mut BufReader::with_capacity(1 << 16, reader), &name)?;
            let doc = json::parse_bytes(&bytes).map_err(|e| format!("{source}: {e}"))?;
            let items: Vec<Input> = match doc {
                Json::Array(items) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Input {
                        line: i + 1,
                        body: Body::Value(v),
                    })
                    .collect(),
                other => vec![Input {
                    line: 1,
                    body: Body::Value(other),
                }],
            };
            return Ok(Requests {
                source: Source::Ready(items.into_iter()),
                line: 0,
                name,
            });
        }
        let (head, ended) =
            first_bytes(&mut reader, 3).map_err(|e| format!("cannot read {source}: {e}"))?;
        let utf16 = match head.as_slice() {
            [0xFF, 0xFE, ..] => Some(false),
            [0xFE, 0xFF, ..] => Some(true),
            _ => None,
        };
        if let Some(big_endian) = utf16 {
            let mut buf = BufReader::new(rejoined(head, ended, reader));
            let bytes = read_whole(&mut buf, &name)?;
            let items = utf16_lines(bytes.get(2..).unwrap_or_default(), big_endian);
            return Ok(Requests {
                source: Source::Ready(items.into_iter()),
                line: 0,
                name,
            });
        }
        let head = match head.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
            Some(rest) => rest.to_vec(),
            None => head,
        };
        Ok(Requests {
            source: Source::Lines(lines_of(rejoined(head, ended, reader), source == "-")),
            line: 0,
            name,
        })
    }

    /// The next block of inputs (empty at the end): at most [`BLOCK_LINES`] lines and about
    /// [`BLOCK_BYTES`] bytes.
    pub fn next_block(&mut self) -> Result<Vec<Input>, String> {
        let mut block = Vec::new();
        if let Source::Ready(items) = &mut self.source {
            block.extend(items.take(BLOCK_LINES));
            return Ok(block);
        }
        // Blank lines are dropped once their block is read, so a block can come out empty
        // though the input goes on (on standard input, a lone Enter): reading goes on, as an
        // empty block means the end.
        while block.is_empty() {
            if self.read_lines(&mut block)? {
                break;
            }
        }
        Ok(block)
    }

    /// Reads the next lines of JSON Lines input into `block`; true when the input has ended.
    fn read_lines(&mut self, block: &mut Vec<Input>) -> Result<bool, String> {
        let Source::Lines(lines) = &mut self.source else {
            return Ok(true);
        };
        // Each line is its number and its range of the block it was read into, or why it cannot
        // be read; whether a line is UTF-8 is told when it is decided. Blank lines count toward
        // the block's size, so that a run of them still ends a block.
        let (mut read, mut bytes) = (0, 0);
        while read < BLOCK_LINES && bytes < BLOCK_BYTES {
            // Standard input: a block also ends when no more input is waiting, so a slow
            // producer sees each decision as soon as its line is in.
            if lines.is_eager() && read > 0 && !lines.line_at_hand() {
                break;
            }
            let Some(line) = lines
                .next_line()
                .map_err(|e| format!("cannot read {}: {e}", self.name))?
            else {
                return Ok(true);
            };
            self.line += 1;
            read += 1;
            let body = match line {
                BlockLine::Text(span) => {
                    let span = Span(span.without_trailing_returns());
                    bytes += span.0.bytes().len() + 1;
                    if span.is_blank() {
                        continue;
                    }
                    Body::Text(span)
                }
                BlockLine::Overlong => {
                    Body::Unreadable(format!("the line is longer than {} MiB", MAX_LINE >> 20))
                }
            };
            block.push(Input {
                line: self.line,
                body,
            });
        }
        Ok(false)
    }
}

/// The first `n` bytes of `reader` (fewer where it ends first, then `true`), gathered over as
/// many reads as it takes: a pipe may hand over one byte at a time, and a read interrupted by a
/// signal is retried. The byte-order mark is told from them, never from one read's bytes.
fn first_bytes(reader: &mut dyn Read, n: usize) -> std::io::Result<(Vec<u8>, bool)> {
    let mut head = vec![0u8; n];
    let mut len = 0;
    while len < n {
        match reader.read(head.get_mut(len..).unwrap_or_default()) {
            Ok(0) => {
                head.truncate(len);
                return Ok((head, true));
            }
            Ok(read) => len += read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((head, false))
}

/// The lines of `reader`, read a block at a time; `eager` for standard input, whose producer
/// may wait for each answer ([`LineBlocks::eager`]).
fn lines_of(reader: Box<dyn Read + Send>, eager: bool) -> LineBlocks {
    let buf = BufReader::with_capacity(READ_AHEAD, reader);
    let lines = LineBlocks::new(Box::new(buf), READ_AHEAD).with_max_line(MAX_LINE);
    if eager { lines.eager() } else { lines }
}

/// `head` put back before the rest of `reader`; an ended reader is not asked again.
fn rejoined(head: Vec<u8>, ended: bool, reader: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
    let head = std::io::Cursor::new(head);
    if ended {
        Box::new(head)
    } else {
        Box::new(head.chain(reader))
    }
}

/// Reads a whole (bounded) document.
fn read_whole(reader: &mut impl Read, name: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_DOCUMENT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if bytes.len() as u64 > MAX_DOCUMENT {
        return Err(format!(
            "{name} is larger than {} MiB; give large batches as UTF-8 JSON Lines, which are streamed",
            MAX_DOCUMENT >> 20
        ));
    }
    Ok(bytes)
}

/// UTF-16 text (after its BOM) as lines; a line with a bad code unit is reported in its place.
fn utf16_lines(bytes: &[u8], big_endian: bool) -> Vec<Input> {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|pair| match pair {
            [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
            [a, b] => u16::from_le_bytes([*a, *b]),
            // An odd trailing byte cannot be a code unit: it makes its line unreadable.
            _ => 0xDC00,
        })
        .collect();
    let mut out = Vec::new();
    for (i, line) in units.split(|u| *u == 0x000A).enumerate() {
        let body = match String::from_utf16(line) {
            Ok(text) => {
                let text = text.trim_end_matches('\r');
                if text.trim().is_empty() {
                    continue;
                }
                Body::Text(Span::whole(text.to_owned()))
            }
            Err(_) => Body::Unreadable("invalid UTF-16 (an unpaired surrogate)".to_owned()),
        };
        out.push(Input { line: i + 1, body });
    }
    out
}

/// Every request of `source` at once (for `whatif` and `bench`, which need them all).
pub fn read_inputs(source: &str) -> Result<Vec<Input>, String> {
    let mut requests = Requests::open(source)?;
    let mut all = Vec::new();
    loop {
        let block = requests.next_block()?;
        if block.is_empty() {
            return Ok(all);
        }
        all.extend(block);
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

    /// `bytes` as JSON Lines to read.
    fn requests_of(bytes: &[u8]) -> Requests {
        let reader = BufReader::with_capacity(7, std::io::Cursor::new(bytes.to_vec()));
        Requests {
            source: Source::Lines(LineBlocks::new(Box::new(reader), 7).with_max_line(MAX_LINE)),
            line: 0,
            name: "test".to_owned(),
        }
    }

    /// The inputs of `bytes` read as JSON Lines, as (line, text or why not).
    fn read(bytes: &[u8]) -> Vec<(usize, Result<String, String>)> {
        let mut requests = requests_of(bytes);
        let mut out = Vec::new();
        loop {
            let block = requests.next_block().unwrap();
            if block.is_empty() {
                return out;
            }
            for input in block {
                let read = match &input.body {
                    Body::Text(span) => span.text().map(str::to_owned),
                    Body::Unreadable(why) => Err(why.clone()),
                    Body::Value(_) => Err("a value".to_owned()),
                };
                out.push((input.line, read));
            }
        }
    }

    #[test]
    fn lines_share_their_block_and_a_bad_one_is_reported_in_place() {
        let ok = |s: &str| Ok(s.to_owned());
        assert_eq!(
            read(b"{\"a\":1}\r\n\n  \r\n{\"b\":\"\xc3\xa9\"}\n{\"c\":3}"),
            vec![
                (1, ok("{\"a\":1}")),
                (4, ok("{\"b\":\"é\"}")),
                (5, ok("{\"c\":3}"))
            ]
        );
        // Not UTF-8 on line 2: the lines around it keep their own text.
        assert_eq!(
            read(b"{\"a\":1}\n{\"b\xff\":2}\r\n\xc3\xa9\n{\"c\":3}\n"),
            vec![
                (1, ok("{\"a\":1}")),
                (2, Err("invalid UTF-8 at byte offset 3".to_owned())),
                (3, ok("é")),
                (4, ok("{\"c\":3}")),
            ]
        );
        assert_eq!(read(b""), vec![]);
        // A character split by a newline is two bad lines, not one good text.
        assert_eq!(
            read(b"{\"a\":\"\xc3\n\xa9\"}\n{\"c\":3}"),
            vec![
                (1, Err("invalid UTF-8 at byte offset 6".to_owned())),
                (2, Err("invalid UTF-8 at byte offset 0".to_owned())),
                (3, ok("{\"c\":3}")),
            ]
        );
        // The same across a line left out for its length.
        let mut bytes = b"\xc3\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'a', MAX_LINE + 1));
        bytes.extend_from_slice(b"\n\xa9\n");
        let too_long = format!("the line is longer than {} MiB", MAX_LINE >> 20);
        assert_eq!(
            read(&bytes),
            vec![
                (1, Err("invalid UTF-8 at byte offset 0".to_owned())),
                (2, Err(too_long)),
                (3, Err("invalid UTF-8 at byte offset 0".to_owned())),
            ]
        );
    }

    #[test]
    fn a_block_of_blank_lines_is_not_the_end() {
        let mut bytes = b" \n".repeat(BLOCK_LINES + 1);
        bytes.extend_from_slice(b"{\"a\":1}\n");
        assert_eq!(
            read(&bytes),
            vec![(BLOCK_LINES + 2, Ok("{\"a\":1}".to_owned()))]
        );
        // On standard input a block ends when nothing more is waiting: a lone Enter, then a
        // request typed later.
        struct Typed(Vec<&'static [u8]>);
        impl Read for Typed {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Ok(0);
                }
                let chunk = self.0.remove(0);
                let n = chunk.len().min(out.len());
                out[..n].copy_from_slice(&chunk[..n]);
                Ok(n)
            }
        }
        let typed: Box<dyn Read + Send> = Box::new(Typed(vec![b"\n", b"{\"a\":1}\n"]));
        let mut requests = requests_of(b"");
        requests.source = Source::Lines(lines_of(typed, true));
        let block = requests.next_block().unwrap();
        assert_eq!(block.len(), 1);
        assert_eq!(block[0].line, 2);
    }

    /// A burst larger than the reader's buffer, read straight into a block, is handed out
    /// whole on standard input without waiting for more: the producer may be waiting for its
    /// answers (a second read here fails the test).
    #[test]
    fn a_burst_on_standard_input_is_answered_without_waiting_for_more() {
        struct Burst(Option<Vec<u8>>);
        impl Read for Burst {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let Some(mut bytes) = self.0.take() else {
                    return Err(std::io::Error::other("read again before answering"));
                };
                let n = bytes.len().min(out.len());
                out[..n].copy_from_slice(&bytes[..n]);
                let rest = bytes.split_off(n);
                if !rest.is_empty() {
                    self.0 = Some(rest);
                }
                Ok(n)
            }
        }
        let line = format!("{{\"id\":\"{}\"}}\n", "x".repeat(1000));
        let burst = line.repeat(100);
        assert!(burst.len() > READ_AHEAD);
        let mut requests = requests_of(b"");
        requests.source = Source::Lines(lines_of(Box::new(Burst(Some(burst.into_bytes()))), true));
        let block = requests.next_block().unwrap();
        assert_eq!(block.len(), 100);
        assert_eq!(block[99].line, 100);
    }

    /// What reading `bytes` one line at a time gives: each line without its trailing CRs and
    /// newline, checked as UTF-8 alone, blank ones left out.
    fn line_by_line(bytes: &[u8]) -> Vec<(usize, Result<String, String>)> {
        let mut out = Vec::new();
        let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        if bytes.ends_with(b"\n") || bytes.is_empty() {
            lines.pop();
        }
        for (i, mut line) in lines.into_iter().enumerate() {
            while let [rest @ .., b'\r'] = line {
                line = rest;
            }
            match std::str::from_utf8(line) {
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => out.push((i + 1, Ok(text.to_owned()))),
                Err(e) => out.push((
                    i + 1,
                    Err(format!("invalid UTF-8 at byte offset {}", e.valid_up_to())),
                )),
            }
        }
        out
    }

    #[test]
    fn a_block_reads_as_its_lines_would_one_by_one() {
        // Lines built from pieces that matter here: ASCII, multi-byte characters (whole and
        // cut), stray continuation bytes, carriage returns, blanks and Unicode spaces.
        const PIECES: [&[u8]; 17] = [
            b"{\"a\":1}",
            b"x",
            b" ",
            b"\r",
            b"\n",
            b"\n",
            b"\xc3\xa9",
            b"\xc3",
            b"\xa9",
            b"\xe2\x80\x83",
            b"\xf0\x9f\x98\x80",
            b"\t",
            // Vertical tab and form feed (white space to `trim`), a control byte that is not,
            // and the two-byte white spaces NEL and no-break space.
            b"\x0b",
            b"\x0c",
            b"\x1c",
            b"\xc2\x85",
            b"\xc2\xa0",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for round in 0..3000 {
            let mut bytes = Vec::new();
            for _ in 0..(round % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                bytes.extend_from_slice(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            assert_eq!(read(&bytes), line_by_line(&bytes), "{bytes:?}");
        }
    }
}
