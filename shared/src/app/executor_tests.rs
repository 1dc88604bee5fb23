//! A run whose script produces more than a record holds still finishes: the executor cuts the
//! outcome to the record's budgets before the store sees it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::{Executor, RunRecords};
use crate::adapters::local::LocalTaskRunner;
use crate::adapters::local::script::{Interpreters, ScriptEnvironment};
use crate::adapters::local::sqlite::SqliteStore;
use crate::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use crate::domain::job::Job;
use crate::domain::record_budget::{RESULT_BUDGET, TAIL_BUDGET};
use crate::domain::script_path::ScriptRoots;
use crate::domain::task::{ScriptLanguage, TaskSpec};
use crate::ports::{ExecutionStore, StartOutcome, SystemClock};
use crate::test_support::fixtures::job;

/// Runs `body` as the job's script through the executor over SQLite and reads the record back.
async fn run_to_record(language: ScriptLanguage, file: &str, body: &str) -> Execution {
    let scripts = tempfile::tempdir().expect("script root");
    let path = scripts.path().join(file);
    std::fs::write(&path, body).expect("write the script");
    let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
    let clock = Arc::new(SystemClock);
    let roots = Arc::new(ScriptRoots::new(vec![scripts.path().to_owned()]).expect("roots"));
    let env = ScriptEnvironment::from_process();
    let runner = Arc::new(LocalTaskRunner::new(roots, Interpreters::default(), env, store.clone(), clock.clone()));
    let executor = Executor::new(RunRecords::new(store.clone(), store.clone(), clock), runner);
    let task = TaskSpec::Script { language, script_path: path.to_string_lossy().into_owned(), args: Vec::new() };
    let job = Job { task, ..job("big-output", Utc::now()) };
    let StartOutcome::Started(started) =
        executor.records().claim(&job, Utc::now(), TriggeredBy::Manual, None).await.expect("claim")
    else {
        panic!("the first claim starts");
    };
    let never = CancellationToken::new();
    let run = executor.run_started(&job, started.clone(), never.clone(), &never);
    tokio::time::timeout(Duration::from_secs(60), run).await.expect("the run ends").expect("recorded");
    store.get_execution(started.id).await.expect("get").expect("the record reads back")
}

#[tokio::test]
async fn a_mebibyte_python_result_finishes_with_a_note_in_its_place() {
    let e = run_to_record(ScriptLanguage::Python, "big.py", "def main():\n    return 'x' * (1024 * 1024)\n").await;
    assert_eq!(e.status, ExecutionStatus::Succeeded, "{:?}", e.error);
    let result = e.result.expect("a result");
    assert_eq!(result["truncated"], true);
    assert!(serde_json::to_string(&result).expect("json").len() <= RESULT_BUDGET);
}

#[tokio::test]
async fn a_mebibyte_of_invalid_utf8_finishes_within_the_tail_budget() {
    let body = "head -c 1048576 /dev/zero | tr '\\0' '\\377'\nhead -c 1048576 /dev/zero | tr '\\0' '\\376' >&2\n";
    let e = run_to_record(ScriptLanguage::Bash, "ff.sh", body).await;
    assert_eq!(e.status, ExecutionStatus::Succeeded, "{:?}", e.error);
    for tail in [&e.stdout_tail, &e.stderr_tail] {
        let tail = tail.as_deref().expect("a tail");
        assert!(tail.len() <= TAIL_BUDGET && tail.starts_with("…[truncated: first "), "{}", tail.len());
    }
}

/// A cancel request recorded by anyone stops a running script: the executor finds it in the
/// record, kills the process and records the run as cancelled.
#[tokio::test]
async fn a_recorded_cancel_request_stops_a_running_script() {
    let scripts = tempfile::tempdir().expect("script root");
    let path = scripts.path().join("long.sh");
    std::fs::write(&path, "sleep 300\n").expect("write the script");
    let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
    let clock = Arc::new(SystemClock);
    let roots = Arc::new(ScriptRoots::new(vec![scripts.path().to_owned()]).expect("roots"));
    let env = ScriptEnvironment::from_process();
    let runner = Arc::new(LocalTaskRunner::new(roots, Interpreters::default(), env, store.clone(), clock.clone()));
    let executor = Executor::new(RunRecords::new(store.clone(), store.clone(), clock), runner);
    let task = TaskSpec::Script {
        language: ScriptLanguage::Bash,
        script_path: path.to_string_lossy().into_owned(),
        args: Vec::new(),
    };
    let job = Job { task, ..job("long", Utc::now()) };
    let StartOutcome::Started(started) =
        executor.records().claim(&job, Utc::now(), TriggeredBy::Manual, None).await.expect("claim")
    else {
        panic!("the first claim starts");
    };
    let never = CancellationToken::new();
    let run = tokio::spawn({
        let (executor, job, started, token) = (executor.clone(), job.clone(), started.clone(), never.clone());
        // The run's own token, apart from the process's shutdown: a cancel is not a shutdown.
        async move { executor.run_started(&job, started, CancellationToken::new(), &token).await }
    });
    store.request_cancel(started.id, Utc::now()).await.expect("request").expect("the run is there");
    let ended = tokio::time::timeout(Duration::from_secs(60), run).await.expect("the run stops well before its script");
    assert_eq!(ended.expect("joined").expect("recorded"), None, "a cancelled run is not retried");
    let record = store.get_execution(started.id).await.expect("get").expect("the record reads back");
    assert_eq!(record.status, ExecutionStatus::Cancelled, "{:?}", record.error);
    assert!(record.cancel_requested_at.is_some());
}
