//! `DELETE /api/jobs/all` as one write, whatever the number of jobs: a watermark item saying
//! that every job created up to a time is deleted. Reads of jobs honour it (a job below it is
//! absent), a new job may take the id of one below it, and the sweep removes the records below
//! it in the background with their schedules and histories (`release_all`). Before it, the
//! records went within the request, and the one partition of `jobs_by_created` (about 1,000
//! writes a second) bounded how many jobs a delete could take.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::errors::backend;
use super::expr::{Expr, Item, key, n, number, s, text};
use super::keys::{JOBS_BY_CREATED, ms, sortable_ms};
use crate::domain::ids::ExecutionId;
use crate::ports::StoreResult;

const WATERMARK_PK: &str = "JOBS_DELETED";
const WATERMARK_SK: &str = "BEFORE";
/// The `jobs_sk` of the first job still alive: every job sorting below it is deleted.
const LIVE_FROM: &str = "live_from";
const DELETED_MS: &str = "deleted_ms";
/// An execution id made at the delete: the deleted jobs' runs are the ones below it.
const BOUND: &str = "bound";

pub(super) fn watermark_key() -> Item {
    key(WATERMARK_PK.to_owned(), WATERMARK_SK)
}

pub(super) fn is_watermark(item: &Item) -> bool {
    text(item, super::keys::PK) == Some(WATERMARK_PK)
}

/// The last delete of every job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Watermark {
    pub live_from: String,
    pub deleted_at: DateTime<Utc>,
    pub bound: String,
}

impl Watermark {
    /// Everything created up to `deleted_at`: a job's `jobs_sk` is `<created>#<id>`, so every
    /// job created by then sorts below the next millisecond's bare time.
    fn at(deleted_at: DateTime<Utc>) -> Self {
        let live_from = sortable_ms(ms(deleted_at).saturating_add(1));
        Self { live_from, deleted_at, bound: ExecutionId::generate().to_string() }
    }

    pub fn decode(item: &Item) -> Option<Self> {
        let deleted_at = number(item, DELETED_MS).and_then(DateTime::from_timestamp_millis)?;
        Some(Self { live_from: text(item, LIVE_FROM)?.to_owned(), deleted_at, bound: text(item, BOUND)?.to_owned() })
    }

    /// Whether the job item (or its `jobs_by_created` entry) is one this delete removed.
    pub fn hides(&self, job: &Item) -> bool {
        text(job, JOBS_BY_CREATED.sk).is_some_and(|order| order < self.live_from.as_str())
    }

    /// Whether a job created at `created_at` would be hidden the moment it is written.
    pub fn hides_created(&self, created_at: DateTime<Utc>) -> bool {
        sortable_ms(ms(created_at)) < self.live_from
    }
}

/// What raising the watermark did: the jobs between `from` and `to` are the ones it deleted.
pub(super) struct Raised {
    pub from: Option<String>,
    pub to: Watermark,
}

impl DynamoStore {
    /// The watermark, read consistently; `None` until the first delete of every job.
    pub(super) async fn watermark(&self) -> StoreResult<Option<Watermark>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(watermark_key()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("read the jobs' delete watermark", e))?;
        Ok(out.item.as_ref().and_then(Watermark::decode))
    }

    /// Deletes every job created up to now, in one conditional write. `None` when a later
    /// delete has raised the watermark past now meanwhile: it deleted everything this one would.
    pub(super) async fn raise_watermark(&self) -> StoreResult<Option<Raised>> {
        let to = Watermark::at(self.now());
        let mut expr = Expr::default();
        let live_from = expr.name(LIVE_FROM);
        let new = expr.value("live_from", s(&to.live_from));
        let update = format!(
            "SET {live_from} = {new}, {} = {}, {} = {}",
            expr.name(DELETED_MS),
            expr.value("deleted_ms", n(ms(to.deleted_at))),
            expr.name(BOUND),
            expr.value("bound", s(&to.bound)),
        );
        let condition = format!("attribute_not_exists({live_from}) OR {live_from} < {new}");
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(watermark_key()))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::UpdatedOld)
            .send()
            .await;
        match sent {
            Ok(out) => {
                let from = out.attributes.as_ref().and_then(|old| text(old, LIVE_FROM)).map(str::to_owned);
                Ok(Some(Raised { from, to }))
            }
            Err(e) if matches!(e.as_service_error(), Some(UpdateItemError::ConditionalCheckFailedException(_))) => {
                Ok(None)
            }
            Err(e) => Err(backend("raise the jobs' delete watermark", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::aws::dynamo::keys::job_order;
    use crate::domain::ids::JobId;

    fn job_at(created_ms: i64, id: &str) -> Item {
        let id = JobId::parse(id).unwrap();
        [(JOBS_BY_CREATED.sk.to_owned(), s(job_order(created_ms, &id)))].into_iter().collect()
    }

    #[test]
    fn hides_every_job_created_up_to_the_delete_and_none_after() {
        let deleted_at = DateTime::from_timestamp_millis(1_000).unwrap();
        let mark = Watermark::at(deleted_at);
        assert!(mark.hides(&job_at(1_000, "zzz")), "created in the delete's millisecond");
        assert!(mark.hides(&job_at(-5, "a")));
        assert!(!mark.hides(&job_at(1_001, "a")), "created the next millisecond");
        assert!(!mark.hides(&Item::new()), "not a job");
        assert!(mark.hides_created(deleted_at) && !mark.hides_created(deleted_at + chrono::Duration::milliseconds(1)));
    }

    #[test]
    fn round_trips_through_its_item() {
        let mark = Watermark::at(DateTime::from_timestamp_millis(1_893_553_445_678).unwrap());
        let item: Item = [
            (LIVE_FROM.to_owned(), s(&mark.live_from)),
            (DELETED_MS.to_owned(), n(ms(mark.deleted_at))),
            (BOUND.to_owned(), s(&mark.bound)),
        ]
        .into_iter()
        .collect();
        assert_eq!(Watermark::decode(&item), Some(mark));
        assert_eq!(Watermark::decode(&Item::new()), None);
    }
}
