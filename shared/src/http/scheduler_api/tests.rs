//! The routes end to end through the whole router (auth layer, extractors, use cases, SQLite),
//! as seed 004's clients call them.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::http::routes::ROUTES;
use crate::test_support::fixtures::scheduler_job_body;
use crate::test_support::router::RouterHarness;

fn harness() -> RouterHarness {
    let h = RouterHarness::new();
    h.write_script("ok.sh", "#!/bin/bash\nexit 0\n");
    h.write_script("slow.sh", "#!/bin/bash\nsleep 5\n");
    h
}

async fn create(h: &RouterHarness, body: Value) -> Value {
    let (status, job) = h.send(Method::POST, "/api/v1/scheduler/jobs", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    job
}

fn locs(body: &Value) -> Vec<Value> {
    body["detail"].as_array().map(|items| items.iter().map(|i| i["loc"].clone()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn catalogs() {
    let h = harness();
    let (status, body) = h.get("/api/v1/scheduler/task-functions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 7);
    let first = &body["taskFunctions"][0];
    assert_eq!(first["name"], "script.bash");
    assert_eq!(first["handlerPath"], "jobsmith::task::script.bash");
    assert_eq!(first["handlerType"], "builtin");
    assert!(first["createdAt"].as_str().unwrap().ends_with('Z'));

    let (_, active) = h.get("/api/v1/scheduler/task-functions?is_active=true&per_page=2").await;
    assert_eq!(active["total"], 7, "every function runs in this build: {active}");
    assert_eq!(active["taskFunctions"].as_array().unwrap().len(), 2);
    assert!(active["taskFunctions"].as_array().unwrap().iter().all(|f| f["isActive"] == true));
    let (_, inactive) = h.get("/api/v1/scheduler/task-functions?is_active=false").await;
    assert_eq!((&inactive["total"], &inactive["taskFunctions"]), (&json!(0), &json!([])), "{inactive}");

    let (status, body) = h.get("/api/v1/scheduler/task-functions?per_page=101").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), vec![json!(["query", "per_page"])]);

    let (status, body) = h.get("/api/v1/scheduler/job-types").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 3);
    assert_eq!(
        body[0],
        json!({"id": 1, "name": "interval", "displayName": "Interval", "description": "Run at fixed time intervals"})
    );
    h.stop().await;
}

#[tokio::test]
async fn create_read_change_delete() {
    let h = harness();
    let created = create(&h, scheduler_job_body("sync-1", "Domain sync")).await;
    assert_eq!(created["id"], "sync-1");
    assert_eq!(created["scheduleConfig"], json!({"hours": 6, "minutes": 0, "seconds": 0}));
    assert_eq!(created["taskArgs"], json!({"script_path": "ok.sh", "args": ["--full"]}));
    assert_eq!(created["retryCount"], 3);
    assert_eq!(created["maxInstances"], 1);
    assert_eq!(created["isEnabled"], true);
    assert_eq!(created["lastStatus"], Value::Null);
    assert_eq!(created["createdBy"], "anonymous");
    assert!(created["nextRunTime"].as_str().unwrap().ends_with('Z'));

    let (status, body) = h.send(Method::POST, "/api/v1/scheduler/jobs", &scheduler_job_body("sync-1", "again")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["detail"].is_string(), "{body}");

    let (status, detail) = h.get("/api/v1/scheduler/jobs/sync-1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["taskFunction"]["id"], 1);
    assert_eq!(detail["jobType"]["name"], "interval");
    assert_eq!(detail["recentExecutions"], json!([]));

    // A client that sends back what it read changes nothing but what it edited.
    let mut edited = detail.clone();
    edited["name"] = json!("Domain sync (renamed)");
    let (status, after) = h.send(Method::PUT, "/api/v1/scheduler/jobs/sync-1", &edited).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["name"], "Domain sync (renamed)");
    assert_eq!(after["nextRunTime"], detail["nextRunTime"], "an unchanged interval keeps its anchor");
    assert_eq!(after["timeoutSeconds"], detail["timeoutSeconds"]);
    assert!(after.get("recentExecutions").is_some(), "PUT answers as GET does");

    let change = json!({"scheduleConfig": {"hours": 2, "minutes": 0, "seconds": 0}, "isEnabled": false});
    let (status, after) = h.send(Method::PUT, "/api/v1/scheduler/jobs/sync-1", &change).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["scheduleConfig"], json!({"hours": 2, "minutes": 0, "seconds": 0}));
    assert_eq!(after["isEnabled"], false);
    assert_eq!(after["nextRunTime"], Value::Null);

    let (status, body) = h.send(Method::PUT, "/api/v1/scheduler/jobs/sync-1", &json!({"jobTypeId": 2})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), vec![json!(["body", "scheduleConfig"])]);

    let (status, after) =
        h.send(Method::PUT, "/api/v1/scheduler/jobs/sync-1/status", &json!({"isEnabled": true})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["isEnabled"], true);
    assert!(after["nextRunTime"].is_string());
    let (status, body) = h.send(Method::PUT, "/api/v1/scheduler/jobs/sync-1/status", &json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), vec![json!(["body", "isEnabled"])]);

    let (status, body) = h.call(Method::DELETE, "/api/v1/scheduler/jobs/sync-1", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);
    let (status, body) = h.call(Method::DELETE, "/api/v1/scheduler/jobs/sync-1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Job not found: sync-1"}));
    let (status, body) = h.get("/api/v1/scheduler/jobs/sync-1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Job not found: sync-1"}));
    h.stop().await;
}

