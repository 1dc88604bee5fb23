//! A scrape run as the executor function runs it: the event EventBridge sends for a
//! `scrape.profile` job, yt-dlp from the machine against the loopback video site, the videos'
//! records in DynamoDB and their files in S3, both on moto.

use std::time::Instant;

use chrono::Utc;
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, vars};
use jobsmith::adapters::aws::dynamo::create_table;
use jobsmith::adapters::aws::s3::s3_client;
use jobsmith::domain::execution::ExecutionStatus;
use jobsmith::domain::job::{NewJob, Policies};
use jobsmith::domain::object_key::ObjectKey;
use jobsmith::domain::task::{ScrapeFields, ScrapeTask, TaskSpec};
use jobsmith::domain::trigger::Trigger;
use jobsmith::domain::video::{FailureClass, ScrapeMode, VideoStatus};
use jobsmith::ports::{ObjectStore, PageRequest, VideoFilter, VideoStore};
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN};
use jobsmith::test_support::media::installed_tools;
use jobsmith::test_support::scrape_fixture::{Breakage, ScrapeFixture};
use jobsmith_functions::RunReport;
use jobsmith_tests::moto::MotoServer;

use crate::harness::{PLENTY, admin, fire, this_second};

const TABLE: &str = "jobsmith-scrape-test";
const GROUP: &str = "jobsmith-scrape-test";
const BUCKET: &str = "jobsmith-scrape-test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_executor_stores_a_profiles_videos_in_s3_and_their_records_in_dynamodb() {
    let tools = installed_tools();
    let fixture = ScrapeFixture::with_samples(&tools.ffmpeg, 3).await;
    let broken = fixture.videos()[2].id.clone();
    fixture.break_media(&broken, Breakage::NotFound);

    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), TABLE).await.expect("create the table");
    jobsmith::test_support::aws::create_schedule_groups(&aws_sdk_scheduler::Client::new(&sdk), GROUP).await;
    s3_client(&sdk, true).create_bucket().bucket(BUCKET).send().await.expect("create the bucket");
    let work = tempfile::tempdir().expect("the function's /tmp");
    let (ytdlp, ffmpeg) = (tools.ytdlp.display().to_string(), tools.ffmpeg.display().to_string());
    let profile_url = format!("{}?u={{value}}", fixture.feed_url());
    let work_dir = work.path().display().to_string();
    let path = std::env::var("PATH").unwrap_or_default();
    let env = [
        ("PATH", path.as_str()),
        (vars::TABLE, TABLE),
        (vars::BUCKET, BUCKET),
        (vars::SCHEDULE_GROUP, GROUP),
        (vars::EXECUTOR_ARN, EXECUTOR_ARN),
        (vars::SCHEDULER_ROLE_ARN, SCHEDULER_ROLE_ARN),
        (vars::S3_FORCE_PATH_STYLE, "true"),
        (vars::YTDLP, ytdlp.as_str()),
        (vars::FFMPEG, ffmpeg.as_str()),
        (vars::SCRAPE_PROFILE_URL, profile_url.as_str()),
        (vars::WORK_DIR, work_dir.as_str()),
        (vars::SCRAPE_FREE_SPACE_MIB, "1"),
    ];
    let config =
        AwsConfig::from_env(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())).expect("config");
    let app = AwsApp::build(config, &sdk).expect("build the app");

    let scrape = ScrapeFields { mode: Some(ScrapeMode::Profile), value: "fixture".to_owned(), ..Default::default() };
    let new = NewJob {
        id: None,
        name: None,
        description: None,
        task: TaskSpec::Scrape(ScrapeTask::try_from(scrape).expect("a valid scrape")),
        trigger: Trigger::Interval { every_seconds: 86_400, anchor: Utc::now() },
        policies: Policies::default(),
        enabled: true,
        paused: false,
    };
    let job = app.service.create(new, &admin(), false).await.expect("create the job");

    let report = jobsmith_functions::handle_scheduled_run(&app, fire(&job, this_second()), Instant::now() + PLENTY)
        .await
        .expect("handle the event");
    let RunReport::Ran { status: ExecutionStatus::Succeeded, .. } = report else {
        panic!("expected the run to succeed with one video failed, got {report:?}");
    };

    let page = PageRequest { offset: 0, limit: 50, cursor: None };
    let listed = app.store.list_videos(&VideoFilter::default(), &page).await.expect("list videos");
    assert_eq!(listed.total, 3, "{listed:?}");
    for video in &listed.items {
        if video.platform_id.as_str() == broken {
            assert_eq!(video.status, VideoStatus::Failed);
            assert_eq!(video.failure.as_ref().map(|f| f.class), Some(FailureClass::NotFound));
            continue;
        }
        assert_eq!(video.status, VideoStatus::Uploaded, "{video:?}");
        let key: &ObjectKey = video.video_key.as_ref().expect("a stored key");
        assert!(key.as_str().starts_with("videos/profile/fixture/"), "{key:?}");
        let stored = app.objects.get(key).await.expect("the file in S3");
        assert_eq!(stored, fixture.mp4(video.platform_id.as_str()), "{key:?}");
        let sidecar = video.sidecar_key.as_ref().expect("a metadata key");
        let info: serde_json::Value =
            serde_json::from_slice(&app.objects.get(sidecar).await.expect("the metadata in S3")).expect("JSON");
        assert_eq!(info["id"], video.platform_id.as_str());
    }
    let downloads = std::fs::read_dir(work.path().join("downloads")).expect("the download directory the run used");
    let left: Vec<_> = downloads.flatten().map(|entry| entry.path()).collect();
    assert!(left.is_empty(), "downloads are removed once stored: {left:?}");
}
