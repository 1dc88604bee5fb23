//! Bad requests answered in each route family's own error shape, with nothing half stored.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::time::run_date_in;
use crate::support::{Server, api_error, api_error_at, bounded, detail_message, keys, validation_locs};

const LIMIT: Duration = Duration::from_secs(30);
const JOBS: &str = "/api/v1/scheduler/jobs";

#[tokio::test]
async fn errors_come_in_each_familys_shape_and_store_nothing() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let script = server.write_script("ok.sh", "#!/bin/bash\nexit 0\n");
        let (run_date, _) = run_date_in(3600);
        let schedule_body = |id: Value| {
            json!({"job_id": id, "job_type": "bash", "script_path": script, "run_date": run_date, "args": []})
        };
        let v1_body = |extra: Value| {
            let mut body = json!({
                "name": "Err",
                "taskFunctionId": 1,
                "jobTypeId": 1,
                "scheduleConfig": {"hours": 1, "minutes": 0, "seconds": 0},
                "taskArgs": {"script_path": script, "args": []},
            });
            for (key, value) in extra.as_object().expect("object") {
                body[key] = value.clone();
            }
            body
        };

        // Malformed JSON.
        for (broken, says) in [
            ("{\"job_id\": ", "malformed JSON"),
            ("not json", "malformed JSON"),
            ("{\"a\": 1} trailing", "trailing characters"),
            ("", "JSON object"),
        ] {
            let answer = server.raw(Method::POST, "/api/schedule-job", broken).await;
            assert_eq!(answer.status, 400, "{broken:?}: {}", answer.text);
            assert!(api_error(&answer.body).contains(says), "{broken:?}: {}", answer.text);
            let answer = server.raw(Method::POST, JOBS, broken).await;
            assert_eq!(answer.status, 400, "{broken:?}: {}", answer.text);
            assert!(detail_message(&answer.body).contains(says), "{broken:?}: {}", answer.text);
        }
        let answer = server.raw(Method::PUT, &format!("{JOBS}/whatever"), "{").await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        detail_message(&answer.body);

        // Wrong types: 400 with a message on /api, a 422 list with loc on /api/v1.
        let answer = server.post("/api/schedule-job", &schedule_body(json!(42))).await;
        assert_eq!((answer.status, answer.body), (400, json!({"error": "Invalid job_id: must be a string"})));
        let mut body = schedule_body(json!("typed"));
        body["args"] = json!(["--full", 1]);
        let answer = server.post("/api/schedule-job", &body).await;
        assert_eq!((answer.status, answer.body), (400, json!({"error": "Invalid args: must be an array of strings"})));
        let answer = server.post("/api/schedule-job", &json!(["not", "an", "object"])).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        api_error(&answer.body);
        for (extra, loc) in [
            (json!({"taskFunctionId": "one"}), json!(["body", "taskFunctionId"])),
            (json!({"jobTypeId": "interval"}), json!(["body", "jobTypeId"])),
            (json!({"scheduleConfig": {"hours": "two"}}), json!(["body", "scheduleConfig", "hours"])),
            (json!({"taskArgs": {"script_path": script, "args": ["a", 2]}}), json!(["body", "taskArgs", "args", 1])),
            (json!({"maxInstances": "many"}), json!(["body", "maxInstances"])),
            (json!({"isEnabled": "yes"}), json!(["body", "isEnabled"])),
        ] {
            let answer = server.post(JOBS, &v1_body(extra.clone())).await;
            assert_eq!(answer.status, 422, "{extra}: {}", answer.text);
            assert!(validation_locs(&answer.body).contains(&loc), "{extra}: {loc} not in {}", answer.text);
        }
        let answer = server.post(JOBS, &json!({"name": "no function"})).await;
        assert_eq!(answer.status, 422, "{}", answer.text);
        assert!(validation_locs(&answer.body).contains(&json!(["body", "taskFunctionId"])), "{}", answer.text);

        // Unknown or unavailable task functions and job types.
        for (extra, loc) in [
            (json!({"taskFunctionId": 99}), json!(["body", "taskFunctionId"])),
            (json!({"jobTypeId": 9}), json!(["body", "jobTypeId"])),
        ] {
            let answer = server.post(JOBS, &v1_body(extra.clone())).await;
            assert_eq!(answer.status, 422, "{extra}: {}", answer.text);
            assert!(validation_locs(&answer.body).contains(&loc), "{extra}: {}", answer.text);
        }
        let answer = server.post(JOBS, &v1_body(json!({"taskFunctionId": 6, "taskArgs": {}}))).await;
        assert_eq!(answer.status, 422, "cleanup.videos needs at least one rule: {}", answer.text);
        assert!(
            validation_locs(&answer.body).contains(&json!(["body", "taskArgs", "older_than_days"])),
            "{}",
            answer.text
        );

        // Ids EventBridge could not take.
        let long = "x".repeat(65);
        for bad in ["a b", long.as_str(), "all", "a/b", ""] {
            let answer = server.post("/api/schedule-job", &schedule_body(json!(bad))).await;
            assert_eq!(answer.status, 400, "{bad:?}: {}", answer.text);
            let message = api_error(&answer.body);
            assert!(
                message.starts_with("Invalid job_id: ") || message == "Missing required fields: job_id",
                "{bad:?}: {message}"
            );
            let answer = server.post(JOBS, &v1_body(json!({"id": bad}))).await;
            assert_eq!(answer.status, 422, "{bad:?}: {}", answer.text);
            assert_eq!(validation_locs(&answer.body), [json!(["body", "id"])], "{bad:?}");
        }
        let answer = server.post("/api/schedule-job", &schedule_body(json!("x".repeat(64)))).await;
        assert_eq!(answer.status, 200, "64 characters are allowed: {}", answer.text);
        server.delete(&format!("/api/jobs/{}", "x".repeat(64))).await.expect(200);

        // Oversized bodies (more than 64 KiB).
        let big = json!({"job_id": "big", "padding": "x".repeat(70 * 1024)}).to_string();
        let answer = server.raw(Method::POST, "/api/schedule-job", big.clone()).await;
        assert_eq!(answer.status, 413, "{}", answer.text);
        api_error(&answer.body);
        let answer = server.raw(Method::POST, JOBS, big).await;
        assert_eq!(answer.status, 413, "{}", answer.text);
        detail_message(&answer.body);

        // Unknown routes and wrong methods.
        for path in ["/api/nope", "/api/job", "/api/jobs/x/y", "/api/clips/x/y"] {
            let answer = server.get(path).await;
            assert_eq!(answer.status, 404, "{path}: {}", answer.text);
            assert_eq!(api_error_at(path, &answer.body), "Endpoint not found");
        }
        for path in ["/api/v1/nope", "/api/v1/scheduler/nope", "/nope"] {
            let answer = server.get(path).await;
            assert_eq!((answer.status, answer.body.clone()), (404, json!({"detail": format!("Not found: {path}")})), "{path}");
        }
        for (method, path) in [(Method::PATCH, "/api/jobs"), (Method::POST, "/api/health"), (Method::GET, "/api/schedule-job")] {
            let answer = server.send(server.request(method.clone(), path)).await;
            assert_eq!(answer.status, 405, "{method} {path}: {}", answer.text);
            assert_eq!(api_error_at(path, &answer.body), format!("Method {method} not allowed on {path}"));
        }
        for (method, path) in [(Method::PATCH, JOBS), (Method::POST, "/api/v1/scheduler/status"), (Method::DELETE, "/api/v1/scheduler/task-functions")] {
            let answer = server.send(server.request(method.clone(), path)).await;
            assert_eq!(answer.status, 405, "{method} {path}: {}", answer.text);
            assert_eq!(detail_message(&answer.body), format!("Method {method} not allowed on {path}"));
        }

        // Unknown jobs on every job route of both families.
        let answer = server.get(&format!("{JOBS}/nope/executions")).await;
        assert_eq!((answer.status, answer.body), (404, json!({"detail": "Job not found: nope"})));
        let answer = server.get(&format!("{JOBS}/{}", "y".repeat(65))).await;
        assert_eq!(answer.status, 404, "an impossible id names no job: {}", answer.text);
        detail_message(&answer.body);
        let answer = server.get("/api/job/a%20b").await;
        assert_eq!(answer.status, 404, "{}", answer.text);
        api_error(&answer.body);

        // Query parameters of the wrong type.
        let answer = server.get("/api/v1/scheduler/executions?page=x").await;
        assert_eq!(answer.status, 422, "{}", answer.text);
        assert_eq!(validation_locs(&answer.body), [json!(["query", "page"])]);
        let answer = server.get("/api/jobs?limit=0").await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        assert_eq!(keys(&answer.body), ["error", "success"], "seed 000's route keeps its flag: {}", answer.text);

        // Nothing of any of this was stored.
        let listed = server.get("/api/jobs").await.expect(200);
        assert_eq!((listed["count"].as_u64(), listed["total"].as_u64()), (Some(0), Some(0)), "{listed}");
        let v1 = server.get(JOBS).await.expect(200);
        assert_eq!((v1["total"].as_u64(), &v1["jobs"]), (Some(0), &json!([])), "{v1}");
        let runs = server.get("/api/v1/scheduler/executions").await.expect(200);
        assert_eq!(runs["total"], 0, "{runs}");
    })
    .await;
}
