//! Retries: one [`RetryConfig`] with documented defaults, shared by every vendor, and the rules
//! that say which failures are worth another attempt.
//!
//! - 4xx other than 429 is final: 401 → `Unauthenticated`, 403 → `PermissionDenied`,
//!   404 → `NotFound`, 400/422 → `Invalid`.
//! - 429 waits for `Retry-After` (seconds or an HTTP date), capped by the deadline.
//! - 5xx, connection errors and timeouts back off exponentially with jitter, a bounded number
//!   of times; a 5xx with `Retry-After` waits for that instead.
//! - A write is retried only when the vendor makes it idempotent, or when the request was never
//!   sent (the connection failed).

use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// How hard to try before giving up. Every vendor client has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Retries after the first attempt. Default: 3.
    pub max_retries: usize,
    /// The first backoff; each later one doubles. Default: 250 ms.
    pub initial_backoff: Duration,
    /// The longest backoff. Default: 5 s.
    pub max_backoff: Duration,
    /// One request's timeout (connect + response). Default: 10 s.
    pub request_timeout: Duration,
    /// The whole operation, retries and waits included. Default: 30 s. A `Retry-After` that
    /// would end past it fails at once with `RateLimited`.
    pub deadline: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
        }
    }
}

impl RetryConfig {
    /// The backoff delays for one operation: exponential with jitter.
    pub(crate) fn backoff(&self) -> ExponentialBackoff {
        ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_max_times(self.max_retries)
            .with_jitter()
            .build()
    }
}

/// Reads `Retry-After`: delay-seconds, or an HTTP date (RFC 9110 §10.2.3). A date in the past
/// means "now".
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = httpdate::parse_http_date("Sat, 28 Nov 2026 12:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_and_stops() {
        let config = RetryConfig {
            max_retries: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            ..RetryConfig::default()
        };
        let delays: Vec<Duration> = config.backoff().collect();
        assert_eq!(delays.len(), 4);
        // Jitter adds up to one more delay's worth on top of the base.
        assert!(delays[0] >= Duration::from_millis(100) && delays[0] <= Duration::from_millis(200));
        assert!(delays[3] >= Duration::from_millis(300) && delays[3] <= Duration::from_millis(600));
    }
}
