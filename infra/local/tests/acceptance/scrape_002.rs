//! A scrape as a client runs it: a `scrape.profile` job pointed at a loopback video site (the
//! real yt-dlp and ffmpeg, nothing from the internet), run by hand, and its videos read back
//! through seed 002's routes and from the server's object folder.

use std::time::Duration;

use jobsmith::test_support::media::installed_tools;
use jobsmith::test_support::scrape_fixture::{Breakage, ScrapeFixture};
use serde_json::{Value, json};

use crate::support::{Server, ServerOptions, scraping_server};

const JOBS: &str = "/api/v1/scheduler/jobs";
const SCRAPE_PROFILE: u32 = 3;

/// Runs the job once by hand and waits for that run to end; returns it.
async fn run_once(server: &Server, job_id: &str) -> Value {
    let triggered = server.post_empty(&format!("{JOBS}/{job_id}/trigger")).await.expect(200);
    let execution_id = triggered["executionId"].as_str().expect("executionId").to_owned();
    let runs = server
        .wait_executions(job_id, Duration::from_secs(120), "the scrape run ends", |runs| {
            runs.iter()
                .any(|r| r["id"] == execution_id.as_str() && r["status"] != "running" && r["status"] != "pending")
        })
        .await;
    runs.into_iter().find(|r| r["id"] == execution_id.as_str()).expect("the run")
}

async fn videos(server: &Server, query: &str) -> Value {
    server.get(&format!("/api/v1/videos?{query}")).await.expect(200)
}

#[tokio::test]
async fn a_scrape_stores_what_it_can_records_what_failed_and_fetches_nothing_twice() {
    let fixture = ScrapeFixture::with_samples(&installed_tools().ffmpeg, 3).await;
    let broken = fixture.videos()[1].id.clone();
    fixture.break_media(&broken, Breakage::NotFound);
    let server = scraping_server(&fixture, ServerOptions::default()).await;

    let body = json!({
        "name": "fixture profile",
        "taskFunctionId": SCRAPE_PROFILE,
        "jobTypeId": 1,
        "scheduleConfig": {"hours": 24, "minutes": 0, "seconds": 0},
        "taskArgs": {"value": "@Fixture", "limit": 10},
        "maxInstances": 1,
        "timeoutSeconds": 600,
        "retryCount": 0,
        "retryDelaySeconds": 0,
        "isEnabled": true,
    });
    let job = server.post(JOBS, &body).await.expect(201);
    let job_id = job["id"].as_str().expect("id").to_owned();
    assert_eq!(job["taskArgs"]["value"], "fixture", "the value is kept as the platform compares it: {job}");

    let run = run_once(&server, &job_id).await;
    assert_eq!(run["status"], "success", "one broken video does not fail the run: {run}");

    let listed = videos(&server, "mode=profile&value=fixture").await;
    assert_eq!(listed["total"], 3, "{listed}");
    let uploaded = videos(&server, "status=uploaded").await;
    assert_eq!(uploaded["total"], 2, "{uploaded}");
    let failed = videos(&server, "status=failed").await;
    assert_eq!(failed["total"], 1, "{failed}");
    let failure = &failed["videos"][0];
    assert_eq!(failure["platform_id"], broken.as_str(), "{failure}");
    assert_eq!(failure["error_class"], "not_found", "{failure}");

    for video in uploaded["videos"].as_array().expect("videos") {
        let key = video["drive_file_id"].as_str().expect("a stored key");
        assert!(key.starts_with("videos/profile/fixture/"), "{key}");
        let id = video["platform_id"].as_str().expect("platform id");
        let stored = std::fs::read(server.data_dir().join("objects").join(key)).expect("the stored file");
        assert_eq!(stored, fixture.mp4(id), "{key} holds what the site served");
        let sidecar = key.rsplit_once('.').map(|(stem, _)| format!("{stem}.json")).expect("an extension");
        let info: Value = serde_json::from_slice(
            &std::fs::read(server.data_dir().join("objects").join(&sidecar)).expect("the metadata beside it"),
        )
        .expect("JSON metadata");
        assert_eq!(info["id"], id, "{sidecar}");
    }

    let stats = server.get("/api/v1/stats").await.expect(200);
    let stored_bytes: u64 =
        uploaded["videos"].as_array().iter().flat_map(|v| v.iter()).filter_map(|v| v["file_size"].as_u64()).sum();
    assert!(stored_bytes > 0, "{uploaded}");
    let counted = ["total_videos", "uploaded_videos", "failed_videos", "total_storage_bytes", "completed_jobs"]
        .map(|field| stats[field].as_u64().unwrap_or_else(|| panic!("{field} in {stats}")));
    assert_eq!(counted, [3, 2, 1, stored_bytes, 1], "{stats}");
    assert_eq!((&stats["scheduled_jobs_count"], &stats["active_scheduled_jobs"]), (&json!(1), &json!(1)), "{stats}");

    // The stored ones are in the archive, and a video gone from the site is not asked for again.
    let media_before = fixture.media_requests();
    let again = run_once(&server, &job_id).await;
    assert_eq!(again["status"], "success", "{again}");
    assert_eq!(fixture.media_requests(), media_before, "nothing was downloaded twice");
    assert_eq!(videos(&server, "status=uploaded").await["total"], 2);
}
