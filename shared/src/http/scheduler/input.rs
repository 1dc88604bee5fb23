//! Seed 004's request bodies and how they become a job or a change to one.
//!
//! Unknown fields are ignored so that a client can send back what `GET` gave it (with its
//! `taskFunction`, `jobType` and `recentExecutions` objects); a value sent back unchanged
//! changes nothing, so that such a round trip does not re-anchor an interval or pin a timeout.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::problems::{INVALID, MISSING, Problems, TOO_BIG, TOO_SMALL};
use crate::domain::ids::JobId;
use crate::domain::job::{Job, NewJob, Policies};
use crate::domain::task::{TaskFunction, TaskSpec};
use crate::domain::trigger::{JobType, from_schedule_config};

const NAME_MAX_CHARS: usize = 255;
const MAX_INSTANCES: (i64, i64) = (1, 100);
const TIMEOUT_SECONDS: (i64, i64) = (1, 604_800);
const RETRY_COUNT: (i64, i64) = (0, 100);
const RETRY_DELAY_SECONDS: (i64, i64) = (0, 86_400);
const MISFIRE_GRACE_SECONDS: (i64, i64) = (1, 604_800);

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

/// The input after the checks that need no job: types, ranges, known ids.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct CheckedInput {
    pub id: Option<JobId>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub function: Option<TaskFunction>,
    pub job_type: Option<JobType>,
    pub schedule_config: Option<Value>,
    pub task_args: Option<Value>,
    pub max_instances: Option<u32>,
    pub timeout_seconds: Option<Option<u64>>,
    pub retry_count: Option<u32>,
    pub retry_delay_seconds: Option<u64>,
    pub misfire_grace_seconds: Option<Option<u64>>,
    pub enabled: Option<bool>,
    pub paused: Option<bool>,
}

impl JobInput {
    pub fn check(self, problems: &mut Problems) -> CheckedInput {
        let id = self
            .id
            .and_then(|raw| JobId::parse(&raw).map_err(|err| problems.at("body", "id", err.to_string(), INVALID)).ok());
        let name = self.name.and_then(|name| check_name(&name, problems));
        let function = resolve_function(self.task_function_id, self.task_function.as_ref(), problems);
        let job_type = resolve_job_type(self.job_type_id, self.job_type.as_ref(), problems);
        CheckedInput {
            id,
            name,
            description: self.description,
            function,
            job_type,
            schedule_config: self.schedule_config,
            task_args: self.task_args,
            max_instances: ranged(problems, "maxInstances", self.max_instances, MAX_INSTANCES),
            timeout_seconds: self.timeout_seconds.map(|t| ranged(problems, "timeoutSeconds", t, TIMEOUT_SECONDS)),
            retry_count: ranged(problems, "retryCount", self.retry_count, RETRY_COUNT),
            retry_delay_seconds: ranged(problems, "retryDelaySeconds", self.retry_delay_seconds, RETRY_DELAY_SECONDS),
            misfire_grace_seconds: self
                .misfire_grace_seconds
                .map(|g| ranged(problems, "misfireGraceSeconds", g, MISFIRE_GRACE_SECONDS)),
            enabled: self.is_enabled,
            paused: self.is_paused,
        }
    }

    /// Whether the client named a task function at all (a `taskFunction` object is the echo of
    /// a `GET` and names nothing).
    fn names_function(&self) -> bool {
        self.task_function_id.is_some() || self.task_function.as_ref().is_some_and(names_by_value)
    }

