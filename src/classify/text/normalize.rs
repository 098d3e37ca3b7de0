//! Stage 1: Unicode normalisation and lowercasing.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

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
    // ASCII runs are copied and lowercased in bulk; NFKC leaves them alone. Each run of
    // non-ASCII characters between them is normalised on its own, and most (accented names,
    // curly quotes, emoji, other scripts) are already NFKC: the quick check proves that with
    // one table lookup per character, far cheaper than decomposing and recomposing.
    let mut rest = text;
    loop {
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let start = out.len();
        out.push_str(&rest[..ascii]);
        out[start..].make_ascii_lowercase();
        rest = &rest[ascii..];
        if rest.is_empty() {
            return;
        }
        let run = rest
            .bytes()
            .position(|b| b.is_ascii())
            .unwrap_or(rest.len());
        let (non_ascii, after) = rest.split_at(run);
        if is_nfkc_quick(non_ascii.chars()) == IsNormalized::Yes {
            fold_into(non_ascii.chars(), out);
        } else {
            // Only the run and the ASCII character before it ("e" + combining acute → "é"):
            // every ASCII character is a starter that composes with nothing before it and
            // is never the second of a composition, so nothing outside can change.
            let run_start = text.len() - rest.len();
            let from = if run_start > 0 {
                out.pop();
                run_start - 1
            } else {
                run_start
            };
            fold_into(text[from..run_start + run].nfkc(), out);
        }
        rest = after;
    }
}

/// Lowercases NFKC characters into `out`, folding typographic quotes to ASCII.
fn fold_into(chars: impl Iterator<Item = char>, out: &mut String) {
    for c in chars {
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

    /// The full normalisation, without the quick-check shortcut: what every text must match.
    fn reference(text: &str) -> String {
        let mut out = String::new();
        fold_into(text.nfkc(), &mut out);
        out
    }

    #[test]
    fn text_that_needs_nfkc_is_normalised_as_before() {
        // Full-width digits and letters, ligatures, compatibility characters (superscripts,
        // "№", "½", the Kelvin sign, circled digits), and decomposed accents that NFKC composes.
        let needs_nfkc = [
            ("order （＃１２３４５）", "order (#12345)"),
            ("ﬁne ﬂat ﬀ", "fine flat ff"),
            ("№ 7, ½ price, x²", "no 7, 1⁄2 price, x2"),
            ("\u{212A}elvin ①", "kelvin 1"),
            ("cafe\u{301} Zoe\u{308}", "café zoë"),
            ("ＷＨＥＲＥ’Ｓ", "where's"),
        ];
        for (text, expected) in needs_nfkc {
            assert_ne!(is_nfkc_quick(text.chars()), IsNormalized::Yes, "{text}");
            assert_eq!(normalize(text), expected, "{text}");
            assert_eq!(normalize(text), reference(text), "{text}");
        }
    }

    #[test]
    fn text_already_in_nfkc_takes_the_shortcut_with_the_same_result() {
        let already_nfkc = [
            "José Álvarez — where’s my order? 🙏",
            "Łukasz Nowak, Søren, Nguyễn Văn An",
            "€49,99 “quoted” ЗАКАЗ Straße İstanbul",
            "где мой заказ 注文はどこ",
            "ΣΊΣΥΦΟΣ İzmir",
        ];
        for text in already_nfkc {
            assert_eq!(is_nfkc_quick(text.chars()), IsNormalized::Yes, "{text}");
            assert_eq!(normalize(text), reference(text), "{text}");
        }
        assert_eq!(normalize("José — ÇA"), "josé — ça");
    }

    #[test]
    fn every_short_mix_of_ascii_and_tricky_characters_matches_the_full_normalisation() {
        // Combining marks after ASCII or after non-ASCII letters, compatibility characters,
        // curly quotes, uppercase that lowercases to several characters, Hangul jamo that
        // compose, an ellipsis and a no-break space that NFKC expands: every string of up to
        // four of these, in every order.
        let alphabet = [
            "e", "E", " ", "\u{301}", "\u{308}", "é", "Å", "ﬁ", "１", "’", "İ", "\u{1100}",
            "\u{1161}", "Σ", "🙏", "…", "\u{a0}", "\u{327}", "\u{212b}",
        ];
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            strings = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            for text in &strings {
                assert_eq!(normalize(text), reference(text), "{text:?}");
            }
        }
    }

    #[test]
    fn buffer_is_cleared_between_calls() {
        let mut buf = String::from("stale");
        normalize_into("new", &mut buf);
        assert_eq!(buf, "new");
    }
}
