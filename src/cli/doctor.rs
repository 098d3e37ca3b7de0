//! `deskbot doctor`: one cheap authenticated call per configured vendor, and a verdict a person
//! can act on.

use std::io::Write;

use anyhow::{bail, Result};
use deskbot::adapters::connect::help_desk;
use deskbot::adapters::AdapterError;

use super::args::DoctorArgs;
use super::{runtime, shop};

/// What a check found, in the words of what to fix.
fn verdict(result: &Result<(), AdapterError>) -> (&'static str, String) {
    match result {
        Ok(()) => ("OK", String::new()),
        Err(error) => {
            let label = match error {
                AdapterError::Unauthenticated { .. } => "bad credentials",
                AdapterError::PermissionDenied { .. } => "missing scope/permission",
                AdapterError::NotFound { .. } => "not found",
                AdapterError::Unreachable { tls: true, .. } => "TLS error",
                AdapterError::Unreachable { tls: false, .. } => "unreachable",
                AdapterError::RateLimited { .. } => "rate limited",
                AdapterError::Unavailable { .. } => "unavailable",
                // A setting the vendor's answers show to be wrong (a `base_url` that reaches
                // something else, a malformed id): its message says which.
                AdapterError::Invalid { .. } => "wrong setting",
                _ => "unexpected answer",
            };
            (label, error.to_string())
        }
    }
}

pub fn run(args: DoctorArgs) -> Result<()> {
    let shop = shop::open(&args.shop)?;
    let runtime = runtime()?;
    let mut checks = vec![(
        "platform",
        shop.config.platform.kind().to_owned(),
        runtime.block_on(shop.connections.platform.check_connection()),
    )];
    // The in-memory desk has nothing to reach; a configured one gets its own authenticated call.
    if shop.config.helpdesk.name() != "memory" {
        let result = match help_desk(&shop.config) {
            Ok(desk) => runtime.block_on(desk.check_connection()),
            Err(error) => Err(AdapterError::Invalid {
                message: format!("{:#}", anyhow::Error::from(error)),
            }),
        };
        checks.push(("helpdesk", shop.config.helpdesk.name().to_owned(), result));
    }
    for tracker in shop.connections.carriers.live() {
        checks.push((
            "carrier",
            tracker.name().to_owned(),
            runtime.block_on(tracker.check_connection()),
        ));
    }
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for (family, vendor, result) in &checks {
        let (label, detail) = verdict(result);
        writeln!(
            out,
            "{family:<9} {vendor:<12} {label}{}",
            if detail.is_empty() {
                String::new()
            } else {
                format!(" — {detail}")
            }
        )?;
        failed += usize::from(result.is_err());
    }
    if shop.connections.carriers.live().is_empty() {
        writeln!(
            out,
            "carrier   (none live)  parcels are tracked from the demo shop's files, or not at all"
        )?;
    }
    if failed > 0 {
        bail!("{failed} vendor check(s) failed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_gets_the_words_of_what_to_fix() {
        assert_eq!(verdict(&Ok(())).0, "OK");
        let wrong_address = AdapterError::Invalid {
            message: "dhl track/shipments (HTTP 404 that is not dhl's own answer: check base_url)"
                .into(),
        };
        let (label, detail) = verdict(&Err(wrong_address));
        assert_eq!(label, "wrong setting");
        assert!(detail.contains("check base_url"), "{detail}");
        let refused = AdapterError::Unauthenticated {
            message: "ups (HTTP 401)".into(),
        };
        assert_eq!(verdict(&Err(refused)).0, "bad credentials");
    }
}
