//! The specification interpreted: every courier's formats, compiled once, and how a normalised
//! number stands against each format its pattern fits.
//!
//! Semantics follow the reference Ruby gem (`tracking_number`, `TrackingNumber::Base`), which
//! the other libraries copy:
//! - a number fits a format when the format's regex matches the whole number;
//! - the serial is the `SerialNumber` group, with `prepend_if.content` put in front when the
//!   serial meets `prepend_if.matches_regex`; the checksum runs on that serial and the
//!   `CheckDigit` group;
//! - an `additional` lookup finds the first entry whose `matches` equals the group's text or
//!   whose `matches_regex` matches somewhere in it;
//! - a number is valid when it fits, its checksum (if the format has one) verifies, and every
//!   lookup named in `validation.additional.exists` found an entry.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::{Captures, Regex, RegexSet};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::checksum::Checksum;
#[cfg(test)]
use super::dto::TestNumbers;
use super::dto::{AdditionalDto, ChecksumDto, CourierFile, FormatDto, LookupEntryDto};
use super::translate::{self, Condition, ConditionError, TranslateError};
use super::{Carrier, CountryCode};

/// The embedded courier files. Their order is the order candidates of equal standing are listed
/// in: the couriers a shop meets most often first.
const COURIER_FILES: &[(&str, &str)] = &[
    ("ups.json", include_str!("spec/couriers/ups.json")),
    ("usps.json", include_str!("spec/couriers/usps.json")),
    ("fedex.json", include_str!("spec/couriers/fedex.json")),
    ("dhl.json", include_str!("spec/couriers/dhl.json")),
    ("amazon.json", include_str!("spec/couriers/amazon.json")),
    ("ontrac.json", include_str!("spec/couriers/ontrac.json")),
    (
        "lasership.json",
        include_str!("spec/couriers/lasership.json"),
    ),
    (
        "canadapost.json",
        include_str!("spec/couriers/canadapost.json"),
    ),
    ("s10.json", include_str!("spec/couriers/s10.json")),
    ("dpd.json", include_str!("spec/couriers/dpd.json")),
    (
        "purolator.json",
        include_str!("spec/couriers/purolator.json"),
    ),
    ("canpar.json", include_str!("spec/couriers/canpar.json")),
    ("yodel.json", include_str!("spec/couriers/yodel.json")),
    (
        "yunexpress.json",
        include_str!("spec/couriers/yunexpress.json"),
    ),
    ("speedee.json", include_str!("spec/couriers/speedee.json")),
    ("gofo.json", include_str!("spec/couriers/gofo.json")),
    ("landmark.json", include_str!("spec/couriers/landmark.json")),
    (
        "old_dominion.json",
        include_str!("spec/couriers/old_dominion.json"),
    ),
];

/// The regex group holding an S10 number's country code.
const S10_COUNTRY_GROUP: &str = "CountryCode";

/// The specification, loaded and compiled on first use.
///
/// The files are part of the binary and `every_embedded_file_loads` (like every other test of
/// this module) loads them, so a failure here is a build defect, not bad input: it is reported
/// with the file and format at fault.
pub(super) static SPEC: LazyLock<Spec> = LazyLock::new(|| match Spec::from_files(COURIER_FILES) {
    Ok(spec) => spec,
    Err(err) => panic!("the embedded tracking-number specification does not load: {err}"),
});

