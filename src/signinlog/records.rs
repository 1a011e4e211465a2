//! Reading sign-in records as they are exported, one record at a time, in bounded memory:
//!
//! - JSON Lines: one record per line, or one Graph page (`{"value": [...]}`) per line;
//! - JSON documents, one or several in a row: a record, an array of records, or Graph list
//!   responses with their pages concatenated, streamed element by element;
//! - CSV with a header row (Log Analytics exports), quoted fields allowed to span lines;
//!
//! in UTF-8 (BOM optional) or UTF-16 with a BOM. A bad JSON line or CSV row is reported in its
//! place and reading goes on; in a streamed document a syntax error ends the input (its line and
//! column are reported), because nothing after it can be trusted to start a record.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::csv::CsvRows;
use super::lines::{Line, LineBlocks, MAX_LINE, Span, fill_buf_retrying, read_line, trimmed_range};
use super::utf16::Utf16Reader;

/// Records a streamed document may read ahead of the caller.
const READ_AHEAD: usize = 1024;

/// One record as read, or why its text is not one. A JSON line is kept as text until
/// [`RawRecord::value`] parses it, so parsing happens in whichever thread decides the record.
/// The lines read together (a block of 256 KiB, or one line's length if longer) share one
/// buffer, reused for later lines once the last of them is dropped: a record kept long after
/// the others keeps that buffer from reuse.
#[derive(Debug)]
pub struct RawRecord {
    /// 1-based position among the input's records.
    pub index: usize,
    /// Where it is in the input.
    pub place: RecordPlace,
    content: Content,
}

/// Where a record is in its input, as reports name it: `line N` (a JSON line or a CSV row),
/// `line N, item M` (an item of an array or page on one line) or `record N` (a record of a
/// streamed document). Kept as numbers: every record has one, and most are never printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordPlace {
    /// A JSON line or a CSV row, 1-based.
    Line(usize),
    /// An item, 1-based, of the array or page on a line.
    LineItem {
        /// The line, 1-based.
        line: usize,
        /// The item, 1-based.
        item: usize,
    },
    /// A record of a streamed document, 1-based.
    Record(usize),
}

impl RecordPlace {
    /// Writes the place as a JSON string (the text [`std::fmt::Display`] gives, quoted): no
    /// allocation, for the line of every record.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut n = itoa::Buffer::new();
        out.push(b'"');
        match *self {
            RecordPlace::Line(line) => {
                out.extend_from_slice(b"line ");
                out.extend_from_slice(n.format(line).as_bytes());
            }
            RecordPlace::LineItem { line, item } => {
                out.extend_from_slice(b"line ");
                out.extend_from_slice(n.format(line).as_bytes());
                out.extend_from_slice(b", item ");
                out.extend_from_slice(n.format(item).as_bytes());
            }
            RecordPlace::Record(record) => {
                out.extend_from_slice(b"record ");
                out.extend_from_slice(n.format(record).as_bytes());
            }
        }
        out.push(b'"');
    }
}

impl std::fmt::Display for RecordPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordPlace::Line(line) => write!(f, "line {line}"),
            RecordPlace::LineItem { line, item } => write!(f, "line {line}, item {item}"),
            RecordPlace::Record(record) => write!(f, "record {record}"),
        }
    }
}

impl serde::Serialize for RecordPlace {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[derive(Debug)]
enum Content {
    Value(Value),
    Text(Span),
    Error(String),
}

/// Why a record was not decided.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// Its text is not a sign-in record (not JSON, not an object, not UTF-8).
    Unreadable(String),
    /// It is a record, but it cannot become a request.
    Unmapped(super::SignInLogError),
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::Unreadable(e) => f.write_str(e),
            RecordError::Unmapped(e) => e.fmt(f),
        }
    }
}

