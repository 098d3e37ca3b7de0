//! The service's durable state: the job queue (one row per help-desk event) and the decision log
//! (one row per processed message). SQLite is the embedded default; PostgreSQL lets several
//! `deskbot serve` replicas share one queue.
//!
//! The queue follows Oban's shape: jobs are rows; a worker claims one under a lease; a failed job
//! is retried later with backoff, and after the last attempt moves to `dead`, where a person can
//! inspect, retry or drop it. A unique `dedup_key` makes enqueueing idempotent, so a webhook
//! delivered five times is one job. A lease that runs out (the worker crashed) makes the job
//! claimable again; every claim takes a new claim number (the fencing token, kept in the
//! [`ClaimedJob`]), so a worker whose lease was taken over can no longer complete or fail the job.
//!
//! Implementations: [`MemoryStore`] (tests, and the reference), [`SqliteStore`] (one file) and
//! [`PostgresStore`] (shared by replicas); [`open`] picks one from [`StoreSettings`]. The shared
//! [`conformance`] suite holds all three to the contract below.

use std::path::PathBuf;
use std::sync::Arc;
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
    /// What the webhook said, for inspection (JSON text).
    pub payload: String,
    /// When it was received.
    pub received_at: Timestamp,
    /// Whether the key identifies a delivery rather than a message: then only a job with this
    /// key that is still queued makes a new delivery a duplicate (it has not read the ticket
    /// yet, and will answer its latest message). A job in any other state keeps its row under
    /// a retired key (`<key>:<state>:<id>`) and the delivery becomes a new job: done, it
    /// answered an earlier message; running, it may have read the ticket before this message
    /// came; dead or dropped, it will not run. For webhook bodies that name no comment or event
    /// (the key is the body's hash): the customer's next message on the ticket sends the same
    /// body, and must still be answered; a true redelivery re-runs harmlessly, since the worker
    /// finds its delivery marks.
    pub rerun_when_done: bool,
}

/// What [`Store::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job.
    Created(JobId),
    /// A job with this dedup key already exists (in any state, or queued when the new job
    /// asked for [`NewJob::rerun_when_done`]): nothing was added.
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

/// A job a worker holds. Completing or failing it needs the claim that made it: after a lease
/// ran out and another worker claimed the job, the old holder's calls fail with
/// [`StoreError::LeaseLost`]. Only a store's [`Store::claim`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    /// The job, as claimed (state `running`).
    pub job: Job,
    /// The job's claim number at this claim: the fencing token. Not `attempt`, because
    /// `release` gives an attempt back and a person's `retry` resets attempts to zero, so an
    /// attempt number can come round again; claim numbers only grow.
    pub(crate) claim: i64,
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

/// [`DecisionRecord::delivery`] of a message whose reply or handoff reached the help desk.
pub const DELIVERED: &str = "delivered";

/// [`DecisionRecord::delivery`] of a message whose delivery failed in a way that may have
/// reached the help desk all the same: the help desk answered 5xx or not at all, after the
/// request was sent. A reply logged so is counted as posted where that is the safe side (the
/// reply limit).
pub const MAYBE_DELIVERED: &str = "failed:unavailable";

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
    /// A value the store cannot keep faithfully (a NUL character in text, a score that is not
    /// a finite number, a blank e-mail address to forget).
    #[error("store {operation}: {problem}")]
    Invalid {
        /// What was being done.
        operation: &'static str,
        /// What is wrong with the value.
        problem: String,
    },
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

    /// Keeps holding a running job until `until` (a heartbeat while a slow attempt runs), so no
    /// other worker takes it over; [`StoreError::LeaseLost`] if another one already has.
    async fn extend_lease(&self, job: &ClaimedJob, until: Timestamp) -> Result<(), StoreError>;

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

    /// Appends to the decision log, and says whether the log changed.
    ///
    /// A job has one row. A second record for the same job replaces the first only when the
    /// first's delivery did not succeed (a person retried a dead job, and this run delivered);
    /// otherwise it is ignored and `false` returned: it is a rerun of a job that was already
    /// answered and logged. Records without a job (`/v1/reply`) are always appended.
    async fn record_decision(&self, record: &DecisionRecord) -> Result<bool, StoreError>;

    /// Decision-log rows created at or after `since`, oldest first, at most `limit`.
    async fn decisions(
        &self,
        since: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<DecisionRecord>, StoreError>;

    /// How many replies from `source`'s ticket `ticket_id` reached the help desk, or may have
    /// ([`MAYBE_DELIVERED`]), as the decision log (within its retention) has them.
    async fn replies_on_ticket(&self, source: &str, ticket_id: &str) -> Result<u64, StoreError>;

    /// Erases a customer (a data-protection request): deletes their decision-log rows and
    /// blanks the stored webhook bodies of the jobs those rows came from. E-mails are compared
    /// trimmed and case-folded.
    async fn forget_email(&self, email: &str) -> Result<Forgotten, StoreError>;

    /// Deletes decision-log rows, and done or dropped jobs, created before `before`.
    async fn prune(&self, before: Timestamp) -> Result<Pruned, StoreError>;

    /// One cheap query, for `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;
}

