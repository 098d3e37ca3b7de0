//! The SQL both database stores share: one schema shape, one text per query, and the one
//! implementation of [`Store`](super::Store) over an sqlx pool that SQLite and PostgreSQL both
//! run.
//!
//! Placeholders are `$1`, `$2`, … in every query: PostgreSQL's own form, which sqlx's SQLite
//! driver binds by number too, so a query reads the same for both databases. Times are integer
//! microseconds since the epoch in both, so no query depends on a database's date functions.

use super::{from_micros, DecisionRecord, Job, JobId, JobState, StoreError};

/// The columns of a job, in [`JobRow`]'s order.
macro_rules! job_columns {
    () => {
        "id, source, ticket_id, dedup_key, payload, state, attempt, claims, run_at, lease_until, \
         worker, last_error, created_at, updated_at"
    };
}

/// Adds a job unless its dedup key is taken. `ON CONFLICT DO NOTHING` makes the check and the
/// insert one step, so concurrent deliveries of one webhook cannot both get in; the loser gets
/// no row back and looks the winner up.
pub(super) const ENQUEUE: &str = "\
    INSERT INTO jobs (source, ticket_id, dedup_key, payload, state, attempt, claims, run_at,
                      created_at, updated_at)
    VALUES ($1, $2, $3, $4, 'queued', 0, 0, $5, $5, $5)
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING id";

pub(super) const JOB_ID_BY_KEY: &str = "SELECT id FROM jobs WHERE dedup_key = $1";

/// Moves a job that will not read the ticket again off a key a new delivery may take
/// ([`NewJob::rerun_when_done`]): every state but `queued` (a running job may have read the
/// ticket before the message this delivery is about). It keeps its row, under
/// `<key>:<state>:<id>`, which no delivery's key can equal.
///
/// [`NewJob::rerun_when_done`]: super::NewJob::rerun_when_done
pub(super) const RETIRE_KEY: &str = "\
    UPDATE jobs SET dedup_key = dedup_key || ':' || state || ':' || CAST(id AS TEXT)
    WHERE dedup_key = $1 AND state <> 'queued'";

/// Which jobs a claim may take: due (queued and due, or running with its lease run out), and on
/// a ticket no other job is working on under a live lease. Two jobs about one ticket (two quick
/// messages from the customer, two webhooks) both answer its latest comment, so run side by
/// side both would find that comment unanswered and both post; one after the other, the second
/// finds the first one's mark.
macro_rules! claimable {
    () => {
        "((candidate.state = 'queued' AND candidate.run_at <= $3)
           OR (candidate.state = 'running' AND candidate.lease_until < $3))
         AND NOT EXISTS (
             SELECT 1 FROM jobs AS busy
             WHERE busy.source = candidate.source AND busy.ticket_id = candidate.ticket_id
               AND busy.id <> candidate.id
               AND busy.state = 'running' AND busy.lease_until >= $3)"
    };
}

/// The claim, as one statement: pick the claimable job with the oldest `run_at`, and take it in
/// the same step: `running`, a new attempt, a new claim number (the fencing token), the lease
/// and the worker.
///
/// On SQLite a single writing statement takes the database's write lock before it reads
/// anything, so no other connection or process can claim between the pick and the update, and
/// a writer that finds the lock taken waits (busy timeout) instead of failing. A deferred
/// `BEGIN; SELECT …; UPDATE …` would not do: its read snapshot can go stale before the write,
/// and SQLite then answers SQLITE_BUSY at once, whatever the busy timeout.
pub(super) const CLAIM_SQLITE: &str = concat!(
    "UPDATE jobs
     SET state = 'running', attempt = attempt + 1, claims = claims + 1,
         worker = $1, lease_until = $2, updated_at = $3
     WHERE id = (
         SELECT candidate.id FROM jobs AS candidate
         WHERE ",
    claimable!(),
    "
         ORDER BY candidate.run_at, candidate.id
         LIMIT 1)
     RETURNING ",
    job_columns!()
);

