//! `deskbot replay`: past tickets through the whole responder (clean → classify → decide →
//! facts → script → template), strictly read-only, and a report of what deskbot would have
//! done.
//!
//! Read-only, fail closed, in three layers: the cancellation mode is forced to `request` so no
//! script asks for a cancel; the order platform is wrapped in a [`ReadOnlyPlatform`] that refuses
//! any write before it reaches the vendor; and no help desk, store or decision log is ever
//! opened.

mod input;
mod report;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use deskbot::adapters::ReadOnlyPlatform;
use deskbot::classify::dataset::{LabelMap, LabelRules, Unmapped};
use deskbot::classify::review::{sheet, ReviewError};
use deskbot::respond::policy::CancelMode;
use deskbot::{Customer, Responder};

use super::args::{DocumentFormat, ReplayArgs, UnmappedArg};
use super::reply::load_templates;
use super::{load_model_from, prepare_message, runtime, shop};
use input::LabelSettings;
use report::{ReadOnly, Report, TicketResult};

pub fn run(args: ReplayArgs) -> Result<()> {
    // Refused before any work: nothing is replayed for results that cannot be written.
    if let Some(out) = &args.out {
        sheet::check_destination(out, args.force).map_err(force_hint)?;
        // --force overwrites earlier results, never the tickets replayed.
        super::refuse_overwriting_input(
            "--out",
            out,
            std::iter::once(args.input.as_path()).chain(args.label_map.as_deref()),
        )?;
    }
    let labels = label_settings(&args)?;
    let input = describe_input(&args.input);
    let tickets = input::read_tickets(&args.input, &ticket_columns(&args), labels.as_ref())
        .with_context(|| format!("reading past tickets from {input}"))?;
    let model = load_model_from(&args.model, &args.thresholds)?;
    let templates = load_templates(args.templates.as_deref())?;
    let shop = shop::open(&args.shop)?;
    let mut policy = shop.config.policy;
    let configured_cancel_mode = policy.cancel_mode;
    policy.cancel_mode = CancelMode::Request;
    let platform = Arc::new(ReadOnlyPlatform::new(shop.connections.platform));
    let responder = Responder::new(
        Arc::new(model),
        platform.clone(),
        shop.connections.carriers,
        policy,
        templates,
    );
    let runtime = runtime()?;
    let mut results = Vec::with_capacity(tickets.len());
    for ticket in &tickets {
        let as_of = ticket
            .created_at
            .unwrap_or_else(|| responder.policy().now());
        let (message, _) = prepare_message(&ticket.text, args.no_clean);
        let customer = Customer {
            email: ticket.email.clone(),
        };
        let outcome = runtime.block_on(responder.respond_at(&message, &customer, as_of));
        results.push(TicketResult::new(ticket, outcome, as_of));
    }
    let dated = tickets.iter().filter(|t| t.created_at.is_some()).count();
    let report = Report::build(
        input,
        &results,
        dated,
        labels.as_ref().map(|l| l.column.as_str()),
        ReadOnly {
            configured_cancel_mode: cancel_mode_name(configured_cancel_mode),
            replayed_cancel_mode: cancel_mode_name(CancelMode::Request),
            refused_writes: platform.refused_writes(),
        },
    );
    if let Some(out) = &args.out {
        sheet::write_atomically(out, args.force, |file| {
            let mut writer = std::io::BufWriter::new(file);
            for result in &results {
                serde_json::to_writer(&mut writer, result)?;
                writer.write_all(b"\n")?;
            }
            writer.flush()
        })
        .map_err(force_hint)?;
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        DocumentFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        DocumentFormat::Text => report.write_text(&mut out)?,
    }
    Ok(())
}

fn ticket_columns(args: &ReplayArgs) -> input::TicketColumns {
    input::TicketColumns {
        text: args.text_column.clone(),
        ticket: args.ticket_column.clone(),
        email: args.email_column.clone(),
        created_at: args.created_at_column.clone(),
    }
}

fn label_settings(args: &ReplayArgs) -> Result<Option<LabelSettings>> {
    let (column, tags) = match (&args.tag_column, &args.intent_column) {
        (Some(column), _) => (column, true),
        (None, Some(column)) => (column, false),
        (None, None) => return Ok(None),
    };
    let map = args
        .label_map
        .as_deref()
        .map(|path| LabelMap::load(path).context("reading the label map"))
        .transpose()?;
    Ok(Some(LabelSettings {
        column: column.trim().to_owned(),
        tags,
        rules: LabelRules {
            map,
            unmapped: match args.unmapped {
                UnmappedArg::Error => Unmapped::Error,
                UnmappedArg::Other => Unmapped::Other,
                UnmappedArg::Skip => Unmapped::Skip,
            },
        },
    }))
}

fn describe_input(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

fn cancel_mode_name(mode: CancelMode) -> &'static str {
    match mode {
        CancelMode::Request => "request",
        CancelMode::Perform => "perform",
    }
}

/// Names the flag that overwrites, when the destination exists.
fn force_hint(error: ReviewError) -> anyhow::Error {
    match error {
        ReviewError::Exists { .. } => anyhow::anyhow!("{error} (--force overwrites it)"),
        error => error.into(),
    }
}
