//! Task functions: the registered kinds of work, and their validated arguments.

use serde::{Deserialize, Serialize};

mod clip;
mod retention;
mod run_kind;
mod scrape;

use crate::domain::video::ScrapeMode;
pub use clip::{ClipAccuracy, ClipCut, ClipSource, ClipTask, MAX_CLIPS, Segment, ms_of_seconds, secs};
pub use retention::{RetentionFields, RetentionTask, VIDEOS_ROOT};
pub use run_kind::RunKind;
pub use scrape::{DEFAULT_SCRAPE_LIMIT, SCRAPE_LIMITS, ScrapeFields, ScrapeTask};
pub use scrape::{StorageFolder, StorageFolderError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaskFunction {
    #[serde(rename = "script.bash")]
    ScriptBash,
    #[serde(rename = "script.python")]
    ScriptPython,
    #[serde(rename = "scrape.profile")]
    ScrapeProfile,
    #[serde(rename = "scrape.hashtag")]
    ScrapeHashtag,
    #[serde(rename = "clip.video")]
    ClipVideo,
    #[serde(rename = "cleanup.videos")]
    CleanupVideos,
    #[serde(rename = "cleanup.executions")]
    CleanupExecutions,
}

/// A task function's row in the catalog that seed 004 lists at `/task-functions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogEntry {
    pub id: i64,
    pub name: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    pub default_timeout_seconds: u64,
    pub queue: &'static str,
    /// Whether this build can run it; scheduling an inactive function is refused.
    pub is_active: bool,
    /// Maintenance work of jobsmith itself rather than of its users.
    pub is_system: bool,
}

impl TaskFunction {
    pub const ALL: [TaskFunction; 7] = [
        Self::ScriptBash,
        Self::ScriptPython,
        Self::ScrapeProfile,
        Self::ScrapeHashtag,
        Self::ClipVideo,
        Self::CleanupVideos,
        Self::CleanupExecutions,
    ];

    pub const fn catalog_entry(self) -> CatalogEntry {
        match self {
            Self::ScriptBash => CatalogEntry {
                id: 1,
                name: "script.bash",
                display_name: "Bash script",
                description: "Run a bash script from a configured script root with an argument vector",
                default_timeout_seconds: 3600,
                queue: "scripts",
                is_active: true,
                is_system: false,
            },
            Self::ScriptPython => CatalogEntry {
                id: 2,
                name: "script.python",
                display_name: "Python script",
                description: "Import a python script from a configured script root, call main(*args) and keep its return value",
                default_timeout_seconds: 3600,
                queue: "scripts",
                is_active: true,
                is_system: false,
            },
            Self::ScrapeProfile => CatalogEntry {
                id: 3,
                name: "scrape.profile",
                display_name: "Scrape a profile",
                description: "Download a profile's videos and their metadata into object storage",
                default_timeout_seconds: 3600,
                queue: "media",
                is_active: true,
                is_system: false,
            },
            Self::ScrapeHashtag => CatalogEntry {
                id: 4,
                name: "scrape.hashtag",
                display_name: "Scrape a hashtag (experimental)",
                description: "Download a hashtag's videos; TikTok tag pages are not reliably extractable today",
                default_timeout_seconds: 3600,
                queue: "media",
                is_active: true,
                is_system: false,
            },
            Self::ClipVideo => CatalogEntry {
                id: 5,
                name: "clip.video",
                display_name: "Cut clips",
                description: "Cut clips from a stored video into the clips prefix",
                default_timeout_seconds: 1800,
                queue: "media",
                is_active: true,
                is_system: false,
            },
            Self::CleanupVideos => CatalogEntry {
                id: 6,
                name: "cleanup.videos",
                display_name: "Video retention",
                description: "Delete stored videos older than older_than_days, beyond the newest keep_newest per source, or over max_bytes, under a prefix; pinned videos are kept",
                default_timeout_seconds: 900,
                queue: "maintenance",
                is_active: true,
                is_system: true,
            },
            Self::CleanupExecutions => CatalogEntry {
                id: 7,
                name: "cleanup.executions",
                display_name: "Execution history retention",
                description: "Delete finished executions older than retention_days (failed ones after failed_retention_days)",
                default_timeout_seconds: 900,
                queue: "maintenance",
                is_active: true,
                is_system: true,
            },
        }
    }

    pub fn name(self) -> &'static str {
        self.catalog_entry().name
    }

    pub fn id(self) -> i64 {
        self.catalog_entry().id
    }

    pub fn is_active(self) -> bool {
        self.catalog_entry().is_active
    }

    pub fn from_id(id: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.id() == id)
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptLanguage {
    Bash,
    Python,
}

impl ScriptLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Python => "python",
        }
    }
}

/// A task function with arguments that passed its validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "function", content = "args")]
pub enum TaskSpec {
    #[serde(rename = "script")]
    Script {
        language: ScriptLanguage,
        /// As the client gave it; resolved against the script roots when scheduled and again when run.
        script_path: String,
        args: Vec<String>,
    },
    #[serde(rename = "cleanup.executions")]
    CleanupExecutions {
        retention_days: u32,
        failed_retention_days: u32,
        /// Count what would be deleted and delete nothing. Absent from jobs stored before it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        dry_run: bool,
    },
    /// `scrape.profile` or `scrape.hashtag`, by the task's mode.
    #[serde(rename = "scrape")]
    Scrape(ScrapeTask),
    #[serde(rename = "clip.video")]
    Clip(ClipTask),
    #[serde(rename = "cleanup.videos")]
    CleanupVideos(RetentionTask),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TaskArgError {
    /// Location inside the arguments, such as `args[1]`.
    pub field: String,
    pub message: String,
}

impl TaskArgError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// A function this build cannot run; the location is the arguments as a whole.
    pub fn unavailable(function: TaskFunction) -> Self {
        Self::new("", format!("task function {} is not available in this build", function.name()))
    }

