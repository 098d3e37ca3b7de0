//! The shared conformance suite: one async function per point of the [`Store`] contract, run
//! against every implementation (memory, SQLite, PostgreSQL) through [`suite!`].
//!
//! Each function takes a fresh, empty store and panics with a message on the first broken
//! promise. Times are fixed, whole-second instants from [`at`], so results do not depend on the
//! clock.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::{
    ClaimedJob, DecisionRecord, Enqueued, JobCounts, JobFilter, JobId, JobState, NewJob, Store,
    StoreError,
};

/// A store under test.
pub type SharedStore = Arc<dyn Store>;

/// The suite's epoch plus `seconds` (2025-01-01T00:00:00Z + seconds).
pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_735_689_600 + seconds).expect("a time in range")
}

const LEASE: Duration = Duration::from_secs(30);

/// A job for ticket `ticket`, received at `at(seconds)`, with key `key`.
pub fn new_job(key: &str, ticket: &str, seconds: i64) -> NewJob {
    NewJob {
        source: "zendesk".to_owned(),
        ticket_id: ticket.to_owned(),
        dedup_key: key.to_owned(),
        payload: format!(r#"{{"key":"{key}","ticket":"{ticket}"}}"#),
        received_at: at(seconds),
        rerun_when_done: false,
    }
}

/// A decision-log row about `email`, made at `at(seconds)`.
pub fn decision(email: &str, seconds: i64, job_id: Option<JobId>) -> DecisionRecord {
    DecisionRecord {
        job_id,
        source: "zendesk".to_owned(),
        ticket_id: Some("4711".to_owned()),
        customer_email: Some(email.to_owned()),
        text: "Where is my parcel?".to_owned(),
        cleaned_text: "where is my parcel".to_owned(),
        scores: vec![("tracking".to_owned(), 0.93), ("refund".to_owned(), 0.07)],
        intent: "tracking".to_owned(),
        confidence: 0.93,
        decision: "automate".to_owned(),
        outcome: "reply".to_owned(),
        situation: Some("tracking/in_transit".to_owned()),
        handoff_reason: None,
        model: "sha256:0123".to_owned(),
        timings_ms: vec![("classify".to_owned(), 0.4), ("facts".to_owned(), 120.0)],
        delivery: "delivered".to_owned(),
        created_at: at(seconds),
    }
}

async fn enqueue(store: &SharedStore, key: &str, ticket: &str, seconds: i64) -> JobId {
    match store.enqueue(new_job(key, ticket, seconds)).await {
        Ok(Enqueued::Created(id)) => id,
        other => panic!("enqueue {key}: expected a new job, got {other:?}"),
    }
}

async fn claim(store: &SharedStore, seconds: i64) -> ClaimedJob {
    store
        .claim("worker-1", LEASE, at(seconds))
        .await
        .expect("claim")
        .unwrap_or_else(|| panic!("a due job at {}", at(seconds)))
}

async fn state(store: &SharedStore, id: JobId) -> JobState {
    store
        .job(id)
        .await
        .expect("job")
        .expect("the job exists")
        .state
}

fn lease_lost(result: Result<(), StoreError>, id: JobId, what: &str) {
    match result {
        Err(StoreError::LeaseLost(lost)) if lost == id => {}
        other => panic!("{what}: expected LeaseLost({id}), got {other:?}"),
    }
}

fn wrong_state(result: Result<(), StoreError>, id: JobId, expected_state: JobState, what: &str) {
    match result {
        Err(StoreError::WrongState { id: got, state, .. })
            if got == id && state == expected_state => {}
        other => panic!("{what}: expected WrongState({id}, {expected_state:?}), got {other:?}"),
    }
}

/// `enqueue` is idempotent on the dedup key in every state, and a duplicate changes nothing.
pub async fn dedup_in_every_state(store: SharedStore) {
    let first = enqueue(&store, "evt-1", "100", 0).await;
    let mut again = new_job("evt-1", "999", 5);
    again.payload = "a redelivery".to_owned();
    let duplicate = |expected: JobState| {
        let (store, again) = (store.clone(), again.clone());
        async move {
            assert_eq!(state(&store, first).await, expected);
            let answer = store.enqueue(again).await.expect("enqueue");
            assert_eq!(answer, Enqueued::Duplicate(first), "while {expected:?}");
        }
    };
    duplicate(JobState::Queued).await;
    let claimed = claim(&store, 1).await;
    duplicate(JobState::Running).await;
    store.complete(&claimed, at(2)).await.expect("complete");
    duplicate(JobState::Done).await;
    let dead = enqueue(&store, "evt-2", "101", 10).await;
    let claimed = claim(&store, 11).await;
    store
        .dead_letter(&claimed, "gave up", at(12))
        .await
        .unwrap();
    let dropped = enqueue(&store, "evt-3", "102", 20).await;
    store.drop_job(dropped, at(21)).await.unwrap();
    for (key, id, expected) in [
        ("evt-2", dead, JobState::Dead),
        ("evt-3", dropped, JobState::Dropped),
    ] {
        assert_eq!(state(&store, id).await, expected);
        let answer = store.enqueue(new_job(key, "x", 30)).await.unwrap();
        assert_eq!(answer, Enqueued::Duplicate(id), "while {expected:?}");
    }
    let kept = store.job(first).await.unwrap().unwrap();
    assert_eq!(
        kept.ticket_id, "100",
        "a duplicate must not overwrite the job"
    );
    assert_ne!(kept.payload, "a redelivery");
    let counts = store.counts().await.unwrap();
    assert_eq!(counts.done + counts.dead + counts.dropped, 3);
}

/// 50 concurrent deliveries of one event make one job; every caller learns its id.
pub async fn concurrent_enqueues_make_one_job(store: SharedStore) {
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..50 {
        let store = store.clone();
        tasks.spawn(async move {
            let mut job = new_job("evt-same", "200", n);
            job.payload = format!("delivery {n}");
            store.enqueue(job).await.expect("enqueue")
        });
    }
    let answers = tasks.join_all().await;
    let created: Vec<_> = answers
        .iter()
        .filter(|a| matches!(a, Enqueued::Created(_)))
        .collect();
    assert_eq!(
        created.len(),
        1,
        "exactly one delivery creates the job: {answers:?}"
    );
    let id = created[0].id();
    assert!(answers.iter().all(|a| a.id() == id), "{answers:?}");
    assert_eq!(store.counts().await.unwrap().queued, 1);
}

/// 2,000 jobs, 8 concurrent claimers: every job is handed out exactly once.
pub async fn each_job_claimed_exactly_once(store: SharedStore) {
    const JOBS: i64 = 2_000;
    // Enqueued from 8 tasks too: the queue fills while nothing else runs, but the inserts
    // themselves contend as they would under a burst of webhooks.
    let mut fill = tokio::task::JoinSet::new();
    for part in 0..8 {
        let store = store.clone();
        fill.spawn(async move {
            for n in (part..JOBS).step_by(8) {
                // One ticket a job: this is about jobs, not tickets (see
                // `one_job_at_a_time_per_ticket_under_contention`).
                enqueue(&store, &format!("evt-{n}"), &format!("t{n}"), n % 50).await;
            }
        });
    }
    fill.join_all().await;
    let mut claimers = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let store = store.clone();
        claimers.spawn(async move {
            let mut mine = Vec::new();
            let name = format!("worker-{worker}");
            while let Some(claimed) = store.claim(&name, LEASE, at(100)).await.expect("claim") {
                assert_eq!(claimed.job.state, JobState::Running);
                assert_eq!(claimed.job.attempt, 1, "no job is claimed twice");
                assert_eq!(claimed.job.worker.as_deref(), Some(name.as_str()));
                store.complete(&claimed, at(101)).await.expect("complete");
                mine.push(claimed.job.id);
            }
            mine
        });
    }
    let claimed: Vec<JobId> = claimers.join_all().await.into_iter().flatten().collect();
    let distinct: HashSet<JobId> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), JOBS as usize, "every job claimed once");
    assert_eq!(distinct.len(), JOBS as usize, "no job claimed twice");
    let counts = store.counts().await.unwrap();
    assert_eq!(
        counts,
        JobCounts {
            done: JOBS as u64,
            ..JobCounts::default()
        }
    );
}

