//! `cargo lambda watch` of a test's own: the workspace's real function binaries behind
//! cargo-lambda's Lambda emulator on a free loopback port, stopped when dropped. cargo-lambda is
//! installed by `infra/aws/emulators.sh install`.
//!
//! The emulator runs each function with `cargo run --bin <name>` from the workspace root on its
//! first invocation, in the emulator's own environment: the functions see the variables given to
//! [`LambdaWatch::start`] and none of the test's AWS or jobsmith settings (see `isolate_env`).
//! Its output and the functions' go to a log whose end is shown when something fails.
//!
//! Where it differs from Lambda (cargo-lambda 1.9.2): the runtime API's deadline header is a
//! fixed `600000` rather than a time since the epoch, so a function's `context.deadline()` lies
//! in 1970; every function runs as one instance, one event at a time.

use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::Value;

/// Until the emulator listens: it reads the workspace's metadata first.
const LISTENING_WITHIN: Duration = Duration::from_secs(120);
/// Building the functions up front: a cold dev build of the AWS SDK on two cores, possibly behind
/// another build's lock on the target directory.
const BUILT_WITHIN: Duration = Duration::from_secs(30 * 60);
/// One invocation, including the function's `cargo run` on its first one (a freshness check
/// after [`LambdaWatch::start`]'s build, or the whole build behind another build's lock).
const ANSWERED_WITHIN: Duration = Duration::from_secs(15 * 60);
/// After SIGTERM the emulator stops each function's process group itself; then it is killed.
const STOPPED_WITHIN: Duration = Duration::from_secs(10);
/// How much of the log a failure shows.
const LOG_TAIL_BYTES: usize = 8 * 1024;

pub struct LambdaWatch {
    child: Child,
    endpoint: String,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
    client: reqwest::Client,
}

/// A function's answer through the emulator's invoke API: the HTTP status of the invoke call and
/// the function's result (or the emulator's error), as JSON where it is JSON.
#[derive(Debug)]
pub struct Invocation {
    pub status: u16,
    pub body: Value,
}

impl LambdaWatch {
    /// Builds `functions` (binary names) in one cargo run, so that their links share the cores,
    /// then starts the emulator over the whole workspace. Invoking a function not listed works
    /// too: the emulator builds it then. Panics with what to do when cargo-lambda is not
    /// installed, and with cargo's output when the build fails.
    pub async fn start(functions: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_on(free_port(), functions, env).await
    }

