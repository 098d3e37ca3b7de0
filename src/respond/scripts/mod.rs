//! Scripts: one per intent, turning the facts of one order plus the shop policy into a
//! situation to reply to, or a reason to hand the message to a human.
//!
//! Scripts are pure: no I/O, no clock (the caller passes `now`), so every situation can be
//! reproduced in a test. The template context they build holds only facts that were fetched or
//! policy values; a missing optional fact is *absent* from the context, never null.

mod cancel;
mod missing_item;
mod returns;
mod tracking;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::classify::intent::Intent;
use crate::respond::extract::MessageFacts;
use crate::respond::facts::{
    shipped_units, Fulfillment, FulfillmentStatus, Order, Tracking, TrackingStatus,
};
use crate::respond::policy::Policy;
use crate::respond::verify::VerifiedOrder;

/// A reply situation: which template, and the variables it gets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Situation {
    /// Template group: an intent, or `common`.
    pub group: &'static str,
    /// Situation within the group.
    pub name: &'static str,
    /// Template variables.
    pub context: Map<String, Value>,
    /// Something a person must still do after the reply (e.g. cancel the order).
    pub follow_up: Option<String>,
    /// Something the platform must do before the reply may be sent.
    pub action: Option<PlatformAction>,
}

/// A change deskbot makes on the order platform before replying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformAction {
    /// Cancel the order (policy `cancellation.mode = "perform"`).
    CancelOrder,
}

impl Situation {
    fn new(group: &'static str, name: &'static str, context: Map<String, Value>) -> Self {
        Situation {
            group,
            name,
            context,
            follow_up: None,
            action: None,
        }
    }

    /// `group/name`, the template's path without extension.
    pub fn id(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }
}

/// Every reply situation a script can produce, as `(group, name)`: each needs a template.
pub const REPLY_SITUATIONS: &[(&str, &str)] = &[
    ("tracking", "not_shipped_yet"),
    ("tracking", "in_transit"),
    ("tracking", "delayed"),
    ("tracking", "out_for_delivery"),
    ("tracking", "attempted_delivery"),
    ("tracking", "delivered"),
    ("tracking", "several_shipments"),
    ("tracking", "parcel_status"),
    ("return", "within_window"),
    ("return", "outside_window"),
    ("return", "not_yet_delivered"),
    ("return", "already_returned"),
    ("missing_item", "delivered_recently"),
    ("missing_item", "split_shipment"),
    ("cancel", "request_received"),
    ("cancel", "cancelled"),
    ("cancel", "already_shipped"),
    ("cancel", "already_cancelled"),
    ("common", "need_order_number"),
    ("common", "several_orders"),
    ("common", "verify_identity"),
    ("common", "unknown_tracking_number"),
];

