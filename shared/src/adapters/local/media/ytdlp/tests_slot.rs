//! Download slots with a stand-in yt-dlp package, whose `main` does what the download's
//! directory tells it to: reuse, failures, a worker that dies, a dropped download, and a yt-dlp
//! that cannot host a worker.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::tests_process::{is_dead, until};
use super::*;
use crate::adapters::local::script::DEFAULT_PATH;

/// `main` reads `behaviour` in its working directory, the download's: `ok` writes the video and
/// prints its path, `fail` says 404, `die` ends the process mid-download, `hang` starts a
/// grandchild and waits, leaving both pids; `meet` waits until two downloads have arrived.
const STAND_IN: &str = r#"
import os, subprocess, sys, time
from . import version

def main(argv):
    behaviour = open("behaviour").read().strip()
    if behaviour == "fail":
        sys.stderr.write("ERROR: [generic] v: Unable to download webpage: HTTP Error 404: Not Found\n")
        sys.exit(1)
    if behaviour == "die":
        os._exit(3)
    if behaviour == "hang":
        sleeper = subprocess.Popen(["sleep", "300"])
        open("grandchild.pid", "w").write(str(sleeper.pid))
        open("child.pid", "w").write(str(os.getpid()))
        sleeper.wait()
    if behaviour == "meet":
        open(os.path.join("..", "arrived-" + os.path.basename(os.getcwd())), "w").close()
        deadline = time.monotonic() + 20
        while len([n for n in os.listdir("..") if n.startswith("arrived-")]) < 2:
            if time.monotonic() > deadline:
                sys.exit("ERROR: the other download never came")
            time.sleep(0.02)
    paths = argv[argv.index("--paths") + 1]
    open(os.path.join(paths, "video.mp4"), "w").write("bytes")
    open(os.path.join(paths, "video.info.json"), "w").write("{}")
    print(os.path.join(paths, "video.mp4"))
"#;

struct StandIn {
    dir: tempfile::TempDir,
    source: Arc<YtDlpSource>,
}

/// A launcher as pip writes one, started with the system's python3, importing the stand-in
/// package from beside it; `launcher_body` replaces its body.
fn stand_in(launcher_body: Option<&str>) -> StandIn {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("lib").join("yt_dlp");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(package.join("__init__.py"), STAND_IN).unwrap();
    std::fs::write(package.join("version.py"), "__version__ = 'stand-in'\n").unwrap();
    let lib = dir.path().join("lib").display().to_string();
    let body = launcher_body.map_or_else(
        || format!("import sys\nsys.path.insert(0, {lib:?})\nfrom yt_dlp import main\nif __name__ == '__main__':\n    sys.exit(main(sys.argv[1:]))\n"),
        str::to_owned,
    );
    let ytdlp = dir.path().join("yt-dlp");
    std::fs::write(&ytdlp, format!("#!/usr/bin/env python3\n{body}")).unwrap();
    std::fs::set_permissions(&ytdlp, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = ScriptEnvironment::capture(|name| (name == "PATH").then(|| DEFAULT_PATH.to_owned()));
    let tools = MediaTools { ytdlp, ..MediaTools::default() };
    let source = Arc::new(YtDlpSource::new(&tools, env, dir.path().join("cache")));
    StandIn { dir, source }
}

/// As [`stand_in`], with workers replaced after `downloads` downloads.
fn stand_in_recycling(downloads: usize) -> StandIn {
    let mut yt = stand_in(None);
    let source = Arc::get_mut(&mut yt.source).expect("not shared yet");
    source.slots = slot::Slots::recycling_after(downloads);
    yt
}

impl StandIn {
    /// A download directory whose stand-in does `behaviour`.
    fn download_dir(&self, name: &str, behaviour: &str) -> PathBuf {
        let dir = self.dir.path().join("downloads").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("behaviour"), behaviour).unwrap();
        dir
    }

    async fn download(&self, dir: &Path) -> Result<Downloaded, FetchError> {
        let video = info::listed_video(&serde_json::json!({
            "id": "v", "extractor_key": "Generic", "webpage_url": "https://example.test/v/v"
        }))
        .unwrap();
        self.source.download(&video, dir, false, CancellationToken::new()).await
    }
}

