//! `deskbot doctor`: one cheap authenticated call per configured vendor, and a verdict a person
//! can act on.

use std::io::Write;

use anyhow::{bail, Result};
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
                _ => "unexpected answer",
            };
            (label, error.to_string())
        }
    }
}

pub fn run(args: DoctorArgs) -> Result<()> {
    let shop = shop::open(&args.shop)?;
    let platform = shop.connections.platform;
    let result = runtime()?.block_on(platform.check_connection());
    let (label, detail) = verdict(&result);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "platform  {:<12} {label}{}",
        shop.config.platform.kind(),
        if detail.is_empty() {
            String::new()
        } else {
            format!(" — {detail}")
        }
    )?;
    if result.is_err() {
        bail!("1 vendor check failed");
    }
    Ok(())
}