#[tokio::test]
async fn bad_input_names_its_field() {
    let h = harness();
    let (status, body) = h.call(Method::POST, "/api/v1/scheduler/jobs", Some("{\"name\": ")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].is_string(), "{body}");

    let mut bad = scheduler_job_body("x", "x");
    bad["scheduleConfig"] = json!({"hours": "two"});
    let (status, body) = h.send(Method::POST, "/api/v1/scheduler/jobs", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), vec![json!(["body", "scheduleConfig", "hours"])]);
    assert!(body["detail"][0]["msg"].is_string() && body["detail"][0]["type"].is_string());

    let mut bad = scheduler_job_body("x", "x");
    bad["maxInstances"] = json!("one");
    let (status, body) = h.send(Method::POST, "/api/v1/scheduler/jobs", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), vec![json!(["body", "maxInstances"])]);

    let mut outside = scheduler_job_body("x", "x");
    outside["taskArgs"] = json!({"script_path": "/etc/passwd"});
    let (status, body) = h.send(Method::POST, "/api/v1/scheduler/jobs", &outside).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().is_some_and(|d| d.starts_with("Invalid taskArgs.script_path")), "{body}");

    let mut args = scheduler_job_body("x", "x");
    args["taskArgs"] = json!({"script_path": "ok.sh", "args": ["a", 2]});
    let (_, body) = h.send(Method::POST, "/api/v1/scheduler/jobs", &args).await;
    assert_eq!(locs(&body), vec![json!(["body", "taskArgs", "args", 1])]);

    let (status, body) = h.get("/api/v1/scheduler/jobs?page=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), vec![json!(["query", "page"])]);
    let (status, body) = h.get("/api/v1/scheduler/executions?status=done").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), vec![json!(["query", "status"])]);
    let (status, _) = h.get("/api/v1/scheduler/jobs/nope/executions").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    h.stop().await;
}

