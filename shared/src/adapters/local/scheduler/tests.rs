//! The scheduler on a clock the test moves: what it waits for is recorded on the clock, so each
//! check knows the scheduler has looked at everything due before it, without sleeping.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{LocalScheduler, SchedulerParts};
use crate::adapters::local::sqlite::SqliteStore;
use crate::app::{Executor, InstanceInfo, RunRecords};
use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobCounts, JobFilter};
use crate::ports::{
    ExecutionFilter, ExecutionStore, FireClaim, FireClaims, FireOutcome, JobStore, Page, PageRequest, StoreError,
    StoreResult,
};
use crate::test_support::clock::ManualClock;
use crate::test_support::fakes::{INJECTED, NeverRuns};
use crate::test_support::fixtures::{job, job_id, secs, t0};

/// The job table, whose fire claims fail while `failing` is set, counting the scheduler's reads
/// of due jobs and keeping the limit of each.
struct FailingClaims {
    inner: Arc<SqliteStore>,
    failing: AtomicBool,
    due_reads: AtomicUsize,
    due_limits: Mutex<Vec<u32>>,
}

/// Past this many reads the store heals itself, so that a scheduler that spins ends the test
/// with a failed count instead of hanging it.
const SPIN_GUARD: usize = 1_000;

#[async_trait]
impl JobStore for FailingClaims {
    async fn insert_job(&self, job: &Job) -> StoreResult<()> {
        self.inner.insert_job(job).await
    }

    async fn get_job(&self, id: &JobId) -> StoreResult<Option<Job>> {
        self.inner.get_job(id).await
    }

    async fn update_job(&self, job: &Job, expected_version: u64) -> StoreResult<()> {
        self.inner.update_job(job, expected_version).await
    }

    async fn delete_job(&self, id: &JobId) -> StoreResult<bool> {
        self.inner.delete_job(id).await
    }

    async fn list_jobs(&self, filter: &JobFilter, page: &PageRequest) -> StoreResult<Page<Job>> {
        self.inner.list_jobs(filter, page).await
    }

    async fn count_jobs(&self) -> StoreResult<JobCounts> {
        self.inner.count_jobs().await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }

    async fn due_jobs(&self, until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Job>> {
        if self.due_reads.fetch_add(1, Ordering::SeqCst) + 1 >= SPIN_GUARD {
            self.failing.store(false, Ordering::SeqCst);
        }
        self.due_limits.lock().expect("limits").push(limit);
        self.inner.due_jobs(until, limit).await
    }

    async fn next_due_job(&self) -> StoreResult<Option<Job>> {
        self.inner.next_due_job().await
    }

    async fn advance_next_run(&self, id: &JobId, from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> StoreResult<bool> {
        self.inner.advance_next_run(id, from, to).await
    }

    async fn record_run(&self, id: &JobId, status: ExecutionStatus, at: DateTime<Utc>) -> StoreResult<()> {
        self.inner.record_run(id, status, at).await
    }
}

#[async_trait]
impl FireClaims for FailingClaims {
    async fn claim_fires(&self, claims: Vec<FireClaim>) -> StoreResult<Vec<FireOutcome>> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Backend(format!("{INJECTED}: the disk is full")));
        }
        self.inner.claim_fires(claims).await
    }
}

struct Fixture {
    clock: Arc<ManualClock>,
    store: Arc<SqliteStore>,
    jobs: Arc<FailingClaims>,
    instance: Arc<InstanceInfo>,
    scheduler: LocalScheduler,
}

async fn fixture(jobs_due: impl IntoIterator<Item = Job>) -> Fixture {
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(SqliteStore::open_in_memory().expect("in-memory store"));
    for job in jobs_due {
        store.insert_job(&job).await.expect("insert");
    }
    let jobs = Arc::new(FailingClaims {
        inner: store.clone(),
        failing: AtomicBool::new(false),
        due_reads: AtomicUsize::new(0),
        due_limits: Mutex::default(),
    });
    let instance = Arc::new(InstanceInfo::new("test".into(), t0()));
    let executor = Executor::new(RunRecords::new(jobs.clone(), store.clone(), clock.clone()), Arc::new(NeverRuns));
    let scheduler = LocalScheduler::new(SchedulerParts {
        jobs: jobs.clone(),
        executions: store.clone(),
        claims: jobs.clone(),
        executor,
        clock: clock.clone(),
        instance: instance.clone(),
        misfire_grace: chrono::Duration::seconds(60),
    });
    Fixture { clock, store, jobs, instance, scheduler }
}

