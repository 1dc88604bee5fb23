//! Seed 001's `POST /api/schedule-job` body. It is read as a plain JSON object and checked field
//! by field, because the seed's clients expect one message naming every missing field, in the
//! seed's order, before any type or value problem.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::ApiError;
use crate::domain::ids::JobId;
use crate::domain::task::{ScriptLanguage, TaskSpec};
use crate::domain::trigger::parse_run_date;

const REQUIRED: [&str; 4] = ["job_id", "job_type", "script_path", "run_date"];

/// The body as the seed documents it; only for the OpenAPI document, the handler reads
/// [`ScheduleRequest::parse`].
#[derive(ToSchema)]
#[expect(dead_code, reason = "read only by the OpenAPI derive")]
pub struct ScheduleJobBody {
    /// 1 to 64 of letters, digits, `-`, `_`, `.`; not `all`.
    #[schema(example = "data_backup_job")]
    pub job_id: String,
    #[schema(example = "bash", pattern = "^(bash|python)$")]
    pub job_type: String,
    /// A script inside one of the server's script directories.
    #[schema(example = "/opt/scripts/backup.sh")]
    pub script_path: String,
    /// ISO 8601; without an offset the time is UTC. Must be in the future.
    #[schema(example = "2024-12-31T23:59:59")]
    pub run_date: String,
    #[schema(example = json!(["--full", "--compress"]))]
    pub args: Option<Vec<String>>,
    /// Replace a job of the same id instead of answering 409.
    pub replace_existing: Option<bool>,
}

/// A schedule-job request that passed every check the body alone allows.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRequest {
    pub id: JobId,
    pub task: TaskSpec,
    pub run_at: DateTime<Utc>,
    pub replace_existing: bool,
}

impl ScheduleRequest {
    pub fn parse(body: &Value) -> Result<Self, ApiError> {
        let Value::Object(map) = body else {
            return Err(bad("request body must be a JSON object"));
        };
        let missing: Vec<&str> = REQUIRED.into_iter().filter(|key| is_missing(map.get(*key))).collect();
        if !missing.is_empty() {
            return Err(bad(format!("Missing required fields: {}", missing.join(", "))));
        }
        let [job_id, job_type, script_path, run_date] = REQUIRED.map(|key| required_string(map, key));
        let (job_id, job_type, script_path, run_date) = (job_id?, job_type?, script_path?, run_date?);
        let args = string_list(map.get("args"))?;
        let replace_existing = match map.get("replace_existing") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => return Err(bad("Invalid replace_existing: must be a boolean")),
        };

        let language = match job_type {
            "bash" => ScriptLanguage::Bash,
            "python" => ScriptLanguage::Python,
            _ => return Err(bad("Invalid job_type: must be 'bash' or 'python'")),
        };
        let id = JobId::parse(job_id).map_err(|err| bad(format!("Invalid job_id: {err}")))?;
        let run_at = parse_run_date("run_date", run_date).map_err(|err| invalid(&err.field, &err.message))?;
        let task = TaskSpec::script(language, script_path.to_owned(), args)
            .map_err(|err| invalid(&err.field, &err.message))?;
        Ok(Self { id, task, run_at, replace_existing })
    }
}

/// An empty string is as good as absent for the seed's clients, which build bodies from forms.
fn is_missing(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

fn required_string<'a>(map: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(bad(format!("Invalid {key}: must be a string"))),
    }
}

fn string_list(value: Option<&Value>) -> Result<Vec<String>, ApiError> {
    let not_a_list = || bad("Invalid args: must be an array of strings");
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            items.iter().map(|item| item.as_str().map(str::to_owned).ok_or_else(not_a_list)).collect()
        }
        Some(_) => Err(not_a_list()),
    }
}

