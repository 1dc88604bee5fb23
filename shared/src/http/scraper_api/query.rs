//! `GET /videos`' query: every filter of the seed, and `limit`/`offset` paging. Each parameter
//! is read as text and parsed here, so that one answer names every bad parameter at once.

use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{INVALID, NOT_A_CHOICE, NOT_AN_INTEGER, Problems, TOO_BIG, TOO_SMALL};
use crate::domain::video::{AuthorUsername, Hashtag, NameError, ScrapeMode, ScrapeValue, VideoStatus};
use crate::ports::{PageRequest, VideoFilter};

pub(super) const DEFAULT_LIMIT: u32 = 50;
/// The seed sets no maximum; 200 is its largest scrape, and a page that size stays small.
pub(super) const MAX_LIMIT: u32 = 200;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VideoListQuery {
    /// `profile` or `hashtag`: how the scrape that found the video was asked.
    #[param(value_type = Option<String>, pattern = "^(profile|hashtag)$")]
    pub mode: Option<String>,
    /// The username or hashtag the scrape was asked for (a leading `@` or `#` is dropped; any case).
    #[param(max_length = 129)]
    pub value: Option<String>,
    /// The video's author (a leading `@` is dropped; any case).
    #[param(max_length = 129)]
    pub author_username: Option<String>,
    /// One of the video's hashtags (a leading `#` is dropped; any case).
    #[param(max_length = 151)]
    pub hashtag: Option<String>,
    /// `pending`, `downloading`, `downloaded`, `uploading`, `uploaded` or `failed`.
    #[param(pattern = "^(pending|downloading|downloaded|uploading|uploaded|failed)$")]
    pub status: Option<String>,
    /// 1 to 200; default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// How many matching videos to skip, newest first; default 0. On DynamoDB at most 10,000.
    #[param(value_type = Option<u64>, minimum = 0)]
    pub offset: Option<String>,
}

impl VideoListQuery {
    /// The filter and page asked for, or every problem with them.
    pub(super) fn read(self, problems: &mut Problems) -> (VideoFilter, PageRequest) {
        let filter = VideoFilter {
            mode: given(self.mode).and_then(|raw| {
                let mode = ScrapeMode::parse(&raw);
                if mode.is_none() {
                    problems.query(
                        "mode",
                        "value is not a valid enumeration member; permitted: 'profile', 'hashtag'",
                        NOT_A_CHOICE,
                    );
                }
                mode
            }),
            value: name(problems, "value", self.value, ScrapeValue::parse),
            author_username: name(problems, "author_username", self.author_username, AuthorUsername::parse),
            hashtag: name(problems, "hashtag", self.hashtag, Hashtag::parse),
            status: given(self.status).and_then(|raw| {
                let status = VideoStatus::parse(&raw);
                if status.is_none() {
                    let words: Vec<String> = VideoStatus::ALL.iter().map(|s| format!("'{s}'")).collect();
                    let msg = format!("value is not a valid enumeration member; permitted: {}", words.join(", "));
                    problems.query("status", msg, NOT_A_CHOICE);
                }
                status
            }),
            job_id: None,
            run_id: None,
        };
        (filter, page(problems, self.limit, self.offset))
    }
}

/// The family's `limit` (1 to 200, default 50) and `offset` (default 0).
pub(super) fn page(problems: &mut Problems, limit: Option<String>, offset: Option<String>) -> PageRequest {
    let limit = match integer(problems, "limit", limit) {
        Some(0) => {
            problems.query("limit", "ensure this value is greater than or equal to 1", TOO_SMALL);
            DEFAULT_LIMIT
        }
        Some(n) if n > u64::from(MAX_LIMIT) => {
            problems.query("limit", format!("ensure this value is less than or equal to {MAX_LIMIT}"), TOO_BIG);
            DEFAULT_LIMIT
        }
        Some(n) => u32::try_from(n).unwrap_or(DEFAULT_LIMIT),
        None => DEFAULT_LIMIT,
    };
    let offset = integer(problems, "offset", offset).unwrap_or(0);
    PageRequest { offset, limit, cursor: None }
}

/// An empty parameter (`?status=`) filters nothing, as leaving it out does.
pub(super) fn given(raw: Option<String>) -> Option<String> {
    raw.filter(|r| !r.is_empty())
}

fn name<T>(
    problems: &mut Problems,
    param: &str,
    raw: Option<String>,
    parse: fn(&str) -> Result<T, NameError>,
) -> Option<T> {
    let raw = given(raw)?;
    parse(&raw).map_err(|err| problems.query(param, err.to_string(), INVALID)).ok()
}

/// A non-negative integer; a sign, a fraction or a word is refused.
fn integer(problems: &mut Problems, param: &str, raw: Option<String>) -> Option<u64> {
    let raw = given(raw)?;
    match raw.parse::<u64>() {
        Ok(n) => Some(n),
        Err(_) if raw.strip_prefix('-').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) => {
            problems.query(param, "ensure this value is greater than or equal to 0", TOO_SMALL);
            None
        }
        Err(_) => {
            problems.query(param, "value is not a valid integer", NOT_AN_INTEGER);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::body::parse_query;

    fn read(query: &str) -> Result<(VideoFilter, PageRequest), String> {
        let parsed: VideoListQuery = parse_query(Some(query)).map_err(|e| e.message)?;
        let mut problems = Problems::default();
        let read = parsed.read(&mut problems);
        problems.into_result().map(|()| read).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn defaults_and_every_filter() {
        let (filter, page) = read("").unwrap();
        assert_eq!((filter, page), (VideoFilter::default(), PageRequest { offset: 0, limit: 50, cursor: None }));
        let (filter, page) =
            read("mode=profile&value=@Khaby.Lame&author_username=KHABY.lame&hashtag=%23Funny&status=uploaded&limit=200&offset=7")
                .unwrap();
        assert_eq!(filter.mode, Some(ScrapeMode::Profile));
        assert_eq!(filter.value.as_ref().map(ScrapeValue::as_str), Some("khaby.lame"));
        assert_eq!(filter.author_username.as_ref().map(AuthorUsername::as_str), Some("khaby.lame"));
        assert_eq!(filter.hashtag.as_ref().map(Hashtag::as_str), Some("funny"));
        assert_eq!(filter.status, Some(VideoStatus::Uploaded));
        assert_eq!((page.limit, page.offset), (200, 7));
        assert_eq!(read("status=&mode=&limit=").unwrap().0, VideoFilter::default(), "empty means absent");
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let err = read("mode=channel&status=done&hashtag=a%23b&value=two%20words&limit=0&offset=-1").unwrap_err();
        for param in ["mode", "status", "hashtag", "value", "limit", "offset"] {
            assert!(err.contains(&format!("Name(\"{param}\")")), "{param} in {err}");
        }
        assert!(read("limit=201").unwrap_err().contains("less than or equal to 200"));
        assert!(read("limit=ten").unwrap_err().contains(NOT_AN_INTEGER));
        assert!(read("offset=1.5").unwrap_err().contains(NOT_AN_INTEGER));
        assert!(read("author_username=a%0Ab").is_err());
    }
}
