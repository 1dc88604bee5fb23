//! Seeds 003 and 000 on AWS, sent API Gateway's events, over a real bucket and table on moto:
//! `cleanup-all-videos` deletes the video files in pages, keeps everything else and writes the
//! audit log that `list-audit` reads back with the caller's address as API Gateway saw it; the
//! clip functions list clips with presigned links and delete one or all of them. And
//! `cleanup.videos` as the executor runs it, over the table and the bucket, giving the answers the
//! same run gives over SQLite and the local folder; and a `clip.video` run from the bucket into it.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, vars};
use jobsmith::adapters::aws::dynamo::create_table;
use jobsmith::adapters::aws::s3::s3_client;
use jobsmith::adapters::local::objects::LocalObjectStore;
use jobsmith::adapters::local::sqlite::SqliteStore;
use jobsmith::app::VideoRetention;
use jobsmith::domain::execution::ExecutionStatus;
use jobsmith::domain::job::Job;
use jobsmith::domain::object_key::ObjectKey;
use jobsmith::domain::task::{RetentionFields, RetentionTask, TaskSpec};
use jobsmith::domain::video::{TombstoneCause, Video};
use jobsmith::http::routes::function;
use jobsmith::ports::{ObjectStore, SystemClock, VideoStore, change_video};
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN};
use jobsmith::test_support::fixtures::{job, run, t0};
use jobsmith::test_support::videos::uploaded_video;
use jobsmith_functions::lambda_http::tower::ServiceExt;
use jobsmith_functions::{FunctionRoutes, http_router};
use jobsmith_tests::apigw;
use jobsmith_tests::moto::MotoServer;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "a-deployments-own-token";
const BUCKET: &str = "media";

async fn app(moto: &MotoServer, mode: &str) -> AwsApp {
    let sdk = moto.sdk_config().await;
    let env = [
        (vars::TABLE, "jobs"),
        (vars::BUCKET, BUCKET),
        (vars::SCHEDULE_GROUP, "cleanup-test"),
        (vars::EXECUTOR_ARN, EXECUTOR_ARN),
        (vars::SCHEDULER_ROLE_ARN, SCHEDULER_ROLE_ARN),
        (vars::S3_FORCE_PATH_STYLE, "true"),
        (vars::MODE, mode),
        (vars::CLEANUP_TOKEN, TOKEN),
    ];
    let config =
        AwsConfig::from_env(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())).expect("config");
    AwsApp::build(config, &sdk).expect("build the AWS app")
}

