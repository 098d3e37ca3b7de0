//! Guard for the HTML stage: how deeply a body nests its elements, read in one linear pass
//! before html5ever builds a tree of it, and a tag-free fallback for bodies that nest too deep.
//!
//! html5ever's tree builder checks "is there a `p` in button scope?" and the like by walking its
//! stack of open elements for each `<div>`, `<p>`, `<ul>`, `<blockquote>`, …, so a body that
//! opens thousands of them without closing any costs time quadratic in its length: 160 kB of
//! `<ul><li>` took 4.6 seconds, a 1 MB body minutes. Real mail nests a few dozen levels.
//!
//! The pass is html5ever's own tokenizer, which is linear, without the tree builder: quoted
//! attribute values, comments and the raw text of `script`, `style` and the like are read
//! exactly as the parser will read them. On its tags the estimate never sees *fewer* open
//! elements than the parser builds: an end tag closes only an element of its name that is
//! open, and elements whose end tag is optional (`p`, `li`, `td`, …) are not counted, since
//! they close each other instead of nesting (their parents, `ul` or `table`, are counted).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

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

/// The tokenizer state a start tag switches to, as the tree builder would switch it: the
/// content of these elements is text up to their own end tag (`plaintext`: to the end).
fn raw_text(name: &str) -> Option<TokenSinkResult<()>> {
    let kind = match name {
        "script" => RawKind::ScriptData,
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => RawKind::Rawtext,
        "textarea" | "title" => RawKind::Rcdata,
        "plaintext" => return Some(TokenSinkResult::Plaintext),
        _ => return None,
    };
    Some(TokenSinkResult::RawData(kind))
}

/// What one pass of the tokenizer finds: the deepest nesting, and, when asked for, the text
/// without markup.
#[derive(Default)]
struct Reader {
    /// Open elements by name.
    open: RefCell<HashMap<String, usize>>,
    depth: Cell<usize>,
    deepest: Cell<usize>,
    /// The text, escaped again for the parser, block tags as line breaks.
    text: Option<RefCell<String>>,
    /// Inside a script, style sheet or the like, whose text is dropped.
    in_raw_text: Cell<bool>,
}

impl Reader {
    fn read(html: &str, keep_text: bool) -> Reader {
        let reader = Reader {
            text: keep_text.then(|| RefCell::new(String::with_capacity(html.len()))),
            ..Reader::default()
        };
        let tokenizer = Tokenizer::new(reader, TokenizerOpts::default());
        let input = BufferQueue::default();
        input.push_back(StrTendril::from_slice(html));
        // The sink never asks the tokenizer to stop for a script, so one feed reads it all.
        let _ = tokenizer.feed(&input);
        tokenizer.end();
        tokenizer.sink
    }

    fn line_break(&self, name: &str) {
        if let Some(text) = &self.text {
            if BLOCK.contains(&name) {
                text.borrow_mut().push('\n');
            }
        }
    }
}

impl TokenSink for Reader {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                self.line_break(name);
                match tag.kind {
                    TagKind::StartTag => {
                        // `<div/>` still opens a div in HTML: the slash is ignored.
                        if !VOID.contains(&name) && !OPTIONAL_END.contains(&name) {
                            *self.open.borrow_mut().entry(name.to_owned()).or_default() += 1;
                            self.depth.set(self.depth.get() + 1);
                            self.deepest.set(self.deepest.get().max(self.depth.get()));
                        }
                        if let Some(state) = raw_text(name) {
                            self.in_raw_text.set(true);
                            return state;
                        }
                    }
                    TagKind::EndTag => {
                        self.in_raw_text.set(false);
                        let mut open = self.open.borrow_mut();
                        if let Some(count) = open.get_mut(name).filter(|count| **count > 0) {
                            *count -= 1;
                            self.depth.set(self.depth.get() - 1);
                        }
                    }
                }
            }
            Token::CharacterTokens(characters) if !self.in_raw_text.get() => {
                if let Some(text) = &self.text {
                    let mut text = text.borrow_mut();
                    for c in characters.chars() {
                        match c {
                            '&' => text.push_str("&amp;"),
                            '<' => text.push_str("&lt;"),
                            c => text.push(c),
                        }
                    }
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The deepest nesting of elements in `html`, estimated in one pass: never less than the parser
/// builds (see the [module documentation](self)), often more for careless markup.
pub fn max_depth(html: &str) -> usize {
    Reader::read(html, false).deepest.get()
}

/// `html` without its markup: tags, comments and raw-text content (`script`, `style`, …)
/// removed, block tags turned into line breaks, and the text escaped again (`&amp;`, `&lt;`),
/// so that the parser reads it as text, in time linear in its length.
pub fn without_markup(html: &str) -> Cow<'_, str> {
    let text = Reader::read(html, true).text.unwrap_or_default();
    Cow::Owned(text.into_inner())
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
