//! The table of tracking-number formats: one [`Rule`] per format, in detection order.
//!
//! Formats and check digits follow the public `tracking_number_data` specification (jkeen).
//! Where this table departs from it, the rule's comment says so and why.

use super::checksum::{digit, fedex_mod11, mod10, mod7, s10};
use super::{Carrier, CountryCode};

/// Who a matching number belongs to.
pub(super) enum Owner {
    /// Always this carrier.
    Is(Carrier),
    /// The postal operator of the S10 number's trailing country code.
    S10Country,
}

/// One tracking-number format.
pub(super) struct Rule {
    /// Format name; documents the entry and names it in test failures.
    #[cfg_attr(not(test), allow(dead_code))]
    pub name: &'static str,
    pub owner: Owner,
    /// Whether a normalised number has this format's shape.
    pub fits: fn(&str) -> bool,
    /// The format's check-digit test; `None` for formats that carry no check digit. Only called
    /// on numbers for which `fits` returned true, so it may slice by the format's positions.
    pub check: Option<fn(&str) -> bool>,
}

impl Rule {
    /// The carrier a number that fits this rule belongs to.
    pub fn carrier(&self, number: &str) -> Carrier {
        match self.owner {
            Owner::Is(carrier) => carrier,
            // `fits` has checked the code, so the fallback is never taken; it avoids a panic.
            Owner::S10Country => number.get(11..13).and_then(CountryCode::new).map_or(
                Carrier::PostalOperator(CountryCode(*b"XX")),
                Carrier::from_country,
            ),
        }
    }
}

/// Whether `s` has exactly the shape of `pattern`: `#` is a digit, `@` a letter A–Z, `*` either,
/// and any other character stands for itself.
///
/// Equal byte lengths plus per-byte ASCII classes mean a match is pure ASCII, so rules may then
/// slice the number by byte position.
fn shape(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
            b'#' => c.is_ascii_digit(),
            b'@' => c.is_ascii_uppercase(),
            b'*' => c.is_ascii_digit() || c.is_ascii_uppercase(),
            _ => c == p,
        })
}

/// Whether `s` is all ASCII digits and its length is one of `lengths`.
fn digits(s: &str, lengths: &[usize]) -> bool {
    lengths.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())
}

/// Whether `s` is all ASCII digits with a length in `min..=max`.
fn digit_run(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())
}

/// Whether the number's last character is the check digit `expected`.
fn ends_with_check(s: &str, expected: u8) -> bool {
    s.bytes().last().and_then(digit) == Some(expected)
}

/// Check for a number whose check digit is its last character and protects `payload`.
fn mod10_check(s: &str, payload: std::ops::Range<usize>, rightmost: u32, other: u32) -> bool {
    s.as_bytes()
        .get(payload)
        .is_some_and(|p| ends_with_check(s, mod10(p, rightmost, other)))
}

/// Same as [`mod10_check`] with the FedEx mod-11 weights.
fn fedex_mod11_check(s: &str, payload: std::ops::Range<usize>) -> bool {
    s.as_bytes()
        .get(payload)
        .is_some_and(|p| ends_with_check(s, fedex_mod11(p)))
}

/// Mod-10 (3/1) check of `payload` with `prefix` in front of it, for formats whose check digit
/// covers an application identifier that the printed number leaves out.
fn mod10_check_with_prefix(s: &str, prefix: &[u8], payload: &[u8]) -> bool {
    ends_with_check(s, mod10(&[prefix, payload].concat(), 3, 1))
}

/// USPS IMpb application identifiers 91–95 (the spec's `9[1-5]`).
fn has_usps_ai(core: &str) -> bool {
    matches!(core.as_bytes(), [b'9', b'1'..=b'5', ..])
}

/// Whether `core` (a number without its `420`+ZIP routing prefix) is an IMpb body: 20 or 24
/// digits, or 22 or 26 digits starting with an application identifier 91–95.
fn is_usps_core(core: &str) -> bool {
    digits(core, &[20, 24]) || (digits(core, &[22, 26]) && has_usps_ai(core))
}

