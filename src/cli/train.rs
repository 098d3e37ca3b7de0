//! `deskbot train`: labelled CSVs → model file, with a progress bar and a summary.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use deskbot::classify::dataset::{
    DataError, Dataset, DatasetOptions, LabelMap, OnConflict, Unmapped,
};
use deskbot::classify::eval::evaluate;
use deskbot::classify::model::artifact::{check_writable, DEFAULT_MAX_MODEL_BYTES};
use deskbot::classify::model::train::{train, TrainEvent};
use deskbot::classify::model::{ClassWeight, TrainParams, TuningParams};
use deskbot::Thresholds;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{ClassWeightArg, DataLayoutArgs, OnConflictArg, TrainArgs, UnmappedArg};
use super::eval::{write_metrics, write_report};
use super::tune::write_tuning;

pub fn run(args: TrainArgs) -> Result<()> {
    let params = params_from(&args).check()?;
    // Check the destination and read everything before training, so that bad input fails fast
    // and writes nothing.
    check_writable(&args.out)?;
    let options = dataset_options(&args.layout)?.on_conflict(match args.on_conflict {
        OnConflictArg::Error => OnConflict::Error,
        OnConflictArg::Skip => OnConflict::Skip,
        OnConflictArg::Majority => OnConflict::Majority,
    });
    let mut data = Dataset::load_many(&args.data, &options).map_err(|error| {
        let hint = matches!(error, DataError::ConflictingLabels { .. })
            .then_some(" (--on-conflict skip|majority resolves them)")
            .unwrap_or_default();
        anyhow::Error::new(error).context(format!(
            "reading training data {}{hint}",
            describe_paths(&args.data)
        ))
    })?;
    let holdout_path = args.holdout.clone().or_else(|| {
        let default = args.data.first()?.join("holdout");
        default.is_dir().then_some(default)
    });
    let mut holdout = holdout_path
        .as_ref()
        .map(|path| {
            // The holdout is the shop's data too: its columns and labels read as --data's.
            Dataset::load_many(&[path], &options)
                .with_context(|| format!("reading holdout data {}", path.display()))
        })
        .transpose()?;
    // `train` overwrites --out by design, so the model must not land on a file it was read from.
    super::refuse_overwriting_input(
        "--out",
        &args.out,
        data.files
            .iter()
            .chain(holdout.iter().flat_map(|h| &h.files))
            .map(PathBuf::as_path)
            .chain(args.layout.label_map.as_deref()),
    )?;
    let cleaned = if args.no_clean {
        0
    } else {
        if let Some(holdout) = &mut holdout {
            holdout.clean_messages();
        }
        data.clean_messages()
    };

    let started = Instant::now();
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] fit {pos}/{len} {wide_msg}")
            .expect("valid template"),
    );
    let progress = bar.clone();
    let observer = Arc::new(move |event: TrainEvent| match event {
        TrainEvent::Analyzed { messages } => {
            progress.set_message(format!("analysed {messages} messages"))
        }
        TrainEvent::FitStarted { fit, fits, name } => {
            progress.set_length(fits as u64);
            progress.set_position(fit as u64);
            progress.set_message(name.to_string());
        }
        TrainEvent::Iteration { iteration, cost } => {
            if iteration % 10 == 0 {
                progress.set_message(format!("iteration {iteration}, loss {cost:.2}"));
            }
            progress.tick();
        }
    });
    // What the summary needs from the data, taken before training consumes it.
    let (n_messages, n_files, duplicates, labels, conflicts) = (
        data.messages.len(),
        data.files.len(),
        data.duplicates_dropped,
        data.labels,
        data.conflicts,
    );
    let leaked = holdout.as_ref().map_or(0, |h| h.overlap_with(&data));
    let outcome = train(&params, data, Some(observer));
    bar.finish_and_clear();
    let outcome = outcome?;
    let elapsed = started.elapsed();
    for fit in &outcome.unconverged {
        eprintln!("warning: {fit}");
    }
    if !outcome.unconverged.is_empty() {
        eprintln!(
            "warning: THIS MODEL DID NOT CONVERGE. It is kept because of --allow-unconverged, but \
             its probabilities and thresholds are not to be trusted; raise --max-iter."
        );
    }
    outcome.model.save(&args.out)?;
    let size = std::fs::metadata(&args.out).map_or(0, |m| m.len());
    if size > DEFAULT_MAX_MODEL_BYTES {
        eprintln!(
            "warning: the model is {size} bytes, more than the {DEFAULT_MAX_MODEL_BYTES} other \
             commands read by default; pass them --max-model-bytes {size}"
        );
    }

    let mut out = std::io::stdout().lock();
    let meta = outcome.model.metadata();
    writeln!(
        out,
        "trained on {} messages from {} file(s) in {:.2} s",
        n_messages,
        n_files,
        elapsed.as_secs_f64()
    )?;
    if duplicates > 0 {
        writeln!(out, "  {duplicates} duplicate rows ignored")?;
    }
    if cleaned > 0 {
        writeln!(
            out,
            "  {cleaned} messages cleaned of HTML, quoted replies or signatures, as the service \
             cleans what it classifies (--no-clean trains on them as written)"
        )?;
    }
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
            "  {} rows with an unmapped label read as `other`",
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
    if conflicts.texts > 0 {
        writeln!(
            out,
            "  {} texts under conflicting labels: {} kept under their majority label, {} rows dropped",
            conflicts.texts, conflicts.resolved, conflicts.rows_dropped
        )?;
    }
    for (label, rows) in &meta.rows_per_intent {
        let own = if label.custom().is_some() {
            "  (your own label: learnt, always handed to a person)"
        } else {
            ""
        };
        writeln!(out, "  {:<15} {:>6} rows{own}", label.as_str(), rows)?;
    }
    writeln!(
        out,
        "features {}, final fit {} iterations ({})",
        meta.n_features, meta.iterations, meta.termination
    )?;
    if let Some(report) = &outcome.tuning {
        write_tuning(&mut out, report)?;
    }
    if let Some(cv) = &outcome.cross_validation {
        writeln!(out, "\n{}-fold cross-validation:", cv.folds)?;
        write_metrics(&mut out, &cv.metrics)?;
    }
    if let (Some(holdout), Some(path)) = (&holdout, &holdout_path) {
        writeln!(out, "\nholdout {}:", path.display())?;
        if leaked > 0 {
            writeln!(
                out,
                "  warning: {leaked} holdout messages also appear in the training data"
            )?;
        }
        write_report(&mut out, &evaluate(&outcome.model, holdout))?;
    }
    writeln!(out, "wrote {}", args.out.display())?;
    Ok(())
}

