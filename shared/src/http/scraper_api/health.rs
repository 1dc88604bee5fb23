//! Seed 002's `GET /stats/health`: the seed's fields from real checks, plus what an operator
//! needs to see why a scrape cannot run (its tools) or runs slowly (the platforms it is pacing).
//! Public like `/api/health`, so it names no paths, hosts or errors: those are in the log.

use crate::http::json::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::AppState;
use crate::http::detail::DetailBody;
use crate::http::time::rfc3339_z;
use crate::ports::health::{HealthReport, PlatformHealth, ToolHealth};

#[derive(Debug, Serialize, ToSchema)]
pub struct ScraperHealthView {
    /// `healthy` when every check passes, else `degraded`.
    #[schema(value_type = String, example = "healthy")]
    pub status: &'static str,
    /// jobsmith's version.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    #[schema(example = "2025-01-15T10:30:00Z")]
    pub timestamp: String,
    /// The job store answers.
    pub database: bool,
    /// The object store (a folder locally, S3 on AWS) answers; the seed kept its files in
    /// Google Drive, hence the name.
    pub google_drive: bool,
    /// What fires scheduled jobs is up: the in-process scheduler locally, the EventBridge
    /// Scheduler group on AWS.
    pub scheduler: bool,
    /// yt-dlp, ffmpeg and ffprobe as scrape and clip runs would call them (locally; on AWS the
    /// executor's, which this route cannot see: empty).
    pub tools: Vec<ToolView>,
    /// Platforms this process's scrapes have talked to, and how they are paced after rate
    /// limits or blocks (empty until a scrape ran).
    pub platforms: Vec<PlatformView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ToolView {
    #[schema(value_type = String, example = "yt-dlp")]
    pub name: &'static str,
    /// `ready`, `not_found`, `not_executable` or `failed`.
    #[schema(value_type = String, example = "ready")]
    pub status: &'static str,
    #[schema(example = "2026.10.26")]
    pub version: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformView {
    /// `tiktok`, or the extractor's name.
    #[schema(example = "tiktok")]
    pub platform: String,
    /// Requests to it are spaced out or paused after a rate limit or a block.
    pub slowed: bool,
    /// The least time between two requests to it, in seconds; 0 when it runs free.
    #[schema(example = 4.0)]
    pub spacing_seconds: f64,
    /// Until when it asked to be left alone, while that lasts.
    #[schema(example = "2025-01-15T10:31:00Z")]
    pub paused_until: Option<String>,
}

impl From<&ToolHealth> for ToolView {
    fn from(tool: &ToolHealth) -> Self {
        Self { name: tool.name, status: tool.status.as_str(), version: tool.version.clone() }
    }
}

impl From<&PlatformHealth> for PlatformView {
    fn from(pace: &PlatformHealth) -> Self {
        Self {
            platform: pace.platform.to_string(),
            slowed: pace.slowed,
            spacing_seconds: pace.spacing.as_secs_f64(),
            paused_until: pace.paused_until.map(rfc3339_z),
        }
    }
}

impl ScraperHealthView {
    fn new(report: &HealthReport, at: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            status: if report.is_healthy() { "healthy" } else { "degraded" },
            version: env!("CARGO_PKG_VERSION"),
            timestamp: rfc3339_z(at),
            database: report.database,
            google_drive: report.objects,
            scheduler: report.scheduler,
            tools: report.tools.iter().map(ToolView::from).collect(),
            platforms: report.platforms.iter().map(PlatformView::from).collect(),
        }
    }
}

/// Checks the job store, the object store, the scheduler and the media tools, each within a
/// few seconds. A failing check makes the answer `degraded`; it is still a 200, the one answer
/// the seed documents, so that a monitor reads the fields rather than the status code.
#[utoipa::path(
    get,
    path = "/api/v1/stats/health",
    tag = "videos",
    security(()),
    responses(
        (status = 200, description = "What answers and what does not", body = ScraperHealthView,
            example = json!({
                "status": "degraded", "version": "0.1.0", "timestamp": "2025-01-15T10:30:00Z",
                "database": true, "google_drive": true, "scheduler": true,
                "tools": [
                    {"name": "yt-dlp", "status": "not_found", "version": null},
                    {"name": "ffmpeg", "status": "ready", "version": "7.1.1"},
                    {"name": "ffprobe", "status": "ready", "version": "7.1.1"}
                ],
                "platforms": [{"platform": "tiktok", "slowed": true, "spacing_seconds": 4.0, "paused_until": "2025-01-15T10:31:00Z"}]
            })),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn stats_health(State(state): State<AppState>) -> Json<ScraperHealthView> {
    let report = state.health.check().await;
    Json(ScraperHealthView::new(&report, state.service.now()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::domain::video::Platform;
    use crate::ports::health::ToolState;

    #[test]
    fn the_view_keeps_the_seeds_fields_and_says_why_it_is_degraded() {
        let at = chrono::Utc.with_ymd_and_hms(2025, 1, 15, 10, 30, 0).unwrap();
        let report = HealthReport {
            database: true,
            objects: true,
            scheduler: true,
            tools: vec![ToolHealth { name: "yt-dlp", status: ToolState::NotFound, version: None }],
            platforms: vec![PlatformHealth {
                platform: Platform::parse("tiktok").unwrap(),
                slowed: true,
                spacing: Duration::from_secs(4),
                paused_until: Some(at + chrono::Duration::seconds(60)),
            }],
        };
        let view = serde_json::to_value(ScraperHealthView::new(&report, at)).unwrap();
        assert_eq!(view["status"], "degraded");
        assert_eq!(view["timestamp"], "2025-01-15T10:30:00Z");
        assert_eq!(view["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!((view["database"].clone(), view["google_drive"].clone()), (true.into(), true.into()));
        assert_eq!(view["tools"][0], serde_json::json!({"name": "yt-dlp", "status": "not_found", "version": null}));
        assert_eq!(
            view["platforms"][0],
            serde_json::json!({"platform": "tiktok", "slowed": true, "spacing_seconds": 4.0, "paused_until": "2025-01-15T10:31:00Z"})
        );
    }
}
