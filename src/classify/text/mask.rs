//! Stage 3: masking of identifiers and quantities into placeholder tokens.
//!
//! "Order #10234" and "order #55821" mean the same thing to the classifier; the number itself
//! only adds noise and a vocabulary entry that never recurs. Masking keeps the *kind* of thing the
//! customer wrote (an order number, a tracking number, an address) as a feature.

/// A kind of masked span. Its token never collides with a word because words cannot contain `_`
/// at both ends after segmentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placeholder {
    /// `#1234`, "order 1234", "order no. 1234".
    OrderNumber,
    /// Long digit runs and carrier-shaped identifiers (`1Z…`, `TBA…`, S10 `AB123456789US`).
    TrackingNumber,
    /// `name@example.com`.
    Email,
    /// `https://…`, `www.…`.
    Url,
    /// `$49.99`, `20€`.
    Money,
    /// `12/04`, `2024-03-01`, `03.04.2024`.
    Date,
    /// Any other number: quantities, short codes, ordinals, times.
    Number,
}

impl Placeholder {
    /// Every placeholder kind.
    pub const ALL: [Placeholder; 7] = [
        Placeholder::OrderNumber,
        Placeholder::TrackingNumber,
        Placeholder::Email,
        Placeholder::Url,
        Placeholder::Money,
        Placeholder::Date,
        Placeholder::Number,
    ];

    /// The token this placeholder stands for in the vocabulary.
    pub const fn token(self) -> &'static str {
        match self {
            Placeholder::OrderNumber => "__order_number__",
            Placeholder::TrackingNumber => "__tracking_number__",
            Placeholder::Email => "__email__",
            Placeholder::Url => "__url__",
            Placeholder::Money => "__money__",
            Placeholder::Date => "__date__",
            Placeholder::Number => "__number__",
        }
    }
}

const CURRENCY_SYMBOLS: &[char] = &['$', '€', '£', '¥', '₹', '₽', '₩', '₺'];

/// Words after which a short number is an order number ("order 1234", "order no 1234").
const ORDER_CUES: &[&str] = &["order", "orders", "ord", "no", "nr", "number", "num", "#"];

/// Whether [`trim_wrapping`] drops `b` from the end of a chunk.
pub const fn is_trailing_wrap(b: u8) -> bool {
    matches!(
        b,
        b'.' | b',' | b'!' | b'?' | b';' | b':' | b')' | b']' | b'}' | b'>' | b'"' | b'\'' | b'*'
    )
}

/// Strips punctuation that commonly wraps a token in prose: `(#1234).` → `#1234`.
pub fn trim_wrapping(chunk: &str) -> &str {
    // Byte-wise: every wrapping character is ASCII, so cutting at these positions always lands
    // on a char boundary, and it is several times faster than char patterns on the hot path.
    let leading = |b: &u8| matches!(b, b'(' | b'[' | b'{' | b'<' | b'"' | b'\'' | b'*' | b':');
    let trailing = |b: &u8| is_trailing_wrap(*b);
    let bytes = chunk.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !leading(b))
        .unwrap_or(bytes.len());
    let end = bytes[start..]
        .iter()
        .rposition(|b| !trailing(b))
        .map_or(start, |last| start + last + 1);
    &chunk[start..end]
}

/// Classifies a whitespace-delimited chunk that must be masked before word segmentation would
/// break it apart (e-mails, URLs, `#1234`, money, dates). `chunk` is normalised and trimmed.
pub fn mask_chunk(chunk: &str) -> Option<Placeholder> {
    if is_url(chunk) {
        Some(Placeholder::Url)
    } else if is_email(chunk) {
        Some(Placeholder::Email)
    } else if is_hash_number(chunk) {
        Some(Placeholder::OrderNumber)
    } else if is_money(chunk) {
        Some(Placeholder::Money)
    } else if is_date(chunk) {
        Some(Placeholder::Date)
    } else {
        None
    }
}

/// Classifies one segmented word that contains a digit. `previous` is the word before it, used
/// to recognise "order 1234".
pub fn mask_word(word: &str, previous: Option<&str>) -> Option<Placeholder> {
    let digits = word.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let alphanumeric = word.chars().all(|c| c.is_ascii_alphanumeric());
    let after_order_cue = previous.is_some_and(|p| ORDER_CUES.contains(&p));
    if alphanumeric && (digits >= 9 || (word.len() >= 10 && digits >= 8) || is_ups_shaped(word)) {
        Some(Placeholder::TrackingNumber)
    } else if after_order_cue && digits >= 3 {
        Some(Placeholder::OrderNumber)
    } else {
        Some(Placeholder::Number)
    }
}

fn is_ups_shaped(word: &str) -> bool {
    word.len() == 18 && word.starts_with("1z")
}

