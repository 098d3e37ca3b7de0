//! Workers: claim a job, read the ticket, classify and answer its latest customer message, put
//! the outcome on the ticket, log the decision, and mark the job done. A failed vendor call
//! fails the attempt; the job is retried with backoff and, after the last attempt, dead-lettered
//! with one try at a handoff note saying why.
//!
//! Exactly once: every step posted to the help desk carries a delivery mark made from the ticket
//! and the comment answered, stored by the help desk with the post itself. A worker asks for the
//! mark before posting, so a job run again after a crash (between "posted" and "done") or a
//! second job about the same comment posts nothing twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use super::Service;
use crate::adapters::helpdesk::{Author, DeliveryMark, Ticket};
use crate::adapters::{AdapterError, HandoffNote};
use crate::classify::decision::Decision;
use crate::config::DEAD_LETTER_REASON;
use crate::respond::scripts::HandoffReason;
use crate::respond::Customer;
use crate::respond::Outcome;
use crate::store::{ClaimedJob, DecisionRecord, StoreError};

/// Runs one worker until `stop` is cancelled; a job in flight then finishes, unless `abort` is
/// cancelled too (the shutdown grace ran out), in which case it is released to the queue.
pub async fn run_worker(
    service: Arc<Service>,
    name: String,
    stop: CancellationToken,
    abort: CancellationToken,
) {
    while !stop.is_cancelled() {
        let claimed = match service
            .store
            .claim(&name, service.settings.lease, Timestamp::now())
            .await
        {
            Ok(Some(job)) => job,
            Ok(None) => {
                tokio::select! {
                    _ = service.wake.notified() => {}
                    _ = tokio::time::sleep(service.settings.poll_interval) => {}
                    _ = stop.cancelled() => {}
                }
                continue;
            }
            Err(error) => {
                tracing::error!(worker = %name, error = %error, "cannot claim a job");
                tokio::select! {
                    _ = tokio::time::sleep(service.settings.poll_interval) => {}
                    _ = stop.cancelled() => {}
                }
                continue;
            }
        };
        let started = Instant::now();
        tokio::select! {
            _ = run_job(&service, &claimed) => {}
            () = keep_lease(&service, &claimed) => {
                // Another worker holds the job now (this one stalled past its lease): stop
                // here; the delivery marks keep the two from posting twice.
                tracing::warn!(job = %claimed.job.id, "lease lost to another worker; attempt abandoned");
            }
            _ = abort.cancelled() => {
                // Released, not failed: the attempt does not count, and the delivery marks
                // make a half-finished delivery safe to run again.
                if let Err(error) = service.store.release(&claimed, Timestamp::now()).await {
                    tracing::error!(job = %claimed.job.id, error = %error, "cannot release a job at shutdown");
                }
                tracing::warn!(job = %claimed.job.id, "released unfinished at shutdown");
            }
        }
        service
            .metrics
            .job_duration(started.elapsed().as_secs_f64());
    }
}

/// Extends the job's lease every third of it while an attempt runs, so a slow attempt (a
/// vendor taking its time) is not taken over by another worker. Returns only when the lease
/// was lost.
async fn keep_lease(service: &Service, claimed: &ClaimedJob) {
    let lease = service.settings.lease;
    loop {
        tokio::time::sleep(lease / 3).await;
        let until = Timestamp::now()
            .checked_add(jiff::SignedDuration::try_from(lease).unwrap_or_default())
            .unwrap_or(Timestamp::MAX);
        match service.store.extend_lease(claimed, until).await {
            Ok(()) => {}
            Err(StoreError::LeaseLost(_) | StoreError::NoSuchJob(_)) => return,
            // The store may be back before the lease runs out; the next beat tries again.
            Err(error) => {
                tracing::error!(job = %claimed.job.id, error = %error, "cannot extend the lease")
            }
        }
    }
}

