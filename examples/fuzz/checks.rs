//! The invariants every answer must keep, whatever the input: a reply is never empty, never
//! shows template syntax that no fact brought in, and never states a fact of an order that the
//! sender was not shown to own.

use deskbot::carrier::normalize;
use deskbot::respond::facts::{Order, Tracking};
use deskbot::Outcome;

/// Template delimiters; a reply may only hold them inside a fact that contains them.
const SYNTAX: &[&str] = &["{{", "}}", "{%", "%}", "{#", "#}"];

/// Secrets shorter than this (in characters, trimmed) say too little to count as a leak.
const MIN_SECRET_CHARS: usize = 4;

/// What one order could give away, and everything it says.
#[derive(Debug, Clone)]
struct OrderFacts {
    number: String,
    email: String,
    /// Item titles, the city and tracking numbers: what a stranger must never read.
    secrets: Vec<String>,
    /// Every string of the order and its tracking, for telling a leak from a coincidence.
    strings: Vec<String>,
}

/// The facts of a shop, prepared for checking answers about them.
#[derive(Debug, Clone)]
pub struct ShopFacts {
    orders: Vec<OrderFacts>,
    /// Fact strings holding template syntax, ASCII-lowercased: a reply may show these.
    syntax_facts: Vec<String>,
    /// Text every reply may hold whoever asks: templates and policy wording.
    public: String,
}

/// Whether two e-mail addresses are the same mailbox (trimmed, case folded): the rule the
/// responder must apply, written out again here so the check does not trust the code it checks.
pub fn same_mailbox(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.to_lowercase() == b.to_lowercase()
}

fn strings_of(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => out.push(text.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|item| strings_of(item, out)),
        serde_json::Value::Object(map) => map.values().for_each(|item| strings_of(item, out)),
        _ => {}
    }
}

impl ShopFacts {
    /// Prepares `orders` and what the carrier says about their parcels (`tracking`); `public`
    /// is text any reply may contain (template sources, policy wording).
    pub fn new(orders: &[Order], tracking: &[Tracking], public: &str) -> Self {
        let mut syntax_facts = Vec::new();
        let orders = orders
            .iter()
            .map(|order| {
                let numbers: Vec<String> = order
                    .fulfillments
                    .iter()
                    .flat_map(|f| &f.tracking_numbers)
                    .cloned()
                    .collect();
                let mut strings = Vec::new();
                strings_of(
                    &serde_json::to_value(order).expect("orders serialise"),
                    &mut strings,
                );
                for t in tracking
                    .iter()
                    .filter(|t| numbers.iter().any(|n| normalize(n) == normalize(&t.number)))
                {
                    strings_of(
                        &serde_json::to_value(t).expect("tracking serialises"),
                        &mut strings,
                    );
                }
                let mut secrets: Vec<String> =
                    order.line_items.iter().map(|i| i.title.clone()).collect();
                secrets.extend(order.destination.iter().map(|d| d.city.clone()));
                secrets.extend(numbers);
                for text in &strings {
                    if SYNTAX.iter().any(|s| text.contains(s)) {
                        syntax_facts.push(text.to_ascii_lowercase());
                    }
                }
                OrderFacts {
                    number: order.number.clone(),
                    email: order.email.clone(),
                    secrets,
                    strings,
                }
            })
            .collect();
        // Longest first, so a fact that contains another is removed whole.
        syntax_facts.sort_by_key(|s| std::cmp::Reverse(s.len()));
        ShopFacts {
            orders,
            syntax_facts,
            public: public.to_owned(),
        }
    }

