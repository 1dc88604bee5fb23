//! The audit log: a durable, append-mostly record of guarded operations, newest first.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::audit::AuditEntry;

/// The most entries one page holds, whatever the caller asks.
pub const MAX_AUDIT_PAGE: u32 = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    /// Newest first: by time, then by id.
    pub entries: Vec<AuditEntry>,
    /// Continues after the last entry of this page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Access patterns: write one entry by id (a second write of the id replaces the first and keeps
/// its place, which is set by the entry's `at`); read pages newest first by an opaque cursor.
///
/// A replacement must carry the `at` of the entry it replaces: DynamoDB files an entry under its
/// time and id. Times are kept to the millisecond, as in the other stores.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record(&self, entry: &AuditEntry) -> StoreResult<()>;

    /// At most `limit` (clamped to 1..=[`MAX_AUDIT_PAGE`]) entries after `cursor`. A cursor this
    /// store did not hand out is [`StoreError::BadCursor`](super::StoreError::BadCursor).
    async fn list_audit(&self, cursor: Option<&str>, limit: u32) -> StoreResult<AuditPage>;
}