/// Why an attempt failed.
#[derive(Debug)]
pub(crate) enum JobError {
    /// A help desk, platform or carrier call failed in a way that may pass.
    Vendor(AdapterError),
    /// The store could not say what the job needs to know first (the ticket's reply count).
    Store(crate::store::StoreError),
    /// deskbot itself failed: the attempt panicked, with this message.
    Panicked(String),
    /// The job's attempts ran out with deskbot stopping mid-attempt each time (killed, or
    /// crashed); it is not run again.
    Interrupted,
}

/// What a panic said, when it said it as text.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Vendor(error) => write!(f, "{error}"),
            JobError::Store(error) => write!(f, "{error}"),
            JobError::Panicked(message) => write!(f, "deskbot panicked: {message}"),
            JobError::Interrupted => write!(
                f,
                "deskbot stopped in the middle of this job's last attempts (killed or crashed), \
                 so it is not run again; it may have posted part of its answer, so read the \
                 ticket before retrying"
            ),
        }
    }
}

/// Runs one attempt of a held job and records how it ended.
pub(crate) async fn run_job(service: &Service, claimed: &ClaimedJob) {
    use futures_util::FutureExt;
    let job = &claimed.job;
    let result = if job.attempt > service.settings.max_attempts.saturating_add(1) {
        // Claimed again after its lease ran out, past its last attempt and the one rerun that
        // finishes what a crash interrupted: a job that kills the process each time it runs
        // would otherwise be taken over for ever.
        Err(JobError::Interrupted)
    } else {
        // A bug that panics on one ticket fails that attempt, retried and dead-lettered like
        // any other, instead of ending the worker: one such ticket per worker would stop the
        // queue while webhooks were still accepted. The attempt's state is its own, and is
        // dropped here.
        match std::panic::AssertUnwindSafe(attempt(service, claimed))
            .catch_unwind()
            .await
        {
            Ok(result) => result,
            Err(panic) => Err(JobError::Panicked(panic_message(panic.as_ref()))),
        }
    };
    let now = Timestamp::now();
    let recorded = match result {
        Ok(()) => service.store.complete(claimed, now).await,
        Err(error) if job.attempt < service.settings.max_attempts => {
            let wait = backoff(
                service.settings.retry_initial,
                service.settings.retry_max,
                job.attempt,
            );
            tracing::warn!(job = %job.id, ticket = %job.ticket_id, attempt = job.attempt, retry_in_ms = wait.as_millis() as u64, error = %error, "attempt failed");
            service.metrics.job_retried();
            let run_at = now
                .checked_add(jiff::SignedDuration::try_from(wait).unwrap_or_default())
                .unwrap_or(now);
            service
                .store
                .retry_later(claimed, &error.to_string(), run_at)
                .await
        }
        Err(error) => {
            tracing::error!(job = %job.id, ticket = %job.ticket_id, attempt = job.attempt, error = %error, "dead-lettered");
            service.metrics.job_dead();
            let dead = service
                .store
                .dead_letter(claimed, &error.to_string(), now)
                .await;
            if dead.is_ok() {
                dead_letter_note(service, claimed, &error).await;
            }
            dead
        }
    };
    if let Err(error) = recorded {
        // The lease was lost or the store is down: the job comes back when its lease runs out,
        // and the delivery marks keep a second run from posting twice.
        tracing::error!(job = %job.id, error = %error, "cannot record the job's result");
    }
}

/// Exponential backoff: `initial × 2^(attempt−1)`, at most `max`.
pub(crate) fn backoff(initial: Duration, max: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
    initial.saturating_mul(factor).min(max)
}

/// Tells a person, once, that deskbot gave up on the ticket. A failure here is only logged: the
/// job is already dead and visible in `deskbot jobs list --state dead`.
async fn dead_letter_note(service: &Service, claimed: &ClaimedJob, error: &JobError) {
    let job = &claimed.job;
    let routing = service
        .routing
        .route(&[DEAD_LETTER_REASON], crate::Intent::Other);
    let note = HandoffNote {
        internal_note: format!(
            "deskbot could not answer this ticket after {} attempts and left it for a person.\nLast error: {error}\nJob {} (`deskbot jobs show {}`; `deskbot jobs retry {}` tries again).",
            job.attempt, job.id, job.id, job.id
        ),
        tags: vec!["deskbot".to_owned(), "deskbot-dead-letter".to_owned()],
        group: routing.group,
        assignee: routing.assignee,
        status: routing.status,
    };
    let mark = DeliveryMark::new(&format!("{}-dead-{}", job.dedup_key, job.attempt));
    if let Err(error) = service.desk.hand_off(&job.ticket_id, &note, &mark).await {
        tracing::error!(job = %job.id, error = %error, "cannot leave the dead-letter note");
    }
}

