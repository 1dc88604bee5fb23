//! What seed 004's routes answer, field for field in its camelCase, plus a few fields of our
//! own (`expression`, `timezone`, run counters, execution progress and output) that its clients
//! ignore.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::schedule_config::schedule_config_view;
use super::status_word::scheduler_status_word;
use super::task_args::task_args_view;
use crate::app::InstanceInfo;
use crate::domain::execution::Execution;
use crate::domain::job::Job;
use crate::domain::task::TaskFunction;
use crate::domain::trigger::JobType;
use crate::http::time::rfc3339_z;

fn rfc3339_z_opt(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(rfc3339_z)
}

/// One registered task function.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerTaskFunctionView {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "script.bash")]
    pub name: String,
    #[schema(example = "Bash script")]
    pub display_name: String,
    pub description: String,
    #[schema(example = "jobsmith::task::script.bash")]
    pub handler_path: String,
    /// Always `builtin`: task functions are compiled in.
    #[schema(example = "builtin")]
    pub handler_type: String,
    #[schema(example = "scripts")]
    pub queue: String,
    #[schema(example = 3600)]
    pub default_timeout_seconds: u64,
    /// Whether this build can run it; jobs of inactive functions are refused.
    pub is_active: bool,
    pub is_system: bool,
    /// When this server started: the catalog is built in.
    #[schema(example = "2024-01-15T10:00:00Z")]
    pub created_at: String,
}

