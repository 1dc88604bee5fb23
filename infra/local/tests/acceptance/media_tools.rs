//! The media tools at start-up: the server names the yt-dlp, ffmpeg and ffprobe it will call and
//! their versions, and a missing one is a warning, not a refusal to serve.

use std::time::Duration;

use jobsmith::test_support::media::installed_tools;

use crate::support::{Server, ServerOptions, eventually};

#[tokio::test]
async fn start_up_logs_each_tools_version_and_only_warns_about_a_missing_one() {
    let tools = installed_tools();
    let env = [
        ("JOBSMITH_YTDLP", tools.ytdlp.display().to_string()),
        ("JOBSMITH_FFMPEG", tools.ffmpeg.display().to_string()),
        ("JOBSMITH_FFPROBE", "/nonexistent/ffprobe".to_owned()),
    ];
    let server = Server::start(ServerOptions {
        env: env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        ..ServerOptions::default()
    })
    .await;
    // The probe runs in the background after the server is up; yt-dlp answers last.
    let log = eventually("all three tools are logged", Duration::from_secs(60), || async {
        let log = without_colours(&server.stderr());
        let lines: Vec<String> = log.lines().filter(|l| l.contains("media tool")).map(str::to_owned).collect();
        (lines.len() == 3).then_some(lines)
    })
    .await;
    let line = |tool: &str| {
        let tag = format!("tool=\"{tool}\"");
        log.iter().find(|l| l.contains(&tag)).cloned().unwrap_or_else(|| panic!("no line for {tool}: {log:#?}"))
    };
    let ytdlp = line("yt-dlp");
    assert!(ytdlp.contains("INFO") && ytdlp.contains("version=\"2026.10.26\""), "{ytdlp}");
    assert!(ytdlp.contains(&tools.ytdlp.display().to_string()), "{ytdlp}");
    assert!(line("ffmpeg").contains("INFO"), "{log:#?}");
    let ffprobe = line("ffprobe");
    assert!(
        ffprobe.contains("WARN") && ffprobe.contains("not found") && ffprobe.contains("infra/media.sh install"),
        "{ffprobe}"
    );

    server.get("/api/health").await.expect(200);
}

/// The log is coloured for a terminal whatever it is written to.
fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // An escape sequence: ESC [ parameters, ended by a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
