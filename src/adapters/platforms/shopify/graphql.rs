//! The GraphQL side of the Shopify transport: the operations deskbot sends, the response
//! envelope (`data`, `errors`, `extensions.cost`), what its errors mean, cost-based throttling,
//! and values written into Shopify's search syntax.
//!
//! HTTP 200 is not success in GraphQL: the body may carry top-level `errors` (`THROTTLED`,
//! `ACCESS_DENIED`, a query the API version does not know) instead of, or beside, `data`.
//! Partial data next to errors is never used.

use std::time::Duration;

use serde::Deserialize;

use super::mapping::VENDOR;
use crate::adapters::AdapterError;

/// How many line items, shipments, items per shipment and tracking numbers per shipment one
/// order carries in a query. Shopify prices a query by what it may return (a single query may
/// cost at most 1000 points), so these bound the cost of a page of orders to roughly 850.
pub const LINE_ITEMS: usize = 20;
/// See [`LINE_ITEMS`].
pub const FULFILLMENTS: usize = 5;
/// See [`LINE_ITEMS`].
pub const FULFILLMENT_LINE_ITEMS: usize = 10;
/// See [`LINE_ITEMS`].
pub const TRACKING_INFO: usize = 5;
/// Orders per page when listing a customer's orders.
pub const ORDERS_PAGE: usize = 5;

/// The fields of an order deskbot reads (`DeskbotOrder` fragment).
fn order_fragment() -> String {
    format!(
        "fragment DeskbotOrder on Order {{
  id name number email createdAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus returnStatus
  totalPriceSet {{ shopMoney {{ amount currencyCode }} presentmentMoney {{ amount currencyCode }} }}
  shippingAddress {{ city countryCodeV2 zip }}
  shippingLine {{ code title }}
  lineItems(first: {LINE_ITEMS}) {{ nodes {{ id title name quantity currentQuantity }} }}
  fulfillments(first: {FULFILLMENTS}) {{
    id status displayStatus createdAt inTransitAt deliveredAt estimatedDeliveryAt
    trackingInfo(first: {TRACKING_INFO}) {{ company number url }}
    fulfillmentLineItems(first: {FULFILLMENT_LINE_ITEMS}) {{ nodes {{ quantity lineItem {{ id }} }} }}
  }}
}}"
    )
}

/// Orders matching a search, newest first, one page.
pub fn orders_query() -> String {
    format!(
        "query DeskbotOrders($first: Int!, $query: String!, $after: String) {{
  orders(first: $first, query: $query, after: $after, sortKey: CREATED_AT, reverse: true) {{
    nodes {{ ...DeskbotOrder }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
{}",
        order_fragment()
    )
}

/// One order by its global id.
pub fn order_query() -> String {
    format!(
        "query DeskbotOrder($id: ID!) {{
  order(id: $id) {{ ...DeskbotOrder }}
}}
{}",
        order_fragment()
    )
}

/// Cancels an order: refund to the original payment methods (what the `cancel/cancelled`
/// reply promises), restock, tell the customer.
pub const CANCEL_MUTATION: &str = "mutation DeskbotOrderCancel($orderId: ID!, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: CUSTOMER, refundMethod: { originalPaymentMethodsRefund: true }, restock: true, notifyCustomer: true, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
    userErrors { field message }
  }
}";

/// The cheapest call that needs the order read permission: one order id.
pub const CHECK_QUERY: &str = "query DeskbotCheck {
  orders(first: 1) { nodes { id } }
}";

/// A value in Shopify's search syntax (`email:…`, `name:…`): bare when it is plainly a word,
/// an e-mail or an order name (`#1001`), else quoted with `\` before `"` and `\`, so a customer's text can
/// never add terms to the search.
pub fn search_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '-' | '+' | '#'));
    if plain {
        return value.to_owned();
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// A GraphQL response: `data` and/or `errors`, and the cost report.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Envelope<T> {
    /// The answer; null or missing when the request failed as a whole.
    #[serde(default)]
    pub data: Option<T>,
    /// What went wrong.
    #[serde(default)]
    pub errors: Option<Errors>,
    /// Query cost and the bucket's state.
    #[serde(default)]
    pub extensions: Option<Extensions>,
}

