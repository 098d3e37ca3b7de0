//! Tests of the interpreter against the specification's own data: every test number, every
//! algorithm, and the hand-written regex translations against the originals.

use super::*;
use crate::carrier::normalize;

fn spec() -> &'static Spec {
    &SPEC
}

/// How `number` stands against the format with this id, if its regex matches.
fn against(format_id: &str, number: &str) -> Option<FormatMatch<'static>> {
    spec()
        .matches(&normalize(number))
        .into_iter()
        .find(|m| m.format.id == format_id)
}

#[test]
fn every_embedded_file_loads() {
    let spec = Spec::from_files(COURIER_FILES).unwrap();
    assert_eq!(spec.couriers.len(), 18);
    assert_eq!(spec.formats.len(), 39);
    let codes: Vec<&str> = spec.couriers.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "ups",
            "usps",
            "fedex",
            "dhl",
            "amazon",
            "ontrac",
            "lasership",
            "canada_post",
            "s10",
            "dpd",
            "purolator",
            "canpar",
            "yodel",
            "yunexpress",
            "speedee",
            "gofo",
            "landmark",
            "old_dominion"
        ]
    );
}

/// Every file in `spec/couriers` is embedded: a file added by a spec update must be listed in
/// `COURIER_FILES`.
#[test]
fn every_courier_file_is_embedded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/carrier/spec/couriers");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut embedded: Vec<&str> = COURIER_FILES.iter().map(|(file, _)| *file).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
}

