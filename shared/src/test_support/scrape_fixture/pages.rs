//! What the fixture serves: an RSS feed whose items link to one page per video, and the pages,
//! each with a schema.org `VideoObject` in JSON-LD. yt-dlp's generic extractor reads the feed as
//! a playlist (an item's `guid` becomes the video's id) and each page's JSON-LD as the video:
//! `name`, `description`, `author.name`, `uploadDate`, `duration`, the `interactionStatistic`
//! counters, `keywords` (split on commas, not trimmed) and `contentUrl` with `encodingFormat`,
//! which makes the mp4 a direct download. The feed carries no dates: every date yt-dlp sees comes
//! from the page, the way a scraped site's does.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde_json::json;

/// One video the fixture serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureVideo {
    /// Also the page's and the mp4's file name.
    pub id: String,
    pub title: String,
    pub description: String,
    pub uploader: String,
    /// None: the page has no `uploadDate`, so yt-dlp knows no date for it.
    pub uploaded_at: Option<DateTime<Utc>>,
    /// The mp4's real length, and the page's `duration`.
    pub duration_secs: u32,
    pub views: u64,
    pub likes: u64,
    pub comments: u64,
    /// Served as a `ShareAction` counter, which yt-dlp 2026.10.26 does not read.
    pub shares: u64,
    pub tags: Vec<String>,
}

impl FixtureVideo {
    /// The `n`-th of a feed (from 1): a TikTok-like numeric id, and an upload date a day before
    /// the previous one's, so that samples 1, 2, 3… are newest first, as a profile's feed is.
    pub fn sample(n: u32) -> Self {
        let newest = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).single();
        Self {
            id: (7_100_000_000_000_000_000u64 + u64::from(n)).to_string(),
            title: format!("Fixture video {n}"),
            description: format!("Video number {n} of the fixture #fixture #video{n}"),
            uploader: "fixture.author".to_owned(),
            uploaded_at: newest.map(|at| at - chrono::Duration::days(i64::from(n) - 1)),
            duration_secs: 1,
            views: 1000 * u64::from(n),
            likes: 100 * u64::from(n),
            comments: 10 * u64::from(n),
            shares: u64::from(n),
            tags: vec!["fixture".to_owned(), format!("video{n}")],
        }
    }

    /// The same video without a date.
    pub fn undated(self) -> Self {
        Self { uploaded_at: None, ..self }
    }

    /// `uploaded_at` as yt-dlp's `upload_date` (`YYYYMMDD`, UTC), for filters and assertions.
    pub fn upload_date(&self) -> Option<String> {
        self.uploaded_at.map(|at| at.format("%Y%m%d").to_string())
    }
}

pub(super) fn feed(base: &str, videos: &[FixtureVideo]) -> String {
    let items: String = videos
        .iter()
        .map(|v| {
            format!(
                "<item><title>{title}</title><link>{base}/videos/{id}</link><guid isPermaLink=\"false\">{id}</guid></item>",
                title = xml_escape(&v.title),
                id = xml_escape(&v.id),
            )
        })
        .collect();
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>",
            "<title>jobsmith fixture</title><link>{base}/</link><description>Videos served on loopback</description>",
            "{items}</channel></rss>\n"
        ),
        base = xml_escape(base),
        items = items
    )
}

pub(super) fn page(base: &str, video: &FixtureVideo, mp4_len: usize) -> String {
    let counter = |action: &str, count: u64| json!({"@type": "InteractionCounter", "interactionType": {"@type": action}, "userInteractionCount": count});
    let mut object = json!({
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "@id": format!("{base}/videos/{}", video.id),
        "identifier": video.id,
        "name": video.title,
        "description": video.description,
        "author": {"@type": "Person", "name": video.uploader},
        "duration": format!("PT{}S", video.duration_secs),
        "contentUrl": format!("{base}/media/{}.mp4", video.id),
        "encodingFormat": "video/mp4",
        "contentSize": mp4_len,
        "width": 64,
        "height": 48,
        "keywords": video.tags.join(","),
        "interactionStatistic": [
            counter("WatchAction", video.views),
            counter("LikeAction", video.likes),
            counter("CommentAction", video.comments),
            counter("ShareAction", video.shares),
        ],
    });
    if let Some(at) = video.uploaded_at {
        object["uploadDate"] = json!(at.to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    // "</" inside the script element would end it early, whatever the JSON says.
    let json_ld = object.to_string().replace("</", "<\\/");
    format!(
        concat!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>",
            "<script type=\"application/ld+json\">{json_ld}</script></head>",
            "<body><h1>{title}</h1></body></html>\n"
        ),
        title = xml_escape(&video.title),
        json_ld = json_ld
    )
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
