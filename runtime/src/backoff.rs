//! The one polling backoff: every wait strata does (for a lock, for another upgrader's
//! no-transaction migration) sleeps with it and stops at a deadline.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// Exponential backoff with jitter, never past the deadline.
///
/// - Jittered because upgraders that start together would otherwise wake together, and all but
///   one find the lock taken again: SQLite's own busy handler, which does not jitter, let 32
///   racing upgraders finish one per 100 ms.
/// - A pause is at most a fifth of the time waited so far (and at most `max`): a waiter notices
///   the end of a short migration a few milliseconds late, and one behind a migration of
///   minutes polls a few times a second, not hundreds.
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
    started: Instant,
    deadline: Instant,
    random: std::collections::hash_map::RandomState,
    draws: u64,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(2);
    /// The longest pause: what a fleet of waiters costs the server is one cheap statement or
    /// two per waiter per pause.
    const MAX: Duration = Duration::from_millis(250);
    /// SQLite's polls never leave the process: they can afford to be frequent.
    const MAX_IN_PROCESS: Duration = Duration::from_millis(10);

    /// A backoff that stops waiting `timeout` after `started`.
    pub fn until(started: Instant, timeout: Duration) -> Self {
        Backoff {
            next: Self::FIRST,
            max: Self::MAX,
            started,
            deadline: started + timeout,
            random: std::collections::hash_map::RandomState::new(),
            draws: 0,
        }
    }

    /// [`Backoff::until`] for polls that cost no round trip (SQLite): pauses of at most 10 ms.
    pub fn in_process(started: Instant, timeout: Duration) -> Self {
        Backoff {
            max: Self::MAX_IN_PROCESS,
            ..Self::until(started, timeout)
        }
    }

    /// Sleeps for the next pause (between half of it and all of it, at random); `false`
    /// (without sleeping) once the deadline has passed.
    pub async fn wait(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        let mut hasher = self.random.build_hasher();
        hasher.write_u64(self.draws);
        self.draws += 1;
        let fraction = 0.5 + (hasher.finish() % 1024) as f64 / 2048.0;
        let pause = self.next.mul_f64(fraction);
        tokio::time::sleep(pause.min(self.deadline - now)).await;
        let cap = ((now - self.started) / 5).clamp(Self::FIRST, self.max);
        self.next = (self.next * 2).min(cap);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pauses_grow_with_the_time_waited_up_to_the_cap_and_stop_at_the_deadline() {
        // Waiting since an hour ago: the pauses double from 2 ms up to the cap.
        let started = Instant::now() - Duration::from_secs(3600);
        let mut backoff = Backoff::until(started, Duration::from_secs(7200));
        let mut pauses = Vec::new();
        for _ in 0..10 {
            pauses.push(backoff.next);
            assert!(backoff.wait().await);
        }
        assert_eq!(pauses[0], Duration::from_millis(2));
        assert_eq!(pauses[1], Duration::from_millis(4));
        assert_eq!(pauses[9], Duration::from_millis(250));

        // Waiting since just now: a pause is at most a fifth of the time waited.
        let started = Instant::now();
        let mut young = Backoff::until(started, Duration::from_secs(3600));
        for _ in 0..5 {
            assert!(young.wait().await);
            assert!(young.next <= started.elapsed() / 5 + Backoff::FIRST);
        }

        let mut expired = Backoff::until(started, Duration::ZERO);
        assert!(!expired.wait().await);
        assert_eq!(
            Backoff::in_process(started, Duration::ZERO).max,
            Duration::from_millis(10)
        );
    }
}
