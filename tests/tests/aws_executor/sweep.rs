//! The sweep function against moto: what it ends, what it sends again, and what it leaves.

use chrono::{Duration, Utc};
use jobsmith::adapters::aws::dynamo::LEASE_LAPSED;
use jobsmith::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use jobsmith::domain::ids::JobId;
use jobsmith::domain::job::Policies;
use jobsmith::domain::task::RunKind;
use jobsmith::ports::{ExecutionFilter, PageRequest, StartOutcome};
use jobsmith_functions::{STUCK_AFTER, sweep};

use jobsmith::test_support::aws::EXECUTOR_ARN;

use super::harness::{Harness, harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_ends_lapsed_runs_and_redispatches_stuck_retries() {
    let h = harness().await;
    let script = h.script("noop.sh", "exit 0");
    // Room for every run below, so that no start reaps a lapsed run by itself.
    let job = h.job("swept", script, vec![], Policies { max_instances: 5, ..Policies::default() }).await;
    let now = Utc::now();
    let started = |scheduled: Duration, by: TriggeredBy| {
        let at = now - scheduled;
        Execution { started_at: Some(at), ..Execution::new(job.id.clone(), RunKind::Script, at, 1, by, None, at) }
    };
    let executions = &h.app.executions;
    let start = |e: Execution| async move {
        match executions.start_execution(&e, 5).await.expect("start") {
            StartOutcome::Started(e) => e,
            other => panic!("expected a start, got {other:?}"),
        }
    };
    // Its executor vanished an hour ago, so its lease lapsed long since; the other runs now.
    let lapsed = start(started(Duration::hours(1), TriggeredBy::Scheduler)).await;
    let live = start(started(Duration::zero(), TriggeredBy::Manual)).await;
    let retry = |scheduled: Duration, due: Duration| Execution {
        not_before: Some(now - due),
        ..Execution::new(job.id.clone(), RunKind::Script, now - scheduled, 2, TriggeredBy::Retry, None, now - due)
    };
    // Due well past the time EventBridge would have started it, and due just now.
    let stuck = retry(Duration::hours(2), STUCK_AFTER * 2);
    let fresh = retry(Duration::hours(3), Duration::zero());
    for pending in [&stuck, &fresh] {
        h.app.executions.insert_pending(pending).await.expect("insert pending");
    }

    let report = sweep(&h.app, far()).await.expect("sweep");
    assert_eq!(report.reaped, [lapsed.id.to_string()]);
    assert_eq!(report.redispatched, [stuck.id.to_string()]);
    let read = |e: &Execution| {
        let id = e.id;
        async move { executions.get_execution(id).await.expect("read").expect("recorded") }
    };
    let ended = read(&lapsed).await;
    assert_eq!((ended.status, ended.error.as_deref()), (ExecutionStatus::Failed, Some(LEASE_LAPSED)));
    assert_eq!(read(&live).await.status, ExecutionStatus::Running, "a run whose lease holds is left alone");
    let event = h.dispatched(&job, stuck.id, EXECUTOR_ARN).await;
    assert_eq!(event.execution_id, Some(stuck.id.to_string()), "the stuck retry is on its way again");
    assert!(!h.has_run_schedule(&job, fresh.id).await, "a retry still within its time is left to its schedule");

    let again = sweep(&h.app, far()).await.expect("a second sweep");
    assert!(again.reaped.is_empty(), "a reaped run is not reaped twice: {again:?}");
}

/// Deleting a job with 10,000 runs of history: the delete takes the job, its schedule and its
/// unfinished runs at once and leaves its finished runs to the sweep, which removes them over as
/// many passes as its budget allows. A job made again with the same id keeps its own runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_with_a_long_history_is_deleted_at_once_and_its_history_in_the_background() {
    use jobsmith::app::AppError;

    const HISTORY: usize = 10_000;
    let h = harness().await;
    let script = h.script("noop.sh", "exit 0");
    let job = h.job("long-history", script.clone(), vec![], Policies::default()).await;
    let now = Utc::now();
    let executions = h.app.executions.clone();
    h.app.store.import_finished(&finished_runs(&job.id, HISTORY, now)).await.expect("a long history");
    let retry = Execution {
        not_before: Some(now + Duration::hours(1)),
        ..Execution::new(job.id.clone(), RunKind::Script, now, 2, TriggeredBy::Retry, None, now)
    };
    executions.insert_pending(&retry).await.expect("a pending retry");
    let history = |id: JobId| {
        let executions = executions.clone();
        async move {
            let page = PageRequest { offset: 0, limit: 1, cursor: None };
            executions.list_executions(&ExecutionFilter::of_job(id), &page).await.expect("list").total
        }
    };
    assert_eq!(history(job.id.clone()).await, HISTORY as u64 + 1);

    h.app.service.delete(&job.id).await.expect("the delete");
    assert!(matches!(h.app.service.get(&job.id).await, Err(AppError::NotFound(_))), "the job is gone at once");
    assert_eq!(executions.get_execution(retry.id).await.expect("read"), None, "unfinished runs go at once");
    assert_eq!(history(job.id.clone()).await, HISTORY as u64, "the finished ones are left to the sweep");

    // The same id, made again: its run is newer than the delete, and stays.
    let again = h.job("long-history", script, vec![], Policies::default()).await;
    let fresh = Execution::new(again.id.clone(), RunKind::Script, Utc::now(), 1, TriggeredBy::Manual, None, Utc::now())
        .finish_without_running(ExecutionStatus::Skipped, "misfired".to_owned(), Utc::now());
    assert!(executions.insert_finished(&fresh).await.expect("the new job's run"), "a run of its own");

    let first = h.app.store.purge_deleted_histories(4_000, None).await.expect("a first pass");
    assert_eq!((first.deleted, first.finished, first.left), (4_000, 0, 1), "{first:?}");
    let rest = sweep(&h.app, far()).await.expect("the sweep");
    assert_eq!((rest.history_deleted, rest.histories_left), (6_000, 0), "{rest:?}");
    assert_eq!(history(job.id.clone()).await, 1, "the new job's run is all that is left");
    let idle = h.app.store.purge_deleted_histories(u64::MAX, None).await.expect("nothing left");
    assert_eq!((idle.deleted, idle.finished, idle.left), (0, 0, 0));
}

