//! `deskbot serve` under load, as a process, with loopback stand-ins for Zendesk, Shopify and UPS
//! (tests/serve_support): how fast a signed webhook is acknowledged (stored, then 202) and how
//! many jobs per second are answered end to end (ticket read, classify, order and tracking
//! lookups, reply with its delivery mark, decision log).
//!
//! ```text
//! cargo bench --bench serve_load                              # SQLite, one process
//! cargo bench --bench serve_load --features postgres-tests    # and PostgreSQL, two replicas
//! DESKBOT_LOAD_JOBS=5000 DESKBOT_LOAD_CONCURRENCY=64 cargo bench --bench serve_load
//! ```
//!
//! The stand-ins and the load generator run on the same machine as the service, so the figures
//! are a floor for the service itself, not a ceiling.

#[cfg(feature = "postgres-tests")]
#[path = "../tests/support/postgres.rs"]
mod postgres;
#[path = "../tests/serve_support/mod.rs"]
mod serve_support;
#[path = "../tests/platform_shopify/stand_in.rs"]
#[allow(dead_code)]
mod shopify;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serve_support::suite::{client, setup, Backend, Setup};
use serve_support::{jobs, now_stamp, post_zendesk, zendesk_event, ZENDESK_SECRET};
use tokio::sync::Semaphore;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The p-th percentile (0–100) of sorted `values`, nearest rank.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Opens `count` tickets from `first` on, alternating a tracking question (a reply with facts
/// from Shopify and UPS) and an out-of-scope one (a handoff note); returns (ticket, comment).
fn open_tickets(s: &Setup, first: u64, count: usize) -> Vec<(u64, u64)> {
    (0..count as u64)
        .map(|i| {
            let ticket = first + i;
            let (email, text) = if i % 2 == 0 {
                ("ivy@example.com", "Where is my order #1014?")
            } else {
                ("noah@example.com", "Do you sell gift cards?")
            };
            (ticket, s.zendesk.open_ticket(ticket, email, text))
        })
        .collect()
}

/// Sends the webhooks `concurrency` at a time, spread over `urls`; returns each
/// acknowledgement's latency.
async fn send(urls: &[String], tickets: &[(u64, u64)], concurrency: usize) -> Vec<Duration> {
    let client = client();
    let stamp = now_stamp();
    let gate = Arc::new(Semaphore::new(concurrency));
    let mut handles = Vec::with_capacity(tickets.len());
    for (i, (ticket, comment)) in tickets.iter().enumerate() {
        let permit = Arc::clone(&gate).acquire_owned().await.unwrap();
        let (client, url, stamp) = (client.clone(), urls[i % urls.len()].clone(), stamp.clone());
        let body = zendesk_event(*ticket, *comment);
        handles.push(tokio::spawn(async move {
            let started = Instant::now();
            let status = post_zendesk(client, url, body, ZENDESK_SECRET, stamp).await;
            let took = started.elapsed();
            drop(permit);
            assert_eq!(status, 202, "every webhook is accepted");
            took
        }));
    }
    let mut latencies = Vec::with_capacity(handles.len());
    for handle in handles {
        latencies.push(handle.await.unwrap());
    }
    latencies
}

fn done(s: &Setup) -> u64 {
    jobs(&s.config)["counts"]["done"].as_u64().unwrap()
}

async fn run(name: &str, backend: Backend, count: usize, concurrency: usize) {
    let s = setup(backend, "workers = 8").await;
    let primary = s.start();
    let urls = s.urls(&primary);
    // Warm-up: connections, caches, the first SQLite pages.
    let warm = open_tickets(&s, 1, 50);
    send(&urls, &warm, concurrency).await;
    while done(&s) < 50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let tickets = open_tickets(&s, 100_000, count);
    let started = Instant::now();
    let mut latencies = send(&urls, &tickets, concurrency).await;
    let acknowledged = started.elapsed();
    while done(&s) < 50 + count as u64 {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the jobs did not finish:\n{}",
            primary.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let finished = started.elapsed();
    for (ticket, _) in &tickets {
        assert_eq!(s.zendesk.posted(*ticket).len(), 1, "ticket {ticket}");
    }
    latencies.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<28} {count} webhooks × {concurrency} concurrent ({} process{}): \
         ack p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; all acknowledged in {:.2} s; \
         all answered in {:.2} s = {:.0} jobs/s",
        urls.len(),
        if urls.len() == 1 { "" } else { "es" },
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(*latencies.last().unwrap()),
        acknowledged.as_secs_f64(),
        finished.as_secs_f64(),
        count as f64 / finished.as_secs_f64(),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter is not supported.
    let count = env_number("DESKBOT_LOAD_JOBS", 2000);
    let concurrency = env_number("DESKBOT_LOAD_CONCURRENCY", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        run("sqlite", Backend::Sqlite, count, concurrency).await;
        #[cfg(feature = "postgres-tests")]
        {
            let url = postgres::TestPostgres::shared().fresh_database("load");
            run(
                "postgres (2 replicas)",
                Backend::Postgres(url),
                count,
                concurrency,
            )
            .await;
        }
    });
}
