//! Message cleaning before classification: HTML → text, quoted thread and signature dropped.
//!
//! Help desks hand over what the customer's mail client sent: HTML bodies, the whole earlier
//! thread under (or above) the new text, signatures and "Sent from my iPhone" footers. The model
//! was trained on the customer's own words, and every quoted line dilutes them, so a cancel
//! request with a quoted thread under it scores lower than the bare request.
//!
//! The stages, one file each:
//! 1. [`html`] (feature `clean`): detect HTML, drop quote and signature blocks from the DOM
//!    (`blockquote`, `.gmail_quote`, `#divRplyFwdMsg` and what follows it, …), render the rest
//!    as plain text.
//! 2. [`quote`]: drop quoted lines and everything below a quote header ("On … wrote:" and its
//!    German, French, Spanish, Dutch, Italian, Portuguese and Scandinavian forms, Outlook header
//!    blocks, forward markers), keeping new text written below a `>`-quoted block
//!    (bottom-posting).
//! 3. [`signature`]: cut at the `-- ` delimiter, drop mobile footers ("Sent from my iPhone").
//!
//! Cleaning never loses a message: when the stages would leave no words (a bare forward, a
//! message that is all quote), [`CleanedMessage::kept_whole`] is set and the whole message, still
//! without markup, is returned instead.

#[cfg(feature = "clean")]
pub mod html;
#[cfg(feature = "clean")]
mod nesting;
pub mod quote;
pub mod signature;

use std::borrow::Cow;

use serde::Serialize;

/// A message ready for classification, and what was taken out of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CleanedMessage {
    /// The customer's new text: plain text, lines trimmed, one blank line at most between
    /// paragraphs, none at either end.
    pub text: String,
    /// The input was HTML and has been rendered as text.
    pub was_html: bool,
    /// A quoted reply thread, forwarded message or `>` lines were removed.
    pub removed_quote: bool,
    /// A signature (after `-- `, or a client's signature block) or a mobile footer was removed.
    pub removed_signature: bool,
    /// Removing quotes and signatures would have left no words, so `text` is the whole message
    /// (rendered as text if it was HTML; the raw input if even the rendering had no words). The
    /// two `removed_*` flags are then false.
    pub kept_whole: bool,
}

impl CleanedMessage {
    /// Whether cleaning changed anything the classifier would see beyond whitespace.
    pub fn changed(&self) -> bool {
        self.was_html || self.removed_quote || self.removed_signature
    }
}

/// Cleans a message body that may be HTML: see the [module documentation](self).
///
/// Never fails and never returns empty text for input that has letters or digits.
#[cfg(feature = "clean")]
pub fn clean_message(raw: &str) -> CleanedMessage {
    if !html::looks_like_html(raw) {
        return clean_text(raw);
    }
    let rendered = html::render(raw, html::Prune::QuotesAndSignatures);
    let (text, line_quote, line_signature) = strip_lines(&rendered.text);
    if has_words(&text) {
        return CleanedMessage {
            text,
            was_html: true,
            removed_quote: rendered.removed_quote || line_quote,
            removed_signature: rendered.removed_signature || line_signature,
            kept_whole: false,
        };
    }
    let whole = tidy(&html::render(raw, html::Prune::Nothing).text);
    whole_message(raw, whole, true)
}

/// Cleans a plain-text message body (the quote and signature stages only; no HTML handling).
///
/// Never fails and never returns empty text for input that has letters or digits.
pub fn clean_text(raw: &str) -> CleanedMessage {
    let (text, removed_quote, removed_signature) = strip_lines(raw);
    if has_words(&text) {
        return CleanedMessage {
            text,
            was_html: false,
            removed_quote,
            removed_signature,
            kept_whole: false,
        };
    }
    whole_message(raw, tidy(raw), false)
}

/// Runs the line stages on plain text; returns the tidied text and what they removed.
fn strip_lines(text: &str) -> (String, bool, bool) {
    let text = unify_whitespace(text);
    let quoted = quote::strip_quotes(&text);
    let signed = signature::strip_signature(&quoted.text);
    (tidy(&signed.text), quoted.removed, signed.removed)
}

