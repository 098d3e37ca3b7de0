//! Carrier names as order platforms send them ("UPS® Ground", "usps_first_class",
//! "FedExSmartPost", "Postes Canada") mapped to a [`Carrier`].
//!
//! A name is split into lowercase words at punctuation, symbols (®, ™), spaces, underscores,
//! camel-case humps and letter/digit changes, then the words are joined again. An alias matches
//! when it is a prefix of the joined name that ends on a word boundary, so "UPS Ground" and
//! "FedEx Home Delivery" match "ups" and "fedex" without a list of every service, while
//! "upstate" does not match "ups". The longest matching alias wins ("DHL eCommerce" over "DHL").

use super::{Carrier, CountryCode};

/// How an alias must match the joined name.
#[derive(Clone, Copy)]
enum Fit {
    /// The alias is a prefix ending on a word boundary.
    Prefix,
    /// The alias is the whole name: for words that begin other carriers' names too.
    Exact,
}

use Fit::{Exact, Prefix};

/// Known carrier names, joined lowercase without separators.
///
/// Decisions worth knowing: Parcelforce and DHL eCommerce have their own variants because they
/// are tracked and contacted separately from Royal Mail and DHL Express; LaserShip maps to OnTrac,
/// which absorbed it; Colissimo is La Poste's parcel brand; "Correos" alone is the Spanish post,
/// so it must match exactly to leave "Correos de Chile" and "Correos de México" alone.
const ALIASES: &[(&str, Carrier, Fit)] = &[
    ("usps", Carrier::Usps, Prefix),
    ("unitedstatespostalservice", Carrier::Usps, Prefix),
    ("uspostalservice", Carrier::Usps, Prefix),
    ("prioritymail", Carrier::Usps, Prefix),
    ("ups", Carrier::Ups, Prefix),
    ("unitedparcelservice", Carrier::Ups, Prefix),
    ("fedex", Carrier::Fedex, Prefix),
    ("federalexpress", Carrier::Fedex, Prefix),
    ("dhl", Carrier::Dhl, Prefix),
    ("dhlecommerce", Carrier::DhlEcommerce, Prefix),
    ("dhlecom", Carrier::DhlEcommerce, Exact),
    ("dhlglobalmail", Carrier::DhlEcommerce, Prefix),
    ("amazon", Carrier::Amazon, Prefix),
    ("amzl", Carrier::Amazon, Prefix),
    ("ontrac", Carrier::Ontrac, Prefix),
    ("lasership", Carrier::Ontrac, Prefix),
    ("canadapost", Carrier::CanadaPost, Prefix),
    ("postescanada", Carrier::CanadaPost, Prefix),
    ("royalmail", Carrier::RoyalMail, Prefix),
    ("parcelforce", Carrier::Parcelforce, Prefix),
    ("deutschepost", Carrier::DeutschePost, Prefix),
    ("laposte", Carrier::LaPoste, Prefix),
    ("colissimo", Carrier::LaPoste, Prefix),
    ("postnl", Carrier::PostNl, Prefix),
    ("australiapost", Carrier::AustraliaPost, Prefix),
    ("auspost", Carrier::AustraliaPost, Prefix),
    ("japanpost", Carrier::JapanPost, Prefix),
    ("chinapost", Carrier::ChinaPost, Prefix),
    ("newzealandpost", Carrier::NewZealandPost, Prefix),
    ("nzpost", Carrier::NewZealandPost, Prefix),
    ("posteitaliane", Carrier::PosteItaliane, Prefix),
    ("correos", Carrier::Correos, Exact),
    ("correosespana", Carrier::Correos, Prefix),
    ("correosespaña", Carrier::Correos, Prefix),
    ("correosexpress", Carrier::Correos, Prefix),
    ("bpost", Carrier::Bpost, Prefix),
    ("swisspost", Carrier::SwissPost, Prefix),
    ("austrianpost", Carrier::AustrianPost, Prefix),
    ("österreichischepost", Carrier::AustrianPost, Prefix),
    ("postnord", Carrier::PostNord, Prefix),
    ("postennorge", Carrier::PostenNorge, Prefix),
    ("bring", Carrier::PostenNorge, Exact),
    ("posti", Carrier::Posti, Prefix),
    ("anpost", Carrier::AnPost, Prefix),
    ("indiapost", Carrier::IndiaPost, Prefix),
    ("koreapost", Carrier::KoreaPost, Prefix),
    ("hongkongpost", Carrier::HongKongPost, Prefix),
    ("singpost", Carrier::SingPost, Prefix),
    ("singaporepost", Carrier::SingPost, Prefix),
    ("correios", Carrier::Correios, Prefix),
    ("correosdemexico", Carrier::CorreosDeMexico, Prefix),
    ("correosdeméxico", Carrier::CorreosDeMexico, Prefix),
    ("pocztapolska", Carrier::PocztaPolska, Prefix),
    ("dpd", Carrier::Dpd, Prefix),
    ("purolator", Carrier::Purolator, Prefix),
    ("canpar", Carrier::Canpar, Prefix),
    ("yodel", Carrier::Yodel, Prefix),
    ("yunexpress", Carrier::YunExpress, Prefix),
    ("speedee", Carrier::SpeeDee, Prefix),
    ("gofo", Carrier::Gofo, Prefix),
    ("landmark", Carrier::Landmark, Prefix),
    ("landmarkglobal", Carrier::Landmark, Prefix),
    ("olddominion", Carrier::OldDominion, Prefix),
    ("odfl", Carrier::OldDominion, Prefix),
];

