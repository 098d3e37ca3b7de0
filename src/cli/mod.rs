//! The `deskbot` command line: parse arguments, call the library, print results.

pub mod args;
mod carrier;
mod classify;
mod doctor;
mod eval;
mod jobs;
mod lookup;
mod plot;
mod replay;
mod reply;
mod review;
mod serve;
mod shop;
mod train;
mod tune;

use anyhow::{Context, Result};
use deskbot::classify::clean::{clean_message, CleanedMessage};
use deskbot::{IntentModel, Thresholds};

pub use args::Cli;
use args::{Command, ModelArg, ThresholdArgs};
pub use eval::RequirementNotMet;

/// Runs one command. `metrics` is the registry a `serve` counts into (shared with the tracing
/// layer that counts vendor calls).
pub fn run(cli: Cli, metrics: Option<std::sync::Arc<deskbot::serve::Metrics>>) -> Result<()> {
    match cli.command {
        Command::Train(args) => train::run(args),
        Command::Classify(args) => classify::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Tune(args) => tune::run(args),
        Command::Reply(args) => reply::run(args),
        Command::CheckTemplates(args) => reply::check_templates(args),
        Command::Replay(args) => replay::run(args),
        Command::Carrier(args) => carrier::run(args),
        Command::Lookup(args) => lookup::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Serve(args) => serve::run(args, metrics.unwrap_or_default()),
        Command::Jobs(args) => jobs::run(args),
        Command::Forget(args) => jobs::forget(args),
        Command::Review(args) => review::run(args),
    }
}

/// The message as the classifier should see it: cleaned (unless `--no-clean`), with what
/// cleaning did when it changed more than whitespace.
fn prepare_message(raw: &str, no_clean: bool) -> (String, Option<CleanedMessage>) {
    if no_clean {
        return (raw.to_owned(), None);
    }
    let cleaned = clean_message(raw);
    if cleaned.changed() {
        (cleaned.text.clone(), Some(cleaned))
    } else {
        // Only whitespace would differ; classify the message as given.
        (raw.to_owned(), None)
    }
}

/// The one-line summary of what cleaning did, for text output.
fn describe_cleaning(cleaned: &CleanedMessage) -> String {
    let mut done = Vec::new();
    if cleaned.was_html {
        done.push("HTML rendered as text");
    }
    if cleaned.removed_quote {
        done.push("quoted thread removed");
    }
    if cleaned.removed_signature {
        done.push("signature removed");
    }
    done.join(", ")
}

/// Refuses an output that is one of the files the command reads: a slip between two paths
/// (`--out` naming a `--data` CSV) would replace the data with the output. Compared as files,
/// so a link or another spelling of the path is caught too; an output that does not exist yet
/// cannot be an input.
fn refuse_overwriting_input<'a>(
    flag: &str,
    out: &std::path::Path,
    inputs: impl IntoIterator<Item = &'a std::path::Path>,
) -> Result<()> {
    let Ok(target) = std::fs::canonicalize(out) else {
        return Ok(());
    };
    for input in inputs {
        if std::fs::canonicalize(input).is_ok_and(|read| read == target) {
            anyhow::bail!(
                "{flag} {} is {}, which this command reads; write to another file",
                out.display(),
                if input == out {
                    "an input".to_owned()
                } else {
                    format!("the input {}", input.display())
                }
            );
        }
    }
    Ok(())
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
pub(crate) const BUNDLED_MODEL: &[u8] = include_bytes!("../../models/intent-model.json");

/// What messages call the bundled model.
pub(crate) const BUNDLED_MODEL_NAME: &str = "<bundled model>";

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
///
/// Never rounds up to 100.0% or down to 0.0% a share that is not exactly that: 99.96% is shown as
/// "99.96%", so a precision short of a 99.9% target is never shown as "100.0%".
fn percent(share: f64) -> String {
    let shown = format!("{:.1}%", share * 100.0);
    let misleading = (shown == "100.0%" && share < 1.0) || (shown == "0.0%" && share > 0.0);
    if !misleading {
        return shown;
    }
    for decimals in 2..=6 {
        let finer = format!("{:.*}%", decimals, share * 100.0);
        if finer != format!("{:.*}%", decimals, 100.0) && finer != format!("{:.*}%", decimals, 0.0)
        {
            return finer;
        }
    }
    if share < 1.0 && share > 0.5 {
        "99.99999%".to_owned()
    } else {
        "0.00001%".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn shares_close_to_the_ends_are_not_rounded_onto_them() {
        assert_eq!(percent(0.978), "97.8%");
        assert_eq!(percent(1.0), "100.0%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(0.9996), "99.96%");
        assert_eq!(percent(0.0004), "0.04%");
        assert_eq!(percent(0.999_999_999), "99.99999%");
    }
}