/// A sweep that the deadline never stops.
fn far() -> std::time::Instant {
    std::time::Instant::now() + std::time::Duration::from_secs(600)
}

/// Several deleted jobs' histories in one pass: the budget bounds the runs deleted across all of
/// them, a job whose runs are all gone loses its marker, and the next pass goes on with the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_over_several_histories_stops_at_its_budget_and_the_next_goes_on() {
    const RUNS_EACH: usize = 30;
    let h = harness().await;
    let script = h.script("noop.sh", "exit 0");
    let mut jobs = Vec::new();
    for name in ["history-a", "history-b", "history-c"] {
        let job = h.job(name, script.clone(), vec![], Policies::default()).await;
        h.app.store.import_finished(&finished_runs(&job.id, RUNS_EACH, Utc::now())).await.expect("a history");
        jobs.push(job);
    }
    for job in &jobs {
        h.app.service.delete(&job.id).await.expect("the delete");
    }

    let first = h.app.store.purge_deleted_histories(70, None).await.expect("a first pass");
    assert_eq!(first.deleted, 70, "70 of the 90 runs, not one more: {first:?}");
    assert!(first.left > 0 && first.finished + first.left == 3, "every marker finished or left: {first:?}");
    let rest = h.app.store.purge_deleted_histories(u64::MAX, None).await.expect("the rest");
    assert_eq!((rest.deleted, rest.finished, rest.left), (20, first.left, 0), "{rest:?}");
    assert_eq!(runs_recorded(&h).await, 0, "every deleted job's history is gone");
    let idle = h.app.store.purge_deleted_histories(u64::MAX, None).await.expect("nothing left");
    assert_eq!((idle.deleted, idle.finished, idle.left), (0, 0, 0), "no marker is left behind");
}

/// A job deleted, made again with its id and deleted again leaves two markers whose runs
/// overlap (the older bound's runs are below the newer one too): both are worked off in one
/// pass, each run deleted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_markers_of_one_job_id_are_purged_together() {
    const RUNS_EACH: usize = 3;
    let h = harness().await;
    let script = h.script("noop.sh", "exit 0");
    for _ in 0..2 {
        let job = h.job("made-twice", script.clone(), vec![], Policies::default()).await;
        h.app.store.import_finished(&finished_runs(&job.id, RUNS_EACH, Utc::now())).await.expect("a history");
        h.app.service.delete(&job.id).await.expect("the delete");
    }
    let pass = h.app.store.purge_deleted_histories(u64::MAX, None).await.expect("one pass");
    assert_eq!((pass.deleted, pass.finished, pass.left), (2 * RUNS_EACH as u64, 2, 0), "{pass:?}");
    assert_eq!(runs_recorded(&h).await, 0);
}

/// `count` finished runs of `job`, a minute apart before `before`.
fn finished_runs(job: &JobId, count: usize, before: chrono::DateTime<Utc>) -> Vec<Execution> {
    (1..=count)
        .map(|i| {
            let at = before - Duration::minutes(i64::try_from(i).unwrap_or(i64::MAX));
            Execution::new(job.clone(), RunKind::Script, at, 1, TriggeredBy::Scheduler, None, at)
                .finish_without_running(ExecutionStatus::Skipped, "misfired".to_owned(), at)
        })
        .collect()
}

/// How many runs the store lists, of any job.
async fn runs_recorded(h: &Harness) -> u64 {
    let page = PageRequest { offset: 0, limit: 1, cursor: None };
    h.app.executions.list_executions(&ExecutionFilter::default(), &page).await.expect("list").total
}
