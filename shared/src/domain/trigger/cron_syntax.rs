//! EventBridge's six-field cron syntax, checked to the rules AWS documents, and its translation
//! into croner's seven-field pattern (seconds and year added) for the search.

use super::field::{self, DAY_OF_MONTH, DAY_OF_WEEK, FieldSpec, HOURS, MINUTES, MONTH, YEAR};

/// A checked EventBridge cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CronSpec {
    minutes: Vec<u32>,
    hours: Vec<u32>,
    day_of_month: DayOfMonth,
    months: Vec<u32>,
    day_of_week: DayOfWeek,
    years: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfMonth {
    Unspecified,
    Days(Vec<u32>),
    Last,
    NearestWeekday(u32),
}

/// Weekdays in EventBridge numbering, 1 = SUN … 7 = SAT.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfWeek {
    Unspecified,
    Days(Vec<u32>),
    LastOfMonth(u32),
    Nth(u32, u32),
}

pub(super) const BOTH_DAYS_SET: &str = "day-of-month and day-of-week cannot both be set; use ? in one of them";

impl CronSpec {
    /// Parses the six fields between `cron(` and `)`. The error is the message only; the caller
    /// knows where the expression came from.
    pub(super) fn parse(text: &str) -> Result<CronSpec, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minutes, hours, dom, month, dow, year] = fields[..] else {
            let hint = if fields.len() == 7 { " (EventBridge has no seconds field)" } else { "" };
            return Err(format!(
                "a cron expression has exactly six fields (minutes hours day-of-month month \
                 day-of-week year), this one has {}{hint}",
                fields.len()
            ));
        };
        let day_of_month = parse_day_of_month(dom)?;
        let day_of_week = parse_day_of_week(dow)?;
        match (&day_of_month, &day_of_week) {
            (DayOfMonth::Unspecified, DayOfWeek::Unspecified) => {
                return Err("day-of-month and day-of-week cannot both be ?; set one of them \
                            (* for every day)"
                    .to_string());
            }
            (DayOfMonth::Unspecified, _) | (_, DayOfWeek::Unspecified) => {}
            _ => return Err(BOTH_DAYS_SET.to_string()),
        }
        Ok(CronSpec {
            minutes: plain(&MINUTES, minutes)?,
            hours: plain(&HOURS, hours)?,
            day_of_month,
            months: plain(&MONTH, month)?,
            day_of_week,
            years: plain(&YEAR, year)?,
        })
    }

    /// croner's pattern with seconds fixed at 0 and weekdays in Quartz numbering, which croner
    /// reads with `alternative_weekdays`. Everything is spelled out numerically so that croner's
    /// own name and `?` handling never comes into play.
    pub(super) fn croner_pattern(&self) -> String {
        let dom = match &self.day_of_month {
            DayOfMonth::Unspecified => "*".to_string(),
            DayOfMonth::Days(days) => or_star(&DAY_OF_MONTH, days),
            DayOfMonth::Last => "L".to_string(),
            DayOfMonth::NearestWeekday(day) => format!("{day}W"),
        };
        let dow = match &self.day_of_week {
            DayOfWeek::Unspecified => "*".to_string(),
            DayOfWeek::Days(days) => or_star(&DAY_OF_WEEK, days),
            DayOfWeek::LastOfMonth(day) => format!("{day}L"),
            DayOfWeek::Nth(day, nth) => format!("{day}#{nth}"),
        };
        format!(
            "0 {} {} {dom} {} {dow} {}",
            field::compress(&self.minutes),
            field::compress(&self.hours),
            field::compress(&self.months),
            field::compress(&self.years),
        )
    }
}

/// `*` for a full set: croner treats a `*` day field as "no restriction", which is what `?` means.
fn or_star(spec: &FieldSpec, values: &[u32]) -> String {
    if values.len() == (spec.max - spec.min + 1) as usize { "*".to_string() } else { field::compress(values) }
}

fn plain(spec: &FieldSpec, text: &str) -> Result<Vec<u32>, String> {
    if text.contains('?') {
        return Err(format!("{}: ? is only allowed in day-of-month and day-of-week", spec.label));
    }
    Ok(spec.values(&spec.list(text)?))
}

fn parse_day_of_month(text: &str) -> Result<DayOfMonth, String> {
    let upper = text.to_ascii_uppercase();
    if upper == "?" {
        return Ok(DayOfMonth::Unspecified);
    }
    if upper == "L" {
        return Ok(DayOfMonth::Last);
    }
    if let Some(day) = upper.strip_suffix('W') {
        return DAY_OF_MONTH
            .value(day)
            .map(DayOfMonth::NearestWeekday)
            .map_err(|_| format!("day-of-month: '{text}' is not valid; W follows one day, as in 15W"));
    }
    if upper.contains(['L', 'W', '?', '#']) {
        return Err(format!("day-of-month: '{text}' is not valid; L, nW and ? stand alone in the field"));
    }
    Ok(DayOfMonth::Days(DAY_OF_MONTH.values(&DAY_OF_MONTH.list(&upper)?)))
}

fn parse_day_of_week(text: &str) -> Result<DayOfWeek, String> {
    let upper = text.to_ascii_uppercase();
    if upper == "?" {
        return Ok(DayOfWeek::Unspecified);
    }
    // Quartz reads a lone L as the last day of the week.
    if upper == "L" {
        return Ok(DayOfWeek::Days(vec![7]));
    }
    if let Some((day, nth)) = upper.split_once('#') {
        if upper.contains(',') {
            return Err(format!("day-of-week: '{text}' is not valid; a # expression must be the only entry"));
        }
        let day = DAY_OF_WEEK.value(day)?;
        return match nth.parse::<u32>() {
            Ok(n) if (1..=5).contains(&n) && nth.bytes().all(|b| b.is_ascii_digit()) => Ok(DayOfWeek::Nth(day, n)),
            _ => Err(format!("day-of-week: '{text}' is not valid; the number after # is 1 to 5")),
        };
    }
    if let Some(day) = upper.strip_suffix('L')
        && !day.contains([',', '-', '/', '*'])
    {
        return DAY_OF_WEEK.value(day).map(DayOfWeek::LastOfMonth);
    }
    if upper.contains('/') {
        return Err(format!("day-of-week: '{text}' is not valid; EventBridge does not allow / in day-of-week"));
    }
    if upper.contains(['?', 'L', '#']) {
        return Err(format!("day-of-week: '{text}' is not valid; L, nL, n#k and ? stand alone in the field"));
    }
    Ok(DayOfWeek::Days(DAY_OF_WEEK.values(&DAY_OF_WEEK.list(&upper)?)))
}
