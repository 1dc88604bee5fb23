//! Where a scraped video and its metadata go in the object store:
//! `videos/<mode>/<value>/<yyyy>/<mm>/<platform id>.<ext>`, with `<platform id>.json` beside it;
//! a run given a folder (seed 002's `drive_folder_id`) puts them under `videos/<folder>/<yyyy>/<mm>/`
//! instead.
//!
//! Values and ids are the platform's text, so each becomes exactly one key segment: separators
//! and control characters are replaced, and a name that had to change (or be cut to a file
//! system's 255 bytes) gets a hash of the original appended, so two videos never share a key.

use chrono::{DateTime, Datelike, Utc};
use sha2::{Digest, Sha256};

use crate::domain::object_key::{MAX_SEGMENT_BYTES, ObjectKey, ObjectKeyError};
use crate::domain::task::StorageFolder;
use crate::domain::video::{PlatformVideoId, ScrapeMode, ScrapeValue};

/// The prefix every scraped video lies under (seed 003's cleanup works on it).
pub const VIDEOS_PREFIX: &str = "videos";
const SIDECAR_EXTENSION: &str = "json";
/// For a file whose extension is missing or odd: stored, but not mislabelled as a format.
const UNKNOWN_EXTENSION: &str = "bin";
const LONGEST_EXTENSION: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoKeys {
    pub video: ObjectKey,
    pub sidecar: ObjectKey,
}

/// The keys of one video found by a `mode`/`value` scrape that started at `run_started`, under
/// `folder` when the run was given one.
pub fn video_keys(
    mode: ScrapeMode,
    value: &ScrapeValue,
    folder: Option<&StorageFolder>,
    run_started: DateTime<Utc>,
    platform_id: &PlatformVideoId,
    extension: &str,
) -> Result<VideoKeys, ObjectKeyError> {
    let extension = file_extension(extension);
    // A folder is checked when the job is made (a safe relative path), so it goes in as it is.
    let place = match folder {
        Some(folder) => folder.as_str().to_owned(),
        None => format!("{}/{}", mode.as_str(), segment(value.as_str(), 0)),
    };
    let folder = format!("{VIDEOS_PREFIX}/{place}/{:04}/{:02}", run_started.year(), run_started.month());
    let stem = segment(platform_id.as_str(), 1 + LONGEST_EXTENSION);
    Ok(VideoKeys {
        video: ObjectKey::parse(&format!("{folder}/{stem}.{extension}"))?,
        sidecar: ObjectKey::parse(&format!("{folder}/{stem}.{SIDECAR_EXTENSION}"))?,
    })
}

/// The MIME type a stored video is served with.
pub fn content_type(extension: &str) -> &'static str {
    match file_extension(extension).as_str() {
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mkv" => "video/x-matroska",
        "mov" => "video/quicktime",
        "avi" => "video/x-msvideo",
        "flv" => "video/x-flv",
        "3gp" => "video/3gpp",
        _ => "application/octet-stream",
    }
}

/// The MIME type a stored object is downloaded with, by its key's extension: a video's, or
/// JSON for a sidecar.
pub fn served_content_type(key: &ObjectKey) -> &'static str {
    let name = key.segments().last().unwrap_or_default();
    match name.rsplit_once('.') {
        Some((_, SIDECAR_EXTENSION)) => "application/json",
        Some((_, extension)) => content_type(extension),
        None => "application/octet-stream",
    }
}

/// Lowercase ASCII letters and digits, at most eight; `json` would collide with the sidecar.
fn file_extension(raw: &str) -> String {
    let lower = raw.trim_start_matches('.').to_ascii_lowercase();
    let plain =
        !lower.is_empty() && lower.len() <= LONGEST_EXTENSION && lower.bytes().all(|b| b.is_ascii_alphanumeric());
    if plain && lower != SIDECAR_EXTENSION { lower } else { UNKNOWN_EXTENSION.to_owned() }
}

