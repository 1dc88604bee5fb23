//! schemathesis against this build's `jobsmith serve`: every route and method of `/openapi.json`
//! with an admin key, a bounded number of cases per operation and a fixed seed, so that CI runs
//! the same cases each time. No 5xx, and every answer as the document describes it.
//! `infra/schemathesis.sh run [SECONDS]` runs the same checks for longer.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Cases per operation: enough for every phase to reach each route, small enough for CI.
const MAX_EXAMPLES: &str = "20";
const SEED: &str = "20261202";
/// Far above the ~20 s the run takes on two busy cores.
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
    let log = tempfile::NamedTempFile::new().expect("log file");
    let mut child = Command::new(root.join("infra/schemathesis.sh"))
        .args(["run", "--max-examples", MAX_EXAMPLES, "--seed", SEED])
        .env("JOBSMITH_BIN", env!("CARGO_BIN_EXE_jobsmith"))
        .stdin(Stdio::null())
        .stdout(log.reopen().expect("log for stdout"))
        .stderr(log.reopen().expect("log for stderr"))
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
        Some(status) if status.success() => {}
        Some(status) => panic!("schemathesis found problems ({status}):\n{output}"),
        None => panic!("schemathesis did not finish within {LIMIT:?}:\n{output}"),
    }
}