    /// A job to create, or every problem with the request.
    pub fn into_new_job(self, now: DateTime<Utc>) -> Result<NewJob, Problems> {
        let mut problems = Problems::default();
        let (had_name, had_function, had_type) = (
            self.name.is_some(),
            self.names_function(),
            self.job_type_id.is_some() || self.job_type.as_ref().is_some_and(names_by_value),
        );
        let input = self.check(&mut problems);
        if !had_name {
            problems.at("body", "name", "field required", MISSING);
        }
        if !had_function {
            problems.at("body", "taskFunctionId", "field required", MISSING);
        }
        let job_type = match (input.job_type, input.schedule_config.as_ref()) {
            (Some(job_type), _) => Some(job_type),
            (None, config) => {
                let inferred = config.and_then(infer_job_type);
                if inferred.is_none() && !had_type {
                    problems.at("body", "jobTypeId", "field required: 1 (interval), 2 (cron) or 3 (date)", MISSING);
                }
                inferred
            }
        };
        let trigger = match (&input.schedule_config, job_type) {
            (None, _) => {
                problems.at("body", "scheduleConfig", "field required", MISSING);
                None
            }
            (Some(config), Some(job_type)) => {
                from_schedule_config(job_type, config, now).map_err(|err| problems.trigger(err)).ok()
            }
            (Some(_), None) => None,
        };
        let task = input.function.and_then(|function| {
            TaskSpec::parse(function, input.task_args.as_ref()).map_err(|err| problems.task_args(err)).ok()
        });
        let defaults = Policies::default();
        let policies = Policies {
            max_instances: input.max_instances.unwrap_or(defaults.max_instances),
            timeout_seconds: input.timeout_seconds.flatten(),
            retry_count: input.retry_count.unwrap_or(defaults.retry_count),
            retry_delay_seconds: input.retry_delay_seconds.unwrap_or(defaults.retry_delay_seconds),
            misfire_grace_seconds: input.misfire_grace_seconds.flatten(),
        };
        match (input.name, task, trigger) {
            (Some(name), Some(task), Some(trigger)) if problems.is_empty() => Ok(NewJob {
                id: input.id,
                name: Some(name),
                description: input.description.flatten(),
                task,
                trigger,
                policies,
                enabled: input.enabled.unwrap_or(true),
                paused: input.paused.unwrap_or(false),
            }),
            _ => Err(problems),
        }
    }
}

impl CheckedInput {
    /// Applies the change to `job`, reading a new `scheduleConfig` or `taskArgs` against the
    /// job's current type and function when the request names none.
    pub fn apply_to(&self, job: &mut Job, now: DateTime<Utc>) -> Result<(), Problems> {
        let mut problems = Problems::default();
        if let Some(name) = &self.name {
            job.name.clone_from(name);
        }
        if let Some(description) = &self.description {
            job.description.clone_from(description);
        }

        let current_function = job.task.function();
        let function = self.function.unwrap_or(current_function);
        let same_args = self.task_args.is_none() || self.task_args.as_ref() == Some(&job.task.args_view());
        if function != current_function || !same_args {
            match TaskSpec::parse(function, self.task_args.as_ref()) {
                Ok(task) => job.task = task,
                Err(err) => problems.task_args(err),
            }
        }

        let current_type = job.trigger.job_type();
        match (&self.schedule_config, self.job_type) {
            (Some(config), job_type) => {
                let job_type = job_type.unwrap_or(current_type);
                let changed = if job_type == current_type {
                    changed_schedule_config(config, &job.trigger.schedule_config())
                } else {
                    Some(config.clone())
                };
                if let Some(config) = changed {
                    match from_schedule_config(job_type, &config, now) {
                        Ok(trigger) => job.trigger = trigger,
                        Err(err) => problems.trigger(err),
                    }
                }
            }
            (None, Some(job_type)) if job_type != current_type => {
                problems.at("body", "scheduleConfig", "field required when jobTypeId changes the job type", MISSING);
            }
            (None, _) => {}
        }

        // Sent back as shown, the effective timeout is no choice to pin to the job.
        let echoed_timeout =
            job.policies.timeout_seconds.is_none() && self.timeout_seconds == Some(Some(job.timeout_seconds()));
        let policies = &mut job.policies;
        if let Some(max_instances) = self.max_instances {
            policies.max_instances = max_instances;
        }
        if let Some(timeout) = self.timeout_seconds
            && !echoed_timeout
        {
            policies.timeout_seconds = timeout;
        }
        if let Some(retry_count) = self.retry_count {
            policies.retry_count = retry_count;
        }
        if let Some(delay) = self.retry_delay_seconds {
            policies.retry_delay_seconds = delay;
        }
        if let Some(grace) = self.misfire_grace_seconds {
            policies.misfire_grace_seconds = grace;
        }
        if let Some(enabled) = self.enabled {
            job.enabled = enabled;
        }
        if let Some(paused) = self.paused {
            job.paused = paused;
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}

fn check_name(name: &str, problems: &mut Problems) -> Option<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        problems.at("body", "name", "must not be empty", "value_error.any_str.min_length");
        None
    } else if trimmed.chars().count() > NAME_MAX_CHARS {
        problems.at(
            "body",
            "name",
            format!("must be at most {NAME_MAX_CHARS} characters"),
            "value_error.any_str.max_length",
        );
        None
    } else {
        Some(trimmed.to_owned())
    }
}