/// `raw` as one key segment with `reserve` bytes left for what follows it in the segment.
fn segment(raw: &str, reserve: usize) -> String {
    let mut clean: String =
        raw.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    if clean.chars().all(|c| c == '.') {
        clean = clean.replace('.', "_");
    }
    let budget = MAX_SEGMENT_BYTES - reserve;
    if clean == raw && clean.len() <= budget {
        return clean;
    }
    let digest = hex::encode(&Sha256::digest(raw.as_bytes())[..8]);
    let mut end = budget.saturating_sub(digest.len() + 1).min(clean.len());
    while !clean.is_char_boundary(end) {
        end -= 1;
    }
    clean.truncate(end);
    format!("{clean}-{digest}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixtures::t0;
    use crate::test_support::videos::value;

    fn id(raw: &str) -> PlatformVideoId {
        PlatformVideoId::parse(raw).unwrap()
    }

    #[test]
    fn keys_follow_the_documented_layout() {
        let at = DateTime::parse_from_rfc3339("2026-03-31T23:59:59Z").unwrap().to_utc();
        let keys = video_keys(ScrapeMode::Hashtag, &value("#Funny"), None, at, &id("7123"), "MP4").unwrap();
        assert_eq!(keys.video.as_str(), "videos/hashtag/funny/2026/03/7123.mp4");
        assert_eq!(keys.sidecar.as_str(), "videos/hashtag/funny/2026/03/7123.json");
        assert!(video_keys(ScrapeMode::Profile, &value("a"), None, t0(), &id("1"), "webm").is_ok());
    }

    #[test]
    fn a_folder_replaces_mode_and_value() {
        let at = DateTime::parse_from_rfc3339("2026-03-31T23:59:59Z").unwrap().to_utc();
        let folder = StorageFolder::parse("drive/optional-folder-id").unwrap();
        let keys = video_keys(ScrapeMode::Profile, &value("a"), Some(&folder), at, &id("7"), "mp4").unwrap();
        assert_eq!(keys.video.as_str(), "videos/drive/optional-folder-id/2026/03/7.mp4");
        assert_eq!(keys.sidecar.as_str(), "videos/drive/optional-folder-id/2026/03/7.json");
    }

    #[test]
    fn odd_ids_become_one_distinct_segment() {
        let keys = |raw: &str| video_keys(ScrapeMode::Profile, &value("u"), None, t0(), &id(raw), "mp4").unwrap();
        let slash = keys("a/b");
        let underscore = keys("a_b");
        assert_eq!(slash.video.segments().count(), underscore.video.segments().count());
        assert_ne!(slash.video, underscore.video);
        assert!(keys("..").video.segments().all(|s| s != ".."));
        let long = keys(&"é".repeat(128));
        assert!(long.video.segments().all(|s| s.len() <= MAX_SEGMENT_BYTES));
        assert_ne!(long.video, keys(&format!("{}x", "é".repeat(127))).video);
    }

    #[test]
    fn odd_values_stay_inside_their_mode_folder() {
        let keys = video_keys(ScrapeMode::Profile, &value(".."), None, t0(), &id("1"), "mp4").unwrap();
        assert_eq!(keys.video.segments().nth(2).map(|s| s.starts_with("__-")), Some(true));
    }

    #[test]
    fn extensions_are_plain_and_never_the_sidecars() {
        assert_eq!(file_extension("webm"), "webm");
        assert_eq!(file_extension(".MKV"), "mkv");
        for odd in ["", "json", "mp4/../x", "averyverylongone", "m p4"] {
            assert_eq!(file_extension(odd), "bin", "{odd:?}");
        }
        assert_eq!(content_type("MP4"), "video/mp4");
        assert_eq!(content_type("zip"), "application/octet-stream");
        let served = |raw: &str| served_content_type(&ObjectKey::parse(raw).unwrap());
        assert_eq!(served("videos/a/2026/01/1.json"), "application/json");
        assert_eq!(served("videos/a.b/2026/01/1.webm"), "video/webm");
        assert_eq!(served("videos/a.b/2026/01/1"), "application/octet-stream");
    }
}
