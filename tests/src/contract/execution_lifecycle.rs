//! Retries that wait, recovery after a crash, and removing history.

use std::sync::Arc;

use jobsmith::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use jobsmith::domain::ids::ExecutionId;
use jobsmith::ports::{ExecutionFilter, ExecutionStore, StartOutcome};

use super::executions::{finish, start};
use jobsmith::test_support::fixtures::{ALL, days, job_id, offset, run, secs, t0};

fn retry(job: &str, scheduled: i64, attempt: u32, not_before: i64) -> Execution {
    Execution {
        triggered_by: TriggeredBy::Retry,
        not_before: Some(t0() + secs(not_before)),
        ..run(job, t0() + secs(scheduled), attempt)
    }
}

async fn status_of(store: &dyn ExecutionStore, id: ExecutionId) -> ExecutionStatus {
    store.get_execution(id).await.expect("get").expect("execution exists").status
}

pub async fn pending_runs_start_later_under_the_guard(store: Arc<dyn ExecutionStore>) {
    let p = retry("job", 0, 2, 60);
    let outcome = store.insert_pending(&p).await.expect("insert pending");
    assert_ne!(outcome, StartOutcome::Duplicate, "a new pending run must be recorded");
    let stored = store.get_execution(p.id).await.expect("get").expect("pending execution");
    assert_eq!(stored, Execution { status: ExecutionStatus::Pending, ..p.clone() }, "a pending run round-trips");
    assert_eq!(ids(&store.pending_executions().await.expect("pending")), [p.id], "pending_executions lists it");
    assert_eq!(store.insert_pending(&retry("job", 0, 2, 90)).await.expect("again"), StartOutcome::Duplicate);

    let now = t0() + secs(61);
    let started = match store.start_pending(p.id, 1, now).await.expect("start pending") {
        StartOutcome::Started(e) => e,
        other => panic!("a pending run under max_instances must start, got {other:?}"),
    };
    assert_eq!((started.id, started.status), (p.id, ExecutionStatus::Running), "it starts as running");
    assert_eq!(started.started_at, Some(now), "it starts at `now`");
    assert_eq!(store.get_execution(p.id).await.expect("get"), Some(started), "get returns the started run");
    assert!(store.pending_executions().await.expect("pending").is_empty(), "a started run is no longer pending");
    let again = store.start_pending(p.id, 1, now).await.expect("start twice");
    assert_eq!(again, StartOutcome::Duplicate, "a run that is no longer pending cannot start again");

    let blocked = retry("job", 120, 1, 130);
    store.insert_pending(&blocked).await.expect("insert second pending");
    match store.start_pending(blocked.id, 1, t0() + secs(131)).await.expect("start beyond max") {
        StartOutcome::Skipped(e) => assert_eq!(e.status, ExecutionStatus::Skipped, "skipped is recorded as skipped"),
        other => panic!("a pending run beyond max_instances must be Skipped, got {other:?}"),
    }
    assert_eq!(status_of(&*store, blocked.id).await, ExecutionStatus::Skipped, "the skip is stored");
    assert!(store.pending_executions().await.expect("pending").is_empty(), "a skipped run is no longer pending");
}

fn ids(items: &[Execution]) -> Vec<ExecutionId> {
    items.iter().map(|e| e.id).collect()
}

pub async fn fail_running_fails_only_running_runs(store: Arc<dyn ExecutionStore>) {
    let running = [
        start(&*store, &run("a", t0(), 1), 5).await,
        start(&*store, &run("a", t0() + secs(60), 1), 5).await,
        start(&*store, &run("b", t0(), 1), 5).await,
    ];
    let done = start(&*store, &run("b", t0() + secs(60), 1), 5).await;
    let done = finish(&*store, &done, ExecutionStatus::Succeeded, 70).await;
    let pending = retry("b", 120, 2, 180);
    store.insert_pending(&pending).await.expect("pending");

    let now = t0() + secs(600);
    let mut failed = store.fail_running("process restarted", now).await.expect("fail running");
    failed.sort();
    let mut expected = ids(&running);
    expected.sort();
    assert_eq!(failed, expected, "the three running runs, by id");
    for e in &running {
        let stored = store.get_execution(e.id).await.expect("get").expect("execution");
        let want = Execution {
            status: ExecutionStatus::Failed,
            error: Some("process restarted".to_owned()),
            finished_at: Some(now),
            ..e.clone()
        };
        assert_eq!(stored, want, "a running run becomes failed, with the error and `now` as its end");
    }
    assert_eq!(store.get_execution(done.id).await.expect("get"), Some(done), "a finished run is untouched");
    assert_eq!(status_of(&*store, pending.id).await, ExecutionStatus::Pending, "a pending run is untouched");
    assert_eq!(store.count_running().await.expect("count"), 0, "nothing is running afterwards");
    assert_eq!(store.fail_running("again", now).await.expect("fail running again"), vec![], "a second call finds none");
}

