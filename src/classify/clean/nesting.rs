//! Guard for the HTML stage: how deeply a body nests its elements, read in one linear pass
//! before html5ever sees it, and a tag-free fallback for bodies that nest too deep.
//!
//! html5ever checks "is there a `p` in button scope?" and the like by walking its stack of open
//! elements for each `<div>`, `<p>`, `<ul>`, `<blockquote>`, …, so a body that opens thousands of
//! them without closing any costs time quadratic in its length: 160 kB of `<ul><li>` took
//! 4.6 seconds, a 1 MB body minutes. Real mail nests a few dozen levels.
//!
//! The estimate follows the HTML tokenizer closely enough never to see *fewer* open elements
//! than the parser: quoted attribute values, comments (ended by `-->` or `--!>`) and the raw
//! text of `script`, `style` and the like are skipped as the tokenizer skips them; an end tag
//! closes only an element of its name that is open; and elements whose end tag is optional
//! (`p`, `li`, `td`, …) are not counted, since they close each other instead of nesting.

use std::borrow::Cow;
use std::collections::HashMap;

/// Deeper than this (by [`max_depth`]'s estimate), a body is rendered without its markup.
pub const MAX_NESTING: usize = 256;

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr", "basefont", "bgsound", "frame", "image",
];

/// Elements whose end tag may be left out: a second one closes the first rather than nesting in
/// it, so they never deepen the tree on their own.
const OPTIONAL_END: &[&str] = &[
    "p", "li", "dt", "dd", "td", "th", "tr", "tbody", "thead", "tfoot", "option", "optgroup", "rb",
    "rt", "rp", "rtc", "colgroup", "caption",
];

/// Elements whose content is text up to their own end tag (`plaintext`: to the end).
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "textarea",
    "title",
    "plaintext",
];

/// One piece of markup found by [`Scanner`].
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    /// Text between tags (including raw text and what the tokenizer reads as text).
    Text,
    /// A start tag, with its lowercased name and whether it ends in `/>`.
    Start(String),
    /// An end tag, with its lowercased name.
    End(String),
    /// A comment, doctype, processing instruction or bogus comment.
    Other,
}

/// Splits HTML into [`Piece`]s, each with its byte range, in one pass.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The raw-text element whose content comes next, if the last start tag opened one.
    raw_text: Option<String>,
}

impl<'a> Scanner<'a> {
    fn new(html: &'a str) -> Self {
        Scanner {
            bytes: html.as_bytes(),
            at: 0,
            raw_text: None,
        }
    }

    /// The next piece and where it ends.
    fn next_piece(&mut self) -> Option<(Piece, usize)> {
        let bytes = self.bytes;
        let start = self.at;
        if start >= bytes.len() {
            return None;
        }
        if let Some(name) = self.raw_text.take() {
            let end = if name == "plaintext" {
                bytes.len()
            } else {
                find_end_tag(bytes, start, &name)
            };
            self.at = end;
            return Some((Piece::Text, end));
        }
        if bytes[start] != b'<' {
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'<')
                .map_or(bytes.len(), |offset| start + offset);
            // A lone `<` that begins no tag is text too.
            self.at = end.max(start + 1);
            return Some((Piece::Text, self.at));
        }
        let next = bytes.get(start + 1).copied();
        let (piece, end) = match next {
            Some(b'!') if bytes[start..].starts_with(b"<!--") => {
                (Piece::Other, comment_end(bytes, start + 4))
            }
            Some(b'!' | b'?') => (Piece::Other, after_byte(bytes, start + 2, b'>')),
            Some(b'/') => match bytes.get(start + 2) {
                Some(b) if b.is_ascii_alphabetic() => {
                    let (name, end) = tag(bytes, start + 2);
                    (Piece::End(name), end)
                }
                Some(b'>') => (Piece::Other, start + 3),
                Some(_) => (Piece::Other, after_byte(bytes, start + 2, b'>')),
                None => (Piece::Text, bytes.len()),
            },
            Some(b) if b.is_ascii_alphabetic() => {
                let (name, end) = tag(bytes, start + 1);
                if RAW_TEXT.contains(&name.as_str()) {
                    self.raw_text = Some(name.clone());
                }
                (Piece::Start(name), end)
            }
            _ => (Piece::Text, start + 1),
        };
        self.at = end;
        Some((piece, end))
    }
}

/// Where a comment whose body starts at `from` ends: after `-->` or `--!>` (the tokenizer
/// accepts both, and `<!-->` is an empty comment), else at the end of the input.
fn comment_end(bytes: &[u8], from: usize) -> usize {
    // `<!-->` and `<!--->` close at once.
    for shortcut in [&b">"[..], b"->"] {
        if bytes[from..].starts_with(shortcut) {
            return from + shortcut.len();
        }
    }
    let mut at = from;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'-') {
        let dash = at + offset;
        let rest = &bytes[dash..];
        if rest.starts_with(b"-->") {
            return dash + 3;
        }
        if rest.starts_with(b"--!>") {
            return dash + 4;
        }
        at = dash + 1;
    }
    bytes.len()
}

/// The index after the first `byte` at or after `from`, else the end of the input.
fn after_byte(bytes: &[u8], from: usize, byte: u8) -> usize {
    bytes[from.min(bytes.len())..]
        .iter()
        .position(|&b| b == byte)
        .map_or(bytes.len(), |offset| from + offset + 1)
}

