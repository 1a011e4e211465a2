//! UTF-16 input (Windows PowerShell's `Out-File` default) decoded to UTF-8 as it is read, so a
//! large export is never held whole.

use std::io::{BufRead, Read};

/// Reads UTF-16 (little or big endian, BOM already consumed) from `inner` and yields UTF-8.
pub struct Utf16Reader<R> {
    inner: R,
    big_endian: bool,
    /// UTF-8 bytes decoded but not yet handed out.
    out: Vec<u8>,
    at: usize,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    /// An odd byte waiting for its partner.
    odd: Option<u8>,
}

impl<R: BufRead> Utf16Reader<R> {
    /// A reader of `inner`'s UTF-16 code units.
    pub fn new(inner: R, big_endian: bool) -> Self {
        Utf16Reader {
            inner,
            big_endian,
            out: Vec::with_capacity(1 << 16),
            at: 0,
            high: None,
            odd: None,
        }
    }

    fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    fn unit(&mut self, u: u16) {
        match (self.high.take(), u) {
            (Some(h), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                self.push_char(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            (high, 0xD800..=0xDBFF) => {
                if high.is_some() {
                    self.push_char('\u{FFFD}');
                }
                self.high = Some(u);
            }
            (high, _) => {
                if high.is_some() {
                    self.push_char('\u{FFFD}');
                }
                self.push_char(char::from_u32(u32::from(u)).unwrap_or('\u{FFFD}'));
            }
        }
    }

    /// Decodes the next chunk of input; false at its end.
    fn decode(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.at = 0;
        let bytes = super::lines::fill_buf_retrying(&mut self.inner)?.to_vec();
        if bytes.is_empty() {
            if self.high.take().is_some() || self.odd.take().is_some() {
                self.push_char('\u{FFFD}');
                return Ok(true);
            }
            return Ok(false);
        }
        self.inner.consume(bytes.len());
        let mut iter = bytes.iter().copied();
        if let Some(first) = self.odd.take()
            && let Some(second) = iter.next()
        {
            self.pair(first, second);
        }
        loop {
            match (iter.next(), iter.next()) {
                (Some(a), Some(b)) => self.pair(a, b),
                (Some(a), None) => {
                    self.odd = Some(a);
                    break;
                }
                _ => break,
            }
        }
        Ok(true)
    }

    fn pair(&mut self, a: u8, b: u8) {
        let u = if self.big_endian {
            u16::from_be_bytes([a, b])
        } else {
            u16::from_le_bytes([a, b])
        };
        self.unit(u);
    }
}

impl<R: BufRead> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.out.len() {
            if !self.decode()? {
                return Ok(0);
            }
        }
        let ready = self.out.get(self.at..).unwrap_or_default();
        let n = ready.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), ready.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn decode(bytes: &[u8], big_endian: bool) -> String {
        let mut s = String::new();
        Utf16Reader::new(bytes, big_endian)
            .read_to_string(&mut s)
            .unwrap();
        s
    }

    #[test]
    fn both_byte_orders_and_surrogate_pairs() {
        let text = "{\"id\": \"é😀\"}\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&le, false), text);
        assert_eq!(decode(&be, true), text);
    }

    #[test]
    fn broken_input_becomes_replacement_characters() {
        // A lone high surrogate, then an odd trailing byte.
        assert_eq!(
            decode(&[0x3D, 0xD8, 0x41, 0x00, 0x42], false),
            "\u{FFFD}A\u{FFFD}"
        );
    }
}