mod memory;
mod postgres;
mod sql;
mod sqlite;

#[doc(hidden)]
pub mod conformance;

pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Which database holds the store (`[store]` in `deskbot.toml`).
#[derive(Debug, Clone, PartialEq)]
pub enum StoreSettings {
    /// One SQLite file, created on first use: the default, for one `deskbot serve` process
    /// (several processes on one machine may share the file too).
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// A PostgreSQL database, shared by several replicas.
    Postgres {
        /// `postgres://user:password@host:port/database`.
        url: crate::adapters::Secret,
        /// Connections this process keeps open at most.
        max_connections: u32,
    },
}

impl StoreSettings {
    /// Where the store is, for messages: the file, or the URL with its password replaced.
    pub fn location(&self) -> String {
        match self {
            StoreSettings::Sqlite { path } => path.display().to_string(),
            StoreSettings::Postgres { url, .. } => redact_url(url.expose()),
        }
    }
}

/// Opens (creating or migrating as needed) the store `settings` names.
pub async fn open(settings: &StoreSettings) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match settings {
        StoreSettings::Sqlite { path } => Arc::new(SqliteStore::open(path).await?),
        StoreSettings::Postgres {
            url,
            max_connections,
        } => Arc::new(PostgresStore::connect(url.expose(), *max_connections).await?),
    })
}

/// `url` with its password (in the user part or a `password=` parameter) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // The last `@` ends the user part: a password may itself contain `@` if not percent-encoded.
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (user_info, host) = authority.split_at(at);
            match user_info.split_once(':') {
                Some((user, _password)) => format!("{user}:***{host}"),
                None => authority.to_owned(),
            }
        }
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}{authority}{tail}")
}

/// How many jobs [`Store::jobs`] lists when the filter sets no limit.
pub const DEFAULT_JOBS_LIMIT: u32 = 100;

/// When a lease taken at `now` for `lease` runs out.
pub(crate) fn lease_end(now: Timestamp, lease: Duration) -> Result<Timestamp, StoreError> {
    jiff::SignedDuration::try_from(lease)
        .ok()
        .and_then(|lease| now.checked_add(lease).ok())
        .ok_or_else(|| StoreError::Invalid {
            operation: "claim",
            problem: format!("a lease of {lease:?} from {now} ends out of range"),
        })
}

/// The key `forget_email` matches: trimmed and lower-cased, `None` when blank.
pub(crate) fn fold_email(email: &str) -> Option<String> {
    let folded = email.trim().to_lowercase();
    (!folded.is_empty()).then_some(folded)
}

/// Microseconds since the epoch: how every store keeps time.
pub(crate) fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// A stored time back as a timestamp.
pub(crate) fn from_micros(operation: &'static str, micros: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(micros).map_err(|e| StoreError::Database {
        operation,
        message: format!("stored time {micros} is out of range: {e}"),
    })
}

/// `at` cut to whole microseconds, as a store gives it back.
pub(crate) fn truncate(at: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at)
}

