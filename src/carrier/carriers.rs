//! The carriers deskbot knows by name, and the country codes that name postal operators.
//!
//! [`Carrier`] is what facts, trackers and configuration use; the specification's courier codes
//! map onto it in `spec` (and its slugs equal those codes for every courier of the spec).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{iso3166, names};

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
    /// DPD (Dynamic Parcel Distribution), any of its national companies.
    Dpd,
    /// Purolator (Canada).
    Purolator,
    /// Canpar Express (Canada).
    Canpar,
    /// Yodel (United Kingdom).
    Yodel,
    /// YunExpress (cross-border from China).
    YunExpress,
    /// Spee-Dee Delivery (US Midwest).
    SpeeDee,
    /// GOFO Express (United States).
    Gofo,
    /// Landmark Global (cross-border, part of bpost).
    Landmark,
    /// Old Dominion Freight Line (US less-than-truckload freight).
    OldDominion,
    /// The postal operator of a country with no named variant, as found in an S10 number.
    /// Build it with [`Carrier::from_country`] so that named countries get their own variant.
    PostalOperator(CountryCode),
}

/// Every carrier except [`Carrier::PostalOperator`]; a new variant must be added here too so its
/// slug can be read back.
pub(super) const NAMED: [Carrier; 42] = [
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
    Carrier::Dpd,
    Carrier::Purolator,
    Carrier::Canpar,
    Carrier::Yodel,
    Carrier::YunExpress,
    Carrier::SpeeDee,
    Carrier::Gofo,
    Carrier::Landmark,
    Carrier::OldDominion,
];

/// The operator behind each S10 country code that has a named variant.
pub(super) const POSTAL_OPERATORS: &[(&[u8; 2], Carrier)] = &[
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
            Carrier::Dpd => ("dpd", "DPD"),
            Carrier::Purolator => ("purolator", "Purolator"),
            Carrier::Canpar => ("canpar", "Canpar Express"),
            Carrier::Yodel => ("yodel", "Yodel"),
            Carrier::YunExpress => ("yunexpress", "YunExpress"),
            Carrier::SpeeDee => ("speedee", "Spee-Dee Delivery"),
            Carrier::Gofo => ("gofo", "GOFO Express"),
            Carrier::Landmark => ("landmark", "Landmark Global"),
            Carrier::OldDominion => ("old_dominion", "Old Dominion Freight Line"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn country(code: &str) -> CountryCode {
        CountryCode::new(code).expect("two letters")
    }

    #[test]
    fn slugs_and_display_names() {
        assert_eq!(Carrier::Usps.slug(), "usps");
        assert_eq!(Carrier::CanadaPost.slug(), "canada_post");
        assert_eq!(Carrier::RoyalMail.slug(), "royal_mail");
        assert_eq!(Carrier::OldDominion.slug(), "old_dominion");
        assert_eq!(Carrier::PostalOperator(country("cv")).slug(), "post_cv");
        assert_eq!(Carrier::Fedex.display_name(), "FedEx");
        assert_eq!(Carrier::Dhl.display_name(), "DHL Express");
        assert_eq!(Carrier::RoyalMail.to_string(), "Royal Mail");
        assert_eq!(
            Carrier::PostalOperator(country("CV")).display_name(),
            "Postal service (CV)"
        );
    }

    #[test]
    fn every_named_carrier_round_trips() {
        let mut slugs: Vec<String> = NAMED.iter().map(|c| c.slug().into_owned()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), NAMED.len(), "duplicate slug");
        for carrier in NAMED {
            let slug = carrier.slug();
            assert_eq!(Carrier::from_slug(&slug), Some(carrier), "{slug}");
            assert_eq!(Carrier::from_platform_name(&slug), Some(carrier), "{slug}");
            assert_eq!(
                Carrier::from_platform_name(&carrier.display_name()),
                Some(carrier),
                "{carrier}"
            );
        }
        let cv = Carrier::PostalOperator(country("CV"));
        assert_eq!(Carrier::from_slug("post_cv"), Some(cv));
        assert_eq!(Carrier::from_slug("post_de"), Some(Carrier::DeutschePost));
        assert_eq!(Carrier::from_slug("post_CV"), None);
        assert_eq!(Carrier::from_slug("Usps"), None);
    }

    #[test]
    fn every_operator_country_is_distinct_and_named() {
        for (i, (code, carrier)) in POSTAL_OPERATORS.iter().enumerate() {
            assert!(NAMED.contains(carrier), "{carrier:?} missing from NAMED");
            assert!(
                POSTAL_OPERATORS[..i].iter().all(|(c, _)| c != code),
                "{code:?} listed twice"
            );
        }
        assert_eq!(Carrier::from_country(country("us")), Carrier::Usps);
        assert_eq!(Carrier::from_country(country("GB")), Carrier::RoyalMail);
    }
}
