//! One yt-dlp run as a child process: started from an argv (never a shell) with a clean
//! environment, in its own process group, its stdout handed over line by line, its stderr kept
//! for the failure's message. A cancel or a dropped future kills the whole group, so the ffmpeg
//! a merge starts dies with yt-dlp.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use crate::domain::video::FailureClass;
use crate::ports::FetchError;

/// One info JSON line: YouTube's, with hundreds of formats, is a few MB; anything past this is
/// not one and is skipped.
const LINE_LIMIT: u64 = 32 * 1024 * 1024;
/// What is kept of stderr: its first errors are the ones that say why.
const STDERR_LIMIT: u64 = 256 * 1024;
/// How long the pipes may still be read once the group is killed.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// How a run ended.
#[derive(Debug)]
pub(super) struct Finished {
    /// None when killed by a signal.
    pub code: Option<i32>,
    pub stderr: String,
    /// The cancel fired and the run was killed.
    pub cancelled: bool,
}

pub(super) struct Invocation<'a> {
    pub program: &'a Path,
    pub args: Vec<OsString>,
    pub env: Vec<(String, String)>,
    pub working_dir: &'a Path,
}

/// Runs it to the end or until `cancel`, passing each stdout line to `on_line` as it comes.
pub(super) async fn run(
    invocation: Invocation<'_>,
    cancel: &CancellationToken,
    mut on_line: impl FnMut(&[u8]),
) -> Result<Finished, FetchError> {
    let mut child = isolated(invocation.program, &invocation.env, invocation.working_dir)
        .args(&invocation.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| spawn_failure(invocation.program, &err))?;
    let mut group = GroupGuard::new(child.id());
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let work = async {
        let (stderr, ()) = tokio::join!(read_bounded(stderr), read_lines(stdout, &mut on_line));
        stderr
    };
    let killed = AtomicBool::new(false);
    // A cancel kills the group at once, then lets the pipes drain: what yt-dlp printed before
    // it died is still wanted (a cancelled listing keeps what it found). A process that escaped
    // the group could hold them open, so the draining is bounded.
    let kill_on_cancel = async {
        cancel.cancelled().await;
        group.kill();
        killed.store(true, Ordering::Relaxed);
        tokio::time::sleep(DRAIN_GRACE).await;
    };
    let stderr = tokio::select! {
        stderr = work => stderr,
        () = kill_on_cancel => String::new(),
    };
    let status = child.wait().await;
    // Whatever the leader left behind goes too; after this the id may be reused.
    group.kill_and_disarm();
    if killed.load(Ordering::Relaxed) {
        return Ok(Finished { code: None, stderr, cancelled: true });
    }
    let status =
        status.map_err(|err| FetchError::new(FailureClass::Extractor, format!("cannot wait for yt-dlp: {err}")))?;
    Ok(Finished { code: status.code(), stderr, cancelled: false })
}

/// A child that sees only `env`, works in `working_dir`, leads a process group of its own (so
/// that [`GroupGuard`] takes whatever it starts too) and is killed when its handle is dropped.
pub(super) fn isolated(program: &Path, env: &[(String, String)], working_dir: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(working_dir)
        .process_group(0)
        .kill_on_drop(true);
    command
}

fn spawn_failure(program: &Path, err: &std::io::Error) -> FetchError {
    let at = program.display();
    let message = match err.kind() {
        // A script whose interpreter is missing fails the same way as a missing file.
        ErrorKind::NotFound if program.is_file() => {
            format!("cannot start yt-dlp at {at} ({err}): is its interpreter missing?")
        }
        ErrorKind::NotFound => format!("yt-dlp not found at {at}"),
        ErrorKind::PermissionDenied => format!("yt-dlp at {at} is not executable"),
        _ => format!("cannot start yt-dlp at {at}: {err}"),
    };
    // Not transient: nothing changes until the configuration does.
    FetchError::new(FailureClass::Extractor, message)
}

/// Each line without its newline; an overlong one is skipped whole.
async fn read_lines(stream: Option<impl AsyncRead + Unpin>, on_line: &mut impl FnMut(&[u8])) {
    let Some(stream) = stream else { return };
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        // A read error ends the output; the exit status tells the rest.
        let Ok(read) = (&mut reader).take(LINE_LIMIT).read_until(b'\n', &mut line).await else { return };
        if read == 0 {
            return;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            on_line(&line);
        } else if read as u64 == LINE_LIMIT {
            tracing::warn!(limit = LINE_LIMIT, "skipped a yt-dlp output line longer than the limit");
            skip_rest_of_line(&mut reader).await;
        } else {
            // The last line, without a newline.
            on_line(&line);
        }
    }
}

async fn skip_rest_of_line(reader: &mut (impl tokio::io::AsyncBufRead + Unpin)) {
    loop {
        let Ok(buffer) = reader.fill_buf().await else { return };
        if buffer.is_empty() {
            return;
        }
        match buffer.iter().position(|b| *b == b'\n') {
            Some(at) => {
                reader.consume(at + 1);
                return;
            }
            None => {
                let all = buffer.len();
                reader.consume(all);
            }
        }
    }
}

/// The first [`STDERR_LIMIT`] bytes; the rest is read and dropped so the child never blocks on
/// a full pipe.
async fn read_bounded(stream: Option<impl AsyncRead + Unpin>) -> String {
    let Some(mut stream) = stream else { return String::new() };
    let mut kept = Vec::new();
    // A read error leaves what was read.
    let _ = (&mut stream).take(STDERR_LIMIT).read_to_end(&mut kept).await;
    let _ = tokio::io::copy(&mut stream, &mut tokio::io::sink()).await;
    String::from_utf8_lossy(&kept).into_owned()
}

/// The child's process group (its pid, since it was started with `process_group(0)`), killed
/// when dropped so that a run whose future is dropped leaves nothing behind.
pub(super) struct GroupGuard {
    pgid: Option<Pid>,
}

impl GroupGuard {
    pub(super) fn new(pid: Option<u32>) -> Self {
        Self { pgid: pid.and_then(|p| i32::try_from(p).ok()).filter(|p| *p > 1).map(Pid::from_raw) }
    }

    pub(super) fn kill(&self) {
        if let Some(pgid) = self.pgid {
            // ESRCH only means everyone is already gone.
            let _ = killpg(pgid, Signal::SIGKILL);
        }
    }

    /// Kills once more and stops guarding: once the leader is reaped, its id may in time
    /// belong to an unrelated process.
    pub(super) fn kill_and_disarm(&mut self) {
        self.kill();
        self.pgid = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}
