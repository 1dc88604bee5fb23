//! Writing a run's end (or any later state of it) and its progress.
//!
//! A finish is one transaction: the execution, its guard's TTL, and the job's running counter
//! when the run leaves (or, oddly, enters) `running`. The counter must move exactly when the
//! stored status crosses `running`, so the write is conditional on the stored status: first on
//! "was running" (the usual finish, one request), then on "was not".

use super::DynamoStore;
use super::execution_item::{DISPATCH_TAKER, ExecutionItem, FINISH_ATTRS, LEASE_UNTIL, PROGRESS, STATUS};
use super::expr::{Expr, n, s};
use super::writes::{RUNNING, RunKey, execution_key};
use crate::domain::execution::{Execution, ExecutionStatus, Progress};
use crate::domain::ids::ExecutionId;
use crate::ports::{StoreError, StoreResult};

/// Rounds for a run whose status keeps flipping between the two tries.
const ROUNDS: usize = 4;

impl DynamoStore {
    pub(super) async fn finish(&self, e: &Execution) -> StoreResult<()> {
        let expires = self.retention.expires_at(e.status, e.finished_at, self.now());
        let now_running = e.status == ExecutionStatus::Running;
        for _ in 0..ROUNDS {
            for was_running in [true, false] {
                // A run that stays running keeps the lease it has (renewals included).
                let lease =
                    (now_running && !was_running).then(|| self.lease_until(e.started_at.unwrap_or(e.created_at)));
                let item = ExecutionItem::new(e, lease, expires)?.into_attrs()?;
                let mut attrs = FINISH_ATTRS.to_vec();
                if !(now_running && was_running) {
                    attrs.push(LEASE_UNTIL);
                }
                let mut expr = Expr::default();
                let update = expr.set_or_remove(&item, &attrs);
                let live = expr.live(self.now_secs());
                let (status, running) = (expr.name(STATUS), expr.value("running", s(RUNNING)));
                let compare = if was_running { "=" } else { "<>" };
                let condition = format!("{status} {compare} {running} AND {live}");
                let mut actions = vec![self.update_execution(e.id, update, condition, expr)?];
                match (was_running, now_running) {
                    (true, false) => actions.push(self.add_running(&e.job_id, -1, None)?),
                    (false, true) => actions.push(self.add_running(&e.job_id, 1, None)?),
                    _ => {}
                }
                if let Some(expires) = expires {
                    actions.push(self.guard_expiry(&RunKey::of(e), expires)?);
                }
                if self.transact("finish execution", actions).await?.is_ok() {
                    return Ok(());
                }
            }
            if self.read_execution(e.id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        Err(StoreError::Backend(format!("execution {} kept changing status while it was finished", e.id)))
    }

    /// One conditional update: a running, live run that no other taker holds. The taker's own
    /// id passes the condition again, so the SDK retrying a request whose answer was lost does
    /// not turn a won take into a lost one.
    pub(super) async fn take_run(&self, id: ExecutionId, taker: &str) -> StoreResult<bool> {
        let mut expr = Expr::default();
        let (attr, value) = (expr.name(DISPATCH_TAKER), expr.value("taker", s(taker)));
        let update = format!("SET {attr} = {value}");
        let (status, running) = (expr.name(STATUS), expr.value("running", s(RUNNING)));
        let live = expr.live(self.now_secs());
        let condition =
            format!("{live} AND {status} = {running} AND (attribute_not_exists({attr}) OR {attr} = {value})");
        self.conditional_update(execution_key(id), &update, &condition, &expr, "take a dispatched run").await
    }

    pub(super) async fn write_progress(&self, id: ExecutionId, progress: Progress) -> StoreResult<()> {
        let mut expr = Expr::default();
        let values = [progress.total, progress.processed, progress.succeeded, progress.failed];
        let sets: Vec<String> = PROGRESS
            .iter()
            .zip(values)
            .map(|(attr, value)| format!("{} = {}", expr.name(attr), expr.value(attr, n(value))))
            .collect();
        let update = format!("SET {}", sets.join(", "));
        let condition = expr.live(self.now_secs());
        let updated = self.conditional_update(execution_key(id), &update, &condition, &expr, "update progress").await?;
        if updated { Ok(()) } else { Err(StoreError::NotFound) }
    }
}
