//! The shared platform limiter and the number of downloads at once.

use std::num::NonZeroUsize;

use super::*;
use crate::domain::video::{FailureClass, VideoStatus};
use crate::ports::FetchError;

#[tokio::test]
async fn a_429_on_one_run_slows_the_next_request_of_another() {
    let first = Harness::new().with_attempts(1);
    let second = first.sibling();
    first.source.add("a");
    second.source.add("b");
    let mut limited = FetchError::new(FailureClass::RateLimited, "HTTP Error 429: Too Many Requests");
    limited.retry_after = Some(secs(30));
    first.source.fail_next("a", limited);

    let (outcome, _) = first.run().await;
    assert_eq!(counts(&outcome), [1, 0, 1, 0]);
    let limited_at = first.source.observed().downloads[0].1;
    let pace = &first.limiter.paces()[0];
    assert!(pace.slowed);
    assert_eq!(pace.paused_until, Some(limited_at + chrono::Duration::seconds(30)));

    let (other, _) = second.run().await;

    assert_eq!(counts(&other), [1, 1, 0, 0]);
    let (_, started) = second.source.observed().downloads[0];
    assert_eq!(started, limited_at + chrono::Duration::seconds(30), "waited out the platform's pause");
    assert_eq!(second.video("b").await.status, VideoStatus::Uploaded);
}

#[tokio::test]
async fn a_rate_limited_download_is_retried_once_the_platform_lets_it() {
    let h = Harness::new();
    h.source.add("a");
    let mut limited = FetchError::new(FailureClass::RateLimited, "blocked");
    limited.retry_after = Some(secs(45));
    h.source.fail_next("a", limited);

    let (outcome, _) = h.run().await;

    assert_eq!(counts(&outcome), [1, 1, 0, 0]);
    let starts: Vec<_> = h.source.observed().downloads.iter().map(|(_, at)| *at).collect();
    assert_eq!(starts.len(), 2);
    assert!(starts[1] - starts[0] >= chrono::Duration::seconds(45), "{starts:?}");
}

#[tokio::test]
async fn never_more_than_n_downloads_at_once() {
    let mut h = Harness::new();
    h.settings.downloads_at_once = NonZeroUsize::new(2).unwrap();
    for id in ["a", "b", "c", "d", "e"] {
        h.source.add(id);
    }
    h.source.hold();
    let request = h.request("khaby.lame").await;
    let running = tokio::spawn({
        let (scraper, clock) = (h.scraper(), h.clock.clone());
        async move { driven(&clock, scraper.run(request, CancellationToken::new())).await }
    });

    let mut seen = h.source.until("two downloads under way", |o| o.in_flight >= 2).await;
    for done in 1..=3 {
        assert_eq!(seen.downloads.len(), done + 1, "a third started before one ended: {seen:?}");
        h.source.release(1);
        seen = h.source.until("the next download", |o| o.finished == done && o.in_flight == 2).await;
    }
    h.source.release(2);
    let outcome = running.await.unwrap();

    assert_eq!(counts(&outcome), [5, 5, 0, 0]);
    assert_eq!(h.source.observed().max_in_flight, 2);
}

#[tokio::test]
async fn free_space_under_the_floor_fails_videos_as_storage_and_downloads_nothing() {
    let mut h = Harness::new();
    h.settings.free_space_floor = u64::MAX;
    h.source.add("a");
    h.source.add("b");

    let (outcome, _) = h.run().await;

    assert_eq!(outcome.status, crate::domain::execution::ExecutionStatus::Succeeded);
    assert_eq!(counts(&outcome), [2, 0, 2, 0]);
    assert_eq!(outcome.result.as_ref().unwrap()["disk_low"], true);
    assert!(outcome.error.as_deref().unwrap().contains("free-space floor"), "{outcome:?}");
    assert_eq!(h.source.observed().downloads.len(), 0);
    for id in ["a", "b"] {
        let video = h.video(id).await;
        assert_eq!(video.status, VideoStatus::Failed);
        assert_eq!(video.failure.map(|f| f.class), Some(FailureClass::Storage));
    }
}
