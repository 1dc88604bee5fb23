//! The composition root of the embedded default: one SQLite file, the in-process scheduler and
//! the local runner behind the same use cases and routers the Lambdas use.

use std::path::PathBuf;
use std::sync::Arc;

use super::data_dir_lock::{DataDirLock, LockError};
use super::health::{LocalHealth, ToolCheck};
use super::media::MediaTools;
use super::media_tasks::MediaTasks;
use super::objects::LocalObjectStore;
use super::runner::LocalTaskRunner;
use super::scheduler::{LocalScheduler, SchedulerParts};
use super::scrape_task::{ScrapeConfig, ScrapeStores};
use super::script::{Interpreters, ScriptEnvironment};
use super::sqlite::SqliteStore;
use crate::app::{
    AnnouncedClaims, ClipLibrary, Executor, InstanceInfo, JobService, ProgressFeed, RunRecords, VideoCleanup,
    VideoService,
};
use crate::domain::cleanup::CleanupGuard;
use crate::domain::principal::KeyRing;
use crate::domain::script_path::{ScriptPathError, ScriptRoots};
use crate::http::{AppState, Auth, RateLimit, Services};
use crate::ports::{
    AuditLog, Clock, ExecutionStore, FireClaims, JobStore, ObjectError, ObjectStore, StoreError, SystemClock,
    TriggerBackend, VideoStore,
};

pub struct LocalConfig {
    pub data_dir: PathBuf,
    pub script_roots: Vec<PathBuf>,
    pub misfire_grace: chrono::Duration,
    pub interpreters: Interpreters,
    /// What scripts inherit from the server's environment, captured at startup.
    pub script_env: ScriptEnvironment,
    pub keys: KeyRing,
    /// yt-dlp, ffmpeg and ffprobe, for scrape and clip runs.
    pub media: MediaTools,
    pub scrape: ScrapeConfig,
    /// Seed 003's guard: the mode and the cleanup token.
    pub cleanup: CleanupGuard,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error("script roots: {0}")]
    ScriptRoots(#[from] ScriptPathError),
    #[error("cannot open the object folder: {0}")]
    Objects(#[from] ObjectError),
}

pub struct LocalApp {
    pub service: JobService,
    pub videos: VideoService,
    pub scheduler: LocalScheduler,
    pub auth: Auth,
    pub progress: ProgressFeed,
    pub cleanup: VideoCleanup,
    pub clips: ClipLibrary,
    /// What seed 002's health route checks.
    pub health: Arc<LocalHealth>,
    /// The media tools' versions, asked once for the start-up log and health alike.
    pub tools: Arc<ToolCheck>,
    _data_dir: DataDirLock,
}

impl LocalApp {
    pub fn open(config: LocalConfig) -> Result<Self, StartError> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|source| StartError::DataDir { path: config.data_dir.clone(), source })?;
        // Before anything else is opened: a refused server must touch nothing.
        let data_dir = DataDirLock::acquire(&config.data_dir)?;
        let store = Arc::new(SqliteStore::open(&config.data_dir.join("jobsmith.db"))?);
        let jobs: Arc<dyn JobStore> = store.clone();
        let video_store: Arc<dyn VideoStore> = store.clone();
        let audit: Arc<dyn AuditLog> = store.clone();
        // Every write to a run goes through the feed, so that progress sockets hear of it.
        let progress = ProgressFeed::over(store.clone());
        let claims: Arc<dyn FireClaims> = Arc::new(AnnouncedClaims::new(store, progress.clone()));
        let executions: Arc<dyn ExecutionStore> = Arc::new(progress.clone());
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let roots = Arc::new(ScriptRoots::new(config.script_roots)?);
        let instance = Arc::new(InstanceInfo::new(hostname(), clock.now()));
        let objects: Arc<dyn ObjectStore> = Arc::new(LocalObjectStore::open(&config.data_dir.join("objects"))?);
        let videos =
            VideoService::new(video_store.clone(), objects.clone(), jobs.clone(), executions.clone(), clock.clone());
        let cleanup = VideoCleanup::new(objects.clone(), video_store.clone(), audit, clock.clone(), config.cleanup);
        let clip_library = ClipLibrary::new(objects.clone(), executions.clone());
        let tools = Arc::new(ToolCheck::new(config.media.clone(), config.script_env.clone()));
        let stores = ScrapeStores {
            videos: video_store.clone(),
            objects: objects.clone(),
            executions: executions.clone(),
            clock: clock.clone(),
        };
        let media = MediaTasks::build(
            stores,
            config.scrape,
            &config.media,
            config.script_env.clone(),
            &config.data_dir.join("work"),
        );
        let limiter = media.scrapes.scraper.limiter().clone();
        let runner = Arc::new(
            LocalTaskRunner::new(
                roots.clone(),
                config.interpreters,
                config.script_env,
                executions.clone(),
                clock.clone(),
            )
            .with_media(media),
        );
        let records = RunRecords::new(jobs.clone(), executions.clone(), clock.clone());
        let executor = Executor::new(records.clone(), runner);
        let scheduler = LocalScheduler::new(SchedulerParts {
            jobs: jobs.clone(),
            executions: executions.clone(),
            claims,
            executor: executor.clone(),
            clock: clock.clone(),
            instance: instance.clone(),
            misfire_grace: config.misfire_grace,
        });
        let backend: Arc<dyn TriggerBackend> = Arc::new(scheduler.clone());
        let service = JobService::new(jobs, executions, backend, records, clock, roots, instance);
        let health = Arc::new(LocalHealth {
            service: service.clone(),
            objects,
            scheduler: scheduler.clone(),
            limiter,
            tools: tools.clone(),
        });
        let auth = Auth::new(config.keys);
        Ok(Self {
            service,
            videos,
            scheduler,
            auth,
            progress,
            cleanup,
            clips: clip_library,
            health,
            tools,
            _data_dir: data_dir,
        })
    }

    pub fn router(&self) -> axum::Router {
        self.limited_router(RateLimit::off())
    }

    /// [`LocalApp::router`] with seed 002's routes held to `limit` per caller.
    pub fn limited_router(&self, limit: RateLimit) -> axum::Router {
        let state = AppState::from(Services {
            service: self.service.clone(),
            videos: self.videos.clone(),
            health: self.health.clone(),
            cleanup: self.cleanup.clone(),
            clips: self.clips.clone(),
            rendered_jobs: Default::default(),
        });
        crate::http::router_with_progress(state, self.auth.clone(), limit, self.progress.clone())
    }
}

fn hostname() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "localhost".to_owned())
}
