//! API keys and roles, and when the server may run without keys.

use std::process::Stdio;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::support::time::run_date_in;
use crate::support::{BIN, Server, ServerOptions, api_error, api_error_at, bounded, detail_message, new_key};

const LIMIT: Duration = Duration::from_secs(45);
const JOBS: &str = "/api/v1/scheduler/jobs";

#[tokio::test]
async fn keys_and_roles_guard_every_family() {
    let (viewer, viewer_line) = new_key("vera", "viewer");
    let (operator, operator_line) = new_key("otto", "operator");
    let (admin, admin_line) = new_key("ada", "admin");
    assert!(viewer_line.starts_with("vera:viewer:sha256:"), "{viewer_line}");
    assert!(!viewer_line.contains(&viewer), "the config line must not hold the key itself");
    assert_ne!(viewer, operator);
    let server = Server::start(ServerOptions {
        api_keys: [viewer_line, operator_line, admin_line].join(","),
        ..Default::default()
    })
    .await;
    bounded(LIMIT, async {
        let script = server.write_script("ok.sh", "#!/bin/bash\nexit 0\n");
        let (run_date, _) = run_date_in(3600);
        let schedule = json!({"job_id": "guarded", "job_type": "bash", "script_path": script, "run_date": run_date});
        let create = json!({
            "name": "Guarded",
            "taskFunctionId": 1,
            "jobTypeId": 1,
            "scheduleConfig": {"hours": 1, "minutes": 0, "seconds": 0},
            "taskArgs": {"script_path": script},
        });
        let call = |key: Option<&str>, method: Method, path: &str| server.request_as(key, method, path);

        // No key, a wrong key: 401 in each family's shape.
        for key in [None, Some("not-a-key"), Some("")] {
            let answer = server.send(call(key, Method::GET, "/api/jobs")).await;
            assert_eq!(answer.status, 401, "{key:?}: {}", answer.text);
            api_error_at("/api/jobs", &answer.body);
            let answer = server.send(call(key, Method::GET, JOBS)).await;
            assert_eq!(answer.status, 401, "{key:?}: {}", answer.text);
            detail_message(&answer.body);
            let answer = server.send(call(key, Method::POST, "/api/schedule-job").json(&schedule)).await;
            assert_eq!(answer.status, 401, "{key:?}: {}", answer.text);
            api_error(&answer.body);
        }

        // A viewer reads but cannot change anything.
        let answer = server.send(call(Some(&viewer), Method::GET, "/api/jobs")).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let answer = server.send(call(Some(&viewer), Method::GET, JOBS)).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let answer = server.send(call(Some(&viewer), Method::POST, "/api/schedule-job").json(&schedule)).await;
        assert_eq!(answer.status, 403, "{}", answer.text);
        api_error(&answer.body);
        let answer = server.send(call(Some(&viewer), Method::POST, JOBS).json(&create)).await;
        assert_eq!(answer.status, 403, "{}", answer.text);
        detail_message(&answer.body);

        // An operator creates, changes and triggers; the records name the key.
        let answer = server.send(call(Some(&operator), Method::POST, "/api/schedule-job").json(&schedule)).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let answer = server.send(call(Some(&operator), Method::POST, JOBS).json(&create)).await;
        let job = answer.expect(201);
        assert_eq!((&job["createdBy"], &job["updatedBy"]), (&json!("otto"), &json!("otto")), "{job}");
        let id = job["id"].as_str().expect("id").to_owned();
        let answer = server.send(call(Some(&viewer), Method::POST, &format!("{JOBS}/{id}/trigger"))).await;
        assert_eq!(answer.status, 403, "{}", answer.text);
        let answer = server
            .send(call(Some(&admin), Method::PUT, &format!("{JOBS}/{id}")).json(&json!({"name": "Renamed"})))
            .await;
        let renamed = answer.expect(200);
        assert_eq!((&renamed["createdBy"], &renamed["updatedBy"]), (&json!("otto"), &json!("ada")), "{renamed}");
        let answer = server.send(call(Some(&operator), Method::POST, &format!("{JOBS}/{id}/trigger"))).await;
        let triggered = answer.expect(200);
        let execution = triggered["executionId"].as_str().expect("executionId").to_owned();
        let runs = server.send(call(Some(&viewer), Method::GET, &format!("{JOBS}/{id}/executions"))).await.expect(200);
        let run = runs["executions"]
            .as_array()
            .and_then(|list| list.iter().find(|e| e["id"] == execution.as_str()))
            .unwrap_or_else(|| panic!("execution {execution} missing from {runs}"))
            .clone();
        assert_eq!((&run["triggeredBy"], &run["triggeredByUserId"]), (&json!("manual"), &json!("otto")), "{run}");

        // Deleting everything needs an admin.
        let answer = server.send(call(Some(&operator), Method::DELETE, "/api/jobs/all")).await;
        assert_eq!(answer.status, 403, "{}", answer.text);
        api_error_at("/api/jobs/all", &answer.body);
        let answer = server.send(call(Some(&viewer), Method::DELETE, "/api/jobs/guarded")).await;
        assert_eq!(answer.status, 403, "{}", answer.text);
        api_error_at("/api/jobs/guarded", &answer.body);
        assert_eq!(server.send(call(Some(&viewer), Method::GET, "/api/jobs")).await.expect(200)["total"], 2);
        let answer = server.send(call(Some(&admin), Method::DELETE, "/api/jobs/all")).await;
        let deleted = answer.expect(200);
        assert_eq!((&deleted["success"], &deleted["deleted_count"]), (&json!(true), &json!(2)), "{deleted}");

        // Public routes need no key.
        let health = server.send(call(None, Method::GET, "/api/health")).await.expect(200);
        assert_eq!(health["status"], "healthy");
        let spec = server.send(call(None, Method::GET, "/openapi.json")).await.expect(200);
        assert!(spec["paths"].is_object(), "{spec}");
        let docs = server.send(call(None, Method::GET, "/docs")).await;
        assert_eq!(docs.status, 200, "{}", docs.text);
        assert!(docs.content_type.starts_with("text/html"), "{}", docs.content_type);
        // A wrong key on a public route is not held against the caller.
        let health = server.send(call(Some("wrong"), Method::GET, "/api/health")).await;
        assert_eq!(health.status, 200, "{}", health.text);
    })
    .await;
}

