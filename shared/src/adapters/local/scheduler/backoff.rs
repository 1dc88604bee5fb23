//! How long the scheduler waits after its store failed: doubling from a second, so that a full
//! disk or a read-only file costs a handful of reads a minute instead of a busy loop, and capped
//! well inside the default misfire grace, so that jobs due meanwhile still run once it recovers.

use std::time::Duration;

const FIRST: Duration = Duration::from_secs(1);
const MOST: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub(super) struct Backoff {
    failures: u32,
}

impl Backoff {
    /// Counts a failure and says how long to wait before the next try.
    pub(super) fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let doublings = self.failures.saturating_sub(1).min(16);
        FIRST.saturating_mul(1 << doublings).min(MOST)
    }

    /// Whether this failure is the first since the store last worked: the one worth a log line.
    pub(super) fn is_first_failure(&self) -> bool {
        self.failures == 1
    }

    /// Forgets the failures; true when there were any, the other change worth a log line.
    pub(super) fn recovered(&mut self) -> bool {
        std::mem::take(&mut self.failures) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_a_second_up_to_its_cap_and_starts_over_after_a_success() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = (0..8).map(|_| backoff.failed().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        for _ in 0..100 {
            assert_eq!(backoff.failed(), MOST);
        }
        assert!(backoff.recovered());
        assert!(!backoff.recovered());
        assert_eq!(backoff.failed(), FIRST);
        assert!(backoff.is_first_failure());
    }
}
