//! The responder: message → classification → facts from adapters → script → template →
//! reply, or a handoff to a human with the reason and every fact gathered.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use crate::adapters::{AdapterError, CarrierTracker, OrderPlatform};
use crate::carrier;
use crate::classify::decision::Decision;
use crate::classify::intent::Intent;
use crate::classify::model::{IntentModel, Prediction};
use crate::respond::extract::{read_message, MessageFacts};
use crate::respond::facts::{FulfillmentStatus, Order, TrackingStatus};
use crate::respond::outcome::{handoff_note, Customer, Facts, Outcome};
use crate::respond::policy::{Policy, SeveralOrders};
use crate::respond::scripts::{
    self, shop_context, HandoffReason, PlatformAction, ScriptInput, ScriptResult, Shipment,
    Situation,
};
use crate::respond::templates::Templates;

/// Model + adapters + policy + templates.
pub struct Responder {
    model: Arc<IntentModel>,
    platform: Arc<dyn OrderPlatform>,
    carriers: Arc<dyn CarrierTracker>,
    policy: Policy,
    templates: Templates,
}

/// Days after its last shipment that a fulfilled order still counts as open when choosing among
/// a customer's orders (see `is_open`).
const OPEN_ORDER_DAYS: i64 = 30;

impl Responder {
    /// Assembles a responder.
    pub fn new(
        model: Arc<IntentModel>,
        platform: Arc<dyn OrderPlatform>,
        carriers: Arc<dyn CarrierTracker>,
        policy: Policy,
        templates: Templates,
    ) -> Self {
        Responder {
            model,
            platform,
            carriers,
            policy,
            templates,
        }
    }

    /// The shop policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Answers `message` from `customer` now (the policy's clock if it has one).
    pub async fn respond(&self, message: &str, customer: &Customer) -> Outcome {
        self.respond_at(message, customer, self.policy.now()).await
    }

    /// Answers `message` from `customer` as of `now`.
    pub async fn respond_at(&self, message: &str, customer: &Customer, now: Timestamp) -> Outcome {
        let prediction = self.model.classify(message);
        self.respond_to(prediction, message, customer, now).await
    }

    /// As [`Responder::respond_at`], with the classification already made (or forced, in tests
    /// and `check-templates`).
    pub async fn respond_to(
        &self,
        prediction: Prediction,
        message: &str,
        customer: &Customer,
        now: Timestamp,
    ) -> Outcome {
        let intent = prediction.intent;
        let confidence = prediction.confidence;
        let mut facts = Facts::default();
        let result = match prediction.decision {
            Decision::Escalate(reason) => ScriptResult::Handoff(reason.into()),
            Decision::Automate => {
                self.handle(intent, message, customer, now, &mut facts)
                    .await
            }
        };
        self.finish(result, intent, confidence, facts, now)
    }

    async fn handle(
        &self,
        intent: Intent,
        message: &str,
        customer: &Customer,
        now: Timestamp,
        facts: &mut Facts,
    ) -> ScriptResult {
        let said = read_message(message);
        facts.order_numbers_in_message = said.order_numbers.clone();
        facts.tracking_numbers_in_message = said.tracking_numbers.clone();
        let order = match self.find_order(&said, customer, facts, now).await {
            Ok(order) => order,
            Err(early) => return early,
        };
        facts.order_number = Some(order.number.clone());
        match self.track(&order, facts).await {
            Ok(shipments) => facts.shipments = shipments,
            Err(handoff) => return ScriptResult::Handoff(handoff),
        }
        let input = ScriptInput {
            order: &order,
            shipments: &facts.shipments,
            policy: &self.policy,
            now,
            message: &said,
        };
        let result = scripts::run(intent, &input);
        if let ScriptResult::Reply(situation) = &result {
            // The reply may only say it happened once the platform confirms it.
            if situation.action == Some(PlatformAction::CancelOrder) {
                if let Err(error) = self.platform.cancel_order(&order.number, now).await {
                    return self.adapter_failure(self.platform.name(), "cancel the order", &error);
                }
            }
        }
        result
    }

