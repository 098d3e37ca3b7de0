//! Target `facts`: bytes read by `arbitrary` as a small shop (see `story.rs`), answered for
//! every intent (forced with `Prediction::certain`) from three senders, under one of several
//! policies, with the platform or a carrier failing now and then.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use deskbot::adapters::{
    AdapterError, CarrierTracker, MemoryCarrierTracker, MemoryOrderPlatform, OrderPlatform,
};
use deskbot::carrier::Carrier;
use deskbot::respond::facts::{Order, Tracking};
use deskbot::respond::policy::Policy;
use deskbot::respond::Templates;
use deskbot::{Customer, Intent, Outcome, Prediction, Responder};
use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::checks::ShopFacts;
use super::mutate::Mutator;
use super::story::story;
use super::{count, outcome_label, Harness, Shared, Tally, Target};

/// Policy variants: the demo policy with these replacements (all keep `verify =
/// "sender_email"`, the rule the leak check holds replies to).
const POLICIES: &[&[(&str, &str)]] = &[
    &[],
    &[("mode = \"request\"", "mode = \"perform\"")],
    &[(
        "several_open_orders = \"ask\"",
        "several_open_orders = \"handoff\"",
    )],
    &[
        ("locale = \"en-US\"", "locale = \"en-GB\""),
        (
            "timezone = \"America/New_York\"",
            "timezone = \"Pacific/Kiritimati\"",
        ),
    ],
    &[
        (
            "allowed_while_unfulfilled = true",
            "allowed_while_unfulfilled = false",
        ),
        ("lookback = 5", "lookback = 1"),
    ],
];

/// Seeds: random byte strings (fixed), all zeros, all ones.
pub fn mutator() -> Mutator {
    let mut rng = StdRng::seed_from_u64(0xFAC7);
    let mut seeds: Vec<Vec<u8>> = (0..12)
        .map(|i| (0..256 << (i % 4)).map(|_| rng.random()).collect())
        .collect();
    seeds.push(vec![0; 512]);
    seeds.push(vec![0xFF; 512]);
    Mutator::new(seeds, &["{{", "None"], 8192)
}

/// Fresh random bytes half the time, else a mutated seed.
pub fn generate(shared: &Shared, rng: &mut StdRng) -> Vec<u8> {
    if rng.random_ratio(1, 2) {
        let len = rng.random_range(64..4096);
        (0..len).map(|_| rng.random()).collect()
    } else {
        shared.mutator(Target::Facts).input(rng)
    }
}

/// The generated shop as JSON, with the messages.
pub fn decode(shared: &Shared, input: &[u8]) -> String {
    let story = story(input, demo_now(shared), POLICIES.len());
    format!(
        "policy variant {}, now {}, platform down {}, failing parcel {:?}, messages {:?}\norders: {}\ntracking: {}",
        story.policy,
        story.now,
        story.platform_down,
        story.failing_number,
        story.messages,
        serde_json::to_string(&story.orders).unwrap_or_default(),
        serde_json::to_string(&story.tracking).unwrap_or_default()
    )
}

fn demo_now(shared: &Shared) -> Timestamp {
    Policy::from_toml("demo.toml".as_ref(), &shared.demo_policy)
        .expect("demo policy")
        .now()
}

/// The adapters of the shop under test, swapped for each input so that the responders (and
/// their templates) are built once per thread.
struct Swap {
    platform: Mutex<Arc<MemoryOrderPlatform>>,
    carriers: Mutex<Arc<MemoryCarrierTracker>>,
}

struct PlatformHandle(Arc<Swap>);
struct CarrierHandle(Arc<Swap>);

impl Swap {
    fn new() -> Self {
        Swap {
            platform: Mutex::new(Arc::new(MemoryOrderPlatform::new(Vec::new()))),
            carriers: Mutex::new(Arc::new(MemoryCarrierTracker::new(Vec::new()))),
        }
    }

    fn platform(&self) -> Arc<MemoryOrderPlatform> {
        Arc::clone(&self.platform.lock().expect("not poisoned"))
    }
    fn carriers(&self) -> Arc<MemoryCarrierTracker> {
        Arc::clone(&self.carriers.lock().expect("not poisoned"))
    }
}

