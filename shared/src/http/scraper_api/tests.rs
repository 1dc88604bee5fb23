//! Seed 002's videos and stats routes through the whole router (auth layer, fallbacks,
//! extractors) over the local adapters, with videos recorded in the store as a scrape would.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::app::scrape::served_content_type;
use crate::domain::object_key::ObjectKey;
use crate::domain::principal::{KeyRing, Role, generate_key};
use crate::domain::video::{FailureClass, ScrapeMode, Video, VideoFailure, VideoStatus};
use crate::ports::Archived;
use crate::test_support::fixtures::{scheduler_job_body, secs, t0};
use crate::test_support::router::RouterHarness;
use crate::test_support::videos::{author, full_video, key, run_id, tag, value, video_at};

const VIDEOS: &str = "/api/v1/videos";

/// Five videos, newest last: two uploaded profile videos of khaby.lame (5 MiB and 1 MiB), one
/// failed, one downloading, and one uploaded from a hashtag scrape by another author.
fn inventory() -> Vec<Video> {
    let uploaded = full_video("1");
    let small = Video {
        created_at: t0() + secs(1),
        metadata: crate::domain::video::VideoMetadata { file_size: Some(1_048_576), ..uploaded.metadata.clone() },
        ..full_video("2")
    };
    let failed = Video {
        status: VideoStatus::Failed,
        failure: Some(VideoFailure::new(FailureClass::NotFound, "video is private")),
        video_key: None,
        sidecar_key: None,
        ..video_at("3", t0() + secs(2))
    };
    let downloading = Video { status: VideoStatus::Downloading, attempts: 1, ..video_at("4", t0() + secs(3)) };
    let mut tagged = full_video("5");
    tagged.created_at = t0() + secs(4);
    tagged.mode = ScrapeMode::Hashtag;
    tagged.value = value("comedy");
    tagged.run_id = run_id(2);
    tagged.metadata.author_username = Some(author("someone.else"));
    tagged.metadata.hashtags = vec![tag("comedy")];
    vec![uploaded, small, failed, downloading, tagged]
}

async fn stocked() -> (RouterHarness, Vec<Video>) {
    let h = RouterHarness::new();
    let videos = inventory();
    for video in &videos {
        h.record_video(video).await;
    }
    (h, videos)
}

