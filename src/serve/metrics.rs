//! `/metrics`: the service's counters and histograms in the Prometheus text format. One registry
//! per service (no global state), so two services in one process keep their own figures.
//!
//! Vendor calls are counted from the HTTP stack's `deskbot::http` "vendor call" log events by
//! [`VendorCallLayer`], a tracing layer: the adapters stay free of metrics code.

use std::sync::Arc;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::store::JobCounts;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    endpoint: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    endpoint: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    intent: String,
    outcome: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VendorLabels {
    vendor: String,
    status: String,
    attempt: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    source: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms to ~3.3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    decisions: Family<DecisionLabels, Counter>,
    vendor_calls: Family<VendorLabels, Counter>,
    queue: Family<StateLabels, Gauge>,
    webhooks: Family<WebhookLabels, Counter>,
    jobs_retried: Counter,
    jobs_dead: Counter,
    job_duration: Histogram,
    reloads: Family<ResultLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every family registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("deskbot");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by endpoint and status",
            requests.clone(),
        );
        let latency = Family::<EndpointLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by endpoint",
            latency.clone(),
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "decisions",
            "Messages decided, by intent, outcome (reply, handoff) and handoff reason",
            decisions.clone(),
        );
        let vendor_calls = Family::<VendorLabels, Counter>::default();
        registry.register(
            "vendor_calls",
            "Vendor API calls, by vendor, status (HTTP status or error kind) and attempt",
            vendor_calls.clone(),
        );
        let queue = Family::<StateLabels, Gauge>::default();
        registry.register(
            "queue_jobs",
            "Jobs in the queue by state, read when scraped",
            queue.clone(),
        );
        let webhooks = Family::<WebhookLabels, Counter>::default();
        registry.register(
            "webhooks",
            "Webhooks received, by help desk and result (queued, duplicate, rejected_*)",
            webhooks.clone(),
        );
        let jobs_retried = Counter::default();
        registry.register(
            "jobs_retried",
            "Job attempts that failed and were scheduled again",
            jobs_retried.clone(),
        );
        let jobs_dead = Counter::default();
        registry.register(
            "jobs_dead_lettered",
            "Jobs that failed their last attempt",
            jobs_dead.clone(),
        );
        let job_duration = latency_histogram();
        registry.register(
            "job_duration_seconds",
            "Time to process one job attempt",
            job_duration.clone(),
        );
        let reloads = Family::<ResultLabels, Counter>::default();
        registry.register(
            "model_reloads",
            "Model reloads, by result (swapped, unchanged, refused)",
            reloads.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            decisions,
            vendor_calls,
            queue,
            webhooks,
            jobs_retried,
            jobs_dead,
            job_duration,
            reloads,
        }
    }

    /// One HTTP request answered.
    pub fn request(&self, endpoint: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                endpoint: endpoint.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&EndpointLabels {
                endpoint: endpoint.to_owned(),
            })
            .observe(seconds);
    }

    /// One message decided.
    pub fn decision(&self, intent: &str, outcome: &str, reason: Option<&str>) {
        self.decisions
            .get_or_create(&DecisionLabels {
                intent: intent.to_owned(),
                outcome: outcome.to_owned(),
                reason: reason.unwrap_or("").to_owned(),
            })
            .inc();
    }

    /// One vendor call attempt.
    pub fn vendor_call(&self, vendor: &str, status: &str, attempt: u64) {
        self.vendor_calls
            .get_or_create(&VendorLabels {
                vendor: vendor.to_owned(),
                status: status.to_owned(),
                attempt: attempt.to_string(),
            })
            .inc();
    }

    /// One webhook received.
    pub fn webhook(&self, source: &str, result: &str) {
        self.webhooks
            .get_or_create(&WebhookLabels {
                source: source.to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    /// One attempt failed and was scheduled again.
    pub fn job_retried(&self) {
        self.jobs_retried.inc();
    }

    /// One job dead-lettered.
    pub fn job_dead(&self) {
        self.jobs_dead.inc();
    }

    /// One job attempt's duration.
    pub fn job_duration(&self, seconds: f64) {
        self.job_duration.observe(seconds);
    }

    /// One model reload.
    pub fn reload(&self, result: &str) {
        self.reloads
            .get_or_create(&ResultLabels {
                result: result.to_owned(),
            })
            .inc();
    }

    /// The queue's depth, per state.
    pub fn set_queue(&self, counts: &JobCounts) {
        for (state, count) in [
            ("queued", counts.queued),
            ("running", counts.running),
            ("done", counts.done),
            ("dead", counts.dead),
            ("dropped", counts.dropped),
        ] {
            self.queue
                .get_or_create(&StateLabels {
                    state: state.to_owned(),
                })
                .set(i64::try_from(count).unwrap_or(i64::MAX));
        }
    }

    /// Everything, in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

/// Counts the HTTP stack's "vendor call" events into [`Metrics`]. Add it to the tracing
/// subscriber of a process that runs a service (`deskbot serve` does).
pub struct VendorCallLayer {
    metrics: Arc<Metrics>,
}

impl VendorCallLayer {
    /// A layer counting into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        VendorCallLayer { metrics }
    }
}

#[derive(Default)]
struct VendorCallFields {
    vendor: Option<String>,
    status: Option<String>,
    attempt: Option<u64>,
}

impl tracing::field::Visit for VendorCallFields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "vendor" => self.vendor = Some(value.to_owned()),
            "status" => self.status = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "attempt" {
            self.attempt = Some(value);
        }
    }

    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        if field.name() == "attempt" {
            self.attempt = u64::try_from(value).ok();
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "vendor" => self.vendor = Some(format!("{value:?}").trim_matches('"').to_owned()),
            "status" => self.status = Some(format!("{value:?}").trim_matches('"').to_owned()),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for VendorCallLayer {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _context: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if event.metadata().target() != "deskbot::http" {
            return;
        }
        let mut fields = VendorCallFields::default();
        event.record(&mut fields);
        if let (Some(vendor), Some(status)) = (fields.vendor, fields.status) {
            self.metrics
                .vendor_call(&vendor, &status, fields.attempt.unwrap_or(0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn families_render_in_the_text_format() {
        let metrics = Metrics::new();
        metrics.request("/webhooks/zendesk", 202, 0.002);
        metrics.decision("tracking", "reply", None);
        metrics.set_queue(&JobCounts {
            queued: 3,
            ..JobCounts::default()
        });
        let text = metrics.render();
        assert!(
            text.contains(
                "deskbot_http_requests_total{endpoint=\"/webhooks/zendesk\",status=\"202\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("deskbot_http_request_duration_seconds_bucket{le="));
        assert!(text.contains("deskbot_queue_jobs{state=\"queued\"} 3"));
        assert!(text.contains(
            "deskbot_decisions_total{intent=\"tracking\",outcome=\"reply\",reason=\"\"} 1"
        ));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn vendor_call_events_are_counted() {
        let metrics = Arc::new(Metrics::new());
        let subscriber =
            tracing_subscriber::registry().with(VendorCallLayer::new(Arc::clone(&metrics)));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "deskbot::http", vendor = "shopify", status = %"503", attempt = 2u64, "vendor call");
            tracing::info!(target: "deskbot::other", vendor = "x", status = "y", "not a call");
        });
        let text = metrics.render();
        assert!(
            text.contains(
                "deskbot_vendor_calls_total{vendor=\"shopify\",status=\"503\",attempt=\"2\"} 1"
            ),
            "{text}"
        );
        assert!(!text.contains("vendor=\"x\""));
    }
}
