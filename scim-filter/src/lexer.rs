//! Tokens with byte positions: words (attribute paths, keywords, bare values), JSON strings and
//! JSON numbers (RFC 7644 §3.4.2.2 `compValue`, RFC 8259).
//!
//! The grammar is context-sensitive in one place (a word after an operator is a value, anywhere
//! else a path or keyword), so the parser drives a [`Cursor`] and asks for the token kind it
//! expects next rather than consuming a pre-built token stream.

use crate::ast::Span;
use crate::error::{Error, ErrorKind};

/// Whitespace between tokens. The RFC writes a single SP; clients also send several spaces,
/// tabs, or line breaks (from `+` or `%0A` in query strings), and none of these is ambiguous.
pub(crate) const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Bytes that end a word: whitespace and the structural characters.
const fn ends_word(b: u8) -> bool {
    is_space(b) || matches!(b, b'(' | b')' | b'[' | b']' | b'"')
}

/// A position in the text being parsed.
#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Consumes `b` if it is next.
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Skips whitespace; returns whether there was any.
    pub(crate) fn skip_space(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// The word starting here (possibly empty), without consuming it.
    pub(crate) fn peek_word(&self) -> (&'a str, Span) {
        let bytes = self.text.as_bytes();
        let mut end = self.pos;
        while bytes.get(end).is_some_and(|&b| !ends_word(b)) {
            end += 1;
        }
        // `end` is at a structural ASCII byte or the end, so both ends are char boundaries.
        (
            self.text.get(self.pos..end).unwrap_or(""),
            Span::new(self.pos, end),
        )
    }

    /// Consumes the word starting here (possibly empty).
    pub(crate) fn word(&mut self) -> (&'a str, Span) {
        let (word, span) = self.peek_word();
        self.pos = span.end;
        (word, span)
    }

    /// A short description of what is at `pos`, for error messages: the word there, or the
    /// single character.
    pub(crate) fn found_at(&self, pos: usize) -> crate::error::Found {
        use crate::error::Found;
        let Some(rest) = self.text.get(pos..) else {
            return Found::End;
        };
        let Some(first) = rest.chars().next() else {
            return Found::End;
        };
        let token: &str = if first.is_ascii() && ends_word(first as u8) {
            if first == '"' {
                // A string: show it up to its closing quote, if any.
                let close = rest
                    .get(1..)
                    .and_then(|r| r.find('"'))
                    .map_or(rest.len(), |i| i + 2);
                rest.get(..close).unwrap_or(rest)
            } else {
                rest.get(..first.len_utf8()).unwrap_or(rest)
            }
        } else {
            let len = rest.bytes().position(ends_word).unwrap_or(rest.len());
            rest.get(..len).unwrap_or(rest)
        };
        Found::Token(shorten(token))
    }

    /// Reads a JSON string starting at the `"` under the cursor, decoding escapes.
    pub(crate) fn string(&mut self) -> Result<(String, Span), Error> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        debug_assert_eq!(bytes.get(start), Some(&b'"'));
        let mut pos = start + 1;
        let mut out = String::new();
        let mut run = pos;
        loop {
            let Some(&b) = bytes.get(pos) else {
                return Err(Error::filter(
                    ErrorKind::UnterminatedString,
                    Span::new(start, pos),
                ));
            };
            match b {
                b'"' => {
                    out.push_str(self.text.get(run..pos).unwrap_or(""));
                    pos += 1;
                    self.pos = pos;
                    return Ok((out, Span::new(start, pos)));
                }
                b'\\' => {
                    out.push_str(self.text.get(run..pos).unwrap_or(""));
                    pos = self.escape(pos, &mut out)?;
                    run = pos;
                }
                0x00..=0x1f => {
                    return Err(Error::filter(
                        ErrorKind::ControlCharacterInString,
                        Span::new(pos, pos + 1),
                    ));
                }
                _ => pos += 1,
            }
        }
    }

    /// Decodes the escape at `pos` (a backslash) into `out`; returns the position after it.
    fn escape(&self, pos: usize, out: &mut String) -> Result<usize, Error> {
        let bytes = self.text.as_bytes();
        let invalid = |len: usize| {
            let end = (pos + len).min(self.text.len());
            let escape = self.text.get(pos..end).map_or_else(|| "\\".into(), shorten);
            Error::filter(ErrorKind::InvalidEscape { escape }, Span::new(pos, end))
        };
        let Some(&kind) = bytes.get(pos + 1) else {
            return Err(Error::filter(
                ErrorKind::UnterminatedString,
                Span::new(pos, pos + 1),
            ));
        };
        let simple = match kind {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let (c, end) = self.unicode_escape(pos)?;
                out.push(c);
                return Ok(end);
            }
            _ => {
                let len = 1 + self
                    .text
                    .get(pos + 1..)
                    .and_then(|r| r.chars().next())
                    .map_or(0, char::len_utf8);
                return Err(invalid(len));
            }
        };
        out.push(simple);
        Ok(pos + 2)
    }

    /// Decodes `\uXXXX` (and a following low surrogate escape, if the first is high) at `pos`.
    fn unicode_escape(&self, pos: usize) -> Result<(char, usize), Error> {
        let hex4 = |at: usize| -> Option<u32> {
            let digits = self.text.get(at..at + 4)?;
            if digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                u32::from_str_radix(digits, 16).ok()
            } else {
                None
            }
        };
        let bad = |end: usize| {
            let mut end = end.min(self.text.len());
            while !self.text.is_char_boundary(end) {
                end -= 1;
            }
            let escape = self.text.get(pos..end).map_or_else(String::new, shorten);
            Error::filter(
                ErrorKind::InvalidUnicodeEscape { escape },
                Span::new(pos, end),
            )
        };
        let Some(first) = hex4(pos + 2) else {
            return Err(bad(pos + 6));
        };
        match first {
            0xD800..=0xDBFF => {
                // A high surrogate must be followed by `\u` and a low surrogate.
                let next = pos + 6;
                let is_escape = self.text.get(next..next + 2) == Some("\\u");
                let low = if is_escape { hex4(next + 2) } else { None };
                match low {
                    Some(low @ 0xDC00..=0xDFFF) => {
                        let c = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(c)
                            .map(|c| (c, next + 6))
                            .ok_or_else(|| bad(next + 6))
                    }
                    _ => Err(bad(next)),
                }
            }
            0xDC00..=0xDFFF => Err(bad(pos + 6)),
            _ => char::from_u32(first)
                .map(|c| (c, pos + 6))
                .ok_or_else(|| bad(pos + 6)),
        }
    }
}

