//! `DELETE /api/jobs/all` with thousands of jobs: one write hides them all within the function's
//! timeout, and the sweep removes their records, schedules and histories afterwards.

use std::time::{Duration, Instant};

use chrono::Utc;
use jobsmith::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use jobsmith::domain::ids::JobId;
use jobsmith::domain::job::{Job, JobFilter, NewJob, Policies};
use jobsmith::domain::task::{RunKind, ScriptLanguage, TaskSpec};
use jobsmith::domain::trigger::Trigger;
use jobsmith::ports::{ExecutionFilter, PageRequest, StoreError, TriggerBackend};
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
    let jobs: Vec<Job> =
        (0..JOBS).map(|i| Job::create(new_job(&format!("bulk-{i:05}"), &script, now), None, now)).collect();
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

    assert!(h.app.jobs.get_job(&jobs[7].id).await.expect("get").is_none(), "a deleted job reads as gone");
    assert!(
        h.app.store.deleted_jobs_remain().await.expect("the index"),
        "the delete wrote no record: every one waits for the sweep, so its time does not grow with their number"
    );
    let late = Job::create(new_job("made-by-a-clock-behind", &script, now), None, now);
    let refused = h.app.jobs.insert_job(&late).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict)),
        "a job the delete would hide the moment it is written is refused, not lost: {refused:?}"
    );

    // A job made again with a deleted one's id before the sweep takes the id, keeps its
    // schedule and its own runs; the deleted job's run goes.
    let again = h.job("bulk-00000", script.clone(), vec![], Policies::default()).await;
    let fresh = h.job("made-after", script.clone(), vec![], Policies::default()).await;
    let later = Utc::now();
    let own_run = Execution::new(again.id.clone(), RunKind::Script, later, 1, TriggeredBy::Scheduler, None, later)
        .finish_without_running(ExecutionStatus::Skipped, "misfired".to_owned(), later);
    h.app.store.import_finished(std::slice::from_ref(&own_run)).await.expect("a run of the new job");

    sweep_until_done(&h).await;
    let mut left = h.job_schedules().await;
    left.sort();
    assert_eq!(left, [again.id.to_string(), fresh.id.to_string()], "only the jobs that exist have schedules");
    let history = h.app.executions.list_executions(&ExecutionFilter::default(), &page).await.expect("runs");
    let kept: Vec<_> = history.items.iter().map(|run| run.id).collect();
    assert_eq!(kept, [own_run.id], "every deleted job's run is gone, the new job's stays");
    let listed = h.app.jobs.list_jobs(&JobFilter::default(), &page).await.expect("list");
    assert_eq!(listed.total, 2);

    // A second delete counts only the jobs made since the first.
    let report = h.app.service.delete_all().await.expect("the second delete");
    assert_eq!((report.deleted, report.errors.len()), (2, 0));
    sweep_until_done(&h).await;
    assert_eq!(h.job_schedules().await, Vec::<String>::new());
    assert_eq!(h.app.jobs.list_jobs(&JobFilter::default(), &page).await.expect("list").total, 0);
}

fn new_job(id: &str, script: &str, now: chrono::DateTime<Utc>) -> NewJob {
    NewJob {
        id: Some(JobId::parse(id).expect("job id")),
        name: None,
        description: None,
        task: TaskSpec::Script { language: ScriptLanguage::Bash, script_path: script.to_owned(), args: vec![] },
        trigger: Trigger::Interval { every_seconds: 3_600, anchor: now },
        policies: Policies::default(),
        enabled: true,
        paused: false,
    }
}

/// Sweeps until nothing deleted is left, in a few sweeps at most.
async fn sweep_until_done(h: &super::harness::Harness) {
    for _ in 0..5 {
        let report = sweep(&h.app, Instant::now() + Duration::from_secs(600)).await.expect("a sweep");
        if report.schedules_left == 0 && report.histories_left == 0 && !report.deleted_jobs_left {
            return;
        }
    }
    panic!("deleted jobs still left after 5 sweeps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_from_before_a_delete_of_every_job_pages_the_jobs_made_since() {
    let h = harness().await;
    let script = h.script("noop.sh", "exit 0");
    for id in ["old-a", "old-b", "old-c"] {
        h.job(id, script.clone(), vec![], Policies::default()).await;
    }
    let first = PageRequest { offset: 0, limit: 1, cursor: None };
    let page = h.app.jobs.list_jobs(&JobFilter::default(), &first).await.expect("the first page");
    let cursor = page.next_cursor.expect("a cursor past the first of three jobs");

    assert_eq!(h.app.service.delete_all().await.expect("the delete").deleted, 3);
    let made_since = h.job("old-b", script, vec![], Policies::default()).await;
    let resumed = PageRequest { offset: 0, limit: 10, cursor: Some(cursor) };
    let page = h.app.jobs.list_jobs(&JobFilter::default(), &resumed).await.expect("the old cursor still pages");
    let ids: Vec<&JobId> = page.items.iter().map(|job| &job.id).collect();
    assert_eq!((ids, page.total), (vec![&made_since.id], 1), "the deleted jobs after the cursor are not listed");
}
