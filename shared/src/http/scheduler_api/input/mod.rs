//! Seed 004's job body, read once for `POST` and `PUT`, and how it becomes a job or a change to
//! one.
//!
//! Unknown fields are ignored so that a client can send back what `GET` gave it (with its
//! `taskFunction`, `jobType` and `recentExecutions` objects); a value sent back unchanged
//! changes nothing, so that such a round trip does not re-anchor an interval or pin a timeout.

mod check;
mod resolve;
#[cfg(test)]
mod tests;

use crate::http::scheduler_api::problems::{MISSING, Problems};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// A scheduled job as clients send it. Nullable fields are `Some(None)` when sent as null and
/// `None` when absent: `PUT` clears a value on null and keeps it when absent.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerJobInput {
    /// 1 to 64 of letters, digits, `-`, `_`, `.`; a UUID is generated when absent. Read as any
    /// JSON value because `PUT` ignores it (a job sent back carries its id); `POST` holds it to
    /// a string.
    #[schema(value_type = Option<String>, pattern = "^[0-9A-Za-z._-]{1,64}$", example = "nightly-backup")]
    id: Option<Value>,
    #[schema(example = "Nightly backup", min_length = 1, max_length = 255)]
    name: Option<String>,
    /// Null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// Required unless `taskFunction` names the function.
    #[schema(example = 1)]
    task_function_id: Option<i64>,
    /// The task function's name, such as `script.bash`, instead of `taskFunctionId`.
    #[schema(value_type = Option<String>, example = "script.bash")]
    task_function: Option<Value>,
    /// 1 interval, 2 cron, 3 date. When absent, read from `scheduleConfig`'s keys; on `PUT`,
    /// changing the type needs a `scheduleConfig`, and a `scheduleConfig` alone is read as the
    /// job's current type.
    #[schema(example = 1)]
    job_type_id: Option<i64>,
    /// The job type's name (`interval`, `cron`, `date`) instead of `jobTypeId`.
    #[schema(value_type = Option<String>, example = "interval")]
    job_type: Option<Value>,
    /// Interval `{weeks, days, hours, minutes, seconds}`; cron `{minute, hour, day, month,
    /// day_of_week, year, timezone}`; date `{run_date, timezone}`; or any type as
    /// `{expression: "rate(…)" | "cron(…)" | "at(…)", timezone}`.
    #[schema(value_type = Option<Object>, example = json!({"hours": 6, "minutes": 0, "seconds": 0}))]
    schedule_config: Option<Value>,
    /// Scripts: `{script_path, args}`; `cleanup.executions`: `{retention_days,
    /// failed_retention_days}`. On `PUT`, required when the task function changes.
    #[schema(value_type = Option<Object>, example = json!({"script_path": "backup.sh", "args": ["--full"]}))]
    task_args: Option<Value>,
    /// 1 to 100; default 1.
    #[schema(minimum = 1, maximum = 100)]
    max_instances: Option<i64>,
    /// 1 to 604800; default the task function's. Null returns to that default.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 604800)]
    timeout_seconds: Option<Option<i64>>,
    /// 0 to 100; default 0.
    #[schema(minimum = 0, maximum = 100)]
    retry_count: Option<i64>,
    /// 0 to 86400; default 60.
    #[schema(minimum = 0, maximum = 86400)]
    retry_delay_seconds: Option<i64>,
    /// Default true.
    is_enabled: Option<bool>,
    /// Default false.
    is_paused: Option<bool>,
    /// 1 to 604800; default the server's setting. Null returns to that setting.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 604800)]
    misfire_grace_seconds: Option<Option<i64>>,
}

impl SchedulerJobInput {
    /// The `scheduleConfig` as sent, which places a use case's refusal of the trigger.
    pub(super) fn schedule_config(&self) -> Option<&Value> {
        self.schedule_config.as_ref()
    }
}

/// `POST /api/v1/scheduler/jobs`: the job to create.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct SchedulerJobCreate(pub SchedulerJobInput);

/// `PUT /api/v1/scheduler/jobs/{job_id}`: the fields to change; an absent field keeps its value.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct SchedulerJobUpdate(pub SchedulerJobInput);

// The two operations read one body and differ only in what they require, so their documents
// are the one schema with that said.
impl PartialSchema for SchedulerJobCreate {
    fn schema() -> RefOr<Schema> {
        input_schema("A job to create.", &["name", "scheduleConfig"], &[])
    }
}

impl ToSchema for SchedulerJobCreate {}

impl PartialSchema for SchedulerJobUpdate {
    fn schema() -> RefOr<Schema> {
        input_schema("The fields to change; an absent field keeps its value.", &[], &["id"])
    }
}

impl ToSchema for SchedulerJobUpdate {}

fn input_schema(description: &str, required: &[&str], ignored: &[&str]) -> RefOr<Schema> {
    let mut schema = SchedulerJobInput::schema();
    if let RefOr::T(Schema::Object(object)) = &mut schema {
        object.description = Some(description.to_owned());
        object.required = required.iter().map(|name| (*name).to_owned()).collect();
        object.properties.retain(|name, _| !ignored.contains(&name.as_str()));
    }
    schema
}

/// `PUT /api/v1/scheduler/jobs/{job_id}/status`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerJobStatusUpdate {
    #[schema(required = true, value_type = bool)]
    pub is_enabled: Option<bool>,
}

impl SchedulerJobStatusUpdate {
    pub(super) fn enabled(&self) -> Result<bool, Problems> {
        self.is_enabled.ok_or_else(|| {
            let mut problems = Problems::default();
            problems.at("body", "isEnabled", "field required", MISSING);
            problems
        })
    }
}

/// Tells an explicit `null` (`Some(None)`) from an absent field (`None`, by `default`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}
