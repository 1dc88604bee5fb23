//! The composition root of the AWS deployment: configuration from the environment, one client per
//! service built once per process (a Lambda cold start, or `jobsmith serve` on AWS backends), and
//! the same use cases and routers the local server mounts.
//!
//! There is no in-process scheduler on this side: EventBridge Scheduler fires the executor
//! function, so a process built on [`AwsApp`] serves HTTP and nothing else runs in the background.

mod config;
mod reach;

use std::path::PathBuf;
use std::sync::Arc;

use aws_config::SdkConfig;

use super::dynamo::DynamoStore;
use super::health::AwsHealth;
use super::request_count::RequestCounter;
use super::scheduler::EventBridgeScheduler;
use super::sdk::{self, Clients};
use crate::adapters::local::media::MediaTools;
use crate::adapters::local::script::{Interpreters, ScriptEnvironment};
use crate::adapters::local::{LocalTaskRunner, MediaTasks, ScrapeConfig, ScrapeStores};
use crate::app::{ClipLibrary, InstanceInfo, JobService, RunRecords, VideoCleanup, VideoService};
use crate::domain::ids::JobId;
use crate::domain::principal::KeyRing;
use crate::domain::script_path::{ScriptPathError, ScriptRoots};
use crate::http::{AppState, Auth, RateLimit, Services};
use crate::ports::{
    AuditLog, Clock, ExecutionStore, JobStore, ObjectStore, StoreError, SystemClock, TaskRunner, TriggerBackend,
    VideoStore,
};

pub use config::{AwsConfig, ConfigError, RETENTION_DAYS_RANGE, vars};
pub use reach::Reach;

/// Read by the warm-up; no job can have it because it is never generated (ids are UUIDs) and a
/// client that picks it only makes the warm-up read a real item.
const WARM_UP_JOB_ID: &str = "jobsmith-warm-up";

