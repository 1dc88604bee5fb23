//! The audit contract: what `AuditLog` promises in `jobsmith::ports`, checked the same way for
//! SQLite and DynamoDB. A check asserts only documented behaviour.
//!
//! A backend's test file implements [`AuditBackend`] and invokes
//! [`audit_contract!`](crate::audit_contract), which makes each check a test of its own on a
//! fresh, empty store (`cargo test --test contract_sqlite audit`).

pub mod entries;
pub mod paging;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use jobsmith::domain::audit::{AuditAction, AuditCounts, AuditEntry, AuditId, AuditOutcome};
use jobsmith::ports::AuditLog;

/// A store under the contract, fresh and empty, with whatever must live as long as it.
pub trait AuditBackend: Sized {
    fn open() -> impl Future<Output = Self>;

    fn audit_log(&self) -> Arc<dyn AuditLog>;
}

/// `audit_contract!(name: Backend)` makes a module `name` with one `#[tokio::test]` per check.
#[macro_export]
macro_rules! audit_contract {
    ($name:ident : $backend:ty) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::audit_contract!(@checks $backend;
                entries::an_entry_round_trips_exactly,
                entries::a_second_record_of_an_id_replaces_the_first_in_place,
                paging::pages_are_newest_first_by_time_then_id,
                paging::cursor_pages_visit_every_entry_once,
                paging::limits_are_clamped,
                paging::a_malformed_cursor_is_refused,
                paging::an_empty_log_is_one_empty_page,
            );
        }
    };
    (@checks $backend:ty; $($module:ident :: $check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let backend = <$backend as $crate::audit_contract::AuditBackend>::open().await;
                $crate::audit_contract::$module::$check($crate::audit_contract::AuditBackend::audit_log(&backend)).await;
            }
        )*
    };
}

/// Ids that sort as `n` does (UUIDv7 layout, `n` in the last group).
pub fn audit_id(n: u64) -> AuditId {
    AuditId::parse(&format!("01960000-0000-7000-8000-{n:012x}")).expect("a valid audit id")
}

/// A refused attempt with nothing optional: the smallest entry.
pub fn entry(n: u64, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        id: audit_id(n),
        at,
        action: AuditAction::CleanupAllVideos,
        outcome: AuditOutcome::Refused,
        status: 403,
        principal: "anonymous".to_owned(),
        client_address: None,
        user_agent: None,
        reason: None,
        counts: AuditCounts::default(),
    }
}

pub async fn record_all(log: &dyn AuditLog, entries: &[AuditEntry]) {
    for e in entries {
        log.record(e).await.expect("record");
    }
}

/// The order the port promises: by time, then by id, newest first.
pub fn newest_first(entries: &mut [AuditEntry]) {
    entries.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
}

pub fn ids(entries: &[AuditEntry]) -> Vec<AuditId> {
    entries.iter().map(|e| e.id).collect()
}
