//! `deskbot classify`: one message per argument, or a CSV `text` column (with its `id` column
//! passed through to JSON output).

use std::io::{BufWriter, Write};

use anyhow::{bail, Context, Result};
use deskbot::classify::clean::CleanedMessage;
use deskbot::classify::dataset::read_messages_in;
use deskbot::classify::model::{Explanation, Prediction};
use deskbot::{Decision, IntentModel};
use serde::Serialize;

use super::args::{ClassifyArgs, OutputFormat};
use super::{describe_cleaning, load_model_from, percent, prepare_message};

/// Features listed by `--explain`.
const EXPLAIN_TOP: usize = 8;

/// What joins a result back to its input row: the CSV's `id` column as written, else the
/// 1-based row number. Messages given as arguments have none (their results come in order).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
enum RowId {
    Column(String),
    Row(usize),
}

/// One message's JSON object: `id` first, when there is one, then the result's fields.
#[derive(Serialize)]
struct WithId<'a, T: Serialize> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RowId>,
    #[serde(flatten)]
    result: T,
}

pub fn run(args: ClassifyArgs) -> Result<()> {
    let (given, ids): (Vec<String>, Vec<Option<RowId>>) = match (&args.input, args.text.is_empty())
    {
        (Some(path), _) => read_messages_in(
            path,
            args.text_column.as_deref().unwrap_or("text"),
            args.id_column.as_deref(),
        )
            .with_context(|| format!("reading messages from {}", path.display()))?
            .into_iter()
            .map(|message| {
                let id = match message.id {
                    Some(id) => RowId::Column(id),
                    None => RowId::Row(message.row),
                };
                (message.text, Some(id))
            })
            .unzip(),
        (None, false) => args.text.iter().map(|text| (text.clone(), None)).unzip(),
        // `Cli::parse_checked` refuses this as a usage error; kept for callers that skip it.
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
            for (index, (((text, cleaned), prediction), id)) in results.zip(&ids).enumerate() {
                let line = if cleaned.is_none() && !args.explain && !args.with_text {
                    // The prediction's own field order, as before cleaning existed.
                    serde_json::to_string(&WithId {
                        id: id.as_ref(),
                        result: prediction,
                    })?
                } else {
                    let mut value =
                        json_value(&model, text, cleaned.as_ref(), prediction, args.explain)?;
                    if let Some(given) = echo(index) {
                        value["text"] = given.into();
                    }
                    serde_json::to_string(&WithId {
                        id: id.as_ref(),
                        result: value,
                    })?
                };
                writeln!(out, "{line}")?;
            }
        }
        OutputFormat::Json => {
            let all: Vec<WithId<serde_json::Value>> = results
                .zip(&ids)
                .enumerate()
                .map(|(index, (((text, cleaned), p), id))| {
                    let mut value = json_value(&model, text, cleaned.as_ref(), p, args.explain)?;
                    if let Some(given) = echo(index) {
                        value["text"] = given.into();
                    }
                    Ok(WithId {
                        id: id.as_ref(),
                        result: value,
                    })
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
        prediction.label,
        percent(prediction.confidence)
    )?;
    match prediction.decision {
        Decision::Automate => writeln!(out, "decision  automate")?,
        Decision::Escalate(reason) => writeln!(out, "decision  escalate: {reason}")?,
    }
    let scores: Vec<String> = prediction
        .scores
        .iter()
        .map(|s| format!("{} {}", s.label, percent(s.probability)))
        .collect();
    writeln!(out, "scores    {}", scores.join(" · "))?;
    Ok(())
}

fn write_explanation(out: &mut impl Write, explanation: &Explanation) -> Result<()> {
    let winner = explanation.prediction.scores[0].label;
    let runner_up = explanation.prediction.scores[1].label;
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
