//! The one polling backoff: every wait strata does (for a lock, for another upgrader's
//! no-transaction migration) sleeps with it and stops at a deadline.

use std::time::{Duration, Instant};

/// Exponential backoff from 5 ms to 250 ms, never past the deadline.
pub(crate) struct Backoff {
    next: Duration,
    deadline: Instant,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(5);
    const MAX: Duration = Duration::from_millis(250);

    /// A backoff that stops waiting `timeout` after `started`.
    pub fn until(started: Instant, timeout: Duration) -> Self {
        Backoff {
            next: Self::FIRST,
            deadline: started + timeout,
        }
    }

    /// Sleeps for the next pause; `false` (without sleeping) once the deadline has passed.
    pub async fn wait(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        tokio::time::sleep(self.next.min(self.deadline - now)).await;
        self.next = (self.next * 2).min(Self::MAX);
        true
    }
}
