//! The video source that runs yt-dlp on this machine: a listing is one run printing each video's
//! info JSON, a download one run of yt-dlp per video, in a long-lived download slot
//! ([`slot`]) where it can. Its child processes see nothing of the server's environment beyond
//! [`ScriptEnvironment`], and die with a cancel.

mod args;
mod classify;
mod info;
mod process;
mod proxy;
mod slot;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_process;
#[cfg(test)]
mod tests_slot;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::MediaTools;
use crate::adapters::local::script::ScriptEnvironment;
use crate::domain::video::{FailureClass, VideoMetadata};
use crate::ports::{Downloaded, FetchError, ListRequest, ListedSink, ListedVideo, VideoSource};
use process::{Finished, Invocation};
pub use proxy::{ProxyError, YtDlpProxy};

/// yt-dlp's own default is 20 s; a platform that stays silent that long is better retried by
/// the run than waited for.
pub const DEFAULT_SOCKET_TIMEOUT: Duration = Duration::from_secs(20);

/// Exit code 101: yt-dlp stopped on purpose (`--max-downloads` reached, or a
/// `--break-match-filters` video seen). What it printed before is the answer.
const STOPPED_ON_PURPOSE: i32 = 101;

/// The name of the listing's info JSON in a download's directory; yt-dlp's own files there are
/// `video.*`.
const LISTING_INFO: &str = "listing.json";

pub struct YtDlpSource {
    ytdlp: PathBuf,
    ffmpeg: PathBuf,
    env: ScriptEnvironment,
    /// yt-dlp's cache, and the working directory of listings (which write nothing).
    cache_dir: PathBuf,
    socket_timeout: Duration,
    proxy: Option<YtDlpProxy>,
    /// Long-lived yt-dlp processes that downloads go through, one per download running.
    slots: slot::Slots,
}

impl YtDlpSource {
    /// yt-dlp and ffmpeg from `tools`; `cache_dir` is made when first needed.
    pub fn new(tools: &MediaTools, env: ScriptEnvironment, cache_dir: PathBuf) -> Self {
        Self {
            ytdlp: tools.ytdlp.clone(),
            ffmpeg: tools.ffmpeg.clone(),
            env,
            cache_dir,
            socket_timeout: DEFAULT_SOCKET_TIMEOUT,
            proxy: None,
            slots: slot::Slots::default(),
        }
    }

    pub fn with_socket_timeout(mut self, timeout: Duration) -> Self {
        self.socket_timeout = timeout;
        self
    }

    /// Every request of every run through `proxy`; without one, through none.
    pub fn with_proxy(mut self, proxy: YtDlpProxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    fn common(&self) -> args::Common<'_> {
        args::Common {
            ffmpeg: &self.ffmpeg,
            cache_dir: &self.cache_dir,
            socket_timeout: self.socket_timeout,
            proxy: self.proxy.as_ref(),
        }
    }

    fn invocation<'a>(&'a self, args: Vec<std::ffi::OsString>, working_dir: &'a Path) -> Invocation<'a> {
        // yt-dlp prints its JSON lines as it goes only when Python does not buffer them, and
        // writes titles in any script only when its streams are UTF-8 whatever the locale.
        let own = [("PYTHONUNBUFFERED", "1"), ("PYTHONIOENCODING", "utf-8")];
        let env = self.env.with(own.map(|(k, v)| (k.to_owned(), v.to_owned())));
        Invocation { program: &self.ytdlp, args, env, working_dir }
    }

    async fn ensure_cache_dir(&self) -> Result<(), FetchError> {
        tokio::fs::create_dir_all(&self.cache_dir).await.map_err(|err| {
            FetchError::new(
                FailureClass::Storage,
                format!("cannot make yt-dlp's cache directory {}: {err}", self.cache_dir.display()),
            )
        })
    }
}

#[async_trait]
impl VideoSource for YtDlpSource {
    async fn list_into(
        &self,
        request: &ListRequest,
        found: ListedSink,
        cancel: CancellationToken,
    ) -> Result<(), FetchError> {
        self.ensure_cache_dir().await?;
        let argv = args::list(&self.common(), request);
        let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
        let mut sent = 0;
        let finished = process::run(self.invocation(argv, &self.cache_dir), &cancel, |line| {
            let Some(video) = parse_entry(line) else { return };
            // A receiver that is gone wants no more; the cancel that goes with it ends yt-dlp.
            if sent < limit && in_window(&video.metadata, request) && found.send(video).is_ok() {
                sent += 1;
            }
        })
        .await?;
        listing_outcome(sent, &finished)
    }

