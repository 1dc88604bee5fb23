use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::test_support::media::installed_tools;

fn env() -> ScriptEnvironment {
    ScriptEnvironment::from_process()
}

fn write_script(dir: &Path, name: &str, body: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// A file written a moment ago can still be open for writing in a child another test thread
/// forked meanwhile (until that child execs); exec then fails with ETXTBSY. Try again.
async fn probe_script(tool: Tool, path: &Path, timeout: Duration) -> ToolProbe {
    for _ in 0..20 {
        let probe = probe(tool, path, &env(), timeout).await;
        let busy = matches!(&probe.status, ToolStatus::Failed { reason } if reason.contains("Text file busy"));
        if !busy {
            return probe;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} stayed busy", path.display());
}

#[tokio::test]
async fn the_installed_tools_answer_with_their_versions() {
    let tools = installed_tools();
    let probes = probe_all(&tools, &env(), PROBE_TIMEOUT).await;
    let seen: Vec<(&str, Option<&str>)> = probes.iter().map(|p| (p.tool, p.version())).collect();
    assert_eq!(seen[0], ("yt-dlp", Some("2026.10.26")), "{probes:?}");
    for probe in &probes[1..] {
        let version = probe.version().unwrap_or_else(|| panic!("{probe:?}"));
        assert!(version.starts_with(|c: char| c.is_ascii_alphanumeric()), "{probe:?}");
    }
    assert_eq!(probes[1].path, tools.ffmpeg);
    assert_eq!(probes[2].tool, "ffprobe");
}

#[tokio::test]
async fn a_missing_path_and_an_unknown_name_are_not_found() {
    let missing = probe(Tool::YtDlp, Path::new("/nonexistent/yt-dlp"), &env(), PROBE_TIMEOUT).await;
    assert_eq!(missing.status, ToolStatus::NotFound);
    assert_eq!(missing.status.to_string(), "not found");
    let unknown = probe(Tool::Ffmpeg, Path::new("jobsmith-no-such-ffmpeg"), &env(), PROBE_TIMEOUT).await;
    assert_eq!(unknown.status, ToolStatus::NotFound);
}

#[tokio::test]
async fn a_file_without_execute_permission_is_not_executable() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_script(dir.path(), "yt-dlp", "#!/bin/sh\necho 2026.10.26\n", 0o644);
    assert_eq!(probe_script(Tool::YtDlp, &path, PROBE_TIMEOUT).await.status, ToolStatus::NotExecutable);
    let directory = probe(Tool::Ffprobe, dir.path(), &env(), PROBE_TIMEOUT).await;
    assert_eq!(directory.status, ToolStatus::NotExecutable);
}

#[tokio::test]
async fn a_tool_that_exits_non_zero_fails_with_its_exit_code_and_words() {
    let dir = tempfile::tempdir().unwrap();
    let path =
        write_script(dir.path(), "ffmpeg", "#!/bin/sh\necho 'libavcodec.so.60: cannot open' >&2\nexit 127\n", 0o755);
    let probe = probe_script(Tool::Ffmpeg, &path, PROBE_TIMEOUT).await;
    assert_eq!(probe.status, ToolStatus::Failed { reason: "exit code 127: libavcodec.so.60: cannot open".to_owned() });
    assert_eq!(probe.status.to_string(), "failed: exit code 127: libavcodec.so.60: cannot open");
}

#[tokio::test]
async fn a_script_whose_interpreter_is_missing_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_script(dir.path(), "yt-dlp", "#!/nonexistent/python3\n", 0o755);
    let probe = probe_script(Tool::YtDlp, &path, PROBE_TIMEOUT).await;
    assert!(matches!(&probe.status, ToolStatus::Failed { reason } if reason.contains("interpreter")), "{probe:?}");
}

#[tokio::test]
async fn another_program_in_the_tools_place_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_script(dir.path(), "ffprobe", "#!/bin/sh\necho \"usage: $0 [-x]\"\n", 0o755);
    let probe = probe_script(Tool::Ffprobe, &path, PROBE_TIMEOUT).await;
    assert!(
        matches!(&probe.status, ToolStatus::Failed { reason } if reason.starts_with("unexpected answer to -version: usage:")),
        "{probe:?}"
    );
}

#[tokio::test]
async fn a_tool_that_hangs_is_given_up_on_and_killed() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let body = format!("#!/bin/sh\necho $$ > {}\nexec sleep 30\n", pid_file.display());
    let path = write_script(dir.path(), "yt-dlp", &body, 0o755);
    let probe = probe_script(Tool::YtDlp, &path, Duration::from_millis(500)).await;
    assert_eq!(probe.status, ToolStatus::Failed { reason: "no answer within 0.5 s".to_owned() });
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let mut gone = false;
    for _ in 0..100 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
        // Gone, or a zombie waiting for tokio to reap it.
        if stat.is_empty() || stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the hung tool was killed");
}

#[test]
fn versions_are_read_from_each_tools_first_line() {
    assert_eq!(parse_version(Tool::YtDlp, "2026.10.26\n"), Some("2026.10.26".to_owned()));
    assert_eq!(parse_version(Tool::YtDlp, "Usage: yt-dlp [OPTIONS]\n"), None);
    let debian = "ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers\nbuilt with gcc 12\n";
    assert_eq!(parse_version(Tool::Ffmpeg, debian), Some("5.1.6-0+deb12u1".to_owned()));
    assert_eq!(parse_version(Tool::Ffprobe, "ffprobe version 6.0-static https://x\n"), Some("6.0-static".to_owned()));
    assert_eq!(parse_version(Tool::Ffprobe, debian), None, "ffmpeg answering as ffprobe");
    assert_eq!(parse_version(Tool::Ffmpeg, ""), None);
}

#[test]
fn a_probe_serializes_as_the_health_route_will_show_it() {
    let ready = ToolProbe {
        tool: "yt-dlp",
        path: PathBuf::from("/x/yt-dlp"),
        status: ToolStatus::Ready { version: "2026.10.26".to_owned() },
    };
    let missing = ToolProbe { tool: "ffmpeg", path: PathBuf::from("ffmpeg"), status: ToolStatus::NotFound };
    assert_eq!(
        serde_json::to_value([ready, missing]).unwrap(),
        serde_json::json!([
            {"tool": "yt-dlp", "path": "/x/yt-dlp", "status": "ready", "version": "2026.10.26"},
            {"tool": "ffmpeg", "path": "ffmpeg", "status": "not_found"},
        ])
    );
}
