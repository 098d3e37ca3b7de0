//! Carrier detection from a tracking number, on the public tracking-number specification.
//!
//! [`detect`] lists every format of every courier that a number fits, [`resolve`] picks one
//! carrier for a shipment, preferring the name the order platform reported, and
//! [`Carrier::from_platform_name`] turns the many spellings platforms use into a [`Carrier`].
//!
//! # The specification
//!
//! Formats, check digits and lookups are those of `jkeen/tracking_number_data` release 2.0.0
//! (MIT licence, Copyright (c) 2017 Jeff Keen), the data behind the Ruby, JavaScript, Python,
//! Go and Java tracking-number libraries. Its files are embedded unchanged in `spec/` with
//! their licence, and interpreted on first use (`spec.rs`): 18 couriers — UPS, USPS, FedEx,
//! DHL, Amazon, OnTrac, LaserShip, Canada Post, UPU S10, DPD, Purolator, Canpar, Yodel,
//! YunExpress, Spee-Dee, GOFO, Landmark and Old Dominion — with their check-digit algorithms
//! (`checksum.rs`) and `additional` lookups (service types, container types, S10 postal
//! operators, DPD countries). The spec's regexes are written for Ruby; `translate.rs` says how
//! each is run on the `regex` crate.
//!
//! # How candidates are listed
//!
//! A number is first [`normalize`]d (spaces, dashes and case do not matter). Every format whose
//! pattern fits gives a [`Candidate`], and the candidates come in three groups:
//!
//! 1. valid, with a check digit that verifies;
//! 2. valid, for a format that has no check digit (Amazon `TBA…`, LaserShip): `check_digit_valid`
//!    is `None`;
//! 3. not valid: the check digit is wrong, or a lookup the spec requires found nothing (an S10
//!    number whose country has no postal operator in the spec's list).
//!
//! Within a group, candidates follow the spec's couriers in a fixed order (UPS, USPS, FedEx,
//! DHL, Amazon, OnTrac, LaserShip, Canada Post, S10, DPD, Purolator, Canpar, Yodel, YunExpress,
//! Spee-Dee, GOFO, Landmark, Old Dominion) and each courier's formats in the spec's order. A
//! courier appears once, at its best format (for DHL, once as DHL Express and once as DHL
//! eCommerce, which deskbot tracks apart). The order is deterministic.
//!
//! A failed check digit does not drop the candidate: a customer who mistypes one digit still has
//! a number with the right shape, and knowing the likely carrier is what lets the bot ask them to
//! re-check it. Callers who only want plausible carriers stop at the first invalid candidate.
//!
//! Input is never rejected with an error: anything that fits no format, including empty or very
//! long text, simply yields no candidates.
//!
//! # Limits
//!
//! A valid check digit is evidence, not proof. Most formats are bare digit runs, so about one
//! random digit string in ten (one in seven for DHL's mod 7) verifies, and several couriers can
//! share a length (12 digits are FedEx Express and Purolator). A format without a check digit
//! accepts every number of its shape (14 digits are always a valid DHL eCommerce number), which
//! is why free text only counts such a number when it has a letter prefix, and a bare digit run
//! only when its leading digits are distinctive (USPS, FedEx `96…`) or the message introduces it
//! as a tracking number; a card- or phone-shaped number never ([`is_tracking_number`],
//! [`is_introduced_tracking_number`]).

mod carriers;
mod checksum;
mod dto;
mod iso3166;
mod names;
mod spec;
mod translate;

use std::collections::BTreeMap;

use serde::Serialize;

pub use carriers::{Carrier, CountryCode};
use spec::{FormatMatch, SPEC};

/// The specification's code for UPU S10 numbers, which belong to the postal operator of their
/// country code.
const S10_COURIER: &str = "s10";

/// No format is longer than this; longer input is not a tracking number and is not examined.
const MAX_LEN: usize = 64;

