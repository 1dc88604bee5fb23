//! Deleting every job within one request, whatever their number: one write raises the delete
//! watermark (`watermark`), which hides every job created until then from every read. The
//! sweep then releases the jobs below it a batch at a time ([`DynamoStore::release_deleted_jobs`]):
//! each job's record goes and a history purge marker (see `history_purge`) takes its place,
//! which also asks for the job's schedule to go. Schedules are one EventBridge call each, so the
//! sweep removes them ([`DynamoStore::schedules_to_remove`]), then the histories as for any
//! deleted job.

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};

use super::DynamoStore;
use super::errors::{backend, build_err};
use super::expr::{Expr, Item, key, n, s, text};
use super::history_purge::{UNSCHEDULE, marker_key, purge_marker};
use super::keys::{JOB_SK, JOBS_BY_CREATED, JOBS_PARTITION, PK, ms, parse_job_pk};
use super::query::{Kind, Listing};
use super::watermark::Watermark;
use crate::domain::ids::JobId;
use crate::ports::{ReleasedJobs, StoreResult};

/// Records deleted at once while releasing: each is its own conditional DeleteItem.
const DELETES_AT_ONCE: usize = 16;

/// When the jobs were deleted, on their markers.
const DELETED_MS: &str = "deleted_ms";

/// A deleted job whose schedule is still to be removed.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleToRemove {
    pub job: JobId,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
    marker: Item,
}

/// Every job, oldest first, whether or not it is deleted: narrowed with `after` and `before`.
fn all_jobs() -> Listing {
    Listing::new(&JOBS_BY_CREATED, Kind::Jobs, JOBS_PARTITION.to_owned(), true, Vec::new(), Expr::default(), false)
}

impl DynamoStore {
    /// One write, then a count of what it hid (read from the index, about 1 MB of jobs a
    /// request: reads, unlike the deletes, are not bound to one partition's write rate).
    pub(super) async fn release_all(&self) -> StoreResult<ReleasedJobs> {
        let Some(raised) = self.raise_watermark().await? else { return Ok(ReleasedJobs::default()) };
        let hidden = all_jobs().after(raised.from).before(raised.to.live_from);
        Ok(ReleasedJobs { deleted: self.count(&hidden).await?, failed: Vec::new() })
    }

    /// Releases up to `limit` of the jobs below the delete watermark, oldest first: a purge
    /// marker for each (history, and schedule to remove), then its record. Returns the
    /// schedules to remove; empty once every deleted job is released.
    pub async fn release_deleted_jobs(&self, limit: i32) -> StoreResult<Vec<ScheduleToRemove>> {
        let Some(mark) = self.watermark().await? else { return Ok(Vec::new()) };
        let records = self.first(&all_jobs().before(mark.live_from.clone()), limit).await?;
        let mut removals = Vec::with_capacity(records.len());
        let mut markers = Vec::with_capacity(records.len());
        for record in &records {
            let Some(job) = text(record, PK).and_then(parse_job_pk) else { continue };
            let mut marker = purge_marker(&job, &mark.bound);
            marker.insert(UNSCHEDULE.to_owned(), AttributeValue::Bool(true));
            marker.insert(DELETED_MS.to_owned(), n(ms(mark.deleted_at)));
            removals.push(ScheduleToRemove { job, deleted_at: mark.deleted_at, marker: marker_key(&marker) });
            let put = PutRequest::builder().set_item(Some(marker)).build().map_err(build_err)?;
            markers.push(WriteRequest::builder().put_request(put).build());
        }
        // The markers first: a record gone without its marker would leave its schedule firing.
        self.batch_write(markers, "mark deleted jobs").await?;
        futures_util::stream::iter(&records)
            .map(|record| self.delete_released(record, &mark))
            .buffer_unordered(DELETES_AT_ONCE)
            .try_collect::<()>()
            .await?;
        Ok(removals)
    }

    /// Whether jobs below the delete watermark are still to be released.
    pub async fn deleted_jobs_remain(&self) -> StoreResult<bool> {
        let Some(mark) = self.watermark().await? else { return Ok(false) };
        Ok(!self.first(&all_jobs().before(mark.live_from), 1).await?.is_empty())
    }

    /// The record, only while it is still the deleted job: a new job may have taken its id
    /// since it was read, and keeps its record.
    async fn delete_released(&self, record: &Item, mark: &Watermark) -> StoreResult<()> {
        let Some(pk) = text(record, PK) else { return Ok(()) };
        let mut expr = Expr::default();
        let condition = format!("{} < {}", expr.name(JOBS_BY_CREATED.sk), expr.value("live_from", s(&mark.live_from)));
        let sent = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk.to_owned(), JOB_SK)))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(backend("delete a released job", e)),
        }
    }

    /// Deleted jobs whose schedules are still to be removed: the sweep removes each, unless a
    /// job of the same id exists again (its schedule has the same name), and then reports it
    /// with [`DynamoStore::schedule_removed`].
    pub async fn schedules_to_remove(&self) -> StoreResult<Vec<ScheduleToRemove>> {
        let mut found = Vec::new();
        for marker in self.purge_markers(true).await? {
            let job = marker.get(super::execution_item::JOB_ID).and_then(|v| v.as_s().ok());
            let Some(job) = job.and_then(|id| JobId::parse(id).ok()) else { continue };
            let deleted = marker.get(DELETED_MS).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok());
            let Some(deleted_at) = deleted.and_then(DateTime::from_timestamp_millis) else { continue };
            found.push(ScheduleToRemove { job, deleted_at, marker: marker_key(&marker) });
        }
        Ok(found)
    }

    /// The schedule is gone: the marker is left to the history purge.
    pub async fn schedule_removed(&self, removed: &ScheduleToRemove) -> StoreResult<()> {
        let mut expr = Expr::default();
        let update = format!("REMOVE {}", expr.name(UNSCHEDULE));
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(removed.marker.clone()))
            .update_expression(update)
            .set_expression_attribute_names(expr.names())
            .send()
            .await
            .map_err(|e| backend("mark a schedule removed", e))?;
        Ok(())
    }

    /// The job outlived its delete (its record's delete did not land): its marker goes, and with
    /// it any claim on the job's schedule and history.
    pub async fn forget_removal(&self, removal: &ScheduleToRemove) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(removal.marker.clone()))
            .send()
            .await
            .map_err(|e| backend("drop a purge marker", e))?;
        Ok(())
    }
}