async fn call(app: &AwsApp, routes: FunctionRoutes, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let admin = json!({"principal": "ops-admin", "role": "admin"});
    let event = apigw::http_event(method, path, body, Some(&admin)).to_string();
    let request = jobsmith_functions::lambda_http::request::from_str(&event).expect("an API Gateway v2 event");
    let response = http_router(app, routes).oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_empties_the_buckets_video_prefixes_in_pages_and_audits_it() {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), "jobs").await.expect("create the table");
    let s3 = s3_client(&sdk, true);
    s3.create_bucket().bucket(BUCKET).send().await.expect("bucket");
    // More than one page of videos (S3 lists and deletes 1,000 keys a request).
    let mut videos: Vec<String> = (0..1_050).map(|n| format!("clips/v1/{n:04}.mp4")).collect();
    videos.push("videos/tiktok/a/2026/01/1.MOV".to_owned());
    let kept = ["videos/tiktok/a/2026/01/1.json", "clips/v1/cover.jpg", "elsewhere/x.mp4"];
    for key in videos.iter().map(String::as_str).chain(kept) {
        s3.put_object().bucket(BUCKET).key(key).body(ByteStream::from_static(b"v")).send().await.expect("put");
    }
    let production = app(&moto, "production").await;
    let sent = json!({"confirmation_token": TOKEN, "confirm_action": "DELETE_ALL_VIDEO_DATA"});
    let (status, refused) =
        call(&production, function::cleanup_all_videos, "POST", "/api/v1/cleanup-all-videos/", Some(&sent)).await;
    assert_eq!(
        (status, refused),
        (403, json!({"success": false, "error": "This operation is only allowed in development mode"}))
    );

    let app = app(&moto, "development").await;
    let (status, answer) =
        call(&app, function::cleanup_all_videos, "POST", "/api/v1/cleanup-all-videos", Some(&sent)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["statistics"],
        json!({"total_files_before": 1_051, "directories_processed": 2, "files_removed": 1_051, "files_failed": 0, "cleanup_errors": []})
    );
    for key in &videos[..3] {
        assert!(app.objects.head(&ObjectKey::parse(key).unwrap()).await.unwrap().is_none(), "{key} went");
    }
    for key in kept {
        assert!(app.objects.head(&ObjectKey::parse(key).unwrap()).await.unwrap().is_some(), "{key} stays");
    }
    let (status, log) = call(&app, function::list_audit, "GET", "/api/v1/audit?limit=10", None).await;
    assert_eq!(status, 200, "{log}");
    let entries = log["entries"].as_array().expect("entries");
    let seen: Vec<(&str, u64)> =
        entries.iter().map(|e| (e["outcome"].as_str().unwrap(), e["status"].as_u64().unwrap())).collect();
    assert_eq!(seen, [("completed", 200), ("refused", 403)]);
    assert_eq!(entries[0]["principal"], "ops-admin");
    assert_eq!(entries[0]["client_address"], "192.0.2.1");
    assert_eq!(entries[0]["user_agent"], "curl/8.5.0");
    assert_eq!(entries[0]["counts"]["files_removed"], 1_051);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clip_functions_list_link_and_delete_clips_in_the_bucket() {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), "jobs").await.expect("create the table");
    let s3 = s3_client(&sdk, true);
    s3.create_bucket().bucket(BUCKET).send().await.expect("bucket");
    let names = ["0190a1b2-0000-7000-8000-000000000001-001.mp4", "0190a1b2-0000-7000-8000-000000000001-002.mp4"];
    for key in names.iter().map(|n| format!("clips/talk/{n}")).chain(["clips/talk/notes.txt".to_owned()]) {
        s3.put_object().bucket(BUCKET).key(key).body(ByteStream::from_static(b"clip")).send().await.expect("put");
    }
    let app = app(&moto, "production").await;
    let (status, listed) = call(&app, function::list_clips, "GET", "/api/clips", None).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["total"], 2, "{listed}");
    let link = listed["clips"][0]["download_url"].as_str().expect("a link");
    assert!(link.contains("/clips/talk/") && link.contains("X-Amz-Signature"), "a presigned S3 URL: {link}");
    let (status, refused) = call(&app, function::delete_clip, "DELETE", "/api/clips/..%2Fvideos%2Fa.mp4", None).await;
    assert_eq!((status, refused["success"].clone()), (400, json!(false)), "{refused}");
    let (status, deleted) =
        call(&app, function::delete_clip, "DELETE", &format!("/api/clips/{}", names[0]), None).await;
    assert_eq!(status, 200, "{deleted}");
    let (status, all) = call(&app, function::delete_all_clips, "DELETE", "/api/clips/all", None).await;
    assert_eq!((status, all["deleted_count"].clone()), (200, json!(1)), "{all}");
    let notes = ObjectKey::parse("clips/talk/notes.txt").unwrap();
    assert!(app.objects.head(&notes).await.unwrap().is_some(), "no video file, no clip");
}

/// Videos under `videos/profile/`, one elsewhere: (platform id, source, folder, age in days, bytes).
const LIBRARY: [(&str, &str, &str, i64, usize); 7] = [
    ("1", "a", "videos/profile/a", 40, 100),
    ("2", "a", "videos/profile/a", 50, 400),
    ("3", "a", "videos/profile/a", 1, 300),
    ("4", "a", "videos/profile/a", 2, 300),
    ("5", "b", "videos/profile/b", 3, 200),
    ("6", "b", "videos/profile/b", 20, 200),
    ("7", "a", "videos/drive/x", 60, 100),
];

