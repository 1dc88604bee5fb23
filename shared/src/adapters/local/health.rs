//! Health of the local server: its SQLite store, its object folder, its in-process scheduler's
//! loop, the media tools its scrape and clip runs call, and the platforms its scrapes are pacing.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::media::{self, MediaTools, ToolProbe, ToolStatus};
use super::scheduler::LocalScheduler;
use super::script::ScriptEnvironment;
use crate::adapters::health::{database_answers, objects_answer, platforms};
use crate::app::JobService;
use crate::app::scrape::PlatformLimiter;
use crate::ports::ObjectStore;
use crate::ports::health::{CHECK_TIMEOUT, HealthProbe, HealthReport, ToolHealth, ToolState};

/// How long a tool's answer stands: tools change when someone installs one, not between two
/// requests, and asking yt-dlp costs a Python start-up each time.
const TOOLS_FRESH_FOR: Duration = Duration::from_secs(60);

pub struct LocalHealth {
    pub(super) service: JobService,
    pub(super) objects: Arc<dyn ObjectStore>,
    pub(super) scheduler: LocalScheduler,
    pub(super) limiter: Arc<PlatformLimiter>,
    pub(super) tools: Arc<ToolCheck>,
}

#[async_trait]
impl HealthProbe for LocalHealth {
    async fn check(&self) -> HealthReport {
        let scheduler = self.scheduler.is_running() && self.service.instance().scheduler_failing_since().is_none();
        let (database, objects, tools) = tokio::join!(
            database_answers(&self.service),
            objects_answer(&self.objects),
            self.tools.report(CHECK_TIMEOUT),
        );
        HealthReport { database, objects, scheduler, tools, platforms: platforms(&self.limiter) }
    }
}

/// The media tools' versions, asked at most once per [`TOOLS_FRESH_FOR`] whoever asks: the
/// server's start-up log and the health route share the answer.
pub struct ToolCheck {
    media: MediaTools,
    env: ScriptEnvironment,
    /// Held while asking, so that callers arriving meanwhile wait for that answer.
    fresh: tokio::sync::Mutex<Option<(Instant, Vec<ToolProbe>)>>,
    /// The last answer, for a caller that cannot wait for the next one.
    last: Mutex<Option<Vec<ToolProbe>>>,
}

impl ToolCheck {
    pub fn new(media: MediaTools, env: ScriptEnvironment) -> Self {
        Self { media, env, fresh: tokio::sync::Mutex::new(None), last: Mutex::new(None) }
    }

    /// Every tool's answer, asked again when the last one is stale.
    pub async fn probes(&self) -> Vec<ToolProbe> {
        let mut fresh = self.fresh.lock().await;
        if let Some((at, probes)) = &*fresh
            && at.elapsed() < TOOLS_FRESH_FOR
        {
            return probes.clone();
        }
        let probes = media::probe_all(&self.media, &self.env, media::PROBE_TIMEOUT).await;
        *fresh = Some((Instant::now(), probes.clone()));
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(probes.clone());
        probes
    }

    /// The tools as health shows them, waiting at most `wait`. The asking goes on in the
    /// background past that, so a slow yt-dlp still gets its answer recorded for the next call;
    /// meanwhile the last answer stands, or with none yet each tool counts as failed.
    async fn report(self: &Arc<Self>, wait: Duration) -> Vec<ToolHealth> {
        let this = self.clone();
        let asking = tokio::spawn(async move { this.probes().await });
        let probes = match tokio::time::timeout(wait, asking).await {
            Ok(Ok(probes)) => Some(probes),
            _ => self.last.lock().unwrap_or_else(PoisonError::into_inner).clone(),
        };
        match probes {
            Some(probes) => probes.iter().map(tool_health).collect(),
            None => media::Tool::ALL
                .iter()
                .map(|tool| ToolHealth { name: tool.name(), status: ToolState::Failed, version: None })
                .collect(),
        }
    }
}

