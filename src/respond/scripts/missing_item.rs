//! missing_item: it says delivered but it's not here; something is missing from the box.

use jiff::ToSpan;
use serde_json::json;

use super::{impossible_date, policy_handoff, tracking, ScriptInput, ScriptResult, Situation};
use crate::respond::facts::TrackingStatus;

pub(super) fn run(input: &ScriptInput<'_>) -> ScriptResult {
    let order = input.order;
    if let Some(handoff) = input.cancelled_or_contradictory() {
        return handoff;
    }
    if let Some(handoff) = input.untracked_shipment() {
        return handoff;
    }
    if input.shipments.is_empty() {
        return tracking::not_shipped(input);
    }
    let delivered = |s: &&super::Shipment| s.tracking.status == TrackingStatus::Delivered;
    let some_delivered = input.shipments.iter().any(|s| delivered(&s));
    if !input.all_delivered() {
        if some_delivered {
            // A parcel in trouble is handed off here as it is in the tracking answer.
            if let Some(handoff) = input.any_carrier_problem() {
                return handoff;
            }
            let mut context = input.base_context();
            context.insert("shipments".into(), input.shipments_context());
            return ScriptResult::Reply(Situation::new("missing_item", "split_shipment", context));
        }
        // Not delivered yet: what the customer needs is where it is.
        return tracking::run(input);
    }
    if input.shipments.len() > 1 {
        // Delivered in several parcels, each on its own day: which one the customer misses,
        // and so which date, tracking number and claim deadline apply, is not known.
        let parcels: Vec<String> = input
            .shipments
            .iter()
            .map(|s| match s.tracking.delivered_at {
                Some(at) => format!("{} delivered on {}", s.tracking.number, input.date(at)),
                None => format!("{} delivered (no date)", s.tracking.number),
            })
            .collect();
        return policy_handoff(
            "claim",
            format!(
                "the customer reports something missing from order #{}, delivered in {} parcels ({}); which parcel is not known; items: {}",
                order.number,
                parcels.len(),
                parcels.join(", "),
                order.describe_items()
            ),
        );
    }
    let latest = input
        .shipments
        .iter()
        .filter(|s| s.tracking.delivered_at.is_some())
        .max_by_key(|s| s.tracking.delivered_at)
        .unwrap_or(&input.shipments[0]);
    let Some(delivered_at) = latest.tracking.delivered_at else {
        return policy_handoff(
            "no_delivery_date",
            format!(
                "the carrier gives no delivery date for order #{}",
                order.number
            ),
        );
    };
    let delivered_on = input.policy.local_date(delivered_at);
    let Ok(claim_from) = delivered_on.checked_add(i64::from(input.policy.claim_after_days).days())
    else {
        return impossible_date(order);
    };
    if input.today() > claim_from {
        return policy_handoff(
            "claim",
            format!(
                "order #{} was delivered on {} ({}) and is reported missing now; open a claim",
                order.number,
                input.day(delivered_on),
                latest.tracking.number
            ),
        );
    }
    if input.message.part_missing {
        return policy_handoff(
            "claim",
            format!(
                "the customer reports part of order #{} missing from a parcel delivered on {}; items: {}",
                order.number,
                input.day(delivered_on),
                order.describe_items()
            ),
        );
    }
    let mut context = input.base_context();
    context.insert("shipment".into(), input.shipment_context(latest));
    if let Some(city) = input.delivery_city(latest) {
        context.insert("city".into(), json!(city));
    }
    ScriptResult::Reply(Situation::new(
        "missing_item",
        "delivered_recently",
        context,
    ))
}
