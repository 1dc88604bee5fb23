//! The external programs scrape and clip runs call: yt-dlp, ffmpeg and ffprobe. Which ones is
//! configuration; `infra/media.sh install` puts pinned builds in `.venv-media/bin`, where the
//! server looks first. A missing tool is reported, never fatal: script jobs do not need them.

pub mod ffmpeg;
mod probe;
pub mod ytdlp;

use std::path::{Path, PathBuf};

pub use probe::{PROBE_TIMEOUT, ToolProbe, ToolStatus, probe, probe_all};
pub use ytdlp::YtDlpSource;

/// A media tool as runs call it: no shell, the run's clean environment and nothing else, no
/// standard input, both outputs piped, killed when its future is dropped.
pub(crate) fn tool_command(path: &Path, env: &super::script::ScriptEnvironment) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(path);
    command
        .env_clear()
        .envs(env.with([]))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Where `infra/media.sh install` puts the tools, relative to the repository root the server is
/// started from.
pub const INSTALL_DIR: &str = ".venv-media/bin";

/// One of the media programs, named as its executable is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    YtDlp,
    Ffmpeg,
    Ffprobe,
}

impl Tool {
    pub const ALL: [Tool; 3] = [Tool::YtDlp, Tool::Ffmpeg, Tool::Ffprobe];

    /// The executable's name, which is also what it is looked up as on `PATH`.
    pub fn name(self) -> &'static str {
        match self {
            Tool::YtDlp => "yt-dlp",
            Tool::Ffmpeg => "ffmpeg",
            Tool::Ffprobe => "ffprobe",
        }
    }
}

impl std::fmt::Display for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The executables a run calls: each either a path (absolute once resolved, since a run may
/// work in another directory) or a bare name looked up on the run's `PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaTools {
    pub ytdlp: PathBuf,
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
}

impl Default for MediaTools {
    /// Bare names, found on `PATH`: what a server configured with nothing and started outside
    /// the repository uses.
    fn default() -> Self {
        Self {
            ytdlp: PathBuf::from(Tool::YtDlp.name()),
            ffmpeg: PathBuf::from(Tool::Ffmpeg.name()),
            ffprobe: PathBuf::from(Tool::Ffprobe.name()),
        }
    }
}

impl MediaTools {
    /// The configured paths where given; otherwise `install_dir/<tool>` when that file exists,
    /// else the bare name. `install_dir` is [`INSTALL_DIR`] under the working directory in the
    /// server. Relative paths become absolute against the current directory.
    pub fn resolve(
        ytdlp: Option<PathBuf>,
        ffmpeg: Option<PathBuf>,
        ffprobe: Option<PathBuf>,
        install_dir: &Path,
    ) -> Self {
        let pick = |given: Option<PathBuf>, tool: Tool| {
            let path = given.unwrap_or_else(|| {
                let installed = install_dir.join(tool.name());
                if installed.is_file() { installed } else { PathBuf::from(tool.name()) }
            });
            absolute_unless_bare(path)
        };
        Self {
            ytdlp: pick(ytdlp, Tool::YtDlp),
            ffmpeg: pick(ffmpeg, Tool::Ffmpeg),
            ffprobe: pick(ffprobe, Tool::Ffprobe),
        }
    }

    pub fn path(&self, tool: Tool) -> &Path {
        match tool {
            Tool::YtDlp => &self.ytdlp,
            Tool::Ffmpeg => &self.ffmpeg,
            Tool::Ffprobe => &self.ffprobe,
        }
    }
}

/// A bare name stays one, to be looked up on `PATH` as a shell would; anything with a directory
/// in it is made absolute (without resolving links), so it still names the same file when a run
/// starts the tool in its own working directory.
fn absolute_unless_bare(path: PathBuf) -> PathBuf {
    if path.components().count() <= 1 && !path.is_absolute() {
        return path;
    }
    // Fails only when the current directory is gone; the relative path is then the best left.
    std::path::absolute(&path).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_tools_win_over_path_and_given_ones_win_over_both() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("yt-dlp"), "").unwrap();
        let tools = MediaTools::resolve(None, Some(PathBuf::from("/opt/ff/ffmpeg")), None, dir.path());
        assert_eq!(tools.ytdlp, dir.path().join("yt-dlp"));
        assert_eq!(tools.ffmpeg, PathBuf::from("/opt/ff/ffmpeg"));
        assert_eq!(tools.ffprobe, PathBuf::from("ffprobe"), "not installed: looked up on PATH");
    }

    #[test]
    fn relative_paths_become_absolute_and_bare_names_stay_bare() {
        let tools = MediaTools::resolve(
            Some(PathBuf::from("bin/yt-dlp")),
            Some(PathBuf::from("my-ffmpeg")),
            None,
            Path::new("/nonexistent"),
        );
        assert!(tools.ytdlp.is_absolute() && tools.ytdlp.ends_with("bin/yt-dlp"), "{tools:?}");
        assert_eq!(tools.ffmpeg, PathBuf::from("my-ffmpeg"));
        assert_eq!(tools.path(Tool::Ffprobe), Path::new("ffprobe"));
    }

    #[test]
    fn a_directory_named_like_a_tool_is_not_taken_for_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ffmpeg")).unwrap();
        let tools = MediaTools::resolve(None, None, None, dir.path());
        assert_eq!(tools.ffmpeg, PathBuf::from("ffmpeg"));
    }
}
