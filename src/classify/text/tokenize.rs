//! Stage 2: splitting normalised text into words (UAX #29) and masked spans.

use unicode_segmentation::UnicodeSegmentation;

use super::mask::{is_trailing_wrap, mask_chunk, mask_word, trim_wrapping, Placeholder};

/// One unit of analysed text, before stemming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// A word as written (normalised, not yet stemmed).
    Word(&'a str),
    /// A span replaced by a placeholder.
    Masked(Placeholder),
}

/// Calls `emit` for every token of `normalized` in order.
///
/// Whitespace-delimited chunks are checked for e-mails, URLs, `#1234`, money and dates first,
/// because UAX #29 segmentation would cut those into meaningless pieces; everything else is
/// segmented into words, and words containing digits are masked.
pub fn tokenize<'a>(normalized: &'a str, mut emit: impl FnMut(Token<'a>)) {
    // An ASCII scan finds the chunks between ASCII whitespace without decoding characters.
    // A chunk holding non-ASCII text (or a vertical tab, the one ASCII character only Unicode
    // calls space) may still hold Unicode whitespace, so only such chunks take the Unicode
    // splitter: most words of a message with one accent or curly quote stay on the fast path.
    let mut previous = None;
    for_each_ascii_chunk(normalized, |chunk, shape| match shape {
        ChunkShape::LowercaseLetters { letters } => {
            // Most chunks: one word, with at most trailing punctuation to trim, and nothing to
            // segment or mask.
            let word = &chunk[..letters];
            emit(Token::Word(word));
            previous = Some(word);
        }
        ChunkShape::OtherAscii => tokenize_chunk(chunk, &mut previous, &mut emit),
        ChunkShape::MaySplitFurther => {
            for piece in chunk.split_whitespace() {
                tokenize_chunk(piece, &mut previous, &mut emit);
            }
        }
    });
}

/// What a chunk between ASCII whitespace is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkShape {
    /// Lowercase ASCII letters (its first `letters` bytes, at least one), then nothing but
    /// punctuation that [`trim_wrapping`] drops from the end ("order", "hi,", "it?!"): one
    /// plain word.
    LowercaseLetters { letters: usize },
    /// Other ASCII, without vertical tab: one whitespace-delimited chunk.
    OtherAscii,
    /// Non-ASCII or a vertical tab: may hold Unicode whitespace.
    MaySplitFurther,
}

/// Calls `visit` with each chunk of `text` between ASCII whitespace (as
/// `split_ascii_whitespace` finds them) and its [`ChunkShape`].
///
/// One pass computes both, instead of a split, a trim and a word check each scanning the
/// chunk: every scan ends on a branch the processor cannot predict, and on varied messages
/// those mispredictions cost more than the instructions.
fn for_each_ascii_chunk<'a>(text: &'a str, mut visit: impl FnMut(&'a str, ChunkShape)) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if BYTE_CLASS[usize::from(bytes[at])] & ASCII_SPACE != 0 {
            at += 1;
            continue;
        }
        let start = at;
        // Two tight loops, one table lookup per byte: the leading run of lowercase letters
        // (most of most chunks), then the classes every later byte shares.
        while at < bytes.len() && BYTE_CLASS[usize::from(bytes[at])] & LOWERCASE_LETTER != 0 {
            at += 1;
        }
        let letters = at - start;
        let mut after_letters = PLAIN_ASCII | TRAILING_PUNCTUATION;
        while at < bytes.len() {
            let class = BYTE_CLASS[usize::from(bytes[at])];
            if class & ASCII_SPACE != 0 {
                break;
            }
            after_letters &= class;
            at += 1;
        }
        // Cutting at ASCII bytes always lands on a char boundary.
        let shape = if letters > 0 && after_letters & TRAILING_PUNCTUATION != 0 {
            ChunkShape::LowercaseLetters { letters }
        } else if after_letters & PLAIN_ASCII != 0 {
            ChunkShape::OtherAscii
        } else {
            ChunkShape::MaySplitFurther
        };
        visit(&text[start..at], shape);
    }
}

/// A byte `split_ascii_whitespace` splits at.
const ASCII_SPACE: u8 = 1;
/// `a`–`z`.
const LOWERCASE_LETTER: u8 = 2;
/// ASCII other than vertical tab, which only Unicode calls space.
const PLAIN_ASCII: u8 = 4;
/// Punctuation [`trim_wrapping`] drops from the end of a chunk.
const TRAILING_PUNCTUATION: u8 = 8;