impl RawRecord {
    /// How many bytes of input text the record holds: its line's length for a record read from
    /// a line (JSON Lines), 0 for a record parsed out of a larger document or a CSV row. A
    /// caller that gathers records into batches bounds a batch's memory by this.
    pub fn text_len(&self) -> usize {
        match &self.content {
            Content::Text(t) => t.bytes().len(),
            Content::Value(_) | Content::Error(_) => 0,
        }
    }

    /// The record mapped to a request and its logged outcome. A JSON line is parsed here, for
    /// only the fields the mapping reads.
    pub fn map(&self) -> Result<super::MappedSignIn<'_>, RecordError> {
        use super::select::TextError;
        let record = match &self.content {
            Content::Error(e) => return Err(RecordError::Unreadable(e.clone())),
            Content::Value(v) => crate::json::Json::from_value(v),
            Content::Text(t) => {
                // Checked with vector instructions (a sign-in record is kilobytes, and this is
                // the first pass over it); only where the check fails does the standard
                // library's find the place.
                let text = simdutf8::basic::from_utf8(t.bytes())
                    .or_else(|_| std::str::from_utf8(t.bytes()))
                    .map_err(|e| {
                        RecordError::Unreadable(format!(
                            "invalid UTF-8 at byte {}",
                            e.valid_up_to()
                        ))
                    })?;
                return super::select::map_text(text).map_err(|e| match e {
                    TextError::Json(e) => RecordError::Unreadable(format!("invalid JSON: {e}")),
                    TextError::NotAnObject(kind) => not_an_object(kind),
                    TextError::Unmapped(e) => RecordError::Unmapped(e),
                });
            }
        };
        if !matches!(record, crate::json::Json::Object(_)) {
            return Err(not_an_object(record.kind()));
        }
        super::map::map(&record).map_err(RecordError::Unmapped)
    }

    /// The record as JSON, or what is wrong with its text.
    pub fn value(&self) -> Result<std::borrow::Cow<'_, Value>, String> {
        match &self.content {
            Content::Value(v) => Ok(std::borrow::Cow::Borrowed(v)),
            Content::Error(e) => Err(e.clone()),
            Content::Text(t) => match serde_json::from_slice::<Value>(t.bytes()) {
                Ok(v @ Value::Object(_)) => Ok(std::borrow::Cow::Owned(v)),
                Ok(other) => Err(format!(
                    "expected a sign-in record (a JSON object), found {}",
                    kind(&other)
                )),
                Err(e) => Err(format!("invalid JSON: {e}")),
            },
        }
    }
}

fn not_an_object(kind: &str) -> RecordError {
    RecordError::Unreadable(format!(
        "expected a sign-in record (a JSON object), found {kind}"
    ))
}

/// Records streamed from a thread; an `Err` is the last item (the syntax broke there). The
/// thread is joined once it has sent its last item, so none outlives the reading it served
/// (one still reading when the records are dropped early ends at its next send).
struct Streamed {
    rx: Receiver<Result<Value, String>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// An item taken by [`Streamed::at_hand`], given before the channel's.
    peeked: Option<Result<Value, String>>,
}