#[async_trait]
impl OrderPlatform for PlatformHandle {
    fn name(&self) -> &str {
        "memory"
    }
    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
        self.0.platform().order_by_number(number).await
    }
    async fn recent_orders_by_email(
        &self,
        email: &str,
        limit: usize,
    ) -> Result<Vec<Order>, AdapterError> {
        self.0.platform().recent_orders_by_email(email, limit).await
    }
    async fn cancel_order(&self, number: &str, at: Timestamp) -> Result<Order, AdapterError> {
        self.0.platform().cancel_order(number, at).await
    }
}

#[async_trait]
impl CarrierTracker for CarrierHandle {
    fn name(&self) -> &str {
        "memory"
    }
    fn supports(&self, carrier: &Carrier) -> bool {
        self.0.carriers().supports(carrier)
    }
    async fn track(&self, carrier: &Carrier, number: &str) -> Result<Tracking, AdapterError> {
        self.0.carriers().track(carrier, number).await
    }
}

/// One responder per policy variant, all reading the swapped adapters.
pub struct FactsHarness {
    swap: Arc<Swap>,
    responders: Vec<(Responder, String)>,
    runtime: tokio::runtime::Runtime,
    demo_now: Timestamp,
    tally: Tally,
}

impl FactsHarness {
    /// Builds the responders.
    pub fn new(shared: &Shared) -> Self {
        let swap = Arc::new(Swap::new());
        let responders = POLICIES
            .iter()
            .map(|changes| {
                let mut text = shared.demo_policy.clone();
                for (from, to) in *changes {
                    assert!(text.contains(from), "the demo policy has {from}");
                    text = text.replace(from, to);
                }
                let policy = Policy::from_toml("variant.toml".as_ref(), &text).expect("variant");
                let responder = Responder::new(
                    Arc::clone(&shared.model),
                    Arc::new(PlatformHandle(Arc::clone(&swap))),
                    Arc::new(CarrierHandle(Arc::clone(&swap))),
                    policy,
                    Templates::load(&shared.root.join("templates")).expect("templates"),
                );
                (responder, format!("{}{text}", shared.public_text))
            })
            .collect();
        FactsHarness {
            swap,
            responders,
            runtime: super::Shared::runtime(),
            demo_now: demo_now(shared),
            tally: Tally::new(),
        }
    }
}

impl Harness for FactsHarness {
    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let story = story(input, self.demo_now, POLICIES.len());
        let (responder, public) = &self.responders[story.policy];
        let facts = ShopFacts::new(&story.orders, &story.tracking, public);
        for intent in Intent::ALL {
            for (sender, message) in &story.messages {
                // Fresh adapters for every answer: a cancel in `perform` mode changes the shop.
                let platform = MemoryOrderPlatform::new(story.orders.clone());
                if story.platform_down {
                    platform.set_failure(Some(AdapterError::unavailable("fuzz: platform down")));
                }
                let mut carriers = MemoryCarrierTracker::new(story.tracking.clone());
                if let Some(number) = &story.failing_number {
                    carriers = carriers.with_failure(number, AdapterError::unavailable("fuzz"));
                }
                *self.swap.platform.lock().expect("not poisoned") = Arc::new(platform);
                *self.swap.carriers.lock().expect("not poisoned") = Arc::new(carriers);
                let customer = Customer {
                    email: sender.clone(),
                };
                let outcome = self.runtime.block_on(responder.respond_to(
                    Prediction::certain(intent),
                    message,
                    &customer,
                    story.now,
                ));
                count(&mut self.tally, outcome_label(&outcome));
                let context = || format!("intent {intent}, sender {sender:?}, message {message:?}");
                if let Outcome::Handoff { reason, .. } = &outcome {
                    if story.clean && reason.code() == "template_failed" {
                        return Err(format!(
                            "a template failed on clean facts: {reason} ({})",
                            context()
                        ));
                    }
                }
                facts
                    .check(&outcome, sender.as_deref(), true)
                    .map_err(|e| format!("{e}\n({})", context()))?;
            }
        }
        Ok(())
    }

    fn tally(&self) -> Tally {
        self.tally.clone()
    }
}
