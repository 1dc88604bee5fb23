//! Seed 002's jobs as its clients use them: its cURL, Python and JavaScript examples, unchanged,
//! against `jobsmith serve` pointed at a loopback video site (the real yt-dlp and ffmpeg, nothing
//! from the internet); listing by status, a run's videos with links that download them, cancel
//! mid-run, delete with and without the files, and the error shapes.

use std::time::Duration;

use jobsmith::test_support::media::installed_tools;
use jobsmith::test_support::scrape_fixture::{Breakage, FixtureVideo, ScrapeFixture};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{
    Server, ServerOptions, detail_message, eventually, keys, new_key, scraping_server, validation_locs,
};

const JOBS: &str = "/api/v1/jobs";
/// A scrape of a few fixture videos ends well within this.
const RUN_LIMIT: Duration = Duration::from_secs(120);

async fn create(server: &Server, body: &Value) -> String {
    let run = server.post(JOBS, body).await.expect(201);
    run["id"].as_str().unwrap_or_else(|| panic!("an id in {run}")).to_owned()
}

/// `GET /jobs/{id}` until the run's status is `status`.
async fn wait_for(server: &Server, id: &str, status: &str) -> Value {
    eventually(&format!("run {id} is {status}"), RUN_LIMIT, || async {
        let detail = server.get(&format!("{JOBS}/{id}")).await.expect(200);
        (detail["job"]["status"] == status).then_some(detail)
    })
    .await
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn the_seeds_curl_python_and_javascript_examples_work_unchanged() {
    let fixture = ScrapeFixture::with_samples(&installed_tools().ffmpeg, 3).await;
    let server = scraping_server(&fixture, ServerOptions::default()).await;

    // cURL: create, get the status until the run completes, list the videos.
    let body = json!({"mode": "profile", "value": "khaby.lame", "limit": 50, "no_watermark": true});
    let created = server.post(JOBS, &body).await.expect(201);
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        keys(&created),
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
    let done = wait_for(&server, &id, "completed").await;
    let job = &done["job"];
    assert_eq!((&job["id"], &job["mode"], &job["value"]), (&json!(id), &json!("profile"), &json!("khaby.lame")));
    assert_eq!(
        [&job["progress"], &job["total_videos"], &job["successful_downloads"], &job["failed_downloads"]],
        [&json!(100), &json!(3), &json!(3), &json!(0)],
        "{done}"
    );
    assert!(job["completed_at"].is_string(), "{done}");
    let videos = server.get("/api/v1/videos?mode=profile&value=khaby.lame&limit=20").await.expect(200);
    assert_eq!(videos["total"], 3, "{videos}");
    assert!(videos["videos"].as_array().expect("videos").iter().all(|v| v["job_id"] == id.as_str()), "{videos}");

    // Python (`requests.post(json=…)`, then `status['job']['progress']`) and JavaScript (`fetch`
    // with a JSON body, then `status.job.progress`) send the same requests.
    for (value, limit) in [("khaby.lame", 50), ("khaby.lame", 50)] {
        let id =
            create(&server, &json!({"mode": "profile", "value": value, "limit": limit, "no_watermark": true})).await;
        let status = server.get(&format!("{JOBS}/{id}")).await.expect(200);
        let progress = status["job"]["progress"].as_u64().unwrap_or_else(|| panic!("a progress in {status}"));
        assert!(progress <= 100, "{status}");
        wait_for(&server, &id, "completed").await;
    }
}

#[tokio::test]
async fn runs_list_newest_first_by_the_seeds_statuses() {
    let fixture = ScrapeFixture::with_samples(&installed_tools().ffmpeg, 1).await;
    let server = scraping_server(&fixture, ServerOptions::default()).await;

    let completed = create(&server, &json!({"mode": "profile", "value": "done"})).await;
    wait_for(&server, &completed, "completed").await;
    let failed = create(&server, &json!({"mode": "hashtag", "value": "nowhere"})).await;
    let detail = wait_for(&server, &failed, "failed").await;
    assert!(detail["job"]["error"].is_string(), "{detail}");

    // A run held by a download that never answers, cancelled while it waits.
    let stalled = FixtureVideo::sample(9);
    let stalled_id = stalled.id.clone();
    fixture.add_video(stalled).await;
    fixture.break_media(&stalled_id, Breakage::Stall);
    let running = create(&server, &json!({"mode": "profile", "value": "held"})).await;
    wait_for(&server, &running, "running").await;
    let listed = server.get(&format!("{JOBS}?status=running")).await.expect(200);
    assert_eq!(ids(&listed), [running.as_str()]);
    let cancelled = server.post_empty(&format!("{JOBS}/{running}/cancel")).await.expect(200);
    assert_eq!(cancelled["id"], running.as_str(), "{cancelled}");
    assert!(["running", "cancelled"].contains(&cancelled["status"].as_str().expect("status")), "{cancelled}");
    wait_for(&server, &running, "cancelled").await;

    let all = server.get(JOBS).await.expect(200);
    assert_eq!(ids(&all), [running.clone(), failed.clone(), completed.clone()], "newest first");
    for run in all.as_array().expect("runs") {
        for field in [
            "id",
            "mode",
            "value",
            "status",
            "progress",
            "total_videos",
            "successful_downloads",
            "failed_downloads",
            "created_at",
            "completed_at",
        ] {
            assert!(run.get(field).is_some(), "{field} in {run}");
        }
    }
    for (status, expected) in [
        ("completed", vec![completed.clone()]),
        ("failed", vec![failed.clone()]),
        ("cancelled", vec![running.clone()]),
        ("pending", vec![]),
        ("running", vec![]),
    ] {
        let listed = server.get(&format!("{JOBS}?status={status}")).await.expect(200);
        assert_eq!(ids(&listed), expected, "{status}");
    }
    let page = server.get(&format!("{JOBS}?limit=1&offset=1")).await.expect(200);
    assert_eq!(ids(&page), [failed.as_str()]);

    let bad = server.get(&format!("{JOBS}?status=succeeded&limit=0&offset=x")).await.expect(422);
    assert_eq!(
        validation_locs(&bad),
        [json!(["query", "status"]), json!(["query", "limit"]), json!(["query", "offset"])]
    );
    let again = server.post_empty(&format!("{JOBS}/{completed}/cancel")).await.expect(400);
    assert_eq!(detail_message(&again), "Job is not running");
}

#[tokio::test]
async fn a_runs_links_download_its_files_with_the_key() {
    let fixture = ScrapeFixture::with_samples(&installed_tools().ffmpeg, 2).await;
    let (viewer, viewer_line) = new_key("vera", "viewer");
    let (operator, operator_line) = new_key("otto", "operator");
    let options = ServerOptions {
        api_keys: [viewer_line, operator_line].join(","),
        client_key: Some(operator),
        ..Default::default()
    };
    let server = scraping_server(&fixture, options).await;

    let body = json!({"mode": "profile", "value": "linked", "drive_folder_id": "drive/folder-1"});
    let id = create(&server, &body).await;
    let detail = wait_for(&server, &id, "completed").await;
    assert_eq!(detail["job"]["drive_folder_id"], "drive/folder-1", "{detail}");
    let videos = detail["videos"].as_array().expect("videos");
    let links = detail["drive_links"].as_array().expect("links");
    assert_eq!((videos.len(), links.len()), (2, 2), "{detail}");
    for link in links {
        let video =
            videos.iter().find(|v| v["id"] == link["video_id"]).unwrap_or_else(|| panic!("{link} names a video"));
        let key = video["drive_file_id"].as_str().expect("a stored key");
        assert!(key.starts_with("videos/drive/folder-1/"), "{key}");
        assert_eq!(link["folder_path"], video["drive_folder_path"], "{link}");
        let url = link["video_link"].as_str().expect("a link");
        assert_eq!(url, server.url(&format!("/api/v1/files/{key}")), "an absolute link to this server");

        let anonymous = reqwest::Client::new().get(url).send().await.expect("send");
        assert_eq!(anonymous.status(), 401, "a link needs the key");
        let response = reqwest::Client::new().get(url).header("X-API-Key", &viewer).send().await.expect("send");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "video/mp4");
        let bytes = response.bytes().await.expect("the file");
        let platform_id = video["platform_id"].as_str().expect("platform id");
        assert_eq!(bytes.as_ref(), fixture.mp4(platform_id), "{url} downloads what the site served");
        assert_eq!(
            bytes.as_ref(),
            std::fs::read(server.data_dir().join("objects").join(key)).expect("the stored file")
        );

        let metadata = link["metadata_link"].as_str().expect("a metadata link");
        let response = reqwest::Client::new().get(metadata).header("X-API-Key", &viewer).send().await.expect("send");
        let info: Value = response.json().await.expect("JSON metadata");
        assert_eq!(info["id"], platform_id, "{metadata}");
    }
    let outside = server.get("/api/v1/files/jobsmith.db").await.expect(404);
    assert_eq!(detail_message(&outside), "File not found");
}

