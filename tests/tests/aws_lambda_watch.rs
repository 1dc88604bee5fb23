//! The real function binaries, run by `cargo lambda watch` (cargo-lambda's Lambda emulator) and
//! invoked through its invoke API, against moto: the authorizer turns a key into the context API
//! Gateway would pass on, the HTTP functions answer API Gateway v2 events carrying that context,
//! and the executor runs a job on the event EventBridge Scheduler would send. Each binary reads
//! its configuration from the environment and builds its own clients, as on Lambda; what one
//! writes, the others read back from DynamoDB on moto.
//!
//! `tests/tests/aws_functions/` compares the same routers in-process with the local server;
//! this test is about the binaries: their `main`, their configuration, the runtime's event
//! decoding and the emulator's invoke protocol.

use chrono::{SecondsFormat, Utc};
use jobsmith::adapters::aws::app::vars;
use jobsmith::adapters::aws::dynamo::create_table;
use jobsmith::adapters::aws::scheduler::{SCHEDULED_TIME_PLACEHOLDER, schedule_name};
use jobsmith::domain::ids::JobId;
use jobsmith::domain::principal::{Role, generate_key};
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN};
use jobsmith_functions::DEADLINE_MESSAGE;
use jobsmith_tests::apigw;
use jobsmith_tests::lambda_watch::LambdaWatch;
use jobsmith_tests::moto::MotoServer;
use serde_json::{Value, json};

const TABLE: &str = "jobsmith-watch-test";
const GROUP: &str = "jobsmith-watch-test";

const AUTHORIZER: &str = "authorizer";
const CREATE_JOB: &str = "create-job";
const GET_JOB: &str = "get-job";
const LIST_JOBS: &str = "list-jobs";
const LIST_EXECUTIONS: &str = "list-executions";
const EXECUTOR: &str = "executor";
const TRIGGER_JOB: &str = "trigger-job";
const FUNCTIONS: [&str; 6] = [AUTHORIZER, CREATE_JOB, GET_JOB, LIST_JOBS, LIST_EXECUTIONS, EXECUTOR];

struct Harness {
    // Dropped in this order: the functions before the moto they talk to.
    watch: LambdaWatch,
    moto: MotoServer,
    _scripts: tempfile::TempDir,
    scheduler: aws_sdk_scheduler::Client,
    operator_key: String,
    /// What the functions were started with.
    env: Vec<(&'static str, String)>,
}

async fn harness() -> Harness {
    harness_of(&FUNCTIONS, Dispatch::Schedule).await
}

/// How the functions hand a run to the executor.
#[derive(PartialEq)]
enum Dispatch {
    /// Through schedules on moto, which never fire them: the test delivers the events.
    Schedule,
    /// Invoked through the emulator, which knows the executor by its binary's name.
    Invoke,
}

/// `functions` under the emulator over a fresh moto with the table and schedule groups, a
/// script root holding `ok.sh`, and an operator key.
async fn harness_of(functions: &[&str], dispatch: Dispatch) -> Harness {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), TABLE).await.expect("create the table");
    let scheduler = aws_sdk_scheduler::Client::new(&sdk);
    jobsmith::test_support::aws::create_schedule_groups(&scheduler, GROUP).await;
    let scripts = tempfile::tempdir().expect("script root");
    std::fs::write(scripts.path().join("ok.sh"), "#!/usr/bin/env bash\necho \"ok $*\"\n").expect("write the script");
    let root = scripts.path().to_string_lossy().into_owned();
    let operator = generate_key("ops", Role::Operator).expect("key");
    let port = jobsmith_tests::lambda_watch::free_port();

    let mut env: Vec<(&'static str, String)> = vec![
        ("AWS_ENDPOINT_URL", moto.endpoint().to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        (vars::TABLE, TABLE.to_owned()),
        (vars::BUCKET, "media".to_owned()),
        (vars::SCHEDULE_GROUP, GROUP.to_owned()),
        (vars::SCHEDULER_ROLE_ARN, SCHEDULER_ROLE_ARN.to_owned()),
        (vars::S3_FORCE_PATH_STYLE, "true".to_owned()),
        (vars::SCRIPT_ROOTS, root),
        (vars::API_KEYS, operator.config_line),
    ];
    match dispatch {
        Dispatch::Schedule => env.push((vars::EXECUTOR_ARN, EXECUTOR_ARN.to_owned())),
        Dispatch::Invoke => env.extend([
            (vars::EXECUTOR_ARN, EXECUTOR.to_owned()),
            (vars::LAMBDA_ENDPOINT, format!("http://127.0.0.1:{port}")),
        ]),
    }
    let pairs: Vec<(&str, &str)> = env.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let watch = LambdaWatch::start_on(port, functions, &pairs).await;
    Harness { watch, moto, _scripts: scripts, scheduler, operator_key: operator.key, env }
}

