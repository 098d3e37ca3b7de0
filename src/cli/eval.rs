//! `deskbot eval`: metrics of a model on labelled data.

use std::io::Write;

use anyhow::{Context, Result};
use deskbot::classify::dataset::Dataset;
use deskbot::classify::eval::{evaluate, ClassificationMetrics, EvalReport};
use deskbot::Intent;

use super::args::{DocumentFormat, EvalArgs};
use super::{load_model_from, percent};

pub fn run(args: EvalArgs) -> Result<()> {
    // A bad --plot is reported before the evaluation, not after it has printed its report.
    if let Some(dir) = &args.plot {
        super::plot::check_dir(dir)?;
    }
    let model = load_model_from(&args.model, &args.thresholds)?;
    let data = Dataset::load(&args.data)
        .with_context(|| format!("reading evaluation data {}", args.data.display()))?;
    let report = evaluate(&model, &data);
    let mut out = std::io::stdout().lock();
    match args.format {
        DocumentFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        DocumentFormat::Text => write_report(&mut out, &report)?,
    }
    if let Some(dir) = &args.plot {
        let target = model.metadata().tuning.as_ref().map(|t| t.target_precision);
        for path in super::plot::write_charts(&report, target, dir)? {
            // A closed stderr must not panic: the charts are written either way.
            let _ = writeln!(std::io::stderr(), "wrote {}", path.display());
        }
    }
    Ok(())
}

pub fn write_report(out: &mut impl Write, report: &EvalReport) -> Result<()> {
    writeln!(out, "messages        {}", report.messages)?;
    write_metrics(out, &report.metrics)?;
    writeln!(
        out,
        "escalated       {} ({})",
        percent(report.escalation_rate),
        report
            .escalations
            .iter()
            .map(|(reason, n)| format!("{reason} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    let automation = &report.automation;
    writeln!(
        out,
        "automated       {} answers, precision {}, coverage {} of {} in-scope messages",
        automation.automated,
        percent(automation.precision()),
        percent(automation.coverage()),
        automation.in_scope
    )?;
    Ok(())
}

pub fn write_metrics(out: &mut impl Write, metrics: &ClassificationMetrics) -> Result<()> {
    writeln!(out, "accuracy        {}", percent(metrics.accuracy))?;
    writeln!(out, "macro-F1        {:.3}", metrics.macro_f1)?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<14}{:>10}{:>10}{:>10}{:>10}",
        "intent", "precision", "recall", "F1", "support"
    )?;
    for m in &metrics.per_intent {
        writeln!(
            out,
            "{:<14}{:>10.3}{:>10.3}{:>10.3}{:>10}",
            m.intent.as_str(),
            m.precision,
            m.recall,
            m.f1,
            m.support
        )?;
    }
    writeln!(out)?;
    write!(out, "{:<14}", "true \\ pred")?;
    for intent in Intent::ALL {
        write!(out, "{:>13}", intent.as_str())?;
    }
    writeln!(out)?;
    for intent in Intent::ALL {
        write!(out, "{:<14}", intent.as_str())?;
        for count in metrics.confusion[intent.index()] {
            write!(out, "{count:>13}")?;
        }
        writeln!(out)?;
    }
    writeln!(out)?;
    Ok(())
}
