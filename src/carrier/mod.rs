//! Carrier detection from a tracking number's format and check digit.
//!
//! [`detect`] lists every carrier whose number format fits, [`resolve`] picks one carrier for a
//! shipment, preferring the name the order platform reported, and [`Carrier::from_platform_name`]
//! turns the many spellings platforms use into a [`Carrier`].
//!
//! Formats and check digits follow the public `tracking_number_data` specification (jkeen, the
//! data behind the `tracking_number` gem): UPS `1Z…` (and `T` + 10-digit InfoNotice), USPS IMpb
//! (20–26 digits, optional `420`+ZIP routing prefix), FedEx Express 12/34, Ground 15/22/34,
//! SSCC-18 and SmartPost 20/22, DHL Express 10/11 digits and piece IDs (`JJD…`), DHL eCommerce
//! (`GM…`), Amazon `TBA…`, OnTrac `C…`/`D…` and LaserShip (now OnTrac), Canada Post 16 digits,
//! and UPU S10 (`RB123456785GB`) for every postal operator, named by its country code.
//!
//! # How candidates are listed
//!
//! A number is first [`normalize`]d. Each carrier then appears at most once, at its best standing,
//! in three groups:
//!
//! 1. formats whose check digit verifies (`check_digit_valid: true`);
//! 2. formats that carry no check digit, such as Amazon's `TBA…` (`check_digit_valid: false`);
//! 3. formats whose check digit fails (`check_digit_valid: false`).
//!
//! A failed check digit does not drop the candidate: a customer who mistypes one digit still has
//! a number with the right shape, and knowing the likely carrier is what lets the bot ask them to
//! re-check it. Those candidates come last so that callers who only want plausible carriers can
//! stop at the first `false`. Within a group the order is the fixed order of the rule table, so
//! output is deterministic. Several carriers can share a format (a 22-digit `92…` number is both a
//! USPS IMpb and a FedEx SmartPost number, and both check digits are the same computation), in
//! which case all of them are listed.
//!
//! Input is never rejected with an error: anything that fits no format, including empty or very
//! long text, simply yields no candidates.
//!
//! # Limits
//!
//! A valid check digit is evidence, not proof. Most formats are bare digit runs, so about one
//! random digit string in ten (one in seven for DHL's mod 7) verifies. A 20-digit number has
//! three readings with different check digits (USPS plain, USPS with an implied `91`, FedEx
//! SmartPost with an implied `92`), so three in ten verify as something, and a mistyped one can
//! verify as the other carrier. Where this module departs from the specification, the rule's
//! comment in the rule table says so.

mod checksum;
mod iso3166;
mod names;
mod rules;

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use rules::{MAX_LEN, RULES};

/// An assigned ISO 3166-1 alpha-2 country code, as it ends an S10 number: always two uppercase
/// ASCII letters that name a country or territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The code for two ASCII letters in either case; `None` for anything else, including
    /// codes ISO 3166-1 has not assigned to a country (`XX`, `ZZ`, `XK`).
    pub fn new(code: &str) -> Option<Self> {
        match code.as_bytes() {
            &[a, b] => Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
                .filter(|&code| iso3166::is_assigned(code))
                .map(Self),
            _ => None,
        }
    }

    /// The code as an uppercase string, e.g. `"DE"`.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction, so this never takes the fallback.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A carrier or postal operator that can be told from a tracking number or a platform's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// United States Postal Service.
    Usps,
    /// United Parcel Service, including Mail Innovations and SurePost.
    Ups,
    /// FedEx, all services (Express, Ground, Home Delivery, SmartPost/Ground Economy).
    Fedex,
    /// DHL Express.
    Dhl,
    /// DHL eCommerce (formerly DHL Global Mail), tracked separately from DHL Express.
    DhlEcommerce,
    /// Amazon Logistics / Amazon Shipping.
    Amazon,
    /// OnTrac, which also delivers former LaserShip numbers.
    Ontrac,
    /// Canada Post / Postes Canada.
    CanadaPost,
    /// Royal Mail (United Kingdom).
    RoyalMail,
    /// Parcelforce Worldwide: Royal Mail Group's parcel arm, tracked on its own site.
    Parcelforce,
    /// Deutsche Post (Germany).
    DeutschePost,
    /// La Poste / Colissimo (France).
    LaPoste,
    /// PostNL (Netherlands).
    PostNl,
    /// Australia Post.
    AustraliaPost,
    /// Japan Post.
    JapanPost,
    /// China Post.
    ChinaPost,
    /// New Zealand Post.
    NewZealandPost,
    /// Poste Italiane (Italy).
    PosteItaliane,
    /// Correos (Spain).
    Correos,
    /// bpost (Belgium).
    Bpost,
    /// Swiss Post.
    SwissPost,
    /// Österreichische Post (Austria).
    AustrianPost,
    /// PostNord (Sweden and Denmark).
    PostNord,
    /// Posten Norge / Bring (Norway).
    PostenNorge,
    /// Posti (Finland).
    Posti,
    /// An Post (Ireland).
    AnPost,
    /// India Post.
    IndiaPost,
    /// Korea Post.
    KoreaPost,
    /// Hongkong Post.
    HongKongPost,
    /// Singapore Post.
    SingPost,
    /// Correios (Brazil).
    Correios,
    /// Correos de México.
    CorreosDeMexico,
    /// Poczta Polska (Poland).
    PocztaPolska,
    /// The postal operator of a country with no named variant, as found in an S10 number.
    /// Build it with [`Carrier::from_country`] so that named countries get their own variant.
    PostalOperator(CountryCode),
}

