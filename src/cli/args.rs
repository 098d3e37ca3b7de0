//! Command-line arguments (clap). Turned into library settings by the command modules; the
//! library never sees these types.

use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::{ArgGroup, Args, CommandFactory, Parser, Subcommand, ValueEnum};
use deskbot::carrier::Carrier;
use deskbot::classify::decision::InvalidThreshold;
use deskbot::classify::model::artifact::DEFAULT_MAX_MODEL_BYTES;
use deskbot::classify::model::params::{check_target_precision, MAX_ALPHA};
use deskbot::classify::model::LoadOptions;
use deskbot::classify::text::Language;
use deskbot::classify::vectorizer::CharNgrams;
use deskbot::Intent;
use jiff::Timestamp;

/// deskbot: answers routine shop support messages with fact-checked replies, and hands the
/// rest to a human.
#[derive(Debug, Parser)]
#[command(name = "deskbot", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success, 1 error (message on stderr), 2 bad command line, 3 `eval --require` not met."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the command line and makes the checks between options that clap's attributes
    /// cannot express. Either kind of mistake is a usage error: clap prints it with the
    /// command's usage and the process exits 2.
    pub fn parse_checked() -> Cli {
        let cli = Cli::parse();
        if let Err(error) = cli.check_usage() {
            error.exit();
        }
        cli
    }

    /// The checks between options, as clap usage errors naming the flags involved.
    fn check_usage(&self) -> Result<(), clap::Error> {
        match &self.command {
            Command::Classify(args) if args.input.is_none() && args.text.is_empty() => {
                Err(usage_error(
                    "classify",
                    ErrorKind::MissingRequiredArgument,
                    "nothing to classify: give a message, e.g. deskbot classify \"where is my order?\", or --input FILE.csv",
                ))
            }
            Command::Classify(args)
                if args.input.is_none()
                    && (args.text_column.is_some() || args.id_column.is_some()) =>
            {
                Err(usage_error(
                    "classify",
                    ErrorKind::MissingRequiredArgument,
                    "--text-column and --id-column name columns of the --input file; messages given as arguments have none",
                ))
            }
            Command::Eval(args) if args.require.is_some() && args.models.len() != 2 => {
                Err(usage_error(
                    "eval",
                    ErrorKind::MissingRequiredArgument,
                    "--require compares a challenger with a champion: give --model twice",
                ))
            }
            Command::Tune(args) if args.destination().is_none() => Err(usage_error(
                "tune",
                ErrorKind::MissingRequiredArgument,
                "--in-place needs --model FILE: the bundled model is built into deskbot and cannot be rewritten; write the tuned model with --out FILE",
            )),
            Command::Eval(args) if args.models.len() > 2 => Err(usage_error(
                "eval",
                ErrorKind::TooManyValues,
                &format!(
                    "--model is given {} times; give it once to evaluate a model, twice to compare two",
                    args.models.len()
                ),
            )),
            Command::Eval(args) if args.models.len() == 2 && args.plot.is_some() => {
                Err(usage_error(
                    "eval",
                    ErrorKind::ArgumentConflict,
                    "--plot draws one model's charts: run `deskbot eval --model FILE --plot DIR` for each",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// A usage error of `subcommand`, formatted as clap formats its own (with the usage line).
fn usage_error(subcommand: &str, kind: ErrorKind, message: &str) -> clap::Error {
    let mut command = Cli::command();
    // Building gives the subcommand its full name ("deskbot tune") for the usage line.
    command.build();
    match command.find_subcommand_mut(subcommand) {
        Some(sub) => sub.error(kind, message),
        None => command.error(kind, message),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train an intent model from labelled CSV files (`text,intent`).
    Train(TrainArgs),
    /// Classify messages given as arguments or read from a CSV `text` column.
    Classify(ClassifyArgs),
    /// Evaluate a model on labelled data.
    Eval(EvalArgs),
    /// Re-tune a model's per-intent thresholds for another target precision.
    Tune(TuneArgs),
    /// Answer a customer message with facts from the shop, or hand it to a human.
    Reply(ReplyArgs),
    /// Check that every reply situation has a template that renders with real facts.
    CheckTemplates(CheckTemplatesArgs),
    /// Replay past tickets through the whole responder, read-only, and report what deskbot
    /// would have done: automation rate, situations, handoff reasons, and agreement with the
    /// agents' own tags.
    Replay(ReplayArgs),
    /// Recognise carriers from tracking numbers.
    ///
    /// Each format of the tracking-number specification (jkeen/tracking_number_data 2.0.0) that
    /// a number fits is a candidate, with `carrier` (the spec's courier code: ups, usps, fedex,
    /// dhl, s10, dpd, …), `carrier_name`, `format`, `service`, `check_digit_valid` (null for a
    /// format without one), `valid` (pattern, check digit and required lookups all pass),
    /// `tracked_by` (deskbot's carrier slug), `postal_operator` (S10 numbers), `details` (service
    /// types and other lookups) and `tracking_url`. Valid candidates come first, those with a
    /// check digit before those without; then the invalid ones. Each courier appears once.
    Carrier(CarrierArgs),
    /// Show what deskbot sees on the order platform.
    Lookup(LookupArgs),
    /// Check each configured vendor with one cheap authenticated call.
    Doctor(DoctorArgs),
    /// Run the service: help-desk webhooks in, replies out, through the durable queue.
    Serve(ServeArgs),
    /// Inspect and manage the service's jobs.
    Jobs(JobsArgs),
    /// Erase a customer's messages from the decision log (a data-protection request).
    Forget(ForgetArgs),
    /// The learning loop: pick messages for a person to label, and turn the labels into
    /// training data.
    Review(ReviewArgs),
}

/// Which shop to talk to.
#[derive(Debug, Args, Default)]
pub struct ShopArgs {
    /// Shop configuration: the policy plus `[platform]` and `[carriers.*]` [default: the demo
    /// shop's deskbot.toml].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The demo shop's folder (deskbot.toml, orders.json, tracking.json) [default:
    /// examples/demo-shop, else the demo shop built into deskbot].
    #[arg(long, value_name = "DIR")]
    pub shop: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LookupArgs {
    #[command(subcommand)]
    pub what: LookupWhat,
}

#[derive(Debug, Subcommand)]
pub enum LookupWhat {
    /// An order by number, or a customer's recent orders by e-mail. JSON: `{"orders": [...]}`.
    Order(LookupOrderArgs),
    /// What the carriers say about tracking numbers. JSON: `{"tracking": [...], "errors": [...]}`,
    /// each tracking in the shape of `facts.shipments[].tracking` in `reply --format json`.
    Tracking(LookupTrackingArgs),
}

#[derive(Debug, Args)]
pub struct LookupTrackingArgs {
    /// Tracking numbers (spaces and dashes allowed).
    #[arg(required = true)]
    pub numbers: Vec<String>,
    /// Track with this carrier instead of the one the number's format names (`ups`, `usps`,
    /// `fedex`, `dhl`, …).
    #[arg(long, value_name = "SLUG", value_parser = carrier_slug)]
    pub carrier: Option<Carrier>,
    #[command(flatten)]
    pub shop: ShopArgs,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Text)]
    pub format: DocumentFormat,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("key").required(true).args(["number", "email"])))]
pub struct LookupOrderArgs {
    /// The order number, with or without `#`.
    #[arg(long, value_name = "N")]
    pub number: Option<String>,
    /// The customer's e-mail: their most recent orders (up to the policy's lookback).
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
    #[command(flatten)]
    pub shop: ShopArgs,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Text)]
    pub format: DocumentFormat,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub shop: ShopArgs,
}

/// Where the model lives, and how large a file may be read.
#[derive(Debug, Args)]
pub struct ModelArg {
    /// Model file [default: the model built into deskbot, the repository's
    /// models/intent-model.json when it was built].
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Refuse model files larger than this many bytes (checked before reading).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MODEL_BYTES,
          value_parser = at_least_u64::<1>)]
    pub max_model_bytes: u64,
}