/// The possible IMpb bodies of a USPS number: the number itself, or what follows a `420` routing
/// prefix with a 5-digit ZIP or a ZIP+4. Several may be plausible (34 digits can be 420+ZIP+26 or
/// 420+ZIP+4+22), and the number fits if any one does.
fn usps_cores(s: &str) -> impl Iterator<Item = &str> {
    let routed = s.starts_with("420");
    [
        Some(s),
        s.get(8..).filter(|_| routed),
        s.get(12..).filter(|_| routed),
    ]
    .into_iter()
    .flatten()
    .filter(|core| is_usps_core(core))
}

/// IMpb check: mod 10 with weights 3/1 over the body. Bodies printed without their AI (older
/// 20- and 24-digit labels) may instead be checked with an implied `91` in front, as the spec's
/// `prepend_if` does; a plain check is also accepted for those, as the spec's "USPS 20" rule does.
fn usps_core_valid(core: &str) -> bool {
    let bytes = core.as_bytes();
    let payload = &bytes[..bytes.len() - 1];
    ends_with_check(core, mod10(payload, 3, 1))
        || (!has_usps_ai(core) && mod10_check_with_prefix(core, b"91", payload))
}

/// FedEx SmartPost check: the 19-digit serial, with the `92` AI in front unless the serial
/// already starts with `92` (the spec's `prepend_if`).
fn smartpost_valid(s: &str) -> bool {
    let bytes = s.as_bytes();
    let serial = if bytes.len() == 22 {
        &bytes[2..21]
    } else {
        &bytes[..19]
    };
    if serial.starts_with(b"92") {
        ends_with_check(s, mod10(serial, 3, 1))
    } else {
        mod10_check_with_prefix(s, b"92", serial)
    }
}

/// DHL eCommerce prefixes from the spec; each is followed by 10 to 39 digits.
const DHL_ECOMMERCE_PREFIXES: [&str; 10] =
    ["GM", "LX", "RX", "UV", "CN", "SG", "TH", "IN", "HK", "MY"];