/// Something in the specification deskbot cannot interpret.
#[derive(Debug, thiserror::Error)]
pub(super) enum SpecError {
    #[error("{file}: {source}")]
    Json {
        file: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{file}: courier {code:?} maps to no deskbot carrier")]
    UnknownCourier { file: String, code: String },
    #[error("format {format}: {source}")]
    Translate {
        format: String,
        #[source]
        source: TranslateError,
    },
    #[error("format {format}: regex {pattern:?} does not compile")]
    Regex {
        format: String,
        pattern: String,
        #[source]
        source: regex::Error,
    },
    #[error("format {format}: prepend_if: {source}")]
    Condition {
        format: String,
        #[source]
        source: ConditionError,
    },
    #[error("format {format}: no {group} group in {pattern:?}")]
    MissingGroup {
        format: String,
        group: String,
        pattern: String,
    },
    #[error("format {format}: checksum {checksum}: {problem}")]
    Checksum {
        format: String,
        checksum: &'static str,
        problem: &'static str,
    },
    #[error("format {format}: validation names lookup {lookup:?}, which the format lacks")]
    UnknownLookup { format: String, lookup: String },
    #[error("format {format}: lookup {lookup:?} has an entry without matches or matches_regex")]
    LookupEntry { format: String, lookup: String },
    #[error("format id {format} is used twice")]
    DuplicateFormat { format: String },
    #[error("the combined pattern set does not compile")]
    Set(#[source] regex::Error),
}

/// A courier of the specification.
#[derive(Debug)]
pub(super) struct Courier {
    /// `courier_code`: "ups", "canada_post", "s10", ….
    pub code: String,
    /// `name`: "United States Postal Service", "S10 International Standard", ….
    pub name: String,
}

/// Whose a number of a format is, in deskbot's terms.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Is(Carrier),
    /// The postal operator of the country code in the S10 group.
    PostalOperator,
}

/// One `additional` lookup.
#[derive(Debug)]
pub(super) struct Lookup {
    pub name: String,
    group: String,
    entries: Vec<LookupEntry>,
}

#[derive(Debug)]
struct LookupEntry {
    matcher: Matcher,
    info: BTreeMap<String, Option<String>>,
}

#[derive(Debug)]
enum Matcher {
    Exact(String),
    Pattern(Regex),
}

/// One tracking-number format, compiled.
#[derive(Debug)]
pub(super) struct Format {
    /// Index into [`Spec::couriers`].
    pub courier: usize,
    /// The spec's `id`, or one made from the name where the spec has none
    /// ("LaserShip 1LS7 (18)" → `lasership_1ls7_18`).
    pub id: String,
    /// The spec's `name`; the tests name formats by it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub name: String,
    /// The name without a trailing length in parentheses: "FedEx Ground 96 (22)" → "FedEx
    /// Ground 96".
    pub service: String,
    /// With `%s` where the number goes.
    pub tracking_url: Option<String>,
    /// Whether the format is recognisable in free text without a check digit: see
    /// [`has_letter_prefix`].
    pub distinctive: bool,
    alternatives: Vec<Regex>,
    checksum: Option<Checksum>,
    prepend_if: Option<(Condition, String)>,
    lookups: Vec<Lookup>,
    /// Indices into `lookups` that must find an entry.
    required: Vec<usize>,
    owner: Owner,
    #[cfg(test)]
    pub test_numbers: TestNumbers,
}

/// A lookup that found an entry for a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LookupHit<'s> {
    /// The lookup's name: "Service Type", "Courier", ….
    pub lookup: &'s str,
    /// The text of its regex group in the number.
    pub value: String,
    /// The entry's fields besides `matches`/`matches_regex`.
    pub info: &'s BTreeMap<String, Option<String>>,
}

/// How a number stands against one format whose regex it matches.
#[derive(Debug)]
pub(super) struct FormatMatch<'s> {
    pub format: &'s Format,
    /// `None` when an S10 number's country code names no country (`XX`).
    pub carrier: Option<Carrier>,
    /// `None` when the format has no checksum.
    pub check_digit_valid: Option<bool>,
    pub valid: bool,
    pub hits: Vec<LookupHit<'s>>,
}

/// Every format of every courier, compiled.
#[derive(Debug)]
pub(super) struct Spec {
    pub couriers: Vec<Courier>,
    /// In courier order, then in each file's order.
    pub formats: Vec<Format>,
    /// Every alternative of every format, anchored at both ends, in format order, so that one
    /// pass finds the formats a number fits.
    set: RegexSet,
    /// For each pattern of `set`, the format and alternative it belongs to.
    owners: Vec<(usize, usize)>,
}