/// Every carrier except [`Carrier::PostalOperator`]; a new variant must be added here too so its
/// slug can be read back.
const NAMED: [Carrier; 33] = [
    Carrier::Usps,
    Carrier::Ups,
    Carrier::Fedex,
    Carrier::Dhl,
    Carrier::DhlEcommerce,
    Carrier::Amazon,
    Carrier::Ontrac,
    Carrier::CanadaPost,
    Carrier::RoyalMail,
    Carrier::Parcelforce,
    Carrier::DeutschePost,
    Carrier::LaPoste,
    Carrier::PostNl,
    Carrier::AustraliaPost,
    Carrier::JapanPost,
    Carrier::ChinaPost,
    Carrier::NewZealandPost,
    Carrier::PosteItaliane,
    Carrier::Correos,
    Carrier::Bpost,
    Carrier::SwissPost,
    Carrier::AustrianPost,
    Carrier::PostNord,
    Carrier::PostenNorge,
    Carrier::Posti,
    Carrier::AnPost,
    Carrier::IndiaPost,
    Carrier::KoreaPost,
    Carrier::HongKongPost,
    Carrier::SingPost,
    Carrier::Correios,
    Carrier::CorreosDeMexico,
    Carrier::PocztaPolska,
];

/// The operator behind each S10 country code that has a named variant.
const POSTAL_OPERATORS: &[(&[u8; 2], Carrier)] = &[
    (b"US", Carrier::Usps),
    (b"GB", Carrier::RoyalMail),
    (b"CA", Carrier::CanadaPost),
    (b"DE", Carrier::DeutschePost),
    (b"FR", Carrier::LaPoste),
    (b"NL", Carrier::PostNl),
    (b"AU", Carrier::AustraliaPost),
    (b"JP", Carrier::JapanPost),
    (b"CN", Carrier::ChinaPost),
    (b"NZ", Carrier::NewZealandPost),
    (b"IT", Carrier::PosteItaliane),
    (b"ES", Carrier::Correos),
    (b"BE", Carrier::Bpost),
    (b"CH", Carrier::SwissPost),
    (b"AT", Carrier::AustrianPost),
    (b"SE", Carrier::PostNord),
    (b"DK", Carrier::PostNord),
    (b"NO", Carrier::PostenNorge),
    (b"FI", Carrier::Posti),
    (b"IE", Carrier::AnPost),
    (b"IN", Carrier::IndiaPost),
    (b"KR", Carrier::KoreaPost),
    (b"HK", Carrier::HongKongPost),
    (b"SG", Carrier::SingPost),
    (b"BR", Carrier::Correios),
    (b"MX", Carrier::CorreosDeMexico),
    (b"PL", Carrier::PocztaPolska),
];

