//! Every execution record fits every store by construction: a finish written with each field at
//! its budget (`jobsmith::domain::record_budget`) succeeds and reads back as written. On
//! DynamoDB, whose items hold at most 400 KB, this is the proof that no finish can be refused
//! for its size and leave a run `running`.

use std::sync::Arc;

use jobsmith::domain::execution::{Execution, ExecutionStatus, Progress, TriggeredBy};
use jobsmith::domain::ids::JobId;
use jobsmith::domain::record_budget::{ERROR_BUDGET, RESULT_BUDGET, TAIL_BUDGET};
use jobsmith::domain::task::RunKind;
use jobsmith::ports::ExecutionStore;
use serde_json::Value;

use super::executions::start;
use jobsmith::test_support::fixtures::{secs, t0};

/// The largest count every store holds (SQLite's integers are signed 64-bit).
const BIG: u64 = 9_223_372_036_854_775_807;

/// The longest job id and principal there can be, so that nothing but the budgets is left to grow.
fn longest_run() -> Execution {
    let job = JobId::parse(&"j".repeat(64)).expect("a 64-character job id");
    Execution::new(job, RunKind::Script, t0(), u32::MAX, TriggeredBy::Manual, Some("p".repeat(64)), t0())
}

/// Starts `e` as a run starts, with no output yet, then writes its end and reads it back.
async fn finish_and_read(store: &dyn ExecutionStore, e: Execution) -> (Execution, Option<Execution>) {
    let fresh = Execution { result: None, error: None, stdout_tail: None, stderr_tail: None, ..e.clone() };
    let started = start(store, &fresh, 1).await;
    let done = Execution {
        status: e.status,
        finished_at: Some(t0() + secs(60)),
        progress: Progress { total: BIG, processed: BIG, succeeded: BIG, failed: BIG },
        result: e.result,
        error: e.error,
        exit_code: Some(i32::MIN),
        stdout_tail: e.stdout_tail,
        stderr_tail: e.stderr_tail,
        ..started
    };
    store.finish_execution(&done).await.expect("a finish within budget is always written");
    let read = store.get_execution(done.id).await.expect("get");
    (done, read)
}

pub async fn a_maximal_record_finishes_and_reads_back_identical(store: Arc<dyn ExecutionStore>) {
    let replacement = char::REPLACEMENT_CHARACTER.to_string();
    let mut e = longest_run();
    e.status = ExecutionStatus::Failed;
    // Multi-byte text in the result too: its budget is JSON bytes, not characters.
    let filler = "é".repeat((RESULT_BUDGET - 2) / 2);
    e.result = Some(Value::String(filler));
    e.error = Some("e".repeat(ERROR_BUDGET));
    e.stdout_tail = Some(replacement.repeat(TAIL_BUDGET / replacement.len()));
    e.stderr_tail = Some(replacement.repeat(TAIL_BUDGET / replacement.len()));
    let mut fitted = e.clone();
    fitted.fit_to_record_budget();
    assert_eq!(fitted, e, "every field is exactly at its budget, not over it");
    assert_eq!(serde_json::to_string(&e.result).expect("json").len(), RESULT_BUDGET);

    let (done, read) = finish_and_read(&*store, e).await;
    assert_eq!(read, Some(done), "a maximal record reads back as written");
}

pub async fn an_oversized_outcome_is_cut_and_then_finishes(store: Arc<dyn ExecutionStore>) {
    let mut e = longest_run();
    e.status = ExecutionStatus::Succeeded;
    e.result = Some(Value::String("x".repeat(1 << 20)));
    e.error = Some("e".repeat(1 << 20));
    // A mebibyte of bytes that are not UTF-8, as the lossy conversion leaves it: three times as long.
    let garbage = String::from_utf8_lossy(&vec![0xFF_u8; 1 << 20]).into_owned();
    e.stdout_tail = Some(garbage.clone());
    e.stderr_tail = Some(garbage);
    e.fit_to_record_budget();

    let (done, read) = finish_and_read(&*store, e).await;
    let read = read.expect("the record reads back");
    assert_eq!(read, done);
    assert_eq!(read.status, ExecutionStatus::Succeeded, "the run is over, not left running");
    assert_eq!(read.result.as_ref().map(|r| &r["truncated"]), Some(&Value::Bool(true)));
    for tail in [&read.stdout_tail, &read.stderr_tail] {
        assert!(tail.as_ref().is_some_and(|t| t.len() <= TAIL_BUDGET), "a tail over budget");
    }
}