/// Kinds of adapter failure worth another attempt later.
fn transient(kind: &str) -> bool {
    matches!(kind, "unavailable" | "unreachable" | "rate_limited")
}

async fn attempt(service: &Service, claimed: &ClaimedJob) -> Result<(), JobError> {
    let job = &claimed.job;
    let started = Instant::now();
    let ticket = match service.desk.ticket(&job.ticket_id).await {
        Ok(ticket) => ticket,
        Err(AdapterError::NotFound { .. }) => {
            tracing::info!(job = %job.id, ticket = %job.ticket_id, "ticket no longer exists; nothing to do");
            return Ok(());
        }
        Err(error) => return Err(JobError::Vendor(error)),
    };
    let fetched = started.elapsed();
    let Some(comment) = customer_comment(&ticket) else {
        tracing::info!(job = %job.id, ticket = %job.ticket_id, "no customer message to answer (the latest public comment is not the customer's, or the ticket is spam or closed)");
        return Ok(());
    };
    if ticket.agent_involved {
        // A person is talking with this customer: deskbot neither answers over them nor adds
        // notes to their conversation. The customer's message reaches them as any would.
        tracing::info!(job = %job.id, ticket = %job.ticket_id, "a person on the shop's team has written on this ticket; it is theirs");
        return Ok(());
    }
    // One key per comment answered: two jobs about the same comment, or one job run twice,
    // find each other's marks.
    let key = format!("{}-{}-{}", job.source, ticket.id, comment.id);
    let replied = service
        .desk
        .delivered(&ticket.id, &DeliveryMark::new(&format!("{key}-reply")))
        .await
        .map_err(JobError::Vendor)?;
    // A ticket deskbot has answered often enough goes to a person, whatever its new message
    // says: an auto-responder answering each reply would otherwise be answered for ever. A
    // comment already answered is exempt: its run only finishes what it started.
    let earlier_replies = if replied {
        0
    } else {
        service
            .store
            .replies_on_ticket(&job.source, &ticket.id)
            .await
            .map_err(JobError::Store)?
    };
    let limit = service.settings.max_replies_per_ticket;
    let email = ticket.requester_email.as_deref();
    let answer =
        if earlier_replies >= u64::from(limit) {
            let detail = format!(
                "deskbot has already posted {earlier_replies} {} on this ticket, the most \
             `max_replies_per_ticket` allows; the newest message was not answered",
                if earlier_replies == 1 {
                    "reply"
                } else {
                    "replies"
                }
            );
            service
                .hold(&comment.body, email, "reply_limit", detail)
                .await
        } else if ticket.outside_recipients > 0 && !replied {
            // A public reply would reach them too, and order facts go only to the customer.
            let detail =
                format!(
            "a public reply on this ticket would also go to {} CC'd {} besides the customer \
             and the shop's team; deskbot answered nothing",
            ticket.outside_recipients,
            if ticket.outside_recipients == 1 { "person" } else { "people" }
        );
            service
                .hold(&comment.body, email, "cc_recipients", detail)
                .await
        } else {
            service
                .answer(&comment.body, ticket.requester_email.as_deref())
                .await
        };
    // A vendor that is down fails the attempt (retried later) instead of handing off: the
    // customer gets the reply once the vendor is back.
    if let Some(HandoffReason::AdapterFailure {
        adapter,
        operation,
        kind,
        error,
    }) = answer.outcome.handoff_reason()
    {
        if transient(kind) {
            return Err(JobError::Vendor(AdapterError::Unavailable {
                message: format!("{adapter} {operation}: {error}"),
            }));
        }
    }
    if let (Some(tag), Outcome::Reply { .. }) = (handed_off(&ticket.tags), &answer.outcome) {
        // A person has this ticket: deskbot does not reply over their head. (A handoff still
        // goes ahead: it only adds an internal note, and it may be this comment's own handoff
        // cut short by a crash, whose tags are already on the ticket.)
        tracing::info!(job = %job.id, ticket = %job.ticket_id, tag, "the ticket was handed to a person; no reply");
        return Ok(());
    }
    if replied && matches!(answer.outcome, Outcome::Handoff { .. }) {
        // The customer already has deskbot's reply to this comment (a run before a crash, or a
        // model or facts that changed since): one answer per comment, never a second one.
        tracing::info!(job = %job.id, ticket = %job.ticket_id, "this comment was already answered; nothing more to post");
        return Ok(());
    }
    let reasons: Vec<&str> = answer
        .outcome
        .handoff_reason()
        .map(|reason| vec![reason.name(), reason.code()])
        .unwrap_or_default();
    let routing = service.routing.route(&reasons, answer.intent);
    let delivery_started = Instant::now();
    let delivered = answer
        .outcome
        .deliver(service.desk.as_ref(), &ticket.id, &routing, &key)
        .await;
    let delivery = match &delivered {
        Ok(()) => crate::store::DELIVERED.to_owned(),
        Err(error) => format!("failed:{}", error.kind()),
    };
    let mut timings = answer.timings_ms.clone();
    timings.insert(0, ("ticket".to_owned(), ms(fetched)));
    timings.push(("deliver".to_owned(), ms(delivery_started.elapsed())));
    let record = answer.record(
        Some(job.id),
        &job.source,
        Some(ticket.id.clone()),
        ticket.requester_email.clone(),
        &comment.body,
        delivery,
        timings,
    );
    // One row per job, written by every attempt: a later attempt's row replaces a failed one's,
    // and nothing replaces a delivered one. A rerun of a job whose earlier run delivered and
    // logged (a lease that ran out mid-way) finds its marks, delivers nothing, and its row is
    // refused by the log: it is not counted again. A run cut short between the post and the log
    // is logged and counted by the rerun. A failed attempt is logged too: a reply whose answer
    // timed out may have been posted all the same, and a rerun then finds deskbot's reply as the
    // ticket's latest comment and stops, so this row is all that counts it (the reply limit).
    let newly_logged = match service.store.record_decision(&record).await {
        Ok(changed) => changed,
        Err(error) => {
            tracing::error!(job = %job.id, error = %error, "cannot write the decision log");
            // Counted anyway: the reply went out, and the metric is all that shows it.
            true
        }
    };
    if delivered.is_ok() && newly_logged {
        service.metrics.decision(
            answer.intent.as_str(),
            record.outcome.as_str(),
            record.handoff_reason.as_deref(),
        );
    }
    delivered.map_err(JobError::Vendor)
}

