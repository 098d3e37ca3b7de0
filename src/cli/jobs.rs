//! `deskbot jobs list|show|retry|drop` and `deskbot forget`: the service's store from the
//! command line.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};
use deskbot::config::Config;
use deskbot::store::{Job, JobFilter, JobId, Store};
use jiff::Timestamp;

use super::args::{DocumentFormat, ForgetArgs, JobsArgs, JobsCommand, ShopArgs};
use super::{runtime, shop};

/// Opens the store the config names, reading only its `[store]` table.
async fn open(args: &ShopArgs) -> Result<Arc<dyn Store>> {
    let path = shop::config_path(args);
    let settings = if path.is_file() || args.config.is_some() || args.shop.is_some() {
        Config::load_store(&path)?
    } else {
        shop::load(args)?.store
    };
    deskbot::store::open(&settings)
        .await
        .with_context(|| format!("opening the store {} names", path.display()))
}

pub fn run(args: JobsArgs) -> Result<()> {
    runtime()?.block_on(async move {
        let mut out = std::io::stdout().lock();
        match args.command {
            JobsCommand::List(args) => {
                let store = open(&args.shop).await?;
                let counts = store.counts().await?;
                let jobs = store
                    .jobs(&JobFilter {
                        state: args.state,
                        ticket_id: args.ticket.clone(),
                        limit: Some(args.limit),
                    })
                    .await?;
                match args.format {
                    DocumentFormat::Json => writeln!(
                        out,
                        "{}",
                        serde_json::to_string_pretty(
                            &serde_json::json!({ "counts": counts, "jobs": jobs })
                        )?
                    )?,
                    DocumentFormat::Text => {
                        writeln!(
                            out,
                            "queued {} · running {} · done {} · dead {} · dropped {}",
                            counts.queued, counts.running, counts.done, counts.dead, counts.dropped
                        )?;
                        for job in &jobs {
                            writeln!(
                                out,
                                "{:>8}  {:<8} {:<8} ticket {:<10} attempt {}  {}{}",
                                job.id,
                                job.state.as_str(),
                                job.source,
                                job.ticket_id,
                                job.attempt,
                                job.updated_at,
                                job.last_error
                                    .as_deref()
                                    .map(|e| format!("  {e}"))
                                    .unwrap_or_default()
                            )?;
                        }
                    }
                }
            }
            JobsCommand::Show(args) => {
                let store = open(&args.shop).await?;
                let job = find(store.as_ref(), JobId(args.id)).await?;
                match args.format {
                    DocumentFormat::Json => {
                        writeln!(out, "{}", serde_json::to_string_pretty(&job)?)?
                    }
                    DocumentFormat::Text => show(&mut out, &job)?,
                }
            }
            JobsCommand::Retry(args) => {
                let store = open(&args.shop).await?;
                store
                    .retry(JobId(args.id), Timestamp::now())
                    .await
                    .with_context(|| format!("retrying job {}", args.id))?;
                writeln!(
                    out,
                    "job {} queued again; a running `deskbot serve` picks it up",
                    args.id
                )?;
            }
            JobsCommand::Drop(args) => {
                let store = open(&args.shop).await?;
                store
                    .drop_job(JobId(args.id), Timestamp::now())
                    .await
                    .with_context(|| format!("dropping job {}", args.id))?;
                writeln!(out, "job {} dropped", args.id)?;
            }
        }
        Ok(())
    })
}

async fn find(store: &dyn Store, id: JobId) -> Result<Job> {
    store
        .job(id)
        .await?
        .with_context(|| format!("no job {id} (see `deskbot jobs list`)"))
}

fn show(out: &mut impl Write, job: &Job) -> Result<()> {
    writeln!(out, "job        {}", job.id)?;
    writeln!(out, "state      {}", job.state.as_str())?;
    writeln!(out, "source     {}", job.source)?;
    writeln!(out, "ticket     {}", job.ticket_id)?;
    writeln!(out, "dedup key  {}", job.dedup_key)?;
    writeln!(out, "attempt    {}", job.attempt)?;
    writeln!(out, "run at     {}", job.run_at)?;
    if let Some(lease) = job.lease_until {
        writeln!(out, "lease      until {lease}")?;
    }
    if let Some(worker) = &job.worker {
        writeln!(out, "worker     {worker}")?;
    }
    if let Some(error) = &job.last_error {
        writeln!(out, "last error {error}")?;
    }
    writeln!(out, "created    {}", job.created_at)?;
    writeln!(out, "updated    {}", job.updated_at)?;
    writeln!(out, "---")?;
    writeln!(out, "{}", job.payload)?;
    Ok(())
}

pub fn forget(args: ForgetArgs) -> Result<()> {
    runtime()?.block_on(async move {
        let store = open(&args.shop).await?;
        let forgotten = store.forget_email(&args.email).await?;
        println!(
            "erased {} decision-log rows and the stored webhook bodies of {} jobs",
            forgotten.decisions, forgotten.job_payloads
        );
        Ok(())
    })
}