/// Due jobs come out oldest `run_at` first (ties by id); jobs not yet due stay put.
pub async fn oldest_due_first_and_not_before_due(store: SharedStore) {
    let late = enqueue(&store, "evt-late", "401", 30).await;
    let early = enqueue(&store, "evt-early", "402", 10).await;
    let tie_a = enqueue(&store, "evt-tie-a", "403", 20).await;
    let tie_b = enqueue(&store, "evt-tie-b", "404", 20).await;
    let future = enqueue(&store, "evt-future", "405", 100).await;
    assert!(
        store.claim("w", LEASE, at(9)).await.unwrap().is_none(),
        "nothing due yet"
    );
    let mut order = Vec::new();
    while let Some(claimed) = store.claim("w", LEASE, at(99)).await.unwrap() {
        order.push(claimed.job.id);
    }
    assert_eq!(order, [early, tie_a, tie_b, late]);
    assert_eq!(state(&store, future).await, JobState::Queued);
    // Due at exactly its run_at.
    let claimed = claim(&store, 100).await;
    assert_eq!(claimed.job.id, future);
    assert_eq!(claimed.job.lease_until, Some(at(130)));
}

/// A delivery whose key names no message ([`NewJob::rerun_when_done`]) is a duplicate while its
/// job is queued, and a new job once that one is done; the done job keeps its row under a
/// retired key. Without the flag, a done job's key stays taken.
pub async fn a_rerun_key_makes_a_new_job_once_the_old_one_is_done(store: SharedStore) {
    let body_key = |seconds| NewJob {
        rerun_when_done: true,
        ..new_job("zendesk:ticket:62:body:ab12", "62", seconds)
    };
    let Ok(Enqueued::Created(first)) = store.enqueue(body_key(0)).await else {
        panic!("a new job");
    };
    assert_eq!(
        store.enqueue(body_key(1)).await.unwrap(),
        Enqueued::Duplicate(first),
        "queued: a redelivery"
    );
    let claimed = claim(&store, 2).await;
    store.complete(&claimed, at(4)).await.unwrap();
    let Ok(Enqueued::Created(second)) = store.enqueue(body_key(5)).await else {
        panic!("done: the same body is the next message, a new job");
    };
    assert_ne!(second, first);
    let old = store
        .job(first)
        .await
        .unwrap()
        .expect("the done job keeps its row");
    assert_eq!(
        (old.state, old.dedup_key.as_str()),
        (
            JobState::Done,
            format!("zendesk:ticket:62:body:ab12:done:{}", first.0).as_str()
        )
    );
    assert_eq!(
        store.enqueue(body_key(6)).await.unwrap(),
        Enqueued::Duplicate(second)
    );
    let rerun = claim(&store, 7).await;
    assert_eq!(rerun.job.id, second);
    store.complete(&rerun, at(8)).await.unwrap();
    // A comment's key stays taken once its job is done.
    let comment = enqueue(&store, "zendesk:ticket:63:comment:9", "63", 10).await;
    let claimed = claim(&store, 11).await;
    assert_eq!(claimed.job.id, comment);
    store.complete(&claimed, at(12)).await.unwrap();
    assert_eq!(
        store
            .enqueue(new_job("zendesk:ticket:63:comment:9", "63", 13))
            .await
            .unwrap(),
        Enqueued::Duplicate(comment)
    );
}

