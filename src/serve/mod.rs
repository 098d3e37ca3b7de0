//! `deskbot serve`: help-desk webhooks in, replies out, through a durable queue.
//!
//! A webhook is verified, written to the [`Store`] and acknowledged — nothing slow happens inside
//! the request. Workers ([`worker`]) claim the jobs, answer them with the [`Answerer`] and the
//! current model, and put the outcome on the ticket exactly once (see the worker's docs for how).
//! The model is swapped atomically on SIGHUP or when its file changes ([`model`]); SIGTERM stops
//! accepting, lets in-flight jobs finish (or releases them after the grace period), and loses
//! nothing.

mod listen;
pub mod metrics;
pub mod model;
mod routes;
pub mod worker;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use metrics::{Metrics, VendorCallLayer};
pub use model::{ModelSlot, ModelSource, Reloaded};

use crate::adapters::{HelpDesk, Secret};
use crate::classify::clean::{clean_message, CleanedMessage};
use crate::config::{RoutingSettings, ServeSettings};
use crate::respond::scripts::HandoffReason;
use crate::respond::Outcome;
use crate::respond::{handoff_note, Answerer, Facts};
use crate::store::Store;
use worker::{customer, decision_name, Answer};

/// How webhooks prove where they come from.
#[derive(Debug, Clone)]
pub enum WebhookAuth {
    /// Zendesk: HMAC-SHA256 over timestamp + body, with a replay window.
    Zendesk {
        /// The webhook's signing secret.
        secret: Secret,
        /// How old (or how far ahead) a timestamp may be.
        replay_window: Duration,
    },
    /// Gorgias: a shared secret in a header the user sets on the HTTP integration.
    Gorgias {
        /// The shared secret.
        secret: Secret,
    },
    /// No help desk configured: webhook endpoints answer 404.
    Disabled,
}

/// What the webhook endpoints accept.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The help desk's proof of origin.
    pub auth: WebhookAuth,
    /// Largest body accepted; larger gets 413. Default: 1 MiB.
    pub max_body_bytes: usize,
}

impl WebhookSettings {
    /// What `[helpdesk]` says the webhook endpoints accept: Zendesk's signing secret and replay
    /// window, Gorgias's shared header secret, or nothing (the in-memory desk: webhooks 404).
    pub fn from_help_desk(settings: &crate::config::HelpDeskSettings) -> Self {
        use crate::config::HelpDeskKind;
        let auth = match &settings.kind {
            HelpDeskKind::Memory => WebhookAuth::Disabled,
            HelpDeskKind::Zendesk(zendesk) => WebhookAuth::Zendesk {
                secret: zendesk.webhook_secret.clone(),
                replay_window: zendesk.replay_window,
            },
            HelpDeskKind::Gorgias(gorgias) => WebhookAuth::Gorgias {
                secret: gorgias.webhook_secret.clone(),
            },
        };
        WebhookSettings {
            auth,
            max_body_bytes: settings.max_body_bytes,
        }
    }
}

/// Everything a running service shares: the routes and the workers.
pub struct Service {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) desk: Arc<dyn HelpDesk>,
    pub(crate) answerer: Arc<Answerer>,
    pub(crate) model: ModelSlot,
    pub(crate) settings: ServeSettings,
    pub(crate) routing: RoutingSettings,
    pub(crate) webhooks: WebhookSettings,
    pub(crate) metrics: Arc<Metrics>,
    /// Wakes idle workers when a webhook is queued.
    pub(crate) wake: Notify,
    /// Names this process's workers in the job table (`host:pid:n`).
    pub(crate) instance: String,
}

/// What a [`Service`] is built from.
pub struct ServiceParts {
    /// The queue and decision log.
    pub store: Arc<dyn Store>,
    /// Where tickets come from and outcomes go.
    pub desk: Arc<dyn HelpDesk>,
    /// Adapters, policy and templates.
    pub answerer: Answerer,
    /// The model.
    pub model: ModelSlot,
    /// `[serve]`.
    pub settings: ServeSettings,
    /// `[routing]`.
    pub routing: RoutingSettings,
    /// The webhook endpoints' settings.
    pub webhooks: WebhookSettings,
    /// Where metrics are counted (share it with a [`VendorCallLayer`]).
    pub metrics: Arc<Metrics>,
}

