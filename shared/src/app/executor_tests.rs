//! A run whose script produces more than a record holds still finishes: the executor cuts the
//! outcome to the record's budgets before the store sees it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::Executor;
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
    let executor = Executor::new(store.clone(), store.clone(), runner, clock);
    let task = TaskSpec::Script { language, script_path: path.to_string_lossy().into_owned(), args: Vec::new() };
    let job = Job { task, ..job("big-output", Utc::now()) };
    let StartOutcome::Started(started) =
        executor.claim(&job, Utc::now(), TriggeredBy::Manual, None).await.expect("claim")
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
