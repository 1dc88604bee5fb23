//! Seed 004's validation errors: pydantic's `{"detail": [{"loc", "msg", "type"}]}`, with the
//! use cases' fields placed where the request sent them.

use axum::http::StatusCode;
use serde_json::Value;

use crate::app::{AppError, InvalidField};
use crate::domain::task::TaskArgError;
use crate::domain::trigger::TriggerError;
use crate::http::detail::{DetailError, LocPart, ValidationItem};

pub(super) const MISSING: &str = "value_error.missing";
pub(super) const INVALID: &str = "value_error";
pub(super) const TOO_SMALL: &str = "value_error.number.not_ge";
pub(super) const TOO_BIG: &str = "value_error.number.not_le";

/// Every problem found in one request, so that a client fixes them in one round.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<ValidationItem>);

impl Problems {
    /// A problem at a dotted `field` under `root` (`"body"` or `"query"`).
    pub fn at(&mut self, root: &str, field: &str, msg: impl Into<String>, kind: &str) {
        self.0.push(ValidationItem::new(loc(root, field), msg, kind));
    }

    pub fn trigger(&mut self, err: TriggerError) {
        self.at("body", &err.field, err.message, INVALID);
    }

    /// `TaskArgError` fields are relative to `taskArgs`: `args[1]` is `taskArgs.args[1]`.
    pub fn task_args(&mut self, err: TaskArgError) {
        self.at("body", &under("taskArgs", &err.field), err.message, INVALID);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), DetailError> {
        if self.0.is_empty() { Ok(()) } else { Err(self.into_error()) }
    }

    pub fn into_error(self) -> DetailError {
        DetailError::validation(self.0)
    }

    pub fn one(root: &str, field: &str, msg: impl Into<String>, kind: &str) -> DetailError {
        let mut problems = Self::default();
        problems.at(root, field, msg, kind);
        problems.into_error()
    }
}

impl From<Problems> for DetailError {
    fn from(problems: Problems) -> Self {
        problems.into_error()
    }
}

/// `scheduleConfig.hours` → `[root, "scheduleConfig", "hours"]`; `taskArgs.args[1]` →
/// `[root, "taskArgs", "args", 1]` (indices are numbers, as pydantic gives them).
pub(super) fn loc(root: &str, field: &str) -> Vec<LocPart> {
    let mut out = vec![LocPart::from(root)];
    for segment in field.split('.').filter(|s| !s.is_empty()) {
        let mut rest = segment;
        let name_end = rest.find('[').unwrap_or(rest.len());
        if name_end > 0 {
            out.push(LocPart::from(&rest[..name_end]));
        }
        rest = &rest[name_end..];
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                out.push(LocPart::from(rest));
                break;
            };
            let index = &inner[..close];
            out.push(index.parse::<u64>().map_or_else(|_| LocPart::from(index), LocPart::Index));
            rest = &inner[close + 1..];
        }
    }
    out
}

pub(super) fn under(parent: &str, field: &str) -> String {
    if field.is_empty() {
        parent.to_owned()
    } else if field.starts_with('[') {
        format!("{parent}{field}")
    } else {
        format!("{parent}.{field}")
    }
}

