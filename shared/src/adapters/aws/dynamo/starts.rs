//! Recording runs under the two guards: one execution per (job, scheduled time, attempt), and at
//! most `max_instances` of a job's runs running. Both are conditions in one transaction, so a
//! duplicate or a refused run writes nothing but what the outcome says.
//!
//! A start is `[guard, execution, counter]`. Its cancellation reasons say which guard held: the
//! run key (action 0) means `Duplicate`; the counter (action 2) means the job is full, and the
//! run is recorded as skipped under the same run-key guard. A full job first has its runs with
//! lapsed leases reaped, so that a crashed run stops blocking the job at its next fire.

use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::execution_item::{ERROR, ExecutionItem, FINISHED, LEASE_UNTIL, STARTED, STATUS, as_stored, truncate};
use super::expr::{Expr, Item, s};
use super::keys::{EXPIRES_AT, ms};
use super::writes::RunKey;
use crate::domain::execution::{Execution, ExecutionStatus};
use crate::ports::{StartOutcome, StoreResult};

/// Positions of a start's actions, which its cancellation reasons follow.
const GUARD: usize = 0;
const EXECUTION: usize = 1;
#[cfg(test)]
const COUNTER: usize = 2;
/// A pending run's start is `[execution, counter]`.
const PENDING_EXECUTION: usize = 0;

fn skip_message(max_instances: u32) -> String {
    format!("skipped: max instances ({max_instances}) reached")
}

/// Whether a start transaction's failed conditions mean the run exists already (rather than
/// only that the job is full).
fn duplicate(failed: &[usize]) -> bool {
    failed.contains(&GUARD) || failed.contains(&EXECUTION)
}

impl DynamoStore {
    pub(super) fn lease_until(&self, started_at: DateTime<Utc>) -> i64 {
        ms(started_at).saturating_add(self.lease.num_milliseconds())
    }

    /// `start_execution`: the run starts at its `started_at`, or at its creation time, which is
    /// the caller's "now".
    pub(super) async fn start(&self, execution: &Execution, max_instances: u32) -> StoreResult<StartOutcome> {
        let now = execution.created_at;
        let started_at = execution.started_at.unwrap_or(now);
        let running = as_stored(Execution {
            status: ExecutionStatus::Running,
            started_at: Some(started_at),
            ..execution.clone()
        });
        // With `max_instances` 0 nothing may run; a full job gets a second try only when
        // reaping its lapsed leases freed a slot.
        for second_try in [false, true].into_iter().filter(|_| max_instances > 0) {
            let item = ExecutionItem::new(&running, Some(self.lease_until(started_at)), None)?.into_attrs()?;
            let actions = vec![
                self.put_guard(&running, None)?,
                self.put_execution(item)?,
                self.add_running(&running.job_id, 1, Some(max_instances))?,
            ];
            match self.transact("start execution", actions).await? {
                Ok(()) => return Ok(StartOutcome::Started(running)),
                Err(failed) if duplicate(&failed) => return Ok(StartOutcome::Duplicate),
                Err(_) if !second_try && !self.reap_job(&running.job_id, now).await?.is_empty() => {}
                Err(_) => break,
            }
        }
        let skipped = Execution { started_at: None, ..execution.clone() };
        let skipped =
            as_stored(skipped.finish_without_running(ExecutionStatus::Skipped, skip_message(max_instances), now));
        Ok(if self.insert(&skipped).await? { StartOutcome::Skipped(skipped) } else { StartOutcome::Duplicate })
    }

    /// Writes a run as given under the run-key guard; `false` when the key is taken. A finished
    /// run gets its TTL; a running one (only a caller's mistake would insert one) still counts.
    pub(super) async fn insert(&self, e: &Execution) -> StoreResult<bool> {
        let expires = self.retention.expires_at(e.status, e.finished_at, self.now());
        let running = e.status == ExecutionStatus::Running;
        let lease = running.then(|| self.lease_until(e.started_at.unwrap_or(e.created_at)));
        let item = ExecutionItem::new(e, lease, expires)?.into_attrs()?;
        let mut actions = vec![self.put_guard(e, expires)?, self.put_execution(item)?];
        if running {
            actions.push(self.add_running(&e.job_id, 1, None)?);
        }
        Ok(self.transact("insert execution", actions).await?.is_ok())
    }

    /// `start_pending` for a run read as pending: the same guards, conditional on it still being
    /// pending, so that two starters of one retry get one `Started` and one `Duplicate`.
    pub(super) async fn start_waiting(
        &self,
        pending: Execution,
        max_instances: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<StartOutcome> {
        let now = truncate(now);
        let running =
            as_stored(Execution { status: ExecutionStatus::Running, started_at: Some(now), ..pending.clone() });
        for second_try in [false, true].into_iter().filter(|_| max_instances > 0) {
            let item = ExecutionItem::new(&running, Some(self.lease_until(now)), None)?.into_attrs()?;
            let actions = vec![
                self.pending_update(&running, &item, &[STATUS, STARTED, LEASE_UNTIL])?,
                self.add_running(&running.job_id, 1, Some(max_instances))?,
            ];
            match self.transact("start pending execution", actions).await? {
                Ok(()) => return Ok(StartOutcome::Started(running)),
                Err(failed) if failed.contains(&PENDING_EXECUTION) => return Ok(StartOutcome::Duplicate),
                Err(_) if !second_try && !self.reap_job(&running.job_id, now).await?.is_empty() => {}
                Err(_) => break,
            }
        }
        let skipped = Execution { started_at: None, ..pending };
        let skipped =
            as_stored(skipped.finish_without_running(ExecutionStatus::Skipped, skip_message(max_instances), now));
        let expires = self.retention.expires_at(skipped.status, skipped.finished_at, self.now());
        let item = ExecutionItem::new(&skipped, None, expires)?.into_attrs()?;
        let written = [STATUS, STARTED, FINISHED, ERROR, EXPIRES_AT, LEASE_UNTIL];
        let mut actions = vec![self.pending_update(&skipped, &item, &written)?];
        if let Some(expires) = expires {
            actions.push(self.guard_expiry(&RunKey::of(&skipped), expires)?);
        }
        Ok(match self.transact("skip pending execution", actions).await? {
            Ok(()) => StartOutcome::Skipped(skipped),
            Err(_) => StartOutcome::Duplicate,
        })
    }

    /// Writes `attrs` of `item` over the execution while it is still a live pending run.
    fn pending_update(&self, e: &Execution, item: &Item, attrs: &[&str]) -> StoreResult<TransactWriteItem> {
        let mut expr = Expr::default();
        let update = expr.set_or_remove(item, attrs);
        let live = expr.live(self.now_secs());
        let status = expr.name(STATUS);
        let pending = expr.value("pending", s(ExecutionStatus::Pending.as_str()));
        self.update_execution(e.id, update, format!("{status} = {pending} AND {live}"), expr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_guard_held() {
        assert!(duplicate(&[GUARD]), "the run key is taken");
        assert!(duplicate(&[GUARD, COUNTER]), "a taken run key wins over a full job");
        assert!(duplicate(&[EXECUTION]), "the same execution started twice");
        assert!(!duplicate(&[COUNTER]), "only the job is full: record a skip");
    }
}
