//! The specification's regexes, written for Ruby/PCRE, turned into patterns the `regex` crate
//! runs on a [`normalize`](super::normalize)d number.
//!
//! Three translations, each exact on normalised input (no whitespace, no dashes, uppercase):
//!
//! 1. **Separators.** The spec lets whitespace sit between characters (`[0-9]\s*`) and matches
//!    the number with its spaces removed; deskbot removes whitespace and dashes before matching.
//!    So `\s*` is dropped, `\s` is dropped from character classes, and a literal `-` outside a
//!    class is dropped (LaserShip's `…-1` suffix then reads as `…1`, which is also how a customer
//!    who leaves out the dash writes it). Named groups `(?<Name>…)`, `\b` and `{n,m}` need no
//!    change: the `regex` crate has them. No pattern in the spec uses possessive quantifiers,
//!    atomic groups, backreferences or the `x` flag; those would fail to compile, and so fail
//!    the tests, rather than be misread.
//! 2. **Lookarounds** (`(?=…)`, `(?!…)`), which the `regex` crate lacks, occur in three
//!    formats. Each is rewritten by hand in [`HAND_WRITTEN`], next to the original it replaces;
//!    loading fails if the spec's regex no longer equals that original. Every lookahead there
//!    constrains how many digits follow, which the rewrite expresses by splitting the format
//!    into alternatives that are tried in order (the order of the original's backtracking), so
//!    that group names stay unique within each. A test compares each rewrite with the original
//!    on a PCRE-style engine (`fancy-regex`) over thousands of inputs.
//! 3. **`prepend_if` conditions** of the form `^(?!X).+$` ("the serial does not start with X")
//!    become [`Condition::DoesNotStartWith`]; any other condition compiles as it is.

use regex::Regex;

/// A pattern that cannot be turned into one the `regex` crate runs.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(super) enum TranslateError {
    /// `\s` used other than as `\s*` or inside a class: dropping it would change the meaning.
    #[error("`\\s` outside a character class without `*` at byte {at} of {pattern:?}")]
    BareWhitespace { pattern: String, at: usize },
    /// The pattern ends in a lone backslash.
    #[error("trailing backslash in {pattern:?}")]
    TrailingBackslash { pattern: String },
    /// A lookaround with no hand-written translation.
    #[error("lookaround in {pattern:?}, which has no translation")]
    Lookaround { pattern: String },
    /// The spec's regex for a hand-translated format changed, so the translation is stale.
    #[error("the spec's regex for {format} changed: expected {expected:?}, found {found:?}")]
    StaleTranslation {
        format: String,
        expected: &'static str,
        found: String,
    },
}

/// A format's regex rewritten for normalised numbers: alternatives tried in order, each to be
/// matched against the whole number.
pub(super) fn format_patterns(
    format_id: &str,
    original: &str,
) -> Result<Vec<String>, TranslateError> {
    if let Some(hand) = HAND_WRITTEN.iter().find(|h| h.format == format_id) {
        if hand.original != original {
            return Err(TranslateError::StaleTranslation {
                format: format_id.to_owned(),
                expected: hand.original,
                found: original.to_owned(),
            });
        }
        return Ok(hand.alternatives.iter().map(|&a| a.to_owned()).collect());
    }
    let stripped = strip_separators(original)?;
    if has_lookaround(&stripped) {
        return Err(TranslateError::Lookaround {
            pattern: original.to_owned(),
        });
    }
    Ok(vec![stripped])
}

/// A `prepend_if.matches_regex`, as something that can be tested on a serial number.
#[derive(Debug, Clone)]
pub(super) enum Condition {
    /// The pattern matches somewhere in the serial (Ruby's `=~`).
    Matches(Regex),
    /// The serial is not empty and does not start with this (anchored) pattern: `^(?!X).+$`.
    DoesNotStartWith(Regex),
}

impl Condition {
    /// Whether the serial number meets the condition.
    pub fn holds(&self, serial: &str) -> bool {
        match self {
            Condition::Matches(re) => re.is_match(serial),
            Condition::DoesNotStartWith(re) => !serial.is_empty() && !re.is_match(serial),
        }
    }
}

