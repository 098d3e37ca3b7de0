//! `deskbot carrier`: which carriers a tracking number fits.

use std::io::Write;

use anyhow::Result;
use deskbot::carrier::{detect, Candidate};
use serde::Serialize;

use super::args::{CarrierArgs, OutputFormat};

#[derive(Serialize)]
struct Detection<'a> {
    number: &'a str,
    candidates: Vec<Candidate>,
}

pub fn run(args: CarrierArgs) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for number in &args.numbers {
        let candidates = detect(number);
        match args.format {
            OutputFormat::Json | OutputFormat::Jsonl => {
                let detection = Detection { number, candidates };
                writeln!(out, "{}", serde_json::to_string(&detection)?)?;
            }
            OutputFormat::Text if candidates.is_empty() => {
                writeln!(out, "{number}: no known carrier format")?;
            }
            OutputFormat::Text => {
                let list: Vec<String> = candidates
                    .iter()
                    .map(|c| {
                        let check = if c.check_digit_valid {
                            "check digit valid"
                        } else {
                            "format only"
                        };
                        format!(
                            "{} ({}; {check})",
                            c.carrier.display_name(),
                            c.carrier.slug()
                        )
                    })
                    .collect();
                writeln!(out, "{number}: {}", list.join(", "))?;
            }
        }
    }
    Ok(())
}
