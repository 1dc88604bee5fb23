//! `ExecutionStore`: an execution is one item keyed by its id, so reads and writes by id are
//! single strongly consistent requests. Listings read an index of keys and a few attributes
//! (never the up to 96 KiB of output tails, which would be copied into every index and rewritten
//! there on every progress update), then fetch the page's items with one consistent BatchGetItem.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::errors::backend;
use super::execution_item::{ExecutionItem, KIND, STATUS, as_stored};
use super::expr::{Expr, Item, number, s, text};
use super::keys::{
    EXECUTIONS_BY_CREATED, EXECUTIONS_BY_JOB, EXECUTIONS_BY_KIND, EXECUTIONS_BY_STATUS, EXECUTIONS_PARTITION,
    EXPIRES_AT, PK,
};
use super::leases::Sweep;
use super::query::{Kind, Listing};
use super::writes::execution_key;
use crate::domain::execution::{Execution, ExecutionStatus, Progress};
use crate::domain::ids::{ExecutionId, JobId};
use crate::ports::{ExecutionFilter, ExecutionStore, Page, PageRequest, Slice, StartOutcome, StoreResult};

/// Newest first. The index follows the most selective part of the filter (the job, then the
/// kind, then a single status); the rest is a filter expression on the index's projected
/// attributes (see docs/dynamodb.md for the cost).
fn listing(filter: &ExecutionFilter, now_secs: i64) -> Listing {
    let mut expr = Expr::default();
    let mut filters = vec![expr.unexpired(now_secs)];
    let one_status = match filter.statuses.as_slice() {
        [status] => Some(*status),
        _ => None,
    };
    let (index, partition) = match (&filter.job_id, filter.kind, one_status) {
        (Some(job), _, _) => (&EXECUTIONS_BY_JOB, job.to_string()),
        (None, Some(kind), _) => (&EXECUTIONS_BY_KIND, kind.as_str().to_owned()),
        (None, None, Some(status)) => (&EXECUTIONS_BY_STATUS, status.as_str().to_owned()),
        (None, None, None) => (&EXECUTIONS_BY_CREATED, EXECUTIONS_PARTITION.to_owned()),
    };
    if let Some(kind) = filter.kind.filter(|_| index != &EXECUTIONS_BY_KIND) {
        filters.push(format!("{} = {}", expr.name(KIND), expr.value("kind", s(kind.as_str()))));
    }
    if !filter.statuses.is_empty() && index != &EXECUTIONS_BY_STATUS {
        let values: Vec<String> = filter
            .statuses
            .iter()
            .enumerate()
            .map(|(i, status)| expr.value(&format!("status{i}"), s(status.as_str())))
            .collect();
        filters.push(format!("{} IN ({})", expr.name(STATUS), values.join(", ")));
    }
    let selective = filters.len() > 1;
    Listing::new(index, Kind::Executions, partition, false, filters, expr, selective)
}

fn by_status(status: ExecutionStatus, now_secs: i64) -> Listing {
    listing(&ExecutionFilter::with_status(status), now_secs)
}

impl DynamoStore {
    fn unexpired(&self, item: &Item) -> bool {
        number::<i64>(item, EXPIRES_AT).is_none_or(|at| at > self.now_secs())
    }

    /// The execution's item when it is there and has not expired.
    pub(super) async fn read_execution(&self, id: ExecutionId) -> StoreResult<Option<Item>> {
        Ok(self.read_execution_even_expired(id).await?.filter(|item| self.unexpired(item)))
    }

    /// The execution's item as stored, expired or not (TTL deletes lag behind expiry).
    pub(super) async fn read_execution_even_expired(&self, id: ExecutionId) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(execution_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("get execution", e))?;
        Ok(out.item)
    }

    /// The listed entries' executions, less any whose status changed between the index read and
    /// the fetch when the filter names a status: a page never shows a run the filter excludes.
    async fn hydrate_matching(&self, filter: &ExecutionFilter, entries: &[Item]) -> StoreResult<Vec<Execution>> {
        let mut items = self.hydrate(entries).await?;
        items.retain(|e| filter.matches(e));
        Ok(items)
    }

    /// The executions that index entries point to, in their order, read consistently: one
    /// BatchGetItem per 100. An entry whose item is gone or expired by now is left out.
    async fn hydrate(&self, entries: &[Item]) -> StoreResult<Vec<Execution>> {
        let pks: Vec<&str> = entries.iter().filter_map(|e| text(e, PK)).collect();
        let keys = entries
            .iter()
            .filter_map(|e| Some(super::expr::key(text(e, PK)?.to_owned(), text(e, super::keys::SK)?)))
            .collect();
        let mut found = self.get_many(keys, "batch get executions").await?;
        pks.into_iter()
            .filter_map(|pk| found.remove(pk))
            .filter(|item| self.unexpired(item))
            .map(ExecutionItem::decode)
            .collect()
    }
}

