//! The HTTP endpoints. Webhooks are verified, stored and acknowledged — no vendor call inside
//! the request; `/v1/*` answers custom integrations with the CLI's JSON; `/healthz`, `/readyz`
//! and `/metrics` are for the platform running deskbot.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Service, WebhookAuth};
use crate::adapters::helpdesk::webhook::{self, WebhookError, WebhookEvent};
use crate::classify::clean::CleanedMessage;
use crate::store::{Enqueued, NewJob};

/// Every route, with request metrics and the webhook body limit.
pub(crate) fn router(service: Arc<Service>) -> Router {
    let limit = service.webhooks.max_body_bytes;
    // Reading the body and queueing (or classifying) take milliseconds; a request still
    // unfinished after the timeout is a client trickling its body. `/v1/reply` is left out:
    // it waits on vendors, under their own timeouts and deadline.
    let bounded = Router::new()
        .route("/webhooks/zendesk", post(zendesk))
        .route("/webhooks/gorgias", post(gorgias))
        .route("/v1/classify", post(classify))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&service),
            time_limit,
        ));
    Router::new()
        .merge(bounded)
        .route("/v1/reply", post(reply))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // Over the limit: 413 before the handler runs, so nothing is stored.
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&service),
            count_requests,
        ))
        .with_state(service)
}

/// Answers 408 when the request (its body included) takes longer than `request_timeout`.
async fn time_limit(State(service): State<Arc<Service>>, request: Request, next: Next) -> Response {
    let limit = service.settings.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => problem(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request took longer than {} s (request_timeout_secs)",
                limit.as_secs_f64()
            ),
        ),
    }
}

