//! Seed 004's `scheduleConfig` object: each of the forms clients send read into a [`Trigger`],
//! and the trigger shown back in it.

mod apscheduler_cron;
#[cfg(test)]
mod tests;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use crate::domain::trigger::{
    CronFields, CronSchedule, JobType, MAX_INTERVAL_SECONDS, Trigger, TriggerError, cron_from_now, parse_date_time_in,
    parse_expression, parse_timezone,
};

pub(super) use view::{changed_schedule_config, schedule_config_view};

const ROOT: &str = "scheduleConfig";

const INTERVAL_KEYS: &[&str] = &["weeks", "days", "hours", "minutes", "seconds", "timezone"];
const CRON_KEYS: &[&str] = &["minute", "hour", "day", "month", "day_of_week", "year", "timezone"];
const DATE_KEYS: &[&str] = &["run_date", "timezone"];
const EXPRESSION_KEYS: &[&str] = &["expression", "timezone"];

/// Reads `scheduleConfig` for a job of `job_type`:
/// - interval: `{weeks, days, hours, minutes, seconds}`, each a whole number, missing ones 0;
/// - cron: APScheduler-style `{minute, hour, day, month, day_of_week, year}`;
/// - date: `{run_date}`;
/// - any type: `{expression: "at(…)" | "rate(…)" | "cron(…)"}` agreeing with `job_type`.
///
/// `timezone` (IANA, default UTC) may come with each; intervals ignore it. Intervals and
/// `rate()` count from `now`.
pub(super) fn from_schedule_config(
    job_type: JobType,
    config: &Value,
    now: DateTime<Utc>,
) -> Result<Trigger, TriggerError> {
    let Some(map) = config.as_object() else {
        return Err(TriggerError::new(ROOT, "must be an object"));
    };
    if map.contains_key("expression") {
        if map.keys().all(|k| EXPRESSION_KEYS.contains(&k.as_str())) {
            return from_expression(job_type, map, now);
        }
        return from_both_forms(job_type, map, now);
    }
    if job_type == JobType::Cron && map.contains_key("second") {
        return Err(TriggerError::new(
            child(ROOT, "second"),
            "cron schedules run at whole minutes; use an interval job for seconds",
        ));
    }
    let allowed = match job_type {
        JobType::Interval => INTERVAL_KEYS,
        JobType::Cron => CRON_KEYS,
        JobType::Date => DATE_KEYS,
    };
    check_keys(map, allowed)?;
    let zone = match string(map, "timezone")? {
        Some(name) => parse_timezone(&child(ROOT, "timezone"), &name)?,
        None => Tz::UTC,
    };
    match job_type {
        JobType::Interval => interval(map, now),
        JobType::Cron => cron(map, zone, now),
        JobType::Date => {
            let field = child(ROOT, "run_date");
            let run_date = string(map, "run_date")?.ok_or_else(|| TriggerError::new(&field, "is required"))?;
            let run_at = parse_date_time_in(&field, &run_date, zone)?;
            Ok(Trigger::Date { run_at })
        }
    }
}

/// A job's own view carries the expression beside the fields it came from; a client that sends
/// that view back (to copy a job, say) gets the same trigger, as long as the two agree.
fn from_both_forms(job_type: JobType, map: &Map<String, Value>, now: DateTime<Utc>) -> Result<Trigger, TriggerError> {
    let mut fields = map.clone();
    fields.remove("expression");
    let from_fields = from_schedule_config(job_type, &Value::Object(fields), now)?;
    let only_expression: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| EXPRESSION_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let from_expression = from_expression(job_type, &only_expression, now)?;
    let agree = from_fields.expression() == from_expression.expression()
        && from_fields.timezone() == from_expression.timezone();
    if !agree {
        return Err(TriggerError::new(
            child(ROOT, "expression"),
            format!("disagrees with the other fields, which make {}; send one or the other", from_fields.expression()),
        ));
    }
    Ok(from_fields)
}

