use std::time::Duration;

use super::*;

fn class_of(stderr: &str) -> FailureClass {
    classify(Some(1), stderr).class
}

#[test]
fn rate_limits_and_blocks() {
    for line in [
        "ERROR: [TikTok] 7100: Unable to download webpage: HTTP Error 429: Too Many Requests",
        "ERROR: [generic] Unable to download webpage: HTTP Error 403: Forbidden (caused by <HTTPError 403>)",
        "ERROR: [TikTok] 7100: Your IP address is blocked from accessing this post",
        "ERROR: [youtube] abc: Sign in to confirm you're not a bot",
        "ERROR: [TikTok] user: Please solve the captcha to continue",
        "ERROR: You have hit the rate limit",
    ] {
        assert_eq!(class_of(line), FailureClass::RateLimited, "{line}");
    }
}

#[test]
fn missing_private_and_removed_videos() {
    for line in [
        "ERROR: unable to download video data: HTTP Error 404: Not Found",
        "ERROR: [generic] Unable to download webpage: HTTP Error 404: Not Found (caused by <HTTPError 404>)",
        "ERROR: [TikTok] 7100: This post may not be comfortable for some audiences. Log in for access. Video unavailable",
        "ERROR: [TikTok] 7100: This account is private",
        "ERROR: [youtube] abc: Private video. Sign in if you've been granted access to this video",
        "ERROR: [youtube] abc: This video has been removed by the uploader",
        "ERROR: [instagram] abc: This content is not available in your country",
    ] {
        assert_eq!(class_of(line), FailureClass::NotFound, "{line}");
    }
}

#[test]
fn broken_extractors_and_unsupported_urls() {
    for line in [
        "ERROR: Unsupported URL: https://example.com/nothing-here",
        "ERROR: [TikTok] 7100: Unable to extract universal data for rehydration; please report this issue",
        "ERROR: [generic] abc: No video formats found!",
    ] {
        assert_eq!(class_of(line), FailureClass::Extractor, "{line}");
    }
}

#[test]
fn timeouts_connection_errors_and_server_errors() {
    for line in [
        "ERROR: [generic] Unable to download webpage: The read operation timed out",
        "ERROR: [generic] Unable to download webpage: <urlopen error [Errno 111] Connection refused>",
        "ERROR: [generic] Unable to download webpage: [Errno -3] Temporary failure in name resolution",
        "ERROR: unable to download video data: HTTP Error 500: Internal Server Error",
        "ERROR: unable to download video data: HTTP Error 503: Service Unavailable",
        "ERROR: [download] Got error: Connection reset by peer",
    ] {
        assert_eq!(class_of(line), FailureClass::Network, "{line}");
    }
}

#[test]
fn a_full_disk_is_storage_even_when_it_quotes_another_error() {
    let stderr = "ERROR: unable to write data: [Errno 28] No space left on device: 'video.mp4.part'";
    assert_eq!(class_of(stderr), FailureClass::Storage);
}

#[test]
fn error_lines_decide_over_warnings() {
    let stderr = "WARNING: [TikTok] HTTP Error 429 once, retrying\n\
                  WARNING: something else\n\
                  ERROR: unable to download video data: HTTP Error 404: Not Found\n";
    let error = classify(Some(1), stderr);
    assert_eq!(error.class, FailureClass::NotFound);
    assert_eq!(error.message, "ERROR: unable to download video data: HTTP Error 404: Not Found");
}

#[test]
fn an_unrecognized_failure_is_an_extractor_failure_and_silence_says_so() {
    assert_eq!(class_of("ERROR: something nobody has seen before"), FailureClass::Extractor);
    let silent = classify(Some(2), "");
    assert_eq!(silent.class, FailureClass::Extractor);
    assert!(silent.message.contains("exit code 2"), "{}", silent.message);
    assert!(classify(None, "\n").message.contains("signal"));
}

#[test]
fn the_wait_a_platform_asks_for_is_kept() {
    let cases = [
        ("ERROR: HTTP Error 429: Too Many Requests; Retry-After: 30", Some(30)),
        ("ERROR: rate limited, please try again in 2 minutes", Some(120)),
        ("ERROR: blocked; retry after 1 hour", Some(3600)),
        ("ERROR: HTTP Error 429: Too Many Requests", None),
    ];
    for (line, seconds) in cases {
        let error = classify(Some(1), line);
        assert_eq!(error.class, FailureClass::RateLimited, "{line}");
        assert_eq!(error.retry_after, seconds.map(Duration::from_secs), "{line}");
    }
}

#[test]
fn messages_keep_the_first_lines_within_the_stored_budget() {
    let many: String = (0..20).map(|i| format!("ERROR: failure number {i}\n")).collect();
    let error = classify(Some(1), &many);
    assert_eq!(error.message.lines().count(), MESSAGE_LINES);
    assert!(error.message.starts_with("ERROR: failure number 0"));

    let long = format!("ERROR: {}", "é".repeat(VideoFailure::MESSAGE_BUDGET));
    let error = classify(Some(1), &long);
    assert!(error.message.len() <= VideoFailure::MESSAGE_BUDGET);
}

#[test]
fn after_a_turn_to_the_page_only_the_pages_failure_counts() {
    let stderr = "ERROR: unable to download video data: HTTP Error 403: Forbidden\n\
                  WARNING: The info failed to download: ERROR: unable to download video data: HTTP Error 403: \
                  Forbidden; trying with URL https://x.test/v/1\n\
                  ERROR: [generic] 1: Unable to download webpage: HTTP Error 404: Not Found\n";
    let (turned, said) = after_fallback(stderr);
    assert!(turned);
    assert_eq!(classify(Some(1), said).class, FailureClass::NotFound, "not the expired format's 403");
    let plain = "ERROR: unable to download video data: HTTP Error 403: Forbidden\n";
    assert_eq!(after_fallback(plain), (false, plain));
}