/// The claim on PostgreSQL: the same statement, with `FOR UPDATE SKIP LOCKED` so that a row
/// another claimer has locked is passed over, and a row another claimer committed meanwhile is
/// re-checked against the `WHERE` after locking, so a job is never claimed twice. It runs after
/// [`CLAIM_LOCK_POSTGRES`], in that lock's transaction.
pub(super) const CLAIM_POSTGRES: &str = concat!(
    "UPDATE jobs
     SET state = 'running', attempt = attempt + 1, claims = claims + 1,
         worker = $1, lease_until = $2, updated_at = $3
     WHERE id = (
         SELECT candidate.id FROM jobs AS candidate
         WHERE ",
    claimable!(),
    "
         ORDER BY candidate.run_at, candidate.id
         LIMIT 1
         FOR UPDATE OF candidate SKIP LOCKED)
     RETURNING ",
    job_columns!()
);

/// Claims on PostgreSQL take turns, across every replica: the claim's "no other job on this
/// ticket is running" reads a snapshot, and two claims running at once would each miss the
/// other's job on the same ticket. Under READ COMMITTED the claim statement, run after this
/// lock in the same transaction, sees every claim committed before it. Claims are one short
/// statement, so the turns cost little. (The key is arbitrary; it only has to be deskbot's.)
pub(super) const CLAIM_LOCK_POSTGRES: &str = "SELECT pg_advisory_xact_lock(4711231877)";

// The holder's calls are fenced by the claim number: they change the job only while it is
// still running under the very claim the caller holds. A lease that ran out and was claimed
// again (or a job a person changed) no longer matches, and the caller learns LeaseLost.

pub(super) const COMPLETE: &str = "\
    UPDATE jobs SET state = 'done', lease_until = NULL, updated_at = $3
    WHERE id = $1 AND state = 'running' AND claims = $2";

pub(super) const RETRY_LATER: &str = "\
    UPDATE jobs SET state = 'queued', run_at = $3, last_error = $4, lease_until = NULL,
                    updated_at = $5
    WHERE id = $1 AND state = 'running' AND claims = $2";

pub(super) const DEAD_LETTER: &str = "\
    UPDATE jobs SET state = 'dead', last_error = $3, lease_until = NULL, updated_at = $4
    WHERE id = $1 AND state = 'running' AND claims = $2";

/// Shutdown gives the attempt back (`attempt - 1`); the claim number stays, so the fencing
/// still tells this claim from the next.
pub(super) const RELEASE: &str = "\
    UPDATE jobs SET state = 'queued', attempt = attempt - 1, run_at = $3, lease_until = NULL,
                    updated_at = $3
    WHERE id = $1 AND state = 'running' AND claims = $2";

pub(super) const EXTEND_LEASE: &str = "\
    UPDATE jobs SET lease_until = $3
    WHERE id = $1 AND state = 'running' AND claims = $2";

pub(super) const JOB: &str = concat!("SELECT ", job_columns!(), " FROM jobs WHERE id = $1");

pub(super) const JOBS: &str = concat!(
    "SELECT ",
    job_columns!(),
    " FROM jobs
     WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR ticket_id = $2)
     ORDER BY created_at DESC, id DESC
     LIMIT $3"
);

pub(super) const COUNTS: &str = "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state";

pub(super) const STATE: &str = "SELECT state FROM jobs WHERE id = $1";

/// A person's retry starts the job afresh (attempts from zero), keeping `last_error` to read.
pub(super) const RETRY: &str = "\
    UPDATE jobs SET state = 'queued', attempt = 0, run_at = $2, lease_until = NULL,
                    updated_at = $2
    WHERE id = $1 AND state IN ('dead', 'dropped')";

pub(super) const DROP: &str = "\
    UPDATE jobs SET state = 'dropped', lease_until = NULL, updated_at = $2
    WHERE id = $1 AND state IN ('queued', 'dead')";

