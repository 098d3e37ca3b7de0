//! The mapping on documented bodies (`../fixtures/`, sources in `fixtures/SOURCES.md`).

use super::*;
use crate::adapters::http::parse_json;

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!(
        "{}/src/adapters/platforms/magento/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse_json(VENDOR, &body).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn bad_field(error: AdapterError) -> String {
    match error {
        AdapterError::BadResponse { vendor, field, .. } => {
            assert_eq!(vendor, VENDOR);
            field
        }
        other => panic!("expected BadResponse, got {other:?}"),
    }
}

#[test]
fn the_tutorial_order_maps_to_facts() {
    let magento: MagentoOrder = fixture("order_tutorial.json");
    let order = order(&magento, &[], "").unwrap();
    assert_eq!(order.id, "3");
    assert_eq!(order.number, "000000003");
    assert_eq!(order.email, "jdoe@example.com");
    assert_eq!(order.created_at, at("2017-08-21T22:22:19Z"));
    // Child rows of the bundle (6-9) and the configurable (11) are not products of their own.
    let lines: Vec<(&str, &str, u32)> = order
        .line_items
        .iter()
        .map(|l| (l.id.as_str(), l.title.as_str(), l.quantity))
        .collect();
    assert_eq!(
        lines,
        [
            ("3", "Radiant Tee-M-Orange", 1),
            ("4", "Advanced Pilates & Yoga (Strength)", 1),
            ("5", "Sprite Yoga Companion Kit", 1),
            ("10", "Chaz Kangeroo Hoodie", 1),
        ]
    );
    assert_eq!(order.financial_status, FinancialStatus::Pending);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert_eq!(order.cancelled_at, None);
    assert_eq!(order.shipping_method.as_deref(), Some("tablerate_bestway"));
    assert_eq!(
        order.destination,
        Some(Destination {
            city: "Purchase".into(),
            country: "US".into(),
            postcode: Some("10577".into()),
        })
    );
    assert_eq!(
        order.total,
        Some(Money {
            amount: "165.00".into(),
            currency: "USD".into()
        })
    );
    assert!(order.fulfillments.is_empty() && order.return_status.is_none());
}

#[test]
fn two_parcels_with_several_numbers_and_odd_carrier_names() {
    let magento: MagentoOrder = fixture("order_tutorial.json");
    let shipments: ShipmentSearchResult = fixture("shipments_two_parcels.json");
    let search = OrderSearchResult {
        items: Some(vec![magento]),
        total_count: Some(1),
    };
    let orders = orders(&search, shipments.items.as_deref().unwrap()).unwrap();
    let order = &orders[0];
    // The lines still say nothing shipped (the tutorial's body), the shipments say otherwise.
    assert_eq!(
        order.fulfillment_status,
        FulfillmentStatus::PartiallyFulfilled
    );
    let [first, second] = order.fulfillments.as_slice() else {
        panic!("two parcels: {:?}", order.fulfillments);
    };
    assert_eq!(first.id, "3");
    // The repeated number (with spaces) is one number; "Ground" under "ups" is still UPS.
    assert_eq!(first.tracking_numbers, ["1Y-9876543210", "1Y-9876543211"]);
    assert_eq!(first.carrier.as_deref(), Some("United Parcel Service"));
    assert_eq!(first.shipped_at, Some(at("2017-08-22T14:05:31Z")));
    // The child row 11 counts for its configurable product 10.
    let items: Vec<(&str, u32)> = first
        .items
        .iter()
        .map(|i| (i.line_item_id.as_str(), i.quantity))
        .collect();
    assert_eq!(items, [("3", 1), ("10", 1)]);
    assert!(order.line_item("10").is_some());
    // A hand-typed carrier keeps its title; the empty track adds nothing.
    assert_eq!(second.tracking_numbers, ["7465097080"]);
    assert_eq!(second.carrier.as_deref(), Some("DHL Express"));
    assert_eq!(second.items[0].line_item_id, "5");
    assert!(first.tracking_urls.is_empty() && first.platform_status.is_none());
}

#[test]
fn shipments_of_other_orders_are_not_mixed_in() {
    let magento: MagentoOrder = fixture("order_canceled.json");
    let shipments: ShipmentSearchResult = fixture("shipments_two_parcels.json");
    let search = OrderSearchResult {
        items: Some(vec![magento]),
        total_count: Some(1),
    };
    let orders = orders(&search, shipments.items.as_deref().unwrap()).unwrap();
    assert!(orders[0].fulfillments.is_empty());
}