impl Spec {
    /// Loads and compiles courier files given as (file name, JSON text).
    pub fn from_files(files: &[(&str, &str)]) -> Result<Spec, SpecError> {
        let mut couriers = Vec::with_capacity(files.len());
        let mut formats: Vec<Format> = Vec::new();
        for &(file, json) in files {
            let courier: CourierFile =
                serde_json::from_str(json).map_err(|source| SpecError::Json {
                    file: file.to_owned(),
                    source,
                })?;
            let index = couriers.len();
            for dto in courier.tracking_numbers {
                let format = Format::compile(index, &courier.courier_code, dto, file)?;
                if formats.iter().any(|f| f.id == format.id) {
                    return Err(SpecError::DuplicateFormat { format: format.id });
                }
                formats.push(format);
            }
            couriers.push(Courier {
                code: courier.courier_code,
                name: courier.name,
            });
        }
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (f, format) in formats.iter().enumerate() {
            for (a, alternative) in format.alternatives.iter().enumerate() {
                patterns.push(alternative.as_str().to_owned());
                owners.push((f, a));
            }
        }
        let set = RegexSet::new(&patterns).map_err(SpecError::Set)?;
        Ok(Spec {
            couriers,
            formats,
            set,
            owners,
        })
    }

    /// Every format whose regex matches the normalised `number`, in format order.
    pub fn matches(&self, number: &str) -> Vec<FormatMatch<'_>> {
        let mut found: Vec<FormatMatch<'_>> = Vec::new();
        for pattern in self.set.matches(number).iter() {
            let (f, a) = self.owners[pattern];
            // Patterns are in format order, so the first alternative of a format that matches
            // comes first, as in the original's backtracking order.
            if found
                .last()
                .is_some_and(|m| std::ptr::eq(m.format, &self.formats[f]))
            {
                continue;
            }
            let format = &self.formats[f];
            if let Some(captures) = format.alternatives[a].captures(number) {
                found.push(format.evaluate(&captures));
            }
        }
        found
    }

    /// The courier a format belongs to.
    pub fn courier(&self, format: &Format) -> &Courier {
        &self.couriers[format.courier]
    }
}

