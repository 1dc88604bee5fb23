//! Job use cases: create, change, pause, trigger, delete, and the reads every family needs.

use std::sync::Arc;

use crate::domain::execution::{Execution, TriggeredBy};
use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobCounts, JobFilter, NewJob};
use crate::domain::principal::Principal;
use crate::domain::script_path::ScriptRoots;
use crate::domain::task::TaskSpec;
use crate::domain::trigger::Trigger;
use crate::ports::{
    Clock, ExecutionFilter, ExecutionStore, JobStore, Page, PageRequest, Slice, StartOutcome, StoreError,
    TriggerBackend,
};

use super::error::{AppError, AppResult, InvalidField, Reason};
use super::instance::InstanceInfo;
use super::run_records::RunRecords;

/// How many milliseconds a manual trigger moves along looking for a free run key.
const MANUAL_KEY_ATTEMPTS: usize = 16;

#[derive(Clone)]
pub struct JobService {
    pub(super) jobs: Arc<dyn JobStore>,
    pub(super) executions: Arc<dyn ExecutionStore>,
    backend: Arc<dyn TriggerBackend>,
    pub(super) records: RunRecords,
    pub(super) clock: Arc<dyn Clock>,
    roots: Arc<ScriptRoots>,
    instance: Arc<InstanceInfo>,
}

pub struct DeleteAllReport {
    pub deleted: u64,
    pub errors: Vec<(JobId, String)>,
}

#[derive(Debug)]
pub enum TriggerOutcome {
    Started(Execution),
    Skipped(Execution),
}

impl JobService {
    pub fn new(
        jobs: Arc<dyn JobStore>,
        executions: Arc<dyn ExecutionStore>,
        backend: Arc<dyn TriggerBackend>,
        records: RunRecords,
        clock: Arc<dyn Clock>,
        roots: Arc<ScriptRoots>,
        instance: Arc<InstanceInfo>,
    ) -> Self {
        Self { jobs, executions, backend, records, clock, roots, instance }
    }

    pub fn instance(&self) -> &InstanceInfo {
        &self.instance
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Creates a job, or with `replace_existing` replaces one of the same id (keeping its
    /// history). Nothing is stored when any check fails. The record is written before the
    /// schedule; when the schedule cannot be written, a new record is deleted again and a
    /// replaced one is put back, the schedule is made to match (the failed write may have landed)
    /// and the caller gets the schedule's error.
    ///
    /// Not repaired here: a record write that landed but reported failure leaves a record whose
    /// schedule is missing or old. A retry (a replace for a new job) or any later change or
    /// delete of the job writes the schedule again.
    pub async fn create(&self, new: NewJob, principal: &Principal, replace_existing: bool) -> AppResult<Job> {
        let now = self.clock.now();
        self.check_task(&new.task)?;
        check_trigger_in_future(&new.trigger, now)?;
        let job = Job::create(new, Some(principal.name.clone()), now);
        if job.next_run_at.is_none() {
            return Err(AppError::invalid(InvalidField::Trigger, Reason::NeverFires));
        }
        match self.jobs.insert_job(&job).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists) if replace_existing => {
                let existing = self.get(&job.id).await?;
                let mut replacement = job.clone();
                replacement.created_at = existing.created_at;
                replacement.created_by = existing.created_by.clone();
                replacement.counters = existing.counters;
                replacement.last_run_at = existing.last_run_at;
                replacement.last_status = existing.last_status;
                replacement.version = existing.version + 1;
                // As in `update`: the record first, and back to the old job if the schedule
                // cannot follow it.
                self.jobs.update_job(&replacement, existing.version).await?;
                if let Err(err) = self.backend.schedule(&replacement).await {
                    self.restore(existing, &replacement).await;
                    return Err(err.into());
                }
                return Ok(replacement);
            }
            Err(StoreError::AlreadyExists) => {
                return Err(AppError::Conflict(format!("Job already exists: {}", job.id)));
            }
            Err(err) => return Err(err.into()),
        }
        if let Err(err) = self.backend.schedule(&job).await {
            // The schedule is the half that makes a job fire; without it the record must go.
            if let Err(undo) = self.jobs.delete_job(&job.id).await {
                tracing::error!(job = %job.id, error = %undo, "could not undo a job whose schedule failed");
            }
            self.align_schedule(&job.id).await;
            return Err(err.into());
        }
        Ok(job)
    }

    pub async fn get(&self, id: &JobId) -> AppResult<Job> {
        self.jobs.get_job(id).await?.ok_or_else(|| AppError::job_not_found(id))
    }

    /// `get` for a caller that only reads the job (see `JobStore::get_job_shared`).
    pub async fn get_shared(&self, id: &JobId) -> AppResult<Arc<Job>> {
        self.jobs.get_job_shared(id).await?.ok_or_else(|| AppError::job_not_found(id))
    }

    pub async fn list(&self, filter: &JobFilter, page: &PageRequest) -> AppResult<Page<Job>> {
        Ok(self.jobs.list_jobs(filter, page).await?)
    }

