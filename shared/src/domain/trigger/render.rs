//! A trigger as a schedule expression, the form EventBridge Scheduler takes and every family
//! shows beside its own.

use chrono::{DateTime, Utc};

use super::Trigger;

impl Trigger {
    /// The schedule expression: `at(2025-01-01T02:00:00)` (UTC), `rate(5 minutes)`,
    /// `rate(30 seconds)`, `cron(0 9 ? * MON *)`.
    pub fn expression(&self) -> String {
        match self {
            Trigger::Date { run_at } | Trigger::Now { at: run_at } => at(*run_at),
            Trigger::Interval { every_seconds, .. } => rate(*every_seconds),
            Trigger::Cron(schedule) => format!("cron({})", schedule.expression()),
        }
    }

    /// The expression EventBridge Scheduler takes, or `None` when it cannot express the trigger
    /// (an interval that is not a whole number of minutes). `at()` drops fractions of a second.
    pub fn eventbridge_expression(&self) -> Option<String> {
        match self {
            Trigger::Interval { every_seconds, .. } if !every_seconds.is_multiple_of(60) => None,
            _ => Some(self.expression()),
        }
    }
}

fn at(time: DateTime<Utc>) -> String {
    format!("at({})", time.format("%Y-%m-%dT%H:%M:%S"))
}

/// The largest unit that divides the interval, singular for 1 as EventBridge requires.
fn rate(seconds: u64) -> String {
    let (value, unit) = [(86_400, "day"), (3_600, "hour"), (60, "minute")]
        .into_iter()
        .find(|(size, _)| seconds.is_multiple_of(*size))
        .map_or((seconds, "second"), |(size, unit)| (seconds / size, unit));
    let plural = if value == 1 { "" } else { "s" };
    format!("rate({value} {unit}{plural})")
}