impl ModelArg {
    /// The library's load options for these arguments.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions::default().max_bytes(self.max_model_bytes)
    }
}

/// One intent's threshold, as `--intent-threshold cancel=0.9` gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntentThreshold {
    /// The intent (never `other`).
    pub intent: Intent,
    /// Its threshold, in `[0, 1]`.
    pub threshold: f64,
}

/// Overrides of the thresholds stored in the model.
#[derive(Debug, Args, Default)]
pub struct ThresholdArgs {
    /// Override the default confidence threshold (0–1) for intents without their own.
    #[arg(long, value_name = "P", value_parser = probability)]
    pub threshold: Option<f64>,
    /// Override one intent's threshold, e.g. `--intent-threshold cancel=0.9` (repeatable; not
    /// for `other`, which is never automated).
    #[arg(long, value_name = "INTENT=P", value_parser = intent_threshold)]
    pub intent_threshold: Vec<IntentThreshold>,
    /// Override the ambiguity margin (0–1): top-1 minus top-2 below this escalates.
    #[arg(long, value_name = "M", value_parser = margin)]
    pub margin: Option<f64>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// A CSV file, or a directory whose `*.csv` files are read (not its subdirectories).
    /// Repeat it to train on several sources as one set (duplicates and conflicting labels are
    /// found across all of them).
    #[arg(long, default_value = "training-data", value_name = "PATH")]
    pub data: Vec<PathBuf>,
    #[command(flatten)]
    pub layout: DataLayoutArgs,
    /// Train on each message exactly as written. By default it is cleaned first, as the
    /// service cleans what it classifies: HTML rendered as text, quoted replies, forwarded
    /// mail and signatures dropped (the holdout too).
    #[arg(long)]
    pub no_clean: bool,
    /// Where to write the model (checked before training starts; a symbolic link is written
    /// through to its target).
    #[arg(long, default_value = "models/intent-model.json")]
    pub out: PathBuf,
    /// Held-out labelled data to report on after training [default: the first --data
    /// directory's holdout/, if present]. Read as `text,intent`, whatever the layout options say.
    #[arg(long)]
    pub holdout: Option<PathBuf>,
    /// What to do with a text (compared ignoring case and spacing) that rows label differently:
    /// `error` lists the conflicts and stops; `skip` leaves such texts out; `majority` keeps the
    /// label most rows give (a tie leaves the text out).
    #[arg(long, value_enum, default_value_t = OnConflictArg::Error)]
    pub on_conflict: OnConflictArg,
    /// Skip threshold tuning: one fit, default thresholds (so no --target-precision or --folds).
    #[arg(long, conflicts_with_all = ["target_precision", "folds"])]
    pub no_tune: bool,
    /// Precision automated answers must reach (cross-validated) when tuning, in (0, 1].
    #[arg(long, default_value_t = 0.97, value_name = "P", value_parser = target_precision)]
    pub target_precision: f64,
    /// Folds used for tuning (at least 2).
    #[arg(long, default_value_t = deskbot::classify::model::params::DEFAULT_TUNING_FOLDS, value_name = "K", value_parser = at_least::<2>)]
    pub folds: usize,
    /// Also report K-fold cross-validated accuracy and macro-F1 (K at least 2).
    #[arg(long, value_name = "K", value_parser = at_least::<2>)]
    pub cv: Option<usize>,
    /// Snowball stemming language (english, german, french, spanish, …).
    #[arg(long, default_value = "english")]
    pub language: Language,
    /// Longest word n-gram: 1 or 2.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = ngrams)]
    pub ngrams: usize,
    /// Minimum number of messages a feature must occur in.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = at_least::<1>)]
    pub min_df: usize,
    /// Vocabulary cap.
    #[arg(long, default_value_t = 50_000, value_name = "N", value_parser = at_least::<1>)]
    pub max_features: usize,
    /// Add character n-grams of each word, e.g. `3-5`, for typo robustness (slower to classify).
    #[arg(long, value_name = "MIN-MAX", value_parser = char_ngrams)]
    pub char_ngrams: Option<CharNgrams>,
    /// Use raw term counts instead of 1 + ln(tf).
    #[arg(long)]
    pub linear_tf: bool,
    /// Leave out the feature that counts words outside the vocabulary.
    #[arg(long)]
    pub no_unknown_words: bool,
    /// L2 penalty on the weights (positive, at most 1e6).
    #[arg(long, default_value_t = 0.1, value_parser = penalty)]
    pub alpha: f64,
    /// L-BFGS iteration cap. A fit that reaches it has not converged, which is an error unless
    /// --allow-unconverged is given.
    #[arg(long, default_value_t = 400, value_name = "N", value_parser = at_least_u64::<1>)]
    pub max_iter: u64,
    /// Keep the model even if a fit stops before converging (with a warning).
    #[arg(long)]
    pub allow_unconverged: bool,
    /// Stop L-BFGS when no component of the loss gradient, averaged per training row, exceeds
    /// this (positive; scikit-learn's `tol` for lbfgs). Holdout F1 is unchanged at 1e-4; around
    /// 3e-3 it collapses.
    #[arg(long, default_value_t = 1e-4, value_name = "TOL", value_parser = positive)]
    pub gradient_tolerance: f64,
    /// How classes weigh in the loss: `balanced` makes every intent count equally whatever its
    /// row count; `uniform` counts every row once.
    #[arg(long, value_enum, default_value_t = ClassWeightArg::Balanced)]
    pub class_weight: ClassWeightArg,
    /// Default confidence threshold, in [0, 1].
    #[arg(long, default_value_t = 0.6, value_name = "P", value_parser = probability)]
    pub threshold: f64,
    /// Ambiguity margin, in [0, 1).
    #[arg(long, default_value_t = 0.1, value_name = "M", value_parser = margin)]
    pub margin: f64,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// How labelled files are laid out: which columns, and how labels become intents.
#[derive(Debug, Args)]
pub struct DataLayoutArgs {
    /// The column holding the message.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_column: String,
    /// The column holding the label.
    #[arg(long, default_value = "intent", value_name = "NAME")]
    pub intent_column: String,
    /// A two-column CSV `from,to` translating labels (a help desk's tags, say) to intents;
    /// labels are compared ignoring case and surrounding spaces. Labels that are intents' own
    /// names need no line.
    #[arg(long, value_name = "FILE")]
    pub label_map: Option<PathBuf>,
    /// What a label that is neither mapped nor an intent means (an empty one too): `error`
    /// names the file, line and label; `other` reads it as `other`; `skip` leaves the row out
    /// and counts it.
    #[arg(long, value_enum, default_value_t = UnmappedArg::Error)]
    pub unmapped: UnmappedArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnmappedArg {
    Error,
    Other,
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnConflictArg {
    Error,
    Skip,
    Majority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClassWeightArg {
    Uniform,
    Balanced,
}

/// Output of commands that print many results (one per message or number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
}

/// Output of commands that print one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Messages to classify (each argument is one message).
    #[arg(conflicts_with = "input")]
    pub text: Vec<String>,
    /// CSV file with a `text` column (`-` for standard input). JSON output carries each row's
    /// `id` column, or its 1-based row number when there is none.
    #[arg(long, short)]
    pub input: Option<PathBuf>,
    /// The --input column holding the message [default: text].
    #[arg(long, value_name = "NAME")]
    pub text_column: Option<String>,
    /// The --input column whose value JSON output carries as each message's `id` (the header
    /// must have it) [default: `id`, when present].
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Output format: text; json, one array with an object per message; jsonl, one object per
    /// line, in input order.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Show the features that pushed each decision.
    #[arg(long)]
    pub explain: bool,
    /// Classify each message exactly as given. By default HTML is rendered as text and quoted
    /// replies, forwarded mail and signatures are dropped first; JSON output then carries a
    /// `cleaned` object for each message that changed.
    #[arg(long)]
    pub no_clean: bool,
    /// JSON output also carries each message as given, in a `text` field (what `deskbot
    /// review export --input` reads).
    #[arg(long)]
    pub with_text: bool,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model file [default: the model built into deskbot]. Given twice (`--model OLD --model
    /// NEW`), the two are compared on the same messages: the second (the challenger) against the
    /// first (the champion), with bootstrap intervals for each difference.
    #[arg(long = "model", value_name = "FILE", action = clap::ArgAction::Append)]
    pub models: Vec<PathBuf>,
    /// Refuse model files larger than this many bytes (checked before reading).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MODEL_BYTES,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_model_bytes: u64,
    /// Bootstrap resamples for a comparison's intervals.
    #[arg(long, value_name = "N", default_value_t = deskbot::classify::compare::DEFAULT_RESAMPLES,
          value_parser = resamples)]
    pub resamples: usize,
    /// Seed of the bootstrap draws (the same seed, models and data give the same intervals).
    #[arg(long, value_name = "N", default_value_t = deskbot::classify::compare::DEFAULT_SEED)]
    pub seed: u64,
    /// Labelled CSV file or directory.
    #[arg(long, default_value = "training-data/holdout")]
    pub data: PathBuf,
    /// Which columns hold the message and its label, and how labels become intents, as for
    /// `train`: a help desk's export evaluates as it is.
    #[command(flatten)]
    pub layout: DataLayoutArgs,
    /// Evaluate each message exactly as written. By default it is cleaned first, as the
    /// service cleans what it classifies: HTML rendered as text, quoted replies, forwarded
    /// mail and signatures dropped.
    #[arg(long)]
    pub no_clean: bool,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Text)]
    pub format: DocumentFormat,
    /// Write a confusion-matrix heatmap and a coverage-vs-precision curve (SVG) here.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// With two models, a gate for scripts: after the report, exit with status 3 unless the
    /// challenger is `better` (better on a headline metric, worse on none), or with
    /// `no-worse`, unless it is worse on none.
    #[arg(long, value_enum, value_name = "VERDICT")]
    pub require: Option<RequireArg>,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// What `eval --require` asks of the challenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RequireArg {
    Better,
    NoWorse,
}

