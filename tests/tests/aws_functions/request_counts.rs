//! The requests each API route makes to DynamoDB, S3, EventBridge Scheduler and Lambda, counted
//! at the SDK clients while every route of the route table is sent once, through its function's
//! router, in a state with something to read. The counts are held to the table in
//! docs/dynamodb.md ("Requests per API operation"), which `JOBSMITH_WRITE_REQUEST_COUNTS=1`
//! rewrites instead.

mod table;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, vars};
use jobsmith::adapters::aws::dynamo::create_table;
use jobsmith::adapters::aws::request_count::{RequestCounter, RequestCounts};
use jobsmith::adapters::aws::s3::s3_client;
use jobsmith::domain::execution::ExecutionStatus;
use jobsmith::domain::object_key::ObjectKey;
use jobsmith::domain::principal::Role;
use jobsmith::domain::video::{FailureClass, Video, VideoFailure};
use jobsmith::http::routes::{Access, ROUTES};
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN, create_schedule_groups};
use jobsmith::test_support::fixtures::{run, scheduler_job_body};
use jobsmith::test_support::videos::{full_video, video};
use jobsmith_functions::lambda_http::tower::ServiceExt;
use jobsmith_tests::apigw;
use jobsmith_tests::function_reach::AppsByReach;
use jobsmith_tests::moto::MotoServer;
use serde_json::{Value, json};

use super::{answer, function_of, lambda_router, route_of};
use table::{Row, check_or_write};

const GROUP: &str = "jobsmith-counts-test";
const BUCKET: &str = "media";
const TOKEN: &str = "a-deployments-own-token";

/// What the table says the rows were measured in; the test below builds exactly this.
pub const STATE: &str = "Measured on moto, each route once, in the order of the test: two script jobs, one \
with three finished runs and a triggered one; three videos (one uploaded with its file, one pending, one failed); \
two clips in the bucket; then the scrape run, scheduled scrape and clip job their routes make; every listing fits \
one page.";

struct Counted {
    _moto: MotoServer,
    _scripts: tempfile::TempDir,
    aws: AppsByReach,
    counter: RequestCounter,
    rows: Vec<Row>,
}

impl Counted {
    /// Sends one request as API Gateway would, to the function the route table names, as a
    /// caller with the role the route needs, and records what it cost; what was sent before
    /// (the setup) is not counted.
    async fn measure(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.measure_as("", method, path, body).await
    }

    /// [`Counted::measure`] of a request that is not the route's usual one; `note` says how.
    async fn measure_as(&mut self, note: &'static str, method: &str, path: &str, body: Option<Value>) -> Value {
        let method = Method::from_bytes(method.as_bytes()).expect("a method");
        let (status, counts, body) = self.send(&method, path, body).await;
        assert!(status.is_success() || status == StatusCode::TEMPORARY_REDIRECT, "{method} {path}: {status} {body}");
        self.rows.push(Row { route: route_of(&method, path), note, counts });
        body
    }

    /// A request that sets the next one up, not counted.
    async fn setup(&self, method: &str, path: &str, body: Option<Value>) {
        let method = Method::from_bytes(method.as_bytes()).expect("a method");
        let (status, _, body) = self.send(&method, path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {body}");
    }

    async fn send(&self, method: &Method, path: &str, body: Option<Value>) -> (StatusCode, RequestCounts, Value) {
        let role = match route_of(method, path).access {
            Access::Requires(Role::Admin) => "admin",
            _ => "operator",
        };
        let context = json!({"principal": "counter", "role": role});
        let event = apigw::http_event(method.as_str(), path, body.as_ref(), Some(&context)).to_string();
        let request = jobsmith_functions::lambda_http::request::from_str(&event).expect("an API Gateway v2 event");
        self.counter.take();
        let response = lambda_router(&self.aws, function_of(method, path)).oneshot(request).await.expect("infallible");
        let counts = self.counter.take();
        let status = response.status();
        (status, counts, answer(response).await.body)
    }

    fn counts_of(&self, method: &str, path: &str) -> &RequestCounts {
        let row = self.rows.iter().find(|r| r.route.method == method && r.route.path == path);
        &row.unwrap_or_else(|| panic!("{method} {path} was not measured")).counts
    }
}

/// Lambda's asynchronous Invoke, accepted and dropped: a trigger and a new run dispatch to the
/// executor, which nothing here runs.
async fn lambda_that_accepts_everything() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    let accept = axum::Router::new().fallback(|| async { StatusCode::ACCEPTED });
    tokio::spawn(async move { axum::serve(listener, accept).await });
    format!("http://{address}")
}

