//! Time for the retry loop: the real one, or a recording one for tests, so waits are asserted
//! without sleeping (the stand-in servers use real sockets, which a paused Tokio clock would
//! race).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

/// Monotonic time and sleeping, as the retry loop sees them.
#[async_trait]
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Time elapsed since the clock started.
    fn now(&self) -> Duration;
    /// Waits `duration`.
    async fn sleep(&self, duration: Duration);
}

/// The real clock: Tokio's sleep.
#[derive(Debug)]
pub struct TokioClock {
    start: Instant,
}

impl Default for TokioClock {
    fn default() -> Self {
        TokioClock {
            start: Instant::now(),
        }
    }
}

#[async_trait]
impl Clock for TokioClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A virtual clock for tests: `sleep` returns at once and is recorded; `now` is real time plus
/// every wait so far, so deadlines behave as if the waits had happened.
#[derive(Debug)]
pub struct RecordingClock {
    start: Instant,
    waits: Mutex<Vec<Duration>>,
}

impl Default for RecordingClock {
    fn default() -> Self {
        RecordingClock {
            start: Instant::now(),
            waits: Mutex::new(Vec::new()),
        }
    }
}

impl RecordingClock {
    /// Every wait asked for, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait]
impl Clock for RecordingClock {
    fn now(&self) -> Duration {
        self.start.elapsed() + self.waits().iter().sum::<Duration>()
    }

    async fn sleep(&self, duration: Duration) {
        self.waits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(duration);
    }
}
