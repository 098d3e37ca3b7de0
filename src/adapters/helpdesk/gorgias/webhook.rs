//! Gorgias webhooks: a shared secret header, and the body the shop writes.
//!
//! Gorgias's outbound "HTTP integrations" are not signed. The shop adds a header,
//! [`GORGIAS_SECRET_HEADER`], with a long random value in the integration's *Headers*, and the
//! same value in the variable `webhook_secret_env` names; deskbot compares the two in constant
//! time. (Use HTTPS: the secret travels with every request.)
//!
//! Body, documented for the shop to paste (trigger: *Ticket message created*):
//! `{"ticket_id": "{{ticket.id}}", "message_id": "{{message.id}}"}`. Gorgias renders the
//! body with its template variables (<https://developers.gorgias.com/docs/http-integrations>,
//! <https://developers.gorgias.com/reference/the-tickethttpintegration-object>); the brief's
//! `{{ticket.messages[0].id}}` is accepted too, under the same `message_id` key, but names the
//! ticket's *first* message, so redeliveries of later messages would share its key. Without a
//! message id the key falls back to the body's hash.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::adapters::helpdesk::webhook::{id_field, json_object, WebhookError, WebhookEvent};
use crate::adapters::Secret;

/// The header carrying the shared secret, which the shop adds to the HTTP integration.
pub const GORGIAS_SECRET_HEADER: &str = "X-Deskbot-Secret";

/// Checks the shared secret in constant time (its length included: both sides are hashed
/// first, so a wrong length takes as long as a wrong byte).
pub fn verify_gorgias(expected: &Secret, presented: Option<&str>) -> Result<(), WebhookError> {
    let presented = presented.ok_or(WebhookError::MissingHeader(GORGIAS_SECRET_HEADER))?;
    let expected = expected.expose().trim();
    if expected.is_empty() {
        // No secret configured means nothing may pass, not everything.
        return Err(WebhookError::BadSignature);
    }
    let want = Sha256::digest(expected.as_bytes());
    let got = Sha256::digest(presented.trim().as_bytes());
    if bool::from(want.ct_eq(&got)) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// Reads which ticket and message a (verified) Gorgias webhook is about.
pub fn parse_gorgias_event(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let object = json_object(body)?;
    let ticket_id = id_field(object.get("ticket_id"), "ticket_id")?.ok_or_else(|| {
        WebhookError::Malformed(
            "`ticket_id` is missing: the HTTP integration's body must be \
             {\"ticket_id\": \"{{ticket.id}}\", \"message_id\": \"{{message.id}}\"}"
                .into(),
        )
    })?;
    let comment_id = id_field(object.get("message_id"), "message_id")?;
    Ok(WebhookEvent {
        ticket_id,
        comment_id,
        event_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_secret_passes_and_others_do_not() {
        let secret = Secret::new("4f1c9e0a-long-random-value");
        assert_eq!(
            verify_gorgias(&secret, Some("4f1c9e0a-long-random-value")),
            Ok(())
        );
        assert_eq!(
            verify_gorgias(&secret, Some("4f1c9e0a-long-random-valuf")),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_gorgias(&secret, Some("4f1c9e0a")),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_gorgias(&secret, Some("")),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_gorgias(&secret, None),
            Err(WebhookError::MissingHeader(GORGIAS_SECRET_HEADER))
        );
    }

    #[test]
    fn an_empty_expected_secret_lets_nothing_through() {
        assert_eq!(
            verify_gorgias(&Secret::new(""), Some("")),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn the_documented_body_reads_with_ids_as_strings_or_numbers() {
        let strings = parse_gorgias_event(br#"{"ticket_id":"123","message_id":"4567"}"#).unwrap();
        let numbers = parse_gorgias_event(br#"{"ticket_id":123,"message_id":4567}"#).unwrap();
        assert_eq!(strings, numbers);
        assert_eq!(strings.ticket_id, "123");
        assert_eq!(strings.comment_id.as_deref(), Some("4567"));
        let bare = parse_gorgias_event(br#"{"ticket_id":"123"}"#).unwrap();
        assert_eq!(bare.comment_id, None);
        assert!(bare
            .dedup_key("gorgias", b"x")
            .starts_with("gorgias:ticket:123:body:"));
    }

    #[test]
    fn malformed_bodies_are_refused_with_the_reason() {
        for (body, wanted) in [
            (&b"<xml/>"[..], "not JSON"),
            (b"{}", "ticket_id"),
            (br#"{"ticket_id":"{{ticket.id}}"}"#, "ticket_id"),
            (br#"{"ticket_id":"1","message_id":{"id":2}}"#, "message_id"),
        ] {
            match parse_gorgias_event(body) {
                Err(WebhookError::Malformed(message)) => {
                    assert!(message.contains(wanted), "{message} lacks {wanted}")
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
