//! The real media tools for tests: where `infra/media.sh install` put them, a yt-dlp command that
//! nothing outside the test can steer, and small real videos made with ffmpeg.
//!
//! Tests that need the tools fail, never skip, when they are missing: a green run must mean the
//! tools were exercised.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;

use crate::adapters::local::media::{MediaTools, Tool};
use crate::adapters::local::script::DEFAULT_PATH;

/// The tools `infra/media.sh install` put in the repository's `.venv-media/bin`, or the ones
/// `JOBSMITH_YTDLP`, `JOBSMITH_FFMPEG` and `JOBSMITH_FFPROBE` name. Panics with what to do when
/// one is missing.
pub fn installed_tools() -> MediaTools {
    let install_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(".venv-media/bin");
    let find = |tool: Tool, var: &str| {
        let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| install_dir.join(tool.name()));
        let executable = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
        assert!(
            executable,
            "{tool} is not installed at {} (or {var} names no executable): run infra/media.sh install",
            path.display()
        );
        path
    };
    MediaTools {
        ytdlp: find(Tool::YtDlp, "JOBSMITH_YTDLP"),
        ffmpeg: find(Tool::Ffmpeg, "JOBSMITH_FFMPEG"),
        ffprobe: find(Tool::Ffprobe, "JOBSMITH_FFPROBE"),
    }
}

/// yt-dlp with nothing but the test's arguments deciding what it does: no configuration file or
/// plugin of the user's (`--no-config`, `--no-plugin-dirs`, `HOME` in `home`), no proxy from the
/// environment (which is cleared) or otherwise, its cache under `home`, and the installed ffmpeg.
/// Add the arguments and the URL, then run it.
pub fn ytdlp_command(tools: &MediaTools, home: &Path) -> Command {
    let mut command = Command::new(&tools.ytdlp);
    command
        .env_clear()
        .env("PATH", DEFAULT_PATH)
        .env("HOME", home)
        .env("LANG", "C.UTF-8")
        .current_dir(home)
        .args(["--no-config", "--no-plugin-dirs", "--no-progress", "--proxy", ""])
        .arg("--cache-dir")
        .arg(home.join("yt-dlp-cache"))
        .arg("--ffmpeg-location")
        .arg(&tools.ffmpeg)
        // A fixture that stops answering fails the test instead of hanging it.
        .args(["--socket-timeout", "10"])
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Writes a real mp4 of `seconds` of ffmpeg's test pattern, tiny (64x48, 5 frames a second, the
/// native mpeg4 encoder every ffmpeg build has), with `tag` as its title so that each video's
/// bytes differ and ffprobe can tell which one a file is.
pub async fn make_mp4(ffmpeg: &Path, out: &Path, seconds: u32, tag: &str) {
    let output = Command::new(ffmpeg)
        .env_clear()
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=duration={seconds}:size=64x48:rate=5"))
        .args(["-c:v", "mpeg4", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-metadata"])
        .arg(format!("title={tag}"))
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|err| panic!("cannot run {}: {err}; run infra/media.sh install", ffmpeg.display()));
    assert!(
        output.status.success(),
        "{} could not make a test video ({}): {}",
        ffmpeg.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Frames a second of [`make_counter_mp4`].
pub const COUNTER_FPS: u32 = 25;
/// Frames between keyframes of [`make_counter_mp4`]: one every two seconds.
pub const COUNTER_GOP: u32 = 50;

/// Writes an H.264 mp4 whose frame `n` is a flat grey of brightness `n` (a frame counter that
/// survives re-encoding and can be read back with [`first_frame_number`]), with a tone as its
/// audio: `seconds` at [`COUNTER_FPS`], a keyframe every [`COUNTER_GOP`] frames. At most 10 s, so
/// that every frame number fits in a byte.
pub async fn make_counter_mp4(ffmpeg: &Path, out: &Path, seconds: u32) {
    assert!(seconds * COUNTER_FPS < 256, "frame numbers must fit in a byte");
    let video = format!("color=c=black:s=64x64:r={COUNTER_FPS}:d={seconds},format=yuv420p,geq=lum='N':cb=128:cr=128");
    let gop = COUNTER_GOP.to_string();
    let output = Command::new(ffmpeg)
        .env_clear()
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", &video])
        .args(["-f", "lavfi", "-i", &format!("sine=frequency=440:duration={seconds}")])
        .args(["-c:v", "libx264", "-crf", "1", "-g", &gop, "-keyint_min", &gop, "-sc_threshold", "0"])
        .args(["-bf", "0", "-c:a", "aac", "-shortest", "-movflags", "+faststart"])
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|err| panic!("cannot run {}: {err}; run infra/media.sh install", ffmpeg.display()));
    assert!(output.status.success(), "cannot make the counter video: {}", String::from_utf8_lossy(&output.stderr));
}

/// The frame number [`make_counter_mp4`] drew on the first frame of `file`: its mean brightness.
pub async fn first_frame_number(ffmpeg: &Path, file: &Path) -> u32 {
    let output = Command::new(ffmpeg)
        .env_clear()
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(file)
        // The luma plane as stored: a conversion to grey would stretch it to full range.
        .args(["-frames:v", "1", "-vf", "extractplanes=y", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", ffmpeg.display()));
    assert!(output.status.success() && !output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    let sum: u64 = output.stdout.iter().map(|&b| u64::from(b)).sum();
    (sum as f64 / output.stdout.len() as f64).round() as u32
}
