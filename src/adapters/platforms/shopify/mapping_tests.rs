//! The mapping on documented bodies (`fixtures/`, sources in `fixtures/SOURCES.md`) and on
//! the odd input real shops produce.

use serde::Deserialize;
use serde_json::json;

use super::*;
use crate::adapters::http::parse_json;
use crate::adapters::platforms::shopify::graphql::{into_data, CancelData, Envelope};

fn at(time: &str) -> Timestamp {
    time.parse().unwrap()
}

/// A fixture holding a response's `data` (as Shopify's reference pages print it).
fn data<T: for<'de> Deserialize<'de>>(body: &str) -> T {
    parse_json(VENDOR, body.as_bytes()).unwrap()
}

/// A fixture holding a whole response.
fn response<T: for<'de> Deserialize<'de>>(body: &str) -> T {
    let envelope: Envelope<T> = parse_json(VENDOR, body.as_bytes()).unwrap();
    into_data(envelope, "test").unwrap()
}

#[test]
fn documented_order_list_maps_with_its_nulls() {
    let page: OrdersData = data(include_str!("fixtures/orders_specific_details.json"));
    let connection = page.orders.unwrap();
    assert_eq!(connection.next_page(), None, "no pageInfo: one page");
    let orders = orders(connection, "orders").unwrap();
    let numbers: Vec<&str> = orders.iter().map(|o| o.number.as_str()).collect();
    assert_eq!(numbers, ["2000", "2006", "2002", "2009", "2003"]);
    let first = &orders[0];
    assert_eq!(first.id, "gid://shopify/Order/158040885");
    assert_eq!(first.email, "bob@example.com");
    assert_eq!(first.created_at, at("2024-01-01T00:00:00Z"));
    assert_eq!(first.financial_status, FinancialStatus::Paid);
    assert_eq!(first.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert_eq!(first.cancelled_at, None);
    assert_eq!(
        first.total,
        Some(Money {
            amount: "2000.0".into(),
            currency: "CAD".into()
        })
    );
    // `shippingAddress: null`, no shipping line, no fulfillments asked for.
    assert_eq!(first.destination, None);
    assert_eq!(first.shipping_method, None);
    assert!(first.fulfillments.is_empty());
    // The example asks for `name`, not `id` or `title`, through `edges`.
    assert_eq!(
        first.line_items,
        [LineItem {
            id: String::new(),
            title: "Draft - 151cm".into(),
            quantity: 10
        }]
    );
    assert!(orders[1].line_items.is_empty(), "`edges: []`");
}

#[test]
fn documented_order_without_an_email_is_a_bad_response_naming_it() {
    let body: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/order_tax_information.json")).unwrap();
    let single: OrderData = serde_json::from_value(body.clone()).unwrap();
    match order(single.order.unwrap(), "data.order") {
        Err(AdapterError::BadResponse { vendor, field, .. }) => {
            assert_eq!(vendor, "shopify");
            assert_eq!(field, "data.order.email");
        }
        other => panic!("{other:?}"),
    }
    // The same order with the e-mail the example did not ask for.
    let mut body = body;
    body["order"]["email"] = json!("customer@example.com");
    let single: OrderData = serde_json::from_value(body).unwrap();
    let mapped = order(single.order.unwrap(), "data.order").unwrap();
    assert_eq!(mapped.number, "9563");
    assert_eq!(
        mapped.destination,
        Some(Destination {
            city: "Bevery Hills".into(),
            country: "US".into(),
            postcode: Some("90210".into())
        })
    );
    assert_eq!(mapped.line_items[0].id, "gid://shopify/LineItem/1035841997");
    assert_eq!(mapped.line_items[0].title, "POS sale");
    assert_eq!(mapped.total.unwrap().amount, "16.2");
    // Not asked for in the example: unknown rather than guessed.
    assert_eq!(mapped.fulfillment_status, FulfillmentStatus::Unknown);
    assert_eq!(mapped.financial_status, FinancialStatus::Unknown);
}

#[test]
fn documented_fulfillment_maps_its_tracking() {
    #[derive(Deserialize)]
    struct Data {
        fulfillment: FulfillmentNode,
    }
    let body: Data = data(include_str!("fixtures/fulfillment_show.json"));
    let shipment = fulfillment(body.fulfillment, "fulfillment").unwrap();
    assert_eq!(shipment.tracking_numbers, ["1Z1234512345123456"]);
    assert_eq!(shipment.carrier.as_deref(), Some("UPS"));
    assert_eq!(shipment.tracking_urls.len(), 1);
    // The example's line item carries no id, and the fulfillment no times or display status.
    assert!(shipment.items.is_empty());
    assert_eq!(shipment.shipped_at, None);
    assert_eq!(shipment.platform_status, None);
}

#[test]
fn entries_naming_different_companies_leave_the_carrier_to_each_number() {
    #[derive(Deserialize)]
    struct Data {
        fulfillment: FulfillmentNode,
    }
    // The documented fulfillment, with a second parcel sent by another carrier.
    let mut body: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/fulfillment_show.json")).unwrap();
    let entries = body["fulfillment"]["trackingInfo"].as_array_mut().unwrap();
    entries.push(
        serde_json::json!({"company": "USPS", "number": "9400111899223397981282", "url": null}),
    );
    let mixed: Data = serde_json::from_value(body.clone()).unwrap();
    let shipment = fulfillment(mixed.fulfillment, "fulfillment").unwrap();
    assert_eq!(
        shipment.tracking_numbers,
        ["1Z1234512345123456", "9400111899223397981282"]
    );
    assert_eq!(
        shipment.carrier, None,
        "UPS is not the USPS parcel's carrier"
    );
    // The same company written twice, or once, still names the carrier.
    body["fulfillment"]["trackingInfo"][1]["company"] = serde_json::json!(" ups ");
    let same: Data = serde_json::from_value(body.clone()).unwrap();
    let shipment = fulfillment(same.fulfillment, "fulfillment").unwrap();
    assert_eq!(shipment.carrier.as_deref(), Some("UPS"));
    body["fulfillment"]["trackingInfo"][1]["company"] = serde_json::Value::Null;
    let one: Data = serde_json::from_value(body).unwrap();
    let shipment = fulfillment(one.fulfillment, "fulfillment").unwrap();
    assert_eq!(shipment.carrier.as_deref(), Some("UPS"));
}

#[test]
fn two_shipments_several_numbers_and_a_cancelled_fulfillment() {
    let single: OrderData = response(include_str!("fixtures/order_partially_shipped.json"));
    let order = order(single.order.unwrap(), "data.order").unwrap();
    assert_eq!(order.number, "1001");
    assert_eq!(
        order.fulfillment_status,
        FulfillmentStatus::PartiallyFulfilled
    );
    assert_eq!(order.shipping_method.as_deref(), Some("Standard"));
    assert_eq!(order.return_status, None);
    assert_eq!(order.line_items.len(), 3);
    assert_eq!(
        order.fulfillments.len(),
        2,
        "the cancelled one is no shipment"
    );
    let first = &order.fulfillments[0];
    assert_eq!(
        first.tracking_numbers,
        ["1Z001985YW99744790", "1Z1234512345123456"],
        "several numbers, the blank one dropped"
    );
    assert_eq!(first.carrier.as_deref(), Some("United Parcel Service"));
    assert_eq!(first.tracking_urls.len(), 1);
    assert_eq!(first.shipped_at, Some(at("2025-11-12T19:50:00Z")));
    assert_eq!(first.platform_status, Some(TrackingStatus::InTransit));
    assert_eq!(
        first.items,
        [FulfilledItem {
            line_item_id: "gid://shopify/LineItem/466157049".into(),
            quantity: 2
        }]
    );
    let second = &order.fulfillments[1];
    assert_eq!(second.tracking_numbers, ["9400111899223397981282"]);
    assert_eq!(second.carrier.as_deref(), Some("usps"));
    assert_eq!(second.shipped_at, Some(at("2025-11-14T09:30:00Z")));
    assert_eq!(second.platform_status, Some(TrackingStatus::Delivered));
    assert_eq!(
        second.items[0].line_item_id,
        "gid://shopify/LineItem/518995019"
    );
}

#[test]
fn cancelled_and_refunded_order() {
    let page: OrdersData = response(include_str!("fixtures/order_cancelled.json"));
    let connection = page.orders.unwrap();
    assert_eq!(
        connection.next_page(),
        None,
        "an end cursor without a next page"
    );
    let orders = orders(connection, "data.orders").unwrap();
    let order = &orders[0];
    assert_eq!(order.cancelled_at, Some(at("2025-11-16T15:42:00Z")));
    assert!(order.is_cancelled());
    assert_eq!(order.financial_status, FinancialStatus::Refunded);
    assert_eq!(order.email, "Noah@Example.COM", "trimmed, case kept");
    assert_eq!(order.shipping_method, None);
    assert_eq!(order.destination.as_ref().unwrap().postcode, None);
}

#[test]
fn an_empty_list_is_no_orders() {
    let page: OrdersData = response(include_str!("fixtures/orders_empty.json"));
    let connection = page.orders.unwrap();
    assert_eq!(connection.next_page(), None);
    assert!(orders(connection, "data.orders").unwrap().is_empty());
}

#[test]
fn documented_cancel_payload_is_accepted() {
    let payload: CancelData = data(include_str!("fixtures/order_cancel.json"));
    let payload = payload.order_cancel.unwrap();
    assert!(payload.refusal().is_none());
    assert_eq!(payload.job.unwrap().done, Some(false));
    let refused: CancelData = data(
        r#"{"orderCancel": {"job": null, "orderCancelUserErrors": [{"field": ["orderId"],
            "message": "Order has already been cancelled", "code": "ORDER_ALREADY_CANCELLED"}],
            "userErrors": null}}"#,
    );
    match refused.order_cancel.unwrap().refusal() {
        Some(AdapterError::Invalid { message }) => {
            assert!(message.contains("already been cancelled"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nulls_and_missing_fields_are_normal() {
    let page: OrdersData = data(
        r##"{"orders": {"nodes": [{"id": null, "name": "#77", "email": "a@b.example",
            "createdAt": "2025-01-02T03:04:05+01:00", "cancelledAt": "", "lineItems": null,
            "fulfillments": null, "totalPriceSet": {"shopMoney": null},
            "shippingAddress": {"city": "", "countryCodeV2": "DE", "zip": null},
            "shippingLine": {"code": "", "title": "Express"},
            "displayFulfillmentStatus": "ON_HOLD", "returnStatus": null,
            "somethingNew": {"deeply": ["nested"]}}],
            "pageInfo": {"hasNextPage": null, "endCursor": null}}}"##,
    );
    let orders = orders(page.orders.unwrap(), "orders").unwrap();
    let order = &orders[0];
    assert_eq!(order.number, "77");
    assert_eq!(order.id, "");
    assert_eq!(order.created_at, at("2025-01-02T02:04:05Z"));
    assert_eq!(order.cancelled_at, None);
    assert!(order.line_items.is_empty() && order.fulfillments.is_empty());
    assert_eq!(order.total, None);
    assert_eq!(order.destination, None, "no city, no destination");
    assert_eq!(order.shipping_method.as_deref(), Some("Express"));
    assert_eq!(order.fulfillment_status, FulfillmentStatus::InProgress);
    assert_eq!(order.financial_status, FinancialStatus::Unknown);
}

