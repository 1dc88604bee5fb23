//! The `/api/…` routes through the whole router (auth layer, fallbacks, extractors) over the
//! local adapters, as the seeds' clients call them.

use std::ops::Deref;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::domain::principal::{KeyRing, Role, generate_key};
use crate::test_support::router::RouterHarness;

/// The router with one script, `backup.sh`, in its root.
struct Harness {
    inner: RouterHarness,
    script: String,
}

impl Deref for Harness {
    type Target = RouterHarness;

    fn deref(&self) -> &RouterHarness {
        &self.inner
    }
}

fn harness() -> Harness {
    harness_with(KeyRing::default())
}

fn harness_with(keys: KeyRing) -> Harness {
    let inner = RouterHarness::with_keys(keys);
    let script = inner.write_script("backup.sh", "#!/bin/bash\nexit 0\n");
    Harness { inner, script }
}

impl Harness {
    async fn schedule(&self, job_id: &str) -> (StatusCode, Value) {
        let body = json!({
            "job_id": job_id,
            "job_type": "bash",
            "script_path": self.script,
            "run_date": "2099-12-31T23:59:59",
            "args": ["--full", "--compress"],
        });
        self.send(Method::POST, "/api/schedule-job", &body).await
    }
}

#[tokio::test]
async fn health_is_healthy() {
    let h = harness();
    let (status, body) = h.call(Method::GET, "/api/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "healthy", "scheduler_running": true}));
}

#[tokio::test]
async fn health_and_status_report_a_scheduler_that_cannot_use_its_store() {
    let h = harness();
    let instance = h.app.service.instance();
    instance.set_scheduler_failing(Some(chrono::Utc::now()));
    let (status, body) = h.call(Method::GET, "/api/health", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, json!({"status": "unhealthy", "scheduler_running": false}));
    assert_eq!(h.get("/api/v1/scheduler/status").await.1["isRunning"], false);
    instance.set_scheduler_failing(None);
    assert_eq!(h.call(Method::GET, "/api/health", None).await.0, StatusCode::OK);
    assert_eq!(h.get("/api/v1/scheduler/status").await.1["isRunning"], true);
}

#[tokio::test]
async fn schedule_get_pause_resume_remove_round_trip() {
    let h = harness();
    let (status, body) = h.schedule("data_backup_job").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({
            "message": "Job scheduled successfully",
            "job": {
                "job_id": "data_backup_job",
                "name": format!("bash:{}", h.script),
                "next_run_time": "2099-12-31T23:59:59+00:00",
                "job_type": "bash",
                "script_path": h.script,
                "args": ["--full", "--compress"],
            }
        })
    );

    let (status, body) = h.call(Method::GET, "/api/job/data_backup_job", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let job = &body["job"];
    assert_eq!(job["trigger"], "date[2099-12-31 23:59:59 UTC]");
    assert_eq!(job["next_run_time"], "2099-12-31T23:59:59+00:00");
    assert_eq!((job["executor"].clone(), job["pending"].clone()), (json!("default"), json!(false)));
    assert_eq!((job["status"].clone(), job["paused"].clone()), (json!("pending"), json!(false)));
    assert_eq!(job["args"], json!(["--full", "--compress"]));

    let (status, body) = h.call(Method::PUT, "/api/pause-job/data_backup_job", None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "Job data_backup_job paused successfully"})));
    let (_, body) = h.call(Method::GET, "/api/job/data_backup_job", None).await;
    assert_eq!((body["job"]["status"].clone(), body["job"]["next_run_time"].clone()), (json!("paused"), Value::Null));

    let (status, body) = h.call(Method::PUT, "/api/resume-job/data_backup_job", None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "Job data_backup_job resumed successfully"})));
    let (_, body) = h.call(Method::GET, "/api/jobs", None).await;
    assert_eq!(
        (body["success"].clone(), body["count"].clone(), body["total"].clone()),
        (json!(true), json!(1), json!(1))
    );
    assert_eq!(body["jobs"][0]["next_run_time"], "2099-12-31T23:59:59+00:00");
    assert_eq!(body["jobs"][0]["status"], "pending");

    let (status, body) = h.call(Method::DELETE, "/api/remove-job/data_backup_job", None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "Job data_backup_job removed successfully"})));
    let (status, body) = h.call(Method::GET, "/api/job/data_backup_job", None).await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"error": "Job not found: data_backup_job"})));
}

