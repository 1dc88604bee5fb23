//! A cron trigger: EventBridge's six-field expression in an IANA time zone, and its fire times.

use chrono::{DateTime, Datelike, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde::{Deserialize, Serialize};

use super::TriggerError;
use super::cron_syntax::CronSpec;

/// The fields a cron trigger was written as, one text per field (minute, hour, …), when a client
/// gave them apart rather than as one expression; kept so that the job reads back the way it
/// was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CronFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<String>,
}

/// A checked EventBridge cron expression (the six fields, without `cron(…)`) and its time zone.
///
/// Fire times follow EventBridge Scheduler's wall-clock rules: a local time that a spring-forward
/// skips does not fire that day, and a local time that a fall-back repeats fires once, at its
/// first occurrence.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredCron", into = "StoredCron")]
pub struct CronSchedule {
    expression: String,
    timezone: Tz,
    fields: Option<CronFields>,
    // Boxed to keep `Trigger` small: croner's pattern is several hundred bytes.
    compiled: Box<Cron>,
}

/// The storage form: the compiled pattern is rebuilt on load, so only the source is kept.
#[derive(Serialize, Deserialize)]
struct StoredCron {
    expression: String,
    timezone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fields: Option<CronFields>,
}

/// Bounds the skipping of local times that do not exist. The worst real case (every minute of
/// an hour that a spring-forward removes, each year up to 2199) stays far below it.
const MAX_SKIPS: usize = 100_000;

/// EventBridge's year field stops here, so no fire time can lie beyond it.
const LAST_YEAR: i32 = 2199;

impl CronSchedule {
    /// Checks the six fields of an EventBridge cron expression (`0 9 ? * MON *`).
    pub fn parse(field: &str, expression: &str, timezone: Tz) -> Result<CronSchedule, TriggerError> {
        let spec = CronSpec::parse(expression).map_err(|m| TriggerError::new(field, m))?;
        let compiled = CronParser::builder()
            .seconds(Seconds::Required)
            .year(Year::Required)
            .alternative_weekdays(true)
            .build()
            .parse(&spec.croner_pattern())
            .map_err(|e| TriggerError::new(field, format!("cannot evaluate this cron: {e}")))?;
        let expression = expression.split_whitespace().map(str::to_ascii_uppercase).collect::<Vec<_>>().join(" ");
        Ok(CronSchedule { expression, timezone, fields: None, compiled: Box::new(compiled) })
    }

    pub fn with_fields(mut self, fields: CronFields) -> CronSchedule {
        self.fields = Some(fields);
        self
    }

    /// The six fields, upper-cased and single-spaced, without `cron(…)`.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// The fields apart, when the schedule was created from them.
    pub fn fields(&self) -> Option<&CronFields> {
        self.fields.as_ref()
    }

    /// The first fire time strictly after `after`, or `None` when there is none up to 2199.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if after.year() > LAST_YEAR {
            return None;
        }
        // Nothing fires before 1970 (local), so a much earlier `after` can start the search two
        // days before it; that also keeps local-time conversion clear of chrono's lower limit.
        let after = after.max(DateTime::from_timestamp(-2 * 86_400, 0)?);
        // The search runs over local wall-clock times (croner on a zone without offsets), and
        // each candidate is then placed in the real zone; that keeps the DST rules in one spot.
        let local = after.with_timezone(&self.timezone).naive_local();
        let mut cursor = Utc.from_utc_datetime(&local.with_nanosecond(0)?);
        for _ in 0..MAX_SKIPS {
            let wall = self.compiled.find_next_occurrence(&cursor, false).ok()?;
            if let Some(fire) = self.instant(wall.naive_utc()).filter(|f| *f > after) {
                return Some(fire);
            }
            cursor = wall;
        }
        None
    }

    /// The instant of a local time: none in a spring-forward gap, the earlier of two in a
    /// fall-back overlap (the later one is the repeat EventBridge does not run).
    fn instant(&self, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.timezone.from_local_datetime(&wall) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
            LocalResult::None => None,
        }
    }
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression && self.timezone == other.timezone && self.fields == other.fields
    }
}

impl TryFrom<StoredCron> for CronSchedule {
    type Error = TriggerError;

    fn try_from(stored: StoredCron) -> Result<Self, Self::Error> {
        let timezone = super::date::parse_timezone("timezone", &stored.timezone)?;
        let schedule = CronSchedule::parse("expression", &stored.expression, timezone)?;
        Ok(match stored.fields {
            Some(fields) => schedule.with_fields(fields),
            None => schedule,
        })
    }
}

impl From<CronSchedule> for StoredCron {
    fn from(schedule: CronSchedule) -> Self {
        StoredCron {
            expression: schedule.expression,
            timezone: schedule.timezone.name().to_string(),
            fields: schedule.fields,
        }
    }
}