impl Streamed {
    /// Is an item (or the end) there without waiting? One taken from the channel to tell is
    /// given next.
    fn at_hand(&mut self) -> bool {
        if self.peeked.is_some() {
            return true;
        }
        match self.rx.try_recv() {
            Ok(item) => {
                self.peeked = Some(item);
                true
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => false,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => true,
        }
    }

    /// The next item, or `None` after the last.
    fn recv(&mut self) -> Option<Result<Value, String>> {
        let next = match self.peeked.take() {
            Some(item) => Ok(item),
            None => self.rx.recv(),
        };
        match next {
            Ok(Ok(v)) => Some(Ok(v)),
            Ok(Err(e)) => {
                self.finish();
                Some(Err(e))
            }
            Err(_) => {
                self.finish();
                None
            }
        }
    }

    /// Waits for the thread, which has sent its last item and is returning.
    fn finish(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The read buffer: also how much of the input's start is gathered to tell its shape.
const READ_BUFFER: usize = 1 << 16;

/// How much of an input's start [`gather`] reads.
enum Until {
    /// This many bytes.
    Bytes(usize),
    /// The end of the first line holding more than whitespace (UTF-8 text).
    FirstLine,
}

/// The first bytes of `input` (`until` they are enough, [`READ_BUFFER`] of them, or the
/// input's end), and the rest of it. A read may return a single byte (a pipe) or be
/// interrupted by a signal; the byte-order mark and the shape must not depend on that. An input
/// that has ended is not asked again, and an error is handed on in the rest's place.
fn gather(mut input: Box<dyn Read + Send>, until: Until) -> (Vec<u8>, Box<dyn Read + Send>) {
    let mut head: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    // Where content starts, and how far a newline was looked for: each byte is looked at once.
    let (mut content, mut scanned) = (None, 0usize);
    loop {
        let enough = match until {
            Until::Bytes(n) => head.len() >= n,
            Until::FirstLine => {
                let fresh = head.get(scanned..).unwrap_or_default();
                if content.is_none() {
                    content = fresh
                        .iter()
                        .position(|b| !b.is_ascii_whitespace())
                        .map(|i| scanned + i);
                }
                let from = content.map_or(head.len(), |k| k.max(scanned));
                scanned = head.len();
                head.get(from..)
                    .is_some_and(|rest| memchr::memchr(b'\n', rest).is_some())
            }
        };
        if enough || head.len() >= READ_BUFFER {
            return (head, input);
        }
        let want = match until {
            Until::Bytes(n) => n.saturating_sub(head.len()),
            Until::FirstLine => READ_BUFFER - head.len(),
        };
        let room = want.min(chunk.len());
        match input.read(chunk.get_mut(..room).unwrap_or_default()) {
            Ok(0) => return (head, Box::new(std::io::empty())),
            Ok(n) => head.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (head, Box::new(FailedRead(e.kind(), e.to_string()))),
        }
    }
}

/// A reader that fails, every time, as the input did while its start was gathered.
struct FailedRead(std::io::ErrorKind, String);

impl Read for FailedRead {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(self.0, self.1.clone()))
    }
}

/// What the input turned out to be.
enum Shape {
    Lines(LineBlocks),
    Csv(CsvRows<Box<dyn BufRead + Send>>),
    Stream(Streamed),
}

/// The records of one input, in order.
pub struct Records {
    shape: Option<Shape>,
    pending: std::collections::VecDeque<RawRecord>,
    start: Option<Box<dyn BufRead + Send>>,
    /// The items of one JSON line that holds an array or a page, streamed like a document.
    sub: Option<(Streamed, usize, usize)>,
    index: usize,
    line: usize,
}

impl Records {
    /// Reads from `input`; the encoding and shape come from its first bytes.
    pub fn new(input: Box<dyn Read + Send>) -> Records {
        // The byte-order mark from the first three bytes, then the shape from the first line
        // of the decoded text: gathered over as many reads as it takes.
        let (mut head, rest) = gather(input, Until::Bytes(3));
        let utf16 = match head.as_slice() {
            [0xFF, 0xFE, ..] => Some(false),
            [0xFE, 0xFF, ..] => Some(true),
            _ => None,
        };
        let bom = match (utf16, head.starts_with(&[0xEF, 0xBB, 0xBF])) {
            (Some(_), _) => 2,
            (None, true) => 3,
            (None, false) => 0,
        };
        head.drain(..bom);
        let mut text: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head).chain(rest));
        if let Some(big_endian) = utf16 {
            text = Box::new(Utf16Reader::new(BufReader::new(text), big_endian));
        }
        let (line, rest) = gather(text, Until::FirstLine);
        let reader = std::io::Cursor::new(line).chain(rest);
        Records {
            shape: None,
            pending: std::collections::VecDeque::new(),
            start: Some(Box::new(BufReader::with_capacity(READ_BUFFER, reader))),
            sub: None,
            index: 0,
            line: 0,
        }
    }

    fn push(&mut self, place: RecordPlace, value: Result<Value, String>) {
        let content = match value {
            Ok(v) => Content::Value(v),
            Err(e) => Content::Error(e),
        };
        self.push_content(place, content);
    }

    fn push_content(&mut self, place: RecordPlace, content: Content) {
        self.index += 1;
        self.pending.push_back(RawRecord {
            index: self.index,
            place,
            content,
        });
    }

    /// Finds the shape from the first non-blank line, looked at without consuming it: a whole
    /// JSON value on one line is JSON Lines (so is a line that looks like one but does not
    /// parse: it is reported in its place); a line that opens a JSON value without closing it,
    /// or is longer than the read buffer, starts a streamed document; anything else is a CSV
    /// header.
    fn detect(&mut self, mut reader: Box<dyn BufRead + Send>) -> Result<(), String> {
        // Skip blank lines, counting them.
        loop {
            let buf =
                fill_buf_retrying(reader.as_mut()).map_err(|e| format!("cannot read: {e}"))?;
            if buf.is_empty() {
                return Ok(());
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => {
                    let newlines = buf.iter().take(i).filter(|b| **b == b'\n').count();
                    let start = buf
                        .iter()
                        .take(i)
                        .rposition(|b| *b == b'\n')
                        .map_or(0, |n| n + 1);
                    self.line += newlines;
                    reader.consume(start);
                    break;
                }
                None => {
                    let n = buf.len();
                    self.line += buf.iter().filter(|b| **b == b'\n').count();
                    reader.consume(n);
                }
            }
        }
        let buf = fill_buf_retrying(reader.as_mut()).map_err(|e| format!("cannot read: {e}"))?;
        let first_line = buf
            .iter()
            .position(|b| *b == b'\n')
            .and_then(|i| buf.get(..i))
            .map(trim);
        let opens_json = matches!(trim(buf).first(), Some(b'{' | b'['));
        if !opens_json {
            let mut first = Vec::new();
            read_line(&mut reader, &mut first)?;
            self.line += 1;
            let rows = CsvRows::new(reader, &first, self.line)?;
            self.shape = Some(Shape::Csv(rows));
            return Ok(());
        }
        let one_value = first_line.is_some_and(|line| {
            serde_json::from_slice::<IgnoredAny>(line).is_ok()
                || matches!(line.last(), Some(b'}' | b']'))
        });
        self.shape = Some(if one_value {
            Shape::Lines(LineBlocks::new(reader, READ_BUFFER))
        } else {
            Shape::Stream(stream(reader))
        });
        Ok(())
    }

    /// The records of one JSON line. A line that can only be one record is kept as text, to be
    /// parsed by the record's decider; an array or a page is streamed item by item, so a long
    /// line of small records never sits in memory as records all at once.
    fn line_records(&mut self, text: Span) {
        let bytes = text.bytes();
        let is_list = bytes.first() == Some(&b'[') || may_hold_page(bytes);
        if is_list {
            let items = stream(Box::new(std::io::Cursor::new(text)));
            self.sub = Some((items, self.line, 0));
        } else {
            self.push_content(RecordPlace::Line(self.line), Content::Text(text));
        }
    }

    /// Reads until a record is pending or the input ends.
    fn fill(&mut self) -> Result<(), String> {
        if let Some(reader) = self.start.take() {
            self.detect(reader)?;
        }
        while self.pending.is_empty() {
            if let Some((items, line, i)) = &mut self.sub {
                let (line, i) = (*line, *i);
                match items.recv() {
                    Some(value) => {
                        if let Some((_, _, n)) = &mut self.sub {
                            *n += 1;
                        }
                        let place = RecordPlace::LineItem { line, item: i + 1 };
                        let failed = value.is_err();
                        self.push(place, value);
                        if failed {
                            // The rest of this line cannot be trusted; the next line can.
                            self.sub = None;
                        }
                    }
                    None => self.sub = None,
                }
                continue;
            }
            match &mut self.shape {
                None => return Ok(()),
                Some(Shape::Lines(lines)) => {
                    let line = lines.next_line().map_err(|e| format!("cannot read: {e}"))?;
                    let Some(line) = line else {
                        self.shape = None;
                        return Ok(());
                    };
                    self.line += 1;
                    match line {
                        Line::Overlong => {
                            self.push(
                                RecordPlace::Line(self.line),
                                Err(format!("the line is longer than {} MiB", MAX_LINE >> 20)),
                            );
                        }
                        Line::Text(line) => {
                            let line = line.trimmed();
                            if !line.bytes().is_empty() {
                                self.line_records(line);
                            }
                        }
                    }
                }
                Some(Shape::Csv(rows)) => match rows.next_row()? {
                    Some((line, row)) => self.push(RecordPlace::Line(line), row),
                    None => self.shape = None,
                },
                Some(Shape::Stream(rx)) => match rx.recv() {
                    Some(Ok(value)) => {
                        self.push(RecordPlace::Record(self.index + 1), Ok(value));
                    }
                    // A document's syntax error ends the input: nothing after it is trusted.
                    Some(Err(e)) => {
                        self.shape = None;
                        return Err(e);
                    }
                    None => self.shape = None,
                },
            }
        }
        Ok(())
    }
}

