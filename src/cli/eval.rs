//! `deskbot eval`: metrics of a model on labelled data.

use std::io::Write;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use deskbot::classify::compare::{compare, Comparison, MetricComparison, Verdict};
use deskbot::classify::dataset::Dataset;
use deskbot::classify::eval::{evaluate, ClassificationMetrics, EvalReport, TargetOutcome};
use deskbot::classify::review::Proportion;

use super::args::{DocumentFormat, EvalArgs, ModelArg, RequireArg};
use super::train::dataset_options;
use super::{load_model_from, percent};

pub fn run(args: EvalArgs) -> Result<()> {
    // A bad --plot is reported before the evaluation, not after it has printed its report.
    if let Some(dir) = &args.plot {
        super::plot::check_dir(dir)?;
    }
    let model_arg = |path: Option<&PathBuf>| ModelArg {
        model: path.cloned(),
        max_model_bytes: args.max_model_bytes,
    };
    // Read before any model, so a bad layout or label map fails before the slow part.
    let options = dataset_options(&args.layout)?;
    let data = || {
        let mut data = Dataset::load_many(&[&args.data], &options)
            .with_context(|| format!("reading evaluation data {}", args.data.display()))?;
        if !args.no_clean {
            data.clean_messages();
        }
        anyhow::Ok(data)
    };
    match args.models.as_slice() {
        [] | [_] => {}
        [champion, challenger] => {
            let a = load_model_from(&model_arg(Some(champion)), &args.thresholds)?;
            let b = load_model_from(&model_arg(Some(challenger)), &args.thresholds)?;
            let comparison = compare(&a, &b, &data()?, args.resamples, args.seed);
            let mut out = std::io::stdout().lock();
            match args.format {
                DocumentFormat::Json => {
                    let value = serde_json::json!({
                        "a": champion, "b": challenger, "comparison": comparison,
                    });
                    writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
                }
                DocumentFormat::Text => {
                    write_comparison(&mut out, champion, challenger, &comparison)?
                }
            }
            // The report is out first, so a refused challenger still shows why.
            out.flush()?;
            return match args.require {
                Some(require) if !meets(require, comparison.verdict) => Err(RequirementNotMet {
                    require,
                    verdict: comparison.verdict,
                }
                .into()),
                _ => Ok(()),
            };
        }
        // Refused as a usage error while parsing the arguments; this is the library's guard.
        more => bail!(
            "--model is given {} times; give it at most twice",
            more.len()
        ),
    }
    let model = load_model_from(&model_arg(args.models.first()), &args.thresholds)?;
    let report = evaluate(&model, &data()?);
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

/// `eval --require` refused the challenger; the binary exits with status 3 for it, so a script
/// tells a refused challenger from a run that failed.
#[derive(Debug, thiserror::Error)]
#[error("--require {}: the challenger is {}, so it should not replace the champion", require_name(*.require), .verdict.describe())]
pub struct RequirementNotMet {
    require: RequireArg,
    verdict: Verdict,
}

fn require_name(require: RequireArg) -> &'static str {
    match require {
        RequireArg::Better => "better",
        RequireArg::NoWorse => "no-worse",
    }
}

/// Whether `verdict` passes `require`: `better` only on a clear gain, `no-worse` unless some
/// headline metric got worse (a mixed verdict is worse on one).
fn meets(require: RequireArg, verdict: Verdict) -> bool {
    match require {
        RequireArg::Better => verdict == Verdict::Better,
        RequireArg::NoWorse => matches!(verdict, Verdict::Better | Verdict::NotDistinguishable),
    }
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
        precision_of(automation),
        percent(automation.coverage()),
        automation.in_scope
    )?;
    let other = &report.other_escalated;
    if other.messages > 0 {
        writeln!(
            out,
            "other escalated {} of {} `other` messages",
            percent(other.share()),
            other.messages
        )?;
    }
    write_trade_off(out, &report.trade_off)?;
    Ok(())
}

/// The precision of automated answers for a person: "—" when nothing was automated, where the
/// tuner's convention of 1 would read as "every answer was right".
pub fn precision_of(stats: &deskbot::classify::tune::AutomationStats) -> String {
    if stats.automated == 0 {
        "— (nothing automated)".to_owned()
    } else {
        percent(stats.precision())
    }
}