/// What can go wrong turning a `prepend_if` pattern into a [`Condition`].
#[derive(Debug, thiserror::Error)]
pub(super) enum ConditionError {
    #[error(transparent)]
    Translate(#[from] TranslateError),
    #[error("condition {pattern:?} does not compile")]
    Regex {
        pattern: String,
        #[source]
        source: regex::Error,
    },
}

/// Translates a `prepend_if.matches_regex` (see the module documentation).
pub(super) fn condition(pattern: &str) -> Result<Condition, ConditionError> {
    let stripped = strip_separators(pattern)?;
    let compile = |p: &str| {
        Regex::new(p).map_err(|source| ConditionError::Regex {
            pattern: pattern.to_owned(),
            source,
        })
    };
    let negated = stripped.strip_prefix("^(?!").and_then(|rest| {
        rest.strip_suffix(").+$")
            .or_else(|| rest.strip_suffix(").+"))
    });
    match negated {
        Some(inner) if !has_lookaround(inner) => Ok(Condition::DoesNotStartWith(compile(
            &format!("^(?:{inner})"),
        )?)),
        _ if has_lookaround(&stripped) => Err(TranslateError::Lookaround {
            pattern: pattern.to_owned(),
        }
        .into()),
        _ => Ok(Condition::Matches(compile(&stripped)?)),
    }
}

fn has_lookaround(pattern: &str) -> bool {
    ["(?=", "(?!", "(?<=", "(?<!"]
        .iter()
        .any(|look| pattern.contains(look))
}

/// Drops what only matches separators that normalisation has already removed: `\s*`, `\s` in
/// a character class, and a literal `-` outside a class.
pub(super) fn strip_separators(pattern: &str) -> Result<String, TranslateError> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.char_indices().peekable();
    let mut in_class = false;
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                let Some((_, escaped)) = chars.next() else {
                    return Err(TranslateError::TrailingBackslash {
                        pattern: pattern.to_owned(),
                    });
                };
                if escaped == 's' {
                    if in_class {
                        continue;
                    }
                    if chars.next_if(|&(_, next)| next == '*').is_some() {
                        continue;
                    }
                    return Err(TranslateError::BareWhitespace {
                        pattern: pattern.to_owned(),
                        at,
                    });
                }
                out.push('\\');
                out.push(escaped);
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` right after `[` or `[^` is a literal, not the end of the class.
                if let Some((_, caret)) = chars.next_if(|&(_, next)| next == '^') {
                    out.push(caret);
                }
                if let Some((_, bracket)) = chars.next_if(|&(_, next)| next == ']') {
                    out.push(bracket);
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '-' if !in_class => {}
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// A format whose regex has lookarounds, rewritten by hand.
pub(super) struct HandWritten {
    /// The format's `id` in the spec.
    pub format: &'static str,
    /// The spec's regex, joined, exactly as release 2.0.0 has it.
    pub original: &'static str,
    /// Lookaround-free alternatives for normalised numbers, tried in order.
    pub alternatives: &'static [&'static str],
}

/// The hand-written translations. Why each is exact:
///
/// - **DHL E-Commerce**: on a number without whitespace that must end after the serial, the
///   first lookahead (`[0-9A-Z\s]{10,39}\b`) only restates the serial's own class and length,
///   and the second (`[^0-9A-Z]*[0-9]`) says the serial's first character is a digit.
/// - **USPS IMpb N and C**: the number must end after the check digit and is all digits, so
///   `(?![0-9])` inside a lookahead means "here the number ends", and each lookahead fixes how
///   many digits remain. In both, the mailer ID (`ShipperId`) is 9 digits when it starts with 9
///   and 6 otherwise, and its length decides the package ID's: N allows 15, 11 or 7 digits after
///   a 9-digit ID and 14 or 10 after a 6-digit one; C the same without 15. A ZIP+4 routing
///   prefix is only allowed before a 22-digit body (and in N a 5-digit ZIP only before a 22- or
///   26-digit one, which every body of a 5-digit-ZIP alternative is). In C the application
///   identifier 92 requires a 9-digit ID and 93 a 6-digit one. The original tries ZIP+4 before
///   ZIP (greedy `?`), and so do the alternatives. `ShipperId` and `PackageId` appear in several
///   alternatives, which is why they are separate regexes rather than one.
pub(super) const HAND_WRITTEN: &[HandWritten] = &[
    HandWritten {
        format: "dhl_ecommerce",
        original: r"(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)\s*(?<SerialNumber>(?=[0-9A-Z\s]{10,39}\b)(?=[^0-9A-Z]*[0-9])[0-9A-Z\s]{10,39})",
        alternatives: &[r"(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)(?<SerialNumber>[0-9][0-9A-Z]{9,38})"],
    },
    HandWritten {
        format: "usps_impb_n",
        original: concat!(
            r"\s*((?<RoutingApplicationId>4\s*2\s*0\s*)(?<DestinationZip>([0-9]\s*){5}(?=([0-9]\s*){22}(?![0-9])|([0-9]\s*){26}(?![0-9])))(?<DestinationZipPlus4>([0-9]\s*){4}(?=([0-9]\s*){22}(?![0-9])))?)?",
            r"(?<SerialNumber>",
            r"(?<ApplicationIdentifier>9\s*4\s*)",
            r"(?<ServiceType>([0-9]\s*){3})",
            r"(?=9\s*([0-9]\s*){8}(([0-9]\s*){15}|([0-9]\s*){11}|([0-9]\s*){7})[0-9]\s*(?![0-9])",
            r"|[0-8]\s*([0-9]\s*){5}(([0-9]\s*){14}|([0-9]\s*){10})[0-9]\s*(?![0-9]))",
            r"(?<ShipperId>9\s*([0-9]\s*){8}|[0-8]\s*([0-9]\s*){5})",
            r"(?<PackageId>([0-9]\s*){15}|([0-9]\s*){14}|([0-9]\s*){11}|([0-9]\s*){10}|([0-9]\s*){7})",
            r")",
            r"(?<CheckDigit>[0-9]\s*)",
        ),
        alternatives: &[
            // 420 + ZIP+4, then a 22-digit body.
            r"(?<RoutingApplicationId>420)(?<DestinationZip>[0-9]{5})(?<DestinationZipPlus4>[0-9]{4})(?<SerialNumber>(?<ApplicationIdentifier>94)(?<ServiceType>[0-9]{3})(?<ShipperId>9[0-9]{8})(?<PackageId>[0-9]{7}))(?<CheckDigit>[0-9])",
            r"(?<RoutingApplicationId>420)(?<DestinationZip>[0-9]{5})(?<DestinationZipPlus4>[0-9]{4})(?<SerialNumber>(?<ApplicationIdentifier>94)(?<ServiceType>[0-9]{3})(?<ShipperId>[0-8][0-9]{5})(?<PackageId>[0-9]{10}))(?<CheckDigit>[0-9])",
            // 420 + ZIP, then a 26- or 22-digit body.
            r"(?<RoutingApplicationId>420)(?<DestinationZip>[0-9]{5})(?<SerialNumber>(?<ApplicationIdentifier>94)(?<ServiceType>[0-9]{3})(?<ShipperId>9[0-9]{8})(?<PackageId>[0-9]{11}|[0-9]{7}))(?<CheckDigit>[0-9])",
            r"(?<RoutingApplicationId>420)(?<DestinationZip>[0-9]{5})(?<SerialNumber>(?<ApplicationIdentifier>94)(?<ServiceType>[0-9]{3})(?<ShipperId>[0-8][0-9]{5})(?<PackageId>[0-9]{14}|[0-9]{10}))(?<CheckDigit>[0-9])",
            // No routing: a 30-, 26- or 22-digit body.
            r"(?<SerialNumber>(?<ApplicationIdentifier>94)(?<ServiceType>[0-9]{3})(?<ShipperId>9[0-9]{8})(?<PackageId>[0-9]{15}|[0-9]{11}|[0-9]{7}))(?<CheckDigit>[0-9])",
            r"(?<SerialNumber>(?<ApplicationIdentifier>94)(?<ServiceType>[0-9]{3})(?<ShipperId>[0-8][0-9]{5})(?<PackageId>[0-9]{14}|[0-9]{10}))(?<CheckDigit>[0-9])",
        ],
    },
    HandWritten {
        format: "usps_impb_c",
        original: concat!(
            r"\s*(?:(?<RoutingApplicationId>4\s*2\s*0\s*)(?<DestinationZip>([0-9]\s*){5})(?<DestinationZipPlus4>([0-9]\s*){4}(?=([0-9]\s*){22}(?![0-9])))?)?",
            r"(?<SerialNumber>",
            r"(?<ApplicationIdentifier>9\s*2\s*(?=([0-9]\s*){3}9)|9\s*3\s*(?=([0-9]\s*){3}[0-8])|9\s*5\s*)",
            r"(?<ServiceType>([0-9]\s*){3})",
            r"(?=9\s*([0-9]\s*){8}(([0-9]\s*){11}|([0-9]\s*){7})[0-9]\s*(?![0-9])",
            r"|[0-8]\s*([0-9]\s*){5}(([0-9]\s*){14}|([0-9]\s*){10})[0-9]\s*(?![0-9]))",
            r"(?<ShipperId>9\s*([0-9]\s*){8}|[0-8]\s*([0-9]\s*){5})",
            r"(?<PackageId>([0-9]\s*){14}|([0-9]\s*){11}|([0-9]\s*){10}|([0-9]\s*){7})",
            r")",
            r"(?<CheckDigit>[0-9]\s*)",
        ),
        alternatives: &[
            // 420 + ZIP+4, then a 22-digit body.
            r"(?<RoutingApplicationId>420)(?<DestinationZip>[0-9]{5})(?<DestinationZipPlus4>[0-9]{4})(?<SerialNumber>(?<ApplicationIdentifier>92|95)(?<ServiceType>[0-9]{3})(?<ShipperId>9[0-9]{8})(?<PackageId>[0-9]{7}))(?<CheckDigit>[0-9])",
            r"(?<RoutingApplicationId>420)(?<DestinationZip>[0-9]{5})(?<DestinationZipPlus4>[0-9]{4})(?<SerialNumber>(?<ApplicationIdentifier>93|95)(?<ServiceType>[0-9]{3})(?<ShipperId>[0-8][0-9]{5})(?<PackageId>[0-9]{10}))(?<CheckDigit>[0-9])",
            // 420 + ZIP, then a 26- or 22-digit body.
            r"(?<RoutingApplicationId>420)(?<DestinationZip>[0-9]{5})(?<SerialNumber>(?<ApplicationIdentifier>92|95)(?<ServiceType>[0-9]{3})(?<ShipperId>9[0-9]{8})(?<PackageId>[0-9]{11}|[0-9]{7}))(?<CheckDigit>[0-9])",
            r"(?<RoutingApplicationId>420)(?<DestinationZip>[0-9]{5})(?<SerialNumber>(?<ApplicationIdentifier>93|95)(?<ServiceType>[0-9]{3})(?<ShipperId>[0-8][0-9]{5})(?<PackageId>[0-9]{14}|[0-9]{10}))(?<CheckDigit>[0-9])",
            // No routing: a 26- or 22-digit body.
            r"(?<SerialNumber>(?<ApplicationIdentifier>92|95)(?<ServiceType>[0-9]{3})(?<ShipperId>9[0-9]{8})(?<PackageId>[0-9]{11}|[0-9]{7}))(?<CheckDigit>[0-9])",
            r"(?<SerialNumber>(?<ApplicationIdentifier>93|95)(?<ServiceType>[0-9]{3})(?<ShipperId>[0-8][0-9]{5})(?<PackageId>[0-9]{14}|[0-9]{10}))(?<CheckDigit>[0-9])",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_dropped_outside_and_inside_classes() {
        assert_eq!(
            strip_separators(r"\s*1\s*Z\s*(?<S>([0-9]\s*){2})").unwrap(),
            r"1Z(?<S>([0-9]){2})"
        );
        assert_eq!(strip_separators(r"[0-9A-Z\s]{10}").unwrap(), "[0-9A-Z]{10}");
        // A literal dash goes, a range dash stays.
        assert_eq!(strip_separators(r"[0-9]{6}-\s*1").unwrap(), "[0-9]{6}1");
        assert_eq!(strip_separators(r"[]-]a-b").unwrap(), "[]-]ab");
        assert_eq!(strip_separators(r"[^]-]\d").unwrap(), r"[^]-]\d");
        // Escapes other than \s are kept.
        assert_eq!(strip_separators(r"\b\.\-").unwrap(), r"\b\.\-");
    }

    #[test]
    fn whitespace_that_must_be_there_is_refused() {
        assert!(matches!(
            strip_separators(r"A\sB"),
            Err(TranslateError::BareWhitespace { at: 1, .. })
        ));
        assert!(matches!(
            strip_separators(r"A\s+B"),
            Err(TranslateError::BareWhitespace { .. })
        ));
        assert!(matches!(
            strip_separators("A\\"),
            Err(TranslateError::TrailingBackslash { .. })
        ));
    }

    #[test]
    fn untranslated_lookarounds_and_stale_translations_are_errors() {
        assert!(matches!(
            format_patterns("new_format", r"(?=A)A"),
            Err(TranslateError::Lookaround { .. })
        ));
        assert!(matches!(
            format_patterns("dhl_ecommerce", r"GM[0-9]{10}"),
            Err(TranslateError::StaleTranslation { .. })
        ));
        assert_eq!(
            format_patterns("x", r"\s*A\s*B").unwrap(),
            vec!["AB".to_owned()]
        );
    }

    #[test]
    fn negative_prefix_conditions() {
        let not_4 = condition("^(?!4).+$").unwrap();
        assert!(matches!(not_4, Condition::DoesNotStartWith(_)));
        assert!(not_4.holds("1103150000187"));
        assert!(!not_4.holds("4103150000187"));
        assert!(!not_4.holds(""));
        let not_91 = condition(r"^(?!9\s*1).+").unwrap();
        assert!(not_91.holds("9200190132607600833"));
        assert!(!not_91.holds("9101234567890000001"));
        let plain = condition("^12").unwrap();
        assert!(matches!(plain, Condition::Matches(_)));
        assert!(plain.holds("123"));
        assert!(condition("(?<=A)B").is_err());
        assert!(condition("(").is_err());
    }

    #[test]
    fn hand_written_alternatives_have_no_lookarounds_and_compile() {
        for hand in HAND_WRITTEN {
            for alternative in hand.alternatives {
                assert!(!has_lookaround(alternative), "{}", hand.format);
                let re = Regex::new(alternative).unwrap();
                assert!(
                    re.capture_names().flatten().any(|n| n == "SerialNumber"),
                    "{}",
                    hand.format
                );
            }
        }
    }
}
