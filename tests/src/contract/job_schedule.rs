//! What the scheduler relies on: due jobs, the next due job, claiming a fire time, run records.

use std::sync::Arc;

use jobsmith::domain::execution::ExecutionStatus;
use jobsmith::domain::job::{Job, RunCounters};
use jobsmith::ports::JobStore;

use jobsmith::test_support::fixtures::{job, job_id, secs, t0};

fn due_at(id: &str, at: Option<i64>) -> Job {
    Job { next_run_at: at.map(|s| t0() + secs(s)), ..job(id, t0() - secs(1000)) }
}

fn names(jobs: &[Job]) -> Vec<String> {
    jobs.iter().map(|j| j.id.to_string()).collect()
}

pub async fn due_jobs_are_active_due_and_earliest_first(store: Arc<dyn JobStore>) {
    let jobs = [
        due_at("later", Some(60)),
        due_at("second", Some(-10)),
        Job { enabled: false, ..due_at("disabled", Some(-50)) },
        due_at("on-time", Some(0)),
        Job { paused: true, ..due_at("paused", Some(-40)) },
        due_at("never", None),
        due_at("first", Some(-30)),
    ];
    for j in &jobs {
        store.insert_job(j).await.expect("insert");
    }
    let due = store.due_jobs(t0(), 10).await.expect("due jobs");
    assert_eq!(
        names(&due),
        ["first", "second", "on-time"],
        "due jobs: active, due at or before `until`, earliest first"
    );
    assert_eq!(due[0], jobs[6], "due jobs come back whole");
    let due = store.due_jobs(t0(), 2).await.expect("due jobs, limited");
    assert_eq!(names(&due), ["first", "second"], "due jobs must honour the limit, keeping the earliest");
    assert!(store.due_jobs(t0() - secs(100), 10).await.expect("none due").is_empty(), "nothing is due that early");
    let all = store.due_jobs(t0() + secs(3600), 10).await.expect("all due");
    assert_eq!(names(&all), ["first", "second", "on-time", "later"], "disabled, paused and unplanned jobs never fire");

    let resumed = Job { paused: false, version: 2, ..jobs[4].clone() };
    store.update_job(&resumed, 1).await.expect("resume");
    let due = store.due_jobs(t0(), 10).await.expect("due jobs after resume");
    assert_eq!(names(&due), ["paused", "first", "second", "on-time"], "a resumed job must be due again");
}

pub async fn next_due_job_follows_changes(store: Arc<dyn JobStore>) {
    assert_eq!(store.next_due_job().await.expect("next on empty"), None, "an empty store has no next job");
    store.insert_job(&due_at("b", Some(20))).await.expect("insert");
    store.insert_job(&due_at("a", Some(10))).await.expect("insert");
    store.insert_job(&Job { paused: true, ..due_at("paused", Some(5)) }).await.expect("insert");
    store.insert_job(&due_at("never", None)).await.expect("insert");
    let next = store.next_due_job().await.expect("next").map(|j| j.id.to_string());
    assert_eq!(next.as_deref(), Some("a"), "the next job is the active one that fires first");

    assert!(store.advance_next_run(&job_id("a"), t0() + secs(10), Some(t0() + secs(30))).await.expect("advance"));
    let next = store.next_due_job().await.expect("next").map(|j| j.id.to_string());
    assert_eq!(next.as_deref(), Some("b"), "advancing the first job must hand over to the next one");

    let disabled = Job { enabled: false, version: 2, ..due_at("b", Some(20)) };
    store.update_job(&disabled, 1).await.expect("disable b");
    let next = store.next_due_job().await.expect("next").map(|j| j.id.to_string());
    assert_eq!(next.as_deref(), Some("a"), "a disabled job must not be next");
}

pub async fn advance_next_run_is_compare_and_set(store: Arc<dyn JobStore>) {
    let j = due_at("claimed", Some(0));
    store.insert_job(&j).await.expect("insert");
    assert!(
        store.advance_next_run(&j.id, t0(), Some(t0() + secs(60))).await.expect("claim"),
        "the first claim of a fire time must move it"
    );
    let stored = store.get_job(&j.id).await.expect("get").expect("job");
    assert_eq!(stored.next_run_at, Some(t0() + secs(60)), "a claim must store the new time");
    assert_eq!(stored.version, j.version, "a claim must not bump the version");
    assert!(
        !store.advance_next_run(&j.id, t0(), Some(t0() + secs(120))).await.expect("second claim"),
        "a second claim of the same fire time must fail"
    );
    let stored = store.get_job(&j.id).await.expect("get").expect("job");
    assert_eq!(stored.next_run_at, Some(t0() + secs(60)), "a failed claim must change nothing");

    assert!(store.advance_next_run(&j.id, t0() + secs(60), None).await.expect("last claim"), "claim the last fire");
    let stored = store.get_job(&j.id).await.expect("get").expect("job");
    assert_eq!(stored.next_run_at, None, "advancing to None leaves the job unplanned");
    assert!(store.due_jobs(t0() + secs(86_400), 10).await.expect("due").is_empty(), "an unplanned job is never due");
    assert!(
        !store.advance_next_run(&j.id, t0() + secs(60), Some(t0())).await.expect("claim unplanned"),
        "an unplanned job has no fire time to claim"
    );
    assert!(
        !store.advance_next_run(&job_id("missing"), t0(), None).await.expect("claim missing"),
        "a missing job cannot be claimed"
    );
}

pub async fn record_run_counts_outcomes_without_touching_the_definition(store: Arc<dyn JobStore>) {
    let j = job("counted", t0());
    store.insert_job(&j).await.expect("insert");
    let runs = [
        (ExecutionStatus::Succeeded, 10),
        (ExecutionStatus::Failed, 20),
        (ExecutionStatus::TimedOut, 30),
        (ExecutionStatus::Succeeded, 40),
    ];
    for (status, at) in runs {
        store.record_run(&j.id, status, t0() + secs(at)).await.expect("record run");
    }
    let stored = store.get_job(&j.id).await.expect("get").expect("job");
    assert_eq!(stored.counters, RunCounters { total: 4, succeeded: 2, failed: 2 }, "timed-out runs count as failed");
    assert_eq!(stored.last_run_at, Some(t0() + secs(40)), "the last run time is the latest recorded");
    assert_eq!(stored.last_status, Some(ExecutionStatus::Succeeded), "the last status is the latest recorded");
    let definition = Job { counters: j.counters, last_run_at: j.last_run_at, last_status: j.last_status, ..stored };
    assert_eq!(definition, j, "recording runs must not touch the definition or its version");
}