/// An HTTP function's answer, taken out of its API Gateway v2 response.
struct Answer {
    status: u64,
    body: Value,
}

impl Harness {
    /// The authorizer's answer for a request carrying `key`.
    async fn authorize(&self, key: &str) -> Value {
        let answer = self
            .watch
            .invoke(AUTHORIZER, &apigw::authorizer_event(json!({"x-api-key": key, "content-type": "application/json"})))
            .await;
        assert_eq!(answer.status, 200, "{AUTHORIZER}: {}\n{}", answer.body, self.watch.log_tail());
        answer.body
    }

    /// Sends `function` the event API Gateway would for `method path` behind the authorizer,
    /// whose answer `context` is.
    async fn http(&self, function: &str, method: &str, path: &str, body: Option<&Value>, context: &Value) -> Answer {
        let invocation = self.watch.invoke(function, &apigw::http_event(method, path, body, Some(context))).await;
        assert_eq!(invocation.status, 200, "{function}: {}\n{}", invocation.body, self.watch.log_tail());
        let response = invocation.body;
        let status =
            response["statusCode"].as_u64().unwrap_or_else(|| panic!("{function}: no statusCode in {response}"));
        let text = response["body"].as_str().unwrap_or_default();
        let body = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()));
        Answer { status, body }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_binaries_serve_a_job_from_creation_to_its_run() {
    let h = harness().await;

    // The authorizer: the configured key passes with its principal and role, another does not.
    let allowed = h.authorize(&h.operator_key).await;
    assert_eq!(allowed, json!({"isAuthorized": true, "context": {"principal": "ops", "role": "operator"}}));
    let denied = h.authorize("jsk_not-a-key").await;
    assert_eq!(denied, json!({"isAuthorized": false, "context": {}}));
    let context = &allowed["context"];

    // create-job writes the job, with the authorizer's principal, and its schedule.
    let job = json!({
        "id": "watched",
        "name": "Watched backup",
        "taskFunctionId": 1,
        "jobTypeId": 1,
        "scheduleConfig": {"hours": 6, "minutes": 0, "seconds": 0},
        "taskArgs": {"script_path": "ok.sh", "args": ["--full"]}
    });
    let created = h.http(CREATE_JOB, "POST", "/api/v1/scheduler/jobs", Some(&job), context).await;
    assert!((200..300).contains(&created.status), "{}: {}", created.status, created.body);
    assert_eq!(created.body["id"], "watched", "{}", created.body);
    assert_eq!(created.body["createdBy"], "ops", "the authorizer's principal reached the handler");

    // Bad input: the same binary refuses it with seed 001's shape, and nothing is written.
    let incomplete = json!({"job_id": "incomplete", "job_type": "bash", "script_path": "ok.sh"});
    let refused = h.http(CREATE_JOB, "POST", "/api/schedule-job", Some(&incomplete), context).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.body, json!({"error": "Missing required fields: run_date"}));

    // Other binaries read it back from the table.
    let got = h.http(GET_JOB, "GET", "/api/v1/scheduler/jobs/watched", None, context).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["id"], "watched");
    assert_eq!(got.body["name"], "Watched backup");
    let missing = h.http(GET_JOB, "GET", "/api/v1/scheduler/jobs/incomplete", None, context).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    let listed = h.http(LIST_JOBS, "GET", "/api/jobs", None, context).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["total"], 1, "{}", listed.body);

    // The job's schedule, which create-job put in the group, invokes the executor.
    let name = schedule_name(&JobId::parse("watched").expect("job id"));
    let schedule = h.scheduler.get_schedule().group_name(GROUP).name(name).send().await.expect("the job's schedule");
    let target = schedule.target().expect("a target");
    assert_eq!(target.arn(), EXECUTOR_ARN);
    let input = target.input().expect("the executor's input");
    assert!(input.contains(SCHEDULED_TIME_PLACEHOLDER), "{input}");

    // The executor, on the event that schedule sends when it fires (moto never fires it):
    // EventBridge puts the fire time in place of the placeholder.
    let fired_at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let event: Value = serde_json::from_str(&input.replace(SCHEDULED_TIME_PLACEHOLDER, &fired_at)).expect("JSON");
    assert_eq!(event, json!({"job_id": "watched", "scheduled_time": fired_at}));
    let ran = h.watch.invoke(EXECUTOR, &event).await;
    assert_eq!(ran.status, 200, "{EXECUTOR}: {}\n{}", ran.body, h.watch.log_tail());
    assert_eq!(ran.body["outcome"], "ran", "{}", ran.body);
    assert_eq!(ran.body["attempt"], 1, "{}", ran.body);
    let execution_id = ran.body["execution_id"].as_str().expect("the run's execution id");

    // list-executions shows that run, as the executor recorded it.
    let path = "/api/v1/scheduler/jobs/watched/executions";
    let listed = h.http(LIST_EXECUTIONS, "GET", path, None, context).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["total"], 1, "{}", listed.body);
    let run = &listed.body["executions"][0];
    assert_eq!(run["id"], execution_id, "{run}");
    assert_eq!(run["jobId"], "watched", "{run}");
    assert_eq!(run["triggeredBy"], "scheduler", "{run}");
    assert_eq!(run["scheduledTime"], fired_at.as_str(), "{run}");
    assert_eq!(run["attempt"], 1, "{run}");
    // cargo-lambda's emulator (1.9.2) gives every invocation `Lambda-Runtime-Deadline-Ms: 600000`,
    // a duration where Lambda sends the deadline as milliseconds since the epoch: to the
    // executor, the deadline passed in 1970, so it leaves the script no time and records why.
    // On Lambda (or an emulator that sends a real deadline) the script runs.
    match (ran.body["status"].as_str(), run["status"].as_str()) {
        (Some("succeeded"), Some("success")) => {
            assert!(run["stdoutTail"].as_str().is_some_and(|out| out.contains("ok --full")), "{run}");
        }
        (Some("timed_out"), Some("timeout")) => assert_eq!(run["errorMessage"], DEADLINE_MESSAGE, "{run}"),
        other => panic!("unexpected outcome {other:?}: report {}, execution {run}", ran.body),
    }
}

