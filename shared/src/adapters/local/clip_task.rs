//! `clip.video` as a runner runs it: the stored video (or a page's, through yt-dlp) fetched into
//! a work folder, measured with ffprobe, cut with ffmpeg clip by clip, each clip measured and stored under
//! `clips/<video>/<run>-<n>.<ext>`, the run's progress moving as clips are written.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

mod page;

use super::media::MediaTools;
use super::media::ffmpeg::{self, ToolError};
use super::script::ScriptEnvironment;
use crate::app::scrape::content_type;
use crate::domain::execution::{Execution, ExecutionStatus, Progress};
use crate::domain::object_key::ObjectKey;
use crate::domain::task::{ClipAccuracy, ClipSource, ClipTask, Segment, secs};
use crate::domain::video::{VideoId, VideoStatus};
use crate::ports::{ExecutionStore, ObjectStore, RunOutcome, VideoSource, VideoStore};

pub use page::PageAccess;

/// Clips cut at once. A copied clip is mostly waiting on the disk and an exact one on x264's own
/// threads: two keep both cores busy without starving the server.
const CLIPS_AT_ONCE: usize = 2;

/// The stores clip runs read and write.
pub struct ClipStores {
    pub videos: Arc<dyn VideoStore>,
    pub objects: Arc<dyn ObjectStore>,
    pub executions: Arc<dyn ExecutionStore>,
}

/// What a process needs to cut clips; built once, shared by its runs.
#[derive(Clone)]
pub struct ClipRuns {
    media: MediaTools,
    env: ScriptEnvironment,
    videos: Arc<dyn VideoStore>,
    objects: Arc<dyn ObjectStore>,
    executions: Arc<dyn ExecutionStore>,
    work_root: PathBuf,
    /// What fetches a page given as the source; without it such runs fail and say so.
    pages: Option<(Arc<dyn VideoSource>, PageAccess)>,
}

/// The work folder of one run, removed however the run ends (a timeout drops the run).
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        if let Err(err) = std::fs::remove_dir_all(&self.0)
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.0.display(), error = %err, "cannot remove a clip run's work folder");
        }
    }
}

/// Where a run stands, for its outcome whenever it stops.
struct Tally {
    source_key: Option<ObjectKey>,
    source_url: Option<String>,
    video_id: Option<String>,
    source_seconds: Option<f64>,
    clips: Vec<Value>,
    failed: Vec<Value>,
    progress: Progress,
}

impl Tally {
    fn result(&self, accuracy: ClipAccuracy) -> Value {
        json!({
            "video_id": self.video_id,
            "source_key": self.source_key.as_ref().map(ObjectKey::as_str),
            "source_url": self.source_url,
            "source_duration": self.source_seconds,
            "accuracy": accuracy.as_str(),
            "clips": self.clips,
            "failed": self.failed,
        })
    }
}

impl ClipRuns {
    /// ffmpeg and ffprobe from `media` with `env`; work folders under `work_root`.
    pub fn new(media: &MediaTools, env: ScriptEnvironment, stores: ClipStores, work_root: &Path) -> Self {
        let ClipStores { videos, objects, executions } = stores;
        Self { media: media.clone(), env, videos, objects, executions, work_root: work_root.join("clips"), pages: None }
    }

    /// Pages given as sources are read and fetched by `source` (the scrapes' yt-dlp), on the
    /// addresses `access` allows.
    pub fn with_pages(mut self, source: Arc<dyn VideoSource>, access: PageAccess) -> Self {
        self.pages = Some((source, access));
        self
    }

