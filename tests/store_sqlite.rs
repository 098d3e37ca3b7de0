//! The SQLite store: the shared conformance suite on a file in a temporary directory, plus what
//! only a file can show (durability across reopening, several stores on one file, settings).
#![cfg(feature = "store")]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use deskbot::store::conformance::{self, at, decision, new_job, SharedStore};
use deskbot::store::{
    open, Enqueued, JobFilter, JobId, JobState, SqliteStore, Store, StoreError, StoreSettings,
};

async fn fresh() -> (tempfile::TempDir, SharedStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&dir.path().join("deskbot.db"))
        .await
        .expect("a new SQLite store opens");
    (dir, Arc::new(store))
}

mod conformance_suite {
    use super::*;

    conformance::suite!(fresh());
}

const LEASE: Duration = Duration::from_secs(30);

/// Everything a call returned as written is still there after the store is closed and the
/// file opened again: jobs in every state, the claim in force, the decision log.
#[tokio::test]
async fn everything_survives_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let done = store.enqueue(new_job("evt-a", "1", 0)).await.unwrap().id();
    let held = store.enqueue(new_job("evt-b", "2", 1)).await.unwrap().id();
    let waiting = store.enqueue(new_job("evt-c", "3", 2)).await.unwrap().id();
    let first = store.claim("w", LEASE, at(10)).await.unwrap().unwrap();
    store.complete(&first, at(11)).await.unwrap();
    let second = store.claim("w", LEASE, at(12)).await.unwrap().unwrap();
    assert_eq!(second.job.id, held);
    let record = decision("ann@example.com", 13, Some(done));
    store.record_decision(&record).await.unwrap();
    let before: Vec<_> = store.jobs(&JobFilter::default()).await.unwrap();
    store.close().await;
    assert!(
        matches!(store.ping().await, Err(StoreError::Database { .. })),
        "a closed store refuses calls"
    );
    drop(store);

    let store = SqliteStore::open(&path)
        .await
        .expect("the file opens again");
    assert_eq!(store.jobs(&JobFilter::default()).await.unwrap(), before);
    assert_eq!(store.decisions(None, 10).await.unwrap(), [record]);
    assert_eq!(
        store.enqueue(new_job("evt-a", "1", 20)).await.unwrap(),
        Enqueued::Duplicate(done),
        "dedup keys survive"
    );
    // The claim taken before closing is still the one in force.
    store
        .complete(&second, at(14))
        .await
        .expect("the holder completes after a restart");
    assert_eq!(
        store.job(held).await.unwrap().unwrap().state,
        JobState::Done
    );
    assert_eq!(
        store.job(waiting).await.unwrap().unwrap().state,
        JobState::Queued
    );
}

/// Two stores on one file (as two processes would have): 600 jobs, 4 claimers on each, every
/// job claimed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_share_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let one: SharedStore = Arc::new(SqliteStore::open(&path).await.unwrap());
    let two: SharedStore = Arc::new(SqliteStore::open(&path).await.unwrap());
    for n in 0..600 {
        let store = if n % 2 == 0 { &one } else { &two };
        store
            .enqueue(new_job(&format!("evt-{n}"), &format!("t{n}"), n))
            .await
            .unwrap();
    }
    let mut claimers = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let store = if worker % 2 == 0 {
            one.clone()
        } else {
            two.clone()
        };
        claimers.spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = store.claim("w", LEASE, at(1_000)).await.unwrap() {
                store.complete(&job, at(1_000)).await.unwrap();
                mine.push(job.job.id);
            }
            mine
        });
    }
    let ids: Vec<JobId> = claimers.join_all().await.into_iter().flatten().collect();
    assert_eq!(ids.len(), 600);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 600);
    assert_eq!(one.counts().await.unwrap().done, 600);
}

/// `open` with SQLite settings creates the file; a directory that does not exist is an error
/// naming the file.
#[tokio::test]
async fn open_creates_the_file_or_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("made.db");
    let store = open(&StoreSettings::Sqlite { path: path.clone() })
        .await
        .unwrap();
    assert_eq!(store.kind(), "sqlite");
    store.ping().await.unwrap();
    assert!(path.exists());
    let nowhere = dir.path().join("no-such-dir").join("x.db");
    let err = match open(&StoreSettings::Sqlite { path: nowhere }).await {
        Err(err) => err,
        Ok(_) => panic!("a store in a missing directory must not open"),
    };
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

/// A file that is not a database is refused, not overwritten.
#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are my notes, not a database ".repeat(200)).unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .starts_with("these are my notes"));
}