/// A delivery whose key names no message, while the job holding that key will not read the
/// ticket again, may be the customer's next message: a new job, or that message is never
/// answered. Running, the job may have read the ticket before the message came; dead or
/// dropped, it will not run. The old job keeps its row (and a running one its claim) under
/// `<key>:<state>:<id>`. Queued, the job has not read the ticket yet: a duplicate.
pub async fn a_rerun_key_makes_a_new_job_unless_the_old_one_is_queued(store: SharedStore) {
    let key = "zendesk:ticket:64:body:cd34";
    let body_key = |seconds| NewJob {
        rerun_when_done: true,
        ..new_job(key, "64", seconds)
    };
    let retired = |id: JobId, state: &str| format!("{key}:{state}:{}", id.0);
    let dedup_key = |id: JobId| {
        let store = store.clone();
        async move { store.job(id).await.unwrap().expect("the job").dedup_key }
    };
    let Ok(Enqueued::Created(first)) = store.enqueue(body_key(0)).await else {
        panic!("a new job");
    };
    let running = claim(&store, 1).await;
    assert_eq!(running.job.id, first);
    let Ok(Enqueued::Created(second)) = store.enqueue(body_key(2)).await else {
        panic!("running: the job may have read the ticket already; a new job");
    };
    assert_eq!(dedup_key(first).await, retired(first, "running"));
    // The running job is still its holder's to finish.
    store.complete(&running, at(3)).await.unwrap();
    assert_eq!(state(&store, first).await, JobState::Done);
    assert_eq!(
        store.enqueue(body_key(4)).await.unwrap(),
        Enqueued::Duplicate(second),
        "queued: a redelivery"
    );
    let claimed = claim(&store, 5).await;
    assert_eq!(claimed.job.id, second);
    store.dead_letter(&claimed, "gave up", at(6)).await.unwrap();
    let Ok(Enqueued::Created(third)) = store.enqueue(body_key(7)).await else {
        panic!("dead: the job will not run; a new job");
    };
    assert_eq!(dedup_key(second).await, retired(second, "dead"));
    assert_eq!(state(&store, second).await, JobState::Dead);
    store.drop_job(third, at(8)).await.unwrap();
    let Ok(Enqueued::Created(fourth)) = store.enqueue(body_key(9)).await else {
        panic!("dropped: the job will not run; a new job");
    };
    assert_eq!(dedup_key(third).await, retired(third, "dropped"));
    assert_eq!(dedup_key(fourth).await, key);
    // A person can still retry the dead job, under its retired key.
    store.retry(second, at(10)).await.unwrap();
    assert_eq!(state(&store, second).await, JobState::Queued);
    // Without the flag, a dropped job's key stays taken.
    let comment = enqueue(&store, "zendesk:ticket:65:comment:1", "65", 11).await;
    store.drop_job(comment, at(12)).await.unwrap();
    assert_eq!(
        store
            .enqueue(new_job("zendesk:ticket:65:comment:1", "65", 13))
            .await
            .unwrap(),
        Enqueued::Duplicate(comment)
    );
}

/// Two jobs about one ticket never run at once: the second waits while the first holds a live
/// lease, whatever else is due, and is claimed once the first finishes (or its lease runs out,
/// when the first is taken again first, being older). Another source's ticket with the same
/// id is another ticket.
pub async fn one_job_at_a_time_per_ticket(store: SharedStore) {
    let first = enqueue(&store, "evt-a1", "600", 0).await;
    let second = enqueue(&store, "evt-a2", "600", 1).await;
    let mut gorgias = new_job("evt-g", "600", 2);
    gorgias.source = "gorgias".to_owned();
    let Ok(Enqueued::Created(other_source)) = store.enqueue(gorgias).await else {
        panic!("enqueue the gorgias job");
    };
    let other_ticket = enqueue(&store, "evt-b", "601", 3).await;

    let held = claim(&store, 10).await;
    assert_eq!(held.job.id, first);
    let mut next = Vec::new();
    while let Some(claimed) = store.claim("w2", LEASE, at(10)).await.unwrap() {
        next.push(claimed.job.id);
        store.complete(&claimed, at(10)).await.unwrap();
    }
    assert_eq!(
        next,
        [other_source, other_ticket],
        "the ticket's second job waits"
    );
    assert_eq!(state(&store, second).await, JobState::Queued);

    // The first job's lease runs out: it is taken again, being older, and the second still
    // waits for it.
    let retaken = claim(&store, 41).await;
    assert_eq!((retaken.job.id, retaken.job.attempt), (first, 2));
    assert!(store.claim("w2", LEASE, at(41)).await.unwrap().is_none());
    // Retried later, the first job frees the ticket for the second.
    store
        .retry_later(&retaken, "vendor down", at(100))
        .await
        .unwrap();
    let then = claim(&store, 42).await;
    assert_eq!(then.job.id, second);
    store.complete(&then, at(43)).await.unwrap();
    let last = claim(&store, 100).await;
    assert_eq!(last.job.id, first);
}

