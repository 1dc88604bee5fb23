//! The transaction actions the execution store combines: the run-key guard, the execution, the
//! job's running counter, and updates of an execution and its guard.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use super::DynamoStore;
use super::errors::{backend, build_err, retry_conflicts};
use super::expr::{Expr, Item, key, n, s};
use super::keys::{COUNTER_SK, EXECUTION_SK, EXPIRES_AT, PK, execution_pk, guard_sk, job_pk, ms};
use crate::domain::execution::Execution;
use crate::domain::ids::{ExecutionId, JobId};
use crate::ports::StoreResult;

pub(super) const RUNNING: &str = "running";

/// Where an execution's guard lives: its job's partition, keyed by scheduled time and attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RunKey {
    pub job_id: JobId,
    pub scheduled_ms: i64,
    pub attempt: u32,
}

impl RunKey {
    pub fn of(e: &Execution) -> Self {
        Self { job_id: e.job_id.clone(), scheduled_ms: ms(e.scheduled_at), attempt: e.attempt }
    }

    pub fn key(&self) -> Item {
        key(job_pk(&self.job_id), &guard_sk(self.scheduled_ms, self.attempt))
    }
}

pub(super) fn execution_key(id: ExecutionId) -> Item {
    key(execution_pk(id), EXECUTION_SK)
}

fn counter_key(job: &JobId) -> Item {
    key(job_pk(job), COUNTER_SK)
}

impl DynamoStore {
    /// Claims `e`'s run key. A guard whose TTL has passed no longer holds it: reads treat an
    /// expired item as gone, and DynamoDB deletes it only eventually.
    pub(super) fn put_guard(&self, e: &Execution, expires_at: Option<i64>) -> StoreResult<TransactWriteItem> {
        let mut item = RunKey::of(e).key();
        item.insert("execution_id".to_owned(), s(e.id.to_string()));
        if let Some(at) = expires_at {
            item.insert(EXPIRES_AT.to_owned(), n(at));
        }
        let mut expr = Expr::default();
        let (pk, expires) = (expr.name(PK), expr.name(EXPIRES_AT));
        let condition = format!("attribute_not_exists({pk}) OR {expires} <= {}", expr.value("now", n(self.now_secs())));
        self.put(item, condition, expr)
    }

    /// Writes a new execution; ids are fresh, so the condition only stops a repeated call.
    pub(super) fn put_execution(&self, item: Item) -> StoreResult<TransactWriteItem> {
        let mut expr = Expr::default();
        let condition = format!("attribute_not_exists({})", expr.name(PK));
        self.put(item, condition, expr)
    }

    fn put(&self, item: Item, condition: String, expr: Expr) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .build()
            .map_err(build_err)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Moves the job's running counter by `delta`; with `below`, only while it is under that
    /// (a missing counter is zero). `ADD` creates the counter item on first use, so the job item
    /// itself is never touched: runs do not bump its version or depend on its existence.
    pub(super) fn add_running(&self, job: &JobId, delta: i64, below: Option<u32>) -> StoreResult<TransactWriteItem> {
        let mut expr = Expr::default();
        let running = expr.name(RUNNING);
        let update = format!("ADD {running} {}", expr.value("delta", n(delta)));
        let condition =
            below.map(|max| format!("attribute_not_exists({running}) OR {running} < {}", expr.value("max", n(max))));
        self.update(counter_key(job), update, condition, expr)
    }

    /// Gives the guard the TTL of its execution, so that both go together.
    pub(super) fn guard_expiry(&self, run: &RunKey, expires_at: i64) -> StoreResult<TransactWriteItem> {
        let mut expr = Expr::default();
        let update = format!("SET {} = {}", expr.name(EXPIRES_AT), expr.value("expires", n(expires_at)));
        self.update(run.key(), update, None, expr)
    }

    pub(super) fn update_execution(
        &self,
        id: ExecutionId,
        update: String,
        condition: String,
        expr: Expr,
    ) -> StoreResult<TransactWriteItem> {
        self.update(execution_key(id), update, Some(condition), expr)
    }

    fn update(
        &self,
        key: Item,
        update: String,
        condition: Option<String>,
        expr: Expr,
    ) -> StoreResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(update)
            .set_condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .build()
            .map_err(build_err)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Deletes, for history removal: the execution only if its status is still `status`.
    pub(super) fn delete_execution_in(&self, id: ExecutionId, status: &str) -> StoreResult<TransactWriteItem> {
        let mut expr = Expr::default();
        let condition = format!("{} = {}", expr.name(super::execution_item::STATUS), expr.value("status", s(status)));
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .set_key(Some(execution_key(id)))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .build()
            .map_err(build_err)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    pub(super) fn delete_guard(&self, run: &RunKey) -> StoreResult<TransactWriteItem> {
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .set_key(Some(run.key()))
            .build()
            .map_err(build_err)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}

impl DynamoStore {
    /// One UpdateItem under `condition`; `Ok(false)` when the condition did not hold (the item
    /// gone, or in another state), which each caller names in its own terms.
    pub(super) async fn conditional_update(
        &self,
        key: Item,
        update: &str,
        condition: &str,
        expr: &Expr,
        what: &str,
    ) -> StoreResult<bool> {
        let sent = retry_conflicts(|| {
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key.clone()))
                .update_expression(update)
                .condition_expression(condition)
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .send()
        })
        .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(backend(what, e)),
        }
    }
}
