//! ffmpeg and ffprobe as clip runs call them: with the run's clean environment, no shell, no
//! standard input, killed when the run is cancelled, and their complaint kept short.

use std::path::Path;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;

use super::super::script::ScriptEnvironment;
use crate::domain::task::{ClipAccuracy, Segment, secs};

/// How much of a tool's complaint goes into a run's error: its last lines say what went wrong.
const COMPLAINT_BYTES: usize = 600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Failed(String),
}

/// What ffprobe measured of a file, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub start: f64,
    pub duration: f64,
}

/// Runs `program` with `args` and returns its standard output, or what it said on failure.
async fn run(
    program: &Path,
    args: &[String],
    env: &ScriptEnvironment,
    cancel: &CancellationToken,
) -> Result<String, ToolError> {
    let mut child = super::tool_command(program, env)
        .args(args)
        .spawn()
        .map_err(|err| ToolError::Failed(format!("cannot start {}: {err}", program.display())))?;
    let (mut stdout, mut stderr) = (child.stdout.take(), child.stderr.take());
    // Both at once: a tool that fills one pipe while the other is being drained would stall.
    let read_all = async { tokio::join!(drain(stdout.as_mut()), drain(stderr.as_mut())) };
    let finished = async {
        let (out, err) = read_all.await;
        (child.wait().await, out, err)
    };
    // Dropping the child on cancel kills it (`kill_on_drop`).
    let (status, out, err) = tokio::select! {
        finished = finished => finished,
        () = cancel.cancelled() => return Err(ToolError::Cancelled),
    };
    let status = status.map_err(|e| ToolError::Failed(format!("cannot wait for {}: {e}", program.display())))?;
    if status.success() {
        return Ok(String::from_utf8_lossy(&out).into_owned());
    }
    let said = String::from_utf8_lossy(&err);
    let said = said.trim();
    let tail = &said[said.len().saturating_sub(COMPLAINT_BYTES)..];
    let tail = tail.trim_start_matches(|c: char| !c.is_ascii() || c.is_ascii_control());
    Err(ToolError::Failed(format!("{} failed ({status}): {tail}", tool_name(program))))
}

async fn drain<R: AsyncRead + Unpin>(pipe: Option<&mut R>) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Some(pipe) = pipe {
        // A pipe that breaks leaves what was read; the exit status tells the rest.
        let _ = pipe.read_to_end(&mut bytes).await;
    }
    bytes
}

fn tool_name(program: &Path) -> String {
    program.file_name().map_or_else(|| program.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The container's start time and duration, as ffprobe reads them.
pub async fn measure(
    ffprobe: &Path,
    file: &Path,
    env: &ScriptEnvironment,
    cancel: &CancellationToken,
) -> Result<Measured, ToolError> {
    let args = ["-v", "error", "-show_entries", "format=start_time,duration", "-of", "default=noprint_wrappers=1"]
        .map(str::to_owned)
        .into_iter()
        .chain([file.to_string_lossy().into_owned()])
        .collect::<Vec<_>>();
    let out = run(ffprobe, &args, env, cancel).await?;
    let field = |name: &str| {
        out.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .filter(|value| value.is_finite())
    };
    match field("duration") {
        Some(duration) => Ok(Measured { start: field("start_time").unwrap_or(0.0), duration }),
        None => Err(ToolError::Failed(format!("ffprobe found no duration in {}", tool_name(file)))),
    }
}

/// The arguments that cut `segment` out of `input` into `output`.
///
/// Both modes seek before opening the input. Without re-encoding, ffmpeg can only start at a
/// keyframe, so a copied clip starts at the keyframe at or before the start asked for and runs to
/// the end asked for. Re-encoding decodes from that keyframe and drops the frames before the
/// start, which makes the cut exact to the frame.
pub fn cut_args(input: &Path, segment: Segment, accuracy: ClipAccuracy, output: &Path) -> Vec<String> {
    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"].map(str::to_owned).into();
    args.extend(["-ss".to_owned(), format!("{:.3}", secs(segment.start_ms))]);
    args.extend(["-i".to_owned(), input.to_string_lossy().into_owned()]);
    args.extend(["-t".to_owned(), format!("{:.3}", secs(segment.duration_ms()))]);
    args.extend(["-map", "0:v:0?", "-map", "0:a:0?", "-sn", "-dn"].map(str::to_owned));
    match accuracy {
        ClipAccuracy::Copy => args.extend(["-c", "copy", "-avoid_negative_ts", "make_zero"].map(str::to_owned)),
        ClipAccuracy::Exact => args.extend(
            [
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a",
                "160k",
            ]
            .map(str::to_owned),
        ),
    }
    args.extend(["-movflags", "+faststart"].map(str::to_owned));
    args.push(output.to_string_lossy().into_owned());
    args
}

/// Cuts one clip.
pub async fn cut(
    ffmpeg: &Path,
    args: &[String],
    env: &ScriptEnvironment,
    cancel: &CancellationToken,
) -> Result<(), ToolError> {
    run(ffmpeg, args, env, cancel).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_seek_to_a_keyframe_and_exact_cuts_re_encode() {
        let segment = Segment { start_ms: 1500, end_ms: 4000 };
        let copy = cut_args(Path::new("in.mp4"), segment, ClipAccuracy::Copy, Path::new("out.mp4"));
        let at = |args: &[String], flag: &str| args.iter().position(|a| a == flag).map(|i| args[i + 1].clone());
        assert_eq!(at(&copy, "-ss").as_deref(), Some("1.500"));
        assert_eq!(at(&copy, "-t").as_deref(), Some("2.500"));
        assert_eq!(at(&copy, "-c").as_deref(), Some("copy"));
        assert!(copy.iter().position(|a| a == "-ss") < copy.iter().position(|a| a == "-i"), "input seeking");
        let exact = cut_args(Path::new("in.mp4"), segment, ClipAccuracy::Exact, Path::new("out.mp4"));
        assert_eq!(at(&exact, "-c:v").as_deref(), Some("libx264"));
        assert_eq!(exact.last().map(String::as_str), Some("out.mp4"));
    }
}
