//! Cleaning stage: cuts the signature and drops mobile and webmail footers.
//!
//! The signature delimiter is `-- ` on a line of its own (RFC 3676 §4.3; many clients lose the
//! trailing space, so `--` counts too): everything below it goes. Footers such as "Sent from my
//! iPhone" or "Get Outlook for iOS" are dropped where they stand, since text occasionally
//! follows them.

use std::sync::LazyLock;

use regex::Regex;

/// What [`strip_signature`] kept, and whether it dropped anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureStripped {
    /// The text above the signature, without footer lines.
    pub text: String,
    /// A signature or footer was dropped.
    pub removed: bool,
}

/// The footers phones and webmail clients append by default, in English and the languages the
/// quote stage knows. Matched against a whole trimmed line of at most [`MAX_FOOTER_CHARS`].
static FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^(?:
            sent\ from\ my\ .+
          | sent\ from\ (?:mail|outlook|yahoo\ mail|aol|proton\ ?mail)\b.*
          | sent\ with\ proton\ ?mail\b.*
          | get\ outlook\ for\ (?:ios|android)
          | (?:von\ meinem|gesendet\ von\ meinem|gesendet\ mit)\ .+
          | envoyé\ (?:de|depuis)\ (?:mon|ma)\ .+
          | enviado\ desde\ mi\ .+
          | (?:verstuurd|verzonden)\ (?:vanaf|met|van)\ mijn\ .+
          | inviato\ da\ .+
          | enviado\ do\ meu\ .+
          | skickat\ från\ min\ .+
          | sendt\ fra\ min\ .+
        )$",
    )
    .expect("footer pattern compiles")
});

/// Longer lines are sentences, not footers.
const MAX_FOOTER_CHARS: usize = 60;

/// Cuts at the signature delimiter and drops footer lines; see the
/// [module documentation](self).
pub fn strip_signature(text: &str) -> SignatureStripped {
    let mut kept: Vec<&str> = Vec::new();
    let mut removed = false;
    for line in text.lines() {
        if line.trim_end() == "--" {
            removed = true;
            break;
        }
        if is_footer(line) {
            removed = true;
            continue;
        }
        kept.push(line);
    }
    SignatureStripped {
        text: kept.join("\n"),
        removed,
    }
}

/// A client's default footer line such as "Sent from my iPhone".
pub fn is_footer(line: &str) -> bool {
    let line = line.trim().trim_end_matches(['.', '!']);
    !line.is_empty() && line.chars().count() <= MAX_FOOTER_CHARS && FOOTER.is_match(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_cuts_the_rest() {
        let stripped = strip_signature("Cancel it please.\n\n-- \nJane Doe\nACME Ltd");
        assert_eq!(stripped.text, "Cancel it please.\n");
        assert!(stripped.removed);
        assert_eq!(strip_signature("a\n--\nb").text, "a");
    }

    #[test]
    fn dashes_inside_text_are_not_a_delimiter() {
        let text = "size 38 -- or 40\n---\nok";
        let stripped = strip_signature(text);
        assert_eq!(stripped.text, text);
        assert!(!stripped.removed);
    }

    #[test]
    fn footers_are_dropped_in_several_languages() {
        for footer in [
            "Sent from my iPhone",
            "Sent from my Samsung Galaxy smartphone.",
            "Get Outlook for iOS",
            "Sent from Mail for Windows",
            "Von meinem iPhone gesendet",
            "Envoyé de mon iPhone",
            "Enviado desde mi iPhone",
            "Verstuurd vanaf mijn iPhone",
            "Inviato da iPhone",
            "Enviado do meu iPhone",
            "Skickat från min iPhone",
        ] {
            let stripped = strip_signature(&format!("Where is it?\n\n{footer}"));
            assert_eq!(stripped.text, "Where is it?\n", "{footer}");
            assert!(stripped.removed, "{footer}");
        }
    }

    #[test]
    fn a_sentence_that_starts_like_a_footer_is_kept() {
        let line = "Sent from my account on 3 June, the parcel was never collected by the courier";
        assert!(!is_footer(line));
        assert!(!is_footer("I sent from my phone"));
    }
}
