//! The store contract: what `JobStore` and `ExecutionStore` promise in `jobsmith::ports`, checked
//! the same way for every backend. A check asserts only documented behaviour, so that SQLite and
//! DynamoDB pass the same suite.
//!
//! A backend's test file implements [`Backend`] and invokes [`store_contract!`](crate::store_contract),
//! which makes each check a test of its own on a fresh, empty store: one failure hides no other,
//! and a failing check runs alone by its name (`cargo test --test contract_sqlite insert_refuses`).

pub mod concurrency;
pub mod execution_cancel;
pub mod execution_lifecycle;
pub mod execution_listing;
pub mod executions;
pub mod job_listing;
pub mod job_schedule;
pub mod jobs;
pub mod record_budget;

use std::future::Future;
use std::sync::Arc;

use jobsmith::ports::{ExecutionStore, JobStore};

pub use concurrency::Writes;

/// A store under the contract, fresh and empty, with whatever must live as long as it (a
/// temporary directory, a table).
pub trait Backend: Sized {
    /// Whether concurrent conditional writes are isolated from one another.
    const WRITES: Writes;

    fn open() -> impl Future<Output = Self>;

    fn job_store(&self) -> Arc<dyn JobStore>;

    fn execution_store(&self) -> Arc<dyn ExecutionStore>;
}

/// `store_contract!(name: Backend)` makes a module `name` with one `#[tokio::test]` per check:
/// `name::job_store::<check>` and `name::execution_store::<check>`.
#[macro_export]
macro_rules! store_contract {
    ($name:ident : $backend:ty) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            mod job_store {
                #[allow(unused_imports)]
                use super::*;

                $crate::store_contract!(@checks $backend, job_store;
                    jobs::insert_then_get_round_trips,
                    jobs::insert_refuses_a_taken_id,
                    jobs::ping_answers_and_adds_nothing,
                    jobs::update_checks_the_version,
                    jobs::delete_reports_whether_it_existed,
                    job_listing::list_is_in_creation_order,
                    job_listing::list_filters_by_name_enabled_and_function,
                    job_listing::offset_pages_match_the_full_listing,
                    job_listing::cursor_pages_visit_every_job_once,
                    job_listing::walks_read_what_the_listing_lists,
                    job_listing::a_malformed_cursor_is_refused,
                    job_listing::counts_follow_inserts_and_deletes,
                    job_schedule::due_jobs_are_active_due_and_earliest_first,
                    job_schedule::next_due_job_follows_changes,
                    job_schedule::advance_next_run_is_compare_and_set,
                    job_schedule::record_run_counts_outcomes_without_touching_the_definition,
                );
            }

            mod execution_store {
                #[allow(unused_imports)]
                use super::*;

                $crate::store_contract!(@checks $backend, execution_store;
                    executions::start_records_a_running_execution,
                    executions::the_same_run_twice_is_a_duplicate,
                    executions::max_instances_skips_runs_beyond_it,
                    executions::a_retry_attempt_is_a_new_run,
                    executions::finish_round_trips_every_field,
                    executions::progress_updates_are_visible,
                    execution_listing::list_is_newest_first_with_filters,
                    execution_listing::offset_pages_match_the_full_listing,
                    execution_listing::cursor_pages_visit_every_execution_once,
                    execution_listing::walks_read_what_the_listing_lists,
                    execution_listing::a_malformed_cursor_is_refused,
                    execution_listing::count_running_counts_every_job,
                    execution_lifecycle::pending_runs_start_later_under_the_guard,
                    execution_lifecycle::fail_running_fails_only_running_runs,
                    execution_lifecycle::a_finished_record_is_written_once,
                    execution_lifecycle::delete_job_executions_touches_only_that_job,
                    execution_lifecycle::purge_uses_the_cutoff_for_each_outcome,
                    execution_lifecycle::a_dispatched_run_is_taken_once,
                    execution_cancel::a_pending_run_is_cancelled_at_once,
                    execution_cancel::a_running_run_is_marked_once_and_left_to_its_executor,
                    execution_cancel::a_finished_or_unknown_run_is_left_alone,
                    execution_cancel::one_run_is_deleted_and_its_run_key_freed,
                    record_budget::a_maximal_record_finishes_and_reads_back_identical,
                    record_budget::an_oversized_outcome_is_cut_and_then_finishes,
                );

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn max_instances_holds_under_concurrent_starts() {
                    let backend = <$backend as $crate::contract::Backend>::open().await;
                    let store = $crate::contract::Backend::execution_store(&backend);
                    let writes = <$backend as $crate::contract::Backend>::WRITES;
                    $crate::contract::concurrency::max_instances_holds_under_concurrent_starts(store, writes).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn one_of_many_identical_starts_wins() {
                    let backend = <$backend as $crate::contract::Backend>::open().await;
                    let store = $crate::contract::Backend::execution_store(&backend);
                    let writes = <$backend as $crate::contract::Backend>::WRITES;
                    $crate::contract::concurrency::one_of_many_identical_starts_wins(store, writes).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn one_of_many_takers_wins() {
                    let backend = <$backend as $crate::contract::Backend>::open().await;
                    let store = $crate::contract::Backend::execution_store(&backend);
                    let writes = <$backend as $crate::contract::Backend>::WRITES;
                    $crate::contract::concurrency::one_of_many_takers_wins(store, writes).await;
                }
            }
        }
    };
    (@checks $backend:ty, $port:ident; $($module:ident :: $check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let backend = <$backend as $crate::contract::Backend>::open().await;
                $crate::contract::$module::$check($crate::contract::Backend::$port(&backend)).await;
            }
        )*
    };
}