pub(super) const RECORD_DECISION: &str = "\
    INSERT INTO decisions (job_id, source, ticket_id, customer_email, customer_email_folded,
                           text, cleaned_text, scores, intent, confidence, decision, outcome,
                           situation, handoff_reason, model, timings_ms, delivery, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
    ON CONFLICT (job_id) WHERE job_id IS NOT NULL DO UPDATE SET
        source = excluded.source, ticket_id = excluded.ticket_id,
        customer_email = excluded.customer_email,
        customer_email_folded = excluded.customer_email_folded,
        text = excluded.text, cleaned_text = excluded.cleaned_text, scores = excluded.scores,
        intent = excluded.intent, confidence = excluded.confidence,
        decision = excluded.decision, outcome = excluded.outcome,
        situation = excluded.situation, handoff_reason = excluded.handoff_reason,
        model = excluded.model, timings_ms = excluded.timings_ms,
        delivery = excluded.delivery, created_at = excluded.created_at
    WHERE decisions.delivery <> 'delivered'";

pub(super) const DECISIONS: &str = "\
    SELECT id, job_id, source, ticket_id, customer_email, text, cleaned_text, scores, intent,
           confidence, decision, outcome, situation, handoff_reason, model, timings_ms,
           delivery, created_at
    FROM decisions
    WHERE created_at >= $1
    ORDER BY created_at, id
    LIMIT $2";

/// Blanks the webhook bodies of the customer's jobs (before their rows go: the rows say which).
pub(super) const FORGET_PAYLOADS: &str = "\
    UPDATE jobs SET payload = ''
    WHERE payload <> ''
      AND id IN (SELECT job_id FROM decisions
                 WHERE customer_email_folded = $1 AND job_id IS NOT NULL)";

pub(super) const REPLIES_ON_TICKET: &str = "\
    SELECT COUNT(*) FROM decisions
    WHERE source = $1 AND ticket_id = $2 AND outcome = 'reply' AND delivery IN ($3, $4)";

pub(super) const FORGET_DECISIONS: &str = "DELETE FROM decisions WHERE customer_email_folded = $1";

pub(super) const PRUNE_DECISIONS: &str = "DELETE FROM decisions WHERE created_at < $1";

pub(super) const PRUNE_JOBS: &str = "\
    DELETE FROM jobs WHERE state IN ('done', 'dropped') AND created_at < $1";

pub(super) const PING: &str = "SELECT 1";

/// A job as both databases return it.
#[derive(sqlx::FromRow)]
pub(super) struct JobRow {
    id: i64,
    source: String,
    ticket_id: String,
    dedup_key: String,
    payload: String,
    state: String,
    attempt: i64,
    claims: i64,
    run_at: i64,
    lease_until: Option<i64>,
    worker: Option<String>,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl JobRow {
    /// The job, and its claim number.
    pub(super) fn into_job(self, operation: &'static str) -> Result<(Job, i64), StoreError> {
        let corrupt = |message: String| StoreError::Database { operation, message };
        let state = JobState::parse(&self.state).ok_or_else(|| {
            corrupt(format!(
                "job {} has an unknown state {:?}",
                self.id, self.state
            ))
        })?;
        let attempt = u32::try_from(self.attempt)
            .map_err(|_| corrupt(format!("job {} has attempt {}", self.id, self.attempt)))?;
        let job = Job {
            id: JobId(self.id),
            source: self.source,
            ticket_id: self.ticket_id,
            dedup_key: self.dedup_key,
            payload: self.payload,
            state,
            attempt,
            run_at: from_micros(operation, self.run_at)?,
            lease_until: self
                .lease_until
                .map(|at| from_micros(operation, at))
                .transpose()?,
            worker: self.worker,
            last_error: self.last_error,
            created_at: from_micros(operation, self.created_at)?,
            updated_at: from_micros(operation, self.updated_at)?,
        };
        Ok((job, self.claims))
    }
}

/// A decision-log row as both databases return it.
#[derive(sqlx::FromRow)]
pub(super) struct DecisionRow {
    id: i64,
    job_id: Option<i64>,
    source: String,
    ticket_id: Option<String>,
    customer_email: Option<String>,
    text: String,
    cleaned_text: String,
    scores: String,
    intent: String,
    confidence: f64,
    decision: String,
    outcome: String,
    situation: Option<String>,
    handoff_reason: Option<String>,
    model: String,
    timings_ms: String,
    delivery: String,
    created_at: i64,
}

impl DecisionRow {
    pub(super) fn into_record(self) -> Result<DecisionRecord, StoreError> {
        const OP: &str = "decisions";
        let pairs = |field: &str, json: &str| {
            serde_json::from_str::<Vec<(String, f64)>>(json).map_err(|e| StoreError::Database {
                operation: OP,
                message: format!("decision {} has unreadable {field}: {e}", self.id),
            })
        };
        Ok(DecisionRecord {
            job_id: self.job_id.map(JobId),
            scores: pairs("scores", &self.scores)?,
            timings_ms: pairs("timings_ms", &self.timings_ms)?,
            source: self.source,
            ticket_id: self.ticket_id,
            customer_email: self.customer_email,
            text: self.text,
            cleaned_text: self.cleaned_text,
            intent: self.intent,
            confidence: self.confidence,
            decision: self.decision,
            outcome: self.outcome,
            situation: self.situation,
            handoff_reason: self.handoff_reason,
            model: self.model,
            delivery: self.delivery,
            created_at: from_micros(OP, self.created_at)?,
        })
    }
}

/// A float list as the decision log keeps it: JSON text, written with the shortest digits that
/// read back as the same `f64` (serde_json's `float_roundtrip`).
pub(super) fn pairs_json(pairs: &[(String, f64)]) -> String {
    serde_json::to_string(pairs).unwrap_or_else(|_| "[]".to_owned())
}

/// An sqlx error as a store error.
pub(super) fn database(operation: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |error| StoreError::Database {
        operation,
        message: error.to_string(),
    }
}

/// A count from the database, which has no unsigned integers.
pub(super) fn count(operation: &'static str, n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Database {
        operation,
        message: format!("negative count {n}"),
    })
}

