//! Stage 1: Unicode normalisation and lowercasing.

use unicode_normalization::UnicodeNormalization;

/// Writes `text` into `out` in the analyzer's canonical form: NFKC, lowercase, typographic
/// quotes folded to ASCII.
///
/// `out` is cleared first so callers can reuse one buffer across messages.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    // Most support mail is ASCII; NFKC is the identity there, so skip its iterator machinery.
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
        return;
    }
    out.reserve(text.len() + text.len() / 8);
    for c in text.nfkc() {
        match c {
            // Phones type curly apostrophes; "don’t" and "don't" must be the same word.
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{FF07}' => out.push('\''),
            '\u{201C}' | '\u{201D}' => out.push('"'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// Convenience wrapper around [`normalize_into`] that allocates.
pub fn normalize(text: &str) -> String {
    let mut out = String::new();
    normalize_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_lowercased() {
        assert_eq!(normalize("WHERE Is My ORDER?"), "where is my order?");
    }

    #[test]
    fn compatibility_forms_fold_to_plain_letters() {
        // Fullwidth letters and the "ﬁ" ligature are common in pasted text.
        assert_eq!(normalize("ＯＲＤＥＲ ﬁle"), "order file");
    }

    #[test]
    fn curly_apostrophes_become_ascii() {
        assert_eq!(normalize("Don’t cancel"), "don't cancel");
    }

    #[test]
    fn non_latin_scripts_are_lowercased_not_dropped() {
        assert_eq!(normalize("ЗАКАЗ Straße"), "заказ straße");
    }

    #[test]
    fn buffer_is_cleared_between_calls() {
        let mut buf = String::from("stale");
        normalize_into("new", &mut buf);
        assert_eq!(buf, "new");
    }
}