impl Service {
    /// Assembles a service.
    pub fn new(parts: ServiceParts) -> Arc<Service> {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "deskbot".to_owned());
        Arc::new(Service {
            store: parts.store,
            desk: parts.desk,
            answerer: Arc::new(parts.answerer),
            model: parts.model,
            settings: parts.settings,
            routing: parts.routing,
            webhooks: parts.webhooks,
            metrics: parts.metrics,
            wake: Notify::new(),
            instance: format!("{host}:{}", std::process::id()),
        })
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The model slot (for reloads).
    pub fn model(&self) -> &ModelSlot {
        &self.model
    }

    /// Reloads the model file, logging and counting what happened. A file that fails to load
    /// is refused; the old model stays.
    pub fn reload_model(&self) {
        match self.model.reload() {
            Ok(Reloaded::Swapped { from, to }) => {
                tracing::info!(from = %from, to = %to, "model reloaded");
                self.metrics.reload("swapped");
            }
            Ok(Reloaded::Unchanged) => self.metrics.reload("unchanged"),
            Ok(Reloaded::Fixed) => {
                tracing::info!("the bundled model is in use; nothing to reload");
            }
            Err(error) => {
                let chain = error_chain(&error);
                tracing::error!(error = %chain, "model reload refused; the old model stays");
                self.metrics.reload("refused");
            }
        }
    }

    /// Cleans, classifies and answers one message with the current model.
    pub(crate) async fn answer(&self, text: &str, email: Option<&str>) -> Answer {
        let read = self.read(text);
        let now = self.answerer.policy().now();
        let mut outcome = self
            .answerer
            .respond_to(
                read.prediction.clone(),
                &read.cleaned,
                &customer(email),
                now,
            )
            .await;
        if let Outcome::Handoff { note, .. } = &mut outcome {
            if read.cleaned != text {
                note.push_str("\nThe text deskbot read (quotes, signature and markup removed):\n");
                note.push_str(&quote(&read.cleaned));
            }
        }
        read.answered(outcome)
    }

    /// What [`Service::answer`] gives for a ticket deskbot must not answer itself (`rule`,
    /// because `detail`): the message is classified (for the log and routing) but not
    /// answered, and nothing is fetched or done; a person takes the ticket.
    pub(crate) async fn hold(
        &self,
        text: &str,
        email: Option<&str>,
        rule: &'static str,
        detail: String,
    ) -> Answer {
        let read = self.read(text);
        let reason = HandoffReason::PolicyRequiresHuman { rule, detail };
        let facts = Facts {
            email: email.map(str::to_owned),
            ..Facts::default()
        };
        let policy = self.answerer.policy();
        let (label, confidence) = (read.prediction.label, read.prediction.confidence);
        let mut note = handoff_note(&reason, label, confidence, &facts, policy, policy.now());
        note.push_str("\nThe text deskbot read (quotes, signature and markup removed):\n");
        note.push_str(&quote(&read.cleaned));
        read.answered(Outcome::Handoff {
            reason,
            intent: label,
            confidence,
            note,
            facts,
        })
    }

    /// `text` cleaned and classified by the current model.
    fn read(&self, text: &str) -> Read {
        let started = Instant::now();
        let cleaned = clean(text).text;
        let model = self.model.snapshot();
        let prediction = model.model.classify(&cleaned);
        Read {
            cleaned,
            model,
            prediction,
            started,
            classified: started.elapsed(),
        }
    }

