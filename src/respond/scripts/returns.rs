//! return: how do I send this back?

use jiff::ToSpan;
use serde_json::json;

use super::{impossible_date, policy_handoff, ScriptInput, ScriptResult, Situation};
use crate::respond::facts::{FinancialStatus, FulfillmentStatus, ReturnStatus, TrackingStatus};

pub(super) fn run(input: &ScriptInput<'_>) -> ScriptResult {
    let order = input.order;
    let policy = input.policy;
    if let Some(status) = order.return_status {
        let mut context = input.base_context();
        let words = match status {
            ReturnStatus::Requested => "requested",
            ReturnStatus::InProgress => "in progress",
            ReturnStatus::Received => "received",
            ReturnStatus::Refunded => "refunded",
        };
        context.insert("return_status".into(), json!(words));
        return ScriptResult::Reply(Situation::new("return", "already_returned", context));
    }
    if let Some(handoff) = input.cancelled_or_contradictory() {
        return handoff;
    }
    // Money already went back with no return on record (a refund for a lost or damaged parcel,
    // a goodwill refund): "start your return" could have the customer send back what was
    // settled, and what is still owed either way is for a person to say.
    if matches!(
        order.financial_status,
        FinancialStatus::Refunded | FinancialStatus::PartiallyRefunded
    ) {
        return policy_handoff(
            "refunded_order",
            format!(
                "the customer asks about a return for order #{}, which is {} refunded with no return on record",
                order.number,
                if order.financial_status == FinancialStatus::Refunded { "fully" } else { "partly" }
            ),
        );
    }
    // A shipment with no tracking, or a platform that calls an order with no shipment records
    // shipped: where it is cannot be told, nor that it has not shipped.
    if let Some(handoff) = input.untracked_shipment() {
        return handoff;
    }
    if input.shipments.is_empty() {
        if let Some(handoff) = input.shipped_per_platform() {
            return handoff;
        }
    }
    if !input.all_delivered() {
        // A parcel in trouble is not simply "not delivered yet": a person looks, as for
        // tracking.
        if let Some(handoff) = input.any_carrier_problem() {
            return handoff;
        }
        // Part delivered, part not: "not delivered yet" would be false for what arrived, and
        // whether that part can go back now is for a person to say.
        if input
            .shipments
            .iter()
            .any(|s| s.tracking.status == TrackingStatus::Delivered)
        {
            return policy_handoff(
                "partly_delivered",
                format!(
                    "the customer asks about a return for order #{}, which is delivered only in part",
                    order.number
                ),
            );
        }
        let status = input
            .shipments
            .iter()
            .map(|s| s.tracking.status)
            .find(|s| *s != TrackingStatus::Delivered)
            .map_or("not shipped yet", TrackingStatus::describe);
        let unfulfilled = order.fulfillment_status == FulfillmentStatus::Unfulfilled
            && input.shipments.is_empty();
        let mut context = input.base_context();
        context.insert("status".into(), json!(status));
        context.insert(
            "can_cancel".into(),
            json!(unfulfilled && policy.cancel_allowed_while_unfulfilled),
        );
        return ScriptResult::Reply(Situation::new("return", "not_yet_delivered", context));
    }
    // The window runs from the last parcel's delivery.
    let Some(delivered_at) = input
        .shipments
        .iter()
        .map(|s| s.tracking.delivered_at)
        .collect::<Option<Vec<_>>>()
        .and_then(|times| times.into_iter().max())
    else {
        return policy_handoff(
            "no_delivery_date",
            format!(
                "the carrier gives no delivery date for order #{}",
                order.number
            ),
        );
    };
    let delivered_on = policy.local_date(delivered_at);
    let Ok(deadline) = delivered_on.checked_add(i64::from(policy.return_window_days).days()) else {
        return impossible_date(order);
    };
    let mut context = input.base_context();
    context.insert("delivered_on".into(), json!(input.day(delivered_on)));
    context.insert("return_deadline".into(), json!(input.day(deadline)));
    context.insert("window_days".into(), json!(policy.return_window_days));
    if input.today() > deadline {
        return ScriptResult::Reply(Situation::new("return", "outside_window", context));
    }
    context.insert("conditions".into(), json!(policy.return_conditions));
    context.insert("portal_url".into(), json!(policy.return_portal_url));
    ScriptResult::Reply(Situation::new("return", "within_window", context))
}
