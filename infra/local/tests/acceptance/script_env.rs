//! What a script sees of the server's environment, read back as any viewer reads it: through the
//! executions route's `stdoutTail`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Server, ServerOptions, bounded, new_key};

const LIMIT: Duration = Duration::from_secs(60);
const JOBS: &str = "/api/v1/scheduler/jobs";
const SENTINEL: &str = "JOBSMITH_ACCEPTANCE_SENTINEL";
const SECRET: &str = "do-not-show-9c2e71";

/// A one-off run of `script` by hand, on a job that otherwise fires once an hour.
async fn trigger_script(server: &Server, function_id: u32, script: &str) -> String {
    let body = json!({
        "name": format!("env {function_id}"),
        "taskFunctionId": function_id,
        "jobTypeId": 1,
        "scheduleConfig": {"hours": 1, "minutes": 0, "seconds": 0},
        "taskArgs": {"script_path": script, "args": []},
        "timeoutSeconds": 30,
    });
    let job = server.post(JOBS, &body).await.expect(201);
    let id = job["id"].as_str().unwrap_or_else(|| panic!("no id in {job}")).to_owned();
    let triggered = server.post_empty(&format!("{JOBS}/{id}/trigger")).await.expect(200);
    triggered["executionId"].as_str().unwrap_or_else(|| panic!("no executionId in {triggered}")).to_owned()
}

/// The execution as the cross-job listing shows it, once it has finished.
async fn finished(server: &Server, execution_id: &str) -> Value {
    crate::support::eventually("the run is recorded as finished", LIMIT, || async {
        let page = server.get("/api/v1/scheduler/executions?per_page=100").await.expect(200);
        let list = page["executions"].as_array().cloned().unwrap_or_default();
        list.into_iter().find(|e| e["id"] == execution_id && e["status"] != "running")
    })
    .await
}

#[tokio::test]
async fn scripts_never_see_the_servers_secrets() {
    let (key, key_line) = new_key("ops", "admin");
    let server = Server::start(ServerOptions {
        api_keys: key_line.clone(),
        client_key: Some(key),
        env: vec![(SENTINEL.to_owned(), SECRET.to_owned())],
        ..ServerOptions::default()
    })
    .await;
    bounded(LIMIT * 2, async {
        let bash = server.write_script("env.sh", "#!/bin/bash\nenv\n");
        let python = server.write_script(
            "env.py",
            "import os\n\ndef main():\n    for name, value in os.environ.items():\n        print(f'{name}={value}')\n",
        );
        let hash = key_line.rsplit(':').next().unwrap_or_default().to_owned();
        for (function_id, script) in [(1, bash), (2, python)] {
            let id = trigger_script(&server, function_id, &script).await;
            let run = finished(&server, &id).await;
            assert_eq!(run["status"], "success", "{run}");
            let stdout = run["stdoutTail"].as_str().unwrap_or_else(|| panic!("no stdoutTail in {run}"));
            assert!(stdout.contains(&format!("JOBSMITH_EXECUTION_ID={id}\n")), "the run's own variables: {stdout}");
            assert!(stdout.contains("\nPATH=") || stdout.starts_with("PATH="), "PATH: {stdout}");
            for leak in [SENTINEL, SECRET, "JOBSMITH_API_KEYS", hash.as_str()] {
                assert!(!stdout.contains(leak), "{leak} reached the script:\n{stdout}");
            }
        }
    })
    .await;
}