/// Every format, in the order candidates of equal standing are listed.
pub(super) const RULES: &[Rule] = &[
    Rule {
        name: "UPS 1Z",
        owner: Owner::Is(Carrier::Ups),
        fits: |s| shape(s, "1Z****************"),
        check: Some(|s| mod10_check(s, 2..17, 1, 2)),
    },
    Rule {
        // InfoNotice numbers left on a door tag; the spec does not list them and they carry no
        // published check digit, so they only ever match on format.
        name: "UPS InfoNotice",
        owner: Owner::Is(Carrier::Ups),
        fits: |s| shape(s, "T##########"),
        check: None,
    },
    Rule {
        name: "USPS IMpb",
        owner: Owner::Is(Carrier::Usps),
        fits: |s| usps_cores(s).next().is_some(),
        check: Some(|s| usps_cores(s).any(usps_core_valid)),
    },
    Rule {
        name: "FedEx Express (12)",
        owner: Owner::Is(Carrier::Fedex),
        fits: |s| digits(s, &[12]),
        check: Some(|s| fedex_mod11_check(s, 0..11)),
    },
    Rule {
        name: "FedEx Ground (15)",
        owner: Owner::Is(Carrier::Fedex),
        fits: |s| digits(s, &[15]),
        check: Some(|s| mod10_check(s, 0..14, 3, 1)),
    },
    Rule {
        // The spec checks only the 15-digit serial, not the 2-digit container type in front.
        name: "FedEx Ground SSCC-18",
        owner: Owner::Is(Carrier::Fedex),
        fits: |s| digits(s, &[18]),
        check: Some(|s| mod10_check(s, 2..17, 3, 1)),
    },
    Rule {
        name: "FedEx SmartPost",
        owner: Owner::Is(Carrier::Fedex),
        fits: |s| digits(s, &[20]) || (digits(s, &[22]) && s.starts_with("92")),
        check: Some(smartpost_valid),
    },
    Rule {
        // The last 15 digits are the plain Ground number, so only its 14-digit serial is checked.
        name: "FedEx Ground 96 (22)",
        owner: Owner::Is(Carrier::Fedex),
        fits: |s| digits(s, &[22]) && s.starts_with("96"),
        check: Some(|s| mod10_check(s, 7..21, 3, 1)),
    },
    Rule {
        name: "FedEx Express (34)",
        owner: Owner::Is(Carrier::Fedex),
        fits: |s| digits(s, &[34]) && s.starts_with("100"),
        check: Some(|s| fedex_mod11_check(s, 20..33)),
    },
    Rule {
        name: "FedEx Ground GSN (34)",
        owner: Owner::Is(Carrier::Fedex),
        fits: |s| digits(s, &[34]) && s.starts_with("96"),
        check: Some(|s| fedex_mod11_check(s, 20..33)),
    },
    Rule {
        // The spec has both the 10-digit waybill and an 11-digit "Express Air" form.
        name: "DHL Express",
        owner: Owner::Is(Carrier::Dhl),
        fits: |s| digits(s, &[10, 11]),
        check: Some(|s| ends_with_check(s, mod7(&s.as_bytes()[..s.len() - 1]))),
    },
    Rule {
        name: "DHL Express piece ID",
        owner: Owner::Is(Carrier::Dhl),
        fits: |s| {
            [
                "J@@##########",
                "J@@#########",
                "J@@@##########",
                "J@@@#########",
            ]
            .iter()
            .any(|p| shape(s, p))
        },
        check: None,
    },
    Rule {
        name: "DHL eCommerce",
        owner: Owner::Is(Carrier::DhlEcommerce),
        fits: |s| {
            DHL_ECOMMERCE_PREFIXES.iter().any(|p| s.starts_with(p)) && digit_run(&s[2..], 10, 39)
        },
        check: None,
    },
    Rule {
        // TBA is Amazon Logistics US; TBC and TBM are its Canadian and Mexican counterparts,
        // which the spec does not list.
        name: "Amazon Logistics",
        owner: Owner::Is(Carrier::Amazon),
        fits: |s| ["TBA", "TBC", "TBM"].iter().any(|p| s.starts_with(p)) && digits(&s[3..], &[12]),
        check: None,
    },
    Rule {
        // The letter counts in the check (C=4, D=5). The spec gets the same effect by prepending
        // "4"/"5" unless the serial already starts with that digit; for such serials the two
        // differ, and counting the printed letter is the reading that does not depend on the data.
        name: "OnTrac",
        owner: Owner::Is(Carrier::Ontrac),
        fits: |s| shape(s, "C##############") || shape(s, "D##############"),
        check: Some(|s| mod10_check(s, 0..14, 2, 1)),
    },
    Rule {
        // LaserShip merged into OnTrac (2024) and its numbers are tracked by OnTrac now.
        name: "LaserShip LX",
        owner: Owner::Is(Carrier::Ontrac),
        fits: |s| shape(s, "LX1#######") && matches!(s.as_bytes()[3], b'3'..=b'8'),
        check: None,
    },
    Rule {
        // The 17-character form is the spec's 16 characters plus the "-1" piece suffix, whose
        // dash normalisation removes.
        name: "LaserShip 1LS7",
        owner: Owner::Is(Carrier::Ontrac),
        fits: |s| {
            let b = s.as_bytes();
            (shape(s, "1LS7###########") && matches!(b[4], b'1' | b'2'))
                || (shape(s, "1LS7#############")
                    && matches!(b[4], b'1' | b'2')
                    && &b[7..9] == b"01"
                    && matches!(b[9], b'1'..=b'4'))
        },
        check: None,
    },
    Rule {
        name: "Canada Post (16)",
        owner: Owner::Is(Carrier::CanadaPost),
        fits: |s| digits(s, &[16]),
        check: Some(|s| mod10_check(s, 0..15, 3, 1)),
    },
    Rule {
        // The trailing letters must be an assigned ISO 3166-1 code, as the spec requires (its
        // `exists: Courier` check rejects `RB123456785XX`); a number from no country names no
        // operator to ask, so it does not fit at all. The spec checks against its list of 191
        // UPU members; `iso3166` says why the full ISO list is used instead. A country without a
        // named variant becomes `PostalOperator`.
        name: "UPU S10",
        owner: Owner::S10Country,
        fits: |s| shape(s, "@@#########@@") && CountryCode::new(&s[11..13]).is_some(),
        check: Some(|s| ends_with_check(&s[..11], s10(&s.as_bytes()[2..10]))),
    },
];

