//! Byte-level checks the `csv` crate does not make: files that are not UTF-8 text at all, stray
//! quotes, and the line a record really starts on.
//!
//! The `csv` reader is lenient by design and has no strict mode: it keeps a quote inside an
//! unquoted field as a literal character and glues text after a closing quote onto the field
//! (`"cancel"order` reads as `cancelorder`). Turning quoting off would break legitimate quoted
//! fields, so quoting is checked here over each record's raw bytes, with the same record
//! boundaries the reader used.

use std::fmt;

/// Why a file is not CSV text at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NotText {
    /// No bytes, or only a UTF-8 byte-order mark and line ends.
    Empty,
    /// UTF-16, with or without its byte-order mark.
    Utf16 {
        /// Whether it starts with a UTF-16 byte-order mark.
        bom: bool,
    },
}

/// Looks at the start of a file for the encodings people save spreadsheets in by mistake.
/// `None` means "go on and parse": UTF-8 problems are found, with their line, by the reader.
pub(super) fn sniff(bytes: &[u8], utf8_bom: &[u8]) -> Option<NotText> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Some(NotText::Utf16 { bom: true });
    }
    let text = bytes.strip_prefix(utf8_bom).unwrap_or(bytes);
    if text.iter().all(|b| matches!(b, b'\r' | b'\n')) {
        return Some(NotText::Empty);
    }
    // UTF-16 text is mostly ASCII characters here (column names, digits, punctuation), whose
    // other byte is NUL; UTF-8 text has no reason to hold NUL bytes at all. The start of the file
    // is enough to tell.
    let sample = &text[..text.len().min(512)];
    let nul_share = |parity: usize| {
        let positions = sample.iter().skip(parity).step_by(2);
        let total = positions.clone().count().max(1);
        positions.filter(|&&b| b == 0).count() * 2 >= total
    };
    (nul_share(0) || nul_share(1)).then_some(NotText::Utf16 { bom: false })
}

/// What is wrong with a field's quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteProblem {
    /// A quote inside a field that does not start with one: `say "hi"`.
    InUnquotedField,
    /// Text between a closing quote and the next comma or line end: `"cancel"order`.
    AfterClosingQuote,
    /// A quoted field still open at the end of the file.
    Unclosed,
}

impl fmt::Display for QuoteProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuoteProblem::InUnquotedField => "a quote inside an unquoted field",
            QuoteProblem::AfterClosingQuote => "text after the closing quote",
            QuoteProblem::Unclosed => "a quote that is never closed",
        })
    }
}

/// A quoting problem in one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StrayQuote {
    /// 0-based index of the field.
    pub field: usize,
    /// Line breaks between the record's start and the problem (quoted fields may span lines);
    /// for an unclosed quote, the problem is where the quote opened.
    pub line_breaks: u64,
    /// What is wrong.
    pub problem: QuoteProblem,
}

/// Checks the quoting of the record that `raw` starts with, up to its first line end outside
/// quotes. A field that starts with `"` must end at its closing quote, with `""` standing for a
/// quote inside it; a field that does not start with `"` may not contain one. Commas and line
/// ends inside quotes are data.
pub(super) fn stray_quote(raw: &[u8]) -> Option<StrayQuote> {
    #[derive(Clone, Copy)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        /// Just after a quote inside a quoted field: the closing quote, or the first of `""`.
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut field = 0;
    let mut line_breaks = 0;
    let mut opened_at = 0;
    let found = |field, line_breaks, problem| {
        Some(StrayQuote {
            field,
            line_breaks,
            problem,
        })
    };
    for (i, &byte) in raw.iter().enumerate() {
        state = match (state, byte) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            // A line break is `\n`, `\r\n` (counted at its `\n`) or a lone `\r`.
            (State::Quoted, b'\n') => {
                line_breaks += 1;
                State::Quoted
            }
            (State::Quoted, b'\r') if raw.get(i + 1) != Some(&b'\n') => {
                line_breaks += 1;
                State::Quoted
            }
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::FieldStart, b'"') => {
                opened_at = line_breaks;
                State::Quoted
            }
            (State::Unquoted, b'"') => {
                return found(field, line_breaks, QuoteProblem::InUnquotedField)
            }
            (_, b',') => {
                field += 1;
                State::FieldStart
            }
            (_, b'\r' | b'\n') => return None,
            (State::QuoteInQuoted, _) => {
                return found(field, line_breaks, QuoteProblem::AfterClosingQuote)
            }
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
        };
    }
    match state {
        State::Quoted => found(field, opened_at, QuoteProblem::Unclosed),
        _ => None,
    }
}

/// Line breaks in `bytes` as the `csv` reader ends records: `\n`, `\r\n`, and a lone `\r`
/// (Excel for Mac's "CSV (Macintosh)" ends lines with `\r` alone).
fn line_breaks(bytes: &[u8]) -> u64 {
    let mut breaks = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            breaks += 1;
        }
    }
    breaks
}

