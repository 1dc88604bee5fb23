//! `clip.video` through seed 004's jobs API against the real binary: a job made with the
//! function's arguments, triggered, cuts its clips with the installed ffmpeg into the object
//! folder, and its run records every clip and its progress.

use std::time::Duration;

use jobsmith::adapters::local::media::MediaTools;
use jobsmith::test_support::media::{installed_tools, make_counter_mp4};
use serde_json::json;

use crate::support::{Server, ServerOptions, bounded, find};

const JOBS: &str = "/api/v1/scheduler/jobs";

/// A server whose runs call the installed ffmpeg and ffprobe.
async fn with_media_tools() -> (Server, MediaTools) {
    let tools = installed_tools();
    let env = vec![
        ("JOBSMITH_FFMPEG".to_owned(), tools.ffmpeg.display().to_string()),
        ("JOBSMITH_FFPROBE".to_owned(), tools.ffprobe.display().to_string()),
    ];
    (Server::start(ServerOptions { env, ..ServerOptions::default() }).await, tools)
}

#[tokio::test]
async fn a_clip_job_cuts_a_stored_video_into_the_clips_folder() {
    let (server, tools) = with_media_tools().await;
    bounded(Duration::from_secs(90), async {
        let stored = server.data_dir().join("objects/videos/uploads/talk.mp4");
        std::fs::create_dir_all(stored.parent().expect("a folder")).expect("folder");
        make_counter_mp4(&tools.ffmpeg, &stored, 10).await;
        let body = json!({
            "name": "Cut the talk",
            "taskFunctionId": 5,
            "jobTypeId": 1,
            "scheduleConfig": {"hours": 24, "minutes": 0, "seconds": 0},
            "taskArgs": {"storage_key": "videos/uploads/talk.mp4", "segments": [{"start": 1, "end": 3}, {"start": 5.5, "end": 7}], "accuracy": "exact"},
            "isEnabled": true,
        });
        let job = server.post(JOBS, &body).await.expect(201);
        let id = job["id"].as_str().expect("an id").to_owned();
        assert_eq!(job["taskArgs"]["accuracy"], "exact", "{job}");
        let refused = server.post(JOBS, &json!({"name": "bad", "taskFunctionId": 5, "jobTypeId": 1,
            "scheduleConfig": {"hours": 1}, "taskArgs": {"storage_key": "videos/uploads/talk.mp4"}})).await;
        assert_eq!(refused.status, 422, "{}", refused.text);
        server.post_empty(&format!("{JOBS}/{id}/trigger")).await.expect(200);
        let runs = server
            .wait_executions(&id, Duration::from_secs(60), "the clips are cut", |list| {
                list.iter().any(|e| e["status"] == "success" || e["status"] == "failed")
            })
            .await;
        let run = find(&runs, "status", "success");
        let clips = run["result"]["clips"].as_array().unwrap_or_else(|| panic!("no clips in {run}"));
        assert_eq!(clips.len(), 2, "{run}");
        for clip in clips {
            let key = clip["key"].as_str().expect("a key");
            assert!(key.starts_with("clips/talk/"), "{clip}");
            let file = server.data_dir().join("objects").join(key);
            assert_eq!(std::fs::metadata(&file).map(|m| m.len()).ok(), clip["size"].as_u64(), "{clip}");
        }
        let durations: Vec<f64> = clips.iter().filter_map(|c| c["measured_duration"].as_f64()).collect();
        assert!((durations[0] - 2.0).abs() <= 0.05 && (durations[1] - 1.5).abs() <= 0.05, "{durations:?}");

        // Deleting the job with its files takes the clips its run cut, and the source stays.
        server.delete(&format!("/api/jobs/{id}?delete_files=true")).await.expect(200);
        for clip in clips {
            let file = server.data_dir().join("objects").join(clip["key"].as_str().expect("a key"));
            assert!(!file.exists(), "{clip}");
        }
        assert!(stored.exists(), "the source video is no clip");
        assert_eq!(server.get("/api/clips").await.expect(200)["total"], 0);
    })
    .await;
}

