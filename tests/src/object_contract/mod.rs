//! The object contract: what `ObjectStore` promises in `jobsmith::ports`, checked the same way
//! for the local folder and for S3 (moto, and SeaweedFS as a real S3 server). A check asserts
//! only documented behaviour; where backends may differ (a kept content type) the backend says
//! which way it goes.
//!
//! A backend's test file implements [`ObjectBackend`] and invokes
//! [`object_contract!`](crate::object_contract), which makes each check a test of its own on a
//! fresh, empty store (`cargo test --test contract_objects_local list_is_in_key_order`).

pub mod basics;
pub mod cleanup;
pub mod deletes;
pub mod files;
pub mod listing;
pub mod s3;

use std::future::Future;
use std::sync::Arc;

use jobsmith::domain::object_key::ObjectKey;
use jobsmith::ports::ObjectStore;

/// How a backend orders a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    /// S3's: byte order of whole keys, so `a-b` and `a.mp4` come before `a/b` (`-` and `.` are
    /// below `/`).
    Bytes,
    /// A walk of directories sorted by their bare names, so `a/b` comes before `a-b`: SeaweedFS.
    /// Pages still visit every key once.
    DirectoryWalk,
}

/// A store under the contract, fresh and empty, with whatever must live as long as it.
pub trait ObjectBackend: Sized {
    /// Whether `head` reports the content type an object was stored with.
    const KEEPS_CONTENT_TYPE: bool;

    const KEY_ORDER: KeyOrder = KeyOrder::Bytes;

    fn open() -> impl Future<Output = Self>;

    fn store(&self) -> Arc<dyn ObjectStore>;
}

/// A key the test knows to be valid.
pub fn key(raw: &str) -> ObjectKey {
    ObjectKey::parse(raw).unwrap_or_else(|e| panic!("{raw:?} is not a valid key: {e}"))
}

/// `object_contract!(name: Backend)` makes a module `name` with one `#[tokio::test]` per check.
#[macro_export]
macro_rules! object_contract {
    ($name:ident : $backend:ty) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::object_contract!(@checks $backend;
                basics::put_then_get_and_head_round_trip,
                basics::missing_keys_are_not_found,
                basics::a_write_replaces_the_object,
                listing::pages_visit_every_key_once,
                listing::page_limits_are_held_to_1_through_1000,
                listing::foreign_tokens_are_refused,
                deletes::delete_many_reports_each_key,
                files::a_file_past_the_multipart_threshold_round_trips,
                files::a_small_file_round_trips_and_replaces_the_destination,
            );

            // Checks of what backends may do differently, told how this one does it.
            $crate::object_contract!(@told $backend;
                basics::content_type_is_kept_where_the_backend_keeps_one,
                listing::list_is_in_key_order_and_filters_by_prefix,
            );
        }
    };
    (@checks $backend:ty; $($module:ident :: $check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let backend = <$backend as $crate::object_contract::ObjectBackend>::open().await;
                $crate::object_contract::$module::$check($crate::object_contract::ObjectBackend::store(&backend)).await;
            }
        )*
    };
    (@told $backend:ty; $($module:ident :: $check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let backend = <$backend as $crate::object_contract::ObjectBackend>::open().await;
                let store = $crate::object_contract::ObjectBackend::store(&backend);
                $crate::object_contract::$module::$check::<$backend>(store).await;
            }
        )*
    };
}
