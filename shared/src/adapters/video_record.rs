//! A video as both stores keep it: the fields that keys, filters, orderings and counts read as
//! scalars of their own, and everything else as one JSON body (nothing queries inside it, so a
//! new metadata field needs no migration, and JSON keeps `u64` counts and `f64` durations exact).
//! Hashtags are in the body too: the stores index them separately, and only while the video is
//! listed, so the body is what a deleted video's tags are read back from.
//!
//! Times are whole milliseconds since the epoch, in the scalars and in the body alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::object_key::ObjectKey;
use crate::domain::video::{
    AuthorUsername, FailureClass, Hashtag, Platform, PlatformVideoId, ScrapeMode, ScrapeValue, SourceUrl, Tombstone,
    TombstoneCause, Video, VideoFailure, VideoId, VideoMetadata, VideoStatus,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Failure {
    class: String,
    message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Deleted {
    at_ms: i64,
    cause: String,
}

/// The JSON body. Field names are short and stable: they are stored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Body {
    source_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    author_nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    views: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    likes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comments: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shares: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    posted_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    hashtags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    music_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    has_watermark: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    video_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sidecar_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stored_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<Failure>,
    attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tombstone: Option<Deleted>,
}

/// A video as flat values: what each store maps to its columns or attributes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VideoRecord {
    pub id: VideoId,
    pub platform: String,
    pub platform_id: String,
    pub mode: &'static str,
    pub value: String,
    pub job_id: String,
    pub run_id: ExecutionId,
    pub author: Option<String>,
    pub status: &'static str,
    pub file_size: Option<u64>,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// Only while deleted: what takes the video out of listings.
    pub tombstoned_ms: Option<i64>,
    /// A scalar of its own, not in the body: a store's older rows read back unpinned without
    /// rewriting them.
    pub pinned: bool,
    pub version: u64,
    /// The hashtags the stores index while the video is listed.
    pub hashtags: Vec<String>,
    pub body: String,
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

impl VideoRecord {
    pub fn new(v: &Video) -> Result<Self, String> {
        let m = &v.metadata;
        let hashtags: Vec<String> = m.hashtags.iter().map(|t| t.as_str().to_owned()).collect();
        let body = Body {
            source_url: v.source_url.to_string(),
            description: m.description.clone(),
            author_nickname: m.author_nickname.clone(),
            views: m.views,
            likes: m.likes,
            comments: m.comments,
            shares: m.shares,
            posted_ms: m.posted_at.map(ms),
            hashtags: hashtags.clone(),
            music_title: m.music_title.clone(),
            duration_seconds: m.duration_seconds,
            has_watermark: m.has_watermark,
            video_key: v.video_key.as_ref().map(ToString::to_string),
            sidecar_key: v.sidecar_key.as_ref().map(ToString::to_string),
            stored_ms: v.stored_at.map(ms),
            failure: v
                .failure
                .as_ref()
                .map(|f| Failure { class: f.class.as_str().to_owned(), message: f.message.clone() }),
            attempts: v.attempts,
            tombstone: v.tombstone.map(|t| Deleted { at_ms: ms(t.at), cause: t.cause.as_str().to_owned() }),
        };
        Ok(Self {
            id: v.id,
            platform: v.platform.to_string(),
            platform_id: v.platform_id.to_string(),
            mode: v.mode.as_str(),
            value: v.value.to_string(),
            job_id: v.job_id.to_string(),
            run_id: v.run_id,
            author: m.author_username.as_ref().map(ToString::to_string),
            status: v.status.as_str(),
            file_size: m.file_size,
            created_ms: ms(v.created_at),
            updated_ms: ms(v.updated_at),
            tombstoned_ms: v.tombstone.map(|t| ms(t.at)),
            pinned: v.pinned,
            version: v.version,
            hashtags,
            body: serde_json::to_string(&body).map_err(|e| format!("encoding video {}: {e}", v.id))?,
        })
    }

    /// The hashtags to index: all of them while listed, none while deleted.
    pub fn listed_hashtags(&self) -> &[String] {
        if self.tombstoned_ms.is_none() { &self.hashtags } else { &[] }
    }
}

/// The scalars a store read back, as text and numbers, to be parsed into a [`Video`].
pub(crate) struct StoredVideo<'a> {
    pub id: VideoId,
    pub platform: &'a str,
    pub platform_id: &'a str,
    pub mode: &'a str,
    pub value: &'a str,
    pub job_id: &'a str,
    pub run_id: ExecutionId,
    pub author: Option<&'a str>,
    pub status: &'a str,
    pub file_size: Option<u64>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub pinned: bool,
    pub version: u64,
    pub body: &'a str,
}