#[tokio::test]
async fn unknown_jobs_are_404_on_every_seed_001_route() {
    let h = harness();
    for (method, uri) in [
        (Method::GET, "/api/job/nope"),
        (Method::DELETE, "/api/remove-job/nope"),
        (Method::PUT, "/api/pause-job/nope"),
        (Method::PUT, "/api/resume-job/nope"),
    ] {
        let (status, body) = h.call(method, uri, None).await;
        assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"error": "Job not found: nope"})), "{uri}");
    }
    let (status, body) = h.call(Method::GET, "/api/job/bad%20id", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn duplicates_conflict_unless_replaced() {
    let h = harness();
    assert_eq!(h.schedule("dup").await.0, StatusCode::OK);
    let (status, body) = h.schedule("dup").await;
    assert_eq!((status, body), (StatusCode::CONFLICT, json!({"error": "Job already exists: dup"})));

    let body = json!({
        "job_id": "dup", "job_type": "python", "script_path": h.script,
        "run_date": "2098-01-01T00:00:00Z", "replace_existing": true,
    });
    let (status, body) = h.send(Method::POST, "/api/schedule-job", &body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["job"]["job_type"], "python");
    assert_eq!(body["job"]["next_run_time"], "2098-01-01T00:00:00+00:00");
    let (_, body) = h.call(Method::GET, "/api/jobs", None).await;
    assert_eq!(body["total"], 1);
}

#[tokio::test]
async fn bad_schedule_requests_are_400() {
    let h = harness();
    let body = json!({"job_id": "x", "job_type": "bash", "script_path": h.script});
    let (status, body) = h.send(Method::POST, "/api/schedule-job", &body).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!({"error": "Missing required fields: run_date"})));

    let past = json!({"job_id": "x", "job_type": "bash", "script_path": h.script, "run_date": "2001-01-01T00:00:00"});
    let (status, body) = h.send(Method::POST, "/api/schedule-job", &past).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "run_date must be in the future");

    let outside = json!({"job_id": "x", "job_type": "bash", "script_path": "/etc/passwd", "run_date": "2099-01-01"});
    let (status, body) = h.send(Method::POST, "/api/schedule-job", &outside).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = body["error"].as_str().unwrap();
    assert!(error.starts_with("Invalid script_path: "), "{error}");
    assert!(!error.contains(h.dir().to_str().unwrap()), "the roots leaked: {error}");

    let (status, body) = h.call(Method::POST, "/api/schedule-job", Some("{\"job_id\": ")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().starts_with("malformed JSON"), "{body}");
    // A form is not read as JSON, whatever it holds, nor is a body that does not say what it is.
    let valid = json!({"job_id": "form", "job_type": "bash", "script_path": h.script, "run_date": "2099-01-01"});
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let mut request = Request::post("/api/schedule-job");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = h.router.clone().oneshot(request.body(Body::from(valid.to_string())).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type:?}");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(body["error"].as_str().unwrap().starts_with("Unsupported Media Type: "), "{body}");
    }

    let (_, body) = h.call(Method::GET, "/api/jobs", None).await;
    assert_eq!(body["total"], 0, "nothing may be stored by a refused request");
}

#[tokio::test]
async fn seed_000_deletes_carry_success() {
    let h = harness();
    let (status, body) = h.call(Method::DELETE, "/api/jobs/nope", None).await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"success": false, "error": "Job not found"})));

    h.schedule("abc-123-def").await;
    let (status, body) = h.call(Method::DELETE, "/api/jobs/abc-123-def", None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true, "message": "Job abc-123-def deleted"})));

    let (status, body) = h.call(Method::DELETE, "/api/jobs/all", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"success": true, "deleted_count": 0, "errors": null, "message": "0 jobs deleted"}));
}

#[tokio::test]
async fn jobs_all_is_the_bulk_delete_not_a_job_id() {
    let h = harness();
    for id in ["a", "b", "c"] {
        assert_eq!(h.schedule(id).await.0, StatusCode::OK);
    }
    let (status, body) = h.call(Method::DELETE, "/api/jobs/all", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["deleted_count"].clone(), body["message"].clone()), (json!(3), json!("3 jobs deleted")));
    let (_, body) = h.call(Method::GET, "/api/jobs", None).await;
    assert_eq!(body["total"], 0);
}

#[tokio::test]
async fn jobs_all_needs_admin_where_one_job_needs_operator() {
    let operator = generate_key("ops", Role::Operator).unwrap();
    let h = harness_with(KeyRing::parse(&operator.config_line).unwrap());
    let call = |uri: &str| {
        let request = Request::delete(uri).header("x-api-key", operator.key.as_str()).body(Body::empty()).unwrap();
        h.router.clone().oneshot(request)
    };
    assert_eq!(call("/api/jobs/all").await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(call("/api/jobs/nope").await.unwrap().status(), StatusCode::NOT_FOUND);
    let (status, body) = h.call(Method::GET, "/api/health", None).await;
    assert_eq!(status, StatusCode::OK, "health is public: {body}");
    let (status, _) = h.call(Method::GET, "/api/jobs", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn list_pages_and_reports_the_full_total() {
    let h = harness();
    for id in ["a", "b", "c"] {
        h.schedule(id).await;
    }
    let (status, body) = h.call(Method::GET, "/api/jobs?limit=2&offset=1", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["count"].clone(), body["total"].clone()), (json!(2), json!(3)));
    assert_eq!(body["jobs"][0]["job_id"], "b");
    let created_at = body["jobs"][0]["created_at"].as_str().unwrap();
    assert!(chrono::NaiveDateTime::parse_from_str(created_at, "%Y-%m-%dT%H:%M:%S").is_ok(), "{created_at}");

    for query in ["limit=0", "limit=10001", "limit=abc", "offset=-1"] {
        let (status, body) = h.call(Method::GET, &format!("/api/jobs?{query}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["success"], false, "{query}");
    }
}

#[test]
fn openapi_documents_every_legacy_route_of_the_table() {
    let doc = serde_json::to_value(crate::http::openapi()).unwrap();
    let legacy = crate::http::routes::ROUTES.iter().filter(|r| {
        r.path.starts_with("/api/") && !r.path.starts_with("/api/v1/") && !r.path.starts_with("/api/clips")
    });
    for route in legacy {
        let operation = &doc["paths"][route.path][route.method.to_lowercase()];
        assert!(operation.is_object(), "{} {} is not documented", route.method, route.path);
        assert!(operation["responses"]["200"].is_object(), "{} {}", route.method, route.path);
    }
    assert!(doc["components"]["schemas"]["JobView"].is_object());
}