    /// [`LambdaWatch::start`] on `port` (from [`free_port`]), for functions that must know the
    /// emulator's address before it starts: those that invoke others through it.
    pub async fn start_on(port: u16, functions: &[&str], env: &[(&str, &str)]) -> Self {
        let binary = cargo_lambda_binary();
        if !binary.exists() {
            panic!("{} not found; run `infra/aws/emulators.sh install` first", binary.display());
        }
        let root = workspace_root();
        let overrides = strip_debuginfo();
        build(&root, functions, &overrides, env).await;

        let log_dir = tempfile::tempdir().expect("a directory for the emulator's log");
        let log = log_dir.path().join("cargo-lambda-watch.log");
        let out = File::create(&log).expect("create the emulator's log");
        let err = out.try_clone().expect("share the emulator's log");
        let mut command = Command::new(&binary);
        command
            .args(["lambda", "watch", "--ignore-changes", "--invoke-address", "127.0.0.1", "--invoke-port"])
            .arg(port.to_string())
            .args(&overrides)
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own group, signalled as one on drop.
            .process_group(0);
        isolate_env(&mut command, env);
        let child = command.spawn().unwrap_or_else(|e| {
            panic!("cannot start {}: {e}; run `infra/aws/emulators.sh install` first", binary.display())
        });
        let mut watch = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
            _log_dir: log_dir,
            client: reqwest::Client::builder().timeout(ANSWERED_WITHIN).build().expect("an HTTP client"),
        };
        watch.wait_listening(port).await;
        watch
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Invokes `function` with `event`, as `aws lambda invoke` would (RequestResponse). Fails as
    /// soon as the emulator reports that a function's process ended (its build failed, or it
    /// exited): the emulator would leave the invocation waiting.
    pub async fn invoke(&self, function: &str, event: &Value) -> Invocation {
        let url = format!("{}/2015-03-31/functions/{function}/invocations", self.endpoint);
        let logged_before = self.log_len();
        let request = self.client.post(&url).json(event).send();
        tokio::pin!(request);
        let sent = loop {
            tokio::select! {
                sent = &mut request => break sent,
                () = tokio::time::sleep(Duration::from_millis(250)) => {
                    if let Some(line) = self.process_ended_since(logged_before) {
                        panic!("invoking {function}: {line}\n{}", self.log_tail());
                    }
                }
            }
        };
        let response = match sent {
            Ok(response) => response,
            Err(e) => panic!("invoking {function}: {e}\n{}", self.log_tail()),
        };
        let status = response.status().as_u16();
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => panic!("reading {function}'s answer: {e}\n{}", self.log_tail()),
        };
        let body =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Invocation { status, body }
    }

    fn log_len(&self) -> u64 {
        std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0)
    }

    /// The emulator's report of a function process that ended, logged after `offset`: watchexec,
    /// which runs each function, says `command exited`, `command killed`, `command stopped` or
    /// `command ended by exception`.
    fn process_ended_since(&self, offset: u64) -> Option<String> {
        let text = std::fs::read(&self.log).ok()?;
        let new = text.get(usize::try_from(offset).ok()?..)?;
        String::from_utf8_lossy(new)
            .lines()
            .find(|line| {
                ["command exited", "command killed", "command stopped", "command ended"]
                    .iter()
                    .any(|w| line.contains(w))
            })
            .map(str::to_owned)
    }

    /// The end of the emulator's and the functions' output, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(LOG_TAIL_BYTES);
        format!(
            "--- cargo lambda watch, last {} bytes ---\n{}",
            text.len() - start,
            String::from_utf8_lossy(&text[start..])
        )
    }

    async fn wait_listening(&mut self, port: u16) {
        let deadline = Instant::now() + LISTENING_WITHIN;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("cargo lambda watch exited with {status}\n{}", self.log_tail());
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "cargo lambda watch did not listen on {} within {LISTENING_WITHIN:?}\n{}",
            self.endpoint,
            self.log_tail()
        );
    }
}

impl Drop for LambdaWatch {
    fn drop(&mut self) {
        let Ok(raw) = i32::try_from(self.child.id()) else { return };
        let group = Pid::from_raw(raw);
        // The emulator starts every function (its `cargo run`, then the binary) in a session and
        // process group of its own; note them before the emulator can no longer be asked.
        let function_groups = descendant_groups(raw);
        // On SIGTERM the emulator stops each function's group and exits.
        let _ = killpg(group, Signal::SIGTERM);
        let deadline = Instant::now() + STOPPED_WITHIN;
        let mut stopped = false;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_)) | Err(_)) {
                stopped = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if !stopped {
            let _ = killpg(group, Signal::SIGKILL);
            for function_group in function_groups {
                let _ = killpg(function_group, Signal::SIGKILL);
            }
        }
        let _ = self.child.wait();
    }
}

/// `--config` arguments that strip the debug information from the functions' binaries (the
/// emulator passes them on to its `cargo run`). A dev binary with the AWS SDK's debug information
/// is over 400 MB; stripped, it is a fraction of that. The override is for the functions' package
/// alone, so the dependencies are the workspace's dev builds, untouched.
fn strip_debuginfo() -> Vec<String> {
    vec!["--config".to_owned(), "profile.dev.package.jobsmith-functions.strip=\"debuginfo\"".to_owned()]
}

/// Builds function binaries for this machine as [`LambdaWatch::start`] does, with the same flags,
/// so that the two share one build; gives each one's path, in the order of `functions`.
pub async fn build_binaries(functions: &[&str]) -> Vec<PathBuf> {
    let stdout = build(&workspace_root(), functions, &strip_debuginfo(), &[]).await;
    // One JSON message a line; an executable's `compiler-artifact` names its path.
    let messages: Vec<Value> =
        stdout.split(|b| *b == b'\n').filter_map(|line| serde_json::from_slice(line).ok()).collect();
    functions
        .iter()
        .map(|function| {
            messages
                .iter()
                .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == *function)
                .find_map(|m| m["executable"].as_str())
                .map(PathBuf::from)
                .unwrap_or_else(|| panic!("cargo build named no executable for {function}"))
        })
        .collect()
}

