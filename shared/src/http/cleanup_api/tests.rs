//! Seed 003's documented requests and answers over the whole router and a real folder of
//! objects, and the audit log that records them.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::domain::cleanup::{CONFIRM_ACTION, CleanupGuard, CleanupToken, SEED_DEFAULT_TOKEN, ServerMode};
use crate::domain::object_key::ObjectKey;
use crate::domain::video::VideoStatus;
use crate::test_support::router::RouterHarness;
use crate::test_support::videos::full_video;

const PATH: &str = "/api/v1/cleanup-all-videos/";

fn body(token: Option<&str>, action: Option<&str>) -> Value {
    let mut body = json!({});
    if let Some(token) = token {
        body["confirmation_token"] = json!(token);
    }
    if let Some(action) = action {
        body["confirm_action"] = json!(action);
    }
    body
}

/// Videos and clips of every extension the seed names, in any case, beside files that stay.
const VIDEOS: [&str; 4] = ["videos/tiktok/a/2026/01/1.mp4", "videos/b.WEBM", "clips/v1/0001.mkv", "clips/v1/0002.3gp"];
const KEPT: [&str; 4] = ["videos/tiktok/a/2026/01/1.json", "clips/v1/notes.txt", "other/x.mp4", "videos/c.mp4.part"];

fn stock(h: &RouterHarness) {
    for key in VIDEOS.iter().chain(&KEPT) {
        h.put_object(key, key.as_bytes());
    }
}

#[tokio::test]
async fn the_guards_answer_in_the_seeds_order_and_touch_nothing() {
    let h = RouterHarness::new();
    stock(&h);
    for (sent, status, error) in [
        (body(None, None), 401, "Invalid confirmation token required for this destructive operation"),
        (
            body(Some("wrong"), Some(CONFIRM_ACTION)),
            401,
            "Invalid confirmation token required for this destructive operation",
        ),
        (body(Some(SEED_DEFAULT_TOKEN), None), 400, "Must confirm action with 'DELETE_ALL_VIDEO_DATA'"),
        (body(Some(SEED_DEFAULT_TOKEN), Some("yes")), 400, "Must confirm action with 'DELETE_ALL_VIDEO_DATA'"),
    ] {
        let (got, answer) = h.send(Method::POST, PATH, &sent).await;
        assert_eq!((got.as_u16(), answer), (status, json!({"success": false, "error": error})), "{sent}");
    }
    let (status, answer) = h.call(Method::POST, PATH, Some("{not json")).await;
    assert_eq!((status, answer["success"].clone()), (StatusCode::BAD_REQUEST, json!(false)));
    for key in VIDEOS.iter().chain(&KEPT) {
        assert!(h.object_path(key).exists(), "{key} was refused, so it stays");
    }
    h.stop().await;
}

#[tokio::test]
async fn production_refuses_before_looking_at_the_token() {
    let token = "an-operators-own-token";
    let h =
        RouterHarness::with_cleanup(CleanupGuard::new(ServerMode::Production, CleanupToken::parse(token).ok(), true));
    stock(&h);
    for sent in [body(Some(token), Some(CONFIRM_ACTION)), body(None, None)] {
        let (status, answer) = h.send(Method::POST, "/api/v1/cleanup-all-videos", &sent).await;
        let expected = json!({"success": false, "error": "This operation is only allowed in development mode"});
        assert_eq!((status, answer), (StatusCode::FORBIDDEN, expected));
    }
    assert!(h.object_path(VIDEOS[0]).exists());
    h.stop().await;
}

