//! `POST /jobs`' body, read the way the seed's pydantic model reads it: every field is checked
//! and every problem named at once, at `["body", field]`, with pydantic's messages and types.
//! Unknown fields are ignored, as pydantic ignores them; `null` leaves an optional field out.

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::error::{
    INVALID, MISSING, NONE_NOT_ALLOWED, NOT_A_BOOLEAN, NOT_A_CHOICE, NOT_A_DATETIME, NOT_A_STRING, NOT_AN_INTEGER,
    TOO_BIG, TOO_SMALL,
};
use crate::domain::task::{DEFAULT_SCRAPE_LIMIT, SCRAPE_LIMITS, ScrapeFields, ScrapeTask, StorageFolder, TaskArgError};
use crate::domain::trigger::parse_run_date;
use crate::domain::video::{ScrapeMode, ScrapeValue};
use crate::http::detail::{DetailError, LocPart, ValidationItem};

/// The seed's request body, as the OpenAPI document shows it. The handler reads the JSON
/// object itself ([`read`]), so that one answer names every bad field.
#[derive(Debug, Deserialize, ToSchema)]
#[expect(dead_code, reason = "read only by the OpenAPI derive; the handler reads the JSON object")]
pub struct CreateScrapeJobBody {
    /// `profile` or `hashtag`.
    #[schema(pattern = "^(profile|hashtag)$", example = "profile")]
    mode: String,
    /// The username (without `@`) or hashtag (without `#`).
    #[schema(example = "khaby.lame")]
    value: String,
    /// How many videos to scrape: 1 to 200, default 50.
    #[schema(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// Ask for a download without a watermark, best effort; default true.
    #[schema(default = true)]
    no_watermark: Option<bool>,
    /// Only videos posted at or after this time (ISO 8601; no offset means UTC).
    #[schema(example = "2024-01-01T00:00:00Z")]
    since: Option<String>,
    /// Only videos posted at or before this time.
    #[schema(example = "2024-12-31T23:59:59Z")]
    until: Option<String>,
    /// A folder under `videos/` for this run's files instead of `<mode>/<value>`: up to 200 of
    /// letters, digits, `-`, `_`, `.` and `/`, relative, without `.` or `..` segments.
    #[schema(pattern = "^[A-Za-z0-9._/-]{1,200}$", example = "optional-folder-id")]
    drive_folder_id: Option<String>,
}

/// Every problem of one body.
#[derive(Default)]
struct Problems(Vec<ValidationItem>);

impl Problems {
    fn add(&mut self, field: &str, msg: impl Into<String>, kind: &str) {
        self.0.push(ValidationItem::new(vec![LocPart::from("body"), LocPart::from(field)], msg, kind));
    }
}

/// The scrape the body asks for, or every problem with it.
pub(super) fn read(body: &Map<String, Value>) -> Result<ScrapeTask, DetailError> {
    let mut problems = Problems::default();
    let mode = required(&mut problems, body, "mode").and_then(|raw| match raw.as_str().and_then(ScrapeMode::parse) {
        Some(mode) => Some(mode),
        None => {
            let msg = "value is not a valid enumeration member; permitted: 'profile', 'hashtag'";
            problems.add("mode", msg, NOT_A_CHOICE);
            None
        }
    });
    let value = required(&mut problems, body, "value").and_then(|raw| text(&mut problems, "value", raw));
    if let Some(value) = &value
        && let Err(err) = ScrapeValue::parse(value)
    {
        problems.add("value", err.to_string(), INVALID);
    }
    let limit = optional(body, "limit").and_then(|raw| limit(&mut problems, raw));
    let no_watermark = optional(body, "no_watermark").and_then(|raw| match raw {
        Value::Bool(b) => Some(*b),
        _ => {
            problems.add("no_watermark", "value could not be parsed to a boolean", NOT_A_BOOLEAN);
            None
        }
    });
    let since = optional(body, "since").and_then(|raw| time(&mut problems, "since", raw));
    let until = optional(body, "until").and_then(|raw| time(&mut problems, "until", raw));
    let folder = optional(body, "drive_folder_id").and_then(|raw| text(&mut problems, "drive_folder_id", raw));
    if let Some(folder) = &folder
        && let Err(err) = StorageFolder::parse(folder)
    {
        problems.add("drive_folder_id", err.to_string(), INVALID);
    }
    if !problems.0.is_empty() {
        return Err(DetailError::validation(problems.0));
    }
    #[allow(clippy::needless_update, reason = "a field the seed's body does not name keeps its default")]
    let fields = ScrapeFields {
        mode,
        value: value.unwrap_or_default(),
        limit,
        since,
        until,
        no_watermark,
        folder,
        ..ScrapeFields::default()
    };
    // What is left to refuse here is what concerns two fields (`until` before `since`).
    ScrapeTask::try_from(fields).map_err(|err| {
        let mut problems = Problems::default();
        problems.add(&wire_name(&err), err.message, INVALID);
        DetailError::validation(problems.0)
    })
}

/// The body's name of a field the task names its own way.
fn wire_name(err: &TaskArgError) -> String {
    match err.field.as_str() {
        "folder" => "drive_folder_id".to_owned(),
        other => other.to_owned(),
    }
}

