//! A scrape run as the executor function runs it: the event EventBridge sends for a
//! `scrape.profile` job, yt-dlp from the machine against the loopback video site, the videos'
//! records in DynamoDB and their files in S3, both on moto; and a scrape carried over two
//! invocations.

use std::time::{Duration, Instant};

use chrono::Utc;
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, vars};
use jobsmith::adapters::aws::dynamo::create_table;
use jobsmith::adapters::aws::s3::s3_client;
use jobsmith::adapters::aws::scheduler::{default_run_group, leg_schedule_name};
use jobsmith::domain::execution::ExecutionStatus;
use jobsmith::domain::job::{Job, NewJob, Policies};
use jobsmith::domain::object_key::ObjectKey;
use jobsmith::domain::task::{ScrapeFields, ScrapeTask, TaskSpec};
use jobsmith::domain::trigger::Trigger;
use jobsmith::domain::video::{FailureClass, Platform, PlatformVideoId, ScrapeMode, VideoId, VideoStatus};
use jobsmith::ports::{PageRequest, VideoFilter, VideoStore};
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN};
use jobsmith::test_support::media::installed_tools;
use jobsmith::test_support::scrape_fixture::{Breakage, ScrapeFixture, media_path};
use jobsmith_functions::{DEADLINE_MARGIN, RunReport};
use jobsmith_tests::moto::MotoServer;

use crate::harness::{INVOKED_AS, OWN_ARN, PLENTY, admin, fire, this_second};

const TABLE: &str = "jobsmith-scrape-test";
const GROUP: &str = "jobsmith-scrape-test";
const BUCKET: &str = "jobsmith-scrape-test";

/// moto with the table, schedule groups and bucket, and the executor's app over them, scraping
/// `fixture` with yt-dlp from the machine, `downloads` at once.
struct ScrapeSetup {
    _moto: MotoServer,
    work: tempfile::TempDir,
    app: AwsApp,
    scheduler: aws_sdk_scheduler::Client,
}

async fn scrape_setup(fixture: &ScrapeFixture, downloads: &str) -> ScrapeSetup {
    let tools = installed_tools();
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), TABLE).await.expect("create the table");
    let scheduler = aws_sdk_scheduler::Client::new(&sdk);
    jobsmith::test_support::aws::create_schedule_groups(&scheduler, GROUP).await;
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
        (vars::SCRAPE_DOWNLOADS, downloads),
    ];
    let config =
        AwsConfig::from_env(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())).expect("config");
    let app = AwsApp::build(config, &sdk).expect("build the app");
    ScrapeSetup { _moto: moto, work, app, scheduler }
}

async fn profile_job(app: &AwsApp) -> Job {
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
    app.service.create(new, &admin(), false).await.expect("create the job")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_executor_stores_a_profiles_videos_in_s3_and_their_records_in_dynamodb() {
    let tools = installed_tools();
    let fixture = ScrapeFixture::with_samples(&tools.ffmpeg, 3).await;
    let broken = fixture.videos()[2].id.clone();
    fixture.break_media(&broken, Breakage::NotFound);
    let ScrapeSetup { app, work, .. } = &scrape_setup(&fixture, "2").await;
    let runner = app.task_runner();
    let job = profile_job(app).await;

    let report = jobsmith_functions::handle_scheduled_run(
        app,
        &runner,
        INVOKED_AS,
        fire(&job, this_second()),
        Instant::now() + PLENTY,
    )
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

/// A scrape longer than one invocation: the deadline stops the first leg after one video, the
/// run stays running and its next leg is dispatched; that leg, run from the schedule's own
/// input, fetches only what the first did not store and ends the run with the counts of both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_cut_by_the_deadline_goes_on_in_the_next_invocation_without_fetching_again() {
    let tools = installed_tools();
    let fixture = ScrapeFixture::with_samples(&tools.ffmpeg, 3).await;
    let ids: Vec<String> = fixture.videos().into_iter().map(|v| v.id).collect();
    // One download at a time, in feed order: the first is stored, the second hangs until the
    // deadline stops the leg, the third is never started.
    fixture.break_media(&ids[1], Breakage::Stall);
    let setup = scrape_setup(&fixture, "1").await;
    let app = &setup.app;
    let runner = app.task_runner();
    let job = profile_job(app).await;

    // Enough for a listing and one small download on a loaded machine; the stall holds the leg
    // until the deadline whatever the machine's speed.
    let first_leg = Instant::now() + DEADLINE_MARGIN + Duration::from_secs(25);
    let report =
        jobsmith_functions::handle_scheduled_run(app, &runner, INVOKED_AS, fire(&job, this_second()), first_leg)
            .await
            .expect("handle the fire");
    let RunReport::Continued { execution_id, leg: 1 } = report else {
        panic!("expected the run to go on in its first continuation, got {report:?}");
    };
    let running = app.executions.get_execution(execution_id).await.expect("read").expect("the run");
    assert_eq!(running.status, ExecutionStatus::Running, "{running:?}");
    assert_eq!(running.progress.succeeded, 1, "{running:?}");
    assert_eq!(fixture.requests(&media_path(&ids[0])), 1);

    let name = leg_schedule_name(&job.id, execution_id, 1);
    let schedule = setup
        .scheduler
        .get_schedule()
        .group_name(default_run_group(GROUP))
        .name(&name)
        .send()
        .await
        .expect("the next leg's schedule");
    assert_eq!(schedule.target().map(|t| t.arn()), Some(OWN_ARN), "the next leg goes to this executor");
    let input = schedule.target().and_then(|t| t.input()).expect("an input");
    let next: jobsmith_functions::ScheduledRun = serde_json::from_str(input).expect("the executor's event");
    assert_eq!(next.leg, Some(1));

    fixture.mend(&ids[1]);
    let report =
        jobsmith_functions::handle_scheduled_run(app, &runner, INVOKED_AS, next.clone(), Instant::now() + PLENTY)
            .await
            .expect("handle the next leg");
    assert!(
        matches!(report, RunReport::Ran { execution_id: id, status: ExecutionStatus::Succeeded, .. } if id == execution_id),
        "{report:?}"
    );
    let finished = app.executions.get_execution(execution_id).await.expect("read").expect("the run");
    let result = finished.result.expect("the run's counts");
    assert_eq!(result["total_videos"], 3, "{result}");
    assert_eq!(result["successful_downloads"], 3, "the first leg's video counts for the run: {result}");
    assert_eq!(result["skipped"], 0, "{result}");
    assert_eq!(fixture.requests(&media_path(&ids[0])), 1, "the stored video is not fetched again");
    for id in &ids {
        let video = app.store.get_video(video_id(id)).await.expect("read").expect("recorded");
        assert_eq!(video.status, VideoStatus::Uploaded, "{video:?}");
    }
    let again = jobsmith_functions::handle_scheduled_run(app, &runner, INVOKED_AS, next, Instant::now() + PLENTY)
        .await
        .expect("again");
    assert_eq!(again, RunReport::AlreadyHandled, "a second delivery of the leg finds the run finished");
    drop(setup.work);
}

fn video_id(platform_id: &str) -> VideoId {
    VideoId::of(&Platform::parse("Generic").expect("platform"), &PlatformVideoId::parse(platform_id).expect("id"))
}
