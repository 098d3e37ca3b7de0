//! deskbot: a first-line support engine for online shops.
//!
//! Messages are classified into an [`Intent`] with calibrated confidence; a [`Decision`] says
//! whether to answer automatically or hand to a human, and why. The [`respond::Responder`]
//! then gathers order and shipment facts through [`adapters`], lets a script per intent pick a
//! situation, and renders the reply from a template, or hands off with the reason.
//!
//! ```no_run
//! let model = deskbot::IntentModel::load("models/intent-model.json")?;
//! let p = model.classify("where is my parcel?");
//! println!("{} {:.2} {:?}", p.intent.as_str(), p.confidence, p.decision);
//! # Ok::<(), deskbot::Error>(())
//! ```

pub mod adapters;
pub mod carrier;
pub mod dataset;
pub mod decision;
pub mod demo;
pub mod error;
pub mod eval;
pub mod facts;
pub mod intent;
pub mod model;
pub mod plot;
pub mod policy;
pub mod respond;
pub mod scripts;
pub mod sparse;
pub mod text;
pub mod tune;
pub mod vectorizer;

pub use decision::{Decision, EscalationReason, IntentScore, Thresholds};
pub use error::{Error, Result};
pub use intent::Intent;
pub use model::{IntentModel, Prediction, TrainParams};
pub use respond::{Customer, Outcome, Responder};

/// The model file format version this build reads and writes.
pub const MODEL_VERSION: u32 = model::artifact::MODEL_FORMAT_VERSION;