    /// Deletes decision-log rows and finished jobs past the retention period.
    pub async fn prune(&self) {
        let cutoff = jiff::Timestamp::now()
            .checked_sub(
                jiff::SignedDuration::try_from(self.settings.retention).unwrap_or_default(),
            )
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        match self.store.prune(cutoff).await {
            Ok(pruned) if pruned.decisions + pruned.jobs > 0 => {
                tracing::info!(
                    decisions = pruned.decisions,
                    jobs = pruned.jobs,
                    "pruned past the retention period"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(error = %error, "cannot prune the store"),
        }
    }
}

/// A message as the model read it, on the way to an [`Answer`].
struct Read {
    cleaned: String,
    model: Arc<model::LoadedModel>,
    prediction: crate::Prediction,
    started: Instant,
    classified: std::time::Duration,
}

impl Read {
    fn answered(self, outcome: Outcome) -> Answer {
        let scores = self
            .prediction
            .scores
            .iter()
            .map(|s| (s.label.as_str().to_owned(), s.probability))
            .collect();
        let timings_ms = vec![
            ("classify".to_owned(), seconds_ms(self.classified)),
            (
                "answer".to_owned(),
                seconds_ms(self.started.elapsed() - self.classified),
            ),
        ];
        Answer {
            outcome,
            intent: self.prediction.intent,
            label: self.prediction.label,
            decision: decision_name(&self.prediction.decision),
            cleaned: self.cleaned,
            scores,
            model: self.model.digest.clone(),
            timings_ms,
        }
    }
}

fn quote(text: &str) -> String {
    text.lines().map(|line| format!("> {line}\n")).collect()
}

fn seconds_ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

/// What the model reads: the message without markup, quoted thread and signature — the same
/// cleaning as the CLI's.
pub(crate) fn clean(text: &str) -> CleanedMessage {
    clean_message(text)
}

/// `error: cause: cause`, for one log line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Runs the service on `listener` until `shutdown` completes: the HTTP endpoints, the workers,
/// the model watcher and the retention pruner. On shutdown it stops accepting, lets in-flight
/// jobs finish for up to `shutdown_grace`, then releases the rest to the queue.
pub async fn run(
    service: Arc<Service>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let stop = CancellationToken::new();
    let abort = CancellationToken::new();
    let mut workers = tokio::task::JoinSet::new();
    for n in 0..service.settings.workers {
        let name = format!("{}:{n}", service.instance);
        workers.spawn(worker::run_worker(
            Arc::clone(&service),
            name,
            stop.clone(),
            abort.clone(),
        ));
    }
    let background = stop.child_token();
    tokio::spawn(watch_model(Arc::clone(&service), background.clone()));
    tokio::spawn(prune_periodically(Arc::clone(&service), background.clone()));

    let router = routes::router(Arc::clone(&service));
    let stopping = stop.clone();
    let served = listen::serve(
        listener,
        router,
        service.settings.request_timeout,
        async move {
            tokio::select! {
                _ = shutdown => {}
                _ = stopping.cancelled() => {}
            }
            tracing::info!("shutting down: no new requests; finishing jobs in flight");
        },
    )
    .await;
    stop.cancel();
    let grace = service.settings.shutdown_grace;
    if tokio::time::timeout(grace, drain(&mut workers))
        .await
        .is_err()
    {
        tracing::warn!(
            grace_ms = grace.as_millis() as u64,
            "jobs still running after the grace period; releasing them"
        );
        abort.cancel();
        drain(&mut workers).await;
    }
    tracing::info!("stopped");
    served
}

async fn drain(workers: &mut tokio::task::JoinSet<()>) {
    while let Some(joined) = workers.join_next().await {
        if let Err(error) = joined {
            tracing::error!(error = %error, "a worker panicked");
        }
    }
}

async fn watch_model(service: Arc<Service>, stop: CancellationToken) {
    let poll = service.settings.model_poll;
    #[cfg(unix)]
    let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(signal) => Some(signal),
        Err(error) => {
            tracing::error!(error = %error, "cannot listen for SIGHUP");
            None
        }
    };
    loop {
        #[cfg(unix)]
        let hangup_received = async {
            match hangup.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let hangup_received = std::future::pending::<()>();
        let polled = async {
            if poll.is_zero() {
                std::future::pending::<()>().await
            } else {
                tokio::time::sleep(poll).await
            }
        };
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = hangup_received => {
                tracing::info!("SIGHUP: reloading the model");
                service.reload_model();
            }
            _ = polled => {
                if service.model.file_changed() {
                    service.reload_model();
                }
            }
        }
    }
}

async fn prune_periodically(service: Arc<Service>, stop: CancellationToken) {
    loop {
        service.prune().await;
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
pub async fn termination_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(error) => {
                    tracing::error!(error = %error, "cannot listen for SIGTERM");
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