fn from_expression(job_type: JobType, map: &Map<String, Value>, now: DateTime<Utc>) -> Result<Trigger, TriggerError> {
    let field = child(ROOT, "expression");
    let Some(Value::String(expr)) = map.get("expression") else {
        return Err(TriggerError::new(field, "must be a string"));
    };
    let zone = string(map, "timezone")?;
    let trigger = parse_expression(&field, expr, zone.as_deref(), now)?;
    if trigger.job_type() != job_type {
        let wanted = match job_type {
            JobType::Interval => "rate(…)",
            JobType::Cron => "cron(…)",
            JobType::Date => "at(…)",
        };
        return Err(TriggerError::new(
            field,
            format!(
                "this expression makes {} {} job but the job type is {}; use {wanted}",
                if trigger.job_type() == JobType::Interval { "an" } else { "a" },
                trigger.job_type().name(),
                job_type.name()
            ),
        ));
    }
    Ok(trigger)
}

fn interval(map: &Map<String, Value>, now: DateTime<Utc>) -> Result<Trigger, TriggerError> {
    let units = [("weeks", 604_800u64), ("days", 86_400), ("hours", 3_600), ("minutes", 60), ("seconds", 1)];
    let too_long = || TriggerError::new(ROOT, format!("the interval must be at most {MAX_INTERVAL_SECONDS} seconds"));
    let mut total: u64 = 0;
    for (key, seconds) in units {
        let count = match map.get(key) {
            None | Some(Value::Null) => 0,
            Some(value) => {
                value.as_u64().ok_or_else(|| TriggerError::new(child(ROOT, key), "must be a non-negative integer"))?
            }
        };
        total = count.checked_mul(seconds).and_then(|s| total.checked_add(s)).ok_or_else(too_long)?;
    }
    if total == 0 {
        return Err(TriggerError::new(ROOT, "the interval must be longer than zero; set hours, minutes or seconds"));
    }
    if total > MAX_INTERVAL_SECONDS {
        return Err(too_long());
    }
    Ok(Trigger::Interval { every_seconds: total, anchor: now })
}

fn cron(map: &Map<String, Value>, zone: Tz, now: DateTime<Utc>) -> Result<Trigger, TriggerError> {
    let fields = CronFields {
        minute: cron_value(map, "minute")?,
        hour: cron_value(map, "hour")?,
        day: cron_value(map, "day")?,
        month: cron_value(map, "month")?,
        day_of_week: cron_value(map, "day_of_week")?,
        year: cron_value(map, "year")?,
    };
    let expression = apscheduler_cron::to_eventbridge(ROOT, &fields)?;
    let schedule = CronSchedule::parse(ROOT, &expression, zone)?.with_fields(fields);
    cron_from_now(ROOT, schedule, now)
}

/// A cron field as text; APScheduler takes numbers there too.
fn cron_value(map: &Map<String, Value>, key: &str) -> Result<Option<String>, TriggerError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
        Some(_) => Err(TriggerError::new(child(ROOT, key), "must be a string or a non-negative integer")),
    }
}

fn string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, TriggerError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(TriggerError::new(child(ROOT, key), "must be a string")),
    }
}

fn check_keys(map: &Map<String, Value>, allowed: &[&str]) -> Result<(), TriggerError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => {
            Err(TriggerError::new(child(ROOT, key), format!("unknown key '{key}'; expected {}", allowed.join(", "))))
        }
    }
}

/// The location of `key` inside the object at `field`.
fn child(field: &str, key: &str) -> String {
    if field.is_empty() { key.to_string() } else { format!("{field}.{key}") }
}

/// The job type a `scheduleConfig` can only mean, for clients that leave `jobTypeId` out.
pub(super) fn infer_job_type(config: &Value) -> Option<JobType> {
    let map = config.as_object()?;
    if let Some(Value::String(expression)) = map.get("expression") {
        let expression = expression.trim_start();
        return [("at(", JobType::Date), ("rate(", JobType::Interval), ("cron(", JobType::Cron)]
            .into_iter()
            .find(|(prefix, _)| expression.starts_with(prefix))
            .map(|(_, job_type)| job_type);
    }
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    let candidates = [
        (has(&["run_date"]), JobType::Date),
        (has(&["weeks", "days", "hours", "minutes", "seconds"]), JobType::Interval),
        (has(&["minute", "hour", "day", "month", "day_of_week", "year"]), JobType::Cron),
    ];
    let mut matching = candidates.into_iter().filter(|(hit, _)| *hit);
    match (matching.next(), matching.next()) {
        (Some((_, job_type)), None) => Some(job_type),
        _ => None,
    }
}