/// 400 jobs on 4 tickets, 8 concurrent claimers: every job runs once, and never two of one
/// ticket at the same time.
pub async fn one_job_at_a_time_per_ticket_under_contention(store: SharedStore) {
    const JOBS: i64 = 400;
    for n in 0..JOBS {
        enqueue(
            &store,
            &format!("evt-{n}"),
            &format!("{}", 700 + n % 4),
            n % 10,
        )
        .await;
    }
    let running = Arc::new(std::sync::Mutex::new(HashSet::new()));
    let mut claimers = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let (store, running) = (store.clone(), running.clone());
        claimers.spawn(async move {
            let name = format!("worker-{worker}");
            let mut mine = 0;
            loop {
                match store.claim(&name, LEASE, at(100)).await.expect("claim") {
                    Some(claimed) => {
                        let ticket = claimed.job.ticket_id.clone();
                        assert!(
                            running.lock().unwrap().insert(ticket.clone()),
                            "two jobs of ticket {ticket} at once"
                        );
                        // Held a moment, as a worker holds a job while it calls vendors.
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        running.lock().unwrap().remove(&ticket);
                        store.complete(&claimed, at(100)).await.expect("complete");
                        mine += 1;
                    }
                    None if store.counts().await.unwrap().queued == 0 => return mine,
                    // Every due job is on a ticket another claimer holds: wait for it.
                    None => tokio::time::sleep(Duration::from_millis(1)).await,
                }
            }
        });
    }
    let claimed: i64 = claimers.join_all().await.into_iter().sum();
    assert_eq!(claimed, JOBS);
    assert_eq!(store.counts().await.unwrap().done, JOBS as u64);
}

/// A lease that ran out makes the job claimable again (attempt + 1); the old holder can then
/// neither complete, fail nor release it.
pub async fn expired_lease_is_reclaimed_and_fences_the_old_holder(store: SharedStore) {
    let id = enqueue(&store, "evt-lease", "500", 0).await;
    let old = store.claim("crashed", LEASE, at(0)).await.unwrap().unwrap();
    assert_eq!((old.job.id, old.job.attempt), (id, 1));
    assert!(
        store.claim("w2", LEASE, at(29)).await.unwrap().is_none(),
        "lease still held"
    );
    assert!(
        store.claim("w2", LEASE, at(30)).await.unwrap().is_none(),
        "held to its end"
    );
    let new = store
        .claim("w2", LEASE, at(31))
        .await
        .unwrap()
        .expect("lease ran out");
    assert_eq!((new.job.id, new.job.attempt), (id, 2));
    assert_eq!(new.job.worker.as_deref(), Some("w2"));
    assert_eq!(new.job.lease_until, Some(at(61)));
    lease_lost(store.complete(&old, at(32)).await, id, "old complete");
    lease_lost(
        store.retry_later(&old, "x", at(40)).await,
        id,
        "old retry_later",
    );
    lease_lost(
        store.dead_letter(&old, "x", at(32)).await,
        id,
        "old dead_letter",
    );
    lease_lost(store.release(&old, at(32)).await, id, "old release");
    assert_eq!(
        state(&store, id).await,
        JobState::Running,
        "the old holder changed nothing"
    );
    store
        .complete(&new, at(33))
        .await
        .expect("the current holder completes");
    let done = store.job(id).await.unwrap().unwrap();
    assert_eq!(
        (done.state, done.attempt, done.lease_until),
        (JobState::Done, 2, None)
    );
    assert_eq!(done.updated_at, at(33));
    lease_lost(store.complete(&new, at(34)).await, id, "completing twice");
}

/// A heartbeat keeps a slow attempt's job from being taken over; once the lease is lost, the
/// old holder cannot extend it any more.
pub async fn extended_lease_keeps_the_job_and_a_lost_one_cannot_be_extended(store: SharedStore) {
    let id = enqueue(&store, "evt-heartbeat", "510", 0).await;
    let held = store.claim("slow", LEASE, at(0)).await.unwrap().unwrap();
    store
        .extend_lease(&held, at(60))
        .await
        .expect("the holder extends its lease");
    assert!(
        store.claim("w2", LEASE, at(45)).await.unwrap().is_none(),
        "the extended lease still holds"
    );
    assert_eq!(
        store.job(id).await.unwrap().unwrap().lease_until,
        Some(at(60))
    );
    let taken = store
        .claim("w2", LEASE, at(61))
        .await
        .unwrap()
        .expect("taken over once the extension ran out");
    lease_lost(store.extend_lease(&held, at(120)).await, id, "old extend");
    assert_eq!(
        store.job(id).await.unwrap().unwrap().lease_until,
        taken.job.lease_until,
        "the old holder changed nothing"
    );
    store.complete(&taken, at(62)).await.unwrap();
    lease_lost(
        store.extend_lease(&taken, at(90)).await,
        id,
        "extend after done",
    );
}