/// The tag showing deskbot handed `tags`' ticket to a person (`deskbot-<reason>`): new
/// messages on it are the person's to answer. The dead-letter note's tag does not count: it
/// says deskbot could not answer, and `deskbot jobs retry` asks it to try again.
fn handed_off(tags: &[String]) -> Option<&str> {
    tags.iter().map(String::as_str).find(|tag| {
        tag.strip_prefix("deskbot-").is_some_and(|rest| {
            HandoffReason::NAMES.contains(&rest.replace('-', "_").as_str())
                || rest.starts_with("custom-")
        })
    })
}

/// The comment to answer: the latest public one, if the customer wrote it. deskbot's own
/// comments and agents' replies are never answered.
fn customer_comment(ticket: &Ticket) -> Option<&crate::adapters::helpdesk::Comment> {
    ticket
        .latest_comment
        .as_ref()
        .filter(|c| c.public && c.author == Author::Requester)
}

fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

/// One message answered, with what the decision log needs.
pub(crate) struct Answer {
    pub(crate) outcome: Outcome,
    pub(crate) intent: crate::Intent,
    /// The model's label: the intent, or a label of the shop's own (recorded as predicted).
    pub(crate) label: crate::Label,
    pub(crate) cleaned: String,
    pub(crate) scores: Vec<(String, f64)>,
    pub(crate) decision: String,
    pub(crate) model: String,
    pub(crate) timings_ms: Vec<(String, f64)>,
}

