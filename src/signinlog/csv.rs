//! CSV with a header row, as the Log Analytics portal and `az monitor log-analytics query -o tsv`
//! style exports write it (RFC 4180 quoting: `"` around a field, `""` inside it; a quoted field
//! may span lines). Each row becomes a JSON object of its non-empty columns, all strings; the
//! mapping reads JSON held in a string column (`ConditionalAccessPolicies`, `DeviceDetail`, ...).

use std::io::BufRead;

use serde_json::{Map, Value};

use super::lines::{MAX_LINE, read_line};

/// A row: its first line, and the row as an object or why it is not one.
pub type Row = (usize, Result<Value, String>);

/// The rows of a CSV input after its header.
pub struct CsvRows<R> {
    reader: R,
    columns: Vec<String>,
    line: usize,
}

impl<R: BufRead> CsvRows<R> {
    /// Reads the header from `header` (the first line, already read at `line`).
    pub fn new(reader: R, header: &[u8], line: usize) -> Result<Self, String> {
        let text = std::str::from_utf8(header)
            .map_err(|e| format!("line {line}: the header is not UTF-8 text: {e}"))?;
        let fields = split(text.trim_end_matches(['\r', '\n']))
            .ok_or_else(|| format!("line {line}: the header has an unclosed quote"))?;
        // The portal writes `TimeGenerated [UTC]`; the name is what counts.
        let columns: Vec<String> = fields
            .into_iter()
            .map(|c| c.split(" [").next().unwrap_or_default().trim().to_owned())
            .collect();
        if columns.len() < 2 || columns.iter().any(String::is_empty) {
            return Err(format!(
                "line {line}: neither JSON nor a CSV header (expected column names separated by commas)"
            ));
        }
        Ok(CsvRows {
            reader,
            columns,
            line,
        })
    }

    /// The next row as (its first line, the row as an object or why it is not one); `None` at
    /// the end of input. A row ends at a newline outside quotes, by the same quoting rules
    /// [`split`] applies, so a quote inside an unquoted field does not swallow the next rows.
    pub fn next_row(&mut self) -> Result<Option<Row>, String> {
        let mut raw: Vec<u8> = Vec::new();
        let mut first_line = 0;
        let mut quotes = Quotes::default();
        let mut too_long = false;
        loop {
            let mut part = Vec::new();
            let n = read_line(&mut self.reader, &mut part)?;
            if n == 0 {
                if raw.is_empty() && !too_long {
                    return Ok(None);
                }
                break;
            }
            self.line += 1;
            if raw.is_empty() && !too_long {
                if part.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                first_line = self.line;
            }
            quotes.scan(&part);
            if !too_long && raw.len() + n > MAX_LINE {
                // Keep reading to the row's real end, without keeping it.
                too_long = true;
                raw.clear();
            }
            if !too_long {
                raw.extend_from_slice(&part);
            }
            if !quotes.open {
                break;
            }
        }
        if too_long {
            return Ok(Some((
                first_line,
                Err(format!("the row is longer than {} MiB", MAX_LINE >> 20)),
            )));
        }
        let row = match std::str::from_utf8(&raw) {
            Ok(text) => self.object(text.trim_end_matches(['\r', '\n'])),
            Err(e) => Err(format!("invalid UTF-8 at byte {}", e.valid_up_to())),
        };
        Ok(Some((first_line, row)))
    }

    fn object(&self, text: &str) -> Result<Value, String> {
        let fields = split(text).ok_or("an unclosed quote")?;
        if fields.len() != self.columns.len() {
            return Err(format!(
                "{} fields where the header has {} columns",
                fields.len(),
                self.columns.len()
            ));
        }
        let mut o = Map::new();
        for (column, field) in self.columns.iter().zip(fields) {
            if !field.is_empty() {
                o.insert(column.clone(), Value::String(field));
            }
        }
        Ok(Value::Object(o))
    }
}

/// Where a row's quoting stands after the bytes seen so far (the rules of [`split`]: a quote
/// opens a field only at its start, `""` inside a quoted field is a quote).
#[derive(Default)]
struct Quotes {
    open: bool,
    at_start: bool,
    /// A quote just seen inside a quoted field: the end of the field, or the first of `""`.
    pending: bool,
}

impl Quotes {
    fn scan(&mut self, bytes: &[u8]) {
        if !self.open && !self.pending {
            self.at_start = true;
        }
        for &b in bytes {
            if self.pending {
                self.pending = false;
                if b == b'"' {
                    continue;
                }
                self.open = false;
            }
            match (self.open, b) {
                (false, b'"') if self.at_start => {
                    self.open = true;
                    self.at_start = false;
                }
                (true, b'"') => self.pending = true,
                (false, b',') => self.at_start = true,
                (true, _) => {}
                (false, _) => self.at_start = false,
            }
        }
        if self.pending && bytes.last() == Some(&b'\n') {
            // A closing quote right before the newline.
            self.pending = false;
            self.open = false;
        }
    }
}

/// Splits one CSV record into fields; `None` when a quote is left open.
fn split(text: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            (_, c) => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn quoted_fields_may_hold_commas_quotes_and_newlines() {
        let header = b"TimeGenerated [UTC],UserId,ConditionalAccessPolicies\n";
        let body = "2026-03-02T09:00:00Z,u1,\"[{\"\"id\"\":\"\"p\"\",\n\"\"result\"\":\"\"success\"\"}]\"\n\n2026-03-02T09:01:00Z,,x\nonly,two\n";
        let mut rows = CsvRows::new(body.as_bytes(), header, 1).unwrap();
        let (line, row) = rows.next_row().unwrap().unwrap();
        assert_eq!(line, 2);
        let row = row.unwrap();
        assert_eq!(row["TimeGenerated"], "2026-03-02T09:00:00Z");
        assert_eq!(
            row["ConditionalAccessPolicies"],
            "[{\"id\":\"p\",\n\"result\":\"success\"}]"
        );
        let (line, row) = rows.next_row().unwrap().unwrap();
        assert_eq!(line, 5);
        assert!(
            row.unwrap().get("UserId").is_none(),
            "an empty field is absent"
        );
        let (line, row) = rows.next_row().unwrap().unwrap();
        assert_eq!(line, 6);
        assert_eq!(row.unwrap_err(), "2 fields where the header has 3 columns");
        assert!(rows.next_row().unwrap().is_none());
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_text_and_rows_stay_apart() {
        let header = b"A,B\n";
        let body = "ab\"c,1\nd,\"x\"\"y\"\n\"open,2\n";
        let mut rows = CsvRows::new(body.as_bytes(), header, 1).unwrap();
        let (line, row) = rows.next_row().unwrap().unwrap();
        assert_eq!(line, 2);
        assert_eq!(row.unwrap()["A"], "ab\"c");
        let (line, row) = rows.next_row().unwrap().unwrap();
        assert_eq!(line, 3);
        assert_eq!(row.unwrap()["B"], "x\"y");
        // An unclosed quote runs to the end of input: one bad row, not a hang or a panic.
        let (line, row) = rows.next_row().unwrap().unwrap();
        assert_eq!(line, 4);
        assert_eq!(row.unwrap_err(), "an unclosed quote");
        assert!(rows.next_row().unwrap().is_none());
    }

    #[test]
    fn text_that_is_not_a_header_is_refused() {
        assert!(CsvRows::new(&b""[..], b"hello\n", 1).is_err());
    }
}
