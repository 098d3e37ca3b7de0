//! Check-digit algorithms used by the tracking-number formats in `rules`.
//!
//! Each helper takes the *payload* (the characters the check digit protects) and returns the
//! check digit it should have, rather than a yes/no, so the helpers can be tested against
//! hand-computed values independently of any format. Callers have already checked the payload's
//! shape, but the helpers still accept any bytes without panicking.

/// The digit a check-digit character stands for; `None` for a letter, which never validates.
pub(super) fn digit(c: u8) -> Option<u8> {
    c.is_ascii_digit().then(|| c - b'0')
}

/// Value of one payload character in the mod-10 family.
///
/// Digits count as themselves. Letters use UPS's published mapping (A=2 … H=9, I=0 … R=9,
/// S=0 … Z=7), which is `(ASCII code - 3) mod 10`; OnTrac's leading `C`/`D` map the same way
/// (4 and 5), which is why the spec "prepends 4" to OnTrac serials.
fn mod10_value(c: u8) -> u32 {
    if c.is_ascii_digit() {
        u32::from(c - b'0')
    } else {
        u32::from(c).saturating_sub(3) % 10
    }
}

/// Weighted mod 10: weights alternate from the right, the rightmost payload character getting
/// `rightmost`; check = `(10 - sum mod 10) mod 10`.
///
/// USPS IMpb, FedEx Ground/SmartPost and Canada Post use 3/1 (the GS1 scheme), UPS uses 1/2 and
/// OnTrac 2/1. The spec states its weights by index from the left; anchoring on the right makes
/// one helper serve payloads of odd and even length.
pub(super) fn mod10(payload: &[u8], rightmost: u32, other: u32) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| mod10_value(c) * if i % 2 == 0 { rightmost } else { other })
        .fold(0u32, u32::wrapping_add);
    ((10 - sum % 10) % 10) as u8
}

/// FedEx weighted mod 11: weights 1, 3, 7 repeating from the rightmost payload digit;
/// check = `sum mod 11 mod 10`. Used by FedEx Express (12 and 34 digits) and Ground GSN.
pub(super) fn fedex_mod11(payload: &[u8]) -> u8 {
    const WEIGHTS: [u32; 3] = [1, 3, 7];
    let sum: u32 = payload
        .iter()
        .rev()
        .zip(WEIGHTS.iter().cycle())
        .map(|(&c, &w)| mod10_value(c) * w)
        .fold(0u32, u32::wrapping_add);
    (sum % 11 % 10) as u8
}

/// Mod 7 (DHL Express): the payload read as one decimal number, check = that number mod 7.
///
/// Computed digit by digit so no payload length can overflow.
pub(super) fn mod7(payload: &[u8]) -> u8 {
    payload
        .iter()
        .fold(0u32, |rem, &c| (rem * 10 + mod10_value(c)) % 7) as u8
}

/// UPU S10: weights 8, 6, 4, 2, 3, 5, 9, 7 over the eight serial digits;
/// check = `11 - sum mod 11`, where 10 becomes 0 and 11 becomes 5.
pub(super) fn s10(serial: &[u8]) -> u8 {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = serial
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| mod10_value(c) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        check => check as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_rejects_letters() {
        assert_eq!(digit(b'7'), Some(7));
        assert_eq!(digit(b'A'), None);
    }

    #[test]
    fn ups_letter_mapping() {
        // UPS table: A=2, H=9, I=0, R=9, S=0, Z=7.
        let got: Vec<u32> = b"AHIRSZ".iter().map(|&c| mod10_value(c)).collect();
        assert_eq!(got, [2, 9, 0, 9, 0, 7]);
    }

    #[test]
    fn mod10_ups_weights() {
        // 1Z999AA10123456784, payload 999AA1012345678 with A=2, weights 1,2,1,2… from the left
        // (rightmost gets 1 because the payload has 15 characters):
        // 9+18+9+4+2+2+0+2+2+6+4+10+6+14+8 = 96; (10 - 6) % 10 = 4.
        assert_eq!(mod10(b"999AA1012345678", 1, 2), 4);
    }

    #[test]
    fn mod10_gs1_weights() {
        // FedEx Ground 449044304137821: payload 44904430413782, weights 3,1 from the right:
        // 2*3=6, 8*1=8, 7*3=21, 3*1=3, 1*3=3, 4*1=4, 0*3=0, 3*1=3, 4*3=12, 4*1=4, 0*3=0,
        // 9*1=9, 4*3=12, 4*1=4 → 89; (10 - 9) % 10 = 1.
        assert_eq!(mod10(b"44904430413782", 3, 1), 1);
        // A sum that is already a multiple of 10 gives 0, not 10.
        assert_eq!(mod10(b"0000", 3, 1), 0);
        assert_eq!(mod10(b"", 3, 1), 0);
    }

    #[test]
    fn mod10_ontrac_weights() {
        // C11031500001879: payload C1103150000187 (C=4), weights 2,1 from the right:
        // 7*2=14, 8*1=8, 1*2=2, 0, 0, 0, 0, 5*1=5, 1*2=2, 3*1=3, 0, 1*1=1, 1*2=2, C=4*1=4
        // → 41; (10 - 1) % 10 = 9.
        assert_eq!(mod10(b"C1103150000187", 2, 1), 9);
    }

    #[test]
    fn fedex_mod11_weights() {
        // 123456789012, payload 12345678901, weights 1,3,7 from the right:
        // 1*1, 0*3, 9*7=63, 8*1, 7*3=21, 6*7=42, 5*1, 4*3=12, 3*7=21, 2*1, 1*3
        // = 1+0+63+8+21+42+5+12+21+2+3 = 178; 178 % 11 = 2; 2 % 10 = 2.
        assert_eq!(fedex_mod11(b"12345678901"), 2);
        // 986578788855, payload right to left 5,8,8,8,7,8,7,5,6,8,9:
        // 5+24+56+8+21+56+7+15+42+8+27 = 269; 269 % 11 = 5.
        assert_eq!(fedex_mod11(b"98657878885"), 5);
        // Remainder 10 becomes check 0: payload 17 → 7*1 + 1*3 = 10; 10 % 11 % 10 = 0.
        assert_eq!(fedex_mod11(b"17"), 0);
    }

    #[test]
    fn mod7_reads_the_payload_as_a_number() {
        // 331881002 = 7 * 47411571 + 5.
        assert_eq!(mod7(b"331881002"), 5);
        // Long payloads do not overflow: 999999 = 7 * 142857, so 200 nines leave 99 → 1.
        assert_eq!(mod7(&[b'9'; 200]), 1);
        assert_eq!(mod7(b"0000000007"), 0);
    }

    #[test]
    fn s10_weights_and_special_cases() {
        // 12345678: 1*8+2*6+3*4+4*2+5*3+6*5+7*9+8*7 = 8+12+12+8+15+30+63+56 = 204;
        // 204 % 11 = 6; 11 - 6 = 5.
        assert_eq!(s10(b"12345678"), 5);
        // 00000000: sum 0 → 11 - 0 = 11 → 5.
        assert_eq!(s10(b"00000000"), 5);
        // 10000000: sum 8 → 11 - 8 = 3.
        assert_eq!(s10(b"10000000"), 3);
        // 00010000: sum 2 → 11 - 2 = 9;  00000001: sum 7 → 4.
        assert_eq!(s10(b"00010000"), 9);
        assert_eq!(s10(b"00000001"), 4);
        // 10100000: 1*8 + 1*4 = 12; 12 % 11 = 1; 11 - 1 = 10 → 0.
        assert_eq!(s10(b"10100000"), 0);
    }
}