/// The platform ids of a listing, in its order.
fn listed(body: &Value) -> Vec<String> {
    body["videos"].as_array().unwrap().iter().map(|v| v["platform_id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_empty_inventory_lists_nothing_and_counts_zero() {
    let h = RouterHarness::new();
    assert_eq!(h.get(VIDEOS).await, (StatusCode::OK, json!({"total": 0, "videos": []})));
    let (status, stats) = h.get("/api/v1/stats").await;
    assert_eq!(status, StatusCode::OK);
    let fields = [
        "total_jobs",
        "pending_jobs",
        "running_jobs",
        "completed_jobs",
        "failed_jobs",
        "total_videos",
        "downloaded_videos",
        "uploaded_videos",
        "failed_videos",
        "total_storage_bytes",
        "scheduled_jobs_count",
        "active_scheduled_jobs",
    ];
    assert_eq!(stats, Value::Object(fields.iter().map(|f| ((*f).to_owned(), json!(0))).collect()));
    h.stop().await;
}

#[tokio::test]
async fn a_video_shows_every_field_of_the_seed() {
    let (h, videos) = stocked().await;
    let first = &videos[0];
    let (status, body) = h.get(&format!("{VIDEOS}/{}", first.id)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({
            "id": first.id.to_string(),
            "job_id": run_id(1).to_string(),
            "url": "https://www.tiktok.com/@khaby.lame/video/1",
            "desc": "Ça marche — #funny #comedy ✓\nsecond line",
            "author_username": "khaby.lame",
            "author_nickname": "Khabane Lame",
            "views": u64::MAX,
            "likes": 50_000,
            "comments": 1_000,
            "shares": 5_000,
            "created_at_tiktok": crate::http::time::rfc3339_z(t0() - secs(86_400)),
            "hashtags": ["funny", "comedy", "ça"],
            "music_title": "Original Sound",
            "has_watermark": false,
            "file_size": 5_242_880,
            "duration": 15.5,
            "drive_file_id": "videos/tiktok/khaby.lame/1.mp4",
            "drive_folder_path": "videos/tiktok/khaby.lame",
            "status": "uploaded",
            "platform": "tiktok",
            "platform_id": "1",
            "mode": "profile",
            "value": "khaby.lame",
            "metadata_file_id": "videos/tiktok/khaby.lame/1.json",
            "error_class": "rate_limited",
            "error_message": "HTTP 429 on the first attempt",
            "attempts": 2,
            "pinned": false,
            "created_at": crate::http::time::rfc3339_z(t0()),
            "updated_at": crate::http::time::rfc3339_z(t0() + secs(60)),
        })
    );
    let (_, list) = h.get(VIDEOS).await;
    assert_eq!(list["videos"][4], body, "a listing shows the same view");
    h.stop().await;
}

#[tokio::test]
async fn every_filter_narrows_the_listing_and_total_ignores_paging() {
    let (h, _) = stocked().await;
    for (query, expected) in [
        ("", vec!["5", "4", "3", "2", "1"]),
        ("?mode=profile", vec!["4", "3", "2", "1"]),
        ("?mode=hashtag", vec!["5"]),
        ("?value=%40Khaby.Lame", vec!["4", "3", "2", "1"]),
        ("?value=comedy", vec!["5"]),
        ("?author_username=khaby.lame", vec!["2", "1"]),
        ("?author_username=SOMEONE.ELSE", vec!["5"]),
        ("?hashtag=%23comedy", vec!["5", "2", "1"]),
        ("?hashtag=funny", vec!["2", "1"]),
        ("?status=uploaded", vec!["5", "2", "1"]),
        ("?status=failed", vec!["3"]),
        ("?status=pending", vec![]),
        ("?mode=profile&hashtag=comedy&status=uploaded", vec!["2", "1"]),
        ("?mode=profile&value=khaby.lame&limit=20", vec!["4", "3", "2", "1"]),
        ("?status=", vec!["5", "4", "3", "2", "1"]),
    ] {
        let (status, body) = h.get(&format!("{VIDEOS}{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!(listed(&body), expected, "{query}");
        assert_eq!(body["total"], expected.len(), "{query}");
    }
    let (_, body) = h.get(&format!("{VIDEOS}?limit=2&offset=1")).await;
    assert_eq!((listed(&body), body["total"].clone()), (vec!["4".to_owned(), "3".to_owned()], json!(5)));
    let (_, body) = h.get(&format!("{VIDEOS}?offset=50")).await;
    assert_eq!((listed(&body).len(), body["total"].clone()), (0, json!(5)));
    h.stop().await;
}

#[tokio::test]
async fn bad_filters_are_a_422_naming_each_parameter() {
    let h = RouterHarness::new();
    let (status, body) = h.get(&format!("{VIDEOS}?mode=channel&status=done&limit=0&offset=-3&hashtag=a%23b")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let locs: Vec<&Value> = body["detail"].as_array().unwrap().iter().map(|item| &item["loc"]).collect();
    assert_eq!(
        locs,
        [
            &json!(["query", "mode"]),
            &json!(["query", "hashtag"]),
            &json!(["query", "status"]),
            &json!(["query", "limit"]),
            &json!(["query", "offset"])
        ]
    );
    for item in body["detail"].as_array().unwrap() {
        assert!(item["msg"].is_string() && item["type"].is_string(), "{item}");
    }
    for query in ["limit=201", "limit=ten", "offset=1.5", "value=two%20words", "author_username=%0A"] {
        let (status, body) = h.get(&format!("{VIDEOS}?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        let param = query.split('=').next().unwrap();
        assert_eq!(body["detail"][0]["loc"], json!(["query", param]), "{query}");
    }
    h.stop().await;
}

#[tokio::test]
async fn an_unknown_or_malformed_id_is_not_found() {
    let (h, _) = stocked().await;
    let not_found = json!({"detail": "Video not found"});
    for id in ["00000000-0000-8000-8000-000000000000", "7123456789012345678", "not-an-id"] {
        for method in [Method::GET, Method::DELETE] {
            let (status, body) = h.call(method.clone(), &format!("{VIDEOS}/{id}"), None).await;
            assert_eq!((status, body), (StatusCode::NOT_FOUND, not_found.clone()), "{method} {id}");
        }
    }
    h.stop().await;
}

#[tokio::test]
async fn a_deleted_video_leaves_listings_and_counts_but_is_remembered() {
    let (h, videos) = stocked().await;
    let (_, before) = h.get("/api/v1/stats").await;
    let gone = &videos[0];
    let path = format!("{VIDEOS}/{}", gone.id);
    assert_eq!(h.call(Method::DELETE, &path, None).await, (StatusCode::NO_CONTENT, Value::Null));

    assert_eq!(h.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(h.call(Method::DELETE, &path, None).await.0, StatusCode::NOT_FOUND, "deleted once");
    let (_, list) = h.get(VIDEOS).await;
    assert_eq!(listed(&list), ["5", "4", "3", "2"]);
    assert_eq!(list["total"], 4);
    let (_, after) = h.get("/api/v1/stats").await;
    assert_eq!(after["total_videos"], before["total_videos"].as_u64().unwrap() - 1);
    assert_eq!(after["uploaded_videos"], before["uploaded_videos"].as_u64().unwrap() - 1);
    assert_eq!(after["total_storage_bytes"], before["total_storage_bytes"].as_u64().unwrap() - 5_242_880);

    // The record stays as a tombstone, so that no scrape fetches the video again.
    let archived = h.app.videos.store().archived(&gone.platform, &gone.platform_id).await.unwrap();
    let Archived::Tombstoned(record) = archived else { panic!("not a tombstone: {archived:?}") };
    assert_eq!(record.video_key, Some(key("videos/tiktok/khaby.lame/1.mp4")), "the file stays where it was");
    h.stop().await;
}

#[tokio::test]
async fn stats_count_videos_by_status_and_the_bytes_uploaded() {
    let (h, _) = stocked().await;
    let (status, stats) = h.get("/api/v1/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["total_videos"], 5);
    assert_eq!(stats["downloaded_videos"], 3, "uploaded ones were downloaded");
    assert_eq!(stats["uploaded_videos"], 3);
    assert_eq!(stats["failed_videos"], 1);
    assert_eq!(stats["total_storage_bytes"], 5_242_880 * 2 + 1_048_576);
    h.stop().await;
}

#[tokio::test]
async fn stats_count_only_scrape_runs_and_scrape_schedules() {
    let h = RouterHarness::new();
    let script = h.write_script("ok.sh", "#!/bin/bash\nexit 0\n");
    let body =
        json!({"job_id": "not-a-scrape", "job_type": "bash", "script_path": script, "run_date": "2099-12-31T23:59:59"});
    assert_eq!(h.send(Method::POST, "/api/schedule-job", &body).await.0, StatusCode::OK);
    let interval = scheduler_job_body("interval-script", "Script on an interval");
    assert_eq!(h.send(Method::POST, "/api/v1/scheduler/jobs", &interval).await.0, StatusCode::CREATED);
    let (_, stats) = h.get("/api/v1/stats").await;
    for field in ["total_jobs", "completed_jobs", "failed_jobs", "scheduled_jobs_count", "active_scheduled_jobs"] {
        assert_eq!(stats[field], 0, "{field}: script jobs are not scrapes");
    }
    h.stop().await;
}

#[tokio::test]
async fn viewers_read_and_operators_delete() {
    let viewer = generate_key("vera", Role::Viewer).unwrap();
    let operator = generate_key("otto", Role::Operator).unwrap();
    let keys = KeyRing::parse(&format!("{}\n{}", viewer.config_line, operator.config_line)).unwrap();
    let h = RouterHarness::with_keys(keys);
    let video = full_video("1");
    h.record_video(&video).await;
    let path = format!("{VIDEOS}/{}", video.id);
    let call = |method: Method, uri: &str, key: Option<&str>| {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        h.router.clone().oneshot(request.body(Body::empty()).unwrap())
    };
    for uri in [VIDEOS, path.as_str(), "/api/v1/stats"] {
        assert_eq!(call(Method::GET, uri, None).await.unwrap().status(), StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(call(Method::GET, uri, Some(&viewer.key)).await.unwrap().status(), StatusCode::OK, "{uri}");
    }
    let refused = call(Method::DELETE, &path, Some(&viewer.key)).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body = axum::body::to_bytes(refused.into_body(), 1 << 16).await.unwrap();
    assert!(serde_json::from_slice::<Value>(&body).unwrap()["detail"].is_string());
    assert_eq!(call(Method::DELETE, &path, Some(&operator.key)).await.unwrap().status(), StatusCode::NO_CONTENT);
    h.stop().await;
}

#[test]
fn the_document_gives_the_real_parameter_limits() {
    let openapi = serde_json::to_value(crate::http::openapi()).unwrap();
    let params = &openapi["paths"]["/api/v1/videos"]["get"]["parameters"];
    let param = |name: &str| params.as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["schema"].clone();
    assert_eq!((param("limit")["minimum"].clone(), param("limit")["maximum"].clone()), (json!(1), json!(200)));
    assert_eq!(param("offset")["minimum"], 0);
    assert_eq!(param("status")["pattern"], "^(pending|downloading|downloaded|uploading|uploaded|failed)$");
    for method in ["get", "delete"] {
        let operation = &openapi["paths"]["/api/v1/videos/{video_id}"][method];
        assert_eq!(operation["parameters"][0]["schema"]["format"], "uuid", "{method}");
        assert!(operation["responses"]["404"].is_object(), "{method}");
    }
    assert!(openapi["paths"]["/api/v1/videos/{video_id}"]["delete"]["responses"]["204"].is_object());
    assert!(openapi["components"]["schemas"]["StatsView"]["properties"]["active_scheduled_jobs"].is_object());
}

#[test]
fn the_files_route_is_documented_as_an_openapi_template() {
    let openapi = serde_json::to_value(crate::http::openapi()).unwrap();
    let paths = openapi["paths"].as_object().unwrap();
    assert!(paths.keys().all(|path| !path.contains("{*")), "{:?}", paths.keys().collect::<Vec<_>>());
    let parameters = &openapi["paths"]["/api/v1/files/{key}"]["get"]["parameters"];
    assert_eq!((&parameters[0]["name"], &parameters[0]["in"]), (&json!("key"), &json!("path")));
}

#[test]
fn the_files_route_documents_every_type_it_answers_with() {
    let openapi = serde_json::to_value(crate::http::openapi()).unwrap();
    let content = openapi["paths"]["/api/v1/files/{key}"]["get"]["responses"]["200"]["content"].as_object().unwrap();
    let documented: Vec<&str> = content.keys().map(String::as_str).collect();
    let served =
        ["clips/x/y-001.mp4", "videos/profile/a/2025/01/1.webm", "videos/profile/a/2025/01/1.json", "videos/x/1.bin"]
            .map(|key| served_content_type(&ObjectKey::parse(key).unwrap()));
    for content_type in served {
        let (main, _) = content_type.split_once('/').unwrap();
        assert!(
            documented.iter().any(|d| *d == content_type || *d == format!("{main}/*")),
            "{content_type} is served but the document lists {documented:?}"
        );
    }
}