/// Seed 000's clients: a clip cut now through `POST /api/clips`, then the seed's listing of jobs
/// and clips, one clip deleted, and its fourth scenario, every job and every clip deleted.
#[tokio::test]
async fn seed_000_lists_and_cleans_up_the_clips_a_clip_job_cut() {
    let (server, tools) = with_media_tools().await;
    bounded(Duration::from_secs(90), async {
        let stored = server.data_dir().join("objects/videos/uploads/Z3TMbaX_X0k.mp4");
        std::fs::create_dir_all(stored.parent().expect("a folder")).expect("folder");
        make_counter_mp4(&tools.ffmpeg, &stored, 10).await;
        let body = json!({"storage_key": "videos/uploads/Z3TMbaX_X0k.mp4", "segment_seconds": 4});
        let job = server.post("/api/clips", &body).await.expect(201);
        assert_eq!((job["success"].clone(), job["video_id"].clone()), (json!(true), json!("Z3TMbaX_X0k")), "{job}");
        let job_id = job["job_id"].as_str().expect("a job id").to_owned();
        let finished = crate::support::eventually("the clip job finishes", Duration::from_secs(60), || async {
            let jobs = server.get("/api/jobs").await.expect(200);
            let listed =
                jobs["jobs"].as_array().and_then(|all| all.iter().find(|j| j["job_id"] == job_id.as_str()).cloned());
            listed.filter(|j| j["status"] == "finished")
        })
        .await;
        assert_eq!(finished["video_id"], "Z3TMbaX_X0k", "{finished}");
        assert_eq!((finished["total"].clone(), finished["processed"].clone()), (json!(3), json!(3)), "{finished}");

        let clips = server.get("/api/clips").await.expect(200);
        assert_eq!(clips["total"], 3, "{clips}");
        for clip in clips["clips"].as_array().expect("clips") {
            assert_eq!(clip["job_id"], job_id.as_str(), "{clip}");
            assert!(clip["duration"].as_f64().is_some_and(|d| d > 1.9), "{clip}");
            let url = clip["download_url"].as_str().expect("a link");
            let path = &url[url.find("/api/").expect("this server's route")..];
            let download = server.request(reqwest::Method::GET, path).send().await.expect("download");
            assert_eq!(download.status(), 200, "{clip}");
            let bytes = download.bytes().await.expect("the clip's bytes");
            assert_eq!(Some(bytes.len() as u64), clip["size"].as_u64(), "{clip}");
        }
        let first = clips["clips"][0]["filename"].as_str().expect("a name").to_owned();
        server.delete(&format!("/api/clips/{first}")).await.expect(200);
        server.delete(&format!("/api/clips/{first}")).await.expect(404);

        let jobs = server.delete("/api/jobs/all").await.expect(200);
        let clips = server.delete("/api/clips/all").await.expect(200);
        assert_eq!((jobs["deleted_count"].clone(), clips["deleted_count"].clone()), (json!(1), json!(2)));
        assert_eq!(server.get("/api/clips").await.expect(200)["total"], 0);
    })
    .await;
}

/// A clip cut from a video's page: yt-dlp reads the page and fetches its video, the clips are
/// filed under the id the video would have if it were scraped, and the page's own video is not
/// kept. The page is on loopback, which a server refuses unless told otherwise.
#[tokio::test]
async fn a_page_given_by_its_url_is_fetched_with_yt_dlp_and_cut() {
    use jobsmith::test_support::scrape_fixture::{FixtureVideo, ScrapeFixture};

    let tools = installed_tools();
    let video = FixtureVideo { duration_secs: 4, ..FixtureVideo::sample(1) };
    let fixture = ScrapeFixture::start(&tools.ffmpeg, vec![video.clone()]).await;
    let page = fixture.page_url(&video.id);
    let allowing = vec![("JOBSMITH_CLIP_PRIVATE_PAGES".to_owned(), "true".to_owned())];
    let server =
        crate::support::scraping_server(&fixture, ServerOptions { env: allowing, ..ServerOptions::default() }).await;
    let refusing = crate::support::scraping_server(&fixture, ServerOptions::default()).await;
    bounded(Duration::from_secs(90), async {
        let job = server.post("/api/clips", &json!({"url": page, "segment_seconds": 2})).await.expect(201);
        assert_eq!(job["video_id"], page.as_str(), "named by its page until the run reads it: {job}");
        let job_id = job["job_id"].as_str().expect("a job id").to_owned();
        let finished = crate::support::eventually("the page's clips are cut", Duration::from_secs(60), || async {
            let jobs = server.get("/api/jobs").await.expect(200);
            let listed =
                jobs["jobs"].as_array().and_then(|all| all.iter().find(|j| j["job_id"] == job_id.as_str()).cloned());
            listed.filter(|j| j["status"] == "finished" || j["status"] == "failed")
        })
        .await;
        assert_eq!(finished["status"], "finished", "{finished}");
        let video_id = finished["video_id"].as_str().expect("the video's id").to_owned();
        assert_ne!(video_id, page, "{finished}");
        let clips = server.get("/api/clips").await.expect(200);
        assert_eq!(clips["total"], 2, "{clips}");
        assert!(
            clips["clips"].as_array().expect("clips").iter().all(|c| c["video_id"] == video_id.as_str()),
            "{clips}"
        );
        assert!(!server.data_dir().join("objects/videos").exists(), "only the clips are kept");

        let job = refusing.post("/api/clips", &json!({"url": page, "segment_seconds": 2})).await.expect(201);
        let job_id = job["job_id"].as_str().expect("a job id").to_owned();
        let runs = refusing
            .wait_executions(&job_id, Duration::from_secs(30), "the refused page's run ends", |list| {
                list.iter().any(|e| e["status"] == "failed")
            })
            .await;
        let error = runs[0]["errorMessage"].as_str().unwrap_or_default();
        assert!(error.contains("non-public address"), "{error}");
        let bad = server.post("/api/clips", &json!({"url": "file:///etc/passwd", "segment_seconds": 2})).await;
        assert_eq!(bad.status, 400, "{}", bad.text);
    })
    .await;
}