/// `cargo build --bin …` exactly as the emulator's `cargo run --bin …` will build them (the same
/// manifest, so the same packages and features, and the same overrides), so that its runs find
/// them fresh. Gives cargo's JSON messages.
async fn build(root: &Path, functions: &[&str], overrides: &[String], env: &[(&str, &str)]) -> Vec<u8> {
    if functions.is_empty() {
        return Vec::new();
    }
    // The cargo the emulator runs: `$CARGO` (set under `cargo test`), else the one on the PATH.
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .args(["build", "--manifest-path", "Cargo.toml", "--message-format=json-render-diagnostics"])
        .current_dir(root)
        .stdin(Stdio::null());
    for function in functions {
        command.args(["--bin", function]);
    }
    command.args(overrides);
    isolate_env(&mut command, env);
    let mut command = tokio::process::Command::from(command);
    command.kill_on_drop(true);
    let output = match tokio::time::timeout(BUILT_WITHIN, command.output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => panic!("cannot run cargo build: {e}"),
        Err(_) => panic!("cargo build of {functions:?} took longer than {BUILT_WITHIN:?}"),
    };
    if !output.status.success() {
        panic!("cargo build of {functions:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    output.stdout
}

/// The environment of the nested cargo and of the functions: the test's, less two kinds of
/// variables, plus `env`.
///
/// - The AWS SDK's and jobsmith's settings (`AWS_*`, `JOBSMITH_*`): the functions' configuration
///   is `env` alone, not a developer's profile or endpoint. (`AWS_LC_*` configure a build.)
/// - What cargo sets for the test it runs (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, …). Build scripts
///   watch some of them (ring: `cargo:rerun-if-env-changed=CARGO_MANIFEST_DIR`), and cargo
///   compares the value in its own environment: a cargo that saw the test's values would rebuild
///   ring and everything above it, and so would the next cargo run from a shell.
fn isolate_env(command: &mut Command, env: &[(&str, &str)]) {
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if (text.starts_with("AWS_") && !text.starts_with("AWS_LC_"))
            || text.starts_with("JOBSMITH_")
            || set_by_cargo_for_a_crate(&text)
        {
            command.env_remove(&name);
        }
    }
    command.envs(env.iter().copied());
}

/// The variables cargo sets for a crate's build script, compilation or run (not those that
/// configure cargo itself, such as `CARGO`, `CARGO_HOME` or `CARGO_TARGET_DIR`).
fn set_by_cargo_for_a_crate(name: &str) -> bool {
    const PREFIXES: [&str; 4] = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CFG_", "CARGO_FEATURE_"];
    const NAMES: [&str; 6] = [
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    PREFIXES.iter().any(|prefix| name.starts_with(prefix)) || NAMES.contains(&name)
}

/// The process groups of `pid`'s descendants, from `/proc`.
fn descendant_groups(pid: i32) -> Vec<Pid> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    // (pid, parent, group) of every process.
    let processes: Vec<(i32, i32, i32)> = entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
            let mut fields = stat.get(stat.rfind(')')? + 1..)?.split_whitespace().skip(1);
            let parent = fields.next()?.parse().ok()?;
            let group = fields.next()?.parse().ok()?;
            Some((pid, parent, group))
        })
        .collect();
    let mut found = vec![pid];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        found.extend(processes.iter().filter(|(_, p, _)| *p == parent).map(|(child, _, _)| *child));
        next += 1;
    }
    let mut groups: Vec<Pid> = processes
        .iter()
        .filter(|(p, _, group)| found[1..].contains(p) && *group != pid)
        .map(|(_, _, group)| Pid::from_raw(*group))
        .collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

fn cargo_lambda_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("JOBSMITH_CARGO_LAMBDA") {
        return PathBuf::from(path);
    }
    workspace_root().join(".venv-emulators/bin/cargo-lambda")
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A loopback port free now, for [`LambdaWatch::start_on`].
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}
