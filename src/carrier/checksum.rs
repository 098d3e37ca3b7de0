//! The check-digit algorithms of the tracking-number specification, with the parameters each
//! format gives them.
//!
//! Every algorithm follows the reference implementations that come with the specification
//! (`spec/CHECKSUM_ALGORITHMS.md`, the Ruby gem, and the JavaScript of the specification's site,
//! which names the defaults for parameters a format leaves out). Where those read a character
//! the regexes never let through (a letter in a digit-only serial), the Ruby behaviour is kept
//! (`"A".to_i` is 0), so the functions accept any bytes and never panic.

/// One format's check-digit algorithm and its parameters, as the specification's
/// `validation.checksum` gives them. Built by `spec` from the JSON, which has checked the
/// parameters (every modulo is at least 1, weight lists are not empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Checksum {
    /// Weighted sum of the serial's characters, check = `(modulo - sum mod modulo) mod modulo`.
    ///
    /// Characters are indexed from the left (from the right when `reverse`), and index 0 is
    /// "even": even-indexed characters are multiplied by `evens`, odd-indexed ones by `odds`,
    /// and a missing multiplier leaves the value as it is. A letter counts as
    /// `(ASCII code - 3) mod 10` (UPS's published table: A=2 … H=9, I=0 …).
    Mod10 {
        modulo: u32,
        evens: Option<u32>,
        odds: Option<u32>,
        reverse: bool,
    },
    /// The serial's leading digits read as one decimal number; check = that number mod `modulo`.
    Mod7 { modulo: u32 },
    /// UPU S10: `sum = Σ digit × weight`; remainder `sum mod modulo`; check = 0 for remainder 1,
    /// 5 for remainder 0, else `modulo - remainder`.
    S10 { weights: Vec<u32>, modulo: u32 },
    /// `Σ digit × weight`, then `mod modulo1`, then `mod modulo2`. Characters past the last
    /// weight count 0, as in the specification's JavaScript.
    SumProduct {
        weights: Vec<u32>,
        modulo1: u32,
        modulo2: u32,
    },
    /// Luhn: from the serial's rightmost digit, every other digit (starting with that one) is
    /// doubled, and 9 subtracted when that exceeds 9; check = `(modulo - sum mod modulo) mod
    /// modulo`.
    Luhn { modulo: u32 },
    /// ISO/IEC 7064 MOD 37,36 hybrid (DPD): letters count 10–35, the check is a character of
    /// `alphabet`.
    Mod3736 { modulo: u32, alphabet: Vec<u8> },
}

impl Checksum {
    /// The specification's name of the algorithm, as in `validation.checksum.name`.
    #[cfg(test)]
    pub fn name(&self) -> &'static str {
        match self {
            Checksum::Mod10 { .. } => "mod10",
            Checksum::Mod7 { .. } => "mod7",
            Checksum::S10 { .. } => "s10",
            Checksum::SumProduct { .. } => "sum_product_with_weightings_and_modulo",
            Checksum::Luhn { .. } => "luhn",
            Checksum::Mod3736 { .. } => "mod_37_36",
        }
    }

    /// Whether `check` (the text of the CheckDigit group) is the check `serial` should have.
    pub fn verifies(&self, serial: &[u8], check: &[u8]) -> bool {
        match self {
            Checksum::Mod3736 { modulo, alphabet } => {
                mod_37_36(serial, *modulo, alphabet).is_some_and(|c| check == [c])
            }
            _ => self
                .expected(serial)
                .is_some_and(|e| check_value(check) == Some(e)),
        }
    }

    /// The numeric check value `serial` should have; `None` for [`Checksum::Mod3736`], whose
    /// check is a character, and for a mod-7 serial that does not start with a digit.
    fn expected(&self, serial: &[u8]) -> Option<u64> {
        Some(match self {
            Checksum::Mod10 {
                modulo,
                evens,
                odds,
                reverse,
            } => mod10(serial, *modulo, *evens, *odds, *reverse),
            Checksum::Mod7 { modulo } => mod7(serial, *modulo)?,
            Checksum::S10 { weights, modulo } => s10(serial, weights, *modulo),
            Checksum::SumProduct {
                weights,
                modulo1,
                modulo2,
            } => weighted_sum(serial, weights) % u64::from(*modulo1) % u64::from(*modulo2),
            Checksum::Luhn { modulo } => luhn(serial, *modulo),
            Checksum::Mod3736 { .. } => return None,
        })
    }
}

/// Whether the last digit of `digits` is the Luhn (mod 10) check digit of the others, as on a
/// payment card.
pub(super) fn passes_luhn(digits: &[u8]) -> bool {
    match digits.split_last() {
        Some((check, serial)) => Checksum::Luhn { modulo: 10 }.verifies(serial, &[*check]),
        None => false,
    }
}