/// Every route with a body reads only a body declared JSON, and a refused one changes nothing.
#[tokio::test]
async fn bodies_are_read_only_when_declared_json() {
    use tower::ServiceExt;

    let h = harness();
    create(&h, scheduler_job_body("typed", "Typed")).await;
    let (_, before) = h.get("/api/v1/scheduler/jobs/typed").await;
    let changes = [
        (Method::POST, "/api/v1/scheduler/jobs", scheduler_job_body("other", "Other")),
        (Method::PUT, "/api/v1/scheduler/jobs/typed", json!({"name": "Renamed"})),
        (Method::PUT, "/api/v1/scheduler/jobs/typed/status", json!({"isEnabled": false})),
    ];
    for (method, uri, body) in changes {
        for content_type in [Some("text/plain"), Some("multipart/form-data; boundary=b"), None] {
            let mut request = axum::http::Request::builder().method(method.clone()).uri(uri);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let request = request.body(axum::body::Body::from(body.to_string())).unwrap();
            let response = h.router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{method} {uri} {content_type:?}");
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
            let answer: Value = serde_json::from_slice(&bytes).unwrap();
            assert!(answer["detail"].as_str().is_some_and(|d| d.starts_with("Unsupported Media Type: ")), "{answer}");
        }
    }
    assert_eq!(h.get("/api/v1/scheduler/jobs/typed").await.1, before);
    assert_eq!(h.get("/api/v1/scheduler/jobs/other").await.0, StatusCode::NOT_FOUND);
    h.stop().await;
}

#[tokio::test]
async fn listing_filters_and_counts() {
    let h = harness();
    create(&h, scheduler_job_body("a", "Nightly backup")).await;
    create(&h, scheduler_job_body("b", "Hourly sync")).await;
    let mut disabled = scheduler_job_body("c", "Weekly backup");
    disabled["isEnabled"] = json!(false);
    create(&h, disabled).await;

    let (status, body) = h.get("/api/v1/scheduler/jobs").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 3);
    assert_eq!((body["enabledCount"].clone(), body["disabledCount"].clone()), (json!(2), json!(1)));
    assert_eq!(body["runningCount"], 0);
    assert_eq!((body["page"].clone(), body["perPage"].clone()), (json!(1), json!(20)));

    let (_, body) = h.get("/api/v1/scheduler/jobs?name=BACKUP").await;
    assert_eq!(body["total"], 2);
    let (_, body) = h.get("/api/v1/scheduler/jobs?name=backup&is_enabled=false").await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["jobs"][0]["id"], "c");
    assert_eq!(body["enabledCount"], 2, "counts ignore the filter");
    let (_, body) = h.get("/api/v1/scheduler/jobs?task_function_id=99").await;
    assert_eq!((body["total"].clone(), body["jobs"].clone()), (json!(0), json!([])));
    let (_, body) = h.get("/api/v1/scheduler/jobs?task_function_id=1&per_page=2").await;
    assert_eq!(body["total"], 3);
    assert_eq!(body["jobs"].as_array().unwrap().len(), 2);
    let (_, body) = h.get("/api/v1/scheduler/jobs?per_page=2&page=2").await;
    assert_eq!(body["jobs"].as_array().unwrap().len(), 1);

    let (_, first) = h.get("/api/v1/scheduler/jobs?per_page=2").await;
    let cursor = first["nextCursor"].as_str().unwrap();
    let (_, rest) = h.get(&format!("/api/v1/scheduler/jobs?per_page=2&cursor={cursor}")).await;
    assert_eq!(rest["jobs"][0]["id"], "c");
    assert_eq!(rest["nextCursor"], Value::Null);
    let (status, body) = h.get("/api/v1/scheduler/jobs?cursor=garbage").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), vec![json!(["query", "cursor"])]);

    let (status, body) = h.get("/api/v1/scheduler/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["isRunning"], true);
    assert_eq!((body["totalJobs"].clone(), body["enabledJobs"].clone()), (json!(3), json!(2)));
    assert_eq!(body["runningJobs"], 0);
    assert_eq!(body["leaderInstance"]["isLeader"], true);
    assert_eq!(body["instances"][0], body["leaderInstance"]);
    assert_eq!(body["leaderInstance"]["leaderSince"], body["leaderInstance"]["startedAt"]);
    assert!(["a", "b"].contains(&body["nextScheduledJob"]["id"].as_str().unwrap()), "{body}");
    assert!(body["nextScheduledJob"]["nextRunTime"].as_str().unwrap().ends_with('Z'));
    h.stop().await;
}

