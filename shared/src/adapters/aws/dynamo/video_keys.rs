//! The keys of video items and their indexes. A video is `VIDEO#<id>` / `VIDEO`; each hashtag of a
//! listed video is `VIDEO#<id>` / `TAG#<tag>` beside it, so a video and its tag items share a
//! partition. Listings sort on `<created ms>#<id>`: newest first read backwards, ties by id.
//!
//! Index key attributes are named for videos alone (`video_status`, not `status`), so that no
//! video item lands in an execution index, and tag items name their mode `tag_mode` so that
//! they do not land in `videos_by_mode`.

use super::keys::{Index, sortable_ms};
use crate::domain::video::VideoId;

/// Every listed video: partition `VIDEOS`.
pub(super) const VIDEOS_BY_CREATED: Index = Index { name: "videos_by_created", pk: "videos_pk", sk: "listed" };
pub(super) const VIDEOS_BY_STATUS: Index = Index { name: "videos_by_status", pk: "video_status", sk: "listed" };
pub(super) const VIDEOS_BY_MODE: Index = Index { name: "videos_by_mode", pk: "video_mode", sk: "listed" };
pub(super) const VIDEOS_BY_VALUE: Index = Index { name: "videos_by_value", pk: "video_value", sk: "listed" };
pub(super) const VIDEOS_BY_AUTHOR: Index = Index { name: "videos_by_author", pk: "video_author", sk: "listed" };
/// A job's videos, deleted ones too (sorted on `found`, which a tombstone leaves in place), so
/// that removing the job's records finds them all.
pub(super) const VIDEOS_BY_JOB: Index = Index { name: "videos_by_job", pk: "video_job", sk: "found" };
pub(super) const VIDEOS_BY_RUN: Index = Index { name: "videos_by_run", pk: "video_run", sk: "listed" };
/// Tag items: partition the hashtag.
pub(super) const VIDEOS_BY_HASHTAG: Index = Index { name: "videos_by_hashtag", pk: "video_tag", sk: "listed" };

/// Attributes filters and updates name.
pub(super) const LISTED: &str = "listed";
pub(super) const MODE: &str = "video_mode";
pub(super) const VALUE: &str = "video_value";
pub(super) const AUTHOR: &str = "video_author";
pub(super) const STATUS: &str = "video_status";
pub(super) const JOB: &str = "video_job";
/// The video's hashtags as one string, each between spaces (` funny comedy `): `contains` with a
/// spaced tag matches whole tags only, and hashtags hold no spaces.
pub(super) const TAGS: &str = "video_tags";
pub(super) const FILE_SIZE: &str = "file_size";
pub(super) const VERSION: &str = "version";
pub(super) const TAG_MODE: &str = "tag_mode";

pub(super) const VIDEOS_PARTITION: &str = "VIDEOS";
pub(super) const VIDEO_SK: &str = "VIDEO";
const VIDEO_PREFIX: &str = "VIDEO#";
const TAG_PREFIX: &str = "TAG#";

pub(super) fn video_pk(id: VideoId) -> String {
    format!("{VIDEO_PREFIX}{id}")
}

pub(super) fn parse_video_pk(pk: &str) -> Option<VideoId> {
    VideoId::parse(pk.strip_prefix(VIDEO_PREFIX)?)
}

pub(super) fn tag_sk(tag: &str) -> String {
    format!("{TAG_PREFIX}{tag}")
}

pub(super) fn parse_tag_sk(sk: &str) -> Option<&str> {
    sk.strip_prefix(TAG_PREFIX)
}

/// Creation order, ties by id: what SQLite orders videos by.
pub(super) fn video_order(created_ms: i64, id: VideoId) -> String {
    format!("{}#{id}", sortable_ms(created_ms))
}

/// Whether `order` is a `video_order` of the video `id`.
pub(super) fn is_order_of(order: &str, id: VideoId) -> bool {
    order.strip_suffix(&id.to_string()).is_some_and(|time| time.len() > 1 && time.ends_with('#'))
}

/// The value `contains` looks for in [`TAGS`].
pub(super) fn spaced(tag: &str) -> String {
    format!(" {tag} ")
}

/// [`TAGS`] for a video's hashtags; none when it has none.
pub(super) fn tags_text(tags: &[String]) -> Option<String> {
    (!tags.is_empty()).then(|| format!(" {} ", tags.join(" ")))
}

/// The hashtags [`tags_text`] wrote.
pub(super) fn tags_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(' ').filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_orders_sort_by_time_then_id() {
        let (a, b) = (VideoId::from_uuid(uuid::Uuid::from_u128(1)), VideoId::from_uuid(uuid::Uuid::from_u128(2)));
        assert_eq!(parse_video_pk(&video_pk(a)), Some(a));
        assert_eq!(parse_video_pk("EXEC#x"), None);
        assert_eq!(parse_tag_sk(&tag_sk("ça")), Some("ça"));
        assert!(video_order(5, a) < video_order(5, b), "ties by id");
        assert!(video_order(5, b) < video_order(6, a));
        assert!(video_order(-1, b) < video_order(0, a));
        assert!(is_order_of(&video_order(5, a), a));
        assert!(!is_order_of(&video_order(5, a), b));
        assert!(!is_order_of(&format!("#{a}"), a));
    }

    #[test]
    fn tags_match_whole() {
        let text = tags_text(&["fun".to_owned(), "funny".to_owned()]).unwrap();
        assert!(text.contains(&spaced("fun")) && text.contains(&spaced("funny")));
        assert!(!text.contains(&spaced("fu")) && !text.contains(&spaced("unny")));
        assert_eq!(tags_of(&text).collect::<Vec<_>>(), ["fun", "funny"]);
        assert_eq!(tags_text(&[]), None);
    }
}