fn resamples(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (100..=100_000).contains(&n) => Ok(n),
        Ok(n) => Err(format!("{n} is outside 100..=100000")),
        Err(error) => Err(error.to_string()),
    }
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("destination").required(true).args(["out", "in_place"])))]
pub struct TuneArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Precision automated answers must reach, in (0, 1].
    #[arg(long, value_name = "P", value_parser = target_precision)]
    pub target_precision: f64,
    /// Ambiguity margin to tune under, in [0, 1) [default: the model's].
    #[arg(long, value_name = "M", value_parser = margin)]
    pub margin: Option<f64>,
    /// Write the re-tuned model to FILE (a symbolic link is written through to its target).
    /// One of --out FILE or --in-place is required.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite the --model file with the re-tuned model.
    #[arg(long)]
    pub in_place: bool,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Text)]
    pub format: DocumentFormat,
}

impl TuneArgs {
    /// Where the re-tuned model goes: `--out`, else (with `--in-place`) the `--model` file.
    /// `None` for `--in-place` on the bundled model, which cannot be rewritten.
    pub fn destination(&self) -> Option<&Path> {
        self.out.as_deref().or(self.model.model.as_deref())
    }
}

#[derive(Debug, Args)]
pub struct CarrierArgs {
    /// Tracking numbers (spaces and dashes inside a number are fine; quote the number).
    #[arg(required = true)]
    pub numbers: Vec<String>,
    /// Output format: `text`, one line per number; `json`, one JSON array holding a
    /// `{"number", "candidates"}` object per number, in argument order; `jsonl`, one such object
    /// per line.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ReplyArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// The sender's e-mail address (orders are looked up by it; an order number in the message
    /// must belong to it).
    #[arg(long, value_name = "EMAIL")]
    pub from: Option<String>,
    #[command(flatten)]
    pub shop: ShopArgs,
    /// Reply templates (`<intent>/<situation>.tera`) [default: the templates built into
    /// deskbot, the repository's templates/ when it was built]; point at your own folder.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Answer as of this time (RFC 3339) [default: the policy's clock, else now].
    #[arg(long, value_name = "TIME", value_parser = rfc3339)]
    pub now: Option<Timestamp>,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Text)]
    pub format: DocumentFormat,
    /// Answer the message exactly as given. By default HTML is rendered as text and quoted
    /// replies, forwarded mail and signatures are dropped first; JSON output then carries a
    /// `cleaned` object when the message changed.
    #[arg(long)]
    pub no_clean: bool,
    /// The customer's message.
    pub message: String,
}

