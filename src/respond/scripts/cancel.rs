//! cancel: please cancel my order.

use serde_json::json;

use super::{policy_handoff, PlatformAction, ScriptInput, ScriptResult, Situation};
use crate::respond::facts::{FinancialStatus, FulfillmentStatus};
use crate::respond::policy::CancelMode;

pub(super) fn run(input: &ScriptInput<'_>) -> ScriptResult {
    let order = input.order;
    let policy = input.policy;
    if let Some(cancelled) = order.cancelled_at {
        let mut context = input.base_context();
        context.insert("cancelled_on".into(), json!(input.date(cancelled)));
        context.insert(
            "refunded".into(),
            json!(order.financial_status == FinancialStatus::Refunded),
        );
        return ScriptResult::Reply(Situation::new("cancel", "already_cancelled", context));
    }
    if !order.fulfillments.is_empty() {
        // Part shipped, part not: "already shipped" would be false for the rest, and whether
        // the rest can still be cancelled is for a person to say.
        let unshipped = input.unshipped();
        if !unshipped.is_empty()
            || order.fulfillment_status == FulfillmentStatus::PartiallyFulfilled
        {
            let left: Vec<String> = unshipped
                .iter()
                .map(|(title, quantity)| format!("{title} ×{quantity}"))
                .collect();
            return policy_handoff(
                "partly_shipped",
                format!(
                    "the customer asks to cancel order #{}, which has shipped in part; not shipped: {}",
                    order.number,
                    if left.is_empty() {
                        "unknown (the platform marks it partially fulfilled)".to_owned()
                    } else {
                        left.join(", ")
                    }
                ),
            );
        }
        // A parcel the carrier has trouble with, or is sending back, will not simply arrive.
        if let Some(handoff) = input.any_carrier_problem() {
            return handoff;
        }
        // Delivered: the way out is a return, and whether one is still open is the return
        // answer's to say ("once it arrives, return it within 30 days" may be long past).
        if input.all_delivered() {
            return super::returns::run(input);
        }
        let Some(shipped_at) = order.fulfillments.iter().filter_map(|f| f.shipped_at).min() else {
            return policy_handoff(
                "partly_shipped",
                format!(
                    "order #{} has a fulfillment without a ship date",
                    order.number
                ),
            );
        };
        let mut context = input.base_context();
        context.insert("shipped_on".into(), json!(input.date(shipped_at)));
        context.insert("window_days".into(), json!(policy.return_window_days));
        context.insert("portal_url".into(), json!(policy.return_portal_url));
        return ScriptResult::Reply(Situation::new("cancel", "already_shipped", context));
    }
    // No shipment records: only a platform that calls the order unfulfilled says it has not
    // shipped.
    if let Some(handoff) = input.shipped_per_platform() {
        return handoff;
    }
    if order.fulfillment_status == FulfillmentStatus::InProgress {
        // Being packed, held or scheduled: a cancel may not reach the warehouse in time, and
        // the platforms refuse or only request it. A person checks before anything is promised.
        return policy_handoff(
            "fulfillment_in_progress",
            format!(
                "the customer asks to cancel order #{}, which the platform shows as being prepared for shipping (not shipped yet)",
                order.number
            ),
        );
    }
    if !policy.cancel_allowed_while_unfulfilled {
        return policy_handoff(
            "cancellation_not_allowed",
            format!(
                "the customer asks to cancel unfulfilled order #{}; policy does not allow it",
                order.number
            ),
        );
    }
    let mut context = input.base_context();
    context.insert("placed_on".into(), json!(input.date(order.created_at)));
    match policy.cancel_mode {
        CancelMode::Request => {
            let mut situation = Situation::new("cancel", "request_received", context);
            situation.follow_up = Some(format!(
                "Cancel order #{} as the customer asked (not shipped yet).",
                order.number
            ));
            ScriptResult::Reply(situation)
        }
        CancelMode::Perform => {
            let mut situation = Situation::new("cancel", "cancelled", context);
            situation.action = Some(PlatformAction::CancelOrder);
            // Not every platform's cancel refunds (WooCommerce and BigCommerce only change
            // the status), and no fact says this one did: a person sees to the payment.
            situation.follow_up = Some(format!(
                "Order #{} was cancelled through the platform as the customer asked; refund any payment taken for it, if the platform did not.",
                order.number
            ));
            ScriptResult::Reply(situation)
        }
    }
}
