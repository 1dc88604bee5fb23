//! One video's way from the platform to the object store: a slot from the limiter, a free-space
//! check, the download (tried again after a pause when it fails in a way that may pass), the
//! upload of the file and its metadata, each step written on the video's record.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::keys::{content_type, video_keys};
use super::run::RunContext;
use super::tally::Ending;
use super::work_dir::WorkDir;
use super::{Shared, tally};
use crate::domain::video::{FailureClass, TransitionError, Video, VideoFailure, VideoId, VideoMetadata};
use crate::ports::{Changed, Downloaded, ListedVideo, StoreError, change_video};

/// Stored on a video a cancel stopped. Its class passes, so the next run picks it up again.
pub(super) const INTERRUPTED: &str = "interrupted: the run was cancelled";
/// What a video says when the object store failed; the store's own text goes to the log only.
const NOT_STORED: &str = "could not write to the object store";

enum Stop {
    Failed {
        failure: VideoFailure,
        disk_low: bool,
    },
    Interrupted,
    /// Deleted or taken by another run meanwhile: the record refused the next step.
    Moved,
    Store(StoreError),
}

fn storage(message: impl Into<String>) -> Stop {
    Stop::Failed { failure: VideoFailure::new(FailureClass::Storage, message), disk_low: false }
}

fn object_store_failed(video: VideoId, error: impl std::fmt::Display) -> Stop {
    tracing::warn!(%video, %error, "could not store a scraped video");
    storage(NOT_STORED)
}

/// Fetches and stores one recorded video; never fails the run.
pub(super) async fn fetch(shared: &Shared, run: &RunContext, listed: &ListedVideo, id: VideoId) -> Ending {
    let mut started = false;
    match stages(shared, run, listed, id, &mut started).await {
        Ok(bytes) => Ending::Uploaded { bytes },
        Err(Stop::Failed { failure, disk_low }) => {
            let class = failure.class;
            record_failure(shared, id, failure, Ending::Failed { class, disk_low }).await
        }
        Err(Stop::Interrupted) if !started => Ending::Interrupted,
        Err(Stop::Interrupted) => {
            let failure = VideoFailure::new(FailureClass::Network, INTERRUPTED);
            record_failure(shared, id, failure, Ending::Interrupted).await
        }
        Err(Stop::Moved) => Ending::Skipped,
        Err(Stop::Store(error)) => {
            tracing::warn!(video = %id, %error, "the video store failed during a scrape");
            Ending::Unrecorded
        }
    }
}

/// Writes the failure on the video and returns `recorded`, or what the video's turn came to
/// when its record did not take the failure.
async fn record_failure(shared: &Shared, id: VideoId, failure: VideoFailure, recorded: Ending) -> Ending {
    match change(shared, id, |v, now| v.fail(failure.clone(), now)).await {
        Ok(_) => recorded,
        Err(Stop::Store(error)) => {
            tracing::warn!(video = %id, %error, "could not record a video's failure");
            Ending::Unrecorded
        }
        Err(_) => Ending::Skipped,
    }
}

async fn stages(
    shared: &Shared,
    run: &RunContext,
    listed: &ListedVideo,
    id: VideoId,
    started: &mut bool,
) -> Result<u64, Stop> {
    let policy = shared.settings.retry;
    let mut tried = 0;
    loop {
        tried += 1;
        shared.limiter.acquire(&listed.platform, &run.cancel).await.map_err(|_| Stop::Interrupted)?;
        check_free_space(shared).await?;
        if !*started {
            change(shared, id, |v, now| v.start_download(now)).await?;
            *started = true;
        }
        let dir = WorkDir::create(&shared.settings.work_dir)
            .await
            .map_err(|e| storage(format!("cannot make a download directory: {e}")))?;
        let fetched =
            shared.ports.source.download(listed, dir.path(), run.request.no_watermark, run.cancel.clone()).await;
        let error = match fetched {
            Ok(downloaded) => {
                shared.limiter.succeeded(&listed.platform);
                let stored = store(shared, run, listed, id, &downloaded).await;
                dir.remove().await;
                return stored;
            }
            Err(error) => error,
        };
        dir.remove().await;
        // What a cancelled download says is about the kill, not the video.
        if run.cancel.is_cancelled() {
            return Err(Stop::Interrupted);
        }
        if error.class == FailureClass::RateLimited {
            shared.limiter.rate_limited(&listed.platform, error.retry_after);
        }
        if !(error.is_transient() && policy.allows_another_after(tried)) {
            return Err(Stop::Failed { failure: VideoFailure::new(error.class, error.message), disk_low: false });
        }
        pause(shared, run, policy.pause_after(tried)).await?;
    }
}