/// `deskbot replay`: past tickets through the responder, strictly read-only.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("agent_labels").args(["tag_column", "intent_column"])))]
pub struct ReplayArgs {
    /// Past tickets: a CSV with a `text` column and, optionally, `id` (or `ticket`), the
    /// sender's `email` (or `from`) and `created_at` (RFC 3339, answered as of that time).
    /// The --*-column options name other columns, as a help-desk export has them. `-` reads
    /// standard input.
    #[arg(long, short, value_name = "FILE")]
    pub input: PathBuf,
    /// The column holding the message.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_column: String,
    /// The column holding the ticket's id, which must then be in the header [default: `id`,
    /// else `ticket`, when present].
    #[arg(long, value_name = "NAME")]
    pub ticket_column: Option<String>,
    /// The column holding the sender's e-mail address, which must then be in the header
    /// [default: `email`, else `from`, when present].
    #[arg(long, value_name = "NAME")]
    pub email_column: Option<String>,
    /// The column holding when the ticket came in (RFC 3339 with an offset), which must then
    /// be in the header [default: `created_at`, when present].
    #[arg(long, value_name = "NAME")]
    pub created_at_column: Option<String>,
    #[command(flatten)]
    pub model: ModelArg,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
    #[command(flatten)]
    pub shop: ShopArgs,
    /// Reply templates [default: the templates built into deskbot].
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// The column holding the agents' tags (separated by commas, semicolons or `|`; a tag that
    /// is not a label as a whole is also tried word by word). The tags that name an intent,
    /// directly or through --label-map, are the agents' intent.
    #[arg(long, value_name = "NAME")]
    pub tag_column: Option<String>,
    /// The column holding the intent the agents gave each ticket (one label per row).
    #[arg(long, value_name = "NAME")]
    pub intent_column: Option<String>,
    /// A two-column CSV `from,to` translating help-desk tags or labels to intents (the same
    /// file `train --label-map` reads).
    #[arg(long, value_name = "FILE", requires = "agent_labels")]
    pub label_map: Option<PathBuf>,
    /// A ticket whose tags or label name no intent: `skip` leaves it out of the agreement
    /// figures and counts it; `other` reads it as `other`; `error` stops, naming file, line and
    /// field. An empty cell is always left out.
    #[arg(long, value_enum, default_value_t = UnmappedArg::Skip, requires = "agent_labels")]
    pub unmapped: UnmappedArg,
    /// Output format of the report (text or json).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Text)]
    pub format: DocumentFormat,
    /// Also write one JSON line per ticket here (id, intent, decision, reason, situation, reply
    /// or handoff note), atomically; an existing file is refused unless --force.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite the --out file.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Answer each message exactly as given, without rendering HTML or dropping quoted mail
    /// and signatures first.
    #[arg(long)]
    pub no_clean: bool,
}

