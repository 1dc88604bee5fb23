//! `cleanup.videos` as a run: the uploaded videos under the task's prefix weighed by the plan
//! (`domain::retention`), then each chosen video's file and sidecar deleted and its record
//! tombstoned, so that a scheduled scrape does not fetch it again. A dry run stops after the plan.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::domain::execution::{Execution, ExecutionStatus, Progress};
use crate::domain::object_key::ObjectKey;
use crate::domain::retention::{Candidate, Rule, plan};
use crate::domain::task::RetentionTask;
use crate::domain::video::{TombstoneCause, Video, VideoStatus};
use crate::ports::{Clock, ExecutionStore, MAX_PAGE, ObjectStore, RunOutcome, VideoStore};

use super::stored_files::{delete_keys, uploaded_videos};
use super::video_cleanup::LISTED_ERRORS;

/// How many removed keys a run's result names; its counts stay exact past it.
pub const LISTED_KEYS: usize = 100;

/// Videos removed per round: a video and its sidecar are two keys, so one round is one S3
/// DeleteObjects request.
const ROUND: usize = MAX_PAGE as usize / 2;

/// Reads of the store in flight at once while a round checks its videos again.
const READS_AT_ONCE: usize = 8;

/// The stores a run reads and writes.
#[derive(Clone)]
pub struct VideoRetention {
    videos: Arc<dyn VideoStore>,
    objects: Arc<dyn ObjectStore>,
    executions: Arc<dyn ExecutionStore>,
    clock: Arc<dyn Clock>,
}

/// An uploaded video under the prefix, as the run holds it while it plans.
struct Stored {
    candidate: Candidate,
    video_key: ObjectKey,
    sidecar_key: Option<ObjectKey>,
}

/// Where a run stands: its result whenever it stops.
#[derive(Debug, Default)]
struct Tally {
    considered: u64,
    bytes_considered: u64,
    pinned: u64,
    pinned_bytes: u64,
    removed: u64,
    bytes_removed: u64,
    sidecars_removed: u64,
    by_rule: [u64; Rule::ALL.len()],
    removed_keys: Vec<String>,
    /// Chosen, but pinned, deleted or changed since the listing: left as they are.
    skipped: u64,
    failed: u64,
    errors: Vec<String>,
    progress: Progress,
}

enum Stop {
    Cancelled,
    Failed(String),
}

impl Tally {
    fn removed(&mut self, video: &Stored, rule: Rule) {
        self.removed += 1;
        self.bytes_removed = self.bytes_removed.saturating_add(video.candidate.bytes);
        self.by_rule[Rule::ALL.iter().position(|r| *r == rule).unwrap_or(0)] += 1;
        if self.removed_keys.len() < LISTED_KEYS {
            self.removed_keys.push(video.video_key.to_string());
        }
    }

    fn error(&mut self, message: String) {
        if self.errors.len() < LISTED_ERRORS {
            self.errors.push(message);
        }
    }

    fn result(&self, task: &RetentionTask) -> Value {
        let rules = task.rules();
        let by_rule: serde_json::Map<String, Value> =
            Rule::ALL.iter().zip(self.by_rule).map(|(rule, n)| (rule.as_str().to_owned(), json!(n))).collect();
        let bytes_kept = self.bytes_considered.saturating_sub(self.bytes_removed);
        let mut result = json!({
            "dry_run": task.dry_run(),
            "prefix": task.prefix(),
            "rules": {
                "older_than_days": rules.older_than_days(),
                "keep_newest": rules.keep_newest(),
                "max_bytes": rules.max_bytes(),
            },
            "videos_considered": self.considered,
            "bytes_considered": self.bytes_considered,
            "videos_removed": self.removed,
            "bytes_removed": self.bytes_removed,
            "sidecars_removed": self.sidecars_removed,
            "removed_by_rule": by_rule,
            "removed_keys": self.removed_keys,
            "videos_kept": self.considered - self.removed,
            "bytes_kept": bytes_kept,
            "kept_pinned": self.pinned,
            "pinned_bytes": self.pinned_bytes,
            "skipped": self.skipped,
            "videos_failed": self.failed,
            "errors": self.errors,
        });
        // Pinned videos never go, but what they weigh is part of what the quota allows: with
        // enough of them the prefix stays over it, whatever else goes.
        if let Some(max_bytes) = rules.max_bytes() {
            result["quota"] = json!({
                "max_bytes": max_bytes,
                "bytes_kept": bytes_kept,
                "pinned_bytes_counted": self.pinned_bytes,
                "exceeded": bytes_kept > max_bytes,
            });
        }
        result
    }
}

impl VideoRetention {
    pub fn new(
        videos: Arc<dyn VideoStore>,
        objects: Arc<dyn ObjectStore>,
        executions: Arc<dyn ExecutionStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { videos, objects, executions, clock }
    }