/// `retry_later` queues for later with the error; `dead_letter` parks the job; `release`
/// queues it at once and gives the attempt back, and its claim is spent all the same.
pub async fn retry_later_dead_letter_and_release(store: SharedStore) {
    let id = enqueue(&store, "evt-fail", "600", 0).await;
    let first = claim(&store, 1).await;
    store
        .retry_later(&first, "carrier timed out", at(60))
        .await
        .unwrap();
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.run_at, at(60));
    assert_eq!(job.attempt, 1);
    assert_eq!(job.lease_until, None);
    assert_eq!(job.last_error.as_deref(), Some("carrier timed out"));
    assert!(
        store.claim("w", LEASE, at(59)).await.unwrap().is_none(),
        "not before run_at"
    );
    let second = claim(&store, 60).await;
    assert_eq!(second.job.attempt, 2);
    lease_lost(
        store.complete(&first, at(61)).await,
        id,
        "an earlier attempt's claim",
    );
    store
        .dead_letter(&second, "still failing", at(62))
        .await
        .unwrap();
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempt), (JobState::Dead, 2));
    assert_eq!(job.last_error.as_deref(), Some("still failing"));
    assert!(
        store.claim("w", LEASE, at(1_000)).await.unwrap().is_none(),
        "dead jobs stay"
    );

    let other = enqueue(&store, "evt-release", "601", 100).await;
    let held = claim(&store, 100).await;
    assert_eq!(held.job.attempt, 1);
    store.release(&held, at(105)).await.unwrap();
    let job = store.job(other).await.unwrap().unwrap();
    assert_eq!(
        (job.state, job.attempt),
        (JobState::Queued, 0),
        "release does not count"
    );
    assert_eq!((job.run_at, job.lease_until), (at(105), None));
    let again = claim(&store, 105).await;
    assert_eq!((again.job.id, again.job.attempt), (other, 1));
    // The attempt number came round again, but the released claim is still spent.
    lease_lost(
        store.complete(&held, at(106)).await,
        other,
        "a released claim",
    );
    store.complete(&again, at(106)).await.unwrap();
}

/// A person retries dead or dropped jobs and drops queued or dead ones; anything else is the
/// wrong state, and an unknown id is no such job.
pub async fn people_retry_and_drop(store: SharedStore) {
    let missing = JobId(987_654);
    assert!(
        matches!(store.retry(missing, at(0)).await, Err(StoreError::NoSuchJob(id)) if id == missing)
    );
    assert!(
        matches!(store.drop_job(missing, at(0)).await, Err(StoreError::NoSuchJob(id)) if id == missing)
    );

    let id = enqueue(&store, "evt-person", "700", 0).await;
    wrong_state(
        store.retry(id, at(1)).await,
        id,
        JobState::Queued,
        "retry queued",
    );
    let stale = claim(&store, 1).await;
    wrong_state(
        store.retry(id, at(2)).await,
        id,
        JobState::Running,
        "retry running",
    );
    wrong_state(
        store.drop_job(id, at(2)).await,
        id,
        JobState::Running,
        "drop running",
    );
    // The lease runs out, a second worker takes over and gives up on the job.
    let last = store.claim("w2", LEASE, at(40)).await.unwrap().unwrap();
    store.dead_letter(&last, "boom", at(41)).await.unwrap();
    store.retry(id, at(50)).await.expect("retry dead");
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!(
        (job.state, job.attempt, job.run_at),
        (JobState::Queued, 0, at(50))
    );
    let fresh = claim(&store, 50).await;
    assert_eq!(fresh.job.attempt, 1);
    // Same attempt number as the first, crashed claim; that claim must stay spent.
    lease_lost(
        store.complete(&stale, at(51)).await,
        id,
        "a claim from before the retry",
    );
    store.complete(&fresh, at(51)).await.unwrap();
    wrong_state(
        store.retry(id, at(52)).await,
        id,
        JobState::Done,
        "retry done",
    );
    wrong_state(
        store.drop_job(id, at(52)).await,
        id,
        JobState::Done,
        "drop done",
    );

    let queued = enqueue(&store, "evt-drop", "701", 60).await;
    store.drop_job(queued, at(61)).await.expect("drop queued");
    let job = store.job(queued).await.unwrap().unwrap();
    assert_eq!((job.state, job.updated_at), (JobState::Dropped, at(61)));
    assert!(
        store.claim("w", LEASE, at(1_000)).await.unwrap().is_none(),
        "dropped never runs"
    );
    wrong_state(
        store.drop_job(queued, at(62)).await,
        queued,
        JobState::Dropped,
        "drop twice",
    );
    store.retry(queued, at(63)).await.expect("retry dropped");
    assert_eq!(state(&store, queued).await, JobState::Queued);
    let held = claim(&store, 63).await;
    store.dead_letter(&held, "x", at(64)).await.unwrap();
    store.drop_job(queued, at(65)).await.expect("drop dead");
    assert_eq!(state(&store, queued).await, JobState::Dropped);
}

