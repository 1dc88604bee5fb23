//! Seed 000's clip routes over the whole router and a real folder of objects.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::domain::ids::ExecutionId;
use crate::test_support::router::RouterHarness;

fn stocked() -> (RouterHarness, Vec<String>) {
    let h = RouterHarness::new();
    let run = ExecutionId::generate();
    let names: Vec<String> = (1..=3).map(|n| format!("{run}-{n:03}.mp4")).collect();
    for name in &names {
        h.put_object(&format!("clips/Z3TMbaX_X0k/{name}"), b"clip");
    }
    h.put_object("clips/Z3TMbaX_X0k/notes.txt", b"not a clip");
    h.put_object("videos/Z3TMbaX_X0k.mp4", b"a video, not a clip");
    (h, names)
}

#[tokio::test]
async fn clips_are_listed_with_their_video_size_and_link() {
    let (h, names) = stocked();
    let (status, answer) = h.get("/api/clips").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!((answer["success"].clone(), answer["total"].clone()), (json!(true), json!(3)));
    let listed: Vec<&str> = answer["clips"].as_array().unwrap().iter().filter_map(|c| c["filename"].as_str()).collect();
    assert_eq!(listed, names.iter().map(String::as_str).collect::<Vec<_>>());
    let first = &answer["clips"][0];
    assert_eq!(first["video_id"], "Z3TMbaX_X0k");
    assert_eq!(first["size"], 4);
    assert_eq!(first["job_id"], Value::Null, "no run of that id is recorded");
    let link = first["download_url"].as_str().unwrap();
    assert!(link.ends_with(&format!("/api/v1/files/clips/Z3TMbaX_X0k/{}", names[0])), "{link}");
    h.stop().await;
}

#[tokio::test]
async fn one_clip_is_deleted_by_its_name_and_nothing_outside_can_be_named() {
    let (h, names) = stocked();
    for bad in
        ["..%2Fvideos%2FZ3TMbaX_X0k.mp4", "%2E%2E", "a%00.mp4", "notes.txt", "%2Fetc%2Fpasswd.mp4", ".hidden.mp4"]
    {
        let (status, answer) = h.call(Method::DELETE, &format!("/api/clips/{bad}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
        assert_eq!(answer["success"], false, "{bad}");
    }
    assert!(h.object_path("videos/Z3TMbaX_X0k.mp4").exists());
    let (status, answer) = h.call(Method::DELETE, "/api/clips/nothing-001.mp4", None).await;
    assert_eq!((status, answer), (StatusCode::NOT_FOUND, json!({"error": "Clip not found", "success": false})));
    let (status, answer) = h.call(Method::DELETE, &format!("/api/clips/{}", names[1]), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"success": true, "message": format!("Clip {} deleted", names[1])}));
    assert!(!h.object_path(&format!("clips/Z3TMbaX_X0k/{}", names[1])).exists());
    assert!(h.object_path(&format!("clips/Z3TMbaX_X0k/{}", names[0])).exists());
    h.stop().await;
}

#[tokio::test]
async fn all_clips_go_and_only_clips() {
    let (h, _) = stocked();
    let (status, answer) = h.call(Method::DELETE, "/api/clips/all", None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"success": true, "deleted_count": 3, "errors": null, "message": "3 clips deleted"}));
    let (_, listed) = h.get("/api/clips").await;
    assert_eq!(listed["total"], 0);
    assert!(h.object_path("clips/Z3TMbaX_X0k/notes.txt").exists());
    assert!(h.object_path("videos/Z3TMbaX_X0k.mp4").exists());
    h.stop().await;
}

#[tokio::test]
async fn a_clip_job_with_bad_arguments_is_refused_by_name() {
    let h = RouterHarness::new();
    for (body, message) in [
        (json!({"segment_seconds": 5}), "Invalid video_id: field required (or storage_key, or url)"),
        (
            json!({"storage_key": "videos/a.mp4", "segments": [{"start": 3, "end": 1}]}),
            "Invalid segments[0].end: must be at least 0.1 seconds after start",
        ),
        (
            json!({"storage_key": "videos/a.mp4", "segment_seconds": 5, "speed": 2}),
            "Invalid speed: unknown field; expected one of: video_id, storage_key, url, segments, segment_seconds, accuracy",
        ),
        (json!([1]), "Invalid body: must be a JSON object"),
    ] {
        let (status, answer) = h.send(Method::POST, "/api/clips", &body).await;
        assert_eq!((status, answer), (StatusCode::BAD_REQUEST, json!({"error": message, "success": false})), "{body}");
    }
    let (_, jobs) = h.get("/api/jobs").await;
    assert_eq!(jobs["total"], 0, "nothing was made: {jobs}");
    h.stop().await;
}