/// The value of a check-digit text: its digits as a number (`"7"` → 7). `None` when it is empty
/// or holds anything but digits, which then never verifies.
fn check_value(check: &[u8]) -> Option<u64> {
    if check.is_empty() || !check.iter().all(u8::is_ascii_digit) {
        return None;
    }
    check.iter().try_fold(0u64, |n, &c| {
        n.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    })
}

/// A serial character's value where only digits have one: a digit is itself, anything else 0
/// (Ruby's `to_i`).
fn digit_or_zero(c: u8) -> u64 {
    if c.is_ascii_digit() {
        u64::from(c - b'0')
    } else {
        0
    }
}

/// A character's value in the mod-10 family: a digit is itself, a letter
/// `(ASCII code - 3) mod 10`.
fn mod10_value(c: u8) -> u64 {
    if c.is_ascii_digit() {
        u64::from(c - b'0')
    } else {
        u64::from(c).saturating_sub(3) % 10
    }
}

/// `(modulo - total mod modulo) mod modulo`: what brings `total` up to a multiple of `modulo`.
fn complement(total: u64, modulo: u32) -> u64 {
    let modulo = u64::from(modulo);
    (modulo - total % modulo) % modulo
}

fn mod10(serial: &[u8], modulo: u32, evens: Option<u32>, odds: Option<u32>, reverse: bool) -> u64 {
    let weigh = |(i, &c): (usize, &u8)| {
        let multiplier = if i % 2 == 1 { odds } else { evens };
        mod10_value(c) * u64::from(multiplier.unwrap_or(1))
    };
    let total: u64 = if reverse {
        serial.iter().rev().enumerate().map(weigh).sum()
    } else {
        serial.iter().enumerate().map(weigh).sum()
    };
    complement(total, modulo)
}

/// Digit by digit, so that no serial length can overflow.
fn mod7(serial: &[u8], modulo: u32) -> Option<u64> {
    let modulo = u64::from(modulo);
    let digits: Vec<u8> = serial
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    if digits.is_empty() {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u64, |rem, &c| (rem * 10 + u64::from(c - b'0')) % modulo),
    )
}

fn weighted_sum(serial: &[u8], weights: &[u32]) -> u64 {
    serial
        .iter()
        .zip(weights)
        .map(|(&c, &w)| digit_or_zero(c) * u64::from(w))
        .sum()
}

fn s10(serial: &[u8], weights: &[u32], modulo: u32) -> u64 {
    match weighted_sum(serial, weights) % u64::from(modulo) {
        1 => 0,
        0 => 5,
        remainder => u64::from(modulo) - remainder,
    }
}

fn luhn(serial: &[u8], modulo: u32) -> u64 {
    let total: u64 = serial
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| {
            let value = digit_or_zero(c) * if i % 2 == 0 { 2 } else { 1 };
            if value > 9 {
                value - 9
            } else {
                value
            }
        })
        .sum();
    complement(total, modulo)
}

