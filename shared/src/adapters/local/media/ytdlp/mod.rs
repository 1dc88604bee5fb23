//! The video source that runs yt-dlp on this machine: a listing is one run printing each video's
//! info JSON, a download one run per video. Its child processes see nothing of the server's
//! environment beyond [`ScriptEnvironment`], and die with a cancel.

mod args;
mod classify;
mod info;
mod process;
mod proxy;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_process;

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::MediaTools;
use crate::adapters::local::script::ScriptEnvironment;
use crate::domain::video::{FailureClass, VideoMetadata};
use crate::ports::{Downloaded, FetchError, ListRequest, ListedVideo, VideoSource};
use process::{Finished, Invocation};
pub use proxy::{ProxyError, YtDlpProxy};

/// yt-dlp's own default is 20 s; a platform that stays silent that long is better retried by
/// the run than waited for.
pub const DEFAULT_SOCKET_TIMEOUT: Duration = Duration::from_secs(20);

/// Exit code 101: yt-dlp stopped on purpose (`--max-downloads` reached, or a
/// `--break-match-filters` video seen). What it printed before is the answer.
const STOPPED_ON_PURPOSE: i32 = 101;

pub struct YtDlpSource {
    ytdlp: PathBuf,
    ffmpeg: PathBuf,
    env: ScriptEnvironment,
    /// yt-dlp's cache, and the working directory of listings (which write nothing).
    cache_dir: PathBuf,
    socket_timeout: Duration,
    proxy: Option<YtDlpProxy>,
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
    async fn list(&self, request: &ListRequest, cancel: CancellationToken) -> Result<Vec<ListedVideo>, FetchError> {
        self.ensure_cache_dir().await?;
        let argv = args::list(&self.common(), request);
        let mut found = Vec::new();
        let finished = process::run(self.invocation(argv, &self.cache_dir), &cancel, |line| {
            if let Some(video) = parse_entry(line) {
                found.push(video);
            }
        })
        .await?;
        let mut found = listing_outcome(found, &finished)?;
        found.retain(|video| in_window(&video.metadata, request));
        found.truncate(usize::try_from(request.limit).unwrap_or(usize::MAX));
        Ok(found)
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
        let argv =
            args::download(&self.common(), video.source_url.as_str(), dir, no_watermark, video.extractor.as_deref());
        let mut printed = Vec::new();
        let finished = process::run(self.invocation(argv, dir), &cancel, |line| {
            printed.push(String::from_utf8_lossy(line).into_owned());
        })
        .await?;
        if finished.cancelled {
            return Err(FetchError::new(FailureClass::Network, "cancelled: yt-dlp was stopped"));
        }
        if finished.code != Some(0) {
            return Err(classify::classify(finished.code, &finished.stderr));
        }
        let file = downloaded_file(&printed, dir)?;
        downloaded(video, file, dir).await
    }
}

/// One `--dump-json` line as a video; a line that is not one is logged and skipped, so that one
/// odd entry does not cost the listing.
fn parse_entry(line: &[u8]) -> Option<ListedVideo> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let parsed = serde_json::from_slice::<Value>(line)
        .map_err(|err| err.to_string())
        .and_then(|info| info::listed_video(&info).map_err(|err| err.to_string()));
    match parsed {
        Ok(video) => Some(video),
        Err(reason) => {
            tracing::warn!(%reason, "skipped a video yt-dlp listed: its info JSON does not describe one");
            None
        }
    }
}

/// A listing that printed videos stands even when some entries failed (yt-dlp goes on past
/// them and exits 1), unless the platform throttled it: then what is missing may be anything,
/// and the run must slow down rather than take a partial page for the whole.
fn listing_outcome(found: Vec<ListedVideo>, finished: &Finished) -> Result<Vec<ListedVideo>, FetchError> {
    if finished.cancelled || matches!(finished.code, Some(0 | STOPPED_ON_PURPOSE)) {
        return Ok(found);
    }
    let error = classify::classify(finished.code, &finished.stderr);
    if found.is_empty() || error.class == FailureClass::RateLimited {
        return Err(error);
    }
    tracing::warn!(listed = found.len(), error = %error, "some videos of the listing failed");
    Ok(found)
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