    /// A page for a caller that shows no total (see [`Slice`]).
    pub async fn walk(&self, filter: &JobFilter, page: &PageRequest) -> AppResult<Slice<Job>> {
        Ok(self.jobs.walk_jobs(filter, page).await?)
    }

    /// Whether the job store answers, cheaply (see `JobStore::ping`).
    pub async fn store_answers(&self) -> AppResult<()> {
        Ok(self.jobs.ping().await?)
    }

    pub async fn counts(&self) -> AppResult<JobCounts> {
        Ok(self.jobs.count_jobs().await?)
    }

    pub async fn next_due(&self) -> AppResult<Option<Job>> {
        Ok(self.jobs.next_due_job().await?)
    }

    pub async fn running_count(&self) -> AppResult<u64> {
        Ok(self.executions.count_running().await?)
    }

    /// Applies `change` to the current definition and stores it if nobody changed the job in
    /// between (a lost update is a conflict, never silent). `change` may refuse in the caller's
    /// own error type, so that a family's problems with a change reach its client whole.
    ///
    /// Not repaired here: a record update that landed but reported failure leaves the new record
    /// over the old schedule; a retry of the change writes the schedule again.
    pub async fn update<E: From<AppError>>(
        &self,
        id: &JobId,
        principal: &Principal,
        change: impl FnOnce(&mut Job) -> Result<(), E>,
    ) -> Result<Job, E> {
        let current = self.get(id).await?;
        let mut job = current.clone();
        change(&mut job)?;
        Ok(self.store_change(current, job, principal).await?)
    }

    async fn store_change(&self, current: Job, mut job: Job, principal: &Principal) -> AppResult<Job> {
        if job.task != current.task {
            self.check_task(&job.task)?;
        }
        let now = self.clock.now();
        job.trigger = job.trigger.at_millisecond_precision();
        if job.trigger != current.trigger {
            check_trigger_in_future(&job.trigger, now)?;
            job.next_run_at = job.trigger.first_fire(now);
            if job.next_run_at.is_none() {
                return Err(AppError::invalid(InvalidField::Trigger, Reason::NeverFires));
            }
        } else if job.is_active() && !current.is_active() && !job.trigger.is_one_off() {
            // Resuming plans from now on instead of replaying what was missed while paused; a
            // one-off job keeps its time (and fires late within the misfire grace).
            job.next_run_at = job.trigger.next_fire_after(now);
        }
        job.touch(Some(principal.name.clone()), now);
        // The record is written first and the schedule follows it; if the schedule cannot be
        // changed, the record goes back to what it was, so the two never disagree for long.
        self.jobs.update_job(&job, current.version).await?;
        if let Err(err) = self.backend.schedule(&job).await {
            self.restore(current, &job).await;
            return Err(err.into());
        }
        Ok(job)
    }

    /// Puts `previous` back over `written`, the record whose schedule change just failed, and
    /// then the schedule back to match it. The restored record gets a version of its own: a
    /// client holding `written`'s version must reload.
    async fn restore(&self, previous: Job, written: &Job) {
        let mut restored = previous;
        restored.version = written.version + 1;
        if let Err(undo) = self.jobs.update_job(&restored, written.version).await {
            tracing::error!(job = %written.id, error = %undo, "could not restore a job whose schedule change failed");
        }
        self.align_schedule(&written.id).await;
    }

    /// Makes the schedule match what the store now holds: the record's schedule when there is a
    /// record, none when there is not. Repairs end with it because a backend write that reported
    /// failure may still have landed (a timeout after AWS applied it), and the undo before it
    /// may have failed too; reading the record back covers every combination. Both backend
    /// writes are idempotent. Best effort: a failure is logged, and the caller still gets the
    /// error that started the repair.
    async fn align_schedule(&self, id: &JobId) {
        let aligned = match self.jobs.get_job(id).await {
            Ok(Some(job)) => self.backend.schedule(&job).await,
            Ok(None) => self.backend.unschedule(id).await,
            Err(err) => {
                tracing::error!(job = %id, error = %err, "could not read a job back to align its schedule");
                return;
            }
        };
        if let Err(err) = aligned {
            tracing::error!(job = %id, error = %err, "could not align a job's schedule with its record");
        }
    }

    pub async fn pause(&self, id: &JobId, principal: &Principal) -> AppResult<Job> {
        self.update(id, principal, |job| {
            job.paused = true;
            Ok(())
        })
        .await
    }

    pub async fn resume(&self, id: &JobId, principal: &Principal) -> AppResult<Job> {
        self.update(id, principal, |job| {
            job.paused = false;
            Ok(())
        })
        .await
    }

    pub async fn set_enabled(&self, id: &JobId, enabled: bool, principal: &Principal) -> AppResult<Job> {
        self.update(id, principal, |job| {
            job.enabled = enabled;
            Ok(())
        })
        .await
    }

