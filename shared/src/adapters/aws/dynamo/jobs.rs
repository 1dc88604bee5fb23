//! `JobStore`: a job is one item, listed through `jobs_by_created` and fired through the sparse
//! `jobs_due`. Reads by id are strongly consistent; index reads are eventually consistent.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::errors::{backend, retry_conflicts};
use super::expr::{Expr, Item, key, n, s};
use super::job_item::{DEFINITION_ATTRS, ENABLED, FUNCTION, JobItem, NAME_LOWER, NEXT_RUN, VERSION};
use super::keys::{
    DUE_PARTITION, JOB_SK, JOBS_BY_CREATED, JOBS_DUE, JOBS_PARTITION, PK, due_before, due_order, job_pk, ms,
};
use super::query::{Kind, Listing};
use super::watermark::{Watermark, is_watermark, watermark_key};
use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobCounts, JobFilter};
use crate::ports::{JobStore, Page, PageRequest, ReleasedJobs, Slice, StoreError, StoreResult};

/// The jobs matching `filter`, above the delete watermark when there is one.
fn listing(filter: &JobFilter, watermark: Option<&Watermark>) -> Listing {
    let mut expr = Expr::default();
    let mut filters = Vec::new();
    if let Some(needle) = filter.name_contains.as_deref().filter(|n| !n.is_empty()) {
        // `contains` on a lowercased copy: case-insensitive beyond ASCII, and no wildcards.
        let (attr, value) = (expr.name(NAME_LOWER), expr.value("needle", s(needle.to_lowercase())));
        filters.push(format!("contains({attr}, {value})"));
    }
    if let Some(enabled) = filter.enabled {
        filters.push(format!(
            "{} = {}",
            expr.name(ENABLED),
            expr.value("enabled", aws_sdk_dynamodb::types::AttributeValue::Bool(enabled))
        ));
    }
    if let Some(function) = filter.function {
        filters.push(format!("{} = {}", expr.name(FUNCTION), expr.value("function", s(function.name()))));
    }
    let selective = !filters.is_empty();
    Listing::new(&JOBS_BY_CREATED, Kind::Jobs, JOBS_PARTITION.to_owned(), true, filters, expr, selective)
        .after(watermark.map(|mark| mark.live_from.clone()))
}

/// Active jobs by next run. The due index is ordered by time, not creation, so jobs below the
/// delete watermark are filtered out rather than cut off by the key.
fn due(watermark: Option<&Watermark>) -> Listing {
    let mut expr = Expr::default();
    let filters: Vec<String> = watermark
        .map(|mark| {
            let live_from = expr.value("live_from", s(&mark.live_from));
            format!("{} >= {live_from}", expr.name(JOBS_BY_CREATED.sk))
        })
        .into_iter()
        .collect();
    let selective = !filters.is_empty();
    Listing::new(&JOBS_DUE, Kind::Jobs, DUE_PARTITION.to_owned(), true, filters, expr, selective)
}

fn job_key(id: &JobId) -> Item {
    key(job_pk(id), JOB_SK)
}

impl DynamoStore {
    fn decode_jobs(items: Vec<Item>) -> StoreResult<Vec<Job>> {
        items.into_iter().map(JobItem::decode).collect()
    }

    /// The job's item, deleted or not, and the delete watermark: one consistent BatchGetItem.
    async fn job_and_watermark(&self, id: &JobId) -> StoreResult<(Option<Item>, Option<Watermark>)> {
        let mut found = self.get_many(vec![job_key(id), watermark_key()], "get job").await?;
        let watermark = found.values().find(|item| is_watermark(item)).and_then(Watermark::decode);
        Ok((found.remove(&job_pk(id)), watermark))
    }
}

/// The key the health check reads; no item is ever written under it.
const PING_PK: &str = "PING";

