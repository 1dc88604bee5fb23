//! The local scheduler's claim on a burst of due fires.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{StartOutcome, StoreResult};
use crate::domain::execution::Execution;
use crate::domain::ids::JobId;

/// One due fire of a job: the claim on its fire time and the records it makes.
#[derive(Debug, Clone, PartialEq)]
pub struct FireClaim {
    pub job_id: JobId,
    /// The fire time the job was read at; the claim holds only while the job still says so.
    pub due: DateTime<Utc>,
    /// What the job's next fire time becomes.
    pub next: Option<DateTime<Utc>>,
    /// A fire time that will not run (misfired, or coalesced away), recorded finished.
    pub skipped: Option<Execution>,
    /// The run to start, under the job's `max_instances`.
    pub run: Option<(Execution, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
#[expect(clippy::large_enum_variant, reason = "made once per fire and moved once: a box would only add an allocation")]
pub enum FireOutcome {
    /// The job changed or went since it was read: nothing was written for this fire.
    Superseded,
    /// The fire time is claimed; the run's outcome as [`super::ExecutionStore::start_execution`]
    /// gives it, when the claim had a run.
    Claimed(Option<StartOutcome>),
}

/// Claims due fires as one step each, with the rules of `JobStore::advance_next_run`,
/// `ExecutionStore::insert_finished` and `ExecutionStore::start_execution`, taken together. A
/// store that can claims a whole batch in one transaction, so that a burst of due jobs costs one
/// commit rather than two or three per job before the last of them starts.
#[async_trait]
pub trait FireClaims: Send + Sync {
    /// One outcome per claim, in the claims' order. An error means none was claimed.
    async fn claim_fires(&self, claims: Vec<FireClaim>) -> StoreResult<Vec<FireOutcome>>;
}