    /// The order the message is about, or what to do instead.
    async fn find_order(
        &self,
        said: &MessageFacts,
        customer: &Customer,
        facts: &mut Facts,
        now: Timestamp,
    ) -> Result<Order, ScriptResult> {
        let platform = self.platform.name();
        if let Some(number) = said.order_numbers.first() {
            let order = match self.platform.order_by_number(number).await {
                Ok(order) => order,
                Err(AdapterError::NotFound { .. }) => {
                    return Err(ScriptResult::Handoff(HandoffReason::NoOrderFound {
                        order_number: number.clone(),
                    }))
                }
                Err(error) => {
                    return Err(self.adapter_failure(platform, "look up the order", &error))
                }
            };
            facts.orders.push(order.clone());
            // Order numbers are guessable: never share one order's facts with another sender.
            if let Some(sender) = &customer.email {
                if !order.email.eq_ignore_ascii_case(sender.trim()) {
                    return Err(ScriptResult::Handoff(HandoffReason::PolicyRequiresHuman {
                        rule: "email_mismatch",
                        detail: format!(
                            "order #{} belongs to another e-mail address than the sender's",
                            order.number
                        ),
                    }));
                }
            }
            return Ok(order);
        }
        let Some(email) = customer
            .email
            .clone()
            .or_else(|| said.emails.first().cloned())
        else {
            return Err(self.need_order_number(false));
        };
        facts.email = Some(email.clone());
        let orders = match self
            .platform
            .recent_orders_by_email(&email, self.policy.order_lookback)
            .await
        {
            Ok(orders) => orders,
            Err(error) => {
                return Err(self.adapter_failure(platform, "list the customer's orders", &error))
            }
        };
        facts.orders = orders.clone();
        if orders.is_empty() {
            return Err(self.need_order_number(true));
        }
        // A tracking number in the message picks its order.
        if let Some(order) = orders.iter().find(|order| {
            order.fulfillments.iter().any(|f| {
                f.tracking_numbers
                    .iter()
                    .any(|n| said.tracking_numbers.contains(&carrier::normalize(n)))
            })
        }) {
            return Ok(order.clone());
        }
        let open: Vec<&Order> = orders.iter().filter(|order| is_open(order, now)).collect();
        match open.as_slice() {
            [] => Ok(orders[0].clone()),
            [only] => Ok((*only).clone()),
            several => Err(self.several_orders(several, now)),
        }
    }

    /// Ask for the order number; `email_checked` says whether an e-mail was looked up (and
    /// found no order), so the reply never claims a search that did not happen.
    fn need_order_number(&self, email_checked: bool) -> ScriptResult {
        let mut context = shop_context(&self.policy);
        context.insert("email_checked".into(), serde_json::json!(email_checked));
        ScriptResult::Reply(situation_without_order("need_order_number", context))
    }

    fn several_orders(&self, orders: &[&Order], now: Timestamp) -> ScriptResult {
        if self.policy.several_open_orders == SeveralOrders::Handoff {
            return ScriptResult::Handoff(HandoffReason::SeveralOrders {
                order_numbers: orders.iter().map(|o| o.number.clone()).collect(),
            });
        }
        let today = self.policy.local_date(now);
        let mut context = shop_context(&self.policy);
        let list: Vec<serde_json::Value> = orders
            .iter()
            .map(|order| {
                let titles: Vec<&str> = order.line_items.iter().map(|i| i.title.as_str()).collect();
                serde_json::json!({
                    "number": order.number,
                    "placed_on": self.policy.format_date(self.policy.local_date(order.created_at), today),
                    "item_summary": scripts::summarize(&titles),
                    "status": match order.fulfillment_status {
                        FulfillmentStatus::Unfulfilled => "not shipped yet",
                        FulfillmentStatus::PartiallyFulfilled => "partly shipped",
                        FulfillmentStatus::Fulfilled | FulfillmentStatus::Unknown => "shipped",
                    },
                })
            })
            .collect();
        context.insert("orders".into(), serde_json::Value::Array(list));
        ScriptResult::Reply(situation_without_order("several_orders", context))
    }