#[derive(Debug, thiserror::Error)]
pub enum AwsStartError {
    #[error("script roots: {0}")]
    ScriptRoots(#[from] ScriptPathError),
    #[error("AWS configuration: {0}")]
    Sdk(#[from] ConfigError),
}

/// Everything a function or server needs, each client built once. Fields are public so that the
/// executor can run with its own deadline-bound runner over the same stores.
///
/// It runs no task: the API hands runs to EventBridge Scheduler and the executor function runs
/// them with [`AwsApp::task_runner`]. Only a binary that calls it links the runner, the media
/// tools and the scrape and clip tasks, which keeps them out of every API function's zip.
pub struct AwsApp {
    pub service: JobService,
    /// The videos scrape runs recorded, in the same table.
    pub videos: VideoService,
    /// What runs leave in the table, as the API records them.
    pub records: RunRecords,
    /// The one DynamoDB store behind both ports, for what only the adapter offers (leases).
    pub store: Arc<DynamoStore>,
    pub jobs: Arc<dyn JobStore>,
    pub executions: Arc<dyn ExecutionStore>,
    pub scheduler: Arc<EventBridgeScheduler>,
    /// The bucket, or a store that refuses every call when the [`Reach`] leaves it out.
    pub objects: Arc<dyn ObjectStore>,
    pub clock: Arc<dyn Clock>,
    pub keys: KeyRing,
    /// What seed 002's health route checks.
    pub health: Arc<AwsHealth>,
    /// Seed 003's cleanup, over the bucket and the table's audit log.
    pub cleanup: VideoCleanup,
    /// Seed 000's clips in the bucket.
    pub clips: ClipLibrary,
    /// How late a scheduled fire may still start; later ones are recorded as skipped.
    pub misfire_grace: chrono::Duration,
    tasks: TaskSettings,
}

/// What [`AwsApp::task_runner`] is built from.
struct TaskSettings {
    roots: Arc<ScriptRoots>,
    interpreters: Interpreters,
    script_env: ScriptEnvironment,
    script_work_dir: Option<PathBuf>,
    media: MediaTools,
    scrape: ScrapeConfig,
    work_dir: PathBuf,
}

impl AwsApp {
    /// Builds every client from `sdk` (region, credentials, and the endpoint: `AWS_ENDPOINT_URL`
    /// is how an emulator is reached) and wires the use cases, the bucket and the executor
    /// included. Makes no network call.
    pub fn build(config: AwsConfig, sdk: &SdkConfig) -> Result<Self, AwsStartError> {
        Self::build_reaching(config, sdk, Reach::everything())
    }

    /// [`AwsApp::build`] with only the parts `reach` names besides the table and the schedules.
    pub fn build_reaching(config: AwsConfig, sdk: &SdkConfig, reach: Reach) -> Result<Self, AwsStartError> {
        Self::assemble(config, Clients::new(sdk), reach)
    }

    /// [`AwsApp::build`] with every request its clients send counted in `counter`: how the
    /// requests each API operation makes are measured.
    pub fn build_counting(
        config: AwsConfig,
        sdk: &SdkConfig,
        reach: Reach,
        counter: &RequestCounter,
    ) -> Result<Self, AwsStartError> {
        Self::assemble(config, Clients::counting(sdk, counter), reach)
    }

    fn assemble(config: AwsConfig, clients: Clients<'_>, reach: Reach) -> Result<Self, AwsStartError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = Arc::new(DynamoStore::new(clients.dynamodb(), config.table.clone(), config.retention));
        let jobs: Arc<dyn JobStore> = store.clone();
        let executions: Arc<dyn ExecutionStore> = store.clone();
        let video_store: Arc<dyn VideoStore> = store.clone();
        let scheduler_client = clients.scheduler();
        let schedule_group = config.scheduler.group.clone();
        let objects = reach.objects(&clients, &config);
        let invoker = reach.invoker(&clients, &config);
        let mut scheduler = EventBridgeScheduler::new(scheduler_client.clone(), config.scheduler);
        if let Some(invoker) = invoker {
            scheduler = scheduler.with_invoker(invoker);
        }
        let scheduler = Arc::new(scheduler);
        let videos =
            VideoService::new(video_store.clone(), objects.clone(), jobs.clone(), executions.clone(), clock.clone());
        let audit: Arc<dyn AuditLog> = store.clone();
        let cleanup = VideoCleanup::new(objects.clone(), video_store.clone(), audit, clock.clone(), config.cleanup);
        let clips = ClipLibrary::new(objects.clone(), executions.clone());
        let roots = Arc::new(ScriptRoots::new(config.script_roots)?);
        let records = RunRecords::new(jobs.clone(), executions.clone(), clock.clone());
        let instance_name = config.instance_name.unwrap_or_else(hostname);
        let instance = Arc::new(InstanceInfo::new(instance_name, clock.now()));
        let backend: Arc<dyn TriggerBackend> = scheduler.clone();
        let service = JobService::new(
            jobs.clone(),
            executions.clone(),
            backend,
            records.clone(),
            clock.clone(),
            roots.clone(),
            instance,
        );
        let health = Arc::new(AwsHealth {
            service: service.clone(),
            objects: objects.clone(),
            scheduler: scheduler_client,
            group: schedule_group,
        });
        Ok(Self {
            service,
            videos,
            records,
            store,
            jobs,
            executions,
            scheduler,
            objects,
            clock,
            keys: config.keys,
            health,
            cleanup,
            clips,
            misfire_grace: config.misfire_grace,
            tasks: TaskSettings {
                roots,
                interpreters: config.interpreters,
                script_env: config.script_env,
                script_work_dir: config.script_work_dir,
                media: config.media,
                scrape: config.scrape,
                work_dir: config.work_dir,
            },
        })
    }

    /// Runs scripts from the script roots and the media tasks over these stores and the bucket:
    /// for the executor function, once per cold start.
    pub fn task_runner(&self) -> Arc<dyn TaskRunner> {
        let tasks = &self.tasks;
        let stores = ScrapeStores {
            videos: self.store.clone(),
            objects: self.objects.clone(),
            executions: self.executions.clone(),
            clock: self.clock.clone(),
        };
        let media =
            MediaTasks::build(stores, tasks.scrape.clone(), &tasks.media, tasks.script_env.clone(), &tasks.work_dir);
        let mut runner = LocalTaskRunner::new(
            tasks.roots.clone(),
            tasks.interpreters.clone(),
            tasks.script_env.clone(),
            self.executions.clone(),
            self.clock.clone(),
        )
        .with_media(media);
        if let Some(dir) = &tasks.script_work_dir {
            runner = runner.with_script_work_dir(dir.clone());
        }
        Arc::new(runner)
    }

    /// [`AwsApp::build`] over the SDK's standard configuration chain (environment, profile,
    /// instance role; `AWS_ENDPOINT_URL` for an emulator): what `jobsmith serve` on AWS backends does.
    pub async fn load(config: AwsConfig) -> Result<Self, AwsStartError> {
        Self::build(config, &sdk::load_default_chain().await)
    }

    /// [`AwsApp::build`] for a Lambda cold start: the SDK configured from the variables Lambda sets
    /// (see [`sdk::from_lambda_environment`]), read through `lookup` like [`AwsConfig::from_env`].
    pub fn load_in_lambda(
        config: AwsConfig,
        lookup: impl Fn(&str) -> Option<String>,
        reach: Reach,
    ) -> Result<Self, AwsStartError> {
        Self::build_reaching(config, &sdk::from_lambda_environment(lookup)?, reach)
    }

    /// The whole API over the AWS adapters. `auth` is [`Auth::upstream`] behind API Gateway's
    /// authorizer, or [`AwsApp::key_auth`] when the process checks keys itself.
    pub fn router(&self, auth: Auth) -> axum::Router {
        self.limited_router(auth, RateLimit::off())
    }

    /// [`AwsApp::router`] with seed 002's routes held to `limit` per caller: for one process
    /// serving everything (`jobsmith serve --backend aws`), never for a function, whose
    /// instances would each count alone (API Gateway throttles those).
    pub fn limited_router(&self, auth: Auth, limit: RateLimit) -> axum::Router {
        crate::http::limited_router(self.state(), auth, limit)
    }

    /// One Lambda function's routes ([`crate::http::routes::function`]) over these clients.
    pub fn function_router(&self, routes: axum::Router<AppState>, auth: Auth) -> axum::Router {
        crate::http::function_router(routes, self.state(), auth)
    }

    fn state(&self) -> AppState {
        AppState::from(Services {
            service: self.service.clone(),
            videos: self.videos.clone(),
            health: self.health.clone(),
            cleanup: self.cleanup.clone(),
            clips: self.clips.clone(),
            rendered_jobs: Default::default(),
        })
    }

    /// `X-API-Key` checked against the configured keys, as the local server does.
    pub fn key_auth(&self) -> Auth {
        Auth::new(self.keys.clone())
    }

    /// One cheap read (a GetItem of a key that does not exist) so that the connection to DynamoDB
    /// (DNS, TCP, TLS, credentials) is set up during init and not on the first request.
    pub async fn warm_up(&self) -> Result<(), StoreError> {
        let Ok(id) = JobId::parse(WARM_UP_JOB_ID) else { return Ok(()) };
        self.jobs.get_job(&id).await.map(|_| ())
    }
}

fn hostname() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "localhost".to_owned())
}