impl SchedulerTaskFunctionView {
    pub fn new(function: TaskFunction, registered_at: DateTime<Utc>) -> Self {
        let info = function.catalog_entry();
        Self {
            id: info.id,
            name: info.name.to_owned(),
            display_name: info.display_name.to_owned(),
            description: info.description.to_owned(),
            handler_path: format!("jobsmith::task::{}", info.name),
            handler_type: "builtin".to_owned(),
            queue: info.queue.to_owned(),
            default_timeout_seconds: info.default_timeout_seconds,
            is_active: info.is_active,
            is_system: info.is_system,
            created_at: rfc3339_z(registered_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerTaskFunctionList {
    pub task_functions: Vec<SchedulerTaskFunctionView>,
    /// Functions matching the filter, ignoring paging.
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerJobTypeView {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "interval")]
    pub name: String,
    #[schema(example = "Interval")]
    pub display_name: String,
    #[schema(example = "Run at fixed time intervals")]
    pub description: String,
}

impl From<JobType> for SchedulerJobTypeView {
    fn from(job_type: JobType) -> Self {
        Self {
            id: job_type.id(),
            name: job_type.name().to_owned(),
            display_name: job_type.display_name().to_owned(),
            description: job_type.description().to_owned(),
        }
    }
}

/// A scheduled job as seed 004 shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerJobView {
    #[schema(example = "550e8400-e29b-41d4-a716-446655440000")]
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[schema(example = 1)]
    pub task_function_id: i64,
    /// 1 interval, 2 cron, 3 date.
    #[schema(example = 1)]
    pub job_type_id: i64,
    /// Interval: `{hours, minutes, seconds}`; cron: `{expression, timezone}` and the fields it
    /// was made from; date: `{run_date, expression}`.
    #[schema(example = json!({"hours": 1, "minutes": 0, "seconds": 0}))]
    pub schedule_config: Value,
    #[schema(example = json!({"script_path": "backup.sh", "args": ["--full"]}))]
    pub task_args: Option<Value>,
    pub max_instances: u32,
    /// The effective timeout: the job's own, else the task function's default.
    pub timeout_seconds: u64,
    pub retry_count: u32,
    pub retry_delay_seconds: u64,
    pub is_enabled: bool,
    pub is_paused: bool,
    /// Null while the job is disabled or paused, and once it will not fire again.
    #[schema(example = "2024-01-15T12:00:00Z")]
    pub next_run_time: Option<String>,
    pub last_run_time: Option<String>,
    /// `pending`, `running`, `success`, `failed`, `timeout`, `cancelled` or `skipped`.
    #[schema(example = "success")]
    pub last_status: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    /// The schedule as an EventBridge expression: `rate(1 hour)`, `cron(0 9 ? * MON *)`, `at(…)`.
    #[schema(example = "rate(1 hour)")]
    pub expression: String,
    #[schema(example = "UTC")]
    pub timezone: String,
    /// How late a fire may still start; null uses the server's setting.
    pub misfire_grace_seconds: Option<u64>,
    pub total_runs: u64,
    pub successful_runs: u64,
    pub failed_runs: u64,
}

impl From<&Job> for SchedulerJobView {
    fn from(job: &Job) -> Self {
        Self {
            id: job.id.to_string(),
            name: job.name.clone(),
            description: job.description.clone(),
            task_function_id: job.task.function().id(),
            job_type_id: job.trigger.job_type().id(),
            schedule_config: schedule_config_view(&job.trigger),
            task_args: Some(task_args_view(&job.task)),
            max_instances: job.policies.max_instances,
            timeout_seconds: job.timeout_seconds(),
            retry_count: job.policies.retry_count,
            retry_delay_seconds: job.policies.retry_delay_seconds,
            is_enabled: job.enabled,
            is_paused: job.paused,
            next_run_time: if job.is_active() { rfc3339_z_opt(job.next_run_at) } else { None },
            last_run_time: rfc3339_z_opt(job.last_run_at),
            last_status: job.last_status.map(|s| scheduler_status_word(s).to_owned()),
            created_at: rfc3339_z(job.created_at),
            updated_at: rfc3339_z(job.updated_at),
            created_by: job.created_by.clone(),
            updated_by: job.updated_by.clone(),
            expression: job.trigger.expression(),
            timezone: job.trigger.timezone().name().to_owned(),
            misfire_grace_seconds: job.policies.misfire_grace_seconds,
            total_runs: job.counters.total,
            successful_runs: job.counters.succeeded,
            failed_runs: job.counters.failed,
        }
    }
}

/// `GET /jobs/{job_id}`: the job with its task function, job type and latest runs.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerJobDetailView {
    #[serde(flatten)]
    pub job: SchedulerJobView,
    pub task_function: SchedulerTaskFunctionView,
    pub job_type: SchedulerJobTypeView,
    /// The latest ten, newest first.
    pub recent_executions: Vec<SchedulerExecutionView>,
}

impl SchedulerJobDetailView {
    pub fn new(job: &Job, recent: &[Execution], registered_at: DateTime<Utc>) -> Self {
        Self {
            job: SchedulerJobView::from(job),
            task_function: SchedulerTaskFunctionView::new(job.task.function(), registered_at),
            job_type: SchedulerJobTypeView::from(job.trigger.job_type()),
            recent_executions: recent.iter().map(SchedulerExecutionView::from).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerJobList {
    pub jobs: Vec<SchedulerJobView>,
    /// Jobs matching the filter, ignoring paging.
    pub total: u64,
    /// Over all jobs, ignoring the filter.
    pub enabled_count: u64,
    pub disabled_count: u64,
    /// Executions running now.
    pub running_count: u64,
    pub page: u64,
    pub per_page: u32,
    /// Pass as `cursor` to continue after this page without counting; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct SchedulerProgressView {
    pub total: u64,
    pub processed: u64,
    pub succeeded: u64,
    pub failed: u64,
}

/// One run of a job.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerExecutionView {
    pub id: String,
    pub job_id: String,
    /// Always null: runs are not Celery tasks.
    #[schema(value_type = Option<String>)]
    pub celery_task_id: Option<String>,
    /// `pending`, `running`, `success`, `failed`, `timeout`, `cancelled` or `skipped`.
    #[schema(example = "success")]
    pub status: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    #[schema(example = 5.2)]
    pub duration_seconds: Option<f64>,
    pub result: Option<Value>,
    pub error_message: Option<String>,
    /// `scheduler`, `manual`, `api` or `retry`.
    #[schema(example = "scheduler")]
    pub triggered_by: String,
    /// The API key's name that triggered it.
    pub triggered_by_user_id: Option<String>,
    /// 1 for the first try, then one more per retry.
    pub attempt: u32,
    /// The fire time this run belongs to.
    pub scheduled_time: String,
    pub progress: SchedulerProgressView,
    pub exit_code: Option<i32>,
    pub stdout_tail: Option<String>,
    pub stderr_tail: Option<String>,
}

impl From<&Execution> for SchedulerExecutionView {
    fn from(execution: &Execution) -> Self {
        let p = execution.progress;
        Self {
            id: execution.id.to_string(),
            job_id: execution.job_id.to_string(),
            celery_task_id: None,
            status: scheduler_status_word(execution.status).to_owned(),
            started_at: rfc3339_z_opt(execution.started_at),
            completed_at: rfc3339_z_opt(execution.finished_at),
            duration_seconds: execution.duration_seconds(),
            result: execution.result.clone(),
            error_message: execution.error.clone(),
            triggered_by: execution.triggered_by.as_str().to_owned(),
            triggered_by_user_id: execution.principal.clone(),
            attempt: execution.attempt,
            scheduled_time: rfc3339_z(execution.scheduled_at),
            progress: SchedulerProgressView {
                total: p.total,
                processed: p.processed,
                succeeded: p.succeeded,
                failed: p.failed,
            },
            exit_code: execution.exit_code,
            stdout_tail: execution.stdout_tail.clone(),
            stderr_tail: execution.stderr_tail.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerExecutionList {
    pub executions: Vec<SchedulerExecutionView>,
    /// Executions matching the filter, ignoring paging.
    pub total: u64,
    pub page: u64,
    pub per_page: u32,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerTriggerResponse {
    pub job_id: String,
    pub execution_id: String,
    /// Always null: runs are not Celery tasks.
    #[schema(value_type = Option<String>)]
    pub celery_task_id: Option<String>,
    #[schema(example = "Job triggered successfully")]
    pub message: String,
    #[schema(example = "running")]
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerInstanceView {
    pub id: String,
    pub hostname: String,
    pub pid: u32,
    /// Always true: each server schedules its own jobs.
    pub is_leader: bool,
    pub leader_since: String,
    pub last_heartbeat: String,
    pub started_at: String,
    #[schema(example = "0.1.0")]
    pub version: String,
}

impl From<&InstanceInfo> for SchedulerInstanceView {
    fn from(instance: &InstanceInfo) -> Self {
        Self {
            id: instance.id.clone(),
            hostname: instance.hostname.clone(),
            pid: instance.pid,
            is_leader: true,
            leader_since: rfc3339_z(instance.started_at),
            last_heartbeat: rfc3339_z(instance.last_heartbeat()),
            started_at: rfc3339_z(instance.started_at),
            version: instance.version.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerNextJobView {
    pub id: String,
    pub name: String,
    pub next_run_time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerStatusView {
    pub is_running: bool,
    pub leader_instance: SchedulerInstanceView,
    pub total_jobs: u64,
    pub enabled_jobs: u64,
    /// Executions running now.
    pub running_jobs: u64,
    pub next_scheduled_job: Option<SchedulerNextJobView>,
    pub instances: Vec<SchedulerInstanceView>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::execution::{ExecutionStatus, Progress, TriggeredBy};
    use crate::domain::ids::JobId;
    use crate::domain::job::{NewJob, Policies};
    use crate::domain::task::{RunKind, ScriptLanguage, TaskSpec};
    use crate::domain::trigger::Trigger;
    use crate::test_support::fixtures::SCHEDULER_JOB_KEYS;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, h, m, s).unwrap()
    }

    fn job() -> Job {
        let new = NewJob {
            id: Some(JobId::parse("nightly").unwrap()),
            name: Some("Nightly".into()),
            description: None,
            task: TaskSpec::Script {
                language: ScriptLanguage::Bash,
                script_path: "b.sh".into(),
                args: vec!["x".into()],
            },
            trigger: Trigger::Interval { every_seconds: 3600, anchor: at(10, 0, 0) },
            policies: Policies::default(),
            enabled: true,
            paused: false,
        };
        let mut job = Job::create(new, Some("alice".into()), at(10, 0, 0));
        job.last_status = Some(ExecutionStatus::TimedOut);
        job
    }

    #[test]
    fn job_view_speaks_seed_004() {
        let value = serde_json::to_value(SchedulerJobView::from(&job())).unwrap();
        let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        let own = ["expression", "timezone", "misfireGraceSeconds", "totalRuns", "successfulRuns", "failedRuns"];
        for key in SCHEDULER_JOB_KEYS.into_iter().chain(own) {
            assert!(keys.contains(&key), "missing {key} in {keys:?}");
        }
        assert_eq!(keys.len(), 26, "{keys:?}");
        assert_eq!(value["lastStatus"], "timeout");
        assert_eq!(value["nextRunTime"], "2024-01-15T11:00:00Z");
        assert_eq!(value["createdAt"], "2024-01-15T10:00:00Z");
        assert_eq!(value["scheduleConfig"], json!({"hours": 1, "minutes": 0, "seconds": 0}));
        assert_eq!(value["taskArgs"], json!({"script_path": "b.sh", "args": ["x"]}));
        assert_eq!(value["timeoutSeconds"], 3600, "the function's default when the job sets none");
        assert_eq!(value["jobTypeId"], 1);
        assert_eq!(value["taskFunctionId"], 1);
        assert_eq!(value["expression"], "rate(1 hour)");
        assert_eq!(value["createdBy"], "alice");
    }

    #[test]
    fn inactive_jobs_show_no_next_run() {
        let mut paused = job();
        paused.paused = true;
        assert_eq!(SchedulerJobView::from(&paused).next_run_time, None);
        let mut disabled = job();
        disabled.enabled = false;
        assert_eq!(SchedulerJobView::from(&disabled).next_run_time, None);
    }

    #[test]
    fn execution_view_speaks_seed_004() {
        let mut execution = Execution::new(
            job().id,
            RunKind::Script,
            at(11, 0, 0),
            2,
            TriggeredBy::Manual,
            Some("bob".into()),
            at(11, 0, 0),
        );
        execution.status = ExecutionStatus::Succeeded;
        execution.started_at = Some(at(11, 0, 0));
        execution.finished_at = Some(at(11, 0, 5));
        execution.result = Some(json!({"synced_count": 150}));
        execution.progress = Progress { total: 4, processed: 3, succeeded: 2, failed: 1 };
        let value = serde_json::to_value(SchedulerExecutionView::from(&execution)).unwrap();
        assert_eq!(value["status"], "success");
        assert_eq!(value["jobId"], "nightly");
        assert_eq!(value["celeryTaskId"], Value::Null);
        assert_eq!(value["startedAt"], "2024-01-15T11:00:00Z");
        assert_eq!(value["completedAt"], "2024-01-15T11:00:05Z");
        assert_eq!(value["durationSeconds"], 5.0);
        assert_eq!(value["triggeredBy"], "manual");
        assert_eq!(value["triggeredByUserId"], "bob");
        assert_eq!(value["attempt"], 2);
        assert_eq!(value["scheduledTime"], "2024-01-15T11:00:00Z");
        assert_eq!(value["progress"], json!({"total": 4, "processed": 3, "succeeded": 2, "failed": 1}));
        for key in ["result", "errorMessage", "exitCode", "stdoutTail", "stderrTail"] {
            assert!(value.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn detail_view_flattens_the_job() {
        let view = SchedulerJobDetailView::new(&job(), &[], at(9, 0, 0));
        let value = serde_json::to_value(view).unwrap();
        assert_eq!(value["id"], "nightly");
        assert_eq!(value["taskFunction"]["handlerPath"], "jobsmith::task::script.bash");
        assert_eq!(value["taskFunction"]["handlerType"], "builtin");
        assert_eq!(value["taskFunction"]["createdAt"], "2024-01-15T09:00:00Z");
        assert_eq!(
            value["jobType"],
            json!({"id": 1, "name": "interval", "displayName": "Interval", "description": "Run at fixed time intervals"})
        );
        assert_eq!(value["recentExecutions"], json!([]));
    }
}
