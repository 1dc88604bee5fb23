//! What a run leaves in its DynamoDB record: never the function's credentials, and never more
//! than an item holds, whatever the script prints or returns.

use std::time::Instant;

use jobsmith::domain::execution::{Execution, ExecutionStatus};
use jobsmith::domain::job::{Job, Policies};
use jobsmith::domain::record_budget::{RESULT_BUDGET, TAIL_BUDGET};
use jobsmith::domain::task::ScriptLanguage;
use jobsmith_functions::RunReport;

use crate::harness::{Harness, PLANTED_SECRET, PLENTY, fire, harness, this_second};

/// Fires the job once and returns its record, read back from the table, once the run is over.
async fn run_once(h: &Harness, job: &Job) -> Execution {
    let report = h.deliver(fire(job, this_second()), Instant::now() + PLENTY).await;
    let RunReport::Ran { execution_id, status, .. } = report else {
        panic!("expected a run, got {report:?}");
    };
    assert!(status.is_finished(), "{status:?}");
    h.app.executions.get_execution(execution_id).await.expect("read").expect("the record reads back")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_sees_none_of_the_functions_credentials() {
    let h = harness().await;
    let script = h.script("env.sh", "env");
    let job = h.job("env", script, Vec::new(), Policies::default()).await;
    let execution = run_once(&h, &job).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded, "{:?}", execution.error);
    let stdout = execution.stdout_tail.unwrap_or_default();
    assert!(stdout.contains(&format!("JOBSMITH_EXECUTION_ID={}\n", execution.id)), "{stdout}");
    for leak in ["AWS_", "JOBSMITH_TABLE", PLANTED_SECRET] {
        assert!(!stdout.contains(leak), "{leak} reached the script:\n{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mebibyte_python_result_finishes_with_a_note_in_its_place() {
    let h = harness().await;
    let script = h.file("big.py", "def main():\n    return 'x' * (1024 * 1024)\n");
    let job = h.job_in(ScriptLanguage::Python, "big-result", script, Vec::new(), Policies::default()).await;
    let execution = run_once(&h, &job).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded, "{:?}", execution.error);
    let result = execution.result.expect("a result");
    assert_eq!(result["truncated"], true, "{result}");
    assert!(serde_json::to_string(&result).expect("json").len() <= RESULT_BUDGET);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mebibyte_of_invalid_utf8_on_both_streams_finishes() {
    let h = harness().await;
    let body = "head -c 1048576 /dev/zero | tr '\\0' '\\377'\nhead -c 1048576 /dev/zero | tr '\\0' '\\376' >&2\nexit 3";
    let script = h.script("ff.sh", body);
    let job = h.job("invalid-bytes", script, Vec::new(), Policies::default()).await;
    let execution = run_once(&h, &job).await;
    assert_eq!((execution.status, execution.exit_code), (ExecutionStatus::Failed, Some(3)));
    for tail in [&execution.stdout_tail, &execution.stderr_tail] {
        let tail = tail.as_deref().expect("a tail");
        assert!(tail.len() <= TAIL_BUDGET, "{}", tail.len());
        let start: String = tail.chars().take(40).collect();
        assert!(tail.starts_with("…[truncated: first ") && tail.ends_with('\u{FFFD}'), "{start}");
    }
}
