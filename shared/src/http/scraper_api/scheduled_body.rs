//! The scheduled jobs' bodies and query as the seed writes them, read into the use case's terms.
//! Types are checked by serde (a 422 naming the field); the rest here, every problem at once.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::error::{INVALID, MISSING, NOT_A_BOOLEAN, NOT_A_CHOICE, TOO_BIG, TOO_SMALL};
use crate::app::{IntervalError, IntervalMinutes, NewScheduledScrape, ScheduledScrapeChange};
use crate::domain::task::{SCRAPE_LIMITS, ScrapeFields, ScrapeTask, TaskArgError};
use crate::domain::video::ScrapeMode;
use crate::http::detail::{DetailError, LocPart, ValidationItem};

/// As long as seed 004's job names may be.
const NAME_MAX_CHARS: usize = 255;

/// `POST /scheduled-jobs`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "Daily Scrape - @khaby.lame", "mode": "profile", "value": "khaby.lame", "limit": 50,
    "no_watermark": true, "interval_minutes": 1440, "enabled": true
}))]
pub struct ScheduledJobCreate {
    #[schema(min_length = 1, max_length = 255)]
    pub name: Option<String>,
    /// `profile` or `hashtag`.
    #[schema(pattern = "^(profile|hashtag)$")]
    pub mode: Option<String>,
    /// The username (without `@`) or hashtag (without `#`).
    pub value: Option<String>,
    /// Videos per run, 1 to 200; default 50.
    #[schema(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Default true.
    pub no_watermark: Option<bool>,
    /// Minutes between runs, at least 5.
    #[schema(minimum = 5)]
    pub interval_minutes: Option<i64>,
    /// Default true.
    pub enabled: Option<bool>,
}

/// `PATCH /scheduled-jobs/{job_id}`: the create body's fields, each optional; what is left out
/// keeps its value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"interval_minutes": 60, "limit": 20}))]
pub struct ScheduledJobPatch {
    #[schema(min_length = 1, max_length = 255)]
    pub name: Option<String>,
    #[schema(pattern = "^(profile|hashtag)$")]
    pub mode: Option<String>,
    pub value: Option<String>,
    #[schema(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub no_watermark: Option<bool>,
    #[schema(minimum = 5)]
    pub interval_minutes: Option<i64>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduledJobListQuery {
    /// `true` lists the enabled scheduled jobs only, `false` the disabled ones.
    #[param(value_type = Option<bool>)]
    pub enabled: Option<String>,
}

/// Every problem of one body, at the field the client sent.
#[derive(Debug, Default)]
pub(super) struct BodyProblems(Vec<ValidationItem>);

impl BodyProblems {
    fn at(&mut self, field: &str, msg: impl Into<String>, kind: &str) {
        self.0.push(ValidationItem::new(vec![LocPart::from("body"), LocPart::from(field)], msg, kind));
    }

    fn task(&mut self, err: TaskArgError) {
        let kind = if err.message == "field required" { MISSING } else { INVALID };
        self.at(&err.field, err.message, kind);
    }

    fn into_result<T>(self, value: Option<T>) -> Result<T, DetailError> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(DetailError::validation(self.0)),
        }
    }
}

impl ScheduledJobCreate {
    pub(super) fn read(self) -> Result<NewScheduledScrape, DetailError> {
        let mut problems = BodyProblems::default();
        let name = required(&mut problems, "name", self.name).and_then(|n| name(&mut problems, &n));
        let mode = required(&mut problems, "mode", self.mode).and_then(|m| mode(&mut problems, &m));
        let value = required(&mut problems, "value", self.value);
        let limit = self.limit.and_then(|l| limit(&mut problems, l));
        let every =
            required(&mut problems, "interval_minutes", self.interval_minutes).and_then(|m| interval(&mut problems, m));
        let task = match (mode, value) {
            (Some(mode), Some(value)) if problems.0.is_empty() => {
                let fields = ScrapeFields {
                    mode: Some(mode),
                    value,
                    limit,
                    no_watermark: self.no_watermark,
                    ..ScrapeFields::default()
                };
                ScrapeTask::try_from(fields).map_err(|err| problems.task(err)).ok()
            }
            _ => None,
        };
        let new = match (name, task, every) {
            (Some(name), Some(task), Some(every)) => {
                Some(NewScheduledScrape { name, task, every, enabled: self.enabled.unwrap_or(true) })
            }
            _ => None,
        };
        problems.into_result(new)
    }
}

impl ScheduledJobPatch {
    /// The change asked for; whether the scrape it leaves can run is judged against the job.
    pub(super) fn read(self) -> Result<ScheduledScrapeChange, DetailError> {
        let mut problems = BodyProblems::default();
        let change = ScheduledScrapeChange {
            name: self.name.and_then(|n| name(&mut problems, &n)),
            mode: self.mode.and_then(|m| mode(&mut problems, &m)),
            value: self.value,
            limit: self.limit.and_then(|l| limit(&mut problems, l)),
            no_watermark: self.no_watermark,
            every: self.interval_minutes.and_then(|m| interval(&mut problems, m)),
            enabled: self.enabled,
        };
        problems.into_result(Some(change))
    }
}

