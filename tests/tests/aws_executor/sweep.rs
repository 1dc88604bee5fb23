//! The sweep function against moto: what it ends, what it sends again, and what it leaves.

use chrono::{Duration, Utc};
use jobsmith::adapters::aws::dynamo::LEASE_LAPSED;
use jobsmith::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use jobsmith::domain::job::Policies;
use jobsmith::ports::StartOutcome;
use jobsmith_functions::{STUCK_AFTER, sweep};

use super::harness::harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_ends_lapsed_runs_and_redispatches_stuck_retries() {
    let h = harness().await;
    let script = h.script("noop.sh", "exit 0");
    // Room for every run below, so that no start reaps a lapsed run by itself.
    let job = h.job("swept", script, vec![], Policies { max_instances: 5, ..Policies::default() }).await;
    let now = Utc::now();
    let started = |scheduled: Duration, by: TriggeredBy| {
        let at = now - scheduled;
        Execution {
            started_at: Some(at),
            ..Execution::new(job.id.clone(), jobsmith::domain::task::RunKind::Script, at, 1, by, None, at)
        }
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
        ..Execution::new(
            job.id.clone(),
            jobsmith::domain::task::RunKind::Script,
            now - scheduled,
            2,
            TriggeredBy::Retry,
            None,
            now - due,
        )
    };
    // Due well past the time EventBridge would have started it, and due just now.
    let stuck = retry(Duration::hours(2), STUCK_AFTER * 2);
    let fresh = retry(Duration::hours(3), Duration::zero());
    for pending in [&stuck, &fresh] {
        h.app.executions.insert_pending(pending).await.expect("insert pending");
    }

    let report = sweep(&h.app).await.expect("sweep");
    assert_eq!(report.reaped, [lapsed.id.to_string()]);
    assert_eq!(report.redispatched, [stuck.id.to_string()]);
    let read = |e: &Execution| {
        let id = e.id;
        async move { executions.get_execution(id).await.expect("read").expect("recorded") }
    };
    let ended = read(&lapsed).await;
    assert_eq!((ended.status, ended.error.as_deref()), (ExecutionStatus::Failed, Some(LEASE_LAPSED)));
    assert_eq!(read(&live).await.status, ExecutionStatus::Running, "a run whose lease holds is left alone");
    let event = h.dispatched(&job, stuck.id).await;
    assert_eq!(event.execution_id, Some(stuck.id.to_string()), "the stuck retry is on its way again");
    assert!(!h.has_run_schedule(&job, fresh.id).await, "a retry still within its time is left to its schedule");

    let again = sweep(&h.app).await.expect("a second sweep");
    assert!(again.reaped.is_empty(), "a reaped run is not reaped twice: {again:?}");
}
