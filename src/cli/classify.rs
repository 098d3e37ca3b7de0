//! `deskbot classify`: one message per argument, or a CSV `text` column.

use std::io::{BufWriter, Write};

use anyhow::{bail, Context, Result};
use deskbot::classify::clean::CleanedMessage;
use deskbot::classify::dataset::read_texts;
use deskbot::classify::model::{Explanation, Prediction};
use deskbot::{Decision, IntentModel};

use super::args::{ClassifyArgs, OutputFormat};
use super::{describe_cleaning, load_model_from, percent, prepare_message};

/// Features listed by `--explain`.
const EXPLAIN_TOP: usize = 8;

pub fn run(args: ClassifyArgs) -> Result<()> {
    let given = match (&args.input, args.text.is_empty()) {
        (Some(path), _) => {
            read_texts(path).with_context(|| format!("reading messages from {}", path.display()))?
        }
        (None, false) => args.text.clone(),
        (None, true) => bail!("nothing to classify: give a message, e.g. deskbot classify \"where is my order?\", or --input FILE.csv"),
    };
    let model = load_model_from(&args.model, &args.thresholds)?;
    let (texts, cleanings): (Vec<String>, Vec<Option<CleanedMessage>>) = given
        .iter()
        .map(|text| prepare_message(text, args.no_clean))
        .unzip();
    let predictions = model.classify_batch(&texts);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let results = texts.iter().zip(&cleanings).zip(&predictions);
    // With --with-text, the message as given goes into the JSON too.
    let echo = |index: usize| args.with_text.then(|| given[index].as_str());
    match args.format {
        OutputFormat::Jsonl => {
            for (index, ((text, cleaned), prediction)) in results.enumerate() {
                let line = if cleaned.is_none() && !args.explain && !args.with_text {
                    // The prediction's own field order, as before cleaning existed.
                    serde_json::to_string(prediction)?
                } else {
                    let mut value =
                        json_value(&model, text, cleaned.as_ref(), prediction, args.explain)?;
                    if let Some(given) = echo(index) {
                        value["text"] = given.into();
                    }
                    serde_json::to_string(&value)?
                };
                writeln!(out, "{line}")?;
            }
        }
        OutputFormat::Json => {
            let all: Vec<serde_json::Value> = results
                .enumerate()
                .map(|(index, ((text, cleaned), p))| {
                    let mut value = json_value(&model, text, cleaned.as_ref(), p, args.explain)?;
                    if let Some(given) = echo(index) {
                        value["text"] = given.into();
                    }
                    Ok(value)
                })
                .collect::<Result<_>>()?;
            writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
        }
        OutputFormat::Text => {
            for (index, ((text, cleaned), prediction)) in results.enumerate() {
                if index > 0 {
                    writeln!(out)?;
                }
                write_human(&mut out, text, cleaned.as_ref(), prediction)?;
                if args.explain {
                    write_explanation(&mut out, &model.explain(text, EXPLAIN_TOP))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// One message's JSON: the prediction, `cleaned` when cleaning changed the message, and the
/// features with `--explain`.
fn json_value(
    model: &IntentModel,
    text: &str,
    cleaned: Option<&CleanedMessage>,
    prediction: &Prediction,
    explain: bool,
) -> Result<serde_json::Value> {
    let mut value = serde_json::to_value(prediction)?;
    if let Some(cleaned) = cleaned {
        value["cleaned"] = serde_json::to_value(cleaned)?;
    }
    if explain {
        let explanation = model.explain(text, EXPLAIN_TOP);
        value["features"] = serde_json::to_value(&explanation.contributions)?;
    }
    Ok(value)
}

fn write_human(
    out: &mut impl Write,
    text: &str,
    cleaned: Option<&CleanedMessage>,
    prediction: &Prediction,
) -> Result<()> {
    let shown: String = text.chars().take(100).collect();
    let ellipsis = if shown.len() < text.len() { "…" } else { "" };
    writeln!(out, "message   {shown}{ellipsis}")?;
    if let Some(cleaned) = cleaned {
        writeln!(out, "cleaned   {}", describe_cleaning(cleaned))?;
    }
    writeln!(
        out,
        "intent    {} ({})",
        prediction.intent,
        percent(prediction.confidence)
    )?;
    match prediction.decision {
        Decision::Automate => writeln!(out, "decision  automate")?,
        Decision::Escalate(reason) => writeln!(out, "decision  escalate: {reason}")?,
    }
    let scores: Vec<String> = prediction
        .scores
        .iter()
        .map(|s| format!("{} {}", s.intent, percent(s.probability)))
        .collect();
    writeln!(out, "scores    {}", scores.join(" · "))?;
    Ok(())
}

fn write_explanation(out: &mut impl Write, explanation: &Explanation) -> Result<()> {
    let winner = explanation.prediction.scores[0].intent;
    let runner_up = explanation.prediction.scores[1].intent;
    writeln!(out, "why       features pushing {winner} over {runner_up}:")?;
    if explanation.contributions.is_empty() {
        writeln!(out, "          (no known features; only the intercepts)")?;
    }
    for contribution in &explanation.contributions {
        writeln!(
            out,
            "          {:+.3}  {}",
            contribution.weight, contribution.feature
        )?;
    }
    writeln!(out, "          {:+.3}  (intercepts)", explanation.bias)?;
    Ok(())
}