/// At most 40 characters of `s`, with `…` when cut.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or(s)),
        None => s.to_owned(),
    }
}

/// Whether `text` is a JSON number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
pub(crate) fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Appends `s` as a JSON string literal, quotes included.
pub(crate) fn write_json_string(out: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    out.write_char('"')?;
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.write_str(s.get(run..i).unwrap_or(""))?;
        match escape {
            Some(e) => out.write_str(e)?,
            None => write!(out, "\\u{b:04x}")?,
        }
        run = i + 1;
    }
    out.write_str(s.get(run..).unwrap_or(""))?;
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers() {
        for ok in [
            "0", "-0", "1", "42", "-7", "1.5", "0.25", "1e5", "1E+5", "2.5e-3", "-0.0e0",
        ] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in [
            "", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x10", "1.5.2", "NaN", "--1",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn strings_decode_every_escape() {
        let text = r#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#;
        let mut c = Cursor::new(text);
        let (s, span) = c.string().unwrap();
        assert_eq!(s, "a\"b\\c/d\u{8}\u{c}\n\r\té😀");
        assert_eq!(span, Span::new(0, text.len()));
    }

    #[test]
    fn string_errors() {
        let kind = |t: &str| Cursor::new(t).string().unwrap_err().kind().clone();
        assert_eq!(kind("\"abc"), ErrorKind::UnterminatedString);
        assert_eq!(kind("\"a\\"), ErrorKind::UnterminatedString);
        assert!(matches!(kind("\"\\x\""), ErrorKind::InvalidEscape { .. }));
        assert!(matches!(
            kind("\"\\u12\""),
            ErrorKind::InvalidUnicodeEscape { .. }
        ));
        assert!(matches!(
            kind("\"\\ud800\""),
            ErrorKind::InvalidUnicodeEscape { .. }
        ));
        assert!(matches!(
            kind("\"\\udc00\""),
            ErrorKind::InvalidUnicodeEscape { .. }
        ));
        assert_eq!(kind("\"a\nb\""), ErrorKind::ControlCharacterInString);
    }

    #[test]
    fn json_string_output_round_trips() {
        let s = "q\"b\\n\n\u{1}é";
        let mut out = String::new();
        write_json_string(&mut out, s).unwrap();
        assert_eq!(out, r#""q\"b\\n\n\u0001é""#);
        assert_eq!(Cursor::new(&out).string().unwrap().0, s);
    }
}
