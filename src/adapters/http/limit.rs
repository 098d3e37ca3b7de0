//! Per-vendor limits: at most N requests in flight, and optionally at most R per second, so
//! one busy shop cannot exhaust a vendor's quota for the rest of its calls.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Limits for one vendor client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitConfig {
    /// Requests in flight at once. Default: 4.
    pub max_concurrency: usize,
    /// Requests started per second, if limited. Default: none (the vendor's 429s and the
    /// retry loop pace us).
    pub requests_per_second: Option<NonZeroU32>,
}

impl Default for LimitConfig {
    fn default() -> Self {
        LimitConfig {
            max_concurrency: 4,
            requests_per_second: None,
        }
    }
}

/// The limiter a client holds.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    in_flight: Arc<Semaphore>,
    rate: Option<Arc<DefaultDirectRateLimiter>>,
}

impl Limiter {
    pub(crate) fn new(config: LimitConfig) -> Self {
        Limiter {
            in_flight: Arc::new(Semaphore::new(config.max_concurrency.max(1))),
            rate: config
                .requests_per_second
                .map(|rps| Arc::new(RateLimiter::direct(Quota::per_second(rps)))),
        }
    }

    /// Waits for a slot; the request may start while the permit lives.
    pub(crate) async fn acquire(&self) -> SemaphorePermit<'_> {
        if let Some(rate) = &self.rate {
            rate.until_ready().await;
        }
        // The semaphore is never closed, so acquiring only waits.
        self.in_flight
            .acquire()
            .await
            .expect("the limiter's semaphore is never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn concurrency_is_capped() {
        let limiter = Limiter::new(LimitConfig {
            max_concurrency: 2,
            requests_per_second: None,
        });
        let first = limiter.acquire().await;
        let _second = limiter.acquire().await;
        assert_eq!(limiter.in_flight.available_permits(), 0);
        drop(first);
        assert_eq!(limiter.in_flight.available_permits(), 1);
    }

    #[tokio::test]
    async fn the_rate_spaces_requests() {
        let limiter = Limiter::new(LimitConfig {
            max_concurrency: 8,
            requests_per_second: NonZeroU32::new(20),
        });
        let started = std::time::Instant::now();
        for _ in 0..5 {
            drop(limiter.acquire().await);
        }
        // A burst of 20 is allowed at once, so 5 go through without waiting; the 21st waits.
        assert!(started.elapsed() < std::time::Duration::from_millis(40));
        for _ in 0..16 {
            drop(limiter.acquire().await);
        }
        assert!(started.elapsed() >= std::time::Duration::from_millis(30));
    }
}
