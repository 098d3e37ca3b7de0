//! The responder: message → classification → facts from adapters → script → template →
//! reply, or a handoff to a human with the reason and every fact gathered.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use crate::adapters::{AdapterError, CarrierTracker, OrderPlatform};
use crate::carrier::{self, Carrier};
use crate::classify::decision::Decision;
use crate::classify::intent::Intent;
use crate::classify::model::{IntentModel, Prediction};
use crate::respond::extract::{read_message, MessageFacts};
use crate::respond::facts::{Fulfillment, FulfillmentStatus, Order, TrackingStatus};
use crate::respond::outcome::{handoff_note, Customer, Facts, Outcome};
use crate::respond::policy::{Policy, SeveralOrders};
use crate::respond::scripts::{
    self, shop_context, HandoffReason, PlatformAction, ScriptInput, ScriptResult, Shipment,
    Situation,
};
use crate::respond::templates::Templates;
use crate::respond::verify::{verify, Verification, VerifiedOrder};

/// Everything after classification: adapters, policy and templates. Answers a message whose
/// intent is already known, so it needs no model (`check-templates`, a service that swaps models
/// while running).
pub struct Answerer {
    platform: Arc<dyn OrderPlatform>,
    carriers: Arc<dyn CarrierTracker>,
    policy: Policy,
    templates: Templates,
}

/// Model + adapters + policy + templates: classifies a message, then answers it.
pub struct Responder {
    model: Arc<IntentModel>,
    answerer: Answerer,
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
            answerer: Answerer::new(platform, carriers, policy, templates),
        }
    }

    /// The shop policy.
    pub fn policy(&self) -> &Policy {
        &self.answerer.policy
    }

    /// The part that answers once the intent is known.
    pub fn answerer(&self) -> &Answerer {
        &self.answerer
    }

    /// Answers `message` from `customer` now (the policy's clock if it has one).
    pub async fn respond(&self, message: &str, customer: &Customer) -> Outcome {
        self.respond_at(message, customer, self.policy().now())
            .await
    }

    /// Answers `message` from `customer` as of `now`.
    pub async fn respond_at(&self, message: &str, customer: &Customer, now: Timestamp) -> Outcome {
        let prediction = self.model.classify(message);
        self.answerer
            .respond_to(prediction, message, customer, now)
            .await
    }

    /// As [`Responder::respond_at`], with the classification already made (or forced, in tests).
    pub async fn respond_to(
        &self,
        prediction: Prediction,
        message: &str,
        customer: &Customer,
        now: Timestamp,
    ) -> Outcome {
        self.answerer
            .respond_to(prediction, message, customer, now)
            .await
    }
}