#[test]
fn a_cancelled_order_takes_its_time_from_the_status_history() {
    let magento: MagentoOrder = fixture("order_canceled.json");
    let order = order(&magento, &[], "").unwrap();
    assert_eq!(order.cancelled_at, Some(at("2017-08-22T09:10:11Z")));
    assert!(order.is_cancelled());
    assert_eq!(order.financial_status, FinancialStatus::Voided);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
    // Stored with spaces and capitals: kept (trimmed) for the verifier to compare.
    assert_eq!(order.email, "JDoe@Example.com");
    assert_eq!(order.shipping_method.as_deref(), Some("flatrate_flatrate"));
}

#[test]
fn without_a_history_entry_the_last_update_is_the_cancellation() {
    let mut magento: MagentoOrder = fixture("order_canceled.json");
    magento.status_histories = None;
    let order = order(&magento, &[], "").unwrap();
    assert_eq!(order.cancelled_at, Some(at("2017-08-23T08:00:00Z")));
    magento.updated_at = None;
    let field = bad_field(super::order(&magento, &[], "items[2]").unwrap_err());
    assert_eq!(field, "items[2].updated_at");
}

#[test]
fn nulls_are_facts_not_stated() {
    let magento: MagentoOrder = fixture("order_nulls.json");
    let order = order(&magento, &[], "").unwrap();
    assert_eq!(order.id, "42");
    assert_eq!(order.number, "100000042");
    assert_eq!(order.created_at, at("2026-11-18T07:45:03Z"));
    // No name: the SKU stands in; "2.0000" is two units.
    assert_eq!(order.line_items[0].title, "MUG-STONE-4");
    assert_eq!(order.line_items[0].quantity, 2);
    assert_eq!(order.total, None);
    assert_eq!(order.destination, None);
    assert_eq!(order.shipping_method, None);
    assert_eq!(order.cancelled_at, None);
    assert_eq!(order.financial_status, FinancialStatus::Pending);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
}

#[test]
fn an_empty_search_is_no_orders() {
    let search: OrderSearchResult = fixture("orders_search_empty.json");
    assert_eq!(search.total_count, Some(0));
    assert!(orders(&search, &[]).unwrap().is_empty());
    assert!(orders(&OrderSearchResult::default(), &[])
        .unwrap()
        .is_empty());
}

#[test]
fn a_filtered_answer_without_the_e_mail_is_a_bad_response_naming_it() {
    let search: OrderSearchResult = fixture("orders_search_fields.json");
    let field = bad_field(orders(&search, &[]).unwrap_err());
    assert_eq!(field, "items[0].customer_email");
}

#[test]
fn the_reference_placeholder_time_is_a_bad_response_naming_it() {
    let search: OrderSearchResult = fixture("orders_schema_example.json");
    let field = bad_field(orders(&search, &[]).unwrap_err());
    assert_eq!(field, "items[0].created_at");
}

#[test]
fn required_fields_are_named_when_missing() {
    for (name, clear) in [
        (
            "entity_id",
            (|o: &mut MagentoOrder| o.entity_id = None) as fn(&mut MagentoOrder),
        ),
        ("increment_id", |o| o.increment_id = Some(" # ".into())),
        ("customer_email", |o| o.customer_email = Some("  ".into())),
        ("created_at", |o| o.created_at = None),
        ("items[0].qty_ordered", |o| {
            o.items.as_mut().unwrap()[0].qty_ordered = None
        }),
    ] {
        let mut magento: MagentoOrder = fixture("order_tutorial.json");
        clear(&mut magento);
        let field = bad_field(order(&magento, &[], "items[0]").unwrap_err());
        assert_eq!(field, format!("items[0].{name}"));
    }
}

#[test]
fn a_required_field_of_the_wrong_type_names_its_path() {
    let body = br#"{"items":[{"entity_id":1,"increment_id":"1","customer_email":"a@b.c","created_at":20171121}],"total_count":1}"#;
    let error = parse_json::<OrderSearchResult>(VENDOR, body).unwrap_err();
    assert_eq!(bad_field(error), "items[0].created_at");
    let body = br#"{"items":[{"grand_total":"twelve"}]}"#;
    let error = parse_json::<OrderSearchResult>(VENDOR, body).unwrap_err();
    assert_eq!(bad_field(error), "items[0].grand_total");
}

#[test]
fn magento_times_are_utc_without_an_offset() {
    assert_eq!(
        parse_time("2017-08-21 22:22:19"),
        Some(at("2017-08-21T22:22:19Z"))
    );
    assert_eq!(
        parse_time(" 2017-08-21T22:22:19+02:00 "),
        Some(at("2017-08-21T20:22:19Z"))
    );
    assert_eq!(
        parse_time("2017-08-21T22:22:19"),
        Some(at("2017-08-21T22:22:19Z"))
    );
    for unreadable in ["", "string", "0000-00-00 00:00:00", "2017-02-30 10:00:00"] {
        assert_eq!(parse_time(unreadable), None, "{unreadable:?}");
    }
}

