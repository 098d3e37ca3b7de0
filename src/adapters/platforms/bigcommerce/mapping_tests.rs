//! The mapping, on BigCommerce's documented example bodies (`fixtures/`, sources in
//! `fixtures/SOURCES.md`: the examples of `reference/orders.v2.oas2.yml` in
//! github.com/bigcommerce/api-specs, some edited as listed there).

use super::*;
use crate::carrier::Carrier;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/adapters/platforms/bigcommerce/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn order(name: &str) -> BcOrder {
    parse_json(VENDOR, &fixture(name)).unwrap()
}

fn list<T: DeserializeOwned>(name: &str, what: &str) -> Vec<T> {
    parse_list(&fixture(name), what).unwrap()
}

fn at(rfc3339: &str) -> Timestamp {
    rfc3339.parse().unwrap()
}

fn field_of(error: AdapterError) -> String {
    match error {
        AdapterError::BadResponse { vendor, field, .. } => {
            assert_eq!(vendor, "bigcommerce");
            field
        }
        other => panic!("expected a bad response, got {other:?}"),
    }
}

#[test]
fn a_full_order_maps_every_fact() {
    let products: Vec<BcProduct> = list("products.json", "products");
    let address: BcShippingAddress = parse_json(VENDOR, &fixture("shipping_address_fixed.json"))
        .expect("the documented address parses");
    let facts = to_order(&order("order_full.json"), &products, &[address], &[], "").unwrap();
    assert_eq!(facts.number, "247");
    assert_eq!(facts.id, "247");
    assert_eq!(facts.email, "janedoe@email.com");
    assert_eq!(facts.created_at, at("2019-06-20T16:07:08Z"));
    assert_eq!(facts.financial_status, FinancialStatus::Paid, "captured");
    assert_eq!(facts.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert_eq!(facts.cancelled_at, None);
    let lines: Vec<(&str, &str, u32)> = facts
        .line_items
        .iter()
        .map(|l| (l.id.as_str(), l.title.as_str(), l.quantity))
        .collect();
    assert_eq!(
        lines,
        [
            ("238", "Journal", 1),
            ("239", "1L Le Parfait Jar", 2),
            ("240", "BigCommerce T-Shirt", 4),
            ("241", "Able Brewing System", 4),
        ]
    );
    assert_eq!(facts.shipping_method.as_deref(), Some("Fixed Shipping"));
    assert_eq!(
        facts.destination,
        Some(Destination {
            city: "Austin".into(),
            country: "US".into(),
            postcode: Some("78751".into()),
        })
    );
    assert_eq!(
        facts.total,
        Some(Money {
            amount: "1008.74".into(),
            currency: "USD".into(),
        })
    );
    assert!(facts.fulfillments.is_empty());
    assert_eq!(facts.return_status, None);
}

#[test]
fn nulls_and_empty_strings_leave_facts_out() {
    let facts = to_order(&order("order_with_nulls.json"), &[], &[], &[], "").unwrap();
    assert_eq!(facts.number, "218");
    assert_eq!(facts.created_at, at("2019-03-05T21:40:11Z"));
    // Empty payment_status: the status (7, Awaiting Payment) says it.
    assert_eq!(facts.financial_status, FinancialStatus::Pending);
    assert_eq!(facts.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert_eq!(facts.total.unwrap().amount, "69.84");
    assert_eq!(facts.shipping_method, None);
    assert_eq!(facts.destination, None);
    assert!(facts.line_items.is_empty() && facts.fulfillments.is_empty());
}

#[test]
fn the_documented_order_list_maps_order_by_order() {
    let orders: Vec<BcOrder> = list("orders_list.json", "");
    let facts: Vec<Order> = orders
        .iter()
        .enumerate()
        .map(|(i, o)| to_order(o, &[], &[], &[], &format!("[{i}].")).unwrap())
        .collect();
    let numbers: Vec<&str> = facts.iter().map(|o| o.number.as_str()).collect();
    assert_eq!(numbers, ["100", "104", "105", "107", "110"]);
    // 100: no payment status, Awaiting Fulfillment ("payment has been confirmed").
    assert_eq!(facts[0].financial_status, FinancialStatus::Paid);
    assert_eq!(facts[1].financial_status, FinancialStatus::Paid);
    assert_eq!(facts[1].email, "test1234@gmail.com");
    // 110: Completed with nothing recorded as shipped, paid in cash with no payment status.
    assert_eq!(facts[4].fulfillment_status, FulfillmentStatus::Fulfilled);
    assert_eq!(facts[4].financial_status, FinancialStatus::Unknown);
    assert_eq!(facts[4].created_at, at("2018-01-11T20:57:52Z"));
}

#[test]
fn no_content_is_an_empty_list() {
    assert!(list::<BcOrder>("orders_no_content.json", "").is_empty());
    for body in ["", "  \n", "[]", "null"] {
        let orders: Vec<BcOrder> = parse_list(body.as_bytes(), "").unwrap();
        assert!(orders.is_empty(), "{body:?}");
    }
}

#[test]
fn documented_shipments_become_fulfillments() {
    let shipments: Vec<BcShipment> = list("shipments.json", "shipments");
    let first = fulfillment(&shipments[0]);
    assert_eq!(first.id, "6");
    assert_eq!(first.tracking_numbers, ["EJ958083578US"]);
    assert_eq!(first.carrier.as_deref(), Some("usps"));
    assert_eq!(first.shipped_at, Some(at("2019-03-11T17:22:08Z")));
    assert_eq!(
        first.items,
        [FulfilledItem {
            line_item_id: "188".into(),
            quantity: 1
        }]
    );
    assert!(first.tracking_urls.is_empty(), "empty links are no links");
    assert_eq!(first.platform_status, None);
    let second = fulfillment(&shipments[1]);
    assert_eq!(second.carrier, None, "every carrier field is empty");
    assert_eq!(second.tracking_numbers, ["EJ958083578UK"]);
}

#[test]
fn a_partially_shipped_order_has_two_parcels_and_three_numbers() {
    let facts = to_order(
        &order("order_partially_shipped.json"),
        &list::<BcProduct>("products_partially_shipped.json", "products"),
        &list::<BcShippingAddress>("shipping_addresses.json", "shipping_addresses"),
        &list::<BcShipment>("shipments_partially_shipped.json", "shipments"),
        "",
    )
    .unwrap();
    assert_eq!(
        facts.fulfillment_status,
        FulfillmentStatus::PartiallyFulfilled
    );
    assert_eq!(facts.fulfillments.len(), 2);
    let ups = &facts.fulfillments[0];
    assert_eq!(ups.carrier.as_deref(), Some("UPS"), "upsready is UPS");
    assert_eq!(ups.tracking_numbers, ["1Z999AA10123456784"]);
    assert_eq!(
        ups.tracking_urls,
        ["https://www.ups.com/track?tracknum=1Z999AA10123456784"]
    );
    assert_eq!(ups.shipped_at, Some(at("2019-06-21T14:02:11Z")));
    let quantities: Vec<(&str, u32)> = ups
        .items
        .iter()
        .map(|i| (i.line_item_id.as_str(), i.quantity))
        .collect();
    assert_eq!(quantities, [("238", 1), ("240", 4), ("241", 4)]);
    let usps = &facts.fulfillments[1];
    assert_eq!(usps.carrier.as_deref(), Some("usps"));
    assert_eq!(usps.tracking_numbers, ["EJ958083578US", "EJ958083579US"]);
    assert_eq!(
        usps.tracking_urls,
        ["https://tools.usps.com/go/TrackConfirmAction?tLabels=EJ958083578US"]
    );
    // `shipping_method: None` is what BigCommerce writes for a custom shipment method.
    assert_eq!(facts.shipping_method.as_deref(), Some("None"));
    assert_eq!(facts.destination.unwrap().city, "San Antonio");
}

#[test]
fn a_cancelled_order_is_stamped_with_its_last_change() {
    let facts = to_order(&order("order_cancelled.json"), &[], &[], &[], "").unwrap();
    assert_eq!(facts.cancelled_at, Some(at("2019-03-13T10:02:47Z")));
    assert!(facts.is_cancelled());
    assert_eq!(facts.financial_status, FinancialStatus::Voided);
    // "Cancelled" does not say whether anything left first.
    assert_eq!(facts.fulfillment_status, FulfillmentStatus::Unknown);

    let mut unstamped = order("order_cancelled.json");
    unstamped.date_modified = Some(String::new());
    let error = to_order(&unstamped, &[], &[], &[], "[2].").unwrap_err();
    assert_eq!(field_of(error), "[2].date_modified");
}

#[test]
fn what_a_reply_needs_missing_or_malformed_is_a_bad_response_naming_it() {
    let full = order("order_full.json");
    let mut no_email = full.clone();
    no_email.billing_address.as_mut().unwrap().email = Some("  ".into());
    let mut no_address = full.clone();
    no_address.billing_address = None;
    let mut bad_date = full.clone();
    bad_date.date_created = Some("20/06/2019".into());
    let mut no_date = full.clone();
    no_date.date_created = None;
    let mut no_id = full.clone();
    no_id.id = None;
    for (broken, field) in [
        (no_email, "billing_address.email"),
        (no_address, "billing_address.email"),
        (bad_date, "date_created"),
        (no_date, "date_created"),
        (no_id, "id"),
    ] {
        let error = to_order(&broken, &[], &[], &[], "").unwrap_err();
        assert_eq!(field_of(error), field);
    }
    assert!(to_order(&full, &[], &[], &[], "[1].").is_ok());

    let mut products: Vec<BcProduct> = list("products.json", "products");
    products[1].name = None;
    let error = to_order(&full, &products, &[], &[], "").unwrap_err();
    assert_eq!(field_of(error), "products[1].name");
    products[1].name = Some("Jar".into());
    products[3].quantity = None;
    let error = to_order(&full, &products, &[], &[], "").unwrap_err();
    assert_eq!(field_of(error), "products[3].quantity");
}

#[test]
fn a_field_of_the_wrong_type_is_named_with_its_path() {
    let body = br#"{"id": "247", "date_created": "Thu, 20 Jun 2019 16:07:08 +0000"}"#;
    let error = parse_json::<BcOrder>(VENDOR, body).unwrap_err();
    assert_eq!(field_of(error), "id");
    let body = br#"[{"id": 1, "billing_address": {"email": 42}}]"#;
    let error = parse_list::<BcOrder>(body, "").unwrap_err();
    assert_eq!(field_of(error), "[0].billing_address.email");
    let body = br#"[{"id": 1, "quantity": "two"}]"#;
    let error = parse_list::<BcProduct>(body, "products").unwrap_err();
    assert_eq!(field_of(error), "products[0].quantity");
    let error = parse_list::<BcShipment>(b"<xml/>", "shipments").unwrap_err();
    assert_eq!(field_of(error), "shipments");
}

#[test]
fn counts_come_as_numbers_or_strings() {
    let read = |json: &str| serde_json::from_str::<Count>(json).ok();
    assert_eq!(read("2"), Some(Count(2)));
    assert_eq!(read("2.0"), Some(Count(2)));
    assert_eq!(read("\" 3 \""), Some(Count(3)));
    assert_eq!(read("\"4.0\""), Some(Count(4)));
    for bad in ["-1", "2.5", "\"two\"", "{}", "true", "1e12"] {
        assert_eq!(read(bad), None, "{bad}");
    }
    let read = |json: &str| serde_json::from_str::<Decimal>(json).unwrap().0;
    assert_eq!(read("\"69.8400\""), "69.8400");
    assert_eq!(read("12.5"), "12.5");
    assert_eq!(read("7"), "7");
}

#[test]
fn amounts_lose_zeros_past_the_cents() {
    for (given, expected) in [
        ("69.8400", Some("69.84")),
        ("225.0000", Some("225.00")),
        ("12.5", Some("12.5")),
        ("7", Some("7")),
        ("-5.1000", Some("-5.10")),
        ("1.2345", Some("1.2345")),
        (" 8.0000 ", Some("8.00")),
        ("", None),
        ("1,000.00", None),
        ("abc", None),
        (".5", None),
    ] {
        assert_eq!(normalize_amount(given).as_deref(), expected, "{given:?}");
    }
}

#[test]
fn times_are_rfc_2822_as_bigcommerce_writes_them() {
    assert_eq!(
        parse_time("Tue, 05 Mar 2019 21:32:05 +0000"),
        Some(at("2019-03-05T21:32:05Z"))
    );
    assert_eq!(
        parse_time("Thu, 20 Apr 2017 11:32:00 -0400"),
        Some(at("2017-04-20T15:32:00Z"))
    );
    // A weekday that does not fit is forgiven; the date counts.
    assert_eq!(
        parse_time("Mon, 05 Mar 2019 21:32:05 +0000"),
        Some(at("2019-03-05T21:32:05Z"))
    );
    assert_eq!(
        parse_time("2019-03-05T21:32:05Z"),
        Some(at("2019-03-05T21:32:05Z"))
    );
    for bad in [
        "",
        "  ",
        "yesterday",
        "05/03/2019",
        "Tue, 32 Mar 2019 21:32:05 +0000",
    ] {
        assert_eq!(parse_time(bad), None, "{bad:?}");
    }
}

#[test]
fn several_numbers_in_one_field_are_split_but_spaced_numbers_are_not() {
    assert_eq!(
        tracking_numbers("1Z999AA10123456784, 1Z999AA10123456785;EJ958083578US\n"),
        ["1Z999AA10123456784", "1Z999AA10123456785", "EJ958083578US"]
    );
    assert_eq!(
        tracking_numbers("1Z 999 AA1 01 2345 6784"),
        ["1Z 999 AA1 01 2345 6784"]
    );
    assert_eq!(tracking_numbers("A1, A1"), ["A1"]);
    assert!(tracking_numbers(" , ").is_empty());
}

#[test]
fn odd_carrier_spellings_resolve() {
    let shipment = |provider: &str, carrier: &str, display: Option<&str>| BcShipment {
        shipping_provider: Some(provider.into()),
        tracking_carrier: Some(carrier.into()),
        shipping_provider_display_name: display.map(str::to_owned),
        ..BcShipment::default()
    };
    for (given, name, resolved) in [
        (shipment("upsready", "", None), "UPS", Some(Carrier::Ups)),
        (shipment("upsonline", " ", None), "UPS", Some(Carrier::Ups)),
        (shipment("endicia", "", None), "USPS", Some(Carrier::Usps)),
        (shipment("usps", "", None), "usps", Some(Carrier::Usps)),
        (
            shipment("shipperhq", "fedex", None),
            "fedex",
            Some(Carrier::Fedex),
        ),
        (
            shipment("carrier_12", "", Some("Royal Mail")),
            "Royal Mail",
            Some(Carrier::RoyalMail),
        ),
        (
            shipment("", "royal-mail", None),
            "royal-mail",
            Some(Carrier::RoyalMail),
        ),
        (shipment("carrier_12", "", None), "carrier_12", None),
    ] {
        assert_eq!(carrier_name(&given).as_deref(), Some(name));
        assert_eq!(Carrier::from_platform_name(name), resolved, "{name}");
    }
    assert_eq!(carrier_name(&shipment(" ", "", Some(""))), None);
    assert_eq!(carrier_name(&BcShipment::default()), None);
}

#[test]
fn a_line_on_a_return_gives_a_return_status() {
    let full = order("order_full.json");
    let mut products: Vec<BcProduct> = list("products.json", "products");
    assert_eq!(
        return_status(&full, &products, Some(11)),
        None,
        "return_id 0"
    );
    products[0].return_id = Some(Count(3));
    assert_eq!(
        return_status(&full, &products, Some(11)),
        Some(ReturnStatus::Requested)
    );
    products[0].is_refunded = Some(true);
    assert_eq!(
        return_status(&full, &products, Some(11)),
        Some(ReturnStatus::Refunded)
    );
    products[0].is_refunded = Some(false);
    let mut refunded = full.clone();
    refunded.payment_status = Some("refunded".into());
    assert_eq!(
        return_status(&refunded, &products, Some(status::REFUNDED)),
        Some(ReturnStatus::Refunded)
    );
}

#[test]
fn payment_statuses_map_and_fall_back_on_the_order_status() {
    use FinancialStatus::*;
    for (payment, status_id, expected) in [
        ("captured", Some(11), Paid),
        ("paid", None, Paid),
        ("authorized", Some(11), Authorized),
        ("capture pending", Some(11), Authorized),
        ("held for review", Some(12), Pending),
        ("Partially Refunded", Some(14), PartiallyRefunded),
        ("refunded", Some(4), Refunded),
        ("void", Some(5), Voided),
        ("void pending", Some(5), Voided),
        ("declined", Some(6), Unknown),
        ("", Some(4), Refunded),
        ("", Some(14), PartiallyRefunded),
        ("", Some(7), Pending),
        ("", Some(0), Pending),
        ("", Some(11), Paid),
        ("", Some(2), Unknown),
        ("", None, Unknown),
    ] {
        assert_eq!(
            financial_status(Some(payment), status_id),
            expected,
            "{payment:?} {status_id:?}"
        );
    }
}

#[test]
fn shipping_state_comes_from_units_then_from_the_status() {
    let full = order("order_full.json");
    let products: Vec<BcProduct> = list("products_partially_shipped.json", "products");
    let state =
        |products: &[BcProduct], status_id| fulfillment_status(&full, products, &[], status_id);
    assert_eq!(
        state(&products, Some(11)),
        FulfillmentStatus::PartiallyFulfilled
    );
    let mut all = products.clone();
    all[1].quantity_shipped = Some(Count(2));
    assert_eq!(state(&all, Some(3)), FulfillmentStatus::Fulfilled);
    let none: Vec<BcProduct> = list("products.json", "products");
    assert_eq!(state(&none, Some(2)), FulfillmentStatus::Fulfilled);
    assert_eq!(state(&none, Some(3)), FulfillmentStatus::PartiallyFulfilled);
    for waiting in [0, 1, 7, 11] {
        assert_eq!(state(&none, Some(waiting)), FulfillmentStatus::Unfulfilled);
    }
    // Packed for the carrier, or held for a manual check.
    assert_eq!(state(&none, Some(9)), FulfillmentStatus::InProgress);
    assert_eq!(state(&none, Some(12)), FulfillmentStatus::InProgress);
    // Pickup, declined, disputed, refunded, a shop's own status, none.
    for unsaid in [
        Some(4),
        Some(6),
        Some(8),
        Some(13),
        Some(14),
        Some(15),
        None,
    ] {
        assert_eq!(
            state(&none, unsaid),
            FulfillmentStatus::Unknown,
            "{unsaid:?}"
        );
    }
}

#[test]
fn an_address_without_city_or_country_is_no_destination() {
    let address = |city: &str, country: &str, zip: &str| BcShippingAddress {
        city: Some(city.into()),
        country_iso2: Some(country.into()),
        zip: Some(zip.into()),
        shipping_method: None,
    };
    assert_eq!(destination(&address("", "US", "1")), None);
    assert_eq!(destination(&address("Austin", " ", "1")), None);
    assert_eq!(
        destination(&address(" Austin ", "us", "")),
        Some(Destination {
            city: "Austin".into(),
            country: "US".into(),
            postcode: None
        })
    );
}

/// The partially shipped order of `fixtures/` once the second jar, never shipped, is refunded:
/// `quantity_refunded` of `GET /orders/{id}/products` ("Multiple Products" example of
/// `reference/orders.v2.oas2.yml`, github.com/bigcommerce/api-specs) set to 1 on that line.
#[test]
fn a_refunded_unit_is_not_waiting_to_ship() {
    let mut products = list::<BcProduct>("products_partially_shipped.json", "products");
    let jar = products.iter_mut().find(|p| p.id == Some(239)).unwrap();
    jar.quantity_refunded = Some(Count(1));
    let facts = to_order(
        &order("order_partially_shipped.json"),
        &products,
        &[],
        &list::<BcShipment>("shipments_partially_shipped.json", "shipments"),
        "",
    )
    .unwrap();
    let jar = facts.line_item("239").unwrap();
    assert_eq!(jar.quantity, 1, "one jar shipped, the other refunded");
    let shipped: u32 = facts
        .fulfillments
        .iter()
        .flat_map(|f| &f.items)
        .filter(|i| i.line_item_id == "239")
        .map(|i| i.quantity)
        .sum();
    assert_eq!(shipped, jar.quantity, "nothing of it left to ship");
    // Refunded in full before it shipped: nothing of the line is on its way.
    let mut products = list::<BcProduct>("products_partially_shipped.json", "products");
    for p in &mut products {
        p.quantity_shipped = Some(Count(0));
        p.quantity_refunded = if p.id == Some(238) {
            Some(Count(1))
        } else {
            Some(Count(0))
        };
    }
    let facts = to_order(&order("order_full.json"), &products, &[], &[], "").unwrap();
    assert!(
        facts.line_item("238").is_none(),
        "the refunded journal is off the order"
    );
    assert_eq!(facts.line_items.len(), 3);
}
