//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use deskbot::classify::dataset::Dataset;

#[cfg(feature = "respond")]
mod shop;
#[cfg(feature = "respond")]
#[allow(unused_imports)]
pub use shop::*;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled training data.
pub fn training_data() -> Dataset {
    Dataset::load(&root().join("training-data")).expect("bundled training data loads")
}

/// Every `step`-th message of the bundled data: a small, varied, real set.
pub fn sample(step: usize) -> Dataset {
    let mut data = training_data();
    data.messages = data.messages.into_iter().step_by(step).collect();
    data
}

/// Writes `rows` as a `text,intent` CSV.
pub fn write_csv(path: &Path, rows: &[(&str, &str)]) {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(["text", "intent"]).unwrap();
    for (text, intent) in rows {
        writer.write_record([text, intent]).unwrap();
    }
    writer.flush().unwrap();
}
