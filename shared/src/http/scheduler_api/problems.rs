//! Seed 004's validation errors: pydantic's `{"detail": [{"loc", "msg", "type"}]}`, with the
//! locations of the domain's errors translated into the request's own field names.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::AppError;
use crate::domain::task::TaskArgError;
use crate::domain::trigger::TriggerError;
use crate::http::detail::DetailError;

pub(super) const MISSING: &str = "value_error.missing";
pub(super) const INVALID: &str = "value_error";
pub(super) const TOO_SMALL: &str = "value_error.number.not_ge";
pub(super) const TOO_BIG: &str = "value_error.number.not_le";

/// Every problem found in one request, so that a client fixes them in one round.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<Value>);

impl Problems {
    pub fn push(&mut self, loc: Vec<Value>, msg: impl Into<String>, kind: &str) {
        self.0.push(json!({ "loc": loc, "msg": msg.into(), "type": kind }));
    }

    /// A problem at a dotted `field` under `root` (`"body"` or `"query"`).
    pub fn at(&mut self, root: &str, field: &str, msg: impl Into<String>, kind: &str) {
        self.push(loc(root, field), msg, kind);
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
        DetailError::Validation(StatusCode::UNPROCESSABLE_ENTITY, self.0)
    }

    pub fn one(root: &str, field: &str, msg: impl Into<String>, kind: &str) -> DetailError {
        let mut problems = Self::default();
        problems.at(root, field, msg, kind);
        problems.into_error()
    }
}

/// `scheduleConfig.hours` → `[root, "scheduleConfig", "hours"]`; `taskArgs.args[1]` →
/// `[root, "taskArgs", "args", 1]` (indices are numbers, as pydantic gives them).
pub(super) fn loc(root: &str, field: &str) -> Vec<Value> {
    let mut out = vec![Value::from(root)];
    for segment in field.split('.').filter(|s| !s.is_empty()) {
        let mut rest = segment;
        let name_end = rest.find('[').unwrap_or(rest.len());
        if name_end > 0 {
            out.push(Value::from(&rest[..name_end]));
        }
        rest = &rest[name_end..];
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                out.push(Value::from(rest));
                break;
            };
            let index = &inner[..close];
            out.push(index.parse::<u64>().map_or_else(|_| Value::from(index), Value::from));
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

/// A use-case error in seed 004's shape. The use cases name the model's fields (`script_path`,
/// `run_date`, `trigger`); this places them where the client sent them. `config` is the
/// request's `scheduleConfig`, when it had one.
pub(super) fn app_error(err: AppError, config: Option<&Value>) -> DetailError {
    match err {
        // A script path is refused as a bad request (not a validation problem): the request is
        // well formed, but names a file this server will not run.
        AppError::Invalid { field, message } if field == "script_path" => {
            DetailError::new(StatusCode::BAD_REQUEST, format!("Invalid taskArgs.script_path: {message}"))
        }
        AppError::Invalid { field, message } => {
            let (root, field) = request_field(&field, config);
            Problems::one(root, &field, message, INVALID)
        }
        other => DetailError::from(other),
    }
}

fn request_field(field: &str, config: Option<&Value>) -> (&'static str, String) {
    let used_expression = config.and_then(Value::as_object).is_some_and(|map| map.contains_key("expression"));
    match field {
        "run_date" if used_expression => ("body", "scheduleConfig.expression".to_owned()),
        "run_date" => ("body", "scheduleConfig.run_date".to_owned()),
        "trigger" => ("body", "scheduleConfig".to_owned()),
        "cursor" => ("query", "cursor".to_owned()),
        "page" => ("query", "page".to_owned()),
        other => ("body", other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    async fn body_of(err: DetailError) -> (StatusCode, Value) {
        let response = err.into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn dotted_fields_become_locations() {
        assert_eq!(loc("body", "scheduleConfig.hours"), vec![json!("body"), json!("scheduleConfig"), json!("hours")]);
        assert_eq!(loc("body", "taskArgs.args[1]"), vec![json!("body"), json!("taskArgs"), json!("args"), json!(1)]);
        assert_eq!(loc("query", "status"), vec![json!("query"), json!("status")]);
        assert_eq!(loc("body", ""), vec![json!("body")]);
        assert_eq!(loc("body", "a[x]"), vec![json!("body"), json!("a"), json!("x")]);
        assert_eq!(loc("body", "a[1"), vec![json!("body"), json!("a"), json!("[1")]);
    }

    #[test]
    fn task_arg_fields_sit_under_task_args() {
        let mut problems = Problems::default();
        problems.task_args(TaskArgError { field: "args[1]".into(), message: "must be a string".into() });
        problems.task_args(TaskArgError { field: "".into(), message: "must be an object".into() });
        problems.trigger(TriggerError::new("scheduleConfig.hours", "must be a non-negative integer"));
        let items = &problems.0;
        assert_eq!(items[0]["loc"], json!(["body", "taskArgs", "args", 1]));
        assert_eq!(items[1]["loc"], json!(["body", "taskArgs"]));
        assert_eq!(items[2]["loc"], json!(["body", "scheduleConfig", "hours"]));
        assert_eq!(items[2]["msg"], "must be a non-negative integer");
    }

    #[tokio::test]
    async fn use_case_fields_are_placed_where_the_client_sent_them() {
        let (status, body) =
            body_of(app_error(AppError::invalid("script_path", "outside the script roots"), None)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["detail"], "Invalid taskArgs.script_path: outside the script roots");

        let config = json!({"expression": "at(2020-01-01T00:00:00)"});
        let (_, body) = body_of(app_error(AppError::invalid("run_date", "must be in the future"), Some(&config))).await;
        assert_eq!(body["detail"][0]["loc"], json!(["body", "scheduleConfig", "expression"]));
        let config = json!({"run_date": "2020-01-01"});
        let (_, body) = body_of(app_error(AppError::invalid("run_date", "must be in the future"), Some(&config))).await;
        assert_eq!(body["detail"][0]["loc"], json!(["body", "scheduleConfig", "run_date"]));
        let (_, body) = body_of(app_error(AppError::invalid("cursor", "invalid page cursor"), None)).await;
        assert_eq!(body["detail"][0]["loc"], json!(["query", "cursor"]));
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