/// No format is longer than this; longer input is not a tracking number and is not examined.
pub(super) const MAX_LEN: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_classes() {
        assert!(shape("1ZA9", "1Z*#"));
        assert!(!shape("1ZA9", "1Z#*"));
        assert!(shape("AB12", "@@##"));
        assert!(!shape("ab12", "@@##"));
        assert!(!shape("AB1", "@@##"));
        // Multi-byte characters never match, whatever their byte length.
        assert!(!shape("É1", "@#"));
        assert!(!shape("1Z\u{e9}", "1Z**"));
    }

    #[test]
    fn usps_core_candidates() {
        // 420 + ZIP 22153 + 22-digit body.
        let cores: Vec<&str> = usps_cores("420221539101026837331000039521").collect();
        assert_eq!(cores, ["9101026837331000039521"]);
        // 22 digits need an AI 91–95.
        assert_eq!(usps_cores("9601026837331000039521").count(), 0);
        // 34 digits starting 420: 420+ZIP+4 then a 22-digit body with AI 92.
        let cores: Vec<&str> = usps_cores("4201002334249200190132607600833457").collect();
        assert_eq!(cores, ["9200190132607600833457"]);
    }

    #[test]
    fn every_rule_has_a_sample_that_fits_and_verifies() {
        let samples = [
            ("UPS 1Z", "1Z999AA10123456784"),
            ("UPS InfoNotice", "T1234567890"),
            ("USPS IMpb", "9400111201080805483016"),
            ("FedEx Express (12)", "123456789012"),
            ("FedEx Ground (15)", "449044304137821"),
            ("FedEx Ground SSCC-18", "000123450000000027"),
            ("FedEx SmartPost", "61299998820821171811"),
            ("FedEx Ground 96 (22)", "9611020987654312345672"),
            ("FedEx Express (34)", "1001921334250001000300779017972697"),
            (
                "FedEx Ground GSN (34)",
                "9622001560001234567100794808390594",
            ),
            ("DHL Express", "3318810025"),
            ("DHL Express piece ID", "JJD0099999999"),
            ("DHL eCommerce", "GM2951173225174494"),
            ("Amazon Logistics", "TBA502887274000"),
            ("OnTrac", "C11031500001879"),
            ("LaserShip LX", "LX17635036"),
            ("LaserShip 1LS7", "1LS71190136181271"),
            ("Canada Post (16)", "0073938000549297"),
            ("UPU S10", "RB123456785GB"),
        ];
        assert_eq!(
            samples.len(),
            RULES.len(),
            "a rule without a sample, or a stale sample"
        );
        for rule in RULES {
            let sample = samples
                .iter()
                .find(|(name, _)| *name == rule.name)
                .map(|&(_, sample)| sample)
                .unwrap_or_else(|| panic!("no sample for rule {}", rule.name));
            assert!((rule.fits)(sample), "{} does not fit {sample}", rule.name);
            if let Some(check) = rule.check {
                assert!(check(sample), "{} check fails on {sample}", rule.name);
            }
        }
    }
}
