//! Target `carrier`: any text as a tracking number. Detection must agree with itself:
//! normalising twice changes nothing and changes no answer, candidates are listed once each
//! with verified check digits first, `resolve` only picks a detected carrier (or the one the
//! platform named), and every carrier's slug reads back as that carrier.

use deskbot::carrier::{detect, normalize, resolve, Carrier};
use deskbot::respond::facts::Tracking;

use super::mutate::Mutator;
use super::{count, Harness, Tally};

/// Valid and nearly valid numbers of every format, beside the demo shop's.
const SEED_NUMBERS: &[&str] = &[
    "1Z999AA10123456784",
    "1Z999AA10123456785",
    "1z 999 aa1 0123 4567 84",
    "T9999999999",
    "9400111201080805483016",
    "420221539101026837331000039521",
    "4201002334249200190132607600833457",
    "123456789012",
    "449044304137821",
    "9611020987654312345672",
    "1001921334250001000300779017972697",
    "7465097080",
    "JJD000390007827596",
    "GM2951173225174494",
    "TBA123456789012",
    "C11031500001879",
    "1LS717000010000",
    "7023210039414604",
    "RB123456785GB",
    "RR123456785ZZ",
    "EE123456785US",
    "CP123456785DE",
    "１Ｚ９９９ＡＡ１０１２３４５６７８４",
    "",
    "-",
];

/// Platform carrier names, right and wrong.
const PLATFORM_NAMES: &[&str] = &[
    "UPS",
    "United States Postal Service",
    "UPS® Ground",
    "FedExSmartPost",
    "DHL eCommerce",
    "post_de",
    "post_zz",
    "Other",
    "",
];

/// Seeds: the numbers above and the demo shop's; tokens: format prefixes and separators.
pub fn mutator(tracking: &[Tracking]) -> Mutator {
    let seeds = SEED_NUMBERS
        .iter()
        .map(|n| n.as_bytes().to_vec())
        .chain(tracking.iter().map(|t| t.number.clone().into_bytes()))
        .collect();
    let tokens = [
        "1Z", "420", "92", "94", "96", "TBA", "JJD", "GM", "RR", "US", "GB", "ZZ", " ", "-",
        "\u{2010}", "\u{FF0D}", "\u{FF10}",
    ];
    Mutator::new(seeds, &tokens, 256)
}

/// Checks detection on each input.
#[derive(Default)]
pub struct CarrierHarness {
    tally: Tally,
}

impl Harness for CarrierHarness {
    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let number = String::from_utf8_lossy(input);
        let normal = normalize(&number);
        if normalize(&normal) != normal {
            return Err(format!("normalize is not idempotent: {normal:?}"));
        }
        let candidates = detect(&number);
        if detect(&normal) != candidates {
            return Err("detect gives another answer on the normalised number".into());
        }
        // Valid with a check digit first, then valid without one, then not valid.
        let rank = |c: &deskbot::carrier::Candidate| match (c.valid, c.check_digit_valid) {
            (true, Some(true)) => 0,
            (true, _) => 1,
            (false, _) => 2,
        };
        for (i, candidate) in candidates.iter().enumerate() {
            if candidates[..i]
                .iter()
                .any(|c| c.courier == candidate.courier)
            {
                return Err(format!("{} is listed twice", candidate.courier));
            }
            if candidates[..i].iter().any(|c| rank(c) > rank(candidate)) {
                return Err("a better candidate comes after a worse one".into());
            }
            if candidate.valid && candidate.check_digit_valid == Some(false) {
                return Err(format!(
                    "{} is valid with a failed check digit",
                    candidate.format
                ));
            }
            let slug = candidate.carrier.slug();
            if Carrier::from_slug(&slug) != Some(candidate.carrier) {
                return Err(format!("slug {slug:?} does not read back"));
            }
            if Carrier::from_platform_name(&slug) != Some(candidate.carrier) {
                return Err(format!(
                    "slug {slug:?} does not read back as a platform name"
                ));
            }
            if candidate.carrier.display_name().trim().is_empty() {
                return Err(format!("{slug} has no display name"));
            }
        }
        let resolved = resolve(None, &number);
        count(
            &mut self.tally,
            match (candidates.len(), resolved) {
                (0, _) => "no candidate".to_owned(),
                (_, Some(carrier)) => format!("resolved {}", carrier.slug()),
                (n, None) => format!("{n} candidate(s), unresolved"),
            },
        );
        if let Some(carrier) = resolved {
            if !candidates.iter().any(|c| c.carrier == carrier) {
                return Err(format!(
                    "resolve picks {} which detect does not list",
                    carrier.slug()
                ));
            }
        }
        if resolve(None, &normal) != resolved {
            return Err("resolve gives another answer on the normalised number".into());
        }
        for name in PLATFORM_NAMES.iter().copied().chain([&*number]) {
            let named = Carrier::from_platform_name(name);
            let picked = resolve(Some(name), &number);
            if named.is_some() && picked != named {
                return Err(format!("the platform's carrier name {name:?} does not win"));
            }
            if named.is_none() && picked != resolved {
                return Err(format!(
                    "an unknown platform name {name:?} changes the answer"
                ));
            }
        }
        Ok(())
    }

    fn tally(&self) -> Tally {
        self.tally.clone()
    }
}