/// The use case's refusal of a changed scrape, where the client sent it.
pub(super) fn task_problem(err: TaskArgError) -> DetailError {
    let mut problems = BodyProblems::default();
    problems.task(err);
    DetailError::validation(problems.0)
}

/// `?enabled=`: what pydantic reads as a boolean; empty filters nothing.
pub(super) fn enabled_filter(raw: Option<&str>) -> Result<Option<bool>, DetailError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else { return Ok(None) };
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(Some(true)),
        "false" | "0" | "no" | "off" => Ok(Some(false)),
        _ => Err(DetailError::validation(vec![ValidationItem::new(
            vec![LocPart::from("query"), LocPart::from("enabled")],
            "value could not be parsed to a boolean",
            NOT_A_BOOLEAN,
        )])),
    }
}

fn required<T>(problems: &mut BodyProblems, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        problems.at(field, "field required", MISSING);
    }
    value
}

fn name(problems: &mut BodyProblems, raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        problems.at("name", "ensure this value has at least 1 characters", "value_error.any_str.min_length");
        None
    } else if trimmed.chars().count() > NAME_MAX_CHARS {
        let msg = format!("ensure this value has at most {NAME_MAX_CHARS} characters");
        problems.at("name", msg, "value_error.any_str.max_length");
        None
    } else {
        Some(trimmed.to_owned())
    }
}

fn mode(problems: &mut BodyProblems, raw: &str) -> Option<ScrapeMode> {
    let mode = ScrapeMode::parse(raw);
    if mode.is_none() {
        problems.at("mode", "value is not a valid enumeration member; permitted: 'profile', 'hashtag'", NOT_A_CHOICE);
    }
    mode
}

fn limit(problems: &mut BodyProblems, raw: i64) -> Option<u32> {
    let (low, high) = (i64::from(*SCRAPE_LIMITS.start()), i64::from(*SCRAPE_LIMITS.end()));
    if raw < low {
        problems.at("limit", format!("ensure this value is greater than or equal to {low}"), TOO_SMALL);
        None
    } else if raw > high {
        problems.at("limit", format!("ensure this value is less than or equal to {high}"), TOO_BIG);
        None
    } else {
        u32::try_from(raw).ok()
    }
}

fn interval(problems: &mut BodyProblems, raw: i64) -> Option<IntervalMinutes> {
    IntervalMinutes::parse(raw)
        .map_err(|err| {
            let kind = match err {
                IntervalError::TooShort => TOO_SMALL,
                IntervalError::TooLong => TOO_BIG,
            };
            problems.at("interval_minutes", err.to_string(), kind);
        })
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::body::parse_json;
    use serde_json::{Value, json};

    fn problems(body: Value) -> Vec<(String, String)> {
        let create: ScheduledJobCreate = parse_json(body.to_string().as_bytes()).unwrap();
        let Err(DetailError::Validation(_, body)) = create.read() else { panic!("accepted") };
        body.detail.into_iter().map(|item| (serde_json::to_string(&item.loc).unwrap(), item.kind)).collect()
    }

    #[test]
    fn the_seeds_body_reads_with_its_defaults() {
        let body = json!({"name": " Daily ", "mode": "profile", "value": "@Khaby.Lame", "interval_minutes": 1440});
        let create: ScheduledJobCreate = parse_json(body.to_string().as_bytes()).unwrap();
        let new = create.read().unwrap();
        assert_eq!((new.name.as_str(), new.every.get(), new.enabled), ("Daily", 1440, true));
        assert_eq!((new.task.value().as_str(), new.task.limit(), new.task.no_watermark()), ("khaby.lame", 50, true));
    }

    #[test]
    fn every_problem_is_named_at_its_field() {
        assert_eq!(
            problems(json!({})),
            [
                (r#"["body","name"]"#.to_owned(), MISSING.to_owned()),
                (r#"["body","mode"]"#.to_owned(), MISSING.to_owned()),
                (r#"["body","value"]"#.to_owned(), MISSING.to_owned()),
                (r#"["body","interval_minutes"]"#.to_owned(), MISSING.to_owned()),
            ]
        );
        let bad = json!({"name": "", "mode": "channel", "value": "a", "limit": 0, "interval_minutes": 4});
        let kinds: Vec<String> = problems(bad).into_iter().map(|(loc, kind)| format!("{loc} {kind}")).collect();
        assert_eq!(
            kinds,
            [
                r#"["body","name"] value_error.any_str.min_length"#,
                r#"["body","mode"] type_error.enum"#,
                r#"["body","limit"] value_error.number.not_ge"#,
                r#"["body","interval_minutes"] value_error.number.not_ge"#,
            ]
        );
        let bad_value = json!({"name": "n", "mode": "hashtag", "value": "two words", "interval_minutes": 5});
        assert_eq!(problems(bad_value), [(r#"["body","value"]"#.to_owned(), INVALID.to_owned())]);
    }

    #[test]
    fn the_enabled_filter_reads_pydantics_booleans() {
        assert_eq!(enabled_filter(None).unwrap(), None);
        assert_eq!(enabled_filter(Some("")).unwrap(), None);
        assert_eq!(enabled_filter(Some("True")).unwrap(), Some(true));
        assert_eq!(enabled_filter(Some("0")).unwrap(), Some(false));
        assert!(enabled_filter(Some("maybe")).is_err());
    }
}