    /// Runs the task within `timeout`. Whatever stops it, the outcome's result says what was
    /// removed by then; a run where some video could not be removed fails, naming each one, with
    /// the others removed.
    pub async fn run(
        &self,
        execution: &Execution,
        task: &RetentionTask,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> RunOutcome {
        let mut tally = Tally::default();
        let work = tokio::time::timeout(timeout, self.work(execution, task, &mut tally, &cancel)).await;
        let (status, error) = match work {
            Err(_) => (ExecutionStatus::TimedOut, Some(format!("timed out after {} s", timeout.as_secs()))),
            Ok(Err(Stop::Cancelled)) => (ExecutionStatus::Cancelled, Some("cancelled".to_owned())),
            Ok(Err(Stop::Failed(why))) => (ExecutionStatus::Failed, Some(why)),
            Ok(Ok(())) if tally.failed == 0 => (ExecutionStatus::Succeeded, None),
            Ok(Ok(())) => (
                ExecutionStatus::Failed,
                Some(format!("{} of {} videos could not be removed", tally.failed, tally.progress.total)),
            ),
        };
        RunOutcome {
            status,
            result: Some(tally.result(task)),
            error,
            exit_code: None,
            stdout_tail: None,
            stderr_tail: None,
            progress: Some(tally.progress),
        }
    }

    async fn work(
        &self,
        execution: &Execution,
        task: &RetentionTask,
        tally: &mut Tally,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let prefix = task.prefix();
        let listed =
            uploaded_videos(self.videos.as_ref(), |video| stored_under(&prefix, video)).await.map_err(|err| {
                tracing::error!(error = %err, "video retention cannot list the stored videos");
                Stop::Failed("could not list the stored videos".to_owned())
            })?;
        let stored = self.weigh(listed).await;
        let candidates: Vec<Candidate> = stored.iter().map(|s| s.candidate.clone()).collect();
        tally.considered = stored.len() as u64;
        tally.bytes_considered = candidates.iter().fold(0, |sum, c| sum.saturating_add(c.bytes));
        let plan = plan(task.rules(), &candidates, self.clock.now());
        (tally.pinned, tally.pinned_bytes) = (plan.pinned, plan.pinned_bytes);
        tally.progress.total = plan.remove.len() as u64;
        self.report(execution, tally.progress).await;
        if task.dry_run() {
            for &(i, rule) in &plan.remove {
                tally.removed(&stored[i], rule);
                tally.sidecars_removed += u64::from(stored[i].sidecar_key.is_some());
            }
            tally.progress.processed = tally.progress.total;
            tally.progress.succeeded = tally.progress.total;
            return Ok(());
        }
        for round in plan.remove.chunks(ROUND) {
            if cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            let chosen: Vec<(&Stored, Rule)> = round.iter().map(|&(i, rule)| (&stored[i], rule)).collect();
            self.remove(chosen, tally).await;
            self.report(execution, tally.progress).await;
        }
        Ok(())
    }

    /// Each listed video as the plan weighs it. A record without its file's size has the object
    /// store asked for it; a file that is gone weighs nothing.
    async fn weigh(&self, listed: Vec<(Video, ObjectKey)>) -> Vec<Stored> {
        let weighed = listed.into_iter().map(|(video, video_key)| async move {
            let bytes = match video.metadata.file_size {
                Some(bytes) => bytes,
                None => match self.objects.head(&video_key).await {
                    Ok(info) => info.map_or(0, |i| i.size),
                    Err(err) => {
                        tracing::warn!(key = %video_key, error = %err, "cannot read a stored video's size");
                        0
                    }
                },
            };
            let sidecar_key = video.sidecar_key.clone().or_else(|| sidecar_beside(&video_key));
            let candidate = Candidate {
                id: video.id,
                stored_at: video.stored_since(),
                bytes,
                source: (video.mode, video.value),
                pinned: video.pinned,
            };
            Stored { candidate, video_key, sidecar_key }
        });
        // Gathered first: a stream over the closure itself is not provably `Send` for every lifetime.
        let weighed: Vec<_> = weighed.collect();
        futures_util::stream::iter(weighed).buffered(READS_AT_ONCE).collect().await
    }

    /// Removes one round of chosen videos: each is read again first, and left alone if it was
    /// pinned, deleted or stored anew since the listing; then the files go in one request, and the
    /// records of the videos whose file went are tombstoned.
    async fn remove(&self, chosen: Vec<(&Stored, Rule)>, tally: &mut Tally) {
        let reads: Vec<_> = chosen
            .into_iter()
            .map(|(video, rule)| async move { (video, rule, self.videos.get_video(video.candidate.id).await) })
            .collect();
        let reads: Vec<_> = futures_util::stream::iter(reads).buffered(READS_AT_ONCE).collect().await;
        let mut going = Vec::new();
        for (video, rule, read) in reads {
            match read {
                Ok(Some(now)) if still_removable(&now, video) => going.push((video, rule)),
                Ok(_) => {
                    tally.skipped += 1;
                    tally.progress.processed += 1;
                }
                Err(err) => {
                    tracing::error!(video = %video.candidate.id, error = %err, "video retention cannot read a video");
                    self.failed(tally, format!("Could not read video {}", video.candidate.id));
                }
            }
        }
        let keys: Vec<ObjectKey> =
            going.iter().flat_map(|(v, _)| std::iter::once(v.video_key.clone()).chain(v.sidecar_key.clone())).collect();
        let failed: HashMap<ObjectKey, String> = match delete_keys(self.objects.as_ref(), &keys).await {
            Ok(report) => report.failed.into_iter().collect(),
            Err(err) => {
                tracing::error!(error = %err, "video retention cannot delete stored files");
                keys.iter().map(|k| (k.clone(), "object store failure".to_owned())).collect()
            }
        };
        let now = self.clock.now();
        for (video, rule) in going {
            let id = video.candidate.id;
            if let Some(why) = failed.get(&video.video_key) {
                self.failed(tally, format!("Failed to remove video file {}: {why}", video.video_key));
                continue;
            }
            tally.removed(video, rule);
            let mut ok = true;
            match video.sidecar_key.as_ref().map(|key| (key, failed.get(key))) {
                Some((key, Some(why))) => {
                    tally.error(format!("Failed to remove metadata file {key}: {why}"));
                    ok = false;
                }
                Some((_, None)) => tally.sidecars_removed += 1,
                None => {}
            }
            // Its file is gone whatever happens here; a record left listed would point at nothing.
            if let Err(err) = self.videos.tombstone_video(id, TombstoneCause::Retention, now).await {
                tracing::error!(video = %id, error = %err, "video retention cannot tombstone a removed video");
                tally.error(format!("Removed {} but could not mark video {id} deleted", video.video_key));
                ok = false;
            }
            tally.progress.processed += 1;
            if ok {
                tally.progress.succeeded += 1;
            } else {
                tally.failed += 1;
                tally.progress.failed += 1;
            }
        }
    }

    fn failed(&self, tally: &mut Tally, message: String) {
        tally.error(message);
        tally.failed += 1;
        tally.progress.failed += 1;
        tally.progress.processed += 1;
    }

    async fn report(&self, execution: &Execution, progress: Progress) {
        if let Err(err) = self.executions.update_progress(execution.id, progress).await {
            tracing::warn!(execution = %execution.id, error = %err, "cannot record a retention run's progress");
        }
    }
}

/// The video with its file's key, when that file lies under `prefix`.
fn stored_under(prefix: &str, video: Video) -> Option<(Video, ObjectKey)> {
    let key = video.video_key.clone().filter(|key| key.starts_with(prefix))?;
    Some((video, key))
}

/// Still what was weighed: listed, uploaded, unpinned, with the same file.
fn still_removable(now: &Video, weighed: &Stored) -> bool {
    now.is_listed()
        && !now.pinned
        && now.status == VideoStatus::Uploaded
        && now.video_key.as_ref() == Some(&weighed.video_key)
}

/// `<stem>.json` beside the video: where a scrape puts the metadata, for a record that does not
/// name it.
fn sidecar_beside(video_key: &ObjectKey) -> Option<ObjectKey> {
    let (folder, name) = video_key.as_str().rsplit_once('/')?;
    let (stem, _) = name.rsplit_once('.').filter(|(stem, _)| !stem.is_empty())?;
    ObjectKey::parse(&format!("{folder}/{stem}.json")).ok().filter(|sidecar| sidecar != video_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::video::{FailureClass, VideoFailure};
    use crate::test_support::fixtures::t0;
    use crate::test_support::videos::{key, uploaded_video};

    #[test]
    fn a_video_pinned_deleted_or_moved_since_the_listing_is_left_alone() {
        let listed = uploaded_video("1", "a", "videos/a", t0(), 10);
        let weighed = Stored {
            candidate: Candidate {
                id: listed.id,
                stored_at: t0(),
                bytes: 10,
                source: (listed.mode, listed.value.clone()),
                pinned: false,
            },
            video_key: key("videos/a/1.mp4"),
            sidecar_key: None,
        };
        assert!(still_removable(&listed, &weighed));
        let pinned = listed.pin(true, t0()).unwrap();
        let deleted = listed.tombstone(TombstoneCause::User, t0()).unwrap();
        let moved = Video { video_key: Some(key("videos/b/1.mp4")), ..listed.clone() };
        let retried = listed.retry(t0()).unwrap();
        let failed = retried.fail(VideoFailure::new(FailureClass::Network, "reset"), t0()).unwrap();
        for changed in [pinned, deleted, moved, retried, failed] {
            assert!(!still_removable(&changed, &weighed), "{changed:?}");
        }
    }

    #[test]
    fn a_sidecar_sits_beside_its_video() {
        let key = |raw: &str| ObjectKey::parse(raw).unwrap();
        assert_eq!(sidecar_beside(&key("videos/a/2026/01/1.mp4")), Some(key("videos/a/2026/01/1.json")));
        assert_eq!(sidecar_beside(&key("videos/a/noext")), None);
        assert_eq!(sidecar_beside(&key("videos/a.b/noext")), None, "a dot in a folder is not an extension");
        assert_eq!(sidecar_beside(&key("videos/a/1.json")), None, "a file is never its own sidecar");
    }
}