#[tokio::test]
async fn a_cleanup_deletes_video_files_only_and_says_so_in_the_seeds_statistics() {
    let h = RouterHarness::new();
    stock(&h);
    let stored = crate::domain::video::Video {
        status: VideoStatus::Uploaded,
        video_key: Some(ObjectKey::parse(VIDEOS[0]).unwrap()),
        ..full_video("1")
    };
    h.record_video(&stored).await;
    let (status, answer) = h.send(Method::POST, PATH, &body(Some(SEED_DEFAULT_TOKEN), Some(CONFIRM_ACTION))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["timestamp"].as_f64().is_some_and(|t| t > 1.6e9), "{answer}");
    let expected = json!({
        "success": true,
        "operation": "cleanup_all_videos",
        "timestamp": answer["timestamp"],
        "statistics": {
            "total_files_before": 4,
            "directories_processed": 2,
            "files_removed": 4,
            "files_failed": 0,
            "cleanup_errors": [],
        },
        "message": "Video cleanup operation completed",
    });
    assert_eq!(answer, expected);
    for key in VIDEOS {
        assert!(!h.object_path(key).exists(), "{key} is a video and went");
    }
    for key in KEPT {
        assert!(h.object_path(key).exists(), "{key} is no video under the prefixes and stays");
    }
    let (status, _) = h.get(&format!("/api/v1/videos/{}", stored.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the record of a deleted file is a tombstone");
    let (status, again) = h.send(Method::POST, PATH, &body(Some(SEED_DEFAULT_TOKEN), Some(CONFIRM_ACTION))).await;
    assert_eq!((status, again["statistics"]["total_files_before"].clone()), (StatusCode::OK, json!(0)));
    h.stop().await;
}

#[tokio::test]
async fn a_dry_run_reports_what_would_go_and_deletes_nothing() {
    let h = RouterHarness::new();
    stock(&h);
    let mut sent = body(Some(SEED_DEFAULT_TOKEN), Some(CONFIRM_ACTION));
    sent["dry_run"] = json!(true);
    let (status, answer) = h.send(Method::POST, PATH, &sent).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["dry_run"], json!(true));
    assert_eq!(answer["statistics"]["files_removed"], json!(0));
    let bytes: usize = VIDEOS.iter().map(|k| k.len()).sum();
    assert_eq!(answer["would_remove"]["files"], json!(4));
    assert_eq!(answer["would_remove"]["bytes"], json!(bytes));
    let mut keys: Vec<&str> =
        answer["would_remove"]["first_keys"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    keys.sort_unstable();
    let mut expected = VIDEOS.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    for key in VIDEOS.iter().chain(&KEPT) {
        assert!(h.object_path(key).exists(), "{key} stays on a dry run");
    }
    h.stop().await;
}

#[tokio::test]
async fn every_attempt_is_in_the_audit_log_newest_first() {
    let h = RouterHarness::new();
    stock(&h);
    let attempts = [
        (body(Some("wrong"), Some(CONFIRM_ACTION)), "refused", 401),
        (body(Some(SEED_DEFAULT_TOKEN), None), "refused", 400),
        (
            json!({"confirmation_token": SEED_DEFAULT_TOKEN, "confirm_action": CONFIRM_ACTION, "dry_run": true}),
            "dry_run",
            200,
        ),
        (body(Some(SEED_DEFAULT_TOKEN), Some(CONFIRM_ACTION)), "completed", 200),
    ];
    for (sent, _, _) in &attempts {
        h.send(Method::POST, PATH, sent).await;
    }
    let (status, first) = h.get("/api/v1/audit?limit=3").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (_, rest) = h.get(&format!("/api/v1/audit?limit=3&cursor={}", first["next_cursor"].as_str().unwrap())).await;
    assert_eq!(rest["next_cursor"], Value::Null);
    let entries: Vec<&Value> =
        first["entries"].as_array().unwrap().iter().chain(rest["entries"].as_array().unwrap()).collect();
    let seen: Vec<(String, u64)> =
        entries.iter().map(|e| (e["outcome"].as_str().unwrap().to_owned(), e["status"].as_u64().unwrap())).collect();
    let expected: Vec<(String, u64)> = attempts.iter().rev().map(|(_, o, s)| ((*o).to_owned(), *s)).collect();
    assert_eq!(seen, expected);
    let done = entries[0];
    assert_eq!(done["action"], "cleanup_all_videos");
    assert_eq!(done["principal"], "anonymous");
    assert_eq!(
        done["counts"],
        json!({"files_found": 4, "bytes_found": VIDEOS.iter().map(|k| k.len()).sum::<usize>(), "files_removed": 4, "files_failed": 0})
    );
    assert_eq!(entries[3]["reason"], "Invalid confirmation token required for this destructive operation");
    let (status, bad) = h.get("/api/v1/audit?cursor=nonsense").await;
    assert_eq!(
        (status, bad["detail"][0]["loc"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!(["query", "cursor"]))
    );
    h.stop().await;
}
