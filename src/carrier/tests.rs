//! Tests of detection, resolution, names and serialisation through the public API. Most
//! samples are test numbers of the specification; check digits of the others are worked out in
//! the comments.

use super::*;

fn country(code: &str) -> CountryCode {
    CountryCode::new(code).expect("two letters")
}

/// (courier, format, check_digit_valid, valid) of each candidate, in order.
fn summary(number: &str) -> Vec<(&'static str, &'static str, Option<bool>, bool)> {
    detect(number)
        .into_iter()
        .map(|c| (c.courier, c.format, c.check_digit_valid, c.valid))
        .collect()
}

/// The first candidate of `number`.
fn best(number: &str) -> Candidate {
    detect(number)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{number}: no candidate"))
}

/// Asserts the first candidate's courier, format and validity.
#[track_caller]
fn assert_best(number: &str, courier: &str, format: &str, valid: bool) {
    let c = best(number);
    assert_eq!(
        (c.courier, c.format, c.valid),
        (courier, format, valid),
        "{number}: {:?}",
        summary(number)
    );
}

// ---- the specification, through `detect` ----------------------------------------------------

/// Every valid test number of the spec is listed valid for its courier by `detect`; no invalid
/// one is listed valid for its own courier and format. (Per-format checks, which `detect`'s one
/// candidate per courier can hide, are in `spec::tests::every_spec_test_number`.)
#[test]
fn every_spec_test_number_through_detect() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for format in &spec::SPEC.formats {
        let courier = spec::SPEC.courier(format).code.as_str();
        for number in &format.test_numbers.valid {
            checked += 1;
            if !detect(number)
                .iter()
                .any(|c| c.courier == courier && c.valid)
            {
                failures.push(format!(
                    "{courier} / {}: valid {number:?} → {:?}",
                    format.name,
                    summary(number)
                ));
            }
        }
        for number in &format.test_numbers.invalid {
            checked += 1;
            if detect(number)
                .iter()
                .any(|c| c.courier == courier && c.format == format.id && c.valid)
            {
                failures.push(format!(
                    "{courier} / {}: invalid {number:?} → {:?}",
                    format.name,
                    summary(number)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, 280);
}

// ---- UPS ------------------------------------------------------------------------------------

#[test]
fn ups_valid_invalid_and_separated() {
    // 1Z + serial 999AA1012345678 (A=2), ×1/×2 alternating from the left:
    // 9+18+9+4+2+2+0+2+2+6+4+10+6+14+8 = 96 → check (10 - 6) % 10 = 4.
    assert_best("1Z999AA10123456784", "ups", "ups", true);
    assert_eq!(best("1Z999AA10123456784").check_digit_valid, Some(true));
    assert_eq!(best("1Z999AA10123456784").carrier, Carrier::Ups);
    assert_best("1Z999AA10123456785", "ups", "ups", false);
    assert_best("1Z 999 AA1 01 2345 6784", "ups", "ups", true);
    assert_best("1z-999-aa1-01-2345-6784", "ups", "ups", true);
    // The spec's pattern wants a digit where the check digit goes.
    assert!(detect("1Z999AA1012345678A").is_empty());
    assert_best("1Z1111111111111111", "ups", "ups", false);
    assert!(detect("2Z5R89390357567127").is_empty());
    assert!(detect("1Z5R8939035756712").is_empty());
}

#[test]
fn ups_service_type_is_looked_up() {
    let c = best("1Z5R89390357567127");
    assert_eq!(c.service, "UPS");
    assert_eq!(c.details.len(), 1);
    assert_eq!(c.details[0].lookup, "Service Type");
    assert_eq!(c.details[0].value, "03");
    assert_eq!(
        c.details[0].info["name"].as_deref(),
        Some("UPS United States Ground")
    );
    assert_eq!(
        c.tracking_url.as_deref(),
        Some("https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z5R89390357567127")
    );
}

#[test]
fn ups_waybill_has_a_check_digit() {
    assert_best("K1506235620", "ups", "ups_waybill", true);
    assert_best("K 150 623 562 0", "ups", "ups_waybill", true);
    assert_best("K1506235622", "ups", "ups_waybill", false);
    // Door-tag style T + 10 digits is a waybill too, so its last digit is checked.
    assert_best("T1234567890", "ups", "ups_waybill", false);
    assert_eq!(resolve(None, "T1234567890"), None);
}

// ---- USPS -----------------------------------------------------------------------------------

#[test]
fn usps_impb_valid_invalid_and_separated() {
    assert_best("9400111201080805483016", "usps", "usps_impb_n", true);
    assert_best("9400111201080805483017", "usps", "usps_impb_n", false);
    assert_best("9400 1112 0108 0805 4830 16", "usps", "usps_impb_n", true);
    for valid in [
        "9505 5110 6960 5048 6006 24",
        "92748931507708513018050063",
        "9361 2898 7870 0317 6337 95",
        "9261292700768711948021",
    ] {
        assert_best(valid, "usps", "usps_impb_c", true);
    }
    assert_best("9101 1234 5678 9000 0000 13", "usps", "usps_legacy", true);
    assert_best("9405803699300124287899", "usps", "usps_impb_n", true);
}

#[test]
fn usps_commonly_quoted_sample_has_a_wrong_check_digit() {
    // 9400111899223197428490 is widely quoted as a USPS test number, but its check digit does
    // not verify; 7 does.
    assert_best("9400111899223197428490", "usps", "usps_impb_n", false);
    assert_best("9400111899223197428497", "usps", "usps_impb_n", true);
}

#[test]
fn usps_routing_prefix() {
    assert_best(
        "420 22153 9101026837331000039521",
        "usps",
        "usps_legacy",
        true,
    );
    let c = best("4201002334249200190132607600833457");
    assert_eq!(
        (c.courier, c.format, c.valid),
        ("usps", "usps_impb_c", true)
    );
    // The same 34 digits fit FedEx Express (34), whose check digit fails.
    assert_eq!(
        summary("4201002334249200190132607600833457")[1],
        ("fedex", "fedex_34", Some(false), false)
    );
    assert_best(
        "4201028200009261290113185417468511",
        "usps",
        "usps_impb_c",
        false,
    );
}

#[test]
fn usps_20_digit_numbers() {
    // Certified Mail printed without its "91" AI: the check covers the implied 91.
    assert_best("7196 9010 7560 0307 7385", "usps", "usps_legacy", true);
    // Plain 20-digit numbers (the spec's "USPS 20").
    assert_best("0307 1790 0005 2348 3741", "usps", "usps_20", true);
    assert_best("7112 3456 7891 2345 6787", "usps", "usps_20", true);
    // A wrong digit: USPS only (the spec no longer has FedEx SmartPost 20-digit numbers).
    assert_eq!(
        summary("0307 1790 0005 2348 3742"),
        [("usps", "usps_20", Some(false), false)]
    );
    // A number the spec lists as invalid for IMpb C is not valid for any USPS format.
    assert!(!detect("61299998820821171811").iter().any(|c| c.valid));
}

// ---- FedEx ----------------------------------------------------------------------------------

#[test]
fn fedex_express_12() {
    // Serial 12345678901 × 3,1,7,3,1,7,…: 178; 178 % 11 = 2 → check 2.
    assert_best("123456789012", "fedex", "fedex_12", true);
    assert_best("1234 5678 9012", "fedex", "fedex_12", true);
    // 12 digits are also the shape of Purolator's numbers, whose Luhn check fails here.
    assert_eq!(
        summary("123456789012"),
        [
            ("fedex", "fedex_12", Some(true), true),
            ("purolator", "purolator_numeric", Some(false), false)
        ]
    );
    assert_best("123456789013", "fedex", "fedex_12", false);
    assert_best("996578788855", "fedex", "fedex_12", false);
}

#[test]
fn fedex_ground_96_34_32_and_sscc() {
    let ground96 = best("9611020987654312345672");
    assert_eq!(ground96.format, "fedex_ground_96");
    assert_eq!(ground96.service, "FedEx Ground 96");
    assert!(ground96.valid);
    assert_best("9611020987654312345673", "fedex", "fedex_ground_96", false);
    assert_best(
        "1001921334250001000300779017972697",
        "fedex",
        "fedex_34",
        true,
    );
    assert_best(
        "9622001560001234567100794808390594",
        "fedex",
        "fedex_ground_gsn",
        true,
    );
    assert_best(
        "9622001560001234567100794808390595",
        "fedex",
        "fedex_ground_gsn",
        false,
    );
    assert_best(
        "32971514560102447849175802862014",
        "fedex",
        "fedex_astra_32",
        true,
    );
    assert_best(
        "00 0123 4500 0000 0027",
        "fedex",
        "fedex_ground_sscc_18",
        true,
    );
    assert_eq!(
        best("00 0123 4500 0000 0027").details[0].info["name"].as_deref(),
        Some("case/carton")
    );
    assert_best("0414 4176 0228 964", "fedex", "fedex_ground", true);
}

// ---- DHL ------------------------------------------------------------------------------------

#[test]
fn dhl_express_piece_ids_and_ecommerce() {
    // 331881002 = 7 * 47411571 + 5 → check 5.
    assert_best("3318810025", "dhl", "dhl_express", true);
    assert_best("3318810024", "dhl", "dhl_express", false);
    assert_best("73891051146", "dhl", "dhl_express", true);
    let piece = best("JJD0099999999");
    assert_eq!(
        (piece.format, piece.check_digit_valid),
        ("dhl_express_piece_id", None)
    );
    assert!(piece.valid);
    assert_eq!(piece.carrier, Carrier::Dhl);
    let ecommerce = best("GM 2 9 5 117 32 25 1 7 44 9 4");
    assert_eq!(
        (ecommerce.courier, ecommerce.format),
        ("dhl", "dhl_ecommerce")
    );
    assert_eq!(ecommerce.carrier, Carrier::DhlEcommerce);
    assert_best("60120172242323", "dhl", "dhl_ecommerce_14", true);
    assert!(detect("GS295117494011169041").is_empty());
}

// ---- Amazon, OnTrac, LaserShip, Canada Post -------------------------------------------------

#[test]
fn amazon_has_no_check_digit() {
    let c = best("tba 5028 8727 4000");
    assert_eq!(
        (c.courier, c.format, c.check_digit_valid),
        ("amazon", "amazon_logistics", None)
    );
    assert!(c.valid);
    assert_best("TBC123456789012", "amazon", "amazon_logistics", true);
    assert_best("C1004444443", "amazon", "amazon_international", true);
    assert_eq!(resolve(None, "TBA502887274000"), Some(Carrier::Amazon));
}

#[test]
fn ontrac_and_lasership() {
    assert_best("C11031500001879", "ontrac", "ontrac_c", true);
    assert_best("C11031500001889", "ontrac", "ontrac_c", false);
    assert_best("D10011354453707", "ontrac", "ontrac_d", true);
    let lx = best("LX17635036");
    assert_eq!((lx.courier, lx.carrier), ("lasership", Carrier::Ontrac));
    assert_eq!(lx.check_digit_valid, None);
    assert!(lx.valid);
    assert_best("1LS7119013618127-1", "lasership", "lasership_1ls7_18", true);
    assert_best("1LS717793482164", "lasership", "lasership_1ls7", true);
    assert_best("1LS CX VE00 58631Y", "lasership", "lasership_1lscx", true);
    assert!(!detect("1LS7119013618127-2").iter().any(|c| c.valid));
}

#[test]
fn canada_post() {
    assert_best("0073938000549297", "canada_post", "canada_post", true);
    assert_best("0073938000549292", "canada_post", "canada_post", false);
    assert_eq!(best("0073 9380 0054 9297").carrier, Carrier::CanadaPost);
    // An S10 number from Canada is Canada Post's too.
    assert_eq!(best("RB123456785CA").carrier, Carrier::CanadaPost);
}

// ---- couriers the hand-written rules did not know ---------------------------------------------

#[test]
fn new_couriers() {
    let cases = [
        (
            "0081 827 0998 0000 0200 45 327 276 N",
            "dpd",
            "dpd",
            Carrier::Dpd,
        ),
        ("0998 0000 0200 34D", "dpd", "dpd_14", Carrier::Dpd),
        (
            "320595463938",
            "purolator",
            "purolator_numeric",
            Carrier::Purolator,
        ),
        (
            "KYV009956937",
            "purolator",
            "purolator_alpha",
            Carrier::Purolator,
        ),
        (
            "D576002440000001718010",
            "canpar",
            "canpar_22",
            Carrier::Canpar,
        ),
        ("JJD0002257639032011", "yodel", "yodel", Carrier::Yodel),
        (
            "YT2229521272164446",
            "yunexpress",
            "yunexpress",
            Carrier::YunExpress,
        ),
        (
            "SP029692510000920746",
            "speedee",
            "speedee",
            Carrier::SpeeDee,
        ),
        ("GFUS01011884214464", "gofo", "gofo_us", Carrier::Gofo),
        (
            "LTN74207623N1",
            "landmark",
            "landmark_global",
            Carrier::Landmark,
        ),
        (
            "07209562763",
            "old_dominion",
            "old_dominion",
            Carrier::OldDominion,
        ),
        (
            "80003280379",
            "old_dominion",
            "old_dominion_guaranteed_shipment",
            Carrier::OldDominion,
        ),
    ];
    for (number, courier, format, carrier) in cases {
        let c = best(number);
        assert_eq!(
            (c.courier, c.format, c.valid, c.carrier),
            (courier, format, true, carrier),
            "{number}"
        );
    }
    // DPD's check character is MOD 37,36.
    assert_best("008182709980000020033350276A", "dpd", "dpd", false);
    assert_eq!(
        best("00 81827 0998 0000 0200 33 350 276 C").details[0].info["description"].as_deref(),
        Some("DPD 8:30")
    );
}

// ---- S10 ------------------------------------------------------------------------------------

#[test]
fn s10_names_the_postal_operator() {
    let cases = [
        ("RB123456785GB", Carrier::RoyalMail, "Royal Mail Group plc"),
        (
            "RB123456785US",
            Carrier::Usps,
            "United States Postal Service",
        ),
        ("RB123456785DE", Carrier::DeutschePost, "Deutsche Post"),
        ("RB123456785CN", Carrier::ChinaPost, "China Post"),
        (
            "RB123456785CV",
            Carrier::PostalOperator(country("CV")),
            "Correios de Cabo Verde",
        ),
    ];
    for (number, carrier, operator) in cases {
        let c = best(number);
        assert_eq!(
            (c.courier, c.format, c.valid),
            ("s10", "s10", true),
            "{number}"
        );
        assert_eq!(c.carrier, carrier, "{number}");
        let named = c.postal_operator.as_ref().expect("operator");
        assert_eq!(named.name, operator, "{number}");
        assert_eq!(named.country_code, &number[11..]);
    }
    let gb = best(" r b 1 2 3 4 5 6 7 8 5 g b ");
    assert_eq!(gb.postal_operator.unwrap().country, Some("Great Britain"));
    assert_best("rb123456786gb", "s10", "s10", false);
    // Serial 00000000 sums to 0 → check 5.
    assert_eq!(best("EE000000005SE").carrier, Carrier::PostNord);
}

#[test]
fn s10_country_must_be_in_the_specs_list() {
    // Check digit right (12345678 → 5), but XX, ZZ, AA and QQ are no country: nothing to ask.
    for nowhere in [
        "RB123456785XX",
        "RR123456785ZZ",
        "RR123456785AA",
        "EE000000005QQ",
    ] {
        assert_eq!(detect(nowhere), [], "{nowhere}");
        assert_eq!(resolve(None, nowhere), None, "{nowhere}");
    }
    // Jersey, Taiwan and Macao are countries without an operator in the spec's UPU list: the
    // number is listed, with its check digit right, but not valid.
    for code in ["JE", "TW", "MO"] {
        let number = format!("RB123456785{code}");
        let c = best(&number);
        assert_eq!(
            (c.check_digit_valid, c.valid),
            (Some(true), false),
            "{number}"
        );
        assert_eq!(c.carrier, Carrier::PostalOperator(country(code)));
        assert_eq!(c.postal_operator, None);
        assert_eq!(resolve(None, &number), None);
    }
    assert_eq!(CountryCode::new("ZZ"), None);
    assert_eq!(CountryCode::new("xk"), None);
    assert_eq!(Carrier::from_slug("post_zz"), None);
    assert_eq!(Carrier::from_platform_name("post_zz"), None);
}

// ---- ordering and ambiguity -----------------------------------------------------------------

#[test]
fn valid_with_check_digit_then_without_then_invalid() {
    // 11 digits starting 072: DHL Express (mod 7 fails) and Old Dominion (Luhn verifies).
    assert_eq!(
        summary("07209562763"),
        [
            ("old_dominion", "old_dominion", Some(true), true),
            ("dhl", "dhl_express", Some(false), false)
        ]
    );
    // Three letters and nine digits: a DHL piece ID and a Purolator number, neither checked.
    assert_eq!(
        summary("JFV247545960"),
        [
            ("dhl", "dhl_express_piece_id", None, true),
            ("purolator", "purolator_alpha", None, true)
        ]
    );
    assert_eq!(resolve(None, "JFV247545960"), None);
}

#[test]
fn each_courier_once_at_its_best_format() {
    // 20 digits fit USPS 20 and USPS Legacy; Legacy verifies, so USPS is listed once, as Legacy.
    assert_eq!(
        summary("7196 9010 7560 0307 7385"),
        [("usps", "usps_legacy", Some(true), true)]
    );
}

#[test]
fn ambiguous_number_lists_every_carrier() {
    // Purolator's Luhn and FedEx Express's mod 11 both verify this 12-digit number.
    assert_eq!(
        summary("287809468872"),
        [
            ("fedex", "fedex_12", Some(true), true),
            ("purolator", "purolator_numeric", Some(true), true)
        ]
    );
    assert_eq!(resolve(None, "287809468872"), None);
}

// ---- resolve --------------------------------------------------------------------------------

#[test]
fn platform_name_beats_detection() {
    let ups = "1Z999AA10123456784";
    assert_eq!(resolve(Some("FedEx Ground"), ups), Some(Carrier::Fedex));
    assert_eq!(
        resolve(Some("Royal Mail"), "9261292700768711948021"),
        Some(Carrier::RoyalMail)
    );
    assert_eq!(resolve(Some("Purolator"), ups), Some(Carrier::Purolator));
    // An unknown or empty platform name falls back to the number.
    assert_eq!(resolve(Some("Bob's Couriers"), ups), Some(Carrier::Ups));
    assert_eq!(resolve(Some(""), ups), Some(Carrier::Ups));
    assert_eq!(resolve(None, ups), Some(Carrier::Ups));
    // A failed check digit is not enough to decide.
    assert_eq!(resolve(None, "1Z999AA10123456785"), None);
    assert_eq!(resolve(None, "not a number"), None);
    assert_eq!(resolve(Some("usps"), "not a number"), Some(Carrier::Usps));
    // A check digit beats a format without one; LaserShip numbers go to OnTrac.
    assert_eq!(resolve(None, "07209562763"), Some(Carrier::OldDominion));
    assert_eq!(resolve(None, "LX17635036"), Some(Carrier::Ontrac));
    assert_eq!(resolve(None, "RB123456785GB"), Some(Carrier::RoyalMail));
    assert_eq!(
        resolve(None, "GM2951173225174494"),
        Some(Carrier::DhlEcommerce)
    );
}

// ---- free text ------------------------------------------------------------------------------

#[test]
fn tracking_numbers_in_free_text() {
    for number in [
        "1Z999AA10123456784",
        "9400111201080805483016",
        "TBA502887274000",
        "LX17635036",
        "1LS717793482164",
        "JJD0002257639032011",
        "GM2951173225174494",
        "LTN74207623N1",
        "RB123456785GB",
    ] {
        assert!(is_tracking_number(number), "{number}");
    }
    for text in [
        "1Z999AA10123456785",
        // Valid only for formats without a check digit or letter prefix.
        "60120172242323",
        "C1004444443",
        "KYV009956937",
        "D576002440000001718010",
        "JJD0099999999",
        // Fits, but is not valid.
        "RB123456785JE",
        "hello",
        "",
    ] {
        assert!(!is_tracking_number(text), "{text}");
    }
}

/// Whether some format verifies `number` with its check digit: the premise of the tests below,
/// which refuse such numbers in free text for another reason.
fn verifies_somewhere(number: &str) -> bool {
    detect(number)
        .iter()
        .any(|c| c.valid && c.check_digit_valid == Some(true))
}

#[test]
fn bare_digit_runs_stand_alone_only_with_a_distinctive_prefix() {
    // USPS barcodes (92–95, 420 + ZIP) and FedEx Ground 96… are recognisable on their own.
    for number in [
        "9400111201080805483016",
        "420787459400111206206406260787",
        "4201002334249200190132607600833457",
        "9611020987654312345672",
        "9622001560001234567100794808390594",
    ] {
        assert!(is_tracking_number(number), "{number}");
    }
    // Digit runs that verify for a format without such a prefix (DHL Express's 10 digits,
    // FedEx Express's 12, USPS 20 without a barcode prefix) need a word introducing them.
    for number in [
        "6505550100",
        "1000000002",
        "3318810025",
        "986578788855",
        "714015965560",
        "03071790000523483741",
    ] {
        assert!(verifies_somewhere(number), "{number}");
        assert!(!is_tracking_number(number), "{number}");
        assert!(is_introduced_tracking_number(number), "{number}");
    }
    // A wrong check digit is wrong either way.
    assert!(!is_introduced_tracking_number("986578788856"));
    assert!(!is_tracking_number("9400111201080805483017"));
}

#[test]
fn card_and_phone_shaped_numbers_are_never_tracking_numbers() {
    // Test card numbers (Luhn-valid, 13–19 digits) that verify for some courier: Canada Post,
    // DPD, FedEx Ground.
    for number in [
        "5200828282828210",
        "371449635398431",
        "378734493671000",
        "5200 8282 8282 8210",
    ] {
        assert!(verifies_somewhere(number), "{number}");
        assert!(!is_tracking_number(number), "{number}");
        assert!(!is_introduced_tracking_number(number), "{number}");
    }
    // Written like a phone number: dashes, dots, brackets, a plus.
    for text in [
        "650-555-0100",
        "1-650-555-0100",
        "+16505550100",
        "(650)5550100",
    ] {
        assert!(!is_introduced_tracking_number(text), "{text}");
    }
    assert!(verifies_somewhere("650-555-0100"));
    // Dashes in a number too long for a phone number are still only separators.
    assert!(is_tracking_number("9400-1112-0108-0805-4830-16"));
}

#[test]
fn only_distinctive_groups_start_a_number_written_in_groups() {
    for group in ["9400", "92", "420", "96", "1Z", "1z999"] {
        assert!(starts_standalone_number(group), "{group}");
    }
    for group in ["650", "0207", "5200", "9", "1", "Z1", "1Y"] {
        assert!(!starts_standalone_number(group), "{group}");
    }
}

#[test]
fn a_mistyped_s10_number_is_not_claimed_by_a_format_without_check_digit() {
    // 12345678 has the S10 check digit 5, not 6; DHL eCommerce's LX… format has none.
    let mistyped = "LX123456786CN";
    let candidates = detect(mistyped);
    assert!(candidates
        .iter()
        .any(|c| c.courier == "s10" && c.check_digit_valid == Some(false)));
    assert!(candidates
        .iter()
        .any(|c| c.carrier == Carrier::DhlEcommerce && c.valid));
    assert_eq!(resolve(None, mistyped), None);
    assert!(!is_tracking_number(mistyped));
    // With its check digit right, it is China's; with no S10 shape, LX… stays DHL eCommerce's.
    assert_eq!(
        resolve(None, "LX123456785CN"),
        Some(Carrier::from_country(country("CN")))
    );
    assert!(is_tracking_number("LX123456785CN"));
    assert_eq!(
        resolve(None, "LX2951173225174494"),
        Some(Carrier::DhlEcommerce)
    );
    // The platform's carrier name still wins.
    assert_eq!(
        resolve(Some("DHL eCommerce"), mistyped),
        Some(Carrier::DhlEcommerce)
    );
}

// ---- names, slugs, serde --------------------------------------------------------------------

/// Every courier of the spec other than S10 (whose numbers belong to postal operators) and
/// LaserShip (tracked by OnTrac) has a carrier whose slug is its courier code.
#[test]
fn courier_codes_are_carrier_slugs() {
    for courier in &spec::SPEC.couriers {
        if courier.code == "s10" || courier.code == "lasership" {
            continue;
        }
        assert!(
            Carrier::from_slug(&courier.code).is_some(),
            "{} has no carrier slug",
            courier.code
        );
    }
}

#[test]
fn candidate_json() {
    let json = serde_json::to_value(best("RB123456785GB")).unwrap();
    assert_eq!(json["carrier"], "s10");
    assert_eq!(json["carrier_name"], "S10 International Standard");
    assert_eq!(json["format"], "s10");
    assert_eq!(json["service"], "S10");
    assert_eq!(json["check_digit_valid"], true);
    assert_eq!(json["valid"], true);
    assert_eq!(json["tracked_by"], "royal_mail");
    assert_eq!(json["postal_operator"]["name"], "Royal Mail Group plc");
    assert_eq!(json["postal_operator"]["country_code"], "GB");
    assert_eq!(json["details"][0]["lookup"], "Service Type");
    assert_eq!(json["details"][0]["value"], "RB");
    assert_eq!(json["details"][0]["name"], "Letter Post Registered");
    assert_eq!(json["tracking_url"], serde_json::Value::Null);
    let amazon = serde_json::to_value(best("TBA502887274000")).unwrap();
    assert_eq!(amazon["check_digit_valid"], serde_json::Value::Null);
    assert_eq!(amazon["valid"], true);
    assert_eq!(amazon["postal_operator"], serde_json::Value::Null);
    assert_eq!(amazon["details"], serde_json::json!([]));
    // Carriers still serialise as their slugs, both ways.
    assert_eq!(serde_json::to_string(&Carrier::Dpd).unwrap(), r#""dpd""#);
    let back: Carrier = serde_json::from_str(r#""canada_post""#).unwrap();
    assert_eq!(back, Carrier::CanadaPost);
    assert!(serde_json::from_str::<Carrier>(r#""pony_express""#).is_err());
}

// ---- normalisation and robustness -----------------------------------------------------------

#[test]
fn normalize_strips_separators_and_uppercases() {
    assert_eq!(normalize("1z 999-aa1"), "1Z999AA1");
    assert_eq!(normalize("\t12\u{a0}34\u{2013}56\u{200b}78\n"), "12345678");
    assert_eq!(normalize("１ｚ９９９"), "1Z999");
    // Non-ASCII letters stay as they are, so they cannot pass for ASCII ones.
    assert_eq!(normalize("ſtraße"), "ſTRAßE");
    assert_eq!(normalize(""), "");
}

#[test]
fn detect_never_panics_and_keeps_its_order() {
    let long_digits = "9".repeat(10_000);
    let long_text = "Where is my parcel? ".repeat(500);
    let awkward = [
        "",
        " ",
        "\t\n\r",
        "-",
        "—–-",
        "📦",
        "1Z📦999AA10123456784",
        "1Z999AA1012345678📦",
        "１Ｚ９９９ＡＡ１０１２３４５６７８４",
        "1Z",
        "420",
        "42012345",
        "TBA",
        "J",
        "JJD",
        "LX1",
        "1LS7",
        "GM",
        "ÉÉ123456785ÉÉ",
        "RB12345678\u{301}5GB",
        "\u{0}\u{0}\u{0}",
        "\u{202e}4876543210AA999Z1",
        "ﷺ",
        long_digits.as_str(),
        long_text.as_str(),
    ];
    for input in awkward {
        let _ = detect(input);
        let _ = resolve(Some(input), input);
        let _ = resolve(None, input);
        let _ = is_tracking_number(input);
        let _ = Carrier::from_platform_name(input);
    }
    assert_eq!(
        summary("１Ｚ９９９ＡＡ１０１２３４５６７８４"),
        summary("1Z999AA10123456784")
    );
    assert!(detect(&long_digits).is_empty());

    // Every prefix of every sample, and pseudo-random strings over an alphabet that reaches
    // many formats, keep the ordering invariants.
    let samples = [
        "1Z999AA10123456784",
        "4201002334249200190132607600833457",
        "9261292700768711948021",
        "RB123456785GB",
        "1LS7119013618127-1",
        "JVGL0999999990",
        "0081 827 0998 0000 0200 45 327 276 N",
    ];
    let mut inputs: Vec<String> = samples
        .iter()
        .flat_map(|s| (0..=s.len()).filter_map(move |n| s.get(..n).map(str::to_owned)))
        .collect();
    let alphabet: Vec<char> = "0123456789012345678901234567890123456789ZTBACDJLXSGMUVRNKYP- é📦"
        .chars()
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..5_000 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let len = (state >> 58) as usize;
        let s: String = (0..len)
            .map(|i| {
                let r = state.rotate_left(7 * i as u32 + 3) ^ (i as u64).wrapping_mul(0x2545_F491);
                alphabet[(r % alphabet.len() as u64) as usize]
            })
            .collect();
        inputs.push(s);
    }
    for input in &inputs {
        let found = detect(input);
        assert!(
            found.windows(2).all(|w| w[0].standing() <= w[1].standing()),
            "{input:?}: {found:?}"
        );
        for (i, c) in found.iter().enumerate() {
            assert!(
                found[..i]
                    .iter()
                    .all(|f| (f.courier, f.carrier) != (c.courier, c.carrier)),
                "{input:?}: duplicate {}",
                c.courier
            );
            assert_eq!(
                c.valid,
                c.check_digit_valid != Some(false)
                    && (c.courier != "s10" || c.postal_operator.is_some())
            );
        }
        assert_eq!(detect(input), found, "not deterministic: {input:?}");
    }
}