impl Carrier {
    /// Slug and display name of a named carrier; `None` for [`Carrier::PostalOperator`].
    fn names(&self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Carrier::Usps => ("usps", "USPS"),
            Carrier::Ups => ("ups", "UPS"),
            Carrier::Fedex => ("fedex", "FedEx"),
            Carrier::Dhl => ("dhl", "DHL Express"),
            Carrier::DhlEcommerce => ("dhl_ecommerce", "DHL eCommerce"),
            Carrier::Amazon => ("amazon", "Amazon Logistics"),
            Carrier::Ontrac => ("ontrac", "OnTrac"),
            Carrier::CanadaPost => ("canada_post", "Canada Post"),
            Carrier::RoyalMail => ("royal_mail", "Royal Mail"),
            Carrier::Parcelforce => ("parcelforce", "Parcelforce Worldwide"),
            Carrier::DeutschePost => ("deutsche_post", "Deutsche Post"),
            Carrier::LaPoste => ("la_poste", "La Poste"),
            Carrier::PostNl => ("postnl", "PostNL"),
            Carrier::AustraliaPost => ("australia_post", "Australia Post"),
            Carrier::JapanPost => ("japan_post", "Japan Post"),
            Carrier::ChinaPost => ("china_post", "China Post"),
            Carrier::NewZealandPost => ("new_zealand_post", "New Zealand Post"),
            Carrier::PosteItaliane => ("poste_italiane", "Poste Italiane"),
            Carrier::Correos => ("correos", "Correos"),
            Carrier::Bpost => ("bpost", "bpost"),
            Carrier::SwissPost => ("swiss_post", "Swiss Post"),
            Carrier::AustrianPost => ("austrian_post", "Austrian Post"),
            Carrier::PostNord => ("postnord", "PostNord"),
            Carrier::PostenNorge => ("posten_norge", "Posten Norge"),
            Carrier::Posti => ("posti", "Posti"),
            Carrier::AnPost => ("an_post", "An Post"),
            Carrier::IndiaPost => ("india_post", "India Post"),
            Carrier::KoreaPost => ("korea_post", "Korea Post"),
            Carrier::HongKongPost => ("hongkong_post", "Hongkong Post"),
            Carrier::SingPost => ("singpost", "Singapore Post"),
            Carrier::Correios => ("correios", "Correios"),
            Carrier::CorreosDeMexico => ("correos_de_mexico", "Correos de México"),
            Carrier::PocztaPolska => ("poczta_polska", "Poczta Polska"),
            Carrier::PostalOperator(_) => return None,
        })
    }

    /// Stable lowercase identifier, used in JSON and configuration: `"usps"`, `"canada_post"`,
    /// …; `"post_xx"` (lowercase country code) for [`Carrier::PostalOperator`].
    pub fn slug(&self) -> Cow<'static, str> {
        match (self.names(), self) {
            (Some((slug, _)), _) => Cow::Borrowed(slug),
            (None, Carrier::PostalOperator(code)) => {
                Cow::Owned(format!("post_{}", code.as_str().to_ascii_lowercase()))
            }
            (None, _) => Cow::Borrowed("unknown"),
        }
    }

    /// Name to show a customer: `"USPS"`, `"FedEx"`, `"DHL Express"`, `"Royal Mail"`, …;
    /// `"Postal service (XX)"` for [`Carrier::PostalOperator`].
    pub fn display_name(&self) -> Cow<'static, str> {
        match (self.names(), self) {
            (Some((_, name)), _) => Cow::Borrowed(name),
            (None, Carrier::PostalOperator(code)) => Cow::Owned(format!("Postal service ({code})")),
            (None, _) => Cow::Borrowed("Unknown carrier"),
        }
    }

    /// The carrier for a carrier name as an order platform sends it, or `None` if unknown.
    ///
    /// Case, spacing, punctuation, ® and ™ do not matter, and trailing service names are
    /// ignored: "United States Postal Service", "usps_first_class", "UPS® Ground",
    /// "FedExSmartPost", "Federal Express", "Postes Canada" all resolve. Slugs read back as their
    /// carrier, including `"post_xx"`.
    ///
    /// Decisions: "DHL eCommerce" (and its old name "DHL Global Mail") is
    /// [`Carrier::DhlEcommerce`], not DHL Express; "Parcelforce" is [`Carrier::Parcelforce`], not
    /// Royal Mail, because it has its own tracking and customer service; "LaserShip" is
    /// [`Carrier::Ontrac`], which took LaserShip over; "Colissimo" is [`Carrier::LaPoste`].
    pub fn from_platform_name(name: &str) -> Option<Carrier> {
        names::carrier_from_name(name)
    }

    /// The carrier whose [`slug`](Carrier::slug) is `slug`, exactly as `slug` spells it.
    /// `"post_xx"` reads as that country's operator, so `"post_de"` is Deutsche Post.
    pub fn from_slug(slug: &str) -> Option<Carrier> {
        if let Some(code) = slug.strip_prefix("post_") {
            return CountryCode::new(code)
                .filter(|_| code.bytes().all(|b| b.is_ascii_lowercase()))
                .map(Carrier::from_country);
        }
        NAMED.into_iter().find(|c| c.slug() == slug)
    }

    /// The postal operator of a country, as named by an S10 number's last two letters: the named
    /// variant where there is one (US → USPS, GB → Royal Mail, …), else
    /// [`Carrier::PostalOperator`].
    pub fn from_country(code: CountryCode) -> Carrier {
        POSTAL_OPERATORS
            .iter()
            .find(|(c, _)| **c == code.0)
            .map_or(Carrier::PostalOperator(code), |&(_, carrier)| carrier)
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_name())
    }
}

