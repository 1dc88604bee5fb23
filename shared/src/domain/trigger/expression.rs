//! EventBridge schedule expressions: `at(…)`, `rate(…)` and `cron(…)`.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;

use super::cron::CronSchedule;
use super::date::{local_to_utc, parse_timezone};
use super::error::sibling;
use super::{Trigger, TriggerError};

/// Parses an EventBridge schedule expression. `at()` is local time in `timezone` (UTC when
/// absent), `cron()` is evaluated in it, and `rate()` counts from `now`. Seconds are accepted in
/// `rate()` because the local scheduler runs them; EventBridge itself cannot.
pub fn parse_expression(
    field: &str,
    expr: &str,
    timezone: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Trigger, TriggerError> {
    let zone = match timezone {
        Some(name) => parse_timezone(&sibling(field, "timezone"), name)?,
        None => Tz::UTC,
    };
    let expr = expr.trim();
    if let Some(body) = call_body(expr, "at") {
        return parse_at(field, body, zone).map(|run_at| Trigger::Date { run_at });
    }
    if let Some(body) = call_body(expr, "rate") {
        let every_seconds = parse_rate(field, body)?;
        return Ok(Trigger::Interval { every_seconds, anchor: now });
    }
    if let Some(body) = call_body(expr, "cron") {
        return cron_from_now(field, CronSchedule::parse(field, body, zone)?, now);
    }
    Err(TriggerError::new(
        field,
        format!(
            "'{expr}' is not a schedule expression; use at(2025-01-01T09:00:00), \
             rate(5 minutes) or cron(0 9 ? * MON *)"
        ),
    ))
}

/// A cron trigger, refused when it can no longer fire.
pub fn cron_from_now(field: &str, schedule: CronSchedule, now: DateTime<Utc>) -> Result<Trigger, TriggerError> {
    if schedule.next_after(now).is_none() {
        return Err(TriggerError::new(
            field,
            format!("cron({}) never fires after {}", schedule.expression(), now.format("%Y-%m-%dT%H:%M:%SZ")),
        ));
    }
    Ok(Trigger::Cron(schedule))
}

/// The text between `name(` and the closing `)`, the name in any case.
fn call_body<'a>(expr: &'a str, name: &str) -> Option<&'a str> {
    let head = expr.get(..name.len() + 1)?;
    // Checked: a multi-byte character may straddle the end of the name (`rat\u{786}`).
    let (word, paren) = head.split_at_checked(name.len())?;
    if !word.eq_ignore_ascii_case(name) || paren != "(" {
        return None;
    }
    expr.get(name.len() + 1..)?.strip_suffix(')').map(str::trim)
}

fn parse_at(field: &str, body: &str, zone: Tz) -> Result<DateTime<Utc>, TriggerError> {
    // chrono reads `23:59:60` as a leap second, which EventBridge refuses and `at()` cannot show.
    let naive = NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S")
        .ok()
        // A year as four digits, which is how at() shows it: chrono also reads `-016` or `+999`.
        .filter(|naive| body.len() == 19 && naive.nanosecond() == 0 && body.bytes().take(4).all(|b| b.is_ascii_digit()))
        .ok_or_else(|| TriggerError::new(field, format!("at({body}) needs a local time as yyyy-mm-ddThh:mm:ss")))?;
    local_to_utc(field, naive, zone)
}

/// The interval of `rate(value unit)` in seconds.
fn parse_rate(field: &str, body: &str) -> Result<u64, TriggerError> {
    let bad = |why: &str| TriggerError::new(field, format!("rate({body}) {why}"));
    let mut words = body.split_whitespace();
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err(bad("needs a value and a unit, as in rate(5 minutes)"));
    };
    let value: u64 = match value.parse() {
        Ok(v) if v >= 1 && value.bytes().all(|b| b.is_ascii_digit()) => v,
        _ => return Err(bad("needs a whole number of at least 1")),
    };
    let unit_seconds: u64 = match unit.to_ascii_lowercase().as_str() {
        "second" | "seconds" => 1,
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3_600,
        "day" | "days" => 86_400,
        _ => return Err(bad("has an unknown unit; use minutes, hours, days or seconds")),
    };
    value.checked_mul(unit_seconds).filter(|s| *s <= super::MAX_INTERVAL_SECONDS).ok_or_else(|| bad("is too long"))
}
