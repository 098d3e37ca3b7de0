//! The specification's JSON as it is on disk (`spec/couriers/*.json`): plain serde types, read
//! once and turned into runtime formats by `spec`.
//!
//! Fields that change what a number means (regexes, validation, lookups) are read strictly:
//! an unknown key there fails loading, and so the tests, rather than being silently ignored
//! after a specification update. Descriptive fields (`description`, `glossary`) are accepted and
//! not used.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

/// One `couriers/*.json` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CourierFile {
    pub name: String,
    pub courier_code: String,
    pub tracking_numbers: Vec<FormatDto>,
}

/// One tracking-number format of a courier.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FormatDto {
    pub name: String,
    /// Absent on a few formats; `spec` then derives one from the name.
    pub id: Option<String>,
    pub regex: RegexDto,
    #[serde(default)]
    pub validation: ValidationDto,
    /// With `%s` where the number goes; `null` for S10, which has no single tracker.
    pub tracking_url: Option<String>,
    #[serde(default)]
    pub additional: Vec<AdditionalDto>,
    /// Read by the tests only.
    #[cfg_attr(not(test), allow(dead_code))]
    pub test_numbers: TestNumbers,
    #[serde(default)]
    #[allow(dead_code)]
    pub description: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    pub glossary: Option<IgnoredAny>,
}

/// A regex written whole or in parts that are concatenated.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RegexDto {
    Whole(String),
    Parts(Vec<String>),
}

impl RegexDto {
    /// The regex as one string, parts joined as the reference libraries join them.
    pub fn joined(&self) -> String {
        match self {
            RegexDto::Whole(pattern) => pattern.clone(),
            RegexDto::Parts(parts) => parts.concat(),
        }
    }
}

/// `validation`: what a number must pass besides its pattern.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ValidationDto {
    pub checksum: Option<ChecksumDto>,
    pub serial_number_format: Option<SerialNumberFormatDto>,
    pub additional: Option<ExistsDto>,
}

/// `validation.checksum`, by algorithm name. Parameters a format leaves out take the defaults
/// of the specification's JavaScript (`site/src/lib/checksum.js`), applied in `spec`.
#[derive(Debug, Deserialize)]
#[serde(tag = "name", deny_unknown_fields)]
pub(super) enum ChecksumDto {
    #[serde(rename = "mod10")]
    Mod10 {
        modulo: Option<u32>,
        evens_multiplier: Option<u32>,
        odds_multiplier: Option<u32>,
        reverse: Option<bool>,
    },
    #[serde(rename = "mod7")]
    Mod7 { modulo: Option<u32> },
    #[serde(rename = "s10")]
    S10 {
        weightings: Option<Vec<u32>>,
        modulo: Option<u32>,
    },
    #[serde(rename = "sum_product_with_weightings_and_modulo")]
    SumProduct {
        weightings: Vec<u32>,
        modulo1: u32,
        modulo2: u32,
    },
    #[serde(rename = "luhn")]
    Luhn { modulo: Option<u32> },
    #[serde(rename = "mod_37_36")]
    Mod3736 {
        modulo: Option<u32>,
        alphabet: Option<String>,
    },
}

/// `validation.serial_number_format`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SerialNumberFormatDto {
    pub prepend_if: PrependIfDto,
}

/// Put `content` in front of the serial number before the checksum when the serial matches
/// `matches_regex`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PrependIfDto {
    pub matches_regex: String,
    pub content: String,
}

/// `validation.additional`: lookups (by their `name`) that must find an entry for the number to
/// be valid.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExistsDto {
    pub exists: Vec<String>,
}

/// One `additional` lookup: the text of a regex group looked up in a table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AdditionalDto {
    pub name: String,
    pub regex_group_name: String,
    pub lookup: Vec<LookupEntryDto>,
}

/// One row of a lookup: `matches` (the exact text) or `matches_regex`, and what it means
/// (`name`, `description`, `country`, `courier`, … kept as they are).
#[derive(Debug, Deserialize)]
pub(super) struct LookupEntryDto {
    pub matches: Option<String>,
    pub matches_regex: Option<String>,
    #[serde(flatten)]
    pub info: BTreeMap<String, Option<String>>,
}

/// The specification's own examples for a format.
#[derive(Debug, Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
#[serde(deny_unknown_fields)]
pub(super) struct TestNumbers {
    pub valid: Vec<String>,
    #[serde(default)]
    pub invalid: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_checksum_names_and_fields_are_rejected() {
        let ok: ChecksumDto = serde_json::from_str(r#"{"name":"luhn","modulo":10}"#).unwrap();
        assert!(matches!(ok, ChecksumDto::Luhn { modulo: Some(10) }));
        assert!(serde_json::from_str::<ChecksumDto>(r#"{"name":"mod11"}"#).is_err());
        assert!(serde_json::from_str::<ChecksumDto>(r#"{"name":"luhn","weights":[1]}"#).is_err());
    }

    #[test]
    fn regex_parts_are_joined() {
        let parts: RegexDto = serde_json::from_str(r#"["a\\s*", "(?<SerialNumber>b)"]"#).unwrap();
        assert_eq!(parts.joined(), r"a\s*(?<SerialNumber>b)");
        let whole: RegexDto = serde_json::from_str(r#""abc""#).unwrap();
        assert_eq!(whole.joined(), "abc");
    }

    #[test]
    fn lookup_entries_keep_their_fields() {
        let entry: LookupEntryDto = serde_json::from_str(
            r#"{"matches":"GB","country":"Great Britain","courier":"Royal Mail","courier_url":null}"#,
        )
        .unwrap();
        assert_eq!(entry.matches.as_deref(), Some("GB"));
        assert_eq!(entry.info["courier"].as_deref(), Some("Royal Mail"));
        assert_eq!(entry.info["courier_url"], None);
    }
}