    /// Tracks every fulfillment's first tracking number.
    async fn track(
        &self,
        order: &Order,
        facts: &mut Facts,
    ) -> Result<Vec<Shipment>, HandoffReason> {
        let mut shipments = Vec::new();
        for fulfillment in &order.fulfillments {
            let Some(number) = fulfillment.tracking_numbers.first() else {
                continue;
            };
            let Some(carrier) = carrier::resolve(fulfillment.carrier.as_deref(), number) else {
                return Err(HandoffReason::UnrecognisedCarrier {
                    tracking_number: number.clone(),
                    platform_carrier: fulfillment.carrier.clone(),
                });
            };
            match self.carriers.track(&carrier, number).await {
                Ok(tracking) => shipments.push(Shipment {
                    fulfillment: fulfillment.clone(),
                    tracking,
                }),
                Err(error) => {
                    facts.shipments = shipments;
                    return Err(HandoffReason::AdapterFailure {
                        adapter: self.carriers.name().to_owned(),
                        operation: format!("track {} {number}", carrier.display_name()),
                        kind: error.kind(),
                        error: error.to_string(),
                    });
                }
            }
        }
        Ok(shipments)
    }

    fn adapter_failure(
        &self,
        adapter: &str,
        operation: &str,
        error: &AdapterError,
    ) -> ScriptResult {
        ScriptResult::Handoff(HandoffReason::AdapterFailure {
            adapter: adapter.to_owned(),
            operation: operation.to_owned(),
            kind: error.kind(),
            error: error.to_string(),
        })
    }

    /// Renders a reply, or writes the handoff note.
    fn finish(
        &self,
        result: ScriptResult,
        intent: Intent,
        confidence: f64,
        facts: Facts,
        now: Timestamp,
    ) -> Outcome {
        let reason = match result {
            ScriptResult::Reply(situation) => match self.templates.render(&situation) {
                Ok(text) => {
                    return Outcome::Reply {
                        text,
                        intent,
                        confidence,
                        situation: situation.id(),
                        follow_up: situation.follow_up,
                        facts,
                    }
                }
                Err(error) => HandoffReason::TemplateFailed {
                    template: situation.id(),
                    detail: error.to_string(),
                },
            },
            ScriptResult::Handoff(reason) => reason,
        };
        let note = handoff_note(&reason, intent, confidence, &facts, &self.policy, now);
        Outcome::Handoff {
            reason,
            intent,
            confidence,
            note,
            facts,
        }
    }
}

fn situation_without_order(
    name: &'static str,
    context: serde_json::Map<String, serde_json::Value>,
) -> Situation {
    Situation {
        group: "common",
        name,
        context,
        follow_up: None,
        action: None,
    }
}

/// An order is "open" when choosing among several: not cancelled, nothing being returned, and
/// either not fully shipped or shipped recently without the platform calling it delivered.
fn is_open(order: &Order, now: Timestamp) -> bool {
    if order.is_cancelled() || order.return_status.is_some() {
        return false;
    }
    if order.fulfillment_status != FulfillmentStatus::Fulfilled {
        return true;
    }
    let recent = order
        .fulfillments
        .iter()
        .filter_map(|f| f.shipped_at)
        .max()
        .is_some_and(|shipped| {
            now.duration_since(shipped) < SignedDuration::from_hours(24 * OPEN_ORDER_DAYS)
        });
    recent
        && order
            .fulfillments
            .iter()
            .any(|f| f.platform_status != Some(TrackingStatus::Delivered))
}