/// Why a message goes to a human instead of getting a reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum HandoffReason {
    /// Nothing to read in the message.
    EmptyMessage,
    /// The message is not one deskbot answers (`other`).
    OutOfScope,
    /// The model's most likely label is one of the shop's own: no script answers it, and the
    /// config routes it (`[routing.reasons."custom:<label>"]`, or `custom` for all of them).
    Custom {
        /// The label.
        label: crate::classify::label::CustomLabel,
    },
    /// The classifier is not sure enough.
    LowConfidence {
        /// Top probability.
        confidence: f64,
        /// Threshold it missed.
        threshold: f64,
    },
    /// The model's scores are not probabilities (a broken model).
    InvalidScores,
    /// Two intents are too close.
    Ambiguous {
        /// The second label.
        runner_up: crate::classify::label::Label,
        /// The gap between them.
        gap: f64,
    },
    /// The order number the customer gave does not exist.
    NoOrderFound {
        /// As given.
        order_number: String,
    },
    /// Several open orders and the policy says a person picks.
    SeveralOrders {
        /// The candidates.
        order_numbers: Vec<String>,
    },
    /// An adapter call failed.
    AdapterFailure {
        /// Which adapter.
        adapter: String,
        /// What was asked.
        operation: String,
        /// The error kind (`not_found`, `rate_limited`, `unavailable`, …).
        kind: &'static str,
        /// The error message.
        error: String,
    },
    /// Two sources disagree (platform says delivered, carrier says in transit).
    ConflictingFacts {
        /// What disagrees.
        detail: String,
    },
    /// A fact is too old or impossible to rely on.
    StaleFacts {
        /// What is wrong.
        detail: String,
    },
    /// No carrier fits the tracking number and the platform names none we know.
    UnrecognisedCarrier {
        /// The number.
        tracking_number: String,
        /// What the platform called the carrier, if anything.
        platform_carrier: Option<String>,
    },
    /// No tracker is configured for the parcel's carrier: it was not tracked.
    UntrackedCarrier {
        /// The carrier.
        carrier: String,
        /// The number.
        tracking_number: String,
    },
    /// The shop's policy wants a person for this case.
    PolicyRequiresHuman {
        /// Which rule (`late_shipment`, `carrier_exception`, `claim`, …).
        rule: &'static str,
        /// The case.
        detail: String,
    },
    /// The reply template could not be rendered with the facts at hand.
    TemplateFailed {
        /// Which template.
        template: String,
        /// What went wrong, without the template's name ([`TemplateError::detail`]).
        ///
        /// [`TemplateError::detail`]: crate::respond::TemplateError::detail
        detail: String,
    },
}

impl HandoffReason {
    /// Every name [`HandoffReason::name`] can return: the codes, then the policy rules. What
    /// `[routing.reasons]` accepts.
    pub const NAMES: &'static [&'static str] = &[
        "empty_message",
        "out_of_scope",
        "custom",
        "low_confidence",
        "ambiguous",
        "invalid_scores",
        "no_order_found",
        "several_orders",
        "adapter_failure",
        "conflicting_facts",
        "stale_facts",
        "unrecognised_carrier",
        "untracked_carrier",
        "policy_requires_human",
        "template_failed",
        "attempted_delivery",
        "cancellation_not_allowed",
        "cancelled_order",
        "carrier_exception",
        "cc_recipients",
        "claim",
        "email_mismatch",
        "fulfillment_in_progress",
        "label_created",
        "late_shipment",
        "no_delivery_date",
        "no_line_items",
        "partly_delivered",
        "partly_shipped",
        "refunded_order",
        "reply_limit",
        "returned_to_sender",
        "several_orders_named",
        "shipped_without_tracking",
        "subscription",
        "unknown_carrier_status",
        "unknown_fulfillment_status",
        "unpaid_order",
    ];

    /// The most specific name of the reason: a policy rule's own name (`claim`,
    /// `late_shipment`, `email_mismatch`, …), `custom:<label>` for a shop's own label, else the
    /// code. Help-desk tags and routing use it.
    pub fn name(&self) -> &'static str {
        match self {
            HandoffReason::PolicyRequiresHuman { rule, .. } => rule,
            HandoffReason::Custom { label } => label.reason_code(),
            other => other.code(),
        }
    }

    /// Whether `[routing.reasons]` can name `name`: one of [`HandoffReason::NAMES`], or
    /// `custom:<label>` for a label a shop could train.
    pub fn is_routable(name: &str) -> bool {
        Self::NAMES.contains(&name)
            || name
                .strip_prefix("custom:")
                .is_some_and(|label| crate::classify::label::CustomLabel::parse(label).is_ok())
    }

    /// The help-desk tag suffix: [`HandoffReason::name`] with dashes (`deskbot-late-shipment`,
    /// `deskbot-custom-address-change`).
    pub fn tag(&self) -> String {
        self.name().replace(['_', ':'], "-")
    }

    /// Stable machine-readable code, as in the JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            HandoffReason::EmptyMessage => "empty_message",
            HandoffReason::OutOfScope => "out_of_scope",
            HandoffReason::Custom { .. } => "custom",
            HandoffReason::LowConfidence { .. } => "low_confidence",
            HandoffReason::Ambiguous { .. } => "ambiguous",
            HandoffReason::InvalidScores => "invalid_scores",
            HandoffReason::NoOrderFound { .. } => "no_order_found",
            HandoffReason::SeveralOrders { .. } => "several_orders",
            HandoffReason::AdapterFailure { .. } => "adapter_failure",
            HandoffReason::ConflictingFacts { .. } => "conflicting_facts",
            HandoffReason::StaleFacts { .. } => "stale_facts",
            HandoffReason::UnrecognisedCarrier { .. } => "unrecognised_carrier",
            HandoffReason::UntrackedCarrier { .. } => "untracked_carrier",
            HandoffReason::PolicyRequiresHuman { .. } => "policy_requires_human",
            HandoffReason::TemplateFailed { .. } => "template_failed",
        }
    }
}