impl Answerer {
    /// Assembles an answerer.
    pub fn new(
        platform: Arc<dyn OrderPlatform>,
        carriers: Arc<dyn CarrierTracker>,
        policy: Policy,
        templates: Templates,
    ) -> Self {
        Answerer {
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

    /// Answers `message` from `customer` as of `now`, given its classification.
    pub async fn respond_to(
        &self,
        prediction: Prediction,
        message: &str,
        customer: &Customer,
        now: Timestamp,
    ) -> Outcome {
        let intent = prediction.intent;
        let label = prediction.label;
        let confidence = prediction.confidence;
        let mut facts = Facts::default();
        let result = match prediction.decision {
            Decision::Escalate(reason) => ScriptResult::Handoff(reason.into()),
            Decision::Automate => {
                self.handle(intent, message, customer, now, &mut facts)
                    .await
            }
        };
        self.finish(result, intent, label, confidence, facts, now)
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
        if intent == Intent::Cancel && said.subscription {
            // deskbot sees orders, not subscriptions: cancelling the latest order for "cancel
            // my subscription" would stop the wrong thing and leave the plan running.
            return scripts::policy_handoff(
                "subscription",
                "the customer asks to cancel a subscription, membership or recurring plan, \
                 which deskbot cannot see; no order was looked up or changed"
                    .to_owned(),
            );
        }
        let sender = customer
            .email
            .as_deref()
            .map(str::trim)
            .filter(|email| !email.is_empty());
        // A tracking number alone, from nobody we know: the number is what the carrier's own
        // tracking page asks for, so its status may be told, but nothing about an order.
        if intent == Intent::Tracking && sender.is_none() && said.order_numbers.is_empty() {
            if let Some(number) = said.tracking_numbers.first() {
                return self.bare_parcel(number, facts, now).await;
            }
        }
        let verified = match self
            .find_order(intent, &said, message, sender, facts, now)
            .await
        {
            Ok(order) => order,
            Err(early) => return early,
        };
        let order = verified.order();
        facts.order_number = Some(order.number.clone());
        match self.track(order, facts).await {
            Ok(shipments) => facts.shipments = shipments,
            Err(handoff) => return ScriptResult::Handoff(handoff),
        }
        let input = ScriptInput::new(&verified, &facts.shipments, &self.policy, now, &said);
        let result = scripts::run(intent, &input);
        if let ScriptResult::Reply(situation) = &result {
            // The reply may only say it happened once the platform confirms it.
            if situation.action == Some(PlatformAction::CancelOrder) {
                // Nor may it happen when no reply can say so: the person taking over would
                // find an order cancelled that the note, and the customer, know nothing of.
                if let Err(error) = self.templates.render(situation) {
                    return ScriptResult::Handoff(HandoffReason::TemplateFailed {
                        template: situation.id(),
                        detail: error.detail(),
                    });
                }
                if let Err(error) = self.platform.cancel_order(&order.number, now).await {
                    return self.adapter_failure(self.platform.name(), "cancel the order", &error);
                }
            }
        }
        result
    }

    /// The order the message is about, verified as the sender's, or what to do instead.
    ///
    /// Only `sender` (the channel's address) and, where the policy allows, the order's postcode
    /// written in the message tie an order to the person asking. An unverified order's facts
    /// never reach the reply, nor the facts it rests on.
    async fn find_order(
        &self,
        intent: Intent,
        said: &MessageFacts,
        message: &str,
        sender: Option<&str>,
        facts: &mut Facts,
        now: Timestamp,
    ) -> Result<VerifiedOrder, ScriptResult> {
        let rule = self.policy.verify;
        if let [first, second, ..] = said.order_numbers.as_slice() {
            // One reply answers for one order: "cancel #1002 and #1005" answered as #1002
            // alone would read as if both were done. The numbers are the customer's own words,
            // so the note may name them; nothing is looked up.
            return Err(ScriptResult::Handoff(HandoffReason::PolicyRequiresHuman {
                rule: "several_orders_named",
                detail: format!(
                    "the message names {} orders (#{first}, #{second}{}); one reply would answer for one of them",
                    said.order_numbers.len(),
                    if said.order_numbers.len() > 2 { ", …" } else { "" }
                ),
            }));
        }
        if let Some(number) = said.order_numbers.first() {
            if sender.is_none() && rule == Verification::SenderEmail {
                // Nothing to verify against: do not even look, so the reply cannot differ
                // between orders that exist and orders that do not.
                return Err(self.verify_identity());
            }
            let order = match self.order_by_number(number).await {
                Ok(order) => order,
                // Without a sender, whether an order number exists is itself a fact about an
                // order: answer a made-up number as an order that is not proved to be theirs.
                Err(ScriptResult::Handoff(HandoffReason::NoOrderFound { .. }))
                    if sender.is_none() =>
                {
                    return Err(self.verify_identity());
                }
                Err(other) => return Err(other),
            };
            let order = match verify(rule, order, sender, message) {
                Ok(verified) => verified,
                Err(order) if sender.is_some() => {
                    // Kept for the person taking over; the customer is told nothing.
                    facts.orders.push((*order).clone());
                    return Err(ScriptResult::Handoff(HandoffReason::PolicyRequiresHuman {
                        rule: "email_mismatch",
                        detail: format!(
                            "order #{} belongs to another e-mail address than the sender's",
                            order.number
                        ),
                    }));
                }
                Err(_) => return Err(self.verify_identity()),
            };
            facts.orders.push(order.order().clone());
            if !said.tracking_numbers.is_empty() && !holds_any(order.order(), said) {
                return Err(self.unknown_tracking_number(said, false));
            }
            return Ok(order);
        }
        let Some(sender) = sender else {
            return Err(match rule {
                Verification::SenderEmail => self.verify_identity(),
                _ => self.need_order_number(false),
            });
        };
        facts.email = Some(sender.to_owned());
        let orders = match self
            .platform
            .recent_orders_by_email(sender, self.policy.order_lookback)
            .await
        {
            Ok(orders) => orders,
            Err(error) => {
                return Err(self.adapter_failure(
                    self.platform.name(),
                    "list the customer's orders",
                    &error,
                ))
            }
        };
        // Older orders may exist beyond the ones read.
        let read_all = orders.len() < self.policy.order_lookback;
        // A platform's e-mail search may be looser than equality (WooCommerce searches
        // substrings): keep only the orders that are provably the sender's.
        let orders: Vec<VerifiedOrder> = orders
            .into_iter()
            .filter_map(|order| verify(Verification::SenderEmail, order, Some(sender), "").ok())
            .collect();
        facts.orders = orders.iter().map(|o| o.order().clone()).collect();
        if orders.is_empty() {
            return Err(self.need_order_number(true));
        }
        if !said.tracking_numbers.is_empty() {
            // The parcel asked about picks its order; a number on none of them is said so,
            // never answered with another parcel. "Not on your orders" is only said when every
            // order was read; else the order number is asked for, claiming no search.
            return match orders.into_iter().find(|o| holds_any(o.order(), said)) {
                Some(order) => Ok(order),
                None if read_all => Err(self.unknown_tracking_number(said, true)),
                None => Err(self.need_order_number(false)),
            };
        }
        if matches!(intent, Intent::Return | Intent::MissingItem) {
            if let Some(chosen) = self.shipped_order(&orders, message, now) {
                return chosen;
            }
        }
        let open: Vec<&VerifiedOrder> = orders
            .iter()
            .filter(|order| is_open(order.order(), now))
            .collect();
        match open.as_slice() {
            [] => Ok(orders[0].clone()),
            [only] => Ok((*only).clone()),
            several => Err(self.several_orders(several, now)),
        }
    }

    /// The order a return or missing-item question is about: those are about what arrived (or
    /// should have), not about the newest order, which may not have shipped yet. An order whose
    /// items the message names comes first; else the one order that has shipped. Several
    /// candidates are never guessed between: the customer is asked which (or a person picks,
    /// per `several_open_orders`). `None` when no order has shipped and none is named: the
    /// usual choice among open orders applies.
    fn shipped_order(
        &self,
        orders: &[VerifiedOrder],
        message: &str,
        now: Timestamp,
    ) -> Option<Result<VerifiedOrder, ScriptResult>> {
        let live = || orders.iter().filter(|o| !o.order().is_cancelled());
        let words = item_words(message);
        let named: Vec<&VerifiedOrder> = live()
            .filter(|o| names_an_item(o.order(), &words))
            .collect();
        let shipped: Vec<&VerifiedOrder> = live().filter(|o| has_shipped(o.order())).collect();
        let candidates = if named.is_empty() { shipped } else { named };
        match candidates.as_slice() {
            [] => None,
            [only] => Some(Ok((*only).clone())),
            several => Some(Err(self.several_orders(several, now))),
        }
    }

    async fn bare_parcel(&self, number: &str, facts: &mut Facts, now: Timestamp) -> ScriptResult {
        let Some(carrier) = carrier::resolve(None, number) else {
            return ScriptResult::Handoff(HandoffReason::UnrecognisedCarrier {
                tracking_number: number.to_owned(),
                platform_carrier: None,
            });
        };
        match self.carriers.track(&carrier, number).await {
            Ok(tracking) => {
                let result = scripts::parcel_status(&tracking, &self.policy, now);
                facts.parcels.push(tracking);
                result
            }
            Err(error) => ScriptResult::Handoff(self.tracking_failure(&carrier, number, &error)),
        }
    }

    async fn order_by_number(&self, number: &str) -> Result<Order, ScriptResult> {
        match self.platform.order_by_number(number).await {
            Ok(order) => Ok(order),
            Err(AdapterError::NotFound { .. }) => {
                Err(ScriptResult::Handoff(HandoffReason::NoOrderFound {
                    order_number: number.to_owned(),
                }))
            }
            Err(error) => {
                Err(self.adapter_failure(self.platform.name(), "look up the order", &error))
            }
        }
    }

    /// Ask the customer to write from the address on the order (or, where allowed, to give
    /// the order's postcode): no order facts until then.
    fn verify_identity(&self) -> ScriptResult {
        let mut context = shop_context(&self.policy);
        context.insert(
            "postcode_accepted".into(),
            serde_json::json!(self.policy.verify == Verification::SenderEmailOrPostcode),
        );
        ScriptResult::Reply(situation_without_order("verify_identity", context))
    }

    /// The tracking number asked about is on none of the sender's orders (or not on the order
    /// named): say so rather than answer about another parcel.
    fn unknown_tracking_number(&self, said: &MessageFacts, all_orders: bool) -> ScriptResult {
        let mut context = shop_context(&self.policy);
        context.insert(
            "tracking_numbers".into(),
            serde_json::json!(said.tracking_numbers),
        );
        context.insert("all_orders".into(), serde_json::json!(all_orders));
        if let (false, Some(number)) = (all_orders, said.order_numbers.first()) {
            context.insert("order_number".into(), serde_json::json!(number));
        }
        ScriptResult::Reply(situation_without_order("unknown_tracking_number", context))
    }

    /// Ask for the order number; `email_checked` says whether an e-mail was looked up (and
    /// found no order), so the reply never claims a search that did not happen.
    fn need_order_number(&self, email_checked: bool) -> ScriptResult {
        let mut context = shop_context(&self.policy);
        context.insert("email_checked".into(), serde_json::json!(email_checked));
        ScriptResult::Reply(situation_without_order("need_order_number", context))
    }

    fn several_orders(&self, orders: &[&VerifiedOrder], now: Timestamp) -> ScriptResult {
        if self.policy.several_open_orders == SeveralOrders::Handoff {
            return ScriptResult::Handoff(HandoffReason::SeveralOrders {
                order_numbers: orders.iter().map(|o| o.order().number.clone()).collect(),
            });
        }
        let today = self.policy.local_date(now);
        let mut context = shop_context(&self.policy);
        let list: Vec<serde_json::Value> = orders
            .iter()
            .map(|verified| {
                let order = verified.order();
                let titles: Vec<&str> = order.ordered_items().map(|i| i.title.as_str()).collect();
                let mut entry = serde_json::json!({
                    "number": order.number,
                    "placed_on": self.policy.format_date(self.policy.local_date(order.created_at), today),
                    "item_summary": scripts::summarize(&titles),
                });
                // A status the platform did not give is not said at all.
                let status = match order.fulfillment_status {
                    FulfillmentStatus::Unfulfilled | FulfillmentStatus::InProgress => {
                        Some("not shipped yet")
                    }
                    FulfillmentStatus::PartiallyFulfilled => Some("partly shipped"),
                    FulfillmentStatus::Fulfilled => Some("shipped"),
                    FulfillmentStatus::Unknown => None,
                };
                if let Some(status) = status {
                    entry["status"] = serde_json::json!(status);
                }
                entry
            })
            .collect();
        context.insert("orders".into(), serde_json::Value::Array(list));
        ScriptResult::Reply(situation_without_order("several_orders", context))
    }

    /// Tracks every tracking number of every fulfillment (a number listed twice once), in
    /// fulfillment order: one [`Shipment`] per parcel.
    async fn track(
        &self,
        order: &Order,
        facts: &mut Facts,
    ) -> Result<Vec<Shipment>, HandoffReason> {
        let mut parcels: Vec<(&Fulfillment, Carrier, String)> = Vec::new();
        for fulfillment in &order.fulfillments {
            for number in &fulfillment.tracking_numbers {
                if parcels.iter().any(|(_, _, seen)| seen == number) {
                    continue;
                }
                let Some(carrier) = carrier::resolve(fulfillment.carrier.as_deref(), number) else {
                    return Err(HandoffReason::UnrecognisedCarrier {
                        tracking_number: number.clone(),
                        platform_carrier: fulfillment.carrier.clone(),
                    });
                };
                parcels.push((fulfillment, carrier, number.clone()));
            }
        }
        let asked: Vec<(Carrier, String)> = parcels
            .iter()
            .map(|(_, carrier, number)| (*carrier, number.clone()))
            .collect();
        let answers = self.carriers.track_many(&asked).await;
        let mut shipments = Vec::with_capacity(parcels.len());
        for ((fulfillment, carrier, number), answer) in parcels.into_iter().zip(answers) {
            match answer {
                Ok(tracking) => shipments.push(Shipment {
                    fulfillment: fulfillment.clone(),
                    tracking,
                }),
                Err(error) => {
                    facts.shipments = shipments;
                    return Err(self.tracking_failure(&carrier, &number, &error));
                }
            }
        }
        Ok(shipments)
    }

    fn tracking_failure(
        &self,
        carrier: &Carrier,
        number: &str,
        error: &AdapterError,
    ) -> HandoffReason {
        if let AdapterError::NotConfigured { .. } = error {
            return HandoffReason::UntrackedCarrier {
                carrier: carrier.display_name().into_owned(),
                tracking_number: number.to_owned(),
            };
        }
        HandoffReason::AdapterFailure {
            adapter: self.carriers.name().to_owned(),
            operation: format!("track {} {number}", carrier.display_name()),
            kind: error.kind(),
            error: error.to_string(),
        }
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
        label: crate::classify::label::Label,
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
                    detail: error.detail(),
                },
            },
            ScriptResult::Handoff(reason) => reason,
        };
        let note = handoff_note(&reason, label, confidence, &facts, &self.policy, now);
        Outcome::Handoff {
            reason,
            intent: label,
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

/// Whether `order` carries one of the tracking numbers the message names.
fn holds_any(order: &Order, said: &MessageFacts) -> bool {
    order.fulfillments.iter().any(|f| {
        f.tracking_numbers
            .iter()
            .any(|n| said.tracking_numbers.contains(&carrier::normalize(n)))
    })
}

/// Whether any of `order` has left the shop (a shipment, or a platform status saying so).
fn has_shipped(order: &Order) -> bool {
    !order.fulfillments.is_empty()
        || matches!(
            order.fulfillment_status,
            FulfillmentStatus::Fulfilled | FulfillmentStatus::PartiallyFulfilled
        )
}

/// Words too common in product titles to tell orders apart ("Mug Set of 4", "Pack of 2").
const COMMON_TITLE_WORDS: [&str; 8] = ["the", "and", "for", "with", "set", "pack", "pair", "size"];

/// The words of `text` that could name an item: runs of three or more letters, lower case, not
/// one of [`COMMON_TITLE_WORDS`].
fn item_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !COMMON_TITLE_WORDS.contains(&w.as_str()))
        .collect()
}

/// Whether `message_words` name one of `order`'s items: a word of its title, or that word with
/// a plural "s" or "es" on either side ("mugs" names "Mug Set of 4").
fn names_an_item(order: &Order, message_words: &[String]) -> bool {
    order.line_items.iter().any(|item| {
        item_words(&item.title).iter().any(|title_word| {
            message_words.iter().any(|said| {
                let plural = |a: &str, b: &str| {
                    a.strip_prefix(b)
                        .is_some_and(|rest| rest == "s" || rest == "es")
                };
                said == title_word || plural(said, title_word) || plural(title_word, said)
            })
        })
    })
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