pub(crate) fn is_url(chunk: &str) -> bool {
    chunk.starts_with("http://") || chunk.starts_with("https://") || chunk.starts_with("www.")
}

pub(crate) fn is_email(chunk: &str) -> bool {
    match chunk.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.len() >= 3
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        }
        None => false,
    }
}

/// `#1234`, `#a-1932`: a hash followed by an identifier with at least one digit.
fn is_hash_number(chunk: &str) -> bool {
    let Some(rest) = chunk.strip_prefix('#') else {
        return false;
    };
    !rest.is_empty()
        && rest.bytes().any(|b| b.is_ascii_digit())
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_money(chunk: &str) -> bool {
    let amount = if let Some(rest) = chunk.strip_prefix(CURRENCY_SYMBOLS) {
        rest
    } else if let Some(rest) = chunk.strip_suffix(CURRENCY_SYMBOLS) {
        rest
    } else {
        return false;
    };
    let amount = amount.trim_end_matches(['k', 'm']);
    !amount.is_empty()
        && amount.starts_with(|c: char| c.is_ascii_digit())
        && amount
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
}

/// Numeric dates: `d/m`, `d/m/y`, `y-m-d`, `d.m.y`. Group lengths are checked so that
/// identifiers such as `113-1234567-1234567` are not taken for dates.
fn is_date(chunk: &str) -> bool {
    let separator = match chunk.bytes().find(|b| !b.is_ascii_digit()) {
        Some(sep @ (b'/' | b'-' | b'.')) => sep as char,
        _ => return false,
    };
    let groups: Vec<&str> = chunk.split(separator).collect();
    if !groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    match lengths.as_slice() {
        // "12/04" only with a slash: "12.04" is a decimal and "12-04" a range.
        [1..=2, 1..=2] => separator == '/',
        [1..=2, 1..=2, 2 | 4] | [4, 1..=2, 1..=2] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_that_segmentation_would_split_are_masked_whole() {
        let cases = [
            ("jane.doe+shop@example.co.uk", Some(Placeholder::Email)),
            ("https://track.example.com/abc?id=1", Some(Placeholder::Url)),
            ("www.shop.com/returns", Some(Placeholder::Url)),
            ("#10234", Some(Placeholder::OrderNumber)),
            ("#a-1932", Some(Placeholder::OrderNumber)),
            ("$49.99", Some(Placeholder::Money)),
            ("20€", Some(Placeholder::Money)),
            ("£1,200", Some(Placeholder::Money)),
            ("12/04", Some(Placeholder::Date)),
            ("2024-03-01", Some(Placeholder::Date)),
            ("03.04.2024", Some(Placeholder::Date)),
            ("113-1234567-1234567", None),
            ("12.04", None),
            ("#hashtag", None),
            ("@handle", None),
            ("me@localhost", None),
            ("$", None),
            ("order", None),
        ];
        for (chunk, expected) in cases {
            assert_eq!(mask_chunk(chunk), expected, "chunk {chunk:?}");
        }
    }

    #[test]
    fn words_with_digits_become_the_right_placeholder() {
        let cases = [
            (
                "1z999aa10123456784",
                None,
                Some(Placeholder::TrackingNumber),
            ),
            (
                "9400111899223197428490",
                None,
                Some(Placeholder::TrackingNumber),
            ),
            ("tba123456789012", None, Some(Placeholder::TrackingNumber)),
            ("rr123456789us", None, Some(Placeholder::TrackingNumber)),
            ("55821", Some("order"), Some(Placeholder::OrderNumber)),
            ("55821", Some("no"), Some(Placeholder::OrderNumber)),
            ("55821", Some("my"), Some(Placeholder::Number)),
            ("12", Some("order"), Some(Placeholder::Number)),
            ("3rd", None, Some(Placeholder::Number)),
            ("49.99", None, Some(Placeholder::Number)),
            ("parcel", None, None),
        ];
        for (word, previous, expected) in cases {
            assert_eq!(mask_word(word, previous), expected, "word {word:?}");
        }
    }

    #[test]
    fn wrapping_punctuation_is_trimmed() {
        assert_eq!(trim_wrapping("(#1234)."), "#1234");
        assert_eq!(trim_wrapping("\"jane@x.com\","), "jane@x.com");
        assert_eq!(trim_wrapping("..."), "");
        assert_eq!(trim_wrapping("(«hi»)"), "«hi»");
        assert_eq!(trim_wrapping("'é'."), "é");
    }

    #[test]
    fn placeholder_tokens_are_distinct() {
        let mut tokens: Vec<_> = Placeholder::ALL.iter().map(|p| p.token()).collect();
        tokens.sort_unstable();
        tokens.dedup();
        assert_eq!(tokens.len(), Placeholder::ALL.len());
    }
}
