//! Video retention against the real binary: videos planted in the server's database and object
//! folder, pinned and unpinned through seed 002's routes, and `cleanup.videos` jobs made, run and
//! read back through seed 004's.

use std::time::Duration;

use chrono::Utc;
use jobsmith::adapters::local::sqlite::SqliteStore;
use jobsmith::domain::video::Video;
use jobsmith::ports::VideoStore;
use jobsmith::test_support::videos::uploaded_video;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Server, ServerOptions, bounded, detail_message, new_key};

const LIMIT: Duration = Duration::from_secs(90);
const JOBS: &str = "/api/v1/scheduler/jobs";
const FOLDER: &str = "videos/profile/a/2026/01";
const CLEANUP_VIDEOS: u32 = 6;

/// Records the videos in the stopped server's database, writes their files of the given sizes
/// and their sidecars, and starts the server again on the same data.
async fn plant(server: &mut Server, videos: &[(&Video, usize)]) {
    server.stop().await;
    let store = SqliteStore::open(&server.data_dir().join("jobsmith.db")).expect("the server's database");
    for (video, bytes) in videos {
        store.upsert_video(video).await.expect("record the video");
        let files = [(&video.video_key, vec![1u8; *bytes]), (&video.sidecar_key, b"{}".to_vec())];
        for (key, body) in files {
            let path = server.data_dir().join("objects").join(key.as_ref().expect("a stored key").as_str());
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
            std::fs::write(path, body).expect("write");
        }
    }
    drop(store);
    server.restart().await;
}

fn file_of(server: &Server, video: &Video, sidecar: bool) -> std::path::PathBuf {
    let key = if sidecar { &video.sidecar_key } else { &video.video_key };
    server.data_dir().join("objects").join(key.as_ref().expect("a stored key").as_str())
}

fn stored(server: &Server, video: &Video) -> bool {
    file_of(server, video, false).exists() && file_of(server, video, true).exists()
}

/// Makes a daily `cleanup.videos` job with `args`, runs it once by hand and returns that run.
async fn run_retention(server: &Server, args: Value) -> Value {
    let body = json!({
        "name": "video retention",
        "taskFunctionId": CLEANUP_VIDEOS,
        "jobTypeId": 1,
        "scheduleConfig": {"hours": 24, "minutes": 0, "seconds": 0},
        "taskArgs": args,
        "isEnabled": true,
    });
    let job = server.post(JOBS, &body).await.expect(201);
    let job_id = job["id"].as_str().expect("id").to_owned();
    let triggered = server.post_empty(&format!("{JOBS}/{job_id}/trigger")).await.expect(200);
    let execution_id = triggered["executionId"].as_str().expect("executionId").to_owned();
    let runs = server
        .wait_executions(&job_id, LIMIT, "the retention run ends", |runs| {
            runs.iter()
                .any(|r| r["id"] == execution_id.as_str() && r["status"] != "running" && r["status"] != "pending")
        })
        .await;
    runs.into_iter().find(|r| r["id"] == execution_id.as_str()).expect("the run")
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

#[tokio::test]
async fn a_retention_job_removes_old_videos_keeps_pinned_ones_and_records_what_went() {
    let (operator, operator_line) = new_key("otto", "operator");
    let (viewer, viewer_line) = new_key("vera", "viewer");
    let options = ServerOptions {
        api_keys: [operator_line, viewer_line].join(","),
        client_key: Some(operator),
        ..Default::default()
    };
    let mut server = Server::start(options).await;
    let now = Utc::now();
    let old = uploaded_video("1", "a", FOLDER, now - days(40), 1_000);
    let favourite = uploaded_video("2", "a", FOLDER, now - days(45), 2_000);
    let young = uploaded_video("3", "a", FOLDER, now - days(1), 500);
    plant(&mut server, &[(&old, 1_000), (&favourite, 2_000), (&young, 500)]).await;
    bounded(LIMIT * 4, async {
        // The pin: an operator's, answered with the video as GET shows it.
        let pin = format!("/api/v1/videos/{}/pin", favourite.id);
        let refused = server.send(server.request_as(Some(&viewer), Method::PUT, &pin)).await;
        assert_eq!(refused.status, 403, "{}", refused.text);
        detail_message(&refused.body);
        let pinned = server.put_empty(&pin).await.expect(200);
        assert_eq!(pinned["pinned"], true, "{pinned}");
        let shown = server.get(&format!("/api/v1/videos/{}", favourite.id)).await.expect(200);
        assert_eq!(pinned, shown);
        for unknown in ["/api/v1/videos/00000000-0000-8000-8000-000000000000/pin", "/api/v1/videos/7123/pin"] {
            for method in [Method::PUT, Method::DELETE] {
                let answer = server.send(server.request(method.clone(), unknown)).await;
                assert_eq!((answer.status, detail_message(&answer.body)), (404, "Video not found".to_owned()), "{method} {unknown}");
            }
        }

        // A dry run names what would go and deletes nothing.
        let dry = run_retention(&server, json!({"older_than_days": 30, "dry_run": true})).await;
        assert_eq!(dry["status"], "success", "{dry}");
        let result = &dry["result"];
        assert_eq!((&result["dry_run"], &result["videos_removed"]), (&json!(true), &json!(1)), "{result}");
        assert_eq!(result["removed_keys"], json!([format!("{FOLDER}/1.mp4")]));
        assert!(stored(&server, &old), "a dry run deletes nothing");
        server.get(&format!("/api/v1/videos/{}", old.id)).await.expect(200);

        // The real run: the old video's file and sidecar go, and its record with them.
        let args = json!({"older_than_days": 30, "prefix": "videos/profile"});
        let run = run_retention(&server, args).await;
        assert_eq!(run["status"], "success", "{run}");
        let result = &run["result"];
        assert_eq!(result["removed_keys"], json!([format!("{FOLDER}/1.mp4")]), "{result}");
        assert_eq!(
            [&result["videos_removed"], &result["bytes_removed"], &result["sidecars_removed"], &result["kept_pinned"]],
            [&json!(1), &json!(1_000), &json!(1), &json!(1)],
            "{result}"
        );
        assert!(!file_of(&server, &old, false).exists() && !file_of(&server, &old, true).exists());
        assert!(stored(&server, &favourite) && stored(&server, &young), "the pinned and the young stay");
        let gone = server.get(&format!("/api/v1/videos/{}", old.id)).await;
        assert_eq!((gone.status, detail_message(&gone.body)), (404, "Video not found".to_owned()));
        let listed = server.get("/api/v1/videos?status=uploaded").await.expect(200);
        assert_eq!(listed["total"], 2, "{listed}");
        let job = server.get(&format!("{JOBS}/{}", run["jobId"].as_str().expect("jobId"))).await.expect(200);
        assert_eq!(
            job["taskArgs"],
            json!({"older_than_days": 30, "keep_newest": null, "max_bytes": null, "prefix": "videos/profile/", "dry_run": false}),
            "{job}"
        );

        // Unpinned, the favourite is as old as any: the next run takes it.
        let unpinned = server.delete(&pin).await.expect(200);
        assert_eq!(unpinned["pinned"], false);
        let after = run_retention(&server, json!({"older_than_days": 30})).await;
        assert_eq!(after["result"]["removed_keys"], json!([format!("{FOLDER}/2.mp4")]), "{after}");
        assert!(!file_of(&server, &favourite, false).exists());
        assert!(stored(&server, &young));
    })
    .await;
}
