//! Asks each media tool for its version, the way a run will start it: as a child process with
//! argv (no shell), the scripts' clean environment and a deadline. Whatever the configured path
//! holds, the answer is a status, never a panic.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::{MediaTools, Tool};
use crate::adapters::local::script::ScriptEnvironment;

/// yt-dlp is a Python program that imports its hundreds of extractors before it answers; on a
/// busy two-core machine that takes seconds, not minutes.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// A version line is short; anything past this is not the program we asked for.
const OUTPUT_LIMIT: u64 = 64 * 1024;
/// How much of the output a failure quotes.
const QUOTE_LIMIT: usize = 300;

/// What one tool answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolProbe {
    pub tool: &'static str,
    pub path: PathBuf,
    #[serde(flatten)]
    pub status: ToolStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ToolStatus {
    Ready { version: String },
    NotFound,
    NotExecutable,
    Failed { reason: String },
}

impl ToolProbe {
    pub fn version(&self) -> Option<&str> {
        match &self.status {
            ToolStatus::Ready { version } => Some(version),
            _ => None,
        }
    }
}

impl std::fmt::Display for ToolStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ToolStatus::Ready { version } => write!(f, "version {version}"),
            ToolStatus::NotFound => f.write_str("not found"),
            ToolStatus::NotExecutable => f.write_str("not executable"),
            ToolStatus::Failed { reason } => write!(f, "failed: {reason}"),
        }
    }
}

/// Every tool, concurrently.
pub async fn probe_all(tools: &MediaTools, env: &ScriptEnvironment, timeout: Duration) -> Vec<ToolProbe> {
    let [ytdlp, ffmpeg, ffprobe] = Tool::ALL;
    let (a, b, c) = tokio::join!(
        probe(ytdlp, tools.path(ytdlp), env, timeout),
        probe(ffmpeg, tools.path(ffmpeg), env, timeout),
        probe(ffprobe, tools.path(ffprobe), env, timeout),
    );
    vec![a, b, c]
}

/// Runs `path`'s version command (`yt-dlp --version`, `ffmpeg -version`, `ffprobe -version`).
pub async fn probe(tool: Tool, path: &Path, env: &ScriptEnvironment, timeout: Duration) -> ToolProbe {
    let status = match tokio::time::timeout(timeout, version_output(tool, path, env)).await {
        Err(_) => ToolStatus::Failed { reason: format!("no answer within {} s", timeout.as_secs_f64()) },
        Ok(Err(status)) => status,
        Ok(Ok(stdout)) => match parse_version(tool, &stdout) {
            Some(version) => ToolStatus::Ready { version },
            None => ToolStatus::Failed {
                reason: format!("unexpected answer to {}: {}", version_args(tool)[0], quote(&stdout)),
            },
        },
    };
    ToolProbe { tool: tool.name(), path: path.to_path_buf(), status }
}

fn version_args(tool: Tool) -> [&'static str; 1] {
    match tool {
        Tool::YtDlp => ["--version"],
        Tool::Ffmpeg | Tool::Ffprobe => ["-version"],
    }
}

/// The tool's standard output when it exits 0. Dropping the future (the deadline) kills it.
async fn version_output(tool: Tool, path: &Path, env: &ScriptEnvironment) -> Result<String, ToolStatus> {
    let mut child =
        super::tool_command(path, env).args(version_args(tool)).spawn().map_err(|err| spawn_failure(path, &err))?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (stdout, stderr) = tokio::join!(read_limited(stdout), read_limited(stderr));
    let status =
        child.wait().await.map_err(|err| ToolStatus::Failed { reason: format!("cannot wait for it: {err}") })?;
    if !status.success() {
        let said = if stderr.trim().is_empty() { &stdout } else { &stderr };
        let ended = match status.code() {
            Some(code) => format!("exit code {code}"),
            None => format!("{status}"),
        };
        return Err(ToolStatus::Failed { reason: format!("{ended}: {}", quote(said)) });
    }
    Ok(stdout)
}

fn spawn_failure(path: &Path, err: &std::io::Error) -> ToolStatus {
    match err.kind() {
        // A script whose interpreter is missing fails the same way as a missing file.
        ErrorKind::NotFound if path.is_file() => {
            ToolStatus::Failed { reason: format!("cannot start it ({err}): is its interpreter missing?") }
        }
        ErrorKind::NotFound => ToolStatus::NotFound,
        ErrorKind::PermissionDenied => ToolStatus::NotExecutable,
        _ => ToolStatus::Failed { reason: format!("cannot start it: {err}") },
    }
}

/// Reads at most [`OUTPUT_LIMIT`] bytes, then lets the pipe close: a program that keeps writing
/// gets SIGPIPE rather than our memory.
async fn read_limited(stream: Option<impl AsyncRead + Unpin>) -> String {
    let mut bytes = Vec::new();
    if let Some(stream) = stream {
        // A read error leaves what was read; the exit status tells the rest.
        let _ = stream.take(OUTPUT_LIMIT).read_to_end(&mut bytes).await;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `yt-dlp --version` prints the version alone; ffmpeg and ffprobe open with `NAME version V`.
/// Anything else is not the tool it is configured as.
fn parse_version(tool: Tool, stdout: &str) -> Option<String> {
    let first = stdout.lines().next()?.trim();
    match tool {
        Tool::YtDlp => {
            let looks_like_one = !first.is_empty()
                && !first.contains(char::is_whitespace)
                && first.starts_with(|c: char| c.is_ascii_digit());
            looks_like_one.then(|| first.to_owned())
        }
        Tool::Ffmpeg | Tool::Ffprobe => {
            let mut words = first.split_whitespace();
            let named = words.next() == Some(tool.name()) && words.next() == Some("version");
            named.then(|| words.next()).flatten().map(str::to_owned)
        }
    }
}

fn quote(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "(no output)".to_owned();
    }
    let cut: String = text.chars().take(QUOTE_LIMIT).collect();
    if cut.len() < text.len() { format!("{cut}…") } else { cut }
}

#[cfg(test)]
#[path = "probe_tests.rs"]
mod tests;