impl From<crate::classify::decision::EscalationReason> for HandoffReason {
    fn from(reason: crate::classify::decision::EscalationReason) -> Self {
        use crate::classify::decision::EscalationReason;
        match reason {
            EscalationReason::EmptyMessage => HandoffReason::EmptyMessage,
            EscalationReason::OutOfScope => HandoffReason::OutOfScope,
            EscalationReason::Custom { label } => HandoffReason::Custom { label },
            EscalationReason::LowConfidence {
                confidence,
                threshold,
            } => HandoffReason::LowConfidence {
                confidence,
                threshold,
            },
            EscalationReason::Ambiguous { runner_up, gap, .. } => {
                HandoffReason::Ambiguous { runner_up, gap }
            }
            EscalationReason::InvalidScores => HandoffReason::InvalidScores,
        }
    }
}

impl std::fmt::Display for HandoffReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandoffReason::EmptyMessage => f.write_str("the message is empty"),
            HandoffReason::OutOfScope => {
                f.write_str("not a tracking, return, missing item or cancel request")
            }
            HandoffReason::Custom { label } => {
                write!(
                    f,
                    "the shop's own topic `{label}`, which deskbot does not answer"
                )
            }
            HandoffReason::LowConfidence {
                confidence,
                threshold,
            } => write!(
                f,
                "low confidence ({})",
                crate::classify::decision::format_below(*confidence, *threshold)
            ),
            HandoffReason::Ambiguous { runner_up, gap } => {
                write!(f, "ambiguous with {runner_up} (gap {gap:.2})")
            }
            HandoffReason::InvalidScores => {
                f.write_str("the intent model gave invalid scores (NaN or not probabilities)")
            }
            HandoffReason::NoOrderFound { order_number } => write!(f, "no order #{order_number}"),
            HandoffReason::SeveralOrders { order_numbers } => {
                write!(f, "several open orders: #{}", order_numbers.join(", #"))
            }
            HandoffReason::AdapterFailure {
                adapter,
                operation,
                error,
                ..
            } => {
                write!(f, "{adapter} failed to {operation}: {error}")
            }
            HandoffReason::ConflictingFacts { detail } => write!(f, "conflicting facts: {detail}"),
            HandoffReason::StaleFacts { detail } => write!(f, "stale facts: {detail}"),
            HandoffReason::UnrecognisedCarrier {
                tracking_number,
                platform_carrier,
            } => write!(
                f,
                "no known carrier for tracking number {tracking_number}{}",
                platform_carrier
                    .as_ref()
                    .map(|c| format!(" (platform says {c:?})"))
                    .unwrap_or_default()
            ),
            HandoffReason::UntrackedCarrier {
                carrier,
                tracking_number,
            } => write!(
                f,
                "{carrier} tracking is not configured, so {tracking_number} was not tracked"
            ),
            HandoffReason::PolicyRequiresHuman { rule, detail } => write!(f, "{rule}: {detail}"),
            HandoffReason::TemplateFailed { template, detail } => {
                write!(f, "template {template} failed: {detail}")
            }
        }
    }
}

/// What a script decided.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptResult {
    /// Reply with this situation's template.
    Reply(Situation),
    /// Hand to a human.
    Handoff(HandoffReason),
}

