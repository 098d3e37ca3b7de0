//! The `deskbot` binary. Exit codes: 0 success, 1 error, 2 bad command line (clap), 3 a
//! challenger refused by `eval --require`.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use std::sync::Arc;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_checked();
    // Vendor calls log at `info` (vendor, endpoint template, status, latency, attempt); shown
    // with DESKBOT_LOG=info. Logs go to stderr so stdout stays the command's output. `serve`
    // also counts those calls into its metrics, whatever DESKBOT_LOG says.
    let metrics = matches!(cli.command, cli::args::Command::Serve(_))
        .then(|| Arc::new(deskbot::serve::Metrics::new()));
    let filter = tracing_subscriber::EnvFilter::try_from_env("DESKBOT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_log(&cli)));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                // Colour codes only for a person at a terminal, not in a journal or a file.
                .with_ansi(std::io::stderr().is_terminal())
                .with_filter(filter),
        )
        .with(metrics.clone().map(|metrics| {
            deskbot::serve::VendorCallLayer::new(metrics).with_filter(
                tracing_subscriber::filter::Targets::new()
                    .with_target("deskbot::http", tracing::Level::INFO),
            )
        }))
        .init();
    match cli::run(cli, metrics) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`deskbot classify … | head`) is not an error worth reporting.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // `eprintln!` panics when stderr is closed too (`… 2>&1 | head -1`); the exit code
            // still tells the story.
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            if error.is::<cli::RequirementNotMet>() {
                ExitCode::from(3)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Whether any error in the chain is a write to a closed pipe.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `serve` logs what it does at `info`; other commands only warnings.
fn default_log(cli: &cli::Cli) -> &'static str {
    match cli.command {
        cli::args::Command::Serve(_) => "info",
        _ => "warn",
    }
}
