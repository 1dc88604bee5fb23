//! The store contract: what `JobStore` and `ExecutionStore` promise in `jobsmith::ports`, checked
//! the same way for every backend. A check asserts only documented behaviour, so that SQLite and
//! DynamoDB pass the same suite.
//!
//! Each backend's test calls [`run_job_store_contract`] and [`run_execution_store_contract`] with
//! a factory for fresh, empty stores; every check gets its own store. The modules are public so
//! that a failing check can also be run on its own.

pub mod concurrency;
pub mod execution_lifecycle;
pub mod execution_listing;
pub mod executions;
pub mod fixtures;
pub mod job_listing;
pub mod job_schedule;
pub mod jobs;

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use jobsmith::ports::{ExecutionStore, JobStore};

pub type CheckFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A named check over one port.
pub struct Check<S: ?Sized> {
    pub name: &'static str,
    pub run: fn(Arc<S>) -> CheckFuture,
}

macro_rules! checks {
    ($($check:path),* $(,)?) => {
        vec![$(Check { name: stringify!($check), run: |store| Box::pin($check(store)) }),*]
    };
}

pub fn job_store_checks() -> Vec<Check<dyn JobStore>> {
    checks![
        jobs::insert_then_get_round_trips,
        jobs::insert_refuses_a_taken_id,
        jobs::update_checks_the_version,
        jobs::delete_reports_whether_it_existed,
        job_listing::list_is_in_creation_order,
        job_listing::list_filters_by_name_enabled_and_function,
        job_listing::offset_pages_match_the_full_listing,
        job_listing::cursor_pages_visit_every_job_once,
        job_listing::a_malformed_cursor_is_refused,
        job_listing::counts_follow_inserts_and_deletes,
        job_schedule::due_jobs_are_active_due_and_earliest_first,
        job_schedule::next_due_job_follows_changes,
        job_schedule::advance_next_run_is_compare_and_set,
        job_schedule::record_run_counts_outcomes_without_touching_the_definition,
    ]
}

pub fn execution_store_checks() -> Vec<Check<dyn ExecutionStore>> {
    checks![
        executions::start_records_a_running_execution,
        executions::the_same_run_twice_is_a_duplicate,
        executions::max_instances_skips_runs_beyond_it,
        executions::a_retry_attempt_is_a_new_run,
        executions::finish_round_trips_every_field,
        executions::progress_updates_are_visible,
        execution_listing::list_is_newest_first_with_filters,
        execution_listing::offset_pages_match_the_full_listing,
        execution_listing::cursor_pages_visit_every_execution_once,
        execution_listing::a_malformed_cursor_is_refused,
        execution_listing::count_running_counts_every_job,
        execution_lifecycle::pending_runs_start_later_under_the_guard,
        execution_lifecycle::fail_running_fails_only_running_runs,
        execution_lifecycle::a_finished_record_is_written_once,
        execution_lifecycle::delete_job_executions_touches_only_that_job,
        execution_lifecycle::purge_uses_the_cutoff_for_each_outcome,
        concurrency::one_of_many_identical_starts_wins,
        concurrency::max_instances_holds_under_concurrent_starts,
    ]
}

/// Runs every `JobStore` check, each on a store fresh from `make`.
pub async fn run_job_store_contract<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn JobStore>>,
{
    run("JobStore", job_store_checks(), make).await;
}

/// Runs every `ExecutionStore` check, each on a store fresh from `make`.
pub async fn run_execution_store_contract<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn ExecutionStore>>,
{
    run("ExecutionStore", execution_store_checks(), make).await;
}

async fn run<S, F, Fut>(port: &str, checks: Vec<Check<S>>, make: F)
where
    S: ?Sized,
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<S>>,
{
    for check in checks {
        let store = make().await;
        // On its own task so that a failed assertion comes back here and can be named.
        if let Err(failure) = tokio::spawn((check.run)(store)).await {
            let why = if failure.is_panic() { panic_text(failure.into_panic()) } else { failure.to_string() };
            panic!("{port} contract check `{}` failed: {why}", check.name);
        }
    }
}

fn panic_text(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload.downcast_ref::<&str>().map_or_else(|| "(no message)".to_owned(), |s| (*s).to_owned()),
    }
}