/// What each precision target would buy on these messages, with 95% intervals.
fn write_trade_off(out: &mut impl Write, trade_off: &[TargetOutcome]) -> Result<()> {
    if trade_off.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "what a precision target buys here (tuned on the model's cross-validated predictions; 95% intervals)"
    )?;
    writeln!(
        out,
        "{:<8}{:>10}  {:<26}coverage",
        "target", "automated", "precision"
    )?;
    let shown = |share: Option<Proportion>| match share {
        Some(p) => format!(
            "{} ({}–{})",
            percent(p.estimate),
            percent(p.low),
            percent(p.high)
        ),
        None => "—".to_owned(),
    };
    for outcome in trade_off {
        writeln!(
            out,
            "{:<8}{:>10}  {:<26}{}",
            percent(outcome.target_precision),
            outcome.stats.automated,
            shown(outcome.precision),
            shown(outcome.coverage)
        )?;
    }
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
            m.label.as_str(),
            m.precision,
            m.recall,
            m.f1,
            m.support
        )?;
    }
    writeln!(out)?;
    write!(out, "{:<14}", "true \\ pred")?;
    // Columns as wide as the longest label: a shop's own can be longer than `missing_item`.
    let width = metrics
        .labels
        .iter()
        .map(|l| l.as_str().len() + 1)
        .max()
        .unwrap_or(0)
        .max(13);
    for label in &metrics.labels {
        write!(out, "{:>width$}", label.as_str())?;
    }
    writeln!(out)?;
    for (label, row) in metrics.labels.iter().zip(&metrics.confusion) {
        write!(out, "{:<14}", label.as_str())?;
        for count in row {
            write!(out, "{count:>width$}")?;
        }
        writeln!(out)?;
    }
    writeln!(out)?;
    Ok(())
}

/// Champion and challenger side by side: each metric for A and B, the difference with its 95%
/// interval, and what the interval says; then the verdict in words.
pub fn write_comparison(
    out: &mut impl Write,
    a: &Path,
    b: &Path,
    comparison: &Comparison,
) -> Result<()> {
    writeln!(out, "A (champion)    {}", a.display())?;
    writeln!(out, "B (challenger)  {}", b.display())?;
    writeln!(
        out,
        "{} messages; 95% intervals of B − A from {} paired bootstrap resamples (seed {})",
        comparison.messages, comparison.resamples, comparison.seed
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<22}{:>9}{:>9}{:>10}   {:<20}B is",
        "metric", "A", "B", "B − A", "95% interval"
    )?;
    // An undefined value (the precision of a model that automates nothing) shows as "—".
    let value = |x: f64, signed: bool| match (x.is_nan(), signed) {
        (true, _) => "—".to_owned(),
        (false, true) => format!("{x:+.3}"),
        (false, false) => format!("{x:.3}"),
    };
    let row = |out: &mut dyn Write, label: &str, m: &MetricComparison| -> Result<()> {
        let interval = if m.interval.0.is_nan() {
            "—".to_owned()
        } else {
            format!(
                "[{}, {}]",
                value(m.interval.0, true),
                value(m.interval.1, true)
            )
        };
        writeln!(
            out,
            "{:<22}{:>9}{:>9}{:>10}   {:<20}{}",
            label,
            value(m.a, false),
            value(m.b, false),
            value(m.difference, true),
            interval,
            m.verdict.describe()
        )?;
        Ok(())
    };
    for metric in &comparison.headline {
        let label = match metric.metric.as_str() {
            "macro_f1" => "macro-F1",
            "automated_precision" => "automated precision",
            "automated_coverage" => "automated coverage",
            other => other,
        };
        row(out, label, metric)?;
    }
    for metric in &comparison.per_intent {
        let label = format!("F1 {}", metric.metric.trim_start_matches("f1_"));
        row(out, &label, metric)?;
    }
    writeln!(out)?;
    let verdict = match comparison.verdict {
        deskbot::classify::compare::Verdict::Better => {
            "B is better: better on at least one of macro-F1, automated precision and coverage, and worse on none."
        }
        deskbot::classify::compare::Verdict::Worse => {
            "B is worse: worse on at least one of macro-F1, automated precision and coverage, and better on none."
        }
        deskbot::classify::compare::Verdict::Mixed => {
            "B is better on some of macro-F1, automated precision and coverage and worse on others: weigh them before switching."
        }
        deskbot::classify::compare::Verdict::NotDistinguishable => {
            "B and A are not distinguishable on this data: every interval holds zero."
        }
    };
    writeln!(out, "{verdict}")?;
    Ok(())
}
