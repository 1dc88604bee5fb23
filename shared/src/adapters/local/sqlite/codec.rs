//! Between domain values and SQLite values: errors, times, counters, ids.

use std::fmt::Display;

use chrono::{DateTime, Utc};

use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::ExecutionId;
use crate::ports::{StoreError, StoreResult};

pub(super) fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("sqlite: {e}"))
}

/// A stored value this build cannot read back: only a hand-edited or foreign file gets here.
pub(super) fn corrupt(what: impl Display) -> StoreError {
    StoreError::Backend(format!("unreadable stored row: {what}"))
}

pub(super) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn opt_ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(ms)
}

pub(super) fn time(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(format!("time {ms} out of range")))
}

pub(super) fn opt_time(ms: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    ms.map(time).transpose()
}

/// What the store keeps of a time: what a caller reads back after writing `t`.
pub(super) fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms(t)).unwrap_or(t)
}

pub(super) fn int(v: u64) -> StoreResult<i64> {
    i64::try_from(v).map_err(|_| StoreError::Backend(format!("{v} does not fit a sqlite integer")))
}

pub(super) fn uint(v: i64) -> StoreResult<u64> {
    u64::try_from(v).map_err(|_| corrupt(format!("negative count {v}")))
}

pub(super) fn status(raw: &str) -> StoreResult<ExecutionStatus> {
    ExecutionStatus::parse(raw).ok_or_else(|| corrupt(format!("status {raw:?}")))
}

/// Ids are stored as their 16 bytes (UUIDv7 bytes sort by creation, and a third of the text's
/// size keeps four indexes small).
pub(super) fn execution_id(raw: &[u8]) -> StoreResult<ExecutionId> {
    let uuid = uuid::Uuid::from_slice(raw).map_err(corrupt)?;
    Ok(ExecutionId::from_uuid(uuid))
}

pub(super) fn id_bytes(id: ExecutionId) -> [u8; 16] {
    id.as_uuid().into_bytes()
}