impl Records {
    /// Can the next record (or the end) be had without waiting for more input? A caller
    /// reading a pipe decides what it has when this is false instead of waiting for a batch to
    /// fill. True where it cannot be told (a CSV row, the input's first record): reading then
    /// goes on as if the input were a file.
    pub fn next_at_hand(&mut self) -> bool {
        if !self.pending.is_empty() || self.start.is_some() {
            return true;
        }
        if let Some((items, ..)) = &mut self.sub {
            return items.at_hand();
        }
        match &mut self.shape {
            None | Some(Shape::Csv(_)) => true,
            Some(Shape::Lines(lines)) => lines.line_at_hand(),
            Some(Shape::Stream(items)) => items.at_hand(),
        }
    }
}

impl Iterator for Records {
    type Item = Result<RawRecord, String>;

    /// The next record; `Err` when the input itself cannot be read (then reading stops).
    fn next(&mut self) -> Option<Self::Item> {
        if self.pending.is_empty()
            && let Err(e) = self.fill()
        {
            self.shape = None;
            return Some(Err(e));
        }
        self.pending.pop_front().map(Ok)
    }
}

/// The keys under which an export lists its records.
const PAGE_KEYS: [&str; 2] = ["value", "records"];

/// Could this object line be a page? Graph pages open with `@odata.context` (or `value`),
/// Azure Monitor exports with `records`: the first key says. A false positive only costs
/// parsing the line here instead of in a worker.
fn may_hold_page(text: &[u8]) -> bool {
    let rest = text.get(1..).unwrap_or_default();
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let key = rest.get(start..).unwrap_or_default();
    key.starts_with(b"\"@odata")
        || PAGE_KEYS.iter().any(|k| {
            key.strip_prefix(b"\"")
                .is_some_and(|r| r.starts_with(k.as_bytes()) && r.get(k.len()) == Some(&b'"'))
        })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Trims ASCII whitespace off both ends without copying the line.
fn trim(bytes: &[u8]) -> &[u8] {
    bytes.get(trimmed_range(bytes)).unwrap_or_default()
}

/// Streams the JSON document(s) of `reader` from a thread: each record goes through a bounded
/// channel, so memory holds at most [`READ_AHEAD`] records, never a whole page or file, and a
/// record (or anything else between two records) larger than [`MAX_LINE`] ends the stream with
/// an error instead of growing without bound. An `Err` is the last item: the input's syntax
/// broke there.
fn stream(reader: Box<dyn BufRead + Send>) -> Streamed {
    let (tx, rx) = sync_channel(READ_AHEAD);
    let thread = std::thread::spawn(move || {
        let used = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let mut reader = Budgeted {
            inner: reader,
            used: used.clone(),
        };
        let mut document = 0usize;
        loop {
            match skip_whitespace(&mut reader.inner) {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
            document += 1;
            used.set(0);
            let stopped = std::cell::Cell::new(false);
            let sink = Sink {
                tx: &tx,
                used: &used,
                stopped: &stopped,
            };
            let mut de = serde_json::Deserializer::from_reader(&mut reader);
            if let Err(e) = (&mut de).deserialize_any(TopLevel { sink: &sink }) {
                if !stopped.get() {
                    let _ = tx.send(Err(format!(
                        "document {document}: invalid JSON: {e}; reading stops here"
                    )));
                }
                return;
            }
        }
    });
    Streamed {
        rx,
        thread: Some(thread),
        peeked: None,
    }
}

/// A reader that fails once more than [`MAX_LINE`] bytes pass without the sink resetting it.
struct Budgeted {
    inner: Box<dyn BufRead + Send>,
    used: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Read for Budgeted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let used = self.used.get() + n;
        self.used.set(used);
        if used > MAX_LINE {
            return Err(std::io::Error::other(format!(
                "a record is larger than {} MiB",
                MAX_LINE >> 20
            )));
        }
        Ok(n)
    }
}

/// Skips whitespace; false at the end of input.
fn skip_whitespace(reader: &mut dyn BufRead) -> Result<bool, String> {
    loop {
        let buf = fill_buf_retrying(reader).map_err(|e| format!("cannot read: {e}"))?;
        if buf.is_empty() {
            return Ok(false);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                reader.consume(i);
                return Ok(true);
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

struct Sink<'a> {
    tx: &'a SyncSender<Result<Value, String>>,
    used: &'a std::cell::Cell<usize>,
    /// Set when the reader of the records has gone away (not an input error).
    stopped: &'a std::cell::Cell<bool>,
}

impl Sink<'_> {
    fn send<E: de::Error>(&self, v: Value) -> Result<(), E> {
        // The next record starts its own byte budget.
        self.used.set(0);
        self.tx.send(Ok(v)).map_err(|_| {
            self.stopped.set(true);
            E::custom("the reader of the records has gone away")
        })
    }
}

/// A top-level document: an array of records, a list response (its `value` streamed), or one
/// record.
struct TopLevel<'a, 'b> {
    sink: &'a Sink<'b>,
}

impl<'de> Visitor<'de> for TopLevel<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sign-in record, an array of records or a list response")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Value>()? {
            self.sink.send(v)?;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut record = Map::new();
        let mut paged = false;
        while let Some(key) = map.next_key::<String>()? {
            if PAGE_KEYS.contains(&key.as_str()) {
                map.next_value_seed(Items { sink: self.sink })?;
                paged = true;
            } else if paged || key.starts_with("@odata") {
                map.next_value::<IgnoredAny>()?;
            } else {
                let v = map.next_value::<Value>()?;
                record.insert(key, v);
            }
        }
        if !paged {
            self.sink.send(Value::Object(record))?;
        }
        Ok(())
    }
}

/// The `value` array of a list response, streamed.
struct Items<'a, 'b> {
    sink: &'a Sink<'b>,
}

impl<'de> DeserializeSeed<'de> for Items<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(TopLevel { sink: self.sink })
    }
}

#[cfg(test)]
mod place_tests {
    use super::RecordPlace;

    #[test]
    fn places_read_and_write_as_reports_name_them() {
        for (place, text) in [
            (RecordPlace::Line(7), "line 7"),
            (
                RecordPlace::LineItem { line: 2, item: 10 },
                "line 2, item 10",
            ),
            (RecordPlace::Record(31), "record 31"),
        ] {
            assert_eq!(place.to_string(), text);
            let mut out = Vec::new();
            place.write_json(&mut out);
            assert_eq!(out, format!("\"{text}\"").into_bytes());
            assert_eq!(
                serde_json::to_string(&place).ok(),
                Some(format!("\"{text}\""))
            );
        }
    }
}