/// The library's reading options for the layout flags; reads the label map.
pub(super) fn dataset_options(layout: &DataLayoutArgs) -> Result<DatasetOptions> {
    let mut options = DatasetOptions::default()
        .text_column(&layout.text_column)
        .intent_column(&layout.intent_column)
        .unmapped(match layout.unmapped {
            UnmappedArg::Error => Unmapped::Error,
            UnmappedArg::Other => Unmapped::Other,
            UnmappedArg::Skip => Unmapped::Skip,
        });
    if let Some(path) = &layout.label_map {
        let map = LabelMap::load(path)
            .with_context(|| format!("reading the label map {}", path.display()))?;
        options = options.label_map(map);
    }
    options.check()?;
    Ok(options)
}

/// The paths, for messages: `a.csv, b.csv`.
pub(super) fn describe_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn params_from(args: &TrainArgs) -> TrainParams {
    let tuning = (!args.no_tune).then_some(TuningParams {
        folds: args.folds,
        target_precision: args.target_precision,
    });
    TrainParams::default()
        .language(args.language)
        .max_ngram(args.ngrams)
        .min_df(args.min_df)
        .max_features(args.max_features)
        .sublinear_tf(!args.linear_tf)
        .char_ngrams(args.char_ngrams)
        .unknown_words(!args.no_unknown_words)
        .alpha(args.alpha)
        .max_iterations(args.max_iter)
        .gradient_tolerance(args.gradient_tolerance)
        .class_weight(match args.class_weight {
            ClassWeightArg::Uniform => ClassWeight::Uniform,
            ClassWeightArg::Balanced => ClassWeight::Balanced,
        })
        .thresholds(
            Thresholds::default()
                .with_default(args.threshold)
                .with_ambiguity_margin(args.margin),
        )
        .tuning(tuning)
        .cross_validation_folds(args.cv)
        .allow_unconverged(args.allow_unconverged)
}
