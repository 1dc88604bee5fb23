//! Where a scrape looks: the profile and hashtag page URLs, templates with `{value}` in them.
//! They are configuration (`--scrape-profile-url`, `--scrape-hashtag-url`) so that a mirror, a
//! test site or another platform can stand in for TikTok.

use super::task::ScrapeTask;
use super::video::{ScrapeMode, ScrapeValue};

/// The placeholder a template must hold once.
pub const VALUE_PLACEHOLDER: &str = "{value}";

pub const DEFAULT_PROFILE_URL: &str = "https://www.tiktok.com/@{value}";
pub const DEFAULT_HASHTAG_URL: &str = "https://www.tiktok.com/tag/{value}";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScrapeUrlError {
    #[error("{0}: must start with http:// or https://")]
    Scheme(String),
    #[error("{0}: must hold {VALUE_PLACEHOLDER} exactly once")]
    Placeholder(String),
}

/// A page URL with one `{value}` in it, over http or https.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapeUrlTemplate(String);

impl ScrapeUrlTemplate {
    pub fn parse(raw: &str) -> Result<Self, ScrapeUrlError> {
        let lower = raw.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || raw.chars().any(char::is_whitespace) {
            return Err(ScrapeUrlError::Scheme(raw.to_owned()));
        }
        if raw.matches(VALUE_PLACEHOLDER).count() != 1 {
            return Err(ScrapeUrlError::Placeholder(raw.to_owned()));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The page for `value`, percent-encoded so that no value can add a path, query or host.
    pub fn page_for(&self, value: &ScrapeValue) -> String {
        let encoded: String = form_urlencoded::byte_serialize(value.as_str().as_bytes()).collect();
        self.0.replace(VALUE_PLACEHOLDER, &encoded)
    }
}

/// The two templates a process scrapes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapeUrls {
    pub profile: ScrapeUrlTemplate,
    pub hashtag: ScrapeUrlTemplate,
}

impl Default for ScrapeUrls {
    fn default() -> Self {
        Self {
            profile: ScrapeUrlTemplate(DEFAULT_PROFILE_URL.to_owned()),
            hashtag: ScrapeUrlTemplate(DEFAULT_HASHTAG_URL.to_owned()),
        }
    }
}

impl ScrapeUrls {
    /// The configured templates where given, TikTok's otherwise.
    pub fn from_config(profile: Option<&str>, hashtag: Option<&str>) -> Result<Self, ScrapeUrlError> {
        let defaults = Self::default();
        Ok(Self {
            profile: profile.map(ScrapeUrlTemplate::parse).transpose()?.unwrap_or(defaults.profile),
            hashtag: hashtag.map(ScrapeUrlTemplate::parse).transpose()?.unwrap_or(defaults.hashtag),
        })
    }

    /// The page the scrape lists: the profile's or hashtag's, or the one video a retry fetches.
    pub fn page_for(&self, task: &ScrapeTask) -> String {
        if let Some(video) = task.only_video() {
            return video.as_str().to_owned();
        }
        match task.mode() {
            ScrapeMode::Profile => self.profile.page_for(task.value()),
            ScrapeMode::Hashtag => self.hashtag.page_for(task.value()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_need_a_web_scheme_and_one_placeholder() {
        assert!(ScrapeUrlTemplate::parse("ftp://x/{value}").is_err());
        assert!(ScrapeUrlTemplate::parse("http://x/feed").is_err());
        assert!(ScrapeUrlTemplate::parse("http://x/{value}/{value}").is_err());
        assert!(ScrapeUrlTemplate::parse("http://127.0.0.1:8080/{value}/feed.xml").is_ok());
    }

    #[test]
    fn a_value_cannot_reach_outside_its_place() {
        let template = ScrapeUrlTemplate::parse("https://site.example/@{value}").unwrap();
        let value = ScrapeValue::parse("a/../b?x=1#f").unwrap();
        assert_eq!(template.page_for(&value), "https://site.example/@a%2F..%2Fb%3Fx%3D1%23f");
        let urls = ScrapeUrls::from_config(None, Some("http://127.0.0.1:9/tag/{value}")).unwrap();
        assert_eq!(
            urls.profile.page_for(&ScrapeValue::parse("khaby.lame").unwrap()),
            "https://www.tiktok.com/@khaby.lame"
        );
    }

    #[test]
    fn a_retry_lists_its_own_video_under_its_original_value() {
        use super::super::task::ScrapeFields;
        use super::super::video::SourceUrl;
        let fields = ScrapeFields { mode: Some(ScrapeMode::Profile), value: "a".to_owned(), ..Default::default() };
        let profile = ScrapeTask::try_from(fields.clone()).unwrap();
        assert_eq!(ScrapeUrls::default().page_for(&profile), "https://www.tiktok.com/@a");
        let only_video = SourceUrl::parse("https://www.tiktok.com/@a/video/7").ok();
        let retry = ScrapeTask::try_from(ScrapeFields { only_video, ..fields }).unwrap();
        assert_eq!(ScrapeUrls::default().page_for(&retry), "https://www.tiktok.com/@a/video/7");
        assert_eq!(retry.value().as_str(), "a");
    }
}