pub async fn delete_job_executions_touches_only_that_job(store: Arc<dyn ExecutionStore>) {
    for i in 0..3 {
        start(&*store, &run("gone", t0() + secs(i * 60), 1), 5).await;
    }
    let kept = [start(&*store, &run("kept", t0(), 1), 5).await, start(&*store, &run("kept", t0(), 2), 5).await];
    assert_eq!(store.delete_job_executions(&job_id("gone")).await.expect("delete"), 3, "it reports how many");
    let by_job = |job: &str| ExecutionFilter::of_job(job_id(job));
    let gone = store.list_executions(&by_job("gone"), &offset(0, ALL)).await.expect("list gone");
    assert_eq!(gone.total, 0, "the job's executions are gone");
    let left = store.list_executions(&by_job("kept"), &offset(0, ALL)).await.expect("list kept");
    assert_eq!(ids(&left.items), [kept[1].id, kept[0].id], "other jobs' executions stay");
    assert_eq!(store.delete_job_executions(&job_id("gone")).await.expect("delete again"), 0, "nothing left to delete");
}

/// Run number `n` of a job, finished `days_ago` days before t0.
async fn ended(store: &dyn ExecutionStore, n: i64, status: ExecutionStatus, days_ago: i64) -> ExecutionId {
    let started = start(store, &run("job", t0() - days(200) + secs(n), 1), 100).await;
    finish(store, &started, status, -days_ago * 86_400).await.id
}

pub async fn purge_uses_the_cutoff_for_each_outcome(store: Arc<dyn ExecutionStore>) {
    let old_success = ended(&*store, 1, ExecutionStatus::Succeeded, 20).await;
    let recent_success = ended(&*store, 2, ExecutionStatus::Succeeded, 5).await;
    let recent_failure = ended(&*store, 3, ExecutionStatus::Failed, 20).await;
    let old_failure = ended(&*store, 4, ExecutionStatus::Failed, 40).await;
    let running = start(&*store, &run("job", t0() - days(100), 1), 100).await.id;
    let pending = retry("job", -100 * 86_400, 2, 0);
    store.insert_pending(&pending).await.expect("pending");

    let counted = store.count_purgeable(t0() - days(10), t0() - days(30)).await.expect("count");
    assert_eq!(counted, 2, "the old success and the old failure would go");
    assert!(store.get_execution(old_success).await.expect("get").is_some(), "counting deletes nothing");
    let purged = store.purge_finished(t0() - days(10), t0() - days(30)).await.expect("purge");
    assert_eq!(purged, 2, "the old success and the old failure go");
    for (id, what) in [(old_success, "a success past its cutoff"), (old_failure, "a failure past its cutoff")] {
        assert_eq!(store.get_execution(id).await.expect("get"), None, "{what} is purged");
    }
    let kept = [
        (recent_success, "a recent success"),
        (recent_failure, "a failure inside the longer failed cutoff"),
        (running, "a running run"),
        (pending.id, "a pending run"),
    ];
    for (id, what) in kept {
        assert!(store.get_execution(id).await.expect("get").is_some(), "{what} is kept");
    }
}

pub async fn a_finished_record_is_written_once(store: Arc<dyn ExecutionStore>) {
    let now = t0() + secs(5);
    let skipped = run("job", t0(), 1).finish_without_running(ExecutionStatus::Skipped, "misfired".to_owned(), now);
    assert!(store.insert_finished(&skipped).await.expect("insert finished"), "the first record is written");
    let stored = store.get_execution(skipped.id).await.expect("get").expect("stored");
    assert_eq!(stored.status, ExecutionStatus::Skipped, "it is stored finished, never pending");
    assert_eq!((stored.error.as_deref(), stored.finished_at), (Some("misfired"), Some(now)), "with its error and end");
    let again = run("job", t0(), 1).finish_without_running(ExecutionStatus::Skipped, "again".to_owned(), now);
    assert!(!store.insert_finished(&again).await.expect("insert again"), "the same run key is not written twice");
    assert_eq!(store.pending_executions().await.expect("pending"), vec![], "nothing is left pending");
}

pub async fn a_dispatched_run_is_taken_once(store: Arc<dyn ExecutionStore>) {
    let running = start(&*store, &run("taken", t0(), 1), 1).await;
    assert!(store.take_dispatched(running.id, "first").await.expect("take"), "the first taker wins");
    assert!(store.take_dispatched(running.id, "first").await.expect("take"), "its own retried request still wins");
    assert!(!store.take_dispatched(running.id, "second").await.expect("take"), "a second delivery loses");
    assert_eq!(store.get_execution(running.id).await.expect("get"), Some(running.clone()), "a take changes no field");

    let waiting = retry("taken", 10, 2, 60);
    store.insert_pending(&waiting).await.expect("insert pending");
    assert!(!store.take_dispatched(waiting.id, "first").await.expect("take"), "a pending run is started, not taken");
    finish(&*store, &running, ExecutionStatus::Succeeded, 5).await;
    assert!(!store.take_dispatched(running.id, "third").await.expect("take"), "a finished run is not taken");
    assert!(!store.take_dispatched(ExecutionId::generate(), "first").await.expect("take"), "nor a missing one");
}