#[derive(Debug, Args)]
pub struct CheckTemplatesArgs {
    /// Template folder to check [default: the templates built into deskbot].
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Demo shop whose facts the templates are rendered with [default: examples/demo-shop, else
    /// the one built into deskbot].
    #[arg(long, value_name = "DIR")]
    pub shop: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub shop: ShopArgs,
    /// Address to listen on [default: [serve] listen, else 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// Jobs processed at once [default: [serve] workers, else 2].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: Option<u16>,
    /// Model file, reloaded on SIGHUP or when it changes [default: [serve] model, else the
    /// model built into deskbot].
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Reply templates [default: the templates built into deskbot].
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    pub command: JobsCommand,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first, with the count per state.
    List(JobsListArgs),
    /// Show one job in full.
    Show(JobArgs),
    /// Queue a dead (or dropped) job again, attempts reset.
    Retry(JobArgs),
    /// Drop a queued or dead job: it will not run (duplicates are still recognised).
    Drop(JobArgs),
}

#[derive(Debug, Args)]
pub struct JobsListArgs {
    #[command(flatten)]
    pub shop: ShopArgs,
    /// Only jobs in this state (queued, running, done, dead, dropped).
    #[arg(long, value_parser = job_state)]
    pub state: Option<deskbot::store::JobState>,
    /// Only jobs on this ticket.
    #[arg(long, value_name = "ID")]
    pub ticket: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub limit: u32,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Text)]
    pub format: DocumentFormat,
}