impl Answer {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &self,
        job_id: Option<crate::store::JobId>,
        source: &str,
        ticket_id: Option<String>,
        customer_email: Option<String>,
        text: &str,
        delivery: String,
        timings_ms: Vec<(String, f64)>,
    ) -> DecisionRecord {
        let (outcome, situation, handoff_reason) = match &self.outcome {
            Outcome::Reply { situation, .. } => ("reply", Some(situation.clone()), None),
            Outcome::Handoff { reason, .. } => ("handoff", None, Some(reason.name().to_owned())),
        };
        DecisionRecord {
            job_id,
            source: source.to_owned(),
            ticket_id,
            customer_email,
            text: text.to_owned(),
            cleaned_text: self.cleaned.clone(),
            scores: self.scores.clone(),
            intent: self.label.as_str().to_owned(),
            confidence: self
                .scores
                .first()
                .map(|(_, probability)| *probability)
                .unwrap_or(0.0),
            decision: self.decision.clone(),
            outcome: outcome.to_owned(),
            situation,
            handoff_reason,
            model: self.model.clone(),
            timings_ms,
            delivery,
            created_at: Timestamp::now(),
        }
    }
}

pub(crate) fn decision_name(decision: &Decision) -> String {
    match decision {
        Decision::Automate => "automate".to_owned(),
        Decision::Escalate(reason) => format!("escalate:{}", reason.code()),
    }
}

