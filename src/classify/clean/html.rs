//! Cleaning stage: HTML mail bodies to plain text, with quote and signature blocks dropped from
//! the DOM first.
//!
//! Mail clients mark their quotes in the markup, which is more reliable than guessing from the
//! rendered text: Gmail wraps the thread in `div.gmail_quote`, Apple Mail and Thunderbird in
//! `blockquote type="cite"` (Thunderbird's header line in `div.moz-cite-prefix`), Yahoo in
//! `div.yahoo_quoted`, Proton in `div.protonmail_quote`; Outlook puts an empty
//! `div#appendonsend` and a `div#divRplyFwdMsg` header *above* the quoted body, which follows as
//! sibling elements, so everything after those markers goes. The line stages then catch what
//! clients leave unmarked (Outlook desktop's Word-generated header block, for one).
//!
//! Rendering is html2text's: entities decoded, block elements and `<br>` as line breaks,
//! scripts, styles and the head dropped, tables read cell by cell.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::LazyLock;

use html2text::render::PlainDecorator;
use html2text::{Element, Handle, RcDom};
use regex::Regex;

use super::nesting;

/// What [`render`] should drop before rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prune {
    /// Quote and signature blocks.
    QuotesAndSignatures,
    /// Nothing: the whole message as text.
    Nothing,
}

/// Text rendered from HTML, and what was dropped on the way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    /// The plain text; empty if the markup had none (or html2text could not render it).
    pub text: String,
    /// A quote block was dropped.
    pub removed_quote: bool,
    /// A signature block was dropped.
    pub removed_signature: bool,
}

/// A tag that mail bodies use and plain text almost never contains. `<j@x.com>` and
/// "<5 items" are not tags.
static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)<(?:!doctype\s+html|html|head|body|meta|style|div|p|br|span|table|tr|td|b|i|u|strong|em|a|font|blockquote|ul|ol|li|h[1-6]|img|hr|center|pre)(?:\s[^<>]*)?/?>",
    )
    .expect("HTML tag pattern compiles")
});

/// Whether `raw` is an HTML body rather than plain text.
pub fn looks_like_html(raw: &str) -> bool {
    raw.contains('<') && HTML_TAG.is_match(raw)
}

/// Rendering width: wide enough that html2text never wraps a paragraph, so the line stages see
/// one line per paragraph (and reply headers unbroken).
const WIDTH: usize = 100_000;

/// Deeper than this the DOM is not searched for quote blocks (a crafted body could nest
/// elements far enough to exhaust the stack otherwise); real mail nests a few dozen levels.
const MAX_PRUNE_DEPTH: usize = 200;

/// Renders `raw` as plain text, dropping quote and signature blocks first if asked.
///
/// A body nested deeper than 256 levels is rendered without its markup (text and entities only,
/// nothing pruned): parsed as it is, it would take time quadratic in its length.
pub fn render(raw: &str, prune: Prune) -> Rendered {
    let config = html2text::config::plain_no_decorate()
        .raw_mode(true)
        .allow_width_overflow();
    let Ok(dom) = config.parse_html(parser_input(raw).as_bytes()) else {
        return Rendered::default();
    };
    let mut rendered = Rendered::default();
    if prune == Prune::QuotesAndSignatures {
        prune_children(&dom.document, 0, &mut rendered);
    }
    drop_table_spans(&dom.document);
    rendered.text = render_dom(&config, &dom)
        .or_else(|| {
            // html2text lays tables out even in raw mode, which is where its panics have been;
            // without tables the same text renders, with cells run together.
            flatten_tables(&dom.document);
            render_dom(&config, &dom)
        })
        .unwrap_or_default();
    rendered
}

/// What html5ever parses: `raw`, or `raw` without its markup when it nests deeper than
/// [`nesting::MAX_NESTING`] (see the [`nesting`] module).
fn parser_input(raw: &str) -> Cow<'_, str> {
    // Every element opens with a `<`: a body with few of them (most replies) cannot nest too
    // deep, and is not tokenized twice.
    let tags_at_most = raw.bytes().filter(|&b| b == b'<').count();
    if tags_at_most > nesting::MAX_NESTING && nesting::max_depth(raw) > nesting::MAX_NESTING {
        nesting::without_markup(raw)
    } else {
        Cow::Borrowed(raw)
    }
}

/// html2text's rendering of `dom`, or `None` if it failed or panicked. html2text 0.17 has
/// panicked on table shapes (rowspan="0", its issue #274; 0.17.4 still unwraps a missing column
/// for some colspan/rowspan mixes, which [`drop_table_spans`] avoids by removing them);
/// a message must not take its caller down, so a panic is caught here. The default panic hook
/// still reports it on standard error, which is how we would hear of a new one. Unwinding
/// releases the DOM's RefCell borrows, so the DOM stays usable.
fn render_dom(config: &html2text::config::Config<PlainDecorator>, dom: &RcDom) -> Option<String> {
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        config
            .dom_to_render_tree(dom)
            .and_then(|tree| config.render_to_string(tree, WIDTH))
    }))
    .ok()?
    .ok()
}