impl StoredVideo<'_> {
    /// `Err` says what could not be read: only a hand-edited or foreign store gets there.
    pub fn decode(self) -> Result<Video, String> {
        let id = self.id;
        let bad = |what: &str, e: &dyn std::fmt::Display| format!("video {id}: {what}: {e}");
        let body: Body = serde_json::from_str(self.body).map_err(|e| bad("body", &e))?;
        let time = |ms: i64| DateTime::from_timestamp_millis(ms).ok_or_else(|| format!("video {id}: time {ms}"));
        let key = |k: Option<String>| k.map(|k| ObjectKey::parse(&k).map_err(|e| bad("object key", &e))).transpose();
        let metadata = VideoMetadata {
            description: body.description,
            author_username: self.author.map(AuthorUsername::parse).transpose().map_err(|e| bad("author", &e))?,
            author_nickname: body.author_nickname,
            views: body.views,
            likes: body.likes,
            comments: body.comments,
            shares: body.shares,
            posted_at: body.posted_ms.map(time).transpose()?,
            hashtags: body
                .hashtags
                .iter()
                .map(|t| Hashtag::parse(t))
                .collect::<Result<_, _>>()
                .map_err(|e| bad("hashtag", &e))?,
            music_title: body.music_title,
            duration_seconds: body.duration_seconds,
            file_size: self.file_size,
            has_watermark: body.has_watermark,
        };
        let failure = match body.failure {
            Some(f) => Some(VideoFailure {
                class: FailureClass::parse(&f.class).ok_or_else(|| bad("failure class", &f.class))?,
                message: f.message,
            }),
            None => None,
        };
        let tombstone = match body.tombstone {
            Some(t) => Some(Tombstone {
                at: time(t.at_ms)?,
                cause: TombstoneCause::parse(&t.cause).ok_or_else(|| bad("tombstone cause", &t.cause))?,
            }),
            None => None,
        };
        Ok(Video {
            id,
            platform: Platform::parse(self.platform).map_err(|e| bad("platform", &e))?,
            platform_id: PlatformVideoId::parse(self.platform_id).map_err(|e| bad("platform id", &e))?,
            mode: ScrapeMode::parse(self.mode).ok_or_else(|| bad("mode", &self.mode))?,
            value: ScrapeValue::parse(self.value).map_err(|e| bad("value", &e))?,
            job_id: JobId::parse(self.job_id).map_err(|e| bad("job id", &e))?,
            run_id: self.run_id,
            source_url: SourceUrl::parse(&body.source_url).map_err(|e| bad("source url", &e))?,
            metadata,
            video_key: key(body.video_key)?,
            sidecar_key: key(body.sidecar_key)?,
            stored_at: body.stored_ms.map(time).transpose()?,
            status: VideoStatus::parse(self.status).ok_or_else(|| bad("status", &self.status))?,
            failure,
            attempts: body.attempts,
            created_at: time(self.created_ms)?,
            updated_at: time(self.updated_ms)?,
            tombstone,
            pinned: self.pinned,
            version: self.version,
        })
    }
}

/// The video as a store returns it after writing it: times at millisecond precision.
pub(crate) fn as_stored(mut v: Video) -> Video {
    let truncate = |t: DateTime<Utc>| DateTime::from_timestamp_millis(ms(t)).unwrap_or(t);
    v.created_at = truncate(v.created_at);
    v.updated_at = truncate(v.updated_at);
    v.metadata.posted_at = v.metadata.posted_at.map(truncate);
    v.stored_at = v.stored_at.map(truncate);
    if let Some(t) = v.tombstone.as_mut() {
        t.at = truncate(t.at);
    }
    v
}

/// The message for a video whose id is not the derived one (see [`Video::has_derived_id`]).
pub(crate) fn underived(v: &Video) -> String {
    format!("video {} does not have the id its platform and platform id give", v.id)
}

/// The message for a derived id that another (platform, platform id) already holds: a SHA-256
/// collision, or a store written by something else.
pub(crate) fn taken(v: &Video) -> String {
    format!("video id {} is taken by another video", v.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::videos::{full_video, video};

    fn round_trip(v: &Video) -> Video {
        let r = VideoRecord::new(v).unwrap();
        let stored = StoredVideo {
            id: r.id,
            platform: &r.platform,
            platform_id: &r.platform_id,
            mode: r.mode,
            value: &r.value,
            job_id: &r.job_id,
            run_id: r.run_id,
            author: r.author.as_deref(),
            status: r.status,
            file_size: r.file_size,
            created_ms: r.created_ms,
            updated_ms: r.updated_ms,
            pinned: r.pinned,
            version: r.version,
            body: &r.body,
        };
        stored.decode().unwrap()
    }

    #[test]
    fn every_field_round_trips() {
        let pinned = Video { pinned: true, ..full_video("3") };
        for v in [video("1"), full_video("2"), pinned] {
            assert_eq!(round_trip(&v), v);
        }
    }

    #[test]
    fn a_deleted_video_indexes_no_hashtags_but_keeps_them() {
        let v = full_video("3");
        let gone = v.tombstone(TombstoneCause::Retention, v.updated_at).unwrap();
        let record = VideoRecord::new(&gone).unwrap();
        assert!(record.listed_hashtags().is_empty());
        assert!(!record.hashtags.is_empty());
        assert_eq!(round_trip(&gone).metadata.hashtags, v.metadata.hashtags);
    }
}