    async fn download(
        &self,
        video: &ListedVideo,
        dir: &Path,
        no_watermark: bool,
        cancel: CancellationToken,
    ) -> Result<Downloaded, FetchError> {
        self.ensure_cache_dir().await?;
        // yt-dlp runs in `dir` and is told to write there; a relative path would be read twice.
        let dir = std::path::absolute(dir).map_err(|err| {
            FetchError::new(FailureClass::Storage, format!("cannot resolve {}: {err}", dir.display()))
        })?;
        let dir = dir.as_path();
        let page = args::Start::Page(video.source_url.as_str());
        let listing_info = match &video.listing_info {
            Some(info) => write_listing_info(dir, info).await,
            None => None,
        };
        let Some(info_file) = listing_info else {
            return self.fetch(video, page, dir, no_watermark, &cancel).await.map_err(|failed| failed.error);
        };
        let from_info = self.fetch(video, args::Start::ListingInfo(&info_file), dir, no_watermark, &cancel).await;
        match from_info {
            Ok(downloaded) => Ok(downloaded),
            // yt-dlp goes to the page by itself when a download from the info fails; what it
            // does not do that for (the info no longer describes a format it can take, say) is
            // worth one try from the page.
            Err(failed)
                if !failed.went_to_page && failed.error.class == FailureClass::Extractor && !cancel.is_cancelled() =>
            {
                let error = &failed.error;
                tracing::info!(video = %video.platform_id, %error, "the listing's info did not download; reading the page");
                clear_dir(dir).await?;
                self.fetch(video, page, dir, no_watermark, &cancel).await.map_err(|failed| failed.error)
            }
            Err(failed) => Err(failed.error),
        }
    }
}

/// A download that failed, and whether yt-dlp had turned to the page by itself before it did.
struct Failed {
    error: FetchError,
    went_to_page: bool,
}

impl std::convert::From<FetchError> for Failed {
    fn from(error: FetchError) -> Self {
        Self { error, went_to_page: false }
    }
}

impl YtDlpSource {
    /// One yt-dlp download into `dir`, from `start`.
    async fn fetch(
        &self,
        video: &ListedVideo,
        start: args::Start<'_>,
        dir: &Path,
        no_watermark: bool,
        cancel: &CancellationToken,
    ) -> Result<Downloaded, Failed> {
        let argv = args::download(&self.common(), start, dir, no_watermark, video.extractor.as_deref());
        let slot::Ran { finished, printed } = self.run_download(argv, dir, cancel).await?;
        if finished.cancelled {
            return Err(FetchError::new(FailureClass::Network, "cancelled: yt-dlp was stopped").into());
        }
        if finished.code != Some(0) {
            let (went_to_page, said) = classify::after_fallback(&finished.stderr);
            return Err(Failed { error: classify::classify(finished.code, said), went_to_page });
        }
        let file = downloaded_file(&printed, dir)?;
        Ok(downloaded(video, file, dir).await?)
    }

    /// One download's yt-dlp run in `dir`: through a download slot when one can take it, else
    /// as a process of its own.
    async fn run_download(
        &self,
        argv: Vec<std::ffi::OsString>,
        dir: &Path,
        cancel: &CancellationToken,
    ) -> Result<slot::Ran, FetchError> {
        let invocation = self.invocation(argv, dir);
        // `download` has made the cache directory, where an idle slot waits.
        let launch = slot::Launch { ytdlp: &self.ytdlp, env: &invocation.env, home: &self.cache_dir };
        if let Some(ran) = self.slots.download(&launch, &invocation.args, dir, cancel).await {
            return Ok(ran);
        }
        let mut printed = Vec::new();
        let finished = process::run(invocation, cancel, |line| {
            printed.push(String::from_utf8_lossy(line).into_owned());
        })
        .await?;
        Ok(slot::Ran { finished, printed })
    }
}

/// The listing's info JSON for the video, in a file of `dir` for yt-dlp to load; None when it
/// cannot be written, and the download reads the page as it would without it.
async fn write_listing_info(dir: &Path, info: &str) -> Option<PathBuf> {
    let file = dir.join(LISTING_INFO);
    match tokio::fs::write(&file, info.as_bytes()).await {
        Ok(()) => Some(file),
        Err(err) => {
            tracing::warn!(error = %err, file = %file.display(), "cannot write the listing's info for yt-dlp");
            None
        }
    }
}

