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
//! # Cargo features
//!
//! | feature | what it adds | default |
//! |---|---|---|
//! | (none) | [`classify`]: analysis, TF-IDF, the model, decisions, training, evaluation; plain-text message cleaning ([`classify::clean::clean_text`]) | always |
//! | `clean` | `classify::clean::clean_message`: HTML mail bodies to text (html2text), quote and signature blocks dropped from the DOM | yes (and via `cli`) |
//! | `respond` | [`respond`] and [`adapters`]: facts, policy, scripts, templates, demo shop | via `cli` |
//! | `http` | the shared HTTP stack for vendor adapters (reqwest + rustls, retries, cache, limits) | via vendors |
//! | `shopify`, `woocommerce`, `magento`, `bigcommerce` | one order platform each (`platforms` = all four) | yes |
//! | `ups`, `usps`, `fedex`, `dhl` | one carrier tracker each (`carriers` = all four) | yes |
//! | `zendesk`, `gorgias` | one help desk each, with its webhook verification (`helpdesks` = both; hmac, base64, subtle) | yes |
//! | `store` | [`store`]: the job queue and decision log (SQLite, PostgreSQL; sqlx, SQLite bundled) | via `serve` |
//! | `serve` | [`serve`]: the webhook service (axum), workers, metrics; builds `helpdesks` | yes |
//! | `cli` | the `deskbot` binary | yes |
//! | `postgres-tests` | switches on the PostgreSQL store tests (they need the PostgreSQL server binaries) | no |
//!
//! ```no_run
//! let model = deskbot::IntentModel::load("models/intent-model.json")?;
//! let p = model.classify("where is my parcel?");
//! println!("{} {:.2} {:?}", p.intent.as_str(), p.confidence, p.decision);
//! # Ok::<(), deskbot::Error>(())
//! ```

#[cfg(feature = "respond")]
pub mod adapters;
pub mod carrier;
pub mod classify;
#[cfg(feature = "respond")]
pub mod config;
pub mod error;
#[cfg(feature = "respond")]
pub mod respond;
#[cfg(feature = "serve")]
pub mod serve;
#[cfg(feature = "store")]
pub mod store;

pub use classify::decision::{Decision, EscalationReason, LabelScore, Scores, Thresholds};
pub use classify::intent::Intent;
pub use classify::label::{CustomLabel, Label};
pub use classify::model::{IntentModel, Prediction, TrainParams};
pub use error::{Error, Result};
#[cfg(feature = "respond")]
pub use respond::{Customer, Outcome, Responder};

// What an adapter author needs to implement a trait, so they add no crates by hand.
#[cfg(feature = "respond")]
pub use async_trait::async_trait;
#[cfg(feature = "respond")]
pub use jiff;

/// The model file format version this build reads and writes.
pub const MODEL_VERSION: u32 = classify::model::artifact::MODEL_FORMAT_VERSION;
