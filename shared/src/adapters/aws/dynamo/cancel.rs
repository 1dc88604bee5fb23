//! Asking a run to stop. A pending run is finished as cancelled in one transaction conditional
//! on it still pending (a retry that starts meanwhile is read again); a running run is only
//! marked, conditional on it still running, and its executor stops it and writes its end.

use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::execution_item::{CANCEL_REQUESTED, ERROR, FINISHED, STATUS};
use super::expr::{Expr, n, s};
use super::keys::{EXPIRES_AT, ms};
use super::writes::{RunKey, execution_key};
use crate::domain::execution::{Execution, ExecutionStatus};
use crate::domain::ids::ExecutionId;
use crate::ports::{ExecutionStore, StoreError, StoreResult};

/// Rounds for a run that keeps changing status while it is cancelled.
const ROUNDS: usize = 4;

impl DynamoStore {
    pub(super) async fn cancel(&self, id: ExecutionId, now: DateTime<Utc>) -> StoreResult<Option<Execution>> {
        for _ in 0..ROUNDS {
            let Some(current) = self.get_execution(id).await? else { return Ok(None) };
            let changed = match current.status {
                ExecutionStatus::Pending => self.cancel_pending(&current, now).await?,
                ExecutionStatus::Running if current.cancel_requested_at.is_none() => self.mark_cancel(id, now).await?,
                _ => return Ok(Some(current)),
            };
            if changed {
                return self.get_execution(id).await;
            }
        }
        Err(StoreError::Backend(format!("execution {id} kept changing status while it was cancelled")))
    }

    async fn cancel_pending(&self, pending: &Execution, now: DateTime<Utc>) -> StoreResult<bool> {
        let cancelled = ExecutionStatus::Cancelled;
        let expires = self.retention.expires_at(cancelled, Some(now), self.now());
        let mut expr = Expr::default();
        let mut sets = vec![
            format!("{} = {}", expr.name(STATUS), expr.value("cancelled", s(cancelled.as_str()))),
            format!("{} = {}", expr.name(FINISHED), expr.value("finished", n(ms(now)))),
            format!("{} = {}", expr.name(ERROR), expr.value("error", s("cancelled before it started"))),
        ];
        if let Some(expires) = expires {
            sets.push(format!("{} = {}", expr.name(EXPIRES_AT), expr.value("expires", n(expires))));
        }
        let update = format!("SET {}", sets.join(", "));
        let condition =
            format!("{} = {}", expr.name(STATUS), expr.value("pending", s(ExecutionStatus::Pending.as_str())));
        let mut actions = vec![self.update_execution(pending.id, update, condition, expr)?];
        if let Some(expires) = expires {
            actions.push(self.guard_expiry(&RunKey::of(pending), expires)?);
        }
        Ok(self.transact("cancel a pending run", actions).await?.is_ok())
    }

    async fn mark_cancel(&self, id: ExecutionId, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut expr = Expr::default();
        let requested = expr.name(CANCEL_REQUESTED);
        let update = format!("SET {requested} = {}", expr.value("requested", n(ms(now))));
        let (status, running) = (expr.name(STATUS), expr.value("running", s(ExecutionStatus::Running.as_str())));
        let condition = format!("{status} = {running} AND attribute_not_exists({requested})");
        self.conditional_update(execution_key(id), &update, &condition, &expr, "request a cancel").await
    }
}