/// One way to read a tracking number: a format of the specification that the number fits.
///
/// Serialised (by `deskbot carrier --format json`) with the spec's courier code as `carrier`,
/// and `tracked_by` for deskbot's [`Carrier`] slug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The specification's courier code: `"ups"`, `"usps"`, `"fedex"`, `"dhl"`, `"amazon"`,
    /// `"ontrac"`, `"lasership"`, `"canada_post"`, `"s10"`, `"dpd"`, ….
    #[serde(rename = "carrier")]
    pub courier: &'static str,
    /// The courier's name in the spec: "United States Postal Service", "S10 International
    /// Standard", ….
    #[serde(rename = "carrier_name")]
    pub courier_name: &'static str,
    /// The format's id in the spec (`"fedex_ground_96"`), made from its name where the spec
    /// gives none (`"lasership_1ls7_18"`).
    pub format: &'static str,
    /// The format's name, without a trailing length: "FedEx Ground 96", "UPS", "S10".
    pub service: &'static str,
    /// `Some(true)` when the check digit verifies, `Some(false)` when it does not, `None` for a
    /// format that has no check digit.
    pub check_digit_valid: Option<bool>,
    /// Whether the number passes everything the spec checks for this format: its pattern, its
    /// check digit where it has one, and its required lookups.
    pub valid: bool,
    /// deskbot's carrier for the number: the one whose tracker follows it. Usually the
    /// courier's; OnTrac for LaserShip, DHL eCommerce for DHL's eCommerce formats, and for an S10
    /// number the postal operator of its country code. Serialised as `tracked_by`.
    #[serde(rename = "tracked_by")]
    pub carrier: Carrier,
    /// For S10 numbers: the postal operator that issued the number, from the spec's list;
    /// `None` when the list has no operator for the country code (the number is then not valid).
    pub postal_operator: Option<PostalOperator>,
    /// What the spec's `additional` lookups say about the number, in the spec's order.
    pub details: Vec<Detail>,
    /// The courier's public tracking page for the number, where the spec gives one.
    pub tracking_url: Option<String>,
}

/// The postal operator named by an S10 number's country code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostalOperator {
    /// The operator's name in the spec: "Royal Mail Group plc", "Deutsche Post", ….
    pub name: &'static str,
    /// The country's name in the spec: "Great Britain", ….
    pub country: Option<&'static str>,
    /// The two-letter code from the number: "GB".
    pub country_code: String,
}

/// One `additional` lookup that found an entry for a number, such as a UPS service type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    /// The lookup's name: "Service Type", "Container Type", "Courier", "Country Code", ….
    pub lookup: &'static str,
    /// The part of the number that was looked up, such as `"03"`.
    pub value: String,
    /// The entry's fields as the spec has them (`name`, `description`, `country`, `courier`, …).
    #[serde(flatten)]
    pub info: &'static BTreeMap<String, Option<String>>,
}

impl Candidate {
    /// The check-digit standing that orders candidates (see the module documentation).
    fn standing(&self) -> Standing {
        match (self.valid, self.check_digit_valid) {
            (true, Some(true)) => Standing::CheckDigitValid,
            (true, _) => Standing::NoCheckDigit,
            (false, _) => Standing::Invalid,
        }
    }
}

/// How a number stands against one format, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    CheckDigitValid,
    NoCheckDigit,
    Invalid,
}

