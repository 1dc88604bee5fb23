//! A cancel in the middle of a run.

use std::num::NonZeroUsize;

use super::*;
use crate::domain::execution::ExecutionStatus;
use crate::domain::video::{FailureClass, VideoStatus};
use crate::test_support::video_source::body_of;

#[tokio::test]
async fn a_cancel_mid_run_keeps_what_was_stored_and_leaves_the_rest_for_the_next_run() {
    let mut h = Harness::new();
    h.settings.downloads_at_once = NonZeroUsize::new(1).unwrap();
    for id in ["a", "b", "c"] {
        h.source.add(id);
    }
    h.source.hold();
    h.source.release(1);
    let request = h.request("khaby.lame").await;
    let cancel = CancellationToken::new();
    let running = tokio::spawn({
        let (scraper, clock, cancel) = (h.scraper(), h.clock.clone(), cancel.clone());
        async move { driven(&clock, scraper.run(request, cancel)).await }
    });
    h.source.until("the second download held", |o| o.finished == 1 && o.in_flight == 1).await;
    // The listing goes on beside the downloads: wait until it has recorded the last one too.
    h.until_recorded("c").await;

    cancel.cancel();
    let outcome = running.await.unwrap();

    assert_eq!(outcome.status, ExecutionStatus::Cancelled, "{outcome:?}");
    assert_eq!(counts(&outcome), [3, 1, 0, 0]);
    assert_eq!(h.video("a").await.status, VideoStatus::Uploaded);
    assert_eq!(h.object(&format!("{FOLDER}/a.mp4")).await, body_of("a"));
    let interrupted = h.video("b").await;
    assert_eq!(interrupted.status, VideoStatus::Failed);
    assert_eq!(interrupted.failure.map(|f| f.class), Some(FailureClass::Network), "one the next run picks up");
    assert_eq!(h.video("c").await.status, VideoStatus::Pending);
    assert_eq!(h.source.observed().downloads_of("c"), 0, "nothing starts after a cancel");
    assert_eq!(h.work_leftovers(), Vec::<std::path::PathBuf>::new());

    h.source.release(10);
    let (next, _) = h.run().await;
    assert_eq!(counts(&next), [3, 2, 0, 1]);
    for id in ["b", "c"] {
        assert_eq!(h.video(id).await.status, VideoStatus::Uploaded, "{id}");
    }
}

#[tokio::test]
async fn a_cancel_before_the_listing_ends_starts_nothing() {
    let h = Harness::new();
    h.source.add("a");
    let request = h.request("khaby.lame").await;
    let cancel = CancellationToken::new();
    cancel.cancel();
    let outcome = h.scraper().run(request, cancel).await;
    assert_eq!(outcome.status, ExecutionStatus::Cancelled);
    assert_eq!(h.source.observed().downloads.len(), 0);
}
