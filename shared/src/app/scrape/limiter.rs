//! One pace per platform, shared by every run of the process: a 429 or a block seen by one run
//! slows the next requests of all of them, since the platform bans the address, not the run.
//!
//! A platform starts unthrottled. Each rate limit doubles the minimum spacing between request
//! starts (from [`FIRST_SPACING`] up to [`MAX_SPACING`]) and pauses the platform for as long as
//! it asked (`Retry-After`) or, when it did not say, one spacing. Every [`EASE_AFTER`] successes
//! in a row halve the spacing again, until it falls under the first step and the platform runs
//! free.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::domain::video::Platform;
use crate::ports::Clock;

pub const FIRST_SPACING: Duration = Duration::from_secs(2);
pub const MAX_SPACING: Duration = Duration::from_secs(300);
pub const EASE_AFTER: u32 = 5;
/// The longest pause a platform's `Retry-After` is taken at: a bogus day-long value must not
/// stall every scheduled scrape, and a platform that means it says so again.
pub const MAX_PAUSE: Duration = Duration::from_secs(3_600);

/// The wait for a request slot ended because the run was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// How a platform is paced now, for health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformPace {
    pub platform: Platform,
    pub slowed: bool,
    /// When the pause the platform asked for ends, while it lasts.
    pub paused_until: Option<DateTime<Utc>>,
    /// The minimum time between two request starts; zero when not slowed.
    pub spacing: Duration,
}

#[derive(Debug, Clone)]
struct Pace {
    spacing: Duration,
    next_start: DateTime<Utc>,
    paused_until: Option<DateTime<Utc>>,
    successes: u32,
}

pub struct PlatformLimiter {
    clock: Arc<dyn Clock>,
    paces: Mutex<HashMap<Platform, Pace>>,
}

fn later(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(by).ok().and_then(|by| at.checked_add_signed(by)).unwrap_or(at)
}

impl PlatformLimiter {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, paces: Mutex::new(HashMap::new()) }
    }

    fn with_pace<T>(&self, platform: &Platform, f: impl FnOnce(&mut Pace, DateTime<Utc>) -> T) -> T {
        let now = self.clock.now();
        // A panic while holding the lock leaves the paces consistent: every change is one assignment.
        let mut paces = self.paces.lock().unwrap_or_else(PoisonError::into_inner);
        let pace = paces.entry(platform.clone()).or_insert_with(|| Pace {
            spacing: Duration::ZERO,
            next_start: now,
            paused_until: None,
            successes: 0,
        });
        f(pace, now)
    }

    /// Waits for the platform's next request slot and takes it. Slots are handed out in the
    /// order they are asked for, each one spacing after the previous one.
    pub async fn acquire(&self, platform: &Platform, cancel: &CancellationToken) -> Result<(), Cancelled> {
        let (start, now) = self.with_pace(platform, |pace, now| {
            let start = now.max(pace.next_start).max(pace.paused_until.unwrap_or(now));
            pace.next_start = later(start, pace.spacing);
            (start, now)
        });
        if start <= now {
            return if cancel.is_cancelled() { Err(Cancelled) } else { Ok(()) };
        }
        tokio::select! {
            () = cancel.cancelled() => Err(Cancelled),
            () = self.clock.sleep_until(start) => Ok(()),
        }
    }

    /// The platform refused a request for its rate: slow it down for every run.
    pub fn rate_limited(&self, platform: &Platform, retry_after: Option<Duration>) {
        self.with_pace(platform, |pace, now| {
            pace.spacing = if pace.spacing.is_zero() { FIRST_SPACING } else { pace.spacing * 2 }.min(MAX_SPACING);
            let until = later(now, retry_after.unwrap_or(pace.spacing).min(MAX_PAUSE));
            let until = pace.paused_until.map_or(until, |already| already.max(until));
            pace.paused_until = Some(until);
            pace.next_start = pace.next_start.max(until);
            pace.successes = 0;
        });
    }

    /// A request went through: a slowed platform eases back after enough of these in a row.
    pub fn succeeded(&self, platform: &Platform) {
        self.with_pace(platform, |pace, _| {
            if pace.spacing.is_zero() {
                return;
            }
            pace.successes += 1;
            if pace.successes >= EASE_AFTER {
                pace.successes = 0;
                pace.spacing /= 2;
                if pace.spacing < FIRST_SPACING {
                    pace.spacing = Duration::ZERO;
                }
            }
        });
    }

    /// Every platform a run has asked about, sorted by name.
    pub fn paces(&self) -> Vec<PlatformPace> {
        let now = self.clock.now();
        let paces = self.paces.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out: Vec<PlatformPace> = paces
            .iter()
            .map(|(platform, pace)| {
                let paused_until = pace.paused_until.filter(|until| *until > now);
                PlatformPace {
                    platform: platform.clone(),
                    slowed: paused_until.is_some() || !pace.spacing.is_zero(),
                    paused_until,
                    spacing: pace.spacing,
                }
            })
            .collect();
        out.sort_by(|a, b| a.platform.cmp(&b.platform));
        out
    }

    /// Whether any platform is slowed now: what makes health say `degraded`.
    pub fn any_slowed(&self) -> bool {
        self.paces().iter().any(|pace| pace.slowed)
    }
}

#[cfg(test)]
#[path = "limiter_tests.rs"]
mod tests;