/// `counts` counts jobs per state.
pub async fn counts_per_state(store: SharedStore) {
    assert_eq!(store.counts().await.unwrap(), JobCounts::default());
    for n in 0..6 {
        enqueue(&store, &format!("evt-{n}"), "800", n).await;
    }
    let done = claim(&store, 10).await;
    store.complete(&done, at(10)).await.unwrap();
    let dead = claim(&store, 10).await;
    store.dead_letter(&dead, "x", at(10)).await.unwrap();
    let _running = claim(&store, 10).await;
    let dropped = store.jobs(&JobFilter::default()).await.unwrap()[0].id;
    store.drop_job(dropped, at(11)).await.unwrap();
    let expected = JobCounts {
        queued: 2,
        running: 1,
        done: 1,
        dead: 1,
        dropped: 1,
    };
    assert_eq!(store.counts().await.unwrap(), expected);
}

/// `jobs` filters by state and ticket, lists newest first and stops at the limit (100 when
/// none is given).
pub async fn jobs_filter_order_and_limit(store: SharedStore) {
    let mut ids = Vec::new();
    for n in 0..105 {
        let ticket = if n % 2 == 0 { "even" } else { "odd" };
        // Received out of id order: the listing follows receipt time, not insertion.
        let seconds = if n == 0 { 500 } else { n };
        ids.push(enqueue(&store, &format!("evt-{n}"), ticket, seconds).await);
    }
    let all = store.jobs(&JobFilter::default()).await.unwrap();
    assert_eq!(all.len(), 100, "the default limit");
    assert_eq!(all[0].id, ids[0], "the latest received first");
    assert_eq!(all[1].id, ids[104]);
    assert!(all.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let odd = store
        .jobs(&JobFilter {
            ticket_id: Some("odd".to_owned()),
            limit: Some(3),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    let odd_ids: Vec<JobId> = odd.iter().map(|j| j.id).collect();
    assert_eq!(odd_ids, [ids[103], ids[101], ids[99]]);
    let held = claim(&store, 1_000).await;
    let running = store
        .jobs(&JobFilter {
            state: Some(JobState::Running),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].id, held.job.id);
    assert_eq!(running[0].worker.as_deref(), Some("worker-1"));
    let none = store
        .jobs(&JobFilter {
            state: Some(JobState::Dead),
            ticket_id: Some("even".to_owned()),
            limit: None,
        })
        .await
        .unwrap();
    assert!(none.is_empty());
    let zero = JobFilter {
        limit: Some(0),
        ..JobFilter::default()
    };
    assert!(store.jobs(&zero).await.unwrap().is_empty());
}

/// Decision-log rows read back exactly: every float bit for bit, every character.
pub async fn decision_log_round_trip(store: SharedStore) {
    let mut tricky = decision("Zoë.Ünïcode@Example.COM ", 20, Some(JobId(7)));
    tricky.text = "Où est mon colis ? 📦 «שלום» 你好\n> quoted\t\"tab\" \\ back".to_owned();
    tricky.cleaned_text = "où est mon colis 📦 שלום 你好".to_owned();
    tricky.scores = vec![
        ("tracking".to_owned(), 0.1 + 0.2),
        ("refund".to_owned(), 1e-300),
        ("cancel".to_owned(), f64::MIN_POSITIVE),
        ("subnormal".to_owned(), 5e-324),
        ("other".to_owned(), 1.0 / 3.0),
        ("négatif".to_owned(), -123_456.789_012_345_67),
    ];
    tricky.confidence = 0.1 + 0.2;
    tricky.timings_ms = vec![
        ("classify".to_owned(), 0.000_123_456_789),
        ("facts".to_owned(), f64::MAX),
    ];
    tricky.situation = None;
    tricky.handoff_reason = Some("low_confidence".to_owned());
    tricky.decision = "escalate:low_confidence".to_owned();
    let mut bare = decision("x@y.z", 10, None);
    bare.customer_email = None;
    bare.ticket_id = None;
    bare.scores = Vec::new();
    bare.timings_ms = Vec::new();
    let later = decision("late@y.z", 30, None);
    for record in [&tricky, &bare, &later] {
        store.record_decision(record).await.expect("record");
    }
    let all = store.decisions(None, 10).await.unwrap();
    assert_eq!(
        all,
        [bare.clone(), tricky.clone(), later.clone()],
        "oldest first"
    );
    let bits = |pairs: &[(String, f64)]| -> Vec<(String, u64)> {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), v.to_bits()))
            .collect()
    };
    assert_eq!(bits(&all[1].scores), bits(&tricky.scores));
    assert_eq!(bits(&all[1].timings_ms), bits(&tricky.timings_ms));
    assert_eq!(all[1].confidence.to_bits(), tricky.confidence.to_bits());
    assert_eq!(
        store.decisions(Some(at(20)), 10).await.unwrap(),
        [tricky.clone(), later]
    );
    assert_eq!(store.decisions(None, 1).await.unwrap(), [bare]);
    assert!(store.decisions(Some(at(31)), 10).await.unwrap().is_empty());
    let mut nan = tricky;
    nan.confidence = f64::NAN;
    assert!(matches!(
        store.record_decision(&nan).await,
        Err(StoreError::Invalid { .. })
    ));
}

