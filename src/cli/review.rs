//! `deskbot review export|import`: the learning loop's sheet, from the decision log or files to
//! a person and back into training data.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use deskbot::classify::dataset::{rows_per_label, LabelMap, LabelRules, Unmapped};
use deskbot::classify::review::{
    self, select::Selection, sheet, ExportSettings, Imported, Predicted, ReviewError, ReviewMessage,
};
use deskbot::config::Config;
use deskbot::store::{DecisionRecord, StoreSettings};
use deskbot::Label;

use super::args::{
    DocumentFormat, ReviewArgs, ReviewCommand, ReviewExportArgs, ReviewImportArgs, ThresholdArgs,
    UnmappedArg,
};
use super::{load_model_from, percent, prepare_message, runtime};

pub fn run(args: ReviewArgs) -> Result<()> {
    match args.command {
        ReviewCommand::Export(args) => export(args),
        ReviewCommand::Import(args) => import(args),
    }
}

/// Names the flag that overwrites, when the destination exists.
fn force_hint(error: ReviewError) -> anyhow::Error {
    match error {
        ReviewError::Exists { .. } => anyhow::anyhow!("{error} (--force overwrites it)"),
        error => error.into(),
    }
}

fn export(args: ReviewExportArgs) -> Result<()> {
    // Refused before any work: nothing is read for a sheet that cannot be written.
    sheet::check_destination(&args.out, args.force).map_err(force_hint)?;
    // --force overwrites an earlier sheet, never the export the sheet is made from.
    super::refuse_overwriting_input("--out", &args.out, args.input.iter().map(PathBuf::as_path))?;
    let mut messages = Vec::new();
    let mut sources = Vec::new();
    if let Some(config) = &args.config {
        let (location, logged) = read_log(config, args.since, args.limit)?;
        sources.push(format!("{} from the decision log {location}", logged.len()));
        if logged.len() == args.limit as usize {
            eprintln!(
                "warning: read the first {} decisions (--limit){}; later ones are not on the sheet",
                args.limit,
                args.since
                    .map(|at| format!(" since {at}"))
                    .unwrap_or_default()
            );
        }
        messages.extend(logged);
    }
    let mut to_classify = Vec::new();
    for path in &args.input {
        let read = review::read_messages(path, &args.text_column, args.ticket_column.as_deref())
            .with_context(|| format!("reading messages from {}", path.display()))?;
        sources.push(format!("{} from {}", read.len(), path.display()));
        for message in read {
            match message.predicted {
                Some(predicted) => messages.push(ReviewMessage {
                    text: message.text,
                    ticket: message.ticket,
                    predicted,
                }),
                None => to_classify.push(message),
            }
        }
    }
    if !to_classify.is_empty() {
        let model = load_model_from(&args.model, &ThresholdArgs::default())?;
        let texts: Vec<String> = to_classify
            .iter()
            .map(|m| prepare_message(&m.text, args.no_clean).0)
            .collect();
        let predictions = model.classify_batch(&texts);
        for ((message, text), prediction) in to_classify.into_iter().zip(texts).zip(&predictions) {
            messages.push(ReviewMessage {
                text,
                ticket: message.ticket,
                predicted: Predicted::from_prediction(prediction),
            });
        }
    }

    let settings = ExportSettings::default()
        .audit(args.audit)
        .out_of_scope(args.out_of_scope)
        .seed(args.seed);
    let selection = review::select(&messages, &settings);
    sheet::write_atomically(&args.out, args.force, |file| {
        sheet::write_sheet(&selection.rows, file)
    })
    .map_err(force_hint)?;
    let too_long = sheet::over_cell_limit(&selection.rows);
    if too_long > 0 {
        eprintln!(
            "warning: {too_long} {} longer than the {} characters a spreadsheet cell holds; \
             Excel and LibreOffice cut {} when the sheet is opened, and saving it keeps the cut \
             text. Label {} in a text editor to keep {} whole.",
            if too_long == 1 {
                "message is"
            } else {
                "messages are"
            },
            sheet::CELL_LIMIT,
            if too_long == 1 { "it" } else { "them" },
            if too_long == 1 {
                "that row"
            } else {
                "those rows"
            },
            if too_long == 1 { "it" } else { "them" },
        );
    }
    write_export_summary(&mut std::io::stdout().lock(), &selection, &sources, &args)
}

