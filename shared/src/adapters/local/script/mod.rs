//! Runs bash and python scripts as child processes, never through a shell.
//!
//! Each run gets its own process group so that a timeout or a cancellation can kill everything
//! the script started, and only the end of its output is kept so that memory stays bounded.

mod env;
mod group;
mod interpreters;
mod python;
mod tail;

pub use env::{DEFAULT_PATH, INHERITED_VARS, ScriptEnvironment, hide_own_environment};
use group::GroupGuard;
pub use interpreters::Interpreters;
use python::{Report, ResultFile};
use serde::{Deserialize, Serialize};
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

/// How long output may keep flowing after the script has ended: descendants that left the
/// process group can hold the pipes open forever, and the run must still finish.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptKind {
    Bash,
    Python,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInvocation {
    pub kind: ScriptKind,
    /// Already resolved and checked against the script roots.
    pub script: PathBuf,
    pub args: Vec<String>,
    pub timeout: Option<Duration>,
    pub working_dir: Option<PathBuf>,
    /// The script's whole environment (see [`ScriptEnvironment::with`]): nothing of the
    /// server's own reaches the script unless it is listed here.
    pub env: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptStatus {
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptOutcome {
    pub status: ScriptStatus,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// A python `main()`'s return value; `None` for bash and for a `None` return.
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    /// The end of each stream, at most `record_budget::TAIL_BUDGET` bytes of text, behind a
    /// marker when anything before it was left out.
    pub stdout_tail: String,
    pub stderr_tail: String,
    /// From spawn to exit.
    pub duration: Duration,
}

impl ScriptOutcome {
    fn not_started(error: String) -> Self {
        Self {
            status: ScriptStatus::Failed,
            exit_code: None,
            signal: None,
            result: None,
            error: Some(error),
            stdout_tail: String::new(),
            stderr_tail: String::new(),
            duration: Duration::ZERO,
        }
    }
}

/// Why the wait for the child ended.
enum Ending {
    Exited,
    TimedOut(Duration),
    Cancelled,
}

/// Never panics and never returns before the child is reaped; dropping the future kills the
/// whole process group.
pub async fn run_script(
    interpreters: &Interpreters,
    inv: ScriptInvocation,
    cancel: CancellationToken,
) -> ScriptOutcome {
    if let Some(dir) = &inv.working_dir
        && !dir.is_dir()
    {
        return ScriptOutcome::not_started("the working directory does not exist".to_owned());
    }
    let result_file = match inv.kind {
        ScriptKind::Python => match ResultFile::create() {
            Ok(file) => Some(file),
            Err(e) => return ScriptOutcome::not_started(format!("could not prepare the result file: {e}")),
        },
        ScriptKind::Bash => None,
    };
    let interpreter = interpreters.for_kind(inv.kind);
    let mut child = match command(interpreter, &inv, result_file.as_ref()).spawn() {
        Ok(child) => child,
        Err(e) => return ScriptOutcome::not_started(format!("could not start {}: {e}", interpreter.display())),
    };
    let started = Instant::now();
    let mut group = GroupGuard::new(child.id());
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (stop_reading, drained) = (CancellationToken::new(), CancellationToken::new());

    let supervise = async {
        let (ending, status) = wait_or_kill(&mut child, &group, inv.timeout, &cancel).await;
        let duration = started.elapsed();
        // The script is over; whatever it left running in the background goes with it.
        group.kill_and_disarm();
        tokio::select! {
            () = drained.cancelled() => {}
            () = tokio::time::sleep(DRAIN_GRACE) => stop_reading.cancel(),
        }
        (ending, status, duration)
    };
    let read = async {
        let tails = tokio::join!(tail::read_tail(stdout, &stop_reading), tail::read_tail(stderr, &stop_reading));
        drained.cancel();
        tails
    };
    let ((ending, status, duration), (stdout_tail, stderr_tail)) = tokio::join!(supervise, read);

    let mut outcome = outcome(ending, status, duration, stdout_tail, stderr_tail);
    if let Some(file) = &result_file
        && matches!(outcome.status, ScriptStatus::Succeeded | ScriptStatus::Failed)
    {
        apply_report(&mut outcome, file.read());
    }
    outcome
}

fn command(interpreter: &Path, inv: &ScriptInvocation, result_file: Option<&ResultFile>) -> Command {
    let mut cmd = Command::new(interpreter);
    match inv.kind {
        // `--` so that no script path can be read as a bash option.
        ScriptKind::Bash => cmd.arg("--"),
        // -u: unbuffered, so the tails are complete even when the script is killed.
        // -B: no __pycache__ littered into the script roots.
        ScriptKind::Python => cmd.args(["-u", "-B", "-c", python::BOOTSTRAP]),
    };
    cmd.arg(&inv.script)
        .args(&inv.args)
        .env_clear()
        .envs(inv.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(file) = result_file {
        cmd.env(python::RESULT_ENV, file.path());
    }
    if let Some(dir) = &inv.working_dir {
        cmd.current_dir(dir);
    }
    cmd
}

/// Kills the group while the leader is still unreaped, so its id cannot have been reused yet.
async fn wait_or_kill(
    child: &mut Child,
    group: &GroupGuard,
    timeout: Option<Duration>,
    cancel: &CancellationToken,
) -> (Ending, io::Result<ExitStatus>) {
    let deadline = async {
        match timeout {
            Some(limit) => {
                tokio::time::sleep(limit).await;
                limit
            }
            None => std::future::pending().await,
        }
    };
    let ending = tokio::select! {
        biased;
        status = child.wait() => return (Ending::Exited, status),
        () = cancel.cancelled() => Ending::Cancelled,
        limit = deadline => Ending::TimedOut(limit),
    };
    group.kill();
    (ending, child.wait().await)
}

fn outcome(
    ending: Ending,
    status: io::Result<ExitStatus>,
    duration: Duration,
    stdout_tail: String,
    stderr_tail: String,
) -> ScriptOutcome {
    let (exit_code, signal) = match &status {
        Ok(s) => (s.code(), s.signal()),
        Err(_) => (None, None),
    };
    let (status, error) = match (ending, status) {
        (Ending::TimedOut(limit), _) => (ScriptStatus::TimedOut, format!("timed out after {} s", limit.as_secs_f64())),
        (Ending::Cancelled, _) => (ScriptStatus::Cancelled, "cancelled".to_owned()),
        (Ending::Exited, Err(e)) => (ScriptStatus::Failed, format!("could not wait for the script: {e}")),
        (Ending::Exited, Ok(_)) => match (exit_code, signal) {
            (Some(0), _) => (ScriptStatus::Succeeded, String::new()),
            (Some(code), _) => (ScriptStatus::Failed, format!("exit code {code}")),
            (None, Some(sig)) => (ScriptStatus::Failed, format!("killed by signal {sig}")),
            (None, None) => (ScriptStatus::Failed, "ended without an exit code".to_owned()),
        },
    };
    ScriptOutcome {
        status,
        exit_code,
        signal,
        result: None,
        error: (!error.is_empty()).then_some(error),
        stdout_tail,
        stderr_tail,
        duration,
    }
}

/// The bootstrap's own words beat a bare exit code; a result that cannot be kept fails the run,
/// since capturing it is part of what a python job promises.
fn apply_report(outcome: &mut ScriptOutcome, report: Report) {
    match report {
        Report::Nothing => {}
        Report::Value(value) => outcome.result = Some(value),
        Report::Error(message) | Report::Unusable(message) => {
            outcome.status = ScriptStatus::Failed;
            outcome.error = Some(message);
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_python;