/// Removes `colspan` and `rowspan` everywhere: html2text's table layout panics on some
/// combinations of them, and a table read cell by cell (raw mode) has no use for them.
fn drop_table_spans(document: &Handle) {
    let mut stack = vec![document.clone()];
    while let Some(node) = stack.pop() {
        if let Element { attrs, .. } = &node.data {
            attrs
                .borrow_mut()
                .retain(|a| !matches!(&*a.name.local, "colspan" | "rowspan"));
        }
        stack.extend(node.children.borrow().iter().cloned());
    }
}

/// Replaces every table element by its children, everywhere below `document`. Iterative, so
/// no nesting depth overflows the stack.
fn flatten_tables(document: &Handle) {
    const TABLE_PARTS: [&str; 9] = [
        "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "td",
    ];
    let is_table_part = |node: &Handle| {
        matches!(&node.data, Element { name, .. }
            if TABLE_PARTS.contains(&&*name.local) || &*name.local == "th")
    };
    let mut stack = vec![document.clone()];
    while let Some(node) = stack.pop() {
        let mut pending: VecDeque<Handle> = node.children.borrow().iter().cloned().collect();
        let mut kept = Vec::with_capacity(pending.len());
        while let Some(child) = pending.pop_front() {
            if is_table_part(&child) {
                for grandchild in child.children.borrow().iter().rev() {
                    pending.push_front(grandchild.clone());
                }
            } else {
                kept.push(child);
            }
        }
        stack.extend(kept.iter().cloned());
        *node.children.borrow_mut() = kept;
    }
}

/// What an element is to the cleaner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A quoted message: drop it.
    Quote,
    /// Outlook's marker: drop it and everything after it in document order.
    ThreadFollows,
    /// A client's signature block: drop it.
    Signature,
    /// Anything else: keep it and look inside.
    Content,
}

/// Drops quote and signature blocks below `node`. Returns true when an Outlook marker was met,
/// so that the caller drops the siblings after `node` as well (the quoted body follows the
/// marker, possibly outside the element that holds it).
fn prune_children(node: &Handle, depth: usize, rendered: &mut Rendered) -> bool {
    if depth > MAX_PRUNE_DEPTH {
        return false;
    }
    let children = node.children.borrow().clone();
    let mut kept = Vec::with_capacity(children.len());
    let mut thread_follows = false;
    for child in children {
        if thread_follows {
            rendered.removed_quote = true;
            continue;
        }
        match role(&child) {
            Role::Quote => rendered.removed_quote = true,
            Role::Signature => rendered.removed_signature = true,
            Role::ThreadFollows => {
                rendered.removed_quote = true;
                thread_follows = true;
                // Outlook draws a rule above its reply header.
                if kept.last().is_some_and(|last| is_element(last, "hr")) {
                    kept.pop();
                }
            }
            Role::Content => {
                thread_follows = prune_children(&child, depth + 1, rendered);
                kept.push(child);
            }
        }
    }
    *node.children.borrow_mut() = kept;
    thread_follows
}

fn role(node: &Handle) -> Role {
    let Element { name, attrs, .. } = &node.data else {
        return Role::Content;
    };
    if &*name.local == "blockquote" {
        return Role::Quote;
    }
    let attrs = attrs.borrow();
    let attr = |wanted: &str| {
        attrs
            .iter()
            .find(|a| &*a.name.local == wanted)
            .map(|a| &*a.value)
    };
    if let Some(id) = attr("id") {
        // Outlook prefixes ids with `x_` when the message is quoted again.
        match id.strip_prefix("x_").unwrap_or(id) {
            "appendonsend" | "divRplyFwdMsg" | "stopSpelling" => return Role::ThreadFollows,
            "Signature" | "ms-outlook-mobile-signature" | "AppleMailSignature" => {
                return Role::Signature
            }
            _ => {}
        }
    }
    for class in attr("class").unwrap_or_default().split_ascii_whitespace() {
        match class {
            "gmail_quote"
            | "gmail_quote_container"
            | "yahoo_quoted"
            | "moz-cite-prefix"
            | "moz-forward-container"
            | "protonmail_quote"
            | "OutlookMessageHeader" => return Role::Quote,
            "gmail_signature" | "moz-signature" => return Role::Signature,
            _ => {}
        }
    }
    Role::Content
}

