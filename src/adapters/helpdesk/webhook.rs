//! Help-desk webhooks, as pure functions the service calls: verify the request came from the
//! help desk, then read which ticket (and which comment) it is about.
//!
//! Nothing here does I/O. The service verifies, stores and acknowledges; the vendor specifics
//! live in `zendesk/webhook.rs` and `gorgias/webhook.rs` and are re-exported here.
//!
//! HTTP statuses: every [`WebhookError`] answers **401** except [`WebhookError::Malformed`],
//! which answers **400** (the sender proved who it is but the body is unusable).

use sha2::{Digest, Sha256};

#[cfg(feature = "gorgias")]
pub use super::gorgias::webhook::{parse_gorgias_event, verify_gorgias, GORGIAS_SECRET_HEADER};
#[cfg(feature = "zendesk")]
pub use super::zendesk::webhook::{
    parse_zendesk_event, verify_zendesk, ZENDESK_SIGNATURE_HEADER, ZENDESK_TIMESTAMP_HEADER,
};

/// What a verified webhook is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The help desk's ticket id (digits).
    pub ticket_id: String,
    /// The comment (Zendesk) or message (Gorgias) that triggered it, when the body names one.
    pub comment_id: Option<String>,
    /// The help desk's id for this event (Zendesk event subscriptions), when there is one.
    pub event_id: Option<String>,
}

impl WebhookEvent {
    /// The key that makes enqueueing idempotent, most specific first:
    /// `<source>:ticket:<t>:comment:<c>` when the comment is known (two webhooks about one
    /// comment are one job); else `<source>:event:<id>`; else
    /// `<source>:ticket:<t>:body:<sha256 hex of body>` (a help desk redelivers the same body).
    pub fn dedup_key(&self, source: &str, body: &[u8]) -> String {
        match (&self.comment_id, &self.event_id) {
            (Some(comment), _) => format!("{source}:ticket:{}:comment:{comment}", self.ticket_id),
            (None, Some(event)) => format!("{source}:event:{event}"),
            (None, None) => {
                let digest = Sha256::digest(body);
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                format!("{source}:ticket:{}:body:{hex}", self.ticket_id)
            }
        }
    }
}

/// Why a webhook is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A header the check needs is absent (401).
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// The signature or shared secret does not match (401).
    #[error("the signature does not match")]
    BadSignature,
    /// Signed, but outside the replay window, in the past (positive) or future (negative) (401).
    #[error("the signature timestamp is {} s {}", age_secs.unsigned_abs(), if *age_secs >= 0 { "old" } else { "in the future" })]
    Stale {
        /// Seconds between the timestamp and now; negative when it lies ahead.
        age_secs: i64,
    },
    /// Authentic, but the body does not say which ticket (400).
    #[error("malformed webhook body: {0}")]
    Malformed(String),
}

/// An id from a JSON body: a number, or a string of digits (templates render `"{{ticket.id}}"`
/// as a string). `Ok(None)` for absent, null or empty; an error names `field` otherwise.
#[cfg_attr(not(any(feature = "zendesk", feature = "gorgias")), allow(dead_code))]
pub(crate) fn id_field(
    value: Option<&serde_json::Value>,
    field: &str,
) -> Result<Option<String>, WebhookError> {
    use serde_json::Value;
    let text = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(n) => n.to_string(),
            None => {
                return Err(WebhookError::Malformed(format!(
                    "`{field}` is {n}, not a positive whole number"
                )))
            }
        },
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(other) => {
            return Err(WebhookError::Malformed(format!(
                "`{field}` is {}, not an id",
                json_kind(other)
            )))
        }
    };
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        // An unrendered placeholder (`{{ticket.id}}`) lands here: say what was sent.
        let shown: String = text.chars().take(40).collect();
        return Err(WebhookError::Malformed(format!(
            "`{field}` is {shown:?}, not a numeric id"
        )));
    }
    Ok(Some(text))
}

/// The body as a JSON object, or why not.
#[cfg_attr(not(any(feature = "zendesk", feature = "gorgias")), allow(dead_code))]
pub(crate) fn json_object(
    body: &[u8],
) -> Result<serde_json::Map<String, serde_json::Value>, WebhookError> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(other) => Err(WebhookError::Malformed(format!(
            "the body is {}, not a JSON object",
            json_kind(&other)
        ))),
        Err(error) => Err(WebhookError::Malformed(format!("not JSON: {error}"))),
    }
}

#[cfg_attr(not(any(feature = "zendesk", feature = "gorgias")), allow(dead_code))]
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(comment: Option<&str>, event: Option<&str>) -> WebhookEvent {
        WebhookEvent {
            ticket_id: "35436".into(),
            comment_id: comment.map(str::to_owned),
            event_id: event.map(str::to_owned),
        }
    }

    #[test]
    fn dedup_keys_prefer_the_comment_then_the_event_then_the_body() {
        assert_eq!(
            event(Some("1274"), Some("ev-1")).dedup_key("zendesk", b"{}"),
            "zendesk:ticket:35436:comment:1274"
        );
        assert_eq!(
            event(None, Some("ev-1")).dedup_key("zendesk", b"{}"),
            "zendesk:event:ev-1"
        );
        // echo -n '{}' | sha256sum
        assert_eq!(
            event(None, None).dedup_key("gorgias", b"{}"),
            "gorgias:ticket:35436:body:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_ne!(
            event(None, None).dedup_key("gorgias", b"{}"),
            event(None, None).dedup_key("gorgias", b"{ }")
        );
    }

    #[test]
    fn ids_may_be_numbers_or_digit_strings() {
        let body = json!({"a": 35436, "b": " 35436 ", "c": "", "d": null, "e": "{{ticket.id}}",
            "f": -3, "g": 1.5, "h": [1]});
        let get = |k: &str| id_field(body.get(k), k);
        assert_eq!(get("a"), Ok(Some("35436".into())));
        assert_eq!(get("b"), Ok(Some("35436".into())));
        assert_eq!(get("c"), Ok(None));
        assert_eq!(get("d"), Ok(None));
        assert_eq!(get("missing"), Ok(None));
        for bad in ["e", "f", "g", "h"] {
            match get(bad) {
                Err(WebhookError::Malformed(message)) => {
                    assert!(message.contains(bad), "{message}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(json_object(b"{\"a\":1}").is_ok());
        for body in [&b"not json"[..], b"[1]", b"", b"\"x\""] {
            assert!(matches!(json_object(body), Err(WebhookError::Malformed(_))));
        }
    }
}