/// The [`Store`](super::Store) implementation both SQL stores share: every query above, run on
/// `self.pool`. A macro rather than a function generic over `sqlx::Database`, because the
/// bounds that genericity needs (encoding, decoding and executor bounds for every type, in
/// higher-ranked form) would outweigh the code; the two expansions differ only in the pool's
/// type, the claim statement (and the lock PostgreSQL's takes first) and the name.
macro_rules! sql_store {
    ($store:ty, $kind:literal, $claim:expr, $claim_lock:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn kind(&self) -> &'static str {
                $kind
            }

            async fn enqueue(
                &self,
                job: $crate::store::NewJob,
            ) -> Result<$crate::store::Enqueued, $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                use $crate::store::{check_new_job, micros, Enqueued, JobId};
                check_new_job(&job)?;
                let received = micros(job.received_at);
                if job.rerun_when_done {
                    // Then the insert: a concurrent delivery of the same body either retires
                    // nothing (the new job is still queued) or loses the insert, so one job
                    // results (or two, if a worker claimed the first in between: the second
                    // then finds the first one's marks and posts nothing).
                    sqlx::query(sql::RETIRE_KEY)
                        .bind(&job.dedup_key)
                        .execute(&self.pool)
                        .await
                        .map_err(database("enqueue"))?;
                }
                // Twice at most: a duplicate pruned between the insert and the look-up leaves
                // the key free again, and the second insert takes it.
                for _ in 0..2 {
                    let created: Option<i64> = sqlx::query_scalar(sql::ENQUEUE)
                        .bind(&job.source)
                        .bind(&job.ticket_id)
                        .bind(&job.dedup_key)
                        .bind(&job.payload)
                        .bind(received)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(database("enqueue"))?;
                    if let Some(id) = created {
                        return Ok(Enqueued::Created(JobId(id)));
                    }
                    let existing: Option<i64> = sqlx::query_scalar(sql::JOB_ID_BY_KEY)
                        .bind(&job.dedup_key)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(database("enqueue"))?;
                    if let Some(id) = existing {
                        return Ok(Enqueued::Duplicate(JobId(id)));
                    }
                }
                Err($crate::store::StoreError::Database {
                    operation: "enqueue",
                    message: format!("dedup key {:?} neither inserted nor found", job.dedup_key),
                })
            }

            async fn claim(
                &self,
                worker: &str,
                lease: std::time::Duration,
                now: jiff::Timestamp,
            ) -> Result<Option<$crate::store::ClaimedJob>, $crate::store::StoreError> {
                use $crate::store::sql::{database, JobRow};
                use $crate::store::{check_text, lease_end, micros, ClaimedJob};
                check_text("claim", "worker", worker)?;
                let until = lease_end(now, lease)?;
                let claim_lock: Option<&str> = $claim_lock;
                let row: Option<JobRow> = match claim_lock {
                    None => sqlx::query_as($claim)
                        .bind(worker)
                        .bind(micros(until))
                        .bind(micros(now))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(database("claim"))?,
                    Some(lock) => {
                        let mut tx = self.pool.begin().await.map_err(database("claim"))?;
                        sqlx::query(lock)
                            .execute(&mut *tx)
                            .await
                            .map_err(database("claim"))?;
                        let row = sqlx::query_as($claim)
                            .bind(worker)
                            .bind(micros(until))
                            .bind(micros(now))
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(database("claim"))?;
                        tx.commit().await.map_err(database("claim"))?;
                        row
                    }
                };
                row.map(|row| {
                    let (job, claim) = row.into_job("claim")?;
                    Ok(ClaimedJob { job, claim })
                })
                .transpose()
            }

            async fn complete(
                &self,
                job: &$crate::store::ClaimedJob,
                now: jiff::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                let done = sqlx::query(sql::COMPLETE)
                    .bind(job.job.id.0)
                    .bind(job.claim)
                    .bind($crate::store::micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(database("complete"))?;
                self.fenced(job, done.rows_affected(), "complete").await
            }

            async fn retry_later(
                &self,
                job: &$crate::store::ClaimedJob,
                error: &str,
                run_at: jiff::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                $crate::store::check_text("retry_later", "error", error)?;
                let done = sqlx::query(sql::RETRY_LATER)
                    .bind(job.job.id.0)
                    .bind(job.claim)
                    .bind($crate::store::micros(run_at))
                    .bind(error)
                    .bind($crate::store::micros(jiff::Timestamp::now()))
                    .execute(&self.pool)
                    .await
                    .map_err(database("retry_later"))?;
                self.fenced(job, done.rows_affected(), "retry_later").await
            }

            async fn dead_letter(
                &self,
                job: &$crate::store::ClaimedJob,
                error: &str,
                now: jiff::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                $crate::store::check_text("dead_letter", "error", error)?;
                let done = sqlx::query(sql::DEAD_LETTER)
                    .bind(job.job.id.0)
                    .bind(job.claim)
                    .bind(error)
                    .bind($crate::store::micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(database("dead_letter"))?;
                self.fenced(job, done.rows_affected(), "dead_letter").await
            }

            async fn release(
                &self,
                job: &$crate::store::ClaimedJob,
                now: jiff::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                let done = sqlx::query(sql::RELEASE)
                    .bind(job.job.id.0)
                    .bind(job.claim)
                    .bind($crate::store::micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(database("release"))?;
                self.fenced(job, done.rows_affected(), "release").await
            }

            async fn extend_lease(
                &self,
                job: &$crate::store::ClaimedJob,
                until: jiff::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                let done = sqlx::query(sql::EXTEND_LEASE)
                    .bind(job.job.id.0)
                    .bind(job.claim)
                    .bind($crate::store::micros(until))
                    .execute(&self.pool)
                    .await
                    .map_err(database("extend_lease"))?;
                self.fenced(job, done.rows_affected(), "extend_lease").await
            }

            async fn job(
                &self,
                id: $crate::store::JobId,
            ) -> Result<Option<$crate::store::Job>, $crate::store::StoreError> {
                use $crate::store::sql::{self, database, JobRow};
                let row: Option<JobRow> = sqlx::query_as(sql::JOB)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(database("job"))?;
                row.map(|row| row.into_job("job").map(|(job, _)| job))
                    .transpose()
            }

            async fn jobs(
                &self,
                filter: &$crate::store::JobFilter,
            ) -> Result<Vec<$crate::store::Job>, $crate::store::StoreError> {
                use $crate::store::sql::{self, database, JobRow};
                let limit = filter.limit.unwrap_or($crate::store::DEFAULT_JOBS_LIMIT);
                let rows: Vec<JobRow> = sqlx::query_as(sql::JOBS)
                    .bind(filter.state.map(|s| s.as_str()))
                    .bind(filter.ticket_id.as_deref())
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(database("jobs"))?;
                rows.into_iter()
                    .map(|row| row.into_job("jobs").map(|(job, _)| job))
                    .collect()
            }

            async fn counts(&self) -> Result<$crate::store::JobCounts, $crate::store::StoreError> {
                use $crate::store::sql::{self, count, database};
                use $crate::store::{JobCounts, JobState, StoreError};
                let rows: Vec<(String, i64)> = sqlx::query_as(sql::COUNTS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(database("counts"))?;
                let mut counts = JobCounts::default();
                for (state, n) in rows {
                    let slot = match JobState::parse(&state) {
                        Some(JobState::Queued) => &mut counts.queued,
                        Some(JobState::Running) => &mut counts.running,
                        Some(JobState::Done) => &mut counts.done,
                        Some(JobState::Dead) => &mut counts.dead,
                        Some(JobState::Dropped) => &mut counts.dropped,
                        None => {
                            return Err(StoreError::Database {
                                operation: "counts",
                                message: format!("unknown job state {state:?}"),
                            })
                        }
                    };
                    *slot = count("counts", n)?;
                }
                Ok(counts)
            }

            async fn retry(
                &self,
                id: $crate::store::JobId,
                now: jiff::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                let done = sqlx::query(sql::RETRY)
                    .bind(id.0)
                    .bind($crate::store::micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(database("retry"))?;
                self.by_person(id, done.rows_affected(), "retry", "dead or dropped")
                    .await
            }

            async fn drop_job(
                &self,
                id: $crate::store::JobId,
                now: jiff::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                let done = sqlx::query(sql::DROP)
                    .bind(id.0)
                    .bind($crate::store::micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(database("drop_job"))?;
                self.by_person(id, done.rows_affected(), "drop_job", "queued or dead")
                    .await
            }

            async fn record_decision(
                &self,
                record: &$crate::store::DecisionRecord,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::sql::{self, database, pairs_json};
                use $crate::store::{check_decision, fold_email, micros};
                check_decision(record)?;
                let done = sqlx::query(sql::RECORD_DECISION)
                    .bind(record.job_id.map(|id| id.0))
                    .bind(&record.source)
                    .bind(record.ticket_id.as_deref())
                    .bind(record.customer_email.as_deref())
                    .bind(record.customer_email.as_deref().and_then(fold_email))
                    .bind(&record.text)
                    .bind(&record.cleaned_text)
                    .bind(pairs_json(&record.scores))
                    .bind(&record.intent)
                    .bind(record.confidence)
                    .bind(&record.decision)
                    .bind(&record.outcome)
                    .bind(record.situation.as_deref())
                    .bind(record.handoff_reason.as_deref())
                    .bind(&record.model)
                    .bind(pairs_json(&record.timings_ms))
                    .bind(&record.delivery)
                    .bind(micros(record.created_at))
                    .execute(&self.pool)
                    .await
                    .map_err(database("record_decision"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn decisions(
                &self,
                since: Option<jiff::Timestamp>,
                limit: u32,
            ) -> Result<Vec<$crate::store::DecisionRecord>, $crate::store::StoreError> {
                use $crate::store::sql::{self, database, DecisionRow};
                let rows: Vec<DecisionRow> = sqlx::query_as(sql::DECISIONS)
                    .bind(since.map_or(i64::MIN, $crate::store::micros))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(database("decisions"))?;
                rows.into_iter().map(DecisionRow::into_record).collect()
            }

            async fn replies_on_ticket(
                &self,
                source: &str,
                ticket_id: &str,
            ) -> Result<u64, $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                let count: i64 = sqlx::query_scalar(sql::REPLIES_ON_TICKET)
                    .bind(source)
                    .bind(ticket_id)
                    .bind($crate::store::DELIVERED)
                    .bind($crate::store::MAYBE_DELIVERED)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(database("replies_on_ticket"))?;
                Ok(u64::try_from(count).unwrap_or(0))
            }

            async fn forget_email(
                &self,
                email: &str,
            ) -> Result<$crate::store::Forgotten, $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                use $crate::store::{fold_email, Forgotten, StoreError};
                $crate::store::check_text("forget_email", "email", email)?;
                let key = fold_email(email).ok_or_else(|| StoreError::Invalid {
                    operation: "forget_email",
                    problem: "the e-mail address is blank".to_owned(),
                })?;
                // One transaction: the payloads are found through the rows about to go. Its
                // first statement writes, so on SQLite it takes the write lock before reading
                // anything (no stale snapshot to upgrade).
                let mut tx = self.pool.begin().await.map_err(database("forget_email"))?;
                let payloads = sqlx::query(sql::FORGET_PAYLOADS)
                    .bind(&key)
                    .execute(&mut *tx)
                    .await
                    .map_err(database("forget_email"))?;
                let decisions = sqlx::query(sql::FORGET_DECISIONS)
                    .bind(&key)
                    .execute(&mut *tx)
                    .await
                    .map_err(database("forget_email"))?;
                tx.commit().await.map_err(database("forget_email"))?;
                Ok(Forgotten {
                    decisions: decisions.rows_affected(),
                    job_payloads: payloads.rows_affected(),
                })
            }

            async fn prune(
                &self,
                before: jiff::Timestamp,
            ) -> Result<$crate::store::Pruned, $crate::store::StoreError> {
                use $crate::store::sql::{self, database};
                let before = $crate::store::micros(before);
                let decisions = sqlx::query(sql::PRUNE_DECISIONS)
                    .bind(before)
                    .execute(&self.pool)
                    .await
                    .map_err(database("prune"))?;
                let jobs = sqlx::query(sql::PRUNE_JOBS)
                    .bind(before)
                    .execute(&self.pool)
                    .await
                    .map_err(database("prune"))?;
                Ok($crate::store::Pruned {
                    decisions: decisions.rows_affected(),
                    jobs: jobs.rows_affected(),
                })
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query($crate::store::sql::PING)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::sql::database("ping"))?;
                Ok(())
            }
        }

        impl $store {
            /// After a fenced update: nothing changed means the claim is no longer current
            /// (or the job is gone).
            async fn fenced(
                &self,
                job: &$crate::store::ClaimedJob,
                changed: u64,
                operation: &'static str,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::StoreError;
                if changed > 0 {
                    return Ok(());
                }
                match self.state_of(job.job.id, operation).await? {
                    None => Err(StoreError::NoSuchJob(job.job.id)),
                    Some(_) => Err(StoreError::LeaseLost(job.job.id)),
                }
            }

            /// After a person's conditional update: nothing changed means no such job, or a
            /// job in a state the call does not apply to.
            async fn by_person(
                &self,
                id: $crate::store::JobId,
                changed: u64,
                operation: &'static str,
                expected: &'static str,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::StoreError;
                if changed > 0 {
                    return Ok(());
                }
                match self.state_of(id, operation).await? {
                    None => Err(StoreError::NoSuchJob(id)),
                    Some(state) => Err(StoreError::WrongState {
                        id,
                        state,
                        expected,
                    }),
                }
            }

            async fn state_of(
                &self,
                id: $crate::store::JobId,
                operation: &'static str,
            ) -> Result<Option<$crate::store::JobState>, $crate::store::StoreError> {
                use $crate::store::{JobState, StoreError};
                let state: Option<String> = sqlx::query_scalar($crate::store::sql::STATE)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::sql::database(operation))?;
                state
                    .map(|name| {
                        JobState::parse(&name).ok_or_else(|| StoreError::Database {
                            operation,
                            message: format!("job {id} has an unknown state {name:?}"),
                        })
                    })
                    .transpose()
            }
        }
    };
}

pub(super) use sql_store;
