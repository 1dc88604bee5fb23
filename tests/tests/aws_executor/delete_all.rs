//! `DELETE /api/jobs/all` with thousands of jobs: the records go within the function's timeout,
//! and the sweep removes their schedules and histories afterwards.

use std::time::{Duration, Instant};

use chrono::Utc;
use jobsmith::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use jobsmith::domain::ids::JobId;
use jobsmith::domain::job::{Job, JobFilter, NewJob, Policies};
use jobsmith::domain::task::{RunKind, ScriptLanguage, TaskSpec};
use jobsmith::domain::trigger::Trigger;
use jobsmith::ports::{ExecutionFilter, PageRequest, TriggerBackend};
use jobsmith_functions::sweep;
use jobsmith_tests::template::{Node, template};

use super::harness::harness;

const JOBS: usize = 2_000;
/// Schedules written at once while seeding.
const SEED_SCHEDULES_AT_ONCE: usize = 16;

/// What template.yaml gives the delete-all-jobs function: its own timeout, else the global one.
fn function_timeout() -> Duration {
    let template = template();
    let own = template.get_path(&["Resources", "DeleteAllJobsFunction", "Properties", "Timeout"]);
    let global = template.get_path(&["Globals", "Function", "Timeout"]);
    let seconds = own.or(global).and_then(Node::as_str).and_then(|s| s.parse().ok()).expect("a timeout in seconds");
    Duration::from_secs(seconds)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_thousands_of_jobs_answers_in_time_and_the_sweep_removes_the_rest() {
    let h = harness().await;
    let script = h.script("noop.sh", "exit 0");
    let now = Utc::now();
    let jobs: Vec<Job> = (0..JOBS)
        .map(|i| {
            let new = NewJob {
                id: Some(JobId::parse(&format!("bulk-{i:05}")).expect("job id")),
                name: None,
                description: None,
                task: TaskSpec::Script { language: ScriptLanguage::Bash, script_path: script.clone(), args: vec![] },
                trigger: Trigger::Interval { every_seconds: 3_600, anchor: now },
                policies: Policies::default(),
                enabled: true,
                paused: false,
            };
            Job::create(new, None, now)
        })
        .collect();
    // Written in batches: moto undoes overlapping transactions, and one by one takes minutes.
    h.app.store.import_jobs(&jobs).await.expect("the jobs");
    let runs: Vec<Execution> = jobs
        .iter()
        .map(|job| {
            Execution::new(job.id.clone(), RunKind::Script, now, 1, TriggeredBy::Scheduler, None, now)
                .finish_without_running(ExecutionStatus::Skipped, "misfired".to_owned(), now)
        })
        .collect();
    h.app.store.import_finished(&runs).await.expect("a run of each");
    for chunk in jobs.chunks(SEED_SCHEDULES_AT_ONCE) {
        let mut writes = tokio::task::JoinSet::new();
        for job in chunk {
            let (scheduler, job) = (h.app.scheduler.clone(), job.clone());
            writes.spawn(async move { scheduler.schedule(&job).await });
        }
        while let Some(written) = writes.join_next().await {
            written.expect("the task").expect("a job's schedule");
        }
    }
    assert_eq!(h.job_schedules().await.len(), JOBS);

    let started = Instant::now();
    let report = h.app.service.delete_all().await.expect("the delete");
    let took = started.elapsed();
    eprintln!("{JOBS} jobs deleted in {took:?}");
    assert!(took < function_timeout(), "{JOBS} jobs took {took:?}, beyond the function's {:?}", function_timeout());
    assert_eq!((report.deleted, report.errors.len()), (JOBS as u64, 0), "{:?}", report.errors);
    let page = PageRequest { offset: 0, limit: 10, cursor: None };
    let listed = h.app.jobs.list_jobs(&JobFilter::default(), &page).await.expect("list");
    assert_eq!((listed.total, listed.items.len()), (0, 0), "the jobs are gone from listings at once");
    assert_eq!(h.app.service.counts().await.expect("counts").total, 0);

    // A job made again with a deleted one's id before the sweep keeps its schedule.
    let again = h.job("bulk-00000", script, vec![], Policies::default()).await;
    // A job whose delete did not land (its batch's delete left unprocessed, its marker written)
    // keeps its schedule and its history.
    let survivor = &jobs[1];
    h.app.store.import_jobs(std::slice::from_ref(survivor)).await.expect("the job back");

    let mut swept = 0;
    loop {
        let report = sweep(&h.app, Instant::now() + Duration::from_secs(600)).await.expect("a sweep");
        swept += 1;
        if report.schedules_left == 0 && report.histories_left == 0 {
            break;
        }
        assert!(swept < 5, "still not done after {swept} sweeps: {report:?}");
    }
    let mut left = h.job_schedules().await;
    left.sort();
    assert_eq!(left, [again.id.to_string(), survivor.id.to_string()], "only the jobs that exist have schedules");
    let history = h.app.executions.list_executions(&ExecutionFilter::default(), &page).await.expect("runs");
    let kept: Vec<&JobId> = history.items.iter().map(|run| &run.job_id).collect();
    assert_eq!(kept, [&survivor.id], "every deleted job's run is gone, the surviving job's stays");
}