    /// A retention that is not a whole number of days in [`RETENTION_DAYS`].
    pub fn retention_out_of_range(field: &str) -> Self {
        Self::new(field, format!("must be an integer from {} to {}", RETENTION_DAYS.start(), RETENTION_DAYS.end()))
    }
}

/// How many days `cleanup.executions` keeps history and `cleanup.videos` keeps videos: at least
/// one, at most a century.
pub const RETENTION_DAYS: std::ops::RangeInclusive<u64> = 1..=36_500;

/// Finished runs are kept this long when a job does not say.
const DEFAULT_RETENTION_DAYS: u32 = 30;

impl TaskSpec {
    pub fn function(&self) -> TaskFunction {
        match self {
            Self::Script { language: ScriptLanguage::Bash, .. } => TaskFunction::ScriptBash,
            Self::Script { language: ScriptLanguage::Python, .. } => TaskFunction::ScriptPython,
            Self::CleanupExecutions { .. } => TaskFunction::CleanupExecutions,
            Self::Scrape(scrape) => match scrape.mode() {
                ScrapeMode::Profile => TaskFunction::ScrapeProfile,
                ScrapeMode::Hashtag => TaskFunction::ScrapeHashtag,
            },
            Self::Clip(_) => TaskFunction::ClipVideo,
            Self::CleanupVideos(_) => TaskFunction::CleanupVideos,
        }
    }

    pub fn script(language: ScriptLanguage, script_path: String, args: Vec<String>) -> Result<Self, TaskArgError> {
        if script_path.trim().is_empty() {
            return Err(TaskArgError::new("script_path", "must not be empty"));
        }
        Ok(Self::Script { language, script_path, args })
    }

    /// History retention; failed runs are kept twice as long as the rest unless told otherwise,
    /// because they are the ones someone comes back to read.
    pub fn cleanup_executions(
        retention_days: Option<u64>,
        failed_retention_days: Option<u64>,
        dry_run: bool,
    ) -> Result<Self, TaskArgError> {
        let retention_days = retention(retention_days, "retention_days")?.unwrap_or(DEFAULT_RETENTION_DAYS);
        let failed_retention_days =
            retention(failed_retention_days, "failed_retention_days")?.unwrap_or(retention_days.saturating_mul(2));
        Ok(Self::CleanupExecutions { retention_days, failed_retention_days, dry_run })
    }

    /// The name APScheduler gave seed 001's jobs: `bash:/opt/scripts/backup.sh`.
    pub fn default_job_name(&self) -> String {
        match self {
            Self::Script { language, script_path, .. } => format!("{}:{}", language.as_str(), script_path),
            Self::CleanupExecutions { .. } => "cleanup.executions".to_owned(),
            Self::CleanupVideos(task) => format!("cleanup.videos:{}", task.prefix()),
            Self::Scrape(scrape) => format!("{}:{}", self.function().name(), scrape.value()),
            Self::Clip(clip) => match clip.source() {
                ClipSource::Video(id) => format!("clip.video:{id}"),
                ClipSource::Key(key) => format!("clip.video:{key}"),
                ClipSource::Url(url) => format!("clip.video:{}", url.as_str()),
            },
        }
    }
}

fn retention(days: Option<u64>, field: &str) -> Result<Option<u32>, TaskArgError> {
    days.map(|d| {
        Some(d)
            .filter(|d| RETENTION_DAYS.contains(d))
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| TaskArgError::retention_out_of_range(field))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_ids_and_names_round_trip() {
        for f in TaskFunction::ALL {
            assert_eq!(TaskFunction::from_id(f.id()), Some(f));
            assert_eq!(TaskFunction::from_name(f.name()), Some(f));
        }
        assert_eq!(TaskFunction::from_id(99), None);
    }

    #[test]
    fn an_empty_script_path_is_refused() {
        let err = TaskSpec::script(ScriptLanguage::Bash, "  ".into(), vec![]).unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("script_path", "must not be empty"));
    }

    #[test]
    fn cleanup_defaults_keep_failed_runs_longer() {
        let spec = TaskSpec::cleanup_executions(Some(30), None, false).unwrap();
        assert_eq!(spec, TaskSpec::CleanupExecutions { retention_days: 30, failed_retention_days: 60, dry_run: false });
        let spec = TaskSpec::cleanup_executions(None, None, false).unwrap();
        assert_eq!(spec, TaskSpec::CleanupExecutions { retention_days: 30, failed_retention_days: 60, dry_run: false });
        let err = TaskSpec::cleanup_executions(Some(0), None, false).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.message.as_str()),
            ("retention_days", "must be an integer from 1 to 36500")
        );
        assert!(TaskSpec::cleanup_executions(Some(3), Some(36_501), false).is_err());
    }

    #[test]
    fn storage_form_round_trips() {
        let spec = TaskSpec::Script { language: ScriptLanguage::Python, script_path: "p.py".into(), args: vec![] };
        let text = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<TaskSpec>(&text).unwrap(), spec);
        assert_eq!(spec.default_job_name(), "python:p.py");
        assert_eq!(spec.function(), TaskFunction::ScriptPython);
    }
}