/// One row per job: once a job's delivery is logged, a rerun's record is refused (and says
/// so, so it is not counted twice); a failed delivery's row gives way to a later run's.
/// Records without a job (`/v1/reply`) always append.
pub async fn one_decision_row_per_job(store: SharedStore) {
    let job = Some(JobId(41));
    let mut dead = decision("a@b.c", 10, job);
    dead.delivery = "dead:unavailable".to_owned();
    assert!(store.record_decision(&dead).await.unwrap());
    let delivered = decision("a@b.c", 20, job);
    assert!(
        store.record_decision(&delivered).await.unwrap(),
        "a retried dead job's delivery replaces its failure"
    );
    let mut rerun = decision("a@b.c", 30, job);
    rerun.outcome = "handoff".to_owned();
    assert!(
        !store.record_decision(&rerun).await.unwrap(),
        "a rerun of a delivered job is not logged again"
    );
    let other_job = decision("a@b.c", 25, Some(JobId(42)));
    assert!(store.record_decision(&other_job).await.unwrap());
    let without_job = decision("a@b.c", 26, None);
    assert!(store.record_decision(&without_job).await.unwrap());
    assert!(store.record_decision(&without_job).await.unwrap());
    let all = store.decisions(None, 10).await.unwrap();
    assert_eq!(
        all,
        [delivered, other_job, without_job.clone(), without_job]
    );
}

/// `replies_on_ticket` counts the replies that reached one help desk's ticket, or may have (a
/// 5xx or a timeout after sending): not handoffs, not deliveries refused or never sent, not
/// another ticket's or another help desk's.
pub async fn replies_on_ticket_counts_delivered_replies(store: SharedStore) {
    assert_eq!(store.replies_on_ticket("zendesk", "4711").await.unwrap(), 0);
    let mut job = 60;
    let mut log = |change: &dyn Fn(&mut DecisionRecord)| {
        job += 1;
        let mut record = decision("a@b.c", job, Some(JobId(job)));
        change(&mut record);
        record
    };
    let records = [
        log(&|_| {}),
        log(&|_| {}),
        log(&|r| r.delivery = "failed:unavailable".to_owned()),
        log(&|r| r.delivery = "failed:unreachable".to_owned()),
        log(&|r| r.delivery = "failed:invalid".to_owned()),
        log(&|r| {
            r.outcome = "handoff".to_owned();
            r.situation = None;
            r.handoff_reason = Some("low_confidence".to_owned());
        }),
        log(&|r| r.ticket_id = Some("4712".to_owned())),
        log(&|r| r.source = "gorgias".to_owned()),
        log(&|r| r.job_id = None),
    ];
    for record in &records {
        assert!(store.record_decision(record).await.unwrap());
    }
    assert_eq!(store.replies_on_ticket("zendesk", "4711").await.unwrap(), 4);
    assert_eq!(store.replies_on_ticket("zendesk", "4712").await.unwrap(), 1);
    assert_eq!(store.replies_on_ticket("gorgias", "4711").await.unwrap(), 1);
    assert_eq!(store.replies_on_ticket("gorgias", "9").await.unwrap(), 0);
}

/// `forget_email` folds case and whitespace, deletes only that customer's rows and blanks the
/// payloads of their jobs, leaving everyone else's.
pub async fn forget_email_erases_one_customer(store: SharedStore) {
    let ann_1 = enqueue(&store, "evt-ann-1", "900", 0).await;
    let ann_2 = enqueue(&store, "evt-ann-2", "901", 1).await;
    let bob = enqueue(&store, "evt-bob", "902", 2).await;
    store
        .record_decision(&decision("  Ann@Example.com ", 10, Some(ann_1)))
        .await
        .unwrap();
    store
        .record_decision(&decision("ann@example.COM", 11, Some(ann_2)))
        .await
        .unwrap();
    store
        .record_decision(&decision("ann@example.com", 12, None))
        .await
        .unwrap();
    store
        .record_decision(&decision("bob@example.com", 13, Some(bob)))
        .await
        .unwrap();
    store
        .record_decision(&decision("annie@example.com", 14, None))
        .await
        .unwrap();
    let mut anonymous = decision("", 15, None);
    anonymous.customer_email = None;
    store.record_decision(&anonymous).await.unwrap();

    let forgotten = store
        .forget_email("\tANN@example.com  ")
        .await
        .expect("forget");
    assert_eq!((forgotten.decisions, forgotten.job_payloads), (3, 2));
    for id in [ann_1, ann_2] {
        let job = store.job(id).await.unwrap().unwrap();
        assert_eq!(job.payload, "", "job {id}'s webhook body is erased");
        assert_eq!(job.state, JobState::Queued, "the job itself stays");
    }
    assert_ne!(store.job(bob).await.unwrap().unwrap().payload, "");
    let left: Vec<Option<String>> = store
        .decisions(None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.customer_email)
        .collect();
    assert_eq!(
        left,
        [
            Some("bob@example.com".to_owned()),
            Some("annie@example.com".to_owned()),
            None
        ]
    );
    let again = store.forget_email("ann@example.com").await.unwrap();
    assert_eq!((again.decisions, again.job_payloads), (0, 0));
    assert!(matches!(
        store.forget_email("  ").await,
        Err(StoreError::Invalid { .. })
    ));
}

