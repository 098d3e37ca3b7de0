//! The store in memory: for tests, and the reference the SQL stores are held to. Nothing
//! survives the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;

use super::{
    check_decision, check_new_job, check_text, fold_email, lease_end, truncate, ClaimedJob,
    DecisionRecord, Enqueued, Forgotten, Job, JobCounts, JobFilter, JobId, JobState, NewJob,
    Pruned, Store, StoreError, DEFAULT_JOBS_LIMIT, DELIVERED,
};

/// A job queue and decision log behind one mutex. Times are cut to whole microseconds, as the
/// databases keep them, so all stores give back the same values.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    jobs: BTreeMap<JobId, StoredJob>,
    by_key: HashMap<String, JobId>,
    last_job_id: i64,
    decisions: Vec<StoredDecision>,
}

#[derive(Debug)]
struct StoredJob {
    job: Job,
    /// Claims ever made: the fencing token.
    claims: i64,
}

#[derive(Debug)]
struct StoredDecision {
    folded_email: Option<String>,
    record: DecisionRecord,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock left whole values behind (every change is
        // made after its checks), so the data is still good to use.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    /// The job a holder's call may change: running, under the caller's claim.
    fn held(&mut self, claimed: &ClaimedJob) -> Result<&mut Job, StoreError> {
        let id = claimed.job.id;
        let stored = self.jobs.get_mut(&id).ok_or(StoreError::NoSuchJob(id))?;
        if stored.job.state != JobState::Running || stored.claims != claimed.claim {
            return Err(StoreError::LeaseLost(id));
        }
        Ok(&mut stored.job)
    }

    /// A job a person changes, if it is in one of `allowed`.
    fn for_person(
        &mut self,
        id: JobId,
        allowed: &[JobState],
        expected: &'static str,
    ) -> Result<&mut Job, StoreError> {
        let stored = self.jobs.get_mut(&id).ok_or(StoreError::NoSuchJob(id))?;
        if !allowed.contains(&stored.job.state) {
            return Err(StoreError::WrongState {
                id,
                state: stored.job.state,
                expected,
            });
        }
        Ok(&mut stored.job)
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn kind(&self) -> &'static str {
        "memory"
    }

    async fn enqueue(&self, new: NewJob) -> Result<Enqueued, StoreError> {
        check_new_job(&new)?;
        let mut state = self.state();
        if let Some(&id) = state.by_key.get(&new.dedup_key) {
            // As the SQL stores: only a queued job will still read the ticket; any other keeps
            // its row under a retired key, and the delivery becomes a new job.
            let old = match state.jobs.get(&id).map(|stored| stored.job.state) {
                Some(old) if new.rerun_when_done && old != JobState::Queued => old,
                _ => return Ok(Enqueued::Duplicate(id)),
            };
            let retired = format!("{}:{}:{}", new.dedup_key, old.as_str(), id.0);
            state.by_key.remove(&new.dedup_key);
            state.by_key.insert(retired.clone(), id);
            if let Some(stored) = state.jobs.get_mut(&id) {
                stored.job.dedup_key = retired;
            }
        }
        state.last_job_id += 1;
        let id = JobId(state.last_job_id);
        let at = truncate(new.received_at);
        state.by_key.insert(new.dedup_key.clone(), id);
        let job = Job {
            id,
            source: new.source,
            ticket_id: new.ticket_id,
            dedup_key: new.dedup_key,
            payload: new.payload,
            state: JobState::Queued,
            attempt: 0,
            run_at: at,
            lease_until: None,
            worker: None,
            last_error: None,
            created_at: at,
            updated_at: at,
        };
        state.jobs.insert(id, StoredJob { job, claims: 0 });
        Ok(Enqueued::Created(id))
    }

    async fn claim(
        &self,
        worker: &str,
        lease: Duration,
        now: Timestamp,
    ) -> Result<Option<ClaimedJob>, StoreError> {
        check_text("claim", "worker", worker)?;
        let now = truncate(now);
        let until = truncate(lease_end(now, lease)?);
        let mut state = self.state();
        // As the SQL stores: one job at a time per ticket (see `claimable!` in `sql.rs`).
        let busy: std::collections::HashSet<(String, String)> = state
            .jobs
            .values()
            .filter(|stored| {
                stored.job.state == JobState::Running
                    && stored.job.lease_until.is_some_and(|end| end >= now)
            })
            .map(|stored| (stored.job.source.clone(), stored.job.ticket_id.clone()))
            .collect();
        let due = state
            .jobs
            .values_mut()
            .filter(|stored| match stored.job.state {
                JobState::Queued => stored.job.run_at <= now,
                JobState::Running => stored.job.lease_until.is_some_and(|end| end < now),
                _ => false,
            })
            .filter(|stored| {
                !busy.contains(&(stored.job.source.clone(), stored.job.ticket_id.clone()))
            })
            .min_by_key(|stored| (stored.job.run_at, stored.job.id));
        let Some(stored) = due else {
            return Ok(None);
        };
        stored.claims += 1;
        let job = &mut stored.job;
        job.state = JobState::Running;
        job.attempt += 1;
        job.worker = Some(worker.to_owned());
        job.lease_until = Some(until);
        job.updated_at = now;
        Ok(Some(ClaimedJob {
            job: job.clone(),
            claim: stored.claims,
        }))
    }

    async fn complete(&self, claimed: &ClaimedJob, now: Timestamp) -> Result<(), StoreError> {
        let mut state = self.state();
        let job = state.held(claimed)?;
        job.state = JobState::Done;
        job.lease_until = None;
        job.updated_at = truncate(now);
        Ok(())
    }

    async fn retry_later(
        &self,
        claimed: &ClaimedJob,
        error: &str,
        run_at: Timestamp,
    ) -> Result<(), StoreError> {
        check_text("retry_later", "error", error)?;
        let mut state = self.state();
        let job = state.held(claimed)?;
        job.state = JobState::Queued;
        job.run_at = truncate(run_at);
        job.last_error = Some(error.to_owned());
        job.lease_until = None;
        job.updated_at = truncate(Timestamp::now());
        Ok(())
    }

    async fn dead_letter(
        &self,
        claimed: &ClaimedJob,
        error: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        check_text("dead_letter", "error", error)?;
        let mut state = self.state();
        let job = state.held(claimed)?;
        job.state = JobState::Dead;
        job.last_error = Some(error.to_owned());
        job.lease_until = None;
        job.updated_at = truncate(now);
        Ok(())
    }

    async fn release(&self, claimed: &ClaimedJob, now: Timestamp) -> Result<(), StoreError> {
        let mut state = self.state();
        let job = state.held(claimed)?;
        let now = truncate(now);
        job.state = JobState::Queued;
        job.attempt = job.attempt.saturating_sub(1);
        job.run_at = now;
        job.lease_until = None;
        job.updated_at = now;
        Ok(())
    }

    async fn extend_lease(&self, claimed: &ClaimedJob, until: Timestamp) -> Result<(), StoreError> {
        let mut state = self.state();
        let job = state.held(claimed)?;
        job.lease_until = Some(truncate(until));
        Ok(())
    }

    async fn job(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        Ok(self.state().jobs.get(&id).map(|stored| stored.job.clone()))
    }

    async fn jobs(&self, filter: &JobFilter) -> Result<Vec<Job>, StoreError> {
        let state = self.state();
        let mut jobs: Vec<Job> = state
            .jobs
            .values()
            .map(|stored| &stored.job)
            .filter(|job| filter.state.is_none_or(|s| job.state == s))
            .filter(|job| {
                filter
                    .ticket_id
                    .as_ref()
                    .is_none_or(|ticket| &job.ticket_id == ticket)
            })
            .cloned()
            .collect();
        jobs.sort_by_key(|job| std::cmp::Reverse((job.created_at, job.id)));
        let limit = filter.limit.unwrap_or(DEFAULT_JOBS_LIMIT);
        jobs.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(jobs)
    }

    async fn counts(&self) -> Result<JobCounts, StoreError> {
        let mut counts = JobCounts::default();
        for stored in self.state().jobs.values() {
            *match stored.job.state {
                JobState::Queued => &mut counts.queued,
                JobState::Running => &mut counts.running,
                JobState::Done => &mut counts.done,
                JobState::Dead => &mut counts.dead,
                JobState::Dropped => &mut counts.dropped,
            } += 1;
        }
        Ok(counts)
    }

    async fn retry(&self, id: JobId, now: Timestamp) -> Result<(), StoreError> {
        let mut state = self.state();
        let job = state.for_person(id, &[JobState::Dead, JobState::Dropped], "dead or dropped")?;
        let now = truncate(now);
        job.state = JobState::Queued;
        job.attempt = 0;
        job.run_at = now;
        job.lease_until = None;
        job.updated_at = now;
        Ok(())
    }

    async fn drop_job(&self, id: JobId, now: Timestamp) -> Result<(), StoreError> {
        let mut state = self.state();
        let job = state.for_person(id, &[JobState::Queued, JobState::Dead], "queued or dead")?;
        job.state = JobState::Dropped;
        job.lease_until = None;
        job.updated_at = truncate(now);
        Ok(())
    }

    async fn record_decision(&self, record: &DecisionRecord) -> Result<bool, StoreError> {
        check_decision(record)?;
        let mut record = record.clone();
        record.created_at = truncate(record.created_at);
        let stored = StoredDecision {
            folded_email: record.customer_email.as_deref().and_then(fold_email),
            record,
        };
        let mut state = self.state();
        let earlier = stored.record.job_id.and_then(|job| {
            state
                .decisions
                .iter()
                .position(|d| d.record.job_id == Some(job))
        });
        match earlier {
            None => state.decisions.push(stored),
            Some(at) if state.decisions[at].record.delivery != DELIVERED => {
                // As the databases' upsert: the row keeps its place (its id).
                state.decisions[at] = stored;
            }
            Some(_) => return Ok(false),
        }
        Ok(true)
    }

    async fn decisions(
        &self,
        since: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        let state = self.state();
        // Rows are kept in insertion order; a stable sort by time keeps it among equal times,
        // as the databases' `ORDER BY created_at, id` does.
        let mut rows: Vec<&DecisionRecord> = state
            .decisions
            .iter()
            .map(|stored| &stored.record)
            .filter(|record| since.is_none_or(|since| record.created_at >= truncate(since)))
            .collect();
        rows.sort_by_key(|record| record.created_at);
        Ok(rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }

    async fn replies_on_ticket(&self, source: &str, ticket_id: &str) -> Result<u64, StoreError> {
        let state = self.state();
        let replies = state.decisions.iter().filter(|stored| {
            let record = &stored.record;
            record.source == source
                && record.ticket_id.as_deref() == Some(ticket_id)
                && record.outcome == "reply"
                && (record.delivery == super::DELIVERED
                    || record.delivery == super::MAYBE_DELIVERED)
        });
        Ok(replies.count() as u64)
    }

    async fn forget_email(&self, email: &str) -> Result<Forgotten, StoreError> {
        check_text("forget_email", "email", email)?;
        let key = fold_email(email).ok_or_else(|| StoreError::Invalid {
            operation: "forget_email",
            problem: "the e-mail address is blank".to_owned(),
        })?;
        let mut state = self.state();
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut state.decisions)
            .into_iter()
            .partition(|stored| stored.folded_email.as_deref() == Some(key.as_str()));
        state.decisions = kept;
        let mut forgotten = Forgotten {
            decisions: gone.len() as u64,
            job_payloads: 0,
        };
        for id in gone.iter().filter_map(|stored| stored.record.job_id) {
            if let Some(stored) = state.jobs.get_mut(&id) {
                if !stored.job.payload.is_empty() {
                    stored.job.payload.clear();
                    forgotten.job_payloads += 1;
                }
            }
        }
        Ok(forgotten)
    }

    async fn prune(&self, before: Timestamp) -> Result<Pruned, StoreError> {
        let before = truncate(before);
        let mut state = self.state();
        let decisions_before = state.decisions.len();
        state
            .decisions
            .retain(|stored| stored.record.created_at >= before);
        let old: Vec<(JobId, String)> = state
            .jobs
            .values()
            .filter(|stored| {
                matches!(stored.job.state, JobState::Done | JobState::Dropped)
                    && stored.job.created_at < before
            })
            .map(|stored| (stored.job.id, stored.job.dedup_key.clone()))
            .collect();
        for (id, key) in &old {
            state.jobs.remove(id);
            state.by_key.remove(key);
        }
        Ok(Pruned {
            decisions: (decisions_before - state.decisions.len()) as u64,
            jobs: old.len() as u64,
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance;

    // The whole shared suite, on the reference store.
    conformance::suite!(async {
        let store: conformance::SharedStore = std::sync::Arc::new(MemoryStore::new());
        ((), store)
    });
}