fn ranged<T: TryFrom<i64>>(
    problems: &mut Problems,
    field: &str,
    value: Option<i64>,
    (min, max): (i64, i64),
) -> Option<T> {
    let value = value?;
    if value < min {
        problems.at("body", field, format!("ensure this value is greater than or equal to {min}"), TOO_SMALL);
        return None;
    }
    if value > max {
        problems.at("body", field, format!("ensure this value is less than or equal to {max}"), TOO_BIG);
        return None;
    }
    T::try_from(value).ok()
}

/// A name or id given as a string or a number; anything else is an echoed view object.
fn names_by_value(value: &Value) -> bool {
    value.is_string() || value.is_number()
}

fn resolve_function(id: Option<i64>, named: Option<&Value>, problems: &mut Problems) -> Option<TaskFunction> {
    let known =
        || TaskFunction::ALL.iter().map(|f| format!("{} ({})", f.id(), f.name())).collect::<Vec<_>>().join(", ");
    let by_id = id.and_then(|id| {
        let found = TaskFunction::from_id(id);
        if found.is_none() {
            problems.at("body", "taskFunctionId", format!("unknown task function {id}; known: {}", known()), INVALID);
        }
        found
    });
    let by_name = match named {
        Some(Value::String(name)) => {
            let found = TaskFunction::from_name(name);
            if found.is_none() {
                problems.at(
                    "body",
                    "taskFunction",
                    format!("unknown task function '{name}'; known: {}", known()),
                    INVALID,
                );
            }
            found
        }
        Some(Value::Number(n)) => {
            let found = n.as_i64().and_then(TaskFunction::from_id);
            if found.is_none() {
                problems.at("body", "taskFunction", format!("unknown task function {n}; known: {}", known()), INVALID);
            }
            found
        }
        _ => None,
    };
    let (function, field) = match (by_id, by_name) {
        (Some(a), Some(b)) if a != b => {
            problems.at(
                "body",
                "taskFunction",
                format!("names {} but taskFunctionId is {}", b.name(), a.id()),
                INVALID,
            );
            return None;
        }
        (Some(f), _) => (f, "taskFunctionId"),
        (None, Some(f)) => (f, "taskFunction"),
        (None, None) => return None,
    };
    if !function.info().is_active {
        problems.at(
            "body",
            field,
            format!("task function {} is not available in this build", function.name()),
            INVALID,
        );
        return None;
    }
    Some(function)
}

fn resolve_job_type(id: Option<i64>, named: Option<&Value>, problems: &mut Problems) -> Option<JobType> {
    const KNOWN: &str = "1 (interval), 2 (cron) or 3 (date)";
    let by_id = id.and_then(|id| {
        let found = JobType::from_id(id);
        if found.is_none() {
            problems.at("body", "jobTypeId", format!("unknown job type {id}; expected {KNOWN}"), INVALID);
        }
        found
    });
    let by_name = match named {
        Some(Value::String(name)) => {
            let found = JobType::from_name(name);
            if found.is_none() {
                problems.at("body", "jobType", format!("unknown job type '{name}'; expected {KNOWN}"), INVALID);
            }
            found
        }
        Some(Value::Number(n)) => {
            let found = n.as_i64().and_then(JobType::from_id);
            if found.is_none() {
                problems.at("body", "jobType", format!("unknown job type {n}; expected {KNOWN}"), INVALID);
            }
            found
        }
        _ => None,
    };
    match (by_id, by_name) {
        (Some(a), Some(b)) if a != b => {
            problems.at("body", "jobType", format!("names {} but jobTypeId is {}", b.name(), a.id()), INVALID);
            None
        }
        (a, b) => a.or(b),
    }
}