#[tokio::test]
async fn delete_takes_the_records_and_only_on_request_the_files() {
    let fixture = ScrapeFixture::with_samples(&installed_tools().ffmpeg, 2).await;
    let server = scraping_server(&fixture, ServerOptions::default()).await;
    let objects = server.data_dir().join("objects");

    let kept = create(&server, &json!({"mode": "profile", "value": "kept", "drive_folder_id": "kept"})).await;
    wait_for(&server, &kept, "completed").await;
    let stored: Vec<String> = server.get("/api/v1/videos?value=kept").await.expect(200)["videos"]
        .as_array()
        .expect("videos")
        .iter()
        .map(|v| v["drive_file_id"].as_str().expect("key").to_owned())
        .collect();
    assert_eq!(stored.len(), 2);
    assert_eq!(server.delete(&format!("{JOBS}/{kept}")).await.status, 204);
    let gone = server.get(&format!("{JOBS}/{kept}")).await.expect(404);
    assert_eq!(gone, json!({"detail": "Job not found"}));
    assert_eq!(server.get("/api/v1/videos?value=kept").await.expect(200)["total"], 0);
    assert!(stored.iter().all(|key| objects.join(key).is_file()), "the files stay without delete_files");

    // The videos deleted are not fetched again by the next run, which so finds nothing to store.
    let media_before = fixture.media_requests();
    let purged = create(&server, &json!({"mode": "profile", "value": "kept", "drive_folder_id": "purged"})).await;
    let detail = wait_for(&server, &purged, "completed").await;
    assert_eq!(fixture.media_requests(), media_before, "tombstoned videos stay deleted: {detail}");
    assert_eq!(detail["videos"], json!([]), "{detail}");

    let fresh = FixtureVideo::sample(7);
    fixture.add_video(fresh).await;
    let third = create(&server, &json!({"mode": "profile", "value": "third"})).await;
    let detail = wait_for(&server, &third, "completed").await;
    let key = detail["videos"][0]["drive_file_id"]
        .as_str()
        .unwrap_or_else(|| panic!("one stored video in {detail}"))
        .to_owned();
    let sidecar = detail["videos"][0]["metadata_file_id"].as_str().expect("its metadata").to_owned();
    assert!(objects.join(&key).is_file() && objects.join(&sidecar).is_file());
    assert_eq!(server.delete(&format!("{JOBS}/{third}?delete_files=true")).await.status, 204);
    assert!(!objects.join(&key).exists() && !objects.join(&sidecar).exists(), "the files went with the run");
    assert!(stored.iter().all(|key| objects.join(key).is_file()), "another run's files stay");
}

