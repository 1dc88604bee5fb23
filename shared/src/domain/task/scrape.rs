//! The arguments of `scrape.profile` and `scrape.hashtag`: what seed 002's `POST /jobs` body asks
//! for, checked once so that a stored job always holds a scrape that can run.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::TaskArgError;
use crate::domain::video::{ScrapeMode, ScrapeValue, SourceUrl};

mod folder;
pub use folder::{StorageFolder, StorageFolderError};

/// How many videos one scrape may fetch: seed 002's bounds.
pub const SCRAPE_LIMITS: std::ops::RangeInclusive<u32> = 1..=200;

/// Seed 002's default `limit`.
pub const DEFAULT_SCRAPE_LIMIT: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ScrapeFields", into = "ScrapeFields")]
pub struct ScrapeTask {
    mode: ScrapeMode,
    value: ScrapeValue,
    limit: u32,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    no_watermark: bool,
    only_video: Option<SourceUrl>,
    folder: Option<StorageFolder>,
}

/// What a scrape asks for, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScrapeFields {
    pub mode: Option<ScrapeMode>,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_watermark: Option<bool>,
    /// Set by a video's retry: the one video to fetch, by its own page, instead of the profile
    /// or hashtag page. What it finds is still filed under `mode` and `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_video: Option<SourceUrl>,
    /// Seed 002's `drive_folder_id`; jobs stored before it existed read back without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
}

impl TryFrom<ScrapeFields> for ScrapeTask {
    type Error = TaskArgError;

    fn try_from(fields: ScrapeFields) -> Result<Self, Self::Error> {
        let mode = fields.mode.ok_or_else(|| TaskArgError::new("mode", "field required"))?;
        let value = ScrapeValue::parse(&fields.value).map_err(|e| TaskArgError::new("value", e.to_string()))?;
        let limit = fields.limit.unwrap_or(DEFAULT_SCRAPE_LIMIT);
        if !SCRAPE_LIMITS.contains(&limit) {
            let message = format!("must be from {} to {}", SCRAPE_LIMITS.start(), SCRAPE_LIMITS.end());
            return Err(TaskArgError::new("limit", message));
        }
        if let (Some(since), Some(until)) = (fields.since, fields.until)
            && since > until
        {
            return Err(TaskArgError::new("until", "must not be before since"));
        }
        let folder = fields
            .folder
            .map(|raw| StorageFolder::parse(&raw).map_err(|e| TaskArgError::new("folder", e.to_string())))
            .transpose()?;
        Ok(Self {
            mode,
            value,
            limit,
            since: fields.since,
            until: fields.until,
            // Seed 002: "Attempt no-watermark download (default: true)".
            no_watermark: fields.no_watermark.unwrap_or(true),
            only_video: fields.only_video,
            folder,
        })
    }
}

impl From<ScrapeTask> for ScrapeFields {
    fn from(task: ScrapeTask) -> Self {
        Self {
            mode: Some(task.mode),
            value: task.value.into(),
            limit: Some(task.limit),
            since: task.since,
            until: task.until,
            no_watermark: Some(task.no_watermark),
            only_video: task.only_video,
            folder: task.folder.map(String::from),
        }
    }
}

impl ScrapeTask {
    pub fn mode(&self) -> ScrapeMode {
        self.mode
    }

    pub fn value(&self) -> &ScrapeValue {
        &self.value
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn since(&self) -> Option<DateTime<Utc>> {
        self.since
    }

    pub fn until(&self) -> Option<DateTime<Utc>> {
        self.until
    }

    pub fn no_watermark(&self) -> bool {
        self.no_watermark
    }

    /// The one video a retry fetches, when this scrape is one.
    pub fn only_video(&self) -> Option<&SourceUrl> {
        self.only_video.as_ref()
    }

    /// Where the run's videos go under `videos/`, instead of `<mode>/<value>`.
    pub fn folder(&self) -> Option<&StorageFolder> {
        self.folder.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(value: &str) -> ScrapeFields {
        ScrapeFields { mode: Some(ScrapeMode::Profile), value: value.to_owned(), ..ScrapeFields::default() }
    }

    #[test]
    fn the_seeds_defaults_apply() {
        let task = ScrapeTask::try_from(fields("@Khaby.Lame")).unwrap();
        assert_eq!((task.limit(), task.no_watermark(), task.value().as_str()), (50, true, "khaby.lame"));
    }

    #[test]
    fn out_of_range_and_reversed_windows_are_refused() {
        let err = ScrapeTask::try_from(ScrapeFields { limit: Some(201), ..fields("a") }).unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("limit", "must be from 1 to 200"));
        assert!(ScrapeTask::try_from(ScrapeFields { limit: Some(0), ..fields("a") }).is_err());
        let (since, until) = ("2025-02-01T00:00:00Z".parse().ok(), "2025-01-01T00:00:00Z".parse().ok());
        let err = ScrapeTask::try_from(ScrapeFields { since, until, ..fields("a") }).unwrap_err();
        assert_eq!(err.field, "until");
        let err = ScrapeTask::try_from(ScrapeFields { mode: None, ..fields("a") }).unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("mode", "field required"));
        assert_eq!(ScrapeTask::try_from(fields("two words")).unwrap_err().field, "value");
    }

    #[test]
    fn the_stored_form_is_checked_again_when_read() {
        let task = ScrapeTask::try_from(ScrapeFields { limit: Some(7), ..fields("a") }).unwrap();
        let text = serde_json::to_string(&task).unwrap();
        assert_eq!(serde_json::from_str::<ScrapeTask>(&text).unwrap(), task);
        assert!(serde_json::from_str::<ScrapeTask>(r#"{"mode":"profile","value":"a","limit":999}"#).is_err());
    }

    #[test]
    fn a_retry_names_its_video_and_older_records_name_none() {
        let stored = r#"{"mode":"profile","value":"a","limit":7,"no_watermark":true}"#;
        assert_eq!(serde_json::from_str::<ScrapeTask>(stored).unwrap().only_video(), None);
        let only_video = SourceUrl::parse("https://site.example/@a/video/1").ok();
        let task = ScrapeTask::try_from(ScrapeFields { only_video: only_video.clone(), ..fields("a") }).unwrap();
        let text = serde_json::to_string(&task).unwrap();
        assert_eq!(serde_json::from_str::<ScrapeTask>(&text).unwrap().only_video(), only_video.as_ref());
        assert!(
            serde_json::from_str::<ScrapeTask>(r#"{"mode":"profile","value":"a","only_video":"file:///x"}"#).is_err()
        );
    }

    #[test]
    fn a_folder_is_checked_and_optional_in_the_stored_form() {
        let task = ScrapeTask::try_from(ScrapeFields { folder: Some("drive/a-1".to_owned()), ..fields("a") }).unwrap();
        assert_eq!(task.folder().map(StorageFolder::as_str), Some("drive/a-1"));
        let text = serde_json::to_string(&task).unwrap();
        assert_eq!(serde_json::from_str::<ScrapeTask>(&text).unwrap(), task);
        let err = ScrapeTask::try_from(ScrapeFields { folder: Some("../up".to_owned()), ..fields("a") }).unwrap_err();
        assert_eq!(err.field, "folder");
        let older: ScrapeTask = serde_json::from_str(r#"{"mode":"profile","value":"a","limit":5}"#).unwrap();
        assert_eq!(older.folder(), None);
    }
}
