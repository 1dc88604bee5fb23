//! Finished runs written straight in, for tests that need a long history: an emulator takes
//! seconds per thousand of the insert's transactions, a batch write a fraction of that.

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};

use super::DynamoStore;
use super::errors::build_err;
use super::execution_item::ExecutionItem;
use super::expr::{n, s};
use super::job_item::JobItem;
use super::keys::EXPIRES_AT;
use super::writes::RunKey;
use crate::domain::execution::Execution;
use crate::domain::job::Job;
use crate::ports::{StoreError, StoreResult};

impl DynamoStore {
    /// Writes each finished run and its guard as `insert_finished` would, without its checks:
    /// the runs must be finished, with run keys no stored run has.
    pub async fn import_finished(&self, runs: &[Execution]) -> StoreResult<()> {
        let mut requests = Vec::with_capacity(runs.len() * 2);
        for run in runs {
            if !run.status.is_finished() {
                return Err(StoreError::Backend(format!("run {} is not finished", run.id)));
            }
            let expires = self.retention.expires_at(run.status, run.finished_at, self.now());
            let mut guard = RunKey::of(run).key();
            guard.insert("execution_id".to_owned(), s(run.id.to_string()));
            if let Some(at) = expires {
                guard.insert(EXPIRES_AT.to_owned(), n(at));
            }
            for item in [guard, ExecutionItem::new(run, None, expires)?.into_attrs()?] {
                let put = PutRequest::builder().set_item(Some(item)).build().map_err(build_err)?;
                requests.push(WriteRequest::builder().put_request(put).build());
            }
        }
        self.batch_write(requests, "import runs").await
    }

    /// Writes each job's record as `insert_job` would, without its check: the ids must be new.
    /// Thousands of jobs in seconds, where an emulator takes far longer one by one.
    pub async fn import_jobs(&self, jobs: &[Job]) -> StoreResult<()> {
        let mut requests = Vec::with_capacity(jobs.len());
        for job in jobs {
            let item = JobItem::new(job)?.into_attrs()?;
            let put = PutRequest::builder().set_item(Some(item)).build().map_err(build_err)?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        self.batch_write(requests, "import jobs").await
    }
}