/// A manual trigger is an asynchronous Invoke of the executor, not a schedule: the trigger-job
/// binary, behind the emulator's invoke API, invokes the executor binary through the same API,
/// and the executor records the run without any run schedule being written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_trigger_invokes_the_executor_at_once() {
    use jobsmith::adapters::aws::app::{AwsApp, AwsConfig};
    use jobsmith::adapters::aws::scheduler::{default_run_group, run_schedule_name};
    use jobsmith::domain::execution::ExecutionStatus;
    use jobsmith::domain::ids::ExecutionId;

    let h = harness_of(&[AUTHORIZER, CREATE_JOB, TRIGGER_JOB, EXECUTOR], Dispatch::Invoke).await;
    let (watch, scheduler) = (&h.watch, &h.scheduler);
    let config =
        AwsConfig::from_env(|name| h.env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())).expect("config");
    let app = AwsApp::build(config, &h.moto.sdk_config().await).expect("the test's own view of the table");

    let job = json!({
        "id": "triggered",
        "name": "Triggered by hand",
        "taskFunctionId": 1,
        "jobTypeId": 1,
        "scheduleConfig": {"hours": 24, "minutes": 0, "seconds": 0},
        "taskArgs": {"script_path": "ok.sh"}
    });
    let context = json!({"principal": "ops", "role": "operator"});
    let created = watch
        .invoke(CREATE_JOB, &apigw::http_event("POST", "/api/v1/scheduler/jobs", Some(&job), Some(&context)))
        .await;
    assert_eq!(created.body["statusCode"], 201, "{}\n{}", created.body, watch.log_tail());

    let path = "/api/v1/scheduler/jobs/triggered/trigger";
    let triggered = watch.invoke(TRIGGER_JOB, &apigw::http_event("POST", path, None, Some(&context))).await;
    assert_eq!(triggered.body["statusCode"], 200, "{}\n{}", triggered.body, watch.log_tail());
    let answer: Value = serde_json::from_str(triggered.body["body"].as_str().unwrap_or_default()).expect("JSON");
    let raw = answer["executionId"].as_str().or_else(|| answer["execution_id"].as_str()).unwrap_or_default().to_owned();
    let execution_id = ExecutionId::parse(&raw).unwrap_or_else(|| panic!("no execution id in {answer}"));

    // Recorded by the executor: its run ends (cargo-lambda's fixed deadline header makes it a
    // timeout; see the test above) without any schedule delivering it.
    let within = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let recorded = loop {
        let run = app.executions.get_execution(execution_id).await.expect("read the run").expect("the run");
        if run.status != ExecutionStatus::Running {
            break run;
        }
        assert!(std::time::Instant::now() < within, "the executor never recorded {run:?}\n{}", watch.log_tail());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(matches!(recorded.status, ExecutionStatus::Succeeded | ExecutionStatus::TimedOut), "{recorded:?}");
    let job_id = JobId::parse("triggered").expect("job id");
    let schedule = scheduler
        .get_schedule()
        .group_name(default_run_group(GROUP))
        .name(run_schedule_name(&job_id, execution_id))
        .send()
        .await;
    assert!(schedule.is_err(), "no run schedule: the executor was invoked directly, {schedule:?}");
}
