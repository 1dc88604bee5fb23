//! How a job looks on the `/api/…` routes: seed 001's APScheduler fields and seed 000's run
//! fields side by side, because `GET /api/jobs` serves the clients of both.

use serde::Serialize;
use utoipa::ToSchema;

use super::trigger_text::apscheduler_trigger_text;
use crate::domain::execution::ExecutionStatus;
use crate::domain::job::Job;
use crate::domain::task::TaskSpec;
use crate::http::time;

/// One job in `GET /api/jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct JobView {
    #[schema(example = "data_backup_job")]
    pub job_id: String,
    #[schema(example = "bash:/opt/scripts/backup.sh")]
    pub name: String,
    /// `2024-12-31T23:59:59+00:00`; null while paused or disabled and once it will not fire again.
    #[schema(example = "2024-12-31T23:59:59+00:00")]
    pub next_run_time: Option<String>,
    #[schema(example = "date[2024-12-31 23:59:59 UTC]")]
    pub trigger: String,
    #[schema(example = "default")]
    pub executor: &'static str,
    pub pending: bool,
    /// The source video of a clip job; null for every other job.
    pub video_id: Option<String>,
    /// `pending` (never ran), `paused`, or the last run's outcome: `finished`, `processing`,
    /// `failed`, `timed_out`, `cancelled`, `skipped`.
    #[schema(example = "finished")]
    pub status: &'static str,
    /// Naive UTC, `2024-11-11T20:30:00`.
    #[schema(example = "2024-11-11T20:30:00")]
    pub created_at: String,
    /// A clip job's clips to cut in its latest run; for other jobs, runs so far.
    pub total: u64,
    /// A clip job's clips cut so far in its latest run; for other jobs, runs that finished,
    /// succeeded or failed.
    pub processed: u64,
    /// `bash`, `python`, or the task function's name.
    #[schema(example = "bash")]
    pub job_type: &'static str,
    pub paused: bool,
    pub enabled: bool,
}

/// One job in `GET /api/job/{job_id}`: the list fields plus what the script gets.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct JobDetailView {
    #[serde(flatten)]
    pub job: JobView,
    /// Null for jobs that run no script.
    #[schema(example = "/opt/scripts/backup.sh")]
    pub script_path: Option<String>,
    #[schema(example = json!(["--full", "--compress"]))]
    pub args: Option<Vec<String>>,
}

/// The job as `POST /api/schedule-job` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScheduledJobView {
    #[schema(example = "data_backup_job")]
    pub job_id: String,
    #[schema(example = "bash:/opt/scripts/backup.sh")]
    pub name: String,
    #[schema(example = "2024-12-31T23:59:59+00:00")]
    pub next_run_time: Option<String>,
    #[schema(example = "bash")]
    pub job_type: &'static str,
    #[schema(example = "/opt/scripts/backup.sh")]
    pub script_path: Option<String>,
    #[schema(example = json!(["--full", "--compress"]))]
    pub args: Option<Vec<String>>,
}

impl JobView {
    pub fn of(job: &Job) -> Self {
        Self {
            job_id: job.id.as_str().to_owned(),
            name: job.name.clone(),
            next_run_time: next_run_time(job),
            trigger: apscheduler_trigger_text(&job.trigger),
            executor: "default",
            pending: false,
            video_id: clip_video_of(&job.task),
            status: status_word(job),
            created_at: time::naive(job.created_at),
            total: job.counters.total,
            processed: job.counters.succeeded.saturating_add(job.counters.failed),
            job_type: job_type(&job.task),
            paused: job.paused,
            enabled: job.enabled,
        }
    }
}

impl JobDetailView {
    pub fn of(job: &Job) -> Self {
        let (script_path, args) = script_of(&job.task);
        Self { job: JobView::of(job), script_path, args }
    }
}

impl ScheduledJobView {
    pub fn of(job: &Job) -> Self {
        let (script_path, args) = script_of(&job.task);
        Self {
            job_id: job.id.as_str().to_owned(),
            name: job.name.clone(),
            next_run_time: next_run_time(job),
            job_type: job_type(&job.task),
            script_path,
            args,
        }
    }
}

/// APScheduler shows no next run time for a paused job; a job that is off or spent has none.
fn next_run_time(job: &Job) -> Option<String> {
    job.next_run_at.filter(|_| job.is_active()).map(time::offset)
}

/// Seed 000's words; its cleanup scripts select on `finished` and `failed`.
fn status_word(job: &Job) -> &'static str {
    if job.paused {
        return "paused";
    }
    job.last_status.map_or("pending", clip_status_word)
}

