//! `deskbot tune`: re-tune an existing model for another target precision.

use std::io::Write;

use anyhow::{Context, Result};
use deskbot::classify::model::artifact::check_writable;
use deskbot::classify::tune::TuningReport;

use super::args::{DocumentFormat, ThresholdArgs, TuneArgs};
use super::{load_model_from, model_name, percent};

pub fn run(args: TuneArgs) -> Result<()> {
    // clap requires one of --out and --in-place and refuses both; `Cli::parse_checked`
    // refuses --in-place without --model.
    let out_path = args
        .destination()
        .context("--in-place needs --model FILE")?;
    check_writable(out_path)?;
    let overrides = ThresholdArgs {
        margin: args.margin,
        ..ThresholdArgs::default()
    };
    let mut model = load_model_from(&args.model, &overrides)?;
    let report = model
        .retune(args.target_precision)
        .with_context(|| format!("tuning {}", model_name(&args.model)))?;
    model.save(out_path)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        DocumentFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        DocumentFormat::Text => {
            write_tuning(&mut out, &report)?;
            writeln!(out, "wrote {}", out_path.display())?;
        }
    }
    Ok(())
}

pub fn write_tuning(out: &mut impl Write, report: &TuningReport) -> Result<()> {
    writeln!(
        out,
        "thresholds for {} cross-validated precision:",
        percent(report.target_precision)
    )?;
    for tuning in &report.intents {
        let note = if tuning.target_met {
            String::new()
        } else {
            "  (target unreachable: always escalated)".to_owned()
        };
        writeln!(
            out,
            "  {:<13} {:.3}  automates {:>5}  precision {:>6}  coverage {:>6}{note}",
            tuning.intent.as_str(),
            tuning.threshold,
            tuning.stats.automated,
            if tuning.stats.automated == 0 {
                "—".to_owned()
            } else {
                percent(tuning.stats.precision())
            },
            percent(tuning.stats.coverage()),
        )?;
    }
    writeln!(
        out,
        // Automated answers include `other` messages answered by mistake, so they are not a
        // share of the in-scope messages: coverage counts the right answers against those.
        "  overall: automates {} messages, precision {}; \
         answers {} of {} in-scope messages right, coverage {}",
        report.overall.automated,
        super::eval::precision_of(&report.overall),
        report.overall.correct,
        report.overall.in_scope,
        percent(report.overall.coverage())
    )?;
    Ok(())
}