#[async_trait]
impl JobStore for DynamoStore {
    /// A job of the same id below the delete watermark is replaced, its runs left to the
    /// history purge. A job the watermark would hide at once (this clock behind the one that
    /// deleted every job) is refused as a conflict rather than lost.
    async fn insert_job(&self, job: &Job) -> StoreResult<()> {
        let item = JobItem::new(job)?.into_attrs()?;
        let (existing, watermark) = self.job_and_watermark(&job.id).await?;
        let mut expr = Expr::default();
        let mut condition = format!("attribute_not_exists({})", expr.name(PK));
        if let Some(mark) = &watermark {
            if mark.hides_created(job.created_at) {
                return Err(StoreError::Conflict);
            }
            match &existing {
                Some(old) if mark.hides(old) => self.put_purge_marker(&job.id, &mark.bound).await?,
                Some(_) => return Err(StoreError::AlreadyExists),
                None => {}
            }
            let live_from = expr.value("live_from", s(&mark.live_from));
            condition += &format!(" OR {} < {live_from}", expr.name(JOBS_BY_CREATED.sk));
        }
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(backend("put job", e)),
        }
    }

    /// One eventually consistent GetItem of a key no item has: half a read unit, whatever the
    /// table holds, and it fails exactly when the table is unreachable or unreadable.
    async fn ping(&self) -> StoreResult<()> {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(PING_PK.to_owned(), PING_PK)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("ping the table", e))
    }

    async fn get_job(&self, id: &JobId) -> StoreResult<Option<Job>> {
        let (item, watermark) = self.job_and_watermark(id).await?;
        let deleted = |item: &Item| watermark.as_ref().is_some_and(|mark| mark.hides(item));
        item.filter(|item| !deleted(item)).map(JobItem::decode).transpose()
    }

    async fn update_job(&self, job: &Job, expected_version: u64) -> StoreResult<()> {
        let item = JobItem::new(job)?.into_attrs()?;
        let mut expr = Expr::default();
        let update = expr.set_or_remove(&item, DEFINITION_ATTRS);
        let condition = format!("{} = {}", expr.name(VERSION), expr.value("expected", n(expected_version)));
        let sent = retry_conflicts(|| {
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(job_key(&job.id)))
                .update_expression(&update)
                .condition_expression(&condition)
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                // The old item, when there is one, tells a stale version from a missing job in
                // the same request.
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .send()
        })
        .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    Err(if failed.item().is_some_and(|old| !old.is_empty()) {
                        StoreError::Conflict
                    } else {
                        StoreError::NotFound
                    })
                }
                _ => Err(backend("update job", e)),
            },
        }
    }

    async fn delete_job(&self, id: &JobId) -> StoreResult<bool> {
        let out = retry_conflicts(|| {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(job_key(id)))
                .return_values(ReturnValue::AllOld)
                .send()
        })
        .await
        .map_err(|e| backend("delete job", e))?;
        Ok(out.attributes.is_some_and(|old| !old.is_empty()))
    }

    async fn list_jobs(&self, filter: &JobFilter, page: &PageRequest) -> StoreResult<Page<Job>> {
        let watermark = self.watermark().await?;
        let page = self.page(&listing(filter, watermark.as_ref()), page).await?;
        Ok(Page { items: Self::decode_jobs(page.items)?, total: page.total, next_cursor: page.next_cursor })
    }

    async fn walk_jobs(&self, filter: &JobFilter, page: &PageRequest) -> StoreResult<Slice<Job>> {
        let watermark = self.watermark().await?;
        let slice = self.slice(&listing(filter, watermark.as_ref()), page).await?;
        Ok(Slice { items: Self::decode_jobs(slice.items)?, next_cursor: slice.next_cursor })
    }

    /// One pass over the creation index reading only `enabled`, rather than two counts.
    async fn count_jobs(&self) -> StoreResult<JobCounts> {
        let watermark = self.watermark().await?;
        let items = self.collect(&listing(&JobFilter::default(), watermark.as_ref()), &[ENABLED]).await?;
        let total = items.len() as u64;
        let enabled = items.iter().filter(|i| i.get(ENABLED).and_then(|v| v.as_bool().ok()) == Some(&true)).count();
        let enabled = enabled as u64;
        Ok(JobCounts { total, enabled, disabled: total - enabled })
    }

    async fn due_jobs(&self, until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Job>> {
        let watermark = self.watermark().await?;
        let listing = due(watermark.as_ref()).before(due_before(ms(until)));
        let (items, _) = self.walk(&listing, None, true, 0, u64::from(limit)).await?;
        Self::decode_jobs(items)
    }

    async fn next_due_job(&self) -> StoreResult<Option<Job>> {
        let watermark = self.watermark().await?;
        let (items, _) = self.walk(&due(watermark.as_ref()), None, true, 0, 1).await?;
        Ok(Self::decode_jobs(items)?.pop())
    }

    /// The due index's sort key moves with the next run whether or not the job is active: only
    /// `due_pk`, set by insert and update, says whether the job is in the index.
    async fn advance_next_run(&self, id: &JobId, from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> StoreResult<bool> {
        let mut expr = Expr::default();
        let next = expr.name(NEXT_RUN);
        let condition = format!("{next} = {}", expr.value("from", n(ms(from))));
        let update = match to {
            Some(to) => {
                let (to_value, due_sk) = (expr.value("to", n(ms(to))), expr.name(JOBS_DUE.sk));
                format!("SET {next} = {to_value}, {due_sk} = {}", expr.value("due", s(due_order(ms(to), id))))
            }
            None => format!("REMOVE {next}, {}, {}", expr.name(JOBS_DUE.pk), expr.name(JOBS_DUE.sk)),
        };
        self.conditional_update(job_key(id), &update, &condition, &expr, "advance next run").await
    }

    /// `NotFound` when the job is gone (deleted while its run was going).
    async fn record_run(&self, id: &JobId, status: ExecutionStatus, at: DateTime<Utc>) -> StoreResult<()> {
        let mut expr = Expr::default();
        let update = format!(
            "SET {} = {}, {} = {} ADD {} {}, {} {}, {} {}",
            expr.name("last_run_ms"),
            expr.value("at", n(ms(at))),
            expr.name("last_status"),
            expr.value("status", s(status.as_str())),
            expr.name("runs_total"),
            expr.value("one", n(1)),
            expr.name("runs_succeeded"),
            expr.value("succeeded", n(u8::from(status == ExecutionStatus::Succeeded))),
            expr.name("runs_failed"),
            expr.value("failed", n(u8::from(status.is_retryable()))),
        );
        let condition = format!("attribute_exists({})", expr.name(PK));
        let updated = self.conditional_update(job_key(id), &update, &condition, &expr, "record run").await?;
        if updated { Ok(()) } else { Err(StoreError::NotFound) }
    }

    /// See `release_all`: one write hides every job; the sweep removes records, schedules and
    /// histories.
    async fn release_all_jobs(&self) -> StoreResult<Option<ReleasedJobs>> {
        self.release_all().await.map(Some)
    }
}
