//! deskbot: a first-line support engine for online shops.
//!
//! Messages are classified into an [`Intent`] with calibrated confidence; a [`Decision`] says
//! whether to answer automatically or hand to a human, and why. The [`Responder`] then gathers
//! order and shipment facts through [`adapters`], lets a script per intent pick a situation, and
//! renders the reply from a template, or hands off with the reason.
//!
//! The crate has two halves, visible in its modules: [`classify`] (text → intent → decision) and
//! [`respond`] (facts → script → template → outcome), with [`adapters`] at the edges and
//! [`carrier`] recognising tracking numbers.
//!
//! ```no_run
//! let model = deskbot::IntentModel::load("models/intent-model.json")?;
//! let p = model.classify("where is my parcel?");
//! println!("{} {:.2} {:?}", p.intent.as_str(), p.confidence, p.decision);
//! # Ok::<(), deskbot::Error>(())
//! ```

pub mod adapters;
pub mod carrier;
pub mod classify;
pub mod error;
pub mod respond;

pub use classify::decision::{Decision, EscalationReason, IntentScore, Thresholds};
pub use classify::intent::Intent;
pub use classify::model::{IntentModel, Prediction, TrainParams};
pub use error::{Error, Result};
pub use respond::{Customer, Outcome, Responder};

/// The model file format version this build reads and writes.
pub const MODEL_VERSION: u32 = classify::model::artifact::MODEL_FORMAT_VERSION;
