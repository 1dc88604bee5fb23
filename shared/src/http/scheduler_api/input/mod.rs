//! Seed 004's request bodies and how they become a job or a change to one.
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
use utoipa::ToSchema;

/// `POST /api/v1/scheduler/jobs`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerJobCreate {
    /// 1 to 64 of letters, digits, `-`, `_`, `.`; a UUID is generated when absent.
    #[schema(example = "nightly-backup")]
    pub id: Option<String>,
    #[schema(required = true, example = "Nightly backup")]
    pub name: Option<String>,
    pub description: Option<String>,
    /// Required unless `taskFunction` names the function.
    #[schema(example = 1)]
    pub task_function_id: Option<i64>,
    /// The task function's name, such as `script.bash`, instead of `taskFunctionId`.
    #[schema(value_type = Option<String>, example = "script.bash")]
    pub task_function: Option<Value>,
    /// 1 interval, 2 cron, 3 date. When absent, read from `scheduleConfig`'s keys.
    #[schema(example = 1)]
    pub job_type_id: Option<i64>,
    /// The job type's name (`interval`, `cron`, `date`) instead of `jobTypeId`.
    #[schema(value_type = Option<String>, example = "interval")]
    pub job_type: Option<Value>,
    /// Interval `{weeks, days, hours, minutes, seconds}`; cron `{minute, hour, day, month,
    /// day_of_week, year, timezone}`; date `{run_date, timezone}`; or any type as
    /// `{expression: "rate(…)" | "cron(…)" | "at(…)", timezone}`.
    #[schema(required = true, value_type = Object, example = json!({"hours": 6, "minutes": 0, "seconds": 0}))]
    pub schedule_config: Option<Value>,
    /// Scripts: `{script_path, args}`; `cleanup.executions`: `{retention_days, failed_retention_days}`.
    #[schema(value_type = Option<Object>, example = json!({"script_path": "backup.sh", "args": ["--full"]}))]
    pub task_args: Option<Value>,
    /// 1 to 100; default 1.
    #[schema(minimum = 1, maximum = 100)]
    pub max_instances: Option<i64>,
    /// 1 to 604800; default the task function's.
    #[schema(minimum = 1, maximum = 604800)]
    pub timeout_seconds: Option<i64>,
    /// 0 to 100; default 0.
    #[schema(minimum = 0, maximum = 100)]
    pub retry_count: Option<i64>,
    /// 0 to 86400; default 60.
    #[schema(minimum = 0, maximum = 86400)]
    pub retry_delay_seconds: Option<i64>,
    /// Default true.
    pub is_enabled: Option<bool>,
    /// Default false.
    pub is_paused: Option<bool>,
    /// 1 to 604800; default the server's setting.
    #[schema(minimum = 1, maximum = 604800)]
    pub misfire_grace_seconds: Option<i64>,
}

/// `PUT /api/v1/scheduler/jobs/{job_id}`: every field optional; an absent field keeps its value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerJobUpdate {
    pub name: Option<String>,
    /// Null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub task_function_id: Option<i64>,
    #[schema(value_type = Option<String>, example = "script.bash")]
    pub task_function: Option<Value>,
    /// Changing the type needs a `scheduleConfig`; without `jobTypeId` a `scheduleConfig` is read
    /// as the job's current type.
    pub job_type_id: Option<i64>,
    #[schema(value_type = Option<String>, example = "interval")]
    pub job_type: Option<Value>,
    #[schema(value_type = Option<Object>, example = json!({"hours": 2, "minutes": 0, "seconds": 0}))]
    pub schedule_config: Option<Value>,
    /// Required when the task function changes.
    #[schema(value_type = Option<Object>)]
    pub task_args: Option<Value>,
    #[schema(minimum = 1, maximum = 100)]
    pub max_instances: Option<i64>,
    /// Null returns to the task function's default.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 604800)]
    pub timeout_seconds: Option<Option<i64>>,
    #[schema(minimum = 0, maximum = 100)]
    pub retry_count: Option<i64>,
    #[schema(minimum = 0, maximum = 86400)]
    pub retry_delay_seconds: Option<i64>,
    pub is_enabled: Option<bool>,
    pub is_paused: Option<bool>,
    /// Null returns to the server's setting.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 604800)]
    pub misfire_grace_seconds: Option<Option<i64>>,
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

/// Either body, before any checks. Nullable fields are `Some(None)` when sent as null.
#[derive(Debug, Default)]
pub(super) struct JobInput {
    id: Option<String>,
    name: Option<String>,
    description: Option<Option<String>>,
    task_function_id: Option<i64>,
    task_function: Option<Value>,
    job_type_id: Option<i64>,
    job_type: Option<Value>,
    pub schedule_config: Option<Value>,
    task_args: Option<Value>,
    max_instances: Option<i64>,
    timeout_seconds: Option<Option<i64>>,
    retry_count: Option<i64>,
    retry_delay_seconds: Option<i64>,
    is_enabled: Option<bool>,
    is_paused: Option<bool>,
    misfire_grace_seconds: Option<Option<i64>>,
}

impl From<SchedulerJobCreate> for JobInput {
    fn from(body: SchedulerJobCreate) -> Self {
        Self {
            id: body.id,
            name: body.name,
            description: body.description.map(Some),
            task_function_id: body.task_function_id,
            task_function: body.task_function,
            job_type_id: body.job_type_id,
            job_type: body.job_type,
            schedule_config: body.schedule_config,
            task_args: body.task_args,
            max_instances: body.max_instances,
            timeout_seconds: body.timeout_seconds.map(Some),
            retry_count: body.retry_count,
            retry_delay_seconds: body.retry_delay_seconds,
            is_enabled: body.is_enabled,
            is_paused: body.is_paused,
            misfire_grace_seconds: body.misfire_grace_seconds.map(Some),
        }
    }
}

impl From<SchedulerJobUpdate> for JobInput {
    fn from(body: SchedulerJobUpdate) -> Self {
        Self {
            id: None,
            name: body.name,
            description: body.description,
            task_function_id: body.task_function_id,
            task_function: body.task_function,
            job_type_id: body.job_type_id,
            job_type: body.job_type,
            schedule_config: body.schedule_config,
            task_args: body.task_args,
            max_instances: body.max_instances,
            timeout_seconds: body.timeout_seconds,
            retry_count: body.retry_count,
            retry_delay_seconds: body.retry_delay_seconds,
            is_enabled: body.is_enabled,
            is_paused: body.is_paused,
            misfire_grace_seconds: body.misfire_grace_seconds,
        }
    }
}
