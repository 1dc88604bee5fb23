//! `JobStore`, `ExecutionStore`, `VideoStore` and `AuditLog` over one DynamoDB table. `docs/dynamodb.md` is the design:
//! the item types, the indexes, and what every operation costs in requests.
//!
//! In short: a job is one item; a run's uniqueness is a guard item written with
//! `attribute_not_exists` in the same transaction as the execution, and `max_instances` is a
//! per-job counter item raised under `running < max` in that transaction. A running execution
//! holds a lease; a run whose lease lapsed stops counting once it is reaped (`fail_running`,
//! [`DynamoStore::reap_expired_leases`], or a start that finds the job full). Finished
//! executions carry a TTL, and every read treats an item past it as gone, since DynamoDB deletes
//! expired items only eventually (days later) and moto never does.

mod audit;
mod batch;
mod cancel;
mod cursor;
mod errors;
mod execution_item;
mod executions;
mod expr;
mod finish;
mod handoff;
mod history;
mod history_purge;
#[cfg(any(test, feature = "test-support"))]
mod import;
mod job_item;
mod jobs;
mod keys;
mod leases;
mod query;
mod release_all;
mod schema;
mod starts;
mod video_item;
mod video_keys;
mod video_listing;
mod videos;
mod watermark;
mod writes;

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};

use crate::ports::{Clock, SystemClock};

/// The SDK this store speaks, for callers that build its client without depending on it.
pub use aws_sdk_dynamodb;
pub use history_purge::HistoryPurge;
pub use leases::LEASE_LAPSED;
pub use release_all::ScheduleToRemove;
pub use schema::create_table;

/// A run's lease when nothing renews it: longer than a Lambda function can run (15 minutes), so
/// a run the executor function carries never needs renewing, with room for clock skew.
pub const DEFAULT_LEASE: Duration = Duration::minutes(20);

/// How far an offset page may walk past items it does not return, counted from whichever end of
/// the listing is nearer. DynamoDB cannot skip, so an offset costs reading every item before it;
/// past this the store refuses the page and the client is to page by cursor.
pub const DEFAULT_MAX_OFFSET_WALK: u64 = 10_000;

/// How long finished executions stay readable before their TTL expires them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Succeeded, cancelled and skipped runs.
    pub succeeded: Duration,
    /// Failed and timed-out runs: kept longer, since they are the ones someone investigates.
    pub failed: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self { succeeded: Duration::days(30), failed: Duration::days(90) }
    }
}

/// DynamoDB-backed `JobStore`, `ExecutionStore`, `VideoStore` and `AuditLog`. Cheap to clone: clones share the client.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    retention: Retention,
    lease: Duration,
    max_offset_walk: u64,
    /// Decides which items have expired: DynamoDB's TTL runs on the wall clock.
    clock: Arc<dyn Clock>,
}

impl DynamoStore {
    /// A store over `table`, which must have the shape [`create_table`] gives it.
    pub fn new(client: Client, table: impl Into<String>, retention: Retention) -> Self {
        Self {
            client,
            table: table.into(),
            retention,
            lease: DEFAULT_LEASE,
            max_offset_walk: DEFAULT_MAX_OFFSET_WALK,
            clock: Arc::new(SystemClock),
        }
    }

    /// How long a started run counts as running without a `renew_lease`.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    pub fn with_max_offset_walk(mut self, items: u64) -> Self {
        self.max_offset_walk = items;
        self
    }

    /// Replaces the wall clock that decides which items have expired.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn retention(&self) -> Retention {
        self.retention
    }

    /// Epoch seconds, the unit of the TTL attribute.
    fn now_secs(&self) -> i64 {
        self.clock.now().timestamp()
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
