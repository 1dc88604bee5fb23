//! Checks that need no job (types, ranges, known ids), and applying a checked change.

use super::SchedulerJobInput;
use super::resolve::{names_by_value, resolve};
use crate::domain::ids::JobId;
use crate::domain::job::{Job, NewJob, Policies};
use crate::domain::task::TaskFunction;
use crate::domain::trigger::JobType;
use crate::http::body::InputError;
use crate::http::detail::DetailError;
use crate::http::scheduler_api::problems::{INVALID, MISSING, Problems, TOO_BIG, TOO_SMALL};
use crate::http::scheduler_api::schedule_config::{
    changed_schedule_config, from_schedule_config, infer_job_type, schedule_config_view,
};
use crate::http::scheduler_api::task_args::{parse_task_args, task_args_view};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

const NAME_MAX_CHARS: usize = 255;
const MAX_INSTANCES: (i64, i64) = (1, 100);
const TIMEOUT_SECONDS: (i64, i64) = (1, 604_800);
const RETRY_COUNT: (i64, i64) = (0, 100);
const RETRY_DELAY_SECONDS: (i64, i64) = (0, 86_400);
const MISFIRE_GRACE_SECONDS: (i64, i64) = (1, 604_800);

/// The input after the checks that need no job: types, ranges, known ids.
#[derive(Debug, Default, Clone, PartialEq)]
pub(in crate::http::scheduler_api) struct CheckedInput {
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

impl SchedulerJobInput {
    /// The checks that need no job; `id` is left to [`Self::into_new_job`], the one operation
    /// that reads it.
    pub(in crate::http::scheduler_api) fn check(self, problems: &mut Problems) -> CheckedInput {
        let name = self.name.and_then(|name| check_name(&name, problems));
        let function = resolve(self.task_function_id, self.task_function.as_ref(), problems);
        let job_type = resolve(self.job_type_id, self.job_type.as_ref(), problems);
        CheckedInput {
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
    pub fn into_new_job(self, now: DateTime<Utc>) -> Result<NewJob, DetailError> {
        let mut problems = Problems::default();
        let id = self.job_id(&mut problems)?;
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
            parse_task_args(function, input.task_args.as_ref()).map_err(|err| problems.task_args(err)).ok()
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
                id,
                name: Some(name),
                description: input.description.flatten(),
                task,
                trigger,
                policies,
                enabled: input.enabled.unwrap_or(true),
                paused: input.paused.unwrap_or(false),
            }),
            _ => Err(problems.into_error()),
        }
    }

    /// `POST`'s id. A value that is no string is refused as a strict read of the body would
    /// have refused it, before any other check.
    fn job_id(&self, problems: &mut Problems) -> Result<Option<JobId>, DetailError> {
        let raw = match &self.id {
            None => return Ok(None),
            Some(Value::String(raw)) => raw,
            Some(other) => {
                let message = String::deserialize(other).err().map_or_else(String::new, |err| err.to_string());
                let loc = vec!["body".to_owned(), "id".to_owned()];
                return Err(InputError::new(StatusCode::UNPROCESSABLE_ENTITY, loc, message, "type_error").into());
            }
        };
        Ok(JobId::parse(raw).map_err(|err| problems.at("body", "id", err.to_string(), INVALID)).ok())
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
        let same_args = self.task_args.is_none() || self.task_args.as_ref() == Some(&task_args_view(&job.task));
        if function != current_function || !same_args {
            match parse_task_args(function, self.task_args.as_ref()) {
                Ok(task) => job.task = task,
                Err(err) => problems.task_args(err),
            }
        }

        let current_type = job.trigger.job_type();
        match (&self.schedule_config, self.job_type) {
            (Some(config), job_type) => {
                let job_type = job_type.unwrap_or(current_type);
                let changed = if job_type == current_type {
                    changed_schedule_config(config, &schedule_config_view(&job.trigger))
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
