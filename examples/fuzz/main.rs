//! The long fuzz campaign (see `targets.rs` for the targets and what they check):
//!
//! ```sh
//! cargo run --release --example fuzz -- --target all --inputs 2000000 --seed 1 --threads 2
//! ```
//!
//! `--inputs` is per target unless `--split` gives each target its own count. Each new kind of
//! failure is printed as soon as it is found, with its target, seed, input index, the input
//! (escaped) and a `--replay` command; the full input is saved under `target/fuzz-failures/`.
//! Failures listed in `driver::KNOWN_ISSUES` are reported but do not fail the run.
//! Exit codes: 0 clean, 1 failures found, 2 bad command line.

#[path = "targets.rs"]
mod targets;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Parser;

use targets::driver::{self, Failure, Report};
use targets::{Shared, Target};

#[derive(Debug, Parser)]
#[command(about = "Fuzz deskbot's targets with seeded mutations")]
struct Args {
    /// `all`, or a target: message, csv, model, policy, facts, carrier, review.
    #[arg(long, default_value = "all")]
    target: String,
    /// Inputs per target.
    #[arg(long, default_value_t = 10_000)]
    inputs: u64,
    /// Per-target counts overriding --inputs, e.g. `carrier=4000000,model=500000`.
    #[arg(long, value_delimiter = ',')]
    split: Vec<String>,
    /// Campaign seed: the same seed gives the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Run only this input (of --target, under --seed) with panics printed in full.
    #[arg(long)]
    replay: Option<u64>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the campaign: `Ok(true)` when every input passed.
fn run(args: Args) -> anyhow::Result<bool> {
    let targets: Vec<Target> = if args.target == "all" {
        Target::ALL.to_vec()
    } else {
        let target = Target::from_name(&args.target)
            .with_context(|| format!("unknown target {:?}", args.target))?;
        vec![target]
    };
    let mut counts = Vec::new();
    for target in &targets {
        counts.push((*target, args.inputs));
    }
    for entry in &args.split {
        let (name, count) = entry
            .split_once('=')
            .with_context(|| format!("--split {entry:?}: expected NAME=COUNT"))?;
        let target = Target::from_name(name).with_context(|| format!("unknown target {name:?}"))?;
        let count: u64 = count
            .parse()
            .with_context(|| format!("--split {entry:?}: bad count"))?;
        match counts.iter_mut().find(|(t, _)| *t == target) {
            Some(slot) => slot.1 = count,
            None => bail!("--split names {name}, which --target does not run"),
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let loading = Instant::now();
    let shared = Shared::load(root.clone());
    eprintln!(
        "loaded models and seeds in {:.1} s",
        loading.elapsed().as_secs_f64()
    );

    if let Some(index) = args.replay {
        let [target] = targets[..] else {
            bail!("--replay needs one --target");
        };
        let mut rng = driver::input_rng(args.seed, target, index);
        let input = target.generate(&shared, &mut rng);
        println!(
            "input {index} of {} under seed {}:",
            target.name(),
            args.seed
        );
        println!("  {}", driver::escape(&input));
        println!("  read as: {}", target.decode(&shared, &input));
        // No catching: a panic prints with its backtrace (RUST_BACKTRACE=1).
        let result = target.harness(&shared).run(&input);
        println!("result: {result:?}");
        return Ok(result.is_ok());
    }

    let save_dir = root.join("target/fuzz-failures");
    let on_failure = |failure: &Failure| {
        eprintln!("\n{failure}");
        let path = save_dir.join(format!(
            "{}-seed{}-input{}.bin",
            failure.target.name(),
            failure.seed,
            failure.index
        ));
        if std::fs::create_dir_all(&save_dir)
            .and_then(|()| std::fs::write(&path, &failure.input))
            .is_ok()
        {
            eprintln!("  saved: {}", path.display());
        }
    };
    println!(
        "seed {}, {} thread(s)\n{:<8} {:>11} {:>9} {:>11} {:>9} {:>6}  slowest input",
        args.seed, args.threads, "target", "inputs", "seconds", "inputs/s", "failures", "known"
    );
    let mut reports: Vec<Report> = Vec::new();
    for (target, inputs) in counts {
        let report = driver::run_target(
            &shared,
            target,
            args.seed,
            inputs,
            args.threads,
            &on_failure,
        );
        println!(
            "{:<8} {:>11} {:>9.1} {:>11.0} {:>9} {:>6}  {:.1} ms (#{})",
            target.name(),
            report.inputs,
            report.elapsed.as_secs_f64(),
            report.rate(),
            report.failed_inputs(),
            report.known_inputs(),
            report.slowest.0.as_secs_f64() * 1e3,
            report.slowest.1
        );
        let tally: Vec<String> = report
            .tally
            .iter()
            .map(|(label, n)| format!("{label} {n}"))
            .collect();
        println!("         reached: {}", tally.join(", "));
        reports.push(report);
    }
    let total: u64 = reports.iter().map(|r| r.inputs).sum();
    let seconds: f64 = reports.iter().map(|r| r.elapsed.as_secs_f64()).sum();
    let failures: Vec<&Failure> = reports.iter().flat_map(|r| r.new_failures()).collect();
    let known: Vec<&Failure> = reports
        .iter()
        .flat_map(|r| &r.failures)
        .filter(|f| f.problem.known_issue().is_some())
        .collect();
    println!("{:<8} {:>11} {:>9.1}", "total", total, seconds);
    if !known.is_empty() {
        println!("\n{} known issue(s), not failing the run:", known.len());
        for failure in known {
            println!("\n{failure}");
        }
    }
    if failures.is_empty() {
        println!("no failures");
        return Ok(true);
    }
    println!("\n{} kind(s) of failure:", failures.len());
    for failure in failures {
        println!("\n{failure}");
    }
    Ok(false)
}
