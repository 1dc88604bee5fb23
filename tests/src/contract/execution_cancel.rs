//! Stopping runs on request, and deleting one run's record.

use std::sync::Arc;

use jobsmith::domain::execution::ExecutionStatus;
use jobsmith::ports::{ExecutionStore, StartOutcome};

use super::executions::{finish, start};
use jobsmith::test_support::fixtures::{run, secs, t0};

pub async fn a_pending_run_is_cancelled_at_once(store: Arc<dyn ExecutionStore>) {
    let pending = run("job", t0(), 2);
    store.insert_pending(&pending).await.expect("pending");
    let now = t0() + secs(5);
    let cancelled = store.request_cancel(pending.id, now).await.expect("cancel").expect("the run is there");
    assert_eq!(cancelled.status, ExecutionStatus::Cancelled, "a pending run has nothing to stop: it ends at once");
    assert_eq!(cancelled.finished_at, Some(now));
    assert!(cancelled.error.is_some(), "the record says why it never ran");
    assert_eq!(store.get_execution(pending.id).await.expect("get"), Some(cancelled));
    let outcome = store.start_pending(pending.id, 5, now).await.expect("start after cancel");
    assert_eq!(outcome, StartOutcome::Duplicate, "a cancelled retry never starts");
}

pub async fn a_running_run_is_marked_once_and_left_to_its_executor(store: Arc<dyn ExecutionStore>) {
    let running = start(&*store, &run("job", t0(), 1), 1).await;
    let first = t0() + secs(5);
    let marked = store.request_cancel(running.id, first).await.expect("cancel").expect("the run is there");
    assert_eq!(marked.status, ExecutionStatus::Running, "the executor stops it and writes its end");
    assert_eq!(marked.cancel_requested_at, Some(first));
    let again = store.request_cancel(running.id, first + secs(5)).await.expect("again").expect("there");
    assert_eq!(again.cancel_requested_at, Some(first), "the first request's time stays");
    assert_eq!(store.count_running().await.expect("count"), 1, "a marked run still holds its slot");

    let ended = finish(&*store, &marked, ExecutionStatus::Cancelled, 12).await;
    let read = store.get_execution(running.id).await.expect("get").expect("there");
    assert_eq!((read.status, read.cancel_requested_at), (ExecutionStatus::Cancelled, Some(first)));
    assert_eq!(read.finished_at, ended.finished_at);
    assert_eq!(store.count_running().await.expect("count"), 0);
}

pub async fn a_finished_or_unknown_run_is_left_alone(store: Arc<dyn ExecutionStore>) {
    let running = start(&*store, &run("job", t0(), 1), 1).await;
    let done = finish(&*store, &running, ExecutionStatus::Succeeded, 3).await;
    let read = store.request_cancel(running.id, t0() + secs(9)).await.expect("cancel").expect("there");
    assert_eq!((read.status, read.cancel_requested_at), (ExecutionStatus::Succeeded, None));
    assert_eq!(read.finished_at, done.finished_at);
    let unknown = run("nobody", t0(), 1).id;
    assert_eq!(store.request_cancel(unknown, t0()).await.expect("cancel unknown"), None);
}

pub async fn one_run_is_deleted_and_its_run_key_freed(store: Arc<dyn ExecutionStore>) {
    let keep = start(&*store, &run("job", t0(), 1), 5).await;
    let running = start(&*store, &run("job", t0() + secs(60), 1), 5).await;
    let finished = start(&*store, &run("job", t0() + secs(120), 1), 5).await;
    finish(&*store, &finished, ExecutionStatus::Failed, 125).await;

    assert!(store.delete_execution(running.id).await.expect("delete running"));
    assert!(store.delete_execution(finished.id).await.expect("delete finished"));
    assert!(!store.delete_execution(finished.id).await.expect("delete again"), "a deleted run is gone");
    assert_eq!(store.get_execution(running.id).await.expect("get"), None);
    assert_eq!(store.get_execution(keep.id).await.expect("get kept").map(|e| e.id), Some(keep.id));
    assert_eq!(store.count_running().await.expect("count"), 1, "the deleted running run no longer counts");

    let again = store.start_execution(&run("job", t0() + secs(60), 1), 1).await.expect("start again");
    assert!(
        matches!(again, StartOutcome::Skipped(_)),
        "the run key is free again and the deleted run's slot too, so only the kept run holds the one slot: {again:?}"
    );
}