/// The fallback when stripping left no words: the whole message, or the raw input when even
/// the whole rendering has none (markup whose only letters were in tag names, say).
fn whole_message(raw: &str, whole: String, was_html: bool) -> CleanedMessage {
    let text = if has_words(&whole) || !has_words(raw) {
        whole
    } else {
        raw.trim().to_owned()
    };
    CleanedMessage {
        kept_whole: has_words(&text),
        text,
        was_html,
        removed_quote: false,
        removed_signature: false,
    }
}

/// Whether `text` has anything a classifier could use.
fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// Line endings to `\n` (CR, and the Unicode line and paragraph separators, NEL, vertical tab
/// and form feed, which `str::lines` does not split on); no-break and zero-width spaces (which
/// HTML mail is full of) and the invisible left-to-right and right-to-left marks (which clients
/// put before a reply header in right-to-left mail) to plain spaces or nothing, so the line
/// patterns see ordinary text.
fn unify_whitespace(text: &str) -> Cow<'_, str> {
    const ODD: [char; 14] = [
        '\r', '\u{a0}', '\u{202f}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{feff}', '\u{200e}',
        '\u{200f}', '\u{2028}', '\u{2029}', '\u{85}', '\u{b}', '\u{c}',
    ];
    // Most messages have none of these; skip the copy.
    if !text.contains(ODD) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{b}' | '\u{c}' => out.push('\n'),
            '\u{a0}' | '\u{202f}' => out.push(' '),
            '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' | '\u{200e}' | '\u{200f}' => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Spaces off both ends of every line (indentation means nothing to the classifier), runs of
/// blank lines folded to one, blank lines at both ends dropped.
fn tidy(text: &str) -> String {
    let text = unify_whitespace(text);
    let mut out = String::with_capacity(text.len());
    let mut blank_run = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank_run = false;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_folds_blank_runs_and_trims_ends() {
        assert_eq!(tidy("\n\n  \nHi  \r\n\n\n\nthere\t\n\n"), "Hi\n\nthere");
    }

    #[test]
    fn unify_whitespace_handles_cr_nbsp_and_zero_width() {
        assert_eq!(unify_whitespace("a\rb\r\nc\u{a0}d\u{200b}e"), "a\nb\nc de");
    }

    #[test]
    fn unicode_line_separators_and_direction_marks_do_not_hide_a_quoted_thread() {
        // `str::lines` splits on neither; the thread and its order number used to be kept as
        // the customer's new text.
        for separator in [
            "\u{2028}",
            "\u{2029}",
            "\u{85}",
            "\u{b}",
            "\u{c}",
            "\n\u{200f}",
        ] {
            let raw = format!(
                "Cancel it please{separator}On Mon, 3 Jun 2024 at 10:12, Shop <help@shop.com> \
                 wrote:{separator}> Your order #2002 has shipped"
            );
            let cleaned = clean_text(&raw);
            assert_eq!(cleaned.text, "Cancel it please", "{separator:?}");
            assert!(cleaned.removed_quote, "{separator:?}");
        }
    }

    #[test]
    fn plain_text_without_quotes_is_only_tidied() {
        let cleaned = clean_text("  I'd like to cancel please.  \n");
        assert_eq!(cleaned.text, "I'd like to cancel please.");
        assert!(!cleaned.changed() && !cleaned.kept_whole);
    }

    #[test]
    fn a_message_that_is_only_a_quote_is_kept_whole() {
        let cleaned = clean_text("> where is my order?\n> thanks");
        assert_eq!(cleaned.text, "> where is my order?\n> thanks");
        assert!(cleaned.kept_whole);
        assert!(!cleaned.removed_quote);
    }

    #[test]
    fn empty_and_wordless_input_stays_as_it_is() {
        assert_eq!(clean_text("").text, "");
        assert!(!clean_text("").kept_whole);
        assert_eq!(clean_text(" ?! ").text, "?!");
    }

    #[cfg(feature = "clean")]
    #[test]
    fn html_without_quotes_is_rendered() {
        let cleaned = clean_message("<p>Where is my <b>dress</b>?</p>");
        assert_eq!(cleaned.text, "Where is my dress?");
        assert!(cleaned.was_html && !cleaned.removed_quote && !cleaned.kept_whole);
    }

    #[cfg(feature = "clean")]
    #[test]
    fn markup_without_text_falls_back_to_the_raw_input() {
        let cleaned = clean_message("<b></b>");
        assert_eq!(cleaned.text, "<b></b>");
        assert!(cleaned.kept_whole && cleaned.was_html);
    }
}
