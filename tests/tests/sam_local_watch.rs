//! What `sam local invoke` does with Docker, done with `cargo lambda watch`: the real function
//! binaries, configured from infra/aws/local/env.json (its moto address replaced by the test's),
//! on a moto set up by infra/aws/local/setup.sh, answer the sample events of
//! infra/aws/local/events as they are. `sam_local_files.rs` checks the files themselves.

use std::collections::BTreeMap;

use chrono::{SecondsFormat, Utc};
use jobsmith::adapters::aws::app::vars;
use jobsmith_tests::lambda_watch::{LambdaWatch, free_port};
use jobsmith_tests::moto::MotoServer;
use jobsmith_tests::sam_local::{EnvVars, event, resolved, setup};
use jobsmith_tests::template::{functions, template};
use serde_json::{Value, json};

const AUTHORIZER: &str = "authorizer";
const HEALTH: &str = "health";
const CREATE_JOB: &str = "create-job";
const LIST_JOBS: &str = "list-jobs";
const EXECUTOR: &str = "executor";
const LIST_EXECUTIONS: &str = "list-executions";
const SWEEP: &str = "sweep";
const REDRIVE: &str = "redrive";
const FUNCTIONS: [&str; 8] = [AUTHORIZER, HEALTH, CREATE_JOB, LIST_JOBS, EXECUTOR, LIST_EXECUTIONS, SWEEP, REDRIVE];

/// The emulator runs every function in one environment: env.json's variables of all of them,
/// which must not disagree, aimed at this test's moto and emulator.
fn environment(moto: &str, emulator: &str) -> BTreeMap<String, String> {
    let template = template();
    let parameters = template.get("Parameters").expect("Parameters");
    let env = EnvVars::read();
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    for function in functions(&template).iter().filter(|f| FUNCTIONS.contains(&f.binary.as_str())) {
        for (name, value) in EnvVars::pointed_at(&resolved(function, &env, parameters), moto) {
            let earlier = merged.insert(name.clone(), value.clone());
            assert!(
                earlier.as_ref().is_none_or(|e| *e == value),
                "{name}: {value} for {}, {earlier:?} before",
                function.binary
            );
        }
    }
    // The emulator knows functions by their binary's name, where SAM knows the logical id.
    merged.insert(vars::EXECUTOR_ARN.to_owned(), EXECUTOR.to_owned());
    merged.insert(vars::LAMBDA_ENDPOINT.to_owned(), emulator.to_owned());
    merged
}

/// An HTTP function's answer to its sample: the API Gateway response's status and JSON body.
async fn http(watch: &LambdaWatch, function: &str) -> (u64, Value) {
    let invocation = watch.invoke(function, &event(function)).await;
    assert_eq!(invocation.status, 200, "{function}: {}\n{}", invocation.body, watch.log_tail());
    let status = invocation.body["statusCode"].as_u64().unwrap_or_else(|| panic!("{function}: {}", invocation.body));
    let text = invocation.body["body"].as_str().unwrap_or_default();
    (status, serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
}

async fn invoke(watch: &LambdaWatch, function: &str, event: &Value) -> Value {
    let invocation = watch.invoke(function, event).await;
    assert_eq!(invocation.status, 200, "{function}: {}\n{}", invocation.body, watch.log_tail());
    invocation.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binaries_answer_the_sample_events_with_env_json() {
    let moto = MotoServer::start().await;
    setup(moto.endpoint()).await;
    let port = free_port();
    let env = environment(moto.endpoint(), &format!("http://127.0.0.1:{port}"));
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let watch = LambdaWatch::start_on(port, &FUNCTIONS, &pairs).await;

    // The authorizer reads the keys' parameter setup.sh wrote and passes the sample key with the
    // context the HTTP samples carry.
    let allowed = invoke(&watch, AUTHORIZER, &event(AUTHORIZER)).await;
    assert_eq!(allowed["isAuthorized"], true, "{allowed}");
    assert_eq!(allowed["context"], event(CREATE_JOB)["requestContext"]["authorizer"]["lambda"], "{allowed}");

    let (status, health) = http(&watch, HEALTH).await;
    assert_eq!(status, 200, "{health}");

    let (status, created) = http(&watch, CREATE_JOB).await;
    assert_eq!(status, 201, "{created}");
    let job_id = created["id"].as_str().expect("the job's id").to_owned();
    let (status, listed) = http(&watch, LIST_JOBS).await;
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&Value> = listed["jobs"].as_array().expect("jobs").iter().map(|j| &j["id"]).collect();
    assert_eq!(ids, [&json!(job_id)], "{listed}");

    // The sample fire is hours old by the time anyone sends it: recorded as a misfire. The same
    // fire at the time of sending runs (cargo-lambda's emulator sends a deadline in 1970, so the
    // run stops at once as timed out; under sam local it succeeds).
    let fire = event(EXECUTOR);
    assert_eq!(fire["job_id"], job_id.as_str());
    let misfired = invoke(&watch, EXECUTOR, &fire).await;
    assert_eq!(misfired, json!({"outcome": "misfired"}));
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let ran = invoke(&watch, EXECUTOR, &json!({"job_id": job_id, "scheduled_time": now})).await;
    assert_eq!(ran["outcome"], "ran", "{ran}");
    let (status, executions) = http(&watch, LIST_EXECUTIONS).await;
    assert_eq!(status, 200, "{executions}");
    let mut statuses: Vec<&str> =
        executions["executions"].as_array().expect("executions").iter().filter_map(|e| e["status"].as_str()).collect();
    statuses.sort_unstable();
    assert!(matches!(statuses.as_slice(), ["skipped", "success" | "timeout"]), "{executions}");

    let swept = invoke(&watch, SWEEP, &event(SWEEP)).await;
    assert_eq!(
        swept,
        json!({"reaped": [], "redispatched": [], "schedules_removed": 0, "schedules_left": 0, "deleted_jobs_left": false, "history_deleted": 0, "histories_left": 0})
    );

    // A fire EventBridge gave up on, in the queue setup.sh made: the redrive sends it again.
    let sdk = moto.sdk_config().await;
    let queue = &env[vars::DLQ_URL];
    let dead = json!({"job_id": job_id, "scheduled_time": now}).to_string();
    aws_sdk_sqs::Client::new(&sdk).send_message().queue_url(queue).message_body(dead).send().await.expect("send");
    let redriven = invoke(&watch, REDRIVE, &event(REDRIVE)).await;
    assert_eq!(redriven, json!({"redriven": [job_id], "unreadable": 0, "failed": 0}));
    drop(watch);
}