/// One fulfillment with what its carrier said.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shipment {
    /// The platform's fulfillment.
    pub fulfillment: Fulfillment,
    /// The carrier's tracking.
    pub tracking: Tracking,
}

/// Everything a script may look at. Built only from a [`VerifiedOrder`], so no script can
/// answer about (or act on) an order not shown to be the sender's.
#[derive(Debug, Clone, Copy)]
pub struct ScriptInput<'a> {
    pub(crate) order: &'a Order,
    pub(crate) shipments: &'a [Shipment],
    pub(crate) policy: &'a Policy,
    pub(crate) now: Timestamp,
    pub(crate) message: &'a MessageFacts,
}

/// How far ahead of "now" a carrier or platform time may be before it counts as impossible:
/// room for clocks that disagree a little, not for a feed from the future.
const CLOCK_SKEW: SignedDuration = SignedDuration::from_hours(2);

/// A parcel not delivered and not scanned for this long has facts too old to answer from: it is
/// lost or the feed has stopped, and either way a person should look.
const STALE_AFTER_DAYS: i64 = 30;

impl<'a> ScriptInput<'a> {
    /// The input for answering about `order`, with its tracked `shipments` (in fulfillment
    /// order), as of `now`.
    pub fn new(
        order: &'a VerifiedOrder,
        shipments: &'a [Shipment],
        policy: &'a Policy,
        now: Timestamp,
        message: &'a MessageFacts,
    ) -> Self {
        ScriptInput {
            order: order.order(),
            shipments,
            policy,
            now,
            message,
        }
    }
}

