//! When a job runs: one trigger model behind every seed's way of saying it (each route family
//! reads its own wire form into a [`Trigger`]), with the next fire time computed here because
//! EventBridge Scheduler does not report it.
//!
//! Cron follows EventBridge Scheduler: six fields with a year, `?` in exactly one of
//! day-of-month and day-of-week, weekdays 1 = SUN … 7 = SAT, and its daylight-saving rules (a
//! local time skipped by a spring-forward does not fire that day; one repeated by a fall-back
//! fires once, at its first occurrence).

mod cron;
mod cron_syntax;
mod date;
mod error;
mod expression;
pub mod field;
mod job_type;
mod render;

#[cfg(test)]
pub(crate) mod tests;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use cron::{CronFields, CronSchedule};
pub use date::{parse_date_time_in, parse_run_date, parse_timezone};
pub use error::TriggerError;
pub use expression::{cron_from_now, parse_expression};
pub use job_type::JobType;

/// The longest interval accepted: a hundred years, far past any real schedule and far inside
/// what date arithmetic can hold.
pub const MAX_INTERVAL_SECONDS: u64 = 100 * 366 * 86_400;

/// When a job fires. The serde form is the storage form, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    /// Once, at `run_at`.
    Date { run_at: DateTime<Utc> },
    /// At `anchor + k * every_seconds` for every k >= 1.
    Interval { every_seconds: u64, anchor: DateTime<Utc> },
    /// On an EventBridge cron expression in a time zone.
    Cron(CronSchedule),
    /// Once, right away: at `at`, the moment it was asked for.
    Now { at: DateTime<Utc> },
}

impl Trigger {
    /// The same trigger with its instants cut to whole milliseconds, the precision stores keep.
    pub fn at_millisecond_precision(self) -> Self {
        use chrono::DurationRound;
        let cut = |at: DateTime<Utc>| at.duration_trunc(chrono::Duration::milliseconds(1)).unwrap_or(at);
        match self {
            Self::Date { run_at } => Self::Date { run_at: cut(run_at) },
            Self::Interval { every_seconds, anchor } => Self::Interval { every_seconds, anchor: cut(anchor) },
            Self::Now { at } => Self::Now { at: cut(at) },
            cron @ Self::Cron(_) => cron,
        }
    }

    pub fn now(now: DateTime<Utc>) -> Trigger {
        Trigger::Now { at: now }
    }

    pub fn date(run_at: DateTime<Utc>) -> Trigger {
        Trigger::Date { run_at }
    }

    /// The first fire time strictly after `after`; `None` when it never fires again.
    pub fn next_fire_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Trigger::Date { run_at } | Trigger::Now { at: run_at } => (*run_at > after).then_some(*run_at),
            Trigger::Interval { every_seconds, anchor } => next_interval(*every_seconds, *anchor, after),
            Trigger::Cron(schedule) => schedule.next_after(after),
        }
    }

    /// The fire time a new job is given. One-off triggers keep their time even when it has
    /// passed (the scheduler's misfire rules decide about those); the others fire after `now`.
    pub fn first_fire(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Trigger::Date { run_at } | Trigger::Now { at: run_at } => Some(*run_at),
            Trigger::Interval { .. } | Trigger::Cron(_) => self.next_fire_after(now),
        }
    }

    /// A `now` trigger is a one-off, so it is a `date` job.
    pub fn job_type(&self) -> JobType {
        match self {
            Trigger::Date { .. } | Trigger::Now { .. } => JobType::Date,
            Trigger::Interval { .. } => JobType::Interval,
            Trigger::Cron(_) => JobType::Cron,
        }
    }

    pub fn is_one_off(&self) -> bool {
        self.job_type() == JobType::Date
    }

    /// The zone the trigger is evaluated in; only cron has one other than UTC.
    pub fn timezone(&self) -> Tz {
        match self {
            Trigger::Cron(schedule) => schedule.timezone(),
            _ => Tz::UTC,
        }
    }
}

/// Seed 002's `interval_minutes`: an interval counted from `now`.
pub fn from_interval_minutes(field: &str, minutes: i64, now: DateTime<Utc>) -> Result<Trigger, TriggerError> {
    let every_seconds = u64::try_from(minutes)
        .ok()
        .filter(|m| *m >= 1)
        .ok_or_else(|| TriggerError::new(field, "must be at least 1 minute"))?
        .checked_mul(60)
        .filter(|s| *s <= MAX_INTERVAL_SECONDS)
        .ok_or_else(|| TriggerError::new(field, format!("must be at most {} minutes", MAX_INTERVAL_SECONDS / 60)))?;
    Ok(Trigger::Interval { every_seconds, anchor: now })
}

fn next_interval(every_seconds: u64, anchor: DateTime<Utc>, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let every = i64::try_from(every_seconds).ok().filter(|s| *s > 0)?;
    let since_anchor = after.signed_duration_since(anchor);
    // Whole periods elapsed; a fraction of a second past a fire time still counts that period.
    let k = if since_anchor < TimeDelta::zero() { 1 } else { since_anchor.num_seconds() / every + 1 };
    let offset = TimeDelta::try_seconds(k.checked_mul(every)?)?;
    anchor.checked_add_signed(offset)
}