#[test]
fn what_a_reply_needs_is_required() {
    let node = |extra: serde_json::Value| -> OrderNode {
        let mut base = json!({"id": "gid://shopify/Order/1", "name": "#1001",
            "email": "a@b.example", "createdAt": "2025-01-01T00:00:00Z"});
        for (key, value) in extra.as_object().unwrap() {
            base[key] = value.clone();
        }
        serde_json::from_value(base).unwrap()
    };
    for (extra, field) in [
        (json!({"email": null}), "o.email"),
        (json!({"email": "  "}), "o.email"),
        (json!({"createdAt": null}), "o.createdAt"),
        (json!({"createdAt": "yesterday"}), "o.createdAt"),
        (json!({"cancelledAt": "soon"}), "o.cancelledAt"),
        (json!({"name": null}), "o.name"),
        (json!({"name": "#2024-1001"}), "o.name"),
        (json!({"number": 0}), "o.number"),
        (
            json!({"fulfillments": [{"createdAt": "13/11/2025"}]}),
            "o.fulfillments[0].createdAt",
        ),
    ] {
        match order(node(extra.clone()), "o") {
            Err(AdapterError::BadResponse { field: got, .. }) => assert_eq!(got, field, "{extra}"),
            other => panic!("{extra}: {other:?}"),
        }
    }
    // A number the shop set with digits in its prefix is read from `number`.
    let prefixed = order(node(json!({"name": "#2024-1001", "number": 1001})), "o").unwrap();
    assert_eq!(prefixed.number, "1001");
}