async fn counted() -> Counted {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), "jobs").await.expect("create the table");
    create_schedule_groups(&aws_sdk_scheduler::Client::new(&sdk), GROUP).await;
    s3_client(&sdk, true).create_bucket().bucket(BUCKET).send().await.expect("bucket");
    let scripts = tempfile::tempdir().expect("script root");
    std::fs::write(scripts.path().join("ok.sh"), "#!/usr/bin/env bash\necho ok\n").expect("write the script");
    let root = scripts.path().to_string_lossy().into_owned();
    let lambda = lambda_that_accepts_everything().await;
    let env = [
        (vars::TABLE, "jobs"),
        (vars::BUCKET, BUCKET),
        (vars::SCHEDULE_GROUP, GROUP),
        (vars::EXECUTOR_ARN, EXECUTOR_ARN),
        (vars::SCHEDULER_ROLE_ARN, SCHEDULER_ROLE_ARN),
        (vars::S3_FORCE_PATH_STYLE, "true"),
        (vars::SCRIPT_ROOTS, root.as_str()),
        (vars::LAMBDA_ENDPOINT, lambda.as_str()),
        (vars::MODE, "development"),
        (vars::CLEANUP_TOKEN, TOKEN),
    ];
    let counter = RequestCounter::new();
    let aws = AppsByReach::build(|reach| {
        let config = AwsConfig::from_env(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
            .expect("config");
        AwsApp::build_counting(config, &sdk, reach, &counter).expect("build the AWS app")
    });
    Counted { _moto: moto, _scripts: scripts, aws, counter, rows: Vec::new() }
}

/// Three finished runs of `job`, as the executor would have left them.
async fn history(c: &Counted, job: &str) {
    let now = chrono::Utc::now();
    for (n, status) in
        [ExecutionStatus::Succeeded, ExecutionStatus::Failed, ExecutionStatus::Skipped].into_iter().enumerate()
    {
        let scheduled = now - chrono::Duration::hours(6 * (n as i64 + 1));
        let finished = run(job, scheduled, 0).finish_without_running(status, "recorded".to_owned(), scheduled);
        assert!(c.aws.everything().executions.insert_finished(&finished).await.expect("record a run"));
    }
}