/// The classes of every byte value.
static BYTE_CLASS: [u8; 256] = {
    let mut classes = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        if b.is_ascii_whitespace() {
            classes[byte] |= ASCII_SPACE;
        }
        if b.is_ascii_lowercase() {
            classes[byte] |= LOWERCASE_LETTER;
        }
        if b.is_ascii() && b != 0x0b {
            classes[byte] |= PLAIN_ASCII;
        }
        if is_trailing_wrap(b) {
            classes[byte] |= TRAILING_PUNCTUATION;
        }
        byte += 1;
    }
    classes
};

/// Tokens of one whitespace-delimited chunk; `previous` is the word before it, if any.
fn tokenize_chunk<'a>(
    raw: &'a str,
    previous: &mut Option<&'a str>,
    emit: &mut impl FnMut(Token<'a>),
) {
    let chunk = trim_wrapping(raw);
    if chunk.is_empty() {
        return;
    }
    if is_plain_word(chunk) {
        // Fast path: segmentation would return the chunk unchanged and no mask can apply.
        emit(Token::Word(chunk));
        *previous = Some(chunk);
        return;
    }
    if chunk == "#" {
        // "order # 1234": the number that follows is an order number.
        *previous = Some("#");
        return;
    }
    if let Some(placeholder) = mask_chunk(chunk) {
        emit(Token::Masked(placeholder));
        *previous = None;
        return;
    }
    // "order#1234", "ord#7781": words, then the order number glued to them.
    let (head, glued_order) = match chunk.find('#') {
        Some(at) if at > 0 && mask_chunk(&chunk[at..]) == Some(Placeholder::OrderNumber) => {
            (&chunk[..at], true)
        }
        _ => (chunk, false),
    };
    for word in head.unicode_words() {
        match mask_word(word, *previous) {
            Some(placeholder) => emit(Token::Masked(placeholder)),
            None => emit(Token::Word(word)),
        }
        *previous = Some(word);
    }
    if glued_order {
        emit(Token::Masked(Placeholder::OrderNumber));
        *previous = None;
    }
}