/// Records the library, writes its files and sidecars, and pins video 2; returns the videos.
async fn plant_library(videos: &dyn VideoStore, objects: &dyn ObjectStore, now: DateTime<Utc>) -> Vec<Video> {
    let mut planted = Vec::new();
    for (n, source, folder, days, bytes) in LIBRARY {
        let video = uploaded_video(n, source, folder, now - chrono::Duration::days(days), bytes as u64);
        videos.upsert_video(&video).await.expect("record");
        let [Some(file), Some(sidecar)] = [&video.video_key, &video.sidecar_key] else { panic!("stored keys") };
        objects.put(file, vec![0; bytes], "video/mp4").await.expect("file");
        objects.put(sidecar, b"{}".to_vec(), "application/json").await.expect("sidecar");
        planted.push(video);
    }
    change_video(videos, planted[1].id, |v| v.pin(true, now)).await.expect("pin");
    planted
}

/// Older than 30 days, the newest one of each source, 800 bytes under `videos/profile/`.
fn retention_task(dry_run: bool) -> RetentionTask {
    let fields = RetentionFields {
        older_than_days: Some(30),
        keep_newest: Some(1),
        max_bytes: Some(800),
        prefix: Some("videos/profile/".to_owned()),
        dry_run,
    };
    RetentionTask::try_from(fields).expect("arguments")
}

async fn keys_under(objects: &dyn ObjectStore, prefix: &str) -> Vec<String> {
    let page = objects.list(prefix, None, 1_000).await.expect("list");
    page.objects.into_iter().map(|o| o.key.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_retention_removes_the_same_objects_from_the_bucket_as_from_the_folder() {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), "jobs").await.expect("create the table");
    s3_client(&sdk, true).create_bucket().bucket(BUCKET).send().await.expect("bucket");
    let app = app(&moto, "production").await;
    let now = Utc::now();
    let on_aws = plant_library(app.videos.store().as_ref(), app.objects.as_ref(), now).await;
    let run = run("retention", t0(), 1);
    let retain = |dry_run| Job { task: TaskSpec::CleanupVideos(retention_task(dry_run)), ..job("retention", t0()) };
    let dry = app.task_runner().run(&retain(true), &run, Duration::from_secs(60), CancellationToken::new()).await;
    assert_eq!(keys_under(app.objects.as_ref(), "videos/").await.len(), 2 * LIBRARY.len(), "a dry run deletes nothing");
    let aws = app.task_runner().run(&retain(false), &run, Duration::from_secs(60), CancellationToken::new()).await;
    assert_eq!(aws.status, ExecutionStatus::Succeeded, "{aws:?}");

    let folder = tempfile::tempdir().expect("folder");
    let objects: Arc<dyn ObjectStore> = Arc::new(LocalObjectStore::open(folder.path()).expect("open the folder"));
    let sqlite = Arc::new(SqliteStore::open_in_memory().expect("store"));
    let local = plant_library(sqlite.as_ref(), objects.as_ref(), now).await;
    let retention = VideoRetention::new(sqlite.clone(), objects.clone(), sqlite.clone(), Arc::new(SystemClock));
    let here = retention.run(&run, &retention_task(false), Duration::from_secs(60), CancellationToken::new()).await;

    let result = aws.result.clone().expect("a result");
    assert_eq!(here.result.as_ref(), Some(&result), "the same answers on both backends");
    let gone = ["videos/profile/a/1.mp4", "videos/profile/b/6.mp4", "videos/profile/b/5.mp4", "videos/profile/a/4.mp4"];
    assert_eq!(result["removed_keys"], json!(gone), "{result}");
    let planned = dry.result.expect("a dry run's result");
    assert_eq!((&planned["dry_run"], &planned["removed_keys"]), (&json!(true), &json!(gone)), "{planned}");
    assert_eq!(result["removed_by_rule"], json!({"older_than_days": 1, "keep_newest": 2, "max_bytes": 1}));
    assert_eq!(result["quota"]["pinned_bytes_counted"], 400);
    let left = [
        "videos/drive/x/7.json",
        "videos/drive/x/7.mp4",
        "videos/profile/a/2.json",
        "videos/profile/a/2.mp4",
        "videos/profile/a/3.json",
        "videos/profile/a/3.mp4",
    ];
    assert_eq!(keys_under(app.objects.as_ref(), "videos/").await, left);
    assert_eq!(keys_under(objects.as_ref(), "videos/").await, left);
    for (videos, planted) in [(app.videos.store().clone(), &on_aws), (sqlite.clone() as Arc<dyn VideoStore>, &local)] {
        for video in planted {
            let stored = videos.get_video(video.id).await.expect("get").expect("the record stays");
            let removed = gone.iter().any(|key| video.video_key.as_ref().is_some_and(|k| k.as_str() == *key));
            let cause = stored.tombstone.map(|t| t.cause);
            assert_eq!(cause, removed.then_some(TombstoneCause::Retention), "{}", video.platform_id);
        }
    }
}