#[derive(Debug, Args)]
pub struct JobArgs {
    #[command(flatten)]
    pub shop: ShopArgs,
    /// The job's id.
    pub id: i64,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Text)]
    pub format: DocumentFormat,
}

#[derive(Debug, Args)]
pub struct ForgetArgs {
    #[command(flatten)]
    pub shop: ShopArgs,
    /// The customer's e-mail address (compared trimmed and case-folded).
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub command: ReviewCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Pick the messages worth a person's time and write them as a sheet to label.
    ///
    /// Picks every low_confidence and ambiguous escalation, a seeded random sample of
    /// out_of_scope escalations (which finds what the model wrongly calls `other`: unseen
    /// phrasings, languages, a shop's own intents), and a seeded random sample of automated
    /// answers (reason `audit`, which measures live precision). Near-duplicates
    /// (equal after lowercasing, dropping punctuation and masking order numbers, tracking
    /// numbers, e-mails, URLs, money, dates and numbers) are one row with their count. Rows are
    /// ordered by mean uncertainty × count, uncertainty being 1 − (p1 − p2), one minus the
    /// margin between the two most likely intents; the out-of-scope and audit samples follow.
    Export(ReviewExportArgs),
    /// Turn labelled sheets into a training CSV, and report the live precision of automated
    /// answers from the audit rows and the share of sampled out-of-scope escalations that were
    /// in scope.
    Import(ReviewImportArgs),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).multiple(true).args(["config", "input"])))]
