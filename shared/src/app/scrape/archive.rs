//! What the download archive's answer means for a video a listing found.

use crate::domain::video::{VideoFailure, VideoId, VideoStatus};
use crate::ports::{Archived, FetchError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// Never seen: record it, then fetch it.
    Record,
    /// Recorded and waiting (an earlier run was cancelled before it): fetch it.
    Fetch(VideoId),
    /// Failed in a way that may have passed: move it back to pending, then fetch it.
    Retry(VideoId),
    /// Stored, deleted, failed for good, or in another run's hands.
    Skip,
}

/// Failed videos are picked up again when their failure may pass (rate limits, network), so a
/// video that once met a 429 is not lost for good: users of Pinchflat complain that its failed
/// downloads never retry. A video that is gone or private, or that the extractor cannot read,
/// stays failed until someone retries it; fetching it on every run would only fail again.
/// Deleted videos stay deleted, whatever their failure: only an explicit retry brings one back.
pub(super) fn decide(archived: &Archived) -> Decision {
    match archived {
        Archived::Unknown => Decision::Record,
        Archived::Stored(_) | Archived::Tombstoned(_) => Decision::Skip,
        Archived::Recorded(video) => match video.status {
            VideoStatus::Pending => Decision::Fetch(video.id),
            VideoStatus::Failed if video.failure.as_ref().is_none_or(may_pass) => Decision::Retry(video.id),
            _ => Decision::Skip,
        },
    }
}

fn may_pass(failure: &VideoFailure) -> bool {
    // One rule for what is transient, the source port's, whether it failed now or in a past run.
    FetchError::new(failure.class, String::new()).is_transient()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::video::{FailureClass, TombstoneCause};
    use crate::test_support::fixtures::t0;
    use crate::test_support::videos::video;

    fn failed(class: FailureClass) -> Archived {
        let v = video("1").start_download(t0()).unwrap().fail(VideoFailure::new(class, "x"), t0()).unwrap();
        Archived::of(Some(v))
    }

    #[test]
    fn only_failures_that_may_pass_are_retried() {
        let id = video("1").id;
        assert_eq!(decide(&failed(FailureClass::RateLimited)), Decision::Retry(id));
        assert_eq!(decide(&failed(FailureClass::Network)), Decision::Retry(id));
        for class in [FailureClass::NotFound, FailureClass::Extractor, FailureClass::Storage] {
            assert_eq!(decide(&failed(class)), Decision::Skip, "{class:?}");
        }
    }

    #[test]
    fn new_and_waiting_videos_are_fetched_and_the_rest_skipped() {
        let pending = video("1");
        assert_eq!(decide(&Archived::Unknown), Decision::Record);
        assert_eq!(decide(&Archived::of(Some(pending.clone()))), Decision::Fetch(pending.id));
        let downloading = pending.start_download(t0()).unwrap();
        assert_eq!(decide(&Archived::of(Some(downloading))), Decision::Skip, "another run has it");
        let deleted = pending.tombstone(TombstoneCause::User, t0()).unwrap();
        assert_eq!(decide(&Archived::of(Some(deleted))), Decision::Skip);
    }

    #[test]
    fn a_deleted_failure_stays_deleted() {
        let Archived::Recorded(v) = failed(FailureClass::Network) else { panic!("recorded") };
        let deleted = v.tombstone(TombstoneCause::Retention, t0()).unwrap();
        assert_eq!(decide(&Archived::of(Some(deleted))), Decision::Skip);
    }
}
