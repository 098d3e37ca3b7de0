//! Zendesk webhooks: the signature check and the two body shapes deskbot accepts.
//!
//! Signature (<https://developer.zendesk.com/documentation/webhooks/verifying/>):
//! `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(signing secret, timestamp + raw body)),
//! where the timestamp is the `X-Zendesk-Webhook-Signature-Timestamp` header as sent
//! (ISO 8601, `2023-03-16T12:34:56Z`). A timestamp farther than the replay window from now, in
//! either direction, is refused: a captured request cannot be replayed later.
//!
//! Bodies:
//! - an event subscription (`"type": "zen:event-type:ticket.comment_added"`, `id`, `detail.id`
//!   the ticket, `event.comment.id` the comment;
//!   <https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/>). Other
//!   event types are refused as malformed: deskbot answers comments, and a status change must
//!   not start a second answer;
//! - a trigger or automation webhook whose JSON body the shop writes, documented as
//!   `{"ticket_id": "{{ticket.id}}", "comment_id": "{{ticket.latest_comment.id}}"}`.
//!
//! Ids may be numbers or strings of digits.

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use sha2::Sha256;

use crate::adapters::helpdesk::webhook::{id_field, json_object, WebhookError, WebhookEvent};

/// The signature header.
pub const ZENDESK_SIGNATURE_HEADER: &str = "X-Zendesk-Webhook-Signature";
/// The signature timestamp header.
pub const ZENDESK_TIMESTAMP_HEADER: &str = "X-Zendesk-Webhook-Signature-Timestamp";

/// The event type deskbot acts on.
const COMMENT_ADDED: &str = "zen:event-type:ticket.comment_added";

/// Checks a Zendesk webhook's signature and freshness, in constant time.
///
/// `signature` and `timestamp` are the two headers' values; `window` is the replay window
/// (`replay_window_secs`, 300 s by default).
pub fn verify_zendesk(
    secret: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: Timestamp,
    window: Duration,
) -> Result<(), WebhookError> {
    let signature = signature.ok_or(WebhookError::MissingHeader(ZENDESK_SIGNATURE_HEADER))?;
    let timestamp = timestamp.ok_or(WebhookError::MissingHeader(ZENDESK_TIMESTAMP_HEADER))?;
    if secret.is_empty() {
        // An empty key would make every signature computable by anyone.
        return Err(WebhookError::BadSignature);
    }
    let presented = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| WebhookError::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| WebhookError::BadSignature)?;
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.verify_slice(&presented)
        .map_err(|_| WebhookError::BadSignature)?;
    // Signed: now the time it claims can be trusted, and judged.
    let at: Timestamp = timestamp
        .trim()
        .parse()
        .map_err(|_| WebhookError::BadSignature)?;
    let age_secs = now.as_second() - at.as_second();
    let window_secs = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
    if age_secs.abs() > window_secs {
        return Err(WebhookError::Stale { age_secs });
    }
    Ok(())
}