/// Splits a name into lowercase words (see the module doc) and returns them joined, with the
/// byte offsets in the joined string where each word ends.
fn join_words(name: &str) -> (String, Vec<usize>) {
    let chars: Vec<char> = name.chars().collect();
    let mut joined = String::new();
    let mut ends = Vec::new();
    let mut in_word = false;
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if in_word {
                ends.push(joined.len());
            }
            in_word = false;
            continue;
        }
        if in_word {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let hump = prev.is_lowercase() && c.is_uppercase();
            // The last capital of an acronym starts the next word: "DHLExpress" → DHL, Express.
            let acronym_end =
                prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase);
            let kind_change = prev.is_alphabetic() != c.is_alphabetic();
            if hump || acronym_end || kind_change {
                ends.push(joined.len());
            }
        }
        in_word = true;
        joined.extend(c.to_lowercase());
    }
    if in_word {
        ends.push(joined.len());
    }
    (joined, ends)
}

/// The carrier a platform's carrier name refers to; see [`Carrier::from_platform_name`].
pub(super) fn carrier_from_name(name: &str) -> Option<Carrier> {
    let (joined, ends) = join_words(name);
    if joined.is_empty() {
        return None;
    }
    let aliased = ALIASES
        .iter()
        .filter(|(alias, _, fit)| match fit {
            Exact => joined == *alias,
            Prefix => joined.starts_with(alias) && ends.contains(&alias.len()),
        })
        .max_by_key(|(alias, _, _)| alias.len())
        .map(|&(_, carrier, _)| carrier);
    // "post_de" is the slug of a postal operator this module has no named variant for; reading it
    // back keeps `from_platform_name(c.slug())` a round trip.
    aliased.or_else(|| match (joined.strip_prefix("post"), ends.as_slice()) {
        (Some(code), [4, 6]) => CountryCode::new(code).map(Carrier::from_country),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_punctuation_camel_case_and_digits() {
        let (joined, ends) = join_words("UPS® 2ndDay-Air");
        assert_eq!(joined, "ups2nddayair");
        assert_eq!(ends, [3, 4, 6, 9, 12]);
        assert_eq!(join_words("DHLExpress").1, [3, 10]);
        assert_eq!(join_words("FedExSmartPost").1, [3, 5, 10, 14]);
        assert_eq!(join_words(" ,.® "), (String::new(), vec![]));
    }

    #[test]
    fn alias_must_end_on_a_word_boundary() {
        assert_eq!(carrier_from_name("UPS Ground"), Some(Carrier::Ups));
        assert_eq!(carrier_from_name("Upstate Couriers"), None);
        assert_eq!(carrier_from_name("Correos de Chile"), None);
    }

    #[test]
    fn aliases_are_lowercase_and_joined() {
        for (alias, _, _) in ALIASES {
            assert_eq!(
                join_words(alias).0,
                *alias,
                "alias {alias} would never match"
            );
        }
    }

    fn country(code: &str) -> CountryCode {
        CountryCode::new(code).expect("two letters")
    }

    #[test]
    fn platform_name_table() {
        let table: &[(&str, Option<Carrier>)] = &[
            ("United States Postal Service", Some(Carrier::Usps)),
            ("USPS", Some(Carrier::Usps)),
            ("usps_first_class", Some(Carrier::Usps)),
            ("U.S. Postal Service", Some(Carrier::Usps)),
            ("USPS Priority Mail Express®", Some(Carrier::Usps)),
            ("Priority Mail", Some(Carrier::Usps)),
            ("UPS Ground", Some(Carrier::Ups)),
            ("UPS® Ground", Some(Carrier::Ups)),
            ("ups", Some(Carrier::Ups)),
            ("U.P.S.", Some(Carrier::Ups)),
            ("United Parcel Service", Some(Carrier::Ups)),
            ("UPSMailInnovations", Some(Carrier::Ups)),
            ("UPS_MI", Some(Carrier::Ups)),
            ("FedEx Home Delivery", Some(Carrier::Fedex)),
            ("Federal Express", Some(Carrier::Fedex)),
            ("fedex_ground", Some(Carrier::Fedex)),
            ("FedExSmartPost", Some(Carrier::Fedex)),
            ("Fed Ex", Some(Carrier::Fedex)),
            ("FEDEX®", Some(Carrier::Fedex)),
            ("DHL Express", Some(Carrier::Dhl)),
            ("DHLExpress", Some(Carrier::Dhl)),
            ("dhl", Some(Carrier::Dhl)),
            ("DHL eCommerce", Some(Carrier::DhlEcommerce)),
            ("dhl_ecommerce", Some(Carrier::DhlEcommerce)),
            ("DHL Global Mail", Some(Carrier::DhlEcommerce)),
            ("Amazon Logistics", Some(Carrier::Amazon)),
            ("Amazon Shipping", Some(Carrier::Amazon)),
            ("AMZL_US", Some(Carrier::Amazon)),
            ("OnTrac", Some(Carrier::Ontrac)),
            ("LaserShip", Some(Carrier::Ontrac)),
            ("Canada Post", Some(Carrier::CanadaPost)),
            ("Postes Canada", Some(Carrier::CanadaPost)),
            ("Canada Post / Postes Canada", Some(Carrier::CanadaPost)),
            ("Royal Mail", Some(Carrier::RoyalMail)),
            ("Royal Mail Tracked 24", Some(Carrier::RoyalMail)),
            ("Parcelforce", Some(Carrier::Parcelforce)),
            ("Parcelforce Worldwide", Some(Carrier::Parcelforce)),
            ("Deutsche Post", Some(Carrier::DeutschePost)),
            ("La Poste", Some(Carrier::LaPoste)),
            ("Colissimo", Some(Carrier::LaPoste)),
            ("PostNL", Some(Carrier::PostNl)),
            ("Australia Post", Some(Carrier::AustraliaPost)),
            ("Japan Post", Some(Carrier::JapanPost)),
            ("China Post", Some(Carrier::ChinaPost)),
            ("Correos", Some(Carrier::Correos)),
            ("Correos de México", Some(Carrier::CorreosDeMexico)),
            ("Correios", Some(Carrier::Correios)),
            ("Österreichische Post", Some(Carrier::AustrianPost)),
            ("post_cv", Some(Carrier::PostalOperator(country("CV")))),
            ("Post DE", Some(Carrier::DeutschePost)),
            ("Purolator", Some(Carrier::Purolator)),
            ("DPD UK", Some(Carrier::Dpd)),
            ("Canpar Express", Some(Carrier::Canpar)),
            ("Yodel", Some(Carrier::Yodel)),
            ("YunExpress", Some(Carrier::YunExpress)),
            ("Spee-Dee Delivery", Some(Carrier::SpeeDee)),
            ("GOFO Express", Some(Carrier::Gofo)),
            ("Landmark Global", Some(Carrier::Landmark)),
            ("Old Dominion Freight Line", Some(Carrier::OldDominion)),
            ("ODFL", Some(Carrier::OldDominion)),
            ("", None),
            ("   ", None),
            ("®", None),
            ("Upstate Couriers", None),
            ("Correos de Chile", None),
            ("Postal", None),
            ("Other", None),
        ];
        for &(name, expected) in table {
            assert_eq!(Carrier::from_platform_name(name), expected, "{name:?}");
        }
    }
}
