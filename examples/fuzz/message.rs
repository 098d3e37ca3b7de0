//! Target `message`: a message from one of four senders, classified by the bundled model and
//! answered from the demo shop at the policy's frozen clock.
//!
//! Input: one selector byte, then the message. The selector picks an order of the demo shop
//! and who writes about it: nobody (no sender address), the order's customer, another demo
//! customer, or the customer's address in odd case with spaces around it.

use std::sync::Arc;

use deskbot::respond::demo::{DemoShop, DEMO_CASES};
use deskbot::respond::facts::{Order, Tracking};
use deskbot::respond::Templates;
use deskbot::{Customer, Responder};
use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::Rng;

use super::checks::ShopFacts;
use super::mutate::Mutator;
use super::{count, outcome_label, Harness, Shared, Tally, Target};

/// Longest message generated.
const MAX_LEN: usize = 2048;

/// Messages real customers send, beyond the demo stories.
const SEED_MESSAGES: &[&str] = &[
    "where is my order?",
    "Where is order #1006",
    "where is order #1001? I am jane@example.com",
    "Hi, I am chen@example.com, cancel #1006",
    "please cancel order 1002",
    "I want to return the dress from order #1004, it doesn't fit",
    "my parcel 1ZE7V2180355089359 never came",
    "any news on 9400111104639405802109?",
    "the shade wasn't in the box, order #1006",
    "",
    "   ",
    "?!",
    "🙂",
    "order #1009 and #1010, where are they",
    "Bonjour, où est ma commande 1007 ?",
    "WHERE IS MY STUFF #1011 #1011 #1011",
];

/// The message mutator: demo stories and customer messages, with the shop's order numbers,
/// addresses and tracking numbers as dictionary tokens.
pub fn mutator(orders: &[Order], tracking: &[Tracking]) -> Mutator {
    let seeds = DEMO_CASES
        .iter()
        .map(|case| case.message)
        .chain(SEED_MESSAGES.iter().copied())
        .map(|m| m.as_bytes().to_vec())
        .collect();
    let mut tokens: Vec<String> = Vec::new();
    for order in orders {
        tokens.push(format!("#{}", order.number));
        tokens.push(format!("order {}", order.number));
        tokens.push(order.email.clone());
        tokens.extend(order.destination.iter().filter_map(|d| d.postcode.clone()));
    }
    tokens.extend(tracking.iter().map(|t| t.number.clone()));
    tokens.extend(
        [
            "where is",
            "cancel",
            "return",
            "missing",
            "not in the box",
            "refund",
        ]
        .map(String::from),
    );
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    Mutator::new(seeds, &tokens, MAX_LEN)
}

/// A selector byte, then a mutated message; half the time the message also names the selected
/// order (its number or a parcel's tracking number), so that strangers ask about it.
pub fn generate(shared: &Shared, rng: &mut StdRng) -> Vec<u8> {
    let selector = rng.random::<u8>();
    let mut message = shared.mutator(Target::Message).input(rng);
    if rng.random_ratio(1, 2) {
        let order = subject(shared, selector);
        let parcel = order
            .fulfillments
            .iter()
            .flat_map(|f| &f.tracking_numbers)
            .next();
        let mention = match (rng.random_range(0..3), parcel) {
            (0, Some(number)) => format!(" {number} "),
            (1, _) => format!(" order {} ", order.number),
            _ => format!(" #{} ", order.number),
        };
        let at = rng.random_range(0..=message.len());
        message.splice(at..at, mention.into_bytes());
    }
    let mut input = vec![selector];
    input.extend(message);
    input
}

/// The demo order the selector byte picks.
fn subject(shared: &Shared, selector: u8) -> &Order {
    &shared.demo_orders[usize::from(selector >> 2) % shared.demo_orders.len()]
}

/// Who writes, about which order.
struct Case {
    sender: Option<String>,
    message: String,
}

fn read(shared: &Shared, customers: &[String], input: &[u8]) -> Case {
    let selector = input.first().copied().unwrap_or(0);
    let message = String::from_utf8_lossy(input.get(1..).unwrap_or(&[])).into_owned();
    let owner = &subject(shared, selector).email;
    let sender = match selector & 3 {
        0 => None,
        1 => Some(owner.clone()),
        2 => {
            let at = customers.iter().position(|c| c == owner).unwrap_or(0);
            let step = 1 + usize::from(selector >> 6);
            Some(customers[(at + step) % customers.len()].clone())
        }
        _ => Some(odd_case(owner, selector)),
    };
    Case { sender, message }
}

/// `email` with alternate letters upper-cased and blanks around it, as some channels pass it.
fn odd_case(email: &str, selector: u8) -> String {
    let cased: String = email
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == usize::from(selector & 4 == 0) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    let pad = ["  ", "\t", "\u{a0}", " \n"][usize::from(selector >> 6)];
    format!("{pad}{cased}{pad}")
}

fn customers(orders: &[Order]) -> Vec<String> {
    let mut emails: Vec<String> = orders.iter().map(|o| o.email.clone()).collect();
    emails.sort();
    emails.dedup();
    emails
}

/// The input as sender and message.
pub fn decode(shared: &Shared, input: &[u8]) -> String {
    let case = read(shared, &customers(&shared.demo_orders), input);
    format!("sender {:?}, message {:?}", case.sender, case.message)
}

/// The demo shop's responder, with the facts it answers from.
pub struct MessageHarness<'a> {
    shared: &'a Shared,
    responder: Responder,
    runtime: tokio::runtime::Runtime,
    now: Timestamp,
    customers: Vec<String>,
    facts: ShopFacts,
    tally: Tally,
}

impl<'a> MessageHarness<'a> {
    /// Loads the demo shop and templates.
    pub fn new(shared: &'a Shared) -> Self {
        let shop =
            DemoShop::load(&shared.root.join("examples/demo-shop"), None).expect("demo shop");
        let now = shop.policy.now();
        let responder = Responder::new(
            Arc::clone(&shared.model),
            Arc::new(shop.platform),
            Arc::new(shop.carriers),
            shop.policy,
            Templates::load(&shared.root.join("templates")).expect("templates"),
        );
        MessageHarness {
            shared,
            responder,
            runtime: Shared::runtime(),
            now,
            customers: customers(&shared.demo_orders),
            facts: ShopFacts::new(
                &shared.demo_orders,
                &shared.demo_tracking,
                &shared.public_text,
            ),
            tally: Tally::new(),
        }
    }
}

impl Harness for MessageHarness<'_> {
    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let case = read(self.shared, &self.customers, input);
        let customer = Customer {
            email: case.sender.clone(),
        };
        let outcome = self.runtime.block_on(self.responder.respond_at(
            &case.message,
            &customer,
            self.now,
        ));
        count(&mut self.tally, outcome_label(&outcome));
        if let Some(reason) = outcome.handoff_reason() {
            if reason.code() == "template_failed" {
                return Err(format!(
                    "a template failed on the demo shop's facts: {reason}"
                ));
            }
        }
        self.facts.check(&outcome, case.sender.as_deref(), true)
    }

    fn tally(&self) -> Tally {
        self.tally.clone()
    }
}