/// Turns the byte offsets the `csv` reader reports into where a record really starts.
///
/// The reader's own `Position::line` is one too low after every CRLF and every blank line, and
/// its byte offset points at the line end left over from the previous record, so line ends are
/// skipped and `\n` counted here. Offsets must not decrease between calls (records come in file
/// order); one that does restarts the count from the top rather than panic.
pub(super) struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Lines {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// Byte offset and 1-based line of the first character of the record the reader says starts
    /// at `offset`.
    pub fn record_start(&mut self, offset: u64) -> (usize, u64) {
        let offset = usize::try_from(offset).map_or(self.bytes.len(), |o| o.min(self.bytes.len()));
        if offset < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        let start = self.bytes[offset..]
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .map_or(self.bytes.len(), |skip| offset + skip);
        self.line += line_breaks(&self.bytes[self.offset..start]);
        self.offset = start;
        (start, self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOM: &[u8] = b"\xEF\xBB\xBF";

    fn problem(raw: &[u8]) -> Option<(usize, u64, QuoteProblem)> {
        stray_quote(raw).map(|s| (s.field, s.line_breaks, s.problem))
    }

    #[test]
    fn legitimate_quoting_passes() {
        for raw in [
            &b"plain,cancel\n"[..],
            b"\"where, is it\",tracking\r\n",
            b"\"she said \"\"hi\"\"\",other\n",
            b"\"\",other",
            b"\"two\nlines\",other\nnext\"row,ignored",
            b"a,\"b\"\r\n",
            b",,\n",
        ] {
            assert_eq!(problem(raw), None, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn stray_quotes_name_field_and_line() {
        use QuoteProblem::*;
        assert_eq!(
            problem(b"\"cancel\"order,cancel\n"),
            Some((0, 0, AfterClosingQuote))
        );
        assert_eq!(
            problem(b"ok,\"cancel\" ,cancel"),
            Some((1, 0, AfterClosingQuote))
        );
        assert_eq!(
            problem(b"he said \"no\",cancel\n"),
            Some((0, 0, InUnquotedField))
        );
        assert_eq!(problem(b"ok,canc\"el"), Some((1, 0, InUnquotedField)));
        assert_eq!(
            problem(b"\"one\ntwo\nthree\"x,other\n"),
            Some((0, 2, AfterClosingQuote))
        );
        assert_eq!(problem(b"ok,\"never closed\n,x\n"), Some((1, 0, Unclosed)));
        assert_eq!(problem(b"\"a\nb\",\"open\nc\n"), Some((1, 1, Unclosed)));
    }

    #[test]
    fn sniff_tells_empty_and_utf16_files() {
        assert_eq!(sniff(b"", BOM), Some(NotText::Empty));
        assert_eq!(sniff(b"\xEF\xBB\xBF\r\n", BOM), Some(NotText::Empty));
        assert_eq!(
            sniff(b"t\0e\0x\0t\0,\0i\0", BOM),
            Some(NotText::Utf16 { bom: false })
        );
        assert_eq!(
            sniff(b"\0t\0e\0x\0t", BOM),
            Some(NotText::Utf16 { bom: false })
        );
        assert_eq!(
            sniff(b"\xFF\xFEt\0e\0x\0t\0", BOM),
            Some(NotText::Utf16 { bom: true })
        );
        assert_eq!(
            sniff(b"\xFE\xFF\0t", BOM),
            Some(NotText::Utf16 { bom: true })
        );
        assert_eq!(sniff(b"text,intent\nhi,other\n", BOM), None);
        assert_eq!(sniff(b"\xEF\xBB\xBFtext\n", BOM), None);
        // One stray NUL is left for the reader, not called UTF-16.
        assert_eq!(sniff(b"text,intent\nh\0i,other\n", BOM), None);
    }

    #[test]
    fn lines_skip_leftover_line_ends_and_count_crlf_once() {
        let bytes = b"h\r\nrow two\r\n\r\nrow four\n";
        let mut lines = Lines::new(bytes);
        assert_eq!(lines.record_start(0), (0, 1));
        // The reader points at the `\n` of the CRLF before the record.
        assert_eq!(lines.record_start(2), (3, 2));
        assert_eq!(lines.record_start(11), (14, 4));
        // Past the end, and going backwards, never panic.
        assert_eq!(lines.record_start(u64::MAX), (bytes.len(), 5));
        assert_eq!(lines.record_start(0), (0, 1));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_too() {
        // Excel for Mac's "CSV (Macintosh)": records end with `\r` alone.
        let bytes = b"h\rrow two\r\"a\rb\"\rrow four\r";
        let mut lines = Lines::new(bytes);
        assert_eq!(lines.record_start(0), (0, 1));
        assert_eq!(lines.record_start(1), (2, 2));
        assert_eq!(lines.record_start(9), (10, 3));
        assert_eq!(lines.record_start(15), (16, 5));
        assert_eq!(
            problem(b"\"a\rb\rc\"x,other\r"),
            Some((0, 2, QuoteProblem::AfterClosingQuote))
        );
        assert_eq!(
            problem(b"\"a\r\nb\"x,other\r\n"),
            Some((0, 1, QuoteProblem::AfterClosingQuote))
        );
    }
}