    pub async fn run(
        &self,
        execution: &Execution,
        task: &ClipTask,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> RunOutcome {
        let mut tally = Tally {
            source_key: None,
            source_url: None,
            video_id: None,
            source_seconds: None,
            clips: Vec::new(),
            failed: Vec::new(),
            progress: Progress::default(),
        };
        let work = WorkDir(self.work_root.join(execution.id.to_string()));
        let cut = tokio::time::timeout(timeout, self.cut_all(execution, task, &work.0, &mut tally, &cancel)).await;
        let (status, error) = match cut {
            Err(_) => (ExecutionStatus::TimedOut, Some(format!("timed out after {} s", timeout.as_secs()))),
            Ok(Err(ToolError::Cancelled)) => (ExecutionStatus::Cancelled, Some("cancelled".to_owned())),
            Ok(Err(ToolError::Failed(why))) => (ExecutionStatus::Failed, Some(why)),
            Ok(Ok(())) if tally.failed.is_empty() => (ExecutionStatus::Succeeded, None),
            Ok(Ok(())) => (
                ExecutionStatus::Failed,
                Some(format!("{} of {} clips failed", tally.failed.len(), tally.progress.total)),
            ),
        };
        drop(work);
        RunOutcome {
            status,
            result: Some(tally.result(task.accuracy())),
            error,
            exit_code: None,
            stdout_tail: None,
            stderr_tail: None,
            progress: Some(tally.progress),
        }
    }

    async fn cut_all(
        &self,
        execution: &Execution,
        task: &ClipTask,
        work: &Path,
        tally: &mut Tally,
        cancel: &CancellationToken,
    ) -> Result<(), ToolError> {
        std::fs::create_dir_all(work).map_err(|e| failed(format!("cannot make the work folder: {e}")))?;
        let (input, extension, video_ref) = self.fetch_source(task, work, tally, cancel).await?;
        let measured = ffmpeg::measure(&self.media.ffprobe, &input, &self.env, cancel).await?;
        tally.source_seconds = Some(measured.duration);
        let plan = task.plan((measured.duration * 1000.0).round() as u64).map_err(failed)?;
        tally.progress.total = plan.len() as u64;
        self.report(execution, tally.progress).await;
        // A copied clip keeps the source's codecs, so it keeps its container too.
        let out_extension = match task.accuracy() {
            ClipAccuracy::Copy => extension,
            ClipAccuracy::Exact => "mp4".to_owned(),
        };
        let cuts = plan.into_iter().enumerate().map(|(index, segment)| {
            let number = index + 1;
            let output = work.join(format!("clip-{number:03}.{out_extension}"));
            let filename = format!("{}-{number:03}.{out_extension}", execution.id);
            let (input, video_ref) = (&input, &video_ref);
            async move {
                let cut = self.cut_one(input, segment, task.accuracy(), &output, video_ref, &filename, cancel).await;
                (number, segment, cut)
            }
        });
        // Results come back in clip order, so progress and the result list read in order.
        let mut cuts = futures_util::stream::iter(cuts).buffered(CLIPS_AT_ONCE);
        while let Some((number, segment, cut)) = cuts.next().await {
            match cut {
                Ok(clip) => {
                    tally.clips.push(clip);
                    tally.progress.succeeded += 1;
                }
                Err(ToolError::Cancelled) => return Err(ToolError::Cancelled),
                Err(ToolError::Failed(why)) => {
                    tally.failed.push(json!({ "index": number, "start": secs(segment.start_ms), "end": secs(segment.end_ms), "error": why }));
                    tally.progress.failed += 1;
                }
            }
            tally.progress.processed += 1;
            self.report(execution, tally.progress).await;
        }
        Ok(())
    }

    /// The file to cut, in `work`, with its extension and the name its clips are filed under:
    /// the video's id (a page's is derived as a scraped video's), or the stored file's name.
    async fn fetch_source(
        &self,
        task: &ClipTask,
        work: &Path,
        tally: &mut Tally,
        cancel: &CancellationToken,
    ) -> Result<(PathBuf, String, String), ToolError> {
        if let ClipSource::Url(url) = task.source() {
            tally.source_url = Some(url.as_str().to_owned());
            let Some((source, access)) = &self.pages else {
                return Err(failed("clips from a page need yt-dlp, which this process is not set up with"));
            };
            let (video, downloaded) = page::fetch_page(source.as_ref(), *access, url, &work.join("page"), cancel)
                .await
                .map_err(|why| if cancel.is_cancelled() { ToolError::Cancelled } else { failed(why) })?;
            let id = VideoId::of(&video.platform, &video.platform_id).to_string();
            tally.video_id = Some(id.clone());
            return Ok((downloaded.file, clean_extension(&downloaded.extension), id));
        }
        let (source_key, video_ref) = self.stored_source(task, tally).await?;
        tally.source_key = Some(source_key.clone());
        let extension = extension_of(&source_key);
        let input = work.join(format!("source.{extension}"));
        self.objects
            .get_to_file(&source_key, &input)
            .await
            .map_err(|e| failed(format!("cannot fetch {source_key}: {e}")))?;
        Ok((input, extension, video_ref))
    }

    /// The stored file to cut and the name its clips are filed under.
    async fn stored_source(&self, task: &ClipTask, tally: &mut Tally) -> Result<(ObjectKey, String), ToolError> {
        let folder = task.video_folder().unwrap_or_default();
        match task.source() {
            ClipSource::Video(id) => {
                let video = self
                    .videos
                    .get_video(*id)
                    .await
                    .map_err(|e| failed(format!("cannot read video {id}: {e}")))?
                    .ok_or_else(|| failed(format!("no video {id}")))?;
                tally.video_id = Some(id.to_string());
                match (&video.video_key, video.status) {
                    (Some(key), VideoStatus::Uploaded) => Ok((key.clone(), folder)),
                    _ => Err(failed(format!("video {id} has no stored file (it is {})", video.status.as_str()))),
                }
            }
            ClipSource::Key(key) => Ok((key.clone(), folder)),
            ClipSource::Url(url) => Err(failed(format!("{} is a page, not a stored file", url.as_str()))),
        }
    }

    #[expect(clippy::too_many_arguments, reason = "one clip's inputs, named where they are used")]
    async fn cut_one(
        &self,
        input: &Path,
        segment: Segment,
        accuracy: ClipAccuracy,
        output: &Path,
        video_ref: &str,
        filename: &str,
        cancel: &CancellationToken,
    ) -> Result<Value, ToolError> {
        let args = ffmpeg::cut_args(input, segment, accuracy, output);
        ffmpeg::cut(&self.media.ffmpeg, &args, &self.env, cancel).await?;
        let measured = ffmpeg::measure(&self.media.ffprobe, output, &self.env, cancel).await?;
        let size = std::fs::metadata(output).map_err(|e| failed(format!("cannot read the clip: {e}")))?.len();
        let key = ObjectKey::parse(&format!("clips/{video_ref}/{filename}"))
            .map_err(|e| failed(format!("cannot name the clip: {e}")))?;
        let extension = extension_of(&key);
        self.objects
            .put_file(&key, output, content_type(&extension))
            .await
            .map_err(|e| failed(format!("cannot store {key}: {e}")))?;
        let _ = std::fs::remove_file(output);
        // The clip runs to the end asked for in both modes; a copied clip starts at the keyframe
        // before its start, so its real start is its end less what it measures.
        let end = secs(segment.end_ms);
        Ok(json!({
            "key": key.as_str(),
            "filename": filename,
            "start": secs(segment.start_ms),
            "end": end,
            "measured_start": round_ms((end - measured.duration).max(0.0)),
            "measured_duration": round_ms(measured.duration),
            "size": size,
        }))
    }

    async fn report(&self, execution: &Execution, progress: Progress) {
        if let Err(err) = self.executions.update_progress(execution.id, progress).await {
            tracing::warn!(execution = %execution.id, error = %err, "cannot record a clip run's progress");
        }
    }
}

fn failed(why: impl Into<String>) -> ToolError {
    ToolError::Failed(why.into())
}

fn extension_of(key: &ObjectKey) -> String {
    clean_extension(key.segments().last().and_then(|name| name.rsplit_once('.')).map_or("", |(_, ext)| ext))
}

/// An extension fit for a clip's key: letters and digits only, `mp4` otherwise.
fn clean_extension(raw: &str) -> String {
    let ext = raw.to_ascii_lowercase();
    if !ext.is_empty() && ext.len() <= 8 && ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        ext
    } else {
        "mp4".to_owned()
    }
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// The answer when a process was started without what clip runs need.
pub fn not_set_up() -> RunOutcome {
    RunOutcome::failed("clip runs are not set up in this process: it has no video store, object store or ffmpeg")
}

#[cfg(test)]
mod tests;
