//! schemathesis against this build's `jobsmith serve`: every route and method of `/openapi.json`
//! with an admin key, a bounded number of cases per operation and a fixed seed, so that CI runs
//! the same cases each time. No 5xx, and every answer as the document describes it; the routes
//! of stored videos, files, clips, scrape runs and scheduled scrapes reach what the script
//! stored before the run (it fails if one never does). `infra/schemathesis.sh run [SECONDS]`
//! runs the same checks for longer.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Cases per operation: enough for every phase to reach each route, small enough for CI.
const MAX_EXAMPLES: &str = "20";
const SEED: &str = "20261202";
/// Far above the ~30 s the runs take on two busy cores, seeding included.
const LIMIT: Duration = Duration::from_secs(300);
const POLL_EVERY: Duration = Duration::from_millis(200);

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_route_answers_as_the_document_says() {
    let root = repository();
    assert!(
        root.join(".venv-schemathesis/bin/st").is_file(),
        "schemathesis is not installed: run infra/schemathesis.sh install"
    );
    assert!(
        root.join(".venv-media/bin/yt-dlp").is_file(),
        "the media tools, which store the videos and clips the run addresses, are not installed: run infra/media.sh install"
    );
    let log = tempfile::NamedTempFile::new().expect("log file");
    let output_file = log.reopen().expect("log for the script's output");
    let mut child = Command::new(root.join("infra/schemathesis.sh"))
        .args(["run", "--max-examples", MAX_EXAMPLES, "--seed", SEED])
        .env("JOBSMITH_BIN", env!("CARGO_BIN_EXE_jobsmith"))
        .stdin(Stdio::null())
        // One open file description for both: two opens of the file would each write from their
        // own offset, over each other's lines.
        .stdout(output_file.try_clone().expect("log for stdout"))
        .stderr(output_file)
        // Its own process group, so that a run past the limit is stopped whole: the script,
        // schemathesis and the server.
        .process_group(0)
        .spawn()
        .expect("start infra/schemathesis.sh");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for schemathesis") {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            let group = nix::unistd::Pid::from_raw(-i32::try_from(child.id()).expect("a pid fits i32"));
            let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGTERM);
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(POLL_EVERY);
    };
    let output = std::fs::read_to_string(log.path()).unwrap_or_default();
    match status {
        Some(status) if status.success() => {
            assert!(
                output.contains("schemathesis.sh: seeded:"),
                "nothing was stored for the run to address:\n{output}"
            );
        }
        Some(status) => panic!("schemathesis found problems ({status}):\n{output}"),
        None => panic!("schemathesis did not finish within {LIMIT:?}:\n{output}"),
    }
}
