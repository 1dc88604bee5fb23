//! What seed 002's health route reports: whether each part the service depends on answers now.
//! The local server and the AWS functions check different things under the same names (the
//! in-process scheduler's loop, or the EventBridge Scheduler group), so the route sees only this
//! port.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::video::Platform;

/// How long one check may take before it counts as failed: a health probe that hangs is as bad
/// as the thing it waits for.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// One answer of every check. Fit for an unauthenticated response: no paths, hosts or backend
/// messages (those go to the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthReport {
    /// The job store answers a cheap read.
    pub database: bool,
    /// The object store answers a one-key listing.
    pub objects: bool,
    /// What fires scheduled jobs is up.
    pub scheduler: bool,
    /// The media programs scrape and clip runs call; empty where the process runs none.
    pub tools: Vec<ToolHealth>,
    /// Platforms scrape runs of this process have talked to, and how they are paced.
    pub platforms: Vec<PlatformHealth>,
}

impl HealthReport {
    /// Every dependency answers, every tool is ready and no platform is slowed.
    pub fn is_healthy(&self) -> bool {
        self.database
            && self.objects
            && self.scheduler
            && self.tools.iter().all(|t| t.status == ToolState::Ready)
            && !self.platforms.iter().any(|p| p.slowed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolHealth {
    /// The executable's name: `yt-dlp`, `ffmpeg`, `ffprobe`.
    pub name: &'static str,
    pub status: ToolState,
    /// What it said its version is, when it answered.
    pub version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolState {
    Ready,
    NotFound,
    NotExecutable,
    /// It started but did not answer as the tool should (or not in time).
    Failed,
}

impl ToolState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::NotFound => "not_found",
            Self::NotExecutable => "not_executable",
            Self::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformHealth {
    pub platform: Platform,
    pub slowed: bool,
    /// The least time between two requests to it; zero when it runs free.
    pub spacing: Duration,
    /// Until when it asked to be left alone, while that lasts.
    pub paused_until: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait HealthProbe: Send + Sync {
    /// Runs every check, each bounded by [`CHECK_TIMEOUT`] or less; never fails, since a check
    /// that cannot run is a check that failed.
    async fn check(&self) -> HealthReport;
}

/// `check` within `limit`; an error or no answer in time is `false`, logged with `what` and the
/// error, which never reaches a response.
pub async fn passes<E: std::fmt::Display>(
    what: &str,
    limit: Duration,
    check: impl std::future::Future<Output = Result<(), E>>,
) -> bool {
    match tokio::time::timeout(limit, check).await {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            tracing::warn!(check = what, error = %err, "health check failed");
            false
        }
        Err(_) => {
            tracing::warn!(check = what, timeout_ms = limit.as_millis() as u64, "health check timed out");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> HealthReport {
        HealthReport {
            database: true,
            objects: true,
            scheduler: true,
            tools: vec![ToolHealth { name: "yt-dlp", status: ToolState::Ready, version: Some("1".into()) }],
            platforms: Vec::new(),
        }
    }

    #[test]
    fn any_failing_part_makes_the_report_unhealthy() {
        assert!(report().is_healthy());
        assert!(!HealthReport { objects: false, ..report() }.is_healthy());
        let mut missing_tool = report();
        missing_tool.tools[0].status = ToolState::NotFound;
        assert!(!missing_tool.is_healthy());
        let mut slowed = report();
        slowed.platforms.push(PlatformHealth {
            platform: Platform::parse("generic").unwrap(),
            slowed: true,
            spacing: Duration::from_secs(2),
            paused_until: None,
        });
        assert!(!slowed.is_healthy());
    }

    #[tokio::test]
    async fn a_check_that_fails_or_hangs_does_not_pass() {
        assert!(passes("ok", CHECK_TIMEOUT, async { Ok::<(), String>(()) }).await);
        assert!(!passes("err", CHECK_TIMEOUT, async { Err::<(), _>("down") }).await);
        let hangs = std::future::pending::<Result<(), String>>();
        assert!(!passes("hangs", Duration::from_millis(10), hangs).await);
    }
}