#[test]
fn amounts_keep_their_decimals() {
    let amounts: Vec<Amount> =
        serde_json::from_str(r#"[165, 86.5, "12.3456", 128.0, "98.00", -3]"#).unwrap();
    let texts: Vec<String> = amounts.iter().map(Amount::decimal).collect();
    assert_eq!(
        texts,
        ["165.00", "86.50", "12.3456", "128.00", "98.00", "-3.00"]
    );
    assert!(serde_json::from_str::<Amount>(r#""1e3""#).is_err());
    assert!(serde_json::from_str::<Amount>(r#""""#).is_err());
}

#[test]
fn track_carriers_prefer_a_name_deskbot_knows() {
    let track = |code: Option<&str>, title: Option<&str>| Track {
        carrier_code: code.map(Into::into),
        title: title.map(Into::into),
        ..Track::default()
    };
    let cases = [
        (
            Some("ups"),
            Some("United Parcel Service"),
            Some("United Parcel Service"),
        ),
        (Some("ups"), Some("Ground"), Some("ups")),
        (Some("custom"), Some("DHL Express"), Some("DHL Express")),
        (
            Some("custom"),
            Some("Bob's Couriers"),
            Some("Bob's Couriers"),
        ),
        (Some("custom"), None, None),
        (Some("tablerate"), Some(""), Some("tablerate")),
        (None, None, None),
    ];
    for (code, title, expected) in cases {
        assert_eq!(
            track_carrier(&track(code, title)).as_deref(),
            expected,
            "{code:?} {title:?}"
        );
    }
    // Tracks naming two carriers give the shipment none: each number is recognised alone.
    let ups = track(Some("ups"), Some("United Parcel Service"));
    let usps = track(Some("usps"), Some("United States Postal Service"));
    assert_eq!(shipment_carrier(&[&ups, &usps]), None);
    let ups_code = track(Some("ups"), None);
    assert_eq!(
        shipment_carrier(&[&ups, &ups_code]).as_deref(),
        Some("United Parcel Service")
    );
}

#[test]
fn payment_follows_from_state_and_totals() {
    let order = |state: &str, json: &str| -> MagentoOrder {
        let mut order: MagentoOrder = serde_json::from_str(json).unwrap();
        order.state = Some(state.into());
        order
    };
    let cases = [
        (
            "processing",
            r#"{"grand_total":10,"total_paid":10}"#,
            FinancialStatus::Paid,
        ),
        (
            "processing",
            r#"{"grand_total":10,"total_paid":4}"#,
            FinancialStatus::Pending,
        ),
        (
            "complete",
            r#"{"grand_total":10,"total_paid":10,"total_refunded":3}"#,
            FinancialStatus::PartiallyRefunded,
        ),
        (
            "complete",
            r#"{"grand_total":10,"total_paid":10,"total_refunded":10}"#,
            FinancialStatus::Refunded,
        ),
        ("closed", r#"{"grand_total":10}"#, FinancialStatus::Refunded),
        ("canceled", r#"{"grand_total":10}"#, FinancialStatus::Voided),
        (
            "pending_payment",
            r#"{"grand_total":10}"#,
            FinancialStatus::Pending,
        ),
        (
            "processing",
            r#"{"grand_total":10,"payment":{"amount_authorized":10}}"#,
            FinancialStatus::Authorized,
        ),
        ("new", r#"{"grand_total":0}"#, FinancialStatus::Paid),
        ("new", r#"{}"#, FinancialStatus::Pending),
    ];
    for (state, json, expected) in cases {
        assert_eq!(
            financial_status(&order(state, json), state),
            expected,
            "{state} {json}"
        );
    }
}

#[test]
fn shipping_progress_counts_physical_lines_only() {
    let lines_of = |json: &str| -> Vec<MagentoItem> { serde_json::from_str(json).unwrap() };
    let status = |items: &[MagentoItem], state: &str, shipped: bool| {
        fulfillment_status(&Lines::new(items), state, shipped)
    };
    let part = lines_of(
        r#"[{"item_id":1,"qty_ordered":2,"qty_shipped":1},
            {"item_id":2,"qty_ordered":1,"qty_shipped":0,"is_virtual":1}]"#,
    );
    assert_eq!(
        status(&part, "processing", true),
        FulfillmentStatus::PartiallyFulfilled
    );
    let full = lines_of(
        r#"[{"item_id":1,"qty_ordered":2,"qty_shipped":2},
            {"item_id":2,"qty_ordered":1,"qty_shipped":0,"qty_canceled":1}]"#,
    );
    assert_eq!(
        status(&full, "complete", true),
        FulfillmentStatus::Fulfilled
    );
    // A bundle shipped separately: the parent row says 0, the children say shipped.
    let bundle = lines_of(
        r#"[{"item_id":5,"qty_ordered":1,"qty_shipped":0},
            {"item_id":6,"parent_item_id":5,"qty_ordered":1,"qty_shipped":1},
            {"item_id":7,"parent_item_id":5,"qty_ordered":1,"qty_shipped":1}]"#,
    );
    assert_eq!(
        status(&bundle, "complete", true),
        FulfillmentStatus::Fulfilled
    );
    let cancelled = lines_of(r#"[{"item_id":1,"qty_ordered":1,"qty_canceled":1}]"#);
    assert_eq!(
        status(&cancelled, "canceled", false),
        FulfillmentStatus::Unfulfilled
    );
    let silent = lines_of(r#"[{"item_id":1,"qty_ordered":1}]"#);
    assert_eq!(
        status(&silent, "complete", true),
        FulfillmentStatus::Fulfilled
    );
    assert_eq!(
        status(&[], "processing", false),
        FulfillmentStatus::Unfulfilled
    );
    // On hold or in payment review: not shipped, and not for deskbot to cancel.
    for held in ["holded", "payment_review"] {
        assert_eq!(
            status(&silent, held, false),
            FulfillmentStatus::InProgress,
            "{held}"
        );
    }
    assert_eq!(
        status(&silent, "processing", false),
        FulfillmentStatus::Unfulfilled
    );
}

#[test]
fn a_closed_order_is_returned_if_it_shipped_and_cancelled_if_not() {
    let mut magento: MagentoOrder = fixture("order_tutorial.json");
    magento.state = Some("closed".into());
    magento.status = Some("closed".into());
    let unshipped = order(&magento, &[], "").unwrap();
    assert_eq!(unshipped.cancelled_at, Some(at("2017-08-21T22:22:20Z")));
    assert_eq!(unshipped.return_status, None);
    assert_eq!(unshipped.financial_status, FinancialStatus::Refunded);
    let shipments: ShipmentSearchResult = fixture("shipments_two_parcels.json");
    let parcels: Vec<&MagentoShipment> = shipments.items.iter().flatten().collect();
    let shipped = order(&magento, &parcels, "").unwrap();
    assert_eq!(shipped.cancelled_at, None);
    assert_eq!(shipped.return_status, Some(ReturnStatus::Refunded));
}

/// An order one of whose two mugs was cancelled and whose poster was refunded by a credit memo
/// before anything shipped; the rest in one parcel. Fields `qty_ordered`, `qty_canceled`,
/// `qty_refunded`, `qty_shipped` of `sales-data-order-item-interface` and `items[]`
/// (`order_item_id`, `qty`) of `sales-data-shipment-interface`, as in the REST reference
/// (<https://adobe-commerce.redoc.ly/2.4.6-admin/tag/orders>, `GET /V1/orders/{id}`) and the
/// order tutorial's bodies (`fixtures/order_tutorial.json`); values ours.
#[test]
fn cancelled_and_refunded_units_are_not_waiting_to_ship() {
    let magento: MagentoOrder = serde_json::from_str(
        r#"{"entity_id": 41, "increment_id": "000000041", "customer_email": "kim@example.com",
            "created_at": "2026-11-16 09:00:00", "state": "processing", "status": "processing",
            "items": [
              {"item_id": 1, "name": "Stoneware Mug", "qty_ordered": 2, "qty_canceled": 1,
               "qty_refunded": 0, "qty_shipped": 1},
              {"item_id": 2, "name": "Botanical Poster", "qty_ordered": 1, "qty_canceled": 0,
               "qty_refunded": 1, "qty_shipped": 0},
              {"item_id": 3, "name": "Tea Towel", "qty_ordered": 1, "qty_canceled": 0,
               "qty_refunded": 1, "qty_shipped": 1}
            ]}"#,
    )
    .unwrap();
    let shipment: MagentoShipment = serde_json::from_str(
        r#"{"entity_id": 9, "order_id": 41, "created_at": "2026-11-17 10:00:00",
            "items": [{"order_item_id": 1, "qty": 1}, {"order_item_id": 3, "qty": 1}],
            "tracks": [{"track_number": "1Z001985YW99744790", "carrier_code": "ups"}]}"#,
    )
    .unwrap();
    let order = order(&magento, &[&shipment], "").unwrap();
    let lines: Vec<(&str, u32)> = order
        .line_items
        .iter()
        .map(|l| (l.title.as_str(), l.quantity))
        .collect();
    // The towel was refunded after it shipped (a return): it is still what the parcel held.
    assert_eq!(lines, [("Stoneware Mug", 1), ("Tea Towel", 1)]);
    // Cancelled in full: the lines as ordered.
    let cancelled: MagentoOrder = fixture("order_canceled.json");
    let cancelled = super::order(&cancelled, &[], "").unwrap();
    assert_eq!(cancelled.line_items.len(), 1);
    assert_eq!(cancelled.line_items[0].quantity, 1);
}