/// Top-level `errors`: a list of GraphQL errors, or (on some failures) a single string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Errors {
    /// The GraphQL form.
    List(Vec<GraphqlError>),
    /// A plain message.
    Text(String),
}

/// One GraphQL error.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GraphqlError {
    /// Human-readable; about the query, never customer data.
    pub message: Option<String>,
    /// `code` and friends.
    pub extensions: Option<ErrorExtensions>,
}

/// `errors[].extensions`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ErrorExtensions {
    /// `THROTTLED`, `ACCESS_DENIED`, `MAX_COST_EXCEEDED`, `INTERNAL_SERVER_ERROR`, …
    pub code: Option<String>,
    /// The scope an `ACCESS_DENIED` needs.
    pub required_access: Option<String>,
}

/// Top-level `extensions`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Extensions {
    /// What the query cost.
    pub cost: Option<Cost>,
}

/// `extensions.cost`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Cost {
    /// What Shopify reserved before running the query.
    pub requested_query_cost: Option<f64>,
    /// The bucket.
    pub throttle_status: Option<ThrottleStatus>,
}

/// `extensions.cost.throttleStatus`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ThrottleStatus {
    /// Bucket size.
    pub maximum_available: Option<f64>,
    /// Points in the bucket now.
    pub currently_available: Option<f64>,
    /// Points restored per second.
    pub restore_rate: Option<f64>,
}

impl Errors {
    fn list(&self) -> Vec<(Option<&str>, &str, Option<&str>)> {
        match self {
            Errors::List(errors) => errors
                .iter()
                .map(|e| {
                    let extensions = e.extensions.as_ref();
                    (
                        extensions.and_then(|x| x.code.as_deref()),
                        e.message.as_deref().unwrap_or("unnamed error"),
                        extensions.and_then(|x| x.required_access.as_deref()),
                    )
                })
                .collect(),
            Errors::Text(message) => vec![(None, message.as_str(), None)],
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Errors::List(errors) => errors.is_empty(),
            Errors::Text(message) => message.trim().is_empty(),
        }
    }
}

fn short(message: &str) -> String {
    message.chars().take(200).collect()
}

/// How long to wait before a throttled query can run: the points missing, at the restore
/// rate, at least one second. `None` when the query could never run (it costs more than the
/// bucket holds) or nothing says what it costs.
fn wait_for(cost: Option<&Cost>) -> Option<Duration> {
    let minimum = Duration::from_secs(1);
    let Some(cost) = cost else {
        return Some(minimum);
    };
    let status = cost.throttle_status.as_ref();
    let requested = cost.requested_query_cost;
    let available = status.and_then(|s| s.currently_available);
    let rate = status.and_then(|s| s.restore_rate);
    let maximum = status.and_then(|s| s.maximum_available);
    if let (Some(requested), Some(maximum)) = (requested, maximum) {
        if requested > maximum {
            return None;
        }
    }
    match (requested, available, rate) {
        (Some(requested), Some(available), Some(rate)) if rate > 0.0 && rate.is_finite() => {
            let seconds = ((requested - available) / rate).max(0.0);
            let millis = (seconds * 1000.0).ceil().min(3_600_000.0) as u64;
            Some(Duration::from_millis(millis).max(minimum))
        }
        _ => Some(minimum),
    }
}

fn is_throttled(code: Option<&str>, message: &str) -> bool {
    code.is_some_and(|c| c.eq_ignore_ascii_case("THROTTLED"))
        || (code.is_none() && message.eq_ignore_ascii_case("throttled"))
}