fn is_element(node: &Handle, tag: &str) -> bool {
    matches!(&node.data, Element { name, .. } if &*name.local == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &str) -> String {
        render(raw, Prune::QuotesAndSignatures).text
    }

    #[test]
    fn detects_html_but_not_angle_brackets_in_plain_text() {
        assert!(looks_like_html("<p>Hi</p>"));
        assert!(looks_like_html("Hi<br>there"));
        assert!(looks_like_html("<DIV dir=\"ltr\">Hi</DIV>"));
        assert!(!looks_like_html("Jane <jane@x.com> wrote:"));
        assert!(!looks_like_html("orders <5 or >10"));
        assert!(!looks_like_html("the <b-side> record"));
    }

    #[test]
    fn entities_breaks_and_paragraphs_become_text() {
        assert_eq!(
            text("<p>Tom &amp; Jerry&nbsp;&lt;3</p><p>line<br>break</p>").trim(),
            "Tom & Jerry\u{a0}<3\n\nline\nbreak"
        );
    }

    #[test]
    fn scripts_styles_and_head_are_dropped() {
        let out = text(
            "<html><head><title>T</title><style>p{color:red}</style></head>\
             <body><script>alert(1)</script><p>Hi</p></body></html>",
        );
        assert_eq!(out.trim(), "Hi");
    }

    #[test]
    fn outlook_marker_drops_what_follows_even_outside_its_parent() {
        let raw = "<div><p>Cancel please</p><div id=\"appendonsend\"></div></div>\
                   <hr><div id=\"divRplyFwdMsg\"><b>From:</b> Shop</div><div>old text</div>";
        let rendered = render(raw, Prune::QuotesAndSignatures);
        assert_eq!(rendered.text.trim(), "Cancel please");
        assert!(rendered.removed_quote && !rendered.removed_signature);
    }

    #[test]
    fn signature_blocks_are_dropped_and_reported() {
        let rendered = render(
            "<div>Hi</div><div class=\"gmail_signature\">Jane</div>",
            Prune::QuotesAndSignatures,
        );
        assert_eq!(rendered.text.trim(), "Hi");
        assert!(rendered.removed_signature && !rendered.removed_quote);
    }

    #[test]
    fn nothing_is_pruned_when_asked_for_the_whole_message() {
        let raw = "<p>Hi</p><blockquote>old</blockquote>";
        let rendered = render(raw, Prune::Nothing);
        assert!(rendered.text.contains("old") && !rendered.removed_quote);
    }

    #[test]
    fn table_spans_that_made_html2text_panic_render() {
        // Found by fuzzing: html2text 0.17.4 unwraps a missing column here.
        let raw = "<table><td colspan=\"1000\"><dd>x<td colspan=\"1000\"><td rowspan=\"99999\">\
                   <td colspan=\"0\">where is my order";
        let out = text(raw);
        assert!(
            out.contains('x') && out.contains("where is my order"),
            "{out:?}"
        );
    }

    #[test]
    fn flattened_tables_keep_their_text_in_order() {
        let config = html2text::config::plain_no_decorate();
        let dom = config
            .parse_html(
                "<p>Hi</p><table><tr><td>a</td><td><table><tr><th>b</th></tr></table></td></tr>\
                 </table><p>end</p>"
                    .as_bytes(),
            )
            .unwrap();
        flatten_tables(&dom.document);
        let out = render_dom(&config, &dom).unwrap();
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>(),
            ["Hi", "ab", "end"]
        );
    }

    /// The deepest element of `dom`, counted iteratively.
    fn dom_depth(dom: &RcDom) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(dom.document.clone(), 0)];
        while let Some((node, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            stack.extend(
                node.children
                    .borrow()
                    .iter()
                    .map(|c| (c.clone(), depth + 1)),
            );
        }
        deepest
    }

    #[test]
    fn deeply_nested_bodies_reach_the_parser_without_their_markup() {
        // html5ever walks its stack of open elements for every block tag, so a deep tree costs
        // time quadratic in its length: what it is given must stay shallow.
        let config = html2text::config::plain_no_decorate();
        for raw in [
            format!("{}where is my order", "<ul><li>".repeat(20_000)),
            format!("{}where is my order", "<blockquote>".repeat(20_000)),
            format!(
                "{}where is my order",
                "<div title=\"></div>\">".repeat(20_000)
            ),
            format!("{}where is my order", "<div><!-- </div> -->".repeat(20_000)),
        ] {
            let dom = config.parse_html(parser_input(&raw).as_bytes()).unwrap();
            let depth = dom_depth(&dom);
            assert!(depth <= nesting::MAX_NESTING, "{depth}");
            let out = text(&raw);
            assert!(out.contains("where is my order"), "{out:?}");
        }
        // Ordinary mail is parsed as it is, quotes pruned.
        let raw = format!("{}new<blockquote>old</blockquote>", "<div>".repeat(40));
        assert_eq!(parser_input(&raw), raw);
        assert_eq!(text(&raw).trim(), "new");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let raw = format!("{}x{}", "<div>".repeat(20_000), "</div>".repeat(20_000));
        assert!(render(&raw, Prune::QuotesAndSignatures).text.contains('x'));
    }
}
