//! The video contract: what `VideoStore` promises in `jobsmith::ports`, checked the same way for
//! SQLite and DynamoDB. A check asserts only documented behaviour.
//!
//! A backend's test file implements [`VideoBackend`] and invokes
//! [`video_contract!`](crate::video_contract), which makes each check a test of its own on a
//! fresh, empty store (`cargo test --test contract_sqlite upsert_keeps_one_record`).

pub mod dataset;
pub mod jobs;
pub mod listing;
pub mod records;
pub mod states;

use std::future::Future;
use std::sync::Arc;

use jobsmith::ports::VideoStore;

/// A store under the contract, fresh and empty, with whatever must live as long as it.
pub trait VideoBackend: Sized {
    fn open() -> impl Future<Output = Self>;

    fn video_store(&self) -> Arc<dyn VideoStore>;
}

/// `video_contract!(name: Backend)` makes a module `name` with one `#[tokio::test]` per check.
#[macro_export]
macro_rules! video_contract {
    ($name:ident : $backend:ty) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::video_contract!(@checks $backend;
                records::insert_then_get_round_trips,
                records::upsert_keeps_one_record_per_platform_id,
                records::an_underived_id_is_refused,
                records::update_checks_the_version,
                records::update_keeps_what_was_found,
                records::update_moves_the_filters_with_the_video,
                states::the_archive_tells_unknown_recorded_stored_and_tombstoned,
                states::transitions_are_written_under_the_version_check,
                states::a_tombstone_hides_the_video_until_a_retry,
                states::retry_and_tombstone_of_a_missing_video_are_not_found,
                states::a_pin_round_trips_and_a_deleted_video_takes_none,
                listing::every_filter_alone_and_combined_lists_newest_first_with_its_total,
                listing::equal_times_are_ordered_by_id,
                listing::offset_pages_match_the_full_listing,
                listing::cursor_pages_visit_every_video_once,
                listing::a_malformed_cursor_is_refused,
                jobs::counts_follow_statuses_and_bytes_of_uploaded_videos,
                jobs::deleting_a_job_removes_its_records_and_only_those,
            );
        }
    };
    (@checks $backend:ty; $($module:ident :: $check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let backend = <$backend as $crate::video_contract::VideoBackend>::open().await;
                $crate::video_contract::$module::$check($crate::video_contract::VideoBackend::video_store(&backend)).await;
            }
        )*
    };
}