#[tokio::test]
async fn triggering_runs_once_per_instance_allowed() {
    let h = harness();
    let mut slow = scheduler_job_body("slow", "Slow");
    slow["taskArgs"] = json!({"script_path": "slow.sh"});
    slow["isEnabled"] = json!(false);
    create(&h, slow).await;

    let (status, body) = h.call(Method::POST, "/api/v1/scheduler/jobs/slow/trigger", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "a disabled job is not triggered: {body}");
    assert!(body["detail"].is_string());

    h.send(Method::PUT, "/api/v1/scheduler/jobs/slow/status", &json!({"isEnabled": true})).await;
    let (status, started) = h.call(Method::POST, "/api/v1/scheduler/jobs/slow/trigger", None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["jobId"], "slow");
    assert_eq!(started["celeryTaskId"], Value::Null);
    assert_eq!(started["message"], "Job triggered successfully");
    assert_eq!(started["status"], "running");
    let execution_id = started["executionId"].as_str().unwrap().to_owned();

    // Straight after the first: even within one millisecond this is a second run, refused as skipped.
    let (status, body) = h.call(Method::POST, "/api/v1/scheduler/jobs/slow/trigger", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("maxInstances") && detail.contains("skipped"), "{detail}");

    let (_, body) = h.get("/api/v1/scheduler/executions?job_id=slow&status=running").await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["executions"][0]["id"], execution_id.as_str());
    assert_eq!(body["executions"][0]["triggeredBy"], "manual");
    assert_eq!(body["executions"][0]["triggeredByUserId"], "anonymous");
    let (_, body) = h.get("/api/v1/scheduler/jobs/slow/executions?status=skipped").await;
    assert_eq!(body["total"], 1);
    let skipped_id = body["executions"][0]["id"].as_str().unwrap().to_owned();
    assert!(detail.contains(&skipped_id), "{detail} names {skipped_id}");
    let (_, body) = h.get("/api/v1/scheduler/executions?per_page=1").await;
    assert_eq!((body["total"].clone(), body["perPage"].clone()), (json!(2), json!(1)));
    assert_eq!(body["executions"].as_array().unwrap().len(), 1);

    let (_, detail) = h.get("/api/v1/scheduler/jobs/slow").await;
    assert_eq!(detail["recentExecutions"].as_array().unwrap().len(), 2);
    let (_, status) = h.get("/api/v1/scheduler/status").await;
    assert_eq!(status["runningJobs"], 1);
    h.stop().await;
}

#[test]
fn every_seed_004_route_is_documented() {
    let openapi = serde_json::to_value(crate::http::openapi()).unwrap();
    for route in ROUTES.iter().filter(|r| r.path.starts_with("/api/v1/scheduler/")) {
        let operation = &openapi["paths"][route.path][route.method.to_ascii_lowercase()];
        assert!(operation.is_object(), "{} {} is not documented", route.method, route.path);
        assert_eq!(operation["tags"], json!(["scheduler"]), "{} {}", route.method, route.path);
    }
    let schemas = &openapi["components"]["schemas"];
    for name in
        ["SchedulerJobView", "SchedulerJobDetailView", "SchedulerJobCreate", "SchedulerJobUpdate", "ValidationBody"]
    {
        assert!(schemas[name].is_object(), "schema {name}");
    }
    assert!(schemas["SchedulerJobView"]["properties"]["taskFunctionId"].is_object());
    let create = &schemas["SchedulerJobCreate"];
    assert_eq!(create["required"], json!(["name", "scheduleConfig"]));
    assert_eq!(create["properties"]["maxInstances"]["maximum"], 100);
    assert_eq!(create["properties"]["id"]["pattern"], "^[0-9A-Za-z._-]{1,64}$");
    let update = &schemas["SchedulerJobUpdate"];
    assert!(update.get("required").is_none(), "{update}");
    assert!(update["properties"].get("id").is_none(), "PUT ignores the id: {update}");
    assert_eq!(update["properties"]["maxInstances"]["maximum"], 100);
    let executions = &openapi["paths"]["/api/v1/scheduler/executions"]["get"]["parameters"];
    let job_id = executions.as_array().unwrap().iter().find(|p| p["name"] == "job_id").unwrap();
    assert_eq!(job_id["schema"]["pattern"], "^[0-9A-Za-z._-]{1,64}$");
}
