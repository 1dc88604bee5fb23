//! What the download archive's answer means for a video a listing found.

use chrono::{DateTime, Utc};

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
    /// Left on its way to the store longer than any run takes: its run died. Move it back to
    /// pending, then fetch it.
    Reclaim(VideoId),
    /// Stored, deleted, failed for good, or in another run's hands.
    Skip,
}

/// Failed videos are picked up again when their failure may pass (rate limits, network), so a
/// video that once met a 429 is not lost for good: users of Pinchflat complain that its failed
/// downloads never retry. A video that is gone or private, or that the extractor cannot read,
/// stays failed until someone retries it; fetching it on every run would only fail again.
/// Deleted videos stay deleted, whatever their failure: only an explicit retry brings one back.
///
/// A video on its way to the store is another run's, unless it has not moved for
/// [`LEFT_IN_FLIGHT_HOURS`]: then that run died with it (every step of a download writes the
/// record), and without this it would be skipped by every run for good.
pub(super) fn decide(archived: &Archived, now: DateTime<Utc>) -> Decision {
    match archived {
        Archived::Unknown => Decision::Record,
        Archived::Stored(_) | Archived::Tombstoned(_) => Decision::Skip,
        Archived::Recorded(video) => match video.status {
            VideoStatus::Pending => Decision::Fetch(video.id),
            VideoStatus::Failed if video.failure.as_ref().is_none_or(may_pass) => Decision::Retry(video.id),
            status if status.is_in_flight() && now - video.updated_at >= left_in_flight() => {
                Decision::Reclaim(video.id)
            }
            _ => Decision::Skip,
        },
    }
}

/// Far longer than one step of a download takes (a scrape's default timeout is one hour), so
/// that a slow download of a live run is never taken from it.
pub(super) const LEFT_IN_FLIGHT_HOURS: i64 = 6;

fn left_in_flight() -> chrono::Duration {
    chrono::Duration::hours(LEFT_IN_FLIGHT_HOURS)
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

    fn decide_now(archived: &Archived) -> Decision {
        decide(archived, t0())
    }

    fn failed(class: FailureClass) -> Archived {
        let v = video("1").start_download(t0()).unwrap().fail(VideoFailure::new(class, "x"), t0()).unwrap();
        Archived::of(Some(v))
    }

    #[test]
    fn only_failures_that_may_pass_are_retried() {
        let id = video("1").id;
        assert_eq!(decide_now(&failed(FailureClass::RateLimited)), Decision::Retry(id));
        assert_eq!(decide_now(&failed(FailureClass::Network)), Decision::Retry(id));
        for class in [FailureClass::NotFound, FailureClass::Extractor, FailureClass::Storage] {
            assert_eq!(decide_now(&failed(class)), Decision::Skip, "{class:?}");
        }
    }

    #[test]
    fn new_and_waiting_videos_are_fetched_and_the_rest_skipped() {
        let pending = video("1");
        assert_eq!(decide_now(&Archived::Unknown), Decision::Record);
        assert_eq!(decide_now(&Archived::of(Some(pending.clone()))), Decision::Fetch(pending.id));
        let downloading = pending.start_download(t0()).unwrap();
        assert_eq!(decide_now(&Archived::of(Some(downloading))), Decision::Skip, "another run has it");
        let deleted = pending.tombstone(TombstoneCause::User, t0()).unwrap();
        assert_eq!(decide_now(&Archived::of(Some(deleted))), Decision::Skip);
    }

    #[test]
    fn a_deleted_failure_stays_deleted() {
        let Archived::Recorded(v) = failed(FailureClass::Network) else { panic!("recorded") };
        let deleted = v.tombstone(TombstoneCause::Retention, t0()).unwrap();
        assert_eq!(decide_now(&Archived::of(Some(deleted))), Decision::Skip);
    }

    #[test]
    fn a_video_left_in_flight_by_a_dead_run_is_reclaimed_and_a_live_one_is_not() {
        let pending = video("1");
        let left = [
            pending.start_download(t0()).unwrap(),
            pending.start_download(t0()).unwrap().finish_download(5, t0()).unwrap(),
            pending.start_download(t0()).unwrap().finish_download(5, t0()).unwrap().start_upload(t0()).unwrap(),
        ];
        let hours = |h| t0() + chrono::Duration::hours(h);
        for video in left {
            let archived = Archived::of(Some(video.clone()));
            assert_eq!(decide(&archived, hours(LEFT_IN_FLIGHT_HOURS - 1)), Decision::Skip, "{:?}", video.status);
            assert_eq!(
                decide(&archived, hours(LEFT_IN_FLIGHT_HOURS)),
                Decision::Reclaim(video.id),
                "{:?}",
                video.status
            );
            let reclaimed = video.reclaim(hours(LEFT_IN_FLIGHT_HOURS)).unwrap();
            assert_eq!((reclaimed.status, reclaimed.failure), (VideoStatus::Pending, None));
        }
        let deleted = pending.start_download(t0()).unwrap().tombstone(TombstoneCause::User, t0()).unwrap();
        assert_eq!(decide(&Archived::of(Some(deleted.clone())), hours(100)), Decision::Skip, "deleted stays deleted");
        assert!(deleted.reclaim(hours(100)).is_err());
        assert!(pending.reclaim(t0()).is_err(), "only a video on its way is reclaimed");
    }
}
