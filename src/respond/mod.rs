//! The respond half: facts about orders and parcels, the shop's policy, a script per intent that
//! picks a situation, strict templates that render it, and the responder that runs them in turn.

pub mod demo;
pub mod extract;
pub mod facts;
pub mod holidays;
mod outcome;
pub mod policy;
mod responder;
pub mod scripts;
mod templates;
pub mod verify;

#[cfg(feature = "serve")]
pub(crate) use outcome::handoff_note;
pub use outcome::{Customer, Facts, Outcome, Routing};
pub use responder::{Answerer, Responder};
pub use templates::{TemplateCheck, TemplateError, Templates, BUNDLED_ORIGIN};