async fn count_requests(
    State(service): State<Arc<Service>>,
    request: Request,
    next: Next,
) -> Response {
    let endpoint = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    service.metrics.request(
        &endpoint,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// How long a help desk is asked to wait before delivering a webhook the store could not take.
const QUEUE_RETRY_AFTER_SECS: u32 = 10;

/// 503 with `Retry-After`: the webhook was not stored, and a help desk that retries only
/// responses naming a wait (Zendesk's webhook retries, as we read them) should try again.
fn queue_unavailable() -> Response {
    let mut response = problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "the queue is unavailable; retry later",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, QUEUE_RETRY_AFTER_SECS.into());
    response
}

fn rejected(service: &Service, source: &str, error: &WebhookError) -> Response {
    let (status, result) = match error {
        WebhookError::Malformed(_) => (StatusCode::BAD_REQUEST, "rejected_malformed"),
        WebhookError::Stale { .. } => (StatusCode::UNAUTHORIZED, "rejected_stale"),
        _ => (StatusCode::UNAUTHORIZED, "rejected_signature"),
    };
    service.metrics.webhook(source, result);
    tracing::warn!(source, error = %error, "webhook rejected");
    problem(status, error.to_string())
}

async fn zendesk(State(service): State<Arc<Service>>, headers: HeaderMap, body: Bytes) -> Response {
    let WebhookAuth::Zendesk {
        secret,
        replay_window,
    } = &service.webhooks.auth
    else {
        return problem(StatusCode::NOT_FOUND, "no Zendesk help desk is configured");
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(error) = webhook::verify_zendesk(
        secret.expose().as_bytes(),
        header("x-zendesk-webhook-signature"),
        header("x-zendesk-webhook-signature-timestamp"),
        &body,
        Timestamp::now(),
        *replay_window,
    ) {
        return rejected(&service, "zendesk", &error);
    }
    match webhook::parse_zendesk_event(&body) {
        Ok(event) => enqueue(&service, "zendesk", event, &body).await,
        Err(error) => rejected(&service, "zendesk", &error),
    }
}

async fn gorgias(State(service): State<Arc<Service>>, headers: HeaderMap, body: Bytes) -> Response {
    let WebhookAuth::Gorgias { secret } = &service.webhooks.auth else {
        return problem(StatusCode::NOT_FOUND, "no Gorgias help desk is configured");
    };
    let presented = headers
        .get(webhook::GORGIAS_SECRET_HEADER)
        .and_then(|v| v.to_str().ok());
    if let Err(error) = webhook::verify_gorgias(secret, presented) {
        return rejected(&service, "gorgias", &error);
    }
    match webhook::parse_gorgias_event(&body) {
        Ok(event) => enqueue(&service, "gorgias", event, &body).await,
        Err(error) => rejected(&service, "gorgias", &error),
    }
}

/// Writes the event to the queue, then acknowledges: 202 for a new job, 200 for a duplicate,
/// 503 when the store cannot take it (the help desk retries later).
async fn enqueue(service: &Service, source: &str, event: WebhookEvent, body: &[u8]) -> Response {
    // Only what the webhook said about which ticket, comment and event: the body itself can
    // carry the customer's message and name, which the queue has no use for (the worker reads
    // the ticket from the help desk) and `deskbot forget` could not find again.
    let payload = json!({
        "ticket_id": event.ticket_id,
        "comment_id": event.comment_id,
        "event_id": event.event_id,
    })
    .to_string();
    let job = NewJob {
        source: source.to_owned(),
        ticket_id: event.ticket_id.clone(),
        dedup_key: event.dedup_key(source, body),
        payload,
        received_at: Timestamp::now(),
        // A body naming neither comment nor event is the same for every message on the
        // ticket: once its job is done, the same body is the customer's next message.
        rerun_when_done: event.comment_id.is_none() && event.event_id.is_none(),
    };
    match service.store.enqueue(job).await {
        Ok(Enqueued::Created(id)) => {
            service.metrics.webhook(source, "queued");
            service.wake.notify_one();
            (
                StatusCode::ACCEPTED,
                Json(json!({ "job": id, "duplicate": false })),
            )
                .into_response()
        }
        Ok(Enqueued::Duplicate(id)) => {
            service.metrics.webhook(source, "duplicate");
            (
                StatusCode::OK,
                Json(json!({ "job": id, "duplicate": true })),
            )
                .into_response()
        }
        Err(error) => {
            service.metrics.webhook(source, "store_failed");
            tracing::error!(source, error = %error, "cannot queue a webhook");
            queue_unavailable()
        }
    }
}

/// The refusal for a `/v1` request without the right bearer token; `None` lets it through.
fn unauthorised(service: &Service, headers: &HeaderMap) -> Option<Response> {
    let Some(expected) = &service.settings.api_token else {
        return Some(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the /v1 API is off: set {} (or [serve] api_token_env) to a bearer token",
                crate::config::DEFAULT_API_TOKEN_ENV
            ),
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compared as digests, so a wrong length takes as long as a wrong byte.
    let want = Sha256::digest(expected.expose().as_bytes());
    let got = Sha256::digest(presented.as_bytes());
    if bool::from(want.ct_eq(&got)) {
        None
    } else {
        Some(problem(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token",
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifyRequest {
    text: String,
    #[serde(default = "yes")]
    clean: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyRequest {
    text: String,
    /// The sender's address as the channel authenticated it.
    from: Option<String>,
}

fn yes() -> bool {
    true
}

/// The same object as one element of `deskbot classify --format json`.
async fn classify(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(denied) = unauthorised(&service, &headers) {
        return denied;
    }
    let request: ClassifyRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return problem(StatusCode::BAD_REQUEST, error.to_string()),
    };
    let cleaned = request
        .clean
        .then(|| super::clean(&request.text))
        .filter(CleanedMessage::changed);
    let text = cleaned
        .as_ref()
        .map_or(request.text.as_str(), |c| c.text.as_str());
    let model = service.model.snapshot();
    let prediction = model.model.classify(text);
    let mut value = match serde_json::to_value(&prediction) {
        Ok(value) => value,
        Err(error) => return problem(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
    };
    if let Some(cleaned) = &cleaned {
        value["cleaned"] = json!(cleaned);
    }
    Json(value).into_response()
}

/// The same document as `deskbot reply --format json`. Logged in the decision log as `api`.
async fn reply(State(service): State<Arc<Service>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(denied) = unauthorised(&service, &headers) {
        return denied;
    }
    let request: ReplyRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return problem(StatusCode::BAD_REQUEST, error.to_string()),
    };
    let answer = service.answer(&request.text, request.from.as_deref()).await;
    let record = answer.record(
        None,
        "api",
        None,
        request.from.clone(),
        &request.text,
        "returned".to_owned(),
        answer.timings_ms.clone(),
    );
    service.metrics.decision(
        answer.intent.as_str(),
        &record.outcome,
        record.handoff_reason.as_deref(),
    );
    if let Err(error) = service.store.record_decision(&record).await {
        tracing::error!(error = %error, "cannot write the decision log");
    }
    Json(&answer.outcome).into_response()
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready when the model is loaded (it always is once the service runs), the config was valid
/// (checked before start) and the database answers.
async fn readyz(State(service): State<Arc<Service>>) -> Response {
    let model = service.model.snapshot().digest.clone();
    match service.store.ping().await {
        Ok(()) => Json(json!({
            "ready": true,
            "model": model,
            "store": service.store.kind(),
        }))
        .into_response(),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "ready": false,
                "model": model,
                "store": service.store.kind(),
                "error": error.to_string(),
            })),
        )
            .into_response(),
    }
}

async fn metrics(State(service): State<Arc<Service>>) -> Response {
    match service.store.counts().await {
        Ok(counts) => service.metrics.set_queue(&counts),
        Err(error) => tracing::error!(error = %error, "cannot count jobs for /metrics"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        service.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_the_store_could_not_take_is_answered_503_with_a_wait() {
        let response = queue_unavailable();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER).unwrap(),
            &QUEUE_RETRY_AFTER_SECS.to_string()
        );
    }
}