#[tokio::test]
async fn unknown_runs_and_bad_bodies_answer_in_the_seeds_shapes() {
    let server = Server::open().await;
    let unknown = "550e8400-e29b-41d4-a716-446655440000";
    for path in [format!("{JOBS}/{unknown}"), format!("{JOBS}/not-a-run"), format!("{JOBS}/{unknown}/cancel")] {
        let method = if path.ends_with("/cancel") { Method::POST } else { Method::GET };
        let answer = server.send(server.request(method, &path)).await.expect(404);
        assert_eq!(answer, json!({"detail": "Job not found"}), "{path}");
    }
    let answer = server.delete(&format!("{JOBS}/{unknown}")).await.expect(404);
    assert_eq!(answer, json!({"detail": "Job not found"}));

    let missing = server.post(JOBS, &json!({"limit": 0})).await.expect(422);
    assert_eq!(
        validation_locs(&missing),
        [json!(["body", "mode"]), json!(["body", "value"]), json!(["body", "limit"])]
    );
    assert_eq!(missing["detail"][0]["msg"], "field required");
    let folder =
        server.post(JOBS, &json!({"mode": "profile", "value": "a", "drive_folder_id": "../up"})).await.expect(422);
    assert_eq!(validation_locs(&folder), [json!(["body", "drive_folder_id"])]);
    let malformed = server.raw(Method::POST, JOBS, "{\"mode\": ").await.expect(400);
    detail_message(&malformed);
    let bad_delete = server.delete(&format!("{JOBS}/{unknown}?delete_files=perhaps")).await.expect(422);
    assert_eq!(validation_locs(&bad_delete), [json!(["query", "delete_files"])]);
}
