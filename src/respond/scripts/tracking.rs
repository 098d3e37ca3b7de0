//! tracking: where is my order?

use jiff::SignedDuration;
use serde_json::json;

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{
    impossible_date, policy_handoff, shop_context, HandoffReason, ScriptInput, ScriptResult,
    Shipment, Situation, CLOCK_SKEW, STALE_AFTER_DAYS,
};
use crate::respond::facts::{FinancialStatus, Tracking, TrackingStatus};
use crate::respond::policy::Policy;

pub(super) fn run(input: &ScriptInput<'_>) -> ScriptResult {
    if let Some(handoff) = input.cancelled_or_contradictory() {
        return handoff;
    }
    if let Some(handoff) = input.untracked_shipment() {
        return handoff;
    }
    if input.shipments.is_empty() {
        return not_shipped(input);
    }
    // A customer who names a parcel gets that parcel's news, not the whole order's.
    if let [asked] = input.asked_parcels().as_slice() {
        return one_parcel(input, asked);
    }
    if !input.single_parcel() {
        // A problem with any parcel is a problem with the order, as it is for a single parcel.
        if let Some(handoff) = input.any_carrier_problem() {
            return handoff;
        }
        let mut context = input.base_context();
        context.insert("shipments".into(), input.shipments_context());
        return ScriptResult::Reply(Situation::new("tracking", "several_shipments", context));
    }
    one_parcel(input, &input.shipments[0])
}

/// Nothing shipped: on time (say when it ships) or late (a person looks into it).
pub(super) fn not_shipped(input: &ScriptInput<'_>) -> ScriptResult {
    if let Some(handoff) = input.shipped_per_platform() {
        return handoff;
    }
    let order = input.order;
    if let Some(handoff) = unpaid(input) {
        return handoff;
    }
    let placed = input.policy.local_date(order.created_at);
    let Some(ships_by) = input
        .policy
        .add_business_days(placed, input.policy.processing_days)
    else {
        return impossible_date(order);
    };
    if input.today() > ships_by {
        return policy_handoff(
            "late_shipment",
            format!(
                "order #{} placed on {} has not shipped; it was due to ship by {}",
                order.number,
                input.day(placed),
                input.day(ships_by)
            ),
        );
    }
    let mut context = input.base_context();
    context.insert("placed_on".into(), json!(input.day(placed)));
    context.insert("ships_by".into(), json!(input.day(ships_by)));
    ScriptResult::Reply(Situation::new("tracking", "not_shipped_yet", context))
}

/// An order not shipped whose payment does not say it will ship: awaiting payment (unless the
/// shop ships such orders, as with cash on delivery), its authorisation voided, refunded in
/// full, or a status deskbot does not know. A ships-by date for it would be a guess.
fn unpaid(input: &ScriptInput<'_>) -> Option<ScriptResult> {
    let order = input.order;
    let (rule, state) = match order.financial_status {
        FinancialStatus::Paid
        | FinancialStatus::Authorized
        | FinancialStatus::PartiallyRefunded => return None,
        FinancialStatus::Pending if input.policy.ships_awaiting_payment => return None,
        FinancialStatus::Pending => ("unpaid_order", "is awaiting payment"),
        FinancialStatus::Voided => ("unpaid_order", "had its payment authorisation voided"),
        FinancialStatus::Unknown => ("unpaid_order", "has a payment status deskbot does not know"),
        FinancialStatus::Refunded => ("refunded_order", "was refunded in full"),
    };
    Some(policy_handoff(
        rule,
        format!(
            "order #{} has not shipped and {state}, so when it ships is not known",
            order.number
        ),
    ))
}

/// One parcel holding the whole order.
pub(super) fn one_parcel(input: &ScriptInput<'_>, shipment: &Shipment) -> ScriptResult {
    let tracking = &shipment.tracking;
    let mut context = input.base_context();
    let parcel = input.shipment_context(shipment);
    if !input.single_parcel() {
        // One parcel of several: the items named are this parcel's.
        context.insert("item_summary".into(), parcel["item_summary"].clone());
    }
    context.insert("shipment".into(), parcel);
    if let Some(handoff) = input.carrier_problem(shipment) {
        return handoff;
    }
    let name = match tracking.status {
        TrackingStatus::Delivered => {
            if let Some(city) = input.delivery_city(shipment) {
                context.insert("city".into(), json!(city));
            }
            "delivered"
        }
        TrackingStatus::OutForDelivery => {
            // "Today" only from a scan made today where the shop is.
            if let Some(stale) = input.stale_out_for_delivery(shipment) {
                return ScriptResult::Handoff(stale);
            }
            "out_for_delivery"
        }
        TrackingStatus::AttemptedDelivery => "attempted_delivery",
        // A label is not a parcel on its way: the carrier has not had it yet, and when it
        // will is not a fact anyone fetched.
        TrackingStatus::LabelCreated => {
            return policy_handoff(
                "label_created",
                format!(
                    "{} has only a label for {}{}; the parcel has not been scanned yet",
                    tracking.carrier.display_name(),
                    tracking.number,
                    shipment
                        .fulfillment
                        .shipped_at
                        .map(|t| format!(" (marked shipped {})", input.date(t)))
                        .unwrap_or_default()
                ),
            )
        }
        // In transit (carrier problems were handed off above).
        _ => return moving(input, shipment, context),
    };
    ScriptResult::Reply(Situation::new("tracking", name, context))
}

