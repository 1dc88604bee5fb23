//! The executor function's handler against moto: DynamoDB holds jobs and executions, EventBridge
//! Scheduler holds the schedules the executor creates. moto never fires a schedule, so each test
//! delivers the event EventBridge would send, reading retry and dispatch inputs back from moto.

mod delete_all;
mod harness;
mod records;
mod redrive;
mod scrape;
mod sweep;

use std::time::{Duration, Instant};

use chrono::Utc;
use jobsmith::app::TriggerOutcome;
use jobsmith::domain::execution::{ExecutionStatus, TriggeredBy};
use jobsmith::domain::job::Policies;
use jobsmith_functions::{DEADLINE_MARGIN, DEADLINE_MESSAGE, RunReport, ScheduledRun, handle_scheduled_run};

use jobsmith::test_support::aws::EXECUTOR_ARN;

use harness::{INVOKED_AS, OWN_ARN, PLENTY, admin, fire, harness, lines, this_second};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fire_runs_the_job_once_however_often_it_is_delivered() {
    let h = harness().await;
    let script = h.script("mark.sh", r#"echo "$JOBSMITH_ATTEMPT" >> "$1""#);
    let marker = h.marker().to_string_lossy().into_owned();
    let job = h.job("marker", script, vec![marker], Policies::default()).await;
    let event = fire(&job, this_second());

    let first = h.deliver(event.clone(), Instant::now() + PLENTY).await;
    let RunReport::Ran { execution_id, attempt: 1, status: ExecutionStatus::Succeeded, retry: None } = first else {
        panic!("expected a successful first attempt, got {first:?}");
    };
    assert_eq!(h.deliver(event, Instant::now() + PLENTY).await, RunReport::AlreadyHandled);

    assert_eq!(lines(&h.marker()), 1, "the script ran exactly once");
    let executions = h.executions(&job).await;
    assert_eq!(executions.len(), 1);
    assert_eq!(executions[0].id, execution_id);
    assert_eq!(executions[0].status, ExecutionStatus::Succeeded);
    assert_eq!(executions[0].triggered_by, TriggeredBy::Scheduler);
    let stored = h.app.service.get(&job.id).await.expect("job");
    assert_eq!(stored.last_status, Some(ExecutionStatus::Succeeded));
    assert!(stored.next_run_at.is_some_and(|next| next > Utc::now()), "the next run moved past this fire");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_fires_beyond_max_instances_are_skipped() {
    let h = harness().await;
    let script = h.script("slow.sh", r#"sleep 3; echo ran >> "$1""#);
    let marker = h.marker().to_string_lossy().into_owned();
    let policies = Policies { max_instances: 1, ..Policies::default() };
    let job = h.job("slow", script, vec![marker], policies).await;
    let now = this_second();
    // The second fire is delivered while the first runs, but once the first has claimed its run:
    // moto undoes a cancelled transaction by putting back a copy of the whole table taken when it
    // began, which also undoes any write that landed meanwhile, such as the other claim.
    // DynamoDB isolates the two; the contract suite covers the guard itself.
    let (a, b) =
        tokio::join!(h.deliver(fire(&job, now - chrono::Duration::seconds(1)), Instant::now() + PLENTY), async {
            h.wait_until_running(&job).await;
            h.deliver(fire(&job, now), Instant::now() + PLENTY).await
        });

    let reports = [a, b];
    let ran = reports.iter().filter(|r| matches!(r, RunReport::Ran { status: ExecutionStatus::Succeeded, .. })).count();
    let skipped = reports.iter().filter(|r| matches!(r, RunReport::Skipped { .. })).count();
    assert_eq!((ran, skipped), (1, 1), "{reports:?}");
    assert_eq!(lines(&h.marker()), 1);
    let mut statuses: Vec<_> = h.executions(&job).await.iter().map(|e| e.status.as_str()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["skipped", "succeeded"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_task_is_retried_through_eventbridge_until_its_retries_run_out() {
    let h = harness().await;
    let script = h.script("fail.sh", r#"echo "$JOBSMITH_ATTEMPT" >> "$1"; exit 3"#);
    let marker = h.marker().to_string_lossy().into_owned();
    let policies = Policies { retry_count: 2, retry_delay_seconds: 0, ..Policies::default() };
    let job = h.job("flaky", script, vec![marker], policies).await;

    let mut report = h.deliver(fire(&job, this_second()), Instant::now() + PLENTY).await;
    let mut attempts = Vec::new();
    loop {
        let RunReport::Ran { attempt, status: ExecutionStatus::Failed, retry, .. } = report else {
            panic!("expected a failed attempt, got {report:?}");
        };
        attempts.push(attempt);
        let Some(retry) = retry else { break };
        // What EventBridge would deliver once the retry's one-off schedule fires.
        // The executor's own ARN, as its invocation named it: the template gives it none.
        let event = h.dispatched(&job, retry, OWN_ARN).await;
        assert_eq!(event.execution_id, Some(retry.to_string()));
        report = h.deliver(event.clone(), Instant::now() + PLENTY).await;
        assert_eq!(h.deliver(event, Instant::now() + PLENTY).await, RunReport::AlreadyHandled, "redelivery");
    }

    assert_eq!(attempts, [1, 2, 3]);
    assert_eq!(std::fs::read_to_string(h.marker()).expect("marker"), "1\n2\n3\n");
    let executions = h.executions(&job).await;
    assert_eq!(executions.len(), 3);
    assert!(executions.iter().all(|e| e.status == ExecutionStatus::Failed && e.exit_code == Some(3)));
    let retries = executions.iter().filter(|e| e.triggered_by == TriggeredBy::Retry).count();
    assert_eq!(retries, 2);
    let scheduled: Vec<_> = executions.iter().map(|e| e.scheduled_at).collect();
    assert!(scheduled.iter().all(|at| *at == scheduled[0]), "every attempt belongs to the same fire");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_is_stopped_and_recorded_before_the_lambda_deadline() {
    let h = harness().await;
    let script = h.script("long.sh", "sleep 60");
    let job = h.job("long", script, Vec::new(), Policies::default()).await;
    let started = Instant::now();

    let report = h.deliver(fire(&job, this_second()), started + DEADLINE_MARGIN + Duration::from_secs(2)).await;

    assert!(started.elapsed() < DEADLINE_MARGIN + Duration::from_secs(2), "finished before the deadline");
    let RunReport::Ran { execution_id, status: ExecutionStatus::TimedOut, retry: None, .. } = report else {
        panic!("expected timed_out, got {report:?}");
    };
    let execution = h.app.executions.get_execution(execution_id).await.expect("read").expect("recorded");
    assert_eq!(execution.status, ExecutionStatus::TimedOut);
    assert_eq!(execution.error.as_deref(), Some(DEADLINE_MESSAGE));
    assert!(execution.finished_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_trigger_is_dispatched_and_run_by_the_executor() {
    let h = harness().await;
    let script = h.script("mark.sh", r#"echo manual >> "$1""#);
    let marker = h.marker().to_string_lossy().into_owned();
    let job = h.job("manual", script, vec![marker], Policies::default()).await;

    let TriggerOutcome::Started(claimed) =
        h.app.service.trigger(&job.id, &admin(), TriggeredBy::Manual).await.expect("trigger")
    else {
        panic!("expected the trigger to start a run");
    };
    assert_eq!(claimed.status, ExecutionStatus::Running);
    let event = h.dispatched(&job, claimed.id, EXECUTOR_ARN).await;
    let report = h.deliver(event.clone(), Instant::now() + PLENTY).await;

    assert!(
        matches!(report, RunReport::Ran { execution_id, status: ExecutionStatus::Succeeded, .. } if execution_id == claimed.id),
        "{report:?}"
    );
    assert_eq!(h.deliver(event, Instant::now() + PLENTY).await, RunReport::AlreadyHandled, "finished: left alone");
    assert_eq!(lines(&h.marker()), 1);
}

/// EventBridge and asynchronous invokes deliver at least once: a second delivery of a dispatch
/// that arrives while the first runs must not run the task again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatch_delivered_twice_runs_once() {
    let h = harness().await;
    let gate = h.scripts_dir().join("gate");
    // Records its run, then holds it open until the test opens the gate (or 10 s pass).
    let script =
        h.script("held.sh", r#"echo run >> "$1"; for _ in $(seq 100); do [ -e "$2" ] && exit 0; sleep 0.1; done"#);
    let args = vec![h.marker().to_string_lossy().into_owned(), gate.to_string_lossy().into_owned()];
    let job = h.job("twice", script, args, Policies::default()).await;
    let TriggerOutcome::Started(claimed) =
        h.app.service.trigger(&job.id, &admin(), TriggeredBy::Manual).await.expect("trigger")
    else {
        panic!("expected the trigger to start a run");
    };
    let event = h.dispatched(&job, claimed.id, EXECUTOR_ARN).await;

    let (first, second) = tokio::join!(h.deliver(event.clone(), Instant::now() + PLENTY), async {
        let started = Instant::now() + Duration::from_secs(30);
        while lines(&h.marker()) == 0 {
            assert!(Instant::now() < started, "the first delivery's script never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let second = h.deliver(event.clone(), Instant::now() + PLENTY).await;
        std::fs::write(&gate, "open").expect("open the gate");
        second
    });
    assert_eq!(second, RunReport::AlreadyHandled, "the second delivery found the run taken");
    assert!(matches!(first, RunReport::Ran { status: ExecutionStatus::Succeeded, .. }), "{first:?}");
    assert_eq!(lines(&h.marker()), 1, "the script ran once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fires_that_must_not_run_record_nothing_or_a_skip() {
    let h = harness().await;
    let script = h.script("mark.sh", r#"echo ran >> "$1""#);
    let marker = h.marker().to_string_lossy().into_owned();
    let job = h.job("guarded", script.clone(), vec![marker.clone()], Policies::default()).await;

    h.app.service.pause(&job.id, &admin()).await.expect("pause");
    assert_eq!(h.deliver(fire(&job, this_second()), Instant::now() + PLENTY).await, RunReport::JobPaused);
    h.app.service.resume(&job.id, &admin()).await.expect("resume");
    h.app.service.set_enabled(&job.id, false, &admin()).await.expect("disable");
    assert_eq!(h.deliver(fire(&job, this_second()), Instant::now() + PLENTY).await, RunReport::JobDisabled);
    assert!(h.executions(&job).await.is_empty(), "paused or disabled: nothing recorded");

    h.app.service.set_enabled(&job.id, true, &admin()).await.expect("enable");
    let late = this_second() - chrono::Duration::hours(1);
    assert_eq!(h.deliver(fire(&job, late), Instant::now() + PLENTY).await, RunReport::Misfired);
    let executions = h.executions(&job).await;
    assert_eq!(executions.len(), 1);
    assert_eq!(executions[0].status, ExecutionStatus::Skipped);
    assert!(executions[0].error.as_deref().is_some_and(|e| e.starts_with("misfired")), "{:?}", executions[0].error);

    h.app.service.delete(&job.id).await.expect("delete");
    assert_eq!(h.deliver(fire(&job, this_second()), Instant::now() + PLENTY).await, RunReport::JobGone);
    assert_eq!(lines(&h.marker()), 0, "the script never ran");

    let bad =
        ScheduledRun { job_id: "a b".to_owned(), scheduled_time: "soon".to_owned(), execution_id: None, leg: None };
    assert!(
        handle_scheduled_run(&h.app, &h.runner, INVOKED_AS, bad, Instant::now() + PLENTY).await.is_err(),
        "a malformed event fails"
    );
}
