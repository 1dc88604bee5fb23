//! One cold start: a fresh process of a function's binary, one event, its answer.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use jobsmith_tests::runtime_api::{Answer, RuntimeApi};
use serde_json::Value;
use tokio::process::Command;

use crate::service_time::Exchanges;

/// Far above any start-up this measures; a function that takes longer is broken, not slow.
pub const ANSWERED_WITHIN: Duration = Duration::from_secs(10);
/// The invocation's deadline, as the template's usual timeout gives it.
const DEADLINE: Duration = Duration::from_secs(10);

pub struct Setup {
    pub binary: PathBuf,
    pub name: String,
    pub memory_mib: String,
    pub vars: BTreeMap<String, String>,
    pub event: Value,
    /// The function's stdout and stderr, appended run after run.
    pub log: PathBuf,
}

pub struct Run {
    pub elapsed: Duration,
    /// How much of `elapsed` some request to a service was under way.
    pub waiting: Duration,
    /// What it answered, in short: an HTTP status, the authorizer's verdict, or the result.
    pub answer: String,
}

/// Spawns the binary with Lambda's variables and the setup's, hands it the event and waits for
/// its answer; the process is killed once it has answered, as a fresh start is what is measured.
pub async fn once(setup: &Setup, exchanges: &Exchanges) -> Result<Run, String> {
    let api = RuntimeApi::start(&setup.name).await;
    let mut answered = api.send(setup.event.clone(), DEADLINE);
    let log = File::options().create(true).append(true).open(&setup.log).map_err(|e| format!("its log: {e}"))?;
    let log_err = log.try_clone().map_err(|e| format!("its log: {e}"))?;
    let mut command = Command::new(&setup.binary);
    command
        .env_clear()
        .envs(lambda_vars(setup, &api.address()))
        .envs(&setup.vars)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .kill_on_drop(true);

    let started = Instant::now();
    // What a run before this one left on its connections is none of this one's.
    exchanges.take(started, started);
    let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", setup.binary.display()))?;
    let outcome = tokio::select! {
        answer = &mut answered => answer.map_err(|_| "the Runtime API stopped".to_owned()),
        status = child.wait() => Err(format!("exited ({status:?}) before answering; init error: {:?}", api.init_error())),
        () = tokio::time::sleep(ANSWERED_WITHIN) => Err(format!("no answer within {ANSWERED_WITHIN:?}")),
    };
    let elapsed = started.elapsed();
    let waiting = exchanges.take(started, started + elapsed);
    let _ = child.start_kill();
    let _ = child.wait().await;
    let answer = outcome.map_err(|problem| format!("{problem}; its output is in {}", setup.log.display()))?;
    Ok(Run { elapsed, waiting, answer: short(&answer) })
}

/// What Lambda's `provided.al2023` runtime sets besides the function's own variables.
fn lambda_vars(setup: &Setup, runtime_api: &str) -> Vec<(&'static str, String)> {
    let task_root = setup.binary.parent().map(|dir| dir.display().to_string()).unwrap_or_default();
    vec![
        ("PATH", "/usr/local/bin:/usr/bin/:/bin".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LAMBDA_TASK_ROOT", task_root),
        ("_HANDLER", "bootstrap".to_owned()),
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", setup.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", setup.memory_mib.clone()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", setup.name)),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
    ]
}

fn short(answer: &Answer) -> String {
    match answer {
        Answer::Error(error) => format!("error {}", error["errorType"].as_str().unwrap_or("?")),
        Answer::Response(response) => {
            if let Some(status) = response.get("statusCode") {
                format!("HTTP {status}")
            } else if let Some(verdict) = response.get("isAuthorized") {
                format!("authorized: {verdict}")
            } else {
                let text = response.to_string();
                text.chars().take(60).collect()
            }
        }
    }
}

/// Lambda's Invoke API as far as the functions use it: every asynchronous invoke of the executor
/// accepted (202), so that a run due now takes the path it takes on AWS, and nothing runs.
pub struct InvokeStub {
    address: std::net::SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl InvokeStub {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("a free loopback port for the invoke stub: {e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("the invoke stub's address: {e}"));
        let app =
            Router::new().route("/2015-03-31/functions/{name}/invocations", post(|| async { StatusCode::ACCEPTED }));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { address, server }
    }

    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }
}

impl Drop for InvokeStub {
    fn drop(&mut self) {
        self.server.abort();
    }
}