/// Every store refuses what one of them could not keep: PostgreSQL's text cannot hold NUL, and
/// NaN has no JSON form (and becomes NULL in SQLite), so no store accepts either.
pub(crate) fn check_text(
    operation: &'static str,
    field: &str,
    text: &str,
) -> Result<(), StoreError> {
    if text.contains('\0') {
        return Err(StoreError::Invalid {
            operation,
            problem: format!("{field} contains a NUL character"),
        });
    }
    Ok(())
}

pub(crate) fn check_new_job(job: &NewJob) -> Result<(), StoreError> {
    for (field, text) in [
        ("source", &job.source),
        ("ticket_id", &job.ticket_id),
        ("dedup_key", &job.dedup_key),
        ("payload", &job.payload),
    ] {
        check_text("enqueue", field, text)?;
    }
    if job.dedup_key.is_empty() {
        return Err(StoreError::Invalid {
            operation: "enqueue",
            problem: "the dedup key is empty".to_owned(),
        });
    }
    Ok(())
}

pub(crate) fn check_decision(record: &DecisionRecord) -> Result<(), StoreError> {
    const OP: &str = "record_decision";
    let texts = [
        ("source", Some(&record.source)),
        ("ticket_id", record.ticket_id.as_ref()),
        ("customer_email", record.customer_email.as_ref()),
        ("text", Some(&record.text)),
        ("cleaned_text", Some(&record.cleaned_text)),
        ("intent", Some(&record.intent)),
        ("decision", Some(&record.decision)),
        ("outcome", Some(&record.outcome)),
        ("situation", record.situation.as_ref()),
        ("handoff_reason", record.handoff_reason.as_ref()),
        ("model", Some(&record.model)),
        ("delivery", Some(&record.delivery)),
    ];
    for (field, text) in texts {
        if let Some(text) = text {
            check_text(OP, field, text)?;
        }
    }
    let numbers = std::iter::once(("confidence", "", record.confidence))
        .chain(
            record
                .scores
                .iter()
                .map(|(k, v)| ("scores", k.as_str(), *v)),
        )
        .chain(
            record
                .timings_ms
                .iter()
                .map(|(k, v)| ("timings_ms", k.as_str(), *v)),
        );
    for (field, key, value) in numbers {
        check_text(OP, field, key)?;
        if !value.is_finite() {
            return Err(StoreError::Invalid {
                operation: OP,
                problem: format!("{field} {key:?} is {value}, not a finite number"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_passwords() {
        assert_eq!(
            redact_url("postgres://deskbot:s3cr@t!@db.internal:5432/deskbot?sslmode=require"),
            "postgres://deskbot:***@db.internal:5432/deskbot?sslmode=require"
        );
        assert_eq!(
            redact_url("postgresql://db/deskbot?user=a&password=hunter2&sslmode=prefer"),
            "postgresql://db/deskbot?user=a&password=***&sslmode=prefer"
        );
        assert_eq!(
            redact_url("postgres://deskbot@localhost/x"),
            "postgres://deskbot@localhost/x"
        );
        let settings = StoreSettings::Postgres {
            url: crate::adapters::Secret::new("postgres://u:pw@h/d"),
            max_connections: 2,
        };
        assert_eq!(settings.location(), "postgres://u:***@h/d");
        assert!(!format!("{settings:?}").contains("pw"));
    }

    #[test]
    fn emails_fold_to_one_key() {
        assert_eq!(
            fold_email("  Ann@Example.COM\n").as_deref(),
            Some("ann@example.com")
        );
        assert_eq!(fold_email(" \t "), None);
    }

    #[test]
    fn values_no_store_can_keep_are_refused() {
        let mut record = conformance::decision("x@y.z", 1, None);
        assert!(check_decision(&record).is_ok());
        record.scores.push(("refund".into(), f64::NAN));
        assert!(matches!(
            check_decision(&record),
            Err(StoreError::Invalid { .. })
        ));
        let job = NewJob {
            source: "zendesk".into(),
            ticket_id: "1".into(),
            dedup_key: "k".into(),
            payload: "a\0b".into(),
            received_at: Timestamp::UNIX_EPOCH,
            rerun_when_done: false,
        };
        let err = check_new_job(&job).unwrap_err();
        assert!(err.to_string().contains("payload contains a NUL"), "{err}");
    }
}