fn invalid(field: &str, message: &str) -> ApiError {
    bad(format!("Invalid {field}: {message}"))
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn error_of(body: Value) -> String {
        let err = ScheduleRequest::parse(&body).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(!err.with_success);
        err.message
    }

    fn valid() -> Value {
        json!({
            "job_id": "data_backup_job",
            "job_type": "bash",
            "script_path": "/opt/scripts/backup.sh",
            "run_date": "2024-12-31T23:59:59",
            "args": ["--full", "--compress"],
        })
    }

    #[test]
    fn the_seed_example_parses() {
        let request = ScheduleRequest::parse(&valid()).unwrap();
        assert_eq!(request.id.as_str(), "data_backup_job");
        assert_eq!(request.run_at, Utc.with_ymd_and_hms(2024, 12, 31, 23, 59, 59).unwrap());
        assert!(!request.replace_existing);
        let TaskSpec::Script { language, script_path, args } = request.task else { panic!("not a script") };
        assert_eq!(language, ScriptLanguage::Bash);
        assert_eq!(script_path, "/opt/scripts/backup.sh");
        assert_eq!(args, ["--full", "--compress"]);
    }

    #[test]
    fn missing_fields_are_named_together_in_the_seed_order() {
        let mut body = valid();
        body.as_object_mut().unwrap().remove("run_date");
        assert_eq!(error_of(body), "Missing required fields: run_date");
        let body = json!({"script_path": "/x.sh", "job_id": null, "run_date": ""});
        assert_eq!(error_of(body), "Missing required fields: job_id, job_type, run_date");
        assert_eq!(error_of(json!({})), "Missing required fields: job_id, job_type, script_path, run_date");
    }

    #[test]
    fn missing_fields_come_before_type_problems() {
        let body = json!({"job_id": 5, "job_type": "bash", "script_path": "/x.sh", "args": "x"});
        assert_eq!(error_of(body), "Missing required fields: run_date");
    }

    #[test]
    fn types_are_checked() {
        let mut body = valid();
        body["job_id"] = json!(42);
        assert_eq!(error_of(body), "Invalid job_id: must be a string");
        let mut body = valid();
        body["args"] = json!(["--full", 1]);
        assert_eq!(error_of(body), "Invalid args: must be an array of strings");
        let mut body = valid();
        body["args"] = json!("--full");
        assert_eq!(error_of(body), "Invalid args: must be an array of strings");
        let mut body = valid();
        body["replace_existing"] = json!("yes");
        assert_eq!(error_of(body), "Invalid replace_existing: must be a boolean");
        assert_eq!(error_of(json!(["not", "an", "object"])), "request body must be a JSON object");
    }

    #[test]
    fn optional_fields_may_be_null() {
        let mut body = valid();
        body["args"] = Value::Null;
        body["replace_existing"] = Value::Null;
        let request = ScheduleRequest::parse(&body).unwrap();
        assert!(matches!(request.task, TaskSpec::Script { ref args, .. } if args.is_empty()));
        let mut body = valid();
        body["replace_existing"] = json!(true);
        assert!(ScheduleRequest::parse(&body).unwrap().replace_existing);
    }

    #[test]
    fn job_type_is_bash_or_python() {
        let mut body = valid();
        body["job_type"] = json!("perl");
        assert_eq!(error_of(body), "Invalid job_type: must be 'bash' or 'python'");
        let mut body = valid();
        body["job_type"] = json!("python");
        let request = ScheduleRequest::parse(&body).unwrap();
        assert_eq!(request.task.function(), crate::domain::task::TaskFunction::ScriptPython);
    }

    #[test]
    fn values_are_checked_by_the_domain() {
        let mut body = valid();
        body["job_id"] = json!("a b");
        assert!(error_of(body).starts_with("Invalid job_id: "));
        let mut body = valid();
        body["job_id"] = json!("all");
        assert_eq!(error_of(body), "Invalid job_id: job id 'all' is reserved");
        let mut body = valid();
        body["run_date"] = json!("tomorrow");
        assert!(error_of(body).starts_with("Invalid run_date: 'tomorrow' must be an ISO 8601"));
        let mut body = valid();
        body["script_path"] = json!("   ");
        assert_eq!(error_of(body), "Invalid script_path: must not be empty");
    }

    #[test]
    fn run_date_offsets_are_honoured() {
        let mut body = valid();
        body["run_date"] = json!("2025-01-01T02:00:00+02:00");
        let request = ScheduleRequest::parse(&body).unwrap();
        assert_eq!(request.run_at, Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap());
    }
}