impl ScriptInput<'_> {
    fn today(&self) -> Date {
        self.policy.local_date(self.now)
    }

    fn date(&self, time: Timestamp) -> String {
        self.policy
            .format_date(self.policy.local_date(time), self.today())
    }

    fn day(&self, date: Date) -> String {
        self.policy.format_date(date, self.today())
    }

    /// Line items not in any fulfillment yet: `(title, quantity)`.
    fn unshipped(&self) -> Vec<(String, u32)> {
        self.order
            .line_items
            .iter()
            .filter_map(|item| {
                let shipped = shipped_units(&self.order.fulfillments, &item.id);
                let left = item.quantity.saturating_sub(shipped);
                (left > 0).then(|| (item.title.clone(), left))
            })
            .collect()
    }

    /// The variables every order template gets.
    fn base_context(&self) -> Map<String, Value> {
        let mut context = shop_context(self.policy);
        context.insert("order_number".into(), json!(self.order.number));
        context.insert(
            "items".into(),
            Value::Array(
                self.order
                    .ordered_items()
                    .map(|item| json!({"title": item.title, "quantity": item.quantity}))
                    .collect(),
            ),
        );
        let titles: Vec<&str> = self
            .order
            .ordered_items()
            .map(|i| i.title.as_str())
            .collect();
        context.insert("item_summary".into(), json!(summarize(&titles)));
        if let Some(total) = self
            .order
            .total
            .as_ref()
            .and_then(|money| self.policy.format_money(money))
        {
            context.insert("order_total".into(), json!(total));
        }
        context
    }

    /// A shipment as templates see it.
    fn shipment_context(&self, shipment: &Shipment) -> Value {
        let tracking = &shipment.tracking;
        let titles: Vec<&str> = shipment
            .fulfillment
            .items
            .iter()
            .filter_map(|i| {
                self.order
                    .line_item(&i.line_item_id)
                    .map(|l| l.title.as_str())
            })
            .collect();
        // A shipment sent as several parcels says what all of them hold, not which holds what;
        // so does one whose platform does not say which items it holds, unless it is all there is.
        let mut numbers: Vec<String> = shipment
            .fulfillment
            .tracking_numbers
            .iter()
            .map(|n| crate::carrier::normalize(n))
            .filter(|n| !n.is_empty())
            .collect();
        numbers.sort();
        numbers.dedup();
        let items =
            if numbers.len() > 1 || !(shipment.fulfillment.items_known || self.single_parcel()) {
                format!("part of {}", summarize(&titles))
            } else {
                summarize(&titles)
            };
        let mut value = Map::new();
        value.insert("carrier".into(), json!(tracking.carrier.display_name()));
        value.insert("tracking_number".into(), json!(tracking.number));
        value.insert("status".into(), json!(tracking.status.describe()));
        value.insert("item_summary".into(), json!(items));
        value.insert("shipped".into(), json!(true));
        let url = tracking
            .url
            .clone()
            .or_else(|| shipment.fulfillment.tracking_urls.first().cloned());
        if let Some(url) = url {
            value.insert("tracking_url".into(), json!(url));
        }
        if let Some(event) = &tracking.latest_event {
            let mut latest = Map::new();
            latest.insert("on".into(), json!(self.date(event.time)));
            latest.insert("description".into(), json!(event.description));
            if let Some(place) = &event.place {
                latest.insert("place".into(), json!(place));
            }
            value.insert("latest_event".into(), Value::Object(latest));
        }
        if let Some(delivered) = tracking.delivered_at {
            value.insert("delivered_on".into(), json!(self.date(delivered)));
        }
        // A window's end is what "by" may promise; its start is said only as part of the
        // window. An estimate that has passed, or of a parcel delivered, is no longer one, so
        // it is not said at all.
        let delivered = tracking.status == TrackingStatus::Delivered;
        if let Some(eta) = delivery_by(tracking).filter(|&eta| !delivered && eta >= self.today()) {
            value.insert("eta".into(), json!(self.day(eta)));
            if let Some(from) = window_start(tracking) {
                value.insert("eta_from".into(), json!(self.day(from)));
            }
        }
        Value::Object(value)
    }

    /// Every parcel, plus the not-yet-shipped remainder.
    fn shipments_context(&self) -> Value {
        let mut list: Vec<Value> = self
            .shipments
            .iter()
            .map(|s| self.shipment_context(s))
            .collect();
        let unshipped = self.unshipped();
        if !unshipped.is_empty() {
            let titles: Vec<&str> = unshipped.iter().map(|(t, _)| t.as_str()).collect();
            list.push(json!({
                "shipped": false,
                "item_summary": summarize(&titles),
                "status": "not shipped yet",
            }));
        }
        Value::Array(list)
    }

    /// The shipments whose tracking numbers the message names.
    fn asked_parcels(&self) -> Vec<&Shipment> {
        let asked = &self.message.tracking_numbers;
        if asked.is_empty() {
            return Vec::new();
        }
        self.shipments
            .iter()
            .filter(|s| {
                s.fulfillment
                    .tracking_numbers
                    .iter()
                    .any(|n| asked.contains(&crate::carrier::normalize(n)))
            })
            .collect()
    }

    /// A shipment the platform records with no tracking number: it left, but no carrier can
    /// say where it is, so "not shipped yet" or a parcel list without it would be false.
    fn untracked_shipment(&self) -> Option<ScriptResult> {
        let untracked = self
            .order
            .fulfillments
            .iter()
            .find(|f| f.tracking_numbers.iter().all(|n| n.trim().is_empty()))?;
        Some(policy_handoff(
            "shipped_without_tracking",
            format!(
                "order #{} has a shipment ({}){} with no tracking number",
                self.order.number,
                untracked.id,
                untracked
                    .shipped_at
                    .map(|t| format!(" sent {}", self.date(t)))
                    .unwrap_or_default()
            ),
        ))
    }

    /// An order with no shipment records that the platform does not call unfulfilled: it may
    /// have shipped (a status set by hand, a partial shipment with no tracking) or need no
    /// shipping at all, so "not shipped yet" would be a guess. Only an `Unfulfilled` or
    /// `InProgress` status supports it.
    fn shipped_per_platform(&self) -> Option<ScriptResult> {
        let order = self.order;
        let rule = match order.fulfillment_status {
            FulfillmentStatus::Unfulfilled | FulfillmentStatus::InProgress => return None,
            FulfillmentStatus::Fulfilled => "shipped_without_tracking",
            FulfillmentStatus::PartiallyFulfilled => "partly_shipped",
            FulfillmentStatus::Unknown => "unknown_fulfillment_status",
        };
        let status = match order.fulfillment_status {
            FulfillmentStatus::Fulfilled => "fulfilled",
            FulfillmentStatus::PartiallyFulfilled => "partially fulfilled",
            _ => "neither fulfilled nor unfulfilled",
        };
        Some(policy_handoff(
            rule,
            format!(
                "the platform marks order #{} {status}, but it has no shipment records",
                order.number
            ),
        ))
    }

    /// A parcel the carrier reports a problem with, or a status we cannot read: a person
    /// looks, whether it is the order's only parcel or one of several.
    fn carrier_problem(&self, shipment: &Shipment) -> Option<ScriptResult> {
        let tracking = &shipment.tracking;
        match tracking.status {
            TrackingStatus::Exception => Some(policy_handoff(
                "carrier_exception",
                format!(
                    "{} reports a problem with {}: {}",
                    tracking.carrier.display_name(),
                    tracking.number,
                    tracking
                        .latest_event
                        .as_ref()
                        .map_or("no details", |e| e.description.as_str())
                ),
            )),
            TrackingStatus::ReturnedToSender => Some(policy_handoff(
                "returned_to_sender",
                format!("{} is on its way back to the shop", tracking.number),
            )),
            TrackingStatus::Unknown => Some(policy_handoff(
                "unknown_carrier_status",
                format!(
                    "{} gives no status we understand for {}",
                    tracking.carrier.display_name(),
                    tracking.number
                ),
            )),
            _ => None,
        }
    }

    /// The city a delivered parcel may be said to have reached: the order's, unless the
    /// carrier's latest scan names a place that is not it (a parcel left in another town).
    fn delivery_city(&self, shipment: &Shipment) -> Option<&str> {
        let city = self.order.destination.as_ref()?.city.as_str();
        let scanned_elsewhere = shipment
            .tracking
            .latest_event
            .as_ref()
            .and_then(|event| event.place.as_deref())
            .is_some_and(|place| !place.to_lowercase().contains(&city.trim().to_lowercase()));
        (!scanned_elsewhere).then_some(city)
    }

    /// The first parcel of the order with a carrier problem ([`Self::carrier_problem`]) or an
    /// "out for delivery" that is not today's ([`Self::stale_out_for_delivery`]).
    fn any_carrier_problem(&self) -> Option<ScriptResult> {
        self.shipments.iter().find_map(|s| {
            self.carrier_problem(s)
                .or_else(|| self.stale_out_for_delivery(s).map(ScriptResult::Handoff))
        })
    }

    /// A parcel out for delivery with no scan today where the shop is: "out for delivery" is
    /// news of one day, and repeated later it would be false.
    fn stale_out_for_delivery(&self, shipment: &Shipment) -> Option<HandoffReason> {
        let tracking = &shipment.tracking;
        if tracking.status != TrackingStatus::OutForDelivery {
            return None;
        }
        let scanned = tracking.last_scan_at().map(|t| self.policy.local_date(t));
        if scanned == Some(self.today()) {
            return None;
        }
        Some(HandoffReason::StaleFacts {
            detail: format!(
                "{} reports {} out for delivery {}, not today, with no delivery since",
                tracking.carrier.display_name(),
                tracking.number,
                scanned.map_or("with no scan date".to_owned(), |d| format!(
                    "on {}",
                    self.day(d)
                ))
            ),
        })
    }

    /// Whether everything is shipped in exactly one parcel.
    fn single_parcel(&self) -> bool {
        self.shipments.len() == 1 && self.all_shipped()
    }

    /// Whether every item is known to have shipped. Where shipments do not say which items
    /// they hold (WooCommerce), only the platform's "shipped in full" tells.
    fn all_shipped(&self) -> bool {
        if self.order.fulfillments.iter().all(|f| f.items_known) {
            self.unshipped().is_empty()
        } else {
            self.order.fulfillment_status == FulfillmentStatus::Fulfilled
        }
    }

    fn all_delivered(&self) -> bool {
        !self.shipments.is_empty()
            && self.all_shipped()
            && self
                .shipments
                .iter()
                .all(|s| s.tracking.status == TrackingStatus::Delivered)
    }

    /// The checks every order script starts with: a cancelled order, or facts that cannot all
    /// be true, go to a person.
    fn cancelled_or_contradictory(&self) -> Option<ScriptResult> {
        if let Some(cancelled) = self.order.cancelled_at {
            return Some(policy_handoff(
                "cancelled_order",
                format!(
                    "order #{} was cancelled on {}",
                    self.order.number,
                    self.date(cancelled)
                ),
            ));
        }
        self.contradiction().map(ScriptResult::Handoff)
    }

    /// Facts from two sources that cannot both be true.
    fn contradiction(&self) -> Option<HandoffReason> {
        for shipment in self.shipments {
            let tracking = &shipment.tracking;
            if shipment.fulfillment.platform_status == Some(TrackingStatus::Delivered)
                && tracking.status != TrackingStatus::Delivered
            {
                return Some(HandoffReason::ConflictingFacts {
                    detail: format!(
                        "the platform marks {} delivered but {} says {}",
                        tracking.number,
                        tracking.carrier.display_name(),
                        tracking.status.describe()
                    ),
                });
            }
            if let (Some(shipped), Some(delivered)) =
                (shipment.fulfillment.shipped_at, tracking.delivered_at)
            {
                if delivered < shipped {
                    return Some(HandoffReason::ConflictingFacts {
                        detail: format!("{} delivered before it shipped", tracking.number),
                    });
                }
            }
            if let Some(scan) = tracking.last_scan_at() {
                if scan < self.order.created_at {
                    return Some(HandoffReason::StaleFacts {
                        detail: format!(
                            "the latest scan of {} predates order #{}",
                            tracking.number, self.order.number
                        ),
                    });
                }
            }
        }
        None
    }
}

