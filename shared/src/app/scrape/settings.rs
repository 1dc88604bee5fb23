//! How a scrape run behaves: how many downloads at once, how much disk it must leave free, and
//! how it retries a transient failure.

use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::time::Duration;

/// One gibibyte: room for a long video and its working copy.
const DEFAULT_FREE_SPACE_FLOOR: u64 = 1 << 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapeSettings {
    /// Where downloads land before they go to the object store; each gets a fresh directory
    /// under it, removed once the video is stored or given up.
    pub work_dir: PathBuf,
    /// Downloads a run keeps going at once.
    pub downloads_at_once: NonZeroUsize,
    /// Bytes the work dir's disk must have free before a download starts.
    pub free_space_floor: u64,
    pub retry: RetryPolicy,
}

impl ScrapeSettings {
    /// Two downloads at once, a 1 GiB floor, three attempts from 2 s up to a minute apart.
    pub fn new(work_dir: PathBuf) -> Self {
        Self {
            work_dir,
            downloads_at_once: NonZeroUsize::MIN.saturating_add(1),
            free_space_floor: DEFAULT_FREE_SPACE_FLOOR,
            retry: RetryPolicy::default(),
        }
    }
}

/// Tries of one fetch (a listing, a download) within a run when it fails in a way that may pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: NonZeroU32,
    /// The longest pause before the second try; it doubles with each further one.
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: NonZeroU32::MIN.saturating_add(2), base: Duration::from_secs(2), cap: Duration::from_secs(60) }
    }
}

impl RetryPolicy {
    /// The pause after failed try number `failed` (1-based): anywhere from nothing to
    /// `base · 2^(failed-1)`, capped. Full jitter, so that runs that failed together against one
    /// platform do not come back together.
    pub fn pause_after(&self, failed: u32) -> Duration {
        let doublings = failed.saturating_sub(1).min(20);
        let ceiling = self.base.saturating_mul(1 << doublings).min(self.cap);
        ceiling.mul_f64(rand::random::<f64>())
    }

    /// Whether another try follows try number `tried`.
    pub fn allows_another_after(&self, tried: u32) -> bool {
        tried < self.attempts.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_stay_under_a_doubling_ceiling_held_to_the_cap() {
        let policy = RetryPolicy { base: Duration::from_secs(2), cap: Duration::from_secs(10), ..Default::default() };
        for (failed, ceiling) in [(1, 2), (2, 4), (3, 8), (4, 10), (40, 10)] {
            for _ in 0..200 {
                assert!(policy.pause_after(failed) <= Duration::from_secs(ceiling), "after try {failed}");
            }
        }
    }

    #[test]
    fn pauses_are_jittered() {
        let policy = RetryPolicy::default();
        let pauses: std::collections::HashSet<Duration> = (0..50).map(|_| policy.pause_after(3)).collect();
        assert!(pauses.len() > 40, "{pauses:?}");
    }

    #[test]
    fn attempts_count_the_first_try() {
        let policy = RetryPolicy { attempts: NonZeroU32::new(3).unwrap(), ..Default::default() };
        assert!(policy.allows_another_after(1));
        assert!(policy.allows_another_after(2));
        assert!(!policy.allows_another_after(3));
    }
}