/// `clip.video` as the executor's runner runs it over the bucket: the stored video is fetched from
/// S3, cut with the installed ffmpeg, and its clips land in S3 under `clips/<video>/`, measured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clip_run_cuts_a_video_from_the_bucket_into_the_bucket() {
    use jobsmith::domain::task::{ClipAccuracy, ClipCut, ClipSource, ClipTask, Segment};
    use jobsmith::test_support::media::{installed_tools, make_counter_mp4};

    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), "jobs").await.expect("create the table");
    s3_client(&sdk, true).create_bucket().bucket(BUCKET).send().await.expect("bucket");
    let tools = installed_tools();
    let work = tempfile::tempdir().expect("the function's /tmp");
    let (ffmpeg, ffprobe) = (tools.ffmpeg.display().to_string(), tools.ffprobe.display().to_string());
    let work_dir = work.path().display().to_string();
    let env = [
        (vars::TABLE, "jobs"),
        (vars::BUCKET, BUCKET),
        (vars::SCHEDULE_GROUP, "clip-test"),
        (vars::EXECUTOR_ARN, EXECUTOR_ARN),
        (vars::SCHEDULER_ROLE_ARN, SCHEDULER_ROLE_ARN),
        (vars::S3_FORCE_PATH_STYLE, "true"),
        (vars::FFMPEG, ffmpeg.as_str()),
        (vars::FFPROBE, ffprobe.as_str()),
        (vars::WORK_DIR, work_dir.as_str()),
    ];
    let config =
        AwsConfig::from_env(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())).expect("config");
    let app = AwsApp::build(config, &sdk).expect("build the AWS app");
    let source = work.path().join("talk.mp4");
    make_counter_mp4(&tools.ffmpeg, &source, 6).await;
    let key = ObjectKey::parse("videos/uploads/talk.mp4").expect("key");
    app.objects.put_file(&key, &source, "video/mp4").await.expect("the video in the bucket");

    let segments = vec![Segment { start_ms: 1_000, end_ms: 3_000 }, Segment { start_ms: 4_000, end_ms: 5_500 }];
    let task = ClipTask::new(ClipSource::Key(key), ClipCut::Segments(segments), ClipAccuracy::Exact).expect("task");
    let clip_job = Job { task: TaskSpec::Clip(task), ..job("clips", t0()) };
    let outcome = app
        .task_runner()
        .run(&clip_job, &run("clips", t0(), 1), Duration::from_secs(120), CancellationToken::new())
        .await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    let result = outcome.result.expect("a result");
    let clips = result["clips"].as_array().expect("clips");
    let durations: Vec<f64> = clips.iter().filter_map(|c| c["measured_duration"].as_f64()).collect();
    assert!((durations[0] - 2.0).abs() <= 0.05 && (durations[1] - 1.5).abs() <= 0.05, "{result}");
    let stored = keys_under(app.objects.as_ref(), "clips/").await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    for clip in clips {
        let key = ObjectKey::parse(clip["key"].as_str().expect("a key")).expect("a clip key");
        assert!(key.as_str().starts_with("clips/talk/"), "{key}");
        let head = app.objects.head(&key).await.expect("head").expect("the clip in the bucket");
        assert_eq!(Some(head.size), clip["size"].as_u64(), "{clip}");
    }
}
