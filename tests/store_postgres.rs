//! The PostgreSQL store: the shared conformance suite, each test in its own database on one
//! throwaway server (tests/support/postgres.rs), plus several replicas sharing one queue.
//! Needs `--features postgres-tests` and the PostgreSQL server binaries.
#![cfg(feature = "postgres-tests")]

#[path = "support/postgres.rs"]
mod postgres;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use deskbot::adapters::Secret;
use deskbot::store::conformance::{self, at, new_job, SharedStore};
use deskbot::store::{open, JobId, PostgresStore, StoreError, StoreSettings};

use postgres::TestPostgres;

async fn fresh() -> ((), SharedStore) {
    let url = TestPostgres::shared().fresh_database("conformance");
    let store = PostgresStore::connect(&url, 10)
        .await
        .expect("the store connects and migrates");
    ((), Arc::new(store))
}

mod conformance_suite {
    use super::*;

    conformance::suite!(fresh());
}

/// Three replicas on one database, three claimers each: 900 jobs, each claimed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_one_queue() {
    let url = TestPostgres::shared().fresh_database("replicas");
    // Replicas start together: the migration runs once under its advisory lock.
    let (a, b, c) = tokio::join!(
        PostgresStore::connect(&url, 4),
        PostgresStore::connect(&url, 4),
        PostgresStore::connect(&url, 4)
    );
    let replicas: Vec<SharedStore> = vec![
        Arc::new(a.unwrap()),
        Arc::new(b.unwrap()),
        Arc::new(c.unwrap()),
    ];
    for n in 0..900 {
        replicas[n % 3]
            .enqueue(new_job(&format!("evt-{n}"), "1", n as i64))
            .await
            .unwrap();
    }
    let mut claimers = tokio::task::JoinSet::new();
    for worker in 0..9 {
        let store = replicas[worker % 3].clone();
        claimers.spawn(async move {
            let mut mine = Vec::new();
            let lease = Duration::from_secs(30);
            while let Some(job) = store.claim("w", lease, at(10_000)).await.unwrap() {
                store.complete(&job, at(10_000)).await.unwrap();
                mine.push(job.job.id);
            }
            mine
        });
    }
    let ids: Vec<JobId> = claimers.join_all().await.into_iter().flatten().collect();
    assert_eq!(ids.len(), 900);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 900);
    assert_eq!(replicas[0].counts().await.unwrap().done, 900);
}

/// `open` with PostgreSQL settings; a wrong password fails without showing it.
#[tokio::test]
async fn open_connects_and_hides_the_password() {
    let server = TestPostgres::shared();
    let url = server.fresh_database("open");
    let settings = StoreSettings::Postgres {
        url: Secret::new(url.clone()),
        max_connections: 2,
    };
    let store = open(&settings).await.expect("open");
    assert_eq!(store.kind(), "postgres");
    store.ping().await.unwrap();
    // The schema is there once: opening again migrates nothing and keeps the data.
    store.enqueue(new_job("evt-keep", "1", 0)).await.unwrap();
    let again = open(&settings).await.expect("open again");
    assert_eq!(again.counts().await.unwrap().queued, 1);

    let wrong = url.replace("test-only-pw", "Wr0ngPassw0rd");
    let settings = StoreSettings::Postgres {
        url: Secret::new(wrong),
        max_connections: 1,
    };
    let err = match open(&settings).await {
        Err(err) => err,
        Ok(_) => panic!("a wrong password must not connect"),
    };
    let text = err.to_string();
    assert!(matches!(err, StoreError::Open { .. }), "{text}");
    assert!(!text.contains("Wr0ngPassw0rd"), "{text}");
    assert!(text.contains("deskbot:***@127.0.0.1"), "{text}");
}