/// For [`crate::adapters::http::Call::throttled_when`]: the wait a `THROTTLED` answer asks
/// for, read from `extensions.cost.throttleStatus`; `None` for any other body.
pub fn throttle_wait(body: &[u8]) -> Option<Duration> {
    let envelope: Envelope<serde::de::IgnoredAny> = serde_json::from_slice(body).ok()?;
    let errors = envelope.errors?;
    let throttled = errors
        .list()
        .into_iter()
        .any(|(code, message, _)| is_throttled(code, message));
    if !throttled {
        return None;
    }
    wait_for(envelope.extensions.as_ref().and_then(|x| x.cost.as_ref()))
}

/// `data` of a response, or the error its `errors` mean. `operation` names the call in
/// messages.
pub fn into_data<T>(envelope: Envelope<T>, operation: &str) -> Result<T, AdapterError> {
    if let Some(errors) = envelope.errors.as_ref().filter(|e| !e.is_empty()) {
        let list = errors.list();
        let code_is = |wanted: &str| {
            list.iter()
                .find(|(code, _, _)| code.is_some_and(|c| c.eq_ignore_ascii_case(wanted)))
        };
        if let Some((_, message, required)) = code_is("ACCESS_DENIED") {
            let needs = required
                .map(|r| format!(" (needs {r})"))
                .unwrap_or_default();
            return Err(AdapterError::PermissionDenied {
                message: format!("{VENDOR} {operation}: {}{needs}", short(message)),
            });
        }
        if list
            .iter()
            .any(|(code, message, _)| is_throttled(*code, message))
        {
            let cost = envelope.extensions.as_ref().and_then(|x| x.cost.as_ref());
            return Err(AdapterError::RateLimited {
                retry_after: wait_for(cost),
            });
        }
        let (code, message, _) = list[0];
        if code.is_some_and(|c| c.eq_ignore_ascii_case("INTERNAL_SERVER_ERROR")) {
            return Err(AdapterError::unavailable(format!(
                "{VENDOR} {operation}: {}",
                short(message)
            )));
        }
        return Err(AdapterError::Invalid {
            message: format!(
                "{VENDOR} {operation}: {}{}",
                code.map(|c| format!("{c}: ")).unwrap_or_default(),
                short(message)
            ),
        });
    }
    envelope
        .data
        .ok_or_else(|| AdapterError::bad_response(VENDOR, "data", "missing, and no errors"))
}

/// `data` of the `orderCancel` mutation.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CancelData {
    /// The payload; null when the mutation did not run.
    pub order_cancel: Option<CancelPayload>,
}

/// `OrderCancelPayload`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CancelPayload {
    /// The background job that cancels the order.
    pub job: Option<Job>,
    /// Why the order cannot be cancelled.
    #[serde(deserialize_with = "nullable_list")]
    pub order_cancel_user_errors: Vec<UserError>,
    /// The deprecated list of the same.
    #[serde(deserialize_with = "nullable_list")]
    pub user_errors: Vec<UserError>,
}

/// `Job`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Job {
    /// `gid://shopify/Job/…`.
    pub id: Option<String>,
    /// Whether it ran.
    pub done: Option<bool>,
}

/// `OrderCancelUserError` / `UserError`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserError {
    /// The input field at fault.
    pub field: Option<Vec<String>>,
    /// What is wrong.
    pub message: Option<String>,
    /// `OrderCancelUserErrorCode`.
    pub code: Option<String>,
}

fn nullable_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

