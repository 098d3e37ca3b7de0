//! The service's durable state: the job queue (one row per help-desk event) and the decision log
//! (one row per processed message). SQLite is the embedded default; PostgreSQL lets several
//! `deskbot serve` replicas share one queue.
//!
//! The queue follows Oban's shape: jobs are rows; a worker claims one under a lease; a failed job
//! is retried later with backoff, and after the last attempt moves to `dead`, where a person can
//! inspect, retry or drop it. A unique `dedup_key` makes enqueueing idempotent, so a webhook
//! delivered five times is one job. A lease that runs out (the worker crashed) makes the job
//! claimable again; `attempt` is the fencing token, so a worker whose lease was taken over can
//! no longer complete or fail the job.

use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A job's id, unique in one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub i64);

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting to run, at `run_at` or later (new, or failed and scheduled again).
    Queued,
    /// Claimed by a worker until `lease_until`.
    Running,
    /// Finished: the outcome reached the help desk (or there was nothing to do).
    Done,
    /// Failed its last attempt; waits for a person (`deskbot jobs retry|drop`).
    Dead,
    /// Dropped by a person; kept so that its dedup key still recognises duplicates.
    Dropped,
}

impl JobState {
    /// Every state, in the order of a job's life.
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Dead,
        JobState::Dropped,
    ];

    /// Its name in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
            JobState::Dropped => "dropped",
        }
    }

    /// The state named `name`, if any.
    pub fn parse(name: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A help-desk event to be processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Which help desk sent it (`zendesk`, `gorgias`).
    pub source: String,
    /// The ticket it is about.
    pub ticket_id: String,
    /// Identifies the event across redeliveries (the vendor's event id, or ticket + comment).
    pub dedup_key: String,
    /// The webhook body as received (JSON text), for inspection.
    pub payload: String,
    /// When it was received.
    pub received_at: Timestamp,
}

/// What [`Store::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job.
    Created(JobId),
    /// A job with this dedup key already exists (in any state): nothing was added.
    Duplicate(JobId),
}

impl Enqueued {
    /// The job's id, new or existing.
    pub fn id(self) -> JobId {
        match self {
            Enqueued::Created(id) | Enqueued::Duplicate(id) => id,
        }
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// Which help desk sent it.
    pub source: String,
    /// The ticket.
    pub ticket_id: String,
    /// The dedup key.
    pub dedup_key: String,
    /// The webhook body as received (empty once forgotten).
    pub payload: String,
    /// Its state.
    pub state: JobState,
    /// Attempts started so far (a claim starts one).
    pub attempt: u32,
    /// When it may run next (queued jobs).
    pub run_at: Timestamp,
    /// Until when its worker holds it (running jobs).
    pub lease_until: Option<Timestamp>,
    /// The worker holding or last holding it.
    pub worker: Option<String>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// When it was received.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// A job a worker holds. Completing or failing it needs the same `attempt` the claim started:
/// after a lease ran out and another worker claimed the job, the old holder's calls fail with
/// [`StoreError::LeaseLost`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    /// The job, as claimed (state `running`).
    pub job: Job,
}

/// Jobs per state, for `/metrics` and `deskbot jobs list`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    /// Waiting to run.
    pub queued: u64,
    /// Held by a worker.
    pub running: u64,
    /// Finished.
    pub done: u64,
    /// Waiting for a person.
    pub dead: u64,
    /// Dropped by a person.
    pub dropped: u64,
}

/// Which jobs to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only jobs in this state.
    pub state: Option<JobState>,
    /// Only jobs on this ticket.
    pub ticket_id: Option<String>,
    /// At most this many, newest first. `None`: 100.
    pub limit: Option<u32>,
}

/// One processed message, as the decision log keeps it: what came in, what the model said,
/// what deskbot decided and whether it reached the help desk. The learning loop reads these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// The job it came from (`None` for `/v1/reply` calls).
    pub job_id: Option<JobId>,
    /// Which help desk or endpoint (`zendesk`, `gorgias`, `api`).
    pub source: String,
    /// The ticket, if any.
    pub ticket_id: Option<String>,
    /// The sender's e-mail address as the channel gave it (what `forget` matches).
    pub customer_email: Option<String>,
    /// The full text as received, HTML and quotes included.
    pub text: String,
    /// The text the model read (after cleaning).
    pub cleaned_text: String,
    /// Every intent's probability, most likely first: `[("tracking", 0.93), …]`.
    pub scores: Vec<(String, f64)>,
    /// The intent.
    pub intent: String,
    /// Its probability.
    pub confidence: f64,
    /// `automate`, or `escalate:<reason>`.
    pub decision: String,
    /// `reply` or `handoff`.
    pub outcome: String,
    /// The reply's situation (`tracking/in_transit`), if a reply.
    pub situation: Option<String>,
    /// The handoff reason's name, if a handoff.
    pub handoff_reason: Option<String>,
    /// The model's digest (sha256 of its file) or version.
    pub model: String,
    /// Milliseconds per stage: `[("classify", 0.4), ("facts", 120.0), ("deliver", 80.0)]`.
    pub timings_ms: Vec<(String, f64)>,
    /// `delivered`, `skipped:<why>`, `failed:<error>` or `dead:<error>`.
    pub delivery: String,
    /// When it was decided.
    pub created_at: Timestamp,
}

