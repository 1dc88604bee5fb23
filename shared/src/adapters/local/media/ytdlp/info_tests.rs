use chrono::TimeZone;
use serde_json::json;

use super::*;
use crate::domain::video::Hashtag;

/// The fields yt-dlp's TikTok extractor fills in, as it names them.
fn tiktok_info() -> Value {
    json!({
        "id": "7350000000000000001",
        "title": "ignored when there is a description",
        "description": "Trying the new dance #Dance #fyp_2025 and more #dance",
        "webpage_url": "https://www.tiktok.com/@khaby.lame/video/7350000000000000001",
        "extractor": "TikTok",
        "extractor_key": "TikTok",
        "uploader": "khaby.lame",
        "uploader_id": "6812345678901234567",
        "channel": "Khabane Lame",
        "view_count": 1500000,
        "like_count": 200000,
        "comment_count": 3000,
        "repost_count": 5000,
        "timestamp": 1_711_000_000,
        "upload_date": "20240321",
        "track": "Original Sound",
        "duration": 12.5,
        "filesize": 2_345_678,
        "tags": ["comedy"],
        "format_id": "play_addr",
        "format_note": "Direct video",
    })
}

fn tags(names: &[&str]) -> Vec<Hashtag> {
    names.iter().map(|n| Hashtag::parse(n).unwrap()).collect()
}

#[test]
fn a_tiktok_video_gives_every_field() {
    let video = listed_video(&tiktok_info()).unwrap();
    assert_eq!(video.platform, Platform::tiktok());
    assert_eq!(video.platform_id.as_str(), "7350000000000000001");
    assert_eq!(video.source_url.as_str(), "https://www.tiktok.com/@khaby.lame/video/7350000000000000001");
    let m = video.metadata;
    assert_eq!(m.description.as_deref(), Some("Trying the new dance #Dance #fyp_2025 and more #dance"));
    assert_eq!(m.author_username.as_ref().map(AuthorUsername::as_str), Some("khaby.lame"));
    assert_eq!(m.author_nickname.as_deref(), Some("Khabane Lame"));
    assert_eq!((m.views, m.likes, m.comments, m.shares), (Some(1_500_000), Some(200_000), Some(3000), Some(5000)));
    assert_eq!(m.posted_at, DateTime::from_timestamp(1_711_000_000, 0));
    assert_eq!(m.hashtags, tags(&["comedy", "dance", "fyp_2025"]), "tags, then the caption's, distinct");
    assert_eq!(m.music_title.as_deref(), Some("Original Sound"));
    assert_eq!(m.duration_seconds, Some(12.5));
    assert_eq!(m.file_size, Some(2_345_678));
    assert_eq!(m.has_watermark, None, "a listing does not know the format a download picks");
}

#[test]
fn other_extractors_are_named_by_their_key_and_their_smuggled_fragment_is_dropped() {
    let info = json!({
        "id": 42,
        "extractor_key": "Generic",
        "webpage_url": "http://127.0.0.1:9/videos/42#__youtubedl_smuggle=%7B%22force_videoid%22%3A+%2242%22%7D",
    });
    let video = listed_video(&info).unwrap();
    assert_eq!(video.platform.as_str(), "generic");
    assert_eq!(video.platform_id.as_str(), "42");
    assert_eq!(video.source_url.as_str(), "http://127.0.0.1:9/videos/42");
    assert_eq!(video.metadata, VideoMetadata::default());
}

#[test]
fn the_title_stands_in_for_a_missing_description_and_the_day_for_a_missing_moment() {
    let info = json!({"title": "Just a title #tagged", "upload_date": "20250301", "filesize_approx": 1000.0});
    let m = metadata(&info);
    assert_eq!(m.description.as_deref(), Some("Just a title #tagged"));
    assert_eq!(m.hashtags, tags(&["tagged"]));
    assert_eq!(m.posted_at, Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).single());
    assert_eq!(m.file_size, Some(1000));
}

#[test]
fn a_display_name_is_no_username_so_the_next_candidate_is_taken() {
    let info = json!({"uploader": "Some Display Name", "uploader_id": "@handle_1"});
    let m = metadata(&info);
    assert_eq!(m.author_username.as_ref().map(AuthorUsername::as_str), Some("handle_1"));
    assert_eq!(m.author_nickname.as_deref(), Some("Some Display Name"));
    assert_eq!(metadata(&json!({"uploader": "two words"})).author_username, None);
}

#[test]
fn entries_that_cannot_name_a_video_are_errors() {
    assert_eq!(listed_video(&json!([1])), Err(InfoError::NotAnObject));
    let no_id = json!({"extractor_key": "Generic", "webpage_url": "https://example.com/v"});
    assert_eq!(listed_video(&no_id), Err(InfoError::Missing("id")));
    let no_url = json!({"id": "1", "extractor_key": "Generic"});
    assert_eq!(listed_video(&no_url), Err(InfoError::Missing("webpage_url")));
    let bad_url = json!({"id": "1", "extractor_key": "Generic", "webpage_url": "file:///etc/passwd"});
    assert!(matches!(listed_video(&bad_url), Err(InfoError::Invalid { what: "webpage_url", .. })));
    let bad_key = json!({"id": "1", "extractor_key": "Not A Key!", "webpage_url": "https://example.com/v"});
    assert!(matches!(listed_video(&bad_key), Err(InfoError::Invalid { what: "extractor", .. })));
}

#[test]
fn odd_values_are_left_out_rather_than_failing_the_video() {
    let info =
        json!({"view_count": -5, "like_count": "many", "timestamp": "soon", "duration": "long", "tags": [1, "ok"]});
    let m = metadata(&info);
    assert_eq!((m.views, m.likes, m.posted_at, m.duration_seconds), (None, None, None, None));
    assert_eq!(m.hashtags, tags(&["ok"]));
}

#[test]
fn watermarks_are_known_from_the_chosen_tiktok_format() {
    let mut info = tiktok_info();
    assert_eq!(has_watermark(&info), Some(false), "a TikTok format without the mark");
    info["format_note"] = json!("Download video, watermarked");
    assert_eq!(has_watermark(&info), Some(true));
    let merged = json!({"extractor_key": "TikTok", "requested_formats": [{"format_note": "watermarked"}, {}]});
    assert_eq!(has_watermark(&merged), Some(true));
    assert_eq!(has_watermark(&json!({"extractor_key": "Generic"})), None, "other sites do not say");
}

#[test]
fn the_stored_info_keeps_the_video_and_drops_the_session() {
    let info = json!({
        "id": "1",
        "cookies": "sid=secret",
        "_filename": "/tmp/x/video.mp4",
        "formats": [{"format_id": "play", "cookies": "tt_chain_token=secret", "http_headers": {"Cookie": "a"}}],
    });
    let kept = without_session_data(info);
    assert_eq!(kept, json!({"id": "1", "formats": [{"format_id": "play"}]}));
}