/// What a probe found, without its path or the tool's own words: those are for the log.
fn tool_health(probe: &ToolProbe) -> ToolHealth {
    let status = match &probe.status {
        ToolStatus::Ready { .. } => ToolState::Ready,
        ToolStatus::NotFound => ToolState::NotFound,
        ToolStatus::NotExecutable => ToolState::NotExecutable,
        ToolStatus::Failed { .. } => ToolState::Failed,
    };
    ToolHealth { name: probe.tool, status, version: probe.version().map(str::to_owned) }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[tokio::test]
    async fn missing_tools_are_reported_by_name_without_their_paths() {
        let missing = PathBuf::from("/nonexistent/tool");
        let media = MediaTools { ytdlp: missing.clone(), ffmpeg: missing.clone(), ffprobe: missing };
        let check = Arc::new(ToolCheck::new(media, ScriptEnvironment::from_process()));
        let report = check.report(Duration::from_secs(10)).await;
        let names: Vec<_> = report.iter().map(|t| t.name).collect();
        assert_eq!(names, ["yt-dlp", "ffmpeg", "ffprobe"]);
        assert!(report.iter().all(|t| t.status == ToolState::NotFound && t.version.is_none()), "{report:?}");
    }

    #[tokio::test]
    async fn an_answer_is_reused_while_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let ytdlp = dir.path().join("yt-dlp");
        write_executable(&ytdlp, "#!/bin/sh\necho 2026.01.01\n");
        let media = MediaTools { ytdlp: ytdlp.clone(), ..MediaTools::default() };
        let check = Arc::new(ToolCheck::new(media, ScriptEnvironment::from_process()));
        let first = check.report(Duration::from_secs(10)).await;
        assert_eq!(first[0].version.as_deref(), Some("2026.01.01"));
        // Gone now, but the answer is still fresh.
        std::fs::remove_file(&ytdlp).unwrap();
        let again = check.report(Duration::from_secs(10)).await;
        assert_eq!(again[0], first[0]);
    }

    #[tokio::test]
    async fn a_tool_slower_than_the_wait_counts_as_failed_until_it_answers() {
        let dir = tempfile::tempdir().unwrap();
        let ytdlp = dir.path().join("yt-dlp");
        write_executable(&ytdlp, "#!/bin/sh\nsleep 1\necho 2026.01.01\n");
        let media = MediaTools { ytdlp, ..MediaTools::default() };
        let check = Arc::new(ToolCheck::new(media, ScriptEnvironment::from_process()));
        let hurried = check.report(Duration::from_millis(50)).await;
        assert_eq!(hurried[0].status, ToolState::Failed);
        // The asking went on in the background; waiting for it gives its answer.
        let patient = check.report(Duration::from_secs(10)).await;
        assert_eq!(patient[0].version.as_deref(), Some("2026.01.01"));
    }

    /// Writes a script and waits until it can be started: a child another test thread forked
    /// meanwhile may hold it open for writing until that child execs (ETXTBSY).
    fn write_executable(path: &std::path::Path, body: &str) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(path, body).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        for _ in 0..50 {
            match std::process::Command::new(path).output() {
                Err(err) if err.raw_os_error() == Some(nix::libc::ETXTBSY) => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => return,
            }
        }
        panic!("{} stayed busy", path.display());
    }
}

#[cfg(test)]
mod route_tests {
    use std::time::Duration;

    use axum::http::StatusCode;

    use crate::domain::video::Platform;
    use crate::test_support::router::RouterHarness;

    /// A 429 one scrape saw slows the platform for every run; health names it, with its spacing
    /// and until when it pauses, and says `degraded`.
    #[tokio::test]
    async fn a_slowed_platform_shows_in_health() {
        let h = RouterHarness::new();
        let generic = Platform::parse("generic").unwrap();
        h.app.health.limiter.rate_limited(&generic, Some(Duration::from_secs(30)));
        let (status, body) = h.get("/api/v1/stats/health").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["status"], "degraded", "{body}");
        let pace = &body["platforms"][0];
        assert_eq!((pace["platform"].clone(), pace["slowed"].clone()), ("generic".into(), true.into()), "{body}");
        assert_eq!(pace["spacing_seconds"], 2.0, "{body}");
        assert!(pace["paused_until"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");
        assert_eq!(body["database"], true);
        assert_eq!(body["google_drive"], true);
        assert_eq!(body["scheduler"], false, "the harness never starts its scheduler: {body}");
        h.stop().await;
    }
}