    /// Deletes the job, its schedule and its execution history (see
    /// [`ExecutionStore::release_job_history`]: on DynamoDB its finished runs go in the
    /// background). The schedule goes first: a
    /// schedule without its record would fire into nothing, a record without its schedule is put
    /// back on schedule when the record cannot be deleted. Either failed write may have landed,
    /// so the repair follows the record as read back, not the job read before.
    pub async fn delete(&self, id: &JobId) -> AppResult<()> {
        self.get(id).await?;
        if let Err(err) = self.backend.unschedule(id).await {
            self.align_schedule(id).await;
            return Err(err.into());
        }
        match self.jobs.delete_job(id).await {
            Ok(true) => {}
            Ok(false) => return Err(AppError::job_not_found(id)),
            Err(err) => {
                self.align_schedule(id).await;
                return Err(err.into());
            }
        }
        self.executions.release_job_history(id).await?;
        Ok(())
    }

    /// Deletes every job. Where the store can, the records go at once and the schedules and
    /// histories in the background ([`JobStore::release_all_jobs`]); elsewhere job by job.
    pub async fn delete_all(&self) -> AppResult<DeleteAllReport> {
        if let Some(released) = self.jobs.release_all_jobs().await? {
            let errors = released.failed.into_iter().map(|id| (id, "delete failed".to_owned())).collect();
            return Ok(DeleteAllReport { deleted: released.deleted, errors });
        }
        let mut report = DeleteAllReport { deleted: 0, errors: Vec::new() };
        loop {
            let page = self
                .jobs
                .list_jobs(&JobFilter::default(), &PageRequest { offset: 0, limit: 500, cursor: None })
                .await?;
            if page.items.is_empty() {
                return Ok(report);
            }
            for job in page.items {
                match self.delete(&job.id).await {
                    Ok(()) | Err(AppError::NotFound(_)) => report.deleted += 1,
                    Err(err) => {
                        tracing::error!(job = %job.id, error = %err, "delete failed");
                        report.errors.push((job.id, "delete failed".to_owned()));
                    }
                }
            }
            // Jobs that fail to delete stay listed; stop instead of looping over them forever.
            if !report.errors.is_empty() {
                return Ok(report);
            }
        }
    }

    /// Runs the job now, outside its schedule. Refused while the job is disabled.
    pub async fn trigger(&self, id: &JobId, principal: &Principal, by: TriggeredBy) -> AppResult<TriggerOutcome> {
        let job = self.get(id).await?;
        if !job.enabled {
            return Err(AppError::Conflict(format!("Job {id} is disabled; enable it before triggering it")));
        }
        // Manual runs are keyed by the moment they were asked for; two requests in the same
        // millisecond are still two runs, so the later one moves to the next free millisecond.
        let mut scheduled_at = self.clock.now();
        for _ in 0..MANUAL_KEY_ATTEMPTS {
            match self.records.claim(&job, scheduled_at, by, Some(principal.name.clone())).await? {
                StartOutcome::Started(execution) => {
                    return Ok(TriggerOutcome::Started(self.dispatch_claimed(&job, execution).await?));
                }
                StartOutcome::Skipped(execution) => return Ok(TriggerOutcome::Skipped(execution)),
                StartOutcome::Duplicate => scheduled_at += chrono::Duration::milliseconds(1),
            }
        }
        Err(AppError::Conflict(format!("Job {id} is being triggered too often; try again")))
    }

    /// Hands a claimed run to the trigger backend; a run that cannot be handed over is recorded
    /// as failed at once, so that it neither shows as running nor holds an instance slot.
    pub(super) async fn dispatch_claimed(&self, job: &Job, execution: Execution) -> AppResult<Execution> {
        if let Err(err) = self.backend.dispatch(job.clone(), execution.clone()).await {
            let why = "could not be started: the trigger backend failed".to_owned();
            if let Err(undo) = self.records.fail_undispatched(job, execution, why).await {
                tracing::error!(job = %job.id, error = %undo, "a run that was never dispatched stays running until its lease lapses");
            }
            return Err(err.into());
        }
        Ok(execution)
    }

    pub async fn executions(&self, filter: &ExecutionFilter, page: &PageRequest) -> AppResult<Page<Execution>> {
        Ok(self.executions.list_executions(filter, page).await?)
    }

    /// A page of executions for a caller that shows no total (see [`Slice`]).
    pub async fn walk_executions(&self, filter: &ExecutionFilter, page: &PageRequest) -> AppResult<Slice<Execution>> {
        Ok(self.executions.walk_executions(filter, page).await?)
    }

    pub(super) fn check_task(&self, task: &TaskSpec) -> AppResult<()> {
        if let TaskSpec::Script { script_path, .. } = task {
            self.roots.resolve(script_path)?;
        }
        Ok(())
    }
}

fn check_trigger_in_future(trigger: &Trigger, now: chrono::DateTime<chrono::Utc>) -> AppResult<()> {
    if let Trigger::Date { run_at } = trigger
        && *run_at <= now
    {
        return Err(AppError::invalid(InvalidField::RunDate, Reason::InThePast));
    }
    Ok(())
}
