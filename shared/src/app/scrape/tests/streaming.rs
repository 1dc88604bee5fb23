//! Downloads that start while the listing goes on, and listings that fail after finding videos.

use std::num::NonZeroUsize;

use super::*;
use crate::domain::execution::ExecutionStatus;
use crate::domain::video::{FailureClass, VideoStatus};
use crate::test_support::video_source::fetch_error;

#[tokio::test]
async fn the_first_video_is_fetched_while_the_listing_still_goes_on() {
    let mut h = Harness::new();
    h.settings.downloads_at_once = NonZeroUsize::new(1).unwrap();
    for id in ["a", "b", "c"] {
        h.source.add(id);
    }
    h.source.hold_listing_after(1);
    let request = h.request("khaby.lame").await;
    let running = tokio::spawn({
        let (scraper, clock) = (h.scraper(), h.clock.clone());
        async move { driven(&clock, scraper.run(request, CancellationToken::new())).await }
    });

    h.until_video("a", "stored", |v| v.status == VideoStatus::Uploaded).await;
    let seen = h.source.observed();
    assert_eq!((seen.listings_ended, seen.downloads.len()), (0, 1), "the listing is still held: {seen:?}");
    h.source.release_listing();
    let outcome = running.await.unwrap();

    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    assert_eq!(counts(&outcome), [3, 3, 0, 0]);
    assert_eq!(h.source.observed().downloads.len(), 3);
}

#[tokio::test]
async fn a_listing_throttled_for_good_after_finding_videos_fails_the_run_but_keeps_them() {
    let h = Harness::new().with_attempts(1);
    for id in ["a", "b"] {
        h.source.add(id);
    }
    h.source.fail_listing_after_sending(fetch_error(FailureClass::RateLimited));

    let (outcome, _) = h.run().await;

    assert_eq!(outcome.status, ExecutionStatus::Failed, "{outcome:?}");
    assert!(outcome.error.as_deref().unwrap().contains("rate_limited"), "{outcome:?}");
    assert_eq!(counts(&outcome), [2, 2, 0, 0]);
    for id in ["a", "b"] {
        assert_eq!(h.video(id).await.status, VideoStatus::Uploaded, "{id}");
    }
}

#[tokio::test]
async fn a_listing_tried_again_neither_fetches_nor_counts_its_videos_twice() {
    let h = Harness::new();
    for id in ["a", "b"] {
        h.source.add(id);
    }
    h.source.fail_listing_after_sending(fetch_error(FailureClass::Network));

    let (outcome, _) = h.run().await;

    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    assert_eq!(counts(&outcome), [2, 2, 0, 0]);
    let observed = h.source.observed();
    assert_eq!(observed.listings, 2);
    assert_eq!([observed.downloads_of("a"), observed.downloads_of("b")], [1, 1]);
}

#[tokio::test]
async fn the_limit_holds_against_a_source_that_sends_more() {
    let h = Harness::new();
    for id in ["a", "b", "c"] {
        h.source.add(id);
    }
    let mut request = h.request("khaby.lame").await;
    request.list.limit = 2;
    // The fake lists up to the limit it is given; a larger one makes it send all three.
    let source_limit = crate::ports::ListRequest { limit: 3, ..request.list.clone() };
    let only_two = LimitOverride { inner: h.source.clone(), list: source_limit };
    let mut ports = h.scraper_ports();
    ports.source = Arc::new(only_two);
    let scraper = Scraper::new(ports, h.limiter.clone(), h.settings.clone());

    let outcome = driven(&h.clock, scraper.run(request, CancellationToken::new())).await;

    assert_eq!(counts(&outcome), [2, 2, 0, 0]);
    assert_eq!(h.source.observed().downloads_of("c"), 0);
}

/// A source that lists with its own request whatever it is asked.
struct LimitOverride {
    inner: Arc<crate::test_support::video_source::FakeVideoSource>,
    list: crate::ports::ListRequest,
}

#[async_trait::async_trait]
impl crate::ports::VideoSource for LimitOverride {
    async fn list_into(
        &self,
        _request: &crate::ports::ListRequest,
        found: crate::ports::ListedSink,
        cancel: CancellationToken,
    ) -> Result<(), crate::ports::FetchError> {
        self.inner.list_into(&self.list, found, cancel).await
    }

    async fn download(
        &self,
        video: &crate::ports::ListedVideo,
        dir: &std::path::Path,
        no_watermark: bool,
        cancel: CancellationToken,
    ) -> Result<crate::ports::Downloaded, crate::ports::FetchError> {
        self.inner.download(video, dir, no_watermark, cancel).await
    }
}
