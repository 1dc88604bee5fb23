//! `jobsmith serve --backend aws`: the same API over DynamoDB, EventBridge Scheduler and S3, here
//! the moto emulator, chosen by configuration alone.

use std::time::Duration;

use jobsmith::adapters::aws::dynamo::{aws_sdk_dynamodb, create_table};
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN};
use jobsmith_tests::moto::MotoServer;
use serde_json::json;

use crate::support::time::run_date_in;
use crate::support::{Server, ServerOptions, api_error, bounded, detail_message};

const LIMIT: Duration = Duration::from_secs(90);
const TABLE: &str = "jobsmith-acceptance";
const BUCKET: &str = "jobsmith-acceptance";
const GROUP: &str = "jobsmith-acceptance";

async fn aws_server(moto: &MotoServer) -> (Server, aws_sdk_scheduler::Client) {
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), TABLE).await.expect("table");
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    s3.create_bucket().bucket(BUCKET).send().await.expect("bucket");
    let scheduler = aws_sdk_scheduler::Client::new(&sdk);
    jobsmith::test_support::aws::create_schedule_groups(&scheduler, GROUP).await;
    let env = [
        ("JOBSMITH_BACKEND", "aws"),
        ("AWS_ENDPOINT_URL", moto.endpoint()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("JOBSMITH_TABLE", TABLE),
        ("JOBSMITH_BUCKET", BUCKET),
        ("JOBSMITH_SCHEDULE_GROUP", GROUP),
        ("JOBSMITH_EXECUTOR_ARN", EXECUTOR_ARN),
        ("JOBSMITH_SCHEDULER_ROLE_ARN", SCHEDULER_ROLE_ARN),
        ("JOBSMITH_S3_FORCE_PATH_STYLE", "true"),
    ];
    let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    (Server::start(ServerOptions { env, ..Default::default() }).await, scheduler)
}

#[tokio::test]
async fn the_api_runs_on_the_aws_backends_by_configuration() {
    let moto = MotoServer::start().await;
    let (server, scheduler) = aws_server(&moto).await;
    bounded(LIMIT, async {
        let script = server.write_script("backup.sh", "#!/bin/bash\nexit 0\n");

        // Seed 004: a cron job becomes one schedule in the group, read back from the emulator.
        let create = json!({
            "id": "weekly", "name": "Weekly", "taskFunctionId": 1, "jobTypeId": 2,
            "scheduleConfig": {"expression": "cron(0 9 ? * MON *)", "timezone": "Europe/Berlin"},
            "taskArgs": {"script_path": script, "args": ["--full"]},
        });
        let job = server.post("/api/v1/scheduler/jobs", &create).await.expect(201);
        assert_eq!(job["id"], "weekly");
        assert!(job["nextRunTime"].as_str().is_some_and(|t| t.ends_with('Z')), "{job}");
        let schedule = scheduler.get_schedule().group_name(GROUP).name("weekly").send().await.expect("schedule");
        assert_eq!(schedule.schedule_expression(), Some("cron(0 9 ? * MON *)"));
        assert_eq!(schedule.schedule_expression_timezone(), Some("Europe/Berlin"));
        let input = schedule.target().and_then(|t| t.input()).expect("target input");
        let input: serde_json::Value = serde_json::from_str(input).expect("input JSON");
        assert_eq!(input["job_id"], "weekly");

        // Seed 001 on the same store; both families list it.
        let (run_date, _) = run_date_in(3600);
        let body = json!({"job_id": "backup", "job_type": "bash", "script_path": script, "run_date": run_date});
        server.post("/api/schedule-job", &body).await.expect(200);
        let listed = server.get("/api/jobs").await.expect(200);
        assert_eq!(listed["count"], 2, "{listed}");
        let page = server.get("/api/v1/scheduler/jobs?per_page=1").await.expect(200);
        assert_eq!((page["total"].clone(), page["jobs"].as_array().map(Vec::len)), (json!(2), Some(1)), "{page}");

        // Pause disables the schedule; resume enables it again.
        server.put_empty("/api/pause-job/weekly").await.expect(200);
        let paused = scheduler.get_schedule().group_name(GROUP).name("weekly").send().await.expect("schedule");
        assert_eq!(paused.state().map(|s| s.as_str()), Some("DISABLED"));
        server.put_empty("/api/resume-job/weekly").await.expect(200);
        let resumed = scheduler.get_schedule().group_name(GROUP).name("weekly").send().await.expect("schedule");
        assert_eq!(resumed.state().map(|s| s.as_str()), Some("ENABLED"));

        // Open mode on this backend too: another site's page cannot pause it.
        let csrf =
            server.request(reqwest::Method::PUT, "/api/pause-job/weekly").header("origin", "http://evil.example");
        let refused = server.send(csrf).await;
        assert_eq!(refused.status, 403, "{}", refused.text);
        let untouched = scheduler.get_schedule().group_name(GROUP).name("weekly").send().await.expect("schedule");
        assert_eq!(untouched.state().map(|s| s.as_str()), Some("ENABLED"));

        // This backend cannot fire under a minute: a clear 4xx, and nothing stored.
        let fast = json!({
            "id": "fast", "name": "Fast", "taskFunctionId": 1, "jobTypeId": 1,
            "scheduleConfig": {"seconds": 30}, "taskArgs": {"script_path": script},
        });
        let refused = server.post("/api/v1/scheduler/jobs", &fast).await;
        assert!(refused.status == 400 || refused.status == 422, "{refused:?}");
        assert!(refused.text.contains("one minute"), "{}", refused.text);
        server.get("/api/v1/scheduler/jobs/fast").await.expect(404);

        // Bad input gets the same answers as locally.
        let missing = server.post("/api/schedule-job", &json!({"job_id": "x"})).await.expect(400);
        assert_eq!(api_error(&missing), "Missing required fields: job_type, script_path, run_date");
        let outside = json!({"job_id": "x", "job_type": "bash", "script_path": "/etc/passwd", "run_date": run_date});
        server.post("/api/schedule-job", &outside).await.expect(400);
        let gone = server.get("/api/v1/scheduler/jobs/nope").await.expect(404);
        assert_eq!(detail_message(&gone), "Job not found: nope");

        // Delete removes the record and its schedule.
        server.delete("/api/v1/scheduler/jobs/weekly").await.expect(204);
        assert!(scheduler.get_schedule().group_name(GROUP).name("weekly").send().await.is_err());
        server.get("/api/job/weekly").await.expect(404);
    })
    .await;
}