async fn check_free_space(shared: &Shared) -> Result<(), Stop> {
    let dir = &shared.settings.work_dir;
    tokio::fs::create_dir_all(dir).await.map_err(|e| storage(format!("cannot make the work directory: {e}")))?;
    let available = shared
        .ports
        .free_space
        .available_bytes(dir)
        .map_err(|e| storage(format!("cannot read the work directory's free space: {e}")))?;
    let floor = shared.settings.free_space_floor;
    if available < floor {
        let message = format!("{}: {available} bytes free, {floor} required", tally::DISK_LOW);
        return Err(Stop::Failed { failure: VideoFailure::new(FailureClass::Storage, message), disk_low: true });
    }
    Ok(())
}

async fn pause(shared: &Shared, run: &RunContext, wait: Duration) -> Result<(), Stop> {
    let clock = &shared.ports.clock;
    let until = clock.now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
    tokio::select! {
        () = run.cancel.cancelled() => Err(Stop::Interrupted),
        () = clock.sleep_until(until) => Ok(()),
    }
}

async fn store(
    shared: &Shared,
    run: &RunContext,
    listed: &ListedVideo,
    id: VideoId,
    downloaded: &Downloaded,
) -> Result<u64, Stop> {
    let size = tokio::fs::metadata(&downloaded.file)
        .await
        .map_err(|e| storage(format!("the downloaded file cannot be read: {e}")))?
        .len();
    let metadata = merged(&listed.metadata, &downloaded.metadata);
    change(shared, id, |v, now| v.with_metadata(metadata.clone(), now).finish_download(size, now)).await?;
    if run.cancel.is_cancelled() {
        return Err(Stop::Interrupted);
    }
    change(shared, id, |v, now| v.start_upload(now)).await?;
    let request = &run.request;
    let folder = request.folder.as_ref();
    let keys =
        video_keys(request.mode, &request.value, folder, run.started, &listed.platform_id, &downloaded.extension)
            .map_err(|e| object_store_failed(id, e))?;
    let objects = &shared.ports.objects;
    objects
        .put_file(&keys.video, &downloaded.file, content_type(&downloaded.extension))
        .await
        .map_err(|e| object_store_failed(id, e))?;
    let sidecar = serde_json::to_vec(&downloaded.info).map_err(|e| object_store_failed(id, e))?;
    objects.put(&keys.sidecar, sidecar, "application/json").await.map_err(|e| object_store_failed(id, e))?;
    change(shared, id, |v, now| v.finish_upload(keys.video.clone(), Some(keys.sidecar.clone()), now)).await?;
    Ok(size)
}

/// What the download said, completed by what the listing said where the download is silent.
fn merged(listing: &VideoMetadata, download: &VideoMetadata) -> VideoMetadata {
    let d = download.clone();
    let l = listing.clone();
    VideoMetadata {
        description: d.description.or(l.description),
        author_username: d.author_username.or(l.author_username),
        author_nickname: d.author_nickname.or(l.author_nickname),
        views: d.views.or(l.views),
        likes: d.likes.or(l.likes),
        comments: d.comments.or(l.comments),
        shares: d.shares.or(l.shares),
        posted_at: d.posted_at.or(l.posted_at),
        hashtags: if d.hashtags.is_empty() { l.hashtags } else { d.hashtags },
        music_title: d.music_title.or(l.music_title),
        duration_seconds: d.duration_seconds.or(l.duration_seconds),
        file_size: d.file_size.or(l.file_size),
        has_watermark: d.has_watermark.or(l.has_watermark),
    }
}

/// Moves the video with `step`, judged against its stored state.
async fn change<F>(shared: &Shared, id: VideoId, step: F) -> Result<Video, Stop>
where
    F: Fn(&Video, DateTime<Utc>) -> Result<Video, TransitionError> + Send + Sync,
{
    let now = shared.ports.clock.now();
    match change_video(&*shared.ports.videos, id, |v| step(v, now)).await {
        Ok(Changed::Done(video)) => Ok(video),
        Ok(Changed::Refused(..) | Changed::NotFound) => Err(Stop::Moved),
        Err(error) => Err(Stop::Store(error)),
    }
}
