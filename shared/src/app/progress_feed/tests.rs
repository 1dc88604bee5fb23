use chrono::Utc;

use super::*;
use crate::adapters::local::sqlite::SqliteStore;
use crate::domain::execution::{ExecutionStatus, TriggeredBy};
use crate::ports::StoreError;

fn feed() -> ProgressFeed {
    ProgressFeed::over(Arc::new(SqliteStore::open_in_memory().expect("an in-memory store")))
}

async fn started(feed: &ProgressFeed, job: &str) -> Execution {
    let now = Utc::now();
    let execution = Execution::new(
        JobId::parse(job).expect("a job id"),
        crate::domain::task::RunKind::Scrape,
        now,
        1,
        TriggeredBy::Api,
        None,
        now,
    );
    match feed.start_execution(&execution, 1).await.expect("start") {
        StartOutcome::Started(run) => run,
        other => panic!("not started: {other:?}"),
    }
}

/// Whether a wake is already there, without waiting for one.
async fn woken(changes: &mut RunChanges) -> bool {
    tokio::select! {
        biased;
        () = changes.changed() => true,
        () = std::future::ready(()) => false,
    }
}

fn progress(processed: u64) -> Progress {
    Progress { total: 3, processed, succeeded: processed, failed: 0 }
}

#[tokio::test]
async fn a_watcher_is_woken_by_its_runs_progress_and_reads_it_back() {
    let feed = feed();
    let run = started(&feed, "job").await;
    let mut changes = feed.subscribe(run.id);
    assert!(!woken(&mut changes).await, "nothing changed since it subscribed");

    feed.update_progress(run.id, progress(1)).await.expect("progress");
    assert!(woken(&mut changes).await);
    assert!(!woken(&mut changes).await, "one write, one wake");
    let read = feed.get_execution(run.id).await.expect("read").expect("the run");
    assert_eq!(read.progress, progress(1));
}

#[tokio::test]
async fn a_burst_of_writes_is_one_wake_and_the_latest_state() {
    let feed = feed();
    let run = started(&feed, "job").await;
    let mut changes = feed.subscribe(run.id);
    for processed in 1..=3 {
        feed.update_progress(run.id, progress(processed)).await.expect("progress");
    }
    assert!(woken(&mut changes).await);
    assert!(!woken(&mut changes).await, "the burst coalesced");
    assert_eq!(feed.get_execution(run.id).await.expect("read").expect("the run").progress, progress(3));
}

#[tokio::test]
async fn finishing_wakes_the_watcher_with_a_finished_run() {
    let feed = feed();
    let run = started(&feed, "job").await;
    let mut changes = feed.subscribe(run.id);
    let mut done = run.clone();
    (done.status, done.finished_at) = (ExecutionStatus::Succeeded, Some(Utc::now()));
    feed.finish_execution(&done).await.expect("finish");
    assert!(woken(&mut changes).await);
    let read = feed.get_execution(run.id).await.expect("read").expect("the run");
    assert!(read.status.is_finished(), "{read:?}");
}

#[tokio::test]
async fn only_the_changed_runs_watchers_wake_unless_runs_were_deleted() {
    let feed = feed();
    let (first, second) = (started(&feed, "first").await, started(&feed, "second").await);
    let (mut of_first, mut of_second) = (feed.subscribe(first.id), feed.subscribe(second.id));
    feed.update_progress(first.id, progress(1)).await.expect("progress");
    assert!(woken(&mut of_first).await);
    assert!(!woken(&mut of_second).await);

    // The delete does not say which runs went: every watcher reads its own back.
    feed.delete_job_executions(&first.job_id).await.expect("delete");
    assert!(woken(&mut of_first).await && woken(&mut of_second).await);
    assert_eq!(feed.get_execution(first.id).await.expect("read"), None);
}

#[tokio::test]
async fn a_failed_write_wakes_no_one() {
    let feed = feed();
    let run = started(&feed, "job").await;
    let mut changes = feed.subscribe(run.id);
    assert!(matches!(feed.start_execution(&run, 1).await, Ok(StartOutcome::Duplicate)));
    let unknown = ExecutionId::generate();
    let _other = feed.subscribe(unknown);
    assert!(matches!(feed.update_progress(unknown, progress(1)).await, Err(StoreError::NotFound)));
    assert!(!woken(&mut changes).await);
}

#[tokio::test]
async fn the_last_watcher_to_go_takes_the_runs_entry_with_it() {
    let feed = feed();
    let run = started(&feed, "job").await;
    let (first, mut second) = (feed.subscribe(run.id), feed.subscribe(run.id));
    assert_eq!(feed.watched_runs(), 1);
    drop(first);
    assert_eq!(feed.watched_runs(), 1, "one still watches");
    feed.update_progress(run.id, progress(2)).await.expect("progress");
    assert!(woken(&mut second).await);
    drop(second);
    assert_eq!(feed.watched_runs(), 0);
    // Writes to a run no one watches cost nothing and keep nothing.
    feed.update_progress(run.id, progress(3)).await.expect("progress");
    assert_eq!(feed.watched_runs(), 0);
}
