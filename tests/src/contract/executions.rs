//! Starting runs under the uniqueness and `max_instances` guards, and finishing them.

use std::sync::Arc;

use jobsmith::domain::execution::{Execution, ExecutionStatus, Progress, TriggeredBy};
use jobsmith::ports::{ExecutionFilter, ExecutionStore, StartOutcome};
use serde_json::json;

use jobsmith::test_support::fixtures::{ALL, job_id, offset, run, secs, t0};

pub(super) async fn start(store: &dyn ExecutionStore, e: &Execution, max_instances: u32) -> Execution {
    match store.start_execution(e, max_instances).await.expect("start") {
        StartOutcome::Started(started) => started,
        other => panic!("expected {} at {} attempt {} to start, got {other:?}", e.job_id, e.scheduled_at, e.attempt),
    }
}

pub(super) async fn finish(store: &dyn ExecutionStore, e: &Execution, status: ExecutionStatus, at: i64) -> Execution {
    let done = Execution { status, finished_at: Some(t0() + secs(at)), ..e.clone() };
    store.finish_execution(&done).await.expect("finish");
    done
}

pub async fn start_records_a_running_execution(store: Arc<dyn ExecutionStore>) {
    let e =
        Execution { principal: Some("ops-key".to_owned()), triggered_by: TriggeredBy::Manual, ..run("job", t0(), 1) };
    let started = start(&*store, &e, 1).await;
    assert_eq!(started.status, ExecutionStatus::Running, "a started execution is running");
    assert!(started.started_at.is_some(), "a started execution has a start time");
    let expected = Execution { status: ExecutionStatus::Running, started_at: started.started_at, ..e.clone() };
    assert_eq!(started, expected, "start must keep the execution's identity and fields");
    assert_eq!(store.get_execution(e.id).await.expect("get"), Some(started), "get must return what start recorded");
    let other = run("job", t0(), 1).id;
    assert_eq!(store.get_execution(other).await.expect("get missing"), None, "an unknown id reads as None");
}

pub async fn the_same_run_twice_is_a_duplicate(store: Arc<dyn ExecutionStore>) {
    let first = start(&*store, &run("job", t0(), 1), 5).await;
    let again = run("job", t0(), 1);
    let outcome = store.start_execution(&again, 5).await.expect("second start");
    assert_eq!(outcome, StartOutcome::Duplicate, "the same (job, scheduled time, attempt) must not start twice");
    finish(&*store, &first, ExecutionStatus::Succeeded, 5).await;
    let outcome = store.start_execution(&run("job", t0(), 1), 5).await.expect("start after finish");
    assert_eq!(outcome, StartOutcome::Duplicate, "a finished run still blocks its (job, scheduled time, attempt)");
    let outcome = store.insert_pending(&run("job", t0(), 1)).await.expect("pending duplicate");
    assert_eq!(outcome, StartOutcome::Duplicate, "a pending insert follows the same rule");
    let filter = ExecutionFilter::of_job(job_id("job"));
    let listed = store.list_executions(&filter, &offset(0, ALL)).await.expect("list");
    assert_eq!(listed.total, 1, "duplicates must write nothing");
    assert_eq!(listed.items[0].id, first.id, "the first execution is the one kept");
    assert_eq!(store.get_execution(again.id).await.expect("get"), None, "a duplicate's id must not be stored");
}

pub async fn max_instances_skips_runs_beyond_it(store: Arc<dyn ExecutionStore>) {
    start(&*store, &run("busy", t0(), 1), 1).await;
    let late = run("busy", t0() + secs(60), 1);
    let skipped = match store.start_execution(&late, 1).await.expect("start beyond max") {
        StartOutcome::Skipped(e) => e,
        other => panic!("a run beyond max_instances must be Skipped, got {other:?}"),
    };
    assert_eq!(
        (skipped.id, skipped.status),
        (late.id, ExecutionStatus::Skipped),
        "the skipped run is recorded as such"
    );
    assert!(skipped.finished_at.is_some(), "a skipped run is finished when recorded");
    assert_eq!(store.get_execution(late.id).await.expect("get"), Some(skipped), "get returns the skipped record");
    assert_eq!(store.count_running().await.expect("count"), 1, "a skipped run is not running");

    start(&*store, &run("busy", t0() + secs(120), 1), 2).await;
    assert_eq!(store.count_running().await.expect("count"), 2, "a higher max_instances admits another run");
    start(&*store, &run("other-job", t0(), 1), 1).await;
    assert_eq!(store.count_running().await.expect("count"), 3, "another job's runs do not count against this one");
}

pub async fn a_retry_attempt_is_a_new_run(store: Arc<dyn ExecutionStore>) {
    let first = start(&*store, &run("retried", t0(), 1), 1).await;
    finish(&*store, &first, ExecutionStatus::Failed, 10).await;
    start(&*store, &run("retried", t0(), 2), 1).await;
    start(&*store, &run("retried", t0(), 3), 2).await;
    let outcome = store.start_execution(&run("retried", t0(), 2), 5).await.expect("attempt 2 again");
    assert_eq!(outcome, StartOutcome::Duplicate, "each attempt is unique on its own");
}

pub async fn finish_round_trips_every_field(store: Arc<dyn ExecutionStore>) {
    let e = Execution { principal: Some("key-7".to_owned()), triggered_by: TriggeredBy::Api, ..run("job", t0(), 1) };
    let started = start(&*store, &e, 1).await;
    let done = Execution {
        status: ExecutionStatus::Succeeded,
        finished_at: Some(t0() + secs(42)),
        progress: Progress { total: 10, processed: 9, succeeded: 8, failed: 1 },
        result: Some(json!({"clips": [1, 2.5, {"key": "clips/a.mp4", "tags": null}], "note": "ünïcode ✓", "ok": true})),
        error: Some("one item failed".to_owned()),
        exit_code: Some(3),
        stdout_tail: Some("line 1\nline 2 \"quoted\"\n".to_owned()),
        stderr_tail: Some("warning: ☠\n".to_owned()),
        ..started
    };
    store.finish_execution(&done).await.expect("finish");
    assert_eq!(store.get_execution(e.id).await.expect("get"), Some(done), "every finished field must round-trip");

    let failed = start(&*store, &run("job", t0() + secs(60), 1), 1).await;
    let failed = Execution {
        status: ExecutionStatus::TimedOut,
        finished_at: Some(t0() + secs(90)),
        error: Some("timed out after 30s".to_owned()),
        exit_code: Some(-9),
        ..failed
    };
    store.finish_execution(&failed).await.expect("finish timed out");
    assert_eq!(store.get_execution(failed.id).await.expect("get"), Some(failed), "a run without a result round-trips");
}

pub async fn progress_updates_are_visible(store: Arc<dyn ExecutionStore>) {
    let started = start(&*store, &run("job", t0(), 1), 1).await;
    let progress = Progress { total: 50, processed: 20, succeeded: 19, failed: 1 };
    store.update_progress(started.id, progress).await.expect("update progress");
    let stored = store.get_execution(started.id).await.expect("get").expect("execution");
    assert_eq!(stored, Execution { progress, ..started }, "progress must be stored and nothing else changed");
}
