//! Deleting every job within one request, whatever their number. The records go at once, many
//! BatchWriteItem requests in parallel, each job's delete beside a history purge marker (see
//! `history_purge`) that also asks for the job's schedule to go. Schedules are one
//! EventBridge call each, so thousands of them would outlast the request: the sweep function
//! removes them ([`DynamoStore::schedules_to_remove`]), then the histories as for any deleted
//! job.

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, PutRequest, WriteRequest};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use super::DynamoStore;
use super::errors::{backend, build_err};
use super::expr::{Expr, Item, key, n};
use super::history_purge::{UNSCHEDULE, marker_key, purge_marker};
use super::keys::{JOB_SK, JOBS_BY_CREATED, JOBS_PARTITION, PK, job_pk, ms, parse_job_pk};
use super::query::{Kind, Listing};
use crate::domain::ids::{ExecutionId, JobId};
use crate::ports::{ReleasedJobs, StoreResult};

/// A job's delete and its marker, twice over, fill 24 of BatchWriteItem's 25 requests.
const JOBS_PER_BATCH: usize = 12;
/// BatchWriteItem requests in flight at once: DynamoDB takes them in parallel, and a request
/// then deletes about 200 jobs per round trip.
const BATCHES_AT_ONCE: usize = 16;

/// When the jobs were deleted, on their markers: a job of the same id made before then is one
/// whose delete did not land, and keeps its schedule and history.
const DELETED_MS: &str = "deleted_ms";

/// A deleted job whose schedule is still to be removed.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleToRemove {
    pub job: JobId,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
    marker: Item,
}

impl DynamoStore {
    pub(super) async fn release_all(&self) -> StoreResult<ReleasedJobs> {
        // Every run of these jobs was made before this id; a job made again later keeps its own.
        let bound = ExecutionId::generate().to_string();
        let listing = Listing::new(
            &JOBS_BY_CREATED,
            Kind::Jobs,
            JOBS_PARTITION.to_owned(),
            true,
            Vec::new(),
            Expr::default(),
            false,
        );
        let ids: Vec<JobId> = self
            .collect(&listing, &[PK])
            .await?
            .iter()
            .filter_map(|item| item.get(PK).and_then(|pk| pk.as_s().ok()).and_then(|pk| parse_job_pk(pk)))
            .collect();
        let bound = bound.as_str();
        let deleted_ms = ms(self.now());
        let batches: Vec<Vec<JobId>> = ids.chunks(JOBS_PER_BATCH).map(<[JobId]>::to_vec).collect();
        let outcomes: Vec<(Vec<JobId>, StoreResult<()>)> = futures_util::stream::iter(batches)
            .map(|chunk| async move {
                let outcome = self.release_batch(&chunk, bound, deleted_ms).await;
                (chunk, outcome)
            })
            .buffer_unordered(BATCHES_AT_ONCE)
            .collect()
            .await;
        let mut released = ReleasedJobs::default();
        for (chunk, outcome) in outcomes {
            match outcome {
                Ok(()) => released.deleted += chunk.len() as u64,
                Err(err) => {
                    tracing::error!(jobs = chunk.len(), error = %err, "could not delete a batch of jobs");
                    released.failed.extend(chunk);
                }
            }
        }
        Ok(released)
    }

    /// The jobs' records and their markers. A marker may land without its record's delete (the
    /// batch failed halfway): the sweep then finds the job older than the marker and drops the
    /// marker, leaving the job's schedule and history ([`DynamoStore::forget_removal`]).
    async fn release_batch(&self, jobs: &[JobId], bound: &str, deleted_ms: i64) -> StoreResult<()> {
        let mut requests = Vec::with_capacity(jobs.len() * 2);
        for job in jobs {
            let mut marker = purge_marker(job, bound);
            marker.insert(UNSCHEDULE.to_owned(), AttributeValue::Bool(true));
            marker.insert(DELETED_MS.to_owned(), n(deleted_ms));
            let put = PutRequest::builder().set_item(Some(marker)).build().map_err(build_err)?;
            let delete = DeleteRequest::builder().set_key(Some(key(job_pk(job), JOB_SK))).build().map_err(build_err)?;
            requests.push(WriteRequest::builder().put_request(put).build());
            requests.push(WriteRequest::builder().delete_request(delete).build());
        }
        self.batch_write(requests, "delete jobs").await
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
