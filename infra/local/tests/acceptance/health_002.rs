//! Seed 002's `GET /api/v1/stats/health` on the real server: public, every field of the seed
//! from real checks, and the media tools and platform paces an operator needs, without paths.

use std::time::Duration;

use jobsmith::test_support::media::installed_tools;
use serde_json::Value;

use crate::support::{Server, ServerOptions, eventually, new_key};

const HEALTH: &str = "/api/v1/stats/health";

fn with_tools(ytdlp: String, api_keys: String) -> ServerOptions {
    let tools = installed_tools();
    let env = [
        ("JOBSMITH_YTDLP", ytdlp),
        ("JOBSMITH_FFMPEG", tools.ffmpeg.display().to_string()),
        ("JOBSMITH_FFPROBE", tools.ffprobe.display().to_string()),
    ];
    ServerOptions {
        api_keys,
        env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..ServerOptions::default()
    }
}

/// The answer once every tool has been asked (yt-dlp takes a moment after start-up).
async fn settled_health(server: &Server) -> Value {
    eventually("every tool answered", Duration::from_secs(60), || async {
        let body = server.request_as(None, reqwest::Method::GET, HEALTH);
        let body = server.send(body).await.expect(200);
        let asked = body["tools"].as_array().is_some_and(|tools| tools.iter().all(|t| t["status"] != "failed"));
        asked.then_some(body)
    })
    .await
}

#[tokio::test]
async fn health_is_public_and_healthy_when_everything_answers() {
    let (_, config) = new_key("ops", "operator");
    let server = Server::start(with_tools(installed_tools().ytdlp.display().to_string(), config)).await;
    let body = settled_health(&server).await;
    assert_eq!(body["status"], "healthy", "{body}");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");
    for check in ["database", "google_drive", "scheduler"] {
        assert_eq!(body[check], true, "{check}: {body}");
    }
    let tools = body["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["yt-dlp", "ffmpeg", "ffprobe"]);
    assert_eq!(tools[0]["version"], "2026.10.26", "{body}");
    assert!(tools.iter().all(|t| t["status"] == "ready"), "{body}");
    assert_eq!(body["platforms"], serde_json::json!([]), "no scrape ran");
}

#[tokio::test]
async fn a_missing_yt_dlp_makes_it_degraded_without_naming_its_path() {
    let server = Server::start(with_tools("/nonexistent/yt-dlp".to_owned(), String::new())).await;
    let body = settled_health(&server).await;
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["tools"][0], serde_json::json!({"name": "yt-dlp", "status": "not_found", "version": null}));
    assert_eq!(body["tools"][1]["status"], "ready", "{body}");
    assert_eq!((body["database"].clone(), body["scheduler"].clone()), (true.into(), true.into()), "{body}");
    assert!(!body.to_string().contains("/nonexistent"), "no paths in a public answer: {body}");
}