/// Used by [`Service::answer`]: marks a customer from the channel.
pub(crate) fn customer(email: Option<&str>) -> Customer {
    Customer {
        email: email.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A help desk whose every ticket read panics, as a bug on one ticket would.
    struct PanickingDesk;

    #[async_trait::async_trait]
    impl crate::adapters::HelpDesk for PanickingDesk {
        fn name(&self) -> &str {
            "panicking"
        }
        async fn ticket(&self, ticket: &str) -> Result<Ticket, AdapterError> {
            panic!("ticket {ticket} broke something");
        }
        async fn delivered(&self, _: &str, _: &DeliveryMark) -> Result<bool, AdapterError> {
            Ok(false)
        }
        async fn post_public_reply(
            &self,
            _: &str,
            _: &str,
            _: &DeliveryMark,
        ) -> Result<(), AdapterError> {
            Ok(())
        }
        async fn hand_off(
            &self,
            _: &str,
            _: &HandoffNote,
            _: &DeliveryMark,
        ) -> Result<(), AdapterError> {
            Ok(())
        }
    }

    fn service_with(desk: Arc<dyn crate::adapters::HelpDesk>) -> Arc<Service> {
        use crate::respond::demo::DemoShop;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let policy =
            crate::respond::policy::Policy::load(&root.join("examples/demo-shop/deskbot.toml"))
                .unwrap();
        let answerer = crate::respond::Answerer::new(
            Arc::new(DemoShop::bundled_orders().unwrap()),
            Arc::new(DemoShop::bundled_carriers().unwrap()),
            policy,
            crate::respond::Templates::bundled().unwrap(),
        );
        let model = super::super::model::ModelSlot::load(super::super::model::ModelSource::Bytes {
            name: "bundled",
            bytes: include_bytes!("../../models/intent-model.json"),
        })
        .unwrap();
        let settings = crate::config::ServeSettings {
            max_attempts: 2,
            retry_initial: Duration::ZERO,
            retry_max: Duration::ZERO,
            ..Default::default()
        };
        Service::new(super::super::ServiceParts {
            store: Arc::new(crate::store::MemoryStore::new()),
            desk,
            answerer,
            model,
            settings,
            routing: Default::default(),
            webhooks: super::super::WebhookSettings::from_help_desk(&Default::default()),
            metrics: Arc::new(super::super::metrics::Metrics::new()),
        })
    }

    /// Queues a job for Zendesk ticket `ticket`.
    async fn enqueue(service: &Service, ticket: &str) -> crate::store::JobId {
        service
            .store
            .enqueue(crate::store::NewJob {
                source: "zendesk".into(),
                ticket_id: ticket.into(),
                dedup_key: format!("zendesk-{ticket}-1"),
                payload: "{}".into(),
                received_at: Timestamp::now(),
                rerun_when_done: false,
            })
            .await
            .unwrap()
            .id()
    }

    /// Claims the due job for `lease`, as of `now`; there must be one.
    async fn claim(service: &Service, lease: Duration, now: Timestamp) -> ClaimedJob {
        service
            .store
            .claim("test", lease, now)
            .await
            .unwrap()
            .expect("a job is due")
    }

    /// A job whose attempts keep being cut short (the process killed each time) is taken over
    /// after each lease, once past its last attempt, and then dead-lettered without running.
    #[tokio::test]
    async fn a_job_interrupted_past_its_last_attempt_dies_without_running_again() {
        use crate::store::JobState;
        // Running the attempt would panic: the guard must come first.
        let service = service_with(Arc::new(PanickingDesk));
        let id = enqueue(&service, "18").await;
        let mut now = Timestamp::now();
        // max_attempts is 2: attempts 1, 2 and the rerun 3 are cut short, never finished.
        for attempt in 1..=3 {
            let claimed = claim(&service, Duration::from_secs(1), now).await;
            assert_eq!(claimed.job.attempt, attempt);
            now = now.checked_add(jiff::SignedDuration::from_secs(2)).unwrap();
        }
        let claimed = claim(&service, Duration::from_secs(60), now).await;
        assert_eq!(claimed.job.attempt, 4);
        run_job(&service, &claimed).await;
        let job = service.store.job(id).await.unwrap().unwrap();
        assert_eq!(job.state, JobState::Dead);
        let error = job.last_error.unwrap_or_default();
        assert!(error.contains("stopped in the middle"), "{error}");
    }

    #[tokio::test]
    async fn a_panicking_attempt_fails_like_any_other_and_the_job_dies_after_its_last() {
        use crate::store::JobState;
        let service = service_with(Arc::new(PanickingDesk));
        let id = enqueue(&service, "17").await;
        for (attempt, state) in [(1, JobState::Queued), (2, JobState::Dead)] {
            let claimed = claim(&service, Duration::from_secs(60), Timestamp::now()).await;
            assert_eq!(claimed.job.attempt, attempt);
            // Returns, where the panic used to end the worker running it.
            run_job(&service, &claimed).await;
            let job = service.store.job(id).await.unwrap().unwrap();
            assert_eq!(job.state, state);
            let error = job.last_error.unwrap_or_default();
            assert!(
                error.contains("deskbot panicked: ticket 17 broke something"),
                "{error}"
            );
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let initial = Duration::from_secs(5);
        let max = Duration::from_secs(60);
        assert_eq!(backoff(initial, max, 1), Duration::from_secs(5));
        assert_eq!(backoff(initial, max, 2), Duration::from_secs(10));
        assert_eq!(backoff(initial, max, 4), Duration::from_secs(40));
        assert_eq!(backoff(initial, max, 5), Duration::from_secs(60));
        assert_eq!(backoff(initial, max, u32::MAX), Duration::from_secs(60));
        assert_eq!(backoff(initial, max, 0), Duration::from_secs(5));
    }

    #[test]
    fn a_handoff_tag_marks_the_ticket_as_a_persons_even_for_a_shops_own_label() {
        let tags = |names: &[&str]| names.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(
            handed_off(&tags(&["vip", "deskbot-late-shipment"])),
            Some("deskbot-late-shipment")
        );
        assert_eq!(
            handed_off(&tags(&["deskbot-custom-address-change"])),
            Some("deskbot-custom-address-change")
        );
        assert_eq!(handed_off(&tags(&["deskbot", "deskbot-follow-up"])), None);
    }
}
