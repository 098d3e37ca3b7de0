//! `deskbot carrier`: which carriers and formats a tracking number fits.

use std::io::Write;

use anyhow::Result;
use deskbot::carrier::{detect, Candidate};
use serde::Serialize;

use super::args::{CarrierArgs, OutputFormat};

/// One number and its candidates: an element of the `json` array, a line of `jsonl`.
#[derive(Serialize)]
struct Detection<'a> {
    number: &'a str,
    candidates: Vec<Candidate>,
}

pub fn run(args: CarrierArgs) -> Result<()> {
    let detections: Vec<Detection<'_>> = args
        .numbers
        .iter()
        .map(|number| Detection {
            number,
            candidates: detect(number),
        })
        .collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &detections)?;
            writeln!(out)?;
        }
        OutputFormat::Jsonl => {
            for detection in &detections {
                serde_json::to_writer(&mut out, detection)?;
                writeln!(out)?;
            }
        }
        OutputFormat::Text => {
            for detection in &detections {
                writeln!(out, "{}", text_line(detection))?;
            }
        }
    }
    Ok(())
}

/// `1Z…: UPS (ups; check digit valid) [UPS: UPS United States Ground], …`.
fn text_line(detection: &Detection<'_>) -> String {
    if detection.candidates.is_empty() {
        return format!("{}: no known carrier format", detection.number);
    }
    let list: Vec<String> = detection
        .candidates
        .iter()
        .map(|c| {
            let standing = match (c.valid, c.check_digit_valid) {
                (true, Some(_)) => "check digit valid",
                (true, None) => "format only, no check digit",
                (false, Some(false)) => "check digit wrong",
                (false, _) => "not valid: a lookup the spec requires found nothing",
            };
            let mut service = c.service.to_owned();
            if let Some(operator) = &c.postal_operator {
                service = format!("{service}: {}", operator.name);
            } else if let Some(name) = c
                .details
                .iter()
                .find(|d| d.lookup == "Service Type")
                .and_then(|d| d.info.get("name")?.as_deref())
            {
                service = format!("{service}: {name}");
            }
            format!(
                "{} ({}; {standing}) [{service}]",
                c.carrier.display_name(),
                c.carrier.slug()
            )
        })
        .collect();
    format!("{}: {}", detection.number, list.join(", "))
}
