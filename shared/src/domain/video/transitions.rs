//! The moves a video may make. Each returns the next state, with its version bumped and its
//! update time set, and leaves `self` as it was: the caller writes the new state under
//! `self.version`, so a concurrent change makes the write fail instead of being overwritten.

use chrono::{DateTime, Utc};

use super::{ObjectKey, Tombstone, TombstoneCause, Video, VideoFailure, VideoMetadata, VideoStatus};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a video that is {from} cannot {action}")]
    NotFrom { from: VideoStatus, action: &'static str },
    /// Deleted videos do not move until retried.
    #[error("the video was deleted; retry it first")]
    Tombstoned,
    #[error("the video is already deleted")]
    AlreadyTombstoned,
}

impl Video {
    fn next(&self, now: DateTime<Utc>) -> Self {
        let mut next = self.clone();
        next.updated_at = now;
        next.version += 1;
        next
    }

    /// Moves from `from` to `to`, refusing from any other status and while deleted.
    fn step(
        &self,
        from: &[VideoStatus],
        to: VideoStatus,
        action: &'static str,
        now: DateTime<Utc>,
    ) -> Result<Self, TransitionError> {
        if self.tombstone.is_some() {
            return Err(TransitionError::Tombstoned);
        }
        if !from.contains(&self.status) {
            return Err(TransitionError::NotFrom { from: self.status, action });
        }
        let mut next = self.next(now);
        next.status = to;
        Ok(next)
    }

    /// `pending → downloading`, counting the attempt.
    pub fn start_download(&self, now: DateTime<Utc>) -> Result<Self, TransitionError> {
        let mut next = self.step(&[VideoStatus::Pending], VideoStatus::Downloading, "start downloading", now)?;
        next.attempts = next.attempts.saturating_add(1);
        Ok(next)
    }

    /// `downloading → downloaded`, with the file's size.
    pub fn finish_download(&self, file_size: u64, now: DateTime<Utc>) -> Result<Self, TransitionError> {
        let mut next = self.step(&[VideoStatus::Downloading], VideoStatus::Downloaded, "finish downloading", now)?;
        next.metadata.file_size = Some(file_size);
        Ok(next)
    }

    /// `downloaded → uploading`.
    pub fn start_upload(&self, now: DateTime<Utc>) -> Result<Self, TransitionError> {
        self.step(&[VideoStatus::Downloaded], VideoStatus::Uploading, "start uploading", now)
    }

    /// `uploading → uploaded`, with where the file and its sidecar are.
    pub fn finish_upload(
        &self,
        video_key: ObjectKey,
        sidecar_key: Option<ObjectKey>,
        now: DateTime<Utc>,
    ) -> Result<Self, TransitionError> {
        let mut next = self.step(&[VideoStatus::Uploading], VideoStatus::Uploaded, "finish uploading", now)?;
        next.video_key = Some(video_key);
        next.sidecar_key = sidecar_key;
        next.stored_at = Some(now);
        next.failure = None;
        Ok(next)
    }

    /// Any status on the way to the store → `failed`, with why.
    pub fn fail(&self, failure: VideoFailure, now: DateTime<Utc>) -> Result<Self, TransitionError> {
        let in_flight = VideoStatus::ALL.into_iter().filter(|s| s.is_in_flight()).collect::<Vec<_>>();
        let mut next = self.step(&in_flight, VideoStatus::Failed, "fail", now)?;
        next.failure = Some(failure);
        Ok(next)
    }

    /// Downloading, downloaded or uploading → `pending`: for a video left there by a run that
    /// died (a crash, a killed process, a Lambda past its deadline), which no run would
    /// otherwise ever take up again. The caller judges that it was left, by its age.
    pub fn reclaim(&self, now: DateTime<Utc>) -> Result<Self, TransitionError> {
        let started = [VideoStatus::Downloading, VideoStatus::Downloaded, VideoStatus::Uploading];
        let mut next = self.step(&started, VideoStatus::Pending, "be reclaimed", now)?;
        next.failure = None;
        Ok(next)
    }

    /// Back to `pending` so that it is fetched again now: the way out of `failed`, the only way
    /// back from `uploaded`, and the way to undo a deletion (whatever the status). A video on its
    /// way to the store is not retried while listed: it is going already.
    pub fn retry(&self, now: DateTime<Utc>) -> Result<Self, TransitionError> {
        let retryable = matches!(self.status, VideoStatus::Failed | VideoStatus::Uploaded);
        if self.tombstone.is_none() && !retryable {
            return Err(TransitionError::NotFrom { from: self.status, action: "be retried" });
        }
        let mut next = self.next(now);
        next.status = VideoStatus::Pending;
        next.failure = None;
        next.tombstone = None;
        Ok(next)
    }

    /// Deletes the record, not the file: it leaves every listing and count, and the download
    /// archive remembers it. Any status may be deleted; a run still fetching it finds the
    /// version changed on its next write.
    pub fn tombstone(&self, cause: TombstoneCause, now: DateTime<Utc>) -> Result<Self, TransitionError> {
        if self.tombstone.is_some() {
            return Err(TransitionError::AlreadyTombstoned);
        }
        let mut next = self.next(now);
        next.tombstone = Some(Tombstone { at: now, cause });
        Ok(next)
    }

    /// Pins or unpins it, in any status: a video pinned before its file is stored is kept once it
    /// is. A deleted video has nothing left to keep.
    pub fn pin(&self, pinned: bool, now: DateTime<Utc>) -> Result<Self, TransitionError> {
        if self.tombstone.is_some() {
            return Err(TransitionError::Tombstoned);
        }
        let mut next = self.next(now);
        next.pinned = pinned;
        Ok(next)
    }

    /// Replaces what the platform says about it (a download's info JSON tells more than a
    /// listing page). Allowed in every state: it does not move the video.
    pub fn with_metadata(&self, metadata: VideoMetadata, now: DateTime<Utc>) -> Self {
        let mut next = self.next(now);
        next.metadata = metadata.bounded();
        next
    }
}