/// The decision log's rows as messages to review, and the store's location for messages.
fn read_log(
    config: &Path,
    since: Option<jiff::Timestamp>,
    limit: u32,
) -> Result<(String, Vec<ReviewMessage>)> {
    let settings = Config::load_store(config)?;
    let location = settings.location();
    // Opening a SQLite store creates it; an export must not invent an empty log.
    if let StoreSettings::Sqlite { path } = &settings {
        if !path.is_file() {
            bail!(
                "no decision log at {} ([store] of {}); `deskbot serve` creates it",
                path.display(),
                config.display()
            );
        }
    }
    let records = runtime()?.block_on(async {
        let store = deskbot::store::open(&settings)
            .await
            .with_context(|| format!("opening the store {} names", config.display()))?;
        let records = store.decisions(since, limit).await?;
        anyhow::Ok(records)
    })?;
    let messages = records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            from_record(record).with_context(|| {
                format!(
                    "decision log {location}, decision {} (ticket {}, {})",
                    index + 1,
                    record.ticket_id.as_deref().unwrap_or("none"),
                    record.created_at
                )
            })
        })
        .collect::<Result<_>>()?;
    Ok((location, messages))
}

fn from_record(record: &DecisionRecord) -> Result<ReviewMessage> {
    let decision = review::LoggedDecision::parse(&record.decision).with_context(|| {
        format!(
            "decision {:?} is neither `automate` nor `escalate:<reason>`",
            record.decision
        )
    })?;
    let intent: Label = record.intent.parse().context("intent")?;
    let predicted = Predicted::from_scores(
        intent,
        record.confidence,
        record.scores.iter().map(|(_, p)| *p),
        decision,
    )
    .context("scores")?;
    // The text the model read; the full text only when cleaning left nothing.
    let text = if record.cleaned_text.trim().is_empty() {
        record.text.clone()
    } else {
        record.cleaned_text.clone()
    };
    Ok(ReviewMessage {
        text,
        ticket: record.ticket_id.clone(),
        predicted,
    })
}

fn write_export_summary(
    out: &mut impl Write,
    selection: &Selection,
    sources: &[String],
    args: &ReviewExportArgs,
) -> Result<()> {
    writeln!(
        out,
        "read {} messages ({})",
        selection.messages,
        sources.join(", ")
    )?;
    writeln!(
        out,
        "  escalated: {} low confidence, {} ambiguous, {} out of scope ({} sampled, seed {}); \
         {} for other reasons (not picked)",
        selection.low_confidence,
        selection.ambiguous,
        selection.out_of_scope,
        selection.out_of_scope_sampled,
        args.seed,
        selection.other_escalations
    )?;
    writeln!(
        out,
        "  automated: {}, of which {} sampled for the audit (seed {})",
        selection.automated, selection.audited, args.seed
    )?;
    if selection.blank > 0 {
        writeln!(
            out,
            "  blank: {} (no text to label, not picked)",
            selection.blank
        )?;
    }
    let audit_rows = selection
        .rows
        .iter()
        .filter(|r| r.reason == review::ReviewReason::Audit)
        .count();
    writeln!(
        out,
        "wrote {} rows to {} ({} to review, {} audit); fill in the `intent` column, then run \
         `deskbot review import --input {} --out FILE`",
        selection.rows.len(),
        args.out.display(),
        selection.rows.len() - audit_rows,
        audit_rows,
        args.out.display()
    )?;
    Ok(())
}

fn import(args: ReviewImportArgs) -> Result<()> {
    if let Some(out) = &args.out {
        sheet::check_destination(out, args.force).map_err(force_hint)?;
    }
    // Neither --force nor --append-to may write over a labelled sheet being read.
    let inputs = || {
        args.input
            .iter()
            .map(PathBuf::as_path)
            .chain(args.label_map.as_deref())
    };
    if let Some(out) = &args.out {
        super::refuse_overwriting_input("--out", out, inputs())?;
    }
    if let Some(training) = &args.append_to {
        super::refuse_overwriting_input("--append-to", training, inputs())?;
    }
    let mut rules = LabelRules {
        map: None,
        unmapped: match args.unmapped {
            UnmappedArg::Error => Unmapped::Error,
            UnmappedArg::Other => Unmapped::Other,
            UnmappedArg::Skip => Unmapped::Skip,
        },
    };
    if let Some(path) = &args.label_map {
        rules.map = Some(
            LabelMap::load(path)
                .with_context(|| format!("reading the label map {}", path.display()))?,
        );
    }
    let imported = review::import(&args.input, &rules, args.append_to.as_deref())
        .context("reading the labelled sheets")?;
    if imported.messages.is_empty() {
        bail!(
            "nothing to import: of {} rows, {} have an empty `intent`, {} repeat rows already \
             labelled and {} have a label that was skipped; nothing was written",
            imported.rows,
            imported.unlabelled,
            imported.duplicates,
            imported.labels.unmapped_skipped
        );
    }
    let destination = match (&args.out, &args.append_to) {
        (Some(out), _) => {
            sheet::write_atomically(out, args.force, |file| {
                sheet::write_training(&imported.messages, file)
            })
            .map_err(force_hint)?;
            out
        }
        (None, Some(training)) => {
            sheet::append_training(training, &imported.messages)?;
            training
        }
        (None, None) => unreachable!("clap requires --out or --append-to"),
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        DocumentFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&import_json(&imported, destination, &args))?
        )?,
        DocumentFormat::Text => write_import_summary(&mut out, &imported, destination, &args)?,
    }
    Ok(())
}