/// The specification's own test numbers, each against its own format: valid ones must be
/// valid, invalid ones must not be. All failures are listed with courier, format and number.
#[test]
fn every_spec_test_number() {
    let spec = spec();
    let mut failures = Vec::new();
    let (mut valid_checked, mut invalid_checked) = (0, 0);
    for format in &spec.formats {
        let courier = &spec.courier(format).code;
        for number in &format.test_numbers.valid {
            valid_checked += 1;
            match against(&format.id, number) {
                Some(m) if m.valid => {}
                Some(m) => failures.push(format!(
                    "{courier} / {} ({}): valid {number:?} is not valid (check digit {:?})",
                    format.name, format.id, m.check_digit_valid
                )),
                None => failures.push(format!(
                    "{courier} / {} ({}): valid {number:?} does not match the pattern",
                    format.name, format.id
                )),
            }
        }
        for number in &format.test_numbers.invalid {
            invalid_checked += 1;
            if against(&format.id, number).is_some_and(|m| m.valid) {
                failures.push(format!(
                    "{courier} / {} ({}): invalid {number:?} is valid",
                    format.name, format.id
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} spec test numbers fail:\n{}",
        failures.len(),
        valid_checked + invalid_checked,
        failures.join("\n")
    );
    // Release 2.0.0 has 192 valid and 88 invalid test numbers; fewer means some went unread.
    assert_eq!((valid_checked, invalid_checked), (192, 88));
}

#[test]
fn every_checksum_algorithm_of_the_spec_is_used_and_implemented() {
    let mut names: Vec<&str> = spec()
        .formats
        .iter()
        .filter_map(Format::checksum_name)
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(
        names,
        [
            "luhn",
            "mod10",
            "mod7",
            "mod_37_36",
            "s10",
            "sum_product_with_weightings_and_modulo"
        ]
    );
}

#[test]
fn format_ids_services_and_owners() {
    let find = |id: &str| spec().formats.iter().find(|f| f.id == id).unwrap();
    assert_eq!(find("fedex_ground_96").service, "FedEx Ground 96");
    assert_eq!(
        find("fedex_ground_sscc_18").service,
        "FedEx Ground (SSCC-18)"
    );
    assert_eq!(find("purolator_alpha").service, "Purolator (alpha + 9)");
    assert_eq!(find("lasership_1ls7_18").name, "LaserShip 1LS7 (18)");
    assert_eq!(find("ups_waybill").service, "UPS Waybill");
    assert_eq!(find("old_dominion").name, "Old Dominion");
    assert_eq!(
        find("old_dominion_guaranteed_shipment").service,
        "Old Dominion Guaranteed Shipment"
    );
    assert_eq!(id_from_name(" A--b (22) "), "a_b_22");
    assert_eq!(service_name("X (y)"), "X (y)");
    assert_eq!(service_name("X ()"), "X ()");
    assert_eq!(service_name("X (12)"), "X");
}

#[test]
fn formats_recognisable_in_free_text_without_a_check_digit() {
    let mut distinctive: Vec<&str> = spec()
        .formats
        .iter()
        .filter(|f| f.checksum.is_none() && f.distinctive)
        .map(|f| f.id.as_str())
        .collect();
    distinctive.sort();
    assert_eq!(
        distinctive,
        [
            "amazon_logistics",
            "dhl_ecommerce",
            "gofo_us",
            "landmark_global",
            "lasership_1ls7",
            "lasership_1ls7_18",
            "lasership_1lscx",
            "lasership_lx",
            "speedee",
            "yodel",
            "yunexpress"
        ]
    );
    // And those that are not: bare digits, one letter and digits, any three letters.
    for id in [
        "dhl_ecommerce_14",
        "amazon_international",
        "canpar_22",
        "purolator_alpha",
        "dhl_express_piece_id",
    ] {
        assert!(
            !spec().formats.iter().any(|f| f.id == id && f.distinctive),
            "{id}"
        );
    }
}

#[test]
fn prepend_if_feeds_the_checksum() {
    // OnTrac C…: the serial 1103150000187 does not start with 4, so "4" goes in front.
    let m = against("ontrac_c", "C11031500001879").unwrap();
    assert_eq!(m.check_digit_valid, Some(true));
    assert!(!against("ontrac_c", "C11031500001889").unwrap().valid);
    // USPS Legacy: a 20-digit number is checked with an implied "91" in front…
    assert!(
        against("usps_legacy", "7196 9010 7560 0307 7385")
            .unwrap()
            .valid
    );
    // …and one that carries its 91 is checked as it is.
    assert!(
        against("usps_legacy", "9101 1234 5678 9000 0000 13")
            .unwrap()
            .valid
    );
}

#[test]
fn lookups_name_services_countries_and_operators() {
    let ups = against("ups", "1Z5R89390357567127").unwrap();
    assert_eq!(ups.hits.len(), 1);
    assert_eq!(ups.hits[0].lookup, "Service Type");
    assert_eq!(ups.hits[0].value, "03");
    assert_eq!(
        ups.hits[0].info["name"].as_deref(),
        Some("UPS United States Ground")
    );
    // matches_regex finds "0[34]" in USPS 20 service types.
    let usps = against("usps_20", "0307 1790 0005 2348 3741").unwrap();
    assert_eq!(usps.hits[0].value, "03");
    assert_eq!(
        usps.hits[0].info["name"].as_deref(),
        Some("Delivery Confirmation")
    );
    // DPD: service 350 and country 276.
    let dpd = against("dpd", "00 81827 0998 0000 0200 33 350 276 C").unwrap();
    let lookups: Vec<(&str, &str)> = dpd
        .hits
        .iter()
        .map(|h| (h.lookup, h.value.as_str()))
        .collect();
    assert_eq!(lookups, [("Service Type", "350"), ("Country Code", "276")]);
    assert_eq!(
        dpd.hits[1].info["country_short_code"].as_deref(),
        Some("DE")
    );
    // S10: the country code's operator, and "exists" makes an unlisted country invalid.
    let gb = against("s10", "RB123456785GB").unwrap();
    assert!(gb.valid);
    let courier = gb.hits.iter().find(|h| h.lookup == "Courier").unwrap();
    assert_eq!(
        courier.info["courier"].as_deref(),
        Some("Royal Mail Group plc")
    );
    let jersey = against("s10", "RB123456785JE").unwrap();
    assert_eq!(jersey.check_digit_valid, Some(true));
    assert!(!jersey.valid);
    assert_eq!(
        jersey.carrier,
        Some(Carrier::PostalOperator(CountryCode::new("JE").unwrap()))
    );
    let nowhere = against("s10", "RB123456785XX").unwrap();
    assert!(!nowhere.valid);
    assert_eq!(nowhere.carrier, None);
}

#[test]
fn loading_reports_what_it_cannot_interpret() {
    let file = |format: &str| {
        format!(r#"{{"name": "X", "courier_code": "ups", "tracking_numbers": [{format}]}}"#)
    };
    let error = |json: String| Spec::from_files(&[("x.json", json.as_str())]).unwrap_err();
    let base = r#""name": "X", "id": "x", "test_numbers": {"valid": []}"#;

    let e = error(file(&format!(
        r#"{{{base}, "regex": "(?<SerialNumber>[0-9]{{4}})", "validation": {{"checksum": {{"name": "mod11"}}}}}}"#
    )));
    assert!(matches!(e, SpecError::Json { .. }), "{e}");
    let e = error(file(&format!(
        r#"{{{base}, "regex": "(?<SerialNumber>[0-9]{{4}})", "validation": {{"checksum": {{"name": "mod10"}}}}}}"#
    )));
    assert!(
        matches!(&e, SpecError::MissingGroup { group, .. } if group == "CheckDigit"),
        "{e}"
    );
    let e = error(file(&format!(r#"{{{base}, "regex": "[0-9]{{4}}"}}"#)));
    assert!(matches!(e, SpecError::MissingGroup { .. }), "{e}");
    let e = error(file(&format!(
        r#"{{{base}, "regex": "(?<SerialNumber>(?=1)[0-9]{{4}})"}}"#
    )));
    assert!(matches!(e, SpecError::Translate { .. }), "{e}");
    let e = error(file(&format!(
        r#"{{{base}, "regex": "(?<SerialNumber>[0-9]{{4}})(?<CheckDigit>[0-9])", "validation": {{"checksum": {{"name": "mod7", "modulo": 0}}}}}}"#
    )));
    assert!(matches!(e, SpecError::Checksum { .. }), "{e}");
    let e = error(file(&format!(
        r#"{{{base}, "regex": "(?<SerialNumber>[0-9]{{4}})", "validation": {{"additional": {{"exists": ["Courier"]}}}}}}"#
    )));
    assert!(matches!(e, SpecError::UnknownLookup { .. }), "{e}");
    let e = error(file(&format!(
        r#"{{{base}, "regex": "(?<SerialNumber>[0-9]{{4}})", "additional": [{{"name": "S", "regex_group_name": "Nope", "lookup": []}}]}}"#
    )));
    assert!(matches!(e, SpecError::MissingGroup { .. }), "{e}");
    let e = error(
        file(&format!(
            r#"{{{base}, "regex": "(?<SerialNumber>[0-9]{{4}})"}}"#
        ))
        .replace(r#""courier_code": "ups""#, r#""courier_code": "pony""#),
    );
    assert!(matches!(e, SpecError::UnknownCourier { .. }), "{e}");
    let e = error(file(&format!(
        r#"{{{base}, "regex": "(?<SerialNumber>[0-9]{{4}}", "unknown": 1}}"#
    )));
    assert!(matches!(e, SpecError::Json { .. }), "{e}");
}

/// A small deterministic generator, so the comparison below needs no extra dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % below as u64) as usize
    }

    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[self.next(alphabet.len())]))
            .collect()
    }
}

/// The hand-written translations against the original regexes, run by a backtracking engine
/// with lookarounds: on every input, both match or neither does, and every named group holds
/// the same text.
#[test]
fn hand_written_translations_agree_with_the_originals() {
    let spec = spec();
    let mut rng = Lcg(0x5EED);
    for hand in translate::HAND_WRITTEN {
        let original =
            fancy_regex::Regex::new(&format!("^(?:{})$", hand.original)).expect("original");
        let format = spec.formats.iter().find(|f| f.id == hand.format).unwrap();
        let mut inputs: Vec<String> = format
            .test_numbers
            .valid
            .iter()
            .chain(&format.test_numbers.invalid)
            .map(|n| normalize(n))
            .collect();
        let (prefixes, alphabet): (&[&str], &[u8]) = if hand.format == "dhl_ecommerce" {
            (
                &["GM", "LX", "RX", "MY", "GS", ""],
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/",
            )
        } else {
            (&["420", "94", "92", "93", "95", "9", ""], b"0123456789")
        };
        for _ in 0..20_000 {
            let prefix = prefixes[rng.next(prefixes.len())];
            let mut s = prefix.to_owned();
            if prefix == "420" {
                // A routing prefix, then a body that usually starts like an IMpb one.
                let zip = [5, 9][rng.next(2)];
                s += &rng.string(b"0123456789", zip);
                s += ["94", "92", "93", "95", ""][rng.next(5)];
            }
            if s.ends_with("92") || s.ends_with("94") || s.ends_with("95") {
                // Make a 9-digit mailer ID likely after an application identifier.
                s += &rng.string(b"0123456789", 3);
                s += ["9", ""][rng.next(2)];
            }
            let len = rng.next(44);
            s += &rng.string(alphabet, len);
            inputs.push(s);
        }
        let mut matched = 0;
        for input in &inputs {
            let expected = original.captures(input).expect("no backtrack limit hit");
            let got = format
                .alternatives
                .iter()
                .find_map(|alternative| alternative.captures(input));
            assert_eq!(
                expected.is_some(),
                got.is_some(),
                "{}: {input:?} matches one and not the other",
                hand.format
            );
            let (Some(expected), Some(got)) = (expected, got) else {
                continue;
            };
            matched += 1;
            for name in original.capture_names().flatten() {
                assert_eq!(
                    expected.name(name).map(|m| m.as_str()),
                    got.name(name).map(|m| m.as_str()),
                    "{}: group {name} of {input:?}",
                    hand.format
                );
            }
        }
        // The inputs must reach the interesting cases, not only the failures.
        assert!(matched >= 200, "{}: only {matched} matches", hand.format);
    }
}