#[async_trait]
impl ExecutionStore for DynamoStore {
    async fn start_execution(&self, execution: &Execution, max_instances: u32) -> StoreResult<StartOutcome> {
        self.start(execution, max_instances).await
    }

    async fn insert_pending(&self, execution: &Execution) -> StoreResult<StartOutcome> {
        let pending = as_stored(Execution { status: ExecutionStatus::Pending, ..execution.clone() });
        Ok(if self.insert(&pending).await? { StartOutcome::Started(pending) } else { StartOutcome::Duplicate })
    }

    async fn insert_finished(&self, execution: &Execution) -> StoreResult<bool> {
        self.insert(execution).await
    }

    async fn start_pending(
        &self,
        id: ExecutionId,
        max_instances: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<StartOutcome> {
        let pending = self.get_execution(id).await?.filter(|e| e.status == ExecutionStatus::Pending);
        match pending {
            Some(pending) => self.start_waiting(pending, max_instances, now).await,
            None => Ok(StartOutcome::Duplicate),
        }
    }

    async fn take_dispatched(&self, id: ExecutionId, taker: &str) -> StoreResult<bool> {
        self.take_run(id, taker).await
    }

    /// `NotFound` when the execution is gone (or expired).
    async fn finish_execution(&self, execution: &Execution) -> StoreResult<()> {
        self.finish(execution).await
    }

    async fn update_progress(&self, id: ExecutionId, progress: Progress) -> StoreResult<()> {
        self.write_progress(id, progress).await
    }

    async fn request_cancel(&self, id: ExecutionId, now: DateTime<Utc>) -> StoreResult<Option<Execution>> {
        self.cancel(id, now).await
    }

    async fn delete_execution(&self, id: ExecutionId) -> StoreResult<bool> {
        self.delete_run(id).await
    }

    async fn get_execution(&self, id: ExecutionId) -> StoreResult<Option<Execution>> {
        self.read_execution(id).await?.map(ExecutionItem::decode).transpose()
    }

    async fn list_executions(&self, filter: &ExecutionFilter, page: &PageRequest) -> StoreResult<Page<Execution>> {
        let page = self.page(&listing(filter, self.now_secs()), page).await?;
        let items = self.hydrate_matching(filter, &page.items).await?;
        Ok(Page { items, total: page.total, next_cursor: page.next_cursor })
    }

    async fn walk_executions(&self, filter: &ExecutionFilter, page: &PageRequest) -> StoreResult<Slice<Execution>> {
        let slice = self.slice(&listing(filter, self.now_secs()), page).await?;
        let items = self.hydrate_matching(filter, &slice.items).await?;
        Ok(Slice { items, next_cursor: slice.next_cursor })
    }

    async fn count_running(&self) -> StoreResult<u64> {
        self.count(&by_status(ExecutionStatus::Running, self.now_secs())).await
    }

    /// Oldest first.
    async fn pending_executions(&self) -> StoreResult<Vec<Execution>> {
        let mut listing = by_status(ExecutionStatus::Pending, self.now_secs());
        listing.forward = true;
        let entries = self.collect(&listing, &[]).await?;
        let mut items = self.hydrate(&entries).await?;
        items.retain(|e| e.status == ExecutionStatus::Pending);
        Ok(items)
    }

    async fn fail_running(&self, error: &str, now: DateTime<Utc>) -> StoreResult<Vec<ExecutionId>> {
        self.fail_runs(Sweep { lease_before: None, job: None }, error, now).await
    }

    async fn delete_job_executions(&self, job_id: &JobId) -> StoreResult<u64> {
        self.delete_history(job_id).await
    }

    /// The finished runs are left to the sweep: a job's whole history deleted within one
    /// request times out past a few thousand runs.
    async fn release_job_history(&self, job_id: &JobId) -> StoreResult<u64> {
        self.release_history(job_id).await
    }

    async fn purge_finished(&self, succeeded_before: DateTime<Utc>, failed_before: DateTime<Utc>) -> StoreResult<u64> {
        self.purge(succeeded_before, failed_before).await
    }

    async fn count_purgeable(&self, succeeded_before: DateTime<Utc>, failed_before: DateTime<Utc>) -> StoreResult<u64> {
        Ok(self.purgeable(succeeded_before, failed_before).await?.1)
    }
}
