//! Seed 002's job routes and the download route through the whole router over the local
//! adapters. No scrape reaches a site here: the harness has no yt-dlp, so a run ends failed.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::test_support::router::RouterHarness;
use crate::test_support::videos::key;

const JOBS: &str = "/api/v1/jobs";

/// The sorted keys of a JSON object.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().expect("an object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// The `loc`s of a 422's list, each as `body.field`.
fn locs(body: &Value) -> Vec<String> {
    body["detail"]
        .as_array()
        .expect("a validation list")
        .iter()
        .map(|item| {
            item["loc"]
                .as_array()
                .expect("loc")
                .iter()
                .map(|p| p.as_str().expect("a name"))
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect()
}

#[tokio::test]
async fn a_created_run_answers_with_exactly_the_seeds_fields() {
    let h = RouterHarness::new();
    let body = json!({"mode": "profile", "value": "khaby.lame", "limit": 50, "no_watermark": true});
    let (status, run) = h.send(Method::POST, JOBS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    assert_eq!(
        keys(&run),
        [
            "created_at",
            "failed_downloads",
            "id",
            "limit",
            "mode",
            "no_watermark",
            "progress",
            "status",
            "successful_downloads",
            "total_videos",
            "value"
        ]
    );
    assert!(uuid::Uuid::parse_str(run["id"].as_str().expect("an id")).is_ok(), "{run}");
    assert_eq!((&run["mode"], &run["value"], &run["limit"]), (&json!("profile"), &json!("khaby.lame"), &json!(50)));
    assert_eq!((&run["progress"], &run["total_videos"]), (&json!(0), &json!(0)));
    assert!(["pending", "running", "failed"].contains(&run["status"].as_str().expect("a status")), "{run}");
    h.stop().await;
}

#[tokio::test]
async fn bad_bodies_name_each_field_in_pydantics_list() {
    let h = RouterHarness::new();
    let (status, body) = h.send(Method::POST, JOBS, &json!({"limit": 500, "drive_folder_id": "/abs"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(locs(&body), ["body.mode", "body.value", "body.limit", "body.drive_folder_id"]);
    assert_eq!(body["detail"][0]["type"], "value_error.missing");
    let (status, body) = h.call(Method::POST, JOBS, Some("{\"mode\": ")).await;
    assert_eq!((status, keys(&body)), (StatusCode::BAD_REQUEST, vec!["detail"]));
    let (status, body) = h.send(Method::POST, JOBS, &json!(["profile"])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    h.stop().await;
}

/// GETs `uri` and returns the status, the content type and the raw body.
async fn fetch(h: &RouterHarness, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let request = Request::builder().method(Method::GET).uri(uri).body(Body::empty()).expect("request");
    let response = h.router.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("the body");
    (status, content_type, bytes.to_vec())
}

#[tokio::test]
async fn stored_videos_and_metadata_download_and_nothing_else_does() {
    let h = RouterHarness::new();
    let objects = h.app.videos.objects();
    let video: Vec<u8> = (0..=255).cycle().take(100_000).collect();
    objects.put(&key("videos/x y/2026/01/1.mp4"), video.clone(), "video/mp4").await.expect("put");
    objects.put(&key("videos/x y/2026/01/1.json"), b"{\"id\":\"1\"}".to_vec(), "application/json").await.expect("put");
    objects.put(&key("private/secret.mp4"), b"no".to_vec(), "video/mp4").await.expect("put");

    let (status, content_type, body) = fetch(&h, "/api/v1/files/videos/x%20y/2026/01/1.mp4").await;
    assert_eq!((status, content_type.as_str(), body.len()), (StatusCode::OK, "video/mp4", video.len()));
    assert_eq!(body, video);
    let (status, content_type, body) = fetch(&h, "/api/v1/files/videos/x%20y/2026/01/1.json").await;
    assert_eq!(
        (status, content_type.as_str(), body.as_slice()),
        (StatusCode::OK, "application/json", &b"{\"id\":\"1\"}"[..])
    );

    let not_found = json!({"detail": "File not found"});
    for refused in [
        "/api/v1/files/private/secret.mp4",
        "/api/v1/files/videos/x%20y/2026/01/2.mp4",
        "/api/v1/files/videos/../private/secret.mp4",
        "/api/v1/files/videos/%2E%2E/private/secret.mp4",
        "/api/v1/files/videos",
        "/api/v1/files/videos//x.mp4",
    ] {
        let (status, _, body) = fetch(&h, refused).await;
        let body: Value = serde_json::from_slice(&body).expect("a JSON error");
        assert_eq!((status, body), (StatusCode::NOT_FOUND, not_found.clone()), "{refused}");
    }
    h.stop().await;
}
