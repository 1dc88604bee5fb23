//! Seed 003 against the real binary: its curl example as written, its refusals in its order and
//! shape, the mode and token settings, and the audit log an admin reads afterwards.

use reqwest::Method;
use serde_json::json;

use crate::support::{Server, ServerOptions, new_key};

const SEED_BODY: &str =
    r#"{"confirmation_token": "CONFIRM_DELETE_ALL_VIDEOS_2025", "confirm_action": "DELETE_ALL_VIDEO_DATA"}"#;

const VIDEOS: [&str; 3] = ["videos/tiktok/a/2026/01/1.mp4", "videos/interview/answer.mov", "clips/v/0001.mp4"];
const KEPT: [&str; 2] = ["videos/tiktok/a/2026/01/1.json", "clips/v/readme.txt"];

fn stock(server: &Server) {
    for key in VIDEOS.iter().chain(&KEPT) {
        let path = server.data_dir().join("objects").join(key);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
        std::fs::write(path, b"bytes").expect("write");
    }
}

fn exists(server: &Server, key: &str) -> bool {
    server.data_dir().join("objects").join(key).exists()
}

async fn post_raw(server: &Server, path: &str, body: &str) -> crate::support::Resp {
    let request = server
        .request(Method::POST, path)
        .header("Content-Type", "application/json")
        .header("User-Agent", "seed-003-client/1.0")
        .body(body.to_owned());
    server.send(request).await
}

#[tokio::test]
async fn the_seeds_curl_example_deletes_every_video_on_a_development_server() {
    let mut server = Server::open().await;
    stock(&server);
    let answer = post_raw(&server, "/api/v1/cleanup-all-videos/", SEED_BODY).await.expect(200);
    assert_eq!(answer["success"], json!(true));
    assert_eq!(answer["operation"], "cleanup_all_videos");
    assert_eq!(
        answer["statistics"],
        json!({"total_files_before": 3, "directories_processed": 2, "files_removed": 3, "files_failed": 0, "cleanup_errors": []})
    );
    assert_eq!(answer["message"], "Video cleanup operation completed");
    assert!(VIDEOS.iter().all(|key| !exists(&server, key)));
    assert!(KEPT.iter().all(|key| exists(&server, key)));
    let log = server.get("/api/v1/audit").await.expect(200);
    let entry = &log["entries"][0];
    assert_eq!((entry["outcome"].as_str(), entry["status"].as_u64()), (Some("completed"), Some(200)));
    assert_eq!(entry["client_address"], "127.0.0.1");
    assert_eq!(entry["user_agent"], "seed-003-client/1.0");
    server.stop().await;
}

#[tokio::test]
async fn refusals_come_in_the_seeds_order_and_shape() {
    let mut server = Server::open().await;
    stock(&server);
    let cases: [(&str, u16, &str); 4] = [
        ("{}", 401, "Invalid confirmation token required for this destructive operation"),
        (
            r#"{"confirmation_token": "WRONG", "confirm_action": "DELETE_ALL_VIDEO_DATA"}"#,
            401,
            "Invalid confirmation token required for this destructive operation",
        ),
        (
            r#"{"confirmation_token": "CONFIRM_DELETE_ALL_VIDEOS_2025"}"#,
            400,
            "Must confirm action with 'DELETE_ALL_VIDEO_DATA'",
        ),
        (
            r#"{"confirmation_token": "CONFIRM_DELETE_ALL_VIDEOS_2025", "confirm_action": "delete"}"#,
            400,
            "Must confirm action with 'DELETE_ALL_VIDEO_DATA'",
        ),
    ];
    for (body, status, error) in cases {
        let answer = post_raw(&server, "/api/v1/cleanup-all-videos", body).await.expect(status);
        assert_eq!(answer, json!({"success": false, "error": error}), "{body}");
    }
    assert!(VIDEOS.iter().chain(&KEPT).all(|key| exists(&server, key)), "refusals touch nothing");
    let log = server.get("/api/v1/audit").await.expect(200);
    let outcomes: Vec<&str> = log["entries"].as_array().unwrap().iter().filter_map(|e| e["outcome"].as_str()).collect();
    assert_eq!(outcomes, ["refused"; 4]);
    server.stop().await;
}

#[tokio::test]
async fn production_mode_and_the_seeds_debug_flag_refuse_with_403() {
    for env in [("DEBUG", "False"), ("JOBSMITH_MODE", "production")] {
        let opts = ServerOptions { env: vec![(env.0.to_owned(), env.1.to_owned())], ..ServerOptions::default() };
        let mut server = Server::start(opts).await;
        stock(&server);
        let answer = post_raw(&server, "/api/v1/cleanup-all-videos/", SEED_BODY).await.expect(403);
        assert_eq!(answer, json!({"success": false, "error": "This operation is only allowed in development mode"}));
        assert!(exists(&server, VIDEOS[0]));
        server.stop().await;
    }
}

#[tokio::test]
async fn a_configured_token_replaces_the_seeds_and_only_admins_may_try() {
    let (admin_key, admin_line) = new_key("root", "admin");
    let (viewer_key, viewer_line) = new_key("reader", "viewer");
    let opts = ServerOptions {
        api_keys: format!("{admin_line}\n{viewer_line}"),
        client_key: Some(admin_key.clone()),
        env: vec![("DELETE_ALL_VIDEOS_TOKEN".to_owned(), "an-operators-own-token".to_owned())],
        ..ServerOptions::default()
    };
    let mut server = Server::start(opts).await;
    stock(&server);
    post_raw(&server, "/api/v1/cleanup-all-videos/", SEED_BODY).await.expect(401);
    let anonymous = server
        .request_as(None, Method::POST, "/api/v1/cleanup-all-videos/")
        .header("Content-Type", "application/json")
        .body(SEED_BODY);
    let answer = server.send(anonymous).await.expect(401);
    assert_eq!(answer["success"], json!(false), "the auth layer answers in the seed's shape: {answer}");
    let as_viewer = server
        .request_as(Some(&viewer_key), Method::POST, "/api/v1/cleanup-all-videos/")
        .header("Content-Type", "application/json")
        .body(SEED_BODY);
    assert_eq!(server.send(as_viewer).await.expect(403)["success"], json!(false));
    let own = r#"{"confirmation_token": "an-operators-own-token", "confirm_action": "DELETE_ALL_VIDEO_DATA", "dry_run": true}"#;
    let dry = post_raw(&server, "/api/v1/cleanup-all-videos/", own).await.expect(200);
    assert_eq!((dry["dry_run"].clone(), dry["would_remove"]["files"].clone()), (json!(true), json!(3)));
    assert!(exists(&server, VIDEOS[0]), "a dry run deletes nothing");
    let own = r#"{"confirmation_token": "an-operators-own-token", "confirm_action": "DELETE_ALL_VIDEO_DATA"}"#;
    post_raw(&server, "/api/v1/cleanup-all-videos/", own).await.expect(200);
    assert!(!exists(&server, VIDEOS[0]));
    let log = server.get("/api/v1/audit").await.expect(200);
    let principals: Vec<(&str, &str)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["principal"].as_str().unwrap_or("?"), e["outcome"].as_str().unwrap_or("?")))
        .collect();
    assert_eq!(principals, [("root", "completed"), ("root", "dry_run"), ("root", "refused")]);
    let viewer_reads = server.request_as(Some(&viewer_key), Method::GET, "/api/v1/audit");
    assert_eq!(server.send(viewer_reads).await.status, 403, "the audit log is an admin's");
    server.stop().await;
}