/// A use-case error in seed 004's shape, its field placed where the client sent it. `config`
/// is the request's `scheduleConfig`, when it had one: a past date sits at the `expression`
/// or the `run_date` the client gave it in.
pub(super) fn app_error(err: AppError, config: Option<&Value>) -> DetailError {
    let AppError::Invalid { field, message } = err else {
        return DetailError::from(err);
    };
    let used_expression = config.and_then(Value::as_object).is_some_and(|map| map.contains_key("expression"));
    let (root, at) = match field {
        // Refused as a bad request, not a validation problem: the request is well formed, but
        // names a file this server will not run.
        InvalidField::ScriptPath => {
            return DetailError::new(StatusCode::BAD_REQUEST, format!("Invalid taskArgs.script_path: {message}"));
        }
        InvalidField::RunDate if used_expression => ("body", "scheduleConfig.expression"),
        InvalidField::RunDate => ("body", "scheduleConfig.run_date"),
        InvalidField::Trigger => ("body", "scheduleConfig"),
        InvalidField::Cursor => ("query", "cursor"),
        InvalidField::Page => ("query", "page"),
    };
    Problems::one(root, at, message.as_str(), INVALID)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Reason;
    use axum::response::IntoResponse;
    use serde_json::json;

    async fn body_of(err: DetailError) -> (StatusCode, Value) {
        let response = err.into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn loc_json(root: &str, field: &str) -> Value {
        serde_json::to_value(loc(root, field)).unwrap()
    }

    #[test]
    fn dotted_fields_become_locations() {
        assert_eq!(loc_json("body", "scheduleConfig.hours"), json!(["body", "scheduleConfig", "hours"]));
        assert_eq!(loc_json("body", "taskArgs.args[1]"), json!(["body", "taskArgs", "args", 1]));
        assert_eq!(loc_json("query", "status"), json!(["query", "status"]));
        assert_eq!(loc_json("body", ""), json!(["body"]));
        assert_eq!(loc_json("body", "a[x]"), json!(["body", "a", "x"]));
        assert_eq!(loc_json("body", "a[1"), json!(["body", "a", "[1"]));
    }

    #[test]
    fn task_arg_fields_sit_under_task_args() {
        let mut problems = Problems::default();
        problems.task_args(TaskArgError::new("args[1]", "must be a string"));
        problems.task_args(TaskArgError::new("", "must be an object"));
        problems.trigger(TriggerError::new("scheduleConfig.hours", "must be a non-negative integer"));
        let items = serde_json::to_value(&problems.0).unwrap();
        assert_eq!(items[0]["loc"], json!(["body", "taskArgs", "args", 1]));
        assert_eq!(items[1]["loc"], json!(["body", "taskArgs"]));
        assert_eq!(items[2]["loc"], json!(["body", "scheduleConfig", "hours"]));
        assert_eq!(items[2]["msg"], "must be a non-negative integer");
    }

    #[tokio::test]
    async fn use_case_fields_are_placed_where_the_client_sent_them() {
        let refused = Reason::ScriptRefused("outside the script roots".into());
        let (status, body) = body_of(app_error(AppError::invalid(InvalidField::ScriptPath, refused), None)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["detail"], "Invalid taskArgs.script_path: outside the script roots");

        let past = || AppError::invalid(InvalidField::RunDate, Reason::InThePast);
        let config = json!({"expression": "at(2020-01-01T00:00:00)"});
        let (status, body) = body_of(app_error(past(), Some(&config))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            json!({"detail": [{
                "loc": ["body", "scheduleConfig", "expression"],
                "msg": "must be in the future",
                "type": "value_error"
            }]})
        );
        let config = json!({"run_date": "2020-01-01"});
        let (_, body) = body_of(app_error(past(), Some(&config))).await;
        assert_eq!(body["detail"][0]["loc"], json!(["body", "scheduleConfig", "run_date"]));
        let (_, body) = body_of(app_error(AppError::invalid(InvalidField::Cursor, Reason::UnknownCursor), None)).await;
        assert_eq!(body["detail"][0]["loc"], json!(["query", "cursor"]));
        assert_eq!(body["detail"][0]["msg"], "invalid page cursor");
        let (_, body) = body_of(app_error(AppError::invalid(InvalidField::Trigger, Reason::NeverFires), None)).await;
        assert_eq!(body["detail"][0]["loc"], json!(["body", "scheduleConfig"]));
    }

    #[tokio::test]
    async fn other_errors_keep_the_detail_message() {
        let (status, body) = body_of(app_error(AppError::Conflict("Job already exists: x".into()), None)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body, json!({"detail": "Job already exists: x"}));
        let (status, body) = body_of(app_error(AppError::Internal("db path /secret".into()), None)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("secret"));
    }
}
