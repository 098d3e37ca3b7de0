//! The ISO 3166-1 alpha-2 country codes, which end every UPU S10 tracking number.

/// Every officially assigned ISO 3166-1 alpha-2 code (249), sorted for binary search.
///
/// Taken from the ISO 3166 Maintenance Agency's list as packaged by Debian's `iso-codes` 4.15.
/// User-assigned codes (`AA`, `QM`–`QZ`, `XA`–`XZ` such as Kosovo's `XK`, `ZZ`) and exceptionally
/// reserved ones (`UK`, `EU`) are not countries and are left out.
///
/// The `tracking_number_data` S10 spec (`couriers/s10.json`) validates the code against its
/// `Courier` lookup (`"additional": {"exists": ["Courier"]}`), 191 UPU member countries, all
/// of which are here. This list is wider: an S10 number from a territory such as Jersey (`JE`),
/// Guernsey (`GG`), Macao (`MO`) or Taiwan (`TW`) is still listed as a candidate with its
/// postal operator as a [`Carrier::PostalOperator`](super::Carrier::PostalOperator), though the
/// spec does not count it valid; a code that is no country at all (`XX`) gives no candidate.
const ALPHA2: [[u8; 2]; 249] = [
    *b"AD", *b"AE", *b"AF", *b"AG", *b"AI", *b"AL", *b"AM", *b"AO", *b"AQ", *b"AR", *b"AS", *b"AT",
    *b"AU", *b"AW", *b"AX", *b"AZ", *b"BA", *b"BB", *b"BD", *b"BE", *b"BF", *b"BG", *b"BH", *b"BI",
    *b"BJ", *b"BL", *b"BM", *b"BN", *b"BO", *b"BQ", *b"BR", *b"BS", *b"BT", *b"BV", *b"BW", *b"BY",
    *b"BZ", *b"CA", *b"CC", *b"CD", *b"CF", *b"CG", *b"CH", *b"CI", *b"CK", *b"CL", *b"CM", *b"CN",
    *b"CO", *b"CR", *b"CU", *b"CV", *b"CW", *b"CX", *b"CY", *b"CZ", *b"DE", *b"DJ", *b"DK", *b"DM",
    *b"DO", *b"DZ", *b"EC", *b"EE", *b"EG", *b"EH", *b"ER", *b"ES", *b"ET", *b"FI", *b"FJ", *b"FK",
    *b"FM", *b"FO", *b"FR", *b"GA", *b"GB", *b"GD", *b"GE", *b"GF", *b"GG", *b"GH", *b"GI", *b"GL",
    *b"GM", *b"GN", *b"GP", *b"GQ", *b"GR", *b"GS", *b"GT", *b"GU", *b"GW", *b"GY", *b"HK", *b"HM",
    *b"HN", *b"HR", *b"HT", *b"HU", *b"ID", *b"IE", *b"IL", *b"IM", *b"IN", *b"IO", *b"IQ", *b"IR",
    *b"IS", *b"IT", *b"JE", *b"JM", *b"JO", *b"JP", *b"KE", *b"KG", *b"KH", *b"KI", *b"KM", *b"KN",
    *b"KP", *b"KR", *b"KW", *b"KY", *b"KZ", *b"LA", *b"LB", *b"LC", *b"LI", *b"LK", *b"LR", *b"LS",
    *b"LT", *b"LU", *b"LV", *b"LY", *b"MA", *b"MC", *b"MD", *b"ME", *b"MF", *b"MG", *b"MH", *b"MK",
    *b"ML", *b"MM", *b"MN", *b"MO", *b"MP", *b"MQ", *b"MR", *b"MS", *b"MT", *b"MU", *b"MV", *b"MW",
    *b"MX", *b"MY", *b"MZ", *b"NA", *b"NC", *b"NE", *b"NF", *b"NG", *b"NI", *b"NL", *b"NO", *b"NP",
    *b"NR", *b"NU", *b"NZ", *b"OM", *b"PA", *b"PE", *b"PF", *b"PG", *b"PH", *b"PK", *b"PL", *b"PM",
    *b"PN", *b"PR", *b"PS", *b"PT", *b"PW", *b"PY", *b"QA", *b"RE", *b"RO", *b"RS", *b"RU", *b"RW",
    *b"SA", *b"SB", *b"SC", *b"SD", *b"SE", *b"SG", *b"SH", *b"SI", *b"SJ", *b"SK", *b"SL", *b"SM",
    *b"SN", *b"SO", *b"SR", *b"SS", *b"ST", *b"SV", *b"SX", *b"SY", *b"SZ", *b"TC", *b"TD", *b"TF",
    *b"TG", *b"TH", *b"TJ", *b"TK", *b"TL", *b"TM", *b"TN", *b"TO", *b"TR", *b"TT", *b"TV", *b"TW",
    *b"TZ", *b"UA", *b"UG", *b"UM", *b"US", *b"UY", *b"UZ", *b"VA", *b"VC", *b"VE", *b"VG", *b"VI",
    *b"VN", *b"VU", *b"WF", *b"WS", *b"YE", *b"YT", *b"ZA", *b"ZM", *b"ZW",
];

/// Whether `code` (uppercase) is an assigned ISO 3166-1 alpha-2 code.
pub(super) fn is_assigned(code: [u8; 2]) -> bool {
    ALPHA2.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(ALPHA2.windows(2).all(|w| w[0] < w[1]));
        assert!(ALPHA2.iter().all(|c| c.iter().all(u8::is_ascii_uppercase)));
    }

    #[test]
    fn assigned_and_unassigned_codes() {
        for code in [b"AD", b"GB", b"US", b"CV", b"CF", b"ZW", b"JE", b"TW"] {
            assert!(is_assigned(*code), "{code:?}");
        }
        for code in [b"AA", b"XX", b"XK", b"ZZ", b"QM", b"UK", b"EU", b"ad"] {
            assert!(!is_assigned(*code), "{code:?}");
        }
    }

    /// Every code in the spec's `Courier` lookup (couriers/s10.json), so the wider list never
    /// rejects a number the spec accepts.
    #[test]
    fn every_spec_courier_code_is_assigned() {
        const SPEC_COURIER_CODES: &str =
            "AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA \
             CD CF CG CH CI CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ \
             FR GA GB GD GE GH GM GN GQ GR GT GW GY HK HN HR HT HU ID IE IL IN IQ IR IS IT JM JO \
             JP KE KG KH KI KM KN KP KR KW KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MK \
             ML MM MN MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP NR NZ OM PA PE PG PH PK PL PT \
             PY QA RO RS RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR SS ST SV SY SZ TD TG TH TJ \
             TL TM TN TO TR TT TV TZ UA UG US UY UZ VA VC VE VN VU WS YE ZA ZM ZW";
        let codes: Vec<&str> = SPEC_COURIER_CODES.split_whitespace().collect();
        assert_eq!(codes.len(), 191);
        for code in codes {
            let code: [u8; 2] = code.as_bytes().try_into().unwrap();
            assert!(is_assigned(code), "{code:?}");
        }
    }
}
