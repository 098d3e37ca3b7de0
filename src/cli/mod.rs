//! The `deskbot` command line: parse arguments, call the library, print results.

pub mod args;
mod carrier;
mod classify;
mod doctor;
mod eval;
mod lookup;
mod plot;
mod reply;
mod shop;
mod train;
mod tune;

use anyhow::{Context, Result};
use deskbot::{IntentModel, Thresholds};

pub use args::Cli;
use args::{Command, ModelArg, ThresholdArgs};

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => train::run(args),
        Command::Classify(args) => classify::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Tune(args) => tune::run(args),
        Command::Reply(args) => reply::run(args),
        Command::CheckTemplates(args) => reply::check_templates(args),
        Command::Carrier(args) => carrier::run(args),
        Command::Lookup(args) => lookup::run(args),
        Command::Doctor(args) => doctor::run(args),
    }
}

/// A runtime for one command's vendor calls.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The bundled model: `models/intent-model.json` as it was when this binary was built, so an
/// installed deskbot classifies from any directory.
const BUNDLED_MODEL: &[u8] = include_bytes!("../../models/intent-model.json");

/// What messages call the bundled model.
const BUNDLED_MODEL_NAME: &str = "<bundled model>";

/// Loads the model `--model` names (the bundled one by default), with `--max-model-bytes`, and
/// applies threshold overrides.
fn load_model_from(model: &ModelArg, overrides: &ThresholdArgs) -> Result<IntentModel> {
    let loaded = match &model.model {
        Some(path) => IntentModel::load_with(path, model.load_options()).with_context(|| {
            if path.exists() {
                format!("loading {}", path.display())
            } else {
                format!(
                    "loading {} (leave out --model for the bundled model, or train one with `deskbot train --out FILE`)",
                    path.display()
                )
            }
        })?,
        None => IntentModel::from_slice(BUNDLED_MODEL_NAME, BUNDLED_MODEL)?,
    };
    let thresholds = apply_overrides(loaded.thresholds().clone(), overrides)?;
    Ok(loaded.with_thresholds(thresholds)?)
}

/// The name of the model `--model` names, for messages.
fn model_name(model: &ModelArg) -> String {
    model.model.as_ref().map_or_else(
        || BUNDLED_MODEL_NAME.to_owned(),
        |p| p.display().to_string(),
    )
}

fn apply_overrides(mut thresholds: Thresholds, overrides: &ThresholdArgs) -> Result<Thresholds> {
    if let Some(default) = overrides.threshold {
        thresholds = thresholds.with_default(default);
        // A global override replaces tuned per-intent values; explicit ones follow below.
        thresholds.per_intent.clear();
    }
    for one in &overrides.intent_threshold {
        thresholds = thresholds.with_intent(one.intent, one.threshold);
    }
    if let Some(margin) = overrides.margin {
        thresholds = thresholds.with_ambiguity_margin(margin);
    }
    thresholds.check()?;
    Ok(thresholds)
}

/// Formats a share as a percentage with one decimal.
fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}