/// What [`Store::forget_email`] erased.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Forgotten {
    /// Decision-log rows deleted.
    pub decisions: u64,
    /// Jobs whose stored webhook body was erased.
    pub job_payloads: u64,
}

/// What [`Store::prune`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Decision-log rows older than the cut-off.
    pub decisions: u64,
    /// Done or dropped jobs older than the cut-off.
    pub jobs: u64,
}

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened, created or migrated.
    #[error("cannot open the store at {location}: {message}")]
    Open {
        /// The file or the URL without its password.
        location: String,
        /// Why.
        message: String,
    },
    /// A query failed (connection lost, disk full, constraint).
    #[error("store {operation}: {message}")]
    Database {
        /// What was being done (`enqueue`, `claim`, …).
        operation: &'static str,
        /// The database's message.
        message: String,
    },
    /// No job has this id.
    #[error("no job {0}")]
    NoSuchJob(JobId),
    /// The job is not in a state that allows this (retrying a done job, say).
    #[error("job {id} is {state}, not {expected}", state = state.as_str())]
    WrongState {
        /// The job.
        id: JobId,
        /// Its state.
        state: JobState,
        /// What the call needed.
        expected: &'static str,
    },
    /// The worker's lease ran out and the job was claimed again, or changed by a person.
    #[error("job {0}: the lease was lost (claimed again or changed meanwhile)")]
    LeaseLost(JobId),
}

/// The job queue and the decision log.
///
/// Contract (checked by the shared conformance suite, for every implementation):
/// - `enqueue` is idempotent on `dedup_key`, across every state, also under concurrency;
/// - `claim` hands each due job to exactly one caller, oldest `run_at` first, also among
///   concurrent callers in several processes; an expired lease makes a running job claimable
///   again (a new attempt);
/// - `complete`, `retry_later`, `dead_letter` and `release` succeed only for the holder of the
///   current attempt ([`StoreError::LeaseLost`] otherwise);
/// - what a call returned as written is durable when it returns.
#[async_trait]
pub trait Store: Send + Sync {
    /// `sqlite`, `postgres` or `memory`.
    fn kind(&self) -> &'static str;

    /// Adds a job unless one with its dedup key exists.
    async fn enqueue(&self, job: NewJob) -> Result<Enqueued, StoreError>;

    /// Claims the due job with the oldest `run_at` (queued with `run_at <= now`, or running with
    /// `lease_until < now`), for `lease`: state `running`, `attempt + 1`, `worker` set.
    async fn claim(
        &self,
        worker: &str,
        lease: Duration,
        now: Timestamp,
    ) -> Result<Option<ClaimedJob>, StoreError>;

    /// Marks a held job done.
    async fn complete(&self, job: &ClaimedJob, now: Timestamp) -> Result<(), StoreError>;

    /// Puts a held job back in the queue after a failed attempt, to run at `run_at`.
    async fn retry_later(
        &self,
        job: &ClaimedJob,
        error: &str,
        run_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Moves a held job to `dead` after its last failed attempt.
    async fn dead_letter(
        &self,
        job: &ClaimedJob,
        error: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Gives a held job back unfinished (shutdown): queued again, due now, and the attempt it
    /// started does not count.
    async fn release(&self, job: &ClaimedJob, now: Timestamp) -> Result<(), StoreError>;

    /// One job.
    async fn job(&self, id: JobId) -> Result<Option<Job>, StoreError>;

    /// Jobs matching `filter`, newest first.
    async fn jobs(&self, filter: &JobFilter) -> Result<Vec<Job>, StoreError>;

    /// Jobs per state.
    async fn counts(&self) -> Result<JobCounts, StoreError>;

    /// A person's retry: a dead (or dropped) job is queued again, due now, attempts reset.
    async fn retry(&self, id: JobId, now: Timestamp) -> Result<(), StoreError>;

    /// A person's drop: a queued or dead job becomes `dropped` and will not run.
    async fn drop_job(&self, id: JobId, now: Timestamp) -> Result<(), StoreError>;

    /// Appends to the decision log.
    async fn record_decision(&self, record: &DecisionRecord) -> Result<(), StoreError>;

    /// Decision-log rows created at or after `since`, oldest first, at most `limit`.
    async fn decisions(
        &self,
        since: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<DecisionRecord>, StoreError>;

    /// Erases a customer (a data-protection request): deletes their decision-log rows and
    /// blanks the stored webhook bodies of the jobs those rows came from. E-mails are compared
    /// trimmed and case-folded.
    async fn forget_email(&self, email: &str) -> Result<Forgotten, StoreError>;

    /// Deletes decision-log rows, and done or dropped jobs, created before `before`.
    async fn prune(&self, before: Timestamp) -> Result<Pruned, StoreError>;

    /// One cheap query, for `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;
}