/// Empties `dir` of what a failed try left, the listing's info included, for a try afresh.
async fn clear_dir(dir: &Path) -> Result<(), FetchError> {
    let cannot = |err: std::io::Error| {
        FetchError::new(FailureClass::Storage, format!("cannot clear the download directory {}: {err}", dir.display()))
    };
    let mut entries = tokio::fs::read_dir(dir).await.map_err(cannot)?;
    while let Some(entry) = entries.next_entry().await.map_err(cannot)? {
        let path = entry.path();
        let removed = if entry.file_type().await.map_err(cannot)?.is_dir() {
            tokio::fs::remove_dir_all(&path).await
        } else {
            tokio::fs::remove_file(&path).await
        };
        removed.map_err(cannot)?;
    }
    Ok(())
}

/// One `--dump-json` line as a video, keeping the line itself for its download; a line that is
/// not one is logged and skipped, so that one odd entry does not cost the listing.
fn parse_entry(line: &[u8]) -> Option<ListedVideo> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let parsed = serde_json::from_slice::<Value>(line)
        .map_err(|err| err.to_string())
        .and_then(|info| info::listed_video(&info).map_err(|err| err.to_string()));
    match parsed {
        Ok(video) => Some(ListedVideo { listing_info: std::str::from_utf8(line).ok().map(Arc::from), ..video }),
        Err(reason) => {
            tracing::warn!(%reason, "skipped a video yt-dlp listed: its info JSON does not describe one");
            None
        }
    }
}

/// A listing that printed videos stands even when some entries failed (yt-dlp goes on past
/// them and exits 1), unless the platform throttled it: then what is missing may be anything,
/// and the run must slow down rather than take a partial page for the whole.
fn listing_outcome(sent: usize, finished: &Finished) -> Result<(), FetchError> {
    if finished.cancelled || matches!(finished.code, Some(0 | STOPPED_ON_PURPOSE)) {
        return Ok(());
    }
    let error = classify::classify(finished.code, &finished.stderr);
    if sent == 0 || error.class == FailureClass::RateLimited {
        return Err(error);
    }
    tracing::warn!(listed = sent, error = %error, "some videos of the listing failed");
    Ok(())
}

/// yt-dlp's filters let undated videos through and `upload_date` is a whole day; a date known
/// only as a day counts as that day's midnight here, so the window is checked again.
fn in_window(metadata: &VideoMetadata, request: &ListRequest) -> bool {
    let Some(posted) = metadata.posted_at else { return true };
    request.since.is_none_or(|since| posted >= since) && request.until.is_none_or(|until| posted <= until)
}

/// The path yt-dlp printed after moving the file into place, which must be in `dir`.
fn downloaded_file(printed: &[String], dir: &Path) -> Result<PathBuf, FetchError> {
    let last = printed.iter().rev().map(|l| l.trim()).find(|l| !l.is_empty());
    let file = last.map(PathBuf::from).filter(|path| path.parent() == Some(dir) && path.is_file());
    file.ok_or_else(|| {
        let said = last.unwrap_or("nothing");
        FetchError::new(
            FailureClass::Extractor,
            classify::bounded(
                FailureClass::Extractor,
                format!("yt-dlp succeeded but named no file in the directory: {said}"),
            ),
        )
    })
}

async fn downloaded(video: &ListedVideo, file: PathBuf, dir: &Path) -> Result<Downloaded, FetchError> {
    let size = tokio::fs::metadata(&file).await.map(|m| m.len()).map_err(|err| {
        FetchError::new(FailureClass::Storage, format!("cannot read the downloaded file {}: {err}", file.display()))
    })?;
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or_default().to_owned();
    let info_path = dir.join(format!("{}.info.json", args::FILE_STEM));
    let info = match tokio::fs::read(&info_path).await.map(|bytes| serde_json::from_slice::<Value>(&bytes)) {
        Ok(Ok(info)) => info::without_session_data(info),
        // The file is what was asked for; without the sidecar the listing's metadata stands.
        Ok(Err(err)) => {
            tracing::warn!(error = %err, file = %info_path.display(), "yt-dlp's info JSON does not parse");
            Value::Null
        }
        Err(err) => {
            tracing::warn!(error = %err, file = %info_path.display(), "yt-dlp wrote no info JSON");
            Value::Null
        }
    };
    let mut metadata = if info.is_object() { info::metadata(&info) } else { video.metadata.clone() };
    metadata.file_size = Some(size);
    metadata.has_watermark = if info.is_object() { info::has_watermark(&info) } else { None };
    Ok(Downloaded { file, extension, metadata, info })
}