impl Fixture {
    async fn runs_of(&self, id: &str) -> Vec<DateTime<Utc>> {
        let filter = ExecutionFilter::of_job(job_id(id));
        let page = self
            .store
            .list_executions(&filter, &PageRequest { offset: 0, limit: 100, cursor: None })
            .await
            .expect("list");
        page.items.iter().map(|run| run.scheduled_at).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fires_when_the_clock_reaches_a_due_time_and_not_before() {
    // An interval of 300 s created 300 s before t0: due at t0 + 300 s.
    let f = fixture([job("tick", t0())]).await;
    let due = t0() + secs(300);
    f.scheduler.start().await.expect("start");

    f.clock.until_someone_sleeps("the first fire", |at| at == due).await;
    f.clock.set(due - chrono::Duration::milliseconds(1));
    f.clock.until_someone_sleeps("the first fire, still", |at| at == due).await;
    assert_eq!(f.runs_of("tick").await, Vec::<DateTime<Utc>>::new(), "fired before its time");

    f.clock.set(due);
    // Planning the next fire comes after recording this one.
    f.clock.until_someone_sleeps("the second fire", |at| at == due + secs(300)).await;
    assert_eq!(f.runs_of("tick").await, vec![due]);
    f.scheduler.shutdown(std::time::Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_store_is_retried_with_backoff_and_firing_resumes_after() {
    // More due jobs than one batch: a scheduler that re-reads a full batch at once would spin.
    let many: Vec<Job> = (0..300).map(|n| job(&format!("due-{n}"), t0() - secs(300))).collect();
    let f = fixture(many).await;
    f.jobs.failing.store(true, Ordering::SeqCst);
    f.scheduler.start().await.expect("start");

    // Five seconds of a failing store: read at t0, then after waits of 1 s and 2 s.
    for (read, retry_at) in [(1, 1), (2, 3), (3, 7)] {
        f.clock.until_someone_sleeps("the next retry", |at| at == t0() + secs(retry_at)).await;
        assert_eq!(f.jobs.due_reads.load(Ordering::SeqCst), read, "reads before the retry at t0 + {retry_at} s");
        if retry_at < 7 {
            f.clock.set(t0() + secs(retry_at));
        }
    }
    assert_eq!(f.instance.scheduler_failing_since(), Some(t0()), "health reports the failure");

    f.jobs.failing.store(false, Ordering::SeqCst);
    f.clock.set(t0() + secs(7));
    let next = t0() + secs(300);
    f.clock.until_someone_sleeps("the next fire", |at| at == next).await;
    assert_eq!(f.instance.scheduler_failing_since(), None, "health reports the recovery");
    for n in 0..300 {
        let id = format!("due-{n}");
        let job = f.store.get_job(&job_id(&id)).await.expect("get").expect("still there");
        assert_eq!(job.next_run_at, Some(next), "{id} fired and planned its next run");
        assert_eq!(f.runs_of(&id).await, vec![t0()], "{id} ran once, for its missed time");
    }
    f.scheduler.shutdown(std::time::Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_claimed_small_first_then_in_doubling_batches() {
    let many: Vec<Job> = (0..300).map(|n| job(&format!("due-{n}"), t0() - secs(300))).collect();
    let f = fixture(many).await;
    f.scheduler.start().await.expect("start");
    let next = t0() + secs(300);
    f.clock.until_someone_sleeps("the next fire", |at| at == next).await;
    // 16 + 32 + 64 + 128 leave 60 of the 300 for the last, which is not full.
    assert_eq!(*f.jobs.due_limits.lock().expect("limits"), vec![16, 32, 64, 128, 256]);
    for n in 0..300 {
        assert_eq!(f.runs_of(&format!("due-{n}")).await, vec![t0()], "due-{n} ran once");
    }
    f.scheduler.shutdown(std::time::Duration::from_secs(5)).await;
}

/// Health asks whether the loop runs: not before `start`, and not once shutdown has ended it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_is_running_from_start_until_shutdown() {
    let f = fixture([]).await;
    assert!(!f.scheduler.is_running(), "not started");
    f.scheduler.start().await.expect("start");
    assert!(f.scheduler.is_running());
    f.scheduler.shutdown(std::time::Duration::from_secs(5)).await;
    let started = std::time::Instant::now();
    while f.scheduler.is_running() {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the loop did not end after shutdown");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
