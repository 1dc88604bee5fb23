//! Who is told when a run changes: an [`ExecutionStore`] that forwards every call to the store it
//! wraps and, once a write that a watcher can see has succeeded, wakes the watchers of that run.
//! This is what lets a long-lived process push progress instead of having clients poll for it.
//!
//! A wake carries no state: a watcher reads the run back from the store, so what it sends is the
//! stored truth, and a burst of writes while it was busy is one wake (a `watch` channel keeps only
//! the latest), never a queue that grows with a slow client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::domain::execution::{Execution, Progress};
use crate::domain::ids::{ExecutionId, JobId};
use crate::ports::{
    ExecutionFilter, ExecutionStore, FireClaim, FireClaims, FireOutcome, Page, PageRequest, Slice, StartOutcome,
    StoreResult,
};

type Watched = HashMap<ExecutionId, watch::Sender<()>>;

/// The store with its watchers. Clones share both.
#[derive(Clone)]
pub struct ProgressFeed {
    store: Arc<dyn ExecutionStore>,
    /// Only runs someone watches have an entry; the last watcher to go removes it.
    watched: Arc<Mutex<Watched>>,
}

/// Wakes when the run it watches may have changed. Dropping it stops watching.
pub struct RunChanges {
    run: ExecutionId,
    wakes: watch::Receiver<()>,
    watched: Arc<Mutex<Watched>>,
}

impl ProgressFeed {
    pub fn over(store: Arc<dyn ExecutionStore>) -> Self {
        Self { store, watched: Arc::default() }
    }

    /// Starts watching `run`. Read the run after this, not before, so that no change falls
    /// between the read and the watch.
    pub fn subscribe(&self, run: ExecutionId) -> RunChanges {
        let mut watched = lock(&self.watched);
        let wakes = watched.entry(run).or_insert_with(|| watch::channel(()).0).subscribe();
        RunChanges { run, wakes, watched: self.watched.clone() }
    }

    /// How many runs are watched now.
    pub fn watched_runs(&self) -> usize {
        lock(&self.watched).len()
    }

    fn publish(&self, run: ExecutionId) {
        if let Some(sender) = lock(&self.watched).get(&run) {
            sender.send_replace(());
        }
    }

    fn publish_outcome(&self, outcome: &StartOutcome) {
        if let StartOutcome::Started(execution) | StartOutcome::Skipped(execution) = outcome {
            self.publish(execution.id);
        }
    }

    /// For writes that do not say which runs they touched.
    fn publish_all(&self) {
        for sender in lock(&self.watched).values() {
            sender.send_replace(());
        }
    }
}

/// The scheduler's fire claims, announced like every other write to a run: the claims go to the
/// store the feed wraps, which must be the one `claims` writes to.
pub struct AnnouncedClaims {
    claims: Arc<dyn FireClaims>,
    feed: ProgressFeed,
}

impl AnnouncedClaims {
    pub fn new(claims: Arc<dyn FireClaims>, feed: ProgressFeed) -> Self {
        Self { claims, feed }
    }
}

#[async_trait]
impl FireClaims for AnnouncedClaims {
    async fn claim_fires(&self, claims: Vec<FireClaim>) -> StoreResult<Vec<FireOutcome>> {
        let skipped: Vec<Option<ExecutionId>> = claims.iter().map(|c| c.skipped.as_ref().map(|e| e.id)).collect();
        let outcomes = self.claims.claim_fires(claims).await?;
        for (outcome, skipped) in outcomes.iter().zip(skipped) {
            if let FireOutcome::Claimed(started) = outcome {
                // A wake for a record the guard refused is harmless: a watcher reads the store.
                if let Some(id) = skipped {
                    self.feed.publish(id);
                }
                if let Some(started) = started {
                    self.feed.publish_outcome(started);
                }
            }
        }
        Ok(outcomes)
    }
}

impl RunChanges {
    /// Returns once the run may have changed since the last return (at once if it already has).
    pub async fn changed(&mut self) {
        // The sender lives as long as this receiver's entry, which this receiver keeps alive; an
        // error would mean it is gone all the same, and the caller reads the store either way.
        let _ = self.wakes.changed().await;
    }
}

impl Drop for RunChanges {
    fn drop(&mut self) {
        let mut watched = lock(&self.watched);
        // This receiver still counts until its fields drop after this.
        if watched.get(&self.run).is_some_and(|sender| sender.receiver_count() <= 1) {
            watched.remove(&self.run);
        }
    }
}