#[tokio::test]
async fn open_mode_only_on_loopback() {
    // No keys on a loopback bind: served, every caller an admin.
    let server = Server::open().await;
    bounded(LIMIT, async {
        let answer = server.send(server.request_as(None, Method::DELETE, "/api/jobs/all")).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert!(server.stderr().contains("WARNING"), "open mode is announced: {}", server.stderr());

        // No keys on every interface: refused, with a message, before listening.
        let data = tempfile::tempdir().expect("data dir");
        let scripts = tempfile::tempdir().expect("script dir");
        let child = tokio::process::Command::new(BIN)
            .args(["serve", "--bind", "0.0.0.0:0", "--data-dir"])
            .arg(data.path())
            .arg("--script-root")
            .arg(scripts.path())
            .env("JOBSMITH_API_KEYS", "")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn jobsmith");
        let output = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
            .await
            .expect("jobsmith kept running on 0.0.0.0 with no keys")
            .expect("wait");
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(!output.status.success(), "status {:?}", output.status);
        assert!(!stdout.contains("listening"), "{stdout}");
        assert!(stderr.contains("refusing to serve") && stderr.contains("JOBSMITH_API_KEYS"), "{stderr}");

        // A malformed key configuration is refused too.
        let output = tokio::process::Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data.path())
            .arg("--script-root")
            .arg(scripts.path())
            .env("JOBSMITH_API_KEYS", "vera:viewer:sha256:nothex")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(10), output).await.expect("exits").expect("output");
        assert!(!output.status.success(), "a bad key line must stop the server");
        assert!(String::from_utf8_lossy(&output.stderr).contains("JOBSMITH_API_KEYS"));
    })
    .await;
}
