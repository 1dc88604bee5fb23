//! `clip.video` through seed 004's jobs API against the real binary: a job made with the
//! function's arguments, triggered, cuts its clips with the installed ffmpeg into the object
//! folder, and its run records every clip and its progress.

use std::time::Duration;

use jobsmith::test_support::media::{installed_tools, make_counter_mp4};
use serde_json::json;

use crate::support::{Server, ServerOptions, bounded, find};

const JOBS: &str = "/api/v1/scheduler/jobs";

#[tokio::test]
async fn a_clip_job_cuts_a_stored_video_into_the_clips_folder() {
    let tools = installed_tools();
    let env = vec![
        ("JOBSMITH_FFMPEG".to_owned(), tools.ffmpeg.display().to_string()),
        ("JOBSMITH_FFPROBE".to_owned(), tools.ffprobe.display().to_string()),
    ];
    let server = Server::start(ServerOptions { env, ..ServerOptions::default() }).await;
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
    })
    .await;
}