/// Serialises as the slug, e.g. `"ups"`.
impl Serialize for Carrier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.slug())
    }
}

/// Reads a slug back; any other string is an error.
impl<'de> Deserialize<'de> for Carrier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let slug = Cow::<'de, str>::deserialize(deserializer)?;
        Carrier::from_slug(&slug)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown carrier slug {slug:?}")))
    }
}

/// A carrier whose tracking-number format fits a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Candidate {
    /// The carrier; serialised as its slug.
    pub carrier: Carrier,
    /// True when the format has a check digit and the number's check digit is right. False both
    /// when it is wrong and when the format has none; [`detect`] lists the latter before the
    /// former (see the module documentation).
    pub check_digit_valid: bool,
}

/// How a number stands against one format, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    CheckDigitValid,
    NoCheckDigit,
    CheckDigitInvalid,
}

/// A carrier whose format fits, with how well it fits.
#[derive(Debug, Clone, Copy)]
struct Fit {
    carrier: Carrier,
    standing: Standing,
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

/// Every fitting format's carrier, best standing first, each carrier once.
fn fits(number: &str) -> Vec<Fit> {
    let number = normalize(number);
    if number.len() > MAX_LEN {
        return Vec::new();
    }
    let mut found: Vec<Fit> = RULES
        .iter()
        .filter(|rule| (rule.fits)(&number))
        .map(|rule| Fit {
            carrier: rule.carrier(&number),
            standing: match rule.check {
                None => Standing::NoCheckDigit,
                Some(check) if check(&number) => Standing::CheckDigitValid,
                Some(_) => Standing::CheckDigitInvalid,
            },
        })
        .collect();
    // Stable, so rule-table order decides within a standing.
    found.sort_by_key(|fit| fit.standing);
    let mut seen = Vec::with_capacity(found.len());
    found.retain(|fit| {
        let first = !seen.contains(&fit.carrier);
        seen.push(fit.carrier);
        first
    });
    found
}

/// Every carrier whose tracking-number format fits `number`, in the order described in the
/// module documentation: check-digit-valid first, then formats without a check digit, then
/// formats whose check digit fails. Separators and case do not matter; any input is accepted.
pub fn detect(number: &str) -> Vec<Candidate> {
    fits(number)
        .into_iter()
        .map(|fit| Candidate {
            carrier: fit.carrier,
            check_digit_valid: fit.standing == Standing::CheckDigitValid,
        })
        .collect()
}

/// The carrier of a shipment, from the platform's carrier name and the tracking number.
///
/// The platform's name wins when [`Carrier::from_platform_name`] knows it, because the platform
/// bought the label. Otherwise the number decides if it is unambiguous: exactly one candidate with
/// a valid check digit, or, when no candidate has one, exactly one candidate from a format that
/// carries no check digit (`TBA…` is Amazon and nothing else). A number that fits several carriers
/// equally well, or only with a failed check digit, gives `None`.
pub fn resolve(platform_carrier: Option<&str>, number: &str) -> Option<Carrier> {
    if let Some(carrier) = platform_carrier.and_then(Carrier::from_platform_name) {
        return Some(carrier);
    }
    let found = fits(number);
    for standing in [Standing::CheckDigitValid, Standing::NoCheckDigit] {
        let mut with_standing = found.iter().filter(|fit| fit.standing == standing);
        match (with_standing.next(), with_standing.next()) {
            (Some(only), None) => return Some(only.carrier),
            (Some(_), Some(_)) => return None,
            (None, _) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