/// The MOD 37,36 check character, as in DPD's parcel label specification (via the spec's Ruby
/// and JavaScript); `None` if the alphabet is too short to name it.
fn mod_37_36(serial: &[u8], modulo: u32, alphabet: &[u8]) -> Option<u8> {
    let modulo = u64::from(modulo);
    let mut running = modulo;
    for &c in serial {
        let value = if c.is_ascii_alphabetic() {
            u64::from(c.to_ascii_uppercase() - b'A') + 10
        } else {
            digit_or_zero(c)
        };
        running += value;
        if running > modulo {
            running -= modulo;
        }
        running *= 2;
        if running > modulo {
            running -= modulo + 1;
        }
    }
    // Each step leaves `running` in 1..=modulo, so this does not underflow.
    let mut expected = (modulo + 1).checked_sub(running)?;
    if expected == modulo {
        expected = 0;
    }
    alphabet.get(usize::try_from(expected).ok()?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mod10_config(evens: u32, odds: u32, reverse: bool) -> Checksum {
        Checksum::Mod10 {
            modulo: 10,
            evens: Some(evens),
            odds: Some(odds),
            reverse,
        }
    }

    #[test]
    fn check_values() {
        assert_eq!(check_value(b"7"), Some(7));
        assert_eq!(check_value(b"12"), Some(12));
        assert_eq!(check_value(b""), None);
        assert_eq!(check_value(b"A"), None);
    }

    #[test]
    fn ups_letter_mapping() {
        // UPS table: A=2, H=9, I=0, R=9, S=0, Z=7.
        let got: Vec<u64> = b"AHIRSZ".iter().map(|&c| mod10_value(c)).collect();
        assert_eq!(got, [2, 9, 0, 9, 0, 7]);
    }

    #[test]
    fn mod10_ups() {
        // 1Z999AA10123456784: serial 999AA1012345678 (A=2), evens ×1 and odds ×2 from the left:
        // 9+18+9+4+2+2+0+2+2+6+4+10+6+14+8 = 96 → check (10 - 6) % 10 = 4.
        let ups = mod10_config(1, 2, false);
        assert!(ups.verifies(b"999AA1012345678", b"4"));
        assert!(!ups.verifies(b"999AA1012345678", b"5"));
        assert!(!ups.verifies(b"999AA1012345678", b"A"));
    }

    #[test]
    fn mod10_gs1_weights_and_reverse() {
        // FedEx Ground 449044304137821: evens ×1, odds ×3 from the left over 14 digits:
        // 4+12+9+0+4+12+3+0+4+3+7+24+2+6 = 89 → check 1.
        let ground = mod10_config(1, 3, false);
        assert!(ground.verifies(b"44904430413782", b"1"));
        // USPS IMpb N reads the serial reversed: evens ×3 from the right end.
        // 940011120108080548301 reversed, ×3 on index 0, 2, … → 94 → check 6.
        let impb = mod10_config(3, 1, true);
        assert!(impb.verifies(b"940011120108080548301", b"6"));
        // A total that is already a multiple of 10 gives 0, not 10.
        assert!(ground.verifies(b"0000", b"0"));
        assert!(ground.verifies(b"", b"0"));
    }

    #[test]
    fn mod7_reads_the_serial_as_a_number() {
        // 331881002 = 7 * 47411571 + 5.
        let dhl = Checksum::Mod7 { modulo: 7 };
        assert!(dhl.verifies(b"331881002", b"5"));
        assert!(!dhl.verifies(b"331881002", b"4"));
        // Long serials do not overflow: 999999 = 7 * 142857, so 200 nines leave 99 → 1.
        assert!(dhl.verifies(&[b'9'; 200], b"1"));
        // Ruby's to_i reads leading digits only; a serial with none never verifies.
        assert!(dhl.verifies(b"7A12", b"0"));
        assert!(!dhl.verifies(b"A", b"0"));
    }

    #[test]
    fn s10_weights_and_special_remainders() {
        let s10 = Checksum::S10 {
            weights: vec![8, 6, 4, 2, 3, 5, 9, 7],
            modulo: 11,
        };
        // 12345678: 8+12+12+8+15+30+63+56 = 204; 204 % 11 = 6; 11 - 6 = 5.
        assert!(s10.verifies(b"12345678", b"5"));
        // Remainder 0 → 5: 00000000.
        assert!(s10.verifies(b"00000000", b"5"));
        // Remainder 1 → 0: 10100000 → 8 + 4 = 12; 12 % 11 = 1.
        assert!(s10.verifies(b"10100000", b"0"));
        assert!(!s10.verifies(b"10100000", b"10"));
    }

    #[test]
    fn sum_product_fedex() {
        let express = Checksum::SumProduct {
            weights: vec![3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1],
            modulo1: 11,
            modulo2: 10,
        };
        // 12345678901 × 3,1,7,…: 3+2+21+12+5+42+21+8+63+0+1 = 178; 178 % 11 = 2; 2 % 10 = 2.
        assert!(express.verifies(b"12345678901", b"2"));
        assert!(!express.verifies(b"12345678901", b"3"));
        // Characters past the weights count 0.
        assert!(express.verifies(b"123456789019999", b"2"));
    }

    #[test]
    fn luhn_doubles_from_the_right() {
        let luhn = Checksum::Luhn { modulo: 10 };
        // The textbook number 7992739871 has check 3.
        assert!(luhn.verifies(b"7992739871", b"3"));
        assert!(!luhn.verifies(b"7992739871", b"4"));
    }

    #[test]
    fn mod_37_36_dpd() {
        let dpd = Checksum::Mod3736 {
            modulo: 36,
            alphabet: b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".to_vec(),
        };
        // The spec's DPD (14) test numbers: 0998 0000 0200 34D and 09 9800 0002 0033 F.
        assert!(dpd.verifies(b"09980000020034", b"D"));
        assert!(dpd.verifies(b"09980000020033", b"F"));
        assert!(!dpd.verifies(b"09980000020033", b"D"));
        // A too-short alphabet names no check and never panics.
        let short = Checksum::Mod3736 {
            modulo: 36,
            alphabet: b"01".to_vec(),
        };
        assert!(!short.verifies(b"09980000020034", b"D"));
        assert!(!dpd.verifies(b"", b"0"));
    }

    #[test]
    fn names_are_the_spec_names() {
        assert_eq!(Checksum::Luhn { modulo: 10 }.name(), "luhn");
        assert_eq!(Checksum::Mod7 { modulo: 7 }.name(), "mod7");
    }
}