pub struct ReviewExportArgs {
    /// The service's config: the decision log is read from its `[store]` (nothing else is read).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only decisions made at or after this time: RFC 3339 (`2025-11-01T00:00:00Z`) or a date
    /// (`2025-11-01`, midnight UTC).
    #[arg(long, value_name = "TIME", requires = "config", value_parser = since)]
    pub since: Option<jiff::Timestamp>,
    /// Read at most this many decisions, oldest first.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// A file of messages, CSV or JSONL (repeatable): a help-desk export, or the output of
    /// `deskbot classify --format jsonl --with-text`, whose predictions are used as they are.
    /// Messages without predictions are classified with --model.
    #[arg(long, value_name = "FILE")]
    pub input: Vec<PathBuf>,
    /// The column (CSV) or field (JSONL) holding the message.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_column: String,
    /// The column or field holding the ticket [default: `ticket` if there is one; in JSONL
    /// also `id`].
    #[arg(long, value_name = "NAME")]
    pub ticket_column: Option<String>,
    #[command(flatten)]
    pub model: ModelArg,
    /// Classify input messages exactly as given (by default they are cleaned first, as
    /// `classify` does; the sheet shows the text the model read).
    #[arg(long)]
    pub no_clean: bool,
    /// Automated answers to sample for the audit (0 for none).
    #[arg(long, value_name = "N", default_value_t = deskbot::classify::review::select::DEFAULT_AUDIT)]
    pub audit: usize,
    /// Out-of-scope escalations to sample (0 for none): `review import` reports how many were
    /// in scope after all.
    #[arg(long, value_name = "N", default_value_t = deskbot::classify::review::select::DEFAULT_OUT_OF_SCOPE)]
    pub out_of_scope: usize,
    /// The seed of the audit and out-of-scope samples: the same messages and seed give the
    /// same sheet.
    #[arg(long, value_name = "N", default_value_t = deskbot::classify::review::select::DEFAULT_SEED)]
    pub seed: u64,
    /// Where to write the sheet (CSV).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Overwrite --out if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("destination").required(true).args(["out", "append_to"])))]
pub struct ReviewImportArgs {
    /// A labelled sheet (repeatable): `text` and `intent` columns; `predicted`, `reason` and
    /// `count` as `review export` writes them.
    #[arg(long, value_name = "FILE", required = true)]
    pub input: Vec<PathBuf>,
    /// Write the labelled rows to this new training CSV (`text,intent`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Append the labelled rows to this existing training CSV instead. Rows it already has are
    /// not repeated, and a text it labels differently is an error.
    #[arg(long, value_name = "FILE")]
    pub append_to: Option<PathBuf>,
    /// A two-column CSV `from,to` translating labels to intents (as for `train`).
    #[arg(long, value_name = "FILE")]
    pub label_map: Option<PathBuf>,
    /// What a filled-in label that is neither mapped nor an intent means: `error`, `other` or
    /// `skip`. An empty `intent` is always skipped and counted.
    #[arg(long, value_enum, default_value_t = UnmappedArg::Error)]
    pub unmapped: UnmappedArg,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Text)]
    pub format: DocumentFormat,
}

fn since(text: &str) -> Result<jiff::Timestamp, String> {
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    text.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|date| date.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|zoned| zoned.timestamp())
        .ok_or_else(|| {
            "expected an RFC 3339 time (2025-11-01T00:00:00Z) or a date (2025-11-01)".to_owned()
        })
}

fn job_state(text: &str) -> Result<deskbot::store::JobState, String> {
    deskbot::store::JobState::parse(text)
        .ok_or_else(|| "must be one of queued, running, done, dead, dropped".to_owned())
}

// Value parsers: clap reports their errors as usage errors (exit 2) naming the flag, e.g.
// "invalid value '3' for '--ngrams <N>': must be 1 or 2". The library checks the same ranges
// again, so settings built in code are held to them too.

fn number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))
}

fn probability(text: &str) -> Result<f64, String> {
    let value = number(text)?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err("must be a number in [0, 1]".into())
    }
}

fn margin(text: &str) -> Result<f64, String> {
    let value = number(text)?;
    if (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err("must be a number in [0, 1)".into())
    }
}

fn target_precision(text: &str) -> Result<f64, String> {
    let value = number(text)?;
    check_target_precision(value).map_err(|_| "must be a number in (0, 1]".to_owned())?;
    Ok(value)
}

fn positive(text: &str) -> Result<f64, String> {
    let value = number(text)?;
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err("must be a positive number".into())
    }
}

fn penalty(text: &str) -> Result<f64, String> {
    let value = positive(text)?;
    if value <= MAX_ALPHA {
        Ok(value)
    } else {
        Err(format!(
            "must be at most {MAX_ALPHA:e}: a larger penalty leaves every weight near zero"
        ))
    }
}