impl ScriptInput<'_> {
    /// Times after `now` (beyond clock skew), or a parcel still on its way whose latest news is
    /// too old to repeat: an answer from these would be made up.
    fn impossible_for_now(&self) -> Option<HandoffReason> {
        let limit = self.now.checked_add(CLOCK_SKEW).unwrap_or(Timestamp::MAX);
        let stale = |detail: String| Some(HandoffReason::StaleFacts { detail });
        if self.order.created_at > limit {
            return stale(format!(
                "order #{} was placed after the current time",
                self.order.number
            ));
        }
        if let Some(cancelled) = self.order.cancelled_at.filter(|&t| t > limit) {
            return stale(format!(
                "order #{} is cancelled at {cancelled}, after the current time",
                self.order.number
            ));
        }
        for shipment in self.shipments {
            let tracking = &shipment.tracking;
            let times = [
                ("shipped", shipment.fulfillment.shipped_at),
                ("delivered", tracking.delivered_at),
                ("scanned", tracking.last_scan_at()),
            ];
            if let Some((what, _)) = times.iter().find(|(_, t)| t.is_some_and(|t| t > limit)) {
                return stale(format!(
                    "{} was {what} after the current time",
                    tracking.number
                ));
            }
            let on_its_way = !matches!(
                tracking.status,
                TrackingStatus::Delivered | TrackingStatus::ReturnedToSender
            );
            let last_news = tracking.last_scan_at().or(shipment.fulfillment.shipped_at);
            if on_its_way
                && last_news.is_some_and(|seen| {
                    self.now.duration_since(seen)
                        > SignedDuration::from_hours(24 * STALE_AFTER_DAYS)
                })
            {
                return stale(format!(
                    "{} has had no carrier news for over {STALE_AFTER_DAYS} days",
                    tracking.number
                ));
            }
        }
        None
    }
}

