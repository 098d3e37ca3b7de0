//! Fuzz targets for deskbot, on stable Rust: each turns bytes into one call of the library and
//! checks what came back. `examples/fuzz/main.rs` runs the long campaign; `tests/fuzz.rs`
//! includes this file for a short deterministic pass in `cargo test`.
//!
//! | target    | input                                   | calls                                   |
//! |-----------|-----------------------------------------|-----------------------------------------|
//! | `message` | sender choice + message text            | `Responder::respond_at` on the demo shop |
//! | `csv`     | CSV bytes                               | `Dataset::load`, `read_texts`            |
//! | `model`   | model JSON (seeded with a small model)  | `IntentModel::from_slice`, `classify`    |
//! | `policy`  | policy TOML                             | `Policy::from_toml`, every script        |
//! | `facts`   | bytes read by `arbitrary` as orders     | `Responder::respond_to`, every intent    |
//! | `carrier` | a tracking number                       | `carrier::detect`, `resolve`, `normalize` |
//! | `review`  | messages, a sheet or a label map        | `read_messages`, `select`, `import`      |
//!
//! Every input must run without a panic; every reply must be non-empty, hold no template
//! syntax that no fact holds, and state no fact of an order the sender was not shown to own.

#![allow(dead_code)]

mod carrier;
mod checks;
pub mod driver;
mod facts;
mod files;
mod message;
pub mod mutate;
mod review;
mod story;

use std::path::PathBuf;
use std::sync::Arc;

use deskbot::respond::facts::{Order, Tracking};
use deskbot::IntentModel;
use rand::rngs::StdRng;

use mutate::Mutator;

/// One fuzz target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Message text → classify and respond on the demo shop.
    Message,
    /// CSV bytes → dataset loading.
    Csv,
    /// Model JSON → model loading.
    Model,
    /// Policy TOML → policy loading.
    Policy,
    /// Random facts → every script and template.
    Facts,
    /// Strings → carrier detection.
    Carrier,
    /// Review files → the learning loop, export to import.
    Review,
}

/// Runs one target's inputs; one per thread, holding what is costly to set up.
pub trait Harness {
    /// Runs one input: `Err` names the invariant that failed.
    fn run(&mut self, input: &[u8]) -> Result<(), String>;

    /// How often each outcome was seen (situations, handoff reasons, load errors): shows
    /// what the inputs reached.
    fn tally(&self) -> Tally {
        Tally::new()
    }
}

/// Outcome label → how often it was seen.
pub type Tally = std::collections::BTreeMap<String, u64>;

/// Counts one outcome of `label`.
fn count(tally: &mut Tally, label: impl Into<String>) {
    *tally.entry(label.into()).or_default() += 1;
}

/// A reply's situation or a handoff's reason code.
fn outcome_label(outcome: &deskbot::Outcome) -> String {
    match outcome {
        deskbot::Outcome::Reply { situation, .. } => situation.clone(),
        deskbot::Outcome::Handoff {
            reason:
                deskbot::respond::scripts::HandoffReason::AdapterFailure {
                    operation, kind, ..
                },
            ..
        } => {
            // "track UPS 1Z…" names the parcel: keep the verb only.
            let operation = if operation.starts_with("track ") {
                "track"
            } else {
                operation
            };
            format!("handoff/adapter_failure ({operation}: {kind})")
        }
        deskbot::Outcome::Handoff {
            reason: deskbot::respond::scripts::HandoffReason::TemplateFailed { detail, .. },
            ..
        } => {
            let kind = if detail.contains("is missing") {
                "missing value"
            } else if detail.contains("unrendered template syntax") {
                "leftover syntax"
            } else if detail.contains("empty reply") {
                "empty"
            } else {
                "render error"
            };
            format!("handoff/template_failed ({kind})")
        }
        deskbot::Outcome::Handoff { reason, .. } => format!("handoff/{}", reason.code()),
    }
}