fn at_least<const MIN: usize>(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(value) if value >= MIN => Ok(value),
        _ => Err(format!("must be a whole number, at least {MIN}")),
    }
}

fn at_least_u64<const MIN: u64>(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(value) if value >= MIN => Ok(value),
        _ => Err(format!("must be a whole number, at least {MIN}")),
    }
}

fn rfc3339(text: &str) -> Result<Timestamp, String> {
    text.trim()
        .parse()
        .map_err(|_| "must be an RFC 3339 time, e.g. 2026-11-20T15:04:00Z".to_owned())
}

fn carrier_slug(text: &str) -> Result<Carrier, String> {
    Carrier::from_slug(text.trim())
        .ok_or_else(|| "not a carrier slug (ups, usps, fedex, dhl, …, post_<country>)".to_owned())
}

fn ngrams(text: &str) -> Result<usize, String> {
    match text.trim() {
        "1" => Ok(1),
        "2" => Ok(2),
        _ => Err("must be 1 or 2".into()),
    }
}

fn char_ngrams(text: &str) -> Result<CharNgrams, String> {
    let (min, max) = text.split_once('-').unwrap_or((text, text));
    let parse = |n: &str| n.trim().parse::<usize>().ok();
    match (parse(min), parse(max)) {
        (Some(min), Some(max)) if 1 <= min && min <= max && max <= 8 => Ok(CharNgrams { min, max }),
        _ => Err("expected lengths MIN-MAX with 1 <= MIN <= MAX <= 8, e.g. 3-5".into()),
    }
}

fn intent_threshold(text: &str) -> Result<IntentThreshold, String> {
    let Some((intent, value)) = text.split_once('=') else {
        return Err("expected INTENT=P, e.g. cancel=0.9".into());
    };
    let intent: Intent = intent.parse().map_err(|e| format!("{e}"))?;
    if !intent.is_in_scope() {
        return Err(InvalidThreshold::NeverAutomated { intent }.to_string());
    }
    let threshold = probability(value)?;
    Ok(IntentThreshold { intent, threshold })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_parsers_accept_the_range_and_nothing_else() {
        assert_eq!(probability("1"), Ok(1.0));
        assert!(probability("NaN").is_err() && probability("1.01").is_err());
        assert_eq!(margin("0"), Ok(0.0));
        assert!(margin("1").is_err() && margin("inf").is_err());
        assert_eq!(target_precision("1"), Ok(1.0));
        for bad in ["0", "-0.5", "2", "NaN", "inf", "x"] {
            assert!(target_precision(bad).is_err(), "{bad}");
        }
        assert!(positive("1e-9").is_ok() && positive("0").is_err() && positive("inf").is_err());
        assert_eq!(at_least::<2>("2"), Ok(2));
        assert!(at_least::<2>("1").is_err() && at_least::<1>("-1").is_err());
        assert_eq!(at_least_u64::<1>("1"), Ok(1));
        assert!(at_least_u64::<1>("0").is_err() && at_least_u64::<1>("-1").is_err());
        assert!(rfc3339("2026-11-20T15:04:00Z").is_ok() && rfc3339("yesterday").is_err());
        assert_eq!(carrier_slug("ups"), Ok(Carrier::Ups));
        assert!(carrier_slug("zzz").is_err());
        assert_eq!(ngrams("2"), Ok(2));
        assert_eq!(ngrams("3"), Err("must be 1 or 2".into()));
        assert_eq!(char_ngrams("3-5"), Ok(CharNgrams { min: 3, max: 5 }));
        assert_eq!(char_ngrams("4"), Ok(CharNgrams { min: 4, max: 4 }));
        for bad in ["0-3", "5-3", "3-9", "a-b", ""] {
            assert!(char_ngrams(bad).is_err(), "{bad}");
        }
        assert_eq!(
            intent_threshold("cancel=0.9"),
            Ok(IntentThreshold {
                intent: Intent::Cancel,
                threshold: 0.9
            })
        );
        for bad in ["cancel", "refund=0.5", "cancel=2", "other=0.5"] {
            assert!(intent_threshold(bad).is_err(), "{bad}");
        }
        assert_eq!(
            since("2025-11-01").unwrap(),
            since("2025-11-01T00:00:00Z").unwrap()
        );
        assert_eq!(
            since("2025-11-01T01:00:00+01:00").unwrap(),
            since("2025-11-01").unwrap()
        );
        for bad in ["yesterday", "2025-13-01", ""] {
            assert!(since(bad).is_err(), "{bad}");
        }
    }
}