/// In transit: on time, or delayed by the policy's rule.
fn moving(
    input: &ScriptInput<'_>,
    shipment: &Shipment,
    mut context: serde_json::Map<String, serde_json::Value>,
) -> ScriptResult {
    let tracking = &shipment.tracking;
    let shipped_on = shipment
        .fulfillment
        .shipped_at
        .map(|t| input.policy.local_date(t))
        .unwrap_or_else(|| input.policy.local_date(input.order.created_at));
    let transit_days = input
        .policy
        .transit_days_for(input.order.shipping_method.as_deref());
    let Some(policy_estimate) = input.policy.add_business_days(shipped_on, transit_days) else {
        return impossible_date(input.order);
    };
    // A carrier's window is on time until its last day.
    let carrier_by = super::delivery_by(tracking);
    let expected_by = carrier_by.unwrap_or(policy_estimate);
    // With no scan at all, the clock starts when the label was handed over.
    let last_seen = tracking.last_scan_at().or(shipment.fulfillment.shipped_at);
    let silent = last_seen.is_some_and(|seen| {
        input.now.duration_since(seen)
            > SignedDuration::from_hours(i64::from(input.policy.delayed_after_no_scan_hours))
    });
    if input.today() > expected_by || silent {
        context.insert("expected_by".into(), json!(input.day(expected_by)));
        if silent {
            if let Some(scan) = tracking.last_scan_at() {
                context.insert("last_scan_on".into(), json!(input.date(scan)));
            }
        }
        return ScriptResult::Reply(Situation::new("tracking", "delayed", context));
    }
    context.insert("eta".into(), json!(input.day(expected_by)));
    if let Some(from) = super::window_start(tracking) {
        context.insert("eta_from".into(), json!(input.day(from)));
    }
    context.insert("eta_from_carrier".into(), json!(carrier_by.is_some()));
    ScriptResult::Reply(Situation::new("tracking", "in_transit", context))
}

/// A parcel tracked by its number alone, for a sender not tied to any order: the carrier's
/// status in carrier words, and nothing about an order. Problems go to a person as for an
/// order's parcel; news from the future or too old to repeat is stale.
pub fn parcel_status(tracking: &Tracking, policy: &Policy, now: Timestamp) -> ScriptResult {
    let limit = now.checked_add(CLOCK_SKEW).unwrap_or(Timestamp::MAX);
    let stale = |detail: String| ScriptResult::Handoff(HandoffReason::StaleFacts { detail });
    for time in [tracking.last_scan_at(), tracking.delivered_at]
        .into_iter()
        .flatten()
    {
        if time > limit {
            return stale(format!(
                "{} was scanned after the current time",
                tracking.number
            ));
        }
    }
    let delivered = tracking.status == TrackingStatus::Delivered;
    if !delivered
        && tracking.last_scan_at().is_some_and(|seen| {
            now.duration_since(seen) > SignedDuration::from_hours(24 * STALE_AFTER_DAYS)
        })
    {
        return stale(format!(
            "{} has had no carrier news for over {STALE_AFTER_DAYS} days",
            tracking.number
        ));
    }
    match tracking.status {
        TrackingStatus::Exception => {
            return policy_handoff(
                "carrier_exception",
                format!(
                    "{} reports a problem with {} (asked about by number alone)",
                    tracking.carrier.display_name(),
                    tracking.number
                ),
            )
        }
        TrackingStatus::ReturnedToSender => {
            return policy_handoff(
                "returned_to_sender",
                format!("{} is on its way back to the shop", tracking.number),
            )
        }
        TrackingStatus::Unknown => {
            return policy_handoff(
                "unknown_carrier_status",
                format!(
                    "{} gives no status we understand for {}",
                    tracking.carrier.display_name(),
                    tracking.number
                ),
            )
        }
        _ => {}
    }
    let today = policy.local_date(now);
    let date = |time: Timestamp| policy.format_date(policy.local_date(time), today);
    let mut parcel = Map::new();
    parcel.insert("carrier".into(), json!(tracking.carrier.display_name()));
    parcel.insert("tracking_number".into(), json!(tracking.number));
    parcel.insert("status".into(), json!(tracking.status.describe()));
    if let Some(url) = &tracking.url {
        parcel.insert("tracking_url".into(), json!(url));
    }
    if let Some(event) = &tracking.latest_event {
        let mut latest = Map::new();
        latest.insert("on".into(), json!(date(event.time)));
        latest.insert("description".into(), json!(event.description));
        if let Some(place) = &event.place {
            latest.insert("place".into(), json!(place));
        }
        parcel.insert("latest_event".into(), Value::Object(latest));
    }
    if let Some(delivered_at) = tracking.delivered_at {
        parcel.insert("delivered_on".into(), json!(date(delivered_at)));
    }
    // An estimate that has passed is no longer one.
    if let Some(eta) = super::delivery_by(tracking).filter(|&eta| !delivered && eta >= today) {
        parcel.insert("eta".into(), json!(policy.format_date(eta, today)));
    }
    let mut context = shop_context(policy);
    context.insert("parcel".into(), Value::Object(parcel));
    ScriptResult::Reply(Situation::new("tracking", "parcel_status", context))
}