    /// Checks `outcome`, the answer to `sender`; `privacy` is false under a policy that does
    /// not ask for a verified sender.
    pub fn check(
        &self,
        outcome: &Outcome,
        sender: Option<&str>,
        privacy: bool,
    ) -> Result<(), String> {
        match outcome {
            Outcome::Handoff { note, .. } => {
                if note.trim().is_empty() {
                    return Err("empty handoff note".into());
                }
                Ok(())
            }
            Outcome::Reply {
                text,
                facts,
                situation,
                ..
            } => {
                // What a carrier said about a parcel asked for by number is a fact too.
                let mut syntax_facts = self.syntax_facts.clone();
                for parcel in &facts.parcels {
                    strings_of(
                        &serde_json::to_value(parcel).expect("tracking serialises"),
                        &mut syntax_facts,
                    );
                }
                // Compared lower-cased, as `check_text` reads the reply; longest first, so a
                // short fact (`{{`) does not split a longer one.
                for fact in &mut syntax_facts {
                    fact.make_ascii_lowercase();
                }
                syntax_facts.sort_by_key(|fact| std::cmp::Reverse(fact.len()));
                check_text(text, &syntax_facts)
                    .map_err(|e| format!("{e} (situation {situation})\nreply: {text:?}"))?;
                if !privacy {
                    return Ok(());
                }
                let owns = |email: &str| sender.is_some_and(|s| same_mailbox(email, s));
                if let Some(order) = facts.orders.iter().find(|o| !owns(&o.email)) {
                    return Err(format!(
                        "reply facts hold order #{} ({}) for sender {sender:?} (situation {situation})",
                        order.number, order.email
                    ));
                }
                let owned: Vec<&OrderFacts> =
                    self.orders.iter().filter(|o| owns(&o.email)).collect();
                if let Some(shipment) = facts.shipments.iter().find(|s| {
                    !owned.iter().any(|o| {
                        o.secrets
                            .iter()
                            .any(|n| normalize(n) == normalize(&s.tracking.number))
                    })
                }) {
                    return Err(format!(
                        "reply facts hold parcel {} of no order of sender {sender:?} (situation {situation})",
                        shipment.tracking.number
                    ));
                }
                // A parcel tracked by number alone must be one the sender wrote; what its carrier
                // says about it (a scan's place, say) is theirs to read, as on the carrier's site.
                let mut carrier_said = Vec::new();
                for parcel in &facts.parcels {
                    if !facts
                        .tracking_numbers_in_message
                        .iter()
                        .any(|asked| normalize(asked) == normalize(&parcel.number))
                    {
                        return Err(format!(
                            "reply tracks parcel {} that the message did not name (situation {situation})",
                            parcel.number
                        ));
                    }
                    strings_of(
                        &serde_json::to_value(parcel).expect("tracking serialises"),
                        &mut carrier_said,
                    );
                }
                for order in self.orders.iter().filter(|o| !owns(&o.email)) {
                    for secret in order.secrets.iter().map(|s| s.trim()) {
                        // A reply may repeat a tracking number the message gave, and that
                        // number may happen to contain another order's (a 10-digit DHL number
                        // inside a valid UPS one): the sender wrote it, so it tells nothing.
                        let echoed = facts
                            .tracking_numbers_in_message
                            .iter()
                            .any(|asked| asked.contains(&normalize(secret)));
                        let telling = secret.chars().count() >= MIN_SECRET_CHARS
                            && !self.public.contains(secret)
                            && !carrier_said.iter().any(|s| s.contains(secret))
                            && !owned
                                .iter()
                                .any(|o| o.strings.iter().any(|s| s.contains(secret)));
                        if telling && !echoed && text.contains(secret) {
                            return Err(format!(
                                "reply tells sender {sender:?} {secret:?} of order #{} ({}) (situation {situation})\nreply: {text:?}",
                                order.number, order.email
                            ));
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// A reply is not blank and holds no template syntax beyond the facts that contain it.
pub fn check_text(text: &str, syntax_facts: &[String]) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("empty reply".into());
    }
    if !SYNTAX.iter().any(|s| text.contains(s)) {
        return Ok(());
    }
    // ASCII lowercase keeps byte offsets, and catches facts that were upper-cased on the way
    // (currency codes).
    let mut rest = text.to_ascii_lowercase();
    for fact in syntax_facts {
        rest = rest.replace(fact.as_str(), "\u{1}");
    }
    match SYNTAX.iter().find(|s| rest.contains(*s)) {
        Some(syntax) => Err(format!(
            "reply holds template syntax {syntax:?} that no fact holds"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskbot::respond::facts::{FinancialStatus, Fulfillment, FulfillmentStatus, LineItem};
    use deskbot::respond::Facts;
    use deskbot::Intent;

    fn toms_order() -> Order {
        Order {
            id: "o".into(),
            number: "1008".into(),
            email: "tom@example.com".into(),
            created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            financial_status: FinancialStatus::Paid,
            fulfillment_status: FulfillmentStatus::Fulfilled,
            cancelled_at: None,
            line_items: vec![LineItem {
                id: "li".into(),
                title: "Quillonette Scarf".into(),
                quantity: 1,
            }],
            shipping_method: None,
            destination: None,
            fulfillments: vec![Fulfillment {
                id: "f".into(),
                items: Vec::new(),
                tracking_numbers: vec!["7465097080".into()],
                carrier: None,
                tracking_urls: Vec::new(),
                shipped_at: None,
                platform_status: None,
                items_known: true,
            }],
            return_status: None,
            total: None,
        }
    }

    fn reply(text: &str, asked: &[&str]) -> Outcome {
        Outcome::Reply {
            text: text.into(),
            intent: Intent::Tracking,
            confidence: 1.0,
            situation: "common/unknown_tracking_number".into(),
            follow_up: None,
            facts: Facts {
                tracking_numbers_in_message: asked.iter().map(|n| n.to_string()).collect(),
                ..Facts::default()
            },
        }
    }

    #[test]
    fn another_orders_facts_are_a_leak_unless_the_sender_wrote_them() {
        let shop = ShopFacts::new(&[toms_order()], &[], "Hi, {{ x }}");
        let lena = Some("lena@example.com");
        let leak = reply("Your Quillonette Scarf is on its way", &[]);
        assert!(shop.check(&leak, lena, true).is_err());
        assert!(shop.check(&leak, Some(" TOM@example.com "), true).is_ok());
        let parcel = reply("Parcel 7465097080 is on its way", &[]);
        assert!(shop.check(&parcel, lena, true).is_err());
        // Lena typed a valid UPS number that happens to contain Tom's DHL number.
        let echo = reply(
            "I couldn't find tracking number 1ZE77465097080V218",
            &["1ZE77465097080V218"],
        );
        assert!(shop.check(&echo, lena, true).is_ok());
    }

    #[test]
    fn template_syntax_only_where_a_fact_holds_it() {
        assert!(check_text("Hi {{ name }}", &[]).is_err());
        assert!(check_text("Your {{ mug }} ships", &["{{ mug }}".into()]).is_ok());
        assert!(check_text("  \n", &[]).is_err());
    }
}
