//! Reads yt-dlp's info JSON (one object per video, as `--dump-json` prints and
//! `--write-info-json` writes) into what a scrape keeps. Extractors differ in what they fill in,
//! so every field is optional except the ones that name the video.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::domain::video::{AuthorUsername, Platform, PlatformVideoId, SourceUrl, VideoMetadata};
use crate::ports::ListedVideo;

/// yt-dlp's generic extractor appends its own state to a page's URL as this fragment; the page
/// itself is the part before it.
const SMUGGLE_MARKER: &str = "#__youtubedl_smuggle=";

/// yt-dlp's TikTok extractor names its watermarked formats with this in `format_note`.
const WATERMARK_NOTE: &str = "watermarked";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum InfoError {
    #[error("not a JSON object")]
    NotAnObject,
    #[error("no {0}")]
    Missing(&'static str),
    #[error("bad {what}: {why}")]
    Invalid { what: &'static str, why: String },
}

/// One video of a listing.
pub(super) fn listed_video(info: &Value) -> Result<ListedVideo, InfoError> {
    if !info.is_object() {
        return Err(InfoError::NotAnObject);
    }
    Ok(ListedVideo {
        platform: platform(info)?,
        platform_id: platform_id(info)?,
        source_url: source_url(info)?,
        metadata: metadata(info),
        extractor: text(info, "extractor"),
        listing_info: None,
    })
}

/// `extractor_key` is the extractor's class name (`TikTok`, `Generic`, `Youtube`), which is what
/// [`Platform`] names; `extractor` (`tiktok`, `generic`, `youtube:tab`) is the fallback.
pub(super) fn platform(info: &Value) -> Result<Platform, InfoError> {
    let key = text(info, "extractor_key").or_else(|| text(info, "extractor")).ok_or(InfoError::Missing("extractor"))?;
    if key.eq_ignore_ascii_case("tiktok") {
        return Ok(Platform::tiktok());
    }
    Platform::parse(&key).map_err(|err| InfoError::Invalid { what: "extractor", why: err.to_string() })
}

fn platform_id(info: &Value) -> Result<PlatformVideoId, InfoError> {
    let id = match info.get("id") {
        Some(Value::String(id)) => id.clone(),
        // Some extractors give numeric ids as numbers.
        Some(Value::Number(id)) => id.to_string(),
        _ => return Err(InfoError::Missing("id")),
    };
    PlatformVideoId::parse(&id).map_err(|err| InfoError::Invalid { what: "id", why: err.to_string() })
}

fn source_url(info: &Value) -> Result<SourceUrl, InfoError> {
    let raw =
        text(info, "webpage_url").or_else(|| text(info, "original_url")).ok_or(InfoError::Missing("webpage_url"))?;
    let page = raw.split_once(SMUGGLE_MARKER).map_or(raw.as_str(), |(page, _)| page);
    SourceUrl::parse(page).map_err(|err| InfoError::Invalid { what: "webpage_url", why: err.to_string() })
}

/// Everything the platform says about the video, cut to what a record holds.
pub(super) fn metadata(info: &Value) -> VideoMetadata {
    let description = text(info, "description").or_else(|| text(info, "title"));
    let mut hashtags: Vec<&str> = info
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(description) = &description {
        hashtags.extend(hashtags_in(description));
    }
    VideoMetadata {
        hashtags: VideoMetadata::hashtags_from(hashtags),
        description,
        // TikTok's `uploader` is the @handle and its `uploader_id` a number; the handle is what
        // users filter by. Other extractors may give a display name with spaces, which does
        // not parse as a username, so the next candidate is tried.
        author_username: ["uploader", "uploader_id", "channel"]
            .iter()
            .find_map(|key| text(info, key).and_then(|name| AuthorUsername::parse(&name).ok())),
        author_nickname: ["channel", "creator", "uploader"].iter().find_map(|key| text(info, key)),
        views: count(info, "view_count"),
        likes: count(info, "like_count"),
        comments: count(info, "comment_count"),
        shares: count(info, "repost_count"),
        posted_at: posted_at(info),
        music_title: text(info, "track"),
        duration_seconds: info.get("duration").and_then(Value::as_f64),
        file_size: count(info, "filesize").or_else(|| count(info, "filesize_approx")),
        has_watermark: None,
    }
    .bounded()
}

/// Whether the format yt-dlp chose carries a watermark, where the extractor says: TikTok marks
/// every watermarked format, so on TikTok an unmarked one has none; elsewhere nobody knows.
pub(super) fn has_watermark(info: &Value) -> Option<bool> {
    let chosen: Vec<&Value> = match info.get("requested_formats").and_then(Value::as_array) {
        Some(parts) => parts.iter().collect(),
        None => vec![info],
    };
    let marked = chosen
        .iter()
        .any(|format| text(format, "format_note").is_some_and(|note| note.to_lowercase().contains(WATERMARK_NOTE)));
    if marked {
        Some(true)
    } else if platform(info).is_ok_and(|p| p == Platform::tiktok()) {
        Some(false)
    } else {
        None
    }
}

/// The info JSON without what only this machine's session needed: the platform's cookies
/// (TikTok sets them on each format), the request headers they went with, and local paths.
/// What is left describes the video and is safe to store beside it.
pub(super) fn without_session_data(mut info: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for key in ["cookies", "http_headers", "filename", "_filename", "filepath"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut info);
    info
}

/// `timestamp` (seconds since the epoch) when the extractor knows the moment, else the day of
/// `upload_date` (`YYYYMMDD`, UTC) at midnight.
fn posted_at(info: &Value) -> Option<DateTime<Utc>> {
    let exact = info.get("timestamp").and_then(|t| match t {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        _ => None,
    });
    if let Some(seconds) = exact {
        return DateTime::from_timestamp(seconds, 0);
    }
    let day = NaiveDate::parse_from_str(&text(info, "upload_date")?, "%Y%m%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}

/// The `#words` of a caption, where a hashtag ends at the first character that is not a letter,
/// a digit or `_`, as on the platforms.
fn hashtags_in(text: &str) -> impl Iterator<Item = &str> {
    text.split('#').skip(1).filter_map(|after| {
        let end = after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len());
        (end > 0).then(|| &after[..end])
    })
}

/// A non-empty string field.
fn text(info: &Value, key: &str) -> Option<String> {
    info.get(key).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// A counter, which some extractors give as a float.
fn count(info: &Value, key: &str) -> Option<u64> {
    let value = info.get(key)?;
    value.as_u64().or_else(|| value.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f as u64))
}

#[cfg(test)]
#[path = "info_tests.rs"]
mod tests;