fn required<'a>(problems: &mut Problems, body: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    match body.get(field) {
        None => {
            problems.add(field, "field required", MISSING);
            None
        }
        Some(Value::Null) => {
            problems.add(field, "none is not an allowed value", NONE_NOT_ALLOWED);
            None
        }
        Some(raw) => Some(raw),
    }
}

fn optional<'a>(body: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    body.get(field).filter(|raw| !raw.is_null())
}

fn text(problems: &mut Problems, field: &str, raw: &Value) -> Option<String> {
    match raw {
        Value::String(s) => Some(s.clone()),
        _ => {
            problems.add(field, "str type expected", NOT_A_STRING);
            None
        }
    }
}

/// pydantic takes a whole number written as a float (`50.0`) too.
fn limit(problems: &mut Problems, raw: &Value) -> Option<u32> {
    let whole = raw.as_i64().or_else(|| raw.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64));
    let Some(n) = whole else {
        problems.add("limit", "value is not a valid integer", NOT_AN_INTEGER);
        return None;
    };
    let (low, high) = (i64::from(*SCRAPE_LIMITS.start()), i64::from(*SCRAPE_LIMITS.end()));
    if n < low {
        problems.add("limit", format!("ensure this value is greater than or equal to {low}"), TOO_SMALL);
        return None;
    }
    if n > high {
        problems.add("limit", format!("ensure this value is less than or equal to {high}"), TOO_BIG);
        return None;
    }
    Some(u32::try_from(n).unwrap_or(DEFAULT_SCRAPE_LIMIT))
}

fn time(problems: &mut Problems, field: &str, raw: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    let parsed = raw.as_str().and_then(|s| parse_run_date(field, s).ok());
    if parsed.is_none() {
        problems.add(field, "invalid datetime format", NOT_A_DATETIME);
    }
    parsed
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::http::detail::ValidationBody;

    fn problems_of(body: Value) -> Vec<(String, String, String)> {
        let Value::Object(map) = body else { panic!("an object") };
        match read(&map) {
            Ok(task) => panic!("accepted: {task:?}"),
            Err(DetailError::Validation(_, ValidationBody { detail })) => detail
                .into_iter()
                .map(|item| {
                    let field = match item.loc.as_slice() {
                        [LocPart::Name(body), LocPart::Name(field)] if body == "body" => field.clone(),
                        other => panic!("loc {other:?}"),
                    };
                    (field, item.msg, item.kind)
                })
                .collect(),
            Err(other) => panic!("{other:?}"),
        }
    }

    fn accepted(body: Value) -> ScrapeTask {
        let Value::Object(map) = body else { panic!("an object") };
        read(&map).unwrap_or_else(|err| panic!("{err:?}"))
    }

    #[test]
    fn the_seeds_example_and_its_defaults() {
        let task = accepted(json!({
            "mode": "profile", "value": "khaby.lame", "limit": 50, "no_watermark": true,
            "since": "2024-01-01T00:00:00Z", "until": "2024-12-31T23:59:59Z",
            "drive_folder_id": "optional-folder-id"
        }));
        assert_eq!((task.mode(), task.value().as_str(), task.limit()), (ScrapeMode::Profile, "khaby.lame", 50));
        assert_eq!(task.folder().map(StorageFolder::as_str), Some("optional-folder-id"));
        assert_eq!(task.since().map(|t| t.to_rfc3339()), Some("2024-01-01T00:00:00+00:00".to_owned()));
        let task = accepted(json!({"mode": "hashtag", "value": "#Funny", "until": null, "extra": 1}));
        assert_eq!((task.limit(), task.no_watermark(), task.folder()), (50, true, None));
        assert_eq!(accepted(json!({"mode": "profile", "value": "a", "limit": 7.0})).limit(), 7);
    }

    #[test]
    fn every_problem_is_named_with_pydantics_words() {
        let found = problems_of(json!({
            "limit": 0, "no_watermark": "yes", "since": "soon", "until": 5, "drive_folder_id": "../up"
        }));
        let kinds: Vec<(&str, &str)> = found.iter().map(|(f, _, k)| (f.as_str(), k.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("mode", MISSING),
                ("value", MISSING),
                ("limit", TOO_SMALL),
                ("no_watermark", NOT_A_BOOLEAN),
                ("since", NOT_A_DATETIME),
                ("until", NOT_A_DATETIME),
                ("drive_folder_id", INVALID),
            ]
        );
        assert_eq!(found[0].1, "field required");
        let found = problems_of(json!({"mode": "channel", "value": 3, "limit": 201}));
        let kinds: Vec<&str> = found.iter().map(|(_, _, k)| k.as_str()).collect();
        assert_eq!(kinds, [NOT_A_CHOICE, NOT_A_STRING, TOO_BIG]);
        assert_eq!(found[2].1, "ensure this value is less than or equal to 200");
        let found = problems_of(json!({"mode": null, "value": "two words", "limit": "ten"}));
        let kinds: Vec<&str> = found.iter().map(|(_, _, k)| k.as_str()).collect();
        assert_eq!(kinds, [NONE_NOT_ALLOWED, INVALID, NOT_AN_INTEGER]);
    }

    #[test]
    fn a_window_that_ends_before_it_starts_is_refused_at_until() {
        let found = problems_of(json!({
            "mode": "profile", "value": "a", "since": "2025-02-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"
        }));
        assert_eq!(found, [("until".to_owned(), "must not be before since".to_owned(), INVALID.to_owned())]);
    }
}
