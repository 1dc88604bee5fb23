//! The child process side, with small scripts standing in for yt-dlp: what a missing or broken
//! executable gives, how output is taken, and that a cancel or a drop kills the whole group.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::*;
use crate::adapters::local::script::DEFAULT_PATH;

/// Bounds the waits on recorded state below; each normally takes milliseconds.
const PATIENCE: Duration = Duration::from_secs(20);

fn env() -> ScriptEnvironment {
    ScriptEnvironment::capture(|name| (name == "PATH").then(|| DEFAULT_PATH.to_owned()))
}

fn source_at(ytdlp: &Path, cache_dir: &Path) -> YtDlpSource {
    let tools = MediaTools { ytdlp: ytdlp.to_path_buf(), ..MediaTools::default() };
    YtDlpSource::new(&tools, env(), cache_dir.to_path_buf())
}

fn write_tool(dir: &Path, body: &str, mode: u32) -> PathBuf {
    let path = dir.join("yt-dlp");
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn request() -> ListRequest {
    ListRequest { url: "https://example.test/@someone".to_owned(), limit: 10, since: None, until: None }
}

/// A file written a moment ago can still be open for writing in a child another test thread
/// forked meanwhile (until that child execs); exec then fails with ETXTBSY. Try again.
async fn list_with(source: &YtDlpSource, cancel: CancellationToken) -> Result<Vec<ListedVideo>, FetchError> {
    for _ in 0..20 {
        let result = source.list(&request(), cancel.clone()).await;
        if !matches!(&result, Err(e) if e.message.contains("Text file busy")) {
            return result;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the fake yt-dlp stayed busy");
}

/// Waits for `what` to hold, checking every few milliseconds.
pub(super) async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "{what} within {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Gone, or a zombie its reaper has not collected yet.
pub(super) fn is_dead(pid: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    stat.is_empty() || stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
}

fn entry(id: &str) -> String {
    serde_json::json!({"id": id, "extractor_key": "Generic", "webpage_url": format!("https://example.test/v/{id}")})
        .to_string()
}

#[tokio::test]
async fn a_missing_executable_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere").join("yt-dlp");
    let source = source_at(&missing, &dir.path().join("cache"));
    let error = source.list(&request(), CancellationToken::new()).await.unwrap_err();
    assert_eq!(error.class, FailureClass::Extractor);
    assert_eq!(error.message, format!("yt-dlp not found at {}", missing.display()));
    assert!(!error.is_transient());
}

#[tokio::test]
async fn a_file_that_cannot_run_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let not_executable = write_tool(dir.path(), "#!/bin/sh\n", 0o644);
    let error = source_at(&not_executable, dir.path()).list(&request(), CancellationToken::new()).await.unwrap_err();
    assert!(error.message.ends_with("is not executable"), "{}", error.message);

    let no_interpreter = write_tool(dir.path(), "#!/nonexistent/python3\n", 0o755);
    let error = list_with(&source_at(&no_interpreter, dir.path()), CancellationToken::new()).await.unwrap_err();
    assert!(error.message.contains("is its interpreter missing?"), "{}", error.message);
}

#[tokio::test]
async fn good_entries_stand_when_others_fail_and_odd_lines_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "#!/bin/sh\necho '{}'\necho 'not json'\necho '{{\"id\": \"no-url\"}}'\necho '{}'\n\
         echo 'ERROR: [generic] x: HTTP Error 404: Not Found' >&2\nexit 1\n",
        entry("a"),
        entry("b")
    );
    let tool = write_tool(dir.path(), &body, 0o755);
    let listed = list_with(&source_at(&tool, dir.path()), CancellationToken::new()).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|v| v.platform_id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
}

#[tokio::test]
async fn a_throttled_listing_fails_whole_even_with_entries() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "#!/bin/sh\necho '{}'\necho 'ERROR: [generic] b: HTTP Error 429: Too Many Requests' >&2\nexit 1\n",
        entry("a")
    );
    let tool = write_tool(dir.path(), &body, 0o755);
    let error = list_with(&source_at(&tool, dir.path()), CancellationToken::new()).await.unwrap_err();
    assert_eq!(error.class, FailureClass::RateLimited);
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_cancelled_listing_keeps_what_was_printed_and_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    // The listing runs in its cache directory, where the script leaves its pids.
    let body = format!(
        "#!/bin/sh\nsleep 300 &\necho $! > grandchild.pid\necho '{}'\necho $$ > child.pid\nwait\n",
        entry("first")
    );
    let tool = write_tool(dir.path(), &body, 0o755);
    let source = source_at(&tool, dir.path());
    let cancel = CancellationToken::new();
    let listing = tokio::spawn({
        let cancel = cancel.clone();
        async move { list_with(&source, cancel).await }
    });
    let (child_pid, grandchild_pid) = (dir.path().join("child.pid"), dir.path().join("grandchild.pid"));
    until("the fake yt-dlp printed its entry", || child_pid.exists()).await;
    cancel.cancel();
    let listed = tokio::time::timeout(PATIENCE, listing).await.expect("the listing ends once cancelled").unwrap();
    let ids: Vec<String> = listed.unwrap().iter().map(|v| v.platform_id.to_string()).collect();
    assert_eq!(ids, ["first"], "what was listed before the cancel");
    let child = std::fs::read_to_string(&child_pid).unwrap();
    let grandchild = std::fs::read_to_string(&grandchild_pid).unwrap();
    until("yt-dlp is killed", || is_dead(&child)).await;
    until("what yt-dlp started is killed too", || is_dead(&grandchild)).await;
}

#[tokio::test]
async fn a_dropped_download_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let tool_dir = tempfile::tempdir().unwrap();
    // A download runs in the directory it writes to.
    let tool = write_tool(
        tool_dir.path(),
        "#!/bin/sh\nsleep 300 &\necho $! > grandchild.pid\necho $$ > child.pid\nwait\n",
        0o755,
    );
    let source = std::sync::Arc::new(source_at(&tool, &tool_dir.path().join("cache")));
    let video = info::listed_video(&serde_json::from_str(&entry("v")).unwrap()).unwrap();
    let (child_pid, grandchild_pid) = (dir.path().join("child.pid"), dir.path().join("grandchild.pid"));
    // As in `list_with`: a start refused with ETXTBSY is tried again.
    let mut download = None;
    for _ in 0..20 {
        let started = tokio::spawn({
            let (source, video, dir) = (source.clone(), video.clone(), dir.path().to_path_buf());
            async move { source.download(&video, &dir, true, CancellationToken::new()).await }
        });
        until("the fake yt-dlp started or failed", || child_pid.exists() || started.is_finished()).await;
        if !started.is_finished() {
            download = Some(started);
            break;
        }
        match started.await.unwrap() {
            Err(e) if e.message.contains("Text file busy") => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("the fake yt-dlp ended on its own: {other:?}"),
        }
    }
    let download = download.expect("the fake yt-dlp stayed busy");
    download.abort();
    assert!(download.await.unwrap_err().is_cancelled());
    let child = std::fs::read_to_string(&child_pid).unwrap();
    let grandchild = std::fs::read_to_string(&grandchild_pid).unwrap();
    until("yt-dlp is killed", || is_dead(&child)).await;
    until("what yt-dlp started is killed too", || is_dead(&grandchild)).await;
}