#[test]
fn a_field_of_the_wrong_type_is_named() {
    let body = br##"{"data": {"orders": {"nodes": [{"name": "#1", "createdAt": 20250101}]}}}"##;
    match parse_json::<Envelope<OrdersData>>(VENDOR, body) {
        Err(AdapterError::BadResponse { field, .. }) => {
            assert_eq!(field, "data.orders.nodes[0].createdAt")
        }
        other => panic!("{other:?}"),
    }
    match parse_json::<Envelope<OrdersData>>(VENDOR, b"<html>Bad gateway</html>") {
        Err(AdapterError::BadResponse { vendor, .. }) => assert_eq!(vendor, "shopify"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn numbers_match_with_or_without_the_shops_prefix() {
    let node: OrderNode =
        serde_json::from_value(json!({"name": "#JO-1001-EU", "number": 1001})).unwrap();
    assert!(has_number(&node, "1001"));
    assert!(has_number(&node, "jo-1001-eu"));
    assert!(!has_number(&node, "1002"));
    assert!(!has_number(&node, "10011"));
    let named: OrderNode = serde_json::from_value(json!({"name": "#1001"})).unwrap();
    assert!(has_number(&named, "1001"));
    assert!(!has_number(&named, "100"));
}

#[test]
fn statuses_map_and_new_values_are_unknown() {
    assert_eq!(
        financial_status(Some("PARTIALLY_REFUNDED")),
        FinancialStatus::PartiallyRefunded
    );
    assert_eq!(financial_status(Some("EXPIRED")), FinancialStatus::Unknown);
    assert_eq!(financial_status(None), FinancialStatus::Unknown);
    assert_eq!(
        fulfillment_status(Some("OPEN"), 0),
        FulfillmentStatus::Unfulfilled
    );
    assert_eq!(
        fulfillment_status(Some("ON_HOLD"), 1),
        FulfillmentStatus::PartiallyFulfilled
    );
    assert_eq!(
        fulfillment_status(Some("IN_PROGRESS"), 0),
        FulfillmentStatus::InProgress
    );
    assert_eq!(
        fulfillment_status(Some("PENDING_FULFILLMENT"), 0),
        FulfillmentStatus::InProgress
    );
    assert_eq!(
        fulfillment_status(Some("TELEPORTED"), 0),
        FulfillmentStatus::Unknown
    );
    assert_eq!(
        return_status(Some("RETURNED"), FinancialStatus::Refunded),
        Some(ReturnStatus::Refunded)
    );
    assert_eq!(
        return_status(Some("INSPECTION_COMPLETE"), FinancialStatus::Paid),
        Some(ReturnStatus::Received)
    );
    assert_eq!(
        return_status(Some("RETURN_REQUESTED"), FinancialStatus::Paid),
        Some(ReturnStatus::Requested)
    );
    assert_eq!(
        return_status(Some("IN_PROGRESS"), FinancialStatus::Paid),
        Some(ReturnStatus::InProgress)
    );
    for quiet in ["NO_RETURN", "RETURN_FAILED", "SOMETHING_NEW"] {
        assert_eq!(return_status(Some(quiet), FinancialStatus::Paid), None);
    }
    assert_eq!(platform_status(Some("FULFILLED"), false), None);
    assert_eq!(
        platform_status(Some("FULFILLED"), true),
        Some(TrackingStatus::Delivered)
    );
    assert_eq!(
        platform_status(Some("out_for_delivery"), false),
        Some(TrackingStatus::OutForDelivery)
    );
    assert_eq!(
        platform_status(Some("DELAYED"), false),
        Some(TrackingStatus::Exception)
    );
}

/// An order whose only fulfillment a third-party fulfillment service has not finished yet.
/// `Fulfillment.status` still lists the legacy values `PENDING` ("Shopify has created the
/// fulfillment and is waiting for the third-party fulfillment service to transition it to open
/// or success") and `OPEN` ("the third-party fulfillment service has acknowledged the
/// fulfillment and is processing it"): <https://shopify.dev/docs/api/admin-graphql/2025-10/enums/FulfillmentStatus>
/// (descriptions from the 2024-04 page of the same enum). Shape from `Order` and `Fulfillment`
/// (2025-10); values ours.
fn order_with_a_fulfillment_in(status: &str) -> OrderNode {
    serde_json::from_value(json!({
        "id": "gid://shopify/Order/1017", "name": "#1017", "number": 1017,
        "email": "mia@example.com", "createdAt": "2025-11-18T10:00:00Z",
        "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "IN_PROGRESS",
        "lineItems": {"nodes": [{"id": "gid://shopify/LineItem/1", "title": "Knit Throw",
            "quantity": 1}]},
        "fulfillments": [{
            "id": "gid://shopify/Fulfillment/9", "status": status, "displayStatus": "SUBMITTED",
            "createdAt": "2025-11-18T12:00:00Z", "inTransitAt": null, "deliveredAt": null,
            "trackingInfo": [],
            "fulfillmentLineItems": {"nodes": [{"quantity": 1,
                "lineItem": {"id": "gid://shopify/LineItem/1"}}]}
        }]
    }))
    .unwrap()
}

#[test]
fn a_fulfillment_the_fulfillment_service_has_not_finished_is_no_shipment() {
    for status in ["PENDING", "OPEN", "open"] {
        let order = order(order_with_a_fulfillment_in(status), "data.order").unwrap();
        assert!(
            order.fulfillments.is_empty(),
            "{status}: not handed to a carrier, so not shipped"
        );
        assert_eq!(
            order.fulfillment_status,
            FulfillmentStatus::InProgress,
            "{status}"
        );
    }
    let done = order(order_with_a_fulfillment_in("SUCCESS"), "data.order").unwrap();
    assert_eq!(done.fulfillments.len(), 1);
}

/// `totalPriceSet` of an order paid in the customer's currency (EUR) in a shop that keeps its
/// books in USD. `MoneyBag`: "The `presentmentMoney` field contains the amount in the
/// customer's selected currency. The `shopMoney` field contains the equivalent in the shop's
/// base currency." (<https://shopify.dev/docs/api/admin-graphql/2025-10/objects/MoneyBag>).
/// Values ours.
#[test]
fn the_total_is_what_the_customer_paid_in_their_currency() {
    let node = |total: serde_json::Value| -> OrderNode {
        serde_json::from_value(json!({
            "id": "gid://shopify/Order/1018", "name": "#1018", "number": 1018,
            "email": "lea@example.com", "createdAt": "2025-11-18T10:00:00Z",
            "totalPriceSet": total
        }))
        .unwrap()
    };
    let both = node(json!({
        "shopMoney": {"amount": "54.12", "currencyCode": "USD"},
        "presentmentMoney": {"amount": "50.0", "currencyCode": "EUR"}
    }));
    assert_eq!(
        order(both, "o").unwrap().total,
        Some(Money {
            amount: "50.0".into(),
            currency: "EUR".into()
        })
    );
    // A body without the presentment amount (a query that did not ask) keeps the shop's.
    let shop_only = node(
        json!({"shopMoney": {"amount": "54.12", "currencyCode": "USD"},
        "presentmentMoney": null}),
    );
    assert_eq!(
        order(shop_only, "o").unwrap().total,
        Some(Money {
            amount: "54.12".into(),
            currency: "USD".into()
        })
    );
}

/// An order edited before it shipped: one of two throws removed, the cushion removed outright,
/// the rest in one parcel. `LineItem.quantity` is "the number of units ordered, including
/// refunded and removed units"; `currentQuantity` "the number of units ordered, excluding
/// refunded and removed units" (<https://shopify.dev/docs/api/admin-graphql/2025-10/objects/LineItem>).
/// Shape from `Order`, `LineItem`, `Fulfillment` (2025-10); values ours.
#[test]
fn removed_and_refunded_units_are_not_waiting_to_ship() {
    let edited = |current: [i64; 3]| -> OrderNode {
        serde_json::from_value(json!({
            "id": "gid://shopify/Order/1019", "name": "#1019", "number": 1019,
            "email": "kim@example.com", "createdAt": "2025-11-18T10:00:00Z",
            "displayFulfillmentStatus": "FULFILLED",
            "lineItems": {"nodes": [
                {"id": "gid://shopify/LineItem/1", "title": "Knit Throw", "quantity": 2,
                    "currentQuantity": current[0]},
                {"id": "gid://shopify/LineItem/2", "title": "Linen Cushion", "quantity": 1,
                    "currentQuantity": current[1]},
                {"id": "gid://shopify/LineItem/3", "title": "Wool Socks", "quantity": 1,
                    "currentQuantity": current[2]}
            ]},
            "fulfillments": [{
                "id": "gid://shopify/Fulfillment/7", "status": "SUCCESS",
                "displayStatus": "IN_TRANSIT", "createdAt": "2025-11-19T12:00:00Z",
                "trackingInfo": [{"company": "UPS", "number": "1Z001985YW99744790"}],
                "fulfillmentLineItems": {"nodes": [
                    {"quantity": 1, "lineItem": {"id": "gid://shopify/LineItem/1"}},
                    {"quantity": 1, "lineItem": {"id": "gid://shopify/LineItem/3"}}
                ]}
            }]
        }))
        .unwrap()
    };
    let order = order(edited([1, 0, 1]), "o").unwrap();
    let lines: Vec<(&str, u32)> = order
        .line_items
        .iter()
        .map(|l| (l.title.as_str(), l.quantity))
        .collect();
    assert_eq!(lines, [("Knit Throw", 1), ("Wool Socks", 1)]);
    // The socks came back and were refunded after delivery: still what the parcel held.
    let returned = order_fn(edited([1, 0, 0]));
    assert_eq!(returned.line_items.len(), 2);
    assert_eq!(returned.line_items[1].quantity, 1);
    // Everything refunded before anything shipped (a cancelled order): the lines as ordered.
    let mut cancelled = edited([0, 0, 0]);
    cancelled.fulfillments.clear();
    let cancelled = order_fn(cancelled);
    let ordered: Vec<u32> = cancelled.line_items.iter().map(|l| l.quantity).collect();
    assert_eq!(ordered, [2, 1, 1]);
}

fn order_fn(node: OrderNode) -> Order {
    order(node, "o").unwrap()
}