/// Whether `chunk` is one UAX #29 word that no mask applies to: ASCII letters, with apostrophes
/// only between two letters ("don't"). Rules WB5–WB7 keep such a chunk whole; anything else
/// (digits, other punctuation, non-ASCII) takes the general path.
fn is_plain_word(chunk: &str) -> bool {
    let bytes = chunk.as_bytes();
    !bytes.is_empty()
        && bytes.iter().enumerate().all(|(i, &b)| {
            b.is_ascii_lowercase()
                || (b == b'\''
                    && i > 0
                    && bytes[i - 1].is_ascii_lowercase()
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_agrees_with_uax29_segmentation() {
        let chunks = [
            "order",
            "don't",
            "where's",
            "rock'n'roll",
            "'quoted",
            "trailing'",
            "a''b",
            "it's'",
            "ab'1",
            "o'",
            "x",
            "e.g",
            "can't.",
            "naïve",
            "café",
            "3rd",
            "a-b",
            "a_b",
            "\u{200b}",
        ];
        for chunk in chunks {
            if is_plain_word(chunk) {
                let words: Vec<&str> = chunk.unicode_words().collect();
                assert_eq!(words, [chunk], "{chunk:?}");
                assert_eq!(mask_chunk(chunk), None);
                assert_eq!(mask_word(chunk, Some("order")), None);
            }
        }
        assert!(is_plain_word("don't"));
        assert!(!is_plain_word("a''b"));
        assert!(!is_plain_word("ab'1"));
        assert!(!is_plain_word("café"));
    }

    #[test]
    fn fast_path_covers_every_ascii_letter_and_apostrophe_shape() {
        // Exhaustive over short strings of {a, z, '}: the fast path never disagrees with
        // segmentation.
        let alphabet = ['a', 'z', '\''];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            strings = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            for s in &strings {
                if is_plain_word(s) {
                    assert_eq!(s.unicode_words().collect::<Vec<_>>(), [s.as_str()], "{s:?}");
                }
            }
        }
    }

    /// The reference: every chunk the Unicode splitter finds, tokenized alike.
    fn tokenize_chunks<'a>(chunks: impl Iterator<Item = &'a str>, mut emit: impl FnMut(Token<'a>)) {
        let mut previous: Option<&'a str> = None;
        for raw in chunks {
            tokenize_chunk(raw, &mut previous, &mut emit);
        }
    }

    /// The tokens of `text`, by the chunk scan (`fast`) or by the plain Unicode splitter.
    fn tokens_by(text: &str, fast: bool) -> Vec<String> {
        let mut out = Vec::new();
        let record = |token: Token| {
            out.push(match token {
                Token::Word(word) => word.to_owned(),
                Token::Masked(p) => p.token().to_owned(),
            })
        };
        if fast {
            tokenize(text, record);
        } else {
            tokenize_chunks(text.split_whitespace(), record);
        }
        out
    }

    /// Checks every string of up to `length` characters of `alphabet`.
    fn scan_agrees_with_the_unicode_splitter(alphabet: &[char], length: usize) {
        let mut strings = vec![String::new()];
        for _ in 0..length {
            strings = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            for text in &strings {
                assert_eq!(tokens_by(text, true), tokens_by(text, false), "{text:?}");
            }
        }
    }

    #[test]
    fn the_ascii_scan_tokenizes_as_the_chunk_splitter_does() {
        // Words, apostrophes, wrapping punctuation, order numbers, e-mail and money shapes,
        // every ASCII space.
        scan_agrees_with_the_unicode_splitter(
            &[
                'a', 'o', '\'', '#', '1', '.', ',', '?', '@', '$', '(', ' ', '\t', '\n', '\r',
                '\x0c',
            ],
            5,
        );
        // Non-ASCII letters, vertical tab and Unicode-only spaces beside ASCII ones: chunks
        // the scan must hand to the Unicode splitter.
        scan_agrees_with_the_unicode_splitter(
            &[
                'a', '\'', '#', '1', '@', ' ', '\x0b', 'é', '\u{a0}', '\u{2028}', '\u{3000}', '.',
            ],
            5,
        );
        for sentence in [
            "hi, where's order #1234?\tmail me: jo@example.com (or not) $5 ord#7781 1z999aa10123456784",
            "café\u{2003}order\u{a0}#1234 — naïve\u{3000}où est ma commande?",
        ] {
            assert_eq!(tokens_by(sentence, true), tokens_by(sentence, false));
        }
    }

    fn tokens(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        tokenize(text, |token| {
            out.push(match token {
                Token::Word(word) => word.to_owned(),
                Token::Masked(p) => p.token().to_owned(),
            })
        });
        out
    }

    #[test]
    fn words_are_segmented_and_punctuation_dropped() {
        assert_eq!(tokens("where's my stuff?!"), ["where's", "my", "stuff"]);
    }

    #[test]
    fn identifiers_are_masked_in_context() {
        assert_eq!(
            tokens("order #10234 to jane@example.com, tracking 1z999aa10123456784."),
            [
                "order",
                "__order_number__",
                "to",
                "__email__",
                "tracking",
                "__tracking_number__"
            ]
        );
        assert_eq!(
            tokens("order no. 55821 cost $49.99 on 12/04"),
            [
                "order",
                "no",
                "__order_number__",
                "cost",
                "__money__",
                "on",
                "__date__"
            ]
        );
    }

    #[test]
    fn hash_separated_or_glued_order_numbers_are_found() {
        assert_eq!(tokens("order # 4412"), ["order", "__order_number__"]);
        assert_eq!(tokens("ord#7781"), ["ord", "__order_number__"]);
    }

    #[test]
    fn degenerate_text_yields_nothing_and_does_not_panic() {
        assert!(tokens("").is_empty());
        assert!(tokens("   \n\t ").is_empty());
        assert!(tokens("😡😡 🙏").is_empty());
        assert!(tokens("... !!! ???").is_empty());
    }

    #[test]
    fn ascii_and_unicode_whitespace_split_alike() {
        assert_eq!(
            tokens("a\tb\nc\x0bd\x0ce\rf"),
            ["a", "b", "c", "d", "e", "f"]
        );
        assert_eq!(tokens("a\u{a0}b\u{2003}c"), ["a", "b", "c"]);
    }

    #[test]
    fn non_latin_words_survive() {
        assert_eq!(tokens("где мой заказ"), ["где", "мой", "заказ"]);
    }
}