/// Where the raw text of `name` ends: at `</name` followed by whitespace, `/` or `>` (ASCII
/// case-insensitive), else at the end of the input.
fn find_end_tag(bytes: &[u8], from: usize, name: &str) -> usize {
    let mut at = from;
    while let Some(offset) = bytes[at..].windows(2).position(|w| w == b"</") {
        let tag = at + offset;
        let after = tag + 2 + name.len();
        if bytes.len() >= after
            && bytes[tag + 2..after].eq_ignore_ascii_case(name.as_bytes())
            && bytes
                .get(after)
                .is_none_or(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>'))
        {
            return tag;
        }
        at = tag + 2;
    }
    bytes.len()
}

/// A tag's lowercased name (starting at `from`, just after `<` or `</`) and the index after its
/// closing `>`, following the tokenizer's attribute states so that a `>` inside a quoted value
/// does not end the tag.
fn tag(bytes: &[u8], from: usize) -> (String, usize) {
    let name_end = bytes[from..]
        .iter()
        .position(|&b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>'))
        .map_or(bytes.len(), |offset| from + offset);
    let name = String::from_utf8_lossy(&bytes[from..name_end]).to_ascii_lowercase();
    let mut at = name_end;
    // Whether the next non-space byte begins an attribute value (after `=`).
    let mut value_next = false;
    while at < bytes.len() {
        let b = bytes[at];
        match b {
            b'>' => return (name, at + 1),
            b'=' if !value_next => {
                value_next = true;
                at += 1;
            }
            b if b.is_ascii_whitespace() => at += 1,
            b'"' | b'\'' if value_next => {
                at = after_byte(bytes, at + 1, b);
                value_next = false;
            }
            _ if value_next => {
                // An unquoted value runs to whitespace or `>`.
                at = bytes[at..]
                    .iter()
                    .position(|&b| b.is_ascii_whitespace() || b == b'>')
                    .map_or(bytes.len(), |offset| at + offset);
                value_next = false;
            }
            _ => {
                // An attribute name (or `/`) runs to whitespace, `/`, `>` or `=`.
                at += 1 + bytes[at + 1..]
                    .iter()
                    .position(|&b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>' | b'='))
                    .unwrap_or(bytes.len() - at - 1);
            }
        }
    }
    (name, bytes.len())
}

/// The deepest nesting of elements in `html`, estimated in one pass: never less than the parser
/// builds (see the [module documentation](self)), often more for careless markup.
pub fn max_depth(html: &str) -> usize {
    let mut scanner = Scanner::new(html);
    let mut open: HashMap<String, usize> = HashMap::new();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    while let Some((piece, _)) = scanner.next_piece() {
        match piece {
            Piece::Start(name) => {
                if VOID.contains(&name.as_str()) || OPTIONAL_END.contains(&name.as_str()) {
                    continue;
                }
                // `<div/>` still opens a div in HTML: the slash is ignored.
                *open.entry(name).or_default() += 1;
                depth += 1;
                deepest = deepest.max(depth);
            }
            Piece::End(name) => {
                if let Some(count) = open.get_mut(&name).filter(|count| **count > 0) {
                    *count -= 1;
                    depth -= 1;
                }
            }
            Piece::Text | Piece::Other => {}
        }
    }
    deepest
}

/// Block elements whose tags become line breaks when the markup is dropped.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// `html` without its markup: tags, comments and raw-text content (`script`, `style`, …)
/// removed, block tags turned into line breaks, and every `<` left escaped as `&lt;`, so that
/// the parser reads it as text with entities, in time linear in its length.
pub fn without_markup(html: &str) -> Cow<'_, str> {
    let mut scanner = Scanner::new(html);
    let mut out = String::with_capacity(html.len());
    let mut from = 0;
    let mut in_raw_text = false;
    while let Some((piece, end)) = scanner.next_piece() {
        let chunk = &html[from..end];
        match piece {
            // Raw text is a script or a style sheet; `title` and `textarea` lose little.
            Piece::Text if in_raw_text => {}
            Piece::Text => out.push_str(&chunk.replace('<', "&lt;")),
            Piece::Start(name) | Piece::End(name) => {
                if BLOCK.contains(&name.as_str()) {
                    out.push('\n');
                }
            }
            Piece::Other => {}
        }
        in_raw_text = scanner.raw_text.is_some();
        from = end;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_open_elements() {
        assert_eq!(max_depth("<div><div><b>x</b></div><div>y</div></div>"), 3);
        assert_eq!(max_depth("<p>a<p>b<li>c<br><img src=x><td>d"), 0);
        assert_eq!(max_depth(&"<div>".repeat(1000)), 1000);
    }

    #[test]
    fn markup_the_tokenizer_skips_does_not_close_anything() {
        // End tags inside a quoted value, a comment or a script are not end tags.
        for hidden in [
            "<div title=\"></div>\">",
            "<div title='></div>'>",
            "<div><!-- </div> -->",
            "<div><script></div></script>",
            "<div><style>a</div></style>",
        ] {
            let depth = max_depth(&hidden.repeat(50));
            assert!(depth >= 50, "{hidden}: {depth}");
        }
        // A closed comment or script hides nothing after it.
        assert_eq!(max_depth("<div><!-- x --></div><script>x</script>"), 1);
        assert_eq!(max_depth("<div><!-- x --!></div>"), 1);
    }

    #[test]
    fn stray_end_tags_do_not_lower_the_depth() {
        let html = "<div></span></b></p>".repeat(100);
        assert_eq!(max_depth(&html), 100);
    }

    #[test]
    fn markup_is_dropped_and_text_kept() {
        let text = without_markup(
            "<div>Hi &amp; bye<script>alert('<b>')</script><style>p{}</style><!-- c --></div>\
             <p>a < b</p>",
        );
        assert_eq!(text, "\nHi &amp; bye\n\na &lt; b\n");
    }
}