impl Format {
    fn compile(
        courier: usize,
        courier_code: &str,
        dto: FormatDto,
        file: &str,
    ) -> Result<Format, SpecError> {
        let id = dto.id.clone().unwrap_or_else(|| id_from_name(&dto.name));
        let owner = owner(courier_code, &id).ok_or_else(|| SpecError::UnknownCourier {
            file: file.to_owned(),
            code: courier_code.to_owned(),
        })?;
        let patterns = translate::format_patterns(&id, &dto.regex.joined()).map_err(|source| {
            SpecError::Translate {
                format: id.clone(),
                source,
            }
        })?;
        let alternatives = patterns
            .iter()
            .map(|p| {
                Regex::new(&format!("^(?:{p})$")).map_err(|source| SpecError::Regex {
                    format: id.clone(),
                    pattern: p.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let distinctive = patterns.iter().all(|p| has_letter_prefix(p));

        let validation = dto.validation;
        let checksum = validation
            .checksum
            .map(|c| {
                checksum(c).map_err(|(checksum, problem)| SpecError::Checksum {
                    format: id.clone(),
                    checksum,
                    problem,
                })
            })
            .transpose()?;
        let prepend_if = validation
            .serial_number_format
            .map(|f| {
                translate::condition(&f.prepend_if.matches_regex)
                    .map(|condition| (condition, f.prepend_if.content))
                    .map_err(|source| SpecError::Condition {
                        format: id.clone(),
                        source,
                    })
            })
            .transpose()?;
        let lookups = dto
            .additional
            .into_iter()
            .map(|a| lookup(&id, a))
            .collect::<Result<Vec<_>, _>>()?;
        let required = validation
            .additional
            .map_or_else(Vec::new, |a| a.exists)
            .into_iter()
            .map(|name| {
                lookups
                    .iter()
                    .position(|l| l.name == name)
                    .ok_or(SpecError::UnknownLookup {
                        format: id.clone(),
                        lookup: name,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;

        // Every group the interpreter reads must exist in every alternative.
        let mut groups = vec!["SerialNumber"];
        if checksum.is_some() {
            groups.push("CheckDigit");
        }
        if matches!(owner, Owner::PostalOperator) {
            groups.push(S10_COUNTRY_GROUP);
        }
        groups.extend(lookups.iter().map(|l| l.group.as_str()));
        for alternative in &alternatives {
            if let Some(missing) = groups
                .iter()
                .find(|&&g| !alternative.capture_names().flatten().any(|n| n == g))
            {
                return Err(SpecError::MissingGroup {
                    format: id,
                    group: (*missing).to_owned(),
                    pattern: alternative.as_str().to_owned(),
                });
            }
        }

        Ok(Format {
            courier,
            service: service_name(&dto.name),
            id,
            name: dto.name,
            tracking_url: dto.tracking_url,
            distinctive,
            alternatives,
            checksum,
            prepend_if,
            lookups,
            required,
            owner,
            #[cfg(test)]
            test_numbers: dto.test_numbers,
        })
    }

    /// How a number whose regex matched (`captures`) stands against this format.
    fn evaluate<'s>(&'s self, captures: &Captures<'_>) -> FormatMatch<'s> {
        let group = |name: &str| captures.name(name).map(|m| m.as_str());
        let raw_serial = group("SerialNumber").unwrap_or_default();
        let serial: Cow<'_, str> = match &self.prepend_if {
            Some((condition, content)) if condition.holds(raw_serial) => {
                Cow::Owned(format!("{content}{raw_serial}"))
            }
            _ => Cow::Borrowed(raw_serial),
        };
        let check_digit_valid = self.checksum.as_ref().map(|checksum| {
            checksum.verifies(
                serial.as_bytes(),
                group("CheckDigit").unwrap_or_default().as_bytes(),
            )
        });
        let mut hits = Vec::new();
        let mut found = vec![false; self.lookups.len()];
        for (i, lookup) in self.lookups.iter().enumerate() {
            let Some(value) = group(&lookup.group) else {
                continue;
            };
            if let Some(entry) = lookup.entries.iter().find(|e| e.matcher.matches(value)) {
                found[i] = true;
                hits.push(LookupHit {
                    lookup: &lookup.name,
                    value: value.to_owned(),
                    info: &entry.info,
                });
            }
        }
        let valid = check_digit_valid != Some(false) && self.required.iter().all(|&i| found[i]);
        let carrier = match self.owner {
            Owner::Is(carrier) => Some(carrier),
            Owner::PostalOperator => group(S10_COUNTRY_GROUP)
                .and_then(CountryCode::new)
                .map(Carrier::from_country),
        };
        FormatMatch {
            format: self,
            carrier,
            check_digit_valid,
            valid,
            hits,
        }
    }

    /// The checksum's algorithm name, for tests and diagnostics.
    #[cfg(test)]
    pub fn checksum_name(&self) -> Option<&'static str> {
        self.checksum.as_ref().map(Checksum::name)
    }
}

impl Matcher {
    fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(text) => text == value,
            Matcher::Pattern(re) => re.is_match(value),
        }
    }
}

/// deskbot's carrier for a courier code (and, for DHL, the format: DHL eCommerce is tracked
/// apart from DHL Express). LaserShip numbers belong to OnTrac, which took LaserShip over.
fn owner(courier_code: &str, format_id: &str) -> Option<Owner> {
    Some(Owner::Is(match courier_code {
        "ups" => Carrier::Ups,
        "usps" => Carrier::Usps,
        "fedex" => Carrier::Fedex,
        "dhl" if format_id.starts_with("dhl_ecommerce") => Carrier::DhlEcommerce,
        "dhl" => Carrier::Dhl,
        "amazon" => Carrier::Amazon,
        "ontrac" | "lasership" => Carrier::Ontrac,
        "canada_post" => Carrier::CanadaPost,
        "s10" => return Some(Owner::PostalOperator),
        "dpd" => Carrier::Dpd,
        "purolator" => Carrier::Purolator,
        "canpar" => Carrier::Canpar,
        "yodel" => Carrier::Yodel,
        "yunexpress" => Carrier::YunExpress,
        "speedee" => Carrier::SpeeDee,
        "gofo" => Carrier::Gofo,
        "landmark" => Carrier::Landmark,
        "old_dominion" => Carrier::OldDominion,
        _ => return None,
    }))
}

/// The runtime checksum for `validation.checksum`, with the defaults of the specification's
/// JavaScript for parameters left out; `Err((algorithm, problem))` for parameters that would
/// divide by zero or weigh nothing.
fn checksum(dto: ChecksumDto) -> Result<Checksum, (&'static str, &'static str)> {
    fn modulo(name: &'static str, value: u32) -> Result<u32, (&'static str, &'static str)> {
        if value == 0 {
            Err((name, "modulo 0"))
        } else {
            Ok(value)
        }
    }
    Ok(match dto {
        ChecksumDto::Mod10 {
            modulo: m,
            evens_multiplier,
            odds_multiplier,
            reverse,
        } => Checksum::Mod10 {
            modulo: modulo("mod10", m.unwrap_or(10))?,
            evens: evens_multiplier,
            odds: odds_multiplier,
            reverse: reverse.unwrap_or(false),
        },
        ChecksumDto::Mod7 { modulo: m } => Checksum::Mod7 {
            modulo: modulo("mod7", m.unwrap_or(7))?,
        },
        ChecksumDto::S10 {
            weightings,
            modulo: m,
        } => Checksum::S10 {
            weights: weightings.unwrap_or_else(|| vec![8, 6, 4, 2, 3, 5, 9, 7]),
            modulo: modulo("s10", m.unwrap_or(11))?,
        },
        ChecksumDto::SumProduct {
            weightings,
            modulo1,
            modulo2,
        } => {
            const NAME: &str = "sum_product_with_weightings_and_modulo";
            if weightings.is_empty() {
                return Err((NAME, "no weightings"));
            }
            Checksum::SumProduct {
                weights: weightings,
                modulo1: modulo(NAME, modulo1)?,
                modulo2: modulo(NAME, modulo2)?,
            }
        }
        ChecksumDto::Luhn { modulo: m } => Checksum::Luhn {
            modulo: modulo("luhn", m.unwrap_or(10))?,
        },
        ChecksumDto::Mod3736 {
            modulo: m,
            alphabet,
        } => {
            let alphabet =
                alphabet.unwrap_or_else(|| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".into());
            if !alphabet.is_ascii() || alphabet.is_empty() {
                return Err(("mod_37_36", "alphabet must be ASCII and not empty"));
            }
            Checksum::Mod3736 {
                modulo: modulo("mod_37_36", m.unwrap_or(36))?,
                alphabet: alphabet.into_bytes(),
            }
        }
    })
}

fn lookup(format: &str, dto: AdditionalDto) -> Result<Lookup, SpecError> {
    let entries = dto
        .lookup
        .into_iter()
        .map(|entry: LookupEntryDto| {
            let matcher = match (entry.matches, entry.matches_regex) {
                (Some(text), _) => Matcher::Exact(text),
                (None, Some(pattern)) => {
                    Matcher::Pattern(Regex::new(&pattern).map_err(|source| SpecError::Regex {
                        format: format.to_owned(),
                        pattern,
                        source,
                    })?)
                }
                (None, None) => {
                    return Err(SpecError::LookupEntry {
                        format: format.to_owned(),
                        lookup: dto.name.clone(),
                    })
                }
            };
            Ok(LookupEntry {
                matcher,
                info: entry.info,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Lookup {
        name: dto.name,
        group: dto.regex_group_name,
        entries,
    })
}

/// A format id from its name: lowercase, runs of other characters as one `_`.
fn id_from_name(name: &str) -> String {
    let mut id = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('_') {
            id.push('_');
        }
    }
    id.trim_end_matches('_').to_owned()
}

/// The format's name without a trailing "(22)"-style length, which names the number's length
/// rather than the service.
fn service_name(name: &str) -> String {
    name.strip_suffix(')')
        .and_then(|rest| rest.rsplit_once(" ("))
        .filter(|(_, inside)| !inside.is_empty() && inside.bytes().all(|b| b.is_ascii_digit()))
        .map_or(name, |(service, _)| service)
        .to_owned()
}

/// Whether every number a pattern matches starts with a fixed prefix holding at least two
/// letters (`TBA…`, `1LS7…`, `JJD…`, `GM…`, `LTN…`), as the regex's literal prefixes show.
///
/// A format without a check digit is only taken for a tracking number in free text when it has
/// one: a bare digit run, or one letter and digits, is as likely an order number, a phone number
/// or a product code.
fn has_letter_prefix(pattern: &str) -> bool {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return false;
    };
    let prefixes = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    prefixes.literals().is_some_and(|literals| {
        !literals.is_empty()
            && literals.iter().all(|literal| {
                literal
                    .as_bytes()
                    .iter()
                    .filter(|b| b.is_ascii_alphabetic())
                    .count()
                    >= 2
            })
    })
}

#[cfg(test)]
mod tests;
