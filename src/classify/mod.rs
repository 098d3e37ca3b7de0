//! The classify half: text → analysis → TF-IDF → multinomial logistic regression → a probability
//! per intent → automate or escalate, plus training, tuning and evaluation. [`clean`] comes
//! first for mail: it reduces a message body to the customer's new text.
//!
//! No async, no HTTP, no templates: this builds with `default-features = false`.

pub mod clean;
pub mod compare;
pub mod dataset;
pub mod decision;
pub mod eval;
pub(crate) mod files;
pub mod intent;
pub mod label;
pub mod model;
pub mod review;
pub mod sparse;
pub mod stem_cache;
pub mod text;
pub mod tune;
pub mod vectorizer;
pub mod word_table;
