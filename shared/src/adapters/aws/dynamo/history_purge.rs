//! A deleted job's history, removed in the background. Deleting a job deletes its record, its
//! schedule and its unfinished runs at once, and leaves one marker for its finished runs,
//! whatever their number; the sweep function works the markers off a batch at a time within its
//! invocation's time, and goes on at its next invocation. Nothing about a delete grows with the
//! history, so none times out.
//!
//! A marker holds the job's id and a bound: an execution id made when the job was deleted.
//! Execution ids are UUIDv7, so they sort by creation time, and the purge takes only runs below
//! the bound: a new job given the same id meanwhile keeps its own runs.

use std::collections::{HashSet, VecDeque};
use std::time::Instant;

use futures_util::{StreamExt, TryStreamExt};

use super::DynamoStore;
use super::errors::backend;
use super::execution_item::{JOB_ID, STATUS};
use super::expr::{Expr, Item, s, text};
use super::keys::{EXECUTIONS_BY_JOB, EXECUTIONS_BY_STATUS, PK, PURGE_PARTITION, SK};
use super::leases::run_of;
use super::query::{Kind, Listing};
use super::writes::execution_key;
use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::{ExecutionId, JobId};
use crate::ports::StoreResult;

const BOUND: &str = "bound";
/// On a marker of a job deleted with all the others: its schedule is still to be removed
/// (`release_all`). The purge leaves such a marker alone, so the schedule is not forgotten.
pub(super) const UNSCHEDULE: &str = "unschedule";
/// Runs read per marker and round: four BatchWriteItem requests of runs and their guards.
const ROUND: i32 = 50;
/// Markers worked on together (one BatchWriteItem of finished markers).
const MARKERS_AT_ONCE: usize = 25;

/// What one pass over the markers did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryPurge {
    /// Runs deleted.
    pub deleted: u64,
    /// Markers whose history is all gone (and so are they).
    pub finished: u64,
    /// Markers left for the next pass: the budget ran out first.
    pub left: u64,
    /// Markers whose job's schedule is still to be removed, left until it is.
    pub waiting: u64,
}

/// A marker's primary key, out of the whole marker.
pub(super) fn marker_key(marker: &Item) -> Item {
    [PK, SK].into_iter().filter_map(|attr| marker.get(attr).map(|value| (attr.to_owned(), value.clone()))).collect()
}

/// The marker of `job`'s runs made before `bound`.
pub(super) fn purge_marker(job: &JobId, bound: &str) -> Item {
    [
        (PK.to_owned(), s(PURGE_PARTITION)),
        (SK.to_owned(), s(format!("{job}#{bound}"))),
        (JOB_ID.to_owned(), s(job.as_str())),
        (BOUND.to_owned(), s(bound)),
    ]
    .into_iter()
    .collect()
}

/// A marker still to be worked off: its key, and the listing of the runs it stands for.
struct MarkerRuns {
    key: Item,
    runs: Listing,
}

/// The listing of the runs a marker stands for: its job's, made before its bound.
fn runs_of_marker(marker: &Item) -> Option<Listing> {
    let (job, bound) = (text(marker, JOB_ID)?, text(marker, BOUND)?);
    let listing =
        Listing::new(&EXECUTIONS_BY_JOB, Kind::Executions, job.to_owned(), true, Vec::new(), Expr::default(), false);
    Some(listing.before(bound.to_owned()))
}

impl DynamoStore {
    /// Deletes the job's pending and running runs now (they hold its slots and leases) and
    /// leaves the finished ones to [`DynamoStore::purge_deleted_histories`]. Returns how many
    /// runs went now.
    pub(super) async fn release_history(&self, job: &JobId) -> StoreResult<u64> {
        let mut deleted = 0;
        for status in [ExecutionStatus::Pending, ExecutionStatus::Running] {
            let mut expr = Expr::default();
            let filter = format!("{} = {}", expr.name(JOB_ID), expr.value("job", s(job.as_str())));
            let listing = Listing::new(
                &EXECUTIONS_BY_STATUS,
                Kind::Executions,
                status.as_str().to_owned(),
                true,
                vec![filter],
                expr,
                true,
            );
            for item in self.collect(&listing, &[]).await? {
                let (id, run) = run_of(&item)?;
                deleted += u64::from(self.delete_unfinished(id, &run, Some(status)).await?);
            }
        }
        self.put_purge_marker(job, &ExecutionId::generate().to_string()).await?;
        Ok(deleted)
    }