fn import_json(
    imported: &Imported,
    destination: &Path,
    args: &ReviewImportArgs,
) -> serde_json::Value {
    let per_intent: serde_json::Map<String, serde_json::Value> = rows_per_label(&imported.messages)
        .into_iter()
        .map(|(label, rows)| (label.as_str().to_owned(), rows.into()))
        .collect();
    let audit = &imported.audit;
    serde_json::json!({
        "rows": imported.rows,
        "unlabelled": imported.unlabelled,
        "duplicates": imported.duplicates,
        "labelled": imported.messages.len(),
        "per_intent": per_intent,
        "labels": {
            "mapped": imported.labels.mapped,
            "unmapped_as_other": imported.labels.unmapped_as_other,
            "unmapped_skipped": imported.labels.unmapped_skipped,
        },
        "audit": {
            "rows": audit.rows,
            "unlabelled_rows": audit.unlabelled_rows,
            "messages": audit.messages,
            "correct": audit.correct,
        },
        "live_precision": audit.live_precision().map(|p| serde_json::json!({
            "estimate": p.estimate,
            "low": p.low,
            "high": p.high,
            "confidence_level": 0.95,
            "method": "wilson",
        })),
        "out_of_scope": {
            "rows": imported.out_of_scope.rows,
            "unlabelled_rows": imported.out_of_scope.unlabelled_rows,
            "messages": imported.out_of_scope.messages,
            "labelled_other": imported.out_of_scope.correct,
        },
        "missed": imported.out_of_scope.missed().map(|p| serde_json::json!({
            "estimate": p.estimate,
            "low": p.low,
            "high": p.high,
            "confidence_level": 0.95,
            "method": "wilson",
        })),
        "written": destination.display().to_string(),
        "appended": args.append_to.is_some(),
    })
}

fn write_import_summary(
    out: &mut impl Write,
    imported: &Imported,
    destination: &Path,
    args: &ReviewImportArgs,
) -> Result<()> {
    writeln!(out, "read {} rows", imported.rows)?;
    if imported.unlabelled > 0 {
        writeln!(
            out,
            "  {} rows with an empty intent skipped",
            imported.unlabelled
        )?;
    }
    if imported.duplicates > 0 {
        writeln!(
            out,
            "  {} rows already labelled the same way dropped",
            imported.duplicates
        )?;
    }
    let labels = &imported.labels;
    if labels.mapped > 0 {
        writeln!(
            out,
            "  {} labels translated by the label map",
            labels.mapped
        )?;
    }
    if labels.unmapped_as_other > 0 {
        writeln!(
            out,
            "  {} unmapped labels read as `other`",
            labels.unmapped_as_other
        )?;
    }
    if labels.unmapped_skipped > 0 {
        writeln!(
            out,
            "  {} rows with an unmapped label skipped",
            labels.unmapped_skipped
        )?;
    }
    let counts: Vec<String> = rows_per_label(&imported.messages)
        .into_iter()
        .map(|(label, n)| format!("{label} {n}"))
        .collect();
    writeln!(
        out,
        "labelled {}: {}",
        imported.messages.len(),
        counts.join(", ")
    )?;
    let audit = &imported.audit;
    match audit.live_precision() {
        Some(p) => writeln!(
            out,
            "live precision of automated answers: {} ({} of {} audited messages labelled as \
             predicted), 95% interval {}–{} (Wilson)",
            percent(p.estimate),
            p.successes,
            p.trials,
            percent(p.low),
            percent(p.high)
        )?,
        None if audit.rows > 0 => writeln!(
            out,
            "live precision of automated answers: unknown (none of the {} audit rows is labelled)",
            audit.rows
        )?,
        None => writeln!(
            out,
            "live precision of automated answers: unknown (no audit rows)"
        )?,
    }
    if let Some(p) = imported.out_of_scope.missed() {
        writeln!(
            out,
            "out-of-scope escalations that were in scope: {} ({} of {} sampled messages), 95% \
             interval {}–{} (Wilson)",
            percent(p.estimate),
            p.successes,
            p.trials,
            percent(p.low),
            percent(p.high)
        )?;
    }
    if audit.unlabelled_rows > 0 && audit.messages > 0 {
        writeln!(
            out,
            "  warning: {} of {} audit rows are not labelled and not counted; label them all, \
             or the estimate leans toward the ones chosen",
            audit.unlabelled_rows, audit.rows
        )?;
    }
    let verb = if args.append_to.is_some() {
        "appended"
    } else {
        "wrote"
    };
    writeln!(
        out,
        "{verb} {} rows to {}",
        imported.messages.len(),
        destination.display()
    )?;
    Ok(())
}