/// Seed 000 says `finished` and `processing`; the other statuses it shares with the model.
pub(super) fn clip_status_word(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Succeeded => "finished",
        ExecutionStatus::Running => "processing",
        other => other.as_str(),
    }
}

fn job_type(task: &TaskSpec) -> &'static str {
    match task {
        TaskSpec::Script { language, .. } => language.as_str(),
        other => other.function().name(),
    }
}

/// The video a clip job cuts, as its clips are filed: its id, or its stored file's name.
fn clip_video_of(task: &TaskSpec) -> Option<String> {
    match task {
        TaskSpec::Clip(clip) => Some(clip.video_label()),
        _ => None,
    }
}

fn script_of(task: &TaskSpec) -> (Option<String>, Option<Vec<String>>) {
    match task {
        TaskSpec::Script { script_path, args, .. } => (Some(script_path.clone()), Some(args.clone())),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::domain::execution::ExecutionStatus;
    use crate::domain::ids::JobId;
    use crate::domain::job::{NewJob, Policies, RunCounters};
    use crate::domain::task::ScriptLanguage;
    use crate::domain::trigger::Trigger;

    fn job() -> Job {
        let now = Utc.with_ymd_and_hms(2024, 11, 11, 20, 30, 0).unwrap();
        let run_at = Utc.with_ymd_and_hms(2024, 12, 31, 23, 59, 59).unwrap();
        let task = TaskSpec::script(ScriptLanguage::Bash, "/opt/scripts/backup.sh".into(), vec!["--full".into()]);
        let new = NewJob {
            id: Some(JobId::parse("data_backup_job").unwrap()),
            name: None,
            description: None,
            task: task.unwrap(),
            trigger: Trigger::Date { run_at },
            policies: Policies::default(),
            enabled: true,
            paused: false,
        };
        Job::create(new, Some("tester".into()), now)
    }

    #[test]
    fn a_new_job_reads_as_both_seeds_show_it() {
        let view = serde_json::to_value(JobDetailView::of(&job())).unwrap();
        assert_eq!(
            view,
            json!({
                "job_id": "data_backup_job",
                "name": "bash:/opt/scripts/backup.sh",
                "next_run_time": "2024-12-31T23:59:59+00:00",
                "trigger": "date[2024-12-31 23:59:59 UTC]",
                "executor": "default",
                "pending": false,
                "video_id": null,
                "status": "pending",
                "created_at": "2024-11-11T20:30:00",
                "total": 0,
                "processed": 0,
                "job_type": "bash",
                "paused": false,
                "enabled": true,
                "script_path": "/opt/scripts/backup.sh",
                "args": ["--full"],
            })
        );
    }

    #[test]
    fn paused_or_disabled_jobs_have_no_next_run_time() {
        let mut paused = job();
        paused.paused = true;
        let view = JobView::of(&paused);
        assert_eq!((view.next_run_time, view.status), (None, "paused"));

        let mut disabled = job();
        disabled.enabled = false;
        assert_eq!(JobView::of(&disabled).next_run_time, None);

        let mut spent = job();
        spent.next_run_at = None;
        assert_eq!(ScheduledJobView::of(&spent).next_run_time, None);
    }

    #[test]
    fn status_uses_seed_000_words_and_counters() {
        let mut ran = job();
        ran.last_status = Some(ExecutionStatus::Succeeded);
        ran.counters = RunCounters { total: 5, succeeded: 3, failed: 1 };
        let view = JobView::of(&ran);
        assert_eq!((view.status, view.total, view.processed), ("finished", 5, 4));
        ran.last_status = Some(ExecutionStatus::Running);
        assert_eq!(JobView::of(&ran).status, "processing");
        ran.last_status = Some(ExecutionStatus::Failed);
        assert_eq!(JobView::of(&ran).status, "failed");
    }

    #[test]
    fn created_at_is_naive_so_seed_000_can_compare_it() {
        let view = JobView::of(&job());
        assert!(chrono::NaiveDateTime::parse_from_str(&view.created_at, "%Y-%m-%dT%H:%M:%S").is_ok());
        assert!(!view.created_at.contains('+') && !view.created_at.ends_with('Z'));
    }

    #[test]
    fn non_script_jobs_name_their_function() {
        let mut cleanup = job();
        cleanup.task = TaskSpec::CleanupExecutions { retention_days: 30, failed_retention_days: 60, dry_run: false };
        let view = JobDetailView::of(&cleanup);
        assert_eq!(view.job.job_type, "cleanup.executions");
        assert_eq!((view.script_path, view.args), (None, None));
    }
}