/// The last day the carrier expects to deliver on: the end of its window when it gives one,
/// else its estimate.
fn delivery_by(tracking: &Tracking) -> Option<Date> {
    match (tracking.estimated_delivery, tracking.estimated_delivery_end) {
        (Some(start), Some(end)) => Some(start.max(end)),
        (start, end) => end.or(start),
    }
}

/// The first day of the carrier's delivery window, when it gives a window of several days.
fn window_start(tracking: &Tracking) -> Option<Date> {
    match (tracking.estimated_delivery, tracking.estimated_delivery_end) {
        (Some(start), Some(end)) if start < end => Some(start),
        _ => None,
    }
}

/// Shop name and sign-off, in every template.
pub fn shop_context(policy: &Policy) -> Map<String, Value> {
    let mut context = Map::new();
    context.insert(
        "shop".into(),
        json!({"name": policy.shop_name, "sign_off": policy.sign_off}),
    );
    context
}

/// "A", "A and B", "A, B and 1 more item", "A, B and 3 more items".
pub fn summarize(titles: &[&str]) -> String {
    match titles {
        [] => "your items".to_owned(),
        [one] => (*one).to_owned(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => {
            let more = rest.len();
            format!(
                "{a}, {b} and {more} more item{}",
                if more == 1 { "" } else { "s" }
            )
        }
    }
}

pub use tracking::parcel_status;

/// Runs the script for `intent` (tracking, return, missing_item or cancel).
pub fn run(intent: Intent, input: &ScriptInput<'_>) -> ScriptResult {
    if let Some(stale) = input.impossible_for_now() {
        return ScriptResult::Handoff(stale);
    }
    // Nothing left on the order (no lines reported, or every one edited away): a reply could
    // only name "your items" or an empty list.
    if input.order.ordered_items().next().is_none() {
        return policy_handoff(
            "no_line_items",
            format!(
                "order #{} has no line items with a quantity",
                input.order.number
            ),
        );
    }
    match intent {
        Intent::Tracking => tracking::run(input),
        Intent::Return => returns::run(input),
        Intent::MissingItem => missing_item::run(input),
        Intent::Cancel => cancel::run(input),
        Intent::Other => ScriptResult::Handoff(HandoffReason::OutOfScope),
    }
}

/// Facts whose dates run off the calendar can only come from a broken feed.
fn impossible_date(order: &Order) -> ScriptResult {
    ScriptResult::Handoff(HandoffReason::StaleFacts {
        detail: format!(
            "order #{} has dates too far in the future to be real",
            order.number
        ),
    })
}

pub(crate) fn policy_handoff(rule: &'static str, detail: String) -> ScriptResult {
    debug_assert!(
        HandoffReason::NAMES.contains(&rule),
        "{rule} is missing from HandoffReason::NAMES"
    );
    ScriptResult::Handoff(HandoffReason::PolicyRequiresHuman { rule, detail })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_naturally() {
        assert_eq!(summarize(&["Dress"]), "Dress");
        assert_eq!(summarize(&["Dress", "Tote"]), "Dress and Tote");
        assert_eq!(
            summarize(&["Dress", "Tote", "Scarf"]),
            "Dress, Tote and 1 more item"
        );
        assert_eq!(summarize(&["A", "B", "C", "D"]), "A, B and 2 more items");
    }

    #[test]
    fn every_reply_situation_is_listed_once() {
        let mut ids: Vec<String> = REPLY_SITUATIONS
            .iter()
            .map(|(g, n)| format!("{g}/{n}"))
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), REPLY_SITUATIONS.len());
    }

    #[test]
    fn low_confidence_shows_the_digits_where_the_numbers_differ() {
        let reason = HandoffReason::from(crate::EscalationReason::LowConfidence {
            confidence: 0.9995,
            threshold: 0.9996,
        });
        assert_eq!(reason.to_string(), "low confidence (0.9995 < 0.9996)");
        let broken = HandoffReason::from(crate::EscalationReason::InvalidScores);
        assert_eq!(broken.code(), "invalid_scores");
    }
}