/// The videos and files the seed-002, seed-000 and seed-003 routes read.
async fn media(c: &Counted) -> (Video, Video, Video) {
    let now = chrono::Utc::now();
    let uploaded = full_video("1");
    let pending = video("2");
    let failed = video("3")
        .start_download(now)
        .and_then(|v| v.fail(VideoFailure::new(FailureClass::NotFound, "gone"), now))
        .expect("a failed video");
    for recorded in [&uploaded, &pending, &failed] {
        c.aws.everything().videos.store().upsert_video(recorded).await.expect("record the video");
    }
    let clips = ["0190a1b2-0000-7000-8000-000000000001-001.mp4", "0190a1b2-0000-7000-8000-000000000001-002.mp4"];
    let files = clips.iter().map(|name| format!("clips/talk/{name}")).chain(["videos/tiktok/khaby.lame/1.mp4".into()]);
    for key in files {
        let key = ObjectKey::parse(&key).expect("a key");
        c.aws
            .everything()
            .objects
            .put(&key, b"not really a video".to_vec(), "video/mp4")
            .await
            .expect("store the file");
    }
    (uploaded, pending, failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_makes_the_requests_the_table_lists_and_never_scans() {
    let mut c = counted().await;

    c.measure("GET", "/api/health", None).await;
    c.measure("GET", "/api/v1/stats/health", None).await;
    c.measure("POST", "/api/v1/scheduler/jobs", Some(scheduler_job_body("sync-1", "Domain sync"))).await;
    let backup =
        json!({"job_id": "backup", "job_type": "bash", "script_path": "ok.sh", "run_date": "2099-12-31T23:59:59"});
    c.measure("POST", "/api/schedule-job", Some(backup)).await;
    history(&c, "sync-1").await;
    let (uploaded, pending, failed) = media(&c).await;

    c.measure("POST", "/api/v1/scheduler/jobs/sync-1/trigger", None).await;
    c.measure("GET", "/api/job/backup", None).await;
    c.measure("GET", "/api/v1/scheduler/jobs/sync-1", None).await;
    c.measure("GET", "/api/v1/scheduler/jobs", None).await;
    c.measure("GET", "/api/v1/scheduler/jobs/sync-1/executions", None).await;
    c.measure("GET", "/api/v1/scheduler/executions", None).await;
    c.measure("GET", "/api/v1/scheduler/status", None).await;
    c.measure("GET", "/api/v1/scheduler/task-functions", None).await;
    c.measure("GET", "/api/v1/scheduler/job-types", None).await;
    let mut changed = scheduler_job_body("sync-1", "Domain sync, hourly");
    changed["scheduleConfig"] = json!({"hours": 1, "minutes": 0, "seconds": 0});
    c.measure("PUT", "/api/v1/scheduler/jobs/sync-1", Some(changed)).await;
    c.measure("PUT", "/api/v1/scheduler/jobs/sync-1/status", Some(json!({"isEnabled": false}))).await;
    c.measure("PUT", "/api/pause-job/backup", None).await;
    c.measure("PUT", "/api/resume-job/backup", None).await;

    let one = format!("/api/v1/videos/{}", uploaded.id);
    c.measure("GET", "/api/v1/videos", None).await;
    c.measure("GET", &one, None).await;
    c.measure("PUT", &format!("{one}/pin"), None).await;
    c.measure("DELETE", &format!("{one}/pin"), None).await;
    c.measure("POST", &format!("/api/v1/videos/{}/retry", failed.id), None).await;
    c.measure("GET", "/api/v1/stats", None).await;
    c.measure("GET", "/api/v1/files/videos/tiktok/khaby.lame/1.mp4", None).await;

    let scrape = json!({"mode": "profile", "value": "khaby.lame", "limit": 5});
    let scrape_run = c.measure("POST", "/api/v1/jobs", Some(scrape)).await["id"].as_str().map(str::to_owned);
    let scrape_run = scrape_run.expect("the run's id");
    c.measure("GET", "/api/v1/jobs", None).await;
    c.measure("GET", &format!("/api/v1/jobs/{scrape_run}"), None).await;
    c.measure("POST", &format!("/api/v1/jobs/{scrape_run}/cancel"), None).await;
    c.measure("DELETE", &format!("/api/v1/jobs/{scrape_run}"), None).await;

    let daily = json!({"name": "Daily", "mode": "profile", "value": "khaby.lame", "interval_minutes": 1440});
    let scheduled = c.measure("POST", "/api/v1/scheduled-jobs", Some(daily)).await["id"].as_str().map(str::to_owned);
    let scheduled = format!("/api/v1/scheduled-jobs/{}", scheduled.expect("the scheduled scrape's id"));
    c.measure("GET", "/api/v1/scheduled-jobs", None).await;
    c.measure("GET", &scheduled, None).await;
    c.measure("PATCH", &scheduled, Some(json!({"interval_minutes": 60}))).await;
    c.measure("POST", &format!("{scheduled}/toggle"), None).await;
    c.measure("DELETE", &scheduled, None).await;

    let cut = json!({"storage_key": "videos/tiktok/khaby.lame/1.mp4", "segment_seconds": 10});
    let clip_job = c.measure("POST", "/api/clips", Some(cut)).await["job_id"].as_str().map(str::to_owned);
    let clip_job = clip_job.expect("the clip job's id");
    c.measure("GET", "/api/jobs", None).await;
    c.measure("GET", "/api/clips", None).await;
    c.measure("DELETE", "/api/clips/0190a1b2-0000-7000-8000-000000000001-001.mp4", None).await;
    c.measure("DELETE", "/api/clips/all", None).await;

    let cleanup = json!({"confirmation_token": TOKEN, "confirm_action": "DELETE_ALL_VIDEO_DATA"});
    let mut dry_run = cleanup.clone();
    dry_run["dry_run"] = json!(true);
    c.measure_as("with `dry_run`", "POST", "/api/v1/cleanup-all-videos", Some(dry_run)).await;
    c.measure("POST", "/api/v1/cleanup-all-videos/", Some(cleanup)).await;
    c.measure("GET", "/api/v1/audit", None).await;
    c.measure("DELETE", &format!("/api/v1/videos/{}", pending.id), None).await;

    c.measure("DELETE", &format!("/api/jobs/{clip_job}"), None).await;
    c.measure("DELETE", "/api/remove-job/backup", None).await;
    c.measure("DELETE", "/api/v1/scheduler/jobs/sync-1", None).await;
    c.setup("POST", "/api/v1/scheduler/jobs", Some(scheduler_job_body("sync-2", "Left over"))).await;
    c.measure("DELETE", "/api/jobs/all", None).await;

    check_every_route_once(&c);
    check_cheap_reads(&c);
    check_or_write(&c.rows);
}

fn check_every_route_once(c: &Counted) {
    let measured: Vec<_> = c.rows.iter().map(|r| (r.route.method, r.route.path)).collect();
    let unique: BTreeSet<_> = measured.iter().collect();
    let missing: Vec<_> =
        ROUTES.iter().filter(|r| !unique.contains(&(r.method, r.path))).map(|r| (r.method, r.path)).collect();
    assert!(missing.is_empty(), "routes not measured (add them to the test): {missing:?}");
    assert_eq!(unique.len(), measured.len(), "a route measured twice: {measured:?}");
}

fn check_cheap_reads(c: &Counted) {
    for row in &c.rows {
        let scans: Vec<_> = row.counts.keys().filter(|(_, operation)| operation == "Scan").collect();
        assert!(scans.is_empty(), "{} {} scans: {:?}", row.route.method, row.route.path, row.counts);
    }
    let one = |service: &str, operation: &str| RequestCounts::from([((service.to_owned(), operation.to_owned()), 1)]);
    let (get_item, batch_get) = (one("DynamoDB", "GetItem"), one("DynamoDB", "BatchGetItem"));
    for (path, expected) in [
        // A job and the delete watermark, in one request.
        ("/api/job/{job_id}", &batch_get),
        ("/api/health", &get_item),
        ("/api/v1/videos/{video_id}", &get_item),
        ("/api/v1/scheduled-jobs/{job_id}", &batch_get),
        ("/api/v1/audit", &one("DynamoDB", "Query")),
        ("/api/v1/files/{*key}", &one("S3", "HeadObject")),
    ] {
        assert_eq!(c.counts_of("GET", path), expected, "GET {path} is one read");
    }
    for catalogue in ["/api/v1/scheduler/task-functions", "/api/v1/scheduler/job-types"] {
        assert!(
            c.counts_of("GET", catalogue).is_empty(),
            "{catalogue} reads nothing: {:?}",
            c.counts_of("GET", catalogue)
        );
    }
}
