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
//! is why free text only counts such a number when it has a letter prefix
//! ([`is_tracking_number`]).

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
/// number that fits several carriers equally well, or is valid for none, gives `None`.
pub fn resolve(platform_carrier: Option<&str>, number: &str) -> Option<Carrier> {
    if let Some(carrier) = platform_carrier.and_then(Carrier::from_platform_name) {
        return Some(carrier);
    }
    let found = detect(number);
    for standing in [Standing::CheckDigitValid, Standing::NoCheckDigit] {
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

/// Whether `text` (one word of a customer's message) is a tracking number: valid for some format
/// with a check digit, or valid for a format without one that starts with a fixed prefix of at
/// least two letters (`TBA…`, `1LS7…`, `LX…`, `JJD…`, `GM…`, `YT…`).
///
/// Valid formats without a check digit and without such a prefix are left out on purpose: they
/// accept every number of their shape (any 14 digits are a DHL eCommerce number, any letter
/// `A`/`C`/`F` and 10 digits an Amazon one), and in a message such a run is as likely an order
/// number, a phone number or a product code.
pub fn is_tracking_number(text: &str) -> bool {
    let number = normalize(text);
    if number.len() > MAX_LEN {
        return false;
    }
    SPEC.matches(&number).iter().any(|m| {
        m.carrier.is_some()
            && m.valid
            && (m.check_digit_valid == Some(true) || m.format.distinctive)
    })
}

#[cfg(test)]
mod tests;
