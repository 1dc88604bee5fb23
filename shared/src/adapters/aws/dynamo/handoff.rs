//! A run carried over Lambda invocations: the invocation that reaches its deadline lets go of
//! the run, and the first delivery of the continuation it dispatched takes it (the same
//! conditional take as a dispatched run) with a fresh lease.

use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::execution_item::{DISPATCH_TAKER, STATUS};
use super::expr::{Expr, s};
use super::writes::{RUNNING, execution_key};
use crate::domain::ids::ExecutionId;
use crate::ports::StoreResult;

impl DynamoStore {
    /// Lets go of a running run that `taker` holds (or that no one holds: a run started by a
    /// fire was never taken), so that the next invocation may take it. `false` when the run is
    /// no longer running, is gone, or another taker holds it.
    pub async fn release_run(&self, id: ExecutionId, taker: &str) -> StoreResult<bool> {
        let mut expr = Expr::default();
        let (attr, value) = (expr.name(DISPATCH_TAKER), expr.value("taker", s(taker)));
        let update = format!("REMOVE {attr}");
        let (status, running) = (expr.name(STATUS), expr.value("running", s(RUNNING)));
        let live = expr.live(self.now_secs());
        let condition =
            format!("{live} AND {status} = {running} AND (attribute_not_exists({attr}) OR {attr} = {value})");
        self.conditional_update(execution_key(id), &update, &condition, &expr, "release a run").await
    }

    /// A continued run's lease, counted again from `now`, as long as a start's.
    pub async fn extend_lease(&self, id: ExecutionId, now: DateTime<Utc>) -> StoreResult<bool> {
        self.renew_lease(id, now + self.lease).await
    }
}