/// `prune` deletes old decision rows and old done or dropped jobs, nothing else; a pruned job's
/// dedup key is free again.
pub async fn prune_removes_only_old_finished_work(store: SharedStore) {
    store
        .record_decision(&decision("a@b.c", 10, None))
        .await
        .unwrap();
    store
        .record_decision(&decision("a@b.c", 100, None))
        .await
        .unwrap();
    let done_old = enqueue(&store, "evt-done-old", "1", 0).await;
    let dropped_old = enqueue(&store, "evt-dropped-old", "1", 1).await;
    let dead_old = enqueue(&store, "evt-dead-old", "1", 2).await;
    let queued_old = enqueue(&store, "evt-queued-old", "1", 3).await;
    let done_new = enqueue(&store, "evt-done-new", "1", 100).await;
    let first = claim(&store, 100).await;
    assert_eq!(first.job.id, done_old);
    store.complete(&first, at(100)).await.unwrap();
    store.drop_job(dropped_old, at(100)).await.unwrap();
    let next = claim(&store, 100).await;
    assert_eq!(next.job.id, dead_old);
    store.dead_letter(&next, "x", at(100)).await.unwrap();
    let waiting = claim(&store, 100).await;
    assert_eq!(waiting.job.id, queued_old);
    store.retry_later(&waiting, "x", at(10_000)).await.unwrap();
    let last = claim(&store, 101).await;
    assert_eq!(last.job.id, done_new);
    store.complete(&last, at(101)).await.unwrap();

    let pruned = store.prune(at(50)).await.expect("prune");
    assert_eq!((pruned.decisions, pruned.jobs), (1, 2));
    assert!(store.job(done_old).await.unwrap().is_none());
    assert!(store.job(dropped_old).await.unwrap().is_none());
    for id in [dead_old, queued_old, done_new] {
        assert!(store.job(id).await.unwrap().is_some(), "job {id} stays");
    }
    let left = store.decisions(None, 10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].created_at, at(100));
    match store
        .enqueue(new_job("evt-done-old", "1", 200))
        .await
        .unwrap()
    {
        Enqueued::Created(id) => assert_ne!(id, done_old, "ids are not reused"),
        other => panic!("a pruned key is free again, got {other:?}"),
    }
    let nothing = store.prune(at(50)).await.unwrap();
    assert_eq!((nothing.decisions, nothing.jobs), (0, 0));
}

/// Bad input is refused with an error, never stored half-way or panicking.
pub async fn bad_input_is_refused(store: SharedStore) {
    let mut job = new_job("evt-nul", "1", 0);
    job.payload = "nul \0 inside".to_owned();
    assert!(matches!(
        store.enqueue(job).await,
        Err(StoreError::Invalid { .. })
    ));
    let empty_key = new_job("", "1", 0);
    assert!(matches!(
        store.enqueue(empty_key).await,
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(store.counts().await.unwrap(), JobCounts::default());
    let forever = Duration::from_secs(u64::MAX);
    assert!(matches!(
        store.claim("w", forever, at(0)).await,
        Err(StoreError::Invalid { .. })
    ));
    store.ping().await.expect("ping");
    assert!(["memory", "sqlite", "postgres"].contains(&store.kind()));
    // Times keep microseconds, whatever the store.
    let mut precise = new_job("evt-micro", "1", 0);
    precise.received_at = at(0) + SignedDuration::from_micros(123_456);
    let id = store.enqueue(precise).await.unwrap().id();
    let stored = store.job(id).await.unwrap().unwrap();
    assert_eq!(
        stored.created_at,
        at(0) + SignedDuration::from_micros(123_456)
    );
}

/// Runs every conformance function as its own `#[tokio::test]`. `$make` is an `async` block
/// giving `(guard, store)`: the guard (a temporary directory, a database) lives as long as
/// the test.
#[doc(hidden)]
#[macro_export]
macro_rules! __store_conformance_suite {
    ($make:expr) => {
        $crate::__store_conformance_suite!(@tests $make;
            dedup_in_every_state,
            concurrent_enqueues_make_one_job,
            each_job_claimed_exactly_once,
            oldest_due_first_and_not_before_due,
            a_rerun_key_makes_a_new_job_once_the_old_one_is_done,
            a_rerun_key_makes_a_new_job_unless_the_old_one_is_queued,
            one_job_at_a_time_per_ticket,
            one_job_at_a_time_per_ticket_under_contention,
            expired_lease_is_reclaimed_and_fences_the_old_holder,
            extended_lease_keeps_the_job_and_a_lost_one_cannot_be_extended,
            retry_later_dead_letter_and_release,
            people_retry_and_drop,
            counts_per_state,
            jobs_filter_order_and_limit,
            decision_log_round_trip,
            one_decision_row_per_job,
            replies_on_ticket_counts_delivered_replies,
            forget_email_erases_one_customer,
            prune_removes_only_old_finished_work,
            bad_input_is_refused,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (_guard, store): (_, $crate::store::conformance::SharedStore) = $make.await;
                $crate::store::conformance::$name(store).await;
            }
        )*
    };
}

pub use __store_conformance_suite as suite;
