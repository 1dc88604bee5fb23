//! The ways a trigger is shown: schedule expressions, APScheduler's `str(trigger)` and seed
//! 004's `scheduleConfig`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

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

    /// APScheduler's text for the trigger, as seed 001 shows it: `date[2024-12-31 23:59:59 UTC]`,
    /// `interval[1:00:00]`, and for cron `cron[cron(0 9 ? * MON *) Europe/Berlin]`.
    pub fn describe(&self) -> String {
        match self {
            Trigger::Date { run_at } | Trigger::Now { at: run_at } => {
                format!("date[{}]", run_at.format("%Y-%m-%d %H:%M:%S UTC"))
            }
            Trigger::Interval { every_seconds, .. } => {
                format!("interval[{}]", python_timedelta(*every_seconds))
            }
            Trigger::Cron(schedule) => format!("cron[{} {}]", self.expression(), schedule.timezone().name()),
        }
    }

    /// Seed 004's `scheduleConfig` view. Interval: `{hours, minutes, seconds}` normalised
    /// (hours may exceed 24, as seed 004's daily example has it). Cron: `{expression, timezone}`
    /// plus the APScheduler fields it was created from. Date: `{run_date, expression}`.
    pub fn schedule_config(&self) -> Value {
        match self {
            Trigger::Date { run_at } | Trigger::Now { at: run_at } => json!({
                "run_date": run_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                "expression": self.expression(),
            }),
            Trigger::Interval { every_seconds, .. } => json!({
                "hours": every_seconds / 3_600,
                "minutes": every_seconds % 3_600 / 60,
                "seconds": every_seconds % 60,
            }),
            Trigger::Cron(schedule) => {
                let mut map = Map::new();
                if let Some(fields) = schedule.fields()
                    && let Ok(Value::Object(source)) = serde_json::to_value(fields)
                {
                    map.extend(source);
                }
                map.insert("expression".into(), Value::String(self.expression()));
                map.insert("timezone".into(), Value::String(schedule.timezone().name().to_string()));
                Value::Object(map)
            }
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

/// Python's `str(timedelta)`: `1:00:00`, `0:00:30`, `1 day, 2:03:04`, `2 days, 0:00:00`.
fn python_timedelta(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let clock = format!("{}:{:02}:{:02}", rest / 3_600, rest % 3_600 / 60, rest % 60);
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        _ => format!("{days} days, {clock}"),
    }
}
