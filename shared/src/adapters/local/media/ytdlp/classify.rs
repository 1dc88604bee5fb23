//! Turns what a failed yt-dlp run said into the class a scrape run acts on. yt-dlp has no
//! machine-readable error codes: its exit code is 1 for every failure, so the class comes from
//! the `ERROR:` lines it writes to stderr, which quote the HTTP status or the extractor's words.

use std::time::Duration;

use crate::domain::video::{FailureClass, VideoFailure};
use crate::ports::FetchError;

/// The first lines of a failure say what went wrong; the rest is usually a traceback.
const MESSAGE_LINES: usize = 5;

const STORAGE: &[&str] = &["no space left", "errno 28", "disk quota exceeded"];

/// The phrases of each class, in the order [`line_class`] tries them: a block first, because a
/// blocked page often reads as a missing one too; a missing video before the network, because
/// "Unable to download webpage: HTTP Error 404" is both.
const RULES: [(FailureClass, &[&str]); 4] = [
    (
        FailureClass::RateLimited,
        &[
            "http error 429",
            "too many requests",
            "rate limit",
            "rate-limit",
            "ratelimit",
            "captcha",
            "blocked",
            "http error 403",
            "forbidden",
            "sign in to confirm",
        ],
    ),
    (
        FailureClass::NotFound,
        &[
            "http error 404",
            "http error 410",
            "private video",
            "is private",
            "account is private",
            "video unavailable",
            "is unavailable",
            "video is not available",
            "content is not available",
            "not available in your country",
            "has been removed",
            "was removed",
            "removed by",
            "has been deleted",
            "does not exist",
            "no longer exists",
        ],
    ),
    (
        FailureClass::Network,
        &[
            "timed out",
            "timeout",
            "connection refused",
            "connection reset",
            "connection aborted",
            "remote end closed",
            "network is unreachable",
            "no route to host",
            "name or service not known",
            "temporary failure in name resolution",
            "incompleteread",
            "eof occurred",
            "ssl:",
            "urlopen error",
            "transporterror",
        ],
    ),
    (FailureClass::Extractor, &["unsupported url", "unable to extract", "no video formats found"]),
];

/// The class and message of a run that failed (`exit_code` other than 0 and 101), from its
/// stderr. Unrecognized failures are taken for a broken extractor: not retried, and visible.
pub(super) fn classify(exit_code: Option<i32>, stderr: &str) -> FetchError {
    let errors: Vec<&str> = stderr.lines().map(str::trim).filter(|l| l.starts_with("ERROR:")).collect();
    let said: Vec<&str> =
        if errors.is_empty() { stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect() } else { errors };
    let class = said.iter().find_map(|line| line_class(line)).unwrap_or(FailureClass::Extractor);
    let mut message = said.iter().take(MESSAGE_LINES).copied().collect::<Vec<_>>().join("\n");
    if message.is_empty() {
        message = match exit_code {
            Some(code) => format!("yt-dlp failed with exit code {code} and said nothing"),
            None => "yt-dlp was killed by a signal and said nothing".to_owned(),
        };
    }
    let retry_after = said.iter().find_map(|line| retry_after(line));
    FetchError { class, message: bounded(class, message), retry_after }
}

/// What yt-dlp said after it gave up a download from a loaded info JSON and went to the page
/// instead (its warning "The info failed to download: …; trying with URL …"): the page's
/// failure is the video's, where the info's (an expired format URL answering 403, say) is not.
/// Whether it made that turn, and what it said after it (all of it when it did not).
pub(super) fn after_fallback(stderr: &str) -> (bool, &str) {
    const TURN: &str = "The info failed to download:";
    let Some(at) = stderr.rfind(TURN) else { return (false, stderr) };
    let rest = &stderr[at..];
    (true, rest.find('\n').map_or("", |end| &rest[end + 1..]))
}

/// The class one line names, if any.
pub(super) fn line_class(line: &str) -> Option<FailureClass> {
    let lower = line.to_lowercase();
    if STORAGE.iter().any(|p| lower.contains(p)) {
        return Some(FailureClass::Storage);
    }
    let named =
        |class: FailureClass| RULES.iter().any(|(c, phrases)| *c == class && phrases.iter().any(|p| lower.contains(p)));
    if named(FailureClass::RateLimited) {
        return Some(FailureClass::RateLimited);
    }
    // "HTTP Error 503: Service Unavailable" is the server's trouble, not a missing video.
    if server_error(&lower) {
        return Some(FailureClass::Network);
    }
    [FailureClass::NotFound, FailureClass::Network, FailureClass::Extractor].into_iter().find(|c| named(*c))
}

/// `HTTP Error 5xx`: the platform's own trouble, worth another try.
fn server_error(lower: &str) -> bool {
    lower.match_indices("http error 5").any(|(at, found)| {
        let rest = &lower.as_bytes()[at + found.len()..];
        rest.len() >= 2 && rest[..2].iter().all(u8::is_ascii_digit)
    })
}

/// A wait the text asks for: "Retry-After: 30", "retry after 2 minutes", "try again in 10 s".
fn retry_after(line: &str) -> Option<Duration> {
    let lower = line.to_lowercase();
    ["retry-after", "retry after", "try again in", "try again after"].iter().find_map(|key| {
        let at = lower.find(key)? + key.len();
        let rest = lower[at..].trim_start_matches([':', ' ', '=']);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let amount: u64 = digits.parse().ok()?;
        let unit = rest[digits.len()..].trim_start();
        let seconds = if unit.starts_with("h") {
            amount.saturating_mul(3600)
        } else if unit.starts_with("min") || unit.starts_with("m ") || unit == "m" {
            amount.saturating_mul(60)
        } else {
            amount
        };
        Some(Duration::from_secs(seconds))
    })
}

/// A message cut the way a video's stored failure is.
pub(super) fn bounded(class: FailureClass, message: String) -> String {
    VideoFailure::new(class, message).message
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