    /// Leaves `job`'s runs made before `bound` to [`DynamoStore::purge_deleted_histories`].
    pub(super) async fn put_purge_marker(&self, job: &JobId, bound: &str) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(purge_marker(job, bound)))
            .send()
            .await
            .map_err(|e| backend("put a history purge marker", e))?;
        Ok(())
    }

    /// Removes deleted jobs' histories until they are all gone, `budget` runs are deleted, or
    /// `deadline` passes, whichever comes first; what is left waits for the next pass.
    ///
    /// Markers are worked off [`MARKERS_AT_ONCE`] at a time: their reads go out together, their
    /// runs share batches, and the markers whose reads came to the end go in one batch after
    /// their runs. A job deleted with one run costs about one request, not four.
    pub async fn purge_deleted_histories(&self, budget: u64, deadline: Option<Instant>) -> StoreResult<HistoryPurge> {
        let mut report = HistoryPurge::default();
        let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
        let mut queue = VecDeque::new();
        for marker in self.purge_markers(false).await? {
            if marker.contains_key(UNSCHEDULE) {
                report.waiting += 1;
            } else if let Some(runs) = runs_of_marker(&marker) {
                queue.push_back(MarkerRuns { key: marker_key(&marker), runs });
            }
        }
        while !queue.is_empty() {
            let mut allowance = budget.saturating_sub(report.deleted);
            if allowance == 0 || out_of_time() {
                report.left = u64::try_from(queue.len()).unwrap_or(u64::MAX);
                return Ok(report);
            }
            // Each read is bounded by what the budget has left, so a pass never deletes more.
            let mut group = Vec::with_capacity(MARKERS_AT_ONCE);
            while group.len() < MARKERS_AT_ONCE && allowance > 0 {
                let Some(marker) = queue.pop_front() else { break };
                let limit = i32::try_from(allowance).unwrap_or(ROUND).min(ROUND);
                allowance -= u64::from(limit.unsigned_abs());
                group.push((marker, limit));
            }
            let reads: Vec<(Vec<Item>, bool)> = futures_util::stream::iter(&group)
                .map(|(marker, limit)| self.first_page(&marker.runs, *limit))
                .buffered(MARKERS_AT_ONCE)
                .try_collect()
                .await?;
            let mut runs = Vec::new();
            let mut emptied = Vec::new();
            for ((marker, _), (items, more)) in group.into_iter().zip(reads) {
                runs.extend(items);
                if more {
                    queue.push_back(marker);
                } else {
                    emptied.push(marker.key);
                }
            }
            report.deleted += self.delete_runs(&runs).await?;
            let finished = u64::try_from(emptied.len()).unwrap_or(u64::MAX);
            self.batch_delete(emptied).await?;
            report.finished += finished;
        }
        Ok(report)
    }

    /// Every purge marker, or with `only_unscheduling` those whose job's schedule is still to go.
    pub(super) async fn purge_markers(&self, only_unscheduling: bool) -> StoreResult<Vec<Item>> {
        let mut expr = Expr::default();
        let condition = format!("{} = {}", expr.name(PK), expr.value("partition", s(PURGE_PARTITION)));
        let filter = only_unscheduling.then(|| format!("attribute_exists({})", expr.name(UNSCHEDULE)));
        let mut markers = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(&condition)
                .set_filter_expression(filter.clone())
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| backend("query history purge markers", e))?;
            markers.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(markers);
            }
        }
    }

    /// Finished runs in batches with their guards; one still unfinished (a late finish racing the
    /// delete) by itself, conditional on its status. A run listed twice is deleted once: two
    /// markers of one job id (deleted, made again, deleted again) read the same older runs, and
    /// a batch naming a key twice is refused whole.
    async fn delete_runs(&self, items: &[Item]) -> StoreResult<u64> {
        let mut finished = Vec::new();
        let mut seen = HashSet::new();
        let mut deleted = 0;
        for item in items {
            let (id, run) = run_of(item)?;
            if !seen.insert(id) {
                continue;
            }
            match text(item, STATUS).and_then(ExecutionStatus::parse) {
                Some(status) if status.is_finished() => finished.extend([execution_key(id), run.key()]),
                status => {
                    self.delete_unfinished(id, &run, status).await?;
                }
            }
            deleted += 1;
        }
        self.batch_delete(finished).await?;
        Ok(deleted)
    }
}
