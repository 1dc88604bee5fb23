//! What the platform says about a video. Every field is optional: a listing page gives little,
//! a download's info JSON gives most, and other platforms leave some out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::names::{AuthorUsername, Hashtag};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoMetadata {
    pub description: Option<String>,
    pub author_username: Option<AuthorUsername>,
    pub author_nickname: Option<String>,
    pub views: Option<u64>,
    pub likes: Option<u64>,
    pub comments: Option<u64>,
    pub shares: Option<u64>,
    /// When the platform says it was uploaded.
    pub posted_at: Option<DateTime<Utc>>,
    /// Distinct, in the order the platform gave them, at most [`VideoMetadata::MAX_HASHTAGS`].
    pub hashtags: Vec<Hashtag>,
    pub music_title: Option<String>,
    pub duration_seconds: Option<f64>,
    /// Bytes of the downloaded file.
    pub file_size: Option<u64>,
    pub has_watermark: Option<bool>,
}

impl VideoMetadata {
    /// Captions can carry dozens of tags; the first thirty are the ones written, so that a
    /// video's index entries fit one DynamoDB transaction with room to spare.
    pub const MAX_HASHTAGS: usize = 30;
    pub const DESCRIPTION_BUDGET: usize = 8 * 1024;
    pub const NAME_BUDGET: usize = 512;

    /// The metadata cut to what a record holds: texts to their budgets, hashtags distinct and at
    /// most [`Self::MAX_HASHTAGS`].
    pub fn bounded(mut self) -> Self {
        self.description = self.description.map(|d| cut(d, Self::DESCRIPTION_BUDGET));
        self.author_nickname = self.author_nickname.map(|n| cut(n, Self::NAME_BUDGET));
        self.music_title = self.music_title.map(|m| cut(m, Self::NAME_BUDGET));
        let mut distinct: Vec<Hashtag> = Vec::with_capacity(self.hashtags.len().min(Self::MAX_HASHTAGS));
        for tag in self.hashtags {
            if distinct.len() == Self::MAX_HASHTAGS {
                break;
            }
            if !distinct.contains(&tag) {
                distinct.push(tag);
            }
        }
        self.hashtags = distinct;
        self.duration_seconds = self.duration_seconds.filter(|d| d.is_finite() && *d >= 0.0);
        self
    }

    /// Hashtags from what an extractor reports, skipping any that do not parse: one odd tag
    /// must not cost the video.
    pub fn hashtags_from<'a>(raw: impl IntoIterator<Item = &'a str>) -> Vec<Hashtag> {
        raw.into_iter().filter_map(|t| Hashtag::parse(t).ok()).collect()
    }
}

/// Keeps the start of `text` within `budget` bytes, cut on a character boundary.
pub(crate) fn cut(mut text: String, budget: usize) -> String {
    if text.len() > budget {
        let mut end = budget;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}
