//! Command-line arguments (clap). Turned into library settings by the command modules; the
//! library never sees these types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// deskbot: answers routine shop support messages with fact-checked replies, and hands the
/// rest to a human.
#[derive(Debug, Parser)]
#[command(name = "deskbot", version, about, long_about = None)]
#[command(after_help = "Exit codes: 0 success, 1 error (message on stderr), 2 bad command line.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
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
}

/// Which shop to talk to.
#[derive(Debug, Args, Default)]
pub struct ShopArgs {
    /// Shop configuration: the policy plus `[platform]` and `[carriers.*]` [default: the demo
    /// shop's deskbot.toml].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The demo shop's folder (orders.json, tracking.json) [default: examples/demo-shop].
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
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub shop: ShopArgs,
}

/// Where the model lives.
#[derive(Debug, Args)]
pub struct ModelArg {
    /// Model file.
    #[arg(long, default_value = "models/intent-model.json")]
    pub model: PathBuf,
}

/// Overrides of the thresholds stored in the model.
#[derive(Debug, Args, Default)]
pub struct ThresholdArgs {
    /// Override the default confidence threshold (0–1) for intents without their own.
    #[arg(long, value_name = "P")]
    pub threshold: Option<f64>,
    /// Override one intent's threshold, e.g. `--intent-threshold cancel=0.9` (repeatable).
    #[arg(long, value_name = "INTENT=P")]
    pub intent_threshold: Vec<String>,
    /// Override the ambiguity margin (0–1): top-1 minus top-2 below this escalates.
    #[arg(long, value_name = "M")]
    pub margin: Option<f64>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// A CSV file, or a directory whose `*.csv` files are read (not its subdirectories).
    #[arg(long, default_value = "training-data")]
    pub data: PathBuf,
    /// Where to write the model.
    #[arg(long, default_value = "models/intent-model.json")]
    pub out: PathBuf,
    /// Held-out labelled data to report on after training [default: DATA/holdout if present].
    #[arg(long)]
    pub holdout: Option<PathBuf>,
    /// Skip threshold tuning: one fit, default thresholds.
    #[arg(long)]
    pub no_tune: bool,
    /// Precision automated answers must reach (cross-validated) when tuning.
    #[arg(long, default_value_t = 0.97, value_name = "P")]
    pub target_precision: f64,
    /// Folds used for tuning.
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub folds: usize,
    /// Also report K-fold cross-validated accuracy and macro-F1.
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
    /// Snowball stemming language (english, german, french, spanish, …).
    #[arg(long, default_value = "english")]
    pub language: String,
    /// Longest word n-gram: 1 or 2.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub ngrams: usize,
    /// Minimum number of messages a feature must occur in.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_df: usize,
    /// Vocabulary cap.
    #[arg(long, default_value_t = 50_000, value_name = "N")]
    pub max_features: usize,
    /// Add character n-grams of each word, e.g. `3-5`, for typo robustness (slower to classify).
    #[arg(long, value_name = "MIN-MAX")]
    pub char_ngrams: Option<String>,
    /// Use raw term counts instead of 1 + ln(tf).
    #[arg(long)]
    pub linear_tf: bool,
    /// L2 penalty on the weights.
    #[arg(long, default_value_t = 0.1)]
    pub alpha: f64,
    /// L-BFGS iteration cap.
    #[arg(long, default_value_t = 400, value_name = "N")]
    pub max_iter: u64,
    /// Stop L-BFGS when the gradient norm per training row falls below this.
    #[arg(long, default_value_t = 1e-4, value_name = "TOL")]
    pub gradient_tolerance: f64,
    /// How classes weigh in the loss: `balanced` makes every intent count equally whatever its
    /// row count; `uniform` counts every row once.
    #[arg(long, value_enum, default_value_t = ClassWeightArg::Balanced)]
    pub class_weight: ClassWeightArg,
    /// Default confidence threshold.
    #[arg(long, default_value_t = 0.6, value_name = "P")]
    pub threshold: f64,
    /// Ambiguity margin.
    #[arg(long, default_value_t = 0.1, value_name = "M")]
    pub margin: f64,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClassWeightArg {
    Uniform,
    Balanced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Messages to classify (each argument is one message).
    #[arg(conflicts_with = "input")]
    pub text: Vec<String>,
    /// CSV file with a `text` column (`-` for standard input).
    #[arg(long, short)]
    pub input: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Show the features that pushed each decision.
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Labelled CSV file or directory.
    #[arg(long, default_value = "training-data/holdout")]
    pub data: PathBuf,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Write a confusion-matrix heatmap and a coverage-vs-precision curve (SVG) here.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Precision automated answers must reach.
    #[arg(long, value_name = "P")]
    pub target_precision: f64,
    /// Ambiguity margin to tune under [default: the model's].
    #[arg(long, value_name = "M")]
    pub margin: Option<f64>,
    /// Write the re-tuned model here [default: overwrite --model].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
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
    /// Reply templates (`<intent>/<situation>.tera`); point at your own folder to override.
    #[arg(long, default_value = "templates", value_name = "DIR")]
    pub templates: PathBuf,
    /// Answer as of this time (RFC 3339) [default: the policy's clock, else now].
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// The customer's message.
    pub message: String,
}

#[derive(Debug, Args)]
pub struct CheckTemplatesArgs {
    /// Template folder to check.
    #[arg(long, default_value = "templates", value_name = "DIR")]
    pub templates: PathBuf,
    /// Shop whose facts the templates are rendered with.
    #[arg(long, default_value = "examples/demo-shop", value_name = "DIR")]
    pub shop: PathBuf,
}