#[tokio::test]
async fn downloads_one_after_another_share_a_worker_through_failures() {
    let yt = stand_in(None);
    let first = yt.download(&yt.download_dir("1", "ok")).await.unwrap();
    assert_eq!(std::fs::read_to_string(&first.file).unwrap(), "bytes");
    let failed = yt.download(&yt.download_dir("2", "fail")).await.unwrap_err();
    assert_eq!(failed.class, FailureClass::NotFound, "{failed}");
    assert!(failed.message.contains("HTTP Error 404"), "{}", failed.message);
    let third = yt.download(&yt.download_dir("3", "ok")).await.unwrap();
    assert_eq!(third.file, yt.dir.path().join("downloads/3/video.mp4"));
    assert_eq!(yt.source.slots.started(), 1, "one worker took all three");
}

#[tokio::test]
async fn a_worker_is_replaced_after_its_share_of_downloads() {
    let yt = stand_in_recycling(2);
    for n in 0..5 {
        yt.download(&yt.download_dir(&n.to_string(), "ok")).await.unwrap();
    }
    assert_eq!(yt.source.slots.started(), 3, "downloads 1-2, 3-4 and 5");
}

#[tokio::test]
async fn downloads_at_once_each_have_their_own_worker() {
    let yt = stand_in(None);
    let (a, b) = (yt.download_dir("a", "meet"), yt.download_dir("b", "meet"));
    let (a, b) = tokio::join!(yt.download(&a), yt.download(&b));
    a.unwrap();
    b.unwrap();
    assert_eq!(yt.source.slots.started(), 2);
    yt.download(&yt.download_dir("c", "ok")).await.unwrap();
    assert_eq!(yt.source.slots.started(), 2, "an idle one took the next");
}

#[tokio::test]
async fn a_worker_that_dies_fails_its_video_alone_and_the_next_gets_a_new_one() {
    let yt = stand_in(None);
    let error = yt.download(&yt.download_dir("1", "die")).await.unwrap_err();
    assert_eq!(error.class, FailureClass::Extractor, "{error}");
    assert!(error.message.contains("stopped without answering"), "{}", error.message);
    yt.download(&yt.download_dir("2", "ok")).await.unwrap();
    assert_eq!(yt.source.slots.started(), 2);
}

#[tokio::test]
async fn a_dropped_download_kills_its_worker_and_what_that_started() {
    let yt = stand_in(None);
    let dir = yt.download_dir("hang", "hang");
    let download = tokio::spawn({
        let (yt_source, dir) = (yt.source.clone(), dir.clone());
        async move {
            let video = info::listed_video(
                &serde_json::json!({"id": "v", "extractor_key": "Generic", "webpage_url": "https://example.test/v/v"}),
            )
            .unwrap();
            yt_source.download(&video, &dir, false, CancellationToken::new()).await
        }
    });
    let (child_pid, grandchild_pid) = (dir.join("child.pid"), dir.join("grandchild.pid"));
    until("the worker started its download", || child_pid.exists() && grandchild_pid.exists()).await;
    download.abort();
    assert!(download.await.unwrap_err().is_cancelled());
    let child = std::fs::read_to_string(&child_pid).unwrap();
    let grandchild = std::fs::read_to_string(&grandchild_pid).unwrap();
    until("the worker is killed", || is_dead(&child)).await;
    until("what it started is killed too", || is_dead(&grandchild)).await;
}

#[tokio::test]
async fn a_yt_dlp_that_cannot_host_a_worker_runs_each_download_as_its_own_process() {
    // Importable only as the main module: the worker cannot import it, a process runs it.
    let body = "import os\nif __name__ != '__main__':\n    raise ImportError('only as a program')\n\
                open('video.mp4', 'w').write('own')\nopen('video.info.json', 'w').write('{}')\n\
                print(os.path.abspath('video.mp4'))\n";
    let yt = stand_in(Some(body));
    for n in 0..2 {
        let dir = yt.download_dir(&n.to_string(), "ok");
        let mut got = yt.download(&dir).await;
        // A file written a moment ago can be open in a child another test thread forked.
        for _ in 0..20 {
            if !matches!(&got, Err(e) if e.message.contains("Text file busy")) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            got = yt.download(&dir).await;
        }
        assert_eq!(std::fs::read_to_string(got.unwrap().file).unwrap(), "own");
    }
    assert_eq!(yt.source.slots.started(), 1, "tried once, then left alone");
    assert!(!yt.source.slots.usable());
}
