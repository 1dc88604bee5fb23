//! Seed 004's APScheduler-style cron fields (`{"hour": "9", "minute": "0"}`) rewritten as an
//! EventBridge cron expression.

use super::child;
use crate::domain::trigger::field::{self, FieldSpec, Item};
use crate::domain::trigger::{CronFields, TriggerError};

const MINUTE: FieldSpec = field::MINUTES.relabel("");
const HOUR: FieldSpec = field::HOURS.relabel("");
const DAY: FieldSpec = field::DAY_OF_MONTH.relabel("");
const MONTH: FieldSpec = field::MONTH.relabel("");
const YEAR: FieldSpec = field::YEAR.relabel("");
/// APScheduler numbers weekdays from 0 = mon to 6 = sun.
const DAY_OF_WEEK: FieldSpec =
    FieldSpec { label: "", min: 0, max: 6, names: &["mon", "tue", "wed", "thu", "fri", "sat", "sun"], name_base: 0 };
const EVENTBRIDGE_DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The day restriction of the APScheduler `day` field.
enum Day {
    Any,
    Items(Vec<Item>),
    Last,
    /// A weekday position: `2nd mon`, `last fri` (`None` for last). Weekday in EventBridge
    /// numbering.
    Position(Option<u32>, u32),
}

/// The six EventBridge fields for `fields` (whose `prefix` locates them in the request).
///
/// APScheduler fills the fields nobody gave like this: those finer than the finest given field
/// take their minimum (day_of_week stays `*`), the coarser ones `*`. So `{"hour": "9"}` is 09:00
/// every day.
pub(super) fn to_eventbridge(prefix: &str, fields: &CronFields) -> Result<String, TriggerError> {
    let given = [&fields.year, &fields.month, &fields.day, &fields.day_of_week, &fields.hour, &fields.minute];
    let Some(finest) = given.iter().rposition(|f| f.is_some()) else {
        return Err(TriggerError::new(prefix, "set at least one of minute, hour, day, month, day_of_week or year"));
    };
    let defaults = ["*", "1", "1", "*", "0", "0"];
    let value = |i: usize| -> &str {
        match given[i] {
            Some(v) => v.trim(),
            None if i > finest => defaults[i],
            None => "*",
        }
    };
    let at = |key: &str| child(prefix, key);
    let convert = |key: &str, spec: &FieldSpec, text: &str| -> Result<String, TriggerError> {
        let items = spec.list(text).map_err(|m| TriggerError::new(at(key), m))?;
        Ok(spec.render(&items))
    };

    let year = convert("year", &YEAR, value(0))?;
    let month = convert("month", &MONTH, value(1))?;
    let day = parse_day(value(2)).map_err(|m| TriggerError::new(at("day"), m))?;
    let weekdays = parse_day_of_week(value(3)).map_err(|m| TriggerError::new(at("day_of_week"), m))?;
    let hour = convert("hour", &HOUR, value(4))?;
    let minute = convert("minute", &MINUTE, value(5))?;

    let (dom, dow) = match (day, weekdays) {
        (Day::Any, None) => ("*".to_string(), "?".to_string()),
        (Day::Any, Some(days)) => ("?".to_string(), days),
        (Day::Items(items), None) => (DAY.render(&items), "?".to_string()),
        (Day::Last, None) => ("L".to_string(), "?".to_string()),
        (Day::Position(None, weekday), None) => ("?".to_string(), format!("{weekday}L")),
        (Day::Position(Some(nth), weekday), None) => ("?".to_string(), format!("{weekday}#{nth}")),
        (_, Some(_)) => {
            return Err(TriggerError::new(
                at("day_of_week"),
                "day and day_of_week cannot both be set; EventBridge cron cannot require a day \
                 of the month and a day of the week together",
            ));
        }
    };
    Ok(format!("{minute} {hour} {dom} {month} {dow} {year}"))
}

fn parse_day(text: &str) -> Result<Day, String> {
    let lower = text.to_ascii_lowercase();
    if lower == "*" {
        return Ok(Day::Any);
    }
    if lower == "last" {
        return Ok(Day::Last);
    }
    if let Some((position, weekday)) = lower.split_once(' ') {
        let nth = match position {
            "1st" => Some(1),
            "2nd" => Some(2),
            "3rd" => Some(3),
            "4th" => Some(4),
            "5th" => Some(5),
            "last" => None,
            _ => return Err(format!("'{text}' is not valid; use e.g. 2nd mon or last fri")),
        };
        let weekday = DAY_OF_WEEK.value(weekday.trim())?;
        return Ok(Day::Position(nth, to_eventbridge_weekday(weekday)));
    }
    if lower.contains(['l', ' ']) {
        return Err(format!("'{text}' is not valid; last, 2nd mon and last fri stand alone in the field"));
    }
    DAY.list(&lower).map(Day::Items)
}

/// `None` for every day of the week; otherwise EventBridge day names.
fn parse_day_of_week(text: &str) -> Result<Option<String>, String> {
    if text == "*" {
        return Ok(None);
    }
    let items = DAY_OF_WEEK.list(&text.to_ascii_lowercase())?;
    let mut days: Vec<u32> = DAY_OF_WEEK.values(&items).into_iter().map(to_eventbridge_weekday).collect();
    days.sort_unstable();
    if days.len() == 7 {
        return Ok(None);
    }
    // EventBridge numbers written as runs of names: 2..=6 is MON-FRI.
    let named = field::join_runs(&days, |day| eventbridge_day_name(day).to_string());
    Ok(Some(named))
}

/// APScheduler 0 = mon … 6 = sun to EventBridge 1 = SUN … 7 = SAT.
fn to_eventbridge_weekday(aps: u32) -> u32 {
    (aps + 1) % 7 + 1
}

fn eventbridge_day_name(day: u32) -> &'static str {
    let index = day.saturating_sub(1) as usize;
    EVENTBRIDGE_DAYS.get(index).copied().unwrap_or("SUN")
}