/// Removes the separators people put in tracking numbers and uppercases ASCII letters.
///
/// Removed: whitespace (including no-break spaces), ASCII and Unicode dashes and hyphens, and
/// invisible zero-width characters that come along when a number is copied from an email.
/// Full-width forms typed with East Asian input methods (`１Ｚ…`) become their ASCII letters and
/// digits. Other characters are kept (only ASCII is uppercased, so no other letter can turn into
/// an ASCII one), which makes the result fit no format rather than a wrong one.
pub fn normalize(number: &str) -> String {
    number
        .chars()
        .filter(|&c| {
            !(c.is_whitespace()
                || matches!(
                    c,
                    '-' | '\u{2010}'..='\u{2015}'
                        | '\u{2212}'
                        | '\u{FE58}'
                        | '\u{FE63}'
                        | '\u{FF0D}'
                        | '\u{200B}'..='\u{200D}'
                        | '\u{2060}'
                        | '\u{FEFF}'
                ))
        })
        .map(|c| match c {
            // Full-width ASCII variants sit at a fixed offset from ASCII.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Every format of the specification that `number` fits, in the order described in the module
/// documentation: valid with a check digit, valid without one, then not valid; each courier
/// once. Separators and case do not matter; any input is accepted.
pub fn detect(number: &str) -> Vec<Candidate> {
    let number = normalize(number);
    if number.len() > MAX_LEN {
        return Vec::new();
    }
    let mut found: Vec<Candidate> = SPEC
        .matches(&number)
        .into_iter()
        .filter_map(|m| candidate(m, &number))
        .collect();
    // Stable, so the spec's order decides within a standing.
    found.sort_by_key(Candidate::standing);
    let mut seen: Vec<(&str, Carrier)> = Vec::with_capacity(found.len());
    found.retain(|c| {
        let key = (c.courier, c.carrier);
        let first = !seen.contains(&key);
        seen.push(key);
        first
    });
    found
}

/// The public candidate for a format match; `None` for an S10 number whose country code is no
/// country, which names no one to ask (and is not valid under the spec either).
fn candidate(m: FormatMatch<'static>, number: &str) -> Option<Candidate> {
    let carrier = m.carrier?;
    let courier = SPEC.courier(m.format);
    let postal_operator = m.hits.iter().find_map(|hit| {
        let name = hit.info.get("courier")?.as_deref()?;
        Some(PostalOperator {
            name,
            country: hit.info.get("country").and_then(|c| c.as_deref()),
            country_code: hit.value.clone(),
        })
    });
    Some(Candidate {
        courier: &courier.code,
        courier_name: &courier.name,
        format: &m.format.id,
        service: &m.format.service,
        check_digit_valid: m.check_digit_valid,
        valid: m.valid,
        carrier,
        postal_operator,
        details: m
            .hits
            .into_iter()
            .map(|hit| Detail {
                lookup: hit.lookup,
                value: hit.value,
                info: hit.info,
            })
            .collect(),
        tracking_url: m
            .format
            .tracking_url
            .as_ref()
            .map(|url| url.replace("%s", number)),
    })
}

/// The carrier of a shipment, from the platform's carrier name and the tracking number.
///
/// The platform's name wins when [`Carrier::from_platform_name`] knows it, because the platform
/// bought the label. Otherwise the number decides if it is unambiguous: exactly one carrier
/// among the candidates that are valid with a check digit, or, when there is none, exactly one
/// among those valid for a format without a check digit (`TBA…` is Amazon and nothing else). A
/// number that fits several carriers equally well, or is valid for none, gives `None`. So does a
/// number of S10 shape whose S10 check digit fails (`LX123456786CN`): it is a mistyped S10
/// number, which a format without a check digit (DHL eCommerce's `LX…`) must not claim.
pub fn resolve(platform_carrier: Option<&str>, number: &str) -> Option<Carrier> {
    if let Some(carrier) = platform_carrier.and_then(Carrier::from_platform_name) {
        return Some(carrier);
    }
    let found = detect(number);
    let mistyped_s10 = found
        .iter()
        .any(|c| c.courier == S10_COURIER && c.check_digit_valid == Some(false));
    let standings: &[Standing] = if mistyped_s10 {
        &[Standing::CheckDigitValid]
    } else {
        &[Standing::CheckDigitValid, Standing::NoCheckDigit]
    };
    for &standing in standings {
        let mut carriers = found
            .iter()
            .filter(|c| c.standing() == standing)
            .map(|c| c.carrier);
        if let Some(first) = carriers.next() {
            return carriers.all(|c| c == first).then_some(first);
        }
    }
    None
}

/// All-digit formats whose numbers are recognisable on their own, by the digits they start
/// with: USPS barcodes (IMpb application identifiers 92–95, or `420` and a ZIP code in front)
/// and FedEx Ground's `96…` barcodes. Any other digit run that verifies for some format is as
/// likely a phone, card or order number, since about one random digit string in ten verifies.
const STANDALONE_DIGIT_FORMATS: &[(&str, &[&str])] = &[
    ("usps_20", USPS_PREFIXES),
    ("usps_impb_n", USPS_PREFIXES),
    ("usps_legacy", USPS_PREFIXES),
    ("usps_impb_c", USPS_PREFIXES),
    ("fedex_ground_96", &["96"]),
    ("fedex_ground_gsn", &["96"]),
];

const USPS_PREFIXES: &[&str] = &["92", "93", "94", "95", "420"];

/// Whether `text` (one word of a customer's message, as written) is a tracking number on its
/// own, with nothing around it saying so:
///
/// - with letters: valid for some format with a check digit (`1Z…`, S10 `RB123456785GB`), or
///   valid for a format without one that starts with a fixed prefix of at least two letters
///   (`TBA…`, `1LS7…`, `LX…`, `JJD…`, `GM…`, `YT…`);
/// - all digits: valid with a check digit for a format whose leading digits are distinctive
///   (USPS `92`–`95`/`420…`, FedEx `96…`; see [`STANDALONE_DIGIT_FORMATS`]).
///
/// Never, however it verifies: text written like a phone number (digit groups joined by
/// dashes, dots, parentheses or a plus, 7 to 15 digits), and 13 to 19 digits that pass the
/// Luhn check, the shape of a payment card number, which must never be quoted back.
///
/// Valid formats without a check digit and without a letter prefix are left out on purpose:
/// they accept every number of their shape (any 14 digits are a DHL eCommerce number, any
/// letter `A`/`C`/`F` and 10 digits an Amazon one). So is a number of S10 shape whose S10 check
/// digit fails: it is a mistyped S10 number, not a DHL eCommerce `LX…` one.
pub fn is_tracking_number(text: &str) -> bool {
    is_tracking_number_in_text(text, false)
}

/// [`is_tracking_number`] for a word that the message introduces as a tracking number ("tracking
/// number 123…", "FedEx: 123…", "DHL waybill 123…"): an all-digit number is then also taken when
/// it is valid with a check digit for any format (FedEx's 12 digits, DHL Express's 10). Phone-
/// and card-shaped numbers are still refused.
pub fn is_introduced_tracking_number(text: &str) -> bool {
    is_tracking_number_in_text(text, true)
}

fn is_tracking_number_in_text(text: &str, introduced: bool) -> bool {
    if is_phone_shaped(text) {
        return false;
    }
    let number = normalize(text);
    if number.len() > MAX_LEN {
        return false;
    }
    let all_digits = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
    if all_digits && is_card_shaped(&number) {
        return false;
    }
    let matches = SPEC.matches(&number);
    let mistyped_s10 = matches
        .iter()
        .any(|m| SPEC.courier(m.format).code == S10_COURIER && m.check_digit_valid == Some(false));
    matches.iter().any(|m| {
        let fits = m.carrier.is_some() && m.valid;
        let check_digit = m.check_digit_valid == Some(true);
        fits && if all_digits {
            check_digit && (introduced || stands_alone(&m.format.id, &number))
        } else {
            check_digit || (m.format.distinctive && !mistyped_s10)
        }
    })
}

/// Whether `number` (all digits) belongs to a format of [`STANDALONE_DIGIT_FORMATS`] and starts
/// with one of its prefixes.
fn stands_alone(format: &str, number: &str) -> bool {
    STANDALONE_DIGIT_FORMATS
        .iter()
        .any(|(id, prefixes)| *id == format && prefixes.iter().any(|p| number.starts_with(p)))
}

/// Whether `group` (a short group of ASCII letters and digits, as written) can begin a tracking
/// number that is recognisable on its own and that people write in groups: `1Z…` (UPS), or the
/// leading digits of [`STANDALONE_DIGIT_FORMATS`]. A caller joining `9400 1112 …` back into one
/// number starts only at such a group, so that phone numbers and other digit groups are never
/// joined.
pub fn starts_standalone_number(group: &str) -> bool {
    let bytes = group.as_bytes();
    if bytes.len() >= 2 && bytes[..2].eq_ignore_ascii_case(b"1Z") {
        return true;
    }
    bytes.iter().all(u8::is_ascii_digit)
        && STANDALONE_DIGIT_FORMATS
            .iter()
            .flat_map(|(_, prefixes)| prefixes.iter())
            .any(|p| group.starts_with(p))
}

/// Digits joined by the punctuation of a written phone number (`650-555-0100`, `+44.20.7946`,
/// `(650)555-0100`): at least one such separator, and 7 to 15 digits, the most a phone number
/// has (ITU-T E.164).
fn is_phone_shaped(text: &str) -> bool {
    let mut digits = 0;
    let mut separators = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits += 1;
        } else if matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '.' | '(' | ')' | '+' | '/'
        ) {
            separators += 1;
        } else {
            return false;
        }
    }
    separators > 0 && (7..=15).contains(&digits)
}

/// 13 to 19 digits whose last digit is their Luhn check digit: the shape of a payment card
/// number (ISO/IEC 7812).
fn is_card_shaped(digits: &str) -> bool {
    (13..=19).contains(&digits.len()) && checksum::passes_luhn(digits.as_bytes())
}

#[cfg(test)]
mod tests;