/// Reads which ticket and comment a (verified) Zendesk webhook is about.
pub fn parse_zendesk_event(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let object = json_object(body)?;
    if let Some(kind) = object.get("type").and_then(|t| t.as_str()) {
        if kind.starts_with("zen:event-type:") {
            if kind != COMMENT_ADDED {
                return Err(WebhookError::Malformed(format!(
                    "event type {kind:?} is not handled; subscribe the webhook to \
                     {COMMENT_ADDED} only"
                )));
            }
            let detail = object.get("detail");
            let ticket_id =
                id_field(detail.and_then(|d| d.get("id")), "detail.id")?.ok_or_else(|| {
                    WebhookError::Malformed("`detail.id` (the ticket) is missing".into())
                })?;
            let comment_id = id_field(
                object
                    .get("event")
                    .and_then(|e| e.get("comment"))
                    .and_then(|c| c.get("id")),
                "event.comment.id",
            )?;
            let event_id = match object.get("id") {
                Some(serde_json::Value::String(id)) if !id.trim().is_empty() => {
                    Some(event_id(id.trim())?)
                }
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            return Ok(WebhookEvent {
                ticket_id,
                comment_id,
                event_id,
            });
        }
    }
    let ticket_id = id_field(object.get("ticket_id"), "ticket_id")?.ok_or_else(|| {
        WebhookError::Malformed(
            "`ticket_id` is missing: the trigger's body must be {\"ticket_id\": \"{{ticket.id}}\", \
             \"comment_id\": \"{{ticket.latest_comment.id}}\"}"
                .into(),
        )
    })?;
    let comment_id = id_field(object.get("comment_id"), "comment_id")?;
    Ok(WebhookEvent {
        ticket_id,
        comment_id,
        event_id: None,
    })
}

/// The longest event id taken (Zendesk's are UUIDs, 36 characters).
const MAX_EVENT_ID_LEN: usize = 128;

/// An event id fit for a dedup key: printable ASCII of a bounded length. Anything else could be
/// refused by the store (a NUL) or its unique index (PostgreSQL's btree entries are capped at
/// about 2.7 kB): answered 503, and redelivered for ever.
fn event_id(id: &str) -> Result<String, WebhookError> {
    if id.len() > MAX_EVENT_ID_LEN || !id.bytes().all(|b| b.is_ascii_graphic()) {
        let shown: String = id.chars().take(40).collect();
        return Err(WebhookError::Malformed(format!(
            "the event `id` {shown:?} is not an event id"
        )));
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";
    const TIMESTAMP: &str = "2023-03-16T12:34:56Z";
    const BODY: &[u8] = br#"{"ticket_id":"35436","comment_id":"1274"}"#;
    /// Computed independently of this crate:
    /// ```sh
    /// python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
    ///   b"dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==",
    ///   b"2023-03-16T12:34:56Z" + b"{\"ticket_id\":\"35436\",\"comment_id\":\"1274\"}",
    ///   hashlib.sha256).digest()).decode())'
    /// ```
    const SIGNATURE: &str = "Fho3KV4RYJtjhW6hWxENfwj/kqGeYVLSCFZzEQ3UqJ8=";

    fn now() -> Timestamp {
        "2023-03-16T12:36:00Z".parse().unwrap()
    }

    fn verify(
        secret: &[u8],
        signature: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now: Timestamp,
    ) -> Result<(), WebhookError> {
        verify_zendesk(
            secret,
            signature,
            timestamp,
            body,
            now,
            Duration::from_secs(300),
        )
    }

    #[test]
    fn the_independent_test_vector_is_accepted() {
        assert_eq!(
            verify(SECRET, Some(SIGNATURE), Some(TIMESTAMP), BODY, now()),
            Ok(())
        );
    }

    #[test]
    fn one_flipped_bit_anywhere_is_refused() {
        let mut body = BODY.to_vec();
        body[5] ^= 0x01;
        assert_eq!(
            verify(SECRET, Some(SIGNATURE), Some(TIMESTAMP), &body, now()),
            Err(WebhookError::BadSignature)
        );
        let mut signature = base64::engine::general_purpose::STANDARD
            .decode(SIGNATURE)
            .unwrap();
        signature[0] ^= 0x80;
        let flipped = base64::engine::general_purpose::STANDARD.encode(signature);
        assert_eq!(
            verify(SECRET, Some(&flipped), Some(TIMESTAMP), BODY, now()),
            Err(WebhookError::BadSignature)
        );
        // The timestamp is signed too: moving it breaks the signature.
        assert_eq!(
            verify(
                SECRET,
                Some(SIGNATURE),
                Some("2023-03-16T12:34:57Z"),
                BODY,
                now()
            ),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn a_wrong_or_empty_secret_is_refused() {
        assert_eq!(
            verify(
                b"another secret",
                Some(SIGNATURE),
                Some(TIMESTAMP),
                BODY,
                now()
            ),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(b"", Some(SIGNATURE), Some(TIMESTAMP), BODY, now()),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, Some("not base64!"), Some(TIMESTAMP), BODY, now()),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn missing_headers_are_named() {
        assert_eq!(
            verify(SECRET, None, Some(TIMESTAMP), BODY, now()),
            Err(WebhookError::MissingHeader(ZENDESK_SIGNATURE_HEADER))
        );
        assert_eq!(
            verify(SECRET, Some(SIGNATURE), None, BODY, now()),
            Err(WebhookError::MissingHeader(ZENDESK_TIMESTAMP_HEADER))
        );
    }

    #[test]
    fn old_and_future_timestamps_are_stale() {
        let signed_at: Timestamp = TIMESTAMP.parse().unwrap();
        let late = signed_at + jiff::SignedDuration::from_secs(301);
        assert_eq!(
            verify(SECRET, Some(SIGNATURE), Some(TIMESTAMP), BODY, late),
            Err(WebhookError::Stale { age_secs: 301 })
        );
        let early = signed_at - jiff::SignedDuration::from_secs(301);
        assert_eq!(
            verify(SECRET, Some(SIGNATURE), Some(TIMESTAMP), BODY, early),
            Err(WebhookError::Stale { age_secs: -301 })
        );
        // The window's edges are inside it.
        let edge = signed_at + jiff::SignedDuration::from_secs(300);
        assert_eq!(
            verify(SECRET, Some(SIGNATURE), Some(TIMESTAMP), BODY, edge),
            Ok(())
        );
    }

    #[test]
    fn a_signed_but_unreadable_timestamp_is_refused() {
        let secret = b"s";
        let timestamp = "yesterday";
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(timestamp.as_bytes());
        mac.update(BODY);
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(
            verify(secret, Some(&signature), Some(timestamp), BODY, now()),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn the_event_subscription_shape_is_read() {
        let body = include_bytes!("fixtures/event_comment_added.json");
        let event = parse_zendesk_event(body).unwrap();
        assert_eq!(event.ticket_id, "10");
        assert_eq!(event.comment_id.as_deref(), Some("10001"));
        assert_eq!(
            event.event_id.as_deref(),
            Some("cbe4028c-7239-495d-b020-f22348516046")
        );
    }

    #[test]
    fn event_ids_no_store_could_key_are_refused() {
        let body = |id: &str| {
            serde_json::json!({"type": COMMENT_ADDED, "id": id, "detail": {"id": "10"}}).to_string()
        };
        let event = parse_zendesk_event(body(" 01HZX-evt ").as_bytes()).unwrap();
        assert_eq!(event.event_id.as_deref(), Some("01HZX-evt"));
        for bad in ["a\0b".to_owned(), "a b".to_owned(), "e".repeat(4000)] {
            match parse_zendesk_event(body(&bad).as_bytes()) {
                Err(WebhookError::Malformed(message)) => {
                    assert!(message.contains("event `id`"), "{message}")
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn other_event_types_are_refused() {
        let body =
            br#"{"type":"zen:event-type:ticket.status_changed","id":"e","detail":{"id":"10"}}"#;
        match parse_zendesk_event(body) {
            Err(WebhookError::Malformed(message)) => assert!(message.contains("status_changed")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn trigger_bodies_take_ids_as_strings_or_numbers() {
        let strings = parse_zendesk_event(BODY).unwrap();
        let numbers = parse_zendesk_event(br#"{"ticket_id":35436,"comment_id":1274}"#).unwrap();
        assert_eq!(strings, numbers);
        assert_eq!(strings.ticket_id, "35436");
        assert_eq!(strings.comment_id.as_deref(), Some("1274"));
        assert_eq!(strings.event_id, None);
        let no_comment = parse_zendesk_event(br#"{"ticket_id":"35436","comment_id":""}"#).unwrap();
        assert_eq!(no_comment.comment_id, None);
    }

    #[test]
    fn malformed_bodies_say_what_is_wrong() {
        for (body, wanted) in [
            (&b"{not json"[..], "not JSON"),
            (b"[]", "not a JSON object"),
            (b"{}", "ticket_id"),
            (br#"{"ticket_id":"{{ticket.id}}"}"#, "ticket_id"),
            (br#"{"ticket_id":"1","comment_id":true}"#, "comment_id"),
            (
                br#"{"type":"zen:event-type:ticket.comment_added","detail":{}}"#,
                "detail.id",
            ),
        ] {
            match parse_zendesk_event(body) {
                Err(WebhookError::Malformed(message)) => {
                    assert!(message.contains(wanted), "{message} lacks {wanted}")
                }
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
            }
        }
    }
}