/// The job type a `scheduleConfig` can only mean, for clients that leave `jobTypeId` out.
fn infer_job_type(config: &Value) -> Option<JobType> {
    let map = config.as_object()?;
    if let Some(Value::String(expression)) = map.get("expression") {
        let expression = expression.trim_start();
        return [("at(", JobType::Date), ("rate(", JobType::Interval), ("cron(", JobType::Cron)]
            .into_iter()
            .find(|(prefix, _)| expression.starts_with(prefix))
            .map(|(_, job_type)| job_type);
    }
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    let candidates = [
        (has(&["run_date"]), JobType::Date),
        (has(&["weeks", "days", "hours", "minutes", "seconds"]), JobType::Interval),
        (has(&["minute", "hour", "day", "month", "day_of_week", "year"]), JobType::Cron),
    ];
    let mut matching = candidates.into_iter().filter(|(hit, _)| *hit);
    match (matching.next(), matching.next()) {
        (Some((_, job_type)), None) => Some(job_type),
        _ => None,
    }
}

/// What of a `scheduleConfig` sent for a job of the same type is a change: `None` when it is
/// the job's own view sent back. The views of cron and date jobs carry `expression` beside the
/// fields it was made from, and the parser takes one or the other; the one the client left as
/// it was is the echo, so it is dropped.
fn changed_schedule_config(sent: &Value, current: &Value) -> Option<Value> {
    if sent == current {
        return None;
    }
    let (Some(sent_map), Some(current_map)) = (sent.as_object(), current.as_object()) else {
        return Some(sent.clone());
    };
    let (Some(sent_expression), Some(current_expression)) = (sent_map.get("expression"), current_map.get("expression"))
    else {
        return Some(sent.clone());
    };
    let is_field = |key: &str| key != "expression" && key != "timezone";
    let mut reduced: Map<String, Value> = sent_map.clone();
    if sent_expression == current_expression {
        if reduced.keys().any(|k| is_field(k)) {
            reduced.remove("expression");
        }
    } else {
        reduced.retain(|key, value| !is_field(key) || current_map.get(key) != Some(value));
    }
    Some(Value::Object(reduced))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::task::ScriptLanguage;
    use crate::domain::trigger::Trigger;
    use crate::http::body::parse_json;
    use chrono::TimeZone;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap()
    }

    fn create(body: Value) -> Result<NewJob, Vec<Value>> {
        let body: SchedulerJobCreate = parse_json(body.to_string().as_bytes()).expect("body parses");
        JobInput::from(body).into_new_job(now()).map_err(problem_list)
    }

    fn problem_list(problems: Problems) -> Vec<Value> {
        let response = axum::response::IntoResponse::into_response(problems.into_error());
        assert_eq!(response.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        let bytes = response_bytes(response);
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        value["detail"].as_array().cloned().unwrap()
    }

    fn response_bytes(response: axum::response::Response) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async { axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap().to_vec() })
    }

    fn locs(problems: &[Value]) -> Vec<Value> {
        problems.iter().map(|p| p["loc"].clone()).collect()
    }

    fn minimal() -> Value {
        json!({
            "name": "Backup",
            "taskFunctionId": 1,
            "jobTypeId": 1,
            "scheduleConfig": {"hours": 6, "minutes": 0, "seconds": 0},
            "taskArgs": {"script_path": "backup.sh", "args": ["--full"]}
        })
    }

    fn with(mut base: Value, key: &str, value: Value) -> Value {
        base[key] = value;
        base
    }

    fn without(mut base: Value, key: &str) -> Value {
        base.as_object_mut().unwrap().remove(key);
        base
    }

    fn existing() -> Job {
        let new = create(minimal()).unwrap();
        Job::create(new, Some("alice".into()), now())
    }

    #[test]
    fn a_minimal_job_gets_the_defaults() {
        let new = create(minimal()).unwrap();
        assert_eq!(new.name.as_deref(), Some("Backup"));
        assert_eq!(new.policies, Policies::default());
        assert!(new.enabled);
        assert!(!new.paused);
        assert_eq!(new.id, None);
        assert_eq!(new.trigger, Trigger::Interval { every_seconds: 6 * 3600, anchor: now() });
        assert_eq!(
            new.task,
            TaskSpec::Script {
                language: ScriptLanguage::Bash,
                script_path: "backup.sh".into(),
                args: vec!["--full".into()]
            }
        );
    }

    #[test]
    fn every_field_is_read() {
        let body = json!({
            "id": "backup-1",
            "name": "Backup",
            "description": "nightly",
            "taskFunction": "script.python",
            "jobType": "cron",
            "scheduleConfig": {"hour": "2", "minute": "30"},
            "taskArgs": {"script_path": "b.py"},
            "maxInstances": 3,
            "timeoutSeconds": 120,
            "retryCount": 2,
            "retryDelaySeconds": 10,
            "isEnabled": false,
            "isPaused": true,
            "misfireGraceSeconds": 30,
            "recentExecutions": [],
            "somethingElse": {"ignored": true}
        });
        let new = create(body).unwrap();
        assert_eq!(new.id.as_ref().map(JobId::as_str), Some("backup-1"));
        assert_eq!(new.description.as_deref(), Some("nightly"));
        assert_eq!(new.task.function(), TaskFunction::ScriptPython);
        assert_eq!(new.trigger.job_type(), JobType::Cron);
        assert_eq!(
            new.policies,
            Policies {
                max_instances: 3,
                timeout_seconds: Some(120),
                retry_count: 2,
                retry_delay_seconds: 10,
                misfire_grace_seconds: Some(30)
            }
        );
        assert!(!new.enabled);
        assert!(new.paused);
    }

    #[test]
    fn missing_required_fields_are_each_named() {
        let problems = create(json!({"description": "x"})).unwrap_err();
        assert_eq!(
            locs(&problems),
            vec![
                json!(["body", "name"]),
                json!(["body", "taskFunctionId"]),
                json!(["body", "jobTypeId"]),
                json!(["body", "scheduleConfig"]),
            ]
        );
        assert!(problems.iter().all(|p| p["type"] == MISSING), "{problems:?}");
    }

    #[test]
    fn ranges_are_checked() {
        for (field, bad) in [
            ("maxInstances", 0),
            ("maxInstances", 101),
            ("timeoutSeconds", 0),
            ("timeoutSeconds", 604_801),
            ("retryCount", -1),
            ("retryCount", 101),
            ("retryDelaySeconds", -1),
            ("retryDelaySeconds", 86_401),
            ("misfireGraceSeconds", 0),
        ] {
            let problems = create(with(minimal(), field, json!(bad))).unwrap_err();
            assert_eq!(locs(&problems), vec![json!(["body", field])], "{field}={bad}");
        }
        for (field, good) in
            [("maxInstances", 100), ("timeoutSeconds", 604_800), ("retryCount", 0), ("retryDelaySeconds", 0)]
        {
            assert!(create(with(minimal(), field, json!(good))).is_ok(), "{field}={good}");
        }
    }

    #[test]
    fn wrong_types_are_named_by_the_extractor() {
        let err =
            parse_json::<SchedulerJobCreate>(with(minimal(), "maxInstances", json!("two")).to_string().as_bytes())
                .unwrap_err();
        assert_eq!(err.loc, ["body", "maxInstances"]);
        assert_eq!(err.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        let err = parse_json::<SchedulerJobUpdate>(br#"{"isEnabled": "yes"}"#).unwrap_err();
        assert_eq!(err.loc, ["body", "isEnabled"]);
    }

    #[test]
    fn unknown_functions_and_types_are_named() {
        let problems = create(with(minimal(), "taskFunctionId", json!(99))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "taskFunctionId"])]);
        assert!(problems[0]["msg"].as_str().unwrap().contains("1 (script.bash)"));
        let problems =
            create(with(without(minimal(), "taskFunctionId"), "taskFunction", json!("script.zsh"))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "taskFunction"])]);
        let problems = create(with(minimal(), "jobTypeId", json!(7))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "jobTypeId"])]);
        let problems = create(with(minimal(), "taskFunction", json!("script.python"))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "taskFunction"])], "disagrees with taskFunctionId");
    }

    #[test]
    fn inactive_functions_are_refused_on_the_field_that_named_them() {
        let problems = create(with(minimal(), "taskFunctionId", json!(5))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "taskFunctionId"])]);
        assert!(problems[0]["msg"].as_str().unwrap().contains("not available"));
    }

    #[test]
    fn schedule_config_errors_keep_their_field() {
        let problems = create(with(minimal(), "scheduleConfig", json!({"hours": "two"}))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "scheduleConfig", "hours"])]);
        let problems = create(with(minimal(), "scheduleConfig", json!({"hours": 0}))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "scheduleConfig"])]);
    }

    #[test]
    fn task_arg_errors_sit_under_task_args() {
        let problems =
            create(with(minimal(), "taskArgs", json!({"script_path": "a.sh", "args": ["a", 1]}))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "taskArgs", "args", 1])]);
        let problems = create(without(minimal(), "taskArgs")).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "taskArgs", "script_path"])]);
    }

    #[test]
    fn problems_are_reported_together() {
        let body = with(with(minimal(), "maxInstances", json!(0)), "scheduleConfig", json!({"hours": -1}));
        let problems = create(body).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "maxInstances"]), json!(["body", "scheduleConfig", "hours"])]);
    }

    #[test]
    fn names_and_ids_are_checked() {
        let problems = create(with(minimal(), "name", json!("  "))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "name"])]);
        let problems = create(with(minimal(), "id", json!("a b"))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "id"])]);
        assert!(create(with(minimal(), "id", Value::Null)).is_ok());
    }

    #[test]
    fn the_job_type_is_read_from_the_config_when_absent() {
        let cases = [
            (json!({"minutes": 5}), JobType::Interval),
            (json!({"hour": "9", "minute": "0"}), JobType::Cron),
            (json!({"run_date": "2030-01-01T00:00:00Z"}), JobType::Date),
            (json!({"expression": "rate(5 minutes)"}), JobType::Interval),
            (json!({"expression": "cron(0 9 * * ? *)"}), JobType::Cron),
        ];
        for (config, job_type) in cases {
            let body = with(without(minimal(), "jobTypeId"), "scheduleConfig", config.clone());
            assert_eq!(create(body).map(|n| n.trigger.job_type()), Ok(job_type), "{config}");
        }
        let body = with(without(minimal(), "jobTypeId"), "scheduleConfig", json!({"minutes": 5, "hour": "1"}));
        assert_eq!(locs(&create(body).unwrap_err()), vec![json!(["body", "jobTypeId"])]);
    }

    fn update(body: Value, job: &mut Job) -> Result<(), Vec<Value>> {
        let body: SchedulerJobUpdate = parse_json(body.to_string().as_bytes()).expect("body parses");
        let mut problems = Problems::default();
        let checked = JobInput::from(body).check(&mut problems);
        if !problems.is_empty() {
            return Err(problem_list(problems));
        }
        checked.apply_to(job, now() + chrono::Duration::hours(1)).map_err(problem_list)
    }

    fn view_of(job: &Job) -> Value {
        let detail = super::super::views::SchedulerJobDetailView::new(job, &[], now());
        serde_json::to_value(detail).unwrap()
    }

    #[test]
    fn a_get_result_sent_back_changes_nothing() {
        let mut cron = existing();
        cron.trigger = from_schedule_config(JobType::Cron, &json!({"hour": "9", "minute": "0"}), now()).unwrap();
        let mut date = existing();
        date.trigger =
            from_schedule_config(JobType::Date, &json!({"run_date": "2030-01-01T00:00:00Z"}), now()).unwrap();
        for original in [existing(), cron, date] {
            let mut job = original.clone();
            update(view_of(&original), &mut job).unwrap();
            assert_eq!(job, original);
        }
    }

    #[test]
    fn an_edited_get_result_changes_what_was_edited() {
        let mut job = existing();
        job.trigger = from_schedule_config(JobType::Cron, &json!({"hour": "9", "minute": "0"}), now()).unwrap();
        let mut view = view_of(&job);
        view["scheduleConfig"]["hour"] = json!("10");
        update(view, &mut job).unwrap();
        assert_eq!(job.trigger.expression(), "cron(0 10 * * ? *)");

        let mut view = view_of(&job);
        view["scheduleConfig"]["expression"] = json!("cron(15 8 * * ? *)");
        update(view, &mut job).unwrap();
        assert_eq!(job.trigger.expression(), "cron(15 8 * * ? *)");

        let mut date = existing();
        date.trigger =
            from_schedule_config(JobType::Date, &json!({"run_date": "2030-01-01T00:00:00Z"}), now()).unwrap();
        let mut view = view_of(&date);
        view["scheduleConfig"]["run_date"] = json!("2031-01-01T00:00:00Z");
        update(view, &mut date).unwrap();
        assert_eq!(date.trigger.expression(), "at(2031-01-01T00:00:00)");
    }

    #[test]
    fn a_config_without_a_type_keeps_the_jobs_type() {
        let mut job = existing();
        update(json!({"scheduleConfig": {"minutes": 30}}), &mut job).unwrap();
        assert_eq!(job.trigger.expression(), "rate(30 minutes)");
        let problems = update(json!({"scheduleConfig": {"hour": "1"}}), &mut job).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "scheduleConfig", "hour"])]);
    }

    #[test]
    fn changing_the_type_needs_a_config() {
        let mut job = existing();
        let problems = update(json!({"jobTypeId": 2}), &mut job).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "scheduleConfig"])]);
        update(json!({"jobTypeId": 1}), &mut job).unwrap();
        update(json!({"jobTypeId": 2, "scheduleConfig": {"hour": "3"}}), &mut job).unwrap();
        assert_eq!(job.trigger.job_type(), JobType::Cron);
    }

    #[test]
    fn updates_change_only_what_they_name() {
        let original = existing();
        let mut job = original.clone();
        update(json!({"name": "Renamed", "isEnabled": false, "retryCount": 4}), &mut job).unwrap();
        assert_eq!(job.name, "Renamed");
        assert!(!job.enabled);
        assert_eq!(job.policies.retry_count, 4);
        assert_eq!(job.trigger, original.trigger);
        assert_eq!(job.task, original.task);
        assert_eq!(job.policies.max_instances, original.policies.max_instances);
    }

    #[test]
    fn nulls_clear_what_may_be_cleared() {
        let mut job = existing();
        job.description = Some("d".into());
        job.policies.timeout_seconds = Some(5);
        job.policies.misfire_grace_seconds = Some(5);
        update(
            json!({"description": null, "timeoutSeconds": null, "misfireGraceSeconds": null, "name": null}),
            &mut job,
        )
        .unwrap();
        assert_eq!(job.description, None);
        assert_eq!(job.policies.timeout_seconds, None);
        assert_eq!(job.policies.misfire_grace_seconds, None);
        assert_eq!(job.name, "Backup", "a null name is no change");
    }

    #[test]
    fn a_new_function_needs_its_arguments() {
        let mut job = existing();
        let problems = update(json!({"taskFunctionId": 7, "taskArgs": {"script_path": "x"}}), &mut job).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", "taskArgs", "script_path"])]);
        update(json!({"taskFunctionId": 7}), &mut job).unwrap();
        assert_eq!(job.task.function(), TaskFunction::CleanupExecutions);
        update(json!({"taskArgs": {"retention_days": 3}}), &mut job).unwrap();
        assert_eq!(job.task, TaskSpec::CleanupExecutions { retention_days: 3, failed_retention_days: 6 });
    }

    #[test]
    fn status_body_needs_is_enabled() {
        let body: SchedulerJobStatusUpdate = parse_json(b"{}").unwrap();
        let problems = problem_list(body.enabled().unwrap_err());
        assert_eq!(locs(&problems), vec![json!(["body", "isEnabled"])]);
        let body: SchedulerJobStatusUpdate = parse_json(br#"{"isEnabled": false}"#).unwrap();
        assert_eq!(body.enabled().ok(), Some(false));
    }
}