impl Target {
    /// Every target, in campaign order.
    pub const ALL: [Target; 7] = [
        Target::Message,
        Target::Csv,
        Target::Model,
        Target::Policy,
        Target::Facts,
        Target::Carrier,
        Target::Review,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::Message => "message",
            Target::Csv => "csv",
            Target::Model => "model",
            Target::Policy => "policy",
            Target::Facts => "facts",
            Target::Carrier => "carrier",
            Target::Review => "review",
        }
    }

    /// The target called `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Input number `rng` stands for.
    pub fn generate(self, shared: &Shared, rng: &mut StdRng) -> Vec<u8> {
        match self {
            Target::Message => message::generate(shared, rng),
            Target::Facts => facts::generate(shared, rng),
            _ => shared.mutator(self).input(rng),
        }
    }

    /// A fresh harness.
    pub fn harness(self, shared: &Shared) -> Box<dyn Harness + '_> {
        match self {
            Target::Message => Box::new(message::MessageHarness::new(shared)),
            Target::Csv => Box::new(files::CsvHarness::new()),
            Target::Model => Box::new(files::ModelHarness::default()),
            Target::Policy => Box::new(files::PolicyHarness::new(shared)),
            Target::Facts => Box::new(facts::FactsHarness::new(shared)),
            Target::Carrier => Box::new(carrier::CarrierHarness::default()),
            Target::Review => Box::new(review::ReviewHarness::new(shared)),
        }
    }

    /// `input` as the target reads it, for reports.
    pub fn decode(self, shared: &Shared, input: &[u8]) -> String {
        match self {
            Target::Message => message::decode(shared, input),
            Target::Facts => facts::decode(shared, input),
            _ => {
                String::from_utf8_lossy(input)
                    .chars()
                    .take(200)
                    .collect::<String>()
                    + "…"
            }
        }
    }
}

/// Wording replies get from the code rather than from facts or templates: parcel statuses,
/// carrier names, summaries, dates. A secret inside it tells nothing.
const CODE_WORDING: &str = "label created, waiting for the carrier to pick it up; in transit; \
    out for delivery; delivered; delivery attempted; held up by the carrier; being returned to \
    us; unknown; not shipped yet; partly shipped; shipped; your items; more items; USPS; UPS; \
    FedEx; DHL Express; DHL eCommerce; Royal Mail; Postal service; Monday Tuesday Wednesday \
    Thursday Friday Saturday Sunday; January February March April May June July August \
    September October November December";

/// What every thread reads: the repository's files, the models, the seed corpora.
pub struct Shared {
    /// The repository root.
    pub root: PathBuf,
    /// The bundled model (for the message target).
    pub model: Arc<IntentModel>,
    /// The demo shop's orders.
    pub demo_orders: Vec<Order>,
    /// The demo shop's tracking.
    pub demo_tracking: Vec<Tracking>,
    /// The demo shop's policy text.
    pub demo_policy: String,
    /// Text any reply may hold: every template source and the policy.
    pub public_text: String,
    mutators: Vec<(Target, Mutator)>,
}

impl Shared {
    /// Loads everything from the repository at `root`, and trains the small model that seeds
    /// the model target (well under a second).
    pub fn load(root: PathBuf) -> Shared {
        let read = |path: &str| {
            std::fs::read_to_string(root.join(path))
                .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
        };
        let demo_orders: Vec<Order> =
            serde_json::from_str(&read("examples/demo-shop/orders.json")).expect("demo orders");
        let demo_tracking: Vec<Tracking> =
            serde_json::from_str(&read("examples/demo-shop/tracking.json")).expect("demo tracking");
        let demo_policy = read("examples/demo-shop/deskbot.toml");
        let mut public_text = demo_policy.clone();
        public_text.push_str(CODE_WORDING);
        for (group, name) in deskbot::respond::scripts::REPLY_SITUATIONS {
            public_text.push_str(&read(&format!("templates/{group}/{name}.tera")));
        }
        let model = Arc::new(
            IntentModel::load(root.join("models/intent-model.json")).expect("bundled model"),
        );
        let mutators = vec![
            (
                Target::Message,
                message::mutator(&demo_orders, &demo_tracking),
            ),
            (Target::Csv, files::csv_mutator(&root)),
            (Target::Model, files::model_mutator(&root)),
            (Target::Policy, files::policy_mutator(&demo_policy)),
            (Target::Facts, facts::mutator()),
            (Target::Carrier, carrier::mutator(&demo_tracking)),
            (Target::Review, review::mutator()),
        ];
        Shared {
            root,
            model,
            demo_orders,
            demo_tracking,
            demo_policy,
            public_text,
            mutators,
        }
    }

    /// The mutator of `target`.
    pub fn mutator(&self, target: Target) -> &Mutator {
        &self
            .mutators
            .iter()
            .find(|(t, _)| *t == target)
            .expect("every target has a mutator")
            .1
    }

    /// A current-thread runtime for the async responder.
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime")
    }
}
