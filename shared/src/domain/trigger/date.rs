//! Dates, local times and time zones as the seeds write them.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::TriggerError;

const RUN_DATE_HINT: &str = "must be an ISO 8601 date-time such as 2024-12-31T23:59:59 \
                             (no offset means UTC) or 2024-12-31T23:59:59+02:00";

/// An IANA time zone name such as `Europe/Berlin`.
pub fn parse_timezone(field: &str, name: &str) -> Result<Tz, TriggerError> {
    name.parse::<Tz>().map_err(|_| {
        TriggerError::new(field, format!("unknown time zone '{name}'; use an IANA name such as Europe/Berlin or UTC"))
    })
}

/// Seed 001's `run_date`: ISO 8601 / RFC 3339. Without an offset the time is UTC; a date alone
/// is midnight UTC.
pub fn parse_run_date(field: &str, s: &str) -> Result<DateTime<Utc>, TriggerError> {
    parse_date_time_in(field, s, Tz::UTC)
}

/// Like [`parse_run_date`], but a time without an offset is local time in `zone`.
pub fn parse_date_time_in(field: &str, s: &str, zone: Tz) -> Result<DateTime<Utc>, TriggerError> {
    let bad = || TriggerError::new(field, format!("'{s}' {RUN_DATE_HINT}"));
    let s = s.trim();
    let (local, offset) = split_offset(s).ok_or_else(bad)?;
    let naive = parse_naive(local).ok_or_else(bad)?;
    match offset {
        Some(offset) => offset.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc)).ok_or_else(bad),
        None => local_to_utc(field, naive, zone),
    }
}

/// A wall-clock time in `zone` as an instant. Of the two instants a fall-back gives, the first
/// is taken, as EventBridge does; a time a spring-forward skips is refused.
pub(super) fn local_to_utc(field: &str, naive: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, TriggerError> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(TriggerError::new(
            field,
            format!(
                "{} does not exist in {} (the clocks skip it for daylight saving time)",
                naive.format("%Y-%m-%dT%H:%M:%S"),
                zone.name()
            ),
        )),
    }
}

/// Splits a trailing `Z` or `±hh:mm` / `±hhmm` / `±hh` off the time part.
fn split_offset(s: &str) -> Option<(&str, Option<FixedOffset>)> {
    if let Some(local) = s.strip_suffix(['Z', 'z']) {
        return Some((local, FixedOffset::east_opt(0)));
    }
    // A date has dashes too; an offset can only follow the time, past the 10 date characters.
    let Some(sign_at) = s.rfind(['+', '-']).filter(|&i| i > 10) else {
        return Some((s, None));
    };
    let (local, offset) = s.split_at(sign_at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset.get(1..)?.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i32 = digits.get(0..2)?.parse().ok()?;
    let minutes: i32 = digits.get(2..).filter(|m| !m.is_empty()).map_or(Ok(0), str::parse).ok()?;
    if minutes >= 60 {
        return None;
    }
    let offset = FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?;
    Some((local, Some(offset)))
}

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    // chrono's %Y takes signs and more than four digits; the seeds' dates never have them.
    let date_part = s.get(0..10)?;
    if !date_part.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() }) {
        return None;
    }
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0);
    }
    let normalized = s.replacen(' ', "T", 1);
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(&normalized, format).ok())
        // chrono takes a 60th second as a leap second, kept in the nanoseconds: it would be stored
        // as one instant and shown as another, as `at()` refuses it for the same reason.
        .filter(|t| t.nanosecond() < 1_000_000_000)
}