impl CancelPayload {
    /// The refusal, if Shopify refused: [`AdapterError::Invalid`] with its messages.
    pub fn refusal(&self) -> Option<AdapterError> {
        let messages: Vec<String> = self
            .order_cancel_user_errors
            .iter()
            .chain(&self.user_errors)
            .map(|e| {
                let message = short(e.message.as_deref().unwrap_or("refused"));
                match &e.code {
                    Some(code) => format!("{code}: {message}"),
                    None => message,
                }
            })
            .collect();
        (!messages.is_empty()).then(|| AdapterError::Invalid {
            message: format!("{VENDOR} orderCancel: {}", messages.join("; ")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttled_body(requested: f64, available: f64, rate: f64) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
            "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": null,
                "throttleStatus": {"maximumAvailable": 1000.0,
                    "currentlyAvailable": available, "restoreRate": rate}}}
        }))
        .unwrap()
    }

    #[test]
    fn throttled_answers_wait_for_the_missing_points_at_the_restore_rate() {
        // The documented example: 752 points asked, 666 in the bucket, 50 restored a second.
        let body = include_bytes!("fixtures/throttled.json");
        assert_eq!(throttle_wait(body), Some(Duration::from_millis(1720)));
        assert_eq!(
            throttle_wait(&throttled_body(500.0, 100.0, 100.0)),
            Some(Duration::from_secs(4))
        );
        // Never less than a second, even when the bucket looks full enough.
        assert_eq!(
            throttle_wait(&throttled_body(10.0, 990.0, 50.0)),
            Some(Duration::from_secs(1))
        );
        // No restore rate to go by: one second.
        assert_eq!(
            throttle_wait(&throttled_body(10.0, 0.0, 0.0)),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_query_dearer_than_the_bucket_is_not_retried() {
        assert_eq!(throttle_wait(&throttled_body(1500.0, 1000.0, 50.0)), None);
    }

    #[test]
    fn other_bodies_are_not_throttled() {
        for body in [
            &br#"{"data": {"orders": {"nodes": []}}}"#[..],
            br#"{"errors": [{"message": "Access denied", "extensions": {"code": "ACCESS_DENIED"}}]}"#,
            b"not json",
            b"",
        ] {
            assert_eq!(throttle_wait(body), None);
        }
    }

    fn envelope(json: &str) -> Envelope<serde_json::Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn errors_in_a_200_body_map_to_their_meaning() {
        let denied = include_str!("fixtures/access_denied.json");
        match into_data(envelope(denied), "orders") {
            Err(AdapterError::PermissionDenied { message }) => {
                assert!(message.contains("read_orders"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let throttled = include_str!("fixtures/throttled.json");
        assert_eq!(
            into_data(envelope(throttled), "orders").unwrap_err(),
            AdapterError::RateLimited {
                retry_after: Some(Duration::from_millis(1720))
            }
        );
        let unknown = r#"{"errors": [{"message": "Field 'shippingLine' doesn't exist on type 'Order'",
            "extensions": {"code": "undefinedField"}}]}"#;
        assert!(matches!(
            into_data(envelope(unknown), "orders"),
            Err(AdapterError::Invalid { message }) if message.contains("shippingLine")
        ));
        let text = r#"{"errors": "[API] Invalid API key or access token"}"#;
        assert!(matches!(
            into_data(envelope(text), "orders"),
            Err(AdapterError::Invalid { .. })
        ));
        let internal = r#"{"errors": [{"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}], "data": null}"#;
        assert!(matches!(
            into_data(envelope(internal), "orders"),
            Err(AdapterError::Unavailable { .. })
        ));
        let nothing = r#"{"data": null}"#;
        assert!(matches!(
            into_data(envelope(nothing), "orders"),
            Err(AdapterError::BadResponse { field, .. }) if field == "data"
        ));
        let fine = r#"{"data": {"x": 1}, "errors": []}"#;
        assert_eq!(
            into_data(envelope(fine), "orders").unwrap(),
            serde_json::json!({"x": 1})
        );
    }

    #[test]
    fn search_values_cannot_add_terms() {
        assert_eq!(search_value("jane@example.com"), "jane@example.com");
        assert_eq!(
            search_value("o'brien+shop@example.com"),
            r#""o'brien+shop@example.com""#
        );
        assert_eq!(
            search_value(r#"x@y.com" OR email:*"#),
            r#""x@y.com\" OR email:*""#
        );
        assert_eq!(search_value(r"a\b"), r#""a\\b""#);
        assert_eq!(search_value("#1001"), "#1001");
        assert_eq!(search_value(""), r#""""#);
    }
}