/// The map stays consistent whatever a panicking holder did: every update is one insert or
/// remove, so a poisoned lock is taken as it is.
fn lock(watched: &Mutex<Watched>) -> MutexGuard<'_, Watched> {
    watched.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl ExecutionStore for ProgressFeed {
    async fn start_execution(&self, execution: &Execution, max_instances: u32) -> StoreResult<StartOutcome> {
        let outcome = self.store.start_execution(execution, max_instances).await?;
        self.publish_outcome(&outcome);
        Ok(outcome)
    }

    async fn insert_pending(&self, execution: &Execution) -> StoreResult<StartOutcome> {
        let outcome = self.store.insert_pending(execution).await?;
        self.publish_outcome(&outcome);
        Ok(outcome)
    }

    async fn insert_finished(&self, execution: &Execution) -> StoreResult<bool> {
        let inserted = self.store.insert_finished(execution).await?;
        if inserted {
            self.publish(execution.id);
        }
        Ok(inserted)
    }

    async fn start_pending(
        &self,
        id: ExecutionId,
        max_instances: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<StartOutcome> {
        let outcome = self.store.start_pending(id, max_instances, now).await?;
        self.publish_outcome(&outcome);
        Ok(outcome)
    }

    async fn take_dispatched(&self, id: ExecutionId, taker: &str) -> StoreResult<bool> {
        self.store.take_dispatched(id, taker).await
    }

    async fn finish_execution(&self, execution: &Execution) -> StoreResult<()> {
        self.store.finish_execution(execution).await?;
        self.publish(execution.id);
        Ok(())
    }

    async fn update_progress(&self, id: ExecutionId, progress: Progress) -> StoreResult<()> {
        self.store.update_progress(id, progress).await?;
        self.publish(id);
        Ok(())
    }

    async fn request_cancel(&self, id: ExecutionId, now: DateTime<Utc>) -> StoreResult<Option<Execution>> {
        let run = self.store.request_cancel(id, now).await?;
        self.publish(id);
        Ok(run)
    }

    async fn delete_execution(&self, id: ExecutionId) -> StoreResult<bool> {
        let deleted = self.store.delete_execution(id).await?;
        // Its watchers learn it is gone when they read it back.
        self.publish(id);
        Ok(deleted)
    }

    async fn get_execution(&self, id: ExecutionId) -> StoreResult<Option<Execution>> {
        self.store.get_execution(id).await
    }

    async fn list_executions(&self, filter: &ExecutionFilter, page: &PageRequest) -> StoreResult<Page<Execution>> {
        self.store.list_executions(filter, page).await
    }

    async fn walk_executions(&self, filter: &ExecutionFilter, page: &PageRequest) -> StoreResult<Slice<Execution>> {
        self.store.walk_executions(filter, page).await
    }

    async fn count_running(&self) -> StoreResult<u64> {
        self.store.count_running().await
    }

    async fn pending_executions(&self) -> StoreResult<Vec<Execution>> {
        self.store.pending_executions().await
    }

    async fn fail_running(&self, error: &str, now: DateTime<Utc>) -> StoreResult<Vec<ExecutionId>> {
        let failed = self.store.fail_running(error, now).await?;
        for id in &failed {
            self.publish(*id);
        }
        Ok(failed)
    }

    async fn delete_job_executions(&self, job_id: &JobId) -> StoreResult<u64> {
        let deleted = self.store.delete_job_executions(job_id).await?;
        // Watchers of a deleted run learn it is gone when they read it back.
        if deleted > 0 {
            self.publish_all();
        }
        Ok(deleted)
    }

    async fn release_job_history(&self, job_id: &JobId) -> StoreResult<u64> {
        let released = self.store.release_job_history(job_id).await?;
        if released > 0 {
            self.publish_all();
        }
        Ok(released)
    }

    async fn purge_finished(&self, succeeded_before: DateTime<Utc>, failed_before: DateTime<Utc>) -> StoreResult<u64> {
        self.store.purge_finished(succeeded_before, failed_before).await
    }

    async fn count_purgeable(&self, succeeded_before: DateTime<Utc>, failed_before: DateTime<Utc>) -> StoreResult<u64> {
        self.store.count_purgeable(succeeded_before, failed_before).await
    }
}

#[cfg(test)]
mod tests;
