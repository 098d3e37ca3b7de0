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

use std::path::Path;

use anyhow::{Context, Result};
use deskbot::classify::model::LoadOptions;
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

/// Loads the model `--model` names, with `--max-model-bytes`, and applies threshold overrides.
fn load_model_from(model: &ModelArg, overrides: &ThresholdArgs) -> Result<IntentModel> {
    load_model_with(&model.model, model.load_options(), overrides)
}

fn load_model_with(
    path: &Path,
    options: LoadOptions,
    overrides: &ThresholdArgs,
) -> Result<IntentModel> {
    let model = IntentModel::load_with(path, options).with_context(|| {
        if path.exists() {
            format!("loading {}", path.display())
        } else {
            format!(
                "loading {} (run from the repository root, pass --model, or train one with `deskbot train`)",
                path.display()
            )
        }
    })?;
    let thresholds = apply_overrides(model.thresholds().clone(), overrides)?;
    Ok(model.with_thresholds(thresholds)?)
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
